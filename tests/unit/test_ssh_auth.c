/* The authentication state machine (backend/ssh_auth.c) with libssh's
 * userauth calls replaced by mocks: a password or keyboard-interactive
 * login against a real sshd would need PAM and an account with a password
 * (changing /etc/shadow), which tests must not do.
 *
 * Needs the link options below (tests/CMakeLists.txt); without them the
 * program detects that the real libssh would be called, and skips:
 *   -Wl,--wrap=ssh_userauth_none,--wrap=ssh_userauth_list,
 *   --wrap=ssh_userauth_publickey_auto,--wrap=ssh_userauth_gssapi,
 *   --wrap=ssh_userauth_kbdint,--wrap=ssh_userauth_kbdint_getnprompts,
 *   --wrap=ssh_userauth_kbdint_getname,--wrap=ssh_userauth_kbdint_getinstruction,
 *   --wrap=ssh_userauth_kbdint_getprompt,--wrap=ssh_userauth_kbdint_setanswer,
 *   --wrap=ssh_userauth_password,--wrap=ssh_get_error */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "backend/transport/ssh/ssh_internal.h"

static bool wrapped; /* the link options are in effect */

/* ---- mocks (signatures as in libssh 0.10.6) ---------------------------- */

int __wrap_ssh_userauth_none(ssh_session s, const char *user);
int __wrap_ssh_userauth_none(ssh_session s, const char *user)
{
    (void)s;
    (void)user;
    return (int)mock();
}

int __wrap_ssh_userauth_list(ssh_session s, const char *user);
int __wrap_ssh_userauth_list(ssh_session s, const char *user)
{
    (void)s;
    (void)user;
    return (int)mock();
}

int __wrap_ssh_userauth_publickey_auto(ssh_session s, const char *user, const char *pp);
int __wrap_ssh_userauth_publickey_auto(ssh_session s, const char *user, const char *pp)
{
    (void)s;
    (void)user;
    assert_null(pp); /* passphrases go through the session callback */
    return (int)mock();
}

int __wrap_ssh_userauth_gssapi(ssh_session s);
int __wrap_ssh_userauth_gssapi(ssh_session s)
{
    (void)s;
    return (int)mock();
}

int __wrap_ssh_userauth_kbdint(ssh_session s, const char *user, const char *sub);
int __wrap_ssh_userauth_kbdint(ssh_session s, const char *user, const char *sub)
{
    (void)s;
    (void)user;
    (void)sub;
    return (int)mock();
}

int __wrap_ssh_userauth_kbdint_getnprompts(ssh_session s);
int __wrap_ssh_userauth_kbdint_getnprompts(ssh_session s)
{
    (void)s;
    return (int)mock();
}

const char *__wrap_ssh_userauth_kbdint_getname(ssh_session s);
const char *__wrap_ssh_userauth_kbdint_getname(ssh_session s)
{
    (void)s;
    return mock_ptr_type(const char *);
}

const char *__wrap_ssh_userauth_kbdint_getinstruction(ssh_session s);
const char *__wrap_ssh_userauth_kbdint_getinstruction(ssh_session s)
{
    (void)s;
    return mock_ptr_type(const char *);
}

const char *__wrap_ssh_userauth_kbdint_getprompt(ssh_session s, unsigned int i, char *echo);
const char *__wrap_ssh_userauth_kbdint_getprompt(ssh_session s, unsigned int i, char *echo)
{
    (void)s;
    (void)i;
    *echo = (char)mock();
    return mock_ptr_type(const char *);
}

static char answers[8][64];
static int nanswers;

int __wrap_ssh_userauth_kbdint_setanswer(ssh_session s, unsigned int i, const char *a);
int __wrap_ssh_userauth_kbdint_setanswer(ssh_session s, unsigned int i, const char *a)
{
    (void)s;
    (void)i;
    assert_true(nanswers < 8);
    snprintf(answers[nanswers++], sizeof answers[0], "%s", a);
    return 0;
}

static char passwords[8][64];
static int npasswords;

int __wrap_ssh_userauth_password(ssh_session s, const char *user, const char *pw);
int __wrap_ssh_userauth_password(ssh_session s, const char *user, const char *pw)
{
    (void)s;
    (void)user;
    assert_true(npasswords < 8);
    snprintf(passwords[npasswords++], sizeof passwords[0], "%s", pw);
    return (int)mock();
}

const char *__wrap_ssh_get_error(void *error);
const char *__wrap_ssh_get_error(void *error)
{
    (void)error;
    return "mock error";
}

/* ---- the caller's side: scripted operator and remembered secrets ------- */

struct asked {
    enum pp_prompt_kind kind;
    bool echo;
    char text[512];
};
static struct asked asked[64];
static int nasked;
static const char *script[8]; /* answers; NULL = the operator refuses */
static bool script_remember[8];
static int nscript;
static char recalled[64];
static bool have_recalled;
static char remembered[64];
static int nremembered;
static char logs[2048];

static int fake_ask(void *ud, enum pp_prompt_kind kind, const char *text, bool echo, char *out,
                    size_t outn, bool *remember)
{
    (void)ud;
    assert_true(nasked < 64);
    asked[nasked].kind = kind;
    asked[nasked].echo = echo;
    snprintf(asked[nasked].text, sizeof asked[0].text, "%s", text);
    int k = nasked++;
    if (k >= nscript || !script[k])
        return 0;
    snprintf(out, outn, "%s", script[k]);
    *remember = script_remember[k];
    return 1;
}

static bool fake_recall(void *ud, int which, char *out, size_t outn)
{
    (void)ud;
    if (which != SSHT_SECRET_PASSWORD || !have_recalled)
        return false;
    snprintf(out, outn, "%s", recalled);
    return true;
}

static void fake_remember(void *ud, int which, const char *secret)
{
    (void)ud;
    assert_int_equal(which, SSHT_SECRET_PASSWORD);
    snprintf(remembered, sizeof remembered, "%s", secret);
    nremembered++;
}

static void fake_log(void *ud, const char *text)
{
    (void)ud;
    size_t l = strlen(logs);
    snprintf(logs + l, sizeof logs - l, "%s\n", text);
}

static struct sshauth_ctx ctx(enum pp_auth mode)
{
    nasked = nscript = nanswers = npasswords = nremembered = 0;
    have_recalled = false;
    logs[0] = remembered[0] = 0;
    struct sshauth_ctx a = {.s = NULL, .mode = mode, .host = "fe01.contoso.com",
                            .user = "CONTOSO\\admin", .identity = NULL, .ask = fake_ask,
                            .recall = fake_recall, .remember = fake_remember, .log = fake_log};
    return a;
}

#define REQUIRE_WRAPPED()                                                               \
    do {                                                                                    \
        if (!wrapped) /* tests/CMakeLists.txt links it so: without, a broken build */       \
            fail_msg("not linked with the --wrap options listed at the top of this file");  \
    } while (0)

static void kbdint_round(int np)
{
    will_return(__wrap_ssh_userauth_kbdint, SSH_AUTH_INFO);
    will_return(__wrap_ssh_userauth_kbdint_getname, "Pass\x1b[31mword\x07 login");
    will_return(__wrap_ssh_userauth_kbdint_getinstruction, "");
    will_return(__wrap_ssh_userauth_kbdint_getnprompts, np);
}

/* ---- tests --------------------------------------------------------- */

static void test_auto_kbdint_password_remembered(void **state)
{
    (void)state;
    REQUIRE_WRAPPED();
    struct sshauth_ctx a = ctx(PP_AUTH_AUTO);
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_list,
                SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_INTERACTIVE | SSH_AUTH_METHOD_PASSWORD);
    will_return(__wrap_ssh_userauth_publickey_auto, SSH_AUTH_DENIED);
    kbdint_round(1);
    will_return(__wrap_ssh_userauth_kbdint_getprompt, 0);
    will_return(__wrap_ssh_userauth_kbdint_getprompt, "Password: ");
    will_return(__wrap_ssh_userauth_kbdint, SSH_AUTH_SUCCESS);
    script[0] = "s3cret";
    script_remember[0] = true;
    nscript = 1;
    int why = -1;
    char err[512] = "";
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), 0);
    assert_int_equal(nasked, 1);
    assert_int_equal(asked[0].kind, PP_PROMPT_KBDINT);
    assert_false(asked[0].echo);
    /* Control characters from the server never reach the operator's screen. */
    assert_null(strchr(asked[0].text, '\x1b'));
    assert_null(strchr(asked[0].text, '\x07'));
    assert_non_null(strstr(asked[0].text, "CONTOSO\\admin@fe01.contoso.com"));
    assert_non_null(strstr(asked[0].text, "Password:"));
    assert_int_equal(nanswers, 1);
    assert_string_equal(answers[0], "s3cret");
    assert_int_equal(nremembered, 1); /* kept for the other servers of the pool */
    assert_string_equal(remembered, "s3cret");
}

static void test_remembered_password_tried_first(void **state)
{
    (void)state;
    REQUIRE_WRAPPED();
    struct sshauth_ctx a = ctx(PP_AUTH_PASSWORD);
    have_recalled = true;
    snprintf(recalled, sizeof recalled, "%s", "pool-pw");
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_list, SSH_AUTH_METHOD_INTERACTIVE);
    kbdint_round(1);
    will_return(__wrap_ssh_userauth_kbdint_getprompt, 0);
    will_return(__wrap_ssh_userauth_kbdint_getprompt, "Password: ");
    will_return(__wrap_ssh_userauth_kbdint, SSH_AUTH_SUCCESS);
    int why = -1;
    char err[512] = "";
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), 0);
    assert_int_equal(nasked, 0); /* nobody was asked */
    assert_string_equal(answers[0], "pool-pw");
}

static void test_password_retry_after_wrong_remembered(void **state)
{
    (void)state;
    REQUIRE_WRAPPED();
    struct sshauth_ctx a = ctx(PP_AUTH_PASSWORD);
    have_recalled = true;
    snprintf(recalled, sizeof recalled, "%s", "stale");
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_list, SSH_AUTH_METHOD_PASSWORD);
    will_return(__wrap_ssh_userauth_password, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_password, SSH_AUTH_SUCCESS);
    script[0] = "fresh";
    script_remember[0] = false;
    nscript = 1;
    int why = -1;
    char err[512] = "";
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), 0);
    assert_int_equal(npasswords, 2);
    assert_string_equal(passwords[0], "stale");
    assert_string_equal(passwords[1], "fresh");
    assert_int_equal(nasked, 1);
    assert_int_equal(asked[0].kind, PP_PROMPT_PASSWORD);
    assert_false(asked[0].echo);
    assert_int_equal(nremembered, 0); /* the operator did not ask to remember it */
    assert_non_null(strstr(logs, "password not accepted"));
}

static void test_password_three_strikes(void **state)
{
    (void)state;
    REQUIRE_WRAPPED();
    struct sshauth_ctx a = ctx(PP_AUTH_PASSWORD);
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_list, SSH_AUTH_METHOD_PASSWORD);
    will_return_count(__wrap_ssh_userauth_password, SSH_AUTH_DENIED, 3);
    script[0] = script[1] = script[2] = "wrong";
    nscript = 3;
    int why = -1;
    char err[512] = "";
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), -1);
    assert_int_equal(why, 2);
    assert_int_equal(nasked, 3);
    assert_non_null(strstr(err, "authentication failed"));
    assert_non_null(strstr(err, "tried: password"));
}

static void test_operator_refuses(void **state)
{
    (void)state;
    REQUIRE_WRAPPED();
    struct sshauth_ctx a = ctx(PP_AUTH_AUTO);
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_list, SSH_AUTH_METHOD_PASSWORD);
    script[0] = NULL; /* refuses */
    nscript = 1;
    int why = -1;
    char err[512] = "";
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), -1);
    assert_int_equal(why, 1);
    assert_int_equal(npasswords, 0);
    assert_non_null(strstr(err, "cancelled"));
}

static void test_kbdint_two_questions_and_empty_round(void **state)
{
    (void)state;
    REQUIRE_WRAPPED();
    struct sshauth_ctx a = ctx(PP_AUTH_PASSWORD);
    have_recalled = true; /* two questions: not a lone password, so not used */
    snprintf(recalled, sizeof recalled, "%s", "pool-pw");
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_list, SSH_AUTH_METHOD_INTERACTIVE);
    kbdint_round(2);
    will_return(__wrap_ssh_userauth_kbdint_getprompt, 1);
    will_return(__wrap_ssh_userauth_kbdint_getprompt, "Verification code: ");
    will_return(__wrap_ssh_userauth_kbdint_getprompt, 0);
    will_return(__wrap_ssh_userauth_kbdint_getprompt, "Password: ");
    kbdint_round(0); /* the server may send an empty set after the answers */
    will_return(__wrap_ssh_userauth_kbdint, SSH_AUTH_SUCCESS);
    script[0] = "123456";
    script[1] = "pw";
    nscript = 2;
    int why = -1;
    char err[512] = "";
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), 0);
    assert_int_equal(nasked, 2);
    assert_true(asked[0].echo);
    assert_false(asked[1].echo);
    assert_string_equal(answers[0], "123456");
    assert_string_equal(answers[1], "pw");
}

static void test_key_mode_never_asks(void **state)
{
    (void)state;
    REQUIRE_WRAPPED();
    struct sshauth_ctx a = ctx(PP_AUTH_KEY);
    a.identity = "/keys/id_ed25519";
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_list, SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE);
    int why = -1;
    char err[512] = "";
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), -1);
    assert_int_equal(why, 2);
    assert_int_equal(nasked, 0);
    assert_non_null(strstr(err, "tried: nothing the auth mode allows"));
    assert_non_null(strstr(err, "the server accepts: keyboard-interactive, password"));
    assert_non_null(strstr(err, "identity = /keys/id_ed25519"));
}

static void test_gssapi_then_partial(void **state)
{
    (void)state;
    REQUIRE_WRAPPED();
    struct sshauth_ctx a = ctx(PP_AUTH_AUTO);
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_list, SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_GSSAPI_MIC);
    will_return(__wrap_ssh_userauth_publickey_auto, SSH_AUTH_PARTIAL);
    /* AuthenticationMethods publickey,password: now a password is wanted. */
    will_return(__wrap_ssh_userauth_list, SSH_AUTH_METHOD_PASSWORD);
    will_return(__wrap_ssh_userauth_password, SSH_AUTH_SUCCESS);
    script[0] = "second-factor";
    nscript = 1;
    int why = -1;
    char err[512] = "";
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), 0);
    assert_string_equal(passwords[0], "second-factor");

    a = ctx(PP_AUTH_GSSAPI);
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_list, SSH_AUTH_METHOD_GSSAPI_MIC | SSH_AUTH_METHOD_PASSWORD);
    will_return(__wrap_ssh_userauth_gssapi, SSH_AUTH_ERROR); /* no ticket */
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), -1);
    assert_int_equal(why, 2);
    assert_int_equal(npasswords, 0); /* gssapi mode never falls back to a password */
    assert_non_null(strstr(logs, "gssapi not usable"));
}

static void test_endless_server_is_bounded(void **state)
{
    (void)state;
    REQUIRE_WRAPPED();
    struct sshauth_ctx a = ctx(PP_AUTH_PASSWORD);
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_DENIED);
    will_return(__wrap_ssh_userauth_list, SSH_AUTH_METHOD_INTERACTIVE);
    /* Info requests with no questions, forever. */
    will_return_always(__wrap_ssh_userauth_kbdint, SSH_AUTH_INFO);
    will_return_always(__wrap_ssh_userauth_kbdint_getname, "");
    will_return_always(__wrap_ssh_userauth_kbdint_getinstruction, "");
    will_return_always(__wrap_ssh_userauth_kbdint_getnprompts, 0);
    int why = -1;
    char err[512] = "";
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), -1);
    assert_int_equal(why, 2);
}

static void test_connection_error(void **state)
{
    (void)state;
    REQUIRE_WRAPPED();
    struct sshauth_ctx a = ctx(PP_AUTH_AUTO);
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_ERROR);
    int why = -1;
    char err[512] = "";
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), -1);
    assert_int_equal(why, 0);
    assert_non_null(strstr(err, "mock error"));
    a = ctx(PP_AUTH_AUTO);
    will_return(__wrap_ssh_userauth_none, SSH_AUTH_AGAIN); /* blocking-mode timeout */
    assert_int_equal(sshauth_run(&a, &why, err, sizeof err), -1);
    assert_int_equal(why, 0);
    assert_non_null(strstr(err, "timed out"));
}

static void test_clean(void **state)
{
    (void)state;
    char out[64];
    sshauth_clean("a\x1b[2Jb\r\nc\x7f\xc2\x9b" "d \xe4\xb8\xad", out, sizeof out);
    assert_string_equal(out, "a[2Jbcd \xe4\xb8\xad");
    sshauth_clean(NULL, out, sizeof out);
    assert_string_equal(out, "");
    sshauth_clean("abcdef", out, 4);
    assert_string_equal(out, "abc");
}

/* With --wrap in effect, this file's own reference to ssh_userauth_none
 * resolves to the mock as well (volatile: no folding of the comparison). */
static void probe_wrap(void)
{
    int (*volatile real)(ssh_session, const char *) = ssh_userauth_none;
    int (*volatile mock_fn)(ssh_session, const char *) = __wrap_ssh_userauth_none;
    wrapped = real == mock_fn;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_auto_kbdint_password_remembered),
        cmocka_unit_test(test_remembered_password_tried_first),
        cmocka_unit_test(test_password_retry_after_wrong_remembered),
        cmocka_unit_test(test_password_three_strikes),
        cmocka_unit_test(test_operator_refuses),
        cmocka_unit_test(test_kbdint_two_questions_and_empty_round),
        cmocka_unit_test(test_key_mode_never_asks),
        cmocka_unit_test(test_gssapi_then_partial),
        cmocka_unit_test(test_endless_server_is_bounded),
        cmocka_unit_test(test_connection_error),
    };
    probe_wrap();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
