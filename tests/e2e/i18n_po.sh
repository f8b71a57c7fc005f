# The translations stay in step with the code: po/poolpilot.pot holds
# exactly the strings the sources mark today (xgettext with the keywords
# po/CMakeLists.txt uses), po/zh_TW.po translates every one of them with
# the same printf arguments (msgfmt --check), and no file that marks
# strings is missing from po/POTFILES.
set -u
: "${PP_SOURCE_DIR:?}"
for t in xgettext msgfmt msgmerge msgattrib msgcat; do
    command -v $t >/dev/null || { echo "FAIL: $t is missing (apt-get install gettext)"; exit 1; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$PP_SOURCE_DIR" || exit 1
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# every source that uses _( N_( P_( is listed
for f in $(grep -lE '\b(_|N_|P_)\("' $(find backend tui -name '*.[ch]' ! -path backend/core/i18n.h) 2>/dev/null); do
    grep -qx "$f" po/POTFILES || bad "$f marks strings but is not in po/POTFILES"
done

xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=X:5 \
    --flag=_:1:pass-c-format --flag=N_:1:pass-c-format --flag=P_:1:pass-c-format \
    --flag=P_:2:pass-c-format --add-comments=TRANSLATORS --package-name=poolpilot \
    --msgid-bugs-address=none --add-location=file --sort-output -o "$T/fresh.pot" \
    --files-from=po/POTFILES || bad "xgettext failed"
ids() { msgcat --no-wrap --no-location --sort-output "$1" | grep -E '^msgid(_plural)? '; }
if ! diff <(ids po/poolpilot.pot) <(ids "$T/fresh.pot") >"$T/diff"; then
    bad "po/poolpilot.pot is stale: cmake --build BUILD --target pot, then msgmerge po/zh_TW.po"
    head -20 "$T/diff"
fi

msgfmt --check -o "$T/zh_TW.mo" po/zh_TW.po || bad "po/zh_TW.po does not pass msgfmt --check"
msgmerge --quiet --no-fuzzy-matching -o "$T/merged.po" po/zh_TW.po "$T/fresh.pot"
n=$(msgattrib --untranslated "$T/merged.po" | grep -c '^msgid ' || true)
# the header entry counts as one
[ "${n:-0}" -le 1 ] || { bad "po/zh_TW.po leaves $((n - 1)) string(s) untranslated";
    msgattrib --untranslated "$T/merged.po" | grep '^msgid ' | sed -n 2,11p; }
f=$(msgattrib --only-fuzzy "$T/merged.po" | grep -c '^msgid ' || true)
[ "${f:-0}" -eq 0 ] || bad "po/zh_TW.po has $f fuzzy translation(s)"

# The journal stays English: in the engine and the runner no statement that
# fills a journal record's field, or hands text to a function that journals
# it (wait_record, gate_problem and eng_finish take English and translate
# only the screen's copy), passes it through _() or the screen words
# (pp_label, pp_step_label, pp_result_label, journal_say).  N_() marks are fine.
python3 - backend/engine/*.c backend/runner/*.c >"$T/jbad" <<'PY' || bad "translated text reaches the journal"
import re, sys
field = re.compile(r'\b(eng_copy|v?snprintf)\s*\(\s*(\w+->)?(j|r|l|rec|x->rec)(->|\.)'
                   r'(event|reason|detail|result|state|action|step|server|domain)\b')
journals = re.compile(r'\b(wait_record|gate_problem|eng_finish|eng_journal)\s*\(')
translated = re.compile(r'(?<![A-Za-z0-9_])(_\(|pp_(step_|result_)?label\(|journal_say\()')
bad = 0
for path in sys.argv[1:]:
    src = open(path, encoding="utf-8").read()
    src = re.sub(r'/\*.*?\*/', lambda m: " " * len(m.group(0)), src, flags=re.S)
    pos = 0
    for stmt in src.split(";"):
        line = src.count("\n", 0, pos) + 1
        pos += len(stmt) + 1
        if (field.search(stmt) or journals.search(stmt)) and translated.search(stmt):
            print(f"{path}:{line}: {' '.join(stmt.split())[:160]}")
            bad += 1
sys.exit(1 if bad else 0)
PY
cat "$T/jbad"

echo "i18n_po: $fails problem(s)"
exit $((fails > 0))
