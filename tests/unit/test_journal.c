/* The journal: JSON lines, locking, replay rules, durable append. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend/journal/journal.h"
#include "tests/unit/helpers.h"

static const char *tmpdir(void)
{
    const char *d = test_tmpdir();
    assert_non_null(d);
    return d;
}

/* ---- helpers ---- */

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path, size_t *len)
{
    char *p = test_read_file(path, len);
    assert_non_null(p);
    return p;
}

static void copy_vector(const char *name, const char *dst)
{
    char rel[256];
    size_t n;
    snprintf(rel, sizeof rel, "tests/vectors/journal/%s", name);
    char *p = slurp(test_src_path(rel), &n);
    write_file(dst, p, n);
    free(p);
}

struct collect {
    int n;
    long long seqs[256];
    struct pp_jrec last;
};

static int collect_cb(void *ctx, const struct pp_jrec *r)
{
    struct collect *c = ctx;
    if (c->n < 256)
        c->seqs[c->n] = r->seq;
    c->n++;
    c->last = *r;
    return 0;
}

/* Every line of the file ends with '\n', parses, and seqs increase. */
static int check_all_lines(const char *path)
{
    size_t len;
    char *p = slurp(path, &len);
    char err[256];
    long long last = 0;
    int lines = 0;
    size_t pos = 0;
    while (pos < len) {
        char *nl = memchr(p + pos, '\n', len - pos);
        assert_non_null(nl);   /* no partial last line */
        struct pp_jrec r;
        if (jrec_parse(p + pos, (size_t)(nl - p) - pos, &r, err, sizeof err) != 0)
            fail_msg("%s line %d: %s", path, lines + 1, err);
        assert_true(r.seq > last);
        last = r.seq;
        lines++;
        pos = (size_t)(nl - p) + 1;
    }
    free(p);
    return lines;
}

static struct pp_journal *open_replayed(const char *path, struct collect *c, char *warn,
                                        size_t warnn)
{
    bool locked = true;
    char err[512];
    struct pp_journal *j = journal_open(path, &locked, err, sizeof err);
    if (!j)
        fail_msg("journal_open: %s", err);
    assert_false(locked);
    if (journal_replay(j, collect_cb, c, warn, warnn, err, sizeof err) != 0)
        fail_msg("journal_replay: %s", err);
    return j;
}

static void simple_rec(struct pp_jrec *r, const char *event, const char *detail)
{
    memset(r, 0, sizeof *r);
    snprintf(r->event, sizeof r->event, "%s", event);
    snprintf(r->operator_, sizeof r->operator_, "jdoe");
    snprintf(r->detail, sizeof r->detail, "%s", detail);
}

/* ---- the checksum chain (issue 14 class 8) ---- */

/* Writes n chained records to path through the journal; returns the file's
 * text (caller frees). */
static char *chained_journal(const char *path, int n)
{
    struct collect c = {0};
    char warn[512], err[512];
    unlink(path);
    struct pp_journal *j = open_replayed(path, &c, warn, sizeof warn);
    for (int i = 0; i < n; i++) {
        struct pp_jrec r;
        simple_rec(&r, i == 0 ? "start" : "step-end", "fine");
        assert_int_equal(journal_append(j, &r, err, sizeof err), 0);
        assert_int_equal(strlen(r.chk), 16);
    }
    journal_close(j);
    size_t len;
    return slurp(path, &len);
}

/* Resumes path: 0, or -1 with err (must mention want). */
static int resume_refused(const char *path, const char *want)
{
    bool locked = false;
    char err[1024] = "", warn[512];
    struct pp_journal *j = journal_open(path, &locked, err, sizeof err);
    assert_non_null(j);
    int rc = journal_replay(j, NULL, NULL, warn, sizeof warn, err, sizeof err);
    journal_close(j);
    if (want) {
        if (rc == 0 || !strstr(err, want))
            fail_msg("want a refusal with \"%s\", got rc %d: %s", want, rc, err);
    }
    return rc;
}

static void test_chain_refuses_cut_edited_and_glued_journals(void **state)
{
    (void)state;
    char path[512], want[640], warn[1024], err[512];
    snprintf(path, sizeof path, "%s/chain.jsonl", tmpdir());
    char *text = chained_journal(path, 4);
    char *l[5] = {0};
    int n = 0;
    for (char *p = text; *p && n < 5; n++) {
        l[n] = p;
        p = strchr(p, '\n') + 1;
    }
    assert_int_equal(n, 4);
    size_t len[4];
    for (int i = 0; i < 4; i++)
        len[i] = (size_t)(strchr(l[i], '\n') + 1 - l[i]);

    /* intact: resumes, and what is appended after a resume chains on */
    assert_int_equal(resume_refused(path, NULL), 0);
    struct collect c = {0};
    struct pp_journal *j = open_replayed(path, &c, warn, sizeof warn);
    struct pp_jrec r;
    simple_rec(&r, "resume", "");
    assert_int_equal(journal_append(j, &r, err, sizeof err), 0);
    journal_close(j);
    assert_int_equal(resume_refused(path, NULL), 0);

    /* a record cut from the middle */
    FILE *f = fopen(path, "wb");
    fwrite(l[0], 1, len[0], f);
    fwrite(l[1], 1, len[1], f);
    fwrite(l[3], 1, len[3], f);
    fclose(f);
    snprintf(want, sizeof want, "%s:3: the journal's checksum chain breaks here", path);
    resume_refused(path, want);
    /* ... still read for --replay / --status, flagged */
    assert_int_equal(journal_read_file(path, NULL, NULL, warn, sizeof warn, err, sizeof err), 0);
    snprintf(want, sizeof want, "%s:3: FLAGGED", path);
    assert_non_null(strstr(warn, want));

    /* a record edited by hand (its detail changed, seq and chk kept) */
    f = fopen(path, "wb");
    fwrite(l[0], 1, len[0], f);
    char *ed = strstr(l[1], "\"fine\"");
    assert_non_null(ed);
    fwrite(l[1], 1, (size_t)(ed - l[1]), f);
    fputs("\"fake\"", f);
    fwrite(ed + 6, 1, len[1] - (size_t)(ed + 6 - l[1]), f);
    fwrite(l[2], 1, len[2], f);
    fclose(f);
    snprintf(want, sizeof want, "%s:2: the journal's checksum chain breaks here", path);
    resume_refused(path, want);

    /* a forged record glued on by hand, with and without a checksum */
    f = fopen(path, "wb");
    fwrite(text, 1, len[0] + len[1] + len[2] + len[3], f);
    fputs("{\"seq\":5,\"ts\":\"t\",\"event\":\"domain-done\",\"domain\":\"UD1\"}\n", f);
    fclose(f);
    snprintf(want, sizeof want, "%s:5: the journal's checksum chain breaks here: a record "
             "without a checksum follows checksummed ones", path);
    resume_refused(path, want);
    f = fopen(path, "wb");
    fwrite(text, 1, len[0] + len[1] + len[2] + len[3], f);
    fputs("{\"seq\":5,\"ts\":\"t\",\"event\":\"domain-done\",\"chk\":\"0123456789abcdef\"}\n",
          f);
    fclose(f);
    snprintf(want, sizeof want, "%s:5:", path);
    resume_refused(path, want);

    /* the start of another journal glued on this one's end */
    f = fopen(path, "wb");
    fwrite(text, 1, len[0] + len[1] + len[2] + len[3], f);
    char *again = strstr(l[0], "\"seq\":1");
    assert_non_null(again);
    fputs("{\"seq\":5", f);
    fwrite(again + 7, 1, len[0] - (size_t)(again + 7 - l[0]), f);
    fclose(f);
    snprintf(want, sizeof want, "%s:5:", path);
    resume_refused(path, want);

    /* a journal written before the chain (no chk at all) still resumes */
    const char *legacy = "{\"seq\":1,\"ts\":\"t\",\"event\":\"start\"}\n"
                         "{\"seq\":2,\"ts\":\"t\",\"event\":\"readiness\"}\n";
    write_file(path, legacy, strlen(legacy));
    assert_int_equal(resume_refused(path, NULL), 0);
    free(text);
}

/* Issue 14 class 6: the lock is keyed by the pool, not by the journal's
 * path: a second console on the same pool with another --journal is
 * refused before it writes anything, starting or resuming. */
static void test_pool_lock_whatever_the_journal_path(void **state)
{
    (void)state;
    char a[512], b[512], st[512], err[512], warn[512];
    snprintf(st, sizeof st, "%s/poolstate", tmpdir());
    char *old = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    setenv("XDG_STATE_HOME", st, 1);
    snprintf(a, sizeof a, "%s/one.jsonl", tmpdir());
    snprintf(b, sizeof b, "%s/two.jsonl", tmpdir());
    unlink(a);
    unlink(b);
    struct collect c = {0};
    struct pp_journal *ja = open_replayed(a, &c, warn, sizeof warn);
    struct pp_jrec r;
    simple_rec(&r, "start", "pool pool01.contoso.com profile lync2013 mode graceful, 8 Front Ends");
    assert_int_equal(journal_append(ja, &r, err, sizeof err), 0);

    struct pp_journal *jb = open_replayed(b, &c, warn, sizeof warn);
    simple_rec(&r, "start", "pool POOL01.contoso.com profile lync2013 mode graceful, 8 Front Ends");
    assert_int_equal(journal_append(jb, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "pool POOL01.contoso.com is in use by another poolpilot console"));
    assert_int_equal(journal_last_seq(jb), 0);   /* nothing written */
    /* another pool is not held */
    simple_rec(&r, "start", "pool pool02.contoso.com profile lync2013 mode graceful, 8 Front Ends");
    assert_int_equal(journal_append(jb, &r, err, sizeof err), 0);
    journal_close(jb);

    /* resuming a copy of pool01's journal under another path: refused too */
    size_t len;
    char *text = slurp(a, &len);
    write_file(b, text, len);
    free(text);
    bool locked = false;
    jb = journal_open(b, &locked, err, sizeof err);
    assert_non_null(jb);
    assert_int_equal(journal_replay(jb, NULL, NULL, warn, sizeof warn, err, sizeof err), -1);
    assert_non_null(strstr(err, "pool pool01.contoso.com is in use"));
    journal_close(jb);

    /* the first console gone, the pool is free */
    journal_close(ja);
    memset(&c, 0, sizeof c);
    jb = open_replayed(b, &c, warn, sizeof warn);
    assert_int_equal(c.n, 1);
    journal_close(jb);
    if (old) {
        setenv("XDG_STATE_HOME", old, 1);
        free(old);
    } else {
        unsetenv("XDG_STATE_HOME");
    }
}

/* ---- format / parse ---- */

static void test_roundtrip_all_fields(void **state)
{
    (void)state;
    struct pp_jrec r = {0}, back;
    char line[8192], err[256];
    r.seq = 42;
    strcpy(r.ts, "2026-11-27T07:14:24.123Z");
    strcpy(r.operator_, "jdoe");
    strcpy(r.event, "step-end");
    strcpy(r.domain, "UpgradeDomain1");
    strcpy(r.server, "fe01.contoso.com");
    strcpy(r.step, "drain");
    strcpy(r.result, "ok");
    strcpy(r.state, "Ready");
    strcpy(r.action, "skip");
    strcpy(r.reason, "quote \" backslash \\ slash / newline \n tab \t cr \r bell \a esc \x1b del \x7f");
    strcpy(r.detail, "C1 \xc2\x85 next, \xe2\x80\xa8 LS, 中文 \xe5\x8d\x87\xe7\xb4\x9a, emoji \xf0\x9f\x98\x80");
    int n = jrec_format(&r, line, sizeof line);
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(line));
    assert_int_equal(line[n - 1], '\n');
    assert_null(memchr(line, '\n', (size_t)n - 1));   /* one line */
    /* key order as journal.h shows */
    const char *head = "{\"seq\":42,\"ts\":\"2026-11-27T07:14:24.123Z\",\"operator\":\"jdoe\","
                       "\"event\":\"step-end\",\"domain\":";
    assert_true(strncmp(line, head, strlen(head)) == 0);
    const char *keys[] = {"\"seq\"", "\"ts\"", "\"operator\"", "\"event\"", "\"domain\"",
                          "\"server\"", "\"step\"", "\"result\"", "\"state\"", "\"action\"",
                          "\"reason\"", "\"detail\""};
    const char *prev = line;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *k = strstr(line, keys[i]);
        assert_non_null(k);
        assert_true(k >= prev);
        prev = k;
    }
    /* escapes as promised: controls as \u00XX, C1 too; UTF-8 passed through */
    assert_non_null(strstr(line, "quote \\\" backslash \\\\ slash / newline \\u000a tab \\u0009"));
    assert_non_null(strstr(line, "bell \\u0007 esc \\u001b del \\u007f"));
    assert_non_null(strstr(line, "C1 \\u0085 next"));
    assert_non_null(strstr(line, "中文"));
    assert_non_null(strstr(line, "\xf0\x9f\x98\x80"));
    assert_int_equal(jrec_parse(line, (size_t)n, &back, err, sizeof err), 0);
    assert_memory_equal(&r, &back, sizeof r);
}

static void test_format_repairs_utf8(void **state)
{
    (void)state;
    struct pp_jrec r = {0}, back;
    char line[4096], err[256];
    r.seq = 1;
    strcpy(r.ts, "t");
    strcpy(r.event, "note");
    /* invalid byte, overlong, surrogate, and a cut last character */
    strcpy(r.reason, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe4\xb8");
    assert_true(jrec_format(&r, line, sizeof line) > 0);
    assert_int_equal(jrec_parse(line, strlen(line), &back, err, sizeof err), 0);
    assert_string_equal(back.reason, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c"
                                     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "d");
}

static void test_format_refuses(void **state)
{
    (void)state;
    struct pp_jrec r = {0};
    char line[4096], big[16384];
    r.seq = 1;
    strcpy(r.ts, "t");
    strcpy(r.event, "note");
    assert_true(jrec_format(&r, line, sizeof line) > 0);
    assert_int_equal(jrec_format(&r, line, 10), -1);            /* buffer too small */
    r.seq = 0;
    assert_int_equal(jrec_format(&r, line, sizeof line), -1);   /* no seq */
    r.seq = 1;
    r.event[0] = 0;
    assert_int_equal(jrec_format(&r, line, sizeof line), -1);   /* no event */
    strcpy(r.event, "note");
    /* 511 invalid bytes grow to 1533 bytes of U+FFFD: no longer fits */
    memset(r.reason, 0xff, sizeof r.reason - 1);
    assert_int_equal(jrec_format(&r, big, sizeof big), -1);
    /* 511 plain bytes fit exactly */
    memset(r.reason, 'x', sizeof r.reason - 1);
    assert_true(jrec_format(&r, big, sizeof big) > 0);
}

static void expect_parse_error(const char *line, const char *needle)
{
    struct pp_jrec r;
    char err[256] = "";
    if (jrec_parse(line, strlen(line), &r, err, sizeof err) == 0)
        fail_msg("parsed, should not: %s", line);
    if (!strstr(err, needle))
        fail_msg("error for %s is \"%s\", expected it to mention \"%s\"", line, err, needle);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("", "expected '{'");
    expect_parse_error("[1]", "expected '{'");
    expect_parse_error("{}", "missing \"seq\"");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\"}", "missing \"event\"");
    expect_parse_error("{\"seq\":1,\"event\":\"e\"}", "missing \"ts\"");
    expect_parse_error("{\"seq\":1,\"ts\":\"\",\"event\":\"e\"}", "missing \"ts\"");
    expect_parse_error("{\"seq\":0,\"ts\":\"t\",\"event\":\"e\"}", "positive integer");
    expect_parse_error("{\"seq\":-3,\"ts\":\"t\",\"event\":\"e\"}", "positive integer");
    expect_parse_error("{\"seq\":1.5,\"ts\":\"t\",\"event\":\"e\"}", "positive integer");
    expect_parse_error("{\"seq\":1e3,\"ts\":\"t\",\"event\":\"e\"}", "positive integer");
    expect_parse_error("{\"seq\":\"1\",\"ts\":\"t\",\"event\":\"e\"}", "positive integer");
    expect_parse_error("{\"seq\":99999999999999999999,\"ts\":\"t\",\"event\":\"e\"}", "too large");
    expect_parse_error("{\"seq\":1,\"seq\":2,\"ts\":\"t\",\"event\":\"e\"}", "duplicate key \"seq\"");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",\"event\":\"f\"}",
                       "duplicate key \"event\"");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":7}", "\"event\" must be a string");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"e\"} x", "unexpected text");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"e\"", "expected ',' or '}'");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",}", "expected a key");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"a\tb\"}", "raw control character");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"a\xff\"}", "invalid UTF-8");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"\\ud800\"}", "lone surrogate");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"\\udc00x\"}", "lone surrogate");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"\\u0000\"}", "\\u0000");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"\\x\"}", "bad escape");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"\\u12\"}", "bad \\u escape");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",\"x\":tru}", "bad value");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",\"x\":01}", "expected ',' or '}'");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",\"x\":[1,}", "bad value");
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",\"x\":{\"a\" 1}}", "expected ':'");
    /* the column is part of the message */
    expect_parse_error("{\"seq\":1,\"ts\":\"t\",\"event\":\"e\"} x", "column 32");
}

static void test_parse_lenient_where_it_should_be(void **state)
{
    (void)state;
    struct pp_jrec r;
    char err[256];
    /* unknown keys of every JSON kind, whitespace, CR, escapes, key order */
    const char *line =
        " { \"future\" : {\"a\":[1,2.5e-3,true,null,{\"b\":\"c\"}],\"d\":false} ,"
        "\"event\":\"note\", \"seq\" : 7 ,\"ts\":\"2026-01-01T00:00:00.000Z\","
        "\"n\":-0.5E+2,\"reason\":\"\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\\"\\\\\"}\r";
    assert_int_equal(jrec_parse(line, strlen(line), &r, err, sizeof err), 0);
    assert_int_equal(r.seq, 7);
    assert_string_equal(r.event, "note");
    assert_string_equal(r.reason, "\xc3\xa9\xf0\x9f\x98\x80/\b\f\n\r\t\"\\");
}

static void test_parse_too_long(void **state)
{
    (void)state;
    struct pp_jrec r;
    char err[256], line[8192];
    char val[600];
    /* 511 bytes fit the reason field; 512 are refused, never cut */
    memset(val, 'x', 511);
    val[511] = 0;
    snprintf(line, sizeof line, "{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",\"reason\":\"%s\"}", val);
    assert_int_equal(jrec_parse(line, strlen(line), &r, err, sizeof err), 0);
    assert_int_equal(strlen(r.reason), 511);
    snprintf(line, sizeof line, "{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",\"reason\":\"%sy\"}", val);
    expect_parse_error(line, "\"reason\" is too long (512 bytes, at most 511)");
    /* escapes count as what they decode to: 256 x U+00E9 = 512 bytes */
    char *p = line + sprintf(line, "{\"seq\":1,\"ts\":\"t\",\"event\":\"e\",\"step\":\"");
    for (int i = 0; i < 16; i++)
        p += sprintf(p, "\\u00e9");
    strcpy(p, "\"}");
    expect_parse_error(line, "\"step\" is too long (32 bytes, at most 15)");
}

static void test_format_ts(void **state)
{
    (void)state;
    char b[40];
    journal_format_ts(0, b, sizeof b);
    assert_string_equal(b, "1970-01-01T00:00:00.000Z");
    journal_format_ts(1795763664123LL, b, sizeof b);
    assert_string_equal(b, "2026-11-27T07:14:24.123Z");
    journal_format_ts(-1, b, sizeof b);
    assert_string_equal(b, "1969-12-31T23:59:59.999Z");
}

/* Every line of the realistic vector formats back to itself. */
static void test_vector_reformats_identically(void **state)
{
    (void)state;
    size_t len;
    char *p = slurp(test_src_path("tests/vectors/journal/good.jsonl"), &len);
    char line[8192], err[256];
    int n = 0;
    for (char *s = p, *nl; (nl = strchr(s, '\n')); s = nl + 1, n++) {
        struct pp_jrec r;
        assert_int_equal(jrec_parse(s, (size_t)(nl - s), &r, err, sizeof err), 0);
        int k = jrec_format(&r, line, sizeof line);
        assert_int_equal(k, nl - s + 1);
        assert_memory_equal(line, s, (size_t)k);
    }
    assert_int_equal(n, 68);
    free(p);
}

/* ---- files ---- */

static void test_append_reopen_replay(void **state)
{
    (void)state;
    const char *dir = tmpdir();
    char path[512], warn[1024], err[512];
    struct collect c = {0};
    struct stat st;
    snprintf(path, sizeof path, "%s/new/deeper/pool.jsonl", dir);

    struct pp_journal *j = open_replayed(path, &c, warn, sizeof warn);
    assert_int_equal(c.n, 0);
    assert_string_equal(warn, "");
    assert_int_equal(journal_last_seq(j), 0);
    assert_string_equal(journal_path(j), path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char sub[512];
    snprintf(sub, sizeof sub, "%s/new/deeper", dir);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    for (int i = 0; i < 5; i++) {
        struct pp_jrec r;
        simple_rec(&r, "note", "line\nwith \"quotes\" and 中文");
        assert_int_equal(journal_append(j, &r, err, sizeof err), 0);
        assert_int_equal(r.seq, i + 1);
        /* ts set by the journal: RFC 3339 UTC with milliseconds */
        assert_int_equal(strlen(r.ts), 24);
        assert_int_equal(r.ts[10], 'T');
        assert_int_equal(r.ts[19], '.');
        assert_int_equal(r.ts[23], 'Z');
    }
    /* a ts the caller set is kept */
    struct pp_jrec r;
    simple_rec(&r, "note", "");
    strcpy(r.ts, "2030-01-01T00:00:00.000Z");
    assert_int_equal(journal_append(j, &r, err, sizeof err), 0);
    journal_close(j);

    char lockinfo[600];
    snprintf(lockinfo, sizeof lockinfo, "%s.lock", path);
    assert_int_equal(access(lockinfo, F_OK), -1);   /* a clean close removes the label */

    memset(&c, 0, sizeof c);
    j = open_replayed(path, &c, warn, sizeof warn);
    assert_int_equal(c.n, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(c.seqs[i], i + 1);
    assert_string_equal(c.last.ts, "2030-01-01T00:00:00.000Z");
    assert_int_equal(journal_last_seq(j), 6);
    simple_rec(&r, "note", "after reopen");
    assert_int_equal(journal_append(j, &r, err, sizeof err), 0);
    assert_int_equal(r.seq, 7);
    journal_close(j);
    assert_int_equal(check_all_lines(path), 7);

    /* the read-only reader sees the same */
    memset(&c, 0, sizeof c);
    assert_int_equal(journal_read_file(path, collect_cb, &c, warn, sizeof warn, err, sizeof err), 0);
    assert_int_equal(c.n, 7);
    assert_string_equal(c.last.detail, "after reopen");
}

static void test_append_needs_replay_and_fitting_record(void **state)
{
    (void)state;
    const char *dir = tmpdir();
    char path[512], err[512], warn[512];
    bool locked;
    struct pp_jrec r;
    snprintf(path, sizeof path, "%s/j.jsonl", dir);
    struct pp_journal *j = journal_open(path, &locked, err, sizeof err);
    assert_non_null(j);
    simple_rec(&r, "note", "x");
    assert_int_equal(journal_append(j, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "before replay"));
    assert_int_equal(journal_replay(j, NULL, NULL, warn, sizeof warn, err, sizeof err), 0);
    assert_int_equal(journal_append(j, &r, err, sizeof err), 0);

    /* a record that cannot be read back is refused; its seq is not used up */
    simple_rec(&r, "note", "");
    memset(r.reason, 0xfe, sizeof r.reason - 1);
    assert_int_equal(journal_append(j, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "too long"));
    assert_non_null(strstr(err, path));
    assert_int_equal(r.seq, 0);
    assert_string_equal(r.ts, "");
    simple_rec(&r, "", "");
    assert_int_equal(journal_append(j, &r, err, sizeof err), -1);
    simple_rec(&r, "note", "ok");
    assert_int_equal(journal_append(j, &r, err, sizeof err), 0);
    assert_int_equal(r.seq, 2);
    journal_close(j);
    assert_int_equal(check_all_lines(path), 2);
}

/* The lock: another process holds it; a crash releases it; the label
 * left behind is reported as stale and taken over. */
static void test_lock_other_process_and_crash(void **state)
{
    (void)state;
    const char *dir = tmpdir();
    char path[512], err[512], warn[1024], info[512];
    int ready[2], go[2];
    snprintf(path, sizeof path, "%s/locked.jsonl", dir);
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        bool lk;
        char e[512], w[512], b;
        close(ready[0]);
        close(go[1]);
        struct pp_journal *j = journal_open(path, &lk, e, sizeof e);
        if (!j || journal_replay(j, NULL, NULL, w, sizeof w, e, sizeof e) != 0)
            _exit(2);
        if (write(ready[1], "r", 1) != 1)
            _exit(3);
        if (read(go[0], &b, 1) < 0)
            _exit(4);
        _exit(0);   /* a "crash": no journal_close, the label stays */
    }
    close(ready[1]);
    close(go[0]);
    char b;
    assert_int_equal(read(ready[0], &b, 1), 1);

    bool locked = false;
    struct pp_journal *j = journal_open(path, &locked, err, sizeof err);
    assert_null(j);
    assert_true(locked);
    char want[64];
    snprintf(want, sizeof want, "pid %ld,", (long)pid);
    if (!strstr(err, want) || !strstr(err, "in use"))
        fail_msg("lock message \"%s\" does not name pid %ld", err, (long)pid);
    assert_int_equal(journal_holder(path, info, sizeof info), pid);
    assert_non_null(strstr(info, want));

    /* the holder dies without closing */
    assert_int_equal(write(go[1], "g", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(ready[0]);
    close(go[1]);
    assert_int_equal(journal_holder(path, info, sizeof info), 0);

    struct collect c = {0};
    j = open_replayed(path, &c, warn, sizeof warn);
    if (!strstr(warn, "stale lock") || !strstr(warn, want) || !strstr(warn, "gone"))
        fail_msg("stale-lock warning \"%s\" does not name pid %ld", warn, (long)pid);
    /* the label now names us */
    snprintf(want, sizeof want, "pid %ld,", (long)getpid());
    assert_int_equal(journal_holder(path, info, sizeof info), getpid());
    assert_non_null(strstr(info, want));

    /* a second open in the same process is refused too */
    struct pp_journal *j2 = journal_open(path, &locked, err, sizeof err);
    assert_null(j2);
    assert_true(locked);
    journal_close(j);
    assert_int_equal(journal_holder(path, info, sizeof info), 0);
}

static void test_stale_label_of_dead_pid(void **state)
{
    (void)state;
    const char *dir = tmpdir();
    char path[512], lock[600], label[512], host[256] = "", warn[1024];
    snprintf(path, sizeof path, "%s/stale.jsonl", dir);
    snprintf(lock, sizeof lock, "%s.lock", path);
    /* a pid that surely is dead: a child we reaped */
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    gethostname(host, sizeof host - 1);
    int n = snprintf(label, sizeof label, "pid=%ld\nhost=%s\noperator=ghost\nstarted=2026-01-01T00:00:00.000Z\n",
                     (long)pid, host);
    write_file(lock, label, (size_t)n);
    assert_int_equal(journal_holder(path, NULL, 0), 0);
    /* a label from another machine cannot be checked: assumed to run */
    char other[600];
    n = snprintf(other, sizeof other, "pid=%ld\nhost=elsewhere.invalid\noperator=remote\n",
                 (long)pid);
    write_file(lock, other, (size_t)n);
    char info[512];
    assert_int_equal(journal_holder(path, info, sizeof info), pid);
    assert_non_null(strstr(info, "remote on elsewhere.invalid"));
    write_file(lock, label, strlen(label));

    struct collect c = {0};
    struct pp_journal *j = open_replayed(path, &c, warn, sizeof warn);
    assert_non_null(strstr(warn, "stale lock"));
    assert_non_null(strstr(warn, "ghost"));
    assert_non_null(strstr(warn, "that process is gone"));
    assert_non_null(strstr(warn, "taken over"));
    char *txt = slurp(lock, NULL);
    char mine[64];
    snprintf(mine, sizeof mine, "pid=%ld\n", (long)getpid());
    assert_non_null(strstr(txt, mine));
    free(txt);
    /* said once, not on every replay */
    assert_int_equal(journal_replay(j, NULL, NULL, warn, sizeof warn, other, sizeof other), 0);
    assert_string_equal(warn, "");
    journal_close(j);
}

static void torn_case(const char *vector, int torn_line)
{
    const char *dir = tmpdir();
    char path[512], side[600], warn[2048], err[512], want[2048];
    size_t len0, len1, slen;
    snprintf(path, sizeof path, "%s/torn.jsonl", dir);
    copy_vector(vector, path);
    char *orig = slurp(path, &len0);

    /* the read-only reader reports it and leaves the file alone */
    struct collect c = {0};
    assert_int_equal(journal_read_file(path, collect_cb, &c, warn, sizeof warn, err, sizeof err), 0);
    assert_int_equal(c.n, 5);
    snprintf(want, sizeof want, "%s:%d: torn last record ignored", path, torn_line);
    assert_non_null(strstr(warn, want));
    char *same = slurp(path, &len1);
    assert_int_equal(len0, len1);
    assert_memory_equal(orig, same, len0);
    free(same);

    memset(&c, 0, sizeof c);
    struct pp_journal *j = open_replayed(path, &c, warn, sizeof warn);
    assert_int_equal(c.n, 5);
    snprintf(side, sizeof side, "%s.torn-6", path);
    snprintf(want, sizeof want, "%s:%d: torn last record kept aside in %s and cut off", path,
             torn_line, side);
    if (!strstr(warn, want))
        fail_msg("warning \"%s\" lacks \"%s\"", warn, want);

    /* the side file holds exactly the torn bytes; the journal is cut */
    char *kept = slurp(side, &slen);
    char *now = slurp(path, &len1);
    assert_int_equal(len1 + slen, len0);
    assert_memory_equal(now, orig, len1);
    assert_memory_equal(kept, orig + len1, slen);
    struct stat st;
    assert_int_equal(stat(side, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(kept);
    free(now);

    struct pp_jrec r;
    simple_rec(&r, "resume", "");
    assert_int_equal(journal_append(j, &r, err, sizeof err), 0);
    assert_int_equal(r.seq, 6);
    journal_close(j);
    assert_int_equal(check_all_lines(path), 6);

    /* torn again at the same seq: an older side file is never overwritten */
    FILE *f = fopen(path, "ab");
    fputs("{\"seq\":7,\"ts\":\"2026", f);
    fclose(f);
    memset(&c, 0, sizeof c);
    j = open_replayed(path, &c, warn, sizeof warn);
    assert_int_equal(c.n, 6);
    snprintf(side, sizeof side, "%s.torn-7", path);
    assert_non_null(strstr(warn, side));
    journal_close(j);
    write_file(path, orig, len0);
    j = open_replayed(path, &c, warn, sizeof warn);
    snprintf(side, sizeof side, "%s.torn-6.2", path);
    assert_non_null(strstr(warn, side));
    assert_int_equal(access(side, F_OK), 0);
    journal_close(j);
    free(orig);
}

static void test_torn_truncated(void **state)
{
    (void)state;
    torn_case("torn-truncated.jsonl", 6);
}

static void test_torn_garbage(void **state)
{
    (void)state;
    torn_case("torn-garbage.jsonl", 6);
}

static void refused_case(const char *vector, const char *want_tail, int line)
{
    const char *dir = tmpdir();
    char path[512], warn[1024], err[512], want[1024];
    size_t len0, len1;
    bool locked;
    snprintf(path, sizeof path, "%s/bad.jsonl", dir);
    copy_vector(vector, path);
    char *orig = slurp(path, &len0);
    snprintf(want, sizeof want, "%s:%d: %s", path, line, want_tail);

    struct collect c = {0};
    assert_int_equal(journal_read_file(path, collect_cb, &c, warn, sizeof warn, err, sizeof err), -1);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error \"%s\", expected \"%s...\"", err, want);
    assert_int_equal(c.n, 0);   /* nothing half-read */

    struct pp_journal *j = journal_open(path, &locked, err, sizeof err);
    assert_non_null(j);
    err[0] = 0;
    assert_int_equal(journal_replay(j, collect_cb, &c, warn, sizeof warn, err, sizeof err), -1);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("error \"%s\", expected \"%s...\"", err, want);
    assert_int_equal(c.n, 0);
    struct pp_jrec r;
    simple_rec(&r, "note", "");
    assert_int_equal(journal_append(j, &r, err, sizeof err), -1);   /* not replayed */
    journal_close(j);
    char *now = slurp(path, &len1);
    assert_int_equal(len0, len1);
    assert_memory_equal(orig, now, len0);
    free(orig);
    free(now);
    /* no side file either */
    char side[600];
    snprintf(side, sizeof side, "%s.torn-3", path);
    assert_int_equal(access(side, F_OK), -1);
}

static void test_corrupt_middle(void **state)
{
    (void)state;
    refused_case("corrupt-middle.jsonl", "column 84: unterminated string", 3);
}

static void test_seq_not_increasing(void **state)
{
    (void)state;
    refused_case("seq-not-increasing.jsonl",
                 "seq 3 does not increase (the record before has seq 3)", 4);
}

static void test_crlf_blank_gap_long(void **state)
{
    (void)state;
    const char *dir = tmpdir();
    char path[512], warn[1024], err[512];
    struct collect c = {0};
    snprintf(path, sizeof path, "%s/x.jsonl", dir);

    copy_vector("crlf.jsonl", path);
    assert_int_equal(journal_read_file(path, collect_cb, &c, warn, sizeof warn, err, sizeof err), 0);
    assert_int_equal(c.n, 5);
    assert_string_equal(warn, "");

    /* blank lines are tolerated; a gap is allowed but reported */
    const char *gap = "{\"seq\":1,\"ts\":\"t\",\"event\":\"a\"}\n\n  \n"
                      "{\"seq\":2,\"ts\":\"t\",\"event\":\"b\"}\n"
                      "{\"seq\":5,\"ts\":\"t\",\"event\":\"c\"}\n";
    write_file(path, gap, strlen(gap));
    memset(&c, 0, sizeof c);
    assert_int_equal(journal_read_file(path, collect_cb, &c, warn, sizeof warn, err, sizeof err), 0);
    assert_int_equal(c.n, 3);
    char want[700];
    snprintf(want, sizeof want, "%s:5: seq jumps from 2 to 5", path);
    assert_non_null(strstr(warn, want));
    struct pp_journal *j = open_replayed(path, &c, warn, sizeof warn);
    assert_int_equal(journal_last_seq(j), 5);
    journal_close(j);

    /* a line over 64 KiB is corrupt: in the middle it is an error */
    size_t big = 70000;
    char *buf = malloc(big + 200);
    int n = sprintf(buf, "{\"seq\":1,\"ts\":\"t\",\"event\":\"a\",\"x\":\"");
    memset(buf + n, 'y', big);
    n += (int)big;
    n += sprintf(buf + n, "\"}\n{\"seq\":2,\"ts\":\"t\",\"event\":\"b\"}\n");
    write_file(path, buf, (size_t)n);
    assert_int_equal(journal_read_file(path, NULL, NULL, warn, sizeof warn, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:1: line longer than 64 KiB", path);
    assert_string_equal(err, want);
    free(buf);

    /* empty file: no records, fine */
    write_file(path, "", 0);
    memset(&c, 0, sizeof c);
    assert_int_equal(journal_read_file(path, collect_cb, &c, warn, sizeof warn, err, sizeof err), 0);
    assert_int_equal(c.n, 0);

    /* a missing file is a plain error for the reader */
    snprintf(want, sizeof want, "%s/none.jsonl", dir);
    assert_int_equal(journal_read_file(want, NULL, NULL, warn, sizeof warn, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
}

/* Short write then failure, without root: RLIMIT_FSIZE makes write()
 * stop part-way (then EFBIG).  Runs in a child so the limit stays there. */
static void test_partial_write_is_undone(void **state)
{
    (void)state;
    const char *dir = tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/fsize.jsonl", dir);
    pid_t pid = fork();
    if (pid == 0) {
        char err[512], warn[256];
        bool locked;
        struct pp_jrec r;
        struct pp_journal *j = journal_open(path, &locked, err, sizeof err);
        if (!j || journal_replay(j, NULL, NULL, warn, sizeof warn, err, sizeof err))
            _exit(10);
        simple_rec(&r, "note", "first");
        if (journal_append(j, &r, err, sizeof err))
            _exit(11);
        struct stat st;
        fstat(open(path, O_RDONLY), &st);
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {(rlim_t)st.st_size + 40, (rlim_t)st.st_size + 40};
        struct rlimit old;
        getrlimit(RLIMIT_FSIZE, &old);
        rl.rlim_max = old.rlim_max;
        if (setrlimit(RLIMIT_FSIZE, &rl))
            _exit(12);
        simple_rec(&r, "note", "this record is longer than forty bytes, so it is cut");
        if (journal_append(j, &r, err, sizeof err) != -1)
            _exit(13);
        if (!strstr(err, "cannot write journal") || !strstr(err, "too large"))
            _exit(14);
        if (r.seq != 0)
            _exit(15);
        rl.rlim_cur = old.rlim_cur;
        setrlimit(RLIMIT_FSIZE, &rl);
        simple_rec(&r, "note", "after the limit is gone");
        if (journal_append(j, &r, err, sizeof err) || r.seq != 2)
            _exit(16);
        journal_close(j);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(check_all_lines(path), 2);
}

/* fsync() failing with EIO (a dying disk), injected with a seccomp filter
 * in a child: the record must not count, and since the undo's own fsync
 * fails too, the handle refuses every later append until a restart. */
#if defined(__x86_64__) || defined(__aarch64__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static int fail_fsync_with_eio(void)
{
#if defined(__x86_64__)
    const unsigned arch = AUDIT_ARCH_X86_64;
#else
    const unsigned arch = AUDIT_ARCH_AARCH64;
#endif
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fsync, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EIO & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof f / sizeof f[0]), f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

static void test_fsync_eio(void **state)
{
    (void)state;
    const char *dir = tmpdir();
    char path[512], warn[512], err[512];
    snprintf(path, sizeof path, "%s/eio.jsonl", dir);
    struct collect c = {0};
    struct pp_journal *j = open_replayed(path, &c, warn, sizeof warn);
    struct pp_jrec r;
    simple_rec(&r, "note", "durable");
    assert_int_equal(journal_append(j, &r, err, sizeof err), 0);

    pid_t pid = fork();
    if (pid == 0) {
        char e[1024];
        if (fail_fsync_with_eio() != 0)
            _exit(20);
        simple_rec(&r, "confirm", "must not count");
        if (journal_append(j, &r, e, sizeof e) != -1)
            _exit(21);
        if (!strstr(e, "cannot sync journal") || !strstr(e, "Input/output error") ||
            !strstr(e, "cannot be removed") || !strstr(e, "restart poolpilot"))
            _exit(22);
        simple_rec(&r, "note", "after");
        if (journal_append(j, &r, e, sizeof e) != -1 || !strstr(e, "damaged"))
            _exit(23);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 20) {
        journal_close(j);
        test_skip("fsync EIO case: seccomp unavailable");
    }
    assert_int_equal(WEXITSTATUS(status), 0);
    journal_close(j);
    /* the unsynced record was cut off again (ftruncate worked) */
    assert_int_equal(check_all_lines(path), 1);
    memset(&c, 0, sizeof c);
    assert_int_equal(journal_read_file(path, collect_cb, &c, warn, sizeof warn, err, sizeof err), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.last.detail, "durable");
}
#else
static void test_fsync_eio(void **state)
{
    (void)state;
    test_skip("fsync EIO case: no seccomp filter for this architecture");
}
#endif

/* ENOSPC on a real full file system: a 64 KiB tmpfs (needs root and
 * permission to mount; skipped otherwise). */
static char mounted[512];   /* for the teardown, should an assertion fail */

static int unmount_teardown(void **state)
{
    (void)state;
    if (mounted[0])
        umount2(mounted, MNT_DETACH);
    mounted[0] = 0;
    return 0;
}

static void test_enospc_tmpfs(void **state)
{
    (void)state;
    const char *dir = tmpdir();
    char mnt[512], path[600], filler[600], err[512], warn[512];
    snprintf(mnt, sizeof mnt, "%s/mnt", dir);
    assert_int_equal(mkdir(mnt, 0700), 0);
    if (geteuid() != 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=64k,mode=0700") != 0) {
        test_skip("ENOSPC case: cannot mount a tmpfs here (%s)",
                  geteuid() ? "not root" : strerror(errno));
    }
    snprintf(mounted, sizeof mounted, "%s", mnt);
    snprintf(path, sizeof path, "%s/pool.jsonl", mnt);
    snprintf(filler, sizeof filler, "%s/filler", mnt);

    struct collect c = {0};
    struct pp_journal *j = open_replayed(path, &c, warn, sizeof warn);
    /* leave about 12 KiB free */
    int fd = open(filler, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    char block[4096];
    memset(block, 'f', sizeof block);
    for (int i = 0; i < 13; i++)
        assert_int_equal(write(fd, block, sizeof block), (ssize_t)sizeof block);
    close(fd);

    char detail[400];
    memset(detail, 'd', sizeof detail - 1);
    detail[sizeof detail - 1] = 0;
    int ok = 0, rc;
    struct pp_jrec r;
    for (;;) {
        simple_rec(&r, "note", detail);
        rc = journal_append(j, &r, err, sizeof err);
        if (rc != 0)
            break;
        ok++;
        assert_true(ok < 1000);
    }
    assert_true(ok > 0);
    char want[700];
    snprintf(want, sizeof want, "cannot write journal %s: No space left on device", path);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    assert_int_equal(check_all_lines(path), ok);   /* no partial line */

    /* free space: appends go on where they left off */
    assert_int_equal(unlink(filler), 0);
    simple_rec(&r, "note", "space again");
    assert_int_equal(journal_append(j, &r, err, sizeof err), 0);
    assert_int_equal(r.seq, ok + 1);
    journal_close(j);
    assert_int_equal(check_all_lines(path), ok + 1);

    /* read-only file system: a clear message, nothing created */
    if (mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0) {
        char other[700];
        bool locked;
        snprintf(other, sizeof other, "%s/other.jsonl", mnt);
        assert_null(journal_open(other, &locked, err, sizeof err));
        assert_false(locked);
        assert_non_null(strstr(err, "Read-only file system"));
    }
    assert_int_equal(umount2(mnt, MNT_DETACH), 0);
    mounted[0] = 0;
}

static void test_default_path(void **state)
{
    (void)state;
    const char *dir = tmpdir();
    char buf[1024], want[1024];
    struct stat st;
    setenv("XDG_STATE_HOME", dir, 1);
    assert_int_equal(journal_default_path("Pool01.Contoso.com", false, buf, sizeof buf), 0);
    snprintf(want, sizeof want, "%s/poolpilot/pool01.contoso.com.jsonl", dir);
    assert_string_equal(buf, want);
    snprintf(want, sizeof want, "%s/poolpilot", dir);
    assert_int_equal(stat(want, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(journal_default_path("pool01.contoso.com", true, buf, sizeof buf), 0);
    snprintf(want, sizeof want, "%s/poolpilot/pool01.contoso.com.training.jsonl", dir);
    assert_string_equal(buf, want);

    /* names that must never become a path */
    const char *bad[] = {"", "../etc", "a/b", "..", ".", "-a.com", "a-.com", "a..b", "a b",
                         "pool.com.", "x\ny", NULL};
    for (int i = 0; bad[i]; i++) {
        errno = 0;
        if (journal_default_path(bad[i], false, buf, sizeof buf) != -1)
            fail_msg("accepted pool name \"%s\"", bad[i]);
        assert_int_equal(errno, EINVAL);
    }
    char longname[300];
    memset(longname, 'a', 64);
    strcpy(longname + 64, ".com");
    assert_int_equal(journal_default_path(longname, false, buf, sizeof buf), -1);

    /* a relative XDG_STATE_HOME is ignored: $HOME/.local/state */
    const char *home = tmpdir();
    setenv("XDG_STATE_HOME", "relative/dir", 1);
    setenv("HOME", home, 1);
    assert_int_equal(journal_default_path("pool01", false, buf, sizeof buf), 0);
    snprintf(want, sizeof want, "%s/.local/state/poolpilot/pool01.jsonl", home);
    assert_string_equal(buf, want);
    unsetenv("XDG_STATE_HOME");
    assert_int_equal(journal_default_path("pool01", false, buf, sizeof buf), 0);
    assert_string_equal(buf, want);
    assert_int_equal(journal_default_path("pool01", false, buf, 20), -1);
    assert_int_equal(errno, ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all_fields),
        cmocka_unit_test(test_format_repairs_utf8),
        cmocka_unit_test(test_format_refuses),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_lenient_where_it_should_be),
        cmocka_unit_test(test_parse_too_long),
        cmocka_unit_test(test_format_ts),
        cmocka_unit_test(test_vector_reformats_identically),
        cmocka_unit_test(test_append_reopen_replay),
        cmocka_unit_test(test_append_needs_replay_and_fitting_record),
        cmocka_unit_test(test_lock_other_process_and_crash),
        cmocka_unit_test(test_stale_label_of_dead_pid),
        cmocka_unit_test(test_chain_refuses_cut_edited_and_glued_journals),
        cmocka_unit_test(test_pool_lock_whatever_the_journal_path),
        cmocka_unit_test(test_torn_truncated),
        cmocka_unit_test(test_torn_garbage),
        cmocka_unit_test(test_corrupt_middle),
        cmocka_unit_test(test_seq_not_increasing),
        cmocka_unit_test(test_crlf_blank_gap_long),
        cmocka_unit_test(test_partial_write_is_undone),
        cmocka_unit_test(test_fsync_eio),
        cmocka_unit_test_teardown(test_enospc_tmpfs, unmount_teardown),
        cmocka_unit_test(test_default_path),
    };
    return test_exit(cmocka_run_group_tests(tests, NULL, test_tmpdirs_remove));
}
