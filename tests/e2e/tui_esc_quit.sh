#!/bin/bash
# Issue 10 item 4: keys do what the screen says.  Esc leaves the innermost
# mode (here an active search) and never declines the question; the key
# line offers only keys that work now (no "n no" while n finds the next
# match, no "no" on a "Needs you:" bar, no "q quit" inside the Quit
# dialog, where q means stay); q asks whenever quitting leaves the run
# unfinished, with or without steps running.
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init
J=$TUI_DIR/j.jsonl
keyline() { tui_screen | sed '/^$/d' | tail -1; }

tui_start 100 30 "" --training=happy --time-scale=max --journal "$J"
tui_wait_ask "UpgradeDomain1"
keyline | grep -q "n no" || tui_fail "the question's key line lacks n no"
keyline | grep -q "Esc" && tui_fail "Esc is offered on the question bar"

# a search in the pool's output pane, then Esc
tui_keys Tab Tab
tui_wait "/ search"
tui_keys /
tui_type "Ready"
tui_keys Enter
tui_wait "next/prev"
keyline | grep -q " no " && tui_fail "the key line offers 'no' while n finds the next match"
keyline | grep -q "Esc end search" || tui_fail "the key line does not say Esc ends the search"
tui_keys Escape
tui_wait_gone "next/prev"
tui_wait "Start domain?"
grep -q '"event":"decline"' "$J" && tui_fail "Esc declined the question"
tui_wait "n no"

# q with nothing running still asks: the run is not finished
tui_keys q
tui_wait "Quit? The journal keeps the progress"
keyline | grep -q "q quit" && tui_fail "the Quit dialog's key line says q quits"
keyline | grep -q "y quit" || tui_fail "the Quit dialog's key line lacks y quit"
tui_keys q                        # q in the dialog means stay
tui_wait_gone "Quit? The journal"
tui_wait "Start domain?"

# n declines: the "Needs you:" bar has no yes/no to offer
tui_keys Tab                      # back to the domains: n declines
tui_wait_gone "next/prev"
tui_keys n
tui_wait "Needs you:"
keyline | grep -q " no " && tui_fail "a Needs you: bar offers no"
tui_keys q
tui_wait "Quit? The journal keeps the progress"
tui_keys y
tui_leave
tui_wait "[exit 1]"
grep -c '"event":"decline"' "$J" | grep -qx 1 || tui_fail "expected exactly one decline (the n)"

# issue 10 item 6: the resumed console first says how the last one stopped
tui_stop
tui_start 100 30 "" --training=happy --time-scale=max --journal "$J"
tui_wait "Resumed: how the last console stopped"
tui_wait "operator quit"
tui_wait "Nothing was in flight"
keyline | grep -q "Enter/Esc go on" || tui_fail "the statement's key line lacks Enter/Esc go on"
tui_keys Enter
tui_wait_gone "Resumed: how the last console stopped"
exit 0
