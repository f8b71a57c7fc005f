/* The simulated pool (backend/sim*.c) and the canonical readiness JSON
 * (backend/readiness_emit.c).  Pools come from real INI text through
 * config_load_string; readiness answers are read back with the real parser,
 * so the sim -> JSON -> parser chain is checked end to end.  The harness
 * drives the virtual clock the way --time-scale=max does: straight to
 * transport_next_due(), and records the time each event arrived at. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "backend/pool/readiness.h"
#include "backend/pool/remote.h"
#include "backend/runner/transport.h"
#include "config/config.h"
#include "tests/unit/helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- pools from INI text ---- */

struct pool_opts {
    int n, per_dom;          /* servers fe01.., domains of per_dom (0: no domains in config) */
    const char *profile;     /* default lync2013 */
    const char *pool_extra;  /* more [pool] lines */
    const char *sim_extra;   /* more [sim] lines (keys not set below) */
    unsigned seed;           /* 0: 42 */
    bool no_dr;              /* no backup pool, no failover host */
    const char *faults;      /* [fault.x] sections */
    const char *raw_servers; /* replaces the generated [servers] */
};

static void cat(char **buf, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *buf = realloc(*buf, *len + (size_t)need + 1);
    assert_non_null(*buf);
    va_start(ap, fmt);
    vsnprintf(*buf + *len, (size_t)need + 1, fmt, ap);
    va_end(ap);
    *len += (size_t)need;
}

static struct pp_config *pool_load(const struct pool_opts *o)
{
    char *t = NULL;
    size_t n = 0;
    cat(&t, &n, "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\n%s%s\n",
        o->profile ? o->profile : "lync2013",
        o->no_dr ? "" : "backup_pool = pool02.contoso.com\nfailover_on = fe01.pool02.contoso.com\n",
        o->pool_extra ? o->pool_extra : "");
    if (o->raw_servers) {
        cat(&t, &n, "%s\n", o->raw_servers);
    } else if (o->n > 0) {
        cat(&t, &n, "[servers]\n");
        for (int i = 0; i < o->n; i++) {
            if (o->per_dom > 0)
                cat(&t, &n, "fe%02d.contoso.com = UpgradeDomain%d\n", i + 1, i / o->per_dom + 1);
            else
                cat(&t, &n, "fe%02d.contoso.com =\n", i + 1);
        }
    }
    cat(&t, &n, "[scenario]\ntitle = sim test\ngoal = test the simulator\nexpect = events\n"
                "[sim]\nreadiness = 5s\ndrain = 60s\nupgrade = 2m\nrestart = 90s\n"
                "verify = 30s\nfailover = 1m\nseed = %u\n%s\n%s\n",
        o->seed ? o->seed : 42, o->sim_extra ? o->sim_extra : "", o->faults ? o->faults : "");
    /* scenarios load from files (a pool file may not carry [sim]) */
    const char *dir = test_tmpdir();
    assert_non_null(dir);
    char path[600];
    snprintf(path, sizeof path, "%s/test_sim.ini", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(t, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    free(t);
    struct pp_config *cfg = calloc(1, sizeof *cfg);
    assert_non_null(cfg);
    struct pp_diag d = {0};
    int rc = config_load_scenario(cfg, path, &d);
    for (int i = 0; i < d.n; i++)
        fprintf(stderr, "%s\n", d.msgs[i]);
    diag_free(&d);
    unlink(path);
    rmdir(dir);
    assert_int_equal(rc, 0);
    return cfg;
}

/* ---- the harness: a clock, a recording sink ---- */

struct rev {
    enum pp_tev_type type;
    uint64_t id;
    int server;
    bool err;
    char *data;
    size_t len;
    enum pp_result res;
    int exit_status;
    pp_ms dur, at;
};

struct h {
    struct pp_config *cfg;
    struct pp_transport *t;
    struct rev *ev;
    int n, cap;
    bool light;                /* fleet: keep only ENDs' results per server */
    enum pp_result *last_res;
    int ends;
    pp_ms now;
    uint64_t next_id;
};

static void h_emit(void *ctx, const struct pp_tev *e)
{
    struct h *h = ctx;
    if (e->type == PP_TEV_END) {
        h->ends++;
        if (h->last_res && e->server >= 0)
            h->last_res[e->server] = e->result;
    }
    if (h->light)
        return;
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->ev = realloc(h->ev, (size_t)h->cap * sizeof *h->ev);
        assert_non_null(h->ev);
    }
    struct rev *r = &h->ev[h->n++];
    memset(r, 0, sizeof *r);
    r->type = e->type;
    r->id = e->id;
    r->server = e->server;
    r->err = e->is_stderr;
    r->res = e->result;
    r->exit_status = e->exit_status;
    r->dur = e->duration;
    r->at = h->now;
    if (e->data) {
        r->len = e->type == PP_TEV_OUTPUT ? e->len : strlen(e->data);
        r->data = malloc(r->len + 1);
        assert_non_null(r->data);
        memcpy(r->data, e->data, r->len);
        r->data[r->len] = 0;
    }
}

static void h_init(struct h *h, struct pp_config *cfg)
{
    memset(h, 0, sizeof *h);
    h->cfg = cfg;
    h->t = sim_transport_new(cfg);
    assert_non_null(h->t);
    h->now = 1000;
}

static void h_clear(struct h *h)
{
    for (int i = 0; i < h->n; i++)
        free(h->ev[i].data);
    h->n = 0;
}

static void h_free(struct h *h)
{
    h_clear(h);
    free(h->ev);
    free(h->last_res);
    transport_free(h->t);
    config_free(h->cfg);
    free(h->cfg);
}

static void h_poll(struct h *h)
{
    struct pp_tsink s = {.emit = h_emit, .ctx = h};
    transport_poll(h->t, h->now, &s);
}

/* Jumps to the next due event; false when nothing is scheduled. */
static bool h_step(struct h *h)
{
    pp_ms d = transport_next_due(h->t);
    if (d == PP_MS_NEVER)
        return false;
    assert_true(d >= h->now);   /* never in the past once polled */
    h->now = d;
    h_poll(h);
    return true;
}

static void h_advance(struct h *h, pp_ms to)
{
    while (transport_next_due(h->t) <= to)
        h_step(h);
    h->now = to;
    h_poll(h);
}

static uint64_t h_start(struct h *h, int server, enum pp_cmd_kind k, pp_ms timeout)
{
    struct pp_cmd c = {.id = ++h->next_id, .server = server,
                       .host = server >= 0 ? h->cfg->servers[server].name : h->cfg->failover_on,
                       .kind = k, .command = "simulated", .timeout = timeout, .domain = ""};
    assert_int_equal(transport_start(h->t, &c, h->now), 0);
    return c.id;
}

static const struct rev *h_end(struct h *h, uint64_t id)
{
    for (int i = h->n - 1; i >= 0; i--)
        if (h->ev[i].type == PP_TEV_END && h->ev[i].id == id)
            return &h->ev[i];
    return NULL;
}

static const struct rev *h_wait(struct h *h, uint64_t id)
{
    const struct rev *e;
    int guard = 0;
    while (!(e = h_end(h, id))) {
        assert_true(h_step(h));
        assert_true(++guard < 100000);
    }
    return e;
}

/* All stdout (or stderr) bytes of a command, joined. */
static char *h_out(const struct h *h, uint64_t id, bool err)
{
    char *s = NULL;
    size_t n = 0;
    cat(&s, &n, "");
    for (int i = 0; i < h->n; i++)
        if (h->ev[i].type == PP_TEV_OUTPUT && h->ev[i].id == id && h->ev[i].err == err)
            cat(&s, &n, "%s", h->ev[i].data);
    return s;
}

static char *h_run(struct h *h, int server, enum pp_cmd_kind k, enum pp_result *res)
{
    uint64_t id = h_start(h, server, k, 0);
    const struct rev *e = h_wait(h, id);
    if (res)
        *res = e->res;
    return h_out(h, id, false);
}

/* The last non-empty line, CR removed. */
static void last_line(const char *out, char *buf, size_t n)
{
    size_t len = strlen(out);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        len--;
    size_t start = len;
    while (start > 0 && out[start - 1] != '\n')
        start--;
    snprintf(buf, n, "%.*s", (int)(len - start), out + start);
    size_t l = strlen(buf);
    if (l && buf[l - 1] == '\r')
        buf[l - 1] = 0;
}

/* The line before the last (the marker is last). */
static void answer_line(const char *out, char *buf, size_t n)
{
    char *copy = strdup(out);
    assert_non_null(copy);
    size_t len = strlen(copy);
    while (len > 0 && (copy[len - 1] == '\n' || copy[len - 1] == '\r'))
        len--;
    while (len > 0 && copy[len - 1] != '\n')
        len--;
    copy[len] = 0;
    last_line(copy, buf, n);
    free(copy);
}

static void readiness(struct h *h, int on, struct pp_readiness *r)
{
    enum pp_result res;
    char *out = h_run(h, on, PP_CMD_READINESS, &res);
    assert_int_equal(res, PP_RES_OK);
    assert_int_equal(remote_marker(out, strlen(out), NULL, 0), PP_RES_OK);
    memset(r, 0, sizeof *r);
    int rc = readiness_parse(out, strlen(out), r);
    if (rc != 0)
        fprintf(stderr, "unparsed (%s): %s\n", r->why, out);
    assert_int_equal(rc, 0);
    free(out);
}

static int dom_ready(const struct pp_readiness *r, const char *name)
{
    for (int d = 0; d < r->ndomains; d++)
        if (strcmp(r->domains[d].name, name) == 0)
            return r->domains[d].ready;
    fail_msg("no domain %s", name);
    return -1;
}

static enum pp_result run(struct h *h, int server, enum pp_cmd_kind k)
{
    enum pp_result res;
    free(h_run(h, server, k, &res));
    return res;
}

static void upgrade_server(struct h *h, int i, bool drain)
{
    if (drain)
        assert_int_equal(run(h, i, PP_CMD_DRAIN), PP_RES_OK);
    assert_int_equal(run(h, i, PP_CMD_UPGRADE), PP_RES_OK);
    assert_int_equal(run(h, i, PP_CMD_RESTART), PP_RES_OK);
    assert_int_equal(run(h, i, PP_CMD_VERIFY), PP_RES_OK);
}

/* ---- readiness ---- */

static void test_readiness_ready(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 6, .per_dom = 2}));
    enum pp_result res;
    char *out = h_run(&h, 0, PP_CMD_READINESS, &res);
    assert_int_equal(res, PP_RES_OK);
    /* the whole answer, byte for byte: the canonical JSON, then the marker,
     * with the PowerShell profile's CRLF */
    assert_string_equal(out,
        "{\"PoolUpgradeState\":\"Ready\",\"TotalFrontEnds\":6,\"TotalActiveFrontEnds\":6,"
        "\"UpgradeDomains\":[{\"UpgradeDomain\":\"UpgradeDomain1\",\"FrontEnds\":"
        "[\"fe01.contoso.com\",\"fe02.contoso.com\"],\"ReadyForUpgrade\":true},"
        "{\"UpgradeDomain\":\"UpgradeDomain2\",\"FrontEnds\":[\"fe03.contoso.com\","
        "\"fe04.contoso.com\"],\"ReadyForUpgrade\":true},{\"UpgradeDomain\":\"UpgradeDomain3\","
        "\"FrontEnds\":[\"fe05.contoso.com\",\"fe06.contoso.com\"],\"ReadyForUpgrade\":true}]}"
        "\r\n@@POOLPILOT-RESULT@@ ok\r\n");
    const struct rev *e = h_end(&h, 1);
    assert_int_equal(e->dur, 5000);          /* [sim] readiness = 5s */
    assert_int_equal(e->exit_status, 0);
    free(out);
    /* done exactly at its timeout: in time (timeouts lose ties) */
    uint64_t id = h_start(&h, 1, PP_CMD_READINESS, 5000);
    assert_int_equal(h_wait(&h, id)->res, PP_RES_OK);

    struct pp_readiness r;
    readiness(&h, 3, &r);
    assert_int_equal(r.state, PP_READY_READY);
    assert_int_equal(r.total_fe, 6);
    assert_int_equal(r.active_fe, 6);
    assert_int_equal(r.ndomains, 3);
    readiness_free(&r);
    h_free(&h);
}

static void test_readiness_busy_first(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 4, .per_dom = 2, .sim_extra = "busy_first = 2"}));
    enum pp_ready want[] = {PP_READY_BUSY, PP_READY_BUSY, PP_READY_READY, PP_READY_READY};
    for (int i = 0; i < 4; i++) {
        struct pp_readiness r;
        readiness(&h, i, &r);
        assert_int_equal(r.state, want[i]);
        readiness_free(&r);
    }
    h_free(&h);
}

static void test_readiness_insufficient_flag(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 4, .per_dom = 2,
                                             .sim_extra = "insufficient = true"}));
    struct pp_readiness r;
    readiness(&h, 0, &r);
    assert_int_equal(r.state, PP_READY_INSUFFICIENT);
    assert_int_equal(r.total_fe, 4);
    assert_int_equal(r.active_fe, 1);         /* 4 Front Ends need 2 running */
    readiness_free(&r);
    h_free(&h);
}

/* 6 Front Ends need 3 running: stopping services on the 4th breaks it. */
static void test_readiness_quorum(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 6, .per_dom = 2}));
    struct pp_readiness r;
    for (int i = 0; i < 3; i++)
        assert_int_equal(run(&h, i, PP_CMD_DRAIN), PP_RES_OK);
    readiness(&h, 5, &r);
    assert_int_equal(r.state, PP_READY_READY);
    assert_int_equal(r.active_fe, 3);
    readiness_free(&r);
    assert_int_equal(run(&h, 3, PP_CMD_DRAIN_NOW), PP_RES_OK);
    readiness(&h, 5, &r);
    assert_int_equal(r.state, PP_READY_INSUFFICIENT);
    assert_int_equal(r.total_fe, 6);
    assert_int_equal(r.active_fe, 2);
    readiness_free(&r);
    /* services back on one: quorum again */
    assert_int_equal(run(&h, 0, PP_CMD_VERIFY), PP_RES_OK);
    readiness(&h, 5, &r);
    assert_int_equal(r.state, PP_READY_READY);
    readiness_free(&r);
    h_free(&h);
}

/* 8 Front Ends: 4 of the FIRST 7 must run; servers 8 does not count. */
static void test_readiness_quorum_among_first(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 8, .per_dom = 2}));
    for (int i = 0; i < 3; i++)
        assert_int_equal(run(&h, i, PP_CMD_DRAIN_NOW), PP_RES_OK);
    struct pp_readiness r;
    readiness(&h, 7, &r);           /* 4 of the first 7 up (fe04..fe07) */
    assert_int_equal(r.state, PP_READY_READY);
    readiness_free(&r);
    assert_int_equal(run(&h, 3, PP_CMD_DRAIN_NOW), PP_RES_OK);
    readiness(&h, 7, &r);           /* 4 up in all, but only 3 among the first 7 */
    assert_int_equal(r.active_fe, 4);
    assert_int_equal(r.state, PP_READY_INSUFFICIENT);
    readiness_free(&r);
    h_free(&h);
}

static void test_readiness_other_domain_down(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 6, .per_dom = 2}));
    assert_int_equal(run(&h, 0, PP_CMD_DRAIN), PP_RES_OK);   /* fe01, UpgradeDomain1 */
    struct pp_readiness r;
    readiness(&h, 2, &r);
    assert_int_equal(r.state, PP_READY_READY);
    assert_int_equal(dom_ready(&r, "UpgradeDomain1"), 1);   /* its own domain may go on */
    assert_int_equal(dom_ready(&r, "UpgradeDomain2"), 0);
    assert_int_equal(dom_ready(&r, "UpgradeDomain3"), 0);
    readiness_free(&r);
    upgrade_server(&h, 0, false);
    readiness(&h, 2, &r);
    assert_int_equal(dom_ready(&r, "UpgradeDomain2"), 1);
    assert_int_equal(dom_ready(&r, "UpgradeDomain3"), 1);
    readiness_free(&r);
    h_free(&h);
}

static void test_readiness_not_ready_fault(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){
        .n = 6, .per_dom = 2,
        .faults = "[fault.nr]\nkind = not-ready\nserver = fe04.contoso.com\ntimes = 2\n"}));
    int want[] = {0, 0, 1};
    for (int i = 0; i < 3; i++) {
        struct pp_readiness r;
        readiness(&h, 0, &r);
        assert_int_equal(dom_ready(&r, "UpgradeDomain2"), want[i]);
        assert_int_equal(dom_ready(&r, "UpgradeDomain1"), 1);
        readiness_free(&r);
    }
    h_free(&h);
}

/* A busy fault waits until a domain is complete (every server verified). */
static void test_readiness_busy_after_domain(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){
        .n = 4, .per_dom = 2,
        .faults = "[fault.b]\nkind = busy\ntimes = 2\nafter_domains = 1\n"}));
    struct pp_readiness r;
    readiness(&h, 3, &r);
    assert_int_equal(r.state, PP_READY_READY);
    readiness_free(&r);
    upgrade_server(&h, 0, true);
    readiness(&h, 3, &r);                 /* one server of two: not complete */
    assert_int_equal(r.state, PP_READY_READY);
    readiness_free(&r);
    upgrade_server(&h, 1, true);
    enum pp_ready want[] = {PP_READY_BUSY, PP_READY_BUSY, PP_READY_READY};
    for (int i = 0; i < 3; i++) {
        readiness(&h, 3, &r);
        assert_int_equal(r.state, want[i]);
        readiness_free(&r);
    }
    h_free(&h);
}

static void test_readiness_on_down_server(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 4, .per_dom = 2}));
    /* services stopped, SSH answers: the cmdlet refuses */
    assert_int_equal(run(&h, 0, PP_CMD_DRAIN), PP_RES_OK);
    uint64_t id = h_start(&h, 0, PP_CMD_READINESS, 0);
    const struct rev *e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_FAILED);
    char *out = h_out(&h, id, false);
    assert_int_equal(remote_marker(out, strlen(out), NULL, 0), PP_RES_FAILED);
    free(out);
    /* rebooting (the restart gave up waiting, the machine did not): the
     * connection is refused within 1-2 s */
    id = h_start(&h, 1, PP_CMD_RESTART, 5000);
    assert_int_equal(h_wait(&h, id)->res, PP_RES_TIMEOUT);
    pp_ms t0 = h.now;
    uint64_t id2 = h_start(&h, 1, PP_CMD_READINESS, 0);
    e = h_wait(&h, id2);
    assert_int_equal(e->res, PP_RES_LOST);
    assert_true(e->at - t0 >= 1000 && e->at - t0 <= 2000);
    assert_non_null(strstr(e->data, "Connection refused"));
    /* back after its 90 s: services down until verify */
    h_advance(&h, h.now + 120000);
    char line[200];
    out = h_run(&h, 1, PP_CMD_PROBE, NULL);
    answer_line(out, line, sizeof line);
    assert_string_equal(line, "RTCSRV Stopped, patched: no, restart pending: no");
    free(out);
    h_free(&h);
}

/* ---- steps ---- */

/* Events arrive in time order, the marker is the last line, lines end in
 * CRLF, and the chunks join into whole lines. */
static void check_stream(const struct h *h, uint64_t id, const char *eol)
{
    pp_ms last = -1;
    int ends = 0;
    for (int i = 0; i < h->n; i++) {
        const struct rev *e = &h->ev[i];
        if (e->id != id)
            continue;
        assert_true(e->at >= last);
        last = e->at;
        assert_int_equal(ends, 0);          /* nothing after END */
        if (e->type == PP_TEV_END)
            ends++;
    }
    assert_int_equal(ends, 1);
    char *out = h_out(h, id, false);
    size_t len = strlen(out);
    assert_true(len > strlen(eol));
    assert_string_equal(out + len - strlen(eol), eol);
    if (strcmp(eol, "\n") == 0)
        assert_null(strchr(out, '\r'));
    else
        for (size_t i = 0; i < len; i++)
            if (out[i] == '\n')
                assert_true(i > 0 && out[i - 1] == '\r');
    free(out);
}

/* A Skype for Business pool, one server at a time: the training output is
 * the failover's and the failback's, never Lync 2013's graceful stop. */
static void test_drain_sfb_computer_failover(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 4, .per_dom = 2, .profile = "sfb2019"}));
    uint64_t id = h_start(&h, 1, PP_CMD_DRAIN, 0);
    assert_int_equal(h_wait(&h, id)->res, PP_RES_OK);
    char *out = h_out(&h, id, false);
    assert_non_null(strstr(out, "Invoke-CsComputerFailOver -ComputerName fe02.contoso.com -Verbose\r\n"));
    assert_non_null(strstr(out, "VERBOSE: draining: "));
    assert_non_null(strstr(out, "RTCSRV Stopped, Disabled\r\n@@POOLPILOT-RESULT@@ ok\r\n"));
    assert_null(strstr(out, "Stopping RTCSRV"));
    free(out);
    id = h_start(&h, 2, PP_CMD_DRAIN_NOW, 0);
    assert_int_equal(h_wait(&h, id)->res, PP_RES_OK);
    out = h_out(&h, id, false);
    assert_non_null(strstr(out, "-DrainingTimeout 00:01:00\r\n"));
    assert_non_null(strstr(out, "sessions dropped after the draining timeout"));
    free(out);
    id = h_start(&h, 1, PP_CMD_VERIFY, 0);
    assert_int_equal(h_wait(&h, id)->res, PP_RES_OK);
    out = h_out(&h, id, false);
    assert_non_null(strstr(out, "Invoke-CsComputerFailBack -ComputerName fe02.contoso.com -Verbose\r\n"));
    assert_null(strstr(out, "Start-CsWindowsService\r\n"));
    free(out);
    h_free(&h);
}

static void test_drain(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 4, .per_dom = 2}));
    pp_ms t0 = h.now;
    uint64_t id = h_start(&h, 1, PP_CMD_DRAIN, 0);
    const struct rev *e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_OK);
    assert_true(e->at - t0 >= 57000 && e->at - t0 <= 63000);   /* 60s +- 5% */
    assert_int_equal(e->dur, e->at - t0);
    check_stream(&h, id, "\r\n");
    char *out = h_out(&h, id, false), line[256];
    assert_non_null(strstr(out, "Stopping RTCSRV gracefully (-NoWait)\r\n"));
    assert_non_null(strstr(out, "RTCSRV Paused, "));
    assert_non_null(strstr(out, "RTCSRV Stopped\r\n@@POOLPILOT-RESULT@@ ok\r\n"));
    last_line(out, line, sizeof line);
    assert_string_equal(line, "@@POOLPILOT-RESULT@@ ok");
    free(out);
    /* the probe tells what happened */
    out = h_run(&h, 1, PP_CMD_PROBE, NULL);
    answer_line(out, line, sizeof line);
    assert_string_equal(line, "RTCSRV Stopped, patched: no, restart pending: no");
    free(out);
    /* again: nothing left to stop */
    t0 = h.now;
    id = h_start(&h, 1, PP_CMD_DRAIN, 0);
    e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_OK);
    assert_true(e->at - t0 < 5000);
    out = h_out(&h, id, false);
    assert_non_null(strstr(out, "RTCSRV is already stopped\r\n"));
    free(out);
    /* drain at once: a tenth of the time */
    t0 = h.now;
    id = h_start(&h, 2, PP_CMD_DRAIN_NOW, 0);
    e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_OK);
    assert_true(e->at - t0 <= 6300);
    out = h_out(&h, id, false);
    assert_non_null(strstr(out, "sessions dropped"));
    free(out);
    h_free(&h);
}

static void test_upgrade_restart_verify(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 4, .per_dom = 2}));
    assert_int_equal(run(&h, 0, PP_CMD_DRAIN), PP_RES_OK);

    uint64_t id = h_start(&h, 0, PP_CMD_UPGRADE, 0);
    assert_int_equal(h_wait(&h, id)->res, PP_RES_OK);
    check_stream(&h, id, "\r\n");
    char *out = h_out(&h, id, false), line[256];
    assert_non_null(strstr(out, "LyncServerUpdateInstaller.exe /silentmode"));
    assert_non_null(strstr(out, "Installing KB"));
    assert_non_null(strstr(out, "100%"));
    free(out);
    out = h_run(&h, 0, PP_CMD_PROBE, NULL);
    answer_line(out, line, sizeof line);
    assert_string_equal(line, "RTCSRV Stopped, patched: yes, restart pending: yes");
    free(out);

    /* restart: the connection drops, the command stays open until the
     * server answers again, then ends ok */
    pp_ms t0 = h.now;
    id = h_start(&h, 0, PP_CMD_RESTART, 600000);
    h_advance(&h, t0 + 60000);
    assert_null(h_end(&h, id));
    out = h_out(&h, id, false);
    assert_string_equal(out, "Restart-Computer -Force\r\n");
    free(out);
    bool saw_status = false;
    for (int i = 0; i < h.n; i++)
        if (h.ev[i].id == id && h.ev[i].type == PP_TEV_STATUS)
            saw_status = true;
    assert_true(saw_status);
    struct pp_readiness r;
    readiness(&h, 2, &r);                 /* rebooting: not active */
    assert_int_equal(r.active_fe, 3);
    readiness_free(&r);
    const struct rev *e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_OK);
    assert_true(e->at - t0 >= 85500 && e->at - t0 <= 94500);   /* 90s +- 5% */
    check_stream(&h, id, "\r\n");
    out = h_run(&h, 0, PP_CMD_PROBE, NULL);
    answer_line(out, line, sizeof line);
    assert_string_equal(line, "RTCSRV Stopped, patched: yes, restart pending: no");
    free(out);

    id = h_start(&h, 0, PP_CMD_VERIFY, 0);
    assert_int_equal(h_wait(&h, id)->res, PP_RES_OK);
    check_stream(&h, id, "\r\n");
    out = h_out(&h, id, false);
    assert_non_null(strstr(out, "Start-CsWindowsService\r\n"));
    assert_non_null(strstr(out, "RTCSRV     Running\r\n"));
    /* the real verify script's words (config/profiles.c), never port 443 */
    assert_non_null(strstr(out, "accepts connections on port 5061\r\n"));
    assert_null(strstr(out, "443"));
    free(out);
    readiness(&h, 2, &r);
    assert_int_equal(r.active_fe, 4);
    readiness_free(&r);
    out = h_run(&h, 0, PP_CMD_PROBE, NULL);
    answer_line(out, line, sizeof line);
    assert_string_equal(line, "RTCSRV Running, patched: yes, restart pending: no");
    free(out);
    h_free(&h);
}

static void test_never_returns(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){
        .n = 4, .per_dom = 2,
        .faults = "[fault.nr]\nkind = never-returns\nserver = fe02.contoso.com\n"}));
    pp_ms t0 = h.now;
    uint64_t id = h_start(&h, 1, PP_CMD_RESTART, 1800000);
    const struct rev *e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_TIMEOUT);
    assert_int_equal(e->at, t0 + 1800000);
    assert_int_equal(e->exit_status, -1);
    /* it stays down: probes cannot connect, the pool counts it out */
    assert_int_equal(run(&h, 1, PP_CMD_PROBE), PP_RES_LOST);
    struct pp_readiness r;
    readiness(&h, 0, &r);
    assert_int_equal(r.active_fe, 3);
    readiness_free(&r);
    assert_int_equal(transport_next_due(h.t), PP_MS_NEVER);
    h_free(&h);
}

static void test_hang_timeout_and_cancel(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){
        .n = 4, .per_dom = 2,
        .faults = "[fault.h]\nkind = hang\nserver = fe03.contoso.com\nstep = drain\ntimes = 2\n"}));
    pp_ms t0 = h.now;
    uint64_t id = h_start(&h, 2, PP_CMD_DRAIN, 3600000);
    const struct rev *e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_TIMEOUT);
    assert_int_equal(e->at, t0 + 3600000);
    char *out = h_out(&h, id, false), line[200];
    last_line(out, line, sizeof line);
    assert_string_equal(line, "RTCSRV Paused, 1 active conference, 0 calls");
    free(out);

    /* again without a timeout: nothing happens until the cancel */
    id = h_start(&h, 2, PP_CMD_DRAIN, 0);
    h_advance(&h, h.now + 7200000);
    assert_null(h_end(&h, id));
    assert_int_equal(transport_next_due(h.t), PP_MS_NEVER);
    pp_ms tc = h.now;
    transport_cancel(h.t, id, tc);
    assert_int_equal(transport_next_due(h.t), tc);
    h_poll(&h);
    e = h_end(&h, id);
    assert_non_null(e);
    assert_int_equal(e->res, PP_RES_CANCELLED);
    assert_int_equal(e->at, tc);
    /* the fault is used up: the third drain works, from the paused state */
    assert_int_equal(run(&h, 2, PP_CMD_DRAIN), PP_RES_OK);
    h_free(&h);
}

/* A dropped connection: LOST half-way; the probe then tells the truth,
 * which the seed decides.  Over a few seeds both outcomes show up. */
static void test_drop_probe_truth(void **state)
{
    (void)state;
    int done = 0, not_done = 0;
    for (int seed = 1; seed <= 12; seed++) {
        struct h h;
        h_init(&h, pool_load(&(struct pool_opts){
            .n = 4, .per_dom = 2, .seed = (unsigned)seed,
            .faults = "[fault.d]\nkind = drop\nserver = fe01.contoso.com\nstep = upgrade\n"}));
        assert_int_equal(run(&h, 0, PP_CMD_DRAIN), PP_RES_OK);
        pp_ms t0 = h.now;
        uint64_t id = h_start(&h, 0, PP_CMD_UPGRADE, 0);
        const struct rev *e = h_wait(&h, id);
        assert_int_equal(e->res, PP_RES_LOST);
        assert_true(e->at - t0 >= 57000 && e->at - t0 <= 63000);   /* half of 2m */
        char *out = h_out(&h, id, false), line[200];
        assert_null(strstr(out, PP_MARKER));
        free(out);
        out = h_run(&h, 0, PP_CMD_PROBE, NULL);
        answer_line(out, line, sizeof line);
        if (strcmp(line, "RTCSRV Stopped, patched: yes, restart pending: yes") == 0)
            done++;
        else if (strcmp(line, "RTCSRV Stopped, patched: no, restart pending: no") == 0)
            not_done++;
        else
            fail_msg("unexpected probe: %s", line);
        free(out);
        /* the fault fired once: a re-run completes */
        assert_int_equal(run(&h, 0, PP_CMD_UPGRADE), PP_RES_OK);
        h_free(&h);
    }
    assert_true(done > 0);
    assert_true(not_done > 0);
}

static void test_fail_fault(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){
        .n = 4, .per_dom = 2,
        .faults = "[fault.f]\nkind = fail\nserver = fe02.contoso.com\nstep = verify\n"}));
    upgrade_server(&h, 0, true);
    assert_int_equal(run(&h, 1, PP_CMD_DRAIN), PP_RES_OK);
    assert_int_equal(run(&h, 1, PP_CMD_UPGRADE), PP_RES_OK);
    assert_int_equal(run(&h, 1, PP_CMD_RESTART), PP_RES_OK);
    uint64_t id = h_start(&h, 1, PP_CMD_VERIFY, 0);
    const struct rev *e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_FAILED);
    assert_int_equal(e->exit_status, 1);
    assert_non_null(e->data);
    assert_non_null(strstr(e->data, "32174"));
    char *err = h_out(&h, id, true), *out = h_out(&h, id, false), detail[300];
    assert_non_null(strstr(err, "Start-CsWindowsService : "));
    assert_int_equal(remote_marker(out, strlen(out), detail, sizeof detail), PP_RES_FAILED);
    assert_non_null(strstr(detail, "failed to start"));
    free(err);
    free(out);
    struct pp_readiness r;
    readiness(&h, 2, &r);            /* still down: the other domain may not go */
    assert_int_equal(r.active_fe, 3);
    assert_int_equal(dom_ready(&r, "UpgradeDomain2"), 0);
    readiness_free(&r);
    assert_int_equal(run(&h, 1, PP_CMD_VERIFY), PP_RES_OK);
    h_free(&h);
}

static void test_fabric_and_failover(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 4, .per_dom = 2}));
    enum pp_result res;
    char *out = h_run(&h, 0, PP_CMD_FABRIC, &res), line[200];
    assert_int_equal(res, PP_RES_OK);
    answer_line(out, line, sizeof line);
    assert_non_null(strstr(line, "all with primary and 2 secondaries"));
    free(out);
    assert_int_equal(run(&h, 3, PP_CMD_DRAIN), PP_RES_OK);
    out = h_run(&h, 0, PP_CMD_FABRIC, &res);
    assert_int_equal(res, PP_RES_FAILED);
    assert_non_null(strstr(out, "without a secondary (fe04.contoso.com down)"));
    free(out);

    /* failover and failback run on the backup pool's Front End (-1), and
     * so does the read of the pool's state: its last line is what the
     * engine reads (engine_pool.c), the truth of the simulated pool */
    out = h_run(&h, -1, PP_CMD_POOL_STATE, &res);
    assert_int_equal(res, PP_RES_OK);
    answer_line(out, line, sizeof line);
    assert_string_equal(line, "PoolState=Active BackupPool=pool02.contoso.com");
    free(out);
    assert_int_equal(run(&h, -1, PP_CMD_FAILBACK), PP_RES_FAILED);   /* not failed over */
    uint64_t id = h_start(&h, -1, PP_CMD_FAILOVER, 0);
    const struct rev *e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_OK);
    assert_int_equal(e->server, -1);
    out = h_out(&h, id, false);
    assert_non_null(strstr(out, "Invoke-CsPoolFailOver -PoolFqdn pool01.contoso.com -Verbose"));
    free(out);
    out = h_run(&h, -1, PP_CMD_POOL_STATE, &res);
    assert_int_equal(res, PP_RES_OK);
    answer_line(out, line, sizeof line);
    assert_string_equal(line, "PoolState=FailedOver BackupPool=pool02.contoso.com");
    free(out);
    assert_int_equal(run(&h, -1, PP_CMD_FAILBACK), PP_RES_OK);
    h_free(&h);
}

static void test_refusals(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 4, .per_dom = 2}));
    struct pp_cmd c = {.id = 100, .server = 0, .host = "fe01.contoso.com",
                       .kind = PP_CMD_DRAIN, .command = "x", .domain = ""};
    assert_int_equal(transport_start(h.t, &c, h.now), 0);
    c.id = 101;
    c.kind = PP_CMD_PROBE;
    assert_int_equal(transport_start(h.t, &c, h.now), -1);   /* busy server */
    c.server = 4;
    assert_int_equal(transport_start(h.t, &c, h.now), -1);   /* unknown */
    c.server = -2;
    assert_int_equal(transport_start(h.t, &c, h.now), -1);
    c.server = -1;
    c.kind = PP_CMD_DRAIN;
    assert_int_equal(transport_start(h.t, &c, h.now), -1);   /* not a pool server */
    assert_int_equal(transport_fd(h.t), -1);
    transport_answer(h.t, 1, true, NULL, false);             /* no prompts: no effect */
    transport_cancel(h.t, 999, h.now);                       /* unknown id: no effect */
    h_wait(&h, 100);
    h_free(&h);

    /* no failover host configured: -1 is unknown */
    struct h h2;
    h_init(&h2, pool_load(&(struct pool_opts){
        .raw_servers = "[servers]\nfe01.contoso.com = UpgradeDomain1\n"
                       "fe02.contoso.com = UpgradeDomain2\n",
        .no_dr = true}));
    c.server = -1;
    c.kind = PP_CMD_FAILOVER;
    assert_int_equal(transport_start(h2.t, &c, h2.now), -1);
    h_free(&h2);
}

static void test_inject(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 4, .per_dom = 2}));
    struct pp_transport *t = h.t;
    /* nonsense */
    assert_int_equal(sim_inject(t, PP_CMD_DRAIN, "nope.contoso.com", PP_FAULT_FAIL), -1);
    assert_int_equal(sim_inject(t, PP_CMD_DRAIN, "fe01.contoso.com", PP_FAULT_NEVER_RETURNS), -1);
    assert_int_equal(sim_inject(t, PP_CMD_DRAIN, "fe01.contoso.com", PP_FAULT_BUSY), -1);
    assert_int_equal(sim_inject(t, PP_CMD_DRAIN, "", PP_FAULT_FAIL), -1);
    assert_int_equal(sim_inject(t, PP_CMD_DRAIN, "fe01.pool02.contoso.com", PP_FAULT_DROP), -1);
    assert_int_equal(sim_inject(t, PP_CMD_COUNT, "fe01.contoso.com", PP_FAULT_FAIL), -1);
    assert_int_equal(sim_inject(t, PP_CMD_DRAIN, "fe01.contoso.com", 99), -1);

    /* busy: the next check */
    assert_int_equal(sim_inject(t, PP_CMD_READINESS, NULL, PP_FAULT_BUSY), 0);
    struct pp_readiness r;
    readiness(&h, 0, &r);
    assert_int_equal(r.state, PP_READY_BUSY);
    readiness_free(&r);
    assert_int_equal(sim_inject(t, PP_CMD_READINESS, "fe03.contoso.com", PP_FAULT_NOT_READY), 0);
    readiness(&h, 0, &r);
    assert_int_equal(r.state, PP_READY_READY);
    assert_int_equal(dom_ready(&r, "UpgradeDomain2"), 0);
    readiness_free(&r);

    /* drop on a running upgrade: LOST now */
    assert_int_equal(run(&h, 0, PP_CMD_DRAIN), PP_RES_OK);
    uint64_t id = h_start(&h, 0, PP_CMD_UPGRADE, 0);
    h_advance(&h, h.now + 10000);
    pp_ms tdrop = h.now;
    assert_int_equal(sim_inject(t, PP_CMD_UPGRADE, "fe01.contoso.com", PP_FAULT_DROP), 0);
    h_poll(&h);
    const struct rev *e = h_end(&h, id);
    assert_non_null(e);
    assert_int_equal(e->res, PP_RES_LOST);
    assert_int_equal(e->at, tdrop);

    /* hang: no progress, then the timeout (on fe02, never upgraded) */
    id = h_start(&h, 1, PP_CMD_UPGRADE, 300000);
    pp_ms t0 = h.now;
    h_advance(&h, h.now + 20000);
    assert_int_equal(sim_inject(t, PP_CMD_UPGRADE, "fe02.contoso.com", PP_FAULT_HANG), 0);
    int before = h.n;
    e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_TIMEOUT);
    assert_int_equal(e->at, t0 + 300000);
    /* no progress after the hang: only the tail of a line cut before it,
     * flushed with the END */
    int newlines = 0;
    for (int i = before; i < h.n; i++)
        if (h.ev[i].id == id && h.ev[i].type == PP_TEV_OUTPUT) {
            assert_int_equal(h.ev[i].at, e->at);
            for (size_t k = 0; k < h.ev[i].len; k++)
                newlines += h.ev[i].data[k] == '\n';
        }
    assert_true(newlines <= 1);

    /* fail: the next end of the running step fails */
    id = h_start(&h, 1, PP_CMD_UPGRADE, 0);
    assert_int_equal(sim_inject(t, PP_CMD_UPGRADE, "fe02.contoso.com", PP_FAULT_FAIL), 0);
    e = h_wait(&h, id);
    assert_int_equal(e->res, PP_RES_FAILED);
    assert_non_null(strstr(e->data, "1603"));
    /* armed for the next command when none runs */
    assert_int_equal(sim_inject(t, PP_CMD_UPGRADE, "fe02.contoso.com", PP_FAULT_FAIL), 0);
    assert_int_equal(run(&h, 1, PP_CMD_UPGRADE), PP_RES_FAILED);
    assert_int_equal(run(&h, 1, PP_CMD_UPGRADE), PP_RES_OK);

    /* never-returns while the server reboots */
    id = h_start(&h, 1, PP_CMD_RESTART, 600000);
    h_advance(&h, h.now + 30000);
    assert_int_equal(sim_inject(t, PP_CMD_RESTART, "fe02.contoso.com", PP_FAULT_NEVER_RETURNS), 0);
    assert_int_equal(h_wait(&h, id)->res, PP_RES_TIMEOUT);
    assert_int_equal(run(&h, 1, PP_CMD_PROBE), PP_RES_LOST);
    h_free(&h);
}

/* ---- determinism, the clock, shapes ---- */

static void trace(struct h *h)
{
    uint64_t a = h_start(h, 0, PP_CMD_DRAIN, 0);
    uint64_t b = h_start(h, 1, PP_CMD_DRAIN_NOW, 0);
    uint64_t c = h_start(h, 2, PP_CMD_READINESS, 0);
    h_wait(h, a);
    h_wait(h, b);
    h_wait(h, c);
    for (int i = 0; i < 2; i++) {
        uint64_t u = h_start(h, i, PP_CMD_UPGRADE, 0);
        h_wait(h, u);
    }
    uint64_t r0 = h_start(h, 0, PP_CMD_RESTART, 0), r1 = h_start(h, 1, PP_CMD_RESTART, 0);
    h_wait(h, r0);
    h_wait(h, r1);
    while (h_step(h))
        ;
}

static void test_determinism(void **state)
{
    (void)state;
    struct pool_opts o = {.n = 6, .per_dom = 2,
                          .faults = "[fault.d]\nkind = drop\nserver = fe02.contoso.com\n"
                                    "step = upgrade\n"};
    struct h x, y;
    h_init(&x, pool_load(&o));
    h_init(&y, pool_load(&o));
    trace(&x);
    trace(&y);
    assert_int_equal(x.n, y.n);
    bool split = false;
    for (int i = 0; i < x.n; i++) {
        assert_int_equal(x.ev[i].type, y.ev[i].type);
        assert_int_equal(x.ev[i].id, y.ev[i].id);
        assert_int_equal(x.ev[i].at, y.ev[i].at);
        assert_int_equal(x.ev[i].res, y.ev[i].res);
        assert_int_equal(x.ev[i].len, y.ev[i].len);
        if (x.ev[i].len)
            assert_memory_equal(x.ev[i].data, y.ev[i].data, x.ev[i].len);
        if (x.ev[i].type == PP_TEV_OUTPUT && x.ev[i].data[x.ev[i].len - 1] != '\n')
            split = true;
    }
    assert_true(split);   /* some line was cut across chunks */
    h_free(&x);
    h_free(&y);

    /* another seed: other counts and timings */
    o.seed = 7;
    h_init(&x, pool_load(&o));
    h_init(&y, pool_load(&(struct pool_opts){.n = 6, .per_dom = 2, .faults = o.faults}));
    trace(&x);
    trace(&y);
    bool differ = x.n != y.n;
    for (int i = 0; !differ && i < x.n; i++)
        differ = x.ev[i].at != y.ev[i].at || x.ev[i].len != y.ev[i].len;
    assert_true(differ);
    h_free(&x);
    h_free(&y);
}

static void test_next_due(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 4, .per_dom = 2}));
    assert_int_equal(transport_next_due(h.t), PP_MS_NEVER);
    pp_ms t0 = h.now;
    uint64_t id = h_start(&h, 0, PP_CMD_DRAIN, 0);
    assert_int_equal(transport_next_due(h.t), t0);          /* the first line, now */
    h_poll(&h);
    pp_ms nd = transport_next_due(h.t);
    assert_true(nd > t0 && nd < t0 + 60000);
    /* polling before it is due delivers nothing */
    int before = h.n;
    h.now = nd - 1;
    h_poll(&h);
    assert_int_equal(h.n, before);
    /* a whole drain takes a handful of jumps, not a tick per millisecond */
    int jumps = 0;
    while (!h_end(&h, id)) {
        assert_true(h_step(&h));
        jumps++;
    }
    assert_true(jumps <= 10);
    assert_int_equal(transport_next_due(h.t), PP_MS_NEVER);
    /* one poll far in the future delivers everything, in order */
    id = h_start(&h, 1, PP_CMD_UPGRADE, 0);
    h.now += 3600000;
    h_poll(&h);
    assert_non_null(h_end(&h, id));
    assert_int_equal(transport_next_due(h.t), PP_MS_NEVER);
    h_free(&h);
}

static void test_posix_and_auto_domains(void **state)
{
    (void)state;
    struct h h;
    h_init(&h, pool_load(&(struct pool_opts){.n = 5, .per_dom = 0, .profile = "linux-systemd",
                                             .no_dr = true, .pool_extra = "quorum = majority\n"}));
    uint64_t id = h_start(&h, 4, PP_CMD_DRAIN, 0);
    h_wait(&h, id);
    check_stream(&h, id, "\n");
    struct pp_readiness r;
    readiness(&h, 0, &r);
    /* no membership in the config: blocks of two in topology order */
    assert_int_equal(r.ndomains, 3);
    assert_string_equal(r.domains[0].name, "UpgradeDomain1");
    assert_int_equal(r.domains[0].nfronts, 2);
    assert_string_equal(r.domains[1].fronts[1], "fe04.contoso.com");
    assert_string_equal(r.domains[2].name, "UpgradeDomain3");
    assert_int_equal(r.domains[2].nfronts, 1);
    assert_int_equal(dom_ready(&r, "UpgradeDomain3"), 1);
    assert_int_equal(dom_ready(&r, "UpgradeDomain1"), 0);
    readiness_free(&r);
    h_free(&h);
}

static void test_to_json(void **state)
{
    (void)state;
    char fronts[2][PP_NAME_MAX] = {"a\"b", "c\\d"};
    struct pp_ready_domain d = {.name = "UD\x01", .fronts = fronts, .nfronts = 2, .ready = -1};
    struct pp_readiness r = {.state = PP_READY_UNKNOWN, .total_fe = -1, .active_fe = 0,
                             .domains = &d, .ndomains = 1};
    char *j = readiness_to_json(&r);
    assert_string_equal(j, "{\"PoolUpgradeState\":\"Unknown\",\"TotalFrontEnds\":null,"
                           "\"TotalActiveFrontEnds\":0,\"UpgradeDomains\":[{\"UpgradeDomain\":"
                           "\"UD\\u0001\",\"FrontEnds\":[\"a\\\"b\",\"c\\\\d\"],"
                           "\"ReadyForUpgrade\":null}]}");
    free(j);
    struct pp_readiness empty = {.state = PP_READY_BUSY, .total_fe = 2, .active_fe = 1};
    j = readiness_to_json(&empty);
    assert_string_equal(j, "{\"PoolUpgradeState\":\"Busy\",\"TotalFrontEnds\":2,"
                           "\"TotalActiveFrontEnds\":1,\"UpgradeDomains\":[]}");
    free(j);
    assert_null(readiness_to_json(NULL));
}

/* Every built-in training scenario makes a pool that answers a check. */
static void test_builtin_scenarios(void **state)
{
    (void)state;
    assert_true(scenario_count() > 0); /* compiled in: none is a broken build */
    for (int i = 0; i < scenario_count(); i++) {
        const struct pp_scenario_info *si = scenario_at(i);
        struct pp_config *cfg = calloc(1, sizeof *cfg);
        assert_non_null(cfg);
        struct pp_diag d = {0};
        int rc = config_load_scenario(cfg, si->name, &d);
        for (int k = 0; k < d.n; k++)
            fprintf(stderr, "%s\n", d.msgs[k]);
        diag_free(&d);
        assert_int_equal(rc, 0);
        struct h h;
        h_init(&h, cfg);
        /* the check, on a server the pool starts with (whatever it answers) */
        uint64_t id = h_start(&h, cfg->nservers - 1, PP_CMD_READINESS, 600000);
        const struct rev *e = h_wait(&h, id);
        if (e->res == PP_RES_OK) {
            char *out = h_out(&h, id, false);
            struct pp_readiness r;
            if (readiness_parse(out, strlen(out), &r) != 0)
                fail_msg("scenario %s: unparsed readiness (%s)", si->name, r.why);
            assert_int_equal(r.total_fe, cfg->nservers);
            readiness_free(&r);
            free(out);
        }
        h_free(&h);
    }
}

/* ---- the fleet: 1000 servers in 50 domains, a full pass ---- */

static int server_index(const struct pp_config *cfg, const char *name)
{
    for (int i = 0; i < cfg->nservers; i++)
        if (strcmp(cfg->servers[i].name, name) == 0)
            return i;
    fail_msg("no server %s", name);
    return -1;
}

/* The built-in `fleet` scenario (or the same shape generated here, if it
 * is ever renamed): every domain in turn, each step on all its servers at
 * once, with the check on a server of another domain before each. */
static void test_fleet(void **state)
{
    (void)state;
    struct pp_config *cfg;
    if (scenario_find("fleet")) {
        cfg = calloc(1, sizeof *cfg);
        assert_non_null(cfg);
        struct pp_diag d = {0};
        assert_int_equal(config_load_scenario(cfg, "fleet", &d), 0);
        diag_free(&d);
    } else {
        cfg = pool_load(&(struct pool_opts){
            .profile = "linux-systemd", .no_dr = true, .pool_extra = "quorum = majority\n",
            .sim_extra = "generate_servers = 1000\ngenerate_domains = 50\n"
                         "generate_pattern = fe%04d.fleet.example.com\n"});
    }
    struct h h;
    h_init(&h, cfg);
    int n = cfg->nservers;
    assert_true(n >= 1000);
    h.last_res = calloc((size_t)n, sizeof *h.last_res);
    assert_non_null(h.last_res);

    /* membership as the pool reports it */
    struct pp_readiness r;
    readiness(&h, 0, &r);
    int nd = r.ndomains;
    assert_true(nd >= 2);
    int **members = calloc((size_t)nd, sizeof *members), *count = calloc((size_t)nd, sizeof *count);
    assert_non_null(members);
    assert_non_null(count);
    int total = 0;
    for (int d = 0; d < nd; d++) {
        count[d] = r.domains[d].nfronts;
        members[d] = calloc((size_t)count[d], sizeof **members);
        assert_non_null(members[d]);
        for (int k = 0; k < count[d]; k++)
            members[d][k] = server_index(cfg, r.domains[d].fronts[k]);
        total += count[d];
    }
    assert_int_equal(total, n);
    readiness_free(&r);
    h_clear(&h);

    static const enum pp_cmd_kind steps[] = {PP_CMD_DRAIN, PP_CMD_UPGRADE, PP_CMD_RESTART,
                                             PP_CMD_VERIFY};
    for (int d = 0; d < nd; d++) {
        readiness(&h, members[(d + 1) % nd][0], &r);
        assert_int_equal(r.state, PP_READY_READY);
        assert_int_equal(r.total_fe, n);
        assert_int_equal(r.active_fe, n);
        assert_int_equal(r.domains[d].ready, 1);
        readiness_free(&r);
        h_clear(&h);
        h.light = true;
        for (int s = 0; s < 4; s++) {
            int ends = h.ends;
            for (int k = 0; k < count[d]; k++)
                h_start(&h, members[d][k], steps[s], 3600000);
            while (h.ends < ends + count[d])
                assert_true(h_step(&h));
            for (int k = 0; k < count[d]; k++)
                assert_int_equal(h.last_res[members[d][k]], PP_RES_OK);
        }
        h.light = false;
    }
    readiness(&h, 0, &r);
    assert_int_equal(r.state, PP_READY_READY);
    for (int d = 0; d < nd; d++)
        assert_int_equal(r.domains[d].ready, 1);
    readiness_free(&r);
    /* all patched and running */
    for (int i = 0; i < n; i += 97) {
        char *out = h_run(&h, i, PP_CMD_PROBE, NULL), line[200];
        answer_line(out, line, sizeof line);
        assert_non_null(strstr(line, " active, patched: yes, restart pending: no"));
        free(out);
    }
    assert_int_equal(run(&h, 0, PP_CMD_FABRIC), PP_RES_OK);
    for (int d = 0; d < nd; d++)
        free(members[d]);
    free(members);
    free(count);
    h_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readiness_ready),
        cmocka_unit_test(test_readiness_busy_first),
        cmocka_unit_test(test_readiness_insufficient_flag),
        cmocka_unit_test(test_readiness_quorum),
        cmocka_unit_test(test_readiness_quorum_among_first),
        cmocka_unit_test(test_readiness_other_domain_down),
        cmocka_unit_test(test_readiness_not_ready_fault),
        cmocka_unit_test(test_readiness_busy_after_domain),
        cmocka_unit_test(test_readiness_on_down_server),
        cmocka_unit_test(test_drain),
        cmocka_unit_test(test_drain_sfb_computer_failover),
        cmocka_unit_test(test_upgrade_restart_verify),
        cmocka_unit_test(test_never_returns),
        cmocka_unit_test(test_hang_timeout_and_cancel),
        cmocka_unit_test(test_drop_probe_truth),
        cmocka_unit_test(test_fail_fault),
        cmocka_unit_test(test_fabric_and_failover),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_inject),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_next_due),
        cmocka_unit_test(test_posix_and_auto_domains),
        cmocka_unit_test(test_to_json),
        cmocka_unit_test(test_builtin_scenarios),
        cmocka_unit_test(test_fleet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
