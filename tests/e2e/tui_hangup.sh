#!/bin/bash
# SIGHUP (the terminal is gone): the dashboard stops drawing and never
# blocks; the steps that run finish and are journaled, and the run stops at
# the next question, which nobody can answer.
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init
J=$TUI_DIR/j.jsonl

# The hangup must come while the domain runs.  At a fast clock a step lasts
# less than a screen poll on a loaded machine (at x600 the whole domain
# took 2.4 s and the test once saw it only done), so the clock is paused
# before the domain starts: its drain stays running until the test has
# seen it, and after the resume the domain still has 24 minutes of
# training time (12 s at x120) to go when SIGHUP arrives.
tui_start 100 30 "" --training=happy --time-scale=120 --journal "$J"
tui_wait_ask "UpgradeDomain1"
pane=$(tmux -S "$TUI_SOCK" display -p -t pp '#{pane_pid}')
pid=$(pgrep -P "$pane" -x poolpilot) || tui_fail "poolpilot's pid not found under $pane"
tui_keys Space
tui_wait "PAUSED"
tui_keys Enter
tui_wait "◐ draining"
tui_keys Space
tui_wait_gone "PAUSED"
kill -HUP "$pid"
tui_wait "[exit 1]" 120
grep -q '"event":"stop"' "$J" || tui_fail "the stop was not journaled"
grep -q 'SIGHUP' "$J" || tui_fail "the stop record does not say why"
# the domain that was running was finished, not abandoned
grep -q '"event":"step-end".*"server":"fe02.contoso.com","step":"verify"' "$J" ||
    tui_fail "fe02's steps were not finished after the hangup"
exit 0
