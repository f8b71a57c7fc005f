/* --status: the checklist as plain text for a terminal. */
#include "backend/core/jsonstr.h"
#include "backend/core/utf8.h"
#include "backend/history/report.h"
#include "backend/core/text.h"

#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

void report_time(const char *ts, char *buf, size_t n)
{
    int64_t ms = checklist_ts_ms(ts);
    struct tm tm;
    time_t t = (time_t)(ms / 1000);
    if (ms < 0 || !gmtime_r(&t, &tm)) {
        /* shown as written, but a timestamp is ASCII: anything else (an
         * escape sequence in a hostile journal) never reaches a terminal */
        size_t i = 0;
        for (; ts[i] && i + 1 < n; i++) {
            unsigned char ch = (unsigned char)ts[i];
            buf[i] = ch < 0x20 || ch >= 0x7F ? '?' : (char)ch;
        }
        if (n)
            buf[i] = 0;
        return;
    }
    strftime(buf, n, "%Y-%m-%d %H:%M:%SZ", &tm);
}

bool status_locale_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

struct st {
    FILE *out;
    bool utf8;
    const struct pp_checklist *c;
    char day[16];   /* the journal's first day: times on it print without a date */
};

/* Journal text on its way to a terminal: control characters become
 * spaces; without UTF-8 every non-ASCII byte becomes '?'.  Returns the
 * number of columns written (one per character: names are DNS names). */
static int put(struct st *s, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t n = strlen(text), i = 0;
    int cols = 0;
    while (i < n) {
        size_t bad;
        bool inc;
        size_t k = utf8_seq(p + i, n - i, &bad, &inc);
        if (k == 1) {
            fputc(p[i] < 0x20 || p[i] == 0x7F ? ' ' : p[i], s->out);
            i++;
        } else if (k == 0) {
            fputs(s->utf8 ? "\xEF\xBF\xBD" : "?", s->out);
            i += bad;
        } else {
            bool c1 = k == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0;
            if (c1)
                fputc(' ', s->out);
            else if (s->utf8)
                fwrite(p + i, 1, k, s->out);
            else
                fputc('?', s->out);
            i += k;
        }
        cols++;
    }
    return cols;
}

static void pad(struct st *s, const char *text, int width)
{
    for (int w = put(s, text); w < width; w++)
        fputc(' ', s->out);
}

/* "07:14:24" on the journal's first day, "2026-11-28 07:14:24" after. */
static const char *when(struct st *s, const char *ts, char *buf, size_t n)
{
    char full[48];
    report_time(ts, full, sizeof full);
    if (strlen(full) == 20 && strncmp(full, s->day, 10) == 0)
        snprintf(buf, n, "%.8s", full + 11);
    else
        snprintf(buf, n, "%s", full);
    return buf;
}

static const char *srv_mark(const struct st *s, enum pp_cl_srv st)
{
    static const char *const u[] = {"·", "▶", "✔", "✗", "?", "-", "✔"};
    static const char *const a[] = {"[ ]", "[>]", "[x]", "[!]", "[?]", "[-]", "[x]"};
    return (unsigned)st < 7 ? (s->utf8 ? u[st] : a[st]) : "?";
}

static const char *dom_mark(const struct st *s, enum pp_cl_dom st)
{
    static const char *const u[] = {"·", "▶", "✔", "✔"};
    static const char *const a[] = {"[ ]", "[>]", "[x]", "[x]"};
    return (unsigned)st < 4 ? (s->utf8 ? u[st] : a[st]) : "?";
}

static void quoted(struct st *s, const char *text)
{
    fputc('"', s->out);
    put(s, text);
    fputc('"', s->out);
}

static void server_line(struct st *s, const struct pp_cl_server *v, int width)
{
    char t[48];
    const struct pp_cl_step *st = v->step >= 0 ? &v->steps[v->step] : NULL;
    const char *step = v->step >= 0 ? pp_step_name(v->step) : "";

    fprintf(s->out, "  %s ", srv_mark(s, v->state));
    pad(s, v->name, width);
    fprintf(s->out, "  %-12s", checklist_srv_name(v->state));
    switch (v->state) {
    case PP_CL_SRV_PENDING:
        break;
    case PP_CL_SRV_VERIFIED: {
        char d[32];
        text_duration(checklist_ts_ms(v->finished) - checklist_ts_ms(v->started), d, sizeof d);
        fprintf(s->out, "  %s (%s)", when(s, v->finished, t, sizeof t), d);
        break;
    }
    case PP_CL_SRV_IN_PROGRESS:
        if (st && st->running)
            fprintf(s->out, "  %s running since %s", step, when(s, st->started, t, sizeof t));
        else if (st)
            fprintf(s->out, "  %s %s at %s", step, st->result[0] ? st->result : "ended",
                    when(s, st->ended, t, sizeof t));
        break;
    case PP_CL_SRV_FAILED:
        if (st) {
            fprintf(s->out, "  %s: ", step);
            put(s, st->result);
            fprintf(s->out, " at %s", when(s, st->ended, t, sizeof t));
            if (st->detail[0]) {
                fputs(": ", s->out);
                quoted(s, st->detail);
            }
        }
        break;
    case PP_CL_SRV_LOST:
        if (st && st->running)
            fprintf(s->out, "  %s: outcome unknown (started %s, no end recorded)", step,
                    when(s, st->started, t, sizeof t));
        else if (st && !strcmp(st->detail, "the console stopped while this step ran"))
            /* the console died, not the link (issue 10, item 6) */
            fprintf(s->out, "  %s: outcome unknown (the console stopped while it ran; recorded "
                            "lost at %s)", step, when(s, st->ended, t, sizeof t));
        else if (st)
            fprintf(s->out, "  %s: outcome unknown (connection lost at %s)", step,
                    when(s, st->ended, t, sizeof t));
        if (v->probe[0]) {
            fputs("; probe: ", s->out);
            quoted(s, v->probe);
        }
        break;
    case PP_CL_SRV_SKIPPED:
    case PP_CL_SRV_MARKED_DONE:
        fprintf(s->out, "  %s", when(s, v->finished, t, sizeof t));
        if (v->reason[0]) {
            fputs(": ", s->out);
            quoted(s, v->reason);
        }
        break;
    }
    if (v->by[0] && v->state != PP_CL_SRV_PENDING) {
        fputs("  by ", s->out);
        put(s, v->by);
    }
    fputc('\n', s->out);
}

static void domain_block(struct st *s, int di, int width)
{
    const struct pp_checklist *c = s->c;
    char t[48], t2[48], d[32];

    if (di >= 0) {
        const struct pp_cl_domain *dom = &c->domains[di];
        fprintf(s->out, "%s ", dom_mark(s, dom->state));
        put(s, dom->name);
        fprintf(s->out, "  %s", checklist_dom_name(dom->state));
        if (dom->finished[0]) {
            text_duration(checklist_ts_ms(dom->finished) - checklist_ts_ms(dom->started), d,
                            sizeof d);
            fprintf(s->out, "  %s - %s (%s)", when(s, dom->started, t, sizeof t),
                    when(s, dom->finished, t2, sizeof t2), d);
        } else if (dom->started[0])
            fprintf(s->out, "  since %s", when(s, dom->started, t, sizeof t));
        if (dom->by[0]) {
            fputs("  by ", s->out);
            put(s, dom->by);
        }
        if (dom->manual) {
            fputs("\n    marked done by hand", s->out);
            if (dom->manual_by[0]) {
                fputs(" by ", s->out);
                put(s, dom->manual_by);
            }
            if (dom->reason[0]) {
                fputs(": ", s->out);
                quoted(s, dom->reason);
            }
        }
        fputc('\n', s->out);
    } else {
        fputs("(servers no record placed in a domain)\n", s->out);
    }
    for (int i = 0; i < c->nservers; i++)
        if (c->servers[i].domain == di)
            server_line(s, &c->servers[i], width);
}

static void header(struct st *s)
{
    const struct pp_checklist *c = s->c;
    char t[48], t2[48];

    fputs("Pool ", s->out);
    put(s, c->pool[0] ? c->pool : "(unknown)");
    if (c->training)
        fputs("  TRAINING", s->out);
    fputc('\n', s->out);
    if (!c->records) {
        fputs("The journal is empty: nothing has happened yet.\n", s->out);
        return;
    }
    report_time(c->first_ts, t, sizeof t);
    report_time(c->last_ts, t2, sizeof t2);
    fprintf(s->out, "Journal: %lld records, %s to %s (times UTC)\n", c->records, t, t2);
    if (c->start_ts[0]) {
        fprintf(s->out, "Started %s", when(s, c->start_ts, t, sizeof t));
        if (c->start_by[0]) {
            fputs(" by ", s->out);
            put(s, c->start_by);
        }
        if (c->resumes)
            fprintf(s->out, "; resumed %d time%s", c->resumes, c->resumes == 1 ? "" : "s");
        fputc('\n', s->out);
    }
    if (c->noperators) {
        fputs("Operators:", s->out);
        for (int i = 0; i < c->noperators; i++) {
            fputs(i ? ", " : " ", s->out);
            put(s, c->operators[i]);
        }
        fputc('\n', s->out);
    }
    if (c->readiness_checks) {
        fprintf(s->out, "Readiness: %d check%s (Ready %d, Busy %d, InsufficientActiveFrontEnds "
                "%d, other %d); last ", c->readiness_checks, c->readiness_checks == 1 ? "" : "s",
                c->ready_count, c->busy_count, c->insufficient_count, c->other_count);
        put(s, c->last_readiness);
        fprintf(s->out, " at %s\n", when(s, c->last_readiness_ts, t, sizeof t));
    }
    if (c->failover_ts[0]) {
        fputs("Failover: ", s->out);
        put(s, c->failover_result[0] ? c->failover_result : "started");
        fprintf(s->out, " at %s", when(s, c->failover_ts, t, sizeof t));
        if (c->failback_ts[0]) {
            fputs("; failback: ", s->out);
            put(s, c->failback_result[0] ? c->failback_result : "started");
            fprintf(s->out, " at %s", when(s, c->failback_ts, t, sizeof t));
        } else
            fputs("; not failed back", s->out);
        fputc('\n', s->out);
    }
    if (c->backend_ts[0]) {
        fputs("Back End: ", s->out);
        if (!strcmp(c->backend_state, "open")) {
            fputs("OPEN: ", s->out);
            put(s, c->backend_text);
        } else {
            put(s, c->backend_result[0] ? c->backend_result : "started");
            fprintf(s->out, " at %s", when(s, c->backend_ts, t, sizeof t));
        }
        fputc('\n', s->out);
    }
}

static void footer(struct st *s)
{
    const struct pp_checklist *c = s->c;
    char t[48];
    int done = 0, failed = 0, lost = 0;

    if (c->noverrides) {
        fprintf(s->out, "\nOverrides (%d):\n", c->noverrides);
        for (int i = 0; i < c->noverrides; i++) {
            const struct pp_cl_override *o = &c->overrides[i];
            fprintf(s->out, "  %s  ", when(s, o->ts, t, sizeof t));
            put(s, o->operator_[0] ? o->operator_ : "?");
            fputs("  ", s->out);
            put(s, o->action);
            fputc(' ', s->out);
            put(s, o->target);
            fputs("  ", s->out);
            if (o->reason[0])
                quoted(s, o->reason);
            else
                fputs("(no reason given)", s->out);
            fputc('\n', s->out);
        }
    }
    if (c->pool_problems) {
        fprintf(s->out, "\nPool problems (%d):\n", c->pool_problems);
        for (int i = 0; i < c->ntimeline; i++)
            if (journal_event_parse(c->timeline[i].event) == PP_JEV_POOL_PROBLEM) {
                fprintf(s->out, "  %s  ", when(s, c->timeline[i].ts, t, sizeof t));
                put(s, c->timeline[i].text);
                fputc('\n', s->out);
            }
    }
    for (int i = 0; i < c->ndomains; i++)
        done += c->domains[i].state >= PP_CL_DOM_DONE;
    for (int i = 0; i < c->nservers; i++) {
        failed += c->servers[i].state == PP_CL_SRV_FAILED;
        lost += c->servers[i].state == PP_CL_SRV_LOST;
    }
    fputc('\n', s->out);
    if (c->complete) {
        fprintf(s->out, "Run: complete at %s", when(s, c->complete_ts, t, sizeof t));
    } else {
        fprintf(s->out, "Run: NOT complete: %d of %d domain%s done", done, c->ndomains,
                c->ndomains == 1 ? "" : "s");
        if (failed)
            fprintf(s->out, ", %d server%s failed", failed, failed == 1 ? "" : "s");
        if (lost)
            fprintf(s->out, ", %d with an unknown outcome", lost);
        if (c->stopped) {
            fprintf(s->out, "; stopped at %s", when(s, c->stop_ts, t, sizeof t));
            if (c->stop_reason[0]) {
                fputs(": ", s->out);
                quoted(s, c->stop_reason);
            }
        }
        else if (c->stop_ts[0])
            fprintf(s->out, "; stopped at %s, then resumed", when(s, c->stop_ts, t, sizeof t));
        if (c->live)
            fputs("; a console is running it now", s->out);
    }
    fputc('\n', s->out);
}

int status_print(FILE *out, const struct pp_checklist *c, bool utf8)
{
    struct st s = {out, utf8, c, ""};
    char full[48];
    int width = 0;

    report_time(c->first_ts, full, sizeof full);
    if (strlen(full) == 20)
        snprintf(s.day, sizeof s.day, "%.10s", full);
    for (int i = 0; i < c->nservers; i++) {
        int w = 0;   /* characters, as put() counts them */
        for (const char *p = c->servers[i].name; *p; p++)
            w += ((unsigned char)*p & 0xC0) != 0x80;
        width = w > width ? w : width;
    }
    header(&s);
    if (c->ndomains || c->nservers)
        fputc('\n', out);
    for (int i = 0; i < c->ndomains; i++)
        domain_block(&s, i, width);
    if (checklist_servers_in(c, -1))
        domain_block(&s, -1, width);
    if (c->records)
        footer(&s);
    fflush(out);
    return ferror(out) ? -1 : 0;
}
