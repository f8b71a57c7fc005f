#!/bin/bash
# pssh_rolling.sh R: the rolling upgrade as an admin writes it with
# parallel-ssh (Debian's pssh): for each upgrade domain, the readiness
# check with ssh on a server outside it, then one parallel-ssh per step
# over all of the domain's servers; after the restart, poll every server
# until it is back (its boot_id exists again) every 0.2 s.  The OpenSSH
# client settings (R/openssh_config, written by pool.sh) multiplex the
# connections with ControlPersist, as Ansible's do.  Stops at the first
# failure, like any_errors_fatal.
set -euo pipefail
R=$1
step=$(cat "$R/step_s")
cfg=$R/openssh_config

ready() {
    ssh -n -F "$cfg" "$1" "cat $R/readiness.json" | grep -q '"PoolUpgradeState":"Ready"' ||
        { echo "pssh_rolling: the pool is not Ready (checked on $1)" >&2; exit 1; }
}

# -p: the whole domain at once; -t 0: no timeout (the steps bound themselves)
on_all() { parallel-ssh -h "$1" -p 1000 -t 0 -x "-F $cfg" "$2" </dev/null; }

last=
while read -r domain checker <&3; do
    hosts=$R/pssh/$domain.hosts
    ready "$checker"
    on_all "$hosts" "sleep $step"            # drain
    on_all "$hosts" "sleep $step"            # upgrade
    on_all "$hosts" "$R/bin/reboot"          # restart: returns at once, drops 0.1 s later
    # shellcheck disable=SC2016 # expanded by the server's shell
    until on_all "$hosts" 'test -f "$PP_BENCH_DIR/boot_id"' >/dev/null 2>&1; do
        sleep 0.2
    done
    on_all "$hosts" "sleep $step"            # verify
    last=$checker
done 3<"$R/pssh/domains"
ready "$last"
echo "pssh_rolling: all domains done"
