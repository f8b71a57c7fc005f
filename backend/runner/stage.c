/* poolpilot --stage: the package to every server, verified on the server.
 *
 * Per server: hash what is there (a re-run finds staged servers at the
 * cost of one hash) -> copy (continuing a partial file) -> hash again.  A
 * lost connection continues the copy on a new one (SSD_TRIES copies in
 * all); a hash that differs after a continued copy gets one fresh copy
 * (the partial file was not ours).  The local file is hashed once, first,
 * and refused when [update] sha256 names another.
 *
 * Journal: a `stage` record without a result before the copy starts, and
 * one with the result (and the server's SHA-256 on success) at the end, each
 * fsync'ed before poolpilot acts on it, like every record. */
#include "backend/runner/stage.h"

#include <errno.h>
#include <poll.h>
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

enum ssd_state { SSD_WAIT, SSD_HASH_FIRST, SSD_COPY, SSD_HASH, SSD_DONE, SSD_FAILED };

struct ssd {
    const char *host;
    char path[PP_PATH_MAX];          /* as the shell sees it */
    char sftp[PP_PATH_MAX];          /* as SFTP sees it */
    enum ssd_state st;
    uint64_t id;
    int tries;
    bool resumed, fresh_done, journaled;
    uint64_t done, base;             /* bytes on the server; at this copy's start */
    int64_t t_copy;                  /* ms this copy started */
    uint64_t sent;                   /* bytes this run moved to this server */
    char out[SSD_OUT_MAX];
    size_t nout;
    char why[PP_REASON_MAX];
};

struct stage {
    const struct pp_config *cfg;
    struct pp_transport *t;
    struct pp_journal *j;
    const char *operator_;
    FILE *out;
    struct ssd *s;
    int n, active, finished;
    char sha[PP_SHA256_HEX + 1];
    uint64_t size;
    uint64_t next_id;
    int64_t t0, last_print;
    bool journal_failed;
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int journal(struct stage *g, struct ssd *s, const char *result, const char *detail,
                   const char *reason)
{
    if (!g->j)
        return 0;
    struct pp_jrec r;
    memset(&r, 0, sizeof r);
    snprintf(r.operator_, sizeof r.operator_, "%s", g->operator_ ? g->operator_ : "");
    snprintf(r.event, sizeof r.event, "%s", journal_event_name(PP_JEV_STAGE));
    snprintf(r.server, sizeof r.server, "%s", s->host);
    snprintf(r.result, sizeof r.result, "%s", result);
    snprintf(r.detail, sizeof r.detail, "%s", detail);
    snprintf(r.reason, sizeof r.reason, "%s", reason);
    char err[PP_REASON_MAX];
    if (journal_append(g->j, &r, err, sizeof err) < 0) {
        fprintf(g->out, "stage: the journal cannot be written: %s; stopping\n", err);
        g->journal_failed = true;
        return -1;
    }
    return 0;
}

static void finish(struct stage *g, struct ssd *s, bool ok, const char *why)
{
    s->st = ok ? SSD_DONE : SSD_FAILED;
    g->active--;
    g->finished++;
    char detail[PP_REASON_MAX];
    snprintf(detail, sizeof detail, "sha256 %s", g->sha);
    if (!ok)
        snprintf(s->why, sizeof s->why, "%s", why);
    if (!g->journal_failed)
        journal(g, s, ok ? "ok" : "failed", ok ? detail : "", ok ? "" : why);
    if (ok)
        fprintf(g->out, "stage %s: staged and verified (sha256 %s)\n", s->host, g->sha);
    else
        fprintf(g->out, "stage %s: FAILED: %s\n", s->host, why);
    fflush(g->out);
}

static void start_hash(struct stage *g, struct ssd *s, enum ssd_state st)
{
    char *script = stage_hash_script(g->cfg->update.hash_command, s->path, g->cfg->shell);
    char *cmd = script ? remote_wrap(script, g->cfg->shell) : NULL;
    free(script);
    s->st = st;
    s->nout = 0;
    s->id = ++g->next_id;
    struct pp_cmd c = {.id = s->id, .server = (int)(s - g->s), .host = s->host,
                       .kind = PP_CMD_PROBE, .command = cmd, .timeout = SSD_HASH_TIMEOUT,
                       .domain = ""};
    int rc = cmd ? transport_start(g->t, &c, 0) : -1;
    free(cmd);
    if (rc < 0)
        finish(g, s, false, "the transport refused the hash command");
}

static void start_copy(struct stage *g, struct ssd *s, bool fresh)
{
    int lanes = g->cfg->update.stage_parallel < g->n ? g->cfg->update.stage_parallel : g->n;
    s->st = SSD_COPY;
    s->id = ++g->next_id;
    s->tries++;
    s->t_copy = mono_ms();
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
    if (transport_copy(g->t, &c, 0) < 0)
        finish(g, s, false, "this transport cannot copy files (staging needs SSH)");
}

/* The next step of a server whose command or copy ended. */
static void on_end(struct stage *g, struct ssd *s, const struct pp_tev *ev)
{
    char detail[PP_REASON_MAX] = "", why[PP_REASON_MAX * 2];
    const char *data = ev->data && ev->data[0] ? ev->data : "";
    if (s->st == SSD_COPY) {
        if (ev->result == PP_RES_OK) {
            start_hash(g, s, SSD_HASH);
        } else if (ev->result == PP_RES_LOST && s->tries < SSD_TRIES) {
            fprintf(g->out, "stage %s: connection lost at %llu bytes; continuing on a new one\n",
                    s->host, (unsigned long long)s->done);
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
            fprintf(g->out, "stage %s: already staged at %s\n", s->host, s->path);
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
        if (!journal(g, s, "", s->path, "")) /* on disk before the copy starts */
            start_copy(g, s, false);
        else
            finish(g, s, false, "journal not writable");
        return;
    }
    if (same) {
        finish(g, s, true, "");
    } else if (have && s->resumed && !s->fresh_done) {
        fprintf(g->out, "stage %s: the continued copy hashes differently; copying it afresh\n",
                s->host);
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

static struct ssd *by_id(struct stage *g, uint64_t id)
{
    for (int i = 0; i < g->n; i++)
        if (g->s[i].id == id && (g->s[i].st == SSD_COPY || g->s[i].st == SSD_HASH ||
                                 g->s[i].st == SSD_HASH_FIRST))
            return &g->s[i];
    return NULL;
}

static void emit(void *ctx, const struct pp_tev *ev)
{
    struct stage *g = ctx;
    struct ssd *s = by_id(g, ev->id);
    switch (ev->type) {
    case PP_TEV_OUTPUT:
        if (s && !ev->is_stderr) {
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
    case PP_TEV_PROMPT:
        /* staging runs unattended: a question means the set-up is not done */
        fprintf(g->out, "stage: %s asks \"%s\": refused (run poolpilot once interactively to "
                        "accept host keys, or use key logons)\n",
                ev->server >= 0 && ev->server < g->n ? g->s[ev->server].host : "?",
                ev->data ? ev->data : "");
        transport_answer(g->t, ev->prompt_id, false, NULL, false);
        break;
    case PP_TEV_LOG:
    case PP_TEV_STATUS:
        if (ev->data && ev->data[0] && ev->type == PP_TEV_LOG)
            fprintf(g->out, "stage: %s\n", ev->data);
        break;
    }
}

static void print_progress(struct stage *g, int64_t now)
{
    char a[32], b[32], r[32], e[32];
    uint64_t moved = 0, left = 0;
    for (int i = 0; i < g->n; i++) {
        struct ssd *s = &g->s[i];
        moved += s->sent;
        if (s->st == SSD_WAIT || s->st == SSD_HASH_FIRST)
            left += g->size;
        else if (s->st == SSD_COPY)
            left += g->size - (s->done < g->size ? s->done : g->size);
        if (s->st != SSD_COPY)
            continue;
        double secs = (double)(now - s->t_copy) / 1000.0;
        uint64_t base = s->base == UINT64_MAX ? s->done : s->base;
        double rate = secs > 0 ? (double)(s->done - base) / secs : 0;
        stage_fmt_bytes(s->done, a, sizeof a);
        stage_fmt_bytes(g->size, b, sizeof b);
        stage_fmt_bytes((uint64_t)rate, r, sizeof r);
        stage_fmt_secs(rate > 0 ? (int64_t)((double)(g->size - s->done) / rate) : -1, e,
                       sizeof e);
        fprintf(g->out, "stage %s: %s / %s (%d%%), %s/s, ETA %s\n", s->host, a, b,
                g->size ? (int)(s->done * 100 / g->size) : 100, r, e);
    }
    double secs = (double)(now - g->t0) / 1000.0;
    double rate = secs > 0 ? (double)moved / secs : 0;
    int staged = 0;
    for (int i = 0; i < g->n; i++)
        staged += g->s[i].st == SSD_DONE;
    stage_fmt_bytes(moved, a, sizeof a);
    stage_fmt_bytes((uint64_t)rate, r, sizeof r);
    stage_fmt_bytes(left, b, sizeof b);
    stage_fmt_secs(rate > 0 ? (int64_t)((double)left / rate) : -1, e, sizeof e);
    fprintf(g->out, "stage pool: %d/%d staged, %s sent, %s to go, %s/s, ETA %s\n", staged, g->n,
            a, b, r, e);
    fflush(g->out);
}

static int prepare(struct stage *g, char *err, size_t errn)
{
    const struct pp_update_cfg *u = &g->cfg->update;
    if (!u->package[0]) {
        snprintf(err, errn, "%s: [update] package is not set: nothing to stage", g->cfg->path);
        return -1;
    }
    if (stage_sha256_file(u->package, g->sha, &g->size, err, errn) < 0)
        return -1;
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

int stage_run(const struct pp_config *cfg, struct pp_transport *t, struct pp_journal *j,
              const char *operator_, FILE *out, char *err, size_t errn)
{
    struct stage g = {.cfg = cfg, .t = t, .j = j, .operator_ = operator_, .out = out};
    if (prepare(&g, err, errn) < 0) {
        free(g.s);
        return 1;
    }
    char sz[32];
    stage_fmt_bytes(g.size, sz, sizeof sz);
    fprintf(out, "stage: %s (%s, sha256 %s) to %d server%s, %d at once%s\n", cfg->update.package,
            sz, g.sha, g.n, g.n == 1 ? "" : "s", cfg->update.stage_parallel,
            cfg->update.stage_rate > 0 ? ", rate capped" : "");
    g.t0 = g.last_print = mono_ms();
    struct pp_tsink sink = {.emit = emit, .ctx = &g};
    int next = 0;
    while (g.finished < g.n && !g.journal_failed) {
        while (g.active < cfg->update.stage_parallel && next < g.n) {
            g.active++;
            start_hash(&g, &g.s[next++], SSD_HASH_FIRST);
        }
        struct pollfd p = {.fd = transport_fd(t), .events = POLLIN};
        if (poll(&p, p.fd >= 0 ? 1 : 0, 200) < 0 && errno != EINTR)
            break;
        transport_poll(t, 0, &sink);
        int64_t now = mono_ms();
        if (now - g.last_print >= SSD_PRINT_MS && g.finished < g.n) {
            print_progress(&g, now);
            g.last_print = now;
        }
    }
    print_progress(&g, mono_ms());
    int staged = 0;
    for (int i = 0; i < g.n; i++)
        staged += g.s[i].st == SSD_DONE;
    fprintf(out, "stage: %d of %d server%s %s a verified copy%s\n", staged, g.n,
            g.n == 1 ? "" : "s", g.n == 1 ? "holds" : "hold",
            staged == g.n ? "" : " (see FAILED above)");
    free(g.s);
    return staged == g.n && !g.journal_failed ? 0 : 1;
}
