/* Loading a pool configuration: the built-in defaults, then the profile the
 * user's file names, then the user's file (which is read first, to learn
 * the profile), then the checks that need everything.  Also the default
 * path and the built-in training scenarios. */
#include "config/config_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Made by config/embed_scenarios.cmake from config/scenarios/NAME.ini. */
extern const struct pp_scenario_info pp_builtin_scenarios[];
extern const int pp_builtin_scenario_count;

static bool cfg_init(struct pp_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    bool ok = true;
    for (int k = 0; k < PP_CMD_COUNT; k++)
        ok = (cfg->commands[k] = strdup("")) != NULL && ok;
    ok = (cfg->update.hash_command = strdup("")) != NULL && ok;
    return ok;
}

void config_free(struct pp_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->servers);
    cfg->servers = NULL;
    cfg->nservers = 0;
    for (int k = 0; k < PP_CMD_COUNT; k++) {
        free(cfg->commands[k]);
        cfg->commands[k] = NULL;
    }
    free(cfg->update.hash_command);
    cfg->update.hash_command = NULL;
}

/* Parses and applies one built-in text.  A problem here is our bug; it is
 * still reported, under the text's own name. */
static void apply_builtin(struct cfg_loader *L, const char *name, const char *text)
{
    struct cfg_doc d;
    cfg_doc_parse(&d, name, text, strlen(text), L->diag);
    cfg_apply_doc(L, &d, false);
    cfg_doc_free(&d);
}

/* A [pool] key's profile name in the user's file, as a profile index; -1
 * when absent or not a profile (apply.c reports that at its line). */
static int find_profile(const struct cfg_doc *doc, const char *key)
{
    for (int i = 0; i < doc->n; i++)
        if (!strcasecmp(doc->e[i].section, "pool") && !strcasecmp(doc->e[i].key, key))
            return cfg_lookup(doc->e[i].value, cfg_profile_names, CFG_PROFILE_COUNT);
    return -1;
}

static int load_text(struct pp_config *cfg, const char *name, const char *text, size_t len,
                     struct pp_diag *diag, const char *scenario)
{
    struct pp_diag local = {0};
    if (!diag)
        diag = &local;
    int start = diag->n;
    if (!cfg_init(cfg)) {
        diag_add(diag, name, 0, "out of memory");
        diag_free(&local);
        return -1;
    }
    snprintf(cfg->path, sizeof cfg->path, "%s", name);

    struct cfg_loader L = {.cfg = cfg, .diag = diag, .file = name, .scenario = scenario != NULL,
                           .profile = -1};
    struct cfg_doc user;
    cfg_doc_parse(&user, name, text, len, diag);
    L.profile = find_profile(&user, "profile");
    L.commands_from = find_profile(&user, "commands_from");

    apply_builtin(&L, "(built-in defaults)", cfg_defaults_text());
    if (scenario) {
        apply_builtin(&L, "(built-in [sim] defaults)", cfg_sim_defaults_text());
        cfg->sim.present = true;
        snprintf(cfg->sim.name, sizeof cfg->sim.name, "%s", scenario);
    }
    if (L.profile >= 0) {
        char pname[64];
        snprintf(pname, sizeof pname, "(built-in profile %s)", cfg_profile_names[L.profile]);
        apply_builtin(&L, pname, cfg_profile_text(L.profile));
    }
    /* profile = custom, commands_from = lync2013: the lync2013 text (shell,
     * quorum rule, commands) on top of custom's, the pool still custom, so
     * its file may choose other timings (a lab).  validate.c refuses the key
     * with any other profile. */
    if (L.profile == CFG_PROFILE_CUSTOM && L.commands_from >= 0 &&
        L.commands_from != CFG_PROFILE_CUSTOM) {
        char pname[64];
        snprintf(pname, sizeof pname, "(built-in profile %s)", cfg_profile_names[L.commands_from]);
        apply_builtin(&L, pname, cfg_profile_text(L.commands_from));
    }
    L.cur_file = name;
    cfg_check_sections(&L, &user);
    cfg_check_duplicates(&L, &user);
    cfg_apply_doc(&L, &user, true);
    if (L.scenario)
        cfg_generate_servers(&L);
    cfg_validate(&L);
    cfg_doc_free(&user);

    cfg_diag_sort(diag, start, name);
    int rc = diag->n > start ? -1 : 0;
    diag_free(&local);
    return rc;
}

/* Reads a whole file; NULL with a message in diag on failure. */
static char *read_file(const char *path, size_t *len, struct pp_diag *diag)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_add(diag, path, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap > CFG_MAX_FILE) {
                diag_add(diag, path, 0, "the file is larger than %d bytes", CFG_MAX_FILE);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                diag_add(diag, path, 0, "cannot read: %s", strerror(errno));
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    fclose(f);
    if (buf)
        *len = n;
    return buf;
}

int config_load_file(struct pp_config *cfg, const char *path, struct pp_diag *diag)
{
    struct pp_diag local = {0};
    size_t len = 0;
    char *text = read_file(path, &len, diag ? diag : &local);
    if (!text) {
        cfg_init(cfg);
        snprintf(cfg->path, sizeof cfg->path, "%s", path);
        diag_free(&local);
        return -1;
    }
    int rc = load_text(cfg, path, text, len, diag, NULL);
    free(text);
    return rc;
}

int config_load_string(struct pp_config *cfg, const char *name, const char *text,
                       struct pp_diag *diag)
{
    return load_text(cfg, name, text ? text : "", text ? strlen(text) : 0, diag, NULL);
}

const char *config_default_path(const char *cli, char *buf, size_t n)
{
    const char *env;
    if (cli && *cli)
        snprintf(buf, n, "%s", cli);
    else if ((env = getenv("POOLPILOT_CONFIG")) && *env)
        snprintf(buf, n, "%s", env);
    else if ((env = getenv("XDG_CONFIG_HOME")) && *env == '/') /* XDG: relative = unset */
        snprintf(buf, n, "%s/poolpilot/pool.ini", env);
    else if ((env = getenv("HOME")) && *env)
        snprintf(buf, n, "%s/.config/poolpilot/pool.ini", env);
    else
        snprintf(buf, n, "pool.ini");
    return buf;
}

int scenario_count(void) { return pp_builtin_scenario_count; }

const struct pp_scenario_info *scenario_at(int i)
{
    return i >= 0 && i < pp_builtin_scenario_count ? &pp_builtin_scenarios[i] : NULL;
}

const struct pp_scenario_info *scenario_find(const char *name)
{
    for (int i = 0; name && i < pp_builtin_scenario_count; i++)
        if (strcmp(pp_builtin_scenarios[i].name, name) == 0)
            return &pp_builtin_scenarios[i];
    return NULL;
}

int config_load_scenario(struct pp_config *cfg, const char *name_or_path, struct pp_diag *diag)
{
    struct pp_diag local = {0};
    if (!diag)
        diag = &local;
    const struct pp_scenario_info *s = scenario_find(name_or_path);
    if (s) {
        char path[PP_PATH_MAX];
        snprintf(path, sizeof path, "scenario:%s", s->name);
        int rc = load_text(cfg, path, s->text, strlen(s->text), diag, s->name);
        diag_free(&local);
        return rc;
    }
    if (!name_or_path || !*name_or_path ||
        (!strchr(name_or_path, '/') && !strstr(name_or_path, ".ini"))) {
        /* Looks like a name, not a path: list what exists. */
        char names[1024] = "";
        for (int i = 0; i < pp_builtin_scenario_count; i++) {
            size_t l = strlen(names);
            snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "",
                     pp_builtin_scenarios[i].name);
        }
        cfg_init(cfg);
        diag_add(diag, name_or_path ? name_or_path : "", 0,
                 "no such built-in scenario (built-in: %s); a scenario file needs a path", names);
        diag_free(&local);
        return -1;
    }
    size_t len = 0;
    char *text = read_file(name_or_path, &len, diag);
    if (!text) {
        cfg_init(cfg);
        snprintf(cfg->path, sizeof cfg->path, "%s", name_or_path);
        diag_free(&local);
        return -1;
    }
    /* The scenario's name: the file name without directory and ".ini". */
    const char *base = strrchr(name_or_path, '/');
    base = base ? base + 1 : name_or_path;
    char name[64];
    snprintf(name, sizeof name, "%s", base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name && !strcasecmp(dot, ".ini"))
        *dot = 0;
    int rc = load_text(cfg, name_or_path, text, len, diag, name);
    free(text);
    diag_free(&local);
    return rc;
}
