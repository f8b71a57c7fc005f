/* Internals of the SSH transport (library ppssh).  Only backend/ssh_*.c and
 * their unit tests include this header; it is the one place besides those
 * files that sees libssh types.
 *
 * Threads (ENGINEERING.md §0): one worker per host, created on the host's
 * first command (or, for [servers] hosts, at the first poll(): eager
 * connects), owns exactly one ssh_session in blocking mode.  The main
 * thread never calls libssh: it queues commands, cancels and answers under
 * tp->mu, and in poll() takes the event queue the workers fill.  Every
 * field says who may touch it: [mu] = under tp->mu, [w] = the worker only. */
#ifndef PP_SSH_INTERNAL_H
#define PP_SSH_INTERNAL_H

#include <pthread.h>
#include <sys/socket.h>
#include <stdarg.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include "backend/pool/remote.h"
#include "backend/runner/transport.h"
#include "config/config.h"

#define SSHT_CHUNK (16 * 1024)           /* largest OUTPUT event */
/* Queued OUTPUT bytes per host before the worker stops reading (and SSH's
 * window stops the server): 50 flooding servers hold 12.5 MB here, not the
 * 100 MB that a 2 MB cap gave (tests/bench/flood/run.sh). */
#define SSHT_QUEUE_CAP (256u * 1024)
/* OUTPUT bytes one transport_poll() hands on at most: the rest waits for
 * the next turn of the main loop, so a key pressed during a flood is read
 * after at most this much text cleaning, not after everything queued. */
#define SSHT_POLL_BUDGET (512u * 1024)
/* SFTP write size: OpenSSH's sftp-server (and Win32-OpenSSH's, the same
 * code) takes messages up to 256 KiB; libssh 0.10 waits for each write's
 * status, so larger writes mean fewer round trips. */
#define SSHT_COPY_CHUNK (128u * 1024)
#define SSHT_PROGRESS_MS 200             /* PROGRESS events of a copy at most this often */
#define SSHT_MAX_CHANNELS 4              /* concurrent commands per connection (sshd allows 10) */
/* A worker with commands running sleeps in poll() on its session's socket
 * and its wake_fd (new work, cancel, stop, room in the queue) until the
 * nearest deadline or keepalive: no fixed tick.  SSHT_WAIT_MAX_MS only
 * bounds a wake-up that got lost.  SSHT_TICK_MS is what is left of the old
 * tick: the step of the few waits that have nothing better to sleep on (a
 * full event queue, a server that talks while a restart is awaited, no
 * memory for an ssh_event). */
#define SSHT_WAIT_MAX_MS 1000
#define SSHT_TICK_MS 50
#define SSHT_SECRET_MAX 1024             /* longest password / passphrase / answer */
#define SSHT_TAIL 512                    /* stdout tail kept to read a restart's marker */
/* Following a restart (ssh_restart.c): the pace of the
 * keepalives that look for the drop and of the reconnect attempts after it
 * is sshw_retry_delay(time so far) = time / SSHT_RETRY_DIVISOR, at least
 * SSHT_RETRY_MIN_MS (a quick restart is found within ~0.1 s) and at most
 * SSHT_RETRY_MAX_MS (a reboot of minutes is found within ~10 % of its
 * length, at most 2 s late, without a connect many times a second).  An
 * attempt that reached the server (it answered but denied the login or
 * refused sessions: a full key exchange) waits at least
 * SSHT_RETRY_REACHED_MS.  "not back yet" is logged at most every
 * SSHT_RETRY_LOG_MS unless its reason changes. */
#define SSHT_RETRY_MIN_MS 100
#define SSHT_RETRY_MAX_MS 2000
#define SSHT_RETRY_DIVISOR 10
#define SSHT_RETRY_REACHED_MS 1000
#define SSHT_RETRY_LOG_MS 10000
/* Between those attempts the server's port is watched (ssh_restart.c
 * await_port): a refused connect is tried again after SSHT_PORT_POLL_MS, a
 * connect nobody answers is replaced after SSHT_PORT_SYN_MS. */
#define SSHT_PORT_POLL_MS 10
#define SSHT_PORT_SYN_MS 1000
/* Eager connects (ssh_worker.c eager_connect): when the main loop first
 * polls the transport, every [servers] host gets its worker and a quiet
 * connect, so its first command finds a session.  At most
 * SSHT_EAGER_PARALLEL run at once, each bounded by SSHT_EAGER_TIMEOUT_MS
 * (a worker in one delays free() at most that long).  Two, not more: a key
 * exchange is CPU on both ends, and the jump box's first real command (the
 * readiness check) needs its own handshake done first.  Measured on a
 * 2-core box, 12 servers: 8 at once took the first readiness answer 0.38 s
 * after start, 2 at once 0.16 s (BENCHMARKS.md). */
#define SSHT_EAGER_TIMEOUT_MS 3000
#define SSHT_EAGER_PARALLEL 2
/* And none starts while a command's own logon is wanted or under way (the
 * first readiness check's, a first step's on a server not connected yet):
 * that logon is on the critical path, eager ones are not.  The first poll
 * comes before the engine's first command, so eager connects wait up to
 * SSHT_EAGER_HOLD_MS for one to be queued (its logon goes first).  Holding
 * them until the first command had ENDED was tried: the first answer came
 * sooner (0.13 s, not 0.17 s) but the first domain then waited for three
 * logons at once, and the run as a whole was 0.07 s slower (BENCHMARKS.md). */
#define SSHT_EAGER_HOLD_MS 250

struct ssh_tp;
struct ssh_shell;

/* start_channel() / sshsh_start(): the command runs, ended, or the
 * connection is dead (nothing ran: may be retried on a new one; or it may
 * have started: LOST). */
enum { START_OK, START_ENDED, START_DEAD, START_LOST_DEAD, START_NO_SHELL };
/* service() of a running command; SV_ENDED = its output and status are
 * complete, the common ending (restart follow-up, END) is still to do. */
enum { SV_RUNNING, SV_DONE, SV_DEAD, SV_ENDED };

/* One command, from start() to its END. */
struct ssh_cmd {
    struct ssh_cmd *next;             /* [mu] in pending, [w] in active */
    uint64_t id;
    int server;
    enum pp_cmd_kind kind;
    char *command;
    int64_t t_start;                  /* CLOCK_MONOTONIC ms of start() */
    int64_t deadline;                 /* [mu] INT64_MAX = none; moved on by operator waits */
    bool cancel;                      /* [mu] set by cancel() */
    /* [w] below */
    ssh_channel ch;
    struct ssh_channel_callbacks_struct cb;  /* must outlive ch */
    int exit_status;                  /* -1 until exit-status arrives */
    bool got_exit, got_signal, remote_closed;
    bool eof_out, eof_err;            /* a read returned SSH_EOF: drained to the end */
    int retries;                      /* channel opens lost to a dead connection */
    char signal[16];                  /* exit-signal name, "" if none */
    char tail[SSHT_TAIL];             /* last stdout bytes (restart only) */
    size_t tail_len;
    struct remote_clixml err_text;    /* stderr, CLIXML decoded (remote.h) */
    /* The worker's own command (stopping a timed-out one): its output is
     * dropped and its end is a log line about `for_id`, not an END event. */
    bool internal;
    uint64_t for_id;
    bool raw_err;                     /* stderr as received (capture mode) */
    /* a file copy (transport_copy) instead of a command: runs alone */
    bool copy;
    char *local, *remote;             /* heap */
    uint64_t rate;                    /* bytes per second, 0 = no cap */
    bool fresh;
    /* run in the worker's persistent shell (ssh_shell.c) instead of a
     * channel of its own [w] */
    bool in_shell;
    bool no_shell;                    /* the shell failed before it ran: a channel of its own */
    bool shell_started;               /* its start marker came: it ran (or runs) */
    bool shell_done;                  /* both end markers came: the shell is free again */
    uint64_t shell_seq;
    struct ssh_worker *w;             /* its worker, for the channel callbacks */
};

struct ssh_worker {
    struct ssh_tp *tp;
    char host[PP_NAME_MAX];
    int server;                       /* [mu] server index of the latest command */
    pthread_t th;
    pthread_cond_t cv;                /* new command, cancel, answer, queue drained, stop */
    struct ssh_cmd *pending;          /* [mu] FIFO of commands not started yet */
    size_t queued;                    /* [mu] OUTPUT bytes of this host in tp's queue */
    bool stop;                        /* [mu] */
    int sockfd;                       /* [mu] the session's socket, -1 = none (free() shuts it down) */
    int wake_fd;                      /* eventfd: ssht_wake_locked() rings it, the worker's poll() wakes */
    /* the operator question this worker waits on [mu] */
    uint64_t prompt_id;               /* 0 = none */
    bool answered, accepted, remember;
    /* [w] below */
    ssh_session s;
    struct ssh_cmd *active;           /* commands with a channel (or a restart in progress) */
    char peer[80];                    /* "127.0.0.5:2201" once connected */
    /* the last session's TCP peer, for watching its port during a restart;
     * peer_len 0 = none (not connected yet, or not a TCP socket: ProxyCommand) */
    struct sockaddr_storage peer_sa;
    socklen_t peer_len;
    char user[PP_OPERATOR_MAX];
    int64_t next_keepalive;
    struct ssh_callbacks_struct scb;  /* session callbacks (passphrase prompt) */
    bool log_set;
    bool eager;                       /* set before the thread starts: connect ahead */
    bool eager_waiting;               /* [mu] waiting for an eager slot: woken when one frees */
    int eager_rank;                   /* its place in [servers] order among the eager workers */
    /* Quiet = the eager connect: it asks the operator nothing (a connect
     * that would have to ask gives up; the first command asks, as
     * without eager connects), and logs and reports nothing. */
    bool quiet;
    bool announced;                   /* the session's "connected" status was posted */
    /* The persistent shell of this session ([ssh] persistent_shell), NULL
     * until a command needs it; shell_off: it failed on this session, so
     * every command gets its own channel until the next connection. */
    struct ssh_shell *shell;
    bool shell_off;
    uint64_t shell_seq;
    /* [w] A channel callback ran (data, EOF, exit status, close): libssh
     * read packets into a channel's buffer, which the socket no longer
     * shows, so the loop must service the channels again before it sleeps
     * in wait_tick.  Without it a packet read while draining one channel
     * for another (or for the shell) would wait for the next wake-up, up to
     * SSHT_WAIT_MAX_MS.  Found by reading libssh (channel_rcv_data buffers
     * whatever packet a read processes); steps 1 s late were seen in
     * benchmark runs before, but no test reproduces the race on demand. */
    bool stirred;
};

struct ssh_tp {
    struct pp_transport base;
    struct pp_ssh_cfg cfg;
    pthread_mutex_t mu;
    pthread_cond_t token_cv;          /* one operator question at a time, transport-wide */
    bool token_busy;                  /* [mu] */
    int wake_r, wake_w;
    struct ssh_ev *qhead, **qtail;    /* [mu] events for poll() */
    struct ssh_worker **workers;      /* [mu] */
    int nworkers, capworkers;
    uint64_t next_prompt_id;          /* [mu] */
    /* Secrets live in one mlock'ed block: [0] remembered password,
     * [1] remembered passphrase, [2] the answer being handed over. */
    char *secrets;                    /* [mu] 3 * SSHT_SECRET_MAX bytes */
    size_t secrets_len;
    bool secrets_locked;
    bool have_password, have_passphrase;  /* [mu] */
    /* test seams and statistics [mu] */
    char ssh_dir[PP_PATH_MAX];
    char global_known_hosts[PP_PATH_MAX];
    size_t queued_hwm;                /* highest per-host queued OUTPUT seen */
    bool raw_stderr;                  /* capture mode: no CLIXML decoding */
    int connects;                     /* successful ssh_connect calls */
    /* eager connects [mu] */
    char (*eager_hosts)[PP_NAME_MAX];  /* [servers] names, until the first poll() */
    int neager;
    bool eager_started;
    int64_t eager_start_ms;           /* when the eager workers were created */
    long commands;                    /* [mu] commands and copies queued so far */
    int eager_active;                 /* quiet connects running now */
    int eager_tried, eager_ok;        /* finished / of which connected */
    /* Slots go in [servers] order (the first domain's servers are usually
     * first there, and its drain is the first step): eager_gone[rank] once
     * that worker took a slot or left the line (a command came, stop);
     * eager_next = the lowest rank still in line.  NULL = any order. */
    bool *eager_gone;
    int eager_count, eager_next;
    int eager_order[16], neager_order;   /* for ssh_transport_stats (a test checks the order) */
    long waits;                       /* wait_tick() calls: a test counts wake-ups */
};

enum { SSHT_SECRET_PASSWORD, SSHT_SECRET_PASSPHRASE, SSHT_SECRET_ANSWER };

/* ---- ssh_events.c: events, waits and operator questions ----------------- */
int64_t ssht_now(void);                                   /* CLOCK_MONOTONIC ms */
void ssht_cond_init(pthread_cond_t *cv);                  /* on CLOCK_MONOTONIC */
/* Main thread: takes queued events from the front until they hold more
 * than `budget` OUTPUT bytes (releasing backpressure; SIZE_MAX = all; other
 * events cost nothing), wakes poll() again if any are left; then
 * ssht_emit_events hands them to the sink (NULL = drop) and frees them. */
struct ssh_ev *ssht_take_events(struct ssh_tp *tp, size_t budget);
void ssht_emit_events(struct ssh_ev *list, const struct pp_tsink *sink);
void ssht_post(struct ssh_worker *w, enum pp_tev_type type, uint64_t id, const char *text);
void ssht_logf(struct ssh_worker *w, uint64_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ssht_status(struct ssh_worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Queues an OUTPUT chunk (copied). */
void ssht_output(struct ssh_worker *w, const struct ssh_cmd *c, bool is_stderr,
                 const char *data, size_t len);
/* Posts the END of c (text, if any, explains a failure the transport decided). */
void ssht_end(struct ssh_worker *w, struct ssh_cmd *c, enum pp_result r, int exit_status,
              const char *text);
/* True while more than SSHT_QUEUE_CAP bytes of this host wait for poll(). */
bool ssht_backlogged(struct ssh_worker *w);
/* Sleeps up to ms, waking early for stop/cancel/answers/drained queue. */
void ssht_nap(struct ssh_worker *w, int64_t ms);
/* The same with tp->mu held (and still held on return). */
void ssht_wait_locked(struct ssh_worker *w, int64_t ms);
/* Wakes w wherever it waits: its cv (naps, idle) and its wake_fd (a
 * poll() on the session's socket).  tp->mu held. */
void ssht_wake_locked(struct ssh_worker *w);
/* Empties w's wake_fd (the worker, after its poll() woke). */
void ssht_wake_clear(struct ssh_worker *w);
bool ssht_stopping(struct ssh_worker *w);
void ssh_cmd_free(struct ssh_cmd *c);
/* Ends pending commands that were cancelled or ran out of time waiting. */
void ssht_sweep(struct ssh_worker *w);
/* Idle wait until a command is pending, stop, or `until` (monotonic ms). */
bool ssht_wait_work(struct ssh_worker *w, int64_t until);
/* The next pending command if it may start now (a restart runs alone). */
struct ssh_cmd *ssht_admit(struct ssh_worker *w, int nactive, bool restart_active);
void ssht_requeue(struct ssh_worker *w, struct ssh_cmd *c);
struct ssh_cmd *ssht_take_all(struct ssh_worker *w);
/* The active list changes under mu (cancel() walks it). */
void ssht_active_add(struct ssh_worker *w, struct ssh_cmd *c);
void ssht_active_remove(struct ssh_worker *w, struct ssh_cmd *c);
/* The connected socket (for free()'s shutdown), -1 before it is closed. */
void ssht_publish_fd(struct ssh_worker *w, int fd);
bool ssht_cancelled(struct ssh_worker *w, const struct ssh_cmd *c);
int64_t ssht_deadline(struct ssh_worker *w, const struct ssh_cmd *c);

/* Asks the operator and blocks until answered.  Secrets (and kbdint answers)
 * are copied into out (wipe it after use).  Returns 1 = accepted / answered,
 * 0 = refused, -1 = abandoned (transport stopping, or no command of this
 * host still wants the answer).  Time spent waiting does not count against
 * the host's command timeouts. */
int ssht_ask(struct ssh_worker *w, enum pp_prompt_kind kind, const char *text, bool echo,
             char *out, size_t outn, bool *remember);
/* Remembered secrets (SSHT_SECRET_PASSWORD / _PASSPHRASE): copy out / store. */
bool ssht_recall(struct ssh_worker *w, int which, char *out, size_t outn);
void ssht_remember(struct ssh_worker *w, int which, const char *secret);

/* ---- ssh_worker.c ------------------------------------------------------- */
void *sshw_main(void *arg);
/* Ends c: closes its channel, takes it off the active list, posts its END
 * and frees it. */
void sshw_finish(struct ssh_worker *w, struct ssh_cmd *c, enum pp_result r, int exit_status,
                 const char *text);

/* Forwards output of c as drain() does: stderr through the CLIXML decoder
 * (unless raw), a restart's stdout into its tail. */
void sshw_emit(struct ssh_worker *w, struct ssh_cmd *c, bool is_stderr, const char *data,
               size_t len);
/* c's stderr has ended: what the decoder holds back goes out. */
void sshw_emit_end(struct ssh_worker *w, struct ssh_cmd *c);
/* Channel callbacks that only say "something arrived" (w->stirred); the
 * data stays in the channel's buffer for the reads. */
int sshw_on_data(ssh_session s, ssh_channel ch, void *data, uint32_t len, int is_stderr,
                 void *ud);
void sshw_on_eof(ssh_session s, ssh_channel ch, void *ud);

/* ---- ssh_shell.c: the persistent POSIX shell ------------------------------ */
/* True when c should run in the persistent shell: [ssh] persistent_shell,
 * a POSIX pool, an ordinary command (not a copy, not internal), the shell
 * not failed on this session and not busy with another command. */
bool sshsh_wanted(const struct ssh_worker *w, const struct ssh_cmd *c);
/* Opens the shell if needed and hands c to it: START_OK, START_DEAD (the
 * connection died before c was sent: nothing ran), START_LOST_DEAD (died
 * while sending: it may have run; c has ended LOST), START_NO_SHELL (no
 * shell on this session: run c on a channel of its own). */
int sshsh_start(struct ssh_worker *w, struct ssh_cmd *c);
/* Reads c's output from the shell: SV_RUNNING, SV_ENDED (both end markers
 * came: c->exit_status is set), SV_DONE (c has ended or was requeued for a
 * channel of its own), SV_DEAD (the connection died). */
int sshsh_drain(struct ssh_worker *w, struct ssh_cmd *c, bool *more);
/* c no longer runs in the shell (it ended, or was abandoned): a shell whose
 * command did not end cleanly is closed, since what it still runs would
 * write into the next command's output. */
void sshsh_detach(struct ssh_worker *w, struct ssh_cmd *c);
/* The eager connect's last act with [ssh] persistent_shell: starts the
 * idle sh, so the server's first step (often a readiness check between
 * domains) does not wait for sshd's session start.  Quiet. */
void sshsh_prepare(struct ssh_worker *w);
/* Frees the shell (before its session goes). */
void sshsh_close(struct ssh_worker *w);

/* ---- ssh_restart.c: following a restart --------------------------------- */
/* c's restart command returned (dropped = false: watch for the drop first)
 * or the connection dropped under it (true): reconnects and ends c, OK when
 * the server is back.  w->s is the new session, or NULL. */
void sshw_restart_follow(struct ssh_worker *w, struct ssh_cmd *c, bool dropped);
/* Milliseconds to wait before the next look at a restarting server that has
 * been at it for down_ms (see SSHT_RETRY_*).  Pure: unit-tested. */
int64_t sshw_retry_delay(int64_t down_ms);

/* Posts a PROGRESS event of a copy. */
void ssht_progress(struct ssh_worker *w, const struct ssh_cmd *c, uint64_t done, uint64_t total);

/* ---- ssh_sftp.c: copying a file over SFTP --------------------------------- */
/* Runs the copy c on the worker's session to the end and posts its END.
 * Returns 0, or -1 when the connection died (c has ended as LOST; the
 * caller closes the session). */
int sshcp_run(struct ssh_worker *w, struct ssh_cmd *c);
/* Size of the next write: the rest of the file, at most SSHT_COPY_CHUNK,
 * and at most what the rate allows after `elapsed_ms` with `sent` bytes
 * sent so far (0 = wait).  Pure: unit-tested. */
size_t sshcp_next_chunk(uint64_t left, uint64_t rate, uint64_t sent, int64_t elapsed_ms);

/* ---- ssh_session.c: one connection --------------------------------------- */
/* Creates, configures (§1.2 order), connects, checks the host key and
 * authenticates.  Returns the session, or NULL with err set and *fatal:
 * 0 = may go away by retrying (refused, timeout, reset), 1 = will not
 * (host key refused or changed, bad configuration, operator said no),
 * 2 = authentication denied. */
ssh_session sshs_open(struct ssh_worker *w, int64_t timeout_ms, int *fatal, char *err,
                      size_t errn);
/* Frees the session after freeing every channel still attached (§1.5: a
 * channel freed after ssh_disconnect is a use-after-free). */
void sshs_close(struct ssh_worker *w);
/* Sends a keepalive; false when the peer is gone or did not answer. */
bool sshs_keepalive(struct ssh_worker *w);
/* Opens and closes a session channel: the server accepts sessions again. */
bool sshs_probe(struct ssh_worker *w, char *err, size_t errn);
void sshs_install_log(struct ssh_worker *w);

/* ---- ssh_hostkey.c ------------------------------------------------------ */
/* 0 = the key is known or the operator accepted it (and it was saved);
 * -1 = refused, changed, or unverifiable: err explains (file:line to fix). */
int sshhk_check(struct ssh_worker *w, ssh_session s, char *err, size_t errn);
/* Finds the known_hosts lines for `entry_host` ("name" or "[name]:port").
 * Writes up to max line numbers into lines; *hashed counts hashed entries.
 * Returns how many plain lines matched, -1 if the file cannot be read. */
int sshhk_find_lines(const char *file, const char *entry_host, int *lines, int max,
                     int *hashed);

/* ---- ssh_auth.c --------------------------------------------------------- */
/* What authentication needs from its caller: a way to ask the operator and
 * remembered secrets.  Kept as callbacks so the state machine is unit-tested
 * with --wrap'ed libssh calls and no threads. */
struct sshauth_ctx {
    ssh_session s;
    enum pp_auth mode;
    const char *host;                 /* for messages */
    const char *user;
    /* The logon name sent in every userauth request, or NULL for libssh's
     * SSH_OPTIONS_USER.  Set for DOMAIN\user: libssh 0.10.6 refuses a
     * backslash in SSH_OPTIONS_USER (its user-name check keeps the name
     * safe for ProxyCommand's %r), while the userauth calls send the name
     * as given, and Win32-OpenSSH accepts DOMAIN\user. */
    const char *login;
    const char *identity;             /* [ssh] identity, for messages; may be NULL */
    int (*ask)(void *ud, enum pp_prompt_kind kind, const char *text, bool echo, char *out,
               size_t outn, bool *remember);
    bool (*recall)(void *ud, int which, char *out, size_t outn);
    void (*remember)(void *ud, int which, const char *secret);
    void (*log)(void *ud, const char *text);
    void *ud;
};
/* 0 = authenticated; -1 = not: err says what was tried and what the server
 * offers, *why = 0 connection problem, 1 the operator gave no answer,
 * 2 the server refused every method tried. */
int sshauth_run(struct sshauth_ctx *a, int *why, char *err, size_t errn);
/* Copies s into out without control characters (RFC 4256 §3.3). */
void sshauth_clean(const char *s, char *out, size_t n);
/* libssh's passphrase callback, userdata = the worker. */
int sshauth_passphrase_cb(const char *prompt, char *buf, size_t len, int echo, int verify,
                          void *userdata);

/* ---- test seams (tests/unit/test_ssh_*.c only) -------------------------- */
/* Must be called before the first command.  dir: libssh's SSH_DIR (default
 * keys, ~ expansion); gkh: GLOBAL_KNOWNHOSTS.  NULL leaves a value alone. */
void ssh_transport_test_paths(struct pp_transport *t, const char *ssh_dir, const char *gkh);
/* Capture mode: stderr reaches the sink as received, CLIXML not decoded. */
void ssh_transport_raw_stderr(struct pp_transport *t);
struct ssh_transport_stats {
    size_t queued_hwm;                /* highest queued OUTPUT bytes of one host */
    size_t queued_now;                /* sum over hosts, now */
    int connects;
    int workers;
    int eager_tried;                  /* eager connects finished ... */
    int eager_ok;                     /* ... and of those, connected */
    long waits;                       /* workers' sleeps while commands ran (wait_tick) */
    int eager_order[16];              /* ranks ([servers] order) of the first eager connects, */
    int neager_order;                 /* in the order they started */
};
void ssh_transport_stats(struct pp_transport *t, struct ssh_transport_stats *st);

#endif
