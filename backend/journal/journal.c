/* The checklist journal on disk: open + lock, durable append, default path.
 *
 * Locking.  The lock is flock(LOCK_EX|LOCK_NB) on the journal file itself.
 * flock belongs to the open file description, so the kernel drops it the
 * moment the console's process ends, however it ends (crash, kill -9,
 * terminal closed): a dead console can never leave the pool locked, and
 * nobody has to delete a lock file by hand.  O_CLOEXEC keeps programs we
 * exec from inheriting it (a child forked without exec would).  PATH.lock
 * beside the journal is only a label (pid, host, operator, start time) so
 * "in use" messages can say by whom; it is never trusted for exclusion.
 * A label left behind means the last console did not close cleanly; the
 * next console that gets the flock reports it as stale and rewrites it.
 *
 * Durability.  A record is one write() of the whole line, then fsync().
 * If either fails, the bytes that may have reached the file are cut off
 * again (ftruncate to the previous size + fsync), so a partial line never
 * sits in front of the next record.  If even that fails, the handle
 * refuses further appends; the next start's replay cuts the torn line.
 * Reading and replay live in journal_read.c. */
#include "backend/journal/journal_internal.h"
#include "backend/core/names.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- small helpers ---- */

void jnl_add_msg(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    size_t l;
    if (!buf || !n)
        return;
    l = strnlen(buf, n);
    if (l && l + 1 < n)
        buf[l++] = '\n';
    if (l >= n)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + l, n - l, fmt, ap);
    va_end(ap);
}

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

void jnl_fsync_dir_of(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return;
    char *slash = strrchr(d, '/');
    if (slash == d)
        slash[1] = 0;
    else if (slash)
        *slash = 0;
    else
        strcpy(d, ".");
    int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);   /* best effort: some file systems refuse it */
        close(fd);
    }
    free(d);
}

/* mkdir -p of path's parent directories, each new one 0700. */
static int mkdir_parents(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return -1;
    for (char *p = d + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(d, 0700) == 0)
            jnl_fsync_dir_of(d);
        else if (errno != EEXIST) {
            int e = errno;
            free(d);
            errno = e;
            return -1;
        }
        *p = '/';
    }
    free(d);
    return 0;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- lock info (PATH.lock) ---- */

struct lockinfo {
    bool present;
    long pid;
    char host[256];
    char operator_[PP_OPERATOR_MAX];
    char started[40];
};

static void lockinfo_read(const char *lockpath, struct lockinfo *li)
{
    char buf[1024];
    memset(li, 0, sizeof *li);
    int fd = open(lockpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    li->present = true;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq++ = 0;
        if (strcmp(line, "pid") == 0)
            li->pid = strtol(eq, NULL, 10);
        else if (strcmp(line, "host") == 0)
            snprintf(li->host, sizeof li->host, "%s", eq);
        else if (strcmp(line, "operator") == 0)
            snprintf(li->operator_, sizeof li->operator_, "%s", eq);
        else if (strcmp(line, "started") == 0)
            snprintf(li->started, sizeof li->started, "%s", eq);
    }
}

static void lockinfo_describe(const struct lockinfo *li, char *buf, size_t n)
{
    snprintf(buf, n, "pid %ld, %s on %s, since %s", li->pid,
             li->operator_[0] ? li->operator_ : "?", li->host[0] ? li->host : "?",
             li->started[0] ? li->started : "?");
}

static bool same_host(const char *host)
{
    char me[256] = "";
    gethostname(me, sizeof me - 1);
    return strcmp(me, host) == 0;
}

/* Can we tell the process is still running?  Only on this host. */
static bool lockinfo_alive(const struct lockinfo *li)
{
    if (li->pid <= 0)
        return false;
    if (!same_host(li->host))
        return true;   /* cannot check another machine: assume it runs */
    return kill((pid_t)li->pid, 0) == 0 || errno == EPERM;
}

static const char *login_name(void)
{
    const char *u = getenv("USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "?";
}

/* The label's operator: who the console says sits there (--operator, or
 * SUDO_USER), else the login name.  One line of printable text: the label
 * is read back line by line and shown in another console's message. */
static void label_operator(const char *who, char *out, size_t n)
{
    snprintf(out, n, "%s", who && *who ? who : login_name());
    for (unsigned char *p = (unsigned char *)out; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            *p = '?';
}

static int lockinfo_write(struct pp_journal *j, const char *who)
{
    char host[256] = "", ts[40], buf[700], op[128];
    char *tmp = str_printf("%s.%ld.tmp", j->lockpath, (long)getpid());
    if (!tmp)
        return -1;
    gethostname(host, sizeof host - 1);
    journal_format_ts(wall_ms(), ts, sizeof ts);
    label_operator(who, op, sizeof op);
    int len = snprintf(buf, sizeof buf, "pid=%ld\nhost=%s\noperator=%s\nstarted=%s\n",
                       (long)getpid(), host, op, ts);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd >= 0) {
        if (write(fd, buf, (size_t)len) == len && close(fd) == 0)
            rc = rename(tmp, j->lockpath);
        else
            close(fd);
        if (rc < 0) {
            int e = errno;
            unlink(tmp);
            errno = e;
        }
    }
    free(tmp);
    return rc;
}

long journal_holder(const char *path, char *info, size_t n)
{
    struct lockinfo li;
    char *lp = str_printf("%s.lock", path);
    if (!lp)
        return -1;
    lockinfo_read(lp, &li);
    free(lp);
    if (info && n)
        info[0] = 0;
    if (!li.present || !lockinfo_alive(&li))
        return 0;
    if (info)
        lockinfo_describe(&li, info, n);
    return li.pid;
}

/* ---- open / close ---- */

struct pp_journal *journal_open(const char *path, bool *locked, char *err, size_t errn)
{
    return journal_open_as(path, NULL, locked, err, errn);
}

struct pp_journal *journal_open_as(const char *path, const char *operator_, bool *locked,
                                   char *err, size_t errn)
{
    struct pp_journal *j;
    struct stat st;
    bool created = false;
    int fd;

    *locked = false;
    if (!path || !*path) {
        snprintf(err, errn, "no journal path");
        return NULL;
    }
    if (mkdir_parents(path) < 0) {
        snprintf(err, errn, "cannot create the directory of journal %s: %s", path,
                 strerror(errno));
        return NULL;
    }
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0)
        created = true;
    else if (errno == EEXIST)
        fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errn, "cannot open journal %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errn, "cannot use journal %s: not a regular file", path);
        close(fd);
        return NULL;
    }
    if (created) {
        /* The new file's name must survive a crash too. */
        fsync(fd);
        jnl_fsync_dir_of(path);
    }
    j = calloc(1, sizeof *j);
    if (!j || !(j->path = strdup(path)) || !(j->lockpath = str_printf("%s.lock", path))) {
        snprintf(err, errn, "out of memory opening journal %s", path);
        goto fail;
    }
    j->fd = fd;
    j->pool_fd = -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) {
            struct lockinfo li;
            char who[600];
            lockinfo_read(j->lockpath, &li);
            if (li.present)
                lockinfo_describe(&li, who, sizeof who);
            else
                snprintf(who, sizeof who, "it has not written %s yet", j->lockpath);
            snprintf(err, errn, "journal %s is in use by another poolpilot console (%s)",
                     path, who);
            *locked = true;
        } else {
            snprintf(err, errn, "cannot lock journal %s: %s", path, strerror(errno));
        }
        goto fail;
    }
    /* We hold the lock.  A label left behind is stale by definition. */
    struct lockinfo old;
    lockinfo_read(j->lockpath, &old);
    if (old.present) {
        char who[600];
        lockinfo_describe(&old, who, sizeof who);
        snprintf(j->note, sizeof j->note,
                 "%s: stale lock from a console that did not close the journal (%s; %s); "
                 "the kernel released its lock, taken over",
                 j->lockpath, who,
                 lockinfo_alive(&old) && old.pid != (long)getpid()
                     ? "it no longer holds the lock" : "that process is gone");
    }
    if (lockinfo_write(j, operator_) == 0)
        j->wrote_lockinfo = true;
    else
        jnl_add_msg(j->note, sizeof j->note, "%s: cannot write the lock label: %s (not needed "
                "for locking)", j->lockpath, strerror(errno));
    return j;

fail:
    close(fd);
    if (j) {
        free(j->path);
        free(j->lockpath);
        free(j);
    }
    return NULL;
}

void journal_close(struct pp_journal *j)
{
    if (!j)
        return;
    if (j->wrote_lockinfo) {
        struct lockinfo li;
        lockinfo_read(j->lockpath, &li);
        if (li.present && li.pid == (long)getpid())
            unlink(j->lockpath);
    }
    close(j->fd);   /* releases the flock */
    if (j->pool_fd >= 0)
        close(j->pool_fd);
    free(j->path);
    free(j->lockpath);
    free(j);
}

long long journal_last_seq(const struct pp_journal *j) { return j->last_seq; }
const char *journal_path(const struct pp_journal *j) { return j->path; }

/* ---- the pool's lock ---- */

int jnl_lock_pool(struct pp_journal *j, const char *start_detail, char *err, size_t errn)
{
    char pool[PP_NAME_MAX] = "", path[PATH_MAX];
    if (j->pool_fd >= 0 || strncmp(start_detail, "pool ", 5) != 0 ||
        strstr(start_detail, ", training scenario ") ||
        sscanf(start_detail + 5, "%253s", pool) != 1)
        return 0;
    /* beside the pool's default journal: keyed by the pool's name (without
     * case), not by the path this console's journal happens to have */
    if (journal_default_path(pool, false, path, sizeof path) < 0)
        return 0;   /* no state directory: the journal's own lock still holds */
    char *dot = strrchr(path, '.');
    if (dot)
        *dot = 0;
    if (strlen(path) + sizeof ".pool-lock" > sizeof path)
        return 0;
    strcat(path, ".pool-lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return 0;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e != EWOULDBLOCK)
            return 0;
        snprintf(err, errn, "pool %s is in use by another poolpilot console on this machine "
                            "(it holds %s, with another journal than %s): one console per pool",
                 pool, path, j->path);
        return -1;
    }
    j->pool_fd = fd;
    return 0;
}

/* ---- appending ---- */

int journal_append(struct pp_journal *j, struct pp_jrec *r, char *err, size_t errn)
{
    struct stat st;
    bool set_ts = false;
    size_t off = 0;
    const char *what = "write";
    int e;

    if (j->broken) {
        snprintf(err, errn, "journal %s is damaged by an earlier failed write; restart "
                 "poolpilot to repair it", j->path);
        return -1;
    }
    if (!j->replayed) {
        snprintf(err, errn, "journal %s: append before replay (internal error)", j->path);
        return -1;
    }
    if (!strcmp(r->event, "start") && jnl_lock_pool(j, r->detail, err, errn) < 0)
        return -1;   /* nothing written: another console drives this pool */
    r->seq = j->last_seq + 1;
    if (!r->ts[0]) {
        journal_format_ts(wall_ms(), r->ts, sizeof r->ts);
        set_ts = true;
    }
    int len = jrec_chain(r, j->last_chk, r->chk) < 0 ? -1
                                                     : jrec_format(r, j->line, sizeof j->line);
    if (len < 0) {
        snprintf(err, errn, "cannot write journal %s: record %lld (%s) is %s", j->path,
                 r->seq, r->event[0] ? r->event : "no event",
                 r->event[0] ? "too long for its fields" : "incomplete");
        r->seq = 0;
        r->chk[0] = 0;
        if (set_ts)
            r->ts[0] = 0;
        return -1;
    }
    if (fstat(j->fd, &st) < 0) {
        e = errno;
        snprintf(err, errn, "cannot write journal %s: %s", j->path, strerror(e));
        goto undo_seq;
    }
    while (off < (size_t)len) {
        ssize_t w = write(j->fd, j->line + off, (size_t)len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e = w < 0 ? errno : EIO;
            goto failed;
        }
        off += (size_t)w;
    }
    if (fsync(j->fd) == 0) {
        j->last_seq = r->seq;
        memcpy(j->last_chk, r->chk, sizeof j->last_chk);
        return 0;
    }
    e = errno;
    what = "sync";
failed:
    snprintf(err, errn, "cannot %s journal %s: %s", what, j->path, strerror(e));
    /* The record may be partly (or, after a failed fsync, wholly) in the
     * file: take it out so it is neither acted on nor glued to the next. */
    if (off > 0) {
        if (ftruncate(j->fd, st.st_size) < 0 || fsync(j->fd) < 0) {
            j->broken = true;
            jnl_add_msg(err, errn, "and the partial record cannot be removed (%s): restart "
                    "poolpilot, which cuts it off", strerror(errno));
        }
    }
undo_seq:
    r->seq = 0;
    r->chk[0] = 0;
    if (set_ts)
        r->ts[0] = 0;
    return -1;
}

/* ---- default path ---- */

int journal_default_path(const char *pool, bool training, char *buf, size_t n)
{
    char name[PP_NAME_MAX], base[PATH_MAX];
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");

    if (!pool || !names_valid_host(pool)) {
        errno = EINVAL;
        return -1;
    }
    /* DNS names are case-insensitive: POOL01 and pool01 are one pool, so
     * they must share one journal (and one lock). */
    size_t i;
    for (i = 0; pool[i]; i++)
        name[i] = (char)tolower((unsigned char)pool[i]);
    name[i] = 0;
    /* XDG: a relative $XDG_STATE_HOME is invalid and must be ignored. */
    if (xdg && xdg[0] == '/')
        snprintf(base, sizeof base, "%s/poolpilot", xdg);
    else {
        if (!home || home[0] != '/') {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (!home || home[0] != '/') {
            errno = ENOENT;
            return -1;
        }
        snprintf(base, sizeof base, "%s/.local/state/poolpilot", home);
    }
    int len = snprintf(buf, n, "%s/%s%s.jsonl", base, name, training ? ".training" : "");
    if (len < 0 || (size_t)len >= n) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return mkdir_parents(buf);
}
