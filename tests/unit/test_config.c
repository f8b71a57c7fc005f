/* config/: loading, defaults, profiles and every rule of a pool file, with
 * the exact "FILE:LINE: message" lines an operator would read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/pool/remote.h"
#include "config/config.h"
#include "tests/unit/helpers.h"

static struct pp_config C;
static struct pp_diag D;

static int load(const char *text)
{
    config_free(&C);
    diag_free(&D);
    return config_load_string(&C, "t.ini", text, &D);
}

/* Loads `text` and requires exactly the messages in `want` (NULL-ended),
 * in order; rc must be 0 when none are expected, -1 otherwise. */
static void check_msgs(const char *text, const char *const *want)
{
    int rc = load(text);
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

#define EXPECT(text, ...) check_msgs((text), (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_OK(text) check_msgs((text), (const char *const[]){NULL})

/* Lines 1-3 and 4-6: anything appended starts at line 7. */
#define POOL "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n"
#define SERVERS "[servers]\nfe01.contoso.com = UpgradeDomain1\nfe02.contoso.com = UpgradeDomain2\n"
#define BASE POOL SERVERS
/* A lab: a custom pool that takes lync2013's commands (lines 1-4). */
#define LAB "[pool]\nfqdn = pool01.contoso.com\nprofile = custom\ncommands_from = lync2013\n"

static int teardown(void **state)
{
    (void)state;
    config_free(&C);
    diag_free(&D);
    return 0;
}

/* ---- defaults and profiles ---- */

static void test_defaults(void **state)
{
    (void)state;
    EXPECT_OK(BASE);
    assert_string_equal(C.path, "t.ini");
    assert_string_equal(C.fqdn, "pool01.contoso.com");
    assert_string_equal(C.profile, "lync2013");
    assert_int_equal(C.mode, PP_MODE_GRACEFUL);
    assert_int_equal(C.confirm, PP_CONFIRM_DOMAIN);
    assert_int_equal(C.parallel, 0);
    assert_int_equal(C.quorum, PP_QUORUM_LYNC);
    assert_int_equal(C.shell, PP_SHELL_POWERSHELL);
    assert_string_equal(C.backup_pool, "");
    assert_int_equal(C.ssh.auth, PP_AUTH_AUTO);
    assert_int_equal(C.ssh.port, 0);
    assert_int_equal(C.ssh.connect_timeout, 15000);
    assert_int_equal(C.ssh.keepalive, 15000);
    assert_int_equal(C.timing.busy_retry, 10 * 60000);
    assert_int_equal(C.timing.busy_strikes, 3);
    assert_int_equal(C.timing.settle, 20 * 60000);
    assert_int_equal(C.timing.step_timeout[PP_STEP_DRAIN], 60 * 60000);
    assert_int_equal(C.timing.step_timeout[PP_STEP_UPGRADE], 3 * 3600000);
    assert_int_equal(C.timing.step_timeout[PP_STEP_RESTART], 30 * 60000);
    assert_int_equal(C.timing.step_timeout[PP_STEP_VERIFY], 60 * 60000);
    assert_int_equal(C.timing.readiness_timeout, 10 * 60000);
    assert_int_equal(C.timing.failover_timeout, 60 * 60000);
    assert_int_equal(C.timing.probe_timeout, 2 * 60000);
    assert_false(C.sim.present);
    assert_int_equal(C.nkeys, 0);
    /* Servers in topology order, with their line. */
    assert_int_equal(C.nservers, 2);
    assert_string_equal(C.servers[0].name, "fe01.contoso.com");
    assert_string_equal(C.servers[0].domain, "UpgradeDomain1");
    assert_int_equal(C.servers[0].line, 5);
    assert_string_equal(C.servers[1].name, "fe02.contoso.com");
    assert_int_equal(C.servers[1].line, 6);
    for (int k = 0; k < PP_CMD_COUNT; k++)
        assert_true(C.commands[k] && *C.commands[k]);
}

static const char *cmd(int k) { return C.commands[k]; }

static void test_profile_lync2013(void **state)
{
    (void)state;
    EXPECT_OK(BASE);
    assert_non_null(strstr(cmd(PP_CMD_READINESS), "Import-Module Lync\n"));
    assert_non_null(strstr(cmd(PP_CMD_READINESS), "Get-CsPoolUpgradeReadinessState |"));
    assert_null(strstr(cmd(PP_CMD_READINESS), "SkipIdle"));
    assert_non_null(strstr(cmd(PP_CMD_READINESS), "ConvertTo-Json -Depth 4"));
    assert_non_null(strstr(cmd(PP_CMD_READINESS), "PoolUpgradeState"));
    assert_non_null(strstr(cmd(PP_CMD_READINESS), "TotalActiveFrontEnds"));
    assert_non_null(strstr(cmd(PP_CMD_READINESS), "ReadyForUpgrade"));
    assert_non_null(strstr(cmd(PP_CMD_DRAIN), "Stop-CsWindowsService -Graceful -NoWait -Confirm:$false -Verbose"));
    assert_non_null(strstr(cmd(PP_CMD_DRAIN), "$all = @(Get-CsWindowsService)"));
    assert_non_null(strstr(cmd(PP_CMD_DRAIN_NOW), "Stop-CsWindowsService -Confirm:$false -Verbose"));
    assert_null(strstr(cmd(PP_CMD_DRAIN_NOW), "-Graceful"));
    assert_non_null(strstr(cmd(PP_CMD_UPGRADE), "LyncServerUpdateInstaller.exe"));
    assert_non_null(strstr(cmd(PP_CMD_UPGRADE), "/silentmode"));
    assert_null(strstr(cmd(PP_CMD_UPGRADE), "LASTEXITCODE"));
    assert_non_null(strstr(cmd(PP_CMD_RESTART), "LastBootUpTime"));
    assert_non_null(strstr(cmd(PP_CMD_RESTART), "\nRestart-Computer -Force"));
    assert_non_null(strstr(cmd(PP_CMD_VERIFY), "Start-CsWindowsService -NoWait"));
    assert_non_null(strstr(cmd(PP_CMD_VERIFY), "TcpClient"));
    assert_non_null(strstr(cmd(PP_CMD_VERIFY), "Connect('{server}', 5061)"));
    assert_non_null(strstr(cmd(PP_CMD_PROBE), "Format-Table -AutoSize Name, Status, ActivityLevel"));
    assert_non_null(strstr(cmd(PP_CMD_FABRIC), "Get-CsPoolFabricState -PoolFqdn '{pool}'"));
    assert_non_null(strstr(cmd(PP_CMD_FAILOVER), "Invoke-CsPoolFailOver -PoolFqdn '{pool}' -Confirm:$false -Verbose"));
    assert_null(strstr(cmd(PP_CMD_FAILOVER), "DisasterMode"));
    assert_non_null(strstr(cmd(PP_CMD_FAILBACK), "Invoke-CsPoolFailBack -PoolFqdn '{pool}' -Confirm:$false -Verbose"));
    /* Comment lines inside a script are INI comments: none may have been
     * meant as script lines. */
    for (int k = 0; k < PP_CMD_COUNT; k++)
        assert_null(strstr(cmd(k), " ;"));
}

static void test_profile_sfb(void **state)
{
    (void)state;
    EXPECT_OK("[pool]\nfqdn = p.contoso.com\nprofile = sfb2015\n" SERVERS);
    assert_non_null(strstr(cmd(PP_CMD_READINESS), "Import-Module SkypeForBusiness\n"));
    assert_non_null(
        strstr(cmd(PP_CMD_READINESS), "Get-CsPoolUpgradeReadinessState -SkipIdleSecondaryVerification |"));
    assert_non_null(strstr(cmd(PP_CMD_UPGRADE), "SkypeServerUpdateInstaller.exe"));
    assert_int_equal(C.shell, PP_SHELL_POWERSHELL);
    assert_int_equal(C.quorum, PP_QUORUM_LYNC);

    EXPECT_OK("[pool]\nfqdn = p.contoso.com\nprofile = sfb2019\n" SERVERS);
    assert_non_null(strstr(cmd(PP_CMD_READINESS), "Get-CsUpgradeDomainInfo @a |"));
    assert_non_null(strstr(cmd(PP_CMD_DRAIN), "Import-Module SkypeForBusiness"));
    assert_non_null(strstr(cmd(PP_CMD_UPGRADE), "SkypeServerUpdateInstaller.exe"));
}

/* --check-config knows the length of the command line each PowerShell
 * template becomes (cmd.exe: at most 8191 characters), exactly: a script
 * whose wrapped form is 8191 characters passes, one character more fails. */
static char *long_script(size_t last)
{
    /* three lines of 800 characters and one of `last` (INI lines are
     * bounded; continuation lines join with a newline) */
    size_t cap = 4 * 1000 + last + 64;
    char *s = malloc(cap);
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        size_t len = i < 3 ? 800 : last;
        n += (size_t)snprintf(s + n, cap - n, "%s$v%d = '", i ? "\n" : "", i);
        memset(s + n, 'x', len);
        n += len;
        n += (size_t)snprintf(s + n, cap - n, "'");
    }
    return s;
}

static size_t wrapped_len(const char *script)
{
    char *cmd = remote_wrap(script, PP_SHELL_POWERSHELL);
    size_t n = strlen(cmd);
    free(cmd);
    return n;
}

static void test_command_length_limit(void **state)
{
    (void)state;
    size_t last = 0;
    char *s = NULL;
    for (;; last++) {   /* the longest script that fits */
        char *t = long_script(last + 1);
        size_t n = wrapped_len(t);
        free(t);
        if (n > 8191)
            break;
    }
    s = long_script(last);
    assert_true(wrapped_len(s) <= 8191);
    char *ini = malloc(strlen(s) + 512);
    char *over = long_script(last + 1);
    for (int round = 0; round < 2; round++) {
        const char *script = round ? over : s;
        size_t n = (size_t)sprintf(ini, BASE "[commands]\nreadiness =\n");
        for (const char *p = script; *p;) {   /* continuation lines */
            size_t k = strcspn(p, "\n");
            n += (size_t)sprintf(ini + n, "    %.*s\n", (int)k, p);
            p += k + (p[k] == '\n');
        }
        char want[256];
        snprintf(want, sizeof want, "t.ini:8: readiness: sent as -EncodedCommand it is %zu "
                 "characters, over cmd.exe's limit of 8191 (Win32-OpenSSH runs commands through "
                 "cmd.exe): shorten it, or keep the script in a .ps1 file on the servers and "
                 "call that", wrapped_len(over));
        if (round)
            EXPECT(ini, want);
        else
            EXPECT_OK(ini);
    }
    free(over);
    free(ini);
    free(s);
    /* posix commands have no such limit here */
    EXPECT_OK("[pool]\nfqdn = web.example.net\nprofile = linux-systemd\n" SERVERS);
}

static void test_profile_linux_and_custom(void **state)
{
    (void)state;
    EXPECT_OK("[pool]\nfqdn = web.example.net\nprofile = linux-systemd\n" SERVERS);
    assert_int_equal(C.shell, PP_SHELL_POSIX);
    assert_int_equal(C.quorum, PP_QUORUM_MAJORITY);
    assert_string_equal(cmd(PP_CMD_READINESS), "cat /etc/poolpilot/readiness.json");
    assert_string_equal(cmd(PP_CMD_DRAIN), "systemctl stop app.service");
    assert_string_equal(cmd(PP_CMD_RESTART), "systemctl reboot");
    assert_string_equal(cmd(PP_CMD_VERIFY), "systemctl is-system-running --wait");
    assert_non_null(strstr(cmd(PP_CMD_UPGRADE), "DEBIAN_FRONTEND=noninteractive"));
    assert_non_null(strstr(cmd(PP_CMD_UPGRADE), "apt-get -y"));
    assert_string_equal(cmd(PP_CMD_FABRIC), "");
    assert_string_equal(cmd(PP_CMD_FAILOVER), "");
    assert_string_equal(cmd(PP_CMD_FAILBACK), "");

    EXPECT_OK("[pool]\nfqdn = db.example.org\nprofile = custom\n" SERVERS
              "[commands]\nreadiness = r\ndrain = d\nupgrade = u\nrestart = x\nverify = v\n");
    assert_int_equal(C.shell, PP_SHELL_POSIX);
    assert_int_equal(C.quorum, PP_QUORUM_MAJORITY);
    assert_string_equal(cmd(PP_CMD_DRAIN), "d");
    assert_string_equal(cmd(PP_CMD_PROBE), "");
    assert_string_equal(cmd(PP_CMD_FABRIC), "");
}

/* Issue 14 class 3: a Lync / SfB pool cannot switch Microsoft's quorum
 * table off, whatever the file says; custom and linux-systemd may choose. */
static void test_quorum_fixed_for_lync_profiles(void **state)
{
    (void)state;
    static const char *const lync[] = {"lync2013", "sfb2015", "sfb2019"};
    for (int i = 0; i < 3; i++) {
        char text[512], want[256];
        snprintf(text, sizeof text,
                 "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\nquorum = none\n" SERVERS,
                 lync[i]);
        snprintf(want, sizeof want,
                 "t.ini:4: quorum = none: a %s pool always keeps Microsoft's quorum table "
                 "(quorum = lync); only profile = custom or linux-systemd may choose another rule",
                 lync[i]);
        EXPECT(text, want);
        snprintf(text, sizeof text,
                 "[pool]\nfqdn = pool01.contoso.com\nquorum = majority\nprofile = %s\n" SERVERS,
                 lync[i]);
        snprintf(want, sizeof want,
                 "t.ini:3: quorum = majority: a %s pool always keeps Microsoft's quorum table "
                 "(quorum = lync); only profile = custom or linux-systemd may choose another rule",
                 lync[i]);
        EXPECT(text, want);
    }
    EXPECT_OK("[pool]\nfqdn = db.example.org\nprofile = custom\nquorum = none\n" SERVERS
              "[commands]\nreadiness = r\ndrain = d\nupgrade = u\nrestart = x\nverify = v\n");
    assert_int_equal(C.quorum, PP_QUORUM_NONE);
    EXPECT_OK("[pool]\nfqdn = web.example.net\nprofile = linux-systemd\nquorum = none\n" SERVERS);
    assert_int_equal(C.quorum, PP_QUORUM_NONE);
}

/* Issue 11 item 7: Lync 2013 goes domain by domain, Skype for Business
 * 2015/2019 server by server with the computer failover cmdlets; a
 * product's procedure cannot be switched, parallel cannot contradict it,
 * and custom / linux-systemd pools may choose. */
static void test_procedure_follows_the_product(void **state)
{
    (void)state;
    EXPECT_OK("[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n" SERVERS);
    assert_int_equal(C.procedure, PP_PROC_DOMAIN);
    assert_null(strstr(cmd(PP_CMD_DRAIN), "Invoke-CsComputerFailOver"));
    assert_non_null(strstr(cmd(PP_CMD_DRAIN), "Stop-CsWindowsService -Graceful"));
    static const char *const sfb[] = {"sfb2015", "sfb2019"};
    for (int i = 0; i < 2; i++) {
        char text[512], want[256];
        snprintf(text, sizeof text, "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\n" SERVERS,
                 sfb[i]);
        EXPECT_OK(text);
        assert_int_equal(C.procedure, PP_PROC_SERVER);
        /* each server fails itself over and back, named by its own FQDN */
        assert_non_null(strstr(cmd(PP_CMD_DRAIN),
                               "Invoke-CsComputerFailOver -ComputerName '{server}'"));
        assert_non_null(strstr(cmd(PP_CMD_DRAIN_NOW), "-DrainingTimeout"));
        assert_non_null(strstr(cmd(PP_CMD_VERIFY),
                               "Invoke-CsComputerFailBack -ComputerName '{server}'"));
        assert_null(strstr(cmd(PP_CMD_VERIFY), "Start-CsWindowsService"));
        assert_null(strstr(cmd(PP_CMD_DRAIN), "Stop-CsWindowsService"));
        snprintf(text, sizeof text,
                 "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\nprocedure = domain\n" SERVERS,
                 sfb[i]);
        snprintf(want, sizeof want,
                 "t.ini:4: procedure = domain: a %s pool follows Microsoft's Skype for Business "
                 "procedure, one server at a time (procedure = server); only profile = custom or "
                 "linux-systemd may choose",
                 sfb[i]);
        EXPECT(text, want);
        snprintf(text, sizeof text,
                 "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\nparallel = 2\n" SERVERS, sfb[i]);
        EXPECT(text, "t.ini:4: parallel = 2: a Skype for Business pool is patched one server "
                     "at a time (set parallel = 1 or 0)");
        snprintf(text, sizeof text,
                 "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\nparallel = 1\n" SERVERS, sfb[i]);
        EXPECT_OK(text);
    }
    EXPECT("[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\nprocedure = server\n" SERVERS,
           "t.ini:4: procedure = server: Lync Server 2013 has no Invoke-CsComputerFailOver; a "
           "lync2013 pool is upgraded one upgrade domain at a time (procedure = domain)");
    EXPECT("[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\nprocedure = rolling\n" SERVERS,
           "t.ini:4: procedure: 'rolling' is not one of domain, server");
    /* a lab pool borrowing SfB's commands borrows its procedure too */
    EXPECT_OK("[pool]\nfqdn = pool01.contoso.com\nprofile = custom\ncommands_from = sfb2019\n" SERVERS);
    assert_int_equal(C.procedure, PP_PROC_SERVER);
    /* ... and cannot fail a whole domain over at once (nor twice in parallel) */
    EXPECT("[pool]\nfqdn = pool01.contoso.com\nprofile = custom\ncommands_from = sfb2019\n"
           "procedure = domain\nparallel = 2\n" SERVERS,
           "t.ini:5: procedure = domain: the drain command runs Invoke-CsComputerFailOver, which "
           "Microsoft runs on one server at a time (\"Patch or update Front End Servers\"); set "
           "procedure = server");
    EXPECT("[pool]\nfqdn = pool01.contoso.com\nprofile = custom\ncommands_from = sfb2019\n"
           "procedure = server\nparallel = 2\n" SERVERS,
           "t.ini:6: parallel = 2: procedure = server takes one server down at a time (set "
           "parallel = 1 or 0, or procedure = domain)");
    EXPECT("[pool]\nfqdn = pool01.contoso.com\nprofile = custom\ncommands_from = lync2013\n"
           "[commands]\ndrain = Invoke-CsComputerFailOver -ComputerName '{server}'\n" SERVERS,
           "t.ini:6: procedure = domain: the drain command runs Invoke-CsComputerFailOver, which "
           "Microsoft runs on one server at a time (\"Patch or update Front End Servers\"); set "
           "procedure = server");
    EXPECT_OK("[pool]\nfqdn = web.example.net\nprofile = linux-systemd\nprocedure = server\n" SERVERS);
    assert_int_equal(C.procedure, PP_PROC_SERVER);
    EXPECT("[pool]\nfqdn = web.example.net\nprofile = linux-systemd\nprocedure = server\n"
           "parallel = 3\n" SERVERS,
           "t.ini:5: parallel = 3: procedure = server takes one server down at a time (set "
           "parallel = 1 or 0, or procedure = domain)");
}

static void test_user_overrides_profile(void **state)
{
    (void)state;
    /* The profile is named after the keys it overrides: order of keys in
     * the file does not matter, the user's file always wins. */
    EXPECT_OK("[pool]\nquorum = lync\nshell = posix\nfqdn = pool01.contoso.com\nprofile = lync2013\n"
              "mode = downtime\nconfirm = step\nparallel = 2\n" SERVERS);
    assert_int_equal(C.quorum, PP_QUORUM_LYNC);
    assert_int_equal(C.shell, PP_SHELL_POSIX);
    assert_int_equal(C.mode, PP_MODE_DOWNTIME);
    assert_int_equal(C.confirm, PP_CONFIRM_STEP);
    assert_int_equal(C.parallel, 2);
    /* Keys, sections and values are case-insensitive where they name things. */
    EXPECT_OK("[Pool]\nFQDN = pool01.contoso.com\nProfile = LYNC2013\nMode = Downtime\n" SERVERS);
    assert_string_equal(C.profile, "lync2013");
    assert_int_equal(C.mode, PP_MODE_DOWNTIME);
}

static void test_examples_load_clean(void **state)
{
    (void)state;
    static const char *const files[] = {"lync2013", "sfb2015", "sfb2019", "linux-systemd", "custom"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "config/examples/%s.ini", files[i]);
        const char *path = test_src_path(rel);
        config_free(&C);
        diag_free(&D);
        int rc = config_load_file(&C, path, &D);
        for (int k = 0; k < D.n; k++)
            fprintf(stderr, "%s\n", D.msgs[k]);
        assert_int_equal(rc, 0);
        assert_int_equal(D.n, 0);
        assert_string_equal(C.profile, files[i]);
        assert_string_equal(C.path, path);
        assert_true(C.nservers > 0);
    }
}

/* ---- [pool] ---- */

static void test_pool_required(void **state)
{
    (void)state;
    EXPECT(SERVERS, "t.ini: missing [pool] section (fqdn and profile are required)");
    EXPECT("[pool]\nmode = graceful\n" SERVERS,
           "t.ini:1: [pool] fqdn is required (the pool's fully qualified name)",
           "t.ini:1: [pool] profile is required (lync2013, sfb2015, sfb2019, linux-systemd, custom)");
    EXPECT("[pool]\nfqdn = pool01.contoso.com\nprofile = lync2016\n" SERVERS,
           "t.ini:3: profile: 'lync2016' is not one of lync2013, sfb2015, sfb2019, linux-systemd, "
           "custom");
    EXPECT("", "t.ini: missing [pool] section (fqdn and profile are required)",
           "t.ini: no servers: list the pool's Front Ends in [servers] as 'fqdn = upgrade-domain', in "
           "topology order");
}

static void test_pool_values(void **state)
{
    (void)state;
    EXPECT(BASE "[pool]\nmode = fast\nconfirm = never\nquorum = some\nshell = bash\nparallel = -1\n",
           "t.ini:8: mode: 'fast' is not one of graceful, downtime",
           "t.ini:9: confirm: 'never' is not one of domain, server, step",
           "t.ini:10: quorum: 'some' is not one of lync, majority, none",
           "t.ini:11: shell: 'bash' is not one of powershell, posix",
           "t.ini:12: parallel: '-1' is not a number from 0 to 4096");
    EXPECT(BASE "[pool]\nparallel = 4097\n", "t.ini:8: parallel: '4097' is not a number from 0 to 4096");
    EXPECT("[pool]\nfqdn = pool01_contoso.com\nprofile = lync2013\n" SERVERS,
           "t.ini:2: fqdn: 'pool01_contoso.com' is not a valid DNS name");
}

/* [pool] backend: the Back End's SQL Server (issue 11 item 13) */
static void test_pool_backend(void **state)
{
    (void)state;
    EXPECT_OK(BASE "[pool]\nbackend = sql01.contoso.com\n");
    assert_string_equal(C.backend, "sql01.contoso.com");
    assert_non_null(strstr(C.commands[PP_CMD_BACKEND],
                           "Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn "
                           "'{backend}'"));
    EXPECT(BASE "[pool]\nbackend = sql01;contoso.com\n",
           "t.ini:8: backend: 'sql01;contoso.com' is not a valid DNS name");
    EXPECT(BASE "[pool]\nbackend = fe01.contoso.com\n",
           "t.ini:8: backend must name the Back End's SQL Server, not this pool or one of its "
           "Front Ends");
    EXPECT("[pool]\nfqdn = pool01.contoso.com\nprofile = linux-systemd\nbackend = sql01.contoso.com\n"
           SERVERS,
           "t.ini:4: backend applies to lync2013, sfb2015 and sfb2019 pools (the Back End's SQL "
           "Server), not to profile linux-systemd");
}

static void test_pool_backup(void **state)
{
    (void)state;
    EXPECT_OK(BASE "[pool]\nbackup_pool = pool02.contoso.com\nfailover_on = fe01.pool02.contoso.com\n");
    assert_string_equal(C.backup_pool, "pool02.contoso.com");
    assert_string_equal(C.failover_on, "fe01.pool02.contoso.com");
    EXPECT(BASE "[pool]\nbackup_pool = pool02.contoso.com\n",
           "t.ini:8: backup_pool is set: failover_on is required (a Front End of pool02.contoso.com, "
           "where failover and failback run)");
    EXPECT(BASE "[pool]\nfailover_on = fe01.pool02.contoso.com\n",
           "t.ini:8: failover_on needs backup_pool (the disaster-recovery pair)");
    EXPECT(BASE "[pool]\nbackup_pool = POOL01.contoso.com\nfailover_on = fe01.contoso.com\n",
           "t.ini:8: backup_pool cannot be the pool itself",
           "t.ini:9: failover_on must be a Front End of the backup pool, not of this pool");
    /* An invalid backup pool is reported once, not again as "missing". */
    EXPECT(BASE "[pool]\nbackup_pool = pool02..contoso.com\nfailover_on = fe01.pool02.contoso.com\n",
           "t.ini:8: backup_pool: 'pool02..contoso.com' is not a valid DNS name");
    /* Empty = not paired. */
    EXPECT_OK(BASE "[pool]\nbackup_pool =\n");
    assert_string_equal(C.backup_pool, "");
}

/* ---- [servers] ---- */

static void test_servers_rules(void **state)
{
    (void)state;
    EXPECT(POOL "[servers]\nfe01.contoso.com = UD1\nfe02.contoso.com = UD1\nFE01.contoso.com = UD1\n",
           "t.ini:7: server 'FE01.contoso.com' is listed twice (first at line 5)");
    EXPECT(POOL "[servers]\nfe01.contoso.com = UD1\nfe02.contoso.com = UD2\nfe01.contoso.com = UD2\n",
           "t.ini:7: server 'fe01.contoso.com' is in two domains: 'UD1' (line 5) and 'UD2'");
    EXPECT(POOL "[servers]\nfe01.contoso.com = UD1\nfe01.contoso.com =\n",
           "t.ini:6: server 'fe01.contoso.com' is listed twice (first at line 5)");
    EXPECT(POOL "[servers]\nfe-.contoso.com = UD1\nfe01.contoso.com = Upgrade Domain 1\n"
                "fe02.contoso.com = " "UD1234567890123456789012345678901234567890123456789012345678901234\n",
           "t.ini:5: server 'fe-.contoso.com' is not a valid DNS name",
           "t.ini:6: server 'fe01.contoso.com': 'Upgrade Domain 1' is not a valid upgrade domain name "
           "(letters, digits, '-', '_', '.', 1 to 63 characters, not starting with '-' or '.')",
           "t.ini:7: server 'fe02.contoso.com': "
           "'UD1234567890123456789012345678901234567890123456789012345678...' is not a valid upgrade "
           "domain name (letters, digits, '-', '_', '.', 1 to 63 characters, not starting with '-' or '.')");
    EXPECT(POOL "[servers]\n", "t.ini:4: no servers: list the pool's Front Ends in [servers] as "
                               "'fqdn = upgrade-domain', in topology order");
    EXPECT(POOL, "t.ini:1: no servers: list the pool's Front Ends in [servers] as "
                 "'fqdn = upgrade-domain', in topology order");
    /* Domains may be left to the readiness check; names keep their order. */
    EXPECT_OK(POOL "[servers]\nfe03.contoso.com =\nfe01.contoso.com = UD.1_a-b\nfe02.contoso.com\t=\tUD2\n");
    assert_int_equal(C.nservers, 3);
    assert_string_equal(C.servers[0].name, "fe03.contoso.com");
    assert_string_equal(C.servers[0].domain, "");
    assert_string_equal(C.servers[1].name, "fe01.contoso.com");
    assert_string_equal(C.servers[1].domain, "UD.1_a-b");
    assert_string_equal(C.servers[2].domain, "UD2");
}

static char *many_servers(int n, const char *quorum, const char *profile)
{
    size_t cap = 256 + (size_t)n * 64;
    char *t = malloc(cap);
    size_t len = (size_t)snprintf(t, cap, "[pool]\nfqdn = p.example.com\nprofile = %s\n%s%s\n[servers]\n",
                                  profile,
                                  quorum ? "quorum = " : "", quorum ? quorum : "");
    for (int i = 1; i <= n; i++)
        len += (size_t)snprintf(t + len, cap - len, "fe%02d.example.com = UD%d\n", i, (i + 2) / 3);
    return t;
}

static void test_servers_lync_limit(void **state)
{
    (void)state;
    char *t = many_servers(12, NULL, "lync2013");
    EXPECT_OK(t);
    assert_int_equal(C.nservers, 12);
    free(t);
    t = many_servers(13, NULL, "lync2013");
    EXPECT(t, "t.ini:5: 13 servers: a Lync / Skype for Business pool has at most 12 Front Ends "
              "(16 only on Skype for Business Server 2019, profile = sfb2019; quorum = lync)");
    free(t);
    /* Skype for Business Server 2019 takes up to 16, 2015 does not */
    t = many_servers(16, NULL, "sfb2019");
    EXPECT_OK(t);
    assert_int_equal(C.nservers, 16);
    free(t);
    t = many_servers(17, NULL, "sfb2019");
    EXPECT(t, "t.ini:5: 17 servers: a Skype for Business Server 2019 pool has at most 16 Front "
              "Ends (quorum = lync)");
    free(t);
    t = many_servers(13, NULL, "sfb2015");
    EXPECT(t, "t.ini:5: 13 servers: a Lync / Skype for Business pool has at most 12 Front Ends "
              "(16 only on Skype for Business Server 2019, profile = sfb2019; quorum = lync)");
    free(t);
    /* ... and a Lync pool cannot escape the limit by choosing another rule */
    t = many_servers(13, "majority", "lync2013");
    EXPECT(t, "t.ini:4: quorum = majority: a lync2013 pool always keeps Microsoft's quorum table "
              "(quorum = lync); only profile = custom or linux-systemd may choose another rule");
    free(t);
}

static void test_servers_injection(void **state)
{
    (void)state;
    /* Names reach remote command lines: only DNS names pass. */
    EXPECT(POOL "[servers]\n"
                "fe01;rm -rf / = UD1\n"
                "$(x) = UD1\n"
                "`reboot`.contoso.com = UD1\n"
                "'fe01'.contoso.com = UD1\n"
                "\"fe02\".contoso.com = UD1\n"
                "fe03.contoso.com|sh = UD1\n"
                "fe04.contoso.com = UD1;reboot\n"
                "fe05.contoso.com = $(reboot)\n"
                "fe06.contoso.com = -rf\n"
                "fe07.contoso.com = ..\n",
           "t.ini:5: server 'fe01;rm -rf /' is not a valid DNS name",
           "t.ini:6: server '$(x)' is not a valid DNS name",
           "t.ini:7: server '`reboot`.contoso.com' is not a valid DNS name",
           "t.ini:8: server ''fe01'.contoso.com' is not a valid DNS name",
           "t.ini:9: server '\"fe02\".contoso.com' is not a valid DNS name",
           "t.ini:10: server 'fe03.contoso.com|sh' is not a valid DNS name",
           "t.ini:11: server 'fe04.contoso.com': 'UD1;reboot' is not a valid upgrade domain name "
           "(letters, digits, '-', '_', '.', 1 to 63 characters, not starting with '-' or '.')",
           "t.ini:12: server 'fe05.contoso.com': '$(reboot)' is not a valid upgrade domain name "
           "(letters, digits, '-', '_', '.', 1 to 63 characters, not starting with '-' or '.')",
           "t.ini:13: server 'fe06.contoso.com': '-rf' is not a valid upgrade domain name "
           "(letters, digits, '-', '_', '.', 1 to 63 characters, not starting with '-' or '.')",
           "t.ini:14: server 'fe07.contoso.com': '..' is not a valid upgrade domain name "
           "(letters, digits, '-', '_', '.', 1 to 63 characters, not starting with '-' or '.')");
    /* A newline cannot sneak into a name: an indented line would continue
     * the value and is refused, a bare line is not a key. */
    EXPECT(POOL "[servers]\nfe01.contoso.com = UD1\n  ;reboot\n  reboot = x\nrm -rf /\n",
           "t.ini:7: this indented line would continue the value of 'fe01.contoso.com'; remove the "
           "indentation (only [commands] and [scenario] values may span lines)",
           "t.ini:8: expected 'key = value' or a [section] header");
    EXPECT("[pool]\nfqdn = pool01.contoso.com\n  $(reboot)\nprofile = lync2013\n" SERVERS,
           "t.ini:3: this indented line would continue the value of 'fqdn'; remove the indentation "
           "(only [commands] and [scenario] values may span lines)");
    EXPECT("[pool]\nfqdn = pool01.contoso.com$(reboot)\nprofile = lync2013\n" SERVERS,
           "t.ini:2: fqdn: 'pool01.contoso.com$(reboot)' is not a valid DNS name");
}

static void test_dns_names(void **state)
{
    (void)state;
    static const char *const good[] = {"fe01", "fe01.contoso.com", "a", "1.2.3.4", "a-b.c-d.e",
                                       "FE01.CONTOSO.COM", "x23456789012345678901234567890123456789012345678901234567890123.com"};
    static const char *const bad[] = {"", ".", "a.", ".a", "a..b", "-a", "a-", "a.-b", "a_b",
                                      "a b", "a;b", "a$b", "a`b", "a'b", "a\"b", "a\nb", "a/b",
                                      "ä.com", "x234567890123456789012345678901234567890123456789012345678901234.com"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(names_valid_host(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(names_valid_host(bad[i]));
    assert_false(names_valid_host(NULL));
    char longname[300];
    /* 4 labels of 63 + 3 dots = 255 > 253 */
    memset(longname, 'a', sizeof longname);
    for (int i = 63; i < 255; i += 64)
        longname[i] = '.';
    longname[255] = 0;
    assert_false(names_valid_host(longname));
    longname[253] = 0; /* 253 characters, last label 61 */
    assert_true(names_valid_host(longname));
}

/* ---- [ssh] and [timing] ---- */

static void test_ssh(void **state)
{
    (void)state;
    EXPECT_OK(BASE "[ssh]\nuser = CONTOSO\\admin\nport = 2222\nidentity = ~/.ssh/id_ed25519\n"
                   "known_hosts = /tmp/kh\nconfig = /tmp/sshcfg\nauth = GSSAPI\nconnect_timeout = 5s\n"
                   "keepalive = 0s\n");
    assert_string_equal(C.ssh.user, "CONTOSO\\admin");
    assert_int_equal(C.ssh.port, 2222);
    assert_string_equal(C.ssh.identity, "~/.ssh/id_ed25519");
    assert_string_equal(C.ssh.known_hosts, "/tmp/kh");
    assert_string_equal(C.ssh.config, "/tmp/sshcfg");
    assert_int_equal(C.ssh.auth, PP_AUTH_GSSAPI);
    assert_int_equal(C.ssh.connect_timeout, 5000);
    assert_int_equal(C.ssh.keepalive, 0);
    EXPECT(BASE "[ssh]\nport = 0\nport = 65536\nport = ssh\nauth = kerberos\nconnect_timeout = 0s\n"
                "keepalive = 15\nuser = u234567890123456789012345678901234567890123456789012345678901234\n"
                "frobnicate = 1\n",
           "t.ini:8: port: '0' is not a number from 1 to 65535",
           "t.ini:9: duplicate key 'port' in [ssh] (first set at line 8)",
           "t.ini:9: port: '65536' is not a number from 1 to 65535",
           "t.ini:10: duplicate key 'port' in [ssh] (first set at line 8)",
           "t.ini:10: port: 'ssh' is not a number from 1 to 65535",
           "t.ini:11: auth: 'kerberos' is not one of auto, key, password, gssapi",
           "t.ini:12: connect_timeout: cannot be 0",
           "t.ini:13: keepalive: '15' has no unit; units are required (250ms, 90s, 10m, 2h, 1h30m)",
           "t.ini:14: user: too long (63 characters at most)",
           "t.ini:15: unknown key 'frobnicate' in [ssh]");
}

/* [ssh] persistent_shell: off by default; yes only where steps are sh. */
static void test_ssh_persistent_shell(void **state)
{
    (void)state;
    EXPECT_OK(BASE);
    assert_false(C.ssh.persistent_shell);
    EXPECT_OK("[pool]\nfqdn = web.example.net\nprofile = linux-systemd\n"
              "[servers]\nweb1.example.net = a\n[ssh]\npersistent_shell = yes\n");
    assert_true(C.ssh.persistent_shell);
    EXPECT(BASE "[ssh]\npersistent_shell = yes\n",
           "t.ini:8: persistent_shell = yes: only for shell = posix; PowerShell steps run in a "
           "powershell.exe of their own (docs/POWERSHELL.md says why)");
    EXPECT(LAB SERVERS "[ssh]\npersistent_shell = yes\n",
           "t.ini:9: persistent_shell = yes: only for shell = posix; PowerShell steps run in a "
           "powershell.exe of their own (docs/POWERSHELL.md says why)");
    EXPECT(BASE "[ssh]\npersistent_shell = maybe\n",
           "t.ini:8: persistent_shell: 'maybe' is not one of no, yes");
}

static void test_timing(void **state)
{
    (void)state;
    /* a custom pool chooses its own safety timings (a Lync profile may not:
     * test_lync_timing_minimums) */
    EXPECT_OK(LAB SERVERS "[timing]\nbusy_retry = 5m\nbusy_strikes = 5\nsettle = 0s\ndrain_timeout = 2h\n"
                   "upgrade_timeout = 1h30m\nrestart_timeout = 45m\nverify_timeout = 90s\n"
                   "readiness_timeout = 168h\nfailover_timeout = 30m\nprobe_timeout = 500ms\n");
    assert_int_equal(C.timing.busy_retry, 5 * 60000);
    assert_int_equal(C.timing.busy_strikes, 5);
    assert_int_equal(C.timing.settle, 0);
    assert_int_equal(C.timing.step_timeout[PP_STEP_DRAIN], 2 * 3600000);
    assert_int_equal(C.timing.step_timeout[PP_STEP_UPGRADE], 90 * 60000);
    assert_int_equal(C.timing.step_timeout[PP_STEP_RESTART], 45 * 60000);
    assert_int_equal(C.timing.step_timeout[PP_STEP_VERIFY], 90000);
    assert_int_equal(C.timing.readiness_timeout, (int64_t)168 * 3600000);
    assert_int_equal(C.timing.failover_timeout, 30 * 60000);
    assert_int_equal(C.timing.probe_timeout, 500);
    EXPECT(BASE "[timing]\nbusy_retry = 10\nbusy_strikes = 0\nsettle = 169h\ndrain_timeout = 0m\n"
                "upgrade_timeout = 1.5h\nrestart_timeout = 8d\nverify_timeout =\n"
                "readiness_timeout = 10 m\nfailover_timeout = 30m1h\nprobe_timeout = -2m\n"
                "cooldown = 5m\n",
           "t.ini:8: busy_retry: '10' has no unit; units are required (250ms, 90s, 10m, 2h, 1h30m)",
           "t.ini:9: busy_strikes: '0' is not a number from 1 to 100",
           "t.ini:10: settle: 169h is more than 7 days",
           "t.ini:11: drain_timeout: cannot be 0",
           "t.ini:12: upgrade_timeout: '1.5h' is not a duration (write e.g. 250ms, 90s, 10m, 2h, 1h30m)",
           "t.ini:13: restart_timeout: '8d' is not a duration (write e.g. 250ms, 90s, 10m, 2h, 1h30m)",
           "t.ini:14: verify_timeout: '' is not a duration (write e.g. 250ms, 90s, 10m, 2h, 1h30m)",
           "t.ini:15: readiness_timeout: '10 m' is not a duration (write e.g. 250ms, 90s, 10m, 2h, "
           "1h30m)",
           "t.ini:16: failover_timeout: '30m1h' is not a duration (write e.g. 250ms, 90s, 10m, 2h, "
           "1h30m)",
           "t.ini:17: probe_timeout: '-2m' is not a duration (write e.g. 250ms, 90s, 10m, 2h, 1h30m)",
           "t.ini:18: unknown key 'cooldown' in [timing]");
    EXPECT(BASE "[timing]\nbusy_strikes = 101\n",
           "t.ini:8: busy_strikes: '101' is not a number from 1 to 100");
    /* A refused value leaves the default in place. */
    assert_int_equal(C.timing.busy_strikes, 3);
}

/* Issue 14 class 9: a Lync / SfB pool keeps Microsoft's numbers as
 * minimums (settle 20m, Busy retry 10m, exactly 3 Busy strikes) outside
 * training, each refusal at its line naming the minimum and its source. */
static void test_lync_timing_minimums(void **state)
{
    (void)state;
    static const char *const lync[] = {"lync2013", "sfb2015", "sfb2019"};
    for (int i = 0; i < 3; i++) {
        char text[512], w1[512], w2[512], w3[512];
        snprintf(text, sizeof text,
                 "[pool]\nfqdn = pool01.contoso.com\nprofile = %s\n" SERVERS
                 "[timing]\nsettle = 0s\nbusy_retry = 9m59s\nbusy_strikes = 100\n",
                 lync[i]);
        snprintf(w1, sizeof w1,
                 "t.ini:8: settle = 0s: a %s pool waits at least 20m after each domain "
                 "(Microsoft's upgrade guidance: 20 minutes once the pool is Ready again); only "
                 "profile = custom may choose less (a lab: profile = custom, commands_from = %s)",
                 lync[i], lync[i]);
        snprintf(w2, sizeof w2,
                 "t.ini:9: busy_retry = 9m59s: a %s pool waits at least 10m before checking a "
                 "Busy pool again (Microsoft, \"Upgrade or update Front End Servers\": wait 10 "
                 "minutes); only profile = custom may choose less (a lab: profile = custom, "
                 "commands_from = %s)",
                 lync[i], lync[i]);
        snprintf(w3, sizeof w3,
                 "t.ini:10: busy_strikes = 100: a %s pool has a problem after Busy 3 times in a "
                 "row (Microsoft, \"Upgrade or update Front End Servers\"); only profile = "
                 "custom may choose another number (a lab: profile = custom, commands_from = %s)",
                 lync[i], lync[i]);
        EXPECT(text, w1, w2, w3);
    }
    /* one second short, fewer strikes: still refused */
    EXPECT(BASE "[timing]\nsettle = 19m59s\n",
           "t.ini:8: settle = 19m59s: a lync2013 pool waits at least 20m after each domain "
           "(Microsoft's upgrade guidance: 20 minutes once the pool is Ready again); only "
           "profile = custom may choose less (a lab: profile = custom, commands_from = lync2013)");
    load(BASE "[timing]\nbusy_strikes = 2\n");
    assert_int_equal(D.n, 1);
    assert_non_null(strstr(D.msgs[0], "t.ini:8: busy_strikes = 2: "));
    /* Microsoft's numbers, and longer waits, pass */
    EXPECT_OK(BASE "[timing]\nsettle = 20m\nbusy_retry = 10m\nbusy_strikes = 3\n");
    EXPECT_OK(BASE "[timing]\nsettle = 1h\nbusy_retry = 15m\n");
    assert_int_equal(C.timing.settle, 3600000);
    /* linux-systemd is not a Lync pool: its numbers are its own */
    EXPECT_OK("[pool]\nfqdn = web.example.net\nprofile = linux-systemd\n" SERVERS
              "[timing]\nsettle = 0s\nbusy_retry = 1s\nbusy_strikes = 1\n");
}

/* Training compresses time: a scenario on a Lync profile may use any
 * numbers (the simulator is not a pool). */
static void test_lync_minimums_not_in_training(void **state)
{
    (void)state;
    char path[] = "/tmp/pp_test_config_XXXXXX.ini";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    static const char text[] =
        "[scenario]\ntitle = t\ngoal = g\nexpect = e\n"
        "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n" SERVERS
        "[timing]\nsettle = 0s\nbusy_retry = 1s\nbusy_strikes = 5\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    config_free(&C);
    diag_free(&D);
    int rc = config_load_scenario(&C, path, &D);
    unlink(path);
    if (rc != 0)
        for (int i = 0; i < D.n; i++)
            fprintf(stderr, "%s\n", D.msgs[i]);
    assert_int_equal(rc, 0);
    assert_int_equal(C.timing.settle, 0);
    assert_int_equal(C.timing.busy_strikes, 5);
}

/* profile = custom, commands_from = lync2013: lync2013's shell, quorum
 * rule and commands, the timings the file chooses (the SSH lab tests). */
static void test_custom_takes_commands_from(void **state)
{
    (void)state;
    EXPECT_OK(LAB SERVERS "[timing]\nsettle = 1s\nbusy_retry = 1s\nbusy_strikes = 1\n");
    assert_string_equal(C.profile, "custom");
    assert_string_equal(C.commands_from, "lync2013");
    assert_int_equal(C.shell, PP_SHELL_POWERSHELL);
    assert_int_equal(C.quorum, PP_QUORUM_LYNC);
    assert_non_null(strstr(C.commands[PP_CMD_READINESS], "Get-CsPoolUpgradeReadinessState"));
    assert_non_null(strstr(C.commands[PP_CMD_DRAIN], "Stop-CsWindowsService -Graceful"));
    assert_int_equal(C.timing.settle, 1000);
    assert_int_equal(C.timing.busy_retry, 1000);
    assert_int_equal(C.timing.busy_strikes, 1);
    /* the file still overrides what it takes */
    EXPECT_OK(LAB "quorum = majority\n" SERVERS "[commands]\nupgrade = Install-It\n");
    assert_int_equal(C.quorum, PP_QUORUM_MAJORITY);
    assert_string_equal(C.commands[PP_CMD_UPGRADE], "Install-It");
    /* sfb2019's readiness cmdlet */
    EXPECT_OK("[pool]\nfqdn = pool01.contoso.com\nprofile = custom\ncommands_from = sfb2019\n"
              SERVERS);
    assert_non_null(strstr(C.commands[PP_CMD_READINESS], "Get-CsUpgradeDomainInfo"));
    /* only a custom pool borrows commands; custom itself is no source */
    EXPECT(POOL "commands_from = sfb2015\n" SERVERS,
           "t.ini:4: commands_from: only a profile = custom pool takes another profile's "
           "commands (this one is profile = lync2013)");
    EXPECT("[pool]\nfqdn = pool01.contoso.com\nprofile = custom\ncommands_from = custom\n"
           SERVERS "[commands]\nreadiness = r\ndrain = d\nupgrade = u\nrestart = x\nverify = v\n",
           "t.ini:4: commands_from: 'custom' is not one of lync2013, sfb2015, sfb2019, "
           "linux-systemd");
}

static void test_parse_duration(void **state)
{
    (void)state;
    assert_int_equal(config_parse_duration("250ms"), 250);
    assert_int_equal(config_parse_duration("90s"), 90000);
    assert_int_equal(config_parse_duration("10m"), 600000);
    assert_int_equal(config_parse_duration("2h"), 7200000);
    assert_int_equal(config_parse_duration("1h30m"), 5400000);
    assert_int_equal(config_parse_duration("1h30m15s500ms"), 5415500);
    assert_int_equal(config_parse_duration("0s"), 0);
    assert_int_equal(config_parse_duration("0ms"), 0);
    assert_int_equal(config_parse_duration("1m1ms"), 60001);
    assert_int_equal(config_parse_duration("999999999999h"), (int64_t)999999999999 * 3600000);
    static const char *const bad[] = {"", "10", "0", "1.5h", "10M", "10S", "m", "h1", "10 m",
                                      " 10m", "10m ", "30m1h", "1h1h", "1s1m", "-5s", "+5s",
                                      "1d", "10mss", "10sm", "1000000000000s", "5ms5s", "1h-5m"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (config_parse_duration(bad[i]) != -1)
            fprintf(stderr, "accepted: '%s'\n", bad[i]);
        assert_int_equal(config_parse_duration(bad[i]), -1);
    }
    assert_int_equal(config_parse_duration(NULL), -1);
}

/* ---- [commands] ---- */

static void test_commands_override_and_multiline(void **state)
{
    (void)state;
    EXPECT_OK(BASE "[commands]\n"
                   "restart = shutdown /r /t 0\n"
                   "verify =\n"
                   "    Import-Module Lync\n"
                   "\n"
                   "    # a comment line inside is an INI comment\n"
                   "    $s = Get-CsWindowsService | Where-Object { $_.Status -ne 'Running' }\n"
                   "    if ($s) { throw \"not running: $($s.Name)\" }\n"
                   "    Test-NetConnection -ComputerName '{server}' -Port 5061\n"
                   "probe =\n"
                   "fabric =\n");
    assert_string_equal(cmd(PP_CMD_RESTART), "shutdown /r /t 0");
    assert_string_equal(cmd(PP_CMD_VERIFY),
                        "Import-Module Lync\n"
                        "$s = Get-CsWindowsService | Where-Object { $_.Status -ne 'Running' }\n"
                        "if ($s) { throw \"not running: $($s.Name)\" }\n"
                        "Test-NetConnection -ComputerName '{server}' -Port 5061");
    /* Empty probe / fabric: those checks are skipped. */
    assert_string_equal(cmd(PP_CMD_PROBE), "");
    assert_string_equal(cmd(PP_CMD_FABRIC), "");
    /* The first line may carry script too. */
    EXPECT_OK(BASE "[commands]\nupgrade = first\n\tsecond\n  third {server} {pool} {domain}\n");
    assert_string_equal(cmd(PP_CMD_UPGRADE), "first\nsecond\nthird {server} {pool} {domain}");
    /* Shell ${VAR} and PowerShell ${env:X} / @{Name=...} are not placeholders. */
    EXPECT_OK(BASE "[commands]\nprobe = echo ${HOME} ${env:TEMP} @{Name='x';Expression={1}} {0}\n");
    assert_string_equal(cmd(PP_CMD_PROBE), "echo ${HOME} ${env:TEMP} @{Name='x';Expression={1}} {0}");
}

static void test_commands_placeholders(void **state)
{
    (void)state;
    /* The same brace rules as remote_expand(): what loads also expands. */
    EXPECT(BASE "[commands]\n"
                "drain = stop {sever}\n"
                "upgrade =\n"
                "    install\n"
                "    echo {Server} {pool} {pool_fqdn}\n"
                "verify = echo ${server} ${HOME} ${env:TEMP} ${Domain}\n",
           "t.ini:8: unknown placeholder {sever} (known: {server} {pool} {domain} {backup_pool} "
           "{backend}; write {{ for a literal brace)",
           "t.ini:11: placeholder {Server} must be written in lower case: {server}",
           "t.ini:11: unknown placeholder {pool_fqdn} (known: {server} {pool} {domain} {backup_pool} "
           "{backend}; write {{ for a literal brace)",
           "t.ini:12: ${server} is ambiguous: write {server} for the placeholder or ${{server}} for "
           "the shell variable",
           "t.ini:12: ${Domain} is ambiguous: write {domain} for the placeholder or ${{domain}} for "
           "the shell variable");
    /* Literal braces: escapes, PowerShell blocks and formats, words with
     * digits or capitals that are not placeholder names. */
    EXPECT_OK(BASE "[commands]\nprobe = echo {{server}} {{sever}} ${{server}} {Name} {pool01} "
                   "{0} { $_.Status } @{Name='x';Expression={ 1 }} '{0:N1}' -f 2 ${HOME}\n");
    EXPECT(BASE "[commands]\nfailover =\n    x\n    y {backup_pool}\n",
           "t.ini:10: {backup_pool} is used but [pool] backup_pool is not set");
    EXPECT_OK(BASE "[pool]\nbackup_pool = pool02.contoso.com\nfailover_on = fe01.pool02.contoso.com\n"
                   "[commands]\nfailover = x {backup_pool}\n");
}

/* The contract with backend/remote.c: every template that loads also
 * expands, and the placeholder rules agree on both sides. */
static void test_templates_expand(void **state)
{
    (void)state;
    static const char *const profiles[] = {"lync2013", "sfb2015", "sfb2019", "linux-systemd"};
    const struct pp_subst sub = {"fe01.contoso.com", "pool01.contoso.com", "UpgradeDomain1",
                                 "pool02.contoso.com", "sql01.contoso.com"};
    for (size_t i = 0; i < sizeof profiles / sizeof *profiles; i++) {
        char text[256];
        snprintf(text, sizeof text, "[pool]\nfqdn = p.contoso.com\nprofile = %s\n" SERVERS,
                 profiles[i]);
        EXPECT_OK(text);
        for (int k = 0; k < PP_CMD_COUNT; k++) {
            if (!*cmd(k))
                continue;
            char err[256];
            char *out = remote_expand(cmd(k), &sub, C.shell, err, sizeof err);
            if (!out)
                fprintf(stderr, "%s %s: %s\n", profiles[i], pp_cmd_kind_name(k), err);
            assert_non_null(out);
            assert_null(strstr(out, "{server}"));
            assert_null(strstr(out, "{pool}"));
            free(out);
        }
    }
    /* Lines the loader accepts expand; lines it refuses do not. */
    static const struct {
        const char *line;
        bool ok;
    } lines[] = {
        {"a {server} {pool} {domain} {backup_pool}", true},
        {"{{server}} ${HOME} ${env:TEMP} {Name} {pool01} {0} { $_ } @{N='x';E={ 1 }}", true},
        {"x {sever}", false},
        {"x {Server}", false},
        {"x ${server}", false},
        {"x {pool_fqdn}", false},
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        char text[512], err[256];
        snprintf(text, sizeof text,
                 BASE "[pool]\nbackup_pool = b.contoso.com\nfailover_on = f.b.contoso.com\n"
                      "[commands]\nprobe = %s\n",
                 lines[i].line);
        bool loaded = load(text) == 0;
        bool expanded = false;
        if (loaded || !lines[i].ok) {
            char *out = remote_expand(lines[i].line, &sub, PP_SHELL_POWERSHELL, err, sizeof err);
            expanded = out != NULL;
            free(out);
        }
        if (loaded != lines[i].ok || expanded != lines[i].ok)
            fprintf(stderr, "'%s': loaded %d expanded %d\n", lines[i].line, loaded, expanded);
        assert_int_equal(loaded, lines[i].ok);
        assert_int_equal(expanded, lines[i].ok);
    }
}

static void test_commands_errors(void **state)
{
    (void)state;
    EXPECT(BASE "[commands]\nreboot = x\nupgrade =\nrestart =\nverify = a ; b\n",
           "t.ini:8: unknown command 'reboot' in [commands] (readiness, drain, drain_now, upgrade, "
           "restart, verify, probe, pool_state, fabric, failover, failback, backend, topology)",
           "t.ini:9: upgrade: this command is required and cannot be empty",
           "t.ini:10: restart: this command is required and cannot be empty",
           "t.ini:11: in [commands] a ';' after a space starts an INI comment and would cut the "
           "command here; remove the space before ';' or put the next statement on its own indented "
           "line");
    /* ';' without a space before it is script text. */
    EXPECT_OK(BASE "[commands]\nverify = a; b\n");
    assert_string_equal(cmd(PP_CMD_VERIFY), "a; b");
    EXPECT(BASE "[commands]\ndrain =\n    Stop-X\n    drain_now = y\n    Start-Y\t;x\n",
           "t.ini:10: this indented line looks like a new key but would continue the command 'drain'; "
           "remove the indentation",
           "t.ini:11: in [commands] a ';' after a space starts an INI comment and would cut the "
           "command here; remove the space before ';' or put the next statement on its own indented "
           "line");
    /* Downtime mode needs drain_now, not drain. */
    EXPECT(BASE "[pool]\nmode = downtime\n[commands]\ndrain =\ndrain_now =\n",
           "t.ini:11: drain_now: this command is required and cannot be empty");
}

static void test_commands_profile_requirements(void **state)
{
    (void)state;
    EXPECT("[pool]\nfqdn = db.example.org\nprofile = custom\n" SERVERS,
           "t.ini:3: profile = custom provides no command for readiness, drain, upgrade, restart, "
           "verify: set them in [commands]");
    EXPECT("[pool]\nfqdn = db.example.org\nprofile = custom\nmode = downtime\n" SERVERS
           "[commands]\nreadiness = r\ndrain = d\nupgrade = u\nrestart = x\nverify = v\n",
           "t.ini:3: profile = custom provides no command for drain_now: set it in [commands]");
    EXPECT_OK("[pool]\nfqdn = db.example.org\nprofile = custom\nmode = downtime\n" SERVERS
              "[commands]\nreadiness = r\ndrain_now = d\nupgrade = u\nrestart = x\nverify = v\n");
    EXPECT("[pool]\nfqdn = web.example.net\nprofile = linux-systemd\nbackup_pool = dr.example.net\n"
           "failover_on = a.dr.example.net\n" SERVERS,
           "t.ini:3: profile = linux-systemd provides no command for failover, failback: set them in "
           "[commands]");
}

/* ---- text-level rules: syntax, bytes, BOM, CRLF, long lines ---- */

static void test_syntax_errors(void **state)
{
    (void)state;
    EXPECT("stray = 1\n" BASE "[pool\n[servers] extra\nno equals here\n= value\n"
           "[ssh]\n  [timing]\n[Keys]\n[colors]\nfg = red\n",
           "t.ini:1: 'stray' is outside any section",
           "t.ini:8: section header without a closing ']'",
           "t.ini:9: unexpected text after the section header",
           "t.ini:10: expected 'key = value' or a [section] header",
           "t.ini:11: a key name is missing before '='",
           "t.ini:15: unknown section [colors]");
    /* An indented header right after a key would be swallowed by inih. */
    EXPECT(BASE "[ssh]\nport = 22\n  [timing]\nsettle = 5m\n",
           "t.ini:9: an indented section header is read as a continuation of 'port'; section headers "
           "must start at the beginning of the line",
           "t.ini:10: unknown key 'settle' in [ssh]");
    EXPECT(BASE "[pool]\nmode = graceful\nmode = downtime\n[pool]\nmode = graceful\n",
           "t.ini:9: duplicate key 'mode' in [pool] (first set at line 8)",
           "t.ini:11: duplicate key 'mode' in [pool] (first set at line 8)");
    EXPECT(BASE "[this_section_name_is_much_too_long_for_inih_to_keep_whole]\n",
           "t.ini:7: section name is too long (49 characters at most)");
    /* Comments: ';' and '#' lines, and " ;" at the end of a value. */
    EXPECT_OK("# comment\n; comment\n[pool] ; trailing\nfqdn = pool01.contoso.com ; the pool\n"
              "profile = lync2013\n" SERVERS);
    assert_string_equal(C.fqdn, "pool01.contoso.com");
}

static void test_scenario_sections_refused(void **state)
{
    (void)state;
    EXPECT(BASE "[scenario]\ntitle = x\n[sim]\nseed = 1\n[fault.a]\nkind = busy\n",
           "t.ini:7: [scenario] is only allowed in training scenario files",
           "t.ini:9: [sim] is only allowed in training scenario files",
           "t.ini:11: [fault.a] is only allowed in training scenario files");
    assert_false(C.sim.present);
}

static void test_bad_bytes(void **state)
{
    (void)state;
    EXPECT(BASE "[ssh]\nuser = a\x01" "b\nidentity = x\x7f\nconfig = \xff\xfe\nknown_hosts = \xc3\x28\n"
                "port = 22\r\r\n",
           "t.ini:8: the line contains control character 0x01 (only tab is allowed)",
           "t.ini:9: the line contains control character 0x7f (only tab is allowed)",
           "t.ini:10: the line is not valid UTF-8 (save the file as UTF-8)",
           "t.ini:11: the line is not valid UTF-8 (save the file as UTF-8)",
           "t.ini:12: the line contains control character 0x0d (only tab is allowed)");
    /* Overlong encodings and surrogates are not UTF-8 either. */
    EXPECT(BASE "[ssh]\nuser = \xc0\xaf\nconfig = \xed\xa0\x80\n",
           "t.ini:8: the line is not valid UTF-8 (save the file as UTF-8)",
           "t.ini:9: the line is not valid UTF-8 (save the file as UTF-8)");
    /* Real UTF-8 is fine (comments, paths, scripts). */
    EXPECT_OK("; 台北機房的集區\n" BASE "[ssh]\nidentity = /home/使用者/.ssh/id\n");
    assert_string_equal(C.ssh.identity, "/home/使用者/.ssh/id");
}

static const char *write_tmp(const char *name, const char *data, size_t len)
{
    static char path[8][600];
    static int k;
    const char *dir = test_tmpdir();
    assert_non_null(dir);
    char *p = path[k++ % 8];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return p;
}

/* Removes a file made by write_tmp and its temporary directory. */
static void rm_tmp(const char *p)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s", p);
    char *slash = strrchr(dir, '/');
    assert_int_equal(unlink(p), 0);
    if (slash) {
        *slash = 0;
        assert_int_equal(rmdir(dir), 0);
    }
}

static void test_file_bom_crlf_nul(void **state)
{
    (void)state;
    const char text[] = "\xEF\xBB\xBF[pool]\r\nfqdn = pool01.contoso.com\r\nprofile = lync2013\r\n"
                        "[servers]\r\nfe01.contoso.com = UpgradeDomain1\r\nfe02.contoso.com = UD2\r\n"
                        "[commands]\r\nrestart =\r\n  one\r\n  two\r\n";
    const char *p = write_tmp("crlf.ini", text, sizeof text - 1);
    config_free(&C);
    diag_free(&D);
    assert_int_equal(config_load_file(&C, p, &D), 0);
    assert_int_equal(D.n, 0);
    assert_string_equal(C.fqdn, "pool01.contoso.com");
    assert_string_equal(C.servers[1].domain, "UD2");
    assert_int_equal(C.servers[1].line, 6);
    assert_string_equal(cmd(PP_CMD_RESTART), "one\ntwo");
    rm_tmp(p);
    /* The same through load_string. */
    EXPECT_OK(text);
    assert_string_equal(C.servers[0].name, "fe01.contoso.com");

    /* A NUL byte in a file is reported at its line; the rest is still read. */
    const char nul[] = "[pool]\nfqdn = pool01.contoso.com\nprofile = lync2013\n[servers]\n"
                       "fe01.contoso.com = U\0D1\nfe02.contoso.com = UD2\nfe03.contoso.com = bad!\n";
    p = write_tmp("nul.ini", nul, sizeof nul - 1);
    config_free(&C);
    diag_free(&D);
    assert_int_equal(config_load_file(&C, p, &D), -1);
    assert_int_equal(D.n, 2);
    char want[700];
    snprintf(want, sizeof want, "%s:5: the line contains a NUL byte", p);
    assert_string_equal(D.msgs[0], want);
    snprintf(want, sizeof want,
             "%s:7: server 'fe03.contoso.com': 'bad!' is not a valid upgrade domain name (letters, "
             "digits, '-', '_', '.', 1 to 63 characters, not starting with '-' or '.')",
             p);
    assert_string_equal(D.msgs[1], want);
    rm_tmp(p);
}

static void test_missing_file(void **state)
{
    (void)state;
    config_free(&C);
    diag_free(&D);
    assert_int_equal(config_load_file(&C, "/nonexistent/pool.ini", &D), -1);
    assert_int_equal(D.n, 1);
    assert_string_equal(D.msgs[0], "/nonexistent/pool.ini: cannot open: No such file or directory");
    config_free(&C); /* safe after a failed load */
    config_free(&C);
    /* A directory is not a configuration. */
    const char *dir = test_tmpdir();
    diag_free(&D);
    assert_int_equal(config_load_file(&C, dir, &D), -1);
    assert_int_equal(D.n, 1);
    assert_int_equal(rmdir(dir), 0);
}

static char *long_line_text(size_t n, const char *key)
{
    char *t = malloc(n + 512);
    size_t len = (size_t)sprintf(t, BASE "[commands]\n%s = ", key);
    size_t start = len;
    while (len - start + strlen(key) + 3 < n)
        t[len++] = 'x';
    len += (size_t)sprintf(t + len, "\n[ssh]\nport = 0\n");
    t[len] = 0;
    return t;
}

static void test_long_lines(void **state)
{
    (void)state;
    /* 300 characters: beyond inih's default buffer of 200, still read whole. */
    char *t = long_line_text(300, "probe");
    EXPECT(t, "t.ini:10: port: '0' is not a number from 1 to 65535");
    assert_int_equal(strlen(cmd(PP_CMD_PROBE)), 300 - strlen("probe = "));
    free(t);
    /* 4000 is the limit; 4001 is refused at its own line and does not shift
     * the numbers of the lines after it. */
    t = long_line_text(4000, "probe");
    /* (read whole, and then too long to send: cmd.exe's 8191 characters) */
    EXPECT(t, "t.ini:8: probe: sent as -EncodedCommand it is 11834 characters, over cmd.exe's "
              "limit of 8191 (Win32-OpenSSH runs commands through cmd.exe): shorten it, or keep "
              "the script in a .ps1 file on the servers and call that",
           "t.ini:10: port: '0' is not a number from 1 to 65535");
    free(t);
    t = long_line_text(4001, "probe");
    EXPECT(t, "t.ini:8: the line is longer than 4000 characters",
           "t.ini:10: port: '0' is not a number from 1 to 65535");
    free(t);
    t = long_line_text(20000, "probe");
    EXPECT(t, "t.ini:8: the line is longer than 4000 characters",
           "t.ini:10: port: '0' is not a number from 1 to 65535");
    free(t);
}

static void test_many_errors_one_run(void **state)
{
    (void)state;
    /* Every problem of a file, in line order, whatever stage found it. */
    EXPECT("[pool]\n"
           "fqdn = pool 01\n"
           "profile = custom\n"
           "mode = slow\n"
           "[servers]\n"
           "fe01.contoso.com = UD1\n"
           "fe01.contoso.com = UD2\n"
           "fe;02 = UD1\n"
           "[timing]\n"
           "settle = 20\n"
           "[commands]\n"
           "readiness = {srv}\n"
           "[bogus]\n"
           "x = 1\n",
           "t.ini:2: fqdn: 'pool 01' is not a valid DNS name",
           "t.ini:3: profile = custom provides no command for drain, upgrade, restart, verify: set "
           "them in [commands]",
           "t.ini:4: mode: 'slow' is not one of graceful, downtime",
           "t.ini:7: server 'fe01.contoso.com' is in two domains: 'UD1' (line 6) and 'UD2'",
           "t.ini:8: server 'fe;02' is not a valid DNS name",
           "t.ini:10: settle: '20' has no unit; units are required (250ms, 90s, 10m, 2h, 1h30m)",
           "t.ini:12: unknown placeholder {srv} (known: {server} {pool} {domain} {backup_pool} {backend}; write "
           "{{ for a literal brace)",
           "t.ini:13: unknown section [bogus]");
}

/* ---- [keys], paths, diag ---- */

static void test_keys(void **state)
{
    (void)state;
    EXPECT_OK(BASE "[keys]\nquit = q\nconfirm = Enter, Space\nquit = F10\n");
    assert_int_equal(C.nkeys, 3);
    assert_string_equal(C.keys[0].action, "quit");
    assert_string_equal(C.keys[0].keys, "q");
    assert_int_equal(C.keys[0].line, 8);
    assert_string_equal(C.keys[1].keys, "Enter, Space");
    assert_string_equal(C.keys[2].keys, "F10");
    assert_int_equal(C.keys[2].line, 10);
    char *t = malloc(8192);
    size_t len = (size_t)sprintf(t, BASE "[keys]\n");
    for (int i = 0; i < 65; i++)
        len += (size_t)sprintf(t + len, "a%d = x\n", i);
    sprintf(t + len, "an_action_name_longer_than_31_chars = x\n");
    /* The 65th entry (line 72) is reported, once. */
    EXPECT(t, "t.ini:72: too many [keys] entries (64 at most)");
    free(t);
    EXPECT(BASE "[keys]\nan_action_name_longer_than_31_chars = x\n"
                "quit = 0123456789012345678901234567890123456789012345678901234567890123\n",
           "t.ini:8: [keys] action 'an_action_name_longer_than_31_chars' is too long",
           "t.ini:9: [keys] quit: the key list is too long (63 characters at most)");
}

static void test_default_path(void **state)
{
    (void)state;
    char buf[512];
    setenv("POOLPILOT_CONFIG", "/etc/pp/env.ini", 1);
    setenv("XDG_CONFIG_HOME", "/xdg", 1);
    setenv("HOME", "/home/op", 1);
    assert_string_equal(config_default_path("cli.ini", buf, sizeof buf), "cli.ini");
    assert_string_equal(config_default_path(NULL, buf, sizeof buf), "/etc/pp/env.ini");
    assert_string_equal(config_default_path("", buf, sizeof buf), "/etc/pp/env.ini");
    setenv("POOLPILOT_CONFIG", "", 1);
    assert_string_equal(config_default_path(NULL, buf, sizeof buf), "/xdg/poolpilot/pool.ini");
    unsetenv("POOLPILOT_CONFIG");
    assert_string_equal(config_default_path(NULL, buf, sizeof buf), "/xdg/poolpilot/pool.ini");
    setenv("XDG_CONFIG_HOME", "relative/dir", 1); /* the XDG spec: ignore relative paths */
    assert_string_equal(config_default_path(NULL, buf, sizeof buf),
                        "/home/op/.config/poolpilot/pool.ini");
    unsetenv("XDG_CONFIG_HOME");
    assert_string_equal(config_default_path(NULL, buf, sizeof buf),
                        "/home/op/.config/poolpilot/pool.ini");
    unsetenv("HOME");
    assert_string_equal(config_default_path(NULL, buf, sizeof buf), "pool.ini");
    /* The buffer size is respected. */
    setenv("POOLPILOT_CONFIG", "/a/very/long/path.ini", 1);
    char small[8];
    assert_string_equal(config_default_path(NULL, small, sizeof small), "/a/very");
    unsetenv("POOLPILOT_CONFIG");
}

static void test_diag(void **state)
{
    (void)state;
    struct pp_diag d = {0};
    diag_add(&d, "f.ini", 3, "bad %s %d", "x", 7);
    diag_add(&d, "f.ini", 0, "whole file");
    for (int i = 0; i < 40; i++)
        diag_add(&d, "g.ini", i + 1, "n");
    assert_int_equal(d.n, 42);
    assert_string_equal(d.msgs[0], "f.ini:3: bad x 7");
    assert_string_equal(d.msgs[1], "f.ini: whole file");
    assert_string_equal(d.msgs[41], "g.ini:40: n");
    diag_free(&d);
    assert_int_equal(d.n, 0);
    assert_null(d.msgs);
    diag_free(&d);
    /* A load appends to what diag already holds. */
    struct pp_diag keep = {0};
    diag_add(&keep, "earlier", 1, "kept");
    struct pp_config c;
    assert_int_equal(config_load_string(&c, "x.ini", "[pool]\nfqdn = a..b\n", &keep), -1);
    assert_string_equal(keep.msgs[0], "earlier:1: kept");
    assert_true(keep.n > 1);
    config_free(&c);
    diag_free(&keep);
    /* diag may be NULL: only the result is wanted. */
    assert_int_equal(config_load_string(&c, "x.ini", BASE, NULL), 0);
    config_free(&c);
    assert_int_equal(config_load_string(&c, "x.ini", "[pool]\n", NULL), -1);
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_defaults, teardown),
        cmocka_unit_test_teardown(test_profile_lync2013, teardown),
        cmocka_unit_test_teardown(test_profile_sfb, teardown),
        cmocka_unit_test_teardown(test_command_length_limit, teardown),
        cmocka_unit_test_teardown(test_profile_linux_and_custom, teardown),
        cmocka_unit_test_teardown(test_user_overrides_profile, teardown),
        cmocka_unit_test_teardown(test_quorum_fixed_for_lync_profiles, teardown),
        cmocka_unit_test_teardown(test_procedure_follows_the_product, teardown),
        cmocka_unit_test_teardown(test_examples_load_clean, teardown),
        cmocka_unit_test_teardown(test_pool_required, teardown),
        cmocka_unit_test_teardown(test_pool_values, teardown),
        cmocka_unit_test_teardown(test_pool_backup, teardown),
        cmocka_unit_test_teardown(test_pool_backend, teardown),
        cmocka_unit_test_teardown(test_servers_rules, teardown),
        cmocka_unit_test_teardown(test_servers_lync_limit, teardown),
        cmocka_unit_test_teardown(test_servers_injection, teardown),
        cmocka_unit_test(test_dns_names),
        cmocka_unit_test_teardown(test_ssh, teardown),
        cmocka_unit_test_teardown(test_ssh_persistent_shell, teardown),
        cmocka_unit_test_teardown(test_timing, teardown),
        cmocka_unit_test_teardown(test_lync_timing_minimums, teardown),
        cmocka_unit_test_teardown(test_lync_minimums_not_in_training, teardown),
        cmocka_unit_test_teardown(test_custom_takes_commands_from, teardown),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test_teardown(test_commands_override_and_multiline, teardown),
        cmocka_unit_test_teardown(test_commands_placeholders, teardown),
        cmocka_unit_test_teardown(test_templates_expand, teardown),
        cmocka_unit_test_teardown(test_commands_errors, teardown),
        cmocka_unit_test_teardown(test_commands_profile_requirements, teardown),
        cmocka_unit_test_teardown(test_syntax_errors, teardown),
        cmocka_unit_test_teardown(test_scenario_sections_refused, teardown),
        cmocka_unit_test_teardown(test_bad_bytes, teardown),
        cmocka_unit_test_teardown(test_file_bom_crlf_nul, teardown),
        cmocka_unit_test_teardown(test_missing_file, teardown),
        cmocka_unit_test_teardown(test_long_lines, teardown),
        cmocka_unit_test_teardown(test_many_errors_one_run, teardown),
        cmocka_unit_test_teardown(test_keys, teardown),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_diag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
