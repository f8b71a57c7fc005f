/* The checklist: journal records folded into "which domains and servers are
 * done, by whom, when".  It works from the journal alone (no config): the
 * domains and servers are the ones the records name, in order of first
 * appearance.  --status, --report and anything else that reads a journal
 * after the fact (or while another console runs) use it.  A reader that
 * knows the pool's topology (config or built-in scenario) names it first
 * with checklist_expect(): then every count is out of the whole pool and
 * the lists follow topology order, not the order the operator chose.
 *
 * Events read (the engine writes them, with these stable names):
 *   start resume readiness wait pool-problem failover failback domain-start
 *   step-start step-end probe confirm override domain-done complete stop note backend
 * Other events are counted and otherwise ignored (forward compatibility).
 *
 * Ownership: checklist_new() returns a checklist the caller frees with
 * checklist_free(); every array and string in it belongs to it. */
#ifndef PP_CHECKLIST_H
#define PP_CHECKLIST_H

#include "backend/journal/journal.h"
#include "backend/core/types.h"

#define PP_TS_MAX 40

enum pp_cl_dom {
    PP_CL_DOM_WAITING,
    PP_CL_DOM_IN_PROGRESS,
    PP_CL_DOM_DONE,
    PP_CL_DOM_DONE_EXCEPTIONS   /* done, with skipped or hand-marked servers */
};

enum pp_cl_srv {
    PP_CL_SRV_PENDING,          /* nothing ran yet */
    PP_CL_SRV_IN_PROGRESS,      /* between steps, or a step runs while a console is live */
    PP_CL_SRV_VERIFIED,         /* the verify step ended ok */
    PP_CL_SRV_FAILED,           /* a step failed or timed out (or ended with an unknown result) */
    PP_CL_SRV_LOST,             /* a step started and no end was recorded: outcome unknown */
    PP_CL_SRV_SKIPPED,          /* override skip */
    PP_CL_SRV_MARKED_DONE       /* override done: done by hand */
};

struct pp_cl_step {
    int runs;                   /* step-start records (re-runs count) */
    bool running;               /* started, no end yet */
    char result[16];            /* last step-end result as written ("ok" "failed" ...) */
    char started[PP_TS_MAX];    /* last step-start */
    char ended[PP_TS_MAX];      /* last step-end */
    char by[PP_OPERATOR_MAX];   /* operator of the last step-start */
    char detail[PP_REASON_MAX]; /* detail of the last step-end */
};

struct pp_cl_server {
    char name[PP_NAME_MAX];
    int domain;                 /* index into domains, -1 until a record names it */
    enum pp_cl_srv state;
    int step;                   /* the step running / last run, PP_STEP_NONE if none */
    struct pp_cl_step steps[PP_STEP_COUNT];
    char started[PP_TS_MAX];    /* first step-start */
    char finished[PP_TS_MAX];   /* when it reached verified / skipped / marked done */
    char by[PP_OPERATOR_MAX];   /* who acted on it last: step-start, confirm or override */
    char reason[PP_REASON_MAX]; /* skip / mark-done reason */
    char probe[PP_REASON_MAX];  /* last probe answer (after a lost outcome) */
};

struct pp_cl_domain {
    char name[PP_DOMAIN_NAME_MAX];
    enum pp_cl_dom state;
    char started[PP_TS_MAX], finished[PP_TS_MAX];
    char by[PP_OPERATOR_MAX];   /* who started it (domain-start / its confirm) */
    bool manual;                /* override done on the domain */
    char reason[PP_REASON_MAX]; /* that override's reason */
    char manual_by[PP_OPERATOR_MAX];
};

/* One attempt of one step on one server, in journal order: re-runs after a
 * failure or a lost outcome stay visible (the audit trail needs them). */
struct pp_cl_run {
    int server;                 /* index into servers */
    int step;                   /* enum pp_step */
    bool running;               /* no step-end (yet) */
    char result[16];
    char started[PP_TS_MAX], ended[PP_TS_MAX];
    char by[PP_OPERATOR_MAX];
    char detail[PP_REASON_MAX];
};

/* An override, as the audit trail needs it. */
struct pp_cl_override {
    long long seq;
    char ts[PP_TS_MAX];
    char operator_[PP_OPERATOR_MAX];
    char action[16];            /* force retry skip done proceed */
    char target[PP_NAME_MAX];   /* server, else domain, else "pool" */
    char reason[PP_REASON_MAX];
};

/* A pool-level event of note: pool-problem, wait, failover, failback,
 * stop, note, start, resume, complete (the timeline). */
struct pp_cl_event {
    long long seq;
    char ts[PP_TS_MAX];
    char operator_[PP_OPERATOR_MAX];
    char event[24];
    char text[PP_REASON_MAX];   /* reason / result / detail, whichever says most */
};

struct pp_checklist {
    char pool[PP_NAME_MAX];     /* checklist_set_pool; "" if unknown */
    bool training;              /* the journal is a training run's (POOL.training.jsonl) */

    struct pp_cl_domain *domains;
    int ndomains;
    struct pp_cl_server *servers;
    int nservers;
    struct pp_cl_run *runs;     /* every step attempt */
    int nruns;
    struct pp_cl_override *overrides;
    int noverrides;
    struct pp_cl_event *timeline;   /* events of note, in journal order */
    int ntimeline;

    long long records;          /* records folded */
    long long last_seq;
    char first_ts[PP_TS_MAX], last_ts[PP_TS_MAX];
    char start_ts[PP_TS_MAX];   /* first start record */
    char start_by[PP_OPERATOR_MAX];
    char **operators;           /* every operator named, first-seen order */
    int noperators;
    int starts, resumes;

    int readiness_checks;
    int ready_count, busy_count, insufficient_count, other_count;
    char last_readiness[32];    /* state of the last readiness record */
    char last_readiness_ts[PP_TS_MAX];
    int waits, pool_problems;
    int confirms, auto_confirms;    /* auto: reason "auto (--yes)" */
    int unknown_events;

    char failover_ts[PP_TS_MAX], failover_result[16];   /* last failover record */
    char failback_ts[PP_TS_MAX], failback_result[16];
    /* the last `backend` record: the Back End databases' update.  state
     * "open": poolpilot did not update them (the operator's item, shown
     * as open); otherwise result "" = started, or how it ended */
    char backend_ts[PP_TS_MAX], backend_result[16], backend_state[16];
    char backend_text[PP_REASON_MAX];

    bool complete;
    char complete_ts[PP_TS_MAX];
    bool stopped;               /* the last stop was not followed by a resume */
    char stop_ts[PP_TS_MAX];
    char stop_reason[PP_REASON_MAX];

    bool finished;              /* checklist_finish was called */
    bool live;                  /* ... with a console still running the pool */

    /* Set before the first record by a reader that never looks at runs[]
     * (--status): runs[] then stays empty (nruns 0), everything else is
     * folded as usual.  A run costs ~700 bytes: 330 MB for a 1,000,000-
     * record journal of a 1000-server pool. */
    bool no_runs;

    struct pp_cl_index *idx;    /* private to checklist.c: lookup tables and the
                                   arrays' capacities (very long journals) */
};

struct pp_checklist *checklist_new(void);
void checklist_free(struct pp_checklist *c);

/* Folds one record.  Returns 0, or -1 when out of memory. */
int checklist_add(struct pp_checklist *c, const struct pp_jrec *r);
/* The same with journal_read_file's callback signature (ctx = checklist). */
int checklist_add_cb(void *ctx, const struct pp_jrec *r);

/* After the last record: a step that started and never ended is LOST when
 * no console runs the pool (live false), IN_PROGRESS when one does.  A
 * domain marked done by hand without a domain-done record becomes
 * done-with-exceptions. */
void checklist_finish(struct pp_checklist *c, bool live);

void checklist_set_pool(struct pp_checklist *c, const char *pool);

/* Before the first record: the pool has `server` in `domain` ("" = the
 * readiness check decides).  Called in topology order, it fixes the order
 * of domains[] and servers[]; a server no record names stays pending, a
 * domain no record names stays not started.  Counts no record.  Returns 0,
 * or -1 when out of memory. */
int checklist_expect(struct pp_checklist *c, const char *domain, const char *server);

/* Reads a journal (without locking it), folds and finishes it: live is
 * true when journal_holder() says a console runs it; the pool name comes
 * from the file name (POOL.jsonl / POOL.training.jsonl).  *out is set only
 * on success.  Returns 0, or -1 with err; warn gets non-fatal notes. */
int checklist_load(const char *path, struct pp_checklist **out,
                   char *warn, size_t warnn, char *err, size_t errn);

/* Helpers shared with the reports. */
const char *checklist_dom_name(enum pp_cl_dom s);   /* "waiting" "in progress" ... */
const char *checklist_srv_name(enum pp_cl_srv s);   /* "pending" "verified" ... */
int checklist_servers_in(const struct pp_checklist *c, int domain);  /* member count */
/* RFC 3339 "2026-11-27T07:14:24.123Z" (offsets accepted) -> ms since the
 * epoch; -1 when unreadable. */
int64_t checklist_ts_ms(const char *ts);

#endif
