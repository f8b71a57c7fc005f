# The readiness answer as it arrives over SSH, through the real binary:
# the fake Front End answers Get-CsPoolUpgradeReadinessState in JSON, in
# Format-List text (CRLF), truncated with "..." ($FormatEnumerationLimit),
# and with CP950 (Big5) bytes in a warning line or in the names.  Ready
# only for the answers that can be read; truncated or unreadable names are
# Unknown, and no domain ever starts on Unknown.  Remote text reaching the
# console and the journal is valid UTF-8 without escape sequences.
# shellcheck disable=SC2034,SC2016  # variables are read in pool_check's eval'ed strings
set -u
: "${PP_SOURCE_DIR:?}"
source "$PP_SOURCE_DIR/tests/e2e/lib/harness.sh"
source "$PP_SOURCE_DIR/tests/e2e/lib/pool.sh"
h_init ssh_readiness
pool_start 4   # pool.txt: each case below writes its own
INI=$H_DIR/pool.ini
pool_ini "$INI" custom:lync2013 pool01.contoso.com '[timing]
busy_retry = 1s
busy_strikes = 3
readiness_timeout = 30s'
export POOLPILOT_VERBOSE=1      # every output line of the servers on stdout too

BIG5_TEXT=$(printf '\xa5\xbb\xbe\xf7\xa4\xa3\xa4\xe4\xb4\xa9')        # CP950 bytes, not UTF-8
ESC_TEXT=$(printf '\033[2J\033]0;owned\007')                        # clear screen, set title

READINESS_CMD="powershell -NoProfile -NonInteractive -EncodedCommand $(
    printf 'Get-CsPoolUpgradeReadinessState' | iconv -f UTF-8 -t UTF-16LE | base64 -w0)"

utf8_clean() {     # valid UTF-8, no ESC / BEL bytes
    iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 && ! grep -q -P '[\x07\x1b]' "$1"
}

# run_case NAME EXPECT [POOL.TXT LINES...]: one run, stdin closed (so it
# stops at the first question), then the checks for EXPECT (Ready|Unknown)
run_case() {
    local name=$1 expect=$2 s total=0
    shift 2
    local extra
    extra=$(printf '%s\n' "$@")
    if [[ $'\n'$extra == *$'\n'"domain "* ]]; then
        # the case gives its own domain lines
        printf 'pool pool01.contoso.com\nstate auto\n%s\n' "$extra" >"$POOL_ROOT/pool.txt"
    else
        pool_txt pool01.contoso.com "$extra"
    fi
    # what the fake answers, asked by hand (proves the case is what it says)
    "$POOL_FAKE" "$(pool_dir fe01.contoso.com)" "$READINESS_CMD" >"$H_DIR/$name.answer" 2>&1
    for s in "${SERVERS[@]}"; do rm -f "$(pool_dir "$s")/log"; done
    local J=$H_DIR/$name.jsonl OUT=$H_DIR/$name.out
    timeout 120 "$POOLPILOT" -c "$INI" --headless --journal "$J" </dev/null >"$OUT" 2>&1
    local rc=$?
    pool_check "$name: stops at the first question with input ended (exit 1, rc=$rc)" '[ $rc -eq 1 ]'
    if [ "$expect" = Ready ]; then
        pool_check "$name: read as Ready" \
            '[ "$(jq -s -r "[.[] | select(.event==\"readiness\")][0].state" "$J")" = Ready ]'
        pool_check "$name: the operator was asked to start a domain" 'grep -q "] ? Start UpgradeDomain" "$OUT"'
    else
        pool_check "$name: every check read as Unknown, never Ready" \
            '[ "$(pool_events "$J" ".event==\"readiness\"")" -ge 1 ] &&
             [ "$(pool_events "$J" ".event==\"readiness\" and .state!=\"Unknown\"")" -eq 0 ]'
        pool_check "$name: no question to start a domain" '! grep -q "] ? Start UpgradeDomain" "$OUT"'
    fi
    pool_check "$name: no domain started, no step" \
        '[ "$(pool_events "$J" ".event==\"domain-start\" or .event==\"step-start\"")" -eq 0 ]'
    # ... and, once Ready, the read-only topology read before the first
    # domain (issue 11 item 14): its own `topology` record
    for s in "${SERVERS[@]}"; do
        total=$((total + $(pool_log_count "$s" .)))
        [ "$(pool_log_count "$s" .)" -eq "$(pool_log_count "$s" 'Get-CsPoolUpgradeReadinessState|Get-CsComputer')" ] ||
            total=-1000
    done
    pool_check "$name: the servers ran only readiness checks and topology reads, one per journal record" \
        '[ $total -eq "$(pool_events "$J" ".event==\"readiness\" or .event==\"topology\"")" ]'
    if [ "$expect" = Ready ]; then
        pool_check "$name: the pool's topology order matched [servers]" \
            '[ "$(pool_events "$J" ".event==\"topology\" and .state==\"match\"")" -eq 1 ]'
    fi
    pool_check "$name: console output and journal are clean UTF-8 (no ESC)" 'utf8_clean "$OUT" && utf8_clean "$J"'
}

h_log "JSON"
run_case json Ready
h_log "Format-List"
run_case list Ready "format list"
pool_check "list: the fake answered in CRLF Format-List text" \
    'grep -q "^PoolUpgradeState *: Ready.$" "$H_DIR/list.answer"'
h_log "Format-List, truncated"
run_case truncated Unknown "format list" "enumlimit 1"
pool_check "truncated: the fake's answer had '...' in it" \
    'grep -q "FrontEnds *: {fe01.contoso.com\.\.\.}" "$H_DIR/truncated.answer"'
pool_check "truncated: the journal says why (truncated)" \
    'jq -s -e "[.[] | select(.event==\"readiness\")][0].detail | test(\"trunc\"; \"i\")" "$H_DIR/truncated.jsonl" >/dev/null'
h_log "JSON after a CP950 warning"
run_case cp950-warning Ready "warning $BIG5_TEXT $ESC_TEXT"
pool_check "cp950-warning: the fake's answer holds the raw CP950 and ESC bytes" \
    'grep -q -F "$BIG5_TEXT" "$H_DIR/cp950-warning.answer" && grep -q -P "\x1b" "$H_DIR/cp950-warning.answer"'
# Headless verbose mode prints every line a server sends (headless.c, PP_N_OUTPUT).
# Over SSH a whole answer arrives in one chunk, and the runner notifies
# only the chunk's last complete line (backend/runner_cmd.c sink_emit uses
# outbuf_last), here the result marker, which it hides: no line is shown.
# (the check runs on fe03: the first Front End outside UpgradeDomain1, the
# domain about to start)
pool_check "cp950-warning: verbose mode shows the warning line, cleaned (U+FFFD, no ESC)" \
    'grep "fe03.contoso.com| WARNING: " "$H_DIR/cp950-warning.out" | grep -q "�"'
h_log "Format-List after a CP950 warning"
run_case cp950-warning-list Ready "format list" "warning $BIG5_TEXT"
# the same pool, with one name in CP950 bytes
D1="domain UpgradeDomain1 fe01.contoso.com fe02.contoso.com"
h_log "CP950 domain name"
run_case cp950-domain Unknown "$D1" "domain UpgradeDomain$BIG5_TEXT fe03.contoso.com fe04.contoso.com"
h_log "CP950 Front End name"
run_case cp950-server Unknown "$D1" "domain UpgradeDomain2 fe03.contoso.com fe$BIG5_TEXT.contoso.com"
h_log "CP950 domain name in Format-List text"
run_case cp950-domain-list Unknown "format list" "$D1" \
    "domain UpgradeDomain$BIG5_TEXT fe03.contoso.com fe04.contoso.com"

# The pool's topology order (issue 11 item 14): Get-CsComputer -Pool, read
# once the pool is Ready, before the first domain, and compared with
# [servers].  Another order stops the run; a list it cannot read is asked.
topo_case() {   # NAME POOL.TXT-LINE
    local name=$1 J=$H_DIR/$1.jsonl OUT=$H_DIR/$1.out
    pool_txt pool01.contoso.com "$2"
    timeout 120 "$POOLPILOT" -c "$INI" --headless --journal "$J" </dev/null >"$OUT" 2>&1
    rc=$?
    pool_check "$name: exit 1 (rc=$rc)" '[ $rc -eq 1 ]'
    pool_check "$name: no domain started, no step" \
        '[ "$(pool_events "$J" ".event==\"domain-start\" or .event==\"step-start\"")" -eq 0 ]'
    pool_check "$name: no question to start a domain" '! grep -q "] ? Start UpgradeDomain" "$OUT"'
    pool_check "$name: the topology was read once, with Get-CsComputer -Pool" \
        '[ "$(pool_events "$J" ".event==\"topology\"")" -eq 1 ] &&
         grep -q -i "Get-CsComputer -Pool .pool01.contoso.com." "$(pool_dir fe03.contoso.com)/log"'
}
h_log "topology: the pool lists fe02 before fe01"
topo_case topo-order "topology fe02.contoso.com fe01.contoso.com fe03.contoso.com fe04.contoso.com"
pool_check "topo-order: journaled as differs, with the first difference" \
    '[ "$(pool_events "$H_DIR/topo-order.jsonl" ".event==\"topology\" and .state==\"differs\" and
        (.reason | test(\"server 1 in topology order is fe02.contoso.com\"))")" -eq 1 ]'
pool_check "topo-order: the run stopped, saying so" \
    '[ "$(pool_events "$H_DIR/topo-order.jsonl" ".event==\"stop\" and (.reason | test(\"topology order differs\"))")" -eq 1 ] &&
     grep -q "differs from \[servers\]" "$H_DIR/topo-order.out"'
h_log "topology: computers without the names the template reads"
topo_case topo-unnamed "topology-unnamed"
pool_check "topo-unnamed: Unknown, with the evidence, asked" \
    '[ "$(pool_events "$H_DIR/topo-unnamed.jsonl" ".event==\"topology\" and .state==\"unknown\"")" -eq 1 ] &&
     grep -q "Topology order of pool01.contoso.com unknown" "$H_DIR/topo-unnamed.out" &&
     grep -q "not a host name" "$H_DIR/topo-unnamed.out"'

if [ $POOL_FAILS -gt 0 ]; then
    for f in "$H_DIR"/*.out; do echo "--- $f"; grep -v "| " "$f" | tail -n 12; done
fi
pool_done ssh_readiness
