/* Dashboard helpers without dashboard state (see dash_glue.h). */
#include "tui/dashboard/dash_glue.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/training/debrief.h"
#include "backend/core/i18n.h"
#include "backend/training/trainer.h"
#include "tui/keymap.h"
#include "tui/ui.h"

/* ---- curses keys ---- */

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


/* ---- the training debrief ---- */

struct lines {
    char **v;
    int n, cap;
};

static void add_line(void *ctx, const char *line)
{
    struct lines *l = ctx;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 32;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return;
        l->v = v;
        l->cap = cap;
    }
    char *c = strdup(line);
    if (c)
        l->v[l->n++] = c;
}

int dash_debrief_lines(struct pp_runner *r, const struct pp_config *cfg, char ***out)
{
    struct lines l = {0};
    const char *path = runner_journal_path(r);
    *out = NULL;
    if (!path || !cfg)
        return 0;
    struct pp_debrief *db = NULL;
    char err[PP_REASON_MAX];
    if (debrief_load(path, cfg, &db, err, sizeof err) < 0) {
        char line[PP_REASON_MAX + 64];
        snprintf(line, sizeof line, _("No debrief: %s"), err);
        add_line(&l, line);
    } else {
        debrief_lines(db, add_line, &l);
        debrief_free(db);
    }
    *out = l.v;
    return l.n;
}

void dash_lines_free(char **lines, int n)
{
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

/* ---- the trainer's fault injection ---- */

int dash_inject(struct pp_runner *r, int kind, const char *server, char *msg, size_t n)
{
    struct pp_inject_plan p;
    char why[PP_REASON_MAX];
    if (trainer_plan(runner_model(r), (enum pp_inject)kind, server, NULL, &p, why, sizeof why) < 0 ||
        trainer_inject(r, &p, why, sizeof why) < 0) {
        snprintf(msg, n, "%s", why);
        return -1;
    }
    snprintf(msg, n, _("injected: %s"), p.text);
    return 0;
}

/* ---- the full-screen debrief ---- */

void dash_debrief_key(struct rd_view *v, int key, enum act_id a)
{
    if (key == PPK_ESC || key == PPK_ENTER || a == ACT_WALKTHROUGH || a == ACT_QUIT)
        v->debrief_open = false;
    else if (a == ACT_UP || a == ACT_PAGE_UP)
        v->debrief_scroll -= a == ACT_UP ? 1 : 10;
    else if (a == ACT_DOWN || a == ACT_PAGE_DOWN)
        v->debrief_scroll += a == ACT_DOWN ? 1 : 10;
    else if (a == ACT_TOP)
        v->debrief_scroll = 0;
    else if (a == ACT_BOTTOM)
        v->debrief_scroll = 1 << 20;   /* clamped when drawn */
}
