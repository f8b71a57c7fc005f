#!/bin/bash
# The journal lock: one console per pool.
#   - a second console on the same journal (also through a symlink or a
#     different spelling of the path) exits 3 and names the holder's pid
#     and operator;
#   - --status and --report read the journal of a running console (no lock)
#     and leave it untouched;
#   - after the holder is killed -9, a new console takes over at once (the
#     kernel dropped the flock), reports the stale label naming the dead pid,
#     and completes; a clean exit removes the label;
#   - a label naming a live process that does not hold the lock, or another
#     host, does not keep anybody out;
#   - the journal is created 0600.
set -u
. "$(dirname "$0")/lib/harness.sh"
h_init lock

J=$H_DIR/pool/j.jsonl
mkdir -p "$H_DIR/pool"
run_fast() {   # journal path, then options
    local j=$1
    shift
    "$POOLPILOT" --training=happy --time-scale=max --headless --yes --journal "$j" "$@" </dev/null
}

# console A, slow enough to be running for the whole test
"$POOLPILOT" --training=happy --time-scale=1 --headless --yes --journal "$J" --operator alice \
    </dev/null >"$H_DIR/a.out" 2>&1 &
A=$!
h_track "$A"
label_written() { grep -q "^pid=$A\$" "$J.lock" 2>/dev/null; }
h_wait 60 label_written || h_fail "console A wrote no lock label: $(cat "$H_DIR/a.out")"
h_wait 60 grep -qs '"event":"start"' "$J" || h_fail "console A journaled no start"
[ "$(stat -c %a "$J")" = 600 ] || h_fail "the journal is $(stat -c %a "$J"), not 0600"

# B: same path, a symlink to it, and a path with ./ and ..
ln -s "$H_DIR/pool" "$H_DIR/link"
for path in "$J" "$H_DIR/link/j.jsonl" "$H_DIR/pool/../pool/./j.jsonl"; do
    before=$(cksum <"$J")
    run_fast "$path" --operator bob >"$H_DIR/b.out" 2>&1
    rc=$?
    [ $rc = 3 ] || h_fail "second console via $path: exit $rc, expected 3: $(cat "$H_DIR/b.out")"
    grep -q "in use" "$H_DIR/b.out" || h_fail "second console via $path: no 'in use' message"
    grep -q "pid $A" "$H_DIR/b.out" || h_fail "second console via $path does not name the holder (pid $A): $(cat "$H_DIR/b.out")"
    # the label names the console's operator (--operator), not the login user
    grep -q "alice" "$H_DIR/b.out" || h_fail "second console via $path does not name the holder's operator (alice): $(cat "$H_DIR/b.out")"
    # issue 10 item 6: what that console is doing, and how to wait or stop it
    grep -q "that console's last record (#[0-9]*" "$H_DIR/b.out" ||
        h_fail "the refusal does not say what the other console is doing: $(cat "$H_DIR/b.out")"
    grep -q "kill -TERM $A" "$H_DIR/b.out" ||
        h_fail "the refusal does not say how to stop the other console: $(cat "$H_DIR/b.out")"
    kill -0 "$A" 2>/dev/null || h_fail "console A died"
    # A may have appended meanwhile; B must not have: every record is A's
    jq -s -e 'all(.[]; .operator == "alice")' "$J" >/dev/null || h_fail "console B wrote to the journal"
done
h_log "a second console is refused with exit 3, naming pid $A"

# readers do not take the lock and do not write
"$POOLPILOT" --training=happy --status --journal "$J" >"$H_DIR/status.out" 2>&1 ||
    h_fail "--status on a running console's journal failed: $(cat "$H_DIR/status.out")"
"$POOLPILOT" --training=happy --report=json --journal "$J" >"$H_DIR/report.json" 2>&1 ||
    h_fail "--report on a running console's journal failed"
jq -e '.pool == "pool01.contoso.com"' "$H_DIR/report.json" >/dev/null || h_fail "the report is not JSON about the pool"
kill -0 "$A" 2>/dev/null || h_fail "console A died after the readers"
jq -s -e 'all(.[]; .operator == "alice")' "$J" >/dev/null || h_fail "a reader wrote to the journal"

# kill -9 the holder: the next console takes over and reports the stale label
kill -9 "$A"
h_wait_exit "$A" 60 || h_fail "console A survived kill -9"
[ -f "$J.lock" ] || h_fail "no label left behind by the killed console (nothing to report as stale)"
run_fast "$J" --operator carol >"$H_DIR/c.out" 2>&1
rc=$?
[ $rc = 0 ] || h_fail "the console after the kill exited $rc: $(tail -5 "$H_DIR/c.out")"
grep -q "stale lock" "$H_DIR/c.out" || h_fail "the stale label was not reported: $(head -3 "$H_DIR/c.out")"
grep -q "pid $A" "$H_DIR/c.out" || h_fail "the stale report does not name the dead console (pid $A)"
[ ! -e "$J.lock" ] || h_fail "a clean exit left the lock label behind"
h_journal_check "$J" $(printf 'fe0%d.contoso.com ' 1 2 3 4 5 6 7 8) || h_fail "the taken-over journal breaks an invariant"
jq -s -e '[.[] | select(.operator == "carol" and .event == "resume")] | length == 1' "$J" >/dev/null ||
    h_fail "carol's resume is not journaled"
h_log "after kill -9 the next console took over, reported the stale label and completed"

# labels that lie: a live pid that holds no lock, another host
J2=$H_DIR/pool/j2.jsonl
sleep 600 &
LIVE=$!
h_track "$LIVE"
printf 'pid=%s\nhost=%s\noperator=mallory\nstarted=2026-01-01T00:00:00.000Z\n' "$LIVE" "$(hostname)" >"$J2.lock"
run_fast "$J2" >"$H_DIR/d.out" 2>&1
rc=$?
[ $rc = 0 ] || h_fail "a label naming a live non-holder kept the console out: exit $rc: $(head -3 "$H_DIR/d.out")"
grep -q "stale lock" "$H_DIR/d.out" || h_fail "the false label was not reported as stale"
kill "$LIVE"
rm -f "$J2" "$J2".*
printf 'pid=1\nhost=elsewhere.example.net\noperator=mallory\nstarted=2026-01-01T00:00:00.000Z\n' >"$J2.lock"
run_fast "$J2" >"$H_DIR/e.out" 2>&1
rc=$?
[ $rc = 0 ] || h_fail "a label from another host kept the console out: exit $rc: $(head -3 "$H_DIR/e.out")"
h_log "labels without the flock behind them keep nobody out"
echo "PASS: lock refusal (exit 3, holder named), readers, stale takeover, lying labels"
