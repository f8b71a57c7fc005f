/* Reading a journal: every line checked before any record is handed on;
 * a torn last line kept aside and cut off (replay) or just reported (read).
 *
 * Sequence numbers must strictly increase from line to line.  Gaps are
 * allowed (a hand-edited journal, or a future writer) but the first one is
 * reported as a warning, since an audit trail with missing records should
 * not pass unnoticed. */
#include "backend/journal/journal_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- reading the file: a window of CHUNK bytes, never the whole file ---- */

/* A line that fits the window is handled whole; a longer one is far over
 * JLINE_MAX anyway and is only scanned (is it blank?), never parsed. */
#define CHUNK (1u << 20)
_Static_assert(CHUNK > JLINE_MAX + 2, "a line of JLINE_MAX must fit the window");

struct rdr {
    int fd;
    char *buf;
    size_t len, pos;      /* buf[pos..len) not consumed yet */
    long long off;        /* file offset of buf[0] */
    bool eof;
};

/* Reads more after buf[len) (moving the unconsumed part to the front
 * first).  Returns bytes read, 0 at the end of the file, -1 (errno). */
static ssize_t rdr_fill(struct rdr *r)
{
    if (r->pos) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->off += (long long)r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    for (;;) {
        off_t at = (off_t)(r->off + (long long)r->len);
        ssize_t n = pread(r->fd, r->buf + r->len, CHUNK - r->len, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            r->eof = true;
        r->len += (size_t)n;
        return n;
    }
}

struct line {
    const char *p;        /* NULL for a line longer than the window */
    size_t len;           /* without '\n' (nor a '\r' before it) */
    long long at;         /* file offset of its first byte */
    bool nl;              /* ends in '\n' */
    bool blank;
};

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)p[i]))
            return false;
    return true;
}

/* The next line: 1, 0 at the end of the file, -1 on a read error. */
static int rdr_line(struct rdr *r, struct line *ln)
{
    const char *nl;
    for (;;) {
        nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        if (nl || r->eof || (r->pos == 0 && r->len == CHUNK))
            break;
        if (rdr_fill(r) < 0)
            return -1;
    }
    ln->at = r->off + (long long)r->pos;
    if (!nl && r->pos == r->len)
        return 0;
    if (nl || r->eof) {
        size_t end = nl ? (size_t)(nl - r->buf) : r->len;
        ln->p = r->buf + r->pos;
        ln->len = end - r->pos;
        ln->nl = nl != NULL;
        if (ln->len && ln->p[ln->len - 1] == '\r')
            ln->len--;   /* CRLF: someone copied the file through Windows */
        ln->blank = blank(ln->p, ln->len);
        r->pos = nl ? end + 1 : end;
        return 1;
    }
    /* longer than the window: stream through it */
    ln->p = NULL;
    ln->len = 0;
    ln->blank = true;
    for (;;) {
        nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        size_t end = nl ? (size_t)(nl - r->buf) : r->len;
        /* a '\r' right before the '\n' is not part of the line (as above) */
        size_t chk = end - r->pos;
        if (nl && chk && r->buf[end - 1] == '\r')
            chk--;
        if (ln->blank && !blank(r->buf + r->pos, chk))
            ln->blank = false;
        ln->len += end - r->pos;
        r->pos = nl ? end + 1 : end;
        if (nl || r->eof) {
            ln->nl = nl != NULL;
            return 1;
        }
        if (rdr_fill(r) < 0)
            return -1;
    }
}

/* Is the rest of the file blank?  1 / 0, -1 on a read error. */
static int rdr_rest_blank(struct rdr *r)
{
    for (;;) {
        if (!blank(r->buf + r->pos, r->len - r->pos))
            return 0;
        r->pos = r->len;
        if (r->eof)
            return 1;
        if (rdr_fill(r) < 0)
            return -1;
    }
}

/* ---- the good records, kept compact between checking and handing on ---- */

/* Each record: seq (8 bytes), line number (4), then each non-empty field as
 * id (1 byte), length (2) and its decoded bytes, then FEND: about the
 * file's size less its keys and quotes.  In blocks of BLOCK bytes, each
 * freed as soon as its records are handed on, so what the callback builds
 * takes their place instead of adding to them.  Past jnl_arena_max bytes
 * records are no longer kept: the second pass parses the rest of the file
 * again (memory stays bounded; a real journal, a few thousand records, is
 * far below it and is parsed exactly once). */
#define ARENA_MAX ((size_t)256 << 20)
#define BLOCK ((size_t)1 << 20)
#define FEND 0xFF

size_t jnl_arena_max = ARENA_MAX;

struct block {
    struct block *next;
    size_t len;
    unsigned char data[];
};

struct arena {
    struct block *head, *tail;
    size_t total;         /* bytes of all blocks */
    bool full;            /* a record did not fit: the rest is re-parsed */
    long long resume_at;  /* file offset of the first record not kept */
    int resume_line;      /* its line number less one */
};

static const struct {
    size_t off, size;
} jf[] = {
#define J(m) {offsetof(struct pp_jrec, m), sizeof(((struct pp_jrec *)0)->m)}
    J(ts), J(operator_), J(event), J(domain), J(server), J(step),
    J(result), J(state), J(action), J(reason), J(detail), J(chk),
#undef J
};
#define NJF (sizeof jf / sizeof jf[0])
_Static_assert(PP_REASON_MAX < 65536, "a field's length must fit 2 bytes");
_Static_assert(sizeof(struct pp_jrec) * 2 < BLOCK, "a record must fit a block");

static void arena_free(struct arena *a)
{
    while (a->head) {
        struct block *b = a->head;
        a->head = b->next;
        free(b);
    }
    a->tail = NULL;
}

static void arena_keep(struct arena *a, const struct pp_jrec *r, int lineno, long long at)
{
    size_t need = 8 + 4 + 1, fl[NJF];
    if (a->full)
        return;
    for (size_t i = 0; i < NJF; i++) {
        const char *v = (const char *)r + jf[i].off;
        fl[i] = v[0] ? strnlen(v, jf[i].size) : 0;
        need += fl[i] ? 3 + fl[i] : 0;
    }
    struct block *b = a->tail;
    if (!b || b->len + need > BLOCK) {
        b = a->total + BLOCK <= jnl_arena_max ? malloc(sizeof *b + BLOCK) : NULL;
        if (!b) {   /* over the budget (or no memory): parse the rest twice */
            a->full = true;
            a->resume_at = at;
            a->resume_line = lineno - 1;
            return;
        }
        b->next = NULL;
        b->len = 0;
        if (a->tail)
            a->tail->next = b;
        else
            a->head = b;
        a->tail = b;
        a->total += BLOCK;
    }
    unsigned char *q = b->data + b->len;
    int32_t ln = lineno;
    memcpy(q, &r->seq, 8);
    memcpy(q + 8, &ln, 4);
    q += 12;
    for (size_t i = 0; i < NJF; i++) {
        if (!fl[i])
            continue;
        q[0] = (unsigned char)i;
        q[1] = (unsigned char)(fl[i] & 0xFF);
        q[2] = (unsigned char)(fl[i] >> 8);
        memcpy(q + 3, (const char *)r + jf[i].off, fl[i]);
        q += 3 + fl[i];
    }
    *q++ = FEND;
    b->len = (size_t)(q - b->data);
}

/* Hands every kept record to cb, in order, freeing each block once done.
 * r is the caller's record, all zero on entry; each field is cleared back
 * to zero after use so every record handed on is exactly what jrec_parse
 * would have made. */
static int arena_replay(struct arena *a, struct pp_jrec *r, const char *path,
                        int (*cb)(void *ctx, const struct pp_jrec *r), void *ctx,
                        char *err, size_t errn)
{
    while (a->head) {
        struct block *b = a->head;
        const unsigned char *q = b->data, *end = b->data + b->len;
        while (q < end) {
            int32_t lineno;
            const unsigned char *f0;
            memcpy(&r->seq, q, 8);
            memcpy(&lineno, q + 8, 4);
            q += 12;
            f0 = q;
            while (*q != FEND) {
                size_t n = (size_t)q[1] | (size_t)q[2] << 8;
                memcpy((char *)r + jf[q[0]].off, q + 3, n);   /* the NUL is already there */
                q += 3 + n;
            }
            q++;
            int rc = cb(ctx, r);
            for (const unsigned char *x = f0; *x != FEND;) {
                size_t n = (size_t)x[1] | (size_t)x[2] << 8;
                memset((char *)r + jf[x[0]].off, 0, n);
                x += 3 + n;
            }
            if (rc != 0) {
                if (err && errn && !err[0])
                    snprintf(err, errn, "%s:%d: record not accepted", path, (int)lineno);
                return -1;
            }
        }
        a->head = b->next;
        free(b);
    }
    a->tail = NULL;
    return 0;
}

/* ---- checking ---- */

struct scan {
    const char *path;
    long long last_seq;
    long long size;       /* bytes read: the whole file */
    long long good_end;   /* offset after the last good record */
    long long torn_at;    /* offset of a torn last line; -1 when none */
    int torn_line;
    char torn_why[160];
    int gap_line;         /* first seq gap: line, from, to (0 = none) */
    long long gap_from, gap_to;
    bool strict;          /* a broken checksum chain is an error, not a flag */
    char chk[20];         /* the last record's chk ("" before the chain begins) */
    int chain_line;       /* first line where the chain breaks (0 = intact) */
    char start[PP_REASON_MAX];   /* the first start record's detail ("" if none) */
    char chain_why[96];
};

/* The checksum chain (journal.h): once a record carries a chk, every later
 * one must, each equal to jrec_chain(itself, the one before).  Returns
 * NULL when r continues the chain, else why not. */
static const char *chain_check(struct scan *s, const struct pp_jrec *r)
{
    char want[17];
    if (!r->chk[0])
        return s->chk[0] ? "a record without a checksum follows checksummed ones" : NULL;
    if (jrec_chain(r, s->chk, want) < 0 || strcmp(want, r->chk) != 0)
        return s->chk[0] ? "its checksum does not follow from the record before (records "
                           "cut, edited or added by hand)"
                         : "its checksum does not match the record (edited by hand)";
    return NULL;
}

static int read_failed(const struct scan *s, char *err, size_t errn)
{
    snprintf(err, errn, "cannot read journal %s: %s", s->path, strerror(errno));
    return -1;
}

/* Reads the lines from where rd stands (line number lineno there) up to
 * file offset upto.  When check is true (the first pass): checks every
 * line, fills s, and keeps the good records in a (when not NULL).  Else
 * (the second pass, over what the first found good): hands each record to
 * cb.  Returns 0 / -1 with err "PATH:LINE: what". */
static int scan_lines(struct rdr *rd, int lineno, long long upto, bool check, struct scan *s,
                      struct arena *a, int (*cb)(void *ctx, const struct pp_jrec *r), void *ctx,
                      char *err, size_t errn)
{
    struct pp_jrec r;
    struct line ln;
    char msg[160];
    int got;

    while ((got = rdr_line(rd, &ln)) > 0) {
        const char *why = NULL;
        lineno++;
        if (!check && ln.at >= upto)
            break;
        if (ln.blank)   /* tolerated; never written by us */
            continue;
        if (!ln.p || ln.len > JLINE_MAX)
            why = "line longer than 64 KiB";
        else if ((check ? jrec_parse_scratch : jrec_parse)(ln.p, ln.len, &r, msg, sizeof msg) < 0)
            why = msg;
        else if (!ln.nl)
            why = "no end of line (the write was cut short)";
        if (why) {
            if (!check) {   /* cannot happen: the first pass found it good */
                snprintf(err, errn, "%s:%d: %s (the file changed while read)", s->path, lineno,
                         why);
                return -1;
            }
            int b = rdr_rest_blank(rd);
            if (b < 0)
                return read_failed(s, err, errn);
            if (!b) {
                snprintf(err, errn, "%s:%d: %s", s->path, lineno, why);
                return -1;
            }
            s->torn_at = ln.at;
            s->torn_line = lineno;
            snprintf(s->torn_why, sizeof s->torn_why, "%s", why);
            s->size = rd->off + (long long)rd->len;
            return 0;
        }
        if (!check) {
            if (cb(ctx, &r) != 0) {
                if (err && errn && !err[0])
                    snprintf(err, errn, "%s:%d: record not accepted", s->path, lineno);
                return -1;
            }
            continue;
        }
        if (r.seq <= s->last_seq) {
            snprintf(err, errn, "%s:%d: seq %lld does not increase (the record before has "
                     "seq %lld)", s->path, lineno, r.seq, s->last_seq);
            return -1;
        }
        const char *broken = s->chain_line ? NULL : chain_check(s, &r);
        if (broken && s->strict) {
            snprintf(err, errn, "%s:%d: the journal's checksum chain breaks here: %s. It is not "
                     "the journal this console wrote for this pool (cut, edited or from "
                     "elsewhere): refused.  poolpilot --replay shows it, flagged",
                     s->path, lineno, broken);
            return -1;
        }
        if (broken) {
            s->chain_line = lineno;
            snprintf(s->chain_why, sizeof s->chain_why, "%s", broken);
        }
        if (r.chk[0])
            memcpy(s->chk, r.chk, sizeof s->chk);
        if (!s->start[0] && !strcmp(r.event, "start"))
            snprintf(s->start, sizeof s->start, "%s", r.detail[0] ? r.detail : " ");
        if (r.seq != s->last_seq + 1 && !s->gap_line) {
            s->gap_line = lineno;
            s->gap_from = s->last_seq;
            s->gap_to = r.seq;
        }
        if (a)
            arena_keep(a, &r, lineno, ln.at);
        s->last_seq = r.seq;
        s->good_end = rd->off + (long long)rd->pos;
    }
    if (got < 0)
        return read_failed(s, err, errn);
    if (check)
        s->size = rd->off + (long long)rd->len;
    return 0;
}

/* Checks the whole file, then (all good) hands the good records to cb:
 * the ones kept compact in memory, then, for a journal too long to keep,
 * the rest parsed a second time.  Fills warn's facts in s. */
static int scan_file(const char *path, int fd, bool strict, struct scan *s,
                     int (*cb)(void *ctx, const struct pp_jrec *r), void *ctx,
                     char *err, size_t errn)
{
    /* zeroed: only bytes pread filled are ever read, but an analyzer
     * cannot see that through the window's bookkeeping */
    struct rdr rd = {.fd = fd, .buf = calloc(1, CHUNK)};
    struct arena a = {0};
    int rc = -1;

    memset(s, 0, sizeof *s);
    s->path = path;
    s->strict = strict;
    s->torn_at = -1;
    if (err && errn)
        err[0] = 0;
    if (!rd.buf) {
        errno = ENOMEM;
        return read_failed(s, err, errn);
    }
    if (scan_lines(&rd, 0, 0, true, s, cb ? &a : NULL, NULL, NULL, err, errn) < 0)
        goto out;
    if (cb) {
        struct pp_jrec *r = calloc(1, sizeof *r);
        if (!r) {
            errno = ENOMEM;
            read_failed(s, err, errn);
            goto out;
        }
        rc = arena_replay(&a, r, path, cb, ctx, err, errn);
        free(r);
        if (rc < 0)
            goto out;
        rc = -1;
        if (a.full) {
            struct rdr rd2 = {.fd = fd, .buf = rd.buf, .off = a.resume_at};
            long long upto = s->torn_at >= 0 ? s->torn_at : s->size;
            struct scan s2 = *s;
            if (scan_lines(&rd2, a.resume_line, upto, false, &s2, NULL, cb, ctx, err, errn) < 0)
                goto out;
        }
    }
    rc = 0;
out:
    arena_free(&a);
    free(rd.buf);
    return rc;
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
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (warn && warnn)
        warn[0] = 0;
    if (fd < 0) {
        snprintf(err, errn, "cannot read journal %s: %s", path, strerror(errno));
        return -1;
    }
    int rc = scan_file(path, fd, false, &s, cb, ctx, err, errn);
    close(fd);
    if (rc == 0) {
        if (s.chain_line)
            jnl_add_msg(warn, warnn, "%s:%d: FLAGGED: the checksum chain breaks here (%s); a "
                        "console refuses to resume this journal", path, s.chain_line,
                        s.chain_why);
        warn_gap(&s, warn, warnn);
        if (s.torn_at >= 0)
            jnl_add_msg(warn, warnn, "%s:%d: torn last record ignored (%s); the console that "
                    "resumes the run will cut it off", path, s.torn_line, s.torn_why);
    }
    return rc;
}

/* Writes the file's bytes [from, to) to out (the torn tail, usually one
 * short line; read back through a small buffer, whatever its length). */
static int copy_range(int in, long long from, long long to, int out)
{
    char buf[65536];
    while (from < to) {
        size_t want = to - from < (long long)sizeof buf ? (size_t)(to - from) : sizeof buf;
        ssize_t r = pread(in, buf, want, (off_t)from);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO;   /* shorter than when it was read: changed under us */
            return -1;
        }
        for (size_t off = 0; off < (size_t)r;) {
            ssize_t w = write(out, buf + off, (size_t)r - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                if (w == 0)
                    errno = EIO;
                return -1;
            }
            off += (size_t)w;
        }
        from += r;
    }
    return 0;
}

/* Keeps the torn bytes (the journal's [from, to)) in PATH.torn-<seq>
 * (never overwriting an older one) before they are cut off: they are
 * evidence of what happened. */
static int keep_torn(struct pp_journal *j, long long from, long long to, char *side, size_t siden)
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
        if (copy_range(j->fd, from, to, fd) < 0 || fsync(fd) < 0) {
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

    if (warn && warnn)
        warn[0] = 0;
    if (j->note[0])
        jnl_add_msg(warn, warnn, "%s", j->note);
    j->note[0] = 0;   /* said once */
    if (scan_file(j->path, j->fd, true, &s, cb, ctx, err, errn) < 0)
        return -1;
    if (s.start[0] && jnl_lock_pool(j, s.start, err, errn) < 0)
        return -1;
    j->last_seq = s.last_seq;
    memcpy(j->last_chk, s.chk, sizeof j->last_chk);
    warn_gap(&s, warn, warnn);
    if (s.torn_at >= 0) {
        char side[PATH_MAX + 64];
        if (keep_torn(j, s.torn_at, s.size, side, sizeof side) < 0) {
            snprintf(err, errn, "%s:%d: torn last record (%s), and it cannot be kept aside "
                     "in %s: %s", j->path, s.torn_line, s.torn_why, side, strerror(errno));
            return -1;
        }
        if (ftruncate(j->fd, (off_t)s.torn_at) < 0 || fsync(j->fd) < 0) {
            snprintf(err, errn, "%s:%d: torn last record kept aside in %s, but it cannot be "
                     "cut off: %s", j->path, s.torn_line, side, strerror(errno));
            return -1;
        }
        jnl_add_msg(warn, warnn, "%s:%d: torn last record kept aside in %s and cut off (%s)",
                j->path, s.torn_line, side, s.torn_why);
    }
    j->replayed = true;
    return 0;
}
