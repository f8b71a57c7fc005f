/* Internals shared by journal.c (open, lock, append) and journal_read.c
 * (read, replay).  Not a contract header: nothing outside the journal
 * includes it. */
#ifndef PP_JOURNAL_INT_H
#define PP_JOURNAL_INT_H

#include "backend/journal/journal.h"

/* Longer lines are corrupt: a well-formed record is under 10 KiB. */
#define JLINE_MAX 65536

struct pp_journal {
    int fd;
    char *path;
    char *lockpath;
    long long last_seq;
    char last_chk[20];       /* the last record's chk: the next one chains to it */
    int pool_fd;             /* the pool's lock (jnl_lock_pool), -1 until taken */
    bool replayed;
    bool broken;             /* a failed append could not be undone */
    bool wrote_lockinfo;
    char note[PP_REASON_MAX + 256];   /* stale lock label, for replay's warn */
    char line[JLINE_MAX];
};

/* Bytes journal_read_file / journal_replay may use to keep the checked
 * records between checking them and handing them on (256 MiB); past it the
 * rest of the file is parsed a second time instead.  Tests lower it to
 * reach that path; nothing else writes it. */
extern size_t jnl_arena_max;

/* jrec_parse without clearing all of r first: only seq and each field's
 * first byte, so the bytes after a value's NUL may hold an older record's.
 * For the reader's own scratch record (about 1.5 KB cleared per line adds
 * up over a million lines); a record handed to anyone else comes from
 * jrec_parse. */
int jrec_parse_scratch(const char *line, size_t len, struct pp_jrec *r, char *err, size_t errn);

/* One console per pool on this machine (for this user), whatever journal
 * path each uses: when the journal's start record (written, or read on a
 * resume) names a real pool, its lock $XDG_STATE_HOME/poolpilot/POOL.pool-lock
 * is taken (flock, released with the process).  Training pools are not
 * locked.  Returns 0, or -1 with err when another console holds it. */
int jnl_lock_pool(struct pp_journal *j, const char *start_detail, char *err, size_t errn);

/* Appends a message to buf, on a new line when buf is not empty. */
void jnl_add_msg(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* fsync of the directory holding path (best effort): makes a new name durable. */
void jnl_fsync_dir_of(const char *path);

#endif
