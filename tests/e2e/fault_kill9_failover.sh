#!/bin/bash
# kill -9 at every journal write of a run that fails over to its DR pool
# (scenario busy-three-times: Busy three times, failover, four domains
# without the readiness gate, failback), then a restart with --yes.
#
# What must hold after the restart, at every point:
#   - the resumed console remembers a failover that ended ok: no
#     pool-problem between it and the failback (readiness answers gate no
#     domain then); the domains go on, each followed by its settle wait,
#     then a readiness check, and the failback is proposed only on Ready;
#   - a failback that ended ok is remembered: the run completes (exit 0)
#     without checking readiness again;
#   - a failover or failback that was running at the kill has an unknown
#     outcome, like a step: the resumed journal says so (a failover /
#     failback record with result "lost") before anything else is run,
#     reads the pool's state (a probe record of the pool) and never runs
#     the command again: --yes confirms no pool-level re-run, so the
#     restart stops asking for a person (exit 1, its input is empty);
#   - the usual invariants (h_journal_check) and every server verified.
# One thing is the simulator's, not the console's: each process simulates a
# fresh pool, which is not failed over and answers its scenario's first
# three readiness checks Busy again.  So a failback after a resume fails
# ("is not failed over"), or the check before it answers Busy and the
# console asks a person (a failback needs Ready): exit 1 after either is
# accepted, with every domain done.
#
# PP_KILL9_STRIDE=N takes every Nth point only.
set -u
. "$(dirname "$0")/lib/harness.sh"
h_init kill9fo
h_shim

SCEN=busy-three-times
STRIDE=${PP_KILL9_STRIDE:-1}
J=$H_DIR/j.jsonl
SERVERS=$(for i in 1 2 3 4 5 6 7 8; do echo "fe0$i.contoso.com"; done)
SERVERS_JSON=$(printf '"%s",' $SERVERS)
SERVERS_JSON="[${SERVERS_JSON%,}]"
T0=$SECONDS
POINTS=0
FAILS=0

run_pp() {
    env "$@" "$POOLPILOT" --training="$SCEN" --time-scale=max --headless --yes \
        --journal "$J" </dev/null
}

rm -f "$J"*
run_pp PP_FAULT_PATH="$J" PP_FAULT_MODE=count PP_FAULT_COUNT_FILE="$H_DIR/count" \
    LD_PRELOAD="$H_SHIM" >"$H_DIR/count.out" 2>&1 || h_fail "the uninterrupted run failed"
N=$(sed -n 's/^faultshim: writes=//p' "$H_DIR/count")
[ "${N:-0}" -gt 0 ] || h_fail "no journal writes counted"
# shellcheck disable=SC2086
h_journal_check "$J" $SERVERS || h_fail "the uninterrupted run breaks an invariant"
jq -s -e '[.[] | select(.event == "failover" and .result == "ok")] | length == 1' "$J" >/dev/null ||
    h_fail "$SCEN no longer fails over: this test needs a scenario that does"
h_log "$SCEN: $N journal records per run"

problems=$H_DIR/problems
: >"$problems"
for ((k = 1; k <= N; k++)); do
    if [ "$STRIDE" -gt 1 ] && [ $k -ne 1 ] && [ $k -ne "$N" ] && [ $((k % STRIDE)) -ne 0 ]; then
        continue
    fi
    rm -f "$J" "$J".*
    run_pp PP_FAULT_PATH="$J" PP_FAULT_MODE=kill-after-sync:"$k" LD_PRELOAD="$H_SHIM" >/dev/null 2>&1
    rc=$?
    [ $rc = 137 ] || h_fail "point $k: expected death by SIGKILL, got $rc"
    run_pp >"$H_DIR/restart.out" 2>&1
    rc=$?
    POINTS=$((POINTS + 1))
    inv=$(h_journal_check "$J" 2>&1)
    out=$(jq -s -r --argjson k "$k" --argjson rc "$rc" --argjson servers "$SERVERS_JSON" '
      (.[0:$k]) as $pre | (.[$k:]) as $post
      | ([$pre[] | select(.event == "failover" or .event == "failback")]) as $pool
      | ($pool | map(select(.event == "failover" and .result == "ok")) | length > 0) as $fo
      | ($pool | map(select(.event == "failback" and .result == "ok")) | length > 0) as $fb
      | ($pool | last // {}) as $last
      | (if ($last.event // "") != "" and ($last.result // "") == ""
         then $last.event else "" end) as $inflight
      | . as $all
      | if $inflight != "" then [
          # a pool command in flight at the kill: recorded lost, the pool
          # state read (a probe record of the pool), never run again without
          # an override, and --yes waits for a person (exit 1 on no input)
          (if ([$post[] | select(.event == $inflight)][0].result // "") != "lost"
           then "\($inflight) in flight at the kill: the resumed journal does not record it lost (next \($inflight) record: \([$post[] | select(.event == $inflight)][0] // "none" | tojson))"
           else empty end),
          (if ([$post[] | select(.event == "probe" and .state == "pool")] | length) == 0
           then "\($inflight) in flight at the kill: no probe of the pool state after it"
           else empty end),
          ($post[] | select(.event == $inflight and (.result // "") == "")
           | "seq \(.seq): the lost \($inflight) ran again (--yes re-ran a pool-level command)"),
          (if $rc != 1 then "\($inflight) in flight at the kill: the restart exited \($rc), not 1 (waiting for a person)"
           else empty end)
        ] | .[] else [
          ($servers[] as $s
           | select([$all[] | select(.event == "step-end" and .server == $s and .step == "verify"
                                      and .result == "ok")] | length == 0)
           | "\($s) never verified"),
          (if $rc == 0 and ([$all[] | select(.event == "complete")] | length) == 0
           then "exit 0 without a complete record" else empty end),
          (if $fo and ($fb | not) then
             ([$post[] | select(.event == "failback" and .result == "ok")][0].seq // 1e9) as $back
             | $post[] | select(.event == "pool-problem" and .seq < $back)
             | "seq \(.seq): \(.event) while failed over (\(.state // .reason // ""))"
           else empty end),
          (if $fb then $post[] | select(.event == "readiness" or .event == "pool-problem")
                      | "seq \(.seq): \(.event) after the failback ended ok"
           else empty end),
          (if $rc == 0 then empty
           elif $fo and ($fb | not)
                and ([$post[] | select(.event == "failback")] | last | .result) == "failed"
                and ([$post[] | select(.event == "failback")] | last | .detail | test("not failed over"))
           then empty   # the fresh simulated pool was never failed over
           elif ([$all[] | select(.event == "failover" and .result == "ok")] | length) > 0
                and ([$all[] | select(.event == "failback")] | length) == 0
                and ([$all[] | select(.event == "readiness")] | last | .state) != "Ready"
                and ($all | last | .event) == "stop"
                and ($all | last | .reason | test("waits for the operator"))
           then empty   # the fresh simulated pool answered Busy before the failback
           else "restart exited \($rc): \([.[-3:][] | "\(.event) \(.result // .state // "") \(.reason // .detail // "")"] | join(" / "))"
           end)
        ] | .[] end' "$J")
    if [ -n "$inv$out" ]; then
        FAILS=$((FAILS + 1))
        { echo "point $k ($(sed -n "${k}p" "$J" | jq -r '"\(.event) \(.result // "")"')):"
          [ -n "$inv" ] && sed 's/^/  /' <<<"$inv" | head -3
          [ -n "$out" ] && sed 's/^/  /' <<<"$out" | head -3
        } >>"$problems"
    fi
done

h_log "failover kill matrix: $POINTS points, $FAILS failed; $((SECONDS - T0)) s"
if [ "$FAILS" -gt 0 ]; then
    cat "$problems" >&2
    h_fail "$FAILS of $POINTS kill points broke a rule (above)"
fi
echo "PASS: $POINTS kill points of a failed-over run"
