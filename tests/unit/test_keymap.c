/* keymap: key specs, [keys] bindings with FILE:LINE messages, and the
 * actions table that the help screen and the Markdown key table come from. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tui/keymap.h"

static void test_specs(void **state)
{
    (void)state;
    struct {
        const char *spec;
        int key;
    } ok[] = {
        {"q", 'q'},          {"Q", 'Q'},           {"?", '?'},           {"/", '/'},
        {"+", '+'},          {"-", '-'},           {"é", 0xe9},          {"中", 0x4e2d},
        {"C-c", 3},          {"c-l", 12},          {"^C", 3},            {"C-b", 2},
        {"F1", PPK_F(1)},    {"f5", PPK_F(5)},     {"F12", PPK_F(12)},   {"Enter", PPK_ENTER},
        {"return", PPK_ENTER}, {"C-m", PPK_ENTER}, {"C-j", PPK_ENTER},   {"Esc", PPK_ESC},
        {"ESCAPE", PPK_ESC}, {"C-[", PPK_ESC},     {"Tab", PPK_TAB},     {"C-i", PPK_TAB},
        {"S-Tab", PPK_BTAB}, {"BTab", PPK_BTAB},   {"Space", ' '},       {"Backspace", PPK_BACKSPACE},
        {"C-h", PPK_BACKSPACE}, {"Up", PPK_UP},    {"down", PPK_DOWN},   {"Left", PPK_LEFT},
        {"Right", PPK_RIGHT}, {"PgUp", PPK_PGUP},  {"PageDown", PPK_PGDN}, {"Home", PPK_HOME},
        {"End", PPK_END},    {"Insert", PPK_INS},  {"Del", PPK_DEL},     {"Semicolon", ';'},
        {"Hash", '#'},       {"^", '^'},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int k = keymap_parse_spec(ok[i].spec);
        if (k != ok[i].key)
            fail_msg("spec \"%s\": got %#x, want %#x", ok[i].spec, k, ok[i].key);
    }
    const char *bad[] = {"", "ab", "F0", "F13", "F01x", "Ctrl-c", "C-", "C-@", "C-ab",
                         "\x01", "\x7f", "\xff", "Enterx", "M-x", "S-Up"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (keymap_parse_spec(bad[i]) != PPK_NONE)
            fail_msg("spec \"%s\" should be refused", bad[i]);
}

static void test_names_round_trip(void **state)
{
    (void)state;
    struct keymap km;
    assert_int_equal(keymap_build(&km, NULL, NULL), 0);
    for (int a = 0; a < ACT_COUNT; a++)
        for (int i = 0; i < km.nkeys[a]; i++) {
            char name[32];
            keymap_key_name(km.keys[a][i], false, name, sizeof name);
            assert_int_equal(keymap_parse_spec(name), km.keys[a][i]);
        }
    char b[32];
    assert_string_equal(keymap_key_name(PPK_UP, true, b, sizeof b), "↑");
    assert_string_equal(keymap_key_name(PPK_UP, false, b, sizeof b), "Up");
    assert_string_equal(keymap_key_name(3, false, b, sizeof b), "C-c");
    assert_string_equal(keymap_key_name(' ', false, b, sizeof b), "Space");
    assert_string_equal(keymap_key_name(PPK_F(5), false, b, sizeof b), "F5");
}

static void test_defaults_and_contexts(void **state)
{
    (void)state;
    struct keymap km;
    keymap_build(&km, NULL, NULL);
    assert_int_equal(keymap_lookup(&km, PPK_ENTER, ACT_CTX_GLOBAL, false), ACT_CONFIRM);
    assert_int_equal(keymap_lookup(&km, 'q', ACT_CTX_GLOBAL, false), ACT_QUIT);
    assert_int_equal(keymap_lookup(&km, 'o', ACT_CTX_OUTPUT, false), ACT_OVERRIDE);
    /* n: declines a question, but in the output pane it finds the next match */
    assert_int_equal(keymap_lookup(&km, 'n', ACT_CTX_GLOBAL, false), ACT_DECLINE);
    assert_int_equal(keymap_lookup(&km, 'n', ACT_CTX_OUTPUT, false), ACT_SEARCH_NEXT);
    /* Esc leaves the innermost mode; it never declines (issue 10 item 4) */
    assert_int_equal(keymap_lookup(&km, PPK_ESC, ACT_CTX_OUTPUT, false), ACT_BACK);
    assert_int_equal(keymap_lookup(&km, PPK_ESC, ACT_CTX_GLOBAL, false), ACT_BACK);
    /* training keys only in training */
    assert_int_equal(keymap_lookup(&km, ' ', ACT_CTX_GLOBAL, false), ACT_NONE);
    assert_int_equal(keymap_lookup(&km, ' ', ACT_CTX_GLOBAL, true), ACT_PAUSE);
    assert_int_equal(keymap_lookup(&km, '+', ACT_CTX_OUTPUT, true), ACT_FASTER);
    assert_int_equal(keymap_lookup(&km, 'Z', ACT_CTX_GLOBAL, true), ACT_NONE);
    char b[64];
    assert_string_equal(keymap_all(&km, ACT_DECLINE, false, b, sizeof b), "n");
    assert_string_equal(keymap_first(&km, ACT_UP, true, b, sizeof b), "↑");
}

static const char base_ini[] =
    "[pool]\n"                                  /* 1 */
    "fqdn = pool01.contoso.com\n"               /* 2 */
    "profile = lync2013\n"                      /* 3 */
    "[servers]\n"                               /* 4 */
    "fe01.contoso.com = UpgradeDomain1\n"       /* 5 */
    "fe02.contoso.com = UpgradeDomain2\n"       /* 6 */
    "[keys]\n";                                 /* 7 */

static int load(struct pp_config *cfg, const char *keys)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", base_ini, keys);
    struct pp_diag d = {0};
    int rc = config_load_string(cfg, "pool.ini", text, &d);
    for (int i = 0; i < d.n; i++)
        fprintf(stderr, "config: %s\n", d.msgs[i]);
    diag_free(&d);
    return rc;
}

static void test_user_bindings(void **state)
{
    (void)state;
    struct pp_config cfg;
    assert_int_equal(load(&cfg, "quit = Q C-q\n"          /* 8 */
                                "dismiss = Space\n"       /* 9 */
                                "help = none\n"           /* 10 */
                                "recheck = F5, R\n"),     /* 11 */
                     0);
    struct pp_diag d = {0};
    struct keymap km;
    assert_int_equal(keymap_build(&km, &cfg, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(keymap_lookup(&km, 'Q', ACT_CTX_GLOBAL, false), ACT_QUIT);
    assert_int_equal(keymap_lookup(&km, 17, ACT_CTX_GLOBAL, false), ACT_QUIT);
    assert_int_equal(keymap_lookup(&km, 'q', ACT_CTX_GLOBAL, false), ACT_NONE);   /* replaced */
    /* the user's Space takes the key from the training default */
    assert_int_equal(keymap_lookup(&km, ' ', ACT_CTX_GLOBAL, true), ACT_DISMISS);
    assert_int_equal(km.nkeys[ACT_PAUSE], 0);
    assert_int_equal(km.nkeys[ACT_HELP], 0);
    assert_int_equal(keymap_lookup(&km, '?', ACT_CTX_GLOBAL, false), ACT_NONE);
    assert_int_equal(keymap_lookup(&km, PPK_F(5), ACT_CTX_GLOBAL, false), ACT_RECHECK);
    assert_int_equal(keymap_lookup(&km, 'R', ACT_CTX_GLOBAL, false), ACT_RECHECK);
    assert_int_equal(keymap_check(&cfg, &d), 0);
    diag_free(&d);
    config_free(&cfg);
}

static bool has_msg(const struct pp_diag *d, const char *msg)
{
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->msgs[i], msg) == 0)
            return true;
    return false;
}

static void test_bad_bindings(void **state)
{
    (void)state;
    struct pp_config cfg;
    assert_int_equal(load(&cfg, "quit = q Ctrl-x\n"      /* 8 */
                                "fly = f\n"              /* 9 */
                                "recheck = x\n"          /* 10 */
                                "choose = x\n"           /* 11 */
                                "help = F13\n"           /* 12 */
                                "confirm = none Enter\n" /* 13 */
                                "recheck = y\n"          /* 14 */
                                "override = O\n"),       /* 15 */
                     0);
    struct pp_diag d = {0};
    int n = keymap_check(&cfg, &d);
    for (int i = 0; i < d.n; i++)
        fprintf(stderr, "%s\n", d.msgs[i]);
    assert_int_equal(n, 6);
    assert_int_equal(d.n, 6);
    assert_true(has_msg(&d, "pool.ini:8: unknown key \"Ctrl-x\" for action quit"));
    assert_true(has_msg(&d, "pool.ini:9: unknown action \"fly\" in [keys]"));
    assert_true(has_msg(&d, "pool.ini:11: key \"x\" is already bound to action recheck (line 10)"));
    assert_true(has_msg(&d, "pool.ini:12: unknown key \"F13\" for action help"));
    assert_true(has_msg(&d, "pool.ini:13: action confirm: \"none\" mixed with keys"));
    assert_true(has_msg(&d, "pool.ini:14: action recheck is already bound on line 10"));
    /* what was good still applies; what was bad left the defaults alone */
    struct keymap km;
    struct pp_diag d2 = {0};
    assert_int_equal(keymap_build(&km, &cfg, &d2), -1);
    assert_int_equal(keymap_lookup(&km, 'q', ACT_CTX_GLOBAL, false), ACT_QUIT);
    assert_int_equal(keymap_lookup(&km, 'O', ACT_CTX_GLOBAL, false), ACT_OVERRIDE);
    assert_int_equal(keymap_lookup(&km, 'x', ACT_CTX_GLOBAL, false), ACT_RECHECK);
    assert_int_equal(keymap_lookup(&km, PPK_ENTER, ACT_CTX_GLOBAL, false), ACT_CONFIRM);
    diag_free(&d2);
    diag_free(&d);
    config_free(&cfg);
}

static void test_table_covers_every_action(void **state)
{
    (void)state;
    struct keymap km;
    keymap_build(&km, NULL, NULL);
    char *md = NULL;
    size_t mdlen = 0;
    FILE *f = open_memstream(&md, &mdlen);
    assert_non_null(f);
    help_print_markdown(f);
    fclose(f);
    assert_non_null(strstr(md, "| Keys | Action | What it does |\n|---|---|---|\n"));
    int rows = 0;
    for (const char *p = md; (p = strchr(p, '\n')); p++)
        rows++;
    assert_int_equal(rows, 2 + ACT_COUNT);
    for (int a = 0; a < ACT_COUNT; a++) {
        const struct act_info *ai = act_info((enum act_id)a);
        assert_non_null(ai);
        assert_true(ai->name[0] && ai->help[0]);
        assert_int_equal(act_parse(ai->name), a);
        /* every action has a default key, and every default spec parses */
        assert_true(km.nkeys[a] > 0);
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s", ai->keys);
        int n = 0;
        for (char *s = NULL, *t = strtok_r(tmp, " ", &s); t; t = strtok_r(NULL, " ", &s), n++)
            assert_int_not_equal(keymap_parse_spec(t), PPK_NONE);
        assert_int_equal(n, km.nkeys[a]);
        char row[128];
        snprintf(row, sizeof row, " | %s | ", ai->name);
        if (!strstr(md, row))
            fail_msg("the Markdown table has no row for %s", ai->name);
        /* no default key means two things in one context */
        for (int b = a + 1; b < ACT_COUNT; b++) {
            const struct act_info *bi = act_info((enum act_id)b);
            bool same_ns = (ai->ctx == ACT_CTX_OUTPUT) == (bi->ctx == ACT_CTX_OUTPUT);
            for (int i = 0; same_ns && i < km.nkeys[a]; i++)
                for (int j = 0; j < km.nkeys[b]; j++)
                    if (km.keys[a][i] == km.keys[b][j])
                        fail_msg("%s and %s share a default key", ai->name, bi->name);
        }
    }
    assert_non_null(strstr(md, "| `n` | decline |"));
    assert_non_null(strstr(md, "| `Esc` | back |"));
    assert_non_null(strstr(md, "| `?` `F1` | help |"));
    free(md);
}

int main(void)
{
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "C.utf8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_specs),
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_defaults_and_contexts),
        cmocka_unit_test(test_user_bindings),
        cmocka_unit_test(test_bad_bindings),
        cmocka_unit_test(test_table_covers_every_action),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
