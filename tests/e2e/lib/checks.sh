# checks.sh: the small check-list style of the headless e2e tests (every
# check runs, each prints "ok - WHAT" or "FAIL - WHAT", the script fails at
# the end if any did).  Source it after `set -u`; it sets:
#   T                a temp dir, removed on exit; XDG state/config dirs in it,
#                    TZ=UTC, LANG=C.UTF-8 (stable text)
#   ok WHAT / bad WHAT
#   check WHAT CMD   ok if CMD (eval'ed) succeeds, bad otherwise
#   checks_end NAME  prints the count of failures and exits 0 or 1
: "${POOLPILOT:?}" "${PP_SOURCE_DIR:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export XDG_STATE_HOME=$T/state XDG_CONFIG_HOME=$T/config TZ=UTC LANG=C.UTF-8
fails=0
ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
checks_end() {
    echo "$1: $fails failure(s)"
    exit $((fails > 0))
}

# spawn NAME CMD...: run CMD in the background with its stdin on one FIFO and
# its stdout+stderr on another, and set NAME_IN, NAME_OUT (our fds) and
# NAME_PID.  Not a bash coproc: once a coproc exits, bash unsets its array
# and pid variables, so a later `${PP[1]}` aborts the script under `set -u`
# -- a race that a fast run (--time-scale=max) on a loaded machine loses.
# The open order (its stdin, then its stdout) matches the child's, so
# neither side blocks on a FIFO the other has not opened yet.
spawn() {
    local name=$1 dir fin fout
    shift
    dir=$(mktemp -d -p "$T" spawn.XXXXXX) || return 1
    fin=$dir/in fout=$dir/out
    mkfifo "$fin" "$fout" || return 1
    "$@" <"$fin" >"$fout" 2>&1 &
    printf -v "${name}_PID" %s "$!"
    exec {fin}>"$fin" {fout}<"$fout"
    printf -v "${name}_IN" %s "$fin"
    printf -v "${name}_OUT" %s "$fout"
}
# say FD TEXT: one line to a spawned command; a subshell, so that writing
# to one that has already exited costs the subshell (SIGPIPE), not the test.
say() { (printf '%s\n' "$2" >&"$1") 2>/dev/null; }
# spawn_end NAME [FILE]: close its stdin, read the rest of its output (to
# FILE, or nowhere) so that it never dies of SIGPIPE, and wait for it; the
# command's exit status.
spawn_end() {
    local v_in=${1}_IN v_out=${1}_OUT v_pid=${1}_PID
    local fin=${!v_in} fout=${!v_out} pid=${!v_pid}
    exec {fin}>&-
    cat <&"$fout" >>"${2:-/dev/null}"
    exec {fout}<&-
    wait "$pid"
}
