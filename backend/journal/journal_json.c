/* One journal record <-> one JSON line.  Pure functions: no I/O.
 *
 * The writer and the reader are each other's inverse on purpose: whatever
 * jrec_format accepts, jrec_parse reads back to the same record.  So the
 * writer refuses (returns -1) what the reader would refuse: seq <= 0, an
 * empty ts or event, or a value that after UTF-8 repair no longer fits its
 * field.  The reader never cuts a value short: a truncated reason in an
 * audit trail would be a lie. */
#include "backend/journal/journal.h"
#include "backend/journal/journal_internal.h"
#include "backend/core/jsonstr.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct jfield {
    const char *key;
    size_t off, size;
    bool required;
};

#define F(k, m, req) {k, offsetof(struct pp_jrec, m), sizeof(((struct pp_jrec *)0)->m), req}
/* The order records are written in (journal.h). */
static const struct jfield fields[] = {
    F("ts", ts, true),         F("operator", operator_, false), F("event", event, true),
    F("domain", domain, false), F("server", server, false),     F("step", step, false),
    F("result", result, false), F("state", state, false),       F("action", action, false),
    F("reason", reason, false), F("detail", detail, false),     F("chk", chk, false),
};
#define FI_CHK 11
#undef F
#define NFIELDS (sizeof fields / sizeof fields[0])

void journal_format_ts(int64_t wall_ms, char *buf, size_t n)
{
    int64_t sec = wall_ms / 1000, ms = wall_ms % 1000;
    if (ms < 0) {   /* floor, so times before 1970 still print sensibly */
        ms += 1000;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, n, "1970-01-01T00:00:00.000Z");
        return;
    }
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)ms);
}

/* ---- writing ---- */

struct obuf {
    char *p;
    size_t n, len;
};

static void sink_buf(void *ctx, const char *s, size_t n)
{
    struct obuf *b = ctx;
    if (b->len + n < b->n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* The line of r through sink; with_chk false leaves the chk key out (what
 * the checksum covers).  -1 when r cannot be written. */
static int format_to(const struct pp_jrec *r, bool with_chk,
                     void (*sink)(void *ctx, const char *s, size_t n), void *ctx)
{
    char num[32];
    if (r->seq <= 0 || !r->ts[0] || !r->event[0])
        return -1;
    int len = snprintf(num, sizeof num, "{\"seq\":%lld", r->seq);
    sink(ctx, num, (size_t)len);
    for (size_t i = 0; i < NFIELDS; i++) {
        const char *v = (const char *)r + fields[i].off;
        size_t vlen = strnlen(v, fields[i].size);
        if (!vlen || (i == FI_CHK && !with_chk))
            continue;
        sink(ctx, ",\"", 2);
        sink(ctx, fields[i].key, strlen(fields[i].key));
        sink(ctx, "\":", 2);
        /* The repaired text must fit the field it is read back into. */
        if (jsonstr_emit(v, vlen, sink, ctx) > fields[i].size - 1)
            return -1;
    }
    sink(ctx, "}\n", 2);
    return 0;
}

int jrec_format(const struct pp_jrec *r, char *buf, size_t n)
{
    struct obuf b = {buf, n, 0};
    if (format_to(r, true, sink_buf, &b) < 0)
        return -1;
    if (b.len >= n || b.len > INT_MAX)
        return -1;
    buf[b.len] = 0;
    return (int)b.len;
}

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static void sink_fnv(void *ctx, const char *s, size_t n)
{
    uint64_t *h = ctx;
    for (size_t i = 0; i < n; i++) {
        *h ^= (unsigned char)s[i];
        *h *= FNV_PRIME;
    }
}

int jrec_chain(const struct pp_jrec *r, const char *prev, char out[17])
{
    uint64_t h = FNV_OFFSET;
    sink_fnv(&h, prev ? prev : "", prev ? strlen(prev) : 0);
    sink_fnv(&h, "\n", 1);   /* the previous checksum ends here */
    if (format_to(r, false, sink_fnv, &h) < 0)
        return -1;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
    return 0;
}

/* ---- reading ---- */

struct rd {
    const char *start, *p, *end;
    char *err;
    size_t errn;
};

static void skip_ws(struct rd *d)
{
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\t' || *d->p == '\r' || *d->p == '\n'))
        d->p++;
}

static int fail(struct rd *d, const char *what)
{
    snprintf(d->err, d->errn, "column %td: %s", d->p - d->start + 1, what);
    return -1;
}

static int expect(struct rd *d, char c, const char *what)
{
    skip_ws(d);
    if (d->p >= d->end || *d->p != c)
        return fail(d, what);
    d->p++;
    return 0;
}

/* A JSON number (RFC 8259 grammar), skipped. */
static int skip_number(struct rd *d)
{
    const char *p = d->p;
    if (p < d->end && *p == '-')
        p++;
    if (p < d->end && *p == '0')
        p++;
    else if (p < d->end && *p >= '1' && *p <= '9')
        while (p < d->end && *p >= '0' && *p <= '9')
            p++;
    else
        return fail(d, "bad number");
    if (p < d->end && *p == '.') {
        p++;
        if (p >= d->end || *p < '0' || *p > '9')
            return fail(d, "bad number");
        while (p < d->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < d->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < d->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= d->end || *p < '0' || *p > '9')
            return fail(d, "bad number");
        while (p < d->end && *p >= '0' && *p <= '9')
            p++;
    }
    d->p = p;
    return 0;
}

static int skip_string(struct rd *d)
{
    char tmp[1], msg[96];
    size_t len;
    const char *p = d->p;
    if (jsonstr_parse(&p, d->end, tmp, sizeof tmp, &len, msg, sizeof msg) < 0) {
        d->p = p;
        return fail(d, msg);
    }
    d->p = p;
    return 0;
}

/* Any JSON value of a key we do not know (forward compatibility: a newer
 * poolpilot may add keys, even structured ones). */
static int skip_value(struct rd *d, int depth)
{
    skip_ws(d);
    if (d->p >= d->end)
        return fail(d, "missing value");
    if (depth > 32)
        return fail(d, "values nested too deeply");
    char c = *d->p;
    if (c == '"')
        return skip_string(d);
    if (c == '-' || (c >= '0' && c <= '9'))
        return skip_number(d);
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t l = strlen(words[i]);
        if ((size_t)(d->end - d->p) >= l && memcmp(d->p, words[i], l) == 0) {
            d->p += l;
            return 0;
        }
    }
    if (c != '{' && c != '[')
        return fail(d, "bad value");
    char close = c == '{' ? '}' : ']';
    d->p++;
    skip_ws(d);
    if (d->p < d->end && *d->p == close) {
        d->p++;
        return 0;
    }
    for (;;) {
        if (close == '}') {
            skip_ws(d);
            if (skip_string(d) < 0 || expect(d, ':', "expected ':'") < 0)
                return -1;
        }
        if (skip_value(d, depth + 1) < 0)
            return -1;
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            continue;
        }
        return expect(d, close, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_seq(struct rd *d, long long *seq)
{
    const char *p = d->p;
    long long v = 0;
    if (p >= d->end || *p < '1' || *p > '9')
        return fail(d, "\"seq\" must be a positive integer");
    while (p < d->end && *p >= '0' && *p <= '9') {
        int digit = *p - '0';
        if (v > (LLONG_MAX - digit) / 10)
            return fail(d, "\"seq\" is too large");
        v = v * 10 + digit;
        p++;
    }
    if (p < d->end && (*p == '.' || *p == 'e' || *p == 'E'))
        return fail(d, "\"seq\" must be a positive integer");
    d->p = p;
    *seq = v;
    return 0;
}

#define FI_SEQ ((int)NFIELDS)

/* fields[] index of key k (klen bytes, decoded), FI_SEQ for "seq", -1 for a
 * key we do not know.  One switch on the length, then at most two compares
 * with the only candidates of that length (the first byte tells them apart):
 * this runs for every key of every record replayed. */
static int field_index(const char *k, size_t klen)
{
    const char *name;
    int fi;
    switch (klen) {
    case 2: fi = 0, name = "ts"; break;
    case 3:
        if (k[0] == 's')
            fi = FI_SEQ, name = "seq";
        else
            fi = FI_CHK, name = "chk";
        break;
    case 4: fi = 5, name = "step"; break;
    case 5:
        if (k[0] == 'e')
            fi = 2, name = "event";
        else
            fi = 7, name = "state";
        break;
    case 6:
        switch (k[0]) {
        case 'd': fi = k[1] == 'o' ? 3 : 10; break;   /* domain detail */
        case 's': fi = 4; break;                     /* server */
        case 'r': fi = k[2] == 's' ? 6 : 9; break;    /* result reason */
        case 'a': fi = 8; break;                     /* action */
        default: return -1;
        }
        name = fields[fi].key;
        break;
    case 8: fi = 1, name = "operator"; break;
    default: return -1;
    }
    for (size_t i = 0; i < klen; i++)   /* short: no call to memcmp */
        if (k[i] != name[i])
            return -1;
    return fi;
}

int jrec_parse(const char *line, size_t len, struct pp_jrec *r, char *err, size_t errn)
{
    memset(r, 0, sizeof *r);
    return jrec_parse_scratch(line, len, r, err, errn);
}

int jrec_parse_scratch(const char *line, size_t len, struct pp_jrec *r, char *err, size_t errn)
{
    struct rd d = {line, line, line + len, err, errn};
    bool seen[NFIELDS] = {false};
    bool have_seq = false;
    char msg[128];

    r->seq = 0;
    for (size_t i = 0; i < NFIELDS; i++)
        ((char *)r + fields[i].off)[0] = 0;
    if (expect(&d, '{', "expected '{' (a journal record is a JSON object)") < 0)
        return -1;
    skip_ws(&d);
    if (d.p < d.end && *d.p == '}') {
        d.p++;
    } else {
        for (;;) {
            char key[32];
            size_t klen;
            const char *kstart;
            skip_ws(&d);
            kstart = d.p;
            if (d.p >= d.end || *d.p != '"')
                return fail(&d, "expected a key");
            /* a key without escapes (all of ours) is looked up in place */
            const char *kp = d.p + 1;
            klen = jsonstr_plain_run(kp, (size_t)(d.end - kp));
            if (kp + klen < d.end && kp[klen] == '"') {
                d.p = kp + klen + 1;
            } else {
                if (jsonstr_parse(&d.p, d.end, key, sizeof key, &klen, msg, sizeof msg) < 0)
                    return fail(&d, msg);
                kp = key;
            }
            if (expect(&d, ':', "expected ':' after a key") < 0)
                return -1;
            skip_ws(&d);

            /* no key of ours is 32 bytes long: a longer one is unknown */
            int fi = klen < sizeof key ? field_index(kp, klen) : -1;
            if (fi == FI_SEQ) {
                if (have_seq) {
                    d.p = kstart;
                    return fail(&d, "duplicate key \"seq\"");
                }
                have_seq = true;
                if (parse_seq(&d, &r->seq) < 0)
                    return -1;
            } else if (fi >= 0) {
                const struct jfield *f = &fields[fi];
                char *v = (char *)r + f->off;
                size_t vlen;
                if (seen[fi]) {
                    d.p = kstart;
                    snprintf(msg, sizeof msg, "duplicate key \"%s\"", f->key);
                    return fail(&d, msg);
                }
                seen[fi] = true;
                if (d.p >= d.end || *d.p != '"') {
                    snprintf(msg, sizeof msg, "\"%s\" must be a string", f->key);
                    return fail(&d, msg);
                }
                const char *vstart = d.p;
                /* the usual value, plain text that fits: copied as is */
                vlen = jsonstr_plain_run(d.p + 1, (size_t)(d.end - d.p - 1));
                if (vlen < f->size && d.p + 1 + vlen < d.end && d.p[1 + vlen] == '"') {
                    memcpy(v, d.p + 1, vlen);
                    v[vlen] = 0;
                    d.p += vlen + 2;
                } else if (jsonstr_parse(&d.p, d.end, v, f->size, &vlen, msg, sizeof msg) < 0)
                    return fail(&d, msg);
                if (vlen > f->size - 1) {
                    d.p = vstart;
                    snprintf(msg, sizeof msg, "\"%s\" is too long (%zu bytes, at most %zu)",
                             f->key, vlen, f->size - 1);
                    v[0] = 0;
                    return fail(&d, msg);
                }
            } else if (skip_value(&d, 0) < 0) {
                return -1;
            }
            skip_ws(&d);
            if (d.p < d.end && *d.p == ',') {
                d.p++;
                continue;
            }
            if (expect(&d, '}', "expected ',' or '}'") < 0)
                return -1;
            break;
        }
    }
    skip_ws(&d);
    if (d.p != d.end)
        return fail(&d, "unexpected text after the record");
    if (!have_seq) {
        snprintf(err, errn, "missing \"seq\"");
        return -1;
    }
    for (size_t i = 0; i < NFIELDS; i++)
        if (fields[i].required && !((const char *)r + fields[i].off)[0]) {
            snprintf(err, errn, "missing \"%s\"", fields[i].key);
            return -1;
        }
    return 0;
}
