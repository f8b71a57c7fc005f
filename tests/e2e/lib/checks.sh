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
