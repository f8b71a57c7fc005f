/* Regression tests found by the kill -9 matrix of a failed-over run
 * (tests/e2e/fault_kill9_failover.sh): resuming a journal written while
 * the pool was failed over to its DR pair, or while a failover / failback
 * ran.  Each test replays the first console's journal into a second engine,
 * as runner_start does after a crash, and checks what the resumed engine
 * does first.  See docs/HARDENING.md. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/helpers/engine_driver.h"

#define POOL8_DR                                                                                 \
    "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n"                                    \
    "backup_pool = pool02.contoso.com\nfailover_on = fe01.pool02.contoso.com\n"                  \
    "[servers]\n"                                                                                \
    "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"                     \
    "fe03.contoso.com = UpgradeDomain2\nfe04.contoso.com = UpgradeDomain2\n"                     \
    "fe05.contoso.com = UpgradeDomain3\nfe06.contoso.com = UpgradeDomain3\n"                     \
    "fe07.contoso.com = UpgradeDomain4\nfe08.contoso.com = UpgradeDomain4\n"                     \
    "[timing]\nbusy_retry = 10m\nsettle = 20m\n"

static struct drv *mk(void)
{
    struct drv *d = malloc(sizeof *d);
    assert_non_null(d);
    drv_init(d, POOL8_DR);
    return d;
}

static void done(struct drv *d)
{
    drv_free(d);
    free(d);
}

/* Busy three times, the operator confirms the failover: it is running. */
static void to_failover_running(struct drv *d)
{
    drv_start(d);
    for (int k = 0; k < 3; k++) {
        if (k)
            assert_true(drv_wake(d));
        drv_answer_check(d, PP_READY_BUSY);
    }
    assert_int_equal(d->m.ask, PP_ASK_FAILOVER);
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_true(drv_find(d, PP_CMD_FAILOVER, -1) >= 0);
}

/* A second engine that has replayed a's journal (a crash, then a restart). */
static struct drv *resume_from(const struct drv *a)
{
    struct drv *b = mk();
    char err[256];
    for (int i = 0; i < a->nrec; i++)
        assert_int_equal(engine_restore(b->e, &a->recs[i], err, sizeof err), 0);
    b->nrec = 0;
    drv_start(b);
    assert_string_equal(b->recs[0].event, "resume");
    return b;
}

/* The console died after "failover ok" was journaled.  The live engine goes
 * straight to the first domain question (no readiness gate while failed
 * over); the resumed one must do the same.  Found: engine.c start_resumed()
 * only handles the failed-over case when no domain is left, and otherwise
 * calls gate_begin_check(): the readiness gate runs again, and when the
 * pool is Busy, gate_problem() says "It is not paired for disaster
 * recovery" about a pool that is paired and failed over. */
static void test_resume_after_failover_skips_the_gate(void **st)
{
    (void)st;
    struct drv *a = mk();
    to_failover_running(a);
    drv_finish(a, drv_find(a, PP_CMD_FAILOVER, -1), PP_RES_OK, NULL, "failed over");
    assert_int_equal(a->m.ask, PP_ASK_START_DOMAIN);   /* the live engine */

    struct drv *b = resume_from(a);
    assert_true(b->m.failed_over);
    assert_int_equal(drv_find(b, PP_CMD_READINESS, -2), -1);
    assert_int_equal(b->m.ask, PP_ASK_START_DOMAIN);
    assert_non_null(strstr(b->m.ask_text, "failed over"));
    done(a);
    done(b);
}

/* Failed over, a domain done: the settle wait runs with its two fabric
 * checks (no readiness answer); then the next domain is offered. */
static void settle_failed_over(struct drv *d)
{
    assert_int_equal(d->m.phase, PP_PH_SETTLE);
    pp_ms until = d->m.settle_until;
    assert_true(until != PP_MS_NEVER);
    assert_int_equal(drv_finish_all_ok(d), 1);   /* fabric before */
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    while (drv_find(d, PP_CMD_FABRIC, -2) < 0)
        assert_true(drv_wake(d));
    assert_true(d->now >= until);
    assert_int_equal(drv_finish_all_ok(d), 1);   /* fabric after */
}

/* The same between two domains: UpgradeDomain1 done while failed over. */
static void test_resume_between_domains_while_failed_over(void **st)
{
    (void)st;
    struct drv *a = mk();
    to_failover_running(a);
    drv_finish(a, drv_find(a, PP_CMD_FAILOVER, -1), PP_RES_OK, NULL, "failed over");
    drv_op(a, PP_OP_CONFIRM, NULL);
    for (int k = 0; k < 4; k++)
        assert_int_equal(drv_finish_all_ok(a), 2);
    assert_int_equal(drv_count(a, "domain-done"), 1);
    /* the live engine: no readiness gate, but the settle wait (issue 11
     * item 6) */
    assert_int_equal(a->m.phase, PP_PH_SETTLE);
    assert_int_equal(drv_find(a, PP_CMD_READINESS, -2), -1);

    struct drv *b = resume_from(a);
    assert_int_equal(drv_find(b, PP_CMD_READINESS, -2), -1);
    assert_int_equal(b->m.phase, PP_PH_SETTLE);
    assert_int_not_equal(b->m.ask, PP_ASK_START_DOMAIN);
    settle_failed_over(b);
    assert_int_equal(b->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(b->m.ask_domain, 1);
    done(a);
    done(b);
}

/* The console died after "failback ok" and before "complete": every domain
 * is done and the pool is back.  The resumed run must end complete (exit
 * 0), not check readiness again.  Found: start_resumed() skips its
 * all-done branch when failed_back is set and calls gate_begin_check(); on
 * a Busy pool the run then stops with "not paired for disaster recovery". */
static void test_resume_after_failback_completes(void **st)
{
    (void)st;
    struct drv *a = mk();
    to_failover_running(a);
    drv_finish(a, drv_find(a, PP_CMD_FAILOVER, -1), PP_RES_OK, NULL, "failed over");
    assert_true(drv_autorun(a, 10000) > 0);
    assert_true(a->exited);
    assert_int_equal(a->exit_code, 0);
    /* drop the final "complete" record: the crash came just before it */
    assert_string_equal(a->recs[a->nrec - 1].event, "complete");
    a->nrec--;
    /* ... and before the Back End's open item (no backend configured) */
    assert_string_equal(a->recs[a->nrec - 1].event, "backend");
    a->nrec--;
    assert_string_equal(a->recs[a->nrec - 1].event, "failback");
    assert_string_equal(a->recs[a->nrec - 1].result, "ok");

    struct drv *b = resume_from(a);
    assert_int_equal(drv_find(b, PP_CMD_READINESS, -2), -1);
    assert_int_equal(drv_find(b, PP_CMD_FAILBACK, -1), -1);
    assert_true(b->exited);
    assert_int_equal(b->exit_code, 0);
    assert_int_equal(drv_count(b, "complete"), 1);
    done(a);
    done(b);
}

/* The console died while the failover command ran.  Its outcome is unknown
 * (the pool may be failed over or half so): like a step, it must not be
 * forgotten.  Found: engine_restore() ignores a "failover" record without
 * a result, so the resumed engine starts the readiness gate from scratch and
 * proposes (and, with --yes, runs) Invoke-CsPoolFailOver again without ever
 * saying the first one's outcome is unknown.  Expected here: the resumed
 * journal records the failover as "lost" before any command runs. */
static void test_resume_with_failover_in_flight_reports_it_lost(void **st)
{
    (void)st;
    struct drv *a = mk();
    to_failover_running(a);
    assert_string_equal(a->recs[a->nrec - 1].event, "failover");
    assert_string_equal(a->recs[a->nrec - 1].result, "");

    struct drv *b = resume_from(a);
    const struct pp_jrec *fo = drv_last(b, "failover");
    assert_non_null(fo);
    assert_string_equal(fo->result, "lost");
    assert_int_equal(drv_find(b, PP_CMD_FAILOVER, -1), -1);   /* not re-run blindly */
    assert_int_equal(drv_find(b, PP_CMD_READINESS, -2), -1);
    /* the pool's state is read first, then it is put to the operator */
    int p = drv_find(b, PP_CMD_POOL_STATE, -1);
    assert_true(p >= 0);
    drv_finish(b, p, PP_RES_OK, NULL, "PoolState=Active BackupPool=pool02.contoso.com");
    assert_int_equal(b->m.ask, PP_ASK_OPERATOR);
    done(a);
    done(b);
}

/* Issue 14 class 7: a failover lost to a console kill is probed, never
 * re-run blind, and --yes confirms nothing: not the question, not an
 * override.  Only an operator's override retry (target typed back, a
 * reason) runs Invoke-CsPoolFailOver again.  Failed on the old code: the
 * resumed engine asked PP_ASK_FAILOVER, which --yes confirmed, and the
 * failover ran again with no probe. */
static void test_lost_failover_probed_and_yes_does_not_rerun(void **st)
{
    (void)st;
    struct drv *a = mk();
    to_failover_running(a);
    struct drv *b = resume_from(a);
    assert_int_equal(drv_find(b, PP_CMD_FAILOVER, -1), -1);
    int p = drv_find(b, PP_CMD_POOL_STATE, -1);
    assert_true(p >= 0);
    assert_int_equal(b->m.ask, PP_ASK_NONE);   /* nothing to answer while it reads */
    drv_finish(b, p, PP_RES_OK, NULL, "PoolState=FailedOver BackupPool=pool02.contoso.com");
    const struct pp_jrec *pr = drv_last(b, "probe");
    assert_non_null(pr);
    assert_string_equal(pr->state, "pool");
    assert_string_equal(pr->action, "failover");
    assert_string_equal(pr->reason, "the probe reads the pool as failed over");
    /* the evidence is on screen, and the question is not a confirmation */
    assert_int_equal(b->m.ask, PP_ASK_OPERATOR);
    assert_false(model_ask_confirmable(b->m.ask));
    assert_non_null(strstr(b->m.ask_text, "PoolState=FailedOver"));
    assert_non_null(strstr(b->m.ask_text, "the console stopped"));
    assert_non_null(strstr(b->m.ask_text, "--yes answers none."));   /* not cut */
    /* --yes: a confirmation and an override marked automatic */
    struct pp_event ev = {.type = PP_EV_OPERATOR, .op = PP_OP_CONFIRM, .automatic = true,
                          .ask_id = b->m.ask_id};
    drv_event(b, &ev);
    ev = (struct pp_event){.type = PP_EV_OPERATOR, .op = PP_OP_OVERRIDE, .ov = PP_OV_RETRY,
                           .target = "pool01.contoso.com", .reason = "yes", .automatic = true};
    drv_event(b, &ev);
    assert_int_equal(drv_find(b, PP_CMD_FAILOVER, -1), -1);
    assert_int_equal(drv_count(b, "override"), 0);
    /* a recheck reads the state again; it runs nothing else */
    drv_op(b, PP_OP_RECHECK, NULL);
    p = drv_find(b, PP_CMD_POOL_STATE, -1);
    assert_true(p >= 0);
    assert_int_equal(drv_find(b, PP_CMD_READINESS, -2), -1);
    drv_finish(b, p, PP_RES_OK, NULL, "PoolState=FailingOver");
    assert_string_equal(drv_last(b, "probe")->reason,
                        "the probe cannot tell whether the pool is failed over");
    /* the operator's override retry, and only it, runs the failover again */
    drv_override(b, PP_OV_RETRY, "pool01.contoso.com", "registrar says FailingOver, rerun");
    assert_true(drv_find(b, PP_CMD_FAILOVER, -1) >= 0);
    assert_int_equal(drv_count(b, "override"), 1);
    done(a);
    done(b);
}

/* The operator reads the evidence and says the failover took effect
 * (override done on the pool): the domains go on without the gate, as
 * after a failover that ended ok, and a restart remembers it. */
static void test_lost_failover_operator_says_done(void **st)
{
    (void)st;
    struct drv *a = mk();
    to_failover_running(a);
    struct drv *b = resume_from(a);
    drv_finish(b, drv_find(b, PP_CMD_POOL_STATE, -1), PP_RES_OK, NULL, "PoolState=FailedOver");
    drv_override(b, PP_OV_DONE, "pool01.contoso.com", "registrar reads FailedOver");
    assert_true(b->m.failed_over);
    assert_int_equal(b->m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(drv_find(b, PP_CMD_FAILOVER, -1), -1);
    struct drv *c = resume_from(b);
    assert_true(c->m.failed_over);
    assert_int_equal(drv_find(c, PP_CMD_POOL_STATE, -1), -1);
    assert_int_equal(c->m.ask, PP_ASK_START_DOMAIN);
    done(a);
    done(b);
    done(c);
}

/* A failover that FAILED live (not lost) is probed too; and after the
 * operator says it did not happen (override skip), the next pool problem
 * does not offer a failover --yes could confirm: it already ran. */
static void test_failed_failover_probed_then_never_reoffered_to_yes(void **st)
{
    (void)st;
    struct drv *a = mk();
    to_failover_running(a);
    drv_finish(a, drv_find(a, PP_CMD_FAILOVER, -1), PP_RES_FAILED, NULL,
               "Invoke-CsPoolFailOver : Could not connect on port 9001");
    assert_int_equal(a->m.ask, PP_ASK_NONE);
    int p = drv_find(a, PP_CMD_POOL_STATE, -1);
    assert_true(p >= 0);
    drv_finish(a, p, PP_RES_FAILED, NULL, "Get-CsRegistrarConfiguration : access denied");
    assert_string_equal(drv_last(a, "probe")->reason,
                        "the probe cannot tell whether the pool is failed over");
    assert_int_equal(a->m.ask, PP_ASK_OPERATOR);
    drv_override(a, PP_OV_SKIP, "pool01.contoso.com", "checked by hand: Active");
    assert_false(a->m.failed_over);
    assert_int_equal(drv_find(a, PP_CMD_FAILOVER, -1), -1);
    /* a new series of checks: Busy three times again */
    drv_op(a, PP_OP_RECHECK, NULL);
    for (int k = 0; k < 3; k++) {
        if (k)
            assert_true(drv_wake(a));
        drv_answer_check(a, PP_READY_BUSY);
    }
    assert_int_equal(a->m.ask, PP_ASK_OPERATOR);   /* not PP_ASK_FAILOVER */
    assert_false(model_ask_confirmable(a->m.ask));
    /* after a restart too */
    struct drv *b = resume_from(a);
    assert_int_not_equal(b->m.ask, PP_ASK_FAILOVER);
    done(a);
    done(b);
}

/* The same for a failback in flight. */
static void test_resume_with_failback_in_flight_reports_it_lost(void **st)
{
    (void)st;
    struct drv *a = mk();
    to_failover_running(a);
    drv_finish(a, drv_find(a, PP_CMD_FAILOVER, -1), PP_RES_OK, NULL, "failed over");
    /* run every domain, then confirm the failback and crash while it runs */
    for (int dom = 0; dom < 4; dom++) {
        assert_int_equal(a->m.ask, PP_ASK_START_DOMAIN);
        drv_op(a, PP_OP_CONFIRM, NULL);
        for (int k = 0; k < 4; k++)
            assert_int_equal(drv_finish_all_ok(a), 2);
        if (dom < 3)
            settle_failed_over(a);
    }
    /* the failback needs a fresh Ready (issue 11 item 6) */
    assert_true(drv_find(a, PP_CMD_READINESS, -2) >= 0);
    drv_answer_check(a, PP_READY_READY);
    assert_int_equal(a->m.ask, PP_ASK_FAILBACK);
    drv_op(a, PP_OP_CONFIRM, NULL);
    assert_true(drv_find(a, PP_CMD_FAILBACK, -1) >= 0);
    assert_string_equal(a->recs[a->nrec - 1].event, "failback");

    struct drv *b = resume_from(a);
    const struct pp_jrec *fb = drv_last(b, "failback");
    assert_non_null(fb);
    assert_string_equal(fb->result, "lost");
    assert_int_equal(drv_find(b, PP_CMD_FAILBACK, -1), -1);
    assert_int_equal(drv_find(b, PP_CMD_READINESS, -2), -1);
    done(a);
    done(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_after_failover_skips_the_gate),
        cmocka_unit_test(test_resume_between_domains_while_failed_over),
        cmocka_unit_test(test_resume_after_failback_completes),
        cmocka_unit_test(test_resume_with_failover_in_flight_reports_it_lost),
        cmocka_unit_test(test_resume_with_failback_in_flight_reports_it_lost),
        cmocka_unit_test(test_lost_failover_probed_and_yes_does_not_rerun),
        cmocka_unit_test(test_lost_failover_operator_says_done),
        cmocka_unit_test(test_failed_failover_probed_then_never_reoffered_to_yes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
