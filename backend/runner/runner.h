/* The imperative shell around the engine: executes its actions (journal
 * writes with fsync, commands through a transport, questions to the UI),
 * turns transport reports into engine events, and keeps the clock.
 *
 * One runner per console, driven from the single poll() loop in tui/. */
#ifndef PP_RUNNER_H
#define PP_RUNNER_H

#include "backend/engine/engine.h"
#include "backend/core/outbuf.h"
#include "backend/runner/stage.h"
#include "backend/runner/transport.h"

struct pp_runner_opts {
    bool yes;              /* --yes: accept confirmations (never overrides) */
    bool dry_run;          /* --dry-run: show commands, run only readiness */
    bool training;
    double time_scale;     /* 1 = real time; N = N times faster; 0 = max (jump) */
    const char *operator_; /* who sits at the console */
    const char *journal_path; /* a dry run reads its `stage` records (no lock) */
};

enum pp_notice_type {
    PP_N_EVENT,     /* a readable line about what happened (headless prints these) */
    PP_N_OUTPUT,    /* a completed output line of `server` (cleaned) */
    PP_N_ASK,       /* the engine waits for the operator: model->ask* */
    PP_N_PROMPT,    /* the transport asks (host key, password) */
    PP_N_ERROR,     /* something the operator must read (journal write failed...) */
    PP_N_EXIT,      /* the run is over; code in `code` */
    PP_N_RESUMED    /* before the run resumes: how the previous console stopped (text) */
};

struct pp_notice {
    enum pp_notice_type type;
    int server;                 /* -1 pool / failover host */
    const char *text;
    /* PROMPT */
    uint64_t prompt_id;
    enum pp_prompt_kind prompt;
    bool echo;
    int code;
};

struct pp_runner;
typedef void (*pp_notice_fn)(void *ctx, const struct pp_notice *n);

/* Takes ownership of the transport and the journal (may be NULL for replay).
 * cfg and model must outlive the runner. */
struct pp_runner *runner_new(const struct pp_config *cfg, struct pp_model *m,
                             struct pp_transport *t, struct pp_journal *j,
                             const struct pp_runner_opts *o, pp_notice_fn fn, void *ctx);
void runner_free(struct pp_runner *r);

/* Replays the journal into the engine and starts (or resumes) the run.
 * Returns 0, or -1 with err (a corrupt journal: nothing was changed). */
int runner_start(struct pp_runner *r, char *err, size_t errn);

/* An operator decision (from keys or headless commands). */
void runner_operator(struct pp_runner *r, const struct pp_event *ev);
/* The answer to a PP_N_PROMPT. */
void runner_answer(struct pp_runner *r, uint64_t prompt_id, bool accept,
                   const char *secret, bool remember);

/* The event loop's hooks: the fd to poll (-1 none), how long poll() may
 * sleep in real milliseconds (-1 forever, 0 = work is due now), and the
 * work to do when it wakes. */
int runner_fd(struct pp_runner *r);
int runner_poll_timeout(struct pp_runner *r);
void runner_tick(struct pp_runner *r);

bool runner_done(const struct pp_runner *r, int *exit_code);
const struct pp_model *runner_model(const struct pp_runner *r);
const struct pp_config *runner_config(const struct pp_runner *r);
const struct pp_runner_opts *runner_opts(const struct pp_runner *r);
pp_ms runner_now(const struct pp_runner *r);
/* Wall-clock ms corresponding to runner time (journal timestamps). */
int64_t runner_wall(const struct pp_runner *r);

/* Output of a server (-1 = the pool: readiness, failover, notes). */
const struct pp_outbuf *runner_output(const struct pp_runner *r, int server);
/* The last command line sent to a server (for the output pane title). */
const char *runner_last_command(const struct pp_runner *r, int server);

/* When the window will end (header, headless status): "ends about 03:40
 * (2h10m left)", a range with earlier journals of the pool, or why it is
 * unknown.  -1 (buf "") when there is nothing to estimate (done, stopped).
 * (backend/runner/runner_eta.c) */
int runner_eta_text(struct pp_runner *r, char *buf, size_t n);

/* Training clock controls. */
void runner_set_scale(struct pp_runner *r, double scale);   /* 0 = max */
void runner_pause(struct pp_runner *r, bool paused);
bool runner_paused(const struct pp_runner *r);
struct pp_transport *runner_transport(struct pp_runner *r);

/* Ask the runner to stop: finish what runs, journal, exit 1 (SIGTERM/quit). */
void runner_stop(struct pp_runner *r, const char *why);

/* Journals a record the engine did not make (event "note": a trainer's
 * injected fault) the way every record is written: operator and ts filled,
 * appended and fsync'ed, then shown (PP_N_EVENT).  Returns 0, or -1 when it
 * could not be written: the caller must then not do what it records.
 * Without a journal (dry run) it is only shown.  (backend/runner_note.c) */
int runner_note(struct pp_runner *r, struct pp_jrec *rec);
/* The journal's file, or NULL when there is none (dry run). */
const char *runner_journal_path(const struct pp_runner *r);

/* ---- staging from the dashboard (backend/runner/runner_staging.c) ----
 * The --stage copy as a step of the run, before the first domain: the same
 * stage object, its commands and copies beside the run's, its `stage`
 * records written like the run's.  Staging never drains or restarts. */

/* Starts staging [update] package on every server.  -1 with err (in the
 * operator's language) when it cannot: no package, not SSH (training),
 * a dry run, a domain in progress or a command running, already staging,
 * the package unreadable or not [update] sha256. */
int runner_stage_start(struct pp_runner *r, char *err, size_t errn);
/* Cancels it: what waits never starts, what runs is cut (its ENDs end it). */
void runner_stage_cancel(struct pp_runner *r);
bool runner_stage_running(const struct pp_runner *r);
/* Progress of a model server while staging runs: false when staging is not
 * running or does not include it. */
bool runner_stage_progress(const struct pp_runner *r, int server, struct pp_stage_progress *p);
/* The pool's progress: false when staging is not running. */
bool runner_stage_pool(const struct pp_runner *r, struct pp_stage_pool *p);
/* Does the journal say server holds a verified copy of this package?
 * -1 when there is no [update] package (nothing to say), else 0 / 1. */
int runner_stage_staged(const struct pp_runner *r, int server);
/* Servers without a verified copy (0 without [update] package). */
int runner_stage_missing(const struct pp_runner *r);

#endif
