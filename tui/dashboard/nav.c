/* Selection movement across the domain panels (a grid: left/right walk the
 * panels in order, up/down walk the servers and cross into the panel row
 * above or below), and scrolling of the checklist and output panes. */
#include "tui/dashboard/nav.h"

void nav_select_pool(struct rd_view *v) { v->sel = RD_SEL_POOL; }

void nav_select_domain(struct rd_view *v, int panel)
{
    v->sel = RD_SEL_DOMAIN;
    v->sel_domain = panel;
}

void nav_select_server(struct rd_view *v, const struct pp_model *m, int server)
{
    if (server < 0 || server >= m->nservers)
        return;
    v->sel = RD_SEL_SERVER;
    v->sel_server = server;
    int d = m->servers[server].domain;
    v->sel_domain = d >= 0 ? d : m->ndomains;
}

void nav_focus(struct rd_view *v, enum rd_pane p)
{
    v->focus = p;
    if (p == RD_PANE_DOMAINS)
        v->chk_follow = true;   /* the checklist shows the selection again */
}

static int member_index(const struct rd_view *v, const struct pp_model *m)
{
    int n;
    const int *mem = render_panel_members(v, m, v->sel_domain, &n);
    for (int i = 0; i < n; i++)
        if (mem[i] == v->sel_server)
            return i;
    return 0;
}

static void select_member(struct rd_view *v, const struct pp_model *m, int p, int k)
{
    int n;
    const int *mem = render_panel_members(v, m, p, &n);
    if (n == 0) {
        nav_select_domain(v, p);
        return;
    }
    if (k >= n)
        k = n - 1;
    if (k < 0)
        k = 0;
    nav_select_server(v, m, mem[k]);
}

static bool dom_move(struct rd_view *v, const struct pp_model *m, enum act_id a)
{
    int np = render_panel_count(v, m);
    int cols = v->lay.dom_cols > 0 ? v->lay.dom_cols : 1;
    if (np == 0)
        return false;
    int p = v->sel_domain, n;
    render_panel_members(v, m, p < np ? p : 0, &n);
    switch (a) {
    case ACT_UP:
        if (v->sel == RD_SEL_SERVER) {
            int k = member_index(v, m);
            if (k > 0)
                select_member(v, m, p, k - 1);
            else
                nav_select_domain(v, p);
        } else if (v->sel == RD_SEL_DOMAIN) {
            if (p >= cols)
                select_member(v, m, p - cols, 1 << 30);
            else
                nav_select_pool(v);
        } else {
            return false;
        }
        return true;
    case ACT_DOWN:
        if (v->sel == RD_SEL_POOL) {
            nav_select_domain(v, 0);
        } else if (v->sel == RD_SEL_DOMAIN) {
            if (n > 0)
                select_member(v, m, p, 0);
            else if (p + cols < np)
                nav_select_domain(v, p + cols);
            else
                return false;
        } else {
            int k = member_index(v, m);
            if (k + 1 < n)
                select_member(v, m, p, k + 1);
            else if (p + cols < np)
                nav_select_domain(v, p + cols);
            else
                return false;
        }
        return true;
    case ACT_LEFT:
    case ACT_RIGHT: {
        int q = v->sel == RD_SEL_POOL ? (a == ACT_RIGHT ? 0 : -1) : p + (a == ACT_RIGHT ? 1 : -1);
        if (q < 0 || q >= np)
            return false;
        if (v->sel == RD_SEL_SERVER)
            select_member(v, m, q, member_index(v, m));
        else
            nav_select_domain(v, q);
        return true;
    }
    case ACT_PAGE_UP:
    case ACT_PAGE_DOWN: {
        bool any = false;
        int h = v->lay.dom_h > 2 ? v->lay.dom_h - 1 : 1;
        for (int i = 0; i < h; i++)
            any |= dom_move(v, m, a == ACT_PAGE_UP ? ACT_UP : ACT_DOWN);
        return any;
    }
    case ACT_TOP:
        nav_select_pool(v);
        return true;
    case ACT_BOTTOM:
        select_member(v, m, np - 1, 1 << 30);
        return true;
    default:
        return false;
    }
}

static bool scroll(int *pos, bool *follow, int page, enum act_id a)
{
    int before = *pos;
    switch (a) {
    case ACT_UP: *pos -= 1; break;
    case ACT_DOWN: *pos += 1; break;
    case ACT_PAGE_UP: *pos -= page; break;
    case ACT_PAGE_DOWN: *pos += page; break;
    case ACT_TOP: *pos = 0; break;
    case ACT_BOTTOM: *pos = 1 << 28; break;   /* clamped by the next render */
    default: return false;
    }
    if (*pos < 0)
        *pos = 0;
    if (follow)
        *follow = a == ACT_BOTTOM;
    return *pos != before || a == ACT_BOTTOM;
}

bool nav_apply(struct rd_view *v, const struct rd_source *src, enum act_id a)
{
    if (a == ACT_NEXT_PANE || a == ACT_PREV_PANE) {
        int f = ((int)v->focus + (a == ACT_NEXT_PANE ? 1 : RD_PANE_COUNT - 1)) % RD_PANE_COUNT;
        nav_focus(v, (enum rd_pane)f);
        return true;
    }
    int h = v->focus == RD_PANE_OUTPUT ? v->lay.out_h : v->lay.low_h;
    int page = h > 3 ? h - 2 : 1;
    switch (v->focus) {
    case RD_PANE_DOMAINS:
        return dom_move(v, src->m, a);
    case RD_PANE_CHECKLIST: {
        if (a == ACT_LEFT || a == ACT_RIGHT)
            return false;
        bool f = v->chk_follow;
        bool r = scroll(&v->chk_scroll, &f, page, a);
        v->chk_follow = false;
        return r;
    }
    case RD_PANE_OUTPUT:
        if (a == ACT_LEFT || a == ACT_RIGHT)
            return false;
        if (v->out_follow && a != ACT_BOTTOM) {
            /* leaving follow mode: start from what is on screen */
            v->out_follow = false;
        }
        return scroll(&v->out_scroll, &v->out_follow, page, a);
    default:
        return false;
    }
}

bool nav_click(struct rd_view *v, const struct rd_source *src, const struct rd_canvas *cv,
               int y, int x)
{
    if (y < 0 || x < 0 || y >= cv->h || x >= cv->w || v->lay.too_small)
        return false;
    const struct rd_cell *c = &cv->c[(size_t)y * (size_t)cv->w + (size_t)x];
    const struct rd_layout *L = &v->lay;
    enum rd_pane pane = v->focus;
    bool in_panes = true;
    if (y >= L->dom_y && y < L->dom_y + L->dom_h)
        pane = RD_PANE_DOMAINS;
    else if (y >= L->low_y && y < L->low_y + L->low_h && x < L->chk_w)
        pane = RD_PANE_CHECKLIST;
    else if (y >= L->out_y && y < L->out_y + L->out_h && x >= L->out_x)
        pane = RD_PANE_OUTPUT;
    else
        in_panes = false;
    switch (c->tag_kind) {
    case RD_TAG_SERVER:
        nav_select_server(v, src->m, c->tag);
        break;
    case RD_TAG_DOMAIN:
        nav_select_domain(v, c->tag);
        break;
    case RD_TAG_POOL:
        nav_select_pool(v);
        break;
    case RD_TAG_PANE:
        pane = (enum rd_pane)c->tag;
        break;
    default:
        if (!in_panes)
            return false;
    }
    nav_focus(v, pane);
    if (pane == RD_PANE_CHECKLIST)
        v->chk_follow = false;   /* a click there must not scroll it away */
    return true;
}
