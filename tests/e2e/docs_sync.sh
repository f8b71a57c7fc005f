# The man page and README stay true to --help: every long option --help
# lists is documented in poolpilot.1 and in README, and the man page names
# no option the binary does not know.
set -u
: "${POOLPILOT:?}" "${PP_SOURCE_DIR:?}"
man=$PP_SOURCE_DIR/poolpilot.1
fails=0
help_opts=$("$POOLPILOT" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
man_opts=$(sed 's/\\-/-/g' "$man" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
for o in $help_opts; do
    grep -q -- "$o" <<<"$man_opts" || { echo "FAIL: $o is in --help but not in poolpilot.1"; fails=$((fails+1)); }
done
for o in $man_opts; do
    grep -q -- "$o" <<<"$help_opts" || { echo "FAIL: poolpilot.1 documents $o, which --help does not list"; fails=$((fails+1)); }
done
# exit codes: the same four everywhere
for c in "0 done" "1 stopped" "2 usage" "3 the pool"; do
    "$POOLPILOT" --help | grep -q "$c" || { echo "FAIL: --help lacks exit code '$c'"; fails=$((fails+1)); }
done
# README mentions every option a user types (--keys-markdown is for docs)
for o in $help_opts; do
    [ "$o" = --keys-markdown ] && continue
    grep -q -- "$o" "$PP_SOURCE_DIR/README.md" || { echo "FAIL: README never mentions $o"; fails=$((fails+1)); }
done
[ -f "$PP_SOURCE_DIR/screenshots/dashboard.png" ] || { echo "FAIL: README's screenshot is missing"; fails=$((fails+1)); }
man -l "$man" >/dev/null 2>&1 || command -v man >/dev/null || true
echo "docs_sync: $fails problem(s)"
exit $((fails > 0))
