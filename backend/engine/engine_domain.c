/* One upgrade domain at a time (FACTS.md step 2): each server drained,
 * upgraded, restarted and verified; servers in parallel up to `parallel`;
 * failed steps wait for an override, lost outcomes are probed and put to
 * the operator; the domain ends only when every server is settled. */
#include "backend/engine/engine_internal.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"

static enum pp_cmd_kind step_kind(const struct pp_engine *e, const struct pp_server *s)
{
    switch (s->step) {
    case PP_STEP_DRAIN:
        return (e->m->mode == PP_MODE_DOWNTIME || s->forced_drain) ? PP_CMD_DRAIN_NOW
                                                                   : PP_CMD_DRAIN;
    case PP_STEP_UPGRADE:
        return PP_CMD_UPGRADE;
    case PP_STEP_RESTART:
        return PP_CMD_RESTART;
    default:
        return PP_CMD_VERIFY;
    }
}

/* A server whose first step has begun holds its parallel slot until it is
 * settled, failed or lost. */
static bool in_pipeline(const struct pp_server *s)
{
    if (s->state == PP_SRV_RUNNING)
        return true;
    if (s->state != PP_SRV_QUEUED)
        return false;
    for (int k = 0; k < PP_STEP_COUNT; k++)
        if (s->step_done[k])
            return true;
    return false;
}

/* One server at a time means one server down at a time: a server whose
 * step failed or was lost after its drain began is still down (failed
 * over, services disabled) and holds the slot until an override settles
 * it.  In the domain procedure the whole domain may be down together, and
 * only the steps in flight count against parallel. */
static bool holds_slot(const struct pp_model *m, const struct pp_server *s)
{
    if (in_pipeline(s))
        return true;
    return m->procedure == PP_PROC_SERVER && s->down &&
           (s->state == PP_SRV_FAILED || s->state == PP_SRV_LOST);
}

/* A Skype for Business pool one server at a time: its drain is
 * Invoke-CsComputerFailOver and its verify begins with the failback. */
static bool fails_over(const struct pp_model *m)
{
    return m->procedure == PP_PROC_SERVER && m->computer_failover;
}

static void fill_ids(struct pp_engine *e, struct pp_jrec *r, int s)
{
    const struct pp_server *sv = &e->m->servers[s];
    eng_copy(r->server, sizeof r->server, sv->name);
    if (sv->domain >= 0)
        eng_copy(r->domain, sizeof r->domain, e->m->domains[sv->domain].name);
}

void dom_start(struct pp_engine *e, int d)
{
    struct pp_model *m = e->m;
    if (!safety_allow(e, SAFE_DOMAIN_START, d, -1))
        return;
    struct pp_domain *dom = &m->domains[d];
    struct pp_jrec *r = eng_journal(e, PP_JEV_DOMAIN_START);
    eng_copy(r->domain, sizeof r->domain, dom->name);
    size_t off = 0;
    for (int i = 0; i < dom->nmembers && off < sizeof r->detail; i++)
        off += (size_t)snprintf(r->detail + off, sizeof r->detail - off, "%s%s", i ? " " : "",
                                m->servers[dom->members[i]].name);
    m->active_domain = d;
    m->phase = PP_PH_DOMAIN;
    m->chosen_domain = -1;
    e->settle_pending = false;
    m->next_check = PP_MS_NEVER;
    e->proceed_gate = false;
    e->proceed_domain = -1;
    dom->state = PP_DOM_ACTIVE;
    dom->started = e->now;
    eng_copy(dom->by, sizeof dom->by, e->operator_);
    for (int i = 0; i < dom->nmembers; i++) {
        int s = dom->members[i];
        struct pp_server *sv = &m->servers[s];
        if (model_server_settled(sv))
            continue;
        sv->state = PP_SRV_QUEUED;
        e->srv[s].server_confirmed = false;
        e->srv[s].step_confirmed = false;
        e->srv[s].asked = false;
    }
    dom_advance(e);
}

bool dom_start_step(struct pp_engine *e, int s)
{
    struct pp_model *m = e->m;
    if (!safety_allow(e, SAFE_STEP_START, -1, s))
        return false;
    struct pp_server *sv = &m->servers[s];
    enum pp_cmd_kind kind = step_kind(e, sv);
    struct pp_jrec *r = eng_journal(e, PP_JEV_STEP_START);
    fill_ids(e, r, s);
    eng_copy(r->step, sizeof r->step, pp_step_name(sv->step));
    if (kind == PP_CMD_DRAIN_NOW)
        eng_copy(r->detail, sizeof r->detail,
                 sv->forced_drain ? "immediate stop (forced by override)"
                                  : "immediate stop (scheduled downtime)");
    if (sv->step == PP_STEP_DRAIN || sv->steps_started == 0)
        sv->steps_started = e->now ? e->now : 1;
    sv->state = PP_SRV_RUNNING;
    sv->step_started = e->now;
    sv->last_result = PP_RES_NONE;
    sv->down = true;
    e->srv[s].step_confirmed = false;
    e->srv[s].asked = false;
    eng_run(e, kind, s, sv->domain, e->cfg->timing.step_timeout[sv->step]);
    return true;
}

bool dom_domain_settled(const struct pp_engine *e, int d)
{
    const struct pp_domain *dom = &e->m->domains[d];
    for (int i = 0; i < dom->nmembers; i++) {
        int s = dom->members[i];
        if (!model_server_settled(&e->m->servers[s]) || e->srv[s].running)
            return false;
    }
    return true;
}

void dom_finish(struct pp_engine *e, int d)
{
    struct pp_model *m = e->m;
    struct pp_domain *dom = &m->domains[d];
    int ok = 0, skipped = 0, manual = 0;
    for (int i = 0; i < dom->nmembers; i++) {
        enum pp_srv_state st = m->servers[dom->members[i]].state;
        ok += st == PP_SRV_VERIFIED;
        skipped += st == PP_SRV_SKIPPED;
        manual += st == PP_SRV_MARKED_DONE;
    }
    dom->state = (skipped || manual) ? PP_DOM_DONE_EXCEPTIONS : PP_DOM_DONE;
    dom->finished = e->now;
    struct pp_jrec *r = eng_journal(e, PP_JEV_DOMAIN_DONE);
    eng_copy(r->domain, sizeof r->domain, dom->name);
    eng_copy(r->state, sizeof r->state, model_dom_state_name(dom->state));
    snprintf(r->detail, sizeof r->detail, "%d verified, %d skipped, %d marked done by hand", ok,
             skipped, manual);
    m->domains_done++;
    if (m->active_domain != d) {
        /* a domain that was not running, marked done by hand: it moves no
         * gate.  The domain in flight (if any) goes on, and no other is
         * offered while it does; at a domain question, the offer is made
         * again without it. */
        if (m->active_domain < 0 && m->phase == PP_PH_CHOOSE && !e->quit)
            gate_offer_domain(e);
        return;
    }
    m->active_domain = -1;
    e->proceed_gate = false;
    e->proceed_domain = -1;
    e->settle_pending = true;
    bool open = false;
    for (int k = 0; k < m->ndomains; k++)
        if (m->domains[k].state != PP_DOM_DONE && m->domains[k].state != PP_DOM_DONE_EXCEPTIONS)
            open = true;
    if (e->quit)
        return;
    /* failed over too: the settle wait and the fabric checks protect the
     * pool's own routing groups, not its users (issue 11 item 6); the last
     * domain's "settle" is the readiness answer a failback needs */
    gate_settle(e, !open);
}

/* Puts the first unresolved question of the active domain to the operator. */
static bool ask_next_question(struct pp_engine *e, const struct pp_domain *dom)
{
    struct pp_model *m = e->m;
    for (int i = 0; i < dom->nmembers; i++) {
        int s = dom->members[i];
        struct pp_server *sv = &m->servers[s];
        if (e->srv[s].running)
            continue;
        const char *step = pp_step_label(sv->step);
        if (sv->state == PP_SRV_LOST && sv->probed) {
            if (sv->lost_count >= 2)
                eng_ask(e, PP_ASK_OPERATOR, s, sv->domain, sv->step,
                        _("%s: the outcome of its %s was lost twice. Check the server by hand, "
                          "then override retry (run it again), done or skip."),
                        sv->name, step);
            else if (sv->lost_console)
                /* the console died, not the link: say so (a dropped
                 * connection points at the network, this does not) */
                eng_ask(e, PP_ASK_RERUN, s, sv->domain, sv->step,
                        _("%s: the outcome of its %s is unknown (the console stopped while it "
                          "ran). The probe says: %s. Run %s again?"),
                        sv->name, step, sv->probe_answer[0] ? sv->probe_answer : _("(no probe)"),
                        step);
            else
                eng_ask(e, PP_ASK_RERUN, s, sv->domain, sv->step,
                        _("%s: the outcome of its %s is unknown (the connection dropped). The "
                          "probe says: %s. Run %s again?"),
                        sv->name, step, sv->probe_answer[0] ? sv->probe_answer : _("(no probe)"),
                        step);
            return true;
        }
        if (sv->state == PP_SRV_FAILED) {
            if (sv->step == PP_STEP_DRAIN && sv->last_result == PP_RES_TIMEOUT &&
                e->m->mode == PP_MODE_GRACEFUL && !sv->forced_drain)
                eng_ask(e, PP_ASK_FORCE_DRAIN, s, sv->domain, sv->step,
                        _("%s: the graceful drain ran past drain_timeout (%llds) and sessions are "
                          "still active. Override force stops it at once (sessions dropped); "
                          "retry drains gracefully again; skip leaves the server out."),
                        sv->name, (long long)(e->cfg->timing.step_timeout[PP_STEP_DRAIN] / 1000));
            else if (sv->reason[0]) {
                char why[PP_REASON_MAX + 64];   /* the transport's English, as read */
                journal_say(sv->reason, why, sizeof why);
                eng_ask(e, PP_ASK_OPERATOR, s, sv->domain, sv->step,
                        _("%s: %s %s: %s. Override retry runs it again; done marks the server "
                          "done by hand; skip leaves it out of this run."),
                        sv->name, step, pp_result_label(sv->last_result), why);
            } else
                eng_ask(e, PP_ASK_OPERATOR, s, sv->domain, sv->step,
                        _("%s: %s %s. Override retry runs it again; done marks the server done "
                          "by hand; skip leaves it out of this run."),
                        sv->name, step, pp_result_label(sv->last_result));
            return true;
        }
    }
    return false;
}

void dom_advance(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (m->active_domain < 0 || e->stopped)
        return;
    int d = m->active_domain;
    const struct pp_domain *dom = &m->domains[d];

    /* unknown outcomes: read the server's state before asking anyone */
    for (int i = 0; i < dom->nmembers; i++) {
        int s = dom->members[i];
        struct pp_server *sv = &m->servers[s];
        if (sv->state != PP_SRV_LOST || sv->probed || e->srv[s].running)
            continue;
        if (eng_has_template(e, PP_CMD_PROBE) && sv->lost_count < 2 && !e->quit)
            eng_run(e, PP_CMD_PROBE, s, d, e->cfg->timing.probe_timeout);
        else
            sv->probed = true;
    }
    if (m->ask == PP_ASK_NONE && ask_next_question(e, dom))
        return;
    if (e->quit)
        return;

    /* one server at a time (Skype for Business, issue 11 item 7): the next
     * server of the domain, in topology order, starts only when this one
     * is verified, marked done or skipped */
    int limit = m->procedure == PP_PROC_SERVER ? 1
                : e->cfg->parallel > 0         ? e->cfg->parallel
                                               : INT_MAX;
    int used = 0;
    for (int i = 0; i < dom->nmembers; i++)
        used += holds_slot(m, &m->servers[dom->members[i]]);
    for (int i = 0; i < dom->nmembers; i++) {
        int s = dom->members[i];
        struct pp_server *sv = &m->servers[s];
        struct eng_srv *es = &e->srv[s];
        if (sv->state != PP_SRV_QUEUED || es->running)
            continue;
        bool fresh = !in_pipeline(sv);
        if (fresh && used >= limit)
            break;
        if (e->cfg->confirm == PP_CONFIRM_STEP && !es->step_confirmed) {
            if (m->ask == PP_ASK_NONE)
                eng_ask(e, PP_ASK_START_STEP, s, d, sv->step, _("%s: run %s now (%s)?"),
                        sv->name, pp_step_label(sv->step), pp_label(pp_cmd_kind_name(step_kind(e, sv))));
            break;
        }
        if (fresh && e->cfg->confirm == PP_CONFIRM_SERVER && !es->server_confirmed) {
            if (m->ask == PP_ASK_NONE)
                eng_ask(e, PP_ASK_START_SERVER, s, d, sv->step,
                        fails_over(m)
                            ? _("Start %s (%s): %s, upgrade, restart, fail back and verify?")
                            : _("Start %s (%s): %s, upgrade, restart, verify?"),
                        sv->name, dom->name,
                        fails_over(m) ? (m->mode == PP_MODE_GRACEFUL ? _("fail over gracefully")
                                                                     : _("fail over at once"))
                        : m->mode == PP_MODE_GRACEFUL ? _("drain gracefully")
                                                      : _("stop at once"));
            break;
        }
        if (!dom_start_step(e, s))
            break;   /* refused: the operator has the question */
        if (fresh)
            used++;
    }
    if (dom_domain_settled(e, d))
        dom_finish(e, d);
}

void dom_on_step(struct pp_engine *e, int s, enum pp_cmd_kind kind, enum pp_result res,
                 const char *detail)
{
    struct pp_model *m = e->m;
    struct pp_server *sv = &m->servers[s];
    struct eng_srv *es = &e->srv[s];
    (void)kind;
    struct pp_jrec *r = eng_journal(e, PP_JEV_STEP_END);
    fill_ids(e, r, s);
    eng_copy(r->step, sizeof r->step, pp_step_name(sv->step));
    eng_copy(r->result, sizeof r->result, pp_result_name(res));
    eng_copy(r->detail, sizeof r->detail, detail);
    sv->last_result = res;
    if (res == PP_RES_CANCELLED && es->force_pending) {
        /* the operator forced an overrunning drain: stop at once now */
        es->force_pending = false;
        sv->forced_drain = true;
        sv->state = PP_SRV_QUEUED;
        if (!e->quit)
            dom_start_step(e, s);
        dom_advance(e);
        return;
    }
    switch (res) {
    case PP_RES_OK:
        sv->step_done[sv->step] = true;
        sv->lost_count = 0;
        sv->probed = false;
        sv->reason[0] = 0;
        if (sv->step == PP_STEP_VERIFY) {
            sv->state = PP_SRV_VERIFIED;
            sv->down = false;
            sv->finished = e->now;
            eng_copy(sv->by, sizeof sv->by, e->operator_);
        } else {
            sv->step = (enum pp_step)(sv->step + 1);
            sv->state = PP_SRV_QUEUED;
        }
        break;
    case PP_RES_LOST:
        sv->state = PP_SRV_LOST;
        sv->lost_count++;
        sv->lost_console = false;   /* the connection dropped; the console is here */
        sv->probed = false;
        break;
    default:   /* failed, timeout, cancelled: only an override goes on */
        sv->state = PP_SRV_FAILED;
        eng_copy(sv->reason, sizeof sv->reason, detail);
        break;
    }
    dom_advance(e);
}

void dom_on_probe(struct pp_engine *e, int s, enum pp_result res, const char *detail)
{
    struct pp_server *sv = &e->m->servers[s];
    struct pp_jrec *r = eng_journal(e, PP_JEV_PROBE);
    fill_ids(e, r, s);
    eng_copy(r->step, sizeof r->step, pp_step_name(sv->step));
    eng_copy(r->result, sizeof r->result, pp_result_name(res));
    eng_copy(r->detail, sizeof r->detail, detail);
    sv->probed = true;
    if (res == PP_RES_OK)
        eng_copy(sv->probe_answer, sizeof sv->probe_answer, detail && *detail ? detail : "no answer");
    else
        snprintf(sv->probe_answer, sizeof sv->probe_answer, "probe %s%s%s", pp_result_name(res),
                 detail && *detail ? ": " : "", detail ? detail : "");
    dom_advance(e);
}
