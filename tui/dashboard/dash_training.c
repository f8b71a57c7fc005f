/* The dashboard's training pieces (see dash_training.h). */
#include "tui/dashboard/dash_training.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/training/debrief.h"
#include "backend/core/i18n.h"
#include "backend/training/trainer.h"
#include "tui/keymap.h"
#include "tui/ui.h"

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
