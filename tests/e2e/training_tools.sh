# Trainer tools through the real binary in headless mode: faults injected
# on stdin (journaled as the trainer's, then met by the trainee), `why`,
# the debrief at the end of the run and in --report, and --replay of the
# same journal as a timeline.  The clock runs at max speed; injections are
# sent while the run waits at a question, so nothing depends on timing.
set -u
. "$(dirname "$0")/lib/checks.sh"

# 1. a happy scenario, with a hung drain and a Busy pool injected by the trainer
J=$T/inj.jsonl
spawn PP "$POOLPILOT" --training=happy --time-scale=max --headless --journal "$J" \
    --operator trainee
from=$PP_OUT to=$PP_IN
asked=0 forced=0
while IFS= read -r -t 60 line <&"$from"; do
    echo "$line" >>"$T/inj.out"
    case "$line" in
    *"? Start UpgradeDomain1 "*)
        { echo why; echo "inject meteor"; echo "inject drop nope.contoso.com";
          echo "inject hang fe03.contoso.com"; echo confirm; } >&"$to" ;;
    *"? Start UpgradeDomain2 "*)
        { echo "inject busy"; echo confirm; } >&"$to" ;;
    *"? fe03.contoso.com: the graceful drain ran past drain_timeout"*)
        asked=1
        echo "override force fe03.contoso.com the drain overran, a long meeting" >&"$to"
        forced=1 ;;
    *"? Start UpgradeDomain"*) echo confirm >&"$to" ;;
    *"debrief: No departures"* | *"departure from the expected path"*) break ;;
    esac
done
# read what is left (the rest of the debrief), then the exit status
spawn_end PP "$T/inj.out"
rc=$?
check "the run with injected faults ends done" "[ $rc -eq 0 ] && [ $asked -eq 1 ] && [ $forced -eq 1 ]"
check "why explains the question with this pool's quorum" \
    "grep -q 'why: Start UpgradeDomain1?' \"$T/inj.out\" && grep -q 'why: Why: This pool has 8 Front Ends' \"$T/inj.out\""
check "a fault that does not exist is refused with the usage" \
    "grep -q '! usage (training only): inject busy|not-ready' \"$T/inj.out\""
check "a server that is not in the pool is refused" \
    "grep -q '! nope.contoso.com is not a server of this pool' \"$T/inj.out\""
check "injections are journaled as the trainer's notes, before they act" \
    "jq -s -e '[.[] | select(.event==\"note\" and .action==\"inject\")] | length == 2 and .[0].state==\"hang\" and .[0].server==\"fe03.contoso.com\" and .[0].step==\"drain\" and .[1].state==\"busy\"' \"$J\" >/dev/null"
check "the hung drain timed out and was forced" \
    "jq -s -e 'any(.[]; .event==\"step-end\" and .server==\"fe03.contoso.com\" and .step==\"drain\" and .result==\"timeout\") and any(.[]; .event==\"override\" and .action==\"force\")' \"$J\" >/dev/null"
check "the injected Busy came after UpgradeDomain2" \
    "jq -s -e '(map(select(.event==\"domain-done\" and .domain==\"UpgradeDomain2\"))[0].seq) as \$d | any(.[]; .event==\"readiness\" and .state==\"Busy\" and .seq > \$d)' \"$J\" >/dev/null"
check "the debrief lists the decisions and the injected faults" \
    "grep -q 'debrief: Time taken: ' \"$T/inj.out\" && grep -q 'debrief:   +.* trainee: force fe03.contoso.com (drain) (the drain overran, a long meeting)' \"$T/inj.out\" && [ \$(grep -c 'the trainer injected a fault' \"$T/inj.out\") -eq 2 ]"
check "forcing an overrun drain is not a departure" "grep -q 'debrief: No departures' \"$T/inj.out\""

# 2. the reports carry the debrief; csv stays one row per step attempt
"$POOLPILOT" --training=happy --journal "$J" --report=json -o "$T/r.json"
check "--report=json has the debrief" \
    "jq -e '.debrief.result==\"complete\" and (.debrief.decisions|length)==5 and .debrief.injected==2 and (.debrief.departures|length)==0 and .debrief.took_ms > 0' \"$T/r.json\" >/dev/null"
"$POOLPILOT" --training=happy --journal "$J" --report=md >"$T/r.md"
check "--report=md ends with the debrief" \
    "grep -q '^## Debrief (training)' \"$T/r.md\" && grep -q '^### Departures from the expected path (0)' \"$T/r.md\""
"$POOLPILOT" --training=happy --journal "$J" --report=csv >"$T/r.csv"
check "--report=csv is unchanged by the debrief" \
    "head -1 \"$T/r.csv\" | grep -q '^domain,server,step,result,started,ended,operator' && ! grep -qi debrief \"$T/r.csv\""

# 3. a departure: the verify failure marked done by hand instead of retried
J2=$T/dep.jsonl
spawn PQ "$POOLPILOT" --training=verify-fails --time-scale=max --headless --journal "$J2" \
    --operator trainee
from=$PQ_OUT to=$PQ_IN
while IFS= read -r -t 60 line <&"$from"; do
    echo "$line" >>"$T/dep.out"
    case "$line" in
    *"? Start UpgradeDomain"*) echo confirm >&"$to" ;;
    *"? fe04.contoso.com: verify failed"*)
        echo "override done fe04.contoso.com looks fine to me" >&"$to" ;;
    *"departures from the expected path"*) break ;;
    esac
done
spawn_end PQ "$T/dep.out"
# (the simulated fe04 is still down: the fabric check then holds the run,
# and input ends there, a second departure)
check "marking a failed server done by hand is a departure" \
    "grep -q 'debrief: 2 departures from the expected path:' \"$T/dep.out\" && grep -q 'debrief:   ! #[0-9]* marked fe04.contoso.com done by hand after its verify did not end ok' \"$T/dep.out\""

# 4. --replay prints the journal as a timeline, decisions marked, and reads no config
"$POOLPILOT" --replay "$J" --headless >"$T/replay.out" 2>&1
check "--replay exits 0" "[ $? -eq 0 ]"
n=$(wc -l <"$J")
check "--replay prints one line per record" \
    "[ \$(grep -c '^\[..:..:..\] [* ] #' \"$T/replay.out\") -eq $n ]"
check "--replay marks the decisions" \
    "[ \$(grep -c '^\[..:..:..\] \* #' \"$T/replay.out\") -eq \$(jq -s '[.[] | select(.event==\"confirm\" or .event==\"decline\" or .event==\"override\" or .event==\"choose\" or .event==\"pool-problem\")] | length' \"$J\") ]"
check "--replay finds the topology in the journal's scenario and ends with the debrief" \
    "grep -q 'topology from scenario happy' \"$T/replay.out\" && grep -q '^debrief: No departures' \"$T/replay.out\""
check "--replay leaves the journal as it was" "cmp -s \"$J\" <(cat \"$J\")"
"$POOLPILOT" --replay "$PP_SOURCE_DIR/tests/vectors/journal/good.jsonl" --headless >"$T/good.out" 2>&1
check "--replay reads a journal of a real pool, servers from the records" \
    "[ $? -eq 0 ] && grep -q 'topology from the journal' \"$T/good.out\" && ! grep -q '^debrief' \"$T/good.out\""
"$POOLPILOT" --replay "$T/none.jsonl" --headless >"$T/none.out" 2>&1
check "--replay of a missing journal is an error (exit 2)" "[ $? -eq 2 ]"
printf '[pool]\nfqdn = other.contoso.com\nprofile = lync2013\n[servers]\nx1.contoso.com = D1\n' >"$T/other.ini"
"$POOLPILOT" --replay "$J" -c "$T/other.ini" --headless >"$T/other.out" 2>&1
check "--replay with a config that does not fit says so (exit 2)" \
    "[ $? -eq 2 ] && grep -q 'does not fit' \"$T/other.out\""

checks_end training_tools
