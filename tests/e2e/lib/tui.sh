# tui.sh: drive the real poolpilot binary in a tmux pane (ENGINEERING.md §3.1).
#
# Source it from a test.  Each test gets its own tmux server on its own
# socket inside its own temp dir; tui_cleanup (installed as the EXIT trap by
# tui_init) kills that server by its pid, whatever happened.
#
#   tui_init                         temp dir in $TUI_DIR, EXIT trap
#   tui_stop                         ends this tmux server (before another tui_start)
#   tui_start W H 'ENV=V ...' ARGS…  runs $POOLPILOT ARGS in a W x H pane; when
#                                    it exits the pane shows "[exit N]" and stays
#   tui_wait TEXT [SECONDS]          polls the screen until TEXT shows (default
#                                    60 s); on timeout prints the screen, fails
#   tui_wait_gone TEXT [SECONDS]     until TEXT is no longer on the screen
#   tui_wait_ask DOMAIN [SECONDS]    until the dashboard asks to start DOMAIN
#   tui_keys KEY…                    tmux send-keys (named keys: Enter Escape Up C-u)
#   tui_type TEXT                    literal text
#   tui_screen / tui_screen_sgr      the screen, plain / with SGR escapes
#   tui_resize W H
#   tui_fail MESSAGE                 prints the screen and exits 1
#
# Polling with a deadline, never a fixed sleep alone: the machine is slow
# and shared.

TUI_DIR=
TUI_SOCK=
TUI_SERVER_PID=
TUI_RUN=0

tui_cleanup() {
    if [ -n "$TUI_SOCK" ] && [ -S "$TUI_SOCK" ]; then
        [ -n "$TUI_SERVER_PID" ] || TUI_SERVER_PID=$(tmux -S "$TUI_SOCK" display -p '#{pid}' 2>/dev/null)
        tmux -S "$TUI_SOCK" kill-server 2>/dev/null
    fi
    if [ -n "$TUI_SERVER_PID" ] && kill -0 "$TUI_SERVER_PID" 2>/dev/null; then
        kill -9 "$TUI_SERVER_PID" 2>/dev/null
    fi
    [ -n "$TUI_DIR" ] && rm -rf "$TUI_DIR"
}

# Stops this test's tmux server (by its pid) and moves to a fresh socket,
# so the next tui_start never talks to a server that is still exiting.
tui_stop() {
    local i
    tmux -S "$TUI_SOCK" kill-server 2>/dev/null
    if [ -n "$TUI_SERVER_PID" ]; then
        for ((i = 0; i < 100; i++)); do
            kill -0 "$TUI_SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$TUI_SERVER_PID" 2>/dev/null
    fi
    TUI_SERVER_PID=
    TUI_RUN=$((TUI_RUN + 1))
    TUI_SOCK=$TUI_DIR/tmux.$TUI_RUN.sock
}

tui_init() {
    : "${POOLPILOT:?POOLPILOT must name the poolpilot binary}"
    [ -x "$POOLPILOT" ] || { echo "not executable: $POOLPILOT" >&2; exit 1; }
    command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 1; }
    TUI_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pp-tui.XXXXXX") || exit 1
    TUI_SOCK=$TUI_DIR/tmux.sock
    trap tui_cleanup EXIT
}

tui_screen() { tmux -S "$TUI_SOCK" capture-pane -t pp -p 2>/dev/null; }
tui_screen_sgr() { tmux -S "$TUI_SOCK" capture-pane -t pp -p -e 2>/dev/null; }

tui_fail() {
    echo "FAIL: $*" >&2
    echo "---- screen ----" >&2
    tui_screen >&2
    echo "----------------" >&2
    exit 1
}

# tui_start WIDTH HEIGHT 'VAR=VALUE ...' poolpilot-arguments...
tui_start() {
    local w=$1 h=$2 envs=$3
    shift 3
    local cmd q envargs=() e
    printf -v q '%q ' "$POOLPILOT" "$@"
    # after the program: its exit code, then stay so the test can read the screen
    cmd="$q; echo \"[exit \$?]\"; exec sleep 600"
    for e in LANG=C.UTF-8 TZ=UTC $envs; do
        envargs+=(-e "$e")
    done
    tmux -S "$TUI_SOCK" -f /dev/null new-session -d -s pp -x "$w" -y "$h" "${envargs[@]}" \
        "bash -c $(printf '%q' "$cmd")" || tui_fail "tmux new-session failed"
    TUI_SERVER_PID=$(tmux -S "$TUI_SOCK" display -p '#{pid}')
}

tui_wait() {
    local text=$1 secs=${2:-60} end
    end=$((SECONDS + secs))
    while [ $SECONDS -lt $end ]; do
        tui_screen | grep -qF -- "$text" && return 0
        sleep 0.1
    done
    tui_fail "\"$text\" did not appear within ${secs}s"
}

tui_wait_gone() {
    local text=$1 secs=${2:-60} end
    end=$((SECONDS + secs))
    while [ $SECONDS -lt $end ]; do
        tui_screen | grep -qF -- "$text" || return 0
        sleep 0.1
    done
    tui_fail "\"$text\" still on the screen after ${secs}s"
}

# The dashboard asks to start DOMAIN: its question bar and the "?" in the
# domain's panel title (both the dashboard's own words, not the engine's).
tui_wait_ask() {
    local secs=${2:-60} end
    tui_wait "Start domain?" "$secs"
    # the asked domain's badge: ◆, or @ on an ASCII terminal
    end=$((SECONDS + secs))
    while [ $SECONDS -lt $end ]; do
        tui_screen | grep -qF -e "$1 ◆ " -e "$1 @ " && return 0
        sleep 0.1
    done
    tui_fail "the dashboard did not ask to start $1 within ${secs}s"
}

# The run is over: the dashboard holds its summary until the operator
# leaves with q.
tui_leave() {
    tui_wait "q leave" "${1:-120}"
    tui_keys q
}

tui_keys() { tmux -S "$TUI_SOCK" send-keys -t pp "$@"; }
tui_type() { tmux -S "$TUI_SOCK" send-keys -t pp -l -- "$1"; }
tui_resize() { tmux -S "$TUI_SOCK" resize-window -t pp -x "$1" -y "$2"; }
