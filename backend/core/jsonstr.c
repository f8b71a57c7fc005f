/* JSON string literals: the one escaper and the one strict reader. */
#include "backend/core/jsonstr.h"
#include "backend/core/utf8.h"

#include <stdint.h>
#include <string.h>

size_t jsonstr_emit(const char *str, size_t len, jsonstr_sink sink, void *ctx)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0, decoded = 0;

    sink(ctx, "\"", 1);
    while (i < len) {
        size_t bad;
        bool incomplete;
        size_t k = utf8_seq(s + i, len - i, &bad, &incomplete);
        const char *rep = NULL;
        size_t repn = 0;
        char esc[6];
        bool c1 = (k == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0);

        if (k == 1 && s[i] >= 0x20 && s[i] != 0x7F && s[i] != '"' && s[i] != '\\') {
            run++, i++, decoded++;
            continue;
        }
        if (k > 1 && !c1) {
            run += k, i += k, decoded += k;
            continue;
        }
        /* Something to replace: flush the plain run first. */
        if (run)
            sink(ctx, (const char *)s + i - run, run);
        run = 0;
        if (k == 0) {
            if (incomplete) {   /* cut last character: drop it (see header) */
                i = len;
                break;
            }
            rep = "\xEF\xBF\xBD";
            repn = 3;
            decoded += 3;
            i += bad;
        } else if (k == 1 && (s[i] == '"' || s[i] == '\\')) {
            esc[0] = '\\';
            esc[1] = (char)s[i];
            rep = esc;
            repn = 2;
            decoded++;
            i++;
        } else {
            /* C0 control, DEL, or C1 control (U+0080..U+009F) */
            unsigned cp = (k == 1) ? s[i] : s[i + 1];
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[cp >> 4];
            esc[5] = hex[cp & 15];
            rep = esc;
            repn = 6;
            decoded += k;
            i += k;
        }
        sink(ctx, rep, repn);
    }
    if (run)
        sink(ctx, (const char *)s + i - run, run);
    sink(ctx, "\"", 1);
    return decoded;
}

static void sink_file(void *ctx, const char *p, size_t n)
{
    fwrite(p, 1, n, (FILE *)ctx);
}

int jsonstr_fput(FILE *f, const char *s)
{
    jsonstr_emit(s, strlen(s), sink_file, f);
    return ferror(f) ? -1 : 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static long read_u4(const char *p, const char *end)
{
    long v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Appends bytes to out while there is room; counts them regardless. */
static void put(char *out, size_t outn, size_t *len, const char *b, size_t n)
{
    if (outn && *len + n < outn)
        memcpy(out + *len, b, n);
    *len += n;
}

/* Bytes that stand for themselves in a JSON string literal: printable
 * ASCII and DEL, except '"' and '\\'.  (Raw controls are refused, high bytes
 * need the UTF-8 check, '"' and '\\' end the run.) */
static bool plain_byte(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Length of the run of plain bytes at p[0..n).  Eight bytes at a time
 * while it can (a journal's values are mostly plain ASCII): the word test
 * below is exact about whether a word holds any byte that is not plain
 * (and its lowest flag is the first such byte). */
size_t jsonstr_plain_run(const char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t i = 0;
    while (n - i >= 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
        /* a byte >= 0x80, a byte < 0x20, a zero byte in q (a '"'), in b (a '\\') */
        uint64_t bad = (x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b)) &
                       highs;
        if (bad) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            /* a borrow only runs upward from a byte that is not plain, so
             * the lowest flag marks the first such byte */
            return i + (size_t)__builtin_ctzll(bad) / 8;
#else
            break;
#endif
        }
        i += 8;
    }
    while (i < n && plain_byte((unsigned char)p[i]))
        i++;
    return i;
}

int jsonstr_parse(const char **pp, const char *end, char *out, size_t outn,
                  size_t *declen, char *err, size_t errn)
{
    const char *p = *pp;
    size_t len = 0;

    if (p >= end || *p != '"') {
        snprintf(err, errn, "expected a string");
        return -1;
    }
    p++;
    for (;;) {
        if (p >= end) {
            snprintf(err, errn, "unterminated string");   /* at its start */
            return -1;
        }
        size_t run = jsonstr_plain_run(p, (size_t)(end - p));
        if (run) {
            /* what fits, as byte-by-byte put() would have stored it */
            if (outn && len < outn - 1)
                memcpy(out + len, p, run < outn - 1 - len ? run : outn - 1 - len);
            len += run;
            p += run;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            p++;
            break;
        }
        if (c < 0x20) {
            snprintf(err, errn, "raw control character 0x%02x in a string", c);
            *pp = p;
            return -1;
        }
        if (c >= 0x80) {
            size_t bad;
            bool inc;
            size_t k = utf8_seq((const unsigned char *)p, (size_t)(end - p), &bad, &inc);
            if (!k) {
                snprintf(err, errn, "invalid UTF-8 in a string");
                *pp = p;
                return -1;
            }
            put(out, outn, &len, p, k);
            p += k;
            continue;
        }
        if (c != '\\') {
            put(out, outn, &len, p, 1);
            p++;
            continue;
        }
        /* escape */
        if (p + 1 >= end) {
            snprintf(err, errn, "unterminated string");
            return -1;
        }
        char e = p[1];
        const char *simple = NULL;
        switch (e) {
        case '"': simple = "\""; break;
        case '\\': simple = "\\"; break;
        case '/': simple = "/"; break;
        case 'b': simple = "\b"; break;
        case 'f': simple = "\f"; break;
        case 'n': simple = "\n"; break;
        case 'r': simple = "\r"; break;
        case 't': simple = "\t"; break;
        case 'u': break;
        default:
            snprintf(err, errn, "bad escape \\%c in a string", e >= 0x20 && e < 0x7F ? e : '?');
            *pp = p;
            return -1;
        }
        if (simple) {
            put(out, outn, &len, simple, 1);
            p += 2;
            continue;
        }
        long u = read_u4(p + 2, end);
        if (u < 0) {
            snprintf(err, errn, "bad \\u escape in a string");
            *pp = p;
            return -1;
        }
        uint32_t cp = (uint32_t)u;
        const char *q = p + 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            long lo = (end - q >= 2 && q[0] == '\\' && q[1] == 'u') ? read_u4(q + 2, end) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                snprintf(err, errn, "lone surrogate \\u%04lx in a string", u);
                *pp = p;
                return -1;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
            q += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            snprintf(err, errn, "lone surrogate \\u%04lx in a string", u);
            *pp = p;
            return -1;
        } else if (cp == 0) {
            /* A C string cannot hold it; we never write it. */
            snprintf(err, errn, "\\u0000 in a string");
            *pp = p;
            return -1;
        }
        char b[4];
        size_t bn = (size_t)utf8_encode(cp, b);
        put(out, outn, &len, b, bn);
        p = q;
    }
    if (outn)
        out[len < outn ? len : outn - 1] = 0;
    *declen = len;
    *pp = p;
    return 0;
}
