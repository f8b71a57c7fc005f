#!/usr/bin/env bash
# Regenerates screenshots/*.png from real runs of the poolpilot binary on the
# training pool: tmux runs it, capture-pane -e takes the screen with its
# colours, ansi2html.py turns that into HTML, headless Chromium (Debian's
# `chromium`) renders the PNG.
#
#   screenshots/make-screenshots.sh [path/to/poolpilot]
#
# Needs: tmux, python3, chromium, fonts-dejavu-core, fonts-noto-cjk, gettext
# (msgfmt) and locales (localedef) for the Traditional Chinese picture.
set -uo pipefail   # no -e: the tmux helpers return non-zero on purpose
here=$(cd "$(dirname "$0")" && pwd)
POOLPILOT=${1:-${POOLPILOT:-$here/../build/poolpilot}}
export POOLPILOT
command -v chromium >/dev/null || { echo "install chromium first (apt-get install chromium)" >&2; exit 1; }
. "$here/../tests/e2e/lib/tui.sh"
tui_init
work=$TUI_DIR/shots
mkdir -p "$work"

shot() {   # shot NAME W H: the current screen as screenshots/NAME.png
    local name=$1 w=$2 h=$3
    tui_screen_sgr >"$work/$name.ansi"
    python3 "$here/ansi2html.py" "poolpilot: $name" <"$work/$name.ansi" >"$work/$name.html"
    # 9.1 px per column and 19 px per row at 15px DejaVu Sans Mono, plus padding
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/chrome" --hide-scrollbars \
        --window-size=$((w * 91 / 10 + 24)),$((h * 19 + 24)) \
        --screenshot="$here/$name.png" "file://$work/$name.html" >/dev/null 2>&1
    echo "wrote screenshots/$name.png"
}

# 1. the dashboard mid-upgrade: UpgradeDomain1 done, UpgradeDomain2 running
#    (the walkthrough hidden with w, as in a real maintenance window), then
# 2. the walkthrough pane at the next domain's question
tui_start 120 36 "" --training=happy --time-scale=300 --journal "$work/j1.jsonl" --operator jdoe
tui_wait_ask UpgradeDomain1 120; tui_keys Enter
tui_wait_ask UpgradeDomain2 300; tui_keys Enter
tui_wait "upgrading" 120
tui_keys Space   # pause the training clock so the picture holds still
tui_wait "PAUSED" 20
tui_keys w; tui_wait_gone "Walkthrough ·" 20
shot dashboard 120 36
tui_keys w Space
tui_wait_ask UpgradeDomain3 300
tui_keys Space; tui_wait "PAUSED" 20
tui_wait "Walkthrough · Start UpgradeDomain3?" 20
shot walkthrough 120 36
tui_stop

# 2. an override: fe04's verify failed; retry, name typed back, reason
tui_start 120 36 "" --training=verify-fails --time-scale=max --journal "$work/j2.jsonl" --operator jdoe
for d in 1 2; do tui_wait_ask "UpgradeDomain$d" 60; tui_keys Enter; done
tui_wait "Needs you:" 60
tui_keys o; tui_wait "Override server fe04.contoso.com" 20
tui_keys r; tui_wait "Type the server's name to confirm" 20
tui_type "fe04.contoso.com"; tui_keys Enter
tui_wait "Reason (written to the journal)" 20
tui_type "RTCSRV restarted by hand, ticket 4711"
shot override 120 36
tui_stop

# 3. a pool problem with a DR pair: Busy three times, failover proposed
tui_start 120 36 "" --training=busy-three-times --time-scale=max --journal "$work/j3.jsonl"
tui_wait "pool02.contoso.com" 60
tui_wait "fail" 60
shot failover 120 36
tui_stop

# 4. the checklist after a complete run, and 5. the 80x24 minimum
tui_start 120 36 "" --training=happy --time-scale=max --journal "$work/j4.jsonl" --operator jdoe
for d in 1 2 3 4; do tui_wait_ask "UpgradeDomain$d" 60; tui_keys Enter; done
tui_wait "complete" 120
shot checklist 120 36
tui_stop
tui_start 80 24 "" --training=large-pool --time-scale=300 --journal "$work/j5.jsonl"
tui_wait_ask UpgradeDomain1 120; tui_keys Enter
tui_wait "draining" 60
tui_keys Space; tui_wait "PAUSED" 20
shot small-80x24 80 24
tui_stop

# 6. Traditional Chinese: the shipped po/zh_TW.po, a zh_TW.UTF-8 locale when
#    localedef can make one (else LANGUAGE=zh_TW over C.UTF-8)
mkdir -p "$work/locale/zh_TW/LC_MESSAGES" "$work/loc"
msgfmt -o "$work/locale/zh_TW/LC_MESSAGES/poolpilot.mo" "$here/../po/zh_TW.po"
zh="POOLPILOT_LOCALEDIR=$work/locale LANGUAGE=zh_TW"
if localedef -i zh_TW -f UTF-8 "$work/loc/zh_TW.UTF-8" >/dev/null 2>&1; then
    zh="$zh LOCPATH=$work/loc LANG=zh_TW.UTF-8 LC_ALL=zh_TW.UTF-8"
fi
tui_start 120 36 "$zh" --training=verify-fails --time-scale=300 --journal "$work/j6.jsonl" --operator jdoe
tui_wait "開始網域？" 120; tui_wait "UpgradeDomain1 ◆ " 120; tui_keys Enter
tui_wait "UpgradeDomain2 ◆ " 300; tui_keys Enter
tui_wait "需要您：" 300
tui_keys Space; tui_wait "已暫停" 20
shot zh-tw 120 36
tui_stop
