# The README's commands, typed as a newcomer types them, from a clean
# clone's layout (the tracked files copied to a temp dir, no build tree):
#  1. `./bootstrap.sh run --training=happy --headless --yes --time-scale=max`
#     installs what is missing (nothing, here), builds build/poolpilot and
#     runs the whole training upgrade: exit 0;
#  2. `./bootstrap.sh run` on a terminal (tmux) draws the training pool;
#  3. every `./build/poolpilot ...` line of README.md's shell blocks and
#     every command line of poolpilot.1's EXAMPLES runs from the clone's top
#     directory: training lines run (headless ones to the end, dashboard ones
#     until the pool is drawn); lines about a real pool (`-c pool01.ini`) run
#     against config/examples/lync2013.ini copied to pool01.ini, where
#     --check-config must pass, --dry-run must reach the servers' names (and
#     fail there: they do not exist) and --status/--report must get as far as
#     looking for that pool's journal.  None may end "not found" or "usage".
# (bootstrap.sh's test command is what runs this, so it is not re-run here.)
# The plain poolpilot it built is then copied to $PP_MEMCHECK_BIN (when set),
# where e2e_fault_memcheck, which ctest runs after this test, runs it under
# valgrind instead of building another plain tree.
set -u
. "$(dirname "$0")/lib/checks.sh"
. "$(dirname "$0")/lib/tui.sh"

SRC=$PP_SOURCE_DIR
# never hand over last run's binary
[ -z "${PP_MEMCHECK_BIN:-}" ] || rm -f "$PP_MEMCHECK_BIN"
C=$T/clone
mkdir -p "$C"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
    # tracked and new files, as a clone of this work would have them
    (cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -) | tar -xf - -C "$C" || bad "copying the tree"
else
    (cd "$SRC" && tar --exclude='./build*' -cf - .) | (cd "$C" && tar -xf -) || bad "copying the tree"
fi
check "the clone has no build tree" "[ ! -e \"$C/build\" ]"

# 1. the README's run command, headless, to the end
(cd "$C" && ./bootstrap.sh run --training=happy --headless --yes --time-scale=max \
    --journal "$T/happy.jsonl" </dev/null >"$T/run.out" 2>&1)
rc=$?
check "./bootstrap.sh run --training=happy --headless --yes --time-scale=max exits 0" \
    "[ $rc -eq 0 ] || { tail -5 \"$T/run.out\"; false; }"
check "it built build/poolpilot where the README says" "[ -x \"$C/build/poolpilot\" ]"
if [ -n "${PP_MEMCHECK_BIN:-}" ] && [ -x "$C/build/poolpilot" ]; then
    mkdir -p "$(dirname "$PP_MEMCHECK_BIN")" && cp "$C/build/poolpilot" "$PP_MEMCHECK_BIN" ||
        bad "handing the plain build over to e2e_fault_memcheck ($PP_MEMCHECK_BIN)"
fi
check "the run completed" "jq -s -e 'last.event == \"complete\"' \"$T/happy.jsonl\" >/dev/null"

# 2. the README's run command with no arguments, on a terminal
POOLPILOT=$C/bootstrap.sh
tui_init
tui_start 120 40 "" run
tui_wait "UpgradeDomain4" 300
scr=$(tui_screen)
check "./bootstrap.sh run draws the training pool" \
    "grep -q TRAINING <<<\"\$scr\" && grep -q UpgradeDomain1 <<<\"\$scr\" && grep -q fe08 <<<\"\$scr\""
tui_stop

# 3. every ./build/poolpilot line of the README and the man page
cp "$SRC/config/examples/lync2013.ini" "$C/pool01.ini"
lines=$(sed -n '/^ *```sh$/,/^ *```$/p' "$SRC/README.md" | grep -E '^\s*\./build/poolpilot( |$)' |
        sed -E 's/\s+#.*$//; s/^\s+//')
lines+=$'\n'$(sed -n '/^\.EX$/,/^\.EE$/p' "$SRC/poolpilot.1" | grep '^poolpilot ' |
        sed -E 's/\\-/-/g; s|^poolpilot|./build/poolpilot|')
check "the README and the man page have command lines to try" "[ \$(grep -c . <<<\"\$lines\") -ge 10 ]"
n=0
while IFS= read -r line; do
    [ -n "$line" ] || continue
    n=$((n + 1))
    read -ra argv <<<"${line#./build/poolpilot}"
    out=$T/line$n.out
    case " ${argv[*]} " in
    *" --training"*" --headless "* | *" --list-scenarios "* | *" --check-config "* | *" --help "* | *" --version "*)
        (cd "$C" && XDG_STATE_HOME=$T/st$n timeout 300 ./build/poolpilot "${argv[@]}" </dev/null >"$out" 2>&1)
        check "'$line' exits 0" "[ \$? -eq 0 ] || { tail -3 \"$out\"; false; }" ;;
    *" --training"*)
        POOLPILOT=$C/build/poolpilot
        tui_start 120 40 "XDG_STATE_HOME=$T/st$n" "${argv[@]}"
        tui_wait "UpgradeDomain1" 60
        check "'$line' draws the pool" "tui_screen | grep -q TRAINING"
        tui_stop ;;
    *" --dry-run "*)
        (cd "$C" && XDG_STATE_HOME=$T/st$n timeout 300 ./build/poolpilot "${argv[@]}" </dev/null >"$out" 2>&1)
        rc=$?
        check "'$line' tries the example's servers (and finds none)" \
            "[ $rc -eq 1 ] && grep -q 'fe01.contoso.com' \"$out\" || { echo rc=$rc; tail -3 \"$out\"; false; }" ;;
    *" --stage "*)
        (cd "$C" && XDG_STATE_HOME=$T/st$n timeout 60 ./build/poolpilot "${argv[@]}" </dev/null >"$out" 2>&1)
        rc=$?
        check "'$line' loads the example and finds no package to stage" \
            "[ $rc -eq 2 ] && grep -q 'package is not set' \"$out\" || { echo rc=$rc; tail -3 \"$out\"; false; }" ;;
    *" --status "* | *" --report"*)
        (cd "$C" && XDG_STATE_HOME=$T/st$n timeout 60 ./build/poolpilot "${argv[@]}" </dev/null >"$out" 2>&1)
        check "'$line' looks for the pool's journal" \
            "grep -q 'pool01.contoso.com.jsonl' \"$out\" || { tail -3 \"$out\"; false; }" ;;
    *" -c pool01.ini"*)
        # the dashboard on a real pool: it must load the file and try the servers
        POOLPILOT=$C/build/poolpilot
        (cd "$C" && XDG_STATE_HOME=$T/st$n timeout 300 ./build/poolpilot --check-config "${argv[@]}" \
            </dev/null >"$out" 2>&1)
        check "'$line' loads the example pool" "[ \$? -eq 0 ] || { tail -3 \"$out\"; false; }" ;;
    *)
        bad "'$line': this test does not know how to try it (teach it)" ;;
    esac
done <<<"$lines"

checks_end readme_commands
