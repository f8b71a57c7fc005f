/* The readiness gate (FACTS.md step 1): which Front End runs the check,
 * reading its answer against the configuration, Busy strikes, unreadable
 * answers, and what a Ready answer unlocks (the next domain, the end of a
 * settle wait, a failback). */
#include "backend/engine/engine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/core/mem.h"

#define UNKNOWN_LIMIT 3

static pp_ms unknown_retry(const struct pp_engine *e)
{
    /* an unreadable answer is usually a connection problem: retry sooner
     * than a Busy, on another server */
    pp_ms r = e->cfg->timing.busy_retry;
    return r < 60000 ? r : 60000;
}

static bool dom_finished(const struct pp_domain *d)
{
    return d->state == PP_DOM_DONE || d->state == PP_DOM_DONE_EXCEPTIONS;
}

/* The domain the next offer will most likely name: the operator's choice,
 * else the first open one that last reported ReadyForUpgrade True, else
 * the first open one (gate_offer_domain's order); -1 when none is open. */
static int next_domain_guess(const struct pp_model *m)
{
    if (m->chosen_domain >= 0 && m->chosen_domain < m->ndomains &&
        m->chosen_domain != m->active_domain && !dom_finished(&m->domains[m->chosen_domain]))
        return m->chosen_domain;
    int first = -1;
    for (int d = 0; d < m->ndomains; d++) {
        if (dom_finished(&m->domains[d]) || d == m->active_domain)
            continue;
        if (m->domains[d].ready_flag == 1)
            return d;
        if (first < 0)
            first = d;
    }
    return first;
}

/* May the readiness check (or the fabric read) run on server i?  Up, idle,
 * and outside the domain in flight and the domain about to start: the
 * check must not run on a server that is down, or drained a moment later
 * (README, "Readiness gate"; FACTS.md: "pick one that is up and not in the
 * domain being upgraded"). */
static bool check_outside(const struct pp_engine *e, int i, int avoid)
{
    const struct pp_model *m = e->m;
    const struct pp_server *s = &m->servers[i];
    if (s->domain >= 0 && (s->domain == m->active_domain || s->domain == avoid ||
                           m->domains[s->domain].state == PP_DOM_ACTIVE))
        return false;
    return true;
}

/* The next server in turn that may run the check; -1 when none.  *blocked
 * is set when servers that are up and idle exist but all of them are in
 * the domain about to start (a one-domain pool). */
static int pick_check_server(struct pp_engine *e, bool *blocked)
{
    struct pp_model *m = e->m;
    /* while a domain is in flight no other starts, and a check read then
     * (a recheck) decides nothing: only the domain in flight is avoided */
    int n = m->nservers, avoid = m->active_domain >= 0 ? -1 : next_domain_guess(m);
    bool idle_inside = false;
    for (int k = 1; k <= n; k++) {
        int i = ((m->check_server < 0 ? -1 : m->check_server) + k) % n;
        if (i < 0)
            i += n;
        const struct pp_server *s = &m->servers[i];
        if (!model_server_up(s) || e->srv[i].running)
            continue;
        if (!check_outside(e, i, avoid)) {
            idle_inside |= s->domain == avoid && s->domain != m->active_domain;
            continue;
        }
        return i;
    }
    if (blocked)
        *blocked = idle_inside;
    return -1;
}

int gate_pick_server(struct pp_engine *e) { return pick_check_server(e, NULL); }

void gate_begin_check(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (e->check_running || e->quit || e->stopped)
        return;
    bool blocked = false;
    int s = pick_check_server(e, &blocked);
    m->next_check = PP_MS_NEVER;
    /* a new answer decides: an earlier proceed override was for the old gate */
    e->proceed_gate = false;
    e->proceed_domain = -1;
    if (m->phase != PP_PH_SETTLE && m->phase != PP_PH_DOMAIN)
        m->phase = PP_PH_CHECKING;
    if (s < 0 && blocked) {
        int d = next_domain_guess(m);
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                _("Every Front End that is up is in %s, the domain to start next: the readiness "
                  "check runs on a Front End outside it, and there is none. Pass the gate for a "
                  "domain by hand (override proceed, with a reason) or quit."),
                d >= 0 ? m->domains[d].name : "?");
        return;
    }
    if (s < 0) {
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE, "%s",
                _("No Front End is up and outside the domain in progress to run the readiness "
                  "check on. Resolve the failed servers (override retry / done) or quit."));
        return;
    }
    m->check_server = s;
    e->check_running = true;
    eng_run(e, PP_CMD_READINESS, s, -1, e->cfg->timing.readiness_timeout);
}

/* Takes domain membership from the answer (discovery) and checks it against
 * what the config says.  Returns false with why filled on a mismatch: the
 * tool never touches a server it was not asked to touch. */
static bool apply_domains(struct pp_engine *e, const struct pp_readiness *r, char *why, size_t n)
{
    struct pp_model *m = e->m;
    for (int i = 0; i < r->ndomains; i++) {
        const struct pp_ready_domain *rd = &r->domains[i];
        int d = model_find_domain(m, rd->name);
        if (d < 0) {
            /* a domain the config did not name: fine only if its servers
             * are ours and have no domain yet */
            if ((d = model_add_domain(m, rd->name)) < 0) {
                snprintf(why, n, "out of memory");
                return false;
            }
        }
        m->domains[d].ready_flag = rd->ready;
        if (m->domains[d].state == PP_DOM_WAITING || m->domains[d].state == PP_DOM_READY ||
            m->domains[d].state == PP_DOM_NOT_READY)
            m->domains[d].state = rd->ready == 1 ? PP_DOM_READY : PP_DOM_NOT_READY;
        for (int k = 0; k < rd->nfronts; k++) {
            int s = model_find_server(m, rd->fronts[k]);
            if (s < 0) {
                snprintf(why, n,
                         "the readiness answer puts %s in %s, but the config does not list it: "
                         "fix [servers] (poolpilot only touches configured servers)",
                         rd->fronts[k], rd->name);
                return false;
            }
            if (m->servers[s].domain < 0) {
                if (model_domain_add_member(m, d, s) < 0) {
                    snprintf(why, n, "out of memory");
                    return false;
                }
            } else if (m->servers[s].domain != d) {
                snprintf(why, n, "the readiness answer puts %s in %s, the config in %s",
                         rd->fronts[k], rd->name, m->domains[m->servers[s].domain].name);
                return false;
            }
        }
    }
    for (int s = 0; s < m->nservers; s++)
        if (m->servers[s].domain < 0) {
            snprintf(why, n, "%s is in no upgrade domain (neither the config nor the readiness "
                             "answer names one)", m->servers[s].name);
            return false;
        }
    return true;
}

/* An answer that opens the gate (or counts a strike) must describe the
 * pool we were configured for: every configured Front End listed, and the
 * same total.  Otherwise it speaks of another pool, or was cut, and the
 * quorum cannot be trusted from it: Unknown, never Ready. */
static bool answer_covers_pool(const struct pp_engine *e, const struct pp_readiness *r, char *why,
                               size_t n)
{
    const struct pp_model *m = e->m;
    if (r->total_fe >= 0 && r->total_fe != m->nservers)
        return snprintf(why, n, "the pool counts %d Front Ends, the config lists %d", r->total_fe,
                        m->nservers), false;
    if (r->active_fe < 0 && e->cfg->quorum == PP_QUORUM_LYNC)
        return snprintf(why, n, "the answer has no TotalActiveFrontEnds (the quorum needs it)"),
               false;
    /* each listed name looked up once: asking, for every server, whether
     * some listed name is it cost n^3 name compares (4 s of the 1000-server
     * fleet's 4.4 s of CPU) */
    bool *seen = mem_calloc((size_t)m->nservers + 1, sizeof *seen, "readiness coverage");
    for (int i = 0; i < r->ndomains; i++)
        for (int k = 0; k < r->domains[i].nfronts; k++) {
            int s = model_find_server(m, r->domains[i].fronts[k]);
            if (s >= 0)
                seen[s] = true;
        }
    int missing = -1;
    for (int s = 0; s < m->nservers && missing < 0; s++)
        if (!seen[s])
            missing = s;
    free(seen);
    if (missing >= 0)
        return snprintf(why, n, "the answer leaves out %s, a configured Front End",
                        m->servers[missing].name), false;
    return true;
}

static void describe(const struct pp_engine *e, const struct pp_readiness *r, char *buf, size_t n)
{
    size_t off = 0;
    off += (size_t)snprintf(buf, n, "active %d/%d", r->active_fe, r->total_fe);
    for (int i = 0; i < r->ndomains && off < n; i++)
        off += (size_t)snprintf(buf + off, n - off, "; %s %s", r->domains[i].name,
                                r->domains[i].ready == 1   ? "ready"
                                : r->domains[i].ready == 0 ? "not ready"
                                                           : "?");
    (void)e;
}

/* Counts a Busy as a strike only when it came at least busy_retry after
 * the last one: "three consecutive times, 10 minutes apart". */
static void count_strike(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (m->busy_strikes == 0 || e->last_strike < 0 ||
        e->now - e->last_strike >= e->cfg->timing.busy_retry) {
        m->busy_strikes++;
        e->last_strike = e->now;
    }
}

static void on_busy(struct pp_engine *e, bool settling)
{
    struct pp_model *m = e->m;
    count_strike(e);
    if (m->busy_strikes >= e->cfg->timing.busy_strikes) {
        gate_problem(e, N_("the pool answered Busy %d times in a row"), m->busy_strikes);
        return;
    }
    if (settling && m->settle_until != PP_MS_NEVER)
        eng_wait_record(e, "the pool left Ready during the settle wait: the timer restarts");
    if (settling)
        m->settle_until = PP_MS_NEVER;
    else
        m->phase = PP_PH_BUSY_WAIT;
    m->next_check = e->now + e->cfg->timing.busy_retry;
    eng_wait_record(e, "Busy (strike %d of %d): next check in %llds", m->busy_strikes,
                e->cfg->timing.busy_strikes, (long long)(e->cfg->timing.busy_retry / 1000));
}

static void on_unknown(struct pp_engine *e, bool settling, const char *why)
{
    struct pp_model *m = e->m;
    e->unknown_streak++;
    if (settling)
        m->settle_until = PP_MS_NEVER;   /* no proof it stayed Ready */
    else
        m->phase = PP_PH_BUSY_WAIT;
    if (e->unknown_streak >= UNKNOWN_LIMIT) {
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                _("The readiness check could not be read %d times in a row (%s). It is never "
                  "taken as Ready. A recheck runs it again; override proceed on the pool goes past the "
                  "gate."),
                e->unknown_streak, why);
        return;
    }
    m->next_check = e->now + unknown_retry(e);
    eng_wait_record(e, "readiness unknown (%s): next check in %llds", why,
                (long long)(unknown_retry(e) / 1000));
}

/* Failed over, every domain done: the failback needs the pool Ready.  Only
 * a fresh Ready answer lets the failback be proposed; anything else is put
 * to the operator (a recheck asks again; override proceed on the pool
 * accepts the answer, journaled with its reason as "accept-unready"). */
static void failback_readiness(struct pp_engine *e, enum pp_ready state, const char *why)
{
    struct pp_model *m = e->m;
    if (state == PP_READY_READY) {
        e->failback_held = false;
        e->failback_checked = true;
        gate_all_done(e);
        return;
    }
    e->failback_held = true;
    m->next_check = PP_MS_NEVER;
    const char *what = state == PP_READY_UNKNOWN ? why : pp_ready_name(state);
    eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
            _("All %d domains are done; %s is failed over to %s. A failback needs the pool "
              "Ready, and the readiness check answered: %s. A recheck asks again; override "
              "proceed on %s accepts this answer and proposes the failback."),
            m->ndomains, m->fqdn, e->cfg->backup_pool, what, m->fqdn);
}

void gate_on_readiness(struct pp_engine *e, enum pp_result res, const struct pp_readiness *r,
                       const char *detail)
{
    struct pp_model *m = e->m;
    char why[PP_REASON_MAX] = "";
    enum pp_ready state = PP_READY_UNKNOWN;
    if (res == PP_RES_OK && r) {
        state = r->state;
        if (state == PP_READY_UNKNOWN)
            snprintf(why, sizeof why, "%s", r->why[0] ? r->why : "unreadable answer");
        else if (!apply_domains(e, r, why, sizeof why))
            state = PP_READY_UNKNOWN;
        else if ((state == PP_READY_READY || state == PP_READY_BUSY) &&
                 !answer_covers_pool(e, r, why, sizeof why))
            state = PP_READY_UNKNOWN;
    } else {
        snprintf(why, sizeof why, "check %s%s%s", res == PP_RES_OK ? "gave no answer" : pp_result_name(res),
                 detail && *detail ? ": " : "", detail ? detail : "");
    }
    m->readiness = state;
    model_readiness_taken(m, e->now);
    if (r && res == PP_RES_OK && state != PP_READY_UNKNOWN) {
        m->total_fe = r->total_fe;
        m->active_fe = r->active_fe;
    } else {
        /* no count to trust: the model alone decides until the next answer */
        m->total_fe = m->active_fe = -1;
    }
    struct pp_jrec *j = eng_journal(e, PP_JEV_READINESS);
    eng_copy(j->state, sizeof j->state, pp_ready_name(state));
    if (m->check_server >= 0)
        eng_copy(j->server, sizeof j->server, m->servers[m->check_server].name);
    if (state == PP_READY_UNKNOWN)
        eng_copy(j->detail, sizeof j->detail, why);
    else
        describe(e, r, j->detail, sizeof j->detail);
    if (e->quit && !e->stopped && state == PP_READY_BUSY && m->phase != PP_PH_DOMAIN) {
        /* stopping: nothing is checked again, but the answer still counts
         * (the next console restores the count from this record) */
        count_strike(e);
        eng_wait_record(e, "Busy (strike %d of %d): the console is stopping", m->busy_strikes,
                    e->cfg->timing.busy_strikes);
    }
    if (e->quit || e->stopped)
        return;
    bool settling = m->phase == PP_PH_SETTLE;
    if (m->phase == PP_PH_DOMAIN) {
        if (e->resume_check) {
            e->resume_check = false;
            if (state == PP_READY_UNKNOWN)
                eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                        _("Resuming needs the upgrade domains' members and the readiness answer "
                          "could not be read (%s). A recheck tries again."),
                        why);
            else
                dom_advance(e);
        }
        return;   /* an operator's recheck while a domain runs: shown, nothing else */
    }
    if (state != PP_READY_UNKNOWN)
        e->unknown_streak = 0;
    if (settle_serving_backup(m)) {
        /* between domains the answer is shown and gates nothing (no
         * strikes either: the pool serves nobody); before the failback it
         * decides */
        if (settling && e->settle_final)
            failback_readiness(e, state, why);
        else if (settling && m->settle_until == PP_MS_NEVER && !e->fabric_running)
            settle_start_failed_over(e);   /* a recheck started the wait over */
        else if (!settling)
            gate_offer_domain(e);          /* a recheck at the domain question */
        return;
    }
    switch (state) {
    case PP_READY_READY:
        m->busy_strikes = 0;
        e->last_strike = -1;
        m->problem[0] = 0;
        if (settling)
            settle_on_ready(e);
        else
            gate_offer_domain(e);
        break;
    case PP_READY_BUSY:
        on_busy(e, settling);
        break;
    case PP_READY_INSUFFICIENT:
        gate_problem(e, N_("InsufficientActiveFrontEnds: %d of %d Front Ends active"),
                     m->active_fe, m->total_fe);
        break;
    default:
        on_unknown(e, settling, why);
        break;
    }
}
