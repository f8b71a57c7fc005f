/* Pool-level procedure (FACTS.md steps 1 and 3): the readiness gate with
 * Busy strikes, pool problems and disaster-recovery failover, choosing the
 * next domain under the quorum rule, and the settle wait between domains. */
#include "backend/engine/engine_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"

#define UNKNOWN_LIMIT 3

static pp_ms unknown_retry(const struct pp_engine *e)
{
    /* an unreadable answer is usually a connection problem: retry sooner
     * than a Busy, on another server */
    pp_ms r = e->cfg->timing.busy_retry;
    return r < 60000 ? r : 60000;
}

static pp_ms settle_check_interval(const struct pp_engine *e)
{
    pp_ms r = e->cfg->timing.settle / 4;
    return r < 1000 ? 1000 : r;
}

static bool has_template(const struct pp_engine *e, enum pp_cmd_kind k)
{
    return e->cfg->commands[k] && e->cfg->commands[k][0];
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

static void wait_record(struct pp_engine *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void wait_record(struct pp_engine *e, const char *fmt, ...)
{
    struct pp_jrec *r = eng_journal(e, PP_JEV_WAIT);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
}

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
    for (int s = 0; s < m->nservers; s++) {
        bool seen = false;
        for (int i = 0; i < r->ndomains && !seen; i++)
            for (int k = 0; k < r->domains[i].nfronts && !seen; k++)
                seen = model_find_server(m, r->domains[i].fronts[k]) == s;
        if (!seen)
            return snprintf(why, n, "the answer leaves out %s, a configured Front End",
                            m->servers[s].name), false;
    }
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
        wait_record(e, "the pool left Ready during the settle wait: the timer restarts");
    if (settling)
        m->settle_until = PP_MS_NEVER;
    else
        m->phase = PP_PH_BUSY_WAIT;
    m->next_check = e->now + e->cfg->timing.busy_retry;
    wait_record(e, "Busy (strike %d of %d): next check in %llds", m->busy_strikes,
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
    wait_record(e, "readiness unknown (%s): next check in %llds", why,
                (long long)(unknown_retry(e) / 1000));
}

/* Failed over to the backup pool: users are served there, but the pool's
 * own routing groups still need their primaries and secondaries back
 * before the next domain goes down (issue 11 item 6).  So the settle wait
 * and both fabric checks hold as they do in service; only the readiness
 * answer does not gate the next domain (the pool serves nobody), and it
 * is asked for again before the failback. */
static bool serving_backup(const struct pp_model *m)
{
    return m->failed_over && !m->failed_back;
}

static void settle_done(struct pp_engine *e)
{
    struct pp_jrec *r = eng_journal(e, PP_JEV_WAIT);
    eng_copy(r->result, sizeof r->result, "ok");
    eng_copy(r->reason, sizeof r->reason, "settle wait complete");
    e->m->settle_until = PP_MS_NEVER;
    e->fabric_failed = 0;
    e->settle_pending = false;
    if (serving_backup(e->m)) {
        e->m->phase = PP_PH_CHOOSE;
        gate_offer_domain(e);
        return;
    }
    e->m->phase = PP_PH_CHECKING;
    gate_begin_check(e);
}

static void run_fabric(struct pp_engine *e, bool after)
{
    int s = pick_check_server(e, NULL);
    if (s < 0) {
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE, "%s",
                _("No Front End is up to read the pool's fabric state on."));
        return;
    }
    e->fabric_running = true;
    e->fabric_after = after;
    e->fabric_failed = 0;
    eng_run(e, PP_CMD_FABRIC, s, -1, e->cfg->timing.probe_timeout);
}

static void on_ready_settling(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (e->settle_final) {
        gate_all_done(e);
        return;
    }
    if (m->settle_until == PP_MS_NEVER) {
        m->settle_until = e->now + e->cfg->timing.settle;
        wait_record(e, "Ready: settle %llds before the next domain",
                    (long long)(e->cfg->timing.settle / 1000));
        if (has_template(e, PP_CMD_FABRIC) && !e->fabric_before_done)
            run_fabric(e, false);
    }
    pp_ms next = e->now + settle_check_interval(e);
    m->next_check = next < m->settle_until ? next : PP_MS_NEVER;
}

/* The settle wait of a failed-over pool: the timer and the fabric check
 * before it start at once, with no readiness answer to wait for. */
static void settle_start_failed_over(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    m->settle_until = e->now + e->cfg->timing.settle;
    m->next_check = PP_MS_NEVER;
    wait_record(e, "failed over: settle %llds before the next domain",
                (long long)(e->cfg->timing.settle / 1000));
    if (has_template(e, PP_CMD_FABRIC) && !e->fabric_before_done)
        run_fabric(e, false);
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
        wait_record(e, "Busy (strike %d of %d): the console is stopping", m->busy_strikes,
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
    if (serving_backup(m)) {
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
            on_ready_settling(e);
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

void gate_on_fabric(struct pp_engine *e, enum pp_result res, const char *detail)
{
    struct pp_jrec *j = eng_journal(e, PP_JEV_FABRIC);
    eng_copy(j->result, sizeof j->result, pp_result_name(res));
    eng_copy(j->state, sizeof j->state, e->fabric_after ? "after" : "before");
    eng_copy(j->detail, sizeof j->detail, detail);
    if (e->quit || e->stopped)
        return;
    if (res != PP_RES_OK) {
        e->m->settle_until = PP_MS_NEVER;
        e->fabric_failed = e->fabric_after ? 2 : 1;
        const char *what = detail && *detail ? detail : pp_result_name(res);
        if (e->fabric_after)
            eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                    _("Fabric state after the settle wait: %s. The next domain is held while a "
                      "routing group lacks a primary or a secondary. A recheck re-runs the checks; "
                      "override proceed on the pool accepts this fabric check only (the "
                      "readiness gate still holds)."),
                    what);
        else
            eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                    _("Fabric state before the settle wait: %s. The next domain is held while a "
                      "routing group lacks a primary or a secondary. A recheck re-runs the checks; "
                      "override proceed on the pool accepts this fabric check only (the settle "
                      "wait and the check after it still hold)."),
                    what);
        return;
    }
    if (!e->fabric_after)
        e->fabric_before_done = true;
    else
        settle_done(e);
}

/* override proceed on the pool, the fabric check that failed accepted
 * (journaled "accept-fabric"): that check passes, nothing else does.  The
 * one before the wait: the wait starts over (with a fresh readiness answer
 * unless failed over), without reading the fabric again before it; the
 * one after: the wait has run, and the readiness gate comes next. */
void gate_accept_fabric(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    int which = e->fabric_failed;
    e->fabric_failed = 0;
    if (which == 2) {
        settle_done(e);
        return;
    }
    e->fabric_before_done = true;
    m->settle_until = PP_MS_NEVER;
    if (serving_backup(m))
        settle_start_failed_over(e);
    else
        gate_begin_check(e);
}

/* override proceed on the pool during a settle wait, the pool in service
 * and nothing else holding it (journaled "skip-settle"): the wait itself
 * ends now, and that is all.  The fabric check after it still runs, and
 * the readiness gate still decides the next domain (issue 11 item 5: an
 * override passes one rule).  The last domain's settle is its readiness
 * answer, not a wait: there the override passes the gate as before. */
bool gate_skip_settle_applies(const struct pp_engine *e)
{
    const struct pp_model *m = e->m;
    return m->phase == PP_PH_SETTLE && e->settle_pending && !e->settle_final &&
           !e->fabric_failed && !e->failback_held && !m->problem[0] && !m->failed_over &&
           m->active_domain < 0;
}

void gate_skip_settle(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    m->settle_until = PP_MS_NEVER;
    m->next_check = PP_MS_NEVER;
    if (has_template(e, PP_CMD_FABRIC))
        run_fabric(e, true);
    else
        settle_done(e);
}

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
    if (serving_backup(m) && !e->failback_checked) {
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
        wait_record(e, "no open domain reports ReadyForUpgrade True: next check in %llds",
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

void gate_settle(struct pp_engine *e, bool final)
{
    struct pp_model *m = e->m;
    m->phase = PP_PH_SETTLE;
    e->settle_final = final;
    m->settle_until = PP_MS_NEVER;
    e->fabric_before_done = false;
    e->fabric_failed = 0;
    e->failback_checked = false;
    e->failback_held = false;
    if (serving_backup(m) && !final) {
        settle_start_failed_over(e);
        return;
    }
    gate_begin_check(e);
}

void gate_on_timer(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (e->quit || e->stopped)
        return;
    if (m->phase == PP_PH_SETTLE && m->settle_until <= e->now &&
        (m->readiness == PP_READY_READY || serving_backup(m)) && !e->settle_final &&
        !e->check_running && !e->fabric_running) {
        m->settle_until = PP_MS_NEVER;
        if (has_template(e, PP_CMD_FABRIC))
            run_fabric(e, true);
        else
            settle_done(e);
        return;
    }
    if (m->next_check <= e->now && !e->check_running)
        gate_begin_check(e);
}
