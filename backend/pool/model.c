/* The pool model: construction from the config, look-ups, and the quorum
 * rule of FACTS.md. */
#include "backend/pool/model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"

static void copy(char *dst, size_t n, const char *src)
{
    if (!src)
        src = "";
    size_t l = strlen(src);
    if (l >= n)
        l = n - 1;
    memcpy(dst, src, l);
    dst[l] = 0;
}

/* DNS names compare case-insensitively (a remote answer may spell
 * fe01.CONTOSO.com); the hash folds case the same way.  A readiness answer
 * names every server, so the fleet's 1000 servers need this to stay linear. */
static unsigned name_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 16777619u;
    return h;
}

static int build_index(struct pp_model *m)
{
    int cap = 16;
    while (cap < m->nservers * 2)
        cap *= 2;
    m->name_index = malloc((size_t)cap * sizeof *m->name_index);
    if (!m->name_index)
        return -1;
    m->name_cap = cap;
    for (int i = 0; i < cap; i++)
        m->name_index[i] = -1;
    for (int i = 0; i < m->nservers; i++) {
        unsigned k = name_hash(m->servers[i].name) & (unsigned)(cap - 1);
        while (m->name_index[k] >= 0)
            k = (k + 1) & (unsigned)(cap - 1);
        m->name_index[k] = i;
    }
    return 0;
}

int model_add_domain(struct pp_model *m, const char *name)
{
    struct pp_domain *d = realloc(m->domains, (size_t)(m->ndomains + 1) * sizeof *d);
    if (!d)
        return -1;
    m->domains = d;
    struct pp_domain *nd = &d[m->ndomains];
    memset(nd, 0, sizeof *nd);
    copy(nd->name, sizeof nd->name, name);
    nd->ready_flag = -1;
    nd->state = PP_DOM_WAITING;
    return m->ndomains++;
}

int model_domain_add_member(struct pp_model *m, int d, int server)
{
    struct pp_domain *dom = &m->domains[d];
    int *v = realloc(dom->members, (size_t)(dom->nmembers + 1) * sizeof *v);
    if (!v)
        return -1;
    dom->members = v;
    /* keep topology order: the quorum rule and the panels depend on it */
    int i = dom->nmembers;
    while (i > 0 && v[i - 1] > server) {
        v[i] = v[i - 1];
        i--;
    }
    v[i] = server;
    dom->nmembers++;
    m->servers[server].domain = d;
    return 0;
}

int model_init(struct pp_model *m, const struct pp_config *cfg)
{
    memset(m, 0, sizeof *m);
    copy(m->fqdn, sizeof m->fqdn, cfg->fqdn);
    copy(m->profile, sizeof m->profile, cfg->profile);
    copy(m->backup_pool, sizeof m->backup_pool, cfg->backup_pool);
    m->mode = cfg->mode;
    m->procedure = cfg->procedure;
    m->quorum_16 = strcmp(cfg->profile, "sfb2019") == 0;
    m->computer_failover = cfg->commands[PP_CMD_DRAIN] &&
                           strstr(cfg->commands[PP_CMD_DRAIN], "Invoke-CsComputerFailOver");
    m->training = cfg->sim.present;
    copy(m->scenario, sizeof m->scenario, cfg->sim.name);
    m->servers = calloc((size_t)(cfg->nservers ? cfg->nservers : 1), sizeof *m->servers);
    if (!m->servers)
        return -1;
    m->nservers = cfg->nservers;
    for (int i = 0; i < cfg->nservers; i++) {
        struct pp_server *s = &m->servers[i];
        copy(s->name, sizeof s->name, cfg->servers[i].name);
        s->topo = i;
        s->domain = -1;
        s->state = PP_SRV_PENDING;
        s->step = PP_STEP_DRAIN;
    }
    if (build_index(m) < 0)
        return -1;
    for (int i = 0; i < cfg->nservers; i++) {
        const char *dn = cfg->servers[i].domain;
        if (!dn[0])
            continue;
        int d = model_find_domain(m, dn);
        if (d < 0 && (d = model_add_domain(m, dn)) < 0)
            return -1;
        if (model_domain_add_member(m, d, i) < 0)
            return -1;
    }
    m->phase = PP_PH_START;
    m->readiness = PP_READY_UNKNOWN;
    m->total_fe = m->active_fe = -1;
    m->last_check = -1;
    m->next_check = PP_MS_NEVER;
    m->settle_until = PP_MS_NEVER;
    m->check_server = -1;
    m->active_domain = -1;
    m->chosen_domain = -1;
    m->pool_unsure = -1;
    m->ask = PP_ASK_NONE;
    m->ask_server = m->ask_domain = -1;
    m->ask_step = PP_STEP_NONE;
    m->started_at = -1;
    return 0;
}

void model_free(struct pp_model *m)
{
    for (int i = 0; i < m->ndomains; i++)
        free(m->domains[i].members);
    free(m->domains);
    free(m->servers);
    free(m->name_index);
    memset(m, 0, sizeof *m);
}

int model_find_server(const struct pp_model *m, const char *name)
{
    if (!m->name_index)
        return -1;
    unsigned k = name_hash(name) & (unsigned)(m->name_cap - 1);
    for (int i; (i = m->name_index[k]) >= 0; k = (k + 1) & (unsigned)(m->name_cap - 1))
        if (strcasecmp(m->servers[i].name, name) == 0)
            return i;
    return -1;
}

int model_find_domain(const struct pp_model *m, const char *name)
{
    for (int i = 0; i < m->ndomains; i++)
        if (strcasecmp(m->domains[i].name, name) == 0)
            return i;
    return -1;
}

bool model_server_settled(const struct pp_server *s)
{
    return s->state == PP_SRV_VERIFIED || s->state == PP_SRV_SKIPPED ||
           s->state == PP_SRV_MARKED_DONE;
}

void model_pool_moved(struct pp_model *m, bool back)
{
    m->pool_moves++;
    m->last_move_back = back;
}

void model_readiness_taken(struct pp_model *m, pp_ms at)
{
    m->last_check = at;
    m->check_moves = m->pool_moves;
}

bool model_readiness_current(const struct pp_model *m)
{
    return m->last_check >= 0 && m->check_moves == m->pool_moves;
}

bool model_server_up(const struct pp_server *s)
{
    switch (s->state) {
    case PP_SRV_PENDING:
    case PP_SRV_QUEUED:
    case PP_SRV_VERIFIED:
    case PP_SRV_MARKED_DONE:
        return !s->down;
    case PP_SRV_SKIPPED:
        /* skipped before anything ran: still serving; skipped after a
         * drain: its services are down until someone starts them */
        return !s->down;
    default:
        return false;
    }
}

int quorum_required(int n, int *among_first)
{
    if (among_first)
        *among_first = n;
    if (n == 1)
        return 1;
    if (n == 2)
        return 1;
    if (n <= 4 && n >= 3)
        return 2;
    if (n <= 6 && n >= 5)
        return 3;
    if (n == 7)
        return 4;
    if (n >= 8 && n <= 9) {
        if (among_first)
            *among_first = 7;
        return 4;
    }
    if (n >= 10 && n <= 12) {
        if (among_first)
            *among_first = 9;
        return 5;
    }
    if (n >= 13 && n <= 16) {
        if (among_first)
            *among_first = 12;
        return 7;
    }
    return -1;
}

/* Servers up among the first `among` with domain d down. */
static int count_up(const struct pp_model *m, int d, int among)
{
    int count = 0;
    for (int i = 0; i < m->nservers && i < among; i++) {
        const struct pp_server *s = &m->servers[i];
        if (s->domain == d && d >= 0)
            continue;
        if (model_server_up(s))
            count++;
    }
    return count;
}

/* The row that binds: up, need and among of it. */
static void quorum_bind(const struct pp_model *m, enum pp_quorum rule, int d, int *up,
                        int *need, int *among)
{
    int n = m->nservers, am = n, req;
    switch (rule) {
    case PP_QUORUM_NONE:
        req = 0;
        break;
    case PP_QUORUM_MAJORITY:
        req = n / 2 + 1;
        break;
    default:
        req = quorum_required(n, &am);
        if (req < 0) {
            req = n / 2 + 1;   /* outside the table: be conservative */
            am = n;
        }
        break;
    }
    int count = count_up(m, d, am);
    if (rule == PP_QUORUM_LYNC && m->quorum_16 && n == 12) {
        /* 12 is in both SfB 2019 rows: the other one, 7 of the first 12 */
        int c2 = count_up(m, d, 12);
        if (c2 - 7 < count - req) {
            count = c2;
            req = 7;
            am = 12;
        }
    }
    *up = count;
    *need = req;
    *among = am;
}

bool quorum_ok_without(const struct pp_model *m, enum pp_quorum rule, int d,
                       int *up, int *need)
{
    int u, r, a;
    quorum_bind(m, rule, d, &u, &r, &a);
    if (up)
        *up = u;
    if (need)
        *need = r;
    return u >= r;
}

int quorum_among(const struct pp_model *m, enum pp_quorum rule, int d)
{
    int u, r, a;
    quorum_bind(m, rule, d, &u, &r, &a);
    return a;
}

const char *model_phase_name(enum pp_phase p)
{
    static const char *const n[] = {"start",  "checking", "busy-wait", "problem",
                                    "failover", "choose", "domain", "settle",
                                    "failback-ask", "failback", "backend", "complete", "stopped"};
    return (p >= 0 && p <= PP_PH_STOPPED) ? n[p] : "?";
}

const char *model_srv_state_name(enum pp_srv_state s)
{
    static const char *const n[] = {"pending", "queued", "running", "verified",
                                    "failed", "lost", "skipped", "marked-done"};
    return (s >= 0 && s <= PP_SRV_MARKED_DONE) ? n[s] : "?";
}

const char *model_dom_state_name(enum pp_dom_state s)
{
    static const char *const n[] = {"waiting", "ready", "not-ready", "in-progress",
                                    "done", "done-with-exceptions"};
    return (s >= 0 && s <= PP_DOM_DONE_EXCEPTIONS) ? n[s] : "?";
}

bool model_ask_confirmable(enum pp_ask_kind k)
{
    return k != PP_ASK_NONE && k != PP_ASK_OPERATOR && k != PP_ASK_FORCE_DRAIN;
}
