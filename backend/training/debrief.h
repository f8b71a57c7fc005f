/* The debrief of a training run: how long it took on the (virtual) clock,
 * every decision and override with its operator and reason, and where the
 * trainee left the expected path.  Folded from the journal's records (so a
 * debrief can be made long after the run, by --report) and the scenario's
 * config (its faults say which answers were expected).
 *
 * "Expected path", simply: confirm what the procedure proposes; answer a
 * failed step with retry, an overrun graceful drain with force (or retry),
 * an unknown outcome with the re-run after the probe, a pool problem with
 * the failover when the pool is paired, else a stop; never mark a server
 * or domain done by hand, never skip a server, never go past a gate with
 * proceed.  It judges decisions against the events the journal records; it
 * cannot judge whether the trainee read the output, whether a reason is
 * good, or anything that happened outside poolpilot (see docs/TRAINING.md).
 *
 * Texts come in two spellings: English for the reports (stable, like the
 * journal) and translated for the screen (`local`).
 * Ownership: debrief_new() returns an object freed with debrief_free(). */
#ifndef PP_DEBRIEF_H
#define PP_DEBRIEF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend/journal/journal.h"
#include "config/config.h"

#define DB_TEXT 720

struct pp_db_decision {
    long long seq;
    char ts[40];
    int64_t at;                     /* ms since the run's first record, -1 unknown */
    char operator_[PP_OPERATOR_MAX];
    char event[16];                 /* confirm decline override choose */
    char subject[PP_NAME_MAX + 64]; /* "start UpgradeDomain1", "retry fe04.contoso.com (verify)" */
    char reason[PP_REASON_MAX];
    bool automatic;                 /* confirmed by --yes */
};

/* A departure from the expected path, or a remark (context, not a fault). */
struct pp_db_note {
    long long seq;                  /* the record it is about; 0 = the whole run */
    bool departure;
    char text[DB_TEXT];             /* English */
    char local[DB_TEXT];            /* translated */
};

struct pp_debrief {
    char scenario[64];
    char title[160];
    char expect[PP_REASON_MAX];     /* the scenario's own words */
    char title_local[160];          /* ... as the screen shows them (title[LANG]) */
    char expect_local[PP_REASON_MAX];
    char faults[DB_TEXT];           /* its faults and the answers they call for (English) */
    char faults_local[DB_TEXT];
    char first_ts[40], last_ts[40];
    int64_t took;                   /* first record to the end, ms; -1 unknown */
    char result[16];                /* "complete", "stopped", "unfinished" */
    char end_reason[PP_REASON_MAX];
    struct pp_db_decision *dec;
    int ndec, cdec;
    struct pp_db_note *notes;
    int nnotes, cnotes;
    int departures;
    int auto_confirms;
    int injected;                   /* faults the trainer injected */
    struct db_state *st;            /* fold state (private) */
};

/* cfg (may be NULL) is read at once and not kept. */
struct pp_debrief *debrief_new(const struct pp_config *cfg);
void debrief_free(struct pp_debrief *db);
/* Folds one record (journal order).  Returns 0, or -1 when out of memory. */
int debrief_add(struct pp_debrief *db, const struct pp_jrec *r);
int debrief_add_cb(void *ctx, const struct pp_jrec *r);
/* After the last record: the end of the run and what was left undone. */
void debrief_finish(struct pp_debrief *db);

/* Reads a journal (without locking it) into a finished debrief. */
int debrief_load(const char *path, const struct pp_config *cfg, struct pp_debrief **out,
                 char *err, size_t errn);

/* The debrief as translated lines for the screen and headless mode. */
typedef void (*db_line_fn)(void *ctx, const char *line);
void debrief_lines(const struct pp_debrief *db, db_line_fn fn, void *ctx);

/* Report sections (English): Markdown "## Debrief" and the JSON value of
 * a "debrief" key.  Return 0, or -1 when the stream fails. */
int debrief_write_md(FILE *f, const struct pp_debrief *db);
int debrief_write_json(FILE *f, const struct pp_debrief *db);

#endif
