#!/bin/bash
# The dashboard in Traditional Chinese: the shipped po/zh_TW.po compiled
# here, a real zh_TW.UTF-8 locale when localedef can make one (else
# LANGUAGE=zh_TW over C.UTF-8, which gettext honours), and a training run
# in tmux.  Wide characters must not shift anything: every panel's side
# borders sit in the columns of its corners, the separator of the lower
# panes stays in one column, no row is wider than the terminal, and the
# overlays (help, summary, debrief) close their frames.  The engine's own
# questions and its stop reason are in Chinese too, while the journal the
# run writes stays in English.
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init
: "${PP_SOURCE_DIR:?}"
command -v msgfmt >/dev/null || tui_fail "msgfmt is missing (apt-get install gettext)"
command -v python3 >/dev/null || tui_fail "python3 is missing"

L=$TUI_DIR/locale/zh_TW/LC_MESSAGES
mkdir -p "$L"
msgfmt --check -o "$L/poolpilot.mo" "$PP_SOURCE_DIR/po/zh_TW.po" || tui_fail "po/zh_TW.po does not compile"
envs="POOLPILOT_LOCALEDIR=$TUI_DIR/locale LANGUAGE=zh_TW"
mkdir -p "$TUI_DIR/loc"
if localedef -i zh_TW -f UTF-8 "$TUI_DIR/loc/zh_TW.UTF-8" >/dev/null 2>&1; then
    envs="$envs LOCPATH=$TUI_DIR/loc LANG=zh_TW.UTF-8 LC_ALL=zh_TW.UTF-8"
    echo "using a generated zh_TW.UTF-8 locale"
else
    echo "localedef could not make zh_TW.UTF-8: LANGUAGE=zh_TW over C.UTF-8"
fi

W=100 H=30
# check_screen FILE [TITLE]: every box on the screen (or only the one whose
# top line holds TITLE) is closed and straight, in display columns.
check_screen() {
    python3 - "$1" "$W" "${2:-}" <<'PY'
import sys, unicodedata
path, width, title = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = open(path, encoding="utf-8").read().split("\n")
def cells(line):
    out, col = {}, 0
    for ch in line:
        if unicodedata.combining(ch):
            continue
        out[col] = ch
        col += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return out, col
grid = [cells(r) for r in rows]
bad = []
for y, (c, w) in enumerate(grid):
    if w > width:
        bad.append(f"row {y} is {w} columns wide")
boxes = 0
for y, (c, _) in enumerate(grid):
    for x in sorted(k for k, ch in c.items() if ch == "┌"):
        right = next((k for k in sorted(c) if k > x and c[k] == "┐"), None)
        if right is None:
            continue
        top = "".join(c[k] for k in sorted(c) if x <= k <= right)
        if title and title not in top:
            continue
        boxes += 1
        for yy in range(y + 1, len(grid)):
            cc = grid[yy][0]
            if cc.get(x) == "└":
                if cc.get(right) != "┘":
                    bad.append(f"box at row {y} col {x}: bottom right corner not at col {right} (row {yy})")
                break
            if cc.get(x) != "│" or cc.get(right) != "│":
                bad.append(f"box at row {y} col {x}: row {yy} has {cc.get(x)!r} at {x} and {cc.get(right)!r} at {right}")
        else:
            bad.append(f"box at row {y} col {x} never closes")
if boxes == 0:
    bad.append("no box found" + (f" titled {title!r}" if title else ""))
for b in bad:
    print("ALIGN:", b)
sys.exit(1 if bad else 0)
PY
}

# the lower panes' separator: one column for every row that has it
check_separator() {
    python3 - "$1" <<'PY'
import sys, unicodedata
cols = set()
for line in open(sys.argv[1], encoding="utf-8").read().split("\n"):
    col, found = 0, None
    for ch in line:
        if ch == "│" and col > 20 and found is None and "┌" not in line and "└" not in line:
            found = col
        col += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    if found is not None and line.count("│") <= 2:
        cols.add(found)
print("separator columns:", sorted(cols))
sys.exit(0 if len(cols) == 1 else 1)
PY
}

snap() { tui_screen >"$TUI_DIR/$1.txt"; }

tui_start $W $H "$envs" --training=verify-fails --time-scale=max --journal "$TUI_DIR/j.jsonl" --operator jdoe
tui_wait "逐步說明"                 # the walkthrough pane, on in training
tui_wait "開始網域？"               # the question bar's label
tui_wait "UpgradeDomain1 ◆ "          # the asked domain's panel
snap dashboard
grep -q "仲裁需要" "$TUI_DIR/dashboard.txt" || tui_fail "the pool line is not translated"
grep -q "現況" "$TUI_DIR/dashboard.txt" || tui_fail "the walkthrough labels are not translated"
check_screen "$TUI_DIR/dashboard.txt" || tui_fail "panels do not line up in zh_TW"
check_separator "$TUI_DIR/dashboard.txt" || tui_fail "the lower panes' separator moves"
# the question itself comes from the engine, translated when it was asked
grep -q "開始 UpgradeDomain1（fe01" "$TUI_DIR/dashboard.txt" ||
    tui_fail "the engine's start question is not translated"
grep -q "Start UpgradeDomain1 (" "$TUI_DIR/dashboard.txt" && tui_fail "the start question is in English"
# it states the quorum itself (the engine says so, not a word of the text):
# the question bar adds no second quorum line of its own
n=$(tr -d ' \n' <"$TUI_DIR/dashboard.txt" | grep -o "台前端伺服器維持運作" | wc -l)
[ "$n" -eq 1 ] || tui_fail "the quorum is said $n times in the question bar (want 1)"
# the checks can fail: one wide character too many in a panel row is caught
sed '0,/│fe01 /s//│fe01寬/' "$TUI_DIR/dashboard.txt" >"$TUI_DIR/broken.txt"
cmp -s "$TUI_DIR/dashboard.txt" "$TUI_DIR/broken.txt" && tui_fail "could not make the broken copy"
check_screen "$TUI_DIR/broken.txt" >/dev/null && tui_fail "the alignment check misses a shifted border"

tui_keys '?'
tui_wait "poolpilot 說明"
snap help
check_screen "$TUI_DIR/help.txt" "poolpilot 說明" || tui_fail "the help box does not line up"
tui_keys Escape
tui_wait_gone "poolpilot 說明"

# the trainer's inject menu, then on through the run to its debrief
tui_keys i
tui_wait "立即注入故障"
snap inject
check_screen "$TUI_DIR/inject.txt" "立即注入故障" || tui_fail "the inject menu does not line up"
tui_keys Escape
tui_keys Enter
tui_wait "UpgradeDomain2 ◆ "
tui_keys Enter
tui_wait "需要您："                     # fe04's verify failed
snap failed
grep -q "覆寫" "$TUI_DIR/failed.txt" && grep -q "retry 會重跑" "$TUI_DIR/failed.txt" ||
    tui_fail "the engine's failed-step question is not translated"
check_screen "$TUI_DIR/failed.txt" || tui_fail "panels do not line up with a failed server"
tui_keys q
tui_wait "要結束嗎？日誌會保留進度"   # an unfinished run always asks first
tui_keys y
tui_wait "執行已停止"
snap summary
check_screen "$TUI_DIR/summary.txt" "執行已停止" || tui_fail "the summary box does not line up"
grep -q "操作員結束執行" "$TUI_DIR/summary.txt" || tui_fail "the stop reason is not translated"
tui_keys w
tui_wait "訓練執行的課後講評"
snap debrief
check_screen "$TUI_DIR/debrief.txt" "訓練執行的課後講評" || tui_fail "the debrief does not line up"
grep -q "偏離預期路徑" "$TUI_DIR/debrief.txt" || tui_fail "the debrief names no departure"
tui_keys Escape
tui_keys q
tui_wait "[exit 1]" 60

# The journal of this Chinese run is English, field for field: without what
# a person types (the operator's name, the reason of a decision or an
# override) no record holds a byte >= 0x80.
J=$TUI_DIR/j.jsonl
[ -s "$J" ] || tui_fail "no journal at $J"
jq -e . "$J" >/dev/null || tui_fail "the journal is not JSON lines"
for ev in start readiness domain-start step-start step-end confirm stop; do
    jq -s -e --arg e "$ev" 'any(.[]; .event == $e)' "$J" >/dev/null ||
        tui_fail "the journal has no $ev record"
done
own='del(.operator) | if (.event | IN("confirm", "decline", "override", "choose", "note"))
     then del(.reason) else . end'
if jq -c "$own" "$J" | LC_ALL=C grep -nP '[\x80-\xff]'; then
    tui_fail "the journal holds translated text"
fi
jq -s -e 'map(select(.event == "stop")) | length == 1 and .[0].reason == "operator quit"' "$J" \
    >/dev/null ||
    tui_fail "the stop record's reason is not the English one"
# the check can fail: a Chinese detail in a copy is caught
sed 's/"reason":"operator quit"/"reason":"操作員結束執行"/' "$J" >"$TUI_DIR/broken.jsonl"
cmp -s "$J" "$TUI_DIR/broken.jsonl" && tui_fail "could not make the broken journal"
jq -c "$own" "$TUI_DIR/broken.jsonl" | LC_ALL=C grep -qP '[\x80-\xff]' ||
    tui_fail "the journal check misses a translated field"

echo "zh_TW: every panel lines up; the engine speaks Chinese, the journal English"
exit 0
