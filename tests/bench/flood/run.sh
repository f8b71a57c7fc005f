#!/bin/bash
# flood/run.sh: the dashboard while 50 servers stream output as fast as
# they can (issue 4's "Speed").  Not part of the test suite: prints numbers,
# asserts only that the flood really happened.  Run as root on Debian 12.
#
#   tests/bench/flood/run.sh [--servers N] [--bytes B] [--keys K]
#                            [--build DIR] [--poolpilot BIN] [--out DIR]
#
#   --servers N    servers streaming at once (default 50): the pool has 2N
#                  servers in two domains (quorum = none), the first domain
#                  of N streams in its upgrade step
#   --bytes B      bytes each server prints (default 20000000): `yes` lines
#                  through `head -c`, so the whole domain prints N x B
#   --keys K       keypresses measured in each phase (default 20)
#   --build DIR    Release build directory (default /tmp/build-bench)
#   --poolpilot BIN  measure this binary instead
#   --out DIR      results (default /tmp/poolpilot-flood/DATE)
#
# What it does: starts 2N real sshds (tests/bench/rolling/pool.sh: one per
# server on 127.0.0.10+i, commands through the real shell), runs the
# dashboard (`--yes`) in a private tmux server at 120x40, and measures
#   - keypress-to-screen: `?` sent through tmux until the help screen is on
#     the captured pane, then `?` again until it is gone; K times while the
#     console waits idle for a confirmation (--yes off until then) and K
#     times while the domain floods.  The numbers include tmux's own
#     capture (a few ms): the idle phase is the baseline to compare with;
#   - poolpilot's CPU time (utime + stime from /proc) and peak RSS over the
#     flood, the flood's duration and throughput, and the frames it drew
#     (bytes tmux received from it are not visible; frames are capped at
#     ~30 a second by the loop, so CPU per second is the number to read).
# The servers' `yes` and sshd processes share the machine's cores with
# poolpilot: on 2 cores they take most of it, as a real flood would not
# (the servers are other machines); the latency under that load is the
# point of the measurement.
set -euo pipefail

BENCH=$(dirname "$(readlink -f "$0")")
SRC=$(cd "$BENCH/../../.." && pwd)
N=50 BYTES=20000000 KEYS=20 BUILD=/tmp/build-bench PP_BIN='' OUT=''
while [ $# -gt 0 ]; do
    case $1 in
    --servers) N=$2; shift ;;
    --bytes) BYTES=$2; shift ;;
    --keys) KEYS=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --poolpilot) PP_BIN=$(readlink -f "$2"); shift ;;
    --out) OUT=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "flood/run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
OUT=${OUT:-/tmp/poolpilot-flood/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "flood/run.sh: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (the throwaway sshds log in as root)"
command -v tmux >/dev/null || die "tmux is not installed"

if [ -z "$PP_BIN" ]; then
    say "building poolpilot (Release) in $BUILD"
    { cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release &&
        cmake --build "$BUILD" -j2 --target poolpilot; } >"$OUT/build.log" 2>&1 ||
        die "build failed: see $OUT/build.log"
    PP_BIN=$BUILD/tui/poolpilot
fi

# shellcheck source=../rolling/pool.sh
. "$SRC/tests/bench/rolling/pool.sh"
R=$OUT/pool
SOCK=$OUT/tmux.sock
cleanup() {
    tmux -S "$SOCK" kill-server 2>/dev/null || true
    pool_destroy "$R" 2>/dev/null || true
}
trap cleanup EXIT
say "starting $((2 * N)) sshd servers"
pool_create "$R" $((2 * N)) 2 0 || die "the pool did not start"
# the flood: the first domain's upgrade prints B bytes per server, as fast
# as `yes` and sshd can; the second domain's is quick (the run ends soon)
sed -i -e 's/^quorum = .*/quorum = none/' -e 's/^confirm = .*/confirm = domain/' \
    -e "s|^upgrade = .*|upgrade = yes 'upgrading {server}: Installing KB5034763 (1 of 3) 42% complete' \| head -c $BYTES|" \
    "$R/pool.ini"
J=$OUT/journal.jsonl

# Idle phase first: without --yes the console waits for the operator's
# Enter on the first domain; then Enter starts the flood.
tmux -S "$SOCK" -f /dev/null new-session -d -s pp -x 120 -y 40 \
    "TERM=tmux-256color LANG=C.UTF-8 '$PP_BIN' -c '$R/pool.ini' --journal '$J' --operator bench; sleep 600"
PID=''
for _ in $(seq 200); do
    PID=$(pgrep -P "$(tmux -S "$SOCK" display -p -t pp '#{pane_pid}')" -x poolpilot || true)
    [ -n "$PID" ] && break
    sleep 0.05
done
[ -n "$PID" ] || die "poolpilot did not start"
screen() { tmux -S "$SOCK" capture-pane -p -t pp; }
wait_for() {   # grep pattern, seconds
    local end=$((SECONDS + $2))
    until screen | grep -q -- "$1"; do
        [ $SECONDS -lt $end ] || return 1
        sleep 0.05
    done
}
wait_for 'UpgradeDomain01' 60 || die "no dashboard: $(screen | head -5)"
# the readiness check ran and the console asks about the first domain
asked() { grep -qs '"event":"readiness"' "$J" && screen | grep -q 'Enter'; }
for _ in $(seq 600); do asked && break; sleep 0.05; done
asked || die "the console did not ask about the first domain: $(screen | tail -5)"

now_us() { echo $(($(date +%s%N) / 1000)); }
# one keypress round: `?` until "Show this help" is on screen, `?` until it
# is gone; prints the open latency in microseconds
key_round() {
    local t0 t1
    t0=$(now_us)
    tmux -S "$SOCK" send-keys -t pp '?'
    until screen | grep -q 'Show this help'; do :; done
    t1=$(now_us)
    tmux -S "$SOCK" send-keys -t pp '?'
    until ! screen | grep -q 'Show this help'; do :; done
    echo $((t1 - t0))
}
measure() {   # label file
    local i
    : >"$2"
    for ((i = 0; i < KEYS; i++)); do
        key_round >>"$2"
        sleep 0.1
    done
}
stats() {   # file -> "median p90 max" in ms
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        m = v[int((NR + 1) / 2)]; p = v[int(NR * 0.9 + 0.5)]; x = v[NR]
        printf "%.1f %.1f %.1f", m / 1000, p / 1000, x / 1000 }'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$PID/status"; }
HZ=$(getconf CLK_TCK)

say "idle: $KEYS keypresses while the console waits for Enter"
measure idle "$OUT/idle.us"

say "flood: Enter starts UpgradeDomain01 ($N servers x $BYTES bytes)"
tmux -S "$SOCK" send-keys -t pp Enter
up_started() { grep -c '"step":"upgrade"' "$J" 2>/dev/null | grep -qv '^0$'; }
for _ in $(seq 600); do up_started && break; sleep 0.05; done
up_started || die "the upgrade step never started: $(screen | tail -5)"
ended() {
    [ "$(jq -s '[.[] | select(.event == "step-end" and .step == "upgrade")] | length' "$J")" -ge "$N" ]
}
c0=$(cpu_ticks)
t0=$(now_us)
measure flood "$OUT/flood.us"
early=''
ended && early=yes
until ended; do sleep 0.1; done
t1=$(now_us)
c1=$(cpu_ticks)
ok=$(jq -s '[.[] | select(.event == "step-end" and .step == "upgrade" and .result == "ok")] | length' "$J")
[ "$ok" -ge "$N" ] || die "only $ok of $N upgrade steps ended ok"
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
cpu=$(awk -v a="$c0" -v b="$c1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
mb=$(awk -v n="$N" -v b="$BYTES" 'BEGIN { printf "%.0f", n * b / 1e6 }')
{
    echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "poolpilot: $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?'), $PP_BIN"
    echo "flood: $N servers x $BYTES bytes = $mb MB in $secs s ($(awk -v m="$mb" -v s="$secs" 'BEGIN { printf "%.0f", m / s }') MB/s through poolpilot)"
    echo "poolpilot CPU during the flood: $cpu s ($(awk -v c="$cpu" -v s="$secs" 'BEGIN { printf "%.0f", 100 * c / s }')% of one core), peak RSS $(($(hwm_kb) / 1024)) MB"
    printf 'keypress to screen (ms)   median  p90   max   (%d keys, incl. tmux capture)\n' "$KEYS"
    read -r a b c <<<"$(stats "$OUT/idle.us")"
    printf '  idle, waiting for Enter %6s %5s %5s\n' "$a" "$b" "$c"
    read -r a b c <<<"$(stats "$OUT/flood.us")"
    printf '  %d servers flooding   %6s %5s %5s\n' "$N" "$a" "$b" "$c"
    [ -z "$early" ] || echo "WARNING: the flood ended before the last keypress: give more --bytes"
} | tee "$OUT/summary.txt"
