# pool.sh: a pool of fake Front Ends behind real OpenSSH sshd servers, for
# the end-to-end tests that drive the real poolpilot binary over SSH
# (ssh_*.sh).  Builds on harness.sh (h_init: temp dir, XDG dirs, EXIT trap)
# and sshd.sh (one throwaway sshd per server, fake_cmdlet as ForceCommand).
#
# Source it after harness.sh, then:
#   pool_start N [BOOT]          the usual test pool in one call: pool_require,
#                                pool_init, fe01..feNN.contoso.com two per
#                                domain (UpgradeDomain1..), SERVERS=(their
#                                names), pool_txt pool01.contoso.com,
#                                pool_client_files; BOOT as for pool_add (1)
#   pool_require                 POOL_USER = this user, whom every server
#                                lets in (no root needed: each sshd runs as
#                                this user); SKIP (exit 77, ctest: Skipped)
#                                if its login shell is nologin (sshd runs the
#                                fake server through it); FAIL without
#                                /usr/sbin/sshd (bootstrap.sh installs it) or
#                                the fake_cmdlet tool
#   pool_init                    POOL_ROOT=$H_DIR/pool, the client key, a fake
#                                HOME (so ~/.ssh is never the user's), no
#                                ssh-agent; the EXIT trap also stops every sshd
#   pool_add NAME DOMAIN [BOOT]  one fake Front End: its sshd on its own
#                                127.x.y.z address, started; BOOT = seconds a
#                                "reboot" takes (the reboot hook), "" = it never
#                                comes back.  NAME is the server's FQDN.
#   pool_txt POOLFQDN [LINES]    ROOT/pool.txt (what the readiness cmdlet answers,
#                                see tests/tools/fake_cmdlet.c) from the servers
#                                added, in order, plus extra LINES
#   pool_client_files            ROOT/ssh_config (Host NAME -> its address) and
#                                ROOT/known_hosts with every server's key
#   pool_ini FILE PROFILE POOLFQDN [EXTRA]
#                                the pool's INI: [servers] as added, [ssh] with
#                                config / known_hosts / identity / port of the
#                                throwaway servers, auth = key, short timeouts;
#                                EXTRA (text) is appended (more sections);
#                                $POOL_KNOWN_HOSTS / $POOL_IDENTITY replace
#                                the known_hosts / identity paths if set
#   pool_drive SECS HANDLER ARGS...
#                                runs $POOLPILOT ARGS with its stdin and
#                                stdout on FIFOs; every output line is appended
#                                to $POOL_OUT and given to HANDLER LINE, which
#                                may answer with pool_say TEXT (one stdin line)
#                                or pool_hangup (stdin ends).  After SECS the
#                                binary is killed (a FAIL).  Sets POOL_RC.
#   pool_check WHAT CMD / pool_done NAME / pool_events JOURNAL JQ-SELECT
#   pool_dir NAME                the server's state dir (fake_cmdlet's STATE)
#   pool_log_count NAME REGEX    how many commands the fake ran on NAME that
#                                match REGEX (grep -E -i on its log)
#   pool_teardown                stops every sshd by pid (the EXIT trap does it)
#
# All servers listen on one port (POOL_PORT) on different loopback
# addresses, so the INI's [ssh] port is exercised; the ssh_config written
# here only maps names to addresses (it is the only ssh_config read: HOME
# points into the temp dir).

POOL_LIB_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
POOL_SSHD=$POOL_LIB_DIR/sshd.sh
# shellcheck source=sshd.sh
source "$POOL_SSHD"

POOL_ROOT=
POOL_FAKE=
POOL_PORT=
POOL_NET=
POOL_USER=
POOL_NAMES=()
POOL_DOMAINS=()

pool_require() {
    POOL_USER=$(id -un) || h_fail "this user has no name"
    local shell
    shell=$(getent passwd "$POOL_USER" | cut -d: -f7)
    case $shell in
    *nologin | */false)
        h_skip "$POOL_USER's login shell is $shell: sshd cannot run the fake server's command" ;;
    esac
    [ -x /usr/sbin/sshd ] || h_fail "/usr/sbin/sshd is missing (bootstrap.sh installs openssh-server)"
    : "${PP_BUILD_DIR:?PP_BUILD_DIR must name the build directory}"
    POOL_FAKE=$PP_BUILD_DIR/tests/fake_cmdlet
    [ -x "$POOL_FAKE" ] || h_fail "the fake server $POOL_FAKE is not built"
    command -v ssh-keygen >/dev/null || h_fail "ssh-keygen is missing"
}

# stop every server even when the test failed half-way; then harness cleanup
pool_teardown() {
    [ -n "$POOL_ROOT" ] && [ -d "$POOL_ROOT" ] || return 0
    local d pid
    for d in "$POOL_ROOT"/*/; do
        d=${d%/}
        [ -f "$d/sshd_config" ] || continue
        # a reboot hook still sleeping would start sshd again after we left
        rm -f "$d/on-reboot"
        sshd_stop "$d" 2>/dev/null
    done
    # hooks that were already running: their pids are in boot.pids
    for d in "$POOL_ROOT"/*/; do
        d=${d%/}
        for pid in $(cat "$d/boot.pids" 2>/dev/null); do
            kill -9 "$pid" 2>/dev/null
        done
        [ -f "$d/sshd_config" ] && sshd_stop "$d" 2>/dev/null
    done
    return 0
}

pool_exit_trap() {
    pool_teardown
    h_cleanup
}

pool_init() {
    POOL_ROOT=$H_DIR/pool
    mkdir -p "$POOL_ROOT" "$H_DIR/home/.ssh" || h_fail "cannot make $POOL_ROOT"
    trap pool_exit_trap EXIT
    export HOME=$H_DIR/home
    unset SSH_AUTH_SOCK SSH_AGENT_PID
    sshd_init "$POOL_ROOT" || h_fail "cannot make the client key"
    # 127.A.B.x: A.B from our pid, so tests running side by side use
    # different addresses (any 127/8 address is loopback on Linux)
    POOL_NET=127.$(( ($$ >> 8) % 200 + 20 )).$(( $$ % 250 + 1 ))
    POOL_PORT=
    POOL_NAMES=()
    POOL_DOMAINS=()
}

# a port free on every address we will use (checked again by sshd's bind)
pool__port() {
    local n=$1 p i k ok
    for ((i = 0; i < 50; i++)); do
        p=$(sshd_free_port "$POOL_NET.1") || return 1
        ok=1
        for ((k = 1; k <= n; k++)); do
            sshd__listening "$POOL_NET.$k" "$p" && { ok=0; break; }
        done
        [ $ok = 1 ] && { echo "$p"; return 0; }
    done
    return 1
}

pool_add() {
    local name=$1 domain=$2 boot=${3-1}
    local idx=$(( ${#POOL_NAMES[@]} + 1 ))
    [ -n "$POOL_PORT" ] || POOL_PORT=$(pool__port 16) || h_fail "no free port"
    sshd_setup "$POOL_ROOT" "$name" "$POOL_NET.$idx" "$POOL_PORT" "$POOL_FAKE" ||
        h_fail "sshd setup for $name"
    sshd_start "$POOL_ROOT/$name" || h_fail "sshd for $name does not start"
    # out of the job table: killing it later must not print "Killed" lines
    disown "$(cat "$POOL_ROOT/$name/listener.pid")" 2>/dev/null
    echo 200 >"$POOL_ROOT/$name/reboot-delay"
    if [ -n "$boot" ]; then
        pool__reboot_hook "$POOL_ROOT/$name" "$boot"
    fi
    POOL_NAMES+=("$name")
    POOL_DOMAINS+=("$domain")
}

# sshd.sh's reboot hook, plus a record of the hook's pid (teardown kills a
# hook that is still sleeping) and of every boot (the tests count them)
pool__reboot_hook() {
    local dir=$1 secs=$2
    cat >"$dir/on-reboot" <<EOF
#!/bin/bash
echo \$\$ >>"$dir/boot.pids"
echo "crash \$(date +%s%N)" >>"$dir/boots"
sleep $secs
[ -x "$dir/on-reboot" ] || exit 0
bash "$POOL_SSHD" start "$dir" >>"$dir/reboot.log" 2>&1 && echo "up \$(date +%s%N)" >>"$dir/boots"
EOF
    chmod +x "$dir/on-reboot"
}

pool_dir() { echo "$POOL_ROOT/$1"; }

pool_start() {
    local n=$1 boot=${2-1} i s
    pool_require
    pool_init
    SERVERS=()
    for ((i = 1; i <= n; i++)); do
        s=$(printf 'fe%02d.contoso.com' "$i")
        SERVERS+=("$s")
        pool_add "$s" "UpgradeDomain$(((i + 1) / 2))" "$boot"
    done
    pool_txt pool01.contoso.com
    pool_client_files
}

pool_txt() {
    local fqdn=$1 extra=${2-} i d line seen=()
    {
        echo "pool $fqdn"
        echo "state auto"
        for ((i = 0; i < ${#POOL_DOMAINS[@]}; i++)); do
            d=${POOL_DOMAINS[$i]}
            [[ " ${seen[*]} " == *" $d "* ]] && continue
            seen+=("$d")
            line="domain $d"
            for ((j = 0; j < ${#POOL_NAMES[@]}; j++)); do
                [ "${POOL_DOMAINS[$j]}" = "$d" ] && line+=" ${POOL_NAMES[$j]}"
            done
            echo "$line"
        done
        [ -n "$extra" ] && printf '%s\n' "$extra"
    } >"$POOL_ROOT/pool.txt"
}

pool_client_files() {
    local n
    : >"$POOL_ROOT/ssh_config"
    : >"$POOL_ROOT/known_hosts"
    for n in "${POOL_NAMES[@]}"; do
        printf 'Host %s\n  HostName %s\n\n' "$n" "$(cat "$POOL_ROOT/$n/addr")" \
            >>"$POOL_ROOT/ssh_config"
        sshd_known_hosts "$POOL_ROOT/$n" >>"$POOL_ROOT/known_hosts"
    done
}

# pool_ini FILE PROFILE FQDN [EXTRA]: PROFILE custom:lync2013 writes a lab
# pool (profile = custom, commands_from = lync2013): the profile's commands
# with the tests' short timings, which a lync2013 pool refuses.
pool_ini() {
    local file=$1 profile=$2 fqdn=$3 extra=${4-} i
    {
        if [[ $profile == custom:* ]]; then
            printf '[pool]\nfqdn = %s\nprofile = custom\ncommands_from = %s\n\n[servers]\n' \
                "$fqdn" "${profile#custom:}"
        else
            printf '[pool]\nfqdn = %s\nprofile = %s\n\n[servers]\n' "$fqdn" "$profile"
        fi
        for ((i = 0; i < ${#POOL_NAMES[@]}; i++)); do
            printf '%s = %s\n' "${POOL_NAMES[$i]}" "${POOL_DOMAINS[$i]}"
        done
        printf '\n[ssh]\nuser = %s\nport = %s\nidentity = %s\nknown_hosts = %s\n' \
            "$POOL_USER" "$POOL_PORT" "${POOL_IDENTITY:-$POOL_ROOT/client_ed25519}" \
            "${POOL_KNOWN_HOSTS:-$POOL_ROOT/known_hosts}"
        printf 'config = %s\nauth = key\nconnect_timeout = 10s\nkeepalive = 2s\n\n' \
            "$POOL_ROOT/ssh_config"
        [ -n "$extra" ] && printf '%s\n' "$extra"
    } >"$file"
}

pool_log_count() {
    local f=$POOL_ROOT/$1/log
    [ -f "$f" ] || { echo 0; return; }
    grep -E -i -c -- "$2" "$f"
}

# ---- checks: "ok - WHAT" / "FAIL - WHAT", counted; pool_done exits with it
POOL_FAILS=0
# pool_check WHAT CMD...   (CMD is eval'ed: quote it as one string)
pool_check() {
    local what=$1
    shift
    if eval "$*"; then
        echo "ok - $what"
    else
        echo "FAIL - $what"
        POOL_FAILS=$((POOL_FAILS + 1))
    fi
}
pool_done() {
    echo "$1: $POOL_FAILS check(s) failed"
    exit $((POOL_FAILS > 0))
}

# pool_events J JQFILTER   how many journal records match (jq select body)
pool_events() {
    [ -f "$1" ] || { echo 0; return; }
    jq -s "[.[] | select($2)] | length" "$1"
}

# ---- driving the binary like an operator at a terminal ------------------
POOL_OUT=
POOL_RC=
POOL_IN_FD=
# FIFOs rather than coproc: bash closes a coproc's fds once it is reaped,
# which can lose its last lines.
pool_drive() {
    local secs=$1 handler=$2 pid out_fd line part pending='' end n=$((++POOL_NDRIVE))
    shift 2
    local fin=$H_DIR/drive$n.in fout=$H_DIR/drive$n.out
    POOL_OUT=${POOL_OUT:-$H_DIR/drive.log}
    : >"$POOL_OUT"
    mkfifo "$fin" "$fout" || h_fail "mkfifo"
    "$POOLPILOT" "$@" <"$fin" >"$fout" 2>&1 &
    pid=$!
    h_track "$pid"
    exec {POOL_IN_FD}>"$fin"
    exec {out_fd}<"$fout"
    end=$((SECONDS + secs))
    while :; do
        part=
        if IFS= read -r -t 1 part <&"$out_fd"; then
            line=$pending$part
            pending=
            printf '%s\n' "$line" >>"$POOL_OUT"
            "$handler" "$line"
        elif [ $? -gt 128 ]; then
            pending+=$part             # timed out mid-line: keep what came
        else
            line=$pending$part         # end of output: it exited
            [ -n "$line" ] && printf '%s\n' "$line" >>"$POOL_OUT" && "$handler" "$line"
            break
        fi
        if [ $SECONDS -ge $end ]; then
            echo "FAIL - poolpilot still running after ${secs}s: killed"
            POOL_FAILS=$((POOL_FAILS + 1))
            kill -9 "$pid" 2>/dev/null
            break
        fi
    done
    pool_hangup
    exec {out_fd}<&-
    wait "$pid"
    # shellcheck disable=SC2034  # read by the tests
    POOL_RC=$?
    rm -f "$fin" "$fout"
}
POOL_NDRIVE=0
# (in a subshell: if the binary has exited, SIGPIPE ends only the subshell)
pool_say() { [ -n "$POOL_IN_FD" ] && (printf '%s\n' "$1" >&"$POOL_IN_FD") 2>/dev/null; }
pool_hangup() {
    if [ -n "$POOL_IN_FD" ]; then
        exec {POOL_IN_FD}>&-
        POOL_IN_FD=
    fi
}
