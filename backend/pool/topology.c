/* The `topology` command's answer and its comparison with [servers]
 * (topology.h says why it matters and what the lines look like). */
#include "backend/pool/topology.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "backend/core/names.h"
#include "backend/pool/model.h"

static bool unknown(struct pp_topology *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool unknown(struct pp_topology *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->why, sizeof t->why, fmt, ap);
    va_end(ap);
    t->known = false;
    return false;
}

/* The tag at the start of a line, in any letter case, followed by a blank
 * or the line's end; the rest (blanks skipped) in *rest. */
static bool tagged(const char *l, size_t len, const char *tag, const char **rest, size_t *rlen)
{
    size_t k = strlen(tag);
    if (len < k || strncasecmp(l, tag, k) != 0 || (len > k && l[k] != ' ' && l[k] != '\t'))
        return false;
    size_t b = k;
    while (b < len && (l[b] == ' ' || l[b] == '\t'))
        b++;
    *rest = l + b;
    *rlen = len - b;
    return true;
}

/* A count after a marker: digits only; -1 when absent or not a number. */
static long count_of(const char *s, size_t n)
{
    if (!n || n > 6)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool topology_parse(const char *out, size_t len, struct pp_topology *t)
{
    memset(t, 0, sizeof *t);
    bool begun = false, ended = false;
    long begin_n = -1, end_n = -1;
    for (size_t i = 0; out && i < len;) {
        const char *nl = memchr(out + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - out) : len, b = i;
        i = end + 1;
        /* Windows PowerShell writes a BOM before its first UTF-8 output */
        if (end - b >= 3 && !memcmp(out + b, "\xEF\xBB\xBF", 3))
            b += 3;
        while (b < end && isspace((unsigned char)out[b]))
            b++;
        while (end > b && isspace((unsigned char)out[end - 1]))   /* CR, blanks */
            end--;
        const char *l = out + b, *rest;
        size_t n = end - b, rn;
        if (tagged(l, n, "pp-topology-begin", &rest, &rn)) {
            if (begun)
                return unknown(t, "the answer begins twice");
            begun = true;
            begin_n = count_of(rest, rn);
        } else if (tagged(l, n, "pp-topology-end", &rest, &rn)) {
            if (!begun || ended)
                return unknown(t, "the answer's end marker is out of place");
            ended = true;
            end_n = count_of(rest, rn);
        } else if (tagged(l, n, "pp-topology", &rest, &rn)) {
            if (!begun || ended)
                return unknown(t, "a server line outside the answer");
            char name[PP_NAME_MAX + 1];
            if (rn && rest[rn - 1] == '.')   /* the absolute form "fe01.contoso.com." */
                rn--;
            if (rn == 0 || rn >= sizeof name - 1)
                return unknown(t, "a server line without a host name");
            memcpy(name, rest, rn);
            name[rn] = 0;
            if (!names_valid_host(name))
                return unknown(t, "'%.80s' is not a host name", name);
            for (int k = 0; k < t->n; k++)
                if (strcasecmp(t->names[k], name) == 0)
                    return unknown(t, "%.80s is listed twice", name);
            if (t->n == PP_TOPO_MAX)
                return unknown(t, "more than %d computers: not a Front End pool's list",
                               PP_TOPO_MAX);
            snprintf(t->names[t->n++], PP_NAME_MAX, "%s", name);
        }
    }
    if (!begun)
        return unknown(t, "no pp-topology-begin line: the command printed no list");
    if (!ended)
        return unknown(t, "no pp-topology-end line: the answer was cut");
    if (begin_n < 0 || end_n < 0)
        return unknown(t, "the answer's markers carry no count");
    if (begin_n != t->n || end_n != t->n)
        return unknown(t, "the answer counts %ld computers and lists %d",
                       begin_n != t->n ? begin_n : end_n, t->n);
    if (t->n == 0)
        return unknown(t, "the pool lists no computers");
    t->known = true;
    return true;
}

static int find_in(const struct pp_topology *t, const char *name)
{
    for (int k = 0; k < t->n; k++)
        if (strcasecmp(t->names[k], name) == 0)
            return k;
    return -1;
}

enum pp_topo_diff topology_compare(const struct pp_topology *t, const struct pp_model *m,
                                   char *why, size_t n, int *where)
{
    int dummy;
    if (!where)
        where = &dummy;
    for (int i = 0; i < m->nservers; i++)
        if (find_in(t, m->servers[i].name) < 0)
            return *where = i, snprintf(why, n, "%s is in [servers] but the pool does not list it",
                                        m->servers[i].name), PP_TOPO_MISSING;
    for (int k = 0; k < t->n; k++)
        if (model_find_server(m, t->names[k]) < 0)
            return *where = k, snprintf(why, n, "the pool lists %s, which [servers] does not",
                                        t->names[k]), PP_TOPO_EXTRA;
    /* the same set: the first position where the orders part */
    for (int i = 0; i < m->nservers && i < t->n; i++)
        if (strcasecmp(t->names[i], m->servers[i].name) != 0)
            return *where = i, snprintf(why, n, "server %d in topology order is %s, [servers] "
                                                "has %s there", i + 1, t->names[i],
                                        m->servers[i].name), PP_TOPO_ORDER;
    *where = -1;
    if (n)
        why[0] = 0;
    return PP_TOPO_SAME;
}

void topology_join(const struct pp_topology *t, char *buf, size_t n)
{
    size_t off = 0;
    if (n)
        buf[0] = 0;
    for (int k = 0; k < t->n && off < n; k++)
        off += (size_t)snprintf(buf + off, n - off, "%s%s", k ? ", " : "", t->names[k]);
}
