/* Checks that need the whole configuration: required keys, the server
 * list (duplicates, a server in two domains, pool size), the commands a
 * pool cannot run without, the disaster-recovery pair, training scenario
 * text and faults.  Also expands [sim] generate_* into [servers]. */
#include "config/config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VERR(L, line, ...) diag_add((L)->diag, (L)->file, (line), __VA_ARGS__)

/* FACTS.md: a Lync / SfB pool has at most 12 Front Ends. */
#define LYNC_MAX_FRONT_ENDS 12
/* "The maximum number of front end servers has been increased to 16 in
 * Skype for Business Server 2019" (Microsoft, "Front End Pool high
 * availability and management"), whose quorum table gains the row "12-16:
 * any 7 of the first 12 servers" (model.c quorum_required). */
#define SFB2019_MAX_FRONT_ENDS 16

static int first_line(int a, int b) { return a ? a : b; }

/* [sim] generate_servers / generate_domains / generate_pattern: servers in
 * topology order, domains UpgradeDomain1..N in contiguous blocks (the first
 * servers % domains domains get one server more). */
void cfg_generate_servers(struct cfg_loader *L)
{
    struct pp_config *c = L->cfg;
    if (!L->gen_servers_line && !L->gen_domains_line && !L->gen_pattern_line)
        return;
    if (!L->gen_servers_line || !L->gen_domains_line || !L->gen_pattern_line) {
        VERR(L, first_line(L->gen_servers_line, first_line(L->gen_domains_line,
                                                           L->gen_pattern_line)),
             "the server generator needs generate_servers, generate_domains and "
             "generate_pattern together");
        return;
    }
    if (!L->gen_servers || !L->gen_domains || !*L->gen_pattern)
        return; /* a value was refused already */
    if (L->servers_declared > 0) {
        VERR(L, L->gen_servers_line,
             "generate_servers cannot be combined with a [servers] list (line %d)",
             L->servers_line);
        return;
    }
    if (L->gen_domains > L->gen_servers) {
        VERR(L, L->gen_domains_line, "generate_domains: %lld domains for %lld servers (a domain "
                                     "needs at least one server)",
             L->gen_domains, L->gen_servers);
        return;
    }
    int n = (int)L->gen_servers, d = (int)L->gen_domains;
    struct pp_server_cfg *s = calloc((size_t)n, sizeof *s);
    if (!s)
        return;
    int base = n / d, extra = n % d, dom = 0, left = base + (extra > 0);
    for (int i = 0; i < n; i++) {
        if (!cfg_pattern_format(L->gen_pattern, i + 1, s[i].name, sizeof s[i].name) ||
            !names_valid_host(s[i].name)) {
            char b[96], b2[96];
            VERR(L, L->gen_pattern_line,
                 "generate_pattern: '%s' makes '%s', which is not a valid DNS name",
                 cfg_show(b, sizeof b, L->gen_pattern), cfg_show(b2, sizeof b2, s[i].name));
            free(s);
            return;
        }
        if (left == 0) {
            dom++;
            left = base + (dom < extra);
        }
        snprintf(s[i].domain, sizeof s[i].domain, "UpgradeDomain%d", dom + 1);
        left--;
        s[i].line = L->gen_servers_line;
    }
    free(c->servers);
    c->servers = s;
    c->nservers = n;
    L->cap_servers = n;
    L->servers_declared = n;
}

static int server_index(const struct pp_config *c, const char *name)
{
    for (int i = 0; i < c->nservers; i++)
        if (strcasecmp(c->servers[i].name, name) == 0)
            return i;
    return -1;
}

struct srv_key {
    const struct pp_server_cfg *s;
};

static int srv_cmp(const void *a, const void *b)
{
    const struct pp_server_cfg *x = ((const struct srv_key *)a)->s;
    const struct pp_server_cfg *y = ((const struct srv_key *)b)->s;
    int c = strcasecmp(x->name, y->name);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static void check_servers(struct cfg_loader *L)
{
    struct pp_config *c = L->cfg;
    if (L->servers_declared == 0) {
        if (L->gen_servers_line || L->gen_domains_line || L->gen_pattern_line)
            return; /* the generator's own problem was reported */
        VERR(L, first_line(L->servers_line, L->pool_line),
             "no servers: list the pool's Front Ends in [servers] as 'fqdn = upgrade-domain', in "
             "topology order");
        return;
    }
    int n = c->nservers > PP_MAX_SERVERS ? PP_MAX_SERVERS : c->nservers;
    bool sfb2019 = strcmp(c->profile, "sfb2019") == 0;
    int most = sfb2019 ? SFB2019_MAX_FRONT_ENDS : LYNC_MAX_FRONT_ENDS;
    if (c->quorum == PP_QUORUM_LYNC && L->servers_declared > most)
        VERR(L, first_line(L->servers_line, L->gen_servers_line),
             sfb2019 ? "%d servers: a Skype for Business Server 2019 pool has at most %d Front "
                       "Ends (quorum = lync)"
                     : "%d servers: a Lync / Skype for Business pool has at most %d Front Ends "
                       "(16 only on Skype for Business Server 2019, profile = sfb2019; quorum = "
                       "lync)",
             L->servers_declared, most);
    struct srv_key *k = malloc((size_t)(n ? n : 1) * sizeof *k);
    if (!k)
        return;
    for (int i = 0; i < n; i++)
        k[i].s = &c->servers[i];
    qsort(k, (size_t)n, sizeof *k, srv_cmp);
    int first = 0;
    for (int i = 1; i < n; i++) {
        const struct pp_server_cfg *a = k[first].s, *b = k[i].s;
        if (strcasecmp(a->name, b->name)) {
            first = i;
            continue;
        }
        char b1[96], b2[96], b3[96];
        if (*a->domain && *b->domain && strcasecmp(a->domain, b->domain))
            VERR(L, b->line, "server '%s' is in two domains: '%s' (line %d) and '%s'",
                 cfg_show(b1, sizeof b1, b->name), cfg_show(b2, sizeof b2, a->domain), a->line,
                 cfg_show(b3, sizeof b3, b->domain));
        else
            VERR(L, b->line, "server '%s' is listed twice (first at line %d)",
                 cfg_show(b1, sizeof b1, b->name), a->line);
    }
    free(k);
}

/* Pools with a Back End whose databases [pool] backend names. */
static bool backend_profile(const struct pp_config *c)
{
    const char *p = *c->commands_from ? c->commands_from : c->profile;
    return !strcmp(p, "lync2013") || !strcmp(p, "sfb2015") || !strcmp(p, "sfb2019");
}

static void check_pool(struct cfg_loader *L)
{
    struct pp_config *c = L->cfg;
    if (!L->pool_line) {
        VERR(L, 0, "missing [pool] section (fqdn and profile are required)");
    } else {
        if (!L->fqdn_line)
            VERR(L, L->pool_line, "[pool] fqdn is required (the pool's fully qualified name)");
        if (!L->profile_line)
            VERR(L, L->pool_line, "[pool] profile is required (lync2013, sfb2015, sfb2019, "
                                  "linux-systemd, custom)");
    }
    if (*c->backup_pool) {
        if (*c->fqdn && strcasecmp(c->backup_pool, c->fqdn) == 0)
            VERR(L, L->backup_line, "backup_pool cannot be the pool itself");
        if (!*c->failover_on && !L->failover_on_line)
            VERR(L, L->backup_line,
                 "backup_pool is set: failover_on is required (a Front End of %s, where failover "
                 "and failback run)",
                 c->backup_pool);
    } else if (*c->failover_on && !L->backup_bad) {
        VERR(L, L->failover_on_line, "failover_on needs backup_pool (the disaster-recovery pair)");
    }
    if (*c->backend) {
        if (!backend_profile(c))
            VERR(L, L->backend_line,
                 "backend applies to lync2013, sfb2015 and sfb2019 pools (the Back End's SQL "
                 "Server), not to profile %s", c->profile);
        else if ((*c->fqdn && strcasecmp(c->backend, c->fqdn) == 0) ||
                 server_index(c, c->backend) >= 0)
            VERR(L, L->backend_line,
                 "backend must name the Back End's SQL Server, not this pool or one of its "
                 "Front Ends");
    }
    if (*c->failover_on && server_index(c, c->failover_on) >= 0)
        VERR(L, L->failover_on_line,
             "failover_on must be a Front End of the backup pool, not of this pool");
}

static void check_commands(struct cfg_loader *L)
{
    struct pp_config *c = L->cfg;
    bool need[PP_CMD_COUNT] = {false};
    need[PP_CMD_READINESS] = need[PP_CMD_UPGRADE] = need[PP_CMD_RESTART] = true;
    need[PP_CMD_VERIFY] = true;
    need[c->mode == PP_MODE_DOWNTIME ? PP_CMD_DRAIN_NOW : PP_CMD_DRAIN] = true;
    if (*c->backup_pool)
        need[PP_CMD_FAILOVER] = need[PP_CMD_FAILBACK] = true;
    if (*c->backend && backend_profile(c))
        need[PP_CMD_BACKEND] = true;

    char missing[256] = "";
    for (int k = 0; k < PP_CMD_COUNT; k++) {
        if (L->cmd_backup_line[k] && !*c->backup_pool)
            VERR(L, L->cmd_backup_line[k],
                 "{backup_pool} is used but [pool] backup_pool is not set");
        if (!need[k] || *c->commands[k])
            continue;
        if (L->cmd_line[k]) {
            VERR(L, L->cmd_line[k], "%s: this command is required and cannot be empty",
                 pp_cmd_kind_name((enum pp_cmd_kind)k));
        } else {
            size_t len = strlen(missing);
            snprintf(missing + len, sizeof missing - len, "%s%s", len ? ", " : "",
                     pp_cmd_kind_name((enum pp_cmd_kind)k));
        }
    }
    if (*missing && L->profile >= 0)
        VERR(L, L->profile_line,
             "profile = %s provides no command for %s: set %s in [commands]", c->profile, missing,
             strchr(missing, ',') ? "them" : "it");
}

/* UTF-16 code units of UTF-8 text: -EncodedCommand is base64 of UTF-16LE. */
static size_t utf16_units(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;   /* a continuation byte */
        n += *p >= 0xF0 ? 2 : 1;
    }
    return n;
}

static size_t count_of(const char *s, const char *what)
{
    size_t n = 0, k = strlen(what);
    for (const char *p = s; (p = strstr(p, what)); p += k)
        n++;
    return n;
}

/* The length of the command line a PowerShell template becomes, with each
 * placeholder replaced by the longest value it can take in this pool. */
static size_t ps_cmdline_length(const struct pp_config *c, const char *tmpl)
{
    size_t server = 0, domain = 0;
    for (int i = 0; i < c->nservers; i++) {
        size_t a = strlen(c->servers[i].name), b = strlen(c->servers[i].domain);
        server = a > server ? a : server;
        domain = b > domain ? b : domain;
    }
    size_t units = utf16_units(tmpl) + PP_PS_WRAP_CHARS;
    units += count_of(tmpl, "{server}") * server + count_of(tmpl, "{pool}") * strlen(c->fqdn) +
             count_of(tmpl, "{domain}") * domain +
             count_of(tmpl, "{backup_pool}") * strlen(c->backup_pool) +
             count_of(tmpl, "{backend}") * strlen(c->backend);
    return strlen(PP_PS_PREFIX) + (2 * units + 2) / 3 * 4;
}

static void check_command_lengths(struct cfg_loader *L)
{
    struct pp_config *c = L->cfg;
    if (c->shell != PP_SHELL_POWERSHELL)
        return;
    for (int k = 0; k < PP_CMD_COUNT; k++) {
        if (!c->commands[k] || !*c->commands[k])
            continue;
        size_t n = ps_cmdline_length(c, c->commands[k]);
        if (n <= PP_PS_CMDLINE_MAX)
            continue;
        VERR(L, L->cmd_line[k] ? L->cmd_line[k] : L->profile_line,
             "%s: sent as -EncodedCommand it is %zu characters, over cmd.exe's limit of %d "
             "(Win32-OpenSSH runs commands through cmd.exe): shorten it, or keep the script "
             "in a .ps1 file on the servers and call that",
             pp_cmd_kind_name((enum pp_cmd_kind)k), n, PP_PS_CMDLINE_MAX);
    }
}

static void check_scenario(struct cfg_loader *L)
{
    if (!L->scenario_line) {
        VERR(L, 0, "a training scenario needs a [scenario] section with title, goal and expect");
        return;
    }
    /* Given but empty or too long was reported where it was read. */
    if (!L->title_line)
        VERR(L, L->scenario_line, "[scenario] title is required");
    if (!L->goal_line)
        VERR(L, L->scenario_line, "[scenario] goal is required");
    if (!L->expect_line)
        VERR(L, L->scenario_line, "[scenario] expect is required");
}

static void check_faults(struct cfg_loader *L)
{
    struct pp_config *c = L->cfg;
    for (int i = 0; i < c->sim.nfaults; i++) {
        struct pp_fault *f = &c->sim.faults[i];
        const struct cfg_fault_src *src = &L->fsrc[i];
        const char *n = src->name;
        if (!src->has_kind) {
            if (!src->kind_line)
                VERR(L, src->sect_line, "[fault.%s]: kind is required (fail, hang, drop, "
                                        "never-returns, not-ready, busy)",
                     n);
            continue; /* the rest depends on the kind */
        }
        static const char *const kinds[] = {"fail", "hang", "drop", "never-returns",
                                            "not-ready", "busy"};
        const char *kind = kinds[f->kind];
        if (f->kind == PP_FAULT_BUSY) {
            if (src->server_line)
                VERR(L, src->server_line, "[fault.%s]: a busy fault is pool-wide: remove server",
                     n);
        } else if (!src->server_line) {
            VERR(L, src->sect_line, "[fault.%s]: server is required for kind = %s", n, kind);
        } else if (*f->server && server_index(c, f->server) < 0) {
            char b[96];
            VERR(L, src->server_line, "[fault.%s]: '%s' is not a server of this pool", n,
                 cfg_show(b, sizeof b, f->server));
        }
        switch (f->kind) {
        case PP_FAULT_FAIL:
        case PP_FAULT_HANG:
        case PP_FAULT_DROP:
            if (!src->step_line)
                VERR(L, src->sect_line, "[fault.%s]: step is required for kind = %s (drain, "
                                        "upgrade, restart, verify)",
                     n, kind);
            break;
        case PP_FAULT_NEVER_RETURNS:
            if (src->step_line && f->step != PP_STEP_RESTART && f->step != PP_STEP_NONE)
                VERR(L, src->step_line,
                     "[fault.%s]: a never-returns fault happens at restart; remove step", n);
            f->step = PP_STEP_RESTART;
            break;
        case PP_FAULT_NOT_READY:
        case PP_FAULT_BUSY:
            if (src->step_line)
                VERR(L, src->step_line, "[fault.%s]: kind = %s takes no step", n, kind);
            f->step = PP_STEP_NONE;
            break;
        }
    }
}

/* Microsoft's quorum table protects a Lync / Skype for Business pool's own
 * servers: below it the remaining Front Ends stop and the pool goes down.
 * It is not a preference, so those profiles cannot choose another rule
 * (FACTS.md); linux-systemd and custom pools are not Lync pools and may. */
static void check_quorum(struct cfg_loader *L)
{
    struct pp_config *c = L->cfg;
    if (L->profile < 0 || L->profile > 2 || c->quorum == PP_QUORUM_LYNC)
        return;
    VERR(L, first_line(L->quorum_line, L->profile_line),
         "quorum = %s: a %s pool always keeps Microsoft's quorum table (quorum = lync); only "
         "profile = custom or linux-systemd may choose another rule",
         c->quorum == PP_QUORUM_NONE ? "none" : "majority", c->profile);
}

/* The procedure is the product's (issue 11 item 7): Microsoft documents
 * upgrade domains for Lync Server 2013 and, for Skype for Business Server
 * 2015/2019, "Patch or update Front End Servers" (in "Manage Front End
 * Servers in Skype for Business Server", learn.microsoft.com/en-us/
 * skypeforbusiness/manage/topology/manage-front-end-servers) one server at a time with
 * Invoke-CsComputerFailOver / Invoke-CsComputerFailBack, cmdlets Lync 2013
 * does not have ("Applicable: Skype for Business Server 2015, Skype for
 * Business Server 2019", Invoke-CsComputerFailOver.md).  Their drain and
 * verify templates are written for it, so those profiles cannot choose the
 * other; linux-systemd and custom pools may.  One server at a time leaves
 * nothing for parallel to do: a value above 1 is a contradiction. */
static void check_procedure(struct cfg_loader *L)
{
    struct pp_config *c = L->cfg;
    bool said = false;   /* one error for one wrong line */
    if (L->profile >= 0 && L->profile <= 2 && L->procedure_line) {
        enum pp_procedure want = L->profile == 0 ? PP_PROC_DOMAIN : PP_PROC_SERVER;
        said = c->procedure != want;
        if (c->procedure != want && want == PP_PROC_DOMAIN)
            VERR(L, L->procedure_line,
                 "procedure = server: Lync Server 2013 has no Invoke-CsComputerFailOver; a "
                 "lync2013 pool is upgraded one upgrade domain at a time (procedure = domain)");
        else if (c->procedure != want)
            VERR(L, L->procedure_line,
                 "procedure = domain: a %s pool follows Microsoft's Skype for Business "
                 "procedure, one server at a time (procedure = server); only profile = custom or "
                 "linux-systemd may choose",
                 c->profile);
    }
    /* A custom pool that borrows the SfB drain (commands_from = sfb2019, or
     * its own copy) fails servers over: Microsoft runs that cmdlet on one
     * server at a time, so procedure = domain would fail over a whole
     * domain at once. */
    for (int k = 0; k < 2 && !said && c->procedure == PP_PROC_DOMAIN; k++) {
        enum pp_cmd_kind cmd = k ? PP_CMD_DRAIN_NOW : PP_CMD_DRAIN;
        const char *t = c->commands[cmd];
        if (t && strstr(t, "Invoke-CsComputerFailOver")) {
            VERR(L, first_line(L->procedure_line, first_line(L->cmd_line[cmd],
                               first_line(L->commands_from_line, L->profile_line))),
                 "procedure = domain: the %s command runs Invoke-CsComputerFailOver, which "
                 "Microsoft runs on one server at a time (\"Patch or update Front End Servers\"); "
                 "set procedure = server",
                 k ? "drain_now" : "drain");
            break;
        }
    }
    bool sfb = L->profile == 1 || L->profile == 2;
    if (c->procedure == PP_PROC_SERVER && c->parallel > 1)
        VERR(L, first_line(L->parallel_line, L->procedure_line ? L->procedure_line : L->profile_line),
             sfb ? "parallel = %d: a Skype for Business pool is patched one server at a time "
                   "(set parallel = 1 or 0)"
                 : "parallel = %d: procedure = server takes one server down at a time (set "
                   "parallel = 1 or 0, or procedure = domain)",
             c->parallel);
}

/* commands_from lends a custom pool a built-in profile's commands; a
 * profile that is not custom has its own, and its own rules. */
static void check_commands_from(struct cfg_loader *L)
{
    if (!L->commands_from_line || L->profile == CFG_PROFILE_CUSTOM || L->profile < 0)
        return;
    VERR(L, L->commands_from_line,
         "commands_from: only a profile = custom pool takes another profile's commands (this "
         "one is profile = %s)",
         L->cfg->profile);
}

/* Microsoft's numbers for a Lync / SfB pool, kept as minimums outside
 * training (the simulator compresses time; scenarios are exempt):
 * - "Upgrade or update Front End Servers" (Lync Server 2013, the seed
 *   document): when PoolUpgradeState is Busy, wait 10 minutes and check
 *   again; Busy three times in a row, 10 minutes apart, is a pool problem
 *   (the English page says "three"; its Chinese translation lost the word).
 * - Microsoft's guidance for reliable Front End upgrades (FACTS.md "Extra
 *   guidance"; not in the seed document): once a domain is back and the
 *   pool is Ready again, wait 20 minutes before the next domain.
 * A longer wait is allowed; fewer or more strikes are not (more would keep
 * a failing pool waiting past Microsoft's verdict).  Only profile = custom
 * chooses other numbers, and the journal's start record names those in
 * force. */
#define LYNC_SETTLE_MIN ((pp_ms)20 * 60000)
#define LYNC_BUSY_RETRY_MIN ((pp_ms)10 * 60000)
#define LYNC_BUSY_STRIKES 3

static void check_minimums(struct cfg_loader *L)
{
    const struct pp_config *c = L->cfg;
    if (L->scenario || !CFG_PROFILE_IS_LYNC(L->profile))
        return;
    const struct pp_timing *t = &c->timing;
    if (t->settle < LYNC_SETTLE_MIN)
        VERR(L, first_line(L->settle_line, L->profile_line),
             "settle = %s: a %s pool waits at least 20m after each domain (Microsoft's upgrade "
             "guidance: 20 minutes once the pool is Ready again); only profile = custom may "
             "choose less (a lab: profile = custom, commands_from = %s)",
             L->settle_text, c->profile, c->profile);
    if (t->busy_retry < LYNC_BUSY_RETRY_MIN)
        VERR(L, first_line(L->busy_retry_line, L->profile_line),
             "busy_retry = %s: a %s pool waits at least 10m before checking a Busy pool again "
             "(Microsoft, \"Upgrade or update Front End Servers\": wait 10 minutes); only "
             "profile = custom may choose less (a lab: profile = custom, commands_from = %s)",
             L->busy_retry_text, c->profile, c->profile);
    if (t->busy_strikes != LYNC_BUSY_STRIKES)
        VERR(L, first_line(L->busy_strikes_line, L->profile_line),
             "busy_strikes = %s: a %s pool has a problem after Busy 3 times in a row (Microsoft, "
             "\"Upgrade or update Front End Servers\"); only profile = custom may choose "
             "another number (a lab: profile = custom, commands_from = %s)",
             L->busy_strikes_text, c->profile, c->profile);
}

/* A package to stage needs somewhere to go and a way to hash it there. */
static void check_update(struct cfg_loader *L)
{
    const struct pp_update_cfg *u = &L->cfg->update;
    if (!*u->package)
        return;
    if (!*u->remote_path)
        VERR(L, u->package_line, "package: [update] remote_path is empty: where should it go?");
    if (!u->hash_command || !*u->hash_command)
        VERR(L, u->package_line, "package: [update] hash_command is empty: staging verifies "
                                 "every copy on the server");
}

/* A persistent shell frames each step for sh (ssh_shell.c).  PowerShell
 * 5.1 reading its commands from stdin has semantics Microsoft documents
 * only in part (docs/POWERSHELL.md, "persistent shell"): its steps keep a
 * process each, and asking for otherwise is an error, not a silent no. */
static void check_persistent_shell(struct cfg_loader *L)
{
    const struct pp_config *c = L->cfg;
    if (c->ssh.persistent_shell && c->shell == PP_SHELL_POWERSHELL)
        VERR(L, first_line(L->persistent_shell_line, L->profile_line),
             "persistent_shell = yes: only for shell = posix; PowerShell steps run in a "
             "powershell.exe of their own (docs/POWERSHELL.md says why)");
}

void cfg_validate(struct cfg_loader *L)
{
    check_persistent_shell(L);
    check_pool(L);
    check_quorum(L);
    check_procedure(L);
    check_commands_from(L);
    check_minimums(L);
    check_servers(L);
    check_commands(L);
    check_command_lengths(L);
    check_update(L);
    if (L->scenario) {
        check_scenario(L);
        check_faults(L);
    }
}
