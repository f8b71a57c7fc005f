/* Model checker for the pure engine (issue 14).  A seeded random walk feeds
 * the engine adversarial interleavings of
 *   - pool answers: Ready, Busy, Insufficient, Unknown, a lost check, and
 *     answers that disagree with the topology (a configured server left out,
 *     another total, too few active, a server in another domain, a server
 *     nobody configured, random ReadyForUpgrade flags);
 *   - command outcomes: ok, failed, timeout, lost, hang (never ends; a
 *     cancel ends it); the pool-state probe after a failover / failback
 *     that did not end ok reads failed over, not, or nothing clear;
 *   - console restarts: a new engine restored from the journal so far, the
 *     commands in flight forgotten;
 *   - operator actions: confirm (the current question, a replaced one, by
 *     --yes), decline, choose, recheck, quit, and every override with every
 *     kind of target (any server, any domain, the pool, a name nobody has),
 *     with and without a reason, by a person and by --yes;
 * and checks every invariant of helpers/engine_invariants.h after every
 * action.  test_engine_props.c drives random pools with a sensible operator;
 * this one is the adversary.
 *
 * In the suite: MODEL_SEQS sequences.  A night's run: PP_MODEL_SEQS=1000000
 * (docs/HARDENING.md); one sequence: PP_MODEL_SEED=n; longer sequences:
 * PP_MODEL_STEPS=n.  A violation prints its seed and the journal's tail;
 * each one found becomes a named test in test_engine_safety.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/helpers/engine_invariants.h"

#define MODEL_SEQS 2000
#define MODEL_STEPS 300

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return n ? (uint32_t)(rng % n) : 0;
}

static bool chance(uint32_t percent) { return rnd(100) < percent; }

/* One pool per sequence: 2 to 12 Front Ends of a Lync / SfB profile (SfB
 * 2019: up to 16), domains named by the config or discovered from the
 * answers. */
static void make_ini(char *buf, size_t n, bool *dr_out)
{
    static const char *const profiles[] = {"lync2013", "sfb2015", "sfb2019"};
    static const char *const confirms[] = {"domain", "server", "step"};
    int nsrv = 2 + (int)rnd(11);
    bool dr = chance(50), named = chance(80);
    *dr_out = dr;
    size_t off = (size_t)snprintf(
        buf, n,
        "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\n%s%sconfirm = %s\nparallel = %u\n"
        "mode = %s\n[servers]\n",
        /* the Back End's update on odd-sized pools (no draw of its own:
         * the sequences before it stay the same) */
        profiles[rnd(3)], dr ? DRV_DR : "", nsrv % 2 ? "backend = sql01.contoso.com\n" : "",
        confirms[rnd(3)], rnd(3),
        chance(20) ? "downtime" : "graceful");
    /* Skype for Business goes one server at a time: parallel 2 would be
     * refused (issue 11 item 7).  Mended in the text, so that every seed
     * still draws the pool it drew before. */
    char *par = strstr(buf, "parallel = 2\n");
    if (par && strstr(buf, "profile = sfb"))
        par[strlen("parallel = ")] = '1';
    /* SfB 2019 pools of 14 and 16 Front Ends ("12-16: any 7 of the first
     * 12"), from the 10s and 11s it drew: no draw of their own either */
    if (strstr(buf, "profile = sfb2019") && (nsrv == 10 || nsrv == 11))
        nsrv = nsrv == 10 ? 16 : 14;
    int dom = 1, left = 1 + (int)rnd(3);
    for (int i = 0; i < nsrv; i++) {
        if (named)
            off += (size_t)snprintf(buf + off, n - off, "fe%02d.contoso.com = UpgradeDomain%d\n",
                                    i + 1, dom);
        else
            off += (size_t)snprintf(buf + off, n - off, "fe%02d.contoso.com =\n", i + 1);
        if (--left == 0) {
            dom++;
            left = 1 + (int)rnd(3);
        }
    }
    snprintf(buf + off, n - off, "[timing]\nbusy_retry = 10m\nsettle = 20m\n");
}

struct walk {
    struct drv *d;
    bool yes;                  /* --yes: every confirmable question is confirmed */
    int hung[DRV_MAX_RUNS];    /* gens of runs that never end by themselves */
    int nhung;
    int ncancel_seen;
    char names[8][PP_NAME_MAX];   /* servers named in disagreeing answers */
};

static bool is_hung(const struct walk *w, int gen)
{
    for (int i = 0; i < w->nhung; i++)
        if (w->hung[i] == gen)
            return true;
    return false;
}

/* A readiness answer, honest or not. */
static void answer_check(struct walk *w, int i)
{
    struct drv *d = w->d;
    uint32_t x = rnd(100);
    if (x < 4) {
        drv_finish(d, i, chance(50) ? PP_RES_LOST : PP_RES_FAILED, NULL, "connection reset");
        return;
    }
    enum pp_ready st = x < 60 ? PP_READY_READY : x < 80 ? PP_READY_BUSY
                     : x < 88 ? PP_READY_INSUFFICIENT : PP_READY_UNKNOWN;
    struct pp_readiness r;
    drv_readiness(d, st, chance(25) ? (int)rnd(6) : -1, &r);
    if (st == PP_READY_UNKNOWN)
        snprintf(r.why, sizeof r.why, "truncated");
    /* answers that disagree with the topology */
    switch (chance(30) ? rnd(7) : 99) {
    case 0:   /* a configured server left out */
        if (r.ndomains && r.domains[r.ndomains - 1].nfronts)
            r.domains[r.ndomains - 1].nfronts--;
        break;
    case 1:   /* another total */
        r.total_fe += chance(50) ? 1 : -1;
        break;
    case 2:   /* fewer active than the model thinks */
        r.active_fe = (int)rnd((uint32_t)r.active_fe + 1);
        break;
    case 3:   /* a server moved to another domain */
        if (r.ndomains >= 2 && r.domains[0].nfronts && r.domains[1].nfronts) {
            char tmp[PP_NAME_MAX];
            memcpy(tmp, r.domains[0].fronts[0], PP_NAME_MAX);
            memcpy(r.domains[0].fronts[0], r.domains[1].fronts[0], PP_NAME_MAX);
            memcpy(r.domains[1].fronts[0], tmp, PP_NAME_MAX);
        }
        break;
    case 4:   /* a server nobody configured */
        if (r.ndomains && r.domains[0].nfronts)
            snprintf(r.domains[0].fronts[0], PP_NAME_MAX, "rogue%u.contoso.com", rnd(9));
        break;
    case 5:   /* random ReadyForUpgrade flags */
        for (int k = 0; k < r.ndomains; k++)
            r.domains[k].ready = (int)rnd(3) - 1;
        break;
    case 6:   /* no counts at all */
        r.total_fe = r.active_fe = -1;
        break;
    default:
        break;
    }
    drv_finish(d, i, PP_RES_OK, &r, "");
    readiness_free(&r);
}

/* The pool's topology order, as Get-CsComputer could answer it: mostly
 * [servers]' own order, else unreadable, another order, a server left out
 * or one nobody configured (engine_topology.c; the invariant: no domain
 * starts before a match or the operator's accept-topology). */
static void answer_topology(struct walk *w, int i)
{
    struct drv *d = w->d;
    struct pp_topology t;
    drv_topology(d, &t);
    uint32_t x = rnd(100);
    if (x < 10) {
        drv_finish_topology(d, i, x < 5 ? PP_RES_FAILED : PP_RES_TIMEOUT, NULL, "random");
        return;
    }
    if (x < 20) {
        t.known = false;
        snprintf(t.why, sizeof t.why, "no pp-topology-end");
    } else if (x < 25 && t.n >= 2) {
        char tmp[PP_NAME_MAX];
        memcpy(tmp, t.names[0], PP_NAME_MAX);
        memcpy(t.names[0], t.names[t.n - 1], PP_NAME_MAX);
        memcpy(t.names[t.n - 1], tmp, PP_NAME_MAX);
    } else if (x < 28 && t.n >= 2) {
        t.n--;
    } else if (x < 30) {
        snprintf(t.names[0], PP_NAME_MAX, "rogue%u.contoso.com", rnd(9));
    }
    d->topo_answers++;
    drv_finish_topology(d, i, PP_RES_OK, &t, "");
}

static void answer_run(struct walk *w)
{
    struct drv *d = w->d;
    int live[DRV_MAX_RUNS], n = 0;
    for (int i = 0; i < d->nruns; i++)
        if (!is_hung(w, d->runs[i].gen))
            live[n++] = i;
    if (!n)
        return;
    int i = live[rnd((uint32_t)n)];
    drv_advance(d, 1000 + rnd(900000));
    if (d->runs[i].kind == PP_CMD_READINESS) {
        answer_check(w, i);
        return;
    }
    if (d->runs[i].kind == PP_CMD_TOPOLOGY) {
        answer_topology(w, i);
        return;
    }
    uint32_t x = rnd(100);
    if (x < 5 && w->nhung < DRV_MAX_RUNS) {
        w->hung[w->nhung++] = d->runs[i].gen;   /* hangs: only a cancel ends it */
        return;
    }
    enum pp_result res = x < 70 ? PP_RES_OK : x < 80 ? PP_RES_FAILED : x < 88 ? PP_RES_TIMEOUT
                                                                               : PP_RES_LOST;
    /* the pool-state probe after a failover / failback that did not end
     * ok: every reading, clear or not (engine_pool.c) */
    static const char *const states[] = {"PoolState=FailedOver", "PoolState=Active",
                                         "PoolState=FailingOver", "PoolState=", "random"};
    drv_finish(d, i, res, NULL, d->runs[i].kind == PP_CMD_POOL_STATE ? states[rnd(5)] : "random");
}

/* A cancel the engine asked for ends the run on that server. */
static void deliver_cancels(struct walk *w)
{
    struct drv *d = w->d;
    while (w->ncancel_seen < d->ncancels) {
        int s = d->cancels[w->ncancel_seen++];
        int i = drv_find(d, PP_CMD_DRAIN, s);
        if (i < 0) {
            for (int k = 0; k < d->nruns && i < 0; k++)
                if (d->runs[k].server == s)
                    i = k;
        }
        if (i >= 0)
            drv_finish(d, i, PP_RES_CANCELLED, NULL, "cancelled");
    }
}

static const char *random_target(struct walk *w)
{
    struct drv *d = w->d;
    const struct pp_model *m = &d->m;
    switch (rnd(6)) {
    case 0:
    case 1:
        return m->servers[rnd((uint32_t)m->nservers)].name;
    case 2:
    case 3:
        return m->ndomains ? m->domains[rnd((uint32_t)m->ndomains)].name : m->fqdn;
    case 4:
        return m->fqdn;
    default:
        if (m->ask_server >= 0)
            return m->servers[m->ask_server].name;
        return chance(50) ? "nobody.contoso.com" : "UpgradeDomain99";
    }
}

static void operator_acts(struct walk *w)
{
    struct drv *d = w->d;
    struct pp_model *m = &d->m;
    struct pp_event ev = {.type = PP_EV_OPERATOR, .operator_ = "mallory"};
    uint32_t x = rnd(100);
    if (x < 30) {
        ev.op = PP_OP_CONFIRM;
        uint32_t how = rnd(10);
        ev.ask_id = how < 6 ? m->ask_id : how < 8 ? m->ask_id - 1 : 0;
        ev.automatic = chance(30);
    } else if (x < 38) {
        ev.op = PP_OP_DECLINE;
        ev.ask_id = chance(80) ? m->ask_id : m->ask_id + 1;
    } else if (x < 46) {
        ev.op = PP_OP_CHOOSE;
        ev.target = random_target(w);
    } else if (x < 54) {
        ev.op = PP_OP_RECHECK;
    } else if (x < 55) {
        ev.op = PP_OP_QUIT;
    } else {
        ev.op = PP_OP_OVERRIDE;
        ev.ov = (enum pp_override)rnd(PP_OV_COUNT);
        ev.target = random_target(w);
        ev.reason = chance(90) ? "adversary" : "  ";
        ev.automatic = chance(10);
    }
    bool stale = (ev.op == PP_OP_CONFIRM || ev.op == PP_OP_DECLINE) && ev.ask_id &&
                 ev.ask_id != m->ask_id && m->ask != PP_ASK_NONE;
    int before = d->nrec;
    drv_event(d, &ev);
    /* an answer to a replaced question decides nothing */
    for (int i = before; stale && i < d->nrec; i++)
        if (!strcmp(d->recs[i].event, "confirm") || !strcmp(d->recs[i].event, "decline"))
            fail_msg("an answer to replaced question %u was taken (record %d)", ev.ask_id, i + 1);
}

/* What a --yes console does after every decision: confirm what can be. */
static void yes_console(struct walk *w)
{
    struct drv *d = w->d;
    for (int k = 0; k < 4 && w->yes && !d->exited; k++) {
        enum pp_ask_kind a = d->m.ask;
        if (a == PP_ASK_NONE || a == PP_ASK_OPERATOR || a == PP_ASK_FORCE_DRAIN)
            return;
        struct pp_event ev = {.type = PP_EV_OPERATOR, .op = PP_OP_CONFIRM, .automatic = true,
                              .ask_id = d->m.ask_id, .operator_ = "mallory"};
        drv_event(d, &ev);
    }
}

static void check(struct walk *w, struct inv *c, uint64_t seed, int step, const char *what)
{
    const char *why = inv_check(c, w->d);
    if (!why)
        return;
    inv_dump(w->d, getenv("PP_MODEL_DUMP") ? atoi(getenv("PP_MODEL_DUMP")) : 40);
    const struct pp_jrec *r = c->bad_record >= 0 ? &w->d->recs[c->bad_record] : NULL;
    fail_msg("seed %llu step %d after %s: %s (record %lld %s %s %s %s)",
             (unsigned long long)seed, step, what, why, r ? r->seq : 0, r ? r->event : "",
             r ? r->domain : "", r ? r->server : "", r ? r->step : "");
}

static void one_sequence(uint64_t seed, int steps)
{
    rng = seed * 0x9E3779B97F4A7C15ull + 7;
    char ini[4096];
    bool dr;
    make_ini(ini, sizeof ini, &dr);
    struct walk w = {.d = malloc(sizeof *w.d), .yes = chance(40)};
    assert_non_null(w.d);
    drv_init(w.d, ini);
    w.d->topo_manual = true;   /* answered by answer_topology, in any order */
    struct inv c;
    inv_init(&c, w.d);
    drv_start(w.d);
    check(&w, &c, seed, 0, "start");
    for (int step = 1; step <= steps && !w.d->exited; step++) {
        const char *what;
        uint32_t x = rnd(100);
        if (x < 2) {
            char err[256];
            what = "restart";
            w.nhung = 0;
            w.ncancel_seen = 0;
            if (drv_restart(w.d, err, sizeof err) != 0)
                fail_msg("seed %llu step %d: the engine cannot resume its own journal: %s",
                         (unsigned long long)seed, step, err);
        } else if (x < 45) {
            what = "operator";
            operator_acts(&w);
        } else if (x < 90 && w.d->nruns > w.nhung) {
            what = "answer";
            answer_run(&w);
        } else {
            what = "timer";
            if (!drv_wake(w.d))
                operator_acts(&w);
        }
        deliver_cancels(&w);
        check(&w, &c, seed, step, what);
        yes_console(&w);
        check(&w, &c, seed, step, "--yes");
    }
    inv_free(&c);
    drv_free(w.d);
    free(w.d);
}

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

static void test_model_random_walk(void **st)
{
    (void)st;
    int steps = env_int("PP_MODEL_STEPS", MODEL_STEPS);
    const char *one = getenv("PP_MODEL_SEED");
    if (one && *one) {
        one_sequence(strtoull(one, NULL, 10), steps);
        return;
    }
    int n = env_int("PP_MODEL_SEQS", MODEL_SEQS);
    uint64_t base = (uint64_t)env_int("PP_MODEL_BASE", 1);
    for (int s = 0; s < n; s++)
        one_sequence(base + (uint64_t)s, steps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_model_random_walk)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
