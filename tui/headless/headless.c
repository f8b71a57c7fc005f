/* Headless line mode: every event one readable line on stdout, operator
 * decisions as short commands on stdin.  For scripts, tests, and as the
 * screen-reader-friendly way to run poolpilot. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "backend/training/debrief.h"
#include "backend/core/i18n.h"
#include "backend/pool/model.h"
#include "backend/training/trainer.h"
#include "backend/training/walkthrough.h"
#include "tui/actions.h"
#include "tui/ui.h"

struct headless {
    struct pp_ui ui;
    const struct pp_config *cfg;
    FILE *out;
    int in_fd;
    bool yes;
    bool verbose;
    bool eof;
    struct pp_runner *r;
    char buf[8192];
    size_t nbuf;
    unsigned shown_ask;          /* id of the last question printed: a confirm answers it */
    uint64_t prompt_id;          /* a transport prompt waiting for a line */
    enum pp_prompt_kind prompt;
    bool prompt_echo;
    bool echo_off;
    struct termios saved;
};

static void stamp(struct headless *h, char *buf, size_t n)
{
    int64_t w = runner_wall(h->r) / 1000;
    time_t t = (time_t)w;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%H:%M:%S", &tm);
}

static void say(struct headless *h, const char *prefix, const char *text)
{
    char ts[16];
    stamp(h, ts, sizeof ts);
    fprintf(h->out, "[%s] %s%s\n", ts, prefix, text ? text : "");
    fflush(h->out);
}

static void echo_restore(struct headless *h)
{
    if (h->echo_off) {
        tcsetattr(h->in_fd, TCSANOW, &h->saved);
        h->echo_off = false;
    }
}

/* The engine waits for a person and nobody can answer: stop (exit 1). */
static void check_stranded(struct headless *h)
{
    const struct pp_model *m = runner_model(h->r);
    if (!h->eof || m->ask == PP_ASK_NONE)
        return;
    if (h->yes && model_ask_confirmable(m->ask))
        return;
    runner_stop(h->r, N_("input ended while the run waits for the operator"));
}

static void debrief_say(void *ctx, const char *line) { say(ctx, "debrief: ", line); }

/* A training run ends with its debrief, read back from the journal. */
static void debrief(struct headless *h)
{
    const char *path = runner_journal_path(h->r);
    if (!path || !h->cfg || !runner_model(h->r)->training)
        return;
    struct pp_debrief *db;
    char err[PP_REASON_MAX];
    if (debrief_load(path, h->cfg, &db, err, sizeof err) < 0) {
        say(h, "debrief: ", err);
        return;
    }
    debrief_lines(db, debrief_say, h);
    debrief_free(db);
}

/* `why`: the walkthrough of the moment, one line per paragraph. */
static void why(struct headless *h)
{
    struct pp_walk w;
    walkthrough_explain(runner_model(h->r), h->cfg, runner_now(h->r), &w);
    say(h, "why: ", w.title);
    for (int i = 0; i < w.n; i++) {
        char pre[48];
        snprintf(pre, sizeof pre, "why: %s%s", walk_kind_label(w.p[i].kind), _(": "));
        say(h, pre, w.p[i].text);
    }
}

/* `inject KIND [SERVER] [STEP]` (training): journaled, then injected. */
static void inject(struct headless *h, char **save)
{
    const char *kind = strtok_r(NULL, " \t", save);
    const char *server = strtok_r(NULL, " \t", save);
    const char *step = strtok_r(NULL, " \t", save);
    int k = trainer_inject_parse(kind);
    if (k < 0) {
        say(h, "! ", _("usage (training only): inject busy|not-ready|drop|hang|fail|never-returns "
                       "[SERVER] [STEP]"));
        return;
    }
    /* a step alone, without a server: inject hang verify */
    if (server && pp_step_parse(server) >= 0 && !step) {
        step = server;
        server = NULL;
    }
    struct pp_inject_plan p;
    char err[PP_REASON_MAX];
    if (trainer_plan(runner_model(h->r), (enum pp_inject)k, server, step, &p, err, sizeof err) < 0 ||
        trainer_inject(h->r, &p, err, sizeof err) < 0) {
        say(h, "! ", err);
        return;
    }
}

static void hl_notice(struct pp_ui *u, const struct pp_notice *n)
{
    struct headless *h = (struct headless *)u;
    const struct pp_model *m = runner_model(h->r);
    char pre[PP_NAME_MAX + 8];
    switch (n->type) {
    case PP_N_EVENT:
        say(h, "", n->text);
        break;
    case PP_N_OUTPUT:
        if (h->verbose && n->server >= 0) {
            snprintf(pre, sizeof pre, "%s| ", m->servers[n->server].name);
            say(h, pre, n->text);
        }
        break;
    case PP_N_ASK:
        h->shown_ask = m->ask_id;
        say(h, "? ", n->text);
        if (model_ask_confirmable(m->ask) && !h->yes)
            say(h, "  ", _("answer: confirm | decline | recheck | choose DOMAIN | "
                           "override ACTION TARGET REASON | quit"));
        else if (!model_ask_confirmable(m->ask))
            say(h, "  ", _("answer: override ACTION TARGET REASON | recheck | quit"));
        check_stranded(h);
        break;
    case PP_N_PROMPT:
        h->prompt_id = n->prompt_id;
        h->prompt = n->prompt;
        h->prompt_echo = n->echo;
        say(h, "? ", n->text);
        if (n->prompt == PP_PROMPT_HOSTKEY) {
            say(h, "  ", _("answer: accept | refuse"));
        } else {
            say(h, "  ", _("type the answer on the next line"));
            if (!n->echo && isatty(h->in_fd) && tcgetattr(h->in_fd, &h->saved) == 0) {
                struct termios t = h->saved;
                t.c_lflag &= ~(tcflag_t)ECHO;
                if (tcsetattr(h->in_fd, TCSANOW, &t) == 0)
                    h->echo_off = true;
            }
        }
        if (h->eof)
            runner_answer(h->r, h->prompt_id, false, NULL, false);
        break;
    case PP_N_ERROR:
        say(h, "! ", n->text);
        break;
    case PP_N_RESUMED:
        say(h, _("resumed: "), n->text);
        break;
    case PP_N_EXIT:
        say(h, n->code == 0 ? "done: " : "stopped: ", n->text);
        debrief(h);
        break;
    }
}

static void help(struct headless *h)
{
    say(h, "", _("commands: confirm (y) | decline (n) | recheck (r) | choose DOMAIN | "
                 "override force|retry|skip|done|proceed TARGET REASON... | status | why | "
                 "pause | resume | speed N|max | inject KIND [SERVER] [STEP] | quit (q)"));
}

static void status(struct headless *h)
{
    const struct pp_model *m = runner_model(h->r);
    char line[1024];
    /* an answer from before the last failover/failback is not the pool now */
    const char *ready = model_readiness_current(m) ? pp_ready_name(m->readiness)
                        : m->last_check < 0       ? _("not checked yet")
                        : m->last_move_back       ? _("not checked since failback")
                                                  : _("not checked since failover");
    snprintf(line, sizeof line, _("%s: %s, readiness %s, %d/%d domains done"), m->fqdn,
             pp_label(model_phase_name(m->phase)), ready, m->domains_done, m->ndomains);
    say(h, "", line);
    char eta[160];
    if (runner_eta_text(h->r, eta, sizeof eta) == 0) {
        /* TRANSLATORS: the maintenance window's estimated end, in headless status */
        snprintf(line, sizeof line, _("  window %s"), eta);
        say(h, "", line);
    }
    for (int d = 0; d < m->ndomains; d++) {
        const struct pp_domain *dom = &m->domains[d];
        size_t off = (size_t)snprintf(line, sizeof line, _("  %s %s:"), dom->name,
                                      pp_label(model_dom_state_name(dom->state)));
        for (int i = 0; i < dom->nmembers && off < sizeof line; i++) {
            const struct pp_server *s = &m->servers[dom->members[i]];
            off += (size_t)snprintf(line + off, sizeof line - off, " %s=%s", s->name,
                                    pp_label(model_srv_state_name(s->state)));
        }
        say(h, "", line);
    }
}

/* A headless verb is an action's name from the one action table
 * (tui/actions.h): the same words as the [keys] section, the help screen
 * and the docs.  The line mode adds only shorthands a key does not need
 * (y, n, r, q, ?, "why" for the walkthrough, "resume" beside "pause") and
 * two commands no key has: status and speed (handled by the caller). */
static enum act_id verb_action(const char *verb)
{
    static const struct {
        const char *word;
        enum act_id a;
    } shorthand[] = {
        {"y", ACT_CONFIRM}, {"yes", ACT_CONFIRM}, {"n", ACT_DECLINE}, {"no", ACT_DECLINE},
        {"r", ACT_RECHECK}, {"q", ACT_QUIT},      {"?", ACT_HELP},    {"why", ACT_WALKTHROUGH},
        {"resume", ACT_PAUSE},
    };
    enum act_id a = act_parse(verb);
    for (size_t i = 0; a == ACT_NONE && i < sizeof shorthand / sizeof *shorthand; i++)
        if (!strcasecmp(verb, shorthand[i].word))
            a = shorthand[i].a;
    return a;
}

static void command(struct headless *h, char *line)
{
    /* a transport prompt takes the whole next line */
    if (h->prompt_id) {
        uint64_t id = h->prompt_id;
        h->prompt_id = 0;
        echo_restore(h);
        if (h->prompt == PP_PROMPT_HOSTKEY) {
            bool yes = !strcasecmp(line, "accept") || !strcasecmp(line, "yes");
            runner_answer(h->r, id, yes, NULL, false);
        } else {
            runner_answer(h->r, id, true, line, false);
        }
        explicit_bzero(line, strlen(line));
        return;
    }
    char *save = NULL;
    char *verb = strtok_r(line, " \t", &save);
    if (!verb)
        return;
    struct pp_event ev = {.type = PP_EV_OPERATOR};
    switch (verb_action(verb)) {
    case ACT_CONFIRM: ev.op = PP_OP_CONFIRM; break;
    case ACT_DECLINE: ev.op = PP_OP_DECLINE; break;
    case ACT_RECHECK: ev.op = PP_OP_RECHECK; break;
    case ACT_CHOOSE:
        ev.op = PP_OP_CHOOSE;
        ev.target = strtok_r(NULL, " \t", &save);
        if (!ev.target) {
            say(h, "! ", _("usage: choose DOMAIN"));
            return;
        }
        break;
    case ACT_OVERRIDE: {
        const char *act = strtok_r(NULL, " \t", &save);
        int ov = engine_override_parse(act);
        ev.op = PP_OP_OVERRIDE;
        ev.target = strtok_r(NULL, " \t", &save);
        ev.reason = save ? save + strspn(save, " \t") : NULL;
        if (ov < 0 || !ev.target || !ev.reason || !*ev.reason) {
            say(h, "! ", _("usage: override force|retry|skip|done|proceed TARGET REASON..."));
            return;
        }
        ev.ov = (enum pp_override)ov;
        break;
    }
    case ACT_QUIT: ev.op = PP_OP_QUIT; break;
    case ACT_WALKTHROUGH: why(h); return;
    case ACT_HELP: help(h); return;
    case ACT_INJECT:
        if (!runner_opts(h->r)->training) {
            say(h, "! ", _("faults can only be injected in training"));
            return;
        }
        inject(h, &save);
        return;
    case ACT_PAUSE:
        if (!runner_opts(h->r)->training) {
            say(h, "! ", _("the clock can only be paused in training"));
            return;
        }
        /* one action, two words: "pause" pauses, "resume" resumes */
        runner_pause(h->r, strcasecmp(verb, "resume") != 0);
        say(h, "", runner_paused(h->r) ? _("clock paused") : _("clock running"));
        return;
    default:
        if (!strcasecmp(verb, "status")) {
            status(h);
        } else if (!strcasecmp(verb, "speed")) {
            const char *v = strtok_r(NULL, " \t", &save);
            double sc = v && !strcasecmp(v, "max") ? 0 : (v ? strtod(v, NULL) : -1);
            if (!runner_opts(h->r)->training || sc < 0 || (sc == 0 && strcasecmp(v, "max"))) {
                say(h, "! ", _("usage (training only): speed N|max"));
                return;
            }
            runner_set_scale(h->r, sc);
        } else {
            say(h, "! ", _("unknown command; type help"));
        }
        return;
    }
    runner_operator(h->r, &ev);
}

static int hl_input_fd(struct pp_ui *u)
{
    struct headless *h = (struct headless *)u;
    return h->eof ? -1 : h->in_fd;
}

static int hl_on_input(struct pp_ui *u)
{
    struct headless *h = (struct headless *)u;
    /* the loop also calls this after a signal interrupted poll(); stdin is
     * blocking (it may be the operator's terminal, shared with the shell),
     * so read only what poll() says is there */
    struct pollfd pf = {.fd = h->in_fd, .events = POLLIN};
    if (poll(&pf, 1, 0) <= 0)
        return 0;
    ssize_t k = read(h->in_fd, h->buf + h->nbuf, sizeof h->buf - 1 - h->nbuf);
    if (k < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (k <= 0) {
        h->eof = true;
        if (h->nbuf) {   /* a last line without newline */
            h->buf[h->nbuf] = 0;
            h->nbuf = 0;
            command(h, h->buf);
        }
        check_stranded(h);
        if (h->prompt_id) {
            runner_answer(h->r, h->prompt_id, false, NULL, false);
            h->prompt_id = 0;
        }
        return -1;
    }
    h->nbuf += (size_t)k;
    char *start = h->buf, *nl;
    while ((nl = memchr(start, '\n', h->nbuf - (size_t)(start - h->buf)))) {
        *nl = 0;
        if (nl > start && nl[-1] == '\r')
            nl[-1] = 0;
        command(h, start);
        start = nl + 1;
    }
    size_t rest = h->nbuf - (size_t)(start - h->buf);
    memmove(h->buf, start, rest);
    h->nbuf = rest;
    if (h->nbuf == sizeof h->buf - 1) {
        say(h, "! ", _("input line too long: ignored"));
        h->nbuf = 0;
    }
    return 0;
}

static int hl_init(struct pp_ui *u, struct pp_runner *r)
{
    struct headless *h = (struct headless *)u;
    h->r = r;
    h->cfg = runner_config(r);
    return 0;
}

static void hl_render(struct pp_ui *u) { (void)u; }

static void hl_on_signal(struct pp_ui *u, int sig)
{
    (void)u;
    (void)sig;
}

static void hl_fini(struct pp_ui *u)
{
    struct headless *h = (struct headless *)u;
    echo_restore(h);
    explicit_bzero(h->buf, sizeof h->buf);
    fflush(h->out);
}

static void hl_free(struct pp_ui *u) { free(u); }

static const struct pp_ui_ops headless_ops = {
    .init = hl_init,
    .notice = hl_notice,
    .input_fd = hl_input_fd,
    .on_input = hl_on_input,
    .render = hl_render,
    .on_signal = hl_on_signal,
    .fini = hl_fini,
    .free = hl_free,
};

struct pp_ui *headless_new(FILE *out, FILE *in, bool yes)
{
    struct headless *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->ui.ops = &headless_ops;
    h->out = out;
    h->in_fd = fileno(in);
    h->yes = yes;
    const char *v = getenv("POOLPILOT_VERBOSE");
    h->verbose = v && *v && strcmp(v, "0");
    return &h->ui;
}
