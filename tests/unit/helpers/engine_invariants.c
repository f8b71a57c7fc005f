#include "tests/unit/helpers/engine_invariants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void inv_init(struct inv *c, const struct drv *d)
{
    memset(c, 0, sizeof *c);
    c->bad_record = -1;
    c->last_strike = -1;
    c->pool_unsure = c->pool_last = -1;
    c->nservers = d->m.nservers;
    c->ok_done = calloc((size_t)(c->nservers ? c->nservers : 1), sizeof *c->ok_done);
    if (!c->ok_done)
        abort();
}

void inv_free(struct inv *c)
{
    free(c->ok_done);
    c->ok_done = NULL;
}

void inv_dump(const struct drv *d, int n)
{
    for (int i = d->nrec > n ? d->nrec - n : 0; i < d->nrec; i++) {
        const struct pp_jrec *x = &d->recs[i];
        fprintf(stderr, "  %lld %s %s %s %s %s %s %s %s | %s\n", x->seq, x->event, x->action,
                x->domain, x->server, x->step, x->state, x->result, x->reason, x->detail);
    }
}

static const char *check_record(struct inv *c, const struct drv *d, const struct pp_jrec *r)
{
    const char *ev = r->event;
    bool decision = !strcmp(ev, "confirm") || !strcmp(ev, "override") ||
                    !strcmp(ev, "decline") || !strcmp(ev, "choose");
    if (decision && !r->operator_[0])
        return "a decision without an operator";
    if (!strcmp(ev, "override") && !r->reason[0])
        return "an override without a reason";
    if (!strcmp(ev, "override") && !strcmp(r->reason, "auto (--yes)"))
        return "--yes granted an override";
    if (c->problem_due && !strcmp(ev, "pool-problem"))
        c->problem_due = false;
    else if (c->problem_due && (!strcmp(ev, "readiness") || !strcmp(ev, "domain-start") ||
                                !strcmp(ev, "step-start")))
        return "Busy three times in a row was not a pool problem";
    if (!strcmp(ev, "readiness") && !c->open_domain[0] && !c->failed_over) {
        /* (failed over, an answer gates no domain and counts no strike:
         * it decides only the failback) */
        /* the engine's strike rule: a Busy counts when it comes busy_retry
         * after the last counted one; Ready (and a problem) ends the series */
        long long ts = atoll(r->ts);
        if (!strcmp(r->state, "Ready")) {
            c->strikes = 0;
            c->last_strike = -1;
        } else if (!strcmp(r->state, "Busy") &&
                   (c->strikes == 0 || c->last_strike < 0 ||
                    ts - c->last_strike >= d->cfg.timing.busy_retry)) {
            c->strikes++;
            c->last_strike = ts;
            c->problem_due = c->strikes >= d->cfg.timing.busy_strikes;
        }
    } else if (!strcmp(ev, "pool-problem")) {
        c->strikes = 0;   /* r after a problem starts a new series */
        c->last_strike = -1;
    }
    if (!strcmp(ev, "wait") && !strcmp(r->result, "ok"))
        c->settle_due = false;
    if (!strcmp(ev, "readiness") && !strcmp(r->state, "Ready"))
        c->failback_ok = true;
    /* the Back End's update (issue 11 item 13): once, never again without
     * an override retry; a run with [pool] backend set never completes
     * without its outcome settled; its overrides are not a failover's */
    if (!strcmp(ev, "backend")) {
        if (!r->result[0] && !r->state[0]) {
            if (c->be_started && !c->be_retry)
                return "the Back End update ran again without an operator's override retry";
            if (c->failed_over && c->pool_started[1])
                return "the Back End update started after a failback";
            c->be_started = true;
            c->be_retry = false;
        } else if (!strcmp(r->result, "ok") || !strcmp(r->state, "done") ||
                   !strcmp(r->state, "open")) {
            c->be_settled = true;
        }
        return NULL;
    }
    if (!strcmp(ev, "override") && !strcmp(r->result, "backend")) {
        if (!strcmp(r->action, "retry"))
            c->be_retry = true;
        return NULL;
    }
    if (!strcmp(ev, "complete") && d->cfg.backend[0] && !c->be_settled)
        return "the run completed without the Back End update's outcome";
    if (!strcmp(ev, "readiness")) {
        c->ready_seen = !strcmp(r->state, "Ready");
        snprintf(c->ready_detail, sizeof c->ready_detail, "%s;", r->detail);
    } else if ((!strcmp(ev, "failover") || !strcmp(ev, "failback")) && !r->result[0]) {
        int k = !strcmp(ev, "failback");
        if (k && !c->failback_ok)
            return "a failback started without a Ready answer since the last domain ended";
        if (c->pool_started[k] && !c->pool_retry)
            return "a pool-level command ran again without an operator's override retry";
        if (c->pool_unsure >= 0)
            return "a pool-level command ran again before the pool's state was read";
        c->pool_started[k] = true;
        c->pool_retry = false;
        c->pool_last = k;
    } else if ((!strcmp(ev, "failover") || !strcmp(ev, "failback")) && strcmp(r->result, "ok")) {
        c->pool_unsure = !strcmp(ev, "failback");
    } else if (!strcmp(ev, "probe") && !strcmp(r->state, "pool")) {
        c->pool_unsure = -1;
    } else if (!strcmp(ev, "failover") && !strcmp(r->result, "ok")) {
        c->failed_over = true;
    } else if (!strcmp(ev, "failback") && !strcmp(r->result, "ok")) {
        c->failed_over = false;
    } else if (!strcmp(ev, "override") && !strcmp(r->state, "pool") &&
               !strcmp(r->action, "retry")) {
        c->pool_retry = true;
    } else if (!strcmp(ev, "override") && !strcmp(r->state, "pool") && !strcmp(r->action, "done")) {
        /* the operator says the failover (or failback) took effect */
        c->failed_over = c->pool_last == 0;
    } else if (!strcmp(ev, "override") && !strcmp(r->action, "proceed")) {
        /* the journal names the one rule it passes */
        if (!strcmp(r->result, "proceed-gate")) {
            c->proceed = true;
            c->settle_due = false;   /* a pool problem, or the last domain's answer */
        } else if (!strcmp(r->result, "proceed-domain")) {
            c->proceed = true;       /* that domain's ReadyForUpgrade only: the wait stands */
        } else if (!strcmp(r->result, "skip-settle")) {
            c->settle_due = false;   /* the wait only: the gate still decides */
        } else if (!strcmp(r->result, "accept-unready")) {
            c->failback_ok = true;
        } else if (!strcmp(r->result, "accept-topology")) {
            c->topo_ok = true;       /* the operator's word on an unknown order */
        } else if (strcmp(r->result, "accept-fabric") && strcmp(r->result, "skip-failback")) {
            return "an override proceed that does not name the rule it passes";
        }
    } else if (!strcmp(ev, "topology")) {
        c->topo_ok = !strcmp(r->state, "match");
    } else if (!strcmp(ev, "domain-start")) {
        if (c->open_domain[0])
            return "two domains in flight";
        if (d->cfg.commands[PP_CMD_TOPOLOGY] && d->cfg.commands[PP_CMD_TOPOLOGY][0] &&
            !c->topo_ok)
            return "a domain started before the pool's topology order matched [servers] or "
                   "was accepted";
        if (c->settle_due)
            return "a domain started before the settle wait after the last one had completed";
        snprintf(c->open_domain, sizeof c->open_domain, "%s", r->domain);
        char pat[PP_DOMAIN_NAME_MAX + 16];
        snprintf(pat, sizeof pat, " %s ready;", r->domain);
        bool gate = c->ready_seen && strstr(c->ready_detail, pat);
        if (!gate && !c->failed_over && !c->proceed)
            return "a domain started without Ready + ReadyForUpgrade";
    } else if (!strcmp(ev, "domain-done")) {
        /* a domain marked done by hand while not running moves no gate */
        if (!strcmp(r->domain, c->open_domain)) {
            c->settle_due = true;
            c->failback_ok = false;
            c->open_domain[0] = 0;
            c->ready_seen = false;
            c->proceed = false;
        }
    } else if (!strcmp(ev, "step-start") || !strcmp(ev, "step-end")) {
        int s = model_find_server(&d->m, r->server);
        int st = pp_step_parse(r->step);
        if (s < 0 || st < 0 || s >= c->nservers)
            return "a step record without server or step";
        if (!strcmp(ev, "step-start") && c->ok_done[s][st])
            return "a step that ended ok ran again";
        if (!strcmp(ev, "step-start") && strcmp(r->domain, c->open_domain) != 0)
            return "a step started outside the domain in flight";
        if (!strcmp(ev, "step-end") && !strcmp(r->result, "ok"))
            c->ok_done[s][st] = true;
    }
    return NULL;
}

const char *inv_check(struct inv *c, const struct drv *d)
{
    for (; c->checked < d->nrec; c->checked++) {
        const char *why = check_record(c, d, &d->recs[c->checked]);
        if (why) {
            c->bad_record = c->checked++;
            return why;
        }
    }
    c->bad_record = -1;
    const struct pp_model *m = &d->m;
    int active = 0;
    for (int k = 0; k < m->ndomains; k++)
        active += m->domains[k].state == PP_DOM_ACTIVE;
    if (active > 1)
        return "two domains active in the model";
    for (int i = 0; i < m->nservers; i++)
        if (m->servers[i].state == PP_SRV_RUNNING &&
            (m->active_domain < 0 || m->servers[i].domain != m->active_domain))
            return "a server runs a step outside the domain in flight";
    /* one server at a time: never two servers down that no override has
     * settled (issue 11 item 7) */
    if (m->procedure == PP_PROC_SERVER) {
        int down = 0;
        for (int i = 0; i < m->nservers; i++)
            down += m->servers[i].down && !model_server_settled(&m->servers[i]);
        if (down > 1)
            return "two servers down at once in a one-server-at-a-time pool";
    }
    /* quorum in every state (failed over too), under the configured rule */
    if (d->cfg.quorum != PP_QUORUM_NONE && m->nservers > 0) {
        int up = 0, need = 0;
        if (!quorum_ok_without(m, d->cfg.quorum, -1, &up, &need) && need > 0)
            return "quorum broken";
    }
    return NULL;
}
