/* The runner's side of staging (backend/runner/runner_staging.c): when the
 * dashboard's stage step may start, what it holds back while it runs (the
 * operator's yes, a --yes confirm, a drain), and cancel.
 *
 * A real pool, not a training run: the config has no [sim] section (staging
 * refuses a scenario), and the transport is a gate around the simulated
 * pool (sim_transport_new plays a healthy pool without [sim]).  The gate
 * adds the `copy` op the simulator lacks and keeps staging's own commands
 * and copies (ids from 2^62, runner_staging.c) to itself: the test answers
 * them, or the runner cancels them.  Everything else goes to the simulator
 * and is counted, so a test sees whether the run sent anything.
 *
 * Last, the package's hash at stage start: the run's own, taken while the
 * file is provably the one the run hashed; a file changed since is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/journal/journal.h"
#include "backend/pool/model.h"
#include "backend/pool/remote.h"
#include "backend/runner/runner.h"
#include "backend/runner/runner_internal.h"
#include "backend/runner/transport.h"
#include "config/config.h"
#include "tests/unit/helpers.h"

#define STAGING_IDS (UINT64_C(1) << 62)   /* runner_staging.c STAGING_ID_BASE */
#define HELD_MAX 64
#define OTHER_SHA "1111111111111111111111111111111111111111111111111111111111111111"

/* A command or copy of staging's, held until answered or cancelled. */
struct held {
    uint64_t id;
    int server;
    bool copy;
    bool due, done;           /* due: ends at the next poll */
    enum pp_result res;
    char out[256];
};

struct gate {
    struct pp_transport base;
    struct pp_transport *inner;
    struct held held[HELD_MAX];
    int nheld;
    int sent;                  /* the run's own commands (not staging's) */
    int drains, probes;
};

static struct gate *gate_of(struct pp_transport *t) { return (struct gate *)t; }

static struct held *hold(struct gate *g, uint64_t id, int server, bool copy)
{
    assert_true(g->nheld < HELD_MAX);
    struct held *h = &g->held[g->nheld++];
    *h = (struct held){.id = id, .server = server, .copy = copy};
    return h;
}

static int g_start(struct pp_transport *t, const struct pp_cmd *c, pp_ms now)
{
    struct gate *g = gate_of(t);
    if (c->id >= STAGING_IDS) {
        hold(g, c->id, c->server, false);
        return 0;
    }
    g->sent++;
    g->drains += c->kind == PP_CMD_DRAIN || c->kind == PP_CMD_DRAIN_NOW;
    g->probes += c->kind == PP_CMD_PROBE;
    return transport_start(g->inner, c, now);
}

static int g_copy(struct pp_transport *t, const struct pp_copy *c, pp_ms now)
{
    (void)now;
    assert_true(c->id >= STAGING_IDS);   /* only staging copies */
    hold(gate_of(t), c->id, c->server, true);
    return 0;
}

static void g_cancel(struct pp_transport *t, uint64_t id, pp_ms now)
{
    struct gate *g = gate_of(t);
    for (int i = 0; i < g->nheld; i++)
        if (g->held[i].id == id && !g->held[i].done) {
            g->held[i].due = true;
            g->held[i].res = PP_RES_CANCELLED;
            g->held[i].out[0] = 0;
            return;
        }
    transport_cancel(g->inner, id, now);
}

static void g_poll(struct pp_transport *t, pp_ms now, const struct pp_tsink *sink)
{
    struct gate *g = gate_of(t);
    transport_poll(g->inner, now, sink);
    for (int i = 0; i < g->nheld; i++) {
        struct held *h = &g->held[i];
        if (!h->due || h->done)
            continue;
        h->done = true;
        if (h->out[0]) {
            struct pp_tev o = {.type = PP_TEV_OUTPUT, .id = h->id, .server = h->server,
                               .data = h->out, .len = strlen(h->out), .exit_status = -1};
            sink->emit(sink->ctx, &o);
        }
        struct pp_tev e = {.type = PP_TEV_END, .id = h->id, .server = h->server,
                           .result = h->res, .exit_status = h->res == PP_RES_OK ? 0 : -1,
                           .data = h->res == PP_RES_CANCELLED ? "cancelled" : NULL};
        sink->emit(sink->ctx, &e);
    }
}

static int g_fd(struct pp_transport *t) { return transport_fd(gate_of(t)->inner); }
static pp_ms g_next_due(struct pp_transport *t) { return transport_next_due(gate_of(t)->inner); }
static void g_answer(struct pp_transport *t, uint64_t pid, bool accept, const char *text,
                     bool remember)
{
    transport_answer(gate_of(t)->inner, pid, accept, text, remember);
}
static void g_free(struct pp_transport *t)
{
    struct gate *g = gate_of(t);
    transport_free(g->inner);
    free(g);
}

static const struct pp_transport_ops gate_ops = {
    .name = "gate", .start = g_start, .cancel = g_cancel, .poll = g_poll, .fd = g_fd,
    .next_due = g_next_due, .answer = g_answer, .free = g_free, .copy = g_copy};

/* The last held entry of server (a copy or a command), or NULL. */
static struct held *held_of(struct gate *g, int server, bool copy)
{
    for (int i = g->nheld - 1; i >= 0; i--)
        if (g->held[i].server == server && g->held[i].copy == copy && !g->held[i].done)
            return &g->held[i];
    return NULL;
}

/* A hash command's answer, as the wrapped command prints it. */
static void answer_hash(struct held *h, const char *hex)
{
    assert_non_null(h);
    snprintf(h->out, sizeof h->out, "%s  /var/tmp/poolpilot/pkg\n%s ok\n", hex, PP_MARKER);
    h->res = PP_RES_OK;
    h->due = true;
}

/* ---- the run ------------------------------------------------------------ */

#define NOTICES_MAX 512

struct run {
    struct pp_config cfg;
    struct pp_model m;
    struct gate *g;
    struct pp_runner *r;
    char dir[512], pkg[600], jpath[600];
    char sha[PP_SHA256_HEX + 1];
    char notice[NOTICES_MAX][256];
    enum pp_notice_type ntype[NOTICES_MAX];
    int nnotice;
};

static void on_notice(void *ctx, const struct pp_notice *n)
{
    struct run *x = ctx;
    if (x->nnotice < NOTICES_MAX && n->text) {
        x->ntype[x->nnotice] = n->type;
        snprintf(x->notice[x->nnotice++], sizeof x->notice[0], "%s", n->text);
    }
}

/* Was a notice of type (or any, -1) containing text given since notice `from`? */
static bool said(const struct run *x, int from, int type, const char *text)
{
    for (int i = from; i < x->nnotice; i++)
        if ((type < 0 || x->ntype[i] == (enum pp_notice_type)type) && strstr(x->notice[i], text)) {
            print_message("%s\n", x->notice[i]);
            return true;
        }
    return false;
}

struct setup {
    bool package;              /* [update] package = a file of the test */
    bool staged;               /* the journal says every server holds it */
    bool yes, training, dry_run;
    int parallel;              /* [update] stage_parallel */
    bool sha256;               /* [update] sha256 = the package's */
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void run_start(struct run *x, const struct setup *s)
{
    memset(x, 0, sizeof *x);
    snprintf(x->dir, sizeof x->dir, "%s", test_tmpdir());
    snprintf(x->pkg, sizeof x->pkg, "%s/Installer.exe", x->dir);
    snprintf(x->jpath, sizeof x->jpath, "%s/journal.jsonl", x->dir);
    /* a fresh run's start record takes the pool's lock under the state
     * directory (journal.c jnl_lock_pool): each run its own, so neither a
     * test of the same pool name running beside this one nor the journal a
     * failed test left open holds it */
    setenv("XDG_STATE_HOME", x->dir, 1);
    write_file(x->pkg, "the update package\n");
    char err[PP_REASON_MAX * 2] = "";
    assert_int_equal(stage_sha256_file(x->pkg, x->sha, NULL, err, sizeof err), 0);

    /* a real pool: no [sim] section */
    char ini[2048], update[1024] = "";
    if (s->package)
        snprintf(update, sizeof update, "[update]\npackage = %s\nstage_parallel = %d\n%s%s\n",
                 x->pkg, s->parallel ? s->parallel : 4, s->sha256 ? "sha256 = " : "",
                 s->sha256 ? x->sha : "");
    snprintf(ini, sizeof ini,
             "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\nconfirm = domain\n"
             "[servers]\n"
             "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"
             "fe03.contoso.com = UpgradeDomain2\nfe04.contoso.com = UpgradeDomain2\n"
             "%s",
             update);
    struct pp_diag d = {0};
    int rc = config_load_string(&x->cfg, "pool.ini", ini, &d);
    for (int i = 0; i < d.n; i++)
        print_message("%s\n", d.msgs[i]);
    diag_free(&d);
    assert_int_equal(rc, 0);
    assert_false(x->cfg.sim.present);
    assert_int_equal(model_init(&x->m, &x->cfg), 0);

    FILE *f = fopen(x->jpath, "w");
    assert_non_null(f);
    for (int i = 0; s->staged && i < x->m.nservers; i++)
        fprintf(f,
                "{\"seq\":%d,\"ts\":\"2026-12-01T10:00:00Z\",\"operator\":\"op\",\"event\":"
                "\"stage\",\"server\":\"%s\",\"result\":\"ok\",\"detail\":\"sha256 %s\"}\n",
                i + 1, x->m.servers[i].name, x->sha);
    fclose(f);

    x->g = calloc(1, sizeof *x->g);
    assert_non_null(x->g);
    x->g->base.ops = &gate_ops;
    x->g->inner = sim_transport_new(&x->cfg);
    assert_non_null(x->g->inner);
    struct pp_journal *j = NULL;
    if (!s->dry_run) {
        bool locked = false;
        j = journal_open_as(x->jpath, "tester", &locked, err, sizeof err);
        assert_non_null(j);
    }
    struct pp_runner_opts ro = {.yes = s->yes, .dry_run = s->dry_run, .training = s->training,
                                .time_scale = 0, .operator_ = "tester",
                                .journal_path = s->dry_run ? x->jpath : NULL};
    x->r = runner_new(&x->cfg, &x->m, &x->g->base, j, &ro, on_notice, x);
    assert_non_null(x->r);
    runner_set_scale(x->r, 0);   /* the simulator's minutes pass at once */
    assert_int_equal(runner_start(x->r, err, sizeof err), 0);
}

static void run_ticks(struct run *x, int n)
{
    for (int i = 0; i < n && !runner_done(x->r, NULL); i++)
        runner_tick(x->r);
}

/* Ticks until the engine asks to start a domain (confirm = domain). */
static void run_to_ask(struct run *x)
{
    for (int i = 0; i < 10000 && x->m.ask != PP_ASK_START_DOMAIN; i++)
        runner_tick(x->r);
    assert_int_equal(x->m.ask, PP_ASK_START_DOMAIN);
    assert_null(x->r->cmds);
}

/* The run at its first question, with staging started from the dashboard. */
static void run_staging(struct run *x, const struct setup *s)
{
    run_start(x, s);
    run_to_ask(x);
    char err[PP_REASON_MAX * 2] = "";
    assert_int_equal(runner_stage_start(x->r, err, sizeof err), 0);
}

static int domains_active(const struct run *x)
{
    int n = 0;
    for (int d = 0; d < x->m.ndomains; d++)
        n += x->m.domains[d].state == PP_DOM_ACTIVE;
    return n;
}

static bool pane_has(const struct run *x, int server, const char *text)
{
    const struct pp_outbuf *o = runner_output(x->r, server);
    for (int i = 0; o && i < outbuf_count(o); i++)
        if (strstr(outbuf_line(o, i), text)) {
            print_message("%s\n", outbuf_line(o, i));
            return true;
        }
    return false;
}

static void run_free(struct run *x)
{
    runner_free(x->r);
    model_free(&x->m);
    config_free(&x->cfg);
}

static void start_refused(const struct setup *s, const char *why)
{
    struct run x;
    run_start(&x, s);
    char err[PP_REASON_MAX * 2] = "";
    assert_int_equal(runner_stage_start(x.r, err, sizeof err), -1);
    print_message("refused: %s\n", err);
    assert_true(strncmp(err, why, strlen(why)) == 0);
    assert_false(runner_stage_running(x.r));
    assert_int_equal(x.g->nheld, 0);   /* nothing was asked of any server */
    run_free(&x);
}

/* ---- when staging may start --------------------------------------------- */

static void test_start_refused_without_package(void **st)
{
    (void)st;
    /* the runner's own refusal, not the stage object's "cannot stage: ..." */
    start_refused(&(struct setup){.package = false},
                  "pool.ini: [update] package is not set: nothing to stage");
}

static void test_start_refused_in_training(void **st)
{
    (void)st;
    /* the gate can copy: it is the training run itself that is refused */
    start_refused(&(struct setup){.package = true, .training = true},
                  "staging copies to real servers over SSH: a training run has none");
}

static void test_start_refused_in_dry_run(void **st)
{
    (void)st;
    start_refused(&(struct setup){.package = true, .dry_run = true},
                  "a dry run changes nothing");
}

/* A domain in progress: its servers leave service, and staging would
 * rewrite the package under their installers. */
static void test_start_refused_while_domain_runs(void **st)
{
    (void)st;
    struct run x;
    run_start(&x, &(struct setup){.package = true, .staged = true, .yes = true});
    for (int i = 0; i < 10000 && !domains_active(&x); i++)
        runner_tick(x.r);
    assert_int_equal(domains_active(&x), 1);
    char err[PP_REASON_MAX * 2] = "";
    assert_int_equal(runner_stage_start(x.r, err, sizeof err), -1);
    print_message("refused: %s\n", err);
    assert_non_null(strstr(err, "domain UpgradeDomain1 is in progress"));
    assert_false(runner_stage_running(x.r));
    assert_int_equal(x.g->nheld, 0);
    run_free(&x);
}

static void test_start_refused_while_staging(void **st)
{
    (void)st;
    struct run x;
    run_staging(&x, &(struct setup){.package = true});
    assert_true(runner_stage_running(x.r));
    int held = x.g->nheld;
    char err[PP_REASON_MAX * 2] = "";
    assert_int_equal(runner_stage_start(x.r, err, sizeof err), -1);
    print_message("refused: %s\n", err);
    assert_non_null(strstr(err, "staging already runs"));
    assert_int_equal(x.g->nheld, held);   /* no second staging's commands */
    run_free(&x);
}

/* ---- what waits while staging runs -------------------------------------- */

/* Answers every server's first hash with the package's: "already staged",
 * so staging ends without a copy. */
static void finish_staging(struct run *x)
{
    for (int round = 0; round < 8 && runner_stage_running(x->r); round++) {
        for (int s = 0; s < x->m.nservers; s++) {
            struct held *h = held_of(x->g, s, false);
            if (h && !h->due)
                answer_hash(h, x->sha);
        }
        run_ticks(x, 5);
    }
    assert_false(runner_stage_running(x->r));
}

/* The operator's yes starts a domain: refused while staging runs, with the
 * reason on screen; the question stays, and the same yes works after. */
static void test_operator_confirm_refused(void **st)
{
    (void)st;
    struct run x;
    run_staging(&x, &(struct setup){.package = true, .staged = true});
    int from = x.nnotice, sent = x.g->sent;
    unsigned ask = x.m.ask_id;
    runner_operator(x.r, &(struct pp_event){.op = PP_OP_CONFIRM, .ask_id = ask});
    run_ticks(&x, 20);
    assert_int_equal(domains_active(&x), 0);
    assert_int_equal(x.m.ask, PP_ASK_START_DOMAIN);
    assert_int_equal(x.m.ask_id, ask);
    assert_int_equal(x.g->sent, sent);
    assert_true(said(&x, from, PP_N_ERROR, "staging runs: nothing starts on a server"));

    /* an override is refused the same way; a no, a re-check or quit are not */
    struct pp_event ov = {.type = PP_EV_OPERATOR, .op = PP_OP_OVERRIDE, .ov = PP_OV_PROCEED,
                          .target = "pool01.contoso.com", .reason = "test"};
    from = x.nnotice;
    assert_true(runner_staging_refuses(x.r, &ov));
    assert_true(said(&x, from, PP_N_ERROR, "staging runs"));
    enum pp_op free_ops[] = {PP_OP_DECLINE, PP_OP_RECHECK, PP_OP_QUIT};
    for (size_t i = 0; i < sizeof free_ops / sizeof free_ops[0]; i++)
        assert_false(runner_staging_refuses(
            x.r, &(struct pp_event){.type = PP_EV_OPERATOR, .op = free_ops[i]}));

    finish_staging(&x);
    assert_true(said(&x, 0, PP_N_EVENT, "staging done: 4 of 4 servers hold a verified copy"));
    assert_int_equal(domains_active(&x), 0);   /* the refused yes did not come back */
    runner_operator(x.r, &(struct pp_event){.op = PP_OP_CONFIRM, .ask_id = x.m.ask_id});
    run_ticks(&x, 5);
    assert_int_equal(domains_active(&x), 1);
    run_free(&x);
}

/* --yes: its confirm while staging runs is held back without an error (no
 * one is there to read it) and given again when staging has ended. */
static void test_yes_confirm_deferred(void **st)
{
    (void)st;
    struct run x;
    /* --yes answers a question the moment it is asked, and staging cannot
     * start while the readiness check that leads to it runs: so the run
     * reaches its question without --yes, staging starts, then the runner
     * is --yes and its confirm comes the way do_ask sends it */
    run_staging(&x, &(struct setup){.package = true, .staged = true});
    x.r->opts.yes = true;
    int from = x.nnotice;
    runner_operator(x.r, &(struct pp_event){.op = PP_OP_CONFIRM, .automatic = true,
                                            .ask_id = x.m.ask_id});
    run_ticks(&x, 20);
    assert_int_equal(domains_active(&x), 0);
    assert_int_equal(x.m.ask, PP_ASK_START_DOMAIN);
    assert_false(said(&x, from, PP_N_ERROR, "staging runs"));   /* deferred, not refused */
    assert_null(x.r->qhead);   /* not kept spinning in the queue either */

    finish_staging(&x);
    run_ticks(&x, 5);
    assert_int_equal(domains_active(&x), 1);   /* asked again when staging ended */
    run_free(&x);
}

/* A drain the engine sends while staging runs is refused before anything
 * goes to the server: not even the package check before a drain, which
 * would read a file staging is rewriting. */
static void test_drain_refused_while_staging(void **st)
{
    (void)st;
    struct run x;
    run_staging(&x, &(struct setup){.package = true, .staged = true});
    int sent = x.g->sent, held = x.g->nheld;
    /* the journal says fe03 holds the package: only staging stands in the way */
    char why[PP_REASON_MAX];
    assert_false(runner_stage_refuses(x.r, 2, why, sizeof why));
    struct pp_action a = {.type = PP_ACT_RUN, .kind = PP_CMD_DRAIN, .server = 2, .domain = 1,
                          .timeout = 60000};
    runner_run(x.r, &a);
    assert_int_equal(x.g->sent, sent);
    assert_int_equal(x.g->drains, 0);
    assert_int_equal(x.g->probes, 0);
    assert_int_equal(x.g->nheld, held);
    assert_true(pane_has(&x, 2, "= drain refused: "));
    assert_true(pane_has(&x, 2, "staging of the update package runs"));
    run_free(&x);
}

/* ---- cancel ------------------------------------------------------------- */

struct jcount {
    const char *server;
    int opened, failed, ok;
    char reason[PP_REASON_MAX];
};

static int count_cb(void *ctx, const struct pp_jrec *rec)
{
    struct jcount *c = ctx;
    if (strcmp(rec->event, "stage") != 0 || strcmp(rec->server, c->server) != 0)
        return 0;
    if (!rec->result[0])
        c->opened++;
    else if (!strcmp(rec->result, "failed")) {
        c->failed++;
        snprintf(c->reason, sizeof c->reason, "%s", rec->reason);
    } else if (!strcmp(rec->result, "ok"))
        c->ok++;
    return 0;
}

static struct jcount journal_count(const struct run *x, const char *server)
{
    struct jcount c = {.server = server};
    char warn[PP_REASON_MAX] = "", err[PP_REASON_MAX] = "";
    assert_int_equal(journal_read_file(x->jpath, count_cb, &c, warn, sizeof warn, err,
                                       sizeof err),
                     0);
    return c;
}

/* Cancel while two copies run and one server waits: staging ends, each copy
 * that had its start record gets a failed one (the partial file is never
 * taken for the package), the waiting server gets none. */
static void test_cancel_journals_started_copies(void **st)
{
    (void)st;
    struct run x;
    run_staging(&x, &(struct setup){.package = true, .parallel = 2});
    /* fe01 and fe02 hold another file: both copy */
    answer_hash(held_of(x.g, 0, false), OTHER_SHA);
    answer_hash(held_of(x.g, 1, false), OTHER_SHA);
    run_ticks(&x, 5);
    assert_non_null(held_of(x.g, 0, true));
    assert_non_null(held_of(x.g, 1, true));
    assert_null(held_of(x.g, 2, false));   /* fe03 waits for a lane */
    assert_int_equal(journal_count(&x, "fe01.contoso.com").opened, 1);
    assert_int_equal(journal_count(&x, "fe02.contoso.com").opened, 1);

    int from = x.nnotice;
    runner_stage_cancel(x.r);
    assert_true(held_of(x.g, 0, true)->due);   /* the copies are cut */
    assert_true(held_of(x.g, 1, true)->due);
    run_ticks(&x, 5);
    assert_false(runner_stage_running(x.r));
    assert_true(said(&x, from, PP_N_ERROR, "staging cancelled: 0 of 4 servers hold"));
    const char *names[] = {"fe01.contoso.com", "fe02.contoso.com", "fe03.contoso.com",
                           "fe04.contoso.com"};
    for (int s = 0; s < 4; s++) {
        struct jcount c = journal_count(&x, names[s]);
        print_message("%s: %d opened, %d failed, %d ok\n", names[s], c.opened, c.failed, c.ok);
        assert_int_equal(c.failed, c.opened);
        assert_int_equal(c.ok, 0);
        if (c.failed)
            assert_non_null(strstr(c.reason, "cancelled"));
        assert_int_equal(runner_stage_staged(x.r, s), 0);
    }
    assert_int_equal(journal_count(&x, "fe01.contoso.com").failed, 1);
    assert_int_equal(journal_count(&x, "fe02.contoso.com").failed, 1);
    assert_int_equal(x.g->nheld, 4);   /* two hashes, two copies: fe03, fe04 never started */
    run_free(&x);
}

/* ---- the package's hash at stage start ---------------------------------- */

/* The file as it was, the run's hash of it taken: the test marks the run's
 * hash (a value the file cannot hash to) to see which one staging uses. */
static void test_start_takes_the_runs_hash(void **st)
{
    (void)st;
    struct run x;
    run_start(&x, &(struct setup){.package = true});
    run_to_ask(&x);
    assert_string_equal(x.r->pkg_sha, x.sha);
    snprintf(x.r->pkg_sha, sizeof x.r->pkg_sha, "%s", OTHER_SHA);
    char err[PP_REASON_MAX * 2] = "";
    assert_int_equal(runner_stage_start(x.r, err, sizeof err), 0);
    assert_string_equal(stage_sha(x.r->stage), OTHER_SHA);   /* not read again */
    run_free(&x);
}

/* Puts the file's mtime back to what it was, as cp -p or rsync -t would. */
static void keep_mtime(const char *path, const struct stat *was)
{
    struct timespec ts[2] = {was->st_atim, was->st_mtim};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

enum change { REWRITTEN, SAME_SIZE_SAME_MTIME, RENAMED_SAME_MTIME };

static void changed_refused(enum change how)
{
    struct run x;
    run_start(&x, &(struct setup){.package = true});
    run_to_ask(&x);
    struct stat was;
    assert_int_equal(stat(x.pkg, &was), 0);
    char tmp[700];
    switch (how) {
    case REWRITTEN:
        write_file(x.pkg, "another update package, longer\n");
        break;
    case SAME_SIZE_SAME_MTIME:   /* only ctime tells */
        /* ctime has the kernel's coarse clock (a few ms): written again
         * until it shows, or the case would test nothing */
        for (int i = 0; i < 100; i++) {
            write_file(x.pkg, "THE UPDATE PACKAGE\n");
            keep_mtime(x.pkg, &was);
            struct stat c;
            assert_int_equal(stat(x.pkg, &c), 0);
            if (c.st_ctim.tv_sec != was.st_ctim.tv_sec || c.st_ctim.tv_nsec != was.st_ctim.tv_nsec)
                break;
            usleep(10000);
        }
        break;
    case RENAMED_SAME_MTIME:     /* a new inode in its place */
        snprintf(tmp, sizeof tmp, "%s.new", x.pkg);
        write_file(tmp, "The Update Package\n");
        keep_mtime(tmp, &was);
        assert_int_equal(rename(tmp, x.pkg), 0);
        break;
    }
    struct stat is;
    assert_int_equal(stat(x.pkg, &is), 0);
    /* what alone tells the file changed */
    if (how == SAME_SIZE_SAME_MTIME)
        assert_true(is.st_ctim.tv_sec != was.st_ctim.tv_sec ||
                    is.st_ctim.tv_nsec != was.st_ctim.tv_nsec);
    if (how == RENAMED_SAME_MTIME)
        assert_true(is.st_ino != was.st_ino);
    if (how != REWRITTEN) {
        assert_int_equal(is.st_size, was.st_size);
        assert_int_equal(is.st_mtim.tv_sec, was.st_mtim.tv_sec);
        assert_int_equal(is.st_mtim.tv_nsec, was.st_mtim.tv_nsec);
    }
    char now[PP_SHA256_HEX + 1], err[PP_REASON_MAX * 2] = "";
    assert_int_equal(stage_sha256_file(x.pkg, now, NULL, err, sizeof err), 0);
    assert_string_not_equal(now, x.sha);
    /* the run drains only servers holding the file it hashed: copying
     * this one would only stage what every drain refuses */
    assert_int_equal(runner_stage_start(x.r, err, sizeof err), -1);
    print_message("refused: %s\n", err);
    assert_non_null(strstr(err, "changed since this run read it"));
    assert_false(runner_stage_running(x.r));
    assert_int_equal(x.g->nheld, 0);
    run_free(&x);
}

/* The file changed after the run hashed it, however it was changed (even
 * with its size and mtime put back): staging refuses to copy it. */
static void test_start_refused_for_a_changed_package(void **st)
{
    (void)st;
    changed_refused(REWRITTEN);
    changed_refused(SAME_SIZE_SAME_MTIME);
    changed_refused(RENAMED_SAME_MTIME);
}

/* [update] sha256 set: the run never read the file, so staging hashes it
 * and refuses a file that is no longer that package. */
static void test_start_refused_when_package_is_no_longer_sha256(void **st)
{
    (void)st;
    struct run x;
    run_start(&x, &(struct setup){.package = true, .sha256 = true});
    run_to_ask(&x);
    assert_string_equal(x.r->pkg_sha, x.sha);
    write_file(x.pkg, "another update package\n");
    char err[PP_REASON_MAX * 2] = "";
    assert_int_equal(runner_stage_start(x.r, err, sizeof err), -1);
    print_message("refused: %s\n", err);
    assert_non_null(strstr(err, "not to [update] sha256"));
    assert_false(runner_stage_running(x.r));
    assert_int_equal(x.g->nheld, 0);
    run_free(&x);
}

/* The console quits while two copies run: no END will come (the transport
 * goes with the runner), so each copy's start record is closed with a
 * failed record that says why, and nobody counts it as staged. */
static void test_quit_journals_running_copies(void **st)
{
    (void)st;
    struct run x;
    run_staging(&x, &(struct setup){.package = true, .parallel = 2});
    answer_hash(held_of(x.g, 0, false), OTHER_SHA);
    answer_hash(held_of(x.g, 1, false), OTHER_SHA);
    run_ticks(&x, 5);
    assert_non_null(held_of(x.g, 0, true));
    assert_non_null(held_of(x.g, 1, true));
    assert_int_equal(journal_count(&x, "fe01.contoso.com").opened, 1);
    assert_int_equal(journal_count(&x, "fe01.contoso.com").failed, 0);
    run_free(&x);   /* staging still runs */
    const char *names[] = {"fe01.contoso.com", "fe02.contoso.com", "fe03.contoso.com"};
    for (int s = 0; s < 3; s++) {
        struct jcount c = journal_count(&x, names[s]);
        print_message("%s: %d opened, %d failed, %d ok: %s\n", names[s], c.opened, c.failed,
                      c.ok, c.reason);
        assert_int_equal(c.failed, c.opened);
        assert_int_equal(c.ok, 0);
        if (s < 2)
            assert_non_null(strstr(c.reason, "interrupted: poolpilot quit"));
    }
    assert_int_equal(journal_count(&x, "fe03.contoso.com").opened, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_refused_without_package),
        cmocka_unit_test(test_start_refused_in_training),
        cmocka_unit_test(test_start_refused_in_dry_run),
        cmocka_unit_test(test_start_refused_while_domain_runs),
        cmocka_unit_test(test_start_refused_while_staging),
        cmocka_unit_test(test_operator_confirm_refused),
        cmocka_unit_test(test_yes_confirm_deferred),
        cmocka_unit_test(test_drain_refused_while_staging),
        cmocka_unit_test(test_cancel_journals_started_copies),
        cmocka_unit_test(test_quit_journals_running_copies),
        cmocka_unit_test(test_start_takes_the_runs_hash),
        cmocka_unit_test(test_start_refused_for_a_changed_package),
        cmocka_unit_test(test_start_refused_when_package_is_no_longer_sha256),
    };
    return test_exit(cmocka_run_group_tests(tests, NULL, test_tmpdirs_remove));
}
