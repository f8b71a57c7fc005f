/* Replay: a journal read back and stepped through.  Journals come from the
 * repository's vectors (a run written by hand, with words the engine does
 * not use) and from the real engine driven through a scenario, so the
 * model rebuilt at each record can be checked against what the engine had. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/history/replay.h"
#include "backend/training/walkthrough.h"
#include "tests/unit/helpers.h"
#include "tests/unit/helpers/engine_driver.h"

#define POOL8                                                                                    \
    "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n"                                     \
    "backup_pool = pool02.contoso.com\nfailover_on = fe01.pool02.contoso.com\n"                  \
    "[servers]\n"                                                                                \
    "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"                     \
    "fe03.contoso.com = UpgradeDomain2\nfe04.contoso.com = UpgradeDomain2\n"                     \
    "fe05.contoso.com = UpgradeDomain3\nfe06.contoso.com = UpgradeDomain3\n"                     \
    "fe07.contoso.com = UpgradeDomain4\nfe08.contoso.com = UpgradeDomain4\n"                     \
    "[timing]\nbusy_retry = 10m\nsettle = 20m\n"

/* Writes the driver's records as a journal (ts from the fake clock). */
static const char *write_journal(const struct drv *d, const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < d->nrec; i++) {
        struct pp_jrec r = d->recs[i];
        journal_format_ts(1798441200000LL + atoll(d->recs[i].ts), r.ts, sizeof r.ts);
        char line[4096];
        assert_true(jrec_format(&r, line, sizeof line) > 0);
        fputs(line, f);
    }
    fclose(f);
    return path;
}

/* Busy three times, failover, then every domain and the failback. */
static struct drv *busy_failover_run(void)
{
    struct drv *d = malloc(sizeof *d);
    drv_init(d, POOL8);
    drv_start(d);
    for (int k = 0; k < 3; k++) {
        drv_advance(d, 20000);
        drv_answer_check(d, PP_READY_BUSY);
        if (k < 2)
            drv_wake(d);
    }
    assert_int_equal(d->m.ask, PP_ASK_FAILOVER);
    assert_true(drv_autorun(d, 20000) > 0);
    assert_int_equal(d->exit_code, 0);
    return d;
}

static int find_event(const struct pp_replay *rp, const char *ev, int from)
{
    for (int i = from; i < replay_count(rp); i++)
        if (!strcmp(replay_record(rp, i)->event, ev))
            return i;
    return -1;
}

static void test_engine_journal_derived(void **st)
{
    (void)st;
    struct drv *d = busy_failover_run();
    const char *path = write_journal(d, "busy.jsonl");
    char warn[256], err[512];
    struct pp_replay *rp = replay_open(path, NULL, warn, sizeof warn, err, sizeof err);
    assert_non_null(rp);
    assert_string_equal(replay_source(rp), "the journal");
    assert_int_equal(replay_count(rp), d->nrec);
    const struct pp_model *m = replay_model(rp);
    assert_string_equal(m->fqdn, "pool01.contoso.com");
    assert_string_equal(m->profile, "lync2013");
    assert_int_equal(m->nservers, 8);
    assert_string_equal(m->backup_pool, "pool02.contoso.com");   /* from the failover record */
    assert_int_equal(m->ndomains, 4);

    /* after the second Busy answer: strike 2, a countdown of 10 minutes */
    int r2 = find_event(rp, "readiness", find_event(rp, "readiness", 0) + 1);
    assert_true(r2 > 0);
    replay_seek(rp, r2 + 2);   /* the readiness and its wait record */
    m = replay_model(rp);
    assert_int_equal(m->phase, PP_PH_BUSY_WAIT);
    assert_int_equal(m->busy_strikes, 2);
    assert_int_equal(m->next_check - m->now, 600000);
    struct pp_walk w;
    walkthrough_explain(m, replay_config(rp), replay_now(rp), &w);
    assert_string_equal(w.topic, "busy-wait");

    /* just before the failover confirm: the question is back, and explained */
    int c = find_event(rp, "confirm", 0);
    assert_string_equal(replay_record(rp, c)->state, "failover");
    replay_seek(rp, c);
    m = replay_model(rp);
    assert_int_equal(m->phase, PP_PH_PROBLEM);
    assert_int_equal(m->ask, PP_ASK_FAILOVER);
    walkthrough_explain(m, replay_config(rp), replay_now(rp), &w);
    assert_string_equal(w.topic, "failover-ask");

    /* a domain in progress: servers as the engine had them */
    int ds = find_event(rp, "domain-start", 0);
    replay_seek(rp, find_event(rp, "step-start", ds) + 1);
    m = replay_model(rp);
    assert_int_equal(m->phase, PP_PH_DOMAIN);
    assert_true(m->failed_over);
    /* the derived topology lists servers as the records first name them:
     * look fe01 up */
    int fe01 = model_find_server(m, "fe01.contoso.com");
    assert_true(fe01 >= 0);
    assert_int_equal(m->servers[fe01].state, PP_SRV_RUNNING);
    assert_int_equal(m->servers[fe01].step, PP_STEP_DRAIN);

    /* the end */
    replay_seek(rp, replay_count(rp));
    m = replay_model(rp);
    assert_int_equal(m->phase, PP_PH_COMPLETE);
    assert_int_equal(m->domains_done, 4);
    for (int i = 0; i < m->nservers; i++)
        assert_int_equal(m->servers[i].state, d->m.servers[i].state);
    assert_true(m->failed_back);
    /* output: the pool's lines end with the current record; stepping
     * forward adds lines, stepping back rebuilds them */
    const struct pp_outbuf *o = replay_output(rp, -1);
    assert_non_null(o);
    assert_int_equal(outbuf_count(o), replay_count(rp));
    assert_non_null(strstr(outbuf_last(o), "complete"));
    replay_seek(rp, 3);
    o = replay_output(rp, -1);
    assert_int_equal(outbuf_count(o), 3);
    replay_seek(rp, 5);
    o = replay_output(rp, -1);
    assert_int_equal(outbuf_count(o), 5);
    assert_non_null(strstr(outbuf_last(o), replay_record(rp, 4)->event));
    /* forward from 3 to 5 gives the model a rebuild from 0 would */
    struct pp_model a = *replay_model(rp);
    replay_seek(rp, 0);
    replay_seek(rp, 5);
    const struct pp_model *b = replay_model(rp);
    assert_int_equal(a.phase, b->phase);
    assert_int_equal(a.busy_strikes, b->busy_strikes);
    assert_int_equal(a.next_check, b->next_check);
    replay_free(rp);
    drv_free(d);
    free(d);
}

/* A lab journal (profile = custom with the lync2013 commands) replayed
 * without its config: the quorum rule and the timings come from its start
 * record, not from custom's defaults. */
static void test_lab_journal_keeps_its_rule_and_timings(void **st)
{
    (void)st;
    struct drv *d = malloc(sizeof *d);
    drv_init(d, "[pool]\nfqdn = pool01.contoso.com\nprofile = custom\ncommands_from = lync2013\n"
                "[servers]\n"
                "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"
                "fe03.contoso.com = UpgradeDomain2\nfe04.contoso.com = UpgradeDomain2\n"
                "[timing]\nbusy_retry = 2s\nbusy_strikes = 4\nsettle = 1s\n");
    drv_start(d);
    assert_true(drv_autorun(d, 20000) > 0);
    assert_int_equal(d->exit_code, 0);
    const char *path = write_journal(d, "lab.jsonl");
    char warn[256], err[512];
    struct pp_replay *rp = replay_open(path, NULL, warn, sizeof warn, err, sizeof err);
    if (!rp)
        fail_msg("%s", err);
    const struct pp_config *c = replay_config(rp);
    assert_string_equal(c->profile, "custom");
    assert_int_equal(c->quorum, PP_QUORUM_LYNC);   /* custom alone would count a majority */
    assert_int_equal(c->timing.busy_retry, 2000);
    assert_int_equal(c->timing.busy_strikes, 4);
    assert_int_equal(c->timing.settle, 1000);
    replay_seek(rp, replay_count(rp));
    assert_int_equal(replay_model(rp)->phase, PP_PH_COMPLETE);
    replay_free(rp);
    drv_free(d);
    free(d);
}

static void test_decision_jumps(void **st)
{
    (void)st;
    struct drv *d = busy_failover_run();
    const char *path = write_journal(d, "jumps.jsonl");
    char warn[256], err[512];
    struct pp_replay *rp = replay_open(path, NULL, warn, sizeof warn, err, sizeof err);
    assert_non_null(rp);
    assert_int_equal(replay_pos(rp), 1);
    /* the first decision is the pool problem, then the failover confirm */
    int p = replay_find_decision(rp, 1);
    assert_true(p > 0);
    assert_string_equal(replay_record(rp, p - 1)->event, "pool-problem");
    replay_seek(rp, p);
    p = replay_find_decision(rp, 1);
    assert_string_equal(replay_record(rp, p - 1)->event, "confirm");
    replay_seek(rp, p);
    int back = replay_find_decision(rp, -1);
    assert_string_equal(replay_record(rp, back - 1)->event, "pool-problem");
    /* walking every decision to the end, then none */
    int n = 0;
    while ((p = replay_find_decision(rp, 1)) > 0) {
        assert_true(replay_is_decision(replay_record(rp, p - 1)));
        replay_seek(rp, p);
        n++;
    }
    assert_true(n >= 5);   /* four domains and the failback confirmed */
    assert_int_equal(replay_seek(rp, 99999), replay_count(rp));
    assert_int_equal(replay_seek(rp, -3), 0);
    replay_free(rp);
    drv_free(d);
    free(d);
}

static void test_config_given_and_mismatch(void **st)
{
    (void)st;
    struct drv *d = busy_failover_run();
    const char *path = write_journal(d, "cfg.jsonl");
    char warn[256], err[512];
    struct pp_replay *rp = replay_open(path, &d->cfg, warn, sizeof warn, err, sizeof err);
    assert_non_null(rp);
    assert_string_equal(replay_source(rp), "the config");
    assert_ptr_equal(replay_config(rp), &d->cfg);
    replay_free(rp);

    struct pp_config other;
    struct pp_diag dg = {0};
    assert_int_equal(config_load_string(&other, "other.ini",
                                        "[pool]\nfqdn = p.contoso.com\nprofile = lync2013\n"
                                        "[servers]\nfe01.contoso.com = UpgradeDomain1\n", &dg), 0);
    rp = replay_open(path, &other, warn, sizeof warn, err, sizeof err);
    assert_null(rp);
    assert_non_null(strstr(err, "does not fit other.ini"));
    /* the journal is bound to its pool (issue 14 class 8) */
    assert_non_null(strstr(err, "belongs to pool pool01.contoso.com"));
    config_free(&other);
    diag_free(&dg);
    drv_free(d);
    free(d);
}

static void test_vector_journal(void **st)
{
    (void)st;
    char warn[256], err[512];
    /* written by hand: its start record is not in the engine's words, so the
     * pool's name and profile are unknown, the servers are still found */
    struct pp_replay *rp = replay_open(test_src_path("tests/vectors/journal/good.jsonl"), NULL,
                                       warn, sizeof warn, err, sizeof err);
    assert_non_null(rp);
    assert_int_equal(replay_count(rp), 68);
    const struct pp_model *m = replay_model(rp);
    assert_int_equal(m->nservers, 6);
    replay_seek(rp, replay_count(rp));
    m = replay_model(rp);
    assert_int_equal(m->phase, PP_PH_COMPLETE);
    replay_free(rp);

    /* a corrupt journal fails like --status does */
    rp = replay_open(test_src_path("tests/vectors/journal/corrupt-middle.jsonl"), NULL, warn,
                     sizeof warn, err, sizeof err);
    assert_null(rp);
    assert_non_null(strstr(err, ":3:"));
    /* an empty one says so */
    char path[512];
    snprintf(path, sizeof path, "%s/empty.jsonl", test_tmpdir());
    fclose(fopen(path, "w"));
    rp = replay_open(path, NULL, warn, sizeof warn, err, sizeof err);
    assert_null(rp);
    assert_non_null(strstr(err, "no records"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_journal_derived),
        cmocka_unit_test(test_lab_journal_keeps_its_rule_and_timings),
        cmocka_unit_test(test_decision_jumps),
        cmocka_unit_test(test_config_given_and_mismatch),
        cmocka_unit_test(test_vector_journal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
