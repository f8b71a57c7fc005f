/* The SSH transport's shared state as the workers see it: the event queue
 * poll() drains, the pending/active command lists, waits that wake for
 * cancel and stop, and the operator questions a worker blocks on.
 *
 * Locking: one mutex (tp->mu) guards every field marked [mu] in
 * ssh_internal.h.  No libssh call and no sink callback ever runs under it,
 * so a sink may call start/cancel/answer from inside emit(). */
#include "backend/transport/ssh/ssh_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void ssht_cond_init(pthread_cond_t *cv)
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

static struct ssh_ev *ev_new(int server, enum pp_tev_type type, uint64_t id, const char *data,
                             size_t len)
{
    struct ssh_ev *e = calloc(1, sizeof *e + len + 1);
    if (!e)
        return NULL;
    e->ev.type = type;
    e->ev.id = id;
    e->ev.server = server;
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
    struct ssh_ev *e = ev_new(w->server, type, id, text, strlen(text));
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
    if (c->internal)
        return;
    struct ssh_ev *e = ev_new(c->server, PP_TEV_OUTPUT, c->id, data, len);
    if (!e)
        return;
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
    struct ssh_ev *e = ev_new(c->server, PP_TEV_END, c->id, t, strlen(t));
    if (!e)
        return;
    e->ev.result = r;
    e->ev.exit_status = exit_status;
    e->ev.duration = ssht_now() - c->t_start;
    enqueue_locked(w->tp, e);
}

void ssht_end(struct ssh_worker *w, struct ssh_cmd *c, enum pp_result r, int exit_status,
              const char *text)
{
    pthread_mutex_lock(&w->tp->mu);
    if (c->internal) {
        char line[1024];
        if (r == PP_RES_OK)
            snprintf(line, sizeof line, "%s: stopped the timed-out command on the server", w->host);
        else
            snprintf(line, sizeof line, "%s: could not stop the timed-out command on the server "
                     "(%s%s%s): it may still be running there", w->host, pp_result_name(r),
                     text && *text ? ": " : "", text ? text : "");
        post_locked(w, PP_TEV_LOG, c->for_id, line);
        pthread_mutex_unlock(&w->tp->mu);
        return;
    }
    if (text && *text) /* the reason also reaches the log, tied to the command */
        post_locked(w, PP_TEV_LOG, c->id, text);
    end_locked(w, c, r, exit_status, text);
    pthread_mutex_unlock(&w->tp->mu);
}

void ssht_progress(struct ssh_worker *w, const struct ssh_cmd *c, uint64_t done, uint64_t total)
{
    struct ssh_ev *e = ev_new(c->server, PP_TEV_PROGRESS, c->id, "", 0);
    if (!e)
        return;
    e->ev.done = done;
    e->ev.total = total;
    pthread_mutex_lock(&w->tp->mu);
    enqueue_locked(w->tp, e);
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

void ssht_wake_locked(struct ssh_worker *w)
{
    pthread_cond_signal(&w->cv);
    uint64_t one = 1;
    ssize_t n = write(w->wake_fd, &one, sizeof one);
    (void)n; /* EAGAIN: the counter is already set, the worker wakes anyway */
}

void ssht_wake_clear(struct ssh_worker *w)
{
    uint64_t v;
    ssize_t n = read(w->wake_fd, &v, sizeof v);
    (void)n; /* EAGAIN: nothing was rung */
}

void ssht_wait_locked(struct ssh_worker *w, int64_t ms)
{
    if (!w->stop)
        wait_ms(&w->cv, &w->tp->mu, ms);
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
        free(c->err_text.buf);
        free(c->command);
        free(c->local);
        free(c->remote);
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
            post_locked(w, PP_TEV_LOG, c->internal ? c->for_id : c->id,
                        "timed out before it could start");
        if (!c->internal)
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
    /* a copy runs alone like a restart: the worker is busy with it until its end */
    bool ok = c && !w->stop &&
              (nactive == 0 || (!restart_active && c->kind != PP_CMD_RESTART && !c->copy &&
                                nactive < SSHT_MAX_CHANNELS));
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
    /* a command's logon is done: eager connects may go on (eager_connect) */
    for (int i = 0; fd >= 0 && i < w->tp->nworkers; i++)
        if (w->tp->workers[i]->eager_waiting)
            ssht_wake_locked(w->tp->workers[i]);
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
        struct ssh_ev *e = ev_new(w->server, PP_TEV_PROMPT, 0, text, strlen(text));
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

/* ---- the main thread's end of the queue ------------------------------- */

struct ssh_ev *ssht_take_events(struct ssh_tp *tp, size_t budget)
{
    pthread_mutex_lock(&tp->mu);
    struct ssh_ev *list = tp->qhead, **cut = &list;
    size_t taken = 0;
    while (*cut && taken <= budget) {
        struct ssh_ev *e = *cut;
        if (e->w) {
            bool was_full = e->w->queued > SSHT_QUEUE_CAP;
            e->w->queued -= e->bytes;
            if (was_full && e->w->queued <= SSHT_QUEUE_CAP)
                ssht_wake_locked(e->w); /* the worker may read again */
        }
        taken += e->bytes;
        cut = &e->next;
    }
    /* *cut: the first event left for the next poll(), in order */
    tp->qhead = *cut;
    if (!tp->qhead)
        tp->qtail = &tp->qhead;
    *cut = NULL;
    if (tp->qhead) {
        char b = 1;   /* the loop comes back for the rest after its input */
        ssize_t n = write(tp->wake_w, &b, 1);
        (void)n; /* EAGAIN: the pipe already holds a wake-up */
    }
    pthread_mutex_unlock(&tp->mu);
    return list;
}

void ssht_emit_events(struct ssh_ev *list, const struct pp_tsink *sink)
{
    while (list) {
        struct ssh_ev *e = list;
        list = e->next;
        e->ev.data = e->data;
        if (sink && sink->emit)
            sink->emit(sink->ctx, &e->ev);
        free(e);
    }
}
