/* The simulated pool's state: topology, service states, quorum, faults,
 * the answers of the read-only commands (readiness, fabric, probe), and
 * the trainer's fault injection (sim_inject).
 *
 * Counters (servers up, domains with a server down, domains complete) are
 * updated on every state change so that nothing scans the pool per event;
 * only the answers that list the pool (readiness JSON) are O(n), and they
 * are as long as the pool anyway. */
#include "backend/transport/sim/sim_internal.h"

#include "backend/pool/model.h"
#include "backend/pool/readiness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sim_svc_up(enum sim_svc v)
{
    /* A paused RTCSRV (draining) is still a member of the fabric. */
    return v == SVC_UP || v == SVC_DRAINING;
}

bool sim_reachable(const struct sim_server *v)
{
    return v->svc != SVC_REBOOTING && v->svc != SVC_DEAD;
}

static int domain_find_or_add(struct sim *s, const char *name)
{
    /* Servers of one domain are usually listed together: look at the last
     * domain first, so a big fleet does not cost n * domains compares. */
    if (s->ndom > 0 && strcmp(s->dom[s->ndom - 1].name, name) == 0)
        return s->ndom - 1;
    for (int d = 0; d < s->ndom; d++)
        if (strcmp(s->dom[d].name, name) == 0)
            return d;
    struct sim_domain *dd = &s->dom[s->ndom];   /* dom has room for n domains */
    memset(dd, 0, sizeof *dd);
    snprintf(dd->name, sizeof dd->name, "%s", name);
    return s->ndom++;
}

static int domain_add_member(struct sim_domain *d, int server)
{
    if (d->n == d->cap) {
        int cap = d->cap ? d->cap * 2 : 4;
        int *m = realloc(d->members, (size_t)cap * sizeof *m);
        if (!m)
            return -1;
        d->members = m;
        d->cap = cap;
    }
    d->members[d->n++] = server;
    return 0;
}

int sim_find_server(const struct sim *s, const char *name)
{
    if (!name)
        return -3;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->srv[i].name, name) == 0)
            return i;
    if (s->has_host && strcmp(s->srv[s->n].name, name) == 0)
        return -1;
    return -3;
}

int sim_add_fault(struct sim *s, const struct sim_fault *f)
{
    if (s->nfaults == s->capfaults) {
        int cap = s->capfaults ? s->capfaults * 2 : 8;
        struct sim_fault *v = realloc(s->faults, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        s->faults = v;
        s->capfaults = cap;
    }
    s->faults[s->nfaults++] = *f;
    return 0;
}

static void quorum_setup(struct sim *s)
{
    int n = s->n, among = n, need;
    switch (s->quorum) {
    case PP_QUORUM_NONE:
        need = 0;
        break;
    case PP_QUORUM_MAJORITY:
        need = n / 2 + 1;
        break;
    default:
        need = quorum_required(n, &among);
        if (need < 0) {       /* outside the table: the engine is conservative too */
            need = n / 2 + 1;
            among = n;
        }
        break;
    }
    s->need = need;
    s->among_first = among;
}

int sim_pool_init(struct sim *s, const struct pp_config *cfg)
{
    int n = cfg->nservers;
    if (n <= 0 || !cfg->servers)
        return -1;
    s->n = n;
    s->srv = calloc((size_t)n + 1, sizeof *s->srv);
    s->dom = calloc((size_t)n, sizeof *s->dom);
    if (!s->srv || !s->dom)
        return -1;
    /* Servers without a domain in the config (membership is normally read
     * from the readiness check) get the simulator's own: blocks of two in
     * topology order, UpgradeDomain1, UpgradeDomain2, ... */
    int unnamed = 0;
    for (int i = 0; i < n; i++) {
        struct sim_server *v = &s->srv[i];
        v->name = strdup(cfg->servers[i].name);
        if (!v->name)
            return -1;
        char gen[PP_DOMAIN_NAME_MAX];
        const char *dname = cfg->servers[i].domain;
        if (!dname[0]) {
            snprintf(gen, sizeof gen, "UpgradeDomain%d", unnamed / 2 + 1);
            unnamed++;
            dname = gen;
        }
        v->domain = domain_find_or_add(s, dname);
        if (domain_add_member(&s->dom[v->domain], i) < 0)
            return -1;
        v->svc = SVC_UP;
        v->last_done = PP_STEP_NONE;
    }
    struct sim_server *h = &s->srv[n];
    s->has_host = cfg->failover_on[0] != '\0';
    h->name = strdup(s->has_host ? cfg->failover_on : "");
    if (!h->name)
        return -1;
    h->domain = -1;
    h->svc = SVC_UP;
    h->last_done = PP_STEP_NONE;

    s->quorum = cfg->quorum;
    quorum_setup(s);
    s->up = n;
    s->up_first = s->among_first;
    s->busy_first_left = cfg->sim.busy_first > 0 ? cfg->sim.busy_first : 0;
    /* Lync pools carry on the order of a couple of hundred routing groups
     * per Front End; the exact number only has to look plausible. */
    s->routing_groups = 200 * n + (int)(cfg->sim.seed % 97);

    for (int i = 0; i < cfg->sim.nfaults; i++) {
        const struct pp_fault *cf = &cfg->sim.faults[i];
        struct sim_fault f = {
            .kind = cf->kind,
            .server = cf->server[0] ? sim_find_server(s, cf->server) : SIM_ANY_SERVER,
            .step = cf->step,
            .cmd_kind = -1,
            .left = cf->times > 0 ? cf->times : 1,
            .after_domains = cf->after_domains,
        };
        /* An unknown server (the config validates names) can never match. */
        if (sim_add_fault(s, &f) < 0)
            return -1;
    }
    return 0;
}

void sim_pool_free(struct sim *s)
{
    if (s->srv)
        for (int i = 0; i <= s->n; i++)
            free(s->srv[i].name);
    if (s->dom)
        for (int d = 0; d < s->ndom; d++)
            free(s->dom[d].members);
    free(s->srv);
    free(s->dom);
    free(s->faults);
}

void sim_set_svc(struct sim *s, int i, enum sim_svc v)
{
    struct sim_server *x = &s->srv[i];
    bool was = sim_svc_up(x->svc), is = sim_svc_up(v);
    x->svc = v;
    if (i >= s->n || was == is)
        return;
    struct sim_domain *d = &s->dom[x->domain];
    if (is) {
        s->up++;
        if (i < s->among_first)
            s->up_first++;
        if (--d->down == 0)
            s->doms_with_down--;
    } else {
        s->up--;
        if (i < s->among_first)
            s->up_first--;
        if (d->down++ == 0)
            s->doms_with_down++;
    }
}

void sim_set_verified(struct sim *s, int i, bool on)
{
    struct sim_server *x = &s->srv[i];
    if (i >= s->n || x->verified == on)
        return;
    x->verified = on;
    struct sim_domain *d = &s->dom[x->domain];
    if (on) {
        if (++d->verified == d->n)
            s->doms_complete++;
    } else {
        if (d->verified-- == d->n)
            s->doms_complete--;
    }
}

static enum pp_step step_of(enum pp_cmd_kind k)
{
    switch (k) {
    case PP_CMD_DRAIN:
    case PP_CMD_DRAIN_NOW: return PP_STEP_DRAIN;
    case PP_CMD_UPGRADE: return PP_STEP_UPGRADE;
    case PP_CMD_RESTART: return PP_STEP_RESTART;
    case PP_CMD_VERIFY: return PP_STEP_VERIFY;
    default: return PP_STEP_NONE;
    }
}

const struct sim_fault *sim_take_fault(struct sim *s, int slot, enum pp_cmd_kind kind)
{
    int who = slot == s->n ? -1 : slot;
    for (int i = 0; i < s->nfaults; i++) {
        struct sim_fault *f = &s->faults[i];
        if (f->left <= 0 || f->after_domains > s->doms_complete)
            continue;
        if (f->server != who && f->server != SIM_ANY_SERVER)
            continue;
        bool match;
        switch (f->kind) {
        case PP_FAULT_NEVER_RETURNS:
            match = kind == PP_CMD_RESTART;
            break;
        case PP_FAULT_FAIL:
        case PP_FAULT_HANG:
        case PP_FAULT_DROP:
            /* No step: the next command of that server, whatever it is
             * (a failing failover, a readiness check that blocks...). */
            if (f->cmd_kind >= 0)
                match = (int)kind == f->cmd_kind;
            else
                match = f->step == PP_STEP_NONE || f->step == step_of(kind);
            break;
        default:
            match = false;   /* busy / not-ready act on readiness answers */
            break;
        }
        if (match) {
            f->left--;
            return f;
        }
    }
    return NULL;
}

static bool pool_busy(struct sim *s)
{
    if (s->busy_first_left > 0) {
        s->busy_first_left--;
        return true;
    }
    if (s->busy_injected > 0) {
        s->busy_injected--;
        return true;
    }
    for (int i = 0; i < s->nfaults; i++) {
        struct sim_fault *f = &s->faults[i];
        if (f->kind == PP_FAULT_BUSY && f->left > 0 && f->after_domains <= s->doms_complete) {
            f->left--;
            return true;
        }
    }
    return false;
}

char *sim_readiness_answer(struct sim *s)
{
    struct pp_readiness r;
    memset(&r, 0, sizeof r);
    bool *not_ready = calloc((size_t)s->ndom, sizeof *not_ready);
    r.domains = calloc((size_t)s->ndom, sizeof *r.domains);
    char *json = NULL;
    if (!not_ready || !r.domains)
        goto out;

    /* Each check consumes one "not ready" from every active fault. */
    for (int i = 0; i < s->nfaults; i++) {
        struct sim_fault *f = &s->faults[i];
        if (f->kind != PP_FAULT_NOT_READY || f->left <= 0 || f->after_domains > s->doms_complete)
            continue;
        if (f->server == SIM_ANY_SERVER) {
            for (int d = 0; d < s->ndom; d++)
                not_ready[d] = true;
        } else if (f->server >= 0) {
            not_ready[s->srv[f->server].domain] = true;
        } else {
            continue;       /* the failover host is not in the pool */
        }
        f->left--;
    }

    s->checks++;
    if (s->simcfg.insufficient || s->up_first < s->need)
        r.state = PP_READY_INSUFFICIENT;
    else if (pool_busy(s))
        r.state = PP_READY_BUSY;
    else
        r.state = PP_READY_READY;
    r.total_fe = s->n;
    r.active_fe = s->up;
    /* A pool told to be short of Front Ends reports itself so: below the
     * quorum line, whatever SSH says about the machines. */
    if (s->simcfg.insufficient && s->need > 0 && r.active_fe >= s->need)
        r.active_fe = s->need - 1;
    r.ndomains = s->ndom;
    for (int d = 0; d < s->ndom; d++) {
        struct sim_domain *sd = &s->dom[d];
        struct pp_ready_domain *rd = &r.domains[d];
        snprintf(rd->name, sizeof rd->name, "%s", sd->name);
        rd->fronts = calloc((size_t)sd->n, sizeof *rd->fronts);
        if (!rd->fronts)
            goto out;
        rd->nfronts = sd->n;
        for (int k = 0; k < sd->n; k++)
            snprintf(rd->fronts[k], PP_NAME_MAX, "%s", s->srv[sd->members[k]].name);
        /* A real pool lets one domain go at a time. */
        int others_down = s->doms_with_down - (sd->down > 0 ? 1 : 0);
        rd->ready = (!not_ready[d] && others_down == 0) ? 1 : 0;
    }
    json = readiness_to_json(&r);
out:
    if (r.domains)
        for (int d = 0; d < s->ndom; d++)
            free(r.domains[d].fronts);
    free(r.domains);
    free(not_ready);
    return json;
}

bool sim_fabric_answer(struct sim *s, char *buf, size_t n)
{
    if (s->up == s->n) {
        snprintf(buf, n, "routing groups: %d, all with primary and 2 secondaries",
                 s->routing_groups);
        return true;
    }
    const char *first = "";
    for (int i = 0; i < s->n; i++)
        if (!sim_svc_up(s->srv[i].svc)) {
            first = s->srv[i].name;
            break;
        }
    int down = s->n - s->up;
    /* Each Front End holds replicas of roughly 3/n of the groups. */
    int lacking = s->routing_groups * 3 * down / (s->n > 0 ? s->n : 1) / 2;
    if (lacking < 1)
        lacking = 1;
    if (lacking > s->routing_groups)
        lacking = s->routing_groups;
    snprintf(buf, n, "routing groups: %d, %d without a secondary (%s%s down)",
             s->routing_groups, lacking, first, down > 1 ? " and others" : "");
    return false;
}

void sim_probe_answer(const struct sim *s, int slot, char *buf, size_t n)
{
    const struct sim_server *v = &s->srv[slot];
    const char *svc = s->lync ? "RTCSRV" : "app.service";
    const char *st;
    switch (v->svc) {
    case SVC_UP: st = s->lync ? "Running" : "active"; break;
    case SVC_DRAINING: st = s->lync ? "Paused" : "deactivating"; break;
    default: st = s->lync ? "Stopped" : "inactive"; break;
    }
    snprintf(buf, n, "%s %s, patched: %s, restart pending: %s", svc, st,
             v->svc == SVC_UPGRADING ? "installing" : v->patched ? "yes" : "no",
             v->reboot_pending ? "yes" : "no");
}

/* What the pool_state template prints last (config/profiles.c): the
 * registrar pool's PoolState as Set-CsRegistrarConfiguration names its
 * values, and the backup pool Get-CsPoolBackupRelationship returns. */
void sim_pool_state_answer(const struct sim *s, char *buf, size_t n)
{
    snprintf(buf, n, "PoolState=%s BackupPool=%s", s->failed_over ? "FailedOver" : "Active",
             s->backup_pool && s->backup_pool[0] ? s->backup_pool : "(none)");
}

/* ---- trainer controls ----
 * busy / not-ready: the next readiness check (pool-wide / that server's
 * domain).  fail / hang / drop on a server running a command of kind `on`:
 * its next end fails / it stops progressing / the connection drops now;
 * when no such command runs, the fault waits for the next one.
 * never-returns: the server, rebooting now or at its next restart, stays
 * down.  Anything else (unknown server, a fault that cannot happen to that
 * command) is refused with -1. */

int sim_inject(struct pp_transport *t, enum pp_cmd_kind on, const char *server, int fault_kind)
{
    if (!t || !sim_is(t) || on < 0 || on >= PP_CMD_COUNT ||
        fault_kind < PP_FAULT_FAIL || fault_kind > PP_FAULT_BUSY)
        return -1;
    struct sim *s = (struct sim *)t;
    int who = (!server || !*server) ? SIM_ANY_SERVER : sim_find_server(s, server);
    if (who == -3)
        return -1;
    struct sim_fault f = {.kind = fault_kind, .server = who, .step = PP_STEP_NONE,
                          .cmd_kind = on, .left = 1, .after_domains = 0};
    switch (fault_kind) {
    case PP_FAULT_BUSY:
        if (on != PP_CMD_READINESS)
            return -1;
        s->busy_injected++;
        return 0;
    case PP_FAULT_NOT_READY:
        if (on != PP_CMD_READINESS || who < 0)
            return -1;
        return sim_add_fault(s, &f);
    case PP_FAULT_NEVER_RETURNS: {
        if (on != PP_CMD_RESTART || who < 0)
            return -1;
        struct sim_server *v = &s->srv[who];
        if (v->svc == SVC_REBOOTING) {          /* it is down now: it stays down */
            sim_set_svc(s, who, SVC_DEAD);
            v->back_gen++;
            return 0;
        }
        if (v->cmd.active && v->cmd.kind == PP_CMD_RESTART) {
            v->cmd.never_returns = true;
            return 0;
        }
        return sim_add_fault(s, &f);
    }
    default:
        break;
    }
    /* fail / hang / drop: a specific host, and a command it can run */
    if (who == SIM_ANY_SERVER || sim_cmd_slot(s, who, on) < 0)
        return -1;
    int slot = who == -1 ? s->n : who;
    struct sim_cmd *c = &s->srv[slot].cmd;
    if (!c->active || c->kind != on)
        return sim_add_fault(s, &f);    /* arms the next such command */
    switch (fault_kind) {
    case PP_FAULT_FAIL:
        c->fail_at_end = true;
        return 0;
    case PP_FAULT_HANG:
        c->hung = true;
        c->tick++;                      /* its pending beat is void now */
        return 0;
    default:                            /* drop */
        if (sim_heap_reserve(s, 1) < 0)
            return -1;
        sim_heap_push(s, EV_DROP, s->now, slot, c->gen, 0);
        return 0;
    }
}
