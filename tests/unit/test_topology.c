/* Topology order (issue 11 item 14): the parser of the `topology` command's
 * answer on messy input, and the engine's use of it: a match lets the
 * first domain be offered, a different order / a missing / an extra server
 * stops the run, an unreadable answer is asked, never taken as a match. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/pool/topology.h"
#include "tests/unit/helpers/engine_driver.h"

static const char good[] =
    "\xEF\xBB\xBF" "VERBOSE: Loading module Lync\r\n"
    "\r\n"
    "  PP-TOPOLOGY-BEGIN 3\r\n"
    "pp-topology FE01.Contoso.com\r\n"
    "\r\n"
    "pp-topology fe02.contoso.com.  \r\n"
    "Pp-Topology   fe03.CONTOSO.COM\r\n"
    "pp-topology-end 3\r\n"
    "@@POOLPILOT-RESULT@@ ok\r\n";

static void test_parse_messy_input(void **st)
{
    (void)st;
    struct pp_topology t;
    assert_true(topology_parse(good, strlen(good), &t));
    assert_int_equal(t.n, 3);
    assert_string_equal(t.names[0], "FE01.Contoso.com");
    assert_string_equal(t.names[1], "fe02.contoso.com");   /* trailing dot and blanks gone */
    assert_string_equal(t.names[2], "fe03.CONTOSO.COM");
}

/* Each of these must be Unknown, with a reason: never a list. */
static void test_parse_refuses_bad_answers(void **st)
{
    (void)st;
    static const char *const bad[] = {
        "",                                                                   /* nothing */
        "pp-topology-begin 1\npp-topology fe01.contoso.com\n",                /* cut: no end */
        "pp-topology fe01.contoso.com\npp-topology-end 1\n",                  /* no begin */
        "pp-topology-begin 2\npp-topology fe01.contoso.com\npp-topology-end 2\n", /* count */
        "pp-topology-begin 1\npp-topology ?\npp-topology-end 1\n",            /* no name */
        "pp-topology-begin 1\npp-topology Microsoft.Rtc Machine\npp-topology-end 1\n",
        "pp-topology-begin 2\npp-topology a.b\npp-topology A.B\npp-topology-end 2\n", /* twice */
        "pp-topology-begin 0\npp-topology-end 0\n",                           /* empty */
        "pp-topology-begin\npp-topology a.b\npp-topology-end\n",              /* no counts */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pp_topology t;
        if (topology_parse(bad[i], strlen(bad[i]), &t))
            fail_msg("answer %zu read as known", i);
        assert_true(t.why[0] != 0);
    }
}

/* The usual 8-server pool, its topology reads answered by the test. */
static struct drv *manual(void)
{
    struct drv *d = drv_pool8("", "");
    d->topo_manual = true;
    return d;
}

/* Start, Ready: the topology read comes next, on the server the readiness
 * check used; returns its run index. */
static int to_topology(struct drv *d)
{
    drv_start(d);
    int rs = d->runs[drv_find(d, PP_CMD_READINESS, -2)].server;
    drv_answer_check(d, PP_READY_READY);
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    int i = drv_find(d, PP_CMD_TOPOLOGY, -2);
    assert_true(i >= 0);
    assert_int_equal(d->runs[i].server, rs);
    return i;
}

static void test_match_offers_the_first_domain(void **st)
{
    (void)st;
    struct drv *d = manual();
    int i = to_topology(d);
    struct pp_topology t;
    drv_topology(d, &t);
    /* DNS names compare without regard to case */
    snprintf(t.names[3], PP_NAME_MAX, "FE04.CONTOSO.COM");
    drv_finish_topology(d, i, PP_RES_OK, &t, "");
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    const struct pp_jrec *r = drv_last(d, "topology");
    assert_non_null(r);
    assert_string_equal(r->state, "match");
    assert_false(d->exited);
    /* read once: the rest of the run never asks again */
    d->topo_manual = false;
    assert_true(drv_autorun(d, 10000) > 0);
    assert_int_equal(d->exit_code, 0);
    assert_int_equal(drv_count(d, "topology"), 1);
    assert_int_equal(d->topo_answers, 0);
    drv_destroy(d);
}

/* A stop, journaled "differs", nothing started. */
static void expect_stop(struct drv *d, const char *why_has)
{
    const struct pp_jrec *r = drv_last(d, "topology");
    assert_non_null(r);
    assert_string_equal(r->state, "differs");
    if (!strstr(r->reason, why_has))
        fail_msg("reason \"%s\" lacks \"%s\"", r->reason, why_has);
    assert_true(d->exited);
    assert_int_equal(d->exit_code, 1);
    assert_int_equal(drv_count(d, "stop"), 1);
    assert_int_equal(drv_count(d, "domain-start"), 0);
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
}

static void test_other_order_stops(void **st)
{
    (void)st;
    struct drv *d = manual();
    int i = to_topology(d);
    struct pp_topology t;
    drv_topology(d, &t);
    /* fe08 was started before fe07: it is among the "first 7" */
    char tmp[PP_NAME_MAX];
    memcpy(tmp, t.names[6], PP_NAME_MAX);
    memcpy(t.names[6], t.names[7], PP_NAME_MAX);
    memcpy(t.names[7], tmp, PP_NAME_MAX);
    drv_finish_topology(d, i, PP_RES_OK, &t, "");
    expect_stop(d, "server 7 in topology order is fe08.contoso.com");
    drv_destroy(d);
}

static void test_missing_server_stops(void **st)
{
    (void)st;
    struct drv *d = manual();
    int i = to_topology(d);
    struct pp_topology t;
    drv_topology(d, &t);
    t.n = 7;   /* the pool does not list fe08 */
    drv_finish_topology(d, i, PP_RES_OK, &t, "");
    expect_stop(d, "fe08.contoso.com is in [servers] but the pool does not list it");
    drv_destroy(d);
}

static void test_extra_server_stops(void **st)
{
    (void)st;
    struct drv *d = manual();
    int i = to_topology(d);
    struct pp_topology t;
    drv_topology(d, &t);
    snprintf(t.names[t.n++], PP_NAME_MAX, "fe09.contoso.com");
    drv_finish_topology(d, i, PP_RES_OK, &t, "");
    expect_stop(d, "the pool lists fe09.contoso.com, which [servers] does not");
    drv_destroy(d);
}

/* Unknown (a failed command, an unreadable answer): asked with the
 * evidence; --yes cannot answer; nothing starts; the operator's override
 * proceed on the pool is journaled and lets the domain be offered. */
static void test_unknown_is_asked(void **st)
{
    (void)st;
    struct drv *d = manual();
    int i = to_topology(d);
    struct pp_topology t;
    memset(&t, 0, sizeof t);
    snprintf(t.why, sizeof t.why, "no pp-topology-end line: the answer was cut");
    drv_finish_topology(d, i, PP_RES_OK, &t, "");
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_non_null(strstr(d->m.ask_text, "the answer was cut"));
    assert_string_equal(drv_last(d, "topology")->state, "unknown");
    assert_false(d->exited);
    /* a confirmation (or --yes) answers nothing */
    drv_op(d, PP_OP_CONFIRM, NULL);
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    /* proceed on a domain is not the answer either, and nothing starts */
    drv_override(d, PP_OV_PROCEED, "UpgradeDomain1", "go");
    assert_int_equal(drv_count(d, "domain-start"), 0);
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    /* a recheck reads it again (after the readiness check); it fails */
    drv_op(d, PP_OP_RECHECK, NULL);
    drv_answer_check(d, PP_READY_READY);
    i = drv_find(d, PP_CMD_TOPOLOGY, -2);
    assert_true(i >= 0);
    drv_finish_topology(d, i, PP_RES_FAILED, NULL, "Get-CsComputer : access denied");
    assert_int_equal(d->m.ask, PP_ASK_OPERATOR);
    assert_non_null(strstr(d->m.ask_text, "access denied"));
    /* the operator's answer, journaled */
    drv_override(d, PP_OV_PROCEED, "pool01.contoso.com", "checked in Topology Builder");
    const struct pp_jrec *o = drv_last(d, "override");
    assert_non_null(o);
    assert_string_equal(o->result, "accept-topology");
    assert_string_equal(o->reason, "checked in Topology Builder");
    assert_string_equal(o->operator_, "jdoe");
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    /* and it holds on resume: no second read */
    char err[PP_REASON_MAX];
    assert_int_equal(drv_restart(d, err, sizeof err), 0);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(drv_find(d, PP_CMD_TOPOLOGY, -2), -1);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    drv_destroy(d);
}

/* The safety gate refuses a domain start while the order is not settled,
 * whoever asks (here: override proceed on the pool, then on a domain,
 * while the read runs). */
static void test_no_domain_before_the_order(void **st)
{
    (void)st;
    struct drv *d = manual();
    (void)to_topology(d);
    drv_override(d, PP_OV_PROCEED, "UpgradeDomain2", "hurry");
    assert_int_equal(drv_count(d, "domain-start"), 0);
    assert_int_not_equal(d->m.ask, PP_ASK_START_DOMAIN);
    drv_destroy(d);
}

/* Profiles without the command keep [servers] as the order. */
static void test_without_the_command(void **st)
{
    (void)st;
    struct drv *d = malloc(sizeof *d);
    assert_non_null(d);
    drv_init(d, "[pool]\nfqdn = pool01.example.com\nprofile = linux-systemd\n[servers]\n"
                "a1.example.com = D1\na2.example.com = D2\na3.example.com = D3\n");
    d->topo_manual = true;
    drv_start(d);
    drv_answer_check(d, PP_READY_READY);
    assert_int_equal(drv_find(d, PP_CMD_TOPOLOGY, -2), -1);
    assert_int_equal(d->m.ask, PP_ASK_START_DOMAIN);
    drv_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_messy_input),
        cmocka_unit_test(test_parse_refuses_bad_answers),
        cmocka_unit_test(test_match_offers_the_first_domain),
        cmocka_unit_test(test_other_order_stops),
        cmocka_unit_test(test_missing_server_stops),
        cmocka_unit_test(test_extra_server_stops),
        cmocka_unit_test(test_unknown_is_asked),
        cmocka_unit_test(test_no_domain_before_the_order),
        cmocka_unit_test(test_without_the_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
