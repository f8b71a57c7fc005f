#!/bin/bash
# NO_COLOR (no-color.org): a non-empty value means no colour at all (ncurses
# ignores it, the dashboard must not).  The same screen without NO_COLOR, or
# with it empty, does use colour: the check below can fail.
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init

# SGR parameters that set a colour: 30-37 38 40-47 48 90-97 100-107
# (39 and 49, "default colour", are what tmux writes when resetting).
colour_sgr() { grep -cP '\e\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m'; }

run() {
    tui_start 100 30 "$1" --training=verify-fails --time-scale=max --journal "$TUI_DIR/j$2.jsonl"
    tui_wait_ask "UpgradeDomain1"
    tui_keys Enter
    tui_wait_ask "UpgradeDomain2"
    tui_keys Enter
    tui_wait "fe04 ✖ failed verify"
}

# Issue 10 item 9: without colour the focused pane still shows, by reverse
# video on its header (bold alone is what every header has)
tui_start 100 30 "NO_COLOR=1" --training=happy --time-scale=max --journal "$TUI_DIR/j0.jsonl"
tui_wait_ask "UpgradeDomain1"
tui_screen_sgr | grep -qP '\e\[[0-9;]*7m Checklist' && tui_fail "an unfocused Checklist is reversed"
tui_keys Tab
deadline=$((SECONDS + 30))
until tui_screen_sgr | grep -qP '\e\[[0-9;]*7m Checklist'; do
    [ $SECONDS -lt $deadline ] || tui_fail "NO_COLOR: the focused Checklist looks like the others"
    sleep 0.1
done
tui_keys Tab
deadline=$((SECONDS + 30))
until tui_screen_sgr | grep -qP '\e\[[0-9;]*7m Output'; do
    [ $SECONDS -lt $deadline ] || tui_fail "NO_COLOR: the focused Output looks like the others"
    sleep 0.1
done
tui_screen_sgr | grep -qP '\e\[[0-9;]*7m Checklist' && tui_fail "the Checklist stays reversed"
tui_stop

run "NO_COLOR=1" 1
n=$(tui_screen_sgr | colour_sgr)
[ "$n" = 0 ] || { tui_screen_sgr | cat -v | grep -P '\[(3[0-8]|4[0-8])' | head -3 >&2; tui_fail "NO_COLOR=1: $n lines with colour"; }
# monochrome keeps the states apart by glyph and word
s=$(tui_screen)
grep -q "fe04 ✖ failed verify" <<<"$s" || tui_fail "failed state not spelled out"
grep -q "fe01 ✔ verified" <<<"$s" || tui_fail "verified state not spelled out"
# and with attributes (bold for failed), not nothing
tui_screen_sgr | grep -q $'\e\\[1m' || tui_fail "monochrome screen has no attributes at all"
tui_stop

for e in "NO_COLOR=" "PP_UNUSED=1"; do
    run "$e" 2
    n=$(tui_screen_sgr | colour_sgr)
    [ "$n" -gt 0 ] || tui_fail "$e: expected colour, found none"
    tui_stop
    rm -f "$TUI_DIR"/j2.jsonl*
done
exit 0
