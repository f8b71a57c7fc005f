/* The walkthrough pane (above the output pane): backend/walkthrough.c's
 * explanation of the moment, labelled Now / Why / You; and the full-screen
 * debrief a training run ends with.  When the pane is too small for the
 * whole text, what the operator needs first is kept: the goal, what
 * happens, what to do; the background (Why) goes first. */
#include "tui/dashboard/render.h"

#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/training/walkthrough.h"
#include "backend/core/utf8.h"

static int label_width(void)
{
    int w = 0;
    for (int k = WALK_GOAL; k <= WALK_YOU; k++) {
        int x = utf8_width(walk_kind_label((enum walk_kind)k));
        if (x > w)
            w = x;
    }
    return w + 1;
}

static void explain(const struct rd_source *src, struct pp_walk *w)
{
    walkthrough_explain(src->m, src->cfg, src->now, w);
}

/* After a training run: one more line pointing at the debrief. */
static bool debrief_hint(const struct rd_view *v, char *buf, size_t n)
{
    if (!v->debrief || !v->ended)
        return false;
    char k[32];
    keymap_first(v->km, ACT_WALKTHROUGH, false, k, sizeof k);
    snprintf(buf, n, _("%s shows the debrief (%d lines)."), k[0] ? k : "w", v->ndebrief);
    return true;
}

int walk_pane_height(const struct rd_view *v, const struct rd_source *src, int w)
{
    struct pp_walk wk;
    explain(src, &wk);
    int tw = w - 2 - label_width();
    if (tw < 10)
        return 1;
    int h = 1;
    for (int i = 0; i < wk.n; i++)
        h += canvas_wrap_count(wk.p[i].text, tw);
    char hint[160];
    if (debrief_hint(v, hint, sizeof hint))
        h += canvas_wrap_count(hint, tw);
    return h;
}

static enum rd_role label_role(enum walk_kind k)
{
    switch (k) {
    case WALK_GOAL: return RD_TRAINING;
    case WALK_WHAT: return RD_RUNNING;
    case WALK_WHY: return RD_HEADER;
    default: return RD_OK;
    }
}

/* Lower is kept first when the pane is short. */
static int priority(enum walk_kind k)
{
    switch (k) {
    case WALK_GOAL: return 0;
    case WALK_WHAT: return 1;
    case WALK_YOU: return 2;
    default: return 3;
    }
}

void walk_render(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src)
{
    const struct rd_layout *L = &v->lay;
    if (L->wk_h <= 0)
        return;
    int x = L->out_x, w = L->out_w, y = L->wk_y;
    struct pp_walk wk;
    explain(src, &wk);
    canvas_fill_rect(cv, y, x, L->wk_h, w, RD_NORMAL);
    canvas_fill(cv, y, x, w, ' ', RD_HEADER);
    char head[320];
    snprintf(head, sizeof head, "%s%s%s", _("Walkthrough"), cv->utf8 ? " · " : " - ", wk.title);
    canvas_put_ell(cv, y, x + 1, w - 2, RD_HEADER, head);
    int lw = label_width(), tx = x + 1 + lw, tw = w - 2 - lw;
    if (tw < 10 || L->wk_h < 2)
        return;
    /* which paragraphs fit, most needed first */
    int rows = L->wk_h - 1, lines[WALK_PARAS], alloc[WALK_PARAS] = {0};
    bool cut = false;
    for (int i = 0; i < wk.n; i++)
        lines[i] = canvas_wrap_count(wk.p[i].text, tw);
    for (int pr = 0; pr <= 3; pr++)
        for (int i = 0; i < wk.n; i++) {
            if (priority(wk.p[i].kind) != pr)
                continue;
            if (lines[i] <= rows) {
                alloc[i] = lines[i];
                rows -= lines[i];
            } else {
                /* the start of it, when a couple of lines are left */
                alloc[i] = rows >= 2 ? rows : 0;
                rows -= alloc[i];
                cut = true;
            }
        }
    int cy = y + 1, end = y + L->wk_h;
    for (int i = 0; i < wk.n && cy < end; i++) {
        if (!alloc[i])
            continue;
        canvas_put(cv, cy, x + 1, lw - 1, label_role(wk.p[i].kind),
                   walk_kind_label(wk.p[i].kind));
        cy += canvas_wrap(cv, cy, tx, tw, alloc[i], RD_NORMAL, wk.p[i].text);
    }
    char hint[160];
    if (cy < end && debrief_hint(v, hint, sizeof hint))
        canvas_wrap(cv, cy, tx, tw, end - cy, RD_WARNING, hint);
    if (cut)
        canvas_put(cv, end - 1, x + w - 3, 3, RD_WARNING, cv->utf8 ? " ▼ " : " v ");
}

/* ---- the debrief, full screen ---- */

void debrief_render(struct rd_canvas *cv, struct rd_view *v)
{
    int h = cv->h - 1, w = cv->w;
    canvas_fill_rect(cv, 0, 0, h, w, RD_NORMAL);
    canvas_box(cv, 0, 0, h, w, RD_BORDER_FOCUS);
    char t[96];
    snprintf(t, sizeof t, " %s ", _("Debrief of the training run"));
    canvas_put(cv, 0, 2, w - 4, RD_HEADER, t);
    int rows = h - 2, tw = w - 4;
    /* every line wrapped: count first, so scrolling is by screen line */
    int total = 0;
    for (int i = 0; i < v->ndebrief; i++)
        total += canvas_wrap_count(v->debrief[i], tw);
    if (v->debrief_scroll > total - rows)
        v->debrief_scroll = total - rows;
    if (v->debrief_scroll < 0)
        v->debrief_scroll = 0;
    int line = 0, y = 1;
    for (int i = 0; i < v->ndebrief && y < h - 1; i++) {
        const char *s = v->debrief[i];
        int n = canvas_wrap_count(s, tw);
        enum rd_role role = i == 0                ? RD_HEADER
                            : strncmp(s, "  !", 3) == 0 ? RD_FAILED
                            : strncmp(s, "  ", 2) == 0  ? RD_NORMAL
                                                        : RD_HEADER;
        if (line + n <= v->debrief_scroll) {
            line += n;
            continue;
        }
        if (line < v->debrief_scroll) {
            /* a wrapped line cut by the top: show it from its start */
            line += n;
            continue;
        }
        y += canvas_wrap(cv, y, 2, tw, h - 1 - y, role, s);
        line += n;
    }
    if (v->debrief_scroll + rows < total)
        canvas_put(cv, h - 1, w - 12, 10, RD_WARNING, cv->utf8 ? " ▼ more " : " v more ");
}
