# --dry-run over SSH through the real binary: it connects, checks host keys
# and readiness, prints every command it would run on each server, and
# runs nothing else: the fakes' command logs hold only readiness checks,
# the read-only probe (which proves every server's host key and logon), the
# package check and (SfB 2015) the patch-level read; no server changes
# state, no journal is written.  Case 6 is a real run on the same pool: the
# package check just before each drain (issue 13).
# shellcheck disable=SC2034,SC2016  # variables are read in pool_check's eval'ed strings
set -u
: "${PP_SOURCE_DIR:?}"
source "$PP_SOURCE_DIR/tests/e2e/lib/harness.sh"
source "$PP_SOURCE_DIR/tests/e2e/lib/pool.sh"
h_init ssh_dryrun
pool_start 4
TIMING='[timing]
busy_retry = 1s
readiness_timeout = 30s'
INI=$H_DIR/pool.ini
pool_ini "$INI" custom:lync2013 pool01.contoso.com "$TIMING"
# the same pool as SfB 2015 (whose patch level is read) with an update
# package, a copy of it on every server
PKG=$H_DIR/SkypeServerUpdateInstaller.exe
head -c 70000 /dev/urandom >"$PKG"
SUM=$(sha256sum "$PKG" | cut -d' ' -f1)
REMOTE=$H_DIR/remote
for s in "${SERVERS[@]}"; do mkdir -p "$REMOTE/$s" && cp "$PKG" "$REMOTE/$s/"; done
INIP=$H_DIR/package.ini
pool_ini "$INIP" custom:sfb2015 pool01.contoso.com "$TIMING
[update]
package = $PKG
remote_path = $REMOTE/{server}/{file}"
# the Back End's update is the run's last step: the plan shows it too
sed -i '/^commands_from = /a backend = sql01.contoso.com' "$INIP"

reset_logs() { local s; for s in "${SERVERS[@]}"; do rm -f "$(pool_dir "$s")/log"; done; }
readiness_only() {      # every command any fake ran is a readiness check, the read-only
    local s n=0            # probe or a dry-run check; prints how many readiness checks ran
    for s in "${SERVERS[@]}"; do
        [ "$(pool_log_count "$s" .)" -eq "$(pool_log_count "$s" 'Get-CsPoolUpgradeReadinessState|Format-Table -AutoSize Name, Status|Test-Path -LiteralPath \$pp_pkg -PathType Leaf|Get-CsServerPatchVersion -ErrorAction Stop')" ] ||
            { echo -1; return; }
        n=$((n + $(pool_log_count "$s" Get-CsPoolUpgradeReadinessState)))
    done
    echo $n
}
untouched() {           # no fake changed state
    local s d
    for s in "${SERVERS[@]}"; do
        d=$(pool_dir "$s")
        if [ -e "$d/patched" ] || [ -e "$d/services" ] || [ -e "$d/boots" ]; then return 1; fi
    done
    return 0
}

# ---- 1. the plan ------------------------------------------------------------
h_log "1: dry run of a Ready pool, the update package on every server"
J=$H_DIR/dry.jsonl
KH_SUM=$(md5sum <"$POOL_ROOT/known_hosts")
timeout 120 "$POOLPILOT" -c "$INIP" --headless --dry-run --journal "$J" </dev/null >"$H_DIR/dry.out" 2>&1
rc=$?
OUT=$H_DIR/dry.out
pool_check "1: exits 0 (rc=$rc)" '[ $rc -eq 0 ]'
pool_check "1: it connected and read the readiness check: Ready" \
    'grep -q "connected (" "$OUT" && grep -q "readiness fe0[1-4].contoso.com Ready" "$OUT"'
pool_check "1: says nothing below is run" 'grep -q "dry run: nothing below is run" "$OUT"'
for s in "${SERVERS[@]}"; do
    for step in drain upgrade restart verify; do
        pool_check "1: plan: $step on $s" 'grep -q "would run on $s (UpgradeDomain[12]) $step:" "$OUT"'
    done
done
pool_check "1: 16 planned steps in all" \
    '[ "$(grep -c "would run on fe0.*) \(drain\|upgrade\|restart\|verify\):" "$OUT")" -eq 16 ]'
for d in UpgradeDomain1 UpgradeDomain2; do
    pool_check "1: plan: the readiness check before $d, on a server outside it" \
        'grep "would run before $d on fe0" "$OUT" | grep -q "readiness:"'
done
pool_check "1: plan: the Back End's update, once every domain is done" \
    'grep "would run on a Front End that is up (e.g. fe01.contoso.com) once every domain is done, backend:" "$OUT" >/dev/null && grep -q "Install-CsDatabase -Update -ConfiguredDatabases.*sql01.contoso.com" "$OUT"'
pool_check "1: plan: the probe of each server, for an unknown outcome" \
    '[ "$(grep -c "would run on fe0.* when a step.s outcome is unknown, probe:" "$OUT")" -eq 4 ]'
for s in "${SERVERS[@]}"; do
    pool_check "1: $s holds the update package (size, the SHA-256 its own hash command printed)" \
        'grep -q -F "dry run: $s holds the update package at $REMOTE/$s/$(basename "$PKG") (70000 bytes" "$OUT" &&
         grep "dry run: $s holds the update package" "$OUT" | grep -q -i "sha256 $SUM"'
done
for s in "${SERVERS[@]}"; do
    pool_check "1: $s's patch level, the highest of its components" \
        'grep -q -F "dry run: $s patch level: Skype for Business Server 2015, Front End Server 6.0.9319.102 (highest of 2 component(s))" "$OUT"'
done
pool_check "1: the summary calls the pool ready" 'grep -q "dry run complete: the pool is Ready" "$OUT"'
pool_check "1: the plan shows the real scripts (SfB: failover, restart, failback, the server's own name)" \
    'grep -q -F "Invoke-CsComputerFailOver -ComputerName '"'"'fe03.contoso.com'"'"'" "$OUT" &&
     grep -q -F "Invoke-CsComputerFailBack -ComputerName '"'"'fe03.contoso.com'"'"'" "$OUT" &&
     grep -q "Restart-Computer -Force" "$OUT" &&
     grep -q -F "\$tcp.Connect('"'"'fe03.contoso.com'"'"', 5061)" "$OUT"'
pool_check "1: the domain order of the plan is UpgradeDomain1 then UpgradeDomain2" \
    '[ "$(grep -o "would run on fe0[1-4].contoso.com (UpgradeDomain[12])" "$OUT" | grep -o "UpgradeDomain[12]" | uniq | tr "\n" " ")" = "UpgradeDomain1 UpgradeDomain2 " ]'
n=$(readiness_only)
pool_check "1: the servers ran readiness checks only ($n), one per check shown" \
    '[ "$n" -ge 1 ] && [ "$n" -eq "$(grep -c "] readiness fe0" "$OUT")" ]'
pool_check "1: no server changed (not drained, patched or restarted)" untouched
pool_check "1: no journal was written" '[ ! -e "$J" ]'
pool_check "1: no step was started" '! grep -q "step-start\|domain-start" "$OUT"'
pool_check "1: known_hosts unchanged" '[ "$(md5sum <"$POOL_ROOT/known_hosts")" = "$KH_SUM" ]'

# ---- 2. an unknown host key: shown, and refused ---------------------------------
h_log "2: dry run, unknown host keys refused"
reset_logs
KH2=$H_DIR/known_hosts_2
: >"$KH2"
INI2=$H_DIR/unknown.ini
POOL_KNOWN_HOSTS=$KH2 pool_ini "$INI2" custom:lync2013 pool01.contoso.com "$TIMING"
PROMPTS=0
on_unknown() {
    case $1 in
    *"] ? "*"unknown"*"key SHA256:"*) PROMPTS=$((PROMPTS + 1)); pool_say refuse ;;
    *"] ? "*) pool_say quit ;;
    esac
}
POOL_OUT=$H_DIR/unknown.out pool_drive 90 on_unknown -c "$INI2" --headless --dry-run
pool_check "2: the dry run shows the unknown key's SHA256 fingerprint" '[ $PROMPTS -ge 1 ]'
pool_check "2: nothing ran anywhere, known_hosts still empty" \
    '[ "$(readiness_only)" -eq 0 ] && [ ! -s "$KH2" ] && untouched'
pool_check "2: the readiness is reported Unknown, never Ready" \
    'grep -q "] readiness fe0.* Unknown" "$H_DIR/unknown.out" && ! grep -q "] readiness fe0.* Ready" "$H_DIR/unknown.out"'

# ---- 4. one server lacks the package ------------------------------------
# The installer missing on one server is found before the window, not when
# that server has been drained: a per-server line, exit not 0, nothing run.
h_log "4: dry run, fe02 lacks the update package"
reset_logs
rm -f "$REMOTE/fe02.contoso.com/$(basename "$PKG")"
timeout 120 "$POOLPILOT" -c "$INIP" --headless --dry-run </dev/null >"$H_DIR/missing.out" 2>&1
rc=$?
pool_check "4: exit not 0 (rc=$rc)" '[ $rc -ne 0 ]'
pool_check "4: fe02's line says the package is missing, and where" \
    'grep -q -F "dry run: fe02.contoso.com: the update package is missing: no file $REMOTE/fe02.contoso.com/" "$H_DIR/missing.out"'
pool_check "4: the others still hold it" \
    '[ "$(grep -c "dry run: fe0[134].contoso.com holds the update package" "$H_DIR/missing.out")" -eq 3 ]'
pool_check "4: the summary names the missing package" \
    'grep -q "problem(s):.*servers without the update package" "$H_DIR/missing.out"'
pool_check "4: nothing but read-only checks ran, no server changed" \
    '[ "$(readiness_only)" -ge 1 ] && untouched && [ ! -e "$REMOTE/fe02.contoso.com/$(basename "$PKG")" ]'

# ---- 5. one server's patch level cannot be read ------------------------
# An answer without a version is Unknown, never a guess, and is a problem
# of the dry run on its own.
h_log "5: dry run, Get-CsServerPatchVersion missing on fe03, unreadable on fe04"
reset_logs
cp "$PKG" "$REMOTE/fe02.contoso.com/"
: >"$(pool_dir fe03.contoso.com)/patch-missing"
: >"$(pool_dir fe04.contoso.com)/patch-unnamed"
timeout 120 "$POOLPILOT" -c "$INIP" --headless --dry-run </dev/null >"$H_DIR/patch.out" 2>&1
rc=$?
rm -f "$(pool_dir fe03.contoso.com)/patch-missing" "$(pool_dir fe04.contoso.com)/patch-unnamed"
pool_check "5: exit 1 (rc=$rc)" '[ $rc -eq 1 ]'
pool_check "5: fe03's patch level is Unknown, with the cmdlet's error" \
    'grep -q -F "dry run: fe03.contoso.com patch level: Unknown (Get-CsServerPatchVersion: failed The term '"'"'Get-CsServerPatchVersion'"'"' is not recognized" "$H_DIR/patch.out"'
pool_check "5: fe04's is Unknown: its answer has no version" \
    'grep -q -F "dry run: fe04.contoso.com patch level: Unknown (no version in the answer of Get-CsServerPatchVersion" "$H_DIR/patch.out"'
pool_check "5: the others' are read" \
    '[ "$(grep -c "dry run: fe0[12].contoso.com patch level: Skype for Business Server 2015, Front End Server 6.0.9319.102" "$H_DIR/patch.out")" -eq 2 ]'
pool_check "5: the summary: the unknown patch levels, nothing else" \
    'grep -q "dry run: 2 problem(s): servers whose patch level is unknown$" "$H_DIR/patch.out"'
pool_check "5: nothing but read-only checks ran, no server changed" '[ "$(readiness_only)" -ge 1 ] && untouched'

# ---- 6. the real run asks the server before each drain (issue 13) -------
# The journal says every server holds a verified copy (the `stage` records
# --stage writes), but fe02's copy was deleted, then replaced by other bytes,
# after staging: its drain fails with what the server answered and is never
# sent; fe01 (same domain), whose copy is intact, is drained.
INIR=$H_DIR/run.ini
pool_ini "$INIR" custom:lync2013 pool01.contoso.com '[timing]
settle = 1s
busy_retry = 1s
restart_timeout = 60s
drain_timeout = 60s
upgrade_timeout = 60s
verify_timeout = 60s
readiness_timeout = 30s
probe_timeout = 30s'"
[update]
package = $PKG
remote_path = $REMOTE/{server}/{file}
hash_command = (Get-FileHash -Algorithm SHA256 -LiteralPath {path}).Hash"
staged_journal() {   # staged_journal FILE: a `stage` ok record for every server
    local s i=0
    for s in "${SERVERS[@]}"; do
        i=$((i + 1))
        printf '{"seq":%d,"ts":"2026-12-01T10:00:0%dZ","operator":"op","event":"stage","server":"%s","result":"ok","detail":"sha256 %s"}\n' \
            "$i" "$i" "$s" "$SUM"
    done >"$1"
}
reset_state() { local s d; for s in "${SERVERS[@]}"; do d=$(pool_dir "$s"); rm -f "$d/log" "$d/patched" "$d/services" "$d/boots"; done; }
drains() { pool_log_count "$1" 'Stop-CsWindowsService'; }
fe02_drain() { jq -r 'select(.event=="step-end" and .server=="fe02.contoso.com" and .step=="drain") | .result + " " + (.detail // .reason // "")' "$1" | tail -n1; }
F2=$REMOTE/fe02.contoso.com/$(basename "$PKG")
for case in missing other; do
    h_log "6: the run, fe02's staged copy is $case on the server"
    reset_state
    if [ "$case" = missing ]; then rm -f "$F2"; else head -c 70000 /dev/zero >"$F2"; fi
    OTHER=$(sha256sum "$F2" 2>/dev/null | cut -d' ' -f1)
    JR=$H_DIR/run-$case.jsonl
    staged_journal "$JR"
    timeout 120 "$POOLPILOT" -c "$INIR" --headless --yes --journal "$JR" </dev/null >"$H_DIR/run-$case.out" 2>&1
    rc=$?
    pool_check "6 $case: the run stops (exit 1, rc=$rc)" '[ $rc -eq 1 ]'
    if [ "$case" = missing ]; then
        pool_check "6 $case: fe02's drain failed: the server has no file there" \
            '[ "$(fe02_drain "$JR")" = "failed fe02.contoso.com: not drained: the update package is missing on the server: no file $F2: run poolpilot --stage, then retry" ]'
    else
        pool_check "6 $case: fe02's drain failed: the server holds another file" \
            '[ "$(fe02_drain "$JR")" = "failed fe02.contoso.com: not drained: $F2 on the server is another file: sha256 $OTHER, not $SUM: run poolpilot --stage, then retry" ]'
    fi
    pool_check "6 $case: the server was asked (the package check ran on fe02)" \
        '[ "$(pool_log_count fe02.contoso.com "Test-Path -LiteralPath \\\$pp_pkg")" -ge 1 ]'
    pool_check "6 $case: fe02 was never drained, nothing changed it" \
        '[ "$(drains fe02.contoso.com)" -eq 0 ] && [ ! -e "$(pool_dir fe02.contoso.com)/services" ] && [ ! -e "$(pool_dir fe02.contoso.com)/patched" ]'
    pool_check "6 $case: fe01, whose copy is intact, was drained" \
        '[ "$(drains fe01.contoso.com)" -ge 1 ] && jq -s -e "[.[] | select(.event==\"step-end\" and .server==\"fe01.contoso.com\" and .step==\"drain\" and .result==\"ok\")] | length == 1" "$JR" >/dev/null'
    pool_check "6 $case: the output says why" 'grep -q "fe02.contoso.com: not drained: " "$H_DIR/run-$case.out"'
done
cp "$PKG" "$F2"
reset_state

# ---- 3. a changed host key on a server the readiness check does not use -----
# A dry run is the pre-flight check before a maintenance window: "connects,
# checks host keys" must cover every server of the pool, not only the one
# the readiness check happened to run on, or a changed key is found only
# when that server's drain fails in the middle of the upgrade.
h_log "3: dry run, fe04's host key changed"
reset_logs
D4=$(pool_dir fe04.contoso.com)
sshd_newkey "$D4" && sshd_restart "$D4" || h_fail "cannot give fe04 a new key"
disown "$(cat "$D4/listener.pid")" 2>/dev/null
timeout 120 "$POOLPILOT" -c "$INI" --headless --dry-run </dev/null >"$H_DIR/changed.out" 2>&1
rc=$?
pool_check "3: nothing but readiness ran, nothing ran on fe04" \
    '[ "$(readiness_only)" -ge 1 ] && [ ! -s "$D4/log" ] && untouched'
pool_check "3: the dry run reports fe04's changed host key (known_hosts:4)" \
    'grep -i "fe04.contoso.com.*host key has changed" "$H_DIR/changed.out" | grep -q -F "$POOL_ROOT/known_hosts:4"'
pool_check "3: and does not call the pool ready to go (exit not 0, rc=$rc)" '[ $rc -ne 0 ]'
pool_check "3: Lync Server 2013 has no patch-level cmdlet: said, not tried" \
    'grep -q "dry run: patch levels not read (the profile has no patch-level command)" "$H_DIR/changed.out" &&
     ! grep -q "patch level: Unknown" "$H_DIR/changed.out"'

if [ $POOL_FAILS -gt 0 ]; then
    for f in dry unknown changed missing patch run-missing run-other; do echo "--- $f.out"; grep -v "^      " "$H_DIR/$f.out" | tail -n 20; done
fi
pool_done ssh_dryrun
