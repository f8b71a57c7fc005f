/* Trainer controls: inject a fault into the simulated pool now, during a
 * training run (the dashboard's inject menu, headless `inject KIND
 * [SERVER] [STEP]`).  The fault is journaled first (a "note" record with
 * action "inject"), then handed to the simulator (sim_inject), so a debrief
 * or report read later knows which faults the trainer added.
 *
 * What each kind does, as the simulator implements it:
 *   busy           the next readiness check answers Busy
 *   not-ready      the next check reports SERVER's domain ReadyForUpgrade False
 *   drop           the connection to SERVER drops during STEP: now, if that
 *                  step runs; else the next time it runs (outcome unknown)
 *   hang           SERVER's STEP stops progressing until its timeout
 *   fail           SERVER's STEP ends failed
 *   never-returns  SERVER does not come back from its (current or next) restart
 * Defaults: SERVER = the server running a step now, else the first server of
 * the next open domain; STEP = the step SERVER runs now, else drain for hang,
 * verify for fail, the server's next step for drop. */
#ifndef PP_TRAINER_H
#define PP_TRAINER_H

#include "backend/runner/runner.h"

enum pp_inject {
    PP_INJ_BUSY,
    PP_INJ_NOT_READY,
    PP_INJ_DROP,
    PP_INJ_HANG,
    PP_INJ_FAIL,
    PP_INJ_NEVER_RETURNS,
    PP_INJ_COUNT
};

const char *trainer_inject_name(enum pp_inject k);   /* "busy", "not-ready", ... */
int trainer_inject_parse(const char *s);             /* -1 when unknown */
/* One line for menus: what the fault does ("the pool answers Busy"). */
const char *trainer_inject_help(enum pp_inject k);
bool trainer_inject_needs_server(enum pp_inject k);

/* The plan: which server (-1 = pool-wide), which command kind. */
struct pp_inject_plan {
    enum pp_inject kind;
    int server;
    enum pp_step step;        /* PP_STEP_NONE for busy / not-ready */
    enum pp_cmd_kind cmd;
    bool now;                 /* hits a command running now (else the next one) */
    char text[PP_REASON_MAX]; /* "the connection to fe03 drops during its upgrade (now)" */
};

/* Works out the plan from the model.  server: a name, or NULL / "" for the
 * default; step: a step name, or NULL / "" for the default.  Returns 0, or
 * -1 with why (unknown server, a step that kind cannot take). */
int trainer_plan(const struct pp_model *m, enum pp_inject k, const char *server,
                 const char *step, struct pp_inject_plan *p, char *why, size_t whyn);

/* Journals the plan (note / inject), then injects it into the runner's
 * simulated transport.  Returns 0, or -1 with why (not training, the
 * journal write failed, the simulator refused). */
int trainer_inject(struct pp_runner *r, const struct pp_inject_plan *p, char *why, size_t whyn);

#endif
