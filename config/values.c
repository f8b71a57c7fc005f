/* Checkers for single values: durations, DNS and upgrade-domain names,
 * numbers, command placeholders and the server-name generator pattern.
 * Everything that may end up on a remote command line is checked here
 * against a whitelist, never against a list of "bad" characters. */
#include "config/config_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* "250ms", "90s", "10m", "2h", "1h30m": numbers each followed by a unit,
 * units from largest to smallest, each at most once.  A bare number is
 * invalid on purpose: "10" could mean seconds or minutes. */
pp_ms config_parse_duration(const char *s)
{
    if (!s || !*s)
        return -1;
    static const pp_ms mult[4] = {1, 1000, 60 * 1000, 60 * 60 * 1000};
    int last_rank = 4;
    pp_ms total = 0;
    const char *p = s;
    while (*p) {
        if (!is_digit(*p))
            return -1;
        pp_ms n = 0;
        int digits = 0;
        while (is_digit(*p)) {
            if (++digits > 12)
                return -1; /* far beyond any sane value; avoids overflow */
            n = n * 10 + (*p++ - '0');
        }
        int rank;
        if (p[0] == 'm' && p[1] == 's') {
            rank = 0;
            p += 2;
        } else if (*p == 's') {
            rank = 1;
            p++;
        } else if (*p == 'm') {
            rank = 2;
            p++;
        } else if (*p == 'h') {
            rank = 3;
            p++;
        } else {
            return -1;
        }
        if (rank >= last_rank)
            return -1;
        last_rank = rank;
        total += n * mult[rank]; /* < 10^12 * 3.6e6 fits in int64 */
    }
    return total;
}

bool cfg_is_bare_number(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!is_digit(*s))
            return false;
    return true;
}

bool cfg_parse_uint(const char *s, long long *out)
{
    if (!s || !*s)
        return false;
    long long v = 0;
    int digits = 0;
    for (; *s; s++) {
        if (!is_digit(*s) || ++digits > 15)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

int cfg_lookup(const char *s, const char *const *names, int n)
{
    for (int i = 0; s && i < n; i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *cfg_show(char *buf, size_t n, const char *s)
{
    const size_t keep = 60;
    if (!s)
        s = "";
    size_t len = strlen(s);
    if (n < keep + 4) {
        snprintf(buf, n, "%s", "");
        return buf;
    }
    if (len <= keep) {
        memcpy(buf, s, len + 1);
        return buf;
    }
    size_t cut = keep;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--; /* do not split a UTF-8 sequence */
    memcpy(buf, s, cut);
    memcpy(buf + cut, "...", 4);
    return buf;
}

/* The brace rules of remote_expand() (backend/remote.c), checked here so a
 * template that would be refused on the way to a server is refused when
 * the file is loaded, at its line:
 *  - "{{" is a literal '{' (so "{{server}}" is text);
 *  - "{word}" (word = letters and '_') with a known name in lower case is a
 *    placeholder; the same name in other cases ("{Server}") is an error;
 *    another lower-case word ("{sever}") is an error;
 *  - after '$' ("${HOME}", "${env:TEMP}") braces belong to the shell, but
 *    "${server}" is ambiguous and refused;
 *  - anything else ("{ $_.Name }", "@{Name=...}", "{0}", "{Name}") is text. */
void cfg_scan_placeholders(const char *s, bool *uses_backup, cfg_bad_placeholder_fn bad,
                           void *ctx)
{
    static const char *const known[] = {"server", "pool", "domain", "backup_pool", "backend"};
    char msg[200];
    for (const char *p = s; *p;) {
        if (p[0] == '{' && p[1] == '{') {
            p += 2;
            continue;
        }
        if (*p != '{') {
            p++;
            continue;
        }
        size_t n = 0;
        bool lower = true;
        while (is_alpha(p[1 + n]) || p[1 + n] == '_') {
            if (p[1 + n] >= 'A' && p[1 + n] <= 'Z')
                lower = false;
            n++;
        }
        if (n == 0 || p[1 + n] != '}') {
            p++;
            continue;
        }
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (strlen(known[i]) == n && strncasecmp(known[i], p + 1, n) == 0)
                k = i;
        bool after_dollar = p > s && p[-1] == '$';
        int shown = (int)(n > 40 ? 40 : n);
        if (k >= 0 && after_dollar) {
            snprintf(msg, sizeof msg, "${%.*s} is ambiguous: write {%s} for the placeholder or "
                     "${{%s}} for the shell variable", shown, p + 1, known[k], known[k]);
            if (bad)
                bad(ctx, msg);
        } else if (k < 0 && (!lower || after_dollar)) {
            p++; /* PowerShell "{Name}" or a shell "${var}": not ours */
            continue;
        } else if (k < 0) {
            snprintf(msg, sizeof msg, "unknown placeholder {%.*s} (known: {server} {pool} {domain} "
                     "{backup_pool} {backend}; write {{ for a literal brace)", shown, p + 1);
            if (bad)
                bad(ctx, msg);
        } else if (!lower) {
            snprintf(msg, sizeof msg, "placeholder {%.*s} must be written in lower case: {%s}",
                     shown, p + 1, known[k]);
            if (bad)
                bad(ctx, msg);
        } else if (k == 3 && uses_backup) {
            *uses_backup = true;
        }
        p += n + 2;
    }
}

/* generate_pattern: text with exactly one "%d", "%Nd" or "%0Nd" (N <= 20)
 * and no other '%'.  We format it ourselves; user text never becomes a
 * printf format. */
struct pattern {
    size_t pre, post_at; /* prefix length; index just after the 'd' */
    int width;
    bool zero;
};

static bool pattern_split(const char *p, struct pattern *out, char *why, size_t whyn)
{
    const char *pct = strchr(p, '%');
    if (!pct) {
        snprintf(why, whyn, "has no %%d where the number goes");
        return false;
    }
    const char *q = pct + 1;
    out->zero = *q == '0';
    if (out->zero)
        q++;
    out->width = 0;
    int digits = 0;
    while (is_digit(*q)) {
        if (++digits > 2) {
            snprintf(why, whyn, "has a field width that is too large (20 at most)");
            return false;
        }
        out->width = out->width * 10 + (*q++ - '0');
    }
    if (*q != 'd') {
        snprintf(why, whyn, "must use %%d, %%Nd or %%0Nd for the number (nothing else after '%%')");
        return false;
    }
    if (out->width > 20) {
        snprintf(why, whyn, "has a field width that is too large (20 at most)");
        return false;
    }
    if (strchr(q + 1, '%')) {
        snprintf(why, whyn, "must contain exactly one %%d conversion");
        return false;
    }
    out->pre = (size_t)(pct - p);
    out->post_at = (size_t)(q + 1 - p);
    return true;
}

bool cfg_pattern_check(const char *pattern, char *why, size_t whyn)
{
    struct pattern pt;
    if (strlen(pattern) > 200) {
        snprintf(why, whyn, "is too long");
        return false;
    }
    return pattern_split(pattern, &pt, why, whyn);
}

bool cfg_pattern_format(const char *pattern, long i, char *out, size_t n)
{
    struct pattern pt;
    char why[8];
    if (!pattern_split(pattern, &pt, why, sizeof why))
        return false;
    char num[32];
    int nl = snprintf(num, sizeof num, "%ld", i);
    size_t pad = pt.width > nl ? (size_t)(pt.width - nl) : 0;
    size_t post = strlen(pattern + pt.post_at);
    size_t need = pt.pre + pad + (size_t)nl + post + 1;
    if (need > n)
        return false;
    char *o = out;
    memcpy(o, pattern, pt.pre);
    o += pt.pre;
    memset(o, pt.zero ? '0' : ' ', pad);
    o += pad;
    memcpy(o, num, (size_t)nl);
    o += nl;
    memcpy(o, pattern + pt.post_at, post + 1);
    return true;
}
