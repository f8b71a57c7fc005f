/* The checklist pane: the pool gate, failover/failback, then every domain
 * and its servers with a tick, who, when, and the reason of an override.
 * Lines are numbered virtually and only the visible ones are formatted. */
#include "tui/dashboard/render.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend/core/i18n.h"
#include "backend/core/utf8.h"
#include "backend/journal/journal.h"

static bool show_dr(const struct pp_model *m)
{
    if (!m->backup_pool[0])
        return false;
    return m->failed_over || m->failed_back || m->phase == PP_PH_PROBLEM ||
           m->phase == PP_PH_FAILOVER || m->phase == PP_PH_FAILBACK_ASK ||
           m->phase == PP_PH_FAILBACK || m->ask == PP_ASK_FAILOVER;
}

/* The Back End's update, once the run has reached it (issue 11 item 13) */
static bool show_backend(const struct pp_model *m) { return m->backend_item[0] != 0; }

static int head_lines(const struct pp_model *m)
{
    return 1 + (show_dr(m) ? 2 : 0) + (show_backend(m) ? 1 : 0);
}


int checklist_line_count(const struct rd_view *v, const struct pp_model *m)
{
    int n = head_lines(m), np = render_panel_count(v, m);
    for (int p = 0; p < np; p++) {
        int k;
        render_panel_members(v, m, p, &k);
        n += 1 + k;
    }
    return n;
}

/* The line of panel p's header. */
static int panel_line(const struct rd_view *v, const struct pp_model *m, int p)
{
    int n = head_lines(m);
    for (int i = 0; i < p; i++) {
        int k;
        render_panel_members(v, m, i, &k);
        n += 1 + k;
    }
    return n;
}

static const char *clock_at(const struct rd_source *src, pp_ms t, char *buf, size_t n)
{
    if (t <= 0 && src->m->started_at < 0) {
        snprintf(buf, n, "--:--");
        return buf;
    }
    time_t secs = (time_t)((t + src->wall_offset) / 1000);
    struct tm tm;
    if (!localtime_r(&secs, &tm)) {
        snprintf(buf, n, "--:--");
        return buf;
    }
    strftime(buf, n, "%H:%M", &tm);
    return buf;
}

static void tick_line(struct rd_canvas *cv, int y, int x, int w, int indent, const char *box,
                      enum rd_role role, const char *text, enum rd_role trole)
{
    int cx = x + indent;
    cx += canvas_put(cv, y, cx, x + w - cx, role, box);
    cx += canvas_put(cv, y, cx, x + w - cx, RD_NORMAL, " ");
    canvas_put_ell(cv, y, cx, x + w - cx, trole, text);
}

static void backend_item(struct rd_canvas *cv, int y, int x, int w, const struct pp_model *m)
{
    const char *b = m->backend_item, *tick = "[!]", *t;
    enum rd_role role = RD_WARNING;
    if (!strcmp(b, "asked")) {
        tick = "[ ]", role = RD_NORMAL, t = _("Back End databases: update?");
    } else if (!strcmp(b, "running")) {
        tick = "[>]", role = RD_NORMAL, t = _("Back End databases: updating");
    } else if (!strcmp(b, "ok")) {
        tick = "[x]", role = RD_OK, t = _("Back End databases updated");
    } else if (!strcmp(b, "done")) {
        tick = "[x]", role = RD_OK, t = _("Back End databases updated (the operator's word)");
    } else if (!strcmp(b, "declined")) {
        t = _("Back End update declined: override on the pool");
    } else if (!strcmp(b, "open")) {
        t = _("Back End open: run Install-CsDatabase -Update -ConfiguredDatabases");
    } else {
        t = _("Back End update failed or lost: override on the pool");
    }
    tick_line(cv, y, x, w, 0, tick, role, t, RD_HEADER);
}

static void server_item(struct rd_canvas *cv, int y, int x, int w, const struct rd_source *src,
                        int si)
{
    const struct pp_server *s = &src->m->servers[si];
    struct rd_state_look l = render_server_look(s, cv->utf8);
    char t[PP_REASON_MAX + PP_NAME_MAX + 96], c[16], d[32], said[PP_REASON_MAX + 64];
    const char *box = "[ ]";
    switch (s->state) {
    case PP_SRV_VERIFIED:
        box = "[x]";
        snprintf(t, sizeof t, _("%s verified %s (%s)%s%s"), s->name, clock_at(src, s->finished, c, sizeof c),
                 render_duration(s->finished - s->steps_started, d, sizeof d), s->by[0] ? " " : "",
                 s->by);
        break;
    case PP_SRV_MARKED_DONE:
        box = "[~]";
        snprintf(t, sizeof t, _("%s marked done by hand%s%s %s: %s"), s->name, s->by[0] ? _(" by ") : "",
                 s->by, clock_at(src, s->finished, c, sizeof c), s->reason);
        break;
    case PP_SRV_SKIPPED:
        box = "[-]";
        snprintf(t, sizeof t, _("%s skipped%s%s %s: %s"), s->name, s->by[0] ? _(" by ") : "", s->by,
                 clock_at(src, s->finished, c, sizeof c), s->reason);
        break;
    case PP_SRV_FAILED:
        box = "[!]";
        journal_say(s->reason, said, sizeof said);
        snprintf(t, sizeof t, _("%s FAILED at %s%s%s"), s->name, pp_step_label(s->step),
                 s->reason[0] ? _(": ") : "", said);
        break;
    case PP_SRV_LOST:
        box = "[?]";
        snprintf(t, sizeof t, _("%s outcome of %s unknown%s%s"), s->name, pp_step_label(s->step),
                 s->probed ? _(", probe: ") : "", s->probed ? s->probe_answer : "");
        break;
    case PP_SRV_RUNNING:
        box = "[>]";
        snprintf(t, sizeof t, "%s %s %s", s->name, l.word,
                 render_duration(src->now - s->step_started, d, sizeof d));
        break;
    case PP_SRV_QUEUED:
        snprintf(t, sizeof t, _("%s queued"), s->name);
        break;
    default: {
        /* steps already done before an interruption still count */
        int done = 0;
        for (int i = 0; i < PP_STEP_COUNT; i++)
            done += s->step_done[i];
        if (done)
            snprintf(t, sizeof t, _("%s %d/%d steps done"), s->name, done, PP_STEP_COUNT);
        else
            snprintf(t, sizeof t, "%s", s->name);
    }
    }
    if (s->down && s->state != PP_SRV_RUNNING) {
        size_t used = strlen(t);
        snprintf(t + used, sizeof t - used, "%s", _(" (services down)"));
    }
    tick_line(cv, y, x, w, 3, box, l.role, t, s->state == PP_SRV_PENDING ? RD_DIM : l.role);
    canvas_tag(cv, y, x, w, RD_TAG_SERVER, si);
}

static void domain_item(struct rd_canvas *cv, int y, int x, int w, const struct rd_source *src,
                        const struct rd_view *v, int p)
{
    const struct pp_model *m = src->m;
    char t[PP_REASON_MAX + 160], c[16];
    if (p >= m->ndomains) {
        tick_line(cv, y, x, w, 0, "[ ]", RD_DIM, _("servers not in a domain yet"), RD_DIM);
        return;
    }
    const struct pp_domain *d = &m->domains[p];
    const char *box = "[ ]";
    enum rd_role role = RD_HEADER;
    int settled = 0;
    for (int i = 0; i < d->nmembers; i++)
        settled += model_server_settled(&m->servers[d->members[i]]);
    switch (d->state) {
    case PP_DOM_DONE:
        box = "[x]";
        role = RD_OK;
        if (d->manual)
            snprintf(t, sizeof t, _("%s marked done by hand%s%s: %s"), d->name, d->by[0] ? _(" by ") : "",
                     d->by, d->reason);
        else
            snprintf(t, sizeof t, _("%s done %s%s%s"), d->name, clock_at(src, d->finished, c, sizeof c),
                     d->by[0] ? " " : "", d->by);
        break;
    case PP_DOM_DONE_EXCEPTIONS:
        box = "[~]";
        role = RD_WARNING;
        snprintf(t, sizeof t, _("%s done with exceptions %s"), d->name,
                 clock_at(src, d->finished, c, sizeof c));
        break;
    case PP_DOM_ACTIVE:
        box = "[>]";
        role = RD_RUNNING;
        snprintf(t, sizeof t, _("%s in progress %d/%d, started %s%s%s"), d->name, settled,
                 d->nmembers, clock_at(src, d->started, c, sizeof c), d->by[0] ? _(" by ") : "",
                 d->by);
        break;
    case PP_DOM_NOT_READY:
        snprintf(t, sizeof t, _("%s not ready for upgrade"), d->name);
        role = RD_WARNING;
        break;
    default:
        snprintf(t, sizeof t, "%s %s", d->name, d->state == PP_DOM_READY ? _("ready") : _("waiting"));
        break;
    }
    (void)v;
    tick_line(cv, y, x, w, 0, box, role, t, RD_HEADER);
    canvas_tag(cv, y, x, w, RD_TAG_DOMAIN, p);
}

static void head_item(struct rd_canvas *cv, int y, int x, int w, const struct rd_source *src,
                      int line)
{
    const struct pp_model *m = src->m;
    char t[PP_REASON_MAX + PP_NAME_MAX], c[16];
    if (line == 0) {
        if (m->last_check < 0)
            tick_line(cv, y, x, w, 0, "[ ]", RD_DIM, _("Readiness check"), RD_HEADER);
        else if (!model_readiness_current(m)) {
            /* an answer from before the failover (or failback) is history:
             * said as such, never ticked as the pool's state now */
            /* "was" comes first: at 80 columns the rest may be cut */
            snprintf(t, sizeof t,
                     m->last_move_back ? _("Readiness was %s %s (before the failback)")
                                       : _("Readiness was %s %s (before the failover)"),
                     pp_ready_name(m->readiness), clock_at(src, m->last_check, c, sizeof c));
            tick_line(cv, y, x, w, 0, "[ ]", RD_DIM, t, RD_HEADER);
        } else {
            snprintf(t, sizeof t, _("Readiness %s %s"), pp_ready_name(m->readiness),
                     clock_at(src, m->last_check, c, sizeof c));
            if (m->busy_strikes)
                snprintf(t + strlen(t), sizeof t - strlen(t), _(" (Busy %d in a row)"),
                         m->busy_strikes);
            tick_line(cv, y, x, w, 0, m->readiness == PP_READY_READY ? "[x]" : "[!]",
                      m->readiness == PP_READY_READY ? RD_OK : RD_WARNING, t, RD_HEADER);
        }
        canvas_tag(cv, y, x, w, RD_TAG_POOL, 0);
    } else if (!show_dr(m) || line > 2) {
        backend_item(cv, y, x, w, m);
    } else if (line == 1) {
        snprintf(t, sizeof t, _("Failover to %s"), m->backup_pool);
        tick_line(cv, y, x, w, 0,
                  m->failed_over ? "[x]" : m->phase == PP_PH_FAILOVER ? "[>]" : "[ ]",
                  m->failed_over ? RD_WARNING : RD_NORMAL, t, RD_HEADER);
    } else {
        snprintf(t, sizeof t, _("Failback from %s"), m->backup_pool);
        tick_line(cv, y, x, w, 0,
                  m->failed_back ? "[x]" : m->phase == PP_PH_FAILBACK ? "[>]" : "[ ]",
                  m->failed_back ? RD_OK : RD_NORMAL, t, RD_HEADER);
    }
}

void checklist_render(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src)
{
    const struct pp_model *m = src->m;
    const struct rd_layout *L = &v->lay;
    int x = L->chk_x, w = L->chk_w, y0 = L->low_y;
    if (L->low_h < 2)
        return;
    bool focus = v->focus == RD_PANE_CHECKLIST;
    canvas_fill(cv, y0, x, w, ' ', focus ? RD_BORDER_FOCUS : RD_HEADER);
    canvas_put(cv, y0, x + 1, w - 2, focus ? RD_BORDER_FOCUS : RD_HEADER, _("Checklist"));
    canvas_tag(cv, y0, x, w, RD_TAG_PANE, RD_PANE_CHECKLIST);

    int rows = L->low_h - 1, total = checklist_line_count(v, m);
    int np = render_panel_count(v, m);
    if (v->chk_follow) {
        /* follow the selected domain, else the one in progress */
        int p = v->sel != RD_SEL_POOL ? v->sel_domain
                : m->active_domain >= 0 ? m->active_domain : -1;
        int want = p >= 0 && p < np ? panel_line(v, m, p) : 0;
        int sel_line = want;
        if (v->sel == RD_SEL_SERVER) {
            int n;
            const int *mem = render_panel_members(v, m, v->sel_domain, &n);
            for (int i = 0; i < n; i++)
                if (mem[i] == v->sel_server)
                    sel_line = want + 1 + i;
        }
        if (want < v->chk_scroll || sel_line >= v->chk_scroll + rows)
            v->chk_scroll = sel_line - want < rows ? want : sel_line - rows + 1;
    }
    if (v->chk_scroll > total - rows)
        v->chk_scroll = total - rows;
    if (v->chk_scroll < 0)
        v->chk_scroll = 0;

    /* walk to the first visible line without formatting the ones above */
    int line = 0, p = 0, k = -1;   /* k = -1: the panel's header line */
    int hl = head_lines(m);
    int target = v->chk_scroll;
    if (target >= hl) {
        line = hl;
        while (p < np) {
            int n;
            render_panel_members(v, m, p, &n);
            if (line + 1 + n > target)
                break;
            line += 1 + n;
            p++;
        }
        k = target - line - 1;
        line = target;
    }
    for (int r = 0; r < rows && line < total; r++, line++) {
        int y = y0 + 1 + r;
        if (line < hl) {
            head_item(cv, y, x + 1, w - 2, src, line);
            continue;
        }
        int n;
        const int *mem = render_panel_members(v, m, p, &n);
        if (k < 0) {
            domain_item(cv, y, x + 1, w - 2, src, v, p);
        } else {
            server_item(cv, y, x + 1, w - 2, src, mem[k]);
            if (v->sel == RD_SEL_SERVER && v->sel_server == mem[k])
                canvas_flag(cv, y, x + 1, w - 2, RD_F_SEL);
        }
        if (++k >= n) {
            p++;
            k = -1;
        }
    }
    if (v->chk_scroll > 0)
        canvas_put(cv, y0, x + w - 3, 2, RD_WARNING, cv->utf8 ? "▲" : "^");
    if (v->chk_scroll + rows < total)
        canvas_put(cv, y0, x + w - 2, 2, RD_WARNING, cv->utf8 ? "▼" : "v");
}
