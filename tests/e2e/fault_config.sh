#!/bin/bash
# Hostile configuration: every value that can reach a command line (or a
# shell through ssh_config's ProxyCommand %h / %r expansion) is attacked with
# shell metacharacters, option-looking values, continuation lines, NUL
# bytes, 1 MB lines and absurd numbers.  Each must be refused by
# `poolpilot --check-config -c FILE` with exit 2 and a message that starts
# with FILE:LINE for the offending line; and nothing may run (every payload
# tries to create a marker file).
# Values that are legitimate (a Windows DOMAIN\user, user@domain, dots and
# dashes in names) must still be accepted, so a fix cannot over-refuse.
#
# Why [ssh] user is here: libssh 0.10 runs ssh_config's ProxyCommand as
# `$SHELL -c "exec <command>"` with %r replaced by the user name verbatim, so
# with the common jump-host line `ProxyCommand ssh -l %r -W %h:%p jump` a
# user name like x$(touch /tmp/p) runs a local command (checked by hand with
# libssh 0.10.6; see docs/HARDENING.md).  Host names are DNS-checked; the
# user name must be checked as strictly.
set -u
. "$(dirname "$0")/lib/harness.sh"
h_init config

PWN=$H_DIR/pwned
CFG=$H_DIR/pool.ini
BASE=(
    "[pool]"                                  # 1
    "fqdn = pool01.contoso.com"               # 2
    "profile = lync2013"                      # 3
    "backup_pool = pool02.contoso.com"        # 4
    "failover_on = fe01.pool02.contoso.com"   # 5
    "parallel = 0"                            # 6
    "[servers]"                               # 7
    "fe01.contoso.com = UpgradeDomain1"       # 8
    "fe02.contoso.com = UpgradeDomain2"       # 9
    "[ssh]"                                   # 10
    "user = jdoe"                             # 11
    "port = 22"                               # 12
    "[timing]"                                # 13
    "busy_retry = 10m"                        # 14
    "busy_strikes = 3"                        # 15
    "settle = 20m"                            # 16
    "drain_timeout = 60m"                     # 17
    "[keys]"                                  # 18
    "quit = q"                                # 19
)
CASES=0
FAILED=0
REPORT=$H_DIR/report
: >"$REPORT"

# mkcfg LINE TEXT: the base config with line LINE replaced by TEXT, where
# <NUL> becomes a NUL byte and <1MB> a megabyte of 'a'.
mkcfg() {
    local n=$1 text=$2 i
    {
        for ((i = 1; i <= ${#BASE[@]}; i++)); do
            if [ "$i" = "$n" ]; then printf '%s\n' "$text"; else printf '%s\n' "${BASE[i - 1]}"; fi
        done
    } | sed 's/<NUL>/\x00/g' >"$CFG.tmp"
    if grep -q '<1MB>' "$CFG.tmp"; then
        # one marker per case: everything before it, a megabyte, the rest
        local at
        at=$(grep -b -o '<1MB>' "$CFG.tmp" | head -1 | cut -d: -f1)
        { head -c "$at" "$CFG.tmp"
          head -c 1048576 /dev/zero | tr '\0' a
          tail -c +$((at + 6)) "$CFG.tmp"; } >"$CFG"
        rm -f "$CFG.tmp"
    else
        mv "$CFG.tmp" "$CFG"
    fi
}

# refuse LINE-EXPECTED LINE-TO-REPLACE TEXT: must exit 2 naming FILE:LINE
refuse() {
    local want=$1 n=$2 text=$3 rc
    mkcfg "$n" "$text"
    CASES=$((CASES + 1))
    "$POOLPILOT" --check-config -c "$CFG" >"$H_DIR/out" 2>&1 </dev/null
    rc=$?
    if [ $rc != 2 ]; then
        FAILED=$((FAILED + 1))
        printf 'ACCEPTED (exit %s): line %s = %q\n' "$rc" "$n" "${text:0:80}" >>"$REPORT"
    elif ! grep -q "^$CFG:$want: " "$H_DIR/out"; then
        FAILED=$((FAILED + 1))
        printf 'refused without %s:%s: line %s = %q: %s\n' "pool.ini" "$want" "$n" "${text:0:80}" \
            "$(head -2 "$H_DIR/out" | cut -c1-160 | tr '\n' '|')" >>"$REPORT"
    fi
}

accept() {   # LINE TEXT: a legitimate value that must pass
    local n=$1 text=$2 rc
    mkcfg "$n" "$text"
    CASES=$((CASES + 1))
    "$POOLPILOT" --check-config -c "$CFG" >"$H_DIR/out" 2>&1 </dev/null
    rc=$?
    if [ $rc != 0 ]; then
        FAILED=$((FAILED + 1))
        printf 'REFUSED a legitimate value (exit %s): line %s = %q: %s\n' "$rc" "$n" "$text" \
            "$(head -1 "$H_DIR/out" | cut -c1-160)" >>"$REPORT"
    fi
}

# the base itself is good: every refusal below is the payload's doing
accept 1 "[pool]"

# ---- shell metacharacters and option lookalikes in every name ----
payloads=(
    ";touch $PWN"
    "\$(touch $PWN)"
    "\`touch $PWN\`"
    "'\$(touch $PWN)'"
    "\"\$(touch $PWN)\""
    "&touch $PWN"
    "|touch $PWN"
    "&&touch $PWN"
    ">$PWN"
    "<$PWN"
    "\${IFS}x"
    "*"
    "%r"
    " x"
)
for p in "${payloads[@]}"; do
    refuse 2 2 "fqdn = pool01$p.contoso.com"
    refuse 4 4 "backup_pool = pool02.contoso.com$p"
    refuse 5 5 "failover_on = fe01$p.pool02.contoso.com"
    refuse 8 8 "fe01.contoso.com$p = UpgradeDomain1"
    refuse 8 8 "fe01.contoso.com = UpgradeDomain1$p"
    refuse 11 11 "user = jdoe$p"
done
for v in "-oProxyCommand=touch$PWN" "-x" "--help"; do
    refuse 2 2 "fqdn = $v"
    refuse 5 5 "failover_on = $v"
    refuse 8 8 "$v = UpgradeDomain1"
    refuse 8 8 "fe01.contoso.com = $v"
    refuse 11 11 "user = $v"
done

# ---- a second line glued on by indentation (INI continuation) ----
for n in 2 4 5 8 11; do
    refuse $((n + 1)) "$n" "${BASE[n - 1]}
    \$(touch $PWN)"
done

# ---- NUL bytes: the rest of the line must not silently vanish ----
refuse 2 2 "fqdn = pool01.contoso.com<NUL>;touch $PWN"
refuse 8 8 "fe01.contoso.com<NUL>\$(touch $PWN) = UpgradeDomain1"
refuse 8 8 "fe01.contoso.com = UpgradeDomain1<NUL>|touch $PWN"
refuse 11 11 "user = jdoe<NUL>\$(touch $PWN)"
refuse 19 19 "quit = q<NUL>x"

# ---- 1 MB lines ----
refuse 2 2 "fqdn = <1MB>"
refuse 8 8 "<1MB> = UpgradeDomain1"
refuse 8 8 "fe01.contoso.com = <1MB>"
refuse 11 11 "user = <1MB>"
refuse 19 19 "quit = <1MB>"
refuse 19 19 ";<1MB>"
refuse 19 19 "[<1MB>]"

# ---- absurd numbers ----
for v in 0 -1 65536 99999999999999999999 0x16 1e3 22abc; do refuse 12 12 "port = $v"; done
for v in -1 4097 2147483648 99999999999999999999 1.5; do refuse 6 6 "parallel = $v"; done
for v in 0 -3 4294967299 1e2; do refuse 15 15 "busy_strikes = $v"; done
for v in 10 -5m 0x10m 1e9m 10m10m 1h-30m NaN 99999999999999h 9223372036854775807ms \
         9223372036854775808ms 153722867280912m 2562047788015h 18446744073709551616s; do
    refuse 16 16 "settle = $v"
done
refuse 14 14 "busy_retry = 0ms"
refuse 17 17 "drain_timeout = 0s"

# ---- key bindings ----
for v in "\$(touch $PWN)" "C-" "F13" "q q q q q q q q q" "C-C-c"; do refuse 19 19 "quit = $v"; done

# ---- legitimate values stay legitimate ----
accept 11 "user = CONTOSO\\jdoe"
accept 11 "user = jdoe@contoso.com"
accept 11 "user = svc-upgrade.lync_01"
accept 2 "fqdn = lyncpool-01.corp.contoso.com"
accept 8 "fe-01.contoso.com = Upgrade_Domain-1.a"
accept 16 "settle = 1h30m"
accept 12 "port = 2222"

# ---- Microsoft's timings are minimums for a Lync / SfB pool (issue 14 class 9) ----
refuse 16 16 "settle = 0s"
refuse 16 16 "settle = 19m59s"
refuse 14 14 "busy_retry = 1s"
refuse 15 15 "busy_strikes = 100"
refuse 15 15 "busy_strikes = 2"
accept 14 "busy_retry = 15m"
# the message names the minimum and where it comes from
mkcfg 16 "settle = 0s"
"$POOLPILOT" --check-config -c "$CFG" >"$H_DIR/out" 2>&1 </dev/null
CASES=$((CASES + 1))
if ! grep -q -F "$CFG:16: settle = 0s: a lync2013 pool waits at least 20m after each domain (Microsoft's upgrade guidance: 20 minutes once the pool is Ready again); only profile = custom may choose less" "$H_DIR/out"; then
    FAILED=$((FAILED + 1))
    printf 'settle = 0s: the message does not name the minimum and its source: %s\n' \
        "$(head -1 "$H_DIR/out" | cut -c1-200)" >>"$REPORT"
fi
# a lab pool (profile = custom with the lync2013 commands) chooses its own
LYNC_BASE=("${BASE[@]}")
BASE[2]="profile = custom"
BASE[5]="commands_from = lync2013"
accept 16 "settle = 0s"
accept 14 "busy_retry = 1s"
accept 15 "busy_strikes = 100"
BASE=("${LYNC_BASE[@]}")

[ -e "$PWN" ] && h_fail "a payload ran: $PWN exists"
h_log "$CASES hostile and legitimate configs checked, $FAILED wrong"
if [ "$FAILED" -gt 0 ]; then
    sed 's/^/  /' "$REPORT" >&2
    h_fail "$FAILED of $CASES config cases were handled wrongly (above)"
fi
echo "PASS: $CASES config cases (refused with FILE:LINE, legitimate ones accepted, nothing ran)"
