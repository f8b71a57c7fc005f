/* The narrow contract between the runner and whatever reaches the servers:
 * `ssh` (libssh, real servers) and `sim` (the in-process simulated pool).
 *
 * Commands are started with a kind and a timeout; the transport reports
 * output chunks and exactly one END per started command, through the sink,
 * from transport_poll() on the main thread.  A transport never blocks the
 * caller: ssh does its blocking work on worker threads and wakes the main
 * loop through fd(); sim lives on the runner's virtual clock. */
#ifndef PP_TRANSPORT_H
#define PP_TRANSPORT_H

#include "backend/core/types.h"

struct pp_cmd {
    uint64_t id;              /* unique per run, chosen by the runner */
    int server;               /* index in the model; -1 = the failover host */
    const char *host;         /* the name to connect to */
    enum pp_cmd_kind kind;
    const char *command;      /* the full command line (already wrapped) */
    pp_ms timeout;            /* 0 = none; restart: bound on coming back */
    const char *domain;       /* for the simulator's bookkeeping; may be "" */
};

enum pp_tev_type {
    PP_TEV_OUTPUT,            /* a chunk of stdout / stderr (raw bytes) */
    PP_TEV_END,               /* the command ended; see result */
    PP_TEV_PROMPT,            /* the transport needs the operator (host key, password) */
    PP_TEV_LOG,               /* a line for the console's log (libssh, reconnects) */
    PP_TEV_STATUS,            /* connection state of a server changed (text) */
    PP_TEV_PROGRESS           /* a copy moved on: done / total bytes */
};

enum pp_prompt_kind {
    PP_PROMPT_HOSTKEY,        /* unknown host: text has the SHA256 fingerprint; yes/no */
    PP_PROMPT_PASSWORD,       /* secret, no echo */
    PP_PROMPT_KBDINT,         /* one keyboard-interactive question; echo says if visible */
    PP_PROMPT_PASSPHRASE
};

struct pp_tev {
    enum pp_tev_type type;
    uint64_t id;              /* the command (0 for prompts/logs not tied to one) */
    int server;
    bool is_stderr;
    const char *data;         /* OUTPUT: bytes; LOG/STATUS/PROMPT: text (NUL-terminated);
                                 END: why it failed / was lost, or NULL */
    size_t len;
    /* END */
    enum pp_result result;    /* OK / FAILED (exit status != 0) / TIMEOUT / LOST / CANCELLED */
    int exit_status;          /* -1 when unknown (signal, lost) */
    pp_ms duration;
    /* PROMPT */
    enum pp_prompt_kind prompt;
    uint64_t prompt_id;
    bool echo;
    /* PROGRESS (and END of a copy): bytes on the server / bytes in all */
    uint64_t done, total;
};

/* A file copied to a server (staging the update package): over the same
 * connection, host-key check and logon as the commands.  The transport
 * reports PROGRESS now and then and exactly one END (data: why it failed).
 * A remote file shorter than the local one is taken as an interrupted copy
 * and continued from its size unless `fresh`; one as long or longer is
 * rewritten.  The caller verifies the result (a hash on the server). */
struct pp_copy {
    uint64_t id;
    int server;
    const char *host;
    const char *local;        /* path on this machine */
    const char *remote;       /* the server's SFTP path, e.g. "/C:/Updates/x.exe" */
    uint64_t rate;            /* bytes per second, 0 = no cap */
    bool fresh;               /* start from byte 0 even if a partial file is there */
    pp_ms timeout;            /* 0 = none */
};

struct pp_tsink {
    void (*emit)(void *ctx, const struct pp_tev *ev);
    void *ctx;
};

struct pp_transport;
struct pp_transport_ops {
    const char *name;
    int (*start)(struct pp_transport *t, const struct pp_cmd *cmd, pp_ms now);
    void (*cancel)(struct pp_transport *t, uint64_t id, pp_ms now);
    /* Delivers everything that is due at `now` to the sink. */
    void (*poll)(struct pp_transport *t, pp_ms now, const struct pp_tsink *sink);
    /* A file descriptor that becomes readable when poll() has work; -1 = none. */
    int (*fd)(struct pp_transport *t);
    /* The virtual time of the next thing the transport will do by itself
     * (sim), or PP_MS_NEVER. */
    pp_ms (*next_due)(struct pp_transport *t);
    /* The operator's answer to a prompt: text for secrets (wiped by the
     * transport after use), accept for yes/no; remember = use for all servers. */
    void (*answer)(struct pp_transport *t, uint64_t prompt_id, bool accept,
                   const char *text, bool remember);
    void (*free)(struct pp_transport *t);
    /* Starts a copy (see struct pp_copy); NULL = this transport cannot. */
    int (*copy)(struct pp_transport *t, const struct pp_copy *c, pp_ms now);
};

struct pp_transport {
    const struct pp_transport_ops *ops;
};

static inline int transport_start(struct pp_transport *t, const struct pp_cmd *c, pp_ms now)
{ return t->ops->start(t, c, now); }
static inline void transport_cancel(struct pp_transport *t, uint64_t id, pp_ms now)
{ t->ops->cancel(t, id, now); }
static inline void transport_poll(struct pp_transport *t, pp_ms now, const struct pp_tsink *s)
{ t->ops->poll(t, now, s); }
static inline int transport_fd(struct pp_transport *t) { return t->ops->fd(t); }
static inline pp_ms transport_next_due(struct pp_transport *t) { return t->ops->next_due(t); }
static inline void transport_answer(struct pp_transport *t, uint64_t pid, bool accept,
                                    const char *text, bool remember)
{ t->ops->answer(t, pid, accept, text, remember); }
static inline void transport_free(struct pp_transport *t) { if (t) t->ops->free(t); }
static inline int transport_copy(struct pp_transport *t, const struct pp_copy *c, pp_ms now)
{ return t->ops->copy ? t->ops->copy(t, c, now) : -1; }

struct pp_config;
struct pp_model;
/* The simulated pool: behaves like a Lync pool for cfg->sim's scenario.
 * It reads `model` only to name servers; its own state is private. */
struct pp_transport *sim_transport_new(const struct pp_config *cfg);
/* Trainer controls (issue 5 builds on these): inject a fault now. */
int sim_inject(struct pp_transport *t, enum pp_cmd_kind on, const char *server, int fault_kind);

/* The SSH transport (libssh). */
struct pp_transport *ssh_transport_new(const struct pp_config *cfg, char *err, size_t errn);

#endif
