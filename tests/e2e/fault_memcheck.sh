#!/bin/bash
# valgrind memcheck on headless training runs (issue: "valgrind memcheck
# clean on a headless training run").  The suite's binary is built with
# ASan, which valgrind cannot run, so this needs a plain poolpilot (gcc, no
# sanitizers, with debug info):
#   - in the suite, the one e2e_readme_commands built from a clean copy with
#     `./bootstrap.sh run` (RelWithDebInfo: -O2 -g, what an operator runs),
#     handed over in $PP_MEMCHECK_BIN (tests/CMakeLists.txt: this test
#     DEPENDS on that one, so it starts after it, and still runs if it
#     failed).  Building a second plain tree here cost about 30 CPU-seconds
#     of the suite's budget;
#   - alone, or when that binary is not there: a build of its own (gcc,
#     -O1 -g) in $PP_BUILD_DIR/memcheck (kept: later runs only rebuild what
#     changed) or a temp dir.
# Then, under memcheck:
#   - a whole training run (happy) and one with a failover (busy-three-times);
#   - a run killed -9 mid-step (by the fault shim) and its resume: replay,
#     lost steps, probes;
#   - --status and --report=json|md|csv of the resulting journal;
#   - --check-config of two example configs (PowerShell and POSIX profiles).
# (--track-origins is left out for speed: add it by hand to find where an
# uninitialised value came from.)
# Any invalid read/write, use of uninitialised memory, bad free or definite /
# indirect leak fails (--error-exitcode).  Needs valgrind (Debian: valgrind).
set -u
. "$(dirname "$0")/lib/harness.sh"
h_init nobin:memcheck

SRC=${PP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v valgrind >/dev/null || h_fail "valgrind is not installed (Debian: apt-get install valgrind)"
T0=$SECONDS
P=${PP_MEMCHECK_BIN:-}
# (a binary older than any source file is stale: a run of this test alone
# after an edit builds its own)
if [ -n "$P" ] && [ -x "$P" ] &&
    [ -z "$(cd "$SRC" && find CMakeLists.txt config backend tui po -newer "$P" -print -quit 2>/dev/null)" ]; then
    # it must be a plain build: valgrind cannot run an ASan binary
    if nm -D "$P" 2>/dev/null | grep -q __asan_init; then
        h_fail "$P is built with ASan: memcheck needs a plain build"
    fi
    h_log "using the plain poolpilot e2e_readme_commands built: $P"
else
    [ -z "$P" ] || h_log "no current plain poolpilot at $P (e2e_readme_commands did not run?): building one"
    B=${PP_BUILD_DIR:+$PP_BUILD_DIR/memcheck}
    B=${B:-$H_DIR/build}
    mkdir -p "$B"
    CC=${PP_MEMCHECK_CC:-gcc} cmake -S "$SRC" -B "$B" -DPP_SANITIZE=OFF -DBUILD_TESTING=OFF \
        -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" >"$H_DIR/configure.log" 2>&1 ||
        { tail -20 "$H_DIR/configure.log" >&2; h_fail "cannot configure the memcheck build"; }
    cmake --build "$B" -j2 --target poolpilot >"$H_DIR/build.log" 2>&1 ||
        { grep -E 'error' "$H_DIR/build.log" | head -20 >&2; h_fail "the plain poolpilot does not build"; }
    P=$(find "$B" -name poolpilot -type f -perm -u+x | head -1)
    [ -x "$P" ] || h_fail "no poolpilot in $B"
    h_log "built a plain poolpilot in $((SECONDS - T0)) s"
fi
h_shim
RUNS=0

vg() {   # label, expected exit code(s) "0" or "0|1", then poolpilot arguments
    local label=$1 want=$2 rc
    shift 2
    RUNS=$((RUNS + 1))
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --child-silent-after-fork=yes \
        --log-file="$H_DIR/vg-$RUNS.log" "$P" "$@" </dev/null >"$H_DIR/out-$RUNS" 2>&1
    rc=$?
    if [ $rc = 99 ] || [ -s "$H_DIR/vg-$RUNS.log" ]; then
        head -60 "$H_DIR/vg-$RUNS.log" >&2
        h_fail "$label: memcheck found errors (exit $rc; above)"
    fi
    [[ "|$want|" == *"|$rc|"* ]] || h_fail "$label: exit $rc, expected $want: $(tail -3 "$H_DIR/out-$RUNS")"
    h_log "$label: clean (exit $rc)"
}

J=$H_DIR/j.jsonl
vg "training happy" 0 --training=happy --time-scale=max --headless --yes --journal "$J"
vg "status" 0 --training=happy --status --journal "$J"
for f in json md csv; do
    vg "report $f" 0 --training=happy --report=$f --journal "$J"
done
rm -f "$J" "$J".*
vg "training busy-three-times (failover)" 0 --training=busy-three-times --time-scale=max \
    --headless --yes --journal "$J"

# killed at record 30 (a step in flight), then resumed under memcheck
rm -f "$J" "$J".*
( PP_FAULT_PATH=$J PP_FAULT_MODE=kill-after-sync:30 LD_PRELOAD=$H_SHIM \
    "$P" --training=happy --time-scale=max --headless --yes --journal "$J" </dev/null >/dev/null 2>&1; exit $? ) 2>/dev/null
[ "$(h_lines "$J")" = 30 ] || h_fail "the kill at record 30 did not land ($(h_lines "$J") records)"
vg "status of a killed run" 0 --training=happy --status --journal "$J"
vg "resume after kill -9" 0 --training=happy --time-scale=max --headless --yes --journal "$J"
h_journal_check "$J" $(printf 'fe0%d.contoso.com ' 1 2 3 4 5 6 7 8) || h_fail "the resumed journal breaks an invariant"

# a scenario that stops for the operator (input ended)
rm -f "$J" "$J".*
vg "training verify-fails (stops)" 1 --training=verify-fails --time-scale=max --headless --yes --journal "$J"

for ini in "$SRC"/config/examples/lync2013.ini "$SRC"/config/examples/linux-systemd.ini; do
    vg "check-config $(basename "$ini")" 0 --check-config -c "$ini"
done
echo "PASS: $RUNS runs clean under valgrind memcheck; $((SECONDS - T0)) s"
