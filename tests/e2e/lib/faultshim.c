/* faultshim.c: an LD_PRELOAD library that makes the journal fail on cue.
 *
 * The crash and disk matrices need "die right after the k-th record" and
 * "the k-th write fails" to happen at an exact point, every time, without
 * a single change to the product and without racing a poller against the
 * console.  This shim wraps write() and fsync() and acts only on the file
 * named by $PP_FAULT_PATH (compared through /proc/self/fd, so the same path
 * opened twice still matches); every other file and fd passes through.
 *
 * $PP_FAULT_MODE (K counts write() calls on the journal, from 1, in this
 * process; the journal writes each record with one write() then fsync()):
 *   kill-after-sync:K   fsync after the K-th write succeeds, then SIGKILL
 *                       (the record is durable; the console dies before it
 *                       can act on it)
 *   kill-before-sync:K  SIGKILL at the fsync of the K-th write (the bytes
 *                       are in the page cache, never fsync'ed)
 *   torn:K              the K-th write puts only half its bytes in the file,
 *                       then SIGKILL (a torn last line)
 *   enospc:K            the K-th write and every later one fail with ENOSPC
 *   eio-sync:K          the fsync of the K-th write and every later one
 *                       fail with EIO
 *   count               no fault; at exit prints "faultshim: writes=N" to
 *                       $PP_FAULT_COUNT_FILE (how many records a run writes)
 *
 * Built by the e2e scripts at test time (cc -shared -fPIC ... -ldl); the
 * console under test is ASan-built, so the scripts also set
 * ASAN_OPTIONS=verify_asan_link_order=0 (the shim is loaded before libasan,
 * which is harmless: it allocates nothing and only forwards calls). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

enum mode { M_NONE, M_COUNT, M_KILL_AFTER, M_KILL_BEFORE, M_TORN, M_ENOSPC, M_EIO };

static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_fsync)(int);
static enum mode mode = M_NONE;
static long fire_at;             /* K */
static long writes;              /* write() calls on the journal so far */
static char target[PATH_MAX];    /* the journal's absolute path */
static int ready;

static void shim_report(void)
{
    const char *f = getenv("PP_FAULT_COUNT_FILE");
    if (mode != M_COUNT || !f)
        return;
    FILE *fp = fopen(f, "w");
    if (fp) {
        fprintf(fp, "faultshim: writes=%ld\n", writes);
        fclose(fp);
    }
}

static void shim_init(void)
{
    if (ready)
        return;
    ready = 1;
    real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    const char *p = getenv("PP_FAULT_PATH");
    const char *m = getenv("PP_FAULT_MODE");
    if (!p || !m || !realpath(p, target)) {
        /* the journal may not exist yet: keep the path as given (absolute) */
        if (p && p[0] == '/')
            snprintf(target, sizeof target, "%s", p);
        else
            target[0] = 0;
    }
    if (!m || !target[0])
        return;
    const char *colon = strchr(m, ':');
    fire_at = colon ? strtol(colon + 1, NULL, 10) : 0;
    size_t n = colon ? (size_t)(colon - m) : strlen(m);
    if (n == 5 && !strncmp(m, "count", n))
        mode = M_COUNT;
    else if (n == 15 && !strncmp(m, "kill-after-sync", n))
        mode = M_KILL_AFTER;
    else if (n == 16 && !strncmp(m, "kill-before-sync", n))
        mode = M_KILL_BEFORE;
    else if (n == 4 && !strncmp(m, "torn", n))
        mode = M_TORN;
    else if (n == 6 && !strncmp(m, "enospc", n))
        mode = M_ENOSPC;
    else if (n == 8 && !strncmp(m, "eio-sync", n))
        mode = M_EIO;
    if (mode == M_COUNT)
        atexit(shim_report);
}

/* Is fd the journal?  readlink costs a syscall per write, which is nothing
 * next to the fsync every record already pays. */
static int is_journal(int fd)
{
    char link[64], buf[PATH_MAX];
    if (mode == M_NONE || fd < 0)
        return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, sizeof buf - 1);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    return strcmp(buf, target) == 0;
}

ssize_t write(int fd, const void *buf, size_t count)
{
    shim_init();
    if (!real_write) {
        errno = ENOSYS;
        return -1;
    }
    if (!is_journal(fd))
        return real_write(fd, buf, count);
    writes++;
    if (mode == M_ENOSPC && writes >= fire_at) {
        errno = ENOSPC;
        return -1;
    }
    if (mode == M_TORN && writes == fire_at) {
        size_t half = count / 2 ? count / 2 : 1;
        real_write(fd, buf, half);
        raise(SIGKILL);
    }
    return real_write(fd, buf, count);
}

int fsync(int fd)
{
    shim_init();
    if (!real_fsync) {
        errno = ENOSYS;
        return -1;
    }
    if (!is_journal(fd))
        return real_fsync(fd);
    if (mode == M_KILL_BEFORE && writes == fire_at)
        raise(SIGKILL);
    if (mode == M_EIO && writes >= fire_at && fire_at > 0) {
        errno = EIO;
        return -1;
    }
    int rc = real_fsync(fd);
    if (mode == M_KILL_AFTER && writes == fire_at && rc == 0)
        raise(SIGKILL);
    return rc;
}
