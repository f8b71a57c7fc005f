#!/bin/bash
# Signals to a headless console whose stdin is open and idle: the normal case
# for an operator at a terminal, a screen reader, or a pipe from a script.
# (fault_signals.sh covers stdin at end of file.)
#   SIGTERM, SIGINT: acted on at once as in fault_signals.sh: the running
#     steps finish and are journaled, the run stops (exit 1, `stop`).
#   SIGHUP without --yes: the running steps finish and are journaled, the
#     run goes on to the next question nobody can answer and stops there
#     (exit 1, `stop` naming SIGHUP), never starting the next domain.
#
# Each case checks that the journal keeps moving after the signal (the run
# is not stuck) with a generous deadline; no timing is asserted.
#
# Found while writing this test (regression): tui/loop.c loop_run() calls
# ui->ops->on_input() after any poll() interrupted by a signal (EINTR, meant
# for ncurses' SIGWINCH), and tui/headless.c hl_on_input() then read()s the
# blocking stdin: with nothing typed, the console sleeps in read() and
# neither the signal nor the run moves on until the operator types a line.
set -u
. "$(dirname "$0")/lib/harness.sh"
h_init sigstdin

J=$H_DIR/j.jsonl
OUT=$H_DIR/out
PID=
mkfifo "$H_DIR/in"

start_fifo() {   # scale, then options; stdin is the fifo, kept open on fd 3
    local scale=$1
    shift
    rm -f "$J" "$J".*
    "$POOLPILOT" --training=happy --time-scale="$scale" --headless --journal "$J" "$@" \
        <"$H_DIR/in" >"$OUT" 2>&1 &
    PID=$!
    h_track "$PID"
    exec 3>"$H_DIR/in"
}

has_step_start() { grep -q '"event":"step-start"' "$J" 2>/dev/null; }

none_running() {
    jq -s -r 'reduce .[] as $x ({};
                if $x.event == "step-start" then .["\($x.server)/\($x.step)"] = $x.seq
                elif $x.event == "step-end" then del(.["\($x.server)/\($x.step)"]) else . end)
              | to_entries[] | "\(.key) (started at seq \(.value)) never ended"' "$J"
}

stuck() {   # what, then the diagnosis
    local what=$1 where
    where=$(cat /proc/"$PID"/wchan 2>/dev/null)
    [ -r /proc/"$PID"/syscall ] && where="$where, syscall $(cut -d' ' -f1 /proc/"$PID"/syscall) (0 = read)"
    kill -9 "$PID" 2>/dev/null
    exec 3>&-
    h_fail "$what: $2 (journal stuck at $(h_lines "$J") records: $(tail -1 "$J" | jq -c '[.event, .server, .step]'); the console sleeps in ${where:-?})"
}

# ---- SIGTERM / SIGINT with stdin open ----
for sig in TERM INT; do
    start_fifo 60 --yes
    h_wait 120 has_step_start || h_fail "SIG$sig: no step started within 120 s: $(tail -3 "$OUT")"
    kill -s "$sig" "$PID"
    h_wait_exit "$PID" 120 || stuck "SIG$sig" "still running 120 s after the signal"
    rc=$H_RC
    exec 3>&-
    [ "$rc" = 1 ] || h_fail "SIG$sig: exit $rc, expected 1: $(tail -3 "$OUT")"
    h_journal_check "$J" || h_fail "SIG$sig: the journal breaks an invariant"
    [ "$(jq -r -s '.[-1].event' "$J")" = stop ] || h_fail "SIG$sig: the last record is not stop"
    left=$(none_running)
    [ -z "$left" ] || h_fail "SIG$sig: steps left running at the stop: $left"
    h_log "SIG$sig with stdin open: stopped cleanly"
done

# ---- SIGHUP without --yes: finish what runs, stop at the next question ----
start_fifo 200
h_wait 120 grep -qs '? Start UpgradeDomain1' "$OUT" || h_fail "SIGHUP: no first question: $(tail -3 "$OUT")"
echo confirm >&3
h_wait 120 has_step_start || h_fail "SIGHUP: no step started after confirm"
kill -HUP "$PID"
h_wait_exit "$PID" 120 || stuck "SIGHUP" "still running 120 s after the signal"
rc=$H_RC
exec 3>&-
[ "$rc" = 1 ] || h_fail "SIGHUP: exit $rc, expected 1: $(tail -3 "$OUT")"
h_journal_check "$J" || h_fail "SIGHUP: the journal breaks an invariant"
last=$(jq -c -s '.[-1]' "$J")
[ "$(jq -r .event <<<"$last")" = stop ] || h_fail "SIGHUP: the last record is not stop: $last"
jq -e '.reason | test("SIGHUP")' <<<"$last" >/dev/null || h_fail "SIGHUP: the stop does not name SIGHUP: $last"
left=$(none_running)
[ -z "$left" ] || h_fail "SIGHUP: steps left running: $left"
jq -s -e '([.[] | select(.event == "domain-done")] | length) == 1
          and ([.[] | select(.event == "domain-start")] | length) == 1
          and ([.[] | select(.event == "step-end" and .result == "ok")] | length) == 8' "$J" >/dev/null ||
    h_fail "SIGHUP: expected UpgradeDomain1 done (8 steps ok) and no other domain started: $(jq -c -s '[.[] | .event]' "$J")"
h_log "SIGHUP: the running domain finished and was journaled; stopped at the next question"
echo "PASS: SIGTERM, SIGINT and SIGHUP with stdin open"
