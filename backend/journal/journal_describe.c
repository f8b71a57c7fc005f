/* One readable line per journal record: what headless mode prints and the
 * dashboard's event log shows.  The journal keeps the exact English fields;
 * this line is for a person, so it is in the operator's language: the
 * record's words (event, step, result) through pp_label(), its English
 * reason and detail through journal_say(). */
#include "backend/journal/journal.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "backend/core/types.h"

/* The English texts the engine, the runner and the simulator write into a
 * record's reason or detail, as printf templates.  journal_say() finds the
 * one a text was made from, takes the values back out and puts them into
 * the template's translation, so the journal itself never has to hold
 * anything but English.  A text none of them made (an operator's reason, a
 * server's own output) is shown as it is. */
static const char *const templates[] = {
    /* TRANSLATORS: the templates below are journal texts shown on screen;
       every %s is a value taken back out of the English text (a name, a
       number, a duration such as 1200s or 5m49s) */
    N_("auto (--yes)"),
    N_("settle wait complete"),
    N_("Ready: settle %s before the next domain"),
    N_("failed over: settle %s before the next domain"),
    N_("Busy (strike %s of %s): next check in %s"),
    N_("readiness unknown (%s): next check in %s"),
    N_("no open domain reports ReadyForUpgrade True: next check in %s"),
    N_("the pool left Ready during the settle wait: the timer restarts"),
    N_("%s verified, %s skipped, %s marked done by hand"),
    N_("%s is back: SSH answers again after %s"),
    N_("%s is back: SSH answers again"),
    N_("%s restarting: the SSH connection dropped"),
    /* what the SSH transport says of a server's connection */
    N_("disconnected: %s"),
    N_("restarting: waiting for it to come back"),
    N_("down: did not come back"),
    N_("connected (%s)"),
    N_("refused: %s"),
    N_("connecting"),
    N_("unreachable: %s"),
    N_("login denied: %s"),
    N_("disconnected while idle: %s"),
    N_("no answer"),
    N_("..."),
    N_("routing groups: %s, all with primary and %s secondaries"),
    N_("pool %s profile %s mode %s, %s Front Ends, quorum %s, Busy retry %ss, %s strikes, "
       "settle %ss, topology %s, training scenario %s"),
    N_("pool %s profile %s mode %s, %s Front Ends, quorum %s, Busy retry %ss, %s strikes, "
       "settle %ss, topology %s"),
    N_("pool %s profile %s mode %s, %s Front Ends, quorum %s, topology %s, training scenario %s"),
    N_("pool %s profile %s mode %s, %s Front Ends, quorum %s, topology %s"),
    N_("pool %s profile %s mode %s, %s Front Ends, training scenario %s"),
    N_("pool %s profile %s mode %s, %s Front Ends"),
    N_("%s of %s domains done"),
    N_("none in progress"),
    N_("in progress: %s"),
    N_("%s step(s) in flight"),
    N_("no end within %s"),
    N_("connection to %s lost: %s"),
    N_("failing %s over to %s (run on %s)"),
    N_("failing %s back from %s (run on %s)"),
    N_("active %s"),
    N_("the pool answered Busy %d times in a row"),
    N_("InsufficientActiveFrontEnds: %d of %d Front Ends active"),
    N_("%s not ready"),   /* before "%s ready", which would take it */
    N_("%s ready"),
    N_("the console stopped while this step ran"),
    N_("the console stopped while it ran"),
    /* the read of the pool's state after a failover / failback that did
       not end ok (a probe record of the pool) */
    N_("the probe reads the pool as failed over"),
    N_("the probe reads the pool as not failed over"),
    N_("the probe cannot tell whether the pool is failed over"),
    N_("it already ran in this journal without a known good end: only an operator's override "
       "retry runs it again"),
    N_("a pool-level command or the read of the pool's state runs"),
    N_("immediate stop (forced by override)"),
    N_("immediate stop (scheduled downtime)"),
    N_("trainer injected a fault"),
    N_("the simulated pool refused the fault"),
    N_("input ended while the run waits for the operator"),
    N_("updating the Back End databases on %s (run on %s)"),
    /* a topology record: the pool's order against [servers] (issue 11 item 14) */
    N_("the pool's topology order matches [servers]"),
    N_("%s is in [servers] but the pool does not list it"),
    N_("the pool lists %s, which [servers] does not"),
    N_("server %s in topology order is %s, [servers] has %s there"),
    N_("the pool's topology order cannot be read: it is never assumed to match [servers]"),
    /* PP_BACKEND_OPEN (journal.h): the Back End left to the operator */
    N_("Back End not updated by poolpilot: run Install-CsDatabase -Update -ConfiguredDatabases "
       "-SqlServerFqdn <your Back End> on a Front End"),
    /* a decision as the debrief names it */
    N_("start %s"),
    N_("decline: %s"),
    N_("run %s on %s"),
    N_("re-run %s on %s"),
    N_("choose %s next"),
    /* TRANSLATORS: an override as the debrief names it: keep the command
       word (retry, force, skip, done); the last %s is a step */
    N_("retry %s (%s)"),
    N_("force %s (%s)"),
    N_("skip %s (%s)"),
    N_("done %s (%s)"),
    N_("signal received: running commands finish and are journaled (a second signal "
       "leaves at once)"),
    /* a drain refused for the update package (runner_stage.c, stage_util.c):
       the journal's check, then the server's own answer just before it */
    N_("%s: not drained: the update package cannot be checked (%s)"),
    N_("%s: not drained: the update package is not staged there (no verified copy in the "
       "journal): run poolpilot --stage, then retry"),
    N_("%s: not drained: its staged copy (sha256 %s...) is not this package (%s...): run "
       "poolpilot --stage, then retry"),
    N_("%s: not drained: the update package is missing on the server: no file %s: run "
       "poolpilot --stage, then retry"),
    N_("%s: not drained: %s on the server is another file: sha256 %s, not %s: run poolpilot "
       "--stage, then retry"),
    N_("%s: not drained: cannot tell whether the update package is on the server (%s)"),
    N_("%s: not drained: its copy of the update package cannot be verified on the server (the "
       "profile has no hash_command)"),
    N_("%s: not drained: the check of its copy of the update package was cancelled"),
    N_("%s: not drained: the journal cannot be written"),
};

#define MAXCAP 10   /* the start record has 9 values */

struct caps {
    const char *p[MAXCAP];
    size_t len[MAXCAP];
    int n;
};

/* Does text match template t (literal text, %s any run, %d digits)? */
static bool match(const char *t, const char *s, struct caps *c)
{
    while (*t) {
        if (t[0] == '%' && (t[1] == 's' || t[1] == 'd')) {
            if (c->n >= MAXCAP)
                return false;
            int k = c->n++;
            c->p[k] = s;
            size_t max = strlen(s);
            for (size_t len = 1; len <= max; len++) {
                if (t[1] == 'd' && (s[len - 1] < '0' || s[len - 1] > '9'))
                    break;
                c->len[k] = len;
                if (match(t + 2, s + len, c))
                    return true;
            }
            c->n--;
            return false;
        }
        if (*t != *s)
            return false;
        t++, s++;
    }
    return *s == 0;
}

/* printf's %s, %d, %n$s, %n$d (with l/ll) in tr, filled from c */
static size_t fill(const char *tr, const struct caps *c, char *out, size_t n)
{
    size_t o = 0;
    int next = 0;
    for (const char *q = tr; *q && o + 1 < n;) {
        if (q[0] == '%' && q[1] == '%') {
            out[o++] = '%';
            q += 2;
            continue;
        }
        if (q[0] != '%') {
            out[o++] = *q++;
            continue;
        }
        const char *r = q + 1;
        int pos = 0;
        while (*r >= '0' && *r <= '9')
            pos = pos * 10 + (*r++ - '0');
        int k = next++;
        if (*r == '$') {
            k = pos - 1;
            r++;
        } else {
            r = q + 1;
        }
        while (*r == 'l')
            r++;
        if ((*r != 's' && *r != 'd') || k < 0 || k >= c->n) {
            out[o++] = *q++;   /* not one of ours: copied as it is */
            continue;
        }
        /* a value that is one of the record's words (a step) is said too */
        char v[256];
        snprintf(v, sizeof v, "%.*s", (int)c->len[k], c->p[k]);
        const char *say = c->len[k] < sizeof v ? pp_label(v) : v;
        size_t len = c->len[k] < sizeof v ? strlen(say) : c->len[k];
        if (say == v && c->len[k] >= sizeof v)
            say = c->p[k];
        if (len > n - 1 - o)
            len = n - 1 - o;
        memcpy(out + o, say, len);
        o += len;
        q = r + 1;
    }
    out[o] = 0;
    return o;
}

/* one piece: a template's translation, else the piece as it is; a text
 * with "; " in it matches a template only as a whole message */
static size_t say_piece(const char *s, size_t len, char *out, size_t n, bool whole)
{
    char piece[1024];
    if (!len)
        return 0;   /* never dgettext(""): that is the catalogue's header */
    if (len >= sizeof piece)
        len = sizeof piece - 1;
    memcpy(piece, s, len);
    piece[len] = 0;
    const char *tr = _(piece);   /* a literal reason marked N_() elsewhere */
    if (tr != piece) {
        snprintf(out, n, "%s", tr);
        return strlen(out);
    }
    for (size_t i = 0; !whole && i < sizeof templates / sizeof *templates; i++) {
        struct caps c = {.n = 0};
        if (match(templates[i], piece, &c))
            return fill(_(templates[i]), &c, out, n);
    }
    snprintf(out, n, "%s", piece);
    return strlen(out);
}

void journal_say(const char *english, char *out, size_t n)
{
    if (!n)
        return;
    out[0] = 0;
    if (!english || !*english)
        return;
    /* the whole text first, then each "; " part (readiness lists its
       domains, the resume record its state that way) */
    bool parts = strstr(english, "; ") != NULL;
    say_piece(english, strlen(english), out, n, parts);
    if (strcmp(out, english) != 0 || !parts)
        return;
    size_t o = 0;
    bool changed = false;
    for (const char *s = english; o + 1 < n;) {
        const char *e = strstr(s, "; ");
        size_t len = e ? (size_t)(e - s) : strlen(s);
        size_t k = say_piece(s, len, out + o, n - o, false);
        changed = changed || k != len || memcmp(out + o, s, len) != 0;
        o += k;
        if (!e)
            break;
        /* TRANSLATORS: between the parts of a journal text ("; ") */
        o += (size_t)snprintf(out + o, n - o, "%s", _("; "));
        if (o >= n)
            o = n - 1;
        s = e + 2;
    }
    if (!changed)   /* a server's own output: as it is, separators too */
        snprintf(out, n, "%s", english);
}

static size_t add3(char *buf, size_t n, size_t off, const char *pre, const char *a,
                   const char *post)
{
    if (!a || !a[0] || off >= n)
        return off;
    int k = snprintf(buf + off, n - off, "%s%s%s", pre, a, post);
    return k < 0 ? off : off + (size_t)k;
}

static size_t add(char *buf, size_t n, size_t off, const char *pre, const char *a)
{
    return add3(buf, n, off, pre, a, "");
}

void journal_describe(const struct pp_jrec *rec, char *buf, size_t n)
{
    enum pp_jev ev = journal_event_parse(rec->event);
    bool person = ev == PP_JEV_CONFIRM || ev == PP_JEV_DECLINE || ev == PP_JEV_OVERRIDE ||
                  ev == PP_JEV_CHOOSE || ev == PP_JEV_START;
    size_t off = 0;
    buf[0] = 0;
    off = add(buf, n, off, "", pp_label(rec->event));
    off = add(buf, n, off, " ", pp_label(rec->action));
    off = add(buf, n, off, " ", rec->domain);
    off = add(buf, n, off, " ", rec->server);
    off = add(buf, n, off, " ", pp_label(rec->step));
    off = add(buf, n, off, " ", pp_label(rec->state));
    /* TRANSLATORS: between a step and its result in an event line */
    off = add(buf, n, off, _(" -> "), pp_label(rec->result));
    if (person)
        /* TRANSLATORS: an event line's "by OPERATOR" */
        off = add(buf, n, off, _(" by "), rec->operator_);
    char say[1024];
    journal_say(rec->reason, say, sizeof say);
    /* TRANSLATORS: before an event line's reason */
    off = add(buf, n, off, _(": "), say);
    char cut[sizeof rec->detail + 8];
    const char *semi = strlen(rec->detail) == sizeof rec->detail - 1 ? strrchr(rec->detail, ';') : NULL;
    if (semi) {
        /* the detail filled its field and was cut: its last part is a
           fragment no template matches, shown as "..." */
        snprintf(cut, sizeof cut, "%.*s; ...", (int)(semi - rec->detail), rec->detail);
        journal_say(cut, say, sizeof say);
    } else {
        journal_say(rec->detail, say, sizeof say);
    }
    /* TRANSLATORS: around an event line's detail */
    add3(buf, n, off, _(" ("), say, _(")"));
}
