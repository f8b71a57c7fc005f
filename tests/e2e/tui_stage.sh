# The dashboard's stage step (issue 13): two throwaway sshds with OpenSSH's
# sftp-server, the real binary in tmux.  Before the first domain the rows say
# "not staged"; S asks, y starts it; the rows end "staged"; the journal has a
# `stage` ok record per server and the copies are byte-identical.
# No timing assertions: every wait is a deadline for a hang.
# shellcheck disable=SC2016  # pool_check evals its strings
set -u
: "${PP_SOURCE_DIR:?}"
source "$PP_SOURCE_DIR/tests/e2e/lib/harness.sh"
source "$PP_SOURCE_DIR/tests/e2e/lib/pool.sh"
source "$PP_SOURCE_DIR/tests/e2e/lib/tui.sh"
h_init tui_stage
pool_start 2
for s in "${SERVERS[@]}"; do
    d=$(pool_dir "$s")
    sshd_stop "$d"
    sshd_sftp "$d"
    sshd_start "$d" || h_fail "sshd for $s does not restart"
    disown "$(cat "$d/listener.pid")" 2>/dev/null
done
tui_init
trap 'tui_cleanup; pool_teardown; h_cleanup' EXIT

PKG=$H_DIR/pkg.bin
head -c $((3 * 1024 * 1024 + 77)) /dev/urandom >"$PKG"
REMOTE=$H_DIR/remote
mkdir -p "$REMOTE"
INI=$H_DIR/pool.ini
J=$H_DIR/pool.jsonl
pool_ini "$INI" linux-systemd pool01.contoso.com "[update]
package = $PKG
remote_path = $REMOTE/{server}/{file}
stage_parallel = 2"

tui_start 100 30 "HOME=$HOME" -c "$INI" --journal "$J"
tui_wait "not staged" 60
tui_wait "S stage the package: 2 of 2 servers not staged" 60
tui_keys S
tui_wait "Stage the update package" 20
tui_keys y
end=$((SECONDS + 120))
while [ $SECONDS -lt $end ]; do
    n=$(tui_screen | grep -c -E '(^|[^t] )staged')
    [ "$n" -ge 2 ] && ! tui_screen | grep -q "not staged" && break
    sleep 0.2
done
[ $SECONDS -lt $end ] || tui_fail "the rows do not say staged"
ok() { jq -r --arg s "$1" 'select(.event=="stage" and .server==$s and .result=="ok") | .detail' "$J" | tail -n1; }
SUM=$(sha256sum "$PKG" | cut -d' ' -f1)
for s in "${SERVERS[@]}"; do
    pool_check "$s: a stage ok record with the package's sha256" '[ "$(ok "$s")" = "sha256 $SUM" ]'
    pool_check "$s: an identical copy" 'cmp -s "$PKG" "$REMOTE/$s/$(basename "$PKG")"'
done
tui_keys q
tui_keys y
pool_done tui_stage
