/* Per-server output: cleaned lines in a bounded ring (the oldest lines go
 * first when a server floods), plus the incomplete last line. */
#ifndef PP_OUTBUF_H
#define PP_OUTBUF_H

#include <stddef.h>
#include "backend/core/text.h"

struct pp_outbuf {
    char **ring;          /* cap slots, heap strings */
    int cap, start, n;
    size_t dropped;       /* lines that fell off the ring */
    char partial[4096];   /* cleaned text of the unfinished line */
    size_t npartial;
    struct text_clean_state clean;
};

void outbuf_init(struct pp_outbuf *o, int cap);
void outbuf_free(struct pp_outbuf *o);
/* Appends raw remote bytes: cleaned, split on '\n'; returns lines completed. */
int outbuf_feed(struct pp_outbuf *o, const char *data, size_t len);
/* Appends one line of the console's own text (already clean). */
void outbuf_add_line(struct pp_outbuf *o, const char *line);
int outbuf_count(const struct pp_outbuf *o);
const char *outbuf_line(const struct pp_outbuf *o, int i);   /* 0 = oldest kept */
const char *outbuf_last(const struct pp_outbuf *o);           /* "" if none */

#endif
