/* --report=md|json|csv: the run for the change ticket (see report.h). */
#include "backend/training/debrief.h"
#include "backend/journal/journal_eta.h"
#include "backend/core/jsonstr.h"
#include "backend/history/report.h"
#include "backend/core/text.h"
#include "config/config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int report_fmt_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "md") == 0 || strcmp(s, "markdown") == 0)
        return PP_REPORT_MD;
    if (strcmp(s, "json") == 0)
        return PP_REPORT_JSON;
    if (strcmp(s, "csv") == 0)
        return PP_REPORT_CSV;
    return -1;
}

int report_expect_topology(struct pp_checklist *c, const struct pp_config *cfg)
{
    for (int i = 0; cfg && i < cfg->nservers; i++)
        if (checklist_expect(c, cfg->servers[i].domain, cfg->servers[i].name) < 0)
            return -1;
    return 0;
}

static const char *domain_of(const struct pp_checklist *c, const struct pp_cl_server *v)
{
    return v->domain >= 0 ? c->domains[v->domain].name : "";
}

static int domains_done(const struct pp_checklist *c)
{
    int n = 0;
    for (int i = 0; i < c->ndomains; i++)
        n += c->domains[i].state >= PP_CL_DOM_DONE;
    return n;
}

static const char *run_result(const struct pp_checklist *c)
{
    if (c->complete)
        return "complete";
    if (c->stopped)
        return "stopped";
    if (c->live)
        return "running";
    return "not complete";
}

/* What the note column says about a server. */
static const char *server_note(const struct pp_cl_server *v)
{
    const struct pp_cl_step *st = v->step >= 0 ? &v->steps[v->step] : NULL;
    switch (v->state) {
    case PP_CL_SRV_SKIPPED:
    case PP_CL_SRV_MARKED_DONE:
        return v->reason;
    case PP_CL_SRV_LOST:
        return v->probe[0] ? v->probe : "outcome unknown";
    case PP_CL_SRV_FAILED:
        return st ? st->detail : "";
    default:
        return "";
    }
}

/* ---- Markdown ---- */

/* Journal text inside a table cell or a list item: nothing in it may end
 * the cell, start markup or open an HTML tag. */
static void md_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            fputc(' ', f);
        else if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '>')
            fputs("&gt;", f);
        else if (*p == '&')
            fputs("&amp;", f);
        else if (strchr("\\`*_[]|", *p)) {
            fputc('\\', f);
            fputc(*p, f);
        } else
            fputc(*p, f);
    }
}

static void md_time(FILE *f, const char *ts)
{
    char t[48];
    report_time(ts, t, sizeof t);
    md_text(f, t);
}

static void md_step_cell(FILE *f, const struct pp_checklist *c, const struct pp_cl_step *st)
{
    if (st->running)
        fputs(c->live ? "running" : "no end", f);
    else
        md_text(f, st->result);
    if (st->runs > 1)
        fprintf(f, " (%d runs)", st->runs);
}

static void md_summary(FILE *f, const struct pp_checklist *c)
{
    char d[32];
    int count[7] = {0};

    fputs("# Upgrade report: ", f);
    md_text(f, c->pool[0] ? c->pool : "(unknown pool)");
    fputs("\n\n| | |\n|---|---|\n| Pool | ", f);
    md_text(f, c->pool[0] ? c->pool : "(unknown)");
    fputs(" |\n", f);
    if (c->training)
        fputs("| Training run | yes (simulated pool) |\n", f);
    fprintf(f, "| Result | %s", run_result(c));
    if (!c->complete)
        fprintf(f, ": %d of %d domains done", domains_done(c), c->ndomains);
    if (c->stopped && c->stop_reason[0]) {
        fputs("; stop reason: ", f);
        md_text(f, c->stop_reason);
    }
    fputs(" |\n| Started | ", f);
    md_time(f, c->start_ts[0] ? c->start_ts : c->first_ts);
    if (c->start_by[0]) {
        fputs(" by ", f);
        md_text(f, c->start_by);
    }
    fputs(" |\n| Ended | ", f);
    md_time(f, c->complete ? c->complete_ts : c->last_ts);
    fputs(c->complete ? " |\n" : " (last record) |\n", f);
    text_duration(checklist_ts_ms(c->complete ? c->complete_ts : c->last_ts) -
                        checklist_ts_ms(c->start_ts[0] ? c->start_ts : c->first_ts),
                    d, sizeof d);
    fprintf(f, "| Duration | %s |\n| Operators | ", d);
    for (int i = 0; i < c->noperators; i++) {
        fputs(i ? ", " : "", f);
        md_text(f, c->operators[i]);
    }
    for (int i = 0; i < c->nservers; i++)
        count[c->servers[i].state]++;
    fprintf(f, " |\n| Domains | %d (%d done) |\n| Servers | %d", c->ndomains, domains_done(c),
            c->nservers);
    for (int k = 0, first = 1; k < 7; k++)
        if (count[k]) {
            fprintf(f, "%s%d %s", first ? ": " : ", ", count[k],
                    checklist_srv_name((enum pp_cl_srv)k));
            first = 0;
        }
    fprintf(f, " |\n| Readiness checks | %d (Ready %d, Busy %d, InsufficientActiveFrontEnds %d,"
            " other %d) |\n", c->readiness_checks, c->ready_count, c->busy_count,
            c->insufficient_count, c->other_count);
    if (c->failover_ts[0]) {
        fputs("| Failover | ", f);
        md_text(f, c->failover_result[0] ? c->failover_result : "started");
        fputs(" at ", f);
        md_time(f, c->failover_ts);
        fputs("; failback: ", f);
        if (c->failback_ts[0]) {
            md_text(f, c->failback_result[0] ? c->failback_result : "started");
            fputs(" at ", f);
            md_time(f, c->failback_ts);
        } else
            fputs("none", f);
        fputs(" |\n", f);
    }
    if (c->backend_ts[0]) {
        /* an open item stays on the report: the pool is not finished */
        fputs("| Back End | ", f);
        if (!strcmp(c->backend_state, "open")) {
            fputs("**open**: ", f);
            md_text(f, c->backend_text);
        } else {
            md_text(f, c->backend_result[0] ? c->backend_result : "started");
            fputs(" at ", f);
            md_time(f, c->backend_ts);
        }
        fputs(" |\n", f);
    }
    fprintf(f, "| Overrides | %d |\n| Journal records | %lld |\n", c->noverrides, c->records);
}

static void md_domain(FILE *f, const struct pp_checklist *c, int di)
{
    char d[32];
    if (di >= 0) {
        const struct pp_cl_domain *dom = &c->domains[di];
        fputs("\n## ", f);
        md_text(f, dom->name);
        fprintf(f, ": %s\n\n", checklist_dom_name(dom->state));
        if (dom->started[0]) {
            fputs("Started ", f);
            md_time(f, dom->started);
            if (dom->by[0]) {
                fputs(" by ", f);
                md_text(f, dom->by);
            }
            if (dom->finished[0]) {
                text_duration(checklist_ts_ms(dom->finished) - checklist_ts_ms(dom->started),
                                d, sizeof d);
                fputs(", finished ", f);
                md_time(f, dom->finished);
                fprintf(f, " (%s)", d);
            }
            fputs(".", f);
        } else
            fputs("Not started.", f);
        if (dom->manual) {
            fputs(" Marked done by hand", f);
            if (dom->manual_by[0]) {
                fputs(" by ", f);
                md_text(f, dom->manual_by);
            }
            fputs(": ", f);
            md_text(f, dom->reason[0] ? dom->reason : "(no reason given)");
            fputs(".", f);
        }
        fputs("\n", f);
    } else
        fputs("\n## Servers no record placed in a domain\n", f);
    if (!checklist_servers_in(c, di)) {
        fputs("\nNo server of this domain appears in the journal.\n", f);
        return;
    }
    fputs("\n| Server | State |", f);
    for (int k = 0; k < PP_STEP_COUNT; k++)
        fprintf(f, " %s |", pp_step_name((enum pp_step)k));
    fputs(" Finished | By | Note |\n|---|---|", f);
    for (int k = 0; k < PP_STEP_COUNT; k++)
        fputs("---|", f);
    fputs("---|---|---|\n", f);
    for (int i = 0; i < c->nservers; i++) {
        const struct pp_cl_server *v = &c->servers[i];
        if (v->domain != di)
            continue;
        fputs("| ", f);
        md_text(f, v->name);
        fprintf(f, " | %s |", checklist_srv_name(v->state));
        for (int k = 0; k < PP_STEP_COUNT; k++) {
            fputs(" ", f);
            md_step_cell(f, c, &v->steps[k]);
            fputs(" |", f);
        }
        fputs(" ", f);
        if (v->finished[0])
            md_time(f, v->finished);
        fputs(" | ", f);
        md_text(f, v->by);
        fputs(" | ", f);
        md_text(f, server_note(v));
        fputs(" |\n", f);
    }
    /* attempts that did not end ok: the exceptions a reviewer looks for */
    int shown = 0;
    for (int i = 0; i < c->nruns; i++) {
        const struct pp_cl_run *run = &c->runs[i];
        const struct pp_cl_server *v = &c->servers[run->server];
        if (v->domain != di || (!run->running && strcmp(run->result, "ok") == 0))
            continue;
        if (!shown++)
            fputs("\nAttempts that did not end ok:\n\n", f);
        fputs("- ", f);
        md_text(f, v->name);
        fprintf(f, " %s: ", pp_step_name((enum pp_step)run->step));
        if (run->running)
            fputs(c->live ? "running" : "no end recorded (outcome unknown)", f);
        else
            md_text(f, run->result);
        fputs(run->running ? ", started " : " at ", f);
        md_time(f, run->running ? run->started : run->ended);
        if (run->by[0]) {
            fputs(" (", f);
            md_text(f, run->by);
            fputs(")", f);
        }
        if (run->detail[0]) {
            fputs(": ", f);
            md_text(f, run->detail);
        }
        fputs("\n", f);
    }
}

static void md_rest(FILE *f, const struct pp_checklist *c)
{
    fputs("\n## Overrides\n\n", f);
    if (!c->noverrides)
        fputs("None.\n", f);
    else
        fputs("| Time | Operator | Action | Target | Reason |\n|---|---|---|---|---|\n", f);
    for (int i = 0; i < c->noverrides; i++) {
        const struct pp_cl_override *o = &c->overrides[i];
        fputs("| ", f);
        md_time(f, o->ts);
        fputs(" | ", f);
        md_text(f, o->operator_);
        fputs(" | ", f);
        md_text(f, o->action);
        fputs(" | ", f);
        md_text(f, o->target);
        fputs(" | ", f);
        md_text(f, o->reason[0] ? o->reason : "(no reason given)");
        fputs(" |\n", f);
    }
    fputs("\n## Pool problems\n\n", f);
    if (!c->pool_problems)
        fputs("None.\n", f);
    for (int i = 0; i < c->ntimeline; i++)
        if (journal_event_parse(c->timeline[i].event) == PP_JEV_POOL_PROBLEM) {
            fputs("- ", f);
            md_time(f, c->timeline[i].ts);
            fputs(": ", f);
            md_text(f, c->timeline[i].text);
            fputs("\n", f);
        }
    fputs("\n## Timeline\n\n", f);
    for (int i = 0; i < c->ntimeline; i++) {
        const struct pp_cl_event *e = &c->timeline[i];
        fputs("- ", f);
        md_time(f, e->ts);
        fputs(" ", f);
        md_text(f, e->event);
        if (e->text[0]) {
            fputs(": ", f);
            md_text(f, e->text);
        }
        if (e->operator_[0]) {
            fputs(" (", f);
            md_text(f, e->operator_);
            fputs(")", f);
        }
        fputs("\n", f);
    }
    fprintf(f, "\nReadiness checks: %d. Waits: %d. Confirmations: %d (%d automatic, by --yes). "
            "Journal records: %lld, up to seq %lld.\n", c->readiness_checks, c->waits,
            c->confirms, c->auto_confirms, c->records, c->last_seq);
}

/* A domain's actual duration from its records, -1 when it has not ended. */
static int64_t domain_actual(const struct pp_cl_domain *d)
{
    int64_t a = d->started[0] ? eta_parse_ts(d->started) : -1;
    int64_t b = d->finished[0] ? eta_parse_ts(d->finished) : -1;
    return a >= 0 && b >= a ? b - a : -1;
}

static void dur(int64_t ms, char *buf, size_t n)
{
    if (ms < 0)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%lldh%02lldm%02llds", (long long)(ms / 3600000),
                 (long long)(ms / 60000 % 60), (long long)(ms / 1000 % 60));
}

static void md_plan(FILE *f, const struct pp_checklist *c, const struct pp_report_plan *p)
{
    fprintf(f, "\n## Planned vs actual\n\nPlanned: the median step durations of %d earlier "
               "journal%s of this pool (steps only; the gaps between domains are not planned).\n\n"
               "| domain | planned | actual | difference |\n|---|---|---|---|\n",
            p->journals, p->journals == 1 ? "" : "s");
    for (int i = 0; i < c->ndomains; i++) {
        int64_t pl = i < p->n ? p->planned[i] : -1, ac = domain_actual(&c->domains[i]);
        char a[32], b[32], d[40];
        dur(pl, a, sizeof a);
        dur(ac, b, sizeof b);
        if (pl >= 0 && ac >= 0) {
            char x[32];
            dur(ac > pl ? ac - pl : pl - ac, x, sizeof x);
            snprintf(d, sizeof d, "%s%s", ac >= pl ? "+" : "-", x);
        } else {
            snprintf(d, sizeof d, "-");
        }
        fputs("| ", f);
        md_text(f, c->domains[i].name);
        fprintf(f, " | %s | %s | %s |\n", a, b, d);
    }
}

static void report_md(FILE *f, const struct pp_checklist *c, const struct pp_debrief *db,
                      const struct pp_report_plan *plan)
{
    md_summary(f, c);
    for (int i = 0; i < c->ndomains; i++)
        md_domain(f, c, i);
    if (checklist_servers_in(c, -1))
        md_domain(f, c, -1);
    md_rest(f, c);
    if (plan)
        md_plan(f, c, plan);
    if (db)
        debrief_write_md(f, db);
}

/* ---- JSON ---- */

static void js_key(FILE *f, const char *key, const char *val)
{
    fprintf(f, "\"%s\":", key);
    if (val)
        jsonstr_fput(f, val);
    else
        fputs("null", f);
}

/* A time, or null when the journal has none. */
static void js_ts(FILE *f, const char *key, const char *ts)
{
    js_key(f, key, ts[0] ? ts : NULL);
}

static void js_server(FILE *f, const struct pp_checklist *c, const struct pp_cl_server *v)
{
    fputs("{", f);
    js_key(f, "name", v->name);
    fputs(",", f);
    js_key(f, "domain", v->domain >= 0 ? domain_of(c, v) : NULL);
    fputs(",", f);
    js_key(f, "state", checklist_srv_name(v->state));
    fputs(",", f);
    js_ts(f, "started", v->started);
    fputs(",", f);
    js_ts(f, "finished", v->finished);
    fputs(",", f);
    js_key(f, "by", v->by);
    fputs(",", f);
    js_key(f, "reason", v->reason);
    fputs(",", f);
    js_key(f, "probe", v->probe);
    fputs(",\"steps\":[", f);
    for (int k = 0, n = 0; k < PP_STEP_COUNT; k++) {
        const struct pp_cl_step *st = &v->steps[k];
        if (!st->runs)
            continue;
        fputs(n++ ? "," : "", f);
        fputs("{", f);
        js_key(f, "step", pp_step_name((enum pp_step)k));
        fputs(",", f);
        js_key(f, "result", st->running ? NULL : st->result);
        fprintf(f, ",\"running\":%s,\"runs\":%d,", st->running ? "true" : "false", st->runs);
        js_ts(f, "started", st->started);
        fputs(",", f);
        js_ts(f, "ended", st->ended);
        fputs(",", f);
        js_key(f, "operator", st->by);
        fputs(",", f);
        js_key(f, "detail", st->detail);
        fputs("}", f);
    }
    fputs("]}", f);
}

static void report_json(FILE *f, const struct pp_checklist *c, const struct pp_debrief *db,
                        const struct pp_report_plan *plan)
{
    fputs("{\n  ", f);
    js_key(f, "pool", c->pool[0] ? c->pool : NULL);
    fprintf(f, ",\n  \"training\":%s,\n  ", c->training ? "true" : "false");
    js_ts(f, "start", c->start_ts[0] ? c->start_ts : c->first_ts);
    fputs(",\n  ", f);
    js_ts(f, "end", c->complete ? c->complete_ts : c->last_ts);
    fputs(",\n  ", f);
    js_key(f, "operator", c->start_by[0] ? c->start_by : NULL);
    fputs(",\n  \"operators\":[", f);
    for (int i = 0; i < c->noperators; i++) {
        fputs(i ? "," : "", f);
        jsonstr_fput(f, c->operators[i]);
    }
    fputs("],\n  ", f);
    js_key(f, "result", run_result(c));
    fputs(",\n  ", f);
    js_key(f, "stop_reason", c->stopped ? c->stop_reason : NULL);
    fprintf(f, ",\n  \"records\":%lld,\n  \"last_seq\":%lld,\n  \"resumes\":%d,\n",
            c->records, c->last_seq, c->resumes);
    fprintf(f, "  \"readiness\":{\"checks\":%d,\"ready\":%d,\"busy\":%d,\"insufficient\":%d,"
            "\"other\":%d,", c->readiness_checks, c->ready_count, c->busy_count,
            c->insufficient_count, c->other_count);
    js_key(f, "last", c->last_readiness[0] ? c->last_readiness : NULL);
    fputs(",", f);
    js_ts(f, "last_ts", c->last_readiness_ts);
    fprintf(f, "},\n  \"waits\":%d,\n  \"confirms\":%d,\n  \"auto_confirms\":%d,\n",
            c->waits, c->confirms, c->auto_confirms);
    fputs("  \"failover\":", f);
    if (c->failover_ts[0]) {
        fputs("{", f);
        js_ts(f, "ts", c->failover_ts);
        fputs(",", f);
        js_key(f, "result", c->failover_result);
        fputs("}", f);
    } else
        fputs("null", f);
    fputs(",\n  \"failback\":", f);
    if (c->failback_ts[0]) {
        fputs("{", f);
        js_ts(f, "ts", c->failback_ts);
        fputs(",", f);
        js_key(f, "result", c->failback_result);
        fputs("}", f);
    } else
        fputs("null", f);
    fputs(",\n  \"backend\":", f);
    if (c->backend_ts[0]) {
        fputs("{", f);
        js_ts(f, "ts", c->backend_ts);
        fputs(",", f);
        js_key(f, "state", !strcmp(c->backend_state, "open") ? "open" : "run");
        fputs(",", f);
        js_key(f, "result", c->backend_result);
        fputs(",", f);
        js_key(f, "text", c->backend_text);
        fputs("}", f);
    } else
        fputs("null", f);
    fputs(",\n  \"domains\":[", f);
    for (int i = 0; i < c->ndomains; i++) {
        const struct pp_cl_domain *d = &c->domains[i];
        fputs(i ? ",\n    {" : "\n    {", f);
        js_key(f, "name", d->name);
        fputs(",", f);
        js_key(f, "state", checklist_dom_name(d->state));
        fputs(",", f);
        js_ts(f, "started", d->started);
        fputs(",", f);
        js_ts(f, "finished", d->finished);
        fputs(",", f);
        js_key(f, "by", d->by);
        fprintf(f, ",\"manual\":%s,", d->manual ? "true" : "false");
        js_key(f, "reason", d->reason);
        fputs(",\"servers\":[", f);
        for (int s = 0, n = 0; s < c->nservers; s++)
            if (c->servers[s].domain == i) {
                fputs(n++ ? "," : "", f);
                jsonstr_fput(f, c->servers[s].name);
            }
        fputs("]}", f);
    }
    fputs(c->ndomains ? "\n  ],\n  \"servers\":[" : "],\n  \"servers\":[", f);
    for (int i = 0; i < c->nservers; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        js_server(f, c, &c->servers[i]);
    }
    fputs(c->nservers ? "\n  ],\n  \"overrides\":[" : "],\n  \"overrides\":[", f);
    for (int i = 0; i < c->noverrides; i++) {
        const struct pp_cl_override *o = &c->overrides[i];
        fprintf(f, "%s{\"seq\":%lld,", i ? ",\n    " : "\n    ", o->seq);
        js_ts(f, "ts", o->ts);
        fputs(",", f);
        js_key(f, "operator", o->operator_);
        fputs(",", f);
        js_key(f, "action", o->action);
        fputs(",", f);
        js_key(f, "target", o->target);
        fputs(",", f);
        js_key(f, "reason", o->reason);
        fputs("}", f);
    }
    fputs(c->noverrides ? "\n  ],\n  \"runs\":[" : "],\n  \"runs\":[", f);
    for (int i = 0; i < c->nruns; i++) {
        const struct pp_cl_run *run = &c->runs[i];
        const struct pp_cl_server *v = &c->servers[run->server];
        fputs(i ? ",\n    {" : "\n    {", f);
        js_key(f, "server", v->name);
        fputs(",", f);
        js_key(f, "domain", v->domain >= 0 ? domain_of(c, v) : NULL);
        fputs(",", f);
        js_key(f, "step", pp_step_name((enum pp_step)run->step));
        fputs(",", f);
        js_key(f, "result", run->running ? NULL : run->result);
        fprintf(f, ",\"running\":%s,", run->running ? "true" : "false");
        js_ts(f, "started", run->started);
        fputs(",", f);
        js_ts(f, "ended", run->ended);
        fputs(",", f);
        js_key(f, "operator", run->by);
        fputs(",", f);
        js_key(f, "detail", run->detail);
        fputs("}", f);
    }
    fputs(c->nruns ? "\n  ],\n  \"timeline\":[" : "],\n  \"timeline\":[", f);
    for (int i = 0; i < c->ntimeline; i++) {
        const struct pp_cl_event *e = &c->timeline[i];
        fprintf(f, "%s{\"seq\":%lld,", i ? ",\n    " : "\n    ", e->seq);
        js_ts(f, "ts", e->ts);
        fputs(",", f);
        js_key(f, "event", e->event);
        fputs(",", f);
        js_key(f, "operator", e->operator_);
        fputs(",", f);
        js_key(f, "text", e->text);
        fputs("}", f);
    }
    fprintf(f, "%s,\n  \"events\":%lld", c->ntimeline ? "\n  ]" : "]", c->records);
    if (plan) {   /* ms; null = unknown / not ended */
        fprintf(f, ",\n  \"planned\":{\"journals\":%d,\"domains\":[", plan->journals);
        for (int i = 0; i < c->ndomains; i++) {
            int64_t pl = i < plan->n ? plan->planned[i] : -1, ac = domain_actual(&c->domains[i]);
            fprintf(f, "%s{", i ? "," : "");
            js_key(f, "domain", c->domains[i].name);
            if (pl >= 0)
                fprintf(f, ",\"planned_ms\":%lld", (long long)pl);
            else
                fputs(",\"planned_ms\":null", f);
            if (ac >= 0)
                fprintf(f, ",\"actual_ms\":%lld}", (long long)ac);
            else
                fputs(",\"actual_ms\":null}", f);
        }
        fputs("]}", f);
    }
    if (db) {
        fputs(",\n  \"debrief\":", f);
        debrief_write_json(f, db);
    }
    fputs("\n}\n", f);
}

/* ---- CSV ---- */

/* One RFC 4180 field.  Journal text is copied with its control bytes (C0,
 * CR and LF included, and DEL) turned into spaces: a report is read with
 * `cat` as often as in a spreadsheet, and one record stays one line for
 * grep.  Only ',' and '"' then need quoting. */
static void csv_field(FILE *f, const char *s, bool last)
{
    bool quote = strpbrk(s, ",\"") != NULL;
    if (quote)
        fputc('"', f);
    if (s[0] && strchr("=+-@", s[0]))
        fputc('\'', f);   /* see report.h: no formulas from a journal */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p < 0x20 || *p == 0x7F ? ' ' : *p, f);
    }
    if (quote)
        fputc('"', f);
    fputs(last ? "\r\n" : ",", f);
}

static void report_csv(FILE *f, const struct pp_checklist *c)
{
    fputs("domain,server,step,result,started,ended,operator\r\n", f);
    /* domain order, then the servers no record placed; each server's
     * attempts in journal order */
    for (int di = 0; di <= c->ndomains; di++) {
        int want = di < c->ndomains ? di : -1;
        for (int i = 0; i < c->nservers; i++) {
            const struct pp_cl_server *v = &c->servers[i];
            int rows = 0;
            if (v->domain != want)
                continue;
            for (int k = 0; k < c->nruns; k++) {
                const struct pp_cl_run *run = &c->runs[k];
                if (run->server != i)
                    continue;
                rows++;
                csv_field(f, domain_of(c, v), false);
                csv_field(f, v->name, false);
                csv_field(f, pp_step_name((enum pp_step)run->step), false);
                csv_field(f, run->running ? (c->live ? "running" : "lost") : run->result, false);
                csv_field(f, run->started, false);
                csv_field(f, run->ended, false);
                csv_field(f, run->by, true);
            }
            if (!rows) {
                csv_field(f, domain_of(c, v), false);
                csv_field(f, v->name, false);
                csv_field(f, "", false);
                csv_field(f, checklist_srv_name(v->state), false);
                csv_field(f, "", false);
                csv_field(f, v->finished, false);
                csv_field(f, v->by, true);
            }
        }
    }
}

int report_write(FILE *out, enum pp_report_fmt fmt, const struct pp_checklist *c,
                 char *err, size_t errn)
{
    return report_write_debrief(out, fmt, c, NULL, err, errn);
}

int report_write_debrief(FILE *out, enum pp_report_fmt fmt, const struct pp_checklist *c,
                         const struct pp_debrief *db, char *err, size_t errn)
{
    return report_write_full(out, fmt, c, db, NULL, err, errn);
}

int report_write_full(FILE *out, enum pp_report_fmt fmt, const struct pp_checklist *c,
                      const struct pp_debrief *db, const struct pp_report_plan *plan, char *err,
                      size_t errn)
{
    switch (fmt) {
    case PP_REPORT_MD:
        report_md(out, c, db, plan);
        break;
    case PP_REPORT_JSON:
        report_json(out, c, db, plan);
        break;
    case PP_REPORT_CSV:
        report_csv(out, c);
        break;
    default:
        snprintf(err, errn, "unknown report format");
        return -1;
    }
    if (fflush(out) != 0 || ferror(out)) {
        snprintf(err, errn, "cannot write the report: %s", strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
