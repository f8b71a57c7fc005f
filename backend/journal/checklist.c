/* Folding journal records into the checklist (see checklist.h). */
#include "backend/journal/checklist.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

/* What makes folding a very long journal linear: hash tables for the
 * server and domain names (a journal of a 1000-server pool names a server
 * in most records), capacities so the arrays grow geometrically, and per
 * server and step the chain of its runs (so a step-end finds its start
 * without walking back over every run). */
struct pp_cl_index {
    int *srv_tab, *dom_tab;     /* open addressing: index + 1, 0 = empty */
    int srv_mask, dom_mask;     /* table size - 1 (a power of two) */
    int cap_domains, cap_servers, cap_runs, cap_overrides, cap_timeline;
    int *last_run;              /* [server * PP_STEP_COUNT + step]: newest run, -1 */
    int cap_last;               /* servers last_run has room for */
    int *run_prev;              /* [run]: the previous run of its server and step, -1 */
};

struct pp_checklist *checklist_new(void)
{
    struct pp_checklist *c = calloc(1, sizeof(struct pp_checklist));
    if (c && !(c->idx = calloc(1, sizeof *c->idx))) {
        free(c);
        return NULL;
    }
    return c;
}

void checklist_free(struct pp_checklist *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->noperators; i++)
        free(c->operators[i]);
    free(c->operators);
    free(c->domains);
    free(c->servers);
    free(c->runs);
    free(c->overrides);
    free(c->timeline);
    if (c->idx) {
        free(c->idx->srv_tab);
        free(c->idx->dom_tab);
        free(c->idx->last_run);
        free(c->idx->run_prev);
        free(c->idx);
    }
    free(c);
}

void checklist_set_pool(struct pp_checklist *c, const char *pool)
{
    COPY(c->pool, pool ? pool : "");
}

/* Makes room for at least need elements of size sz in *pv (capacity *cap):
 * doubles, so n appends cost O(n) copies.  0, or -1 on OOM. */
static int reserve(void *pv, int *cap, int need, size_t sz)
{
    void **v = pv;
    if (need <= *cap)
        return 0;
    if (need > INT_MAX / 2)
        return -1;
    int nc = *cap ? *cap : 8;
    while (nc < need)
        nc *= 2;
    void *nv = realloc(*v, (size_t)nc * sz);
    if (!nv)
        return -1;
    *v = nv;
    *cap = nc;
    return 0;
}

/* Appends one zeroed element to *v (of *n elements of size sz, capacity
 * *cap); NULL on OOM. */
static void *grow(void *pv, int *n, int *cap, size_t sz)
{
    void **v = pv;
    if (reserve(pv, cap, *n + 1, sz) < 0)
        return NULL;
    char *e = (char *)*v + (size_t)*n * sz;
    memset(e, 0, sz);
    (*n)++;
    return e;
}

/* FNV-1a over the name; case folded for servers with the same tolower()
 * strcasecmp uses, so names equal to strcasecmp always hash alike. */
static unsigned name_hash(const char *s, bool fold)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)(fold ? tolower((unsigned char)*s) : *s)) * 16777619u;
    return h;
}

/* Puts index i (whose name hashes to h) in a table; grows it (rehashing
 * with name_of) past half full.  0, or -1 on OOM. */
static int tab_insert(int **tab, int *mask, int count, int i, unsigned h,
                      const char *(*name_of)(const struct pp_checklist *, int),
                      const struct pp_checklist *c, bool fold)
{
    if (!*tab || (count + 1) * 2 > *mask + 1) {
        int size = *tab ? (*mask + 1) * 2 : 64;
        int *nt = calloc((size_t)size, sizeof *nt);
        if (!nt)
            return -1;
        for (int k = 0; k < count; k++) {
            unsigned p = name_hash(name_of(c, k), fold) & (unsigned)(size - 1);
            while (nt[p])
                p = (p + 1) & (unsigned)(size - 1);
            nt[p] = k + 1;
        }
        free(*tab);
        *tab = nt;
        *mask = size - 1;
    }
    unsigned p = h & (unsigned)*mask;
    while ((*tab)[p])
        p = (p + 1) & (unsigned)*mask;
    (*tab)[p] = i + 1;
    return 0;
}

static const char *srv_name_of(const struct pp_checklist *c, int i) { return c->servers[i].name; }
static const char *dom_name_of(const struct pp_checklist *c, int i) { return c->domains[i].name; }

static int domain_index(struct pp_checklist *c, const char *name)
{
    struct pp_cl_index *x = c->idx;
    if (!name[0])
        return -1;
    unsigned h = name_hash(name, false);
    if (x->dom_tab)
        for (unsigned p = h & (unsigned)x->dom_mask; x->dom_tab[p];
             p = (p + 1) & (unsigned)x->dom_mask)
            if (strcmp(c->domains[x->dom_tab[p] - 1].name, name) == 0)
                return x->dom_tab[p] - 1;
    int n = c->ndomains;
    struct pp_cl_domain *d = grow(&c->domains, &c->ndomains, &x->cap_domains, sizeof *d);
    if (!d)
        return -2;
    COPY(d->name, name);
    if (tab_insert(&x->dom_tab, &x->dom_mask, n, n, h, dom_name_of, c, false) < 0) {
        c->ndomains--;
        return -2;
    }
    return n;
}

/* Server names are DNS names: compared without regard to case. */
static int server_index(struct pp_checklist *c, const char *name, int domain)
{
    struct pp_cl_index *x = c->idx;
    if (!name[0])
        return -1;
    unsigned h = name_hash(name, true);
    if (x->srv_tab)
        for (unsigned p = h & (unsigned)x->srv_mask; x->srv_tab[p];
             p = (p + 1) & (unsigned)x->srv_mask) {
            int i = x->srv_tab[p] - 1;
            if (strcasecmp(c->servers[i].name, name) == 0) {
                if (c->servers[i].domain < 0)
                    c->servers[i].domain = domain;
                return i;
            }
        }
    int n = c->nservers;
    if (reserve(&x->last_run, &x->cap_last, (n + 1) * PP_STEP_COUNT, sizeof *x->last_run) < 0)
        return -2;
    struct pp_cl_server *s = grow(&c->servers, &c->nservers, &x->cap_servers, sizeof *s);
    if (!s)
        return -2;
    COPY(s->name, name);
    if (tab_insert(&x->srv_tab, &x->srv_mask, n, n, h, srv_name_of, c, true) < 0) {
        c->nservers--;
        return -2;
    }
    for (int k = 0; k < PP_STEP_COUNT; k++)
        x->last_run[n * PP_STEP_COUNT + k] = -1;
    s->domain = domain;
    s->step = PP_STEP_NONE;
    return n;
}

static int add_operator(struct pp_checklist *c, const char *op)
{
    if (!op[0])
        return 0;
    for (int i = 0; i < c->noperators; i++)
        if (strcmp(c->operators[i], op) == 0)
            return 0;
    char **v = realloc(c->operators, (size_t)(c->noperators + 1) * sizeof *v);
    if (!v)
        return -1;
    c->operators = v;
    if (!(v[c->noperators] = strdup(op)))
        return -1;
    c->noperators++;
    return 0;
}

static int add_timeline(struct pp_checklist *c, const struct pp_jrec *r, const char *text)
{
    struct pp_cl_event *e = grow(&c->timeline, &c->ntimeline, &c->idx->cap_timeline, sizeof *e);
    if (!e)
        return -1;
    e->seq = r->seq;
    COPY(e->ts, r->ts);
    COPY(e->operator_, r->operator_);
    COPY(e->event, r->event);
    COPY(e->text, text);
    return 0;
}

/* The most telling free text of a record. */
static const char *rec_text(const struct pp_jrec *r)
{
    if (r->reason[0])
        return r->reason;
    if (r->detail[0])
        return r->detail;
    if (r->result[0])
        return r->result;
    return r->state;
}

static void fold_step_end(struct pp_cl_server *s, int k, const struct pp_jrec *r)
{
    struct pp_cl_step *st = &s->steps[k];
    st->running = false;
    COPY(st->result, r->result);
    COPY(st->ended, r->ts);
    COPY(st->detail, r->detail);
    s->step = k;
    /* An override decided this server's fate; a late end does not undo it. */
    if (s->state == PP_CL_SRV_SKIPPED || s->state == PP_CL_SRV_MARKED_DONE)
        return;
    switch (pp_result_parse(r->result)) {
    case PP_RES_OK:
        if (k == PP_STEP_VERIFY) {
            s->state = PP_CL_SRV_VERIFIED;
            COPY(s->finished, r->ts);
        } else
            s->state = PP_CL_SRV_IN_PROGRESS;
        break;
    case PP_RES_LOST:
        s->state = PP_CL_SRV_LOST;
        break;
    case PP_RES_CANCELLED:   /* stopped on purpose (force drain): it re-runs */
        s->state = PP_CL_SRV_IN_PROGRESS;
        break;
    default:                 /* failed, timeout, or a result we do not know */
        s->state = PP_CL_SRV_FAILED;
        break;
    }
}

static void fold_override(struct pp_checklist *c, int si, int di, const struct pp_jrec *r)
{
    const char *action = r->action;
    if (si >= 0) {
        struct pp_cl_server *s = &c->servers[si];
        COPY(s->by, r->operator_);
        if (strcmp(action, "skip") == 0 || strcmp(action, "done") == 0) {
            s->state = action[0] == 's' ? PP_CL_SRV_SKIPPED : PP_CL_SRV_MARKED_DONE;
            COPY(s->reason, r->reason);
            COPY(s->finished, r->ts);
        } else if (strcmp(action, "retry") == 0 || strcmp(action, "force") == 0) {
            if (s->state != PP_CL_SRV_VERIFIED) {
                s->state = PP_CL_SRV_IN_PROGRESS;
                s->finished[0] = 0;
            }
        }
    } else if (di >= 0 && strcmp(action, "done") == 0) {
        struct pp_cl_domain *d = &c->domains[di];
        d->manual = true;
        COPY(d->reason, r->reason);
        COPY(d->manual_by, r->operator_);
    }
}

int checklist_add(struct pp_checklist *c, const struct pp_jrec *r)
{
    enum pp_jev ev = journal_event_parse(r->event);
    /* a checklist zeroed by hand rather than made by checklist_new */
    if (!c->idx && !(c->idx = calloc(1, sizeof *c->idx)))
        return -1;
    int di = domain_index(c, r->domain);
    int si = di < -1 ? -2 : server_index(c, r->server, di);

    if (si < -1 || add_operator(c, r->operator_) < 0)
        return -1;
    c->records++;
    c->last_seq = r->seq;
    if (!c->first_ts[0])
        COPY(c->first_ts, r->ts);
    COPY(c->last_ts, r->ts);
    if (si >= 0 && di < 0)
        di = c->servers[si].domain;

    if (ev == PP_JEV_START || ev == PP_JEV_RESUME) {
        if (ev == PP_JEV_START) {
            c->starts++;
            if (!c->start_ts[0]) {
                COPY(c->start_ts, r->ts);
                COPY(c->start_by, r->operator_);
            }
        } else
            c->resumes++;
        c->stopped = false;
        return add_timeline(c, r, rec_text(r));
    }
    if (ev == PP_JEV_READINESS) {
        c->readiness_checks++;
        switch (pp_ready_parse(r->state)) {
        case PP_READY_READY: c->ready_count++; break;
        case PP_READY_BUSY: c->busy_count++; break;
        case PP_READY_INSUFFICIENT: c->insufficient_count++; break;
        default: c->other_count++; break;
        }
        COPY(c->last_readiness, r->state[0] ? r->state : "Unknown");
        COPY(c->last_readiness_ts, r->ts);
        return 0;
    }
    if (ev == PP_JEV_WAIT) {
        c->waits++;
        return 0;
    }
    if (ev == PP_JEV_POOL_PROBLEM) {
        c->pool_problems++;
        return add_timeline(c, r, rec_text(r));
    }
    if (ev == PP_JEV_FAILOVER || ev == PP_JEV_FAILBACK) {
        bool fo = ev == PP_JEV_FAILOVER;
        if (fo) {
            COPY(c->failover_ts, r->ts);
            COPY(c->failover_result, r->result);
        } else {
            COPY(c->failback_ts, r->ts);
            COPY(c->failback_result, r->result);
        }
        return add_timeline(c, r, rec_text(r));
    }
    if (ev == PP_JEV_BACKEND) {
        COPY(c->backend_ts, r->ts);
        COPY(c->backend_result, r->result);
        COPY(c->backend_state, r->state);
        COPY(c->backend_text, rec_text(r));
        return add_timeline(c, r, rec_text(r));
    }
    if (ev == PP_JEV_DOMAIN_START) {
        if (di < 0)
            return 0;
        struct pp_cl_domain *d = &c->domains[di];
        d->state = PP_CL_DOM_IN_PROGRESS;
        if (!d->started[0])
            COPY(d->started, r->ts);
        d->finished[0] = 0;
        COPY(d->by, r->operator_);
        return add_timeline(c, r, d->name);
    }
    if (ev == PP_JEV_DOMAIN_DONE) {
        if (di < 0)
            return 0;
        struct pp_cl_domain *d = &c->domains[di];
        d->state = strcmp(r->state, "done-with-exceptions") == 0 ? PP_CL_DOM_DONE_EXCEPTIONS
                                                                : PP_CL_DOM_DONE;
        COPY(d->finished, r->ts);
        return add_timeline(c, r, d->name);
    }
    if (ev == PP_JEV_STEP_START || ev == PP_JEV_STEP_END) {
        int k = pp_step_parse(r->step);
        if (si < 0 || k < 0) {
            c->unknown_events++;
            return 0;
        }
        struct pp_cl_server *s = &c->servers[si];
        struct pp_cl_run *run = NULL, scratch;
        struct pp_cl_index *x = c->idx;
        int *last = &x->last_run[si * PP_STEP_COUNT + k];
        if (ev == PP_JEV_STEP_END) {
            fold_step_end(s, k, r);
            /* the newest run of this server and step still running */
            for (int i = *last; i >= 0 && !run; i = x->run_prev[i])
                if (c->runs[i].running)
                    run = &c->runs[i];
        }
        if (!run && c->no_runs) {   /* folded into a run nobody keeps */
            memset(&scratch, 0, sizeof scratch);
            run = &scratch;
        }
        if (!run) {   /* a start, or an end whose start we never saw */
            int cap = x->cap_runs;
            if (!(run = grow(&c->runs, &c->nruns, &x->cap_runs, sizeof *run)))
                return -1;
            if (x->cap_runs != cap) {
                int *np = realloc(x->run_prev, (size_t)x->cap_runs * sizeof *np);
                if (!np) {
                    c->nruns--;
                    return -1;
                }
                x->run_prev = np;
            }
            x->run_prev[c->nruns - 1] = *last;
            *last = c->nruns - 1;
            run->server = si;
            run->step = k;
        }
        if (ev == PP_JEV_STEP_END) {
            run->running = false;
            COPY(run->result, r->result);
            COPY(run->ended, r->ts);
            COPY(run->detail, r->detail);
            if (!run->by[0])
                COPY(run->by, r->operator_);
            return 0;
        }
        run->running = true;
        COPY(run->started, r->ts);
        COPY(run->by, r->operator_);
        struct pp_cl_step *st = &s->steps[k];
        st->runs++;
        st->running = true;
        st->result[0] = st->ended[0] = st->detail[0] = 0;
        COPY(st->started, r->ts);
        COPY(st->by, r->operator_);
        s->step = k;
        COPY(s->by, r->operator_);
        s->state = PP_CL_SRV_IN_PROGRESS;
        s->finished[0] = 0;
        if (!s->started[0])
            COPY(s->started, r->ts);
        if (di >= 0 && c->domains[di].state == PP_CL_DOM_WAITING) {
            /* no domain-start seen (older writer): the first step starts it */
            c->domains[di].state = PP_CL_DOM_IN_PROGRESS;
            COPY(c->domains[di].started, r->ts);
        }
        return 0;
    }
    if (ev == PP_JEV_PROBE) {
        if (si >= 0)
            COPY(c->servers[si].probe, r->detail[0] ? r->detail : r->result);
        return 0;
    }
    if (ev == PP_JEV_CONFIRM) {
        c->confirms++;
        if (strncmp(r->reason, "auto", 4) == 0)
            c->auto_confirms++;
        if (si >= 0)
            COPY(c->servers[si].by, r->operator_);
        else if (di >= 0 && !c->domains[di].by[0])
            COPY(c->domains[di].by, r->operator_);
        return 0;
    }
    if (ev == PP_JEV_OVERRIDE) {
        struct pp_cl_override *o =
            grow(&c->overrides, &c->noverrides, &c->idx->cap_overrides, sizeof *o);
        if (!o)
            return -1;
        o->seq = r->seq;
        COPY(o->ts, r->ts);
        COPY(o->operator_, r->operator_);
        COPY(o->action, r->action);
        COPY(o->target, r->server[0] ? r->server : r->domain[0] ? r->domain : "pool");
        COPY(o->reason, r->reason);
        fold_override(c, si, di, r);
        return 0;
    }
    if (ev == PP_JEV_COMPLETE) {
        c->complete = true;
        c->stopped = false;
        COPY(c->complete_ts, r->ts);
        return add_timeline(c, r, rec_text(r));
    }
    if (ev == PP_JEV_STOP) {
        c->stopped = true;
        COPY(c->stop_ts, r->ts);
        COPY(c->stop_reason, rec_text(r));
        return add_timeline(c, r, rec_text(r));
    }
    /* a note, an action the safety gate refused, a package staged: all
     * belong on the timeline a change manager reads */
    if (ev == PP_JEV_NOTE || ev == PP_JEV_REFUSED || ev == PP_JEV_STAGE)
        return add_timeline(c, r, rec_text(r));
    c->unknown_events++;
    return 0;
}

int checklist_expect(struct pp_checklist *c, const char *domain, const char *server)
{
    if (!c->idx && !(c->idx = calloc(1, sizeof *c->idx)))
        return -1;
    int di = domain_index(c, domain);
    return di < -1 || server_index(c, server, di) < -1 ? -1 : 0;
}

int checklist_add_cb(void *ctx, const struct pp_jrec *r)
{
    return checklist_add(ctx, r);
}

void checklist_finish(struct pp_checklist *c, bool live)
{
    c->finished = true;
    c->live = live;
    for (int i = 0; i < c->nservers; i++) {
        struct pp_cl_server *s = &c->servers[i];
        if (s->state != PP_CL_SRV_IN_PROGRESS)
            continue;
        for (int k = 0; k < PP_STEP_COUNT; k++)
            if (s->steps[k].running && !live)
                s->state = PP_CL_SRV_LOST;
    }
    for (int i = 0; i < c->ndomains; i++) {
        struct pp_cl_domain *d = &c->domains[i];
        if (d->manual && d->state != PP_CL_DOM_DONE && d->state != PP_CL_DOM_DONE_EXCEPTIONS)
            d->state = PP_CL_DOM_DONE_EXCEPTIONS;
    }
}

int checklist_load(const char *path, struct pp_checklist **out,
                   char *warn, size_t warnn, char *err, size_t errn)
{
    struct pp_checklist *c = checklist_new();
    char info[512];

    if (!c) {
        snprintf(err, errn, "out of memory reading %s", path);
        return -1;
    }
    if (journal_read_file(path, checklist_add_cb, c, warn, warnn, err, errn) < 0) {
        if (strstr(err, "record not accepted"))
            snprintf(err, errn, "out of memory reading %s", path);
        checklist_free(c);
        return -1;
    }
    /* The pool's name is the file's: POOL.jsonl or POOL.training.jsonl. */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 6 && strcmp(base + n - 6, ".jsonl") == 0)
        n -= 6;
    if (n > 9 && strncmp(base + n - 9, ".training", 9) == 0) {
        n -= 9;
        c->training = true;
    }
    if (n < sizeof c->pool) {
        memcpy(c->pool, base, n);
        c->pool[n] = 0;
    }
    checklist_finish(c, journal_holder(path, info, sizeof info) > 0);
    *out = c;
    return 0;
}

const char *checklist_dom_name(enum pp_cl_dom s)
{
    static const char *const names[] = {"not started", "in progress", "done",
                                        "done with exceptions"};
    return (unsigned)s < 4 ? names[s] : "?";
}

const char *checklist_srv_name(enum pp_cl_srv s)
{
    static const char *const names[] = {"pending", "in progress", "verified", "failed",
                                        "lost", "skipped", "marked done"};
    return (unsigned)s < 7 ? names[s] : "?";
}

int checklist_servers_in(const struct pp_checklist *c, int domain)
{
    int n = 0;
    for (int i = 0; i < c->nservers; i++)
        n += c->servers[i].domain == domain;
    return n;
}

static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

int64_t checklist_ts_ms(const char *ts)
{
    const char *p = ts;
    struct tm tm = {0};
    int ms = 0, off = 0;

    if (!ts)
        return -1;
    tm.tm_year = digits(&p, 4) - 1900;
    if (*p++ != '-' || (tm.tm_mon = digits(&p, 2) - 1) < 0 || tm.tm_mon > 11 || *p++ != '-')
        return -1;
    tm.tm_mday = digits(&p, 2);
    if ((*p != 'T' && *p != 't' && *p != ' ') || tm.tm_mday < 1 || tm.tm_year < 0)
        return -1;
    p++;
    tm.tm_hour = digits(&p, 2);
    if (*p++ != ':' || tm.tm_hour < 0 || tm.tm_hour > 23)
        return -1;
    tm.tm_min = digits(&p, 2);
    if (*p++ != ':' || tm.tm_min < 0 || tm.tm_min > 59)
        return -1;
    tm.tm_sec = digits(&p, 2);
    if (tm.tm_sec < 0 || tm.tm_sec > 60)
        return -1;
    if (*p == '.') {
        int scale = 100;
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            ms += (*p - '0') * scale;
    }
    if (*p == 'Z' || *p == 'z')
        p++;
    else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int h = digits(&p, 2), m;
        if (h < 0 || *p++ != ':' || (m = digits(&p, 2)) < 0)
            return -1;
        off = sign * (h * 60 + m);
    } else
        return -1;
    if (*p)
        return -1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    return ((int64_t)t - off * 60) * 1000 + ms;
}
