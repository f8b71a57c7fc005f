/* The procedure engine, branch by branch, with a fake clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/helpers/engine_driver.h"

#define DR DRV_DR
#define mk drv_pool8
#define done drv_destroy

/* Up to the first domain question: start, one Ready check. */
static void to_first_domain(struct drv *d)
{
    drv_start(d);
    assert_int_equal(d->m.phase, PP_PH_CHECKING);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
}

static void test_happy_path(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    assert_int_equal(d->m.ask_domain, 0);
    assert_non_null(strstr(d->m.ask_text, "6 of 8 Front Ends stay up; quorum needs 4 of the first 7 (5 stay up, margin 1)"));
    int it = drv_autorun(d, 10000);
    assert_true(it > 0);
    assert_true(d->exited);
    assert_int_equal(d->exit_code, 0);
    assert_int_equal(drv_count(d, "domain-start"), 4);
    assert_int_equal(drv_count(d, "domain-done"), 4);
    assert_int_equal(drv_count(d, "step-end"), 8 * 4);
    assert_int_equal(drv_count(d, "complete"), 1);
    for (int i = 0; i < d->m.nservers; i++)
        assert_int_equal(d->m.servers[i].state, PP_SRV_VERIFIED);
    /* one domain at a time, in journal order */
    int open = 0;
    for (int i = 0; i < d->nrec; i++) {
        if (!strcmp(d->recs[i].event, "domain-start"))
            assert_int_equal(open++, 0);
        if (!strcmp(d->recs[i].event, "domain-done"))
            open--;
    }
    done(d);
}

static void test_settle_waits_and_restarts(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    for (int k = 0; k < 4; k++) {
        drv_advance(d, 1000);
        assert_int_equal(drv_finish_all_ok(d), 2);
    }
    assert_int_equal(d->m.domains[0].state, PP_DOM_DONE);
    assert_int_equal(d->m.phase, PP_PH_SETTLE);
    drv_answer_check(d, PP_READY_READY);
    pp_ms until = d->m.settle_until;
    assert_true(until == d->now + 20 * 60000);
    drv_finish_all_ok(d);   /* fabric before */
    /* a check during the settle wait says Busy: the timer restarts */
    assert_true(drv_wake(d));
    drv_answer_check(d, PP_READY_BUSY);
    assert_int_equal(d->m.settle_until, PP_MS_NEVER);
    assert_int_equal(d->m.busy_strikes, 1);
    assert_true(drv_wake(d));
    drv_answer_check(d, PP_READY_READY);
    assert_true(d->m.settle_until == d->now + 20 * 60000);
    /* no domain starts before the settle time has passed */
    while (d->m.settle_until != PP_MS_NEVER && drv_wake(d)) {
        if (drv_find(d, PP_CMD_READINESS, -2) >= 0)
            drv_answer_check(d, PP_READY_READY);
        assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    }
    drv_finish_all_ok(d);   /* fabric after */
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(d->m.ask_domain, 1);
    done(d);
}

static void test_busy_three_times_with_dr_fails_over(void **st)
{
    (void)st;
    struct drv *d = mk(DR, "");
    drv_start(d);
    for (int k = 1; k <= 2; k++) {
        drv_answer_check(d, PP_READY_BUSY);
        assert_int_equal(d->m.phase, PP_PH_BUSY_WAIT);
        assert_int_equal(d->m.busy_strikes, k);
        pp_ms before = d->now;
        assert_true(drv_wake(d));
        assert_true(d->now - before == 10 * 60000);
    }
    drv_answer_check(d, PP_READY_BUSY);
    assert_int_equal(d->m.phase, PP_PH_PROBLEM);
    assert_int_equal(d->m.ask, PP_ASK_FAILOVER);
    assert_int_equal(drv_count(d, "pool-problem"), 1);
    drv_op(d, PP_OP_CONFIRM, NULL);
    int f = drv_find(d, PP_CMD_FAILOVER, -1);
    assert_true(f >= 0);
    drv_finish(d, f, PP_RES_OK, NULL, "failed over");
    assert_true(d->m.failed_over);
    /* without the readiness gate: the domain question comes at once */
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_non_null(strstr(d->m.ask_text, "failed over"));
    assert_true(drv_autorun(d, 10000) > 0);
    assert_true(d->exited);
    assert_int_equal(drv_count(d, "domain-done"), 4);
    assert_int_equal(drv_count(d, "complete"), 1);
    assert_int_equal(drv_count(d, "failback"), 2);   /* started, ended */
    assert_true(d->m.failed_back);
    assert_int_equal(d->exit_code, 0);
    done(d);
}

/* Busy strikes count Busy answers in a row: a Ready in between starts the
 * count again, so Busy, Ready, Busy, Ready, Busy (each ten minutes apart,
 * so every Busy is a strike by the spacing rule) is never a pool problem.
 * Kills the mutation "Ready does not reset busy_strikes" (tests/mutations). */
static void test_busy_strikes_reset_by_ready(void **st)
{
    (void)st;
    struct drv *d = mk(DR, "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    for (int k = 0; k < 4; k++) {
        drv_advance(d, 1000);
        assert_int_equal(drv_finish_all_ok(d), 2);
    }
    assert_int_equal(d->m.phase, PP_PH_SETTLE);
    drv_answer_check(d, PP_READY_READY);
    drv_finish_all_ok(d);   /* fabric before */
    const enum pp_ready seq[] = {PP_READY_BUSY, PP_READY_READY, PP_READY_BUSY,
                                 PP_READY_READY, PP_READY_BUSY};
    for (size_t k = 0; k < sizeof seq / sizeof seq[0]; k++) {
        /* the next readiness check of the settle wait */
        while (drv_find(d, PP_CMD_READINESS, -2) < 0)
            assert_true(drv_wake(d));
        pp_ms before = d->now;
        drv_answer_check(d, seq[k]);
        assert_int_not_equal(d->m.phase, PP_PH_PROBLEM);
        assert_int_equal(d->m.busy_strikes, seq[k] == PP_READY_BUSY ? 1 : 0);
        if (seq[k] == PP_READY_BUSY) /* the strike spacing is not what resets it */
            assert_true(drv_wake(d) && d->now - before >= 10 * 60000);
    }
    assert_int_equal(drv_count(d, "pool-problem"), 0);
    assert_int_not_equal(d->m.ask, PP_ASK_FAILOVER);
    done(d);
}

static void test_busy_strikes_need_the_retry_interval(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    drv_start(d);
    drv_answer_check(d, PP_READY_BUSY);
    /* an operator's early recheck is not a strike: strikes are 10 minutes apart */
    drv_advance(d, 60000);
    drv_op(d, PP_OP_RECHECK, NULL);
    drv_answer_check(d, PP_READY_BUSY);
    assert_int_equal(d->m.busy_strikes, 1);
    done(d);
}

static void test_busy_without_dr_stops_for_a_human(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    drv_start(d);
    for (int k = 0; k < 3; k++) {
        if (k)
            assert_true(drv_wake(d));
        drv_answer_check(d, PP_READY_BUSY);
    }
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_non_null(strstr(d->m.ask_text, "not paired"));
    /* a confirmation cannot get past it */
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(drv_count(d, "domain-start"), 0);
    assert_int_equal(d->nruns, 0);
    /* a recheck starts a new series */
    drv_op(d, PP_OP_RECHECK, NULL);
    assert_int_equal(d->m.busy_strikes, 0);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    done(d);
}

static void test_insufficient_is_a_problem_at_once(void **st)
{
    (void)st;
    struct drv *d = mk(DR, "");
    drv_start(d);
    drv_answer_check(d, PP_READY_INSUFFICIENT);
    assert_int_equal(d->m.ask, PP_ASK_FAILOVER);
    drv_op(d, PP_OP_DECLINE, NULL);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    drv_op(d, PP_OP_QUIT, NULL);
    assert_true(d->exited);
    assert_int_equal(d->exit_code, 1);
    assert_int_equal(drv_count(d, "stop"), 1);
    done(d);
}

static void test_unknown_is_never_ready(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    drv_start(d);
    for (int k = 0; k < 3; k++) {
        if (k)
            assert_true(drv_wake(d));
        int i = drv_find(d, PP_CMD_READINESS, -2);
        struct pp_readiness r = {.state = PP_READY_UNKNOWN};
        snprintf(r.why, sizeof r.why, "list truncated");
        drv_finish(d, i, PP_RES_OK, &r, "");
        assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
        assert_int_equal(d->m.busy_strikes, 0);
    }
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    /* a failed check command is unknown too, and runs on another server */
    drv_op(d, PP_OP_RECHECK, NULL);
    int first = d->runs[drv_find(d, PP_CMD_READINESS, -2)].server;
    drv_finish(d, drv_find(d, PP_CMD_READINESS, -2), PP_RES_LOST, NULL, "connection reset");
    assert_true(drv_wake(d));
    assert_int_not_equal(d->runs[drv_find(d, PP_CMD_READINESS, -2)].server, first);
    assert_string_equal(drv_last(d, "readiness")->state, "Unknown");
    done(d);
}

static void test_quorum_refuses_a_domain(void **st)
{
    (void)st;
    /* 8 Front Ends: 4 must run among the first 7.  UD1 = fe01..fe04 would
     * leave fe05..fe07 = 3 of the first 7 */
    struct drv *d = malloc(sizeof *d);
    drv_init(d, "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n[servers]\n"
                "fe01.contoso.com = UD1\nfe02.contoso.com = UD1\nfe03.contoso.com = UD1\n"
                "fe04.contoso.com = UD1\nfe05.contoso.com = UD2\nfe06.contoso.com = UD2\n"
                "fe07.contoso.com = UD3\nfe08.contoso.com = UD3\n");
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    /* UD1 refused, UD2 offered instead */
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_string_equal(d->m.domains[d->m.ask_domain].name, "UD2");
    /* choosing UD1 by hand is refused too */
    drv_op(d, PP_OP_CHOOSE, "UD1");
    assert_int_not_equal(d->m.ask_domain, 0);
    /* and no proceed override can get it past quorum */
    drv_override(d, PP_OV_PROCEED, "UD1", "I know better");
    assert_true(d->m.ask != PP_ASK_START_DOMAIN || d->m.ask_domain != 0);
    done(d);
    int among;
    assert_int_equal(quorum_required(2, &among), 1);
    assert_int_equal(quorum_required(4, &among), 2);
    assert_int_equal(quorum_required(6, &among), 3);
    assert_int_equal(quorum_required(7, &among), 4);
    assert_int_equal(quorum_required(9, &among), 4);
    assert_int_equal(among, 7);
    assert_int_equal(quorum_required(12, &among), 5);
    assert_int_equal(among, 9);
    /* Skype for Business Server 2019: "12-16: any 7 of the first 12" */
    assert_int_equal(quorum_required(13, &among), 7);
    assert_int_equal(among, 12);
    assert_int_equal(quorum_required(16, &among), 7);
    assert_int_equal(among, 12);
    assert_int_equal(quorum_required(17, &among), -1);
}

/* A 12-Front-End pool is in two rows of Microsoft's table on SfB 2019
 * (10-12: 5 of the first 9; 12-16: 7 of the first 12): both hold. */
static void test_quorum_sfb2019_twelve_keeps_both_rows(void **st)
{
    (void)st;
    struct pp_server sv[12];
    memset(sv, 0, sizeof sv);
    for (int i = 0; i < 12; i++) {
        sv[i].state = PP_SRV_PENDING;
        sv[i].domain = i / 4 == 0 && i >= 2 ? 0 : 1;   /* domain 0: the 3rd and 4th */
    }
    /* the 1st, 2nd and the last three are down (failed, not skipped) */
    int downs[] = {0, 1, 9, 10, 11};
    for (int k = 0; k < 5; k++)
        sv[downs[k]].state = PP_SRV_FAILED;
    struct pp_model m = {.nservers = 12, .servers = sv};
    int up = 0, need = 0;
    /* Lync 2013 / SfB 2015: 5 of the first 9 stay up (9 - 2 down - 2 going) */
    assert_true(quorum_ok_without(&m, PP_QUORUM_LYNC, 0, &up, &need));
    assert_int_equal(up, 5);
    assert_int_equal(need, 5);
    assert_int_equal(quorum_among(&m, PP_QUORUM_LYNC, 0), 9);
    /* SfB 2019: only 5 of the first 12 stay up, the row wants 7 */
    m.quorum_16 = true;
    assert_false(quorum_ok_without(&m, PP_QUORUM_LYNC, 0, &up, &need));
    assert_int_equal(up, 5);
    assert_int_equal(need, 7);
    assert_int_equal(quorum_among(&m, PP_QUORUM_LYNC, 0), 12);
    /* nothing else down: both rows hold, the smaller margin is reported */
    for (int k = 0; k < 5; k++)
        sv[downs[k]].state = PP_SRV_PENDING;
    assert_true(quorum_ok_without(&m, PP_QUORUM_LYNC, 0, &up, &need));
    assert_int_equal(up - need, 2);   /* 7 of 9 vs 5 (margin 2), 10 of 12 vs 7 (margin 3) */
    assert_int_equal(quorum_among(&m, PP_QUORUM_LYNC, 0), 9);
}

static void test_failed_step_needs_an_override(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish_all_ok(d);   /* drains */
    drv_finish_all_ok(d);   /* upgrades */
    drv_finish_all_ok(d);   /* restarts */
    int i = drv_find(d, PP_CMD_VERIFY, 0);
    drv_finish(d, i, PP_RES_FAILED, NULL, "RTCSRV Starting");
    assert_int_equal(d->m.servers[0].state, PP_SRV_FAILED);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_int_equal(d->m.ask_server, 0);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(drv_find(d, PP_CMD_VERIFY, 0), -1);
    drv_override(d, PP_OV_RETRY, "fe01.contoso.com", "   ");   /* no reason */
    assert_int_equal(drv_count(d, "override"), 0);
    drv_override(d, PP_OV_RETRY, "fe02.contoso.com", "wrong target");
    assert_int_equal(drv_count(d, "override"), 0);
    struct pp_event yes = {.type = PP_EV_OPERATOR, .op = PP_OP_OVERRIDE, .ov = PP_OV_RETRY,
                           .target = "fe01.contoso.com", .reason = "x", .automatic = true};
    drv_event(d, &yes);
    assert_int_equal(drv_count(d, "override"), 0);
    drv_override(d, PP_OV_RETRY, "fe01.contoso.com", "services were slow, retrying");
    assert_int_equal(drv_count(d, "override"), 1);
    assert_string_equal(drv_last(d, "override")->operator_, "jdoe");
    assert_true(drv_find(d, PP_CMD_VERIFY, 0) >= 0);
    /* the override is journaled before the step it allows */
    assert_string_equal(d->recs[d->nrec - 1].event, "step-start");
    assert_string_equal(d->recs[d->nrec - 2].event, "override");
    done(d);
}

static void test_skip_gives_done_with_exceptions(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish(d, drv_find(d, PP_CMD_DRAIN, 1), PP_RES_FAILED, NULL, "access denied");
    drv_override(d, PP_OV_SKIP, "fe02.contoso.com", "hardware fault, ticket 4711");
    assert_int_equal(d->m.servers[1].state, PP_SRV_SKIPPED);
    for (int k = 0; k < 4; k++)
        drv_finish_all_ok(d);
    assert_int_equal(d->m.domains[0].state, PP_DOM_DONE_EXCEPTIONS);
    /* fe02 stays down (drained): the next domain's quorum counts it */
    assert_false(model_server_up(&d->m.servers[1]));
    done(d);
}

static void test_drain_overrun_and_force(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(d->runs[drv_find(d, PP_CMD_DRAIN, 0)].timeout, 30 * 60000);
    drv_finish(d, drv_find(d, PP_CMD_DRAIN, 0), PP_RES_TIMEOUT, NULL, "RTCSRV Paused");
    assert_int_equal(d->m.ask, PP_ASK_FORCE_DRAIN);
    drv_override(d, PP_OV_FORCE, "fe01.contoso.com", "window closes in 30 minutes");
    assert_true(drv_find(d, PP_CMD_DRAIN_NOW, 0) >= 0);
    /* force on a drain still running: cancel first, then stop at once */
    drv_override(d, PP_OV_FORCE, "fe02.contoso.com", "conference will not end");
    assert_int_equal(d->ncancels, 1);
    assert_int_equal(d->cancels[0], 1);
    drv_finish(d, drv_find(d, PP_CMD_DRAIN, 1), PP_RES_CANCELLED, NULL, "");
    assert_true(drv_find(d, PP_CMD_DRAIN_NOW, 1) >= 0);
    done(d);
}

static void test_lost_step_probe_rerun_then_stop(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish_all_ok(d);
    drv_finish(d, drv_find(d, PP_CMD_UPGRADE, 0), PP_RES_LOST, NULL, "Socket error");
    assert_int_equal(d->m.servers[0].state, PP_SRV_LOST);
    int p = drv_find(d, PP_CMD_PROBE, 0);
    assert_true(p >= 0);
    drv_finish(d, p, PP_RES_OK, NULL, "RTCSRV Stopped; patched: no");
    assert_int_equal(d->m.ask, PP_ASK_RERUN);
    assert_non_null(strstr(d->m.ask_text, "patched: no"));
    /* a genuinely dropped connection keeps its wording */
    assert_non_null(strstr(d->m.ask_text, "the connection dropped"));
    struct pp_event yes = {.type = PP_EV_OPERATOR, .op = PP_OP_CONFIRM, .automatic = true};
    drv_event(d, &yes);
    assert_string_equal(drv_last(d, "confirm")->reason, "auto (--yes)");
    assert_true(drv_find(d, PP_CMD_UPGRADE, 0) >= 0);
    drv_finish(d, drv_find(d, PP_CMD_UPGRADE, 0), PP_RES_LOST, NULL, "Socket error");
    /* lost twice: no probe-and-confirm loop, a person decides */
    assert_int_equal(drv_find(d, PP_CMD_PROBE, 0), -1);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    drv_event(d, &yes);
    assert_int_equal(drv_find(d, PP_CMD_UPGRADE, 0), -1);
    done(d);
}

static void test_domain_not_ready_waits_and_proceed(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    drv_start(d);
    struct pp_readiness r;
    drv_readiness(d, PP_READY_READY, 0, &r);
    for (int k = 0; k < (int)r.ndomains; k++)
        r.domains[k].ready = 0;
    drv_finish(d, drv_find(d, PP_CMD_READINESS, -2), PP_RES_OK, &r, "");
    readiness_free(&r);
    assert_int_equal(d->m.phase, PP_PH_BUSY_WAIT);
    assert_int_equal(d->m.ask, PP_ASK_NONE);
    drv_override(d, PP_OV_PROCEED, "UpgradeDomain3", "change ticket says UD3 first");
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(d->m.ask_domain, 2);
    done(d);
}

static void test_choose_domain(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CHOOSE, "UpgradeDomain4");
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(d->m.ask_domain, 3);
    assert_string_equal(drv_last(d, "choose")->domain, "UpgradeDomain4");
    drv_op(d, PP_OP_CHOOSE, "NoSuchDomain");
    assert_int_equal(d->m.ask_domain, 3);
    done(d);
}

static void test_confirm_server_and_parallel_one(void **st)
{
    (void)st;
    struct drv *d = mk("confirm = server\nparallel = 1\n", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(d->m.ask, PP_ASK_START_SERVER);
    assert_int_equal(d->m.ask_server, 0);
    assert_int_equal(d->nruns, 0);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(d->nruns, 1);
    for (int k = 0; k < 4; k++)
        drv_finish_all_ok(d);
    assert_int_equal(d->m.servers[0].state, PP_SRV_VERIFIED);
    assert_int_equal(d->m.ask, PP_ASK_START_SERVER);
    assert_int_equal(d->m.ask_server, 1);
    done(d);
}

/* Issue 11 item 7: a Skype for Business pool, server by server. */
static struct drv *mk_sfb(const char *pool_extra)
{
    static const char fmt[] =
        "[pool]\nfqdn = pool01.contoso.com\nprofile = sfb2019\n%s"
        "[servers]\n"
        "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"
        "fe03.contoso.com = UpgradeDomain1\nfe04.contoso.com = UpgradeDomain2\n"
        "fe05.contoso.com = UpgradeDomain2\nfe06.contoso.com = UpgradeDomain2\n"
        "fe07.contoso.com = UpgradeDomain3\nfe08.contoso.com = UpgradeDomain3\n";
    struct drv *d = malloc(sizeof *d);
    char ini[2048];
    if (!d)
        abort();
    snprintf(ini, sizeof ini, fmt, pool_extra);
    drv_init(d, ini);
    return d;
}

/* Only servers of the active domain run, and never two at once; the next
 * starts when the one before is verified, in topology order. */
static void test_sfb_one_server_at_a_time(void **st)
{
    (void)st;
    struct drv *d = mk_sfb("");
    assert_int_equal(d->m.procedure, PP_PROC_SERVER);
    to_first_domain(d);
    assert_non_null(strstr(d->m.ask_text, "one server at a time"));
    assert_non_null(strstr(d->m.ask_text, "Invoke-CsComputerFailOver"));
    drv_op(d, PP_OP_CONFIRM, NULL);
    for (int s = 0; s < 3; s++) {
        for (int step = 0; step < 4; step++) {
            assert_int_equal(d->nruns, 1);
            assert_int_equal(d->runs[0].server, s);
            drv_finish(d, 0, PP_RES_OK, NULL, "fine");
        }
        assert_int_equal(d->m.servers[s].state, PP_SRV_VERIFIED);
    }
    assert_int_equal(d->m.domains[0].state, PP_DOM_DONE);
    /* the rest of the run keeps the rule: at most one server down */
    while (!d->exited) {
        int down = 0;
        for (int i = 0; i < d->m.nservers; i++)
            down += d->m.servers[i].down;
        assert_true(down <= 1);
        if (d->nruns)
            drv_finish(d, 0, PP_RES_OK, NULL, "fine");
        else if (d->m.ask != PP_ASK_NONE)
            drv_op(d, PP_OP_CONFIRM, NULL);
        else if (!drv_wake(d))
            break;
        if (d->nruns && d->runs[0].kind == PP_CMD_READINESS) {
            drv_answer_check(d, PP_READY_READY);
        }
    }
    assert_int_equal(drv_count(d, "domain-done"), 3);
    assert_int_equal(drv_count(d, "step-end"), 8 * 4);
    done(d);
}

/* A server whose step failed after its failover is down (failed over, its
 * services disabled): the next server waits while the operator decides,
 * whatever else happens meanwhile; a retry keeps the slot, a skip hands it
 * on. */
static void test_sfb_failed_server_holds_the_slot(void **st)
{
    (void)st;
    struct drv *d = mk_sfb("");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish(d, drv_find(d, PP_CMD_DRAIN, 0), PP_RES_OK, NULL, "failed over");
    drv_finish(d, drv_find(d, PP_CMD_UPGRADE, 0), PP_RES_FAILED, NULL, "exit code 1603");
    assert_int_equal(d->m.servers[0].state, PP_SRV_FAILED);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_int_equal(d->nruns, 0);
    /* time passes, the question stays open: still nothing starts */
    drv_advance(d, 3600000);
    drv_wake(d);
    drv_op(d, PP_OP_CHOOSE, "UpgradeDomain2");
    /* a hostile combination: with fe01's question open, the operator
     * skips fe03, which never started; the domain moves on, fe02 must not */
    drv_override(d, PP_OV_SKIP, "fe03.contoso.com", "fe03 is patched next week");
    assert_int_equal(d->m.servers[2].state, PP_SRV_SKIPPED);
    assert_int_equal(drv_find(d, PP_CMD_DRAIN, -2), -1);
    assert_int_equal(d->m.servers[1].state, PP_SRV_QUEUED);
    drv_override(d, PP_OV_RETRY, "fe01.contoso.com", "installer log read, retrying");
    assert_true(drv_find(d, PP_CMD_UPGRADE, 0) >= 0);
    assert_int_equal(drv_find(d, PP_CMD_DRAIN, 1), -1);
    drv_finish(d, drv_find(d, PP_CMD_UPGRADE, 0), PP_RES_FAILED, NULL, "exit code 1603");
    assert_int_equal(drv_find(d, PP_CMD_DRAIN, 1), -1);
    drv_override(d, PP_OV_SKIP, "fe01.contoso.com", "left failed over, ticket 4711");
    assert_int_equal(d->m.servers[0].state, PP_SRV_SKIPPED);
    assert_true(drv_find(d, PP_CMD_DRAIN, 1) >= 0);
    done(d);
}

/* Lync 2013 keeps the upgrade-domain procedure: a domain's servers drain
 * together (parallel = 0). */
static void test_lync_domain_drains_together(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    assert_int_equal(d->m.procedure, PP_PROC_DOMAIN);
    to_first_domain(d);
    assert_null(strstr(d->m.ask_text, "one server at a time"));
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_true(drv_find(d, PP_CMD_DRAIN, 0) >= 0);
    assert_true(drv_find(d, PP_CMD_DRAIN, 1) >= 0);
    done(d);
}

static void test_confirm_step(void **st)
{
    (void)st;
    struct drv *d = mk("confirm = step\n", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(d->m.ask, PP_ASK_START_STEP);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_true(drv_find(d, PP_CMD_DRAIN, 0) >= 0);
    assert_int_equal(d->m.ask, PP_ASK_START_STEP);   /* fe02's drain */
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish(d, drv_find(d, PP_CMD_DRAIN, 0), PP_RES_OK, NULL, "");
    assert_int_equal(d->m.ask, PP_ASK_START_STEP);
    assert_int_equal(d->m.ask_step, PP_STEP_UPGRADE);
    done(d);
}

static void test_downtime_mode_stops_at_once(void **st)
{
    (void)st;
    struct drv *d = mk("mode = downtime\n", "");
    to_first_domain(d);
    assert_non_null(strstr(d->m.ask_text, "stop at once"));
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_true(drv_find(d, PP_CMD_DRAIN_NOW, 0) >= 0);
    assert_int_equal(drv_find(d, PP_CMD_DRAIN, -2), -1);
    done(d);
}

static void test_quit_waits_for_running_steps(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_op(d, PP_OP_QUIT, NULL);
    assert_false(d->exited);
    drv_finish_all_ok(d);
    assert_true(d->exited);
    assert_int_equal(d->exit_code, 1);
    /* the drains' ends are journaled, and nothing new started */
    assert_int_equal(drv_count(d, "step-end"), 2);
    assert_int_equal(drv_count(d, "step-start"), 2);
    done(d);
}

static void test_discovery_and_mismatch(void **st)
{
    (void)st;
    struct drv *d = malloc(sizeof *d);
    drv_init(d, "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n[servers]\n"
                "fe01.contoso.com =\nfe02.contoso.com =\nfe03.contoso.com =\nfe04.contoso.com =\n");
    assert_int_equal(d->m.ndomains, 0);
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ndomains, 2);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    done(d);

    /* an answer naming a server the config does not list is not followed */
    d = malloc(sizeof *d);
    drv_init(d, "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n[servers]\n"
                "fe01.contoso.com =\nfe02.contoso.com =\n");
    drv_start(d);
    struct pp_readiness r;
    drv_readiness(d, PP_READY_READY, -1, &r);
    snprintf(r.domains[0].fronts[1], PP_NAME_MAX, "fe99.contoso.com");
    drv_finish(d, drv_find(d, PP_CMD_READINESS, -2), PP_RES_OK, &r, "");
    readiness_free(&r);
    assert_string_equal(drv_last(d, "readiness")->state, "Unknown");
    assert_non_null(strstr(drv_last(d, "readiness")->detail, "fe99.contoso.com"));
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    done(d);
}

/* Resume: a second engine fed the first one's journal carries on; a step
 * that was in flight is lost, probed and asked about, never redone blindly. */
static void test_resume_from_journal(void **st)
{
    (void)st;
    struct drv *a = mk("", "");
    to_first_domain(a);
    drv_op(a, PP_OP_CONFIRM, NULL);
    drv_finish_all_ok(a);                                       /* drains */
    drv_finish(a, drv_find(a, PP_CMD_UPGRADE, 0), PP_RES_OK, NULL, "");
    /* crash here: fe02's upgrade was running */
    struct drv *b = mk("", "");
    char err[256];
    for (int i = 0; i < a->nrec; i++)
        assert_int_equal(engine_restore(b->e, &a->recs[i], err, sizeof err), 0);
    b->nrec = 0;
    drv_start(b);
    assert_string_equal(b->recs[0].event, "resume");
    assert_int_equal(b->m.active_domain, 0);
    /* fe01's restart had started: in flight too */
    assert_int_equal(b->m.servers[0].state, PP_SRV_LOST);
    assert_int_equal(b->m.servers[0].step, PP_STEP_RESTART);
    assert_true(drv_find(b, PP_CMD_PROBE, 0) >= 0);
    assert_int_equal(drv_count(b, "step-end"), 2);
    assert_string_equal(drv_last(b, "step-end")->result, "lost");
    assert_int_equal(b->m.servers[1].state, PP_SRV_LOST);
    assert_true(drv_find(b, PP_CMD_PROBE, 1) >= 0);
    assert_int_equal(drv_find(b, PP_CMD_UPGRADE, 1), -1);
    assert_int_equal(drv_find(b, PP_CMD_DRAIN, -2), -1);       /* nothing redone */
    drv_finish(b, drv_find(b, PP_CMD_PROBE, 1), PP_RES_OK, NULL, "installer still running");
    assert_int_equal(b->m.ask, PP_ASK_RERUN);
    /* issue 10 item 6: the console died, not the connection; say so */
    assert_non_null(strstr(b->m.ask_text, "the console stopped while it ran"));
    assert_null(strstr(b->m.ask_text, "connection"));
    /* a second restart reads it from the journal's lost record */
    struct drv *c2 = mk("", "");
    for (int i = 0; i < a->nrec; i++)
        assert_int_equal(engine_restore(c2->e, &a->recs[i], err, sizeof err), 0);
    for (int i = 0; i < b->nrec; i++)
        assert_int_equal(engine_restore(c2->e, &b->recs[i], err, sizeof err), 0);
    c2->nrec = 0;
    drv_start(c2);
    assert_true(c2->m.servers[1].lost_console);
    done(c2);
    done(a);
    done(b);

    /* a journal naming an unknown server is refused */
    struct drv *c = mk("", "");
    struct pp_jrec bad = {.seq = 1};
    snprintf(bad.event, sizeof bad.event, "step-start");
    snprintf(bad.server, sizeof bad.server, "fe42.contoso.com");
    assert_int_equal(engine_restore(c->e, &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "fe42.contoso.com"));
    done(c);
}

static void test_resume_complete_run_exits(void **st)
{
    (void)st;
    struct drv *a = mk("", "");
    to_first_domain(a);
    assert_true(drv_autorun(a, 10000) > 0);
    struct drv *b = mk("", "");
    char err[256];
    for (int i = 0; i < a->nrec; i++)
        assert_int_equal(engine_restore(b->e, &a->recs[i], err, sizeof err), 0);
    drv_start(b);
    assert_true(b->exited);
    assert_int_equal(b->exit_code, 0);
    assert_int_equal(b->nruns, 0);
    done(a);
    done(b);
}

/* No Back End configured (issue 11 item 13): a Lync pool's run does not
 * end as if the pool were finished.  The Back End is journaled as an open
 * item and the completion text says what is left to do. */
static void test_backend_not_configured_completes_open(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    assert_true(drv_autorun(d, 10000) > 0);
    assert_true(d->exited);
    assert_int_equal(d->exit_code, 0);
    const struct pp_jrec *b = drv_last(d, "backend");
    assert_non_null(b);
    assert_string_equal(b->state, "open");
    assert_non_null(strstr(b->reason, "Install-CsDatabase -Update -ConfiguredDatabases "
                                      "-SqlServerFqdn <your Back End> on a Front End"));
    assert_non_null(strstr(drv_last(d, "complete")->reason, "Back End not updated by poolpilot"));
    assert_string_equal(d->m.backend_item, "open");
    /* the open item comes before the end, and nothing ran for it */
    assert_string_equal(d->recs[d->nrec - 1].event, "complete");
    assert_string_equal(d->recs[d->nrec - 2].event, "backend");
    done(d);
    /* a pool without a Back End (linux-systemd) ends as before */
    d = malloc(sizeof *d);
    drv_init(d, "[pool]\nfqdn = pool01.example.com\nprofile = linux-systemd\n[servers]\n"
                "a1.example.com = UD1\na2.example.com = UD1\nb1.example.com = UD2\n"
                "b2.example.com = UD2\nc1.example.com = UD3\nc2.example.com = UD3\n");
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    assert_true(drv_autorun(d, 10000) > 0);
    assert_true(d->exited);
    assert_null(drv_last(d, "backend"));
    assert_string_equal(drv_last(d, "complete")->reason, "all domains done");
    done(d);
}

#define BE "backend = sql01.contoso.com\n"

/* Like drv_autorun, but stops at the first question of kind `k` (true),
 * or when the run ends or gets stuck (false). */
static bool run_to_ask(struct drv *d, enum pp_ask_kind k)
{
    for (int it = 0; it < 20000; it++) {
        if (d->m.ask == k)
            return true;
        if (d->exited)
            return false;
        if (model_ask_confirmable(d->m.ask)) {
            drv_op(d, PP_OP_CONFIRM, NULL);
            continue;
        }
        if (d->m.ask != PP_ASK_NONE && d->nruns == 0)
            return false;
        if (drv_find(d, PP_CMD_READINESS, -2) >= 0) {
            drv_advance(d, 5000);
            drv_answer_check(d, PP_READY_READY);
            continue;
        }
        if (d->nruns > 0) {
            drv_advance(d, 60000);
            drv_finish(d, 0, PP_RES_OK, NULL, "fine");
            continue;
        }
        if (!drv_wake(d))
            return false;
    }
    return false;
}

/* [pool] backend set: every domain done, the operator is asked; confirm
 * runs the Back End's update on a Front End that is up, journaled; ok ends
 * the run complete, with nothing left open (issue 11 item 13). */
static void test_backend_configured_asked_and_run(void **st)
{
    (void)st;
    struct drv *d = mk(BE, "");
    to_first_domain(d);
    assert_true(run_to_ask(d, PP_ASK_BACKEND));
    assert_int_equal(d->m.domains_done, 4);
    assert_int_equal(d->m.phase, PP_PH_BACKEND);
    assert_non_null(strstr(d->m.ask_text, "Install-CsDatabase -Update -ConfiguredDatabases "
                                          "-SqlServerFqdn sql01.contoso.com on fe0"));
    assert_int_equal(drv_count(d, "backend"), 0);
    /* no gate holds the pool here: a proceed would change nothing */
    int before = d->nrec;
    drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "go on");
    assert_int_equal(d->nrec, before);
    assert_int_equal(d->m.ask, PP_ASK_BACKEND);
    drv_op(d, PP_OP_CONFIRM, NULL);
    int i = drv_find(d, PP_CMD_BACKEND, -2);
    assert_true(i >= 0);
    assert_int_equal(drv_count(d, "backend"), 1);
    assert_string_equal(drv_last(d, "backend")->result, "");
    assert_false(d->exited);
    drv_finish(d, i, PP_RES_OK, NULL, "Back End databases updated on sql01.contoso.com");
    assert_true(d->exited);
    assert_int_equal(d->exit_code, 0);
    assert_string_equal(drv_last(d, "backend")->result, "ok");
    assert_string_equal(drv_last(d, "complete")->reason, "all domains done");
    assert_string_equal(drv_last(d, "confirm")->state, "backend");
    assert_string_equal(d->m.backend_item, "ok");   /* the checklist pane's line */
    done(d);
}

/* A Back End update that failed is never run again blind: --yes cannot,
 * a plain confirmation cannot; override retry on the pool does; override
 * done ends the run complete, skip ends it with the Back End open. */
static void test_backend_failed_needs_override(void **st)
{
    (void)st;
    struct drv *d = mk(BE, "");
    to_first_domain(d);
    assert_true(run_to_ask(d, PP_ASK_BACKEND));
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish(d, drv_find(d, PP_CMD_BACKEND, -2), PP_RES_FAILED, NULL,
               "Install-CsDatabase : Cannot open database");
    assert_false(d->exited);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_non_null(strstr(d->m.ask_text, "not run again blind"));
    struct pp_event ev = {.type = PP_EV_OPERATOR, .op = PP_OP_CONFIRM, .automatic = true};
    drv_event(d, &ev);   /* --yes */
    assert_int_equal(drv_find(d, PP_CMD_BACKEND, -2), -1);
    drv_override(d, PP_OV_RETRY, "pool01.contoso.com", "SQL was restarted, run it again");
    int i = drv_find(d, PP_CMD_BACKEND, -2);
    assert_true(i >= 0);
    drv_finish(d, i, PP_RES_TIMEOUT, NULL, NULL);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    drv_override(d, PP_OV_DONE, "pool01.contoso.com", "Test-CsDatabase shows them current");
    assert_true(d->exited);
    assert_int_equal(d->exit_code, 0);
    assert_string_equal(drv_last(d, "backend")->state, "done");
    assert_string_equal(drv_last(d, "complete")->reason, "all domains done");
    done(d);

    /* skip: complete, the item open, said so */
    d = mk(BE, "");
    to_first_domain(d);
    assert_true(run_to_ask(d, PP_ASK_BACKEND));
    drv_op(d, PP_OP_DECLINE, NULL);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_int_equal(drv_find(d, PP_CMD_BACKEND, -2), -1);
    drv_override(d, PP_OV_SKIP, "pool01.contoso.com", "the DBA runs it tonight");
    assert_true(d->exited);
    assert_string_equal(drv_last(d, "backend")->state, "open");
    assert_int_equal(drv_count(d, "backend"), 1);
    assert_non_null(strstr(drv_last(d, "complete")->reason, "Back End not updated by poolpilot"));
    done(d);
}

/* Killed while the Back End's update runs: the resumed console journals it
 * lost and asks; nothing runs it again without an override. */
static void test_backend_lost_on_resume_is_asked(void **st)
{
    (void)st;
    struct drv *d = mk(BE, "");
    to_first_domain(d);
    assert_true(run_to_ask(d, PP_ASK_BACKEND));
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_true(drv_find(d, PP_CMD_BACKEND, -2) >= 0);
    char err[256];
    assert_int_equal(drv_restart(d, err, sizeof err), 0);
    assert_string_equal(drv_last(d, "backend")->result, "lost");
    for (int it = 0; it < 50 && d->m.ask != PP_ASK_OPERATOR; it++) {
        assert_int_equal(drv_find(d, PP_CMD_BACKEND, -2), -1);
        if (drv_find(d, PP_CMD_READINESS, -2) >= 0)
            drv_answer_check(d, PP_READY_READY);
        else if (d->nruns > 0)
            drv_finish(d, 0, PP_RES_OK, NULL, "fine");
        else
            assert_true(drv_wake(d));
    }
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_non_null(strstr(d->m.ask_text, "console stopped"));
    assert_int_equal(drv_find(d, PP_CMD_BACKEND, -2), -1);
    assert_false(d->exited);
    done(d);
}

/* Failed over: the Back End comes before the failback question. */
static void test_backend_before_failback(void **st)
{
    (void)st;
    struct drv *d = mk(DR BE, "");
    drv_start(d);
    for (int k = 0; k < 3; k++) {
        drv_answer_check(d, PP_READY_BUSY);
        if (k < 2)
            assert_true(drv_wake(d));
    }
    assert_int_equal(d->m.ask, PP_ASK_FAILOVER);
    assert_true(run_to_ask(d, PP_ASK_BACKEND));
    assert_true(d->m.failed_over);
    assert_int_equal(drv_count(d, "failback"), 0);
    assert_true(run_to_ask(d, PP_ASK_FAILBACK));
    assert_string_equal(drv_last(d, "backend")->result, "ok");
    assert_true(drv_autorun(d, 10000) > 0);
    assert_true(d->exited);
    assert_string_equal(drv_last(d, "complete")->reason, "all domains done; the pool is failed back");
    done(d);
}

/* Replays a's journal into a fresh engine and starts it. */
static struct drv *resume_of(struct drv *a, const char *pool_extra)
{
    struct drv *b = mk(pool_extra, "");
    char err[256];
    for (int i = 0; i < a->nrec; i++)
        assert_int_equal(engine_restore(b->e, &a->recs[i], err, sizeof err), 0);
    drv_start(b);
    return b;
}

static void test_resume_around_failover(void **st)
{
    (void)st;
    struct drv *a = mk(DR, "");
    drv_start(a);
    drv_answer_check(a, PP_READY_INSUFFICIENT);
    drv_op(a, PP_OP_CONFIRM, NULL);
    /* killed while the failover ran: its outcome is unknown; the pool's
     * state is read first (never re-run blind), then the operator says */
    struct drv *b = resume_of(a, DR);
    assert_int_equal(b->m.ask, PP_ASK_NONE);
    assert_string_equal(drv_last(b, "failover")->result, "lost");
    assert_int_equal(b->nruns, 1);
    assert_true(drv_find(b, PP_CMD_POOL_STATE, -1) >= 0);
    assert_int_equal(drv_find(b, PP_CMD_FAILOVER, -1), -1);
    done(b);
    drv_finish(a, drv_find(a, PP_CMD_FAILOVER, -1), PP_RES_OK, NULL, "");
    drv_op(a, PP_OP_CONFIRM, NULL);
    for (int k = 0; k < 4; k++)
        drv_finish_all_ok(a);
    assert_int_equal(a->m.domains[0].state, PP_DOM_DONE);
    /* killed after a domain while failed over: no readiness gate on
     * resume, but the settle wait starts over (issue 11 item 6) */
    b = resume_of(a, DR);
    assert_int_equal(drv_find(b, PP_CMD_READINESS, -2), -1);
    assert_int_equal(b->m.phase, PP_PH_SETTLE);
    assert_true(b->m.settle_until == b->now + 20 * 60000);
    assert_true(drv_find(b, PP_CMD_FABRIC, -2) >= 0);
    assert_int_not_equal(b->m.ask, PP_ASK_START_DOMAIN);
    done(b);
    /* the run goes on to the end: every domain, then back to the home pool */
    assert_true(drv_autorun(a, 10000) > 0);
    assert_true(a->exited);
    assert_int_equal(a->exit_code, 0);
    assert_int_equal(drv_count(a, "domain-done"), 4);
    assert_int_equal(drv_count(a, "complete"), 1);
    assert_true(a->m.failed_back);
    assert_int_equal(a->m.phase, PP_PH_COMPLETE);
    done(a);
}

static void test_resume_after_domain_done_settles(void **st)
{
    (void)st;
    struct drv *a = mk("", "");
    to_first_domain(a);
    drv_op(a, PP_OP_CONFIRM, NULL);
    for (int k = 0; k < 4; k++)
        drv_finish_all_ok(a);
    assert_string_equal(a->recs[a->nrec - 1].event, "domain-done");
    struct drv *b = resume_of(a, "");
    assert_int_equal(b->m.phase, PP_PH_SETTLE);
    drv_answer_check(b, PP_READY_READY);
    assert_true(b->m.settle_until == b->now + 20 * 60000);
    assert_int_not_equal(b->m.ask, PP_ASK_START_DOMAIN);
    done(a);
    done(b);
}

static void test_mark_domain_done_by_hand(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_override(d, PP_OV_DONE, "UpgradeDomain1", "patched last week by hand, CHG-1234");
    assert_int_equal(d->m.domains[0].state, PP_DOM_DONE_EXCEPTIONS);
    assert_int_equal(d->m.servers[0].state, PP_SRV_MARKED_DONE);
    assert_int_equal(drv_count(d, "domain-done"), 1);
    done(d);
}


/* Issue 11 item 5: override proceed on a failed fabric check passes that
 * check only.  Before, it set the pool's proceed flag and offered the next
 * domain at once: no settle wait, no fabric check after it, no Ready. */
static void test_fabric_override_passes_that_check_only(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    for (int k = 0; k < 4; k++)
        assert_int_equal(drv_finish_all_ok(d), 2);
    drv_answer_check(d, PP_READY_READY);
    int f = drv_find(d, PP_CMD_FABRIC, -2);
    assert_true(f >= 0);
    drv_finish(d, f, PP_RES_FAILED, NULL, "routing group 3: no secondary");
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "secondary is rebuilding, checked");
    assert_string_equal(drv_last(d, "override")->result, "accept-fabric");
    /* the wait starts over on a fresh Ready; the fabric is not read again before it */
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(d->m.phase, PP_PH_SETTLE);
    assert_true(drv_find(d, PP_CMD_READINESS, -2) >= 0);
    drv_answer_check(d, PP_READY_READY);
    assert_true(d->m.settle_until == d->now + 20 * 60000);
    assert_int_equal(drv_find(d, PP_CMD_FABRIC, -2), -1);
    pp_ms until = d->m.settle_until;
    while (drv_find(d, PP_CMD_FABRIC, -2) < 0) {
        assert_true(drv_wake(d));
        if (drv_find(d, PP_CMD_READINESS, -2) >= 0)
            drv_answer_check(d, PP_READY_READY);
        assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    }
    assert_true(d->now >= until);
    /* the check after the wait fails too: accepting it leaves the gate */
    drv_finish(d, drv_find(d, PP_CMD_FABRIC, -2), PP_RES_TIMEOUT, NULL, "");
    drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "read it by hand: all primaries");
    assert_string_equal(drv_last(d, "override")->result, "accept-fabric");
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_true(drv_find(d, PP_CMD_READINESS, -2) >= 0);
    drv_answer_check(d, PP_READY_BUSY);
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_true(drv_wake(d));
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(d->m.ask_domain, 1);
    done(d);
}

/* Issue 11 item 5, the domain's form: override proceed on a domain passes
 * its ReadyForUpgrade only.  Given at a fabric hold before the settle wait,
 * it offered that domain at once (no wait, no fabric check, no Ready); it
 * is refused until the settle wait and its checks are done, and nothing
 * is journaled. */
static void test_domain_proceed_does_not_end_the_settle_wait(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    for (int k = 0; k < 4; k++)
        assert_int_equal(drv_finish_all_ok(d), 2);
    drv_answer_check(d, PP_READY_READY);
    drv_finish(d, drv_find(d, PP_CMD_FABRIC, -2), PP_RES_FAILED, NULL,
               "routing group 3: no secondary");
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    int before = d->nrec;
    drv_override(d, PP_OV_PROCEED, "UpgradeDomain3", "hostile: skip the wait");
    assert_int_equal(d->nrec, before);
    assert_non_null(strstr(d->last_note, "ReadyForUpgrade"));
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);        /* the fabric hold stands */
    assert_int_equal(d->m.phase, PP_PH_SETTLE);
    assert_int_equal(d->m.active_domain, -1);
    /* during the wait itself (fabric accepted), refused the same */
    drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "secondary is rebuilding, checked");
    drv_answer_check(d, PP_READY_READY);
    assert_true(d->m.settle_until > d->now);
    before = d->nrec;
    drv_override(d, PP_OV_PROCEED, "UpgradeDomain3", "hostile: skip the wait");
    assert_int_equal(d->nrec, before);
    assert_true(d->m.settle_until > d->now);
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    done(d);
}

/* Issue 11 item 5, the settle wait's form: override proceed on the pool
 * during the wait ends the wait, nothing more.  Before, it set the pool's
 * proceed flag and offered the next domain at once: no fabric check after
 * the wait, no readiness answer (journaled as passing "the gate"). */
static void test_pool_proceed_in_settle_skips_the_wait_only(void **st)
{
    (void)st;
    struct drv *d = mk("", "");
    to_first_domain(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    for (int k = 0; k < 4; k++)
        assert_int_equal(drv_finish_all_ok(d), 2);
    drv_answer_check(d, PP_READY_READY);
    drv_finish(d, drv_find(d, PP_CMD_FABRIC, -2), PP_RES_OK, NULL,
               "routing groups: all with primary");
    assert_true(d->m.settle_until > d->now);
    drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "CAB approved a shorter wait");
    assert_string_equal(drv_last(d, "override")->result, "skip-settle");
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    /* the fabric check after the wait runs */
    int f = drv_find(d, PP_CMD_FABRIC, -2);
    assert_true(f >= 0);
    drv_finish(d, f, PP_RES_OK, NULL, "routing groups: all with primary");
    /* then the gate: Busy holds the next domain, Ready offers it */
    assert_true(drv_find(d, PP_CMD_READINESS, -2) >= 0);
    drv_answer_check(d, PP_READY_BUSY);
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_true(drv_wake(d));
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    done(d);
}

/* Issue 11 item 6: failed over, the settle wait and both fabric checks
 * still come between domains, and the failback needs a fresh Ready: Busy
 * or Unknown is put to the operator, whose override is journaled as
 * accepting that answer.  Before, the next domain came at once and the
 * failback was proposed with no check. */
static void test_failed_over_settles_and_failback_needs_ready(void **st)
{
    (void)st;
    struct drv *d = mk(DR, "");
    drv_start(d);
    drv_answer_check(d, PP_READY_INSUFFICIENT);
    assert_int_equal(d->m.ask, PP_ASK_FAILOVER);
    assert_non_null(strstr(d->m.ask_text, "Central Management store"));
    assert_non_null(strstr(d->m.ask_text, "Edge pool's next hop"));
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish(d, drv_find(d, PP_CMD_FAILOVER, -1), PP_RES_OK, NULL, "failed over");
    for (int dom = 0; dom < 4; dom++) {
        assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
        drv_op(d, PP_OP_CONFIRM, NULL);
        for (int k = 0; k < 4; k++)
            assert_int_equal(drv_finish_all_ok(d), 2);
        if (dom == 3)
            break;
        assert_int_equal(d->m.phase, PP_PH_SETTLE);
        assert_true(d->m.settle_until == d->now + 20 * 60000);
        assert_int_equal(drv_find(d, PP_CMD_READINESS, -2), -1);
        pp_ms until = d->m.settle_until;
        assert_int_equal(drv_finish_all_ok(d), 1);   /* fabric before */
        assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
        while (drv_find(d, PP_CMD_FABRIC, -2) < 0)
            assert_true(drv_wake(d));
        assert_true(d->now >= until);
        if (dom == 1) {
            /* a failed check after the wait holds the next domain */
            drv_finish(d, drv_find(d, PP_CMD_FABRIC, -2), PP_RES_FAILED, NULL, "no primary");
            assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
            drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "checked by hand");
            assert_string_equal(drv_last(d, "override")->result, "accept-fabric");
        } else {
            assert_int_equal(drv_finish_all_ok(d), 1);   /* fabric after */
        }
    }
    assert_int_equal(drv_count(d, "domain-done"), 4);
    /* before the failback: a readiness check; Busy is put to the operator */
    assert_int_not_equal(d->m.ask, PP_ASK_FAILBACK);
    assert_true(drv_find(d, PP_CMD_READINESS, -2) >= 0);
    drv_answer_check(d, PP_READY_BUSY);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_int_equal(drv_count(d, "pool-problem"), 1);   /* no strike while failed over */
    drv_op(d, PP_OP_RECHECK, NULL);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_FAILBACK);
    assert_true(model_readiness_current(&d->m));   /* fresh: read after the failover */
    drv_op(d, PP_OP_DECLINE, NULL);
    assert_int_equal(drv_count(d, "failback"), 0);
    done(d);

    /* Unknown before the failback: the operator's override accepts it */
    d = mk(DR, "");
    drv_start(d);
    drv_answer_check(d, PP_READY_INSUFFICIENT);
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish(d, drv_find(d, PP_CMD_FAILOVER, -1), PP_RES_OK, NULL, "failed over");
    for (int dom = 0; dom < 4; dom++)
        drv_override(d, PP_OV_DONE, d->m.domains[dom].name, "patched by hand last night");
    assert_true(drv_find(d, PP_CMD_READINESS, -2) >= 0);
    drv_answer_check(d, PP_READY_UNKNOWN);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(drv_count(d, "failback"), 0);
    drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "Get-CsPoolFabricState clean by hand");
    assert_string_equal(drv_last(d, "override")->result, "accept-unready");
    assert_int_equal(d->m.ask, PP_ASK_FAILBACK);
    done(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_happy_path),
        cmocka_unit_test(test_settle_waits_and_restarts),
        cmocka_unit_test(test_busy_three_times_with_dr_fails_over),
        cmocka_unit_test(test_busy_strikes_reset_by_ready),
        cmocka_unit_test(test_busy_strikes_need_the_retry_interval),
        cmocka_unit_test(test_busy_without_dr_stops_for_a_human),
        cmocka_unit_test(test_insufficient_is_a_problem_at_once),
        cmocka_unit_test(test_unknown_is_never_ready),
        cmocka_unit_test(test_quorum_refuses_a_domain),
        cmocka_unit_test(test_quorum_sfb2019_twelve_keeps_both_rows),
        cmocka_unit_test(test_failed_step_needs_an_override),
        cmocka_unit_test(test_skip_gives_done_with_exceptions),
        cmocka_unit_test(test_drain_overrun_and_force),
        cmocka_unit_test(test_lost_step_probe_rerun_then_stop),
        cmocka_unit_test(test_domain_not_ready_waits_and_proceed),
        cmocka_unit_test(test_choose_domain),
        cmocka_unit_test(test_confirm_server_and_parallel_one),
        cmocka_unit_test(test_sfb_one_server_at_a_time),
        cmocka_unit_test(test_sfb_failed_server_holds_the_slot),
        cmocka_unit_test(test_lync_domain_drains_together),
        cmocka_unit_test(test_confirm_step),
        cmocka_unit_test(test_downtime_mode_stops_at_once),
        cmocka_unit_test(test_quit_waits_for_running_steps),
        cmocka_unit_test(test_discovery_and_mismatch),
        cmocka_unit_test(test_resume_from_journal),
        cmocka_unit_test(test_resume_complete_run_exits),
        cmocka_unit_test(test_backend_not_configured_completes_open),
        cmocka_unit_test(test_backend_configured_asked_and_run),
        cmocka_unit_test(test_backend_failed_needs_override),
        cmocka_unit_test(test_backend_lost_on_resume_is_asked),
        cmocka_unit_test(test_backend_before_failback),
        cmocka_unit_test(test_mark_domain_done_by_hand),
        cmocka_unit_test(test_resume_around_failover),
        cmocka_unit_test(test_resume_after_domain_done_settles),
        cmocka_unit_test(test_fabric_override_passes_that_check_only),
        cmocka_unit_test(test_domain_proceed_does_not_end_the_settle_wait),
        cmocka_unit_test(test_pool_proceed_in_settle_skips_the_wait_only),
        cmocka_unit_test(test_failed_over_settles_and_failback_needs_ready),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
