/* Pool-level commands: the disaster-recovery failover and failback (run on
 * a Front End of the backup pool), and what happens when one of them does
 * not end ok.
 *
 * A failover whose outcome is unknown (the console was killed, or the
 * connection dropped) or that failed may have left the pool failed over,
 * half so, or untouched.  Running it again blind is the one thing not to
 * do: so its state is first READ (the pool_state command: the backup
 * relationship and the registrar pool's PoolState), the reading is
 * journaled as a `probe` record of the pool and shown, and the operator
 * says what is true.  Only an override (target typed back, a reason)
 * runs the command again; --yes never does, and a failover or failback
 * that already ran in this journal is never re-offered as a question
 * --yes could confirm.  Where the reading is not clearly understood, it is
 * Unknown: the operator is asked, nothing is guessed. */
#include "backend/engine/engine_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "backend/core/i18n.h"

/* The value after "PoolState=" in the probe's last line, up to a space or
 * ';' (the template prints `PoolState=<value>` last).  FailedOver: failed
 * over; Active / FailedBack: not; FailingOver, anything else, nothing:
 * Unknown.  The values are Set-CsRegistrarConfiguration's documented
 * -PoolState values (docs/POWERSHELL.md). */
enum pool_truth pool_reading(const char *line)
{
    static const char key[] = "PoolState=";
    const char *p = NULL;
    for (const char *q = line; q && *q; q++)
        if (strncasecmp(q, key, sizeof key - 1) == 0)
            p = q + sizeof key - 1;   /* the last one counts */
    if (!p)
        return POOL_TRUTH_UNKNOWN;
    size_t n = strcspn(p, " ;,\t");
    if (n == 10 && strncasecmp(p, "FailedOver", n) == 0)
        return POOL_TRUTH_OVER;
    if ((n == 6 && strncasecmp(p, "Active", n) == 0) ||
        (n == 10 && strncasecmp(p, "FailedBack", n) == 0))
        return POOL_TRUTH_NOT;
    return POOL_TRUTH_UNKNOWN;
}

/* The one gate a failover / failback start passes (beside safety_allow for
 * servers): nothing runs while one runs or its state is being read; one
 * whose outcome is not known ok runs again only after an operator's
 * override retry (rerun_ok, set by that override alone); and a command
 * that already ran in this journal likewise. */
static bool pool_cmd_allowed(struct pp_engine *e, enum pp_cmd_kind kind)
{
    const char *why = NULL;
    if (e->pool_cmd_running || e->pool_probe_running)
        why = "a pool-level command or the read of the pool's state runs";
    else if ((e->pool_unsure != PP_CMD_COUNT || e->pool_tried[kind == PP_CMD_FAILBACK]) &&
             !e->pool_rerun_ok)
        why = "it already ran in this journal without a known good end: only an operator's "
              "override retry runs it again";
    if (!why)
        return true;
    struct pp_jrec *r = eng_journal(e, PP_JEV_REFUSED);
    eng_copy(r->action, sizeof r->action, pp_cmd_kind_name(kind));
    eng_copy(r->state, sizeof r->state, "pool");
    eng_copy(r->reason, sizeof r->reason, why);
    if (e->m->ask == PP_ASK_NONE && !e->pool_probe_running)
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                _("Refused by the safety gate: %s. Nothing was started."), why);
    else
        eng_note(e, _("refused by the safety gate: %s"), why);
    return false;
}

static void start_pool_cmd(struct pp_engine *e, enum pp_cmd_kind kind)
{
    bool fo = kind == PP_CMD_FAILOVER;
    if (!pool_cmd_allowed(e, kind))
        return;
    struct pp_jrec *j = eng_journal(e, fo ? PP_JEV_FAILOVER : PP_JEV_FAILBACK);
    if (fo)
        snprintf(j->detail, sizeof j->detail, "failing %s over to %s (run on %s)", e->m->fqdn,
                 e->cfg->backup_pool, e->cfg->failover_on);
    else
        snprintf(j->detail, sizeof j->detail, "failing %s back from %s (run on %s)", e->m->fqdn,
                 e->cfg->backup_pool, e->cfg->failover_on);
    e->m->phase = fo ? PP_PH_FAILOVER : PP_PH_FAILBACK;
    /* from here on, what the pool answered before is history (stale) */
    model_pool_moved(e->m, !fo);
    e->pool_cmd_running = true;
    e->pool_rerun_ok = false;
    e->pool_unsure = PP_CMD_COUNT;
    e->m->pool_unsure = -1;
    e->pool_tried[!fo] = true;
    eng_run(e, kind, -1, -1, e->cfg->timing.failover_timeout);
}

void gate_start_failover(struct pp_engine *e) { start_pool_cmd(e, PP_CMD_FAILOVER); }

void gate_start_failback(struct pp_engine *e) { start_pool_cmd(e, PP_CMD_FAILBACK); }

/* How a pool-level command (failover, failback, the Back End's update)
 * that did not end ok ended, in the operator's words: lost to the console
 * or to the connection, or its result and detail. */
void eng_how_it_ended(enum pp_result res, bool console, const char *detail, char *how, size_t n)
{
    char said[PP_REASON_MAX + 64];
    journal_say(detail, said, sizeof said);
    if (res == PP_RES_LOST && console)
        snprintf(how, n, "%s", _("the console stopped while it ran: its outcome is unknown"));
    else if (res == PP_RES_LOST)
        snprintf(how, n, "%s", _("the connection dropped while it ran: its outcome is unknown"));
    else
        snprintf(how, n, _("it ended %s: %s"), pp_result_label(res),
                 said[0] ? said : _("no detail"));
}

/* The question after the probe: what is true?  Never confirmable: each
 * answer is an override (or a recheck, or quit). */
static void pool_ask(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    bool fo = e->pool_unsure == PP_CMD_FAILOVER;
    char how[PP_REASON_MAX];
    eng_how_it_ended(e->pool_unsure_res, e->pool_unsure_console, e->pool_unsure_detail, how,
                     sizeof how);
    const char *reading = e->pool_truth == POOL_TRUTH_OVER  ? _("it reads as failed over")
                          : e->pool_truth == POOL_TRUTH_NOT ? _("it reads as not failed over")
                                                            : _("it cannot tell (Unknown)");
    /* the evidence is cut to leave room for the choices: ask_text holds
     * PP_REASON_MAX bytes, and a translation takes more than the English */
    char evidence[100];
    eng_copy(evidence, sizeof evidence, e->pool_probe_answer[0] ? e->pool_probe_answer : _("no answer"));
    utf8_trim_tail(evidence);
    if (fo)
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                _("Failover of %s: %s. Read on %s: \"%s\" (%s). What is true? Override on the "
                  "pool: done = it is failed over; retry = it is not, run it again; skip = it "
                  "is not, leave it. Recheck reads again; --yes answers none."),
                m->fqdn, how, e->cfg->failover_on, evidence, reading);
    else
        eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                _("Failback of %s: %s. Read on %s: \"%s\" (%s). What is true? Override on the "
                  "pool: done = it is failed back; retry = it is not, run it again; skip = it "
                  "is not, it stays failed over. Recheck reads again; --yes answers none."),
                m->fqdn, how, e->cfg->failover_on, evidence, reading);
}

void pool_probe(struct pp_engine *e)
{
    struct pp_model *m = e->m;
    if (e->pool_unsure == PP_CMD_COUNT || e->pool_probe_running || e->stopped)
        return;
    m->phase = e->pool_unsure == PP_CMD_FAILOVER ? PP_PH_PROBLEM : PP_PH_FAILBACK_ASK;
    m->next_check = PP_MS_NEVER;
    e->pool_probed = false;
    e->pool_truth = POOL_TRUTH_UNKNOWN;
    /* Quitting: nothing new starts, the probe included, and the state
     * stays unread, so no override can run the command again blind (the
     * model checker found quit + a lost failover + override retry rerunning
     * it unprobed); the resume reads it first. */
    if (e->quit)
        return;
    if (eng_has_template(e, PP_CMD_POOL_STATE) && e->cfg->failover_on[0]) {
        eng_clear_ask(e);
        e->pool_probe_running = true;
        eng_run(e, PP_CMD_POOL_STATE, -1, -1, e->cfg->timing.probe_timeout);
        return;
    }
    /* nothing to read it with: Unknown, and the operator decides */
    e->pool_probed = true;
    eng_copy(e->pool_probe_answer, sizeof e->pool_probe_answer,
             _("no pool_state command: nothing was read"));
    pool_ask(e);
}

void pool_on_probe(struct pp_engine *e, enum pp_result res, const char *detail)
{
    e->pool_probe_running = false;
    e->pool_probed = true;
    e->pool_truth = res == PP_RES_OK ? pool_reading(detail) : POOL_TRUTH_UNKNOWN;
    struct pp_jrec *r = eng_journal(e, PP_JEV_PROBE);
    eng_copy(r->state, sizeof r->state, "pool");
    eng_copy(r->action, sizeof r->action, pp_cmd_kind_name(e->pool_unsure));
    eng_copy(r->result, sizeof r->result, pp_result_name(res));
    eng_copy(r->detail, sizeof r->detail, detail);
    eng_copy(r->reason, sizeof r->reason,
             e->pool_truth == POOL_TRUTH_OVER  ? "the probe reads the pool as failed over"
             : e->pool_truth == POOL_TRUTH_NOT ? "the probe reads the pool as not failed over"
                                               : "the probe cannot tell whether the pool is "
                                                 "failed over");
    if (res == PP_RES_OK)
        eng_copy(e->pool_probe_answer, sizeof e->pool_probe_answer,
                 detail && *detail ? detail : _("no answer"));
    else
        snprintf(e->pool_probe_answer, sizeof e->pool_probe_answer, "probe %s%s%s",
                 pp_result_name(res), detail && *detail ? ": " : "", detail ? detail : "");
    if (e->quit || e->stopped || e->pool_unsure == PP_CMD_COUNT)
        return;
    pool_ask(e);
}

/* A failover or failback took effect (it ended ok, or the operator says so
 * after the probe): failed over, the domains go on without the readiness
 * gate; failed back, the run is complete. */
static void pool_moved_ok(struct pp_engine *e, bool fo, bool operators_word)
{
    struct pp_model *m = e->m;
    if (!fo) {
        m->failed_back = true;
        gate_complete(e, GATE_END_FAILED_BACK);
        return;
    }
    m->failed_over = true;
    m->problem[0] = 0;
    if (operators_word)
        eng_note(e, _("%s is failed over to %s (the operator's word): domains go on without "
                      "the readiness gate; quorum, the settle wait and the fabric checks "
                      "still hold"),
                 m->fqdn, e->cfg->backup_pool);
    else
        eng_note(e, _("%s is failed over to %s: domains go on without the readiness gate; "
                      "quorum, the settle wait and the fabric checks still hold"),
                 m->fqdn, e->cfg->backup_pool);
    if (!e->quit)
        gate_offer_domain(e);
}

void gate_on_pool_cmd(struct pp_engine *e, enum pp_cmd_kind kind, enum pp_result res,
                      const char *detail)
{
    struct pp_model *m = e->m;
    bool fo = kind == PP_CMD_FAILOVER;
    struct pp_jrec *j = eng_journal(e, fo ? PP_JEV_FAILOVER : PP_JEV_FAILBACK);
    eng_copy(j->result, sizeof j->result, pp_result_name(res));
    eng_copy(j->detail, sizeof j->detail, detail);
    /* ended, well or not: whatever the pool answered before is history */
    model_pool_moved(m, !fo);
    if (e->stopped)
        return;
    if (res == PP_RES_OK) {
        pool_moved_ok(e, fo, false);
        return;
    }
    /* failed, timed out, lost: whatever it did to the pool is unknown */
    pool_set_unsure(e, kind, res, detail, false);
    pool_probe(e);
}

void pool_set_unsure(struct pp_engine *e, enum pp_cmd_kind kind, enum pp_result res,
                     const char *detail, bool console)
{
    e->pool_unsure = kind;
    e->m->pool_unsure = (int)kind;
    e->pool_unsure_res = res;
    e->pool_unsure_console = console;
    e->pool_probed = false;
    e->pool_truth = POOL_TRUTH_UNKNOWN;
    e->pool_probe_answer[0] = 0;
    eng_copy(e->pool_unsure_detail, sizeof e->pool_unsure_detail, detail);
}

bool pool_override_valid(const struct pp_engine *e, enum pp_override ov, char *why, size_t n)
{
    if (e->pool_probe_running)
        return snprintf(why, n, "%s", _("the pool's state is being read: wait for it")), false;
    if (e->pool_unsure == PP_CMD_COUNT)
        return snprintf(why, n, _("%s on the pool applies after a failover or failback whose "
                                  "outcome is not known"),
                        engine_override_name(ov)), false;
    if (!e->pool_probed)
        return snprintf(why, n, "%s", _("the pool's state has not been read yet")), false;
    return true;
}

/* override done / skip / retry on the pool after the probe: the operator
 * says what is true.  The override record is already journaled. */
void pool_override(struct pp_engine *e, enum pp_override ov)
{
    struct pp_model *m = e->m;
    enum pp_cmd_kind kind = e->pool_unsure;
    bool fo = kind == PP_CMD_FAILOVER;
    eng_clear_ask(e);
    e->pool_unsure = PP_CMD_COUNT;
    m->pool_unsure = -1;
    switch (ov) {
    case PP_OV_DONE:
        pool_moved_ok(e, fo, true);
        break;
    case PP_OV_SKIP:
        if (fo) {
            m->phase = PP_PH_PROBLEM;
            eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                    _("Failover declined: the pool has a problem (%s) and is not upgraded. A "
                      "recheck starts a new series of checks; quit stops the run."),
                    m->problem);
        } else {
            m->phase = PP_PH_FAILBACK_ASK;
            eng_ask(e, PP_ASK_OPERATOR, -1, -1, PP_STEP_NONE,
                    _("Failback declined: the pool stays failed over to %s. Override retry on %s "
                      "runs the failback; override proceed on it ends the run without failing "
                      "back."),
                    e->cfg->backup_pool, m->fqdn);
        }
        break;
    default:   /* retry */
        e->pool_rerun_ok = true;
        start_pool_cmd(e, kind);
        break;
    }
}
