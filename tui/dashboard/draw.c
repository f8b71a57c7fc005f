/* Curses output: roles → attributes, canvas rows → the screen. */
#include "tui/dashboard/draw.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

/* Colour per role: foreground, background (-1 = the terminal's default,
 * thanks to use_default_colors) and extra attributes. */
static const struct {
    short fg, bg;
    unsigned attr;      /* with colour */
    unsigned mono;      /* without colour */
} looks[RD_ROLE_COUNT] = {
    [RD_NORMAL] = {-1, -1, 0, 0},
    [RD_DIM] = {-1, -1, A_DIM, A_DIM},
    [RD_HEADER] = {-1, -1, A_BOLD, A_BOLD},
    [RD_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE},
    [RD_OK] = {COLOR_GREEN, -1, 0, 0},
    [RD_RUNNING] = {COLOR_CYAN, -1, 0, A_BOLD},
    [RD_DOWN] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [RD_FAILED] = {COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [RD_LOST] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [RD_SKIPPED] = {COLOR_BLUE, -1, 0, A_DIM},
    [RD_MARKED] = {COLOR_BLUE, -1, A_BOLD, 0},
    [RD_WARNING] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [RD_QUESTION] = {COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE | A_BOLD},
    [RD_ERROR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
    [RD_BORDER] = {-1, -1, A_DIM, 0},
    /* without colour, bold alone does not tell the focused pane from the
     * others (headers are bold too): reverse video does */
    [RD_BORDER_FOCUS] = {COLOR_CYAN, -1, A_BOLD, A_REVERSE | A_BOLD},
    [RD_MATCH] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE | A_UNDERLINE},
    [RD_INPUT] = {-1, -1, A_UNDERLINE, A_UNDERLINE},
    [RD_KEY] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [RD_TRAINING] = {COLOR_WHITE, COLOR_MAGENTA, A_BOLD, A_REVERSE | A_BOLD},
};

static void setup_colors(struct draw *d)
{
    const char *nc = getenv("NO_COLOR");
    d->color = has_colors() && !(nc && nc[0]);
    if (d->color && start_color() == ERR)
        d->color = false;
    if (d->color)
        use_default_colors();
    for (int r = 0; r < RD_ROLE_COUNT; r++) {
        d->pair[r] = 0;
        if (!d->color) {
            d->attr[r] = looks[r].mono;
            continue;
        }
        d->attr[r] = looks[r].attr;
        if (looks[r].fg >= 0 || looks[r].bg >= 0) {
            short p = (short)(r + 1);
            if (p < COLOR_PAIRS && init_pair(p, looks[r].fg, looks[r].bg) == OK)
                d->pair[r] = p;
            else
                d->attr[r] = looks[r].mono;
        }
    }
}

int draw_open(struct draw *d, FILE *out, FILE *in, const char *term, char *err, size_t errn)
{
    memset(d, 0, sizeof *d);
    SCREEN *s = newterm(term, out, in);
    if (!s) {
        const char *t = term ? term : getenv("TERM");
        snprintf(err, errn, "cannot use the terminal (TERM=%s); try --headless",
                 t ? t : "(unset)");
        return -1;
    }
    d->screen = s;
    set_term(s);
    d->active = true;
    set_escdelay(25);   /* a lone Esc would otherwise block input for 1 s */
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    intrflush(stdscr, FALSE);
    scrollok(stdscr, FALSE);
    curs_set(0);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
    mouseinterval(0);
    setup_colors(d);
    return 0;
}

void draw_close(struct draw *d, bool terminal_gone)
{
    if (!d->active)
        return;
    d->active = false;
    if (!terminal_gone) {
        curs_set(1);
        endwin();
    }
}

void draw_free(struct draw *d)
{
    draw_close(d, false);
    if (d->screen)
        delscreen((SCREEN *)d->screen);
    d->screen = NULL;
    canvas_free(&d->shown);
}

void draw_size(struct draw *d, int *w, int *h)
{
    (void)d;
    getmaxyx(stdscr, *h, *w);
}

void draw_resize(struct draw *d)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resize_term(ws.ws_row, ws.ws_col);
    d->valid = false;
}

static bool row_same(const struct rd_canvas *a, const struct rd_canvas *b, int y)
{
    return memcmp(&a->c[(size_t)y * (size_t)a->w], &b->c[(size_t)y * (size_t)b->w],
                  (size_t)a->w * sizeof a->c[0]) == 0;
}

static void flush_run(struct draw *d, int y, int x0, const wchar_t *run, int n, int role,
                      int sel)
{
    if (n <= 0 || role < 0)
        return;
    attr_t a = d->attr[role] | (sel ? A_REVERSE : 0);
    wattr_set(stdscr, a, d->pair[role], NULL);
    /* the bottom-right cell makes addnwstr return ERR although it drew */
    mvwaddnwstr(stdscr, y, x0, run, n);
}

/* One row, in runs of cells that look the same (one attribute change and
 * one addnwstr per run). */
static void draw_row(struct draw *d, const struct rd_canvas *cv, int y)
{
    wchar_t run[512];
    int n = 0, x0 = 0, role = -1, sel = 0;
    for (int x = 0; x < cv->w; x++) {
        const struct rd_cell *c = &cv->c[(size_t)y * (size_t)cv->w + (size_t)x];
        if (c->flags & RD_F_CONT)
            continue;   /* the right half of a wide character */
        int s = c->flags & RD_F_SEL;
        if (c->role != role || s != sel || n == (int)(sizeof run / sizeof run[0])) {
            flush_run(d, y, x0, run, n, role, sel);
            n = 0;
            x0 = x;
            role = c->role;
            sel = s;
        }
        run[n++] = c->ch ? (wchar_t)c->ch : L' ';
    }
    flush_run(d, y, x0, run, n, role, sel);
    wattr_set(stdscr, A_NORMAL, 0, NULL);
}

void draw_frame(struct draw *d, const struct rd_canvas *cv, bool full)
{
    if (!d->active)
        return;
    if (!d->valid || full || d->shown.w != cv->w || d->shown.h != cv->h) {
        if (canvas_init(&d->shown, cv->w, cv->h, cv->utf8) < 0)
            return;
        clearok(curscr, TRUE);
        werase(stdscr);
        full = true;
    }
    for (int y = 0; y < cv->h; y++) {
        if (!full && row_same(cv, &d->shown, y))
            continue;
        draw_row(d, cv, y);
        memcpy(&d->shown.c[(size_t)y * (size_t)cv->w], &cv->c[(size_t)y * (size_t)cv->w],
               (size_t)cv->w * sizeof cv->c[0]);
    }
    d->valid = true;
    wnoutrefresh(stdscr);
    doupdate();
}
