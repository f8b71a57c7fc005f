/* A screen-sized grid of cells: text plus a semantic role.  Every part of
 * the dashboard renders into a canvas; only draw.c turns roles into curses
 * attributes.  So the whole screen is testable without a terminal. */
#ifndef PP_TUI_CANVAS_H
#define PP_TUI_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a cell means; draw.c decides how each looks (colour or monochrome). */
enum rd_role {
    RD_NORMAL,
    RD_DIM,          /* secondary text, pending servers */
    RD_HEADER,       /* pane titles, labels */
    RD_TITLE,        /* the top line */
    RD_OK,           /* verified, Ready, done */
    RD_RUNNING,      /* a step runs that keeps the server up (verify) */
    RD_DOWN,         /* intentionally down: draining, upgrading, restarting */
    RD_FAILED,       /* failed: needs an override */
    RD_LOST,         /* outcome unknown */
    RD_SKIPPED,
    RD_MARKED,       /* marked done by hand */
    RD_WARNING,      /* Busy, not ready, countdowns close to a limit */
    RD_QUESTION,     /* the engine waits for the operator */
    RD_ERROR,        /* a message that stays until dismissed */
    RD_BORDER,
    RD_BORDER_FOCUS, /* the focused pane's frame */
    RD_MATCH,        /* a search match */
    RD_INPUT,        /* a text field */
    RD_KEY,          /* a key name in the status line / help */
    RD_TRAINING,     /* the TRAINING badge */
    RD_ROLE_COUNT
};

enum rd_cell_flag {
    RD_F_SEL = 1,    /* the selection: reverse video on top of the role */
    RD_F_CONT = 2    /* right half of a double-width character */
};

/* What a mouse click on a cell selects. */
enum rd_tag_kind { RD_TAG_NONE, RD_TAG_POOL, RD_TAG_DOMAIN, RD_TAG_SERVER, RD_TAG_PANE };

struct rd_cell {
    uint32_t ch;      /* code point; 0 in RD_F_CONT cells */
    uint8_t role;
    uint8_t flags;
    uint8_t tag_kind;
    uint8_t pad_;
    int32_t tag;      /* domain / server / pane index */
};

struct rd_canvas {
    int w, h;
    bool utf8;        /* the terminal takes UTF-8; else ASCII fallbacks */
    struct rd_cell *c;
};

int canvas_init(struct rd_canvas *cv, int w, int h, bool utf8);   /* 0 / -1 */
void canvas_free(struct rd_canvas *cv);
void canvas_clear(struct rd_canvas *cv);
static inline struct rd_cell *canvas_at(struct rd_canvas *cv, int y, int x)
{
    return &cv->c[(size_t)y * (size_t)cv->w + (size_t)x];
}

/* Writes UTF-8 text at (y, x), at most `maxw` columns and never past the
 * right edge; a double-width character that does not fit becomes a space.
 * Controls and invalid bytes show as U+FFFD ('?' without UTF-8), combining
 * marks are dropped.  Returns the columns written. */
int canvas_put(struct rd_canvas *cv, int y, int x, int maxw, enum rd_role role,
               const char *text);
/* The same, with an ellipsis when the text is cut. */
int canvas_put_ell(struct rd_canvas *cv, int y, int x, int maxw, enum rd_role role,
                   const char *text);
int canvas_printf(struct rd_canvas *cv, int y, int x, int maxw, enum rd_role role,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Word-wraps text into at most maxlines lines of width w; returns lines used. */
int canvas_wrap(struct rd_canvas *cv, int y, int x, int w, int maxlines, enum rd_role role,
                const char *text);
/* One line of canvas_wrap's wrapping of text at width w: its length in
 * bytes; *next is where the next line starts (text's end after the last). */
size_t canvas_wrap_line(const char *text, int w, const char **next);
/* How many lines canvas_wrap would use (no drawing). */
int canvas_wrap_count(const char *text, int w);
void canvas_fill(struct rd_canvas *cv, int y, int x, int w, uint32_t ch, enum rd_role role);
void canvas_fill_rect(struct rd_canvas *cv, int y, int x, int h, int w, enum rd_role role);
/* A frame with an optional title in its top line. */
void canvas_box(struct rd_canvas *cv, int y, int x, int h, int w, enum rd_role role);
void canvas_flag(struct rd_canvas *cv, int y, int x, int w, uint8_t flag);
void canvas_tag(struct rd_canvas *cv, int y, int x, int w, enum rd_tag_kind k, int tag);

/* Picks the UTF-8 or the ASCII spelling of a glyph. */
static inline const char *canvas_glyph(const struct rd_canvas *cv, const char *u,
                                       const char *a)
{
    return cv->utf8 ? u : a;
}

/* For tests and the screen dump: row y as UTF-8 (trailing spaces kept). */
const char *canvas_row(const struct rd_canvas *cv, int y, char *buf, size_t n);
/* Finds text in the canvas; returns true and sets the row and column. */
bool canvas_find(const struct rd_canvas *cv, const char *text, int *y, int *x);
/* The same, only in rows y0 .. y1-1. */
bool canvas_find_in(const struct rd_canvas *cv, int y0, int y1, const char *text, int *y, int *x);

#endif
