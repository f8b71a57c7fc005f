/* Collected configuration problems: every message "FILE:LINE: text", kept in
 * the order found and sorted by line once a load is over, so an operator sees
 * all of them in one run, as a compiler would show them. */
#include "config/config_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void diag_push(struct pp_diag *d, char *msg)
{
    if (!msg)
        return;
    if (d->n == d->cap) {
        int cap = d->cap ? d->cap * 2 : 16;
        char **m = realloc(d->msgs, (size_t)cap * sizeof *m);
        if (!m) {
            free(msg);
            return;
        }
        d->msgs = m;
        d->cap = cap;
    }
    d->msgs[d->n++] = msg;
}

void diag_add(struct pp_diag *d, const char *file, int line, const char *fmt, ...)
{
    if (!d)
        return;
    char head[PP_PATH_MAX + 32];
    if (line > 0)
        snprintf(head, sizeof head, "%s:%d: ", file ? file : "?", line);
    else
        snprintf(head, sizeof head, "%s: ", file ? file : "?");

    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return;
    size_t hl = strlen(head);
    char *msg = malloc(hl + (size_t)len + 1);
    if (!msg)
        return;
    memcpy(msg, head, hl);
    va_start(ap, fmt);
    vsnprintf(msg + hl, (size_t)len + 1, fmt, ap);
    va_end(ap);
    diag_push(d, msg);
}

void diag_free(struct pp_diag *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->n; i++)
        free(d->msgs[i]);
    free(d->msgs);
    d->msgs = NULL;
    d->n = d->cap = 0;
}

/* Line number of a message that starts with "FILE:" (0 when it has none or
 * belongs to another file: built-in texts sort first, they are our bugs). */
static long diag_line_of(const char *msg, const char *file, size_t flen)
{
    if (strncmp(msg, file, flen) != 0 || msg[flen] != ':')
        return 0;
    char *end;
    long v = strtol(msg + flen + 1, &end, 10);
    return end != msg + flen + 1 && *end == ':' ? v : 0;
}

/* Stable insertion sort of the messages added since `from` by line of
 * `file`.  Lists are short (a few dozen at most) so n^2 is fine, and a stable
 * order keeps several messages about one line in the order they were found. */
void cfg_diag_sort(struct pp_diag *d, int from, const char *file)
{
    if (!d || !file || from < 0)
        return;
    size_t flen = strlen(file);
    for (int i = from + 1; i < d->n; i++) {
        char *m = d->msgs[i];
        long key = diag_line_of(m, file, flen);
        int j = i - 1;
        while (j >= from && diag_line_of(d->msgs[j], file, flen) > key) {
            d->msgs[j + 1] = d->msgs[j];
            j--;
        }
        d->msgs[j + 1] = m;
    }
}
