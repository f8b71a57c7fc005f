/* The SSH transport's main-thread face: the pp_transport ops, the event
 * queue the workers fill, and the operator questions they wait on.
 *
 * Locking: one mutex (tp->mu) guards every field marked [mu] in
 * ssh_internal.h.  No libssh call and no sink callback ever runs under it,
 * so a sink may call start/cancel/answer from inside emit(). */
#include "backend/ssh_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct ssh_ev {
    struct ssh_ev *next;
    struct ssh_worker *w;   /* whose backlog this OUTPUT counts against */
    size_t bytes;
    struct pp_tev ev;
    char data[];            /* ev.data points here when poll() emits */
};

int64_t ssht_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void abstime_in(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
}

static void wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms)
{
    struct timespec ts;
    abstime_in(&ts, ms < 1 ? 1 : ms);
    pthread_cond_timedwait(cv, mu, &ts);
}

/* ---- the event queue ------------------------------------------------------ */

/* Appends under tp->mu; the first event of an empty queue wakes poll(). */
static void enqueue_locked(struct ssh_tp *tp, struct ssh_ev *e)
{
    bool was_empty = tp->qhead == NULL;
    e->next = NULL;
    *tp->qtail = e;
    tp->qtail = &e->next;
    if (was_empty) {
        char b = 1;
        ssize_t n = write(tp->wake_w, &b, 1);
        (void)n; /* EAGAIN: the pipe already holds a wake-up */
    }
}

static struct ssh_ev *ev_new(struct ssh_worker *w, enum pp_tev_type type, uint64_t id,
                             const char *data, size_t len)
{
    struct ssh_ev *e = calloc(1, sizeof *e + len + 1);
    if (!e)
        return NULL;
    e->ev.type = type;
    e->ev.id = id;
    e->ev.server = w->server;
    e->ev.exit_status = -1;
    if (len)
        memcpy(e->data, data, len);
    e->data[len] = 0;
    e->ev.len = len;
    return e;
}

static void post_locked(struct ssh_worker *w, enum pp_tev_type type, uint64_t id,
                        const char *text)
{
    struct ssh_ev *e = ev_new(w, type, id, text, strlen(text));
    if (e)
        enqueue_locked(w->tp, e);
}

void ssht_post(struct ssh_worker *w, enum pp_tev_type type, uint64_t id, const char *text)
{
    pthread_mutex_lock(&w->tp->mu);
    post_locked(w, type, id, text);
    pthread_mutex_unlock(&w->tp->mu);
}

void ssht_logf(struct ssh_worker *w, uint64_t id, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ssht_post(w, PP_TEV_LOG, id, buf);
}

void ssht_status(struct ssh_worker *w, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ssht_post(w, PP_TEV_STATUS, 0, buf);
}

void ssht_output(struct ssh_worker *w, const struct ssh_cmd *c, bool is_stderr,
                 const char *data, size_t len)
{
    struct ssh_ev *e = ev_new(w, PP_TEV_OUTPUT, c->id, data, len);
    if (!e)
        return;
    e->ev.server = c->server;
    e->ev.is_stderr = is_stderr;
    e->w = w;
    e->bytes = len;
    struct ssh_tp *tp = w->tp;
    pthread_mutex_lock(&tp->mu);
    w->queued += len;
    if (w->queued > tp->queued_hwm)
        tp->queued_hwm = w->queued;
    enqueue_locked(tp, e);
    pthread_mutex_unlock(&tp->mu);
}

static void end_locked(struct ssh_worker *w, struct ssh_cmd *c, enum pp_result r,
                       int exit_status, const char *text)
{
    const char *t = text ? text : "";
    struct ssh_ev *e = ev_new(w, PP_TEV_END, c->id, t, strlen(t));
    if (!e)
        return;
    e->ev.server = c->server;
    e->ev.result = r;
    e->ev.exit_status = exit_status;
    e->ev.duration = ssht_now() - c->t_start;
    enqueue_locked(w->tp, e);
}

void ssht_end(struct ssh_worker *w, struct ssh_cmd *c, enum pp_result r, int exit_status,
              const char *text)
{
    pthread_mutex_lock(&w->tp->mu);
    if (text && *text) /* the reason also reaches the log, tied to the command */
        post_locked(w, PP_TEV_LOG, c->id, text);
    end_locked(w, c, r, exit_status, text);
    pthread_mutex_unlock(&w->tp->mu);
}

bool ssht_backlogged(struct ssh_worker *w)
{
    pthread_mutex_lock(&w->tp->mu);
    bool b = w->queued > SSHT_QUEUE_CAP;
    pthread_mutex_unlock(&w->tp->mu);
    return b;
}

/* ---- worker-side helpers ------------------------------------------------- */

bool ssht_stopping(struct ssh_worker *w)
{
    pthread_mutex_lock(&w->tp->mu);
    bool s = w->stop;
    pthread_mutex_unlock(&w->tp->mu);
    return s;
}

bool ssht_cancelled(struct ssh_worker *w, const struct ssh_cmd *c)
{
    pthread_mutex_lock(&w->tp->mu);
    bool s = c->cancel || w->stop;
    pthread_mutex_unlock(&w->tp->mu);
    return s;
}

int64_t ssht_deadline(struct ssh_worker *w, const struct ssh_cmd *c)
{
    pthread_mutex_lock(&w->tp->mu);
    int64_t d = c->deadline;
    pthread_mutex_unlock(&w->tp->mu);
    return d;
}

void ssht_nap(struct ssh_worker *w, int64_t ms)
{
    pthread_mutex_lock(&w->tp->mu);
    if (!w->stop)
        wait_ms(&w->cv, &w->tp->mu, ms);
    pthread_mutex_unlock(&w->tp->mu);
}

void ssh_cmd_free(struct ssh_cmd *c)
{
    if (c) {
        free(c->command);
        free(c);
    }
}

/* Ends pending commands that were cancelled, or (with deadlines) whose time
 * ran out while they waited for the connection. */
static void sweep_locked(struct ssh_worker *w, bool deadlines)
{
    int64_t now = ssht_now();
    for (struct ssh_cmd **pp = &w->pending; *pp;) {
        struct ssh_cmd *c = *pp;
        enum pp_result r = PP_RES_NONE;
        if (c->cancel)
            r = PP_RES_CANCELLED;
        else if (deadlines && now >= c->deadline)
            r = PP_RES_TIMEOUT;
        if (r == PP_RES_NONE) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        if (r == PP_RES_TIMEOUT)
            post_locked(w, PP_TEV_LOG, c->id, "timed out before it could start");
        end_locked(w, c, r, -1, r == PP_RES_TIMEOUT ? "timed out before it could start" : NULL);
        ssh_cmd_free(c);
    }
}

void ssht_sweep(struct ssh_worker *w)
{
    pthread_mutex_lock(&w->tp->mu);
    sweep_locked(w, true);
    pthread_mutex_unlock(&w->tp->mu);
}

/* Idle wait: returns when a command is pending, on stop, or at `until`. */
bool ssht_wait_work(struct ssh_worker *w, int64_t until)
{
    pthread_mutex_lock(&w->tp->mu);
    for (;;) {
        sweep_locked(w, true);
        if (w->stop || w->pending)
            break;
        int64_t left = until - ssht_now();
        if (left <= 0)
            break;
        wait_ms(&w->cv, &w->tp->mu, left > 1000 ? 1000 : left);
    }
    bool work = w->pending != NULL && !w->stop;
    pthread_mutex_unlock(&w->tp->mu);
    return work;
}

/* Takes the next pending command when it may run now: a restart runs alone
 * (its connection is expected to drop), others share the connection. */
struct ssh_cmd *ssht_admit(struct ssh_worker *w, int nactive, bool restart_active)
{
    pthread_mutex_lock(&w->tp->mu);
    sweep_locked(w, true);
    struct ssh_cmd *c = w->pending;
    bool ok = c && !w->stop &&
              (nactive == 0 ||
               (!restart_active && c->kind != PP_CMD_RESTART && nactive < SSHT_MAX_CHANNELS));
    if (ok) {
        w->pending = c->next;
        c->next = NULL;
    } else
        c = NULL;
    pthread_mutex_unlock(&w->tp->mu);
    return c;
}

/* Puts a command back at the head (its channel never opened). */
void ssht_requeue(struct ssh_worker *w, struct ssh_cmd *c)
{
    pthread_mutex_lock(&w->tp->mu);
    c->next = w->pending;
    w->pending = c;
    pthread_mutex_unlock(&w->tp->mu);
}

/* Takes every pending command (to fail them together). */
struct ssh_cmd *ssht_take_all(struct ssh_worker *w)
{
    pthread_mutex_lock(&w->tp->mu);
    struct ssh_cmd *c = w->pending;
    w->pending = NULL;
    pthread_mutex_unlock(&w->tp->mu);
    return c;
}

/* The active list's links change under mu so cancel() can walk it. */
void ssht_active_add(struct ssh_worker *w, struct ssh_cmd *c)
{
    pthread_mutex_lock(&w->tp->mu);
    struct ssh_cmd **pp = &w->active;
    while (*pp)
        pp = &(*pp)->next;
    c->next = NULL;
    *pp = c;
    pthread_mutex_unlock(&w->tp->mu);
}

void ssht_active_remove(struct ssh_worker *w, struct ssh_cmd *c)
{
    pthread_mutex_lock(&w->tp->mu);
    for (struct ssh_cmd **pp = &w->active; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    c->next = NULL;
    pthread_mutex_unlock(&w->tp->mu);
}

void ssht_publish_fd(struct ssh_worker *w, int fd)
{
    pthread_mutex_lock(&w->tp->mu);
    w->sockfd = fd;
    w->tp->connects += fd >= 0;
    pthread_mutex_unlock(&w->tp->mu);
}

/* ---- operator questions ------------------------------------------------ */

static bool live_locked(struct ssh_worker *w)
{
    if (w->stop)
        return false;
    for (struct ssh_cmd *c = w->pending; c; c = c->next)
        if (!c->cancel)
            return true;
    for (struct ssh_cmd *c = w->active; c; c = c->next)
        if (!c->cancel)
            return true;
    return false;
}

int ssht_ask(struct ssh_worker *w, enum pp_prompt_kind kind, const char *text, bool echo,
             char *out, size_t outn, bool *remember)
{
    struct ssh_tp *tp = w->tp;
    int rc = -1;
    if (remember)
        *remember = false;
    pthread_mutex_lock(&tp->mu);
    int64_t t0 = ssht_now();
    /* One question on screen at a time: a second host waits here, and may
     * find the answer it needs already remembered when its turn comes. */
    while (tp->token_busy && live_locked(w)) {
        sweep_locked(w, false);
        wait_ms(&tp->token_cv, &tp->mu, 200);
    }
    if (live_locked(w)) {
        tp->token_busy = true;
        w->prompt_id = ++tp->next_prompt_id;
        w->answered = false;
        struct ssh_ev *e = ev_new(w, PP_TEV_PROMPT, 0, text, strlen(text));
        if (e) {
            e->ev.prompt = kind;
            e->ev.prompt_id = w->prompt_id;
            e->ev.echo = echo;
            enqueue_locked(tp, e);
        }
        while (!w->answered && live_locked(w)) {
            sweep_locked(w, false);
            wait_ms(&w->cv, &tp->mu, 200);
        }
        char *ans = tp->secrets + SSHT_SECRET_ANSWER * SSHT_SECRET_MAX;
        if (w->answered) {
            rc = w->accepted ? 1 : 0;
            if (out && outn) {
                snprintf(out, outn, "%s", ans);
            }
            if (remember)
                *remember = w->remember;
        } else {
            post_locked(w, PP_TEV_LOG, 0, "question withdrawn: no command needs the answer any more");
        }
        explicit_bzero(ans, SSHT_SECRET_MAX);
        w->prompt_id = 0;
        tp->token_busy = false;
        pthread_cond_broadcast(&tp->token_cv);
    }
    /* The operator's thinking time is not the server's: move deadlines on. */
    int64_t waited = ssht_now() - t0;
    for (struct ssh_cmd *c = w->pending; c; c = c->next)
        if (c->deadline != INT64_MAX)
            c->deadline += waited;
    for (struct ssh_cmd *c = w->active; c; c = c->next)
        if (c->deadline != INT64_MAX)
            c->deadline += waited;
    pthread_mutex_unlock(&tp->mu);
    return rc;
}

bool ssht_recall(struct ssh_worker *w, int which, char *out, size_t outn)
{
    struct ssh_tp *tp = w->tp;
    pthread_mutex_lock(&tp->mu);
    bool have = which == SSHT_SECRET_PASSWORD ? tp->have_password : tp->have_passphrase;
    if (have)
        snprintf(out, outn, "%s", tp->secrets + which * SSHT_SECRET_MAX);
    pthread_mutex_unlock(&tp->mu);
    return have;
}

void ssht_remember(struct ssh_worker *w, int which, const char *secret)
{
    struct ssh_tp *tp = w->tp;
    pthread_mutex_lock(&tp->mu);
    char *slot = tp->secrets + which * SSHT_SECRET_MAX;
    explicit_bzero(slot, SSHT_SECRET_MAX);
    snprintf(slot, SSHT_SECRET_MAX, "%s", secret);
    if (which == SSHT_SECRET_PASSWORD)
        tp->have_password = true;
    else
        tp->have_passphrase = true;
    pthread_mutex_unlock(&tp->mu);
}

/* ---- the ops ------------------------------------------------------------ */

static struct ssh_tp *tp_of(struct pp_transport *t) { return (struct ssh_tp *)t; }

/* A host goes to SSH_OPTIONS_HOST, which parses "user@host": keep it a name. */
static bool host_ok(const char *h)
{
    if (!h || !*h || *h == '-' || strlen(h) >= PP_NAME_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)h; *p; p++)
        if (*p <= ' ' || *p == '@' || *p == 0x7f)
            return false;
    return true;
}

static struct ssh_worker *worker_get_locked(struct ssh_tp *tp, const char *host)
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
    snprintf(w->host, sizeof w->host, "%s", host);
    cond_init(&w->cv);
    /* Workers take no signals: the main loop's self-pipe handlers run there. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&w->th, NULL, sshw_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&w->cv);
        free(w);
        return NULL;
    }
    tp->workers[tp->nworkers++] = w;
    return w;
}

static int tp_start(struct pp_transport *t, const struct pp_cmd *cmd, pp_ms now)
{
    (void)now; /* the workers time commands on CLOCK_MONOTONIC */
    struct ssh_tp *tp = tp_of(t);
    if (!cmd || !host_ok(cmd->host) || !cmd->command)
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
    pthread_mutex_lock(&tp->mu);
    struct ssh_worker *w = worker_get_locked(tp, cmd->host);
    if (!w) {
        pthread_mutex_unlock(&tp->mu);
        ssh_cmd_free(c);
        return -1;
    }
    w->server = cmd->server;
    struct ssh_cmd **pp = &w->pending;
    while (*pp)
        pp = &(*pp)->next;
    *pp = c;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&tp->mu);
    return 0;
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
                    pthread_cond_signal(&w->cv);
                }
    }
    pthread_mutex_unlock(&tp->mu);
}

static void tp_poll(struct pp_transport *t, pp_ms now, const struct pp_tsink *sink)
{
    (void)now;
    struct ssh_tp *tp = tp_of(t);
    char buf[256];
    while (read(tp->wake_r, buf, sizeof buf) > 0)
        ;
    pthread_mutex_lock(&tp->mu);
    struct ssh_ev *list = tp->qhead;
    tp->qhead = NULL;
    tp->qtail = &tp->qhead;
    for (struct ssh_ev *e = list; e; e = e->next)
        if (e->w) {
            bool was_full = e->w->queued > SSHT_QUEUE_CAP;
            e->w->queued -= e->bytes;
            if (was_full && e->w->queued <= SSHT_QUEUE_CAP)
                pthread_cond_signal(&e->w->cv);
        }
    pthread_mutex_unlock(&tp->mu);
    while (list) {
        struct ssh_ev *e = list;
        list = e->next;
        e->ev.data = e->data;
        if (sink && sink->emit)
            sink->emit(sink->ctx, &e->ev);
        free(e);
    }
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
            pthread_cond_signal(&w->cv);
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
        pthread_cond_signal(&w->cv);
    }
    pthread_cond_broadcast(&tp->token_cv);
    pthread_mutex_unlock(&tp->mu);
    for (int i = 0; i < tp->nworkers; i++) {
        struct ssh_worker *w = tp->workers[i];
        pthread_join(w->th, NULL);
        pthread_cond_destroy(&w->cv);
        free(w);
    }
    free(tp->workers);
    while (tp->qhead) {
        struct ssh_ev *e = tp->qhead;
        tp->qhead = e->next;
        free(e);
    }
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
    cond_init(&tp->token_cv);
    tp->qtail = &tp->qhead;
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
    pthread_mutex_unlock(&tp->mu);
}
