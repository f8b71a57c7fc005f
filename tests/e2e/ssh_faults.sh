# Faults over SSH through the real binary and real sshd servers:
#  1. a wrong identity: a clear authentication failure, nothing runs;
#  2. auth = password: the prompt, a wrong password refused by sshd, the
#     secret never written anywhere; a key-only server is not asked;
#  3. a connection cut while the upgrade runs (the per-connection sshd
#     processes killed): the step's outcome is lost, the server is probed,
#     the step runs again only after a confirmation (--yes gives it once),
#     and the run completes;
#  4. cut twice: the run stops for the operator;
#  5. a server that never comes back from its restart: the step times out
#     (restart_timeout), the operator is asked, input has ended: exit 1.
# shellcheck disable=SC2034,SC2016  # variables are read in pool_check's eval'ed strings
set -u
: "${PP_SOURCE_DIR:?}"
source "$PP_SOURCE_DIR/tests/e2e/lib/harness.sh"
source "$PP_SOURCE_DIR/tests/e2e/lib/pool.sh"
h_init ssh_faults
pool_start 4
TIMING='[timing]
settle = 1s
busy_retry = 1s
restart_timeout = 60s
drain_timeout = 60s
upgrade_timeout = 90s
verify_timeout = 60s
readiness_timeout = 30s
probe_timeout = 30s'
INI=$H_DIR/pool.ini
pool_ini "$INI" custom:lync2013 pool01.contoso.com "$TIMING"
D1=$(pool_dir fe01.contoso.com)
D3=$(pool_dir fe03.contoso.com)

no_logs() {
    local s
    for s in "${SERVERS[@]}"; do [ -s "$(pool_dir "$s")/log" ] && return 1; done
    return 0
}
# every fake back to a fresh, unpatched, running server
reset_pool() {
    local s d
    for s in "${SERVERS[@]}"; do
        d=$(pool_dir "$s")
        rm -f "$d/log" "$d/services" "$d/patched" "$d/slow" "$d/boots"
    done
    rm -f "$POOL_ROOT/busy-count"
}
no_step_started() { [ "$(pool_events "$1" '.event=="step-start" or .event=="domain-start"')" -eq 0 ]; }
ends_with_stop() { jq -s -e 'last.event == "stop"' "$1" >/dev/null; }

# ---- 1. wrong identity ------------------------------------------------------
h_log "1: wrong key"
ssh-keygen -q -t ed25519 -N '' -C wrong -f "$H_DIR/wrong_key" </dev/null
INI_W=$H_DIR/wrong.ini
POOL_IDENTITY=$H_DIR/wrong_key pool_ini "$INI_W" custom:lync2013 pool01.contoso.com "$TIMING"
J=$H_DIR/wrong.jsonl
timeout 120 "$POOLPILOT" -c "$INI_W" --headless --yes --journal "$J" </dev/null >"$H_DIR/wrong.out" 2>&1
rc=$?
pool_check "1: the run stops (exit 1, rc=$rc)" '[ $rc -eq 1 ]'
pool_check "1: 'authentication failed' for $POOL_USER@fe03, naming the identity file" \
    'grep "$POOL_USER@fe03.contoso.com" "$H_DIR/wrong.out" | grep -i "authentication failed" | grep -q -F "$H_DIR/wrong_key"'
pool_check "1: sshd saw the key and refused it (not a network problem)" \
    '! grep -q "Accepted publickey" "$D3/sshd.log" && grep -q -i "Connection from" "$D3/sshd.log"'
pool_check "1: nothing ran on any server" no_logs
pool_check "1: no domain or step started; the journal ends with stop" 'no_step_started "$J" && ends_with_stop "$J"'

# ---- 2. password prompts ------------------------------------------------------
h_log "2: password prompt"
SECRET=not-the-password-$RANDOM$RANDOM
# fe03, where the first readiness check runs (the first Front End outside
# UpgradeDomain1, the domain about to start), allows passwords (every
# password is wrong: root's is locked, and an ordinary user's sshd cannot
# read /etc/shadow)
sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/; s/^PermitRootLogin .*/PermitRootLogin yes/' \
    "$D3/sshd_config"
sshd_restart "$D3" || h_fail "cannot restart fe03's sshd"
disown "$(cat "$D3/listener.pid")" 2>/dev/null
INI_P=$H_DIR/password.ini
pool_ini "$INI_P" custom:lync2013 pool01.contoso.com "$TIMING"
sed -i 's/^auth = key/auth = password/' "$INI_P"
J=$H_DIR/password.jsonl
PW_PROMPTS=0
OTHER_PROMPTS=0
on_password() {
    case $1 in
    *"] ? "*"assword for $POOL_USER@fe03.contoso.com"*)
        PW_PROMPTS=$((PW_PROMPTS + 1))
        if [ $PW_PROMPTS -le 2 ]; then pool_say "$SECRET"; else pool_hangup; fi ;;
    *"] ? Password for "* | *"] ? "*"assword:"*)   # a prompt, not a question quoting a failure
        OTHER_PROMPTS=$((OTHER_PROMPTS + 1))
        pool_hangup ;;
    *"] ? "*) pool_hangup ;;
    esac
}
POOL_OUT=$H_DIR/password.out pool_drive 90 on_password -c "$INI_P" --headless --journal "$J"
pool_check "2: the run stops (exit 1, rc=$POOL_RC)" '[ "$POOL_RC" -eq 1 ]'
pool_check "2: the operator is asked for $POOL_USER@fe03's password" '[ $PW_PROMPTS -ge 1 ]'
pool_check "2: sshd checked the typed password and refused it" \
    'grep -q "Failed password for $POOL_USER" "$D3/sshd.log"'
pool_check "2: the servers that do not accept passwords are not asked" '[ $OTHER_PROMPTS -eq 0 ]'
pool_check "2: they fail with the methods the server accepts" \
    'grep "$POOL_USER@fe04.contoso.com" "$H_DIR/password.out" | grep -i "authentication failed" | grep -q "publickey"'
pool_check "2: the password is in no output, journal or file" \
    '! grep -r -q -F "$SECRET" "$H_DIR/password.out" "$J" "$POOL_ROOT" "$XDG_STATE_HOME"'
pool_check "2: nothing ran on any server" no_logs
pool_check "2: no domain or step started" 'no_step_started "$J"'
# back to keys only
sed -i 's/^PasswordAuthentication yes/PasswordAuthentication no/; s/^PermitRootLogin .*/PermitRootLogin prohibit-password/' \
    "$D3/sshd_config"
sshd_restart "$D3" || h_fail "cannot restart fe03's sshd"
disown "$(cat "$D3/listener.pid")" 2>/dev/null

# ---- 3 and 4. connections cut during the upgrade ------------------------------
# fe01's update installer takes 60 s; when it is running there, every
# per-connection sshd process of fe01 is killed (sshd.sh kill_conns): the
# client sees the connection drop mid-command.
CUTS=0
CUT_MAX=0
cut_handler() {
    case $1 in
    *"step-start "*" fe01.contoso.com upgrade"*)
        [ $CUTS -ge $CUT_MAX ] && return
        h_wait 60 eval '[ "$(pool_log_count fe01.contoso.com UpdateInstaller.exe)" -gt $CUTS ]' ||
            { echo "FAIL - the upgrade never reached fe01"; POOL_FAILS=$((POOL_FAILS + 1)); return; }
        CUTS=$((CUTS + 1))
        [ $CUTS -ge $CUT_MAX ] && [ "$CUT_MAX" -eq 1 ] && rm -f "$D1/slow"  # the re-run is quick
        sshd_kill_conns "$D1" ;;
    *"] ? "*) pool_hangup ;;        # any question: nobody is there (--yes answers confirmations)
    esac
}

h_log "3: connection cut once"
reset_pool
echo "UpdateInstaller 60" >"$D1/slow"
CUTS=0 CUT_MAX=1
J=$H_DIR/cut1.jsonl
POOL_OUT=$H_DIR/cut1.out pool_drive 180 cut_handler -c "$INI" --headless --yes --journal "$J"
fe1() { pool_events "$J" ".server==\"fe01.contoso.com\" and .step==\"upgrade\" and ($1)"; }
pool_check "3: the connection was cut once" '[ $CUTS -eq 1 ]'
pool_check "3: the run completes (exit 0, rc=$POOL_RC)" '[ "$POOL_RC" -eq 0 ]'
pool_check "3: fe01's upgrade ended lost once, then ok" \
    '[ "$(fe1 ".event==\"step-end\" and .result==\"lost\"")" -eq 1 ] &&
     [ "$(fe1 ".event==\"step-end\" and .result==\"ok\"")" -eq 1 ] &&
     [ "$(fe1 ".event==\"step-start\"")" -eq 2 ]'
pool_check "3: lost -> probe -> confirm rerun (by --yes) -> step-start, in that order" \
    'jq -s -e "[.[] | select(.server==\"fe01.contoso.com\" and .step==\"upgrade\")
               | if .event==\"step-end\" then \"end-\" + .result elif .event==\"confirm\" then \"confirm-\" + .state
                 else .event end]
               == [\"step-start\", \"end-lost\", \"probe\", \"confirm-rerun\", \"step-start\", \"end-ok\"]" "$J" >/dev/null'
pool_check "3: the rerun confirmation is journaled as --yes" \
    '[ "$(fe1 ".event==\"confirm\" and .state==\"rerun\" and .reason==\"auto (--yes)\"")" -eq 1 ]'
pool_check "3: the probe really ran on fe01 between the two upgrades" \
    '[ "$(grep -o -E "UpdateInstaller\.exe|Format-Table" "$D1/log" | tr "\n" " ")" = "UpdateInstaller.exe Format-Table UpdateInstaller.exe " ]'
pool_check "3: fe01 is patched and restarted once" \
    '[ -f "$D1/patched" ] && [ "$(pool_log_count fe01.contoso.com Restart-Computer)" -eq 1 ]'
problems=$(h_journal_check "$J" "${SERVERS[@]}")
pool_check "3: journal invariants hold, every server verified, complete${problems:+: $problems}" \
    '[ -z "$problems" ]'

h_log "4: connection cut twice"
reset_pool
echo "UpdateInstaller 60" >"$D1/slow"
CUTS=0 CUT_MAX=2
J=$H_DIR/cut2.jsonl
POOL_OUT=$H_DIR/cut2.out pool_drive 180 cut_handler -c "$INI" --headless --yes --journal "$J"
pool_check "4: the connection was cut twice" '[ $CUTS -eq 2 ]'
pool_check "4: the run stops for the operator (exit 1, rc=$POOL_RC)" '[ "$POOL_RC" -eq 1 ]'
pool_check "4: it asked about fe01's upgrade lost twice" \
    'grep "] ? " "$H_DIR/cut2.out" | grep "fe01.contoso.com" | grep -q -i "twice"'
pool_check "4: fe01's upgrade was lost twice, confirmed for a rerun once, not run a third time" \
    '[ "$(fe1 ".event==\"step-end\" and .result==\"lost\"")" -eq 2 ] &&
     [ "$(fe1 ".event==\"confirm\" and .state==\"rerun\"")" -eq 1 ] &&
     [ "$(fe1 ".event==\"step-start\"")" -eq 2 ] &&
     [ "$(pool_log_count fe01.contoso.com UpdateInstaller.exe)" -eq 2 ]'
pool_check "4: fe01 was never restarted, the other domain never started" \
    '[ "$(pool_log_count fe01.contoso.com Restart-Computer)" -eq 0 ] &&
     [ "$(pool_events "$J" ".event==\"domain-start\" and .domain==\"UpgradeDomain2\"")" -eq 0 ]'
pool_check "4: the journal ends with stop" 'ends_with_stop "$J"'
problems=$(h_journal_check "$J")
pool_check "4: journal invariants hold${problems:+: $problems}" '[ -z "$problems" ]'

# ---- 5. a server that never comes back -------------------------------------
h_log "5: a server that never comes back"
reset_pool
rm -f "$D1/on-reboot"            # no reboot hook: its sshd stays down
INI_N=$H_DIR/never.ini
pool_ini "$INI_N" custom:lync2013 pool01.contoso.com "${TIMING/restart_timeout = 60s/restart_timeout = 4s}"
J=$H_DIR/never.jsonl
timeout 120 "$POOLPILOT" -c "$INI_N" --headless --yes --journal "$J" </dev/null >"$H_DIR/never.out" 2>&1
rc=$?
pool_check "5: the run stops (exit 1, rc=$rc)" '[ $rc -eq 1 ]'
pool_check "5: fe01's restart ended in timeout" \
    '[ "$(pool_events "$J" ".event==\"step-end\" and .server==\"fe01.contoso.com\" and .step==\"restart\" and .result==\"timeout\"")" -eq 1 ]'
pool_check "5: the operator was asked about it" \
    'grep "] ? " "$H_DIR/never.out" | grep "fe01.contoso.com" | grep -q -i "restart"'
pool_check "5: the stop says input ended while the run waited" \
    'jq -s -e "last.event == \"stop\" and (last.reason | test(\"input ended\"))" "$J" >/dev/null'
pool_check "5: fe01 was never verified" \
    '[ "$(pool_events "$J" ".server==\"fe01.contoso.com\" and .step==\"verify\"")" -eq 0 ]'
pool_check "5: fe01 really is down (its sshd did not come back)" \
    '! kill -0 "$(cat "$D1/listener.pid" 2>/dev/null || echo 0)" 2>/dev/null'
problems=$(h_journal_check "$J")
pool_check "5: journal invariants hold${problems:+: $problems}" '[ -z "$problems" ]'

if [ $POOL_FAILS -gt 0 ]; then
    for f in wrong password cut1 cut2 never; do echo "--- $f.out"; tail -n 25 "$H_DIR/$f.out"; done
fi
pool_done ssh_faults
