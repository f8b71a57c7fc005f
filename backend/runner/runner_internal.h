/* Private to backend/runner*.c. */
#ifndef PP_RUNNER_INTERNAL_H
#define PP_RUNNER_INTERNAL_H

#include "backend/core/mem.h"
#include "backend/runner/runner.h"

#define PP_CMD_OUT_MAX (1 << 20)   /* kept per command for parsing: 1 MiB */

/* The runner's own read-only commands, not engine actions: the dry run's
 * (runner_dry.c) and the package check just before a drain (runner_stage.c). */
enum pp_raw_check { PP_RAW_NONE, PP_RAW_PACKAGE, PP_RAW_PATCH, PP_RAW_PRECHECK };

/* A command in flight. */
struct pp_cmdrec {
    struct pp_cmdrec *next;
    uint64_t id;
    int server;
    int domain;
    enum pp_cmd_kind kind;
    pp_ms started;
    char *out;            /* stdout kept for parsing (bounded) */
    size_t nout;
    bool truncated;       /* more than PP_CMD_OUT_MAX: unreadable */
    enum pp_raw_check raw; /* a read-only check of the runner's own, not an engine action */
    enum pp_cmd_kind then_kind; /* PP_RAW_PRECHECK: the drain it stands before (with domain) */
    pp_ms then_timeout;
    char tail[4096];      /* last bytes of stdout, for the result marker */
    size_t ntail;
};

/* An event waiting for the engine, with storage for what it points to. */
struct pp_qev {
    struct pp_qev *next;
    struct pp_event ev;
    struct pp_readiness readiness;
    bool has_readiness;
    struct pp_topology *topology;   /* heap: a TOPOLOGY answer read, or NULL */
    char target[PP_NAME_MAX];
    char reason[PP_REASON_MAX];
    char op[PP_OPERATOR_MAX];
    char detail[PP_REASON_MAX];
};

struct pp_runner {
    const struct pp_config *cfg;
    struct pp_model *m;
    struct pp_transport *t;
    struct pp_journal *j;
    struct pp_engine *eng;
    struct pp_runner_opts opts;
    char operator_[PP_OPERATOR_MAX];
    pp_notice_fn fn;
    void *ctx;

    struct pp_actions acts;
    struct pp_qev *qhead, *qtail;
    struct pp_cmdrec *cmds;
    uint64_t next_id;

    struct pp_outbuf *out;   /* nservers + 1 (the pool) */
    struct pp_outbuf log;
    char **lastcmd;

    /* clock */
    pp_ms now, now0;
    int64_t wall0;
    int64_t last_ts;         /* wall ms of the latest record read or written:
                                no record is ever stamped earlier */
    int64_t anchor_mono;
    pp_ms anchor_virtual;
    double scale;            /* 0 = max */
    bool paused;

    bool halted;
    int exit_code;           /* -1 while running */
    bool planned;            /* dry run: plan printed */
    int dry_pending;         /* dry run: connection probes still running */
    int dry_problems;        /* dry run: servers that could not be reached */
    int dry_missing;         /* dry run: servers without the update package (or unchecked) */
    int dry_patch_unknown;   /* dry run: servers whose patch level could not be read */
    char restore_err[PP_REASON_MAX * 2];

    /* staging (runner_stage.c): NULL without [update] package */
    char (*staged)[PP_SHA256_HEX + 1];   /* per server: the verified copy's sha256, "" = none */
    char pkg_sha[PP_SHA256_HEX + 1];     /* the package's; "" = unknown (pkg_why) */
    struct pp_file_id pkg_id;            /* the file pkg_sha was read from (known only when
                                            the runner hashed it, not [update] sha256) */
    char pkg_why[PP_REASON_MAX];
    struct pp_stage *stage;              /* the dashboard's staging, NULL when none runs */
    unsigned stage_runs;                 /* stagings started: each gets its own id range */

    struct pp_eta *eta;                  /* runner_eta.c */
    int eta_journals;                    /* earlier journals read */
    long long eta_records, eta_seen;     /* records fed / when eta_text was made */
    pp_ms eta_second;
    bool eta_valid;
    int eta_rc;
    char eta_text[160];
};

/* runner_eta.c */
void runner_eta_init(struct pp_runner *r);
void runner_eta_record(struct pp_runner *r, const struct pp_jrec *rec);

/* runner_stage.c */
void runner_stage_init(struct pp_runner *r);
void runner_stage_record(struct pp_runner *r, const struct pp_jrec *rec);
void runner_stage_load(struct pp_runner *r, const char *path);
bool runner_stage_refuses(const struct pp_runner *r, int server, char *why, size_t n);
/* Before the drain a (PP_CMD_DRAIN / DRAIN_NOW) with [update] package, on a
 * real pool: asks the server, read-only, whether it holds the package; the
 * drain is sent (runner_send) only when it does.  true when it took the
 * action over (the check runs, or the drain ended failed). */
bool runner_stage_precheck(struct pp_runner *r, const struct pp_action *a);
void runner_stage_precheck_done(struct pp_runner *r, const struct pp_cmdrec *c,
                                enum pp_result res, const char *detail);
/* Shows which servers hold the package: all of them (dry run), or the
 * count and the first refusals (start of a run: the dashboard's log). */
void runner_stage_plan(struct pp_runner *r, bool all);

/* runner_staging.c: routes a transport event of staging's (true: taken),
 * drives it from runner_tick, frees it with the runner */
bool runner_staging_event(struct pp_runner *r, const struct pp_tev *ev);
void runner_staging_tick(struct pp_runner *r);
void runner_staging_free(struct pp_runner *r);
/* Refuses an operator's event while staging runs: starting a domain, a
 * server or a step waits until it ends (true: dropped, the operator told). */
bool runner_staging_refuses(struct pp_runner *r, const struct pp_event *ev);

/* runner.c */
/* Writes a record the engine did not make the way do_journal writes the
 * engine's: stamped, appended (fsync), staged servers and ETA updated,
 * shown.  0, or -1 with err: the runner halts. */
int runner_record(struct pp_runner *r, struct pp_jrec *rec, char *err, size_t errn);
void runner_notify(struct pp_runner *r, enum pp_notice_type t, int server, const char *text);
struct pp_qev *runner_enqueue(struct pp_runner *r, const struct pp_event *ev);
void runner_qev_free(struct pp_qev *q);
/* Stamps rec->ts (when empty) from runner_wall(), never earlier than the
 * journal's last record, so a journal's times never go back. */
void runner_stamp(struct pp_runner *r, struct pp_jrec *rec);
bool runner_waiting(const struct pp_runner *r);

/* runner_cmd.c */
void runner_run(struct pp_runner *r, const struct pp_action *a);
/* Sends a's command as it is, no check before it (runner_run's last part). */
void runner_send(struct pp_runner *r, const struct pp_action *a);
/* The end of an engine action that sent nothing, or whose command never ran. */
void runner_drain_refuse(struct pp_runner *r, enum pp_cmd_kind kind, int server,
                         enum pp_result res, const char *why);
void runner_end_unsent(struct pp_runner *r, enum pp_cmd_kind kind, int server,
                       enum pp_result res, const char *detail);
void runner_cancel_server(struct pp_runner *r, int server);
void runner_poll_transport(struct pp_runner *r);
void runner_cmd_free(struct pp_cmdrec *c);
void runner_dry_plan(struct pp_runner *r);
/* runner_dry.c: the dry run's package check on one server, then (one
 * command at a time on a server) its patch-level read; their answers */
void runner_dry_package_start(struct pp_runner *r, int server);
void runner_dry_package_done(struct pp_runner *r, const struct pp_cmdrec *c, enum pp_result res,
                             const char *detail);
/* runner_dry.c: the dry run's patch-level read on one server; its answer */
void runner_dry_patch_start(struct pp_runner *r, int server);
void runner_dry_patch_done(struct pp_runner *r, const struct pp_cmdrec *c, enum pp_result res,
                           const char *detail);
/* Starts a read-only command on server (not an engine action: its end
 * comes back to whoever started it, by raw).  Its record, or NULL when the
 * transport refused it. */
struct pp_cmdrec *runner_start_raw(struct pp_runner *r, int server, enum pp_cmd_kind kind, const char *script,
                     enum pp_raw_check raw, pp_ms timeout);
void runner_dry_finish(struct pp_runner *r);
/* The template of kind expanded for server/domain, unwrapped (what the
 * operator reads); heap, or NULL with err. */
char *runner_expand_script(const struct pp_runner *r, enum pp_cmd_kind kind, int server,
                           int domain, char *err, size_t errn);
/* Builds the command line for kind on server (-1 = failover host);
 * heap string or NULL with err. */
char *runner_build_command(const struct pp_runner *r, enum pp_cmd_kind kind, int server,
                           int domain, char *err, size_t errn);


#endif
