# The window's end and planned vs actual, through the real binary, on the
# recorded training journals of tests/vectors/eta/: the report of a run
# with earlier journals beside it (JOURNAL.*) has planned vs actual per
# domain (md table, json numbers); without them it has no such section
# (the golden reports stay as they are); the headless status of a live
# run says when the window ends ("about" without history, a range or "by"
# with it).
set -u
. "$(dirname "$0")/lib/checks.sh"
V=$PP_SOURCE_DIR/tests/vectors/eta
J=$T/pool.jsonl
cp "$V/happy.jsonl" "$J"

"$POOLPILOT" --training=happy --journal "$J" --report=md >"$T/plain.md" 2>&1
check "no earlier journal: no planned section" "! grep -q 'Planned vs actual' '$T/plain.md'"

cp "$V/happy.jsonl" "$J.20261101T020000Z"
cp "$V/busy-then-ready.jsonl" "$J.20261001T020000Z"
"$POOLPILOT" --training=happy --journal "$J" --report=md >"$T/r.md" 2>&1
check "md: planned vs actual from 2 earlier journals" \
    "grep -q 'median step durations of 2 earlier journals' '$T/r.md'"
check "md: one row per domain with both durations" \
    "[ \$(grep -cE '^\| UpgradeDomain[1-4] \| 0h2[0-9]m[0-9]{2}s \| 0h2[0-9]m[0-9]{2}s \| [-+]0h' '$T/r.md') -eq 4 ]"
"$POOLPILOT" --training=happy --journal "$J" --report=json -o "$T/r.json"
# UpgradeDomain1 of happy.jsonl: domain-start 16:40:45.440, domain-done 17:05:03.080
check "json: actual = domain-done - domain-start, to the ms" \
    "[ \"\$(jq '.planned.domains[0].actual_ms' '$T/r.json')\" = 1457640 ]"
check "json: every domain planned" "jq -e '[.planned.domains[].planned_ms | numbers] | length == 4' '$T/r.json' >/dev/null"

# headless status: live estimate
L=$T/live.jsonl
( sleep 2; echo status; sleep 1; echo quit ) |
    "$POOLPILOT" --training=happy --time-scale=600 --headless --yes --journal "$L" >"$T/live.out" 2>&1
check "status without history: unknown until timed, or about" \
    "grep -qE '  window ends(: unknown until a [a-z]+ has been timed| about [0-9]{2}:[0-9]{2})' '$T/live.out'"
cp "$V/happy.jsonl" "$T/live2.jsonl.2026"
( sleep 2; echo status; sleep 1; echo quit ) |
    "$POOLPILOT" --training=happy --time-scale=600 --headless --yes --journal "$T/live2.jsonl" \
    >"$T/live2.out" 2>&1
check "status with history: a time from the first minute" \
    "grep -qE '  window ends (by [0-9]{2}:[0-9]{2}|[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2})' '$T/live2.out'"
checks_end eta_report
