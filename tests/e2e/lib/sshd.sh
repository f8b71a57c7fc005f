#!/bin/bash
# sshd.sh: throwaway OpenSSH servers on 127.0.0.x for tests (ENGINEERING.md §2).
#
# Source it for the sshd_* functions, or run it with a command:
#   sshd.sh init ROOT                      client key pair ROOT/client_ed25519{,.pub}
#   sshd.sh setup ROOT NAME ADDR PORT FAKE creates ROOT/NAME: host key, authorized_keys
#                                          (ROOT's client key), sshd_config with
#                                          ForceCommand "FAKE ROOT/NAME"; PORT 0 = pick one
#   sshd.sh start DIR                      starts sshd -D in the background, writes
#                                          DIR/listener.pid, waits for the port (10 s)
#   sshd.sh stop DIR                       SIGKILL the listener and every descendant
#                                          (a crash / power-off), waits for the port to close
#   sshd.sh kill_conns DIR                 SIGKILL only the per-connection processes
#                                          (connection lost; the listener keeps running)
#   sshd.sh freeze DIR / thaw DIR          SIGSTOP / SIGCONT the per-connection processes
#                                          (a hung server: sessions stop answering)
#   sshd.sh restart DIR                    stop + start, same host key
#   sshd.sh newkey DIR [TYPE]              a different host key (ed25519 unless TYPE);
#                                          used from the next start
#   sshd.sh known_hosts DIR                prints DIR's known_hosts line ([addr]:port key)
#   sshd.sh reboot_hook DIR SECONDS        DIR/on-reboot: fake_cmdlet runs it after a
#                                          simulated crash; it restarts sshd SECONDS later
#   sshd.sh free_port ADDR                 prints a TCP port that nothing listens on
#   sshd.sh client_files ROOT              writes ROOT/ssh_config (Host NAME -> addr, port)
#                                          and ROOT/known_hosts for every server under ROOT
#   sshd.sh stop_all ROOT                  stops every server under ROOT
#   sshd.sh sftp DIR [KB]                  makes DIR a plain SFTP + shell server for
#                                          staging tests: no ForceCommand (commands run
#                                          in root's shell), OpenSSH's sftp-server as the
#                                          sftp subsystem; KB limits every file it writes
#                                          (ulimit -f, SIGXFSZ ignored: writes past KB fail
#                                          like a full disk).  Call before start.
#
# End-to-end example (poolpilot's [ssh] pointed at the throwaway servers):
#   sshd.sh setup  "$R" fe01.contoso.com 127.0.0.51 0 "$PP_BUILD_DIR/tests/fake_cmdlet"
#   sshd.sh start  "$R/fe01.contoso.com"; sshd.sh reboot_hook "$R/fe01.contoso.com" 2
#   ... (one per server; pool.txt in "$R", see tests/tools/fake_cmdlet.c)
#   sshd.sh client_files "$R"
#   [ssh] config = $R/ssh_config   known_hosts = $R/known_hosts
#         identity = $R/client_ed25519   auth = key
#   trap 'sshd.sh stop_all "$R"' EXIT
#
# Layout of DIR (= ROOT/NAME, also fake_cmdlet's state dir, see tests/tools/fake_cmdlet.c):
#   addr port sshd_config host_key{,.pub} authorized_keys sshd.log listener.pid
#
# Every sshd is stopped by pid (DIR/listener.pid), never by name.

SSHD_BIN=/usr/sbin/sshd   # re-exec needs the absolute path (§2.3 #2)

sshd__die() { echo "sshd.sh: $*" >&2; return 1; }

# Is something accepting on ADDR:PORT?  (bash's /dev/tcp; the subshell closes it)
sshd__listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

sshd_free_port() {
    local addr=$1 base port i
    # Start from a point derived from our pid so parallel ctest runs spread out;
    # the listening probe skips ports in use, and start fails loudly on a clash.
    base=$(( 20000 + ($$ * 37 + RANDOM) % 30000 ))
    for ((i = 0; i < 200; i++)); do
        port=$(( base + i ))
        if ! sshd__listening "$addr" "$port"; then
            echo "$port"
            return 0
        fi
    done
    sshd__die "no free port on $addr"
}

sshd_init() {
    local root=$1
    mkdir -p "$root" || return 1
    [ -f "$root/client_ed25519" ] ||
        ssh-keygen -q -t ed25519 -N '' -C poolpilot-test -f "$root/client_ed25519" </dev/null ||
        sshd__die "ssh-keygen failed"
}

sshd_setup() {
    local root=$1 name=$2 addr=$3 port=$4 fake=$5
    local dir=$root/$name
    [ -x "$fake" ] || { sshd__die "fake command $fake is not executable"; return 1; }
    sshd_init "$root" || return 1
    mkdir -p "$dir" || return 1
    [ "$port" = 0 ] && { port=$(sshd_free_port "$addr") || return 1; }
    echo "$addr" >"$dir/addr"
    echo "$port" >"$dir/port"
    rm -f "$dir/host_key" "$dir/host_key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$dir/host_key" </dev/null ||
        { sshd__die "ssh-keygen failed"; return 1; }
    cp "$root/client_ed25519.pub" "$dir/authorized_keys"
    cat >"$dir/sshd_config" <<EOF
ListenAddress $addr:$port
HostKey $dir/host_key
PidFile none
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
ForceCommand $fake $dir
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTTY no
PrintMotd no
MaxStartups 100
MaxSessions 20
LogLevel VERBOSE
# Debian's bash sources ~/.bashrc for commands run by sshd (even ForceCommand,
# which runs through the login shell); a root .bashrc that prints (pyenv's
# rehash racing itself under many parallel logins) would pollute the
# commands' stderr.  SHLVL=1 makes that bash a nested shell: no .bashrc.
SetEnv SHLVL=1
EOF
}

sshd_start() {
    local dir=$1 addr port pid i
    addr=$(cat "$dir/addr") && port=$(cat "$dir/port") || return 1
    # §2.3 #1: /run is tmpfs.  Only a root sshd needs it; an ordinary user's
    # sshd runs without privilege separation's chroot.
    if [ "$(id -u)" = 0 ] && [ ! -d /run/sshd ]; then
        mkdir -p /run/sshd && chmod 0755 /run/sshd
    fi
    "$SSHD_BIN" -t -f "$dir/sshd_config" || { sshd__die "bad config $dir/sshd_config"; return 1; }
    # §2.3 #4: no inherited pipes, or a caller's $(...) would hang on us.
    "$SSHD_BIN" -D -f "$dir/sshd_config" -E "$dir/sshd.log" </dev/null >/dev/null 2>&1 &
    pid=$!
    echo "$pid" >"$dir/listener.pid"
    for ((i = 0; i < 1000; i++)); do         # 10 s deadline, 10 ms steps
        sshd__listening "$addr" "$port" && return 0
        if ! kill -0 "$pid" 2>/dev/null; then
            sshd__die "sshd for $dir exited: $(tail -n 3 "$dir/sshd.log" 2>/dev/null)"
            return 1
        fi
        sleep 0.01
    done
    sshd__die "sshd for $dir is not listening on $addr:$port after 10 s"
}

# Pids of every descendant of $1 (children first found, breadth-first).
sshd__descendants() {
    local queue=("$1") out=() p c
    while [ ${#queue[@]} -gt 0 ]; do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do
            out+=("$c")
            queue+=("$c")
        done
    done
    echo "${out[@]}"
}

sshd_kill_conns() {
    local dir=$1 pid kids
    pid=$(cat "$dir/listener.pid" 2>/dev/null) || return 0
    kids=$(sshd__descendants "$pid")
    # shellcheck disable=SC2086
    [ -n "$kids" ] && kill -9 $kids 2>/dev/null
    return 0
}

# SIGSTOP / SIGCONT the per-connection processes: a hung server whose
# established sessions stop answering (the listener keeps accepting).
sshd_freeze() { sshd__signal_conns "$1" STOP; }
sshd_thaw() { sshd__signal_conns "$1" CONT; }
sshd__signal_conns() {
    local pid kids
    pid=$(cat "$1/listener.pid" 2>/dev/null) || return 0
    kids=$(sshd__descendants "$pid")
    # shellcheck disable=SC2086
    [ -n "$kids" ] && kill -"$2" $kids 2>/dev/null
    return 0
}

sshd_stop() {
    local dir=$1 pid addr port i
    pid=$(cat "$dir/listener.pid" 2>/dev/null)
    if [ -n "$pid" ]; then
        # §2.3 #5: the listener's own death leaves sessions alive; kill them too.
        local kids
        kids=$(sshd__descendants "$pid")
        # shellcheck disable=SC2086
        kill -9 "$pid" $kids 2>/dev/null
        # shellcheck disable=SC2086
        kill -CONT $kids 2>/dev/null   # a frozen process still dies, but let it
        wait "$pid" 2>/dev/null
        rm -f "$dir/listener.pid"
    fi
    addr=$(cat "$dir/addr" 2>/dev/null) && port=$(cat "$dir/port" 2>/dev/null) || return 0
    for ((i = 0; i < 500; i++)); do
        sshd__listening "$addr" "$port" || return 0
        sleep 0.01
    done
    sshd__die "$addr:$port still accepts after stopping $dir"
}

sshd_restart() { sshd_stop "$1" && sshd_start "$1"; }

sshd_newkey() {
    local dir=$1 type=${2:-ed25519}
    rm -f "$dir/host_key" "$dir/host_key.pub"
    ssh-keygen -q -t "$type" -N '' -C "$(basename "$dir")" -f "$dir/host_key" </dev/null
}

sshd_known_hosts() {
    local dir=$1 addr port
    addr=$(cat "$dir/addr") && port=$(cat "$dir/port") || return 1
    printf '[%s]:%s %s\n' "$addr" "$port" "$(cut -d' ' -f1,2 "$dir/host_key.pub")"
}

sshd_reboot_hook() {
    local dir=$1 secs=$2 self
    self=$(readlink -f "${BASH_SOURCE[0]}")
    cat >"$dir/on-reboot" <<EOF
#!/bin/bash
# Written by sshd.sh reboot_hook: the server "boots" $secs s after the crash.
sleep $secs
exec bash "$self" start "$dir" >>"$dir/reboot.log" 2>&1
EOF
    chmod +x "$dir/on-reboot"
}

sshd_client_files() {
    local root=$1 dir
    : >"$root/ssh_config"
    : >"$root/known_hosts"
    for dir in "$root"/*/; do
        dir=${dir%/}
        [ -f "$dir/sshd_config" ] || continue
        printf 'Host %s\n  HostName %s\n  Port %s\n\n' "$(basename "$dir")" \
            "$(cat "$dir/addr")" "$(cat "$dir/port")" >>"$root/ssh_config"
        sshd_known_hosts "$dir" >>"$root/known_hosts"
    done
}

sshd_sftp() {
    local dir=$1 kb=${2:-unlimited}
    cat >"$dir/sftp-server" <<EOF
#!/bin/bash
# Written by sshd.sh sftp: OpenSSH's sftp-server with a file-size cap ($kb KiB).
# An ignored SIGXFSZ survives exec, so a write past the cap fails with EFBIG
# (sftp-server answers SSH_FX_FAILURE, as for ENOSPC) instead of killing it.
trap '' XFSZ
ulimit -f $kb
exec /usr/lib/openssh/sftp-server
EOF
    chmod +x "$dir/sftp-server"
    sed -i '/^ForceCommand /d; /^Subsystem /d' "$dir/sshd_config"
    echo "Subsystem sftp $dir/sftp-server" >>"$dir/sshd_config"
}

sshd_stop_all() {
    local root=$1 dir
    for dir in "$root"/*/; do
        dir=${dir%/}
        [ -f "$dir/sshd_config" ] && sshd_stop "$dir"
    done
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    cmd=${1:-}
    shift || true
    case $cmd in
    init | setup | start | stop | kill_conns | freeze | thaw | restart | newkey | known_hosts | \
        reboot_hook | free_port | client_files | stop_all | sftp)
        "sshd_$cmd" "$@" ;;
    *)
        echo "usage: sshd.sh init|setup|start|stop|kill_conns|freeze|thaw|restart|newkey|" \
            "known_hosts|reboot_hook|free_port|client_files|stop_all|sftp ..." >&2
        exit 2 ;;
    esac
fi
