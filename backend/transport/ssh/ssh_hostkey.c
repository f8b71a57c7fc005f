/* Host key verification (ENGINEERING.md §1.3).  Unknown keys are shown to
 * the operator with their SHA256 fingerprint; changed keys are refused with
 * the known_hosts file and line to fix: the tool has no way around that,
 * on purpose (a changed key mid-upgrade is exactly what an attacker or a
 * wrong reinstall looks like). */
#include "backend/transport/ssh/ssh_internal.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool pattern_matches(const char *pat, size_t n, const char *host)
{
    char p[PP_NAME_MAX + 16];
    if (n == 0 || n >= sizeof p)
        return false;
    memcpy(p, pat, n);
    p[n] = 0;
    if (p[0] == '!')
        return false; /* a negation never names the host as known */
    if (strcasecmp(p, host) == 0)
        return true;
    /* "[h]:port" is literal; only '*' and '?' are wildcards here. */
    if (!strchr(p, '[') && strpbrk(p, "*?"))
        return fnmatch(p, host, FNM_CASEFOLD) == 0;
    return false;
}

int sshhk_find_lines(const char *file, const char *entry_host, int *lines, int max,
                     int *hashed)
{
    *hashed = 0;
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    char buf[16384];
    int lineno = 0, n = 0;
    while (fgets(buf, sizeof buf, f)) {
        lineno++;
        size_t len = strlen(buf);
        if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
            int ch; /* an over-long key line: skip the rest of it */
            while ((ch = fgetc(f)) != EOF && ch != '\n')
                ;
        }
        char *p = buf;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == 0)
            continue;
        if (*p == '@') { /* @cert-authority / @revoked: not a plain host key */
            continue;
        }
        size_t fl = strcspn(p, " \t\n");
        if (fl >= 3 && strncmp(p, "|1|", 3) == 0) {
            (*hashed)++;
            continue;
        }
        bool hit = false;
        for (size_t i = 0; i < fl && !hit;) {
            size_t pl = strcspn(p + i, ", \t\n");
            if (pl > fl - i)
                pl = fl - i;
            hit = pattern_matches(p + i, pl, entry_host);
            i += pl + 1;
        }
        if (hit) {
            if (n < max)
                lines[n] = lineno;
            n++;
        }
    }
    fclose(f);
    return n;
}

/* "FILE:3, FILE:7" or "a hashed entry for H in FILE" into out; false if
 * the file says nothing about the host. */
static bool where_known(const char *file, const char *entry_host, char *out, size_t n)
{
    int lines[8], hashed = 0;
    int found = sshhk_find_lines(file, entry_host, lines, 8, &hashed);
    out[0] = 0;
    if (found > 0) {
        size_t o = 0;
        for (int i = 0; i < found && i < 8 && o < n; i++)
            o += (size_t)snprintf(out + o, n - o, "%s%s:%d", i ? ", " : "", file, lines[i]);
        return true;
    }
    if (found == 0 && hashed > 0) {
        snprintf(out, n, "a hashed entry for %s in %s", entry_host, file);
        return true;
    }
    return false;
}

static char *opt_string(ssh_session s, enum ssh_options_e o)
{
    char *v = NULL;
    char *copy = NULL;
    if (ssh_options_get(s, o, &v) == SSH_OK && v) {
        copy = strdup(v);
        ssh_string_free_char(v);
    }
    if (!copy)
        copy = strdup("");
    return copy; /* NULL only when out of memory */
}

int sshhk_check(struct ssh_worker *w, ssh_session s, char *err, size_t errn)
{
    ssh_key key = NULL;
    if (ssh_get_server_publickey(s, &key) != SSH_OK) {
        snprintf(err, errn, "%s: cannot read the server's host key: %s", w->host,
                 ssh_get_error(s));
        return -1;
    }
    const char *type = ssh_key_type_to_char(ssh_key_type(key));
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *fp = NULL;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) == 0)
        fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    char fpbuf[128];
    snprintf(fpbuf, sizeof fpbuf, "%s", fp ? fp : "SHA256:?");
    char typebuf[64];
    snprintf(typebuf, sizeof typebuf, "%s", type ? type : "unknown-type");
    if (fp)
        ssh_string_free_char(fp);
    if (hash)
        ssh_clean_pubkey_hash(&hash);
    ssh_key_free(key);

    /* The name libssh looks up: HostName after the config, "[h]:p" off 22. */
    char entry_host[PP_NAME_MAX + 16] = "";
    char *entry = NULL;
    if (ssh_session_export_known_hosts_entry(s, &entry) == SSH_OK && entry) {
        size_t l = strcspn(entry, " ");
        snprintf(entry_host, sizeof entry_host, "%.*s", (int)l, entry);
        ssh_string_free_char(entry);
    }
    if (!*entry_host)
        snprintf(entry_host, sizeof entry_host, "%s", w->host);
    char *kh = opt_string(s, SSH_OPTIONS_KNOWNHOSTS);
    char *gkh = opt_string(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS);
    int rc = -1;
    if (!kh || !gkh) {
        snprintf(err, errn, "%s: out of memory", w->host);
        free(kh);
        free(gkh);
        return -1;
    }
    char where[1024];

    enum ssh_known_hosts_e st = ssh_session_is_known_server(s);
    switch (st) {
    case SSH_KNOWN_HOSTS_OK:
        rc = 0;
        break;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND: { /* 0.10.6 says UNKNOWN for a missing file */
        char q[2048];
        snprintf(q, sizeof q,
                 "%s (%s) presents an unknown %s key %s; accept and add it to %s?", w->host,
                 w->peer, typebuf, fpbuf, kh);
        int a = ssht_ask(w, PP_PROMPT_HOSTKEY, q, false, NULL, 0, NULL);
        if (a == 1) {
            if (ssh_session_update_known_hosts(s) != SSH_OK)
                ssht_logf(w, 0,
                          "%s: could not add the key to %s (%s): it is trusted for this "
                          "connection only",
                          w->host, kh, ssh_get_error(s));
            else
                ssht_logf(w, 0, "%s: added %s key %s to %s", w->host, typebuf, fpbuf, kh);
            rc = 0;
        } else if (a == 0) {
            snprintf(err, errn, "%s (%s): host key not accepted (%s %s); nothing was run",
                     w->host, w->peer, typebuf, fpbuf);
        } else {
            snprintf(err, errn, "%s: host key question withdrawn; nothing was run", w->host);
        }
        break;
    }
    case SSH_KNOWN_HOSTS_CHANGED:
        if (!where_known(kh, entry_host, where, sizeof where) &&
            !where_known(gkh, entry_host, where, sizeof where))
            snprintf(where, sizeof where, "the entry for %s in %s", entry_host, kh);
        snprintf(err, errn,
                 "%s (%s): the HOST KEY HAS CHANGED: it now presents %s %s, which does not "
                 "match %s. This is what a man-in-the-middle attack looks like, or the server "
                 "was reinstalled. Nothing was run. If the change is expected, remove the old "
                 "key (ssh-keygen -R '%s' -f %s), then try again.",
                 w->host, w->peer, typebuf, fpbuf, where, entry_host, kh);
        break;
    case SSH_KNOWN_HOSTS_OTHER:
        if (!where_known(kh, entry_host, where, sizeof where) &&
            !where_known(gkh, entry_host, where, sizeof where))
            snprintf(where, sizeof where, "the entry for %s in %s", entry_host, kh);
        snprintf(err, errn,
                 "%s (%s) presents a %s key %s, but %s holds a key of another type for it; "
                 "the server may have been replaced. Nothing was run. If its keys really "
                 "changed, remove the old entry (ssh-keygen -R '%s' -f %s), then try again.",
                 w->host, w->peer, typebuf, fpbuf, where, entry_host, kh);
        break;
    case SSH_KNOWN_HOSTS_ERROR:
    default:
        snprintf(err, errn, "%s: cannot check the host key against %s: %s", w->host, kh,
                 ssh_get_error(s));
        break;
    }
    free(kh);
    free(gkh);
    return rc;
}
