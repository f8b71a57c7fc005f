#!/bin/bash
# Static checks over config/ backend/ tui/: cppcheck and the clang static
# analyzer, every finding a failure unless it is in the suppression lists
# below, each of which says why it is a false positive.
#
# cppcheck 2.10: --enable=warning,performance,portability (errors are always
#   on).  "style" is not enabled: its findings here were taste
#   (variableScope, 29 of them) and value-flow guesses on defensive checks
#   (knownConditionTrueFalse on bounds that cppcheck assumes), not defects.
# clang --analyze (clang 14), one file at a time, two at a time, with
#   -analyzer-max-loop 2 (default 4): the same findings on this code base at
#   about a third of the time.  PP_ANALYZE_FULL=1 uses the defaults.
# Budget: about two minutes on two cores.
set -u
. "$(dirname "$0")/lib/harness.sh"
h_init nobin:static

SRC=${PP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$SRC" || h_fail "no source dir $SRC"
T0=$SECONDS
failed=0
FILES=$(find config backend tui -name "*.c" | sort)

# ---------------- cppcheck ----------------
# Suppressions, one per line as cppcheck --suppressions-list takes them
# (id:file[:line]), each with the reason above it.  None are needed today.
cat >"$H_DIR/cppcheck.supp" <<'EOF'
EOF
if ! command -v cppcheck >/dev/null; then
    h_fail "cppcheck is not installed (Debian: apt-get install cppcheck)"
fi
cppcheck -q --std=c11 --enable=warning,performance,portability -D_GNU_SOURCE \
    -DPP_VERSION='"dev"' -I. --inline-suppr --suppressions-list="$H_DIR/cppcheck.supp" \
    --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
    --error-exitcode=1 -j2 config backend tui >"$H_DIR/cppcheck.out" 2>&1
rc=$?
if [ $rc != 0 ] || grep -q ': \(error\|warning\|performance\|portability\):' "$H_DIR/cppcheck.out"; then
    failed=$((failed + 1))
    echo "---- cppcheck (exit $rc) ----" >&2
    grep -E '^[^ ]+:[0-9]+:[0-9]+: ' "$H_DIR/cppcheck.out" >&2 || cat "$H_DIR/cppcheck.out" >&2
fi
CPP_S=$((SECONDS - T0))
h_log "cppcheck: $(grep -cE '^[^ ]+:[0-9]+:[0-9]+: ' "$H_DIR/cppcheck.out") finding(s), ${CPP_S} s"

# ---------------- clang static analyzer ----------------
command -v clang >/dev/null || h_fail "clang is not installed (Debian: apt-get install clang)"
# Accepted findings: FILE|CHECKER|text of the flagged source line|why.
# Matched on the line's text, not its number, so edits elsewhere keep them
# precise; a change to the flagged line itself brings the finding back.
SUPP=$(cat <<'EOF'
backend/engine/engine_operator.c|core.NullDereference|x->state = PP_SRV_MARKED_DONE;|The analyzer forgets across the calls before the loop that m->servers is non-NULL: model_init() allocates it and a domain's members are indices into it.
backend/pool/model.c|core.NullDereference|if (!dn[0])|After build_index(m) the analyzer assumes the const cfg->servers may have become NULL, though the loop just above read it for the same cfg->nservers.
tui/main.c|core.NonNullParamChecker|if (!strcasecmp(s, "max")) {|parse_scale() is only called for --time-scale, a required_argument: getopt_long never leaves optarg NULL there; the analyzer carries an "optarg is NULL" guess over from --training's optional argument in an earlier loop turn.
tui/headless/headless.c|core.NonNullParamChecker|strcasecmp(v, "max")|A NULL v makes sc -1, and "sc < 0" short-circuits before strcasecmp(v, ...); the analyzer does not tie sc to v.
EOF
)
FLAGS=(-std=c11 -D_GNU_SOURCE '-DPP_VERSION="dev"' -I"$SRC")
read -r -a PKG <<<"$(pkg-config --cflags ncursesw libssh inih 2>/dev/null)"
ANALYZER=(-Xanalyzer -analyzer-output=text)
[ -n "${PP_ANALYZE_FULL:-}" ] || ANALYZER+=(-Xanalyzer -analyzer-max-loop -Xanalyzer 2)
mkdir -p "$H_DIR/an"
export H_DIR
analyze_one() {   # file: writes $H_DIR/an/<file>.txt
    local f=$1
    clang --analyze "${PKG[@]}" "${FLAGS[@]}" "${ANALYZER[@]}" -o /dev/null "$f" \
        >"$H_DIR/an/${f//\//_}.txt" 2>&1
}
# shellcheck disable=SC2086  # one word per file
h_each2 analyze_one $FILES
cat "$H_DIR"/an/*.txt >"$H_DIR/analyzer.out"
total=0
accepted=0
while IFS= read -r w; do
    total=$((total + 1))
    file=${w%%:*}
    rest=${w#*:}
    line=${rest%%:*}
    checker=$(sed -n 's/.*\[\([a-zA-Z.]*\)\]$/\1/p' <<<"$w")
    text=$(sed -n "${line}p" "$file" 2>/dev/null)
    ok=
    while IFS='|' read -r sf sc stext sreason; do
        [ -n "$sf" ] || continue
        if [ "$sf" = "$file" ] && [ "$sc" = "$checker" ] && [[ "$text" == *"$stext"* ]]; then
            ok=1
            break
        fi
    done <<<"$SUPP"
    if [ -n "$ok" ]; then
        accepted=$((accepted + 1))
    else
        [ $((total - accepted)) = 1 ] && echo "---- clang static analyzer ----" >&2
        echo "$w" >&2
        # the path that leads there, for the reader
        awk -v w="$w" '$0 == w {p = 1; next} p && /note:/ {print "    " $0; n++} p && / warning: / {exit} n >= 8 {exit}' \
            "$H_DIR/analyzer.out" >&2
    fi
done < <(grep -E '^[^ ]+:[0-9]+:[0-9]+: warning: ' "$H_DIR/analyzer.out" | sort -u)
# a compile error makes the analyzer silent about a file: that fails too
if grep -qE '^[^ ]+:[0-9]+:[0-9]+: (fatal )?error: ' "$H_DIR/analyzer.out"; then
    echo "---- clang could not analyze ----" >&2
    grep -E '^[^ ]+:[0-9]+:[0-9]+: (fatal )?error: ' "$H_DIR/analyzer.out" | head -10 >&2
    total=$((total + 1))
fi
[ $((total - accepted)) -gt 0 ] && failed=$((failed + 1))
h_log "clang analyzer: $(wc -w <<<"$FILES") files, $total finding(s), $accepted accepted as false positives, $((SECONDS - T0 - CPP_S)) s"
[ $failed = 0 ] || h_fail "static checks found problems (above)"
echo "PASS: cppcheck and the clang static analyzer are clean ($accepted documented false positives)"
