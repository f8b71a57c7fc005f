/* What a resumed console says first: how the previous console stopped,
 * what it left in flight and what happens now (see report.h). */
#include "backend/history/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"

static void add(char *buf, size_t n, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t n, size_t *used, const char *fmt, ...)
{
    if (*used >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, n - *used, fmt, ap);
    va_end(ap);
    if (w > 0)
        *used += (size_t)w;
}

/* "07:14:24 UTC" (as the journal stores it), or the raw text. */
static const char *clock_of(const char *ts, char *t, size_t n)
{
    char full[48];
    report_time(ts, full, sizeof full);
    if (strlen(full) == 20)
        snprintf(t, n, "%.8s UTC", full + 11);
    else
        snprintf(t, n, "%s", full);
    return t;
}

void report_previous_console(const struct pp_checklist *c, char *buf, size_t n)
{
    size_t used = 0;
    char t[48];
    buf[0] = 0;
    if (!c->records || c->complete)
        return;
    if (c->stopped)
        add(buf, n, &used, _("The previous console stopped at %s: %s."),
            clock_of(c->stop_ts, t, sizeof t), c->stop_reason[0] ? c->stop_reason : _("no reason"));
    else
        /* no stop record after its last record: it never got to write one */
        add(buf, n, &used, _("The previous console ended at %s without recording a stop: it was "
                             "killed, crashed or lost its machine."),
            clock_of(c->last_ts, t, sizeof t));
    int inflight = 0;
    for (int i = 0; i < c->nservers; i++)
        for (int k = 0; k < PP_STEP_COUNT; k++)
            if (c->servers[i].steps[k].running) {
                add(buf, n, &used, "%s%s %s", inflight ? ", " : _(" Steps in flight: "),
                    c->servers[i].name, pp_step_name((enum pp_step)k));
                inflight++;
            }
    if (inflight)
        add(buf, n, &used, "%s", _(". Their outcome is unknown because the console, not the "
                                   "connection, went away: poolpilot checks those servers now and "
                                   "asks you before it runs any of those steps again."));
    else
        add(buf, n, &used, "%s", _(" Nothing was in flight: the run goes on from where it "
                                   "stopped, and asks you before the next domain starts."));
}
