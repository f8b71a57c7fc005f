/* Commands: building them from templates, handing them to the transport,
 * and turning what comes back (output, result marker, readiness answer)
 * into engine events. */
#include "backend/runner/runner_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/pool/remote.h"

void runner_cmd_free(struct pp_cmdrec *c)
{
    if (!c)
        return;
    free(c->out);
    free(c);
}

static const char *host_of(const struct pp_runner *r, int server)
{
    return server >= 0 && server < r->m->nservers ? r->m->servers[server].name
                                                   : r->cfg->failover_on;
}

static char *expand(const struct pp_runner *r, enum pp_cmd_kind kind, int server, int domain,
                    char *err, size_t errn)
{
    const char *tmpl = r->cfg->commands[kind];
    if (!tmpl || !tmpl[0]) {
        snprintf(err, errn, "no %s command: the profile has none and [commands] sets none",
                 pp_cmd_kind_name(kind));
        return NULL;
    }
    struct pp_subst s = {
        .server = host_of(r, server),
        .pool = r->cfg->fqdn,
        .domain = domain >= 0 && domain < r->m->ndomains ? r->m->domains[domain].name : NULL,
        .backup_pool = r->cfg->backup_pool,
        .backend = r->cfg->backend,
    };
    return remote_expand(tmpl, &s, r->cfg->shell, err, errn);
}

char *runner_expand_script(const struct pp_runner *r, enum pp_cmd_kind kind, int server,
                           int domain, char *err, size_t errn)
{
    return expand(r, kind, server, domain, err, errn);
}

char *runner_build_command(const struct pp_runner *r, enum pp_cmd_kind kind, int server,
                           int domain, char *err, size_t errn)
{
    char *script = expand(r, kind, server, domain, err, errn);
    if (!script)
        return NULL;
    char *cmd = remote_wrap(script, r->cfg->shell);
    free(script);
    if (!cmd)
        snprintf(err, errn, "out of memory");
    return cmd;
}

/* A dry run's read-only probe of one server: it proves the host key, the
 * logon and the remote shell before the real run needs them. */
static void dry_probe_done(struct pp_runner *r, int server, enum pp_result res,
                           const char *detail)
{
    char line[PP_REASON_MAX + PP_NAME_MAX];
    const char *name = server >= 0 ? r->m->servers[server].name : r->cfg->failover_on;
    if (res == PP_RES_OK)
        snprintf(line, sizeof line, _("dry run: %s answers (host key known, logged in): %s"),
                 name, detail);
    else
        snprintf(line, sizeof line, _("dry run: %s cannot be used: %s %s"), name,
                 pp_result_name(res), detail);
    r->dry_problems += res != PP_RES_OK;
    runner_notify(r, res == PP_RES_OK ? PP_N_EVENT : PP_N_ERROR, server, line);
    /* the server answers: is the installer there? */
    if (res == PP_RES_OK && server >= 0)
        runner_dry_package_start(r, server);   /* then its patch level */
    if (--r->dry_pending == 0)
        runner_dry_finish(r);
}

static void enqueue_done(struct pp_runner *r, enum pp_cmd_kind kind, int server,
                         enum pp_result res, const char *detail)
{
    if (r->opts.dry_run && r->planned && kind == PP_CMD_PROBE) {
        dry_probe_done(r, server, res, detail);
        return;
    }
    struct pp_event ev = {.type = PP_EV_CMD_DONE, .kind = kind, .server = server,
                          .result = res, .detail = detail};
    runner_enqueue(r, &ev);
}

static int buf_index(const struct pp_runner *r, int server)
{
    return server >= 0 && server < r->m->nservers ? server : r->m->nservers;
}

void runner_end_unsent(struct pp_runner *r, enum pp_cmd_kind kind, int server,
                       enum pp_result res, const char *detail)
{
    enqueue_done(r, kind, server, res, detail);
}

void runner_run(struct pp_runner *r, const struct pp_action *a)
{
    char err[PP_REASON_MAX] = "";
    if (r->opts.dry_run && a->kind != PP_CMD_READINESS &&
        !(r->planned && a->kind == PP_CMD_PROBE)) {
        runner_dry_plan(r);
        return;
    }
    if ((a->kind == PP_CMD_DRAIN || a->kind == PP_CMD_DRAIN_NOW) &&
        runner_stage_refuses(r, a->server, err, sizeof err)) {
        /* nothing is sent: the server stays in service */
        runner_drain_refuse(r, a->kind, a->server, PP_RES_FAILED, err);
        return;
    }
    /* staging rewrites the package on the servers right now: no server
     * leaves service on the strength of a file being replaced */
    if ((a->kind == PP_CMD_DRAIN || a->kind == PP_CMD_DRAIN_NOW) && r->stage) {
        snprintf(err, sizeof err, "%s: not drained: staging of the update package runs; "
                                  "retry once it has ended",
                 host_of(r, a->server));
        runner_drain_refuse(r, a->kind, a->server, PP_RES_FAILED, err);
        return;
    }
    /* the journal says staged: the server itself is asked before its drain */
    if ((a->kind == PP_CMD_DRAIN || a->kind == PP_CMD_DRAIN_NOW) && runner_stage_precheck(r, a))
        return;
    runner_send(r, a);
}

void runner_send(struct pp_runner *r, const struct pp_action *a)
{
    char err[PP_REASON_MAX] = "";
    char *script = expand(r, a->kind, a->server, a->domain, err, sizeof err);
    char *cmd = script ? remote_wrap(script, r->cfg->shell) : NULL;
    if (!cmd) {
        free(script);
        enqueue_done(r, a->kind, a->server, PP_RES_FAILED, err[0] ? err : "out of memory");
        return;
    }
    int bi = buf_index(r, a->server);
    /* what the output pane shows: the script, not its base64 wrapping */
    free(r->lastcmd[bi]);
    r->lastcmd[bi] = script;
    char line[300];
    const char *nl = strchr(script, '\n');
    snprintf(line, sizeof line, "$ %s on %s: %.*s%s", pp_cmd_kind_name(a->kind),
             host_of(r, a->server), (int)(nl ? nl - script : (long)strlen(script)), script,
             nl ? " ..." : "");
    outbuf_add_line(&r->out[bi], line);

    struct pp_cmdrec *c = mem_calloc(1, sizeof *c, "runner command");
    c->id = ++r->next_id;
    c->server = a->server;
    c->domain = a->domain;
    c->kind = a->kind;
    c->started = r->now;
    c->next = r->cmds;
    r->cmds = c;
    struct pp_cmd pc = {
        .id = c->id,
        .server = a->server,
        .host = host_of(r, a->server),
        .kind = a->kind,
        .command = cmd,
        .timeout = a->timeout,
        .domain = a->domain >= 0 && a->domain < r->m->ndomains ? r->m->domains[a->domain].name : "",
    };
    int rc = transport_start(r->t, &pc, r->now);
    free(cmd);
    if (rc < 0) {
        r->cmds = c->next;
        runner_cmd_free(c);
        enqueue_done(r, a->kind, a->server, PP_RES_FAILED, "the transport refused the command");
    }
}

struct pp_cmdrec *runner_start_raw(struct pp_runner *r, int server, enum pp_cmd_kind kind,
                                   const char *script, enum pp_raw_check raw, pp_ms timeout)
{
    char *cmd = remote_wrap(script, r->cfg->shell);
    if (!cmd)
        return NULL;
    int bi = buf_index(r, server);
    char line[300];
    const char *nl = strchr(script, '\n');
    snprintf(line, sizeof line, "$ %s on %s: %.*s%s", pp_cmd_kind_name(kind), host_of(r, server),
             (int)(nl ? nl - script : (long)strlen(script)), script, nl ? " ..." : "");
    outbuf_add_line(&r->out[bi], line);
    struct pp_cmdrec *c = mem_calloc(1, sizeof *c, "runner command");
    c->id = ++r->next_id;
    c->server = server;
    c->domain = -1;
    c->kind = kind;
    c->raw = raw;
    c->started = r->now;
    c->next = r->cmds;
    r->cmds = c;
    struct pp_cmd pc = {.id = c->id, .server = server, .host = host_of(r, server), .kind = kind,
                        .command = cmd, .timeout = timeout, .domain = ""};
    int rc = transport_start(r->t, &pc, r->now);
    free(cmd);
    if (rc < 0) {
        r->cmds = c->next;
        runner_cmd_free(c);
        return NULL;
    }
    return c;
}

void runner_cancel_server(struct pp_runner *r, int server)
{
    for (struct pp_cmdrec *c = r->cmds; c; c = c->next)
        if (c->server == server)
            transport_cancel(r->t, c->id, r->now);
}

static struct pp_cmdrec *find_cmd(struct pp_runner *r, uint64_t id, struct pp_cmdrec ***link)
{
    for (struct pp_cmdrec **p = &r->cmds; *p; p = &(*p)->next)
        if ((*p)->id == id) {
            if (link)
                *link = p;
            return *p;
        }
    return NULL;
}

static void keep_output(struct pp_cmdrec *c, const char *data, size_t len)
{
    /* the tail holds the last bytes, for the result marker */
    if (len >= sizeof c->tail) {
        memcpy(c->tail, data + len - sizeof c->tail, sizeof c->tail);
        c->ntail = sizeof c->tail;
    } else {
        size_t keep = sizeof c->tail - len;
        if (c->ntail > keep) {
            memmove(c->tail, c->tail + (c->ntail - keep), keep);
            c->ntail = keep;
        }
        memcpy(c->tail + c->ntail, data, len);
        c->ntail += len;
    }
    if (c->kind != PP_CMD_READINESS && c->kind != PP_CMD_PROBE && c->kind != PP_CMD_FABRIC &&
        c->kind != PP_CMD_TOPOLOGY)
        return;
    if (c->truncated || c->nout + len > PP_CMD_OUT_MAX) {
        c->truncated = true;
        return;
    }
    char *p = realloc(c->out, c->nout + len + 1);
    if (!p) {
        c->truncated = true;
        return;
    }
    c->out = p;
    memcpy(c->out + c->nout, data, len);
    c->nout += len;
    c->out[c->nout] = 0;
}

/* The last meaningful line of a command's output, cleaned for display. */
static void last_line(const struct pp_cmdrec *c, char *buf, size_t n)
{
    buf[0] = 0;
    size_t end = c->ntail;
    while (end > 0) {
        while (end > 0 && (c->tail[end - 1] == '\n' || c->tail[end - 1] == '\r'))
            end--;
        size_t start = end;
        while (start > 0 && c->tail[start - 1] != '\n')
            start--;
        size_t len = end - start;
        const char *l = c->tail + start;
        if (len && strncmp(l, PP_MARKER, strlen(PP_MARKER)) != 0) {
            text_clean(NULL, l, len, buf, n);
            if (buf[0])
                return;
        }
        end = start;
    }
}

static void on_end(struct pp_runner *r, const struct pp_tev *tev)
{
    struct pp_cmdrec **link = NULL;
    struct pp_cmdrec *c = find_cmd(r, tev->id, &link);
    if (!c)
        return;
    *link = c->next;
    enum pp_result res = tev->result;
    char detail[PP_REASON_MAX] = "";
    char mdetail[PP_REASON_MAX] = "";
    last_line(c, detail, sizeof detail);
    if (res == PP_RES_FAILED && tev->exit_status < 0 && tev->data && tev->data[0]) {
        text_clean(NULL, tev->data, strlen(tev->data), detail, sizeof detail);
    } else if ((res == PP_RES_OK || res == PP_RES_FAILED) && c->kind != PP_CMD_RESTART) {
        /* the marker is trusted over the exit status: old Win32-OpenSSH
         * builds always exit 0 */
        enum pp_result mk = remote_marker(c->tail, c->ntail, mdetail, sizeof mdetail);
        if (mk == PP_RES_OK) {
            res = PP_RES_OK;
        } else if (mk == PP_RES_FAILED) {
            res = PP_RES_FAILED;
            if (mdetail[0])
                text_clean(NULL, mdetail, strlen(mdetail), detail, sizeof detail);
        } else {
            /* both wrappers always print a marker: without one the output
             * was cut or the script never finished, whatever the status */
            res = PP_RES_FAILED;
            snprintf(detail, sizeof detail, "no result marker (exit %d): the output was cut or "
                                            "the script did not finish", tev->exit_status);
        }
    } else if (res != PP_RES_OK && tev->data && tev->data[0]) {
        text_clean(NULL, tev->data, strlen(tev->data), detail, sizeof detail);
    }
    if (c->raw != PP_RAW_NONE) {
        if (c->raw == PP_RAW_PATCH)
            runner_dry_patch_done(r, c, res, detail);
        else if (c->raw == PP_RAW_PRECHECK)
            runner_stage_precheck_done(r, c, res, detail);
        else
            runner_dry_package_done(r, c, res, detail);
        runner_cmd_free(c);
        return;
    }
    if (r->opts.dry_run && r->planned && c->kind == PP_CMD_PROBE) {
        dry_probe_done(r, c->server, res, detail);
        runner_cmd_free(c);
        return;
    }
    struct pp_event ev = {.type = PP_EV_CMD_DONE, .kind = c->kind, .server = c->server,
                          .result = res, .detail = detail};
    struct pp_qev *q = runner_enqueue(r, &ev);
    if (c->kind == PP_CMD_READINESS && res == PP_RES_OK) {
        if (c->truncated) {
            memset(&q->readiness, 0, sizeof q->readiness);
            q->readiness.state = PP_READY_UNKNOWN;
            snprintf(q->readiness.why, sizeof q->readiness.why, "answer larger than %d bytes",
                     PP_CMD_OUT_MAX);
        } else {
            readiness_parse(c->out ? c->out : "", c->nout, &q->readiness);
        }
        q->has_readiness = true;
        /* The answer itself (JSON) is on the lines above; this line says
         * what poolpilot read from it, in words, instead of repeating the
         * answer's last line (a JSON fragment when it was wrapped). */
        const struct pp_readiness *rd = &q->readiness;
        if (rd->state == PP_READY_UNKNOWN)
            snprintf(detail, sizeof detail, _("not understood: %s"), rd->why);
        else if (rd->total_fe >= 0 && rd->active_fe >= 0)
            snprintf(detail, sizeof detail, _("%s, %d of %d Front Ends active"),
                     pp_ready_name(rd->state), rd->active_fe, rd->total_fe);
        else
            snprintf(detail, sizeof detail, "%s", pp_ready_name(rd->state));
    }
    if (c->kind == PP_CMD_TOPOLOGY && res == PP_RES_OK) {
        /* the engine compares it with [servers] (engine_topology.c) */
        struct pp_topology *t = mem_calloc(1, sizeof *t, "topology answer");
        if (c->truncated) {
            snprintf(t->why, sizeof t->why, "answer larger than %d bytes", PP_CMD_OUT_MAX);
        } else {
            topology_parse(c->out ? c->out : "", c->nout, t);
        }
        q->topology = t;
        if (t->known) {
            char order[PP_REASON_MAX - 32];
            topology_join(t, order, sizeof order);
            snprintf(detail, sizeof detail, _("in topology order: %s"), order);
        } else {
            snprintf(detail, sizeof detail, _("not understood: %s"), t->why);
        }
    }
    char line[PP_REASON_MAX + 64];
    snprintf(line, sizeof line, "= %s %s%s%s", pp_label(pp_cmd_kind_name(c->kind)),
             pp_result_label(res), detail[0] ? _(": ") : "", detail);
    outbuf_add_line(&r->out[buf_index(r, c->server)], line);
    runner_cmd_free(c);
}

static void sink_emit(void *ctx, const struct pp_tev *tev)
{
    struct pp_runner *r = ctx;
    if (runner_staging_event(r, tev))
        return;   /* staging's copy or hash command (runner_staging.c) */
    switch (tev->type) {
    case PP_TEV_OUTPUT: {
        struct pp_cmdrec *c = find_cmd(r, tev->id, NULL);
        if (!c)
            return;
        if (!tev->is_stderr)
            keep_output(c, tev->data, tev->len);
        int bi = buf_index(r, c->server);
        int k = outbuf_feed(&r->out[bi], tev->data, tev->len);
        int n = outbuf_count(&r->out[bi]);
        for (int i = k > n ? 0 : n - k; k > 0 && c->server >= 0 && i < n; i++) {
            const char *l = outbuf_line(&r->out[bi], i);
            if (strncmp(l, PP_MARKER, strlen(PP_MARKER)) != 0) {
                snprintf(r->m->servers[c->server].last_line,
                         sizeof r->m->servers[c->server].last_line, "%s", l);
                runner_notify(r, PP_N_OUTPUT, c->server, l);
            }
        }
        break;
    }
    case PP_TEV_END:
        on_end(r, tev);
        break;
    case PP_TEV_PROMPT: {
        struct pp_notice n = {.type = PP_N_PROMPT, .server = tev->server, .text = tev->data,
                              .prompt_id = tev->prompt_id, .prompt = tev->prompt,
                              .echo = tev->echo};
        if (r->fn)
            r->fn(r->ctx, &n);
        break;
    }
    case PP_TEV_LOG:
        if (tev->data)
            outbuf_add_line(&r->log, tev->data);
        break;
    case PP_TEV_STATUS:
        if (tev->data) {
            /* the transport says it in English; the operator reads it in
               the operator's language */
            char say[1024];
            journal_say(tev->data, say, sizeof say);
            runner_notify(r, PP_N_EVENT, tev->server, say);
        }
        break;
    case PP_TEV_PROGRESS:   /* copies are staging's (stage.c), not the run's */
        break;
    }
}

void runner_poll_transport(struct pp_runner *r)
{
    struct pp_tsink sink = {.emit = sink_emit, .ctx = r};
    transport_poll(r->t, r->now, &sink);
}
