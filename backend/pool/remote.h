/* Remote command text: expanding [commands] templates, wrapping them for the
 * target shell, and reading the result marker back.
 *
 * Templates use {server} {pool} {domain} {backup_pool}; every substituted
 * value must be a valid DNS / domain name (checked again here, since some
 * come from a remote answer) and is quoted for the target shell.
 *
 * PowerShell (Lync / SfB profiles): the script becomes
 *   $ProgressPreference='SilentlyContinue'; [Console]::OutputEncoding=UTF8;
 *   $ErrorActionPreference='Stop'; try { <script> ; marker ok } catch { marker failed }
 * encoded as UTF-16LE base64 and run with
 *   powershell -NoProfile -NonInteractive -EncodedCommand <b64>
 * POSIX (linux-systemd, custom): sh -c '<script>' followed by a marker line
 * carrying the exit status. */
#ifndef PP_REMOTE_H
#define PP_REMOTE_H

#include "backend/core/names.h"
#include "backend/core/types.h"
#include "config/config.h"

#define PP_MARKER "@@POOLPILOT-RESULT@@"

struct pp_subst {
    const char *server, *pool, *domain, *backup_pool, *backend;  /* NULL or "" = absent */
};

/* Expands a template.  Returns a heap string, or NULL with err set
 * (unknown placeholder, a value that is not a valid name, an absent value
 * the template needs). */
char *remote_expand(const char *tmpl, const struct pp_subst *s, enum pp_shell shell,
                    char *err, size_t errn);


/* Wraps an expanded script into the command line sent over SSH. Heap. */
char *remote_wrap(const char *script, enum pp_shell shell);

/* Base64 of the UTF-16LE encoding of a UTF-8 string (for -EncodedCommand). Heap. */
char *remote_encode_ps(const char *utf8);

/* Finds the result marker: only the LAST non-empty line of stdout counts,
 * so a marker-looking line in ordinary output cannot fake a result.
 * Returns PP_RES_OK / PP_RES_FAILED, or PP_RES_NONE when the last line is
 * not a marker.  *detail gets the marker's trailing text (may be ""). */
enum pp_result remote_marker(const char *out, size_t len, char *detail, size_t n);

/* ---- reading stderr: Windows PowerShell's CLIXML ----
 * powershell.exe run non-interactively with stderr redirected writes its
 * error, warning, verbose, debug and progress records to stderr as
 * "#< CLIXML" followed by <Objs> XML.  The wrapper merges the streams with
 * *>&1 so this should not happen; when it does anyway (a host that writes
 * before the script runs, an error outside it), the decoder turns it back
 * into the text a console would show: "VERBOSE: ...", "WARNING: ...",
 * errors as their message; progress records are dropped.  Stderr that does
 * not start with "#< CLIXML" passes through unchanged, at once. */
struct remote_clixml {
    int mode;                 /* 0 undecided, 1 plain text, 2 CLIXML */
    char *buf;                /* heap: bytes not decoded yet */
    size_t n, cap;
};

/* Called with decoded text (not NUL-terminated). */
typedef void (*remote_text_fn)(void *ctx, const char *text, size_t len);

void remote_clixml_feed(struct remote_clixml *x, const char *data, size_t n,
                        remote_text_fn emit, void *ctx);
/* End of the stream: whatever is held back is emitted (decoded when it is
 * a whole <Objs> element, raw otherwise), and the state is freed. */
void remote_clixml_end(struct remote_clixml *x, remote_text_fn emit, void *ctx);

/* Decodes one chunk of CLIXML text (<Objs>...</Objs>, several allowed)
 * into console text.  Heap; NULL on allocation failure. */
char *remote_clixml_text(const char *xml, size_t len);

#endif
