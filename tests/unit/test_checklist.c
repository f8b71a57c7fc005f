/* The checklist: journal records folded into domains, servers, overrides. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/journal/checklist.h"
#include "tests/unit/helpers.h"

static const char *tmpdir(void)
{
    const char *d = test_tmpdir();
    assert_non_null(d);
    return d;
}

static struct pp_checklist *load_vector(const char *name, bool live)
{
    char rel[256], warn[1024], err[1024];
    struct pp_checklist *c = checklist_new();
    assert_non_null(c);
    snprintf(rel, sizeof rel, "tests/vectors/journal/%s", name);
    if (journal_read_file(test_src_path(rel), checklist_add_cb, c, warn, sizeof warn, err,
                          sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(warn, "");
    checklist_finish(c, live);
    return c;
}

static const struct pp_cl_server *srv(const struct pp_checklist *c, const char *name)
{
    for (int i = 0; i < c->nservers; i++)
        if (strcmp(c->servers[i].name, name) == 0)
            return &c->servers[i];
    fail_msg("no server %s", name);
    return NULL;
}

static void test_fold_good_run(void **state)
{
    (void)state;
    struct pp_checklist *c = load_vector("good.jsonl", false);

    assert_int_equal(c->records, 68);
    assert_int_equal(c->last_seq, 68);
    assert_string_equal(c->first_ts, "2026-11-27T07:14:24.123Z");
    assert_string_equal(c->start_ts, "2026-11-27T07:14:24.123Z");
    assert_string_equal(c->start_by, "jdoe");
    assert_int_equal(c->noperators, 2);
    assert_string_equal(c->operators[0], "jdoe");
    assert_string_equal(c->operators[1], "asmith");

    /* domains and servers in order of first appearance */
    assert_int_equal(c->ndomains, 3);
    assert_string_equal(c->domains[0].name, "UpgradeDomain1");
    assert_string_equal(c->domains[1].name, "UpgradeDomain2");
    assert_string_equal(c->domains[2].name, "UpgradeDomain3");
    assert_int_equal(c->nservers, 6);
    const char *order[] = {"fe01.contoso.com", "fe02.contoso.com", "fe03.contoso.com",
                           "fe04.contoso.com", "fe06.contoso.com", "fe05.contoso.com"};
    for (int i = 0; i < 6; i++)
        assert_string_equal(c->servers[i].name, order[i]);
    assert_int_equal(checklist_servers_in(c, 0), 2);
    assert_int_equal(checklist_servers_in(c, 1), 2);
    assert_int_equal(checklist_servers_in(c, 2), 2);
    assert_int_equal(checklist_servers_in(c, -1), 0);

    assert_int_equal(c->domains[0].state, PP_CL_DOM_DONE);
    assert_int_equal(c->domains[1].state, PP_CL_DOM_DONE);
    assert_int_equal(c->domains[2].state, PP_CL_DOM_DONE_EXCEPTIONS);
    assert_string_equal(c->domains[0].started, "2026-11-27T07:25:15.123Z");
    assert_string_equal(c->domains[0].finished, "2026-11-27T07:34:00.123Z");
    assert_string_equal(c->domains[0].by, "jdoe");
    assert_string_equal(c->domains[2].by, "asmith");

    for (int i = 0; i < 6; i++) {
        const struct pp_cl_server *s = &c->servers[i];
        if (strcmp(s->name, "fe06.contoso.com") == 0)
            continue;
        assert_int_equal(s->state, PP_CL_SRV_VERIFIED);
        for (int k = 0; k < PP_STEP_COUNT; k++) {
            assert_string_equal(s->steps[k].result, "ok");
            assert_false(s->steps[k].running);
        }
    }
    /* fe03: restart lost, probed, confirmed re-run, then ok */
    const struct pp_cl_server *s = srv(c, "fe03.contoso.com");
    assert_int_equal(s->steps[PP_STEP_RESTART].runs, 2);
    assert_string_equal(s->probe, "RTCSRV Running");
    assert_string_equal(s->finished, "2026-11-27T08:25:49.123Z");
    assert_string_equal(s->started, "2026-11-27T07:55:51.123Z");
    /* fe04: upgrade failed, retried by asmith */
    s = srv(c, "fe04.contoso.com");
    assert_int_equal(s->steps[PP_STEP_UPGRADE].runs, 2);
    assert_string_equal(s->steps[PP_STEP_UPGRADE].by, "asmith");
    assert_string_equal(s->by, "asmith");
    assert_string_equal(s->steps[PP_STEP_DRAIN].by, "jdoe");
    /* fe06: skipped with a reason that survived the journal intact */
    s = srv(c, "fe06.contoso.com");
    assert_int_equal(s->state, PP_CL_SRV_SKIPPED);
    assert_int_equal(s->domain, 2);
    assert_string_equal(s->reason, "硬體故障 (hardware fault), ticket \"CHG-4711\"");
    assert_string_equal(s->by, "asmith");
    assert_int_equal(s->steps[PP_STEP_DRAIN].runs, 0);

    /* every attempt stays on record: 6 servers x 4 steps - fe06 + 2 re-runs */
    assert_int_equal(c->nruns, 22);
    int failed = 0, lost = 0;
    for (int i = 0; i < c->nruns; i++) {
        const struct pp_cl_run *run = &c->runs[i];
        assert_false(run->running);
        if (strcmp(run->result, "failed") == 0) {
            failed++;
            assert_string_equal(c->servers[run->server].name, "fe04.contoso.com");
            assert_int_equal(run->step, PP_STEP_UPGRADE);
            assert_string_equal(run->detail, "LyncServerUpdateInstaller.exe exited with 1603");
            assert_string_equal(run->started, "2026-11-27T08:00:28.123Z");
            assert_string_equal(run->ended, "2026-11-27T08:16:28.123Z");
        } else if (strcmp(run->result, "lost") == 0) {
            lost++;
            assert_string_equal(c->servers[run->server].name, "fe03.contoso.com");
            assert_int_equal(run->step, PP_STEP_RESTART);
        } else
            assert_string_equal(run->result, "ok");
    }
    assert_int_equal(failed, 1);
    assert_int_equal(lost, 1);

    assert_int_equal(c->noverrides, 2);
    assert_string_equal(c->overrides[0].action, "retry");
    assert_string_equal(c->overrides[0].target, "fe04.contoso.com");
    assert_string_equal(c->overrides[0].operator_, "asmith");
    assert_int_equal(c->overrides[0].seq, 45);
    assert_string_equal(c->overrides[1].action, "skip");

    assert_int_equal(c->readiness_checks, 6);
    assert_int_equal(c->ready_count, 5);
    assert_int_equal(c->busy_count, 1);
    assert_string_equal(c->last_readiness, "Ready");
    assert_int_equal(c->waits, 3);
    assert_int_equal(c->confirms, 4);
    assert_int_equal(c->auto_confirms, 0);
    assert_int_equal(c->pool_problems, 0);
    assert_true(c->complete);
    assert_string_equal(c->complete_ts, "2026-11-27T09:23:03.123Z");
    assert_false(c->stopped);
    assert_int_equal(c->unknown_events, 0);
    checklist_free(c);
}

static void test_fold_stopped_run(void **state)
{
    (void)state;
    struct pp_checklist *c = load_vector("stopped.jsonl", false);
    const struct pp_cl_server *s;

    assert_int_equal(c->nservers, 3);
    s = srv(c, "fe01.contoso.com");
    assert_int_equal(s->state, PP_CL_SRV_MARKED_DONE);
    assert_string_equal(s->steps[PP_STEP_DRAIN].result, "timeout");
    assert_string_equal(s->reason, "patched by hand from the console; CU verified");
    /* steps in flight with no end and no console running: outcome unknown */
    s = srv(c, "fe02.contoso.com");
    assert_int_equal(s->state, PP_CL_SRV_LOST);
    assert_int_equal(s->step, PP_STEP_UPGRADE);
    assert_true(s->steps[PP_STEP_UPGRADE].running);
    assert_string_equal(s->steps[PP_STEP_DRAIN].result, "ok");
    assert_int_equal(srv(c, "fe03.contoso.com")->state, PP_CL_SRV_LOST);
    assert_int_equal(c->nruns, 4);
    assert_true(c->runs[2].running);
    assert_true(c->runs[3].running);
    assert_string_equal(c->runs[2].ended, "");

    assert_int_equal(c->domains[0].state, PP_CL_DOM_DONE_EXCEPTIONS);
    assert_int_equal(c->domains[1].state, PP_CL_DOM_IN_PROGRESS);
    assert_int_equal(c->pool_problems, 1);
    assert_int_equal(c->insufficient_count, 1);
    assert_string_equal(c->failover_result, "ok");
    assert_string_equal(c->failback_ts, "");
    assert_int_equal(c->auto_confirms, 1);
    assert_int_equal(c->resumes, 1);
    assert_false(c->stopped);    /* resumed after the stop */
    assert_string_equal(c->stop_reason, "operator quit: change window over");
    assert_false(c->complete);
    assert_int_equal(c->noverrides, 2);
    assert_string_equal(c->overrides[1].action, "proceed");
    assert_string_equal(c->overrides[1].target, "UpgradeDomain2");
    /* the timeline keeps the events of note in order */
    const char *events[] = {"start", "domain-start", "domain-done", "pool-problem", "failover",
                            "failover", "domain-start", "stop", "resume", "note"};
    assert_int_equal(c->ntimeline, 10);
    for (int i = 0; i < 10; i++)
        assert_string_equal(c->timeline[i].event, events[i]);
    checklist_free(c);

    /* while a console runs the pool, a step in flight is just running */
    c = load_vector("stopped.jsonl", true);
    assert_int_equal(srv(c, "fe02.contoso.com")->state, PP_CL_SRV_IN_PROGRESS);
    assert_int_equal(srv(c, "fe03.contoso.com")->state, PP_CL_SRV_IN_PROGRESS);
    assert_true(c->live);
    checklist_free(c);
}

/* ---- synthetic records for the edge cases ---- */

static long long seq;

static void add(struct pp_checklist *c, const char *event, const char *domain,
                const char *server, const char *step, const char *result, const char *extra)
{
    struct pp_jrec r = {0};
    r.seq = ++seq;
    snprintf(r.ts, sizeof r.ts, "2026-11-27T08:00:%02lld.000Z", seq % 60);
    strcpy(r.operator_, "op");
    snprintf(r.event, sizeof r.event, "%s", event);
    snprintf(r.domain, sizeof r.domain, "%s", domain ? domain : "");
    snprintf(r.server, sizeof r.server, "%s", server ? server : "");
    snprintf(r.step, sizeof r.step, "%s", step ? step : "");
    snprintf(r.result, sizeof r.result, "%s", result ? result : "");
    if (strcmp(event, "override") == 0)
        snprintf(r.action, sizeof r.action, "%s", extra);
    else if (strcmp(event, "domain-done") == 0 || strcmp(event, "readiness") == 0)
        snprintf(r.state, sizeof r.state, "%s", extra ? extra : "");
    else
        snprintf(r.detail, sizeof r.detail, "%s", extra ? extra : "");
    if (strcmp(event, "override") == 0)
        strcpy(r.reason, "because");
    assert_int_equal(checklist_add(c, &r), 0);
}

/* The Back End's update (issue 11 item 13): its last record is what the
 * checklist shows; an open item stays open after the run completes. */
static void test_backend_item(void **state)
{
    (void)state;
    struct pp_checklist *c = checklist_new();
    assert_non_null(c);
    add(c, "backend", NULL, "fe01.contoso.com", NULL, NULL, "updating the Back End databases");
    assert_string_equal(c->backend_result, "");
    assert_string_equal(c->backend_state, "");
    add(c, "backend", NULL, "fe01.contoso.com", NULL, "failed", "Cannot open database");
    assert_string_equal(c->backend_result, "failed");
    struct pp_jrec r = {0};
    strcpy(r.event, "backend");
    strcpy(r.state, "open");
    strcpy(r.reason, PP_BACKEND_OPEN);
    assert_int_equal(checklist_add(c, &r), 0);
    add(c, "complete", NULL, NULL, NULL, NULL, NULL);
    checklist_finish(c, false);
    assert_true(c->complete);
    assert_string_equal(c->backend_state, "open");
    assert_string_equal(c->backend_text, PP_BACKEND_OPEN);
    assert_int_equal(c->unknown_events, 0);
    checklist_free(c);
}

static void test_edge_cases(void **state)
{
    (void)state;
    struct pp_checklist *c = checklist_new();

    /* a server first named without a domain gets it from a later record */
    add(c, "probe", NULL, "a.example", NULL, NULL, "RTCSRV Stopped");
    assert_int_equal(c->servers[0].domain, -1);
    assert_int_equal(checklist_servers_in(c, -1), 1);
    /* a step without domain-start still starts the domain (older writers) */
    add(c, "step-start", "D1", "A.EXAMPLE", "drain", NULL, NULL);
    assert_int_equal(c->nservers, 1);   /* DNS names: case-insensitive */
    assert_int_equal(c->servers[0].domain, 0);
    assert_int_equal(c->domains[0].state, PP_CL_DOM_IN_PROGRESS);
    assert_string_equal(c->domains[0].started, c->servers[0].steps[0].started);
    /* an explicit lost end: LOST, whatever the console does */
    add(c, "step-end", "D1", "a.example", "drain", "lost", "connection reset");
    assert_int_equal(c->servers[0].state, PP_CL_SRV_LOST);
    add(c, "override", "D1", "a.example", NULL, NULL, "retry");
    assert_int_equal(c->servers[0].state, PP_CL_SRV_IN_PROGRESS);
    add(c, "step-start", "D1", "a.example", "drain", NULL, NULL);
    add(c, "step-end", "D1", "a.example", "drain", "timeout", NULL);
    assert_int_equal(c->servers[0].state, PP_CL_SRV_FAILED);
    assert_int_equal(c->servers[0].steps[0].runs, 2);
    /* a cancelled step re-runs: in progress, not failed */
    add(c, "step-start", "D1", "a.example", "drain", NULL, NULL);
    add(c, "step-end", "D1", "a.example", "drain", "cancelled", NULL);
    assert_int_equal(c->servers[0].state, PP_CL_SRV_IN_PROGRESS);
    /* a result nobody knows is not success */
    add(c, "step-start", "D1", "a.example", "drain", NULL, NULL);
    add(c, "step-end", "D1", "a.example", "drain", "exploded", NULL);
    assert_int_equal(c->servers[0].state, PP_CL_SRV_FAILED);
    assert_int_equal(c->nruns, 4);
    assert_string_equal(c->runs[0].result, "lost");
    assert_string_equal(c->runs[0].detail, "connection reset");
    assert_string_equal(c->runs[3].result, "exploded");
    /* an end whose start is not in the journal is still an attempt */
    add(c, "step-end", "D1", "a.example", "verify", "ok", NULL);
    assert_int_equal(c->nruns, 5);
    assert_string_equal(c->runs[4].started, "");
    assert_string_equal(c->runs[4].result, "ok");
    assert_int_equal(c->servers[0].state, PP_CL_SRV_VERIFIED);
    add(c, "step-start", "D1", "a.example", "drain", NULL, NULL);
    add(c, "step-end", "D1", "a.example", "drain", "failed", NULL);
    assert_int_equal(c->servers[0].state, PP_CL_SRV_FAILED);

    /* skipped while a step ran: a late end does not undo the override */
    add(c, "step-start", "D1", "b.example", "upgrade", NULL, NULL);
    add(c, "override", "D1", "b.example", NULL, NULL, "skip");
    add(c, "step-end", "D1", "b.example", "upgrade", "ok", NULL);
    assert_int_equal(c->servers[1].state, PP_CL_SRV_SKIPPED);
    assert_string_equal(c->servers[1].reason, "because");

    /* a domain marked done by hand with no domain-done: done with exceptions */
    add(c, "override", "D2", NULL, NULL, NULL, "done");
    assert_true(c->domains[1].manual);
    assert_string_equal(c->overrides[c->noverrides - 1].target, "D2");
    add(c, "override", NULL, NULL, NULL, NULL, "proceed");
    assert_string_equal(c->overrides[c->noverrides - 1].target, "pool");

    /* unknown events and unknown steps are counted, not fatal */
    add(c, "teleport", NULL, NULL, NULL, NULL, NULL);
    add(c, "step-start", "D1", "a.example", "reimage", NULL, NULL);
    assert_int_equal(c->unknown_events, 2);

    /* readiness states, case-insensitive; odd ones count as other */
    add(c, "readiness", NULL, NULL, NULL, NULL, "ready");
    add(c, "readiness", NULL, NULL, NULL, NULL, "InsufficientActiveFrontEnds");
    add(c, "readiness", NULL, NULL, NULL, NULL, "Unknown");
    assert_int_equal(c->ready_count, 1);
    assert_int_equal(c->insufficient_count, 1);
    assert_int_equal(c->other_count, 1);

    /* stop, then nothing: stopped; a step in flight on a dead console is lost */
    add(c, "step-start", "D1", "c.example", "restart", NULL, NULL);
    add(c, "stop", NULL, NULL, NULL, NULL, "quit");
    assert_true(c->stopped);
    assert_string_equal(c->stop_reason, "quit");
    checklist_finish(c, false);
    assert_int_equal(c->servers[2].state, PP_CL_SRV_LOST);
    assert_int_equal(c->domains[1].state, PP_CL_DOM_DONE_EXCEPTIONS);
    assert_int_equal(c->servers[0].state, PP_CL_SRV_FAILED);   /* not in flight */
    assert_int_equal(c->noperators, 1);
    checklist_free(c);
}

static void test_load_names_and_liveness(void **state)
{
    (void)state;
    const char *dir = tmpdir();
    char path[512], lock[600], warn[512], err[512];
    size_t n;
    char *data = test_read_file(test_src_path("tests/vectors/journal/stopped.jsonl"), &n);
    assert_non_null(data);
    snprintf(path, sizeof path, "%s/pool01.contoso.com.training.jsonl", dir);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    free(data);

    struct pp_checklist *c = NULL;
    assert_int_equal(checklist_load(path, &c, warn, sizeof warn, err, sizeof err), 0);
    assert_string_equal(c->pool, "pool01.contoso.com");
    assert_true(c->training);
    assert_false(c->live);
    assert_int_equal(c->servers[1].state, PP_CL_SRV_LOST);
    checklist_free(c);

    /* a label naming a running process (us) means a console runs it */
    char host[256] = "", label[512];
    gethostname(host, sizeof host - 1);
    snprintf(lock, sizeof lock, "%s.lock", path);
    f = fopen(lock, "w");
    snprintf(label, sizeof label, "pid=%ld\nhost=%s\noperator=x\nstarted=t\n", (long)getpid(), host);
    fputs(label, f);
    fclose(f);
    assert_int_equal(checklist_load(path, &c, warn, sizeof warn, err, sizeof err), 0);
    assert_true(c->live);
    assert_int_equal(c->servers[1].state, PP_CL_SRV_IN_PROGRESS);
    checklist_free(c);

    /* errors come through with PATH:LINE; *out untouched */
    c = NULL;
    assert_int_equal(checklist_load(test_src_path("tests/vectors/journal/corrupt-middle.jsonl"),
                                    &c, warn, sizeof warn, err, sizeof err), -1);
    assert_null(c);
    assert_non_null(strstr(err, "corrupt-middle.jsonl:3: "));
}

static void test_ts_ms(void **state)
{
    (void)state;
    assert_int_equal(checklist_ts_ms("1970-01-01T00:00:00.000Z"), 0);
    assert_int_equal(checklist_ts_ms("2026-11-27T07:14:24.123Z"), 1795763664123LL);
    assert_int_equal(checklist_ts_ms("2026-11-27T07:14:24Z"), 1795763664000LL);
    assert_int_equal(checklist_ts_ms("2026-11-27T08:14:24.5+01:00"), 1795763664500LL);
    assert_int_equal(checklist_ts_ms("2026-11-27T06:14:24-01:00"), 1795763664000LL);
    assert_int_equal(checklist_ts_ms("2026-11-27 07:14:24Z"), 1795763664000LL);
    const char *bad[] = {"", "t", "2026-11-27", "2026-13-01T00:00:00Z", "2026-11-27T25:00:00Z",
                         "2026-11-27T07:14:24", "2026-11-27T07:14:24Zjunk", "2026-11-27T07:14Z",
                         NULL};
    for (int i = 0; bad[i]; i++)
        if (checklist_ts_ms(bad[i]) != -1)
            fail_msg("accepted ts \"%s\"", bad[i]);
    assert_int_equal(checklist_ts_ms(NULL), -1);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(checklist_dom_name(PP_CL_DOM_DONE_EXCEPTIONS), "done with exceptions");
    assert_string_equal(checklist_srv_name(PP_CL_SRV_MARKED_DONE), "marked done");
    assert_string_equal(checklist_srv_name(PP_CL_SRV_LOST), "lost");
    assert_string_equal(checklist_srv_name((enum pp_cl_srv)99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_good_run),
        cmocka_unit_test(test_fold_stopped_run),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_backend_item),
        cmocka_unit_test(test_load_names_and_liveness),
        cmocka_unit_test(test_ts_ms),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, test_tmpdirs_remove);
}
