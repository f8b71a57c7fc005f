/* Staging's pure pieces: the local SHA-256, remote paths (Windows' SFTP
 * form), the hash command, reading its answer and the `stage` records.
 *
 * SHA-256 comes from OpenSSL's libcrypto (EVP): libssh on Debian already
 * links it, so it adds no library to the process, and it is the most
 * reviewed implementation on the system (README, "Staging"). */
#include "backend/runner/stage.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "backend/journal/journal.h"

static void file_id_of(const struct stat *st, struct pp_file_id *id)
{
    *id = (struct pp_file_id){.known = true, .dev = (uint64_t)st->st_dev,
                              .ino = (uint64_t)st->st_ino, .size = (uint64_t)st->st_size,
                              .mtime_s = st->st_mtim.tv_sec, .mtime_ns = st->st_mtim.tv_nsec,
                              .ctime_s = st->st_ctim.tv_sec, .ctime_ns = st->st_ctim.tv_nsec};
}

int stage_file_id(const char *path, struct pp_file_id *id)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        *id = (struct pp_file_id){.known = false};
        return -1;
    }
    file_id_of(&st, id);
    return 0;
}

bool stage_file_same(const struct pp_file_id *a, const struct pp_file_id *b)
{
    return a->known && b->known && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns && a->ctime_s == b->ctime_s &&
           a->ctime_ns == b->ctime_ns;
}

int stage_sha256_file(const char *path, char hex[PP_SHA256_HEX + 1], uint64_t *size, char *err,
                      size_t errn)
{
    return stage_sha256_file_id(path, hex, size, NULL, err, errn);
}

int stage_sha256_file_id(const char *path, char hex[PP_SHA256_HEX + 1], uint64_t *size,
                         struct pp_file_id *id, char *err, size_t errn)
{
    if (id)
        *id = (struct pp_file_id){.known = false};
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errn, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* the identity of what is read, not of whatever the path names later */
    struct stat before, after;
    bool have_id = id && fstat(fileno(f), &before) == 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        snprintf(err, errn, "%s: SHA-256 unavailable in libcrypto", path);
        EVP_MD_CTX_free(md);
        fclose(f);
        return -1;
    }
    static const size_t bufn = 256 * 1024;
    unsigned char *buf = malloc(bufn);
    uint64_t total = 0;
    size_t got;
    int rc = buf ? 0 : -1;
    while (rc == 0 && (got = fread(buf, 1, bufn, f)) > 0) {
        total += got;
        if (EVP_DigestUpdate(md, buf, got) != 1)
            rc = -1;
    }
    if (rc == 0 && ferror(f))
        rc = -1;
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dn = 0;
    if (rc == 0 && (EVP_DigestFinal_ex(md, dig, &dn) != 1 || dn != 32))
        rc = -1;
    if (rc == 0) {
        for (unsigned i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", dig[i]);
        if (size)
            *size = total;
        /* written to while it was read: the hash may be of no version of
         * the file, so no later stat() may vouch for it */
        if (have_id && fstat(fileno(f), &after) == 0) {
            struct pp_file_id a, b;
            file_id_of(&before, &a);
            file_id_of(&after, &b);
            if (stage_file_same(&a, &b) && a.size == total)
                *id = a;
        }
    } else {
        snprintf(err, errn, "%s: cannot read it to the end", path);
    }
    free(buf);
    EVP_MD_CTX_free(md);
    fclose(f);
    return rc;
}

int stage_remote_path(const char *tmpl, const char *server, const char *package, char *out,
                      size_t n, char *err, size_t errn)
{
    const char *file = strrchr(package, '/');
    file = file ? file + 1 : package;
    size_t o = 0;
    for (const char *p = tmpl; *p;) {
        const char *val = NULL;
        size_t skip = 1;
        if (!strncmp(p, "{server}", 8)) {
            val = server;
            skip = 8;
        } else if (!strncmp(p, "{file}", 6)) {
            val = file;
            skip = 6;
        } else if (*p == '{') {
            snprintf(err, errn, "remote_path: unknown placeholder at \"%.20s\" ({server}, {file})",
                     p);
            return -1;
        }
        size_t len = val ? strlen(val) : 1;
        if (o + len >= n) {
            snprintf(err, errn, "remote_path: too long for %s", server);
            return -1;
        }
        memcpy(out + o, val ? val : p, len);
        o += len;
        p += skip;
    }
    out[o] = 0;
    return 0;
}

void stage_sftp_path(const char *path, char *out, size_t n)
{
    bool drive = isalpha((unsigned char)path[0]) && path[1] == ':' &&
                 (path[2] == '\\' || path[2] == '/' || !path[2]);
    size_t o = 0;
    if (drive && n > 1)
        out[o++] = '/';   /* Win32-OpenSSH: /C:/dir/file */
    for (const char *p = path; *p && o + 1 < n; p++)
        out[o++] = drive && *p == '\\' ? '/' : *p;
    if (n)
        out[o] = 0;
}

char *stage_hash_script(const char *tmpl, const char *path, enum pp_shell shell)
{
    /* PowerShell: '' inside '...'; POSIX: '\'' */
    const char *esc = shell == PP_SHELL_POWERSHELL ? "''" : "'\\''";
    size_t q = 2;
    for (const char *p = path; *p; p++)
        q += *p == '\'' ? strlen(esc) : 1;
    size_t n = strlen(tmpl) + 1;
    for (const char *p = strstr(tmpl, "{path}"); p; p = strstr(p + 6, "{path}"))
        n += q;
    char *out = malloc(n), *o = out;
    if (!out)
        return NULL;
    for (const char *p = tmpl; *p;) {
        if (!strncmp(p, "{path}", 6)) {
            *o++ = '\'';
            for (const char *s = path; *s; s++) {
                if (*s == '\'') {
                    memcpy(o, esc, strlen(esc));
                    o += strlen(esc);
                } else {
                    *o++ = *s;
                }
            }
            *o++ = '\'';
            p += 6;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    return out;
}

/* Test-Path -PathType Leaf and Get-Item's Length (FileInfo.Length), both
 * read-only: docs/POWERSHELL.md, "The dry run's package check".  The path
 * is quoted as the hash command's {path} is; the hash line is the very
 * command staging verifies a copy with. */
char *stage_check_script(const char *hash_tmpl, const char *path, enum pp_shell shell)
{
    char *q = stage_hash_script("{path}", path, shell);
    char *h = hash_tmpl && hash_tmpl[0] ? stage_hash_script(hash_tmpl, path, shell) : NULL;
    char *out = NULL;
    int rc;
    if (!q || (hash_tmpl && hash_tmpl[0] && !h)) {
        rc = -1;
    } else if (shell == PP_SHELL_POWERSHELL) {
        rc = asprintf(&out,
                      "$pp_pkg = %s\n"
                      "if (Test-Path -LiteralPath $pp_pkg -PathType Leaf) {\n"
                      "'pp-package-size ' + (Get-Item -LiteralPath $pp_pkg).Length\n"
                      "%s\n"
                      "} else { 'pp-package-missing' }",
                      q, h ? h : "");
    } else {
        rc = asprintf(&out,
                      "pp_pkg=%s\n"
                      "if [ -f \"$pp_pkg\" ]; then\n"
                      "echo \"pp-package-size $(wc -c <\"$pp_pkg\")\"\n"
                      "%s\n"
                      "else echo pp-package-missing; fi",
                      q, h ? h : ":");
    }
    free(q);
    free(h);
    return rc < 0 ? NULL : out;
}

int stage_check_parse(const char *out, size_t len, uint64_t *size, char hex[PP_SHA256_HEX + 1])
{
    static const char sz[] = "pp-package-size ", miss[] = "pp-package-missing";
    hex[0] = 0;
    for (size_t i = 0; i < len; i++) {
        if (i > 0 && out[i - 1] != '\n')
            continue;
        if (len - i >= sizeof miss - 1 && !memcmp(out + i, miss, sizeof miss - 1))
            return 0;
        if (len - i > sizeof sz - 1 && !memcmp(out + i, sz, sizeof sz - 1)) {
            const char *p = out + i + sizeof sz - 1;
            while (p < out + len && *p == ' ')
                p++;
            if (p >= out + len || !isdigit((unsigned char)*p))
                return -1;
            *size = strtoull(p, NULL, 10);
            const char *rest = strchr(p, '\n');
            if (rest && stage_parse_hash(rest, len - (size_t)(rest - out), hex) < 0)
                hex[0] = 0;
            return 1;
        }
    }
    return -1;
}

bool stage_precheck_verdict(const char *server, const char *path, const char *sha,
                            enum pp_result res, bool truncated, const char *out, size_t nout,
                            const char *detail, char *why, size_t n)
{
    uint64_t size = 0;
    char hex[PP_SHA256_HEX + 1] = "";
    char ev[PP_REASON_MAX];
    int got = res == PP_RES_OK && !truncated ? stage_check_parse(out ? out : "", nout, &size, hex)
                                             : -1;
    if (got == 0) {
        snprintf(why, n, "%s: not drained: the update package is missing on the server: no file "
                         "%s: run poolpilot --stage, then retry",
                 server, path);
        return false;
    }
    if (got == 1 && hex[0] && sha && sha[0] && strcmp(hex, sha) == 0) {
        why[0] = 0;
        return true;
    }
    if (got == 1 && hex[0]) {
        snprintf(why, n, "%s: not drained: %s on the server is another file: sha256 %s, not %s: "
                         "run poolpilot --stage, then retry",
                 server, path, hex, sha && sha[0] ? sha : "(unknown)");
        return false;
    }
    /* cannot tell: the evidence, never a guess */
    if (got == 1)
        snprintf(ev, sizeof ev, "%s is there (%llu bytes) but its hash command printed no SHA-256",
                 path, (unsigned long long)size);
    else if (res != PP_RES_OK)
        snprintf(ev, sizeof ev, "the check of %s ended %s%s%s", path, pp_result_name(res),
                 detail && detail[0] ? ": " : "", detail ? detail : "");
    else if (truncated)
        snprintf(ev, sizeof ev, "the answer of the check of %s is too large", path);
    else
        snprintf(ev, sizeof ev, "the answer of the check of %s is not understood%s%s", path,
                 detail && detail[0] ? ": " : "", detail ? detail : "");
    snprintf(why, n, "%s: not drained: cannot tell whether the update package is on the server "
                     "(%s)",
             server, ev);
    return false;
}

int stage_parse_hash(const char *out, size_t len, char hex[PP_SHA256_HEX + 1])
{
    for (size_t i = 0; i + PP_SHA256_HEX <= len; i++) {
        if (i > 0 && isxdigit((unsigned char)out[i - 1]))
            continue;   /* only a whole word counts */
        size_t k = 0;
        while (k < PP_SHA256_HEX && isxdigit((unsigned char)out[i + k]))
            k++;
        if (k < PP_SHA256_HEX || (i + k < len && isxdigit((unsigned char)out[i + k])))
            continue;
        for (k = 0; k < PP_SHA256_HEX; k++)
            hex[k] = (char)tolower((unsigned char)out[i + k]);
        hex[PP_SHA256_HEX] = 0;
        return 0;
    }
    return -1;
}

int stage_record_read(const struct pp_jrec *r, bool *ok, char sha[PP_SHA256_HEX + 1])
{
    if (journal_event_parse(r->event) != PP_JEV_STAGE || !r->result[0] || !r->server[0])
        return 0;
    *ok = !strcmp(r->result, "ok");
    sha[0] = 0;
    if (!strncmp(r->detail, "sha256 ", 7) &&
        stage_parse_hash(r->detail + 7, strlen(r->detail + 7), sha) < 0)
        sha[0] = 0;
    if (*ok && !sha[0])
        *ok = false;   /* a success without its hash proves nothing */
    return 1;
}

void stage_fmt_bytes(uint64_t b, char *out, size_t n)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, n, "%llu B", (unsigned long long)b);
    else
        snprintf(out, n, "%.1f %s", v, unit[u]);
}

void stage_fmt_secs(int64_t s, char *out, size_t n)
{
    if (s < 0)
        snprintf(out, n, "?");
    else if (s < 60)
        snprintf(out, n, "%llds", (long long)s);
    else if (s < 3600)
        snprintf(out, n, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else
        snprintf(out, n, "%lldh%02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
}
