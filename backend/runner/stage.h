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

/* Runs the staging of cfg's package on every server of cfg; prints one
 * progress line per server and one for the pool (bytes, rate, ETA) to out
 * at most every second, and a result line per server.  Returns 0 when
 * every server holds a verified copy, 1 otherwise (err says why when
 * nothing could start). */
int stage_run(const struct pp_config *cfg, struct pp_transport *t, struct pp_journal *j,
              const char *operator_, FILE *out, char *err, size_t errn);

/* ---- pure helpers ---- */

/* SHA-256 of a local file as 64 lowercase hex digits; *size gets its size.
 * 0, or -1 with err "PATH: why". */
int stage_sha256_file(const char *path, char hex[PP_SHA256_HEX + 1], uint64_t *size, char *err,
                      size_t errn);
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
