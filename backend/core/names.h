/* The one rule for the names poolpilot puts into commands, file names and
 * SSH options.  Config, the readiness parser, the journal's default path
 * and the SSH transport all call these, so a name accepted in one place is
 * accepted everywhere (and refused everywhere). */
#ifndef PP_CORE_NAMES_H
#define PP_CORE_NAMES_H

#include <stdbool.h>

/* RFC 1123 host names: labels of ASCII letters, digits and '-', 1..63 long,
 * not starting or ending with '-', 253 characters at most, no trailing dot.
 * Anything else (quotes, ';', '$', spaces, '_', '@') is refused. */
bool names_valid_host(const char *s);
/* Upgrade-domain names as Topology Builder makes them ("UpgradeDomain1")
 * and what other pools may use: ASCII letters, digits, '-', '_', '.', 1..63
 * long, not starting with '-' or '.' (which a command could read as an
 * option or a path). */
bool names_valid_domain(const char *s);

#endif
