/* The cell grid: width-aware text placement with clipping. */
#include "tui/dashboard/canvas.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "backend/core/utf8.h"

int canvas_init(struct rd_canvas *cv, int w, int h, bool utf8)
{
    if (w < 1)
        w = 1;
    if (h < 1)
        h = 1;
    struct rd_cell *c = calloc((size_t)w * (size_t)h, sizeof *c);
    if (!c)
        return -1;
    free(cv->c);
    cv->c = c;
    cv->w = w;
    cv->h = h;
    cv->utf8 = utf8;
    canvas_clear(cv);
    return 0;
}

void canvas_free(struct rd_canvas *cv)
{
    free(cv->c);
    cv->c = NULL;
    cv->w = cv->h = 0;
}

void canvas_clear(struct rd_canvas *cv)
{
    size_t n = (size_t)cv->w * (size_t)cv->h;
    for (size_t i = 0; i < n; i++)
        cv->c[i] = (struct rd_cell){.ch = ' ', .role = RD_NORMAL};
}

/* Writing over half of a wide character must not leave the other half. */
static void clear_cell(struct rd_canvas *cv, int y, int x)
{
    struct rd_cell *c = canvas_at(cv, y, x);
    if (c->flags & RD_F_CONT && x > 0) {
        struct rd_cell *l = canvas_at(cv, y, x - 1);
        l->ch = ' ';
    } else if (x + 1 < cv->w && (canvas_at(cv, y, x + 1)->flags & RD_F_CONT)) {
        struct rd_cell *r = canvas_at(cv, y, x + 1);
        r->ch = ' ';
        r->flags &= (uint8_t)~RD_F_CONT;
    }
    c->flags &= (uint8_t)~RD_F_CONT;
}

/* Columns a code point takes on this canvas: without UTF-8 every
 * non-ASCII character is drawn as one '?'. */
static int cell_width(const struct rd_canvas *cv, uint32_t cp)
{
    int w = utf8_cp_width(cp);
    if (w < 0)
        return 1;   /* shown as U+FFFD */
    if (!cv->utf8 && cp >= 0x80)
        return w == 0 ? 0 : 1;
    return w;
}

static int text_cols(const struct rd_canvas *cv, const char *text, int limit, size_t *fit)
{
    size_t len = strlen(text), used = 0;
    int col = 0;
    if (fit)
        *fit = 0;
    while (used < len) {
        uint32_t cp;
        int n = utf8_decode(text + used, len - used, &cp);
        int w = cell_width(cv, cp);
        if (fit && col + w > limit)
            break;
        col += w;
        used += (size_t)n;
        if (fit)
            *fit = used;
    }
    return col;
}

static void set_cell(struct rd_canvas *cv, int y, int x, uint32_t ch, enum rd_role role)
{
    clear_cell(cv, y, x);
    struct rd_cell *c = canvas_at(cv, y, x);
    c->ch = ch;
    c->role = (uint8_t)role;
}

int canvas_put(struct rd_canvas *cv, int y, int x, int maxw, enum rd_role role,
               const char *text)
{
    if (!text || y < 0 || y >= cv->h || x >= cv->w || maxw <= 0)
        return 0;
    int limit = x + maxw;
    if (limit > cv->w)
        limit = cv->w;
    int col = x;
    size_t len = strlen(text);
    while (len && col < limit) {
        uint32_t cp;
        int n = utf8_decode(text, len, &cp);
        text += n;
        len -= (size_t)n;
        int w = cell_width(cv, cp);
        if (w == 0)
            continue;   /* combining mark: dropped (no cell to put it in) */
        if (utf8_cp_width(cp) < 0)
            cp = 0xfffd;
        if (!cv->utf8 && cp >= 0x80)
            cp = '?';
        if (col < 0) {   /* starts left of the canvas: skip columns */
            col += w;
            continue;
        }
        if (col + w > limit) {
            set_cell(cv, y, col, ' ', role);
            col++;
            break;
        }
        set_cell(cv, y, col, cp, role);
        if (w == 2) {
            set_cell(cv, y, col + 1, 0, role);
            canvas_at(cv, y, col + 1)->flags |= RD_F_CONT;
        }
        col += w;
    }
    return col > x ? col - x : 0;
}

int canvas_put_ell(struct rd_canvas *cv, int y, int x, int maxw, enum rd_role role,
                   const char *text)
{
    if (!text || maxw <= 0)
        return 0;
    if (text_cols(cv, text, 0, NULL) <= maxw)
        return canvas_put(cv, y, x, maxw, role, text);
    /* the longest prefix that leaves one column for the ellipsis; a wide
     * character that does not fit is left out whole */
    size_t fit;
    text_cols(cv, text, maxw - 1, &fit);
    char buf[1024];
    if (fit >= sizeof buf)
        fit = sizeof buf - 1;
    memcpy(buf, text, fit);
    buf[fit] = 0;
    int n = canvas_put(cv, y, x, maxw - 1, role, buf);
    return n + canvas_put(cv, y, x + n, maxw - n, role, cv->utf8 ? "…" : "~");
}

int canvas_printf(struct rd_canvas *cv, int y, int x, int maxw, enum rd_role role,
                  const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return canvas_put(cv, y, x, maxw, role, buf);
}

/* One wrapped line starting at text: returns its byte length and where the
 * next line starts (spaces at the break are eaten). */
/* CJK punctuation that must not start a line (closing marks) or end one
 * (opening marks): the usual kinsoku rule, reduced to what our text uses. */
static bool cjk_closing(uint32_t cp)
{
    static const uint32_t c[] = {0x3001, 0x3002, 0xff0c, 0xff0e, 0xff1a, 0xff1b, 0xff01,
                                 0xff1f, 0xff09, 0x300d, 0x300f, 0x3011, 0xff5e, 0x2026};
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
        if (cp == c[i])
            return true;
    return false;
}

static bool cjk_opening(uint32_t cp)
{
    return cp == 0xff08 || cp == 0x300c || cp == 0x300e || cp == 0x3010;
}

static size_t wrap_line(const char *text, int w, const char **next)
{
    size_t len = strlen(text), used = 0, brk = 0, brk_prev = 0;
    int col = 0;
    while (used < len) {
        if (text[used] == '\n') {
            *next = text + used + 1;
            return used;
        }
        uint32_t cp;
        int n = utf8_decode(text + used, len - used, &cp);
        int cw = utf8_cp_width(cp);
        if (cw < 0)
            cw = 1;
        if (brk == used && cjk_closing(cp))
            brk = brk_prev;   /* no line starts with a closing mark */
        if (col + cw > w)
            break;
        if (cp == ' ') {
            brk_prev = brk;
            brk = used;
        }
        col += cw;
        used += (size_t)n;
        /* CJK text has no spaces: a line may break after any wide character */
        if (cw == 2 && !cjk_opening(cp)) {
            brk_prev = brk;
            brk = used;
        }
    }
    if (used >= len) {
        *next = text + len;
        return len;
    }
    size_t cut = brk ? brk : used;
    if (cut == 0)   /* not even one character fits: take one to progress */
        cut = (size_t)utf8_decode(text, len, &(uint32_t){0});
    const char *p = text + cut;
    while (*p == ' ')
        p++;
    *next = p;
    return cut;
}

int canvas_wrap(struct rd_canvas *cv, int y, int x, int w, int maxlines, enum rd_role role,
                const char *text)
{
    int lines = 0;
    char buf[1024];
    while (text && *text && lines < maxlines && w > 0) {
        const char *next;
        size_t l = wrap_line(text, w, &next);
        if (l >= sizeof buf)
            l = sizeof buf - 1;
        memcpy(buf, text, l);
        buf[l] = 0;
        if (lines == maxlines - 1 && *next)
            canvas_put_ell(cv, y + lines, x, w, role, text);   /* the rest, cut */
        else
            canvas_put(cv, y + lines, x, w, role, buf);
        lines++;
        text = next;
    }
    return lines;
}

size_t canvas_wrap_line(const char *text, int w, const char **next)
{
    return wrap_line(text, w, next);
}

int canvas_wrap_count(const char *text, int w)
{
    int lines = 0;
    while (text && *text && w > 0) {
        const char *next;
        wrap_line(text, w, &next);
        lines++;
        text = next;
    }
    return lines;
}

void canvas_fill(struct rd_canvas *cv, int y, int x, int w, uint32_t ch, enum rd_role role)
{
    if (y < 0 || y >= cv->h)
        return;
    for (int i = x < 0 ? 0 : x; i < x + w && i < cv->w; i++)
        set_cell(cv, y, i, ch, role);
}

void canvas_fill_rect(struct rd_canvas *cv, int y, int x, int h, int w, enum rd_role role)
{
    for (int r = y; r < y + h; r++) {
        canvas_fill(cv, r, x, w, ' ', role);
        if (r >= 0 && r < cv->h)
            for (int i = x < 0 ? 0 : x; i < x + w && i < cv->w; i++) {
                canvas_at(cv, r, i)->flags = 0;
                canvas_at(cv, r, i)->tag_kind = RD_TAG_NONE;
            }
    }
}

void canvas_box(struct rd_canvas *cv, int y, int x, int h, int w, enum rd_role role)
{
    if (h < 2 || w < 2)
        return;
    uint32_t hz = cv->utf8 ? 0x2500 : '-', vt = cv->utf8 ? 0x2502 : '|';
    uint32_t tl = cv->utf8 ? 0x250c : '+', tr = cv->utf8 ? 0x2510 : '+';
    uint32_t bl = cv->utf8 ? 0x2514 : '+', br = cv->utf8 ? 0x2518 : '+';
    canvas_fill(cv, y, x + 1, w - 2, hz, role);
    canvas_fill(cv, y + h - 1, x + 1, w - 2, hz, role);
    for (int r = y + 1; r < y + h - 1; r++) {
        canvas_fill(cv, r, x, 1, vt, role);
        canvas_fill(cv, r, x + w - 1, 1, vt, role);
    }
    canvas_fill(cv, y, x, 1, tl, role);
    canvas_fill(cv, y, x + w - 1, 1, tr, role);
    canvas_fill(cv, y + h - 1, x, 1, bl, role);
    canvas_fill(cv, y + h - 1, x + w - 1, 1, br, role);
}

void canvas_flag(struct rd_canvas *cv, int y, int x, int w, uint8_t flag)
{
    if (y < 0 || y >= cv->h)
        return;
    for (int i = x < 0 ? 0 : x; i < x + w && i < cv->w; i++)
        canvas_at(cv, y, i)->flags |= flag;
}

void canvas_tag(struct rd_canvas *cv, int y, int x, int w, enum rd_tag_kind k, int tag)
{
    if (y < 0 || y >= cv->h)
        return;
    for (int i = x < 0 ? 0 : x; i < x + w && i < cv->w; i++) {
        canvas_at(cv, y, i)->tag_kind = (uint8_t)k;
        canvas_at(cv, y, i)->tag = tag;
    }
}

const char *canvas_row(const struct rd_canvas *cv, int y, char *buf, size_t n)
{
    size_t used = 0;
    if (!n)
        return buf;
    buf[0] = 0;
    if (y < 0 || y >= cv->h)
        return buf;
    for (int x = 0; x < cv->w; x++) {
        const struct rd_cell *c = &cv->c[(size_t)y * (size_t)cv->w + (size_t)x];
        if (c->flags & RD_F_CONT)
            continue;
        char u[4];
        int l = utf8_encode(c->ch, u);
        if (used + (size_t)l + 1 > n)
            break;
        memcpy(buf + used, u, (size_t)l);
        used += (size_t)l;
    }
    buf[used] = 0;
    return buf;
}

/* Does the text start at cell (y, x)?  Compares code points cell by cell,
 * so the column is exact whatever the widths. */
static bool match_at(const struct rd_canvas *cv, int y, int x, const char *text)
{
    size_t len = strlen(text);
    while (len) {
        while (x < cv->w && (cv->c[(size_t)y * (size_t)cv->w + (size_t)x].flags & RD_F_CONT))
            x++;
        if (x >= cv->w)
            return false;
        uint32_t cp;
        int n = utf8_decode(text, len, &cp);
        if (cv->c[(size_t)y * (size_t)cv->w + (size_t)x].ch != cp)
            return false;
        text += n;
        len -= (size_t)n;
        x++;
    }
    return true;
}

bool canvas_find_in(const struct rd_canvas *cv, int y0, int y1, const char *text, int *y, int *x)
{
    if (y0 < 0)
        y0 = 0;
    for (int r = y0; r < y1 && r < cv->h; r++)
        for (int c = 0; c < cv->w; c++) {
            if (cv->c[(size_t)r * (size_t)cv->w + (size_t)c].flags & RD_F_CONT)
                continue;
            if (match_at(cv, r, c, text)) {
                if (y)
                    *y = r;
                if (x)
                    *x = c;
                return true;
            }
        }
    return false;
}

bool canvas_find(const struct rd_canvas *cv, const char *text, int *y, int *x)
{
    return canvas_find_in(cv, 0, cv->h, text, y, x);
}
