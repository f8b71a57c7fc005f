# The layering of backend/, config/ and tui/ holds in the built archives:
#  - no library uses a symbol of a project library it does not link (the
#    table CMake writes to $PP_BUILD_DIR/layers.txt), so "nothing reaches up
#    a layer" is checked on every build, not left to review;
#  - the engine calls no I/O, no clock, no randomness, no environment: it is
#    pure, events and time in, actions and records out;
#  - only ppssh uses libssh, only ppdashboard uses curses, only ppconfig
#    uses inih.
set -u
. "$(dirname "$0")/lib/checks.sh"
: "${PP_BUILD_DIR:?}"
TABLE=$PP_BUILD_DIR/layers.txt
check "the layer table exists" "[ -s \"$TABLE\" ]"
[ -s "$TABLE" ] || checks_end layers

declare -A ARCHIVE DEPS OWNER
while read -r name archive deps; do
    ARCHIVE[$name]=$archive
    DEPS[$name]=${deps//;/ }
done <"$TABLE"

# who defines each global symbol
for l in "${!ARCHIVE[@]}"; do
    while read -r sym; do
        OWNER[$sym]=$l
    done < <(nm -g --defined-only "${ARCHIVE[$l]}" 2>/dev/null | awk 'NF==3 {print $3}')
done

closure() {   # every project library reachable from $1's links
    local -A seen=()
    local queue=("$1") l d
    while [ ${#queue[@]} -gt 0 ]; do
        l=${queue[0]}
        queue=("${queue[@]:1}")
        for d in ${DEPS[$l]:-}; do
            [ -n "${ARCHIVE[$d]:-}" ] && [ -z "${seen[$d]:-}" ] && seen[$d]=1 && queue+=("$d")
        done
    done
    echo "${!seen[@]}"
}

for l in "${!ARCHIVE[@]}"; do
    allowed=" $l $(closure "$l") "
    bad=
    while read -r sym; do
        o=${OWNER[$sym]:-}
        [ -n "$o" ] && [[ "$allowed" != *" $o "* ]] && bad+=" $sym($o)"
    done < <(nm -u "${ARCHIVE[$l]}" 2>/dev/null | awk 'NF == 2 && $1 == "U" {print $2}' | sort -u)
    check "$l uses only the libraries it links" "[ -z \"$bad\" ] || { echo \"  $l reaches:$bad\"; false; }"
done

# The engine is pure.  (snprintf and friends write to memory, not to I/O.)
impure=$(nm -u "${ARCHIVE[ppengine]}" | awk '{print $NF}' | sort -u |
    grep -E '^(f?open(at)?(64)?|fdopen|f?read|f?write|fputs|fputc|putc|puts|printf|fprintf|vfprintf|fflush|fsync|fdatasync|close|fclose|poll|select|socket|connect|send|recv|clock_gettime|clock|time|gettimeofday|sleep|usleep|nanosleep|rand|random|srand|getrandom|getenv|setenv|system|popen|fork|exec.*|pthread_.*|signal|sigaction|syslog)$' | tr '\n' ' ')
check "the engine calls no I/O, clock, randomness or environment" \
    "[ -z \"$impure\" ] || { echo \"  ppengine calls: $impure\"; false; }"

# The back end names actions, never keys: [keys] may rebind them and the
# headless mode has none, so "(o)", "r tries again" or "; q quits" would be
# wrong there.
# Each front end names its own keys (keymap_first()).
keys=$(grep -rnoE '"([^"\\]|\\.)*"' --include='*.c' "$PP_SOURCE_DIR/backend" |
    grep -E ':"(.*\((o|r|q|n|y|c|e|m|x|\?|/|Enter|Esc)\)|(.*[^%a-zA-Z])?[a-z] (tries|to) |(.*[;.:,] )?[b-hj-z] [a-z-]+s\b|.*then [a-z]\.|.*[Pp]ress )' || true)
check "the back end's messages name no keys" "[ -z \"\$keys\" ] || { echo \"\$keys\"; false; }"

# Third-party libraries stay behind their one library.
only() {   # only LIB PATTERN WHAT
    local who=
    for l in "${!ARCHIVE[@]}"; do
        [ "$l" = "$1" ] && continue
        nm -u "${ARCHIVE[$l]}" 2>/dev/null | awk '{print $NF}' | grep -qE "$2" && who+=" $l"
    done
    check "only $1 uses $3" "[ -z \"$who\" ] || { echo \"  also:$who\"; false; }"
}
only ppssh '^ssh_' libssh
only ppdashboard '^(initscr|newterm|endwin|wrefresh|doupdate|wget_wch|wgetch|mvwaddnwstr|waddnwstr|wattr_on|init_pair|start_color)$' curses
only ppconfig '^ini_parse' inih

checks_end layers
