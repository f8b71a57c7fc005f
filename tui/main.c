/* poolpilot: walks an operator through the rolling upgrade of a server pool,
 * one upgrade domain at a time.  main() parses options, loads the config,
 * opens the journal, picks a transport and a front end, and runs the loop. */
#include <getopt.h>
#include <locale.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "backend/journal/checklist.h"
#include "backend/training/debrief.h"
#include "backend/journal/journal.h"
#include "backend/journal/journal_eta.h"
#include "backend/history/report.h"
#include "backend/runner/runner.h"
#include "backend/transport/ssh/ssh_capture.h"
#include "backend/runner/stage.h"
#include "config/config.h"
#include "backend/core/i18n.h"
#include "tui/i18n.h"
#include "tui/keymap.h"
#include "tui/loop.h"
#include "tui/dashboard/replay_ui.h"
#include "tui/ui.h"

enum { EXIT_DONE = 0, EXIT_STOPPED = 1, EXIT_USAGE = 2, EXIT_LOCKED = 3 };

/* TRANSLATORS: keep the option names and the command names as they are */
static const char usage_text[] = N_(
    "Usage: poolpilot [OPTIONS]\n"
    "Walks you through the rolling upgrade of a server pool (Lync Server 2013 /\n"
    "Skype for Business Front End pools, or any pool in upgrade domains), one\n"
    "upgrade domain at a time, over SSH, keeping a journal of every step.\n"
    "\n"
    "  -c, --config FILE       the pool's INI file (else $POOLPILOT_CONFIG, else\n"
    "                          $XDG_CONFIG_HOME/poolpilot/pool.ini)\n"
    "      --check-config      validate the config and exit (nothing remote is touched)\n"
    "      --training[=NAME]   run on the built-in simulated pool (scenario NAME,\n"
    "                          default happy; NAME may also be a scenario file)\n"
    "      --list-scenarios    list the built-in training scenarios\n"
    "      --time-scale=N|max  training clock N times faster; max jumps to the next event\n"
    "      --headless          no screen: one line per event, commands on stdin\n"
    "      --yes               confirm every confirmation (never an override, never\n"
    "                          a failover or failback run again)\n"
    "      --dry-run           check readiness, print every command, probe every\n"
    "                          server read-only, look for [update] package on it\n"
    "                          (size, SHA-256) and read its patch level; run no step\n"
    "      --capture DIR       run the profile's read-only cmdlets on the first server\n"
    "                          and save their raw output in DIR (for a bug report)\n"
    "      --stage             copy [update] package to every server over SFTP, verify\n"
    "                          its SHA-256 there, and exit (0 = all staged)\n"
    "      --journal PATH      the journal (default $XDG_STATE_HOME/poolpilot/POOL.jsonl)\n"
    "      --status            print the checklist from the journal and exit\n"
    "      --report=md|json|csv  write a report of the journal for the change ticket\n"
    "      --replay JOURNAL    step through a journal read-only (nothing is sent);\n"
    "                          -c or --training gives the pool, else the journal does\n"
    "  -o, --output FILE       where --report writes (default stdout)\n"
    "      --operator NAME     who sits at the console (default $SUDO_USER or $USER)\n"
    "      --keys-markdown     print the key bindings as a Markdown table\n"
    "  -h, --help              this help\n"
    "  -V, --version           the version\n"
    "\n"
    "Headless commands: confirm, decline, recheck, choose DOMAIN,\n"
    "override force|retry|skip|done|proceed TARGET REASON..., status, why, quit;\n"
    "in training also pause, resume, speed N|max, inject KIND [SERVER] [STEP].\n"
    "\n"
    "Exit status: 0 done, 1 stopped before done, 2 usage or config error,\n"
    "3 the pool's journal is locked by another console.\n");

struct opts {
    const char *config;
    const char *training;   /* NULL = real pool */
    const char *journal;
    const char *report;
    const char *output;
    const char *operator_;
    const char *replay;
    const char *capture;
    double scale;
    bool check, list, headless, yes, dry_run, status, keys_md, stage;
};

enum { O_CHECK = 256, O_TRAINING, O_LIST, O_SCALE, O_HEADLESS, O_YES, O_DRY, O_JOURNAL,
       O_STATUS, O_REPORT, O_OPERATOR, O_KEYSMD, O_REPLAY, O_CAPTURE, O_STAGE };

static int parse_scale(const char *s, double *out)
{
    if (!strcasecmp(s, "max")) {
        *out = 0;
        return 0;
    }
    char *end;
    double v = strtod(s, &end);
    if (*end || !(v >= 0.01 && v <= 1e6))
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", no_argument, NULL, O_CHECK},
        {"training", optional_argument, NULL, O_TRAINING},
        {"list-scenarios", no_argument, NULL, O_LIST},
        {"time-scale", required_argument, NULL, O_SCALE},
        {"headless", no_argument, NULL, O_HEADLESS},
        {"yes", no_argument, NULL, O_YES},
        {"dry-run", no_argument, NULL, O_DRY},
        {"stage", no_argument, NULL, O_STAGE},
        {"journal", required_argument, NULL, O_JOURNAL},
        {"status", no_argument, NULL, O_STATUS},
        {"report", required_argument, NULL, O_REPORT},
        {"output", required_argument, NULL, 'o'},
        {"operator", required_argument, NULL, O_OPERATOR},
        {"keys-markdown", no_argument, NULL, O_KEYSMD},
        {"replay", required_argument, NULL, O_REPLAY},
        {"capture", required_argument, NULL, O_CAPTURE},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->scale = 1;
    bool scale_set = false;
    int c;
    while ((c = getopt_long(argc, argv, "c:o:hV", lo, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'o': o->output = optarg; break;
        case O_CHECK: o->check = true; break;
        case O_TRAINING: o->training = optarg ? optarg : "happy"; break;
        case O_LIST: o->list = true; break;
        case O_SCALE:
            if (parse_scale(optarg, &o->scale) < 0) {
                fprintf(stderr, "poolpilot: --time-scale: \"%s\" is not a number from 0.01 "
                                "to 1000000 or max\n", optarg);
                return -1;
            }
            scale_set = true;
            break;
        case O_HEADLESS: o->headless = true; break;
        case O_YES: o->yes = true; break;
        case O_DRY: o->dry_run = true; break;
        case O_STAGE: o->stage = true; break;
        case O_JOURNAL: o->journal = optarg; break;
        case O_STATUS: o->status = true; break;
        case O_REPORT: o->report = optarg; break;
        case O_OPERATOR: o->operator_ = optarg; break;
        case O_KEYSMD: o->keys_md = true; break;
        case O_REPLAY: o->replay = optarg; break;
        case O_CAPTURE: o->capture = optarg; break;
        case 'h': fputs(_(usage_text), stdout); exit(EXIT_DONE);
        case 'V': printf("poolpilot %s\n", PP_VERSION); exit(EXIT_DONE);
        default:
            fputs(_("Try 'poolpilot --help'.\n"), stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "poolpilot: unexpected argument \"%s\"\nTry 'poolpilot --help'.\n",
                argv[optind]);
        return -1;
    }
    if (scale_set && !o->training) {
        fprintf(stderr, "poolpilot: --time-scale only applies to --training\n");
        return -1;
    }
    if (o->report && report_fmt_parse(o->report) < 0) {
        fprintf(stderr, "poolpilot: --report: unknown format \"%s\" (md, json, csv)\n", o->report);
        return -1;
    }
    if (o->stage && (o->training || o->dry_run)) {
        fprintf(stderr, "poolpilot: --stage copies to real servers: not with --training or "
                        "--dry-run\n");
        return -1;
    }
    if (o->training && !scale_set)
        o->scale = 60;   /* a training hour in a minute unless told otherwise */
    return 0;
}

static const char *who_am_i(const struct opts *o)
{
    if (o->operator_ && *o->operator_)
        return o->operator_;
    const char *s = getenv("SUDO_USER");
    if (s && *s)
        return s;
    s = getenv("USER");
    if (s && *s)
        return s;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "operator";
}

static void print_diag(const struct pp_diag *d)
{
    for (int i = 0; i < d->n; i++)
        fprintf(stderr, "%s\n", d->msgs[i]);
}

static int list_scenarios(void)
{
    for (int i = 0; i < scenario_count(); i++) {
        const struct pp_scenario_info *s = scenario_at(i);
        struct pp_config cfg;
        struct pp_diag d = {0};
        memset(&cfg, 0, sizeof cfg);
        if (config_load_scenario(&cfg, s->name, &d) == 0) {
            printf("%-24s %s\n", s->name, cfg.sim.title_local[0] ? cfg.sim.title_local : cfg.sim.title);
            printf(_("%-24s goal: %s\n"), "", cfg.sim.goal_local[0] ? cfg.sim.goal_local : cfg.sim.goal);
            printf(_("%-24s expect: %s\n\n"), "",
                   cfg.sim.expect_local[0] ? cfg.sim.expect_local : cfg.sim.expect);
        } else {
            printf("%-24s (does not load: %s)\n", s->name, d.n ? d.msgs[0] : "?");
        }
        config_free(&cfg);
        diag_free(&d);
    }
    return EXIT_DONE;
}

static int load_config(const struct opts *o, struct pp_config *cfg)
{
    struct pp_diag d = {0};
    int rc;
    memset(cfg, 0, sizeof *cfg);
    if (o->training) {
        rc = config_load_scenario(cfg, o->training, &d);
    } else {
        char path[PP_PATH_MAX];
        config_default_path(o->config, path, sizeof path);
        if (access(path, R_OK) != 0 && !o->config) {
            fprintf(stderr,
                    "poolpilot: no config at %s.\nWrite one (see config/examples/ and the "
                    "README), pass -c FILE, or try --training.\n", path);
            return -1;
        }
        rc = config_load_file(cfg, path, &d);
    }
    if (rc == 0 && keymap_check(cfg, &d) > 0)
        rc = -1;
    if (rc != 0) {
        print_diag(&d);
        fprintf(stderr, "poolpilot: %d problem%s in the configuration\n", d.n, d.n == 1 ? "" : "s");
    }
    diag_free(&d);
    return rc;
}

/* Training journals are per scenario, and a finished one is set aside so
 * the next session starts fresh (a crashed one is resumed as usual). */
static void training_path(const struct pp_config *cfg, char *buf, size_t n)
{
    const char *name = strrchr(cfg->sim.name, '/');
    name = name ? name + 1 : cfg->sim.name;
    char clean[64];
    size_t k = 0;
    for (; name[k] && k + 1 < sizeof clean; k++) {
        char ch = name[k];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '_';
        clean[k] = ok ? ch : '_';
    }
    clean[k] = 0;
    char *dot = strstr(buf, ".training.jsonl");
    if (dot && clean[0]) {
        char tail[PP_PATH_MAX];
        snprintf(tail, sizeof tail, ".%s.training.jsonl", clean);
        snprintf(dot, n - (size_t)(dot - buf), "%s", tail);
    }
}

static void set_aside_if_complete(const char *path)
{
    if (access(path, F_OK) != 0)
        return;
    struct pp_checklist *c = checklist_new();
    char warn[PP_REASON_MAX], err[PP_REASON_MAX];
    if (c && journal_read_file(path, checklist_add_cb, c, warn, sizeof warn, err, sizeof err) == 0 &&
        c->complete) {
        char aside[PP_PATH_MAX + 32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
        snprintf(aside, sizeof aside, "%s.%s", path, stamp);
        if (rename(path, aside) == 0)
            fprintf(stderr, "poolpilot: the last training run was complete; its journal is kept "
                            "as %s\n", aside);
    }
    checklist_free(c);
}

static int journal_path_for(const struct opts *o, const struct pp_config *cfg, char *buf, size_t n)
{
    if (o->journal) {
        snprintf(buf, n, "%s", o->journal);
        return 0;
    }
    if (journal_default_path(cfg->fqdn, cfg->sim.present, buf, n) < 0) {
        fprintf(stderr, "poolpilot: cannot make the journal's directory for %s\n", cfg->fqdn);
        return -1;
    }
    if (cfg->sim.present)
        training_path(cfg, buf, n);
    return 0;
}

static int status_or_report(const struct opts *o, const char *jpath, const struct pp_config *cfg)
{
    struct pp_checklist *c = checklist_new();
    char warn[PP_REASON_MAX] = "", err[PP_REASON_MAX] = "";
    if (!c)
        return EXIT_STOPPED;
    checklist_set_pool(c, cfg->fqdn);
    if (report_expect_topology(c, cfg) < 0) {
        checklist_free(c);
        return EXIT_STOPPED;
    }
    c->no_runs = o->status;   /* --status never lists step attempts: 330 MB saved on 1M records */
    if (journal_read_file(jpath, checklist_add_cb, c, warn, sizeof warn, err, sizeof err) < 0) {
        fprintf(stderr, "poolpilot: %s\n", err);
        checklist_free(c);
        return EXIT_USAGE;
    }
    if (warn[0])
        fprintf(stderr, "poolpilot: %s\n", warn);
    /* a live console's running steps are in progress, not lost; asking the
     * lock label never touches the lock itself */
    checklist_finish(c, journal_holder(jpath, NULL, 0) > 0);
    int rc = EXIT_DONE;
    if (o->status) {
        status_print(stdout, c, status_locale_utf8());
    } else {
        FILE *out = stdout;
        if (o->output && !(out = fopen(o->output, "w"))) {
            perror(o->output);
            checklist_free(c);
            return EXIT_USAGE;
        }
        /* a training journal's report ends with its debrief */
        struct pp_debrief *db = NULL;
        if (cfg->sim.present && debrief_load(jpath, cfg, &db, err, sizeof err) < 0)
            fprintf(stderr, "poolpilot: no debrief: %s\n", err);
        /* planned vs actual: only when earlier journals of the pool exist */
        struct pp_eta *eta = eta_new();
        int journals = eta ? eta_add_history(eta, jpath) : 0;
        int64_t *planned = journals > 0 ? calloc((size_t)c->ndomains + 1, sizeof *planned) : NULL;
        for (int d = 0; planned && d < c->ndomains; d++) {
            const char **names = calloc((size_t)c->nservers + 1, sizeof *names);
            int n = 0;
            for (int i = 0; names && i < c->nservers; i++)
                if (c->servers[i].domain == d)
                    names[n++] = c->servers[i].name;
            planned[d] = names ? eta_plan_domain(eta, names, n, cfg->parallel) : -1;
            free(names);
        }
        struct pp_report_plan plan = {.planned = planned, .n = c->ndomains, .journals = journals};
        if (report_write_full(out, (enum pp_report_fmt)report_fmt_parse(o->report), c, db,
                              planned ? &plan : NULL, err, sizeof err) < 0) {
            fprintf(stderr, "poolpilot: %s\n", err);
            rc = EXIT_STOPPED;
        }
        debrief_free(db);
        free(planned);
        eta_free(eta);
        if (out != stdout && fclose(out) != 0) {
            perror(o->output);
            rc = EXIT_STOPPED;
        }
    }
    checklist_free(c);
    return rc;
}

/* The journal as this console found it, told in words before the run
 * resumes: how the previous console stopped, what it left in flight. */
static void previous_console(const char *jpath, const struct pp_config *cfg, char *buf, size_t n)
{
    struct pp_checklist *c = checklist_new();
    char warn[PP_REASON_MAX], err[PP_REASON_MAX];
    buf[0] = 0;
    if (c && report_expect_topology(c, cfg) == 0 &&
        journal_read_file(jpath, checklist_add_cb, c, warn, sizeof warn, err, sizeof err) == 0) {
        checklist_finish(c, false);
        report_previous_console(c, buf, n);
    }
    checklist_free(c);
}

static int keep_last(void *ctx, const struct pp_jrec *r)
{
    *(struct pp_jrec *)ctx = *r;
    return 0;
}

/* The journal is locked by another console: say what that console is
 * doing (its last record), and how to wait for it or stop it, not only
 * that it exists.  (main.c's own messages are English, like its --help.) */
static void other_console(const char *jpath)
{
    struct pp_jrec last;
    char warn[PP_REASON_MAX], err[PP_REASON_MAX], line[1400], t[48];
    memset(&last, 0, sizeof last);
    long pid = journal_holder(jpath, NULL, 0);
    if (journal_read_file(jpath, keep_last, &last, warn, sizeof warn, err, sizeof err) == 0 &&
        last.seq > 0) {
        journal_describe(&last, line, sizeof line);
        report_time(last.ts, t, sizeof t);
        fprintf(stderr, "poolpilot: that console's last record (#%lld, %s): %s\n", last.seq, t,
                line);
    }
    fputs("poolpilot: a console whose terminal closed finishes the steps it has in flight, "
          "journals them and exits by itself; --status (same options) shows its progress "
          "meanwhile.\n", stderr);
    if (pid > 0)
        fprintf(stderr, "poolpilot: to stop it sooner: kill -TERM %ld (running steps still "
                        "finish and are journaled)\n", pid);
}

struct fanout {
    struct pp_ui *ui;
};

static void on_notice(void *ctx, const struct pp_notice *n)
{
    struct fanout *f = ctx;
    if (f->ui)
        f->ui->ops->notice(f->ui, n);
}

/* --replay: the config only when one is named (-c or --training). */
static int replay(const struct opts *o)
{
    struct pp_config cfg;
    bool have = o->config || o->training;
    if (have && load_config(o, &cfg) < 0) {
        config_free(&cfg);
        return EXIT_USAGE;
    }
    bool headless = o->headless || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO);
    int rc = replay_main(o->replay, have ? &cfg : NULL, headless);
    if (have)
        config_free(&cfg);
    return rc;
}

/* --stage: its own short loop (backend/runner/stage.c), journaled in the
 * pool's journal under the same lock as a run, so a run and a staging
 * never write at once. */
static int stage_main(const struct opts *o, const struct pp_config *cfg, const char *jpath)
{
    if (cfg->sim.present) {
        fprintf(stderr, "poolpilot: --stage needs a real pool (SSH), not a training scenario\n");
        return EXIT_USAGE;
    }
    if (!cfg->update.package[0]) {   /* a config problem: before the journal is touched */
        fprintf(stderr, "poolpilot: %s: [update] package is not set: nothing to stage\n",
                cfg->path);
        return EXIT_USAGE;
    }
    bool locked = false;
    char err[PP_REASON_MAX * 2] = "";
    struct pp_journal *j = journal_open_as(jpath, who_am_i(o), &locked, err, sizeof err);
    if (!j) {
        fprintf(stderr, "poolpilot: %s\n", err);
        return locked ? EXIT_LOCKED : EXIT_USAGE;
    }
    /* reading it checks it (and cuts a torn last line) before we append */
    char warn[PP_REASON_MAX] = "";
    if (journal_replay(j, NULL, NULL, warn, sizeof warn, err, sizeof err) < 0) {
        fprintf(stderr, "poolpilot: %s\n", err);
        journal_close(j);
        return EXIT_USAGE;
    }
    if (warn[0])
        fprintf(stderr, "poolpilot: %s\n", warn);
    struct pp_transport *t = ssh_transport_new(cfg, err, sizeof err);
    if (!t) {
        fprintf(stderr, "poolpilot: %s\n", err[0] ? err : "cannot start the transport");
        journal_close(j);
        return EXIT_STOPPED;
    }
    int rc = stage_run(cfg, t, j, who_am_i(o), stdout, err, sizeof err);
    if (err[0])
        fprintf(stderr, "poolpilot: %s\n", err);
    transport_free(t);
    journal_close(j);
    return rc == 0 ? EXIT_DONE : EXIT_STOPPED;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    i18n_init();
    struct opts o;
    if (parse_args(argc, argv, &o) < 0)
        return EXIT_USAGE;
    if (o.list)
        return list_scenarios();
    if (o.keys_md) {
        help_print_markdown(stdout);
        return EXIT_DONE;
    }
    if (o.replay)
        return replay(&o);
    struct pp_config cfg;
    if (load_config(&o, &cfg) < 0) {
        config_free(&cfg);
        return EXIT_USAGE;
    }
    if (o.check) {
        printf("%s: ok: pool %s, profile %s, %d Front End%s, mode %s\n", cfg.path, cfg.fqdn,
               cfg.profile, cfg.nservers, cfg.nservers == 1 ? "" : "s",
               cfg.mode == PP_MODE_GRACEFUL ? "graceful" : "downtime");
        config_free(&cfg);
        return EXIT_DONE;
    }
    if (o.capture) {   /* read-only; no journal, no lock, no procedure */
        char cerr[PP_REASON_MAX] = "";
        int rc = ssh_capture_run(&cfg, NULL, o.capture, stderr, cerr, sizeof cerr);
        if (rc < 0)
            fprintf(stderr, "poolpilot: --capture: %s\n", cerr);
        else
            printf("capture written to %s (see capture.txt there)\n", o.capture);
        config_free(&cfg);
        return rc < 0 ? EXIT_STOPPED : EXIT_DONE;
    }
    char jpath[PP_PATH_MAX];
    if (journal_path_for(&o, &cfg, jpath, sizeof jpath) < 0) {
        config_free(&cfg);
        return EXIT_USAGE;
    }
    if (o.status || o.report) {
        int rc = status_or_report(&o, jpath, &cfg);
        config_free(&cfg);
        return rc;
    }

    if (o.stage) {
        int rc = stage_main(&o, &cfg, jpath);
        config_free(&cfg);
        return rc;
    }

    struct pp_journal *j = NULL;
    if (cfg.sim.present && !o.journal && !o.dry_run)
        set_aside_if_complete(jpath);
    if (!o.dry_run) {
        bool locked = false;
        char err[PP_REASON_MAX] = "";
        j = journal_open_as(jpath, who_am_i(&o), &locked, err, sizeof err);
        if (!j) {
            fprintf(stderr, "poolpilot: %s\n", err);
            if (locked)
                other_console(jpath);
            config_free(&cfg);
            return locked ? EXIT_LOCKED : EXIT_USAGE;
        }
    }
    char terr[PP_REASON_MAX] = "";
    struct pp_transport *t = cfg.sim.present ? sim_transport_new(&cfg)
                                             : ssh_transport_new(&cfg, terr, sizeof terr);
    if (!t) {
        fprintf(stderr, "poolpilot: %s\n", terr[0] ? terr : "cannot start the transport");
        journal_close(j);
        config_free(&cfg);
        return EXIT_STOPPED;
    }
    struct pp_model m;
    if (model_init(&m, &cfg) < 0) {
        fprintf(stderr, "poolpilot: out of memory\n");
        return EXIT_STOPPED;
    }
    bool headless = o.headless || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO);
    if (!o.headless && headless)
        fprintf(stderr, "poolpilot: not on a terminal: running headless\n");
    struct pp_ui *ui = headless ? headless_new(stdout, stdin, o.yes) : dashboard_new(&cfg);
    struct fanout fan = {0};
    struct pp_runner_opts ro = {.yes = o.yes, .dry_run = o.dry_run, .training = cfg.sim.present,
                                .time_scale = o.scale, .operator_ = who_am_i(&o),
                                .journal_path = jpath};
    struct pp_runner *r = ui ? runner_new(&cfg, &m, t, j, &ro, on_notice, &fan) : NULL;
    if (!r) {
        fprintf(stderr, "poolpilot: cannot start the console\n");
        return EXIT_STOPPED;
    }
    if (ui->ops->init(ui, r) < 0) {
        runner_free(r);
        model_free(&m);
        config_free(&cfg);
        return EXIT_STOPPED;
    }
    fan.ui = ui;
    if (j) {
        char said[1200];
        previous_console(jpath, &cfg, said, sizeof said);
        struct pp_notice pn = {.type = PP_N_RESUMED, .server = -1, .text = said};
        if (said[0])
            ui->ops->notice(ui, &pn);
    }
    char err[PP_REASON_MAX * 2] = "";
    int code;
    if (runner_start(r, err, sizeof err) < 0) {
        ui->ops->fini(ui);
        fprintf(stderr, "poolpilot: %s\n", err);
        code = EXIT_USAGE;
    } else {
        code = loop_run(ui, r, o.yes, !headless);
        ui->ops->fini(ui);
    }
    fan.ui = NULL;
    ui->ops->free(ui);
    runner_free(r);
    if (!headless && code != EXIT_USAGE && !o.dry_run) {
        /* leave the checklist in the terminal's scrollback */
        struct opts so = o;
        so.status = true;
        status_or_report(&so, jpath, &cfg);
    }
    model_free(&m);
    config_free(&cfg);
    return code;
}
