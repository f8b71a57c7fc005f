/* The curses dashboard: the pp_ui_ops the event loop drives.  It owns the
 * view state, turns keys into actions (keymap) and actions into operator
 * events, renders the model through render.c and puts it on the screen
 * through draw.c.  It never blocks: input is read in nodelay mode until
 * ERR, and a frame is only built when something changed (a notice, a key,
 * or a clock on screen ticking over to the next second). */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/core/i18n.h"
#include "backend/runner/runner.h"
#include "tui/dashboard/dash_training.h"
#include "tui/dashboard/curses_keys.h"
#include "tui/dashboard/draw.h"
#include "tui/dashboard/inject_menu.h"
#include "tui/keymap.h"
#include "tui/dashboard/nav.h"
#include "tui/dashboard/render.h"
#include "tui/ui.h"

#define MAX_ERRORS 16
#define MAX_PROMPTS 16

struct prompt {
    uint64_t id;
    enum pp_prompt_kind kind;
    bool echo;
    int server;
    char text[PP_REASON_MAX];
};

struct dashboard {
    struct pp_ui ui;                 /* first: the loop holds a struct pp_ui * */
    const struct pp_config *cfg;
    struct pp_runner *r;
    struct keymap km;
    struct rd_view v;
    struct rd_canvas cv;
    struct draw dr;
    bool utf8;
    bool dirty, full;
    bool leave;                      /* the operator left the final summary */
    int64_t shown_second;            /* runner second of the last frame */
    double scale;                    /* training clock speed, 0 = max */
    char errors[MAX_ERRORS][PP_REASON_MAX];
    int nerrors;
    struct prompt prompts[MAX_PROMPTS];
    int nprompts;
    struct inject_menu im;           /* the trainer's fault menu */
    char **debrief;                  /* lines of the training debrief (owned) */
    int ndebrief;
    char eta[160];                   /* the title's "ends about ..." */
};

static struct dashboard *dash(struct pp_ui *u) { return (struct dashboard *)u; }

/* ---- runner glue ---- */

static const struct pp_outbuf *src_output(void *ctx, int server)
{
    return runner_output(ctx, server);
}

static const char *src_last_command(void *ctx, int server)
{
    return runner_last_command(ctx, server);
}

/* A server's staging in its panel row: "▕███   ▏45% 2.7 MiB 1.2 MiB/s 5s"
 * while copied, the hash check, the result; after staging, staged or not
 * (the journal's word).  Short: a 40-column panel leaves ~20 columns. */
static const char *src_stage_text(void *ctx, int server, bool utf8, char *buf, size_t n,
                                  bool *warn)
{
    struct pp_stage_progress p;
    buf[0] = 0;
    *warn = false;
    if (!runner_stage_progress(ctx, server, &p)) {
        int st = runner_stage_staged(ctx, server);
        if (st >= 0)
            snprintf(buf, n, "%s", st ? _("staged") : _("not staged"));
        *warn = st == 0;
        return buf;
    }
    *warn = p.state == PP_STG_FAILED || p.state == PP_STG_CANCELLED;
    char a[32], r[32], e[32], bar[64] = "";
    switch (p.state) {
    case PP_STG_WAITING: snprintf(buf, n, "%s", _("waiting to stage")); break;
    case PP_STG_CHECKING: snprintf(buf, n, "%s", _("checking")); break;
    case PP_STG_VERIFYING: snprintf(buf, n, "%s", _("checking the copy")); break;
    case PP_STG_STAGED: snprintf(buf, n, "%s", _("staged")); break;
    case PP_STG_FAILED: snprintf(buf, n, _("FAILED: %s"), p.why); break;
    case PP_STG_CANCELLED: snprintf(buf, n, "%s", _("not staged: cancelled")); break;
    case PP_STG_COPYING: {
        int pct = p.total ? (int)(p.done * 100 / p.total) : 100, fill = pct / 20;
        size_t l = 0;
        for (int i = 0; i < 5 && l + 4 < sizeof bar; i++)
            l += (size_t)snprintf(bar + l, sizeof bar - l, "%s",
                                  i < fill ? (utf8 ? "█" : "#") : (utf8 ? "░" : "."));
        stage_fmt_bytes(p.done, a, sizeof a);
        stage_fmt_bytes(p.rate, r, sizeof r);
        stage_fmt_secs(p.eta, e, sizeof e);
        snprintf(buf, n, "%s %d%% %s %s/s %s", bar, pct, a, r, e);
        break;
    }
    }
    return buf;
}

static struct rd_source source(struct dashboard *d)
{
    pp_ms now = runner_now(d->r);
    runner_eta_text(d->r, d->eta, sizeof d->eta);
    return (struct rd_source){
        .m = runner_model(d->r),
        .cfg = d->cfg,
        .now = now,
        .wall_offset = runner_wall(d->r) - now,
        .paused = runner_paused(d->r),
        .scale = d->scale,
        .output = src_output,
        .last_command = src_last_command,
        .ctx = d->r,
        .eta = d->eta,
        .stage_text = src_stage_text,
    };
}

static void operator_event(struct dashboard *d, enum pp_op op, enum pp_override ov,
                           const char *target, const char *reason)
{
    struct pp_event ev = {.type = PP_EV_OPERATOR, .op = op, .ov = ov, .target = target,
                          .reason = reason};
    runner_operator(d->r, &ev);
}

/* A confirm / decline names the question on the screen when the key was
 * pressed: if the engine has replaced it since, the engine refuses. */
static void answer_event(struct dashboard *d, enum pp_op op, unsigned ask_id)
{
    struct pp_event ev = {.type = PP_EV_OPERATOR, .op = op, .ask_id = ask_id ? ask_id : ~0u};
    runner_operator(d->r, &ev);
}

static void note(struct dashboard *d, const char *text)
{
    snprintf(d->v.note, sizeof d->v.note, "%s", text);
}

static void sync_errors(struct dashboard *d)
{
    d->v.nerrors = d->nerrors;
    snprintf(d->v.error, sizeof d->v.error, "%s", d->nerrors ? d->errors[0] : "");
}

/* ---- prompts ---- */

static void prompt_open_next(struct dashboard *d)
{
    if (d->v.dlg.kind != DLG_NONE || d->nprompts == 0)
        return;
    struct prompt *p = &d->prompts[0];
    const struct pp_model *m = runner_model(d->r);
    const char *host = p->server >= 0 && p->server < m->nservers ? m->servers[p->server].name
                       : d->cfg && d->cfg->failover_on[0] ? d->cfg->failover_on
                                                           : "the failover host";
    dlg_open_prompt(&d->v.dlg, p->id, p->kind, p->echo, host, p->text);
    explicit_bzero(p, sizeof *p);
    memmove(&d->prompts[0], &d->prompts[1], (size_t)(d->nprompts - 1) * sizeof d->prompts[0]);
    d->nprompts--;
    d->v.prompts_waiting = d->nprompts;
}

/* Nobody is left to answer (the terminal hung up): refuse every prompt so
 * no connection waits forever for a password. */
static void prompts_refuse_all(struct dashboard *d)
{
    if (d->v.dlg.kind == DLG_PROMPT) {
        runner_answer(d->r, d->v.dlg.prompt_id, false, NULL, false);
        dlg_wipe(&d->v.dlg);
    }
    for (int i = 0; i < d->nprompts; i++)
        runner_answer(d->r, d->prompts[i].id, false, NULL, false);
    explicit_bzero(d->prompts, sizeof d->prompts);
    d->nprompts = d->v.prompts_waiting = 0;
}

static void prompt_queue(struct dashboard *d, const struct pp_notice *n)
{
    if (d->v.gone) {
        runner_answer(d->r, n->prompt_id, false, NULL, false);
        return;
    }
    if (d->nprompts == MAX_PROMPTS) {
        /* nobody can answer this many at once: refuse, the transport reports it */
        runner_answer(d->r, n->prompt_id, false, NULL, false);
        return;
    }
    struct prompt *p = &d->prompts[d->nprompts++];
    p->id = n->prompt_id;
    p->kind = n->prompt;
    p->echo = n->echo;
    p->server = n->server;
    snprintf(p->text, sizeof p->text, "%s", n->text ? n->text : "");
    d->v.prompts_waiting = d->nprompts;
    prompt_open_next(d);
}

/* At the end of a training run: the debrief, read back from the journal
 * (the same fold --report uses), kept as lines for the overlay. */
static void build_debrief(struct dashboard *d)
{
    if (d->debrief || !runner_model(d->r)->training)
        return;
    d->ndebrief = dash_debrief_lines(d->r, d->cfg, &d->debrief);
    d->v.debrief = d->debrief;
    d->v.ndebrief = d->ndebrief;
}

/* ---- notices ---- */

static void dash_notice(struct pp_ui *u, const struct pp_notice *n)
{
    struct dashboard *d = dash(u);
    d->dirty = true;
    const struct pp_model *m = runner_model(d->r);
    switch (n->type) {
    case PP_N_EVENT:
        snprintf(d->v.event, sizeof d->v.event, "%s", n->text ? n->text : "");
        break;
    case PP_N_RESUMED:
        /* read first, before anything else is asked */
        if (n->text && n->text[0])
            dlg_open_info(&d->v.dlg, n->text);
        break;
    case PP_N_OUTPUT:
        break;
    case PP_N_ASK:
        /* point at what the question is about */
        if (m->ask_server >= 0 && m->ask_server < m->nservers)
            nav_select_server(&d->v, m, m->ask_server);
        else if (m->ask_domain >= 0 && m->ask_domain < m->ndomains)
            nav_select_domain(&d->v, m->ask_domain);
        d->v.note[0] = 0;
        break;
    case PP_N_PROMPT:
        prompt_queue(d, n);
        break;
    case PP_N_ERROR:
        if (d->nerrors < MAX_ERRORS) {
            snprintf(d->errors[d->nerrors++], PP_REASON_MAX, "%s", n->text ? n->text : "error");
        } else {
            /* keep the newest: the last slot is overwritten */
            snprintf(d->errors[MAX_ERRORS - 1], PP_REASON_MAX, "%s", n->text ? n->text : "error");
        }
        sync_errors(d);
        break;
    case PP_N_EXIT:
        build_debrief(d);
        d->im.open = false;
        d->v.ended = true;
        d->v.ended_at = runner_now(d->r);
        d->v.summary = true;
        d->v.exit_code = n->code;
        snprintf(d->v.exit_text, sizeof d->v.exit_text, "%s", n->text ? n->text : "");
        if (d->v.dlg.kind == DLG_OVERRIDE || d->v.dlg.kind == DLG_QUIT)
            dlg_wipe(&d->v.dlg);   /* nothing left to decide */
        break;
    }
}

/* ---- actions ---- */

static const double scales[] = {1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
#define NSCALES ((int)(sizeof scales / sizeof scales[0]))

static void change_speed(struct dashboard *d, int dir)
{
    double s = d->scale, next;
    if (dir > 0) {
        if (s <= 0)
            return;   /* already as fast as it goes */
        next = 0;
        for (int i = 0; i < NSCALES; i++)
            if (scales[i] > s) {
                next = scales[i];
                break;
            }
    } else {
        if (s <= 0) {
            next = scales[NSCALES - 1];
        } else {
            next = scales[0];
            for (int i = NSCALES - 1; i >= 0; i--)
                if (scales[i] < s) {
                    next = scales[i];
                    break;
                }
        }
    }
    d->scale = next;
    runner_set_scale(d->r, next);
}

static void open_override(struct dashboard *d)
{
    const struct pp_model *m = runner_model(d->r);
    struct rd_view *v = &d->v;
    if (v->sel == RD_SEL_SERVER && v->sel_server >= 0 && v->sel_server < m->nservers) {
        const struct pp_server *s = &m->servers[v->sel_server];
        bool drain = (s->state == PP_SRV_RUNNING && s->step == PP_STEP_DRAIN) ||
                     (m->ask == PP_ASK_FORCE_DRAIN && m->ask_server == v->sel_server);
        if (!render_override_applies(v, m)) {
            /* a menu of choices that all "do not apply" says nothing */
            note(d, _("no override applies to a verified or hand-marked server"));
            return;
        }
        dlg_open_override(&v->dlg, DLG_T_SERVER, v->sel_server, s->name, s->state, drain);
    } else if (v->sel == RD_SEL_DOMAIN && v->sel_domain < m->ndomains) {
        dlg_open_override(&v->dlg, DLG_T_DOMAIN, v->sel_domain, m->domains[v->sel_domain].name,
                          PP_SRV_PENDING, false);
    } else if (v->sel == RD_SEL_POOL) {
        bool retry = (m->phase == PP_PH_PROBLEM && m->ask == PP_ASK_OPERATOR &&
                      m->backup_pool[0] && !m->failed_over) ||
                     (m->phase == PP_PH_FAILBACK_ASK && m->failed_over);
        /* the Back End's update waits for the operator's word (failed, lost,
         * declined): retry, done and skip on the pool answer it, as they do
         * a failover whose outcome is unknown */
        bool backend_wait = m->phase == PP_PH_BACKEND && m->ask == PP_ASK_OPERATOR;
        dlg_open_pool_override(&v->dlg, m->fqdn, m->pool_unsure >= 0 || backend_wait, retry);
    } else {
        note(d, _("select a server, a domain or the pool first"));
    }
}

static void do_quit(struct dashboard *d)
{
    const struct pp_model *m = runner_model(d->r);
    if (d->v.ended) {
        d->leave = true;
        return;
    }
    /* one rule: quitting an unfinished run always asks (the dialog says
     * whether steps are still running); only a finished run leaves at once */
    dlg_open_quit(&d->v.dlg, render_running_count(m));
}

/* The stage step (issue 13): S asks, then starts staging; while it runs S
 * (or Esc) asks to cancel it.  The runner refuses what cannot be (no
 * package, training, a domain in progress) and says why. */
static void stage_key(struct dashboard *d)
{
    char q[PP_REASON_MAX + PP_PATH_MAX];
    if (runner_stage_running(d->r)) {
        dlg_open_ask(&d->v.dlg, DLG_ASK_STAGE_CANCEL, _("Cancel staging"),
                     _("Cancel staging? Copies that run are cut and journaled as not staged; "
                       "servers already verified stay staged."));
        return;
    }
    const struct pp_config *cfg = d->cfg;
    if (!cfg || !cfg->update.package[0]) {
        note(d, _("no [update] package in the pool file: nothing to stage"));
        return;
    }
    const struct pp_model *m = runner_model(d->r);
    snprintf(q, sizeof q,
             P_("Stage %s to %d server, %d at once? It is copied over SFTP and verified on the "
                "server; nothing is drained or restarted.",
                "Stage %s to %d servers, %d at once? It is copied over SFTP and verified on the "
                "server; nothing is drained or restarted.",
                m->nservers),
             cfg->update.package, m->nservers, cfg->update.stage_parallel);
    dlg_open_ask(&d->v.dlg, DLG_ASK_STAGE, _("Stage the update package"), q);
}

static void stage_answer(struct dashboard *d, enum dlg_ask what)
{
    char err[PP_REASON_MAX * 2];
    if (what == DLG_ASK_STAGE_CANCEL) {
        runner_stage_cancel(d->r);
        return;
    }
    if (runner_stage_start(d->r, err, sizeof err) < 0)
        note(d, err);
}

/* The message line's staging text: the pool's progress while it runs. */
static void stage_status(struct dashboard *d)
{
    struct pp_stage_pool p;
    d->v.stage[0] = 0;
    if (!runner_stage_pool(d->r, &p)) {
        int missing = runner_stage_missing(d->r);
        const struct pp_model *m = runner_model(d->r);
        bool before = true;
        for (int i = 0; i < m->ndomains; i++)
            before &= m->domains[i].state != PP_DOM_ACTIVE && m->domains[i].state != PP_DOM_DONE &&
                      m->domains[i].state != PP_DOM_DONE_EXCEPTIONS;
        if (missing > 0 && before && !m->training) {
            char k[32];
            keymap_first(&d->km, ACT_STAGE, true, k, sizeof k);
            snprintf(d->v.stage, sizeof d->v.stage,
                     _("%s stage the package: %d of %d servers not staged"), k, missing,
                     m->nservers);
        }
        return;
    }
    char a[32], b[32], r[32], e[32];
    stage_fmt_bytes(p.sent, a, sizeof a);
    stage_fmt_bytes(p.left, b, sizeof b);
    stage_fmt_bytes(p.rate, r, sizeof r);
    stage_fmt_secs(p.eta, e, sizeof e);
    snprintf(d->v.stage, sizeof d->v.stage,
             _("staging: %d/%d staged%s, %s sent, %s to go, %s/s, ETA %s"), p.staged, p.n,
             p.cancelling ? _(", cancelling") : "", a, b, r, e);
}

static void dialog_result(struct dashboard *d, enum dlg_result res)
{
    struct dlg *g = &d->v.dlg;
    struct rd_source src;
    switch (res) {
    case DLG_R_NONE:
        return;
    case DLG_R_CANCEL:
        break;
    case DLG_R_OVERRIDE:
        operator_event(d, PP_OP_OVERRIDE, g->ov, g->target, g->in.buf);
        break;
    case DLG_R_ANSWER:
        runner_answer(d->r, g->prompt_id, g->accept, g->accept ? g->in.buf : NULL, g->remember);
        break;
    case DLG_R_QUIT:
        if (d->v.ended) {
            d->leave = true;
        } else {
            operator_event(d, PP_OP_QUIT, 0, NULL, NULL);
            note(d, _("stopping: running steps finish and are journaled"));
        }
        break;
    case DLG_R_YES:
        stage_answer(d, g->ask);
        break;
    case DLG_R_SEARCH:
        snprintf(d->v.search, sizeof d->v.search, "%s", g->in.buf);
        d->v.search_hit = -1;
        nav_focus(&d->v, RD_PANE_OUTPUT);
        src = source(d);
        if (d->v.search[0] && !output_search(&d->v, &src, 1))
            note(d, _("no match in this output"));
        break;
    }
    dlg_wipe(g);   /* reasons and secrets do not linger in memory */
    prompt_open_next(d);
}

static void do_action(struct dashboard *d, enum act_id a)
{
    const struct pp_model *m = runner_model(d->r);
    struct rd_view *v = &d->v;
    struct rd_source src = source(d);
    switch (a) {
    case ACT_CONFIRM:
        if (v->ended)
            break;
        if (m->ask == PP_ASK_NONE)
            note(d, _("nothing to confirm now"));
        else if (runner_stage_running(d->r))
            note(d, _("staging runs: no domain starts until it has ended (S cancels it)"));
        else if (!model_ask_confirmable(m->ask)) {
            /* the keys as bound now ([keys] may have moved them) */
            char ko[32], kq[32], msg[160];
            snprintf(msg, sizeof msg, _("this needs an override (%s) or quit (%s)"),
                     keymap_first(&d->km, ACT_OVERRIDE, true, ko, sizeof ko),
                     keymap_first(&d->km, ACT_QUIT, true, kq, sizeof kq));
            note(d, msg);
        }
        else
            answer_event(d, PP_OP_CONFIRM, m->ask_id);
        break;
    case ACT_DECLINE:
        if (v->ended)
            break;
        if (m->ask == PP_ASK_NONE)
            note(d, _("no question to answer"));
        else
            answer_event(d, PP_OP_DECLINE, m->ask_id);
        break;
    case ACT_RECHECK:
        if (!v->ended)
            operator_event(d, PP_OP_RECHECK, 0, NULL, NULL);
        break;
    case ACT_CHOOSE:
        if (v->ended)
            break;
        if (v->sel != RD_SEL_POOL && v->sel_domain >= 0 && v->sel_domain < m->ndomains)
            operator_event(d, PP_OP_CHOOSE, 0, m->domains[v->sel_domain].name, NULL);
        else
            note(d, _("select a domain first"));
        break;
    case ACT_OVERRIDE:
        if (!v->ended)
            open_override(d);
        break;
    case ACT_SEARCH:
        dlg_open_search(&v->dlg, v->search);
        break;
    case ACT_SEARCH_NEXT:
    case ACT_SEARCH_PREV:
        if (!output_search(v, &src, a == ACT_SEARCH_NEXT ? 1 : -1))
            note(d, _("no match in this output"));
        break;
    case ACT_DISMISS:
        if (d->nerrors) {
            memmove(d->errors[0], d->errors[1], (size_t)(d->nerrors - 1) * sizeof d->errors[0]);
            d->nerrors--;
            sync_errors(d);
        }
        break;
    case ACT_PAUSE:
        runner_pause(d->r, !runner_paused(d->r));
        break;
    case ACT_FASTER:
    case ACT_SLOWER:
        change_speed(d, a == ACT_FASTER ? 1 : -1);
        break;
    case ACT_WALKTHROUGH:
        if (v->ended && v->debrief) {
            v->debrief_open = true;
            v->debrief_scroll = 0;
        } else {
            v->walk = !v->walk;
        }
        break;
    case ACT_INJECT:
        if (v->ended)
            note(d, _("the run is over: nothing to inject into"));
        else
            inject_menu_open(&d->im, m, v->sel == RD_SEL_SERVER ? v->sel_server : -1);
        break;
    case ACT_STAGE:
        if (!v->ended)
            stage_key(d);
        break;
    case ACT_REDRAW:
        d->full = true;
        break;
    case ACT_HELP:
        v->help = true;
        v->help_scroll = 0;
        break;
    case ACT_QUIT:
        do_quit(d);
        break;
    case ACT_BACK:
        /* the innermost mode on the main screen is an active search; with
         * none, Esc does nothing (it never answers the question bar) */
        if (v->search[0]) {
            v->search[0] = 0;
            v->search_hit = -1;
        } else if (runner_stage_running(d->r)) {
            stage_key(d);   /* asks to cancel staging */
        }
        break;
    default:
        nav_apply(v, &src, a);
        break;
    }
}

static void inject_chosen(struct dashboard *d, int kind)
{
    dash_inject(d->r, kind, kind == PP_INJ_BUSY ? NULL : d->im.server, d->v.note,
                sizeof d->v.note);
}

/* ---- keys ---- */

static void handle_key(struct dashboard *d, int key)
{
    struct rd_view *v = &d->v;
    d->dirty = true;
    if (key == PPK_RESIZE) {
        d->full = true;
        return;
    }
    if (key == PPK_MOUSE) {
        MEVENT me;
        if (getmouse(&me) == OK && (me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)) &&
            v->dlg.kind == DLG_NONE && !v->help && !v->summary) {
            struct rd_source src = source(d);
            nav_click(v, &src, &d->cv, me.y, me.x);
        }
        return;
    }
    v->note[0] = 0;
    if (v->dlg.kind != DLG_NONE) {
        dialog_result(d, dlg_key(&v->dlg, key));
        return;
    }
    if (d->im.open) {
        int k = inject_menu_key(&d->im, key);
        if (k >= 0)
            inject_chosen(d, k);
        return;
    }
    enum act_id a = render_key_action(v, key);
    if (v->debrief_open) {
        dash_debrief_key(&d->v, key, a);
        return;
    }
    if (v->help) {
        if (key == PPK_ESC || a == ACT_BACK || a == ACT_HELP || a == ACT_QUIT ||
            key == PPK_ENTER)
            v->help = false;
        else if (a == ACT_UP || a == ACT_PAGE_UP)
            v->help_scroll -= a == ACT_UP ? 1 : 10;
        else if (a == ACT_DOWN || a == ACT_PAGE_DOWN)
            v->help_scroll += a == ACT_DOWN ? 1 : 10;
        else if (a == ACT_TOP)
            v->help_scroll = 0;
        else if (a == ACT_BOTTOM)
            v->help_scroll = 1 << 20;   /* clamped when drawn */
        return;
    }
    if (v->summary) {
        if (key == PPK_ESC || a == ACT_BACK)
            v->summary = false;
        else if (a == ACT_WALKTHROUGH && v->debrief)
            do_action(d, a);
        else if (a == ACT_QUIT || key == PPK_ENTER)
            d->leave = true;
        return;
    }
    if (v->lay.too_small && a != ACT_QUIT && a != ACT_REDRAW)
        return;   /* nothing to act on that the operator can see */
    if (a != ACT_NONE)
        do_action(d, a);
}

static int dash_input_fd(struct pp_ui *u)
{
    struct dashboard *d = dash(u);
    if (!d->dr.active || d->v.gone || d->leave)
        return -1;
    return STDIN_FILENO;
}

static int dash_on_input(struct pp_ui *u)
{
    struct dashboard *d = dash(u);
    if (!d->dr.active || d->v.gone)
        return -1;
    int keys = 0;
    for (;;) {
        wint_t wch;
        int rc = wget_wch(stdscr, &wch);
        if (rc == ERR)
            break;
        keys++;
        int k = dashboard_map_key(rc, wch);
        if (k != PPK_NONE)
            handle_key(d, k);
        if (d->leave)
            return -1;
    }
    if (!keys) {
        /* readable but nothing to read: the terminal has gone away */
        struct pollfd pf = {.fd = STDIN_FILENO, .events = POLLIN};
        if (poll(&pf, 1, 0) == 1 && (pf.revents & (POLLHUP | POLLERR | POLLNVAL))) {
            d->v.gone = true;
            prompts_refuse_all(d);
            return -1;
        }
    }
    return d->leave ? -1 : 0;
}

/* ---- frames ---- */

static void dash_render(struct pp_ui *u)
{
    struct dashboard *d = dash(u);
    if (!d->dr.active || d->v.gone)
        return;
    struct rd_source src = source(d);
    int64_t second = src.now / 1000;
    if (!d->dirty && !d->full && second == d->shown_second)
        return;
    int w, h;
    draw_size(&d->dr, &w, &h);
    if (w != d->cv.w || h != d->cv.h) {
        if (canvas_init(&d->cv, w, h, d->utf8) < 0)
            return;
        d->full = true;
    }
    stage_status(d);
    render_screen(&d->cv, &d->v, &src);
    if (!d->v.lay.too_small)
        inject_menu_render(&d->im, &d->cv, src.m);
    draw_frame(&d->dr, &d->cv, d->full);
    d->dirty = d->full = false;
    d->shown_second = second;
}

static void dash_on_signal(struct pp_ui *u, int sig)
{
    struct dashboard *d = dash(u);
    if (sig == SIGHUP) {
        /* stop drawing: writes to a hung-up terminal only fail */
        d->v.gone = true;
        prompts_refuse_all(d);
        return;
    }
    if (!d->dr.active)
        return;
    if (sig == SIGWINCH)
        draw_resize(&d->dr);
    d->full = d->dirty = true;
}

static int dash_init(struct pp_ui *u, struct pp_runner *r)
{
    struct dashboard *d = dash(u);
    d->r = r;
    const struct pp_runner_opts *o = runner_opts(r);
    d->scale = o ? o->time_scale : 1;
    const struct pp_model *m = runner_model(r);
    rd_view_init(&d->v, &d->km, m->training);
    d->v.walk = m->training;   /* the walkthrough is on by default in training */
    const char *cs = nl_langinfo(CODESET);
    d->utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
    char err[256];
    if (draw_open(&d->dr, stdout, stdin, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "poolpilot: %s\n", err);
        return -1;
    }
    d->dirty = d->full = true;
    d->shown_second = -1;
    return 0;
}

static void dash_fini(struct pp_ui *u)
{
    struct dashboard *d = dash(u);
    draw_close(&d->dr, d->v.gone);
}

static void dash_free(struct pp_ui *u)
{
    struct dashboard *d = dash(u);
    if (!d)
        return;
    dash_fini(u);
    draw_free(&d->dr);
    canvas_free(&d->cv);
    rd_view_free(&d->v);
    dash_lines_free(d->debrief, d->ndebrief);
    explicit_bzero(d->prompts, sizeof d->prompts);
    free(d);
}

static const struct pp_ui_ops dash_ops = {
    .init = dash_init,
    .notice = dash_notice,
    .input_fd = dash_input_fd,
    .on_input = dash_on_input,
    .render = dash_render,
    .on_signal = dash_on_signal,
    .fini = dash_fini,
    .free = dash_free,
};

struct pp_ui *dashboard_new(const struct pp_config *cfg)
{
    struct dashboard *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->ui.ops = &dash_ops;
    d->cfg = cfg;
    /* main ran keymap_check for messages; bad lines are simply not applied */
    keymap_build(&d->km, cfg, NULL);
    return &d->ui;
}
