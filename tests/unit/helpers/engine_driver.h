/* A test driver for the pure engine: a fake clock, the journal records it
 * emits (numbered like journal_append would), and the commands it asked
 * for, answered by the test one by one. */
#ifndef PP_ENGINE_DRIVER_H
#define PP_ENGINE_DRIVER_H

#include "backend/engine/engine.h"

#define DRV_MAX_RUNS 256

struct drv_run {
    enum pp_cmd_kind kind;
    int server;
    int domain;
    pp_ms timeout;
    pp_ms at;
    int gen;                   /* order of issue */
};

struct drv {
    struct pp_config cfg;
    struct pp_model m;
    struct pp_engine *e;
    struct pp_actions a;
    pp_ms now;
    struct pp_jrec *recs;      /* grows as needed */
    int nrec, caprec;
    struct drv_run runs[DRV_MAX_RUNS];
    int nruns;
    int gen;
    int cancels[DRV_MAX_RUNS];
    int ncancels;
    int asks;                  /* ASK actions seen */
    int notes;
    char last_note[PP_REASON_MAX];
    bool exited;
    int exit_code;
    /* false (the default): a topology read is answered at once with the
     * config's own order, as the pool of most tests would; true: the test
     * answers it (drv_finish_topology) */
    bool topo_manual;
    int topo_answers;          /* topology reads answered automatically */
};

/* The tests' usual pool: pool01.contoso.com, lync2013, fe01..fe08 in
 * UpgradeDomain1..4 (two each), busy_retry 10m, settle 20m, drain_timeout
 * 30m; pool_extra goes into [pool], timing_extra into [timing]. Heap; free
 * with drv_destroy. */
struct drv *drv_pool8(const char *pool_extra, const char *timing_extra);
void drv_destroy(struct drv *d);
#define DRV_DR "backup_pool = pool02.contoso.com\nfailover_on = fe01.pool02.contoso.com\n"

/* Loads config text (aborts the test on a config error). */
void drv_init(struct drv *d, const char *ini);
void drv_free(struct drv *d);
void drv_start(struct drv *d);
void drv_event(struct drv *d, const struct pp_event *ev);
/* Advances the clock to the engine's wake time and fires the timer. */
bool drv_wake(struct drv *d);
void drv_advance(struct drv *d, pp_ms ms);

/* Index of a pending run of kind on server (-2 = any server), -1 if none. */
int drv_find(const struct drv *d, enum pp_cmd_kind kind, int server);
/* Ends pending run i with a result (readiness for READINESS runs). */
void drv_finish(struct drv *d, int i, enum pp_result res, const struct pp_readiness *r,
                const char *detail);
/* Builds a readiness answer from the model's domains: state, and every
 * domain's ReadyForUpgrade = ready (or per not_ready domain index = 0). */
void drv_readiness(const struct drv *d, enum pp_ready state, int not_ready,
                   struct pp_readiness *out);
/* Answers the pending readiness run with state (all domains ready). */
void drv_answer_check(struct drv *d, enum pp_ready state);
/* The config's servers in their [servers] order, as a known answer. */
void drv_topology(const struct drv *d, struct pp_topology *out);
/* Ends pending run i (a TOPOLOGY one) with a result and an answer (or NULL). */
void drv_finish_topology(struct drv *d, int i, enum pp_result res, const struct pp_topology *t,
                         const char *detail);
/* Ends every step/probe/fabric/failover run pending at the time of the
 * call ok (not the ones those ends start); returns how many. */
int drv_finish_all_ok(struct drv *d);

void drv_op(struct drv *d, enum pp_op op, const char *target);
void drv_override(struct drv *d, enum pp_override ov, const char *target, const char *reason);

/* The console is killed and started again: the commands in flight are
 * forgotten (their ends never arrive), a new model and engine restore every
 * record written so far, and PP_EV_START is sent.  Returns 0, or -1 when
 * the engine refused a record (err filled). */
int drv_restart(struct drv *d, char *err, size_t errn);

/* Journal queries. */
int drv_count(const struct drv *d, const char *event);
const struct pp_jrec *drv_last(const struct drv *d, const char *event);

/* Drives a run to the end: answers checks Ready, confirms every question
 * that can be confirmed, ends steps ok, fires timers.  Returns the number
 * of iterations, or -1 when it got stuck (a question that needs more). */
int drv_autorun(struct drv *d, int max_iter);

#endif
