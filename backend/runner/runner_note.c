/* Records that come from outside the engine: a trainer's injected fault is
 * journaled as a "note" before the simulator is told, so a debrief or a
 * report read later knows the fault was the trainer's, not the pool's. */
#include "backend/runner/runner_internal.h"

#include <stdio.h>
#include <string.h>

int runner_note(struct pp_runner *r, struct pp_jrec *rec)
{
    if (r->halted)
        return -1;   /* the journal already failed: nothing more is recorded */
    snprintf(rec->event, sizeof rec->event, "%s", journal_event_name(PP_JEV_NOTE));
    if (!rec->operator_[0])
        snprintf(rec->operator_, sizeof rec->operator_, "%s", r->operator_);
    runner_stamp(r, rec);
    char err[PP_REASON_MAX] = "";
    if (r->j && journal_append(r->j, rec, err, sizeof err) < 0) {
        runner_notify(r, PP_N_ERROR, -1, err);
        return -1;
    }
    char line[1400];
    journal_describe(rec, line, sizeof line);
    runner_notify(r, PP_N_EVENT, rec->server[0] ? model_find_server(r->m, rec->server) : -1, line);
    return 0;
}

const char *runner_journal_path(const struct pp_runner *r)
{
    return r->j ? journal_path(r->j) : NULL;
}
