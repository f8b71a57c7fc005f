/* Replay: reading a journal back, finding the pool's topology for it, and
 * rebuilding the model at any record with a fresh engine's restore (see
 * replay.h).  The engine is never started, so it never emits a command;
 * there is no transport to send one to anyway. */
#include "backend/history/replay_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/journal/checklist.h"

static int add_rec(void *ctx, const struct pp_jrec *r)
{
    struct pp_replay *rp = ctx;
    if (rp->n == rp->cap) {
        int cap = rp->cap ? rp->cap * 2 : 256;
        struct pp_jrec *v = realloc(rp->recs, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        rp->recs = v;
        rp->cap = cap;
    }
    rp->recs[rp->n++] = *r;
    return 0;
}

/* ---- the topology ---- */

struct derived {
    char pool[PP_NAME_MAX], profile[16], mode[16], scenario[64];
    char backup[PP_NAME_MAX], failover_on[PP_NAME_MAX];
    char quorum[16];                     /* "" when the start record has none */
    long long busy_retry_s, settle_s;    /* -1 when the start record has none */
    int strikes;
};

static void parse_start(const struct pp_jrec *r, struct derived *d)
{
    char pool[PP_NAME_MAX] = "", prof[16] = "", mode[16] = "";
    if (sscanf(r->detail, "pool %253s profile %15s mode %15[a-z]", pool, prof, mode) == 3) {
        snprintf(d->pool, sizeof d->pool, "%s", pool);
        snprintf(d->profile, sizeof d->profile, "%s", prof);
        snprintf(d->mode, sizeof d->mode, "%s", mode);
    }
    const char *sc = strstr(r->detail, "training scenario ");
    if (sc)
        snprintf(d->scenario, sizeof d->scenario, "%s", sc + strlen("training scenario "));
    /* the rule and the timings in force: a custom pool's own choice */
    const char *q = strstr(r->detail, ", quorum ");
    char rule[16] = "";
    if (q && sscanf(q, ", quorum %15[a-z]", rule) == 1 &&
        (!strcmp(rule, "lync") || !strcmp(rule, "majority") || !strcmp(rule, "none")))
        snprintf(d->quorum, sizeof d->quorum, "%s", rule);
    const char *t = strstr(r->detail, ", Busy retry ");
    long long retry, settle;
    int strikes;
    if (t && sscanf(t, ", Busy retry %llds, %d strikes, settle %llds", &retry, &strikes,
                    &settle) == 3 && retry > 0 && retry <= 7 * 86400 && strikes >= 1 &&
        strikes <= 100 && settle >= 0 && settle <= 7 * 86400) {
        d->busy_retry_s = retry;
        d->strikes = strikes;
        d->settle_s = settle;
    }
}

static void parse_failover(const struct pp_jrec *r, struct derived *d)
{
    char a[PP_NAME_MAX], b[PP_NAME_MAX], c[PP_NAME_MAX];
    if (sscanf(r->detail, "failing %253s over to %253s (run on %253[^)])", a, b, c) == 3 ||
        sscanf(r->detail, "failing %253s back from %253s (run on %253[^)])", a, b, c) == 3) {
        snprintf(d->backup, sizeof d->backup, "%s", b);
        snprintf(d->failover_on, sizeof d->failover_on, "%s", c);
    }
}

static bool lync_profile(const char *p)
{
    return !strcmp(p, "lync2013") || !strcmp(p, "sfb2015") || !strcmp(p, "sfb2019");
}

/* A config built from what the records name, as INI text loaded the usual
 * way (so the model is made exactly as in a live run). */
static int derive_config(struct pp_replay *rp, char *err, size_t errn)
{
    struct derived d;
    memset(&d, 0, sizeof d);
    d.busy_retry_s = d.settle_s = -1;
    for (int i = 0; i < rp->n; i++) {
        if (journal_event_parse(rp->recs[i].event) == PP_JEV_START && !d.pool[0])
            parse_start(&rp->recs[i], &d);
        if (journal_event_parse(rp->recs[i].event) == PP_JEV_FAILOVER || journal_event_parse(rp->recs[i].event) == PP_JEV_FAILBACK)
            parse_failover(&rp->recs[i], &d);
    }
    if (!names_valid_host(d.pool))
        snprintf(d.pool, sizeof d.pool, "unknown-pool.invalid");
    static const char *const profiles[] = {"lync2013", "sfb2015", "sfb2019", "linux-systemd",
                                           "custom"};
    bool known = false;
    for (int i = 0; i < 5; i++)
        known |= !strcmp(d.profile, profiles[i]);
    if (!known)
        snprintf(d.profile, sizeof d.profile, "custom");
    char *ini = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&ini, &len);
    char **names = calloc((size_t)rp->n + 1, sizeof *names);
    if (!f || !names) {
        if (f)
            fclose(f);
        free(ini);
        free(names);
        snprintf(err, errn, "out of memory");
        return -1;
    }
    /* the servers first: how many decides the profile below */
    int nn = 0;
    for (int i = 0; i < rp->n; i++) {
        const struct pp_jrec *r = &rp->recs[i];
        bool seen = !r->server[0] || !strcmp(r->server, d.failover_on);
        for (int k = 0; k < nn && !seen; k++)
            seen = !strcmp(names[k], r->server);
        if (!seen)
            names[nn++] = (char *)r->server;
    }
    /* no Lync pool has more than 12 Front Ends, and a Lync profile cannot
     * choose another quorum rule: show such a journal as a custom pool
     * counting a majority */
    bool big = lync_profile(d.profile) && nn > 12;
    fprintf(f, "[pool]\nfqdn = %s\nprofile = %s\nmode = %s\n", d.pool,
            big ? "custom" : d.profile, !strcmp(d.mode, "downtime") ? "downtime" : "graceful");
    if (d.backup[0] && names_valid_host(d.backup) && names_valid_host(d.failover_on) &&
        strcmp(d.backup, d.pool))
        fprintf(f, "backup_pool = %s\nfailover_on = %s\n", d.backup, d.failover_on);
    if (big)
        fputs("quorum = majority\n", f);
    else if (!lync_profile(d.profile) && d.quorum[0])
        fprintf(f, "quorum = %s\n", d.quorum);   /* a custom pool's own rule */
    fputs("[servers]\n", f);
    for (int k = 0; k < nn; k++) {
        const char *dom = "";
        for (int i = 0; !dom[0] && i < rp->n; i++)
            if (!strcmp(rp->recs[i].server, names[k]) && rp->recs[i].domain[0])
                dom = rp->recs[i].domain;
        fprintf(f, "%s = %s\n", names[k], dom);
    }
    /* nothing runs in a replay: every command is a no-op placeholder */
    fputs("[commands]\nreadiness = :\ndrain = :\ndrain_now = :\nupgrade = :\nrestart = :\n"
          "verify = :\nfailover = :\nfailback = :\n", f);
    /* a Lync profile runs on Microsoft's timings (the defaults); a custom
     * pool on those its start record names */
    if ((big || !lync_profile(d.profile)) && d.busy_retry_s > 0)
        fprintf(f, "[timing]\nbusy_retry = %llds\nbusy_strikes = %d\nsettle = %llds\n",
                d.busy_retry_s, d.strikes, d.settle_s);
    free(names);
    int rc = fclose(f);
    struct pp_diag dg = {0};
    if (rc == 0)
        rc = config_load_string(&rp->own, "(replay: derived from the journal)", ini, &dg);
    if (rc < 0)
        snprintf(err, errn, "cannot derive the pool from the journal (%s); give its config "
                            "with -c", dg.n ? dg.msgs[0] : "out of memory");
    diag_free(&dg);
    free(ini);
    if (rc < 0)
        return -1;
    rp->own_cfg = true;
    rp->cfg = &rp->own;
    snprintf(rp->source, sizeof rp->source, "the journal");
    return 0;
}

/* Every record applies to the config's model (servers and domains known). */
static int check_topology(struct pp_replay *rp, const struct pp_config *cfg, char *err,
                          size_t errn)
{
    struct pp_model m;
    if (model_init(&m, cfg) < 0) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    struct pp_engine *e = engine_new(cfg, &m, "replay");
    int rc = e ? 0 : -1;
    if (e)
        engine_restore_lenient(e);   /* shown, not resumed: any topology */
    for (int i = 0; rc == 0 && i < rp->n; i++)
        rc = engine_restore(e, &rp->recs[i], err, errn);
    engine_free(e);
    model_free(&m);
    return rc;
}

static int scenario_config(struct pp_replay *rp)
{
    for (int i = 0; i < rp->n; i++) {
        if (journal_event_parse(rp->recs[i].event) != PP_JEV_START)
            continue;
        struct derived d;
        memset(&d, 0, sizeof d);
        parse_start(&rp->recs[i], &d);
        if (!d.scenario[0] || !scenario_find(d.scenario))
            return -1;
        struct pp_diag dg = {0};
        int rc = config_load_scenario(&rp->own, d.scenario, &dg);
        diag_free(&dg);
        char err[PP_REASON_MAX];
        if (rc == 0 && check_topology(rp, &rp->own, err, sizeof err) == 0) {
            rp->own_cfg = true;
            rp->cfg = &rp->own;
            snprintf(rp->source, sizeof rp->source, "scenario %s", d.scenario);
            return 0;
        }
        config_free(&rp->own);
        memset(&rp->own, 0, sizeof rp->own);
        return -1;
    }
    return -1;
}

struct pp_replay *replay_open(const char *path, const struct pp_config *cfg, char *warn,
                              size_t warnn, char *err, size_t errn)
{
    struct pp_replay *rp = calloc(1, sizeof *rp);
    if (!rp) {
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    if (warnn)
        warn[0] = 0;
    if (journal_read_file(path, add_rec, rp, warn, warnn, err, errn) < 0)
        goto fail;
    if (rp->n == 0) {
        snprintf(err, errn, "%s: the journal has no records", path);
        goto fail;
    }
    if (cfg) {
        char why[PP_REASON_MAX];
        if (check_topology(rp, cfg, why, sizeof why) < 0) {
            snprintf(err, errn, "%s does not fit %s: %s", path, cfg->path, why);
            goto fail;
        }
        rp->cfg = cfg;
        snprintf(rp->source, sizeof rp->source, "the config");
    } else if (scenario_config(rp) < 0 && derive_config(rp, err, errn) < 0) {
        goto fail;
    }
    rp->wall = calloc((size_t)rp->n, sizeof *rp->wall);
    if (!rp->wall) {
        snprintf(err, errn, "out of memory");
        goto fail;
    }
    rp->wall0 = -1;
    for (int i = 0; i < rp->n; i++) {
        rp->wall[i] = checklist_ts_ms(rp->recs[i].ts);
        if (rp->wall0 < 0 && rp->wall[i] >= 0)
            rp->wall0 = rp->wall[i];
    }
    if (rp->wall0 < 0)
        rp->wall0 = 0;
    replay_seek(rp, 1);
    return rp;
fail:
    replay_free(rp);
    return NULL;
}

static void free_output(struct pp_replay *rp)
{
    for (int i = 0; rp->out && i < rp->nout; i++)
        outbuf_free(&rp->out[i]);
    free(rp->out);
    rp->out = NULL;
    rp->nout = 0;
}

void replay_free(struct pp_replay *rp)
{
    if (!rp)
        return;
    free_output(rp);
    engine_free(rp->eng);
    if (rp->model_ok)
        model_free(&rp->m);
    if (rp->own_cfg)
        config_free(&rp->own);
    free(rp->recs);
    free(rp->wall);
    free(rp);
}

/* Applies records [rp->pos, pos) to the engine and the fold. */
static void apply_to(struct pp_replay *rp, int pos)
{
    char err[PP_REASON_MAX];
    for (int i = rp->pos; i < pos; i++) {
        const struct pp_jrec *r = &rp->recs[i];
        if (engine_restore(rp->eng, r, err, sizeof err) < 0)
            break;   /* checked at open: cannot happen with the same config */
        pp_ms t = rp->wall[i] >= 0 ? rp->wall[i] - rp->wall0 : rp->m.now;
        replay_fold_record(rp, &rp->fold, r, t);
        rp->pos = i + 1;
    }
}

int replay_seek(struct pp_replay *rp, int pos)
{
    if (pos < 0)
        pos = 0;
    if (pos > rp->n)
        pos = rp->n;
    int from = rp->pos;
    if (!rp->model_ok || !rp->eng || pos < rp->pos) {
        /* backwards (or the first time): a fresh model and engine */
        engine_free(rp->eng);
        rp->eng = NULL;
        if (rp->model_ok)
            model_free(&rp->m);
        rp->model_ok = model_init(&rp->m, rp->cfg) == 0;
        rp->pos = from = 0;
        memset(&rp->fold, 0, sizeof rp->fold);
        if (!rp->model_ok)
            return 0;
        rp->eng = engine_new(rp->cfg, &rp->m, "replay");
        if (rp->eng)
            engine_restore_lenient(rp->eng);
        if (!rp->eng)
            return 0;
    }
    apply_to(rp, pos);
    replay_fold_ask(rp);
    replay_fold_output(rp, from);
    return rp->pos;
}

bool replay_is_decision(const struct pp_jrec *r)
{
    enum pp_jev ev = journal_event_parse(r->event);
    return ev == PP_JEV_CONFIRM || ev == PP_JEV_DECLINE || ev == PP_JEV_OVERRIDE ||
           ev == PP_JEV_CHOOSE || ev == PP_JEV_POOL_PROBLEM;
}

int replay_find_decision(const struct pp_replay *rp, int dir)
{
    if (dir > 0) {
        for (int i = rp->pos; i < rp->n; i++)
            if (replay_is_decision(&rp->recs[i]))
                return i + 1;
    } else {
        for (int i = rp->pos - 2; i >= 0; i--)
            if (replay_is_decision(&rp->recs[i]))
                return i + 1;
    }
    return -1;
}

void replay_describe(const struct pp_jrec *r, char *buf, size_t n) { journal_describe(r, buf, n); }

int replay_count(const struct pp_replay *rp) { return rp->n; }
int replay_pos(const struct pp_replay *rp) { return rp->pos; }
const struct pp_jrec *replay_record(const struct pp_replay *rp, int i)
{
    return i >= 0 && i < rp->n ? &rp->recs[i] : NULL;
}
const struct pp_model *replay_model(const struct pp_replay *rp) { return &rp->m; }
const struct pp_config *replay_config(const struct pp_replay *rp) { return rp->cfg; }
const char *replay_source(const struct pp_replay *rp) { return rp->source; }
pp_ms replay_now(const struct pp_replay *rp) { return rp->m.now; }
int64_t replay_wall0(const struct pp_replay *rp) { return rp->wall0; }

const struct pp_outbuf *replay_output(const struct pp_replay *rp, int server)
{
    if (!rp->out)
        return NULL;
    if (server < 0 || server >= rp->nout - 1)
        return &rp->out[rp->nout - 1];
    return &rp->out[server];
}
