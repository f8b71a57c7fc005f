/* The window's end, estimated from journal records (journal_eta.h).
 *
 * Durations are measured between records' timestamps, so a step that ran
 * while the console was down (a crash, a resume) is not paired: a "start"
 * record forgets open steps and the last domain-done.  Only steps that
 * ended ok are samples: a failure's duration says how long until it failed,
 * not how long the step takes. */
#include "backend/journal/journal_eta.h"

#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/journal/journal.h"

#define PP_PATH_MAX_ETA 1024   /* config.h's PP_PATH_MAX; the journal layer does not see config */

struct samples {
    int64_t *v;
    int n, cap;
};

struct slot {
    char *name;                       /* NULL = empty */
    struct samples step[PP_STEP_COUNT];
    int64_t open[PP_STEP_COUNT];      /* step-start ts in this journal, -1 = none */
};

struct pp_eta {
    struct slot *slots;
    size_t nslots, cap;               /* open addressing, cap a power of two */
    struct samples all[PP_STEP_COUNT][2];   /* [step][0 = this run, 1 = history] */
    struct samples gaps;
    int64_t last_done;
};

static void add_sample(struct samples *s, int64_t v)
{
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        int64_t *nv = realloc(s->v, (size_t)cap * sizeof *nv);
        if (!nv)
            return;   /* an estimate with one sample fewer */
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = v;
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static struct slot *find(const struct pp_eta *e, const char *name)
{
    if (!e->cap)
        return NULL;
    for (size_t i = hash(name) & (e->cap - 1);; i = (i + 1) & (e->cap - 1)) {
        if (!e->slots[i].name)
            return NULL;
        if (!strcmp(e->slots[i].name, name))
            return &e->slots[i];
    }
}

static void init_slot(struct slot *s, char *name)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    for (int k = 0; k < PP_STEP_COUNT; k++)
        s->open[k] = -1;
}

static struct slot *get(struct pp_eta *e, const char *name)
{
    struct slot *s = find(e, name);
    if (s)
        return s;
    if (2 * (e->nslots + 1) > e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        struct slot *ns = calloc(cap, sizeof *ns);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < e->cap; i++) {
            if (!e->slots[i].name)
                continue;
            size_t j = hash(e->slots[i].name) & (cap - 1);
            while (ns[j].name)
                j = (j + 1) & (cap - 1);
            ns[j] = e->slots[i];
        }
        free(e->slots);
        e->slots = ns;
        e->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return NULL;
    size_t i = hash(name) & (e->cap - 1);
    while (e->slots[i].name)
        i = (i + 1) & (e->cap - 1);
    init_slot(&e->slots[i], copy);
    e->nslots++;
    return &e->slots[i];
}

struct pp_eta *eta_new(void)
{
    struct pp_eta *e = calloc(1, sizeof *e);
    if (e)
        e->last_done = -1;
    return e;
}

void eta_free(struct pp_eta *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->cap; i++) {
        free(e->slots[i].name);
        for (int k = 0; k < PP_STEP_COUNT; k++)
            free(e->slots[i].step[k].v);
    }
    free(e->slots);
    for (int k = 0; k < PP_STEP_COUNT; k++)
        for (int h = 0; h < 2; h++)
            free(e->all[k][h].v);
    free(e->gaps.v);
    free(e);
}

int64_t eta_parse_ts(const char *ts)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int ms = 0;
    char *end = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end)
        return -1;
    if (*end == '.') {
        int digits = 0;
        for (end++; *end >= '0' && *end <= '9'; end++)
            if (digits++ < 3)
                ms = ms * 10 + (*end - '0');
        for (; digits < 3 && digits > 0; digits++)
            ms *= 10;
    }
    if (*end != 'Z')
        return -1;
    time_t t = timegm(&tm);
    return t == (time_t)-1 ? -1 : (int64_t)t * 1000 + ms;
}

static void forget_open(struct pp_eta *e)
{
    e->last_done = -1;
    for (size_t i = 0; i < e->cap; i++)
        if (e->slots[i].name)
            for (int k = 0; k < PP_STEP_COUNT; k++)
                e->slots[i].open[k] = -1;
}

void eta_add(struct pp_eta *e, const struct pp_jrec *r, bool history)
{
    const char *ev = r->event;
    if (strcmp(ev, "step-start") && strcmp(ev, "step-end") && strcmp(ev, "domain-done") &&
        strcmp(ev, "domain-start") && strcmp(ev, "start"))
        return;   /* most records: one compare per name, no timestamp parsed */
    if (!strcmp(ev, "start")) {
        forget_open(e);
        return;
    }
    int64_t ts = eta_parse_ts(r->ts);
    if (ts < 0)
        return;
    if (!strcmp(ev, "domain-done")) {
        e->last_done = ts;
    } else if (!strcmp(ev, "domain-start")) {
        if (e->last_done >= 0 && ts >= e->last_done)
            add_sample(&e->gaps, ts - e->last_done);
        e->last_done = -1;
    } else {
        int step = pp_step_parse(r->step);
        struct slot *s = step >= 0 && r->server[0] ? get(e, r->server) : NULL;
        if (!s)
            return;
        if (!strcmp(ev, "step-start")) {
            s->open[step] = ts;
        } else {
            if (s->open[step] >= 0 && !strcmp(r->result, "ok") && ts >= s->open[step]) {
                add_sample(&s->step[step], ts - s->open[step]);
                add_sample(&e->all[step][history ? 1 : 0], ts - s->open[step]);
            }
            s->open[step] = -1;
        }
    }
}

void eta_end_journal(struct pp_eta *e) { forget_open(e); }

static int add_cb(void *ctx, const struct pp_jrec *r)
{
    eta_add(ctx, r, true);
    return 0;
}

int eta_add_file(struct pp_eta *e, const char *path)
{
    char warn[PP_REASON_MAX], err[PP_REASON_MAX];
    int rc = journal_read_file(path, add_cb, e, warn, sizeof warn, err, sizeof err);
    eta_end_journal(e);
    return rc;
}

int eta_add_history(struct pp_eta *e, const char *path)
{
    char dirbuf[PP_PATH_MAX_ETA], basebuf[PP_PATH_MAX_ETA];
    snprintf(dirbuf, sizeof dirbuf, "%s", path);
    snprintf(basebuf, sizeof basebuf, "%s", path);
    const char *dir = dirname(dirbuf), *base = basename(basebuf);
    size_t bl = strlen(base);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        if (strncmp(name, base, bl) != 0 || name[bl] != '.' || !strcmp(name + bl, ".lock") ||
            !strncmp(name + bl, ".torn-", 6))
            continue;
        char full[2 * PP_PATH_MAX_ETA + 2];
        snprintf(full, sizeof full, "%s/%s", dir, name);
        if (eta_add_file(e, full) == 0)
            n++;
    }
    closedir(d);
    return n;
}

void eta_counts(const struct pp_eta *e, int *run_steps, int *hist_steps, int *gaps)
{
    *run_steps = *hist_steps = 0;
    for (int k = 0; k < PP_STEP_COUNT; k++) {
        *run_steps += e->all[k][0].n;
        *hist_steps += e->all[k][1].n;
    }
    *gaps = e->gaps.n;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (nearest rank) of one or two sample sets; -1 if empty. */
static int64_t quantile(const struct samples *a, const struct samples *b, double q)
{
    int n = a->n + (b ? b->n : 0);
    if (n == 0)
        return -1;
    int64_t small[64], *v = n <= 64 ? small : malloc((size_t)n * sizeof *v);
    if (!v)
        return -1;
    memcpy(v, a->v, (size_t)a->n * sizeof *v);
    if (b && b->n)
        memcpy(v + a->n, b->v, (size_t)b->n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp64);
    int i = (int)(q * (n - 1) + 0.5);
    int64_t r = v[i];
    if (v != small)
        free(v);
    return r;
}

/* One step of one server: its own samples (this run and history) when it
 * has some and history exists, else every server's (computed once per
 * estimate: `pooled`, -2 = not yet). */
static int64_t step_est(const struct pp_eta *e, const char *server, int step, bool hist, double q,
                        int64_t pooled[PP_STEP_COUNT])
{
    if (hist) {
        const struct slot *s = find(e, server);
        if (s && s->step[step].n)
            return quantile(&s->step[step], NULL, q);
    }
    if (pooled[step] == -2)
        pooled[step] = hist ? quantile(&e->all[step][1], &e->all[step][0], q)
                            : quantile(&e->all[step][0], NULL, q);
    return pooled[step];
}

/* Longest lane when n jobs go to at most p lanes, longest first. */
static pp_ms makespan(pp_ms *job, int n, int p)
{
    if (n == 0)
        return 0;
    qsort(job, (size_t)n, sizeof *job, cmp64);
    if (p <= 0 || p >= n)
        return job[n - 1];
    pp_ms lanes[256] = {0};
    if (p > 256)
        p = 256;
    for (int i = n - 1; i >= 0; i--) {
        int best = 0;
        for (int l = 1; l < p; l++)
            if (lanes[l] < lanes[best])
                best = l;
        lanes[best] += job[i];
    }
    pp_ms m = 0;
    for (int l = 0; l < p; l++)
        m = lanes[l] > m ? lanes[l] : m;
    return m;
}

/* Time left with quantile q; -1 and *missing when a needed step has no sample. */
static pp_ms left(const struct pp_eta *e, const struct pp_eta_in *in, bool hist, double q,
                  const char **missing)
{
    pp_ms total = 0;
    int remaining = 0;
    int64_t pooled[PP_STEP_COUNT] = {-2, -2, -2, -2};
    pp_ms *job = malloc((size_t)(in->nservers ? in->nservers : 1) * sizeof *job);
    if (!job)
        return -1;
    for (int d = 0; d < in->ndomains; d++) {
        if (in->domain_done[d])
            continue;
        remaining++;
        int n = 0;
        for (int i = 0; i < in->nservers; i++) {
            const struct pp_eta_server *s = &in->servers[i];
            if (s->domain != d || s->next_step >= PP_STEP_COUNT)
                continue;
            pp_ms t = 0;
            for (int k = s->next_step; k < PP_STEP_COUNT; k++) {
                int64_t v = step_est(e, s->name, k, hist, q, pooled);
                if (v < 0) {
                    *missing = pp_step_name((enum pp_step)k);
                    free(job);
                    return -1;
                }
                if (k == s->next_step && s->running > 0)
                    v = v > s->running ? v - s->running : 0;
                t += v;
            }
            job[n++] = t;
        }
        total += makespan(job, n, in->parallel);
    }
    free(job);
    /* the gaps: one before every domain still to start */
    int gaps = remaining - (in->active_domain >= 0 ? 1 : 0);
    if (gaps > 0) {
        int64_t g = quantile(&e->gaps, NULL, q);
        if (g < 0)
            g = in->settle;   /* nothing measured yet: at least the settle wait */
        total += g * gaps;
        /* between domains now: part of the first gap is behind us; before
         * the first domain (in_gap < 0) there is no settle wait at all */
        if (in->active_domain < 0)
            total -= in->in_gap < 0 ? g : in->in_gap < g ? in->in_gap : g;
    }
    /* a Busy back-off before the first domain is no measured gap: its
     * countdown is known */
    if (in->active_domain < 0 && in->in_gap < 0)
        total += in->waiting;
    return total;
}

void eta_estimate(const struct pp_eta *e, const struct pp_eta_in *in, struct pp_eta_out *out)
{
    memset(out, 0, sizeof *out);
    bool hist = false;
    for (int k = 0; k < PP_STEP_COUNT; k++)
        hist |= e->all[k][1].n > 0;
    const char *missing = NULL;
    pp_ms lo = left(e, in, hist, hist ? 0.25 : 0.5, &missing);
    pp_ms hi = hist ? left(e, in, hist, 0.75, &missing) : lo;
    if (lo < 0 || hi < 0) {
        snprintf(out->missing, sizeof out->missing, "%s", missing ? missing : "?");
        return;
    }
    out->known = true;
    out->range = hist;
    out->lo = lo < hi ? lo : hi;
    out->hi = lo < hi ? hi : lo;
}

pp_ms eta_plan_domain(const struct pp_eta *e, const char *const *servers, int n, int parallel)
{
    pp_ms *job = malloc((size_t)(n ? n : 1) * sizeof *job);
    if (!job)
        return -1;
    for (int i = 0; i < n; i++) {
        job[i] = 0;
        for (int k = 0; k < PP_STEP_COUNT; k++) {
            const struct slot *s = find(e, servers[i]);
            int64_t v = s && s->step[k].n ? quantile(&s->step[k], NULL, 0.5)
                                          : quantile(&e->all[k][1], NULL, 0.5);
            if (v < 0) {
                free(job);
                return -1;
            }
            job[i] += v;
        }
    }
    pp_ms m = makespan(job, n, parallel);
    free(job);
    return m;
}
