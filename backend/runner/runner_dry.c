/* --dry-run: once the readiness check has answered, print every command
 * the run would send (expanded from the templates as they would be sent),
 * then reach every server of the config read-only: the probe (host key,
 * logon, shell) and, with [update] package, whether the installer is at
 * its remote_path there (size, and its SHA-256 by the very hash command
 * staging verifies a copy with), and on Skype for Business Server 2015/2019
 * its patch level (Get-CsServerPatchVersion).  Nothing that changes state is sent, and
 * no server outside the config is touched. */
#include "backend/runner/runner_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/runner/patch_level.h"
#include "backend/runner/stage.h"

/* Multi-line scripts in the plan: continuation lines indented under their
 * server's line. Heap string. */
static char *indent(const char *script)
{
    size_t n = 0;
    for (const char *p = script; *p; p++)
        n += *p == '\n' ? 7 : 1;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = script; *p; p++) {
        *o++ = *p;
        if (*p == '\n') {
            memcpy(o, "      ", 6);
            o += 6;
        }
    }
    *o = 0;
    return out;
}

static bool has_template(const struct pp_runner *r, enum pp_cmd_kind k)
{
    return r->cfg->commands[k] && r->cfg->commands[k][0];
}

/* One plan line: fmt takes (host, kind name, script) after the leading
 * arguments the caller already put in head. */
static void plan_line(struct pp_runner *r, int server, const char *head, enum pp_cmd_kind kind,
                      int domain)
{
    char err[PP_REASON_MAX] = "";
    char *script = runner_expand_script(r, kind, server, domain, err, sizeof err);
    char *shown = script ? indent(script) : NULL;
    char *msg = NULL;
    if (asprintf(&msg, "%s %s:\n      %s", head, pp_cmd_kind_name(kind), shown ? shown : err) > 0)
        runner_notify(r, PP_N_EVENT, server, msg);
    free(msg);
    free(shown);
    free(script);
}

/* The server the readiness and fabric checks of domain d would run on: one
 * outside it (engine_check.c's rule), else the domain's first. */
static int check_server(const struct pp_model *m, int d)
{
    for (int s = 0; s < m->nservers; s++)
        if (m->servers[s].domain != d)
            return s;
    return m->domains[d].nmembers ? m->domains[d].members[0] : 0;
}

void runner_dry_plan(struct pp_runner *r)
{
    if (r->planned)
        return;
    r->planned = true;
    const struct pp_model *m = r->m;
    char head[PP_NAME_MAX * 3 + 200];
    runner_notify(r, PP_N_EVENT, -1, _("dry run: nothing below is run"));
    static const enum pp_cmd_kind steps[] = {PP_CMD_DRAIN, PP_CMD_UPGRADE, PP_CMD_RESTART,
                                             PP_CMD_VERIFY};
    if (has_template(r, PP_CMD_TOPOLOGY) && m->ndomains > 0) {
        /* once, before the first domain, where the readiness check ran
         * (engine_topology.c): the pool's order against [servers] */
        int cs = check_server(m, 0);
        snprintf(head, sizeof head,
                 _("would run once before the first domain on %s (the pool's topology order, "
                   "compared with [servers])"),
                 m->servers[cs].name);
        plan_line(r, cs, head, PP_CMD_TOPOLOGY, -1);
    }
    for (int d = 0; d < m->ndomains; d++) {
        const struct pp_domain *dom = &m->domains[d];
        int cs = check_server(m, d);
        snprintf(head, sizeof head, _("would run before %s on %s (a Front End outside it)"),
                 dom->name, m->servers[cs].name);
        plan_line(r, cs, head, PP_CMD_READINESS, -1);
        if (has_template(r, PP_CMD_FABRIC))
            plan_line(r, cs, head, PP_CMD_FABRIC, -1);
        for (int i = 0; i < dom->nmembers; i++) {
            int s = dom->members[i];
            for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
                enum pp_cmd_kind kind = steps[k];
                if (kind == PP_CMD_DRAIN && m->mode == PP_MODE_DOWNTIME)
                    kind = PP_CMD_DRAIN_NOW;
                snprintf(head, sizeof head, _("would run on %s (%s)"), m->servers[s].name,
                         dom->name);
                plan_line(r, s, head, kind, d);
            }
            if (has_template(r, PP_CMD_PROBE)) {
                snprintf(head, sizeof head,
                         _("would run on %s (%s) when a step's outcome is unknown,"),
                         m->servers[s].name, dom->name);
                plan_line(r, s, head, PP_CMD_PROBE, d);
            }
        }
    }
    if (r->cfg->backup_pool[0]) {
        enum pp_cmd_kind fk[] = {PP_CMD_FAILOVER, PP_CMD_FAILBACK};
        snprintf(head, sizeof head, _("would run on %s if the pool has a problem,"),
                 r->cfg->failover_on);
        for (int k = 0; k < 2; k++)
            plan_line(r, -1, head, fk[k], -1);
        if (has_template(r, PP_CMD_POOL_STATE) && r->cfg->failover_on[0]) {
            snprintf(head, sizeof head, _("would run on %s after a failover or failback,"),
                     r->cfg->failover_on);
            plan_line(r, -1, head, PP_CMD_POOL_STATE, -1);
        }
    }
    if (r->cfg->backend[0] && has_template(r, PP_CMD_BACKEND) && m->nservers > 0) {
        /* asked once every domain is done, on a Front End that is up then
         * (engine_backend.c); the plan names the pool's first */
        snprintf(head, sizeof head,
                 _("would run on a Front End that is up (e.g. %s) once every domain is done,"),
                 m->servers[0].name);
        plan_line(r, 0, head, PP_CMD_BACKEND, -1);
    }
    runner_stage_plan(r, true);
    if (r->cfg->update.package[0] && r->opts.training)
        runner_notify(r, PP_N_EVENT, -1,
                      _("dry run: the training simulator has no files: the update package is not "
                        "looked for on the servers"));
    if (!r->opts.training && r->cfg->shell == PP_SHELL_POWERSHELL && !patch_level_script(r->cfg))
        runner_notify(r, PP_N_EVENT, -1,
                      _("dry run: patch levels not read (the profile has no patch-level command)"));
    r->dry_pending = 1;   /* holds the count while starting */
    if (!has_template(r, PP_CMD_PROBE)) {
        runner_notify(r, PP_N_EVENT, -1,
                      _("dry run: no probe command, so the servers' host keys and logons are not "
                        "checked"));
        for (int s = 0; s < m->nservers; s++)
            runner_dry_package_start(r, s);
    } else {
        /* the plan is only as good as the servers: reach each one read-only */
        r->dry_pending += m->nservers;
        for (int s = 0; s < m->nservers; s++) {
            struct pp_action a = {.type = PP_ACT_RUN, .kind = PP_CMD_PROBE, .server = s,
                                  .domain = m->servers[s].domain,
                                  .timeout = r->cfg->timing.probe_timeout};
            runner_run(r, &a);
        }
    }
    if (--r->dry_pending == 0)
        runner_dry_finish(r);
}

void runner_dry_finish(struct pp_runner *r)
{
    bool ready = r->m->readiness == PP_READY_READY;
    int problems = r->dry_problems + r->dry_missing + r->dry_patch_unknown + !ready;
    char text[400];
    if (problems) {
        int n = snprintf(text, sizeof text, _("dry run: %d problem(s):"), problems);
        const char *sep = " ";
        if (!ready && n < (int)sizeof text) {
            n += snprintf(text + n, sizeof text - (size_t)n, "%s%s", sep, _("the pool is not Ready"));
            sep = "; ";
        }
        if (r->dry_problems && n < (int)sizeof text) {
            n += snprintf(text + n, sizeof text - (size_t)n, "%s%s", sep, _("servers unreachable"));
            sep = "; ";
        }
        if (r->dry_missing && n < (int)sizeof text) {
            n += snprintf(text + n, sizeof text - (size_t)n, "%s%s", sep,
                          _("servers without the update package"));
            sep = "; ";
        }
        if (r->dry_patch_unknown && n < (int)sizeof text)
            snprintf(text + n, sizeof text - (size_t)n, "%s%s", sep,
                     _("servers whose patch level is unknown"));
    } else {
        snprintf(text, sizeof text, "%s",
                 _("dry run complete: the pool is Ready and every server answers"));
    }
    r->exit_code = problems ? 1 : 0;
    struct pp_notice n = {.type = PP_N_EXIT, .server = -1, .text = text, .code = r->exit_code};
    if (r->fn)
        r->fn(r->ctx, &n);
}

static void package_problem(struct pp_runner *r, int server, const char *line)
{
    r->dry_missing++;
    runner_notify(r, PP_N_ERROR, server, line);
}

void runner_dry_package_start(struct pp_runner *r, int server)
{
    const struct pp_update_cfg *u = &r->cfg->update;
    if (server < 0 || server >= r->m->nservers)
        return;
    if (!u->package[0] || r->opts.training) {
        runner_dry_patch_start(r, server);
        return;
    }
    const char *name = r->m->servers[server].name;
    char path[PP_PATH_MAX], err[PP_REASON_MAX], line[PP_REASON_MAX + PP_PATH_MAX];
    if (stage_remote_path(u->remote_path, name, u->package, path, sizeof path, err,
                          sizeof err) < 0) {
        snprintf(line, sizeof line, _("dry run: %s: the update package cannot be looked for: %s"),
                 name, err);
        package_problem(r, server, line);
        runner_dry_patch_start(r, server);
        return;
    }
    char *script = stage_check_script(u->hash_command, path, r->cfg->shell);
    r->dry_pending++;
    if (!script || !runner_start_raw(r, server, PP_CMD_PROBE, script, PP_RAW_PACKAGE,
                                     r->cfg->timing.probe_timeout)) {
        snprintf(line, sizeof line, _("dry run: %s: the update package cannot be looked for: %s"),
                 name, "the transport refused the command");
        package_problem(r, server, line);
        r->dry_pending--;
        runner_dry_patch_start(r, server);
    }
    free(script);
}

void runner_dry_package_done(struct pp_runner *r, const struct pp_cmdrec *c, enum pp_result res,
                             const char *detail)
{
    const struct pp_update_cfg *u = &r->cfg->update;
    int s = c->server;
    const char *name = r->m->servers[s].name;
    char path[PP_PATH_MAX], err[PP_REASON_MAX], line[PP_REASON_MAX + PP_PATH_MAX * 2];
    if (stage_remote_path(u->remote_path, name, u->package, path, sizeof path, err,
                          sizeof err) < 0)
        snprintf(path, sizeof path, "%s", u->remote_path);
    uint64_t size = 0;
    char hex[PP_SHA256_HEX + 1] = "";
    int got = res == PP_RES_OK && !c->truncated
                  ? stage_check_parse(c->out ? c->out : "", c->nout, &size, hex)
                  : -1;
    char bytes[32];
    stage_fmt_bytes(size, bytes, sizeof bytes);
    if (got < 0) {
        snprintf(line, sizeof line, _("dry run: %s: cannot tell whether the update package is at "
                                      "%s: %s %s"),
                 name, path, pp_result_name(res), detail);
        package_problem(r, s, line);
    } else if (got == 0) {
        snprintf(line, sizeof line, _("dry run: %s: the update package is missing: no file %s"),
                 name, path);
        package_problem(r, s, line);
    } else if (!u->hash_command || !u->hash_command[0]) {
        snprintf(line, sizeof line,
                 _("dry run: %s holds %s (%llu bytes, %s; no hash_command, not hashed)"), name,
                 path, (unsigned long long)size, bytes);
        runner_notify(r, PP_N_EVENT, s, line);
    } else if (!hex[0]) {
        snprintf(line, sizeof line, _("dry run: %s holds %s (%llu bytes) but its hash command "
                                      "printed no SHA-256"),
                 name, path, (unsigned long long)size);
        package_problem(r, s, line);
    } else if (r->pkg_sha[0] && strcmp(hex, r->pkg_sha) != 0) {
        snprintf(line, sizeof line, _("dry run: %s: %s (%llu bytes) is not the update package: "
                                      "sha256 %s, not %s"),
                 name, path, (unsigned long long)size, hex, r->pkg_sha);
        package_problem(r, s, line);
    } else {
        snprintf(line, sizeof line, _("dry run: %s holds the update package at %s (%llu bytes, "
                                      "%s, sha256 %s)"),
                 name, path, (unsigned long long)size, bytes, hex);
        runner_notify(r, PP_N_EVENT, s, line);
    }
    runner_dry_patch_start(r, s);   /* before this check stops counting */
    if (--r->dry_pending == 0)
        runner_dry_finish(r);
}

static void patch_unknown(struct pp_runner *r, int server, const char *evidence)
{
    char line[PP_REASON_MAX + PP_NAME_MAX + 80];
    snprintf(line, sizeof line, _("dry run: %s patch level: Unknown (%s)"),
             r->m->servers[server].name, evidence);
    r->dry_patch_unknown++;
    runner_notify(r, PP_N_ERROR, server, line);
}

/* Only PowerShell profiles whose product has Get-CsServerPatchVersion
 * (patch_level.c); the simulator has no patch levels. */
void runner_dry_patch_start(struct pp_runner *r, int server)
{
    const char *script = patch_level_script(r->cfg);
    if (!script || r->opts.training || server < 0 || server >= r->m->nservers)
        return;
    r->dry_pending++;
    if (!runner_start_raw(r, server, PP_CMD_PROBE, script, PP_RAW_PATCH,
                          r->cfg->timing.probe_timeout)) {
        patch_unknown(r, server, "the transport refused the command");
        r->dry_pending--;
    }
}

void runner_dry_patch_done(struct pp_runner *r, const struct pp_cmdrec *c, enum pp_result res,
                           const char *detail)
{
    int s = c->server;
    struct pp_patch_level pl;
    char ev[PP_REASON_MAX + 80];
    if (res != PP_RES_OK) {
        snprintf(ev, sizeof ev, "Get-CsServerPatchVersion: %s %s", pp_result_name(res), detail);
        patch_unknown(r, s, ev);
    } else if (c->truncated || !patch_level_parse(c->out ? c->out : "", c->nout, &pl)) {
        snprintf(ev, sizeof ev, _("no version in the answer of Get-CsServerPatchVersion: %s"),
                 c->truncated ? _("the answer is too large") : detail[0] ? detail : _("no output"));
        patch_unknown(r, s, ev);
    } else {
        char line[PP_NAME_MAX + PP_PATCH_NAME_MAX + PP_PATCH_VERSION_MAX + 80];
        snprintf(line, sizeof line, _("dry run: %s patch level: %s %s (highest of %d component(s))"),
                 r->m->servers[s].name, pl.component, pl.version, pl.ncomponents);
        runner_notify(r, PP_N_EVENT, s, line);
    }
    if (--r->dry_pending == 0)
        runner_dry_finish(r);
}
