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
    const char *server, *pool, *domain, *backup_pool;  /* NULL or "" = absent */
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

#endif
