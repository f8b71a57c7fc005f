/* Regression tests for what the fuzzers found (tests/fuzz/, docs/HARDENING.md).
 * Each test is the smallest input that broke a property, kept here so the
 * fix stays fixed even in a build without clang. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/journal/checklist.h"
#include "backend/journal/journal.h"
#include "backend/history/report.h"
#include "tests/unit/helpers.h"
#include "tui/keymap.h"

/* fuzz_keymap: "^^" -> key 30 -> name "C-~" -> not a key.  The name of a
 * Ctrl key must parse back to the same key; keymap_key_name() in
 * tui/keymap.c writes 'a' + key - 1, which is right for C-a..C-z only:
 * keys 28..31 (C-\ C-] C-^ C-_) come out as C-| C-} C-~ and "C-" + DEL. */
static void test_ctrl_punctuation_names_round_trip(void **st)
{
    (void)st;
    static const char *const specs[] = {"C-\\", "C-]", "C-^", "C-_", "^^", "^]", "^_", "^\\"};
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        int key = keymap_parse_spec(specs[i]);
        assert_int_not_equal(key, PPK_NONE);
        char name[64];
        keymap_key_name(key, false, name, sizeof name);
        if (keymap_parse_spec(name) != key)
            fail_msg("\"%s\" is key %d, named \"%s\", which parses to %d", specs[i], key, name,
                     keymap_parse_spec(name));
    }
}

/* what < 0: --status (utf8 or not); else --report in format `what` */
static char *render(const char *journal_text, int what, bool utf8, size_t *len)
{
    const char *dir = test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/j.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(journal_text, f);
    fclose(f);
    struct pp_checklist *c = checklist_new();
    char warn[512] = "", err[512] = "";
    checklist_set_pool(c, "pool01.contoso.com");
    assert_int_equal(journal_read_file(path, checklist_add_cb, c, warn, sizeof warn, err,
                                       sizeof err), 0);
    checklist_finish(c, false);
    char *out = NULL;
    FILE *m = open_memstream(&out, len);
    assert_non_null(m);
    char rerr[256];
    if (what < 0)
        status_print(m, c, utf8);
    else
        assert_int_equal(report_write(m, (enum pp_report_fmt)what, c, rerr, sizeof rerr), 0);
    fclose(m);
    checklist_free(c);
    return out;
}

static void assert_no_controls(const char *out, size_t n, bool ascii)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)out[i];
        if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
            fail_msg("control byte 0x%02x at %zu of:\n%s", ch, i, out);
        if (ch == 0xC2 && i + 1 < n && (unsigned char)out[i + 1] >= 0x80 &&
            (unsigned char)out[i + 1] <= 0x9F)
            fail_msg("C1 control U+%04X at %zu of:\n%s", (unsigned char)out[i + 1], i, out);
        if (ascii && ch >= 0x80)
            fail_msg("byte 0x%02x in ASCII mode at %zu of:\n%s", ch, i, out);
    }
}

/* fuzz_journal_file: a journal's "ts" is free text to jrec_parse, and
 * --status prints a ts it cannot read as it is (report_time(): "the raw
 * text if unreadable").  So an escape sequence in a ts (an OSC that retitles
 * the terminal, a C1 CSI, DEL, or in ASCII mode any byte >= 0x80) reaches
 * the operator's terminal, although report.h promises "control characters
 * never reach the terminal" and the same text in "operator" is cleaned. */
static void test_status_cleans_an_unreadable_ts(void **st)
{
    (void)st;
    static const char journal[] =
        "{\"seq\":1,\"ts\":\"\\u001b]0;pwned\\u0007\\u009b2J\\u007f\",\"operator\":\"jdoe\","
        "\"event\":\"start\"}\n"
        "{\"seq\":2,\"ts\":\"2026-11-27T07:14:44.12\\u00cd\",\"operator\":\"jdoe\","
        "\"event\":\"domain-start\",\"domain\":\"UpgradeDomain1\"}\n";
    for (int utf8 = 0; utf8 <= 1; utf8++) {
        size_t n = 0;
        char *out = render(journal, -1, utf8, &n);
        assert_no_controls(out, n, !utf8);
        free(out);
    }
}

/* fuzz_journal_file (a 5-minute run): --report=csv copies journal text
 * into the file as it is: an ESC, BEL or SOH in "ts" or "operator" comes out
 * raw (the markdown and JSON reports escape them).  A report is read with
 * `cat` as often as with a spreadsheet; C0 controls must not be in it
 * (the CSV's own CRLF line ends aside). */
static void test_csv_report_has_no_raw_controls(void **st)
{
    (void)st;
    static const char journal[] =
        "{\"seq\":1,\"ts\":\"2026-11-27T07:14:24.123Z\",\"operator\":\"j\\u001b[31mdoe\","
        "\"event\":\"start\"}\n"
        "{\"seq\":2,\"ts\":\"\\u001b]0;x\\u0007\",\"operator\":\"j\\u001bdoe\\u0001\","
        "\"event\":\"step-start\",\"domain\":\"UpgradeDomain1\",\"server\":\"fe01.contoso.com\","
        "\"step\":\"drain\"}\n";
    for (int fmt = PP_REPORT_MD; fmt <= PP_REPORT_CSV; fmt++) {
        size_t n = 0;
        char *out = render(journal, fmt, true, &n);
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)out[i];
            bool crlf = fmt == PP_REPORT_CSV && ch == '\r' && i + 1 < n && out[i + 1] == '\n';
            if (ch < 0x20 && ch != '\n' && !crlf)
                fail_msg("report format %d: control byte 0x%02x at %zu of:\n%s", fmt, ch, i, out);
        }
        free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ctrl_punctuation_names_round_trip),
        cmocka_unit_test(test_status_cleans_an_unreadable_ts),
        cmocka_unit_test(test_csv_report_has_no_raw_controls),
    };
    return cmocka_run_group_tests(tests, NULL, test_tmpdirs_remove);
}
