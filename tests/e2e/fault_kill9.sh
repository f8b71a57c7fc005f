#!/bin/bash
# The kill -9 matrix: a training run is killed at every journal write, then
# restarted on the same journal with --yes until it completes.
#
# How the kill lands exactly: tests/e2e/lib/faultshim.c (LD_PRELOAD) counts
# the console's write() calls on the journal and raises SIGKILL at the K-th
# one, so every point is hit every time, with no poller racing the console.
# Three ways to die at record K:
#   after   right after the fsync of record K (durable, not yet acted on)
#   before  at the fsync of record K (written to the page cache only)
#   torn    halfway through writing record K (a torn last line)
# For each point:
#   - the killed console exits by SIGKILL and leaves exactly K records (K-1
#     and a torn tail); the restart leaves them byte-for-byte as they were,
#     so the final h_journal_check covers them too;
#   - --report=json of the killed journal (a reader, never a writer: the file
#     is byte-for-byte the same afterwards) shows every domain-done and every
#     verified server of the journal, and every step in flight as "lost";
#   - the restart reports the stale lock label, cuts a torn line off into
#     PATH.torn-SEQ, and completes (exit 0);
#   - the whole journal: no step or domain that ended ok ran again, every
#     server ends verified, the run is complete, and each step in flight at
#     the kill shows step-end "lost", then a probe, then a confirm with state
#     "rerun" (the operator's question, answered by --yes), before it runs
#     again.
# Then the second-loss rule: a step lost twice is not auto-confirmed; the run
# stops for the operator, and an override retry (typed with a reason) lets it
# go on.
#
# Points: every record of `happy` (107) in all three modes.
#   PP_KILL9_STRIDE=N        every Nth point only (with the first and last)
#   PP_KILL9_SCENARIOS="happy busy-then-ready large-pool"   more scenarios
# (scenarios whose restart cannot complete on a fresh simulated pool, like
# the DR ones, are in fault_kill9_failover.sh).
set -u
. "$(dirname "$0")/lib/harness.sh"
h_init kill9
h_shim

SRC=${PP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
STRIDE=${PP_KILL9_STRIDE:-1}
T0=$SECONDS
POINTS=0
INFLIGHT=0
J=$H_DIR/j.jsonl

# The Front Ends a scenario's complete run must verify: its [servers] keys.
servers_of() {
    local ini=$SRC/config/scenarios/$1.ini
    [ -f "$ini" ] || h_fail "no scenario file $ini"
    awk '/^\[/ { in_s = ($0 ~ /^\[servers\]/); next }
         in_s && /^[A-Za-z0-9]/ { sub(/[ \t]*=.*/, ""); print }' "$ini"
}

run_pp() {   # scenario, then any environment for the shim
    local scen=$1
    shift
    env "$@" "$POOLPILOT" --training="$scen" --time-scale=max --headless --yes \
        --journal "$J" </dev/null
}

count_records() {
    local scen=$1 n
    rm -f "$J"*
    run_pp "$scen" PP_FAULT_PATH="$J" PP_FAULT_MODE=count PP_FAULT_COUNT_FILE="$H_DIR/count" \
        LD_PRELOAD="$H_SHIM" >"$H_DIR/count.out" 2>&1 ||
        h_fail "$scen: the uninterrupted run failed (see below)$(echo; tail -5 "$H_DIR/count.out")"
    n=$(sed -n 's/^faultshim: writes=//p' "$H_DIR/count")
    [ -n "$n" ] && [ "$n" -gt 0 ] || h_fail "$scen: the shim counted no journal writes"
    [ "$n" = "$(h_lines "$J")" ] || h_fail "$scen: $n writes but $(h_lines "$J") records"
    h_journal_check "$J" $(servers_of "$scen") || h_fail "$scen: the uninterrupted run breaks an invariant"
    echo "$n"
}

# The report of the killed journal against its own records: nothing lost.
check_report() {
    local what=$1 good=$2
    "$POOLPILOT" --training="$SCEN" --report=json --journal "$J" >"$H_DIR/report.json" \
        2>"$H_DIR/report.err" || h_fail "$what: --report=json failed: $(cat "$H_DIR/report.err")"
    head -n "$good" "$J" >"$H_DIR/prefix.jsonl"
    jq -n -r --slurpfile j "$H_DIR/prefix.jsonl" --slurpfile rep "$H_DIR/report.json" '
      def key: "\(.server)/\(.step)";
      ($rep[0]) as $r
      | ([$j[] | select(.event == "domain-done") | .domain] | unique) as $dd
      | ([$j[] | select(.event == "step-end" and .step == "verify" and .result == "ok") | .server]
         | unique) as $ver
      | ($j | reduce .[] as $x ({};
            if $x.event == "step-start" then .[$x | key] = $x.server
            elif $x.event == "step-end" then del(.[$x | key]) else . end)
         | [.[]] | unique) as $fl
      | ([$r.domains[] | select(.state == "done" or .state == "done with exceptions") | .name]
         | unique) as $rdd
      | ([$r.servers[] | select(.state == "verified") | .name] | unique) as $rver
      | ([$r.servers[] | select(.state == "lost") | .name] | unique) as $rlost
      | (if $rdd != $dd then "domains done: journal \($dd) report \($rdd)" else empty end),
        (if $rver != $ver then "verified: journal \($ver) report \($rver)" else empty end),
        (if $rlost != $fl then "in flight: journal \($fl) report lost \($rlost)" else empty end),
        (if $r.records != ($j | length) then "report counts \($r.records) records, journal has \($j | length)" else empty end)
    ' >"$H_DIR/report.check" || h_fail "$what: jq failed on the report"
    [ -s "$H_DIR/report.check" ] && h_fail "$what: the report lost something: $(cat "$H_DIR/report.check")"
    return 0
}

# Every step in flight among the first $good records must, after them, show
# step-end lost, then a probe, then a confirm "rerun", then a new step-start.
# Prints how many steps were in flight.
check_inflight() {
    local what=$1 good=$2 out
    out=$(jq -s -r --argjson k "$good" '
      def key: "\(.server)/\(.step)";
      (.[0:$k]) as $pre | (.[$k:]) as $post
      | ($pre | reduce .[] as $x ({};
            if $x.event == "step-start" then .[$x | key] = true
            elif $x.event == "step-end" then .[$x | key] = false else . end)
         | to_entries | map(select(.value) | .key)) as $fl
      | "inflight \($fl | length)",
        ($fl[] as $kk
         | [$post[] | select(key == $kk and (.event | IN("step-end", "probe", "confirm", "step-start")))
            | "\(.event):\(.result // .state // "")"] as $s
         | ($s | map(startswith("probe:")) | index(true)) as $p
         | ($s | index(["confirm:rerun"])) as $c
         | ($s | map(startswith("step-start:")) | index(true)) as $st
         | if ($s[0] // "") != "step-end:lost" then "\($kk): first record after the kill is \($s[0] // "none"), not step-end lost"
           elif $p == null or $c == null or $st == null then "\($kk): after lost: \($s[0:5]) (needs probe, confirm rerun, step-start)"
           elif ($p < $c and $c < $st) | not then "\($kk): out of order: \($s[0:5])"
           else empty end)
    ' "$J") || h_fail "$what: jq failed"
    if grep -v '^inflight ' <<<"$out" | grep -q .; then
        h_fail "$what: $(grep -v '^inflight ' <<<"$out")"
    fi
    sed -n 's/^inflight //p' <<<"$out"
}

one_point() {   # mode k
    local mode=$1 k=$2 what rc good n
    what="$SCEN $mode:$k"
    rm -f "$J" "$J".*
    case $mode in
    after) run_pp "$SCEN" PP_FAULT_PATH="$J" PP_FAULT_MODE=kill-after-sync:"$k" LD_PRELOAD="$H_SHIM" ;;
    before) run_pp "$SCEN" PP_FAULT_PATH="$J" PP_FAULT_MODE=kill-before-sync:"$k" LD_PRELOAD="$H_SHIM" ;;
    torn) run_pp "$SCEN" PP_FAULT_PATH="$J" PP_FAULT_MODE=torn:"$k" LD_PRELOAD="$H_SHIM" ;;
    esac >"$H_DIR/killed.out" 2>&1
    rc=$?
    [ $rc = 137 ] || h_fail "$what: expected death by SIGKILL (137), got $rc: $(tail -3 "$H_DIR/killed.out")"
    n=$(h_lines "$J")
    if [ "$mode" = torn ]; then
        good=$((k - 1))
        [ "$n" = "$good" ] || h_fail "$what: $n complete lines, expected $good"
        [ "$(tail -c1 "$J" | od -An -c | tr -d ' ')" != '\n' ] || h_fail "$what: no torn tail was left"
        head -n "$good" "$J" >"$H_DIR/good.jsonl"
    else
        good=$k
        [ "$n" = "$k" ] || h_fail "$what: $n records, expected $k"
    fi
    cp "$J" "$H_DIR/before-report"
    check_report "$what" "$good"
    cmp -s "$J" "$H_DIR/before-report" || h_fail "$what: --report changed the journal"

    # restart: must complete in one go (one kill = at most one loss per step)
    run_pp "$SCEN" >"$H_DIR/restart.out" 2>&1
    rc=$?
    [ $rc = 0 ] || h_fail "$what: the restart exited $rc: $(tail -5 "$H_DIR/restart.out")"
    grep -q "stale lock" "$H_DIR/restart.out" || h_fail "$what: the restart did not report the stale lock label"
    if [ "$mode" = torn ]; then
        grep -q "torn" "$H_DIR/restart.out" || h_fail "$what: the restart did not report the torn line"
        ls "$J".torn-* >/dev/null 2>&1 || h_fail "$what: the torn line was not kept aside"
        cmp -s <(head -n "$good" "$J") "$H_DIR/good.jsonl" || h_fail "$what: records before the tear changed"
    else
        cmp -s <(head -n "$good" "$J") "$H_DIR/before-report" || h_fail "$what: records before the kill changed"
    fi
    h_journal_check "$J" $(servers_of "$SCEN") ||
        h_fail "$what: the resumed journal breaks an invariant (above)"
    local f
    f=$(check_inflight "$what" "$good") || exit 1
    INFLIGHT=$((INFLIGHT + f))
    POINTS=$((POINTS + 1))
}

for SCEN in ${PP_KILL9_SCENARIOS:-happy}; do
    N=$(count_records "$SCEN") || exit 1
    h_log "$SCEN: $N journal records per run"
    for mode in after before torn; do
        for ((k = 1; k <= N; k++)); do
            if [ "$STRIDE" -gt 1 ] && [ $k -ne 1 ] && [ $k -ne "$N" ] && [ $((k % STRIDE)) -ne 0 ]; then
                continue
            fi
            one_point "$mode" "$k"
        done
        h_log "$SCEN $mode: done, $POINTS points so far, $INFLIGHT in-flight steps resumed"
    done
done

# ---- the second loss of one step goes to the operator, never to --yes ----
SCEN=happy
rm -f "$J" "$J".*
# record 5 is fe01's first step-start (drain); kill right after it
k=$(jq -s '[.[] | .event] | index("step-start") + 1' <(run_pp happy >/dev/null 2>&1; cat "$J"))
rm -f "$J" "$J".*
run_pp happy PP_FAULT_PATH="$J" PP_FAULT_MODE=kill-after-sync:"$k" LD_PRELOAD="$H_SHIM" >/dev/null 2>&1
first=$(jq -r -s '.[-1] | "\(.server)/\(.step)"' "$J")
server=${first%/*}
# the restart writes: resume, step-end lost, ... confirm rerun, step-start: kill after that step-start
run_pp happy PP_FAULT_PATH="$J" PP_FAULT_MODE=count PP_FAULT_COUNT_FILE="$H_DIR/c2" LD_PRELOAD="$H_SHIM" \
    >/dev/null 2>&1 || h_fail "second loss: the first restart failed"
again=$(jq -s -r --argjson k "$k" --arg key "$first" \
    '[.[$k:][] | "\(.event) \(.server)/\(.step)"] | index("step-start \($key)") + 1' "$J")
[ "$again" -gt 0 ] || h_fail "second loss: $first never re-ran"
rm -f "$J" "$J".*
run_pp happy PP_FAULT_PATH="$J" PP_FAULT_MODE=kill-after-sync:"$k" LD_PRELOAD="$H_SHIM" >/dev/null 2>&1
run_pp happy PP_FAULT_PATH="$J" PP_FAULT_MODE=kill-after-sync:"$again" LD_PRELOAD="$H_SHIM" >/dev/null 2>&1
[ $? = 137 ] || h_fail "second loss: the second kill did not land"
[ "$(jq -r -s '.[-1] | "\(.event) \(.server)/\(.step)"' "$J")" = "step-start $first" ] ||
    h_fail "second loss: the journal does not end with the re-run of $first"
mark=$(h_lines "$J")
run_pp happy >"$H_DIR/second.out" 2>&1
rc=$?
[ $rc = 1 ] || h_fail "second loss: --yes with no input must stop (1), got $rc: $(tail -3 "$H_DIR/second.out")"
grep -q "lost twice" "$H_DIR/second.out" || h_fail "second loss: the question does not say the step was lost twice"
jq -s -e --argjson m "$mark" --arg key "$first" '
    [.[$m:][] | select("\(.server)/\(.step)" == $key) | "\(.event):\(.result // .state // "")"]
    | . == ["step-end:lost"]' "$J" >/dev/null ||
    h_fail "second loss: after the second kill $first must only be marked lost (no auto rerun): $(jq -c -s --argjson m "$mark" '.[$m:]' "$J")"
[ "$(jq -r -s '.[-1].event' "$J")" = stop ] || h_fail "second loss: the journal does not end with stop"
h_journal_check "$J" || h_fail "second loss: invariant broken"
# an override retry typed with a reason lets it go on
echo "override retry $server checked the service by hand after two lost drains" |
    "$POOLPILOT" --training=happy --time-scale=max --headless --yes --journal "$J" >"$H_DIR/third.out" 2>&1
rc=$?
[ $rc = 0 ] || h_fail "second loss: after the override the run exited $rc: $(tail -3 "$H_DIR/third.out")"
jq -s -e --arg s "$server" '[.[] | select(.event == "override" and .server == $s and .action == "retry"
                              and (.reason | test("by hand")) and .operator != "")] | length == 1' "$J" \
    >/dev/null || h_fail "second loss: the override is not journaled with its reason"
# the re-run after the second loss came from the override, not from a confirm
h_journal_check "$J" $(servers_of happy) || h_fail "second loss: the completed journal breaks an invariant"
jq -s -e --argjson m "$mark" --arg key "$first" '
    [.[$m:][] | select("\(.server)/\(.step)" == $key and .event != "probe") | "\(.event):\(.action // .state // .result // "")"]
    | .[0:3] == ["step-end:lost", "override:retry", "step-start:"]' "$J" >/dev/null ||
    h_fail "second loss: expected lost, override retry, step-start for $first: $(jq -c -s --argjson m "$mark" --arg key "$first" '[.[$m:][] | select("\(.server)/\(.step)" == $key)]' "$J")"

h_log "kill -9 matrix: $POINTS points killed and resumed, $INFLIGHT in-flight steps put to the operator, second-loss rule held; $((SECONDS - T0)) s"
echo "PASS: $POINTS kill points, $INFLIGHT in-flight steps resumed"
