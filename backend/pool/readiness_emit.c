/* The canonical readiness JSON, as the README documents it:
 *   {"PoolUpgradeState":"Ready","TotalFrontEnds":6,"TotalActiveFrontEnds":6,
 *    "UpgradeDomains":[{"UpgradeDomain":"UpgradeDomain1",
 *    "FrontEnds":["fe01.contoso.com","fe02.contoso.com"],"ReadyForUpgrade":true}]}
 * on one line, no spaces.  The simulator answers with it, so the real
 * parser (readiness.c) reads every simulated check end to end.  Unknown
 * values (counts -1, ready -1) are written as null: a reader must not
 * mistake them for anything. */
#include "backend/pool/readiness.h"

#include "backend/core/jsonstr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sbuf {
    char *p;
    size_t n, cap;
    bool failed;
};

static void sb_put(void *ctx, const char *s, size_t n)
{
    struct sbuf *b = ctx;
    if (b->failed)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_str(struct sbuf *b, const char *s)
{
    jsonstr_emit(s, strlen(s), sb_put, b);
}

static void sb_int(struct sbuf *b, int v)
{
    char num[16];
    if (v < 0) {
        sb_puts(b, "null");
        return;
    }
    snprintf(num, sizeof num, "%d", v);
    sb_puts(b, num);
}

char *readiness_to_json(const struct pp_readiness *r)
{
    if (!r)
        return NULL;
    struct sbuf b = {0};
    sb_puts(&b, "{\"PoolUpgradeState\":");
    sb_str(&b, pp_ready_name(r->state));
    sb_puts(&b, ",\"TotalFrontEnds\":");
    sb_int(&b, r->total_fe);
    sb_puts(&b, ",\"TotalActiveFrontEnds\":");
    sb_int(&b, r->active_fe);
    sb_puts(&b, ",\"UpgradeDomains\":[");
    for (int d = 0; d < r->ndomains && r->domains; d++) {
        const struct pp_ready_domain *rd = &r->domains[d];
        sb_puts(&b, d ? ",{\"UpgradeDomain\":" : "{\"UpgradeDomain\":");
        sb_str(&b, rd->name);
        sb_puts(&b, ",\"FrontEnds\":[");
        for (int k = 0; k < rd->nfronts && rd->fronts; k++) {
            if (k)
                sb_puts(&b, ",");
            sb_str(&b, rd->fronts[k]);
        }
        sb_puts(&b, "],\"ReadyForUpgrade\":");
        sb_puts(&b, rd->ready > 0 ? "true" : rd->ready == 0 ? "false" : "null");
        sb_puts(&b, "}");
    }
    sb_puts(&b, "]}");
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
