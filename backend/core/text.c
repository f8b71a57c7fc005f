/* Cleaning remote text: whatever a server prints (a CP950 console, a
 * progress bar, a title-setting escape) must reach the screen and the
 * journal as plain, valid UTF-8 that cannot drive the operator's terminal.
 *
 * One byte-at-a-time state machine, so a chunk may end anywhere: inside a
 * UTF-8 sequence (the lead bytes wait in st->pend) or inside an escape
 * sequence (st->esc says which kind).  The decoder is our own, not
 * mbrtowc: the result must not depend on the locale the console runs in.
 *
 * st->esc packs two things into the one int the header gives us: the kind
 * of escape sequence in the low 4 bits and how many bytes it has swallowed
 * so far above them.  A sequence longer than TEXT_ESC_MAX bytes is given up
 * (the swallowed bytes stay dropped, what follows is shown again), so an
 * unterminated OSC cannot hide the rest of a command's output.  A string
 * sequence (OSC, DCS, SOS, PM, APC) also ends at a newline: terminals would
 * keep swallowing, but for a line-oriented log, losing at most the rest of
 * one line is the better failure. */
#include "backend/core/text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#define TEXT_ESC_MAX 4096

enum {
    ESC_NONE,
    ESC_START,   /* seen ESC */
    ESC_INTER,   /* ESC + intermediate bytes (nF: charset designation...) */
    ESC_CSI,     /* ESC [ or U+009B: parameters until a final byte */
    ESC_STR,     /* OSC / DCS / SOS / PM / APC: until BEL or ST */
    ESC_STR_ESC, /* inside a string, seen ESC (ST is ESC \) */
    ESC_STR_C2   /* inside a string, seen 0xC2 (ST may be U+009C) */
};

#define ESC_KIND(e) ((e) & 0xf)
#define ESC_COUNT(e) ((e) >> 4)
#define ESC_MAKE(kind, count) ((kind) | ((count) << 4))

struct sink {
    char *out;
    size_t n, room;  /* room = outn - 1: the NUL always fits */
    int full;        /* once a character did not fit, nothing more is written */
};

static void sink_put(struct sink *k, const char *s, size_t n)
{
    if (k->full || k->room - k->n < n) {
        k->full = 1;
        return;
    }
    memcpy(k->out + k->n, s, n);
    k->n += n;
}

static void sink_cp(struct sink *k, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sink_put(k, b, n);
}

/* Length of the UTF-8 sequence a lead byte starts; 0 if it cannot lead
 * (continuation bytes, C0/C1 overlong leads, F5..FF). */
static int utf8_need(unsigned char b)
{
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF)
        return 3;
    if (b >= 0xF0 && b <= 0xF4)
        return 4;
    return 0;
}

/* Whether b may follow the bytes already pending.  The second byte's range
 * depends on the lead: this is what rejects overlong forms (E0 80..9F,
 * F0 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF. */
static int utf8_next_ok(const unsigned char *pend, int npend, unsigned char b)
{
    if (npend == 1) {
        switch (pend[0]) {
        case 0xE0: return b >= 0xA0 && b <= 0xBF;
        case 0xED: return b >= 0x80 && b <= 0x9F;
        case 0xF0: return b >= 0x90 && b <= 0xBF;
        case 0xF4: return b >= 0x80 && b <= 0x8F;
        default: break;
        }
    }
    return b >= 0x80 && b <= 0xBF;
}

static uint32_t utf8_decode(const unsigned char *p, int n)
{
    uint32_t cp = p[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (int i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3F);
    return cp;
}

/* A decoded character outside any escape sequence. */
static void on_char(struct text_clean_state *st, uint32_t cp, struct sink *k)
{
    if (cp == 0x1B) {
        st->esc = ESC_START;
    } else if (cp == '\n') {
        sink_put(k, "\n", 1);
    } else if (cp == '\t') {
        sink_put(k, " ", 1);
    } else if (cp < 0x20 || cp == 0x7F) {
        /* other C0 controls (CR, BEL, BS, ...) and DEL: dropped */
    } else if (cp >= 0x80 && cp <= 0x9F) {
        /* C1 controls: the 8-bit introducers start the same sequences as
         * their ESC forms (so their parameters vanish too); the rest go. */
        if (cp == 0x9B)
            st->esc = ESC_CSI;
        else if (cp == 0x90 || cp == 0x98 || cp == 0x9D || cp == 0x9E || cp == 0x9F)
            st->esc = ESC_STR;
    } else {
        sink_cp(k, cp);
    }
}

/* One byte inside an escape sequence.  Returns 1 when the byte was
 * consumed, 0 when the sequence ended without it (the caller handles the
 * byte as ordinary input). */
static int on_esc_byte(struct text_clean_state *st, unsigned char b)
{
    int kind = ESC_KIND(st->esc);
    int count = ESC_COUNT(st->esc) + 1;
    if (count > TEXT_ESC_MAX) {
        st->esc = ESC_NONE;
        return 0;
    }
    switch (kind) {
    case ESC_START:
        if (b == '[')
            kind = ESC_CSI;
        else if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_')
            kind = ESC_STR;
        else if (b >= 0x20 && b <= 0x2F)
            kind = ESC_INTER;
        else if (b >= 0x30 && b <= 0x7E)
            kind = ESC_NONE;              /* two-byte sequence: ESC c, ESC 7 ... */
        else if (b == 0x1B)
            kind = ESC_START;             /* ESC ESC: the first one is dropped */
        else {
            st->esc = ESC_NONE;           /* ESC + control/non-ASCII: not a sequence */
            return 0;
        }
        break;
    case ESC_INTER:
        if (b >= 0x30 && b <= 0x7E)
            kind = ESC_NONE;
        else if (!(b >= 0x20 && b <= 0x2F)) {
            st->esc = ESC_NONE;
            return 0;
        }
        break;
    case ESC_CSI:
        if (b >= 0x40 && b <= 0x7E)
            kind = ESC_NONE;
        else if (!(b >= 0x20 && b <= 0x3F)) {
            st->esc = ESC_NONE;           /* aborted; ESC here starts a new one */
            return 0;
        }
        break;
    case ESC_STR_C2:
        if (b == 0x9C) {                  /* U+009C, ST in its UTF-8 form */
            kind = ESC_NONE;
            break;
        }
        /* the 0xC2 was just string content: b is an ordinary string byte */
        __attribute__((fallthrough));
    case ESC_STR:
        if (b == 0x07 || b == 0x18 || b == 0x1A)
            kind = ESC_NONE;              /* BEL ends an OSC; CAN/SUB cancel */
        else if (b == 0x1B)
            kind = ESC_STR_ESC;
        else if (b == '\n') {
            st->esc = ESC_NONE;
            return 0;
        } else
            kind = b == 0xC2 ? ESC_STR_C2 : ESC_STR;
        break;
    case ESC_STR_ESC:
        if (b == '\\')
            kind = ESC_NONE;              /* ST */
        else {
            /* the ESC ended the string and starts a new sequence with b */
            st->esc = ESC_START;
            return on_esc_byte(st, b);
        }
        break;
    default:
        st->esc = ESC_NONE;
        return 0;
    }
    st->esc = kind == ESC_NONE ? ESC_NONE : ESC_MAKE(kind, count);
    return 1;
}

static void on_byte(struct text_clean_state *st, unsigned char b, struct sink *k)
{
    if (st->esc != ESC_NONE && on_esc_byte(st, b))
        return;
    if (st->npend > 0) {
        int need = utf8_need(st->pend[0]);
        if (utf8_next_ok(st->pend, st->npend, b)) {
            st->pend[st->npend++] = b;
            if (st->npend == need) {
                uint32_t cp = utf8_decode(st->pend, need);
                st->npend = 0;
                on_char(st, cp, k);
            }
            return;
        }
        /* the sequence broke off: one U+FFFD for it, then b on its own */
        st->npend = 0;
        on_char(st, 0xFFFD, k);
    }
    if (b < 0x80)
        on_char(st, b, k);
    else if (utf8_need(b)) {
        st->pend[0] = b;
        st->npend = 1;
    } else
        on_char(st, 0xFFFD, k);
}

size_t text_clean(struct text_clean_state *st, const char *in, size_t len,
                  char *out, size_t outn)
{
    struct text_clean_state local = {0};
    struct text_clean_state *s = st ? st : &local;
    if (!out || outn == 0)
        return 0;
    struct sink k = {out, 0, outn - 1, 0};
    /* a state from elsewhere must not make us index pend out of range */
    if (s->npend < 0 || s->npend >= 4 || (s->npend > 0 && !utf8_need(s->pend[0])))
        s->npend = 0;
    if (s->esc < 0)
        s->esc = ESC_NONE;
    for (size_t i = 0; in && i < len;) {
        /* fast path: a run of printable ASCII outside any sequence */
        if (s->esc == ESC_NONE && s->npend == 0) {
            size_t j = i;
            while (j < len && (unsigned char)in[j] >= 0x20 && (unsigned char)in[j] < 0x7F)
                j++;
            if (j > i) {
                if (!k.full) {
                    /* what fits: ASCII can be cut anywhere */
                    size_t fit = k.room - k.n < j - i ? k.room - k.n : j - i;
                    memcpy(k.out + k.n, in + i, fit);
                    k.n += fit;
                    k.full = fit < j - i;
                }
                i = j;
                continue;
            }
        }
        on_byte(s, (unsigned char)in[i], &k);
        i++;
    }
    if (!st && local.npend > 0)
        on_char(&local, 0xFFFD, &k);   /* a whole string ending mid-character */
    out[k.n] = 0;
    return k.n;
}

int text_width(const char *utf8)
{
    if (!utf8)
        return 0;
    mbstate_t ms;
    memset(&ms, 0, sizeof ms);
    size_t n = strlen(utf8);
    const char *p = utf8;
    int w = 0;
    while (n > 0) {
        wchar_t wc;
        size_t r = mbrtowc(&wc, p, n, &ms);
        if (r == 0)
            break;
        if (r == (size_t)-1 || r == (size_t)-2) {
            /* not decodable in this locale: one column per byte, like '?' */
            memset(&ms, 0, sizeof ms);
            w++;
            p++;
            n--;
            continue;
        }
        int cw = wcwidth(wc);
        w += cw < 0 ? 1 : cw;
        p += r;
        n -= r;
    }
    return w;
}

void text_duration(int64_t ms, char *buf, size_t n)
{
    if (ms < 0) {
        snprintf(buf, n, "?");
        return;
    }
    int64_t s = ms / 1000, h = s / 3600, m = s / 60 % 60;
    if (h)
        snprintf(buf, n, "%lldh%02lldm%02llds", (long long)h, (long long)m, (long long)(s % 60));
    else if (m)
        snprintf(buf, n, "%lldm%02llds", (long long)m, (long long)(s % 60));
    else
        snprintf(buf, n, "%llds", (long long)s);
}
