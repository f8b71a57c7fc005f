# The man page and README stay true to --help: every long option --help
# lists is documented in poolpilot.1 and in README, and the man page names
# no option the binary does not know; the man page renders without a
# warning.  Options are compared whole: --journal is not found inside
# --journal-dir.
set -u
: "${POOLPILOT:?}" "${PP_SOURCE_DIR:?}"
man=$PP_SOURCE_DIR/poolpilot.1
fails=0
help_opts=$("$POOLPILOT" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
man_opts=$(sed 's/\\-/-/g' "$man" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
for o in $help_opts; do
    grep -qxF -- "$o" <<<"$man_opts" || { echo "FAIL: $o is in --help but not in poolpilot.1"; fails=$((fails+1)); }
done
for o in $man_opts; do
    grep -qxF -- "$o" <<<"$help_opts" || { echo "FAIL: poolpilot.1 documents $o, which --help does not list"; fails=$((fails+1)); }
done
# exit codes: the same four everywhere
for c in "0 done" "1 stopped" "2 usage" "3 the pool"; do
    "$POOLPILOT" --help | grep -q "$c" || { echo "FAIL: --help lacks exit code '$c'"; fails=$((fails+1)); }
done
# README mentions every option a user types (--keys-markdown is for docs)
for o in $help_opts; do
    [ "$o" = --keys-markdown ] && continue
    grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" "$PP_SOURCE_DIR/README.md" || { echo "FAIL: README never mentions $o"; fails=$((fails+1)); }
done
# the zh_TW man page: the same options, lines a groff 1.22 terminal shows
# as written (it is set without filling: at most 64 columns, CJK counted as
# two), and installed where man(1) finds it for LANG=zh_TW.UTF-8
zman=$PP_SOURCE_DIR/poolpilot.zh_TW.1
zman_opts=$(sed 's/\\-/-/g' "$zman" | grep -oE -- '--[a-z][a-z-]+' | sort -u)
[ "$zman_opts" = "$man_opts" ] ||
    { echo "FAIL: poolpilot.zh_TW.1 and poolpilot.1 document different options:";
      diff <(echo "$man_opts") <(echo "$zman_opts"); fails=$((fails+1)); }
python3 - "$zman" <<'PY' || fails=$((fails+1))
import re, sys, unicodedata
bad = 0
for n, l in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    if l.startswith("."):
        continue
    t = re.sub(r"\\f[BIRP]|\\(?=-)", "", l.rstrip("\n"))
    w = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in t)
    if w > 64:
        print(f"FAIL: poolpilot.zh_TW.1:{n}: {w} columns (64 at most)")
        bad += 1
sys.exit(1 if bad else 0)
PY
if [ -n "${PP_BUILD_DIR:-}" ] && [ -f "$PP_BUILD_DIR/cmake_install.cmake" ]; then
    inst=$(mktemp -d)
    cmake --install "$PP_BUILD_DIR" --prefix "$inst" >/dev/null ||
        { echo "FAIL: cmake --install failed"; fails=$((fails+1)); }
    for f in share/man/man1/poolpilot.1 share/man/zh_TW/man1/poolpilot.1; do
        [ -f "$inst/$f" ] || { echo "FAIL: the install has no $f"; fails=$((fails+1)); }
    done
    cmp -s "$inst/share/man/zh_TW/man1/poolpilot.1" "$zman" ||
        { echo "FAIL: the installed zh_TW man page is not poolpilot.zh_TW.1"; fails=$((fails+1)); }
    rm -rf "$inst"
fi
[ -f "$PP_SOURCE_DIR/screenshots/dashboard.png" ] || { echo "FAIL: README's screenshot is missing"; fails=$((fails+1)); }
# the page renders, and troff has nothing to say about it (bootstrap.sh
# installs man-db: a missing man is a failure, not a pass)
merr=$(mktemp)
if ! command -v man >/dev/null; then
    echo "FAIL: man is missing (bootstrap.sh installs man-db)"; fails=$((fails+1))
elif ! LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$man" >/dev/null 2>"$merr" ||
     [ -s "$merr" ]; then
    echo "FAIL: poolpilot.1 does not render cleanly:"; cat "$merr"
    fails=$((fails+1))
fi
rm -f "$merr"
echo "docs_sync: $fails problem(s)"
exit $((fails > 0))
