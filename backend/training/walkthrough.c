/* The walkthrough's dispatcher, its shared facts, and the explanations of
 * the phases that run by themselves (checks, waits, a domain's steps, the
 * settle wait, failover and failback).  Questions put to the operator are
 * in walkthrough_ask.c.  Every number comes from the model or the config:
 * nothing here assumes an 8-server pool or the default timings. */
#include "backend/training/walkthrough_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 0))) static void vappend(char *dst, size_t n, const char *fmt,
                                                         va_list ap)
{
    size_t used = strlen(dst);
    if (used + 1 < n)
        vsnprintf(dst + used, n - used, fmt, ap);
}

void walk_title(struct walk_ctx *c, const char *topic, const char *fmt, ...)
{
    snprintf(c->w->topic, sizeof c->w->topic, "%s", topic);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->w->title, sizeof c->w->title, fmt, ap);
    va_end(ap);
}

void walk_para(struct walk_ctx *c, enum walk_kind k, const char *fmt, ...)
{
    struct pp_walk *w = c->w;
    if (w->n >= WALK_PARAS)
        return;
    struct walk_para *p = &w->p[w->n++];
    p->kind = k;
    p->text[0] = 0;
    va_list ap;
    va_start(ap, fmt);
    vappend(p->text, sizeof p->text, fmt, ap);
    va_end(ap);
}

void walk_more(struct walk_ctx *c, const char *fmt, ...)
{
    struct pp_walk *w = c->w;
    if (w->n == 0)
        return;
    struct walk_para *p = &w->p[w->n - 1];
    size_t used = strlen(p->text);
    /* a space between sentences after a Latin one; none after 。 */
    if (used && (unsigned char)p->text[used - 1] < 0x80 && used + 2 < sizeof p->text) {
        p->text[used++] = ' ';
        p->text[used] = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    vappend(p->text, sizeof p->text, fmt, ap);
    va_end(ap);
}

const char *walk_duration(pp_ms ms, char *buf, size_t n)
{
    if (ms < 0)
        ms = 0;
    long long s = (long long)((ms + 999) / 1000);
    if (s < 60)
        snprintf(buf, n, _("%lld s"), s);
    else if (s < 3600 && s % 60 == 0)
        snprintf(buf, n, _("%lld min"), s / 60);
    else if (s < 3600)
        snprintf(buf, n, _("%lld min %lld s"), s / 60, s % 60);
    else if (s % 3600 == 0)
        snprintf(buf, n, _("%lld h"), s / 3600);
    else
        snprintf(buf, n, _("%lld h %lld min"), s / 3600, s / 60 % 60);
    return buf;
}

const char *walk_kind_label(enum walk_kind k)
{
    switch (k) {
    case WALK_GOAL: return _("Goal");
    case WALK_WHAT: return _("Now");
    case WALK_WHY: return _("Why");
    case WALK_YOU: return _("You");
    }
    return "";
}

const char *walk_short(const struct pp_model *m, int server, char *buf, size_t n)
{
    if (server < 0 || server >= m->nservers) {
        snprintf(buf, n, "?");
        return buf;
    }
    const char *name = m->servers[server].name;
    size_t l = strcspn(name, ".");
    snprintf(buf, n, "%.*s", (int)(l ? l : strlen(name)), name);
    return buf;
}

pp_ms walk_step_timeout(const struct walk_ctx *c, enum pp_step s)
{
    if (!c->cfg || s < 0 || s >= PP_STEP_COUNT)
        return 0;
    return c->cfg->timing.step_timeout[s];
}

const char *walk_readiness_cmd(const struct walk_ctx *c)
{
    const char *p = c->m->profile;
    if (!strcmp(p, "lync2013"))
        return "Get-CsPoolUpgradeReadinessState";
    if (!strcmp(p, "sfb2015"))
        return "Get-CsPoolUpgradeReadinessState -SkipIdleSecondaryVerification";
    if (!strcmp(p, "sfb2019"))
        return "Get-CsUpgradeDomainInfo";
    return _("the pool's readiness command");
}

const char *walk_why_one_domain(void)
{
    return _("Why one domain at a time: the pool keeps each routing group (a share of the "
             "users) as a primary with secondaries on Front Ends of different upgrade domains, "
             "so with one domain down every group still has a copy. Two domains down at once "
             "could leave some users with none.");
}

void walk_quorum(struct walk_ctx *c, int d, char *buf, size_t n)
{
    const struct pp_model *m = c->m;
    buf[0] = 0;
    if (c->rule == PP_QUORUM_NONE) {
        snprintf(buf, n, _("This pool has no quorum rule (quorum = none): nothing limits how "
                           "many servers may be down, except one domain at a time."));
        return;
    }
    int up = 0, need = 0;
    bool ok = quorum_ok_without(m, c->rule, d, &up, &need);
    int among = quorum_among(m, c->rule, d);
    size_t off;
    if (c->rule == PP_QUORUM_MAJORITY)
        off = (size_t)snprintf(buf, n, _("This pool has %d servers; more than half of them, "
                                         "%d, must keep running (quorum = majority)."),
                               m->nservers, need);
    else if (among < m->nservers)
        off = (size_t)snprintf(buf, n, _("This pool has %d Front Ends; Microsoft's quorum table "
                                         "says any %d of the first %d (topology order) must "
                                         "keep running."),
                               m->nservers, need, among);
    else
        off = (size_t)snprintf(buf, n, _("This pool has %d Front Ends; Microsoft's quorum table "
                                         "says %d of them must keep running."),
                               m->nservers, need);
    if (off >= n)
        return;
    char nm[PP_DOMAIN_NAME_MAX];
    if (d >= 0 && d < m->ndomains) {
        snprintf(nm, sizeof nm, "%s", m->domains[d].name);
        off += (size_t)snprintf(buf + off, n - off,
                                ok ? _(" With %s down, %d of those stay up: margin %d.")
                                   : _(" With %s down, only %d of those stay up: %d short. "
                                       "poolpilot refuses to start it."),
                                nm, up, ok ? up - need : need - up);
    } else {
        off += (size_t)snprintf(buf + off, n - off, _(" %d of those are up now: margin %d."),
                                up, up - need);
    }
    if (off < n)
        snprintf(buf + off, n - off, "%s",
                 _(" Below quorum the remaining Front Ends stop their services and the whole "
                   "pool goes down, so no override gets past this rule."));
}

/* ---- a server's step ---- */

void walk_explain_step(struct walk_ctx *c, int s)
{
    const struct pp_model *m = c->m;
    const struct pp_server *sv = &m->servers[s];
    char nm[PP_NAME_MAX], d1[48], d2[48];
    walk_short(m, s, nm, sizeof nm);
    pp_ms ran = c->now - sv->step_started;
    switch (sv->step) {
    case PP_STEP_DRAIN:
        if (m->computer_failover && m->procedure == PP_PROC_SERVER) {
            if (m->mode == PP_MODE_DOWNTIME || sv->forced_drain)
                walk_para(c, WALK_WHAT,
                          _("%s is failing over at once (%s): Invoke-CsComputerFailOver with a "
                            "one-minute draining timeout. Its users move to the other Front "
                            "Ends; calls and conferences still on it after that minute are "
                            "dropped."),
                          nm, sv->forced_drain ? _("forced by an override")
                                               : _("scheduled downtime"));
            else
                walk_para(c, WALK_WHAT,
                          _("%s is failing over for %s: Invoke-CsComputerFailOver moves its "
                            "users and data to the other Front Ends, drains its conferences and "
                            "sessions, then stops and disables its services so that the restart "
                            "does not start them."),
                          nm, walk_duration(ran, d1, sizeof d1));
            walk_para(c, WALK_WHY,
                      _("The cmdlet waits up to an hour for the drain; when that runs out it "
                        "fails and leaves the server in service. After drain_timeout (%s) "
                        "poolpilot asks you instead of dropping anyone's session by itself."),
                      walk_duration(walk_step_timeout(c, PP_STEP_DRAIN), d2, sizeof d2));
        } else if (m->mode == PP_MODE_DOWNTIME || sv->forced_drain) {
            walk_para(c, WALK_WHAT,
                      _("%s is stopped at once (%s): Stop-CsWindowsService without -Graceful. "
                        "Calls and conferences still on it are dropped."),
                      nm, sv->forced_drain ? _("forced by an override") : _("scheduled downtime"));
        } else {
            walk_para(c, WALK_WHAT,
                      _("%s is draining for %s: Stop-CsWindowsService -Graceful -NoWait, then "
                        "poolpilot polls RTCSRV until it is Stopped. While it drains RTCSRV "
                        "shows Paused: it refuses new requests and stops only when the ones in "
                        "progress have finished, so nobody's call is cut."),
                      nm, walk_duration(ran, d1, sizeof d1));
            walk_para(c, WALK_WHY,
                      _("A drain takes as long as the longest call or conference on the server. "
                        "After drain_timeout (%s) poolpilot asks you instead of dropping "
                        "anyone's session by itself."),
                      walk_duration(walk_step_timeout(c, PP_STEP_DRAIN), d2, sizeof d2));
        }
        snprintf(c->w->topic, sizeof c->w->topic, "draining");
        break;
    case PP_STEP_UPGRADE:
        walk_para(c, WALK_WHAT,
                  c->lync ? _("%s runs the update installer in silent mode (%s so far). Its "
                              "services are down until it has been restarted and verified.")
                          : _("%s runs the upgrade command (%s so far). Its services are down "
                              "until it has been restarted and verified."),
                  nm, walk_duration(ran, d1, sizeof d1));
        snprintf(c->w->topic, sizeof c->w->topic, "upgrading");
        break;
    case PP_STEP_RESTART:
        walk_para(c, WALK_WHAT,
                  _("%s is restarting (%s so far). The SSH connection drops: that is expected, "
                    "and poolpilot waits up to restart_timeout (%s) for the server to answer "
                    "again."),
                  nm, walk_duration(ran, d1, sizeof d1),
                  walk_duration(walk_step_timeout(c, PP_STEP_RESTART), d2, sizeof d2));
        walk_para(c, WALK_WHY,
                  _("A server that does not come back holds its domain: poolpilot never moves "
                    "to the next domain while a server of this one is stuck, not restarted or "
                    "cannot start."));
        snprintf(c->w->topic, sizeof c->w->topic, "restarting");
        break;
    default:
        if (m->computer_failover && m->procedure == PP_PROC_SERVER)
            walk_para(c, WALK_WHAT,
                      _("%s is failing back and being verified: Invoke-CsComputerFailBack "
                        "re-enables and starts its services and marks it available to the "
                        "pool; then every service must be Running and the server must accept a "
                        "connection on port 5061 (SIP/TLS)."),
                      nm);
        else
            walk_para(c, WALK_WHAT,
                      c->lync ? _("%s is being verified: every Lync service must be Running (none "
                                  "Starting or Paused) and the server must accept a connection on "
                                  "port 5061 (SIP/TLS).")
                              : _("%s is being verified with the profile's verify command."),
                      nm);
        walk_para(c, WALK_WHY,
                  _("Only a verified server counts as upgraded and up again: a server that "
                    "restarted but does not accept connections would still be missing from "
                    "the pool."));
        snprintf(c->w->topic, sizeof c->w->topic, "verifying");
        break;
    }
}

/* The server of the active domain most worth explaining: one that needs
 * the operator, then one mid-step (the earliest step first). */
static int focus_server(const struct pp_model *m, int d)
{
    const struct pp_domain *dom = &m->domains[d];
    int best = -1, rank = 99;
    for (int i = 0; i < dom->nmembers; i++) {
        int s = dom->members[i];
        const struct pp_server *sv = &m->servers[s];
        int r = 99;
        if (sv->state == PP_SRV_FAILED || sv->state == PP_SRV_LOST)
            r = 0;
        else if (sv->state == PP_SRV_RUNNING)
            r = 1 + (sv->step >= 0 ? sv->step : 0);
        if (r < rank) {
            rank = r;
            best = s;
        }
    }
    return best;
}

static void explain_domain(struct walk_ctx *c)
{
    const struct pp_model *m = c->m;
    int d = m->active_domain;
    if (d < 0 || d >= m->ndomains) {
        walk_title(c, "domain", _("A domain is in progress"));
        return;
    }
    const struct pp_domain *dom = &m->domains[d];
    int settled = 0, running = 0;
    for (int i = 0; i < dom->nmembers; i++) {
        settled += model_server_settled(&m->servers[dom->members[i]]);
        running += m->servers[dom->members[i]].state == PP_SRV_RUNNING;
    }
    walk_title(c, "domain", _("Upgrading %s: %d of %d servers done"), dom->name, settled,
               dom->nmembers);
    int s = focus_server(m, d);
    c->w->server = s;
    if (s >= 0 && m->servers[s].state == PP_SRV_RUNNING)
        walk_explain_step(c, s);
    else
        walk_para(c, WALK_WHAT, _("%s waits for its servers: the next step starts as soon as "
                                  "a slot is free."), dom->name);
    /* in words: "parallel = 0" is the config file's spelling of "no limit" */
    int limit = c->cfg ? c->cfg->parallel : 0;
    if (running > 1 && limit > 0)
        walk_more(c, P_("%d server of this domain works at once; the configuration allows at "
                        "most %d.",
                        "%d servers of this domain work at once; the configuration allows at "
                        "most %d.", running),
                  running, limit);
    else if (running > 1)
        walk_more(c, P_("%d server of this domain works at once; the configuration sets no "
                        "limit.",
                        "%d servers of this domain work at once; the configuration sets no "
                        "limit.", running),
                  running);
    if (!m->failed_over) {
        char q[WALK_TEXT];
        walk_quorum(c, -1, q, sizeof q);
        walk_para(c, WALK_WHY, "%s", walk_why_one_domain());
        walk_more(c, "%s", q);
    } else {
        walk_para(c, WALK_WHY, _("The pool is failed over to %s: its users are served there "
                                 "while these servers are upgraded."), m->backup_pool);
    }
}

static void explain_checking(struct walk_ctx *c)
{
    const struct pp_model *m = c->m;
    char nm[PP_NAME_MAX], d1[48];
    if (m->check_server >= 0)
        walk_title(c, "checking", _("Readiness check on %s"),
                   walk_short(m, m->check_server, nm, sizeof nm));
    else
        walk_title(c, "checking", _("Readiness check"));
    walk_para(c, WALK_WHAT,
              _("poolpilot runs %s on a Front End that is up and outside the domain being "
                "upgraded: the check only runs on a Front End of the pool it checks."),
              walk_readiness_cmd(c));
    walk_para(c, WALK_WHY,
              _("Its answer is the gate. Ready: one upgrade domain may start. Busy: wait %s and "
                "ask again. InsufficientActiveFrontEnds: the pool has a problem. An answer "
                "poolpilot cannot read (a failed command, a truncated list) is Unknown, never "
                "Ready."),
              walk_duration(c->busy_retry, d1, sizeof d1));
}

static void explain_busy_wait(struct walk_ctx *c)
{
    const struct pp_model *m = c->m;
    char d1[48], d2[48];
    pp_ms left = m->next_check == PP_MS_NEVER ? -1 : m->next_check - c->now;
    if (left >= 0)
        walk_duration(left, d1, sizeof d1);
    else
        snprintf(d1, sizeof d1, "-");
    walk_duration(c->busy_retry, d2, sizeof d2);
    if (m->readiness == PP_READY_BUSY) {
        walk_title(c, "busy-wait", _("Busy: strike %d of %d, next check in %s"), m->busy_strikes,
                   c->strikes, d1);
        walk_para(c, WALK_WHAT,
                  P_("The pool answered Busy %d time in a row. poolpilot waits %s and asks "
                     "again.",
                     "The pool answered Busy %d times in a row. poolpilot waits %s and asks "
                     "again.",
                     m->busy_strikes),
                  m->busy_strikes, d2);
        walk_para(c, WALK_WHY,
                  _("Busy means the pool is still moving data between its Front Ends, for "
                    "example while replicas are rebuilt after a server came back. Microsoft's "
                    "procedure says: wait 10 minutes and check again. Busy %d times in a row, "
                    "%s apart, means the pool is not settling by itself: a pool problem. Only a "
                    "Busy that comes at least %s after the last one counts as a strike, so "
                    "checking sooner does not make the problem come sooner."),
                  c->strikes, d2, d2);
        walk_para(c, WALK_YOU, _("Wait. A recheck runs the check now; nothing is taken down "
                                 "while the pool is Busy."));
    } else if (m->readiness == PP_READY_READY) {
        walk_title(c, "not-ready", _("Ready, but no domain is ready for upgrade: next check in "
                                     "%s"), d1);
        walk_para(c, WALK_WHAT,
                  _("The pool answered Ready, but no open upgrade domain reports ReadyForUpgrade "
                    "True. poolpilot checks again in %s without touching any server."),
                  d1);
        walk_para(c, WALK_WHY,
                  _("The pool releases a domain for upgrade only when it can spare it. Draining "
                    "a domain it has not released could leave routing groups without a copy."));
    } else {
        walk_title(c, "unknown", _("The readiness answer could not be read: next check in %s"),
                   d1);
        walk_para(c, WALK_WHAT,
                  _("The last readiness check failed or gave an answer poolpilot cannot read. "
                    "It tries again, on another Front End, in %s."),
                  d1);
        walk_para(c, WALK_WHY,
                  _("Unknown is never Ready: acting on a guess could take down servers the pool "
                    "still needs. After three unreadable answers in a row poolpilot asks you."));
    }
}

static void explain_settle(struct walk_ctx *c)
{
    const struct pp_model *m = c->m;
    char d1[48], d2[48];
    bool last = m->domains_done >= m->ndomains;
    bool fabric = c->cfg && c->cfg->commands[PP_CMD_FABRIC] && c->cfg->commands[PP_CMD_FABRIC][0];
    if (m->settle_until != PP_MS_NEVER) {
        pp_ms left = m->settle_until - c->now;
        walk_title(c, "settle", _("Settle: %s left before the next domain"),
                   walk_duration(left, d1, sizeof d1));
        walk_para(c, WALK_WHAT,
                  _("The last domain is back and the pool is Ready. poolpilot waits %s (settle) "
                    "before the next domain and keeps checking readiness; if the pool leaves "
                    "Ready, the timer starts again."),
                  walk_duration(c->settle, d2, sizeof d2));
    } else if (last) {
        walk_title(c, "settle", _("Last domain done: waiting for the pool to be Ready"));
        walk_para(c, WALK_WHAT, _("Every domain is done. The run ends once the pool answers "
                                  "Ready again."));
    } else {
        walk_title(c, "settle", _("Domain done: waiting for Ready before the settle wait"));
        walk_para(c, WALK_WHAT,
                  _("The domain is done. The settle wait (%s) starts once the pool answers Ready "
                    "again; Busy answers count as strikes as usual."),
                  walk_duration(c->settle, d2, sizeof d2));
    }
    walk_para(c, WALK_WHY,
              _("Microsoft's guidance for reliable upgrades: after a domain is back and the pool "
                "is Ready, wait 20 minutes before the next one. The servers that just restarted "
                "rebuild their replicas meanwhile; starting the next domain too early can leave "
                "routing groups without a secondary."));
    if (fabric)
        walk_more(c, _("That is why the fabric state (Get-CsPoolFabricState) is read before and "
                       "after the wait: every routing group must keep a primary and a "
                       "secondary."));
}

static void explain_failover_running(struct walk_ctx *c, bool back)
{
    const struct pp_model *m = c->m;
    const char *host = c->cfg && c->cfg->failover_on[0] ? c->cfg->failover_on : "?";
    char d1[48];
    if (!back) {
        walk_title(c, "failover", _("Failing %s over to %s"), m->fqdn, m->backup_pool);
        walk_para(c, WALK_WHAT,
                  _("Invoke-CsPoolFailOver -PoolFqdn %s runs on %s, a Front End of the backup "
                    "pool. It is the planned failover (no -DisasterMode): the pool is still up."),
                  m->fqdn, host);
        walk_para(c, WALK_WHY,
                  _("Users move to %s while this pool is upgraded without the readiness gate. "
                    "Microsoft designs for 30 minutes each way; poolpilot waits up to %s. A known "
                    "failure (a DCOM/WCF error on port 9001) leaves the pool marked failed until "
                    "Set-CsRegistrarConfiguration -PoolState Active."),
                  m->backup_pool,
                  walk_duration(c->cfg ? c->cfg->timing.failover_timeout : 3600000, d1, sizeof d1));
    } else {
        walk_title(c, "failback", _("Failing %s back from %s"), m->fqdn, m->backup_pool);
        walk_para(c, WALK_WHAT,
                  _("Invoke-CsPoolFailBack -PoolFqdn %s runs on %s: the users come home to the "
                    "upgraded pool."),
                  m->fqdn, host);
        walk_para(c, WALK_WHY, _("A failback can take up to 60 minutes for 20,000 users; "
                                 "poolpilot waits up to %s."),
                  walk_duration(c->cfg ? c->cfg->timing.failover_timeout : 3600000, d1, sizeof d1));
    }
}

static void explain_end(struct walk_ctx *c)
{
    const struct pp_model *m = c->m;
    if (m->phase == PP_PH_COMPLETE) {
        walk_title(c, "complete", _("Run complete: %d of %d domains done"), m->domains_done,
                   m->ndomains);
        walk_para(c, WALK_WHAT, _("Every upgrade domain is done and the journal holds every step, "
                                  "decision and override, with who and when."));
    } else {
        walk_title(c, "stopped", _("Run stopped: %d of %d domains done"), m->domains_done,
                   m->ndomains);
        walk_para(c, WALK_WHAT, _("The run stopped before the end%s%s. The journal keeps where "
                                  "every server stands; starting poolpilot again resumes there."),
                  m->problem[0] ? ": " : "", m->problem);
    }
    if (m->training)
        walk_para(c, WALK_YOU, _("The debrief lists every decision with its reason and where "
                                 "the run left the expected path."));
}

void walkthrough_explain(const struct pp_model *m, const struct pp_config *cfg, pp_ms now,
                         struct pp_walk *w)
{
    memset(w, 0, sizeof *w);
    w->server = -1;
    struct walk_ctx c = {.m = m, .cfg = cfg, .now = now, .w = w};
    c.rule = cfg ? cfg->quorum : PP_QUORUM_LYNC;
    c.busy_retry = cfg ? cfg->timing.busy_retry : 600000;
    c.settle = cfg ? cfg->timing.settle : 1200000;
    c.strikes = cfg ? cfg->timing.busy_strikes : 3;
    c.lync = !strcmp(m->profile, "lync2013") || !strcmp(m->profile, "sfb2015") ||
             !strcmp(m->profile, "sfb2019");
    bool fresh = m->last_check < 0 && m->domains_done == 0 && m->active_domain < 0;
    if (m->training && cfg && cfg->sim.present && fresh && cfg->sim.goal[0])
        walk_para(&c, WALK_GOAL, "%s", cfg->sim.goal_local[0] ? cfg->sim.goal_local : cfg->sim.goal);
    if (m->phase == PP_PH_COMPLETE || m->phase == PP_PH_STOPPED) {
        explain_end(&c);
        return;
    }
    if (m->ask != PP_ASK_NONE) {
        walk_explain_ask(&c);
        return;
    }
    switch (m->phase) {
    case PP_PH_BUSY_WAIT: explain_busy_wait(&c); break;
    case PP_PH_FAILOVER: explain_failover_running(&c, false); break;
    case PP_PH_FAILBACK: explain_failover_running(&c, true); break;
    case PP_PH_DOMAIN: explain_domain(&c); break;
    case PP_PH_SETTLE: explain_settle(&c); break;
    case PP_PH_BACKEND:
        walk_title(&c, "backend", "%s", _("Updating the Back End"));
        walk_para(&c, WALK_WHAT, "%s",
                  _("Install-CsDatabase -Update -ConfiguredDatabases runs on a Front End: it "
                    "applies the update's changes to the Back End's databases. The run goes on "
                    "when it ends."));
        break;
    default: explain_checking(&c); break;
    }
}
