#!/bin/bash
# An override on the dashboard: fe04's verify fails (scenario verify-fails);
# o → retry → the name typed back (a wrong one first) → a reason → Enter.
# The retry passes, the run goes on, and the journal has the reason.
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init
J=$TUI_DIR/j.jsonl

tui_start 100 30 "" --training=verify-fails --time-scale=max --journal "$J" --operator jdoe
# one Enter per question: the next wait is for the next domain's question
for d in 1 2; do
    tui_wait_ask "UpgradeDomain$d"
    tui_keys Enter
done
tui_wait "fe04 ✖ failed verify"
tui_wait "Needs you:"
s=$(tui_screen)
# failed is not "down on purpose" and not verified
grep -q "fe03 ✔ verified" <<<"$s" || tui_fail "fe03 should be verified"
grep -q "\[!\] fe04.contoso.com FAILED at ver" <<<"$s" || tui_fail "checklist lacks fe04's failure"
# the question points at fe04: its output is in the output pane
grep -q "Output fe04.contoso.com" <<<"$s" || tui_fail "output pane is not on fe04"
# Enter cannot answer a question only an override can
tui_keys Enter
tui_wait "this needs an override"

tui_keys o
tui_wait "Override server fe04.contoso.com"
tui_screen | grep -q "▸ r retry" || tui_fail "retry should be the default for a failed server"
tui_keys r
tui_wait "Type the server's name to confirm"
tui_type "fe04"
tui_keys Enter
tui_wait "that is not the name"
tui_keys C-u
tui_type "fe04.contoso.com"
tui_keys Enter
tui_wait "Reason (written to the journal)"
tui_keys Enter
tui_wait "a reason is required"
tui_type "RTCSRV restarted by hand, see ticket 4711"
tui_keys Enter
tui_wait_gone "Override server"

tui_wait_ask "UpgradeDomain3"
tui_wait "fe04 ✔ verified"
grep -q '"action":"retry"' "$J" || tui_fail "the journal has no retry override"
grep -q 'RTCSRV restarted by hand, see ticket 4711' "$J" || tui_fail "the journal lacks the reason"

# quit at a question: nothing runs, but the run is unfinished, so it asks
tui_keys q
tui_wait "Quit? The journal keeps the progress"
tui_keys y
tui_leave
tui_wait "[exit 1]"
exit 0
