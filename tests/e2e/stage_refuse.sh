# The run refuses to drain a server that holds no verified copy of the
# update package, before anything is sent to it (issue 13), and --dry-run
# lists which servers are staged.  On the simulated pool: the journal's
# check is the runner's, the same for every transport (the simulator has no
# files, so the server itself is asked only on a real pool: ssh_dryrun.sh
# case 6 and tests/unit/test_runner_precheck.c).  The journal is seeded with the
# `stage` records poolpilot --stage writes (tests/e2e/stage_sftp.sh makes
# them against real sshds).
set -u
. "$(dirname "$0")/lib/checks.sh"

PKG=$T/LyncServerUpdateInstaller.exe
printf 'the update package' >"$PKG"
SUM=$(sha256sum "$PKG" | cut -d' ' -f1)
SC=$T/staged.ini
{ cat "$PP_SOURCE_DIR/config/scenarios/happy.ini"
  printf '\n[update]\npackage = %s\n' "$PKG"; } >"$SC"
J=$T/staged.jsonl
rec() {   # rec SEQ SERVER RESULT SHA
    printf '{"seq":%d,"ts":"2026-12-01T10:00:0%dZ","operator":"op","event":"stage","server":"%s","result":"%s","detail":"sha256 %s"}\n' \
        "$1" "$1" "$2" "$3" "$4"
}
{ rec 1 fe01.contoso.com ok "$SUM"
  rec 2 fe02.contoso.com ok "$(printf '0%.0s' {1..64})"    # an older package
  rec 3 fe03.contoso.com failed ""
} >"$J"

# 1. dry run: which servers hold the package
"$POOLPILOT" --training="$SC" --time-scale=max --headless --dry-run --journal "$J" </dev/null \
    >"$T/dry.out" 2>&1
check "dry run lists fe01 as staged" "grep -q 'staged: fe01.contoso.com holds the update package' '$T/dry.out'"
check "dry run lists fe02 as holding another package" \
    "grep -q 'not staged: fe02.contoso.com: not drained: its staged copy .* is not this package' '$T/dry.out'"
check "dry run lists fe03..fe08 as not staged" \
    "[ \$(grep -c 'not staged: fe0[3-8].contoso.com: not drained: the update package is not staged' '$T/dry.out') -eq 6 ]"
check "dry run counts 1 of 8" "grep -q 'staged: 1 of 8 servers hold the update package' '$T/dry.out'"

# 2. the run: fe01 is drained, fe02's drain is refused before it is sent
"$POOLPILOT" --training="$SC" --time-scale=max --headless --yes --journal "$J" </dev/null \
    >"$T/run.out" 2>&1
check "the run stops (exit 1)" "[ $? -eq 1 ]"
check "the run says at its start how many servers hold the package" \
    "grep -q 'staged: 1 of 8 servers hold the update package' '$T/run.out'"
check "fe01 was drained" \
    "jq -s -e '[.[] | select(.event==\"step-end\" and .server==\"fe01.contoso.com\" and .step==\"drain\" and .result==\"ok\")] | length == 1' '$J' >/dev/null"
check "fe02's drain failed with the staging reason" \
    "jq -s -e '[.[] | select(.event==\"step-end\" and .server==\"fe02.contoso.com\" and .step==\"drain\" and .result==\"failed\")] | .[0].detail // .[0].reason | test(\"not drained: its staged copy\")' '$J' >/dev/null"
check "fe02 was never upgraded" \
    "! jq -e 'select(.server==\"fe02.contoso.com\" and .step==\"upgrade\")' '$J' >/dev/null"

# 3. without [update] package nothing is checked (the happy run drains fe02)
"$POOLPILOT" --training=happy --time-scale=max --headless --yes --journal "$T/plain.jsonl" \
    </dev/null >"$T/plain.out" 2>&1
check "no package: the run completes" "[ $? -eq 0 ]"
checks_end stage_refuse
