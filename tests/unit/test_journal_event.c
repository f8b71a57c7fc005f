/* The journal's one table of event names (PP_JOURNAL_EVENTS): every name
 * parses back to its event, nothing else parses to one, and README's list
 * of events for jq users names exactly these. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/journal/journal.h"

static void test_names_round_trip(void **st)
{
    (void)st;
    for (int ev = 1; ev < PP_JEV_COUNT; ev++) {
        const char *n = journal_event_name((enum pp_jev)ev);
        assert_true(n[0] != 0);
        assert_true(strlen(n) < sizeof ((struct pp_jrec *)0)->event);
        assert_int_equal(journal_event_parse(n), ev);
        for (int o = 1; o < ev; o++)
            assert_string_not_equal(n, journal_event_name((enum pp_jev)o));
    }
}

static void test_others(void **st)
{
    (void)st;
    const char *others[] = {"", "Start", "start ", "step", "step-", "stepend", "x", "zzz",
                            "stage-later", "-"};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++)
        assert_int_equal(journal_event_parse(others[i]), PP_JEV_OTHER);
    assert_int_equal(journal_event_parse(NULL), PP_JEV_OTHER);
    assert_string_equal(journal_event_name(PP_JEV_OTHER), "");
    assert_string_equal(journal_event_name(PP_JEV_COUNT), "");
}

/* README.md's "The journal" section lists the events as `name` words. */
static void test_readme_lists_every_event(void **st)
{
    (void)st;
    const char *src = getenv("PP_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/README.md", src);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    for (int ev = 1; ev < PP_JEV_COUNT; ev++) {
        char want[40];
        snprintf(want, sizeof want, "`%s`", journal_event_name((enum pp_jev)ev));
        if (!strstr(text, want))
            fail_msg("README.md never lists the journal event %s", want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_others),
        cmocka_unit_test(test_readme_lists_every_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
