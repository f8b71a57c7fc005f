/* The `?` screen, the Markdown key table and the end-of-run summary box.
 * The key lists come from the actions table and the live keymap, so the
 * help can never disagree with what the keys do. */
#include "tui/dashboard/render.h"

#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/core/utf8.h"

struct legend {
    const char *glyph, *ascii, *word, *meaning;
    enum rd_role role;
};

static const struct legend legend[] = {
    {"◐", "~", N_("draining, upgrading, restarting"),
     N_("intentionally down: the procedure took it down"), RD_DOWN},
    {"▶", ">", N_("verifying"), N_("a check runs; the server is up"), RD_RUNNING},
    {"✔", "+", N_("verified"), N_("every step ended ok"), RD_OK},
    {"✖", "X", N_("failed"), N_("a step failed or timed out: needs an override"), RD_FAILED},
    {"?", "?", N_("lost"), N_("outcome unknown (connection dropped): probed, then asked"), RD_LOST},
    {"⤼", "-", N_("skipped"), N_("left out of this run by an override, with a reason"), RD_SKIPPED},
    {"✎", "*", N_("marked done"), N_("done by hand (override), with a reason"), RD_MARKED},
    {"…", ":", N_("queued"), N_("its domain is in progress; it waits its turn"), RD_NORMAL},
    {"·", ".", N_("waiting"), N_("nothing ran yet"), RD_DIM},
    /* a domain's title: signs of their own, so that each sign means one thing */
    {"○", "o", N_("ready"), N_("a domain the readiness check says may start"), RD_OK},
    {"◆", "@", N_("asked"), N_("the domain the question bar is about"), RD_QUESTION},
};
#define NLEGEND ((int)(sizeof legend / sizeof legend[0]))

static const char *ctx_note(enum act_ctx c)
{
    return c == ACT_CTX_TRAINING ? N_(" (training)")
           : c == ACT_CTX_OUTPUT ? N_(" (output pane)")
           : c == ACT_CTX_REPLAY ? N_(" (replay)")
                                 : "";
}

int help_line_count(const struct rd_view *v)
{
    (void)v;
    return 2 + ACT_COUNT + 2 + NLEGEND + 2;
}

#define HELP_KW 16   /* keys column */
#define HELP_NW 13   /* action name column */
#define HELP_LW 35   /* legend: sign and word */

/* Logical line i's long text (wrapped in its column), or NULL when the
 * line is one short row. */
static const char *help_long(const struct rd_view *v, int i, char *buf, size_t n)
{
    (void)v;
    if (i >= 2 && i < 2 + ACT_COUNT) {
        const struct act_info *ai = act_info((enum act_id)(i - 2));
        const char *cn = ctx_note(ai->ctx);
        snprintf(buf, n, "%s%s", _(ai->help), cn[0] ? _(cn) : "");
        return buf;
    }
    if (i >= 2 + ACT_COUNT + 2 && i < 2 + ACT_COUNT + 2 + NLEGEND)
        return _(legend[i - (2 + ACT_COUNT + 2)].meaning);
    return NULL;
}

/* Rows logical line i takes at text width tw: help is wrapped, never cut. */
static int help_rows(const struct rd_view *v, int i, int w)
{
    char buf[320];
    const char *t = help_long(v, i, buf, sizeof buf);
    if (!t)
        return 1;
    int col = i < 2 + ACT_COUNT ? HELP_KW + HELP_NW : HELP_LW;
    int n = canvas_wrap_count(t, w - 4 - col);
    return n > 0 ? n : 1;
}

void help_render(struct rd_canvas *cv, struct rd_view *v)
{
    int y0 = 0, h = cv->h - 1, w = cv->w;
    canvas_fill_rect(cv, y0, 0, h, w, RD_NORMAL);
    canvas_box(cv, y0, 0, h, w, RD_BORDER_FOCUS);
    canvas_put(cv, y0, 2, w - 4, RD_HEADER, _(" poolpilot help "));
    int rows = h - 2, n = help_line_count(v), total = 0;
    for (int i = 0; i < n; i++)
        total += help_rows(v, i, w);
    if (v->help_scroll > total - rows)
        v->help_scroll = total - rows;
    if (v->help_scroll < 0)
        v->help_scroll = 0;
    int x = 2, lim = w - 2, line = 0, y = y0 + 1;
    for (int i = 0; i < n && y < y0 + 1 + rows; i++) {
        int hr = help_rows(v, i, w);
        if (line < v->help_scroll) {   /* scrolled past (a wrapped line shows whole) */
            line += hr;
            continue;
        }
        int room = y0 + 1 + rows - y;
        if (hr > room && y > y0 + 1)
            break;   /* shown whole on the next page, never cut */
        line += hr;
        char buf[320];
        const char *t = help_long(v, i, buf, sizeof buf);
        if (i == 0) {
            canvas_put(cv, y, x, lim - x, RD_HEADER, _("Keys"));
        } else if (i == 1) {
            canvas_put_ell(cv, y, x, lim - x, RD_DIM,
                           _("Change them in the [keys] section of the config: action = keys"));
        } else if (i < 2 + ACT_COUNT) {
            enum act_id a = (enum act_id)(i - 2);
            char keys[96];
            keymap_all(v->km, a, cv->utf8, keys, sizeof keys);
            canvas_put_ell(cv, y, x, HELP_KW - 1, RD_KEY, keys[0] ? keys : _("(none)"));
            canvas_put(cv, y, x + HELP_KW, HELP_NW - 1, RD_NORMAL, act_info(a)->name);
            canvas_wrap(cv, y, x + HELP_KW + HELP_NW, lim - x - HELP_KW - HELP_NW, room,
                        RD_NORMAL, t);
        } else if (i == 2 + ACT_COUNT + 1) {
            canvas_put(cv, y, x, lim - x, RD_HEADER, _("What the signs mean"));
        } else if (i >= 2 + ACT_COUNT + 2 && i < 2 + ACT_COUNT + 2 + NLEGEND) {
            const struct legend *l = &legend[i - (2 + ACT_COUNT + 2)];
            canvas_put(cv, y, x, 2, l->role, cv->utf8 ? l->glyph : l->ascii);
            canvas_put_ell(cv, y, x + 2, HELP_LW - 3, l->role, _(l->word));
            canvas_wrap(cv, y, x + HELP_LW, lim - x - HELP_LW, room, RD_NORMAL, t);
        } else if (i == n - 1) {
            canvas_put_ell(cv, y, x, lim - x, RD_DIM,
                           _("Colours only repeat what the signs and words say."));
        }
        y += hr < room ? hr : room;
    }
    if (v->help_scroll + rows < total)
        canvas_put(cv, y0 + h - 1, w - 12, 10, RD_WARNING, cv->utf8 ? _(" ▼ more ") : _(" v more "));
}

static void md_escape(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else
            fputc(*s, out);
    }
}

void help_print_markdown(FILE *out)
{
    struct keymap km;
    keymap_build(&km, NULL, NULL);
    fputs("| Keys | Action | What it does |\n|---|---|---|\n", out);
    for (int a = 0; a < ACT_COUNT; a++) {
        const struct act_info *ai = act_info((enum act_id)a);
        fputs("| ", out);
        for (int k = 0; k < km.nkeys[a]; k++) {
            char kn[32];
            keymap_key_name(km.keys[a][k], false, kn, sizeof kn);
            fprintf(out, "%s`", k ? " " : "");
            /* a backtick key needs a longer fence in Markdown */
            md_escape(out, strcmp(kn, "`") == 0 ? "`` ` ``" : kn);
            fputs("`", out);
        }
        fprintf(out, " | %s | ", ai->name);
        md_escape(out, ai->help);
        fprintf(out, "%s |\n", ctx_note(ai->ctx));
    }
}

void summary_render(struct rd_canvas *cv, const struct rd_view *v, const struct rd_source *src)
{
    const struct pp_model *m = src->m;
    int cnt[PP_SRV_MARKED_DONE + 1] = {0};
    for (int i = 0; i < m->nservers; i++)
        if (m->servers[i].state >= 0 && m->servers[i].state <= PP_SRV_MARKED_DONE)
            cnt[m->servers[i].state]++;
    int w = cv->w - 4 < 70 ? cv->w - 4 : 70, h = v->debrief ? 11 : 10;
    if (w < 20)
        w = cv->w;
    if (h > cv->h)
        h = cv->h;
    int x = (cv->w - w) / 2, y = (cv->h - h) / 2;
    canvas_fill_rect(cv, y, x, h, w, RD_NORMAL);
    bool ok = v->exit_code == 0;
    canvas_box(cv, y, x, h, w, ok ? RD_OK : RD_WARNING);
    char t[PP_REASON_MAX + 64], d[32];
    snprintf(t, sizeof t, _(" %s (exit code %d) "), ok ? _("Run complete") : _("Run stopped"),
             v->exit_code);
    canvas_put(cv, y, x + 2, w - 4, ok ? RD_OK : RD_WARNING, t);
    int ly = y + 1, lw = w - 4;
    if (v->exit_text[0])
        ly += canvas_wrap(cv, ly, x + 2, lw, 2, RD_NORMAL, v->exit_text);
    else if (m->problem[0])
        ly += canvas_wrap(cv, ly, x + 2, lw, 2, RD_NORMAL, m->problem);
    snprintf(t, sizeof t, _("Domains done %d of %d"), m->domains_done, m->ndomains);
    canvas_put_ell(cv, ly++, x + 2, lw, RD_HEADER, t);
    snprintf(t, sizeof t, _("verified %d, marked done %d, skipped %d"), cnt[PP_SRV_VERIFIED],
             cnt[PP_SRV_MARKED_DONE], cnt[PP_SRV_SKIPPED]);
    canvas_put_ell(cv, ly++, x + 2, lw, RD_NORMAL, t);
    snprintf(t, sizeof t, _("failed %d, lost %d, not done %d"), cnt[PP_SRV_FAILED], cnt[PP_SRV_LOST],
             cnt[PP_SRV_PENDING] + cnt[PP_SRV_QUEUED] + cnt[PP_SRV_RUNNING]);
    canvas_put_ell(cv, ly++, x + 2, lw,
                   cnt[PP_SRV_FAILED] + cnt[PP_SRV_LOST] ? RD_FAILED : RD_NORMAL, t);
    snprintf(t, sizeof t, _("elapsed %s"),
             render_duration(render_elapsed(v, src), d, sizeof d));
    if (ly < y + h - 2)
        canvas_put_ell(cv, ly++, x + 2, lw, RD_NORMAL, t);
    char qk[32];
    if (v->debrief) {
        keymap_first(v->km, ACT_WALKTHROUGH, cv->utf8, qk, sizeof qk);
        snprintf(t, sizeof t, _("%s the debrief: every decision, and where the run left the "
                                "expected path"), qk[0] ? qk : "w");
        canvas_put_ell(cv, y + h - 3, x + 2, lw, RD_WARNING, t);
    }
    keymap_first(v->km, ACT_QUIT, cv->utf8, qk, sizeof qk);
    snprintf(t, sizeof t, _("%s leave, Esc look around (the journal has every step)"),
             qk[0] ? qk : "C-c");
    canvas_put_ell(cv, y + h - 2, x + 2, lw, RD_DIM, t);
}
