/* Topology order (issue 11 item 14).  The quorum of an 8-12 Front End pool
 * counts "the first 7" / "the first 9" servers (quorum_ok_without), the
 * first in the pool's topology order; poolpilot counts them in the order
 * of [servers].  A file in another order would let a domain go down that
 * takes the pool below quorum, so before the first domain the pool itself
 * is asked (the profiles' read-only `topology` command, on the Front End
 * the readiness check used) and its answer compared with [servers]:
 *
 *   - the same servers in the same order: journaled ("match"), on we go;
 *   - another order, a configured server the pool does not list, a server
 *     of the pool the config leaves out: journaled ("differs") and the run
 *     STOPS with what differs; the file is fixed, not overridden;
 *   - an answer that cannot be read (the command failed or timed out, no
 *     list, a cut or malformed list): Unknown, never taken as a match.  The
 *     evidence is journaled ("unknown") and put to the operator, as a
 *     failover's unknown outcome is (engine_pool.c): override proceed on the
 *     pool says [servers] is the pool's order (journaled as the operator's
 *     answer, "accept-topology"), a recheck reads again, quit stops.
 *     --yes answers none of it.
 *
 * Profiles without the command (linux-systemd, custom pools that set
 * none) keep [servers] as the order, as before.  A match or an accepted
 * order in the journal holds on resume; anything else is read again. */
#include "backend/engine/engine_internal.h"

#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"

bool topo_applies(const struct pp_engine *e)
{
    const char *t = e->cfg->commands[PP_CMD_TOPOLOGY];
    return t && t[0];
}

bool topo_settled(const struct pp_engine *e)
{
    return !topo_applies(e) || e->topo == TOPO_MATCH || e->topo == TOPO_ACCEPTED;
}

bool topo_awaits_operator(const struct pp_engine *e)
{
    return topo_applies(e) && e->topo == TOPO_ASKED;
}

static void topo_ask(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    /* cut to leave room for the choices (a translation takes more bytes) */
    char evidence[120];
    eng_copy(evidence, sizeof evidence, e->topo_evidence[0] ? e->topo_evidence : _("no answer"));
    utf8_trim_tail(evidence);
    int s = e->topo_server;
    m->phase = PP_PH_CHOOSE;
    eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
            _("Topology order of %s unknown (read on %s: \"%s\"). The quorum counts the first "
              "servers in [servers] order, never assumed to be the pool's. Override proceed on "
              "%s: you checked [servers] is in topology order (Get-CsComputer -Pool). Recheck "
              "reads again; --yes answers none."),
            m->fqdn, s >= 0 && s < m->nservers ? m->servers[s].name : "-", evidence, m->fqdn);
}

/* The Front End to read it on: the one the readiness check just used when
 * it is still up and idle, else any that may run a pool-wide read. */
static int topo_pick(struct pp_engine *e)
{
    const struct pp_model *m = e->m;
    int s = m->check_server;
    if (s >= 0 && s < m->nservers && model_server_up(&m->servers[s]) && !e->srv[s].running &&
        (m->servers[s].domain < 0 || m->servers[s].domain != m->active_domain))
        return s;
    return gate_pick_server(e);
}

bool topo_holds(struct pp_engine *e)
{
    if (topo_settled(e))
        return false;
    if (e->topo == TOPO_RUNNING)
        return true;
    if (e->topo == TOPO_ASKED) {
        topo_ask(e);   /* whatever called the offer, the question still stands */
        return true;
    }
    int s = topo_pick(e);
    if (s < 0) {
        e->topo = TOPO_ASKED;
        e->topo_server = -1;
        eng_copy(e->topo_evidence, sizeof e->topo_evidence,
                 _("no Front End is up to read it on"));
        topo_ask(e);
        return true;
    }
    e->topo = TOPO_RUNNING;
    e->topo_server = s;
    e->m->phase = PP_PH_CHECKING;
    eng_run(e, PP_CMD_TOPOLOGY, s, -1, e->cfg->timing.probe_timeout);
    return true;
}

/* The first difference, in the operator's language (the journal has the
 * English of topology_compare). */
static void say_difference(struct pp_engine *e, enum pp_topo_diff diff, int where,
                           const struct pp_topology *t, char *buf, size_t n)
{
    const struct pp_model *m = e->m;
    if (diff == PP_TOPO_MISSING)
        snprintf(buf, n, _("%s is in [servers] but the pool does not list it"),
                 m->servers[where].name);
    else if (diff == PP_TOPO_EXTRA)
        snprintf(buf, n, _("the pool lists %s, which [servers] does not"), t->names[where]);
    else
        snprintf(buf, n, _("server %d in topology order is %s, [servers] has %s there"),
                 where + 1, t->names[where], m->servers[where].name);
}

void topo_on_done(struct pp_engine *e, int s, enum pp_result res, const struct pp_topology *t,
                  const char *detail)
{
    struct pp_model *m = e->m;
    if (e->topo != TOPO_RUNNING)
        return;   /* not ours to judge (restored, or answered already) */
    e->topo_server = s;
    struct pp_jrec *j = eng_journal(e, PP_JEV_TOPOLOGY);
    if (s >= 0 && s < m->nservers)
        eng_copy(j->server, sizeof j->server, m->servers[s].name);
    eng_copy(j->result, sizeof j->result, pp_result_name(res));
    if (res == PP_RES_OK && t && t->known) {
        char why[PP_REASON_MAX], order[PP_REASON_MAX];
        int where = -1;
        enum pp_topo_diff diff = topology_compare(t, m, why, sizeof why, &where);
        topology_join(t, order, sizeof order);
        eng_copy(j->detail, sizeof j->detail, order);
        if (diff == PP_TOPO_SAME) {
            eng_copy(j->state, sizeof j->state, "match");
            eng_copy(j->reason, sizeof j->reason, "the pool's topology order matches [servers]");
            e->topo = TOPO_MATCH;
            if (e->quit || e->stopped)
                return;
            eng_note(e, _("the pool's topology order matches [servers]: %s"), order);
            gate_offer_domain(e);
            return;
        }
        eng_copy(j->state, sizeof j->state, "differs");
        eng_copy(j->reason, sizeof j->reason, why);
        e->topo = TOPO_UNCHECKED;   /* a resumed journal reads it again */
        if (e->stopped)
            return;
        char said[PP_REASON_MAX];
        say_difference(e, diff, where, t, said, sizeof said);
        eng_note(e,
                 _("Topology order of %s differs from [servers]: %s. The pool's order "
                   "(Get-CsComputer, which Microsoft documents as topology order): %s."),
                 m->fqdn, said, order);
        if (!e->quit)
            eng_finish(e, 1,
                       N_("the pool's topology order differs from [servers]: nothing was "
                          "started; list [servers] in the pool's order, then start with a new "
                          "journal (this one is bound to the old order)"));
        return;
    }
    /* Unknown: the evidence, and the operator decides */
    if (res == PP_RES_OK && t)
        snprintf(e->topo_evidence, sizeof e->topo_evidence, "%s", t->why);
    else
        snprintf(e->topo_evidence, sizeof e->topo_evidence, "%s%s%s",
                 res == PP_RES_OK ? "no answer" : pp_result_name(res),
                 detail && *detail ? ": " : "", detail ? detail : "");
    eng_copy(j->state, sizeof j->state, "unknown");
    eng_copy(j->detail, sizeof j->detail, e->topo_evidence);
    eng_copy(j->reason, sizeof j->reason,
             "the pool's topology order cannot be read: it is never assumed to match [servers]");
    e->topo = TOPO_ASKED;
    if (e->quit || e->stopped)
        return;
    topo_ask(e);
}

/* override proceed on the pool while the order is unknown: the operator's
 * word that [servers] is in topology order.  The override record (result
 * "accept-topology") is already journaled. */
void topo_accept(struct pp_engine *e)
{
    e->topo = TOPO_ACCEPTED;
    eng_clear_ask(e);
    eng_note(e, _("[servers] is taken as the topology order of %s (the operator's word)"),
             e->m->fqdn);
    gate_offer_domain(e);
}

/* A recheck while the question stands: the order is read again before the
 * next offer (after the readiness check the recheck runs). */
void topo_recheck(struct pp_engine *e)
{
    if (topo_awaits_operator(e))
        e->topo = TOPO_UNCHECKED;
}

void topo_restore(struct pp_engine *e, const struct pp_jrec *r)
{
    if (journal_event_parse(r->event) == PP_JEV_TOPOLOGY)
        e->topo = !strcmp(r->state, "match") ? TOPO_MATCH : TOPO_UNCHECKED;
    else   /* the override that accepted [servers] */
        e->topo = TOPO_ACCEPTED;
}
