/* tui_bench: how long a dashboard frame takes (not a test: prints numbers).
 *
 *   tui_bench [FRAMES]
 *
 * Renders a 12-server pool and the 1000-server fleet, mid-run (servers
 * running, verified, failed; output in every buffer), into canvases of a
 * few sizes through render.c, then puts the frames on a curses screen
 * opened with newterm on /dev/null through draw.c (only rows that changed,
 * and full redraws).  The clock advances one second per frame, so every
 * frame has something new (elapsed times), as during a run. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/pool/model.h"
#include "backend/core/outbuf.h"
#include "config/config.h"
#include "tui/dashboard/draw.h"
#include "tui/keymap.h"
#include "tui/dashboard/nav.h"
#include "tui/dashboard/render.h"

struct pool {
    struct pp_config cfg;
    struct pp_model m;
    struct pp_outbuf *out;
    struct keymap km;
    struct rd_view v;
    struct rd_source src;
};

static const struct pp_outbuf *out_cb(void *ctx, int s)
{
    struct pool *p = ctx;
    return s >= 0 && s < p->m.nservers ? &p->out[s] : &p->out[p->m.nservers];
}

static const char *cmd_cb(void *ctx, int s)
{
    (void)ctx;
    (void)s;
    return "powershell -NoProfile -NonInteractive -EncodedCommand SQBtAHAAbwByAHQALQBNAG8A";
}

static char *ini_for(int n, int per_domain, const char *quorum)
{
    size_t cap = (size_t)n * 64 + 256, used = 0;
    char *s = malloc(cap);
    if (!s)
        exit(1);
    used += (size_t)snprintf(s, cap, "[pool]\nfqdn = pool.example.net\nprofile = %s\nquorum = %s\n"
                                     "[servers]\n",
                             n > 12 ? "linux-systemd" : "sfb2019", quorum);
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(s + used, cap - used, "node%04d.example.net = UpgradeDomain%d\n",
                                 i + 1, i / per_domain + 1);
    return s;
}

static void pool_init(struct pool *p, int n, int per_domain, const char *quorum)
{
    memset(p, 0, sizeof *p);
    char *ini = ini_for(n, per_domain, quorum);
    struct pp_diag diag = {0};
    if (config_load_string(&p->cfg, "bench.ini", ini, &diag) < 0) {
        for (int i = 0; i < diag.n; i++)
            fprintf(stderr, "%s\n", diag.msgs[i]);
        exit(1);
    }
    diag_free(&diag);
    free(ini);
    if (model_init(&p->m, &p->cfg) < 0)
        exit(1);
    p->out = calloc((size_t)n + 1, sizeof *p->out);
    for (int i = 0; i <= n; i++) {
        outbuf_init(&p->out[i], 500);
        for (int k = 0; k < 200; k++) {
            char line[160];
            snprintf(line, sizeof line, "RTCSRV Paused, %d active conferences, %d calls 中文", k % 9,
                     k * 7 % 50);
            outbuf_add_line(&p->out[i], line);
        }
    }
    struct pp_model *m = &p->m;
    m->started_at = 0;
    m->last_check = 0;
    m->readiness = PP_READY_READY;
    m->total_fe = m->active_fe = n;
    m->phase = PP_PH_DOMAIN;
    int half = m->ndomains / 2;
    m->active_domain = half;
    for (int d = 0; d < m->ndomains; d++) {
        struct pp_domain *dom = &m->domains[d];
        dom->state = d < half ? PP_DOM_DONE : d == half ? PP_DOM_ACTIVE : PP_DOM_READY;
        for (int k = 0; k < dom->nmembers; k++) {
            struct pp_server *s = &m->servers[dom->members[k]];
            if (d < half) {
                s->state = k == 1 ? PP_SRV_SKIPPED : PP_SRV_VERIFIED;
                s->finished = 1000000;
                snprintf(s->reason, sizeof s->reason, "RMA");
            } else if (d == half) {
                s->state = k == 0 ? PP_SRV_FAILED : PP_SRV_RUNNING;
                s->step = (enum pp_step)(k % 3);
                s->step_started = 100000;
                snprintf(s->last_line, sizeof s->last_line, "Installing KB3000001 ... %d%%", k * 5);
            }
        }
    }
    keymap_build(&p->km, NULL, NULL);
    rd_view_init(&p->v, &p->km, false);
    int mid = m->domains[half].members[m->domains[half].nmembers / 2];
    nav_select_server(&p->v, m, mid);
    p->src = (struct rd_source){.m = m, .cfg = &p->cfg, .now = 2000000, .scale = 1,
                                .output = out_cb, .last_command = cmd_cb, .ctx = p};
}

static void pool_free(struct pool *p)
{
    for (int i = 0; i <= p->m.nservers; i++)
        outbuf_free(&p->out[i]);
    free(p->out);
    rd_view_free(&p->v);
    model_free(&p->m);
    config_free(&p->cfg);
}

/* CPU time of this thread: what a frame costs, whatever else the machine
 * is doing (a busy machine stretches wall time, not this) */
static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void bench(const char *name, struct pool *p, int w, int h, int frames,
                  struct draw *dr, bool full)
{
    struct rd_canvas cv = {0};
    if (canvas_init(&cv, w, h, true) < 0)
        exit(1);
    double t0 = now_us();
    for (int i = 0; i < frames; i++) {
        p->src.now += 1000;
        render_screen(&cv, &p->v, &p->src);
        if (dr)
            draw_frame(dr, &cv, full);
    }
    double us = (now_us() - t0) / frames;
    printf("%-22s %4dx%-3d %-22s %9.1f us CPU/frame  (%d frames)\n", name, w, h,
           dr ? (full ? "render+draw (full)" : "render+draw (diff)") : "render only", us, frames);
    canvas_free(&cv);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C.UTF-8");
    int frames = argc > 1 ? atoi(argv[1]) : 1000;
    if (frames < 1)
        frames = 1;
    struct pool small, fleet;
    pool_init(&small, 12, 3, "lync");
    pool_init(&fleet, 1000, 20, "majority");

    const int sizes[][2] = {{80, 24}, {100, 30}, {200, 60}};
    for (int i = 0; i < 3; i++) {
        bench("12 servers / 4 domains", &small, sizes[i][0], sizes[i][1], frames, NULL, false);
        bench("1000 servers / 50 dom.", &fleet, sizes[i][0], sizes[i][1], frames, NULL, false);
    }
    /* a domain selected: its 20 outputs compared and grouped every frame */
    int sel = fleet.v.sel_server;
    nav_select_domain(&fleet.v, fleet.m.active_domain);
    bench("fleet, domain grouped", &fleet, 100, 30, frames, NULL, false);
    nav_select_server(&fleet.v, &fleet.m, sel);

    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    struct draw dr;
    char err[256];
    if (!out || !in || draw_open(&dr, out, in, "xterm-256color", err, sizeof err) < 0) {
        printf("curses on /dev/null: unavailable (%s)\n", out && in ? err : "fopen");
    } else {
        int w, h;
        draw_size(&dr, &w, &h);   /* /dev/null is no tty: terminfo's 80x24 */
        bench("12 servers / 4 domains", &small, w, h, frames, &dr, false);
        bench("1000 servers / 50 dom.", &fleet, w, h, frames, &dr, false);
        bench("12 servers / 4 domains", &small, w, h, frames, &dr, true);
        bench("1000 servers / 50 dom.", &fleet, w, h, frames, &dr, true);
        draw_free(&dr);
    }
    if (out)
        fclose(out);
    if (in)
        fclose(in);
    pool_free(&small);
    pool_free(&fleet);
    return 0;
}
