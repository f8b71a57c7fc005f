#!/bin/bash
# q while steps run: the dashboard asks first ("steps are running on N
# servers; they will finish and be journaled"); n stays, y stops once the
# running steps have ended.
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init
J=$TUI_DIR/j.jsonl

tui_start 100 30 "" --training=happy --time-scale=60 --journal "$J"
tui_wait_ask "UpgradeDomain1"
tui_keys Enter
tui_wait "fe01 ◐ draining"
tui_keys q
tui_wait "Steps are running on 2 servers; they will finish and be journaled."
tui_keys n
tui_wait_gone "Steps are running"
tui_screen | grep -q "◐ draining" || tui_fail "n should have left the run alone"
tui_keys q
tui_wait "Steps are running on 2 servers"
tui_keys y
tui_leave
tui_wait "[exit 1]" 120
grep -q '"event":"step-end".*"step":"drain"' "$J" || tui_fail "the running drain was not journaled"
exit 0
