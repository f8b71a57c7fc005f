/* The checklist's lookup tables (checklist.c): server names hashed without
 * regard to case, domains hashed exactly, arrays grown geometrically, and
 * each step-end paired with its start through a per-server-and-step chain
 * instead of a walk back over every run.  Checked against the plain rules
 * (a linear strcasecmp, the backward walk) on long and random journals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/journal/checklist.h"
#include "backend/history/report.h"
#include "tests/unit/helpers.h"

static const char *const steps[] = {"drain", "upgrade", "restart", "verify"};

static void rec(struct pp_jrec *r, long long seq, const char *ev, const char *dom,
                const char *srv, const char *step, const char *result)
{
    memset(r, 0, sizeof *r);
    r->seq = seq;
    snprintf(r->ts, sizeof r->ts, "2026-11-27T07:00:00.%03lldZ", seq % 1000);
    snprintf(r->operator_, sizeof r->operator_, "op%lld", seq % 3);
    snprintf(r->event, sizeof r->event, "%s", ev);
    snprintf(r->domain, sizeof r->domain, "%s", dom ? dom : "");
    snprintf(r->server, sizeof r->server, "%s", srv ? srv : "");
    snprintf(r->step, sizeof r->step, "%s", step ? step : "");
    snprintf(r->result, sizeof r->result, "%s", result ? result : "");
    snprintf(r->detail, sizeof r->detail, "d%lld", seq);
}

static void test_server_names_ignore_case(void **state)
{
    (void)state;
    struct pp_checklist *c = checklist_new();
    struct pp_jrec r;
    assert_non_null(c);
    rec(&r, 1, "step-start", "UD1", "FE01.Contoso.com", "drain", NULL);
    assert_int_equal(checklist_add(c, &r), 0);
    rec(&r, 2, "step-end", NULL, "fe01.CONTOSO.COM", "drain", "ok");
    assert_int_equal(checklist_add(c, &r), 0);
    /* domains are exact: ud1 is another domain */
    rec(&r, 3, "domain-start", "ud1", NULL, NULL, NULL);
    assert_int_equal(checklist_add(c, &r), 0);
    assert_int_equal(c->nservers, 1);
    assert_string_equal(c->servers[0].name, "FE01.Contoso.com");   /* first spelling kept */
    assert_int_equal(c->servers[0].domain, 0);
    assert_int_equal(c->ndomains, 2);
    assert_int_equal(c->nruns, 1);
    assert_false(c->runs[0].running);
    assert_string_equal(c->runs[0].result, "ok");
    checklist_free(c);
}

/* Thousands of servers (the tables grow many times, buckets collide), each
 * named again in another case: one entry each, found again every time. */
static void test_many_servers(void **state)
{
    (void)state;
    enum { NS = 3000, ND = 150 };
    struct pp_checklist *c = checklist_new();
    struct pp_jrec r;
    char name[64], dom[32];
    long long seq = 1;
    for (int i = 0; i < NS; i++) {
        snprintf(name, sizeof name, "node%04d.fleet.example.net", i);
        snprintf(dom, sizeof dom, "UpgradeDomain%d", i % ND);
        rec(&r, seq++, "step-start", dom, name, "drain", NULL);
        assert_int_equal(checklist_add(c, &r), 0);
    }
    for (int i = NS - 1; i >= 0; i--) {
        snprintf(name, sizeof name, "NODE%04d.Fleet.Example.NET", i);
        rec(&r, seq++, "step-end", NULL, name, "drain", i % 2 ? "ok" : "failed");
        assert_int_equal(checklist_add(c, &r), 0);
    }
    assert_int_equal(c->nservers, NS);
    assert_int_equal(c->ndomains, ND);
    assert_int_equal(c->nruns, NS);
    for (int i = 0; i < NS; i++) {
        snprintf(name, sizeof name, "node%04d.fleet.example.net", i);
        assert_string_equal(c->servers[i].name, name);
        assert_int_equal(c->servers[i].domain, i % ND);
        assert_int_equal(c->servers[i].steps[0].runs, 1);
        assert_string_equal(c->servers[i].steps[0].result, i % 2 ? "ok" : "failed");
        assert_int_equal(c->runs[i].server, i);
        assert_false(c->runs[i].running);
        assert_string_equal(c->runs[i].result, i % 2 ? "ok" : "failed");
    }
    for (int d = 0; d < ND; d++) {
        snprintf(dom, sizeof dom, "UpgradeDomain%d", d);
        assert_string_equal(c->domains[d].name, dom);
    }
    checklist_free(c);
}

/* The runs as the plain rule makes them: an end closes the newest running
 * run of its server and step (found by walking back over all runs), else
 * adds a closed one. */
struct ref_run {
    int server, step;
    bool running;
    long long start_seq, end_seq;
};

static void test_runs_pair_like_the_backward_walk(void **state)
{
    (void)state;
    enum { NSRV = 5, N = 20000 };
    struct ref_run *ref = calloc(N, sizeof *ref);
    int nref = 0;
    struct pp_checklist *c = checklist_new();
    struct pp_jrec r;
    char name[32];
    unsigned x = 12345;
    assert_non_null(ref);
    for (long long seq = 1; seq <= N; seq++) {
        x = x * 1103515245u + 12345u;
        int s = (int)((x >> 8) % NSRV), k = (int)((x >> 16) % 4);
        bool end = (x >> 24) % 5 < 2;   /* more starts than ends: runs left open */
        snprintf(name, sizeof name, (x >> 28) & 1 ? "FE%d" : "fe%d", s);
        rec(&r, seq, end ? "step-end" : "step-start", "UD", name, steps[k], end ? "ok" : NULL);
        assert_int_equal(checklist_add(c, &r), 0);
        int found = -1;
        if (end)
            for (int i = nref - 1; i >= 0 && found < 0; i--)
                if (ref[i].server == s && ref[i].step == k && ref[i].running)
                    found = i;
        if (found < 0) {
            found = nref++;
            ref[found] = (struct ref_run){s, k, false, 0, 0};
        }
        if (end) {
            ref[found].running = false;
            ref[found].end_seq = seq;
        } else {
            ref[found].running = true;
            ref[found].start_seq = seq;
        }
    }
    assert_int_equal(c->nservers, NSRV);
    assert_int_equal(c->nruns, nref);
    for (int i = 0; i < nref; i++) {
        char ts[PP_TS_MAX];
        const struct pp_cl_run *run = &c->runs[i];
        assert_int_equal(run->step, ref[i].step);
        assert_int_equal(run->running, ref[i].running);
        snprintf(name, sizeof name, "fe%d", ref[i].server);
        assert_int_equal(strcasecmp(c->servers[run->server].name, name), 0);
        if (ref[i].start_seq) {
            snprintf(ts, sizeof ts, "2026-11-27T07:00:00.%03lldZ", ref[i].start_seq % 1000);
            assert_string_equal(run->started, ts);
        } else
            assert_string_equal(run->started, "");
        if (ref[i].end_seq) {
            snprintf(ts, sizeof ts, "2026-11-27T07:00:00.%03lldZ", ref[i].end_seq % 1000);
            assert_string_equal(run->ended, ts);
            snprintf(ts, sizeof ts, "d%lld", ref[i].end_seq);
            assert_string_equal(run->detail, ts);
        } else
            assert_string_equal(run->ended, "");
    }
    checklist_free(c);
    free(ref);
}

/* A long journal: every array grows far past its first capacity and keeps
 * every element (timeline, overrides, runs). */
static void test_long_journal_grows(void **state)
{
    (void)state;
    enum { CAMPAIGNS = 300 };
    struct pp_checklist *c = checklist_new();
    struct pp_jrec r;
    long long seq = 1;
    for (int k = 0; k < CAMPAIGNS; k++) {
        rec(&r, seq++, "start", NULL, NULL, NULL, NULL);
        assert_int_equal(checklist_add(c, &r), 0);
        for (int s = 0; s < 20; s++) {
            char name[32];
            snprintf(name, sizeof name, "fe%02d", s);
            rec(&r, seq++, "step-start", "UD1", name, "verify", NULL);
            assert_int_equal(checklist_add(c, &r), 0);
            rec(&r, seq++, "step-end", "UD1", name, "verify", "ok");
            assert_int_equal(checklist_add(c, &r), 0);
        }
        rec(&r, seq++, "override", NULL, "fe00", NULL, NULL);
        snprintf(r.action, sizeof r.action, "retry");
        assert_int_equal(checklist_add(c, &r), 0);
        rec(&r, seq++, "complete", NULL, NULL, NULL, NULL);
        assert_int_equal(checklist_add(c, &r), 0);
    }
    assert_int_equal(c->nruns, CAMPAIGNS * 20);
    assert_int_equal(c->ntimeline, CAMPAIGNS * 2);
    assert_int_equal(c->noverrides, CAMPAIGNS);
    assert_int_equal(c->records, seq - 1);
    for (int i = 0; i < c->nruns; i++) {
        assert_false(c->runs[i].running);
        assert_int_equal(c->runs[i].server, i % 20);
    }
    for (int i = 0; i < c->ntimeline; i++)
        assert_string_equal(c->timeline[i].event, i % 2 ? "complete" : "start");
    assert_int_equal(c->servers[3].steps[3].runs, CAMPAIGNS);
    checklist_free(c);
}

static char *status_of(const char *rel, bool no_runs, bool utf8, int *nruns)
{
    struct pp_checklist *c = checklist_new();
    char warn[512], err[512], *buf = NULL;
    size_t len = 0;
    c->no_runs = no_runs;
    checklist_set_pool(c, "pool01.contoso.com");
    assert_int_equal(journal_read_file(test_src_path(rel), checklist_add_cb, c, warn, sizeof warn,
                                       err, sizeof err), 0);
    checklist_finish(c, false);
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(status_print(f, c, utf8), 0);
    fclose(f);
    *nruns = c->nruns;
    checklist_free(c);
    return buf;
}

/* no_runs (for --status) keeps no run and changes nothing --status prints */
static void test_no_runs_same_status(void **state)
{
    (void)state;
    const char *vec[] = {"tests/vectors/journal/good.jsonl", "tests/vectors/journal/stopped.jsonl",
                         "tests/vectors/journal/crlf.jsonl", "tests/vectors/journal/torn-garbage.jsonl"};
    int runs = 0;
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++)
        for (int utf8 = 0; utf8 < 2; utf8++) {
            int with, without;
            char *a = status_of(vec[i], false, utf8, &with);
            char *b = status_of(vec[i], true, utf8, &without);
            runs += with;
            assert_int_equal(without, 0);
            assert_string_equal(a, b);
            free(a);
            free(b);
        }
    assert_true(runs > 0);   /* the journals had runs to leave out */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_names_ignore_case),
        cmocka_unit_test(test_many_servers),
        cmocka_unit_test(test_runs_pair_like_the_backward_walk),
        cmocka_unit_test(test_long_journal_grows),
        cmocka_unit_test(test_no_runs_same_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
