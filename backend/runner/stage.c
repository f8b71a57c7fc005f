/* poolpilot --stage: the package to every server, verified on the server.
 *
 * Per server: hash what is there (a re-run finds staged servers at the
 * cost of one hash) -> copy (continuing a partial file) -> hash again.  A
 * lost connection continues the copy on a new one (SSD_TRIES copies in
 * all); a hash that differs after a continued copy gets one fresh copy
 * (the partial file was not ours).  The local file is hashed once, first
 * (or its hash comes from the caller, who proved it is of this file), and
 * refused when [update] sha256 names another.
 *
 * Journal: a `stage` record without a result before the copy starts, and
 * one with the result (and the server's SHA-256 on success) at the end, each
 * fsync'ed before poolpilot acts on it, like every record.
 *
 * The staging is an object driven from outside (stage_event, stage_step):
 * --stage runs it in its own loop (stage_run), the dashboard inside the
 * runner's (runner_stage.c), next to the run's own commands. */
#include "backend/runner/stage.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/core/text.h"
#include "backend/journal/journal.h"
#include "backend/pool/remote.h"
#include "backend/runner/transport.h"

#define SSD_TRIES 3                 /* copies per server when connections drop */
#define SSD_OUT_MAX 8192            /* a hash command's output kept for parsing */
#define SSD_HASH_TIMEOUT (10 * 60 * 1000)
#define SSD_PRINT_MS 1000
#define SSD_CANCELLED_WHY "cancelled by the operator"

enum ssd_state { SSD_WAIT, SSD_HASH_FIRST, SSD_COPY, SSD_HASH, SSD_DONE, SSD_FAILED,
                 SSD_CANCELLED };

struct ssd {
    const char *host;
    char path[PP_PATH_MAX];          /* as the shell sees it */
    char sftp[PP_PATH_MAX];          /* as SFTP sees it */
    enum ssd_state st;
    uint64_t id;
    int tries;
    bool resumed, fresh_done;
    bool opened;                     /* its start record is written: a cut copy is journaled */
    uint64_t done, base;             /* bytes on the server; at this copy's start */
    int64_t t_copy;                  /* ms this copy started */
    uint64_t sent;                   /* bytes this run moved to this server */
    char out[SSD_OUT_MAX];
    size_t nout;
    char why[PP_REASON_MAX];
};

struct pp_stage {
    const struct pp_config *cfg;
    struct pp_transport *t;
    struct pp_journal *j;
    struct pp_stage_opts o;
    FILE *out;
    struct ssd *s;
    int n, active, finished, next;
    char sha[PP_SHA256_HEX + 1];
    uint64_t size;
    uint64_t seq;                    /* ids: o.id_base + 1 .. o.id_base + seq */
    int64_t now, t0, last_print;
    bool journal_failed, cancelling;
};

static void say(struct pp_stage *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct pp_stage *g, const char *fmt, ...)
{
    if (!g->out)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(g->out, fmt, ap);
    va_end(ap);
}

static bool running(const struct ssd *s)
{
    return s->st == SSD_HASH_FIRST || s->st == SSD_COPY || s->st == SSD_HASH;
}

static int journal(struct pp_stage *g, struct ssd *s, const char *result, const char *detail,
                   const char *reason)
{
    if (g->journal_failed)
        return -1;
    if (!g->j && !g->o.record)
        return 0;
    struct pp_jrec r;
    memset(&r, 0, sizeof r);
    snprintf(r.operator_, sizeof r.operator_, "%s", g->o.operator_ ? g->o.operator_ : "");
    snprintf(r.event, sizeof r.event, "%s", journal_event_name(PP_JEV_STAGE));
    snprintf(r.server, sizeof r.server, "%s", s->host);
    snprintf(r.result, sizeof r.result, "%s", result);
    snprintf(r.detail, sizeof r.detail, "%s", detail);
    snprintf(r.reason, sizeof r.reason, "%s", reason);
    char err[PP_REASON_MAX] = "";
    int rc = g->o.record ? g->o.record(g->o.ctx, &r, err, sizeof err)
                         : journal_append(g->j, &r, err, sizeof err);
    if (rc < 0) {
        say(g, "stage: the journal cannot be written: %s; stopping\n", err);
        g->journal_failed = true;
        /* nothing more is done that the journal could not record */
        stage_cancel(g);
        return -1;
    }
    return 0;
}

static void finish(struct pp_stage *g, struct ssd *s, bool ok, const char *why)
{
    s->st = ok ? SSD_DONE : SSD_FAILED;
    g->active--;
    g->finished++;
    char detail[PP_REASON_MAX];
    snprintf(detail, sizeof detail, "sha256 %s", g->sha);
    if (!ok)
        snprintf(s->why, sizeof s->why, "%s", why);
    journal(g, s, ok ? "ok" : "failed", ok ? detail : "", ok ? "" : why);
    if (ok)
        say(g, "stage %s: staged and verified (sha256 %s)\n", s->host, g->sha);
    else
        say(g, "stage %s: FAILED: %s\n", s->host, why);
    if (g->out)
        fflush(g->out);
}

/* The operator cancelled (or the journal failed): a copy cut after its
 * start record is journaled as failed, so no one takes the partial file for
 * the package; a server only being checked keeps what the journal says. */
static void cancelled(struct pp_stage *g, struct ssd *s)
{
    bool was_running = running(s);
    s->st = SSD_CANCELLED;
    snprintf(s->why, sizeof s->why, "%s", SSD_CANCELLED_WHY);
    g->active -= was_running;
    g->finished++;
    if (s->opened)
        journal(g, s, "failed", "", SSD_CANCELLED_WHY);
    say(g, "stage %s: cancelled\n", s->host);
}

static void start_hash(struct pp_stage *g, struct ssd *s, enum ssd_state st)
{
    if (g->cancelling) {
        cancelled(g, s);
        return;
    }
    char *script = stage_hash_script(g->cfg->update.hash_command, s->path, g->cfg->shell);
    char *cmd = script ? remote_wrap(script, g->cfg->shell) : NULL;
    free(script);
    s->st = st;
    s->nout = 0;
    s->id = g->o.id_base + ++g->seq;
    struct pp_cmd c = {.id = s->id, .server = (int)(s - g->s), .host = s->host,
                       .kind = PP_CMD_PROBE, .command = cmd, .timeout = SSD_HASH_TIMEOUT,
                       .domain = ""};
    int rc = cmd ? transport_start(g->t, &c, g->now) : -1;
    free(cmd);
    if (rc < 0)
        finish(g, s, false, "the transport refused the hash command");
}

static void start_copy(struct pp_stage *g, struct ssd *s, bool fresh)
{
    if (g->cancelling) {
        cancelled(g, s);
        return;
    }
    int lanes = g->cfg->update.stage_parallel < g->n ? g->cfg->update.stage_parallel : g->n;
    if (lanes < 1)
        lanes = 1;
    s->st = SSD_COPY;
    s->id = g->o.id_base + ++g->seq;
    s->tries++;
    s->t_copy = g->now;
    s->base = UINT64_MAX;   /* until the copy's first PROGRESS */
    s->done = 0;
    s->resumed = false;
    /* the pool's cap, shared evenly by the copies that run at once */
    struct pp_copy c = {.id = s->id, .server = (int)(s - g->s), .host = s->host,
                        .local = g->cfg->update.package, .remote = s->sftp,
                        .rate = g->cfg->update.stage_rate > 0
                                    ? (uint64_t)g->cfg->update.stage_rate / (uint64_t)lanes
                                    : 0,
                        .fresh = fresh};
    if (transport_copy(g->t, &c, g->now) < 0)
        finish(g, s, false, "this transport cannot copy files (staging needs SSH)");
}

/* The next step of a server whose command or copy ended. */
static void on_end(struct pp_stage *g, struct ssd *s, const struct pp_tev *ev)
{
    char detail[PP_REASON_MAX] = "", why[PP_REASON_MAX * 2];
    const char *data = ev->data && ev->data[0] ? ev->data : "";
    if (ev->result == PP_RES_CANCELLED && g->cancelling) {
        cancelled(g, s);
        return;
    }
    if (s->st == SSD_COPY) {
        if (ev->result == PP_RES_OK) {
            start_hash(g, s, SSD_HASH);
        } else if (ev->result == PP_RES_LOST && s->tries < SSD_TRIES && !g->cancelling) {
            say(g, "stage %s: connection lost at %llu bytes; continuing on a new one\n", s->host,
                (unsigned long long)s->done);
            start_copy(g, s, false);
        } else {
            text_clean(NULL, data, strlen(data), why, sizeof why);
            finish(g, s, false, why[0] ? why : pp_result_name(ev->result));
        }
        return;
    }
    char hex[PP_SHA256_HEX + 1] = "";
    enum pp_result mk = remote_marker(s->out, s->nout, detail, sizeof detail);
    bool have = ev->result == PP_RES_OK && mk == PP_RES_OK &&
                stage_parse_hash(s->out, s->nout, hex) == 0;
    bool same = have && !strcmp(hex, g->sha);
    if (s->st == SSD_HASH_FIRST) {
        if (same) {
            say(g, "stage %s: already staged at %s\n", s->host, s->path);
            finish(g, s, true, "");
            return;
        }
        if (ev->result == PP_RES_LOST || ev->result == PP_RES_TIMEOUT ||
            (ev->result == PP_RES_FAILED && ev->exit_status < 0 && data[0])) {
            /* the connection, not the file: nothing to copy over */
            text_clean(NULL, data, strlen(data), why, sizeof why);
            finish(g, s, false, why[0] ? why : pp_result_name(ev->result));
            return;
        }
        if (g->cancelling) {
            cancelled(g, s);
            return;
        }
        if (!journal(g, s, "", s->path, "")) { /* on disk before the copy starts */
            s->opened = true;
            start_copy(g, s, false);
        } else if (running(s)) {
            finish(g, s, false, "journal not writable");
        }
        return;
    }
    if (same) {
        finish(g, s, true, "");
    } else if (have && s->resumed && !s->fresh_done && !g->cancelling) {
        say(g, "stage %s: the continued copy hashes differently; copying it afresh\n", s->host);
        s->fresh_done = true;
        start_copy(g, s, true);
    } else if (have) {
        snprintf(why, sizeof why, "the server's copy hashes to %s, not %s", hex, g->sha);
        finish(g, s, false, why);
    } else {
        text_clean(NULL, detail[0] ? detail : data, strlen(detail[0] ? detail : data), why,
                   sizeof why);
        snprintf(detail, sizeof detail, "cannot hash %s on the server%s%s", s->path,
                 why[0] ? ": " : "", why);
        finish(g, s, false, detail);
    }
}

static struct ssd *by_id(struct pp_stage *g, uint64_t id)
{
    for (int i = 0; i < g->n; i++)
        if (g->s[i].id == id && running(&g->s[i]))
            return &g->s[i];
    return NULL;
}

bool stage_owns(const struct pp_stage *g, uint64_t id)
{
    return g && id > g->o.id_base && id <= g->o.id_base + g->seq;
}

void stage_event(struct pp_stage *g, const struct pp_tev *ev)
{
    struct ssd *s = by_id(g, ev->id);
    switch (ev->type) {
    case PP_TEV_OUTPUT:
        if (s && !ev->is_stderr && s->st != SSD_COPY) {
            size_t k = ev->len < SSD_OUT_MAX - s->nout ? ev->len : SSD_OUT_MAX - s->nout;
            memcpy(s->out + s->nout, ev->data, k);
            s->nout += k;
        }
        break;
    case PP_TEV_PROGRESS:
        if (s && s->st == SSD_COPY) {
            if (s->base == UINT64_MAX) {   /* the first report: what was already there */
                s->base = s->done = ev->done;
                s->resumed = ev->done > 0;
            }
            if (ev->done > s->done)
                s->sent += ev->done - s->done;
            s->done = ev->done;
        }
        break;
    case PP_TEV_END:
        if (s)
            on_end(g, s, ev);
        break;
    case PP_TEV_LOG:
        if (ev->data && ev->data[0])
            say(g, "stage: %s\n", ev->data);
        break;
    case PP_TEV_PROMPT:   /* the owner answers questions (stage_run: refuses) */
    case PP_TEV_STATUS:
        break;
    }
}

static enum pp_stage_state state_of(enum ssd_state st)
{
    switch (st) {
    case SSD_WAIT: return PP_STG_WAITING;
    case SSD_HASH_FIRST: return PP_STG_CHECKING;
    case SSD_COPY: return PP_STG_COPYING;
    case SSD_HASH: return PP_STG_VERIFYING;
    case SSD_DONE: return PP_STG_STAGED;
    case SSD_FAILED: return PP_STG_FAILED;
    case SSD_CANCELLED: return PP_STG_CANCELLED;
    }
    return PP_STG_WAITING;
}

void stage_progress(const struct pp_stage *g, int i, struct pp_stage_progress *p)
{
    memset(p, 0, sizeof *p);
    p->eta = -1;
    p->why = "";
    if (!g || i < 0 || i >= g->n)
        return;
    const struct ssd *s = &g->s[i];
    p->state = state_of(s->st);
    p->total = g->size;
    p->why = s->st == SSD_FAILED || s->st == SSD_CANCELLED ? s->why : "";
    if (s->st == SSD_DONE || s->st == SSD_HASH)
        p->done = g->size;
    if (s->st != SSD_COPY)
        return;
    p->done = s->done < g->size ? s->done : g->size;
    /* this copy's rate: what a continued copy found already there is not speed */
    double secs = (double)(g->now - s->t_copy) / 1000.0;
    uint64_t base = s->base == UINT64_MAX ? s->done : s->base;
    double rate = secs > 0 ? (double)(s->done - base) / secs : 0;
    p->rate = (uint64_t)rate;
    p->eta = rate > 0 ? (int64_t)((double)(g->size - p->done) / rate) : -1;
}

void stage_pool(const struct pp_stage *g, struct pp_stage_pool *p)
{
    memset(p, 0, sizeof *p);
    p->eta = -1;
    if (!g)
        return;
    p->n = g->n;
    p->size = g->size;
    p->active = g->active;
    p->cancelling = g->cancelling;
    for (int i = 0; i < g->n; i++) {
        const struct ssd *s = &g->s[i];
        p->sent += s->sent;
        if (s->st == SSD_WAIT || s->st == SSD_HASH_FIRST)
            p->left += g->size;
        else if (s->st == SSD_COPY)
            p->left += g->size - (s->done < g->size ? s->done : g->size);
        p->staged += s->st == SSD_DONE;
        p->failed += s->st == SSD_FAILED;
        p->cancelled += s->st == SSD_CANCELLED;
    }
    double secs = (double)(g->now - g->t0) / 1000.0;
    double rate = secs > 0 ? (double)p->sent / secs : 0;
    p->rate = (uint64_t)rate;
    p->eta = rate > 0 ? (int64_t)((double)p->left / rate) : -1;
}

static void print_progress(struct pp_stage *g)
{
    if (!g->out)
        return;
    char a[32], b[32], r[32], e[32];
    struct pp_stage_progress sp;
    for (int i = 0; i < g->n; i++) {
        if (g->s[i].st != SSD_COPY)
            continue;
        stage_progress(g, i, &sp);
        stage_fmt_bytes(sp.done, a, sizeof a);
        stage_fmt_bytes(g->size, b, sizeof b);
        stage_fmt_bytes(sp.rate, r, sizeof r);
        stage_fmt_secs(sp.eta, e, sizeof e);
        fprintf(g->out, "stage %s: %s / %s (%d%%), %s/s, ETA %s\n", g->s[i].host, a, b,
                g->size ? (int)(sp.done * 100 / g->size) : 100, r, e);
    }
    struct pp_stage_pool pp;
    stage_pool(g, &pp);
    stage_fmt_bytes(pp.sent, a, sizeof a);
    stage_fmt_bytes(pp.rate, r, sizeof r);
    stage_fmt_bytes(pp.left, b, sizeof b);
    stage_fmt_secs(pp.eta, e, sizeof e);
    fprintf(g->out, "stage pool: %d/%d staged, %s sent, %s to go, %s/s, ETA %s\n", pp.staged,
            g->n, a, b, r, e);
    fflush(g->out);
}

static int prepare(struct pp_stage *g, char *err, size_t errn)
{
    const struct pp_update_cfg *u = &g->cfg->update;
    if (!u->package[0]) {
        snprintf(err, errn, "%s: [update] package is not set: nothing to stage", g->cfg->path);
        return -1;
    }
    if (g->o.sha256 && g->o.sha256[0]) {
        struct pp_file_id id;   /* the size alone: the file is not read again */
        if (stage_file_id(u->package, &id) < 0) {
            snprintf(err, errn, "%s: %s", u->package, strerror(errno));
            return -1;
        }
        snprintf(g->sha, sizeof g->sha, "%s", g->o.sha256);
        g->size = id.size;
    } else if (stage_sha256_file(u->package, g->sha, &g->size, err, errn) < 0) {
        return -1;
    }
    if (u->sha256[0] && strcmp(u->sha256, g->sha) != 0) {
        snprintf(err, errn, "%s:%d: package %s hashes to %s, not to [update] sha256 %s: refusing "
                            "to stage it",
                 g->cfg->path, u->package_line, u->package, g->sha, u->sha256);
        return -1;
    }
    g->n = g->cfg->nservers;
    g->s = calloc((size_t)(g->n ? g->n : 1), sizeof *g->s);
    if (!g->s) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    for (int i = 0; i < g->n; i++) {
        struct ssd *s = &g->s[i];
        s->host = g->cfg->servers[i].name;
        if (stage_remote_path(u->remote_path, s->host, u->package, s->path, sizeof s->path, err,
                              errn) < 0)
            return -1;
        stage_sftp_path(s->path, s->sftp, sizeof s->sftp);
    }
    return 0;
}

struct pp_stage *stage_begin(const struct pp_config *cfg, struct pp_transport *t,
                             struct pp_journal *j, const struct pp_stage_opts *o, int64_t now,
                             char *err, size_t errn)
{
    struct pp_stage *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    *g = (struct pp_stage){.cfg = cfg, .t = t, .j = j, .o = *o, .out = o->out, .now = now,
                           .t0 = now, .last_print = now};
    if (prepare(g, err, errn) < 0) {
        free(g->s);
        free(g);
        return NULL;
    }
    char sz[32];
    stage_fmt_bytes(g->size, sz, sizeof sz);
    say(g, "stage: %s (%s, sha256 %s) to %d server%s, %d at once%s\n", cfg->update.package, sz,
        g->sha, g->n, g->n == 1 ? "" : "s", cfg->update.stage_parallel,
        cfg->update.stage_rate > 0 ? ", rate capped" : "");
    return g;
}

void stage_step(struct pp_stage *g, int64_t now)
{
    if (now > g->now)
        g->now = now;
    while (!g->cancelling && g->active < g->cfg->update.stage_parallel && g->next < g->n) {
        g->active++;
        start_hash(g, &g->s[g->next++], SSD_HASH_FIRST);
    }
    if (g->now - g->last_print >= SSD_PRINT_MS && !stage_finished(g)) {
        print_progress(g);
        g->last_print = g->now;
    }
}

void stage_cancel(struct pp_stage *g)
{
    if (!g || g->cancelling)
        return;
    g->cancelling = true;
    for (int i = 0; i < g->n; i++) {
        struct ssd *s = &g->s[i];
        if (s->st == SSD_WAIT) {
            s->st = SSD_CANCELLED;
            snprintf(s->why, sizeof s->why, "%s", SSD_CANCELLED_WHY);
            g->finished++;
        } else if (running(s)) {
            transport_cancel(g->t, s->id, g->now);   /* its END comes back CANCELLED */
        }
    }
    g->next = g->n;
}

bool stage_finished(const struct pp_stage *g)
{
    return !g || g->finished >= g->n || (g->journal_failed && g->active == 0);
}

int stage_count(const struct pp_stage *g) { return g ? g->n : 0; }
const char *stage_server(const struct pp_stage *g, int i)
{
    return g && i >= 0 && i < g->n ? g->s[i].host : "";
}
const char *stage_sha(const struct pp_stage *g) { return g ? g->sha : ""; }

void stage_abandon(struct pp_stage *g, const char *why)
{
    if (!g)
        return;
    for (int i = 0; i < g->n; i++) {
        struct ssd *s = &g->s[i];
        if (!running(s))
            continue;
        s->st = SSD_CANCELLED;
        snprintf(s->why, sizeof s->why, "%s", why);
        g->active--;
        g->finished++;
        if (s->opened)   /* its start record gets its end, as a cancel would */
            journal(g, s, "failed", "", why);
    }
}

int stage_end(struct pp_stage *g)
{
    if (!g)
        return 1;
    print_progress(g);
    int staged = 0;
    for (int i = 0; i < g->n; i++)
        staged += g->s[i].st == SSD_DONE;
    say(g, "stage: %d of %d server%s %s a verified copy%s\n", staged, g->n, g->n == 1 ? "" : "s",
        g->n == 1 ? "holds" : "hold", staged == g->n ? "" : " (see FAILED above)");
    int rc = staged == g->n && !g->journal_failed ? 0 : 1;
    free(g->s);
    free(g);
    return rc;
}

/* --stage: the object in a loop of its own; a question (host key,
 * password) is refused, as nobody is there to answer it. */
struct run_ctx {
    struct pp_stage *g;
    FILE *out;
};

static void run_emit(void *ctx, const struct pp_tev *ev)
{
    struct run_ctx *c = ctx;
    if (ev->type == PP_TEV_PROMPT) {
        const char *host = ev->server >= 0 && ev->server < c->g->n ? c->g->s[ev->server].host
                                                                    : "?";
        fprintf(c->out, "stage: %s asks \"%s\": refused (run poolpilot once interactively to "
                        "accept host keys, or use key logons)\n",
                host, ev->data ? ev->data : "");
        transport_answer(c->g->t, ev->prompt_id, false, NULL, false);
        return;
    }
    stage_event(c->g, ev);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int stage_run(const struct pp_config *cfg, struct pp_transport *t, struct pp_journal *j,
              const char *operator_, FILE *out, char *err, size_t errn)
{
    struct pp_stage_opts o = {.operator_ = operator_, .out = out};
    struct pp_stage *g = stage_begin(cfg, t, j, &o, mono_ms(), err, errn);
    if (!g)
        return 1;
    struct run_ctx rc = {.g = g, .out = out};
    struct pp_tsink sink = {.emit = run_emit, .ctx = &rc};
    for (;;) {
        stage_step(g, mono_ms());
        if (stage_finished(g) || g->journal_failed)
            break;
        struct pollfd p = {.fd = transport_fd(t), .events = POLLIN};
        if (poll(&p, p.fd >= 0 ? 1 : 0, 200) < 0 && errno != EINTR)
            break;
        transport_poll(t, 0, &sink);
    }
    g->now = mono_ms();
    return stage_end(g);
}
