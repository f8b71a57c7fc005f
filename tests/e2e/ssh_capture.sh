# --capture DIR through the real binary against a fake Front End: every
# capture command runs on the first server only, nothing that changes a
# server is sent, and each command's raw stdout, stderr and result land in
# DIR (stderr undecoded: the CLIXML of the unmerged-streams probe is kept
# as it came, since seeing it is the point).
# shellcheck disable=SC2034,SC2016  # variables are read in pool_check's eval'ed strings
set -u
: "${PP_SOURCE_DIR:?}"
source "$PP_SOURCE_DIR/tests/e2e/lib/harness.sh"
source "$PP_SOURCE_DIR/tests/e2e/lib/pool.sh"
h_init ssh_capture
pool_start 2
INI=$H_DIR/pool.ini
pool_ini "$INI" sfb2019 pool01.contoso.com '[timing]
probe_timeout = 30s'
CAP=$H_DIR/capture
timeout 120 "$POOLPILOT" -c "$INI" --capture "$CAP" </dev/null >"$H_DIR/out" 2>&1
rc=$?
F1=$(pool_dir "${SERVERS[0]}")
F2=$(pool_dir "${SERVERS[1]}")
pool_check "the capture exits 0 (rc=$rc)" '[ $rc -eq 0 ]'
pool_check "capture.txt names the pool, profile and server" \
    'grep -q "pool pool01.contoso.com" "$CAP/capture.txt" && grep -q "profile sfb2019" "$CAP/capture.txt" &&
     grep -q "server ${SERVERS[0]}" "$CAP/capture.txt"'
pool_check "every command left its four files" \
    '[ "$(ls "$CAP"/*.result | wc -l)" -ge 10 ] &&
     for r in "$CAP"/*.result; do b=${r%.result}; [ -f "$b.command.txt" ] && [ -f "$b.stdout" ] && [ -f "$b.stderr" ] || exit 1; done'
pool_check "the readiness command as poolpilot sends it answered, raw, with its marker" \
    'grep -q "\"PoolUpgradeState\"" "$CAP"/*-readiness-as-sent.stdout &&
     grep -q "^@@POOLPILOT-RESULT@@ ok" "$CAP"/*-readiness-as-sent.stdout &&
     grep -q "^result ok" "$CAP"/*-readiness-as-sent.result'
pool_check "the unmerged streams probe kept its CLIXML as received" \
    'grep -q "^#< CLIXML" "$CAP"/*-streams-unmerged.stderr && grep -q "<S S=\"verbose\">a verbose record" "$CAP"/*-streams-unmerged.stderr'
pool_check "everything ran on the first server, nothing on the second" \
    '[ "$(grep -c . "$F1/log")" -eq "$(ls "$CAP"/*.result | wc -l)" ] && [ ! -s "$F2/log" ]'
pool_check "nothing that changes a server was sent" \
    '! grep -q -E "Stop-CsWindowsService|Start-CsWindowsService|Restart-Computer|UpdateInstaller|Invoke-Cs|Stop-Process|Set-Content" "$F1/log"'
pool_check "services untouched" '[ ! -f "$F1/services" ] || [ "$(cat "$F1/services")" = Running ]'
if [ $POOL_FAILS -gt 0 ]; then
    cat "$H_DIR/out"
    ls -la "$CAP"
fi
pool_done ssh_capture
