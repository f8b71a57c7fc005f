/* One readable line per journal record: what headless mode prints and the
 * dashboard's event log shows.  The journal keeps the exact fields. */
#include "backend/runner_internal.h"

#include <stdio.h>
#include <string.h>

static size_t add(char *buf, size_t n, size_t off, const char *fmt, const char *a)
{
    if (!a || !a[0] || off >= n)
        return off;
    int k = snprintf(buf + off, n - off, fmt, a);
    return k < 0 ? off : off + (size_t)k;
}

void runner_describe(const struct pp_jrec *rec, char *buf, size_t n)
{
    size_t off = 0;
    buf[0] = 0;
    off = add(buf, n, off, "%s", rec->event);
    off = add(buf, n, off, " %s", rec->action);
    off = add(buf, n, off, " %s", rec->domain);
    off = add(buf, n, off, " %s", rec->server);
    off = add(buf, n, off, " %s", rec->step);
    off = add(buf, n, off, " %s", rec->state);
    off = add(buf, n, off, " -> %s", rec->result);
    bool person = !strcmp(rec->event, "confirm") || !strcmp(rec->event, "decline") ||
                  !strcmp(rec->event, "override") || !strcmp(rec->event, "choose") ||
                  !strcmp(rec->event, "start");
    if (person)
        off = add(buf, n, off, " by %s", rec->operator_);
    off = add(buf, n, off, ": %s", rec->reason);
    off = add(buf, n, off, " (%s)", rec->detail);
}
