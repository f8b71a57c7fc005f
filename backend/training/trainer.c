/* Trainer fault injection: choose the server and command a fault hits
 * (from the live model), journal it, hand it to the simulator. */
#include "backend/training/trainer.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "backend/core/i18n.h"

static const char *const names[PP_INJ_COUNT] = {"busy", "not-ready", "drop",
                                                "hang", "fail", "never-returns"};

const char *trainer_inject_name(enum pp_inject k)
{
    return k >= 0 && k < PP_INJ_COUNT ? names[k] : "";
}

int trainer_inject_parse(const char *s)
{
    for (int i = 0; s && i < PP_INJ_COUNT; i++)
        if (!strcasecmp(s, names[i]))
            return i;
    return -1;
}

const char *trainer_inject_help(enum pp_inject k)
{
    switch (k) {
    case PP_INJ_BUSY: return _("the next readiness check answers Busy");
    case PP_INJ_NOT_READY: return _("the server's domain is not ready for upgrade at the next check");
    case PP_INJ_DROP: return _("the connection to the server drops mid-step (outcome unknown)");
    case PP_INJ_HANG: return _("the server's step hangs until its timeout (a drain that never ends)");
    case PP_INJ_FAIL: return _("the server's step fails (a verify that fails)");
    case PP_INJ_NEVER_RETURNS: return _("the server never comes back from its restart");
    default: return "";
    }
}

bool trainer_inject_needs_server(enum pp_inject k) { return k != PP_INJ_BUSY; }

/* The command a step runs on this server, as the engine would pick it. */
static enum pp_cmd_kind step_cmd(const struct pp_model *m, const struct pp_server *s,
                                 enum pp_step st)
{
    switch (st) {
    case PP_STEP_DRAIN:
        return (m->mode == PP_MODE_DOWNTIME || s->forced_drain) ? PP_CMD_DRAIN_NOW
                                                                : PP_CMD_DRAIN;
    case PP_STEP_UPGRADE: return PP_CMD_UPGRADE;
    case PP_STEP_RESTART: return PP_CMD_RESTART;
    default: return PP_CMD_VERIFY;
    }
}

static bool open_domain(const struct pp_domain *d)
{
    return d->state != PP_DOM_DONE && d->state != PP_DOM_DONE_EXCEPTIONS;
}

/* A running server first; else the first unsettled server of the active
 * domain, else of the first open domain (where the next steps will run). */
static int default_server(const struct pp_model *m)
{
    for (int i = 0; i < m->nservers; i++)
        if (m->servers[i].state == PP_SRV_RUNNING)
            return i;
    int order[2] = {m->active_domain, -1};
    for (int d = 0; d < m->ndomains && order[1] < 0; d++)
        if (d != m->active_domain && open_domain(&m->domains[d]))
            order[1] = d;
    for (int k = 0; k < 2; k++) {
        int d = order[k];
        if (d < 0 || d >= m->ndomains)
            continue;
        for (int i = 0; i < m->domains[d].nmembers; i++) {
            int s = m->domains[d].members[i];
            if (!model_server_settled(&m->servers[s]))
                return s;
        }
    }
    return -1;
}

int trainer_plan(const struct pp_model *m, enum pp_inject k, const char *server,
                 const char *step, struct pp_inject_plan *p, char *why, size_t whyn)
{
    memset(p, 0, sizeof *p);
    p->kind = k;
    p->server = -1;
    p->step = PP_STEP_NONE;
    p->cmd = PP_CMD_READINESS;
    if (k < 0 || k >= PP_INJ_COUNT) {
        snprintf(why, whyn, _("unknown fault (busy, not-ready, drop, hang, fail, never-returns)"));
        return -1;
    }
    if (k == PP_INJ_BUSY) {
        if ((server && *server) || (step && *step)) {
            snprintf(why, whyn, _("busy is pool-wide: it takes no server or step"));
            return -1;
        }
        snprintf(p->text, sizeof p->text, "the next readiness check answers Busy");
        return 0;
    }
    int s = server && *server ? model_find_server(m, server) : default_server(m);
    if (s < 0) {
        if (server && *server)
            snprintf(why, whyn, _("%s is not a server of this pool"), server);
        else
            snprintf(why, whyn, _("no server is left to inject a fault into"));
        return -1;
    }
    const struct pp_server *sv = &m->servers[s];
    p->server = s;
    int st = -1;
    if (step && *step && (st = pp_step_parse(step)) < 0) {
        snprintf(why, whyn, _("%s is not a step (drain, upgrade, restart, verify)"), step);
        return -1;
    }
    bool running = sv->state == PP_SRV_RUNNING;
    switch (k) {
    case PP_INJ_NOT_READY:
        if (st >= 0) {
            snprintf(why, whyn, _("not-ready takes no step"));
            return -1;
        }
        snprintf(p->text, sizeof p->text, "the next readiness check reports %s's domain not ready",
                 sv->name);
        return 0;
    case PP_INJ_NEVER_RETURNS:
        if (st >= 0 && st != PP_STEP_RESTART) {
            snprintf(why, whyn, _("never-returns happens at the restart step"));
            return -1;
        }
        p->step = PP_STEP_RESTART;
        p->cmd = PP_CMD_RESTART;
        p->now = running && sv->step == PP_STEP_RESTART;
        snprintf(p->text, sizeof p->text, "%s never comes back from its %s restart", sv->name,
                 p->now ? "current" : "next");
        return 0;
    default:
        break;
    }
    if (st < 0) {
        if (running)
            st = sv->step;
        else if (k == PP_INJ_HANG)
            st = PP_STEP_DRAIN;
        else if (k == PP_INJ_FAIL)
            st = PP_STEP_VERIFY;
        else
            st = sv->step >= 0 && !model_server_settled(sv) ? sv->step : PP_STEP_DRAIN;
    }
    p->step = (enum pp_step)st;
    p->cmd = step_cmd(m, sv, p->step);
    p->now = running && sv->step == p->step;
    const char *stn = pp_step_name(p->step);
    if (k == PP_INJ_DROP)
        snprintf(p->text, sizeof p->text, "the connection to %s drops during its %s", sv->name,
                 stn);
    else if (k == PP_INJ_HANG)
        snprintf(p->text, sizeof p->text, "%s's %s hangs until its timeout", sv->name, stn);
    else
        snprintf(p->text, sizeof p->text, "%s's %s fails", sv->name, stn);
    size_t l = strlen(p->text);
    snprintf(p->text + l, sizeof p->text - l, p->now ? " (now)" : " (the next time it runs)");
    return 0;
}

static int fault_of(enum pp_inject k)
{
    switch (k) {
    case PP_INJ_BUSY: return PP_FAULT_BUSY;
    case PP_INJ_NOT_READY: return PP_FAULT_NOT_READY;
    case PP_INJ_DROP: return PP_FAULT_DROP;
    case PP_INJ_HANG: return PP_FAULT_HANG;
    case PP_INJ_FAIL: return PP_FAULT_FAIL;
    default: return PP_FAULT_NEVER_RETURNS;
    }
}

int trainer_inject(struct pp_runner *r, const struct pp_inject_plan *p, char *why, size_t whyn)
{
    const struct pp_runner_opts *o = runner_opts(r);
    if (!o || !o->training) {
        snprintf(why, whyn, _("faults can only be injected in training"));
        return -1;
    }
    const struct pp_model *m = runner_model(r);
    struct pp_jrec rec;
    memset(&rec, 0, sizeof rec);
    snprintf(rec.action, sizeof rec.action, "inject");
    snprintf(rec.state, sizeof rec.state, "%s", trainer_inject_name(p->kind));
    if (p->server >= 0 && p->server < m->nservers) {
        const struct pp_server *sv = &m->servers[p->server];
        snprintf(rec.server, sizeof rec.server, "%s", sv->name);
        if (sv->domain >= 0)
            snprintf(rec.domain, sizeof rec.domain, "%s", m->domains[sv->domain].name);
    }
    if (p->step != PP_STEP_NONE)
        snprintf(rec.step, sizeof rec.step, "%s", pp_step_name(p->step));
    snprintf(rec.reason, sizeof rec.reason, "trainer injected a fault");
    snprintf(rec.detail, sizeof rec.detail, "%s", p->text);
    if (runner_note(r, &rec) < 0) {
        snprintf(why, whyn, _("the journal could not record the fault: nothing injected"));
        return -1;
    }
    const char *name = p->server >= 0 && p->server < m->nservers ? m->servers[p->server].name
                                                                  : NULL;
    if (sim_inject(runner_transport(r), p->cmd, name, fault_of(p->kind)) < 0) {
        /* the record above says it was injected: say that it was not */
        snprintf(rec.result, sizeof rec.result, "failed");
        rec.ts[0] = 0;
        rec.seq = 0;
        snprintf(rec.reason, sizeof rec.reason, "the simulated pool refused the fault");
        runner_note(r, &rec);
        snprintf(why, whyn, _("the simulated pool refused the fault (%s)"), p->text);
        return -1;
    }
    return 0;
}
