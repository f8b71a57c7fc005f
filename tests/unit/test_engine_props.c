/* Property test: thousands of random pools (topology, Busy streaks, faults,
 * operator choices) driven through the engine, with the safety invariants
 * of helpers/engine_invariants.h checked on the journal and the model after
 * every event.  The operator here mostly does the sensible thing; the
 * adversarial walk is test_engine_model.c.  A failing seed is printed so
 * it can be replayed (PP_PROP_SEED=n). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/helpers/engine_invariants.h"

#define SCENARIOS 2000

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static void make_ini(char *buf, size_t n, int nsrv, bool dr, int confirm, int parallel, bool downtime)
{
    /* one pool in four is Skype for Business: one server at a time, so
     * parallel is 0 or 1 there (issue 11 item 7) */
    bool sfb = rnd(4) == 0;
    if (sfb && parallel > 1)
        parallel = 1;
    size_t off = (size_t)snprintf(buf, n,
                                  "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\n%s"
                                  "confirm = %s\nparallel = %d\nmode = %s\n[servers]\n",
                                  sfb ? "sfb2019" : "lync2013", dr ? "backup_pool = pool02.contoso.com\n"
                                       "failover_on = fe01.pool02.contoso.com\n"
                                     : "",
                                  confirm == 0 ? "domain" : confirm == 1 ? "server" : "step",
                                  parallel, downtime ? "downtime" : "graceful");
    int dom = 1, left = 1 + (int)rnd(3);
    for (int i = 0; i < nsrv; i++) {
        off += (size_t)snprintf(buf + off, n - off, "fe%02d.contoso.com = UpgradeDomain%d\n", i + 1,
                                dom);
        if (--left == 0) {
            dom++;
            left = 1 + (int)rnd(3);
        }
    }
    snprintf(buf + off, n - off, "[timing]\nbusy_retry = 10m\nsettle = 20m\n");
}

static void check(struct drv *d, struct inv *c, uint64_t seed)
{
    const char *why = inv_check(c, d);
    if (!why)
        return;
    inv_dump(d, 40);
    const struct pp_jrec *r = c->bad_record >= 0 ? &d->recs[c->bad_record] : NULL;
    fail_msg("seed %llu: %s (record %lld %s %s %s %s)", (unsigned long long)seed, why,
             r ? r->seq : 0, r ? r->event : "", r ? r->domain : "", r ? r->server : "",
             r ? r->step : "");
}

static bool confirmable(enum pp_ask_kind k)
{
    return k != PP_ASK_NONE && k != PP_ASK_OPERATOR && k != PP_ASK_FORCE_DRAIN;
}

static void operator_acts(struct drv *d)
{
    struct pp_model *m = &d->m;
    uint32_t x = rnd(100);
    if (x < 1) {
        drv_op(d, PP_OP_QUIT, NULL);
        return;
    }
    if (confirmable(m->ask)) {
        if (x < 88)
            drv_op(d, PP_OP_CONFIRM, NULL);
        else if (x < 95)
            drv_op(d, PP_OP_DECLINE, NULL);
        else if (m->ndomains)
            drv_op(d, PP_OP_CHOOSE, m->domains[rnd((uint32_t)m->ndomains)].name);
        return;
    }
    /* a question only an override answers: pick one that fits, or not */
    static const enum pp_override ovs[] = {PP_OV_RETRY, PP_OV_SKIP, PP_OV_DONE, PP_OV_FORCE,
                                           PP_OV_PROCEED, PP_OV_RETRY};
    enum pp_override ov = ovs[rnd(6)];
    const char *target = m->fqdn;
    if (m->ask_server >= 0 && rnd(10) < 9)
        target = m->servers[m->ask_server].name;
    else if (m->ask_domain >= 0)
        target = m->domains[m->ask_domain].name;
    if (x < 15)
        drv_op(d, PP_OP_RECHECK, NULL);
    else
        drv_override(d, ov, target, "random operator");
}

static void answer_a_run(struct drv *d)
{
    int i = (int)rnd((uint32_t)d->nruns);
    struct drv_run run = d->runs[i];
    drv_advance(d, 1000 + rnd(600000));
    if (run.kind == PP_CMD_READINESS) {
        uint32_t x = rnd(100);
        enum pp_ready st = x < 72 ? PP_READY_READY : x < 92 ? PP_READY_BUSY
                         : x < 95 ? PP_READY_INSUFFICIENT : PP_READY_UNKNOWN;
        if (x >= 97) {
            drv_finish(d, i, PP_RES_LOST, NULL, "connection reset");
            return;
        }
        struct pp_readiness r;
        drv_readiness(d, st, rnd(4) == 0 ? (int)rnd(6) : -1, &r);
        if (st == PP_READY_UNKNOWN)
            snprintf(r.why, sizeof r.why, "truncated");
        drv_finish(d, i, PP_RES_OK, &r, "");
        readiness_free(&r);
        return;
    }
    uint32_t x = rnd(100);
    enum pp_result res = x < 88 ? PP_RES_OK : x < 92 ? PP_RES_FAILED : x < 95 ? PP_RES_TIMEOUT
                                                                               : PP_RES_LOST;
    drv_finish(d, i, res, NULL, "random");
}

static void one_scenario(uint64_t seed)
{
    rng = seed * 2654435761u + 1;
    char ini[4096];
    int nsrv = 2 + (int)rnd(11);
    make_ini(ini, sizeof ini, nsrv, rnd(2), (int)rnd(3), (int)rnd(3), rnd(5) == 0);
    struct drv *d = malloc(sizeof *d);
    drv_init(d, ini);
    struct inv c;
    inv_init(&c, d);
    drv_start(d);
    for (int step = 0; step < 4000 && !d->exited; step++) {
        check(d, &c, seed);
        uint32_t x = rnd(100);
        if (d->m.ask != PP_ASK_NONE && (x < 50 || d->nruns == 0)) {
            operator_acts(d);
        } else if (d->nruns > 0) {
            answer_a_run(d);
        } else if (!drv_wake(d)) {
            operator_acts(d);   /* nothing runs, nothing scheduled: only a person can help */
        }
    }
    check(d, &c, seed);
    inv_free(&c);
    drv_free(d);
    free(d);
}

static void test_random_pools(void **st)
{
    (void)st;
    const char *env = getenv("PP_PROP_SEEDS");
    int n = env ? atoi(env) : SCENARIOS;
    const char *one = getenv("PP_PROP_SEED");
    if (one) {
        one_scenario(strtoull(one, NULL, 10));
        return;
    }
    for (int s = 1; s <= n; s++)
        one_scenario((uint64_t)s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_random_pools)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
