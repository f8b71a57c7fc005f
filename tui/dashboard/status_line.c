/* The two bottom lines: the message line (an error that stays until it is
 * dismissed, short feedback, or the last event) and the key line, which
 * shows only the keys that matter now: the question's answers, the pane's
 * own keys, training controls; help and quit always, at the right. */
#include "tui/dashboard/render.h"

#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/core/utf8.h"

void status_render_message(struct rd_canvas *cv, const struct rd_view *v)
{
    int y = v->lay.msg_y;
    if (v->error[0]) {
        char x[32], more[64] = "";
        keymap_first(v->km, ACT_DISMISS, cv->utf8, x, sizeof x);
        if (v->nerrors > 1)
            snprintf(more, sizeof more, _(", %d more"), v->nerrors - 1);
        canvas_fill(cv, y, 0, cv->w, ' ', RD_ERROR);
        char tail[96];
        snprintf(tail, sizeof tail, _(" (%s dismiss%s)"), x[0] ? x : _("no key to"), more);
        int tw = utf8_width(tail);
        int n = canvas_put(cv, y, 0, cv->w - tw, RD_ERROR, cv->utf8 ? _(" ✖ ERROR: ") : _(" X ERROR: "));
        canvas_put_ell(cv, y, n, cv->w - tw - n, RD_ERROR, v->error);
        canvas_put(cv, y, cv->w - tw, tw, RD_ERROR, tail);
    } else if (v->note[0]) {
        canvas_put_ell(cv, y, 1, cv->w - 2, RD_WARNING, v->note);
    } else if (v->stage[0]) {
        /* staging's progress, or its offer before the first domain */
        canvas_put_ell(cv, y, 1, cv->w - 2, RD_RUNNING, v->stage);
    } else if (v->event[0]) {
        canvas_put_ell(cv, y, 1, cv->w - 2, RD_DIM, v->event);
    }
}

struct keyhint {
    enum act_id a;
    const char *label;
};

static int put_hint(struct rd_canvas *cv, int y, int x, int limit, const struct rd_view *v,
                    const char *keys, const char *label)
{
    (void)v;
    if (!keys[0])
        return x;
    label = _(label);
    int need = utf8_width(keys) + 1 + utf8_width(label) + 2;
    if (x + need > limit)
        return x;
    x += canvas_put(cv, y, x, limit - x, RD_KEY, keys);
    x += canvas_put(cv, y, x, limit - x, RD_NORMAL, " ");
    x += canvas_put(cv, y, x, limit - x, RD_NORMAL, label);
    return x + 2;
}

/* The keys bound to `a` that do `a` now ("n" declines, unless a search is
 * active in the output pane, where it finds the next match), "/"-joined. */
static void keys_now(const struct rd_view *v, enum act_id a, bool utf8, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < v->km->nkeys[a]; i++) {
        int key = v->km->keys[a][i];
        char name[32];
        if (render_key_action(v, key) != a)
            continue;
        keymap_key_name(key, utf8, name, sizeof name);
        int w = snprintf(buf + len, n - len, "%s%s", len ? "/" : "", name);
        if (w < 0 || (size_t)w >= n - len)
            break;
        len += (size_t)w;
    }
}

static int put_act(struct rd_canvas *cv, int y, int x, int limit, const struct rd_view *v,
                   enum act_id a, const char *label)
{
    char k[32];
    keymap_first(v->km, a, cv->utf8, k, sizeof k);
    return put_hint(cv, y, x, limit, v, k, label);
}

void status_render_keys(struct rd_canvas *cv, const struct rd_view *v,
                        const struct rd_source *src)
{
    const struct pp_model *m = src->m;
    int y = v->lay.keys_y, x = 1;
    char k[32], k2[32], both[80];

    /* A dialog, the help and the debrief take every key: their own keys
     * only (q in the Quit dialog means stay, not quit). */
    if (v->dlg.kind == DLG_QUIT) {
        x = put_hint(cv, y, x, cv->w - 1, v, "y", N_("quit"));
        put_hint(cv, y, x, cv->w - 1, v, "n/Esc", N_("stay"));
        return;
    }
    if (v->dlg.kind == DLG_INFO) {
        put_hint(cv, y, x, cv->w - 1, v, "Enter/Esc", N_("go on"));
        return;
    }
    if (v->dlg.kind != DLG_NONE) {
        put_hint(cv, y, x, cv->w - 1, v, "Esc", N_("cancel"));
        return;
    }
    if (v->help) {
        x = put_hint(cv, y, x, cv->w - 1, v, "Esc", N_("close help"));
        put_hint(cv, y, x, cv->w - 1, v, cv->utf8 ? "↑↓" : "Up/Down", N_("scroll"));
        return;
    }
    if (v->debrief_open) {
        x = put_hint(cv, y, x, cv->w - 1, v, "Esc", N_("close the debrief"));
        put_hint(cv, y, x, cv->w - 1, v, cv->utf8 ? "↑↓" : "Up/Down", N_("scroll"));
        return;
    }

    /* help and quit, at the right */
    int rx = cv->w - 1;
    {
        char hk[32], qk[32], tmp[96];
        keymap_first(v->km, ACT_HELP, cv->utf8, hk, sizeof hk);
        keymap_first(v->km, ACT_QUIT, cv->utf8, qk, sizeof qk);
        snprintf(tmp, sizeof tmp, "%s%s%s%s", hk, _(" help  "), qk, v->ended ? _(" leave") : _(" quit"));
        rx -= utf8_width(tmp);
        int xx = rx;
        xx += canvas_put(cv, y, xx, cv->w - xx, RD_KEY, hk);
        xx += canvas_put(cv, y, xx, cv->w - xx, RD_NORMAL, _(" help  "));
        xx += canvas_put(cv, y, xx, cv->w - xx, RD_KEY, qk);
        canvas_put(cv, y, xx, cv->w - xx, RD_NORMAL, v->ended ? _(" leave") : _(" quit"));
        rx -= 2;
    }

    if (v->summary) {
        x = put_hint(cv, y, x, rx, v, "Esc", N_("look around"));
        if (v->debrief)
            put_act(cv, y, x, rx, v, ACT_WALKTHROUGH, N_("debrief"));
        return;
    }
    if (v->replay) {
        keymap_first(v->km, ACT_REPLAY_NEXT, cv->utf8, k, sizeof k);
        keymap_first(v->km, ACT_REPLAY_PREV, cv->utf8, k2, sizeof k2);
        snprintf(both, sizeof both, "%s/%s", k2, k);
        x = put_hint(cv, y, x, rx, v, both, N_("back/next"));
        keymap_first(v->km, ACT_REPLAY_PREV_DECISION, cv->utf8, k, sizeof k);
        keymap_first(v->km, ACT_REPLAY_NEXT_DECISION, cv->utf8, k2, sizeof k2);
        snprintf(both, sizeof both, "%s/%s", k, k2);
        x = put_hint(cv, y, x, rx, v, both, N_("decision"));
        keymap_first(v->km, ACT_REPLAY_FIRST, cv->utf8, k, sizeof k);
        keymap_first(v->km, ACT_REPLAY_LAST, cv->utf8, k2, sizeof k2);
        snprintf(both, sizeof both, "%s/%s", k, k2);
        x = put_hint(cv, y, x, rx, v, both, N_("first/last"));
        x = put_act(cv, y, x, rx, v, ACT_WALKTHROUGH, N_("walkthrough"));
        put_act(cv, y, x, rx, v, ACT_NEXT_PANE, N_("pane"));
        return;
    }
    if (!v->ended && m->ask != PP_ASK_NONE) {
        const char *yes = N_("yes");
        switch (m->ask) {
        case PP_ASK_START_DOMAIN: yes = N_("start domain"); break;
        case PP_ASK_START_SERVER: yes = N_("start server"); break;
        case PP_ASK_START_STEP: yes = N_("run step"); break;
        case PP_ASK_FAILOVER: yes = N_("fail over"); break;
        case PP_ASK_FAILBACK: yes = N_("fail back"); break;
        case PP_ASK_BACKEND: yes = N_("update Back End"); break;
        case PP_ASK_RERUN: yes = N_("re-run"); break;
        default: break;
        }
        /* a "Needs you:" bar has no yes and no no: only an override or quit */
        if (model_ask_confirmable(m->ask)) {
            x = put_act(cv, y, x, rx, v, ACT_CONFIRM, yes);
            keys_now(v, ACT_DECLINE, cv->utf8, both, sizeof both);
            x = put_hint(cv, y, x, rx, v, both, N_("no"));
        }
        if (render_override_applies(v, m))
            x = put_act(cv, y, x, rx, v, ACT_OVERRIDE, N_("override"));
    }
    if (v->focus == RD_PANE_OUTPUT) {
        x = put_act(cv, y, x, rx, v, ACT_SEARCH, N_("search"));
        if (v->search[0]) {
            keymap_first(v->km, ACT_SEARCH_NEXT, cv->utf8, k, sizeof k);
            keymap_first(v->km, ACT_SEARCH_PREV, cv->utf8, k2, sizeof k2);
            snprintf(both, sizeof both, "%s/%s", k, k2);
            x = put_hint(cv, y, x, rx, v, both, N_("next/prev"));
            x = put_act(cv, y, x, rx, v, ACT_BACK, N_("end search"));
        }
    }
    if (!v->ended) {
        if (m->phase == PP_PH_CHOOSE && v->sel != RD_SEL_POOL && v->sel_domain < m->ndomains)
            x = put_act(cv, y, x, rx, v, ACT_CHOOSE, N_("choose next"));
        if (m->ask == PP_ASK_NONE && render_override_applies(v, m))
            x = put_act(cv, y, x, rx, v, ACT_OVERRIDE, N_("override"));
        x = put_act(cv, y, x, rx, v, ACT_RECHECK, N_("recheck"));
    }
    {
        char u[32], d[32], l[32], r[32];
        keymap_first(v->km, ACT_UP, cv->utf8, u, sizeof u);
        keymap_first(v->km, ACT_DOWN, cv->utf8, d, sizeof d);
        keymap_first(v->km, ACT_LEFT, cv->utf8, l, sizeof l);
        keymap_first(v->km, ACT_RIGHT, cv->utf8, r, sizeof r);
        if (!cv->utf8 && strcmp(u, "Up") == 0 && strcmp(d, "Down") == 0 &&
            strcmp(l, "Left") == 0 && strcmp(r, "Right") == 0)
            snprintf(both, sizeof both, "%s", _("arrows"));
        else
            snprintf(both, sizeof both, "%s%s%s%s", u, d, l, r);
        x = put_hint(cv, y, x, rx, v, both, N_("move"));
    }
    x = put_act(cv, y, x, rx, v, ACT_NEXT_PANE, N_("pane"));
    if (v->training && !v->ended) {
        x = put_act(cv, y, x, rx, v, ACT_PAUSE, src->paused ? N_("resume") : N_("pause"));
        keymap_first(v->km, ACT_FASTER, cv->utf8, k, sizeof k);
        keymap_first(v->km, ACT_SLOWER, cv->utf8, k2, sizeof k2);
        snprintf(both, sizeof both, "%s/%s", k, k2);
        x = put_hint(cv, y, x, rx, v, both, N_("speed"));
        x = put_act(cv, y, x, rx, v, ACT_INJECT, N_("inject"));
    }
    x = put_act(cv, y, x, rx, v, ACT_WALKTHROUGH,
                v->ended && v->debrief ? N_("debrief") : N_("why"));
    (void)x;
}
