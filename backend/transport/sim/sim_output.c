/* What each simulated command prints, and when: a script of timed beats
 * made when the command starts.  Faults reshape the script generically
 * (fail: the end fails; drop: the connection goes at half time; hang: the
 * second half never comes), so every command kind gets every fault.
 *
 * Lync / Skype for Business profiles print what the cmdlets print
 * (FACTS.md); posix profiles a generic systemd service.  Counts and
 * durations vary per command from the scenario's seed, deterministically. */
#include "backend/transport/sim/sim_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t sim_hash(uint64_t a, uint64_t b)
{
    /* splitmix64 finaliser over both words */
    uint64_t z = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned rnd(struct sim_cmd *c, unsigned range)
{
    c->rng = sim_hash(c->rng, 0x5157);
    return range ? (unsigned)(c->rng % range) : 0;
}

pp_ms sim_jitter(struct sim_cmd *c, pp_ms d)
{
    if (d <= 0)
        return 0;
    return d + d * ((pp_ms)rnd(c, 101) - 50) / 1000;   /* +-5% */
}

void sim_beats_free(struct sim_cmd *c)
{
    for (int i = 0; i < c->nbeats; i++)
        free(c->beats[i].text);
    free(c->beats);
    c->beats = NULL;
    c->nbeats = c->cap = c->next = 0;
}

__attribute__((format(printf, 4, 5)))
static int beat(struct sim_cmd *c, pp_ms at, enum sim_beat_kind k, const char *fmt, ...)
{
    if (c->nbeats == c->cap) {
        int cap = c->cap ? c->cap * 2 : 16;
        struct sim_beat *v = realloc(c->beats, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        c->beats = v;
        c->cap = cap;
    }
    char *text = NULL;
    if (fmt) {
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (!(text = strdup(buf)))
            return -1;
    }
    c->beats[c->nbeats++] = (struct sim_beat){at, k, text};
    return 0;
}

static const char *fe_service(const struct sim *s)
{
    return s->sfb ? "Skype for Business Server Front-End (RTCSRV)"
                  : "Lync Server Front-End (RTCSRV)";
}

static unsigned kb_number(const struct sim *s)
{
    return 3000000u + s->simcfg.seed % 2000000u;
}

void sim_fail_text(const struct sim *s, int slot, char *buf, size_t n)
{
    const char *name = s->srv[slot].name;
    const struct sim_cmd *c = &s->srv[slot].cmd;
    if (!s->lync) {
        switch (c->kind) {
        case PP_CMD_UPGRADE:
            snprintf(buf, n, "E: Sub-process /usr/bin/dpkg returned an error code (1)");
            break;
        case PP_CMD_RESTART:
            snprintf(buf, n, "Call to Reboot failed: Access denied");
            break;
        case PP_CMD_DRAIN:
        case PP_CMD_DRAIN_NOW:
        case PP_CMD_VERIFY:
            snprintf(buf, n, "Job for app.service failed because the control process "
                     "exited with error code. See \"journalctl -xeu app.service\".");
            break;
        default:
            snprintf(buf, n, "%s: %s failed (exit status 1)", name, pp_cmd_kind_name(c->kind));
            break;
        }
        return;
    }
    switch (c->kind) {
    case PP_CMD_READINESS:
        snprintf(buf, n, "Get-CsPoolUpgradeReadinessState : Cannot connect to the Back End "
                 "database of pool %s (SQL Server error 53).", s->pool);
        break;
    case PP_CMD_DRAIN:
    case PP_CMD_DRAIN_NOW:
        snprintf(buf, n, "Stop-CsWindowsService : Cannot stop service '%s' on computer '%s'.",
                 fe_service(s), name);
        break;
    case PP_CMD_UPGRADE:
        snprintf(buf, n, "%s : KB%u failed with exit code 1603 (fatal error during installation).",
                 s->sfb ? "SkypeServerUpdateInstaller.exe" : "LyncServerUpdateInstaller.exe",
                 kb_number(s));
        break;
    case PP_CMD_RESTART:
        snprintf(buf, n, "Restart-Computer : Failed to restart the computer %s with the following "
                 "error message: The system shutdown cannot be initiated because there are "
                 "other users logged on to the computer.", name);
        break;
    case PP_CMD_VERIFY:
        snprintf(buf, n, "Start-CsWindowsService : Service '%s' failed to start "
                 "(event 32174: stuck in Starting).", fe_service(s));
        break;
    case PP_CMD_PROBE:
        snprintf(buf, n, "Get-CsWindowsService : Cannot open Service Control Manager on "
                 "computer '%s'. Access is denied.", name);
        break;
    case PP_CMD_POOL_STATE:
        snprintf(buf, n, "Get-CsRegistrarConfiguration : Cannot get the registrar settings of "
                 "pool %s: the logon has no network credentials (double hop).", s->pool);
        break;
    case PP_CMD_FABRIC:
        snprintf(buf, n, "Get-CsPoolFabricState : Cannot reach the fabric of pool %s: the "
                 "logon has no network credentials (double hop).", s->pool);
        break;
    case PP_CMD_TOPOLOGY:
        snprintf(buf, n, "Get-CsComputer : Cannot read the topology of pool %s from the Central "
                 "Management store.", s->pool);
        break;
    case PP_CMD_FAILOVER:
    case PP_CMD_FAILBACK:
        snprintf(buf, n, "%s : Could not connect to %s on port 9001 (WCF/DCOM). The pool is "
                 "marked failed until Set-CsRegistrarConfiguration -PoolState Active.",
                 c->kind == PP_CMD_FAILOVER ? "Invoke-CsPoolFailOver" : "Invoke-CsPoolFailBack",
                 s->pool);
        break;
    default:
        snprintf(buf, n, "%s failed", pp_cmd_kind_name(c->kind));
        break;
    }
}

/* Skype for Business, one server at a time: what Invoke-CsComputerFailOver
 * does (Invoke-CsComputerFailOver.md: users and data moved, conferences and
 * sessions drained, services stopped and disabled), in the words a trainee
 * then sees in the output pane beside the walkthrough's explanation. */
static int script_computer_failover(struct sim_cmd *c, const char *name, pp_ms t0, pp_ms d,
                                    bool now_mode, int conf, int calls)
{
    int rc = 0;
    if (c->noop) {
        rc |= beat(c, t0 + d / 50, BEAT_LINE, "VERBOSE: %s is already failed over", name);
        rc |= beat(c, t0 + d / 50, BEAT_LINE, "RTCSRV Stopped, Disabled");
        rc |= beat(c, t0 + d / 50, BEAT_END_OK, NULL);
        return rc;
    }
    if (now_mode) {
        d /= 10;
        rc |= beat(c, t0, BEAT_LINE,
                   "Invoke-CsComputerFailOver -ComputerName %s -DrainingTimeout 00:01:00", name);
        rc |= beat(c, t0 + d / 3, BEAT_LINE,
                   "VERBOSE: moving users and data of %s to the other Front Ends", name);
        rc |= beat(c, t0 + d * 2 / 3, BEAT_LINE,
                   "VERBOSE: %d sessions dropped after the draining timeout", conf * 3 + calls);
    } else {
        rc |= beat(c, t0, BEAT_LINE, "Invoke-CsComputerFailOver -ComputerName %s -Verbose", name);
        rc |= beat(c, t0 + d / 8, BEAT_LINE,
                   "VERBOSE: moving users and data of %s to the other Front Ends", name);
        enum { K = 5 };
        for (int i = 1; i <= K; i++) {
            int cf = conf * (K - i) / K, cl = calls * (K - i) * (K - i) / (K * K);
            rc |= beat(c, t0 + d / 8 + (d * 3 / 4) * i / (K + 1), BEAT_LINE,
                       "VERBOSE: draining: %d active conference%s, %d call%s", cf,
                       cf == 1 ? "" : "s", cl, cl == 1 ? "" : "s");
        }
    }
    rc |= beat(c, t0 + d * 9 / 10, BEAT_LINE, "VERBOSE: services stopped and disabled");
    rc |= beat(c, t0 + d, BEAT_LINE, "RTCSRV Stopped, Disabled");
    rc |= beat(c, t0 + d, BEAT_END_OK, NULL);
    return rc;
}

static int script_drain(struct sim *s, struct sim_cmd *c, const char *name, pp_ms t0,
                        bool now_mode)
{
    pp_ms d = sim_jitter(c, s->simcfg.step_time[PP_STEP_DRAIN]);
    int conf = 2 + (int)rnd(c, 18), calls = 5 + (int)rnd(c, 50);
    const char *svc = s->lync ? "RTCSRV" : "app.service";
    if (s->computer_failover)
        return script_computer_failover(c, name, t0, d, now_mode, conf, calls);
    int rc = 0;
    if (c->noop) {
        rc |= beat(c, t0 + d / 50, BEAT_LINE, s->lync ? "%s is already stopped"
                                                     : "%s is already inactive", svc);
        rc |= beat(c, t0 + d / 50, BEAT_END_OK, NULL);
        return rc;
    }
    if (now_mode) {
        d /= 10;   /* no waiting for sessions: a tenth of a graceful drain */
        rc |= beat(c, t0, BEAT_LINE, s->lync ? "Stopping %s at once (no -Graceful)"
                                             : "systemctl stop %s (no drain)", svc);
        rc |= beat(c, t0 + d / 2, BEAT_LINE, "%s Stopped, %d sessions dropped", svc,
                   conf * 3 + calls);
        rc |= beat(c, t0 + d, BEAT_END_OK, NULL);
        return rc;
    }
    rc |= beat(c, t0, BEAT_LINE, s->lync ? "Stopping %s gracefully (-NoWait)"
                                         : "Draining %s: refusing new sessions", svc);
    enum { K = 6 };
    for (int i = 1; i <= K; i++) {
        /* Counts fall to zero over the drain, the last calls slowest. */
        int cf = conf * (K - i) / K, cl = calls * (K - i) * (K - i) / (K * K);
        if (i < K && cf == 0)
            cf = 1;
        pp_ms at = t0 + d * i / (K + 1);
        if (s->lync)
            rc |= beat(c, at, BEAT_LINE, "%s Paused, %d active conference%s, %d call%s", svc,
                       cf, cf == 1 ? "" : "s", cl, cl == 1 ? "" : "s");
        else
            rc |= beat(c, at, BEAT_LINE, "%s deactivating, %d active sessions", svc, cf + cl);
    }
    rc |= beat(c, t0 + d, BEAT_LINE, s->lync ? "%s Stopped" : "%s inactive (dead)", svc);
    rc |= beat(c, t0 + d, BEAT_END_OK, NULL);
    return rc;
}

static int script_upgrade(struct sim *s, struct sim_cmd *c, pp_ms t0)
{
    pp_ms d = sim_jitter(c, s->simcfg.step_time[PP_STEP_UPGRADE]);
    int rc = 0;
    if (c->noop) {       /* a re-run after an unknown outcome that did install */
        rc |= beat(c, t0 + d / 20, BEAT_LINE, s->lync ? "KB%u is already installed"
                                                      : "app is already the newest version (2.%u)",
                   s->lync ? kb_number(s) : kb_number(s) % 100);
        rc |= beat(c, t0 + d / 20, BEAT_END_OK, NULL);
        return rc;
    }
    if (s->lync) {
        rc |= beat(c, t0, BEAT_LINE, "%s /silentmode",
                   s->sfb ? "SkypeServerUpdateInstaller.exe" : "LyncServerUpdateInstaller.exe");
        rc |= beat(c, t0 + d / 20, BEAT_LINE, "Stopping services for the update");
    } else {
        rc |= beat(c, t0, BEAT_LINE, "apt-get -y install app");
        rc |= beat(c, t0 + d / 20, BEAT_LINE, "Unpacking app (2.%u) over (1.%u) ...",
                   kb_number(s) % 100, kb_number(s) % 100);
    }
    /* progress in uneven steps, always ending at 100% */
    for (int p = 10, last = 0; !last; p += 10 + (int)rnd(c, 2) * 10) {
        if (p >= 100) {
            p = 100;
            last = 1;
        }
        pp_ms at = t0 + d / 20 + (d - d / 10) * p / 100;
        if (s->lync)
            rc |= beat(c, at, BEAT_LINE, "Installing KB%u ... %3d%%", kb_number(s), p);
        else
            rc |= beat(c, at, BEAT_LINE, "Setting up app ... %3d%%", p);
    }
    rc |= beat(c, t0 + d, BEAT_LINE, s->lync ? "Update installed; a restart is required"
                                             : "Processing triggers; a reboot is required");
    rc |= beat(c, t0 + d, BEAT_END_OK, NULL);
    return rc;
}

static int script_restart(struct sim *s, struct sim_cmd *c, pp_ms t0)
{
    pp_ms d = sim_jitter(c, s->simcfg.step_time[PP_STEP_RESTART]);
    pp_ms drop = d < 2000 ? d / 2 : 1000 + (pp_ms)rnd(c, 500);
    int rc = 0;
    rc |= beat(c, t0, BEAT_LINE, s->lync ? "Restart-Computer -Force" : "systemctl reboot");
    rc |= beat(c, t0 + drop, BEAT_REBOOT, NULL);
    c->back_at = t0 + d;
    return rc;
}

/* The same words as the profile's real verify script (config/profiles.c):
 * a training run shows what the real pool would say, SIP/TLS on 5061. */
static int script_verify(struct sim *s, struct sim_cmd *c, const char *name, pp_ms t0)
{
    static const char *const svcs[] = {"RTCSRV", "RTCCLSAGT", "RTCMEDSRV", "RTCASMCU",
                                       "RTCATS", "RTCDATAMCU", "REPLICA"};
    enum { NS = sizeof svcs / sizeof svcs[0] };
    pp_ms d = sim_jitter(c, s->simcfg.step_time[PP_STEP_VERIFY]);
    int rc = 0;
    if (!s->lync) {
        rc |= beat(c, t0, BEAT_LINE, "systemctl start app.service");
        rc |= beat(c, t0 + d / 2, BEAT_LINE, "app.service active (running)");
        rc |= beat(c, t0 + d * 3 / 4, BEAT_LINE, "TCP 443 open");
        rc |= beat(c, t0 + d, BEAT_END_OK, NULL);
        return rc;
    }
    if (s->computer_failover) {   /* Invoke-CsComputerFailBack.md: enables, starts */
        rc |= beat(c, t0, BEAT_LINE, "Invoke-CsComputerFailBack -ComputerName %s -Verbose", name);
        rc |= beat(c, t0 + d / 20, BEAT_LINE, "VERBOSE: services enabled and starting");
    } else {
        rc |= beat(c, t0, BEAT_LINE, "Start-CsWindowsService");
    }
    rc |= beat(c, t0 + d / 10, BEAT_LINE, "RTCSRV Starting");
    for (int i = 0; i < NS; i++)
        rc |= beat(c, t0 + d / 5 + d * 3 * i / (5 * NS), BEAT_LINE, "%-10s Running", svcs[i]);
    rc |= beat(c, t0 + d * 4 / 5, BEAT_LINE, "%s accepts connections on port 5061", name);
    rc |= beat(c, t0 + d, BEAT_END_OK, NULL);
    return rc;
}

static int script_failover(struct sim *s, struct sim_cmd *c, pp_ms t0)
{
    bool over = c->kind == PP_CMD_FAILOVER;
    pp_ms d = sim_jitter(c, s->simcfg.failover_time);
    const char *cmdlet = over ? "Invoke-CsPoolFailOver" : "Invoke-CsPoolFailBack";
    int rc = 0;
    rc |= beat(c, t0, BEAT_LINE, "%s -PoolFqdn %s -Verbose", cmdlet, s->pool);
    if (!over && !s->failed_over) {
        rc |= beat(c, t0 + d / 20, BEAT_END_FAIL, "%s : Pool %s is not failed over.",
                   cmdlet, s->pool);
        return rc;
    }
    rc |= beat(c, t0 + d / 20, BEAT_LINE, "VERBOSE: %s %s, backup pool %s",
               over ? "Failing over" : "Failing back", s->pool,
               s->backup_pool[0] ? s->backup_pool : "(paired pool)");
    for (int p = 25; p <= 100; p += 25)
        rc |= beat(c, t0 + d * p / 100 - d / 40, BEAT_LINE, "VERBOSE: Moving users: %d%%", p);
    rc |= beat(c, t0 + d, BEAT_LINE, "VERBOSE: %s of %s completed",
               over ? "Failover" : "Failback", s->pool);
    rc |= beat(c, t0 + d, BEAT_END_OK, NULL);
    return rc;
}

/* Reshapes a normal script for a fault.  The script's last beat is the
 * one that finishes it (end, answer, or the reboot). */
static int apply_plan(struct sim *s, int slot, struct sim_cmd *c, pp_ms t0, enum sim_plan plan)
{
    if (c->nbeats == 0)
        return 0;
    struct sim_beat *last = &c->beats[c->nbeats - 1];
    pp_ms mid = t0 + (last->at - t0) / 2;
    if (plan == PLAN_FAIL) {
        char msg[512];
        sim_fail_text(s, slot, msg, sizeof msg);
        free(last->text);
        last->kind = BEAT_END_FAIL;
        last->text = strdup(msg);
        return last->text ? 0 : -1;
    }
    /* drop / hang: the second half never happens */
    while (c->nbeats > 0 && (c->beats[c->nbeats - 1].at > mid ||
                             c->beats[c->nbeats - 1].kind != BEAT_LINE)) {
        free(c->beats[c->nbeats - 1].text);
        c->nbeats--;
    }
    if (plan == PLAN_DROP)
        return beat(c, mid, BEAT_END_LOST, "connection to %s lost: Connection reset by peer",
                    s->srv[slot].name);
    if (c->kind == PP_CMD_DRAIN && s->lync)
        return beat(c, mid, BEAT_LINE, "RTCSRV Paused, 1 active conference, 0 calls");
    return 0;
}

int sim_script(struct sim *s, int slot, pp_ms t0, enum sim_plan plan)
{
    struct sim_cmd *c = &s->srv[slot].cmd;
    const char *name = s->srv[slot].name;
    int rc = 0;
    if (plan == PLAN_REFUSED)
        return beat(c, t0 + 1000 + (pp_ms)rnd(c, 1000), BEAT_END_LOST,
                    "ssh: connect to host %s port 22: Connection refused", name);
    switch (c->kind) {
    case PP_CMD_READINESS:
        if (!sim_svc_up(s->srv[slot].svc)) {
            /* SSH answers, but the cmdlet needs a running Front End. */
            rc |= beat(c, t0 + s->simcfg.readiness_time / 4, BEAT_END_FAIL,
                       s->lync ? "Get-CsPoolUpgradeReadinessState : The Front-End service "
                                 "is not running on this computer (%s)."
                               : "%s: app.service is not running", name);
            return rc;
        }
        rc |= beat(c, t0 + s->simcfg.readiness_time, BEAT_ANSWER, NULL);
        break;
    case PP_CMD_FABRIC:
        if (s->lync)
            rc |= beat(c, t0, BEAT_LINE, "Get-CsPoolFabricState -PoolFqdn %s", s->pool);
        rc |= beat(c, t0 + s->simcfg.readiness_time, BEAT_ANSWER, NULL);
        break;
    case PP_CMD_PROBE:
        rc |= beat(c, t0, BEAT_LINE, s->lync ? "Get-CsWindowsService -Name RTCSRV"
                                             : "systemctl is-active app.service");
        rc |= beat(c, t0 + 1500, BEAT_ANSWER, NULL);
        break;
    case PP_CMD_POOL_STATE:
        rc |= beat(c, t0, BEAT_LINE, "Get-CsPoolBackupRelationship -PoolFqdn %s", s->pool);
        rc |= beat(c, t0 + 2000, BEAT_ANSWER, NULL);
        break;
    case PP_CMD_DRAIN:
    case PP_CMD_DRAIN_NOW:
        rc |= script_drain(s, c, name, t0, c->kind == PP_CMD_DRAIN_NOW);
        break;
    case PP_CMD_UPGRADE:
        rc |= script_upgrade(s, c, t0);
        break;
    case PP_CMD_RESTART:
        rc |= script_restart(s, c, t0);
        break;
    case PP_CMD_VERIFY:
        rc |= script_verify(s, c, name, t0);
        break;
    case PP_CMD_FAILOVER:
    case PP_CMD_FAILBACK:
        rc |= script_failover(s, c, t0);
        break;
    case PP_CMD_TOPOLOGY:
        /* the pool's Front Ends in topology order, as the profiles'
         * template prints them (topology.h): the simulated pool's order is
         * its config's, so every scenario matches */
        rc |= beat(c, t0, BEAT_LINE, "pp-topology-begin %d", s->n);
        for (int i = 0; i < s->n; i++)
            rc |= beat(c, t0 + 1000, BEAT_LINE, "pp-topology %s", s->srv[i].name);
        rc |= beat(c, t0 + 1000, BEAT_LINE, "pp-topology-end %d", s->n);
        rc |= beat(c, t0 + 1000, BEAT_END_OK, NULL);
        break;
    case PP_CMD_BACKEND:
        /* the Back End's update (issue 11 item 13): the simulated pool
         * has nothing to update, it answers as the cmdlet's -Verbose does */
        rc |= beat(c, t0, BEAT_LINE, "Install-CsDatabase -Update -ConfiguredDatabases -Verbose");
        rc |= beat(c, t0 + 20000, BEAT_LINE, "VERBOSE: Databases are up to date");
        rc |= beat(c, t0 + 20000, BEAT_END_OK, NULL);
        break;
    default:
        return -1;
    }
    if (rc == 0 && plan != PLAN_NORMAL)
        rc = apply_plan(s, slot, c, t0, plan);
    return rc ? -1 : 0;
}
