/* The one UTF-8 codec: well-formedness (Unicode Table 3-7), decoding,
 * encoding, cutting, and display widths.  The JSON reader and writer, the
 * readiness parser, the PowerShell encoder, the engine and the dashboard
 * all use these; nothing else decodes UTF-8 by hand (text.c's streaming
 * cleaner keeps its own byte-at-a-time state, because remote output
 * arrives in chunks that split characters).  Never trusting its input: a
 * bad byte decodes as U+FFFD. */
#ifndef PP_CORE_UTF8_H
#define PP_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the valid UTF-8 sequence at s[0..n), or 0 when invalid;
 * then *bad gets how many bytes form the invalid part (the "maximal
 * subpart" of Unicode 3.9, at least 1) and *incomplete is true when the
 * bytes were a valid but unfinished prefix cut by the end of the input. */
size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad, bool *incomplete);

/* Decodes one code point at s (len bytes left); an invalid sequence gives
 * U+FFFD for its maximal invalid subpart (*used >= 1), as utf8_seq. */
uint32_t utf8_next(const char *s, size_t len, size_t *used);
/* Drops an incomplete character that a cut left at the end of s (a
 * translated text is 3 bytes a character in Chinese); valid text is left
 * as it is. */
void utf8_trim_tail(char *s);

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
