/* The pool model: what the engine knows and the screen shows.
 * The engine is the only writer of the procedure state; the runner adds
 * output lines; the UI only reads. */
#ifndef PP_MODEL_H
#define PP_MODEL_H

#include "backend/core/types.h"

struct pp_config;

enum pp_srv_state {
    PP_SRV_PENDING,     /* not started */
    PP_SRV_QUEUED,      /* its domain is in progress; waits for a slot or a confirm */
    PP_SRV_RUNNING,     /* a step runs: intentionally down when drain/upgrade/restart */
    PP_SRV_VERIFIED,    /* all steps ok */
    PP_SRV_FAILED,      /* a step failed or timed out: needs an override */
    PP_SRV_LOST,        /* a step's outcome is unknown: probe, then ask */
    PP_SRV_SKIPPED,     /* override: skipped, with a reason */
    PP_SRV_MARKED_DONE  /* override: done by hand, with a reason */
};

enum pp_dom_state {
    PP_DOM_WAITING,     /* not reached yet */
    PP_DOM_READY,       /* last check: ReadyForUpgrade True */
    PP_DOM_NOT_READY,   /* last check: False */
    PP_DOM_ACTIVE,      /* in progress */
    PP_DOM_DONE,
    PP_DOM_DONE_EXCEPTIONS   /* done with skipped / hand-marked servers */
};

/* Where the whole run stands. */
enum pp_phase {
    PP_PH_START,
    PP_PH_CHECKING,      /* readiness check running */
    PP_PH_BUSY_WAIT,     /* Busy: waiting busy_retry before the next check */
    PP_PH_PROBLEM,       /* pool problem: waits for the operator (failover or stop) */
    PP_PH_FAILOVER,      /* failover running */
    PP_PH_CHOOSE,        /* Ready: waits for the operator to start a domain */
    PP_PH_DOMAIN,        /* a domain is in progress */
    PP_PH_SETTLE,        /* after a domain: Ready again + settle wait */
    PP_PH_FAILBACK_ASK,  /* all domains done while failed over */
    PP_PH_FAILBACK,
    PP_PH_BACKEND,       /* every domain done: the Back End's update asked / runs */
    PP_PH_COMPLETE,
    PP_PH_STOPPED        /* the operator stopped, or nothing can go on */
};

/* A question the engine waits on.  Exactly one at a time. */
enum pp_ask_kind {
    PP_ASK_NONE,
    PP_ASK_START_DOMAIN,  /* confirm starting `domain` (quorum line in text) */
    PP_ASK_START_SERVER,  /* confirm = server */
    PP_ASK_START_STEP,    /* confirm = step */
    PP_ASK_FAILOVER,      /* pool problem, DR pair: fail over? */
    PP_ASK_FAILBACK,
    PP_ASK_RERUN,         /* unknown outcome: probed; re-run the step? */
    PP_ASK_FORCE_DRAIN,   /* graceful drain overran: needs override force */
    PP_ASK_OPERATOR,      /* stuck: only an override or quit helps; text says why */
    PP_ASK_BACKEND        /* every domain done: run the Back End's update ([pool] backend)? */
};
/* Can a plain "yes" answer this question (and --yes answer it for the
 * operator)?  Not "none", and not the two that only an override answers.
 * The one rule for the engine, the runner, the loop and both front ends. */
bool model_ask_confirmable(enum pp_ask_kind k);

struct pp_server {
    char name[PP_NAME_MAX];
    int topo;                 /* index in topology order */
    int domain;               /* index into domains, -1 if not known yet */
    enum pp_srv_state state;
    enum pp_step step;        /* the step running / failed / lost / next */
    bool step_done[PP_STEP_COUNT];
    pp_ms step_started;       /* when the current step started */
    pp_ms steps_started;      /* when the first step started (for totals) */
    pp_ms finished;           /* when it reached a final state */
    enum pp_result last_result;
    int lost_count;           /* outcomes lost for the current step */
    bool lost_console;        /* the last one was lost because the console itself
                               * stopped (killed, crashed), not the connection */
    bool forced_drain;        /* drain re-run without -Graceful by override */
    bool probed;              /* after a lost outcome, the probe ran */
    char probe_answer[160];   /* last line of that probe */
    char reason[PP_REASON_MAX];   /* skip / mark-done / failure reason */
    char by[PP_OPERATOR_MAX];     /* who confirmed or overrode last */
    char last_line[200];      /* cleaned last output line, for panels */
    bool down;                /* its services are intentionally down */
};

struct pp_domain {
    char name[PP_DOMAIN_NAME_MAX];
    int *members;             /* server indices, topology order */
    int nmembers;
    enum pp_dom_state state;
    int ready_flag;           /* last ReadyForUpgrade: -1 unknown, 0, 1 */
    pp_ms started, finished;
    char by[PP_OPERATOR_MAX];
    bool manual;              /* marked done by hand */
    char reason[PP_REASON_MAX];
};

struct pp_model {
    char fqdn[PP_NAME_MAX];
    char profile[16];
    enum pp_mode mode;
    enum pp_procedure procedure;  /* one domain's servers together, or one server at a time */
    bool quorum_16;               /* Skype for Business Server 2019: up to 16 Front Ends, and
                                   * the "12-16: any 7 of the first 12" row (quorum_required) */
    bool computer_failover;       /* the drain is Invoke-CsComputerFailOver (SfB's procedure):
                                   * the screen names the cmdlets the templates run */
    bool training;
    char scenario[64];

    struct pp_server *servers;
    int nservers;
    struct pp_domain *domains;
    int ndomains;

    enum pp_phase phase;
    enum pp_ready readiness;      /* last answer */
    int total_fe, active_fe;      /* from the last answer, -1 unknown */
    int busy_strikes;             /* consecutive Busy answers */
    pp_ms last_check;             /* when the last answer came, -1 never */
    unsigned pool_moves;          /* failover/failback events so far (starts and ends) */
    unsigned check_moves;         /* pool_moves when the last answer came: an answer
                                   * older than the last move is stale (model_readiness_current) */
    bool last_move_back;          /* the last move was a failback (else a failover) */
    pp_ms next_check;             /* when the next check is due, PP_MS_NEVER */
    pp_ms settle_until;           /* end of the settle wait, PP_MS_NEVER */
    int check_server;             /* where the last/current check runs */
    char problem[PP_REASON_MAX];  /* why the pool has a problem / why stopped */

    char backup_pool[PP_NAME_MAX];
    bool failed_over;
    bool failed_back;
    /* A failover / failback (PP_CMD_FAILOVER / PP_CMD_FAILBACK) that did not
     * end ok and waits for the operator to say what is true (after the
     * pool's state was read); -1 none.  Screens offer override done /
     * skip / retry on the pool by it. */
    int pool_unsure;
    /* The Back End's update (issue 11 item 13) as the checklist pane shows
     * it: "" not reached; "asked", "running", "ok", "done" (the operator's
     * word), "failed" (failed, timed out or lost: an override decides),
     * "declined", "open" (left to the operator) */
    char backend_item[16];

    int active_domain;            /* -1 when none */
    int chosen_domain;            /* operator's pick, -1 = first ready */
    int domains_done;

    enum pp_ask_kind ask;
    int ask_server;               /* -1 when the question is pool-wide */
    int ask_domain;
    enum pp_step ask_step;
    char ask_text[PP_REASON_MAX]; /* the whole question, said plainly (translated) */
    bool ask_quorum;              /* ask_text states the quorum in full (START_DOMAIN):
                                   * the screen need not add its own quorum line */
    unsigned ask_id;              /* grows with every question put: an answer names the
                                   * question it answers (pp_event.ask_id) */

    int *name_index;              /* open-addressing hash of server names */
    int name_cap;

    pp_ms started_at;             /* first start, for "elapsed" */
    pp_ms now;                    /* the engine's last known time */
    int exit_code;                /* set when phase is COMPLETE/STOPPED */
};

/* Builds the model from a valid config: servers in topology order and the
 * domains the config names (more can be discovered later). */
int model_init(struct pp_model *m, const struct pp_config *cfg);
void model_free(struct pp_model *m);

int model_find_server(const struct pp_model *m, const char *name);  /* -1 */
int model_find_domain(const struct pp_model *m, const char *name);  /* -1 */
/* Adds an empty domain; returns its index or -1 on allocation failure. */
int model_add_domain(struct pp_model *m, const char *name);
int model_domain_add_member(struct pp_model *m, int d, int server);

/* Final states: nothing more will run on this server in this run. */
bool model_server_settled(const struct pp_server *s);
/* Is this server's service up (counts for quorum)?  Pending, verified and
 * queued servers are up; running, failed, lost ones are not. */
bool model_server_up(const struct pp_server *s);

/* Pool quorum (FACTS.md table; Microsoft's "Front End Pool high
 * availability and management").  Returns how many must stay running for
 * a pool of n Front Ends; for 8-16 servers *among_first is set to 7, 9 or
 * 12 (the count only counts servers among the first that many in topology
 * order), else to n.  13-16 is Skype for Business Server 2019's row
 * ("12-16: any 7 of the first 12"): config/validate.c lets only sfb2019
 * pools have them.  -1 for n outside 1..16. */
int quorum_required(int n, int *among_first);
/* Would taking domain d down keep quorum?  Fills up/need for messages.  A
 * 12-Front-End SfB 2019 pool sits in two rows of Microsoft's table (10-12:
 * 5 of the first 9; 12-16: 7 of the first 12): both must hold, and up/need
 * are those of the row that binds (the failing one, else the smaller
 * margin). */
bool quorum_ok_without(const struct pp_model *m, enum pp_quorum rule, int d,
                       int *up, int *need);
/* The "first N" of the row quorum_ok_without(m, rule, d) reported: n when
 * the rule counts every server. */
int quorum_among(const struct pp_model *m, enum pp_quorum rule, int d);

/* A failover or failback started or ended: the pool the last readiness
 * answer described is not the pool now. */
void model_pool_moved(struct pp_model *m, bool back);
/* A readiness answer arrived (readiness, counts and last_check set). */
void model_readiness_taken(struct pp_model *m, pp_ms at);
/* Does the last readiness answer describe the pool as it is now?  False
 * when there was none, or when it is older than the last failover/failback
 * event: the screen then says "not checked since failover", never the old
 * answer as the pool's state. */
bool model_readiness_current(const struct pp_model *m);

const char *model_phase_name(enum pp_phase p);
const char *model_srv_state_name(enum pp_srv_state s);
const char *model_dom_state_name(enum pp_dom_state s);

#endif
