#!/bin/bash
# Signals during a headless training run at a slow time scale.
#   SIGTERM / SIGINT while steps run: the steps finish and are journaled,
#     the run stops (exit 1) with a `stop` record, nothing is left running,
#     and a restart finishes the run without any step lost or redone.
#   Two SIGTERMs: the console leaves at once (exit 1) without waiting for the
#     running step; the restart finds that step lost, probes it and asks.
#   SIGHUP with --yes: every question is confirmable, so the run completes.
# Stdin is /dev/null here (input ended at once); signals while stdin is open
# and idle, and SIGHUP without --yes, are in fault_signals_stdin.sh.
# Every wait has a deadline; nothing asserts how long anything took.
set -u
. "$(dirname "$0")/lib/harness.sh"
h_init signals

J=$H_DIR/j.jsonl
OUT=$H_DIR/out
PID=

start_bg() {   # scale, then extra options; stdin from $IN (default /dev/null)
    local scale=$1
    shift
    rm -f "$J" "$J".*
    "$POOLPILOT" --training=happy --time-scale="$scale" --headless --journal "$J" "$@" \
        <"${IN:-/dev/null}" >"$OUT" 2>&1 &
    PID=$!
    h_track "$PID"
}

has_step_start() { grep -q '"event":"step-start"' "$J" 2>/dev/null; }

# No step may be running at the stop: every step-start has its step-end.
none_running() {
    jq -s -r 'reduce .[] as $x ({};
                if $x.event == "step-start" then .["\($x.server)/\($x.step)"] = $x.seq
                elif $x.event == "step-end" then del(.["\($x.server)/\($x.step)"]) else . end)
              | to_entries[] | "\(.key) (started at seq \(.value)) never ended"' "$J"
}

finish_run() {   # restart at full speed; prints how many steps ended lost
    "$POOLPILOT" --training=happy --time-scale=max --headless --yes --journal "$J" \
        </dev/null >"$OUT.resume" 2>&1
    local rc=$?
    [ $rc = 0 ] || h_fail "$1: the restart exited $rc: $(tail -3 "$OUT.resume")"
    h_journal_check "$J" $(printf 'fe0%d.contoso.com ' 1 2 3 4 5 6 7 8) ||
        h_fail "$1: the finished journal breaks an invariant (above)"
}

# ---- SIGTERM and SIGINT: finish the running steps, journal, stop ----
for sig in TERM INT; do
    start_bg 60 --yes
    h_wait 120 has_step_start || h_fail "SIG$sig: no step started within 120 s: $(tail -3 "$OUT")"
    kill -s "$sig" "$PID"
    h_wait_exit "$PID" 300 || h_fail "SIG$sig: still running 300 s after the signal"
    rc=$H_RC
    [ "$rc" = 1 ] || h_fail "SIG$sig: exit $rc, expected 1: $(tail -3 "$OUT")"
    h_journal_check "$J" || h_fail "SIG$sig: the journal breaks an invariant"
    [ "$(jq -r -s '.[-1].event' "$J")" = stop ] || h_fail "SIG$sig: the last record is not stop"
    jq -r -s -e '.[-1].reason | test("signal")' "$J" >/dev/null ||
        h_fail "SIG$sig: the stop record does not say a signal stopped the run"
    left=$(none_running)
    [ -z "$left" ] || h_fail "SIG$sig: steps left running at the stop: $left"
    grep -q "stop" "$OUT" || h_fail "SIG$sig: the console did not say it stopped"
    ended=$(jq -s '[.[] | select(.event == "step-end" and .result == "ok")] | length' "$J")
    mark=$(h_lines "$J")
    finish_run "SIG$sig"
    jq -s -e --argjson m "$mark" '[.[$m:][] | select(.event == "step-end" and .result == "lost")] | length == 0' \
        "$J" >/dev/null || h_fail "SIG$sig: the restart found lost steps after a clean stop"
    h_log "SIG$sig: stopped cleanly with $ended step(s) done; the restart completed the run"
done

# ---- two SIGTERMs: leave at once ----
# scale 20: a drain takes about 12 s, so the second signal lands while it runs
start_bg 20 --yes
h_wait 120 has_step_start || h_fail "double SIGTERM: no step started within 120 s"
kill -TERM "$PID"
h_wait 30 grep -qs "second signal" "$OUT" || h_fail "double SIGTERM: the first signal was not acknowledged"
kill -TERM "$PID"
h_wait_exit "$PID" 60 || h_fail "double SIGTERM: still running 60 s after the second signal"
rc=$H_RC
[ "$rc" = 1 ] || h_fail "double SIGTERM: exit $rc, expected 1"
h_jsonl_valid "$J" || h_fail "double SIGTERM: the journal is not valid JSON Lines"
h_journal_check "$J" || h_fail "double SIGTERM: the journal breaks an invariant"
left=$(none_running)
[ -n "$left" ] || h_fail "double SIGTERM: no step was left running: the console waited for it"
mark=$(h_lines "$J")
finish_run "double SIGTERM"
# every step left running is now lost, probed and confirmed before it re-ran
# (h_journal_check enforces the order); count them
lost=$(jq -s --argjson m "$mark" '[.[$m:][] | select(.event == "step-end" and .result == "lost")] | length' "$J")
[ "$lost" = "$(wc -l <<<"$left")" ] || h_fail "double SIGTERM: $(wc -l <<<"$left") left running, $lost reported lost"
jq -s -e --argjson m "$mark" '[.[$m:][] | select(.event == "confirm" and .state == "rerun")] | length > 0' \
    "$J" >/dev/null || h_fail "double SIGTERM: no rerun confirmation after the resume"
h_log "double SIGTERM: left at once with $lost step(s) running; the restart put them to the operator"

# ---- SIGHUP with --yes: nothing needs a person, the run completes ----
start_bg 2000 --yes
h_wait 120 has_step_start || h_fail "SIGHUP --yes: no step started"
kill -HUP "$PID"
h_wait_exit "$PID" 300 || h_fail "SIGHUP --yes: still running after 300 s"
rc=$H_RC
[ "$rc" = 0 ] || h_fail "SIGHUP --yes: exit $rc, expected 0: $(tail -3 "$OUT")"
h_journal_check "$J" $(printf 'fe0%d.contoso.com ' 1 2 3 4 5 6 7 8) || h_fail "SIGHUP --yes: invariant broken"
h_log "SIGHUP --yes: completed"
echo "PASS: SIGTERM, SIGINT, double SIGTERM, SIGHUP with --yes"
