/* Out of memory: one policy.
 *
 * Code that reads untrusted input (config, journal, readiness answers)
 * reports a failed allocation as an error of that input and changes
 * nothing, so a file is never half-applied (a topology with a server
 * silently missing would be worse than no run).  Everywhere else -- the
 * engine deciding, the runner executing -- there is no sane half-way: the
 * process ends at once through mem_oom(), and the journal, fsync'ed before
 * every action, holds everything done so far for the next console. */
#ifndef PP_CORE_MEM_H
#define PP_CORE_MEM_H

#include <stddef.h>

/* Writes "poolpilot: out of memory (WHAT)" to stderr and aborts. */
_Noreturn void mem_oom(const char *what);
/* calloc / realloc that never return NULL: mem_oom(what) instead.  (Also
 * what lets the static analyzers see that the result is never NULL.) */
void *mem_calloc(size_t n, size_t size, const char *what);
void *mem_realloc(void *p, size_t size, const char *what);

#endif
