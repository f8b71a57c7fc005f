/* Reading a journal: every line checked before any record is handed on;
 * a torn last line kept aside and cut off (replay) or just reported (read).
 *
 * Sequence numbers must strictly increase from line to line.  Gaps are
 * allowed (a hand-edited journal, or a future writer) but the first one is
 * reported as a warning, since an audit trail with missing records should
 * not pass unnoticed. */
#include "backend/journal_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *read_all(int fd, size_t *len)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return NULL;
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
        }
        ssize_t r = pread(fd, buf + n, cap - n - 1, (off_t)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            errno = e;
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (buf)
        buf[n] = 0;
    *len = n;
    return buf;
}

struct scan {
    const char *path;
    long long last_seq;
    size_t good_end;      /* offset after the last good record */
    size_t torn_at;       /* offset of a torn last line; SIZE_MAX when none */
    int torn_line;
    char torn_why[160];
    int gap_line;         /* first seq gap: line, from, to (0 = none) */
    long long gap_from, gap_to;
};

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)p[i]))
            return false;
    return true;
}

/* Checks every line (cb NULL) or hands the records to cb (second pass, on
 * the good part only).  Returns 0 / -1 with err "PATH:LINE: what". */
static int scan_buf(const char *buf, size_t len, struct scan *s,
                    int (*cb)(void *ctx, const struct pp_jrec *r), void *ctx,
                    char *err, size_t errn)
{
    struct pp_jrec r;
    char msg[160];
    size_t pos = 0;
    int lineno = 0;

    s->last_seq = 0;
    s->good_end = 0;
    s->torn_at = SIZE_MAX;
    s->gap_line = 0;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t lend = nl ? (size_t)(nl - buf) : len;
        size_t next = nl ? lend + 1 : len;
        size_t l = lend - pos;
        const char *why = NULL;

        lineno++;
        if (l && buf[lend - 1] == '\r')
            l--;   /* CRLF: someone copied the file through Windows */
        if (blank(buf + pos, l)) {   /* tolerated; never written by us */
            pos = next;
            continue;
        }
        if (l > JLINE_MAX)
            why = "line longer than 64 KiB";
        else if (jrec_parse(buf + pos, l, &r, msg, sizeof msg) < 0)
            why = msg;
        else if (!nl)
            why = "no end of line (the write was cut short)";
        if (why) {
            if (!blank(buf + next, len - next)) {
                snprintf(err, errn, "%s:%d: %s", s->path, lineno, why);
                return -1;
            }
            s->torn_at = pos;
            s->torn_line = lineno;
            snprintf(s->torn_why, sizeof s->torn_why, "%s", why);
            return 0;
        }
        if (r.seq <= s->last_seq) {
            snprintf(err, errn, "%s:%d: seq %lld does not increase (the record before has "
                     "seq %lld)", s->path, lineno, r.seq, s->last_seq);
            return -1;
        }
        if (r.seq != s->last_seq + 1 && !s->gap_line) {
            s->gap_line = lineno;
            s->gap_from = s->last_seq;
            s->gap_to = r.seq;
        }
        if (cb && cb(ctx, &r) != 0) {
            if (err && errn && !err[0])
                snprintf(err, errn, "%s:%d: record not accepted", s->path, lineno);
            return -1;
        }
        s->last_seq = r.seq;
        pos = next;
        s->good_end = pos;
    }
    return 0;
}

/* Both passes over a file already in memory; fills warn (torn / gap). */
static int scan_file(const char *path, const char *buf, size_t len, struct scan *s,
                     int (*cb)(void *ctx, const struct pp_jrec *r), void *ctx,
                     char *err, size_t errn)
{
    s->path = path;
    if (err && errn)
        err[0] = 0;
    if (scan_buf(buf, len, s, NULL, NULL, err, errn) < 0)
        return -1;
    if (cb) {
        struct scan s2 = *s;
        size_t upto = s->torn_at == SIZE_MAX ? len : s->torn_at;
        if (scan_buf(buf, upto, &s2, cb, ctx, err, errn) < 0)
            return -1;
    }
    return 0;
}

static void warn_gap(const struct scan *s, char *warn, size_t warnn)
{
    if (s->gap_line && s->gap_from == 0)
        jnl_add_msg(warn, warnn, "%s:%d: the first record has seq %lld, not 1 (records missing?)",
                s->path, s->gap_line, s->gap_to);
    else if (s->gap_line)
        jnl_add_msg(warn, warnn, "%s:%d: seq jumps from %lld to %lld (records missing?)",
                s->path, s->gap_line, s->gap_from, s->gap_to);
}

int journal_read_file(const char *path,
                      int (*cb)(void *ctx, const struct pp_jrec *r), void *ctx,
                      char *warn, size_t warnn, char *err, size_t errn)
{
    struct scan s;
    size_t len;
    char *buf;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (warn && warnn)
        warn[0] = 0;
    if (fd < 0) {
        snprintf(err, errn, "cannot read journal %s: %s", path, strerror(errno));
        return -1;
    }
    buf = read_all(fd, &len);
    if (!buf) {
        snprintf(err, errn, "cannot read journal %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    int rc = scan_file(path, buf, len, &s, cb, ctx, err, errn);
    if (rc == 0) {
        warn_gap(&s, warn, warnn);
        if (s.torn_at != SIZE_MAX)
            jnl_add_msg(warn, warnn, "%s:%d: torn last record ignored (%s); the console that "
                    "resumes the run will cut it off", path, s.torn_line, s.torn_why);
    }
    free(buf);
    return rc;
}

/* Keeps the torn bytes in PATH.torn-<seq> (never overwriting an older one)
 * before they are cut off: they are evidence of what happened. */
static int keep_torn(struct pp_journal *j, const char *p, size_t n, char *side, size_t siden)
{
    for (int k = 1; k < 100; k++) {
        if (k == 1)
            snprintf(side, siden, "%s.torn-%lld", j->path, j->last_seq + 1);
        else
            snprintf(side, siden, "%s.torn-%lld.%d", j->path, j->last_seq + 1, k);
        int fd = open(side, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return -1;
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(fd, p + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                int e = w < 0 ? errno : EIO;
                close(fd);
                unlink(side);
                errno = e;
                return -1;
            }
            off += (size_t)w;
        }
        if (fsync(fd) < 0) {
            int e = errno;
            close(fd);
            unlink(side);
            errno = e;
            return -1;
        }
        close(fd);
        jnl_fsync_dir_of(side);
        return 0;
    }
    errno = EEXIST;
    return -1;
}

int journal_replay(struct pp_journal *j,
                   int (*cb)(void *ctx, const struct pp_jrec *r), void *ctx,
                   char *warn, size_t warnn, char *err, size_t errn)
{
    struct scan s;
    size_t len;
    char *buf;

    if (warn && warnn)
        warn[0] = 0;
    if (j->note[0])
        jnl_add_msg(warn, warnn, "%s", j->note);
    j->note[0] = 0;   /* said once */
    buf = read_all(j->fd, &len);
    if (!buf) {
        snprintf(err, errn, "cannot read journal %s: %s", j->path, strerror(errno));
        return -1;
    }
    if (scan_file(j->path, buf, len, &s, cb, ctx, err, errn) < 0) {
        free(buf);
        return -1;
    }
    j->last_seq = s.last_seq;
    warn_gap(&s, warn, warnn);
    if (s.torn_at != SIZE_MAX) {
        char side[PATH_MAX + 64];
        if (keep_torn(j, buf + s.torn_at, len - s.torn_at, side, sizeof side) < 0) {
            snprintf(err, errn, "%s:%d: torn last record (%s), and it cannot be kept aside "
                     "in %s: %s", j->path, s.torn_line, s.torn_why, side, strerror(errno));
            free(buf);
            return -1;
        }
        if (ftruncate(j->fd, (off_t)s.torn_at) < 0 || fsync(j->fd) < 0) {
            snprintf(err, errn, "%s:%d: torn last record kept aside in %s, but it cannot be "
                     "cut off: %s", j->path, s.torn_line, side, strerror(errno));
            free(buf);
            return -1;
        }
        jnl_add_msg(warn, warnn, "%s:%d: torn last record kept aside in %s and cut off (%s)",
                j->path, s.torn_line, side, s.torn_why);
    }
    free(buf);
    j->replayed = true;
    return 0;
}
