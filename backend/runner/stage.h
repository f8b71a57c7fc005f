/* Staging the update package before the window (poolpilot --stage): the
 * package goes to every server over the transport's copy (SFTP), at most
 * [update] stage_parallel at once and stage_rate bytes per second for the
 * pool, and counts as staged only once the server's own SHA-256 of it
 * ([update] hash_command) equals the local file's.  Each result is
 * journaled as a `stage` record (server, result, sha256); the run refuses
 * to drain a server that has no such record for this package, or whose copy
 * the server itself, asked just before the drain, does not hold
 * (runner_stage.c).
 *
 * The pure helpers are separate so tests call them without a transport. */
#ifndef PP_STAGE_H
#define PP_STAGE_H

#include <stdio.h>

#include "backend/core/types.h"
#include "config/config.h"

struct pp_transport;
struct pp_journal;
struct pp_jrec;
struct pp_tev;

/* Runs the staging of cfg's package on every server of cfg; prints one
 * progress line per server and one for the pool (bytes, rate, ETA) to out
 * at most every second, and a result line per server.  Returns 0 when
 * every server holds a verified copy, 1 otherwise (err says why when
 * nothing could start).  A blocking loop over the object below. */
int stage_run(const struct pp_config *cfg, struct pp_transport *t, struct pp_journal *j,
              const char *operator_, FILE *out, char *err, size_t errn);

/* ---- the staging as an object (the dashboard's stage step) ----
 *
 * Nothing blocks after stage_begin (which hashes the local file once, unless
 * the caller gives its hash, o->sha256): the
 * owner feeds it the transport events whose id it owns (stage_owns) and
 * calls stage_step now and then, which admits servers up to stage_parallel
 * and prints progress (when out is set).  Times are the caller's clock in
 * ms, so tests drive it by hand. */
struct pp_stage;

struct pp_stage_opts {
    const char *operator_;
    FILE *out;                /* progress and result lines, or NULL */
    /* Its commands' and copies' ids are id_base+1, id_base+2 ... : a range
     * the owner's own ids never reach. */
    uint64_t id_base;
    /* Writes a `stage` record (0, or -1 with err: staging stops).  NULL:
     * journal_append on j.  The runner's writes stamp it, update its staged
     * servers and show it. */
    int (*record)(void *ctx, struct pp_jrec *rec, char *err, size_t errn);
    void *ctx;
    /* The package's SHA-256 (64 hex digits) when the caller already has it
     * of this very file (the runner's, while the file is unchanged since:
     * runner_staging.c), so stage_begin does not read a 1+ GB file again;
     * NULL or "": stage_begin hashes it. */
    const char *sha256;
};

enum pp_stage_state {
    PP_STG_WAITING,     /* not started yet (stage_parallel) */
    PP_STG_CHECKING,    /* hashing what the server holds already */
    PP_STG_COPYING,
    PP_STG_VERIFYING,   /* hashing the copy */
    PP_STG_STAGED,      /* verified (copied now, or already there) */
    PP_STG_FAILED,      /* why says why */
    PP_STG_CANCELLED    /* the operator cancelled before it was verified */
};

struct pp_stage_progress {
    enum pp_stage_state state;
    uint64_t done, total;     /* bytes on the server / the package's size */
    uint64_t rate;            /* bytes per second of this copy, 0 unknown */
    int64_t eta;              /* seconds left, -1 unknown */
    const char *why;          /* FAILED: why (English); "" otherwise */
};

struct pp_stage_pool {
    int n, staged, failed, cancelled, active;
    uint64_t size;            /* the package's */
    uint64_t sent, left;      /* bytes moved this staging / still to move */
    uint64_t rate;            /* bytes per second since the start */
    int64_t eta;              /* seconds, -1 unknown */
    bool cancelling;
};

/* Hashes the package, or takes o->sha256 (refused when [update] sha256
 * names another file), and prepares every server; starts nothing.  NULL
 * with err. */
struct pp_stage *stage_begin(const struct pp_config *cfg, struct pp_transport *t,
                             struct pp_journal *j, const struct pp_stage_opts *o, int64_t now,
                             char *err, size_t errn);
bool stage_owns(const struct pp_stage *g, uint64_t id);
/* A transport event of one of its ids (OUTPUT, PROGRESS, END, LOG). */
void stage_event(struct pp_stage *g, const struct pp_tev *ev);
/* Admits waiting servers; prints progress to out at most every second. */
void stage_step(struct pp_stage *g, int64_t now);
/* Cancels what runs (their ENDs still come) and what waits; a copy cut
 * after its start record gets a failed record ("cancelled"). */
void stage_cancel(struct pp_stage *g);
bool stage_finished(const struct pp_stage *g);
int stage_count(const struct pp_stage *g);
const char *stage_server(const struct pp_stage *g, int i);   /* its host name */
const char *stage_sha(const struct pp_stage *g);
void stage_progress(const struct pp_stage *g, int i, struct pp_stage_progress *p);
void stage_pool(const struct pp_stage *g, struct pp_stage_pool *p);
/* The owner goes away while copies run (the console quits): no END will
 * come, so each copy that had its start record gets a failed record with
 * why now, and counts as not staged; the partial file on the server is
 * continued by the next staging.  Nothing is sent. */
void stage_abandon(struct pp_stage *g, const char *why);
/* Prints the summary (when out), frees g.  0 when every server holds a
 * verified copy and every record was written, else 1.  NULL: 1. */
int stage_end(struct pp_stage *g);

/* ---- pure helpers ---- */

/* SHA-256 of a local file as 64 lowercase hex digits; *size gets its size.
 * 0, or -1 with err "PATH: why". */
int stage_sha256_file(const char *path, char hex[PP_SHA256_HEX + 1], uint64_t *size, char *err,
                      size_t errn);

/* What tells that a local file is still the one that was hashed, without
 * reading it again: its device, inode, size, modification and change
 * times.  The change time too: copying tools keep a file's mtime (cp -p,
 * rsync -t, unzip), and only the kernel sets ctime. */
struct pp_file_id {
    bool known;
    uint64_t dev, ino, size;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
};
/* stage_sha256_file that also fills *id with the identity of the file it
 * read; id->known stays false when the file changed while it was read (the
 * hash is then of no version of it that can be recognised later). */
int stage_sha256_file_id(const char *path, char hex[PP_SHA256_HEX + 1], uint64_t *size,
                         struct pp_file_id *id, char *err, size_t errn);
/* The identity of path now (stat).  0, or -1 (id->known false). */
int stage_file_id(const char *path, struct pp_file_id *id);
/* Both known and equal in every field. */
bool stage_file_same(const struct pp_file_id *a, const struct pp_file_id *b);
/* remote_path with {server} and {file} (the package's base name) filled
 * in.  0, or -1 with err (unknown placeholder, too long). */
int stage_remote_path(const char *tmpl, const char *server, const char *package, char *out,
                      size_t n, char *err, size_t errn);
/* The SFTP name of a server path: "C:\Updates\x.exe" -> "/C:/Updates/x.exe"
 * (Win32-OpenSSH's form); a POSIX path stays as it is. */
void stage_sftp_path(const char *path, char *out, size_t n);
/* hash_command with {path} quoted for the shell (single quotes in both
 * PowerShell and POSIX sh).  Heap, or NULL. */
char *stage_hash_script(const char *tmpl, const char *path, enum pp_shell shell);
/* --dry-run's read-only check that the package is at path on a server:
 * prints "pp-package-size N" (then the hash command's answer, when tmpl is
 * not empty) or "pp-package-missing", and changes nothing.  Heap, or NULL. */
char *stage_check_script(const char *hash_tmpl, const char *path, enum pp_shell shell);
/* Reads that answer: 1 present (*size, hex = its SHA-256 or ""), 0 missing,
 * -1 not understood. */
int stage_check_parse(const char *out, size_t len, uint64_t *size, char hex[PP_SHA256_HEX + 1]);
/* The check just before a drain (issue 13): reads the answer of
 * stage_check_script on server (res: how the command ended; out, nout: its
 * stdout, truncated when cut; detail: its last line or the transport's
 * reason) against the package's SHA-256 sha.  true only when the file is at
 * path and hashes to sha; else false with why, "SERVER: not drained: ..."
 * saying what the server answered (missing, another file, or the evidence
 * when it cannot tell): an English journal text. */
bool stage_precheck_verdict(const char *server, const char *path, const char *sha,
                            enum pp_result res, bool truncated, const char *out, size_t nout,
                            const char *detail, char *why, size_t n);
/* The first 64-hex-digit word of a hash command's output, lowercased into
 * hex.  0, or -1 when there is none. */
int stage_parse_hash(const char *out, size_t len, char hex[PP_SHA256_HEX + 1]);
/* Reads a `stage` record: 1 with *ok and sha256 (from detail "sha256 HEX")
 * when r is a finished stage record, 0 for any other record. */
int stage_record_read(const struct pp_jrec *r, bool *ok, char sha[PP_SHA256_HEX + 1]);
/* "12.5 MiB" style sizes and "1m05s" durations for progress lines. */
void stage_fmt_bytes(uint64_t b, char *out, size_t n);
void stage_fmt_secs(int64_t s, char *out, size_t n);

#endif
