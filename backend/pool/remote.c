/* Remote command text: template expansion, wrapping for the remote shell,
 * -EncodedCommand encoding, and reading the result marker back.
 *
 * Why substitution is safe: every value put into a command line has passed
 * a name check (names_valid_host, or names_valid_domain for
 * upgrade domains) right here, whatever checked it before, because some
 * values come from a remote answer.  Valid names consist of letters,
 * digits, '-', '_' and '.', never start with '-' or '.', and so hold no
 * character that any shell treats specially: no quote, space, '$', '`',
 * ';', '|', '&', '<', '>', '(', '{', '#', '*', '?', '~', newline.
 *  - PowerShell: the value goes in as is.  The profiles put it inside
 *    single quotes ('{server}'); inside single or double quotes or bare,
 *    such a name cannot end a string, start a variable, subexpression or
 *    parameter, or separate a statement.  (Bare, a name that looks like a
 *    number, "1e5", would be read as one: templates quote their names.)
 *  - POSIX sh: a value outside any quotes is put in single quotes
 *    ('fe01.example.com'); inside a quoted part of the template (or right
 *    after a backslash) it goes in raw.  The quoting is a second fence, not
 *    the first: even where the quote tracking misreads a template (a quote
 *    in a comment), the inserted name cannot change the command's shape.
 */
#include "backend/pool/remote.h"
#include "backend/core/strbuf.h"
#include "backend/core/utf8.h"

#include "backend/core/text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void seterr(char *err, size_t errn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errn, const char *fmt, ...)
{
    if (!err || errn == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errn, fmt, ap);
    va_end(ap);
}

/* A value for an error message: printable ASCII only, bounded. */
static void printable(char *dst, size_t n, const char *s)
{
    size_t j = 0, i = 0;
    for (; s[i] && j + 4 < n && i < 48; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[j++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
    }
    if (s[i] && j + 4 < n) {
        memcpy(dst + j, "...", 3);
        j += 3;
    }
    dst[j] = 0;
}

/* ---- remote_expand ---- */

static const char *const ph_names[] = {"server", "pool", "domain", "backup_pool", "backend"};
#define PH_COUNT 5

static const char *ph_value(const struct pp_subst *s, int k)
{
    if (!s)
        return NULL;
    switch (k) {
    case 0: return s->server;
    case 1: return s->pool;
    case 2: return s->domain;
    case 3: return s->backup_pool;
    default: return s->backend;
    }
}

/* Where the POSIX quote tracker is after the literal text so far. */
enum qstate { Q_OUT, Q_SINGLE, Q_DOUBLE };

struct qtrack {
    enum qstate q;
    int backslash;   /* the previous character was an unquoted/dq backslash */
};

static void qt_feed(struct qtrack *t, char c)
{
    if (t->backslash) {
        t->backslash = 0;
        return;
    }
    switch (t->q) {
    case Q_OUT:
        if (c == '\\')
            t->backslash = 1;
        else if (c == '\'')
            t->q = Q_SINGLE;
        else if (c == '"')
            t->q = Q_DOUBLE;
        break;
    case Q_SINGLE:
        if (c == '\'')
            t->q = Q_OUT;
        break;
    case Q_DOUBLE:
        if (c == '\\')
            t->backslash = 1;
        else if (c == '"')
            t->q = Q_OUT;
        break;
    }
}

/* Length of a [A-Za-z_]+ word at p followed by '}', else 0. */
static size_t ph_word(const char *p, int *lower_only)
{
    size_t n = 0;
    *lower_only = 1;
    while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_') {
        if (p[n] >= 'A' && p[n] <= 'Z')
            *lower_only = 0;
        n++;
    }
    return (n > 0 && p[n] == '}') ? n : 0;
}

/* Brace rules: "{name}" with one of the four names is a placeholder; any
 * other "{word}" with word in [a-z_]+ is an error (a misspelt placeholder
 * must not run as literal text), and so is a known name in other letter
 * cases ("{Server}").  After a '$' ("${HOME}", "${env:TEMP}") a brace is the
 * shell's own variable syntax in sh and PowerShell and stays literal,
 * except "${server}" and the like, which are ambiguous and refused.  "{{" writes "{"; "}}" writes "}" when it closes a
 * "{{" (so "{{server}}" writes "{server}"), otherwise both braces stay:
 * PowerShell's "}}" ending nested script blocks needs no escaping.  Every
 * other brace ("{ $_.Status }", "'{0}' -f $x") is literal text. */
char *remote_expand(const char *tmpl, const struct pp_subst *s, enum pp_shell shell,
                    char *err, size_t errn)
{
    struct strbuf b = {0};
    struct qtrack qt = {Q_OUT, 0};
    int open_escapes = 0;
    if (err && errn)
        err[0] = 0;
    if (!tmpl) {
        seterr(err, errn, "no template");
        return NULL;
    }
    for (const char *p = tmpl; *p;) {
        if (p[0] == '{' && p[1] == '{') {
            strbuf_add(&b, "{", 1);
            open_escapes++;
            p += 2;
            continue;
        }
        if (p[0] == '}' && p[1] == '}' && open_escapes > 0) {
            strbuf_add(&b, "}", 1);
            open_escapes--;
            p += 2;
            continue;
        }
        int lower;
        size_t wn = p[0] == '{' ? ph_word(p + 1, &lower) : 0;
        if (wn == 0) {
            strbuf_add(&b, p, 1);
            if (shell == PP_SHELL_POSIX)
                qt_feed(&qt, *p);
            p++;
            continue;
        }
        int k = -1;
        for (int i = 0; i < PH_COUNT; i++)
            if (strlen(ph_names[i]) == wn && strncasecmp(p + 1, ph_names[i], wn) == 0)
                k = i;
        int after_dollar = p > tmpl && p[-1] == '$';
        if (k >= 0 && after_dollar) {
            seterr(err, errn, "${%s} is ambiguous: write {%s} for the placeholder or "
                   "${{%s}} for the shell variable", ph_names[k], ph_names[k], ph_names[k]);
            free(b.p);
            return NULL;
        }
        if (k < 0 && (!lower || after_dollar)) {
            /* {Name}: PowerShell text; ${name}: a shell variable.  Not ours. */
            strbuf_add(&b, p, 1);
            if (shell == PP_SHELL_POSIX)
                qt_feed(&qt, *p);
            p++;
            continue;
        }
        if (k < 0 || !lower) {
            seterr(err, errn, "%s placeholder {%.*s}%s", k < 0 ? "unknown" : "misspelt",
                   (int)(wn > 40 ? 40 : wn), p + 1,
                   k < 0 ? " (known: {server} {pool} {domain} {backup_pool} {backend}; write {{ for a literal brace)"
                         : " (placeholders are lower case)");
            free(b.p);
            return NULL;
        }
        const char *v = ph_value(s, k);
        if (!v || !*v) {
            seterr(err, errn, "the template needs {%s} but there is no %s here",
                   ph_names[k], k == 3 ? "backup pool" : k == 4 ? "[pool] backend" : ph_names[k]);
            free(b.p);
            return NULL;
        }
        bool ok = k == 2 ? names_valid_domain(v) : names_valid_host(v);
        if (!ok) {
            char shown[64];
            printable(shown, sizeof shown, v);
            seterr(err, errn, "{%s} value \"%s\" is not a valid %s name", ph_names[k], shown,
                   k == 2 ? "upgrade domain" : "DNS");
            free(b.p);
            return NULL;
        }
        if (shell == PP_SHELL_POSIX && qt.q == Q_OUT && !qt.backslash) {
            strbuf_add(&b, "'", 1);
            strbuf_str(&b, v);
            strbuf_add(&b, "'", 1);
        } else {
            strbuf_str(&b, v);
            qt.backslash = 0;
        }
        p += wn + 2;
    }
    char *out = strbuf_take(&b);
    if (!out)
        seterr(err, errn, "out of memory");
    return out;
}

/* ---- remote_encode_ps ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *remote_encode_ps(const char *utf8)
{
    if (!utf8)
        utf8 = "";
    size_t n = strlen(utf8);
    /* at most one UTF-16 unit (2 bytes) per input byte, or a surrogate
     * pair (4 bytes) per 4-byte sequence */
    unsigned char *u16 = malloc(2 * n + 4);
    if (!u16)
        return NULL;
    size_t m = 0;
    const unsigned char *p = (const unsigned char *)utf8;
    for (size_t i = 0; i < n;) {
        size_t used;
        uint32_t cp = utf8_next((const char *)p + i, n - i, &used);
        i += used;
        if (cp >= 0x10000) {
            uint32_t v = cp - 0x10000;
            uint32_t hs = 0xD800 | (v >> 10), ls = 0xDC00 | (v & 0x3FF);
            u16[m++] = (unsigned char)(hs & 0xFF);
            u16[m++] = (unsigned char)(hs >> 8);
            u16[m++] = (unsigned char)(ls & 0xFF);
            u16[m++] = (unsigned char)(ls >> 8);
        } else {
            u16[m++] = (unsigned char)(cp & 0xFF);
            u16[m++] = (unsigned char)(cp >> 8);
        }
    }
    char *out = malloc((m + 2) / 3 * 4 + 1);
    if (!out) {
        free(u16);
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < m; i += 3) {
        uint32_t v = (uint32_t)u16[i] << 16;
        if (i + 1 < m)
            v |= (uint32_t)u16[i + 1] << 8;
        if (i + 2 < m)
            v |= u16[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < m ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < m ? b64[v & 63] : '=';
    }
    out[o] = 0;
    free(u16);
    return out;
}

/* ---- remote_wrap ---- */

/* PowerShell: the prologue makes output UTF-8 and every error terminating;
 * the script sits on lines of its own (a trailing comment in it cannot eat
 * the marker), and the catch prints the error message on one line.
 *
 * The script runs as `& { ... } *>&1`:
 *  - *>&1 merges the verbose, warning, debug and information streams into
 *    the output stream inside PowerShell.  Without it, powershell.exe run
 *    non-interactively with stderr redirected (as sshd runs it) serialises
 *    those records as "#< CLIXML" XML on stderr (about_Redirection; the
 *    CLIXML form is read in docs/POWERSHELL.md).  Errors still stop the
 *    script: with $ErrorActionPreference='Stop' they are terminating and
 *    reach the catch (about_Preference_Variables).
 *  - & runs the script block in a child scope (about_Scopes, "Child
 *    scopes"), so a script that assigns $LASTEXITCODE only sets its own
 *    local copy.  Each built-in template reports its outcome explicitly:
 *    it throws with the reason (the "failed" marker), or finishes (the
 *    "ok" marker).  The check of $global:LASTEXITCODE after it is a guard
 *    for custom templates that call a native program and forget to test
 *    its exit code: only native programs set the global variable
 *    (about_Automatic_Variables), and the built-in templates call none.
 *
 * The command line must stay under cmd.exe's 8191 characters (Win32-OpenSSH
 * runs commands through cmd.exe; see remote_ps_limit()). */
static const char ps_head[] =
    "$ProgressPreference='SilentlyContinue'; "
    "[Console]::OutputEncoding=[Text.Encoding]::UTF8; "
    "$ErrorActionPreference='Stop'; $global:LASTEXITCODE=0\n"
    "try {\n& {\n";
static const char ps_tail[] =
    "\n} *>&1\n"
    "if ($global:LASTEXITCODE -ne 0) { throw ('a native program exited with code ' + $global:LASTEXITCODE) }\n"
    "Write-Output '" PP_MARKER " ok'\n"
    "} catch { Write-Output ('" PP_MARKER " failed ' + "
    "(($_.Exception.Message -replace '\\s+', ' ').Trim())) ; exit 1 }\n";

_Static_assert(sizeof ps_head - 1 + sizeof ps_tail - 1 == PP_PS_WRAP_CHARS,
               "config.h's PP_PS_WRAP_CHARS must match the wrapper (--check-config uses it)");

/* POSIX: the script runs in its own sh, so its `exit` or `set -e` cannot
 * skip the marker; the marker starts on a fresh line even when the script's
 * output did not end with one (at the cost of one blank line).  Assumes a
 * POSIX login shell on the server (sshd runs the command with it). */
static const char sh_tail[] =
    "; pp_rc=$?; if [ $pp_rc -eq 0 ]; then printf '\\n%s ok\\n' '" PP_MARKER "'; "
    "else printf '\\n%s failed exit %s\\n' '" PP_MARKER "' \"$pp_rc\"; fi; exit $pp_rc";

char *remote_wrap(const char *script, enum pp_shell shell)
{
    struct strbuf b = {0};
    if (!script)
        script = "";
    if (shell == PP_SHELL_POWERSHELL) {
        strbuf_str(&b, ps_head);
        strbuf_str(&b, script);
        strbuf_str(&b, ps_tail);
        char *full = strbuf_take(&b);
        if (!full)
            return NULL;
        char *enc = remote_encode_ps(full);
        free(full);
        if (!enc)
            return NULL;
        struct strbuf c = {0};
        strbuf_str(&c, PP_PS_PREFIX);
        strbuf_str(&c, enc);
        free(enc);
        return strbuf_take(&c);
    }
    strbuf_str(&b, "sh -c '");
    for (const char *p = script; *p; p++) {
        if (*p == '\'')
            strbuf_str(&b, "'\\''");
        else
            strbuf_add(&b, p, 1);
    }
    strbuf_str(&b, "'");
    strbuf_str(&b, sh_tail);
    return strbuf_take(&b);
}

/* ---- remote_marker ---- */

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

enum pp_result remote_marker(const char *out, size_t len, char *detail, size_t n)
{
    if (detail && n)
        detail[0] = 0;
    if (!out)
        return PP_RES_NONE;
    /* the last line holding anything but blanks */
    size_t end = len;
    const char *line = NULL;
    size_t llen = 0;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && out[start - 1] != '\n')
            start--;
        size_t a = start, z = end;
        while (a < z && is_blank(out[a]))
            a++;
        while (z > a && is_blank(out[z - 1]))
            z--;
        if (z > a) {
            line = out + start;
            llen = z - start;   /* leading blanks kept: "  @@..." is no marker */
            break;
        }
        if (start == 0)
            break;
        end = start - 1;
    }
    if (!line)
        return PP_RES_NONE;
    /* Windows PowerShell writes a UTF-8 BOM before its first output once
     * [Console]::OutputEncoding is UTF-8: a marker can come right after it. */
    if (llen >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        llen -= 3;
    }
    const size_t ml = sizeof PP_MARKER - 1;
    if (llen < ml + 1 || memcmp(line, PP_MARKER, ml) != 0 || line[ml] != ' ')
        return PP_RES_NONE;
    const char *rest = line + ml + 1;
    size_t rn = llen - ml - 1;
    if (rn == 2 && memcmp(rest, "ok", 2) == 0)
        return PP_RES_OK;
    if (rn >= 6 && memcmp(rest, "failed", 6) == 0 && (rn == 6 || rest[6] == ' ')) {
        if (detail && n && rn > 7)
            text_clean(NULL, rest + 7, rn - 7, detail, n);
        return PP_RES_FAILED;
    }
    return PP_RES_NONE;
}
