/* Issue 10 item 8: the question and the text an operator needs to decide
 * it are readable in full at 80x24, for every kind of question.  The
 * questions are the engine's own (driven with the engine driver to each
 * kind), rendered through the real dashboard into role-tagged cells. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/helpers/engine_driver.h"
#include "tui/dashboard/canvas.h"
#include "tui/dashboard/render.h"

/* Drives d until the engine asks `want`: checks answer `ready`, other
 * questions are confirmed, the first run of `odd_kind` ends with
 * `odd_res` (or never ends when odd_res is PP_RES_NONE), the rest ok. */
static void drive_to(struct drv *d, enum pp_ask_kind want, enum pp_ready ready,
                     enum pp_cmd_kind odd_kind, enum pp_result odd_res)
{
    bool odd_done = false;
    for (int it = 0; it < 2000; it++) {
        if (d->m.ask == want)
            return;
        assert_false(d->exited);
        if (d->m.ask != PP_ASK_NONE && d->m.ask != PP_ASK_OPERATOR &&
            d->m.ask != PP_ASK_FORCE_DRAIN) {
            drv_op(d, PP_OP_CONFIRM, NULL);
            continue;
        }
        if (drv_find(d, PP_CMD_READINESS, -2) >= 0) {
            drv_advance(d, 5000);
            drv_answer_check(d, ready);
            continue;
        }
        int i = -1;
        for (int k = 0; k < d->nruns && i < 0; k++)
            if (!(d->runs[k].kind == odd_kind && odd_res == PP_RES_NONE))
                i = k;
        if (i >= 0) {
            enum pp_result r = PP_RES_OK;
            if (d->runs[i].kind == odd_kind && !odd_done) {
                r = odd_res;
                odd_done = true;
            }
            drv_advance(d, 60000);
            drv_finish(d, i, r, NULL, r == PP_RES_OK ? "fine" : "RTCSRV did not start");
            continue;
        }
        if (!drv_wake(d))
            fail_msg("the engine waits for nothing and never asked kind %d", want);
    }
    fail_msg("never asked kind %d", want);
}

static const struct pp_outbuf *no_output(void *ctx, int server)
{
    (void)ctx;
    (void)server;
    return NULL;
}

/* Collapses runs of blanks, so that wrapped and unwrapped text compare. */
static void squash(const char *in, char *out, size_t n)
{
    size_t o = 0;
    bool blank = true;
    for (; *in && o + 1 < n; in++) {
        if (isspace((unsigned char)*in)) {
            if (!blank)
                out[o++] = ' ';
            blank = true;
        } else {
            out[o++] = *in;
            blank = false;
        }
    }
    while (o && out[o - 1] == ' ')
        o--;
    out[o] = 0;
}

/* The screen's rows from y0 to y1 (exclusive), the label column cut off,
 * joined with blanks. */
static void rows_text(const struct rd_canvas *cv, int y0, int y1, int from_x, char *out,
                      size_t n)
{
    size_t used = 0;
    out[0] = 0;
    for (int y = y0; y < y1; y++) {
        char row[1024];
        canvas_row(cv, y, row, sizeof row);
        size_t skip = 0, cols = 0;
        /* from_x columns (ASCII/UTF-8 both: count characters) */
        while (row[skip] && cols < (size_t)from_x) {
            skip++;
            while (((unsigned char)row[skip] & 0xC0) == 0x80)
                skip++;
            cols++;
        }
        used += (size_t)snprintf(out + used, n - used, " %s", row + skip);
        if (used >= n)
            break;
    }
}

/* Renders d's model at 80x24 and checks that the question's text and the
 * quorum line are on the screen in full: in the bar, or where the bar says
 * the rest is. */
static void check_fits(struct drv *d, const char *what)
{
    struct keymap km;
    struct rd_view v;
    struct rd_canvas cv = {0};
    keymap_build(&km, NULL, NULL);
    rd_view_init(&v, &km, false);
    struct rd_source src = {.m = &d->m, .cfg = &d->cfg, .now = d->now, .scale = 1,
                            .output = no_output};
    assert_int_equal(canvas_init(&cv, 80, 24, true), 0);
    render_screen(&cv, &v, &src);
    assert_false(v.lay.too_small);
    assert_true(v.lay.ask_h > 0);

    static char got[16384], want[8192], bar[16384];
    rows_text(&cv, v.lay.ask_y, v.lay.ask_y + v.lay.ask_h, 18, bar, sizeof bar);
    squash(bar, got, sizeof got);
    squash(d->m.ask_text, want, sizeof want);
    if (!strstr(got, want)) {
        for (int y = 0; y < cv.h; y++) {
            char row[1024];
            fprintf(stderr, "%2d|%s|\n", y, canvas_row(&cv, y, row, sizeof row));
        }
        fail_msg("%s: the question is not on the screen in full:\n  want: %s\n  got:  %s", what,
                 want, got);
    }
    assert_null(strstr(got, "…"));
    canvas_free(&cv);
    rd_view_free(&v);
}

static struct drv *pool(const char *extra)
{
    char ini[512];
    snprintf(ini, sizeof ini, "%s%s", DRV_DR, extra);
    return drv_pool8(ini, "");
}

static void test_start_domain(void **st)
{
    (void)st;
    struct drv *d = pool("");
    drv_start(d);
    drive_to(d, PP_ASK_START_DOMAIN, PP_READY_READY, PP_CMD_COUNT, PP_RES_OK);
    check_fits(d, "start domain");
    drv_destroy(d);
}

static void test_start_server_and_step(void **st)
{
    (void)st;
    struct drv *d = pool("confirm = server\n");
    drv_start(d);
    drive_to(d, PP_ASK_START_SERVER, PP_READY_READY, PP_CMD_COUNT, PP_RES_OK);
    check_fits(d, "start server");
    drv_destroy(d);
    d = pool("confirm = step\n");
    drv_start(d);
    drive_to(d, PP_ASK_START_STEP, PP_READY_READY, PP_CMD_COUNT, PP_RES_OK);
    check_fits(d, "start step");
    drv_destroy(d);
}

static void test_failover_and_failback(void **st)
{
    (void)st;
    struct drv *d = pool("");
    drv_start(d);
    drive_to(d, PP_ASK_FAILOVER, PP_READY_BUSY, PP_CMD_COUNT, PP_RES_OK);
    check_fits(d, "failover");
    drv_op(d, PP_OP_CONFIRM, NULL);
    drive_to(d, PP_ASK_FAILBACK, PP_READY_READY, PP_CMD_COUNT, PP_RES_OK);
    check_fits(d, "failback");
    drv_destroy(d);
}

static void test_failed_lost_and_stuck_drain(void **st)
{
    (void)st;
    struct drv *d = pool("");
    drv_start(d);
    drive_to(d, PP_ASK_OPERATOR, PP_READY_READY, PP_CMD_VERIFY, PP_RES_FAILED);
    check_fits(d, "failed verify");
    drv_destroy(d);

    d = pool("");
    drv_start(d);
    drive_to(d, PP_ASK_RERUN, PP_READY_READY, PP_CMD_UPGRADE, PP_RES_LOST);
    check_fits(d, "lost upgrade");
    drv_destroy(d);

    d = pool("");
    drv_start(d);
    drive_to(d, PP_ASK_FORCE_DRAIN, PP_READY_READY, PP_CMD_DRAIN, PP_RES_TIMEOUT);
    check_fits(d, "drain overran");
    drv_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_domain),
        cmocka_unit_test(test_start_server_and_step),
        cmocka_unit_test(test_failover_and_failback),
        cmocka_unit_test(test_failed_lost_and_stuck_drain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
