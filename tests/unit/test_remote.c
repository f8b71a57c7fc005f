/* remote.c: template expansion, shell wrapping, -EncodedCommand, markers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "backend/pool/remote.h"

static const struct pp_subst full = {"fe01.contoso.com", "pool01.contoso.com", "UpgradeDomain2",
                                     "pool02.contoso.com"};

static char errbuf[256];

static char *expand(const char *t, const struct pp_subst *s, enum pp_shell sh)
{
    errbuf[0] = 'X';
    errbuf[1] = 0;
    return remote_expand(t, s, sh, errbuf, sizeof errbuf);
}

static void expect(const char *t, enum pp_shell sh, const char *want)
{
    char *got = expand(t, &full, sh);
    if (!got)
        fail_msg("expanding \"%s\" failed: %s", t, errbuf);
    assert_string_equal(got, want);
    assert_string_equal(errbuf, "");
    free(got);
}

static void expect_error(const char *t, const struct pp_subst *s, enum pp_shell sh,
                         const char *words)
{
    char *got = expand(t, s, sh);
    if (got)
        fail_msg("expanding \"%s\" should fail, gave \"%s\"", t ? t : "(null)", got);
    if (!strstr(errbuf, words))
        fail_msg("error for \"%s\" is \"%s\", expected it to mention \"%s\"", t ? t : "(null)",
                 errbuf, words);
}

static void test_expand_powershell(void **state)
{
    (void)state;
    expect("Stop-CsWindowsService -ComputerName '{server}' -Graceful -NoWait",
           PP_SHELL_POWERSHELL,
           "Stop-CsWindowsService -ComputerName 'fe01.contoso.com' -Graceful -NoWait");
    /* script blocks, format strings, hashtables and variables pass untouched */
    expect("Get-CsWindowsService -ComputerName '{server}' | Where-Object { $_.Status -ne 'Running' }",
           PP_SHELL_POWERSHELL,
           "Get-CsWindowsService -ComputerName 'fe01.contoso.com' | Where-Object { $_.Status -ne 'Running' }");
    expect("Get-CsPoolUpgradeReadinessState -PoolFqdn '{pool}' | Select-Object "
           "@{n='PoolUpgradeState';e={\"$($_.PoolUpgradeState)\"}} | ConvertTo-Json -Depth 4",
           PP_SHELL_POWERSHELL,
           "Get-CsPoolUpgradeReadinessState -PoolFqdn 'pool01.contoso.com' | Select-Object "
           "@{n='PoolUpgradeState';e={\"$($_.PoolUpgradeState)\"}} | ConvertTo-Json -Depth 4");
    expect("'{0} of {1}' -f $a, $b; ${env:TEMP}; ${x}; $h = @{Name={Name}}",
           PP_SHELL_POWERSHELL, "'{0} of {1}' -f $a, $b; ${env:TEMP}; ${x}; $h = @{Name={Name}}");
    /* "}}" closing nested script blocks is not an escape */
    expect("$s | % { $_ | % { $_.Name }}\nif ($x) {\n  'a'\n}}", PP_SHELL_POWERSHELL,
           "$s | % { $_ | % { $_.Name }}\nif ($x) {\n  'a'\n}}");
    /* escapes */
    expect("{{server}} is '{server}'", PP_SHELL_POWERSHELL, "{server} is 'fe01.contoso.com'");
    expect("{{ literal }}", PP_SHELL_POWERSHELL, "{ literal }");
    expect("{{{domain}}}", PP_SHELL_POWERSHELL, "{UpgradeDomain2}");
    expect("${{server}}", PP_SHELL_POWERSHELL, "${server}");
    /* all four; a bare value is inserted as is */
    expect("Invoke-CsPoolFailOver -PoolFqdn {pool} # to {backup_pool}, {domain} on {server}",
           PP_SHELL_POWERSHELL,
           "Invoke-CsPoolFailOver -PoolFqdn pool01.contoso.com # to pool02.contoso.com, "
           "UpgradeDomain2 on fe01.contoso.com");
    expect("", PP_SHELL_POWERSHELL, "");
    expect("{", PP_SHELL_POWERSHELL, "{");
    expect("}", PP_SHELL_POWERSHELL, "}");
    expect("{server", PP_SHELL_POWERSHELL, "{server");
}

static void test_expand_posix_quoting(void **state)
{
    (void)state;
    expect("systemctl restart app@{server}", PP_SHELL_POSIX,
           "systemctl restart app@'fe01.contoso.com'");
    expect("echo '{server}'", PP_SHELL_POSIX, "echo 'fe01.contoso.com'");
    expect("echo \"host {server} in {domain}\"", PP_SHELL_POSIX,
           "echo \"host fe01.contoso.com in UpgradeDomain2\"");
    expect("echo 'it is {server}' {server} \"{pool}\" {pool}", PP_SHELL_POSIX,
           "echo 'it is fe01.contoso.com' 'fe01.contoso.com' \"pool01.contoso.com\" "
           "'pool01.contoso.com'");
    /* an escaped quote does not open a quoted part */
    expect("echo \\'{server}", PP_SHELL_POSIX, "echo \\''fe01.contoso.com'");
    expect("echo \"a\\\"{server}\"", PP_SHELL_POSIX, "echo \"a\\\"fe01.contoso.com\"");
    /* right after a backslash: raw, so the backslash does not quote a quote */
    expect("echo \\{server}", PP_SHELL_POSIX, "echo \\fe01.contoso.com");
    expect("for h in ${HOSTS}; do ssh \"$h\" {domain}; done", PP_SHELL_POSIX,
           "for h in ${HOSTS}; do ssh \"$h\" 'UpgradeDomain2'; done");
}

/* The quoted expansion really is one word for sh. */
static void test_expand_posix_through_sh(void **state)
{
    (void)state;
    char *cmd = expand("printf '[%s]\\n' {server} '{pool}' \"{domain}\" x{backup_pool}y",
                       &full, PP_SHELL_POSIX);
    assert_non_null(cmd);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char out[512] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    assert_int_equal(pclose(p), 0);
    assert_string_equal(out, "[fe01.contoso.com]\n[pool01.contoso.com]\n[UpgradeDomain2]\n"
                             "[xpool02.contoso.comy]\n");
    free(cmd);
}

static void test_expand_errors(void **state)
{
    (void)state;
    expect_error("Restart-Computer {servr}", &full, PP_SHELL_POWERSHELL, "{servr}");
    expect_error("{host}", &full, PP_SHELL_POSIX, "unknown placeholder {host}");
    expect_error("x {Server}", &full, PP_SHELL_POWERSHELL, "{Server}");
    expect_error("x {DOMAIN}", &full, PP_SHELL_POSIX, "{DOMAIN}");
    expect_error("echo ${server}", &full, PP_SHELL_POSIX, "ambiguous");
    expect_error(NULL, &full, PP_SHELL_POSIX, "no template");

    struct pp_subst none = {NULL, NULL, NULL, NULL};
    expect_error("x '{domain}'", &none, PP_SHELL_POWERSHELL, "{domain}");
    expect_error("x '{backup_pool}'", &none, PP_SHELL_POWERSHELL, "backup pool");
    expect_error("x '{server}'", NULL, PP_SHELL_POWERSHELL, "{server}");
    struct pp_subst empty = {"", "", "", ""};
    expect_error("x '{pool}'", &empty, PP_SHELL_POWERSHELL, "{pool}");

    /* values that are not names never reach a command line */
    static const char *const bad_servers[] = {
        "fe01.contoso.com'; Restart-Computer -Force; '", "fe01;reboot", "$(reboot)",
        "fe01 fe02", "`calc`", "fe01\nreboot", "-Force", "fe01|x", "*", "fe01.contoso.com\"",
        "\xe4\xb8\xad.contoso.com", "fe01.contoso.com\x1b]0;x\x07"};
    for (size_t i = 0; i < sizeof bad_servers / sizeof *bad_servers; i++) {
        struct pp_subst s = full;
        s.server = bad_servers[i];
        expect_error("Stop-CsWindowsService -ComputerName '{server}'", &s, PP_SHELL_POWERSHELL,
                     "not a valid DNS name");
        expect_error("systemctl -H {server} stop x", &s, PP_SHELL_POSIX, "not a valid DNS name");
        /* the message shows the value without its control characters */
        for (const char *c = errbuf; *c; c++)
            assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7F);
    }
    static const char *const bad_domains[] = {
        "Upgrade Domain1", "-rf", ".hidden", "UD1;x", "UD'1", "UD$1",
        "A123456789012345678901234567890123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof bad_domains / sizeof *bad_domains; i++) {
        struct pp_subst s = full;
        s.domain = bad_domains[i];
        expect_error("echo {domain}", &s, PP_SHELL_POSIX, "not a valid upgrade domain name");
    }
    /* a value the template does not use is not its business */
    struct pp_subst s = full;
    s.domain = "bad;domain";
    expect("Restart '{server}'", PP_SHELL_POWERSHELL, "Restart 'fe01.contoso.com'");
    char *ok = expand("Restart '{server}'", &s, PP_SHELL_POWERSHELL);
    assert_non_null(ok);
    free(ok);
    /* err may be absent */
    assert_null(remote_expand("{nope}", &full, PP_SHELL_POSIX, NULL, 0));
}

static void test_domain_name_rule(void **state)
{
    (void)state;
    assert_true(names_valid_domain("UpgradeDomain1"));
    assert_true(names_valid_domain("ud_1-a.b"));
    assert_true(names_valid_domain("A12345678901234567890123456789012345678901234567890123456789012"));
    assert_false(names_valid_domain("A123456789012345678901234567890123456789012345678901234567890123"));
    assert_false(names_valid_domain(""));
    assert_false(names_valid_domain(NULL));
    assert_false(names_valid_domain("-x"));
    assert_false(names_valid_domain(".x"));
    assert_false(names_valid_domain("a b"));
    assert_false(names_valid_domain("a/b"));
    assert_false(names_valid_domain("\xe5\x9f\x9f"));
}

/* ---- -EncodedCommand ---- */

static size_t b64_decode(const char *s, unsigned char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = 0;
    uint32_t v = 0;
    int bits = 0;
    for (; *s && *s != '='; s++) {
        const char *p = strchr(a, *s);
        assert_non_null(p);
        v = (v << 6) | (uint32_t)(p - a);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(v >> bits);
        }
    }
    return n;
}

/* UTF-16LE back to UTF-8 (valid input only: what the encoder wrote). */
static char *utf16le_to_utf8(const unsigned char *u, size_t n)
{
    char *out = malloc(n * 2 + 1);
    size_t o = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t c = u[i] | (uint32_t)u[i + 1] << 8;
        if (c >= 0xD800 && c <= 0xDBFF) {
            assert_true(i + 3 < n);
            uint32_t lo = u[i + 2] | (uint32_t)u[i + 3] << 8;
            assert_true(lo >= 0xDC00 && lo <= 0xDFFF);
            c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        }
        assert_false(c >= 0xDC00 && c <= 0xDFFF);
        if (c < 0x80)
            out[o++] = (char)c;
        else if (c < 0x800) {
            out[o++] = (char)(0xC0 | c >> 6);
            out[o++] = (char)(0x80 | (c & 63));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xE0 | c >> 12);
            out[o++] = (char)(0x80 | (c >> 6 & 63));
            out[o++] = (char)(0x80 | (c & 63));
        } else {
            out[o++] = (char)(0xF0 | c >> 18);
            out[o++] = (char)(0x80 | (c >> 12 & 63));
            out[o++] = (char)(0x80 | (c >> 6 & 63));
            out[o++] = (char)(0x80 | (c & 63));
        }
    }
    out[o] = 0;
    return out;
}

static char *ps_decode(const char *b64)
{
    unsigned char *raw = malloc(strlen(b64) + 4);
    size_t n = b64_decode(b64, raw);
    assert_int_equal(n % 2, 0);
    char *s = utf16le_to_utf8(raw, n);
    free(raw);
    return s;
}

static void expect_b64(const char *in, const char *want)
{
    char *got = remote_encode_ps(in);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_encode_ps(void **state)
{
    (void)state;
    /* by hand: 'a' = 61 00 -> YQA=; "Get-Date" = 47 00 65 00 74 00 2D 00 44 00 61 00 74 00 65 00 */
    expect_b64("a", "YQA=");
    expect_b64("Get-Date", "RwBlAHQALQBEAGEAdABlAA==");
    expect_b64("", "");
    expect_b64("ab", "YQBiAA==");
    expect_b64("abc", "YQBiAGMA");
    expect_b64("中文", "LU6HZQ==");                        /* 4E2D 6587 */
    expect_b64("\xF0\x9F\x98\x80", "PdgA3g==");            /* U+1F600 = D83D DE00 */
    expect_b64("\xff", "/f8=");                            /* invalid: U+FFFD */
    expect_b64("\xE4\xB8", "/f8=");                        /* cut sequence: one U+FFFD */
    expect_b64("\xED\xA0\x80", "/f/9//3/");                /* surrogate bytes: 3 x FFFD */
    expect_b64(NULL, "");
    /* round trips */
    static const char *const samples[] = {
        "Get-CsPoolUpgradeReadinessState -PoolFqdn 'pool01.contoso.com' | ConvertTo-Json",
        "Write-Output '中文字 café \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF'",
        "$x = @{ a = 1 }\r\n# comment\n\t'tab'",
    };
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        char *enc = remote_encode_ps(samples[i]);
        char *dec = ps_decode(enc);
        assert_string_equal(dec, samples[i]);
        free(enc);
        free(dec);
    }
    char *enc = remote_encode_ps("a\xff" "b\xC0\xAF" "c");
    char *dec = ps_decode(enc);
    assert_string_equal(dec, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c");
    free(enc);
    free(dec);
}

static void test_wrap_powershell(void **state)
{
    (void)state;
    const char *script = "Get-CsWindowsService -ComputerName 'fe01.contoso.com' | "
                         "Where-Object { $_.Status -ne 'Running' } # trailing comment";
    char *cmd = remote_wrap(script, PP_SHELL_POWERSHELL);
    assert_non_null(cmd);
    const char *prefix = "powershell -NoProfile -NonInteractive -EncodedCommand ";
    assert_memory_equal(cmd, prefix, strlen(prefix));
    const char *b64 = cmd + strlen(prefix);
    assert_int_equal(strspn(b64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="),
                     strlen(b64));
    char *ps = ps_decode(b64);
    /* the prologue, the script on its own line, the marker after it */
    assert_memory_equal(ps, "$ProgressPreference='SilentlyContinue'", 38);
    assert_non_null(strstr(ps, "[Console]::OutputEncoding=[Text.Encoding]::UTF8"));
    assert_non_null(strstr(ps, "$ErrorActionPreference='Stop'"));
    char *at = strstr(ps, script);
    assert_non_null(at);
    assert_int_equal(at[-1], '\n');
    assert_int_equal(at[strlen(script)], '\n');
    char *ok = strstr(ps, "Write-Output '@@POOLPILOT-RESULT@@ ok'");
    assert_non_null(ok);
    assert_true(ok > at);
    char *catchp = strstr(ps, "} catch {");
    assert_non_null(catchp);
    assert_true(catchp > ok);
    assert_non_null(strstr(catchp, "'@@POOLPILOT-RESULT@@ failed ' + "));
    assert_non_null(strstr(catchp, "-replace '\\s+', ' '"));
    assert_non_null(strstr(catchp, "exit 1"));
    assert_non_null(strstr(ps, "$global:LASTEXITCODE -ne 0"));
    /* the script runs in a child scope with every stream merged into
     * stdout (no CLIXML on stderr; its own $LASTEXITCODE stays its own) */
    assert_non_null(strstr(ps, "try {\n& {\n"));
    char *merged = strstr(ps, "\n} *>&1\n");
    assert_non_null(merged);
    assert_true(merged > at && merged < ok);
    /* cmd.exe's command line limit leaves room for real templates */
    assert_true(strlen(cmd) < 8191);
    free(ps);
    free(cmd);
}

/* Runs a wrapped POSIX command through /bin/sh; returns its stdout. */
static char *run_sh(const char *script, int *status)
{
    char *cmd = remote_wrap(script, PP_SHELL_POSIX);
    assert_non_null(cmd);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 4096, n = 0, got;
    char *out = malloc(cap);
    while ((got = fread(out + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 2)
            out = realloc(out, cap *= 2);
    }
    out[n] = 0;
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    free(cmd);
    return out;
}

static void expect_sh(const char *script, const char *want_out, int want_status,
                      enum pp_result want_res, const char *want_detail)
{
    int status;
    char *out = run_sh(script, &status);
    assert_string_equal(out, want_out);
    assert_int_equal(status, want_status);
    char detail[64];
    assert_int_equal(remote_marker(out, strlen(out), detail, sizeof detail), want_res);
    assert_string_equal(detail, want_detail);
    free(out);
}

static void test_wrap_posix_round_trip(void **state)
{
    (void)state;
    expect_sh("echo hello", "hello\n\n@@POOLPILOT-RESULT@@ ok\n", 0, PP_RES_OK, "");
    expect_sh("echo 'it'\"'\"'s'; echo \"$(echo sub) `echo tick`\"",
              "it's\nsub tick\n\n@@POOLPILOT-RESULT@@ ok\n", 0, PP_RES_OK, "");
    expect_sh("printf '%s\\n' \"'\" '\"' '\\' '$HOME' ';|&'",
              "'\n\"\n\\\n$HOME\n;|&\n\n@@POOLPILOT-RESULT@@ ok\n", 0, PP_RES_OK, "");
    expect_sh("for i in 1 2; do\n  echo \"line $i\"\ndone\n# a comment with a quote: '\n",
              "line 1\nline 2\n\n@@POOLPILOT-RESULT@@ ok\n", 0, PP_RES_OK, "");
    expect_sh("false", "\n@@POOLPILOT-RESULT@@ failed exit 1\n", 1, PP_RES_FAILED, "exit 1");
    expect_sh("echo bye; exit 3", "bye\n\n@@POOLPILOT-RESULT@@ failed exit 3\n", 3,
              PP_RES_FAILED, "exit 3");
    expect_sh("set -e; false; echo not reached",
              "\n@@POOLPILOT-RESULT@@ failed exit 1\n", 1, PP_RES_FAILED, "exit 1");
    /* output without a final newline still leaves the marker on its own line */
    expect_sh("printf 'no newline'", "no newline\n@@POOLPILOT-RESULT@@ ok\n", 0, PP_RES_OK, "");
    /* a script printing a marker cannot fake the result */
    expect_sh("echo '@@POOLPILOT-RESULT@@ ok'; exit 2",
              "@@POOLPILOT-RESULT@@ ok\n\n@@POOLPILOT-RESULT@@ failed exit 2\n", 2,
              PP_RES_FAILED, "exit 2");
    /* the wrapper's own variable is out of the script's reach */
    expect_sh("pp_rc=0; exit 4", "\n@@POOLPILOT-RESULT@@ failed exit 4\n", 4, PP_RES_FAILED,
              "exit 4");
    expect_sh("", "\n@@POOLPILOT-RESULT@@ ok\n", 0, PP_RES_OK, "");
    /* expanded template + wrap, end to end */
    char err[128];
    char *script = remote_expand("echo \"draining {server}\"; echo '{domain}' {pool}", &full,
                                 PP_SHELL_POSIX, err, sizeof err);
    assert_non_null(script);
    expect_sh(script, "draining fe01.contoso.com\nUpgradeDomain2 pool01.contoso.com\n\n"
                      "@@POOLPILOT-RESULT@@ ok\n", 0, PP_RES_OK, "");
    free(script);
}

/* ---- markers ---- */

static enum pp_result mark(const char *s, char *detail, size_t n)
{
    return remote_marker(s, strlen(s), detail, n);
}

static void test_marker(void **state)
{
    (void)state;
    char d[64];
    assert_int_equal(mark("@@POOLPILOT-RESULT@@ ok", d, sizeof d), PP_RES_OK);
    assert_string_equal(d, "");
    assert_int_equal(mark("out\r\n@@POOLPILOT-RESULT@@ ok\r\n", d, sizeof d), PP_RES_OK);
    assert_int_equal(mark("out\n@@POOLPILOT-RESULT@@ ok\n\n  \r\n\t\n", d, sizeof d), PP_RES_OK);
    assert_int_equal(mark("\xEF\xBB\xBF@@POOLPILOT-RESULT@@ ok\r\n", d, sizeof d), PP_RES_OK);
    assert_int_equal(mark("x\n@@POOLPILOT-RESULT@@ failed Access is denied.\r\n", d, sizeof d),
                     PP_RES_FAILED);
    assert_string_equal(d, "Access is denied.");
    assert_int_equal(mark("@@POOLPILOT-RESULT@@ failed", d, sizeof d), PP_RES_FAILED);
    assert_string_equal(d, "");
    /* detail is cleaned and bounded */
    assert_int_equal(mark("@@POOLPILOT-RESULT@@ failed \x1b]0;t\x07" "bad\xff end", d, sizeof d),
                     PP_RES_FAILED);
    assert_string_equal(d, "bad\xEF\xBF\xBD end");
    char small[8];
    assert_int_equal(mark("@@POOLPILOT-RESULT@@ failed 0123456789", small, sizeof small),
                     PP_RES_FAILED);
    assert_string_equal(small, "0123456");
    assert_int_equal(mark("@@POOLPILOT-RESULT@@ failed x", NULL, 0), PP_RES_FAILED);

    /* not markers */
    static const char *const none[] = {
        "",
        "\n\n\r\n",
        "plain output\n",
        "@@POOLPILOT-RESULT@@ ok\nmore output after it\n",
        "@@POOLPILOT-RESULT@@ ok\r\n@@POOLPILOT-RESULT@@ okay\r\n",
        "echo @@POOLPILOT-RESULT@@ ok\n",
        "  @@POOLPILOT-RESULT@@ ok\n",
        "@@POOLPILOT-RESULT@@ okay\n",
        "@@POOLPILOT-RESULT@@ ok done\n",
        "@@POOLPILOT-RESULT@@ failedx\n",
        "@@POOLPILOT-RESULT@@ rc=0\n",
        "@@POOLPILOT-RESULT@@\n",
        "@@POOLPILOT-RESULT@@ \n",
        "@@POOLPILOT-RESULT@@  ok\n",
        "@@POOLPILOT-RESULT@@ OK\n",
        "@@poolpilot-result@@ ok\n",
        "x@@POOLPILOT-RESULT@@ ok\n",
    };
    for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
        strcpy(d, "stale");
        if (mark(none[i], d, sizeof d) != PP_RES_NONE)
            fail_msg("\"%s\" read as a marker", none[i]);
        assert_string_equal(d, "");
    }
    /* only len bytes count */
    const char *s = "@@POOLPILOT-RESULT@@ ok\ntrailing";
    assert_int_equal(remote_marker(s, 24, d, sizeof d), PP_RES_OK);
    assert_int_equal(remote_marker(s, strlen(s), d, sizeof d), PP_RES_NONE);
    assert_int_equal(remote_marker(s, 10, d, sizeof d), PP_RES_NONE);
    assert_int_equal(remote_marker(NULL, 0, d, sizeof d), PP_RES_NONE);
    /* a NUL byte inside the last line spoils it */
    assert_int_equal(remote_marker("@@POOLPILOT-RESULT@@ o\0k\n", 25, d, sizeof d), PP_RES_NONE);
}

/* ---- CLIXML on stderr ---- */

static const char clixml_sample[] =
    "#< CLIXML\r\n"
    "<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"
    "<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T>"
    "<T>System.Object</T></TN><MS><I64 N=\"SourceId\">1</I64><PR N=\"Record\"><AV>Preparing modules "
    "for first use.</AV><AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD>"
    "</PR></MS></Obj>"
    "<S S=\"verbose\">Draining RTCSRV on fe01.contoso.com</S>"
    "<S S=\"warning\">a &lt;tag&gt; &amp; a_x005F_name</S>"
    "<S S=\"Error\">Stop-CsWindowsService : Access is denied._x000D__x000A_</S>"
    "<S S=\"Error\">    + CategoryInfo : x_x000D__x000A_</S>"
    "<S S=\"verbose\">caf\xc3\xa9 _xD83D__xDE00_ _xD800_ end</S>"
    "<S S=\"custom\">odd</S>"
    "</Objs>";
static const char clixml_text[] =
    "VERBOSE: Draining RTCSRV on fe01.contoso.com\n"
    "WARNING: a <tag> & a_name\n"
    "Stop-CsWindowsService : Access is denied.\n"
    "    + CategoryInfo : x\n"
    "VERBOSE: caf\xc3\xa9 \xF0\x9F\x98\x80 \xEF\xBF\xBD end\n"
    "[custom] odd\n";

struct acc {
    char buf[4096];
    size_t n;
    int calls;
};

static void acc_add(void *ctx, const char *t, size_t n)
{
    struct acc *a = ctx;
    assert_true(a->n + n < sizeof a->buf);
    memcpy(a->buf + a->n, t, n);
    a->n += n;
    a->buf[a->n] = 0;
    a->calls++;
}

static void test_clixml(void **state)
{
    (void)state;
    char *t = remote_clixml_text(clixml_sample, strlen(clixml_sample));
    assert_string_equal(t, clixml_text);
    free(t);
    /* streamed in pieces of every size: the same text, records as they end */
    for (size_t step = 1; step < 64; step++) {
        struct remote_clixml x = {0};
        struct acc a = {{0}, 0, 0};
        size_t n = strlen(clixml_sample);
        for (size_t i = 0; i < n; i += step)
            remote_clixml_feed(&x, clixml_sample + i, i + step > n ? n - i : step, acc_add, &a);
        remote_clixml_end(&x, acc_add, &a);
        assert_string_equal(a.buf, clixml_text);
        assert_null(x.buf);
    }
    /* a verbose record is shown before the process ends (no </Objs> yet) */
    struct remote_clixml x = {0};
    struct acc a = {{0}, 0, 0};
    const char *part = "#< CLIXML\r\n<Objs Version=\"1.1.0.1\"><S S=\"verbose\">one</S><S S=\"ver";
    remote_clixml_feed(&x, part, strlen(part), acc_add, &a);
    assert_string_equal(a.buf, "VERBOSE: one\n");
    remote_clixml_end(&x, acc_add, &a);   /* the cut element: shown raw */
    assert_string_equal(a.buf, "VERBOSE: one\n<S S=\"ver");
    /* after a BOM, too */
    a.n = 0;
    a.buf[0] = 0;
    const char *bom = "\xEF\xBB\xBF#< CLIXML\r\n<Objs><S S=\"warning\">w</S></Objs>";
    remote_clixml_feed(&x, bom, strlen(bom), acc_add, &a);
    remote_clixml_end(&x, acc_add, &a);
    assert_string_equal(a.buf, "WARNING: w\n");
    /* ordinary stderr passes through at once, byte for byte */
    a.n = 0;
    a.buf[0] = 0;
    a.calls = 0;
    remote_clixml_feed(&x, "#<", 2, acc_add, &a);
    assert_int_equal(a.calls, 0);   /* could still be the header */
    remote_clixml_feed(&x, " not xml\n", 9, acc_add, &a);
    remote_clixml_feed(&x, "more <S>\n", 9, acc_add, &a);
    assert_string_equal(a.buf, "#< not xml\nmore <S>\n");
    remote_clixml_end(&x, acc_add, &a);
    remote_clixml_feed(&x, "x", 1, acc_add, &a);   /* short stream: flushed at its end */
    remote_clixml_end(&x, acc_add, &a);
    assert_string_equal(a.buf, "#< not xml\nmore <S>\nx");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand_powershell),
        cmocka_unit_test(test_expand_posix_quoting),
        cmocka_unit_test(test_expand_posix_through_sh),
        cmocka_unit_test(test_expand_errors),
        cmocka_unit_test(test_domain_name_rule),
        cmocka_unit_test(test_encode_ps),
        cmocka_unit_test(test_wrap_powershell),
        cmocka_unit_test(test_wrap_posix_round_trip),
        cmocka_unit_test(test_marker),
        cmocka_unit_test(test_clixml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
