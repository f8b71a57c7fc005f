/* Cleaning remote text before it reaches the screen or the journal.
 * Invalid UTF-8 (a CP950/Big5 console on a Traditional Chinese server)
 * becomes U+FFFD; C0/C1 controls and whole escape sequences (CSI, OSC, DCS,
 * ...) are removed; a TAB becomes a space; CR is dropped. The output is
 * always valid UTF-8. */
#ifndef PP_TEXT_H
#define PP_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* Cleans one chunk of a stream; `state` carries an incomplete UTF-8
 * sequence or escape sequence across chunks (zero-initialise it). */
struct text_clean_state {
    unsigned char pend[8];
    int npend;
    int esc;      /* inside an escape sequence: which kind */
};

/* Writes the cleaned text into out (at most outn-1 bytes plus NUL) and
 * returns its length.  A one-shot call with state NULL cleans a whole string. */
size_t text_clean(struct text_clean_state *st, const char *in, size_t len,
                  char *out, size_t outn);

/* Display width of valid UTF-8 (CJK counts 2), using wcwidth under the
 * current locale; unprintable counts 1. */
int text_width(const char *utf8);

/* A duration for people: "45s", "32m05s", "1h02m03s"; "?" when negative. */
void text_duration(int64_t ms, char *buf, size_t n);

#endif
