/* Keys and key bindings, without curses (unit-testable).
 *
 * A key is an int: a Unicode code point for characters (Ctrl-letters are
 * 1..26), or one of the PPK_* values above the Unicode range for keys with
 * names.  The dashboard translates curses' codes into these.
 *
 * Key specs, as written in [keys] and in the actions table:
 *   a single character        q  ?  /  +  é
 *   Ctrl + character          C-c  C-l   (also ^C)
 *   names (any letter case)   Enter Return Esc Escape Tab S-Tab BTab Space
 *                             Backspace Up Down Left Right PgUp PageUp PgDn
 *                             PageDown Home End Insert Delete F1..F12
 *                             Semicolon Hash (INI would take ; and # as comments)
 * A [keys] value lists specs separated by spaces; "none" leaves the action
 * without a key.  A [keys] entry replaces the action's default keys and takes
 * its keys away from the defaults of other actions of the same context. */
#ifndef PP_TUI_KEYMAP_H
#define PP_TUI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tui/actions.h"

struct pp_config;
struct pp_diag;

enum {
    PPK_NONE = 0,
    PPK_BASE = 0x200000,
    PPK_ENTER = PPK_BASE,
    PPK_ESC,
    PPK_TAB,
    PPK_BTAB,
    PPK_BACKSPACE,
    PPK_UP,
    PPK_DOWN,
    PPK_LEFT,
    PPK_RIGHT,
    PPK_PGUP,
    PPK_PGDN,
    PPK_HOME,
    PPK_END,
    PPK_INS,
    PPK_DEL,
    PPK_RESIZE,     /* never bound: internal */
    PPK_MOUSE,      /* never bound: internal */
    PPK_F0 = PPK_BASE + 0x100   /* PPK_F0 + n is Fn, n = 1..12 */
};
#define PPK_F(n) (PPK_F0 + (n))
#define PPK_CTRL(c) ((c) & 0x1f)

/* Parses one spec (no spaces).  Returns the key, or PPK_NONE if unknown. */
int keymap_parse_spec(const char *spec);
/* A readable name for a key ("q", "C-c", "Enter", "F5"); `pretty` uses
 * arrows (↑) for the cursor keys.  Returns buf. */
const char *keymap_key_name(int key, bool pretty, char *buf, size_t n);

#define KEYMAP_MAX_KEYS 8   /* per action */

struct keymap {
    int keys[ACT_COUNT][KEYMAP_MAX_KEYS];
    int nkeys[ACT_COUNT];
};

/* Builds the defaults, then applies cfg->keys (cfg may be NULL).  Problems
 * go to `d` as "FILE:LINE: ..." when d is not NULL; the bindings that were
 * good are kept.  Returns 0, or -1 when there was a problem. */
int keymap_build(struct keymap *km, const struct pp_config *cfg, struct pp_diag *d);

/* For --check-config: checks cfg->keys, reporting every problem into d.
 * Returns the number of problems (0 = good). */
int keymap_check(const struct pp_config *cfg, struct pp_diag *d);

/* The action bound to `key` in a context (the context's own bindings first,
 * then the global ones).  `training` enables ACT_CTX_TRAINING bindings. */
enum act_id keymap_lookup(const struct keymap *km, int key, enum act_ctx ctx, bool training);
/* The same, but only the context's own bindings (no fallback). */
enum act_id keymap_lookup_ctx(const struct keymap *km, int key, enum act_ctx ctx);

/* The first key of an action, for the status line ("" if unbound). */
const char *keymap_first(const struct keymap *km, enum act_id a, bool pretty, char *buf,
                         size_t n);
/* Every key of an action, joined with " " (e.g. "n Esc"). */
const char *keymap_all(const struct keymap *km, enum act_id a, bool pretty, char *buf,
                       size_t n);

/* `poolpilot --keys-markdown`: the default key table as Markdown, for the
 * README and the man page (help.c; generated from the actions table). */
void help_print_markdown(FILE *out);

#endif
