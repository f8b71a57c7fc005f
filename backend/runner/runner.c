/* The runner: the imperative shell around the pure engine.
 *
 * Engine actions are executed in order.  A journal record is written and
 * fsync'ed before anything after it in the list happens; if a write fails
 * the runner halts (nothing more starts) and the operator is told: the
 * journal then still says exactly what is durable, and a restart resumes
 * from it.
 *
 * Language: the notices are what the operator reads and are translated
 * (_()); a journal record's own line (journal_describe) and the reasons
 * handed to the engine stay English, as the journal keeps them. */
#include "backend/runner/runner_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/core/i18n.h"
#include "backend/journal/journal_eta.h"
#include "backend/journal/checklist.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void runner_notify(struct pp_runner *r, enum pp_notice_type t, int server, const char *text)
{
    struct pp_notice n = {.type = t, .server = server, .text = text};
    if (r->fn)
        r->fn(r->ctx, &n);
}

/* ---- the clock ---------------------------------------------------------- */

/* Virtual time runs at `scale` times real time from the last anchor; in max
 * mode it only moves when the runner jumps it to the next due event. */
static void clock_update(struct pp_runner *r)
{
    if (r->paused || r->scale == 0)
        return;
    int64_t m = mono_ms();
    pp_ms v = r->anchor_virtual + (pp_ms)((double)(m - r->anchor_mono) * r->scale);
    if (v > r->now)
        r->now = v;
}

static void clock_anchor(struct pp_runner *r)
{
    r->anchor_mono = mono_ms();
    r->anchor_virtual = r->now;
}

void runner_set_scale(struct pp_runner *r, double scale)
{
    clock_update(r);
    r->scale = scale < 0 ? 1 : scale;
    clock_anchor(r);
}

void runner_pause(struct pp_runner *r, bool paused)
{
    clock_update(r);
    r->paused = paused;
    clock_anchor(r);
}

bool runner_paused(const struct pp_runner *r) { return r->paused; }
pp_ms runner_now(const struct pp_runner *r) { return r->now; }
int64_t runner_wall(const struct pp_runner *r) { return r->wall0 + (r->now - r->now0); }

void runner_stamp(struct pp_runner *r, struct pp_jrec *rec)
{
    if (rec->ts[0])
        return;
    int64_t w = runner_wall(r);
    if (w < r->last_ts)
        w = r->last_ts;   /* the system clock stepped back: keep the journal's order */
    r->last_ts = w;
    journal_format_ts(w, rec->ts, sizeof rec->ts);
}

/* ---- lifecycle ---------------------------------------------------------- */

struct pp_runner *runner_new(const struct pp_config *cfg, struct pp_model *m,
                             struct pp_transport *t, struct pp_journal *j,
                             const struct pp_runner_opts *o, pp_notice_fn fn, void *ctx)
{
    struct pp_runner *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->cfg = cfg;
    r->m = m;
    r->t = t;
    r->j = j;
    r->opts = *o;
    snprintf(r->operator_, sizeof r->operator_, "%s", o->operator_ ? o->operator_ : "operator");
    r->opts.operator_ = r->operator_;
    r->fn = fn;
    r->ctx = ctx;
    r->eng = engine_new(cfg, m, r->operator_);
    r->out = calloc((size_t)m->nservers + 1, sizeof *r->out);
    r->lastcmd = calloc((size_t)m->nservers + 1, sizeof *r->lastcmd);
    if (!r->eng || !r->out || !r->lastcmd) {
        runner_free(r);
        return NULL;
    }
    for (int i = 0; i <= m->nservers; i++)
        outbuf_init(&r->out[i], i == m->nservers ? 2000 : 500);
    outbuf_init(&r->log, 2000);
    r->scale = o->training ? o->time_scale : 1;
    r->now = 0;
    r->now0 = 0;
    r->wall0 = wall_ms();
    clock_anchor(r);
    r->exit_code = -1;
    return r;
}

void runner_free(struct pp_runner *r)
{
    if (!r)
        return;
    runner_staging_free(r);   /* before the transport its copies run on */
    transport_free(r->t);
    if (r->j)
        journal_close(r->j);
    engine_free(r->eng);
    for (struct pp_cmdrec *c = r->cmds, *n; c; c = n) {
        n = c->next;
        runner_cmd_free(c);
    }
    for (struct pp_qev *q = r->qhead, *n; q; q = n) {
        n = q->next;
        runner_qev_free(q);
    }
    if (r->out)
        for (int i = 0; i <= r->m->nservers; i++)
            outbuf_free(&r->out[i]);
    outbuf_free(&r->log);
    if (r->lastcmd)
        for (int i = 0; i <= r->m->nservers; i++)
            free(r->lastcmd[i]);
    free(r->lastcmd);
    free(r->out);
    free(r->staged);
    eta_free(r->eta);
    actions_free(&r->acts);
    free(r);
}

const struct pp_model *runner_model(const struct pp_runner *r) { return r->m; }
const struct pp_config *runner_config(const struct pp_runner *r) { return r->cfg; }
const struct pp_runner_opts *runner_opts(const struct pp_runner *r) { return &r->opts; }
struct pp_transport *runner_transport(struct pp_runner *r) { return r->t; }

const struct pp_outbuf *runner_output(const struct pp_runner *r, int server)
{
    if (server < 0 || server >= r->m->nservers)
        return &r->out[r->m->nservers];
    return &r->out[server];
}

const char *runner_last_command(const struct pp_runner *r, int server)
{
    int i = (server < 0 || server >= r->m->nservers) ? r->m->nservers : server;
    return r->lastcmd[i] ? r->lastcmd[i] : "";
}

bool runner_done(const struct pp_runner *r, int *exit_code)
{
    if (r->exit_code < 0)
        return false;
    if (exit_code)
        *exit_code = r->exit_code;
    return true;
}

/* ---- the event queue ---------------------------------------------------- */

void runner_qev_free(struct pp_qev *q)
{
    if (!q)
        return;
    if (q->has_readiness)
        readiness_free(&q->readiness);
    free(q->topology);
    free(q);
}

struct pp_qev *runner_enqueue(struct pp_runner *r, const struct pp_event *ev)
{
    struct pp_qev *q = mem_calloc(1, sizeof *q, "runner event queue");
    q->ev = *ev;
    if (ev->target) {
        snprintf(q->target, sizeof q->target, "%s", ev->target);
        q->ev.target = q->target;
    }
    if (ev->reason) {
        snprintf(q->reason, sizeof q->reason, "%s", ev->reason);
        q->ev.reason = q->reason;
    }
    if (ev->operator_) {
        snprintf(q->op, sizeof q->op, "%s", ev->operator_);
        q->ev.operator_ = q->op;
    }
    if (ev->detail) {
        snprintf(q->detail, sizeof q->detail, "%s", ev->detail);
        q->ev.detail = q->detail;
    }
    if (r->qtail)
        r->qtail->next = q;
    else
        r->qhead = q;
    r->qtail = q;
    return q;
}

void runner_operator(struct pp_runner *r, const struct pp_event *ev)
{
    struct pp_event e = *ev;
    e.type = PP_EV_OPERATOR;
    if (!e.operator_)
        e.operator_ = r->operator_;
    runner_enqueue(r, &e);
}

void runner_stop(struct pp_runner *r, const char *why)
{
    if (why && *why) {
        char line[PP_REASON_MAX];
        /* the reason is journaled in English by the engine; the screen
         * shows its translation when it has one */
        snprintf(line, sizeof line, _("stopping: %s"), _(why));
        runner_notify(r, PP_N_EVENT, -1, line);
    }
    struct pp_event e = {.type = PP_EV_OPERATOR, .op = PP_OP_QUIT, .operator_ = r->operator_,
                         .reason = why};
    runner_enqueue(r, &e);
}

void runner_answer(struct pp_runner *r, uint64_t prompt_id, bool accept, const char *secret,
                   bool remember)
{
    transport_answer(r->t, prompt_id, accept, secret, remember);
}

/* ---- executing actions -------------------------------------------------- */

static void halt(struct pp_runner *r, const char *why)
{
    if (r->halted)
        return;
    r->halted = true;
    char msg[PP_REASON_MAX + 200];
    snprintf(msg, sizeof msg,
             _("%s. Nothing more will start: the journal is the run's memory and it could not "
               "record the next step. Running commands finish; fix the journal's disk and start "
               "poolpilot again to resume."),
             why);
    runner_notify(r, PP_N_ERROR, -1, msg);
}

int runner_record(struct pp_runner *r, struct pp_jrec *rec, char *err, size_t errn)
{
    if (r->halted) {
        snprintf(err, errn, "the journal could not be written before");
        return -1;
    }
    runner_stamp(r, rec);
    if (r->j && journal_append(r->j, rec, err, errn) < 0) {
        halt(r, err);
        return -1;
    }
    runner_stage_record(r, rec);   /* a `stage` record changes which servers may be drained */
    runner_eta_record(r, rec);
    char line[1400];
    journal_describe(rec, line, sizeof line);
    runner_notify(r, PP_N_EVENT, rec->server[0] ? model_find_server(r->m, rec->server) : -1, line);
    return 0;
}

static void do_journal(struct pp_runner *r, struct pp_jrec *rec)
{
    char err[PP_REASON_MAX] = "";
    runner_record(r, rec, err, sizeof err);
}

static void do_ask(struct pp_runner *r, const struct pp_action *a)
{
    const struct pp_model *m = r->m;
    if (r->opts.dry_run) {
        runner_dry_plan(r);
        return;
    }
    if (m->ask == PP_ASK_NONE || strcmp(m->ask_text, a->text) != 0)
        return;   /* answered or replaced within the same decision */
    runner_notify(r, PP_N_ASK, m->ask_server, m->ask_text);
    if (r->opts.yes && model_ask_confirmable(m->ask)) {
        /* --yes confirms: journaled as automatic, never an override */
        struct pp_event e = {.type = PP_EV_OPERATOR, .op = PP_OP_CONFIRM, .automatic = true,
                             .operator_ = r->operator_, .ask_id = m->ask_id};
        runner_enqueue(r, &e);
    }
}

static void execute(struct pp_runner *r)
{
    for (int i = 0; i < r->acts.n; i++) {
        struct pp_action *a = &r->acts.v[i];
        /* halted: even "complete" is not complete if its record is not durable;
         * halt_finish ends the run with exit 1 */
        if (r->halted && a->type != PP_ACT_NOTE)
            continue;
        switch (a->type) {
        case PP_ACT_JOURNAL:
            do_journal(r, &a->rec);
            break;
        case PP_ACT_RUN:
            runner_run(r, a);
            break;
        case PP_ACT_CANCEL:
            runner_cancel_server(r, a->server);
            break;
        case PP_ACT_ASK:
            do_ask(r, a);
            break;
        case PP_ACT_NOTE:
            runner_notify(r, PP_N_EVENT, -1, a->text);
            break;
        case PP_ACT_EXIT:
            r->exit_code = a->exit_code;
            {
                struct pp_notice n = {.type = PP_N_EXIT, .server = -1, .text = a->text,
                                      .code = a->exit_code};
                if (r->fn)
                    r->fn(r->ctx, &n);
            }
            break;
        }
    }
}

static void dispatch(struct pp_runner *r, const struct pp_event *ev)
{
    actions_clear(&r->acts);
    engine_handle(r->eng, ev, r->now, &r->acts);
    execute(r);
    /* a dry run plans once the first readiness answer is in, Ready or not */
    if (r->opts.dry_run && ev->type == PP_EV_CMD_DONE && ev->kind == PP_CMD_READINESS)
        runner_dry_plan(r);
}

/* ---- start, resume ------------------------------------------------------ */

static int restore_cb(void *ctx, const struct pp_jrec *rec)
{
    struct pp_runner *r = ctx;
    char err[PP_REASON_MAX];
    runner_stage_record(r, rec);
    runner_eta_record(r, rec);
    int64_t ts = checklist_ts_ms(rec->ts);
    if (ts > r->last_ts)
        r->last_ts = ts;
    if (engine_restore(r->eng, rec, err, sizeof err) < 0) {
        snprintf(r->restore_err, sizeof r->restore_err, "%s: %s",
                 r->j ? journal_path(r->j) : "journal", err);
        return -1;
    }
    return 0;
}

int runner_start(struct pp_runner *r, char *err, size_t errn)
{
    runner_stage_init(r);
    runner_eta_init(r);
    if (!r->j)
        runner_stage_load(r, r->opts.journal_path);
    if (r->j) {
        char warn[PP_REASON_MAX] = "";
        char jerr[PP_REASON_MAX] = "";
        if (journal_replay(r->j, restore_cb, r, warn, sizeof warn, jerr, sizeof jerr) < 0) {
            snprintf(err, errn, "%s", r->restore_err[0] ? r->restore_err : jerr);
            return -1;
        }
        if (warn[0])
            runner_notify(r, PP_N_ERROR, -1, warn);
        /* A training run's clock is simulated and ran ahead of the wall
         * clock: it resumes where the journal left it, so the resumed
         * run's times continue the first one's.  A real run's clock is the
         * wall clock, which only the stamping above keeps from going back. */
        if (r->opts.training && r->last_ts > 0) {
            r->wall0 = r->last_ts;
            r->now0 = r->now;
        }
    }
    if (!r->opts.dry_run)
        runner_stage_plan(r, false);
    struct pp_event ev = {.type = PP_EV_START};
    runner_enqueue(r, &ev);
    runner_tick(r);
    return 0;
}

/* ---- the loop's hooks --------------------------------------------------- */

static pp_ms next_due(struct pp_runner *r)
{
    pp_ms a = r->halted ? PP_MS_NEVER : engine_next_wake(r->eng);
    pp_ms b = transport_next_due(r->t);
    return a < b ? a : b;
}

int runner_fd(struct pp_runner *r) { return transport_fd(r->t); }

int runner_poll_timeout(struct pp_runner *r)
{
    if (r->qhead)
        return 0;
    if (r->exit_code >= 0)
        return -1;
    if (r->paused)
        return -1;
    clock_update(r);
    pp_ms due = next_due(r);
    if (r->stage && (due == PP_MS_NEVER || due - r->now > 1000))
        return 1000;   /* staging's rates and ETAs on screen move on */
    if (due == PP_MS_NEVER)
        return -1;
    if (due <= r->now)
        return 0;
    if (r->scale == 0)
        return 0;   /* max: jump straight there */
    double real = ceil((double)(due - r->now) / r->scale);
    return real > 60000 ? 60000 : (int)real;
}

/* Halted (the journal cannot be written): once what runs has ended, the
 * run is over; the journal says exactly what was done. */
static void halt_finish(struct pp_runner *r)
{
    if (!r->halted || r->cmds || r->exit_code >= 0)
        return;
    r->exit_code = 1;
    struct pp_notice n = {.type = PP_N_EXIT, .server = -1, .code = 1,
                          .text = _("the journal cannot be written; start poolpilot again to "
                                    "resume")};
    if (r->fn)
        r->fn(r->ctx, &n);
}

void runner_tick(struct pp_runner *r)
{
    for (int guard = 0; guard < 100000; guard++) {
        clock_update(r);
        runner_poll_transport(r);
        runner_staging_tick(r);
        halt_finish(r);
        if (r->exit_code >= 0)
            return;
        if (!r->qhead && r->exit_code < 0 && !r->paused) {
            pp_ms due = next_due(r);
            if (r->scale == 0 && due != PP_MS_NEVER && due > r->now && !runner_waiting(r)) {
                r->now = due;   /* max speed: nothing happens in between */
                clock_anchor(r);
                runner_poll_transport(r);
            }
            if (!r->halted && engine_next_wake(r->eng) <= r->now) {
                struct pp_event ev = {.type = PP_EV_TIMER};
                runner_enqueue(r, &ev);
            }
        }
        if (!r->qhead)
            return;
        if (r->halted) {
            /* nothing is decided any more: the journal could not record it */
            while (r->qhead) {
                struct pp_qev *q = r->qhead;
                r->qhead = q->next;
                runner_qev_free(q);
            }
            r->qtail = NULL;
            halt_finish(r);
            return;
        }
        while (r->qhead) {
            struct pp_qev *q = r->qhead;
            r->qhead = q->next;
            if (!r->qhead)
                r->qtail = NULL;
            if (runner_staging_refuses(r, &q->ev)) {
                runner_qev_free(q);
                continue;
            }
            if (q->has_readiness)
                q->ev.readiness = &q->readiness;
            q->ev.topology = q->topology;
            dispatch(r, &q->ev);
            runner_qev_free(q);
            if (r->halted)
                break;
        }
        if (r->scale != 0 || r->exit_code >= 0)
            return;
        /* max speed: keep going while there is something to jump to, but
         * give the event loop a turn now and then for keys and redraws */
        if (guard % 64 == 63)
            return;
    }
}

/* In max mode, is the run waiting for a person (so the clock must not race
 * ahead of them)?  Only when nothing else is scheduled. */
bool runner_waiting(const struct pp_runner *r)
{
    return r->m->ask != PP_ASK_NONE && !(r->opts.yes && model_ask_confirmable(r->m->ask)) &&
           transport_next_due(r->t) == PP_MS_NEVER && engine_running(r->eng) == 0;
}
