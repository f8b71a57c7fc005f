#!/bin/bash
# Every built-in training scenario, headless under LANG=zh_TW.UTF-8, shows
# no English a Taiwanese admin would have to read (issue 15): what is left
# once the allowed tokens are taken out must hold no Latin word.  Allowed:
# what the operator types (command names), the cmdlets, their parameters
# and literal values (Ready, Busy, Running...), server, pool and domain
# names, config keys and values, product names, units, and what the
# simulated servers print (a real server prints its own output, in its own
# language).  --help and --list-scenarios are checked too, and the check
# is shown to catch an English line.
set -u
: "${PP_SOURCE_DIR:?}" "${POOLPILOT:?}"
command -v msgfmt >/dev/null || { echo "FAIL: msgfmt is missing (apt-get install gettext)"; exit 1; }
command -v python3 >/dev/null || { echo "FAIL: python3 is missing"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$T/locale/zh_TW/LC_MESSAGES" "$T/loc"
msgfmt --check -o "$T/locale/zh_TW/LC_MESSAGES/poolpilot.mo" "$PP_SOURCE_DIR/po/zh_TW.po" ||
    { echo "FAIL: po/zh_TW.po does not compile"; exit 1; }
env=(POOLPILOT_LOCALEDIR="$T/locale" LANGUAGE=zh_TW)
if localedef -i zh_TW -f UTF-8 "$T/loc/zh_TW.UTF-8" >/dev/null 2>&1; then
    env+=(LOCPATH="$T/loc" LANG=zh_TW.UTF-8 LC_ALL=zh_TW.UTF-8)
else
    echo "localedef could not make zh_TW.UTF-8: LANGUAGE=zh_TW over C.UTF-8"
    env+=(LANG=C.UTF-8 LC_ALL=C.UTF-8)
fi

CHECK=$(dirname "$0")/lib/zh_english.py

scen=$(cd "$PP_SOURCE_DIR/config/scenarios" && ls *.ini | sed 's/\.ini$//')
[ -n "$scen" ] || bad "no built-in scenarios found"
outs=()
for s in $scen; do
    # "status" and "why" first, then input ends: --yes confirms what it
    # may and a question only a person can answer stops the run
    printf 'status\nwhy\n' | env "${env[@]}" "$POOLPILOT" --training="$s" --time-scale=max \
        --headless --yes --journal "$T/$s.jsonl" --operator 值班員 >"$T/$s.out" 2>&1
    rc=$?
    [ $rc -le 1 ] || bad "$s: exit status $rc"
    grep -q '^\[..:..:..\] \(done\|stopped\): ' "$T/$s.out" || bad "$s: the run did not end"
    outs+=("$T/$s.out")
done
env "${env[@]}" "$POOLPILOT" --help >"$T/help.out" 2>&1 || bad "--help failed"
env "${env[@]}" "$POOLPILOT" --list-scenarios >"$T/list.out" 2>&1 || bad "--list-scenarios failed"
grep -q "用法" "$T/help.out" || bad "--help is not in Chinese"
python3 "$CHECK" "$scen" "${outs[@]}" "$T/help.out" "$T/list.out" >"$T/report" ||
    { bad "untranslated English on screen"; head -40 "$T/report"; }

# the check can fail: one English event line among the Chinese ones
{ head -3 "$T/happy.out"; echo "[12:00:00] step-end UpgradeDomain1 fe01.contoso.com drain -> ok"; } >"$T/broken.out"
python3 "$CHECK" "$scen" "$T/broken.out" >/dev/null && bad "the check misses an English line"

# the journal of the same runs stays English (no byte >= 0x80 outside the
# operator's name)
for s in $scen; do
    jq -c 'del(.operator)' "$T/$s.jsonl" | LC_ALL=C grep -qP '[\x80-\xff]' &&
        bad "$s: the journal holds translated text"
done

echo "i18n_scenarios: $(echo $scen | wc -w) scenarios, $fails problem(s)"
exit $((fails > 0))
