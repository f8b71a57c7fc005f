/* The procedure engine: a pure state machine.
 *
 * Events and the current time go in; the model is updated and actions come
 * out.  No I/O, no clock of its own: every branch is unit-testable with a
 * fake clock, and the property test drives it through thousands of random
 * pools.  Journal records are actions too, emitted BEFORE the actions they
 * justify: the runner writes and fsyncs each one and stops executing the
 * list if a write fails, so nothing starts whose record is not durable. */
#ifndef PP_ENGINE_H
#define PP_ENGINE_H

#include "backend/journal/journal.h"
#include "backend/pool/model.h"
#include "backend/pool/readiness.h"
#include "backend/pool/topology.h"
#include "config/config.h"

enum pp_op {
    PP_OP_CONFIRM,      /* yes to the current question */
    PP_OP_DECLINE,      /* no to the current question */
    PP_OP_RECHECK,      /* run the readiness check now */
    PP_OP_CHOOSE,       /* target = the domain to upgrade next */
    PP_OP_OVERRIDE,     /* override + target + reason */
    PP_OP_QUIT          /* stop after what runs now has ended */
};

enum pp_override {
    PP_OV_FORCE,        /* server: stop its overrunning drain at once */
    PP_OV_RETRY,        /* server: re-run its failed / lost step */
    PP_OV_SKIP,         /* server: leave it out of this run */
    PP_OV_DONE,         /* server or domain: mark done by hand */
    PP_OV_PROCEED,      /* pool or domain: go past the gate that holds */
    PP_OV_COUNT
};
const char *engine_override_name(enum pp_override o);
int engine_override_parse(const char *s);   /* -1 */

enum pp_ev_type {
    PP_EV_START,        /* first event of a run (after any restore) */
    PP_EV_TIMER,        /* engine_next_wake() has come */
    PP_EV_CMD_DONE,     /* a command ended */
    PP_EV_OPERATOR
};

struct pp_event {
    enum pp_ev_type type;
    /* CMD_DONE */
    enum pp_cmd_kind kind;
    int server;                      /* -1 for the failover host */
    enum pp_result result;
    const struct pp_readiness *readiness;   /* READINESS with result OK */
    const struct pp_topology *topology;     /* TOPOLOGY with result OK (known or not) */
    const char *detail;              /* last output line / error, may be NULL */
    /* OPERATOR */
    enum pp_op op;
    enum pp_override ov;
    const char *target;              /* server / domain / pool name */
    const char *reason;
    const char *operator_;           /* who; NULL = the console's operator */
    bool automatic;                  /* confirmed by --yes, not a person */
    unsigned ask_id;                 /* CONFIRM / DECLINE: the id of the question the
                                      * operator saw (model.ask_id); an answer to a
                                      * question since replaced is refused.  0 only
                                      * for callers that act on the model at once */
};

enum pp_act_type {
    PP_ACT_JOURNAL,     /* write rec durably before going on */
    PP_ACT_RUN,         /* run kind on server */
    PP_ACT_CANCEL,      /* cancel what runs on server */
    PP_ACT_ASK,         /* the model's ask fields hold the question */
    PP_ACT_NOTE,        /* a line for the operator (not journaled) */
    PP_ACT_EXIT         /* the run is over: exit_code */
};

struct pp_action {
    enum pp_act_type type;
    struct pp_jrec rec;              /* JOURNAL */
    enum pp_cmd_kind kind;           /* RUN */
    int server;                      /* RUN / CANCEL; -1 = failover host */
    int domain;                      /* RUN: for {domain}; -1 none */
    pp_ms timeout;                   /* RUN */
    char text[PP_REASON_MAX];        /* NOTE / refusal messages */
    int exit_code;                   /* EXIT */
    unsigned ask_id;                 /* ASK: the question's id */
};

struct pp_actions {
    struct pp_action *v;
    int n, cap;
};
void actions_clear(struct pp_actions *a);
void actions_free(struct pp_actions *a);

struct pp_engine;

/* The engine keeps pointers to cfg and m; both must outlive it. */
struct pp_engine *engine_new(const struct pp_config *cfg, struct pp_model *m,
                             const char *operator_);
void engine_free(struct pp_engine *e);

/* Replays one journal record into the state (before PP_EV_START).
 * Returns 0, or -1 with err set when the record contradicts the config
 * (a server or domain the config does not know). */
int engine_restore(struct pp_engine *e, const struct pp_jrec *r, char *err, size_t errn);
bool engine_resumed(const struct pp_engine *e);
/* For readers that show a journal instead of resuming it (replay): a start
 * record naming another topology (servers and domains changed in the config
 * since, or a config derived from the journal) is accepted.  The pool's
 * name is still checked. */
void engine_restore_lenient(struct pp_engine *e);

void engine_handle(struct pp_engine *e, const struct pp_event *ev, pp_ms now,
                   struct pp_actions *out);

/* When the engine wants a PP_EV_TIMER next; PP_MS_NEVER if not. */
pp_ms engine_next_wake(const struct pp_engine *e);

/* Is there a command running that the engine waits for? */
int engine_running(const struct pp_engine *e);

#endif
