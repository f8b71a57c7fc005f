/* treetime: runs a command and measures its whole process tree, like
 * /usr/bin/time -v but counting processes that escape their parent too.
 *
 *   treetime [-s SAMPLE_MS] [-o FILE] -- COMMAND [ARG...]
 *
 * Why not /usr/bin/time: Ansible's and OpenSSH's ControlPersist masters
 * daemonize (fork, parent exits), so their CPU never reaches the shell's
 * getrusage(RUSAGE_CHILDREN), and ru_maxrss is the largest single process,
 * not what a tool of many processes (Ansible's forks, one ssh per host)
 * holds at once.  treetime makes itself a child subreaper
 * (PR_SET_CHILD_SUBREAPER), so every orphaned descendant is reparented to
 * it and reaped by it; once COMMAND has exited, whatever of its tree is
 * still alive (a ControlPersist master) gets SIGTERM (SIGKILL 2 s later) so
 * its CPU is counted too.  Meanwhile it samples the tree every SAMPLE_MS
 * (default 100) from /proc: the sum of RSS and of PSS (smaps_rollup: shared
 * pages divided among the processes that map them, the fair figure for
 * forked Python workers) over the processes alive at that moment.
 *
 * Output (FILE or stderr), one key=value per line:
 *   wall_s      COMMAND's own start to exit (the tool's run time)
 *   user_s sys_s cpu_s   CPU of every descendant, reaped (getrusage)
 *   maxrss_kb   the largest single process (getrusage ru_maxrss)
 *   tree_rss_kb tree_pss_kb   peak sampled sums over the live tree
 *   procs_peak  most processes alive at one sample
 *   exit        COMMAND's exit status (128+signal if killed)
 * The exit status of treetime is COMMAND's. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXP 65536

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ppid of every process, from /proc/PID/stat (field 4, after the comm in
 * parentheses, which may itself contain spaces and parentheses). */
static int read_ppid(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    int ppid = -1;
    if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
        return -1;
    return ppid;
}

static long read_kb(int pid, const char *file, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    long v = 0;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl)) {
            v = strtol(line + kl, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static int pids[MAXP], ppids[MAXP];

/* Every live descendant of self (parent links followed up to self), by
 * scanning all of /proc: the fallback when the kernel has no
 * /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN). */
static int descendants_scan(int self, int *out, int max)
{
    int n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < MAXP) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        int pp = read_ppid((int)pid);
        if (pp < 0)
            continue;
        pids[n] = (int)pid;
        ppids[n] = pp;
        n++;
    }
    closedir(d);
    int k = 0;
    for (int i = 0; i < n && k < max; i++) {
        int p = ppids[i];
        for (int depth = 0; depth < 64 && p > 1; depth++) {
            if (p == self) {
                out[k++] = pids[i];
                break;
            }
            int j;
            for (j = 0; j < n && pids[j] != p; j++)
                ;
            if (j == n)
                break;
            p = ppids[j];
        }
    }
    return k;
}

/* Appends the children of every thread of pid to out. */
static int children_of(int pid, int *out, int k, int max)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return k;
    struct dirent *e;
    while ((e = readdir(d)) && k < max) {
        if (e->d_name[0] == '.')
            continue;
        char cpath[320];
        snprintf(cpath, sizeof cpath, "/proc/%d/task/%s/children", pid, e->d_name);
        FILE *f = fopen(cpath, "r");
        if (!f)
            continue;
        int c;
        while (k < max && fscanf(f, "%d", &c) == 1)
            out[k++] = c;
        fclose(f);
    }
    closedir(d);
    return k;
}

/* Every live descendant of self: breadth-first over the children lists,
 * which costs in proportion to the tree, not to the whole machine (the
 * benchmark's 200 servers are several hundred processes outside it). */
static int descendants(int self, int *out, int max)
{
    static int have_children = -1;
    if (have_children < 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task/%d/children", self, self);
        have_children = access(path, R_OK) == 0;
    }
    if (!have_children)
        return descendants_scan(self, out, max);
    int k = children_of(self, out, 0, max);
    for (int i = 0; i < k; i++)
        k = children_of(out[i], out, k, max);
    return k;
}

int main(int argc, char **argv)
{
    int sample_ms = 100;
    const char *outpath = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "+s:o:")) != -1) {
        if (opt == 's')
            sample_ms = atoi(optarg) > 0 ? atoi(optarg) : 100;
        else if (opt == 'o')
            outpath = optarg;
        else
            return fprintf(stderr, "usage: treetime [-s MS] [-o FILE] -- COMMAND...\n"), 2;
    }
    if (optind >= argc)
        return fprintf(stderr, "usage: treetime [-s MS] [-o FILE] -- COMMAND...\n"), 2;
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        return perror("prctl(PR_SET_CHILD_SUBREAPER)"), 2;
    int self = getpid();
    /* SIGCHLD is taken with sigtimedwait: COMMAND's end is seen at once,
     * not at the next sample */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    double t0 = now_s(), t_end = -1;
    pid_t child = fork();
    if (child < 0)
        return perror("fork"), 2;
    if (child == 0) {
        sigprocmask(SIG_UNBLOCK, &chld, NULL);
        execvp(argv[optind], argv + optind);
        perror(argv[optind]);
        _exit(127);
    }
    static int tree[MAXP];
    long peak_rss = 0, peak_pss = 0;
    int procs_peak = 0, status = 0, exitcode = -1;
    double term_at = -1, kill_at = -1;
    double next_sample = 0;
    for (;;) {
        int n = 0;
        if (now_s() >= next_sample || t_end >= 0) {
            next_sample = now_s() + sample_ms / 1000.0;
            n = descendants(self, tree, MAXP);
        }
        long rss = 0, pss = 0;
        for (int i = 0; i < n; i++) {
            rss += read_kb(tree[i], "status", "VmRSS:");
            pss += read_kb(tree[i], "smaps_rollup", "Pss:");
        }
        if (rss > peak_rss)
            peak_rss = rss;
        if (pss > peak_pss)
            peak_pss = pss;
        if (n > procs_peak)
            procs_peak = n;
        /* reap whatever has ended: COMMAND and orphans given to us */
        for (;;) {
            int st;
            pid_t p = waitpid(-1, &st, WNOHANG);
            if (p <= 0)
                break;
            if (p == child) {
                t_end = now_s();
                status = st;
                exitcode = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            }
        }
        if (t_end >= 0) {
            if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD && n == 0)
                break;
            /* COMMAND is gone: end what it left behind, counted as its cost */
            double t = now_s();
            if (term_at < 0) {
                term_at = t;
                for (int i = 0; i < n; i++)
                    kill(tree[i], SIGTERM);
            } else if (kill_at < 0 && t - term_at > 2.0) {
                kill_at = t;
                for (int i = 0; i < n; i++)
                    kill(tree[i], SIGKILL);
            } else if (t - term_at > 10.0) {
                fprintf(stderr, "treetime: descendants survive SIGKILL; giving up\n");
                break;
            }
            usleep(10000);
            continue;
        }
        double wait = next_sample - now_s();
        if (wait > 0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            sigtimedwait(&chld, NULL, &ts);
        }
    }
    (void)status;
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    FILE *out = outpath ? fopen(outpath, "w") : stderr;
    if (!out)
        return perror(outpath), 2;
    fprintf(out,
            "wall_s=%.3f\nuser_s=%.3f\nsys_s=%.3f\ncpu_s=%.3f\nmaxrss_kb=%ld\n"
            "tree_rss_kb=%ld\ntree_pss_kb=%ld\nprocs_peak=%d\nexit=%d\n",
            t_end - t0, user, sys, user + sys, ru.ru_maxrss, peak_rss, peak_pss, procs_peak,
            exitcode);
    if (out != stderr)
        fclose(out);
    return exitcode;
}
