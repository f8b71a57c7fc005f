/* Finding the message catalogues.  The binary may run from the build tree
 * (build/poolpilot, catalogues in build/locale/), from an install
 * (PREFIX/bin/poolpilot, catalogues in PREFIX/share/locale/) or anywhere
 * with POOLPILOT_LOCALEDIR set; it looks where it actually is instead of
 * trusting a path compiled in for one of those. */
#include "tui/i18n.h"

#include <dirent.h>
#include <libintl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/core/i18n.h"

/* Does dir hold LANG/LC_MESSAGES/poolpilot.mo for some LANG? */
static bool has_catalogue(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s/LC_MESSAGES/" PP_TEXTDOMAIN ".mo", dir, e->d_name);
        found = access(p, R_OK) == 0;
    }
    closedir(d);
    return found;
}

const char *i18n_init(void)
{
    static char dir[PATH_MAX];
    char exe[PATH_MAX];
    const char *env = getenv("POOLPILOT_LOCALEDIR");
    const char *use = NULL;
    if (env && *env && has_catalogue(env)) {
        snprintf(dir, sizeof dir, "%s", env);
        use = dir;
    }
    ssize_t n = use ? -1 : readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            static const char *const rel[] = {"/locale", "/../locale", "/../share/locale"};
            for (int i = 0; i < 3 && !use; i++) {
                snprintf(dir, sizeof dir, "%s%s", exe, rel[i]);
                if (has_catalogue(dir))
                    use = dir;
            }
        }
    }
#ifdef PP_LOCALEDIR
    if (!use && has_catalogue(PP_LOCALEDIR)) {
        snprintf(dir, sizeof dir, "%s", PP_LOCALEDIR);
        use = dir;
    }
#endif
    if (use)
        bindtextdomain(PP_TEXTDOMAIN, use);
    /* the dashboard and the text are UTF-8 whatever the catalogue says */
    bind_textdomain_codeset(PP_TEXTDOMAIN, "UTF-8");
    return use;
}
