#include "tests/unit/helpers/engine_driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/journal/journal.h"

void drv_init(struct drv *d, const char *ini)
{
    memset(d, 0, sizeof *d);
    struct pp_diag dg = {0};
    if (config_load_string(&d->cfg, "test.ini", ini, &dg) != 0) {
        for (int i = 0; i < dg.n; i++)
            fprintf(stderr, "%s\n", dg.msgs[i]);
        abort();
    }
    diag_free(&dg);
    if (model_init(&d->m, &d->cfg) < 0)
        abort();
    d->e = engine_new(&d->cfg, &d->m, "tester");
    if (!d->e)
        abort();
    d->now = 1000;
}

struct drv *drv_pool8(const char *pool_extra, const char *timing_extra)
{
    static const char fmt[] =
        "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n%s"
        "[servers]\n"
        "fe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain1\n"
        "fe03.contoso.com = UpgradeDomain2\nfe04.contoso.com = UpgradeDomain2\n"
        "fe05.contoso.com = UpgradeDomain3\nfe06.contoso.com = UpgradeDomain3\n"
        "fe07.contoso.com = UpgradeDomain4\nfe08.contoso.com = UpgradeDomain4\n"
        "[timing]\nbusy_retry = 10m\nsettle = 20m\ndrain_timeout = 30m\n%s";
    struct drv *d = malloc(sizeof *d);
    char ini[4096];
    if (!d)
        abort();
    snprintf(ini, sizeof ini, fmt, pool_extra, timing_extra);
    drv_init(d, ini);
    return d;
}

void drv_destroy(struct drv *d)
{
    drv_free(d);
    free(d);
}

void drv_free(struct drv *d)
{
    engine_free(d->e);
    actions_free(&d->a);
    model_free(&d->m);
    config_free(&d->cfg);
    free(d->recs);
}

static void apply(struct drv *d)
{
    for (int i = 0; i < d->a.n; i++) {
        struct pp_action *x = &d->a.v[i];
        switch (x->type) {
        case PP_ACT_JOURNAL:
            if (d->nrec == d->caprec) {
                d->caprec = d->caprec ? d->caprec * 2 : 256;
                d->recs = realloc(d->recs, (size_t)d->caprec * sizeof *d->recs);
                if (!d->recs)
                    abort();
            }
            {
                d->recs[d->nrec] = x->rec;
                d->recs[d->nrec].seq = d->nrec + 1;
                snprintf(d->recs[d->nrec].ts, sizeof d->recs[0].ts, "%lld", (long long)d->now);
                d->nrec++;
            }
            break;
        case PP_ACT_RUN:
            if (d->nruns < DRV_MAX_RUNS)
                d->runs[d->nruns++] = (struct drv_run){x->kind, x->server, x->domain, x->timeout,
                                                       d->now, ++d->gen};
            break;
        case PP_ACT_CANCEL:
            if (d->ncancels < DRV_MAX_RUNS)
                d->cancels[d->ncancels++] = x->server;
            break;
        case PP_ACT_ASK:
            d->asks++;
            break;
        case PP_ACT_NOTE:
            d->notes++;
            snprintf(d->last_note, sizeof d->last_note, "%s", x->text);
            break;
        case PP_ACT_EXIT:
            d->exited = true;
            d->exit_code = x->exit_code;
            break;
        }
    }
}

static void auto_topology(struct drv *d)
{
    int i;
    while (!d->topo_manual && (i = drv_find(d, PP_CMD_TOPOLOGY, -2)) >= 0) {
        struct pp_topology t;
        drv_topology(d, &t);
        d->topo_answers++;
        drv_finish_topology(d, i, PP_RES_OK, &t, "");
    }
}

void drv_event(struct drv *d, const struct pp_event *ev)
{
    actions_clear(&d->a);
    engine_handle(d->e, ev, d->now, &d->a);
    apply(d);
    auto_topology(d);
}

void drv_topology(const struct drv *d, struct pp_topology *out)
{
    memset(out, 0, sizeof *out);
    out->known = true;
    for (int i = 0; i < d->cfg.nservers && i < PP_TOPO_MAX; i++)
        snprintf(out->names[out->n++], PP_NAME_MAX, "%s", d->cfg.servers[i].name);
}

void drv_finish_topology(struct drv *d, int i, enum pp_result res, const struct pp_topology *t,
                         const char *detail)
{
    struct drv_run run = d->runs[i];
    memmove(&d->runs[i], &d->runs[i + 1], (size_t)(d->nruns - i - 1) * sizeof d->runs[0]);
    d->nruns--;
    struct pp_event ev = {.type = PP_EV_CMD_DONE, .kind = run.kind, .server = run.server,
                          .result = res, .topology = t, .detail = detail};
    drv_event(d, &ev);
}

void drv_start(struct drv *d)
{
    struct pp_event ev = {.type = PP_EV_START};
    drv_event(d, &ev);
}

bool drv_wake(struct drv *d)
{
    pp_ms w = engine_next_wake(d->e);
    if (w == PP_MS_NEVER)
        return false;
    if (w > d->now)
        d->now = w;
    struct pp_event ev = {.type = PP_EV_TIMER};
    drv_event(d, &ev);
    return true;
}

void drv_advance(struct drv *d, pp_ms ms) { d->now += ms; }

int drv_find(const struct drv *d, enum pp_cmd_kind kind, int server)
{
    for (int i = 0; i < d->nruns; i++)
        if (d->runs[i].kind == kind && (server == -2 || d->runs[i].server == server))
            return i;
    return -1;
}

void drv_finish(struct drv *d, int i, enum pp_result res, const struct pp_readiness *r,
                const char *detail)
{
    struct drv_run run = d->runs[i];
    memmove(&d->runs[i], &d->runs[i + 1], (size_t)(d->nruns - i - 1) * sizeof d->runs[0]);
    d->nruns--;
    struct pp_event ev = {.type = PP_EV_CMD_DONE, .kind = run.kind, .server = run.server,
                          .result = res, .readiness = r, .detail = detail};
    drv_event(d, &ev);
}

void drv_readiness(const struct drv *d, enum pp_ready state, int not_ready,
                   struct pp_readiness *out)
{
    memset(out, 0, sizeof *out);
    out->state = state;
    out->total_fe = d->m.nservers;
    out->active_fe = 0;
    for (int i = 0; i < d->m.nservers; i++)
        out->active_fe += model_server_up(&d->m.servers[i]);
    /* the truth comes from the config when the model has not learnt it */
    int nd = 0;
    char names[64][PP_DOMAIN_NAME_MAX];
    for (int i = 0; i < d->cfg.nservers; i++) {
        const char *dn = d->cfg.servers[i].domain;
        char gen[PP_DOMAIN_NAME_MAX];
        if (!dn[0]) {
            snprintf(gen, sizeof gen, "UpgradeDomain%d", i / 2 + 1);
            dn = gen;
        }
        int k;
        for (k = 0; k < nd; k++)
            if (!strcmp(names[k], dn))
                break;
        if (k == nd && nd < 64)
            snprintf(names[nd++], PP_DOMAIN_NAME_MAX, "%s", dn);
    }
    out->domains = calloc((size_t)nd, sizeof *out->domains);
    out->ndomains = nd;
    for (int k = 0; k < nd; k++) {
        struct pp_ready_domain *rd = &out->domains[k];
        snprintf(rd->name, sizeof rd->name, "%s", names[k]);
        rd->ready = k == not_ready ? 0 : 1;
        rd->fronts = calloc((size_t)d->cfg.nservers, PP_NAME_MAX);
        for (int i = 0; i < d->cfg.nservers; i++) {
            const char *dn = d->cfg.servers[i].domain;
            char gen[PP_DOMAIN_NAME_MAX];
            if (!dn[0]) {
                snprintf(gen, sizeof gen, "UpgradeDomain%d", i / 2 + 1);
                dn = gen;
            }
            if (!strcmp(dn, names[k]))
                snprintf(rd->fronts[rd->nfronts++], PP_NAME_MAX, "%s", d->cfg.servers[i].name);
        }
    }
}

void drv_answer_check(struct drv *d, enum pp_ready state)
{
    int i = drv_find(d, PP_CMD_READINESS, -2);
    if (i < 0)
        abort();
    struct pp_readiness r;
    drv_readiness(d, state, -1, &r);
    drv_finish(d, i, PP_RES_OK, &r, "");
    readiness_free(&r);
}

int drv_finish_all_ok(struct drv *d)
{
    int n = 0, upto = d->gen;
    for (int i = 0; i < d->nruns;) {
        if (d->runs[i].kind == PP_CMD_READINESS || d->runs[i].gen > upto) {
            i++;
            continue;
        }
        drv_finish(d, i, PP_RES_OK, NULL, "fine");
        n++;
        i = 0;
    }
    return n;
}

void drv_op(struct drv *d, enum pp_op op, const char *target)
{
    struct pp_event ev = {.type = PP_EV_OPERATOR, .op = op, .target = target};
    drv_event(d, &ev);
}

void drv_override(struct drv *d, enum pp_override ov, const char *target, const char *reason)
{
    struct pp_event ev = {.type = PP_EV_OPERATOR, .op = PP_OP_OVERRIDE, .ov = ov,
                          .target = target, .reason = reason, .operator_ = "jdoe"};
    drv_event(d, &ev);
}

int drv_restart(struct drv *d, char *err, size_t errn)
{
    engine_free(d->e);
    model_free(&d->m);
    if (model_init(&d->m, &d->cfg) < 0)
        abort();
    d->e = engine_new(&d->cfg, &d->m, "tester");
    if (!d->e)
        abort();
    d->nruns = 0;
    d->ncancels = 0;
    d->exited = false;
    for (int i = 0; i < d->nrec; i++)
        if (engine_restore(d->e, &d->recs[i], err, errn) < 0)
            return -1;
    drv_start(d);
    return 0;
}

int drv_count(const struct drv *d, const char *event)
{
    int n = 0;
    for (int i = 0; i < d->nrec; i++)
        n += !strcmp(d->recs[i].event, event);
    return n;
}

const struct pp_jrec *drv_last(const struct drv *d, const char *event)
{
    for (int i = d->nrec - 1; i >= 0; i--)
        if (!strcmp(d->recs[i].event, event))
            return &d->recs[i];
    return NULL;
}

static bool confirmable(enum pp_ask_kind k)
{
    return k != PP_ASK_NONE && k != PP_ASK_OPERATOR && k != PP_ASK_FORCE_DRAIN;
}

int drv_autorun(struct drv *d, int max_iter)
{
    for (int it = 0; it < max_iter; it++) {
        if (d->exited)
            return it;
        if (confirmable(d->m.ask)) {
            drv_op(d, PP_OP_CONFIRM, NULL);
            continue;
        }
        if (d->m.ask != PP_ASK_NONE && d->nruns == 0)
            return -1;
        if (drv_find(d, PP_CMD_READINESS, -2) >= 0) {
            drv_advance(d, 5000);
            drv_answer_check(d, PP_READY_READY);
            continue;
        }
        if (d->nruns > 0) {
            drv_advance(d, 60000);
            drv_finish(d, 0, PP_RES_OK, NULL, "fine");
            continue;
        }
        if (!drv_wake(d))
            return -1;
    }
    return -1;
}
