/* Copying the update package to a server over SFTP (poolpilot --stage), on
 * the worker's own session: the same connection, host-key check and logon
 * as the commands, and the only other libssh user in the tree is this
 * folder.
 *
 * Resume: a remote file shorter than the local one is an interrupted copy
 * and continues from its size (the caller hashes the whole file on the
 * server afterwards, and asks for a fresh copy if the prefix was not
 * ours).  A remote file as long or longer is rewritten from byte 0: a size
 * match proves nothing, and only the hash decides.
 *
 * libssh 0.10's sftp_write() waits for each write's status, so throughput
 * is one chunk per round trip; SSHT_COPY_CHUNK is as large as sftp-server
 * accepts.  Every blocking call is bounded by the session timeout. */
#include "backend/transport/ssh/ssh_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libssh/sftp.h>

size_t sshcp_next_chunk(uint64_t left, uint64_t rate, uint64_t sent, int64_t elapsed_ms)
{
    uint64_t n = left < SSHT_COPY_CHUNK ? left : SSHT_COPY_CHUNK;
    if (rate == 0)
        return (size_t)n;
    /* the bytes allowed so far, plus one small burst so a slow cap still
     * starts at once */
    uint64_t burst = rate / 10 < SSHT_COPY_CHUNK ? rate / 10 : SSHT_COPY_CHUNK;
    if (burst == 0)
        burst = 1;
    uint64_t allowed = (uint64_t)(elapsed_ms < 0 ? 0 : elapsed_ms) * rate / 1000 + burst;
    if (allowed <= sent)
        return 0;
    return (size_t)(allowed - sent < n ? allowed - sent : n);
}

static const char *sftp_why(sftp_session sf, ssh_session s)
{
    switch (sf ? sftp_get_error(sf) : -1) {
    case SSH_FX_NO_SUCH_FILE: return "no such file or directory";
    case SSH_FX_PERMISSION_DENIED: return "permission denied";
    case SSH_FX_NO_SUCH_PATH: return "no such path";
    case SSH_FX_FILE_ALREADY_EXISTS: return "file already exists";
    case SSH_FX_WRITE_PROTECT: return "write-protected";
    case SSH_FX_NO_MEDIA: return "no media";
    /* sftp-server answers a failed write (disk full, file too large,
     * quota) with the generic failure: say what it most likely is */
    case SSH_FX_FAILURE: return "the server could not write (disk full or quota?)";
    default: return ssh_get_error(s);
    }
}

/* mkdir -p, ignoring failures: the open that follows reports what matters
 * ("/C:" itself cannot be made, and need not be). */
static void make_parents(sftp_session sf, const char *path)
{
    char buf[PP_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; (p = strchr(p, '/')); p++) {
        *p = 0;
        sftp_attributes a = sftp_stat(sf, buf);
        if (a)
            sftp_attributes_free(a);
        else
            (void)sftp_mkdir(sf, buf, 0755);
        *p = '/';
    }
}

struct copy_run {
    struct ssh_worker *w;
    struct ssh_cmd *c;
    sftp_session sf;
    sftp_file f;
    FILE *in;
    uint64_t total, done;
    bool timed_out;
    char why[1024];
};

/* 1 = ended normally (ok or failed), -1 = the connection died. */
static int copy_body(struct copy_run *k)
{
    struct ssh_worker *w = k->w;
    struct ssh_cmd *c = k->c;
    struct stat st;
    if (!(k->in = fopen(c->local, "rb")) || fstat(fileno(k->in), &st) < 0) {
        snprintf(k->why, sizeof k->why, "%s: %s", c->local, strerror(errno));
        return 1;
    }
    k->total = (uint64_t)st.st_size;
    if (!(k->sf = sftp_new(w->s)) || sftp_init(k->sf) != SSH_OK) {
        if (!ssh_is_connected(w->s))
            return -1;
        snprintf(k->why, sizeof k->why, "%s: the server offers no SFTP subsystem: %s", w->host,
                 ssh_get_error(w->s));
        return 1;
    }
    uint64_t from = 0;
    sftp_attributes a = c->fresh ? NULL : sftp_stat(k->sf, c->remote);
    if (a) {
        if (a->size < k->total)
            from = a->size;
        sftp_attributes_free(a);
    }
    if (from == 0)
        make_parents(k->sf, c->remote);
    k->f = sftp_open(k->sf, c->remote, O_WRONLY | O_CREAT | (from ? 0 : O_TRUNC), 0644);
    if (!k->f) {
        if (!ssh_is_connected(w->s))
            return -1;
        snprintf(k->why, sizeof k->why, "%s: cannot write %s: %s", w->host, c->remote,
                 sftp_why(k->sf, w->s));
        return 1;
    }
    if (from) {
        if (sftp_seek64(k->f, from) < 0 || fseeko(k->in, (off_t)from, SEEK_SET) < 0) {
            snprintf(k->why, sizeof k->why, "%s: cannot continue at byte %llu", w->host,
                     (unsigned long long)from);
            return 1;
        }
        ssht_logf(w, c->id, "%s: %s holds %llu of %llu bytes: continuing from there", w->host,
                  c->remote, (unsigned long long)from, (unsigned long long)k->total);
    }
    k->done = from;
    ssht_progress(w, c, k->done, k->total);
    char *chunk = malloc(SSHT_COPY_CHUNK);
    if (!chunk) {
        snprintf(k->why, sizeof k->why, "out of memory");
        return 1;
    }
    int64_t t0 = ssht_now(), last = t0;
    uint64_t sent = 0;   /* this run's bytes, for the rate cap */
    int rc = 1;
    while (k->done < k->total) {
        if (ssht_cancelled(w, c)) {
            snprintf(k->why, sizeof k->why, "%s: copy cancelled at %llu of %llu bytes", w->host,
                     (unsigned long long)k->done, (unsigned long long)k->total);
            break;
        }
        if (ssht_now() >= ssht_deadline(w, c)) {
            k->timed_out = true;
            snprintf(k->why, sizeof k->why, "%s: copy timed out at %llu of %llu bytes", w->host,
                     (unsigned long long)k->done, (unsigned long long)k->total);
            break;
        }
        size_t n = sshcp_next_chunk(k->total - k->done, c->rate, sent, ssht_now() - t0);
        if (n == 0) {
            ssht_nap(w, 10);
            continue;
        }
        size_t got = fread(chunk, 1, n, k->in);
        if (got != n) {
            snprintf(k->why, sizeof k->why, "%s: read error or the file shrank while copying",
                     c->local);
            break;
        }
        ssize_t wr = sftp_write(k->f, chunk, n);
        if (wr != (ssize_t)n) {
            if (!ssh_is_connected(w->s)) {
                rc = -1;
                break;
            }
            snprintf(k->why, sizeof k->why, "%s: writing %s failed at %llu of %llu bytes: %s",
                     w->host, c->remote, (unsigned long long)k->done,
                     (unsigned long long)k->total, sftp_why(k->sf, w->s));
            break;
        }
        k->done += n;
        sent += n;
        int64_t now = ssht_now();
        if (now - last >= SSHT_PROGRESS_MS) {
            ssht_progress(w, c, k->done, k->total);
            last = now;
        }
    }
    free(chunk);
    if (rc == 1 && k->done == k->total && !k->why[0]) {
        /* the close carries the last status: a full disk can show here */
        int cr = sftp_close(k->f);
        k->f = NULL;
        if (cr != SSH_OK) {
            if (!ssh_is_connected(w->s))
                return -1;
            snprintf(k->why, sizeof k->why, "%s: closing %s failed: %s", w->host, c->remote,
                     sftp_why(k->sf, w->s));
        }
    }
    ssht_progress(w, c, k->done, k->total);
    return rc;
}

int sshcp_run(struct ssh_worker *w, struct ssh_cmd *c)
{
    struct copy_run k = {.w = w, .c = c};
    int rc = copy_body(&k);
    if (k.f) /* frees the handle even when the close cannot be sent */
        sftp_close(k.f);
    if (k.sf)
        sftp_free(k.sf);   /* before the session goes: it owns a channel */
    if (k.in)
        fclose(k.in);
    ssht_active_remove(w, c);
    if (rc < 0) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s: connection lost during the copy at %llu of %llu bytes (%s): "
                                  "the next copy continues from what arrived",
                 w->host, (unsigned long long)k.done, (unsigned long long)k.total,
                 ssh_get_error(w->s));
        ssht_end(w, c, PP_RES_LOST, -1, msg);
    } else {
        enum pp_result r = !k.why[0]                ? PP_RES_OK
                           : k.timed_out            ? PP_RES_TIMEOUT
                           : ssht_cancelled(w, c)   ? PP_RES_CANCELLED
                                                    : PP_RES_FAILED;
        ssht_end(w, c, r, k.why[0] ? -1 : 0, k.why);
    }
    ssh_cmd_free(c);
    return rc < 0 ? -1 : 0;
}
