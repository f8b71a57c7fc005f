/* The screen layout and its fixed rows: title, pool lines, question bar,
 * message and key lines, the "terminal too small" screen.  The panes have
 * their own files (panel_domain.c, pane_checklist.c, pane_output.c). */
#include "tui/dashboard/render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/core/utf8.h"

void rd_view_init(struct rd_view *v, const struct keymap *km, bool training)
{
    memset(v, 0, sizeof *v);
    v->focus = RD_PANE_DOMAINS;
    v->sel = RD_SEL_POOL;
    v->chk_follow = true;
    v->out_follow = true;
    v->search_hit = -1;
    v->ended_at = -1;
    v->km = km;
    v->training = training;
}

enum act_id render_key_action(const struct rd_view *v, int key)
{
    enum act_ctx ctx = v->focus == RD_PANE_OUTPUT ? ACT_CTX_OUTPUT : ACT_CTX_GLOBAL;
    enum act_id a = keymap_lookup(v->km, key, ctx, v->training);
    if ((a == ACT_SEARCH_NEXT || a == ACT_SEARCH_PREV) && !v->search[0])
        a = keymap_lookup(v->km, key, ACT_CTX_GLOBAL, v->training);
    return a;
}

pp_ms render_elapsed(const struct rd_view *v, const struct rd_source *src)
{
    const struct pp_model *m = src->m;
    if (m->started_at < 0)
        return -1;
    pp_ms end = v->ended && v->ended_at >= m->started_at && v->ended_at >= 0 ? v->ended_at : src->now;
    return end - m->started_at;
}

bool render_override_applies(const struct rd_view *v, const struct pp_model *m)
{
    if (v->sel != RD_SEL_SERVER || v->sel_server < 0 || v->sel_server >= m->nservers)
        return true;
    const struct pp_server *s = &m->servers[v->sel_server];
    bool drain = (s->state == PP_SRV_RUNNING && s->step == PP_STEP_DRAIN) ||
                 (m->ask == PP_ASK_FORCE_DRAIN && m->ask_server == v->sel_server);
    return dlg_server_overridable(s->state, drain);
}

void rd_view_free(struct rd_view *v)
{
    dlg_wipe(&v->dlg);
    free(v->olines);
    free(v->ohdr);
    free(v->unassigned);
    v->olines = NULL;
    v->ohdr = NULL;
    v->unassigned = NULL;
    v->nolines = v->colines = v->cohdr = v->nunassigned = v->cunassigned = 0;
}

const char *render_duration(pp_ms ms, char *buf, size_t n)
{
    if (ms < 0 || ms == PP_MS_NEVER) {
        snprintf(buf, n, "--");
        return buf;
    }
    long long s = (long long)(ms / 1000);
    if (s >= 3600)
        snprintf(buf, n, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, n, "%02lld:%02lld", s / 60, s % 60);
    return buf;
}

bool render_server_down(const struct pp_server *s)
{
    if (s->state != PP_SRV_RUNNING)
        return false;
    return s->down || s->step == PP_STEP_DRAIN || s->step == PP_STEP_UPGRADE ||
           s->step == PP_STEP_RESTART;
}

struct rd_state_look render_server_look(const struct pp_server *s, bool u)
{
    struct rd_state_look l = {u ? "·" : ".", _("waiting"), RD_DIM};
    switch (s->state) {
    case PP_SRV_PENDING:
        break;
    case PP_SRV_QUEUED:
        /* not ○/o: that is a domain the readiness check calls ready */
        l = (struct rd_state_look){u ? "…" : ":", _("queued"), RD_NORMAL};
        break;
    case PP_SRV_RUNNING:
        if (render_server_down(s)) {
            /* intentionally down: the procedure took it down on purpose */
            static const char *const w[] = {N_("draining"), N_("upgrading"),
                                            N_("restarting"), N_("verifying")};
            l = (struct rd_state_look){u ? "◐" : "~",
                                       (s->step >= 0 && s->step < PP_STEP_COUNT) ? _(w[s->step])
                                                                                  : _("down"),
                                       RD_DOWN};
        } else {
            l = (struct rd_state_look){u ? "▶" : ">", _("verifying"), RD_RUNNING};
        }
        break;
    case PP_SRV_VERIFIED:
        l = (struct rd_state_look){u ? "✔" : "+", _("verified"), RD_OK};
        break;
    case PP_SRV_FAILED:
        l = (struct rd_state_look){u ? "✖" : "X", _("failed"), RD_FAILED};
        break;
    case PP_SRV_LOST:
        l = (struct rd_state_look){"?", _("lost"), RD_LOST};
        break;
    case PP_SRV_SKIPPED:
        l = (struct rd_state_look){u ? "⤼" : "-", _("skipped"), RD_SKIPPED};
        break;
    case PP_SRV_MARKED_DONE:
        l = (struct rd_state_look){u ? "✎" : "*", _("marked done"), RD_MARKED};
        break;
    }
    return l;
}

int render_running_count(const struct pp_model *m)
{
    int n = 0;
    for (int i = 0; i < m->nservers; i++)
        if (m->servers[i].state == PP_SRV_RUNNING)
            n++;
    /* pool-level commands (readiness, failover) run on no listed server */
    if (m->phase == PP_PH_CHECKING || m->phase == PP_PH_FAILOVER || m->phase == PP_PH_FAILBACK)
        n++;
    return n;
}

void render_update_unassigned(struct rd_view *v, const struct pp_model *m)
{
    v->nunassigned = 0;
    for (int i = 0; i < m->nservers; i++) {
        if (m->servers[i].domain >= 0)
            continue;
        if (v->nunassigned == v->cunassigned) {
            int cap = v->cunassigned ? v->cunassigned * 2 : 16;
            int *p = realloc(v->unassigned, (size_t)cap * sizeof *p);
            if (!p)
                return;
            v->unassigned = p;
            v->cunassigned = cap;
        }
        v->unassigned[v->nunassigned++] = i;
    }
}

int render_panel_count(const struct rd_view *v, const struct pp_model *m)
{
    return m->ndomains + (v->nunassigned > 0 ? 1 : 0);
}

const int *render_panel_members(const struct rd_view *v, const struct pp_model *m, int p,
                                int *n)
{
    if (p >= 0 && p < m->ndomains) {
        *n = m->domains[p].nmembers;
        return m->domains[p].members;
    }
    *n = v->nunassigned;
    return v->unassigned;
}

/* Keeps the selection pointing at something that exists (domains can be
 * discovered, servers can move out of the unassigned panel). */
static void fix_selection(struct rd_view *v, const struct pp_model *m)
{
    int np = render_panel_count(v, m);
    if (v->sel == RD_SEL_SERVER) {
        if (v->sel_server < 0 || v->sel_server >= m->nservers) {
            v->sel = RD_SEL_POOL;
        } else {
            int d = m->servers[v->sel_server].domain;
            v->sel_domain = d >= 0 ? d : m->ndomains;
        }
    }
    if (v->sel == RD_SEL_DOMAIN && (v->sel_domain < 0 || v->sel_domain >= np))
        v->sel = RD_SEL_POOL;
    if (v->sel == RD_SEL_POOL)
        v->sel_domain = np > 0 ? (v->sel_domain >= 0 && v->sel_domain < np ? v->sel_domain : 0) : 0;
}

/* ---- the title line and the two pool lines ---- */

static void render_title(struct rd_canvas *cv, const struct rd_view *v,
                         const struct rd_source *src)
{
    const struct pp_model *m = src->m;
    canvas_fill(cv, 0, 0, cv->w, ' ', RD_TITLE);
    char right[320], el[32], sc[32];
    pp_ms elapsed = render_elapsed(v, src);
    size_t ro = 0;
    /* the window's end, before the elapsed time, when the pool's name
     * keeps at least 40 columns */
    if (src->eta && src->eta[0] && !v->replay && utf8_width(src->eta) + 16 <= cv->w - 40)
        ro = (size_t)snprintf(right, sizeof right, "%s  ", src->eta);
    snprintf(right + ro, sizeof right - ro, _("elapsed %s "),
             render_duration(elapsed, el, sizeof el));
    int rw = utf8_width(right);
    char train[128] = "";
    if (v->replay) {
        snprintf(train, sizeof train, " %s ", v->replay_badge);
    } else if (m->training) {
        if (src->scale <= 0)
            snprintf(sc, sizeof sc, "max");
        else
            snprintf(sc, sizeof sc, "%s%g", cv->utf8 ? "×" : "x", src->scale);
        snprintf(train, sizeof train, _(" TRAINING %s %s%s "), m->scenario, sc,
                 src->paused ? _(" PAUSED") : "");
    }
    int tw = utf8_width(train);
    char left[PP_NAME_MAX + 96];
    /* how the run ended right after the pool's name, so that a narrow
     * terminal cuts the profile's words, never COMPLETE / STOPPED; the
     * procedure beside the profile: an SfB pool goes server by server, a
     * Lync 2013 pool domain by domain (issue 11 item 7) */
    snprintf(left, sizeof left, " poolpilot  %s%s  %s  %s  %s", m->fqdn,
             v->ended ? (m->phase == PP_PH_COMPLETE ? _("  COMPLETE") : _("  STOPPED")) : "",
             m->profile, m->procedure == PP_PROC_SERVER ? _("by server") : _("by domain"),
             m->mode == PP_MODE_DOWNTIME ? "downtime" : "graceful");
    int avail = cv->w - rw - tw - 1;
    canvas_put_ell(cv, 0, 0, avail, RD_TITLE, left);
    if (tw)
        canvas_put(cv, 0, cv->w - rw - tw, tw, RD_TRAINING, train);
    canvas_put(cv, 0, cv->w - rw, rw, RD_TITLE, right);
}

/* The phase in words (the journal and --status keep model_phase_name). */
/* What the run is doing, in words: the engine's phase names
 * ("failback-ask") are for the code and the journal, not the operator. */
static const char *phase_word(enum pp_phase p)
{
    static const char *const w[] = {
        N_("starting"),     N_("checking"), N_("waiting: Busy"), N_("pool problem"),
        N_("failing over"), N_("choosing"), N_("upgrading"),     N_("settling"),
        N_("fail back?"),   N_("failing back"), N_("updating the Back End"),
        N_("complete"),     N_("stopped")};
    return p >= 0 && p <= PP_PH_STOPPED ? _(w[p]) : "?";
}

static enum rd_role ready_role(enum pp_ready r)
{
    switch (r) {
    case PP_READY_READY: return RD_OK;
    case PP_READY_BUSY: return RD_WARNING;
    case PP_READY_INSUFFICIENT: return RD_FAILED;
    default: return RD_DIM;
    }
}

/* Writes text and advances x; returns the new x. */
static int seg(struct rd_canvas *cv, int y, int x, enum rd_role role, const char *text)
{
    return x + canvas_put(cv, y, x, cv->w - x, role, text);
}

static int segf(struct rd_canvas *cv, int y, int x, enum rd_role role, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int segf(struct rd_canvas *cv, int y, int x, enum rd_role role, const char *fmt, ...)
{
    char buf[PP_REASON_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return seg(cv, y, x, role, buf);
}

/* Two lines that must fit 80 columns: the gate and quorum first, then the
 * waits.  Countdowns only appear while something is being waited for; the
 * DR pool name comes last and is the one that gets cut. */
static void render_pool(struct rd_canvas *cv, const struct rd_source *src)
{
    const struct pp_model *m = src->m;
    const struct pp_config *cfg = src->cfg;
    enum pp_quorum rule = cfg ? cfg->quorum : PP_QUORUM_LYNC;
    char b1[32], b2[32];
    const char *dot = cv->utf8 ? " · " : " | ";

    /* the last answer and its counts describe the pool only until the next
     * failover or failback: after that they are history, not its state */
    bool current = model_readiness_current(m);
    int y = 1, x = 1;
    x = seg(cv, y, x, RD_HEADER, _("Pool "));
    if (current)
        x = seg(cv, y, x, ready_role(m->readiness), pp_ready_name(m->readiness));
    else
        x = seg(cv, y, x, RD_DIM,
                m->last_check < 0  ? _("not checked yet")
                : m->last_move_back ? _("not checked since failback")
                                    : _("not checked since failover"));
    /* a stale answer's count is not shown at all: "active ?/8" adds
     * nothing and the longer words above need its room at 80 columns */
    if (current || m->last_check < 0) {
        x = seg(cv, y, x, RD_NORMAL, dot);
        if (current && m->active_fe >= 0 && m->total_fe >= 0)
            x = segf(cv, y, x, RD_NORMAL, _("active %d/%d"), m->active_fe, m->total_fe);
        else
            x = segf(cv, y, x, RD_DIM, _("active ?/%d"), m->nservers);
    }
    x = seg(cv, y, x, RD_NORMAL, dot);
    if (rule == PP_QUORUM_NONE) {
        x = seg(cv, y, x, RD_DIM, _("no quorum rule"));
    } else {
        int up = 0, need = 0;
        quorum_ok_without(m, rule, -1, &up, &need);
        int among = quorum_among(m, rule, -1);
        int margin = up - need;
        x = segf(cv, y, x, RD_NORMAL, _("quorum needs %d"), need);
        if (among < m->nservers)
            x = segf(cv, y, x, RD_NORMAL, _(" of first %d"), among);
        /* "up" is what poolpilot took down or not; when the pool itself
         * reports fewer active Front Ends than that, the pool is right and
         * a margin computed from poolpilot's count would contradict the
         * "active" figure beside it */
        if (current && m->active_fe >= 0 && m->active_fe < up)
            x = segf(cv, y, x, m->active_fe < need ? RD_FAILED : RD_WARNING,
                     _(" (pool: only %d active)"), m->active_fe);
        else
            x = segf(cv, y, x, margin < 0 ? RD_FAILED : margin == 0 ? RD_WARNING : RD_OK,
                     _(" (up %d, margin %d)"), up, margin);
    }
    (void)x;

    y = 2, x = 1;
    x = seg(cv, y, x, RD_HEADER, phase_word(m->phase));
    if (m->active_domain >= 0 && m->active_domain < m->ndomains)
        x = segf(cv, y, x, RD_NORMAL, " %s", m->domains[m->active_domain].name);
    /* the Busy series counts answers: one from before the last failover or
     * failback is history too ("complete · Busy 3/3" said otherwise) */
    if (current || m->last_check < 0) {
        x = seg(cv, y, x, RD_NORMAL, dot);
        int strikes = cfg ? cfg->timing.busy_strikes : 3;
        x = segf(cv, y, x, m->busy_strikes ? RD_WARNING : RD_NORMAL, _("Busy %d/%d"),
                 m->busy_strikes, strikes);
    }
    if (m->phase == PP_PH_CHECKING) {
        x = seg(cv, y, x, RD_NORMAL, dot);
        if (m->check_server >= 0 && m->check_server < m->nservers)
            x = segf(cv, y, x, RD_RUNNING, _("checking on %s"), m->servers[m->check_server].name);
        else
            x = seg(cv, y, x, RD_RUNNING, _("checking"));
    } else if (m->next_check != PP_MS_NEVER) {
        pp_ms left = m->next_check - src->now;
        x = seg(cv, y, x, RD_NORMAL, dot);
        x = left > 0 ? segf(cv, y, x, RD_NORMAL, _("next check in %s"),
                            render_duration(left, b1, sizeof b1))
                     : seg(cv, y, x, RD_NORMAL, _("check due"));
    }
    if (m->settle_until != PP_MS_NEVER) {
        pp_ms left = m->settle_until - src->now;
        x = seg(cv, y, x, RD_NORMAL, dot);
        x = segf(cv, y, x, RD_WARNING, _("settle %s left"),
                 render_duration(left > 0 ? left : 0, b2, sizeof b2));
    }
    x = seg(cv, y, x, RD_NORMAL, dot);
    char dr[PP_NAME_MAX + 48];
    enum rd_role dr_role = RD_NORMAL;
    if (!m->backup_pool[0]) {
        snprintf(dr, sizeof dr, "%s", _("no DR pool"));
        dr_role = RD_DIM;
    } else if (m->failed_over && !m->failed_back) {
        snprintf(dr, sizeof dr, _("FAILED OVER to %s"), m->backup_pool);
        dr_role = RD_WARNING;
    } else if (m->failed_back) {
        snprintf(dr, sizeof dr, _("failed back from %s"), m->backup_pool);
        dr_role = RD_OK;
    } else {
        snprintf(dr, sizeof dr, _("DR %s"), m->backup_pool);
    }
    x += canvas_put_ell(cv, y, x, cv->w - x - 1, dr_role, dr);
    if (m->problem[0]) {
        x = seg(cv, y, x, RD_NORMAL, dot);
        canvas_put_ell(cv, y, x, cv->w - x - 1, RD_FAILED, m->problem);
    }
}

/* ---- the question bar ---- */

static const char *ask_label(enum pp_ask_kind k)
{
    switch (k) {
    case PP_ASK_START_DOMAIN: return _("Start domain?");
    case PP_ASK_START_SERVER: return _("Start server?");
    case PP_ASK_START_STEP: return _("Run step?");
    case PP_ASK_FAILOVER: return _("Fail over?");
    case PP_ASK_FAILBACK: return _("Fail back?");
    case PP_ASK_BACKEND: return _("Update the Back End?");
    case PP_ASK_RERUN: return _("Re-run the step?");
    case PP_ASK_FORCE_DRAIN: return _("Drain overran:");
    case PP_ASK_OPERATOR: return _("Needs you:");
    default: return "";
    }
}

/* The quorum and plan line of a START_DOMAIN question, computed here from
 * the model when the engine's wording does not say it (or was cut: a long
 * server list fills the question), so the operator always sees "N of M
 * Front Ends stay up; quorum needs K".  The numbers come first: they are
 * what must survive when the line is cut.  The engine says whether its
 * text holds the quorum (ask_quorum): the text itself is translated, so
 * no word of it can tell. */
static void ask_quorum_line(const struct rd_source *src, char *buf, size_t n)
{
    const struct pp_model *m = src->m;
    int d = m->ask_domain;
    buf[0] = 0;
    if (m->ask != PP_ASK_START_DOMAIN || d < 0 || d >= m->ndomains || m->ask_quorum)
        return;
    const struct pp_domain *dom = &m->domains[d];
    enum pp_quorum rule = src->cfg ? src->cfg->quorum : PP_QUORUM_LYNC;
    int up_first = 0, need = 0, stay = 0;
    bool ok = quorum_ok_without(m, rule, d, &up_first, &need);
    for (int i = 0; i < m->nservers; i++)
        if (m->servers[i].domain != d && model_server_up(&m->servers[i]))
            stay++;
    int among = quorum_among(m, rule, d);
    size_t used;
    if (rule == PP_QUORUM_NONE)
        used = (size_t)snprintf(buf, n, _("%d of %d Front Ends stay up; no quorum rule."), stay,
                                m->nservers);
    else if (among < m->nservers)
        used = (size_t)snprintf(buf, n,
                                _("%d of %d Front Ends stay up; quorum needs %d of the first %d "
                                  "(%d stay up)%s"),
                                stay, m->nservers, need, among, up_first,
                                ok ? _(".") : _(" - NOT ENOUGH."));
    else
        used = (size_t)snprintf(buf, n, _("%d of %d Front Ends stay up; quorum needs %d%s"), stay,
                                m->nservers, need, ok ? _(".") : _(" - NOT ENOUGH."));
    if (used >= n)
        return;
    used += (size_t)snprintf(buf + used, n - used, _(" %s on"),
                             m->mode == PP_MODE_DOWNTIME ? _("Stop now, upgrade, restart, verify")
                                                         : _("Drain, upgrade, restart, verify"));
    for (int i = 0; i < dom->nmembers && used < n; i++) {
        const char *nm = m->servers[dom->members[i]].name;
        used += (size_t)snprintf(buf + used, n - used, " %.*s", (int)strcspn(nm, "."), nm);
    }
    if (used < n)
        snprintf(buf + used, n - used, ".");
}

#define ASK_TEXT_LINES 3
#define ASK_QUORUM_LINES 2
/* Rows the rest of the screen keeps when the question needs more: the
 * title and pool lines (3), the message and key lines (2), one row of
 * domain panels and the lower panes (9). */
#define ASK_KEEP_ROWS 14

/* The question decides what the operator does next: it gets the rows its
 * whole text needs (the panes above give them up), and is cut only when
 * even that is not enough. */
static void ask_lines(const struct rd_source *src, int w, int h, int *tl, int *ql, char *q,
                      size_t qn)
{
    const struct pp_model *m = src->m;
    int max = h - ASK_KEEP_ROWS;
    if (max < ASK_TEXT_LINES + ASK_QUORUM_LINES)
        max = ASK_TEXT_LINES + ASK_QUORUM_LINES;
    *tl = canvas_wrap_count(m->ask_text[0] ? m->ask_text : ask_label(m->ask), w - 19);
    if (*tl < 1)
        *tl = 1;
    ask_quorum_line(src, q, qn);
    *ql = q[0] ? canvas_wrap_count(q, w - 19) : 0;
    if (*tl + *ql <= max)
        return;
    int qkeep = *ql < ASK_QUORUM_LINES ? *ql : ASK_QUORUM_LINES;
    if (*tl > max - qkeep)
        *tl = max - qkeep;
    if (*ql > max - *tl)
        *ql = max - *tl;
}

static int ask_height(const struct rd_source *src, int w, int h)
{
    if (src->m->ask == PP_ASK_NONE)
        return 0;
    char q[PP_REASON_MAX * 2];
    int tl, ql;
    ask_lines(src, w, h, &tl, &ql, q, sizeof q);
    return tl + ql;
}

static void render_ask(struct rd_canvas *cv, const struct rd_view *v,
                       const struct rd_source *src)
{
    const struct pp_model *m = src->m;
    int y = v->lay.ask_y, h = v->lay.ask_h;
    if (!h)
        return;
    for (int i = 0; i < h; i++)
        canvas_fill(cv, y + i, 0, cv->w, ' ', RD_QUESTION);
    canvas_put(cv, y, 1, 17, RD_QUESTION, ask_label(m->ask));
    char q[PP_REASON_MAX * 2];
    int tl, ql;
    ask_lines(src, cv->w, cv->h, &tl, &ql, q, sizeof q);
    int used = canvas_wrap(cv, y, 18, cv->w - 19, tl, RD_QUESTION,
                           m->ask_text[0] ? m->ask_text : ask_label(m->ask));
    if (ql)
        canvas_wrap(cv, y + used, 18, cv->w - 19, ql, RD_QUESTION, q);
}

/* ---- layout ---- */

static void render_too_small(struct rd_canvas *cv, struct rd_view *v)
{
    char msg[96], qk[32];
    snprintf(msg, sizeof msg, _("terminal too small (have %dx%d, need %dx%d)"), cv->w, cv->h,
             RD_MIN_W, RD_MIN_H);
    keymap_first(v->km, ACT_QUIT, false, qk, sizeof qk);
    int y = cv->h / 2 - 1;
    if (y < 0)
        y = 0;
    int lines = canvas_wrap(cv, y, 1, cv->w - 2, 3, RD_WARNING, msg);
    char hint[96];
    snprintf(hint, sizeof hint, _("resize the window, or press %s to %s"), qk[0] ? qk : "C-c",
             v->ended ? _("leave") : _("quit"));
    canvas_wrap(cv, y + lines, 1, cv->w - 2, 2, RD_DIM, hint);
    v->lay.msg_y = v->lay.keys_y = cv->h - 1;
}

void render_screen(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src)
{
    const struct pp_model *m = src->m;
    canvas_clear(cv);
    render_update_unassigned(v, m);
    fix_selection(v, m);
    memset(&v->lay, 0, sizeof v->lay);

    if (cv->w < RD_MIN_W || cv->h < RD_MIN_H) {
        v->lay.too_small = true;
        render_too_small(cv, v);
        if (v->dlg.kind == DLG_QUIT)
            v->dlg.running = render_running_count(m);
        dlg_render(&v->dlg, cv, cv->h - 1);
        return;
    }

    struct rd_layout *L = &v->lay;
    L->ask_h = v->ended ? 0 : ask_height(src, cv->w, cv->h);
    L->keys_y = cv->h - 1;
    L->msg_y = cv->h - 2;
    L->ask_y = L->msg_y - L->ask_h;
    int top = 3;
    int rem = L->ask_y - top;
    L->dom_y = top;
    L->dom_virtual_h = panel_layout_height(v, m, cv->w);
    int dom_max = rem * 55 / 100;
    if (dom_max < 6)
        dom_max = 6;
    L->dom_h = L->dom_virtual_h < dom_max ? L->dom_virtual_h : dom_max;
    if (rem - L->dom_h < 6)
        L->dom_h = rem - 6;
    L->low_y = L->dom_y + L->dom_h;
    L->low_h = L->ask_y - L->low_y;
    L->chk_x = 0;
    L->chk_w = cv->w * 2 / 5;
    L->out_x = L->chk_w + 1;
    L->out_w = cv->w - L->out_x;
    /* the walkthrough sits above the output pane and takes what its text
     * needs, leaving the output at least a few lines; when there is no room
     * for both, the walkthrough (the point of a training run) wins */
    L->wk_y = L->out_y = L->low_y;
    L->wk_h = 0;
    L->out_h = L->low_h;
    if (v->walk && L->low_h > 0) {
        /* the output keeps what it shows, up to a third of the area */
        int out_need = render_output_lines(v, src) + 1, keep = L->low_h / 3;
        if (out_need < keep)
            keep = out_need;
        if (keep < 3)
            keep = 3;
        int cap = L->low_h - keep;
        int want = walk_pane_height(v, src, L->out_w);
        L->wk_h = L->low_h < 7 ? L->low_h : (want < cap ? want : cap);
        L->out_y = L->low_y + L->wk_h;
        L->out_h = L->low_h - L->wk_h;
    }

    render_title(cv, v, src);
    render_pool(cv, src);
    panel_render_area(cv, v, src);
    checklist_render(cv, v, src);
    /* the separator between the two lower panes */
    for (int y = L->low_y; y < L->low_y + L->low_h; y++)
        canvas_fill(cv, y, L->chk_w, 1, cv->utf8 ? 0x2502 : '|', RD_BORDER);
    output_render(cv, v, src);
    walk_render(cv, v, src);
    render_ask(cv, v, src);
    status_render_message(cv, v);
    status_render_keys(cv, v, src);

    if (v->dlg.kind == DLG_QUIT)
        v->dlg.running = render_running_count(m);   /* the question stays true */
    if (v->summary)
        summary_render(cv, v, src);
    if (v->debrief_open)
        debrief_render(cv, v);
    if (v->help)
        help_render(cv, v);
    dlg_render(&v->dlg, cv, L->msg_y);
}
