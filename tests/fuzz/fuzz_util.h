/* Small helpers shared by the fuzz targets (header-only: each target is one
 * program).  A broken property calls fuzz_fail(), which aborts: libFuzzer
 * saves the input as a crash like any sanitizer report. */
#ifndef PP_FUZZ_UTIL_H
#define PP_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fuzz_fail(...)                                                          \
    do {                                                                        \
        fprintf(stderr, "fuzz property broken at %s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                                           \
        fputc('\n', stderr);                                                    \
        abort();                                                                \
    } while (0)

/* A NUL-terminated heap copy of the input. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

/* Splits data at byte `sep` into at most `max` NUL-terminated parts, all in
 * one heap buffer (returned; free it).  Missing parts are "". */
static inline char *fuzz_split(const uint8_t *data, size_t size, char sep, char **parts, int max)
{
    char *buf = fuzz_strndup(data, size);
    int n = 0;
    parts[n++] = buf;
    for (size_t i = 0; i < size && n < max; i++)
        if (buf[i] == sep) {
            buf[i] = 0;
            parts[n++] = buf + i + 1;
        }
    for (; n < max; n++)
        parts[n] = buf + size;   /* the final NUL: "" */
    return buf;
}

/* Is s (n bytes) valid UTF-8 with no overlong forms, surrogates, or code
 * points above U+10FFFF? */
static inline bool fuzz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

/* A tiny deterministic PRNG (chunk sizes from the input's own bytes). */
static inline uint32_t fuzz_rand(uint32_t *st)
{
    *st ^= *st << 13;
    *st ^= *st >> 17;
    *st ^= *st << 5;
    return *st;
}

#endif
