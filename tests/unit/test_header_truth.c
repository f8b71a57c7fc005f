/* Issue 10 item 5: the header's numbers have one source of truth.  Every
 * built-in training scenario runs on the simulated pool (max speed, no
 * journal); at every question, and on the last screen, the dashboard is
 * rendered into cells and each number on its pool lines is checked against
 * the model, and against each other (no "active 3/8" beside "up 7").
 *
 * A readiness answer describes the pool until the next failover or
 * failback event (its start or its end): the test follows those events
 * itself, from what the run does, and an answer older than the last one
 * must not be shown as the pool's state now (no "COMPLETE" beside "Pool
 * Busy" and "[!] Readiness Busy" after a failback). */
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
    /* followed by the test, not read from the model's own bookkeeping */
    pp_ms seen_check;           /* last_check after the last tick */
    enum pp_phase seen_phase;
    bool seen_over, seen_back;
    bool stale;                 /* a failover/failback event since the last answer */
    int stale_checked;          /* screens checked while the answer was stale */
    /* per server: its last output line came from a readiness check; the
     * servers so marked, listed (the fleet has 1000: a tick looks at few) */
    bool *ready_out;
    int *marked, nmarked;
    bool *listed;   /* in marked[] already: a server is listed once, however
                     * often a check prints on it between two ticks */
    int nservers;
    int old_lines;              /* ticks a step ran beside a readiness answer's line */
};

/* After each tick: did an answer come, did the pool move?  A move seen in
 * the same tick as an answer came after it (the engine fails over in
 * answer to a readiness answer; a check after a move takes a tick). */
static void follow(struct run *x, const struct pp_model *m)
{
    if (m->last_check != x->seen_check)
        x->stale = false;
    bool moving = m->phase == PP_PH_FAILOVER || m->phase == PP_PH_FAILBACK;
    bool entered = moving && m->phase != x->seen_phase;
    if (entered || m->failed_over != x->seen_over || m->failed_back != x->seen_back)
        x->stale = m->last_check >= 0;
    /* an answer that lands while the move runs is as stale as the pool */
    if (moving && m->last_check >= 0)
        x->stale = true;
    /* a server row shows the output of the command running on it, only:
     * a step that has printed nothing yet shows nothing, not the line a
     * readiness check left there before it */
    for (int k = 0; k < x->nmarked; k++) {
        int i = x->marked[k];
        if (!x->ready_out[i]) {
            x->listed[i] = false;
            x->marked[k--] = x->marked[--x->nmarked];
            continue;
        }
        if (m->servers[i].state == PP_SRV_RUNNING && m->servers[i].last_line[0]) {
            if (!x->old_lines)
                print_message("%s: %s runs its %s beside a readiness answer's line: %s\n",
                              x->scenario, m->servers[i].name,
                              pp_step_name(m->servers[i].step), m->servers[i].last_line);
            x->old_lines++;
        }
    }
    x->seen_check = m->last_check;
    x->seen_phase = m->phase;
    x->seen_over = m->failed_over;
    x->seen_back = m->failed_back;
}

/* The checklist's readiness line, wherever the layout put it. */
static const char *readiness_row(const struct rd_canvas *cv, char *buf, size_t n)
{
    for (int y = 3; y < cv->h; y++) {
        canvas_row(cv, y, buf, n);
        const char *p = strstr(buf, "Readiness");
        if (p && p - buf >= 4 && p[-1] == ' ' && p[-2] == ']')
            return p - 4;
    }
    return NULL;
}

static void check_readiness(struct run *x, const struct pp_model *m, const struct rd_canvas *cv,
                            const char *h)
{
    char row[1024];
    const char *chk = readiness_row(cv, row, sizeof row);
    if (!x->stale) {
        if (m->last_check >= 0 && strncmp(h + strspn(h, " "), "Pool ", 5) == 0 &&
            strncmp(h + strspn(h, " ") + 5, pp_ready_name(m->readiness),
                    strlen(pp_ready_name(m->readiness))) != 0)
            fail_msg("%s: the pool's current answer %s is not in the header\n%s", x->scenario,
                     pp_ready_name(m->readiness), h);
        return;
    }
    x->stale_checked++;
    static const char *const states[] = {"Ready", "Busy", "Insufficient", "Unknown"};
    const char *pool = strstr(h, "Pool ");
    assert_non_null(pool);
    for (size_t i = 0; i < sizeof states / sizeof *states; i++)
        if (!strncmp(pool + 5, states[i], strlen(states[i])))
            fail_msg("%s: the header shows an answer from before the last failover/failback "
                     "as the pool's state\n%s", x->scenario, h);
    int a, t;
    const char *p = strstr(h, "active ");
    if (p && sscanf(p, "active %d/%d", &a, &t) == 2)
        fail_msg("%s: the header counts from an answer older than the last "
                 "failover/failback\n%s", x->scenario, h);
    if (chk && (!strncmp(chk, "[x]", 3) || !strncmp(chk, "[!]", 3)))
        fail_msg("%s: the checklist ticks an answer from before the last failover/failback\n%s",
                 x->scenario, chk);
}

static void on_notice(void *ctx, const struct pp_notice *n)
{
    struct run *x = ctx;
    if (n->type == PP_N_ASK)
        x->asks++;
    /* the command whose output this is (the last one started there) */
    if (n->type == PP_N_OUTPUT && n->server >= 0 && n->server < x->nservers) {
        bool ready = strstr(runner_last_command(x->r, n->server), "UpgradeReadinessState");
        if (ready && !x->listed[n->server]) {
            x->listed[n->server] = true;
            x->marked[x->nmarked++] = n->server;
        }
        x->ready_out[n->server] = ready;
    }
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
    check_readiness(x, m, &cv, h);

    const char *p = strstr(h, "active ");
    int act = -1, tot = -1;
    if (!x->stale)
        assert_non_null(p);
    if (p && sscanf(p, "active %d/%d", &act, &tot) == 2) {
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
    /* the Busy series counts answers: stale with them */
    if (x->stale) {
        if (p)
            fail_msg("%s: the header counts Busy answers from before the last "
                     "failover/failback\n%s", x->scenario, h);
        canvas_free(&cv);
        rd_view_free(&v);
        return;
    }
    assert_non_null(p);
    if (busy != m->busy_strikes || strikes != cfg->timing.busy_strikes)
        fail_msg("%s: header says Busy %d/%d, model %d/%d\n%s", x->scenario, busy, strikes,
                 m->busy_strikes, cfg->timing.busy_strikes, h);
    canvas_free(&cv);
    rd_view_free(&v);
}

static int stale_screens;

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
    struct run x = {.scenario = name, .seen_check = -1, .seen_phase = m.phase,
                    .nservers = m.nservers};
    x.ready_out = calloc((size_t)m.nservers + 1, sizeof *x.ready_out);
    x.marked = calloc((size_t)m.nservers + 1, sizeof *x.marked);
    x.listed = calloc((size_t)m.nservers + 1, sizeof *x.listed);
    assert_non_null(x.listed);
    assert_non_null(x.ready_out);
    assert_non_null(x.marked);
    struct pp_runner_opts o = {.training = true, .time_scale = 0, .operator_ = "tester"};
    struct pp_transport *t = sim_transport_new(&cfg);
    assert_non_null(t);
    x.r = runner_new(&cfg, &m, t, NULL, &o, on_notice, &x);
    assert_non_null(x.r);
    char err[512];
    assert_int_equal(runner_start(x.r, err, sizeof err), 0);
    int code, questions = 0, last_asks = -1;
    bool quit_sent = false;
    pp_ms t0 = runner_now(x.r);
    for (int it = 0; it < 200000 && !runner_done(x.r, &code); it++) {
        runner_tick(x.r);
        follow(&x, &m);
        /* A pool that can never be Ready again (server-never-returns with
         * the server skipped: its replicas are gone, so the last domain is
         * never ReadyForUpgrade) waits and rechecks without a question, as
         * it should; an operator at the screen quits.  Two simulated days
         * are far beyond any scenario's own run. */
        if (!quit_sent && m.ask == PP_ASK_NONE && runner_now(x.r) - t0 > 48LL * 3600 * 1000) {
            struct pp_event q = {.type = PP_EV_OPERATOR, .op = PP_OP_QUIT};
            runner_operator(x.r, &q);
            quit_sent = true;
        }
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
    /* the last screen too: "complete" beside the pool's state */
    check_header(&x, &m, &cfg, runner_now(x.r));
    print_message("%s: %d questions checked, %d screens with a stale answer\n", name, questions,
                  x.stale_checked);
    stale_screens += x.stale_checked;
    if (x.old_lines)
        fail_msg("%s: %d times a step ran beside the line of a readiness check", name,
                 x.old_lines);
    free(x.ready_out);
    free(x.marked);
    free(x.listed);
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
    /* a scenario fails over (and back): the stale case was looked at */
    assert_true(stale_screens > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_scenario),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
