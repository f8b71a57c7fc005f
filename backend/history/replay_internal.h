/* Private to backend/replay*.c. */
#ifndef PP_REPLAY_INT_H
#define PP_REPLAY_INT_H

#include "backend/engine/engine.h"
#include "backend/history/replay.h"

struct replay_fold {
    bool settling;                 /* a domain ended: checks belong to the settle wait */
};

struct pp_replay {
    struct pp_config own;          /* derived or scenario config (own_cfg) */
    bool own_cfg;
    const struct pp_config *cfg;
    char source[96];

    struct pp_jrec *recs;
    int n, cap;
    int64_t *wall;                 /* ms of each record's ts, -1 unreadable */
    int64_t wall0;

    int pos;
    struct pp_model m;
    bool model_ok;
    struct pp_engine *eng;         /* restored up to pos: stepping forward goes on from it */
    struct pp_outbuf *out;         /* nservers + 1: [nservers] is the pool */
    int nout;
    struct replay_fold fold;
};

/* replay_fold.c: what a live run knows that engine_restore does not keep. */
void replay_fold_record(struct pp_replay *rp, struct replay_fold *f, const struct pp_jrec *r,
                        pp_ms t);
/* The question the engine was waiting on at the current position. */
void replay_fold_ask(struct pp_replay *rp);
/* The output lines: rebuilt for records [0, pos), or (from > 0) only the
 * records [from, pos) added to what is there. */
void replay_fold_output(struct pp_replay *rp, int from);

#endif
