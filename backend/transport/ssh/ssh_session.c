/* One SSH connection of a worker: options in the order that survives
 * ~/.ssh/config (ENGINEERING.md §1.2), connect, host key, authentication,
 * TCP liveness, keepalive, and a teardown that never touches a freed channel. */
#include "backend/transport/ssh/ssh_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh/server.h> /* ssh_send_keepalive: declared there, works client-side */

/* ---- libssh's log, per thread in 0.10.6 (§1.8) ---------------------------- */

static void log_cb(int priority, const char *function, const char *buffer, void *userdata)
{
    (void)priority;
    (void)function;
    struct ssh_worker *w = userdata;
    if (w && buffer)
        ssht_logf(w, 0, "%s: libssh: %s", w->host, buffer);
}

void sshs_install_log(struct ssh_worker *w)
{
    /* Level, callback and userdata are thread-local: set them in the worker,
     * or libssh writes to stderr under the curses screen.  Quiet by default
     * (its "warnings" are routine: every connect logs a few); the
     * environment variable POOLPILOT_SSH_DEBUG=1..4 raises libssh's level
     * for troubleshooting, into the console's log. */
    const char *dbg = getenv("POOLPILOT_SSH_DEBUG");
    int level = dbg ? atoi(dbg) : SSH_LOG_NOLOG;
    if (level < SSH_LOG_NOLOG || level > SSH_LOG_FUNCTIONS)
        level = SSH_LOG_NOLOG;
    ssh_set_log_level(level);
    ssh_set_log_userdata(w);
    ssh_set_log_callback(log_cb);
    w->log_set = true;
}

/* ---- options ---------------------------------------------------------- */

static void set_timeout(ssh_session s, int64_t ms)
{
    if (ms < 1)
        ms = 1; /* 0 + 0 would mean "wait forever" */
    long sec = (long)(ms / 1000), usec = (long)(ms % 1000) * 1000;
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &sec);
    ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &usec);
}

static int configure(struct ssh_worker *w, ssh_session s, int64_t timeout_ms, char *err,
                     size_t errn)
{
    const struct pp_ssh_cfg *cfg = &w->tp->cfg;
    char ssh_dir[PP_PATH_MAX], gkh[PP_PATH_MAX];
    pthread_mutex_lock(&w->tp->mu);
    snprintf(ssh_dir, sizeof ssh_dir, "%s", w->tp->ssh_dir);
    snprintf(gkh, sizeof gkh, "%s", w->tp->global_known_hosts);
    pthread_mutex_unlock(&w->tp->mu);

    if (*ssh_dir && ssh_options_set(s, SSH_OPTIONS_SSH_DIR, ssh_dir) < 0)
        goto bad;
    if (ssh_options_set(s, SSH_OPTIONS_HOST, w->host) < 0)
        goto bad;
    /* Parse the config now, so connect() does not parse it again later and
     * overwrite what [ssh] sets explicitly below. */
    if (*cfg->config) {
        if (access(cfg->config, R_OK) != 0) {
            snprintf(err, errn, "cannot read the ssh config %s: %s", cfg->config,
                     strerror(errno));
            return -1;
        }
        if (ssh_options_parse_config(s, cfg->config) < 0) {
            snprintf(err, errn, "%s: libssh cannot use it: %s", cfg->config, ssh_get_error(s));
            return -1;
        }
    } else if (ssh_options_parse_config(s, NULL) < 0) {
        snprintf(err, errn, "~/.ssh/config: libssh cannot use it: %s", ssh_get_error(s));
        return -1;
    }
    if (cfg->port > 0) {
        int port = cfg->port;
        if (ssh_options_set(s, SSH_OPTIONS_PORT, &port) < 0)
            goto bad;
    }
    /* DOMAIN\user goes in the userauth requests instead (sshauth_ctx.login) */
    if (*cfg->user && !strchr(cfg->user, '\\') && ssh_options_set(s, SSH_OPTIONS_USER, cfg->user) < 0)
        goto bad;
    if (*cfg->known_hosts && ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, cfg->known_hosts) < 0)
        goto bad;
    if (*gkh && ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, gkh) < 0)
        goto bad;
    if (*cfg->identity) {
        if (access(cfg->identity, R_OK) != 0) {
            snprintf(err, errn, "cannot read the identity %s: %s", cfg->identity,
                     strerror(errno));
            return -1;
        }
        if (ssh_options_set(s, SSH_OPTIONS_IDENTITY, cfg->identity) < 0)
            goto bad;
    }
    /* No Nagle: every exchange here is a small request that waits for its
     * answer (channel open, exec, exit status).  With Nagle on, a request
     * sent while our previous small packet is unacknowledged waits for the
     * server's delayed ACK (40 ms on Linux, 200 ms on Windows by default),
     * once per step: measured +40 ms per channel open in the rolling bench
     * (BENCHMARKS.md, issue 13).  libssh applies it to the socket it
     * connects itself (not to a ProxyCommand's). */
    int nodelay = 1;
    if (ssh_options_set(s, SSH_OPTIONS_NODELAY, &nodelay) < 0)
        goto bad;
    set_timeout(s, timeout_ms);
    return 0;
bad:
    snprintf(err, errn, "%s: bad ssh option: %s", w->host, ssh_get_error(s));
    return -1;
}

/* libssh sets none of these itself (§1.6): they turn a silently vanished
 * peer into a socket error the blocking calls report. */
static void tune_socket(struct ssh_worker *w, int fd)
{
    /* libssh's socket is not close-on-exec: keep it out of child processes. */
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
        fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    int on = 1;
    int ka = (int)(w->tp->cfg.keepalive / 1000);
    if (ka < 1)
        ka = 1;
    int intvl = ka / 3 > 0 ? ka / 3 : 1, cnt = 3;
    unsigned user_timeout = (unsigned)(3 * w->tp->cfg.keepalive);
    if (user_timeout < 10000)
        user_timeout = 10000;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &ka, sizeof ka);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
}

/* The peer's address, for the operator ("host:port") and for the restart
 * follow-up, which probes that same address for the port to answer again
 * (ssh_restart.c). Not a TCP socket (a ProxyCommand's pipe): no address, and
 * the follow-up falls back to timed retries. */
static void describe_peer(struct ssh_worker *w, int fd)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl = sizeof ss;
    char addr[INET6_ADDRSTRLEN] = "?";
    w->peer_len = 0;
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, addr, sizeof addr);
            snprintf(w->peer, sizeof w->peer, "%s:%d", addr, ntohs(a->sin_port));
            w->peer_sa = ss;
            w->peer_len = sl;
            return;
        }
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof addr);
            snprintf(w->peer, sizeof w->peer, "[%s]:%d", addr, ntohs(a->sin6_port));
            w->peer_sa = ss;
            w->peer_len = sl;
            return;
        }
    }
    snprintf(w->peer, sizeof w->peer, "?");
}

/* ---- authentication glue ------------------------------------------------ */

static int ask_cb(void *ud, enum pp_prompt_kind kind, const char *text, bool echo, char *out,
                  size_t outn, bool *remember)
{
    struct ssh_worker *w = ud;
    if (w->quiet) { /* an eager connect asks nothing: "no answer", give up */
        if (remember)
            *remember = false;
        return -1;
    }
    return ssht_ask(ud, kind, text, echo, out, outn, remember);
}
static bool recall_cb(void *ud, int which, char *out, size_t outn)
{
    return ssht_recall(ud, which, out, outn);
}
static void remember_cb(void *ud, int which, const char *secret)
{
    ssht_remember(ud, which, secret);
}
static void alog_cb(void *ud, const char *text)
{
    struct ssh_worker *w = ud;
    if (!w->quiet)
        ssht_logf(w, 0, "%s: %s", w->host, text);
}

/* libssh's passphrase callback during an eager connect: no passphrase. */
static int quiet_passphrase_cb(const char *prompt, char *buf, size_t len, int echo, int verify,
                               void *userdata)
{
    (void)prompt;
    (void)buf;
    (void)len;
    (void)echo;
    (void)verify;
    (void)userdata;
    return -1;
}

/* ---- open / close ------------------------------------------------------- */

static void drop(struct ssh_worker *w, ssh_session s)
{
    ssht_publish_fd(w, -1);
    ssh_disconnect(s);
    ssh_free(s);
}

ssh_session sshs_open(struct ssh_worker *w, int64_t timeout_ms, int *fatal, char *err,
                      size_t errn)
{
    *fatal = 0;
    ssh_session s = ssh_new();
    if (!s) {
        snprintf(err, errn, "%s: out of memory", w->host);
        return NULL;
    }
    if (configure(w, s, timeout_ms, err, errn) < 0) {
        *fatal = 1;
        ssh_free(s);
        return NULL;
    }
    memset(&w->scb, 0, sizeof w->scb);
    w->scb.userdata = w;
    w->scb.auth_function = w->quiet ? quiet_passphrase_cb : sshauth_passphrase_cb;
    ssh_callbacks_init(&w->scb);
    ssh_set_callbacks(s, &w->scb);

    if (ssh_connect(s) != SSH_OK) {
        snprintf(err, errn, "cannot connect to %s: %s", w->host, ssh_get_error(s));
        ssh_free(s);
        return NULL;
    }
    int fd = ssh_get_fd(s);
    ssht_publish_fd(w, fd);
    if (ssht_stopping(w)) {
        snprintf(err, errn, "%s: stopping", w->host);
        drop(w, s);
        return NULL;
    }
    tune_socket(w, fd);
    describe_peer(w, fd);
    char *user = NULL;
    bool domain_login = strchr(w->tp->cfg.user, '\\') != NULL;
    if (domain_login) {
        snprintf(w->user, sizeof w->user, "%s", w->tp->cfg.user);
    } else if (ssh_options_get(s, SSH_OPTIONS_USER, &user) == SSH_OK && user) {
        snprintf(w->user, sizeof w->user, "%s", user);
        ssh_string_free_char(user);
    }

    /* An eager connect goes on only with a key known_hosts vouches for:
     * anything else is a question (or a refusal) for the first command. */
    if (w->quiet && ssh_session_is_known_server(s) != SSH_KNOWN_HOSTS_OK) {
        snprintf(err, errn, "%s: the host key needs the operator", w->host);
        *fatal = 1;
        drop(w, s);
        return NULL;
    }
    if (sshhk_check(w, s, err, errn) < 0) {
        *fatal = 1;
        drop(w, s);
        return NULL;
    }

    struct sshauth_ctx a = {
        .s = s, .mode = w->tp->cfg.auth, .host = w->host, .user = w->user,
        .login = domain_login ? w->user : NULL,
        .identity = w->tp->cfg.identity,
        .ask = ask_cb, .recall = recall_cb, .remember = remember_cb, .log = alog_cb, .ud = w,
    };
    int why = 0;
    if (sshauth_run(&a, &why, err, errn) < 0) {
        *fatal = why;
        drop(w, s);
        return NULL;
    }
    /* Reset the timeout: a restart may have shortened it for this connect. */
    set_timeout(s, w->tp->cfg.connect_timeout);
    return s;
}

void sshs_close(struct ssh_worker *w)
{
    if (!w->s)
        return;
    /* Channels first: ssh_disconnect frees them behind our back (§1.5).
     * The persistent shell belongs to this connection: a new one gets a
     * new shell, and tries one again if this one's failed. */
    sshsh_close(w);
    w->shell_off = false;
    for (struct ssh_cmd *c = w->active; c; c = c->next)
        if (c->ch) {
            ssh_channel_free(c->ch);
            c->ch = NULL;
        }
    drop(w, w->s);
    w->s = NULL;
}

bool sshs_keepalive(struct ssh_worker *w)
{
    if (!w->s || !ssh_is_connected(w->s))
        return false;
    /* ssh_send_keepalive waits for the reply (up to the session timeout)
     * but throws the result away (§1.6): a wait that lasts the whole
     * timeout means nobody answered. */
    int64_t t0 = ssht_now();
    ssh_send_keepalive(w->s);
    int64_t took = ssht_now() - t0;
    if (!ssh_is_connected(w->s))
        return false;
    int64_t limit = w->tp->cfg.connect_timeout;
    return took < limit - limit / 10;
}

bool sshs_probe(struct ssh_worker *w, char *err, size_t errn)
{
    ssh_channel ch = ssh_channel_new(w->s);
    if (!ch) {
        snprintf(err, errn, "%s: cannot create a channel", w->host);
        return false;
    }
    int rc = ssh_channel_open_session(ch);
    if (rc != SSH_OK) {
        snprintf(err, errn, "%s accepts connections but no sessions yet: %s", w->host,
                 rc == SSH_AGAIN ? "timed out" : ssh_get_error(w->s));
        ssh_channel_free(ch);
        return false;
    }
    ssh_channel_close(ch);
    ssh_channel_free(ch);
    return true;
}
