/* The readiness check's answer, read strictly: whatever is not clearly
 * Ready, Busy or InsufficientActiveFrontEnds, with valid names throughout,
 * reads as Unknown with the reason in r->why.  Never Ready by accident.
 *
 * readiness_json.c and readiness_list.c read the two forms; the helpers
 * here check each value as it arrives (names must be valid before they can
 * reach a command line) and readiness_parse checks the whole: duplicates,
 * counts that contradict each other, a missing state. */
#include "backend/pool/readiness_internal.h"

#include "backend/pool/remote.h"
#include "config/config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    enum readiness_prop prop;
} prop_table[] = {
    {"PoolUpgradeState", RD_P_STATE},
    {"TotalFrontEnds", RD_P_TOTAL},
    {"TotalActiveFrontEnds", RD_P_ACTIVE},
    {"UpgradeDomains", RD_P_DOMAINS},
    {"UpgradeDomain", RD_P_DOMAIN},
    {"FrontEnds", RD_P_FRONTS},
    {"ReadyForUpgrade", RD_P_READY},   /* also Microsoft's "ReadyforUpgrade" */
    {"IsReadyForUpgrade", RD_P_READY},
};

enum readiness_prop readiness_prop_lookup(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof prop_table / sizeof prop_table[0]; i++)
        if (strlen(prop_table[i].name) == n && strncasecmp(prop_table[i].name, name, n) == 0)
            return prop_table[i].prop;
    return RD_P_OTHER;
}

const char *readiness_prop_name(enum readiness_prop p)
{
    for (size_t i = 0; i < sizeof prop_table / sizeof prop_table[0]; i++)
        if (prop_table[i].prop == p)
            return prop_table[i].name;
    return "?";
}

int readiness_fail(struct pp_readiness *r, const char *fmt, ...)
{
    if (r->why[0])
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    return -1;
}

void readiness_shown(char *dst, size_t n, const char *s, size_t len)
{
    size_t j = 0, i = 0;
    if (n == 0)
        return;
    for (; i < len && i < 48 && j + 4 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[j++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
    }
    if (i < len && j + 4 < n) {
        memcpy(dst + j, "...", 3);
        j += 3;
    }
    dst[j] = 0;
}

int readiness_set_state(struct pp_readiness *r, const char *s, size_t n)
{
    static const struct {
        const char *name;
        enum pp_ready state;
    } states[] = {
        {"Ready", PP_READY_READY},
        {"Busy", PP_READY_BUSY},
        {"InsufficientActiveFrontEnds", PP_READY_INSUFFICIENT},
    };
    for (size_t i = 0; i < 3; i++)
        if (strlen(states[i].name) == n && strncasecmp(states[i].name, s, n) == 0) {
            r->state = states[i].state;
            return 0;
        }
    char shown[64];
    readiness_shown(shown, sizeof shown, s, n);
    return readiness_fail(r, "PoolUpgradeState \"%s\" not understood", shown);
}

int readiness_set_count(struct pp_readiness *r, enum readiness_prop which, const char *s, size_t n, int *out)
{
    size_t a = 0, z = n;
    while (a < z && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (z > a && (s[z - 1] == ' ' || s[z - 1] == '\t'))
        z--;
    long v = 0;
    int ok = z > a && z - a <= 6;   /* a pool has 12 Front Ends; a fleet, thousands */
    for (size_t i = a; ok && i < z; i++) {
        if (s[i] < '0' || s[i] > '9')
            ok = 0;
        else
            v = v * 10 + (s[i] - '0');
    }
    if (!ok) {
        char shown[64];
        readiness_shown(shown, sizeof shown, s, n);
        return readiness_fail(r, "%s \"%s\" is not a count", readiness_prop_name(which), shown);
    }
    *out = (int)v;
    return 0;
}

struct pp_ready_domain *readiness_domain_add(struct pp_readiness *r)
{
    if (r->ndomains >= PP_READINESS_MAX_DOMAINS) {
        readiness_fail(r, "more than %d upgrade domains", PP_READINESS_MAX_DOMAINS);
        return NULL;
    }
    /* grown in powers of two: capacity is implied by ndomains */
    int n = r->ndomains;
    if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
        int cap = n == 0 ? 8 : 2 * n;
        struct pp_ready_domain *d = realloc(r->domains, (size_t)cap * sizeof *d);
        if (!d) {
            readiness_fail(r, "out of memory");
            return NULL;
        }
        r->domains = d;
    }
    struct pp_ready_domain *d = &r->domains[r->ndomains++];
    memset(d, 0, sizeof *d);
    d->ready = -1;
    return d;
}

const char *readiness_domain_label(const struct pp_readiness *r, const struct pp_ready_domain *d,
                            char *buf, size_t n)
{
    if (d->name[0])
        return d->name;
    snprintf(buf, n, "upgrade domain #%d", (int)(d - r->domains) + 1);
    return buf;
}

/* A .NET type name where a value should be: Windows PowerShell's
 * ConvertTo-Json writes objects deeper than its -Depth (2 by default) as
 * their type name ("Microsoft.Rtc.Management.Core.Fqdn",
 * "System.Collections.Generic.List`1[...]"), and Format-List shows an
 * object it does not expand the same way.  Such a name can look like a
 * DNS name: it is never taken for one. */
bool readiness_type_name(const char *s, size_t n)
{
    if ((n > 7 && memcmp(s, "System.", 7) == 0) || (n > 10 && memcmp(s, "Microsoft.", 10) == 0))
        return true;
    for (size_t i = 0; i + 1 < n; i++)   /* a generic's arity: List`1[...] */
        if (s[i] == '`' && s[i + 1] >= '0' && s[i + 1] <= '9')
            return true;
    return false;
}

static int type_name_fail(struct pp_readiness *r, const char *what, const char *s, size_t n)
{
    char shown[64];
    readiness_shown(shown, sizeof shown, s, n);
    return readiness_fail(r, "%s \"%s\" is a .NET type name, not a value: the answer was cut "
                      "(ConvertTo-Json -Depth, or Format-List) and is unknown", what, shown);
}

int readiness_domain_name(struct pp_readiness *r, struct pp_ready_domain *d, const char *s, size_t n)
{
    if (readiness_type_name(s, n))
        return type_name_fail(r, "upgrade domain", s, n);
    if (n < sizeof d->name && !memchr(s, 0, n)) {
        char name[sizeof d->name];
        memcpy(name, s, n);
        name[n] = 0;
        if (names_valid_domain(name)) {
            memcpy(d->name, name, n + 1);
            return 0;
        }
    }
    char shown[64];
    readiness_shown(shown, sizeof shown, s, n);
    return readiness_fail(r, "upgrade domain name \"%s\" is not valid (letters, digits, - _ . ; "
                      "at most %d)", shown, PP_DOMAIN_NAME_MAX - 1);
}

int readiness_front_add(struct pp_readiness *r, struct pp_ready_domain *d, const char *s, size_t n)
{
    char label[48];
    if (d->nfronts >= PP_READINESS_MAX_FE)
        return readiness_fail(r, "more than %d front ends in %s", PP_READINESS_MAX_FE,
                       readiness_domain_label(r, d, label, sizeof label));
    if (readiness_type_name(s, n))
        return type_name_fail(r, "front end", s, n);
    char name[PP_NAME_MAX];
    if (n >= sizeof name || memchr(s, 0, n) || (memcpy(name, s, n), name[n] = 0,
                                                !names_valid_host(name))) {
        char shown[64];
        readiness_shown(shown, sizeof shown, s, n);
        return readiness_fail(r, "front end \"%s\" of %s is not a valid DNS name", shown,
                       readiness_domain_label(r, d, label, sizeof label));
    }
    int k = d->nfronts;
    if (k == 0 || (k >= 4 && (k & (k - 1)) == 0)) {
        int cap = k == 0 ? 4 : 2 * k;
        char(*f)[PP_NAME_MAX] = realloc(d->fronts, (size_t)cap * sizeof *f);
        if (!f)
            return readiness_fail(r, "out of memory");
        d->fronts = f;
    }
    memcpy(d->fronts[k], name, n + 1);
    d->nfronts++;
    return 0;
}

int readiness_bool_word(struct pp_readiness *r, const struct pp_ready_domain *d, const char *s, size_t n)
{
    if (n == 4 && strncasecmp(s, "true", 4) == 0)
        return 1;
    if (n == 5 && strncasecmp(s, "false", 5) == 0)
        return 0;
    char shown[64], label[48];
    readiness_shown(shown, sizeof shown, s, n);
    readiness_fail(r, "ReadyForUpgrade \"%s\" of %s is neither True nor False", shown,
            readiness_domain_label(r, d, label, sizeof label));
    return -1;
}

/* ---- the whole answer ---- */

struct fe_ref {
    const char *name;
    int domain;
};

static int fe_cmp(const void *a, const void *b)
{
    const struct fe_ref *x = a, *y = b;
    int c = strcasecmp(x->name, y->name);
    return c ? c : (x->domain > y->domain) - (x->domain < y->domain);
}

static void check_shape(struct pp_readiness *r)
{
    if (r->why[0])
        return;
    if (r->state == PP_READY_UNKNOWN) {
        readiness_fail(r, "PoolUpgradeState missing");
        return;
    }
    if (r->total_fe >= 0 && r->active_fe > r->total_fe) {
        readiness_fail(r, "TotalActiveFrontEnds %d exceeds TotalFrontEnds %d", r->active_fe,
                r->total_fe);
        return;
    }
    int nfe = 0;
    for (int i = 0; i < r->ndomains; i++) {
        if (!r->domains[i].name[0]) {
            readiness_fail(r, "upgrade domain #%d has no name", i + 1);
            return;
        }

        for (int j = 0; j < i; j++)
            if (strcasecmp(r->domains[i].name, r->domains[j].name) == 0) {
                readiness_fail(r, "upgrade domain %s is listed twice", r->domains[i].name);
                return;
            }
        nfe += r->domains[i].nfronts;
    }
    /* A server in two domains (or twice in one) would let the engine
     * count it, drain it or take it down twice: refuse the answer. */
    if (nfe < 2)
        return;
    struct fe_ref *refs = malloc((size_t)nfe * sizeof *refs);
    if (!refs) {
        readiness_fail(r, "out of memory");
        return;
    }
    int k = 0;
    for (int i = 0; i < r->ndomains; i++)
        for (int j = 0; j < r->domains[i].nfronts; j++)
            refs[k++] = (struct fe_ref){r->domains[i].fronts[j], i};
    qsort(refs, (size_t)nfe, sizeof *refs, fe_cmp);
    for (int i = 1; i < nfe; i++)
        if (strcasecmp(refs[i].name, refs[i - 1].name) == 0) {
            if (refs[i].domain == refs[i - 1].domain)
                readiness_fail(r, "front end %s is listed twice in %s", refs[i].name,
                        r->domains[refs[i].domain].name);
            else
                readiness_fail(r, "front end %s is listed in both %s and %s", refs[i].name,
                        r->domains[refs[i - 1].domain].name, r->domains[refs[i].domain].name);
            break;
        }
    free(refs);
}

/* The shape first (names, duplicates), then what is missing from it. */
static void check_whole(struct pp_readiness *r)
{
    check_shape(r);
    if (r->why[0])
        return;
    if (r->ndomains == 0 && r->total_fe > 0) {
        readiness_fail(r, "no upgrade domain in the answer although it counts %d Front Ends: the "
                   "domains are unknown", r->total_fe);
        return;
    }
    /* A flag that is not there is not False: reading it as "not ready"
     * would wait for ever on a property name we guessed wrong (FACTS.md:
     * ReadyForUpgrade / ReadyforUpgrade / IsReadyForUpgrade). */
    for (int i = 0; i < r->ndomains; i++)
        if (r->domains[i].ready < 0) {
            readiness_fail(r, "%s has no ReadyForUpgrade value (missing, null or Unknown): whether it "
                       "may be upgraded is unknown", r->domains[i].name);
            return;
        }
}

static void reset(struct pp_readiness *r)
{
    memset(r, 0, sizeof *r);
    r->state = PP_READY_UNKNOWN;
    r->total_fe = r->active_fe = -1;
}

int readiness_parse(const char *text, size_t len, struct pp_readiness *r)
{
    reset(r);
    if (!text || len == 0) {
        readiness_fail(r, "empty answer");
    } else if (len > RD_MAX_INPUT) {
        readiness_fail(r, "answer too large (%zu bytes; the limit is %u)", len, RD_MAX_INPUT);
    } else {
        char detail[160];
        char note[160] = "";
        if (remote_marker(text, len, detail, sizeof detail) == PP_RES_FAILED) {
            readiness_fail(r, "the readiness check failed: %s", detail[0] ? detail : "no reason given");
        } else if (readiness_json_read(text, len, r, note, sizeof note) ||
                   readiness_list_read(text, len, r)) {
            check_whole(r);
        } else {
            readiness_fail(r, "%s", note[0] ? note
                                     : "no readiness answer found (neither JSON nor "
                                       "Format-List text)");
        }
    }
    if (r->why[0]) {
        /* nothing of an Unknown answer is trusted: names may be the reason */
        char why[sizeof r->why];
        memcpy(why, r->why, sizeof why);
        readiness_free(r);
        reset(r);
        memcpy(r->why, why, sizeof why);
        return -1;
    }
    return 0;
}

void readiness_free(struct pp_readiness *r)
{
    if (!r)
        return;
    if (r->domains) {
        for (int i = 0; i < r->ndomains; i++)
            free(r->domains[i].fronts);
        free(r->domains);
    }
    r->domains = NULL;
    r->ndomains = 0;
}
