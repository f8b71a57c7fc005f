/* readiness_parse: the vectors, the rules, and inputs meant to break it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/pool/readiness.h"
#include "config/config.h"
#include "tests/unit/helpers.h"

static char *vector(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/vectors/readiness/%s", name);
    char *t = test_read_file(test_src_path(rel), len);
    if (!t)
        fail_msg("cannot read %s", test_src_path(rel));
    return t;
}

static int parse_str(const char *s, struct pp_readiness *r)
{
    return readiness_parse(s, strlen(s), r);
}

/* Unknown, with a reason that mentions `words` and is printable. */
static void assert_unknown(const struct pp_readiness *r, int rc, const char *words)
{
    if (r->state != PP_READY_UNKNOWN || rc != -1)
        fail_msg("expected Unknown (%s), got %s rc %d", words, pp_ready_name(r->state), rc);
    if (!strstr(r->why, words))
        fail_msg("why \"%s\" does not mention \"%s\"", r->why, words);
    for (const char *c = r->why; *c; c++)
        assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7F);
    assert_int_equal(r->ndomains, 0);
    assert_null(r->domains);
    assert_int_equal(r->total_fe, -1);
    assert_int_equal(r->active_fe, -1);
}

static void expect_unknown(const char *s, const char *words)
{
    struct pp_readiness r;
    int rc = parse_str(s, &r);
    assert_unknown(&r, rc, words);
    readiness_free(&r);
}

static void expect_state(const char *s, enum pp_ready want)
{
    struct pp_readiness r;
    int rc = parse_str(s, &r);
    if (rc != 0 || r.state != want)
        fail_msg("\"%.80s\": expected %s, got %s (%s)", s, pp_ready_name(want),
                 pp_ready_name(r.state), r.why);
    assert_string_equal(r.why, "");
    readiness_free(&r);
}

static void assert_domain(const struct pp_readiness *r, int i, const char *name, int ready,
                          int nfronts, const char *fe0, const char *fe1)
{
    assert_true(i < r->ndomains);
    const struct pp_ready_domain *d = &r->domains[i];
    assert_string_equal(d->name, name);
    assert_int_equal(d->ready, ready);
    assert_int_equal(d->nfronts, nfronts);
    if (fe0)
        assert_string_equal(d->fronts[0], fe0);
    if (fe1)
        assert_string_equal(d->fronts[1], fe1);
}

static void assert_same(const struct pp_readiness *a, const struct pp_readiness *b)
{
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->total_fe, b->total_fe);
    assert_int_equal(a->active_fe, b->active_fe);
    assert_int_equal(a->ndomains, b->ndomains);
    for (int i = 0; i < a->ndomains; i++) {
        assert_string_equal(a->domains[i].name, b->domains[i].name);
        assert_int_equal(a->domains[i].ready, b->domains[i].ready);
        assert_int_equal(a->domains[i].nfronts, b->domains[i].nfronts);
        for (int k = 0; k < a->domains[i].nfronts; k++)
            assert_string_equal(a->domains[i].fronts[k], b->domains[i].fronts[k]);
    }
}

/* ---- the agreed vectors ---- */

static void test_vector_json_ready(void **state)
{
    (void)state;
    size_t n;
    char *t = vector("json-ready.json", &n);
    struct pp_readiness r;
    assert_int_equal(readiness_parse(t, n, &r), 0);
    assert_int_equal(r.state, PP_READY_READY);
    assert_int_equal(r.total_fe, 6);
    assert_int_equal(r.active_fe, 6);
    assert_int_equal(r.ndomains, 3);
    assert_domain(&r, 0, "UpgradeDomain1", 1, 2, "fe01.contoso.com", "fe02.contoso.com");
    assert_domain(&r, 1, "UpgradeDomain2", 1, 2, "fe03.contoso.com", "fe04.contoso.com");
    assert_domain(&r, 2, "UpgradeDomain3", 1, 2, "fe05.contoso.com", "fe06.contoso.com");
    assert_string_equal(r.why, "");
    readiness_free(&r);
    readiness_free(&r);   /* twice is harmless */
    free(t);
}

static void test_vector_json_busy_insufficient(void **state)
{
    (void)state;
    size_t n;
    char *t = vector("json-busy.json", &n);
    struct pp_readiness r;
    assert_int_equal(readiness_parse(t, n, &r), 0);
    assert_int_equal(r.state, PP_READY_BUSY);
    assert_int_equal(r.total_fe, 6);
    assert_int_equal(r.active_fe, 5);
    assert_int_equal(r.ndomains, 3);
    assert_domain(&r, 0, "UpgradeDomain1", 0, 2, "fe01.contoso.com", "fe02.contoso.com");
    assert_domain(&r, 1, "UpgradeDomain2", 1, 2, NULL, NULL);
    readiness_free(&r);
    free(t);

    t = vector("json-insufficient.json", &n);
    assert_int_equal(readiness_parse(t, n, &r), 0);
    assert_int_equal(r.state, PP_READY_INSUFFICIENT);
    assert_int_equal(r.total_fe, 6);
    assert_int_equal(r.active_fe, 2);
    assert_int_equal(r.ndomains, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(r.domains[i].ready, 0);
    assert_domain(&r, 2, "UpgradeDomain3", 0, 2, "fe05.contoso.com", "fe06.contoso.com");
    readiness_free(&r);
    free(t);
}

static void test_vector_list(void **state)
{
    (void)state;
    size_t n, m;
    char *t = vector("list-ready.txt", &n);
    char *j = vector("json-ready.json", &m);
    struct pp_readiness r, rj;
    assert_int_equal(readiness_parse(t, n, &r), 0);
    assert_int_equal(readiness_parse(j, m, &rj), 0);
    assert_same(&r, &rj);
    readiness_free(&r);
    readiness_free(&rj);
    free(t);
    free(j);

    t = vector("list-truncated.txt", &n);
    int rc = readiness_parse(t, n, &r);
    assert_unknown(&r, rc, "truncated");
    assert_non_null(strstr(r.why, "fe04.contoso.com..."));
    readiness_free(&r);
    free(t);
}

/* The files this parser's tests added (see the README's second table). */
static void test_vectors_added(void **state)
{
    (void)state;
    size_t n;
    struct pp_readiness r;
    int rc;
    char *t = vector("json-single-domain.json", &n);
    assert_int_equal(readiness_parse(t, n, &r), 0);
    assert_int_equal(r.state, PP_READY_READY);
    assert_int_equal(r.total_fe, 2);
    assert_int_equal(r.ndomains, 1);
    assert_domain(&r, 0, "UpgradeDomain1", 1, 1, "fe01.contoso.com", NULL);
    readiness_free(&r);
    free(t);

    t = vector("json-isready-alias.json", &n);
    assert_int_equal(readiness_parse(t, n, &r), 0);
    assert_int_equal(r.state, PP_READY_READY);
    assert_int_equal(r.ndomains, 2);
    assert_domain(&r, 0, "UpgradeDomain1", 1, 2, "fe01.contoso.com", "fe02.contoso.com");
    assert_domain(&r, 1, "UpgradeDomain2", 0, 2, "fe03.contoso.com", "fe04.contoso.com");
    readiness_free(&r);
    free(t);

    t = vector("json-cp950-warning.txt", &n);
    assert_int_equal(readiness_parse(t, n, &r), 0);
    assert_int_equal(r.state, PP_READY_BUSY);
    assert_int_equal(r.total_fe, 3);
    assert_int_equal(r.active_fe, 3);
    assert_domain(&r, 1, "UpgradeDomain2", 0, 2, "fe02.contoso.com", "fe03.contoso.com");
    readiness_free(&r);
    free(t);

    t = vector("json-cp950-names.txt", &n);
    rc = readiness_parse(t, n, &r);
    assert_unknown(&r, rc, "upgrade domain name");
    readiness_free(&r);
    free(t);

    t = vector("json-bom-marker.txt", &n);
    assert_int_equal(readiness_parse(t, n, &r), 0);
    assert_int_equal(r.state, PP_READY_READY);
    assert_int_equal(r.ndomains, 2);
    readiness_free(&r);
    free(t);

    t = vector("json-array-one.json", &n);
    assert_int_equal(readiness_parse(t, n, &r), 0);
    assert_int_equal(r.state, PP_READY_INSUFFICIENT);
    assert_int_equal(r.active_fe, 1);
    assert_domain(&r, 0, "UpgradeDomain1", 0, 3, "fe01.contoso.com", "fe02.contoso.com");
    readiness_free(&r);
    free(t);

    static const struct {
        const char *file, *words;
    } unknown[] = {
        {"json-numeric-state.json", "numeric state 0"},
        {"json-bad-frontend.json", "fe01.contoso.com & calc.exe"},
        {"json-huge-number.json", "TotalFrontEnds"},
        {"json-nested-garbage.txt", "nested too deeply"},
        {"list-ps7-ellipsis.txt", "truncated"},
    };
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        t = vector(unknown[i].file, &n);
        rc = readiness_parse(t, n, &r);
        assert_unknown(&r, rc, unknown[i].words);
        readiness_free(&r);
        free(t);
    }

    t = vector("list-wrapped.txt", &n);
    assert_int_equal(readiness_parse(t, n, &r), 0);
    assert_int_equal(r.state, PP_READY_READY);
    assert_int_equal(r.ndomains, 2);
    assert_domain(&r, 0, "UpgradeDomain1", 1, 3, "fe01.contoso.com", "fe02.contoso.com");
    assert_string_equal(r.domains[0].fronts[2], "fe03.contoso.com");
    assert_domain(&r, 1, "UpgradeDomain2", 0, 3, "fe04.contoso.com", "fe05.contoso.com");
    readiness_free(&r);
    free(t);
}

/* ---- JSON rules ---- */

static void test_json_states(void **state)
{
    (void)state;
    expect_state("{\"PoolUpgradeState\":\"ready\"}", PP_READY_READY);
    expect_state("{\"poolupgradestate\":\"BUSY\"}", PP_READY_BUSY);
    expect_state("{\"POOLUPGRADESTATE\":\"insufficientactivefrontends\"}", PP_READY_INSUFFICIENT);
    expect_unknown("{\"PoolUpgradeState\":\"Degraded\"}", "\"Degraded\" not understood");
    expect_unknown("{\"PoolUpgradeState\":\" Ready\"}", "not understood");
    expect_unknown("{\"PoolUpgradeState\":\"Ready\\u0000\"}", "not understood");
    expect_unknown("{\"PoolUpgradeState\":2}", "numeric state 2");
    expect_unknown("{\"PoolUpgradeState\":-1.5e3}", "numeric state -1.5e3");
    expect_unknown("{\"PoolUpgradeState\":null}", "PoolUpgradeState");
    expect_unknown("{\"PoolUpgradeState\":true}", "not a string");
    expect_unknown("{\"PoolUpgradeState\":{\"Value\":\"Ready\"}}", "not a string");
    expect_unknown("{\"TotalFrontEnds\":6}", "PoolUpgradeState missing");
    expect_unknown("{}", "PoolUpgradeState missing");
    expect_unknown("{\"State\":\"Ready\"}", "PoolUpgradeState missing");
    /* the same property twice, in any letter case: ambiguous */
    expect_unknown("{\"PoolUpgradeState\":\"Busy\",\"poolUpgradeState\":\"Ready\"}", "twice");
}

static void test_json_counts_and_domains_optional(void **state)
{
    (void)state;
    struct pp_readiness r;
    assert_int_equal(parse_str("{\"PoolUpgradeState\":\"Ready\"}", &r), 0);
    assert_int_equal(r.total_fe, -1);
    assert_int_equal(r.active_fe, -1);
    assert_int_equal(r.ndomains, 0);
    readiness_free(&r);
    assert_int_equal(parse_str("{\"PoolUpgradeState\":\"Ready\",\"TotalFrontEnds\":null,"
                               "\"TotalActiveFrontEnds\":\"4\",\"UpgradeDomains\":[]}", &r), 0);
    assert_int_equal(r.total_fe, -1);
    assert_int_equal(r.active_fe, 4);
    assert_int_equal(r.ndomains, 0);
    readiness_free(&r);
    expect_state("{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":null}", PP_READY_READY);
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"TotalFrontEnds\":6.0}", "not a count");
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"TotalFrontEnds\":-1}", "not a count");
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"TotalFrontEnds\":99999999999999999999}",
                   "not a count");
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"TotalFrontEnds\":[6]}", "not a number");
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"TotalFrontEnds\":4,"
                   "\"TotalActiveFrontEnds\":5}", "exceeds");
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":\"UpgradeDomain1\"}",
                   "not a list of objects");
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":[\"Microsoft.Rtc.X\"]}",
                   "type name");
}

static void test_json_domain_rules(void **state)
{
    (void)state;
    struct pp_readiness r;
    /* booleans as strings, null readiness, unknown properties */
    assert_int_equal(parse_str(
        "{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":["
        "{\"UpgradeDomain\":\"UD1\",\"FrontEnds\":[\"a.example.com\"],\"ReadyForUpgrade\":\"True\"},"
        "{\"upgradedomain\":\"UD2\",\"frontends\":\"b.example.com\",\"readyforupgrade\":\"false\"},"
        "{\"UpgradeDomain\":\"UD3\",\"FrontEnds\":null,\"ReadyForUpgrade\":false,\"Extra\":{\"x\":[1,{}]}},"
        "{\"UpgradeDomain\":\"UD4\",\"FrontEnds\":[],\"ReadyForUpgrade\":\"False\"}]}", &r), 0);
    assert_int_equal(r.ndomains, 4);
    assert_domain(&r, 0, "UD1", 1, 1, "a.example.com", NULL);
    assert_domain(&r, 1, "UD2", 0, 1, "b.example.com", NULL);
    assert_domain(&r, 2, "UD3", 0, 0, NULL, NULL);
    assert_domain(&r, 3, "UD4", 0, 0, NULL, NULL);
    readiness_free(&r);
    /* a flag that is null, missing or "Unknown" (what the profiles write
     * when no property name matched) is not False: the answer is unknown */
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":["
                   "{\"UpgradeDomain\":\"UD1\",\"FrontEnds\":[\"a.example.com\"],\"ReadyForUpgrade\":true},"
                   "{\"UpgradeDomain\":\"UD3\",\"ReadyForUpgrade\":null}]}",
                   "UD3 has no ReadyForUpgrade value");
    expect_unknown("{\"PoolUpgradeState\":\"Busy\",\"UpgradeDomains\":["
                   "{\"UpgradeDomain\":\"UD4\",\"FrontEnds\":[]}]}", "UD4 has no ReadyForUpgrade");
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":["
                   "{\"UpgradeDomain\":\"UD1\",\"ReadyForUpgrade\":\"Unknown\"}]}",
                   "\"Unknown\" of UD1 is neither True nor False");

    const char *pre = "{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":";
    char buf[1024];
#define DOM(body, words)                                                       \
    do {                                                                       \
        snprintf(buf, sizeof buf, "%s%s}", pre, body);                        \
        expect_unknown(buf, words);                                            \
    } while (0)
    DOM("{\"UpgradeDomain\":\"UD1\",\"ReadyForUpgrade\":1}", "not true or false");
    DOM("{\"UpgradeDomain\":\"UD1\",\"ReadyForUpgrade\":\"yes\"}", "neither True nor False");
    DOM("{\"UpgradeDomain\":\"UD1\",\"ReadyForUpgrade\":true,\"IsReadyForUpgrade\":true}", "twice");
    DOM("{\"UpgradeDomain\":\"UD1\",\"upgradeDomain\":\"UD2\"}", "twice");
    DOM("{\"FrontEnds\":[\"a.example.com\"]}", "has no name");
    DOM("{\"UpgradeDomain\":7}", "not a string");
    DOM("{\"UpgradeDomain\":\"Upgrade Domain1\"}", "\"Upgrade Domain1\"");
    DOM("{\"UpgradeDomain\":\"-rf\"}", "upgrade domain name");
    DOM("{\"UpgradeDomain\":\"UD\\u0000x\"}", "upgrade domain name");
    DOM("{\"UpgradeDomain\":\"A123456789012345678901234567890123456789012345678901234567890123\"}",
        "upgrade domain name");
    DOM("{\"UpgradeDomain\":\"UD1\",\"FrontEnds\":[{\"Fqdn\":\"a.example.com\"}]}", "not a string");
    DOM("[{\"UpgradeDomain\":\"UD1\"},{\"UpgradeDomain\":\"ud1\"}]", "listed twice");
    DOM("[{\"UpgradeDomain\":\"UD1\",\"FrontEnds\":[\"a.example.com\"]},"
        "{\"UpgradeDomain\":\"UD2\",\"FrontEnds\":[\"A.example.com\"]}]", "listed in both");
    DOM("{\"UpgradeDomain\":\"UD1\",\"FrontEnds\":[\"a.example.com\",\"a.example.com\"]}",
        "listed twice in UD1");
#undef DOM
}

/* A server name with shell metacharacters in an answer never passes. */
static void test_json_hostile_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "fe01.contoso.com; Restart-Computer", "fe01'", "fe01\\\"", "$(reboot)", "`calc`",
        "fe01 & calc.exe", "fe01|x", "fe01\\nreboot", "fe01\\u0000", "\\u001b]0;x\\u0007",
        "-Force", "*", "", "..", "fe01..contoso.com", "\\u4e2d.contoso.com",
        "a23456789012345678901234567890123456789012345678901234567890123456789.com",
    };
    char buf[512];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(buf, sizeof buf,
                 "{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":[{\"UpgradeDomain\":\"UD1\","
                 "\"FrontEnds\":[\"ok.example.com\",\"%s\"],\"ReadyForUpgrade\":true}]}", bad[i]);
        expect_unknown(buf, "not a valid DNS name");
    }
    /* a 300-character name */
    char name[301];
    memset(name, 'a', 300);
    name[300] = 0;
    snprintf(buf, sizeof buf, "{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":"
                              "{\"UpgradeDomain\":\"UD1\",\"FrontEnds\":\"%s\"}}", name);
    expect_unknown(buf, "not a valid DNS name");
}

static void test_json_limits(void **state)
{
    (void)state;
    /* exactly the limits pass; one more does not */
    for (int extra = 0; extra <= 1; extra++) {
        size_t cap = 1 << 20;
        char *b = malloc(cap);
        size_t n = (size_t)snprintf(b, cap, "{\"PoolUpgradeState\":\"Busy\",\"UpgradeDomains\":[");
        for (int i = 0; i < PP_READINESS_MAX_DOMAINS + extra; i++)
            n += (size_t)snprintf(b + n, cap - n, "%s{\"UpgradeDomain\":\"UD%d\",\"FrontEnds\":"
                                  "\"fe%d.example.com\",\"ReadyForUpgrade\":false}", i ? "," : "", i, i);
        n += (size_t)snprintf(b + n, cap - n, "]}");
        struct pp_readiness r;
        int rc = readiness_parse(b, n, &r);
        if (extra)
            assert_unknown(&r, rc, "more than 256 upgrade domains");
        else {
            assert_int_equal(rc, 0);
            assert_int_equal(r.ndomains, PP_READINESS_MAX_DOMAINS);
            assert_string_equal(r.domains[255].name, "UD255");
            assert_string_equal(r.domains[255].fronts[0], "fe255.example.com");
        }
        readiness_free(&r);

        n = (size_t)snprintf(b, cap, "{\"PoolUpgradeState\":\"Busy\",\"UpgradeDomains\":"
                                     "{\"UpgradeDomain\":\"UD1\",\"FrontEnds\":[");
        for (int i = 0; i < PP_READINESS_MAX_FE + extra; i++)
            n += (size_t)snprintf(b + n, cap - n, "%s\"fe%d.example.com\"", i ? "," : "", i);
        n += (size_t)snprintf(b + n, cap - n, "],\"ReadyForUpgrade\":false}}");
        rc = readiness_parse(b, n, &r);
        if (extra)
            assert_unknown(&r, rc, "more than 64 front ends in UD1");
        else {
            assert_int_equal(rc, 0);
            assert_int_equal(r.domains[0].nfronts, PP_READINESS_MAX_FE);
            assert_string_equal(r.domains[0].fronts[63], "fe63.example.com");
        }
        readiness_free(&r);
        free(b);
    }
    /* input size: 1 MiB passes, one byte more does not */
    size_t big = 1 << 20;
    char *b = malloc(big + 2);
    memset(b, ' ', big + 1);
    memcpy(b, "{\"PoolUpgradeState\":\"Ready\"}", 28);
    struct pp_readiness r;
    assert_int_equal(readiness_parse(b, big, &r), 0);
    readiness_free(&r);
    int rc = readiness_parse(b, big + 1, &r);
    assert_unknown(&r, rc, "too large");
    free(b);
    /* nesting: 100000 levels deep costs no stack */
    size_t deep = 100000;
    b = malloc(2 * deep + 64);
    size_t n = (size_t)sprintf(b, "{\"PoolUpgradeState\":\"Ready\",\"x\":");
    memset(b + n, '[', deep);
    n += deep;
    memset(b + n, ']', deep);
    n += deep;
    b[n++] = '}';
    rc = readiness_parse(b, n, &r);
    assert_unknown(&r, rc, "nested too deeply");
    /* and 100000 objects deep */
    n = 0;
    for (size_t i = 0; i < deep / 8; i++)
        n += (size_t)sprintf(b + n, "{\"a\":");
    rc = readiness_parse(b, n, &r);
    assert_unknown(&r, rc, "");
    free(b);
}

static void test_json_located_in_noise(void **state)
{
    (void)state;
    /* warnings with braces, a cut-off attempt, then the answer, then the marker */
    expect_state("WARNING: {x} is {\"deprecated\r\nWARNING: [1]\r\n"
                 "{\"PoolUpgradeState\":\"Busy\"}\r\n@@POOLPILOT-RESULT@@ ok\r\n", PP_READY_BUSY);
    expect_state("\xEF\xBB\xBF{\"PoolUpgradeState\":\"Ready\"}", PP_READY_READY);
    expect_state("[{\"PoolUpgradeState\":\"Ready\"}]", PP_READY_READY);
    expect_state("{ }\n{\"Progress\":[1,2]}\n{\"PoolUpgradeState\":\"Ready\"}", PP_READY_READY);
    /* a state nested in something else is not the answer */
    expect_unknown("{\"x\":{\"PoolUpgradeState\":\"Ready\"}}", "PoolUpgradeState missing");
    expect_unknown("[{\"PoolUpgradeState\":\"Ready\"},{\"PoolUpgradeState\":\"Busy\"}]",
                   "holds 2 results");
    /* a failed marker beats whatever came before it */
    expect_unknown("{\"PoolUpgradeState\":\"Ready\"}\n@@POOLPILOT-RESULT@@ failed The term "
                   "'Get-CsPoolUpgradeReadinessState' is not recognized\n",
                   "check failed: The term");
    /* a cut-off answer: its inner objects are not the answer */
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":[{\"UpgradeDomain\":\"UD1\","
                   "\"FrontEnds\":[\"fe01.example.com\"]},{\"UpgradeDomain\":\"UD2\"",
                   "incomplete or invalid");
    expect_unknown("{\"UpgradeDomain\":\"UD1\",\"x\":{\"PoolUpgradeState\":\"Ready\"}",
                   "incomplete or invalid");
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",}", "incomplete or invalid");
    expect_unknown("{\"PoolUpgradeState\":'Ready'}", "incomplete or invalid");
    expect_unknown("{\"PoolUpgradeState\":\"Re\nady\"}", "incomplete or invalid");
    expect_unknown("{\"PoolUpgradeState\":\"Ready\\x\"}", "incomplete or invalid");
    expect_unknown("", "empty answer");
    expect_unknown("Get-CsPoolUpgradeReadinessState : Access is denied.\r\n", "no readiness answer");
    struct pp_readiness r;
    int rc = readiness_parse(NULL, 5, &r);
    assert_unknown(&r, rc, "empty");
}

/* Every strict prefix of a JSON answer is Unknown: a cut stream is never
 * mistaken for a whole one. */
static void test_json_every_prefix_unknown(void **state)
{
    (void)state;
    static const char *const files[] = {"json-ready.json", "json-busy.json",
                                        "json-insufficient.json", "json-single-domain.json",
                                        "json-bom-marker.txt", "json-array-one.json"};
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t n;
        char *t = vector(files[f], &n);
        const char *last = NULL;
        for (const char *p = t; (p = strchr(p, files[f][5] == 'a' ? ']' : '}')); p++)
            last = p;
        assert_non_null(last);
        size_t end = (size_t)(last - t) + 1;
        for (size_t cut = 0; cut < end; cut++) {
            char *c = malloc(cut + 1);   /* exact size: ASan checks the reads */
            memcpy(c, t, cut);
            struct pp_readiness r;
            int rc = readiness_parse(c, cut, &r);
            if (rc != -1 || r.state != PP_READY_UNKNOWN)
                fail_msg("%s cut at %zu read as %s", files[f], cut, pp_ready_name(r.state));
            readiness_free(&r);
            free(c);
        }
        free(t);
    }
}

/* ---- Format-List ---- */

static void test_list_rules(void **state)
{
    (void)state;
    struct pp_readiness r;
    /* LF only, odd letter cases, unknown properties, a warning line, no braces */
    assert_int_equal(parse_str("WARNING: slow\n"
                               "poolupgradestate : busy\nIdentity         : pool01\n"
                               "totalfrontends   : 2\n\n"
                               "upgradedomain     : UD1\nfrontends         : fe01.example.com\n"
                               "isreadyforupgrade : false\n\n"
                               "UpgradeDomain : UD2\nFrontEnds     : {}\nReadyForUpgrade : False\n"
                               "@@POOLPILOT-RESULT@@ ok\n", &r), 0);
    assert_int_equal(r.state, PP_READY_BUSY);
    assert_int_equal(r.total_fe, 2);
    assert_int_equal(r.active_fe, -1);
    assert_int_equal(r.ndomains, 2);
    assert_domain(&r, 0, "UD1", 0, 1, "fe01.example.com", NULL);
    assert_domain(&r, 1, "UD2", 0, 0, NULL, NULL);
    readiness_free(&r);
    /* the pool block alone is not a pool without domains: Format-List
     * did not expand them (issue 11: never "Ready with no domains") */
    expect_unknown("PoolUpgradeState : Ready\r\nUpgradeDomains   : {UD1, UD2}\r\n",
                   "no upgrade domain is described");

    expect_unknown("PoolUpgradeState : Ready\nTotalFrontEnds   : 6...\n", "truncated");
    expect_unknown("PoolUpgradeState : Ready\nUpgradeDomains : {UD1, UD2, UD3, UD4...}\n",
                   "truncated");
    expect_unknown("PoolUpgradeState : Rea...\n", "truncated");
    expect_unknown("PoolUpgradeState : Unknown\n", "\"Unknown\" not understood");
    expect_unknown("PoolUpgradeState : \n", "not understood");
    expect_unknown("TotalFrontEnds : 6\n", "PoolUpgradeState missing");
    expect_unknown("PoolUpgradeState : Ready\nPoolUpgradeState : Busy\n", "twice");
    expect_unknown("PoolUpgradeState : Ready\n\nPoolUpgradeState : Ready\n", "more than one pool");
    expect_unknown("PoolUpgradeState : Ready\nUpgradeDomain : UD1\n", "mixes");
    expect_unknown("PoolUpgradeState : Ready\n\nUpgradeDomain : UD1\n"
                   "FrontEnds : {fe01.example.com, fe02.example.com\n", "unterminated");
    expect_unknown("PoolUpgradeState : Ready\n\nUpgradeDomain : UD1\n"
                   "FrontEnds : {fe01.example.com, fe02.example.com; calc}\n",
                   "not a valid DNS name");
    expect_unknown("PoolUpgradeState : Ready\n\nUpgradeDomain : UD1\n"
                   "FrontEnds : {fe01.example.com,, fe02.example.com}\n", "\"\"");
    expect_unknown("PoolUpgradeState : Ready\n\nUpgradeDomain : UD1\nReadyForUpgrade : Yes\n",
                   "neither True nor False");
    expect_unknown("PoolUpgradeState : Ready\nUpgradeDomains : {UD1, UD2}\n\n"
                   "UpgradeDomain : UD1\n", "does not match");
    expect_unknown("PoolUpgradeState : Ready\nUpgradeDomains : {UD1, UD1}\n\n"
                   "UpgradeDomain : UD1\n\nUpgradeDomain : UD2\n", "does not match");
    expect_unknown("PoolUpgradeState : Ready\n\nUpgradeDomain : UD1\n\nUpgradeDomain : ud1\n",
                   "listed twice");
    /* a name cut by a wrap never passes as two names */
    expect_unknown("PoolUpgradeState : Ready\n\nUpgradeDomain : UD1\n"
                   "FrontEnds : {fe01.example.com, fe02.exa\n            mple.com}\n",
                   "\"fe02.exa mple.com\"");
    /* "WARNING: x" and "Name: x" are not Format-List lines */
    expect_unknown("PoolUpgradeState: Ready\n", "no readiness answer");
}

/* A cut Format-List answer never invents a name or a readiness. */
static void test_list_every_prefix_is_honest(void **state)
{
    (void)state;
    static const char *const files[] = {"list-ready.txt", "list-wrapped.txt"};
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t n;
        char *t = vector(files[f], &n);
        struct pp_readiness whole;
        assert_int_equal(readiness_parse(t, n, &whole), 0);
        for (size_t cut = 0; cut <= n; cut++) {
            char *c = malloc(cut + 1);
            memcpy(c, t, cut);
            struct pp_readiness r;
            int rc = readiness_parse(c, cut, &r);
            if (rc == 0) {
                assert_int_equal(r.state, whole.state);
                assert_true(r.ndomains <= whole.ndomains);
                for (int i = 0; i < r.ndomains; i++) {
                    assert_string_equal(r.domains[i].name, whole.domains[i].name);
                    assert_true(r.domains[i].ready == -1 ||
                                r.domains[i].ready == whole.domains[i].ready);
                    assert_true(r.domains[i].nfronts <= whole.domains[i].nfronts);
                    for (int k = 0; k < r.domains[i].nfronts; k++)
                        assert_string_equal(r.domains[i].fronts[k], whole.domains[i].fronts[k]);
                }
            } else {
                assert_int_equal(r.state, PP_READY_UNKNOWN);
            }
            readiness_free(&r);
            free(c);
        }
        readiness_free(&whole);
        free(t);
    }
}

/* Random damage to the vectors: never a crash (ASan/UBSan watch), and a
 * known answer only ever carries valid names. */
static void test_mutations(void **state)
{
    (void)state;
    static const char *const files[] = {"json-ready.json", "list-ready.txt", "json-busy.json",
                                        "list-wrapped.txt", "json-single-domain.json"};
    static const char pool[] = "{}[]\",:\\ \r\n.0-eE+u\x1b\xff\xe4...truefalsenull";
    uint32_t seed = 4242;
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t n;
        char *t = vector(files[f], &n);
        for (int iter = 0; iter < 3000; iter++) {
            char *m = malloc(n + 16);
            memcpy(m, t, n);
            size_t len = n;
            seed = seed * 1103515245u + 12345u;
            int edits = 1 + (int)((seed >> 16) % 4);
            for (int e = 0; e < edits && len > 0; e++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = (seed >> 8) % len;
                seed = seed * 1103515245u + 12345u;
                char ch = pool[(seed >> 16) % (sizeof pool - 1)];
                switch ((seed >> 4) % 3) {
                case 0: m[at] = ch; break;                                    /* replace */
                case 1: memmove(m + at, m + at + 1, len - at - 1); len--; break; /* delete */
                default:                                                      /* insert */
                    memmove(m + at + 1, m + at, len - at);
                    m[at] = ch;
                    len++;
                }
            }
            char *exact = malloc(len ? len : 1);
            memcpy(exact, m, len);
            struct pp_readiness r;
            int rc = readiness_parse(exact, len, &r);
            if (rc == 0) {
                assert_true(r.state != PP_READY_UNKNOWN);
                for (int i = 0; i < r.ndomains; i++)
                    for (int k = 0; k < r.domains[i].nfronts; k++)
                        assert_true(names_valid_host(r.domains[i].fronts[k]));
            } else {
                assert_int_equal(r.state, PP_READY_UNKNOWN);
                assert_true(r.why[0] != 0);
            }
            readiness_free(&r);
            free(exact);
            free(m);
        }
        free(t);
    }
}

/* The simulator answers with readiness_to_json: the parser reads it back
 * exactly, including the unknowns it writes as null. */
static void test_round_trip_with_emitter(void **state)
{
    (void)state;
    static const char *const files[] = {"json-ready.json", "json-busy.json", "list-wrapped.txt",
                                        "json-isready-alias.json"};
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t n;
        char *t = vector(files[f], &n);
        struct pp_readiness a, b;
        assert_int_equal(readiness_parse(t, n, &a), 0);
        a.total_fe = -1;
        char *json = readiness_to_json(&a);
        assert_non_null(json);
        assert_int_equal(readiness_parse(json, strlen(json), &b), 0);
        assert_same(&a, &b);
        readiness_free(&b);
        free(json);
        /* an unknown flag is written as null and read back as unknown */
        if (a.ndomains > 1)
            a.domains[1].ready = -1;
        json = readiness_to_json(&a);
        assert_non_null(json);
        assert_int_equal(readiness_parse(json, strlen(json), &b), -1);
        assert_non_null(strstr(b.why, "has no ReadyForUpgrade value"));
        readiness_free(&a);
        readiness_free(&b);
        free(json);
        free(t);
    }
}

/* Shapes Windows PowerShell 5.1 writes that no one has captured from a
 * Front End yet (issue 11, "Unknown shapes"): each is Unknown with a
 * reason that says what could not be read, never Ready, never "not ready". */
static void test_vectors_unknown_shapes(void **state)
{
    (void)state;
    static const struct { const char *file, *words; } cases[] = {
        {"json-depth2-typenames.json", "is a .NET type name"},
        {"json-depth1-domains.json", "type name \"Microsoft.Rtc.Management.Hadr.UpgradeDomainInfo\""},
        {"json-missing-ready.json", "UpgradeDomain1 has no ReadyForUpgrade value"},
        {"json-enum-numbers.json", "not true or false"},
        {"list-typename-domains.txt", "no upgrade domain is described"},
        {"list-empty-domains.txt", "no upgrade domain is described"},
        {"json-numeric-state.json", "numeric state 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n;
        char *t = vector(cases[i].file, &n);
        struct pp_readiness r;
        int rc = readiness_parse(t, n, &r);
        if (rc != -1 || !strstr(r.why, cases[i].words))
            fail_msg("%s: rc %d, why \"%s\"", cases[i].file, rc, r.why);
        assert_int_equal(r.state, PP_READY_UNKNOWN);
        assert_int_equal(r.ndomains, 0);
        readiness_free(&r);
        free(t);
    }
    /* a lone type name where one Front End should be looks like a DNS name */
    expect_unknown("{\"PoolUpgradeState\":\"Ready\",\"UpgradeDomains\":[{\"UpgradeDomain\":\"UD1\","
                   "\"FrontEnds\":\"Microsoft.Rtc.Management.Core.Fqdn\",\"ReadyForUpgrade\":true}]}",
                   "type name");
}

static void test_free_is_safe(void **state)
{
    (void)state;
    struct pp_readiness r;
    memset(&r, 0, sizeof r);
    readiness_free(&r);
    readiness_free(&r);
    readiness_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_json_ready),
        cmocka_unit_test(test_vector_json_busy_insufficient),
        cmocka_unit_test(test_vector_list),
        cmocka_unit_test(test_vectors_unknown_shapes),
        cmocka_unit_test(test_vectors_added),
        cmocka_unit_test(test_json_states),
        cmocka_unit_test(test_json_counts_and_domains_optional),
        cmocka_unit_test(test_json_domain_rules),
        cmocka_unit_test(test_json_hostile_names),
        cmocka_unit_test(test_json_limits),
        cmocka_unit_test(test_json_located_in_noise),
        cmocka_unit_test(test_json_every_prefix_unknown),
        cmocka_unit_test(test_list_rules),
        cmocka_unit_test(test_list_every_prefix_is_honest),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_round_trip_with_emitter),
        cmocka_unit_test(test_free_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
