/* See strbuf.h. */
#include "backend/core/strbuf.h"

#include <stdlib.h>
#include <string.h>

#include "backend/core/utf8.h"

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
    if (b->oom || n == 0)
        return;
    if (b->cap - b->n <= n) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap - b->n <= n)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

void strbuf_str(struct strbuf *b, const char *s) { strbuf_add(b, s, strlen(s)); }

void strbuf_cp(struct strbuf *b, uint32_t cp)
{
    char u[4];
    strbuf_add(b, u, (size_t)utf8_encode(cp, u));
}

char *strbuf_take(struct strbuf *b)
{
    if (b->oom) {
        free(b->p);
        b->p = NULL;
        return NULL;
    }
    return b->p ? b->p : calloc(1, 1);
}
