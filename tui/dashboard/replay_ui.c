/* `poolpilot --replay JOURNAL`: a journal stepped through read-only, on
 * the dashboard (the same panes, the walkthrough explaining each moment,
 * the output pane holding the journal up to the current record) or, in
 * headless mode, printed as a timeline.  There is no runner and no
 * transport here: a replay cannot reach any server. */
#include "tui/dashboard/replay_ui.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend/training/debrief.h"
#include "backend/core/i18n.h"
#include "backend/history/replay.h"
#include "tui/dashboard/curses_keys.h"
#include "tui/dashboard/draw.h"
#include "tui/keymap.h"
#include "tui/dashboard/nav.h"
#include "tui/dashboard/render.h"
#include "tui/ui.h"

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig) { stop_sig = sig; }

/* ---- headless: the timeline ---- */

static void print_line(void *ctx, const char *line) { fprintf(ctx, "debrief: %s\n", line); }

static int timeline(struct pp_replay *rp, const char *path, const struct pp_config *cfg, FILE *out)
{
    const struct pp_model *m = replay_model(rp);
    fprintf(out, _("replay: %s, %d records, pool %s (topology from %s); nothing is sent to any "
                   "server\n"),
            path, replay_count(rp), m->fqdn, replay_source(rp));
    for (int i = 0; i < replay_count(rp); i++) {
        const struct pp_jrec *r = replay_record(rp, i);
        char d[1400];
        replay_describe(r, d, sizeof d);
        const char *ts = strchr(r->ts, 'T');
        fprintf(out, "[%.8s] %s#%lld %s\n", ts ? ts + 1 : r->ts,
                replay_is_decision(r) ? "* " : "  ", r->seq, d);
    }
    replay_seek(rp, replay_count(rp));
    const struct pp_config *c = replay_config(rp);
    if (m->training || (cfg && cfg->sim.present)) {
        struct pp_debrief *db;
        char err[PP_REASON_MAX];
        if (debrief_load(path, c, &db, err, sizeof err) == 0) {
            debrief_lines(db, print_line, out);
            debrief_free(db);
        }
    }
    return fflush(out) == 0 && !ferror(out) ? 0 : 1;
}

/* ---- the dashboard ---- */

struct rview {
    struct pp_replay *rp;
    struct keymap km;
    struct rd_view v;
    struct rd_canvas cv;
    struct draw dr;
    bool utf8, full, quit;
};

static const struct pp_outbuf *src_output(void *ctx, int server)
{
    return replay_output(ctx, server);
}

static const char *src_last_command(void *ctx, int server)
{
    (void)ctx;
    (void)server;
    return _("the journal up to the current record");
}

static void describe_current(struct rview *x)
{
    int pos = replay_pos(x->rp), n = replay_count(x->rp);
    snprintf(x->v.replay_badge, sizeof x->v.replay_badge, "REPLAY %d/%d", pos, n);
    /* the title says COMPLETE / STOPPED where the run ended */
    enum pp_phase ph = replay_model(x->rp)->phase;
    x->v.ended = ph == PP_PH_COMPLETE || ph == PP_PH_STOPPED;
    const struct pp_jrec *r = replay_record(x->rp, pos - 1);
    if (!r) {
        snprintf(x->v.event, sizeof x->v.event, "%s", _("before the first record"));
        return;
    }
    char d[1400];
    replay_describe(r, d, sizeof d);
    snprintf(x->v.event, sizeof x->v.event, "#%lld %s%s", r->seq, replay_is_decision(r) ? "* " : "",
             d);
}

static void seek(struct rview *x, int pos)
{
    if (pos < 0) {
        snprintf(x->v.note, sizeof x->v.note, "%s", _("no more decisions that way"));
        return;
    }
    replay_seek(x->rp, pos);
    x->v.out_follow = true;
    describe_current(x);
}

static void act(struct rview *x, enum act_id a, const struct rd_source *src)
{
    struct pp_replay *rp = x->rp;
    int pos = replay_pos(rp);
    switch (a) {
    case ACT_REPLAY_NEXT: seek(x, pos + 1); break;
    case ACT_REPLAY_PREV: seek(x, pos - 1); break;
    case ACT_REPLAY_NEXT_DECISION: seek(x, replay_find_decision(rp, 1)); break;
    case ACT_REPLAY_PREV_DECISION: seek(x, replay_find_decision(rp, -1)); break;
    case ACT_REPLAY_FIRST: seek(x, 1); break;
    case ACT_REPLAY_LAST: seek(x, replay_count(rp)); break;
    case ACT_WALKTHROUGH: x->v.walk = !x->v.walk; break;
    case ACT_HELP:
        x->v.help = true;
        x->v.help_scroll = 0;
        break;
    case ACT_QUIT: x->quit = true; break;
    case ACT_REDRAW: x->full = true; break;
    case ACT_CONFIRM: case ACT_DECLINE: case ACT_RECHECK: case ACT_CHOOSE: case ACT_OVERRIDE:
    case ACT_INJECT: case ACT_PAUSE: case ACT_FASTER: case ACT_SLOWER:
        snprintf(x->v.note, sizeof x->v.note, "%s",
                 _("a replay is read-only: nothing can be decided or sent"));
        break;
    default: nav_apply(&x->v, src, a); break;
    }
}

static struct rd_source source(struct rview *x)
{
    return (struct rd_source){
        .m = replay_model(x->rp),
        .cfg = replay_config(x->rp),
        .now = replay_now(x->rp),
        .wall_offset = replay_wall0(x->rp),
        .scale = 1,
        .output = src_output,
        .last_command = src_last_command,
        .ctx = x->rp,
    };
}

static void key(struct rview *x, int k)
{
    struct rd_view *v = &x->v;
    struct rd_source src = source(x);
    if (k == PPK_RESIZE) {
        x->full = true;
        return;
    }
    if (k == PPK_MOUSE)
        return;
    v->note[0] = 0;
    enum act_id a = keymap_lookup(&x->km, k, ACT_CTX_REPLAY, false);
    if (v->help) {
        if (k == PPK_ESC || a == ACT_HELP || a == ACT_QUIT || k == PPK_ENTER)
            v->help = false;
        else if (a == ACT_UP || a == ACT_DOWN || a == ACT_PAGE_UP || a == ACT_PAGE_DOWN)
            v->help_scroll += (a == ACT_UP ? -1 : a == ACT_DOWN ? 1 : a == ACT_PAGE_UP ? -10 : 10);
        return;
    }
    if (v->lay.too_small && a != ACT_QUIT && a != ACT_REDRAW)
        return;
    if (a != ACT_NONE)
        act(x, a, &src);
}

static void frame(struct rview *x)
{
    int w, h;
    draw_size(&x->dr, &w, &h);
    if (w != x->cv.w || h != x->cv.h) {
        if (canvas_init(&x->cv, w, h, x->utf8) < 0)
            return;
        x->full = true;
    }
    struct rd_source src = source(x);
    render_screen(&x->cv, &x->v, &src);
    draw_frame(&x->dr, &x->cv, x->full);
    x->full = false;
}

static int dashboard(struct pp_replay *rp, const struct pp_config *cfg)
{
    struct rview x;
    memset(&x, 0, sizeof x);
    x.rp = rp;
    keymap_build(&x.km, cfg, NULL);
    rd_view_init(&x.v, &x.km, false);
    x.v.replay = true;
    x.v.walk = true;   /* teaching from a real run: explain each moment */
    const char *cs = nl_langinfo(CODESET);
    x.utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
    char err[256];
    if (draw_open(&x.dr, stdout, stdin, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "poolpilot: %s\n", err);
        rd_view_free(&x.v);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    describe_current(&x);
    x.full = true;
    bool gone = false;
    while (!x.quit && !stop_sig) {
        frame(&x);
        struct pollfd pf = {.fd = STDIN_FILENO, .events = POLLIN};
        int k = poll(&pf, 1, -1);
        if (k < 0 && errno != EINTR)
            break;
        int keys = 0;
        for (;;) {
            wint_t wch;
            int rc = wget_wch(stdscr, &wch);
            if (rc == ERR)
                break;
            keys++;
            int kk = dashboard_map_key(rc, (unsigned int)wch);
            if (kk != PPK_NONE)
                key(&x, kk);
        }
        if (k > 0 && !keys && (pf.revents & (POLLHUP | POLLERR | POLLNVAL))) {
            gone = true;   /* the terminal went away */
            break;
        }
    }
    draw_close(&x.dr, gone || stop_sig == SIGHUP);
    draw_free(&x.dr);
    canvas_free(&x.cv);
    rd_view_free(&x.v);
    return 0;
}

int replay_main(const char *path, const struct pp_config *cfg, bool headless)
{
    char warn[PP_REASON_MAX] = "", err[PP_REASON_MAX * 2] = "";
    struct pp_replay *rp = replay_open(path, cfg, warn, sizeof warn, err, sizeof err);
    if (!rp) {
        fprintf(stderr, "poolpilot: %s\n", err);
        return 2;
    }
    if (warn[0])
        fprintf(stderr, "poolpilot: %s\n", warn);
    int rc = headless ? timeline(rp, path, cfg, stdout) : dashboard(rp, cfg);
    replay_free(rp);
    return rc;
}
