/* Reading what a remote command wrote on stderr: Windows PowerShell's
 * CLIXML (see remote.h).  The result marker on stdout is read by
 * remote_marker() in remote.c: both the runner and the SSH transport's
 * restart check call that one function.
 *
 * The CLIXML form is what the console host of powershell.exe writes when
 * its stderr is not a console ("#< CLIXML" then one <Objs> element whose
 * children are the records, in order, closed when the process ends): the
 * children are decoded one by one as they arrive, so a verbose line shows
 * while a long failover is still running.  The element names and escapes
 * follow MS-PSRP 2.2.5 (serialization: <S> strings, _xHHHH_ for
 * characters XML cannot hold); which stream names the console host puts in
 * S="..." is believed from field reports (docs/POWERSHELL.md), so any
 * other name is shown with its name as the prefix, nothing is dropped but
 * progress records. */
#include "backend/pool/remote.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/core/strbuf.h"

#define CLIXML_HEAD "#< CLIXML"
#define CLIXML_HOLD_MAX (1u << 20)   /* an element larger than this is shown raw */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "_xHHHH_" at p (n bytes left): the UTF-16 unit, or -1. */
static long esc_unit(const char *p, size_t n)
{
    if (n < 7 || p[0] != '_' || p[1] != 'x' || p[6] != '_')
        return -1;
    long v = 0;
    for (int i = 2; i < 6; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Element text -> UTF-8: XML entities, then _xHHHH_ (surrogate pairs
 * joined; a lone surrogate becomes U+FFFD); CR dropped. */
static void decode_text(struct strbuf *b, const char *s, size_t n)
{
    struct strbuf ent = {0};
    /* entities first: they cannot produce '_x' sequences of their own
     * that were not escaped, since '_' is escaped as _x005F_ by the writer */
    for (size_t i = 0; i < n;) {
        if (s[i] == '&') {
            static const struct { const char *e; char c; } tab[] = {
                {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
            size_t k = 0;
            for (; k < sizeof tab / sizeof tab[0]; k++) {
                size_t el = strlen(tab[k].e);
                if (n - i >= el && memcmp(s + i, tab[k].e, el) == 0) {
                    strbuf_add(&ent, &tab[k].c, 1);
                    i += el;
                    break;
                }
            }
            if (k < sizeof tab / sizeof tab[0])
                continue;
            if (n - i > 3 && s[i + 1] == '#') {
                size_t j = i + 2;
                int hex = s[j] == 'x';
                uint32_t v = 0;
                j += hex;
                size_t d0 = j;
                for (; j < n && j - d0 < 8; j++) {
                    int h = hex ? hexval(s[j]) : (s[j] >= '0' && s[j] <= '9' ? s[j] - '0' : -1);
                    if (h < 0)
                        break;
                    v = v * (hex ? 16 : 10) + (uint32_t)h;
                }
                if (j > d0 && j < n && s[j] == ';' && v && v < 0x110000) {
                    strbuf_cp(&ent, v);
                    i = j + 1;
                    continue;
                }
            }
        }
        strbuf_add(&ent, s + i, 1);
        i++;
    }
    if (ent.oom) {
        b->oom = 1;
        free(ent.p);
        return;
    }
    const char *t = ent.p ? ent.p : "";
    for (size_t i = 0; i < ent.n;) {
        long u = esc_unit(t + i, ent.n - i);
        if (u < 0) {
            strbuf_add(b, t + i, 1);
            i++;
            continue;
        }
        i += 7;
        uint32_t c = (uint32_t)u;
        if (c >= 0xD800 && c < 0xDC00) {
            long lo = esc_unit(t + i, ent.n - i);
            if (lo >= 0xDC00 && lo < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                i += 7;
            } else
                c = 0xFFFD;
        } else if (c >= 0xDC00 && c < 0xE000) {
            c = 0xFFFD;
        }
        if (c != '\r')
            strbuf_cp(b, c);
    }
    free(ent.p);
}

/* The value of attribute S="..." in the open tag [tag, tag_end). */
static size_t stream_attr(const char *tag, size_t n, const char **val)
{
    for (size_t i = 0; i + 3 < n; i++)
        if ((tag[i] == ' ' || tag[i] == '\t') && tag[i + 1] == 'S' && tag[i + 2] == '=' &&
            tag[i + 3] == '"') {
            const char *v = tag + i + 4;
            const char *q = memchr(v, '"', n - i - 4);
            if (!q)
                return 0;
            *val = v;
            return (size_t)(q - v);
        }
    return 0;
}

static const char *find(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(s + i, needle, k) == 0)
            return s + i;
    return NULL;
}

/* One <S S="stream">text</S> record as console text. */
static void emit_string(struct strbuf *out, const char *stream, size_t sn, const char *text,
                        size_t tn)
{
    static const struct { const char *name, *prefix; } pre[] = {
        {"verbose", "VERBOSE: "}, {"warning", "WARNING: "}, {"debug", "DEBUG: "},
        {"error", ""}, {"information", ""}, {"output", ""}};
    const char *prefix = NULL;
    for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++)
        if (strlen(pre[k].name) == sn && strncasecmp(stream, pre[k].name, sn) == 0)
            prefix = pre[k].prefix;
    size_t start = out->n;
    if (prefix) {
        strbuf_add(out, prefix, strlen(prefix));
    } else if (sn) {   /* a stream name not seen yet: keep it visible */
        strbuf_add(out, "[", 1);
        strbuf_add(out, stream, sn);
        strbuf_add(out, "] ", 2);
    }
    decode_text(out, text, tn);
    /* every record but an error's pieces (already lines) ends its line */
    if (prefix && !*prefix && out->n > start)
        return;
    if (out->n > start && out->p[out->n - 1] != '\n')
        strbuf_add(out, "\n", 1);
}

/* Decodes the complete children at the start of s; returns how many bytes
 * were consumed (the rest is an element still arriving). */
static size_t decode_some(struct strbuf *out, const char *s, size_t n, int final)
{
    size_t i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (i >= n)
            return i;
        const char *p = s + i;
        size_t left = n - i;
        if (left >= sizeof CLIXML_HEAD - 1 && memcmp(p, CLIXML_HEAD, sizeof CLIXML_HEAD - 1) == 0) {
            i += sizeof CLIXML_HEAD - 1;   /* a second process's header */
            continue;
        }
        const char *gt = memchr(p, '>', left);
        if (p[0] != '<' || !gt) {
            if (p[0] != '<') {   /* text outside any element: show it as it is */
                const char *lt = memchr(p, '<', left);
                size_t k = lt ? (size_t)(lt - p) : (final ? left : 0);
                if (k == 0)
                    return i;
                strbuf_add(out, p, k);
                i += k;
                continue;
            }
            return i;
        }
        size_t taglen = (size_t)(gt - p) + 1;
        if (left >= 5 && (memcmp(p, "<Objs", 5) == 0 || memcmp(p, "</Objs", 6) == 0)) {
            i += taglen;
            continue;
        }
        if (left >= 3 && memcmp(p, "<S", 2) == 0 && (p[2] == ' ' || p[2] == '>')) {
            if (p[taglen - 2] == '/') {   /* <S S="x" />: an empty string */
                i += taglen;
                continue;
            }
            const char *end = find(p + taglen, left - taglen, "</S>");
            if (!end)
                return i;
            const char *sv = NULL;
            size_t sn = stream_attr(p, taglen, &sv);
            emit_string(out, sv, sn, p + taglen, (size_t)(end - p - taglen));
            i += (size_t)(end - p) + 4;
            continue;
        }
        if (left >= 5 && memcmp(p, "<Obj", 4) == 0 && (p[4] == ' ' || p[4] == '>')) {
            /* an object (progress records): skipped whole, nesting counted */
            int depth = 0;
            size_t j = 0;
            for (; j < left; j++) {
                if (p[j] != '<')
                    continue;
                if (left - j >= 5 && memcmp(p + j, "<Obj", 4) == 0 &&
                    (p[j + 4] == ' ' || p[j + 4] == '>')) {
                    const char *e = memchr(p + j, '>', left - j);
                    if (!e)
                        return i;
                    if (e[-1] != '/')
                        depth++;
                    else if (depth == 0)
                        break;
                } else if (left - j >= 6 && memcmp(p + j, "</Obj>", 6) == 0) {
                    if (--depth == 0)
                        break;
                }
            }
            if (j >= left)
                return i;
            const char *close = memchr(p + j, '>', left - j);
            const char *sv = NULL;
            size_t sn = stream_attr(p, taglen, &sv);
            if (!(sn == 8 && strncasecmp(sv, "progress", 8) == 0)) {
                const char *ts = find(p, j, "<ToString>");
                const char *te = ts ? find(ts, (size_t)(p + j - ts), "</ToString>") : NULL;
                if (te)
                    emit_string(out, sv, sn, ts + 10, (size_t)(te - ts - 10));
            }
            i += (size_t)(close - p) + 1;
            continue;
        }
        i += taglen;   /* any other tag: not a record */
    }
}

char *remote_clixml_text(const char *xml, size_t len)
{
    struct strbuf out = {0};
    size_t used = decode_some(&out, xml, len, 1);
    if (used < len)
        strbuf_add(&out, xml + used, len - used);   /* an element cut short: raw */
    if (out.oom) {
        free(out.p);
        return NULL;
    }
    return out.p ? out.p : calloc(1, 1);
}

static void hold(struct remote_clixml *x, const char *data, size_t n)
{
    if (x->cap - x->n <= n) {
        size_t cap = x->cap ? x->cap : 1024;
        while (cap - x->n <= n)
            cap *= 2;
        char *q = realloc(x->buf, cap);
        if (!q)
            return;   /* dropped: stderr is informational here */
        x->buf = q;
        x->cap = cap;
    }
    memcpy(x->buf + x->n, data, n);
    x->n += n;
}

static void flush_raw(struct remote_clixml *x, remote_text_fn emit, void *ctx)
{
    if (x->n)
        emit(ctx, x->buf, x->n);
    x->n = 0;
}

/* Does the held text start with the CLIXML header (after a UTF-8 BOM)?
 * 1 yes, 0 no, -1 cannot tell yet. */
static int starts_clixml(const char *s, size_t n)
{
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        n -= 3;
    }
    size_t k = sizeof CLIXML_HEAD - 1;
    size_t m = n < k ? n : k;
    if (memcmp(s, CLIXML_HEAD, m) != 0)
        return 0;
    return n >= k ? 1 : -1;
}

void remote_clixml_feed(struct remote_clixml *x, const char *data, size_t n,
                        remote_text_fn emit, void *ctx)
{
    if (x->mode == 1) {
        emit(ctx, data, n);
        return;
    }
    hold(x, data, n);
    if (x->mode == 0) {
        int c = starts_clixml(x->buf, x->n);
        if (c < 0)
            return;
        x->mode = c ? 2 : 1;
        if (x->mode == 1) {
            flush_raw(x, emit, ctx);
            return;
        }
        if (memcmp(x->buf, "\xEF\xBB\xBF", 3) == 0) {
            memmove(x->buf, x->buf + 3, x->n - 3);
            x->n -= 3;
        }
    }
    struct strbuf out = {0};
    size_t used = decode_some(&out, x->buf, x->n, 0);
    if (out.n)
        emit(ctx, out.p, out.n);
    free(out.p);
    memmove(x->buf, x->buf + used, x->n - used);
    x->n -= used;
    if (x->n > CLIXML_HOLD_MAX)
        flush_raw(x, emit, ctx);
}

void remote_clixml_end(struct remote_clixml *x, remote_text_fn emit, void *ctx)
{
    if (x->mode == 2 && x->n) {
        char *t = remote_clixml_text(x->buf, x->n);
        if (t) {
            if (*t)
                emit(ctx, t, strlen(t));
            free(t);
            x->n = 0;
        }
    }
    flush_raw(x, emit, ctx);
    free(x->buf);
    memset(x, 0, sizeof *x);
}
