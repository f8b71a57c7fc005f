/* The simulated pool's insides, shared by backend/sim.c (the transport:
 * event heap, command lifecycle, delivery), backend/sim_pool.c (pool
 * state, quorum, faults, the answers of read-only commands) and
 * backend/sim_output.c (the text each command prints over time).
 * Internal to backend/sim*.c: not a contract header.
 *
 * Everything here lives on the runner's virtual clock.  A command is a
 * script of timed "beats" (an output line, the reboot, the end) made when
 * it starts; only the next beat of each command sits in the event heap, so
 * the cost per event is O(log n) whatever the pool's size. */
#ifndef PP_SIM_PRIV_H
#define PP_SIM_PRIV_H

#include "backend/runner/transport.h"
#include "config/config.h"

/* Service state of one server, as the pool sees it. */
enum sim_svc {
    SVC_UP,         /* RTCSRV Running */
    SVC_DRAINING,   /* RTCSRV Paused: still in the fabric, refuses new work */
    SVC_STOPPED,    /* services down, SSH answers */
    SVC_UPGRADING,  /* the update installer runs; services down */
    SVC_REBOOTING,  /* SSH does not answer until it is back */
    SVC_DEAD        /* never came back from a restart */
};

enum sim_beat_kind {
    BEAT_LINE,      /* an stdout line */
    BEAT_ERR,       /* an stderr line */
    BEAT_REBOOT,    /* restart: the machine goes down, the connection drops */
    BEAT_END_OK,    /* marker ok, END OK (applies the step's effect) */
    BEAT_END_FAIL,  /* text = the error; marker failed, END FAILED */
    BEAT_END_LOST,  /* the connection drops: END LOST, outcome by the seed */
    BEAT_ANSWER     /* readiness / fabric / probe: answer from the state now */
};

struct sim_beat {
    pp_ms at;
    enum sim_beat_kind kind;
    char *text;     /* heap; NULL for beats without text */
};

struct sim_cmd {
    bool active;
    uint64_t id;
    enum pp_cmd_kind kind;
    pp_ms started, timeout_at;
    uint32_t gen;             /* bumped per start: heap entries of old commands are stale */
    uint32_t tick;            /* bumped when the beat chain is replaced (hang) */
    struct sim_beat *beats;
    int nbeats, next, cap;
    uint64_t rng;             /* per-command stream, from seed/server/attempt */
    int lines;                /* lines emitted so far (chooses mid-line splits) */
    bool fail_at_end;         /* injected fail: the next end fails */
    bool never_returns;       /* restart: the machine will not come back */
    bool hung;                /* stopped progressing: only timeout/cancel end it */
    bool waiting_back;        /* restart: dropped, waits for the machine */
    pp_ms back_at;            /* restart: when the machine answers again */
    bool refused;             /* the machine did not answer: nothing ran */
    bool noop;                /* nothing to do (already stopped / already patched) */
    char *carry;              /* tail of a line split across chunks (heap) */
    size_t ncarry;
    bool carry_err;           /* ... and its stream */
};

struct sim_server {
    char *name;               /* heap copy */
    int domain;               /* index into sim->domains; -1 for the failover host */
    enum sim_svc svc;
    bool patched;
    bool reboot_pending;      /* patched since the last boot */
    bool verified;            /* verify ended ok since its last drain/upgrade/restart */
    enum pp_step last_done;   /* the last step that completed (truth, for probes) */
    uint32_t back_gen;        /* invalidates a pending "back from reboot" */
    unsigned attempts;        /* commands started here: seeds their streams */
    struct sim_cmd cmd;
};

struct sim_domain {
    char name[PP_DOMAIN_NAME_MAX];
    int *members, n, cap;
    int down;                 /* members whose services are not up */
    int verified;             /* members verified */
};

#define SIM_ANY_SERVER (-2)

/* A fault with what is left of it.  cmd_kind >= 0 narrows it to one command
 * kind (injected faults); otherwise step (or PP_STEP_NONE: any command). */
struct sim_fault {
    enum pp_fault_kind kind;
    int server;               /* index, -1 failover host, SIM_ANY_SERVER */
    enum pp_step step;
    int cmd_kind;
    int left;
    int after_domains;
};

/* Heap entry types. */
enum sim_ev_type { EV_BEAT, EV_TIMEOUT, EV_CANCEL, EV_DROP, EV_BACK };

struct sim_ev {
    pp_ms at;
    uint64_t seq;
    uint8_t type;
    uint8_t late;             /* timeouts lose ties: a step done exactly in time is ok */
    int slot;                 /* server index; n = the failover host */
    uint32_t gen, tick;
};

struct sim {
    struct pp_transport base;

    /* copied from the config: the transport does not keep cfg */
    char *pool, *backup_pool;
    bool crlf;                /* PowerShell profiles print CRLF */
    bool lync;                /* Lync / SfB wording (else a generic Linux pool) */
    bool sfb;                 /* Skype for Business installer name */
    bool computer_failover;   /* drain/verify are Invoke-CsComputerFailOver/FailBack */
    struct pp_sim_cfg simcfg; /* timings, busy_first, seed (faults copied below) */
    enum pp_quorum quorum;

    struct sim_server *srv;   /* n pool servers, then the failover host at [n] */
    int n;
    bool has_host;
    struct sim_domain *dom;
    int ndom;

    /* counters kept current on every state change (no scans per event) */
    int up;                   /* servers whose services are up */
    int up_first;             /* ... among the first `among_first` */
    int among_first, need;    /* quorum: need up among the first among_first */
    int doms_with_down;
    int doms_complete;

    int busy_first_left;
    int busy_injected;
    int checks;               /* readiness answers given */
    bool failed_over;
    int routing_groups;

    struct sim_fault *faults;
    int nfaults, capfaults;

    struct sim_ev *heap;
    int nheap, capheap;
    uint64_t seq;
    pp_ms now;                /* the latest time seen (start/cancel/poll) */
    bool polling;

    char *scratch;            /* chunk assembly */
    size_t nscratch;
};

/* sim.c */
bool sim_is(const struct pp_transport *t);
/* The slot of a command's server (n = the failover host), or -1. */
int sim_cmd_slot(const struct sim *s, int server, enum pp_cmd_kind kind);

/* sim_heap.c */
int sim_heap_reserve(struct sim *s, int more);
void sim_heap_push(struct sim *s, int type, pp_ms at, int slot, uint32_t gen, uint32_t tick);
struct sim_ev sim_heap_pop(struct sim *s);
bool sim_ev_stale(const struct sim *s, const struct sim_ev *e);

/* sim_pool.c */
int sim_pool_init(struct sim *s, const struct pp_config *cfg);
void sim_pool_free(struct sim *s);
bool sim_svc_up(enum sim_svc v);
bool sim_reachable(const struct sim_server *v);
void sim_set_svc(struct sim *s, int i, enum sim_svc v);
void sim_set_verified(struct sim *s, int i, bool on);
int sim_find_server(const struct sim *s, const char *name);   /* -1 host, -3 unknown */
int sim_add_fault(struct sim *s, const struct sim_fault *f);
/* The fault that fires on this start (consumed), or NULL. */
const struct sim_fault *sim_take_fault(struct sim *s, int slot, enum pp_cmd_kind kind);
/* The readiness answer as of now (consumes Busy / not-ready counts):
 * the JSON text, heap. */
char *sim_readiness_answer(struct sim *s);
/* Fabric state: true when every routing group has its replicas; the line
 * to print goes into buf. */
bool sim_fabric_answer(struct sim *s, char *buf, size_t n);
/* Probe: the one clear line describing the server's true state. */
void sim_probe_answer(const struct sim *s, int slot, char *buf, size_t n);
void sim_pool_state_answer(const struct sim *s, char *buf, size_t n);

/* sim_output.c: fills c->beats for a command starting at `now`. */
enum sim_plan {
    PLAN_NORMAL,
    PLAN_FAIL,
    PLAN_HANG,
    PLAN_DROP,
    PLAN_REFUSED    /* the machine does not answer SSH */
};
int sim_script(struct sim *s, int slot, pp_ms now, enum sim_plan plan);
void sim_beats_free(struct sim_cmd *c);
/* The realistic error a failing command of this kind prints. */
void sim_fail_text(const struct sim *s, int slot, char *buf, size_t n);
uint64_t sim_hash(uint64_t a, uint64_t b);
/* Jittered duration (+-5%, deterministic per command). */
pp_ms sim_jitter(struct sim_cmd *c, pp_ms d);

#endif
