# Skype for Business, server by server (issue 11 item 7), over real SSH
# through the real binary: 4 fake Front Ends in 2 upgrade domains, each
# behind its own OpenSSH sshd, a lab pool with the sfb2015 commands
# (custom + commands_from = sfb2015, for the short timings), --headless
# --yes.  Microsoft's "Patch or update Front End Servers": on each server
# in turn Invoke-CsComputerFailOver (services stopped and DISABLED: the
# fake keeps them stopped across the reboot and refuses
# Start-CsWindowsService), the update, the restart, then
# Invoke-CsComputerFailBack; the next server only after that.  The Lync
# 2013 drain/verify (Stop-/Start-CsWindowsService) must not run: on a
# failed-over server the verify could not start the services.
# shellcheck disable=SC2034,SC2016  # variables are read in pool_check's eval'ed strings
set -u
: "${PP_SOURCE_DIR:?}"
source "$PP_SOURCE_DIR/tests/e2e/lib/harness.sh"
source "$PP_SOURCE_DIR/tests/e2e/lib/pool.sh"
h_init ssh_sfb_servers
pool_start 4
INI=$H_DIR/pool.ini
pool_ini "$INI" custom:sfb2015 pool01.contoso.com '[timing]
settle = 1s
busy_retry = 2s
restart_timeout = 60s
drain_timeout = 60s
upgrade_timeout = 60s
verify_timeout = 60s
readiness_timeout = 30s
probe_timeout = 30s'

J=$H_DIR/journal.jsonl
OUT=$H_DIR/run.out
h_log "running the upgrade (4 servers, 2 domains, one server at a time)"
timeout 300 "$POOLPILOT" -c "$INI" --headless --yes --journal "$J" --operator dana \
    </dev/null >"$OUT" 2>&1
rc=$?
pool_check "the run exits 0 (rc=$rc)" '[ $rc -eq 0 ]'
problems=$(h_journal_check "$J" "${SERVERS[@]}")
pool_check "journal invariants hold, every server verified, run complete${problems:+: $problems}" \
    '[ -z "$problems" ]'
pool_check "two domains done" '[ "$(pool_events "$J" ".event==\"domain-done\"")" -eq 2 ]'
pool_check "16 steps ran ok (4 per server), none otherwise" \
    '[ "$(pool_events "$J" ".event==\"step-end\" and .result==\"ok\"")" -eq 16 ] &&
     [ "$(pool_events "$J" ".event==\"step-end\" and .result!=\"ok\"")" -eq 0 ]'
# the journal: a server's drain starts only after the server before it
# (topology order) was verified
pool_check "one server at a time, in topology order (journal)" \
    'jq -s -e "reduce (.[] | select(.event==\"step-start\" or .event==\"step-end\")) as \$r
        ({down: null, order: [], ok: true};
         if \$r.event == \"step-start\" and \$r.step == \"drain\" then
             (if .down then .ok = false else . end) | .down = \$r.server | .order += [\$r.server]
         elif \$r.event == \"step-end\" and \$r.step == \"verify\" and \$r.result == \"ok\" then .down = null
         else . end)
        | .ok and .order == [\"fe01.contoso.com\",\"fe02.contoso.com\",\"fe03.contoso.com\",\"fe04.contoso.com\"]" \
        "$J" >/dev/null'
# the servers' own logs: every failover is followed by its own failback
# before the next server's failover (the fake's clock, not the journal's)
seq_of_cmdlets() {
    local s
    for s in "${SERVERS[@]}"; do
        grep -o -E "^[0-9]+ conn=[0-9]+ .*Invoke-CsComputerFail(Over|Back)" "$(pool_dir "$s")/log" |
            sed -E "s/^([0-9]+) .*Invoke-CsComputerFail(Over|Back)$/\1 $s \2/"
    done | sort -n | awk '{print $2 ":" $3}' | tr '\n' ' '
}
want="fe01.contoso.com:Over fe01.contoso.com:Back fe02.contoso.com:Over fe02.contoso.com:Back "
want+="fe03.contoso.com:Over fe03.contoso.com:Back fe04.contoso.com:Over fe04.contoso.com:Back "
got=$(seq_of_cmdlets)
pool_check "on the servers: failover, failback, then the next server (got: $got)" '[ "$got" = "$want" ]'
for s in "${SERVERS[@]}"; do
    d=$(pool_dir "$s")
    pool_check "$s: failed over once, by its own name" \
        '[ "$(pool_log_count "$s" "Invoke-CsComputerFailOver -ComputerName .$s.")" -eq 1 ]'
    pool_check "$s: failed back once, by its own name" \
        '[ "$(pool_log_count "$s" "Invoke-CsComputerFailBack -ComputerName .$s.")" -eq 1 ]'
    pool_check "$s: the Lync 2013 drain and start never ran" \
        '[ "$(pool_log_count "$s" "Stop-CsWindowsService|Start-CsWindowsService")" -eq 0 ]'
    pool_check "$s: the steps ran in Microsoft's order" \
        '[ "$(grep -o -E "Invoke-CsComputerFailOver|UpdateInstaller\.exe|Restart-Computer|Invoke-CsComputerFailBack" "$d/log" | tr "\n" " ")" = \
           "Invoke-CsComputerFailOver UpdateInstaller.exe Restart-Computer Invoke-CsComputerFailBack " ]'
    pool_check "$s: patched, rebooted, enabled and Running again" \
        '[ -f "$d/patched" ] && [ ! -e "$d/disabled" ] &&
         [ "$(cat "$d/services" 2>/dev/null || echo Running)" = Running ]'
done
pool_check "the run's output names the procedure" 'grep -q "one server at a time" "$OUT"'

if [ $POOL_FAILS -gt 0 ]; then
    echo "--- output of the run"
    tail -n 60 "$OUT"
fi
pool_done ssh_sfb_servers
