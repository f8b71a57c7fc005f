/* The simulated pool's event heap: a binary min-heap keyed by (time,
 * timeouts last, sequence).  The sequence number makes equal times come
 * out in the order they were scheduled, which keeps runs deterministic;
 * timeouts losing ties means a step that ends exactly at its deadline is
 * in time.  Entries of finished or replaced commands are left in place and
 * recognised as stale when they surface (generation counters). */
#include "backend/transport/sim/sim_internal.h"

#include <stdlib.h>

static bool ev_less(const struct sim_ev *a, const struct sim_ev *b)
{
    if (a->at != b->at)
        return a->at < b->at;
    if (a->late != b->late)
        return a->late < b->late;
    return a->seq < b->seq;
}

int sim_heap_reserve(struct sim *s, int more)
{
    if (s->nheap + more <= s->capheap)
        return 0;
    int cap = s->capheap ? s->capheap : 64;
    while (cap < s->nheap + more)
        cap *= 2;
    struct sim_ev *h = realloc(s->heap, (size_t)cap * sizeof *h);
    if (!h)
        return -1;
    s->heap = h;
    s->capheap = cap;
    return 0;
}

/* Callers reserve room first (start, cancel, inject); processing an event
 * pops one entry before it pushes at most one, so it never needs to grow. */
void sim_heap_push(struct sim *s, int type, pp_ms at, int slot, uint32_t gen, uint32_t tick)
{
    if (sim_heap_reserve(s, 1) < 0)
        return;
    struct sim_ev e = {.at = at, .seq = s->seq++, .type = (uint8_t)type,
                       .late = type == EV_TIMEOUT, .slot = slot, .gen = gen, .tick = tick};
    int i = s->nheap++;
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!ev_less(&e, &s->heap[p]))
            break;
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = e;
}

struct sim_ev sim_heap_pop(struct sim *s)
{
    struct sim_ev top = s->heap[0], e = s->heap[--s->nheap];
    int i = 0, n = s->nheap;
    for (;;) {
        int l = 2 * i + 1, m = i;
        const struct sim_ev *best = &e;
        if (l < n && ev_less(&s->heap[l], best))
            best = &s->heap[m = l];
        if (l + 1 < n && ev_less(&s->heap[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        s->heap[i] = s->heap[m];
        i = m;
    }
    if (n > 0)
        s->heap[i] = e;
    return top;
}

bool sim_ev_stale(const struct sim *s, const struct sim_ev *e)
{
    const struct sim_server *v = &s->srv[e->slot];
    if (e->type == EV_BACK)
        return v->back_gen != e->gen || v->svc != SVC_REBOOTING;
    const struct sim_cmd *c = &v->cmd;
    if (!c->active || c->gen != e->gen)
        return true;
    return e->type == EV_BEAT && c->tick != e->tick;
}
