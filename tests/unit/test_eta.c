/* The window's end (backend/journal/journal_eta.c) on recorded journals
 * (tests/vectors/eta/: whole training runs of `happy` and `busy-then-ready`
 * as poolpilot wrote them) and on hand-made records whose arithmetic is
 * checked to the millisecond. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/journal/journal.h"
#include "backend/journal/journal_eta.h"

#define VEC PP_SOURCE_DIR "/tests/vectors/eta/"

/* ---- recorded journals ---- */

struct recs {
    struct pp_jrec *v;
    int n, cap;
};

static int collect(void *ctx, const struct pp_jrec *r)
{
    struct recs *a = ctx;
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 64;
        a->v = realloc(a->v, (size_t)a->cap * sizeof *a->v);
        assert_non_null(a->v);
    }
    a->v[a->n++] = *r;
    return 0;
}

static struct recs load(const char *path)
{
    struct recs a = {0};
    char warn[512], err[512];
    assert_int_equal(journal_read_file(path, collect, &a, warn, sizeof warn, err, sizeof err), 0);
    return a;
}

static int64_t ts_of(const struct recs *a, const char *event, int nth)
{
    for (int i = 0; i < a->n; i++)
        if (!strcmp(a->v[i].event, event) && nth-- == 0)
            return eta_parse_ts(a->v[i].ts);
    fail_msg("no %s record", event);
    return -1;
}

/* happy: 8 servers, 4 domains of 2 (fe01+fe02, fe03+fe04, ...). */
static const char *const happy_names[8] = {"fe01.contoso.com", "fe02.contoso.com",
                                           "fe03.contoso.com", "fe04.contoso.com",
                                           "fe05.contoso.com", "fe06.contoso.com",
                                           "fe07.contoso.com", "fe08.contoso.com"};

static void happy_in(struct pp_eta_server sv[8], bool done[4], int domains_done,
                     struct pp_eta_in *in)
{
    for (int i = 0; i < 8; i++)
        sv[i] = (struct pp_eta_server){.name = happy_names[i], .domain = i / 2,
                                       .next_step = i / 2 < domains_done ? PP_STEP_COUNT : 0,
                                       .running = -1};
    for (int d = 0; d < 4; d++)
        done[d] = d < domains_done;
    *in = (struct pp_eta_in){.servers = sv, .nservers = 8, .domain_done = done, .ndomains = 4,
                             .active_domain = -1, .in_gap = domains_done ? 0 : -1,
                             .settle = 20 * 60000};
}

static void test_parse_ts(void **state)
{
    (void)state;
    assert_int_equal(eta_parse_ts("1970-01-01T00:00:01.250Z"), 1250);
    assert_int_equal(eta_parse_ts("1970-01-01T00:01:00Z"), 60000);
    assert_int_equal(eta_parse_ts("1970-01-01T00:00:00.4Z"), 400);
    assert_int_equal(eta_parse_ts("2026-12-04T16:40:25.440Z") % 1000, 440);
    assert_int_equal(eta_parse_ts("2026-12-04 16:40:25Z"), -1);
    assert_int_equal(eta_parse_ts("2026-12-04T16:40:25.440"), -1);   /* no zone: not ours */
}

static void test_recorded_samples(void **state)
{
    (void)state;
    struct pp_eta *e = eta_new();
    assert_int_equal(eta_add_file(e, VEC "happy.jsonl"), 0);
    int run, hist, gaps;
    eta_counts(e, &run, &hist, &gaps);
    assert_int_equal(run, 0);
    assert_int_equal(hist, 32);   /* 8 servers x 4 steps */
    assert_int_equal(gaps, 3);    /* between 4 domains */
    eta_free(e);
}

/* Mid-run, no history: after domain 1 of the recorded run, "about" the
 * moment the recorded run really ended (the simulator's step times vary
 * a little per server; the settle wait is the measured gap). */
static void test_recorded_about(void **state)
{
    (void)state;
    struct recs a = load(VEC "happy.jsonl");
    struct pp_eta *e = eta_new();
    int cut = 0;
    while (strcmp(a.v[cut].event, "domain-done") != 0)
        eta_add(e, &a.v[cut++], false);
    eta_add(e, &a.v[cut], false);
    struct pp_eta_server sv[8];
    bool done[4];
    struct pp_eta_in in;
    happy_in(sv, done, 1, &in);
    struct pp_eta_out out;
    eta_estimate(e, &in, &out);
    assert_true(out.known);
    assert_false(out.range);
    assert_int_equal(out.lo, out.hi);
    int64_t actual = ts_of(&a, "complete", 0) - ts_of(&a, "domain-done", 0);
    /* no gap measured yet: the settle wait (20m) stands for each of 3 gaps,
     * the real ones were 20m40s (readiness checks around it) */
    printf("# happy after domain 1: estimated %lld s left, really %lld s\n",
           (long long)out.lo / 1000, (long long)actual / 1000);
    assert_true(out.lo > actual * 95 / 100 && out.lo < actual * 105 / 100);
    eta_free(e);
    free(a.v);
}

/* With history: a range, and the recorded run's real length inside it
 * (from the same point: the first domain's start). */
static void test_recorded_range(void **state)
{
    (void)state;
    struct recs a = load(VEC "happy.jsonl");
    struct pp_eta *e = eta_new();
    assert_int_equal(eta_add_file(e, VEC "happy.jsonl"), 0);
    assert_int_equal(eta_add_file(e, VEC "busy-then-ready.jsonl"), 0);
    struct pp_eta_server sv[8];
    bool done[4];
    struct pp_eta_in in;
    happy_in(sv, done, 0, &in);
    struct pp_eta_out out;
    eta_estimate(e, &in, &out);
    assert_true(out.known);
    assert_true(out.range);
    int64_t actual = ts_of(&a, "complete", 0) - ts_of(&a, "domain-start", 0);
    printf("# happy from its first domain: %lld..%lld s, really %lld s\n",
           (long long)out.lo / 1000, (long long)out.hi / 1000, (long long)actual / 1000);
    assert_true(out.lo <= out.hi);
    assert_true(out.lo <= actual + actual / 50 && actual <= out.hi + out.hi / 50);
    eta_free(e);
    free(a.v);
}

/* ---- hand-made records: exact arithmetic ---- */

static void rec(struct pp_eta *e, bool hist, const char *event, const char *server,
                const char *step, const char *result, int64_t sec)
{
    struct pp_jrec r;
    memset(&r, 0, sizeof r);
    snprintf(r.event, sizeof r.event, "%s", event);
    snprintf(r.server, sizeof r.server, "%s", server ? server : "");
    snprintf(r.step, sizeof r.step, "%s", step ? step : "");
    snprintf(r.result, sizeof r.result, "%s", result ? result : "");
    journal_format_ts(1700000000000LL + sec * 1000, r.ts, sizeof r.ts);
    eta_add(e, &r, hist);
}

/* One server's four steps from t: drain 60 s, upgrade u, restart 300, verify 120. */
static int64_t server_run(struct pp_eta *e, bool hist, const char *s, int64_t t, int64_t u)
{
    static const char *const steps[4] = {"drain", "upgrade", "restart", "verify"};
    int64_t len[4] = {60, u, 300, 120};
    for (int k = 0; k < 4; k++) {
        rec(e, hist, "step-start", s, steps[k], NULL, t);
        t += len[k];
        rec(e, hist, "step-end", s, steps[k], "ok", t);
    }
    return t;
}

static void test_running_step_and_gap(void **state)
{
    (void)state;
    struct pp_eta *e = eta_new();
    /* domain A: a fully measured server (upgrade 600 s); a gap of 1800 s
     * (settle + a Busy back-off) between an earlier domain and A */
    rec(e, false, "domain-done", NULL, NULL, NULL, 0);
    rec(e, false, "domain-start", NULL, NULL, NULL, 1800);
    int64_t t = server_run(e, false, "a1", 1800, 600);
    (void)t;
    struct pp_eta_server sv[3] = {
        {.name = "a2", .domain = 0, .next_step = PP_STEP_UPGRADE, .running = 200 * 1000},
        {.name = "b1", .domain = 1, .next_step = 0, .running = -1},
        {.name = "b2", .domain = 1, .next_step = 0, .running = -1},
    };
    bool done[2] = {false, false};
    struct pp_eta_in in = {.servers = sv, .nservers = 3, .domain_done = done, .ndomains = 2,
                           .active_domain = 0, .in_gap = -1, .settle = 20 * 60000};
    struct pp_eta_out out;
    eta_estimate(e, &in, &out);
    assert_true(out.known);
    assert_false(out.range);
    /* a2: (600-200) + 300 + 120; the gap as measured (not settle); b: 1080 */
    assert_int_equal(out.lo, (820 + 1800 + 1080) * 1000LL);
    /* one at a time in domain B: its two servers one after the other */
    in.parallel = 1;
    eta_estimate(e, &in, &out);
    assert_int_equal(out.lo, (820 + 1800 + 2160) * 1000LL);
    /* a step that overran its estimate counts as about to end, not negative */
    sv[0].running = 9999 * 1000;
    in.parallel = 0;
    eta_estimate(e, &in, &out);
    assert_int_equal(out.lo, (420 + 1800 + 1080) * 1000LL);
    eta_free(e);
}

static void test_between_domains_and_busy(void **state)
{
    (void)state;
    struct pp_eta *e = eta_new();
    server_run(e, false, "a1", 0, 600);
    struct pp_eta_server sv[2] = {
        {.name = "a1", .domain = 0, .next_step = PP_STEP_COUNT, .running = -1},
        {.name = "b1", .domain = 1, .next_step = 0, .running = -1},
    };
    bool done[2] = {true, false};
    struct pp_eta_in in = {.servers = sv, .nservers = 2, .domain_done = done, .ndomains = 2,
                           .active_domain = -1, .in_gap = 300 * 1000, .settle = 1200 * 1000};
    struct pp_eta_out out;
    eta_estimate(e, &in, &out);
    /* no gap measured: the settle wait, 300 s of it behind us */
    assert_int_equal(out.lo, (900 + 1080) * 1000LL);
    /* before the first domain: no settle, but a running Busy back-off */
    bool none[2] = {false, false};
    sv[0].next_step = 0;
    in.domain_done = none;
    in.in_gap = -1;
    in.waiting = 600 * 1000;
    eta_estimate(e, &in, &out);
    assert_int_equal(out.lo, (1080 + 1200 + 1080 + 600) * 1000LL);
    eta_free(e);
}

static void test_history_quartiles(void **state)
{
    (void)state;
    struct pp_eta *e = eta_new();
    /* four earlier runs of server s: upgrade 400, 600, 800, 1000 s */
    for (int i = 0; i < 4; i++) {
        server_run(e, true, "s", 0, 400 + 200 * i);
        eta_end_journal(e);
    }
    struct pp_eta_server sv[1] = {{.name = "s", .domain = 0, .next_step = 0, .running = -1}};
    bool done[1] = {false};
    struct pp_eta_in in = {.servers = sv, .nservers = 1, .domain_done = done, .ndomains = 1,
                           .active_domain = 0, .in_gap = -1};
    struct pp_eta_out out;
    eta_estimate(e, &in, &out);
    assert_true(out.known);
    assert_true(out.range);
    /* nearest-rank quartiles of {400,600,800,1000}: 600 and 800 */
    assert_int_equal(out.lo, (60 + 600 + 300 + 120) * 1000LL);
    assert_int_equal(out.hi, (60 + 800 + 300 + 120) * 1000LL);
    const char *names[1] = {"s"};
    assert_int_equal(eta_plan_domain(e, names, 1, 0), (60 + 800 + 300 + 120) * 1000LL);
    eta_free(e);
}

static void test_unknown_and_unpaired(void **state)
{
    (void)state;
    struct pp_eta *e = eta_new();
    struct pp_eta_server sv[1] = {{.name = "s", .domain = 0, .next_step = 0, .running = -1}};
    bool done[1] = {false};
    struct pp_eta_in in = {.servers = sv, .nservers = 1, .domain_done = done, .ndomains = 1,
                           .active_domain = 0, .in_gap = -1};
    struct pp_eta_out out;
    eta_estimate(e, &in, &out);
    assert_false(out.known);
    assert_string_equal(out.missing, "drain");
    /* a step across a console restart, and a failed step, are no samples */
    rec(e, false, "step-start", "s", "drain", NULL, 0);
    rec(e, false, "start", NULL, NULL, NULL, 50);
    rec(e, false, "step-end", "s", "drain", "ok", 100);
    rec(e, false, "step-start", "s", "drain", NULL, 200);
    rec(e, false, "step-end", "s", "drain", "failed", 210);
    int run, hist, gaps;
    eta_counts(e, &run, &hist, &gaps);
    assert_int_equal(run, 0);
    eta_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ts),
        cmocka_unit_test(test_recorded_samples),
        cmocka_unit_test(test_recorded_about),
        cmocka_unit_test(test_recorded_range),
        cmocka_unit_test(test_running_step_and_gap),
        cmocka_unit_test(test_between_domains_and_busy),
        cmocka_unit_test(test_history_quartiles),
        cmocka_unit_test(test_unknown_and_unpaired),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
