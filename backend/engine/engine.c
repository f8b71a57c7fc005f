/* The procedure engine: construction, event dispatch and the small helpers
 * every part of it uses to emit actions.  The procedure itself lives in
 * engine_check.c (the readiness check), engine_settle.c (the wait after a
 * domain), engine_gate.c (the next domain, the run's end), engine_domain.c
 * (servers) and engine_operator.c (decisions and overrides).
 *
 * Language: what the operator reads (questions, notes, the text of the
 * exit) is translated when it is made (_()); what the journal keeps stays
 * in English (eng_journal records are never built from translated text),
 * so a journal reads the same whatever the console's locale was. */
#include "backend/engine/engine_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/core/i18n.h"

static const char *const override_names[PP_OV_COUNT] = {"force", "retry", "skip", "done",
                                                        "proceed"};

const char *engine_override_name(enum pp_override o)
{
    return (o >= 0 && o < PP_OV_COUNT) ? override_names[o] : "";
}

int engine_override_parse(const char *s)
{
    for (int i = 0; s && i < PP_OV_COUNT; i++)
        if (strcasecmp(s, override_names[i]) == 0)
            return i;
    return -1;
}

void eng_copy(char *dst, size_t n, const char *src)
{
    if (!n)
        return;
    snprintf(dst, n, "%s", src ? src : "");
}

void actions_clear(struct pp_actions *a) { a->n = 0; }

void actions_free(struct pp_actions *a)
{
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

static struct pp_action *push(struct pp_engine *e, enum pp_act_type t)
{
    struct pp_actions *a = e->out;
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 16;
        /* out of memory: deciding half-way is worse than stopping */
        struct pp_action *v = mem_realloc(a->v, (size_t)cap * sizeof *v, "engine actions");
        a->v = v;
        a->cap = cap;
    }
    struct pp_action *x = &a->v[a->n++];
    memset(x, 0, sizeof *x);
    x->type = t;
    x->server = -1;
    x->domain = -1;
    return x;
}

struct pp_jrec *eng_journal(struct pp_engine *e, enum pp_jev event)
{
    struct pp_action *x = push(e, PP_ACT_JOURNAL);
    eng_copy(x->rec.event, sizeof x->rec.event, journal_event_name(event));
    eng_copy(x->rec.operator_, sizeof x->rec.operator_, e->operator_);
    return &x->rec;
}

void eng_note(struct pp_engine *e, const char *fmt, ...)
{
    struct pp_action *x = push(e, PP_ACT_NOTE);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->text, sizeof x->text, fmt, ap);
    va_end(ap);
    utf8_trim_tail(x->text);
}

bool eng_has_template(const struct pp_engine *e, enum pp_cmd_kind k)
{
    return e->cfg->commands[k] && e->cfg->commands[k][0];
}

void eng_wait_record(struct pp_engine *e, const char *fmt, ...)
{
    struct pp_jrec *r = eng_journal(e, PP_JEV_WAIT);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
}

void eng_run(struct pp_engine *e, enum pp_cmd_kind kind, int server, int domain, pp_ms timeout)
{
    struct pp_action *x = push(e, PP_ACT_RUN);
    x->kind = kind;
    x->server = server;
    x->domain = domain;
    x->timeout = timeout;
    if (server >= 0) {
        e->srv[server].running = true;
        e->srv[server].kind = kind;
        /* the server's line is the output of what runs on it now: a
         * readiness answer left there is not what a drain is doing */
        e->m->servers[server].last_line[0] = 0;
    }
}

void eng_cancel(struct pp_engine *e, int server)
{
    struct pp_action *x = push(e, PP_ACT_CANCEL);
    x->server = server;
}

void eng_ask(struct pp_engine *e, enum pp_ask_kind k, int server, int domain, enum pp_step step,
             const char *fmt, ...)
{
    struct pp_model *m = e->m;
    m->ask = k;
    m->ask_server = server;
    m->ask_domain = domain;
    m->ask_step = step;
    m->ask_quorum = false;   /* gate_offer_domain sets it after its own question */
    if (++m->ask_id == 0)
        m->ask_id = 1;       /* 0 means "no id" in an answer */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->ask_text, sizeof m->ask_text, fmt, ap);
    va_end(ap);
    utf8_trim_tail(m->ask_text);
    /* the action carries its own copy: a later action in the same list may
     * clear the model's question before the runner gets to this one */
    struct pp_action *x = push(e, PP_ACT_ASK);
    eng_copy(x->text, sizeof x->text, m->ask_text);
    x->server = server;
    x->domain = domain;
    x->ask_id = m->ask_id;
}

void eng_clear_ask(struct pp_engine *e)
{
    e->m->ask = PP_ASK_NONE;
    e->m->ask_server = e->m->ask_domain = -1;
    e->m->ask_step = PP_STEP_NONE;
    e->m->ask_text[0] = 0;
    e->m->ask_quorum = false;
}

int eng_running_count(const struct pp_engine *e)
{
    int n = e->pool_cmd_running + e->pool_probe_running;   /* on the failover host; checks
                                                             * and probes of servers below */
    for (int i = 0; i < e->m->nservers; i++)
        n += e->srv[i].running;
    return n;
}

/* The run is over (complete, or stopped for good).  Waits for nothing:
 * callers make sure nothing runs.  `why` is English: the journal keeps it
 * as written, the operator reads its translation (literal reasons are
 * marked N_() where they are written; an operator's own reason has no
 * translation and comes back as typed). */
void eng_finish(struct pp_engine *e, int code, const char *why)
{
    if (e->stopped)
        return;
    e->stopped = true;
    struct pp_jrec *r = eng_journal(e, code == 0 ? PP_JEV_COMPLETE : PP_JEV_STOP);
    eng_copy(r->reason, sizeof r->reason, why);
    snprintf(r->detail, sizeof r->detail, "%d of %d domains done", e->m->domains_done,
             e->m->ndomains);
    e->m->phase = code == 0 ? PP_PH_COMPLETE : PP_PH_STOPPED;
    e->m->exit_code = code;
    eng_clear_ask(e);
    struct pp_action *x = push(e, PP_ACT_EXIT);
    x->exit_code = code;
    eng_copy(x->text, sizeof x->text, why && *why ? _(why) : why);
    utf8_trim_tail(x->text);
}

struct pp_engine *engine_new(const struct pp_config *cfg, struct pp_model *m,
                             const char *operator_)
{
    struct pp_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->srv = calloc((size_t)(m->nservers ? m->nservers : 1), sizeof *e->srv);
    if (!e->srv) {
        free(e);
        return NULL;
    }
    e->cfg = cfg;
    e->m = m;
    eng_copy(e->operator_, sizeof e->operator_, operator_ && *operator_ ? operator_ : "operator");
    e->proceed_domain = -1;
    e->last_strike = -1;
    e->pool_cmd_inflight = PP_CMD_COUNT;
    e->pool_unsure = PP_CMD_COUNT;
    e->backend_server = -1;
    e->topo_server = -1;
    return e;
}

void engine_free(struct pp_engine *e)
{
    if (!e)
        return;
    free(e->srv);
    free(e);
}

bool engine_resumed(const struct pp_engine *e) { return e->resumed; }

void engine_restore_lenient(struct pp_engine *e) { e->lenient = true; }

void eng_topology(const struct pp_engine *e, char out[9])
{
    uint32_t h = 2166136261u;   /* FNV-1a 32; names are compared without case */
    for (int i = 0; i < e->cfg->nservers; i++) {
        const struct pp_server_cfg *s = &e->cfg->servers[i];
        for (int pass = 0; pass < 2; pass++) {
            for (const char *p = pass ? s->domain : s->name; *p; p++) {
                h ^= (unsigned char)tolower((unsigned char)*p);
                h *= 16777619u;
            }
            h ^= (unsigned char)(pass ? '\n' : '=');
            h *= 16777619u;
        }
    }
    snprintf(out, 9, "%08x", (unsigned)h);
}

int engine_running(const struct pp_engine *e) { return eng_running_count(e); }

pp_ms engine_next_wake(const struct pp_engine *e)
{
    const struct pp_model *m = e->m;
    if (e->stopped)
        return PP_MS_NEVER;
    pp_ms w = PP_MS_NEVER;
    if (!e->check_running && m->next_check < w)
        w = m->next_check;
    /* the settle timer only matters once the check and the fabric read that
     * run have ended (gate_on_timer waits for both): waking for it before
     * would fire at once, again and again (settle = 0 at --time-scale=max
     * spun at 100 % CPU) */
    if (m->phase == PP_PH_SETTLE && !e->check_running && !e->fabric_running &&
        m->settle_until < w)
        w = m->settle_until;
    return w;
}

/* What has happened since the journal began, on resume. */
static void start_resumed(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    struct pp_jrec *r = eng_journal(e, PP_JEV_RESUME);
    int inflight = 0;
    for (int i = 0; i < m->nservers; i++)
        if (m->servers[i].state == PP_SRV_RUNNING)
            inflight++;
    snprintf(r->detail, sizeof r->detail, "%d of %d domains done; %s%s; %d step(s) in flight",
             m->domains_done, m->ndomains, m->active_domain >= 0 ? "in progress: " : "none in progress",
             m->active_domain >= 0 ? m->domains[m->active_domain].name : "", inflight);
    if (m->phase == PP_PH_COMPLETE) {
        eng_note(e, "%s", _("this pool's run is already complete; nothing to do"));
        e->stopped = true;
        struct pp_action *x = push(e, PP_ACT_EXIT);
        x->exit_code = 0;
        return;
    }
    /* A step that was running when the console died: its outcome is
     * unknown.  Never assume done or failed: record it as lost, probe,
     * and put it to the operator. */
    for (int i = 0; i < m->nservers; i++) {
        struct pp_server *s = &m->servers[i];
        if (s->state != PP_SRV_RUNNING)
            continue;
        struct pp_jrec *l = eng_journal(e, PP_JEV_STEP_END);
        eng_copy(l->server, sizeof l->server, s->name);
        if (s->domain >= 0)
            eng_copy(l->domain, sizeof l->domain, m->domains[s->domain].name);
        eng_copy(l->step, sizeof l->step, pp_step_name(s->step));
        eng_copy(l->result, sizeof l->result, "lost");
        eng_copy(l->detail, sizeof l->detail, "the console stopped while this step ran");
        s->state = PP_SRV_LOST;
        s->last_result = PP_RES_LOST;
        s->lost_count++;
        s->lost_console = true;
        s->probed = false;
    }
    backend_resume(e);   /* the Back End's update running when it died: lost, asked */
    int open = 0;
    for (int d = 0; d < m->ndomains; d++)
        open += m->domains[d].state != PP_DOM_DONE && m->domains[d].state != PP_DOM_DONE_EXCEPTIONS;
    if (m->active_domain >= 0) {
        m->phase = PP_PH_DOMAIN;
        bool unknown = false;
        for (int i = 0; i < m->nservers; i++)
            unknown |= m->servers[i].domain < 0;
        if (unknown) {
            /* domains were discovered by the readiness check in the earlier
             * run: learn the members again before going on */
            e->resume_check = true;
            gate_begin_check(e);
        } else {
            dom_advance(e);
        }
    } else if (e->pool_cmd_inflight != PP_CMD_COUNT) {
        /* a failover or failback was running: its outcome is unknown too.
         * Read the pool's state before anyone decides; never re-run it
         * blind (--yes cannot: the question that follows is not one a
         * confirmation answers). */
        bool fo = e->pool_cmd_inflight == PP_CMD_FAILOVER;
        struct pp_jrec *l = eng_journal(e, fo ? PP_JEV_FAILOVER : PP_JEV_FAILBACK);
        eng_copy(l->result, sizeof l->result, "lost");
        eng_copy(l->detail, sizeof l->detail, "the console stopped while it ran");
        pool_set_unsure(e, e->pool_cmd_inflight, PP_RES_LOST, l->detail, true);
        e->pool_cmd_inflight = PP_CMD_COUNT;
        pool_probe(e);
    } else if (e->pool_unsure != PP_CMD_COUNT) {
        /* one ended failed or lost and nobody had said what is true */
        pool_probe(e);
    } else if (m->failed_over && !m->failed_back) {
        /* users are on the backup pool: no readiness gate between domains,
         * but the settle wait that had not ended starts over, and the
         * failback waits for a fresh Ready (gate_all_done) */
        if (open == 0 && m->ndomains > 0)
            gate_all_done(e);
        else if (e->settle_pending)
            gate_settle(e, false);
        else
            gate_offer_domain(e);
    } else if (open == 0 && m->ndomains > 0) {
        if (m->failed_back)
            gate_complete(e, GATE_END_FAILED_BACK);
        else
            gate_settle(e, true);   /* the last domain's end: wait for Ready, then done */
    } else if (m->busy_strikes >= e->cfg->timing.busy_strikes) {
        /* the earlier console counted the last strike and stopped before
         * it could say so: the pool has a problem, as it would have */
        gate_problem(e, N_("the pool answered Busy %d times in a row"), m->busy_strikes);
    } else if (e->settle_pending) {
        gate_settle(e, false);      /* the settle wait starts over: it was not finished */
    } else {
        gate_begin_check(e);
    }
}

static void handle_cmd_done(struct pp_engine *e, const struct pp_event *ev)
{
    int s = ev->server;
    if (s >= 0 && s < e->m->nservers)
        e->srv[s].running = false;
    switch (ev->kind) {
    case PP_CMD_READINESS:
        e->check_running = false;
        gate_on_readiness(e, ev->result, ev->readiness, ev->detail);
        break;
    case PP_CMD_FABRIC:
        e->fabric_running = false;
        gate_on_fabric(e, ev->result, ev->detail);
        break;
    case PP_CMD_BACKEND:
        backend_on_done(e, ev->result, ev->detail);
        break;
    case PP_CMD_FAILOVER:
    case PP_CMD_FAILBACK:
        e->pool_cmd_running = false;
        gate_on_pool_cmd(e, ev->kind, ev->result, ev->detail);
        break;
    case PP_CMD_PROBE:
        if (s >= 0 && s < e->m->nservers)
            dom_on_probe(e, s, ev->result, ev->detail);
        break;
    case PP_CMD_POOL_STATE:
        if (e->pool_probe_running)
            pool_on_probe(e, ev->result, ev->detail);
        break;
    case PP_CMD_TOPOLOGY:
        topo_on_done(e, s, ev->result, ev->topology, ev->detail);
        break;
    default:
        if (s >= 0 && s < e->m->nservers)
            dom_on_step(e, s, ev->kind, ev->result, ev->detail);
        break;
    }
}

void engine_handle(struct pp_engine *e, const struct pp_event *ev, pp_ms now,
                   struct pp_actions *out)
{
    e->out = out;
    e->now = now;
    e->m->now = now;
    if (e->stopped)
        return;
    switch (ev->type) {
    case PP_EV_START:
        if (e->started)
            break;
        e->started = true;
        if (e->m->started_at < 0)
            e->m->started_at = now;
        if (e->resumed) {
            start_resumed(e);
        } else {
            struct pp_jrec *r = eng_journal(e, PP_JEV_START);
            /* the rule in force is part of the record: a reader of the journal
             * knows what protected the pool without the config at hand */
            static const char *const rules[] = {"lync", "majority", "none"};
            char topo[9];
            eng_topology(e, topo);
            /* ... and so are the timings in force: Microsoft's on a Lync /
             * SfB pool, whatever a custom pool chose */
            const struct pp_timing *t = &e->cfg->timing;
            snprintf(r->detail, sizeof r->detail,
                     "pool %s profile %s mode %s, %d Front Ends, quorum %s, Busy retry %llds, "
                     "%d strikes, settle %llds, topology %s%s%s",
                     e->m->fqdn, e->m->profile,
                     e->m->mode == PP_MODE_GRACEFUL ? "graceful" : "downtime", e->m->nservers,
                     rules[e->cfg->quorum], (long long)(t->busy_retry / 1000), t->busy_strikes,
                     (long long)(t->settle / 1000), topo,
                     e->m->training ? ", training scenario " : "",
                     e->m->training ? e->m->scenario : "");
            gate_begin_check(e);
        }
        break;
    case PP_EV_TIMER:
        gate_on_timer(e);
        break;
    case PP_EV_CMD_DONE:
        handle_cmd_done(e, ev);
        break;
    case PP_EV_OPERATOR:
        op_handle(e, ev);
        break;
    }
    /* A quit waits for running commands; once the last has ended, stop. */
    if (e->quit && !e->stopped && eng_running_count(e) == 0)
        eng_finish(e, 1, e->quit_reason[0] ? e->quit_reason : N_("operator quit"));
    e->out = NULL;
}
