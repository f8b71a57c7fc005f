/* The check just before a drain (issue 13): with [update] package set, the
 * runner asks the server, read-only, whether it holds the package, and
 * sends the drain only when it answers with the package's SHA-256.
 *
 * The runner drives the built-in "happy" scenario, whose journal says every
 * server holds a verified copy (seeded `stage` records), through a
 * transport that wraps the simulated one and plays the server's side of the
 * package check (the simulator has no files): it answers with a SHA-256 the
 * test chooses, or holds the check until it is cancelled.  It counts the
 * drains the runner starts: the simulator's own drains are what a server
 * would do.  The simulator is a training run, which never checks (no
 * files): the test turns training off once the runner is made (its clock
 * stays the simulator's). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/journal/journal.h"
#include "backend/pool/model.h"
#include "backend/pool/remote.h"
#include "backend/runner/runner.h"
#include "backend/runner/runner_internal.h"
#include "backend/runner/transport.h"
#include "config/config.h"
#include "tests/unit/helpers.h"

#define SHA_PKG "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_OTHER "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

enum mode { ANSWER, HOLD };

struct gate {
    struct pp_transport base;
    struct pp_transport *inner;
    enum mode mode;
    const char *answer;        /* the check's stdout (ANSWER) */
    uint64_t pending[64];      /* checks started, not yet ended */
    int npending;
    uint64_t cancelled;        /* a held check the runner cancelled */
    int checks, drains;
    int check_server;          /* the server of the first check */
};

static struct gate *gate_of(struct pp_transport *t)
{
    return (struct gate *)t;
}

static int g_start(struct pp_transport *t, const struct pp_cmd *c, pp_ms now)
{
    struct gate *g = gate_of(t);
    if (c->kind == PP_CMD_PROBE) {   /* the happy run sends no other probe */
        if (!g->checks++)
            g->check_server = c->server;
        assert_true(g->npending < 64);
        g->pending[g->npending++] = c->id;
        return 0;
    }
    if (c->kind == PP_CMD_DRAIN || c->kind == PP_CMD_DRAIN_NOW)
        g->drains++;
    return transport_start(g->inner, c, now);
}

static void g_end(const struct pp_tsink *sink, uint64_t id, enum pp_result res, const char *out)
{
    if (out) {
        struct pp_tev o = {.type = PP_TEV_OUTPUT, .id = id, .data = out, .len = strlen(out),
                           .exit_status = -1};
        sink->emit(sink->ctx, &o);
    }
    struct pp_tev e = {.type = PP_TEV_END, .id = id, .result = res,
                       .exit_status = res == PP_RES_OK ? 0 : -1};
    sink->emit(sink->ctx, &e);
}

static void g_poll(struct pp_transport *t, pp_ms now, const struct pp_tsink *sink)
{
    struct gate *g = gate_of(t);
    transport_poll(g->inner, now, sink);
    for (int i = 0; i < g->npending; i++) {
        uint64_t id = g->pending[i];
        if (g->mode == HOLD && id != g->cancelled)
            continue;
        g->pending[i--] = g->pending[--g->npending];
        if (g->mode == HOLD)
            g_end(sink, id, PP_RES_CANCELLED, NULL);
        else
            g_end(sink, id, PP_RES_OK, g->answer);
    }
}

static void g_cancel(struct pp_transport *t, uint64_t id, pp_ms now)
{
    struct gate *g = gate_of(t);
    for (int i = 0; i < g->npending; i++)
        if (g->pending[i] == id) {
            g->cancelled = id;
            return;
        }
    transport_cancel(g->inner, id, now);
}

static int g_fd(struct pp_transport *t)
{
    return transport_fd(gate_of(t)->inner);
}

static pp_ms g_next_due(struct pp_transport *t)
{
    return transport_next_due(gate_of(t)->inner);
}

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
    .next_due = g_next_due, .answer = g_answer, .free = g_free};

static void on_notice(void *ctx, const struct pp_notice *n)
{
    (void)ctx;
    (void)n;
}

struct run {
    struct pp_config cfg;
    struct pp_model m;
    struct gate *g;
    struct pp_runner *r;
};

/* The happy run with [update] package, every server staged in the journal. */
static void run_start(struct run *x, enum mode mode, const char *answer, const char *hash)
{
    struct pp_diag diag = {0};
    memset(x, 0, sizeof *x);
    assert_int_equal(config_load_scenario(&x->cfg, "happy", &diag), 0);
    diag_free(&diag);
    snprintf(x->cfg.update.package, sizeof x->cfg.update.package, "/jump/Installer.exe");
    snprintf(x->cfg.update.remote_path, sizeof x->cfg.update.remote_path, "/updates/{file}");
    snprintf(x->cfg.update.sha256, sizeof x->cfg.update.sha256, "%s", SHA_PKG);
    free(x->cfg.update.hash_command);
    x->cfg.update.hash_command = strdup(hash);
    assert_int_equal(model_init(&x->m, &x->cfg), 0);

    char jpath[1024], err[PP_REASON_MAX * 2] = "";
    snprintf(jpath, sizeof jpath, "%s/journal.jsonl", test_tmpdir());
    FILE *f = fopen(jpath, "w");
    assert_non_null(f);
    for (int s = 0; s < x->m.nservers; s++)
        fprintf(f,
                "{\"seq\":%d,\"ts\":\"2026-12-01T10:00:00Z\",\"operator\":\"op\",\"event\":"
                "\"stage\",\"server\":\"%s\",\"result\":\"ok\",\"detail\":\"sha256 %s\"}\n",
                s + 1, x->m.servers[s].name, SHA_PKG);
    fclose(f);

    x->g = calloc(1, sizeof *x->g);
    assert_non_null(x->g);
    x->g->base.ops = &gate_ops;
    x->g->inner = sim_transport_new(&x->cfg);
    assert_non_null(x->g->inner);
    x->g->mode = mode;
    x->g->answer = answer;
    x->g->check_server = -1;
    bool locked = false;
    struct pp_journal *j = journal_open_as(jpath, "tester", &locked, err, sizeof err);
    assert_non_null(j);
    struct pp_runner_opts ro = {.yes = true, .training = true, .time_scale = 0,
                                .operator_ = "tester"};
    x->r = runner_new(&x->cfg, &x->m, &x->g->base, j, &ro, on_notice, NULL);
    assert_non_null(x->r);
    x->r->opts.training = false;   /* a real pool's rule, on the simulated one */
    assert_int_equal(runner_start(x->r, err, sizeof err), 0);
}

static void run_ticks(struct run *x, int n)
{
    int code = 0;
    for (int i = 0; i < n && !runner_done(x->r, &code); i++)
        runner_tick(x->r);
}

/* Ticks until the first check has started (and, held, not ended). */
static void run_to_check(struct run *x)
{
    int code = 0;
    for (int i = 0; i < 100000 && !x->g->checks && !runner_done(x->r, &code); i++)
        runner_tick(x->r);
    assert_true(x->g->checks > 0);
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

static const char answer_pkg[] = "pp-package-size 4\n" SHA_PKG "  /updates/Installer.exe\n" PP_MARKER
                                 " ok\n";
static const char answer_other[] = "pp-package-size 4\n" SHA_OTHER "  /updates/Installer.exe\n"
                                   PP_MARKER " ok\n";
static const char answer_missing[] = "pp-package-missing\n" PP_MARKER " ok\n";

/* The control: the server holds the package, so its drain is sent after
 * the check, and the run goes on. */
static void test_holds_package_drains(void **st)
{
    (void)st;
    struct run x;
    run_start(&x, HOLD, answer_pkg, "sha256sum -- {path}");
    run_to_check(&x);
    run_ticks(&x, 50);
    assert_int_equal(x.g->drains, 0);   /* nothing before the server answered */
    x.g->mode = ANSWER;
    run_ticks(&x, 2000);
    assert_true(x.g->drains >= 1);
    assert_true(pane_has(&x, x.g->check_server, "holds the update package at /updates/"));
    run_free(&x);
}

static void refused(const char *answer, const char *why)
{
    struct run x;
    run_start(&x, ANSWER, answer, "sha256sum -- {path}");
    run_to_check(&x);
    run_ticks(&x, 2000);
    assert_int_equal(x.g->drains, 0);
    assert_true(pane_has(&x, x.g->check_server, "= drain refused: "));
    assert_true(pane_has(&x, x.g->check_server, why));
    run_free(&x);
}

/* Another file, or none, at the path: no drain is ever sent. */
static void test_other_file_refused(void **st)
{
    (void)st;
    refused(answer_other, "is another file: sha256 " SHA_OTHER ", not " SHA_PKG);
    refused(answer_missing, "the update package is missing on the server: no file "
                            "/updates/Installer.exe");
}

/* A cancel of the step while the check runs cancels the check, and the
 * drain is not sent. */
static void test_cancel_during_check(void **st)
{
    (void)st;
    struct run x;
    run_start(&x, HOLD, NULL, "sha256sum -- {path}");
    run_to_check(&x);
    run_ticks(&x, 50);
    assert_int_equal(x.g->drains, 0);
    runner_cancel_server(x.r, x.g->check_server);
    assert_true(x.g->cancelled != 0);
    run_ticks(&x, 2000);
    assert_int_equal(x.g->drains, 0);
    assert_true(pane_has(&x, x.g->check_server, "was cancelled"));
    run_free(&x);
}

/* No hash command: the copy cannot be verified, so nothing is asked and
 * nothing is drained. */
static void test_no_hash_command_refused(void **st)
{
    (void)st;
    struct run x;
    run_start(&x, ANSWER, answer_pkg, "");
    run_ticks(&x, 5000);
    assert_int_equal(x.g->checks, 0);
    assert_int_equal(x.g->drains, 0);
    bool said = false;
    for (int s = 0; s < x.m.nservers && !said; s++)
        said = pane_has(&x, s, "cannot be verified on the server");
    assert_true(said);
    run_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holds_package_drains),
        cmocka_unit_test(test_other_file_refused),
        cmocka_unit_test(test_cancel_during_check),
        cmocka_unit_test(test_no_hash_command_refused),
    };
    return cmocka_run_group_tests(tests, NULL, test_tmpdirs_remove);
}
