/* The readiness answer as JSON (ConvertTo-Json), read by a small strict
 * recursive-descent reader that knows this one shape: no document tree,
 * values go straight into the struct through the checking helpers, so
 * memory is bounded by the domain and Front End limits whatever the input.
 *
 * The answer may come after warnings, a BOM or a banner, and before the
 * result marker: the JSON is the first '{' (or a '[' holding objects) that
 * parses to the end of its value and has a pool property; what follows is
 * ignored.  Candidates inside a value that failed to parse (or parsed but
 * was about something else) are skipped, so the inner objects of a cut-off
 * answer are never mistaken for the answer.
 *
 * ConvertTo-Json writes a one-element collection as the bare element, so
 * UpgradeDomains may be one object and FrontEnds one string. */
#include "backend/pool/readiness_internal.h"
#include "backend/core/utf8.h"

#include <stdio.h>
#include <string.h>

#define RD_MAX_ATTEMPTS 64   /* candidates tried: bounds the work on garbage */

struct jp {
    const char *s;
    size_t n, i;
    int depth;
    char err[96];            /* the syntax error, when a function returns -1 */
    struct pp_readiness *r;
    unsigned seen;           /* pool properties met in the top object */
};

static int syntax(struct jp *j, const char *what)
{
    if (!j->err[0])
        snprintf(j->err, sizeof j->err, "%s", what);
    return -1;
}

static void ws(struct jp *j)
{
    while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\r' ||
                           j->s[j->i] == '\n'))
        j->i++;
}

static int peek(struct jp *j) { return j->i < j->n ? (unsigned char)j->s[j->i] : -1; }

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        *v <<= 4;
        if (c >= '0' && c <= '9')
            *v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            *v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            *v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    return 0;
}

static void put(char *buf, size_t bufn, size_t *len, const char *p, size_t n)
{
    for (size_t k = 0; k < n; k++, (*len)++)
        if (buf && *len + 1 < bufn)
            buf[*len] = p[k];
}

/* Reads a string literal at j->i (the opening quote).  Decodes into buf
 * (NUL-terminated, at most bufn-1 bytes); *len gets the whole decoded
 * length, which may be more than the buffer held.  Bytes are copied as
 * they are: invalid UTF-8 is the name checks' business.  Lone surrogates
 * become U+FFFD. */
static int jstr(struct jp *j, char *buf, size_t bufn, size_t *len)
{
    size_t n = 0;
    j->i++;
    for (;;) {
        if (j->i >= j->n)
            return syntax(j, "unterminated string");
        unsigned char c = (unsigned char)j->s[j->i];
        if (c == '"') {
            j->i++;
            break;
        }
        if (c < 0x20)
            return syntax(j, "control character in a string");
        if (c != '\\') {
            put(buf, bufn, &n, (const char *)&c, 1);
            j->i++;
            continue;
        }
        if (j->i + 1 >= j->n)
            return syntax(j, "unterminated string");
        char e = j->s[j->i + 1];
        j->i += 2;
        const char *simple = NULL;
        switch (e) {
        case '"': simple = "\""; break;
        case '\\': simple = "\\"; break;
        case '/': simple = "/"; break;
        case 'b': simple = "\b"; break;
        case 'f': simple = "\f"; break;
        case 'n': simple = "\n"; break;
        case 'r': simple = "\r"; break;
        case 't': simple = "\t"; break;
        case 'u': break;
        default: return syntax(j, "bad escape in a string");
        }
        if (simple) {
            put(buf, bufn, &n, simple, 1);
            continue;
        }
        unsigned cp, lo;
        if (j->i + 4 > j->n || hex4(j->s + j->i, &cp) < 0)
            return syntax(j, "bad \\u escape");
        j->i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && j->i + 6 <= j->n && j->s[j->i] == '\\' &&
            j->s[j->i + 1] == 'u' && hex4(j->s + j->i + 2, &lo) == 0 && lo >= 0xDC00 &&
            lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            j->i += 6;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        char u[4];
        size_t un = (size_t)utf8_encode(cp, u);
        put(buf, bufn, &n, u, un);
    }
    if (buf && bufn)
        buf[n < bufn ? n : bufn - 1] = 0;
    *len = n;
    return 0;
}

static int digits(struct jp *j)
{
    size_t start = j->i;
    while (j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9')
        j->i++;
    return j->i > start ? 0 : -1;
}

/* A number's syntax; *start / *len give its text. */
static int jnum(struct jp *j, size_t *start, size_t *len)
{
    *start = j->i;
    if (peek(j) == '-')
        j->i++;
    if (peek(j) == '0')
        j->i++;
    else if (digits(j) < 0)
        return syntax(j, "bad number");
    if (peek(j) == '.') {
        j->i++;
        if (digits(j) < 0)
            return syntax(j, "bad number");
    }
    if (peek(j) == 'e' || peek(j) == 'E') {
        j->i++;
        if (peek(j) == '+' || peek(j) == '-')
            j->i++;
        if (digits(j) < 0)
            return syntax(j, "bad number");
    }
    *len = j->i - *start;
    return 0;
}

static int jlit(struct jp *j, const char *word)
{
    size_t n = strlen(word);
    if (j->n - j->i < n || memcmp(j->s + j->i, word, n) != 0)
        return syntax(j, "unexpected character");
    j->i += n;
    return 0;
}

/* The member loop shared by every object: calls fn for each member with
 * j->i at the value; fn must consume the value. */
typedef int (*member_fn)(struct jp *j, void *ctx, const char *key, size_t klen, int truncated);

static int jobject(struct jp *j, member_fn fn, void *ctx)
{
    if (++j->depth > RD_MAX_DEPTH)
        return syntax(j, "nested too deeply");
    j->i++;
    ws(j);
    if (peek(j) == '}') {
        j->i++;
        j->depth--;
        return 0;
    }
    for (;;) {
        ws(j);
        if (peek(j) != '"')
            return syntax(j, "expected a property name");
        char key[40];
        size_t klen;
        if (jstr(j, key, sizeof key, &klen) < 0)
            return -1;
        ws(j);
        if (peek(j) != ':')
            return syntax(j, "expected ':'");
        j->i++;
        ws(j);
        if (fn(j, ctx, key, klen < sizeof key ? klen : sizeof key - 1, klen >= sizeof key) < 0)
            return -1;
        ws(j);
        int c = peek(j);
        j->i++;
        if (c == ',')
            continue;
        if (c == '}')
            break;
        return syntax(j, c < 0 ? "unexpected end" : "expected ',' or '}'");
    }
    j->depth--;
    return 0;
}

static int jskip(struct jp *j);

static int skip_member(struct jp *j, void *ctx, const char *key, size_t klen, int truncated)
{
    (void)ctx, (void)key, (void)klen, (void)truncated;
    return jskip(j);
}

static int jskip(struct jp *j)
{
    size_t a = 0, b = 0;
    switch (peek(j)) {
    case '{':
        return jobject(j, skip_member, NULL);
    case '[':
        if (++j->depth > RD_MAX_DEPTH)
            return syntax(j, "nested too deeply");
        j->i++;
        ws(j);
        if (peek(j) == ']') {
            j->i++;
            j->depth--;
            return 0;
        }
        for (;;) {
            ws(j);
            if (jskip(j) < 0)
                return -1;
            ws(j);
            int c = peek(j);
            j->i++;
            if (c == ',')
                continue;
            if (c == ']')
                break;
            return syntax(j, c < 0 ? "unexpected end" : "expected ',' or ']'");
        }
        j->depth--;
        return 0;
    case '"':
        return jstr(j, NULL, 0, &a);
    case 't':
        return jlit(j, "true");
    case 'f':
        return jlit(j, "false");
    case 'n':
        return jlit(j, "null");
    case -1:
        return syntax(j, "unexpected end");
    default:
        if (peek(j) == '-' || (peek(j) >= '0' && peek(j) <= '9'))
            return jnum(j, &a, &b);
        return syntax(j, "unexpected character");
    }
}

/* Calls fn for each element of an array, or once for a bare value (the
 * ConvertTo-Json one-element collapse); nothing for null. */
typedef int (*elem_fn)(struct jp *j, void *ctx);

static int jcollection(struct jp *j, elem_fn fn, void *ctx)
{
    if (peek(j) == 'n')
        return jlit(j, "null");
    if (peek(j) != '[')
        return fn(j, ctx);
    if (++j->depth > RD_MAX_DEPTH)
        return syntax(j, "nested too deeply");
    j->i++;
    ws(j);
    if (peek(j) == ']') {
        j->i++;
        j->depth--;
        return 0;
    }
    for (;;) {
        ws(j);
        if (fn(j, ctx) < 0)
            return -1;
        ws(j);
        int c = peek(j);
        j->i++;
        if (c == ',')
            continue;
        if (c == ']')
            break;
        return syntax(j, c < 0 ? "unexpected end" : "expected ',' or ']'");
    }
    j->depth--;
    return 0;
}

/* A member we know, seen twice (in any letter case or alias), makes the
 * answer ambiguous. */
static int first_time(struct jp *j, unsigned *seen, enum readiness_prop p)
{
    if (*seen & (1u << p)) {
        readiness_fail(j->r, "property %s appears twice", readiness_prop_name(p));
        return 0;
    }
    *seen |= 1u << p;
    return 1;
}

/* ---- a domain ---- */

struct dom_ctx {
    struct pp_ready_domain *d;   /* NULL past the domain limit */
    unsigned seen;
};

static int front_elem(struct jp *j, void *ctx)
{
    struct dom_ctx *dc = ctx;
    if (peek(j) != '"') {
        char label[48];
        if (dc->d)
            readiness_fail(j->r, "a FrontEnds entry of %s is not a string",
                    readiness_domain_label(j->r, dc->d, label, sizeof label));
        return jskip(j);
    }
    char name[PP_NAME_MAX + 1];
    size_t len = 0;
    if (jstr(j, name, sizeof name, &len) < 0)
        return -1;
    if (dc->d)
        readiness_front_add(j->r, dc->d, name, len < sizeof name ? len : sizeof name - 1);
    return 0;
}

static int domain_member(struct jp *j, void *ctx, const char *key, size_t klen, int truncated)
{
    struct dom_ctx *dc = ctx;
    enum readiness_prop p = truncated ? RD_P_OTHER : readiness_prop_lookup(key, klen);
    if (!dc->d || (p != RD_P_DOMAIN && p != RD_P_FRONTS && p != RD_P_READY) ||
        !first_time(j, &dc->seen, p))
        return jskip(j);
    char label[48], buf[PP_DOMAIN_NAME_MAX + 1];
    size_t len = 0;
    switch (p) {
    case RD_P_DOMAIN:
        if (peek(j) != '"') {
            readiness_fail(j->r, "UpgradeDomain of %s is not a string",
                    readiness_domain_label(j->r, dc->d, label, sizeof label));
            return jskip(j);
        }
        if (jstr(j, buf, sizeof buf, &len) < 0)
            return -1;
        readiness_domain_name(j->r, dc->d, buf, len < sizeof buf ? len : sizeof buf - 1);
        return 0;
    case RD_P_FRONTS:
        return jcollection(j, front_elem, dc);
    default: /* RD_P_READY */
        if (peek(j) == 't' || peek(j) == 'f') {
            dc->d->ready = peek(j) == 't';
            return jlit(j, dc->d->ready ? "true" : "false");
        }
        if (peek(j) == 'n')
            return jlit(j, "null");   /* stays -1: unknown, not ready */
        if (peek(j) == '"') {
            if (jstr(j, buf, sizeof buf, &len) < 0)
                return -1;
            dc->d->ready = readiness_bool_word(j->r, dc->d, buf, len < sizeof buf ? len : sizeof buf - 1);
            return 0;
        }
        readiness_fail(j->r, "ReadyForUpgrade of %s is not true or false",
                readiness_domain_label(j->r, dc->d, label, sizeof label));
        return jskip(j);
    }
}

static int domain_elem(struct jp *j, void *ctx)
{
    (void)ctx;
    if (peek(j) == '"') {   /* an object written as its type name (-Depth) */
        char buf[128];
        size_t len = 0;
        if (jstr(j, buf, sizeof buf, &len) < 0)
            return -1;
        size_t k = len < sizeof buf ? len : sizeof buf - 1;
        if (readiness_type_name(buf, k)) {
            char shown[64];
            readiness_shown(shown, sizeof shown, buf, k);
            readiness_fail(j->r, "an UpgradeDomains entry is the type name \"%s\": the answer was cut "
                          "at ConvertTo-Json's -Depth and is unknown", shown);
        } else {
            readiness_fail(j->r, "an UpgradeDomains entry is not an object");
        }
        return 0;
    }
    if (peek(j) != '{') {
        readiness_fail(j->r, "an UpgradeDomains entry is not an object");
        return jskip(j);
    }
    struct dom_ctx dc = {readiness_domain_add(j->r), 0};
    return jobject(j, domain_member, &dc);
}

/* ---- the pool ---- */

static int count_value(struct jp *j, enum readiness_prop p, int *out)
{
    char buf[32];
    size_t a = 0, len = 0;
    switch (peek(j)) {
    case 'n':
        return jlit(j, "null");   /* stays -1 */
    case '"':
        if (jstr(j, buf, sizeof buf, &len) < 0)
            return -1;
        readiness_set_count(j->r, p, buf, len < sizeof buf ? len : sizeof buf - 1, out);
        return 0;
    default:
        if (peek(j) == '-' || (peek(j) >= '0' && peek(j) <= '9')) {
            if (jnum(j, &a, &len) < 0)
                return -1;
            readiness_set_count(j->r, p, j->s + a, len, out);
            return 0;
        }
        readiness_fail(j->r, "%s is not a number", readiness_prop_name(p));
        return jskip(j);
    }
}

static int pool_member(struct jp *j, void *ctx, const char *key, size_t klen, int truncated)
{
    unsigned *seen = ctx;
    enum readiness_prop p = truncated ? RD_P_OTHER : readiness_prop_lookup(key, klen);
    if ((p != RD_P_STATE && p != RD_P_TOTAL && p != RD_P_ACTIVE && p != RD_P_DOMAINS) ||
        !first_time(j, seen, p))
        return jskip(j);
    char buf[64], shown[64];
    size_t a = 0, len = 0;
    switch (p) {
    case RD_P_STATE:
        if (peek(j) == '"') {
            if (jstr(j, buf, sizeof buf, &len) < 0)
                return -1;
            readiness_set_state(j->r, buf, len < sizeof buf ? len : sizeof buf - 1);
            return 0;
        }
        if (peek(j) == '-' || (peek(j) >= '0' && peek(j) <= '9')) {
            /* Windows PowerShell's ConvertTo-Json writes enums as numbers;
             * the enum's values are not documented, so no guessing. */
            if (jnum(j, &a, &len) < 0)
                return -1;
            readiness_shown(shown, sizeof shown, j->s + a, len);
            readiness_fail(j->r, "numeric state %s not understood (the readiness command must "
                          "write PoolUpgradeState as text)", shown);
            return 0;
        }
        readiness_fail(j->r, "PoolUpgradeState is not a string");
        return jskip(j);
    case RD_P_TOTAL:
        return count_value(j, p, &j->r->total_fe);
    case RD_P_ACTIVE:
        return count_value(j, p, &j->r->active_fe);
    default: /* RD_P_DOMAINS */
        if (peek(j) != '[' && peek(j) != '{' && peek(j) != 'n') {
            readiness_fail(j->r, "UpgradeDomains is not a list of objects");
            return jskip(j);
        }
        return jcollection(j, domain_elem, NULL);
    }
}

static int pool_object(struct jp *j)
{
    return jobject(j, pool_member, &j->seen);
}

/* "[ {pool} ]": the pipeline gave a collection; exactly one is an answer. */
static int pool_array(struct jp *j)
{
    int count = 0;
    if (++j->depth > RD_MAX_DEPTH)
        return syntax(j, "nested too deeply");
    j->i++;
    for (;;) {
        ws(j);
        if (count == 0 && peek(j) == '{') {
            if (pool_object(j) < 0)
                return -1;
        } else if (jskip(j) < 0) {
            return -1;
        }
        count++;
        ws(j);
        int c = peek(j);
        j->i++;
        if (c == ',')
            continue;
        if (c == ']')
            break;
        return syntax(j, c < 0 ? "unexpected end" : "expected ',' or ']'");
    }
    j->depth--;
    if (count > 1)
        readiness_fail(j->r, "the answer holds %d results; expected one pool", count);
    return 0;
}

static void clear(struct pp_readiness *r)
{
    readiness_free(r);
    memset(r, 0, sizeof *r);
    r->state = PP_READY_UNKNOWN;
    r->total_fe = r->active_fe = -1;
}

int readiness_json_read(const char *text, size_t len, struct pp_readiness *r, char *note, size_t nn)
{
    size_t failed_end = 0;
    int attempts = 0, parsed_other = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if ((c != '{' && c != '[') || i < failed_end)
            continue;
        size_t k = i + 1;
        while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r' || text[k] == '\n'))
            k++;
        char next = k < len ? text[k] : 0;
        /* "{UpgradeDomain1, ...}" in list text is no JSON object */
        if (c == '{' ? (next != '"' && next != '}') : next != '{')
            continue;
        if (++attempts > RD_MAX_ATTEMPTS)
            break;
        clear(r);
        struct jp j = {.s = text, .n = len, .i = i, .r = r};
        int rc = c == '{' ? pool_object(&j) : pool_array(&j);
        if (rc == 0 && j.seen)
            return 1;
        if (rc == 0) {
            /* valid JSON but not about a pool ("{}", an object holding one):
             * what it holds is not the answer either */
            parsed_other = 1;
            failed_end = j.i > failed_end ? j.i : failed_end;
            clear(r);
            continue;
        }
        if (note && nn && !note[0])
            snprintf(note, nn, "the JSON answer is incomplete or invalid (byte %zu: %s)",
                     j.i < len ? j.i : len, j.err);
        failed_end = j.i + 1 > failed_end ? j.i + 1 : failed_end;
        clear(r);
    }
    clear(r);
    /* JSON was there, just no pool in it ("{}" in list text, for one):
     * the list reader may still find the answer */
    if (parsed_other && note && nn)
        snprintf(note, nn, "PoolUpgradeState missing");
    return 0;
}
