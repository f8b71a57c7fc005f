# A whole rolling upgrade over SSH through the real binary: 6 fake Front
# Ends in 3 upgrade domains, each behind its own OpenSSH sshd, a custom pool
# with the lync2013 commands (the real PowerShell templates, sent as
# -EncodedCommand and decoded by the fake; custom for the short timings),
# --headless --yes.  Every server must be drained,
# patched and restarted exactly once, the restart must be a real sshd
# restart (the reboot hook) followed by a new connection, and the journal
# must be complete.
# shellcheck disable=SC2034,SC2016  # variables are read in pool_check's eval'ed strings
set -u
: "${PP_SOURCE_DIR:?}"
source "$PP_SOURCE_DIR/tests/e2e/lib/harness.sh"
source "$PP_SOURCE_DIR/tests/e2e/lib/pool.sh"
h_init ssh_upgrade
pool_start 6
INI=$H_DIR/pool.ini
pool_ini "$INI" custom:lync2013 pool01.contoso.com '[timing]
settle = 1s
busy_retry = 2s
restart_timeout = 60s
drain_timeout = 60s
upgrade_timeout = 60s
verify_timeout = 60s
readiness_timeout = 30s
probe_timeout = 30s'
declare -A PID0
for s in "${SERVERS[@]}"; do PID0[$s]=$(cat "$(pool_dir "$s")/listener.pid"); done
# Windows behaviours the real templates must survive (fake_cmdlet.c): the
# update installer's "success, restart required" (3010) and "success,
# restart started" (1641), a UTF-8 BOM before PowerShell's output, and
# verbose records that become #< CLIXML on stderr unless the wrapper
# merges the streams.
echo 3010 >"$(pool_dir "${SERVERS[0]}")/installer-exit"
echo 1641 >"$(pool_dir "${SERVERS[1]}")/installer-exit"
touch "$(pool_dir "${SERVERS[2]}")/bom"
KH_SUM=$(md5sum <"$POOL_ROOT/known_hosts")

J=$H_DIR/journal.jsonl
OUT=$H_DIR/run.out
h_log "running the upgrade (6 servers, 3 domains)"
timeout 300 "$POOLPILOT" -c "$INI" --headless --yes --journal "$J" --operator carol \
    </dev/null >"$OUT" 2>&1
rc=$?
pool_check "the run exits 0 (rc=$rc)" '[ $rc -eq 0 ]'
pool_check "the run says done" 'grep -q "done: " "$OUT"'
problems=$(h_journal_check "$J" "${SERVERS[@]}")
pool_check "journal invariants hold, every server verified, run complete${problems:+: $problems}" \
    '[ -z "$problems" ]'
pool_check "journal ends with complete" 'jq -s -e "last.event == \"complete\"" "$J" >/dev/null'
pool_check "three domains done" '[ "$(pool_events "$J" ".event==\"domain-done\"")" -eq 3 ]'
pool_check "no step ended other than ok" \
    '[ "$(pool_events "$J" ".event==\"step-end\" and .result!=\"ok\"")" -eq 0 ]'
pool_check "24 steps ran (4 per server)" \
    '[ "$(pool_events "$J" ".event==\"step-end\" and .result==\"ok\"")" -eq 24 ]'
pool_check "readiness Ready before each domain, journaled" \
    '[ "$(pool_events "$J" ".event==\"readiness\" and .state==\"Ready\"")" -ge 3 ]'
pool_check "the fabric state was checked between domains" \
    '[ "$(pool_events "$J" ".event==\"fabric\" and .result==\"ok\"")" -ge 4 ]'
pool_check "confirmations are journaled as --yes by the operator" \
    'jq -s -e "[.[] | select(.event==\"confirm\")] | length == 3 and all(.operator==\"carol\" and .reason==\"auto (--yes)\")" "$J" >/dev/null'
pool_check "the known_hosts file was not changed" '[ "$(md5sum <"$POOL_ROOT/known_hosts")" = "$KH_SUM" ]'
pool_check "no host-key prompt was shown (every key known)" '! grep -q "answer: accept | refuse" "$OUT"'
pool_check "no CLIXML reached the operator" '! grep -q -e "CLIXML" -e "<Objs" "$OUT" "$J"'
for s in "${SERVERS[0]}" "${SERVERS[1]}"; do
    pool_check "$s: an installer exit code of 3010/1641 is a successful upgrade" \
        'jq -s -e --arg s "$s" "any(.[]; .event==\"step-end\" and .server==\$s and .step==\"upgrade\" and .result==\"ok\")" "$J" >/dev/null'
done

# one domain at a time: no server of a domain starts before the previous
# domain is done
pool_check "domains never overlap" \
    'jq -s -e "reduce .[] as \$r ({cur: null, ok: true};
        if \$r.event == \"domain-start\" then (if .cur then .ok = false else . end) | .cur = \$r.domain
        elif \$r.event == \"domain-done\" then .cur = null
        elif \$r.event == \"step-start\" and \$r.domain != .cur then .ok = false
        else . end) | .ok" "$J" >/dev/null'

for s in "${SERVERS[@]}"; do
    d=$(pool_dir "$s")
    pool_check "$s: drained exactly once (graceful, through the real template)" \
        '[ "$(pool_log_count "$s" "Stop-CsWindowsService -Graceful -NoWait")" -eq 1 ]'
    pool_check "$s: the update installer ran exactly once, and it is patched" \
        '[ "$(pool_log_count "$s" "UpdateInstaller.exe")" -eq 1 ] && [ -f "$d/patched" ]'
    pool_check "$s: restarted exactly once" \
        '[ "$(pool_log_count "$s" "Restart-Computer")" -eq 1 ]'
    pool_check "$s: verified once, services Running again" \
        '[ "$(pool_log_count "$s" "Start-CsWindowsService")" -eq 1 ] &&
         [ "$(cat "$d/services" 2>/dev/null || echo Running)" = Running ]'
    pool_check "$s: every command came as -EncodedCommand (decoded script logged)" \
        '[ "$(grep -c . "$d/log")" -eq "$(grep -c "\$ProgressPreference=.SilentlyContinue.; \[Console\]::OutputEncoding" "$d/log")" ]'
    pool_check "$s: the steps ran in order drain, upgrade, restart, verify" \
        '[ "$(grep -o -E "Stop-CsWindowsService -Graceful|UpdateInstaller\.exe|Restart-Computer|Start-CsWindowsService" "$d/log" | tr "\n" " ")" = \
           "Stop-CsWindowsService -Graceful UpdateInstaller.exe Restart-Computer Start-CsWindowsService " ]'
    pool_check "$s: the reboot hook crashed and restarted its sshd once" \
        '[ "$(grep -c "^crash" "$d/boots" 2>/dev/null)" -eq 1 ] && [ "$(grep -c "^up" "$d/boots" 2>/dev/null)" -eq 1 ] &&
         [ "$(grep -c "Server listening" "$d/sshd.log")" -eq 2 ]'
    pool_check "$s: a new sshd listener after the restart" \
        '[ "$(cat "$d/listener.pid")" != "${PID0[$s]}" ] && kill -0 "$(cat "$d/listener.pid")"'
    # the verify ran on a new connection (a different client port) than the restart
    rconn=$(grep "Restart-Computer" "$d/log" | sed -n 's/^[0-9]* conn=\([0-9]*\) .*/\1/p')
    vconn=$(grep "Start-CsWindowsService" "$d/log" | sed -n 's/^[0-9]* conn=\([0-9]*\) .*/\1/p')
    pool_check "$s: verify ran on a new connection after the restart ($rconn -> $vconn)" \
        '[ -n "$rconn" ] && [ -n "$vconn" ] && [ "$rconn" != "$vconn" ]'
done

status_lists_all() {
    "$POOLPILOT" -c "$INI" --journal "$J" --status >"$H_DIR/status.out" 2>&1 || return 1
    local s
    for s in "${SERVERS[@]}"; do
        grep "$s" "$H_DIR/status.out" | grep -q -i verified || return 1
    done
}
pool_check "--status lists every server as verified" status_lists_all

if [ $POOL_FAILS -gt 0 ]; then
    echo "--- output of the run"
    tail -n 60 "$OUT"
fi
pool_done ssh_upgrade
