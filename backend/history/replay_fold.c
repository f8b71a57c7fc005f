/* The replay fold: what a live console knows that the journal only tells
 * in words (phase, Busy strikes, countdowns, when each step started, the
 * question that was pending), read back from the records so the dashboard
 * and the walkthrough show a replayed moment the way it looked live.
 * The words it reads are the engine's own (engine_check.c and
 * engine_settle.c wait reasons, readiness details); a record it cannot
 * read leaves the field alone. */
#include "backend/history/replay_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void readiness_detail(struct pp_model *m, const char *detail)
{
    int a, t;
    if (sscanf(detail, "active %d/%d", &a, &t) == 2) {
        m->active_fe = a;
        m->total_fe = t;
    }
    /* "; UpgradeDomain1 ready; UpgradeDomain2 not ready" */
    for (const char *p = strstr(detail, "; "); p; p = strstr(p + 2, "; ")) {
        char name[PP_DOMAIN_NAME_MAX], w1[16] = "", w2[16] = "";
        if (sscanf(p + 2, "%63s %15[a-z?] %15[a-z]", name, w1, w2) < 2)
            continue;
        int d = model_find_domain(m, name);
        if (d < 0)
            continue;
        struct pp_domain *dom = &m->domains[d];
        bool ready = !strcmp(w1, "ready");
        dom->ready_flag = ready ? 1 : !strcmp(w1, "not") ? 0 : -1;
        if (dom->state == PP_DOM_WAITING || dom->state == PP_DOM_READY ||
            dom->state == PP_DOM_NOT_READY)
            dom->state = ready ? PP_DOM_READY : dom->ready_flag == 0 ? PP_DOM_NOT_READY
                                                                     : PP_DOM_WAITING;
    }
}

/* "...: next check in 600s" -> 600000 */
static pp_ms next_in(const char *reason)
{
    const char *p = strstr(reason, "next check in ");
    long long s;
    if (p && sscanf(p, "next check in %llds", &s) == 1)
        return (pp_ms)s * 1000;
    return -1;
}

static void wait_record(struct pp_model *m, struct replay_fold *f, const struct pp_jrec *r,
                        pp_ms t)
{
    const char *why = r->reason;
    int strike, of;
    long long secs;
    pp_ms in = next_in(why);
    if (!strcmp(r->result, "ok")) {          /* settle wait complete */
        m->settle_until = PP_MS_NEVER;
        m->phase = PP_PH_CHECKING;
        return;
    }
    if (sscanf(why, "Ready: settle %llds", &secs) == 1 ||
        sscanf(why, "failed over: settle %llds", &secs) == 1) {
        m->settle_until = t + (pp_ms)secs * 1000;
        m->phase = PP_PH_SETTLE;
        return;
    }
    if (strstr(why, "left Ready during the settle wait")) {
        m->settle_until = PP_MS_NEVER;
        return;
    }
    if (sscanf(why, "Busy (strike %d of %d)", &strike, &of) == 2)
        m->busy_strikes = strike;
    if (in >= 0)
        m->next_check = t + in;
    if (!f->settling)
        m->phase = PP_PH_BUSY_WAIT;
}

static void step_times(struct pp_model *m, const struct pp_jrec *r, pp_ms t)
{
    int s = r->server[0] ? model_find_server(m, r->server) : -1;
    if (s < 0)
        return;
    struct pp_server *sv = &m->servers[s];
    if (journal_event_parse(r->event) == PP_JEV_STEP_START) {
        sv->step_started = t;
        if (!strcmp(r->step, "drain") || sv->steps_started == 0)
            sv->steps_started = t ? t : 1;
    } else if (journal_event_parse(r->event) == PP_JEV_STEP_END) {
        if (sv->state == PP_SRV_VERIFIED)
            sv->finished = t;
        if (sv->state == PP_SRV_FAILED)
            snprintf(sv->reason, sizeof sv->reason, "%s", r->detail);
    } else if (journal_event_parse(r->event) == PP_JEV_PROBE) {
        sv->probed = true;
        snprintf(sv->probe_answer, sizeof sv->probe_answer, "%s", r->detail);
    } else if (journal_event_parse(r->event) == PP_JEV_OVERRIDE) {
        sv->finished = t;
        snprintf(sv->by, sizeof sv->by, "%s", r->operator_);
    }
}

void replay_fold_record(struct pp_replay *rp, struct replay_fold *f, const struct pp_jrec *r,
                        pp_ms t)
{
    struct pp_model *m = &rp->m;
    enum pp_jev ev = journal_event_parse(r->event);
    m->now = t;
    if (m->started_at < 0)
        m->started_at = t;
    m->next_check = m->next_check <= t ? PP_MS_NEVER : m->next_check;
    step_times(m, r, t);
    if (ev == PP_JEV_START || ev == PP_JEV_RESUME) {
        m->phase = m->active_domain >= 0 ? PP_PH_DOMAIN : PP_PH_CHECKING;
    } else if (ev == PP_JEV_READINESS) {
        model_readiness_taken(m, t);
        int s = model_find_server(m, r->server);
        if (s >= 0)
            m->check_server = s;
        readiness_detail(m, r->detail);
        if (m->readiness == PP_READY_READY) {
            m->busy_strikes = 0;
            m->problem[0] = 0;
            if (!f->settling && m->phase != PP_PH_DOMAIN)
                m->phase = PP_PH_CHOOSE;
        }
    } else if (ev == PP_JEV_WAIT) {
        wait_record(m, f, r, t);
    } else if (ev == PP_JEV_POOL_PROBLEM) {
        int strikes;
        if (sscanf(r->reason, "the pool answered Busy %d times", &strikes) == 1)
            m->busy_strikes = strikes;   /* the last strike has no wait record */
        snprintf(m->problem, sizeof m->problem, "%s", r->reason);
        m->phase = PP_PH_PROBLEM;
        m->next_check = m->settle_until = PP_MS_NEVER;
        f->settling = false;
    } else if (ev == PP_JEV_FAILOVER || ev == PP_JEV_FAILBACK) {
        bool fo = ev == PP_JEV_FAILOVER;
        model_pool_moved(m, !fo);
        if (!r->result[0])
            m->phase = fo ? PP_PH_FAILOVER : PP_PH_FAILBACK;
        else if (!strcmp(r->result, "ok") && fo) {
            m->problem[0] = 0;   /* failed over: domains go on without the gate */
            m->phase = PP_PH_CHOOSE;
        }
        else if (strcmp(r->result, "ok"))
            m->phase = fo ? PP_PH_PROBLEM : PP_PH_FAILBACK_ASK;
    } else if (ev == PP_JEV_BACKEND) {
        /* the Back End's update: started (no result) or ended */
        if (!r->result[0] && !r->state[0])
            m->phase = PP_PH_BACKEND;
        snprintf(m->backend_item, sizeof m->backend_item, "%s",
                 r->state[0] ? r->state
                 : !r->result[0] ? "running"
                 : !strcmp(r->result, "ok") ? "ok" : "failed");
    } else if (ev == PP_JEV_DOMAIN_START) {
        int d = model_find_domain(m, r->domain);
        if (d >= 0)
            m->domains[d].started = t;
        m->phase = PP_PH_DOMAIN;
        m->settle_until = m->next_check = PP_MS_NEVER;
        f->settling = false;
    } else if (ev == PP_JEV_DOMAIN_DONE) {
        int d = model_find_domain(m, r->domain);
        if (d >= 0)
            m->domains[d].finished = t;
        f->settling = !m->failed_over;
        m->phase = m->failed_over ? PP_PH_CHOOSE : PP_PH_SETTLE;
        m->settle_until = PP_MS_NEVER;
    } else if (ev == PP_JEV_COMPLETE || ev == PP_JEV_STOP) {
        m->phase = ev == PP_JEV_COMPLETE ? PP_PH_COMPLETE : PP_PH_STOPPED;
        m->exit_code = ev == PP_JEV_COMPLETE ? 0 : 1;
        if (ev == PP_JEV_STOP)
            snprintf(m->problem, sizeof m->problem, "%s", r->reason);
        m->next_check = m->settle_until = PP_MS_NEVER;
    }
}

static enum pp_ask_kind ask_of(const char *subject)
{
    if (!strcmp(subject, "domain")) return PP_ASK_START_DOMAIN;
    if (!strcmp(subject, "server")) return PP_ASK_START_SERVER;
    if (!strcmp(subject, "step")) return PP_ASK_START_STEP;
    if (!strcmp(subject, "failover")) return PP_ASK_FAILOVER;
    if (!strcmp(subject, "failback")) return PP_ASK_FAILBACK;
    if (!strcmp(subject, "backend")) return PP_ASK_BACKEND;
    if (!strcmp(subject, "rerun")) return PP_ASK_RERUN;
    return PP_ASK_OPERATOR;
}

/* The question the engine waited on here: the next record answers it (a
 * confirm or decline names its subject), or the state says who waited. */
void replay_fold_ask(struct pp_replay *rp)
{
    struct pp_model *m = &rp->m;
    m->ask = PP_ASK_NONE;
    m->ask_server = m->ask_domain = -1;
    m->ask_step = PP_STEP_NONE;
    m->ask_text[0] = 0;
    if (m->phase == PP_PH_COMPLETE || m->phase == PP_PH_STOPPED)
        return;
    /* a decision was just taken: its question is answered */
    const struct pp_jrec *cur = rp->pos > 0 ? &rp->recs[rp->pos - 1] : NULL;
    if (cur && replay_is_decision(cur) && journal_event_parse(cur->event) != PP_JEV_POOL_PROBLEM)
        return;
    const struct pp_jrec *next = rp->pos < rp->n ? &rp->recs[rp->pos] : NULL;
    if (next && (journal_event_parse(next->event) == PP_JEV_CONFIRM || journal_event_parse(next->event) == PP_JEV_DECLINE)) {
        m->ask = ask_of(next->state);
        m->ask_domain = next->domain[0] ? model_find_domain(m, next->domain) : -1;
        m->ask_server = next->server[0] ? model_find_server(m, next->server) : -1;
        int st = pp_step_parse(next->step);
        m->ask_step = st < 0 ? PP_STEP_NONE : (enum pp_step)st;
        snprintf(m->ask_text, sizeof m->ask_text, "(replay) answered next: %s by %s%s%s",
                 next->event, next->operator_, next->reason[0] ? ": " : "", next->reason);
        return;
    }
    if (m->phase == PP_PH_PROBLEM) {
        m->ask = m->backup_pool[0] && !m->failed_over ? PP_ASK_FAILOVER : PP_ASK_OPERATOR;
        snprintf(m->ask_text, sizeof m->ask_text, "(replay) the pool had a problem: %s",
                 m->problem);
        return;
    }
    for (int i = 0; m->active_domain >= 0 && i < m->nservers; i++) {
        const struct pp_server *sv = &m->servers[i];
        if (sv->domain != m->active_domain ||
            (sv->state != PP_SRV_FAILED && !(sv->state == PP_SRV_LOST && sv->probed)))
            continue;
        bool overran = sv->state == PP_SRV_FAILED && sv->step == PP_STEP_DRAIN &&
                       sv->last_result == PP_RES_TIMEOUT && m->mode == PP_MODE_GRACEFUL &&
                       !sv->forced_drain;
        m->ask = sv->state == PP_SRV_LOST ? (sv->lost_count >= 2 ? PP_ASK_OPERATOR : PP_ASK_RERUN)
                 : overran                ? PP_ASK_FORCE_DRAIN
                                          : PP_ASK_OPERATOR;
        m->ask_server = i;
        m->ask_domain = sv->domain;
        m->ask_step = sv->step;
        snprintf(m->ask_text, sizeof m->ask_text, "(replay) %s waited for the operator: %s %s",
                 sv->name, pp_step_name(sv->step), pp_result_name(sv->last_result));
        return;
    }
}

void replay_fold_output(struct pp_replay *rp, int from)
{
    int want = rp->m.nservers + 1;
    if (from <= 0 || rp->nout != want) {
        for (int i = 0; rp->out && i < rp->nout; i++)
            outbuf_free(&rp->out[i]);
        free(rp->out);
        rp->out = calloc((size_t)want, sizeof *rp->out);
        rp->nout = rp->out ? want : 0;
        for (int i = 0; i < rp->nout; i++)
            outbuf_init(&rp->out[i], i == want - 1 ? 2000 : 200);
        from = 0;
    }
    if (!rp->out)
        return;
    /* the pool's ring keeps the newest 2000 lines: format only those */
    int skip = rp->pos > 2000 ? rp->pos - 2000 : 0;
    for (int i = from; i < rp->pos; i++) {
        const struct pp_jrec *r = &rp->recs[i];
        int s = r->server[0] ? model_find_server(&rp->m, r->server) : -1;
        if (i < skip && s < 0)
            continue;
        char d[1400], line[1500];
        replay_describe(r, d, sizeof d);
        const char *ts = strchr(r->ts, 'T');
        snprintf(line, sizeof line, "%.8s #%lld %s", ts ? ts + 1 : r->ts, r->seq, d);
        if (i >= skip)
            outbuf_add_line(&rp->out[rp->nout - 1], line);
        if (s >= 0)
            outbuf_add_line(&rp->out[s], line);
    }
}
