/* The run's side of staging: which servers hold a verified copy of the
 * update package, from the journal's `stage` records, and the refusal to
 * drain a server that does not (issue 13: refused before it is drained,
 * so a missing package never leaves a server out of service).
 *
 * "Verified" means the last finished `stage` record of the server is ok and
 * its SHA-256 equals the package's: [update] sha256 when set, else the local
 * file's, hashed once at start.  No [update] package: nothing is checked. */
#include "backend/runner/runner_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/core/i18n.h"
#include "backend/journal/journal.h"
#include "backend/runner/stage.h"

void runner_stage_init(struct pp_runner *r)
{
    const struct pp_update_cfg *u = &r->cfg->update;
    if (!u->package[0])
        return;
    r->staged = calloc((size_t)r->m->nservers + 1, sizeof *r->staged);
    if (!r->staged)
        mem_oom("staged packages");
    char err[PP_REASON_MAX];
    if (u->sha256[0]) {
        snprintf(r->pkg_sha, sizeof r->pkg_sha, "%s", u->sha256);
    } else if (stage_sha256_file(u->package, r->pkg_sha, NULL, err, sizeof err) < 0) {
        r->pkg_sha[0] = 0;   /* every drain is refused, with this reason */
        snprintf(r->pkg_why, sizeof r->pkg_why, "%s", err);
    }
}

void runner_stage_record(struct pp_runner *r, const struct pp_jrec *rec)
{
    bool ok;
    char sha[PP_SHA256_HEX + 1];
    if (!r->staged || !stage_record_read(rec, &ok, sha))
        return;
    int s = model_find_server(r->m, rec->server);
    if (s < 0 || s >= r->m->nservers)
        return;
    snprintf(r->staged[s], sizeof r->staged[s], "%s", ok ? sha : "");
}

static int load_cb(void *ctx, const struct pp_jrec *rec)
{
    runner_stage_record(ctx, rec);
    return 0;
}

void runner_stage_load(struct pp_runner *r, const char *path)
{
    char warn[PP_REASON_MAX], err[PP_REASON_MAX];
    if (!r->staged || !path || access(path, F_OK) != 0)
        return;   /* no journal yet: nothing is staged */
    if (journal_read_file(path, load_cb, r, warn, sizeof warn, err, sizeof err) < 0)
        runner_notify(r, PP_N_ERROR, -1, err);
}

bool runner_stage_refuses(const struct pp_runner *r, int server, char *why, size_t n)
{
    if (!r->cfg->update.package[0] || server < 0 || server >= r->m->nservers)
        return false;
    const char *name = r->m->servers[server].name;
    if (!r->pkg_sha[0]) {
        snprintf(why, n, "%s: not drained: the update package cannot be checked (%s)", name,
                 r->pkg_why);
        return true;
    }
    if (!r->staged || !r->staged[server][0]) {
        snprintf(why, n, "%s: not drained: the update package is not staged there (no verified "
                         "copy in the journal): run poolpilot --stage, then retry",
                 name);
        return true;
    }
    if (strcmp(r->staged[server], r->pkg_sha) != 0) {
        snprintf(why, n, "%s: not drained: its staged copy (sha256 %.12s...) is not this "
                         "package (%.12s...): run poolpilot --stage, then retry",
                 name, r->staged[server], r->pkg_sha);
        return true;
    }
    return false;
}

void runner_stage_plan(struct pp_runner *r, bool all)
{
    if (!r->cfg->update.package[0])
        return;
    int staged = 0, shown = 0;
    char line[PP_REASON_MAX + PP_NAME_MAX];
    for (int s = 0; s < r->m->nservers; s++) {
        char why[PP_REASON_MAX];
        bool refused = runner_stage_refuses(r, s, why, sizeof why);
        staged += !refused;
        /* at the start of a run: the summary and the first few refusals */
        if (!all && (!refused || shown++ >= 10))
            continue;
        if (refused)
            snprintf(line, sizeof line, _("not staged: %s"), why);
        else
            snprintf(line, sizeof line, _("staged: %s holds the update package (sha256 %.12s...)"),
                     r->m->servers[s].name, r->pkg_sha);
        runner_notify(r, PP_N_EVENT, s, line);
    }
    snprintf(line, sizeof line,
             P_("staged: %d of %d server holds the update package",
                "staged: %d of %d servers hold the update package", r->m->nservers),
             staged, r->m->nservers);
    runner_notify(r, PP_N_EVENT, -1, line);
}
