/* Operator decisions: confirmations, declines, rechecks, the choice of the
 * next domain, quitting, and overrides.  Every decision that changes what
 * runs is journaled with its operator before it takes effect; an override
 * needs its target named and a reason, and --yes never grants one. */
#include "backend/engine/engine_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "backend/core/i18n.h"

static const char *const ask_subject[] = {
    [PP_ASK_NONE] = "",          [PP_ASK_START_DOMAIN] = "domain", [PP_ASK_START_SERVER] = "server",
    [PP_ASK_START_STEP] = "step", [PP_ASK_FAILOVER] = "failover",  [PP_ASK_FAILBACK] = "failback",
    [PP_ASK_RERUN] = "rerun",     [PP_ASK_FORCE_DRAIN] = "",       [PP_ASK_OPERATOR] = "",
    [PP_ASK_BACKEND] = "backend"};

static const char *who(const struct pp_engine *e, const struct pp_event *ev)
{
    return ev->operator_ && *ev->operator_ ? ev->operator_ : e->operator_;
}

static struct pp_jrec *decision(struct pp_engine *e, const struct pp_event *ev, enum pp_jev event)
{
    struct pp_jrec *r = eng_journal(e, event);
    eng_copy(r->operator_, sizeof r->operator_, who(e, ev));
    const struct pp_model *m = e->m;
    eng_copy(r->state, sizeof r->state, ask_subject[m->ask]);
    if (m->ask_domain >= 0)
        eng_copy(r->domain, sizeof r->domain, m->domains[m->ask_domain].name);
    if (m->ask_server >= 0) {
        eng_copy(r->server, sizeof r->server, m->servers[m->ask_server].name);
        if (m->servers[m->ask_server].domain >= 0)
            eng_copy(r->domain, sizeof r->domain,
                     m->domains[m->servers[m->ask_server].domain].name);
    }
    if (m->ask_step != PP_STEP_NONE)
        eng_copy(r->step, sizeof r->step, pp_step_name(m->ask_step));
    if (ev->automatic)
        eng_copy(r->reason, sizeof r->reason, "auto (--yes)");
    else if (ev->reason)
        eng_copy(r->reason, sizeof r->reason, ev->reason);
    return r;
}

/* An answer names the question it answers.  When that question has been
 * replaced since the operator (or --yes) saw it, the answer is refused and
 * the question now current is put again: a "yes" to "start UpgradeDomain1,
 * quorum applies" must never start anything under another question. */
static bool stale_answer(struct pp_engine *e, const struct pp_event *ev)
{
    struct pp_model *m = e->m;
    if (!ev->ask_id || ev->ask_id == m->ask_id || m->ask == PP_ASK_NONE)
        return false;
    eng_note(e, "%s", _("that answer was for a question that has since been replaced: read the "
                        "question now put, then answer it"));
    struct pp_jrec *r = eng_journal(e, PP_JEV_REFUSED);
    eng_copy(r->operator_, sizeof r->operator_, who(e, ev));
    eng_copy(r->action, sizeof r->action, ev->op == PP_OP_CONFIRM ? "confirm" : "decline");
    snprintf(r->reason, sizeof r->reason, "answer to question %u; the question now is %u",
             ev->ask_id, m->ask_id);
    /* put the current question again, with a new id the screen shows */
    char text[PP_REASON_MAX];
    eng_copy(text, sizeof text, m->ask_text);
    bool q = m->ask_quorum;
    eng_ask(e, m->ask, m->ask_server, m->ask_domain, m->ask_step, "%s", text);
    m->ask_quorum = q;
    return true;
}

static void on_confirm(struct pp_engine *e, const struct pp_event *ev)
{
    struct pp_model *m = e->m;
    enum pp_ask_kind k = m->ask;
    if (k == PP_ASK_NONE) {
        eng_note(e, "%s", _("nothing to confirm"));
        return;
    }
    if (stale_answer(e, ev))
        return;
    if (!model_ask_confirmable(k)) {
        eng_note(e, _("this needs an override, not a confirmation: %s"), m->ask_text);
        return;
    }
    decision(e, ev, PP_JEV_CONFIRM);
    int s = m->ask_server, d = m->ask_domain;
    eng_clear_ask(e);
    switch (k) {
    case PP_ASK_START_DOMAIN:
        dom_start(e, d);
        break;
    case PP_ASK_START_SERVER:
        e->srv[s].server_confirmed = true;
        dom_advance(e);
        break;
    case PP_ASK_START_STEP:
        e->srv[s].step_confirmed = true;
        e->srv[s].server_confirmed = true;
        dom_advance(e);
        break;
    case PP_ASK_FAILOVER:
        gate_start_failover(e);
        break;
    case PP_ASK_FAILBACK:
        gate_start_failback(e);
        break;
    case PP_ASK_BACKEND:
        backend_start(e);
        break;
    case PP_ASK_RERUN:
        m->servers[s].state = PP_SRV_QUEUED;
        m->servers[s].probed = false;
        dom_start_step(e, s);
        dom_advance(e);
        break;
    default:
        break;
    }
}

static void on_decline(struct pp_engine *e, const struct pp_event *ev)
{
    struct pp_model *m = e->m;
    enum pp_ask_kind k = m->ask;
    if (!model_ask_confirmable(k)) {
        eng_note(e, "%s", _("nothing to decline"));
        return;
    }
    if (stale_answer(e, ev))
        return;
    decision(e, ev, PP_JEV_DECLINE);
    int s = m->ask_server, d = m->ask_domain;
    eng_clear_ask(e);
    switch (k) {
    case PP_ASK_START_DOMAIN:
        eng_ask(e, PP_ASK_OPERATOR, -1, d, PP_STEP_NONE,
                _("Start of %s declined. Choose another domain, recheck, or quit."),
                m->domains[d].name);
        break;
    case PP_ASK_START_SERVER:
    case PP_ASK_START_STEP:
        eng_ask(e, PP_ASK_OPERATOR, s, d, m->servers[s].step,
                _("%s is held by the operator. Override retry starts it; skip leaves it out."),
                m->servers[s].name);
        break;
    case PP_ASK_FAILOVER:
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                _("Failover declined: the pool has a problem (%s) and is not upgraded. A recheck "
                  "starts a new series of checks; quit stops the run."),
                m->problem);
        break;
    case PP_ASK_FAILBACK:
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                _("Failback declined: the pool stays failed over to %s. Override retry on %s "
                  "runs the failback; override proceed on it ends the run without failing back."),
                e->cfg->backup_pool, m->fqdn);
        break;
    case PP_ASK_BACKEND:
        backend_declined(e);
        break;
    case PP_ASK_RERUN:
        eng_ask(e, PP_ASK_OPERATOR, s, d, m->servers[s].step,
                _("%s: its %s is not run again. Override retry, done or skip."), m->servers[s].name,
                pp_step_name(m->servers[s].step));
        break;
    default:
        break;
    }
}

static void on_recheck(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (e->check_running) {
        eng_note(e, "%s", _("a readiness check is already running"));
        return;
    }
    topo_recheck(e);   /* an unknown topology order is read again before the next offer */
    if (e->pool_unsure != PP_CMD_COUNT || e->pool_probe_running) {
        /* a failover / failback with an unknown outcome: read its state again */
        if (e->pool_probe_running)
            eng_note(e, "%s", _("the pool's state is being read: wait for it"));
        else
            pool_probe(e);
        return;
    }
    switch (m->phase) {
    case PP_PH_PROBLEM:
        if (e->pool_cmd_running)
            break;
        m->busy_strikes = 0;   /* a new series of checks */
        e->last_strike = -1;
        m->problem[0] = 0;
        /* fall through */
    case PP_PH_START:
    case PP_PH_CHECKING:
    case PP_PH_BUSY_WAIT:
    case PP_PH_CHOOSE:
        e->unknown_streak = 0;
        eng_clear_ask(e);
        m->phase = PP_PH_CHECKING;
        gate_begin_check(e);
        return;
    case PP_PH_SETTLE:
        e->unknown_streak = 0;
        if (m->ask == PP_ASK_OPERATOR)
            eng_clear_ask(e);
        m->settle_until = PP_MS_NEVER;
        e->fabric_before_done = false;
        gate_begin_check(e);
        return;
    case PP_PH_DOMAIN:
        /* shows the pool's state; changes nothing while a domain runs */
        gate_begin_check(e);
        return;
    default:
        break;
    }
    eng_note(e, _("no readiness check now (%s)"), model_phase_name(m->phase));
}

static void on_choose(struct pp_engine *e, const struct pp_event *ev)
{
    struct pp_model *m = e->m;
    int d = ev->target ? model_find_domain(m, ev->target) : -1;
    if (d < 0) {
        eng_note(e, _("no upgrade domain named \"%s\""), ev->target ? ev->target : "");
        return;
    }
    if (m->domains[d].state == PP_DOM_DONE || m->domains[d].state == PP_DOM_DONE_EXCEPTIONS ||
        d == m->active_domain) {
        eng_note(e, _("%s is %s"), m->domains[d].name, model_dom_state_name(m->domains[d].state));
        return;
    }
    m->chosen_domain = d;
    struct pp_jrec *r = eng_journal(e, PP_JEV_CHOOSE);
    eng_copy(r->operator_, sizeof r->operator_, who(e, ev));
    eng_copy(r->domain, sizeof r->domain, m->domains[d].name);
    if (m->phase == PP_PH_CHOOSE && topo_settled(e) &&
        (m->ask == PP_ASK_START_DOMAIN || m->ask == PP_ASK_OPERATOR || m->ask == PP_ASK_NONE)) {
        eng_clear_ask(e);
        gate_offer_domain(e);
        if (m->ask != PP_ASK_START_DOMAIN || m->ask_domain != d)
            eng_note(e, _("%s cannot start now: %s"), m->domains[d].name,
                     m->domains[d].ready_flag == 1 ? _("quorum") : _("it is not ReadyForUpgrade"));
    } else {
        eng_note(e, _("%s goes next once the gate opens"), m->domains[d].name);
    }
}

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

/* Checks that the override makes sense for its target now; says why not. */
static bool override_valid(struct pp_engine *e, enum pp_override ov, int s, int d, bool pool,
                           char *why, size_t n)
{
    struct pp_model *m = e->m;
    const struct pp_server *sv = s >= 0 ? &m->servers[s] : NULL;
    /* While a failover or failback runs, nothing that resumes work is
     * accepted, whatever its target: the pool command ends first. */
    if ((e->pool_cmd_running || e->pool_probe_running) && ov != PP_OV_SKIP && ov != PP_OV_DONE)
        return snprintf(why, n, "%s", _("a pool-level command (failover / failback) runs: wait "
                                        "for its end")), false;
    switch (ov) {
    case PP_OV_FORCE:
        if (!sv || sv->step != PP_STEP_DRAIN || sv->forced_drain ||
            !(sv->state == PP_SRV_FAILED || (sv->state == PP_SRV_RUNNING && e->srv[s].running)))
            return snprintf(why, n, "%s", _("force applies to a server whose graceful drain "
                                            "runs or overran")), false;
        if (m->mode == PP_MODE_DOWNTIME)
            return snprintf(why, n, "%s", _("downtime mode already stops at once")), false;
        return true;
    case PP_OV_RETRY:
        if (pool && e->pool_unsure != PP_CMD_COUNT)
            return pool_override_valid(e, ov, why, n);
        if (pool)
            return (m->phase == PP_PH_PROBLEM && m->ask == PP_ASK_OPERATOR && !m->failed_over &&
                    e->cfg->backup_pool[0]) ||
                           (m->phase == PP_PH_FAILBACK_ASK && m->failed_over)
                       ? true
                       : (snprintf(why, n, "%s", _("nothing to retry on the pool")), false);
        if (!sv || e->srv[s].running ||
            !(sv->state == PP_SRV_FAILED || sv->state == PP_SRV_LOST ||
              (sv->state == PP_SRV_QUEUED && sv->domain == m->active_domain)))
            return snprintf(why, n, "%s",
                            _("retry applies to a failed, lost or held server")), false;
        if (m->active_domain < 0 || sv->domain != m->active_domain)
            return snprintf(why, n, _("%s is not in the upgrade domain in flight"), sv->name),
                   false;
        if (sv->state == PP_SRV_QUEUED && e->srv[s].server_confirmed &&
            !(m->ask_server == s && m->ask != PP_ASK_NONE))
            /* nothing holds it: the override would change nothing */
            return snprintf(why, n, _("%s is not held: nothing to retry"), sv->name), false;
        return true;
    case PP_OV_SKIP:
    case PP_OV_DONE:
        if (pool)
            return pool_override_valid(e, ov, why, n);
        if (sv) {
            if (e->srv[s].running)
                return snprintf(why, n, _("%s is running a command; wait for it or force it"),
                                sv->name), false;
            if (model_server_settled(sv))
                return snprintf(why, n, _("%s is already %s"), sv->name,
                                model_srv_state_name(sv->state)), false;
            return true;
        }
        if (d >= 0 && ov == PP_OV_DONE) {
            if (m->domains[d].state == PP_DOM_DONE || m->domains[d].state == PP_DOM_DONE_EXCEPTIONS)
                return snprintf(why, n, _("%s is already done"), m->domains[d].name), false;
            for (int i = 0; i < m->domains[d].nmembers; i++)
                if (e->srv[m->domains[d].members[i]].running)
                    return snprintf(why, n, _("a server of %s is running a command"),
                                    m->domains[d].name), false;
            return true;
        }
        return snprintf(why, n,
                        ov == PP_OV_DONE ? _("%s applies to a server or a domain")
                                         : _("%s applies to a server"),
                        engine_override_name(ov)), false;
    case PP_OV_PROCEED:
        if (pool) {
            if (m->phase == PP_PH_FAILBACK_ASK && m->active_domain < 0)
                return true;
            if (m->active_domain >= 0 || m->phase == PP_PH_DOMAIN || m->phase == PP_PH_FAILOVER ||
                m->phase == PP_PH_FAILBACK || m->phase == PP_PH_BACKEND || e->pool_cmd_running)
                return snprintf(why, n, "%s", _("no gate holds the pool now")), false;
            /* a failed fabric check, or the answer before a failback: the
             * override passes that one rule (proceed_rule) */
            if (m->phase == PP_PH_SETTLE && !e->check_running && !e->fabric_running &&
                (e->fabric_failed || e->failback_held))
                return true;
            if (gate_skip_settle_applies(e) && (e->check_running || e->fabric_running))
                return snprintf(why, n, "%s",
                                _("a readiness or fabric check is running: wait for its answer")),
                       false;
            /* the gate is open already, or does not apply: nothing to pass */
            if (m->ask == PP_ASK_START_DOMAIN || m->failed_over || e->proceed_gate)
                return snprintf(why, n, "%s", _("no gate holds the pool now")), false;
            return true;
        }
        if (d >= 0) {
            if (m->active_domain >= 0 || m->domains[d].state == PP_DOM_DONE ||
                m->domains[d].state == PP_DOM_DONE_EXCEPTIONS)
                return snprintf(why, n, _("%s cannot be started now"), m->domains[d].name), false;
            if ((m->ask == PP_ASK_START_DOMAIN && m->ask_domain == d) || e->proceed_domain == d)
                return snprintf(why, n, _("%s is offered already"), m->domains[d].name), false;
            /* proceed on a domain passes its ReadyForUpgrade only: the
             * settle wait and the fabric checks after the last domain are
             * other rules (issue 11 item 5), and the next readiness answer
             * would overtake it anyway */
            if (e->settle_pending)
                return snprintf(why, n,
                                _("the settle wait and the fabric checks after the last domain come "
                                  "first; proceed on %s passes only its ReadyForUpgrade: give it "
                                  "once they are done"),
                                m->domains[d].name),
                       false;
            return true;
        }
        return snprintf(why, n, "%s", _("proceed applies to the pool or a domain")), false;
    default:
        return snprintf(why, n, "%s", _("unknown override")), false;
    }
}

/* The one rule an override proceed passes, as the journal names it. */
static const char *proceed_rule(const struct pp_engine *e, bool pool)
{
    const struct pp_model *m = e->m;
    if (!pool)
        return "proceed-domain";
    if (m->phase == PP_PH_FAILBACK_ASK)
        return "skip-failback";
    if (m->phase == PP_PH_SETTLE && e->fabric_failed)
        return "accept-fabric";
    if (m->phase == PP_PH_SETTLE && e->failback_held)
        return "accept-unready";
    if (gate_skip_settle_applies(e))
        return "skip-settle";
    return "proceed-gate";
}

static void apply_override(struct pp_engine *e, const struct pp_event *ev, int s, int d, bool pool)
{
    struct pp_model *m = e->m;
    struct pp_server *sv = s >= 0 ? &m->servers[s] : NULL;
    bool about_s = sv && m->ask_server == s;
    switch (ev->ov) {
    case PP_OV_FORCE:
        if (!sv)
            break;   /* override_valid() allows force on a server only */
        if (about_s)
            eng_clear_ask(e);
        if (e->srv[s].running) {
            /* cancel the graceful drain; its CANCELLED end starts drain_now */
            e->srv[s].force_pending = true;
            eng_note(e, _("%s: cancelling the graceful drain, then stopping at once"), sv->name);
            eng_cancel(e, s);
        } else {
            sv->forced_drain = true;
            sv->state = PP_SRV_QUEUED;
            dom_start_step(e, s);
        }
        break;
    case PP_OV_RETRY:
        if (pool && e->pool_unsure != PP_CMD_COUNT) {
            pool_override(e, ev->ov);
            break;
        }
        if (pool) {
            eng_clear_ask(e);
            e->pool_rerun_ok = true;   /* the operator's override: the gate lets it run */
            if (m->phase == PP_PH_FAILBACK_ASK)
                gate_start_failback(e);
            else
                gate_start_failover(e);
            break;
        }
        if (!sv)
            break;   /* retry names the pool or a server (override_valid) */
        if (about_s)
            eng_clear_ask(e);
        e->srv[s].server_confirmed = true;
        if (sv->state == PP_SRV_QUEUED) {
            dom_advance(e);
            break;
        }
        sv->lost_count = 0;
        sv->probed = false;
        sv->state = PP_SRV_QUEUED;
        sv->reason[0] = 0;
        dom_start_step(e, s);
        dom_advance(e);
        break;
    case PP_OV_SKIP:
    case PP_OV_DONE:
        if (pool) {
            pool_override(e, ev->ov);
            break;
        }
        if (sv) {
            if (about_s)
                eng_clear_ask(e);
            sv->state = ev->ov == PP_OV_SKIP ? PP_SRV_SKIPPED : PP_SRV_MARKED_DONE;
            if (ev->ov == PP_OV_DONE)
                sv->down = false;   /* the operator says it is done and serving */
            sv->finished = e->now;
            eng_copy(sv->reason, sizeof sv->reason, ev->reason);
            eng_copy(sv->by, sizeof sv->by, who(e, ev));
            if (sv->domain == m->active_domain)
                dom_advance(e);
            break;
        }
        /* a whole domain marked done by hand */
        for (int i = 0; i < m->domains[d].nmembers; i++) {
            struct pp_server *x = &m->servers[m->domains[d].members[i]];
            if (model_server_settled(x))
                continue;
            x->state = PP_SRV_MARKED_DONE;
            x->down = false;
            x->finished = e->now;
            eng_copy(x->reason, sizeof x->reason, ev->reason);
            eng_copy(x->by, sizeof x->by, who(e, ev));
        }
        m->domains[d].manual = true;
        eng_copy(m->domains[d].reason, sizeof m->domains[d].reason, ev->reason);
        if (m->ask_domain == d || m->ask == PP_ASK_START_DOMAIN)
            eng_clear_ask(e);
        if (d == m->active_domain) {
            dom_advance(e);
        } else {
            dom_finish(e, d);
        }
        break;
    case PP_OV_PROCEED:
        eng_clear_ask(e);
        if (pool && m->phase == PP_PH_FAILBACK_ASK) {
            gate_complete(e, GATE_END_NO_FAILBACK);
            break;
        }
        if (pool && m->phase == PP_PH_SETTLE && e->fabric_failed) {
            gate_accept_fabric(e);   /* that check only: the wait and the gate hold */
            break;
        }
        if (pool && m->phase == PP_PH_SETTLE && e->failback_held) {
            e->failback_held = false;
            e->failback_checked = true;   /* the operator's word for this answer */
            gate_all_done(e);
            break;
        }
        if (pool && gate_skip_settle_applies(e)) {
            gate_skip_settle(e);   /* the wait only: the fabric check and the gate hold */
            break;
        }
        if (pool) {
            e->proceed_gate = true;
            m->problem[0] = 0;
        } else {
            e->proceed_domain = d;
            m->chosen_domain = d;
        }
        m->next_check = PP_MS_NEVER;
        m->settle_until = PP_MS_NEVER;
        gate_offer_domain(e);
        break;
    default:
        break;
    }
}

static void on_override(struct pp_engine *e, const struct pp_event *ev)
{
    struct pp_model *m = e->m;
    if (ev->automatic) {
        eng_note(e, "%s", _("--yes never grants an override"));
        return;
    }
    if (!ev->target || !*ev->target) {
        eng_note(e, "%s", _("an override needs its target's name typed back"));
        return;
    }
    if (blank(ev->reason)) {
        eng_note(e, "%s", _("an override needs a reason"));
        return;
    }
    if (ev->ov < 0 || ev->ov >= PP_OV_COUNT) {
        eng_note(e, "%s", _("unknown override"));
        return;
    }
    int s = model_find_server(m, ev->target);
    int d = s < 0 ? model_find_domain(m, ev->target) : -1;
    bool pool = s < 0 && d < 0 && strcasecmp(ev->target, m->fqdn) == 0;
    if (s < 0 && d < 0 && !pool) {
        eng_note(e, _("\"%s\" is not a server, a domain or the pool"), ev->target);
        return;
    }
    char why[PP_REASON_MAX];
    if (pool && topo_awaits_operator(e)) {
        /* the topology order could not be read: proceed on the pool is the
         * operator's word that [servers] is in topology order
         * (engine_topology.c); nothing else answers it */
        if (ev->ov != PP_OV_PROCEED) {
            eng_note(e, _("override %s %s refused: %s"), engine_override_name(ev->ov), ev->target,
                     _("the topology order is unknown: override proceed on the pool accepts "
                       "[servers] as the pool's order"));
            return;
        }
        struct pp_jrec *r = eng_journal(e, PP_JEV_OVERRIDE);
        eng_copy(r->operator_, sizeof r->operator_, who(e, ev));
        eng_copy(r->action, sizeof r->action, engine_override_name(ev->ov));
        eng_copy(r->reason, sizeof r->reason, ev->reason);
        eng_copy(r->result, sizeof r->result, "accept-topology");
        eng_copy(r->state, sizeof r->state, "pool");
        eng_copy(r->detail, sizeof r->detail, m->fqdn);
        topo_accept(e);
        return;
    }
    if (pool && backend_awaits_override(e)) {
        /* the Back End's update waits for the operator's word: retry, done
         * or skip on the pool answer it (engine_backend.c) */
        if (!backend_override_valid(e, ev->ov, why, sizeof why)) {
            eng_note(e, _("override %s %s refused: %s"), engine_override_name(ev->ov), ev->target,
                     why);
            return;
        }
        struct pp_jrec *r = eng_journal(e, PP_JEV_OVERRIDE);
        eng_copy(r->operator_, sizeof r->operator_, who(e, ev));
        eng_copy(r->action, sizeof r->action, engine_override_name(ev->ov));
        eng_copy(r->reason, sizeof r->reason, ev->reason);
        eng_copy(r->result, sizeof r->result, "backend");
        eng_copy(r->state, sizeof r->state, "pool");
        eng_copy(r->detail, sizeof r->detail, m->fqdn);
        backend_override(e, ev->ov, who(e, ev), ev->reason);
        return;
    }
    if (!override_valid(e, ev->ov, s, d, pool, why, sizeof why)) {
        eng_note(e, _("override %s %s refused: %s"), engine_override_name(ev->ov), ev->target, why);
        return;
    }
    struct pp_jrec *r = eng_journal(e, PP_JEV_OVERRIDE);
    eng_copy(r->operator_, sizeof r->operator_, who(e, ev));
    eng_copy(r->action, sizeof r->action, engine_override_name(ev->ov));
    eng_copy(r->reason, sizeof r->reason, ev->reason);
    if (ev->ov == PP_OV_PROCEED)   /* the one rule it passes, said in the journal */
        eng_copy(r->result, sizeof r->result, proceed_rule(e, pool));
    if (s >= 0) {
        eng_copy(r->server, sizeof r->server, m->servers[s].name);
        if (m->servers[s].domain >= 0)
            eng_copy(r->domain, sizeof r->domain, m->domains[m->servers[s].domain].name);
        eng_copy(r->step, sizeof r->step, pp_step_name(m->servers[s].step));
    } else if (d >= 0) {
        eng_copy(r->domain, sizeof r->domain, m->domains[d].name);
    } else {
        eng_copy(r->state, sizeof r->state, "pool");
        eng_copy(r->detail, sizeof r->detail, m->fqdn);
    }
    apply_override(e, ev, s, d, pool);
}

void op_handle(struct pp_engine *e, const struct pp_event *ev)
{
    if (e->quit && ev->op != PP_OP_QUIT && ev->op != PP_OP_OVERRIDE) {
        eng_note(e, "%s", _("stopping: waiting for running commands to end"));
        return;
    }
    switch (ev->op) {
    case PP_OP_CONFIRM:
        on_confirm(e, ev);
        break;
    case PP_OP_DECLINE:
        on_decline(e, ev);
        break;
    case PP_OP_RECHECK:
        on_recheck(e);
        break;
    case PP_OP_CHOOSE:
        on_choose(e, ev);
        break;
    case PP_OP_OVERRIDE:
        on_override(e, ev);
        break;
    case PP_OP_QUIT:
        if (!e->quit) {
            e->quit = true;
            eng_copy(e->quit_reason, sizeof e->quit_reason,
                     ev->reason && *ev->reason ? ev->reason : N_("operator quit"));
            eng_clear_ask(e);
            e->m->next_check = PP_MS_NEVER;
            int n = eng_running_count(e);
            if (n)
                eng_note(e, _("quitting: %d running command(s) finish first and are journaled"), n);
        }
        break;
    }
}
