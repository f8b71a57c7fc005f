/* The simulated pool as a transport (training mode and most tests).
 *
 * Files: sim.c (this: the transport, command lifecycle, delivery),
 * sim_heap.c (the event heap), sim_pool.c (pool state, quorum, faults,
 * answers, sim_inject), sim_output.c (what each command prints, when).
 *
 * Commands become timed beats in one binary min-heap keyed by (time,
 * timeouts last, sequence), so the runner can jump its virtual clock from
 * event to event (--time-scale=max) and a 1000-server fleet costs
 * O(log n) per event.  Cancelled and finished commands leave stale heap
 * entries behind; generation counters make them no-ops when they surface.
 *
 * Deterministic: each command's randomness comes from (seed, server, how
 * many commands that server has run), and events are processed in heap
 * order whatever the runner's poll granularity, so the same scenario, seed
 * and command sequence give the same events.
 *
 * How the pool behaves where FACTS.md leaves a choice:
 * - a draining server (RTCSRV Paused) still counts as active; its
 *   services count as down once the drain ends;
 * - after a restart the services stay stopped until verify starts them
 *   (Start-CsWindowsService), so a restarted but unverified server is down;
 * - a command on a machine that does not answer SSH (rebooting, never
 *   came back) ends LOST after 1-2 s ("Connection refused"); a readiness
 *   check on a machine that answers but whose services are stopped ends
 *   FAILED (the cmdlet needs a running Front End);
 * - a dropped connection ends LOST half-way; the seed decides whether the
 *   step got done, and probes tell that truth;
 * - a drain of stopped services and an upgrade of a patched server are
 *   quick no-ops that end ok (a re-run after an unknown outcome);
 * - servers with no domain in the config get UpgradeDomain1, 2, ... in
 *   blocks of two in topology order (sim_pool.c).
 *
 * The sink may call back into the transport (the runner starts the next
 * command when one ends): nothing here holds a pointer into the heap or a
 * finished command across an emit, and END is always the last thing done
 * for a command. */
#include "backend/transport/sim/sim_internal.h"

#include "backend/pool/remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pp_transport_ops sim_ops;

bool sim_is(const struct pp_transport *t) { return t && t->ops == &sim_ops; }

/* ---- delivering output ---- */

static int slot_server(const struct sim *s, int slot) { return slot == s->n ? -1 : slot; }

static void emit(struct sim *s, int slot, struct pp_tev *ev, const struct pp_tsink *sink)
{
    ev->id = s->srv[slot].cmd.id;
    ev->server = slot_server(s, slot);
    if (sink && sink->emit)
        sink->emit(sink->ctx, ev);
}

static void emit_text(struct sim *s, int slot, enum pp_tev_type type, const char *text,
                      const struct pp_tsink *sink)
{
    struct pp_tev ev = {.type = type, .data = text, .len = strlen(text), .exit_status = -1};
    emit(s, slot, &ev, sink);
}

static int scratch_fit(struct sim *s, size_t n)
{
    if (n <= s->nscratch)
        return 0;
    char *p = realloc(s->scratch, n);
    if (!p)
        return -1;
    s->scratch = p;
    s->nscratch = n;
    return 0;
}

static void flush_carry(struct sim *s, int slot, const struct pp_tsink *sink)
{
    struct sim_cmd *c = &s->srv[slot].cmd;
    if (!c->ncarry)
        return;
    char *p = c->carry;
    size_t n = c->ncarry;
    c->carry = NULL;
    c->ncarry = 0;
    struct pp_tev ev = {.type = PP_TEV_OUTPUT, .data = p, .len = n,
                        .is_stderr = c->carry_err, .exit_status = -1};
    emit(s, slot, &ev, sink);
    free(p);
}

/* One line as the remote shell writes it.  About one line in four is cut
 * in two chunks (sometimes between CR and LF), the tail riding with the
 * next line, so the runner's line assembly is exercised for real. */
static void emit_line(struct sim *s, int slot, const char *text, bool err,
                      const struct pp_tsink *sink)
{
    struct sim_cmd *c = &s->srv[slot].cmd;
    if (c->ncarry && c->carry_err != err)
        flush_carry(s, slot, sink);
    const char *eol = s->crlf ? "\r\n" : "\n";
    size_t tl = strlen(text), el = strlen(eol), n = c->ncarry + tl + el;
    if (scratch_fit(s, n) < 0)
        return;
    if (c->ncarry)
        memcpy(s->scratch, c->carry, c->ncarry);
    memcpy(s->scratch + c->ncarry, text, tl);
    memcpy(s->scratch + c->ncarry + tl, eol, el);
    free(c->carry);
    c->carry = NULL;
    c->ncarry = 0;

    uint64_t h = sim_hash(c->rng ^ 0xc4a7, (uint64_t)c->lines++);
    size_t cut = n;
    if (n > 1 && h % 4 == 0) {
        cut = 1 + (size_t)((h >> 8) % (n - 1));
        char *tail = malloc(n - cut);
        if (tail) {
            memcpy(tail, s->scratch + cut, n - cut);
            c->carry = tail;
            c->ncarry = n - cut;
            c->carry_err = err;
        } else {
            cut = n;
        }
    }
    struct pp_tev ev = {.type = PP_TEV_OUTPUT, .data = s->scratch, .len = cut,
                        .is_stderr = err, .exit_status = -1};
    emit(s, slot, &ev, sink);
}

static void emit_marker(struct sim *s, int slot, bool ok, const char *detail,
                        const struct pp_tsink *sink)
{
    char line[700];
    snprintf(line, sizeof line, "%s %s%s%s", PP_MARKER, ok ? "ok" : "failed",
             detail && *detail ? " " : "", detail ? detail : "");
    emit_line(s, slot, line, false, sink);
}

/* The command's one END: always the last thing done for it, since the
 * sink may start the next command on the same server right away. */
static void finish(struct sim *s, int slot, pp_ms at, enum pp_result res, int status,
                   const char *why, const struct pp_tsink *sink)
{
    struct sim_cmd *c = &s->srv[slot].cmd;
    flush_carry(s, slot, sink);
    struct pp_tev ev = {.type = PP_TEV_END, .result = res, .exit_status = status,
                        .duration = at - c->started, .data = why, .len = why ? strlen(why) : 0};
    ev.id = c->id;
    ev.server = slot_server(s, slot);
    c->active = false;
    sim_beats_free(c);
    if (sink && sink->emit)
        sink->emit(sink->ctx, &ev);
}

/* ---- what commands do to the pool ---- */

static void begin_reboot(struct sim *s, int slot, const struct pp_tsink *sink)
{
    struct sim_server *v = &s->srv[slot];
    struct sim_cmd *c = &v->cmd;
    sim_set_verified(s, slot, false);
    if (c->never_returns) {
        sim_set_svc(s, slot, SVC_DEAD);
    } else {
        sim_set_svc(s, slot, SVC_REBOOTING);
        v->back_gen++;
        sim_heap_push(s, EV_BACK, c->back_at, slot, v->back_gen, 0);
    }
    c->waiting_back = true;
    char text[PP_NAME_MAX + 48];
    snprintf(text, sizeof text, "%s restarting: the SSH connection dropped", v->name);
    emit_text(s, slot, PP_TEV_STATUS, text, sink);
}

/* A step that stopped half-way leaves what it had done. */
static void effect_abort(struct sim *s, int slot)
{
    struct sim_server *v = &s->srv[slot];
    if (v->cmd.kind == PP_CMD_UPGRADE && v->svc == SVC_UPGRADING)
        sim_set_svc(s, slot, SVC_STOPPED);   /* installer aborted, not patched */
}

static void effect_complete(struct sim *s, int slot)
{
    struct sim_server *v = &s->srv[slot];
    switch (v->cmd.kind) {
    case PP_CMD_DRAIN:
    case PP_CMD_DRAIN_NOW:
        if (sim_reachable(v))
            sim_set_svc(s, slot, SVC_STOPPED);
        v->last_done = PP_STEP_DRAIN;
        break;
    case PP_CMD_UPGRADE:
        if (v->cmd.noop)
            break;
        v->patched = true;
        v->reboot_pending = true;
        sim_set_svc(s, slot, SVC_STOPPED);
        v->last_done = PP_STEP_UPGRADE;
        break;
    case PP_CMD_VERIFY:
        sim_set_svc(s, slot, SVC_UP);
        sim_set_verified(s, slot, true);
        v->last_done = PP_STEP_VERIFY;
        break;
    case PP_CMD_FAILOVER:
        s->failed_over = true;
        break;
    case PP_CMD_FAILBACK:
        s->failed_over = false;
        break;
    default:
        break;
    }
}

static void end_failed(struct sim *s, int slot, pp_ms at, const char *msg,
                       const struct pp_tsink *sink)
{
    char copy[512];
    snprintf(copy, sizeof copy, "%s", msg ? msg : "failed");
    effect_abort(s, slot);
    emit_line(s, slot, copy, true, sink);
    emit_marker(s, slot, false, copy, sink);
    finish(s, slot, at, PP_RES_FAILED, 1, copy, sink);
}

static void end_ok(struct sim *s, int slot, pp_ms at, const struct pp_tsink *sink)
{
    struct sim_cmd *c = &s->srv[slot].cmd;
    if (c->fail_at_end) {
        char msg[512];
        sim_fail_text(s, slot, msg, sizeof msg);
        end_failed(s, slot, at, msg, sink);
        return;
    }
    effect_complete(s, slot);
    emit_marker(s, slot, true, NULL, sink);
    finish(s, slot, at, PP_RES_OK, 0, NULL, sink);
}

/* The connection dropped: whether the step got done on the server is
 * decided by the seed; a probe afterwards tells the truth. */
static void end_lost(struct sim *s, int slot, pp_ms at, const char *why,
                     const struct pp_tsink *sink)
{
    struct sim_cmd *c = &s->srv[slot].cmd;
    char copy[300];
    snprintf(copy, sizeof copy, "%s", why);
    emit_text(s, slot, PP_TEV_LOG, copy, sink);
    if (!c->refused && !c->waiting_back) {
        bool done = sim_hash(c->rng, 0xd20f) & 1;
        if (done && c->kind == PP_CMD_RESTART)
            begin_reboot(s, slot, sink);    /* Restart-Computer did go through */
        else if (done)
            effect_complete(s, slot);
        else
            effect_abort(s, slot);
    }
    finish(s, slot, at, PP_RES_LOST, -1, copy, sink);
}

static void answer(struct sim *s, int slot, pp_ms at, const struct pp_tsink *sink)
{
    struct sim_cmd *c = &s->srv[slot].cmd;
    if (c->fail_at_end) {
        end_ok(s, slot, at, sink);   /* turns into the kind's failure */
        return;
    }
    char line[300];
    switch (c->kind) {
    case PP_CMD_READINESS: {
        char *json = sim_readiness_answer(s);
        if (!json) {
            end_failed(s, slot, at, "out of memory building the readiness answer", sink);
            return;
        }
        emit_line(s, slot, json, false, sink);
        free(json);
        end_ok(s, slot, at, sink);
        return;
    }
    case PP_CMD_FABRIC:
        if (sim_fabric_answer(s, line, sizeof line)) {
            emit_line(s, slot, line, false, sink);
            end_ok(s, slot, at, sink);
        } else {
            emit_line(s, slot, line, false, sink);
            emit_marker(s, slot, false, line, sink);
            finish(s, slot, at, PP_RES_FAILED, 1, line, sink);
        }
        return;
    case PP_CMD_POOL_STATE:
        emit_line(s, slot, "Get-CsRegistrarConfiguration: PoolState", false, sink);
        sim_pool_state_answer(s, line, sizeof line);
        emit_line(s, slot, line, false, sink);
        end_ok(s, slot, at, sink);
        return;
    default:   /* probe */
        sim_probe_answer(s, slot, line, sizeof line);
        emit_line(s, slot, line, false, sink);
        end_ok(s, slot, at, sink);
        return;
    }
}

static void schedule_next(struct sim *s, int slot)
{
    struct sim_cmd *c = &s->srv[slot].cmd;
    if (c->active && !c->hung && c->next < c->nbeats)
        sim_heap_push(s, EV_BEAT, c->beats[c->next].at, slot, c->gen, c->tick);
}

static void on_beat(struct sim *s, int slot, pp_ms at, const struct pp_tsink *sink)
{
    struct sim_cmd *c = &s->srv[slot].cmd;
    struct sim_beat b = c->beats[c->next++];
    switch (b.kind) {
    case BEAT_LINE:
    case BEAT_ERR:
        emit_line(s, slot, b.text, b.kind == BEAT_ERR, sink);
        schedule_next(s, slot);
        break;
    case BEAT_REBOOT:
        begin_reboot(s, slot, sink);
        schedule_next(s, slot);
        break;
    case BEAT_END_OK:
        end_ok(s, slot, at, sink);
        break;
    case BEAT_END_FAIL:
        end_failed(s, slot, at, b.text, sink);
        break;
    case BEAT_END_LOST:
        end_lost(s, slot, at, b.text, sink);
        break;
    case BEAT_ANSWER:
        answer(s, slot, at, sink);
        break;
    }
}

static void on_back(struct sim *s, int slot, pp_ms at, const struct pp_tsink *sink)
{
    struct sim_server *v = &s->srv[slot];
    struct sim_cmd *c = &v->cmd;
    /* Services stay down after the boot: verify starts them. */
    sim_set_svc(s, slot, SVC_STOPPED);
    v->reboot_pending = false;
    v->last_done = PP_STEP_RESTART;
    bool waiting = c->active && c->kind == PP_CMD_RESTART && c->waiting_back && !c->hung;
    char text[PP_NAME_MAX + 48];
    snprintf(text, sizeof text, "%s is back: SSH answers again", v->name);
    struct pp_tev st = {.type = PP_TEV_STATUS, .data = text, .len = strlen(text),
                        .exit_status = -1};
    st.id = waiting ? c->id : 0;    /* no command waits when the restart timed out */
    st.server = slot_server(s, slot);
    if (sink && sink->emit)
        sink->emit(sink->ctx, &st);
    if (!waiting)
        return;
    char line[PP_NAME_MAX + 80];
    pp_ms secs = (at - c->started) / 1000;
    snprintf(line, sizeof line, "%s is back: SSH answers again after %lldm%02llds", v->name,
             (long long)(secs / 60), (long long)(secs % 60));
    emit_line(s, slot, line, false, sink);
    end_ok(s, slot, at, sink);
}

static void process(struct sim *s, const struct sim_ev *e, const struct pp_tsink *sink)
{
    switch (e->type) {
    case EV_BEAT:
        on_beat(s, e->slot, e->at, sink);
        break;
    case EV_TIMEOUT: {
        char why[80];
        snprintf(why, sizeof why, "no end within %llds",
                 (long long)((e->at - s->srv[e->slot].cmd.started) / 1000));
        effect_abort(s, e->slot);
        finish(s, e->slot, e->at, PP_RES_TIMEOUT, -1, why, sink);
        break;
    }
    case EV_CANCEL:
        effect_abort(s, e->slot);
        finish(s, e->slot, e->at, PP_RES_CANCELLED, -1, "cancelled", sink);
        break;
    case EV_DROP: {
        char why[PP_NAME_MAX + 60];
        snprintf(why, sizeof why, "connection to %s lost: Connection reset by peer",
                 s->srv[e->slot].name);
        end_lost(s, e->slot, e->at, why, sink);
        break;
    }
    case EV_BACK:
        on_back(s, e->slot, e->at, sink);
        break;
    }
}

/* ---- the transport operations ---- */

static bool host_kind(enum pp_cmd_kind k)
{
    return k == PP_CMD_FAILOVER || k == PP_CMD_FAILBACK || k == PP_CMD_PROBE ||
           k == PP_CMD_POOL_STATE;
}

int sim_cmd_slot(const struct sim *s, int server, enum pp_cmd_kind kind)
{
    if (server == -1)
        return s->has_host && host_kind(kind) ? s->n : -1;
    return server >= 0 && server < s->n ? server : -1;
}

static int sim_start(struct pp_transport *t, const struct pp_cmd *cmd, pp_ms now)
{
    struct sim *s = (struct sim *)t;
    if (!cmd || cmd->kind < 0 || cmd->kind >= PP_CMD_COUNT)
        return -1;
    int slot = sim_cmd_slot(s, cmd->server, cmd->kind);
    if (slot < 0)
        return -1;
    struct sim_server *v = &s->srv[slot];
    struct sim_cmd *c = &v->cmd;
    if (c->active || sim_heap_reserve(s, 2) < 0)
        return -1;
    if (now > s->now)
        s->now = now;

    uint32_t gen = c->gen + 1;
    memset(c, 0, sizeof *c);   /* beats and carry were freed when it ended */
    c->gen = gen;
    c->id = cmd->id;
    c->kind = cmd->kind;
    c->started = now;
    c->timeout_at = cmd->timeout > 0 ? now + cmd->timeout : PP_MS_NEVER;
    c->rng = sim_hash(sim_hash(s->simcfg.seed, (uint64_t)slot), v->attempts++);

    if (c->kind == PP_CMD_DRAIN || c->kind == PP_CMD_DRAIN_NOW)
        c->noop = !sim_svc_up(v->svc);
    else if (c->kind == PP_CMD_UPGRADE)
        c->noop = v->patched;
    enum sim_plan plan = PLAN_NORMAL;
    if (!sim_reachable(v)) {
        plan = PLAN_REFUSED;
        c->refused = true;
    } else {
        const struct sim_fault *f = sim_take_fault(s, slot, cmd->kind);
        if (f) {
            switch (f->kind) {
            case PP_FAULT_FAIL: plan = PLAN_FAIL; break;
            case PP_FAULT_HANG: plan = PLAN_HANG; break;
            case PP_FAULT_DROP: plan = PLAN_DROP; break;
            case PP_FAULT_NEVER_RETURNS: c->never_returns = true; break;
            default: break;
            }
        }
    }
    if (sim_script(s, slot, now, plan) < 0) {
        sim_beats_free(c);
        return -1;
    }
    if (!c->refused) {
        switch (c->kind) {
        case PP_CMD_DRAIN:
            sim_set_verified(s, slot, false);
            if (v->svc == SVC_UP)
                sim_set_svc(s, slot, SVC_DRAINING);
            break;
        case PP_CMD_DRAIN_NOW:
            sim_set_verified(s, slot, false);
            break;
        case PP_CMD_UPGRADE:      /* the installer stops the services */
            if (!c->noop) {
                sim_set_verified(s, slot, false);
                sim_set_svc(s, slot, SVC_UPGRADING);
            }
            break;
        default:
            break;
        }
    }
    c->active = true;
    schedule_next(s, slot);
    if (c->timeout_at != PP_MS_NEVER)
        sim_heap_push(s, EV_TIMEOUT, c->timeout_at, slot, c->gen, 0);
    return 0;
}

static void sim_cancel(struct pp_transport *t, uint64_t id, pp_ms now)
{
    struct sim *s = (struct sim *)t;
    if (now > s->now)
        s->now = now;
    for (int i = 0; i <= s->n; i++) {
        struct sim_cmd *c = &s->srv[i].cmd;
        if (c->active && c->id == id) {
            if (sim_heap_reserve(s, 1) == 0)
                sim_heap_push(s, EV_CANCEL, now > c->started ? now : c->started, i, c->gen, 0);
            return;
        }
    }
}

static void sim_poll(struct pp_transport *t, pp_ms now, const struct pp_tsink *sink)
{
    struct sim *s = (struct sim *)t;
    if (s->polling)        /* a sink that polls again: the outer loop delivers */
        return;
    s->polling = true;
    while (s->nheap > 0 && s->heap[0].at <= now) {
        struct sim_ev e = sim_heap_pop(s);
        if (sim_ev_stale(s, &e))
            continue;
        if (e.at > s->now)
            s->now = e.at;
        process(s, &e, sink);
    }
    if (now > s->now)
        s->now = now;
    s->polling = false;
}

static int sim_fd(struct pp_transport *t)
{
    (void)t;
    return -1;
}

static pp_ms sim_next_due(struct pp_transport *t)
{
    struct sim *s = (struct sim *)t;
    while (s->nheap > 0 && sim_ev_stale(s, &s->heap[0]))
        sim_heap_pop(s);
    return s->nheap > 0 ? s->heap[0].at : PP_MS_NEVER;
}

static void sim_answer(struct pp_transport *t, uint64_t prompt_id, bool accept,
                       const char *text, bool remember)
{
    /* The simulated pool never prompts. */
    (void)t; (void)prompt_id; (void)accept; (void)text; (void)remember;
}

static void sim_free(struct pp_transport *t)
{
    struct sim *s = (struct sim *)t;
    if (!s)
        return;
    if (s->srv)
        for (int i = 0; i <= s->n; i++) {
            sim_beats_free(&s->srv[i].cmd);
            free(s->srv[i].cmd.carry);
        }
    sim_pool_free(s);
    free(s->heap);
    free(s->scratch);
    free(s->pool);
    free(s->backup_pool);
    free(s);
}

static const struct pp_transport_ops sim_ops = {
    .name = "sim",
    .start = sim_start,
    .cancel = sim_cancel,
    .poll = sim_poll,
    .fd = sim_fd,
    .next_due = sim_next_due,
    .answer = sim_answer,
    .free = sim_free,
};

/* Timings for a config without [sim] (training on a real pool's file). */
static void sim_defaults(struct pp_sim_cfg *c)
{
    static const pp_ms step[PP_STEP_COUNT] = {180000, 600000, 240000, 60000};
    for (int i = 0; i < PP_STEP_COUNT; i++)
        if (c->step_time[i] <= 0)
            c->step_time[i] = step[i];
    if (c->readiness_time <= 0)
        c->readiness_time = 20000;
    if (c->failover_time <= 0)
        c->failover_time = 1200000;
}

struct pp_transport *sim_transport_new(const struct pp_config *cfg)
{
    if (!cfg)
        return NULL;
    struct sim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.ops = &sim_ops;
    s->pool = strdup(cfg->fqdn[0] ? cfg->fqdn : "pool");
    s->backup_pool = strdup(cfg->backup_pool);
    s->crlf = cfg->shell == PP_SHELL_POWERSHELL;
    s->sfb = strncmp(cfg->profile, "sfb", 3) == 0;
    s->lync = s->sfb || strncmp(cfg->profile, "lync", 4) == 0 ||
              (s->crlf && strcmp(cfg->profile, "linux-systemd") != 0);
    /* as the engine's model decides it (model.c): the pool's own drain */
    s->computer_failover = cfg->commands[PP_CMD_DRAIN] &&
                           strstr(cfg->commands[PP_CMD_DRAIN], "Invoke-CsComputerFailOver");
    s->simcfg = cfg->sim;
    s->simcfg.nfaults = 0;    /* the live faults are in s->faults */
    if (!cfg->sim.present)
        sim_defaults(&s->simcfg);
    for (int i = 0; i < PP_STEP_COUNT; i++)
        if (s->simcfg.step_time[i] < 0)
            s->simcfg.step_time[i] = 0;
    if (s->simcfg.readiness_time < 0)
        s->simcfg.readiness_time = 0;
    if (s->simcfg.failover_time < 0)
        s->simcfg.failover_time = 0;
    if (!s->pool || !s->backup_pool || sim_pool_init(s, cfg) < 0 || sim_heap_reserve(s, 64) < 0) {
        sim_free(&s->base);
        return NULL;
    }
    return &s->base;
}
