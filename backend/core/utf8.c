/* UTF-8 helpers: a strict decoder (overlong forms, surrogates and values
 * above U+10FFFF are rejected) and wcwidth-based column widths. */
#include "backend/core/utf8.h"

#include <stdbool.h>
#include <string.h>
#include <wchar.h>

size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad, bool *incomplete)
{
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;   /* allowed range of the 2nd byte */
    unsigned char c = s[0];

    *incomplete = false;
    *bad = 1;
    if (c < 0x80)
        return 1;
    /* Unicode Table 3-7 (well-formed byte sequences): the second byte's
     * range excludes overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4). */
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    for (size_t i = 1; i < need; i++) {
        if (i >= n) {
            *incomplete = true;
            *bad = i;
            return 0;
        }
        unsigned char b = s[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) {
            *bad = i;
            return 0;
        }
    }
    return need;
}

uint32_t utf8_next(const char *str, size_t len, size_t *used)
{
    size_t bad;
    bool incomplete;
    uint32_t cp;
    size_t k = utf8_seq((const unsigned char *)str, len, &bad, &incomplete);
    if (k == 0) {
        *used = bad;
        return 0xfffd;
    }
    *used = (size_t)utf8_decode(str, k, &cp);
    return cp;
}

void utf8_trim_tail(char *s)
{
    size_t n = strlen(s), i = n;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80 && n - i < 3)
        i--;
    if (i == 0)
        return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (want > 1 && n - (i - 1) < want)
        s[i - 1] = 0;
}

int utf8_decode(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    *cp = 0xfffd;
    if (!len)
        return 0;
    unsigned c = s[0];
    int n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 2, v = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, v = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 1;
    }
    if ((size_t)n > len)
        return 1;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 1;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 1;
    *cp = v;
    return n;
}

int utf8_encode(uint32_t cp, char out[4])
{
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        cp = 0xfffd;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

int utf8_cp_width(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7f)
        return -1;
    if (cp < 0x7f)
        return 1;
    return wcwidth((wchar_t)cp);
}

int utf8_width(const char *s)
{
    int w = 0;
    size_t len = strlen(s);
    while (len) {
        uint32_t cp;
        int n = utf8_decode(s, len, &cp);
        int cw = utf8_cp_width(cp);
        w += cw < 0 ? 1 : cw;
        s += n;
        len -= (size_t)n;
    }
    return w;
}

size_t utf8_fit(const char *s, int cols)
{
    size_t len = strlen(s), used = 0;
    int w = 0;
    while (used < len) {
        uint32_t cp;
        int n = utf8_decode(s + used, len - used, &cp);
        int cw = utf8_cp_width(cp);
        if (cw < 0)
            cw = 1;
        if (w + cw > cols)
            break;
        w += cw;
        used += (size_t)n;
    }
    return used;
}
