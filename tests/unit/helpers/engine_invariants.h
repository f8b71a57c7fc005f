/* The safety invariants, checked on what a driven engine wrote to its
 * journal and on its model: shared by the property test (random pools,
 * well-behaved operator) and the model checker (adversarial operator, pool
 * answers and restarts).
 *   - never two domains in flight (journal and model);
 *   - no domain starts without Ready + ReadyForUpgrade, a failover that
 *     succeeded, or a journaled proceed override;
 *   - quorum never broken (any state, failed over too) under the rule;
 *   - every confirm / decline / choose / override names its operator, an
 *     override has a reason and never comes from --yes;
 *   - a step that ended ok never runs again on that server;
 *   - a server runs a step only in the domain in flight;
 *   - Busy answered busy_strikes times in a row (busy_retry apart) is a
 *     pool problem before anything else is checked or started, across
 *     restarts too;
 *   - a pool-level command (failover / failback) that already started in
 *     this journal starts again only after an operator's override retry
 *     on the pool, and never while its outcome is unknown before the
 *     pool's state was read (a `probe` record of the pool);
 *   - after a domain ends, the next starts only once the settle wait has
 *     completed ("wait" ok), failed over too, unless a proceed override
 *     passing the gate ("proceed-gate" / "proceed-domain") came since: an
 *     accepted fabric check passes nothing else (issue 11 items 5, 6);
 *   - a failback starts only after a Ready answer since the last domain
 *     ended, or an operator's "accept-unready" override (item 6);
 *   - with a topology command, no domain starts before a `topology` record
 *     read the pool's order as [servers]' ("match") or an operator's
 *     "accept-topology" override said it is (item 14). */
#ifndef PP_ENGINE_INVARIANTS_H
#define PP_ENGINE_INVARIANTS_H

#include "tests/unit/helpers/engine_driver.h"

struct inv {
    char open_domain[PP_DOMAIN_NAME_MAX];   /* "" when none; a name: a restart may
                                             * number discovered domains anew */
    bool ready_seen;            /* a Ready answer since the last domain ended */
    char ready_detail[PP_REASON_MAX + 2];
    bool failed_over;
    bool proceed;
    int checked;                /* records checked so far */
    bool (*ok_done)[PP_STEP_COUNT];
    int nservers;
    int bad_record;             /* index of the record that broke a rule, -1 */
    int strikes;                /* consecutive Busy answers, counted as the engine must */
    long long last_strike;      /* ts of the last counted one, -1 */
    bool problem_due;           /* strikes reached: a pool-problem must come next */
    bool pool_started[2];       /* a failover [0] / failback [1] start record seen */
    bool pool_retry;            /* an override retry on the pool since the last start */
    int pool_unsure;            /* -1, or [0]/[1]: ended not ok, no probe of the pool yet */
    int pool_last;              /* the last pool command started, -1 */
    bool settle_due;            /* a domain ended; no "settle wait complete" since */
    bool failback_ok;           /* Ready (or accept-unready) since the last domain ended */
    bool be_started;            /* a Back End update start record seen */
    bool be_retry;              /* an override retry on the Back End since its last start */
    bool be_settled;            /* it ended ok, or an override said done / left it open */
    bool topo_ok;               /* the topology order matched, or was accepted */
};

void inv_init(struct inv *c, const struct drv *d);
void inv_free(struct inv *c);
/* Checks the records written since the last call, then the model.  NULL
 * when every invariant holds; otherwise what broke (c->bad_record says
 * which record, -1 for the model). */
const char *inv_check(struct inv *c, const struct drv *d);
/* Prints the last n records of d's journal to stderr (for a failure). */
void inv_dump(const struct drv *d, int n);

#endif
