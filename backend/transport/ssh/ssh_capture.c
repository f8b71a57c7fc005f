/* Capture mode: see ssh_capture.h.  A small loop of its own around the SSH
 * transport (the runner and its engine are for upgrades; a capture has no
 * procedure): start one command, poll until its END, write its files, next. */
#include "backend/transport/ssh/ssh_capture.h"

#include "backend/pool/remote.h"
#include "backend/transport/ssh/ssh_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct item {
    const char *name;
    const char *script;   /* a template: {pool} {server} are substituted */
    int raw;              /* 1: sent without remote.c's wrapper (streams not merged) */
};

/* MOD and CMDLET are spliced in by capture_script(). */
static const struct item ps_items[] = {
    {"environment",
     "$PSVersionTable | Format-List * | Out-String -Width 300\n"
     "[Environment]::OSVersion | Format-List * | Out-String -Width 300\n"
     "Get-CimInstance Win32_OperatingSystem | Format-List Caption, Version, LastBootUpTime | Out-String -Width 300\n"
     "[Console]::OutputEncoding | Format-List * | Out-String -Width 300\n"
     "Get-ExecutionPolicy -List | Format-Table -AutoSize | Out-String -Width 300", 0},
    {"readiness-list", "Import-Module @MOD@\n@CMDLET@ | Format-List * | Out-String -Width 400", 0},
    {"readiness-members",
     "Import-Module @MOD@\n$r = @CMDLET@\n"
     "$r | Get-Member | Out-String -Width 400\n"
     "@($r.UpgradeDomains)[0] | Get-Member | Out-String -Width 400\n"
     "@(@($r.UpgradeDomains)[0].FrontEnds)[0] | Get-Member | Out-String -Width 400", 0},
    {"readiness-domains",
     "Import-Module @MOD@\n$r = @CMDLET@\n$r.UpgradeDomains | Format-List * | Out-String -Width 400", 0},
    {"readiness-json-default", "Import-Module @MOD@\n@CMDLET@ | ConvertTo-Json", 0},
    {"readiness-json-depth4", "Import-Module @MOD@\n@CMDLET@ | ConvertTo-Json -Depth 4", 0},
    {"readiness-parameters",
     "Import-Module @MOD@\n(Get-Command @CMDNAME@).Parameters.Values | "
     "Format-Table -AutoSize Name, ParameterType | Out-String -Width 300", 0},
    {"fabric", "Import-Module @MOD@\nGet-CsPoolFabricState -PoolFqdn '{pool}' -Type Routing | Out-String -Width 400", 0},
    {"services",
     "Import-Module @MOD@\nGet-CsWindowsService | Format-List * | Out-String -Width 300\n"
     "Get-CsWindowsService | Select-Object Name, Status, ActivityLevel | ConvertTo-Json", 0},
    {"patch-version", "Import-Module @MOD@\nGet-CsServerPatchVersion | Format-List * | Out-String -Width 300", 0},
    {"topology",
     "Import-Module @MOD@\nGet-CsPool -Identity '{pool}' | Format-List * | Out-String -Width 400\n"
     "Get-CsComputer -Pool '{pool}' | Format-List * | Out-String -Width 400", 0},
    {"streams-unmerged",
     "Write-Output 'first line'\nWrite-Verbose 'a verbose record' -Verbose\n"
     "Write-Warning 'a warning record'\nWrite-Output 'last line'", 1},
    {"own-process",
     "Get-CimInstance Win32_Process -Filter \"ProcessId = $PID\" | "
     "Format-List ProcessId, Name, CommandLine | Out-String -Width 9000", 0},
};

/* ---- small helpers ---- */

static char *replace_all(const char *s, const char *what, const char *with)
{
    size_t wl = strlen(what), nl = strlen(with), n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += wl)
        n++;
    char *out = malloc(strlen(s) + n * nl + 1);
    if (!out)
        return NULL;
    char *o = out;
    for (const char *p = s;;) {
        const char *h = strstr(p, what);
        size_t k = h ? (size_t)(h - p) : strlen(p);
        memcpy(o, p, k);
        o += k;
        if (!h)
            break;
        memcpy(o, with, nl);
        o += nl;
        p = h + wl;
    }
    *o = 0;
    return out;
}

static int write_file(const char *dir, const char *name, const char *ext, const char *data,
                      size_t len)
{
    char path[PP_PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

/* ---- the terminal's answers to the transport's questions ---- */

static void read_answer(const struct pp_tev *ev, char *buf, size_t n)
{
    bool secret = ev->prompt == PP_PROMPT_PASSWORD || ev->prompt == PP_PROMPT_PASSPHRASE ||
                  (ev->prompt == PP_PROMPT_KBDINT && !ev->echo);
    fprintf(stderr, "%s%s", ev->data ? ev->data : "?",
            ev->prompt == PP_PROMPT_HOSTKEY ? "\naccept this host key? [y/N] " : " ");
    struct termios old, quiet;
    bool tty = secret && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    if (!fgets(buf, (int)n, stdin))
        buf[0] = 0;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    buf[strcspn(buf, "\r\n")] = 0;
}

/* ---- one command ---- */

struct run {
    uint64_t id;
    char *out, *err;
    size_t nout, nerr;
    bool ended;
    enum pp_result result;
    int exit_status;
    pp_ms duration;
    char why[512];
    struct pp_transport *t;
};

static void grow(char **p, size_t *n, const char *data, size_t len)
{
    char *q = realloc(*p, *n + len + 1);
    if (!q)
        return;   /* a capture short of memory keeps what it has */
    memcpy(q + *n, data, len);
    *n += len;
    q[*n] = 0;
    *p = q;
}

static void on_event(void *ctx, const struct pp_tev *ev)
{
    struct run *r = ctx;
    switch (ev->type) {
    case PP_TEV_OUTPUT:
        if (ev->id == r->id)
            grow(ev->is_stderr ? &r->err : &r->out, ev->is_stderr ? &r->nerr : &r->nout,
                 ev->data, ev->len);
        break;
    case PP_TEV_END:
        if (ev->id != r->id)
            break;
        r->ended = true;
        r->result = ev->result;
        r->exit_status = ev->exit_status;
        r->duration = ev->duration;
        snprintf(r->why, sizeof r->why, "%s", ev->data ? ev->data : "");
        break;
    case PP_TEV_PROMPT: {
        char answer[512];
        read_answer(ev, answer, sizeof answer);
        bool yes = ev->prompt != PP_PROMPT_HOSTKEY || answer[0] == 'y' || answer[0] == 'Y';
        transport_answer(r->t, ev->prompt_id, yes, answer, false);
        memset(answer, 0, sizeof answer);
        break;
    }
    case PP_TEV_LOG:
    case PP_TEV_STATUS:
    case PP_TEV_PROGRESS:   /* a capture copies no files */
        break;
    }
}

static void run_one(struct pp_transport *t, struct run *r, const struct pp_cmd *cmd)
{
    if (transport_start(t, cmd, 0) < 0) {
        r->ended = true;
        r->result = PP_RES_FAILED;
        snprintf(r->why, sizeof r->why, "the command could not be started");
        return;
    }
    struct pp_tsink sink = {on_event, r};
    while (!r->ended) {
        struct pollfd p = {transport_fd(t), POLLIN, 0};
        poll(&p, 1, 200);
        transport_poll(t, 0, &sink);
    }
}

static char *capture_script(const struct pp_config *cfg, const struct item *it)
{
    /* a custom pool that takes a Lync / SfB profile's commands (a lab) is
     * captured as that profile */
    const char *p = cfg->commands_from[0] ? cfg->commands_from : cfg->profile;
    bool lync = !strcmp(p, "lync2013");
    bool v2019 = !strcmp(p, "sfb2019");
    const char *mod = lync ? "Lync" : "SkypeForBusiness";
    const char *cmdname = v2019 ? "Get-CsUpgradeDomainInfo" : "Get-CsPoolUpgradeReadinessState";
    const char *call = v2019 ? "Get-CsUpgradeDomainInfo"
                       : lync ? "Get-CsPoolUpgradeReadinessState"
                              : "Get-CsPoolUpgradeReadinessState -SkipIdleSecondaryVerification";
    char *a = replace_all(it->script, "@MOD@", mod);
    char *b = a ? replace_all(a, "@CMDLET@", call) : NULL;
    char *c = b ? replace_all(b, "@CMDNAME@", cmdname) : NULL;
    free(a);
    free(b);
    return c;
}

static void describe(char *buf, size_t n, const struct run *r)
{
    snprintf(buf, n, "result %s\nexit %d\nduration_ms %lld\nstdout_bytes %zu\nstderr_bytes %zu\n%s%s%s",
             pp_result_name(r->result), r->exit_status, (long long)r->duration, r->nout, r->nerr,
             r->why[0] ? "why " : "", r->why, r->why[0] ? "\n" : "");
}

int ssh_capture_run(const struct pp_config *cfg, const char *server, const char *dir,
                    FILE *progress, char *err, size_t errn)
{
    if (cfg->nservers == 0) {
        snprintf(err, errn, "no server in [servers] to capture from");
        return -1;
    }
    const char *host = server ? server : cfg->servers[0].name;
    int sidx = -1;
    for (int i = 0; i < cfg->nservers; i++)
        if (!strcasecmp(cfg->servers[i].name, host))
            sidx = i;
    if (sidx < 0) {
        snprintf(err, errn, "%s is not in [servers]", host);
        return -1;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, errn, "%s: %s", dir, strerror(errno));
        return -1;
    }
    struct pp_transport *t = ssh_transport_new(cfg, err, errn);
    if (!t)
        return -1;
    ssh_transport_raw_stderr(t);

    /* the list: the profile's PowerShell probes, then what poolpilot sends */
    const int ps = cfg->shell == PP_SHELL_POWERSHELL;
    int nitems = ps ? (int)(sizeof ps_items / sizeof ps_items[0]) : 0;
    char summary[8192];
    size_t sl = (size_t)snprintf(summary, sizeof summary,
                                 "poolpilot %s capture\npool %s\nprofile %s\nserver %s\n"
                                 "time %lld\n\nRead-only commands; raw bytes as received. "
                                 "Replace host names before sharing if you need to.\n\n",
                                 PP_VERSION, cfg->fqdn, cfg->profile, host, (long long)time(NULL));
    struct pp_subst sub = {host, cfg->fqdn, cfg->servers[sidx].domain, NULL};
    uint64_t id = 1;
    for (int i = 0; i < nitems + 2; i++) {
        char name[64];
        char *script = NULL, *command = NULL;
        char e[256] = "";
        if (i < nitems) {
            snprintf(name, sizeof name, "%02d-%s", i, ps_items[i].name);
            char *tmpl = capture_script(cfg, &ps_items[i]);
            script = tmpl ? remote_expand(tmpl, &sub, cfg->shell, e, sizeof e) : NULL;
            free(tmpl);
            if (script && ps_items[i].raw) {
                char *enc = remote_encode_ps(script);
                command = enc ? malloc(strlen(PP_PS_PREFIX) + strlen(enc) + 1) : NULL;
                if (command)
                    strcat(strcpy(command, PP_PS_PREFIX), enc);
                free(enc);
            } else if (script) {
                command = remote_wrap(script, cfg->shell);
            }
        } else {   /* exactly what poolpilot sends for readiness and probe */
            int k = i == nitems ? PP_CMD_READINESS : PP_CMD_PROBE;
            snprintf(name, sizeof name, "%02d-%s-as-sent", i, pp_cmd_kind_name((enum pp_cmd_kind)k));
            script = cfg->commands[k] && *cfg->commands[k]
                         ? remote_expand(cfg->commands[k], &sub, cfg->shell, e, sizeof e)
                         : NULL;
            command = script ? remote_wrap(script, cfg->shell) : NULL;
        }
        if (!command) {
            sl += (size_t)snprintf(summary + sl, sizeof summary - sl, "%s: not run (%s)\n", name,
                                   e[0] ? e : "no command");
            free(script);
            continue;
        }
        if (progress)
            fprintf(progress, "capture: %s on %s...\n", name, host);
        write_file(dir, name, ".command.txt", script, strlen(script));
        struct run r = {.id = id, .exit_status = -1, .t = t};
        struct pp_cmd cmd = {.id = id, .server = sidx, .host = host, .kind = PP_CMD_PROBE,
                             .command = command, .timeout = cfg->timing.probe_timeout,
                             .domain = ""};
        id++;
        run_one(t, &r, &cmd);
        write_file(dir, name, ".stdout", r.out ? r.out : "", r.nout);
        write_file(dir, name, ".stderr", r.err ? r.err : "", r.nerr);
        char res[1024];
        describe(res, sizeof res, &r);
        write_file(dir, name, ".result", res, strlen(res));
        sl += (size_t)snprintf(summary + sl, sizeof summary - sl, "%s: %s\n", name,
                               pp_result_name(r.result));
        if (sl >= sizeof summary)
            sl = sizeof summary - 1;
        if (progress)
            fprintf(progress, "capture: %s %s\n", name, pp_result_name(r.result));
        free(r.out);
        free(r.err);
        free(script);
        free(command);
    }
    write_file(dir, "capture", ".txt", summary, strlen(summary));
    transport_free(t);
    return 0;
}
