/* Private to backend/walkthrough*.c: the paragraph builder and the facts
 * (quorum, timings, commands) every explanation draws on. */
#ifndef PP_WALKTHROUGH_INT_H
#define PP_WALKTHROUGH_INT_H

#include "backend/core/i18n.h"
#include "backend/training/walkthrough.h"

/* What an explanation reads, gathered once. */
struct walk_ctx {
    const struct pp_model *m;
    const struct pp_config *cfg;
    pp_ms now;
    enum pp_quorum rule;
    pp_ms busy_retry, settle;
    int strikes;
    bool lync;                  /* a Lync / SfB profile: cmdlet names apply */
    struct pp_walk *w;
};

void walk_title(struct walk_ctx *c, const char *topic, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void walk_para(struct walk_ctx *c, enum walk_kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends to the last paragraph (a sentence that only sometimes applies). */
void walk_more(struct walk_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first DNS label of a server ("fe03"). */
const char *walk_short(const struct pp_model *m, int server, char *buf, size_t n);
/* "this pool has N Front Ends; K must keep running (among the first F)" and,
 * for domain d >= 0, what stays up without it.  One sentence or two. */
void walk_quorum(struct walk_ctx *c, int d, char *buf, size_t n);
/* Why one domain at a time (routing groups spread across domains). */
const char *walk_why_one_domain(void);
/* The readiness cmdlet of this profile, or a generic phrase. */
const char *walk_readiness_cmd(const struct walk_ctx *c);
pp_ms walk_step_timeout(const struct walk_ctx *c, enum pp_step s);

/* walkthrough_ask.c: the engine waits for the operator. */
void walk_explain_ask(struct walk_ctx *c);
/* walkthrough.c: a server's step in progress (also used for failed steps). */
void walk_explain_step(struct walk_ctx *c, int server);

#endif
