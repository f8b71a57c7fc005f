/* One readable line per journal record: what headless mode prints and the
 * dashboard's event log shows.  The journal keeps the exact fields. */
#include "backend/journal/journal.h"

#include <stdio.h>
#include <string.h>

static size_t add3(char *buf, size_t n, size_t off, const char *pre, const char *a,
                   const char *post)
{
    if (!a || !a[0] || off >= n)
        return off;
    int k = snprintf(buf + off, n - off, "%s%s%s", pre, a, post);
    return k < 0 ? off : off + (size_t)k;
}

static size_t add(char *buf, size_t n, size_t off, const char *pre, const char *a)
{
    return add3(buf, n, off, pre, a, "");
}

void journal_describe(const struct pp_jrec *rec, char *buf, size_t n)
{
    size_t off = 0;
    buf[0] = 0;
    off = add(buf, n, off, "", rec->event);
    off = add(buf, n, off, " ", rec->action);
    off = add(buf, n, off, " ", rec->domain);
    off = add(buf, n, off, " ", rec->server);
    off = add(buf, n, off, " ", rec->step);
    off = add(buf, n, off, " ", rec->state);
    off = add(buf, n, off, " -> ", rec->result);
    enum pp_jev ev = journal_event_parse(rec->event);
    bool person = ev == PP_JEV_CONFIRM || ev == PP_JEV_DECLINE || ev == PP_JEV_OVERRIDE ||
                  ev == PP_JEV_CHOOSE || ev == PP_JEV_START;
    if (person)
        off = add(buf, n, off, " by ", rec->operator_);
    off = add(buf, n, off, ": ", rec->reason);
    add3(buf, n, off, " (", rec->detail, ")");
}
