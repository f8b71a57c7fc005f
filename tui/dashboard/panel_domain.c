/* The domain area: one framed panel per upgrade domain, side by side and
 * wrapping into rows.  The rows form a virtual page taller than the screen
 * when the pool is big (the fleet: 50 domains, 1000 servers); only the
 * lines inside the visible window are drawn, so a frame costs what the
 * screen shows, not what the pool holds. */
#include "tui/dashboard/render.h"

#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/core/utf8.h"
#include "backend/journal/journal.h"

/* 40 columns leave room for the last output line beside name, state and
 * clock; 80 columns hold two panels side by side. */
#define PANEL_MIN_W 40

/* The reason lines of a failed or lost server sit under its row, indented
 * by this much: what went wrong is what the operator decides on, so it is
 * wrapped in full, never cut to "Star…" beside the state. */
#define REASON_INDENT 2

/* What a failed or lost server's reason lines say ("" none): a failed
 * step's reason in the operator's language, a lost one's probe answer.
 * Command output is not a reason: it is shown only while it runs. */
static const char *reason_text(const struct pp_server *s, char *buf, size_t n)
{
    buf[0] = 0;
    if (s->state == PP_SRV_FAILED && s->reason[0])
        journal_say(s->reason, buf, n);
    else if (s->state == PP_SRV_LOST && s->probed && s->probe_answer[0])
        snprintf(buf, n, _("probe: %s"), s->probe_answer);
    return buf;
}

static int reason_width(const struct rd_view *v)
{
    return v->lay.panel_w - 2 - REASON_INDENT;
}

/* Lines a member takes in its panel: its row, then its reason wrapped. */
static int member_height(const struct rd_view *v, const struct pp_model *m, int si)
{
    const struct pp_server *s = &m->servers[si];
    if (s->state != PP_SRV_FAILED && s->state != PP_SRV_LOST)
        return 1;
    char why[PP_REASON_MAX + 64];
    return 1 + canvas_wrap_count(reason_text(s, why, sizeof why), reason_width(v));
}

/* The member shown on content line k of a panel (-1 past the last), and
 * which of its lines that is (0 its row, 1.. its reason). */
static int member_at(const struct rd_view *v, const struct pp_model *m, const int *mem, int n,
                     int k, int *sub)
{
    for (int i = 0; i < n; i++) {
        int h = member_height(v, m, mem[i]);
        if (k < h) {
            *sub = k;
            return i;
        }
        k -= h;
    }
    *sub = 0;
    return -1;
}

static int panel_content_height(const struct rd_view *v, const struct pp_model *m, int p)
{
    int n, h = 0;
    const int *mem = render_panel_members(v, m, p, &n);
    for (int i = 0; i < n; i++)
        h += member_height(v, m, mem[i]);
    return h;
}

static int panel_rows_height(const struct rd_view *v, const struct pp_model *m, int row)
{
    int np = render_panel_count(v, m), cols = v->lay.dom_cols, h = 1;
    for (int p = row * cols; p < np && p < (row + 1) * cols; p++) {
        int n = panel_content_height(v, m, p);
        if (n > h)
            h = n;
    }
    return h + 2;
}

int panel_layout_height(struct rd_view *v, const struct pp_model *m, int width)
{
    int np = render_panel_count(v, m);
    int cols = width / PANEL_MIN_W;
    if (cols < 1)
        cols = 1;
    if (np > 0 && cols > np)
        cols = np;
    v->lay.dom_cols = cols;
    v->lay.panel_w = width / cols;
    if (np == 0)
        return 3;
    int h = 0;
    for (int r = 0; r * cols < np; r++)
        h += panel_rows_height(v, m, r);
    return h;
}

/* Virtual line of the top of panel row `row`. */
static int row_top(const struct rd_view *v, const struct pp_model *m, int row)
{
    int y = 0;
    for (int r = 0; r < row; r++)
        y += panel_rows_height(v, m, r);
    return y;
}

void panel_selection_span(struct rd_view *v, const struct pp_model *m, int *top, int *bottom)
{
    int cols = v->lay.dom_cols > 0 ? v->lay.dom_cols : 1;
    if (v->sel == RD_SEL_POOL || render_panel_count(v, m) == 0) {
        *top = *bottom = 0;
        return;
    }
    int row = v->sel_domain / cols;
    int t = row_top(v, m, row);
    if (v->sel == RD_SEL_DOMAIN) {
        *top = t;
        *bottom = t + panel_rows_height(v, m, row) - 1;
        return;
    }
    int n;
    const int *mem = render_panel_members(v, m, v->sel_domain, &n);
    int k = 0, line = 0, h = 1;
    for (int i = 0, at = 0; i < n; i++) {
        int mh = member_height(v, m, mem[i]);
        if (mem[i] == v->sel_server) {
            k = i;
            line = at;
            h = mh;
        }
        at += mh;
    }
    /* the row and its reason lines: a selected failed server is read whole */
    *top = t + 1 + line;
    *bottom = *top + h - 1;
    /* show the frame's title too when the first server is selected */
    if (k == 0)
        *top = t;
}

struct dom_look {
    const char *glyph;
    char word[48];
    char shortword[24];   /* when the title has no room for word */
    enum rd_role role;
};

static void words(struct dom_look *l, const char *word, const char *shortword)
{
    snprintf(l->word, sizeof l->word, "%s", _(word));
    snprintf(l->shortword, sizeof l->shortword, "%s", _(shortword));
}

static struct dom_look domain_look(const struct pp_model *m, int d, bool u)
{
    struct dom_look l = {u ? "·" : ".", "", "", RD_DIM};
    words(&l, N_("waiting"), N_("waiting"));
    if (d < 0 || d >= m->ndomains) {
        words(&l, N_("domain not known yet"), N_("unknown"));
        return l;
    }
    const struct pp_domain *dom = &m->domains[d];
    int settled = 0;
    for (int i = 0; i < dom->nmembers; i++)
        if (model_server_settled(&m->servers[dom->members[i]]))
            settled++;
    switch (dom->state) {
    case PP_DOM_WAITING:
        break;
    case PP_DOM_READY:
        l = (struct dom_look){u ? "○" : "o", "", "", RD_OK};
        words(&l, N_("ready"), N_("ready"));
        break;
    case PP_DOM_NOT_READY:
        l = (struct dom_look){u ? "⊘" : "!", "", "", RD_WARNING};
        words(&l, N_("not ready"), N_("not ready"));
        break;
    case PP_DOM_ACTIVE:
        l.glyph = u ? "▶" : ">";
        l.role = RD_RUNNING;
        snprintf(l.word, sizeof l.word, _("in progress %d/%d"), settled, dom->nmembers);
        snprintf(l.shortword, sizeof l.shortword, "%d/%d", settled, dom->nmembers);
        break;
    case PP_DOM_DONE:
        l = (struct dom_look){u ? "✔" : "+", "", "", RD_OK};
        words(&l, N_("done"), N_("done"));
        break;
    case PP_DOM_DONE_EXCEPTIONS:
        l = (struct dom_look){u ? "✔" : "+", "", "", RD_WARNING};
        words(&l, N_("done with exceptions"), N_("done, exceptions"));
        break;
    }
    if (dom->state != PP_DOM_ACTIVE && m->chosen_domain == d &&
        dom->state != PP_DOM_DONE && dom->state != PP_DOM_DONE_EXCEPTIONS) {
        size_t l0 = strlen(l.word);
        snprintf(l.word + l0, sizeof l.word - l0, "%s", _(", next"));
        l0 = strlen(l.shortword);
        snprintf(l.shortword + l0, sizeof l.shortword - l0, "%s", _(", next"));
    }
    return l;
}

/* A server's short name: the first DNS label keeps panels readable; the
 * checklist and the output title show the full name. */
static void short_name(const char *name, char *buf, size_t n)
{
    size_t l = strcspn(name, ".");
    if (l == 0)
        l = strlen(name);
    snprintf(buf, n, "%.*s", (int)l, name);
}

static void panel_title(struct rd_canvas *cv, struct rd_view *v, const struct pp_model *m,
                        int p, int y, int x, int w, enum rd_role border)
{
    struct dom_look l = domain_look(m, p, cv->utf8);
    const char *name = p < m->ndomains ? m->domains[p].name : _("(no domain yet)");
    bool asked = m->ask != PP_ASK_NONE && m->ask_domain == p && p < m->ndomains;
    int cx = x + 1, lim = x + w - 1;
    cx += canvas_put(cv, y, cx, lim - cx, border, " ");
    int name_w = utf8_width(name);
    const char *word = l.word;
    if (name_w + utf8_width(word) + 6 + (asked ? 2 : 0) > lim - cx)
        word = l.shortword;
    int rest = utf8_width(word) + 4 + (asked ? 2 : 0);
    int tx = cx;
    cx += canvas_put_ell(cv, y, cx, lim - cx - rest > 6 ? name_w : lim - cx - rest, RD_HEADER,
                         name);
    if (v->sel == RD_SEL_DOMAIN && v->sel_domain == p)
        canvas_flag(cv, y, tx, cx - tx, RD_F_SEL);
    cx += canvas_put(cv, y, cx, lim - cx, border, " ");
    /* not "?": that sign means a lost server (help legend) */
    if (asked)
        cx += canvas_put(cv, y, cx, lim - cx, RD_QUESTION, cv->utf8 ? "◆ " : "@ ");
    cx += canvas_put(cv, y, cx, lim - cx, l.role, l.glyph);
    cx += canvas_put(cv, y, cx, lim - cx, l.role, " ");
    cx += canvas_put_ell(cv, y, cx, lim - cx, l.role, word);
    canvas_put(cv, y, cx, lim - cx, border, " ");
}

/* The columns of one server line, computed per panel so they line up. */
struct cols {
    int name, word, time;
};

struct srv_text {
    struct rd_state_look look;
    char name[PP_NAME_MAX], word[40], time[32];
};

static void server_text(const struct rd_source *src, int si, bool utf8, struct srv_text *t)
{
    const struct pp_server *s = &src->m->servers[si];
    t->look = render_server_look(s, utf8);
    short_name(s->name, t->name, sizeof t->name);
    /* which step failed or was lost matters as much as that it did */
    if (s->state == PP_SRV_FAILED || s->state == PP_SRV_LOST)
        /* TRANSLATORS: a failed or lost server's word and the step it
           happened at, "failed verify"; reorder with %2$s%1$s */
        snprintf(t->word, sizeof t->word, _("%s %s"), t->look.word, pp_step_label(s->step));
    else
        snprintf(t->word, sizeof t->word, "%s", t->look.word);
    /* skipped or marked done after its services were stopped: still down,
     * and that counts against the quorum */
    if (s->down && s->state != PP_SRV_RUNNING) {
        size_t l = strlen(t->word);
        snprintf(t->word + l, sizeof t->word - l, "%s", _(", down"));
    }
    t->time[0] = 0;
    if (s->state == PP_SRV_RUNNING)
        render_duration(src->now - s->step_started, t->time, sizeof t->time);
    else if (s->state == PP_SRV_VERIFIED && s->finished > 0 && s->finished >= s->steps_started)
        render_duration(s->finished - s->steps_started, t->time, sizeof t->time);
}

static void server_line(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src,
                        int si, int y, int x, int w, const struct cols *c)
{
    const struct pp_server *s = &src->m->servers[si];
    struct srv_text t;
    server_text(src, si, cv->utf8, &t);
    int cx = x, lim = x + w;
    canvas_put_ell(cv, y, cx, c->name, RD_NORMAL, t.name);
    cx = x + c->name + 1;
    cx += canvas_put(cv, y, cx, lim - cx, t.look.role, t.look.glyph);
    cx += 1;
    if (cx < lim)
        canvas_put_ell(cv, y, cx, lim - cx < c->word ? lim - cx : c->word, t.look.role, t.word);
    cx += c->word + 1;
    if (cx < lim && c->time)
        canvas_put(cv, y, cx, lim - cx, RD_NORMAL, t.time);
    cx += c->time ? c->time + 1 : 0;
    if (cx < lim - 1) {
        /* what the server says while a step runs on it, and only then: an
         * older line (a readiness answer run there, the output of a step
         * that failed) is not what it is doing now.  A failed or lost
         * server's reason has lines of its own (reason_line). */
        const char *last = "";
        char said[PP_REASON_MAX + 64];   /* the reason in the operator's language */
        if (s->state == PP_SRV_RUNNING)
            last = s->last_line;
        if ((s->state == PP_SRV_SKIPPED || s->state == PP_SRV_MARKED_DONE) && s->reason[0]) {
            journal_say(s->reason, said, sizeof said);
            last = said;
        }
        /* a server not yet upgraded: whether it holds the package (a
         * progress bar while staging runs) */
        char st[160] = "";
        bool warn = false;
        if (!last[0] && s->state == PP_SRV_PENDING && src->stage_text)
            src->stage_text(src->ctx, si, cv->utf8, st, sizeof st, &warn);
        enum rd_role role = RD_DIM;
        if (st[0]) {
            last = st;
            role = warn ? RD_WARNING : RD_RUNNING;
        }
        canvas_put_ell(cv, y, cx, lim - cx, role, last);
    }
    canvas_tag(cv, y, x - 1, w + 2, RD_TAG_SERVER, si);
    if (v->sel == RD_SEL_SERVER && v->sel_server == si)
        canvas_flag(cv, y, x, w, RD_F_SEL);
}

/* Line `sub` (1..) of a failed or lost server's reason, under its row,
 * wrapped at the width member_height counted with. */
static void reason_line(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src,
                        int si, int sub, int y, int x, int w)
{
    char why[PP_REASON_MAX + 64], line[PP_REASON_MAX + 64];
    const char *t = reason_text(&src->m->servers[si], why, sizeof why), *next = t;
    int rw = reason_width(v);
    size_t l = 0;
    int i = 0;
    for (; i < sub && *next; i++) {
        t = next;
        l = canvas_wrap_line(t, rw, &next);
    }
    if (i == sub && l > 0 && l < sizeof line) {
        memcpy(line, t, l);
        line[l] = 0;
        canvas_put(cv, y, x + REASON_INDENT, w - REASON_INDENT, RD_NORMAL, line);
    }
    canvas_tag(cv, y, x - 1, w + 2, RD_TAG_SERVER, si);
}

static struct cols panel_cols(const struct rd_source *src, const int *mem, int n, int w,
                              bool utf8)
{
    struct cols c = {4, 7, 0};
    for (int i = 0; i < n; i++) {
        struct srv_text t;
        server_text(src, mem[i], utf8, &t);
        int nw = utf8_width(t.name), ww = utf8_width(t.word), tw = utf8_width(t.time);
        if (nw > c.name)
            c.name = nw;
        if (ww > c.word)
            c.word = ww;
        if (tw > c.time)
            c.time = tw;
    }
    if (c.name > w / 3)
        c.name = w / 3;
    return c;
}

static void keep_visible(struct rd_view *v, const struct pp_model *m)
{
    int top, bottom, h = v->lay.dom_h;
    panel_selection_span(v, m, &top, &bottom);
    if (bottom - top + 1 > h)
        bottom = top + h - 1;
    if (v->sel == RD_SEL_POOL)
        v->dom_scroll = 0;
    if (top < v->dom_scroll)
        v->dom_scroll = top;
    if (bottom >= v->dom_scroll + h)
        v->dom_scroll = bottom - h + 1;
    int max = v->lay.dom_virtual_h - h;
    if (v->dom_scroll > max)
        v->dom_scroll = max;
    if (v->dom_scroll < 0)
        v->dom_scroll = 0;
}

void panel_render_area(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src)
{
    const struct pp_model *m = src->m;
    struct rd_layout *L = &v->lay;
    int np = render_panel_count(v, m);
    if (L->dom_h <= 0)
        return;
    if (np == 0) {
        canvas_box(cv, L->dom_y, 0, L->dom_h < 3 ? L->dom_h : 3, cv->w, RD_BORDER);
        canvas_put_ell(cv, L->dom_y + 1, 2, cv->w - 4, RD_DIM,
                       _("No upgrade domains known yet: the readiness check lists them."));
        return;
    }
    keep_visible(v, m);
    int cols = L->dom_cols, pw = L->panel_w;
    int vy = 0;
    for (int row = 0; row * cols < np; row++) {
        int rh = panel_rows_height(v, m, row);
        if (vy >= v->dom_scroll + L->dom_h)
            break;
        if (vy + rh <= v->dom_scroll) {
            vy += rh;
            continue;
        }
        for (int c = 0; c < cols && row * cols + c < np; c++) {
            int p = row * cols + c;
            int px = c * pw, w = (c == cols - 1) ? cv->w - px : pw;
            int n;
            const int *mem = render_panel_members(v, m, p, &n);
            bool focus = v->focus == RD_PANE_DOMAINS && v->sel != RD_SEL_POOL &&
                         v->sel_domain == p;
            enum rd_role border = focus ? RD_BORDER_FOCUS : RD_BORDER;
            struct cols colw = {0, 0, 0};
            bool cols_done = false;
            for (int line = 0; line < rh; line++) {
                int sy = L->dom_y + vy + line - v->dom_scroll;
                if (sy < L->dom_y || sy >= L->dom_y + L->dom_h)
                    continue;
                uint32_t vt = cv->utf8 ? 0x2502 : '|', hz = cv->utf8 ? 0x2500 : '-';
                if (line == 0) {
                    canvas_fill(cv, sy, px, 1, cv->utf8 ? 0x250c : '+', border);
                    canvas_fill(cv, sy, px + 1, w - 2, hz, border);
                    canvas_fill(cv, sy, px + w - 1, 1, cv->utf8 ? 0x2510 : '+', border);
                    panel_title(cv, v, m, p, sy, px, w, border);
                    canvas_tag(cv, sy, px, w, RD_TAG_DOMAIN, p);
                } else if (line == rh - 1) {
                    canvas_fill(cv, sy, px, 1, cv->utf8 ? 0x2514 : '+', border);
                    canvas_fill(cv, sy, px + 1, w - 2, hz, border);
                    canvas_fill(cv, sy, px + w - 1, 1, cv->utf8 ? 0x2518 : '+', border);
                    canvas_tag(cv, sy, px, w, RD_TAG_DOMAIN, p);
                } else {
                    canvas_fill(cv, sy, px, 1, vt, border);
                    canvas_fill(cv, sy, px + w - 1, 1, vt, border);
                    int sub, k = member_at(v, m, mem, n, line - 1, &sub);
                    if (k >= 0 && !cols_done) {
                        /* only panels on screen pay for measuring */
                        colw = panel_cols(src, mem, n, w - 2, cv->utf8);
                        cols_done = true;
                    }
                    if (k >= 0 && sub == 0)
                        server_line(cv, v, src, mem[k], sy, px + 1, w - 2, &colw);
                    else if (k >= 0)
                        reason_line(cv, v, src, mem[k], sub, sy, px + 1, w - 2);
                    else if (n == 0 && line == 1)
                        canvas_put(cv, sy, px + 2, w - 4, RD_DIM, _("(no servers listed)"));
                    if (k < 0)
                        canvas_tag(cv, sy, px, w, RD_TAG_DOMAIN, p);
                }
            }
        }
        vy += rh;
    }
    /* more above / below */
    if (v->dom_scroll > 0)
        canvas_put(cv, L->dom_y, cv->w - 3, 3, RD_WARNING, cv->utf8 ? " ▲ " : " ^ ");
    if (v->dom_scroll + L->dom_h < L->dom_virtual_h)
        canvas_put(cv, L->dom_y + L->dom_h - 1, cv->w - 3, 3, RD_WARNING,
                   cv->utf8 ? " ▼ " : " v ");
}
