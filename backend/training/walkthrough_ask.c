/* The walkthrough while the engine waits for the operator: what the
 * question means, why the procedure asks it here, and what each answer
 * does.  The wording of the question itself is the engine's (the question
 * bar); this is the background a trainee needs to answer it. */
#include "backend/training/walkthrough_internal.h"

#include <stdio.h>
#include <string.h>

static void explain_start_domain(struct walk_ctx *c)
{
    const struct pp_model *m = c->m;
    int d = m->ask_domain;
    if (d < 0 || d >= m->ndomains)
        return;
    const struct pp_domain *dom = &m->domains[d];
    char names[WALK_TEXT] = "", nm[PP_NAME_MAX];
    size_t off = 0;
    for (int i = 0; i < dom->nmembers && off < sizeof names; i++)
        off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", i ? ", " : "",
                                walk_short(m, dom->members[i], nm, sizeof nm));
    walk_title(c, "start-domain", _("Start %s?"), dom->name);
    int par = c->cfg ? c->cfg->parallel : 0;
    if (m->procedure == PP_PROC_SERVER && !m->computer_failover) {
        walk_para(c, WALK_WHAT,
                  _("%s holds %s. Confirming takes them one at a time, in topology order: each "
                    "is drained, upgraded, restarted and verified; the next starts only when "
                    "this one is verified (procedure = server)."),
                  dom->name, names);
    } else if (m->procedure == PP_PROC_SERVER) {
        walk_para(c, WALK_WHAT,
                  m->mode == PP_MODE_DOWNTIME
                      ? _("%s holds %s. Confirming takes them one at a time, in topology order: "
                          "each is failed over with a one-minute draining timeout (scheduled "
                          "downtime: sessions are dropped), updated, restarted and failed back; "
                          "the next starts only when this one is verified.")
                      : _("%s holds %s. Confirming takes them one at a time, in topology order: "
                          "each is failed over (Invoke-CsComputerFailOver moves its users and "
                          "data to the other Front Ends, drains its sessions, stops and disables "
                          "its services), updated, restarted and failed back "
                          "(Invoke-CsComputerFailBack); the next starts only when this one is "
                          "verified."),
                  dom->name, names);
        walk_para(c, WALK_WHY,
                  _("Skype for Business Server 2015 and 2019: Microsoft's procedure patches a "
                    "Front End pool one server at a time (\"Patch or update Front End "
                    "Servers\"); Lync Server 2013's takes down a whole upgrade domain. The "
                    "domain gates still hold around it."));
    } else {
        walk_para(c, WALK_WHAT,
                  m->mode == PP_MODE_DOWNTIME
                      ? _("%s holds %s. Confirming stops each at once (scheduled downtime: "
                          "sessions are dropped), then upgrades, restarts and verifies it.")
                      : _("%s holds %s. Confirming drains each gracefully (new requests "
                          "refused, calls in progress finish), then upgrades, restarts and "
                          "verifies it."),
                  dom->name, names);
    }
    if (m->procedure != PP_PROC_SERVER && par > 0 && par < dom->nmembers)
        walk_more(c, P_("At most %d server runs at a time (parallel).",
                        "At most %d servers run at a time (parallel).", par),
                  par);
    /* failed over, only the readiness gate is lifted: quorum, one domain at
     * a time, the settle wait and the fabric checks protect the pool's own
     * routing groups whoever it serves (issue 14 class 3, issue 11 item 6) */
    if (m->failed_over && !m->failed_back)
        walk_para(c, WALK_WHY,
                  _("The pool is failed over to %s: users are served there, so the readiness "
                    "gate does not hold this domain back. Quorum, the settle wait and the "
                    "fabric checks still do: they protect the pool's own routing groups."),
                  m->backup_pool);
    char q[WALK_TEXT];
    walk_quorum(c, d, q, sizeof q);
    walk_para(c, WALK_WHY, "%s", q);
    walk_para(c, WALK_WHY, "%s", walk_why_one_domain());
    walk_para(c, WALK_YOU, _("Confirm starts it. Choose picks another domain that is ready "
                             "instead. Decline holds the run until you decide."));
}

static void explain_pool_problem(struct walk_ctx *c, bool paired)
{
    const struct pp_model *m = c->m;
    char d1[48];
    walk_title(c, paired ? "failover-ask" : "pool-problem",
               paired ? _("Pool problem: fail over to %s?") : _("Pool problem: stop and get a "
                                                                "human%s"),
               paired ? m->backup_pool : "");
    if (m->readiness == PP_READY_INSUFFICIENT)
        walk_para(c, WALK_WHAT,
                  _("The pool has a problem: InsufficientActiveFrontEnds, fewer Front Ends are "
                    "active (%d of %d) than the pool needs. Taking any server down now could "
                    "stop the pool for everyone; below quorum the remaining Front Ends stop "
                    "their services (events 32163, 32170, 32173)."),
                  m->active_fe, m->total_fe);
    else if (m->busy_strikes > 0)
        walk_para(c, WALK_WHAT,
                  _("The pool has a problem: it answered Busy %d times in a row, %s apart, so it "
                    "is not settling by itself."),
                  m->busy_strikes, walk_duration(c->busy_retry, d1, sizeof d1));
    else
        walk_para(c, WALK_WHAT, _("The pool has a problem: %s."),
                  m->problem[0] ? m->problem : "?");
    walk_para(c, WALK_WHY,
              _("When failover is the right call: the pool has a problem AND it is paired with a "
                "backup pool for disaster recovery. Then Microsoft's procedure is to fail the "
                "pool over, upgrade its servers while the backup pool serves the users, and fail "
                "back at the end. Without a pair: stop and get a human. Do not restart the whole "
                "pool as a first troubleshooting step."));
    if (paired)
        walk_para(c, WALK_YOU,
                  _("Confirm runs the planned failover (Invoke-CsPoolFailOver, no -DisasterMode) "
                    "on %s. Decline leaves the pool as it is and upgrades nothing; a recheck then "
                    "starts a new series of checks."),
                  c->cfg && c->cfg->failover_on[0] ? c->cfg->failover_on : "?");
    else
        walk_para(c, WALK_YOU,
                  _("Find out why (which Front Ends run, the event logs), then a recheck starts a "
                    "new series of checks. Or quit: the journal keeps the run. Override proceed "
                    "on the pool goes past the gate, which is exactly what the procedure warns "
                    "against."));
}

static void explain_server_held(struct walk_ctx *c, int s)
{
    const struct pp_model *m = c->m;
    const struct pp_server *sv = &m->servers[s];
    char nm[PP_NAME_MAX], d1[48];
    walk_short(m, s, nm, sizeof nm);
    c->w->server = s;
    const char *step = pp_step_label(sv->step);
    if (m->ask == PP_ASK_FORCE_DRAIN) {
        walk_title(c, "force-drain", _("%s: the drain overran"), nm);
        walk_para(c, WALK_WHAT,
                  _("The graceful drain of %s ran past drain_timeout (%s): sessions are still "
                    "active on it, a long conference for example."),
                  nm, walk_duration(walk_step_timeout(c, PP_STEP_DRAIN), d1, sizeof d1));
        walk_para(c, WALK_WHY,
                  _("A graceful drain waits for every call and conference on the server to end. "
                    "poolpilot never drops users' sessions on its own, and the next domain does "
                    "not start while this server is unresolved."));
        walk_para(c, WALK_YOU,
                  _("Override force stops the service at once (without -Graceful: the remaining "
                    "sessions are dropped). Retry drains gracefully again and waits longer. Skip "
                    "leaves the server out of this run."));
        return;
    }
    if (sv->state == PP_SRV_LOST && sv->lost_count < 2) {
        /* one drop, and the offered re-run was declined: say that, not "twice" */
        walk_title(c, "lost-declined", _("%s: the outcome of its %s is unknown"), nm, step);
        if (sv->lost_console)
            walk_para(c, WALK_WHAT,
                      _("The console stopped once while %s's %s ran, and the re-run poolpilot "
                        "offered was declined."),
                      nm, step);
        else
            walk_para(c, WALK_WHAT,
                      _("The connection to %s dropped once during its %s, and the re-run "
                        "poolpilot offered was declined."),
                      nm, step);
        walk_para(c, WALK_WHY, _("Nobody knows whether the step finished: poolpilot runs "
                                 "nothing more there until you decide."));
        walk_para(c, WALK_YOU, _("Check the server by hand, then override retry (run the step "
                                 "again), done (you finished it) or skip (leave it out)."));
        return;
    }
    if (sv->state == PP_SRV_LOST) {
        walk_title(c, "lost-twice", _("%s: the outcome of its %s was lost twice"), nm, step);
        if (sv->lost_console)
            walk_para(c, WALK_WHAT,
                      _("The outcome of %s's %s was lost twice, the last time because the "
                        "console stopped while it ran. poolpilot does not try a third time by "
                        "itself."),
                      nm, step);
        else
            walk_para(c, WALK_WHAT,
                      _("The connection to %s dropped twice during its %s. poolpilot does not "
                        "try a third time by itself."),
                      nm, step);
        walk_para(c, WALK_WHY, _("Twice in a row points at the server or the network, not at "
                                 "bad luck: someone should look at it before anything runs "
                                 "there again."));
        walk_para(c, WALK_YOU, _("Check the server by hand, then override retry (run the step "
                                 "again), done (you finished it) or skip (leave it out)."));
        return;
    }
    if (sv->state == PP_SRV_FAILED) {
        bool timeout = sv->last_result == PP_RES_TIMEOUT;
        walk_title(c, "step-failed", _("%s: %s %s"), nm, step,
                   timeout ? _("timed out") : _("failed"));
        walk_para(c, WALK_WHAT, _("%s's %s %s%s%s"), nm, step,
                  timeout ? _("ran out of time") : _("failed"), sv->reason[0] ? _(": ") : _("."),
                  sv->reason);
        if (sv->step == PP_STEP_RESTART && timeout)
            walk_more(c, _("It went down for its restart and has not answered since. Check its "
                           "console (out-of-band access) first."));
        walk_para(c, WALK_WHY,
                  _("A failed step holds its server and the domain with it: poolpilot never "
                    "moves to the next domain while a server of this one is stuck, not "
                    "restarted or cannot start. The output pane shows the command's error."));
        walk_para(c, WALK_YOU,
                  _("Override retry runs the step again once the cause is fixed. Done says you "
                    "finished it by hand. Skip leaves the server out of this run; if its "
                    "services are stopped it still counts as down for quorum. Each needs the "
                    "server's name typed back and a reason, and is journaled."));
        return;
    }
    walk_title(c, "held", _("%s is held by the operator"), nm);
    walk_para(c, WALK_WHAT, _("You declined to start %s; it waits."), nm);
    walk_para(c, WALK_YOU, _("Override retry starts it; skip leaves it out of this run."));
}

static void explain_rerun(struct walk_ctx *c)
{
    const struct pp_model *m = c->m;
    int s = m->ask_server;
    if (s < 0 || s >= m->nservers)
        return;
    const struct pp_server *sv = &m->servers[s];
    char nm[PP_NAME_MAX];
    walk_short(m, s, nm, sizeof nm);
    c->w->server = s;
    const char *step = pp_step_label(sv->step);
    walk_title(c, "rerun", _("Unknown outcome: run %s again on %s?"), step, nm);
    if (sv->lost_console)
        walk_para(c, WALK_WHAT,
                  _("The console stopped (it was killed or crashed) while %s's %s ran: nobody "
                    "knows whether the step finished on the server."),
                  nm, step);
    else
        walk_para(c, WALK_WHAT,
                  _("The connection to %s dropped while its %s ran: nobody knows whether the "
                    "step finished on the server."),
                  nm, step);
    if (sv->probed && sv->probe_answer[0])
        walk_more(c, _("poolpilot ran a read-only probe, which says: %s."), sv->probe_answer);
    walk_para(c, WALK_WHY,
              _("An unknown outcome is never taken as done or as failed. Assuming done could put "
                "a half-upgraded server back into service; assuming failed could repeat work "
                "that was done. The probe shows the server's real state, and you decide. If the "
                "same step is lost again, it needs an override."));
    walk_para(c, WALK_YOU,
              _("Confirm runs the step again (a drain of stopped services, or an update that is "
                "already installed, finishes quickly). Decline holds the server for an "
                "override."));
}

static void explain_operator(struct walk_ctx *c)
{
    const struct pp_model *m = c->m;
    if (m->ask_server >= 0 && m->ask_server < m->nservers) {
        explain_server_held(c, m->ask_server);
        return;
    }
    if (m->ask_domain >= 0 && m->ask_domain < m->ndomains) {
        walk_title(c, "declined", _("Start of %s declined"), m->domains[m->ask_domain].name);
        walk_para(c, WALK_WHAT, _("The run waits: nothing starts until you choose a domain, "
                                  "recheck or quit."));
        return;
    }
    if (m->pool_unsure >= 0) {
        /* a failover / failback that did not end ok: its state was read */
        bool fo = m->pool_unsure == PP_CMD_FAILOVER;
        walk_title(c, "pool-unsure",
                   fo ? _("Is %s failed over? Its state was read") : _("Is %s failed back? Its state was read"),
                   m->fqdn);
        walk_para(c, WALK_WHAT, "%s", m->ask_text);
        walk_para(c, WALK_WHY,
                  _("A failover or failback that failed, or that was running when the console "
                    "or the connection went away, may have done all, part or none of its work. "
                    "Running it again blind could move users twice; poolpilot read the pool's "
                    "state (read-only) and shows it, but a reading it does not clearly "
                    "understand is Unknown. --yes decides none of this."));
        walk_para(c, WALK_YOU,
                  _("Compare the reading with what you see (Topology Builder, the registrar's "
                    "pool state, the backup pool's users), then override done, skip or retry on "
                    "the pool with your reason; recheck reads it again."));
        return;
    }
    if (m->phase == PP_PH_PROBLEM && !m->failed_over) {
        explain_pool_problem(c, false);
        return;
    }
    if (m->phase == PP_PH_FAILBACK_ASK) {
        walk_title(c, "failback-held", _("The pool stays failed over to %s"), m->backup_pool);
        walk_para(c, WALK_WHAT, "%s", m->ask_text);
        return;
    }
    if (m->readiness == PP_READY_UNKNOWN && m->last_check >= 0) {
        walk_title(c, "unknown", _("The readiness check cannot be read"));
        walk_para(c, WALK_WHAT, "%s", m->ask_text);
        walk_para(c, WALK_WHY, _("Unknown is never Ready. Usually the cause is the connection "
                                 "or the account (key logons carry no network credentials on "
                                 "Windows), not the pool."));
        return;
    }
    walk_title(c, "operator", _("poolpilot waits for you"));
    walk_para(c, WALK_WHAT, "%s", m->ask_text);
}

void walk_explain_ask(struct walk_ctx *c)
{
    const struct pp_model *m = c->m;
    char d1[48];
    switch (m->ask) {
    case PP_ASK_START_DOMAIN:
        explain_start_domain(c);
        break;
    case PP_ASK_START_SERVER:
    case PP_ASK_START_STEP: {
        char nm[PP_NAME_MAX];
        walk_short(m, m->ask_server, nm, sizeof nm);
        c->w->server = m->ask_server;
        if (m->ask == PP_ASK_START_SERVER)
            walk_title(c, "start-server", _("Start %s?"), nm);
        else
            walk_title(c, "start-step", _("Run %s on %s?"), pp_step_label(m->ask_step), nm);
        walk_para(c, WALK_WHAT, "%s", m->ask_text);
        walk_para(c, WALK_WHY,
                  m->ask == PP_ASK_START_SERVER
                      ? _("The config says confirm = server: every server waits for your go "
                          "before its drain, so you can watch each one come back first.")
                      : _("The config says confirm = step: every step waits for your go. Slow, "
                          "and the closest watch there is."));
        break;
    }
    case PP_ASK_FAILOVER:
        explain_pool_problem(c, true);
        break;
    case PP_ASK_FAILBACK:
        walk_title(c, "failback-ask", _("Fail back from %s?"), m->backup_pool);
        walk_para(c, WALK_WHAT, _("Every domain is done while the pool was failed over to %s."),
                  m->backup_pool);
        walk_para(c, WALK_WHY,
                  _("The failback (Invoke-CsPoolFailBack) moves the users home to the upgraded "
                    "pool. It can take up to 60 minutes for 20,000 users; poolpilot waits up to "
                    "%s."),
                  walk_duration(c->cfg ? c->cfg->timing.failover_timeout : 3600000, d1, sizeof d1));
        walk_para(c, WALK_YOU, _("Confirm fails back. Decline leaves the pool failed over; "
                                 "override proceed on the pool then ends the run without it."));
        break;
    case PP_ASK_BACKEND:
        walk_title(c, "backend-ask", "%s", _("Update the Back End?"));
        walk_para(c, WALK_WHAT, "%s",
                  _("Every domain is done: every Front End runs the update. Microsoft's "
                    "procedure ends with the Back End's databases (Install-CsDatabase -Update "
                    "-ConfiguredDatabases), run once, on a Front End."));
        walk_para(c, WALK_YOU, "%s",
                  _("Confirm runs it. Decline leaves it to an override on the pool: retry runs "
                    "it, done says you did it, skip ends the run with the Back End open."));
        break;
    case PP_ASK_RERUN:
        explain_rerun(c);
        break;
    case PP_ASK_FORCE_DRAIN:
    case PP_ASK_OPERATOR:
    default:
        explain_operator(c);
        break;
    }
}
