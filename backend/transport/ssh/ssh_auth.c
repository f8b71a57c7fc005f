/* Authentication (ENGINEERING.md §1.4): none -> list, then the methods the
 * [ssh] auth mode allows, in a fixed order:
 *   auto     publickey (agent, default keys, identity), gssapi, kbdint, password
 *   key      publickey
 *   password keyboard-interactive, password (servers often only offer
 *            passwords through PAM's keyboard-interactive)
 *   gssapi   gssapi
 * Secrets are copied once from the operator's answer, used, and wiped; a
 * password marked "remember" is tried first on every other host of the run. */
#include "backend/transport/ssh/ssh_internal.h"

#include <stdio.h>
#include <string.h>

enum step { ST_OK, ST_NEXT, ST_PARTIAL, ST_ERR, ST_ABANDON };

#define KBDINT_ROUNDS 16   /* info-request rounds per attempt (servers may send empty ones) */
#define TRIES 3            /* password attempts, like OpenSSH's client */

void sshauth_clean(const char *s, char *out, size_t n)
{
    size_t o = 0;
    if (!n)
        return;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && o + 1 < n; p++) {
        if (*p < 0x20 || *p == 0x7f)
            continue;
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) { /* C1 control in UTF-8 */
            p++;
            continue;
        }
        out[o++] = (char)*p;
    }
    out[o] = 0;
}

static enum step classify(int rc)
{
    switch (rc) {
    case SSH_AUTH_SUCCESS:
        return ST_OK;
    case SSH_AUTH_PARTIAL:
        return ST_PARTIAL;
    case SSH_AUTH_DENIED:
        return ST_NEXT;
    default: /* SSH_AUTH_ERROR, or SSH_AUTH_AGAIN = a blocking-mode timeout */
        return ST_ERR;
    }
}

static enum step try_publickey(struct sshauth_ctx *a)
{
    /* Passphrases come through the session's auth callback. */
    return classify(ssh_userauth_publickey_auto(a->s, a->login, NULL));
}

static enum step try_gssapi(struct sshauth_ctx *a)
{
    if (a->login) {
        /* ssh_userauth_gssapi() sends SSH_OPTIONS_USER, which cannot hold
         * a DOMAIN\user name: it would log in as someone else */
        a->log(a->ud, "gssapi skipped: it cannot send a DOMAIN\\user name (write user@domain "
                      "for Kerberos)");
        return ST_NEXT;
    }
    int rc = ssh_userauth_gssapi(a->s);
    if (rc == SSH_AUTH_ERROR) {
        /* No credentials cache, or libssh built without GSSAPI: not fatal,
         * other methods may still work. */
        char msg[512];
        snprintf(msg, sizeof msg, "gssapi not usable: %s", ssh_get_error(a->s));
        a->log(a->ud, msg);
        return ST_NEXT;
    }
    return classify(rc);
}

static int ask_kbdint(struct sshauth_ctx *a, const char *name, const char *instr,
                      const char *prompt, bool echo, char *ans, size_t n, bool *remember)
{
    char cn[256], ci[512], cp[256], text[1200];
    sshauth_clean(name, cn, sizeof cn);
    sshauth_clean(instr, ci, sizeof ci);
    sshauth_clean(prompt, cp, sizeof cp);
    snprintf(text, sizeof text, "%s@%s: %s%s%s%s%s", a->user, a->host, cn, *cn ? " " : "", ci,
             *ci ? " " : "", *cp ? cp : "answer:");
    return a->ask(a->ud, PP_PROMPT_KBDINT, text, echo, ans, n, remember);
}

static enum step try_kbdint(struct sshauth_ctx *a)
{
    char ans[SSHT_SECRET_MAX], keep[SSHT_SECRET_MAX];
    bool have_keep = false, used_recalled = false;
    enum step res = ST_NEXT;
    for (int attempt = 0; attempt < TRIES && res == ST_NEXT; attempt++) {
        int rc = ssh_userauth_kbdint(a->s, a->login, NULL);
        for (int round = 0; rc == SSH_AUTH_INFO && round < KBDINT_ROUNDS; round++) {
            const char *name = ssh_userauth_kbdint_getname(a->s);
            const char *instr = ssh_userauth_kbdint_getinstruction(a->s);
            int np = ssh_userauth_kbdint_getnprompts(a->s);
            for (int i = 0; i < np; i++) {
                char echo = 0;
                const char *prompt = ssh_userauth_kbdint_getprompt(a->s, (unsigned)i, &echo);
                bool remember = false;
                /* A lone hidden question is a password: try the remembered one once. */
                if (!echo && np == 1 && !used_recalled &&
                    a->recall(a->ud, SSHT_SECRET_PASSWORD, ans, sizeof ans)) {
                    used_recalled = true;
                } else {
                    int r = ask_kbdint(a, name, instr, prompt, echo != 0, ans, sizeof ans,
                                       &remember);
                    if (r != 1) {
                        explicit_bzero(ans, sizeof ans);
                        explicit_bzero(keep, sizeof keep);
                        return ST_ABANDON;
                    }
                    if (remember && !echo) {
                        snprintf(keep, sizeof keep, "%s", ans);
                        have_keep = true;
                    }
                }
                int sr = ssh_userauth_kbdint_setanswer(a->s, (unsigned)i, ans);
                explicit_bzero(ans, sizeof ans);
                if (sr < 0) {
                    explicit_bzero(keep, sizeof keep);
                    return ST_ERR;
                }
            }
            rc = ssh_userauth_kbdint(a->s, a->login, NULL);
        }
        if (rc == SSH_AUTH_INFO)
            rc = SSH_AUTH_DENIED; /* a server that never stops asking */
        res = classify(rc);
        if (res == ST_NEXT)
            a->log(a->ud, "keyboard-interactive answer not accepted");
    }
    if (res == ST_OK && have_keep)
        a->remember(a->ud, SSHT_SECRET_PASSWORD, keep);
    explicit_bzero(keep, sizeof keep);
    return res;
}

static enum step try_password(struct sshauth_ctx *a)
{
    char pw[SSHT_SECRET_MAX];
    enum step res = ST_NEXT;
    for (int attempt = 0; attempt < TRIES && res == ST_NEXT; attempt++) {
        bool remember = false, asked = false;
        if (attempt > 0 || !a->recall(a->ud, SSHT_SECRET_PASSWORD, pw, sizeof pw)) {
            char text[600];
            snprintf(text, sizeof text, "Password for %s@%s:", a->user, a->host);
            int r = a->ask(a->ud, PP_PROMPT_PASSWORD, text, false, pw, sizeof pw, &remember);
            if (r != 1) {
                explicit_bzero(pw, sizeof pw);
                return ST_ABANDON;
            }
            asked = true;
        }
        res = classify(ssh_userauth_password(a->s, a->login, pw));
        if (res == ST_OK && asked && remember)
            a->remember(a->ud, SSHT_SECRET_PASSWORD, pw);
        explicit_bzero(pw, sizeof pw);
        if (res == ST_NEXT)
            a->log(a->ud, "password not accepted");
    }
    return res;
}

struct method {
    const char *name;
    int bit;
    enum step (*fn)(struct sshauth_ctx *a);
};

static const struct method m_pubkey = {"publickey", SSH_AUTH_METHOD_PUBLICKEY, try_publickey};
static const struct method m_gssapi = {"gssapi-with-mic", SSH_AUTH_METHOD_GSSAPI_MIC, try_gssapi};
static const struct method m_kbdint = {"keyboard-interactive", SSH_AUTH_METHOD_INTERACTIVE,
                                       try_kbdint};
static const struct method m_password = {"password", SSH_AUTH_METHOD_PASSWORD, try_password};

static int plan(enum pp_auth mode, const struct method **out)
{
    int n = 0;
    switch (mode) {
    case PP_AUTH_KEY:
        out[n++] = &m_pubkey;
        break;
    case PP_AUTH_PASSWORD:
        out[n++] = &m_kbdint;
        out[n++] = &m_password;
        break;
    case PP_AUTH_GSSAPI:
        out[n++] = &m_gssapi;
        break;
    case PP_AUTH_AUTO:
    default:
        out[n++] = &m_pubkey;
        out[n++] = &m_gssapi;
        out[n++] = &m_kbdint;
        out[n++] = &m_password;
        break;
    }
    return n;
}

static void describe_methods(int bits, char *out, size_t n)
{
    static const struct { int bit; const char *name; } all[] = {
        {SSH_AUTH_METHOD_PUBLICKEY, "publickey"},
        {SSH_AUTH_METHOD_GSSAPI_MIC, "gssapi-with-mic"},
        {SSH_AUTH_METHOD_INTERACTIVE, "keyboard-interactive"},
        {SSH_AUTH_METHOD_PASSWORD, "password"},
        {SSH_AUTH_METHOD_HOSTBASED, "hostbased"},
    };
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0] && o < n; i++)
        if (bits & all[i].bit)
            o += (size_t)snprintf(out + o, n - o, "%s%s", o ? ", " : "", all[i].name);
    if (!o)
        snprintf(out, n, "none");
}

static const char *mode_name(enum pp_auth m)
{
    switch (m) {
    case PP_AUTH_KEY: return "key";
    case PP_AUTH_PASSWORD: return "password";
    case PP_AUTH_GSSAPI: return "gssapi";
    default: return "auto";
    }
}

int sshauth_run(struct sshauth_ctx *a, int *why, char *err, size_t errn)
{
    *why = 0;
    int rc = ssh_userauth_none(a->s, a->login);
    if (rc == SSH_AUTH_SUCCESS)
        return 0;
    if (rc == SSH_AUTH_ERROR || rc == SSH_AUTH_AGAIN) {
        snprintf(err, errn, "%s@%s: authentication failed: %s", a->user, a->host,
                 rc == SSH_AUTH_AGAIN ? "timed out" : ssh_get_error(a->s));
        return -1;
    }
    int offered = ssh_userauth_list(a->s, a->login);
    const struct method *steps[4];
    int nsteps = plan(a->mode, steps);
    char tried[160] = "";
    size_t to = 0;
    for (int i = 0; i < nsteps; i++) {
        if (!(offered & steps[i]->bit))
            continue;
        if (to < sizeof tried)
            to += (size_t)snprintf(tried + to, sizeof tried - to, "%s%s", to ? ", " : "",
                                   steps[i]->name);
        enum step r = steps[i]->fn(a);
        if (r == ST_OK)
            return 0;
        if (r == ST_PARTIAL) { /* AuthenticationMethods: the server wants another one */
            offered = ssh_userauth_list(a->s, a->login);
            continue;
        }
        if (r == ST_ABANDON) {
            *why = 1;
            snprintf(err, errn, "%s@%s: authentication cancelled (no answer given)", a->user,
                     a->host);
            return -1;
        }
        if (r == ST_ERR) {
            snprintf(err, errn, "%s@%s: authentication failed: %s", a->user, a->host,
                     ssh_get_error(a->s));
            return -1;
        }
    }
    char accepts[160];
    describe_methods(offered, accepts, sizeof accepts);
    *why = 2;
    snprintf(err, errn,
             "%s@%s: authentication failed (tried: %s; the server accepts: %s; [ssh] auth = %s%s%s)",
             a->user, a->host, *tried ? tried : "nothing the auth mode allows", accepts,
             mode_name(a->mode), a->identity && *a->identity ? ", identity = " : "",
             a->identity ? a->identity : "");
    return -1;
}

int sshauth_passphrase_cb(const char *prompt, char *buf, size_t len, int echo, int verify,
                          void *userdata)
{
    (void)verify;
    struct ssh_worker *w = userdata;
    if (!w || !buf || !len)
        return -1;
    if (ssht_recall(w, SSHT_SECRET_PASSPHRASE, buf, len))
        return 0;
    char cp[256], text[600];
    sshauth_clean(prompt, cp, sizeof cp);
    snprintf(text, sizeof text, "%s: %s", w->host, *cp ? cp : "passphrase for the private key:");
    bool remember = false;
    if (ssht_ask(w, PP_PROMPT_PASSPHRASE, text, echo != 0, buf, len, &remember) != 1) {
        explicit_bzero(buf, len);
        return -1;
    }
    if (remember)
        ssht_remember(w, SSHT_SECRET_PASSPHRASE, buf);
    return 0;
}
