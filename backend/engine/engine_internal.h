/* Private to backend/engine*.c: the engine's state beyond the model. */
#ifndef PP_ENGINE_INTERNAL_H
#define PP_ENGINE_INTERNAL_H

#include "backend/core/mem.h"
#include "backend/core/utf8.h"
#include "backend/engine/engine.h"

/* Per-server bookkeeping the screen does not need. */
struct eng_srv {
    bool server_confirmed;   /* confirm = server: operator said go */
    bool step_confirmed;     /* confirm = step: the pending step may start */
    bool running;            /* a command of ours runs on it (step or probe) */
    enum pp_cmd_kind kind;   /* what runs */
    bool asked;              /* its FAILED/LOST question has been put */
    bool force_pending;      /* drain cancelled by override: run drain_now next */
    bool rerun_ok;           /* operator accepted re-running the lost step */
};

/* The Back End's update (engine_backend.c). */
enum be_state {
    BE_NOT_RUN,     /* not asked yet, or asked */
    BE_RUNNING,
    BE_OK,          /* ended ok, or the operator's override done */
    BE_UNSURE,      /* failed, timed out or lost: never re-run blind */
    BE_DECLINED,    /* the operator said no: an override decides */
    BE_OPEN         /* override skip: the run completes with it open */
};

/* The pool's topology order against [servers] (engine_topology.c). */
enum topo_state {
    TOPO_UNCHECKED,  /* not read (or read and found different: read again on resume) */
    TOPO_RUNNING,    /* the topology command runs */
    TOPO_MATCH,      /* the pool's order is [servers]' */
    TOPO_ACCEPTED,   /* unknown, and an operator's override proceed said it is */
    TOPO_ASKED       /* unknown: the evidence is put to the operator */
};

/* What the pool-state probe read (engine_pool.c). */
enum pool_truth { POOL_TRUTH_UNKNOWN, POOL_TRUTH_OVER, POOL_TRUTH_NOT };

struct pp_engine {
    const struct pp_config *cfg;
    struct pp_model *m;
    char operator_[PP_OPERATOR_MAX];
    struct eng_srv *srv;

    struct pp_actions *out;  /* the list being filled by the current call */
    pp_ms now;

    bool check_running;
    bool fabric_running;
    bool fabric_after;       /* the running fabric check is the "after" one */
    bool fabric_before_done;
    /* The fabric check that failed and holds the settle wait: 0 none, 1 the
     * one before the wait, 2 the one after.  Override proceed on the pool
     * then accepts that one check ("accept-fabric") and nothing else: the
     * settle wait, the other fabric check and the readiness answer still
     * hold (issue 11 item 5). */
    int fabric_failed;
    /* Failed over, every domain done: a fresh readiness answer said Ready
     * (or an operator's override accepted another answer) since the last
     * settle began; the failback question needs it (issue 11 item 6). */
    bool failback_checked;
    bool failback_held;      /* ... the answer was not Ready: the operator decides */
    bool pool_cmd_running;   /* failover / failback on the backup pool host */
    bool settle_pending;     /* a domain ended, its settle wait had not (live and restored):
                              * a failover's end starts the wait, it does not skip it */
    enum pp_cmd_kind pool_cmd_inflight;   /* restored: started, no end; COUNT = none */
    /* A failover / failback that did not end ok (failed, timed out, lost),
     * not yet resolved by the operator: COUNT = none.  Nothing re-runs it
     * before its state is read (pool_probe) and an override says so. */
    enum pp_cmd_kind pool_unsure;
    enum pp_result pool_unsure_res;
    bool pool_unsure_console;   /* lost because the console stopped, not the connection */
    char pool_unsure_detail[PP_REASON_MAX];
    bool pool_probe_running;    /* the pool_state command runs on the failover host */
    bool pool_probed;           /* ... and has ended for the current pool_unsure */
    enum pool_truth pool_truth;
    char pool_probe_answer[160];
    bool pool_tried[2];         /* a failover [0] / failback [1] started in this journal */
    bool pool_rerun_ok;         /* an operator's override retry on the pool: the one way
                                 * a pool command runs again */
    pp_ms last_strike;       /* when the last counted Busy came */
    int unknown_streak;      /* consecutive unreadable checks */
    bool settle_final;       /* after the last domain: wait for Ready, no timer */
    bool proceed_gate;       /* override proceed: next domain without the gate */
    int proceed_domain;      /* override proceed on a not-ready domain, -1 */
    bool quit;
    char quit_reason[PP_REASON_MAX];
    bool stopped;
    bool resumed;
    bool resume_check;       /* resumed with membership unknown: check first */
    bool started;
    int records;             /* journal records restored */
    /* the Back End's update (engine_backend.c) */
    enum be_state backend;
    enum pp_result backend_res;
    bool backend_console;    /* lost because the console stopped */
    bool backend_inflight;   /* restored: started, no end */
    bool backend_tried;      /* started in this journal */
    bool backend_rerun_ok;   /* an operator's override retry: the one way it runs again */
    int backend_server;      /* where it runs / ran / would run; -1 */
    char backend_detail[PP_REASON_MAX];
    bool lenient;            /* engine_restore_lenient(): topology not bound */
    /* the pool's topology order (engine_topology.c) */
    enum topo_state topo;
    int topo_server;         /* where it was (is being) read; -1 */
    char topo_evidence[PP_REASON_MAX];   /* an unknown answer, as read */
};

/* engine.c */
/* The config's topology (servers in order, each with its configured domain)
 * as 8 hex digits: the start record binds the journal to it. */
void eng_topology(const struct pp_engine *e, char out[9]);
struct pp_jrec *eng_journal(struct pp_engine *e, enum pp_jev event);
void eng_note(struct pp_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void eng_run(struct pp_engine *e, enum pp_cmd_kind kind, int server, int domain, pp_ms timeout);
void eng_cancel(struct pp_engine *e, int server);
void eng_ask(struct pp_engine *e, enum pp_ask_kind k, int server, int domain, enum pp_step step,
             const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void eng_clear_ask(struct pp_engine *e);
void eng_finish(struct pp_engine *e, int code, const char *why);
int eng_running_count(const struct pp_engine *e);
void eng_copy(char *dst, size_t n, const char *src);
/* the profile (or the file) has a command of this kind */
bool eng_has_template(const struct pp_engine *e, enum pp_cmd_kind k);
/* a `wait` record whose reason is fmt */
void eng_wait_record(struct pp_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* engine_check.c: the readiness check, and what its answer unlocks */
void gate_begin_check(struct pp_engine *e);
void gate_on_readiness(struct pp_engine *e, enum pp_result res, const struct pp_readiness *r,
                       const char *detail);
/* a Front End that is up and idle, to read or run a pool-wide command on; -1 */
int gate_pick_server(struct pp_engine *e);

/* engine_settle.c: the wait between domains and its fabric checks */
void gate_on_fabric(struct pp_engine *e, enum pp_result res, const char *detail);
void gate_on_timer(struct pp_engine *e);
void gate_settle(struct pp_engine *e, bool final);
/* override proceed on the pool while a failed fabric check holds the settle
 * wait: passes that check only */
void gate_accept_fabric(struct pp_engine *e);
bool gate_skip_settle_applies(const struct pp_engine *e);
void gate_skip_settle(struct pp_engine *e);
/* failed over and not yet failed back: the backup pool serves the users */
bool settle_serving_backup(const struct pp_model *m);
/* a Ready answer during the wait: start the timer (and the fabric check
 * before it), or the next check */
void settle_on_ready(struct pp_engine *e);
/* failed over: the timer and the fabric check start at once */
void settle_start_failed_over(struct pp_engine *e);

/* engine_gate.c: offering the next domain, pool problems, the run's end */
void gate_on_pool_cmd(struct pp_engine *e, enum pp_cmd_kind kind, enum pp_result res,
                      const char *detail);
void gate_offer_domain(struct pp_engine *e);
void gate_start_failover(struct pp_engine *e);
void gate_start_failback(struct pp_engine *e);
void gate_all_done(struct pp_engine *e);
/* the run's end once every domain is done: complete, saying so when the
 * Back End is left open */
enum gate_end { GATE_END_DONE, GATE_END_FAILED_BACK, GATE_END_NO_FAILBACK };
void gate_complete(struct pp_engine *e, enum gate_end end);
void eng_how_it_ended(enum pp_result res, bool console, const char *detail, char *how,
                      size_t n);
void gate_problem(struct pp_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* engine_pool.c: failover / failback, and the read of the pool's state
 * after one did not end ok */
enum pool_truth pool_reading(const char *line);
void pool_set_unsure(struct pp_engine *e, enum pp_cmd_kind kind, enum pp_result res,
                     const char *detail, bool console);
void pool_probe(struct pp_engine *e);
void pool_on_probe(struct pp_engine *e, enum pp_result res, const char *detail);
bool pool_override_valid(const struct pp_engine *e, enum pp_override ov, char *why, size_t n);
void pool_override(struct pp_engine *e, enum pp_override ov);

/* engine_backend.c: the Back End databases' update once every domain is
 * done (issue 11 item 13) */
bool backend_configured(const struct pp_engine *e);
bool backend_pending(const struct pp_engine *e);   /* configured, not settled */
void backend_offer(struct pp_engine *e);
void backend_start(struct pp_engine *e);
void backend_declined(struct pp_engine *e);
void backend_on_done(struct pp_engine *e, enum pp_result res, const char *detail);
bool backend_awaits_override(const struct pp_engine *e);
bool backend_override_valid(const struct pp_engine *e, enum pp_override ov, char *why, size_t n);
void backend_override(struct pp_engine *e, enum pp_override ov, const char *who, const char *reason);
void backend_restore(struct pp_engine *e, const struct pp_jrec *r);
void backend_resume(struct pp_engine *e);   /* PP_EV_START after a restore */

/* engine_topology.c: the pool's topology order read once before the first
 * domain and compared with [servers] (issue 11 item 14) */
bool topo_applies(const struct pp_engine *e);          /* the profile has the command */
bool topo_settled(const struct pp_engine *e);          /* matched, accepted, or n/a */
bool topo_awaits_operator(const struct pp_engine *e);  /* unknown: asked */
/* gate_offer_domain asks first: true while the offer waits for the order
 * (it starts the read, or puts the question again) */
bool topo_holds(struct pp_engine *e);
void topo_on_done(struct pp_engine *e, int s, enum pp_result res, const struct pp_topology *t,
                  const char *detail);
void topo_accept(struct pp_engine *e);
void topo_recheck(struct pp_engine *e);
void topo_restore(struct pp_engine *e, const struct pp_jrec *r);

/* engine_domain.c: one domain's servers through their steps */
void dom_start(struct pp_engine *e, int d);
void dom_advance(struct pp_engine *e);
void dom_on_step(struct pp_engine *e, int s, enum pp_cmd_kind kind, enum pp_result res,
                 const char *detail);
void dom_on_probe(struct pp_engine *e, int s, enum pp_result res, const char *detail);
bool dom_start_step(struct pp_engine *e, int s);   /* false: refused */
bool dom_domain_settled(const struct pp_engine *e, int d);
void dom_finish(struct pp_engine *e, int d);

/* engine_operator.c */
void op_handle(struct pp_engine *e, const struct pp_event *ev);

/* engine_safety.c: the one gate every action that takes a Front End down
 * passes, whatever asked for it (a confirmation, --yes, an override, a
 * resume).  It checks the engine's state, never the caller's flags. */
enum safe_act { SAFE_DOMAIN_START, SAFE_STEP_START };
/* Quorum with domain d down: the worse of the model's count and the pool's
 * own TotalActiveFrontEnds from the last answer (fills up / need). */
bool safety_quorum(const struct pp_engine *e, int d, int *up, int *need);
/* true: go on.  false: refused, the refusal journaled ("refused") and put
 * to the operator. */
bool safety_allow(struct pp_engine *e, enum safe_act what, int d, int s);

#endif
