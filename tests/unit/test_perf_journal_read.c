/* The fast paths of journal reading (journal_read.c, journal_json.c,
 * jsonstr.c): the word-at-a-time run of plain ASCII in jsonstr_parse, the
 * key switch in jrec_parse, the chunked reader (lines across window ends,
 * lines longer than the window) and the compact record store with its
 * budget (past it the rest is parsed again).  Each case is checked against
 * what the plain byte-by-byte rules give. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/journal/journal.h"
#include "backend/journal/journal_internal.h"
#include "backend/core/jsonstr.h"
#include "tests/unit/helpers.h"

/* ---- jsonstr_parse ---- */

/* Parses exactly the n bytes at s (copied to a buffer of that size, so an
 * over-read shows under ASan). */
static int parse_exact(const char *s, size_t n, char *out, size_t outn, size_t *declen,
                       size_t *stop, char *err, size_t errn)
{
    char *b = malloc(n ? n : 1);
    assert_non_null(b);
    memcpy(b, s, n);
    const char *p = b;
    int rc = jsonstr_parse(&p, b + n, out, outn, declen, err, errn);
    *stop = (size_t)(p - b);
    free(b);
    return rc;
}

static void test_plain_runs_every_length(void **state)
{
    (void)state;
    char lit[80], out[80], err[96];
    size_t dl, stop;
    /* every length around the 8-byte words, including DEL and the edges of
     * printable ASCII */
    for (size_t len = 0; len < 40; len++) {
        lit[0] = '"';
        for (size_t i = 0; i < len; i++)
            lit[1 + i] = (char)(i % 3 == 0 ? 0x20 : i % 3 == 1 ? 0x7F : 'a' + (int)(i % 26));
        lit[1 + len] = '"';
        assert_int_equal(parse_exact(lit, len + 2, out, sizeof out, &dl, &stop, err, sizeof err),
                         0);
        assert_int_equal(dl, len);
        assert_int_equal(stop, len + 2);
        assert_memory_equal(out, lit + 1, len);
        assert_int_equal(out[len], 0);
        /* no closing quote: unterminated, whatever the length */
        assert_int_equal(parse_exact(lit, len + 1, out, sizeof out, &dl, &stop, err, sizeof err),
                         -1);
        assert_string_equal(err, "unterminated string");
    }
}

static void test_run_then_special(void **state)
{
    (void)state;
    char lit[64], out[64], err[96];
    size_t dl, stop;
    /* a run of k plain bytes, then an escape, a UTF-8 character, a raw
     * control, invalid UTF-8, a lone backslash at the end */
    for (size_t k = 0; k < 20; k++) {
        memset(lit, 'x', sizeof lit);
        lit[0] = '"';
        memcpy(lit + 1 + k, "\\n\\\"\\u00e9\xC3\xA9y\"", 15);
        assert_int_equal(parse_exact(lit, 1 + k + 15, out, sizeof out, &dl, &stop, err,
                                     sizeof err), 0);
        assert_int_equal(dl, k + 7);
        assert_memory_equal(out + k, "\n\"\xC3\xA9\xC3\xA9y", 7);

        memcpy(lit + 1 + k, "\x1f\"", 2);
        assert_int_equal(parse_exact(lit, 1 + k + 2, out, sizeof out, &dl, &stop, err,
                                     sizeof err), -1);
        assert_string_equal(err, "raw control character 0x1f in a string");
        assert_int_equal(stop, 1 + k);

        memcpy(lit + 1 + k, "\xC3(\"", 3);   /* a lead byte, no continuation */
        assert_int_equal(parse_exact(lit, 1 + k + 3, out, sizeof out, &dl, &stop, err,
                                     sizeof err), -1);
        assert_string_equal(err, "invalid UTF-8 in a string");
        assert_int_equal(stop, 1 + k);

        memcpy(lit + 1 + k, "\x80\"", 2);    /* a lone continuation byte */
        assert_int_equal(parse_exact(lit, 1 + k + 2, out, sizeof out, &dl, &stop, err,
                                     sizeof err), -1);
        assert_int_equal(stop, 1 + k);

        memcpy(lit + 1 + k, "\xE2\x82", 2);  /* cut by the end of the input */
        assert_int_equal(parse_exact(lit, 1 + k + 2, out, sizeof out, &dl, &stop, err,
                                     sizeof err), -1);
        assert_string_equal(err, "invalid UTF-8 in a string");

        lit[1 + k] = '\\';                  /* a backslash as the last byte */
        assert_int_equal(parse_exact(lit, 1 + k + 1, out, sizeof out, &dl, &stop, err,
                                     sizeof err), -1);
        assert_string_equal(err, "unterminated string");
    }
}

static void test_run_longer_than_out(void **state)
{
    (void)state;
    char lit[64], out[16], err[96];
    size_t dl, stop;
    /* the decoded length is counted in full; out keeps what fits, as the
     * byte-by-byte copy did, and stays terminated */
    for (size_t outn = 1; outn <= sizeof out; outn++) {
        memset(lit, 'q', sizeof lit);
        lit[0] = '"';
        lit[41] = '"';
        memset(out, '#', sizeof out);
        assert_int_equal(parse_exact(lit, 42, out, outn, &dl, &stop, err, sizeof err), 0);
        assert_int_equal(dl, 40);
        assert_int_equal(stop, 42);
        for (size_t i = 0; i + 1 < outn; i++)
            assert_int_equal(out[i], 'q');
        assert_int_equal(out[outn - 1], 0);
        if (outn < sizeof out)
            assert_int_equal(out[outn], '#');   /* nothing written past outn */
    }
    /* outn 0: nothing written at all */
    out[0] = '#';
    assert_int_equal(parse_exact("\"abcdefghijkl\"", 14, out, 0, &dl, &stop, err, sizeof err), 0);
    assert_int_equal(dl, 12);
    assert_int_equal(out[0], '#');
}

/* ---- jrec_parse keys ---- */

static void test_every_key_to_its_field(void **state)
{
    (void)state;
    const char *line =
        "{\"detail\":\"d\",\"reason\":\"rs\",\"action\":\"a\",\"state\":\"st\",\"result\":\"rl\","
        "\"step\":\"sp\",\"server\":\"sv\",\"domain\":\"dm\",\"event\":\"ev\",\"operator\":\"op\","
        "\"ts\":\"t\",\"seq\":7}";
    struct pp_jrec r;
    char err[160];
    assert_int_equal(jrec_parse(line, strlen(line), &r, err, sizeof err), 0);
    assert_int_equal(r.seq, 7);
    assert_string_equal(r.ts, "t");
    assert_string_equal(r.operator_, "op");
    assert_string_equal(r.event, "ev");
    assert_string_equal(r.domain, "dm");
    assert_string_equal(r.server, "sv");
    assert_string_equal(r.step, "sp");
    assert_string_equal(r.result, "rl");
    assert_string_equal(r.state, "st");
    assert_string_equal(r.action, "a");
    assert_string_equal(r.reason, "rs");
    assert_string_equal(r.detail, "d");

    /* near misses of every length are unknown keys: skipped, not fields */
    const char *near[] = {"t", "Ts", "tS", "sEq", "seQ", "sep", "stop", "Step", "evenT", "stage",
                          "eveny", "domaim", "dotail", "detaim", "servet", "resulf", "reasom",
                          "rxsult", "actiom", "bction", "operatoR", "operators", "xx", "zzzzzz",
                          "zzzzz", "zzzzzzzz", "serve", "domains", ""};
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++) {
        char buf[200];
        snprintf(buf, sizeof buf, "{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",\"%s\":\"v\"}", near[i]);
        assert_int_equal(jrec_parse(buf, strlen(buf), &r, err, sizeof err), 0);
        assert_string_equal(r.ts, "t");
        assert_string_equal(r.event, "e");
        assert_string_equal(r.domain, "");
        assert_string_equal(r.detail, "");
        assert_string_equal(r.state, "");
        assert_string_equal(r.step, "");
    }
    /* a key is matched decoded: an escaped "seq" is seq, and a duplicate */
    const char *esc = "{\"\\u0073eq\":3,\"ts\":\"t\",\"ev\\u0065nt\":\"e\"}";
    assert_int_equal(jrec_parse(esc, strlen(esc), &r, err, sizeof err), 0);
    assert_int_equal(r.seq, 3);
    assert_string_equal(r.event, "e");
    const char *dup = "{\"seq\":3,\"ts\":\"t\",\"event\":\"e\",\"d\\u0065tail\":\"1\",\"detail\":\"2\"}";
    assert_int_equal(jrec_parse(dup, strlen(dup), &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "duplicate key \"detail\""));
    /* a key longer than any field's, sharing a prefix with one */
    const char *lng = "{\"seq\":3,\"ts\":\"t\",\"event\":\"e\",\"detailzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\":1}";
    assert_int_equal(jrec_parse(lng, strlen(lng), &r, err, sizeof err), 0);
    assert_string_equal(r.detail, "");
}

/* A value is copied in place when plain and short enough; else the full
 * reader decides: the same record or the same message either way. */
static void test_value_fast_path_edges(void **state)
{
    (void)state;
    struct pp_jrec r;
    char line[256], err[160];
    /* step is char[16]: 15 bytes fit, 16 do not, escaped or not */
    for (int n = 13; n <= 17; n++) {
        for (int esc = 0; esc < 2; esc++) {
            char v[64];
            memset(v, 'S', (size_t)n);
            v[n] = 0;
            snprintf(line, sizeof line, "{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",\"step\":\"%s%s\"}",
                     esc ? "\\u0041" : "", v + esc);
            int rc = jrec_parse(line, strlen(line), &r, err, sizeof err);
            if (n <= 15) {
                assert_int_equal(rc, 0);
                assert_int_equal(strlen(r.step), (size_t)n);
                assert_int_equal(r.step[0], esc ? 'A' : 'S');
            } else {
                assert_int_equal(rc, -1);
                char want[96];
                snprintf(want, sizeof want, "column 38: \"step\" is too long (%d bytes, at most 15)",
                         n);
                assert_string_equal(err, want);
            }
        }
    }
    /* a key or a value cut by the end of the line */
    const char *cut[] = {"{\"seq\":1,\"ts", "{\"seq\":1,\"ts\":\"2026", "{\"seq\":1,\"ts\":\"a\\"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jrec_parse(cut[i], strlen(cut[i]), &r, err, sizeof err), -1);
        assert_non_null(strstr(err, "unterminated string"));
    }
    /* a value with a raw control byte right after plain text */
    const char *ctl = "{\"seq\":1,\"ts\":\"t\",\"event\":\"abcdefghij\x01\"}";
    assert_int_equal(jrec_parse(ctl, strlen(ctl), &r, err, sizeof err), -1);
    assert_string_equal(err, "column 38: raw control character 0x01 in a string");
}

/* ---- reading whole files ---- */

struct coll {
    int n, cap;
    int refuse_at;          /* refuse the record with this seq (0: none) */
    struct pp_jrec *v;
};

static int coll_cb(void *ctx, const struct pp_jrec *r)
{
    struct coll *c = ctx;
    if (c->refuse_at && r->seq == c->refuse_at)
        return -1;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = realloc(c->v, (size_t)c->cap * sizeof *c->v);
        assert_non_null(c->v);
    }
    c->v[c->n++] = *r;
    return 0;
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* A journal of n records whose detail lengths vary (so lines fall across
 * every position of the 1 MiB window), with blank and CRLF lines. */
static char *make_journal(int n, size_t *len)
{
    size_t cap = (size_t)n * 700 + 64, l = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    for (int i = 1; i <= n; i++) {
        struct pp_jrec r;
        memset(&r, 0, sizeof r);
        r.seq = i;
        snprintf(r.ts, sizeof r.ts, "2026-11-27T07:00:00.%03dZ", i % 1000);
        snprintf(r.event, sizeof r.event, "%s", i % 2 ? "step-start" : "step-end");
        snprintf(r.server, sizeof r.server, "FE%04d.contoso.com", i % 37);
        if (i % 5)
            for (int k = 0; k < (i * 37) % 500; k++)
                r.detail[k] = (char)('a' + (i + k) % 26);
        if (i % 11 == 0)
            snprintf(r.reason, sizeof r.reason, "caf\xC3\xA9 \"q\" \\ tab\there");
        int w = jrec_format(&r, b + l, cap - l);
        assert_true(w > 0);
        l += (size_t)w;
        if (i % 97 == 0) {   /* this line in CRLF, then a blank line */
            b[l - 1] = '\r';
            memcpy(b + l, "\n  \t\n", 5);
            l += 5;
        }
    }
    b[l] = 0;   /* for strstr */
    *len = l;
    return b;
}

static void check_records(const struct coll *c, int n, int from)
{
    assert_int_equal(c->n, n);
    for (int i = 0; i < n; i++) {
        const struct pp_jrec *r = &c->v[i];
        int s = from + i;
        assert_int_equal(r->seq, s);
        assert_string_equal(r->event, s % 2 ? "step-start" : "step-end");
        assert_int_equal(strlen(r->detail), s % 5 ? (size_t)((s * 37) % 500) : 0);
        assert_string_equal(r->reason, s % 11 == 0 ? "caf\xC3\xA9 \"q\" \\ tab\there" : "");
        /* every byte after a value is zero, as jrec_parse leaves it */
        size_t dl = strlen(r->detail);
        for (size_t k = dl; k < sizeof r->detail; k++)
            assert_int_equal(r->detail[k], 0);
    }
}

static void test_many_records_across_windows(void **state)
{
    (void)state;
    char path[512], warn[512], err[512];
    size_t len;
    char *b = make_journal(6000, &len);   /* ~1.8 MB: the window refills */
    assert_true(len > (2u << 20) - (1u << 20));
    snprintf(path, sizeof path, "%s/many.jsonl", test_tmpdir());
    write_file(path, b, len);
    /* all kept / one 1 MiB block kept, the rest parsed again / none kept */
    size_t budgets[] = {(size_t)256 << 20, (size_t)1 << 20, 1, 0};
    for (size_t bi = 0; bi < 4; bi++) {
        jnl_arena_max = budgets[bi];
        struct coll c = {0};
        assert_int_equal(journal_read_file(path, coll_cb, &c, warn, sizeof warn, err, sizeof err), 0);
        assert_string_equal(warn, "");
        check_records(&c, 6000, 1);
        free(c.v);

        /* a refused record: its line, in the kept part and in the re-parsed part */
        for (int at = 1; at <= 6000; at += 2999) {
            struct coll d = {.refuse_at = at};
            assert_int_equal(journal_read_file(path, coll_cb, &d, warn, sizeof warn, err, sizeof err),
                             -1);
            int line = at + (at - 1) / 97;   /* a blank line after every 97th record */
            char want[600];
            snprintf(want, sizeof want, "%s:%d: record not accepted", path, line);
            assert_string_equal(err, want);
            assert_int_equal(d.n, at - 1);
            free(d.v);
        }
    }
    jnl_arena_max = (size_t)256 << 20;
    free(b);
}

static void test_corrupt_after_budget_hands_nothing_on(void **state)
{
    (void)state;
    char path[512], warn[512], err[512], want[600];
    size_t len;
    char *b = make_journal(6000, &len);   /* ~1.8 MB: more than one block */
    /* break record 5990's line: a corrupt line near the end of the file */
    char key[32];
    snprintf(key, sizeof key, "{\"seq\":5990,");
    char *at = strstr(b, key);
    assert_non_null(at);
    at[1] = 'x';
    snprintf(path, sizeof path, "%s/corrupt.jsonl", test_tmpdir());
    write_file(path, b, len);
    size_t budgets[] = {(size_t)256 << 20, (size_t)1 << 20, 0};
    for (size_t bi = 0; bi < 3; bi++) {
        jnl_arena_max = budgets[bi];
        struct coll c = {0};
        assert_int_equal(journal_read_file(path, coll_cb, &c, warn, sizeof warn, err, sizeof err),
                         -1);
        snprintf(want, sizeof want, "%s:%d: column 2: expected a key", path, 5990 + 5989 / 97);
        assert_string_equal(err, want);
        assert_int_equal(c.n, 0);   /* nothing handed on */
        free(c.v);
    }
    jnl_arena_max = (size_t)256 << 20;
    free(b);
}

static void test_empty_and_blank_files(void **state)
{
    (void)state;
    char path[512], warn[512], err[512];
    snprintf(path, sizeof path, "%s/empty.jsonl", test_tmpdir());
    const char *cases[] = {"", "\n", "  \r\n\t\n", "\r"};
    for (size_t i = 0; i < 4; i++) {
        write_file(path, cases[i], strlen(cases[i]));
        struct coll c = {0};
        assert_int_equal(journal_read_file(path, coll_cb, &c, warn, sizeof warn, err, sizeof err), 0);
        assert_int_equal(c.n, 0);
        assert_string_equal(warn, "");
    }
}

static const char *good2 =
    "{\"seq\":1,\"ts\":\"t\",\"event\":\"start\"}\n"
    "{\"seq\":2,\"ts\":\"t\",\"event\":\"note\"}\n";

/* good2, then a line of n bytes of c, then tail */
static char *with_long_line(size_t n, char c, const char *tail, size_t *len)
{
    size_t g = strlen(good2), t = strlen(tail);
    char *b = malloc(g + n + t + 1);
    assert_non_null(b);
    memcpy(b, good2, g);
    memset(b + g, c, n);
    memcpy(b + g + n, tail, t);
    *len = g + n + t;
    return b;
}

static void test_lines_longer_than_the_window(void **state)
{
    (void)state;
    char path[512], warn[1024], err[1024], want[1200];
    size_t len, sizes[] = {JLINE_MAX + 1, (1u << 20) - 80, (1u << 20) + 5, (3u << 20) + 1};
    snprintf(path, sizeof path, "%s/long.jsonl", test_tmpdir());
    for (size_t si = 0; si < 4; si++) {
        size_t n = sizes[si];
        /* in the middle: refused with its line */
        char *b = with_long_line(n, 'x', "\n{\"seq\":3,\"ts\":\"t\",\"event\":\"note\"}\n", &len);
        write_file(path, b, len);
        struct coll c = {0};
        assert_int_equal(journal_read_file(path, coll_cb, &c, warn, sizeof warn, err, sizeof err),
                         -1);
        snprintf(want, sizeof want, "%s:3: line longer than 64 KiB", path);
        assert_string_equal(err, want);
        assert_int_equal(c.n, 0);
        free(b);

        /* a long blank line (CRLF) in the middle: tolerated */
        b = with_long_line(n, ' ', "\r\n{\"seq\":3,\"ts\":\"t\",\"event\":\"note\"}\n", &len);
        write_file(path, b, len);
        assert_int_equal(journal_read_file(path, coll_cb, &c, warn, sizeof warn, err, sizeof err), 0);
        assert_int_equal(c.n, 3);
        assert_int_equal(c.v[2].seq, 3);
        free(c.v);
        c = (struct coll){0};
        free(b);

        /* last, no newline, blank lines after: torn, and replay cuts it off
         * keeping its exact bytes aside */
        b = with_long_line(n, 'y', "\n \n\n", &len);
        write_file(path, b, len);
        assert_int_equal(journal_read_file(path, coll_cb, &c, warn, sizeof warn, err, sizeof err), 0);
        assert_int_equal(c.n, 2);
        snprintf(want, sizeof want, "%s:3: torn last record ignored (line longer than 64 KiB)",
                 path);
        assert_non_null(strstr(warn, want));
        free(c.v);
        c = (struct coll){0};

        bool locked = false;
        struct pp_journal *j = journal_open(path, &locked, err, sizeof err);
        assert_non_null(j);
        assert_int_equal(journal_replay(j, coll_cb, &c, warn, sizeof warn, err, sizeof err), 0);
        assert_int_equal(c.n, 2);
        assert_int_equal(journal_last_seq(j), 2);
        journal_close(j);
        free(c.v);
        c = (struct coll){0};
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal((size_t)st.st_size, strlen(good2));
        char side[600];
        snprintf(side, sizeof side, "%s.torn-3", path);
        size_t sl;
        char *kept = test_read_file(side, &sl);
        assert_non_null(kept);
        assert_int_equal(sl, len - strlen(good2));
        assert_memory_equal(kept, b + strlen(good2), sl);
        free(kept);
        unlink(side);
        snprintf(side, sizeof side, "%s.lock", path);
        unlink(side);
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_runs_every_length),
        cmocka_unit_test(test_run_then_special),
        cmocka_unit_test(test_run_longer_than_out),
        cmocka_unit_test(test_every_key_to_its_field),
        cmocka_unit_test(test_value_fast_path_edges),
        cmocka_unit_test(test_many_records_across_windows),
        cmocka_unit_test(test_corrupt_after_budget_hands_nothing_on),
        cmocka_unit_test(test_empty_and_blank_files),
        cmocka_unit_test(test_lines_longer_than_the_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
