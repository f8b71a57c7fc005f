/* ssh_bench: what the SSH transport costs, against throwaway sshds on
 * 127.0.0.x (tests/e2e/lib/sshd.sh + tests/tools/fake_cmdlet).  Prints
 * numbers, asserts nothing; not part of ctest.
 *
 *   ssh_bench [-n SERVERS] [-m COMMANDS] SSHD_SH FAKE_CMDLET
 *
 * Measures: per-command time on one reused connection vs. a fresh OpenSSH
 * `ssh` process per command; one command fanned out to every server (cold:
 * connect + auth included; warm: connections reused; after connecting
 * ahead, as poolpilot does for its [servers]); a 100 MB flood
 * (throughput, queue high-water, peak RSS).  Needs root (sshd ForceCommand
 * logs in as root).  Note: every command on the server runs through root's
 * login shell (bash -c, which sources ~/.bashrc), in both columns alike. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/transport/ssh/ssh_internal.h"
#include "backend/runner/transport.h"
#include "config/config.h"

extern char **environ;

static char root[256], sshd_sh[PATH_MAX], fake[PATH_MAX];
static int nservers = 8, ncmds = 20;
static int ports[64];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* ---- event sink: counts ENDs and bytes -------------------------------- */

static int ends, failures;
static long long bytes;

static void on_event(void *ctx, const struct pp_tev *ev)
{
    (void)ctx;
    if (ev->type == PP_TEV_END) {
        ends++;
        failures += ev->result != PP_RES_OK;
        if (ev->result != PP_RES_OK)
            fprintf(stderr, "command %llu: %s %s\n", (unsigned long long)ev->id,
                    ev->result == PP_RES_FAILED ? "failed" : "did not finish",
                    ev->data ? ev->data : "");
    } else if (ev->type == PP_TEV_OUTPUT) {
        bytes += (long long)ev->len;
    }
}

static const struct pp_tsink sink = {on_event, NULL};

static void run_until_ends(struct pp_transport *t, int want)
{
    while (ends < want) {
        struct pollfd p = {transport_fd(t), POLLIN, 0};
        poll(&p, 1, 100);
        transport_poll(t, 0, &sink);
    }
}

static struct pp_config cfg;

static struct pp_transport *tp_new(void)
{
    char err[256];
    struct pp_transport *t = ssh_transport_new(&cfg, err, sizeof err);
    if (!t) {
        fprintf(stderr, "ssh_transport_new: %s\n", err);
        exit(1);
    }
    char d[PATH_MAX + 16];
    snprintf(d, sizeof d, "%s/dotssh", root);
    mkdir(d, 0700);
    ssh_transport_test_paths(t, d, "/dev/null");
    return t;
}

static uint64_t next_id = 1;

static void start(struct pp_transport *t, int server, const char *cmd)
{
    char host[32];
    snprintf(host, sizeof host, "b%d", server);
    struct pp_cmd c = {.id = next_id++, .server = server, .host = host,
                       .kind = PP_CMD_PROBE, .command = cmd, .timeout = 120000, .domain = ""};
    if (transport_start(t, &c, 0) != 0) {
        fprintf(stderr, "start failed\n");
        exit(1);
    }
}

static long peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* One `ssh` client process per command, as a shell script would do it. */
static double fresh_ssh_per_command(void)
{
    char key[PATH_MAX + 32], kh[PATH_MAX + 32], port[16], opt_kh[PATH_MAX + 64];
    snprintf(key, sizeof key, "%s/client_ed25519", root);
    snprintf(kh, sizeof kh, "%s/known_hosts", root);
    snprintf(opt_kh, sizeof opt_kh, "UserKnownHostsFile=%s", kh);
    snprintf(port, sizeof port, "%d", ports[0]);
    char *argv[] = {"ssh", "-F", "/dev/null", "-i", key, "-p", port, "-o", opt_kh,
                    "-o", "BatchMode=yes", "-o", "GlobalKnownHostsFile=/dev/null",
                    "root@127.0.0.101", "true", NULL};
    double t0 = now_s();
    for (int i = 0; i < ncmds; i++) {
        pid_t pid;
        if (posix_spawnp(&pid, "ssh", NULL, NULL, argv, environ) != 0) {
            perror("posix_spawnp ssh");
            return -1;
        }
        int st;
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fprintf(stderr, "ssh exited with %d\n", WEXITSTATUS(st));
    }
    return (now_s() - t0) / ncmds;
}

/* What the server side spends before the command runs: sshd starts it with
 * the user's shell (bash -c), and Debian's bash reads ~/.bashrc when it sees
 * SSH_CLIENT.  Same on both columns above; subtract it to see the transport. */
static double login_shell_startup(void)
{
    char *argv[] = {"bash", "-c", "true", NULL};
    char *envp[] = {"SSH_CLIENT=127.0.0.1 40000 22", "PATH=/usr/bin:/bin", NULL};
    char home[PATH_MAX + 8];
    snprintf(home, sizeof home, "HOME=%s", getenv("HOME") ? getenv("HOME") : "/root");
    char *envp2[] = {envp[0], envp[1], home, NULL};
    double t0 = now_s();
    for (int i = 0; i < ncmds; i++) {
        pid_t pid;
        if (posix_spawnp(&pid, "bash", NULL, NULL, argv, envp2) != 0)
            return -1;
        int st;
        waitpid(pid, &st, 0);
    }
    return (now_s() - t0) / ncmds;
}

static void cleanup(void)
{
    for (int i = 0; i < nservers; i++)
        sh("bash '%s' stop '%s/b%d' >/dev/null 2>&1", sshd_sh, root, i);
    if (*root)
        sh("rm -rf '%s'", root);
}

int main(int argc, char **argv)
{
    int opt;
    while ((opt = getopt(argc, argv, "n:m:")) != -1) {
        if (opt == 'n')
            nservers = atoi(optarg);
        else if (opt == 'm')
            ncmds = atoi(optarg);
        else
            goto usage;
    }
    if (argc - optind != 2 || nservers < 1 || nservers > 64 || ncmds < 1)
        goto usage;
    if (!realpath(argv[optind], sshd_sh) || !realpath(argv[optind + 1], fake)) {
        perror("realpath");
        return 1;
    }
    snprintf(root, sizeof root, "/tmp/ssh_bench.XXXXXX");
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    chmod(root, 0755);
    atexit(cleanup);
    if (sh("bash '%s' init '%s'", sshd_sh, root) != 0)
        return 1;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/ssh_config", root);
    FILE *conf = fopen(path, "w");
    double t0 = now_s();
    for (int i = 0; i < nservers; i++) {
        char dir[PATH_MAX + 16];
        snprintf(dir, sizeof dir, "%s/b%d", root, i);
        if (sh("bash '%s' setup '%s' b%d 127.0.0.%d 0 '%s' && bash '%s' start '%s' && "
               "bash '%s' known_hosts '%s' >> '%s/known_hosts'",
               sshd_sh, root, i, 101 + i, fake, sshd_sh, dir, sshd_sh, dir, root) != 0)
            return 1;
        snprintf(path, sizeof path, "%s/port", dir);
        FILE *pf = fopen(path, "r");
        if (!pf || fscanf(pf, "%d", &ports[i]) != 1)
            return 1;
        fclose(pf);
        fprintf(conf, "Host b%d\n  HostName 127.0.0.%d\n  Port %d\n", i, 101 + i, ports[i]);
    }
    fclose(conf);
    printf("setup: %d sshd servers in %.2f s\n", nservers, now_s() - t0);

    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.ssh.identity, sizeof cfg.ssh.identity, "%s/client_ed25519", root);
    snprintf(cfg.ssh.known_hosts, sizeof cfg.ssh.known_hosts, "%s/known_hosts", root);
    snprintf(cfg.ssh.config, sizeof cfg.ssh.config, "%s/ssh_config", root);
    cfg.ssh.auth = PP_AUTH_KEY;
    cfg.ssh.connect_timeout = 15000;
    cfg.ssh.keepalive = 15000;

    /* 1. Per command: one reused connection vs. a fresh ssh process. */
    struct pp_transport *t = tp_new();
    t0 = now_s();
    start(t, 0, "true");
    run_until_ends(t, 1);
    double first = now_s() - t0;
    t0 = now_s();
    for (int i = 0; i < ncmds; i++) {
        start(t, 0, "true");
        run_until_ends(t, 2 + i);
    }
    double reused = (now_s() - t0) / ncmds;
    transport_free(t);
    double fresh = fresh_ssh_per_command();
    printf("per command (\"true\", %d sequential runs):\n", ncmds);
    printf("  first command incl. connect+auth : %7.1f ms\n", first * 1000);
    printf("  reused connection (transport)    : %7.1f ms\n", reused * 1000);
    printf("  fresh `ssh` process each time    : %7.1f ms\n", fresh * 1000);
    printf("  of which server-side login shell : %7.1f ms (bash -c with ~/.bashrc, both cases)\n",
           login_shell_startup() * 1000);

    /* 2. Fan-out of one command to every server. */
    ends = failures = 0;
    t = tp_new();
    t0 = now_s();
    for (int i = 0; i < nservers; i++)
        start(t, i, "echo fan-out");
    run_until_ends(t, nservers);
    double cold = now_s() - t0;
    t0 = now_s();
    for (int i = 0; i < nservers; i++)
        start(t, i, "echo fan-out");
    run_until_ends(t, 2 * nservers);
    double warm = now_s() - t0;
    printf("fan-out of one command to %d servers (until the last END):\n", nservers);
    printf("  cold (connect + auth + run)      : %7.1f ms\n", cold * 1000);
    printf("  warm (connections reused)        : %7.1f ms\n", warm * 1000);

    /* 2b. The same with the servers in [servers]: the transport connects
     * ahead (eager) from its first poll, before any command. */
    {
        static struct pp_server_cfg scfg[64];
        for (int i = 0; i < nservers; i++)
            snprintf(scfg[i].name, sizeof scfg[i].name, "b%d", i);
        cfg.servers = scfg;
        cfg.nservers = nservers;
        struct pp_transport *te = tp_new();
        struct ssh_transport_stats es = {0};
        t0 = now_s();
        while (es.eager_tried < nservers && now_s() - t0 < 60) {
            struct pollfd p = {transport_fd(te), POLLIN, 0};
            poll(&p, 1, 20);
            transport_poll(te, 0, &sink);
            ssh_transport_stats(te, &es);
        }
        double ahead = now_s() - t0;
        int base = ends;
        t0 = now_s();
        for (int i = 0; i < nservers; i++)
            start(te, i, "echo fan-out");
        run_until_ends(te, base + nservers);
        double eager = now_s() - t0;
        printf("  connecting ahead (eager, %d/%d ok): %7.1f ms, then\n", es.eager_ok, nservers,
               ahead * 1000);
        printf("  first fan-out after that         : %7.1f ms\n", eager * 1000);
        transport_free(te);
        cfg.servers = NULL;
        cfg.nservers = 0;
    }

    /* Idle: connected workers must sleep, not spin. */
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    t0 = now_s();
    while (now_s() - t0 < 2.0) {
        struct pollfd p = {transport_fd(t), POLLIN, 0};
        poll(&p, 1, 200);
        transport_poll(t, 0, &sink);
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    printf("idle with %d connections for 2 s  : %7.1f ms CPU\n", nservers,
           ((double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6));

    /* 3. Flood: throughput and bounded memory. */
    ends = 0;
    bytes = 0;
    const long long flood = 100LL * 1024 * 1024;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "flood %lld", flood);
    t0 = now_s();
    start(t, 0, cmd);
    run_until_ends(t, 1);
    double ft = now_s() - t0;
    struct ssh_transport_stats st;
    ssh_transport_stats(t, &st);
    printf("flood of %lld MiB without a newline: %.2f s (%.0f MiB/s), %lld bytes delivered,\n"
           "  queue high-water %zu bytes (cap %u), peak RSS of this process %ld KiB\n",
           flood >> 20, ft, (double)(flood >> 20) / ft, bytes, st.queued_hwm, SSHT_QUEUE_CAP,
           peak_rss_kb());
    transport_free(t);
    printf("failures: %d\n", failures);
    return failures ? 1 : 0;
usage:
    fprintf(stderr, "usage: ssh_bench [-n SERVERS] [-m COMMANDS] SSHD_SH FAKE_CMDLET\n");
    return 2;
}
