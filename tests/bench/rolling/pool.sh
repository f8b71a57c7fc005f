#!/bin/bash
# pool.sh: the benchmark pool -- N throwaway sshds on 127.0.0.x, and the
# same rolling upgrade written for poolpilot, Ansible and parallel-ssh.
# Sourced by run.sh; every function takes the pool root R.
#
#   pool_create R N D STEP_S   servers s001.bench.test.. in D domains (N/D each),
#                              127.0.0.10+i, one sshd + power supervisor each
#                              (server.sh), then every tool's files:
#     R/pool.ini                  poolpilot (custom profile, POSIX commands)
#     R/ansible/{ansible.cfg,inventory.ini,playbook.yml}
#     R/ansible/{lean.cfg,lean.yml}  the leanest Ansible (issue 13): raw module,
#                                 forks 50, one task per step
#     R/pssh/{domains,DOMAIN.hosts}  for pssh_rolling.sh
#     R/openssh_config R/ssh_config R/known_hosts R/client_ed25519
#   pool_boots R                the sum of every server's boot counter
#   pool_destroy R              stops every supervisor and sshd, by pid
#
# The servers run the REAL commands through their login shell (no
# ForceCommand): every tool runs exactly these on every server:
#   readiness  cat R/readiness.json          (on one server outside the domain)
#   drain      sleep STEP_S
#   upgrade    sleep STEP_S
#   restart    R/bin/reboot                  (server down, back STEP_S later)
#   verify     sleep STEP_S
# sshd_config adds `SetEnv SHLVL=1 PP_BENCH_DIR=...`: SHLVL=1 makes root's
# bash a nested shell, so it does not source ~/.bashrc for ssh commands
# (Debian's bash does that for sshd; root's .bashrc here runs `pyenv init`,
# which would add its own cost to every command of every tool).

BENCH_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
SSHD_SH=$BENCH_DIR/../../e2e/lib/sshd.sh
# shellcheck source=../../e2e/lib/sshd.sh
. "$SSHD_SH"

pool__name() { printf 's%03d.bench.test' "$1"; }
pool__domain() { printf 'UpgradeDomain%02d' "$1"; }

pool_create() {
    local R=$1 n=$2 nd=$3 step=$4 i d per
    per=$((n / nd))
    [ $((per * nd)) = "$n" ] || { echo "pool.sh: $n servers do not split into $nd domains" >&2; return 1; }
    [ "$n" -le 240 ] || { echo "pool.sh: at most 240 servers (127.0.0.10-249)" >&2; return 1; }
    mkdir -p "$R/bin" "$R/cm" "$R/ansible/cp" "$R/ansible/tmp" "$R/pssh" || return 1
    echo "$step" >"$R/step_s"
    echo "$n $nd" >"$R/size"
    cp "$BENCH_DIR/reboot.sh" "$R/bin/reboot" && chmod 0755 "$R/bin/reboot"
    sshd_init "$R" || return 1
    for ((i = 1; i <= n; i++)); do
        local name dir
        name=$(pool__name "$i")
        dir=$R/$name
        sshd_setup "$R" "$name" "127.0.0.$((9 + i))" 0 /bin/true || return 1
        # real shell, no fake: drop ForceCommand; room for every tool's sessions;
        # a pty allowed: Ansible asks for one (-tt) for the reboot module's commands
        sed -i -e '/^ForceCommand/d' -e 's/^MaxStartups.*/MaxStartups 1000/' \
            -e 's/^MaxSessions.*/MaxSessions 100/' -e 's/^LogLevel.*/LogLevel ERROR/' -e 's/^PermitTTY.*/PermitTTY yes/' \
            "$dir/sshd_config"
        # one SetEnv line (sshd takes the first): sshd.sh's SHLVL=1, plus ours
        sed -i "s|^SetEnv SHLVL=1\$|SetEnv SHLVL=1 PP_BENCH_DIR=$dir|" "$dir/sshd_config"
    done
    # power supervisors (each starts its sshd), in parallel, then wait for all
    for ((i = 1; i <= n; i++)); do
        (cd "$R/$(pool__name "$i")" && exec bash "$BENCH_DIR/server.sh" "$PWD" "$step" \
            >>server.log 2>&1 </dev/null) &
    done
    for ((i = 1; i <= n; i++)); do
        local dir k
        dir=$R/$(pool__name "$i")
        for ((k = 0; k < 3000; k++)); do
            [ -f "$dir/boot_id" ] && [ -f "$dir/listener.pid" ] &&
                sshd__listening "$(cat "$dir/addr")" "$(cat "$dir/port")" && break
            sleep 0.01
        done
        [ "$k" -lt 3000 ] || { echo "pool.sh: $dir did not start: $(tail -3 "$dir/server.log")" >&2; return 1; }
    done
    sshd_client_files "$R" || return 1
    pool__readiness "$R" "$n" "$nd"
    pool__poolpilot "$R" "$n" "$nd" "$step"
    pool__openssh "$R"
    pool__ansible "$R" "$n" "$nd" "$step"
    pool__ansible_lean "$R" "$n" "$nd" "$step"
    pool__pssh "$R" "$n" "$nd"
}

pool__members() {   # R n nd d -> server names of domain d (1-based)
    local per=$(($2 / $3)) i
    for ((i = ($4 - 1) * per + 1; i <= $4 * per; i++)); do pool__name "$i"; echo; done
}

# The server that runs the readiness check before domain d: the first one
# of the next domain (of the first domain, for the last) -- outside d, as
# the procedure wants; used by Ansible and pssh (poolpilot picks its own).
pool__checker() {
    local per=$(($2 / $3)) d=$4
    [ "$d" -ge "$3" ] && d=0
    pool__name $((d * per + 1))
}

pool__readiness() {
    local R=$1 n=$2 nd=$3 d first=1
    {
        printf '{"PoolUpgradeState":"Ready","TotalFrontEnds":%d,"TotalActiveFrontEnds":%d,"UpgradeDomains":[' "$n" "$n"
        for ((d = 1; d <= nd; d++)); do
            [ $first = 1 ] || printf ','
            first=0
            printf '{"UpgradeDomain":"%s","FrontEnds":[' "$(pool__domain "$d")"
            pool__members "$R" "$n" "$nd" "$d" | awk 'NR > 1 { printf "," } { printf "\"%s\"", $0 }'
            printf '],"ReadyForUpgrade":true}'
        done
        printf ']}\n'
    } >"$R/readiness.json"
}

pool__poolpilot() {
    local R=$1 n=$2 nd=$3 step=$4 d s
    {
        cat <<EOF
; poolpilot: the benchmark pool (generated by tests/bench/rolling/pool.sh)
[pool]
fqdn = pool.bench.test
profile = custom
mode = graceful
confirm = domain
parallel = 0
quorum = majority
shell = posix

[servers]
EOF
        for ((d = 1; d <= nd; d++)); do
            for s in $(pool__members "$R" "$n" "$nd" "$d"); do
                echo "$s = $(pool__domain "$d")"
            done
        done
        cat <<EOF

[ssh]
user = root
identity = $R/client_ed25519
known_hosts = $R/known_hosts
config = $R/ssh_config
auth = key
connect_timeout = 10s
persistent_shell = yes

[timing]
settle = 0s
busy_retry = 1s
restart_timeout = 2m

[commands]
readiness = cat $R/readiness.json
drain = sleep $step
upgrade = sleep $step
restart = $R/bin/reboot
verify = sleep $step
EOF
    } >"$R/pool.ini"
    # poolpilot-exec: the same pool with a session channel per step (the
    # default, [ssh] persistent_shell = no)
    grep -v '^persistent_shell = ' "$R/pool.ini" >"$R/pool-exec.ini"
}

# OpenSSH client settings shared by pssh (and ssh for its readiness check):
# multiplexed connections (ControlPersist), as Ansible gets them.
pool__openssh() {
    local R=$1
    {
        cat "$R/ssh_config"
        cat <<EOF
Host *
  User root
  IdentityFile $R/client_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $R/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ControlMaster auto
  ControlPath $R/cm/%C
  ControlPersist 60s
  ConnectTimeout 5
  LogLevel ERROR
EOF
    } >"$R/openssh_config"
}

pool__ansible() {
    local R=$1 n=$2 nd=$3 step=$4 d s A
    A=$R/ansible
    cat >"$A/ansible.cfg" <<EOF
# Ansible at its best: pipelining, ControlPersist, no fact gathering, no
# interpreter discovery, enough forks for a whole domain at once.
[defaults]
inventory = $A/inventory.ini
forks = 100
gathering = explicit
host_key_checking = True
interpreter_python = /usr/bin/python3
retry_files_enabled = False
local_tmp = $A/tmp
remote_tmp = $A/tmp/remote
stdout_callback = default
deprecation_warnings = False

[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=$R/known_hosts -o IdentitiesOnly=yes -o BatchMode=yes
control_path_dir = $A/cp
EOF
    {
        for ((d = 1; d <= nd; d++)); do
            echo "[$(pool__domain "$d")]"
            for s in $(pool__members "$R" "$n" "$nd" "$d"); do
                echo "$s ansible_host=$(cat "$R/$s/addr") ansible_port=$(cat "$R/$s/port")"
            done
            echo
        done
        cat <<EOF
[all:vars]
ansible_user=root
ansible_ssh_private_key_file=$R/client_ed25519
EOF
    } >"$A/inventory.ini"
    {
        echo "# The rolling upgrade as Ansible admins write it: one play per upgrade"
        echo "# domain, every server of the domain at once, the same commands."
        for ((d = 1; d <= nd; d++)); do
            cat <<EOF
- name: $(pool__domain "$d")
  hosts: $(pool__domain "$d")
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - name: readiness gate (on a server outside the domain)
      ansible.builtin.command: cat $R/readiness.json
      delegate_to: $(pool__checker "$R" "$n" "$nd" "$d")
      run_once: true
      register: ready
      changed_when: false
      failed_when: (ready.stdout | from_json).PoolUpgradeState != 'Ready'
    - name: drain
      ansible.builtin.shell: sleep $step
    - name: upgrade
      ansible.builtin.shell: sleep $step
    - name: restart
      ansible.builtin.reboot:
        reboot_command: $R/bin/reboot
        boot_time_command: cat "\$PP_BENCH_DIR/boot_id"
        test_command: "true"
        post_reboot_delay: 0
        reboot_timeout: 120
    - name: verify
      ansible.builtin.shell: sleep $step
EOF
        done
        cat <<EOF
- name: the pool is Ready again
  hosts: $(pool__name 1)
  gather_facts: false
  tasks:
    - name: readiness
      ansible.builtin.command: cat $R/readiness.json
      register: ready
      changed_when: false
      failed_when: (ready.stdout | from_json).PoolUpgradeState != 'Ready'
EOF
    } >"$A/playbook.yml"
}

# The leanest way people drive the same upgrade with Ansible (issue 13):
# the raw module (no Python, no module upload on the targets), pipelining
# and ControlPersist, forks 50, one task per step, no polling loops of its
# own.  The restart is `raw` of the reboot command (its drop ignored) then
# wait_for_connection, which retries a logon every `sleep` seconds until
# the server answers (Ansible has no cheaper "wait for sshd" than that).
pool__ansible_lean() {
    local R=$1 n=$2 nd=$3 step=$4 d A
    A=$R/ansible
    sed -e 's/^forks = 100$/forks = 50/' "$A/ansible.cfg" >"$A/lean.cfg"
    {
        echo "# The same rolling upgrade, leanest form: raw tasks only."
        for ((d = 1; d <= nd; d++)); do
            cat <<EOF
- name: $(pool__domain "$d")
  hosts: $(pool__domain "$d")
  gather_facts: false
  any_errors_fatal: true
  tasks:
    - name: readiness gate (on a server outside the domain)
      ansible.builtin.raw: cat $R/readiness.json
      delegate_to: $(pool__checker "$R" "$n" "$nd" "$d")
      run_once: true
      register: ready
      changed_when: false
      failed_when: (ready.stdout | from_json).PoolUpgradeState != 'Ready'
    - name: drain
      ansible.builtin.raw: sleep $step
    - name: upgrade
      ansible.builtin.raw: sleep $step
    - name: restart
      ansible.builtin.raw: $R/bin/reboot
      ignore_unreachable: true
      failed_when: false
    - name: back
      ansible.builtin.wait_for_connection:
        delay: 0
        sleep: 0.1
        timeout: 120
    - name: verify
      ansible.builtin.raw: sleep $step
EOF
        done
        cat <<EOF
- name: the pool is Ready again
  hosts: $(pool__name 1)
  gather_facts: false
  tasks:
    - name: readiness
      ansible.builtin.raw: cat $R/readiness.json
      register: ready
      changed_when: false
      failed_when: (ready.stdout | from_json).PoolUpgradeState != 'Ready'
EOF
    } >"$A/lean.yml"
}

pool__pssh() {
    local R=$1 n=$2 nd=$3 d
    : >"$R/pssh/domains"
    for ((d = 1; d <= nd; d++)); do
        pool__members "$R" "$n" "$nd" "$d" >"$R/pssh/$(pool__domain "$d").hosts"
        echo "$(pool__domain "$d") $(pool__checker "$R" "$n" "$nd" "$d")" >>"$R/pssh/domains"
    done
}

pool_boots() {
    local R=$1 dir total=0 b
    for dir in "$R"/s*.bench.test; do
        b=$(awk '{ print $3 }' "$dir/boot_id" 2>/dev/null)
        total=$((total + ${b:-0}))
    done
    echo "$total"
}

# The physical minimum of the run that just ended, in seconds: for each
# domain, 3 x STEP_S (drain, upgrade, verify are `sleep STEP_S`) plus its
# slowest server's measured restart (request .. sshd listening again, from
# the servers' logs: STEP_S plus the fake server's own sshd start), summed
# over the domains.  The readiness check is a `cat` (~1 ms): not counted.
pool_phys_min() {
    local R=$1 step d s
    step=$(cat "$R/step_s")
    for d in "$R"/pssh/*.hosts; do
        while read -r s; do
            awk -v s="$s" '/ reboot requested$/ { r = $1 } / up \(boot / { u = $1 }
                END { printf "%s %.3f\n", s, u - r }' "$R/$s/server.log"
        done <"$d" | awk -v step="$step" '{ if ($2 > m) m = $2 } END { printf "%.3f\n", 3 * step + m }'
    done | awk '{ t += $1 } END { printf "%.3f\n", t }'
}

pool_destroy() {
    local R=$1 dir pid k
    [ -d "$R" ] || return 0
    for dir in "$R"/*/; do
        dir=${dir%/}
        pid=$(cat "$dir/supervisor.pid" 2>/dev/null) || continue
        kill -TERM "$pid" 2>/dev/null
    done
    for dir in "$R"/*/; do
        dir=${dir%/}
        pid=$(cat "$dir/supervisor.pid" 2>/dev/null) || continue
        # a supervisor in `sleep` (mid-reboot) takes its trap when it wakes
        k=0
        while kill -0 "$pid" 2>/dev/null && ((k++ < 500)); do sleep 0.01; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    sshd_stop_all "$R"
}
