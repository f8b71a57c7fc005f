#!/bin/bash
# Every built-in training scenario on the dashboard under LANG=zh_TW.UTF-8
# (issue 15): run with --yes to its end or to the first question only a
# person can answer, then quit, and read three screens: the dashboard at
# that moment, the summary and the debrief.  None may hold English outside
# the allowed tokens (lib/zh_english.py, shared with i18n_scenarios.sh).
set -u
. "$(dirname "$0")/lib/tui.sh"
tui_init
: "${PP_SOURCE_DIR:?}"
command -v msgfmt >/dev/null || tui_fail "msgfmt is missing (apt-get install gettext)"
command -v python3 >/dev/null || tui_fail "python3 is missing"
CHECK=$(dirname "$0")/lib/zh_english.py

L=$TUI_DIR/locale/zh_TW/LC_MESSAGES
mkdir -p "$L" "$TUI_DIR/loc"
msgfmt --check -o "$L/poolpilot.mo" "$PP_SOURCE_DIR/po/zh_TW.po" || tui_fail "po/zh_TW.po does not compile"
envs="POOLPILOT_LOCALEDIR=$TUI_DIR/locale LANGUAGE=zh_TW"
if localedef -i zh_TW -f UTF-8 "$TUI_DIR/loc/zh_TW.UTF-8" >/dev/null 2>&1; then
    envs="$envs LOCPATH=$TUI_DIR/loc LANG=zh_TW.UTF-8 LC_ALL=zh_TW.UTF-8"
fi

# wait_any TEXT...: until one of them is on the screen; prints which
wait_any() {
    local i t s
    for ((i = 0; i < 1200; i++)); do
        s=$(tui_screen)
        for t in "$@"; do
            grep -qF -- "$t" <<<"$s" && { echo "$t"; return 0; }
        done
        sleep 0.1
    done
    tui_fail "none of $* appeared"
}

# The parts of a screen poolpilot writes in words.  Left out: the right
# lower pane (walkthrough and output), which quotes the servers' own output
# wrapped over several rows (the walkthrough's words are checked in
# headless mode's `why`, e2e_i18n_scenarios); kept: title and status
# lines, domain panels (each panel's rows joined: a failed server's reason
# wraps under its row), checklist, question bar (its rows joined), event
# line, key bar, or only the inside of the box an overlay titled TITLE.
#   cut.py SCREEN [TITLE] > TEXT
cat >"$TUI_DIR/cut.py" <<'PY'
import sys, unicodedata
rows = open(sys.argv[1], encoding="utf-8").read().split("\n")
title = sys.argv[2] if len(sys.argv) > 2 else ""
def cells(line):
    out, col = [], 0
    for ch in line:
        out.append((col, ch))
        col += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return out
def between(line, x0, x1):
    return "".join(ch for col, ch in cells(line) if x0 < col < x1)
out = []
if title:
    top = next(i for i, r in enumerate(rows) if "┌" in r and title in r)
    c = cells(rows[top])
    x0 = next(col for col, ch in c if ch == "┌")
    x1 = next(col for col, ch in c if ch == "┐" and col > x0)
    for r in rows[top:]:
        out.append(between(r, x0, x1))
        if any(ch == "└" and col == x0 for col, ch in cells(r)):
            break
else:
    top = next(i for i, r in enumerate(rows) if "檢查清單" in r)
    sep = next(col for col, ch in cells(rows[top]) if ch == "│" and col > 20)
    panels = {}   # a panel's left frame column -> its rows' text joined
    def flush():
        for x0 in sorted(panels):
            out.append(panels[x0])
        panels.clear()
    i = 0
    while i < len(rows):
        r = rows[i]
        if i == top:
            flush()
        bars = [col for col, ch in cells(r) if ch == "│"] if i < top else []
        if i < top and bars and "┌" not in r and "└" not in r:
            # frames pair up; the last panel's right frame may be a scroll mark
            for k in range(0, len(bars), 2):
                x0, x1 = bars[k], bars[k + 1] if k + 1 < len(bars) else 10**6
                panels[x0] = (panels.get(x0, "") + " " + between(r, x0, x1).strip()).strip()
            i += 1
            continue
        if i < top:
            flush()
        if i >= top and any(ch == "│" and col == sep for col, ch in cells(r)):
            out.append(between(r, -1, sep))
        elif i > top and r.startswith(" " * 18) and out:
            out[-1] += " " + r.strip()   # the question bar's next row
        else:
            out.append(r)
        i += 1
print("\n".join(out))
PY

scen=$(cd "$PP_SOURCE_DIR/config/scenarios" && ls *.ini | sed 's/\.ini$//')
shots=()
for s in $scen; do
    [ "$s" = fleet ] && continue   # 1000 servers: e2e_i18n_scenarios reads its lines
    tui_start 120 40 "$envs" --training="$s" --time-scale=max --yes \
        --journal "$TUI_DIR/$s.jsonl" --operator 值班員
    at=$(wait_any "執行完成" "需要您：" "清空逾時：" "執行已停止")
    # at the end the summary box covers the dashboard: read after it
    if [ "$at" = "需要您：" ] || [ "$at" = "清空逾時：" ]; then
        tui_screen >"$TUI_DIR/$s.1.txt"
        shots+=("$TUI_DIR/$s.1.txt")
    fi
    if [ "$at" = "需要您：" ] || [ "$at" = "清空逾時：" ]; then
        tui_keys q
        [ "$(wait_any "執行已停止" "要結束嗎")" = "要結束嗎" ] && tui_keys y
        tui_wait "執行已停止"
    fi
    tui_screen >"$TUI_DIR/$s.2.txt"
    tui_keys w
    tui_wait "訓練執行的課後講評"
    tui_screen >"$TUI_DIR/$s.3.txt"
    shots+=("$TUI_DIR/$s.2.txt" "$TUI_DIR/$s.3.txt")
    tui_stop
    echo "$s: $at (${SECONDS}s)"
done
texts=()
for f in "${shots[@]}"; do
    case "$f" in
    *.1.txt) python3 "$TUI_DIR/cut.py" "$f" ;;
    *.2.txt) python3 "$TUI_DIR/cut.py" "$f" "執行" ;;
    *.3.txt) python3 "$TUI_DIR/cut.py" "$f" "課後講評" ;;
    esac >"${f%.txt}.text" || tui_fail "cannot read the screen $f"
    texts+=("${f%.txt}.text")
done
python3 "$CHECK" "$scen" "${texts[@]}" >"$TUI_DIR/report" ||
    { cat "$TUI_DIR/report" >&2; tui_fail "untranslated English on the dashboard"; }
# the check sees the dashboard's frame: an English word in a panel is caught
sed '0,/│fe01 /s//│fe01 waiting /' "$TUI_DIR/verify-fails.1.txt" >"$TUI_DIR/broken.txt"
cmp -s "$TUI_DIR/verify-fails.1.txt" "$TUI_DIR/broken.txt" && tui_fail "could not make the broken copy"
python3 "$TUI_DIR/cut.py" "$TUI_DIR/broken.txt" >"$TUI_DIR/broken.text"
python3 "$CHECK" "$scen" "$TUI_DIR/broken.text" >/dev/null &&
    tui_fail "the check misses an English word on the dashboard"
echo "zh_TW dashboard: $(echo $scen | wc -w) scenarios (fleet headless only), no English left"
exit 0
