/* The run's side of staging: which servers hold a verified copy of the
 * update package, from the journal's `stage` records, and the refusal to
 * drain a server that does not (issue 13: refused before it is drained,
 * so a missing package never leaves a server out of service).
 *
 * "Verified" means the last finished `stage` record of the server is ok and
 * its SHA-256 equals the package's: [update] sha256 when set, else the local
 * file's, hashed once at start.  No [update] package: nothing is checked.
 * A verified copy in the journal is then checked on the server itself just
 * before its drain (runner_stage_precheck): the drain is sent only when the
 * server's own SHA-256 of the file at remote_path is the package's. */
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
    } else if (stage_sha256_file_id(u->package, r->pkg_sha, NULL, &r->pkg_id, err,
                                    sizeof err) < 0) {
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

/* The output pane says why a drain was not sent (in the operator's
 * language; the journal keeps the English), and the drain ends unsent. */
void runner_drain_refuse(struct pp_runner *r, enum pp_cmd_kind kind, int server,
                         enum pp_result res, const char *why)
{
    char said[PP_REASON_MAX * 2], line[PP_REASON_MAX * 2 + 32];
    journal_say(why, said, sizeof said);   /* the journal keeps the English */
    snprintf(line, sizeof line, _("= drain refused: %s"), said);
    outbuf_add_line(&r->out[server], line);
    runner_end_unsent(r, kind, server, res, why);
}

/* The journal says when the copy was verified; a copy deleted or replaced
 * since then shows only on the server.  So the server is asked, with the
 * read-only check --dry-run uses (stage_check_script), just before the drain:
 * a drained server whose installer then fails is out of service for nothing. */
bool runner_stage_precheck(struct pp_runner *r, const struct pp_action *a)
{
    const struct pp_update_cfg *u = &r->cfg->update;
    int s = a->server;
    if (!u->package[0] || r->opts.training || r->opts.dry_run || s < 0 || s >= r->m->nservers)
        return false;   /* the simulator has no files */
    const char *name = r->m->servers[s].name;
    char path[PP_PATH_MAX], err[PP_REASON_MAX], why[PP_REASON_MAX + PP_PATH_MAX];
    if (!u->hash_command || !u->hash_command[0]) {
        /* a size alone proves nothing: never guess it is the package */
        snprintf(why, sizeof why, "%s: not drained: its copy of the update package cannot be "
                                  "verified on the server (the profile has no hash_command)",
                 name);
        runner_drain_refuse(r, a->kind, s, PP_RES_FAILED, why);
        return true;
    }
    if (stage_remote_path(u->remote_path, name, u->package, path, sizeof path, err,
                          sizeof err) < 0) {
        snprintf(why, sizeof why, "%s: not drained: cannot tell whether the update package is "
                                  "on the server (%s)",
                 name, err);
        runner_drain_refuse(r, a->kind, s, PP_RES_FAILED, why);
        return true;
    }
    pp_ms timeout = r->cfg->timing.probe_timeout;
    if (a->timeout > 0 && (timeout <= 0 || a->timeout < timeout))
        timeout = a->timeout;
    char *script = stage_check_script(u->hash_command, path, r->cfg->shell);
    struct pp_cmdrec *c = script ? runner_start_raw(r, s, PP_CMD_PROBE, script,
                                                    PP_RAW_PRECHECK, timeout)
                                 : NULL;
    free(script);
    if (!c) {
        snprintf(why, sizeof why, "%s: not drained: cannot tell whether the update package is "
                                  "on the server (%s)",
                 name, "the transport refused the command");
        runner_drain_refuse(r, a->kind, s, PP_RES_FAILED, why);
        return true;
    }
    /* what runs once it answers: the engine's drain, as it asked for it */
    c->domain = a->domain;
    c->then_kind = a->kind;
    c->then_timeout = a->timeout;
    return true;
}

void runner_stage_precheck_done(struct pp_runner *r, const struct pp_cmdrec *c,
                                enum pp_result res, const char *detail)
{
    const struct pp_update_cfg *u = &r->cfg->update;
    int s = c->server;
    const char *name = r->m->servers[s].name;
    char path[PP_PATH_MAX], err[PP_REASON_MAX], why[PP_REASON_MAX + PP_PATH_MAX];
    if (stage_remote_path(u->remote_path, name, u->package, path, sizeof path, err,
                          sizeof err) < 0)
        snprintf(path, sizeof path, "%s", u->remote_path);
    if (res == PP_RES_CANCELLED) {
        /* the step was cancelled (force drain): its end says so, and the
         * engine decides what runs next */
        snprintf(why, sizeof why, "%s: not drained: the check of its copy of the update package "
                                  "was cancelled",
                 name);
        runner_drain_refuse(r, c->then_kind, s, PP_RES_CANCELLED, why);
        return;
    }
    if (r->halted ||
        !stage_precheck_verdict(name, path, r->pkg_sha, res, c->truncated, c->out, c->nout,
                                detail, why, sizeof why)) {
        if (r->halted)
            snprintf(why, sizeof why, "%s: not drained: the journal cannot be written", name);
        /* a timeout of the check is not a drain that ran past its time */
        runner_drain_refuse(r, c->then_kind, s, PP_RES_FAILED, why);
        return;
    }
    char line[PP_REASON_MAX + PP_PATH_MAX];
    snprintf(line, sizeof line, _("= %s holds the update package at %s (sha256 %s): draining"),
             name, path, r->pkg_sha);
    outbuf_add_line(&r->out[s], line);
    struct pp_action a = {.type = PP_ACT_RUN, .kind = c->then_kind, .server = s,
                          .domain = c->domain, .timeout = c->then_timeout};
    runner_send(r, &a);
}
