/* The checklist journal: append-only JSON Lines, fsync'ed before the engine
 * acts on what a record says, replayed at start-up to resume.
 *
 * One record per line, keys in this order (absent when empty):
 *   {"seq":1,"ts":"2026-11-27T07:14:24.123Z","operator":"jdoe","event":"step-end",
 *    "domain":"UpgradeDomain1","server":"fe01.contoso.com","step":"drain",
 *    "result":"ok","state":"Ready","action":"skip","reason":"...","detail":"...",
 *    "chk":"89ab01cd23ef4567"}
 * "chk" chains each record to the one before (jrec_chain): a console refuses
 * to resume a journal whose chain breaks; readers show it, flagged.  Journals
 * written before the chain have no "chk": read as they are (a chain may
 * begin after them, from ""), but no record without one may follow one
 * with one.
 * Unknown keys are ignored on read (forward compatible). */
#ifndef PP_JOURNAL_H
#define PP_JOURNAL_H

#include "backend/core/types.h"

/* Every event a journal record can name, once.  The engine writes them, and
 * restore, the checklist, replay, the debrief, the reports and the record
 * formatter read them, all through this enum: renaming or dropping an event
 * is a compile error in every reader, not a silent mismatch of strings.
 * The text is the journal's wire form (README lists it for jq users). */
#define PP_JOURNAL_EVENTS(X)                                                                  \
    X(START, "start") X(RESUME, "resume") X(READINESS, "readiness") X(WAIT, "wait")          \
    X(POOL_PROBLEM, "pool-problem") X(FAILOVER, "failover") X(FAILBACK, "failback")          \
    X(FABRIC, "fabric") X(CHOOSE, "choose") X(DOMAIN_START, "domain-start")                  \
    X(STEP_START, "step-start") X(STEP_END, "step-end") X(PROBE, "probe")                    \
    X(CONFIRM, "confirm") X(DECLINE, "decline") X(OVERRIDE, "override")                      \
    X(DOMAIN_DONE, "domain-done") X(COMPLETE, "complete") X(STOP, "stop") X(NOTE, "note")      \
    X(REFUSED, "refused") X(STAGE, "stage") X(BACKEND, "backend")   \
    X(TOPOLOGY, "topology")

/* A `backend` record's reason when the Back End databases were left to the
 * operator (state "open"): the checklist shows it as an open item. */
#define PP_BACKEND_OPEN                                                                       \
    "Back End not updated by poolpilot: run Install-CsDatabase -Update -ConfiguredDatabases " \
    "-SqlServerFqdn <your Back End> on a Front End"

enum pp_jev {
    PP_JEV_OTHER,   /* a name this version does not know (a newer console's) */
#define PP_JEV_ENUM(id, name) PP_JEV_##id,
    PP_JOURNAL_EVENTS(PP_JEV_ENUM)
#undef PP_JEV_ENUM
    PP_JEV_COUNT
};
/* The wire name ("step-end"); "" for PP_JEV_OTHER. */
const char *journal_event_name(enum pp_jev ev);
/* The event a record's text names; PP_JEV_OTHER for anything else. */
enum pp_jev journal_event_parse(const char *name);

struct pp_jrec {
    long long seq;                    /* set by journal_append */
    char ts[40];                      /* set by journal_append if empty */
    char operator_[PP_OPERATOR_MAX];
    char event[24];                   /* journal_event_name(); read: journal_event_parse() */
    char domain[PP_DOMAIN_NAME_MAX];
    char server[PP_NAME_MAX];
    char step[16];                    /* drain upgrade restart verify */
    char result[16];                  /* ok failed timeout lost cancelled */
    char state[32];                   /* readiness state, or a confirm's subject */
    char action[16];                  /* override: force retry skip done proceed */
    char reason[PP_REASON_MAX];
    char detail[PP_REASON_MAX];       /* free text: counts, exit codes, first line */
    char chk[20];                     /* set by journal_append: 16 hex digits chaining
                                       * this record to the one before (jrec_chain) */
};

struct pp_journal;

/* Opens (creating 0600) and locks the journal with flock(LOCK_EX|LOCK_NB).
 * Returns NULL and sets *err (a message) on failure; *locked is set true
 * when another process holds the lock (exit code 3).
 * The lock dies with the process, so a crash never leaves it stuck; PATH.lock
 * beside the journal only labels the holder (pid, host, operator, start) for
 * the "in use" message.  A label left by a console that did not close
 * cleanly is reported as stale in journal_replay's warn, then rewritten. */
struct pp_journal *journal_open(const char *path, bool *locked, char *err, size_t errn);
/* The same, with `who` (the console's operator: --operator, SUDO_USER...)
 * as the label's operator instead of the login name; NULL = login name. */
struct pp_journal *journal_open_as(const char *path, const char *who, bool *locked, char *err,
                                   size_t errn);
void journal_close(struct pp_journal *j);

/* Reads every record.  Calls cb for each good one in order.  A torn or
 * corrupt LAST line is reported in *warn, copied to PATH.torn-<seq>, and cut
 * off (ftruncate + fsync) so appends start clean.  A corrupt line in the
 * middle, or a seq that does not increase, fails with "PATH:LINE: what"
 * in err and leaves the file untouched.  Returns 0 / -1.
 * cb (may be NULL) is called only once the whole file has checked out, so
 * a corrupt journal never half-restores anything.  If cb returns non-zero,
 * reading stops with -1 and err "PATH:LINE: record not accepted" (the
 * callback's own reason is the caller's to add).  Seq gaps are allowed and
 * the first one is reported in warn. */
int journal_replay(struct pp_journal *j,
                   int (*cb)(void *ctx, const struct pp_jrec *r), void *ctx,
                   char *warn, size_t warnn, char *err, size_t errn);

/* Assigns seq (last+1) and ts (wall clock, RFC 3339 UTC) when empty,
 * writes one line, and fsyncs.  Returns 0 only once the record is durable;
 * -1 with err set otherwise (the caller must not act on the record). */
int journal_append(struct pp_journal *j, struct pp_jrec *r, char *err, size_t errn);

long long journal_last_seq(const struct pp_journal *j);
const char *journal_path(const struct pp_journal *j);

/* Pure helpers, used by the above, --status, reports and the fuzzer. */
/* The record's checksum, chained to the one before: FNV-1a 64 over prev
 * (the previous record's chk, "" for the first) and r formatted without its
 * own chk.  16 lowercase hex digits into out (17 bytes).  Not a signature:
 * it tells a journal that was cut, edited or glued together by hand (or by
 * a bug) from the one the console wrote.  Returns 0, -1 when r does not
 * format. */
int jrec_chain(const struct pp_jrec *r, const char *prev, char out[17]);
/* Formats r as one JSON line with '\n'; returns length or -1 if too long. */
int jrec_format(const struct pp_jrec *r, char *buf, size_t n);
/* Parses one line (no newline needed).  Returns 0, or -1 with a message. */
int jrec_parse(const char *line, size_t len, struct pp_jrec *r, char *err, size_t errn);
/* Wall-clock milliseconds → "2026-11-27T07:14:24.123Z". */
void journal_format_ts(int64_t wall_ms, char *buf, size_t n);

/* Reads a journal without locking (for --status / --report / --replay).
 * Same error rules as journal_replay but never modifies the file. */
int journal_read_file(const char *path,
                      int (*cb)(void *ctx, const struct pp_jrec *r), void *ctx,
                      char *warn, size_t warnn, char *err, size_t errn);

/* Who holds the journal's lock, as far as its PATH.lock label tells,
 * without touching the lock (taking even a shared flock could make a
 * console starting at that moment see "in use"): returns the pid of a
 * console that is still running and describes it in info ("pid 1234, jdoe
 * on host1, since ..."); 0 when no running console holds it (no label, or
 * its process is gone); -1 on error.  A label from another host counts as
 * running.  Used by --status / --report to tell "running" from "lost". */
long journal_holder(const char *path, char *info, size_t n);

/* Default journal path: $XDG_STATE_HOME/poolpilot/<pool fqdn>.jsonl
 * (or ~/.local/state/...); creates the directory (0700). */
int journal_default_path(const char *pool, bool training, char *buf, size_t n);

/* One readable line for a record: what headless mode prints, the
 * dashboard's event log and --replay show (journal_describe.c), in the
 * operator's language. */
void journal_describe(const struct pp_jrec *rec, char *buf, size_t n);
/* An English reason or detail as the journal keeps it, for the screen:
 * translated when poolpilot wrote it (values kept), else as it is. */
void journal_say(const char *english, char *out, size_t n);

#endif
