#!/bin/sh
# reboot.sh: the restart step's command on a benchmark server (run over
# SSH by all three tools).  PP_BENCH_DIR is set by the server's sshd
# (SetEnv in its sshd_config); see server.sh for what happens next.
# Returns at once, like Restart-Computer: the drop comes 0.1 s later.
if [ -z "${PP_BENCH_DIR:-}" ] || [ ! -p "$PP_BENCH_DIR/power" ]; then
    echo "reboot.sh: PP_BENCH_DIR is not a benchmark server" >&2
    exit 1
fi
rm -f "$PP_BENCH_DIR/boot_id"
# read-write open: never blocks, even if the supervisor is between reads
exec 3<>"$PP_BENCH_DIR/power"
echo reboot >&3
echo "rebooting $(basename "$PP_BENCH_DIR")"
