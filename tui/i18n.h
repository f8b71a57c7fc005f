/* Where the translations are: binds poolpilot's gettext domain to the
 * catalogue directory that holds them (backend/i18n.h has the macros). */
#ifndef PP_TUI_I18N_H
#define PP_TUI_I18N_H

/* Call once, after setlocale().  Looks, in order, in $POOLPILOT_LOCALEDIR,
 * beside the binary (the build tree's locale/, an install's
 * ../share/locale) and in the compiled-in PP_LOCALEDIR; the first that
 * holds poolpilot.mo for any language wins.  Without one, text stays
 * English.  Returns the directory used, or NULL. */
const char *i18n_init(void);

#endif
