/* The walkthrough pane and the full-screen debrief, rendered into cells:
 * where the pane sits, that the output pane keeps its place below it, that
 * a short pane keeps what matters (what happens, what to do) and that the
 * debrief scrolls within its frame. */
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
#include "tui/dashboard/render.h"

struct fx {
    struct pp_config cfg;
    struct pp_model m;
    struct keymap km;
    struct rd_view v;
    struct rd_canvas cv;
    struct rd_source src;
    struct pp_outbuf out;
};

static const struct pp_outbuf *fx_output(void *ctx, int server)
{
    (void)server;
    return &((struct fx *)ctx)->out;
}

/* A training pool at its first domain question (the engine's own words are
 * not needed: the walkthrough reads the model). */
static void fx_load(struct fx *f, const char *scenario)
{
    memset(f, 0, sizeof *f);
    struct pp_diag d = {0};
    assert_int_equal(config_load_scenario(&f->cfg, scenario, &d), 0);
    diag_free(&d);
    assert_int_equal(model_init(&f->m, &f->cfg), 0);
    keymap_build(&f->km, NULL, NULL);
    rd_view_init(&f->v, &f->km, true);
    f->v.walk = true;
    outbuf_init(&f->out, 100);
    for (int i = 0; i < 6; i++)
        outbuf_add_line(&f->out, "RTCSRV Running");
    f->m.started_at = 0;
    f->m.last_check = 1000;
    f->m.readiness = PP_READY_READY;
    f->m.phase = PP_PH_CHOOSE;
    f->m.ask = PP_ASK_START_DOMAIN;
    f->m.ask_domain = 0;
    snprintf(f->m.ask_text, sizeof f->m.ask_text, "Start UpgradeDomain1?");
    f->src = (struct rd_source){.m = &f->m, .cfg = &f->cfg, .now = 60000, .scale = 60,
                                .output = fx_output, .ctx = f};
}

static void fx_free(struct fx *f)
{
    outbuf_free(&f->out);
    canvas_free(&f->cv);
    rd_view_free(&f->v);
    model_free(&f->m);
    config_free(&f->cfg);
}

static void fx_render(struct fx *f, int w, int h)
{
    canvas_free(&f->cv);
    assert_int_equal(canvas_init(&f->cv, w, h, true), 0);
    render_screen(&f->cv, &f->v, &f->src);
}

static bool in_rows(struct fx *f, int y0, int y1, const char *text)
{
    int y, x;
    return canvas_find_in(&f->cv, y0, y1, text, &y, &x);
}

static void test_layout(void **st)
{
    (void)st;
    struct fx f;
    fx_load(&f, "happy");
    fx_render(&f, 120, 36);
    const struct rd_layout *L = &f.v.lay;
    assert_true(L->wk_h > 4);
    assert_int_equal(L->wk_y, L->low_y);
    assert_int_equal(L->out_y, L->wk_y + L->wk_h);
    assert_int_equal(L->out_y + L->out_h, L->low_y + L->low_h);
    assert_true(L->out_h >= 3);
    int y, x;
    assert_true(canvas_find(&f.cv, "Walkthrough · Start UpgradeDomain1?", &y, &x));
    assert_int_equal(y, L->wk_y);
    assert_int_equal(x, L->out_x + 1);
    /* the three kinds of paragraph, inside the pane */
    assert_true(in_rows(&f, L->wk_y, L->wk_y + L->wk_h, "Now "));
    assert_true(in_rows(&f, L->wk_y, L->wk_y + L->wk_h, "Why "));
    assert_true(in_rows(&f, L->wk_y, L->wk_y + L->wk_h, "You "));
    assert_true(in_rows(&f, L->wk_y, L->wk_y + L->wk_h, "margin 1"));
    /* the output pane's title right below */
    assert_true(in_rows(&f, L->out_y, L->out_y + 1, "Output"));
    /* the checklist keeps the whole left side */
    assert_true(in_rows(&f, L->low_y, L->low_y + 1, "Checklist"));

    /* hidden: the output pane has the whole right side again */
    f.v.walk = false;
    fx_render(&f, 120, 36);
    assert_int_equal(f.v.lay.wk_h, 0);
    assert_int_equal(f.v.lay.out_y, f.v.lay.low_y);
    assert_int_equal(f.v.lay.out_h, f.v.lay.low_h);
    assert_false(canvas_find(&f.cv, "Walkthrough", &y, &x));
    fx_free(&f);
}

static void test_small_keeps_what_matters(void **st)
{
    (void)st;
    struct fx f;
    fx_load(&f, "large-pool");
    fx_render(&f, 80, 24);
    const struct rd_layout *L = &f.v.lay;
    assert_false(L->too_small);
    assert_true(L->wk_h >= 2);
    int end = L->wk_y + L->wk_h;
    /* what happens and what to do come before the background */
    assert_true(in_rows(&f, L->wk_y, end, "Now "));
    if (L->wk_h >= 8)
        assert_true(in_rows(&f, L->wk_y, end, "You "));
    /* nothing of the pane leaks into the question bar below */
    assert_false(in_rows(&f, L->ask_y, L->ask_y + L->ask_h, "Now "));
    /* cut: the marker says there is more */
    assert_true(in_rows(&f, L->wk_y, end, "▼"));
    fx_free(&f);
}

static void test_debrief_overlay(void **st)
{
    (void)st;
    struct fx f;
    fx_load(&f, "happy");
    char *lines[60];
    char buf[60][64];
    for (int i = 0; i < 60; i++) {
        snprintf(buf[i], sizeof buf[i], i == 0 ? "Debrief: happy" : "  line %02d", i);
        lines[i] = buf[i];
    }
    f.v.debrief = lines;
    f.v.ndebrief = 60;
    f.v.ended = true;
    f.m.phase = PP_PH_COMPLETE;
    f.m.ask = PP_ASK_NONE;
    /* the pane points at the debrief */
    fx_render(&f, 120, 36);
    int y, x;
    assert_true(canvas_find(&f.cv, "w shows the debrief (60 lines).", &y, &x));
    f.v.debrief_open = true;
    fx_render(&f, 120, 36);
    assert_true(canvas_find(&f.cv, "Debrief of the training run", &y, &x));
    assert_int_equal(y, 0);
    assert_true(canvas_find(&f.cv, "Debrief: happy", &y, &x));
    assert_true(canvas_find(&f.cv, "▼ more", &y, &x));
    /* scrolled past the end: clamped so the last line is on the last row */
    f.v.debrief_scroll = 1 << 20;
    fx_render(&f, 120, 36);
    assert_true(canvas_find(&f.cv, "line 59", &y, &x));
    assert_int_equal(y, 36 - 3);
    assert_false(canvas_find(&f.cv, "Debrief: happy", &y, &x));
    fx_free(&f);
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "C.utf8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_small_keeps_what_matters),
        cmocka_unit_test(test_debrief_overlay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
