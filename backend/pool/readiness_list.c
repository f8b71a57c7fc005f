/* The readiness answer as PowerShell's default Format-List text:
 *
 *   PoolUpgradeState     : Ready
 *   UpgradeDomains       : {UpgradeDomain1, UpgradeDomain2}
 *   (blank line)
 *   UpgradeDomain   : UpgradeDomain1
 *   FrontEnds       : {fe01.contoso.com, fe02.contoso.com}
 *   ReadyForUpgrade : True
 *
 * Blocks are separated by blank lines: the one with pool properties is the
 * pool, each one with domain properties is a domain.  A long value wraps
 * onto indented lines, which are joined with a space (a name cut by the
 * wrap then fails the name check: Unknown, never a wrong name).  Format-List
 * shows at most 4 items of a collection and then "..." (PowerShell 7: "…"):
 * any value of ours ending so reads as Unknown.  Lines that are not
 * "Name : value" (warnings, the result marker) are ignored. */
#include "backend/pool/readiness_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct lval {
    char *s;          /* heap, NUL-terminated */
    size_t n, cap;
    int have;
};

struct lblock {
    struct lval v[RD_P_COUNT];
    enum readiness_prop dup;   /* a property given twice, else RD_P_OTHER */
};

struct lread {
    struct pp_readiness *r;
    int pools, domains_blocks;
    char *pool_domains;  /* the pool block's UpgradeDomains, for a cross-check */
    int oom;
};

static void lval_add(struct lread *L, struct lval *v, const char *s, size_t n)
{
    if (v->cap - v->n <= n) {
        size_t cap = v->cap ? v->cap : 64;
        while (cap - v->n <= n)
            cap *= 2;
        char *q = realloc(v->s, cap);
        if (!q) {
            L->oom = 1;
            return;
        }
        v->s = q;
        v->cap = cap;
    }
    memcpy(v->s + v->n, s, n);
    v->n += n;
    v->s[v->n] = 0;
}

static void block_clear(struct lblock *b)
{
    for (int p = 0; p < RD_P_COUNT; p++)
        free(b->v[p].s);
    memset(b, 0, sizeof *b);
}

static int blank(char c) { return c == ' ' || c == '\t'; }

static int truncated(const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '}')
        n--;
    return (n >= 3 && memcmp(s + n - 3, "...", 3) == 0) ||
           (n >= 3 && memcmp(s + n - 3, "\xE2\x80\xA6", 3) == 0);
}

/* Calls fn for each item of "{a, b}" (or a bare "a"). */
typedef void (*item_fn)(struct lread *L, void *ctx, const char *s, size_t n);

static void items(struct lread *L, enum readiness_prop p, const char *v, size_t n, item_fn fn, void *ctx)
{
    if (n > 0 && v[0] == '{') {
        if (v[n - 1] != '}') {
            readiness_fail(L->r, "%s: unterminated collection", readiness_prop_name(p));
            return;
        }
        v++;
        n -= 2;
    }
    while (n > 0 && blank(v[0]))
        v++, n--;
    while (n > 0 && blank(v[n - 1]))
        n--;
    if (n == 0)
        return;
    for (;;) {
        const char *comma = memchr(v, ',', n);
        size_t len = comma ? (size_t)(comma - v) : n;
        size_t a = 0, z = len;
        while (a < z && blank(v[a]))
            a++;
        while (z > a && blank(v[z - 1]))
            z--;
        fn(L, ctx, v + a, z - a);
        if (!comma)
            break;
        v += len + 1;
        n -= len + 1;
    }
}

static void front_item(struct lread *L, void *ctx, const char *s, size_t n)
{
    readiness_front_add(L->r, ctx, s, n);
}

struct xcheck {
    int listed, matched;
    unsigned char hit[PP_READINESS_MAX_DOMAINS];
};

static void xcheck_item(struct lread *L, void *ctx, const char *s, size_t n)
{
    struct xcheck *x = ctx;
    x->listed++;
    for (int i = 0; i < L->r->ndomains; i++)
        if (!x->hit[i] && strlen(L->r->domains[i].name) == n &&
            strncasecmp(L->r->domains[i].name, s, n) == 0) {
            x->hit[i] = 1;
            x->matched++;
            return;
        }
}

static void block_finish(struct lread *L, struct lblock *b)
{
    struct pp_readiness *r = L->r;
    int pool = b->v[RD_P_STATE].have || b->v[RD_P_TOTAL].have || b->v[RD_P_ACTIVE].have ||
               b->v[RD_P_DOMAINS].have;
    int dom = b->v[RD_P_DOMAIN].have || b->v[RD_P_FRONTS].have || b->v[RD_P_READY].have;
    if (!pool && !dom)
        goto out;
    if (b->dup != RD_P_OTHER) {
        readiness_fail(r, "property %s appears twice in one block", readiness_prop_name(b->dup));
        goto out;
    }
    if (pool && dom) {
        readiness_fail(r, "a Format-List block mixes pool and domain properties");
        goto out;
    }
    for (int p = RD_P_STATE; p < RD_P_COUNT; p++) {
        if (b->v[p].have && truncated(b->v[p].s, b->v[p].n)) {
            /* the end of the value shows the cut */
            char shown[64];
            size_t n = b->v[p].n, keep = n > 40 ? 40 : n;
            readiness_shown(shown, sizeof shown, b->v[p].s + n - keep, keep);
            readiness_fail(r, "list truncated by Format-List: %s : %s%s", readiness_prop_name(p),
                    keep < n ? "..." : "", shown);
            goto out;
        }
    }
    if (pool) {
        if (L->pools++ > 0) {
            readiness_fail(r, "the answer describes more than one pool");
            goto out;
        }
        if (b->v[RD_P_STATE].have)
            readiness_set_state(r, b->v[RD_P_STATE].s, b->v[RD_P_STATE].n);
        if (b->v[RD_P_TOTAL].have && b->v[RD_P_TOTAL].n)
            readiness_set_count(r, RD_P_TOTAL, b->v[RD_P_TOTAL].s, b->v[RD_P_TOTAL].n, &r->total_fe);
        if (b->v[RD_P_ACTIVE].have && b->v[RD_P_ACTIVE].n)
            readiness_set_count(r, RD_P_ACTIVE, b->v[RD_P_ACTIVE].s, b->v[RD_P_ACTIVE].n, &r->active_fe);
        if (b->v[RD_P_DOMAINS].have) {
            L->pool_domains = b->v[RD_P_DOMAINS].s;   /* kept for the cross-check */
            b->v[RD_P_DOMAINS].s = NULL;
        }
        goto out;
    }
    L->domains_blocks++;
    struct pp_ready_domain *d = readiness_domain_add(r);
    if (!d)
        goto out;
    if (b->v[RD_P_DOMAIN].have)
        readiness_domain_name(r, d, b->v[RD_P_DOMAIN].s, b->v[RD_P_DOMAIN].n);
    if (b->v[RD_P_FRONTS].have)
        items(L, RD_P_FRONTS, b->v[RD_P_FRONTS].s, b->v[RD_P_FRONTS].n, front_item, d);
    if (b->v[RD_P_READY].have && b->v[RD_P_READY].n)
        d->ready = readiness_bool_word(r, d, b->v[RD_P_READY].s, b->v[RD_P_READY].n);
out:
    block_clear(b);
}

/* "Name<spaces>: value" at the start of a line?  Format-List pads every
 * name to the longest one, so at least one space precedes the colon
 * ("WARNING: ..." is not a property). */
static int prop_line(const char *s, size_t n, size_t *nlen, size_t *vstart)
{
    size_t i = 0;
    if (n == 0 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return 0;
    while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
                     (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
        i++;
    *nlen = i;
    size_t sp = i;
    while (i < n && s[i] == ' ')
        i++;
    if (i == sp || i >= n || s[i] != ':')
        return 0;
    i++;
    if (i < n && s[i] != ' ')
        return 0;
    while (i < n && s[i] == ' ')
        i++;
    *vstart = i;
    return 1;
}

int readiness_list_read(const char *text, size_t len, struct pp_readiness *r)
{
    struct lread L = {.r = r};
    struct lblock b;
    memset(&b, 0, sizeof b);
    int last = -1;   /* the property an indented line continues; -1 none */
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len && !L.oom) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        while (n > 0 && (line[n - 1] == '\r' || blank(line[n - 1])))
            n--;
        size_t a = 0;
        while (a < n && blank(line[a]))
            a++;
        size_t nlen, vs;
        if (a == n) {
            block_finish(&L, &b);
            last = -1;
        } else if (prop_line(line, n, &nlen, &vs)) {
            enum readiness_prop p = readiness_prop_lookup(line, nlen);
            last = p;
            if (p == RD_P_OTHER)
                continue;
            if (b.v[p].have) {
                b.dup = p;
                last = -1;
                continue;
            }
            b.v[p].have = 1;
            lval_add(&L, &b.v[p], "", 0);
            lval_add(&L, &b.v[p], line + vs, n - vs);
        } else if (a > 0 && last > RD_P_OTHER) {
            lval_add(&L, &b.v[last], " ", 1);
            lval_add(&L, &b.v[last], line + a, n - a);
        } else if (a == 0) {
            last = -1;   /* a stray line (warning, marker): not part of a value */
        }
    }
    block_finish(&L, &b);
    if (L.oom)
        readiness_fail(r, "out of memory");
    if (L.pools == 0 && L.domains_blocks == 0) {
        free(L.pool_domains);
        return 0;
    }
    /* "UpgradeDomains : {Microsoft.Rtc...UpgradeDomainInfo, ...}" with no
     * block per domain: Format-List did not expand the domains.  That is
     * not a pool without domains. */
    if (L.pools > 0 && r->ndomains == 0 && !r->why[0] && r->state != PP_READY_UNKNOWN) {
        char shown[64];
        const char *v = L.pool_domains ? L.pool_domains : "";
        readiness_shown(shown, sizeof shown, v, strlen(v));
        readiness_fail(r, "no upgrade domain is described (UpgradeDomains reads \"%s\"): the domains "
                   "are unknown", shown);
    }
    /* The pool block names the domains the detail blocks describe: if the
     * two disagree, one of them is not the whole truth. */
    if (L.pool_domains && r->ndomains > 0 && !r->why[0]) {
        struct xcheck x;
        memset(&x, 0, sizeof x);
        items(&L, RD_P_DOMAINS, L.pool_domains, strlen(L.pool_domains), xcheck_item, &x);
        if (!r->why[0] && (x.listed != r->ndomains || x.matched != x.listed)) {
            char shown[64];
            readiness_shown(shown, sizeof shown, L.pool_domains, strlen(L.pool_domains));
            readiness_fail(r, "UpgradeDomains %s does not match the %d domain blocks", shown,
                    r->ndomains);
        }
    }
    free(L.pool_domains);
    return 1;
}
