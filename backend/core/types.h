/* Small shared vocabulary: steps, results, readiness states.
 * Every module speaks these; the journal writes their stable English names. */
#ifndef PP_TYPES_H
#define PP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PP_NAME_MAX 254   /* a DNS name is at most 253 characters */
#define PP_DOMAIN_NAME_MAX 64
#define PP_REASON_MAX 512
#define PP_OPERATOR_MAX 64

/* Virtual milliseconds: the runner's clock (real or simulated). */
typedef int64_t pp_ms;
#define PP_MS_NEVER INT64_MAX

/* Per-server steps, in the order the procedure runs them. */
enum pp_step {
    PP_STEP_DRAIN,
    PP_STEP_UPGRADE,
    PP_STEP_RESTART,
    PP_STEP_VERIFY,
    PP_STEP_COUNT,
    PP_STEP_NONE = -1
};

/* What a command is for: templates, the simulator and the transport
 * (restart expects the connection to drop) all key on this. */
enum pp_cmd_kind {
    PP_CMD_READINESS,
    PP_CMD_DRAIN,       /* graceful */
    PP_CMD_DRAIN_NOW,   /* immediate (downtime mode, or forced) */
    PP_CMD_UPGRADE,
    PP_CMD_RESTART,
    PP_CMD_VERIFY,
    PP_CMD_PROBE,       /* read-only service state, after an unknown outcome */
    PP_CMD_POOL_STATE,  /* read-only: is the pool failed over?  After a failover /
                         * failback whose outcome is unknown or failed, before
                         * anything may run it again (on the failover host) */
    PP_CMD_FABRIC,      /* routing-group health before/after settle */
    PP_CMD_FAILOVER,
    PP_CMD_FAILBACK,
    PP_CMD_BACKEND,     /* the Back End databases' update (Install-CsDatabase -Update),
                         * once, after every domain: on a Front End of the pool */
    PP_CMD_TOPOLOGY,    /* read-only: the pool's Front Ends in topology order (the
                         * quorum's "first 7 / first 9"), once before the first domain */
    PP_CMD_COUNT
};

enum pp_result {
    PP_RES_NONE,
    PP_RES_OK,
    PP_RES_FAILED,
    PP_RES_TIMEOUT,
    PP_RES_LOST,       /* connection dropped: outcome unknown */
    PP_RES_CANCELLED
};

enum pp_ready {
    PP_READY_UNKNOWN,  /* failed, unparseable or truncated: never Ready */
    PP_READY_READY,
    PP_READY_BUSY,
    PP_READY_INSUFFICIENT
};

enum pp_mode { PP_MODE_GRACEFUL, PP_MODE_DOWNTIME };
enum pp_confirm { PP_CONFIRM_DOMAIN, PP_CONFIRM_SERVER, PP_CONFIRM_STEP };
/* lync: FACTS.md quorum table (pools of 2..12); majority: more than half
 * stay up; none: no quorum rule (single servers, generic fleets). */
enum pp_quorum { PP_QUORUM_LYNC, PP_QUORUM_MAJORITY, PP_QUORUM_NONE };
/* How a domain's servers are taken down (issue 11 item 7).  domain: Lync
 * Server 2013's upgrade-domain procedure, the domain's servers in parallel
 * up to [pool] parallel.  server: Skype for Business Server 2015/2019's
 * "Patch or update Front End Servers", one server at a time in topology
 * order (Invoke-CsComputerFailOver, update, restart,
 * Invoke-CsComputerFailBack); the domain gates still hold around it. */
enum pp_procedure { PP_PROC_DOMAIN, PP_PROC_SERVER };

const char *pp_step_name(enum pp_step s);          /* "drain", ... */
int pp_step_parse(const char *s);                  /* -1 if unknown */
const char *pp_cmd_kind_name(enum pp_cmd_kind k);  /* "readiness", "drain", ... */
int pp_cmd_kind_parse(const char *s);
const char *pp_result_name(enum pp_result r);      /* "ok", "failed", ... ; "" for NONE */
/* The same names as the operator reads them (translated; "" stays "").
 * Screen only: the journal and reports keep pp_*_name(). */
const char *pp_step_label(enum pp_step s);
const char *pp_result_label(enum pp_result r);
/* any of those English words, a journal event name or a domain state;
 * an unknown word comes back as it is */
const char *pp_label(const char *name);
int pp_result_parse(const char *s);
const char *pp_ready_name(enum pp_ready r);        /* "Ready", "Busy", ... "Unknown" */
int pp_ready_parse(const char *s);                 /* case-insensitive */

#endif
