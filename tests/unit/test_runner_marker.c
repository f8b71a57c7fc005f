/* The runner's verdict on a finished command: the result marker decides,
 * not the exit status (old Win32-OpenSSH builds always exit 0), and no
 * marker at all is a failure whatever the status.
 *
 * Neither the simulated pool nor the fake cmdlet ever ends a command
 * without a marker, or with a marker that disagrees with its status, so
 * the runner's own code for those cases ran in no test.  Here the runner
 * drives the built-in "happy" scenario through a transport that wraps the
 * simulated one and forges how one command ends: its output is replaced
 * (by nothing, or by a marker line) and its END gets the exit status the
 * test chooses.  The runner's verdict is read from its output pane line
 * "= KIND RESULT: detail", which is what it hands to the engine. */
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
#include "backend/runner/transport.h"
#include "config/config.h"
#include "tests/unit/helpers.h"

/* ---- a transport that forges the end of one command ---- */

struct forge {
    struct pp_transport base;
    struct pp_transport *inner;
    const char *output;           /* what the target prints instead (NULL: nothing) */
    enum pp_result result;        /* the target's END */
    int exit_status;
    uint64_t target;              /* 0 until the first command worth forging starts */
    enum pp_cmd_kind kind;
    int server;
    bool ended;
    const struct pp_tsink *outer;
};

static struct forge *forge_of(struct pp_transport *t)
{
    return (struct forge *)t;
}

static int f_start(struct pp_transport *t, const struct pp_cmd *c, pp_ms now)
{
    struct forge *f = forge_of(t);
    /* readiness answers are parsed, restarts are judged by coming back:
     * the first other command (a probe, drain...) is the one forged */
    if (!f->target && c->kind != PP_CMD_READINESS && c->kind != PP_CMD_RESTART) {
        f->target = c->id;
        f->kind = c->kind;
        f->server = c->server;
    }
    return transport_start(f->inner, c, now);
}

static void f_emit(void *ctx, const struct pp_tev *ev)
{
    struct forge *f = ctx;
    if (f->target && ev->id == f->target) {
        if (ev->type == PP_TEV_OUTPUT)
            return; /* the real output (with its marker) never arrives */
        if (ev->type == PP_TEV_END) {
            if (f->output) {
                struct pp_tev out = {.type = PP_TEV_OUTPUT, .id = ev->id, .server = ev->server,
                                     .data = f->output, .len = strlen(f->output),
                                     .exit_status = -1};
                f->outer->emit(f->outer->ctx, &out);
            }
            struct pp_tev end = *ev;
            end.result = f->result;
            end.exit_status = f->exit_status;
            end.data = NULL;
            end.len = 0;
            f->ended = true;
            f->outer->emit(f->outer->ctx, &end);
            return;
        }
    }
    f->outer->emit(f->outer->ctx, ev);
}

static void f_poll(struct pp_transport *t, pp_ms now, const struct pp_tsink *sink)
{
    struct forge *f = forge_of(t);
    f->outer = sink;
    struct pp_tsink mine = {f_emit, f};
    transport_poll(f->inner, now, &mine);
}

static void f_cancel(struct pp_transport *t, uint64_t id, pp_ms now)
{
    transport_cancel(forge_of(t)->inner, id, now);
}

static int f_fd(struct pp_transport *t)
{
    return transport_fd(forge_of(t)->inner);
}

static pp_ms f_next_due(struct pp_transport *t)
{
    return transport_next_due(forge_of(t)->inner);
}

static void f_answer(struct pp_transport *t, uint64_t pid, bool accept, const char *text,
                     bool remember)
{
    transport_answer(forge_of(t)->inner, pid, accept, text, remember);
}

static void f_free(struct pp_transport *t)
{
    struct forge *f = forge_of(t);
    transport_free(f->inner);
    free(f);
}

static const struct pp_transport_ops forge_ops = {
    .name = "forge", .start = f_start, .cancel = f_cancel, .poll = f_poll, .fd = f_fd,
    .next_due = f_next_due, .answer = f_answer, .free = f_free};

/* ---- one run up to the forged command's end ---- */

static void on_notice(void *ctx, const struct pp_notice *n)
{
    (void)ctx;
    (void)n;
}

/* Runs the happy scenario until the forged command has ended and returns
 * the runner's line about it ("= drain failed: ..."), heap-allocated. */
static char *verdict(const char *output, enum pp_result result, int exit_status,
                     enum pp_cmd_kind *kind)
{
    struct pp_config cfg;
    struct pp_diag diag = {0};
    memset(&cfg, 0, sizeof cfg);
    assert_int_equal(config_load_scenario(&cfg, "happy", &diag), 0);
    diag_free(&diag);
    struct pp_model m;
    assert_int_equal(model_init(&m, &cfg), 0);
    struct forge *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->base.ops = &forge_ops;
    f->inner = sim_transport_new(&cfg);
    assert_non_null(f->inner);
    f->output = output;
    f->result = result;
    f->exit_status = exit_status;

    char jpath[1024], err[PP_REASON_MAX * 2] = "";
    snprintf(jpath, sizeof jpath, "%s/journal.jsonl", test_tmpdir());
    bool locked = false;
    struct pp_journal *j = journal_open_as(jpath, "tester", &locked, err, sizeof err);
    assert_non_null(j);
    struct pp_runner_opts ro = {.yes = true, .training = true, .time_scale = 0,
                                .operator_ = "tester"};
    struct pp_runner *r = runner_new(&cfg, &m, &f->base, j, &ro, on_notice, NULL);
    assert_non_null(r);
    assert_int_equal(runner_start(r, err, sizeof err), 0);
    int code = 0;
    for (int i = 0; i < 100000 && !f->ended && !runner_done(r, &code); i++)
        runner_tick(r);
    assert_true(f->ended);
    *kind = f->kind;

    char prefix[64];
    snprintf(prefix, sizeof prefix, "= %s ", pp_cmd_kind_name(f->kind));
    const struct pp_outbuf *o = runner_output(r, f->server);
    assert_non_null(o);
    char *line = NULL;
    for (int i = outbuf_count(o) - 1; i >= 0 && !line; i--)
        if (!strncmp(outbuf_line(o, i), prefix, strlen(prefix)))
            line = strdup(outbuf_line(o, i));
    assert_non_null(line);
    print_message("%s\n", line);
    runner_free(r); /* closes the journal, frees the transport */
    model_free(&m);
    config_free(&cfg);
    return line;
}

static void expect(const char *line, enum pp_cmd_kind kind, const char *result,
                   const char *detail)
{
    char want[256];
    snprintf(want, sizeof want, "= %s %s", pp_cmd_kind_name(kind), result);
    assert_true(!strncmp(line, want, strlen(want)));
    if (detail)
        assert_non_null(strstr(line, detail));
}

/* The control: the forging transport itself changes nothing when it hands
 * on an ok marker with status 0. */
static void test_ok_marker_status_0_is_ok(void **st)
{
    (void)st;
    enum pp_cmd_kind k;
    char *l = verdict("done\n" PP_MARKER " ok\n", PP_RES_OK, 0, &k);
    expect(l, k, "ok", NULL);
    free(l);
}

/* No marker, exit status 0: the output was cut or the script never
 * finished; never ok. */
static void test_no_marker_status_0_is_failed(void **st)
{
    (void)st;
    enum pp_cmd_kind k;
    char *l = verdict("Draining...\n", PP_RES_OK, 0, &k);
    expect(l, k, "failed", "no result marker (exit 0)");
    free(l);
    l = verdict(NULL, PP_RES_OK, 0, &k); /* no output at all */
    expect(l, k, "failed", "no result marker (exit 0)");
    free(l);
}

/* A failed marker with exit status 0 (old Win32-OpenSSH always exits 0):
 * failed, with the marker's reason. */
static void test_failed_marker_status_0_is_failed(void **st)
{
    (void)st;
    enum pp_cmd_kind k;
    char *l = verdict("Stop-CsWindowsService: access denied\n" PP_MARKER
                      " failed the service would not stop\n",
                      PP_RES_OK, 0, &k);
    expect(l, k, "failed", "the service would not stop");
    free(l);
}

/* The marker is trusted over the status the other way round too. */
static void test_ok_marker_status_1_is_ok(void **st)
{
    (void)st;
    enum pp_cmd_kind k;
    char *l = verdict(PP_MARKER " ok\n", PP_RES_FAILED, 1, &k);
    expect(l, k, "ok", NULL);
    free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_marker_status_0_is_ok),
        cmocka_unit_test(test_no_marker_status_0_is_failed),
        cmocka_unit_test(test_failed_marker_status_0_is_failed),
        cmocka_unit_test(test_ok_marker_status_1_is_ok),
    };
    return cmocka_run_group_tests(tests, NULL, test_tmpdirs_remove);
}
