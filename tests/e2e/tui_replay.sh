#!/bin/bash
# --replay on the dashboard: a journal made by a headless training run is
# stepped through with the replay keys (next, back, next decision, first,
# last); the model shown follows the record, the walkthrough explains it,
# nothing can be decided, and the journal is not touched.
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init
J=$TUI_DIR/j.jsonl
XDG_STATE_HOME=$TUI_DIR/state "$POOLPILOT" --training=busy-three-times --time-scale=max \
    --headless --yes --journal "$J" --operator jdoe </dev/null >"$TUI_DIR/run.out" 2>&1 ||
    tui_fail "the training run to replay did not complete"
n=$(wc -l <"$J")
sum=$(md5sum <"$J")

tui_start 100 30 "" --replay "$J"
tui_wait "REPLAY 1/$n"
tui_wait "#1 start by jdoe"
tui_wait "Walkthrough"               # on by default in a replay
tui_keys .
tui_wait "REPLAY 2/$n"
tui_keys ,
tui_wait "REPLAY 1/$n"
# the first decision is the pool problem (Busy three times), then the failover
tui_keys ']'
tui_wait "* pool-problem"
tui_wait "Pool problem: fail over to pool02"
tui_wait "pool problem · Busy 3/3"
tui_keys ']'
tui_wait "* confirm failover by jdoe"
tui_keys '['
tui_wait "* pool-problem"
# one record before the confirm: the question is back in the bar
tui_keys ']' ,
tui_wait "(replay) answered next: confirm by jdoe"
# read-only: answering is refused
tui_keys Enter
tui_wait "a replay is read-only"
tui_keys '>'
tui_wait "REPLAY $n/$n"
tui_wait "COMPLETE"
tui_keys '<'
tui_wait "REPLAY 1/$n"
tui_keys q
tui_wait "[exit 0]" 30
[ "$(md5sum <"$J")" = "$sum" ] || tui_fail "the replay changed the journal"
exit 0
