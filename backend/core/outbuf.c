/* Per-server output kept for the screen: a ring of cleaned lines and the
 * line still being written.
 *
 * Memory is bounded whatever the server sends: the ring holds at most
 * `cap` lines (the oldest fall off and are counted in `dropped`), and a
 * line never grows past the partial buffer.  A longer line is cut into
 * pieces of at most sizeof partial - 1 bytes, cut at a character boundary;
 * every piece after the first starts with OUTBUF_CONT ("↪ ") so the screen
 * shows they belong together.  A piece is only cut when more text follows,
 * so a continuation marker is never left alone on a line. */
#include "backend/core/outbuf.h"

#include <stdlib.h>
#include <string.h>

#define OUTBUF_CONT "\xe2\x86\xaa "   /* U+21AA and a space */
#define OUTBUF_CHUNK 1024             /* raw bytes cleaned per step */

void outbuf_init(struct pp_outbuf *o, int cap)
{
    memset(o, 0, sizeof *o);
    if (cap < 1)
        cap = 1;
    o->ring = calloc((size_t)cap, sizeof *o->ring);
    o->cap = o->ring ? cap : 0;
}

void outbuf_free(struct pp_outbuf *o)
{
    if (o->ring) {
        for (int i = 0; i < o->n; i++)
            free(o->ring[(o->start + i) % o->cap]);
        free(o->ring);
    }
    memset(o, 0, sizeof *o);
}

/* Takes a line into the ring (copied). */
static void ring_push(struct pp_outbuf *o, const char *line, size_t len)
{
    if (o->cap <= 0) {
        o->dropped++;
        return;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        o->dropped++;
        return;
    }
    memcpy(copy, line, len);
    copy[len] = 0;
    if (o->n == o->cap) {
        free(o->ring[o->start]);
        o->ring[o->start] = NULL;
        o->start = (o->start + 1) % o->cap;
        o->n--;
        o->dropped++;
    }
    o->ring[(o->start + o->n) % o->cap] = copy;
    o->n++;
}

static void partial_flush(struct pp_outbuf *o)
{
    ring_push(o, o->partial, o->npartial);
    o->npartial = 0;
    o->partial[0] = 0;
}

/* Appends clean text without a newline to the partial line; returns how
 * many pieces of an overlong line went to the ring. */
static int partial_append(struct pp_outbuf *o, const char *s, size_t n)
{
    const size_t max = sizeof o->partial - 1;
    int lines = 0;
    while (n > 0) {
        size_t room = max - o->npartial;
        size_t take = n <= room ? n : room;
        if (take < n) {
            /* back off to the start of a character: never cut one */
            while (take > 0 && ((unsigned char)s[take] & 0xC0) == 0x80)
                take--;
        }
        memcpy(o->partial + o->npartial, s, take);
        o->npartial += take;
        o->partial[o->npartial] = 0;
        s += take;
        n -= take;
        if (n > 0) {
            partial_flush(o);
            lines++;
            memcpy(o->partial, OUTBUF_CONT, sizeof OUTBUF_CONT - 1);
            o->npartial = sizeof OUTBUF_CONT - 1;
            o->partial[o->npartial] = 0;
        }
    }
    return lines;
}

/* Splits cleaned text on newlines. */
static int absorb(struct pp_outbuf *o, const char *s, size_t n)
{
    int lines = 0;
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t seg = nl ? (size_t)(nl - s) : n;
        lines += partial_append(o, s, seg);
        if (!nl)
            break;
        partial_flush(o);
        lines++;
        s += seg + 1;
        n -= seg + 1;
    }
    return lines;
}

int outbuf_feed(struct pp_outbuf *o, const char *data, size_t len)
{
    /* text_clean writes at most 3 bytes per input byte, plus one U+FFFD for
     * up to 3 bytes carried over from the previous chunk */
    char buf[4 * OUTBUF_CHUNK + 16];
    int lines = 0;
    while (data && len > 0) {
        size_t take = len < OUTBUF_CHUNK ? len : OUTBUF_CHUNK;
        size_t m = text_clean(&o->clean, data, take, buf, sizeof buf);
        lines += absorb(o, buf, m);
        data += take;
        len -= take;
    }
    return lines;
}

void outbuf_add_line(struct pp_outbuf *o, const char *line)
{
    /* "already clean" says the contract; cleaning again costs little and
     * keeps one newline in a message from becoming two screen lines */
    char buf[3 * sizeof o->partial + 16];
    size_t len = line ? strlen(line) : 0;
    if (len >= sizeof o->partial) {
        len = sizeof o->partial - 1;
        while (len > 0 && ((unsigned char)line[len] & 0xC0) == 0x80)
            len--;
    }
    size_t m = text_clean(NULL, line ? line : "", len, buf, sizeof buf);
    for (size_t i = 0; i < m; i++)
        if (buf[i] == '\n')
            buf[i] = ' ';
    ring_push(o, buf, m);
}

int outbuf_count(const struct pp_outbuf *o)
{
    return o->n;
}

const char *outbuf_line(const struct pp_outbuf *o, int i)
{
    if (!o->ring || i < 0 || i >= o->n)
        return "";
    return o->ring[(o->start + i) % o->cap];
}

const char *outbuf_last(const struct pp_outbuf *o)
{
    if (o->n > 0)
        return outbuf_line(o, o->n - 1);
    return o->partial;
}
