/* The window's end for the header and the headless status: the model says
 * where the run stands, backend/journal/journal_eta.c estimates from this
 * run's records and from earlier journals of the same pool (files named
 * JOURNAL.* beside the journal: how finished runs are set aside). */
#include "backend/runner/runner_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/core/i18n.h"
#include "backend/journal/journal.h"
#include "backend/journal/journal_eta.h"

void runner_eta_init(struct pp_runner *r)
{
    if (!(r->eta = eta_new()))
        mem_oom("estimate");
    const char *path = r->j ? journal_path(r->j) : r->opts.journal_path;
    if (path)
        r->eta_journals = eta_add_history(r->eta, path);
}

void runner_eta_record(struct pp_runner *r, const struct pp_jrec *rec)
{
    if (r->eta) {
        eta_add(r->eta, rec, false);
        r->eta_records++;
    }
}

static void fmt_left(pp_ms ms, char *out, size_t n)
{
    long long m = (ms + 59999) / 60000;
    if (m < 60)
        snprintf(out, n, "%lldm", m);
    else
        snprintf(out, n, "%lldh%02lldm", m / 60, m % 60);
}

static void fmt_clock(int64_t wall_ms, char *out, size_t n)
{
    time_t t = (time_t)(wall_ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, n, "%H:%M", &tm);
}

static int estimate(struct pp_runner *r, char *buf, size_t n);

/* A frame a second asks; the answer changes with the clock's minute and
 * with new records only, so it is worked out once per second and record. */
int runner_eta_text(struct pp_runner *r, char *buf, size_t n)
{
    pp_ms second = r->now / 1000;
    if (!r->eta_valid || r->eta_second != second || r->eta_seen != r->eta_records) {
        r->eta_rc = estimate(r, r->eta_text, sizeof r->eta_text);
        r->eta_second = second;
        r->eta_seen = r->eta_records;
        r->eta_valid = true;
    }
    snprintf(buf, n, "%s", r->eta_text);
    return r->eta_rc;
}

static int estimate(struct pp_runner *r, char *buf, size_t n)
{
    const struct pp_model *m = r->m;
    buf[0] = 0;
    if (!r->eta || m->phase == PP_PH_COMPLETE || m->phase == PP_PH_STOPPED || m->ndomains == 0)
        return -1;
    struct pp_eta_server *sv = calloc((size_t)m->nservers + 1, sizeof *sv);
    bool *done = calloc((size_t)m->ndomains, sizeof *done);
    if (!sv || !done)
        mem_oom("estimate");
    pp_ms last_done = -1;
    bool any_done = false;
    for (int d = 0; d < m->ndomains; d++) {
        enum pp_dom_state st = m->domains[d].state;
        done[d] = st == PP_DOM_DONE || st == PP_DOM_DONE_EXCEPTIONS;
        if (done[d]) {
            any_done = true;
            last_done = m->domains[d].finished > last_done ? m->domains[d].finished : last_done;
        }
    }
    for (int i = 0; i < m->nservers; i++) {
        const struct pp_server *s = &m->servers[i];
        sv[i].name = s->name;
        sv[i].domain = s->domain;
        bool final = s->state == PP_SRV_VERIFIED || s->state == PP_SRV_SKIPPED ||
                     s->state == PP_SRV_MARKED_DONE;
        int k = 0;
        while (k < PP_STEP_COUNT && s->step_done[k])
            k++;
        sv[i].next_step = final ? PP_STEP_COUNT : k;
        sv[i].running = s->state == PP_SRV_RUNNING ? r->now - s->step_started : -1;
    }
    struct pp_eta_in in = {.servers = sv, .nservers = m->nservers, .domain_done = done,
                           .ndomains = m->ndomains, .active_domain = m->active_domain,
                           .in_gap = any_done ? r->now - last_done : -1,
                           .settle = r->cfg->timing.settle, .parallel = r->cfg->parallel,
                           .waiting = m->phase == PP_PH_BUSY_WAIT && m->next_check != PP_MS_NEVER &&
                                              m->next_check > r->now
                                          ? m->next_check - r->now
                                          : 0};
    struct pp_eta_out out;
    eta_estimate(r->eta, &in, &out);
    free(sv);
    free(done);
    if (!out.known) {
        /* TRANSLATORS: %s is a step's name (drain, upgrade...), already translated */
        snprintf(buf, n, _("ends: unknown until a %s has been timed"), pp_label(out.missing));
        return 0;
    }
    char a[16], b[16], la[16], lb[16];
    int64_t wall = runner_wall(r);
    fmt_clock(wall + out.lo, a, sizeof a);
    fmt_left(out.lo, la, sizeof la);
    if (!out.range || !strcmp((fmt_clock(wall + out.hi, b, sizeof b), b), a)) {
        if (out.range)
            snprintf(buf, n, _("ends by %s (%s left)"), a, la);
        else
            snprintf(buf, n, _("ends about %s (%s left)"), a, la);
    } else {
        fmt_left(out.hi, lb, sizeof lb);
        snprintf(buf, n, P_("ends %s-%s (%s-%s left, %d earlier run)",
                            "ends %s-%s (%s-%s left, %d earlier runs)", r->eta_journals),
                 a, b, la, lb, r->eta_journals);
    }
    return 0;
}
