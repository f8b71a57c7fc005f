/* Gives the collected INI entries their meaning: one function per section,
 * each value checked where it is read, each problem reported at the line
 * of the key.  Cross-checks that need the whole file (servers named by
 * faults, commands a profile must have) are in validate.c. */
#include "config/config_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/core/i18n.h"

#define SEVEN_DAYS ((pp_ms)7 * 24 * 60 * 60 * 1000)

#define AERR(L, line, ...) diag_add((L)->diag, (L)->cur_file, (line), __VA_ARGS__)

static const char *const mode_names[] = {"graceful", "downtime"};
static const char *const confirm_names[] = {"domain", "server", "step"};
static const char *const procedure_names[] = {"domain", "server"};
static const char *const quorum_names[] = {"lync", "majority", "none"};
static const char *const shell_names[] = {"posix", "powershell"};
static const char *const auth_names[] = {"auto", "key", "password", "gssapi"};
static const char *const bool_names[] = {"false", "true"};
/* Same order as enum pp_fault_kind. */
static const char *const fault_kind_names[] = {"fail",     "hang",      "drop",
                                               "never-returns", "not-ready", "busy"};

static bool is(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

static int set_enum(struct cfg_loader *L, const struct cfg_entry *e, const char *const *names,
                    int n, const char *list)
{
    int v = cfg_lookup(e->value, names, n);
    if (v < 0) {
        char b[96];
        AERR(L, e->line, "%s: '%s' is not one of %s", e->key, cfg_show(b, sizeof b, e->value),
             list);
    }
    return v;
}

static bool set_dns(struct cfg_loader *L, const struct cfg_entry *e, char *dst, size_t n)
{
    char b[96];
    if (!names_valid_host(e->value)) {
        AERR(L, e->line, "%s: '%s' is not a valid DNS name", e->key,
             cfg_show(b, sizeof b, e->value));
        return false;
    }
    snprintf(dst, n, "%s", e->value);
    return true;
}

/* Empty is allowed: it means "not paired". */
static bool set_opt_dns(struct cfg_loader *L, const struct cfg_entry *e, char *dst, size_t n)
{
    if (!*e->value) {
        *dst = 0;
        return true;
    }
    return set_dns(L, e, dst, n);
}

static bool set_number(struct cfg_loader *L, const struct cfg_entry *e, long long min,
                       long long max, long long *out)
{
    long long v;
    if (!cfg_parse_uint(e->value, &v) || v < min || v > max) {
        char b[96];
        AERR(L, e->line, "%s: '%s' is not a number from %lld to %lld", e->key,
             cfg_show(b, sizeof b, e->value), min, max);
        return false;
    }
    *out = v;
    return true;
}

static void set_int(struct cfg_loader *L, const struct cfg_entry *e, long long min,
                    long long max, int *dst)
{
    long long v;
    if (set_number(L, e, min, max, &v))
        *dst = (int)v;
}

static void set_duration(struct cfg_loader *L, const struct cfg_entry *e, bool zero_ok,
                         pp_ms *dst)
{
    char b[96];
    pp_ms v = config_parse_duration(e->value);
    if (v < 0) {
        if (cfg_is_bare_number(e->value))
            AERR(L, e->line, "%s: '%s' has no unit; units are required (250ms, 90s, 10m, 2h, "
                             "1h30m)",
                 e->key, e->value);
        else
            AERR(L, e->line, "%s: '%s' is not a duration (write e.g. 250ms, 90s, 10m, 2h, 1h30m)",
                 e->key, cfg_show(b, sizeof b, e->value));
        return;
    }
    if (v > SEVEN_DAYS) {
        AERR(L, e->line, "%s: %s is more than 7 days", e->key, e->value);
        return;
    }
    if (v == 0 && !zero_ok) {
        AERR(L, e->line, "%s: cannot be 0", e->key);
        return;
    }
    *dst = v;
}

static bool set_text(struct cfg_loader *L, const struct cfg_entry *e, char *dst, size_t n)
{
    if (strlen(e->value) >= n) {
        AERR(L, e->line, "%s: too long (%zu characters at most)", e->key, n - 1);
        return false;
    }
    memcpy(dst, e->value, strlen(e->value) + 1);
    return true;
}

static void unknown_key(struct cfg_loader *L, const struct cfg_entry *e)
{
    char b[96];
    AERR(L, e->line, "unknown key '%s' in [%s]", cfg_show(b, sizeof b, e->key), e->section);
}

static void apply_pool(struct cfg_loader *L, const struct cfg_entry *e)
{
    struct pp_config *c = L->cfg;
    const char *k = e->key;
    int v;
    if (is(k, "fqdn")) {
        (void)set_dns(L, e, c->fqdn, sizeof c->fqdn);
        if (L->user)
            L->fqdn_line = e->line;
    } else if (is(k, "profile")) {
        if ((v = set_enum(L, e, cfg_profile_names, CFG_PROFILE_COUNT,
                          "lync2013, sfb2015, sfb2019, linux-systemd, custom")) >= 0)
            snprintf(c->profile, sizeof c->profile, "%s", cfg_profile_names[v]);
        if (L->user)
            L->profile_line = e->line;
    } else if (is(k, "commands_from") && L->user) {
        /* only the user's file names it; load_text applied that profile's
         * text already (it has to come before the file's own keys) */
        if ((v = set_enum(L, e, cfg_profile_names, CFG_PROFILE_COUNT - 1,
                          "lync2013, sfb2015, sfb2019, linux-systemd")) >= 0)
            snprintf(c->commands_from, sizeof c->commands_from, "%s", cfg_profile_names[v]);
        L->commands_from_line = e->line;
    } else if (is(k, "mode")) {
        if ((v = set_enum(L, e, mode_names, 2, "graceful, downtime")) >= 0)
            c->mode = (enum pp_mode)v;
    } else if (is(k, "backup_pool")) {
        if (!set_opt_dns(L, e, c->backup_pool, sizeof c->backup_pool) && L->user)
            L->backup_bad = true;
        if (L->user)
            L->backup_line = e->line;
    } else if (is(k, "backend")) {
        (void)set_opt_dns(L, e, c->backend, sizeof c->backend);
        if (L->user)
            L->backend_line = e->line;
    } else if (is(k, "failover_on")) {
        (void)set_opt_dns(L, e, c->failover_on, sizeof c->failover_on);
        if (L->user)
            L->failover_on_line = e->line;
    } else if (is(k, "confirm")) {
        if ((v = set_enum(L, e, confirm_names, 3, "domain, server, step")) >= 0)
            c->confirm = (enum pp_confirm)v;
    } else if (is(k, "parallel")) {
        set_int(L, e, 0, PP_MAX_SERVERS, &c->parallel);
        if (L->user)
            L->parallel_line = e->line;
    } else if (is(k, "procedure")) {
        if ((v = set_enum(L, e, procedure_names, 2, "domain, server")) >= 0)
            c->procedure = (enum pp_procedure)v;
        if (L->user)
            L->procedure_line = e->line;
    } else if (is(k, "quorum")) {
        if ((v = set_enum(L, e, quorum_names, 3, "lync, majority, none")) >= 0)
            c->quorum = (enum pp_quorum)v;
        if (L->user)
            L->quorum_line = e->line;
    } else if (is(k, "shell")) {
        if ((v = set_enum(L, e, shell_names, 2, "powershell, posix")) >= 0)
            c->shell = (enum pp_shell)v;
    } else {
        unknown_key(L, e);
    }
}

static void apply_server(struct cfg_loader *L, const struct cfg_entry *e)
{
    struct pp_config *c = L->cfg;
    char b[96], b2[96];
    L->servers_declared++;
    bool ok = true;
    if (!names_valid_host(e->key)) {
        AERR(L, e->line, "server '%s' is not a valid DNS name", cfg_show(b, sizeof b, e->key));
        ok = false;
    }
    if (*e->value && !names_valid_domain(e->value)) {
        AERR(L, e->line,
             "server '%s': '%s' is not a valid upgrade domain name (letters, digits, '-', '_', "
             "'.', 1 to 63 characters, not starting with '-' or '.')",
             cfg_show(b, sizeof b, e->key), cfg_show(b2, sizeof b2, e->value));
        ok = false;
    }
    if (!ok)
        return;
    if (c->nservers >= PP_MAX_SERVERS) {
        if (c->nservers == PP_MAX_SERVERS)
            AERR(L, e->line, "too many servers (%d at most)", PP_MAX_SERVERS);
        c->nservers = PP_MAX_SERVERS + 1; /* report once */
        return;
    }
    if (c->nservers == L->cap_servers) {
        int cap = L->cap_servers ? L->cap_servers * 2 : 16;
        struct pp_server_cfg *s = realloc(c->servers, (size_t)cap * sizeof *s);
        if (!s) {   /* never a topology with a server silently missing */
            AERR(L, e->line, "out of memory reading [servers]");
            return;
        }
        c->servers = s;
        L->cap_servers = cap;
    }
    struct pp_server_cfg *s = &c->servers[c->nservers++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", e->key);
    snprintf(s->domain, sizeof s->domain, "%s", e->value);
    s->line = e->line;
}

/* A logon name: POSIX names, Windows' DOMAIN\\user and user@domain (UPN).
 * It never reaches a shell here, but libssh hands it to ProxyCommand /
 * ProxyJump (%r) and to the OpenSSH client it spawns, where "-o..." or
 * shell characters would be options or code. */
static bool valid_user(const char *u)
{
    if (!*u)
        return true;   /* empty: ssh_config or the local user */
    if (*u == '-' || strlen(u) > 64)
        return false;
    for (; *u; u++) {
        unsigned char c = (unsigned char)*u;
        if (!(isalnum(c) || c == '.' || c == '_' || c == '-' || c == '\\' || c == '@'))
            return false;
    }
    return true;
}

static void apply_ssh(struct cfg_loader *L, const struct cfg_entry *e)
{
    struct pp_ssh_cfg *s = &L->cfg->ssh;
    const char *k = e->key;
    int v;
    if (is(k, "user")) {
        if (!valid_user(e->value))
            AERR(L, e->line, "user: \"%s\" is not a logon name (letters, digits, . _ - and "
                             "DOMAIN\\user or user@domain; not starting with -)", e->value);
        else
            (void)set_text(L, e, s->user, sizeof s->user);
    }
    else if (is(k, "port")) {
        if (!*e->value)
            s->port = 0; /* ssh_config or 22 */
        else
            set_int(L, e, 1, 65535, &s->port);
    } else if (is(k, "identity"))
        (void)set_text(L, e, s->identity, sizeof s->identity);
    else if (is(k, "known_hosts"))
        (void)set_text(L, e, s->known_hosts, sizeof s->known_hosts);
    else if (is(k, "config"))
        (void)set_text(L, e, s->config, sizeof s->config);
    else if (is(k, "auth")) {
        if ((v = set_enum(L, e, auth_names, 4, "auto, key, password, gssapi")) >= 0)
            s->auth = (enum pp_auth)v;
    } else if (is(k, "connect_timeout"))
        set_duration(L, e, false, &s->connect_timeout);
    else if (is(k, "keepalive"))
        set_duration(L, e, true, &s->keepalive); /* 0 = no keepalive */
    else if (is(k, "persistent_shell")) {
        static const char *const yes_no[] = {"no", "yes"};
        if ((v = set_enum(L, e, yes_no, 2, "no, yes")) >= 0) {
            s->persistent_shell = v == 1;
            L->persistent_shell_line = v == 1 && L->user ? e->line : 0;
        }
    } else
        unknown_key(L, e);
}

static void apply_timing(struct cfg_loader *L, const struct cfg_entry *e)
{
    struct pp_timing *t = &L->cfg->timing;
    const char *k = e->key;
    static const char *const steps[PP_STEP_COUNT] = {"drain_timeout", "upgrade_timeout",
                                                     "restart_timeout", "verify_timeout"};
    /* validate.c holds a Lync / SfB profile to Microsoft's numbers: it
     * needs where and how the file set them */
    if (L->user && (is(k, "busy_retry") || is(k, "busy_strikes") || is(k, "settle"))) {
        char *text = is(k, "settle") ? L->settle_text
                     : is(k, "busy_retry") ? L->busy_retry_text : L->busy_strikes_text;
        int *line = is(k, "settle") ? &L->settle_line
                    : is(k, "busy_retry") ? &L->busy_retry_line : &L->busy_strikes_line;
        cfg_show(text, sizeof L->settle_text, e->value);
        *line = e->line;
    }
    int st = cfg_lookup(k, steps, PP_STEP_COUNT);
    if (st >= 0)
        set_duration(L, e, false, &t->step_timeout[st]);
    else if (is(k, "busy_retry"))
        set_duration(L, e, false, &t->busy_retry);
    else if (is(k, "busy_strikes"))
        set_int(L, e, 1, 100, &t->busy_strikes);
    else if (is(k, "settle"))
        set_duration(L, e, true, &t->settle); /* 0: a custom lab that skips the wait */
    else if (is(k, "readiness_timeout"))
        set_duration(L, e, false, &t->readiness_timeout);
    else if (is(k, "failover_timeout"))
        set_duration(L, e, false, &t->failover_timeout);
    else if (is(k, "probe_timeout"))
        set_duration(L, e, false, &t->probe_timeout);
    else
        unknown_key(L, e);
}

static void apply_command(struct cfg_loader *L, const struct cfg_entry *e)
{
    int k = pp_cmd_kind_parse(e->key);
    if (k < 0) {
        char b[96];
        AERR(L, e->line,
             "unknown command '%s' in [commands] (readiness, drain, drain_now, upgrade, restart, "
             "verify, probe, pool_state, fabric, failover, failback, backend, topology)",
             cfg_show(b, sizeof b, e->key));
        return;
    }
    char *v = strdup(e->value);
    if (!v)
        return;
    free(L->cfg->commands[k]);
    L->cfg->commands[k] = v;
    if (L->user) {
        L->cmd_line[k] = e->line;
        L->cmd_backup_line[k] = e->backup_line;
    }
}

/* "0", "500K", "20M", "1G": bytes per second, binary multiples. */
static bool parse_rate(const char *s, long long *out)
{
    char num[32];
    size_t n = strlen(s);
    long long mul = 1;
    if (n && strchr("KkMmGg", s[n - 1])) {
        char u = (char)toupper((unsigned char)s[n - 1]);
        mul = u == 'K' ? 1024LL : u == 'M' ? 1024LL * 1024 : 1024LL * 1024 * 1024;
        n--;
    }
    if (n == 0 || n >= sizeof num)
        return false;
    memcpy(num, s, n);
    num[n] = 0;
    long long v;
    if (!cfg_parse_uint(num, &v) || v > (1LL << 40) / mul)
        return false;
    *out = v * mul;
    return true;
}

static void apply_update(struct cfg_loader *L, const struct cfg_entry *e)
{
    struct pp_update_cfg *u = &L->cfg->update;
    const char *k = e->key;
    char b[96];
    if (is(k, "package")) {
        if (set_text(L, e, u->package, sizeof u->package))
            u->package_line = e->line;
    } else if (is(k, "remote_path")) {
        (void)set_text(L, e, u->remote_path, sizeof u->remote_path);
    } else if (is(k, "sha256")) {
        size_t n = strlen(e->value);
        bool hex = n == 0 || n == PP_SHA256_HEX;
        for (size_t i = 0; hex && i < n; i++)
            hex = isxdigit((unsigned char)e->value[i]) != 0;
        if (!hex) {
            AERR(L, e->line, "sha256: '%s' is not 64 hexadecimal digits",
                 cfg_show(b, sizeof b, e->value));
            return;
        }
        for (size_t i = 0; i <= n; i++)   /* one spelling: Get-FileHash prints capitals */
            u->sha256[i] = (char)tolower((unsigned char)e->value[i]);
    } else if (is(k, "stage_parallel")) {
        set_int(L, e, 1, 256, &u->stage_parallel);
    } else if (is(k, "stage_rate")) {
        if (!parse_rate(e->value, &u->stage_rate))
            AERR(L, e->line, "stage_rate: '%s' is not a rate in bytes per second (0 = no cap; "
                             "e.g. 500K, 20M, 1G)", cfg_show(b, sizeof b, e->value));
    } else if (is(k, "hash_command")) {
        if (*e->value && !strstr(e->value, "{path}")) {
            AERR(L, e->line, "hash_command: must name the file as {path}");
            return;
        }
        char *v = strdup(e->value);
        if (!v)
            return;
        free(u->hash_command);
        u->hash_command = v;
    } else {
        unknown_key(L, e);
    }
}

static void apply_key(struct cfg_loader *L, const struct cfg_entry *e)
{
    struct pp_config *c = L->cfg;
    char b[96];
    if (c->nkeys >= PP_MAX_KEYBINDS) {
        if (c->nkeys++ == PP_MAX_KEYBINDS)
            AERR(L, e->line, "too many [keys] entries (%d at most)", PP_MAX_KEYBINDS);
        return;
    }
    struct pp_keybind *kb = &c->keys[c->nkeys];
    if (strlen(e->key) >= sizeof kb->action) {
        AERR(L, e->line, "[keys] action '%s' is too long", cfg_show(b, sizeof b, e->key));
        return;
    }
    if (strlen(e->value) >= sizeof kb->keys) {
        AERR(L, e->line, "[keys] %s: the key list is too long (%zu characters at most)", e->key,
             sizeof kb->keys - 1);
        return;
    }
    snprintf(kb->action, sizeof kb->action, "%s", e->key);
    snprintf(kb->keys, sizeof kb->keys, "%s", e->value);
    kb->line = e->line;
    c->nkeys++;
}

/* Is tag ("zh_TW") the language of the message catalogue in use?  Its
 * header says so ("Language: zh_TW"); without a catalogue there is none,
 * and the scenario's English is what is shown. */
static bool catalogue_speaks(const char *tag, size_t len)
{
    const char *head = dgettext(PP_TEXTDOMAIN, "");
    const char *l = head ? strstr(head, "Language: ") : NULL;
    if (!l || !len)
        return false;
    l += strlen("Language: ");
    size_t n = strcspn(l, "\n");
    return n == len && strncasecmp(l, tag, len) == 0;
}

/* Trainers' text: required (validate.c) and never empty.  A translation
 * is the same key with its language in brackets: title[zh_TW] = ... */
static void apply_scenario(struct cfg_loader *L, const struct cfg_entry *e)
{
    struct pp_sim_cfg *s = &L->cfg->sim;
    char *dst;
    size_t n;
    const char *br = strchr(e->key, '[');
    if (br) {
        size_t klen = (size_t)(br - e->key), tlen = strcspn(br + 1, "]");
        bool shape = br[1 + tlen] == ']' && br[2 + tlen] == 0 && tlen > 0;
        char key[16];
        snprintf(key, sizeof key, "%.*s", (int)(klen < sizeof key ? klen : 0), e->key);
        if (is(key, "title"))
            dst = s->title_local, n = sizeof s->title_local;
        else if (is(key, "goal"))
            dst = s->goal_local, n = sizeof s->goal_local;
        else if (is(key, "expect"))
            dst = s->expect_local, n = sizeof s->expect_local;
        else
            shape = false;
        if (!shape) {
            unknown_key(L, e);
            return;
        }
        if (!*e->value)
            AERR(L, e->line, "[scenario] %s cannot be empty", e->key);
        else if (catalogue_speaks(br + 1, tlen))
            (void)set_text(L, e, dst, n);
        return;
    }
    if (is(e->key, "title")) {
        dst = s->title;
        n = sizeof s->title;
        L->title_line = e->line;
    } else if (is(e->key, "goal")) {
        dst = s->goal;
        n = sizeof s->goal;
        L->goal_line = e->line;
    } else if (is(e->key, "expect")) {
        dst = s->expect;
        n = sizeof s->expect;
        L->expect_line = e->line;
    } else {
        unknown_key(L, e);
        return;
    }
    if (!*e->value)
        AERR(L, e->line, "[scenario] %s cannot be empty", e->key);
    else
        (void)set_text(L, e, dst, n);
}

static void apply_sim(struct cfg_loader *L, const struct cfg_entry *e)
{
    struct pp_sim_cfg *s = &L->cfg->sim;
    const char *k = e->key;
    int st = pp_step_parse(k);
    long long v;
    if (st >= 0)
        set_duration(L, e, false, &s->step_time[st]);
    else if (is(k, "readiness"))
        set_duration(L, e, false, &s->readiness_time);
    else if (is(k, "failover"))
        set_duration(L, e, false, &s->failover_time);
    else if (is(k, "busy_first"))
        set_int(L, e, 0, 100, &s->busy_first);
    else if (is(k, "insufficient")) {
        int b = set_enum(L, e, bool_names, 2, "true, false");
        if (b >= 0)
            s->insufficient = b == 1;
    } else if (is(k, "seed")) {
        if (set_number(L, e, 0, 4294967295LL, &v))
            s->seed = (unsigned)v;
    } else if (is(k, "generate_servers")) {
        if (set_number(L, e, 1, PP_MAX_SERVERS, &v))
            L->gen_servers = v;
        L->gen_servers_line = e->line;
    } else if (is(k, "generate_domains")) {
        if (set_number(L, e, 1, PP_MAX_SERVERS, &v))
            L->gen_domains = v;
        L->gen_domains_line = e->line;
    } else if (is(k, "generate_pattern")) {
        char why[128], b[96];
        if (!cfg_pattern_check(e->value, why, sizeof why))
            AERR(L, e->line, "generate_pattern: '%s' %s", cfg_show(b, sizeof b, e->value), why);
        else
            snprintf(L->gen_pattern, sizeof L->gen_pattern, "%s", e->value);
        L->gen_pattern_line = e->line;
    } else {
        unknown_key(L, e);
    }
}

static int fault_index(struct cfg_loader *L, const char *name)
{
    for (int i = 0; i < L->cfg->sim.nfaults; i++)
        if (is(L->fsrc[i].name, name))
            return i;
    return -1;
}

static void apply_fault(struct cfg_loader *L, const struct cfg_entry *e)
{
    int i = fault_index(L, e->section + 6);
    if (i < 0)
        return; /* section refused in cfg_check_sections */
    struct pp_fault *f = &L->cfg->sim.faults[i];
    struct cfg_fault_src *src = &L->fsrc[i];
    const char *k = e->key;
    int v;
    long long n;
    if (is(k, "kind")) {
        if ((v = set_enum(L, e, fault_kind_names, 6,
                          "fail, hang, drop, never-returns, not-ready, busy")) >= 0) {
            f->kind = (enum pp_fault_kind)v;
            src->has_kind = true;
        }
        src->kind_line = e->line;
    } else if (is(k, "server")) {
        (void)set_dns(L, e, f->server, sizeof f->server);
        src->server_line = e->line;
    } else if (is(k, "step")) {
        if ((v = pp_step_parse(e->value)) < 0) {
            char b[96];
            AERR(L, e->line, "step: '%s' is not one of drain, upgrade, restart, verify",
                 cfg_show(b, sizeof b, e->value));
        } else {
            f->step = (enum pp_step)v;
        }
        src->step_line = e->line;
    } else if (is(k, "times")) {
        if (set_number(L, e, 1, 1000, &n))
            f->times = (int)n;
    } else if (is(k, "after_domains")) {
        if (set_number(L, e, 0, PP_MAX_SERVERS, &n))
            f->after_domains = (int)n;
    } else {
        unknown_key(L, e);
    }
}

enum sect { S_UNKNOWN, S_POOL, S_SERVERS, S_SSH, S_TIMING, S_COMMANDS, S_KEYS, S_SCENARIO,
            S_SIM, S_UPDATE, S_FAULT };

static enum sect sect_of(const char *name)
{
    static const char *const names[] = {"pool", "servers", "ssh", "timing", "commands",
                                        "keys", "scenario", "sim", "update"};
    int i = cfg_lookup(name, names, 9);
    if (i >= 0)
        return (enum sect)(i + 1);
    if (strncasecmp(name, "fault.", 6) == 0)
        return S_FAULT;
    return S_UNKNOWN;
}

static bool fault_name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > 63)
        return false;
    for (; *n; n++)
        if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') ||
              *n == '-' || *n == '_'))
            return false;
    return true;
}

/* Section headers of the user's file: unknown ones, scenario-only ones in a
 * pool file, and fault slots (made here so an empty [fault.x] is still
 * reported as lacking its kind). */
void cfg_check_sections(struct cfg_loader *L, const struct cfg_doc *doc)
{
    for (int i = 0; i < doc->ns; i++) {
        const char *n = doc->s[i].name;
        int line = doc->s[i].line;
        char b[96];
        enum sect s = sect_of(n);
        if (s == S_POOL && !L->pool_line)
            L->pool_line = line;
        if (s == S_SERVERS && !L->servers_line)
            L->servers_line = line;
        if (s == S_SCENARIO && !L->scenario_line)
            L->scenario_line = line;
        if (s == S_SIM && !L->sim_line)
            L->sim_line = line;
        if (s == S_UNKNOWN) {
            AERR(L, line, "unknown section [%s]", cfg_show(b, sizeof b, n));
        } else if (!L->scenario && (s == S_SCENARIO || s == S_SIM || s == S_FAULT)) {
            AERR(L, line, "[%s] is only allowed in training scenario files",
                 cfg_show(b, sizeof b, n));
        } else if (s == S_FAULT) {
            if (!fault_name_ok(n + 6)) {
                AERR(L, line, "fault sections are named [fault.NAME] (NAME: letters, digits, "
                              "'-', '_', 1 to 63 characters)");
            } else if (fault_index(L, n + 6) < 0) {
                struct pp_sim_cfg *sim = &L->cfg->sim;
                if (sim->nfaults >= PP_MAX_FAULTS) {
                    AERR(L, line, "too many [fault.*] sections (%d at most)", PP_MAX_FAULTS);
                    continue;
                }
                int k = sim->nfaults++;
                struct pp_fault *f = &sim->faults[k];
                memset(f, 0, sizeof *f);
                f->step = PP_STEP_NONE;
                f->times = 1;
                f->line = line;
                memset(&L->fsrc[k], 0, sizeof L->fsrc[k]);
                snprintf(L->fsrc[k].name, sizeof L->fsrc[k].name, "%s", n + 6);
                L->fsrc[k].sect_line = line;
            }
        }
    }
}

void cfg_apply_doc(struct cfg_loader *L, const struct cfg_doc *doc, bool user)
{
    L->user = user;
    L->cur_file = doc->file;
    for (int i = 0; i < doc->n; i++) {
        const struct cfg_entry *e = &doc->e[i];
        char b[96];
        if (!*e->section) {
            AERR(L, e->line, "'%s' is outside any section", cfg_show(b, sizeof b, e->key));
            continue;
        }
        enum sect s = sect_of(e->section);
        if (s == S_UNKNOWN || (!L->scenario && (s == S_SCENARIO || s == S_SIM || s == S_FAULT)))
            continue; /* the section itself was reported */
        switch (s) {
        case S_POOL: apply_pool(L, e); break;
        case S_SERVERS: apply_server(L, e); break;
        case S_SSH: apply_ssh(L, e); break;
        case S_TIMING: apply_timing(L, e); break;
        case S_COMMANDS: apply_command(L, e); break;
        case S_KEYS: apply_key(L, e); break;
        case S_SCENARIO: apply_scenario(L, e); break;
        case S_SIM: apply_sim(L, e); break;
        case S_UPDATE: apply_update(L, e); break;
        case S_FAULT: apply_fault(L, e); break;
        case S_UNKNOWN: break;
        }
    }
}

struct dup_key {
    const char *section, *key;
    int line;
};

static int dup_cmp(const void *a, const void *b)
{
    const struct dup_key *x = a, *y = b;
    int c = strcasecmp(x->section, y->section);
    if (!c)
        c = strcasecmp(x->key, y->key);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* A key given twice in one section is a mistake (which one did the
 * operator mean?).  [servers] has its own messages (validate.c) and [keys]
 * is the TUI's to judge.  Sorting keeps this fast for big files. */
void cfg_check_duplicates(struct cfg_loader *L, const struct cfg_doc *doc)
{
    if (doc->n < 2)
        return;
    struct dup_key *k = malloc((size_t)doc->n * sizeof *k);
    if (!k) {
        diag_add(L->diag, doc->file, 0, "out of memory checking for duplicate keys");
        return;
    }
    int m = 0;
    for (int i = 0; i < doc->n; i++) {
        const struct cfg_entry *e = &doc->e[i];
        enum sect s = sect_of(e->section);
        bool refused = s == S_UNKNOWN ||
                       (!L->scenario && (s == S_SCENARIO || s == S_SIM || s == S_FAULT));
        if (s != S_SERVERS && s != S_KEYS && !refused && *e->section)
            k[m++] = (struct dup_key){e->section, e->key, e->line};
    }
    qsort(k, (size_t)m, sizeof *k, dup_cmp);
    int first = 0;
    for (int i = 1; i < m; i++) {
        if (strcasecmp(k[i].section, k[first].section) || strcasecmp(k[i].key, k[first].key)) {
            first = i;
            continue;
        }
        char b[96];
        diag_add(L->diag, doc->file, k[i].line, "duplicate key '%s' in [%s] (first set at line %d)",
                 cfg_show(b, sizeof b, k[i].key), k[i].section, k[first].line);
    }
    free(k);
}
