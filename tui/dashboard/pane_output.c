/* The output pane: the selected server's lines (or the pool's), scrollback,
 * `/` search with highlighted matches; with a domain selected, its servers'
 * outputs grouped clush-style: identical outputs are shown once under the
 * list of servers that printed them, the servers that differ are marked. */
#include "tui/dashboard/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/core/utf8.h"
#include "backend/pool/remote.h"   /* PP_MARKER */

int render_output_server(const struct rd_view *v)
{
    switch (v->sel) {
    case RD_SEL_SERVER: return v->sel_server;
    case RD_SEL_DOMAIN: return -2;
    default: return -1;
    }
}

static bool push_line(struct rd_view *v, const char *text, enum rd_role role)
{
    if (v->nolines == v->colines) {
        int cap = v->colines ? v->colines * 2 : 256;
        struct rd_oline *p = realloc(v->olines, (size_t)cap * sizeof *p);
        if (!p)
            return false;
        v->olines = p;
        v->colines = cap;
    }
    v->olines[v->nolines++] = (struct rd_oline){text, (uint8_t)role};
    return true;
}

/* A line a server sent.  The wrapper's result marker is poolpilot's own
 * plumbing: the "= step ok" line under it already says the result in
 * words, so the marker never reaches the operator's screen. */
static bool push_out(struct rd_view *v, const char *text)
{
    if (strncmp(text, PP_MARKER, sizeof PP_MARKER - 1) == 0)
        return true;
    return push_line(v, text, RD_NORMAL);
}

/* Header lines live in v->ohdr; olines point into it, so it is sized
 * before a build starts and never moves while lines are pushed. */
static bool header_reserve(struct rd_view *v, int count)
{
    if (count <= v->cohdr)
        return true;
    char(*p)[160] = realloc(v->ohdr, (size_t)count * sizeof *p);
    if (!p)
        return false;
    v->ohdr = p;
    v->cohdr = count;
    return true;
}

static char *header_slot(struct rd_view *v, int i)
{
    return i < v->cohdr ? v->ohdr[i] : NULL;
}

static const struct pp_outbuf *out_of(const struct rd_source *src, int server)
{
    return src->output ? src->output(src->ctx, server) : NULL;
}

static int out_count(const struct pp_outbuf *o) { return o ? outbuf_count(o) : 0; }

static uint64_t out_hash(const struct pp_outbuf *o)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0, n = out_count(o); i < n; i++) {
        for (const unsigned char *p = (const unsigned char *)outbuf_line(o, i); *p; p++)
            h = (h ^ *p) * 1099511628211ull;
        h = (h ^ '\n') * 1099511628211ull;
    }
    return h;
}

static bool out_equal(const struct pp_outbuf *a, const struct pp_outbuf *b)
{
    int n = out_count(a);
    if (n != out_count(b))
        return false;
    for (int i = 0; i < n; i++)
        if (strcmp(outbuf_line(a, i), outbuf_line(b, i)) != 0)
            return false;
    return true;
}

/* Appends " name" (first DNS label) to a header; false when it is full. */
static bool add_name(char *h, size_t n, size_t *used, const char *name)
{
    size_t l = strcspn(name, ".");
    if (*used + l + 2 >= n - 40)   /* keep room for the group's words */
        return false;
    *used += (size_t)snprintf(h + *used, n - *used, " %.*s", (int)l, name);
    return true;
}

static void domain_lines(struct rd_view *v, const struct rd_source *src)
{
    const struct pp_model *m = src->m;
    int n;
    const int *mem = render_panel_members(v, m, v->sel_domain, &n);
    if (n <= 0 || !header_reserve(v, n + 1))
        return;
    /* group[i] = index of the first member with the same output; -1 = none yet */
    int *group = malloc((size_t)n * sizeof *group);
    uint64_t *hash = malloc((size_t)n * sizeof *hash);
    int *size = calloc((size_t)n, sizeof *size);
    if (!group || !hash || !size)
        goto out;
    int empty = 0;
    for (int i = 0; i < n; i++) {
        const struct pp_outbuf *o = out_of(src, mem[i]);
        if (out_count(o) == 0) {
            group[i] = -1;
            empty++;
            continue;
        }
        hash[i] = out_hash(o);
        group[i] = i;
        for (int j = 0; j < i; j++)
            if (group[j] == j && hash[j] == hash[i] && out_equal(out_of(src, mem[j]), o)) {
                group[i] = j;
                break;
            }
        size[group[i]]++;
    }
    int ngroups = 0, biggest = -1;
    bool tie = false;
    for (int i = 0; i < n; i++)
        if (group[i] == i) {
            ngroups++;
            if (biggest < 0 || size[i] > size[biggest]) {
                biggest = i;
                tie = false;
            } else if (size[i] == size[biggest]) {
                tie = true;
            }
        }
    /* a majority exists only when one output is shared by more servers
     * than any other; then the rest are outliers */
    bool majority = ngroups > 1 && biggest >= 0 && size[biggest] > 1 && !tie;
    int hdr = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int g = 0; g < n; g++) {
            if (group[g] != g)
                continue;
            bool first = majority ? g == biggest : true;
            if ((pass == 0) != first || (!majority && pass == 1))
                continue;
            char *h = header_slot(v, hdr++);
            if (!h)
                goto out;
            size_t used = 0;
            bool outlier = majority && g != biggest;
            used += (size_t)snprintf(h, 160, "%s", outlier ? "!=" : ngroups == 1 || majority ? "==" : "--");
            int shown = 0;
            for (int i = 0; i < n; i++)
                if (group[i] == g && add_name(h, 160, &used, m->servers[mem[i]].name))
                    shown++;
            if (shown < size[g])
                used += (size_t)snprintf(h + used, 160 - used, " +%d", size[g] - shown);
            if (used < 160) {
                if (ngroups == 1 && size[g] > 1)
                    snprintf(h + used, 160 - used,
                             empty ? _(" (%d identical)") : _(" (all %d identical)"), size[g]);
                else if (outlier)
                    snprintf(h + used, 160 - used,
                             size[g] == 1 ? _(" (differs from the %d others)")
                                          : _(" (differ from the %d others)"),
                             size[biggest]);
                else if (majority || size[g] > 1)
                    snprintf(h + used, 160 - used, _(" (%d identical)"), size[g]);
            }
            push_line(v, h, outlier ? RD_WARNING : RD_HEADER);
            const struct pp_outbuf *o = out_of(src, mem[g]);
            for (int i = 0, c = out_count(o); i < c; i++)
                push_out(v, outbuf_line(o, i));
        }
    if (empty) {
        char *h = header_slot(v, hdr++);
        if (h) {
            size_t used = (size_t)snprintf(h, 160, "%s", _("no output yet:"));
            int shown = 0;
            for (int i = 0; i < n; i++)
                if (group[i] < 0 && add_name(h, 160, &used, m->servers[mem[i]].name))
                    shown++;
            if (shown < empty)
                snprintf(h + used, 160 - used, " +%d", empty - shown);
            push_line(v, h, RD_DIM);
        }
    }
out:
    free(group);
    free(hash);
    free(size);
}

int render_output_lines(struct rd_view *v, const struct rd_source *src)
{
    v->nolines = 0;
    int s = render_output_server(v);
    if (s == -2) {
        domain_lines(v, src);
        return v->nolines;
    }
    const struct pp_outbuf *o = out_of(src, s);
    if (!o)
        return 0;
    if (o->dropped && header_reserve(v, 1)) {
        char *h = header_slot(v, 0);
        if (h) {
            snprintf(h, 160, _("(%zu older lines dropped)"), o->dropped);
            push_line(v, h, RD_DIM);
        }
    }
    for (int i = 0, n = outbuf_count(o); i < n; i++)
        push_out(v, outbuf_line(o, i));
    if (o->npartial > 0 && o->npartial < sizeof o->partial && o->partial[o->npartial] == 0)
        push_line(v, o->partial, RD_DIM);
    return v->nolines;
}

/* Draws one line with the search matches highlighted. */
static void put_matched(struct rd_canvas *cv, int y, int x, int w, enum rd_role role,
                        const char *text, const char *pat, bool current)
{
    size_t pl = strlen(pat);
    int cx = x;
    if (current)
        cx += canvas_put(cv, y, cx, w, RD_MATCH, cv->utf8 ? "▸" : ">");
    else
        cx += canvas_put(cv, y, cx, w, RD_NORMAL, " ");
    if (!pl) {
        canvas_put_ell(cv, y, cx, x + w - cx, role, text);
        return;
    }
    char buf[4096];
    const char *p = text;
    while (*p && cx < x + w) {
        const char *hit = strcasestr(p, pat);
        size_t pre = hit ? (size_t)(hit - p) : strlen(p);
        if (pre >= sizeof buf)
            pre = sizeof buf - 1;
        memcpy(buf, p, pre);
        buf[pre] = 0;
        cx += canvas_put(cv, y, cx, x + w - cx, role, buf);
        if (!hit)
            break;
        size_t ml = pl < sizeof buf ? pl : sizeof buf - 1;
        memcpy(buf, hit, ml);
        buf[ml] = 0;
        cx += canvas_put(cv, y, cx, x + w - cx, RD_MATCH, buf);
        p = hit + pl;
    }
}

/* A multi-line command (a PowerShell script) shows its first line, and
 * "..." when there is more: a line end in a title would print as U+FFFD. */
static const char *first_line(const char *cmd, char *buf, size_t n)
{
    if (!cmd)
        return NULL;
    size_t l = strcspn(cmd, "\r\n");
    if (!cmd[l])
        return cmd;
    snprintf(buf, n, "%.*s ...", (int)l, cmd);
    return buf;
}

static void title(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src,
                  int total, int rows)
{
    const struct pp_model *m = src->m;
    const struct rd_layout *L = &v->lay;
    int y = L->out_y, x = L->out_x, w = L->out_w;
    bool focus = v->focus == RD_PANE_OUTPUT;
    enum rd_role role = focus ? RD_BORDER_FOCUS : RD_HEADER;
    canvas_fill(cv, y, x, w, ' ', role);
    canvas_tag(cv, y, x, w, RD_TAG_PANE, RD_PANE_OUTPUT);
    char pos[64];
    if (total > rows)
        snprintf(pos, sizeof pos, " %d-%d/%d%s ", v->out_scroll + 1,
                 v->out_scroll + rows < total ? v->out_scroll + rows : total, total,
                 v->out_follow ? _(" follow") : "");
    else
        pos[0] = 0;
    int pw = utf8_width(pos);
    char t[PP_NAME_MAX + 400], d[32], one[300];
    int s = render_output_server(v);
    const char *dash = cv->utf8 ? "—" : "-";
    if (s >= 0 && s < m->nservers) {
        const struct pp_server *srv = &m->servers[s];
        const char *cmd = src->last_command ? src->last_command(src->ctx, s) : NULL;
        cmd = first_line(cmd, one, sizeof one);
        if (srv->state == PP_SRV_RUNNING)
            snprintf(t, sizeof t, _("Output %s %s %s (%s %s)"), srv->name, dash,
                     cmd && cmd[0] ? cmd : pp_step_label(srv->step), pp_step_label(srv->step),
                     render_duration(src->now - srv->step_started, d, sizeof d));
        else
            snprintf(t, sizeof t, _("Output %s %s %s"), srv->name, dash,
                     cmd && cmd[0] ? cmd : _("nothing run yet"));
    } else if (s == -2 && v->sel_domain < m->ndomains) {
        snprintf(t, sizeof t, _("Output %s (identical outputs shown once)"),
                 m->domains[v->sel_domain].name);
    } else if (s == -2) {
        snprintf(t, sizeof t, "%s", _("Output: servers not in a domain yet"));
    } else {
        const char *cmd = src->last_command ? src->last_command(src->ctx, -1) : NULL;
        cmd = first_line(cmd, one, sizeof one);
        snprintf(t, sizeof t, _("Output pool %s %s"), dash,
                 cmd && cmd[0] ? cmd : _("readiness, failover, notes"));
    }
    canvas_put_ell(cv, y, x + 1, w - 2 - pw, role, t);
    canvas_put(cv, y, x + w - pw, pw, role, pos);
}

void output_render(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src)
{
    const struct rd_layout *L = &v->lay;
    int rows = L->out_h - 1;
    if (rows < 1)
        return;
    int total = render_output_lines(v, src);
    if (v->out_follow)
        v->out_scroll = total - rows;
    if (v->out_scroll > total - rows)
        v->out_scroll = total - rows;
    if (v->out_scroll < 0)
        v->out_scroll = 0;
    title(cv, v, src, total, rows);
    if (total == 0) {
        canvas_put(cv, L->out_y + 1, L->out_x + 1, L->out_w - 2, RD_DIM, _("(no output yet)"));
        return;
    }
    for (int r = 0; r < rows && v->out_scroll + r < total; r++) {
        int i = v->out_scroll + r;
        put_matched(cv, L->out_y + 1 + r, L->out_x, L->out_w, v->olines[i].role,
                    v->olines[i].text, v->search, i == v->search_hit);
    }
}

bool output_search(struct rd_view *v, const struct rd_source *src, int dir)
{
    if (!v->search[0])
        return false;
    int total = render_output_lines(v, src);
    int rows = v->lay.out_h - 1 > 0 ? v->lay.out_h - 1 : 1;
    if (!total)
        return false;
    int start = v->search_hit >= 0 && v->search_hit < total
                    ? v->search_hit + dir
                    : (dir > 0 ? (v->out_follow ? 0 : v->out_scroll) : total - 1);
    for (int k = 0; k < total; k++) {
        int i = ((start + dir * k) % total + total) % total;
        if (strcasestr(v->olines[i].text, v->search)) {
            v->search_hit = i;
            v->out_follow = false;
            if (i < v->out_scroll || i >= v->out_scroll + rows)
                v->out_scroll = i - rows / 2;
            if (v->out_scroll < 0)
                v->out_scroll = 0;
            return true;
        }
    }
    return false;
}
