#!/bin/bash
# server.sh DIR BOOT_SECONDS: the "power supply" of one benchmark server.
#
# Keeps the server's sshd (tests/e2e/lib/sshd.sh layout in DIR) running and
# plays its reboots: tests/bench/rolling/reboot.sh, run on the server over
# SSH, removes DIR/boot_id and writes a line into the FIFO DIR/power, then
# returns at once (as Restart-Computer and `systemctl reboot` do).  Here,
# 0.1 s later, the sshd and every session on it die (SIGKILL: the client
# sees the connection drop), and BOOT_SECONDS after the request the server
# is back: a new DIR/boot_id, then sshd listening again.  So a restart step
# physically takes BOOT_SECONDS, like the other steps (`sleep BOOT_SECONDS`).
#
# Why a supervisor process per server rather than a detached helper: the
# sshd it restarts stays its child, so it is reaped and stopped by pid, and
# nothing is left to PID 1.  SIGTERM stops the sshd and the supervisor.
set -u
dir=$1 boot=$2
# shellcheck source=../../e2e/lib/sshd.sh
. "$(dirname "$(readlink -f "$0")")/../../e2e/lib/sshd.sh"

stopping=0
trap 'stopping=1; sshd_stop "$dir" >/dev/null 2>&1; rm -f "$dir/supervisor.pid"; exit 0' TERM INT

boots=0
addr=$(cat "$dir/addr") port=$(cat "$dir/port")
boot_up() {
    boots=$((boots + 1))
    echo "$(basename "$dir") boot $boots $$" >"$dir/boot_id"
    if [ $boots = 1 ]; then
        sshd_start "$dir" || exit 1   # checks the config first (sshd -t)
    else
        # a reboot: the same config, so no `sshd -t`; the boot ends when
        # the port accepts (what every tool waits for)
        "$SSHD_BIN" -D -f "$dir/sshd_config" -E "$dir/sshd.log" </dev/null >/dev/null 2>&1 &
        echo $! >"$dir/listener.pid"
        until sshd__listening "$addr" "$port"; do
            kill -0 "$(cat "$dir/listener.pid")" 2>/dev/null || exit 1
            sleep 0.01
        done
    fi
    echo "$(date +%s.%N) up (boot $boots)"
}

rm -f "$dir/power"
mkfifo "$dir/power"
echo $$ >"$dir/supervisor.pid"
boot_up
# Opened read-write so the read never sees EOF between two writers.
exec 3<>"$dir/power"
while [ $stopping = 0 ]; do
    if read -r -u 3 _req; then
        t0=$(date +%s.%N)
        echo "$t0 reboot requested"
        sleep 0.1
        sshd_stop "$dir" >/dev/null 2>&1
        echo "$(date +%s.%N) down"
        # back BOOT_SECONDS after the request, whatever the stop took
        rest=$(awk -v t0="$t0" -v b="$boot" -v now="$(date +%s.%N)" \
            'BEGIN { r = t0 + b - now; printf "%.3f", (r > 0 ? r : 0) }')
        sleep "$rest"
        boot_up
    fi
done
