/* Staging's pure pieces (backend/runner/stage_util.c, ssh_sftp.c's rate
 * step): SHA-256 against FIPS 180-4's examples, Windows SFTP paths, the
 * remote path and hash command templates, reading hash answers and
 * `stage` records, the [update] section.  The copy itself runs against
 * real sshds in tests/e2e/stage_sftp.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/journal/journal.h"
#include "backend/runner/patch_level.h"
#include "backend/runner/stage.h"
#include "backend/transport/ssh/ssh_internal.h"
#include "config/config.h"

static void sha_of(const void *data, size_t n, char hex[65])
{
    char path[] = "/tmp/pp-test-stage-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    char err[256];
    uint64_t size = 0;
    assert_int_equal(stage_sha256_file(path, hex, &size, err, sizeof err), 0);
    assert_int_equal(size, n);
    unlink(path);
}

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf"). */
static void test_sha256_vectors(void **state)
{
    (void)state;
    char hex[65];
    sha_of("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha_of("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_of(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a': crosses the reader's 256 KiB buffer several times */
    char *m = malloc(1000000);
    assert_non_null(m);
    memset(m, 'a', 1000000);
    sha_of(m, 1000000, hex);
    free(m);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256_missing_file(void **state)
{
    (void)state;
    char hex[65], err[256];
    assert_int_equal(stage_sha256_file("/nonexistent/pkg.exe", hex, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/pkg.exe: No such file"));
}

static void test_sftp_path(void **state)
{
    (void)state;
    char out[256];
    stage_sftp_path("C:\\Updates\\SkypeServerUpdateInstaller.exe", out, sizeof out);
    assert_string_equal(out, "/C:/Updates/SkypeServerUpdateInstaller.exe");
    stage_sftp_path("d:/x/y.exe", out, sizeof out);
    assert_string_equal(out, "/d:/x/y.exe");
    stage_sftp_path("/var/tmp/poolpilot/pkg.deb", out, sizeof out);
    assert_string_equal(out, "/var/tmp/poolpilot/pkg.deb");
    stage_sftp_path("relative\\name", out, sizeof out);   /* not a drive: left alone */
    assert_string_equal(out, "relative\\name");
    stage_sftp_path("C:\\Updates\\long-name.exe", out, 8);   /* cut, still terminated */
    assert_string_equal(out, "/C:/Upd");
}

static void test_remote_path(void **state)
{
    (void)state;
    char out[256], err[256];
    assert_int_equal(stage_remote_path("C:\\Updates\\{server}\\{file}", "fe01.contoso.com",
                                       "/home/op/dl/SkypeServerUpdateInstaller.exe", out,
                                       sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "C:\\Updates\\fe01.contoso.com\\SkypeServerUpdateInstaller.exe");
    assert_int_equal(stage_remote_path("/x/{pool}", "fe01", "p", out, sizeof out, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "unknown placeholder"));
    assert_int_equal(stage_remote_path("/a/{file}", "fe01", "pkg", out, 5, err, sizeof err), -1);
    assert_non_null(strstr(err, "too long"));
}

static void test_hash_script_quotes(void **state)
{
    (void)state;
    char *s = stage_hash_script("(Get-FileHash -Algorithm SHA256 -LiteralPath {path}).Hash",
                                "C:\\Up'dates\\x.exe", PP_SHELL_POWERSHELL);
    assert_string_equal(s, "(Get-FileHash -Algorithm SHA256 -LiteralPath 'C:\\Up''dates\\x.exe').Hash");
    free(s);
    s = stage_hash_script("sha256sum -- {path}; ls {path}", "/tmp/it's here", PP_SHELL_POSIX);
    assert_string_equal(s, "sha256sum -- '/tmp/it'\\''s here'; ls '/tmp/it'\\''s here'");
    free(s);
}

/* --dry-run's package check: read-only, the path quoted as {path} is, the
 * staging hash command reused; its answer read back. */
static void test_check_script(void **state)
{
    (void)state;
    char *s = stage_check_script("(Get-FileHash -Algorithm SHA256 -LiteralPath {path}).Hash",
                                 "C:\\Up'dates\\x.exe", PP_SHELL_POWERSHELL);
    assert_non_null(strstr(s, "$pp_pkg = 'C:\\Up''dates\\x.exe'\n"));
    assert_non_null(strstr(s, "Test-Path -LiteralPath $pp_pkg -PathType Leaf"));
    assert_non_null(strstr(s, "(Get-Item -LiteralPath $pp_pkg).Length"));
    assert_non_null(strstr(s, "(Get-FileHash -Algorithm SHA256 -LiteralPath 'C:\\Up''dates\\x.exe').Hash"));
    assert_null(strstr(s, "Remove-") ? s : NULL);
    free(s);
    s = stage_check_script("", "/tmp/x", PP_SHELL_POSIX);
    assert_non_null(strstr(s, "pp_pkg='/tmp/x'\nif [ -f \"$pp_pkg\" ]"));
    free(s);

    uint64_t size = 0;
    char hex[65];
    const char *ok = "\xEF\xBB\xBFpp-package-size 70000\r\n"
                     "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\r\n"
                     "@@POOLPILOT-RESULT@@ ok\r\n";
    /* the BOM sits before the first line: only a line start counts */
    const char *ok2 = strchr(ok, 'p');
    assert_int_equal(stage_check_parse(ok2, strlen(ok2), &size, hex), 1);
    assert_int_equal(size, 70000);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *posix = "pp-package-size     12\n:\n";
    assert_int_equal(stage_check_parse(posix, strlen(posix), &size, hex), 1);
    assert_int_equal(size, 12);
    assert_string_equal(hex, "");
    const char *miss = "pp-package-missing\n@@POOLPILOT-RESULT@@ ok\n";
    assert_int_equal(stage_check_parse(miss, strlen(miss), &size, hex), 0);
    const char *junk = "Running REPLICA\n";
    assert_int_equal(stage_check_parse(junk, strlen(junk), &size, hex), -1);
}

/* The check before a drain: only the package's own SHA-256 at its path
 * lets the drain go; anything else refuses, saying what the server answered. */
static void test_precheck_verdict(void **state)
{
    (void)state;
    char why[1024];
    const char *sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    const char *path = "C:\\Updates\\x.exe";
    const char *good = "pp-package-size 4\r\n9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\r\n";
    assert_true(stage_precheck_verdict("fe01", path, sha, PP_RES_OK, false, good, strlen(good), "",
                                       why, sizeof why));
    assert_string_equal(why, "");
    /* the same answer cut short, or from a command that did not end ok: no */
    assert_false(stage_precheck_verdict("fe01", path, sha, PP_RES_OK, true, good, strlen(good),
                                        "", why, sizeof why));
    assert_non_null(strstr(why, "fe01: not drained: cannot tell whether the update package is "
                                "on the server (the answer of the check of C:\\Updates\\x.exe is "
                                "too large)"));
    assert_false(stage_precheck_verdict("fe01", path, sha, PP_RES_TIMEOUT, false, good,
                                        strlen(good), "no end within 30s", why, sizeof why));
    assert_string_equal(why, "fe01: not drained: cannot tell whether the update package is on "
                             "the server (the check of C:\\Updates\\x.exe ended timeout: no end "
                             "within 30s)");
    const char *miss = "pp-package-missing\n";
    assert_false(stage_precheck_verdict("fe01", path, sha, PP_RES_OK, false, miss, strlen(miss),
                                        "", why, sizeof why));
    assert_string_equal(why, "fe01: not drained: the update package is missing on the server: "
                             "no file C:\\Updates\\x.exe: run poolpilot --stage, then retry");
    const char *other = "pp-package-size 4\n"
                        "0000000000000000000000000000000000000000000000000000000000000000\n";
    assert_false(stage_precheck_verdict("fe01", path, sha, PP_RES_OK, false, other,
                                        strlen(other), "", why, sizeof why));
    assert_non_null(strstr(why, "fe01: not drained: C:\\Updates\\x.exe on the server is another "
                                "file: sha256 0000000000000000000000000000000000000000000000000000"
                                "000000000000, not 9f86d081"));
    const char *nohash = "pp-package-size 4\nGet-FileHash : access denied\n";
    assert_false(stage_precheck_verdict("fe01", path, sha, PP_RES_OK, false, nohash,
                                        strlen(nohash), "", why, sizeof why));
    assert_non_null(strstr(why, "(4 bytes) but its hash command printed no SHA-256"));
    assert_false(stage_precheck_verdict("fe01", path, sha, PP_RES_OK, false, "hello", 5, "hello",
                                        why, sizeof why));
    assert_non_null(strstr(why, "is not understood: hello)"));
    /* the package's own hash unknown: nothing matches it */
    assert_false(stage_precheck_verdict("fe01", path, "", PP_RES_OK, false, good, strlen(good),
                                        "", why, sizeof why));
    assert_non_null(strstr(why, "another file"));
}

static void test_parse_hash(void **state)
{
    (void)state;
    char hex[65];
    const char *ps = "\xEF\xBB\xBF" "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\r\n"
                     "@@POOLPILOT-RESULT@@ ok\r\n";
    assert_int_equal(stage_parse_hash(ps, strlen(ps), hex), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *sum = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  /tmp/x\n";
    assert_int_equal(stage_parse_hash(sum, strlen(sum), hex), 0);
    /* 65 digits is not a SHA-256; neither are 63 */
    const char *longer = "0ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n";
    assert_int_equal(stage_parse_hash(longer, strlen(longer), hex), -1);
    assert_int_equal(stage_parse_hash(longer + 2, strlen(longer + 2), hex), -1);
    const char *err = "sha256sum: /tmp/x: No such file or directory\n";
    assert_int_equal(stage_parse_hash(err, strlen(err), hex), -1);
}

static void test_stage_record(void **state)
{
    (void)state;
    struct pp_jrec r;
    memset(&r, 0, sizeof r);
    bool ok = true;
    char sha[65];
    strcpy(r.event, "stage");
    strcpy(r.server, "fe01.contoso.com");
    assert_int_equal(stage_record_read(&r, &ok, sha), 0);   /* the start record */
    strcpy(r.result, "ok");
    strcpy(r.detail, "sha256 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(stage_record_read(&r, &ok, sha), 1);
    assert_true(ok);
    assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    strcpy(r.detail, "");
    assert_int_equal(stage_record_read(&r, &ok, sha), 1);
    assert_false(ok);   /* ok without its hash proves nothing */
    strcpy(r.result, "failed");
    assert_int_equal(stage_record_read(&r, &ok, sha), 1);
    assert_false(ok);
    strcpy(r.event, "step-end");
    assert_int_equal(stage_record_read(&r, &ok, sha), 0);
}

static void test_rate_chunks(void **state)
{
    (void)state;
    /* no cap: the rest, at most one chunk */
    assert_int_equal(sshcp_next_chunk(10, 0, 0, 0), 10);
    assert_int_equal(sshcp_next_chunk(10u << 20, 0, 0, 0), SSHT_COPY_CHUNK);
    /* 1 MiB/s: a tenth of a second of burst at once, then by the clock */
    uint64_t rate = 1u << 20;
    assert_int_equal(sshcp_next_chunk(10u << 20, rate, 0, 0), rate / 10);
    assert_int_equal(sshcp_next_chunk(10u << 20, rate, rate / 10, 0), 0);
    assert_int_equal(sshcp_next_chunk(10u << 20, rate, rate / 10, 50), rate * 50 / 1000);
    /* over a long run the bytes never pass rate * time + burst */
    uint64_t sent = 0;
    for (int64_t t = 0; t <= 10000; t += 7) {
        size_t n;
        while ((n = sshcp_next_chunk(100u << 20, rate, sent, t)) > 0)
            sent += n;
        assert_true(sent <= (uint64_t)t * rate / 1000 + rate / 10);
    }
    assert_true(sent >= 10 * rate - SSHT_COPY_CHUNK);
}

static void test_update_config(void **state)
{
    (void)state;
    struct pp_config c;
    struct pp_diag d = {0};
    const char *ok = "[pool]\nfqdn = pool01.contoso.com\nprofile = sfb2019\n"
                     "[servers]\nfe01.contoso.com =\n"
                     "[update]\npackage = /tmp/SkypeServerUpdateInstaller.exe\n"
                     "sha256 = BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD\n"
                     "stage_parallel = 6\nstage_rate = 20M\n";
    assert_int_equal(config_load_string(&c, "pool.ini", ok, &d), 0);
    assert_string_equal(c.update.remote_path, "C:\\Updates\\{file}");
    assert_non_null(strstr(c.update.hash_command, "Get-FileHash -Algorithm SHA256"));
    assert_string_equal(c.update.sha256,
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(c.update.stage_parallel, 6);
    assert_int_equal(c.update.stage_rate, 20LL << 20);
    config_free(&c);
    diag_free(&d);

    const char *bad = "[pool]\nfqdn = pool01.contoso.com\nprofile = linux-systemd\n"
                      "[servers]\nfe01.contoso.com = D1\n"
                      "[update]\npackage = /tmp/p.deb\nsha256 = abc\nstage_rate = fast\n"
                      "hash_command = sha256sum\nstage_parallel = 0\n";
    memset(&d, 0, sizeof d);
    assert_int_equal(config_load_string(&c, "pool.ini", bad, &d), -1);
    char all[4096] = "";
    for (int i = 0; i < d.n; i++) {
        strncat(all, d.msgs[i], sizeof all - strlen(all) - 2);
        strcat(all, "\n");
    }
    assert_non_null(strstr(all, "pool.ini:8: sha256: 'abc' is not 64 hexadecimal digits"));
    assert_non_null(strstr(all, "pool.ini:9: stage_rate: 'fast' is not a rate"));
    assert_non_null(strstr(all, "pool.ini:10: hash_command: must name the file as {path}"));
    assert_non_null(strstr(all, "pool.ini:11: stage_parallel:"));
    config_free(&c);
    diag_free(&d);
}

/* --dry-run's patch-level read: the highest version of the pp-patch lines,
 * whatever the line endings or a BOM; nothing guessed from anything else. */
static void test_patch_level_parse(void **state)
{
    (void)state;
    struct pp_patch_level pl;
    const char *ok = "\xEF\xBB\xBFpp-patch Skype for Business Server 2015, Core Components 6.0.9319.534\r\n"
                     "pp-patch Skype for Business Server 2015, Front End Server 6.0.9319.598\r\n"
                     "pp-patch Skype for Business Server 2015, Web Components Server 6.0.9319.10\r\n";
    assert_int_equal(patch_level_parse(ok, strlen(ok), &pl), 1);
    assert_string_equal(pl.component, "Skype for Business Server 2015, Front End Server");
    assert_string_equal(pl.version, "6.0.9319.598");
    assert_int_equal(pl.ncomponents, 3);
    /* no trailing newline, a component name left empty */
    const char *bare = "pp-patch  7.0.2046.0";
    assert_int_equal(patch_level_parse(bare, strlen(bare), &pl), 1);
    assert_string_equal(pl.component, "");
    assert_string_equal(pl.version, "7.0.2046.0");
    /* no lines, no pp-patch line, garbage versions: no patch level */
    assert_int_equal(patch_level_parse("", 0, &pl), 0);
    assert_int_equal(pl.ncomponents, 0);
    const char *fl = "ComponentName : Front End Server\r\nVersion       : 6.0.9319.598\r\n";
    assert_int_equal(patch_level_parse(fl, strlen(fl), &pl), 0);
    const char *bad = "pp-patch Front End Server \r\npp-patch Front End Server 6..1\n"
                      "pp-patch Front End Server 6.0.\npp-patch Front End Server 6\n"
                      "pp-patch Front End Server v6.0\npp-patch Front End Server 1.2.3.4.5\n"
                      "pp-patch Front End Server 6.1234567890\n  pp-patch X 6.0\npp-patchX 6.0\n";
    assert_int_equal(patch_level_parse(bad, strlen(bad), &pl), 0);
    /* the length is the answer's: nothing past it is read */
    assert_int_equal(patch_level_parse(ok, 10, &pl), 0);
}

static void test_patch_level_cmp(void **state)
{
    (void)state;
    assert_true(patch_level_cmp("6.0.9319.598", "6.0.9319.534") > 0);
    assert_true(patch_level_cmp("6.0.9319.10", "6.0.9319.9") > 0);   /* numeric, not text */
    assert_true(patch_level_cmp("6.0", "6.0.1") < 0);
    assert_int_equal(patch_level_cmp("7.0.2046.0", "7.0.2046.0"), 0);
    assert_true(patch_level_cmp("5.0.8308.1", "6.0.0.0") < 0);
}

/* Read only where the product has the cmdlet: SfB 2015/2019, PowerShell. */
static void test_patch_level_script(void **state)
{
    (void)state;
    static const struct {
        const char *ini;
        bool reads;
    } cases[] = {
        {"[pool]\nfqdn = p.contoso.com\nprofile = sfb2015\n[servers]\nfe01.contoso.com =\n", true},
        {"[pool]\nfqdn = p.contoso.com\nprofile = sfb2019\n[servers]\nfe01.contoso.com =\n", true},
        {"[pool]\nfqdn = p.contoso.com\nprofile = lync2013\n[servers]\nfe01.contoso.com =\n", false},
        {"[pool]\nfqdn = p.contoso.com\nprofile = linux-systemd\n[servers]\nfe01.contoso.com = D1\n",
         false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct pp_config c;
        struct pp_diag d = {0};
        assert_int_equal(config_load_string(&c, "pool.ini", cases[i].ini, &d), 0);
        const char *s = patch_level_script(&c);
        assert_int_equal(s != NULL, cases[i].reads);
        if (s) {
            assert_non_null(strstr(s, "Get-CsServerPatchVersion -ErrorAction Stop"));
            assert_non_null(strstr(s, "'pp-patch ' + $pp_c.ComponentName + ' ' + $pp_c.Version"));
            c.shell = PP_SHELL_POSIX;   /* [pool] shell = posix: no PowerShell, no read */
            assert_null(patch_level_script(&c));
        }
        config_free(&c);
        diag_free(&d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),   cmocka_unit_test(test_sha256_missing_file),
        cmocka_unit_test(test_sftp_path),        cmocka_unit_test(test_remote_path),
        cmocka_unit_test(test_hash_script_quotes), cmocka_unit_test(test_parse_hash),
        cmocka_unit_test(test_check_script),     cmocka_unit_test(test_precheck_verdict),
        cmocka_unit_test(test_stage_record),     cmocka_unit_test(test_rate_chunks),
        cmocka_unit_test(test_update_config),
        cmocka_unit_test(test_patch_level_parse), cmocka_unit_test(test_patch_level_cmp),
        cmocka_unit_test(test_patch_level_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
