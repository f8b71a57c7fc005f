/* Following a restart on the server: the command returned, so first see
 * the connection drop (the old system going down), then reconnect until the
 * server is back or the step's deadline passes.  The restart step ends OK
 * only on a fresh logon that can open a session channel; whether the server
 * really rebooted is the verify step's question (profiles.c: LastBootUpTime).
 *
 * Reconnecting "as soon as the port answers" (issue 13): between the
 * scheduled SSH attempts (sshw_retry_delay) the worker watches the server's
 * TCP port itself, every SSHT_PORT_POLL_MS while it is refused, and tries
 * SSH the moment a connect succeeds.  A refused connect costs one SYN and
 * one RST and nothing on the server; only the connect that succeeds is a
 * connection sshd sees (closed before its banner, so it logs one
 * "connection closed" line per restart). */
#include "backend/transport/ssh/ssh_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Sleeps until `until` unless c is cancelled or the transport stops. */
static void nap_until(struct ssh_worker *w, struct ssh_cmd *c, int64_t until)
{
    for (int64_t now = ssht_now(); now < until && !ssht_cancelled(w, c); now = ssht_now()) {
        ssht_sweep(w);
        ssht_nap(w, min64(until - now, 1000));
    }
}

int64_t sshw_retry_delay(int64_t down_ms)
{
    int64_t d = down_ms / SSHT_RETRY_DIVISOR;
    return d < SSHT_RETRY_MIN_MS ? SSHT_RETRY_MIN_MS : d > SSHT_RETRY_MAX_MS ? SSHT_RETRY_MAX_MS : d;
}

/* Waits until `until` for a sign of the drop: the socket turns readable
 * (the server closed it: FIN or RST, or sent a packet the keepalive will
 * read) or hangs up.  Seeing it needs nothing sent, so a drop is noticed at
 * once; the caller's keepalives cover a peer that vanished silently.
 * Returns early, too, when c is cancelled or the transport stops (free()
 * shuts the socket down, which also wakes poll).  True = woken early by
 * the socket. */
static bool await_drop(struct ssh_worker *w, struct ssh_cmd *c, int64_t until)
{
    int fd = ssh_get_fd(w->s);
    for (int64_t now = ssht_now(); now < until && !ssht_cancelled(w, c); now = ssht_now()) {
        ssht_sweep(w);
        if (fd < 0 || !ssh_is_connected(w->s))
            return true;
        /* the socket, and wake_fd for a cancel or stop: no tick */
        struct pollfd p[2] = {{fd, POLLIN | POLLRDHUP, 0}, {w->wake_fd, POLLIN, 0}};
        int rc = poll(p, 2, (int)min64(until - now, SSHT_WAIT_MAX_MS));
        if (rc > 0 && (p[1].revents & POLLIN))
            ssht_wake_clear(w);
        if (rc < 0 || p[0].revents)
            return true; /* readable, hung up, or poll failed: the keepalive decides */
    }
    return false;
}

/* Until `until`: watches the port of the server's last direct connection
 * (w->peer_sa) and returns true as soon as it accepts a TCP connection
 * (closed at once: the SSH attempt that follows opens its own).  Refused or
 * unreachable: another try after SSHT_PORT_POLL_MS.  No answer at all (a
 * host that is down drops the SYN): the same connect waits, up to
 * SSHT_PORT_SYN_MS, then a new one.  Without a direct address (a
 * ProxyCommand session, no connection yet) it only sleeps, as before.
 * False at `until`, or early when c is cancelled or the transport stops. */
static bool await_port(struct ssh_worker *w, struct ssh_cmd *c, int64_t until)
{
    if (w->peer_len == 0) {
        nap_until(w, c, until);
        return false;
    }
    int fd = -1;
    int64_t sent = 0;
    bool open = false;
    for (int64_t now = ssht_now(); now < until && !ssht_cancelled(w, c); now = ssht_now()) {
        ssht_sweep(w);
        if (fd < 0) {
            fd = socket(w->peer_sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0) {   /* out of descriptors: fall back to the schedule */
                nap_until(w, c, until);
                return false;
            }
            sent = now;
            if (connect(fd, (struct sockaddr *)&w->peer_sa, w->peer_len) == 0) {
                open = true;
                break;
            }
            if (errno != EINPROGRESS) {   /* refused, unreachable: not up yet */
                close(fd);
                fd = -1;
                nap_until(w, c, min64(now + SSHT_PORT_POLL_MS, until));
                continue;
            }
        }
        struct pollfd p[2] = {{fd, POLLOUT, 0}, {w->wake_fd, POLLIN, 0}};
        int rc = poll(p, 2, (int)min64(until - now, SSHT_PORT_SYN_MS));
        if (rc > 0 && (p[1].revents & POLLIN))
            ssht_wake_clear(w);   /* a cancel or stop: the loop's test sees it */
        if (rc > 0 && p[0].revents) {
            int e = 0;
            socklen_t el = sizeof e;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e == 0) {
                open = true;
                break;
            }
            close(fd);
            fd = -1;
            nap_until(w, c, min64(ssht_now() + SSHT_PORT_POLL_MS, until));
        } else if (ssht_now() - sent >= SSHT_PORT_SYN_MS) {
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0)
        close(fd);
    return open;
}

void sshw_restart_follow(struct ssh_worker *w, struct ssh_cmd *c, bool dropped)
{
    char msg[2048];
    if (!dropped) {
        /* Restart-Computer returns before the host goes down: reconnecting
         * now would find the old system and call it "back".  So first see
         * the connection drop: the socket is watched all the time, and a
         * keepalive goes out at the retry schedule's pace (the first after
         * SSHT_RETRY_MIN_MS), for a peer that vanishes without a word. */
        ssht_logf(w, c->id, "%s: restart command returned; waiting for the connection to drop",
                  w->host);
        int64_t returned = ssht_now();
        for (;;) {
            if (ssht_cancelled(w, c)) {
                sshw_finish(w, c, PP_RES_CANCELLED, -1, NULL);
                return;
            }
            if (ssht_now() >= ssht_deadline(w, c)) {
                snprintf(msg, sizeof msg,
                         "%s: did not go down: the connection never dropped after the restart "
                         "command",
                         w->host);
                sshw_finish(w, c, PP_RES_TIMEOUT, -1, msg);
                return;
            }
            int64_t now = ssht_now();
            bool woken = await_drop(w, c, min64(now + sshw_retry_delay(now - returned),
                                                ssht_deadline(w, c)));
            if (ssht_cancelled(w, c))
                continue; /* reported at the top */
            if (!sshs_keepalive(w))
                break;
            /* Woken by a packet, not a drop (the keepalive has read it): a
             * talkative server must not turn this into a busy loop. */
            if (woken)
                nap_until(w, c, min64(ssht_now() + SSHT_TICK_MS, ssht_deadline(w, c)));
        }
    }
    sshs_close(w);
    ssht_status(w, "restarting: waiting for it to come back");
    ssht_logf(w, c->id, "%s: the connection dropped as expected; waiting for it to come back",
              w->host);
    /* Reconnect on a schedule that stays short while a quick restart is
     * likely and stretches for a long reboot (sshw_retry_delay): a refused
     * connect costs nothing, a server that answers but is not ready yet
     * costs it a key exchange, so those attempts wait a little longer. */
    int64_t down_at = ssht_now(), next_try = down_at + SSHT_RETRY_MIN_MS;
    int64_t last_log = 0;
    char last_msg[sizeof msg] = "";
    bool reached = false;
    for (int attempt = 1;; attempt++) {
        /* A server whose port answered but that did not let us in yet keeps
         * to the schedule: watching a port that is open would retry at once. */
        if (reached)
            nap_until(w, c, min64(next_try, ssht_deadline(w, c)));
        else
            await_port(w, c, min64(next_try, ssht_deadline(w, c)));
        if (ssht_cancelled(w, c)) {
            sshw_finish(w, c, PP_RES_CANCELLED, -1, NULL);
            return;
        }
        int64_t left = ssht_deadline(w, c) - ssht_now();
        if (left <= 0) {
            snprintf(msg, sizeof msg,
                     "%s: did not come back within %llds of the restart (%d attempts to "
                     "reconnect)",
                     w->host, (long long)((ssht_now() - c->t_start) / 1000), attempt - 1);
            ssht_status(w, "down: did not come back");
            sshw_finish(w, c, PP_RES_TIMEOUT, -1, msg);
            return;
        }
        int fatal = 0;
        reached = false;
        w->s = sshs_open(w, min64(w->tp->cfg.connect_timeout, left), &fatal, msg, sizeof msg);
        if (w->s) {
            char perr[512];
            if (sshs_probe(w, perr, sizeof perr)) {
                w->next_keepalive = ssht_now() + w->tp->cfg.keepalive;
                w->announced = true;
                ssht_status(w, "connected (%s)", w->peer);
                ssht_logf(w, c->id, "%s: back after %llds (attempt %d)", w->host,
                          (long long)((ssht_now() - down_at) / 1000), attempt);
                sshw_finish(w, c, PP_RES_OK, 0, NULL);
                return;
            }
            sshs_close(w);
            snprintf(msg, sizeof msg, "%s", perr);
            reached = true;
        } else if (fatal == 1) {
            ssht_status(w, "refused: %s", msg);
            sshw_finish(w, c, PP_RES_FAILED, -1, msg);
            return;
        } else if (fatal == 2) {
            reached = true;
        }
        /* Refused, timed out, or not accepting logins yet (a server whose
         * directory service is still starting can deny a good password).
         * Logged on the first attempt, when the reason changes, and then
         * every SSHT_RETRY_LOG_MS: at this pace every attempt would flood
         * the log during a long reboot. */
        int64_t now = ssht_now();
        if (attempt == 1 || strcmp(msg, last_msg) != 0 || now - last_log >= SSHT_RETRY_LOG_MS) {
            ssht_logf(w, c->id, "%s: not back yet (attempt %d): %s", w->host, attempt, msg);
            snprintf(last_msg, sizeof last_msg, "%s", msg);
            last_log = now;
        }
        int64_t gap = sshw_retry_delay(now - down_at);
        if (reached && gap < SSHT_RETRY_REACHED_MS)
            gap = SSHT_RETRY_REACHED_MS;
        next_try = now + gap;
    }
}
