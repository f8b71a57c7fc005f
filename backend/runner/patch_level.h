/* --dry-run's read of each server's patch level (Get-CsServerPatchVersion,
 * Skype for Business Server 2015 and 2019: docs/POWERSHELL.md, "The dry
 * run's patch-level read").  Pure helpers, so tests call them without a
 * transport. */
#ifndef PP_PATCH_LEVEL_H
#define PP_PATCH_LEVEL_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

#define PP_PATCH_NAME_MAX 128
#define PP_PATCH_VERSION_MAX 48

struct pp_patch_level {
    char component[PP_PATCH_NAME_MAX]; /* the component with the highest version ("" = unnamed) */
    char version[PP_PATCH_VERSION_MAX];
    int ncomponents;                    /* pp-patch lines with a version */
};

/* The read-only script for a config, or NULL when its profile has no
 * patch-level command (Lync Server 2013, POSIX shells, custom commands
 * not taken from sfb2015/sfb2019).  Static string. */
const char *patch_level_script(const struct pp_config *cfg);

/* Reads the script's "pp-patch <component> <version>" lines (a UTF-8 BOM
 * and CRLF endings allowed): 1 with *pl the highest version, 0 when no
 * line holds a version (nothing is guessed). */
int patch_level_parse(const char *out, size_t len, struct pp_patch_level *pl);

/* Compares dotted versions numerically: <0, 0, >0. */
int patch_level_cmp(const char *a, const char *b);

#endif
