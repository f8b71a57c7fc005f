/* JSON string literals: writing (with UTF-8 repair) and reading (strict).
 * Shared by the journal (one record per line) and the reports (--report=json),
 * so every string poolpilot writes as JSON is escaped the same way.
 * Internal to backend/: not a contract header. */
#ifndef PP_JSONSTR_H
#define PP_JSONSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Sink for jsonstr_emit. */
typedef void (*jsonstr_sink)(void *ctx, const char *p, size_t n);

/* Emits s[0..len) as a quoted JSON string: '"' and '\\' escaped, C0
 * controls, DEL and C1 controls as \u00XX (a terminal showing the file
 * must not obey them), other UTF-8 passed through, each invalid sequence
 * replaced by U+FFFD.  An unfinished sequence at the very END is dropped
 * instead: it is what a byte-limited copy into a fixed field leaves of the
 * last character, which is already lost.  Returns the byte length of the
 * string a reader decodes (the repaired text), so callers can check it
 * still fits the field it will be read back into. */
size_t jsonstr_emit(const char *s, size_t len, jsonstr_sink sink, void *ctx);

/* jsonstr_emit into a FILE.  Returns 0, or -1 when the stream has an error. */
int jsonstr_fput(FILE *f, const char *s);

/* Reads the JSON string literal starting at *pp (which must point at the
 * opening quote) and ending before `end`.  Decodes escapes into out
 * (NUL-terminated, at most outn-1 bytes).  The whole literal is always
 * scanned: on success *pp points past the closing quote and *declen holds
 * the decoded length, which may exceed outn-1 (then out holds nothing
 * useful and the caller reports "too long": a cut value would lie).
 * Rejects raw control characters, invalid UTF-8, bad escapes, lone
 * surrogates and \u0000.  Returns 0, or -1 with a message and *pp at the
 * offending byte (at the opening quote when the string never ends). */
int jsonstr_parse(const char **pp, const char *end, char *out, size_t outn,
                  size_t *declen, char *err, size_t errn);

/* Length of the run at p[0..n) of bytes that stand for themselves in a
 * string literal (0x20..0x7F but '"' and '\\'): when p[run] is then '"',
 * the literal's text is exactly those bytes.  The fast path of
 * jsonstr_parse, for callers that can use the bytes in place. */
size_t jsonstr_plain_run(const char *p, size_t n);

#endif
