#!/bin/bash
# The journal's disk fills or fails.
#
# Part 1, any user (tests/e2e/lib/faultshim.c): the K-th journal write fails
# with ENOSPC, or its fsync fails with EIO, for every record K of a training
# run.  At each point:
#   - the console stops with exit 1 (never 0: a run whose last records are
#     not durable is not done) and prints a plain error naming the journal
#     and the system's reason;
#   - the journal holds exactly the K-1 records before it, all valid (a
#     record whose fsync failed is cut back out);
#   - nothing started whose record is missing: the step-start lines the
#     console printed are exactly the journal's step-start records, and no
#     server restarted whose restart step-start is missing;
#   - (every 8th point, the first and the last two) after the disk is
#     "fixed", a restart on the same journal completes with every invariant
#     (h_journal_check).
# ENOSPC at every record, EIO at every 4th and the last three;
# PP_DISK_STRIDE=n keeps every n-th record only (the suite uses 3, see
# tests/CMakeLists.txt; docs/HARDENING.md has the full run).
# Part 2, as root (skipped otherwise): a real 64 KB tmpfs.
#   - filled so only a few pages are left: the run stops (exit 1) with "No
#     space left on device", the journal is valid; freed, the run resumes
#     and completes;
#   - completely full from the start: exit 1 or 2, a plain error, no record;
#   - remounted read-only between two consoles: the console refuses to start
#     (plain error, journal untouched), --status still reads it; remounted
#     read-write, the run resumes and completes.  (A read-only remount while
#     a console holds the journal open for writing is refused by the kernel
#     with EBUSY: that case cannot arise, and this test checks that too.)
set -u
. "$(dirname "$0")/lib/harness.sh"
h_init disk
h_shim

SERVERS=$(printf 'fe0%d.contoso.com ' 1 2 3 4 5 6 7 8)
T0=$SECONDS

run_pp() {   # journal, then env settings
    local j=$1
    shift
    env "$@" "$POOLPILOT" --training=happy --time-scale=max --headless --yes --journal "$j" </dev/null
}

# Lines the console printed for records, by kind (it prints a record's line
# only once the record is durable).
printed_starts() { sed -n 's/^\[[0-9:]*\] step-start \([^ ]*\) \([^ ]*\) \([a-z]*\).*/\2\/\3/p' "$1" | sort; }
journal_starts() { jq -r 'select(.event == "step-start") | "\(.server)/\(.step)"' "$1" | sort; }

# ---------------- part 1: every write fails once ----------------
J=$H_DIR/j.jsonl
rm -f "$J"*
run_pp "$J" PP_FAULT_PATH="$J" PP_FAULT_MODE=count PP_FAULT_COUNT_FILE="$H_DIR/count" \
    LD_PRELOAD="$H_SHIM" >/dev/null 2>&1 || h_fail "the uninterrupted run failed"
N=$(sed -n 's/^faultshim: writes=//p' "$H_DIR/count")
[ "${N:-0}" -gt 0 ] || h_fail "no journal writes counted"
cp "$J" "$H_DIR/full.jsonl"   # what each record K is, for messages
points=0
resumed=0
bad=$H_DIR/bad
: >"$bad"
for mode in enospc eio-sync; do
    for ((k = 1; k <= N; k++)); do
        # PP_DISK_STRIDE=n: every n-th write (and always the last ones)
        if [ $((k % ${PP_DISK_STRIDE:-1})) -ne 0 ] && [ $k -lt $((N - 2)) ]; then continue; fi
        # EIO at every 4th point (and the last ones): the same path once the
        # write has failed, plus the cut back of a record already written
        if [ $mode = eio-sync ] && [ $((k % 4)) -ne 0 ] && [ $k -lt $((N - 2)) ]; then continue; fi
        [ "${PP_DISK_PART2_ONLY:-}" ] && continue
        what="$mode:$k"
        rm -f "$J" "$J".*
        run_pp "$J" PP_FAULT_PATH="$J" PP_FAULT_MODE="$what" LD_PRELOAD="$H_SHIM" >"$H_DIR/out" 2>&1
        rc=$?
        points=$((points + 1))
        problems=()
        [ $rc = 1 ] || problems+=("exit $rc, expected 1 (stopped before done)")
        if [ $mode = enospc ]; then reason="No space left on device"; else reason="Input/output error"; fi
        grep -q "journal $J: $reason" "$H_DIR/out" ||
            problems+=("no plain error naming the journal and \"$reason\"")
        n=$(h_lines "$J")
        [ "$n" = $((k - 1)) ] || problems+=("$n records, expected $((k - 1))")
        v=$(h_jsonl_valid "$J") || problems+=("journal not valid: $v")
        d=$(diff <(printed_starts "$H_DIR/out") <(journal_starts "$J") | grep '^[<>]' | head -3 | tr '\n' ' ')
        [ -z "$d" ] || problems+=("printed step-starts differ from the journal's: $d")
        # a server seen restarting must have its restart step-start on disk
        orphans=$(comm -23 <(sed -n 's/^\[[0-9:]*\] \([^ ]*\) restarting:.*/\1/p' "$H_DIR/out" | sort -u) \
                           <(journal_starts "$J" | sed -n 's/\/restart$//p' | sort -u))
        [ -z "$orphans" ] || problems+=("restarted without a durable restart step-start: $orphans")
        if [ $((k % 8)) = 0 ] || [ $k -ge $((N - 1)) ] || [ $k = 1 ]; then
            run_pp "$J" >"$H_DIR/resume.out" 2>&1
            rc=$?
            [ $rc = 0 ] || problems+=("the restart exited $rc: $(tail -2 "$H_DIR/resume.out" | tr '\n' ' ')")
            # shellcheck disable=SC2086
            inv=$(h_journal_check "$J" $SERVERS) || problems+=("after the restart: $(head -2 <<<"$inv" | tr '\n' ' ')")
            resumed=$((resumed + 1))
        fi
        if [ ${#problems[@]} -gt 0 ]; then
            printf '%s (record %d: %s): %s\n' "$what" "$k" \
                "$(sed -n "${k}p" "$H_DIR/full.jsonl" | jq -r '"\(.event) \(.server // "") \(.step // "")"')" \
                "${problems[*]}" >>"$bad"
        fi
    done
done
h_log "part 1: $points failed writes, $resumed restarts; $(wc -l <"$bad") broke a rule; $((SECONDS - T0)) s"
if [ -s "$bad" ]; then
    sed 's/^/  /' "$bad" >&2
    h_fail "$(wc -l <"$bad") of $points failed journal writes broke a rule (above)"
fi

# ---------------- part 2: a real tmpfs, as root ----------------
if [ "$(id -u)" != 0 ]; then
    h_skip "part 2 (tmpfs, read-only remount) needs root; part 1 passed ($points points)"
fi
M=$H_DIR/mnt
mkdir -p "$M"
if ! mount -t tmpfs -o size=64k,mode=0700 pp-journal-test "$M" 2>"$H_DIR/mount.err"; then
    h_skip "cannot mount a tmpfs ($(cat "$H_DIR/mount.err")); part 1 passed ($points points)"
fi
J=$M/j.jsonl

fill_leaving() {   # leave N free pages
    rm -f "$M/filler"
    dd if=/dev/zero of="$M/filler" bs=4096 count=100 2>/dev/null   # ENOSPC ends it
    local size
    size=$(stat -c %s "$M/filler")
    truncate -s $((size - $1 * 4096)) "$M/filler"
    sync
}

# a few pages left: the run gets going, then the disk is full
fill_leaving 3
run_pp "$J" >"$H_DIR/full.out" 2>&1
rc=$?
[ $rc = 1 ] || h_fail "tmpfs full mid-run: exit $rc, expected 1: $(tail -3 "$H_DIR/full.out")"
grep -q "No space left on device" "$H_DIR/full.out" || h_fail "tmpfs full mid-run: no plain error"
h_jsonl_valid "$J" || h_fail "tmpfs full mid-run: the journal is not valid"
got=$(h_lines "$J")
[ "$got" -gt 0 ] && [ "$got" -lt "$N" ] || h_fail "tmpfs full mid-run: $got records (expected some, not all $N)"
diff <(printed_starts "$H_DIR/full.out") <(journal_starts "$J") >/dev/null ||
    h_fail "tmpfs full mid-run: a step-start was printed that the journal does not hold"
rm -f "$M/filler"
run_pp "$J" >"$H_DIR/resume.out" 2>&1 || h_fail "tmpfs freed: the restart failed: $(tail -3 "$H_DIR/resume.out")"
# shellcheck disable=SC2086
h_journal_check "$J" $SERVERS || h_fail "tmpfs freed: the resumed journal breaks an invariant"
h_log "tmpfs: full after $got records, stopped with exit 1; resumed and completed once freed"

# no room at all
rm -f "$J" "$J".*
fill_leaving 0
run_pp "$J" >"$H_DIR/zero.out" 2>&1
rc=$?
[ $rc = 1 ] || [ $rc = 2 ] || h_fail "tmpfs full from the start: exit $rc: $(tail -3 "$H_DIR/zero.out")"
grep -q "No space left on device" "$H_DIR/zero.out" || h_fail "tmpfs full from the start: no plain error: $(tail -3 "$H_DIR/zero.out")"
[ "$(h_lines "$J")" = 0 ] || h_fail "tmpfs full from the start: records were written?"
rm -f "$M/filler"
h_log "tmpfs full from the start: exit $rc with a plain error"

# read-only remount: while a console writes, the kernel refuses it
rm -f "$J" "$J".*
"$POOLPILOT" --training=happy --time-scale=10 --headless --yes --journal "$J" </dev/null \
    >"$H_DIR/ro.out" 2>&1 &
RUNNING=$!
h_track "$RUNNING"
h_wait 60 grep -qs '"event":"start"' "$J" || h_fail "read-only: the console did not start"
if mount -o remount,ro "$M" 2>/dev/null; then
    # a kernel that allows it: the next append must fail and stop the run
    kill -TERM "$RUNNING"
    h_wait_exit "$RUNNING" 300 || h_fail "read-only under a running console: it did not stop"
    [ "$H_RC" = 1 ] || h_fail "read-only under a running console: exit $H_RC"
    h_jsonl_valid "$J" || h_fail "read-only under a running console: the journal is not valid"
    mount -o remount,rw "$M"
    h_log "read-only remount under a running console: allowed by this kernel; stopped with exit 1"
else
    h_log "read-only remount under a running console: refused by the kernel (EBUSY), as expected"
    kill -TERM "$RUNNING"
    h_wait_exit "$RUNNING" 300 || h_fail "the console did not stop on SIGTERM"
fi
# read-only between two consoles: refuse to start, keep the journal as it is
cp "$J" "$H_DIR/before-ro"
mount -o remount,ro "$M" || h_fail "cannot remount the tmpfs read-only"
run_pp "$J" >"$H_DIR/ro2.out" 2>&1
rc=$?
[ $rc = 1 ] || [ $rc = 2 ] || h_fail "read-only journal: exit $rc, expected 1 or 2: $(tail -3 "$H_DIR/ro2.out")"
grep -q "Read-only file system" "$H_DIR/ro2.out" || h_fail "read-only journal: no plain error: $(tail -3 "$H_DIR/ro2.out")"
cmp -s "$J" "$H_DIR/before-ro" || h_fail "read-only journal: the journal changed"
"$POOLPILOT" --training=happy --status --journal "$J" >"$H_DIR/ro-status.out" 2>&1 ||
    h_fail "read-only journal: --status failed: $(tail -3 "$H_DIR/ro-status.out")"
mount -o remount,rw "$M" || h_fail "cannot remount the tmpfs read-write"
run_pp "$J" >"$H_DIR/rw.out" 2>&1 || h_fail "read-write again: the run did not complete: $(tail -3 "$H_DIR/rw.out")"
# shellcheck disable=SC2086
h_journal_check "$J" $SERVERS || h_fail "read-write again: the journal breaks an invariant"
h_log "read-only journal: refused with exit $rc and a plain error, --status still reads it; resumed read-write"
umount "$M" || h_fail "cannot unmount the tmpfs"
echo "PASS: $points failed writes, tmpfs full, read-only remount; $((SECONDS - T0)) s"
