#!/bin/bash
# A whole training run on the dashboard, confirmed by keys: Enter at each
# domain's question until the run is complete.
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init

tui_start 100 30 "" --training=happy --time-scale=max --journal "$TUI_DIR/j.jsonl" --operator jdoe
tui_wait "TRAINING happy"
tui_wait "Pool Ready"
for d in 1 2 3 4; do
    tui_wait_ask "UpgradeDomain$d"
    # the question shows the quorum before anything is touched
    tui_screen | grep -q "Front Ends stay up; quorum needs 4" || tui_fail "no quorum line for UpgradeDomain$d"
    if [ "$d" = 4 ]; then
        # three domains done, their servers verified, the fourth untouched
        s=$(tui_screen)
        for n in 1 2 3; do
            grep -q "UpgradeDomain$n ✔ done" <<<"$s" || tui_fail "UpgradeDomain$n not shown done"
        done
        [ "$(grep -o '✔ verified' <<<"$s" | wc -l)" = 6 ] || tui_fail "six servers should be verified"
        grep -q "fe07 · waiting" <<<"$s" || tui_fail "fe07 should still be waiting"
        grep -q "\[x\] UpgradeDomain3 done .* jdoe" <<<"$s" || tui_fail "checklist lacks who did UpgradeDomain3"
    fi
    tui_keys Enter   # one per question: the loop then waits for the next domain's
done
tui_leave
tui_wait "[exit 0]" 120
tui_screen | grep -q "Run: complete" || tui_fail "the final checklist is not in the terminal"
exit 0
