/* replay_bench: how long reading and restoring a very long journal takes
 * (not a test: prints numbers, asserts nothing).
 *
 *   replay_bench gen TEMPLATE OUT N     writes an N-record journal to OUT
 *   replay_bench read JOURNAL           journal_read_file only (what --status,
 *                                       --report and the checklist pane read)
 *   replay_bench parse JOURNAL          jrec_parse once per line of a file
 *                                       already in memory: the cost of one
 *                                       parsing pass (journal_read_file makes
 *                                       one, keeping the checked records
 *                                       compact until the whole file checked
 *                                       out; past 256 MiB of them it parses
 *                                       the rest a second time)
 *   replay_bench restore SCENARIO JOURNAL
 *                                       journal_open + journal_replay feeding
 *                                       engine_restore, as runner_start does
 *                                       when a console resumes; SCENARIO is a
 *                                       built-in name or a scenario/pool INI
 *
 * gen makes a journal with the engine's own record shapes by construction:
 * TEMPLATE is a journal the engine wrote (run.sh uses the `fleet` training
 * run: 1000 servers, 50 domains, ~8500 records), read with jrec_parse and
 * written again with jrec_format, over and over as back-to-back campaigns
 * of the same pool: seq renumbered 1..N, timestamps moved on by the
 * template's span plus one hour per campaign.  The last campaign is cut
 * where N ends, so the journal ends mid-run, as a resumed console finds it.
 *
 * Each mode prints wall and CPU time, records per second, MB per second and
 * the process's peak RSS (getrusage). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "backend/engine/engine.h"
#include "backend/journal/journal.h"
#include "backend/pool/model.h"
#include "config/config.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void report(const char *what, const char *path, long long records, double w0, double c0)
{
    double wall = now_s() - w0, cpu = cpu_s() - c0;
    double mb = (double)file_size(path) / 1e6;
    printf("%s: %lld records, %.1f MB: wall %.3f s, cpu %.3f s, %.2f M records/s, %.0f MB/s, "
           "peak RSS %ld KB\n",
           what, records, mb, wall, cpu, wall > 0 ? (double)records / wall / 1e6 : 0,
           wall > 0 ? mb / wall : 0, maxrss_kb());
    printf("%s_wall_s=%.3f\n%s_cpu_s=%.3f\n%s_records=%lld\n%s_mb=%.1f\n%s_maxrss_kb=%ld\n", what,
           wall, what, cpu, what, records, what, mb, what, maxrss_kb());
}

/* ---- gen ------------------------------------------------------------- */

struct recs {
    struct pp_jrec *v;
    long long n, cap;
};

static int collect(void *ctx, const struct pp_jrec *r)
{
    struct recs *rs = ctx;
    if (rs->n == rs->cap) {
        long long cap = rs->cap ? rs->cap * 2 : 1024;
        struct pp_jrec *v = realloc(rs->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        rs->v = v;
        rs->cap = cap;
    }
    rs->v[rs->n++] = *r;
    return 0;
}

/* "2026-11-27T07:14:24.123Z" -> ms since the epoch; -1 if not that shape */
static long long ts_ms(const char *ts)
{
    struct tm tm = {0};
    int ms = 0;
    if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm) * 1000 + ms;
}

static int gen(const char *tmpl, const char *out, long long n)
{
    struct recs rs = {0};
    char warn[512] = "", err[512] = "";
    if (journal_read_file(tmpl, collect, &rs, warn, sizeof warn, err, sizeof err) < 0 || !rs.n) {
        fprintf(stderr, "replay_bench: %s: %s\n", tmpl, err[0] ? err : "no records");
        return 1;
    }
    long long first = ts_ms(rs.v[0].ts), last = ts_ms(rs.v[rs.n - 1].ts);
    if (first < 0 || last < first) {
        fprintf(stderr, "replay_bench: %s: unexpected timestamps\n", tmpl);
        return 1;
    }
    long long span = last - first + 3600 * 1000;
    FILE *f = fopen(out, "w");
    if (!f) {
        perror(out);
        return 1;
    }
    static char line[8192];
    char prev[20] = "";
    for (long long i = 0; i < n; i++) {
        struct pp_jrec r = rs.v[i % rs.n];
        long long t = ts_ms(r.ts);
        r.seq = i + 1;
        journal_format_ts((int64_t)(t + (i / rs.n) * span), r.ts, sizeof r.ts);
        /* renumbered and moved on: each record chains to the one written
         * before it, as journal_append would, or a console refuses to
         * resume the journal (the chain breaks where the template repeats) */
        r.chk[0] = 0;
        if (jrec_chain(&r, prev, r.chk) < 0) {
            fprintf(stderr, "replay_bench: record %lld does not format\n", i + 1);
            fclose(f);
            return 1;
        }
        snprintf(prev, sizeof prev, "%s", r.chk);
        int len = jrec_format(&r, line, sizeof line);
        if (len < 0 || fwrite(line, 1, (size_t)len, f) != (size_t)len) {
            fprintf(stderr, "replay_bench: cannot write record %lld\n", i + 1);
            fclose(f);
            return 1;
        }
    }
    if (fclose(f) != 0) {
        perror(out);
        return 1;
    }
    printf("wrote %lld records (%lld-record template, %lld campaigns), %.1f MB to %s\n", n, rs.n,
           (n + rs.n - 1) / rs.n, (double)file_size(out) / 1e6, out);
    free(rs.v);
    return 0;
}

/* ---- read / restore --------------------------------------------------- */

static int count(void *ctx, const struct pp_jrec *r)
{
    (void)r;
    ++*(long long *)ctx;
    return 0;
}

static int read_only(const char *path)
{
    long long n = 0;
    char warn[512] = "", err[512] = "";
    double w0 = now_s(), c0 = cpu_s();
    if (journal_read_file(path, count, &n, warn, sizeof warn, err, sizeof err) < 0) {
        fprintf(stderr, "replay_bench: %s\n", err);
        return 1;
    }
    report("read", path, n, w0, c0);
    return 0;
}

static int parse_once(const char *path)
{
    FILE *f = fopen(path, "r");
    long long size = file_size(path);
    char *buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (!f || !buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        perror(path);
        return 1;
    }
    fclose(f);
    struct pp_jrec r;
    char err[256];
    long long n = 0;
    double w0 = now_s(), c0 = cpu_s();
    for (char *p = buf, *end = buf + size; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (jrec_parse(p, len, &r, err, sizeof err) < 0) {
            fprintf(stderr, "replay_bench: %s: record %lld: %s\n", path, n + 1, err);
            return 1;
        }
        n++;
        p += len + 1;
    }
    report("parse", path, n, w0, c0);
    free(buf);
    return 0;
}

struct restore_ctx {
    struct pp_engine *e;
    long long n;
    char err[512];
};

static int restore_cb(void *ctx, const struct pp_jrec *r)
{
    struct restore_ctx *rc = ctx;
    rc->n++;
    return engine_restore(rc->e, r, rc->err, sizeof rc->err);
}

static int restore(const char *scenario, const char *path)
{
    struct pp_config cfg;
    struct pp_diag d = {0};
    memset(&cfg, 0, sizeof cfg);
    if (config_load_scenario(&cfg, scenario, &d) < 0 &&
        (config_free(&cfg), memset(&cfg, 0, sizeof cfg), config_load_file(&cfg, scenario, &d) < 0)) {
        fprintf(stderr, "replay_bench: %s: %s\n", scenario, d.n ? d.msgs[0] : "cannot load");
        diag_free(&d);
        config_free(&cfg);
        return 1;
    }
    diag_free(&d);
    struct pp_model m;
    if (model_init(&m, &cfg) < 0) {
        config_free(&cfg);
        return 1;
    }
    struct restore_ctx rc = {.e = engine_new(&cfg, &m, "bench")};
    bool locked = false;
    char err[512] = "", warn[512] = "";
    double w0 = now_s(), c0 = cpu_s();
    struct pp_journal *j = journal_open(path, &locked, err, sizeof err);
    int ret = 0;
    if (!j || !rc.e) {
        fprintf(stderr, "replay_bench: %s\n", err[0] ? err : "out of memory");
        ret = 1;
    } else if (journal_replay(j, restore_cb, &rc, warn, sizeof warn, err, sizeof err) < 0) {
        fprintf(stderr, "replay_bench: %s%s%s\n", err, rc.err[0] ? ": " : "", rc.err);
        ret = 1;
    } else {
        report("restore", path, rc.n, w0, c0);
        printf("restored: %d of %d domains done, engine resumed=%d\n", m.domains_done, m.ndomains,
               engine_resumed(rc.e));
    }
    journal_close(j);
    engine_free(rc.e);
    model_free(&m);
    config_free(&cfg);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "gen"))
        return gen(argv[2], argv[3], atoll(argv[4]));
    if (argc == 3 && !strcmp(argv[1], "read"))
        return read_only(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "parse"))
        return parse_once(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "restore"))
        return restore(argv[2], argv[3]);
    fprintf(stderr, "usage: replay_bench gen TEMPLATE OUT N | read JOURNAL | parse JOURNAL | "
                    "restore SCENARIO JOURNAL\n");
    return 2;
}
