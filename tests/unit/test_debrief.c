/* The training debrief (decisions, departures from the expected path, the
 * report sections) and the trainer's fault plans.  Journals are made by
 * the real engine driven with a fake clock, then folded record by record. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/journal/checklist.h"
#include "backend/training/debrief.h"
#include "backend/history/report.h"
#include "backend/training/trainer.h"
#include "tests/unit/helpers.h"
#include "tests/unit/helpers/engine_driver.h"

#define POOL4                                                                                    \
    "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n%s"                                  \
    "[servers]\n"                                                                                \
    "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"                     \
    "fe03.contoso.com = UpgradeDomain2\nfe04.contoso.com = UpgradeDomain2\n"                     \
    "[timing]\nbusy_retry = 10m\nsettle = 20m\ndrain_timeout = 30m\n"

#define DR "backup_pool = pool02.contoso.com\nfailover_on = fe01.pool02.contoso.com\n"

static struct drv *mk(const char *extra)
{
    struct drv *d = malloc(sizeof *d);
    char ini[4096];
    snprintf(ini, sizeof ini, POOL4, extra);
    drv_init(d, ini);
    return d;
}

static void done(struct drv *d)
{
    drv_free(d);
    free(d);
}

/* Folds the driver's journal (ts from the fake clock, RFC 3339). */
static struct pp_debrief *fold(const struct drv *d, const struct pp_config *cfg)
{
    struct pp_debrief *db = debrief_new(cfg);
    assert_non_null(db);
    for (int i = 0; i < d->nrec; i++) {
        struct pp_jrec r = d->recs[i];
        journal_format_ts(1798441200000LL + atoll(d->recs[i].ts), r.ts, sizeof r.ts);
        assert_int_equal(debrief_add(db, &r), 0);
    }
    debrief_finish(db);
    return db;
}

static bool has_note(const struct pp_debrief *db, bool departure, const char *text)
{
    for (int i = 0; i < db->nnotes; i++)
        if (db->notes[i].departure == departure && strstr(db->notes[i].text, text))
            return true;
    return false;
}

static void test_clean_run(void **st)
{
    (void)st;
    struct drv *d = mk("");
    drv_start(d);
    assert_true(drv_autorun(d, 10000) > 0);
    struct pp_debrief *db = fold(d, &d->cfg);
    assert_string_equal(db->result, "complete");
    assert_int_equal(db->ndec, 2);   /* two domains confirmed */
    assert_string_equal(db->dec[0].subject, "start UpgradeDomain1");
    assert_string_equal(db->dec[0].operator_, "tester");
    assert_true(db->dec[1].at > db->dec[0].at);
    assert_int_equal(db->departures, 0);
    assert_true(db->took > 0);
    done(d);
    debrief_free(db);
}

static void to_domain(struct drv *d)
{
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    drv_op(d, PP_OP_CONFIRM, NULL);
}

static void test_failed_verify_retry_vs_done(void **st)
{
    (void)st;
    for (int variant = 0; variant < 2; variant++) {
        struct drv *d = mk("");
        to_domain(d);
        drv_finish_all_ok(d);
        drv_finish_all_ok(d);
        drv_finish_all_ok(d);
        int i = drv_find(d, PP_CMD_VERIFY, 1);
        drv_finish(d, i, PP_RES_FAILED, NULL, "port 5061 refused");
        if (variant == 0)
            drv_override(d, PP_OV_RETRY, "fe02.contoso.com", "RTCSRV was slow, checked by hand");
        else
            drv_override(d, PP_OV_DONE, "fe02.contoso.com", "it is fine, trust me");
        struct pp_debrief *db = fold(d, &d->cfg);
        /* the override is a decision with its reason, either way */
        const struct pp_db_decision *last = &db->dec[db->ndec - 1];
        assert_string_equal(last->event, "override");
        if (variant == 0) {
            assert_string_equal(last->subject, "retry fe02.contoso.com (verify)");
            assert_int_equal(db->departures, 0);
        } else {
            assert_string_equal(last->reason, "it is fine, trust me");
            assert_int_equal(db->departures, 1);
            assert_true(has_note(db, true, "marked fe02.contoso.com done by hand after its "
                                           "verify did not end ok"));
        }
        /* not finished: the debrief says so */
        assert_string_equal(db->result, "unfinished");
        assert_true(has_note(db, false, "the journal ends while the run was still going"));
        debrief_free(db);
        done(d);
    }
}

static void test_pool_problems(void **st)
{
    (void)st;
    /* paired: declining the failover is a departure */
    struct drv *d = mk(DR);
    drv_start(d);
    drv_answer_check(d, PP_READY_INSUFFICIENT);
    drv_op(d, PP_OP_DECLINE, NULL);
    drv_op(d, PP_OP_QUIT, NULL);
    struct pp_debrief *db = fold(d, &d->cfg);
    assert_true(has_note(db, true, "declined the failover"));
    assert_true(has_note(db, true, "stopped before the end"));
    assert_string_equal(db->result, "stopped");
    debrief_free(db);
    done(d);

    /* not paired: stopping is the expected answer, proceeding is not */
    d = mk("");
    drv_start(d);
    drv_answer_check(d, PP_READY_INSUFFICIENT);
    drv_op(d, PP_OP_QUIT, NULL);
    db = fold(d, &d->cfg);
    assert_int_equal(db->departures, 0);
    assert_true(has_note(db, false, "stopped at a pool problem without a DR pair"));
    debrief_free(db);
    done(d);

    d = mk("");
    drv_start(d);
    drv_answer_check(d, PP_READY_INSUFFICIENT);
    drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "the change window closes soon");
    db = fold(d, &d->cfg);
    assert_int_equal(db->departures, 1);
    assert_true(has_note(db, true, "override proceed on the pool"));
    debrief_free(db);
    done(d);
}

static void test_force_and_injection(void **st)
{
    (void)st;
    struct drv *d = mk("");
    to_domain(d);
    /* forcing a drain that has not overrun drops sessions without need */
    drv_override(d, PP_OV_FORCE, "fe01.contoso.com", "impatient");
    struct pp_debrief *db = fold(d, &d->cfg);
    assert_true(has_note(db, true, "forced fe01.contoso.com's drain before drain_timeout"));
    debrief_free(db);
    done(d);

    d = mk("");
    to_domain(d);
    int i = drv_find(d, PP_CMD_DRAIN, 0);
    drv_finish(d, i, PP_RES_TIMEOUT, NULL, "still Paused");
    drv_override(d, PP_OV_FORCE, "fe01.contoso.com", "the drain overran: a long meeting");
    /* an injected fault, as the trainer's note records it */
    struct pp_jrec note = {.seq = d->nrec + 1};
    snprintf(note.ts, sizeof note.ts, "%lld", (long long)d->now);
    snprintf(note.event, sizeof note.event, "note");
    snprintf(note.action, sizeof note.action, "inject");
    snprintf(note.detail, sizeof note.detail, "fe03.contoso.com's verify fails (the next time it runs)");
    d->recs[d->nrec++] = note;
    db = fold(d, &d->cfg);
    assert_int_equal(db->departures, 0);
    assert_int_equal(db->injected, 1);
    assert_true(has_note(db, false, "the trainer injected a fault: fe03.contoso.com's verify"));
    debrief_free(db);
    done(d);
}

static void test_scenario_expectations_and_reports(void **st)
{
    (void)st;
    struct pp_config cfg;
    struct pp_diag dg = {0};
    assert_int_equal(config_load_scenario(&cfg, "stuck-drain", &dg), 0);
    struct pp_debrief *db = debrief_new(&cfg);
    assert_string_equal(db->scenario, "stuck-drain");
    assert_non_null(strstr(db->expect, "fe05"));
    assert_non_null(strstr(db->faults, "fe05.contoso.com's drain hangs: expected answer, "
                                       "override force (or retry)"));
    /* a few records of a real shape, then the reports */
    const char *lines[] = {
        "{\"seq\":1,\"ts\":\"2026-11-27T07:00:00.000Z\",\"operator\":\"amy\",\"event\":\"start\"}",
        "{\"seq\":2,\"ts\":\"2026-11-27T07:01:00.000Z\",\"operator\":\"amy\",\"event\":\"confirm\","
        "\"domain\":\"UpgradeDomain1\",\"state\":\"domain\",\"reason\":\"auto (--yes)\"}",
        "{\"seq\":3,\"ts\":\"2026-11-27T07:30:00.000Z\",\"operator\":\"amy\",\"event\":\"override\","
        "\"domain\":\"UpgradeDomain1\",\"server\":\"fe01.contoso.com\",\"step\":\"drain\","
        "\"action\":\"skip\",\"reason\":\"a | pipe and *stars*\"}",
        "{\"seq\":4,\"ts\":\"2026-11-27T08:02:03.000Z\",\"operator\":\"amy\",\"event\":\"stop\","
        "\"reason\":\"operator quit\"}",
    };
    for (int i = 0; i < 4; i++) {
        struct pp_jrec r;
        char err[256];
        assert_int_equal(jrec_parse(lines[i], strlen(lines[i]), &r, err, sizeof err), 0);
        assert_int_equal(debrief_add(db, &r), 0);
    }
    debrief_finish(db);
    assert_int_equal(db->took, 3723000);
    assert_int_equal(db->auto_confirms, 1);
    assert_true(db->dec[0].automatic);
    assert_int_equal(db->departures, 2);   /* the skip, the early stop */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(debrief_write_md(f, db), 0);
    fclose(f);
    assert_non_null(strstr(buf, "## Debrief (training)"));
    assert_non_null(strstr(buf, "Time taken: 1h02m03s"));
    assert_non_null(strstr(buf, "a \\| pipe and \\*stars\\*"));   /* escaped */
    assert_non_null(strstr(buf, "### Departures from the expected path (2)"));
    free(buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(debrief_write_json(f, db), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"took_ms\":3723000"));
    assert_non_null(strstr(buf, "\"automatic\":true"));
    assert_non_null(strstr(buf, "\"departures\":[{\"seq\":3,"));
    free(buf);
    debrief_free(db);
    config_free(&cfg);
    diag_free(&dg);
}

static void count_line(void *ctx, const char *line)
{
    (void)line;
    ++*(int *)ctx;
}

static void test_lines(void **st)
{
    (void)st;
    struct drv *d = mk("");
    drv_start(d);
    assert_true(drv_autorun(d, 10000) > 0);
    struct pp_debrief *db = fold(d, &d->cfg);
    int n = 0;
    debrief_lines(db, count_line, &n);
    /* title, time, decisions header + 2, "no departures" */
    assert_int_equal(n, 6);
    debrief_free(db);
    done(d);
}

static void test_trainer_plans(void **st)
{
    (void)st;
    struct drv *d = mk("");
    struct pp_inject_plan p;
    char why[256];
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    /* nothing runs: the next domain's first server, armed for later */
    assert_int_equal(trainer_plan(&d->m, PP_INJ_HANG, NULL, NULL, &p, why, sizeof why), 0);
    assert_int_equal(p.server, 0);
    assert_int_equal(p.step, PP_STEP_DRAIN);
    assert_int_equal(p.cmd, PP_CMD_DRAIN);
    assert_false(p.now);
    assert_string_equal(p.text, "fe01.contoso.com's drain hangs until its timeout (the next time it runs)");
    assert_int_equal(trainer_plan(&d->m, PP_INJ_FAIL, "fe02.contoso.com", NULL, &p, why, sizeof why), 0);
    assert_int_equal(p.step, PP_STEP_VERIFY);
    assert_int_equal(p.cmd, PP_CMD_VERIFY);
    /* running: the step in progress, now */
    drv_op(d, PP_OP_CONFIRM, NULL);
    drv_finish_all_ok(d);
    assert_int_equal(trainer_plan(&d->m, PP_INJ_DROP, "fe02.contoso.com", NULL, &p, why, sizeof why), 0);
    assert_int_equal(p.step, PP_STEP_UPGRADE);
    assert_true(p.now);
    assert_string_equal(p.text, "the connection to fe02.contoso.com drops during its upgrade (now)");
    assert_int_equal(trainer_plan(&d->m, PP_INJ_BUSY, NULL, NULL, &p, why, sizeof why), 0);
    assert_int_equal(p.server, -1);
    assert_int_equal(p.cmd, PP_CMD_READINESS);
    /* refusals say why */
    assert_int_equal(trainer_plan(&d->m, PP_INJ_DROP, "nope.contoso.com", NULL, &p, why, sizeof why), -1);
    assert_non_null(strstr(why, "not a server"));
    assert_int_equal(trainer_plan(&d->m, PP_INJ_FAIL, NULL, "reboot", &p, why, sizeof why), -1);
    assert_int_equal(trainer_plan(&d->m, PP_INJ_NEVER_RETURNS, NULL, "drain", &p, why, sizeof why), -1);
    assert_int_equal(trainer_plan(&d->m, PP_INJ_BUSY, "fe01.contoso.com", NULL, &p, why, sizeof why), -1);
    assert_int_equal(trainer_inject_parse("never-returns"), PP_INJ_NEVER_RETURNS);
    assert_int_equal(trainer_inject_parse("Busy"), PP_INJ_BUSY);
    assert_int_equal(trainer_inject_parse("meteor"), -1);
    done(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_run),
        cmocka_unit_test(test_failed_verify_retry_vs_done),
        cmocka_unit_test(test_pool_problems),
        cmocka_unit_test(test_force_and_injection),
        cmocka_unit_test(test_scenario_expectations_and_reports),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_trainer_plans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
