# Host keys through the real binary and real sshd servers:
#  A. unknown key, refused: the prompt shows the SHA256 fingerprint, nothing
#     runs on any server, known_hosts stays empty, the run stops safely;
#  B. unknown key, accepted: known_hosts gets an entry OpenSSH itself
#     accepts, the run goes on (readiness runs there), and the next run
#     does not ask again;
#  C. changed key: refused with a message naming known_hosts FILE:LINE,
#     no prompt (no way around it, even with --yes), nothing runs there,
#     known_hosts untouched.
# shellcheck disable=SC2034,SC2016  # variables are read in pool_check's eval'ed strings
set -u
: "${PP_SOURCE_DIR:?}"
source "$PP_SOURCE_DIR/tests/e2e/lib/harness.sh"
source "$PP_SOURCE_DIR/tests/e2e/lib/pool.sh"
h_init ssh_hostkeys
pool_start 4
TIMING='[timing]
settle = 1s
busy_retry = 1s
restart_timeout = 60s
readiness_timeout = 30s'

fingerprint() { ssh-keygen -l -E sha256 -f "$(pool_dir "$1")/host_key.pub" | awk '{print $2}'; }
addr_of() { cat "$(pool_dir "$1")/addr"; }
no_logs() {
    local s
    for s in "${SERVERS[@]}"; do [ -s "$(pool_dir "$s")/log" ] && return 1; done
    return 0
}
reset_logs() { local s; for s in "${SERVERS[@]}"; do rm -f "$(pool_dir "$s")/log"; done; }

# ---- A. unknown host keys, every one refused -----------------------------
# The first readiness check runs on the first Front End outside the domain
# about to start (UpgradeDomain1 = fe01, fe02): fe03.
CK=fe03.contoso.com
h_log "A: unknown host keys, refused"
KH_A=$H_DIR/known_hosts_a
: >"$KH_A"
INI_A=$H_DIR/a.ini
POOL_KNOWN_HOSTS=$KH_A pool_ini "$INI_A" custom:lync2013 pool01.contoso.com "$TIMING"
J=$H_DIR/a.jsonl
PROMPTS_A=()
on_a() {
    case $1 in
    *"] ? "*"unknown"*"key"*)
        PROMPTS_A+=("$1")
        pool_say refuse ;;
    *"] ? "*) pool_say quit ;;
    esac
}
POOL_OUT=$H_DIR/a.out pool_drive 60 on_a -c "$INI_A" --headless --journal "$J"
pool_check "A: the run stops (exit 1, rc=$POOL_RC)" '[ "$POOL_RC" -eq 1 ]'
pool_check "A: a host-key prompt was shown for $CK first" \
    '[ ${#PROMPTS_A[@]} -ge 1 ] && [[ ${PROMPTS_A[0]} == *$CK* ]]'
FPC=$(fingerprint $CK)
pool_check "A: the prompt shows $CK's SHA256 fingerprint ($FPC)" \
    '[[ $FPC == SHA256:* ]] && [[ ${PROMPTS_A[0]} == *"$FPC"* ]]'
pool_check "A: the prompt names its address and the known_hosts file" \
    '[[ ${PROMPTS_A[0]} == *"$(addr_of $CK)"* ]] && [[ ${PROMPTS_A[0]} == *"$KH_A"* ]]'
pool_check "A: every prompt refused says nothing was run" \
    '[ "$(grep -c "refused: .*host key not accepted.*nothing was run" "$H_DIR/a.out")" -eq ${#PROMPTS_A[@]} ]'
pool_check "A: nothing ran on any server (the fakes' logs are empty)" no_logs
pool_check "A: known_hosts is still empty" '[ ! -s "$KH_A" ]'
pool_check "A: no domain and no step started" \
    '[ "$(pool_events "$J" ".event==\"domain-start\" or .event==\"step-start\"")" -eq 0 ]'
pool_check "A: readiness never Ready, the journal ends with stop" \
    '[ "$(pool_events "$J" ".event==\"readiness\" and .state!=\"Unknown\"")" -eq 0 ] &&
     jq -s -e "last.event == \"stop\"" "$J" >/dev/null'
# The journal is the change record: it must say why the check failed.  The
# transport ends the command with "host key not accepted ... nothing was
# run", but the runner replaces that with "no result marker ... output was
# cut" (backend/runner_cmd.c on_end), which is not what happened.
pool_check "A: the journal's readiness record says the host key was refused (not 'output was cut')" \
    'jq -s -e "[.[] | select(.event==\"readiness\" and .server==\"$CK\")][0].detail | test(\"host key\"; \"i\")" "$J" >/dev/null'

# ---- B. unknown host key, accepted ---------------------------------------
h_log "B: unknown host key, accepted"
reset_logs
mkdir -p "$H_DIR/b"
KH_B=$H_DIR/b/known_hosts      # does not exist yet: accepting creates it
INI_B=$H_DIR/b.ini
POOL_KNOWN_HOSTS=$KH_B pool_ini "$INI_B" custom:lync2013 pool01.contoso.com "$TIMING"
J=$H_DIR/b.jsonl
PROMPTS_B=()
ASKED_START=0
on_b() {
    case $1 in
    *"] ? "*"unknown"*"key"*)
        PROMPTS_B+=("$1")
        pool_say accept ;;
    *"] ? Start UpgradeDomain"*)
        ASKED_START=1
        pool_say quit ;;
    *"] ? "*) pool_say quit ;;
    esac
}
POOL_OUT=$H_DIR/b.out pool_drive 60 on_b -c "$INI_B" --headless --journal "$J"
AC=$(addr_of $CK)
pool_check "B: one prompt, for $CK, with its fingerprint" \
    '[ ${#PROMPTS_B[@]} -eq 1 ] && [[ ${PROMPTS_B[0]} == *$CK*"$FPC"* ]]'
pool_check "B: known_hosts was created with one entry for [$AC]:$POOL_PORT" \
    '[ -f "$KH_B" ] && [ "$(grep -c . "$KH_B")" -eq 1 ] &&
     ssh-keygen -F "[$AC]:$POOL_PORT" -f "$KH_B" >/dev/null'
pool_check "B: the entry holds $CK's host key" \
    '[ "$(ssh-keygen -F "[$AC]:$POOL_PORT" -f "$KH_B" | grep -v "^#" | awk "{print \$3}")" = \
       "$(awk "{print \$2}" "$(pool_dir $CK)/host_key.pub")" ]'
# (then, on the same server, the read-only topology read before the first domain)
pool_check "B: the run went on: readiness ran on $CK and was Ready, then the topology read" \
    '[ "$(pool_log_count $CK .)" -eq 2 ] &&
     [ "$(pool_log_count $CK Get-CsPoolUpgradeReadinessState)" -eq 1 ] &&
     [ "$(pool_log_count $CK Get-CsComputer)" -eq 1 ] &&
     [ "$(pool_events "$J" ".event==\"readiness\" and .state==\"Ready\"")" -eq 1 ] &&
     [ "$(pool_events "$J" ".event==\"topology\" and .state==\"match\"")" -eq 1 ]'
pool_check "B: it reached the question to start a domain (answered quit: exit 1)" \
    '[ $ASKED_START -eq 1 ] && [ "$POOL_RC" -eq 1 ]'
pool_check "B: nothing ran on the other servers" \
    '[ "$(pool_log_count fe01.contoso.com .)$(pool_log_count fe02.contoso.com .)$(pool_log_count fe04.contoso.com .)" = 000 ]'
# OpenSSH's own client trusts the line poolpilot wrote (strict checking)
ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$KH_B" \
    -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -i "$POOL_ROOT/client_ed25519" \
    -p "$POOL_PORT" "$POOL_USER@$AC" "echo openssh-ok" >"$H_DIR/b.ssh" 2>&1
pool_check "B: OpenSSH's ssh accepts the entry with StrictHostKeyChecking=yes" \
    'grep -q openssh-ok "$H_DIR/b.ssh"'
# the next run knows the key: no question about it
reset_logs
J=$H_DIR/b2.jsonl
"$POOLPILOT" -c "$INI_B" --headless --journal "$J" </dev/null >"$H_DIR/b2.out" 2>&1
pool_check "B: the next run does not ask about $CK's key again" \
    '! grep -q "answer: accept | refuse" "$H_DIR/b2.out" &&
     [ "$(pool_events "$J" ".event==\"readiness\" and .state==\"Ready\"")" -eq 1 ]'

# ---- C. a changed host key ------------------------------------------------
h_log "C: changed host key on fe02"
reset_logs
KH_C=$H_DIR/known_hosts_c
cp "$POOL_ROOT/known_hosts" "$KH_C"       # line 2 is fe02's old key
pool_check "C: known_hosts line 2 is fe02's" \
    '[ "$(sed -n 2p "$KH_C" | cut -d" " -f1)" = "[$(addr_of fe02.contoso.com)]:$POOL_PORT" ]'
D2=$(pool_dir fe02.contoso.com)
sshd_newkey "$D2" && sshd_restart "$D2" || h_fail "cannot give fe02 a new key"
disown "$(cat "$D2/listener.pid")" 2>/dev/null
KH_SUM=$(md5sum <"$KH_C")
INI_C=$H_DIR/c.ini
POOL_KNOWN_HOSTS=$KH_C pool_ini "$INI_C" custom:lync2013 pool01.contoso.com "$TIMING"
J=$H_DIR/c.jsonl
# --yes, and "accept" typed as well: neither may get past a changed key
printf 'accept\naccept\nyes\n' | timeout 120 "$POOLPILOT" -c "$INI_C" --headless --yes \
    --journal "$J" >"$H_DIR/c.out" 2>&1
rc=$?
pool_check "C: the run stops (exit 1, rc=$rc)" '[ $rc -eq 1 ]'
pool_check "C: refused with a message naming $KH_C:2" \
    'grep -i "fe02.contoso.com.*host key has changed" "$H_DIR/c.out" | grep -q -F "$KH_C:2"'
pool_check "C: the message shows the new key's fingerprint" \
    'grep -i "host key has changed" "$H_DIR/c.out" | grep -q -F "$(fingerprint fe02.contoso.com)"'
pool_check "C: no prompt offers to accept it" '! grep -q "answer: accept | refuse" "$H_DIR/c.out"'
pool_check "C: nothing ran on fe02" '[ ! -s "$D2/log" ]'
pool_check "C: known_hosts is unchanged" '[ "$(md5sum <"$KH_C")" = "$KH_SUM" ]'
pool_check "C: fe02's drain did not end ok, nothing later started on it" \
    '[ "$(pool_events "$J" ".server==\"fe02.contoso.com\" and .event==\"step-end\" and .result==\"ok\"")" -eq 0 ] &&
     [ "$(pool_events "$J" ".server==\"fe02.contoso.com\" and .event==\"step-start\" and .step!=\"drain\"")" -eq 0 ]'
pool_check "C: the other server of the domain was still drained (the run went on)" \
    '[ "$(pool_events "$J" ".server==\"fe01.contoso.com\" and .event==\"step-end\" and .step==\"drain\" and .result==\"ok\"")" -eq 1 ] &&
     [ "$(pool_log_count fe01.contoso.com "Stop-CsWindowsService")" -eq 1 ]'
pool_check "C: the journal ends with stop" 'jq -s -e "last.event == \"stop\"" "$J" >/dev/null'
# same root cause as A's journal check (backend/runner_cmd.c on_end)
pool_check "C: fe02's step-end in the journal says the host key changed (not 'output was cut')" \
    'jq -s -e "[.[] | select(.event==\"step-end\" and .server==\"fe02.contoso.com\")][0].detail | test(\"host key\"; \"i\")" "$J" >/dev/null'
problems=$(h_journal_check "$J")
pool_check "C: journal invariants hold${problems:+: $problems}" '[ -z "$problems" ]'

if [ $POOL_FAILS -gt 0 ]; then
    for f in a b c; do echo "--- $f.out"; tail -n 30 "$H_DIR/$f.out"; done
fi
pool_done ssh_hostkeys
