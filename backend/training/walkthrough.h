/* The walkthrough: what is happening in the run right now and why, in
 * poolpilot's own words, with this pool's numbers (quorum, strikes,
 * countdowns).  A pure function of the model, the config and the time:
 * it follows the live state (phase, question, the servers' steps), so the
 * same text is right in a live run, in training and in a replay.
 *
 * The dashboard's walkthrough pane (tui/pane_walkthrough.c) and headless
 * mode's `why` command show it.  Text goes through gettext (backend/i18n.h);
 * `topic` stays a stable English id for tests and scripts. */
#ifndef PP_WALKTHROUGH_H
#define PP_WALKTHROUGH_H

#include "backend/pool/model.h"
#include "config/config.h"

#define WALK_PARAS 6
#define WALK_TEXT 720

enum walk_kind {
    WALK_GOAL,   /* the training scenario's learning goal (start of a run) */
    WALK_WHAT,   /* what is happening, with the live numbers */
    WALK_WHY,    /* why the procedure does it this way */
    WALK_YOU     /* what the operator can do now */
};

struct walk_para {
    enum walk_kind kind;
    char text[WALK_TEXT];
};

struct pp_walk {
    char topic[32];          /* "busy-wait", "start-domain", "draining", ... */
    char title[200];         /* one line: the situation */
    int server;              /* the server the text is about, -1 */
    struct walk_para p[WALK_PARAS];
    int n;
};

/* Fills w for the model as it stands at `now` (runner time).  cfg may be
 * NULL (defaults are assumed: 10-minute Busy wait, three strikes, the Lync
 * quorum table).  Never fails; unknown states get a plain fallback. */
void walkthrough_explain(const struct pp_model *m, const struct pp_config *cfg, pp_ms now,
                         struct pp_walk *w);

/* "10 min", "1 h 30 min", "45 s": durations in words for the text. */
const char *walk_duration(pp_ms ms, char *buf, size_t n);

/* The heading of a paragraph kind ("Now", "Why", "You", "Goal"), translated. */
const char *walk_kind_label(enum walk_kind k);

#endif
