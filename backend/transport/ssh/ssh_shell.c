/* The persistent POSIX shell ([ssh] persistent_shell = yes): one `sh`
 * per connection that runs the steps sent on its stdin, one at a time,
 * instead of a session channel per step.  A channel per step makes sshd
 * fork a session and start the login shell for every step: 20-40 ms each
 * on the benchmark pool, most of poolpilot's overhead per domain
 * (BENCHMARKS.md, issue 13).  Writing a step to a shell that is already
 * running costs one round trip.
 *
 * Each step is framed on the shell's stdin as
 *
 *     printf '%s S\n' 'TAG'; printf '%s S\n' 'TAG' >&2
 *     ( COMMAND
 *     ) </dev/null
 *     printf '%s E %d\n' 'TAG' "$?"; printf '%s E\n' 'TAG' >&2
 *
 * where TAG = @@POOLPILOT-SH-<64 random bits>-<sequence>: never sent
 * anywhere but on this stdin, so a step's own output cannot fake it.
 *  - COMMAND is remote_wrap()'s `sh -c '...'; ...; exit $pp_rc`: it runs
 *    in a subshell, so its `exit`, `cd`, variables and `set` stay in it.
 *    The `)` stands on its own line: a script whose last line is a comment
 *    cannot swallow it.  The shell parses the whole ( ... ) list before it
 *    runs any of it, so a step sent half (a connection lost while writing)
 *    has not run.
 *  - </dev/null: the step cannot read the framing that follows it.
 *  - The start markers say the shell is alive and the step begins: a shell
 *    that ends before them never ran it (the step gets a channel of its
 *    own, and the shell is not tried again on this connection); one that
 *    ends after them leaves the outcome unknown (LOST, as a dropped
 *    connection does).
 *  - The end markers come after everything the step wrote to each stream
 *    (each stream keeps its order; they are separate streams, so both are
 *    awaited).  Bytes outside a step's markers are not its output: they are
 *    counted and logged, never given to the runner (a readiness answer
 *    must not gain a stranger's line).
 * A step cancelled or timed out closes the shell (it may still run there,
 * as a channel's command does: no pty, so nothing stops it); the next step
 * starts a new one.  PowerShell steps never come here (validate.c,
 * docs/POWERSHELL.md). */
#include "backend/transport/ssh/ssh_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define TAG_MAX 64
/* bytes a partial marker line may hold back: the tag and " E 255\n" */
#define HOLD_MAX (TAG_MAX + 32)

struct scan {
    char hold[HOLD_MAX];   /* bytes that may begin a marker line */
    size_t n;
    int phase;             /* 0 before the start marker, 1 the step's output, 2 after its end */
};

struct ssh_shell {
    struct ssh_worker *w;
    ssh_channel ch;
    struct ssh_channel_callbacks_struct cb;   /* must outlive ch */
    bool closed;                              /* the channel closed or the shell exited */
    uint64_t nonce;
    struct ssh_cmd *cur;                      /* the step running in it, NULL = idle */
    char tag[TAG_MAX];
    size_t taglen;
    struct scan out, err;
    int status;                               /* the stdout end marker's exit status */
    size_t stray;                             /* bytes outside the step's markers */
};

static void on_shell_exit(ssh_session s, ssh_channel ch, int status, void *ud)
{
    (void)s;
    (void)ch;
    (void)status;
    ((struct ssh_shell *)ud)->closed = true;
    ((struct ssh_shell *)ud)->w->stirred = true;
}

static void on_shell_close(ssh_session s, ssh_channel ch, void *ud)
{
    (void)s;
    (void)ch;
    ((struct ssh_shell *)ud)->closed = true;
    ((struct ssh_shell *)ud)->w->stirred = true;
}

static int on_shell_data(ssh_session s, ssh_channel ch, void *data, uint32_t len, int is_stderr,
                         void *ud)
{
    return sshw_on_data(s, ch, data, len, is_stderr, &((struct ssh_shell *)ud)->w->stirred);
}

static void on_shell_eof(ssh_session s, ssh_channel ch, void *ud)
{
    sshw_on_eof(s, ch, &((struct ssh_shell *)ud)->w->stirred);
}

bool sshsh_wanted(const struct ssh_worker *w, const struct ssh_cmd *c)
{
    return w->tp->cfg.persistent_shell && !w->shell_off && !c->copy && !c->internal &&
           !c->no_shell && !(w->shell && w->shell->cur);
}

void sshsh_close(struct ssh_worker *w)
{
    struct ssh_shell *sh = w->shell;
    if (!sh)
        return;
    if (sh->ch) {
        /* as close_channel(): no callback into freed memory afterwards */
        ssh_remove_channel_callbacks(sh->ch, &sh->cb);
        if (w->s && ssh_is_connected(w->s))
            ssh_channel_close(sh->ch);   /* ends the shell's stdin: sh exits */
        ssh_channel_free(sh->ch);
    }
    free(sh);
    w->shell = NULL;
}

void sshsh_detach(struct ssh_worker *w, struct ssh_cmd *c)
{
    struct ssh_shell *sh = w->shell;
    if (!sh || sh->cur != c)
        return;
    sh->cur = NULL;
    if (!c->shell_done)
        sshsh_close(w);
}

/* Opens the shell: START_OK, START_DEAD or START_NO_SHELL.  Quiet (the
 * eager connect's): a failure is not logged nor remembered, so the first
 * step tries again and says what went wrong. */
static int shell_open(struct ssh_worker *w, bool quiet)
{
    struct ssh_shell *sh = calloc(1, sizeof *sh);
    if (!sh)
        return START_NO_SHELL;
    const char *why = NULL;
    sh->ch = ssh_channel_new(w->s);
    if (!sh->ch) {
        why = "cannot create a channel";
    } else {
        sh->w = w;
        sh->cb.userdata = sh;
        sh->cb.channel_data_function = on_shell_data;
        sh->cb.channel_eof_function = on_shell_eof;
        sh->cb.channel_exit_status_function = on_shell_exit;
        sh->cb.channel_close_function = on_shell_close;
        ssh_callbacks_init(&sh->cb);
        ssh_set_channel_callbacks(sh->ch, &sh->cb);
        /* `exec sh -s`: the login shell (sshd runs every command through
         * it) becomes a POSIX sh reading commands from stdin, whatever the
         * login shell is */
        if (ssh_channel_open_session(sh->ch) != SSH_OK ||
            ssh_channel_request_exec(sh->ch, "exec sh -s") != SSH_OK)
            why = ssh_get_error(w->s);
    }
    if (why) {
        bool dead = !ssh_is_connected(w->s);
        if (!dead && !quiet)
            ssht_logf(w, 0, "%s: the persistent shell did not start (%s): each step gets a "
                      "channel of its own on this connection", w->host, why);
        w->shell = sh;
        sshsh_close(w);
        if (dead)
            return START_DEAD;
        w->shell_off = !quiet;
        return START_NO_SHELL;
    }
    if (getrandom(&sh->nonce, sizeof sh->nonce, 0) != (ssize_t)sizeof sh->nonce)
        sh->nonce = (uint64_t)ssht_now() * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)sh;
    w->shell = sh;
    return START_OK;
}

/* The step's text for the shell's stdin (see the top of this file). */
static char *frame(const struct ssh_shell *sh, const char *command)
{
    static const char fmt[] =
        "printf '%%s S\\n' '%s'; printf '%%s S\\n' '%s' >&2\n"
        "( %s\n"
        ") </dev/null\n"
        "printf '%%s E %%d\\n' '%s' \"$?\"; printf '%%s E\\n' '%s' >&2\n";
    size_t n = sizeof fmt + strlen(command) + 4 * sh->taglen;
    char *t = malloc(n);
    if (t)
        snprintf(t, n, fmt, sh->tag, sh->tag, command, sh->tag, sh->tag);
    return t;
}

void sshsh_prepare(struct ssh_worker *w)
{
    if (w->s && w->tp->cfg.persistent_shell && !w->shell && !w->shell_off)
        (void)shell_open(w, true);
}

int sshsh_start(struct ssh_worker *w, struct ssh_cmd *c)
{
    if (!w->shell) {
        int r = shell_open(w, false);
        if (r != START_OK)
            return r;
    }
    struct ssh_shell *sh = w->shell;
    if (sh->closed) {   /* it ended while idle: a new one */
        sshsh_close(w);
        return sshsh_start(w, c);
    }
    c->shell_seq = ++w->shell_seq;
    sh->taglen = (size_t)snprintf(sh->tag, sizeof sh->tag, "@@POOLPILOT-SH-%016" PRIx64 "-%" PRIu64,
                                  sh->nonce, c->shell_seq);
    memset(&sh->out, 0, sizeof sh->out);
    memset(&sh->err, 0, sizeof sh->err);
    sh->status = -1;
    char *text = frame(sh, c->command);
    if (!text) {
        ssht_end(w, c, PP_RES_FAILED, -1, "out of memory");
        return START_ENDED;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        int k = ssh_channel_write(sh->ch, text + off, (uint32_t)(len - off));
        if (k <= 0)
            break;
        off += (size_t)k;
    }
    free(text);
    if (off < len) {
        bool dead = !ssh_is_connected(w->s);
        char msg[512];
        snprintf(msg, sizeof msg, "%s: %s while sending the command to the persistent shell (%s): "
                 "it may or may not have started", w->host,
                 dead ? "connection lost" : "the shell stopped reading", ssh_get_error(w->s));
        sshsh_close(w);
        ssht_end(w, c, PP_RES_LOST, -1, msg);
        return dead ? START_LOST_DEAD : START_ENDED;
    }
    c->in_shell = true;
    sh->cur = c;
    return START_OK;
}

/* ---- reading the framed output ---- */

/* Text of one stream at the scanner's phase: the step's own output goes
 * on, anything else is counted. */
static void pass(struct ssh_worker *w, struct ssh_cmd *c, struct scan *sc, bool is_err,
                 const char *p, size_t n)
{
    if (sc->phase != 1) {
        w->shell->stray += n;
        return;
    }
    /* held bytes and a full read together may exceed SSHT_CHUNK, the
     * largest OUTPUT event (ssh_internal.h) */
    for (size_t k; n; p += k, n -= k) {
        k = n < SSHT_CHUNK ? n : SSHT_CHUNK;
        sshw_emit(w, c, is_err, p, k);
    }
}

/* A marker line's rest after the tag: " S", " E" or " E <status>".
 * Returns 'S', 'E' (with *status) or 0 when it is not one of ours. */
static int marker_kind(const char *p, size_t n, int *status)
{
    if (n == 2 && p[0] == ' ' && p[1] == 'S')
        return 'S';
    if (n < 2 || p[0] != ' ' || p[1] != 'E')
        return 0;
    *status = -1;
    if (n == 2)
        return 'E';
    if (p[2] != ' ' || n > 12)
        return 0;
    int v = 0;
    for (size_t i = 3; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (p[i] - '0');
    }
    *status = v;
    return n > 3 ? 'E' : 0;
}

/* Scans buf (the held bytes, then what was just read) for TAG lines. */
static void scan_feed(struct ssh_worker *w, struct ssh_cmd *c, struct scan *sc, bool is_err,
                      const char *buf, size_t len)
{
    struct ssh_shell *sh = w->shell;
    const char *tag = sh->tag;
    size_t tl = sh->taglen, pos = 0;
    sc->n = 0;
    while (pos < len) {
        const char *p = memmem(buf + pos, len - pos, tag, tl);
        if (!p) {
            /* the longest tail that may begin the tag waits for more */
            size_t rest = len - pos, k = rest < tl - 1 ? rest : tl - 1;
            while (k && memcmp(buf + len - k, tag, k))
                k--;
            pass(w, c, sc, is_err, buf + pos, rest - k);
            memcpy(sc->hold, buf + len - k, k);
            sc->n = k;
            return;
        }
        pass(w, c, sc, is_err, buf + pos, (size_t)(p - (buf + pos)));
        const char *body = p + tl, *end = buf + len;
        const char *nl = memchr(body, '\n', (size_t)(end - body));
        if (!nl) {
            if ((size_t)(end - p) <= sizeof sc->hold) {
                memcpy(sc->hold, p, (size_t)(end - p));
                sc->n = (size_t)(end - p);
                return;
            }
            nl = NULL;
        }
        int status = -1;
        int kind = nl ? marker_kind(body, (size_t)(nl - body), &status) : 0;
        if (!kind) {   /* the tag without a marker's ending: not a marker */
            pass(w, c, sc, is_err, p, tl);
            pos = (size_t)(body - buf);
            continue;
        }
        if (kind == 'S' && sc->phase == 0) {
            sc->phase = 1;
            if (!is_err)
                c->shell_started = true;
        } else if (kind == 'E' && sc->phase == 1) {
            sc->phase = 2;
            if (!is_err)
                sh->status = status;
        }
        pos = (size_t)(nl + 1 - buf);
    }
}

int sshsh_drain(struct ssh_worker *w, struct ssh_cmd *c, bool *more)
{
    static _Thread_local char buf[SSHT_CHUNK + HOLD_MAX];
    struct ssh_shell *sh = w->shell;
    bool ended_stream = false;
    for (int is_err = 0; is_err < 2; is_err++) {
        struct scan *sc = is_err ? &sh->err : &sh->out;
        int k = 0;
        for (; k < 32 && sc->phase < 2; k++) {
            if (ssht_backlogged(w))
                return SV_RUNNING;
            memcpy(buf, sc->hold, sc->n);
            int n = ssh_channel_read_nonblocking(sh->ch, buf + sc->n, SSHT_CHUNK, is_err);
            if (n > 0) {
                scan_feed(w, c, sc, is_err, buf, sc->n + (size_t)n);
                continue;
            }
            if (n == 0)
                break;
            if (n != SSH_EOF && ssh_is_connected(w->s)) {
                char msg[512];
                snprintf(msg, sizeof msg, "%s: reading the command's output failed: %s",
                         w->host, ssh_get_error(w->s));
                sshw_finish(w, c, PP_RES_LOST, -1, msg);
                return SV_DONE;
            }
            ended_stream = true;
            break;
        }
        if (k == 32)
            *more = true;
    }
    if (sh->out.phase == 2 && sh->err.phase == 2) {
        if (sh->stray)
            ssht_logf(w, c->id, "%s: %zu byte(s) of output came from the persistent shell "
                      "outside any step (a background process of an earlier step?): not "
                      "shown as this step's", w->host, sh->stray);
        sh->stray = 0;
        sshw_emit_end(w, c);
        c->exit_status = sh->status;
        c->got_exit = sh->status >= 0;
        c->shell_done = true;
        return SV_ENDED;
    }
    if (*more)
        return SV_RUNNING;
    if (!ssh_is_connected(w->s))
        return SV_DEAD;
    if (!ended_stream && !sh->closed && !ssh_channel_is_eof(sh->ch))
        return SV_RUNNING;
    /* the close or exit status may have been read after the last data:
     * what is still buffered is read before the shell counts as gone */
    if (ssh_channel_poll(sh->ch, 0) > 0 || ssh_channel_poll(sh->ch, 1) > 0) {
        *more = true;
        return SV_RUNNING;
    }
    /* the shell is gone before the step's end markers */
    if (!c->shell_started) {
        /* it never ran: once more on a channel of its own, and no shell
         * again on this connection (a server without sh, a login shell
         * that exits at once) */
        ssht_logf(w, c->id, "%s: the persistent shell ended before the step started: each "
                  "step gets a channel of its own on this connection", w->host);
        sshsh_detach(w, c);
        w->shell_off = true;
        c->in_shell = false;
        c->no_shell = true;
        ssht_active_remove(w, c);
        ssht_requeue(w, c);
        return SV_DONE;
    }
    char msg[512];
    snprintf(msg, sizeof msg, "%s: the persistent shell ended during the command: its outcome "
             "is unknown", w->host);
    sshw_finish(w, c, PP_RES_LOST, -1, msg);
    return SV_DONE;
}
