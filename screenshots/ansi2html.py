#!/usr/bin/env python3
"""Turns `tmux capture-pane -e -p` output (text with SGR escapes) into a
standalone HTML page that looks like the terminal: used by
make-screenshots.sh to render real runs of poolpilot into PNGs."""
import html
import re
import sys
import unicodedata

BASE = ["#1d1f21", "#cc6666", "#b5bd68", "#f0c674", "#81a2be", "#b294bb", "#8abeb7", "#c5c8c6",
        "#666666", "#d54e53", "#b9ca4a", "#e7c547", "#7aa6da", "#c397d8", "#70c0b1", "#eaeaea"]
FG, BG = "#d0d0d0", "#1d1f21"


def xterm256(n):
    if n < 16:
        return BASE[n]
    if n < 232:
        n -= 16
        lv = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (lv[n // 36], lv[(n // 6) % 6], lv[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


def cells(chunk):
    """Escapes text; a double-width character (CJK) gets a box exactly two
    columns wide, so the fallback font's own width cannot shift the row."""
    parts = []
    for ch in chunk:
        if unicodedata.east_asian_width(ch) in "WF":
            parts.append('<span style="display:inline-block;width:2ch;text-align:center">%s</span>'
                         % html.escape(ch))
        else:
            parts.append(html.escape(ch))
    return "".join(parts)


def convert(text, title):
    st = {"fg": None, "bg": None, "bold": False, "rev": False, "ul": False, "dim": False}
    out = []
    for line in text.split("\n"):
        pos = 0
        for m in re.finditer(r"\x1b\[([0-9;]*)m", line + "\x1b[m"):
            chunk = line[pos:m.start()] if m.start() <= len(line) else line[pos:]
            if chunk:
                fg, bg = st["fg"] or FG, st["bg"] or BG
                if st["rev"]:
                    fg, bg = bg, fg
                style = "color:%s;background:%s;" % (fg, bg)
                if st["bold"]:
                    style += "font-weight:bold;"
                if st["dim"]:
                    style += "opacity:0.7;"
                if st["ul"]:
                    style += "text-decoration:underline;"
                out.append('<span style="%s">%s</span>' % (style, cells(chunk)))
            pos = m.end()
            codes = [int(c) if c else 0 for c in m.group(1).split(";")]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    st = {"fg": None, "bg": None, "bold": False, "rev": False, "ul": False,
                          "dim": False}
                elif c == 1:
                    st["bold"] = True
                elif c == 2:
                    st["dim"] = True
                elif c == 4:
                    st["ul"] = True
                elif c == 7:
                    st["rev"] = True
                elif c == 22:
                    st["bold"] = st["dim"] = False
                elif c == 24:
                    st["ul"] = False
                elif c == 27:
                    st["rev"] = False
                elif 30 <= c <= 37:
                    st["fg"] = BASE[c - 30]
                elif 90 <= c <= 97:
                    st["fg"] = BASE[c - 90 + 8]
                elif 40 <= c <= 47:
                    st["bg"] = BASE[c - 40]
                elif 100 <= c <= 107:
                    st["bg"] = BASE[c - 100 + 8]
                elif c == 39:
                    st["fg"] = None
                elif c == 49:
                    st["bg"] = None
                elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                    st["fg" if c == 38 else "bg"] = xterm256(codes[i + 2])
                    i += 2
                i += 1
        out.append("\n")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>%s</title><style>"
            "body{margin:0;background:%s}pre{margin:0;padding:12px;font:15px/1.25 "
            "'DejaVu Sans Mono','Noto Sans Mono CJK TC',monospace;color:%s;background:%s}"
            "</style></head><body><pre>%s</pre></body></html>"
            % (html.escape(title), BG, FG, BG, "".join(out)))


if __name__ == "__main__":
    sys.stdout.write(convert(sys.stdin.read(), sys.argv[1] if len(sys.argv) > 1 else "poolpilot"))
