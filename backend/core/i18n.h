/* Translations of operator-facing text (gettext, from glibc's libintl).
 *
 * _("...") marks and translates a string; N_("...") only marks one for
 * xgettext (tables translated where they are shown).  The domain is named
 * explicitly (dgettext) so a library never depends on textdomain() having
 * been called: main() binds the catalogue directory once (tui/i18n.c),
 * and without a catalogue every string comes back as written.
 *
 * What is NOT translated, on purpose: the journal, --status / --report
 * output and JSON keys (stable English a script or a change ticket can
 * rely on), and headless mode's machine-read prefixes ("? ", "! ",
 * "done: ", "stopped: "). */
#ifndef PP_I18N_H
#define PP_I18N_H

#include <libintl.h>

#define PP_TEXTDOMAIN "poolpilot"

#define _(s) dgettext(PP_TEXTDOMAIN, s)
#define N_(s) s
/* singular / plural by n (English has two forms, Chinese one) */
#define P_(s, p, n) dngettext(PP_TEXTDOMAIN, s, p, (unsigned long)(n))

#endif
