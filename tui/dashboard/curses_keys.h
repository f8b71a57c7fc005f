/* curses key codes as keymap keys (curses_keys.c). */
#ifndef PP_TUI_CURSES_KEYS_H
#define PP_TUI_CURSES_KEYS_H

/* rc and wch as wget_wch() returned them; PPK_NONE for a key we do not use. */
int dashboard_map_key(int rc, unsigned int wch);

#endif
