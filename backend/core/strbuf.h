/* A growing NUL-terminated string.  Out of memory sets `oom`, after which
 * adds do nothing and strbuf_take() frees and returns NULL, so a caller
 * checks once at the end (a parser of remote text must not abort). */
#ifndef PP_CORE_STRBUF_H
#define PP_CORE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
    char *p;        /* NULL until something is added */
    size_t n, cap;
    bool oom;
};

void strbuf_add(struct strbuf *b, const char *s, size_t n);
void strbuf_str(struct strbuf *b, const char *s);
/* One code point as UTF-8 (a surrogate or > U+10FFFF as U+FFFD). */
void strbuf_cp(struct strbuf *b, uint32_t cp);
/* The string, owned by the caller ("" when nothing was added); NULL, with
 * the buffer freed, after an allocation failed. */
char *strbuf_take(struct strbuf *b);

#endif
