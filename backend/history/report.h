/* What poolpilot prints from a journal: --status (a checklist an admin reads
 * at a glance) and --report=md|json|csv (for the change ticket).
 * Both read a finished checklist (checklist_load or checklist_finish) and
 * never change it.  Times are printed in UTC, as the journal stores them. */
#ifndef PP_REPORT_H
#define PP_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend/journal/checklist.h"

struct pp_config;
/* Names the pool's topology (cfg's [servers], in order) in c before the
 * journal is folded: counts are then out of the whole pool, never out of
 * the domains the journal happens to mention, and domains and servers are
 * listed in topology order.  Returns 0, or -1 when out of memory. */
int report_expect_topology(struct pp_checklist *c, const struct pp_config *cfg);

enum pp_report_fmt { PP_REPORT_MD, PP_REPORT_JSON, PP_REPORT_CSV };

/* "md" (or "markdown"), "json", "csv" -> the format; -1 when unknown. */
int report_fmt_parse(const char *s);

/* Writes the whole report to out.  Returns 0, or -1 with err when the
 * stream fails (disk full, closed pipe).
 *  md:   headings, a summary table, a table per domain with the attempts
 *        that did not end ok, overrides, pool problems, a timeline summary.  Text from the journal is escaped
 *        so it cannot break a table or inject markup (| * _ ` [ ] < > \).
 *  json: one object: pool, training, start, end, operator, operators[],
 *        result, stop_reason, records, readiness{}, failover, failback,
 *        domains[], servers[] (with steps[], each step's last attempt),
 *        overrides[], runs[] (every step attempt), timeline[], events
 *        (the record count).  Missing times are null.
 *  csv:  RFC 4180 (CRLF, quotes doubled), header
 *        domain,server,step,result,started,ended,operator and one row per
 *        step attempt (a re-run after a failure is a row of its own; a
 *        step with no end recorded says "lost", or "running" while a
 *        console runs the pool); a server none of whose steps ran gets one
 *        row with an empty step and its state (pending, skipped, marked
 *        done) as the result.  Control bytes in journal text (TAB, CR
 *        and LF included) become spaces, so a row is one line and `cat`
 *        draws nothing raw.  A field starting with = + - @ gets a leading
 *        ' so a spreadsheet shows it as text instead of running it as a
 *        formula (OWASP "CSV injection"): the value in the file differs
 *        from the journal by that one character, which is the price of a
 *        report that is safe to open. */
int report_write(FILE *out, enum pp_report_fmt fmt, const struct pp_checklist *c,
                 char *err, size_t errn);

struct pp_debrief;
/* The same with a training debrief (backend/debrief.h; NULL = none): md
 * ends with a "## Debrief (training)" section, json gets a "debrief" key
 * (the last one), csv is unchanged (one row per step attempt has no place
 * for it). */
int report_write_debrief(FILE *out, enum pp_report_fmt fmt, const struct pp_checklist *c,
                         const struct pp_debrief *db, char *err, size_t errn);

/* Planned vs actual per domain (issue 13): planned[i] is checklist domain
 * i's duration estimated from earlier journals of the pool (ms, -1 =
 * unknown), journals how many were read.  md gets a "Planned vs actual"
 * table, json a "planned" array; csv is unchanged. */
struct pp_report_plan {
    const int64_t *planned;
    int n;
    int journals;
};
int report_write_full(FILE *out, enum pp_report_fmt fmt, const struct pp_checklist *c,
                      const struct pp_debrief *db, const struct pp_report_plan *plan, char *err,
                      size_t errn);

/* The checklist as plain text.  utf8 selects the marks (✔ ✗ ? - ▶ ·)
 * over ASCII ones ([x] [!] [?] [-] [>] [ ]); without utf8 every non-ASCII
 * byte of journal text prints as '?'.  Control characters never reach
 * the terminal.  Returns 0, or -1 when the stream fails. */
int status_print(FILE *out, const struct pp_checklist *c, bool utf8);

/* What a resumed console says first, in words: when and how the previous
 * console stopped (the stop's reason, or "without recording a stop" when
 * it was killed), the steps it left in flight, and what happens now.  c is
 * the journal folded before this console writes anything.  "" when there
 * is nothing to resume (no records, or the run is complete).
 * (report_previous.c) */
void report_previous_console(const struct pp_checklist *c, char *buf, size_t n);

/* Does the current locale (setlocale already called) speak UTF-8? */
bool status_locale_utf8(void);
/* "2026-11-27 07:14:24Z" from a journal ts (the raw text if unreadable). */
void report_time(const char *ts, char *buf, size_t n);

#endif
