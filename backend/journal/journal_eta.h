/* When will the window end?  A pure estimate over journal records: the
 * durations of steps (step-start -> step-end ok, per server and step) and
 * of the gaps between domains (domain-done -> next domain-start: the
 * readiness checks, the settle wait, Busy back-off and the operator's
 * confirmation), from this run and from earlier journals of the same pool.
 *
 * Without earlier journals the estimate is "about" one time (medians of
 * this run); with them it is a range (the quartiles of all samples).  No
 * samples for a step that is still to come: no estimate (the header says
 * so rather than guess). */
#ifndef PP_JOURNAL_ETA_H
#define PP_JOURNAL_ETA_H

#include "backend/core/types.h"

struct pp_jrec;
struct pp_eta;

struct pp_eta *eta_new(void);
void eta_free(struct pp_eta *e);
/* Feeds one record; history = it comes from an earlier journal.  Call
 * eta_end_journal() after each journal so pairs never cross files. */
void eta_add(struct pp_eta *e, const struct pp_jrec *r, bool history);
void eta_end_journal(struct pp_eta *e);
/* Reads one earlier journal file into e (history).  0 / -1 (unreadable:
 * skipped by callers). */
int eta_add_file(struct pp_eta *e, const char *path);
/* Reads every earlier journal of the pool whose journal is `path`: the
 * files PATH.* beside it (how finished runs are set aside), except the lock
 * label and torn-line copies.  Returns how many were read. */
int eta_add_history(struct pp_eta *e, const char *path);
/* Samples counted so far: steps (this run, history), gaps. */
void eta_counts(const struct pp_eta *e, int *run_steps, int *hist_steps, int *gaps);

/* Where the run stands, as the estimate needs it. */
struct pp_eta_server {
    const char *name;
    int domain;                       /* index into the caller's domains */
    int next_step;                    /* first step not done (PP_STEP_COUNT = finished) */
    pp_ms running;                    /* how long next_step has run; -1 = not running */
};
struct pp_eta_in {
    const struct pp_eta_server *servers;
    int nservers;
    const bool *domain_done;          /* per domain */
    int ndomains;
    int active_domain;                /* -1 = between domains */
    pp_ms in_gap;                     /* time since the last domain ended (between domains) */
    pp_ms settle;                     /* [timing] settle: the gap when none was measured */
    pp_ms waiting;                    /* a known wait now (Busy back-off before a domain), 0 = none */
    int parallel;                     /* servers of a domain at once, 0 = all */
};
struct pp_eta_out {
    bool known;
    bool range;                       /* history: lo..hi; else lo == hi ("about") */
    pp_ms lo, hi;                     /* time left */
    char missing[40];                 /* !known: the step nothing was measured for */
};
void eta_estimate(const struct pp_eta *e, const struct pp_eta_in *in, struct pp_eta_out *out);

/* One domain's planned duration (steps only, all its servers from the
 * start) from history alone: for the report's planned vs actual.  -1 when
 * history has no sample of some step. */
pp_ms eta_plan_domain(const struct pp_eta *e, const char *const *servers, int n, int parallel);

/* "2026-12-04T16:40:25.440Z" -> ms since the epoch; -1 if malformed. */
int64_t eta_parse_ts(const char *ts);

#endif
