/* Replay: a journal (a training run or a real maintenance window) read
 * back read-only and stepped through as a timeline, for post-incident
 * reviews and for teaching from real runs.
 *
 * The model at any position is rebuilt from the records before it: a fresh
 * engine restores them (engine_restore, the same code a resume uses) and a
 * replay fold adds what only a live run knows (phase, countdowns, strikes,
 * the pending question, step times).  No transport exists in a replay:
 * nothing can be sent to any server.
 *
 * The pool's topology comes from the config when one is given (-c or
 * --training); else from the built-in scenario a training journal names;
 * else it is derived from the journal itself: servers and domains in order
 * of first appearance (so the quorum's "first N" may differ from the real
 * topology order), the DR pair from failover records.
 * Ownership: replay_open() returns an object freed with replay_free(). */
#ifndef PP_REPLAY_H
#define PP_REPLAY_H

#include "backend/journal/journal.h"
#include "backend/pool/model.h"
#include "backend/core/outbuf.h"
#include "config/config.h"

struct pp_replay;

/* Reads the journal (without locking it; a corrupt one fails like --status
 * does).  cfg may be NULL; when given it must outlive the replay.
 * Returns NULL with err on failure; warn gets non-fatal notes. */
struct pp_replay *replay_open(const char *path, const struct pp_config *cfg, char *warn,
                              size_t warnn, char *err, size_t errn);
void replay_free(struct pp_replay *rp);

int replay_count(const struct pp_replay *rp);
/* Records applied so far: 0 (before the first) .. count. */
int replay_pos(const struct pp_replay *rp);
/* Moves to `pos` (clamped) and rebuilds the model.  Returns the new pos. */
int replay_seek(struct pp_replay *rp, int pos);
/* The position just after the next (dir > 0) or previous (dir < 0)
 * decision relative to the current record; -1 when there is none. */
int replay_find_decision(const struct pp_replay *rp, int dir);

const struct pp_jrec *replay_record(const struct pp_replay *rp, int i);   /* 0-based */
const struct pp_model *replay_model(const struct pp_replay *rp);
const struct pp_config *replay_config(const struct pp_replay *rp);
/* Where the topology came from: "the config", "scenario NAME", "the journal". */
const char *replay_source(const struct pp_replay *rp);
/* The current record's time as ms since the first record (the model's now). */
pp_ms replay_now(const struct pp_replay *rp);
/* Wall-clock ms of the first record: wall = now + replay_wall0(). */
int64_t replay_wall0(const struct pp_replay *rp);
/* Records up to the current one, as lines: the pool's (-1) or a server's. */
const struct pp_outbuf *replay_output(const struct pp_replay *rp, int server);

/* A decision: confirm, decline, override, choose, pool-problem. */
bool replay_is_decision(const struct pp_jrec *r);
/* One readable line for a record (the same words as headless mode). */
void replay_describe(const struct pp_jrec *r, char *buf, size_t n);

#endif
