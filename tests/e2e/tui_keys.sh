#!/bin/bash
# Keyboard and mouse: help from the actions table, selection with hjkl and
# a mouse click, panes with Tab, search in the output pane, the training
# clock (pause, speed).
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init

tui_start 100 30 "" --training=happy --time-scale=max --journal "$TUI_DIR/j.jsonl"
tui_wait_ask "UpgradeDomain1"

tui_keys '?'
tui_wait "poolpilot help"
s=$(tui_screen)
grep -q "Enter .* confirm" <<<"$s" || tui_fail "help lacks confirm"
grep -q "n  *decline" <<<"$s" && grep -q "Esc .* Leave the innermost" <<<"$s" || tui_fail "help lacks decline"
tui_keys End
tui_wait "intentionally down"
tui_keys q                      # closes the help, does not quit
tui_wait_gone "poolpilot help"
tui_wait_ask "UpgradeDomain1"

# the question selected UpgradeDomain1; j goes to its first server, l to
# the same line of the next domain
tui_keys j
tui_wait "Output fe01.contoso.com"
tui_keys l
tui_wait "Output fe03.contoso.com"
tui_keys k
tui_wait "Output UpgradeDomain2"
tui_keys g
tui_wait "Output pool"

# a click on fe04's line (X10 mouse report: button, column, row, +33 each)
y=$(tui_screen | grep -n "fe04 · waiting" | head -1 | cut -d: -f1)
[ -n "$y" ] || tui_fail "fe04 is not on the screen"
x=$(tui_screen | sed -n "${y}p" | sed 's/fe04 · waiting.*//' | wc -m)
row=$((y - 1)) col=$((x))
tmux -S "$TUI_SOCK" send-keys -t pp -H 1b 5b 4d 20 "$(printf %x $((col + 33)))" "$(printf %x $((row + 33)))" \
    1b 5b 4d 23 "$(printf %x $((col + 33)))" "$(printf %x $((row + 33)))"
tui_wait "Output fe04.contoso.com"

# Tab to the output pane of the server that ran the readiness check (the
# journal names it; it is outside UpgradeDomain1, the domain about to start,
# so the first in turn is fe03: g j j l = pool, UpgradeDomain1, fe01, fe03)
ck=$(jq -r 'select(.event=="readiness") | .server' "$TUI_DIR/j.jsonl" | head -1)
[ "$ck" = fe03.contoso.com ] || tui_fail "the readiness check ran on '$ck', not the first server outside UpgradeDomain1"
tui_keys g j j l
tui_wait "Output fe03.contoso.com"
tui_keys Tab Tab
tui_wait "/ search"
tui_keys /
tui_type "PoolUpgradeState"
tui_keys Enter
tui_wait "next/prev"
tui_wait "▸"
tui_keys /
tui_type "no such text anywhere"
tui_keys Enter
tui_wait "no match in this output"
tui_keys Tab               # back to the domains

# the training clock
tui_keys Space
tui_wait "PAUSED"
tui_keys Space
tui_wait_gone "PAUSED"
tui_keys -
tui_wait "TRAINING happy ×3600"

# n declines the question (not a search outside the output pane)
tui_keys n
tui_wait_gone "Start domain?"
tui_wait "Needs you:"
tui_keys q
tui_wait "Quit? The journal keeps the progress"
tui_keys y
tui_leave
tui_wait "[exit 1]"
exit 0
