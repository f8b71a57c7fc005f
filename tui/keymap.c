/* Key specs, the actions table as data, and the bindings built from the
 * defaults plus the config's [keys] section. */
#include "tui/keymap.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config.h"
#include "backend/core/utf8.h"

static const struct act_info act_table[ACT_COUNT] = {
#define X(id, name, keys, ctx, help) {name, keys, ctx, help},
    PP_ACTIONS(X)
#undef X
};

const struct act_info *act_info(enum act_id a)
{
    return (a >= 0 && a < ACT_COUNT) ? &act_table[a] : NULL;
}

enum act_id act_parse(const char *name)
{
    for (int i = 0; name && i < ACT_COUNT; i++)
        if (strcasecmp(name, act_table[i].name) == 0)
            return (enum act_id)i;
    return ACT_NONE;
}

/* The first spelling of each key is the canonical one (used for names). */
static const struct {
    const char *name;
    int key;
} key_names[] = {
    {"Enter", PPK_ENTER},    {"Return", PPK_ENTER},  {"Esc", PPK_ESC},
    {"Escape", PPK_ESC},     {"Tab", PPK_TAB},       {"S-Tab", PPK_BTAB},
    {"BTab", PPK_BTAB},      {"BackTab", PPK_BTAB},  {"Backspace", PPK_BACKSPACE},
    {"BS", PPK_BACKSPACE},   {"Up", PPK_UP},         {"Down", PPK_DOWN},
    {"Left", PPK_LEFT},      {"Right", PPK_RIGHT},   {"PgUp", PPK_PGUP},
    {"PageUp", PPK_PGUP},    {"PgDn", PPK_PGDN},     {"PageDown", PPK_PGDN},
    {"Home", PPK_HOME},      {"End", PPK_END},       {"Insert", PPK_INS},
    {"Ins", PPK_INS},        {"Delete", PPK_DEL},    {"Del", PPK_DEL},
    {"Space", ' '},          {"Semicolon", ';'},     {"Hash", '#'},
};

int keymap_parse_spec(const char *spec)
{
    if (!spec || !spec[0])
        return PPK_NONE;
    size_t len = strlen(spec);

    /* one character, possibly multi-byte */
    uint32_t cp;
    int n = utf8_decode(spec, len, &cp);
    if (n > 0 && (size_t)n == len) {
        if ((cp == 0xfffd && n != 3) || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
            return PPK_NONE;
        return (int)cp;
    }

    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
        if (strcasecmp(spec, key_names[i].name) == 0)
            return key_names[i].key;

    if ((spec[0] == 'F' || spec[0] == 'f') && len >= 2 && len <= 3 && isdigit((unsigned char)spec[1]) &&
        (len == 2 || isdigit((unsigned char)spec[2]))) {
        int f = atoi(spec + 1);
        if (f >= 1 && f <= 12 && spec[1] != '0')
            return PPK_F(f);
        return PPK_NONE;
    }

    /* C-x and ^x: only ASCII, and the few that terminals send as named keys
     * map to those keys (C-m is Enter, C-i is Tab ...) */
    const char *c = NULL;
    if (len == 3 && (spec[0] == 'C' || spec[0] == 'c') && spec[1] == '-')
        c = spec + 2;
    else if (len == 2 && spec[0] == '^')
        c = spec + 1;
    if (c) {
        int ch = toupper((unsigned char)*c);
        if (ch < 0x40 || ch > 0x5f)
            return PPK_NONE;
        int code = ch & 0x1f;
        switch (code) {
        case 0:
            return PPK_NONE;   /* C-@ is NUL: terminals disagree */
        case 8:
            return PPK_BACKSPACE;
        case 9:
            return PPK_TAB;
        case 10:
        case 13:
            return PPK_ENTER;
        case 27:
            return PPK_ESC;
        default:
            return code;
        }
    }
    return PPK_NONE;
}

const char *keymap_key_name(int key, bool pretty, char *buf, size_t n)
{
    if (!n)
        return buf;
    buf[0] = 0;
    if (pretty) {
        const char *arrow = NULL;
        switch (key) {
        case PPK_UP: arrow = "↑"; break;
        case PPK_DOWN: arrow = "↓"; break;
        case PPK_LEFT: arrow = "←"; break;
        case PPK_RIGHT: arrow = "→"; break;
        default: break;
        }
        if (arrow) {
            snprintf(buf, n, "%s", arrow);
            return buf;
        }
    }
    if (key >= PPK_F(1) && key <= PPK_F(12)) {
        snprintf(buf, n, "F%d", key - PPK_F0);
        return buf;
    }
    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
        if (key_names[i].key == key && key >= PPK_BASE) {
            snprintf(buf, n, "%s", key_names[i].name);
            return buf;
        }
    if (key == ' ') {
        snprintf(buf, n, "Space");
    } else if (key > 0 && key <= 26) {
        snprintf(buf, n, "C-%c", 'a' + key - 1);
    } else if (key > 26 && key < 0x20) {
        /* C-[ is Esc (named above); C-\ C-] C-^ C-_ are '@' + key */
        snprintf(buf, n, "C-%c", '@' + key);
    } else if (key > 0 && key < PPK_BASE) {
        char u[8];
        int l = utf8_encode((uint32_t)key, u);
        snprintf(buf, n, "%.*s", l, u);
    } else {
        snprintf(buf, n, "?");
    }
    return buf;
}

/* GLOBAL and TRAINING share one namespace (both apply anywhere); OUTPUT
 * overrides them while the output pane has the focus, REPLAY while a
 * journal is replayed. */
static int namespace_of(enum act_ctx c)
{
    return c == ACT_CTX_OUTPUT ? 1 : c == ACT_CTX_REPLAY ? 2 : 0;
}

static void remove_key(struct keymap *km, int a, int key)
{
    for (int i = 0; i < km->nkeys[a]; i++)
        if (km->keys[a][i] == key) {
            memmove(&km->keys[a][i], &km->keys[a][i + 1],
                    (size_t)(km->nkeys[a] - i - 1) * sizeof km->keys[a][0]);
            km->nkeys[a]--;
            i--;
        }
}

static void set_defaults(struct keymap *km)
{
    memset(km, 0, sizeof *km);
    for (int a = 0; a < ACT_COUNT; a++) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s", act_table[a].keys);
        for (char *save = NULL, *t = strtok_r(tmp, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            int k = keymap_parse_spec(t);
            if (k != PPK_NONE && km->nkeys[a] < KEYMAP_MAX_KEYS)
                km->keys[a][km->nkeys[a]++] = k;
        }
    }
}

static void report(struct pp_diag *d, int *problems, const struct pp_config *cfg, int line,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void report(struct pp_diag *d, int *problems, const struct pp_config *cfg, int line,
                   const char *fmt, ...)
{
    (*problems)++;
    if (!d)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add(d, cfg->path[0] ? cfg->path : "config", line, "%s", msg);
}

int keymap_build(struct keymap *km, const struct pp_config *cfg, struct pp_diag *d)
{
    set_defaults(km);
    int problems = 0;
    if (!cfg)
        return 0;
    /* which config line bound each action and each (namespace, key) */
    int bound_line[ACT_COUNT] = {0};
    bool user[ACT_COUNT] = {false};

    for (int i = 0; i < cfg->nkeys && i < PP_MAX_KEYBINDS; i++) {
        const struct pp_keybind *kb = &cfg->keys[i];
        enum act_id a = act_parse(kb->action);
        if (a == ACT_NONE) {
            report(d, &problems, cfg, kb->line, "unknown action \"%s\" in [keys]", kb->action);
            continue;
        }
        if (user[a]) {
            report(d, &problems, cfg, kb->line, "action %s is already bound on line %d",
                   kb->action, bound_line[a]);
            continue;
        }
        int keys[KEYMAP_MAX_KEYS], nk = 0;
        bool bad = false, none = false;
        char tmp[sizeof kb->keys + 1];
        snprintf(tmp, sizeof tmp, "%s", kb->keys);
        for (char *save = NULL, *t = strtok_r(tmp, " \t,", &save); t;
             t = strtok_r(NULL, " \t,", &save)) {
            if (strcasecmp(t, "none") == 0) {
                none = true;
                continue;
            }
            int k = keymap_parse_spec(t);
            if (k == PPK_NONE) {
                report(d, &problems, cfg, kb->line, "unknown key \"%s\" for action %s", t,
                       act_table[a].name);
                bad = true;
                continue;
            }
            if (nk == KEYMAP_MAX_KEYS) {
                report(d, &problems, cfg, kb->line, "too many keys for action %s (at most %d)",
                       act_table[a].name, KEYMAP_MAX_KEYS);
                bad = true;
                break;
            }
            keys[nk++] = k;
        }
        if (!nk && !none && !bad) {
            report(d, &problems, cfg, kb->line, "no key given for action %s (use \"none\")",
                   act_table[a].name);
            continue;
        }
        if (none && nk) {
            report(d, &problems, cfg, kb->line, "action %s: \"none\" mixed with keys",
                   act_table[a].name);
            continue;
        }
        /* a key another [keys] line already claimed in the same namespace */
        for (int j = 0; j < nk; j++)
            for (int b = 0; b < ACT_COUNT; b++) {
                if (b == (int)a || !user[b] ||
                    namespace_of(act_table[b].ctx) != namespace_of(act_table[a].ctx))
                    continue;
                for (int x = 0; x < km->nkeys[b]; x++)
                    if (km->keys[b][x] == keys[j]) {
                        char kn[32];
                        keymap_key_name(keys[j], false, kn, sizeof kn);
                        report(d, &problems, cfg, kb->line,
                               "key \"%s\" is already bound to action %s (line %d)", kn,
                               act_table[b].name, bound_line[b]);
                        bad = true;
                    }
            }
        if (bad)
            continue;
        user[a] = true;
        bound_line[a] = kb->line;
        km->nkeys[a] = 0;
        for (int j = 0; j < nk; j++) {
            km->keys[a][km->nkeys[a]++] = keys[j];
            /* the user's binding takes the key away from other defaults */
            for (int b = 0; b < ACT_COUNT; b++)
                if (b != (int)a && !user[b] &&
                    namespace_of(act_table[b].ctx) == namespace_of(act_table[a].ctx))
                    remove_key(km, b, keys[j]);
        }
    }
    return problems ? -1 : 0;
}

int keymap_check(const struct pp_config *cfg, struct pp_diag *d)
{
    struct keymap km;
    int before = d ? d->n : 0;
    int rc = keymap_build(&km, cfg, d);
    if (rc == 0)
        return 0;
    return d ? d->n - before : 1;
}

enum act_id keymap_lookup_ctx(const struct keymap *km, int key, enum act_ctx ctx)
{
    for (int a = 0; a < ACT_COUNT; a++) {
        if (act_table[a].ctx != ctx)
            continue;
        for (int i = 0; i < km->nkeys[a]; i++)
            if (km->keys[a][i] == key)
                return (enum act_id)a;
    }
    return ACT_NONE;
}

enum act_id keymap_lookup(const struct keymap *km, int key, enum act_ctx ctx, bool training)
{
    enum act_id a = ACT_NONE;
    if (ctx != ACT_CTX_GLOBAL && ctx != ACT_CTX_TRAINING)
        a = keymap_lookup_ctx(km, key, ctx);
    if (a == ACT_NONE && training)
        a = keymap_lookup_ctx(km, key, ACT_CTX_TRAINING);
    if (a == ACT_NONE)
        a = keymap_lookup_ctx(km, key, ACT_CTX_GLOBAL);
    return a;
}

const char *keymap_first(const struct keymap *km, enum act_id a, bool pretty, char *buf,
                         size_t n)
{
    if (n)
        buf[0] = 0;
    if (a >= 0 && a < ACT_COUNT && km->nkeys[a] > 0)
        keymap_key_name(km->keys[a][0], pretty, buf, n);
    return buf;
}

const char *keymap_all(const struct keymap *km, enum act_id a, bool pretty, char *buf,
                       size_t n)
{
    size_t used = 0;
    if (n)
        buf[0] = 0;
    for (int i = 0; a >= 0 && a < ACT_COUNT && i < km->nkeys[a]; i++) {
        char kn[32];
        keymap_key_name(km->keys[a][i], pretty, kn, sizeof kn);
        int w = snprintf(buf + used, n - used, "%s%s", i ? " " : "", kn);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
    }
    return buf;
}
