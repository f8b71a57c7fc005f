/* Between two domains: the settle wait (Microsoft's 20 minutes for the
 * pool's routing groups to settle), the fabric checks before and after it,
 * and the timer that ends it.  Failed over, the wait and the fabric checks
 * still hold (issue 11 item 6). */
#include "backend/engine/engine_internal.h"


#include "backend/core/i18n.h"

static pp_ms settle_check_interval(const struct pp_engine *e)
{
    pp_ms r = e->cfg->timing.settle / 4;
    return r < 1000 ? 1000 : r;
}

/* Failed over to the backup pool: users are served there, but the pool's
 * own routing groups still need their primaries and secondaries back
 * before the next domain goes down (issue 11 item 6).  So the settle wait
 * and both fabric checks hold as they do in service; only the readiness
 * answer does not gate the next domain (the pool serves nobody), and it
 * is asked for again before the failback. */
bool settle_serving_backup(const struct pp_model *m)
{
    return m->failed_over && !m->failed_back;
}

static void settle_done(struct pp_engine *e)
{
    struct pp_jrec *r = eng_journal(e, PP_JEV_WAIT);
    eng_copy(r->result, sizeof r->result, "ok");
    eng_copy(r->reason, sizeof r->reason, "settle wait complete");
    e->m->settle_until = PP_MS_NEVER;
    e->fabric_failed = 0;
    e->settle_pending = false;
    if (settle_serving_backup(e->m)) {
        e->m->phase = PP_PH_CHOOSE;
        gate_offer_domain(e);
        return;
    }
    e->m->phase = PP_PH_CHECKING;
    gate_begin_check(e);
}

static void run_fabric(struct pp_engine *e, bool after)
{
    int s = gate_pick_server(e);
    if (s < 0) {
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE, "%s",
                _("No Front End is up to read the pool's fabric state on."));
        return;
    }
    e->fabric_running = true;
    e->fabric_after = after;
    e->fabric_failed = 0;
    eng_run(e, PP_CMD_FABRIC, s, -1, e->cfg->timing.probe_timeout);
}

void settle_on_ready(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (e->settle_final) {
        gate_all_done(e);
        return;
    }
    if (m->settle_until == PP_MS_NEVER) {
        m->settle_until = e->now + e->cfg->timing.settle;
        eng_wait_record(e, "Ready: settle %llds before the next domain",
                    (long long)(e->cfg->timing.settle / 1000));
        if (eng_has_template(e, PP_CMD_FABRIC) && !e->fabric_before_done)
            run_fabric(e, false);
    }
    pp_ms next = e->now + settle_check_interval(e);
    m->next_check = next < m->settle_until ? next : PP_MS_NEVER;
}

/* The settle wait of a failed-over pool: the timer and the fabric check
 * before it start at once, with no readiness answer to wait for. */
void settle_start_failed_over(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    m->settle_until = e->now + e->cfg->timing.settle;
    m->next_check = PP_MS_NEVER;
    eng_wait_record(e, "failed over: settle %llds before the next domain",
                (long long)(e->cfg->timing.settle / 1000));
    if (eng_has_template(e, PP_CMD_FABRIC) && !e->fabric_before_done)
        run_fabric(e, false);
}

void gate_on_fabric(struct pp_engine *e, enum pp_result res, const char *detail)
{
    struct pp_jrec *j = eng_journal(e, PP_JEV_FABRIC);
    eng_copy(j->result, sizeof j->result, pp_result_name(res));
    eng_copy(j->state, sizeof j->state, e->fabric_after ? "after" : "before");
    eng_copy(j->detail, sizeof j->detail, detail);
    if (e->quit || e->stopped)
        return;
    if (res != PP_RES_OK) {
        e->m->settle_until = PP_MS_NEVER;
        e->fabric_failed = e->fabric_after ? 2 : 1;
        const char *what = detail && *detail ? detail : pp_result_name(res);
        if (e->fabric_after)
            eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                    _("Fabric state after the settle wait: %s. The next domain is held while a "
                      "routing group lacks a primary or a secondary. A recheck re-runs the checks; "
                      "override proceed on the pool accepts this fabric check only (the "
                      "readiness gate still holds)."),
                    what);
        else
            eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                    _("Fabric state before the settle wait: %s. The next domain is held while a "
                      "routing group lacks a primary or a secondary. A recheck re-runs the checks; "
                      "override proceed on the pool accepts this fabric check only (the settle "
                      "wait and the check after it still hold)."),
                    what);
        return;
    }
    if (!e->fabric_after)
        e->fabric_before_done = true;
    else
        settle_done(e);
}

/* override proceed on the pool, the fabric check that failed accepted
 * (journaled "accept-fabric"): that check passes, nothing else does.  The
 * one before the wait: the wait starts over (with a fresh readiness answer
 * unless failed over), without reading the fabric again before it; the
 * one after: the wait has run, and the readiness gate comes next. */
void gate_accept_fabric(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    int which = e->fabric_failed;
    e->fabric_failed = 0;
    if (which == 2) {
        settle_done(e);
        return;
    }
    e->fabric_before_done = true;
    m->settle_until = PP_MS_NEVER;
    if (settle_serving_backup(m))
        settle_start_failed_over(e);
    else
        gate_begin_check(e);
}

/* override proceed on the pool during a settle wait, the pool in service
 * and nothing else holding it (journaled "skip-settle"): the wait itself
 * ends now, and that is all.  The fabric check after it still runs, and
 * the readiness gate still decides the next domain (issue 11 item 5: an
 * override passes one rule).  The last domain's settle is its readiness
 * answer, not a wait: there the override passes the gate as before. */
bool gate_skip_settle_applies(const struct pp_engine *e)
{
    const struct pp_model *m = e->m;
    return m->phase == PP_PH_SETTLE && e->settle_pending && !e->settle_final &&
           !e->fabric_failed && !e->failback_held && !m->problem[0] && !m->failed_over &&
           m->active_domain < 0;
}

void gate_skip_settle(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    m->settle_until = PP_MS_NEVER;
    m->next_check = PP_MS_NEVER;
    if (eng_has_template(e, PP_CMD_FABRIC))
        run_fabric(e, true);
    else
        settle_done(e);
}

void gate_settle(struct pp_engine *e, bool final)
{
    struct pp_model *m = e->m;
    m->phase = PP_PH_SETTLE;
    e->settle_final = final;
    m->settle_until = PP_MS_NEVER;
    e->fabric_before_done = false;
    e->fabric_failed = 0;
    e->failback_checked = false;
    e->failback_held = false;
    if (settle_serving_backup(m) && !final) {
        settle_start_failed_over(e);
        return;
    }
    gate_begin_check(e);
}

void gate_on_timer(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (e->quit || e->stopped)
        return;
    if (m->phase == PP_PH_SETTLE && m->settle_until <= e->now &&
        (m->readiness == PP_READY_READY || settle_serving_backup(m)) && !e->settle_final &&
        !e->check_running && !e->fabric_running) {
        m->settle_until = PP_MS_NEVER;
        if (eng_has_template(e, PP_CMD_FABRIC))
            run_fabric(e, true);
        else
            settle_done(e);
        return;
    }
    if (m->next_check <= e->now && !e->check_running)
        gate_begin_check(e);
}
