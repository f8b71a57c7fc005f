/* Training scenarios: every built-in one loads clean and says what it is
 * meant to say; [scenario], [sim], [fault.*] and the server generator are
 * checked rule by rule with the exact messages. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "tests/unit/helpers.h"

static struct pp_config C;
static struct pp_diag D;

#define MIN(x) ((pp_ms)(x) * 60000)

static int teardown(void **state)
{
    (void)state;
    config_free(&C);
    diag_free(&D);
    return 0;
}

static int load_builtin(const char *name)
{
    config_free(&C);
    diag_free(&D);
    int rc = config_load_scenario(&C, name, &D);
    for (int i = 0; i < D.n; i++)
        fprintf(stderr, "%s\n", D.msgs[i]);
    return rc;
}

/* Scenario text from a file in a fresh temporary directory. */
static int load_text(const char *file, const char *text)
{
    const char *dir = test_tmpdir();
    assert_non_null(dir);
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    config_free(&C);
    diag_free(&D);
    int rc = config_load_scenario(&C, path, &D);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    /* Messages carry the temporary directory: keep "FILE:LINE: message". */
    size_t dl = strlen(dir) + 1;
    for (int i = 0; i < D.n; i++) {
        assert_memory_equal(D.msgs[i], path, dl);
        memmove(D.msgs[i], D.msgs[i] + dl, strlen(D.msgs[i] + dl) + 1);
    }
    return rc;
}

static void check(const char *text, const char *const *want)
{
    int rc = load_text("s.ini", text);
    int n = 0;
    while (want[n])
        n++;
    bool ok = rc == (n ? -1 : 0) && D.n == n;
    for (int i = 0; ok && i < n; i++)
        ok = strcmp(D.msgs[i], want[i]) == 0;
    if (!ok) {
        fprintf(stderr, "rc=%d, %d message(s)\n", rc, D.n);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "  want: %s\n", want[i]);
        for (int i = 0; i < D.n; i++)
            fprintf(stderr, "  got:  %s\n", D.msgs[i]);
    }
    assert_true(ok);
}

#define EXPECT(text, ...) check((text), (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_OK(text) check((text), (const char *const[]){NULL})

/* Lines 1-4, 5-7 and 8-11: anything appended starts at line 12. */
#define SCEN "[scenario]\ntitle = T\ngoal = G\nexpect = E\n"
#define POOL "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n"
#define SERVERS "[servers]\nfe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain2\n" \
                "fe03.contoso.com = UpgradeDomain2\n"
#define BASE SCEN POOL SERVERS

/* ---- the built-in scenarios ---- */

static const char *const builtin[] = {
    "busy-then-ready",      "busy-three-times", "connection-drop",         "domain-not-ready",
    "fleet",                "happy",            "insufficient-front-ends", "large-pool",
    "server-never-returns", "stuck-drain",      "verify-fails"};
#define NBUILTIN ((int)(sizeof builtin / sizeof *builtin))

static void test_builtin_list(void **state)
{
    (void)state;
    assert_int_equal(scenario_count(), NBUILTIN);
    for (int i = 0; i < NBUILTIN; i++) {
        const struct pp_scenario_info *s = scenario_find(builtin[i]);
        assert_non_null(s);
        assert_string_equal(s->name, builtin[i]);
        assert_ptr_equal(scenario_at(i), s); /* sorted by name */
        assert_true(strlen(s->text) > 100);
    }
    assert_null(scenario_at(-1));
    assert_null(scenario_at(NBUILTIN));
    assert_null(scenario_find("nope"));
    assert_null(scenario_find(NULL));
    assert_null(scenario_find("HAPPY"));
}

static void test_builtin_load_clean(void **state)
{
    (void)state;
    for (int i = 0; i < scenario_count(); i++) {
        const char *name = scenario_at(i)->name;
        assert_int_equal(load_builtin(name), 0);
        assert_int_equal(D.n, 0);
        char path[128];
        snprintf(path, sizeof path, "scenario:%s", name);
        assert_string_equal(C.path, path);
        assert_true(C.sim.present);
        assert_string_equal(C.sim.name, name);
        assert_true(strlen(C.sim.title) > 10);
        assert_true(strlen(C.sim.goal) > 40);
        assert_true(strlen(C.sim.expect) > 40);
        /* Training follows the documented procedure and its timings. */
        assert_int_equal(C.confirm, PP_CONFIRM_DOMAIN);
        assert_int_equal(C.timing.busy_retry, MIN(10));
        assert_int_equal(C.timing.busy_strikes, 3);
        assert_int_equal(C.timing.settle, MIN(20));
        /* Realistic virtual durations: an upgrade takes minutes. */
        assert_true(C.sim.step_time[PP_STEP_UPGRADE] >= MIN(1));
        assert_true(C.sim.step_time[PP_STEP_RESTART] >= MIN(1));
        for (int f = 0; f < C.sim.nfaults; f++) {
            bool found = false;
            for (int s = 0; s < C.nservers; s++)
                found |= strcmp(C.servers[s].name, C.sim.faults[f].server) == 0;
            assert_true(found);
        }
    }
}

static void check_happy_pool(void)
{
    assert_string_equal(C.fqdn, "pool01.contoso.com");
    assert_string_equal(C.profile, "lync2013");
    assert_int_equal(C.nservers, 8);
    for (int i = 0; i < 8; i++) {
        char name[64], dom[64];
        snprintf(name, sizeof name, "fe%02d.contoso.com", i + 1);
        snprintf(dom, sizeof dom, "UpgradeDomain%d", i / 2 + 1);
        assert_string_equal(C.servers[i].name, name);
        assert_string_equal(C.servers[i].domain, dom);
    }
}

static const struct pp_fault *only_fault(void)
{
    assert_int_equal(C.sim.nfaults, 1);
    return &C.sim.faults[0];
}

static void test_builtin_contents(void **state)
{
    (void)state;
    assert_int_equal(load_builtin("happy"), 0);
    check_happy_pool();
    assert_string_equal(C.backup_pool, "pool02.contoso.com");
    assert_string_equal(C.failover_on, "fe01.pool02.contoso.com");
    assert_int_equal(C.sim.busy_first, 0);
    assert_false(C.sim.insufficient);
    assert_int_equal(C.sim.nfaults, 0);

    assert_int_equal(load_builtin("busy-then-ready"), 0);
    check_happy_pool();
    assert_int_equal(C.sim.busy_first, 2);

    assert_int_equal(load_builtin("busy-three-times"), 0);
    assert_true(C.sim.busy_first >= 3);
    assert_string_equal(C.backup_pool, "pool02.contoso.com");

    assert_int_equal(load_builtin("insufficient-front-ends"), 0);
    assert_true(C.sim.insufficient);
    assert_string_equal(C.backup_pool, "");

    assert_int_equal(load_builtin("domain-not-ready"), 0);
    const struct pp_fault *f = only_fault();
    assert_int_equal(f->kind, PP_FAULT_NOT_READY);
    assert_int_equal(f->times, 2);
    assert_int_equal(f->step, PP_STEP_NONE);

    assert_int_equal(load_builtin("stuck-drain"), 0);
    f = only_fault();
    assert_int_equal(f->kind, PP_FAULT_HANG);
    assert_int_equal(f->step, PP_STEP_DRAIN);
    assert_int_equal(C.timing.step_timeout[PP_STEP_DRAIN], MIN(5));

    assert_int_equal(load_builtin("verify-fails"), 0);
    f = only_fault();
    assert_int_equal(f->kind, PP_FAULT_FAIL);
    assert_int_equal(f->step, PP_STEP_VERIFY);

    assert_int_equal(load_builtin("server-never-returns"), 0);
    f = only_fault();
    assert_int_equal(f->kind, PP_FAULT_NEVER_RETURNS);
    assert_int_equal(f->step, PP_STEP_RESTART);
    assert_int_equal(C.timing.step_timeout[PP_STEP_RESTART], MIN(15));

    assert_int_equal(load_builtin("connection-drop"), 0);
    f = only_fault();
    assert_int_equal(f->kind, PP_FAULT_DROP);
    assert_int_equal(f->step, PP_STEP_UPGRADE);

    assert_int_equal(load_builtin("large-pool"), 0);
    assert_string_equal(C.profile, "sfb2019");
    assert_int_equal(C.quorum, PP_QUORUM_LYNC);
    assert_int_equal(C.nservers, 12);
    for (int i = 0; i < 12; i++) {
        char dom[64];
        snprintf(dom, sizeof dom, "UpgradeDomain%d", i / 3 + 1);
        assert_string_equal(C.servers[i].domain, dom);
    }

    assert_int_equal(load_builtin("fleet"), 0);
    assert_int_equal(C.quorum, PP_QUORUM_MAJORITY);
    assert_int_equal(C.nservers, 1000);
    assert_string_equal(C.servers[0].name, "node0001.fleet.example.net");
    assert_string_equal(C.servers[0].domain, "UpgradeDomain1");
    assert_string_equal(C.servers[19].domain, "UpgradeDomain1");
    assert_string_equal(C.servers[20].domain, "UpgradeDomain2");
    assert_string_equal(C.servers[999].name, "node1000.fleet.example.net");
    assert_string_equal(C.servers[999].domain, "UpgradeDomain50");
}

static void test_unknown_builtin(void **state)
{
    (void)state;
    config_free(&C);
    diag_free(&D);
    assert_int_equal(config_load_scenario(&C, "hapy", &D), -1);
    assert_int_equal(D.n, 1);
    assert_string_equal(D.msgs[0],
                        "hapy: no such built-in scenario (built-in: busy-then-ready, busy-three-times, "
                        "connection-drop, domain-not-ready, fleet, happy, insufficient-front-ends, "
                        "large-pool, server-never-returns, stuck-drain, verify-fails); a scenario file "
                        "needs a path");
    config_free(&C);
    diag_free(&D);
    assert_int_equal(config_load_scenario(&C, "/nonexistent/x.ini", &D), -1);
    assert_string_equal(D.msgs[0], "/nonexistent/x.ini: cannot open: No such file or directory");
}

/* ---- scenario files ---- */

static void test_scenario_file(void **state)
{
    (void)state;
    EXPECT_OK(BASE);
    assert_true(C.sim.present);
    assert_string_equal(C.sim.name, "s");
    assert_string_equal(C.sim.title, "T");
    /* [sim] defaults: 5s / 40s / 3m / 2m / 15s / 5m. */
    assert_int_equal(C.sim.readiness_time, 5000);
    assert_int_equal(C.sim.step_time[PP_STEP_DRAIN], 40000);
    assert_int_equal(C.sim.step_time[PP_STEP_UPGRADE], MIN(3));
    assert_int_equal(C.sim.step_time[PP_STEP_RESTART], MIN(2));
    assert_int_equal(C.sim.step_time[PP_STEP_VERIFY], 15000);
    assert_int_equal(C.sim.failover_time, MIN(5));
    assert_int_equal(C.sim.busy_first, 0);
    assert_false(C.sim.insufficient);
    /* Free text may continue on indented lines: one paragraph. */
    EXPECT_OK("[scenario]\ntitle = T\ngoal = first part\n  second part\nexpect = E\n" POOL SERVERS
              "[sim]\nreadiness = 1m\ndrain = 2m\nupgrade = 20m\nrestart = 8m\nverify = 90s\n"
              "failover = 30m\nbusy_first = 7\ninsufficient = TRUE\nseed = 4294967295\n");
    assert_string_equal(C.sim.goal, "first part second part");
    assert_int_equal(C.sim.readiness_time, MIN(1));
    assert_int_equal(C.sim.step_time[PP_STEP_UPGRADE], MIN(20));
    assert_int_equal(C.sim.step_time[PP_STEP_VERIFY], 90000);
    assert_int_equal(C.sim.failover_time, MIN(30));
    assert_int_equal(C.sim.busy_first, 7);
    assert_true(C.sim.insufficient);
    assert_int_equal(C.sim.seed, 4294967295u);
}

static void test_scenario_text_required(void **state)
{
    (void)state;
    EXPECT(POOL SERVERS,
           "s.ini: a training scenario needs a [scenario] section with title, goal and expect");
    EXPECT("[scenario]\ntitle = T\nexpect =\n" POOL SERVERS,
           "s.ini:1: [scenario] goal is required",
           "s.ini:3: [scenario] expect cannot be empty");
    EXPECT("[scenario]\ntitle = T\ngoal = G\nexpect = E\nhint = H\n" POOL SERVERS,
           "s.ini:5: unknown key 'hint' in [scenario]");
    char *t = malloc(2048);
    snprintf(t, 2048, "[scenario]\ntitle = %0200d\ngoal = G\nexpect = E\n" POOL SERVERS, 0);
    EXPECT(t, "s.ini:2: title: too long (159 characters at most)");
    free(t);
}

static void test_sim_values(void **state)
{
    (void)state;
    EXPECT(BASE "[sim]\nreadiness = 5\ndrain = 8d\nbusy_first = 101\ninsufficient = maybe\n"
                "seed = -1\nspeed = 2\nverify = 0s\n",
           "s.ini:13: readiness: '5' has no unit; units are required (250ms, 90s, 10m, 2h, 1h30m)",
           "s.ini:14: drain: '8d' is not a duration (write e.g. 250ms, 90s, 10m, 2h, 1h30m)",
           "s.ini:15: busy_first: '101' is not a number from 0 to 100",
           "s.ini:16: insufficient: 'maybe' is not one of true, false",
           "s.ini:17: seed: '-1' is not a number from 0 to 4294967295",
           "s.ini:18: unknown key 'speed' in [sim]",
           "s.ini:19: verify: cannot be 0");
}

/* ---- faults ---- */

static void test_faults_good(void **state)
{
    (void)state;
    EXPECT_OK(BASE "[fault.a]\nkind = fail\nserver = FE02.contoso.com\nstep = upgrade\ntimes = 3\n"
                   "after_domains = 1\n"
                   "[fault.b]\nkind = never-returns\nserver = fe03.contoso.com\n"
                   "[fault.c]\nkind = busy\ntimes = 4\n"
                   "[fault.d]\nkind = not-ready\nserver = fe01.contoso.com\n"
                   "[fault.e]\nkind = never-returns\nserver = fe01.contoso.com\nstep = restart\n");
    assert_int_equal(C.sim.nfaults, 5);
    const struct pp_fault *f = C.sim.faults;
    assert_int_equal(f[0].kind, PP_FAULT_FAIL);
    assert_string_equal(f[0].server, "FE02.contoso.com");
    assert_int_equal(f[0].step, PP_STEP_UPGRADE);
    assert_int_equal(f[0].times, 3);
    assert_int_equal(f[0].after_domains, 1);
    assert_int_equal(f[0].line, 12);
    assert_int_equal(f[1].kind, PP_FAULT_NEVER_RETURNS);
    assert_int_equal(f[1].step, PP_STEP_RESTART); /* implied */
    assert_int_equal(f[1].times, 1);              /* default */
    assert_int_equal(f[1].after_domains, 0);
    assert_int_equal(f[2].kind, PP_FAULT_BUSY);
    assert_string_equal(f[2].server, "");
    assert_int_equal(f[2].step, PP_STEP_NONE);
    assert_int_equal(f[2].times, 4);
    assert_int_equal(f[3].kind, PP_FAULT_NOT_READY);
    assert_int_equal(f[3].step, PP_STEP_NONE);
    assert_int_equal(f[4].step, PP_STEP_RESTART);
}

static void test_faults_errors(void **state)
{
    (void)state;
    EXPECT(BASE "[fault.nokind]\nserver = fe01.contoso.com\n"      /* 12-13 */
                "[fault.badkind]\nkind = explode\n"                /* 14-15 */
                "[fault.noserver]\nkind = hang\nstep = drain\n"    /* 16-18 */
                "[fault.stranger]\nkind = drop\nserver = fe09.contoso.com\nstep = upgrade\n" /* 19-22 */
                "[fault.busyserver]\nkind = busy\nserver = fe01.contoso.com\n"  /* 23-25 */
                "[fault.nostep]\nkind = fail\nserver = fe01.contoso.com\n"      /* 26-28 */
                "[fault.notready]\nkind = not-ready\nserver = fe01.contoso.com\nstep = verify\n" /* 29-32 */
                "[fault.never]\nkind = never-returns\nserver = fe01.contoso.com\nstep = drain\n" /* 33-36 */
                "[fault.counts]\nkind = busy\ntimes = 0\nafter_domains = x\nstep = reboot\n" /* 37-41 */
                "[fault.]\nkind = busy\n"                          /* 42-43 */
                "[fault.a b]\n"                                     /* 44 */
                "[fault.inject]\nkind = fail\nserver = fe01.contoso.com;reboot\nstep = drain\n" /* 45-48 */
                "[fault.empty]\n",                                  /* 49 */
           "s.ini:12: [fault.nokind]: kind is required (fail, hang, drop, never-returns, not-ready, busy)",
           "s.ini:15: kind: 'explode' is not one of fail, hang, drop, never-returns, not-ready, busy",
           "s.ini:16: [fault.noserver]: server is required for kind = hang",
           "s.ini:21: [fault.stranger]: 'fe09.contoso.com' is not a server of this pool",
           "s.ini:25: [fault.busyserver]: a busy fault is pool-wide: remove server",
           "s.ini:26: [fault.nostep]: step is required for kind = fail (drain, upgrade, restart, verify)",
           "s.ini:32: [fault.notready]: kind = not-ready takes no step",
           "s.ini:36: [fault.never]: a never-returns fault happens at restart; remove step",
           "s.ini:39: times: '0' is not a number from 1 to 1000",
           "s.ini:40: after_domains: 'x' is not a number from 0 to 4096",
           "s.ini:41: step: 'reboot' is not one of drain, upgrade, restart, verify",
           "s.ini:41: [fault.counts]: kind = busy takes no step",
           "s.ini:42: fault sections are named [fault.NAME] (NAME: letters, digits, '-', '_', 1 to 63 "
           "characters)",
           "s.ini:44: fault sections are named [fault.NAME] (NAME: letters, digits, '-', '_', 1 to 63 "
           "characters)",
           "s.ini:47: server: 'fe01.contoso.com;reboot' is not a valid DNS name",
           "s.ini:49: [fault.empty]: kind is required (fail, hang, drop, never-returns, not-ready, busy)");
}

static void test_faults_limit(void **state)
{
    (void)state;
    char *t = malloc(65536);
    size_t len = (size_t)sprintf(t, BASE);
    for (int i = 0; i < 65; i++)
        len += (size_t)sprintf(t + len, "[fault.f%d]\nkind = busy\n", i);
    /* The 65th section starts at line 12 + 64 * 2 = 140. */
    EXPECT(t, "s.ini:140: too many [fault.*] sections (64 at most)");
    free(t);
    /* The same section twice is one fault. */
    EXPECT_OK(BASE "[fault.x]\nkind = fail\n[sim]\nseed = 1\n[fault.x]\nserver = fe01.contoso.com\n"
                   "step = verify\n");
    assert_int_equal(C.sim.nfaults, 1);
    assert_int_equal(C.sim.faults[0].step, PP_STEP_VERIFY);
}

/* ---- the server generator ---- */

#define GEN SCEN POOL "[pool]\nquorum = lync\n[sim]\n" /* [sim] at line 10, keys from 11 */

static void test_generator(void **state)
{
    (void)state;
    EXPECT_OK(GEN "generate_servers = 10\ngenerate_domains = 3\ngenerate_pattern = web%d.example.com\n");
    assert_int_equal(C.nservers, 10);
    static const char *const doms[10] = {"UpgradeDomain1", "UpgradeDomain1", "UpgradeDomain1",
                                         "UpgradeDomain1", "UpgradeDomain2", "UpgradeDomain2",
                                         "UpgradeDomain2", "UpgradeDomain3", "UpgradeDomain3",
                                         "UpgradeDomain3"};
    for (int i = 0; i < 10; i++) {
        char name[64];
        snprintf(name, sizeof name, "web%d.example.com", i + 1);
        assert_string_equal(C.servers[i].name, name);
        assert_string_equal(C.servers[i].domain, doms[i]);
        assert_int_equal(C.servers[i].line, 11);
    }
    EXPECT_OK(GEN "generate_servers = 3\ngenerate_domains = 3\ngenerate_pattern = n%03d-x.example.com\n");
    assert_string_equal(C.servers[2].name, "n003-x.example.com");
    assert_string_equal(C.servers[2].domain, "UpgradeDomain3");
    EXPECT_OK(GEN "generate_servers = 1\ngenerate_domains = 1\ngenerate_pattern = %d.example.com\n");
    assert_string_equal(C.servers[0].name, "1.example.com");
    /* A fault may name a generated server. */
    EXPECT_OK(GEN "generate_servers = 4\ngenerate_domains = 2\ngenerate_pattern = h%d\n"
                  "[fault.x]\nkind = hang\nserver = h4\nstep = drain\n");
    /* The Lync limit applies to generated pools too. */
    EXPECT(SCEN POOL "[sim]\ngenerate_servers = 13\ngenerate_domains = 3\ngenerate_pattern = h%d\n",
           "s.ini:9: 13 servers: a Lync / Skype for Business pool has at most 12 Front Ends (16 only "
           "on Skype for Business Server 2019, profile = sfb2019; quorum = lync)");
}

static void test_generator_errors(void **state)
{
    (void)state;
    /* Patterns are checked strictly and never used as a printf format. */
    static const struct {
        const char *pattern, *why;
    } bad[] = {
        {"node.example.com", "has no %d where the number goes"},
        {"node%d-%d.example.com", "must contain exactly one %d conversion"},
        {"node%s.example.com", "must use %d, %Nd or %0Nd for the number (nothing else after '%')"},
        {"node%x.example.com", "must use %d, %Nd or %0Nd for the number (nothing else after '%')"},
        {"node%n.example.com", "must use %d, %Nd or %0Nd for the number (nothing else after '%')"},
        {"node%5.2d.example.com", "must use %d, %Nd or %0Nd for the number (nothing else after '%')"},
        {"node%-4d.example.com", "must use %d, %Nd or %0Nd for the number (nothing else after '%')"},
        {"node%ld.example.com", "must use %d, %Nd or %0Nd for the number (nothing else after '%')"},
        {"node%*d.example.com", "must use %d, %Nd or %0Nd for the number (nothing else after '%')"},
        {"node%%d.example.com", "must use %d, %Nd or %0Nd for the number (nothing else after '%')"},
        {"node%d%%.example.com", "must contain exactly one %d conversion"},
        {"node%030d.example.com", "has a field width that is too large (20 at most)"},
        {"node%100d.example.com", "has a field width that is too large (20 at most)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[512], want[512];
        snprintf(text, sizeof text,
                 GEN "generate_servers = 4\ngenerate_domains = 2\ngenerate_pattern = %s\n", bad[i].pattern);
        snprintf(want, sizeof want, "s.ini:13: generate_pattern: '%s' %s", bad[i].pattern, bad[i].why);
        EXPECT(text, want);
    }
    EXPECT(GEN "generate_servers = 4\ngenerate_domains = 2\ngenerate_pattern = node_%d.example.com\n",
           "s.ini:13: generate_pattern: 'node_%d.example.com' makes 'node_1.example.com', which is not a "
           "valid DNS name");
    EXPECT(GEN "generate_servers = 4\ngenerate_domains = 2\ngenerate_pattern = node%5d.example.com\n",
           "s.ini:13: generate_pattern: 'node%5d.example.com' makes 'node    1.example.com', which is not "
           "a valid DNS name");
    EXPECT(GEN "generate_servers = 4\ngenerate_domains = 5\ngenerate_pattern = n%d\n",
           "s.ini:12: generate_domains: 5 domains for 4 servers (a domain needs at least one server)");
    EXPECT(GEN "generate_servers = 4\ngenerate_pattern = n%d\n",
           "s.ini:11: the server generator needs generate_servers, generate_domains and "
           "generate_pattern together");
    EXPECT(GEN "generate_servers = 0\ngenerate_domains = 1\ngenerate_pattern = n%d\n",
           "s.ini:11: generate_servers: '0' is not a number from 1 to 4096");
    EXPECT(GEN "generate_servers = 4097\ngenerate_domains = 1\ngenerate_pattern = n%d\n",
           "s.ini:11: generate_servers: '4097' is not a number from 1 to 4096");
    EXPECT(SCEN POOL "[servers]\nfe01.contoso.com = UD1\n"
                     "[sim]\ngenerate_servers = 4\ngenerate_domains = 2\ngenerate_pattern = n%d\n",
           "s.ini:11: generate_servers cannot be combined with a [servers] list (line 8)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_list),
        cmocka_unit_test_teardown(test_builtin_load_clean, teardown),
        cmocka_unit_test_teardown(test_builtin_contents, teardown),
        cmocka_unit_test_teardown(test_unknown_builtin, teardown),
        cmocka_unit_test_teardown(test_scenario_file, teardown),
        cmocka_unit_test_teardown(test_scenario_text_required, teardown),
        cmocka_unit_test_teardown(test_sim_values, teardown),
        cmocka_unit_test_teardown(test_faults_good, teardown),
        cmocka_unit_test_teardown(test_faults_errors, teardown),
        cmocka_unit_test_teardown(test_faults_limit, teardown),
        cmocka_unit_test_teardown(test_generator, teardown),
        cmocka_unit_test_teardown(test_generator_errors, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
