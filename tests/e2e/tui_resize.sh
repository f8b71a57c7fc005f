#!/bin/bash
# Resizing: below 80x24 a clear "terminal too small" screen that still
# takes q; back to a usable size, the dashboard again, at 80x24 everything
# that matters still on screen.
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init

tui_start 100 30 "" --training=happy --time-scale=max --journal "$TUI_DIR/j.jsonl"
tui_wait_ask "UpgradeDomain1"
tui_resize 60 15
tui_wait "terminal too small (have 60x15, need 80x24)"
tui_screen | grep -q "UpgradeDomain" && tui_fail "the dashboard is still drawn below 80x24"
tui_resize 79 24
tui_wait "terminal too small (have 79x24, need 80x24)"
tui_resize 80 24
tui_wait_gone "terminal too small"
s=$(tui_screen)
for want in "pool01.contoso.com" "Pool Ready" "quorum needs 4 of first 7" "Busy 0/3" \
    "UpgradeDomain1" "UpgradeDomain4" "fe08" "Checklist" "Output" "Start domain?" \
    "Enter start domain" "q quit"; do
    grep -qF -- "$want" <<<"$s" || tui_fail "80x24 lacks \"$want\""
done
# a resize in the middle of a dialog keeps the dialog
tui_keys o
tui_wait "Override domain UpgradeDomain1"
tui_resize 120 40
tui_wait "Override domain UpgradeDomain1"
tui_keys Escape
tui_wait_gone "Override domain"
tui_resize 120 40
tui_wait_ask "UpgradeDomain1"
# q works on the too-small screen
tui_resize 40 10
tui_wait "terminal too small"
tui_keys q
# back at a usable size the Quit question shows; y stops the run and the
# summary waits for the operator
tui_resize 120 40
tui_wait "Quit? The journal keeps the progress"
tui_keys y
tui_leave
tui_wait "[exit 1]"
exit 0
