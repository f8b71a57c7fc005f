/* Staging as a step of the run (issue 13): the dashboard's "stage the
 * package" before the first domain.  The stage object of --stage
 * (stage.c) runs inside the runner's loop: its commands and copies go
 * over the run's transport with ids of a range of their own, their events
 * come back here (runner_staging_event), and its `stage` records are
 * written the way the run's are (runner_record: stamped, fsync'ed, and the
 * runner's staged servers updated before anything else happens).
 *
 * Staging only copies and hashes.  While it runs nothing starts that
 * could take a server out of service: the operator's yes to a question is
 * refused (and said why), and a drain the engine sends anyway is not
 * sent. */
#include "backend/runner/runner_internal.h"

#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/journal/journal.h"

/* Far above anything the run's own counter (runner_send, runner_start_raw:
 * 1, 2, ...) reaches; each staging gets its own 2^32 ids, so an END of a
 * cancelled copy that arrives late never matches a later staging's. */
#define STAGING_ID_BASE (UINT64_C(1) << 62)
#define STAGING_ID_SPAN (UINT64_C(1) << 32)

static int write_record(void *ctx, struct pp_jrec *rec, char *err, size_t errn)
{
    return runner_record(ctx, rec, err, errn);
}

static bool busy(const struct pp_runner *r, char *err, size_t errn)
{
    const struct pp_model *m = r->m;
    for (int d = 0; d < m->ndomains; d++)
        if (m->domains[d].state == PP_DOM_ACTIVE) {
            snprintf(err, errn, _("domain %s is in progress: staging waits until no domain runs"),
                     m->domains[d].name);
            return true;
        }
    if (m->phase == PP_PH_DOMAIN || m->phase == PP_PH_FAILOVER || m->phase == PP_PH_FAILBACK ||
        m->phase == PP_PH_BACKEND) {
        snprintf(err, errn, _("the run is %s: staging waits until it has ended"),
                 model_phase_name(m->phase));
        return true;
    }
    if (r->cmds) {
        snprintf(err, errn, _("a command is running on %s: start staging once it has ended"),
                 r->cmds->server >= 0 && r->cmds->server < m->nservers
                     ? m->servers[r->cmds->server].name
                     : r->cfg->fqdn);
        return true;
    }
    return false;
}

/* The runner hashed the package when the run started (runner_stage_init):
 * while the file is provably that one (device, inode, size, mtime, ctime),
 * staging takes that hash instead of reading a 1+ GB file again here, on
 * the UI thread, where it froze the dashboard for seconds.  Anything else
 * (the file replaced or touched since, [update] sha256 set so the runner
 * never read it): NULL, and stage_begin hashes the file as before. */
static const char *known_sha(const struct pp_runner *r)
{
    struct pp_file_id now;
    if (!r->pkg_sha[0] || stage_file_id(r->cfg->update.package, &now) < 0)
        return NULL;
    return stage_file_same(&r->pkg_id, &now) ? r->pkg_sha : NULL;
}

int runner_stage_start(struct pp_runner *r, char *err, size_t errn)
{
    const struct pp_config *cfg = r->cfg;
    if (!cfg->update.package[0]) {
        snprintf(err, errn, _("%s: [update] package is not set: nothing to stage"), cfg->path);
        return -1;
    }
    if (r->opts.training || cfg->sim.present || !r->t->ops->copy) {
        snprintf(err, errn, _("staging copies to real servers over SSH: a training run has "
                              "none (poolpilot --stage, against the real pool)"));
        return -1;
    }
    if (r->opts.dry_run) {
        snprintf(err, errn, _("a dry run changes nothing: it does not stage"));
        return -1;
    }
    if (r->stage) {
        snprintf(err, errn, _("staging already runs"));
        return -1;
    }
    if (r->halted || r->exit_code >= 0) {
        snprintf(err, errn, _("the run is over: nothing more starts"));
        return -1;
    }
    if (busy(r, err, errn))
        return -1;
    /* The run hashed the package at its start and refuses to drain a
     * server whose copy differs: staging a file changed since would only
     * copy what every drain then refuses.  ([update] sha256 set: the run
     * never read the file, and stage_begin refuses one that differs.) */
    const char *known = known_sha(r);
    if (!cfg->update.sha256[0] && r->pkg_sha[0] && !known) {
        snprintf(err, errn,
                 _("%s changed since this run read it (sha256 %.12s...): the run drains only "
                   "servers holding that file. Quit and start poolpilot again to stage and "
                   "upgrade with the new one"),
                 cfg->update.package, r->pkg_sha);
        return -1;
    }
    struct pp_stage_opts o = {
        .operator_ = r->operator_,
        .id_base = STAGING_ID_BASE + (uint64_t)r->stage_runs * STAGING_ID_SPAN,
        .record = write_record,
        .ctx = r,
        .sha256 = known,
    };
    char why[PP_REASON_MAX * 2] = "";
    r->stage = stage_begin(cfg, r->t, r->j, &o, r->now, why, sizeof why);
    if (!r->stage) {
        snprintf(err, errn, _("cannot stage: %s"), why);
        return -1;
    }
    r->stage_runs++;
    char size[32], line[PP_REASON_MAX + PP_PATH_MAX];
    struct pp_stage_pool p;
    stage_pool(r->stage, &p);
    stage_fmt_bytes(p.size, size, sizeof size);
    snprintf(line, sizeof line,
             P_("staging %s (%s) to %d server, %d at once",
                "staging %s (%s) to %d servers, %d at once", p.n),
             cfg->update.package, size, p.n, cfg->update.stage_parallel);
    runner_notify(r, PP_N_EVENT, -1, line);
    outbuf_add_line(&r->out[r->m->nservers], line);
    stage_step(r->stage, r->now);
    return 0;
}

void runner_stage_cancel(struct pp_runner *r)
{
    if (!r->stage)
        return;
    stage_cancel(r->stage);
    runner_notify(r, PP_N_EVENT, -1,
                  _("staging cancelled: copies that run are cut (journaled as not staged)"));
}

bool runner_stage_running(const struct pp_runner *r) { return r->stage != NULL; }

/* The stage object counts cfg's servers; the model may name them in
 * another order. */
static int stage_index(const struct pp_runner *r, int server)
{
    if (!r->stage || server < 0 || server >= r->m->nservers)
        return -1;
    const char *name = r->m->servers[server].name;
    int n = stage_count(r->stage);
    if (server < n && strcmp(stage_server(r->stage, server), name) == 0)
        return server;
    for (int i = 0; i < n; i++)
        if (strcmp(stage_server(r->stage, i), name) == 0)
            return i;
    return -1;
}

bool runner_stage_progress(const struct pp_runner *r, int server, struct pp_stage_progress *p)
{
    int i = stage_index(r, server);
    if (i < 0)
        return false;
    stage_progress(r->stage, i, p);
    return true;
}

bool runner_stage_pool(const struct pp_runner *r, struct pp_stage_pool *p)
{
    if (!r->stage)
        return false;
    stage_pool(r->stage, p);
    return true;
}

int runner_stage_staged(const struct pp_runner *r, int server)
{
    if (!r->cfg->update.package[0] || server < 0 || server >= r->m->nservers)
        return -1;
    char why[PP_REASON_MAX];
    return !runner_stage_refuses(r, server, why, sizeof why);
}

int runner_stage_missing(const struct pp_runner *r)
{
    int n = 0;
    for (int s = 0; s < r->m->nservers; s++)
        n += runner_stage_staged(r, s) == 0;
    return n;
}

bool runner_staging_event(struct pp_runner *r, const struct pp_tev *ev)
{
    if (!r->stage || !stage_owns(r->stage, ev->id))
        return false;
    if (ev->type == PP_TEV_LOG && ev->data)
        outbuf_add_line(&r->log, ev->data);   /* reconnects, continued copies */
    stage_event(r->stage, ev);
    return true;
}

static void finish(struct pp_runner *r)
{
    struct pp_stage_pool p;
    stage_pool(r->stage, &p);
    stage_end(r->stage);
    r->stage = NULL;
    char line[PP_REASON_MAX];
    if (p.cancelled)
        snprintf(line, sizeof line,
                 P_("staging cancelled: %d of %d server holds a verified copy",
                    "staging cancelled: %d of %d servers hold a verified copy", p.n),
                 p.staged, p.n);
    else
        snprintf(line, sizeof line,
                 P_("staging done: %d of %d server holds a verified copy",
                    "staging done: %d of %d servers hold a verified copy", p.n),
                 p.staged, p.n);
    runner_notify(r, p.staged == p.n ? PP_N_EVENT : PP_N_ERROR, -1, line);
    outbuf_add_line(&r->out[r->m->nservers], line);
    /* --yes: a question its yes was held back from is answered now */
    const struct pp_model *m = r->m;
    if (r->opts.yes && m->ask != PP_ASK_NONE && model_ask_confirmable(m->ask)) {
        struct pp_event e = {.type = PP_EV_OPERATOR, .op = PP_OP_CONFIRM, .automatic = true,
                             .operator_ = r->operator_, .ask_id = m->ask_id};
        runner_enqueue(r, &e);
    }
}

void runner_staging_tick(struct pp_runner *r)
{
    if (!r->stage)
        return;
    stage_step(r->stage, r->now);
    if (stage_finished(r->stage))
        finish(r);
}

void runner_staging_free(struct pp_runner *r)
{
    if (!r->stage)
        return;
    /* the run is over: the transport goes next and cuts what runs, so no
     * END comes; each copy that had its start record is closed now */
    stage_abandon(r->stage, "interrupted: poolpilot quit while the copy ran");
    stage_end(r->stage);
    r->stage = NULL;
}

bool runner_staging_refuses(struct pp_runner *r, const struct pp_event *ev)
{
    if (!r->stage || ev->type != PP_EV_OPERATOR)
        return false;
    if (ev->op != PP_OP_CONFIRM && ev->op != PP_OP_OVERRIDE)
        return false;
    if (ev->automatic)
        return true;   /* --yes: asked again once staging has ended (finish) */
    runner_notify(r, PP_N_ERROR, -1,
                  _("staging runs: nothing starts on a server until it has ended (or cancel "
                    "it), so no server leaves service while its package is being copied"));
    return true;
}
