/* UTF-8 decoding and display widths for the dashboard (no curses).
 * Text reaching tui/ is already clean UTF-8 (backend/text.c), but these
 * functions still never trust it: a bad byte decodes as U+FFFD. */
#ifndef PP_TUI_UTF8_H
#define PP_TUI_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point from s (at most len bytes).  Returns the bytes
 * used (1-4); an invalid or truncated sequence yields U+FFFD and 1. */
int utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Encodes cp into out (4 bytes room); returns the length. */
int utf8_encode(uint32_t cp, char out[4]);
/* Columns a code point takes: wcwidth() under the current locale (so the
 * dashboard and curses agree); -1 for controls, 0 for combining marks. */
int utf8_cp_width(uint32_t cp);
/* Columns of a whole string (unprintable code points count 1, like U+FFFD). */
int utf8_width(const char *s);
/* The byte length of the longest prefix of s that fits in `cols` columns. */
size_t utf8_fit(const char *s, int cols);

#endif
