/* A host's worker thread: connects when a command arrives (or ahead of it,
 * quietly: eager_connect), runs commands on
 * channels of one shared connection (ENGINEERING.md §1.5), keeps the
 * connection alive while idle, and follows a restart through the drop and
 * back.  A worker with running commands sleeps on its socket and its
 * wake_fd (wait_tick), so output, cancel, deadlines and stop are seen as
 * they happen; libssh's own blocking calls are bounded by the session
 * timeout. */
#include "backend/transport/ssh/ssh_internal.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---- channel callbacks: exit status without a blocking call ------------- */

static void on_exit_status(ssh_session s, ssh_channel ch, int status, void *ud)
{
    (void)s;
    (void)ch;
    struct ssh_cmd *c = ud;
    c->exit_status = status;
    c->got_exit = true;
    c->w->stirred = true;
}

/* Returns 0 = consumed nothing: libssh keeps the bytes in the channel's
 * buffer (channel_rcv_data adds them before it calls back), where drain()
 * reads them. */
int sshw_on_data(ssh_session s, ssh_channel ch, void *data, uint32_t len, int is_stderr,
                 void *ud)
{
    (void)s;
    (void)ch;
    (void)data;
    (void)len;
    (void)is_stderr;
    *(bool *)ud = true;
    return 0;
}

void sshw_on_eof(ssh_session s, ssh_channel ch, void *ud)
{
    (void)s;
    (void)ch;
    *(bool *)ud = true;
}

static int on_data(ssh_session s, ssh_channel ch, void *data, uint32_t len, int is_stderr,
                   void *ud)
{
    return sshw_on_data(s, ch, data, len, is_stderr, &((struct ssh_cmd *)ud)->w->stirred);
}

static void on_eof(ssh_session s, ssh_channel ch, void *ud)
{
    sshw_on_eof(s, ch, &((struct ssh_cmd *)ud)->w->stirred);
}

static void on_exit_signal(ssh_session s, ssh_channel ch, const char *sig, int core,
                           const char *errmsg, const char *lang, void *ud)
{
    (void)s;
    (void)ch;
    (void)core;
    (void)errmsg;
    (void)lang;
    struct ssh_cmd *c = ud;
    c->got_signal = true;
    c->w->stirred = true;
    snprintf(c->signal, sizeof c->signal, "%s", sig ? sig : "?");
}

static void on_close(ssh_session s, ssh_channel ch, void *ud)
{
    (void)s;
    (void)ch;
    ((struct ssh_cmd *)ud)->remote_closed = true;
    ((struct ssh_cmd *)ud)->w->stirred = true;
}

/* ---- small helpers ------------------------------------------------------ */

static void close_channel(struct ssh_cmd *c)
{
    if (c->ch) {
        /* libssh may keep a freed channel until the peer confirms the
         * close, and still deliver its exit-status / exit-signal: a remote
         * command that ends after we gave up on it (a timeout, then the
         * process stopped) must not call back into a freed ssh_cmd. */
        ssh_remove_channel_callbacks(c->ch, &c->cb);
        ssh_channel_close(c->ch);
        ssh_channel_free(c->ch);
        c->ch = NULL;
    }
}

void sshw_finish(struct ssh_worker *w, struct ssh_cmd *c, enum pp_result r, int exit_status,
                 const char *text)
{
    close_channel(c);
    sshsh_detach(w, c);
    ssht_active_remove(w, c);
    ssht_end(w, c, r, exit_status, text);
    ssh_cmd_free(c);
}

static void keep_tail(struct ssh_cmd *c, const char *data, size_t n)
{
    if (n >= SSHT_TAIL) {
        memcpy(c->tail, data + n - SSHT_TAIL, SSHT_TAIL);
        c->tail_len = SSHT_TAIL;
        return;
    }
    if (c->tail_len + n > SSHT_TAIL) {
        size_t drop = c->tail_len + n - SSHT_TAIL;
        memmove(c->tail, c->tail + drop, c->tail_len - drop);
        c->tail_len -= drop;
    }
    memcpy(c->tail + c->tail_len, data, n);
    c->tail_len += n;
}

/* The restart's verdict comes from the same reader as every other
 * command's (remote_marker: the last non-empty line, a UTF-8 BOM before
 * it allowed): a restart that reported "failed" must not be waited for. */
static enum pp_result tail_marker(const struct ssh_cmd *c)
{
    return remote_marker(c->tail, c->tail_len, NULL, 0);
}

/* stderr goes out through the CLIXML decoder (remote.h). */
struct err_sink {
    struct ssh_worker *w;
    const struct ssh_cmd *c;
};

static void err_emit(void *ctx, const char *text, size_t len)
{
    struct err_sink *k = ctx;
    ssht_output(k->w, k->c, true, text, len);
}

/* Closing a channel without a pty does not stop the remote command, and
 * a readiness check that waits for replicas keeps a PowerShell process
 * (and its fabric queries) on the Front End.  After a read-only PowerShell
 * command times out, the worker runs a second command that stops the
 * powershell.exe whose command line holds a piece of the first one's
 * -EncodedCommand (Win32_Process.CommandLine, Stop-Process).  The piece is
 * taken from the middle of the base64, where the script body is, not the
 * wrapper every command shares; the stopping command's own command line
 * holds it only re-encoded, so it never matches itself.  Commands that
 * change the server are never stopped half-way: their timeout says the
 * command may still be running. */
static const char ps_prefix[] = "powershell -NoProfile -NonInteractive -EncodedCommand ";
#define KILL_TOKEN 48

static bool stoppable(const struct ssh_cmd *c)
{
    bool read_only = c->kind == PP_CMD_READINESS || c->kind == PP_CMD_PROBE ||
                     c->kind == PP_CMD_POOL_STATE || c->kind == PP_CMD_FABRIC;
    return read_only && !c->internal && strncmp(c->command, ps_prefix, sizeof ps_prefix - 1) == 0 &&
           strlen(c->command) >= sizeof ps_prefix - 1 + 2 * KILL_TOKEN;
}

static void queue_stop(struct ssh_worker *w, const struct ssh_cmd *c)
{
    const char *b64 = c->command + sizeof ps_prefix - 1;
    size_t n = strlen(b64);
    char token[KILL_TOKEN + 1];
    memcpy(token, b64 + n / 2 - KILL_TOKEN / 2, KILL_TOKEN);
    token[KILL_TOKEN] = 0;
    char script[1024];
    snprintf(script, sizeof script,
             "$t = '%s'\n"
             "$n = 0\n"
             "Get-CimInstance Win32_Process -Filter \"Name = 'powershell.exe'\" | "
             "Where-Object { $_.ProcessId -ne $PID -and $_.CommandLine -and "
             "$_.CommandLine.Contains($t) } | "
             "ForEach-Object { Stop-Process -Id $_.ProcessId -Force; $n++ }\n"
             "Write-Output ('stopped ' + $n + ' process(es)')\n",
             token);
    struct ssh_cmd *k = calloc(1, sizeof *k);
    if (!k)
        return;
    k->command = remote_wrap(script, PP_SHELL_POWERSHELL);
    if (!k->command) {
        free(k);
        return;
    }
    k->internal = true;
    k->for_id = c->id;
    k->server = c->server;
    k->kind = PP_CMD_PROBE;
    k->exit_status = -1;
    k->t_start = ssht_now();
    k->deadline = k->t_start + 120000;   /* its own bound: it must not linger either */
    ssht_requeue(w, k);
}

static void timeout_text(struct ssh_worker *w, const struct ssh_cmd *c, char *out, size_t n)
{
    snprintf(out, n,
             "%s: timed out after %llds; the channel was closed, but closing a channel without "
             "a pty does not stop the remote command: it may still be running there",
             w->host, (long long)((ssht_now() - c->t_start) / 1000));
}

/* ---- starting a command ------------------------------------------------ */

static int start_channel(struct ssh_worker *w, struct ssh_cmd *c)
{
    char msg[1024];
    c->ch = ssh_channel_new(w->s);
    if (!c->ch)
        return ssh_is_connected(w->s) ? (ssht_end(w, c, PP_RES_FAILED, -1, "cannot create a channel"),
                                         START_ENDED)
                                      : START_DEAD;
    memset(&c->cb, 0, sizeof c->cb);
    c->w = w;
    c->cb.userdata = c;
    c->cb.channel_data_function = on_data;
    c->cb.channel_eof_function = on_eof;
    c->cb.channel_exit_status_function = on_exit_status;
    c->cb.channel_exit_signal_function = on_exit_signal;
    c->cb.channel_close_function = on_close;
    ssh_callbacks_init(&c->cb);
    ssh_set_channel_callbacks(c->ch, &c->cb); /* before exec, for the channel's life */

    int rc = ssh_channel_open_session(c->ch);
    if (rc != SSH_OK) {
        bool dead = rc == SSH_AGAIN || !ssh_is_connected(w->s);
        snprintf(msg, sizeof msg, "%s: cannot open a session channel: %s; nothing was run",
                 w->host, rc == SSH_AGAIN ? "timed out" : ssh_get_error(w->s));
        ssh_channel_free(c->ch);
        c->ch = NULL;
        if (dead)
            return START_DEAD; /* nothing ran: the caller may retry on a new connection */
        ssht_end(w, c, PP_RES_FAILED, -1, msg);
        return START_ENDED;
    }
    rc = ssh_channel_request_exec(c->ch, c->command);
    if (rc != SSH_OK) {
        bool dead = rc == SSH_AGAIN || !ssh_is_connected(w->s);
        if (dead)
            snprintf(msg, sizeof msg,
                     "%s: connection lost while starting the command (%s): it may or may not "
                     "have started",
                     w->host, rc == SSH_AGAIN ? "timed out" : ssh_get_error(w->s));
        else
            snprintf(msg, sizeof msg, "%s: the server refused to run the command: %s",
                     w->host, ssh_get_error(w->s));
        ssh_channel_free(c->ch);
        c->ch = NULL;
        ssht_end(w, c, dead ? PP_RES_LOST : PP_RES_FAILED, -1, msg);
        return dead ? START_LOST_DEAD : START_ENDED;
    }
    ssh_channel_send_eof(c->ch); /* no stdin; an error shows up in the reads */
    return START_OK;
}

/* ---- reading ----------------------------------------------------------- */

void sshw_emit(struct ssh_worker *w, struct ssh_cmd *c, bool is_stderr, const char *data,
               size_t len)
{
    if (is_stderr && !c->raw_err) {
        struct err_sink sink = {w, c};
        remote_clixml_feed(&c->err_text, data, len, err_emit, &sink);
        return;
    }
    ssht_output(w, c, is_stderr, data, len);
    if (!is_stderr && c->kind == PP_CMD_RESTART)
        keep_tail(c, data, len);
}

void sshw_emit_end(struct ssh_worker *w, struct ssh_cmd *c)
{
    struct err_sink sink = {w, c};
    remote_clixml_end(&c->err_text, err_emit, &sink);
}

/* Moves what libssh holds for c into the queue, at most a budget per call so
 * several channels share the worker (*more: the budget ran out, come back
 * at once).  Stops early while poll() is behind; wait_tick() then naps until
 * the queue drains, and libssh's unread buffer holds the SSH window closed,
 * so the server stops sending: memory stays bounded. */
static int drain(struct ssh_worker *w, struct ssh_cmd *c, bool *more)
{
    static _Thread_local char buf[SSHT_CHUNK];
    for (int err = 0; err < 2; err++) {
        if (err ? c->eof_err : c->eof_out)
            continue;
        int k = 0;
        for (; k < 32; k++) {
            if (ssht_backlogged(w))
                return 0;
            int n = ssh_channel_read_nonblocking(c->ch, buf, sizeof buf, err);
            if (n > 0) {
                sshw_emit(w, c, err, buf, (size_t)n);
                continue;
            }
            if (n == 0)
                break;
            if (n == SSH_EOF) {
                if (err) {
                    sshw_emit_end(w, c);
                    c->eof_err = true;
                } else {
                    c->eof_out = true;
                }
                break;
            }
            return -1; /* SSH_ERROR and anything else negative */
        }
        if (k == 32)
            *more = true;
    }
    return 0;
}

static int service(struct ssh_worker *w, struct ssh_cmd *c, bool *more)
{
    char msg[1024];
    if (ssht_cancelled(w, c)) {
        sshw_finish(w, c, PP_RES_CANCELLED, -1, NULL);
        return SV_DONE;
    }
    if (ssht_now() >= ssht_deadline(w, c)) {
        if (stoppable(c)) {
            snprintf(msg, sizeof msg, "%s: timed out after %llds; stopping its PowerShell process "
                     "on the server", w->host, (long long)((ssht_now() - c->t_start) / 1000));
            queue_stop(w, c);
        } else {
            timeout_text(w, c, msg, sizeof msg);
        }
        sshw_finish(w, c, PP_RES_TIMEOUT, -1, msg);
        return SV_DONE;
    }
    if (c->in_shell) {
        int r = sshsh_drain(w, c, more);
        if (r != SV_ENDED)
            return r;
    } else {
        if (drain(w, c, more) < 0) {
            if (!ssh_is_connected(w->s))
                return SV_DEAD;
            snprintf(msg, sizeof msg, "%s: reading the command's output failed: %s", w->host,
                     ssh_get_error(w->s));
            sshw_finish(w, c, PP_RES_LOST, -1, msg);
            return SV_DONE;
        }
        bool ended = c->got_exit || c->got_signal || c->remote_closed;
        if (!ended && !ssh_is_connected(w->s))
            return SV_DEAD; /* output ended but no status came: outcome unknown */
        ended = ended || ssh_channel_is_closed(c->ch);
        if (!(c->eof_out && c->eof_err && ended))
            return SV_RUNNING;
    }
    int status = c->got_exit ? c->exit_status : -1;
    if (c->got_signal && !c->got_exit)
        ssht_logf(w, c->id, "%s: the command was killed by signal %s", w->host, c->signal);
    if (c->kind == PP_CMD_RESTART) {
        enum pp_result m = tail_marker(c);
        bool failed = m == PP_RES_FAILED || (m != PP_RES_OK && c->got_exit && status != 0);
        if (!failed) {
            close_channel(c);
            sshsh_detach(w, c);
            sshw_restart_follow(w, c, false);
            return SV_DONE;
        }
        /* the runner does not read a restart's marker: the verdict is here */
        sshw_finish(w, c, PP_RES_FAILED, status, NULL);
        return SV_DONE;
    }
    sshw_finish(w, c, status == 0 ? PP_RES_OK : PP_RES_FAILED, status, NULL);
    return SV_DONE;
}

/* wake_fd rang: empty it; the loop around wait_tick looks at the queue. */
static int on_wake(socket_t fd, int revents, void *ud)
{
    (void)fd;
    (void)revents;
    ssht_wake_clear(ud);
    return 0;
}

/* Waits for anything that moves a running command on: the session's socket
 * (output, exit status, close, a dropped connection), the worker's wake_fd
 * (new work, a cancel, stop, room in the event queue) or the nearest
 * deadline or keepalive.  No fixed tick: a command that ends is seen as its
 * packets arrive.  ssh_event_dopoll sleeps on both descriptors and
 * processes every packet that came (channel data into libssh's buffers for
 * the next drain(), exit status and close through the callbacks): the
 * session-wide pump that ssh_channel_poll_timeout is not (it returns at
 * once for a channel at EOF without reading, ENGINEERING.md §1.5/§1.7). */
static void wait_tick(struct ssh_worker *w)
{
    if (ssht_backlogged(w)) {
        ssht_nap(w, SSHT_TICK_MS); /* the main loop's take wakes it (cv) */
        return;
    }
    int64_t now = ssht_now(), until = min64(w->next_keepalive, now + SSHT_WAIT_MAX_MS);
    pthread_mutex_lock(&w->tp->mu);
    w->tp->waits++;
    for (struct ssh_cmd *c = w->active; c; c = c->next)
        until = min64(until, c->deadline);
    pthread_mutex_unlock(&w->tp->mu);
    int ms = until <= now ? 0 : (int)(until - now);
    ssh_event ev = ssh_event_new();
    if (!ev || ssh_event_add_session(ev, w->s) != SSH_OK) {
        if (ev)
            ssh_event_free(ev);
        /* out of memory (or no socket: the loop sees the connection is
         * gone): a tick's nap; drain() reads the socket next round */
        ssht_nap(w, SSHT_TICK_MS);
        return;
    }
    bool fd_added = ssh_event_add_fd(ev, w->wake_fd, POLLIN, on_wake, w) == SSH_OK;
    ssh_event_dopoll(ev, fd_added ? ms : min64(ms, SSHT_TICK_MS));
    if (fd_added)
        ssh_event_remove_fd(ev, w->wake_fd);
    /* gives the socket's poll handle back to the session's default poll
     * context (libssh src/poll.c), where the blocking calls that follow
     * (channel open, exec, keepalive) expect it */
    ssh_event_remove_session(ev, w->s);
    ssh_event_free(ev);
}

/* ---- losing the connection ------------------------------------------ */

static void connection_lost(struct ssh_worker *w)
{
    char why[512];
    snprintf(why, sizeof why, "%s", w->s ? ssh_get_error(w->s) : "");
    if (!*why)
        snprintf(why, sizeof why, "no answer");
    struct ssh_cmd *restart = NULL;
    for (struct ssh_cmd *c = w->active; c; c = c->next)
        if (c->kind == PP_CMD_RESTART)
            restart = c;
    sshs_close(w); /* frees the channels first */
    if (restart) {
        sshw_restart_follow(w, restart, true);
        return;
    }
    ssht_status(w, "disconnected: %s", why);
    while (w->active) {
        char msg[1024];
        struct ssh_cmd *c = w->active;
        snprintf(msg, sizeof msg,
                 "%s: connection lost during the command (%s): its outcome is unknown",
                 w->host, why);
        sshw_finish(w, c, PP_RES_LOST, -1, msg);
    }
}

/* ---- the session loop -------------------------------------------------- */

static void run_session(struct ssh_worker *w)
{
    while (w->s) {
        int nactive = 0;
        bool restart_active = false;
        for (struct ssh_cmd *c = w->active; c; c = c->next) {
            nactive++;
            restart_active |= c->kind == PP_CMD_RESTART;
        }
        struct ssh_cmd *c;
        while ((c = ssht_admit(w, nactive, restart_active))) {
            ssht_active_add(w, c);
            if (c->copy) {   /* admitted alone; ends before the loop goes on */
                if (sshcp_run(w, c) < 0) {
                    connection_lost(w);
                    return;
                }
                continue;
            }
            int r = sshsh_wanted(w, c) ? sshsh_start(w, c) : START_NO_SHELL;
            if (r == START_NO_SHELL)
                r = start_channel(w, c);
            if (r == START_OK) {
                nactive++;
                restart_active |= c->kind == PP_CMD_RESTART;
                continue;
            }
            ssht_active_remove(w, c);
            if (r == START_ENDED || r == START_LOST_DEAD) {
                ssh_cmd_free(c);
                if (r == START_LOST_DEAD) {
                    connection_lost(w);
                    return;
                }
                continue;
            }
            /* START_DEAD: the channel never opened, so nothing ran; one
             * retry on a fresh connection. */
            if (c->retries++ == 0) {
                ssht_requeue(w, c);
            } else {
                char msg[512];
                snprintf(msg, sizeof msg, "%s: cannot open a channel: %s; nothing was run",
                         w->host, ssh_get_error(w->s));
                ssht_end(w, c, PP_RES_FAILED, -1, msg);
                ssh_cmd_free(c);
            }
            connection_lost(w);
            return;
        }
        if (!w->active)
            return;

        bool more = false, dead = false;
        w->stirred = false;
        for (struct ssh_cmd *a = w->active, *next; a; a = next) {
            next = a->next;
            int r = service(w, a, &more);
            if (r == SV_DEAD) {
                dead = true;
                break;
            }
            if (!w->s) /* a restart finished (or failed) and replaced the session */
                return;
        }
        if (!dead && !ssh_is_connected(w->s))
            dead = true;
        if (!dead && !more) {
            if (!w->stirred)
                wait_tick(w);
            if (ssht_now() >= w->next_keepalive) {
                w->next_keepalive = ssht_now() + w->tp->cfg.keepalive;
                dead = !sshs_keepalive(w);
            }
        }
        if (dead) {
            connection_lost(w);
            return;
        }
    }
}

static bool connect_for_pending(struct ssh_worker *w)
{
    char err[2048];
    int fatal = 0;
    ssht_status(w, "connecting");
    w->s = sshs_open(w, w->tp->cfg.connect_timeout, &fatal, err, sizeof err);
    if (w->s) {
        w->next_keepalive = ssht_now() + w->tp->cfg.keepalive;
        w->announced = true;
        ssht_status(w, "connected (%s)", w->peer);
        return true;
    }
    if (ssht_stopping(w))
        return false;
    ssht_status(w, "%s: %s", fatal == 0 ? "unreachable" : fatal == 2 ? "login denied" : "refused",
                err);
    /* Everything waiting for this connection fails together: none of it ran. */
    for (struct ssh_cmd *c = ssht_take_all(w), *next; c; c = next) {
        next = c->next;
        ssht_end(w, c, ssht_cancelled(w, c) ? PP_RES_CANCELLED : PP_RES_FAILED, -1, err);
        ssh_cmd_free(c);
    }
    return false;
}

/* ---- connecting ahead ----------------------------------------------------- */

/* The first thing an eager worker does: open its session before any
 * command, so the host's first step does not wait for key exchange and
 * authentication.  Quiet (w->quiet): no question, no log line, no status;
 * a connect that would need the operator, or fails in any way, is simply
 * forgotten and the first command connects as it would have without this.
 * Nothing runs on the server: no channel is opened until a command comes. */
/* w leaves the line for eager slots (tp->mu held): the next rank may go. */
static void eager_leave_locked(struct ssh_worker *w)
{
    struct ssh_tp *tp = w->tp;
    w->eager_waiting = false;
    if (!tp->eager_gone)
        return;
    tp->eager_gone[w->eager_rank] = true;
    while (tp->eager_next < tp->eager_count && tp->eager_gone[tp->eager_next])
        tp->eager_next++;
    for (int i = 0; i < tp->nworkers; i++)
        if (tp->workers[i]->eager_waiting)
            ssht_wake_locked(tp->workers[i]);
}

static void eager_connect(struct ssh_worker *w)
{
    struct ssh_tp *tp = w->tp;
    /* A command waiting (or the transport stopping) ends the wait: the
     * eager connect yields to the ordinary one, which reports and asks as
     * it always has.  A slot among SSHT_EAGER_PARALLEL: no storm of key
     * exchanges; taken in [servers] order (tp->eager_gone).  The
     * wait ends when a slot frees (the connect that held it wakes the
     * waiters) or when work arrives for this worker (its cv, as always);
     * the timeout only bounds a wake-up that got lost. */
    pthread_mutex_lock(&tp->mu);
    for (;;) {
        if (w->stop || w->pending) {
            eager_leave_locked(w);
            pthread_mutex_unlock(&tp->mu);
            return;
        }
        int64_t hold = tp->commands ? 0 : tp->eager_start_ms + SSHT_EAGER_HOLD_MS - ssht_now();
        bool logon_wanted = false;
        for (int i = 0; i < tp->nworkers; i++)
            logon_wanted |= tp->workers[i]->pending && tp->workers[i]->sockfd < 0;
        if (hold <= 0 && !logon_wanted && tp->eager_active < SSHT_EAGER_PARALLEL &&
            (!tp->eager_gone || w->eager_rank <= tp->eager_next))
            break;
        w->eager_waiting = true;
        /* woken when a slot frees or a command's logon is done; the bound
         * covers the hold and a command logon that failed */
        ssht_wait_locked(w, hold > 0 ? hold : logon_wanted ? 100 : 1000);
    }
    tp->eager_active++;
    if (tp->neager_order < (int)(sizeof tp->eager_order / sizeof tp->eager_order[0]))
        tp->eager_order[tp->neager_order++] = w->eager_rank;
    eager_leave_locked(w);
    pthread_mutex_unlock(&tp->mu);
    char err[1024];
    int fatal = 0;
    w->quiet = true;
    w->s = sshs_open(w, min64(tp->cfg.connect_timeout, SSHT_EAGER_TIMEOUT_MS), &fatal, err,
                     sizeof err);
    sshsh_prepare(w);
    w->quiet = false;
    if (w->s) {
        w->next_keepalive = ssht_now() + tp->cfg.keepalive;
        w->announced = false; /* the first command posts what a connect posts */
    }
    pthread_mutex_lock(&tp->mu);
    tp->eager_active--;
    tp->eager_tried++;
    tp->eager_ok += w->s != NULL;
    for (int i = 0; i < tp->nworkers; i++)
        if (tp->workers[i]->eager_waiting)
            ssht_wake_locked(tp->workers[i]);
    pthread_mutex_unlock(&tp->mu);
}

/* A session opened ahead is announced when its first command arrives,
 * with the statuses an ordinary connect posts, so the console shows the
 * same as without eager connects. */
static void announce(struct ssh_worker *w)
{
    if (w->announced)
        return;
    w->announced = true;
    ssht_status(w, "connecting");
    ssht_status(w, "connected (%s)", w->peer);
}

void *sshw_main(void *arg)
{
    struct ssh_worker *w = arg;
    sshs_install_log(w);
    if (w->eager)
        eager_connect(w);
    while (!ssht_stopping(w)) {
        int64_t until = w->s ? w->next_keepalive : ssht_now() + 3600 * 1000;
        if (!ssht_wait_work(w, until)) {
            if (w->s && ssht_now() >= w->next_keepalive && !ssht_stopping(w)) {
                w->next_keepalive = ssht_now() + w->tp->cfg.keepalive;
                if (!sshs_keepalive(w)) {
                    char why[512];
                    snprintf(why, sizeof why, "%s", ssh_get_error(w->s));
                    sshs_close(w);
                    if (w->announced) /* one opened ahead was never shown: forget it */
                        ssht_status(w, "disconnected while idle: %s", *why ? why : "no answer");
                }
            }
            continue;
        }
        if (!w->s && !connect_for_pending(w))
            continue;
        announce(w);
        run_session(w);
    }
    sshs_close(w);
    while (w->active) {
        struct ssh_cmd *c = w->active;
        ssht_active_remove(w, c);
        ssh_cmd_free(c);
    }
    for (struct ssh_cmd *c = ssht_take_all(w), *next; c; c = next) {
        next = c->next;
        ssh_cmd_free(c);
    }
    return NULL;
}
