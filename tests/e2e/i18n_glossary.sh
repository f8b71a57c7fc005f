#!/bin/bash
# po/zh_TW.po keeps to po/GLOSSARY, the zh-TW terms of Microsoft's own
# documentation (issue 15): every entry whose English has a glossary term
# carries the required zh_TW term and none of its forbidden variants.  The
# check is then run on two broken copies (a forbidden variant put back, a
# required term taken out) and must fail on both.
set -u
: "${PP_SOURCE_DIR:?}"
for t in msgcat python3; do
    command -v $t >/dev/null || { echo "FAIL: $t is missing"; exit 1; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat >"$T/check.py" <<'PY'
import re, sys, json, subprocess
gl, po = sys.argv[1], sys.argv[2]
rules = []
for n, line in enumerate(open(gl, encoding='utf-8'), 1):
    if not line.strip() or line.startswith('#'):
        continue
    f = line.rstrip('\n').split('\t')
    if len(f) != 5:
        print(f"{gl}:{n}: want 5 TAB-separated fields, have {len(f)}"); sys.exit(2)
    rules.append((n, f))
out = subprocess.run(['msgcat', '--no-wrap', '--no-location', po], capture_output=True, text=True, check=True).stdout
def unq(s):
    return json.loads(s)
entries = []
for b in out.split('\n\n'):
    lines = [l for l in b.split('\n') if l and not l.startswith('#')]
    cur, d = None, {}
    for l in lines:
        m = re.match(r'^(msgid_plural|msgid|msgstr(\[\d\])?) (".*")$', l)
        if m:
            cur = m.group(1); d[cur] = unq(m.group(3))
        elif l.startswith('"') and cur:
            d[cur] += unq(l)
    if d.get('msgid'):
        strs = [v for k, v in d.items() if k.startswith('msgstr')]
        entries.append((d['msgid'], d.get('msgid_plural', ''), strs))
bad = 0
for n, (eng, pat, req, forb, src) in rules:
    rx = None if pat == '*' else re.compile(pat)
    fx = None if forb == '-' else re.compile(forb)
    alts = None if req == '-' else req.split('|')
    hits = 0
    for mid, plural, strs in entries:
        if rx and not (rx.search(mid) or (plural and rx.search(plural))):
            continue
        hits += 1
        for s in strs:
            if not s:
                continue
            if alts and not any(a in s for a in alts):
                print(f'GLOSSARY:{n}: "{eng}": msgid "{mid[:70]}" has no {req}: "{s[:70]}"'); bad += 1
            if fx and fx.search(s):
                print(f'GLOSSARY:{n}: "{eng}": forbidden {fx.search(s).group(0)!r} in "{s[:80]}" (msgid "{mid[:50]}")'); bad += 1
    if rx and hits == 0:
        print(f'GLOSSARY:{n}: "{eng}": no msgid matches {pat!r} any more (stale rule)'); bad += 1
print(f"glossary: {len(rules)} rules, {bad} problem(s)")
sys.exit(1 if bad else 0)
PY
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
G=$PP_SOURCE_DIR/po/GLOSSARY
P=$PP_SOURCE_DIR/po/zh_TW.po
[ -s "$G" ] || bad "no po/GLOSSARY"
python3 "$T/check.py" "$G" "$P" || bad "po/zh_TW.po departs from po/GLOSSARY"

# the check can fail: 清空 turned back into 排空 in one entry ...
msgcat --no-wrap "$P" -o "$T/all.po"
python3 - "$T/all.po" "$T/forbidden.po" "$T/missing.po" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
i = s.index('msgstr "正常清空"')
open(sys.argv[2], "w", encoding="utf-8").write(s[:i] + 'msgstr "正常排空"' + s[i + len('msgstr "正常清空"'):])
# ... and the backup pool said without 備份集區
j = s.index("備份集區")
open(sys.argv[3], "w", encoding="utf-8").write(s[:j] + "另一個集區" + s[j + len("備份集區"):])
PY
python3 "$T/check.py" "$G" "$T/forbidden.po" >"$T/out1" && bad "a forbidden variant (排空) goes unnoticed"
grep -q "排空" "$T/out1" || bad "the report does not name the forbidden variant"
python3 "$T/check.py" "$G" "$T/missing.po" >"$T/out2" && bad "a missing required term (備份集區) goes unnoticed"
grep -q "has no 備份集區" "$T/out2" || bad "the report does not name the missing term"

echo "i18n_glossary: $fails problem(s)"
exit $((fails > 0))
