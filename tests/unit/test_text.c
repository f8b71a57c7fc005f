/* text_clean / text_width: remote bytes in, safe UTF-8 out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/core/text.h"

#define FFFD "\xEF\xBF\xBD"

static char *clean(const char *in, size_t len)
{
    static char out[65536];
    text_clean(NULL, in, len, out, sizeof out);
    return out;
}

#define CLEAN(lit) clean(lit, sizeof(lit) - 1)

/* Strict UTF-8 validity, and nothing a terminal would obey: no C0 but
 * '\n', no DEL, no C1 (U+0080..U+009F). */
static int safe_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n') || c == 0x7F)
                return 0;
            i++;
            continue;
        }
        int need;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        else
            return 0;
        if (i + (size_t)need >= n)
            return 0;
        if (p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (int k = 2; k <= need; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return 0;
        if (c == 0xC2 && p[i + 1] <= 0x9F)
            return 0;   /* C1 control */
        i += (size_t)need + 1;
    }
    return 1;
}

static int count_fffd(const char *s)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, FFFD)); p += 3)
        n++;
    return n;
}

static void test_plain_and_controls(void **state)
{
    (void)state;
    assert_string_equal(CLEAN("hello, world"), "hello, world");
    assert_string_equal(CLEAN("a\tb"), "a b");
    assert_string_equal(CLEAN("line1\r\nline2\r\n"), "line1\nline2\n");
    assert_string_equal(CLEAN("bell\a back\bspace del\x7f nul\0x"), "bell backspace del nulx");
    assert_string_equal(CLEAN("\x01\x02\x0b\x0c\x0e\x1f"), "");
    assert_string_equal(CLEAN(""), "");
}

static void test_unicode_passes(void **state)
{
    (void)state;
    assert_string_equal(CLEAN("中文字 café"), "中文字 café");
    assert_string_equal(CLEAN("emoji \xF0\x9F\x98\x80!"), "emoji \xF0\x9F\x98\x80!");
    assert_string_equal(CLEAN("\xEF\xBF\xBD"), FFFD);          /* U+FFFD itself */
    assert_string_equal(CLEAN("\xF4\x8F\xBF\xBF"), "\xF4\x8F\xBF\xBF"); /* U+10FFFF */
    assert_string_equal(CLEAN("\xC2\xA0nbsp"), "\xC2\xA0nbsp");  /* U+00A0 is no C1 */
}

static void test_invalid_bytes(void **state)
{
    (void)state;
    assert_string_equal(CLEAN("bad:\xff\xfe"), "bad:" FFFD FFFD);
    /* 中文 in Big5 (a CP950 console): no valid UTF-8 in it */
    char *o = CLEAN("\xa4\xa4\xa4\xe5");
    assert_true(safe_utf8(o, strlen(o)));
    assert_int_equal(count_fffd(o), 4);
    o = CLEAN("\xa4\xa4\xa4\xe5 test \xb4\xfa\xb8\xd5 done");
    assert_true(safe_utf8(o, strlen(o)));
    assert_non_null(strstr(o, " test "));
    assert_non_null(strstr(o, " done"));
    /* overlong forms, surrogates, beyond U+10FFFF, lone continuation */
    assert_string_equal(CLEAN("\xC0\xAF"), FFFD FFFD);
    assert_string_equal(CLEAN("\xC1\xBF"), FFFD FFFD);
    assert_string_equal(CLEAN("\xE0\x80\xAF"), FFFD FFFD FFFD);
    assert_string_equal(CLEAN("\xF0\x80\x80\xAF"), FFFD FFFD FFFD FFFD);
    assert_string_equal(CLEAN("\xED\xA0\x80"), FFFD FFFD FFFD);
    assert_string_equal(CLEAN("\xED\xBF\xBF"), FFFD FFFD FFFD);
    assert_string_equal(CLEAN("\xF4\x90\x80\x80"), FFFD FFFD FFFD FFFD);
    assert_string_equal(CLEAN("\xF5\x80"), FFFD FFFD);
    assert_string_equal(CLEAN("\x80x"), FFFD "x");
    /* a sequence broken off by an ASCII byte: one U+FFFD, then the byte */
    assert_string_equal(CLEAN("\xE4\xB8x"), FFFD "x");
    assert_string_equal(CLEAN("\xE4\xB8"), FFFD);   /* cut at the end of a whole string */
}

static void test_c1_controls(void **state)
{
    (void)state;
    /* raw bytes 0x80..0x9F are invalid UTF-8 anyway */
    for (int b = 0x80; b <= 0x9F; b++) {
        char in[4] = {'a', (char)b, 'z', 0};
        assert_string_equal(clean(in, 3), "a" FFFD "z");
    }
    /* as UTF-8: dropped; the 8-bit CSI / OSC take their parameters along */
    assert_string_equal(CLEAN("a\xC2\x85z"), "az");              /* NEL */
    assert_string_equal(CLEAN("a\xC2\x9B" "31mred\xC2\x9B" "0m"), "ared");
    assert_string_equal(CLEAN("a\xC2\x9D" "0;title\x07z"), "az");
    assert_string_equal(CLEAN("a\xC2\x9D" "0;title\xC2\x9Cz"), "az");
    assert_string_equal(CLEAN("a\xC2\x90" "dcs\x1b\\z"), "az");
}

static void test_escape_sequences(void **state)
{
    (void)state;
    assert_string_equal(CLEAN("\x1b[31mred\x1b[0m plain"), "red plain");
    assert_string_equal(CLEAN("\x1b[2J\x1b[H\x1b[3J"), "");                  /* clear screen */
    assert_string_equal(CLEAN("\x1b[?1049h\x1b[?25lalt"), "alt");            /* alt screen */
    assert_string_equal(CLEAN("\x1b]0;pwned title\x07" "after"), "after");      /* retitle, BEL */
    assert_string_equal(CLEAN("\x1b]2;pwned\x1b\\after"), "after");          /* retitle, ST */
    assert_string_equal(CLEAN("\x1b]52;c;cm0gLXJmIH4=\x07x"), "x");          /* clipboard */
    assert_string_equal(CLEAN("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"), "link");
    assert_string_equal(CLEAN("\x1bPq#0;2;0;0;0\x1b\\x"), "x");              /* DCS sixel */
    assert_string_equal(CLEAN("\x1bXsos\x1b\\\x1b^pm\x1b\\\x1b_apc\x07x"), "x");
    assert_string_equal(CLEAN("\x1b" "creset"), "reset");                    /* RIS */
    assert_string_equal(CLEAN("\x1b(B\x1b)0\x1b#8x"), "x");                  /* nF */
    assert_string_equal(CLEAN("\x1b" "7\x1b" "8\x1b=\x1b>x"), "x");
    /* ESC before a control or non-ASCII is no sequence: the byte stays */
    assert_string_equal(CLEAN("a\x1b\nb"), "a\nb");
    assert_string_equal(CLEAN("a\x1b中"), "a中");
    /* a CSI aborted by a newline / another ESC */
    assert_string_equal(CLEAN("\x1b[12\nx"), "\nx");
    assert_string_equal(CLEAN("\x1b[12\x1b[31mx"), "x");
    /* ESC inside a string ends it and starts the next sequence */
    assert_string_equal(CLEAN("\x1b]0;t\x1b[31mx"), "x");
    /* CAN cancels a string */
    assert_string_equal(CLEAN("\x1b]0;t\x18x"), "x");
    /* a string sequence ends at a newline: the next line survives */
    assert_string_equal(CLEAN("\x1b]0;never ends\nnext line"), "\nnext line");
    /* non-ASCII in a title is swallowed with it */
    assert_string_equal(CLEAN("\x1b]0;中文\x07ok"), "ok");
}

static void test_unterminated_osc_is_bounded(void **state)
{
    (void)state;
    size_t n = 20000;
    char *in = malloc(n);
    memcpy(in, "\x1b]0;", 4);
    memset(in + 4, 'A', n - 4);
    char *out = malloc(3 * n + 1);
    size_t m = text_clean(NULL, in, n, out, 3 * n + 1);
    /* the first 4 KiB or so are dropped, the rest shows again */
    assert_true(m > 0);
    assert_true(m < n);
    assert_true(m > n - 4200);
    for (size_t i = 0; i < m; i++)
        assert_int_equal(out[i], 'A');
    /* same for an endless CSI parameter list */
    memcpy(in, "\x1b[", 2);
    memset(in + 2, '1', n - 2);
    m = text_clean(NULL, in, n, out, 3 * n + 1);
    assert_true(m > n - 4200 && m < n);
    free(in);
    free(out);
}

static void test_output_bound(void **state)
{
    (void)state;
    char out[16];
    memset(out, 'X', sizeof out);
    assert_int_equal(text_clean(NULL, "中文", 6, out, 4), 3);   /* one character fits */
    assert_string_equal(out, "中");
    assert_int_equal(out[4], 'X');
    assert_int_equal(text_clean(NULL, "中文", 6, out, 6), 3);   /* never half a character */
    assert_string_equal(out, "中");
    assert_int_equal(text_clean(NULL, "abc", 3, out, 1), 0);
    assert_string_equal(out, "");
    out[0] = 'X';
    assert_int_equal(text_clean(NULL, "abc", 3, out, 0), 0);
    assert_int_equal(out[0], 'X');
    /* once a character did not fit, a smaller one after it is not written */
    assert_int_equal(text_clean(NULL, "a中b", 5, out, 4), 1);
    assert_string_equal(out, "a");
    /* exact-size heap buffers: ASan sees any overrun */
    for (size_t outn = 1; outn < 40; outn++) {
        char *o = malloc(outn);
        size_t m = text_clean(NULL, "x\xff中\x1b[1m文\tz\xF0\x9F\x98\x80", 18, o, outn);
        assert_true(m < outn);
        assert_int_equal(strlen(o), m);
        assert_true(safe_utf8(o, m));
        free(o);
    }
}

/* Feeding the same bytes in pieces must give the same text as one call. */
static void feed_split(const char *in, size_t n, const size_t *cuts, int ncuts, char *out,
                       size_t outn)
{
    struct text_clean_state st;
    memset(&st, 0, sizeof st);
    size_t at = 0, o = 0;
    for (int k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : n;
        o += text_clean(&st, in + at, end - at, out + o, outn - o);
        at = end;
    }
    out[o] = 0;
}

static const char stream_sample[] =
    "ok \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80 \x1b[1;31mred\x1b[0m \x1b]0;title\x07"
    "t\tx\r\n\xff\xa4\xa4 \x1b]2;st\x1b\\\xC2\x9B" "2Jz \xC2\x9D" "x\xC2\x9C" "e\xE0\xA0\x80"
    " \x1bPdcs\x1b\\ \x1b(B\x1b" "c\xED\xA0\x80 end\n";

static void test_split_at_every_boundary(void **state)
{
    (void)state;
    size_t n = sizeof stream_sample - 1;
    char whole[1024], split[1024];
    text_clean(NULL, stream_sample, n, whole, sizeof whole);
    assert_true(safe_utf8(whole, strlen(whole)));
    assert_non_null(strstr(whole, "中文 \xF0\x9F\x98\x80 red t x\n"));
    assert_null(strstr(whole, "title"));
    /* one cut anywhere */
    for (size_t i = 0; i <= n; i++) {
        feed_split(stream_sample, n, &i, 1, split, sizeof split);
        assert_string_equal(split, whole);
    }
    /* two cuts anywhere */
    for (size_t i = 0; i <= n; i++)
        for (size_t j = i; j <= n; j++) {
            size_t cuts[2] = {i, j};
            feed_split(stream_sample, n, cuts, 2, split, sizeof split);
            assert_string_equal(split, whole);
        }
    /* one byte at a time */
    size_t cuts[sizeof stream_sample];
    for (size_t i = 0; i < n; i++)
        cuts[i] = i + 1;
    feed_split(stream_sample, n, cuts, (int)n - 1, split, sizeof split);
    assert_string_equal(split, whole);
}

/* Random bytes, biased toward the interesting ones: the output is always
 * safe, and splitting never changes it. */
static void test_random_bytes(void **state)
{
    (void)state;
    static const unsigned char pool[] = {0x1b, '[', ']', 'P', '\\', 0x07, '\n', '\r', '\t',
                                         0xC2, 0x9B, 0x9C, 0x9D, 0xE4, 0xB8, 0xAD, 0xF0,
                                         0x9F, 0x98, 0x80, 0xED, 0xA0, 0xff, 'a', '1', ';',
                                         'm', 0x18, 0x7f, 0x00};
    uint32_t seed = 12345;
    unsigned char in[256];
    char whole[1024], split[1024];
    for (int iter = 0; iter < 20000; iter++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % sizeof in;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            in[i] = (r & 1) ? pool[(r >> 1) % sizeof pool] : (unsigned char)(r >> 3);
        }
        /* end with a newline so no UTF-8 sequence is left pending */
        if (n > 0)
            in[n - 1] = '\n';
        size_t m = text_clean(NULL, (char *)in, n, whole, sizeof whole);
        assert_true(safe_utf8(whole, m));
        seed = seed * 1103515245u + 12345u;
        size_t cut = n ? (seed >> 16) % n : 0;
        feed_split((char *)in, n, &cut, 1, split, sizeof split);
        assert_string_equal(split, whole);
    }
}

static void test_state_garbage_is_tolerated(void **state)
{
    (void)state;
    struct text_clean_state st;
    memset(&st, 0x7f, sizeof st);   /* not zero-initialised as it should be */
    char out[64];
    size_t m = text_clean(&st, "abc\n", 4, out, sizeof out);
    assert_true(safe_utf8(out, m));
    st.npend = -3;
    st.esc = -1;
    m = text_clean(&st, "abc\n", 4, out, sizeof out);
    assert_string_equal(out, "abc\n");
}

static void test_width(void **state)
{
    (void)state;
    assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
    assert_int_equal(text_width(""), 0);
    assert_int_equal(text_width(NULL), 0);
    assert_int_equal(text_width("abc"), 3);
    assert_int_equal(text_width("中文"), 4);
    assert_int_equal(text_width("fe01 中文字"), 11);
    assert_int_equal(text_width("café"), 4);
    assert_int_equal(text_width("e\xCC\x81"), 1);                 /* combining acute */
    assert_int_equal(text_width("\xF0\x9F\x98\x80"), 2);           /* emoji */
    assert_int_equal(text_width(FFFD), 1);
    assert_int_equal(text_width("a\xff" "b"), 3);                  /* not decodable: 1 */
    assert_int_equal(text_width("\x01"), 1);                       /* unprintable: 1 */
    /* what text_clean makes of Big5 is measurable */
    assert_int_equal(text_width(CLEAN("\xa4\xa4\xa4\xe5")), 4);
    setlocale(LC_ALL, "C");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_controls),
        cmocka_unit_test(test_unicode_passes),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_c1_controls),
        cmocka_unit_test(test_escape_sequences),
        cmocka_unit_test(test_unterminated_osc_is_bounded),
        cmocka_unit_test(test_output_bound),
        cmocka_unit_test(test_split_at_every_boundary),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_state_garbage_is_tolerated),
        cmocka_unit_test(test_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
