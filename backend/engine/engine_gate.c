/* Pool-level procedure (FACTS.md step 3): offering the next domain under
 * the quorum rule and one domain at a time, pool problems and their
 * disaster-recovery failover, and how the run completes.  The readiness
 * check is engine_check.c's, the wait between domains engine_settle.c's. */
#include "backend/engine/engine_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"

/* fmt is English and marked N_() by the caller: the journal's reason is
 * formatted from it as written, the screen's m->problem from its
 * translation. */
void gate_problem(struct pp_engine *e, const char *fmt, ...)
{
    struct pp_model *m = e->m;
    struct pp_jrec *j = eng_journal(e, PP_JEV_POOL_PROBLEM);
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    vsnprintf(j->reason, sizeof j->reason, fmt, ap);
    vsnprintf(m->problem, sizeof m->problem, _(fmt), ap2);
    va_end(ap2);
    va_end(ap);
    utf8_trim_tail(m->problem);
    m->phase = PP_PH_PROBLEM;
    m->next_check = PP_MS_NEVER;
    m->settle_until = PP_MS_NEVER;
    if (e->cfg->backup_pool[0] && !m->failed_over && e->pool_tried[0]) {
        /* a failover already ran in this journal and the pool is not failed
         * over: running it again is an operator's override, never a
         * question --yes could confirm */
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                _("The pool has a problem: %s. A failover of %s already ran in this run and did "
                  "not leave it failed over: override retry %s runs it again (--yes does not); "
                  "quit stops the run."),
                m->problem, m->fqdn, m->fqdn);
    } else if (e->cfg->backup_pool[0] && !m->failed_over) {
        /* What Microsoft has checked before a pool failover ("Failing over
         * a pool in Lync Server 2013", docs/POWERSHELL.md): the Central
         * Management store must work while the users fail over, so a pool
         * that hosts it has it failed over first; an Edge pool whose next
         * hop is this pool is pointed at another pool first.  poolpilot
         * cannot see either from here: the question names them. */
        eng_ask(e, PP_ASK_FAILOVER, -1, -1, PP_STEP_NONE,
                _("The pool has a problem: %s. It is paired with %s: fail %s over to it "
                  "(Invoke-CsPoolFailOver, run on %s), upgrade without the readiness gate, and "
                  "fail back once it is Ready? Microsoft asks first: does %s host the Central "
                  "Management store, or is it an Edge pool's next hop? Move those first."),
                m->problem, e->cfg->backup_pool, m->fqdn, e->cfg->failover_on, m->fqdn);
    } else {
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                _("The pool has a problem: %s. It is not paired for disaster recovery: stop here "
                  "and get a human. A recheck starts a new series of checks; quit stops the run."),
                m->problem);
    }
}

void gate_all_done(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (settle_serving_backup(m) && !e->failback_checked) {
        /* however the last domain ended (its settle, a domain marked done
         * by hand, a resume): a fresh readiness answer first */
        gate_settle(e, true);
        return;
    }
    if (backend_pending(e)) {
        /* the Back End after every Front End, and before the failback
         * (engine_backend.c says why) */
        backend_offer(e);
        return;
    }
    if (m->failed_over && !m->failed_back && e->pool_tried[1]) {
        m->phase = PP_PH_FAILBACK_ASK;
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                _("All %d domains are done. A failback of %s already ran in this run and did not "
                  "end ok: override retry %s runs it again (--yes does not); override proceed on "
                  "it ends the run without failing back."),
                m->ndomains, m->fqdn, m->fqdn);
        return;
    }
    if (m->failed_over && !m->failed_back) {
        m->phase = PP_PH_FAILBACK_ASK;
        eng_ask(e, PP_ASK_FAILBACK, -1, -1, PP_STEP_NONE,
                _("All %d domains are done. Fail %s back from %s (Invoke-CsPoolFailBack, run on "
                  "%s)?"),
                m->ndomains, m->fqdn, e->cfg->backup_pool, e->cfg->failover_on);
        return;
    }
    gate_complete(e, GATE_END_DONE);
}

/* Lync Server 2013 / Skype for Business Server pools have a Back End whose
 * databases an update changes too: Microsoft's "Install an update on a Back
 * End Server" applies them, after the Front Ends, with Install-CsDatabase
 * -Update -ConfiguredDatabases -SqlServerFqdn (docs/POWERSHELL.md).  Other
 * profiles have no such step. */
static bool has_backend_db(const struct pp_config *c)
{
    return !strcmp(c->profile, "lync2013") || !strcmp(c->profile, "sfb2015") ||
           !strcmp(c->profile, "sfb2019");
}

/* Every domain is done (and the pool failed back, if it was failed over).
 * A pool with a Back End poolpilot did not update is not called finished
 * without saying so: a `backend` record (state "open") puts the open item
 * on the checklist, and the completion text names what is left to do. */
void gate_complete(struct pp_engine *e, enum gate_end end)
{
    static const char *const plain[] = {
        [GATE_END_DONE] = N_("all domains done"),
        [GATE_END_FAILED_BACK] = N_("all domains done; the pool is failed back"),
        [GATE_END_NO_FAILBACK] = N_("all domains done; failback skipped by override"),
    };
    static const char *const open[] = {
        [GATE_END_DONE] = N_("all domains done; Back End not updated by poolpilot: run "
                             "Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn "
                             "<your Back End> on a Front End"),
        [GATE_END_FAILED_BACK] = N_("all domains done; the pool is failed back; Back End not "
                                    "updated by poolpilot: run Install-CsDatabase -Update "
                                    "-ConfiguredDatabases -SqlServerFqdn <your Back End> on a "
                                    "Front End"),
        [GATE_END_NO_FAILBACK] = N_("all domains done; failback skipped by override; Back End "
                                    "not updated by poolpilot: run Install-CsDatabase -Update "
                                    "-ConfiguredDatabases -SqlServerFqdn <your Back End> on a "
                                    "Front End"),
    };
    if (!has_backend_db(e->cfg) || e->backend == BE_OK) {
        eng_finish(e, 0, plain[end]);
        return;
    }
    if (e->backend != BE_OPEN) {   /* override skip journaled it already */
        struct pp_jrec *r = eng_journal(e, PP_JEV_BACKEND);
        eng_copy(r->state, sizeof r->state, "open");
        eng_copy(r->reason, sizeof r->reason, PP_BACKEND_OPEN);
    }
    eng_copy(e->m->backend_item, sizeof e->m->backend_item, "open");
    eng_finish(e, 0, open[end]);
}

static bool domain_open(const struct pp_domain *d)
{
    return d->state != PP_DOM_DONE && d->state != PP_DOM_DONE_EXCEPTIONS;
}

void gate_offer_domain(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (e->quit || e->stopped)
        return;
    /* Never an offer while a domain is in flight or a failover / failback
     * runs: whatever called (a failover's end, an override), the domain in
     * flight goes on and the pool command ends first. */
    if (m->active_domain >= 0) {
        m->phase = PP_PH_DOMAIN;
        return;
    }
    if (e->pool_cmd_running)
        return;
    m->phase = PP_PH_CHOOSE;
    int open = 0;
    for (int d = 0; d < m->ndomains; d++)
        open += domain_open(&m->domains[d]);
    if (m->ndomains == 0) {
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE, "%s",
                _("No upgrade domains are known: the config names none and the readiness answer "
                  "listed none."));
        return;
    }
    if (open == 0) {
        gate_all_done(e);
        return;
    }
    if (e->settle_pending && !e->proceed_gate && e->proceed_domain < 0) {
        /* a domain ended and its settle wait has not completed: whatever
         * came between (a pool problem and a recheck, a failover), the
         * wait runs first.  Only an override passing the gate ends it. */
        gate_settle(e, false);
        return;
    }
    /* the quorum below counts the first servers in [servers] order: that
     * order is the pool's topology order, read once (engine_topology.c) */
    if (topo_holds(e))
        return;
    char refusal[PP_REASON_MAX] = "";
    int pick = -1;
    bool bypass = m->failed_over || e->proceed_gate;
    /* the operator's choice first, then topology order */
    for (int k = -1; k < m->ndomains && pick < 0; k++) {
        int d = k < 0 ? m->chosen_domain : k;
        if (d < 0 || d >= m->ndomains || (k >= 0 && d == m->chosen_domain))
            continue;
        const struct pp_domain *dom = &m->domains[d];
        if (!domain_open(dom))
            continue;
        if (!bypass && e->proceed_domain != d && dom->ready_flag != 1)
            continue;
        int up = 0, need = 0;
        /* quorum in every state, failed over too: it protects the pool's
         * own servers, not its users */
        if (!safety_quorum(e, d, &up, &need)) {
            snprintf(refusal, sizeof refusal,
                     _("%s cannot start: with it down %d Front End(s) stay up and quorum needs %d"),
                     dom->name, up, need);
            continue;
        }
        pick = d;
    }
    if (pick < 0) {
        if (refusal[0]) {
            /* "mark them done" only helps when something is down: a
             * domain simply too large for the quorum needs a human */
            bool down = false;
            for (int i = 0; i < m->nservers; i++)
                down |= !model_server_up(&m->servers[i]);
            if (down || (m->active_fe >= 0 && m->active_fe < m->nservers && !m->failed_over))
                eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                        _("%s. Bring failed servers back (override retry) or mark them done, "
                          "then recheck."),
                        refusal);
            else
                eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                        _("%s. Nothing has failed: the domain is too large for the pool's quorum "
                          "rule, and no override takes a pool below quorum. Get a human (fail the "
                          "pool over, or change the topology); quit stops the run."),
                        refusal);
            return;
        }
        m->phase = PP_PH_BUSY_WAIT;
        m->next_check = e->now + e->cfg->timing.busy_retry;
        eng_wait_record(e, "no open domain reports ReadyForUpgrade True: next check in %llds",
                    (long long)(e->cfg->timing.busy_retry / 1000));
        return;
    }
    const struct pp_domain *dom = &m->domains[pick];
    char names[PP_REASON_MAX] = "";
    size_t off = 0;
    for (int i = 0; i < dom->nmembers && off < sizeof names; i++)
        off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", i ? ", " : "",
                                m->servers[dom->members[i]].name);
    int up = 0, need = 0, stay = 0;
    safety_quorum(e, pick, &up, &need);
    for (int i = 0; i < m->nservers; i++)
        stay += m->servers[i].domain != pick && model_server_up(&m->servers[i]);
    int among = quorum_among(m, e->cfg->quorum, pick);
    char quorum[160];
    if (e->cfg->quorum == PP_QUORUM_NONE)
        snprintf(quorum, sizeof quorum, _("%d of %d Front Ends stay up; no quorum rule"), stay,
                 m->nservers);
    else if (among < m->nservers)
        snprintf(quorum, sizeof quorum,
                 _("%d of %d Front Ends stay up; quorum needs %d of the first %d (%d stay up, "
                   "margin %d)"),
                 stay, m->nservers, need, among, up, up - need);
    else
        snprintf(quorum, sizeof quorum,
                 _("%d of %d Front Ends stay up; quorum needs %d (margin %d)"), stay, m->nservers,
                 need, up - need);
    /* the cmdlet is named where the profile's drain runs it */
    bool sfb = m->computer_failover;
    const char *how =
        m->procedure == PP_PROC_SERVER && !sfb
            ? _("one server at a time: drain, upgrade, restart, verify each before the next")
        : m->procedure == PP_PROC_SERVER
            ? (m->mode == PP_MODE_GRACEFUL
                   ? _("one server at a time: fail it over (Invoke-CsComputerFailOver moves its "
                       "users, drains its sessions, stops and disables its services)")
                   : _("one server at a time: fail it over with a one-minute draining timeout "
                       "(scheduled downtime: sessions are dropped)"))
        : m->mode == PP_MODE_GRACEFUL
            ? _("drain gracefully (new connections refused, running calls finish)")
            : _("stop at once (scheduled downtime: sessions are dropped)");
    if (m->failed_over)
        eng_ask(e, PP_ASK_START_DOMAIN, -1, pick, PP_STEP_NONE,
                _("Start %s (%s): %s, upgrade, restart, verify. The pool is failed over to %s: "
                  "users are served there; no readiness gate, and quorum still applies: %s."),
                dom->name, names, how, e->cfg->backup_pool, quorum);
    else
        eng_ask(e, PP_ASK_START_DOMAIN, -1, pick, PP_STEP_NONE,
                _("Start %s (%s): %s, upgrade, restart, verify. %s."), dom->name, names, how,
                quorum);
    /* Both questions speak of the quorum; the screen adds its own quorum
     * line only when the text was cut (a long server list fills it) and
     * the words may be gone.  A flag, not a search of the text: the text
     * is translated. */
    m->ask_quorum = strlen(m->ask_text) + 1 < sizeof m->ask_text;
}
