/* See mem.h.  write(2), not stdio: stdio may itself need memory. */
#include "backend/core/mem.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void mem_oom(const char *what)
{
    static const char pre[] = "poolpilot: out of memory (";
    ssize_t r = write(STDERR_FILENO, pre, sizeof pre - 1);
    r += write(STDERR_FILENO, what, strlen(what));
    r += write(STDERR_FILENO, ")\n", 2);
    (void)r;
    abort();
}

void *mem_calloc(size_t n, size_t size, const char *what)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        mem_oom(what);
    return p;
}

void *mem_realloc(void *p, size_t size, const char *what)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        mem_oom(what);
    return q;
}
