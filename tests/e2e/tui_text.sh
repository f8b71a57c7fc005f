#!/bin/bash
# Text that must never reach the terminal raw: CJK (two columns each),
# invalid UTF-8 and an escape sequence, here in the operator's name, which
# the checklist shows.  The terminal must show the CJK at the right width,
# U+FFFD for the bad byte, and no colour from the escape sequence.
# Then the ASCII fallbacks when the locale is not UTF-8.
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init
op=$(printf '操作員\xff\x1b[31mred')

tui_start 100 30 "NO_COLOR=1" --training=happy --time-scale=max --journal "$TUI_DIR/j1.jsonl" \
    --operator "$op"
tui_wait_ask "UpgradeDomain1"
tui_keys Enter
tui_wait_ask "UpgradeDomain2"
line=$(tui_screen | grep "\[x\] UpgradeDomain1 done") || tui_fail "no done line for UpgradeDomain1"
grep -q "操作員" <<<"$line" || tui_fail "the CJK name is not shown"
tui_screen_sgr | grep -q $'\e\\[31m' && tui_fail "an escape sequence from the data reached the terminal"
tui_screen | grep -q $'\x1b' && tui_fail "raw ESC on the screen"
# the pane separator stays in column 40 although the line holds CJK
# (python3: bootstrap.sh installs it; without it this is a failure)
command -v python3 >/dev/null || tui_fail "python3 is missing (bootstrap.sh installs it)"
python3 - "$line" <<'PY' || tui_fail "CJK widths are wrong on: $line"
import sys, unicodedata
line = sys.argv[1]
col = 0
for ch in line:
    if ch == "\u2502":
        break
    col += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
sys.exit(0 if col == 40 else 1)
PY
tui_stop

# not UTF-8: ASCII glyphs and frames, '?' for what ASCII cannot show
tui_start 100 30 "LANG=C LC_ALL=C" --training=happy --time-scale=max \
    --journal "$TUI_DIR/j2.jsonl" --operator "$op"
tui_wait_ask "UpgradeDomain1"
tui_keys Enter
tui_wait_ask "UpgradeDomain2"
s=$(tui_screen)
grep -q "UpgradeDomain1 + done" <<<"$s" || tui_fail "no ASCII done glyph"
grep -q "fe01 + verified" <<<"$s" || tui_fail "no ASCII verified glyph"
grep -q "fe03 \. waiting" <<<"$s" || tui_fail "no ASCII waiting glyph"
grep -q "^+ UpgradeDomain" <<<"$s" || tui_fail "no ASCII frame"
n=$(LC_ALL=C grep -c $'[\x80-\xff]' <<<"$s")
[ "$n" = 0 ] || tui_fail "$n lines with non-ASCII bytes in an ASCII terminal"
exit 0
