# docs/TRAINING.md's worked example is a scenario that loads and behaves as
# the page says: fe04's verify fails once (a retry passes), then the pool
# answers Busy twice after UpgradeDomain2, and the run completes with no
# departure in the debrief.
set -u
. "$(dirname "$0")/lib/checks.sh"

doc=$PP_SOURCE_DIR/docs/TRAINING.md
S=$T/verify-then-busy.ini
sed -n '/^<!-- example:begin -->$/,/^<!-- example:end -->$/p' "$doc" | sed '1,2d;$d' | sed '$d' >"$S"
check "the example is in the page" "grep -q '^\[fault.fe04-verify\]' \"$S\""
"$POOLPILOT" --training="$S" --check-config >"$T/check.out" 2>&1
check "the example passes --check-config" "[ $? -eq 0 ]"

J=$T/j.jsonl
spawn PP "$POOLPILOT" --training="$S" --time-scale=max --headless --journal "$J" --operator amy
from=$PP_OUT to=$PP_IN
retried=0
while IFS= read -r -t 60 line <&"$from"; do
    echo "$line" >>"$T/run.out"
    case "$line" in
    *"? Start UpgradeDomain"*) echo confirm >&"$to" ;;
    *"? fe04.contoso.com: verify failed"*)
        echo "override retry fe04.contoso.com looked at the event log, RTCSRV starts now" >&"$to"
        retried=1 ;;
    *"departure"*) break ;;
    esac
done
spawn_end PP "$T/run.out"
rc=$?
check "the example runs to the end with one retry" "[ $rc -eq 0 ] && [ $retried -eq 1 ]"
check "fe04's verify failed once, then passed" \
    "[ \$(jq -s '[.[] | select(.event==\"step-end\" and .server==\"fe04.contoso.com\" and .step==\"verify\")] | map(.result) | join(\",\")' \"$J\") = '\"failed,ok\"' ]"
check "Busy twice after UpgradeDomain2, then Ready" \
    "jq -s -e '(map(select(.event==\"domain-done\" and .domain==\"UpgradeDomain2\"))[0].seq) as \$d | [.[] | select(.event==\"readiness\" and .seq > \$d) | .state][0:3] == [\"Busy\",\"Busy\",\"Ready\"]' \"$J\" >/dev/null"
check "the debrief finds no departure" "grep -q 'debrief: No departures from the expected path.' \"$T/run.out\""
checks_end docs_training
