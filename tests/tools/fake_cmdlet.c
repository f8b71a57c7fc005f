/* fake_cmdlet: the program a test sshd runs for every command (ForceCommand).
 *
 * It stands in for a Windows Front End reached over SSH, so the SSH transport
 * and the whole poolpilot binary can be driven against a real OpenSSH sshd.
 *
 * Usage
 *   sshd_config:  ForceCommand /path/to/fake_cmdlet /path/to/STATE
 *   by hand:      fake_cmdlet STATE 'command'     (instead of SSH_ORIGINAL_COMMAND)
 *
 * State-dir contract (tests/e2e/lib/sshd.sh creates this layout):
 *   ROOT/                  the pool root (one per test)
 *   ROOT/pool.txt          optional; what the readiness cmdlet answers:
 *                            pool fe-pool.contoso.com
 *                            state auto        (or Ready | Busy | InsufficientActiveFrontEnds)
 *                            busy 2            (optional: the first 2 checks answer Busy)
 *                            domain UpgradeDomain1 fe01.contoso.com fe02.contoso.com
 *                            domain UpgradeDomain2 fe03.contoso.com
 *                          "auto" = Ready when every listed server's services are
 *                          Running, else Busy.  Each server's STATE is ROOT/<its name>.
 *                          Optional lines that shape how the answer is printed
 *                          (the default is the JSON ConvertTo-Json writes):
 *                            format list       PowerShell's default Format-List text
 *                                              (CRLF), collections cut after
 *                                              enumlimit items with "..."
 *                            enumlimit 4       $FormatEnumerationLimit (default 4)
 *                            topology NAME...  Get-CsComputer's order (default: the
 *                                              servers of the domain lines, in order)
 *                            topology-unnamed  computers without Fqdn / Identity
 *                            warning TEXT...   a "WARNING: TEXT" line first (the bytes
 *                                              as written: CP950 text stays CP950)
 *                          Names (pool, domains, servers) are printed as written
 *                          too, so a test can put non-UTF-8 bytes in them.
 *   ROOT/busy-count        written by the fake (how many Busy answers were given)
 *   STATE = ROOT/NAME      one fake server; NAME is its FQDN (or any test name)
 *   STATE/log              appended by the fake: one line per command it runs,
 *                            "<epoch-ms> conn=<client port> <command or decoded script>"
 *                          (absent/empty = nothing ran: host-key and auth tests rely on it)
 *   STATE/services         Running | Stopped | Paused (absent = Running)
 *   STATE/patched          created by an update installer run
 *   STATE/fail             optional; lines of text: a cmdlet (or test command word)
 *                          whose name contains one of them fails (marker "failed")
 *   STATE/hang             optional; same matching: those cmdlets never return
 *   STATE/slow             optional; lines "WORD SECONDS": a cmdlet (or test command
 *                          word) whose name contains WORD waits SECONDS before it
 *                          does anything (logged first, so a test sees it running);
 *                          if its sshd session goes away meanwhile it exits without
 *                          doing it (a cut connection: the step had no effect)
 *   STATE/installer-exit   optional; the update installer's exit code (default 0)
 *   STATE/installer-running optional; an update installer is still running here:
 *                          a script that checks (Get-Process / Global\_MSIExecute)
 *                          fails; one that does not starts a second installer
 *                          (exit 1618) or restarts under it (STATE/rebooted-mid-install)
 *   STATE/disabled         written by Invoke-CsComputerFailOver (services stopped and
 *                          disabled): a reboot leaves them Stopped and
 *                          Start-CsWindowsService fails until Invoke-CsComputerFailBack
 *                          (which removes it and, without -NoStart, starts them); both
 *                          fail unless -ComputerName names this server
 *   STATE/start-blocks     optional; Start-CsWindowsService without -NoWait never
 *                          returns (RTCSRV starting on a busy pool, up to an hour)
 *   STATE/boot             boot counter behind LastBootUpTime (absent = 1); a crash
 *                          adds one, unless STATE/blip exists: then Restart-Computer
 *                          only drops the connections (a network blip, no reboot)
 *   STATE/boot-before      what the restart template's Set-Content recorded
 *   STATE/outlive          optional; like Windows, a command whose channel closed
 *                          keeps running (hang, slow) until stopped, at most 120 s
 *   STATE/bom              optional; a UTF-8 BOM before the first stdout byte of a
 *                          PowerShell script (Windows PowerShell does this once
 *                          [Console]::OutputEncoding is UTF-8)
 *   STATE/clixml           optional; stderr records as CLIXML even when the script
 *                          merges its streams with *>&1
 *   STATE/listener.pid     the sshd listener's pid (written by sshd.sh)
 *   STATE/reboot-delay     optional; ms between "reboot" returning and the crash (300)
 *   STATE/on-reboot        optional executable, run detached right after the crash
 *                          (sshd.sh's reboot hook restarts sshd after a pause; without
 *                          it the server never comes back)
 *
 * Commands
 *   Test forms (plain): echo TEXT | stderr TEXT | exit N | sleep SECONDS | hang |
 *     bomfailed TEXT (BOM + failure marker, exit 0) | clixml TEXT (two CLIXML records) |
 *     flood BYTES (that many 'x', no newline) | cjk | badutf8 | reboot | true
 *   (hang and sleep end early once their sshd session is gone, so a channel
 *   closed without a pty leaves nothing running after the test.)
 *   The real wrapped form:
 *     powershell -NoProfile -NonInteractive -EncodedCommand <base64 of UTF-16LE>
 *   The decoded script is searched (case-insensitively, in order of appearance) for:
 *     Get-CsPoolUpgradeReadinessState, Get-CsUpgradeDomainInfo (JSON, as ConvertTo-Json),
 *     Stop-CsWindowsService, Start-CsWindowsService, Get-CsWindowsService,
 *     Restart-Computer (crash like "reboot"), *UpdateInstaller*, Get-CsPoolFabricState,
 *     Test-CsRegistration, Invoke-CsPoolFailOver, Invoke-CsPoolFailBack,
 *     Invoke-CsComputerFailOver, Invoke-CsComputerFailBack,
 *     Get-CsServerPatchVersion (as pp-patch lines under the dry run's read),
 *     Get-CsComputer (pp-topology lines in pool.txt's "topology" order, else
 *     its domain lines' order; "topology-unnamed": names it cannot find)
 *   and always ends with the marker line "@@POOLPILOT-RESULT@@ ok" or "... failed"
 *   (exit status 0 / 1).  A script with none of them fails.
 *   Windows PowerShell behaviours it imitates, read from the script's text:
 *   - verbose and warning records go to stdout ("VERBOSE: ...") when the script
 *     runs under "*>&1", else to stderr as "#< CLIXML" <Objs> XML;
 *   - $LASTEXITCODE assigned in the script's top level (not inside "& {") is
 *     the global one under -EncodedCommand, which the wrapper then tests;
 *   - the installer's success codes are those of the template's own check:
 *     "@(...) -notcontains $code", or its "$LASTEXITCODE -ne N" tests;
 *   - Get-CsUpgradeDomainInfo has no -SkipIdleSecondaryVerification (its
 *     documented syntax): passing it fails as PowerShell does;
 *   - pool.txt "replicas building": the readiness cmdlets wait for replicas
 *     (never return) unless told not to (-SkipIdleSecondaryVerification on
 *     2013/2015, QueryTimeout on 2019).
 *
 * Standalone on purpose (no poolpilot code): it is the "other side". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MARKER "@@POOLPILOT-RESULT@@"

static const char *state_dir;
static char root_dir[4096];
static const char *whole_script;   /* the decoded script being run, or NULL */
static bool clixml_open;           /* "#< CLIXML" <Objs> written on stderr */
static char last_error[512];       /* what the wrapper's catch puts on the marker */

/* A terminating error: the message on stderr, and (as the wrapper's catch
 * does) after "failed" on the marker line. */
static void ps_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ps_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", last_error);
}

/* ---- small file helpers ------------------------------------------------ */

static void path_in(char *buf, size_t n, const char *dir, const char *name)
{
    snprintf(buf, n, "%s/%s", dir, name);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    size_t got;
    while (s && (got = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len < 2) {
            char *t = realloc(s, cap *= 2);
            if (!t) {
                free(s);
                s = NULL;
            } else
                s = t;
        }
    }
    fclose(f);
    if (s)
        s[len] = 0;
    return s;
}

static void write_text(const char *path, const char *text)
{
    char tmp[8400];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    rename(tmp, path);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
}

static char *state_file(const char *name)
{
    char p[8192];
    path_in(p, sizeof p, state_dir, name);
    char *s = read_text(p);
    if (s)
        trim(s);
    return s;
}

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* One line per command, appended with O_APPEND so concurrent commands on
 * the same server do not interleave within a line. */
static void log_command(const char *what)
{
    char p[8192], line[1024];
    path_in(p, sizeof p, state_dir, "log");
    const char *conn = getenv("SSH_CONNECTION");
    char port[16] = "-";
    if (conn) { /* "client_ip client_port server_ip server_port" */
        const char *sp = strchr(conn, ' ');
        if (sp)
            snprintf(port, sizeof port, "%.*s", (int)strcspn(sp + 1, " "), sp + 1);
    }
    int n = snprintf(line, sizeof line, "%lld conn=%s ", (long long)now_ms(), port);
    for (const char *c = what; *c && n < (int)sizeof line - 2; c++)
        line[n++] = (*c == '\n' || *c == '\r') ? ' ' : *c;
    line[n++] = '\n';
    int fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ssize_t w = write(fd, line, (size_t)n);
        (void)w;
        close(fd);
    }
}

/* Does any line of STATE/<file> occur (case-insensitively) in name? */
static bool listed_in(const char *file, const char *name)
{
    char *s = state_file(file);
    if (!s)
        return false;
    bool hit = false;
    for (char *line = strtok(s, "\n"); line && !hit; line = strtok(NULL, "\n")) {
        trim(line);
        if (*line && strcasestr(name, line))
            hit = true;
    }
    free(s);
    return hit;
}

/* Seconds STATE/slow says the cmdlet `name` takes (0 = none): the first
 * line "WORD SECONDS" whose WORD occurs (case-insensitively) in name. */
static double slow_seconds(const char *name)
{
    char *s = state_file("slow");
    if (!s)
        return 0;
    double secs = 0;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        char word[128];
        double v;
        if (sscanf(line, " %127s %lf", word, &v) == 2 && strcasestr(name, word)) {
            secs = v;
            break;
        }
    }
    free(s);
    return secs;
}

/* A command that outlives its channel keeps running on a real server (no
 * pty, no SIGHUP).  Here it stops once sshd's session process is gone
 * (we get reparented), so test runs leave nothing behind. */
static pid_t parent_at_start;

static bool orphaned(void) { return getppid() != parent_at_start; }

static bool wait_ms_unless_orphaned(long long ms)
{
    while (ms > 0 && !orphaned()) {
        long step = ms > 100 ? 100 : (long)ms;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return !orphaned();
}

static bool outlives(void);

static void hang_forever(void)
{
    if (outlives()) {   /* Windows: no SIGHUP, nothing stops it but a kill */
        struct timespec ts = {120, 0};
        nanosleep(&ts, NULL);
        _exit(0);
    }
    while (wait_ms_unless_orphaned(1000))
        ;
    _exit(0);
}

/* ---- services -------------------------------------------------------- */

static char *services_of(const char *server_dir)
{
    char p[4500];
    path_in(p, sizeof p, server_dir, "services");
    char *s = read_text(p);
    if (!s)
        return strdup("Running");
    trim(s);
    return s;
}

static void set_services(const char *state)
{
    char p[8192], text[64];
    path_in(p, sizeof p, state_dir, "services");
    snprintf(text, sizeof text, "%s\n", state);
    write_text(p, text);
}

/* ---- streams ------------------------------------------------------------ */

static bool state_has(const char *name)
{
    char p[8192];
    path_in(p, sizeof p, state_dir, name);
    return access(p, F_OK) == 0;
}

static bool outlives(void) { return state_has("outlive"); }

/* A verbose or warning record, where Windows PowerShell puts it: merged
 * into stdout under *>&1, else serialised on stderr as CLIXML (the console
 * host does this when stderr is not a console). */
static void record(const char *stream, const char *text)
{
    bool merged = whole_script && strstr(whole_script, "} *>&1");
    if (merged && !state_has("clixml")) {
        printf("%s: %s\n", !strcmp(stream, "verbose") ? "VERBOSE" : "WARNING", text);
        return;
    }
    fflush(stdout);
    if (!clixml_open) {
        fputs("#< CLIXML\r\n<Objs Version=\"1.1.0.1\" "
              "xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">", stderr);
        fputs("<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T>"
              "</TN><MS><I64 N=\"SourceId\">1</I64><PR N=\"Record\"><AV>Preparing modules for first use.</AV>"
              "<AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>",
              stderr);
        clixml_open = true;
    }
    fprintf(stderr, "<S S=\"%s\">", stream);
    for (const char *c = text; *c; c++) {
        if (*c == '<')
            fputs("&lt;", stderr);
        else if (*c == '&')
            fputs("&amp;", stderr);
        else if (*c == '_')
            fputs("_x005F_", stderr);
        else
            fputc(*c, stderr);
    }
    fputs("_x000D__x000A_</S>", stderr);
    fflush(stderr);
}

static void close_streams(void)
{
    if (clixml_open)
        fputs("</Objs>", stderr);
    clixml_open = false;
}

/* ---- the simulated crash ("reboot", Restart-Computer) -------------------- */

static void kill_tree(pid_t root, pid_t spare)
{
    /* Collect descendants breadth-first from /proc (sshd's per-connection
     * children have their own process groups, so kill(-pgid) misses them). */
    pid_t set[4096];
    int n = 0;
    set[n++] = root;
    for (int i = 0; i < n; i++) {
        DIR *d = opendir("/proc");
        if (!d)
            break;
        struct dirent *e;
        while ((e = readdir(d)) && n < 4096) {
            if (!isdigit((unsigned char)e->d_name[0]))
                continue;
            char p[300], buf[512];
            snprintf(p, sizeof p, "/proc/%s/stat", e->d_name);
            FILE *f = fopen(p, "r");
            if (!f)
                continue;
            size_t got = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[got] = 0;
            char *rp = strrchr(buf, ')'); /* comm may contain spaces */
            int ppid = 0;
            char st;
            if (rp && sscanf(rp + 1, " %c %d", &st, &ppid) == 2 && ppid == set[i]) {
                pid_t pid = (pid_t)atoi(e->d_name);
                if (pid != spare)
                    set[n++] = pid;
            }
        }
        closedir(d);
    }
    for (int i = n - 1; i >= 0; i--)
        kill(set[i], SIGKILL);
}

static void schedule_crash(void)
{
    fflush(stdout);
    fflush(stderr);
    pid_t p = fork();
    if (p < 0)
        return;
    if (p > 0)
        return; /* the command returns at once, like Restart-Computer */
    setsid();
    if (fork() != 0)
        _exit(0);
    /* Detached grandchild: must not keep the channel's pipes open. */
    int nul = open("/dev/null", O_RDWR);
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
        if (nul > 2)
            close(nul);
    }
    char *delay = state_file("reboot-delay");
    long ms = delay ? atol(delay) : 300;
    free(delay);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    char *lp = state_file("listener.pid");
    if (lp && atoi(lp) > 1)
        kill_tree((pid_t)atoi(lp), getpid());
    free(lp);
    if (!state_has("blip")) {   /* a reboot: LastBootUpTime moves on */
        char *b = state_file("boot");
        char bp[8192], num[32];
        snprintf(num, sizeof num, "%d\n", (b ? atoi(b) : 1) + 1);
        free(b);
        path_in(bp, sizeof bp, state_dir, "boot");
        write_text(bp, num);
    }
    /* services start automatically after boot, unless a computer failover
     * disabled them ("stopped and disabled to prevent accidental restart
     * when computer is rebooted", Invoke-CsComputerFailOver.md) */
    if (!state_has("disabled"))
        set_services("Running");
    char hook[8192];
    path_in(hook, sizeof hook, state_dir, "on-reboot");
    if (access(hook, X_OK) == 0)
        execl(hook, hook, (char *)NULL);
    _exit(0);
}

/* ---- base64 + UTF-16LE -> UTF-8 (for -EncodedCommand) ------------------- */

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

static unsigned char *b64_decode(const char *s, size_t *outlen)
{
    size_t n = strlen(s);
    unsigned char *out = malloc(n / 4 * 3 + 3);
    if (!out)
        return NULL;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=' || isspace((unsigned char)s[i]))
            continue;
        int v = b64val((unsigned char)s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    *outlen = o;
    return out;
}

static char *utf16le_to_utf8(const unsigned char *b, size_t n)
{
    char *out = malloc(n * 2 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t c = b[i] | (uint32_t)b[i + 1] << 8;
        if (c >= 0xD800 && c < 0xDC00 && i + 3 < n) {
            uint32_t lo = b[i + 2] | (uint32_t)b[i + 3] << 8;
            if (lo >= 0xDC00 && lo < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            }
        }
        if (c < 0x80)
            out[o++] = (char)c;
        else if (c < 0x800) {
            out[o++] = (char)(0xC0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xE0 | c >> 12);
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | c >> 18);
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = 0;
    return out;
}

/* ---- the readiness answer ---------------------------------------------- */

struct domain {
    char name[64];
    char servers[16][256];
    int n;
};

static void print_json_string_list(char list[][256], int n, int indent)
{
    printf("[\n");
    for (int i = 0; i < n; i++)
        printf("%*s\"%s\"%s\n", indent + 4, "", list[i], i + 1 < n ? "," : "");
    printf("%*s]", indent, "");
}

/* A Format-List collection: {a, b, c, d...} after `limit` items, as
 * PowerShell cuts it at $FormatEnumerationLimit. */
static void print_list_collection(const char *const *items, int n, int limit)
{
    printf("{");
    for (int i = 0; i < n && (limit < 0 || i < limit); i++)
        printf("%s%s", i ? ", " : "", items[i]);
    printf("%s}\r\n", limit >= 0 && n > limit ? "..." : "");
}

static void print_readiness_list(const char *state, int total, int active,
                                 const struct domain *doms, int nd, bool ready, int limit)
{
    const char *names[12] = {0};
    for (int i = 0; i < nd; i++)
        names[i] = doms[i].name;
    printf("\r\n\r\nPoolUpgradeState     : %s\r\n", state);
    printf("TotalFrontEnds       : %d\r\nTotalActiveFrontEnds : %d\r\n", total, active);
    printf("UpgradeDomains       : ");
    print_list_collection(names, nd, limit);
    printf("\r\n");
    for (int i = 0; i < nd; i++) {
        const char *fes[16];
        for (int j = 0; j < doms[i].n; j++)
            fes[j] = doms[i].servers[j];
        printf("\r\nUpgradeDomain   : %s\r\nFrontEnds       : ", doms[i].name);
        print_list_collection(fes, doms[i].n, limit);
        printf("ReadyForUpgrade : %s\r\n", ready ? "True" : "False");
    }
    printf("\r\n");
}

static void print_readiness_json(const char *state, int total, int active,
                                 struct domain *doms, int nd, bool ready)
{
    printf("{\n    \"PoolUpgradeState\":  \"%s\",\n", state);
    printf("    \"TotalFrontEnds\":  %d,\n    \"TotalActiveFrontEnds\":  %d,\n", total, active);
    printf("    \"UpgradeDomains\":  [\n");
    for (int i = 0; i < nd; i++) {
        printf("                           {\n");
        printf("                               \"UpgradeDomain\":  \"%s\",\n", doms[i].name);
        printf("                               \"FrontEnds\":  ");
        print_json_string_list(doms[i].servers, doms[i].n, 45);
        printf(",\n                               \"ReadyForUpgrade\":  %s\n",
               ready ? "true" : "false");
        printf("                           }%s\n", i + 1 < nd ? "," : "");
    }
    printf("                       ]\n}\n");
}

static bool do_readiness(void)
{
    char p[8192];
    path_in(p, sizeof p, root_dir, "pool.txt");
    char *text = read_text(p);
    if (!text) {
        fprintf(stderr, "Get-CsPoolUpgradeReadinessState : the fake pool has no %s\n", p);
        return false;
    }
    struct domain doms[12];
    int nd = 0, busy_first = 0, limit = 4;
    char state[64] = "auto", format[16] = "json", warning[1024] = "";
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "warning ", 8)) {  /* the rest of the line, bytes as written */
            snprintf(warning, sizeof warning, "%.*s", (int)strcspn(line + 8, "\r"), line + 8);
            continue;
        }
        char *save = NULL, *w = strtok_r(line, " \t\r", &save);
        if (!w || *w == '#')
            continue;
        char *v = strtok_r(NULL, " \t\r", &save);
        if (!v)
            continue;
        if (!strcmp(w, "state"))
            snprintf(state, sizeof state, "%s", v);
        else if (!strcmp(w, "busy"))
            busy_first = atoi(v);
        else if (!strcmp(w, "format"))
            snprintf(format, sizeof format, "%s", v);
        else if (!strcmp(w, "enumlimit"))
            limit = atoi(v);
        else if (!strcmp(w, "domain") && nd < 12) {
            struct domain *d = &doms[nd++];
            snprintf(d->name, sizeof d->name, "%s", v);
            d->n = 0;
            while (d->n < 16 && (v = strtok_r(NULL, " \t\r", &save)))
                snprintf(d->servers[d->n++], sizeof d->servers[0], "%s", v);
        }
    }
    free(text);
    int total = 0, active = 0;
    for (int i = 0; i < nd; i++)
        for (int j = 0; j < doms[i].n; j++) {
            char sd[4400];
            path_in(sd, sizeof sd, root_dir, doms[i].servers[j]);
            char *svc = services_of(sd);
            total++;
            active += strcasecmp(svc, "Running") == 0;
            free(svc);
        }
    if (!strcasecmp(state, "auto"))
        snprintf(state, sizeof state, "%s", active == total ? "Ready" : "Busy");
    path_in(p, sizeof p, root_dir, "busy-count");
    char *bc = read_text(p);
    int given = bc ? atoi(bc) : 0;
    free(bc);
    if (given < busy_first) {
        char num[32];
        snprintf(num, sizeof num, "%d\n", given + 1);
        write_text(p, num);
        snprintf(state, sizeof state, "Busy");
    }
    bool ready = !strcmp(state, "Ready");
    if (warning[0])
        printf("WARNING: %s\r\n", warning);
    if (!strcasecmp(format, "list"))
        print_readiness_list(state, total, active, doms, nd, ready, limit);
    else
        print_readiness_json(state, total, active, doms, nd, ready);
    return true;
}

/* ---- cmdlets ------------------------------------------------------------ */

static void print_services(void)
{
    char *svc = services_of(state_dir);
    static const char *const names[] = {"RTCCLSAGT", "RTCSRV", "RTCMRAUTH", "RTCASMCU",
                                        "RTCDATAMCU", "REPLICA"};
    printf("\nStatus   Name            ActivityLevel\n------   ----            -------------\n");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        printf("%-8s %-15s %s\n", svc, names[i],
               !strcmp(names[i], "RTCSRV") && !strcasecmp(svc, "Running") ? "Active Users=0"
                                                                          : "");
    free(svc);
}

struct cmdlet {
    const char *name;
    bool (*run)(const char *script);
};

static bool c_readiness(const char *s)
{
    (void)s;
    static bool ran;   /* "Get-Command <cmdlet>" names it too: it answers once */
    if (ran)
        return true;
    ran = true;
    if (strcasestr(whole_script, "Get-CsUpgradeDomainInfo -SkipIdleSecondaryVerification")) {
        ps_error("Get-CsUpgradeDomainInfo : A parameter cannot be found that matches "
                 "parameter name 'SkipIdleSecondaryVerification'.");
        return false;
    }
    char p[8192];
    path_in(p, sizeof p, root_dir, "pool.txt");
    char *pool = read_text(p);
    bool building = pool && strstr(pool, "replicas building");
    free(pool);
    bool bounded = strstr(whole_script, "-SkipIdleSecondaryVerification") ||
                   strstr(whole_script, "QueryTimeout");
    if (building && !bounded) {   /* waits until the replicas are rebuilt */
        fflush(stdout);
        hang_forever();
    }
    return do_readiness();
}
static bool c_stop(const char *s)
{
    bool graceful = strcasestr(s, "-Graceful") != NULL;
    record("verbose", graceful ? "Gracefully stopping services." : "Immediately stopping services.");
    set_services("Stopped");
    return true;
}
static bool c_start(const char *s)
{
    if (state_has("disabled")) {   /* Windows refuses to start a disabled service */
        ps_error("Start-CsWindowsService : Cannot start service RTCSRV on computer '.': the "
                 "service cannot be started because it is disabled.");
        return false;
    }
    size_t n = strcspn(s, "\n");
    bool nowait = false;
    for (size_t i = 0; i + 7 <= n; i++)
        nowait |= !strncasecmp(s + i, "-NoWait", 7);
    if (!nowait && state_has("start-blocks")) {   /* blocks while RTCSRV starts */
        fflush(stdout);
        hang_forever();
    }
    set_services("Running");
    return true;
}
static bool c_get(const char *s) { (void)s; print_services(); return true; }

/* -ComputerName 'NAME' of a computer failover/failback: it must be this
 * server (the procedure runs on the server it patches; a template that
 * named another would take down a server nobody asked for). */
static bool names_this_server(const char *s, const char *cmdlet)
{
    size_t n = strcspn(s, "\n");
    const char *at = strcasestr(s, "-ComputerName '");
    const char *me = strrchr(state_dir, '/');
    me = me ? me + 1 : state_dir;
    if (!at || (size_t)(at - s) > n) {
        ps_error("%s : no -ComputerName (the fake wants the server named)", cmdlet);
        return false;
    }
    at += strlen("-ComputerName '");
    size_t len = strcspn(at, "'");
    if (len != strlen(me) || strncasecmp(at, me, len)) {
        ps_error("%s : run on %s for another computer (%.*s)", cmdlet, me, (int)len, at);
        return false;
    }
    return true;
}
/* Invoke-CsComputerFailOver: users moved, sessions drained, services
 * stopped and disabled (Invoke-CsComputerFailOver.md). */
static bool c_computer_failover(const char *s)
{
    if (!names_this_server(s, "Invoke-CsComputerFailOver"))
        return false;
    record("verbose", strcasestr(s, "-DrainingTimeout") ? "Failing over: draining timeout set."
                                                        : "Failing over: draining gracefully.");
    set_services("Stopped");
    char p[8192];
    path_in(p, sizeof p, state_dir, "disabled");
    write_text(p, "by Invoke-CsComputerFailOver\n");
    return true;
}
/* Invoke-CsComputerFailBack: services enabled and, without -NoStart,
 * started (Invoke-CsComputerFailBack.md). */
static bool c_computer_failback(const char *s)
{
    if (!names_this_server(s, "Invoke-CsComputerFailBack"))
        return false;
    char p[8192];
    path_in(p, sizeof p, state_dir, "disabled");
    unlink(p);
    size_t n = strcspn(s, "\n");
    const char *ns = strcasestr(s, "-NoStart");
    if (!ns || (size_t)(ns - s) > n)
        set_services("Running");
    record("verbose", "Failing back: the computer is available to the pool.");
    return true;
}
static bool c_restart(const char *s)
{
    (void)s;
    const char *name = strrchr(state_dir, '/');
    printf("Restarting %s\n", name ? name + 1 : state_dir);
    return true;
}
/* Does the script's own check accept the installer's exit code?  The
 * codes it names: "@(0, 3010, 1641) -notcontains $code", or the older
 * "$LASTEXITCODE -ne 0 -and $LASTEXITCODE -ne 3010". */
static bool template_accepts(int code)
{
    const char *nc = strstr(whole_script, ") -notcontains $code");
    if (nc) {
        const char *open = nc;
        while (open > whole_script && open[-1] != '(')
            open--;
        for (const char *q = open; q < nc;) {
            char *end;
            long v = strtol(q, &end, 10);
            if (end == q) {
                q++;
                continue;
            }
            if (v == code)
                return true;
            q = end;
        }
        return false;
    }
    const char *q = whole_script;
    bool named = false;
    while ((q = strstr(q, "$LASTEXITCODE -ne "))) {
        q += 18;
        named = true;
        if (atoi(q) == code)
            return true;
    }
    return !named && code == 0;
}

/* $LASTEXITCODE assigned at the script's top level: under -EncodedCommand
 * that is the global variable (about_Scopes); a script run as "& { }" sets
 * only its own copy. */
static bool assigns_global_exit_code(void)
{
    const char *a = strstr(whole_script, "$LASTEXITCODE = ");
    if (!a)
        return false;
    const char *block = strstr(whole_script, "& {\n");
    return !(block && block < a);
}

static bool c_update(const char *s)
{
    (void)s;
    static bool ran;   /* the installer name recurs in messages: it runs once */
    if (ran)
        return true;
    ran = true;
    char *e = state_file("installer-exit");
    int code = e ? atoi(e) : 0;
    free(e);
    if (state_has("installer-running"))
        code = 1618;   /* ERROR_INSTALL_ALREADY_RUNNING: a second installer */
    if (code == 0 || code == 3010 || code == 1641) {
        char p[8192];
        path_in(p, sizeof p, state_dir, "patched");
        write_text(p, "patched\n");
        printf("Installing updates...\nAll updates installed.\n");
    }
    if (assigns_global_exit_code() && code != 0 && strstr(whole_script, "$global:LASTEXITCODE -ne 0")) {
        ps_error("exit code %d", code);
        return false;   /* the wrapper sees the template's assignment */
    }
    if (!template_accepts(code)) {
        ps_error("update installer failed with exit code %d", code);
        return false;
    }
    printf("update installer exit code %d\n", code);
    return true;
}

/* The restart template writes LastBootUpTime down; verify compares. */
static bool c_boot_save(const char *s)
{
    (void)s;
    char *b = state_file("boot");
    char p[8192], text[32];
    snprintf(text, sizeof text, "%d\n", b ? atoi(b) : 1);
    free(b);
    path_in(p, sizeof p, state_dir, "boot-before");
    write_text(p, text);
    return true;
}

static bool c_boot_check(const char *s)
{
    (void)s;
    char *before = state_file("boot-before");
    if (!before)
        return true;
    char *b = state_file("boot");
    int now = b ? atoi(b) : 1;
    free(b);
    bool same = atoi(before) == now;
    free(before);
    if (same) {
        ps_error("the server did not restart: LastBootUpTime is still boot %d", now);
        return false;
    }
    char p[8192];
    path_in(p, sizeof p, state_dir, "boot-before");
    unlink(p);
    printf("restarted: boot %d\n", now);
    return true;
}

/* --dry-run's package check (stage_check_script): Test-Path -PathType
 * Leaf, Get-Item's Length and, when the script hashes it, Get-FileHash's
 * answer, all of the file at $pp_pkg on this (test) host.  Read-only. */
static bool c_package(const char *s)
{
    (void)s;
    const char *q = strstr(whole_script, "$pp_pkg = '");
    char path[4096];
    size_t n = 0;
    for (q = q ? q + 11 : ""; *q && n + 1 < sizeof path; q++) {
        if (*q == '\'' && q[1] == '\'')
            q++;
        else if (*q == '\'')
            break;
        path[n++] = *q;
    }
    path[n] = 0;
    struct stat st;
    if (!n || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        printf("pp-package-missing\n");
        return true;
    }
    printf("pp-package-size %lld\n", (long long)st.st_size);
    if (strstr(whole_script, "Get-FileHash")) {
        /* the test host's sha256sum stands in for Get-FileHash (upper case, as it prints) */
        char cmd[4200];
        snprintf(cmd, sizeof cmd, "sha256sum -- '%s'", path);
        FILE *f = popen(cmd, "r");
        char hex[65] = "";
        if (!f || fscanf(f, "%64s", hex) != 1)
            hex[0] = 0;
        if (f)
            pclose(f);
        for (char *h = hex; *h; h++)
            *h = (char)toupper((unsigned char)*h);
        printf("%s\n", hex);
    }
    return true;
}

static bool c_fabric(const char *s)
{
    (void)s;
    printf("Every routing group has a primary and at least one secondary.\n");
    return true;
}
static bool c_ok(const char *s) { (void)s; printf("Done.\n"); return true; }

/* Write-Verbose 'TEXT' -Verbose / Write-Warning 'TEXT': a record in its stream */
static bool c_write_record(const char *s)
{
    const char *q = strchr(s, '\'');
    char text[256] = "";
    if (q)
        snprintf(text, sizeof text, "%.*s", (int)strcspn(q + 1, "'"), q + 1);
    record(!strncasecmp(s, "Write-Verbose", 13) ? "verbose" : "warning", text);
    return true;
}

/* Get-CimInstance Win32_Process ... CommandLine.Contains($t) | Stop-Process:
 * here every fake's command line is its SSH_ORIGINAL_COMMAND. */
static bool c_stop_process(const char *s)
{
    (void)s;
    const char *t = strstr(whole_script, "$t = '");
    if (!t)
        return true;
    t += 6;
    char token[128];
    snprintf(token, sizeof token, "%.*s", (int)strcspn(t, "'"), t);
    int n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0]) || atoi(e->d_name) == (int)getpid())
            continue;
        char p[300];
        snprintf(p, sizeof p, "/proc/%s/environ", e->d_name);
        FILE *f = fopen(p, "r");
        if (!f)
            continue;
        static char env[1 << 17];
        size_t got = fread(env, 1, sizeof env - 1, f);
        fclose(f);
        env[got] = 0;
        for (size_t i = 0; i < got; i += strlen(env + i) + 1)
            if (!strncmp(env + i, "SSH_ORIGINAL_COMMAND=", 21) && strstr(env + i, token) &&
                kill((pid_t)atoi(e->d_name), SIGKILL) == 0)
                n++;
    }
    if (d)
        closedir(d);
    printf("stopped %d process(es)\n", n);
    return true;
}
/* Get-CsServerPatchVersion: one object per installed component.  Under
 * --dry-run's patch-level read (patch_level.c: "'pp-patch ' +
 * $pp_c.ComponentName + ' ' + $pp_c.Version" per object) each becomes its
 * pp-patch line: Core Components first, behind the Front End's (6.0.9319.102
 * is the November 2015 CU, the cmdlet's first).  STATE/patch-missing: the
 * cmdlet does not exist (SfB 2015 before that CU), a terminating error the
 * wrapper's catch reports; STATE/patch-unnamed: objects without the
 * ComponentName and Version properties the read believes in. */
static bool c_version(const char *s)
{
    (void)s;
    bool patched = state_has("patched");
    if (!strstr(whole_script, "'pp-patch '")) {
        printf("Version : %s\n", patched ? "6.0.9319.620" : "6.0.9319.0");
        return true;
    }
    if (state_has("patch-missing")) {
        ps_error("The term 'Get-CsServerPatchVersion' is not recognized as the name of a "
                 "cmdlet, function, script file, or operable program.");
        return false;
    }
    if (state_has("patch-unnamed")) {
        printf("pp-patch  \npp-patch  \n");
        return true;
    }
    printf("pp-patch Skype for Business Server 2015, Core Components 6.0.9319.0\n"
           "pp-patch Skype for Business Server 2015, Front End Server %s\n",
           patched ? "6.0.9319.620" : "6.0.9319.102");
    return true;
}

/* Get-CsComputer -Pool: the pool's computers in topology order, as the
 * profiles' topology template prints them (pp-topology lines).  The order
 * is pool.txt's "topology NAME..." line, else the servers of its domain
 * lines in order of appearance (= [servers] of pool.sh's INI).  pool.txt
 * "topology-unnamed": objects without the believed Fqdn / Identity
 * properties (the template prints '?'). */
static bool c_computers(const char *s)
{
    (void)s;
    char p[8192];
    path_in(p, sizeof p, root_dir, "pool.txt");
    char *text = read_text(p);
    char names[32][256];
    int n = 0;
    bool unnamed = false, explicit_order = false;
    for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        char *save = NULL, *w = strtok_r(line, " \t\r", &save), *v;
        if (!w)
            continue;
        if (!strcmp(w, "topology-unnamed"))
            unnamed = true;
        if (!strcmp(w, "topology")) {
            explicit_order = true;
            n = 0;
        }
        if (!strcmp(w, "topology") || (!strcmp(w, "domain") && !explicit_order &&
                                       strtok_r(NULL, " \t\r", &save))) {
            while (n < 32 && (v = strtok_r(NULL, " \t\r", &save)))
                snprintf(names[n++], sizeof names[0], "%s", v);
        }
    }
    free(text);
    if (!strstr(whole_script, "'pp-topology")) {
        for (int i = 0; i < n; i++)
            printf("Identity : %s\nFqdn     : %s\n\n", names[i], names[i]);
        return true;
    }
    printf("pp-topology-begin %d\n", n);
    for (int i = 0; i < n; i++)
        printf("pp-topology %s\n", unnamed ? "?" : names[i]);
    printf("pp-topology-end %d\n", n);
    return true;
}

static const struct cmdlet cmdlets[] = {
    {"Get-CsComputer", c_computers},
    {"Get-CsPoolUpgradeReadinessState", c_readiness},
    {"Get-CsUpgradeDomainInfo", c_readiness},
    {"Stop-CsWindowsService", c_stop},
    {"Start-CsWindowsService", c_start},
    {"Get-CsWindowsService", c_get},
    {"Restart-Computer", c_restart},
    {"UpdateInstaller.exe", c_update},
    {"Set-Content -LiteralPath (Join-Path $dir 'boot-before-restart.txt')", c_boot_save},
    {"Test-Path -LiteralPath $mark", c_boot_check},
    {"Get-CsPoolFabricState", c_fabric},
    {"Test-CsRegistration", c_ok},
    {"Invoke-CsPoolFailOver", c_ok},
    {"Invoke-CsPoolFailBack", c_ok},
    {"Invoke-CsComputerFailOver", c_computer_failover},
    {"Invoke-CsComputerFailBack", c_computer_failback},
    {"Get-CsServerPatchVersion", c_version},
    {"Get-CimInstance Win32_Process", c_stop_process},
    {"Write-Verbose", c_write_record},
    {"Write-Warning", c_write_record},
};

static int run_script(const char *script)
{
    log_command(script);
    whole_script = script;
    if (state_has("bom"))
        fputs("\xEF\xBB\xBF", stdout);
    const char *p = script;
    bool any = false, ok = true, crash = false;
    if (state_has("installer-running") && strstr(script, "_MSIExecute")) {
        /* the template's own check: Get-Process / the Windows Installer mutex */
        ps_error("an update installer or another Windows Installer installation is "
                 "still running on this server: wait until it ends");
        any = true;
        ok = false;
    }
    bool pkgcheck = strstr(script, "Test-Path -LiteralPath $pp_pkg") != NULL;
    if (pkgcheck) {
        /* the package check names the installer (…UpdateInstaller.exe):
         * it must not run as if it were the upgrade */
        any = true;
        ok = c_package(script);
    }
    while (ok && !pkgcheck) {
        const struct cmdlet *next = NULL;
        const char *at = NULL;
        for (size_t i = 0; i < sizeof cmdlets / sizeof cmdlets[0]; i++) {
            const char *h = strcasestr(p, cmdlets[i].name);
            if (h && (!at || h < at)) {
                at = h;
                next = &cmdlets[i];
            }
        }
        if (!next)
            break;
        any = true;
        if (listed_in("hang", next->name)) {
            fflush(stdout);
            hang_forever();
        }
        double slow = slow_seconds(next->name);
        if (slow > 0 && !wait_ms_unless_orphaned((long long)(slow * 1000)))
            _exit(1); /* the connection was cut: the cmdlet never ran */
        if (listed_in("fail", next->name)) {
            fprintf(stderr, "%s : the fake server was told to fail this cmdlet\n", next->name);
            ok = false;
            break;
        }
        ok = next->run(at);
        crash |= next->run == c_restart;
        p = at + strlen(next->name);
    }
    if (!any) {
        fprintf(stderr, "fake_cmdlet: no cmdlet it knows in the script\n");
        ok = false;
    }
    fflush(stderr);
    if (ok || !last_error[0])
        printf("%s %s\n", MARKER, ok ? "ok" : "failed");
    else
        printf("%s failed %s\n", MARKER, last_error);
    close_streams();
    if (ok && crash && state_has("installer-running")) {
        char rp[8192];
        path_in(rp, sizeof rp, state_dir, "rebooted-mid-install");
        write_text(rp, "restarted while an installer was running\n");
    }
    if (ok && crash)
        schedule_crash();
    return ok ? 0 : 1;
}

/* ---- test commands --------------------------------------------------- */

static int run_test_command(const char *cmd)
{
    log_command(cmd);
    const char *arg = strchr(cmd, ' ');
    arg = arg ? arg + 1 : "";
    size_t wl = strcspn(cmd, " ");
    char word[32];
    snprintf(word, sizeof word, "%.*s", (int)(wl < 31 ? wl : 31), cmd);
    if (listed_in("hang", word))
        hang_forever();
    double slow = slow_seconds(word);
    if (slow > 0 && !wait_ms_unless_orphaned((long long)(slow * 1000)))
        return 1;
    if (listed_in("fail", word)) {
        fprintf(stderr, "%s: told to fail\n", word);
        return 1;
    }
    if (!strcmp(word, "echo")) {
        printf("%s\n", arg);
    } else if (!strcmp(word, "stderr")) {
        fprintf(stderr, "%s\n", arg);
    } else if (!strcmp(word, "exit")) {
        return atoi(arg);
    } else if (!strcmp(word, "true")) {
        return 0;
    } else if (!strcmp(word, "sleep")) {
        if (!wait_ms_unless_orphaned((long long)(atof(arg) * 1000)))
            return 1;
        printf("slept %s\n", arg);
    } else if (!strcmp(word, "hang")) {
        hang_forever();
    } else if (!strcmp(word, "flood")) {
        long long left = atoll(arg);
        static char buf[65536];
        memset(buf, 'x', sizeof buf);
        while (left > 0) {
            size_t n = left > (long long)sizeof buf ? sizeof buf : (size_t)left;
            size_t w = fwrite(buf, 1, n, stdout);
            if (w == 0)
                return 1;
            left -= (long long)w;
        }
    } else if (!strcmp(word, "cjk")) {
        printf("\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97 caf\xc3\xa9 \xe2\x9c\x93\n");
    } else if (!strcmp(word, "bomfailed")) {
        /* Windows PowerShell's UTF-8 BOM, then a failure marker, exit 0
         * (old Win32-OpenSSH builds always exit 0) */
        printf("\xEF\xBB\xBF%s failed %s\n", MARKER, arg);
    } else if (!strcmp(word, "clixml")) {
        whole_script = "";
        record("verbose", arg);
        record("warning", "second <record> & more_text");
        close_streams();
        printf("done\n");
    } else if (!strcmp(word, "badutf8")) {
        printf("bad \xff\xfe bytes\n");
    } else if (!strcmp(word, "reboot")) {
        printf("rebooting\n%s ok\n", MARKER);
        schedule_crash();
    } else {
        fprintf(stderr, "fake_cmdlet: unknown command: %s\n", cmd);
        return 127;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fake_cmdlet STATE_DIR [command]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_DFL);
    parent_at_start = getppid();
    state_dir = argv[1];
    snprintf(root_dir, sizeof root_dir, "%s", state_dir);
    char *slash = strrchr(root_dir, '/');
    if (slash && slash != root_dir)
        *slash = 0;
    else
        snprintf(root_dir, sizeof root_dir, ".");
    const char *cmd = argc > 2 ? argv[2] : getenv("SSH_ORIGINAL_COMMAND");
    if (!cmd || !*cmd) {
        fprintf(stderr, "fake_cmdlet: no command (interactive logins are not supported)\n");
        return 2;
    }
    static const char ps[] = "powershell -NoProfile -NonInteractive -EncodedCommand ";
    int rc;
    if (!strncasecmp(cmd, ps, sizeof ps - 1)) {
        size_t n = 0;
        unsigned char *raw = b64_decode(cmd + sizeof ps - 1, &n);
        char *script = raw ? utf16le_to_utf8(raw, n) : NULL;
        free(raw);
        if (!script) {
            log_command(cmd);
            fprintf(stderr, "fake_cmdlet: bad -EncodedCommand\n");
            printf("%s failed\n", MARKER);
            return 1;
        }
        rc = run_script(script);
        free(script);
    } else {
        rc = run_test_command(cmd);
    }
    fflush(stdout);
    return rc;
}
