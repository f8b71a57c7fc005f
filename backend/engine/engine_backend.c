/* The Back End's databases: the last step of a Lync Server 2013 / Skype for
 * Business Server pool's update (issue 11 item 13).  Microsoft's procedure
 * ends, after every Front End, with Install-CsDatabase -Update
 * -ConfiguredDatabases -SqlServerFqdn <Back End> ("Install an update on a
 * Back End Server"; docs/POWERSHELL.md).
 *
 * Only with [pool] backend set: once every domain is done (and, failed
 * over, once a fresh Ready has been read, before the failback is
 * proposed), the operator is asked; a confirmation (--yes included: it is
 * a documented step, asked once) runs the `backend` command on a Front End
 * of the pool that is up.  Its start and end are `backend` records.
 *
 * Why before the failback: failed over, the pool's users are served by the
 * backup pool, so the databases change while nobody depends on them, and
 * the users come back to Front Ends and a Back End at the same level.
 * Microsoft's pages do not say which comes first: poolpilot's choice
 * (docs/POWERSHELL.md).
 *
 * One that failed, timed out or whose outcome is unknown (the connection
 * dropped, the console was killed) is never run again blind, as a failover
 * is not: the operator says what is true with an override on the pool
 * (retry runs it again, done = the databases are updated, skip = leave it:
 * the run completes with the Back End open).  --yes answers none of those.
 * Without [pool] backend, gate_complete() ends the run with the Back End as
 * an open item (a `backend` record, state "open"). */
#include "backend/engine/engine_internal.h"

#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"

bool backend_configured(const struct pp_engine *e)
{
    const char *t = e->cfg->commands[PP_CMD_BACKEND];
    return e->cfg->backend[0] && t && t[0];
}

bool backend_pending(const struct pp_engine *e)
{
    return backend_configured(e) && e->backend != BE_OK && e->backend != BE_OPEN;
}

bool backend_awaits_override(const struct pp_engine *e)
{
    return backend_configured(e) && e->m->phase == PP_PH_BACKEND &&
           (e->backend == BE_UNSURE || e->backend == BE_DECLINED ||
            (e->backend == BE_NOT_RUN && e->m->ask == PP_ASK_OPERATOR));
}

static void item(struct pp_engine *e, const char *what)
{
    eng_copy(e->m->backend_item, sizeof e->m->backend_item, what);
}

static void ask_unsure(struct pp_engine *e)
{
    item(e, "failed");
    char how[PP_REASON_MAX];
    eng_how_it_ended(e->backend_res, e->backend_console, e->backend_detail, how, sizeof how);
    utf8_trim_tail(how);
    eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
            _("The Back End update (%s): %s. It is not run again blind. Override on %s: retry = "
              "run it again; done = the databases are updated (you checked); skip = leave it, "
              "the run completes with the Back End open. --yes answers none."),
            e->cfg->backend, how, e->m->fqdn);
}

static void ask_no_server(struct pp_engine *e)
{
    eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
            _("No Front End of %s is up to run the Back End update on. Override on %s: retry = "
              "try again; done = you updated the databases; skip = the run completes with the "
              "Back End open."),
            e->m->fqdn, e->m->fqdn);
}

void backend_offer(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (e->quit || e->stopped || e->backend == BE_RUNNING)
        return;
    m->phase = PP_PH_BACKEND;
    m->next_check = PP_MS_NEVER;
    if (e->backend == BE_UNSURE || (e->backend_tried && e->backend != BE_DECLINED)) {
        if (e->backend != BE_UNSURE) {   /* ran in this journal, its end not known ok */
            e->backend = BE_UNSURE;
            e->backend_res = PP_RES_LOST;
        }
        ask_unsure(e);
        return;
    }
    if (e->backend == BE_DECLINED) {
        backend_declined(e);
        return;
    }
    int s = gate_pick_server(e);
    if (s < 0) {
        ask_no_server(e);
        return;
    }
    e->backend_server = s;
    item(e, "asked");
    eng_ask(e, PP_ASK_BACKEND, -1, -1, PP_STEP_NONE,
            _("All %d domains are done. Update the Back End databases of %s: run "
              "Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn %s on %s?"),
            m->ndomains, m->fqdn, e->cfg->backend, m->servers[s].name);
}

void backend_start(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (e->backend == BE_RUNNING)
        return;
    if (e->backend_tried && !e->backend_rerun_ok) {
        /* the gate: a confirmation never runs it twice */
        struct pp_jrec *r = eng_journal(e, PP_JEV_REFUSED);
        eng_copy(r->action, sizeof r->action, "backend");
        eng_copy(r->state, sizeof r->state, "pool");
        eng_copy(r->reason, sizeof r->reason,
                 "it already ran in this journal without a known good end: only an operator's "
                 "override retry runs it again");
        backend_offer(e);
        return;
    }
    int s = e->backend_server;
    if (s < 0 || s >= m->nservers || !model_server_up(&m->servers[s]) || e->srv[s].running)
        s = gate_pick_server(e);
    if (s < 0) {
        m->phase = PP_PH_BACKEND;
        ask_no_server(e);
        return;
    }
    struct pp_jrec *j = eng_journal(e, PP_JEV_BACKEND);
    eng_copy(j->server, sizeof j->server, m->servers[s].name);
    snprintf(j->detail, sizeof j->detail, "updating the Back End databases on %s (run on %s)",
             e->cfg->backend, m->servers[s].name);
    m->phase = PP_PH_BACKEND;
    e->backend = BE_RUNNING;
    item(e, "running");
    e->backend_tried = true;
    e->backend_rerun_ok = false;
    e->backend_server = s;
    eng_run(e, PP_CMD_BACKEND, s, -1, e->cfg->timing.step_timeout[PP_STEP_UPGRADE]);
}

void backend_declined(struct pp_engine *e)
{
    e->backend = BE_DECLINED;
    item(e, "declined");
    e->m->phase = PP_PH_BACKEND;
    eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
            _("Back End update declined. Override on %s: retry = run it; done = you updated the "
              "databases yourself; skip = the run completes with the Back End open."),
            e->m->fqdn);
}

void backend_on_done(struct pp_engine *e, enum pp_result res, const char *detail)
{
    struct pp_model *m = e->m;
    struct pp_jrec *j = eng_journal(e, PP_JEV_BACKEND);
    int s = e->backend_server;
    if (s >= 0 && s < m->nservers)
        eng_copy(j->server, sizeof j->server, m->servers[s].name);
    eng_copy(j->result, sizeof j->result, pp_result_name(res));
    eng_copy(j->detail, sizeof j->detail, detail);
    if (res == PP_RES_OK) {
        e->backend = BE_OK;
        item(e, "ok");
        if (!e->stopped && !e->quit) {
            eng_note(e, _("the Back End databases on %s are updated"), e->cfg->backend);
            gate_all_done(e);
        }
        return;
    }
    e->backend = BE_UNSURE;
    item(e, "failed");
    e->backend_res = res;
    e->backend_console = false;
    eng_copy(e->backend_detail, sizeof e->backend_detail, detail);
    if (!e->stopped && !e->quit)
        ask_unsure(e);
}

bool backend_override_valid(const struct pp_engine *e, enum pp_override ov, char *why, size_t n)
{
    if (ov == PP_OV_RETRY || ov == PP_OV_DONE || ov == PP_OV_SKIP)
        return true;
    snprintf(why, n, "%s", _("the Back End update waits: retry, done or skip on the pool"));
    (void)e;
    return false;
}

void backend_override(struct pp_engine *e, enum pp_override ov, const char *who, const char *reason)
{
    eng_clear_ask(e);
    if (ov == PP_OV_RETRY) {
        e->backend = BE_NOT_RUN;
        e->backend_rerun_ok = true;
        backend_start(e);
        return;
    }
    struct pp_jrec *j = eng_journal(e, PP_JEV_BACKEND);
    eng_copy(j->operator_, sizeof j->operator_, who);
    if (ov == PP_OV_DONE) {
        eng_copy(j->state, sizeof j->state, "done");
        eng_copy(j->reason, sizeof j->reason, reason);
        e->backend = BE_OK;
        item(e, "done");
    } else {
        eng_copy(j->state, sizeof j->state, "open");
        eng_copy(j->reason, sizeof j->reason, PP_BACKEND_OPEN);
        e->backend = BE_OPEN;
        item(e, "open");
    }
    gate_all_done(e);
}

/* A `backend` record read back: state "open" / "done", a start (no result)
 * or an end. */
void backend_restore(struct pp_engine *e, const struct pp_jrec *r)
{
    if (!strcmp(r->state, "open")) {
        e->backend = BE_OPEN;
        item(e, "open");
    } else if (!strcmp(r->state, "done")) {
        e->backend = BE_OK;
        item(e, "done");
    } else if (!r->result[0]) {
        e->backend_inflight = true;
        e->backend_tried = true;
        e->backend_server = model_find_server(e->m, r->server);
        item(e, "running");
    } else {
        e->backend_inflight = false;
        if (!strcmp(r->result, "ok")) {
            e->backend = BE_OK;
            item(e, "ok");
        } else {
            item(e, "failed");
            int res = PP_RES_FAILED;
            for (int k = PP_RES_OK; k <= PP_RES_CANCELLED; k++)
                if (!strcmp(r->result, pp_result_name((enum pp_result)k)))
                    res = k;
            e->backend = BE_UNSURE;
            e->backend_res = (enum pp_result)res;
            e->backend_console = !strcmp(r->detail, "the console stopped while it ran");
            eng_copy(e->backend_detail, sizeof e->backend_detail, r->detail);
        }
    }
}

/* Started again: one that was running when the console stopped is lost,
 * and said so in the journal before anything else happens. */
void backend_resume(struct pp_engine *e)
{
    if (!e->backend_inflight)
        return;
    e->backend_inflight = false;
    struct pp_jrec *l = eng_journal(e, PP_JEV_BACKEND);
    int s = e->backend_server;
    if (s >= 0 && s < e->m->nservers)
        eng_copy(l->server, sizeof l->server, e->m->servers[s].name);
    eng_copy(l->result, sizeof l->result, "lost");
    eng_copy(l->detail, sizeof l->detail, "the console stopped while it ran");
    e->backend = BE_UNSURE;
    item(e, "failed");
    e->backend_res = PP_RES_LOST;
    e->backend_console = true;
    eng_copy(e->backend_detail, sizeof e->backend_detail, l->detail);
}
