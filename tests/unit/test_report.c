/* --status and --report: golden outputs for the vector journals, JSON read
 * back with jq (required), CSV quoting and formula defusing, escaping.
 *
 * The expected files live beside the vectors.  After a deliberate change
 * of the output, regenerate them with PP_UPDATE_GOLDEN=1 (the run fails
 * for every file it rewrites), review the diff, run again without it, and
 * commit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/history/report.h"
#include "config/config.h"
#include "backend/core/text.h"
#include "tests/unit/helpers.h"

static const char *tmpdir(void)
{
    const char *d = test_tmpdir();
    assert_non_null(d);
    return d;
}

static struct pp_checklist *load_vector(const char *name)
{
    char rel[256], warn[1024], err[1024];
    struct pp_checklist *c = checklist_new();
    assert_non_null(c);
    snprintf(rel, sizeof rel, "tests/vectors/journal/%s", name);
    if (journal_read_file(test_src_path(rel), checklist_add_cb, c, warn, sizeof warn, err,
                          sizeof err) != 0)
        fail_msg("%s", err);
    checklist_set_pool(c, "pool01.contoso.com");
    checklist_finish(c, false);
    return c;
}

/* Runs fn into a memory stream and returns what it wrote (caller frees). */
enum what { W_STATUS_UTF8, W_STATUS_ASCII, W_MD, W_JSON, W_CSV };

static char *render(const struct pp_checklist *c, enum what w, size_t *len)
{
    char *buf = NULL, err[256];
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    int rc;
    switch (w) {
    case W_STATUS_UTF8: rc = status_print(f, c, true); break;
    case W_STATUS_ASCII: rc = status_print(f, c, false); break;
    case W_MD: rc = report_write(f, PP_REPORT_MD, c, err, sizeof err); break;
    case W_JSON: rc = report_write(f, PP_REPORT_JSON, c, err, sizeof err); break;
    default: rc = report_write(f, PP_REPORT_CSV, c, err, sizeof err); break;
    }
    assert_int_equal(rc, 0);
    fclose(f);
    if (len)
        *len = n;
    /* a copy: GCC 12 at -O2 takes open_memstream's &buf for the pointer
     * and warns of a dangling pointer in every caller (-Wdangling-pointer) */
    char *out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, buf, n + 1);
    free(buf);
    return out;
}

static void golden(const char *vector, enum what w, const char *expected)
{
    char rel[256];
    size_t n, en;
    struct pp_checklist *c = load_vector(vector);
    char *got = render(c, w, &n);
    snprintf(rel, sizeof rel, "tests/vectors/journal/%s", expected);
    const char *path = test_src_path(rel);
    /* Compared before anything is written: with PP_UPDATE_GOLDEN a golden
     * file that changes is rewritten and the test still fails, so an
     * update run never passes by comparing a file with itself. */
    char *want = test_read_file(path, &en);
    bool same = want && n == en && memcmp(got, want, n) == 0;
    if (!same && getenv("PP_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(got, 1, n, f);
        fclose(f);
        fail_msg("%s rewritten from %s (PP_UPDATE_GOLDEN): review the diff, then run "
                 "again without it", path, vector);
    }
    if (!want)
        fail_msg("missing %s (PP_UPDATE_GOLDEN=1 writes it)", path);
    if (!same) {
        char out[512];
        snprintf(out, sizeof out, "%s/%s.got", tmpdir(), expected);
        FILE *f = fopen(out, "wb");
        if (f) {
            fwrite(got, 1, n, f);
            fclose(f);
        }
        fail_msg("%s differs from %s: diff %s %s", expected, vector, path, out);
    }
    free(got);
    free(want);
    checklist_free(c);
}

static void test_status_golden(void **state)
{
    (void)state;
    golden("good.jsonl", W_STATUS_UTF8, "good.status.txt");
    golden("good.jsonl", W_STATUS_ASCII, "good.status-ascii.txt");
    golden("stopped.jsonl", W_STATUS_UTF8, "stopped.status.txt");
}

static void test_md_golden(void **state)
{
    (void)state;
    golden("good.jsonl", W_MD, "good.report.md");
    golden("stopped.jsonl", W_MD, "stopped.report.md");
}

static void test_csv_golden(void **state)
{
    (void)state;
    golden("good.jsonl", W_CSV, "good.report.csv");
    golden("stopped.jsonl", W_CSV, "stopped.report.csv");
}

static bool have_jq(void)
{
    return system("command -v jq >/dev/null 2>&1") == 0;
}

/* Asks jq a yes/no question about a JSON file. */
static bool jq_true(const char *file, const char *expr)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "jq -e '%s' '%s' >/dev/null 2>&1", expr, file);
    return system(cmd) == 0;
}

static void test_json_reads_back(void **state)
{
    (void)state;
    const char *vectors[] = {"good.jsonl", "stopped.jsonl"};
    for (int v = 0; v < 2; v++) {
        struct pp_checklist *c = load_vector(vectors[v]);
        size_t n;
        char *js = render(c, W_JSON, &n);
        /* the shape and the counts, before jq reads it */
        assert_int_equal(js[0], '{');
        assert_int_equal(js[n - 2], '}');
        assert_non_null(strstr(js, "\"pool\":\"pool01.contoso.com\""));
        char want[64];
        snprintf(want, sizeof want, "\"events\":%lld\n}", c->records);
        assert_non_null(strstr(js, want));
        if (!have_jq()) /* bootstrap.sh installs it: not a reason to skip */
            fail_msg("jq is missing (bootstrap.sh installs it): the JSON report cannot be "
                     "parsed back");
        char path[512];
        snprintf(path, sizeof path, "%s/r.json", tmpdir());
        FILE *f = fopen(path, "wb");
        fwrite(js, 1, n, f);
        fclose(f);
        assert_true(jq_true(path, "type == \"object\""));
        if (v == 0) {
            assert_true(jq_true(path, ".pool == \"pool01.contoso.com\" and .result == \"complete\""
                                      " and .events == 68 and .records == 68"));
            assert_true(jq_true(path, ".start == \"2026-11-27T07:14:24.123Z\" and "
                                      ".end == \"2026-11-27T09:23:03.123Z\""));
            assert_true(jq_true(path, ".operators == [\"jdoe\",\"asmith\"] and .operator == \"jdoe\""));
            assert_true(jq_true(path, "(.domains | map(.name)) == [\"UpgradeDomain1\","
                                      "\"UpgradeDomain2\",\"UpgradeDomain3\"]"));
            assert_true(jq_true(path, ".domains[2].state == \"done with exceptions\" and "
                                      ".domains[2].servers == [\"fe06.contoso.com\",\"fe05.contoso.com\"]"));
            assert_true(jq_true(path, "(.servers | length) == 6 and "
                                      "([.servers[] | select(.state == \"verified\")] | length) == 5"));
            assert_true(jq_true(path, "(.servers[] | select(.name == \"fe06.contoso.com\") | .reason)"
                                      " == \"硬體故障 (hardware fault), ticket \\\"CHG-4711\\\"\""));
            assert_true(jq_true(path, "(.servers[] | select(.name == \"fe03.contoso.com\") | "
                                      ".steps[2].runs) == 2"));
            assert_true(jq_true(path, "(.overrides | map(.action)) == [\"retry\",\"skip\"]"));
            assert_true(jq_true(path, "(.runs | length) == 22 and ([.runs[] | select(.result != "
                                      "\"ok\") | .server + \" \" + .step + \" \" + .result] == "
                                      "[\"fe04.contoso.com upgrade failed\",\"fe03.contoso.com "
                                      "restart lost\"])"));
            assert_true(jq_true(path, ".readiness.checks == 6 and .readiness.busy == 1 and "
                                      ".failover == null"));
        } else {
            assert_true(jq_true(path, ".result == \"not complete\" and .failover.result == \"ok\""));
            assert_true(jq_true(path, "(.servers | map(.state)) == [\"marked done\",\"lost\",\"lost\"]"));
            assert_true(jq_true(path, ".servers[1].steps[1].result == null and "
                                      ".servers[1].steps[1].running == true"));
            assert_true(jq_true(path, ".overrides[1].reason == \"=cmd|\\u0027 /C calc\\u0027!A0\""));
            assert_true(jq_true(path, ".auto_confirms == 1 and .resumes == 1"));
        }
        free(js);
        checklist_free(c);
    }
}

/* A checklist with hostile text in every field a report prints. */
static struct pp_checklist *hostile(void)
{
    struct pp_checklist *c = checklist_new();
    struct pp_jrec r = {0};
    r.seq = 1;
    strcpy(r.ts, "2026-11-27T07:00:00.000Z");
    strcpy(r.operator_, "=HYPERLINK(\"http://evil\")");
    strcpy(r.event, "step-start");
    strcpy(r.domain, "-D1,\"x\"");
    strcpy(r.server, "@fe01");
    strcpy(r.step, "drain");
    assert_int_equal(checklist_add(c, &r), 0);
    r.seq = 2;
    strcpy(r.event, "step-end");
    strcpy(r.result, "+failed");
    strcpy(r.detail, "line1\nline2 | <b>bold</b> *x* _y_ `z` [l](u) \\ \x1b[31mred\x1b[0m");
    assert_int_equal(checklist_add(c, &r), 0);
    r.seq = 3;
    memset(&r, 0, sizeof r);
    r.seq = 3;
    strcpy(r.ts, "2026-11-27T07:01:00.000Z");
    strcpy(r.operator_, "jdoe");
    strcpy(r.event, "override");
    strcpy(r.server, "\tfe02");
    strcpy(r.action, "skip");
    strcpy(r.reason, "中文 reason | pipe\r\nnext");
    assert_int_equal(checklist_add(c, &r), 0);
    checklist_set_pool(c, "pool01.contoso.com");
    checklist_finish(c, false);
    return c;
}

static void test_csv_quoting_and_formulas(void **state)
{
    (void)state;
    struct pp_checklist *c = hostile();
    char *csv = render(c, W_CSV, NULL);
    const char *want =
        "domain,server,step,result,started,ended,operator\r\n"
        "\"'-D1,\"\"x\"\"\",'@fe01,drain,'+failed,2026-11-27T07:00:00.000Z,"
        "2026-11-27T07:00:00.000Z,\"'=HYPERLINK(\"\"http://evil\"\")\"\r\n"
        ", fe02,,skipped,,2026-11-27T07:01:00.000Z,jdoe\r\n";   /* TAB: a space */
    assert_string_equal(csv, want);
    free(csv);
    checklist_free(c);
}

static void test_md_escapes(void **state)
{
    (void)state;
    struct pp_checklist *c = hostile();
    char *md = render(c, W_MD, NULL);
    /* the failure detail stays inside its cell, markup defused */
    assert_non_null(strstr(md, "| line1 line2 \\| &lt;b&gt;bold&lt;/b&gt; \\*x\\* \\_y\\_ \\`z\\` "
                               "\\[l\\](u) \\\\  \\[31mred \\[0m |"));
    assert_non_null(strstr(md, "| 中文 reason \\| pipe  next |"));
    /* every table row has the same number of unescaped pipes as its header */
    for (char *line = md, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
        if (line[0] != '|')
            continue;
        int pipes = 0;
        for (char *p = line; p < nl; p++)
            pipes += *p == '|' && (p == line || p[-1] != '\\');
        assert_true(pipes == 3 || pipes == 6 || pipes == 10);
    }
    free(md);
    checklist_free(c);
}

static void test_status_cleans_text(void **state)
{
    (void)state;
    struct pp_checklist *c = hostile();
    char *u = render(c, W_STATUS_UTF8, NULL);
    char *a = render(c, W_STATUS_ASCII, NULL);
    assert_null(strchr(u, '\x1b'));
    assert_null(strchr(u, '\r'));
    assert_null(strchr(u, '\t'));
    assert_non_null(strstr(u, "中文 reason | pipe  next"));
    assert_non_null(strstr(u, "✗ @fe01"));
    assert_non_null(strstr(a, "[!] @fe01"));
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        assert_true(*p < 0x80 && (*p >= 0x20 || *p == '\n'));
    assert_non_null(strstr(a, "\"?? reason | pipe  next\""));
    free(u);
    free(a);
    checklist_free(c);
}

static void test_empty_and_formats(void **state)
{
    (void)state;
    struct pp_checklist *c = checklist_new();
    checklist_finish(c, false);
    char *s = render(c, W_STATUS_UTF8, NULL);
    assert_string_equal(s, "Pool (unknown)\nThe journal is empty: nothing has happened yet.\n");
    free(s);
    size_t n;
    char *js = render(c, W_JSON, &n);
    if (have_jq()) {
        char path[512];
        snprintf(path, sizeof path, "%s/e.json", tmpdir());
        FILE *f = fopen(path, "wb");
        fwrite(js, 1, n, f);
        fclose(f);
        assert_true(jq_true(path, ".pool == null and .start == null and .domains == [] and "
                                  ".servers == [] and .events == 0"));
    }
    free(js);
    char *csv = render(c, W_CSV, NULL);
    assert_string_equal(csv, "domain,server,step,result,started,ended,operator\r\n");
    free(csv);

    assert_int_equal(report_fmt_parse("md"), PP_REPORT_MD);
    assert_int_equal(report_fmt_parse("markdown"), PP_REPORT_MD);
    assert_int_equal(report_fmt_parse("json"), PP_REPORT_JSON);
    assert_int_equal(report_fmt_parse("csv"), PP_REPORT_CSV);
    assert_int_equal(report_fmt_parse("pdf"), -1);
    assert_int_equal(report_fmt_parse(NULL), -1);

    /* a stream that fails is reported */
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        char err[256];
        struct pp_checklist *g = load_vector("good.jsonl");
        assert_int_equal(report_write(full, PP_REPORT_MD, g, err, sizeof err), -1);
        assert_non_null(strstr(err, "cannot write the report"));
        fclose(full);
        checklist_free(g);
    }
    checklist_free(c);
}

static void jadd(struct pp_checklist *c, long long seq, const char *event, const char *domain,
                 const char *server, const char *step, const char *result)
{
    struct pp_jrec r = {0};
    r.seq = seq;
    snprintf(r.ts, sizeof r.ts, "2026-11-27T08:%02lld:00.000Z", seq);
    strcpy(r.operator_, "op");
    snprintf(r.event, sizeof r.event, "%s", event);
    snprintf(r.domain, sizeof r.domain, "%s", domain);
    snprintf(r.server, sizeof r.server, "%s", server);
    snprintf(r.step, sizeof r.step, "%s", step);
    snprintf(r.result, sizeof r.result, "%s", result);
    if (strcmp(event, "stop") == 0)
        strcpy(r.reason, "operator quit");
    assert_int_equal(checklist_add(c, &r), 0);
}

/* Issue 10 item 2: a four-domain pool stopped after the operator started
 * UpgradeDomain3 first is "0 of 4", lists every domain (the ones never
 * started as not started) and lists them in topology order. */
static void test_counts_from_topology(void **state)
{
    (void)state;
    struct pp_config cfg;
    struct pp_diag d = {0};
    assert_int_equal(config_load_scenario(&cfg, "happy", &d), 0);
    diag_free(&d);
    struct pp_checklist *c = checklist_new();
    checklist_set_pool(c, cfg.fqdn);
    assert_int_equal(report_expect_topology(c, &cfg), 0);
    jadd(c, 1, "start", "", "", "", "");
    jadd(c, 2, "domain-start", "UpgradeDomain3", "", "", "");
    jadd(c, 3, "step-start", "UpgradeDomain3", "fe05.contoso.com", "drain", "");
    jadd(c, 4, "step-end", "UpgradeDomain3", "fe05.contoso.com", "drain", "ok");
    jadd(c, 5, "stop", "", "", "", "");
    checklist_finish(c, false);
    assert_int_equal(c->ndomains, 4);
    assert_int_equal(c->nservers, 8);

    char *md = render(c, W_MD, NULL);
    assert_non_null(strstr(md, "| Domains | 4 (0 done) |"));
    assert_non_null(strstr(md, "stopped: 0 of 4 domains done"));
    assert_non_null(strstr(md, "| Servers | 8: 7 pending, 1 in progress |"));
    const char *d1 = strstr(md, "## UpgradeDomain1: not started");
    const char *d3 = strstr(md, "## UpgradeDomain3: in progress");
    const char *d4 = strstr(md, "## UpgradeDomain4: not started");
    assert_true(d1 && d3 && d4 && d1 < d3 && d3 < d4);
    free(md);

    char *st = render(c, W_STATUS_ASCII, NULL);
    assert_non_null(strstr(st, "0 of 4 domains done"));
    const char *s1 = strstr(st, "UpgradeDomain1  not started");
    const char *s3 = strstr(st, "UpgradeDomain3  in progress");
    assert_true(s1 && s3 && s1 < s3);
    free(st);

    char *csv = render(c, W_CSV, NULL);
    assert_non_null(strstr(csv, "UpgradeDomain4,fe08.contoso.com,,pending"));
    free(csv);
    checklist_free(c);
    config_free(&cfg);
}

/* Issue 10 item 6: a resumed console first says how the previous one
 * stopped and what it left in flight. */
static void test_previous_console(void **state)
{
    (void)state;
    char buf[1200];
    struct pp_checklist *c = checklist_new();
    jadd(c, 1, "start", "", "", "", "");
    jadd(c, 2, "domain-start", "UpgradeDomain1", "", "", "");
    jadd(c, 3, "step-start", "UpgradeDomain1", "fe01.contoso.com", "drain", "");
    jadd(c, 4, "step-start", "UpgradeDomain1", "fe02.contoso.com", "drain", "");
    checklist_finish(c, false);
    report_previous_console(c, buf, sizeof buf);
    assert_non_null(strstr(buf, "ended at 08:04:00 UTC without recording a stop"));
    assert_non_null(strstr(buf, "killed"));
    assert_non_null(strstr(buf, "Steps in flight: fe01.contoso.com drain, fe02.contoso.com drain"));
    assert_non_null(strstr(buf, "asks you before"));
    checklist_free(c);

    c = checklist_new();
    jadd(c, 1, "start", "", "", "", "");
    jadd(c, 2, "stop", "", "", "", "");
    checklist_finish(c, false);
    report_previous_console(c, buf, sizeof buf);
    assert_non_null(strstr(buf, "stopped at 08:02:00 UTC: operator quit."));
    assert_non_null(strstr(buf, "Nothing was in flight"));
    checklist_free(c);

    c = checklist_new();   /* nothing to resume: nothing said */
    checklist_finish(c, false);
    report_previous_console(c, buf, sizeof buf);
    assert_string_equal(buf, "");
    checklist_free(c);
}

static void test_helpers(void **state)
{
    (void)state;
    char b[48];
    text_duration(0, b, sizeof b);
    assert_string_equal(b, "0s");
    text_duration(45999, b, sizeof b);
    assert_string_equal(b, "45s");
    text_duration(32 * 60000 + 5000, b, sizeof b);
    assert_string_equal(b, "32m05s");
    text_duration(3723000, b, sizeof b);
    assert_string_equal(b, "1h02m03s");
    text_duration(-1, b, sizeof b);
    assert_string_equal(b, "?");
    report_time("2026-11-27T07:14:24.123Z", b, sizeof b);
    assert_string_equal(b, "2026-11-27 07:14:24Z");
    report_time("not a time", b, sizeof b);
    assert_string_equal(b, "not a time");

    if (setlocale(LC_CTYPE, "C.UTF-8"))
        assert_true(status_locale_utf8());
    else
        print_message("no C.UTF-8 locale: UTF-8 detection not checked\n");
    assert_non_null(setlocale(LC_CTYPE, "C"));
    assert_false(status_locale_utf8());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_golden),
        cmocka_unit_test(test_md_golden),
        cmocka_unit_test(test_csv_golden),
        cmocka_unit_test(test_json_reads_back),
        cmocka_unit_test(test_csv_quoting_and_formulas),
        cmocka_unit_test(test_md_escapes),
        cmocka_unit_test(test_status_cleans_text),
        cmocka_unit_test(test_empty_and_formats),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_counts_from_topology),
        cmocka_unit_test(test_previous_console),
    };
    return cmocka_run_group_tests(tests, NULL, test_tmpdirs_remove);
}
