/* Regression tests for issue 14 ("The safety rules hold for every sequence
 * of operator actions and pool answers"): one test per class of violation,
 * each the concrete sequence that broke a rule before the safety gate
 * (backend/engine/engine_safety.c).  The model checker
 * (test_engine_model.c) searches for more; what it finds lands here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/helpers/engine_driver.h"

#define INI_HEAD "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n"
#define INI_TIMING "[timing]\nbusy_retry = 10m\nsettle = 20m\n"

static struct drv *mk(const char *ini)
{
    struct drv *d = malloc(sizeof *d);
    assert_non_null(d);
    drv_init(d, ini);
    return d;
}

static bool confirmable(enum pp_ask_kind k)
{
    return k != PP_ASK_NONE && k != PP_ASK_OPERATOR && k != PP_ASK_FORCE_DRAIN;
}

static void confirm_as(struct drv *d, bool automatic, unsigned id)
{
    struct pp_event ev = {.type = PP_EV_OPERATOR, .op = PP_OP_CONFIRM, .automatic = automatic,
                          .ask_id = id};
    drv_event(d, &ev);
}

/* Busy three times: the pool has a problem. */
static void busy_three_times(struct drv *d)
{
    for (int k = 0; k < 3; k++) {
        if (k)
            assert_true(drv_wake(d));
        drv_answer_check(d, PP_READY_BUSY);
    }
}

/* Start, Ready, confirm: UpgradeDomain1 is in flight. */
static void first_domain_running(struct drv *d)
{
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(d->m.ask_domain, 0);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(d->m.active_domain, 0);
}

/* Whatever a --yes console or a person confirms, whatever checks answer
 * Ready and whatever timers fire, without ending the first domain's steps:
 * no second domain may start. */
static void push_everything_but_steps(struct drv *d, bool automatic)
{
    for (int it = 0; it < 40 && !d->exited; it++) {
        if (confirmable(d->m.ask)) {
            confirm_as(d, automatic, 0);
            continue;
        }
        if (drv_find(d, PP_CMD_READINESS, -2) >= 0) {
            drv_advance(d, 5000);
            drv_answer_check(d, PP_READY_READY);
            continue;
        }
        int f = drv_find(d, PP_CMD_FABRIC, -2);
        if (f >= 0) {
            drv_finish(d, f, PP_RES_OK, NULL, "fine");
            continue;
        }
        if (!drv_wake(d))
            break;
    }
}

/* class 1: override done on a domain that is not running. */
static void test_override_done_other_domain_releases_no_second(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    first_domain_running(d);
    drv_override(d, PP_OV_DONE, "UpgradeDomain3", "patched by hand last night");
    assert_int_equal(drv_count(d, "domain-done"), 1);
    assert_int_equal(d->m.active_domain, 0);
    push_everything_but_steps(d, false);
    assert_int_equal(drv_count(d, "domain-start"), 1);
    assert_int_equal(d->m.active_domain, 0);
    drv_destroy(d);
}

/* class 1 with --yes: a failed verify waits for an override. */
static void test_override_done_other_domain_with_yes_and_failed_verify(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    first_domain_running(d);
    for (int it = 0; it < 20 && drv_find(d, PP_CMD_VERIFY, 0) < 0; it++)
        drv_finish_all_ok(d);
    int v = drv_find(d, PP_CMD_VERIFY, 0);
    assert_true(v >= 0);
    drv_finish(d, v, PP_RES_FAILED, NULL, "port 5061 closed");
    drv_finish_all_ok(d);   /* fe02 goes on to its end */
    drv_finish_all_ok(d);
    assert_int_equal(d->m.servers[0].state, PP_SRV_FAILED);
    int verifies = 0;
    for (int i = 0; i < d->nrec; i++)
        verifies += !strcmp(d->recs[i].event, "step-start") &&
                    !strcmp(d->recs[i].server, "fe01.contoso.com") &&
                    !strcmp(d->recs[i].step, "verify");
    drv_override(d, PP_OV_DONE, "UpgradeDomain3", "patched by hand last night");
    push_everything_but_steps(d, true);
    int after = 0;
    for (int i = 0; i < d->nrec; i++)
        after += !strcmp(d->recs[i].event, "step-start") &&
                 !strcmp(d->recs[i].server, "fe01.contoso.com") &&
                 !strcmp(d->recs[i].step, "verify");
    assert_int_equal(after, verifies);   /* the failed verify never re-ran without an override */
    assert_int_equal(drv_count(d, "domain-start"), 1);
    assert_int_equal(d->m.servers[0].state, PP_SRV_FAILED);
    drv_destroy(d);
}

/* class 1: overrides that change nothing are refused and not journaled. */
static void test_override_that_changes_nothing_is_refused(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    int n = drv_count(d, "override");
    drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "the gate is open anyway");
    drv_override(d, PP_OV_PROCEED, "UpgradeDomain1", "it is offered anyway");
    assert_int_equal(drv_count(d, "override"), n);
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_override(d, PP_OV_RETRY, "fe03.contoso.com", "not in flight");
    assert_int_equal(drv_count(d, "override"), n);
    drv_destroy(d);
}

/* class 2: override proceed on a domain while the failover runs. */
static void test_proceed_refused_while_failover_runs(void **st)
{
    (void)st;
    struct drv *d = drv_pool8(DRV_DR, "");
    drv_start(d);
    busy_three_times(d);
    assert_int_equal(d->m.ask, PP_ASK_FAILOVER);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_true(drv_find(d, PP_CMD_FAILOVER, -1) >= 0);
    int n = drv_count(d, "override");
    drv_override(d, PP_OV_PROCEED, "UpgradeDomain2", "users are moving anyway");
    assert_int_equal(drv_count(d, "override"), n);
    drv_override(d, PP_OV_RETRY, "fe01.contoso.com", "go");
    assert_int_equal(drv_count(d, "override"), n);
    if (confirmable(d->m.ask))
        drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(drv_count(d, "domain-start"), 0);
    drv_finish(d, drv_find(d, PP_CMD_FAILOVER, -1), PP_RES_OK, NULL, "done");
    push_everything_but_steps(d, true);
    assert_int_equal(drv_count(d, "domain-start"), 1);
    drv_destroy(d);
}

/* class 10: a confirmation names the question it answers. */
static void test_answer_to_replaced_question_is_refused(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    unsigned seen = d->m.ask_id;
    drv_op(d, PP_OP_CHOOSE, "UpgradeDomain2");
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(d->m.ask_domain, 1);
    assert_true(d->m.ask_id != seen);
    int asks = d->asks;
    confirm_as(d, false, seen);
    assert_int_equal(drv_count(d, "domain-start"), 0);
    assert_int_equal(drv_count(d, "confirm"), 0);
    assert_non_null(drv_last(d, "refused"));
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);   /* the new question is shown */
    assert_true(d->asks > asks);
    struct pp_event dec = {.type = PP_EV_OPERATOR, .op = PP_OP_DECLINE, .ask_id = seen};
    drv_event(d, &dec);
    assert_int_equal(drv_count(d, "decline"), 0);
    confirm_as(d, false, d->m.ask_id);
    assert_int_equal(drv_count(d, "domain-start"), 1);
    assert_string_equal(drv_last(d, "domain-start")->domain, "UpgradeDomain2");
    drv_destroy(d);
}

/* class 5: Ready with 3 of 8 Front Ends active. */
static void test_quorum_margin_uses_the_pools_own_count(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    drv_start(d);
    struct pp_readiness r;
    drv_readiness(d, PP_READY_READY, -1, &r);
    r.active_fe = 3;
    drv_finish(d, drv_find(d, PP_CMD_READINESS, -2), PP_RES_OK, &r, "");
    readiness_free(&r);
    assert_true(d->m.ask != PP_ASK_START_DOMAIN);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_non_null(strstr(d->m.ask_text, "quorum needs 4"));
    drv_destroy(d);
}

/* class 5: an answer that leaves out a configured server or counts another
 * total is Unknown. */
static void test_answer_not_describing_the_pool_is_unknown(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    drv_start(d);
    struct pp_readiness r;
    drv_readiness(d, PP_READY_READY, -1, &r);
    r.domains[r.ndomains - 1].nfronts--;   /* fe08 left out */
    r.active_fe--;
    r.total_fe--;
    drv_finish(d, drv_find(d, PP_CMD_READINESS, -2), PP_RES_OK, &r, "");
    readiness_free(&r);
    assert_string_equal(drv_last(d, "readiness")->state, "Unknown");
    assert_true(d->m.ask != PP_ASK_START_DOMAIN);
    assert_true(drv_wake(d));
    drv_readiness(d, PP_READY_READY, -1, &r);
    r.total_fe = 9;
    drv_finish(d, drv_find(d, PP_CMD_READINESS, -2), PP_RES_OK, &r, "");
    readiness_free(&r);
    assert_string_equal(drv_last(d, "readiness")->state, "Unknown");
    assert_true(d->m.ask != PP_ASK_START_DOMAIN);
    assert_int_equal(drv_count(d, "domain-start"), 0);
    drv_destroy(d);
}

/* class 4: Busy, Busy, console stopped, resume, Busy: three strikes. */
static void test_busy_strikes_survive_a_resume(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    drv_start(d);
    drv_answer_check(d, PP_READY_BUSY);
    assert_true(drv_wake(d));
    drv_answer_check(d, PP_READY_BUSY);
    assert_int_equal(d->m.busy_strikes, 2);
    char err[256];
    assert_int_equal(drv_restart(d, err, sizeof err), 0);
    assert_int_equal(d->m.busy_strikes, 2);
    drv_advance(d, 600000);
    drv_answer_check(d, PP_READY_BUSY);
    assert_non_null(drv_last(d, "pool-problem"));
    assert_int_equal(d->m.phase, PP_PH_PROBLEM);
    drv_destroy(d);
}

/* class 4, found by test_engine_model (seed 1183): a Ready read while a
 * domain runs (an operator's recheck) is shown, not counted; restoring it
 * must not end the Busy series the live engine still counts. */
static void test_busy_series_survives_a_resume_inside_a_domain(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    drv_start(d);
    drv_answer_check(d, PP_READY_BUSY);                  /* strike 1 */
    drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "change window ends");
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(d->m.active_domain, 0);
    drv_op(d, PP_OP_RECHECK, NULL);
    drv_answer_check(d, PP_READY_READY);                 /* in the domain: not counted */
    char err[256];
    assert_int_equal(drv_restart(d, err, sizeof err), 0);
    for (int it = 0; it < 200 && drv_count(d, "domain-done") == 0; it++) {
        if (confirmable(d->m.ask))
            drv_op(d, PP_OP_CONFIRM, NULL);
        else if (!drv_finish_all_ok(d))
            break;
    }
    assert_int_equal(drv_count(d, "domain-done"), 1);
    drv_advance(d, 600000);
    drv_answer_check(d, PP_READY_BUSY);                  /* strike 2 */
    assert_null(drv_last(d, "pool-problem"));
    assert_true(drv_wake(d));
    drv_answer_check(d, PP_READY_BUSY);                  /* strike 3 */
    assert_non_null(drv_last(d, "pool-problem"));
    drv_destroy(d);
}

/* class 4, found by test_engine_model (seed 215005): a Busy answer that
 * arrives while the console stops still counts, and a resume whose restored
 * count has reached the limit declares the pool problem at once. */
static void test_busy_while_stopping_counts_after_the_resume(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    drv_start(d);
    drv_answer_check(d, PP_READY_BUSY);
    assert_true(drv_wake(d));
    drv_answer_check(d, PP_READY_BUSY);
    assert_true(drv_wake(d));
    drv_op(d, PP_OP_QUIT, NULL);
    drv_answer_check(d, PP_READY_BUSY);                  /* the third, while stopping */
    assert_true(d->exited);
    assert_null(drv_last(d, "pool-problem"));
    char err[256];
    assert_int_equal(drv_restart(d, err, sizeof err), 0);
    assert_non_null(drv_last(d, "pool-problem"));
    assert_int_equal(d->m.phase, PP_PH_PROBLEM);
    assert_int_equal(drv_find(d, PP_CMD_READINESS, -2), -1);
    drv_destroy(d);
}

/* class 8: a journal is bound to its pool at its start record: another
 * pool's journal with the same server names is never resumed. */
static void test_other_pools_journal_is_refused(void **st)
{
    (void)st;
    struct drv *a = drv_pool8("", "");
    first_domain_running(a);
    struct drv *b = mk("[pool]\nfqdn = pool99.contoso.com\nprofile = lync2013\n[servers]\n"
                       "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"
                       "fe03.contoso.com = UpgradeDomain2\nfe04.contoso.com = UpgradeDomain2\n"
                       "fe05.contoso.com = UpgradeDomain3\nfe06.contoso.com = UpgradeDomain3\n"
                       "fe07.contoso.com = UpgradeDomain4\nfe08.contoso.com = UpgradeDomain4\n"
                       INI_TIMING);
    char err[512] = "";
    assert_int_equal(engine_restore(b->e, &a->recs[0], err, sizeof err), -1);
    assert_non_null(strstr(err, "belongs to pool pool01.contoso.com"));
    assert_non_null(strstr(err, "pool99.contoso.com"));
    drv_destroy(b);
    drv_destroy(a);
}

/* class 8: ... and to the topology it was started with (replay, which
 * shows a journal rather than resuming it, may use another). */
static void test_journal_of_another_topology_is_refused(void **st)
{
    (void)st;
    struct drv *a = drv_pool8("", "");
    first_domain_running(a);
    assert_non_null(strstr(a->recs[0].detail, ", topology "));
    struct drv *b = mk(INI_HEAD "[servers]\n"
                       "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"
                       "fe03.contoso.com = UpgradeDomain2\nfe04.contoso.com = UpgradeDomain2\n"
                       "fe05.contoso.com = UpgradeDomain3\nfe06.contoso.com = UpgradeDomain3\n"
                       "fe07.contoso.com = UpgradeDomain4\nfe08.contoso.com = UpgradeDomain3\n"
                       INI_TIMING);
    char err[512] = "";
    assert_int_equal(engine_restore(b->e, &a->recs[0], err, sizeof err), -1);
    assert_non_null(strstr(err, "another topology of pool01.contoso.com"));
    engine_restore_lenient(b->e);
    assert_int_equal(engine_restore(b->e, &a->recs[0], err, sizeof err), 0);
    drv_destroy(b);
    /* the same topology written in other letter cases is the same pool */
    b = mk("[pool]\nfqdn = POOL01.contoso.com\nprofile = lync2013\n[servers]\n"
           "FE01.contoso.com = UpgradeDomain1\nfe02.contoso.com = upgradedomain1\n"
           "fe03.contoso.com = UpgradeDomain2\nfe04.contoso.com = UpgradeDomain2\n"
           "fe05.contoso.com = UpgradeDomain3\nfe06.contoso.com = UpgradeDomain3\n"
           "fe07.contoso.com = UpgradeDomain4\nfe08.contoso.com = UpgradeDomain4\n" INI_TIMING);
    assert_int_equal(engine_restore(b->e, &a->recs[0], err, sizeof err), 0);
    drv_destroy(b);
    drv_destroy(a);
}

/* class 3: quorum applies while failed over.  Four Front Ends (quorum 2):
 * UpgradeDomain1 holds three of them and can never go down at once. */
static void test_quorum_applies_while_failed_over(void **st)
{
    (void)st;
    struct drv *d = mk(INI_HEAD DRV_DR "[servers]\n"
                       "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"
                       "fe03.contoso.com = UpgradeDomain1\nfe04.contoso.com = UpgradeDomain2\n"
                       INI_TIMING);
    drv_start(d);
    assert_non_null(strstr(d->recs[0].detail, "quorum lync"));   /* the rule in force */
    busy_three_times(d);
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish(d, drv_find(d, PP_CMD_FAILOVER, -1), PP_RES_OK, NULL, "done");
    assert_true(d->m.failed_over);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(d->m.ask_domain, model_find_domain(&d->m, "UpgradeDomain2"));
    assert_non_null(strstr(d->m.ask_text, "quorum still applies"));
    drv_destroy(d);
}

/* class 11: a domain simply too large for the quorum is said to be that
 * (UpgradeDomain2, the only other one, is not ReadyForUpgrade). */
static void test_quorum_refusal_says_the_domain_is_too_large(void **st)
{
    (void)st;
    struct drv *d = mk(INI_HEAD "[servers]\n"
                       "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"
                       "fe03.contoso.com = UpgradeDomain1\nfe04.contoso.com = UpgradeDomain2\n"
                       INI_TIMING);
    drv_start(d);
    int i = drv_find(d, PP_CMD_READINESS, -2);
    assert_true(i >= 0);
    struct pp_readiness r;
    drv_readiness(d, PP_READY_READY, model_find_domain(&d->m, "UpgradeDomain2"), &r);
    drv_finish(d, i, PP_RES_OK, &r, "");
    readiness_free(&r);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_non_null(strstr(d->m.ask_text, "UpgradeDomain1 cannot start"));
    assert_non_null(strstr(d->m.ask_text, "too large"));
    assert_null(strstr(d->m.ask_text, "mark them done"));
    drv_destroy(d);
}

/* class 11: the readiness check runs on a Front End outside the domain
 * about to start (README: "on a Front End that is up and outside the
 * domain being upgraded"), the first one included, and each later one
 * outside the next domain too. */
static void test_check_runs_outside_the_next_domain(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    drv_start(d);
    int i = drv_find(d, PP_CMD_READINESS, -2);
    assert_true(i >= 0);
    int ud1 = model_find_domain(&d->m, "UpgradeDomain1");
    assert_true(d->m.servers[d->runs[i].server].domain != ud1);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(d->m.ask_domain, ud1);
    /* the operator picks UpgradeDomain3: the recheck avoids it */
    drv_op(d, PP_OP_CHOOSE, "UpgradeDomain3");
    drv_op(d, PP_OP_RECHECK, NULL);
    i = drv_find(d, PP_CMD_READINESS, -2);
    assert_true(i >= 0);
    assert_true(d->m.servers[d->runs[i].server].domain !=
                model_find_domain(&d->m, "UpgradeDomain3"));
    drv_destroy(d);
}

/* ... but while a domain is in flight a recheck (which decides nothing)
 * runs outside that domain only: in a two-domain pool that is the other
 * domain, and the operator is not stopped with a question. */
static void test_recheck_during_a_domain_runs_outside_it(void **st)
{
    (void)st;
    struct drv *d = mk(INI_HEAD "[servers]\n"
                       "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"
                       "fe03.contoso.com = UpgradeDomain2\nfe04.contoso.com = UpgradeDomain2\n"
                       INI_TIMING);
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_true(d->m.active_domain >= 0);
    int active = d->m.active_domain;
    drv_op(d, PP_OP_RECHECK, NULL);
    int i = drv_find(d, PP_CMD_READINESS, -2);
    assert_true(i >= 0);
    assert_true(d->m.servers[d->runs[i].server].domain != active);
    assert_int_not_equal(d->m.ask, PP_ASK_OPERATOR);
    drv_destroy(d);
}

/* class 11: a pool whose Front Ends are all in the domain to start next has
 * nowhere to run the check: the operator is told so and asked, nothing
 * runs on a server that is about to be drained. */
static void test_check_with_no_server_outside_asks(void **st)
{
    (void)st;
    struct drv *d = mk("[pool]\nfqdn = pool01.contoso.com\nprofile = custom\nquorum = none\n"
                       "[servers]\nfe01.contoso.com = UpgradeDomain1\n"
                       "fe02.contoso.com = UpgradeDomain1\n"
                       "[commands]\nreadiness = r\ndrain = d\nupgrade = u\nrestart = x\n"
                       "verify = v\n");
    drv_start(d);
    assert_int_equal(drv_find(d, PP_CMD_READINESS, -2), -1);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_non_null(strstr(d->m.ask_text, "in UpgradeDomain1, the domain to start next"));
    assert_non_null(strstr(d->m.ask_text, "override proceed"));
    drv_destroy(d);
}

/* class 9: settle = 0 with a fabric check: the settle timer must not wake
 * the console while the fabric read runs (it spun at 100 % CPU). */
static void test_settle_zero_does_not_spin(void **st)
{
    (void)st;
    struct drv *d = mk("[pool]\nfqdn = pool01.contoso.com\nprofile = custom\n[servers]\n"
                       "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain2\n"
                       "fe03.contoso.com = UpgradeDomain3\n"
                       "[timing]\nsettle = 0s\n"
                       "[commands]\nreadiness = r\ndrain = d\nupgrade = u\nrestart = x\n"
                       "verify = v\nfabric = f\n");
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    drv_op(d, PP_OP_CONFIRM, NULL);
    for (int it = 0; it < 20 && drv_count(d, "domain-done") == 0; it++)
        drv_finish_all_ok(d);
    assert_int_equal(drv_count(d, "domain-done"), 1);
    drv_answer_check(d, PP_READY_READY);
    assert_true(drv_find(d, PP_CMD_FABRIC, -2) >= 0);
    assert_true(engine_next_wake(d->e) > d->now);
    drv_finish(d, drv_find(d, PP_CMD_FABRIC, -2), PP_RES_OK, NULL, "fine");
    assert_true(engine_next_wake(d->e) <= d->now);   /* now the settle wait is over */
    drv_destroy(d);
}

/* The gate itself: a caller that put a question and forgot that the pool's
 * answer changed since (simulated by changing the state behind it) is
 * refused, and the refusal is journaled. */
static void test_gate_refuses_whatever_asked(void **st)
{
    (void)st;
    struct drv *d = drv_pool8("", "");
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    d->m.readiness = PP_READY_BUSY;
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(drv_count(d, "domain-start"), 0);
    const struct pp_jrec *r = drv_last(d, "refused");
    assert_non_null(r);
    assert_string_equal(r->action, "domain-start");
    assert_non_null(strstr(r->reason, "readiness gate"));
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    drv_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_override_done_other_domain_releases_no_second),
        cmocka_unit_test(test_override_done_other_domain_with_yes_and_failed_verify),
        cmocka_unit_test(test_override_that_changes_nothing_is_refused),
        cmocka_unit_test(test_proceed_refused_while_failover_runs),
        cmocka_unit_test(test_answer_to_replaced_question_is_refused),
        cmocka_unit_test(test_quorum_margin_uses_the_pools_own_count),
        cmocka_unit_test(test_answer_not_describing_the_pool_is_unknown),
        cmocka_unit_test(test_busy_strikes_survive_a_resume),
        cmocka_unit_test(test_busy_series_survives_a_resume_inside_a_domain),
        cmocka_unit_test(test_busy_while_stopping_counts_after_the_resume),
        cmocka_unit_test(test_quorum_applies_while_failed_over),
        cmocka_unit_test(test_other_pools_journal_is_refused),
        cmocka_unit_test(test_journal_of_another_topology_is_refused),
        cmocka_unit_test(test_quorum_refusal_says_the_domain_is_too_large),
        cmocka_unit_test(test_check_runs_outside_the_next_domain),
        cmocka_unit_test(test_check_with_no_server_outside_asks),
        cmocka_unit_test(test_recheck_during_a_domain_runs_outside_it),
        cmocka_unit_test(test_settle_zero_does_not_spin),
        cmocka_unit_test(test_gate_refuses_whatever_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
