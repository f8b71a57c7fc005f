# The README's key table is the output of `poolpilot --keys-markdown` (the
# actions table), pasted between its markers: this fails when they drift.
# Fix: paste the command's output between <!-- keys:begin --> and
# <!-- keys:end --> in README.md.
set -u
: "${POOLPILOT:?}" "${PP_SOURCE_DIR:?}"
readme=$PP_SOURCE_DIR/README.md
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
grep -q '^<!-- keys:begin -->$' "$readme" && grep -q '^<!-- keys:end -->$' "$readme" ||
    { echo "FAIL: README.md lacks the <!-- keys:begin --> / <!-- keys:end --> markers"; exit 1; }
sed -n '/^<!-- keys:begin -->$/,/^<!-- keys:end -->$/p' "$readme" | sed '1d;$d' >"$T/readme"
LANG=C.UTF-8 "$POOLPILOT" --keys-markdown >"$T/binary" || { echo "FAIL: --keys-markdown failed"; exit 1; }
if ! diff -u "$T/readme" "$T/binary"; then
    echo "FAIL: README.md's key table differs from poolpilot --keys-markdown (diff above)"
    exit 1
fi
# and the table is not empty: one row per action, a header and a rule
[ "$(wc -l <"$T/binary")" -gt 10 ] || { echo "FAIL: the key table is too short"; exit 1; }
echo "docs_keys: README key table matches --keys-markdown ($(($(wc -l <"$T/binary") - 2)) actions)"
