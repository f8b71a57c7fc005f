/* The built-in PowerShell templates, wrapped exactly as they are sent over
 * SSH, run against the fake Front End (tests/tools/fake_cmdlet, called the
 * way sshd's ForceCommand calls it, without an sshd) and read back with
 * the same readers the runner uses (remote_marker, the CLIXML decoder).
 *
 * The fake imitates the Windows behaviours the templates must survive
 * (installer exit codes 3010/1641, $LASTEXITCODE in the global scope,
 * CLIXML on stderr, an installer still running, a blocking
 * Start-CsWindowsService, a reboot that was only a network blip, SfB
 * 2019's readiness parameters), so these tests exercise the templates'
 * own logic, not a copy of it.  A fake that never returns is stopped
 * after a generous bound and the test fails: no assertion on time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend/pool/remote.h"
#include "config/config.h"
#include "tests/unit/helpers.h"

static char fake[PATH_MAX];
static char skip_reason[256];

#define SKIP_IF_NEEDED()                                                                       \
    do {                                                                                       \
        if (skip_reason[0]) {                                                                  \
            print_message("skipped: %s\n", skip_reason);                                       \
            skip();                                                                            \
        }                                                                                      \
    } while (0)

struct server {
    char root[PATH_MAX];
    char dir[PATH_MAX + 32];
};

static void put(const struct server *s, const char *name, const char *text)
{
    char p[PATH_MAX + 128];
    snprintf(p, sizeof p, "%s/%s", s->dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int exists(const struct server *s, const char *name)
{
    char p[PATH_MAX + 128];
    snprintf(p, sizeof p, "%s/%s", s->dir, name);
    return access(p, F_OK) == 0;
}

static void server_new(struct server *s)
{
    snprintf(s->root, sizeof s->root, "%s", test_tmpdir());
    snprintf(s->dir, sizeof s->dir, "%s/fe01.contoso.com", s->root);
    assert_int_equal(mkdir(s->dir, 0755), 0);
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/pool.txt", s->root);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("pool pool01.contoso.com\nstate Ready\n"
          "domain UpgradeDomain1 fe01.contoso.com\ndomain UpgradeDomain2 fe02.contoso.com\n", f);
    fclose(f);
}

static void pool_line(const struct server *s, const char *line)
{
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/pool.txt", s->root);
    FILE *f = fopen(p, "a");
    assert_non_null(f);
    fprintf(f, "%s\n", line);
    fclose(f);
}

struct run {
    char *out, *err;   /* err: stderr as the runner shows it (CLIXML decoded) */
    size_t nout, nerr;
    enum pp_result res;
    char detail[256];
    int hung;
};

static void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

struct sink {
    char *p;
    size_t n;
};

static void sink_add(void *ctx, const char *t, size_t n)
{
    struct sink *k = ctx;
    k->p = realloc(k->p, k->n + n + 1);
    assert_non_null(k->p);
    memcpy(k->p + k->n, t, n);
    k->n += n;
    k->p[k->n] = 0;
}

/* Loads `profile`, expands command `kind` for fe01 and runs it wrapped. */
static struct run run_template(const struct server *s, const char *profile, int kind)
{
    struct pp_config cfg;
    struct pp_diag diag = {0};
    char ini[256];
    snprintf(ini, sizeof ini,
             "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\n"
             "[servers]\nfe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain2\n",
             profile);
    assert_int_equal(config_load_string(&cfg, "t.ini", ini, &diag), 0);
    struct pp_subst sub = {"fe01.contoso.com", "pool01.contoso.com", "UpgradeDomain1", NULL};
    char err[256];
    char *script = remote_expand(cfg.commands[kind], &sub, cfg.shell, err, sizeof err);
    if (!script)
        fail_msg("%s: %s", profile, err);
    char *cmd = remote_wrap(script, cfg.shell);
    assert_non_null(cmd);
    assert_true(strlen(cmd) <= PP_PS_CMDLINE_MAX);
    free(script);
    config_free(&cfg);
    diag_free(&diag);

    char po[PATH_MAX + 32], pe[PATH_MAX + 32];
    snprintf(po, sizeof po, "%s/stdout", s->root);
    snprintf(pe, sizeof pe, "%s/stderr", s->root);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fo = open(po, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(pe, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0)
            _exit(126);
        dup2(fo, 1);
        dup2(fe, 2);
        execl(fake, fake, s->dir, cmd, (char *)NULL);
        _exit(127);
    }
    free(cmd);
    struct run r = {0};
    int st = 0;
    for (int i = 0; i < 600; i++) {   /* a bound for a fake that hangs, not a timing */
        if (waitpid(pid, &st, WNOHANG) == pid)
            break;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
        if (i == 599) {
            r.hung = 1;
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
        }
    }
    r.out = test_read_file(po, &r.nout);
    size_t nraw = 0;
    char *raw = test_read_file(pe, &nraw);
    assert_non_null(r.out);
    assert_non_null(raw);
    struct remote_clixml x = {0};
    struct sink k = {calloc(1, 1), 0};
    remote_clixml_feed(&x, raw, nraw, sink_add, &k);
    remote_clixml_end(&x, sink_add, &k);
    free(raw);
    r.err = k.p;
    r.nerr = k.n;
    r.res = remote_marker(r.out, r.nout, r.detail, sizeof r.detail);
    return r;
}

static const char *const ps_profiles[] = {"lync2013", "sfb2015", "sfb2019"};

/* ---- item: installer exit codes ---- */

static void test_upgrade_exit_codes(void **state)
{
    (void)state;
    SKIP_IF_NEEDED();
    static const struct { const char *code; enum pp_result res; } cases[] = {
        {"0", PP_RES_OK}, {"3010", PP_RES_OK}, {"1641", PP_RES_OK},
        {"1603", PP_RES_FAILED}, {"1", PP_RES_FAILED}, {"-2147023673", PP_RES_FAILED}};
    for (size_t p = 0; p < 3; p++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct server s;
            server_new(&s);
            put(&s, "installer-exit", cases[i].code);
            struct run r = run_template(&s, ps_profiles[p], PP_CMD_UPGRADE);
            if (r.res != cases[i].res)
                fail_msg("%s, exit %s: result %d, out:\n%s\nerr:\n%s", ps_profiles[p],
                         cases[i].code, r.res, r.out, r.err);
            if (cases[i].res == PP_RES_OK) {
                assert_true(exists(&s, "patched"));
                assert_non_null(strstr(r.out, "update installer exit code"));
            } else {
                /* the code reaches the operator */
                assert_non_null(strstr(r.err, cases[i].code));
            }
            run_free(&r);
        }
}

/* ---- item 10: an installer still running ---- */

static void test_installer_still_running(void **state)
{
    (void)state;
    SKIP_IF_NEEDED();
    for (int kind = PP_CMD_UPGRADE; kind <= PP_CMD_RESTART; kind++) {
        struct server s;
        server_new(&s);
        put(&s, "installer-running", "yes\n");
        struct run r = run_template(&s, "sfb2019", kind);
        assert_int_equal(r.res, PP_RES_FAILED);
        assert_non_null(strstr(r.err, "still running"));
        assert_false(exists(&s, "patched"));
        assert_false(exists(&s, "rebooted-mid-install"));
        run_free(&r);
    }
}

/* ---- item 3: verbose records reach stdout, no CLIXML ---- */

static void test_streams_merged(void **state)
{
    (void)state;
    SKIP_IF_NEEDED();
    struct server s;
    server_new(&s);
    struct run r = run_template(&s, "lync2013", PP_CMD_DRAIN);
    assert_int_equal(r.res, PP_RES_OK);
    assert_non_null(strstr(r.out, "VERBOSE: Gracefully stopping services."));
    assert_null(strstr(r.err, "CLIXML"));
    assert_null(strstr(r.err, "<Objs"));
    run_free(&r);

    /* CLIXML that arrives anyway is shown as text */
    server_new(&s);
    put(&s, "clixml", "yes\n");
    r = run_template(&s, "lync2013", PP_CMD_DRAIN);
    assert_int_equal(r.res, PP_RES_OK);
    assert_string_equal(r.err, "VERBOSE: Gracefully stopping services.\n");
    run_free(&r);
}

/* ---- item 4: a UTF-8 BOM before the output ---- */

static void test_bom_before_marker(void **state)
{
    (void)state;
    SKIP_IF_NEEDED();
    struct server s;
    server_new(&s);
    put(&s, "bom", "yes\n");
    put(&s, "fail", "Restart-Computer\n");
    struct run r = run_template(&s, "sfb2015", PP_CMD_RESTART);
    assert_memory_equal(r.out, "\xEF\xBB\xBF", 3);
    assert_int_equal(r.res, PP_RES_FAILED);
    run_free(&r);
}

/* ---- item 2: SfB 2019 readiness while replicas are being built ---- */

static void test_readiness_does_not_wait_for_replicas(void **state)
{
    (void)state;
    SKIP_IF_NEEDED();
    /* Lync 2013 has no way to skip the wait (documented); the SfB
     * profiles must answer without waiting for replicas. */
    for (size_t p = 1; p < 3; p++) {
        struct server s;
        server_new(&s);
        pool_line(&s, "replicas building");
        struct run r = run_template(&s, ps_profiles[p], PP_CMD_READINESS);
        if (r.hung || r.res != PP_RES_OK)
            fail_msg("%s: hung %d, result %d, err %s", ps_profiles[p], r.hung, r.res, r.err);
        assert_non_null(strstr(r.out, "\"PoolUpgradeState\""));
        run_free(&r);
    }
}

/* ---- item 8: Start-CsWindowsService blocks while RTCSRV starts ---- */

static void test_verify_does_not_block_on_start(void **state)
{
    (void)state;
    SKIP_IF_NEEDED();
    struct server s;
    server_new(&s);
    put(&s, "services", "Stopped\n");
    put(&s, "start-blocks", "yes\n");
    struct run r = run_template(&s, "sfb2019", PP_CMD_VERIFY);
    assert_false(r.hung);
    assert_int_equal(r.res, PP_RES_OK);
    run_free(&r);
}

/* ---- item 11: a restart is proven by LastBootUpTime ---- */

static char *slurp_state(const struct server *s, const char *name)
{
    char p[PATH_MAX + 128];
    snprintf(p, sizeof p, "%s/%s", s->dir, name);
    size_t n;
    return test_read_file(p, &n);
}

static void test_restart_proven_by_boot_time(void **state)
{
    (void)state;
    SKIP_IF_NEEDED();
    /* a network blip: the session drops, the server never rebooted */
    struct server s;
    server_new(&s);
    put(&s, "blip", "yes\n");
    put(&s, "reboot-delay", "0\n");
    struct run r = run_template(&s, "lync2013", PP_CMD_RESTART);
    assert_int_equal(r.res, PP_RES_OK);
    run_free(&r);
    r = run_template(&s, "lync2013", PP_CMD_VERIFY);
    assert_int_equal(r.res, PP_RES_FAILED);
    assert_non_null(strstr(r.detail, "did not restart"));
    run_free(&r);

    /* a real reboot: the boot counter moves on (the crash is detached:
     * wait for it to have happened before verifying) */
    server_new(&s);
    put(&s, "reboot-delay", "0\n");
    r = run_template(&s, "lync2013", PP_CMD_RESTART);
    assert_int_equal(r.res, PP_RES_OK);
    run_free(&r);
    for (int i = 0; i < 600; i++) {
        char *b = slurp_state(&s, "boot");
        int moved = b && atoi(b) == 2;
        free(b);
        if (moved)
            break;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    r = run_template(&s, "lync2013", PP_CMD_VERIFY);
    if (r.res != PP_RES_OK)
        fail_msg("verify after a reboot: %s / %s", r.detail, r.err);
    assert_non_null(strstr(r.out, "restarted"));
    run_free(&r);
    /* and once more without a restart in between: nothing to compare */
    r = run_template(&s, "lync2013", PP_CMD_VERIFY);
    assert_int_equal(r.res, PP_RES_OK);
    run_free(&r);
}

/* ---- the cmd.exe command line limit, for every built-in template ---- */

static void test_templates_fit_cmd_exe(void **state)
{
    (void)state;
    for (size_t p = 0; p < 3; p++) {
        struct pp_config cfg;
        struct pp_diag diag = {0};
        char ini[256];
        snprintf(ini, sizeof ini,
                 "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\n"
                 "[servers]\nfe01.contoso.com = UpgradeDomain1\n", ps_profiles[p]);
        if (config_load_string(&cfg, "t.ini", ini, &diag) != 0)
            fail_msg("%s: %s", ps_profiles[p], diag.n ? diag.msgs[0] : "?");
        /* the longest names a pool may have */
        char host[254];
        memset(host, 'a', 253);
        for (int i = 63; i < 253; i += 64)
            host[i] = '.';
        host[253] = 0;
        struct pp_subst sub = {host, host, "UpgradeDomain12", host, host};
        for (int k = 0; k < PP_CMD_COUNT; k++) {
            char err[256];
            char *script = remote_expand(cfg.commands[k], &sub, cfg.shell, err, sizeof err);
            if (!script)
                fail_msg("%s %d: %s", ps_profiles[p], k, err);
            assert_null(strstr(script, "LASTEXITCODE"));
            char *cmd = remote_wrap(script, cfg.shell);
            if (strlen(cmd) > PP_PS_CMDLINE_MAX)
                fail_msg("%s command %d is %zu characters", ps_profiles[p], k, strlen(cmd));
            free(cmd);
            free(script);
        }
        config_free(&cfg);
        diag_free(&diag);
    }
}

static int group_setup(void **state)
{
    (void)state;
    const char *f = getenv("PP_FAKE_CMDLET");
    if (f) {
        snprintf(fake, sizeof fake, "%s", f);
    } else {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        self[n > 0 ? n : 0] = 0;
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = 0;
        snprintf(fake, sizeof fake, "%s/fake_cmdlet", self);
    }
    if (access(fake, X_OK) != 0)
        snprintf(skip_reason, sizeof skip_reason, "%s not built (--target fake_cmdlet)", fake);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_templates_fit_cmd_exe),
        cmocka_unit_test(test_upgrade_exit_codes),
        cmocka_unit_test(test_installer_still_running),
        cmocka_unit_test(test_streams_merged),
        cmocka_unit_test(test_bom_before_marker),
        cmocka_unit_test(test_readiness_does_not_wait_for_replicas),
        cmocka_unit_test(test_verify_does_not_block_on_start),
        cmocka_unit_test(test_restart_proven_by_boot_time),
    };
    return cmocka_run_group_tests(tests, group_setup, test_tmpdirs_remove);
}
