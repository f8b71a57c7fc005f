/* render: the dashboard rendered into role-tagged cells, no terminal.
 * Models are built from small INI texts through the real config loader,
 * then put into the states a run goes through. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/pool/model.h"
#include "backend/core/outbuf.h"
#include "config/config.h"
#include "tui/dashboard/canvas.h"
#include "tui/dashboard/nav.h"
#include "tui/dashboard/render.h"

static const char pool8[] =
    "[pool]\n"
    "fqdn = pool01.contoso.com\n"
    "profile = lync2013\n"
    "backup_pool = pool02.contoso.com\n"
    "failover_on = fe01.pool02.contoso.com\n"
    "[servers]\n"
    "fe01.contoso.com = UpgradeDomain1\n"
    "fe02.contoso.com = UpgradeDomain1\n"
    "fe03.contoso.com = UpgradeDomain2\n"
    "fe04.contoso.com = UpgradeDomain2\n"
    "fe05.contoso.com = UpgradeDomain3\n"
    "fe06.contoso.com = UpgradeDomain3\n"
    "fe07.contoso.com = UpgradeDomain4\n"
    "fe08.contoso.com = UpgradeDomain4\n";

struct fx {
    struct pp_config cfg;
    struct pp_model m;
    struct keymap km;
    struct rd_view v;
    struct rd_canvas cv;
    struct rd_source src;
    struct pp_outbuf *out;   /* nservers + 1 (the pool last) */
};

static const struct pp_outbuf *fx_output(void *ctx, int server)
{
    struct fx *f = ctx;
    if (server < 0)
        return &f->out[f->m.nservers];
    return server < f->m.nservers ? &f->out[server] : NULL;
}

static const char *fx_cmd(void *ctx, int server)
{
    (void)ctx;
    return server >= 0 ? "Stop-CsWindowsService -Graceful" : "";
}

static void fx_load(struct fx *f, const char *ini)
{
    memset(f, 0, sizeof *f);
    struct pp_diag d = {0};
    int rc = config_load_string(&f->cfg, "test.ini", ini, &d);
    for (int i = 0; i < d.n; i++)
        fprintf(stderr, "%s\n", d.msgs[i]);
    assert_int_equal(rc, 0);
    diag_free(&d);
    assert_int_equal(model_init(&f->m, &f->cfg), 0);
    keymap_build(&f->km, NULL, NULL);
    rd_view_init(&f->v, &f->km, false);
    f->out = calloc((size_t)f->m.nservers + 1, sizeof *f->out);
    assert_non_null(f->out);
    for (int i = 0; i <= f->m.nservers; i++)
        outbuf_init(&f->out[i], 100);
    f->m.started_at = 0;
    f->m.last_check = 1000;
    f->m.readiness = PP_READY_READY;
    f->m.total_fe = f->m.active_fe = f->m.nservers;
    f->m.phase = PP_PH_CHOOSE;
    f->src = (struct rd_source){.m = &f->m, .cfg = &f->cfg, .now = 600000, .scale = 1,
                                .output = fx_output, .last_command = fx_cmd, .ctx = f};
}

static void fx_free(struct fx *f)
{
    for (int i = 0; i <= f->m.nservers; i++)
        outbuf_free(&f->out[i]);
    free(f->out);
    canvas_free(&f->cv);
    rd_view_free(&f->v);
    model_free(&f->m);
    config_free(&f->cfg);
}

static void fx_render(struct fx *f, int w, int h, bool utf8)
{
    assert_int_equal(canvas_init(&f->cv, w, h, utf8), 0);
    render_screen(&f->cv, &f->v, &f->src);
}

static char row_buf[4096];
static const char *row(struct fx *f, int y) { return canvas_row(&f->cv, y, row_buf, sizeof row_buf); }

/* Finds text in rows y0 .. y1-1 (exact column, wide characters count 2). */
static bool find_in(struct fx *f, int y0, int y1, const char *text, int *y, int *x)
{
    return canvas_find_in(&f->cv, y0, y1, text, y, x);
}

/* The question bar's rows joined into one line (wrapping undone). */
static const char *bar_text(struct fx *f)
{
    static char out[4096];
    size_t used = 0;
    out[0] = 0;
    for (int y = f->v.lay.ask_y; y < f->v.lay.ask_y + f->v.lay.ask_h; y++) {
        char buf[1024];
        canvas_row(&f->cv, y, buf, sizeof buf);
        /* the label column, then the text without trailing spaces */
        const char *t = buf;
        size_t l = strlen(t);
        while (l && t[l - 1] == ' ')
            l--;
        size_t skip = 18 < l ? 18 : l;
        used += (size_t)snprintf(out + used, sizeof out - used, "%s%.*s", used ? " " : "",
                                 (int)(l - skip), t + skip);
    }
    return out;
}

static enum rd_role role_at(struct fx *f, int y, int x) { return canvas_at(&f->cv, y, x)->role; }

static void dump(struct fx *f)
{
    for (int y = 0; y < f->cv.h; y++)
        fprintf(stderr, "%2d|%s|\n", y, row(f, y));
}

static void set_running(struct pp_server *s, enum pp_step st, pp_ms started)
{
    s->state = PP_SRV_RUNNING;
    s->step = st;
    s->step_started = started;
    s->steps_started = started;
}

/* ---- tests ---- */

static void test_states_look_different(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    struct pp_model *m = &f.m;
    set_running(&m->servers[0], PP_STEP_DRAIN, 500000);          /* fe01 draining */
    m->servers[1].state = PP_SRV_FAILED;                         /* fe02 failed */
    m->servers[1].step = PP_STEP_UPGRADE;
    m->servers[2].state = PP_SRV_VERIFIED;                       /* fe03 verified */
    m->servers[2].steps_started = 0;
    m->servers[2].finished = 252000;
    m->servers[3].state = PP_SRV_LOST;
    m->servers[3].step = PP_STEP_RESTART;
    m->servers[4].state = PP_SRV_SKIPPED;
    m->servers[4].down = true;                                   /* skipped after its drain */
    snprintf(m->servers[4].reason, sizeof m->servers[4].reason, "hardware swap");
    m->servers[5].state = PP_SRV_MARKED_DONE;
    set_running(&m->servers[6], PP_STEP_VERIFY, 590000);         /* up, being checked */
    m->phase = PP_PH_DOMAIN;

    for (int utf8 = 1; utf8 >= 0; utf8--) {
        fx_render(&f, 120, 40, utf8);
        int y0 = f.v.lay.dom_y, y1 = y0 + f.v.lay.dom_h, y, x;
        struct {
            const char *text;
            enum rd_role role;
        } want[] = {
            {utf8 ? "◐ draining" : "~ draining", RD_DOWN},
            {utf8 ? "✖ failed upgrade" : "X failed upgrade", RD_FAILED},
            {utf8 ? "✔ verified" : "+ verified", RD_OK},
            {"? lost restart", RD_LOST},
            {utf8 ? "⤼ skipped, down" : "- skipped, down", RD_SKIPPED},
            {utf8 ? "✎ marked done" : "* marked done", RD_MARKED},
            {utf8 ? "▶ verifying" : "> verifying", RD_RUNNING},
        };
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            if (!find_in(&f, y0, y1, want[i].text, &y, &x)) {
                dump(&f);
                fail_msg("\"%s\" not in the domain panels", want[i].text);
            }
            /* the glyph and the word carry the role */
            assert_int_equal(role_at(&f, y, x), want[i].role);
            assert_int_equal(role_at(&f, y, x + 2), want[i].role);
        }
        /* the three that must never be confused */
        assert_int_not_equal(RD_DOWN, RD_FAILED);
        assert_int_not_equal(RD_DOWN, RD_OK);
        /* fe01's line: its name, state and the step's elapsed time */
        assert_true(find_in(&f, y0, y1, "draining", &y, &x));
        int yy, xx;
        assert_true(find_in(&f, y, y + 1, "fe01 ", &yy, &xx));
        assert_true(find_in(&f, y, y + 1, "01:40", &yy, &xx));
        assert_true(find_in(&f, y0, y1, "verified", &y, &x));
        assert_true(find_in(&f, y0, y1, "04:12", &y, &x));          /* total time */
        assert_true(find_in(&f, y0, y1, "hardware swap", &y, &x));  /* skip reason */
    }
    fx_free(&f);
}

static void test_step_elapsed(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    set_running(&f.m.servers[0], PP_STEP_UPGRADE, 600000 - 92000);   /* 01:32 ago */
    snprintf(f.m.servers[0].last_line, sizeof f.m.servers[0].last_line, "Installing KB3000001 40%%");
    fx_render(&f, 100, 30, true);
    int y, x;
    if (!find_in(&f, f.v.lay.dom_y, f.v.lay.dom_y + f.v.lay.dom_h, "upgrading 01:32 Installing", &y, &x)) {
        dump(&f);
        fail_msg("running step without its elapsed time and last line");
    }
    fx_free(&f);
}

static void test_domain_in_progress(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    struct pp_model *m = &f.m;
    m->domains[0].state = PP_DOM_DONE;
    m->servers[0].state = m->servers[1].state = PP_SRV_VERIFIED;
    m->domains[1].state = PP_DOM_ACTIVE;
    m->active_domain = 1;
    m->servers[2].state = PP_SRV_VERIFIED;
    set_running(&m->servers[3], PP_STEP_RESTART, 590000);
    m->domains[2].state = PP_DOM_DONE_EXCEPTIONS;
    m->domains[3].state = PP_DOM_NOT_READY;
    m->phase = PP_PH_DOMAIN;
    int y, x;
    for (int w = 80; w <= 160; w += 80) {
        fx_render(&f, w, 30, true);
        int y0 = f.v.lay.dom_y, y1 = y0 + f.v.lay.dom_h;
        if (!find_in(&f, y0, y1, "UpgradeDomain2 ▶ in progress 1/2", &y, &x)) {
            dump(&f);
            fail_msg("domain 2 without n/m at width %d", w);
        }
        assert_int_equal(role_at(&f, y, x + 15), RD_RUNNING);
        assert_true(find_in(&f, y0, y1, "UpgradeDomain1 ✔ done", &y, &x));
        /* the long form when the title has room, else the short one */
        assert_true(find_in(&f, y0, y1, "done with exceptions", &y, &x) ||
                    find_in(&f, y0, y1, "done, exceptions", &y, &x));
        assert_true(find_in(&f, y0, y1, "⊘ not ready", &y, &x));
        assert_true(find_in(&f, 0, 3, "upgrading UpgradeDomain2", &y, &x));
    }
    fx_free(&f);
}

static void test_cjk_truncates_at_the_column(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    set_running(&f.m.servers[0], PP_STEP_UPGRADE, 590000);
    /* 40 CJK characters: 80 columns, far wider than any panel */
    char *ll = f.m.servers[0].last_line;
    ll[0] = 0;
    for (int i = 0; i < 40 && strlen(ll) + 4 < sizeof f.m.servers[0].last_line; i++)
        strcat(ll, i % 2 ? "文" : "中");
    for (int w = 80; w <= 101; w++) {
        fx_render(&f, w, 30, true);
        int y, x;
        assert_true(find_in(&f, f.v.lay.dom_y, f.v.lay.dom_y + f.v.lay.dom_h, "中文", &y, &x));
        /* the frame on the right of fe01's panel is where it belongs */
        int pw = f.v.lay.panel_w;
        int right = f.v.lay.dom_cols == 1 ? w - 1 : pw - 1;
        assert_int_equal(canvas_at(&f.cv, y, right)->ch, 0x2502);
        /* every CJK cell is followed by its continuation, none is cut in half */
        for (int c = 0; c < right; c++) {
            struct rd_cell *cell = canvas_at(&f.cv, y, c);
            if (cell->ch == 0x4e2d || cell->ch == 0x6587) {
                assert_true(canvas_at(&f.cv, y, c + 1)->flags & RD_F_CONT);
                assert_true(c + 1 < right);
            }
        }
        /* the cut is marked */
        char buf[4096];
        canvas_row(&f.cv, y, buf, sizeof buf);
        assert_non_null(strstr(buf, "…"));
    }
    fx_free(&f);
}

static void test_canvas_wide_chars(void **state)
{
    (void)state;
    struct rd_canvas cv = {0};
    char buf[256];
    assert_int_equal(canvas_init(&cv, 10, 1, true), 0);
    assert_int_equal(canvas_put(&cv, 0, 0, 3, RD_NORMAL, "中文"), 3);   /* 中 + pad */
    assert_string_equal(canvas_row(&cv, 0, buf, sizeof buf), "中        ");
    canvas_clear(&cv);
    assert_int_equal(canvas_put_ell(&cv, 0, 0, 4, RD_NORMAL, "中文字"), 3);
    assert_string_equal(canvas_row(&cv, 0, buf, sizeof buf), "中…       ");
    canvas_clear(&cv);
    /* controls and invalid bytes never reach a cell raw */
    canvas_put(&cv, 0, 0, 10, RD_NORMAL, "a\x1b[31mb\xff");
    assert_string_equal(canvas_row(&cv, 0, buf, sizeof buf), "a\xef\xbf\xbd[31mb\xef\xbf\xbd  ");
    /* overwriting half of a wide character clears the other half */
    canvas_clear(&cv);
    canvas_put(&cv, 0, 0, 10, RD_NORMAL, "中");
    canvas_put(&cv, 0, 1, 1, RD_NORMAL, "x");
    assert_string_equal(canvas_row(&cv, 0, buf, sizeof buf), " x        ");
    /* ASCII terminals get '?' for anything else */
    assert_int_equal(canvas_init(&cv, 10, 1, false), 0);
    canvas_put(&cv, 0, 0, 10, RD_NORMAL, "中é");
    assert_string_equal(canvas_row(&cv, 0, buf, sizeof buf), "??        ");
    canvas_free(&cv);
}

static void test_layout_80x24(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    struct pp_model *m = &f.m;
    m->ask = PP_ASK_START_DOMAIN;
    m->ask_domain = 0;
    snprintf(m->ask_text, sizeof m->ask_text, "Start UpgradeDomain1 (fe01, fe02)?");
    m->busy_strikes = 1;
    m->next_check = 600000 + 552000;
    fx_render(&f, 80, 24, true);
    assert_false(f.v.lay.too_small);
    const char *must[] = {"pool01.contoso.com", "lync2013", "graceful", "elapsed 10:00",
                          "Pool Ready", "active 8/8", "quorum needs 4 of first 7",
                          "margin 3", "Busy 1/3", "next check in 09:12",
                          "DR pool02.contoso.com", "choosing · Busy", "UpgradeDomain1",
                          "UpgradeDomain2", "UpgradeDomain3", "UpgradeDomain4", "Checklist",
                          "Output", "Start domain?", "Enter", "start domain",
                          "? help", "q quit"};
    int y, x;
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!canvas_find(&f.cv, must[i], &y, &x)) {
            dump(&f);
            fail_msg("80x24 lacks \"%s\"", must[i]);
        }
    assert_non_null(strstr(bar_text(&f), "6 of 8 Front Ends stay up; quorum needs 4 of the "
                                         "first 7 (5 stay up). Drain, upgrade, restart, "
                                         "verify on fe01 fe02."));
    /* the question bar is a question */
    assert_true(canvas_find(&f.cv, "Start domain?", &y, &x));
    assert_int_equal(role_at(&f, y, x), RD_QUESTION);
    /* every server of the pool is on screen at once */
    for (int i = 1; i <= 8; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "fe%02d ", i);
        assert_true(find_in(&f, f.v.lay.dom_y, f.v.lay.dom_y + f.v.lay.dom_h, nm, &y, &x));
    }
    fx_free(&f);
}

/* The window's end sits in the title before "elapsed" when the title has
 * room for it, and gives way on a narrow terminal (the pool's name first). */
static void test_title_eta(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    f.src.eta = "ends about 03:40 (2h10m left)";
    fx_render(&f, 120, 30, true);
    assert_non_null(strstr(row(&f, 0), "ends about 03:40 (2h10m left)  elapsed 10:00"));
    assert_non_null(strstr(row(&f, 0), "pool01.contoso.com"));
    canvas_free(&f.cv);
    fx_render(&f, 80, 24, true);
    assert_null(strstr(row(&f, 0), "ends about"));
    assert_non_null(strstr(row(&f, 0), "pool01.contoso.com"));
    assert_non_null(strstr(row(&f, 0), "elapsed 10:00"));
    fx_free(&f);
}

static void test_quorum_line_not_repeated(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    f.m.ask = PP_ASK_START_DOMAIN;
    f.m.ask_domain = 1;
    snprintf(f.m.ask_text, sizeof f.m.ask_text,
             "Start UpgradeDomain2: 6 of 8 Front Ends stay up; quorum needs 4.");
    f.m.ask_quorum = true;   /* as the engine says of its own start question */
    fx_render(&f, 100, 30, true);
    int y, x;
    assert_true(canvas_find(&f.cv, "quorum needs 4.", &y, &x));
    assert_false(canvas_find(&f.cv, "Drain, upgrade, restart, verify on", &y, &x));
    /* the majority rule speaks of no "first" servers */
    f.cfg.quorum = PP_QUORUM_MAJORITY;
    f.m.ask_text[0] = 0;
    f.m.ask_quorum = false;
    fx_render(&f, 200, 30, true);
    assert_non_null(strstr(bar_text(&f), "6 of 8 Front Ends stay up; quorum needs 5. "
                                         "Drain, upgrade, restart, verify on fe03 fe04."));
    fx_free(&f);
}

static void test_too_small(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    fx_render(&f, 79, 24, true);
    int y, x;
    assert_true(f.v.lay.too_small);
    assert_true(canvas_find(&f.cv, "terminal too small (have 79x24, need 80x24)", &y, &x));
    fx_render(&f, 30, 8, true);
    assert_true(canvas_find(&f.cv, "terminal too small", &y, &x));
    assert_true(canvas_find(&f.cv, "q to", &y, &x));
    fx_render(&f, 80, 23, true);
    assert_true(canvas_find(&f.cv, "have 80x23", &y, &x));
    fx_free(&f);
}

static char *fleet_ini(void)
{
    size_t cap = 200000, used = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    used += (size_t)snprintf(s, cap,
                             "[pool]\nfqdn = fleet.example.net\nprofile = linux-systemd\n"
                             "quorum = majority\n[servers]\n");
    for (int i = 1; i <= 1000; i++)
        used += (size_t)snprintf(s + used, cap - used,
                                 "node%04d.fleet.example.net = UpgradeDomain%d\n", i,
                                 (i - 1) / 20 + 1);
    return s;
}

static void test_fleet_scrolls(void **state)
{
    (void)state;
    char *ini = fleet_ini();
    struct fx f;
    fx_load(&f, ini);
    free(ini);
    assert_int_equal(f.m.nservers, 1000);
    assert_int_equal(f.m.ndomains, 50);
    f.m.domains[49].state = PP_DOM_ACTIVE;
    set_running(&f.m.servers[998], PP_STEP_DRAIN, 590000);
    fx_render(&f, 100, 30, true);
    int y0 = f.v.lay.dom_y, y1 = y0 + f.v.lay.dom_h, y, x;
    assert_true(f.v.lay.dom_virtual_h > f.v.lay.dom_h);
    assert_true(find_in(&f, y0, y1, "UpgradeDomain1 ", &y, &x));
    assert_false(find_in(&f, y0, y1, "UpgradeDomain50", &y, &x));
    assert_true(canvas_find(&f.cv, "▼", &y, &x));                 /* more below */
    assert_true(canvas_find(&f.cv, "quorum needs 501", &y, &x));

    /* selecting a server of the last domain scrolls it into view */
    nav_select_server(&f.v, &f.m, 998);
    fx_render(&f, 100, 30, true);
    assert_true(f.v.dom_scroll > 0);
    if (!find_in(&f, y0, y1, "node0999 ◐ draining", &y, &x)) {
        dump(&f);
        fail_msg("selected server not scrolled into view");
    }
    assert_true(canvas_at(&f.cv, y, x)->flags & RD_F_SEL);
    assert_true(canvas_find(&f.cv, "▲", &y, &x));
    /* the checklist follows the selection */
    assert_true(find_in(&f, f.v.lay.low_y, f.v.lay.low_y + f.v.lay.low_h,
                        "[>] node0999.fleet.example.net", &y, &x));

    /* moving with the keys' actions walks the grid */
    nav_select_pool(&f.v);
    fx_render(&f, 100, 30, true);
    assert_int_equal(f.v.dom_scroll, 0);
    assert_true(nav_apply(&f.v, &f.src, ACT_DOWN));    /* pool → domain 1 */
    assert_int_equal(f.v.sel, RD_SEL_DOMAIN);
    assert_int_equal(f.v.sel_domain, 0);
    assert_true(nav_apply(&f.v, &f.src, ACT_DOWN));    /* → its first server */
    assert_int_equal(f.v.sel, RD_SEL_SERVER);
    assert_int_equal(f.v.sel_server, 0);
    assert_true(nav_apply(&f.v, &f.src, ACT_RIGHT));   /* → same line in domain 2 */
    assert_int_equal(f.v.sel_server, 20);
    assert_true(nav_apply(&f.v, &f.src, ACT_BOTTOM));
    assert_int_equal(f.v.sel_server, 999);
    fx_render(&f, 100, 30, true);
    assert_true(find_in(&f, y0, y1, "node1000", &y, &x));

    /* a question whose text the server list filled: the quorum still shows */
    f.m.ask = PP_ASK_START_DOMAIN;
    f.m.ask_domain = 1;
    size_t used = (size_t)snprintf(f.m.ask_text, sizeof f.m.ask_text, "Start UpgradeDomain2 (");
    for (int i = 20; i < 40 && used < sizeof f.m.ask_text; i++)
        used += (size_t)snprintf(f.m.ask_text + used, sizeof f.m.ask_text - used, "%s, ",
                                 f.m.servers[i].name);
    fx_render(&f, 80, 24, true);
    /* 1000 - 20 in the domain - node0999, which is draining */
    assert_non_null(strstr(bar_text(&f), "979 of 1000 Front Ends stay up; quorum needs 501."));
    fx_free(&f);
}

/* Issue 10 item 7: the operator sees what the server said and what
 * poolpilot concluded, never poolpilot's plumbing: no result marker in the
 * output pane (alone or grouped by domain), no engine phase names. */
static void test_no_internal_text(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    for (int i = 0; i <= f.m.nservers; i++) {
        outbuf_add_line(&f.out[i], "Stop-CsWindowsService -Graceful");
        outbuf_add_line(&f.out[i], "RTCSRV Stopped");
        outbuf_add_line(&f.out[i], "@@POOLPILOT-RESULT@@ ok");
        outbuf_add_line(&f.out[i], "= drain ok: RTCSRV Stopped");
    }
    f.v.focus = RD_PANE_OUTPUT;
    for (int sel = 0; sel < 3; sel++) {
        if (sel == 1)
            nav_select_domain(&f.v, 0);
        else if (sel == 2)
            nav_select_server(&f.v, &f.m, 0);
        fx_render(&f, 100, 30, true);
        int y, x;
        if (!canvas_find(&f.cv, "= drain ok", &y, &x)) {
            dump(&f);
            fail_msg("the output pane lacks the result line (selection %d)", sel);
        }
        if (canvas_find(&f.cv, "@@POOLPILOT", &y, &x)) {
            dump(&f);
            fail_msg("the result marker is on the screen (selection %d)", sel);
        }
        canvas_free(&f.cv);
    }
    static const char *const internal[] = {"phase ", "failback-ask", "busy-wait"};
    for (int p = PP_PH_START; p <= PP_PH_STOPPED; p++) {
        f.m.phase = (enum pp_phase)p;
        fx_render(&f, 120, 30, true);
        int y, x;
        for (size_t k = 0; k < sizeof internal / sizeof internal[0]; k++)
            if (find_in(&f, 0, 3, internal[k], &y, &x)) {
                dump(&f);
                fail_msg("the header says \"%s\" (phase %d)", internal[k], p);
            }
        canvas_free(&f.cv);
    }
    fx_free(&f);
}

/* Issue 10 item 9: one meaning per sign.  "?" is a lost server (the help
 * legend says so), never the asked domain's badge; "○" is a domain the
 * readiness check calls ready, never a queued server. */
static void test_one_meaning_per_sign(void **state)
{
    (void)state;
    for (int u = 1; u >= 0; u--) {
        struct fx f;
        fx_load(&f, pool8);
        f.m.domains[0].state = PP_DOM_READY;
        f.m.domains[1].state = PP_DOM_ACTIVE;
        f.m.servers[2].state = PP_SRV_QUEUED;                  /* fe03 */
        f.m.servers[3].state = PP_SRV_LOST;                    /* fe04 */
        f.m.servers[3].step = PP_STEP_UPGRADE;
        f.m.ask = PP_ASK_START_DOMAIN;
        f.m.ask_domain = 0;
        snprintf(f.m.ask_text, sizeof f.m.ask_text, "Start UpgradeDomain1?");
        fx_render(&f, 120, 30, u);
        int y, x;
        const char *asked = u ? "UpgradeDomain1 ◆ ○ ready" : "UpgradeDomain1 @ o ready";
        const char *queued = u ? "fe03 … queued" : "fe03 : queued";
        const char *lost = "fe04 ? lost upgrade";
        const char *must[] = {asked, queued, lost};
        for (size_t i = 0; i < 3; i++)
            if (!canvas_find(&f.cv, must[i], &y, &x)) {
                dump(&f);
                fail_msg("lacks \"%s\"", must[i]);
            }
        assert_false(canvas_find(&f.cv, "UpgradeDomain1 ?", &y, &x));
        canvas_free(&f.cv);

        /* the legend gives each sign one meaning */
        f.v.help = true;
        fx_render(&f, 120, 60, u);
        const char *legend[] = {u ? "○ ready" : "o ready", u ? "◆ asked" : "@ asked",
                                u ? "… queued" : ": queued", "? lost"};
        for (size_t i = 0; i < 4; i++)
            if (!canvas_find(&f.cv, legend[i], &y, &x)) {
                dump(&f);
                fail_msg("the legend lacks \"%s\"", legend[i]);
            }
        fx_free(&f);
    }
}

/* Issue 10 item 5: one source per number.  The quorum figures never
 * contradict the pool's own "active" count, and elapsed stops with the
 * run (the summary and the debrief agree). */
static void test_numbers_agree(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    f.m.readiness = PP_READY_INSUFFICIENT;
    f.m.active_fe = 3;
    f.m.total_fe = 8;
    fx_render(&f, 100, 30, true);
    int y, x;
    assert_true(canvas_find(&f.cv, "active 3/8", &y, &x));
    if (canvas_find(&f.cv, "(up 7, margin 3)", &y, &x) ||
        !canvas_find(&f.cv, "(pool: only 3 active)", &y, &x)) {
        dump(&f);
        fail_msg("the quorum line contradicts active 3/8");
    }
    assert_int_equal(role_at(&f, y, x), RD_FAILED);
    canvas_free(&f.cv);

    /* the run ended at 01:40; the screen is drawn later (now = 10:00) */
    f.m.active_fe = 8;
    f.v.ended = true;
    f.v.ended_at = 100000;
    f.v.summary = true;
    fx_render(&f, 100, 30, true);
    assert_false(canvas_find(&f.cv, "elapsed 10:00", &y, &x));
    assert_true(canvas_find(&f.cv, "elapsed 01:40", &y, &x));
    fx_free(&f);

    /* item 4: the key line offers o only when an override applies */
    fx_load(&f, pool8);
    f.m.servers[0].state = PP_SRV_VERIFIED;
    f.m.servers[1].state = PP_SRV_FAILED;
    nav_select_server(&f.v, &f.m, 0);
    fx_render(&f, 120, 30, true);
    assert_false(find_in(&f, f.v.lay.keys_y, f.v.lay.keys_y + 1, "o override", &y, &x));
    canvas_free(&f.cv);
    nav_select_server(&f.v, &f.m, 1);
    fx_render(&f, 120, 30, true);
    assert_true(find_in(&f, f.v.lay.keys_y, f.v.lay.keys_y + 1, "o override", &y, &x));
    fx_free(&f);
}

static void test_output_grouped_and_search(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f,
            "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n[servers]\n"
            "fe01.contoso.com = UD1\nfe02.contoso.com = UD1\nfe03.contoso.com = UD1\n"
            "fe04.contoso.com = UD1\n");
    for (int i = 0; i < 4; i++) {
        outbuf_add_line(&f.out[i], "Installing KB3000001");
        outbuf_add_line(&f.out[i], i == 2 ? "ERROR: disk full" : "Done");
    }
    nav_select_domain(&f.v, 0);
    f.v.focus = RD_PANE_OUTPUT;
    fx_render(&f, 100, 30, true);
    int y, x, y2, x2;
    if (!canvas_find(&f.cv, "== fe01 fe02 fe04 (3 identical)", &y, &x)) {
        dump(&f);
        fail_msg("no majority group");
    }
    assert_true(canvas_find(&f.cv, "!= fe03 (differs from the 3 others)", &y2, &x2));
    assert_true(y2 > y);
    assert_int_equal(role_at(&f, y2, x2), RD_WARNING);
    assert_true(canvas_find(&f.cv, "ERROR: disk full", &y, &x));

    /* search: the match is highlighted and marked as the current one */
    snprintf(f.v.search, sizeof f.v.search, "disk");
    assert_true(output_search(&f.v, &f.src, 1));
    fx_render(&f, 100, 30, true);
    assert_true(canvas_find(&f.cv, "disk full", &y, &x));
    assert_int_equal(role_at(&f, y, x), RD_MATCH);
    assert_int_not_equal(role_at(&f, y, x + 5), RD_MATCH);
    snprintf(f.v.search, sizeof f.v.search, "no such text");
    f.v.search_hit = -1;
    assert_false(output_search(&f.v, &f.src, 1));

    /* one server: its own lines, the command in the title */
    nav_select_server(&f.v, &f.m, 2);
    f.v.search[0] = 0;
    fx_render(&f, 100, 30, true);
    assert_true(canvas_find(&f.cv, "Output fe03.contoso.com", &y, &x));
    assert_true(canvas_find(&f.cv, "Stop-CsWindowsService -Graceful", &y, &x));
    assert_false(canvas_find(&f.cv, "== ", &y, &x));
    fx_free(&f);
}

static void test_checklist_ticks(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    setenv("TZ", "UTC", 1);
    struct pp_model *m = &f.m;
    f.src.wall_offset = 0;
    m->domains[0].state = PP_DOM_DONE;
    m->domains[0].finished = 3600000;
    snprintf(m->domains[0].by, sizeof m->domains[0].by, "jdoe");
    m->servers[0].state = PP_SRV_VERIFIED;
    m->servers[0].finished = 1800000;
    snprintf(m->servers[0].by, sizeof m->servers[0].by, "jdoe");
    m->servers[1].state = PP_SRV_SKIPPED;
    m->servers[1].finished = 1900000;
    snprintf(m->servers[1].by, sizeof m->servers[1].by, "asmith");
    snprintf(m->servers[1].reason, sizeof m->servers[1].reason, "RMA case 4711");
    fx_render(&f, 200, 40, true);
    int y, x;
    const char *must[] = {"[x] Readiness Ready", "[x] UpgradeDomain1 done 01:00 jdoe",
                          "[x] fe01.contoso.com verified 00:30", "jdoe",
                          "[-] fe02.contoso.com skipped by asmith 00:31: RMA case 4711",
                          "[ ] UpgradeDomain2"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!canvas_find(&f.cv, must[i], &y, &x)) {
            dump(&f);
            fail_msg("checklist lacks \"%s\"", must[i]);
        }
    fx_free(&f);
}

/* Issue 11 item 13: the Back End's update is a line of the checklist once
 * the run reaches it; left to the operator, it says open. */
static void test_checklist_backend_line(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    int y, x;
    fx_render(&f, 200, 40, true);
    assert_false(canvas_find(&f.cv, "Back End", &y, &x));
    snprintf(f.m.backend_item, sizeof f.m.backend_item, "open");
    fx_render(&f, 200, 40, true);
    if (!canvas_find(&f.cv, "[!] Back End open: run Install-CsDatabase -Update", &y, &x)) {
        dump(&f);
        fail_msg("the checklist does not show the Back End open");
    }
    snprintf(f.m.backend_item, sizeof f.m.backend_item, "ok");
    fx_render(&f, 200, 40, true);
    assert_true(canvas_find(&f.cv, "[x] Back End databases updated", &y, &x));
    fx_free(&f);
}

/* Issue 10 item 8: at 120 columns the override menu uses the room: no
 * choice's explanation is cut (it was 72 columns: "open sessions are dr…"). */
static void test_dialog_uses_the_width(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    f.m.servers[0].state = PP_SRV_RUNNING;
    f.m.servers[0].step = PP_STEP_DRAIN;
    dlg_open_override(&f.v.dlg, DLG_T_SERVER, 0, "fe01.contoso.com", PP_SRV_RUNNING, true);
    fx_render(&f, 120, 30, true);
    int y, x;
    if (!canvas_find(&f.cv, "Override", &y, &x)) {
        dump(&f);
        fail_msg("no override dialog");
    }
    for (int r = 0; r < f.cv.h - 2; r++)
        if (strstr(row(&f, r), "…")) {
            dump(&f);
            fail_msg("row %d of the override dialog is cut at 120 columns", r);
        }
    fx_free(&f);
}

/* Issue 10 item 8: the help wraps its lines instead of cutting them, at
 * 80x24, scrolled from top to bottom. */
static void test_help_never_cut(void **state)
{
    (void)state;
    struct fx f;
    fx_load(&f, pool8);
    f.v.help = true;
    bool seen_last = false;
    for (int scroll = 0; scroll < 400 && !seen_last; scroll += 10) {
        f.v.help_scroll = scroll;
        fx_render(&f, 80, 24, true);
        for (int r = 0; r < f.cv.h; r++) {
            const char *t = row(&f, r);
            /* a cut ends a word with "…"; the queued sign stands alone */
            const char *cut = strstr(t, "…");
            while (cut && cut > t && cut[-1] == ' ')
                cut = strstr(cut + 1, "…");
            if (cut) {
                dump(&f);
                fail_msg("help row %d is cut (scroll %d)", r, scroll);
            }
            if (strstr(t, "Colours only repeat"))
                seen_last = true;
        }
        canvas_free(&f.cv);
    }
    assert_true(seen_last);
    fx_free(&f);
}

static void test_dialog_override(void **state)
{
    (void)state;
    struct dlg g = {0};
    dlg_open_override(&g, DLG_T_SERVER, 3, "fe04.contoso.com", PP_SRV_FAILED, false);
    assert_int_equal(g.ov, PP_OV_RETRY);              /* the sensible default */
    assert_false(g.allowed[PP_OV_FORCE]);
    assert_int_equal(dlg_key(&g, 'f'), DLG_R_NONE);   /* not applicable: stays */
    assert_int_equal(g.stage, DLG_ST_CHOOSE);
    assert_int_equal(dlg_key(&g, PPK_ENTER), DLG_R_NONE);
    assert_int_equal(g.stage, DLG_ST_NAME);
    const char *wrong = "fe04";
    for (const char *p = wrong; *p; p++)
        dlg_key(&g, *p);
    assert_int_equal(dlg_key(&g, PPK_ENTER), DLG_R_NONE);
    assert_int_equal(g.stage, DLG_ST_NAME);           /* must be typed exactly */
    assert_true(g.error[0] != 0);
    dlg_key(&g, PPK_CTRL('u'));
    for (const char *p = "fe04.contoso.com"; *p; p++)
        dlg_key(&g, *p);
    assert_int_equal(dlg_key(&g, PPK_ENTER), DLG_R_NONE);
    assert_int_equal(g.stage, DLG_ST_REASON);
    dlg_key(&g, ' ');
    assert_int_equal(dlg_key(&g, PPK_ENTER), DLG_R_NONE);   /* a blank reason is no reason */
    dlg_key(&g, PPK_BACKSPACE);
    for (const char *p = "checked the logs, é"; *p;) {
        uint32_t cp = (unsigned char)*p;
        if (cp == 0xc3) {
            cp = 0xe9;
            p += 2;
        } else {
            p++;
        }
        dlg_key(&g, (int)cp);
    }
    assert_int_equal(dlg_key(&g, PPK_ENTER), DLG_R_OVERRIDE);
    assert_int_equal(g.kind, DLG_NONE);
    assert_int_equal(g.ov, PP_OV_RETRY);
    assert_string_equal(g.target, "fe04.contoso.com");
    assert_string_equal(g.in.buf, "checked the logs, é");
    dlg_wipe(&g);
    assert_int_equal(g.in.len, 0);

    /* Esc at any stage: nothing happens */
    dlg_open_override(&g, DLG_T_DOMAIN, 0, "UD1", PP_SRV_PENDING, false);
    assert_false(g.allowed[PP_OV_RETRY]);
    assert_true(g.allowed[PP_OV_PROCEED]);
    dlg_key(&g, 'p');
    assert_int_equal(g.stage, DLG_ST_NAME);
    assert_int_equal(dlg_key(&g, PPK_ESC), DLG_R_CANCEL);
}

static void test_dialog_secret_never_drawn(void **state)
{
    (void)state;
    struct dlg g = {0};
    struct rd_canvas cv = {0};
    assert_int_equal(canvas_init(&cv, 100, 30, true), 0);
    dlg_open_prompt(&g, 7, PP_PROMPT_PASSWORD, false, "fe01.contoso.com", "Password:");
    for (const char *p = "hunter2"; *p; p++)
        assert_int_equal(dlg_key(&g, *p), DLG_R_NONE);
    dlg_render(&g, &cv, 28);
    int y, x;
    assert_true(canvas_find(&cv, "Password for fe01.contoso.com", &y, &x));
    assert_false(canvas_find(&cv, "hunter2", &y, &x));
    assert_false(canvas_find(&cv, "*******", &y, &x));
    dlg_key(&g, PPK_TAB);
    assert_true(g.remember);
    assert_int_equal(dlg_key(&g, PPK_ENTER), DLG_R_ANSWER);
    assert_true(g.accept);
    assert_string_equal(g.in.buf, "hunter2");
    dlg_wipe(&g);
    for (size_t i = 0; i < sizeof g.in.buf; i++)
        assert_int_equal(g.in.buf[i], 0);

    /* a host key is accepted by "y" only, never by Enter */
    dlg_open_prompt(&g, 8, PP_PROMPT_HOSTKEY, false, "fe02.contoso.com", "SHA256:abc");
    assert_int_equal(dlg_key(&g, PPK_ENTER), DLG_R_NONE);
    assert_int_equal(dlg_key(&g, 'n'), DLG_R_ANSWER);
    assert_false(g.accept);
    canvas_free(&cv);
}

/* The text of the domain panel holding (y, x): its rows from y down to the
 * panel's bottom, inside its frame, blanks collapsed (wrapping undone). */
static const char *panel_text_below(struct fx *f, int y, int x)
{
    static char out[4096];
    int pw = f->v.lay.panel_w, px = x / pw * pw;
    int w = px + 2 * pw > f->cv.w ? f->cv.w - px : pw;
    size_t o = 0;
    bool blank = true;
    for (int r = y; r < f->v.lay.dom_y + f->v.lay.dom_h; r++)
        for (int c = px + 1; c <= px + w - 1 && o + 1 < sizeof out; c++) {
            /* the frame's right edge ends the row: a blank, as a wrap */
            uint32_t ch = c == px + w - 1 ? ' ' : canvas_at(&f->cv, r, c)->ch;
            if (ch == ' ' || ch == 0) {
                if (!blank)
                    out[o++] = ' ';
                blank = true;
            } else if (ch < 0x80) {
                out[o++] = (char)ch;
                blank = false;
            }
        }
    out[o] = 0;
    return out;
}

/* Issue 10 item 8: a failed server's reason and a lost server's probe
 * answer are read in full at 80x24 (wrapped under the server's row), not
 * cut to "Star…" beside its state; the row shows no command output once
 * nothing runs there. */
static void test_failed_reason_in_full(void **state)
{
    (void)state;
    static const char failed_why[] =
        "Start-CsWindowsService: RTCSRV did not start within 300 seconds; event 32178 says the "
        "default certificate expired on 2026-11-30";
    static const char probe[] =
        "RTCSRV Stopped; the last update log line is 'Installing SfB Server 2015 CU12'";
    struct fx f;
    fx_load(&f, pool8);
    struct pp_model *m = &f.m;
    m->domains[0].state = PP_DOM_ACTIVE;
    m->active_domain = 0;
    m->phase = PP_PH_DOMAIN;
    struct pp_server *fe02 = &m->servers[1], *fe07 = &m->servers[6];
    fe02->state = PP_SRV_FAILED;
    fe02->step = PP_STEP_VERIFY;
    fe02->down = true;
    snprintf(fe02->reason, sizeof fe02->reason, "%s", failed_why);
    snprintf(fe02->last_line, sizeof fe02->last_line, "{\"Ready\":true}");
    fe07->state = PP_SRV_LOST;
    fe07->step = PP_STEP_UPGRADE;
    fe07->down = true;
    fe07->probed = true;
    snprintf(fe07->probe_answer, sizeof fe07->probe_answer, "%s", probe);
    snprintf(fe07->last_line, sizeof fe07->last_line, "RTCSRV Running");
    /* the question about fe02, as the engine puts it; the dashboard then
     * selects the server it is about */
    m->ask = PP_ASK_OPERATOR;
    m->ask_server = 1;
    m->ask_domain = 0;
    m->ask_step = PP_STEP_VERIFY;
    snprintf(m->ask_text, sizeof m->ask_text,
             "fe02.contoso.com: verify failed: %s. Override retry runs it again; done marks the "
             "server done by hand; skip leaves it out of this run.", failed_why);
    nav_select_server(&f.v, m, 1);
    f.v.focus = RD_PANE_DOMAINS;

    struct { int server; const char *name, *text; } want[] = {
        {1, "fe02 ", failed_why}, {6, "fe07 ", probe}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        if (i > 0) {
            m->ask = PP_ASK_NONE;
            nav_select_server(&f.v, m, want[i].server);
        }
        fx_render(&f, 80, 24, false);
        int y0 = f.v.lay.dom_y, y1 = y0 + f.v.lay.dom_h, y, x;
        if (!find_in(&f, y0, y1, want[i].name, &y, &x)) {
            dump(&f);
            fail_msg("%s is not in the panels", want[i].name);
        }
        const char *t = panel_text_below(&f, y, x);
        if (getenv("PP_DUMP"))
            dump(&f);
        if (!strstr(t, want[i].text)) {
            dump(&f);
            fail_msg("80x24: the reason of %s is not read in full:\n%s", want[i].name, t);
        }
        /* old output is not what the server is doing now */
        if (strstr(t, "{\"Ready\"") || strstr(t, "RTCSRV Running")) {
            dump(&f);
            fail_msg("80x24: %s shows output of a command no longer running", want[i].name);
        }
    }
    fx_free(&f);
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "C.utf8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_states_look_different),
        cmocka_unit_test(test_step_elapsed),
        cmocka_unit_test(test_title_eta),
        cmocka_unit_test(test_domain_in_progress),
        cmocka_unit_test(test_cjk_truncates_at_the_column),
        cmocka_unit_test(test_canvas_wide_chars),
        cmocka_unit_test(test_layout_80x24),
        cmocka_unit_test(test_quorum_line_not_repeated),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_fleet_scrolls),
        cmocka_unit_test(test_output_grouped_and_search),
        cmocka_unit_test(test_checklist_ticks),
        cmocka_unit_test(test_checklist_backend_line),
        cmocka_unit_test(test_dialog_override),
        cmocka_unit_test(test_dialog_secret_never_drawn),
        cmocka_unit_test(test_no_internal_text),
        cmocka_unit_test(test_one_meaning_per_sign),
        cmocka_unit_test(test_numbers_agree),
        cmocka_unit_test(test_dialog_uses_the_width),
        cmocka_unit_test(test_help_never_cut),
        cmocka_unit_test(test_failed_reason_in_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
