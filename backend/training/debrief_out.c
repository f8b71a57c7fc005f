/* The debrief written out: translated lines for the screen and headless
 * mode, and English sections of the Markdown and JSON reports (escaped the
 * way report.c escapes journal text). */
#include "backend/training/debrief.h"

#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/core/jsonstr.h"
#include "backend/core/text.h"
#include "backend/journal/journal.h"

static const char *offset(int64_t at, char *buf, size_t n)
{
    if (at < 0) {
        snprintf(buf, n, "?");
        return buf;
    }
    long long s = (long long)(at / 1000);
    if (s >= 3600)
        snprintf(buf, n, "+%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, n, "+%02lld:%02lld", s / 60, s % 60);
    return buf;
}

static const char *result_local(const char *r)
{
    if (!strcmp(r, "complete"))
        return _("complete");
    if (!strcmp(r, "stopped"))
        return _("stopped");
    return _("unfinished");
}

void debrief_lines(const struct pp_debrief *db, db_line_fn fn, void *ctx)
{
    char line[DB_TEXT + PP_REASON_MAX + 256], took[32], at[32];
    if (db->scenario[0])
        snprintf(line, sizeof line, _("Debrief: %s (%s)"), db->scenario, db->title_local);
    else
        snprintf(line, sizeof line, _("Debrief"));
    fn(ctx, line);
    text_duration(db->took, took, sizeof took);
    char say[PP_REASON_MAX + 64];
    journal_say(db->end_reason, say, sizeof say);
    snprintf(line, sizeof line, _("Time taken: %s on the run's clock; result: %s%s%s"),
             db->took >= 0 ? took : "?", result_local(db->result), db->end_reason[0] ? _(" - ") : "",
             say);
    fn(ctx, line);
    if (db->expect_local[0]) {
        snprintf(line, sizeof line, _("Expected: %s"), db->expect_local);
        fn(ctx, line);
    }
    if (db->faults_local[0]) {
        snprintf(line, sizeof line, _("Faults and their expected answers: %s"), db->faults_local);
        fn(ctx, line);
    }
    snprintf(line, sizeof line, P_("%d decision:", "%d decisions:", db->ndec), db->ndec);
    fn(ctx, line);
    for (int i = 0; i < db->ndec; i++) {
        const struct pp_db_decision *d = &db->dec[i];
        char subj[sizeof d->subject + 64];
        journal_say(d->subject, subj, sizeof subj);
        snprintf(line, sizeof line, "  %s #%lld %s%s%s%s%s%s", offset(d->at, at, sizeof at), d->seq,
                 d->operator_, _(": "), subj, d->reason[0] ? _(" (") : "",
                 d->automatic ? _("automatic, --yes") : d->reason, d->reason[0] ? _(")") : "");
        fn(ctx, line);
    }
    if (db->departures == 0) {
        fn(ctx, _("No departures from the expected path."));
    } else {
        snprintf(line, sizeof line,
                 P_("%d departure from the expected path:", "%d departures from the expected path:",
                    db->departures),
                 db->departures);
        fn(ctx, line);
    }
    for (int i = 0; i < db->nnotes; i++) {
        const struct pp_db_note *x = &db->notes[i];
        if (!x->departure)
            continue;
        if (x->seq)
            snprintf(line, sizeof line, "  ! #%lld %s", x->seq, x->local);
        else
            snprintf(line, sizeof line, "  ! %s", x->local);
        fn(ctx, line);
    }
    for (int i = 0; i < db->nnotes; i++) {
        const struct pp_db_note *x = &db->notes[i];
        if (x->departure)
            continue;
        if (x->seq)
            snprintf(line, sizeof line, "  - #%lld %s", x->seq, x->local);
        else
            snprintf(line, sizeof line, "  - %s", x->local);
        fn(ctx, line);
    }
}

/* ---- Markdown ---- */

static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("|*_`[]<>\\", *s))
            fputc('\\', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
}

int debrief_write_md(FILE *f, const struct pp_debrief *db)
{
    char took[32], at[32];
    fputs("\n## Debrief (training)\n\n", f);
    if (db->scenario[0]) {
        fputs("Scenario: ", f);
        md_text(f, db->scenario);
        fputs(" - ", f);
        md_text(f, db->title);
        fputs("\n\n", f);
    }
    text_duration(db->took, took, sizeof took);
    fprintf(f, "Time taken: %s on the run's clock (virtual in training). Result: %s",
            db->took >= 0 ? took : "unknown", db->result);
    if (db->end_reason[0]) {
        fputs(" (", f);
        md_text(f, db->end_reason);
        fputs(")", f);
    }
    fputs(".\n\n", f);
    if (db->expect[0]) {
        fputs("Expected: ", f);
        md_text(f, db->expect);
        fputs("\n\n", f);
    }
    if (db->faults[0]) {
        fputs("Faults and their expected answers: ", f);
        md_text(f, db->faults);
        fputs("\n\n", f);
    }
    fprintf(f, "### Decisions (%d)\n\n", db->ndec);
    if (db->ndec) {
        fputs("| seq | time | operator | decision | reason |\n|---|---|---|---|---|\n", f);
        for (int i = 0; i < db->ndec; i++) {
            const struct pp_db_decision *d = &db->dec[i];
            fprintf(f, "| %lld | %s | ", d->seq, offset(d->at, at, sizeof at));
            md_text(f, d->operator_);
            fputs(" | ", f);
            md_text(f, d->subject);
            fputs(" | ", f);
            md_text(f, d->reason);
            fputs(" |\n", f);
        }
        fputs("\n", f);
    }
    fprintf(f, "### Departures from the expected path (%d)\n\n", db->departures);
    if (!db->departures)
        fputs("None found.\n", f);
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && db->nnotes > db->departures)
            fputs("\n### Remarks\n\n", f);
        for (int i = 0; i < db->nnotes; i++) {
            const struct pp_db_note *x = &db->notes[i];
            if (x->departure != (pass == 0))
                continue;
            fputs("- ", f);
            if (x->seq)
                fprintf(f, "seq %lld: ", x->seq);
            md_text(f, x->text);
            fputs("\n", f);
        }
    }
    fputs("\nThe debrief judges decisions against what the journal records; it cannot judge "
          "whether the output was read or a reason is sound.\n", f);
    return ferror(f) ? -1 : 0;
}

/* ---- JSON ---- */

static void js(FILE *f, const char *key, const char *val, bool comma)
{
    fprintf(f, "\"%s\":", key);
    jsonstr_fput(f, val);
    if (comma)
        fputc(',', f);
}

int debrief_write_json(FILE *f, const struct pp_debrief *db)
{
    fputs("{", f);
    js(f, "scenario", db->scenario, true);
    js(f, "title", db->title, true);
    js(f, "expected", db->expect, true);
    js(f, "faults", db->faults, true);
    js(f, "result", db->result, true);
    js(f, "end_reason", db->end_reason, true);
    if (db->took >= 0)
        fprintf(f, "\"took_ms\":%lld,", (long long)db->took);
    else
        fputs("\"took_ms\":null,", f);
    fprintf(f, "\"injected\":%d,\"automatic_confirmations\":%d,\n    \"decisions\":[", db->injected,
            db->auto_confirms);
    for (int i = 0; i < db->ndec; i++) {
        const struct pp_db_decision *d = &db->dec[i];
        fprintf(f, "%s{\"seq\":%lld,", i ? ",\n      " : "\n      ", d->seq);
        js(f, "ts", d->ts, true);
        if (d->at >= 0)
            fprintf(f, "\"at_ms\":%lld,", (long long)d->at);
        else
            fputs("\"at_ms\":null,", f);
        js(f, "operator", d->operator_, true);
        js(f, "event", d->event, true);
        js(f, "decision", d->subject, true);
        js(f, "reason", d->reason, true);
        fprintf(f, "\"automatic\":%s}", d->automatic ? "true" : "false");
    }
    fputs(db->ndec ? "\n    ],\n    \"departures\":[" : "],\n    \"departures\":[", f);
    for (int pass = 0; pass < 2; pass++) {
        int k = 0;
        if (pass == 1)
            fputs("],\n    \"remarks\":[", f);
        for (int i = 0; i < db->nnotes; i++) {
            const struct pp_db_note *x = &db->notes[i];
            if (x->departure != (pass == 0))
                continue;
            if (x->seq)
                fprintf(f, "%s{\"seq\":%lld,", k++ ? "," : "", x->seq);
            else
                fprintf(f, "%s{\"seq\":null,", k++ ? "," : "");
            js(f, "text", x->text, false);
            fputs("}", f);
        }
    }
    fputs("]}", f);
    return ferror(f) ? -1 : 0;
}
