/* The SSH transport's main-thread face: the pp_transport ops.  start()
 * hands a command to its host's worker (created on first use, or for every
 * [servers] host at the first poll() to connect ahead), cancel() and
 * answer() set flags the worker waits on, poll() drains the event queue
 * (ssh_events.c) into the sink.  Nothing here calls libssh. */
#include "backend/transport/ssh/ssh_internal.h"
#include "backend/core/names.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the ops ------------------------------------------------------------ */

static struct ssh_tp *tp_of(struct pp_transport *t) { return (struct ssh_tp *)t; }

static struct ssh_worker *worker_get_locked(struct ssh_tp *tp, const char *host, bool eager)
{
    for (int i = 0; i < tp->nworkers; i++)
        if (strcmp(tp->workers[i]->host, host) == 0)
            return tp->workers[i];
    if (tp->nworkers == tp->capworkers) {
        int cap = tp->capworkers ? tp->capworkers * 2 : 8;
        struct ssh_worker **nw = realloc(tp->workers, (size_t)cap * sizeof *nw);
        if (!nw)
            return NULL;
        tp->workers = nw;
        tp->capworkers = cap;
    }
    struct ssh_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->tp = tp;
    w->sockfd = -1;
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->wake_fd < 0) {
        free(w);
        return NULL;
    }
    w->eager = eager; /* before the thread starts: it reads this first */
    if (eager)
        w->eager_rank = tp->eager_count++;
    snprintf(w->host, sizeof w->host, "%s", host);
    ssht_cond_init(&w->cv);
    /* Workers take no signals: the main loop's self-pipe handlers run there. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* Pools are small, but [servers] allows thousands: no 8 MiB default
     * stacks.  1 MiB leaves room for libssh's key exchange under ASan. */
    pthread_attr_setstacksize(&attr, 1024 * 1024);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&w->th, &attr, sshw_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pthread_cond_destroy(&w->cv);
        close(w->wake_fd);
        free(w);
        return NULL;
    }
    tp->workers[tp->nworkers++] = w;
    return w;
}

/* Queues c (a command or a copy) on host's worker, in order, and wakes
 * it; frees c and returns -1 when no worker can be had. */
static int worker_enqueue(struct ssh_tp *tp, const char *host, int server, struct ssh_cmd *c)
{
    pthread_mutex_lock(&tp->mu);
    struct ssh_worker *w = worker_get_locked(tp, host, false);
    if (!w) {
        pthread_mutex_unlock(&tp->mu);
        ssh_cmd_free(c);
        return -1;
    }
    w->server = server;
    struct ssh_cmd **pp = &w->pending;
    while (*pp)
        pp = &(*pp)->next;
    *pp = c;
    ssht_wake_locked(w);
    tp->commands++;
    pthread_mutex_unlock(&tp->mu);
    return 0;
}

static int tp_start(struct pp_transport *t, const struct pp_cmd *cmd, pp_ms now)
{
    (void)now; /* the workers time commands on CLOCK_MONOTONIC */
    struct ssh_tp *tp = tp_of(t);
    if (!cmd || !names_valid_host(cmd->host) || !cmd->command)
        return -1;
    struct ssh_cmd *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->command = strdup(cmd->command);
    if (!c->command) {
        free(c);
        return -1;
    }
    c->id = cmd->id;
    c->server = cmd->server;
    c->kind = cmd->kind;
    c->exit_status = -1;
    c->t_start = ssht_now();
    c->deadline = cmd->timeout > 0 ? c->t_start + cmd->timeout : INT64_MAX;
    c->raw_err = tp->raw_stderr;
    return worker_enqueue(tp, cmd->host, cmd->server, c);
}

static int tp_copy(struct pp_transport *t, const struct pp_copy *cp, pp_ms now)
{
    (void)now;
    struct ssh_tp *tp = tp_of(t);
    if (!cp || !names_valid_host(cp->host) || !cp->local || !cp->remote)
        return -1;
    struct ssh_cmd *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->copy = true;
    c->command = strdup("(copy)");
    c->local = strdup(cp->local);
    c->remote = strdup(cp->remote);
    if (!c->command || !c->local || !c->remote) {
        ssh_cmd_free(c);
        return -1;
    }
    c->id = cp->id;
    c->server = cp->server;
    c->kind = PP_CMD_PROBE;   /* not a restart: nothing follows a drop */
    c->rate = cp->rate;
    c->fresh = cp->fresh;
    c->exit_status = -1;
    c->t_start = ssht_now();
    c->deadline = cp->timeout > 0 ? c->t_start + cp->timeout : INT64_MAX;
    return worker_enqueue(tp, cp->host, cp->server, c);
}

static void tp_cancel(struct pp_transport *t, uint64_t id, pp_ms now)
{
    (void)now;
    struct ssh_tp *tp = tp_of(t);
    pthread_mutex_lock(&tp->mu);
    for (int i = 0; i < tp->nworkers; i++) {
        struct ssh_worker *w = tp->workers[i];
        for (int list = 0; list < 2; list++)
            for (struct ssh_cmd *c = list ? w->active : w->pending; c; c = c->next)
                if (c->id == id) {
                    c->cancel = true;
                    ssht_wake_locked(w);
                }
    }
    pthread_mutex_unlock(&tp->mu);
}

/* Starts the eager connects, once.  Here rather than in ssh_transport_new:
 * the test seams (ssh_transport_test_paths) are set between the two, and
 * a transport that is never polled never touches the network.  A worker
 * that cannot be created now is created by its first command, as before. */
static void start_eager(struct ssh_tp *tp)
{
    pthread_mutex_lock(&tp->mu);
    if (!tp->eager_started) {
        tp->eager_started = true;
        tp->eager_start_ms = ssht_now();
        tp->eager_gone = calloc((size_t)tp->neager + 1, sizeof *tp->eager_gone);
        for (int i = 0; i < tp->neager; i++) {
            if (!tp->eager_hosts[i][0])
                continue;
            struct ssh_worker *w = worker_get_locked(tp, tp->eager_hosts[i], true);
            if (w && !w->pending)
                w->server = i;
        }
        free(tp->eager_hosts);
        tp->eager_hosts = NULL;
        tp->neager = 0;
    }
    pthread_mutex_unlock(&tp->mu);
}

static void tp_poll(struct pp_transport *t, pp_ms now, const struct pp_tsink *sink)
{
    (void)now;
    struct ssh_tp *tp = tp_of(t);
    char buf[256];
    if (!tp->eager_started) /* only the main thread writes it */
        start_eager(tp);
    /* Drain the wake-ups first: an event queued after this still writes one. */
    while (read(tp->wake_r, buf, sizeof buf) > 0)
        ;
    ssht_emit_events(ssht_take_events(tp, SSHT_POLL_BUDGET), sink);
}

static int tp_fd(struct pp_transport *t) { return tp_of(t)->wake_r; }

static pp_ms tp_next_due(struct pp_transport *t)
{
    (void)t; /* workers enforce timeouts against the real clock */
    return PP_MS_NEVER;
}

static void tp_answer(struct pp_transport *t, uint64_t prompt_id, bool accept,
                      const char *text, bool remember)
{
    struct ssh_tp *tp = tp_of(t);
    pthread_mutex_lock(&tp->mu);
    for (int i = 0; i < tp->nworkers; i++) {
        struct ssh_worker *w = tp->workers[i];
        if (prompt_id && w->prompt_id == prompt_id && !w->answered) {
            char *ans = tp->secrets + SSHT_SECRET_ANSWER * SSHT_SECRET_MAX;
            explicit_bzero(ans, SSHT_SECRET_MAX);
            if (text)
                snprintf(ans, SSHT_SECRET_MAX, "%s", text);
            w->answered = true;
            w->accepted = accept;
            w->remember = remember;
            ssht_wake_locked(w);
            break;
        }
    }
    pthread_mutex_unlock(&tp->mu);
}

static void tp_free(struct pp_transport *t)
{
    struct ssh_tp *tp = tp_of(t);
    pthread_mutex_lock(&tp->mu);
    for (int i = 0; i < tp->nworkers; i++) {
        struct ssh_worker *w = tp->workers[i];
        w->stop = true;
        /* Wakes a worker blocked in a libssh read or write at once; the fd
         * cannot be closed meanwhile because the worker clears sockfd under
         * this lock before it disconnects. */
        if (w->sockfd >= 0)
            shutdown(w->sockfd, SHUT_RDWR);
        ssht_wake_locked(w);
    }
    pthread_cond_broadcast(&tp->token_cv);
    pthread_mutex_unlock(&tp->mu);
    for (int i = 0; i < tp->nworkers; i++)
        pthread_join(tp->workers[i]->th, NULL);
    /* Events still queued point at their workers (their queue accounting):
     * dropped while the workers still exist. */
    ssht_emit_events(ssht_take_events(tp, SIZE_MAX), NULL);
    for (int i = 0; i < tp->nworkers; i++) {
        struct ssh_worker *w = tp->workers[i];
        pthread_cond_destroy(&w->cv);
        close(w->wake_fd);
        free(w);
    }
    free(tp->workers);
    free(tp->eager_hosts);
    free(tp->eager_gone);
    explicit_bzero(tp->secrets, tp->secrets_len);
    if (tp->secrets_locked)
        munlock(tp->secrets, tp->secrets_len);
    free(tp->secrets);
    close(tp->wake_r);
    close(tp->wake_w);
    pthread_cond_destroy(&tp->token_cv);
    pthread_mutex_destroy(&tp->mu);
    free(tp);
}

static const struct pp_transport_ops ssh_ops = {
    .name = "ssh",
    .start = tp_start,
    .cancel = tp_cancel,
    .poll = tp_poll,
    .fd = tp_fd,
    .next_due = tp_next_due,
    .answer = tp_answer,
    .free = tp_free,
    .copy = tp_copy,
};

struct pp_transport *ssh_transport_new(const struct pp_config *cfg, char *err, size_t errn)
{
    struct ssh_tp *tp = calloc(1, sizeof *tp);
    if (!tp) {
        snprintf(err, errn, "out of memory");
        return NULL;
    }
    tp->base.ops = &ssh_ops;
    if (cfg)
        tp->cfg = cfg->ssh;
    /* validate.c refuses it for PowerShell; a config built in code is held
     * to the same (ssh_shell.c frames steps for sh only) */
    tp->cfg.persistent_shell = cfg && cfg->ssh.persistent_shell && cfg->shell == PP_SHELL_POSIX;
    if (tp->cfg.connect_timeout <= 0)
        tp->cfg.connect_timeout = 15000;
    if (tp->cfg.keepalive <= 0)
        tp->cfg.keepalive = 15000;
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
        snprintf(err, errn, "cannot create the wake-up pipe: %s", strerror(errno));
        free(tp);
        return NULL;
    }
    tp->wake_r = p[0];
    tp->wake_w = p[1];
    /* Secrets get their own page, locked so they never reach swap. */
    long pg = sysconf(_SC_PAGESIZE);
    tp->secrets_len = (3 * SSHT_SECRET_MAX + (size_t)pg - 1) / (size_t)pg * (size_t)pg;
    if (posix_memalign((void **)&tp->secrets, (size_t)pg, tp->secrets_len) != 0) {
        snprintf(err, errn, "out of memory");
        close(p[0]);
        close(p[1]);
        free(tp);
        return NULL;
    }
    memset(tp->secrets, 0, tp->secrets_len);
    tp->secrets_locked = mlock(tp->secrets, tp->secrets_len) == 0;
    pthread_mutex_init(&tp->mu, NULL);
    ssht_cond_init(&tp->token_cv);
    tp->qtail = &tp->qhead;
    /* Eager connects need no operator for the common case (keys, agent,
     * Kerberos); with auth = password every first connect asks, so a
     * quiet one would only log in half-way and give up. */
    if (cfg && cfg->nservers > 0 && tp->cfg.auth != PP_AUTH_PASSWORD) {
        tp->eager_hosts = calloc((size_t)cfg->nservers, sizeof *tp->eager_hosts);
        /* indexed like [servers] (= the model's servers); "" = not a host */
        for (int i = 0; tp->eager_hosts && i < cfg->nservers; i++)
            if (names_valid_host(cfg->servers[i].name))
                snprintf(tp->eager_hosts[i], PP_NAME_MAX, "%s", cfg->servers[i].name);
        if (tp->eager_hosts)
            tp->neager = cfg->nservers;
    }
    return &tp->base;
}

/* ---- test seams ------------------------------------------------------ */

void ssh_transport_test_paths(struct pp_transport *t, const char *ssh_dir, const char *gkh)
{
    struct ssh_tp *tp = tp_of(t);
    pthread_mutex_lock(&tp->mu);
    if (ssh_dir)
        snprintf(tp->ssh_dir, sizeof tp->ssh_dir, "%s", ssh_dir);
    if (gkh)
        snprintf(tp->global_known_hosts, sizeof tp->global_known_hosts, "%s", gkh);
    pthread_mutex_unlock(&tp->mu);
}

void ssh_transport_raw_stderr(struct pp_transport *t)
{
    struct ssh_tp *tp = tp_of(t);
    pthread_mutex_lock(&tp->mu);
    tp->raw_stderr = true;
    pthread_mutex_unlock(&tp->mu);
}

void ssh_transport_stats(struct pp_transport *t, struct ssh_transport_stats *st)
{
    struct ssh_tp *tp = tp_of(t);
    pthread_mutex_lock(&tp->mu);
    st->queued_hwm = tp->queued_hwm;
    st->queued_now = 0;
    for (int i = 0; i < tp->nworkers; i++)
        st->queued_now += tp->workers[i]->queued;
    st->connects = tp->connects;
    st->workers = tp->nworkers;
    st->eager_tried = tp->eager_tried;
    st->eager_ok = tp->eager_ok;
    st->waits = tp->waits;
    st->neager_order = tp->neager_order;
    memcpy(st->eager_order, tp->eager_order, sizeof st->eager_order);
    pthread_mutex_unlock(&tp->mu);
}
