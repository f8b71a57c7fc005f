/* Resuming from the journal: each record, replayed in order, rebuilds the
 * state the console had when it wrote it.  What was in flight comes back
 * as in flight; PP_EV_START then turns it into "lost" and asks. */
#include "backend/engine/engine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* s: the record's server (-1 if none).  Its own domain is tried first:
 * model_find_domain compares every domain's name, and records naming a
 * server nearly always name its domain.  Domain names are unique without
 * regard to case (every domain is added only when model_find_domain found
 * none), so a match there is the one model_find_domain would return. */
static int find_or_add_domain(struct pp_engine *e, const char *name, int s)
{
    int own = s >= 0 ? e->m->servers[s].domain : -1;
    if (own >= 0 && (strcmp(e->m->domains[own].name, name) == 0 ||
                     strcasecmp(e->m->domains[own].name, name) == 0))
        return own;
    int d = model_find_domain(e->m, name);
    if (d < 0)
        d = model_add_domain(e->m, name);   /* discovered in an earlier run */
    return d;
}

static void restore_override(struct pp_engine *e, const struct pp_jrec *r, int s, int d)
{
    struct pp_model *m = e->m;
    int ov = engine_override_parse(r->action);
    if (s >= 0) {
        struct pp_server *sv = &m->servers[s];
        switch (ov) {
        case PP_OV_SKIP:
        case PP_OV_DONE:
            sv->state = ov == PP_OV_SKIP ? PP_SRV_SKIPPED : PP_SRV_MARKED_DONE;
            if (ov == PP_OV_DONE)
                sv->down = false;
            eng_copy(sv->reason, sizeof sv->reason, r->reason);
            eng_copy(sv->by, sizeof sv->by, r->operator_);
            break;
        case PP_OV_RETRY:
            sv->lost_count = 0;
            e->srv[s].server_confirmed = true;
            break;
        case PP_OV_FORCE:
            sv->forced_drain = true;
            break;
        default:
            break;
        }
        return;
    }
    if (d < 0 && !strcmp(r->state, "pool") && !strcmp(r->result, "backend"))
        return;   /* the Back End's: the `backend` record after it says what it did */
    if (d < 0 && !strcmp(r->state, "pool") && !strcmp(r->result, "accept-topology")) {
        topo_restore(e, r);   /* [servers] accepted as the pool's topology order */
        return;
    }
    if (d < 0 && !strcmp(r->state, "pool")) {
        /* the operator said what is true of a failover / failback whose
         * outcome was unknown (engine_pool.c), or ran it again */
        if (ov == PP_OV_DONE && e->pool_unsure == PP_CMD_FAILOVER)
            m->failed_over = true;
        else if (ov == PP_OV_DONE && e->pool_unsure == PP_CMD_FAILBACK)
            m->failed_back = true;
        if (ov == PP_OV_RETRY)
            e->pool_rerun_ok = true;
        if (ov == PP_OV_DONE || ov == PP_OV_SKIP || ov == PP_OV_RETRY) {
            e->pool_unsure = PP_CMD_COUNT;
            m->pool_unsure = -1;
        }
        return;
    }
    if (d >= 0 && ov == PP_OV_DONE) {
        for (int i = 0; i < m->domains[d].nmembers; i++) {
            struct pp_server *x = &m->servers[m->domains[d].members[i]];
            if (!model_server_settled(x)) {
                x->state = PP_SRV_MARKED_DONE;
                x->down = false;
                eng_copy(x->reason, sizeof x->reason, r->reason);
                eng_copy(x->by, sizeof x->by, r->operator_);
            }
        }
        m->domains[d].manual = true;
    }
}

int engine_restore(struct pp_engine *e, const struct pp_jrec *r, char *err, size_t errn)
{
    struct pp_model *m = e->m;
    int s = -1, d = -1;
    if (r->server[0] && (s = model_find_server(m, r->server)) < 0) {
        snprintf(err, errn, "record %lld names server %s, which the config does not list",
                 r->seq, r->server);
        return -1;
    }
    if (r->domain[0] && (d = find_or_add_domain(e, r->domain, s)) < 0) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    if (s >= 0 && d >= 0 && m->servers[s].domain < 0 && model_domain_add_member(m, d, s) < 0) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    if (s >= 0 && d >= 0 && m->servers[s].domain != d) {
        snprintf(err, errn, "record %lld puts %s in %s, the config in %s", r->seq, r->server,
                 r->domain, m->domains[m->servers[s].domain].name);
        return -1;
    }
    if (!strcmp(r->event, "start")) {
        /* a journal is bound to its pool at its start record: another
         * pool's journal with the same server names is never resumed */
        char pool[PP_NAME_MAX] = "";
        if (!strncmp(r->detail, "pool ", 5) && sscanf(r->detail + 5, "%253s", pool) == 1 &&
            strcasecmp(pool, m->fqdn) != 0) {
            snprintf(err, errn, "record %lld: this journal belongs to pool %s, the config is for "
                                "%s: another pool's journal is never resumed", r->seq, pool,
                     m->fqdn);
            return -1;
        }
        /* ... and to the topology it was started with */
        const char *t = strstr(r->detail, ", topology ");
        char topo[9], want[9] = "";
        eng_topology(e, topo);
        if (t && sscanf(t + 11, "%8[0-9a-f]", want) == 1 && strcmp(want, topo) != 0 &&
            !e->lenient) {
            snprintf(err, errn, "record %lld: this journal was started for another topology of "
                                "%s (topology %s; the config's servers or domains give %s): "
                                "restore the config it was started with, or start a new journal",
                     r->seq, m->fqdn, want, topo);
            return -1;
        }
    }
    e->resumed = true;
    e->records++;
    enum pp_jev ev = journal_event_parse(r->event);
    struct pp_server *sv = s >= 0 ? &m->servers[s] : NULL;
    int step = pp_step_parse(r->step);
    if (ev == PP_JEV_READINESS) {
        int st = pp_ready_parse(r->state);
        m->readiness = st < 0 ? PP_READY_UNKNOWN : (enum pp_ready)st;
        /* the series of Busy answers ended, as the live engine has it: an
         * answer read while a domain runs is shown, not counted */
        if (m->readiness == PP_READY_READY && m->active_domain < 0)
            m->busy_strikes = 0;
    } else if (ev == PP_JEV_WAIT && !strncmp(r->reason, "Busy (strike ", 13)) {
        /* Busy strikes survive a restart: "three consecutive times" counts
         * the pool's answers, not one console's.  The wait record names the
         * count; the next Busy after the resume is the next strike. */
        int n = atoi(r->reason + 13);
        if (n > 0)
            m->busy_strikes = n;
    } else if (ev == PP_JEV_FAILOVER || ev == PP_JEV_FAILBACK) {
        bool fo = ev == PP_JEV_FAILOVER;
        enum pp_cmd_kind kind = fo ? PP_CMD_FAILOVER : PP_CMD_FAILBACK;
        /* the start record has no result; the end record has one */
        e->pool_cmd_inflight = r->result[0] ? PP_CMD_COUNT : kind;
        if (!r->result[0]) {
            /* it ran in this journal: only an override runs it again */
            e->pool_tried[!fo] = true;
            e->pool_rerun_ok = false;
            e->pool_unsure = PP_CMD_COUNT;
            m->pool_unsure = -1;
        } else if (!strcmp(r->result, "ok")) {
            e->pool_unsure = PP_CMD_COUNT;
            m->pool_unsure = -1;
            if (fo)
                m->failed_over = true;
            else
                m->failed_back = true;
        } else {
            /* failed or lost, and nobody has said yet what is true */
            int res = pp_result_parse(r->result);
            pool_set_unsure(e, kind, res < 0 ? PP_RES_FAILED : (enum pp_result)res, r->detail,
                            !strcmp(r->detail, "the console stopped while it ran"));
        }
    } else if (ev == PP_JEV_WAIT && !strcmp(r->result, "ok")) {
        e->settle_pending = false;   /* "settle wait complete" */
    } else if (ev == PP_JEV_DOMAIN_START && d >= 0) {
        e->settle_pending = false;
        m->active_domain = d;
        m->domains[d].state = PP_DOM_ACTIVE;
        eng_copy(m->domains[d].by, sizeof m->domains[d].by, r->operator_);
        for (int i = 0; i < m->domains[d].nmembers; i++) {
            struct pp_server *x = &m->servers[m->domains[d].members[i]];
            if (!model_server_settled(x) && x->state == PP_SRV_PENDING)
                x->state = PP_SRV_QUEUED;
        }
    } else if (ev == PP_JEV_STEP_START && sv && step >= 0) {
        sv->state = PP_SRV_RUNNING;
        sv->step = (enum pp_step)step;
        sv->down = true;
        if (!strcmp(r->detail, "immediate stop (forced by override)"))
            sv->forced_drain = true;
    } else if (ev == PP_JEV_STEP_END && sv && step >= 0) {
        int res = pp_result_parse(r->result);
        sv->step = (enum pp_step)step;
        sv->last_result = res < 0 ? PP_RES_FAILED : (enum pp_result)res;
        if (res == PP_RES_OK) {
            sv->step_done[step] = true;
            sv->lost_count = 0;
            if (step == PP_STEP_VERIFY) {
                sv->state = PP_SRV_VERIFIED;
                sv->down = false;
                eng_copy(sv->by, sizeof sv->by, r->operator_);
            } else {
                sv->step = (enum pp_step)(step + 1);
                sv->state = PP_SRV_QUEUED;
            }
        } else if (res == PP_RES_LOST) {
            sv->state = PP_SRV_LOST;
            sv->lost_count++;
            sv->lost_console = !strcmp(r->detail, "the console stopped while this step ran");
            sv->probed = false;
        } else if (res == PP_RES_CANCELLED && sv->forced_drain) {
            sv->state = PP_SRV_QUEUED;
        } else {
            sv->state = PP_SRV_FAILED;
            eng_copy(sv->reason, sizeof sv->reason, r->detail);
        }
        /* an answered question about this step is not asked again */
        e->srv[s].server_confirmed = true;
    } else if (ev == PP_JEV_CONFIRM && sv) {
        e->srv[s].server_confirmed = true;
    } else if (ev == PP_JEV_OVERRIDE) {
        restore_override(e, r, s, d);
    } else if (ev == PP_JEV_DOMAIN_DONE && d >= 0) {
        m->domains[d].state = !strcmp(r->state, "done-with-exceptions") ? PP_DOM_DONE_EXCEPTIONS
                                                                         : PP_DOM_DONE;
        m->domains_done++;
        if (m->active_domain == d)
            m->active_domain = -1;
        e->settle_pending = true;
    } else if (ev == PP_JEV_BACKEND) {
        backend_restore(e, r);
    } else if (ev == PP_JEV_TOPOLOGY) {
        topo_restore(e, r);
    } else if (ev == PP_JEV_COMPLETE) {
        m->phase = PP_PH_COMPLETE;
    }
    return 0;
}
