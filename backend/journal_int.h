/* Internals shared by journal.c (open, lock, append) and journal_read.c
 * (read, replay).  Not a contract header: nothing outside the journal
 * includes it. */
#ifndef PP_JOURNAL_INT_H
#define PP_JOURNAL_INT_H

#include "backend/journal.h"

/* Longer lines are corrupt: a well-formed record is under 10 KiB. */
#define JLINE_MAX 65536

struct pp_journal {
    int fd;
    char *path;
    char *lockpath;
    long long last_seq;
    bool replayed;
    bool broken;             /* a failed append could not be undone */
    bool wrote_lockinfo;
    char note[PP_REASON_MAX + 256];   /* stale lock label, for replay's warn */
    char line[JLINE_MAX];
};

/* Appends a message to buf, on a new line when buf is not empty. */
void jnl_add_msg(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* fsync of the directory holding path (best effort): makes a new name durable. */
void jnl_fsync_dir_of(const char *path);

#endif
