/* outbuf: bounded per-server output lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/core/outbuf.h"

#define CONT "\xe2\x86\xaa "   /* what continuation pieces start with */
#define PARTIAL_MAX (sizeof ((struct pp_outbuf *)0)->partial - 1)

static int feeds(struct pp_outbuf *o, const char *s) { return outbuf_feed(o, s, strlen(s)); }

static void test_lines_and_partial(void **state)
{
    (void)state;
    struct pp_outbuf o;
    outbuf_init(&o, 10);
    assert_int_equal(outbuf_count(&o), 0);
    assert_string_equal(outbuf_last(&o), "");
    assert_string_equal(outbuf_line(&o, 0), "");
    assert_int_equal(feeds(&o, "progress 45%"), 0);
    assert_string_equal(outbuf_last(&o), "progress 45%");   /* no line yet: the partial */
    assert_int_equal(feeds(&o, "\na\r\nb\nc"), 3);
    assert_int_equal(outbuf_count(&o), 3);
    assert_string_equal(outbuf_line(&o, 0), "progress 45%");
    assert_string_equal(outbuf_line(&o, 1), "a");
    assert_string_equal(outbuf_line(&o, 2), "b");
    assert_string_equal(outbuf_line(&o, 3), "");
    assert_string_equal(outbuf_line(&o, -1), "");
    assert_string_equal(outbuf_last(&o), "b");              /* last complete line */
    assert_int_equal(feeds(&o, "\n\n"), 2);
    assert_string_equal(outbuf_line(&o, 3), "c");
    assert_string_equal(outbuf_last(&o), "");               /* an empty line is a line */
    assert_int_equal(o.dropped, 0);
    outbuf_free(&o);
    outbuf_free(&o);   /* twice is harmless */
}

static void test_ring_drops_oldest(void **state)
{
    (void)state;
    struct pp_outbuf o;
    outbuf_init(&o, 3);
    char line[32];
    for (int i = 0; i < 10; i++) {
        snprintf(line, sizeof line, "line %d\n", i);
        assert_int_equal(feeds(&o, line), 1);
    }
    assert_int_equal(outbuf_count(&o), 3);
    assert_int_equal(o.dropped, 7);
    assert_string_equal(outbuf_line(&o, 0), "line 7");
    assert_string_equal(outbuf_line(&o, 1), "line 8");
    assert_string_equal(outbuf_line(&o, 2), "line 9");
    assert_string_equal(outbuf_last(&o), "line 9");
    outbuf_free(&o);

    outbuf_init(&o, 0);   /* a zero capacity still keeps the last line */
    feeds(&o, "x\ny\n");
    assert_int_equal(outbuf_count(&o), 1);
    assert_string_equal(outbuf_last(&o), "y");
    assert_int_equal(o.dropped, 1);
    outbuf_free(&o);
}

static void test_cleaning(void **state)
{
    (void)state;
    struct pp_outbuf o;
    outbuf_init(&o, 10);
    feeds(&o, "\x1b]0;owned\x07\x1b[2J\x1b[31mred\x1b[0m\tok\r\n");
    feeds(&o, "\xa4\xa4\xa4\xe5\n");   /* Big5 */
    feeds(&o, "@@POOLPILOT-RESULT@@ ok\x1b[1A\x1b[2K\n");
    assert_string_equal(outbuf_line(&o, 0), "red ok");
    assert_string_equal(outbuf_line(&o, 1), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_string_equal(outbuf_line(&o, 2), "@@POOLPILOT-RESULT@@ ok");
    outbuf_free(&o);
}

/* Every way of cutting the stream in two gives the same lines. */
static void test_split_feeds(void **state)
{
    (void)state;
    static const char in[] = "one \xE4\xB8\xAD\xE6\x96\x87\r\n\x1b[1mtwo\x1b]0;t\x07\n"
                             "\xf0\x9f\x98\x80 three\n\xff four";
    size_t n = sizeof in - 1;
    for (size_t cut = 0; cut <= n; cut++) {
        struct pp_outbuf o;
        outbuf_init(&o, 8);
        int lines = outbuf_feed(&o, in, cut);
        lines += outbuf_feed(&o, in + cut, n - cut);
        assert_int_equal(lines, 3);
        assert_int_equal(outbuf_count(&o), 3);
        assert_string_equal(outbuf_line(&o, 0), "one 中文");
        assert_string_equal(outbuf_line(&o, 1), "two");
        assert_string_equal(outbuf_line(&o, 2), "\xf0\x9f\x98\x80 three");
        assert_string_equal(o.partial, "\xEF\xBF\xBD four");
        outbuf_free(&o);
    }
}

static void test_long_line_is_cut(void **state)
{
    (void)state;
    struct pp_outbuf o;
    outbuf_init(&o, 100);
    /* 5000 CJK characters, 15000 bytes: pieces end on character bounds */
    size_t n = 5000 * 3;
    char *in = malloc(n + 1);
    for (size_t i = 0; i < n; i += 3)
        memcpy(in + i, "中", 3);
    in[n] = '\n';
    int lines = outbuf_feed(&o, in, n + 1);
    assert_true(lines >= 4);
    assert_int_equal(lines, outbuf_count(&o));
    size_t total = 0;
    for (int i = 0; i < outbuf_count(&o); i++) {
        const char *l = outbuf_line(&o, i);
        size_t len = strlen(l);
        assert_true(len <= PARTIAL_MAX);
        if (i > 0) {
            assert_memory_equal(l, CONT, strlen(CONT));
            l += strlen(CONT);
            len -= strlen(CONT);
        } else {
            assert_memory_not_equal(l, CONT, strlen(CONT));
        }
        assert_true(len > 0);
        assert_int_equal(len % 3, 0);
        for (size_t k = 0; k < len; k += 3)
            assert_memory_equal(l + k, "中", 3);
        total += len;
    }
    assert_int_equal(total, n);
    assert_int_equal(o.npartial, 0);
    /* a line of exactly the partial size is one line, no continuation */
    char *exact = malloc(PARTIAL_MAX + 1);
    memset(exact, 'x', PARTIAL_MAX);
    exact[PARTIAL_MAX] = '\n';
    assert_int_equal(outbuf_feed(&o, exact, PARTIAL_MAX + 1), 1);
    assert_int_equal(strlen(outbuf_last(&o)), PARTIAL_MAX);
    free(exact);
    free(in);
    outbuf_free(&o);
}

/* 100 MB without a newline: memory stays bounded by the ring and the
 * partial buffer (what is kept is checked; ASan would see a leak). */
static void test_huge_line_bounded(void **state)
{
    (void)state;
    struct pp_outbuf o;
    outbuf_init(&o, 50);
    size_t chunk = 1 << 16;
    char *buf = malloc(chunk);
    for (size_t i = 0; i < chunk; i++)
        buf[i] = (char)('a' + i % 26);
    size_t total = 100u << 20;
    long lines = 0;
    for (size_t fed = 0; fed < total; fed += chunk) {
        lines += outbuf_feed(&o, buf, chunk);
        assert_true(o.npartial <= PARTIAL_MAX);
        assert_true(outbuf_count(&o) <= 50);
    }
    assert_true(lines > 20000);
    assert_int_equal(outbuf_count(&o), 50);
    assert_int_equal(o.dropped, (size_t)lines - 50);
    for (int i = 0; i < outbuf_count(&o); i++) {
        assert_true(strlen(outbuf_line(&o, i)) <= PARTIAL_MAX);
        assert_memory_equal(outbuf_line(&o, i), CONT, strlen(CONT));
    }
    assert_int_equal(feeds(&o, "\n"), 1);
    free(buf);
    outbuf_free(&o);
}

static void test_add_line(void **state)
{
    (void)state;
    struct pp_outbuf o;
    outbuf_init(&o, 4);
    feeds(&o, "remote\nhalf");
    outbuf_add_line(&o, "poolpilot: step timed out");
    outbuf_add_line(&o, "two\nlines\x1b[31m");
    outbuf_add_line(&o, NULL);
    assert_int_equal(outbuf_count(&o), 4);
    assert_string_equal(outbuf_line(&o, 0), "remote");
    assert_string_equal(outbuf_line(&o, 1), "poolpilot: step timed out");
    assert_string_equal(outbuf_line(&o, 2), "two lines");
    assert_string_equal(outbuf_line(&o, 3), "");
    feeds(&o, " done\n");
    assert_string_equal(outbuf_last(&o), "half done");
    /* an over-long message is cut at a character boundary */
    size_t n = 3 * 2000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i += 3)
        memcpy(big + i, "文", 3);
    big[n] = 0;
    outbuf_add_line(&o, big);
    size_t len = strlen(outbuf_last(&o));
    assert_true(len <= PARTIAL_MAX);
    assert_int_equal(len % 3, 0);
    assert_null(strstr(outbuf_last(&o), "\xEF\xBF\xBD"));
    free(big);
    outbuf_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_and_partial),
        cmocka_unit_test(test_ring_drops_oldest),
        cmocka_unit_test(test_cleaning),
        cmocka_unit_test(test_split_feeds),
        cmocka_unit_test(test_long_line_is_cut),
        cmocka_unit_test(test_huge_line_bounded),
        cmocka_unit_test(test_add_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
