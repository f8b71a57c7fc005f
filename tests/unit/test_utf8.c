/* backend/core/utf8.c, the one UTF-8 codec: every code point survives
 * encode -> decode, invalid input decodes to U+FFFD over exactly the bytes
 * utf8_seq calls its maximal invalid subpart, and the strict rules of
 * Unicode Table 3-7 (no overlongs, no surrogates, nothing above U+10FFFF). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "backend/core/utf8.h"

static void test_round_trip_every_code_point(void **st)
{
    (void)st;
    for (uint32_t cp = 1; cp <= 0x10ffff; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff)
            continue;
        char b[4];
        int n = utf8_encode(cp, b);
        size_t used, bad;
        bool inc;
        assert_int_equal(utf8_seq((const unsigned char *)b, (size_t)n, &bad, &inc), n);
        assert_int_equal(utf8_next(b, (size_t)n, &used), cp);
        assert_int_equal(used, n);
        uint32_t d;
        assert_int_equal(utf8_decode(b, (size_t)n, &d), n);
        assert_int_equal(d, cp);
    }
}

static void test_surrogates_and_range_refused(void **st)
{
    (void)st;
    char b[4];
    uint32_t cp;
    size_t used;
    /* encoding a surrogate or a value past U+10FFFF writes U+FFFD */
    assert_int_equal(utf8_encode(0xd800, b), 3);
    assert_memory_equal(b, "\xEF\xBF\xBD", 3);
    assert_int_equal(utf8_encode(0x110000, b), 3);
    /* ED A0 80 (a surrogate), C0 80 (overlong NUL), F4 90 80 80 (> U+10FFFF) */
    assert_int_equal(utf8_next("\xED\xA0\x80", 3, &used), 0xfffd);
    assert_int_equal(used, 1);
    assert_int_equal(utf8_next("\xC0\x80", 2, &used), 0xfffd);
    assert_int_equal(utf8_next("\xF4\x90\x80\x80", 4, &used), 0xfffd);
    assert_int_equal(utf8_decode("\xE0\x80\x80", 3, &cp), 1);
    assert_int_equal(cp, 0xfffd);
    /* a cut sequence: its valid prefix is one maximal subpart */
    assert_int_equal(utf8_next("\xE4\xB8", 2, &used), 0xfffd);
    assert_int_equal(used, 2);
}

/* Random bytes: utf8_next always advances, and by what utf8_seq says. */
static void test_random_bytes_agree(void **st)
{
    (void)st;
    srand(7);
    unsigned char buf[64];
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + (size_t)(rand() % (int)sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)(rand() % 4 ? 0x80 + rand() % 0x80 : rand() % 0x100);
        for (size_t i = 0; i < n;) {
            size_t used, bad;
            bool inc;
            uint32_t cp = utf8_next((const char *)buf + i, n - i, &used);
            size_t k = utf8_seq(buf + i, n - i, &bad, &inc);
            assert_true(used >= 1 && used <= n - i);
            assert_int_equal(used, k ? k : bad);
            if (!k)
                assert_int_equal(cp, 0xfffd);
            i += used;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_every_code_point),
        cmocka_unit_test(test_surrogates_and_range_refused),
        cmocka_unit_test(test_random_bytes_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
