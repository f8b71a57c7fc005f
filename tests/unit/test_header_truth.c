/* Issue 10 item 5: the header's numbers have one source of truth.  Every
 * built-in training scenario runs on the simulated pool (max speed, no
 * journal); at every question the dashboard is rendered into cells and
 * each number on its pool lines is checked against the model, and against
 * each other (no "active 3/8" beside "up 7"). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/pool/model.h"
#include "backend/runner/runner.h"
#include "backend/runner/transport.h"
#include "config/config.h"
#include "tui/dashboard/canvas.h"
#include "tui/dashboard/render.h"

struct run {
    const char *scenario;
    struct pp_runner *r;
    int asks;
};

static void on_notice(void *ctx, const struct pp_notice *n)
{
    struct run *x = ctx;
    if (n->type == PP_N_ASK)
        x->asks++;
}

static const char *header(const struct rd_canvas *cv, char *buf, size_t n)
{
    char a[1024], b[1024];
    canvas_row(cv, 1, a, sizeof a);
    canvas_row(cv, 2, b, sizeof b);
    snprintf(buf, n, "%s %s", a, b);
    return buf;
}

static void check_header(struct run *x, const struct pp_model *m, const struct pp_config *cfg,
                         pp_ms now)
{
    struct keymap km;
    struct rd_view v;
    struct rd_canvas cv = {0};
    keymap_build(&km, NULL, NULL);
    rd_view_init(&v, &km, true);
    struct rd_source src = {.m = m, .cfg = cfg, .now = now, .scale = 0};
    assert_int_equal(canvas_init(&cv, 160, 40, true), 0);
    render_screen(&cv, &v, &src);
    char h[2100];
    header(&cv, h, sizeof h);

    const char *p = strstr(h, "active ");
    int act = -1, tot = -1;
    assert_non_null(p);
    if (sscanf(p, "active %d/%d", &act, &tot) == 2) {
        if (act != m->active_fe || tot != m->total_fe)
            fail_msg("%s: header says active %d/%d, model %d/%d\n%s", x->scenario, act, tot,
                     m->active_fe, m->total_fe, h);
    }
    int up, need, shown_up, margin;
    quorum_ok_without(m, cfg->quorum, -1, &up, &need);
    p = strstr(h, "(up ");
    if (p) {
        assert_int_equal(sscanf(p, "(up %d, margin %d)", &shown_up, &margin), 2);
        if (shown_up != up || margin != up - need)
            fail_msg("%s: header says up %d margin %d, model up %d need %d\n%s", x->scenario,
                     shown_up, margin, up, need, h);
        /* one truth: never more servers "up" than the pool calls active */
        if (act >= 0 && shown_up > act)
            fail_msg("%s: the header contradicts itself: active %d, up %d\n%s", x->scenario, act,
                     shown_up, h);
    }
    int busy, strikes;
    p = strstr(h, "Busy ");
    while (p && sscanf(p, "Busy %d/%d", &busy, &strikes) != 2)
        p = strstr(p + 1, "Busy ");
    assert_non_null(p);
    if (busy != m->busy_strikes || strikes != cfg->timing.busy_strikes)
        fail_msg("%s: header says Busy %d/%d, model %d/%d\n%s", x->scenario, busy, strikes,
                 m->busy_strikes, cfg->timing.busy_strikes, h);
    canvas_free(&cv);
    rd_view_free(&v);
}

/* What an operator following the scenario would answer. */
static void answer(struct pp_runner *r, const struct pp_model *m)
{
    struct pp_event ev = {.type = PP_EV_OPERATOR, .op = PP_OP_CONFIRM};
    if (m->ask == PP_ASK_FORCE_DRAIN || m->ask == PP_ASK_OPERATOR) {
        ev.op = PP_OP_OVERRIDE;
        ev.ov = m->ask == PP_ASK_FORCE_DRAIN ? PP_OV_FORCE : PP_OV_SKIP;
        ev.target = m->ask_server >= 0 ? m->servers[m->ask_server].name
                    : m->ask_domain >= 0 ? m->domains[m->ask_domain].name : m->fqdn;
        ev.reason = "training: checked by hand";
        if (m->ask_server < 0)
            ev.ov = PP_OV_PROCEED;
    }
    runner_operator(r, &ev);
}

static void run_scenario(const char *name)
{
    struct pp_config cfg;
    struct pp_diag d = {0};
    assert_int_equal(config_load_scenario(&cfg, name, &d), 0);
    diag_free(&d);
    struct pp_model m;
    assert_int_equal(model_init(&m, &cfg), 0);
    struct run x = {.scenario = name};
    struct pp_runner_opts o = {.training = true, .time_scale = 0, .operator_ = "tester"};
    struct pp_transport *t = sim_transport_new(&cfg);
    assert_non_null(t);
    x.r = runner_new(&cfg, &m, t, NULL, &o, on_notice, &x);
    assert_non_null(x.r);
    char err[512];
    assert_int_equal(runner_start(x.r, err, sizeof err), 0);
    int code, questions = 0, last_asks = -1;
    for (int it = 0; it < 200000 && !runner_done(x.r, &code); it++) {
        runner_tick(x.r);
        if (m.ask != PP_ASK_NONE && x.asks != last_asks) {
            last_asks = x.asks;
            check_header(&x, &m, &cfg, runner_now(x.r));
            if (++questions > 40) {
                struct pp_event q = {.type = PP_EV_OPERATOR, .op = PP_OP_QUIT};
                runner_operator(x.r, &q);
            } else {
                answer(x.r, &m);
            }
        }
    }
    print_message("%s: %d questions checked\n", name, questions);
    assert_true(questions > 0);
    runner_free(x.r);
    model_free(&m);
    config_free(&cfg);
}

static void test_every_scenario(void **st)
{
    (void)st;
    for (int i = 0; i < scenario_count(); i++)
        run_scenario(scenario_at(i)->name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
