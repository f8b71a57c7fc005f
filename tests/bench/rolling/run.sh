#!/bin/bash
# run.sh: poolpilot side by side with Ansible and parallel-ssh on the same
# rolling upgrade over real SSH, then poolpilot at scale without a network.
# Not part of the test suite; prints numbers, asserts only that each run
# did the whole upgrade.  Run as root on Debian 12 (throwaway sshds log in
# as root, as in tests/e2e).
#
#   tests/bench/rolling/run.sh [--quick] [options]
#
#   --quick            12 servers only, 1 run each, short scale runs (~2 min)
#   --reps N           runs per tool for the 12-server pool (default 3)
#   --reps-large N     runs per tool for the 200-server pool (default 1)
#   --step S           seconds per step: drain, upgrade, restart (down time),
#                      verify (default 1)
#   --sizes "NxD ..."  pools: N servers in D domains (default "12x4 200x20")
#   --tools "..."      any of poolpilot poolpilot-exec ansible ansible-lean pssh
#                      (default all five; poolpilot runs with [ssh]
#                      persistent_shell = yes, poolpilot-exec with the default
#                      channel per step; ansible-lean: raw module, forks 50,
#                      see pool.sh)
#   --no-scale         skip the fleet and journal-replay measurements
#   --no-stage         skip the staging throughput (stage.sh: poolpilot --stage
#                      vs scp and rsync to 12 sshds, 32 MiB each, REPS runs)
#   --no-install       do not apt-get install ansible and pssh
#   --build DIR        build directory (default /tmp/build-bench)
#   --poolpilot BIN    measure this poolpilot binary instead of the one built
#                      (an experimental build; the libraries still come from DIR)
#   --out DIR          results (default /tmp/poolpilot-bench/DATE)
#
# What it does (details in BENCHMARKS.md): installs ansible and pssh from
# Debian if missing, builds poolpilot (Release), the measuring wrapper
# treetime.c and tests/bench/replay_bench.c; for each pool size starts the
# servers (pool.sh: one real sshd per server on 127.0.0.10+i, commands run
# by the real shell), runs the same rolling upgrade with each tool under
# treetime, in a rotating order, checks every server rebooted exactly once
# per run, and prints medians: wall time, overhead above the physical
# minimum (per domain 3 x S plus the slowest server's measured restart;
# readiness is a `cat`, ~1 ms), CPU time and
# peak memory of the tool's whole process tree, and the ratios to poolpilot.
# The physical minimum counts each restart as the servers measured it
# (request .. sshd listening again), see pool_phys_min in pool.sh.
set -euo pipefail

BENCH=$(dirname "$(readlink -f "$0")")
SRC=$(cd "$BENCH/../../.." && pwd)
QUICK=0 REPS=3 REPS_LARGE=1 STEP=1 SIZES="12x4 200x20" TOOLS="poolpilot poolpilot-exec ansible ansible-lean pssh"
STAGE=1 SCALE=1 INSTALL=1 BUILD=/tmp/build-bench OUT='' PP_BIN=''
ARGS="$*"
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 ;;
    --reps) REPS=$2; shift ;;
    --reps-large) REPS_LARGE=$2; shift ;;
    --step) STEP=$2; shift ;;
    --sizes) SIZES=$2; SIZES_SET=1; shift ;;
    --tools) TOOLS=$2; shift ;;
    --no-scale) SCALE=0 ;;
    --no-stage) STAGE=0 ;;
    --no-install) INSTALL=0 ;;
    --build) BUILD=$2; shift ;;
    --poolpilot) PP_BIN=$(readlink -f "$2"); shift ;;
    --out) OUT=$2; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ $QUICK = 1 ]; then
    REPS=1
    [ -n "${SIZES_SET:-}" ] || SIZES=12x4
fi
SCALE_REPS=$([ $QUICK = 1 ] && echo 1 || echo 3)
OUT=${OUT:-/tmp/poolpilot-bench/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT/logs" "$OUT/raw"
TSV=$OUT/rolling.tsv
SCALE_TSV=$OUT/scale.tsv
: >"$TSV"
: >"$SCALE_TSV"

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "run.sh: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (the throwaway sshds log in as root)"

# ---- what it needs -------------------------------------------------------
install_deps() {
    local missing=()
    command -v ansible-playbook >/dev/null || missing+=(ansible)
    command -v parallel-ssh >/dev/null || missing+=(pssh)
    [ $STAGE = 0 ] || command -v rsync >/dev/null || missing+=(rsync)
    [ ${#missing[@]} = 0 ] && return 0
    [ $INSTALL = 1 ] || die "missing ${missing[*]} (apt-get install -y ${missing[*]}, or drop --no-install)"
    local p
    for p in "${missing[@]}"; do
        apt-cache show "$p" >/dev/null 2>&1 || die "Debian package $p not found (apt-get update?)"
    done
    say "installing ${missing[*]} from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >"$OUT/logs/apt.log" 2>&1 ||
        die "apt-get install failed: see $OUT/logs/apt.log"
}

build() {
    say "building poolpilot (Release) in $BUILD"
    { cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release &&
        cmake --build "$BUILD" -j2 --target poolpilot; } >"$OUT/logs/build.log" 2>&1 ||
        die "build failed: see $OUT/logs/build.log"
    POOLPILOT=${PP_BIN:-$BUILD/poolpilot}
    TREETIME=$OUT/treetime
    REPLAY=$OUT/replay_bench
    gcc -std=c11 -O2 -Wall -Wextra -o "$TREETIME" "$BENCH/treetime.c" ||
        die "cannot build treetime"
    # shellcheck disable=SC2046
    gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -I"$SRC" -o "$REPLAY" "$SRC/tests/bench/replay_bench.c" \
        -Wl,--start-group "$BUILD"/backend/libpp*.a "$BUILD/config/libppconfig.a" -Wl,--end-group \
        $(pkg-config --libs inih libssh libcrypto) -lpthread -lm || die "cannot build replay_bench"
}

machine() {
    {
        echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "nproc: $(nproc)"
        echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
        echo "mem: $(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)"
        echo "kernel: $(uname -r)"
        echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
        echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "poolpilot: $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?') ($("$POOLPILOT" --version 2>&1 | head -1))"
        local p
        for p in ansible ansible-core pssh openssh-server openssh-client libssh-4 python3; do
            echo "$p: $(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '-')"
        done
        echo "journal filesystems: $(findmnt -no FSTYPE /dev/shm 2>/dev/null | head -1) on /dev/shm, $(findmnt -no FSTYPE -T "$OUT" 2>/dev/null | head -1) under $OUT"
    } >"$OUT/machine.txt"
}

# ---- one measured run ----------------------------------------------------
# run_tool TOOL R SIZE REP: the tool's whole upgrade of pool R under treetime
run_tool() {
    local tool=$1 R=$2 size=$3 rep=$4 label n before after rc=0
    label=$size.$tool.$rep
    n=${size%x*}
    local -a cmd
    case $tool in
    poolpilot) cmd=(env "$POOLPILOT" -c "$R/pool.ini" --headless --yes --journal "$R/runs/$label.jsonl") ;;
    poolpilot-exec) cmd=(env "$POOLPILOT" -c "$R/pool-exec.ini" --headless --yes
                         --journal "$R/runs/$label.jsonl") ;;
    ansible) cmd=(env ANSIBLE_CONFIG="$R/ansible/ansible.cfg" ANSIBLE_NOCOLOR=1
                  ansible-playbook "$R/ansible/playbook.yml") ;;
    ansible-lean) cmd=(env ANSIBLE_CONFIG="$R/ansible/lean.cfg" ANSIBLE_NOCOLOR=1
                       ansible-playbook "$R/ansible/lean.yml") ;;
    pssh) cmd=(bash "$BENCH/pssh_rolling.sh" "$R") ;;
    *) die "unknown tool $tool" ;;
    esac
    before=$(pool_boots "$R")
    (cd "$R/runs" && "$TREETIME" -o "$OUT/raw/$label.time" -- "${cmd[@]}") \
        </dev/null >"$OUT/logs/$label.log" 2>&1 || rc=$?
    after=$(pool_boots "$R")
    [ $rc = 0 ] || die "$label failed (exit $rc): see $OUT/logs/$label.log"
    case $tool in poolpilot*) cp "$R/runs/$label.jsonl" "$OUT/raw/" ;; esac
    [ $((after - before)) = "$n" ] ||
        die "$label: $((after - before)) reboots instead of $n: see $OUT/logs/$label.log"
    # shellcheck disable=SC1090
    local wall_s cpu_s maxrss_kb tree_rss_kb tree_pss_kb procs_peak
    eval "$(grep -E '^(wall_s|cpu_s|maxrss_kb|tree_rss_kb|tree_pss_kb|procs_peak)=' "$OUT/raw/$label.time")"
    local phys
    phys=$(pool_phys_min "$R")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$tool" "$rep" "$wall_s" "$cpu_s" \
        "$maxrss_kb" "$tree_rss_kb" "$tree_pss_kb" "$procs_peak" "$phys" >>"$TSV"
    say "  $label: wall ${wall_s}s (physical minimum ${phys}s) cpu ${cpu_s}s peak ${tree_pss_kb} KB PSS (${maxrss_kb} KB largest process)"
    # let the servers' sessions wind down before the next tool starts
    sleep 2
}

POOLS=()
cleanup() {
    local R
    for R in "${POOLS[@]}"; do
        pool_destroy "$R" 2>/dev/null || true
        rm -rf "$R"
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rolling() {
    local size=$1 reps=$2 n nd R rep k t
    n=${size%x*} nd=${size#*x}
    R=$(mktemp -d /tmp/ppb.XXXXXX)   # short: ControlPath sockets live under it
    POOLS+=("$R")
    mkdir -p "$R/runs"
    say "pool $size: $n servers in $nd domains, ${STEP}s steps, minimum $(awk -v d="$nd" -v s="$STEP" 'BEGIN { print d * 4 * s }')s"
    pool_create "$R" "$n" "$nd" "$STEP" || die "cannot start pool $size"
    local -a tools
    read -r -a tools <<<"$TOOLS"
    for ((rep = 1; rep <= reps; rep++)); do
        # rotate the order, so no tool always runs first (or after Ansible)
        for ((k = 0; k < ${#tools[@]}; k++)); do
            t=${tools[$(((k + rep - 1) % ${#tools[@]}))]}
            run_tool "$t" "$R" "$size" "$rep"
        done
    done
    pool_destroy "$R" || true   # sshd.sh is not written for set -e
    rm -rf "$R"
}

# ---- scale without a network ----------------------------------------------
scale_row() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$SCALE_TSV"; }

scale() {
    local rep where dir label
    local -A dirs=([disk]="$OUT/fleet-disk")
    [ "$(findmnt -no FSTYPE /dev/shm 2>/dev/null | head -1)" = tmpfs ] && dirs[tmpfs]=$(mktemp -d /dev/shm/ppb-fleet.XXXXXX)
    say "fleet: 1000 servers, 50 domains, --time-scale=max (journal on ${!dirs[*]})"
    for where in "${!dirs[@]}"; do
        dir=${dirs[$where]}
        mkdir -p "$dir"
        for ((rep = 1; rep <= SCALE_REPS; rep++)); do
            label=fleet-$where.$rep
            rm -f "$dir/fleet.jsonl"*
            "$TREETIME" -s 20 -o "$OUT/raw/$label.time" -- "$POOLPILOT" --training=fleet --time-scale=max \
                --headless --yes --journal "$dir/fleet.jsonl" </dev/null >"$OUT/logs/$label.log" 2>&1 ||
                die "$label failed: see $OUT/logs/$label.log"
            grep -q "done: all domains done" "$OUT/logs/$label.log" || die "$label did not finish"
            local wall_s cpu_s maxrss_kb
            eval "$(grep -E '^(wall_s|cpu_s|maxrss_kb)=' "$OUT/raw/$label.time")"
            scale_row "fleet-$where" "$rep" "$wall_s" "$cpu_s" "$maxrss_kb"
            say "  $label: wall ${wall_s}s cpu ${cpu_s}s peak RSS ${maxrss_kb} KB ($(wc -l <"$dir/fleet.jsonl") records)"
        done
    done
    # the template for the replay journal: the fleet run's own journal
    cp "${dirs[disk]}/fleet.jsonl" "$OUT/fleet.jsonl"
    [ -n "${dirs[tmpfs]:-}" ] && rm -rf "${dirs[tmpfs]}"

    # the same 1000 servers as a real pool's config: resuming it is what an
    # operator does (a training resume adds the trainer's debrief on top)
    local pool_ini=$OUT/fleet-pool.ini i
    {
        printf '[pool]\nfqdn = fleet.example.net\nprofile = linux-systemd\nquorum = majority\n\n[servers]\n'
        for ((i = 1; i <= 1000; i++)); do
            printf 'node%04d.fleet.example.net = UpgradeDomain%d\n' "$i" $(((i - 1) / 20 + 1))
        done
        printf '\n[ssh]\nconnect_timeout = 2s\n'
    } >"$pool_ini"
    "$POOLPILOT" --check-config -c "$pool_ini" >/dev/null || die "$pool_ini does not load"

    local big=$OUT/replay-1m.jsonl copy
    [ -n "${dirs[tmpfs]:-}" ] && big=$(mktemp -d /dev/shm/ppb-replay.XXXXXX)/replay-1m.jsonl
    say "journal replay: 1,000,000 records made from the fleet journal ($big)"
    "$REPLAY" gen "$OUT/fleet.jsonl" "$big" 1000000 >"$OUT/logs/replay-gen.log" || die "replay gen failed"
    cat "$big" >/dev/null   # in the page cache for every measurement alike
    for ((rep = 1; rep <= SCALE_REPS; rep++)); do
        local mode
        for mode in parse read restore; do
            label=replay-$mode.$rep
            case $mode in
            parse | read) "$TREETIME" -s 20 -o "$OUT/raw/$label.time" -- "$REPLAY" $mode "$big" ;;
            restore) "$TREETIME" -s 20 -o "$OUT/raw/$label.time" -- "$REPLAY" restore "$pool_ini" "$big" ;;
            esac >"$OUT/logs/$label.log" 2>&1 || die "$label failed: see $OUT/logs/$label.log"
            # the timed part only (replay_bench's own clock: no process start,
            # config load or, for parse, reading the file into memory); peak
            # RSS of the whole process
            eval "$(grep -E '^maxrss_kb=' "$OUT/raw/$label.time")"
            wall_s=$(sed -n "s/^${mode}_wall_s=//p" "$OUT/logs/$label.log")
            cpu_s=$(sed -n "s/^${mode}_cpu_s=//p" "$OUT/logs/$label.log")
            scale_row "replay-$mode" "$rep" "$wall_s" "$cpu_s" "$maxrss_kb"
            say "  $label: $(grep "^$mode:" "$OUT/logs/$label.log")"
        done
        # the binary itself: a console resuming from it, and --status
        copy=${big%.jsonl}.resume.jsonl
        cp "$big" "$copy"
        label=replay-resume.$rep
        "$TREETIME" -s 20 -o "$OUT/raw/$label.time" -- "$POOLPILOT" -c "$pool_ini" --headless \
            --yes --journal "$copy" </dev/null >"$OUT/logs/$label.log" 2>&1 || die "$label failed: see $OUT/logs/$label.log"
        grep -q "already complete" "$OUT/logs/$label.log" || die "$label: the resume did not read the whole journal"
        rm -f "$copy"*
        eval "$(grep -E '^(wall_s|cpu_s|maxrss_kb)=' "$OUT/raw/$label.time")"
        scale_row "replay-resume" "$rep" "$wall_s" "$cpu_s" "$maxrss_kb"
        say "  $label: wall ${wall_s}s cpu ${cpu_s}s peak RSS ${maxrss_kb} KB"
        # --status builds the whole checklist: slow at this size, measured once
        [ "$rep" = 1 ] || continue
        label=replay-status.$rep
        "$TREETIME" -s 20 -o "$OUT/raw/$label.time" -- "$POOLPILOT" -c "$pool_ini" --status --journal "$big" \
            </dev/null >"$OUT/logs/$label.log" 2>&1 || die "$label failed: see $OUT/logs/$label.log"
        eval "$(grep -E '^(wall_s|cpu_s|maxrss_kb)=' "$OUT/raw/$label.time")"
        scale_row "replay-status" "$rep" "$wall_s" "$cpu_s" "$maxrss_kb"
        say "  $label: wall ${wall_s}s cpu ${cpu_s}s peak RSS ${maxrss_kb} KB"
    done
    case $big in /dev/shm/*) rm -rf "$(dirname "$big")" ;; *) rm -f "$big" ;; esac
}

# ---- the summary -------------------------------------------------------------
summary() {
    {
        echo "# poolpilot benchmark results"
        echo
        echo '```'
        cat "$OUT/machine.txt"
        echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "command: tests/bench/rolling/run.sh $ARGS"
        echo '```'
        echo
        local size
        for size in $SIZES; do
            grep -q "^$size	" "$TSV" || continue
            awk -F'\t' -v size="$size" -v step="$STEP" -f "$BENCH/summary.awk" "$TSV"
            echo
        done
        if [ -s "$OUT/stage.txt" ]; then
            echo "## Staging throughput (stage.sh)"
            echo
            echo '```'
            cat "$OUT/stage.txt"
            echo '```'
            echo
        fi
        if [ -s "$SCALE_TSV" ]; then
            echo "## poolpilot at scale, no network (medians of $SCALE_REPS)"
            echo
            awk -F'\t' -v mode=scale -f "$BENCH/summary.awk" "$SCALE_TSV"
        fi
    } >"$OUT/summary.md"
    cat "$OUT/summary.md"
}

# shellcheck source=pool.sh
. "$BENCH/pool.sh"
install_deps
build
machine
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for size in $SIZES; do
    reps=$REPS
    [ "${size%x*}" -gt 50 ] && reps=$REPS_LARGE
    rolling "$size" "$reps"
done
[ $SCALE = 1 ] && scale
if [ $STAGE = 1 ]; then
    say "staging throughput: poolpilot --stage vs scp and rsync"
    bash "$BENCH/stage.sh" --poolpilot "$POOLPILOT" --servers 12 --mib 32 --reps "$REPS" \
        >"$OUT/stage.txt" 2>"$OUT/logs/stage.log" || say "stage.sh failed: see $OUT/logs/stage.log"
fi
summary
say "results in $OUT (summary.md, rolling.tsv, scale.tsv, raw/, logs/)"
