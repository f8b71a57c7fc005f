# Headless mode end to end through the real binary on the simulated pool:
# a full --yes run and its journal, --status and every report format, an
# override typed on stdin with its reason, quitting, input ending while the
# run waits, --dry-run, and --check-config on the examples and a bad file.
set -u
. "$(dirname "$0")/lib/checks.sh"

# 1. a whole rolling upgrade with --yes
J=$T/happy.jsonl
"$POOLPILOT" --training=happy --time-scale=max --headless --yes --journal "$J" \
    --operator alice </dev/null >"$T/happy.out" 2>&1
check "happy run exits 0" "[ $? -eq 0 ]"
check "every journal line is JSON" "jq -e . \"$J\" >/dev/null"
check "seq strictly increasing from 1" \
    "jq -s -e '[.[].seq] == [range(1; length+1)]' \"$J\" >/dev/null"
check "four domains done, run complete" \
    "[ \$(jq -s '[.[] | select(.event==\"domain-done\")] | length' \"$J\") -eq 4 ] &&
     jq -s -e 'last.event == \"complete\"' \"$J\" >/dev/null"
check "confirmations are journaled as automatic, by the operator" \
    "jq -s -e '[.[] | select(.event==\"confirm\")] | all(.operator==\"alice\" and .reason==\"auto (--yes)\")' \"$J\" >/dev/null"
check "every step-start is followed by its step-end" \
    "[ \$(jq -s '[.[] | select(.event==\"step-start\")] | length' \"$J\") -eq \$(jq -s '[.[] | select(.event==\"step-end\")] | length' \"$J\") ]"
"$POOLPILOT" --training=happy --journal "$J" --status >"$T/status.out" 2>&1
check "--status exits 0" "[ $? -eq 0 ]"
check "--status lists the servers as verified" \
    "[ \$(grep -c 'fe0[1-8].contoso.com' \"$T/status.out\") -ge 8 ] && grep -qi verified \"$T/status.out\""
"$POOLPILOT" --training=happy --journal "$J" --report=json -o "$T/r.json"
check "--report=json is valid JSON" "jq -e . \"$T/r.json\" >/dev/null"
"$POOLPILOT" --training=happy --journal "$J" --report=csv >"$T/r.csv"
check "--report=csv has a header and rows" "[ \$(wc -l <\"$T/r.csv\") -gt 32 ]"
"$POOLPILOT" --training=happy --journal "$J" --report=md >"$T/r.md"
check "--report=md has a heading" "grep -q '^#' \"$T/r.md\""

# 2. a failed verify, answered by an override typed on stdin
J=$T/verify.jsonl
spawn PP "$POOLPILOT" --training=verify-fails --time-scale=max --headless --journal "$J" \
    --operator bob
answered_override=0
while IFS= read -r -t 60 line <&"$PP_OUT"; do
    case "$line" in
    *"? Start UpgradeDomain"*) say "$PP_IN" confirm ;;
    *"? fe04.contoso.com: verify failed"*)
        say "$PP_IN" "override retry fe04.contoso.com checked RTCSRV by hand, it was slow to start"
        answered_override=1 ;;
    *"done: "* | *"stopped: "*) break ;;
    esac
done
spawn_end PP
rc=$?
check "override run ends done" "[ $rc -eq 0 ] && [ $answered_override -eq 1 ]"
check "the override is journaled with operator, target and reason" \
    "jq -s -e 'map(select(.event==\"override\")) | length == 1 and .[0].operator==\"bob\" and .[0].action==\"retry\" and .[0].server==\"fe04.contoso.com\" and (.[0].reason|test(\"slow to start\"))' \"$J\" >/dev/null"
check "the override comes before the re-run verify" \
    "jq -s -e '(map(.event) | index(\"override\")) as \$o | .[\$o+1].event == \"step-start\" and .[\$o+1].step == \"verify\"' \"$J\" >/dev/null"

# 3. input ends while the run waits for a person: it stops, exit 1
J=$T/stranded.jsonl
"$POOLPILOT" --training=verify-fails --time-scale=max --headless --yes --journal "$J" \
    </dev/null >"$T/stranded.out" 2>&1
check "stranded run exits 1" "[ $? -eq 1 ]"
check "the stop says why" \
    "jq -s -e 'last.event == \"stop\" and (last.reason | test(\"input ended\"))' \"$J\" >/dev/null"
# and it resumes where it was: the failed server is still failed, nothing redone
printf 'override retry fe04.contoso.com retried after the lunch break\n' |
    "$POOLPILOT" --training=verify-fails --time-scale=max --headless --yes --journal "$J" \
        >"$T/resumed.out" 2>&1
check "the resumed run completes" "[ $? -eq 0 ]"
check "nothing that ended ok ran again" \
    "jq -s -e '[.[] | select(.event==\"step-end\" and .result==\"ok\") | [.server,.step]] | group_by(.) | all(length==1)' \"$J\" >/dev/null"
# issue 10 item 3: the simulated clock ran hours ahead of the wall clock;
# the resumed run continues from the journal's last time, never before it
check "journal times never go back across the resume" \
    "jq -s -e '[.[].ts] as \$t | \$t == (\$t | sort)' \"$J\" >/dev/null"
"$POOLPILOT" --training=verify-fails --journal "$J" --report=md >"$T/resumed.md" 2>&1
check "report duration and debrief time taken agree" \
    "d=\$(sed -n 's/^| Duration | \\(.*\\) |$/\\1/p' \"$T/resumed.md\") &&
     [ -n \"\$d\" ] && grep -q \"^Time taken: \$d on the run's clock\" \"$T/resumed.md\""

# 4. quit at the first question
J=$T/quit.jsonl
spawn PQ "$POOLPILOT" --training=happy --time-scale=max --headless --journal "$J"
while IFS= read -r -t 60 line <&"$PQ_OUT"; do
    case "$line" in
    *"? "*) say "$PQ_IN" quit ;;
    *"stopped: "*) break ;;
    esac
done
spawn_end PQ
check "quit exits 1 with a stop record" "[ $? -eq 1 ] && jq -s -e 'last.event==\"stop\"' \"$J\" >/dev/null"

# 5. --dry-run runs only the readiness check and prints the plan
"$POOLPILOT" --training=happy --time-scale=max --headless --dry-run >"$T/dry.out" 2>&1
check "dry run exits 0" "[ $? -eq 0 ]"
check "dry run prints 32 planned steps" "[ \$(grep -c 'would run on fe0[1-8].contoso.com (UpgradeDomain[0-9]) [a-z_]*:' \"$T/dry.out\") -eq 32 ]"
check "dry run plans a readiness check before each domain" "[ \$(grep -c 'would run before UpgradeDomain[0-9] on fe0.* readiness:' \"$T/dry.out\") -ge 2 ]"
check "dry run starts no step" "! grep -q 'step-start' \"$T/dry.out\""

# 6. --check-config: examples load, a bad file lists every problem as FILE:LINE
for f in "$PP_SOURCE_DIR"/config/examples/*.ini; do
    "$POOLPILOT" --check-config -c "$f" >/dev/null 2>"$T/cc.err"
    check "example $(basename "$f") is valid" "[ $? -eq 0 ]"
done
cat >"$T/bad.ini" <<'EOF'
[pool]
fqdn = pool01.contoso.com
profile = lync2014
[servers]
fe01.contoso.com = UD1
fe01.contoso.com = UD2
fe02;rm -rf / = UD1
[timing]
settle = 20
EOF
"$POOLPILOT" --check-config -c "$T/bad.ini" >/dev/null 2>"$T/bad.err"
check "bad config exits 2" "[ $? -eq 2 ]"
check "every problem reported with FILE:LINE" \
    "grep -q \"$T/bad.ini:3:\" \"$T/bad.err\" && grep -q \"$T/bad.ini:6:\" \"$T/bad.err\" &&
     grep -q \"$T/bad.ini:7:\" \"$T/bad.err\" && grep -q \"$T/bad.ini:9:\" \"$T/bad.err\""
"$POOLPILOT" --bogus >/dev/null 2>&1
check "unknown option exits 2" "[ $? -eq 2 ]"
"$POOLPILOT" --help | grep -q -- '--training'
check "--help lists the options" "[ $? -eq 0 ]"

checks_end headless
