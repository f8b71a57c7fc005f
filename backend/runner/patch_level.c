/* --dry-run's patch-level read: the script and the parser of its answer.
 * Get-CsServerPatchVersion "returns the Skype for Business Server version
 * for each component installed on the server"; the reference lists it for
 * Skype for Business Server 2015 (from the November 2015 CU) and 2019, not
 * for Lync Server 2013, and states its output only as System.Object: the
 * ComponentName and Version properties the script reads are believed, not
 * documented (docs/POWERSHELL.md).  An answer without them has no
 * version line, which the dry run reports as Unknown. */
#include "backend/runner/patch_level.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char ps_script[] =
    "Import-Module SkypeForBusiness\n"
    "foreach ($pp_c in @(Get-CsServerPatchVersion -ErrorAction Stop)) {\n"
    "'pp-patch ' + $pp_c.ComponentName + ' ' + $pp_c.Version\n"
    "}";

const char *patch_level_script(const struct pp_config *cfg)
{
    if (!cfg || cfg->shell != PP_SHELL_POWERSHELL)
        return NULL;
    const char *p = !strcmp(cfg->profile, "custom") ? cfg->commands_from : cfg->profile;
    return !strcmp(p, "sfb2015") || !strcmp(p, "sfb2019") ? ps_script : NULL;
}

/* "6.0.9319.534": 2 to 4 dot-separated runs of at most 9 digits. */
static bool is_version(const char *s, size_t n)
{
    int parts = 0;
    size_t i = 0;
    while (i < n) {
        size_t d = 0;
        while (i < n && isdigit((unsigned char)s[i]) && d < 10) {
            i++;
            d++;
        }
        if (d == 0 || d > 9)
            return false;
        parts++;
        if (i == n)
            break;
        if (s[i++] != '.' || i == n)
            return false;
    }
    return parts >= 2 && parts <= 4 && n < PP_PATCH_VERSION_MAX;
}

int patch_level_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        unsigned long x = strtoul(a, (char **)&a, 10), y = strtoul(b, (char **)&b, 10);
        if (x != y)
            return x < y ? -1 : 1;
        a += *a == '.';
        b += *b == '.';
        if (!*a != !*b)   /* 6.0 < 6.0.1 */
            return *a ? 1 : -1;
    }
    return 0;
}

int patch_level_parse(const char *out, size_t len, struct pp_patch_level *pl)
{
    static const char tag[] = "pp-patch ";
    memset(pl, 0, sizeof *pl);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(out + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - out) : len, b = i;
        i = end + 1;
        if (end - b >= 3 && !memcmp(out + b, "\xEF\xBB\xBF", 3))
            b += 3;
        while (end > b && isspace((unsigned char)out[end - 1]))
            end--;
        if (end - b < sizeof tag - 1 || memcmp(out + b, tag, sizeof tag - 1))
            continue;
        b += sizeof tag - 1;
        size_t v = end;
        while (v > b && out[v - 1] != ' ')
            v--;
        if (!is_version(out + v, end - v))
            continue;
        size_t ne = v;
        while (ne > b && out[ne - 1] == ' ')
            ne--;
        char ver[PP_PATCH_VERSION_MAX];
        memcpy(ver, out + v, end - v);
        ver[end - v] = 0;
        pl->ncomponents++;
        if (pl->ncomponents > 1 && patch_level_cmp(ver, pl->version) <= 0)
            continue;
        memcpy(pl->version, ver, end - v + 1);
        size_t nn = ne - b < sizeof pl->component ? ne - b : sizeof pl->component - 1;
        memcpy(pl->component, out + b, nn);
        pl->component[nn] = 0;
    }
    return pl->ncomponents > 0;
}
