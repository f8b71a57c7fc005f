/* The one safety gate.  poolpilot's absolute rules (never two upgrade
 * domains down at once, never below the pool's quorum, never past the
 * readiness gate without Ready / a failover that succeeded / a reasoned
 * override, never a finished step run again) used to be checked by each
 * code path that started something, each with its own flags; a path that
 * forgot one (an override, a --yes confirmation, a failover's end) broke
 * them.  Now dom_start() and dom_start_step() ask here first, and this
 * file looks only at the engine's state, which the journal rebuilds on
 * resume.  A refusal is journaled ("refused") and put to the operator, so
 * whoever asked learns why, and a later reader of the journal does too. */
#include "backend/engine/engine_internal.h"

#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"

/* A step that takes a server's services down (or checks them back up). */
static bool is_step_kind(enum pp_cmd_kind k)
{
    return k == PP_CMD_DRAIN || k == PP_CMD_DRAIN_NOW || k == PP_CMD_UPGRADE ||
           k == PP_CMD_RESTART || k == PP_CMD_VERIFY;
}

bool safety_quorum(const struct pp_engine *e, int d, int *up, int *need)
{
    const struct pp_model *m = e->m;
    int mu = 0, nd = 0;
    bool ok = quorum_ok_without(m, e->cfg->quorum, d, &mu, &nd);
    int worst = mu;
    /* The pool's own count, from an answer read while it served its users
     * (after a failover the last count describes the pool before it):
     * the domain's members the model counts up are about to go down. */
    if (e->cfg->quorum != PP_QUORUM_NONE && !m->failed_over && m->active_fe >= 0 && d >= 0 &&
        d < m->ndomains) {
        int going = 0;
        for (int i = 0; i < m->domains[d].nmembers; i++)
            going += model_server_up(&m->servers[m->domains[d].members[i]]);
        int pool_up = m->active_fe - going;
        if (pool_up < worst)
            worst = pool_up;
    }
    if (up)
        *up = worst;
    if (need)
        *need = nd;
    return ok && worst >= nd;
}

static void refuse(struct pp_engine *e, enum safe_act what, int d, int s, const char *why)
{
    struct pp_model *m = e->m;
    struct pp_jrec *r = eng_journal(e, PP_JEV_REFUSED);
    eng_copy(r->action, sizeof r->action, what == SAFE_DOMAIN_START ? "domain-start" : "step-start");
    if (d >= 0 && d < m->ndomains)
        eng_copy(r->domain, sizeof r->domain, m->domains[d].name);
    if (s >= 0) {
        eng_copy(r->server, sizeof r->server, m->servers[s].name);
        eng_copy(r->step, sizeof r->step, pp_step_name(m->servers[s].step));
    }
    eng_copy(r->reason, sizeof r->reason, why);
    if (what == SAFE_STEP_START && s >= 0 && m->servers[s].domain == m->active_domain &&
        m->active_domain >= 0 && !model_server_settled(&m->servers[s]) && !e->srv[s].running) {
        /* only an operator can go on from here: hold the server as failed
         * (override retry passes this gate again; done / skip leave it) */
        m->servers[s].state = PP_SRV_FAILED;
        eng_copy(m->servers[s].reason, sizeof m->servers[s].reason, why);
    }
    if (m->ask == PP_ASK_NONE)
        eng_ask(e, PP_ASK_OPERATOR, s, d, s >= 0 ? m->servers[s].step : PP_STEP_NONE,
                _("Refused by the safety gate: %s. Nothing was started."), why);
    else
        eng_note(e, _("refused by the safety gate: %s"), why);
}

static bool domain_why(const struct pp_engine *e, int d, char *why, size_t n)
{
    const struct pp_model *m = e->m;
    if (d < 0 || d >= m->ndomains)
        return snprintf(why, n, "no such upgrade domain"), false;
    const struct pp_domain *dom = &m->domains[d];
    if (m->active_domain >= 0)
        return snprintf(why, n, "%s is in flight: one upgrade domain at a time",
                        m->domains[m->active_domain].name), false;
    if (dom->state == PP_DOM_DONE || dom->state == PP_DOM_DONE_EXCEPTIONS)
        return snprintf(why, n, "%s is already done", dom->name), false;
    if (e->pool_cmd_running || e->pool_cmd_inflight != PP_CMD_COUNT)
        return snprintf(why, n, "a pool-level command (failover / failback) runs"), false;
    if (e->pool_unsure != PP_CMD_COUNT || e->pool_probe_running)
        return snprintf(why, n, "the outcome of the last %s is unknown: the pool's state is read "
                                "and an operator decides first", pp_cmd_kind_name(e->pool_unsure)),
               false;
    /* the quorum below counts the first servers in [servers] order */
    if (!topo_settled(e))
        return snprintf(why, n, "the pool's topology order has not been matched to [servers] "
                                "(the quorum counts the first servers in that order)"), false;
    for (int i = 0; i < m->nservers; i++) {
        const struct pp_server *sv = &m->servers[i];
        if (sv->domain == d)
            continue;
        if (sv->state == PP_SRV_RUNNING || (e->srv[i].running && is_step_kind(e->srv[i].kind)))
            return snprintf(why, n, "%s of another domain is still in a step", sv->name), false;
    }
    bool gate = m->failed_over || e->proceed_gate || e->proceed_domain == d ||
                (m->readiness == PP_READY_READY && dom->ready_flag == 1);
    if (!gate)
        return snprintf(why, n, "the readiness gate has not passed for %s (last answer %s)",
                        dom->name, pp_ready_name(m->readiness)), false;
    int up = 0, need = 0;
    if (!safety_quorum(e, d, &up, &need))
        return snprintf(why, n, "with %s down %d Front End(s) stay up and quorum needs %d",
                        dom->name, up, need), false;
    return true;
}

static bool step_why(const struct pp_engine *e, int s, char *why, size_t n)
{
    const struct pp_model *m = e->m;
    if (s < 0 || s >= m->nservers)
        return snprintf(why, n, "no such server"), false;
    const struct pp_server *sv = &m->servers[s];
    int d = m->active_domain;
    if (d < 0 || sv->domain != d)
        return snprintf(why, n, "%s is not in the upgrade domain in flight", sv->name), false;
    if (e->pool_cmd_running || e->pool_cmd_inflight != PP_CMD_COUNT)
        return snprintf(why, n, "a pool-level command (failover / failback) runs"), false;
    if (e->pool_unsure != PP_CMD_COUNT || e->pool_probe_running)
        return snprintf(why, n, "the outcome of the last %s is unknown: the pool's state is read "
                                "and an operator decides first", pp_cmd_kind_name(e->pool_unsure)),
               false;
    if (e->srv[s].running)
        return snprintf(why, n, "%s is already running a command", sv->name), false;
    if (model_server_settled(sv))
        return snprintf(why, n, "%s is already %s", sv->name, model_srv_state_name(sv->state)),
               false;
    if (sv->step < 0 || sv->step >= PP_STEP_COUNT || sv->step_done[sv->step])
        return snprintf(why, n, "the %s of %s already ended ok: a finished step never runs again",
                        pp_step_name(sv->step), sv->name), false;
    for (int i = 0; i < m->nservers; i++) {
        const struct pp_server *o = &m->servers[i];
        if (o->domain != d && (o->state == PP_SRV_RUNNING ||
                               (e->srv[i].running && is_step_kind(e->srv[i].kind))))
            return snprintf(why, n, "%s of another domain is still in a step", o->name), false;
    }
    int up = 0, need = 0;
    if (!quorum_ok_without(m, e->cfg->quorum, d, &up, &need))
        return snprintf(why, n, "with %s down %d Front End(s) stay up and quorum needs %d",
                        m->domains[d].name, up, need), false;
    return true;
}

bool safety_allow(struct pp_engine *e, enum safe_act what, int d, int s)
{
    char why[PP_REASON_MAX];
    bool ok = what == SAFE_DOMAIN_START ? domain_why(e, d, why, sizeof why)
                                        : step_why(e, s, why, sizeof why);
    if (!ok)
        refuse(e, what, what == SAFE_STEP_START && s >= 0 ? e->m->servers[s].domain : d, s, why);
    return ok;
}
