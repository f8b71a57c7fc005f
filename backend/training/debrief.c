/* The debrief's fold: journal records in, decisions and departures out.
 * Each decision is judged against what the journal says was happening
 * when it was taken (a failed step, an overrun drain, a pool problem),
 * not against a script of the scenario, so a fault the trainer injected
 * mid-run is judged the same way as one the scenario planned.
 * Output (screen lines, Markdown, JSON) is in debrief_out.c. */
#include "backend/training/debrief.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend/journal/checklist.h"
#include "backend/core/i18n.h"

struct db_srv {
    char name[PP_NAME_MAX];
    char fail_step[16];      /* the step that failed / was lost, "" when none pending */
    char fail_result[16];
    bool draining;           /* a graceful drain runs now */
    bool gone;               /* its restart ended without it coming back */
    bool lost_console;       /* its last lost step: the console stopped, not the link */
};

struct db_state {
    bool paired;
    struct db_srv *srv;
    int nsrv, csrv;
    bool problem;            /* a pool problem nobody has resolved yet */
    char problem_text[PP_REASON_MAX];
    int64_t t0;
    bool ended;
};

static void vcat(char *dst, size_t n, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vcat(char *dst, size_t n, const char *fmt, va_list ap)
{
    size_t l = strlen(dst);
    if (l + 1 < n)
        vsnprintf(dst + l, n - l, fmt, ap);
}

/* Appends fmt (two %s: a server, a step) in English to en and translated,
 * with the step's screen name, to loc. */
static void dual_step(char *en, char *loc, size_t n, const char *fmt, const char *server,
                      enum pp_step step)
{
    /* fmt is one of the N_() literals below, each with two %s (a server,
       a step); msgfmt --check holds their translations to the same */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t l = strlen(en);
    if (l + 1 < n)
        snprintf(en + l, n - l, fmt, server, pp_step_name(step));
    l = strlen(loc);
    if (l + 1 < n)
        snprintf(loc + l, n - l, _(fmt), server, pp_step_label(step));
#pragma GCC diagnostic pop
}

/* Appends fmt in English to en and translated to loc. */
static void dual(char *en, char *loc, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void dual(char *en, char *loc, size_t n, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    vcat(en, n, fmt, ap);
    vcat(loc, n, _(fmt), ap2);
    va_end(ap2);
    va_end(ap);
}

static struct pp_db_note *note_new(struct pp_debrief *db, long long seq, bool departure)
{
    if (db->nnotes == db->cnotes) {
        int cap = db->cnotes ? db->cnotes * 2 : 16;
        struct pp_db_note *v = realloc(db->notes, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        db->notes = v;
        db->cnotes = cap;
    }
    struct pp_db_note *x = &db->notes[db->nnotes++];
    memset(x, 0, sizeof *x);
    x->seq = seq;
    x->departure = departure;
    db->departures += departure;
    return x;
}

static int note(struct pp_debrief *db, long long seq, bool departure, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int note(struct pp_debrief *db, long long seq, bool departure, const char *fmt, ...)
{
    struct pp_db_note *x = note_new(db, seq, departure);
    if (!x)
        return -1;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    vcat(x->text, sizeof x->text, fmt, ap);
    vcat(x->local, sizeof x->local, _(fmt), ap2);
    va_end(ap2);
    va_end(ap);
    return 0;
}

/* A note about an English text of the journal (fmt has one %s): the
 * English copy quotes it, the screen's copy says it (journal_say). */
static int note_text(struct pp_debrief *db, long long seq, bool departure, const char *fmt,
                     const char *english)
{
    struct pp_db_note *x = note_new(db, seq, departure);
    if (!x)
        return -1;
    char say[PP_REASON_MAX + 64];
    journal_say(english, say, sizeof say);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"   /* an N_() literal with one %s */
    snprintf(x->text, sizeof x->text, fmt, english);
    snprintf(x->local, sizeof x->local, _(fmt), say);
#pragma GCC diagnostic pop
    return 0;
}

static void fault_summary(struct pp_debrief *db, const struct pp_config *cfg)
{
    const struct pp_sim_cfg *s = &cfg->sim;
    char *en = db->faults, *lo = db->faults_local;
    size_t n = sizeof db->faults;
    bool paired = cfg->backup_pool[0] != 0;
    int strikes = cfg->timing.busy_strikes;
    if (s->insufficient)
        dual(en, lo, n, paired ? N_("InsufficientActiveFrontEnds, a pool problem: expected "
                                    "answer, fail over, upgrade, fail back. ")
                               : N_("InsufficientActiveFrontEnds, a pool problem without a DR "
                                    "pair: expected answer, stop and get a human. "));
    else if (s->busy_first >= strikes)
        dual(en, lo, n, paired ? N_("Busy %d times in a row, a pool problem: expected answer, "
                                    "fail over, upgrade, fail back. ")
                               : N_("Busy %d times in a row, a pool problem without a DR pair: "
                                    "expected answer, stop and get a human. "),
             strikes);
    else if (s->busy_first > 0)
        dual(en, lo, n, N_("Busy %d time(s) at first: expected answer, wait. "), s->busy_first);
    for (int i = 0; i < s->nfaults; i++) {
        const struct pp_fault *f = &s->faults[i];
        switch (f->kind) {
        case PP_FAULT_HANG:
            if (f->step == PP_STEP_DRAIN && cfg->mode == PP_MODE_GRACEFUL)
                dual(en, lo, n, N_("%s's drain hangs: expected answer, override force (or "
                                   "retry) once it overruns. "), f->server);
            else
                dual_step(en, lo, n, N_("%s's %s hangs: expected answer, override retry. "),
                          f->server, f->step);
            break;
        case PP_FAULT_FAIL:
            dual_step(en, lo, n, N_("%s's %s fails: expected answer, override retry after looking. "),
                      f->server, f->step);
            break;
        case PP_FAULT_DROP:
            dual_step(en, lo, n, N_("the connection to %s drops during its %s: expected answer, "
                                    "confirm the re-run after the probe. "), f->server, f->step);
            break;
        case PP_FAULT_NEVER_RETURNS:
            dual(en, lo, n, N_("%s never comes back from its restart: expected answer, stop and "
                               "get a human (console access). "), f->server);
            break;
        case PP_FAULT_NOT_READY:
            dual(en, lo, n, N_("%s's domain is not ready for a while: expected answer, wait "
                               "(no override proceed). "), f->server);
            break;
        case PP_FAULT_BUSY:
            dual(en, lo, n, f->times >= strikes
                                ? N_("Busy %d time(s) later on: a pool problem. ")
                                : N_("Busy %d time(s) later on: expected answer, wait. "),
                 f->times);
            break;
        }
    }
    if (!en[0])
        dual(en, lo, n, N_("none planned: confirm each domain as the procedure proposes. "));
    size_t l = strlen(en);
    if (l && en[l - 1] == ' ')
        en[l - 1] = 0;
    l = strlen(lo);
    if (l && lo[l - 1] == ' ')
        lo[l - 1] = 0;
}

struct pp_debrief *debrief_new(const struct pp_config *cfg)
{
    struct pp_debrief *db = calloc(1, sizeof *db);
    struct db_state *st = calloc(1, sizeof *st);
    if (!db || !st) {
        free(db);
        free(st);
        return NULL;
    }
    db->st = st;
    db->took = -1;
    st->t0 = -1;
    snprintf(db->result, sizeof db->result, "unfinished");
    if (cfg) {
        st->paired = cfg->backup_pool[0] != 0;
        if (cfg->sim.present) {
            snprintf(db->scenario, sizeof db->scenario, "%s", cfg->sim.name);
            snprintf(db->title, sizeof db->title, "%s", cfg->sim.title);
            snprintf(db->expect, sizeof db->expect, "%s", cfg->sim.expect);
            snprintf(db->title_local, sizeof db->title_local, "%s",
                     cfg->sim.title_local[0] ? cfg->sim.title_local : cfg->sim.title);
            snprintf(db->expect_local, sizeof db->expect_local, "%s",
                     cfg->sim.expect_local[0] ? cfg->sim.expect_local : cfg->sim.expect);
            fault_summary(db, cfg);
        }
    }
    return db;
}

void debrief_free(struct pp_debrief *db)
{
    if (!db)
        return;
    if (db->st)
        free(db->st->srv);
    free(db->st);
    free(db->dec);
    free(db->notes);
    free(db);
}

static struct db_srv *srv(struct pp_debrief *db, const char *name)
{
    struct db_state *st = db->st;
    if (!name || !name[0])
        return NULL;
    for (int i = 0; i < st->nsrv; i++)
        if (!strcmp(st->srv[i].name, name))
            return &st->srv[i];
    if (st->nsrv == st->csrv) {
        int cap = st->csrv ? st->csrv * 2 : 16;
        struct db_srv *v = realloc(st->srv, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        st->srv = v;
        st->csrv = cap;
    }
    struct db_srv *s = &st->srv[st->nsrv++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    return s;
}

static struct pp_db_decision *decision(struct pp_debrief *db, const struct pp_jrec *r)
{
    if (db->ndec == db->cdec) {
        int cap = db->cdec ? db->cdec * 2 : 32;
        struct pp_db_decision *v = realloc(db->dec, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        db->dec = v;
        db->cdec = cap;
    }
    struct pp_db_decision *d = &db->dec[db->ndec++];
    memset(d, 0, sizeof *d);
    d->seq = r->seq;
    snprintf(d->ts, sizeof d->ts, "%s", r->ts);
    int64_t t = checklist_ts_ms(r->ts);
    d->at = t >= 0 && db->st->t0 >= 0 ? t - db->st->t0 : -1;
    snprintf(d->operator_, sizeof d->operator_, "%s", r->operator_);
    snprintf(d->event, sizeof d->event, "%s", r->event);
    snprintf(d->reason, sizeof d->reason, "%s", r->reason);
    d->automatic = !strcmp(r->reason, "auto (--yes)");
    db->auto_confirms += d->automatic;
    return d;
}

/* What a confirm / decline was about, from its `state` (the engine's
 * subject of the question). */
static void subject(const struct pp_jrec *r, char *buf, size_t n)
{
    const char *s = r->state;
    if (!strcmp(s, "domain"))
        snprintf(buf, n, "start %s", r->domain);
    else if (!strcmp(s, "server"))
        snprintf(buf, n, "start %s", r->server);
    else if (!strcmp(s, "step"))
        snprintf(buf, n, "run %s on %s", r->step, r->server);
    else if (!strcmp(s, "failover"))
        snprintf(buf, n, "fail over");
    else if (!strcmp(s, "failback"))
        snprintf(buf, n, "fail back");
    else if (!strcmp(s, "rerun"))
        snprintf(buf, n, "re-run %s on %s", r->step, r->server);
    else
        snprintf(buf, n, "%s", s[0] ? s : "?");
}

static int on_decline(struct pp_debrief *db, const struct pp_jrec *r)
{
    long long q = r->seq;
    const char *s = r->state;
    if (!strcmp(s, "failover"))
        return note(db, q, true, N_("declined the failover although the pool had a problem and "
                                    "a DR pair: nothing could be upgraded"));
    if (!strcmp(s, "failback"))
        return note(db, q, true, N_("declined the failback: the pool stayed failed over"));
    if (!strcmp(s, "rerun") && srv(db, r->server) && srv(db, r->server)->lost_console)
        return note(db, q, true, N_("declined to re-run %s on %s after the console stopped while "
                                    "it ran: the expected answer is the re-run after the probe"),
                    r->step, r->server);
    if (!strcmp(s, "rerun"))
        return note(db, q, true, N_("declined to re-run %s on %s after its outcome was lost: "
                                    "the expected answer is the re-run after the probe"),
                    r->step, r->server);
    if (!strcmp(s, "domain"))
        return note(db, q, true, N_("declined to start %s: the run waited"), r->domain);
    return note(db, q, true, N_("declined to start %s: the server was held"), r->server);
}

static int on_override(struct pp_debrief *db, const struct pp_jrec *r)
{
    long long q = r->seq;
    const char *a = r->action;
    struct db_srv *s = srv(db, r->server);
    if (!strcmp(a, "proceed"))
        return note(db, q, true, N_("override proceed on %s: went past the gate the procedure "
                                    "holds (Ready and ReadyForUpgrade, or the failback)"),
                    r->domain[0] ? r->domain : "the pool");
    if (!s) {
        if (!strcmp(a, "done"))
            return note(db, q, true, N_("marked domain %s done by hand: in training nobody did "
                                        "its servers by hand"), r->domain);
        return 0;
    }
    int rc = 0;
    if (!strcmp(a, "done")) {
        if (s->fail_step[0])
            rc = note(db, q, true, N_("marked %s done by hand after its %s did not end ok: "
                                      "nobody finished it by hand; the expected answer is "
                                      "retry"),
                      s->name, s->fail_step);
        else
            rc = note(db, q, true, N_("marked %s done by hand without any failure: nobody "
                                      "upgraded it by hand"), s->name);
    } else if (!strcmp(a, "skip")) {
        if (s->gone)
            rc = note(db, q, true, N_("left %s out after it never came back and went on: the "
                                      "expected answer is to stop for a human (console access); "
                                      "going on is defensible only after someone has looked"),
                      s->name);
        else
            rc = note(db, q, true, N_("left %s out of the upgrade: the pool ends with a server "
                                      "not upgraded"), s->name);
    } else if (!strcmp(a, "force")) {
        if (!(s->fail_step[0] && !strcmp(s->fail_step, "drain")))
            rc = note(db, q, true, N_("forced %s's drain before drain_timeout: the sessions "
                                      "still on it were dropped without need"), s->name);
    } else if (!strcmp(a, "retry") && !s->fail_step[0]) {
        rc = note(db, q, false, N_("started the held server %s with override retry"), s->name);
    }
    s->fail_step[0] = 0;
    return rc;
}

static void on_step_end(struct pp_debrief *db, const struct pp_jrec *r)
{
    struct db_srv *s = srv(db, r->server);
    if (!s)
        return;
    if (!strcmp(r->step, "drain"))
        s->draining = false;
    if (!strcmp(r->result, "ok")) {
        s->fail_step[0] = 0;
        if (!strcmp(r->step, "verify"))
            s->gone = false;
        return;
    }
    snprintf(s->fail_step, sizeof s->fail_step, "%s", r->step);
    snprintf(s->fail_result, sizeof s->fail_result, "%s", r->result);
    s->lost_console = !strcmp(r->result, "lost") &&
                      !strcmp(r->detail, "the console stopped while this step ran");
    if (!strcmp(r->step, "restart") && strcmp(r->result, "cancelled"))
        s->gone = true;
}

static bool anyone_gone(const struct pp_debrief *db)
{
    for (int i = 0; i < db->st->nsrv; i++)
        if (db->st->srv[i].gone)
            return true;
    return false;
}

static int on_end(struct pp_debrief *db, const struct pp_jrec *r, bool complete)
{
    struct db_state *st = db->st;
    st->ended = true;
    snprintf(db->result, sizeof db->result, "%s", complete ? "complete" : "stopped");
    snprintf(db->end_reason, sizeof db->end_reason, "%s", r->reason);
    if (complete)
        return 0;
    if (st->problem && !st->paired)
        return note_text(db, r->seq, false, N_("stopped at a pool problem without a DR pair (%s): "
                                               "the expected answer"), st->problem_text);
    if (anyone_gone(db))
        return note(db, r->seq, false, N_("stopped with a server that never came back: the "
                                          "expected answer (a human takes over)"));
    return note_text(db, r->seq, true, N_("stopped before the end: %s"),
                     r->reason[0] ? r->reason : N_("no reason recorded"));
}

int debrief_add(struct pp_debrief *db, const struct pp_jrec *r)
{
    struct db_state *st = db->st;
    enum pp_jev ev = journal_event_parse(r->event);
    int64_t t = checklist_ts_ms(r->ts);
    if (st->t0 < 0 && t >= 0) {
        st->t0 = t;
        snprintf(db->first_ts, sizeof db->first_ts, "%s", r->ts);
    }
    snprintf(db->last_ts, sizeof db->last_ts, "%s", r->ts);
    char subj[sizeof db->dec[0].subject];
    struct pp_db_decision *d;
    if (ev == PP_JEV_CONFIRM || ev == PP_JEV_DECLINE) {
        if (!(d = decision(db, r)))
            return -1;
        subject(r, subj, sizeof subj);
        snprintf(d->subject, sizeof d->subject, "%s%s", ev == PP_JEV_DECLINE ? "decline: " : "", subj);
        if (!strcmp(r->state, "failover"))
            st->problem = ev == PP_JEV_DECLINE;
        return ev == PP_JEV_DECLINE ? on_decline(db, r) : 0;
    }
    if (ev == PP_JEV_OVERRIDE) {
        if (!(d = decision(db, r)))
            return -1;
        const char *target = r->server[0] ? r->server : r->domain[0] ? r->domain : "pool";
        if (r->server[0] && r->step[0])
            snprintf(d->subject, sizeof d->subject, "%s %s (%s)", r->action, target, r->step);
        else
            snprintf(d->subject, sizeof d->subject, "%s %s", r->action, target);
        return on_override(db, r);
    }
    if (ev == PP_JEV_CHOOSE) {
        if (!(d = decision(db, r)))
            return -1;
        snprintf(d->subject, sizeof d->subject, "choose %s next", r->domain);
        return 0;
    }
    if (ev == PP_JEV_POOL_PROBLEM) {
        st->problem = true;
        snprintf(st->problem_text, sizeof st->problem_text, "%s", r->reason);
    } else if (ev == PP_JEV_FAILOVER) {
        st->paired = true;   /* the journal proves the pair, whatever cfg says */
        if (!strcmp(r->result, "ok"))
            st->problem = false;
    } else if (ev == PP_JEV_READINESS && !strcmp(r->state, "Ready")) {
        st->problem = false;
    } else if (ev == PP_JEV_STEP_START) {
        struct db_srv *s = srv(db, r->server);
        if (s && !strcmp(r->step, "drain") && !strstr(r->detail, "immediate"))
            s->draining = true;
    } else if (ev == PP_JEV_STEP_END) {
        on_step_end(db, r);
    } else if (ev == PP_JEV_NOTE && !strcmp(r->action, "inject")) {
        if (!strcmp(r->result, "failed"))
            return 0;
        db->injected++;
        return note(db, r->seq, false, N_("the trainer injected a fault: %s"), r->detail);
    } else if (ev == PP_JEV_COMPLETE || ev == PP_JEV_STOP) {
        return on_end(db, r, ev == PP_JEV_COMPLETE);
    } else if (ev == PP_JEV_RESUME || ev == PP_JEV_START) {
        st->ended = false;
        snprintf(db->result, sizeof db->result, "unfinished");
    }
    return 0;
}

int debrief_add_cb(void *ctx, const struct pp_jrec *r) { return debrief_add(ctx, r); }

void debrief_finish(struct pp_debrief *db)
{
    int64_t a = checklist_ts_ms(db->first_ts), b = checklist_ts_ms(db->last_ts);
    db->took = a >= 0 && b >= a ? b - a : -1;
    if (db->auto_confirms)
        note(db, 0, false, N_("%d confirmation(s) were automatic (--yes): they are not the "
                              "trainee's decisions"), db->auto_confirms);
    if (!db->st->ended)
        note(db, 0, false, N_("the journal ends while the run was still going (the console may "
                              "still run it, or was killed): the debrief covers what is "
                              "recorded"));
}

int debrief_load(const char *path, const struct pp_config *cfg, struct pp_debrief **out,
                 char *err, size_t errn)
{
    struct pp_debrief *db = debrief_new(cfg);
    char warn[PP_REASON_MAX];
    if (!db) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    if (journal_read_file(path, debrief_add_cb, db, warn, sizeof warn, err, errn) < 0) {
        debrief_free(db);
        return -1;
    }
    debrief_finish(db);
    *out = db;
    return 0;
}
