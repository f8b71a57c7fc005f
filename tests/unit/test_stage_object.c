/* The stage object (backend/runner/stage.c) against a fake transport whose
 * events the test feeds by hand: which ids it owns, how many servers run
 * at once, a lost copy continued, a continued copy that hashes wrong
 * copied afresh, the progress and ETA numbers, cancel.  No clock: the
 * test passes the time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/journal/journal.h"
#include "backend/pool/remote.h"
#include "backend/runner/stage.h"
#include "backend/runner/transport.h"
#include "config/config.h"

#define BASE 1000000
#define MAXS 64

/* What the stage object asked of the transport. */
struct fake {
    struct pp_transport t;
    uint64_t started[MAXS];          /* command and copy ids, in order */
    bool copy[MAXS], fresh[MAXS];
    int server[MAXS];
    int n;
    uint64_t cancelled[MAXS];
    int ncancelled;
};

static int f_start(struct pp_transport *t, const struct pp_cmd *c, pp_ms now)
{
    (void)now;
    struct fake *f = (struct fake *)t;
    f->server[f->n] = c->server;
    f->copy[f->n] = false;
    f->started[f->n++] = c->id;
    return 0;
}
static int f_copy(struct pp_transport *t, const struct pp_copy *c, pp_ms now)
{
    (void)now;
    struct fake *f = (struct fake *)t;
    f->server[f->n] = c->server;
    f->copy[f->n] = true;
    f->fresh[f->n] = c->fresh;
    f->started[f->n++] = c->id;
    return 0;
}
static void f_cancel(struct pp_transport *t, uint64_t id, pp_ms now)
{
    (void)now;
    struct fake *f = (struct fake *)t;
    f->cancelled[f->ncancelled++] = id;
}
static void f_poll(struct pp_transport *t, pp_ms now, const struct pp_tsink *s)
{
    (void)t, (void)now, (void)s;
}
static int f_fd(struct pp_transport *t) { (void)t; return -1; }
static pp_ms f_due(struct pp_transport *t) { (void)t; return PP_MS_NEVER; }
static void f_answer(struct pp_transport *t, uint64_t p, bool a, const char *x, bool r)
{
    (void)t, (void)p, (void)a, (void)x, (void)r;
}
static void f_free(struct pp_transport *t) { (void)t; }
static const struct pp_transport_ops fake_ops = {"fake", f_start, f_cancel, f_poll, f_fd,
                                                 f_due, f_answer, f_free, f_copy};

struct fix {
    struct pp_config cfg;
    struct fake f;
    char pkg[64], sha[65];
    struct pp_jrec recs[64];
    int nrecs;
};

static int rec_cb(void *ctx, struct pp_jrec *rec, char *err, size_t errn)
{
    (void)err, (void)errn;
    struct fix *x = ctx;
    x->recs[x->nrecs++] = *rec;
    return 0;
}

static struct pp_stage *setup(struct fix *x, int servers, int parallel, size_t size)
{
    memset(x, 0, sizeof *x);
    snprintf(x->pkg, sizeof x->pkg, "/tmp/pp-stage-obj-XXXXXX");
    int fd = mkstemp(x->pkg);
    assert_true(fd >= 0);
    char *buf = calloc(1, size);
    assert_int_equal(write(fd, buf, size), (ssize_t)size);
    free(buf);
    close(fd);
    char ini[2048];
    int l = snprintf(ini, sizeof ini, "[pool]\nfqdn = pool01.contoso.com\nprofile = linux-systemd\n"
                                      "[servers]\n");
    for (int i = 1; i <= servers; i++)
        l += snprintf(ini + l, sizeof ini - (size_t)l, "fe%02d.contoso.com = UpgradeDomain1\n", i);
    snprintf(ini + l, sizeof ini - (size_t)l, "[update]\npackage = %s\nstage_parallel = %d\n",
             x->pkg, parallel);
    struct pp_diag d = {0};
    assert_int_equal(config_load_string(&x->cfg, "pool.ini", ini, &d), 0);
    uint64_t sz;
    char err[256];
    assert_int_equal(stage_sha256_file(x->pkg, x->sha, &sz, err, sizeof err), 0);
    x->f.t.ops = &fake_ops;
    struct pp_stage_opts o = {.operator_ = "tester", .id_base = BASE, .record = rec_cb, .ctx = x};
    struct pp_stage *g = stage_begin(&x->cfg, &x->f.t, NULL, &o, 0, err, sizeof err);
    assert_non_null(g);
    return g;
}

static void teardown(struct fix *x, struct pp_stage *g)
{
    stage_end(g);
    config_free(&x->cfg);
    unlink(x->pkg);
}

/* The hash command's answer: the hash, then the wrapper's marker. */
static void answer_hash(struct pp_stage *g, uint64_t id, const char *hex)
{
    char out[256];
    snprintf(out, sizeof out, "%s  /var/tmp/poolpilot/pkg\n%s ok\n", hex, PP_MARKER);
    struct pp_tev o = {.type = PP_TEV_OUTPUT, .id = id, .data = out, .len = strlen(out)};
    stage_event(g, &o);
    struct pp_tev e = {.type = PP_TEV_END, .id = id, .result = PP_RES_OK};
    stage_event(g, &e);
}

static void progress(struct pp_stage *g, uint64_t id, uint64_t done, uint64_t total)
{
    struct pp_tev e = {.type = PP_TEV_PROGRESS, .id = id, .done = done, .total = total};
    stage_event(g, &e);
}

static void end(struct pp_stage *g, uint64_t id, enum pp_result res)
{
    struct pp_tev e = {.type = PP_TEV_END, .id = id, .result = res, .data = "cut"};
    stage_event(g, &e);
}

static const char *other = "1111111111111111111111111111111111111111111111111111111111111111";

static void test_ids_and_admission(void **state)
{
    (void)state;
    struct fix x;
    struct pp_stage *g = setup(&x, 5, 2, 1000);
    assert_int_equal(x.f.n, 0);   /* begin starts nothing */
    stage_step(g, 0);
    assert_int_equal(x.f.n, 2);   /* stage_parallel */
    assert_true(stage_owns(g, x.f.started[0]) && stage_owns(g, x.f.started[1]));
    assert_true(x.f.started[0] > BASE);
    assert_false(stage_owns(g, 1));
    assert_false(stage_owns(g, BASE));
    assert_false(stage_owns(g, x.f.started[1] + 1));   /* not given out yet */
    stage_step(g, 10);
    assert_int_equal(x.f.n, 2);   /* still two at once */
    answer_hash(g, x.f.started[0], x.sha);   /* already there */
    struct pp_stage_progress p;
    stage_progress(g, 0, &p);
    assert_int_equal(p.state, PP_STG_STAGED);
    assert_int_equal(x.nrecs, 1);
    assert_string_equal(x.recs[0].result, "ok");
    stage_step(g, 20);
    assert_int_equal(x.f.n, 3);   /* the freed lane is used */
    assert_int_equal(x.f.server[2], 2);
    /* an event of an id it does not own changes nothing */
    end(g, 5, PP_RES_FAILED);
    stage_progress(g, 1, &p);
    assert_int_equal(p.state, PP_STG_CHECKING);
    teardown(&x, g);
}

static void test_copy_progress_eta(void **state)
{
    (void)state;
    struct fix x;
    struct pp_stage *g = setup(&x, 1, 1, 1000);
    stage_step(g, 0);
    answer_hash(g, x.f.started[0], other);   /* another file: copy */
    assert_int_equal(x.nrecs, 1);   /* the start record, before the copy */
    assert_string_equal(x.recs[0].result, "");
    assert_int_equal(x.f.n, 2);
    assert_true(x.f.copy[1]);
    uint64_t id = x.f.started[1];
    stage_step(g, 1000);   /* the copy started at t=0 */
    progress(g, id, 0, 1000);
    progress(g, id, 250, 1000);
    stage_step(g, 2000);
    struct pp_stage_progress p;
    stage_progress(g, 0, &p);
    assert_int_equal(p.state, PP_STG_COPYING);
    assert_int_equal(p.done, 250);
    assert_int_equal(p.total, 1000);
    assert_int_equal(p.rate, 125);   /* 250 bytes in 2 s */
    assert_int_equal(p.eta, 6);      /* 750 bytes at 125/s */
    struct pp_stage_pool pp;
    stage_pool(g, &pp);
    assert_int_equal(pp.sent, 250);
    assert_int_equal(pp.left, 750);
    assert_int_equal(pp.rate, 125);
    assert_int_equal(pp.eta, 6);
    assert_int_equal(pp.staged, 0);
    progress(g, id, 1000, 1000);
    end(g, id, PP_RES_OK);
    assert_int_equal(x.f.n, 3);   /* the hash of the copy */
    stage_progress(g, 0, &p);
    assert_int_equal(p.state, PP_STG_VERIFYING);
    answer_hash(g, x.f.started[2], x.sha);
    assert_true(stage_finished(g));
    assert_string_equal(x.recs[1].result, "ok");
    assert_non_null(strstr(x.recs[1].detail, x.sha));
    assert_int_equal(stage_end(g), 0);
    config_free(&x.cfg);
    unlink(x.pkg);
}

static void test_lost_resumes_then_mismatch_fresh(void **state)
{
    (void)state;
    struct fix x;
    struct pp_stage *g = setup(&x, 1, 1, 1000);
    stage_step(g, 0);
    answer_hash(g, x.f.started[0], other);
    uint64_t id = x.f.started[1];
    progress(g, id, 0, 1000);
    progress(g, id, 400, 1000);
    end(g, id, PP_RES_LOST);
    assert_int_equal(x.f.n, 3);   /* continued on a new connection */
    assert_true(x.f.copy[2]);
    assert_false(x.f.fresh[2]);
    progress(g, x.f.started[2], 400, 1000);   /* found 400 there: a continued copy */
    progress(g, x.f.started[2], 1000, 1000);
    end(g, x.f.started[2], PP_RES_OK);
    answer_hash(g, x.f.started[3], other);   /* the continued file is not ours */
    assert_int_equal(x.f.n, 5);
    assert_true(x.f.copy[4]);
    assert_true(x.f.fresh[4]);              /* copied afresh, once */
    struct pp_stage_pool pp;
    stage_pool(g, &pp);
    assert_int_equal(pp.sent, 1000);        /* 400 + 600, not 1400 */
    progress(g, x.f.started[4], 0, 1000);
    progress(g, x.f.started[4], 1000, 1000);
    end(g, x.f.started[4], PP_RES_OK);
    answer_hash(g, x.f.started[5], other);  /* wrong again: failed, no third copy */
    assert_int_equal(x.f.n, 6);
    assert_true(stage_finished(g));
    struct pp_stage_progress p;
    stage_progress(g, 0, &p);
    assert_int_equal(p.state, PP_STG_FAILED);
    assert_non_null(strstr(p.why, "hashes to"));
    assert_string_equal(x.recs[x.nrecs - 1].result, "failed");
    assert_int_equal(stage_end(g), 1);
    config_free(&x.cfg);
    unlink(x.pkg);
}

static void test_cancel(void **state)
{
    (void)state;
    struct fix x;
    struct pp_stage *g = setup(&x, 3, 2, 1000);
    stage_step(g, 0);
    answer_hash(g, x.f.started[0], other);   /* fe01 copies */
    assert_int_equal(x.nrecs, 1);
    stage_cancel(g);
    /* fe01's copy and fe02's hash are cut; fe03 never starts */
    assert_int_equal(x.f.ncancelled, 2);
    stage_step(g, 10);
    assert_int_equal(x.f.n, 3);
    assert_false(stage_finished(g));
    end(g, x.f.started[2], PP_RES_CANCELLED);
    end(g, x.f.started[1], PP_RES_CANCELLED);
    assert_true(stage_finished(g));
    struct pp_stage_pool pp;
    stage_pool(g, &pp);
    assert_int_equal(pp.cancelled, 3);
    /* only the copy that had its start record gets a failed one */
    assert_int_equal(x.nrecs, 2);
    assert_string_equal(x.recs[1].server, "fe01.contoso.com");
    assert_string_equal(x.recs[1].result, "failed");
    assert_non_null(strstr(x.recs[1].reason, "cancelled"));
    assert_int_equal(stage_end(g), 1);
    config_free(&x.cfg);
    unlink(x.pkg);
}

/* A hash the caller already has of this file (the runner's, runner_staging.c)
 * is taken as it is, not read again; [update] sha256 still decides. */
static void test_given_sha_taken(void **state)
{
    (void)state;
    struct fix x;
    stage_end(setup(&x, 2, 1, 1000));
    char err[PP_REASON_MAX * 2] = "";
    /* a hash the file cannot have: seen only if the file was not read */
    struct pp_stage_opts o = {.operator_ = "tester", .id_base = BASE, .record = rec_cb,
                              .ctx = &x, .sha256 = other};
    struct pp_stage *g = stage_begin(&x.cfg, &x.f.t, NULL, &o, 0, err, sizeof err);
    assert_non_null(g);
    assert_string_equal(stage_sha(g), other);
    struct pp_stage_pool pp;
    stage_pool(g, &pp);
    assert_int_equal(pp.size, 1000);   /* from stat(), not from reading it */
    assert_int_equal(x.f.n, 0);
    stage_end(g);
    /* "" is "not given": the file is hashed */
    o.sha256 = "";
    g = stage_begin(&x.cfg, &x.f.t, NULL, &o, 0, err, sizeof err);
    assert_non_null(g);
    assert_string_equal(stage_sha(g), x.sha);
    stage_end(g);
    /* [update] sha256 names another file than the given hash: refused */
    snprintf(x.cfg.update.sha256, sizeof x.cfg.update.sha256, "%s", x.sha);
    o.sha256 = other;
    assert_null(stage_begin(&x.cfg, &x.f.t, NULL, &o, 0, err, sizeof err));
    assert_non_null(strstr(err, "not to [update] sha256"));
    config_free(&x.cfg);
    unlink(x.pkg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_and_admission),
        cmocka_unit_test(test_copy_progress_eta),
        cmocka_unit_test(test_lost_resumes_then_mismatch_fresh),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_given_sha_taken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
