/* curses key codes as keymap keys (PPK_*): the one place that knows
 * ncurses' KEY_* names; the dashboard and the replay front end read keys
 * through it. */
#include "tui/dashboard/curses_keys.h"

#include <curses.h>

#include "tui/keymap.h"

int dashboard_map_key(int rc, unsigned int wch_)
{
    wint_t wch = (wint_t)wch_;
    if (rc == KEY_CODE_YES) {
        switch (wch) {
        case KEY_UP: return PPK_UP;
        case KEY_DOWN: return PPK_DOWN;
        case KEY_LEFT: return PPK_LEFT;
        case KEY_RIGHT: return PPK_RIGHT;
        case KEY_PPAGE: return PPK_PGUP;
        case KEY_NPAGE: return PPK_PGDN;
        case KEY_HOME: return PPK_HOME;
        case KEY_END: return PPK_END;
        case KEY_IC: return PPK_INS;
        case KEY_DC: return PPK_DEL;
        case KEY_BACKSPACE: return PPK_BACKSPACE;
        case KEY_ENTER: return PPK_ENTER;
        case KEY_BTAB: return PPK_BTAB;
        case KEY_RESIZE: return PPK_RESIZE;
        case KEY_MOUSE: return PPK_MOUSE;
        default:
            if (wch >= KEY_F(1) && wch <= KEY_F(12))
                return PPK_F((int)(wch - KEY_F0));
            return PPK_NONE;
        }
    }
    switch (wch) {
    case '\r':
    case '\n': return PPK_ENTER;
    case '\t': return PPK_TAB;
    case 27: return PPK_ESC;
    case 127:
    case 8: return PPK_BACKSPACE;
    default: return (int)wch;
    }
}
