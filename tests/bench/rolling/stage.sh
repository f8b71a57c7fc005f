#!/bin/bash
# stage.sh: staging throughput -- poolpilot --stage (libssh SFTP, progress
# lines on) against scp and rsync copying the same package over the same
# links to the same N throwaway sshds (one per server on 127.x.y.i, OpenSSH's
# sftp-server, real shell).  Prints numbers; asserts only that every copy
# arrived intact (cmp).  Run as root on Debian 12, like run.sh.
#
#   tests/bench/rolling/stage.sh [--servers N] [--mib M] [--reps R] [--poolpilot BIN]
#
# Each tool copies to all N servers at once (poolpilot: stage_parallel = N,
# no rate cap; scp / rsync: N processes in parallel, one connection each,
# each with its own key exchange, as a shell loop with `&` does).  Every run
# starts from empty target directories.  poolpilot is measured twice:
#   poolpilot           as shipped: hash on the server before (finds nothing),
#                       copy, sha256sum on the server after (the verify)
#   poolpilot-copyonly  hash_command replaced by `test -f #   poolpilot-copyonly  hash_command replaced by an `echo` of the known sum:#   poolpilot-copyonly  hash_command replaced by an `echo` of the known sum: echo` of the known sum:
#                       the same copy, without the servers' sha256sum
# scp is OpenSSH 9.2's (SFTP protocol by default); rsync runs
# `rsync -e ssh --whole-file` (no delta: the targets are empty).
# Wall time is the median of R runs; the ratio is tool / best of scp, rsync.
set -euo pipefail
BENCH=$(dirname "$(readlink -f "$0")")
SRC=$(cd "$BENCH/../../.." && pwd)
N=12 MIB=64 REPS=3 PP=${POOLPILOT:-$SRC/build-dev/poolpilot}
while [ $# -gt 0 ]; do
    case $1 in
    --servers) N=$2; shift ;;
    --mib) MIB=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --poolpilot) PP=$(readlink -f "$2"); shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "stage.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" -eq 0 ] || { echo "stage.sh: run as root (throwaway sshds)" >&2; exit 2; }
for t in scp rsync "$PP"; do command -v "$t" >/dev/null || { echo "stage.sh: $t missing" >&2; exit 2; }; done
# shellcheck source=../../e2e/lib/sshd.sh
source "$SRC/tests/e2e/lib/sshd.sh"

W=$(mktemp -d /tmp/pp-stagebench.XXXXXX)
cleanup() { sshd_stop_all "$W/srv" >/dev/null 2>&1; rm -rf "$W"; }
trap cleanup EXIT
mkdir -p "$W/srv" "$W/home/.ssh"
export HOME=$W/home
unset SSH_AUTH_SOCK
NET=127.$(( ($$ >> 8) % 200 + 20 )).$(( $$ % 250 + 1 ))
sshd_init "$W/srv"
for ((i = 1; i <= N; i++)); do
    s=$(printf 'fe%02d.contoso.com' "$i")
    sshd_setup "$W/srv" "$s" "$NET.$i" 0 /bin/true >/dev/null
    sshd_sftp "$W/srv/$s"
    sshd_start "$W/srv/$s"
    disown "$(cat "$W/srv/$s/listener.pid")" 2>/dev/null || true
done
sshd_client_files "$W/srv"
PKG=$W/SkypeServerUpdateInstaller.exe
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$PKG"
SUM=$(sha256sum "$PKG" | cut -d' ' -f1)
T=$W/target   # every server's copy lands in T/<server>/ (one disk: the link is the network)
SSHO=(-F "$W/srv/ssh_config" -i "$W/srv/client_ed25519" -o UserKnownHostsFile="$W/srv/known_hosts"
      -o StrictHostKeyChecking=yes -o BatchMode=yes -o User=root)
servers() { for ((i = 1; i <= N; i++)); do printf 'fe%02d.contoso.com\n' "$i"; done; }

ini() {   # ini FILE HASH_COMMAND
    { printf '[pool]\nfqdn = pool01.contoso.com\nprofile = linux-systemd\n\n[servers]\n'
      servers | sed 's/$/ = UpgradeDomain1/'
      printf '\n[ssh]\nuser = root\nidentity = %s\nknown_hosts = %s\nconfig = %s\nauth = key\n' \
          "$W/srv/client_ed25519" "$W/srv/known_hosts" "$W/srv/ssh_config"
      printf '\n[update]\npackage = %s\nremote_path = %s/{server}/{file}\nstage_parallel = %d\n' \
          "$PKG" "$T" "$N"
      printf 'stage_rate = 0\nhash_command = %s\n' "$2"; } >"$1"
}
ini "$W/pp.ini" 'sha256sum -- {path}'
ini "$W/pp-copy.ini" "test -f {path} && echo $SUM"

run_tool() {   # prints wall seconds
    local tool=$1 t0 t1
    rm -rf "$T" "$W/j.jsonl"*
    mkdir -p "$T"
    servers | while read -r s; do mkdir -p "$T/$s"; done
    t0=$(date +%s.%N)
    case $tool in
    poolpilot) "$PP" -c "$W/pp.ini" --stage --journal "$W/j.jsonl" >"$W/pp.out" 2>&1 ;;
    poolpilot-copyonly) "$PP" -c "$W/pp-copy.ini" --stage --journal "$W/j.jsonl" >"$W/pp.out" 2>&1 ;;
    # the loops read a process substitution, not a pipe: `wait` must be
    # the copies' parent
    scp) while read -r s; do scp -q "${SSHO[@]}" "$PKG" "$s:$T/$s/" & done < <(servers); wait ;;
    rsync) while read -r s; do
               rsync -q --whole-file -e "ssh ${SSHO[*]}" "$PKG" "$s:$T/$s/" &
           done < <(servers); wait ;;
    esac
    t1=$(date +%s.%N)
    local s
    for s in $(servers); do
        cmp -s "$PKG" "$T/$s/$(basename "$PKG")" || { echo "stage.sh: $tool: $s has no intact copy" >&2; exit 1; }
    done
    echo "$t1 - $t0" | bc
}

declare -A RES
TOOLS="poolpilot poolpilot-copyonly scp rsync"
for ((r = 1; r <= REPS; r++)); do
    for tool in $TOOLS; do   # the same order every round; the load varies, so medians
        RES[$tool]+="$(run_tool "$tool") "
    done
done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
TOTAL_MIB=$((N * MIB))
echo "staging $MIB MiB to $N servers ($TOTAL_MIB MiB), $REPS runs each, load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
best=""
for tool in scp rsync; do
    m=$(median "${RES[$tool]}")
    if [ -z "$best" ] || [ "$(echo "$m < $best" | bc)" = 1 ]; then best=$m; fi
done
printf '%-20s %8s %10s %9s  %s\n' tool "wall s" "MiB/s" "vs best" "runs"
for tool in $TOOLS; do
    m=$(median "${RES[$tool]}")
    printf '%-20s %8.2f %10.1f %8.2fx  %s\n' "$tool" "$m" "$(echo "$TOTAL_MIB / $m" | bc -l)" \
        "$(echo "$m / $best" | bc -l)" "${RES[$tool]}"
done
echo "(vs best: wall time / the faster of scp and rsync; below 1 = faster)"
grep '^stage pool:' "$W/pp.out" | tail -n 2 | sed 's/^/poolpilot progress: /' || true
