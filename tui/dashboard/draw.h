/* The only place roles become curses attributes and colours.  Colour when
 * the terminal has it and NO_COLOR is unset or empty (no-color.org; ncurses
 * 6.4 ignores NO_COLOR itself); otherwise monochrome attributes that keep
 * every role distinguishable together with the glyphs and words.
 *
 * This header does not include curses, so the benchmark can use it. */
#ifndef PP_TUI_DRAW_H
#define PP_TUI_DRAW_H

#include <stdbool.h>
#include <stdio.h>

#include "tui/dashboard/canvas.h"

struct draw {
    bool active;                /* a curses screen is up */
    bool color;
    unsigned attr[RD_ROLE_COUNT];
    short pair[RD_ROLE_COUNT];
    struct rd_canvas shown;     /* what the terminal shows now */
    bool valid;                 /* `shown` matches the terminal */
    void *screen;               /* SCREEN * */
};

/* Starts curses on the given streams with newterm (a bad TERM is an error
 * message in err, not exit(1)), in the dashboard's modes: cbreak, noecho,
 * keypad, nodelay, ESC delay 25 ms, no cursor, mouse clicks.  term NULL =
 * $TERM.  Returns 0 / -1. */
int draw_open(struct draw *d, FILE *out, FILE *in, const char *term, char *err, size_t errn);
/* Restores the terminal (endwin).  Safe to call twice; `terminal_gone`
 * skips writing to a terminal that hung up. */
void draw_close(struct draw *d, bool terminal_gone);
void draw_free(struct draw *d);

/* The terminal's size now (after a resize). */
void draw_size(struct draw *d, int *w, int *h);
/* Tells curses the terminal changed size (SIGWINCH handled by the app). */
void draw_resize(struct draw *d);
/* Puts the canvas on the screen: only rows that changed unless `full`;
 * one doupdate(). */
void draw_frame(struct draw *d, const struct rd_canvas *cv, bool full);

#endif
