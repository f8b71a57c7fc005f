/* Fuzzes command-template expansion with fuzzed values, the wrapping for
 * PowerShell / POSIX, and the result-marker reader.
 * Input: template \x01 server \x01 pool \x01 domain \x01 backup_pool \x01
 * remote output; the first byte's low bit picks the shell.
 * Property (differential): a value that is not a valid name must never make
 * it into a command.  When an expansion with such a value succeeds, the same
 * expansion with that value absent must succeed too (so the template did not
 * need it); if it fails, the invalid value was substituted. */
#include "tests/fuzz/fuzz_util.h"

#include "backend/pool/remote.h"
#include "config/config.h"

static bool valid(int field, const char *v)
{
    return field == 2 ? names_valid_domain(v) : names_valid_host(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum pp_shell shell = (data[0] & 1) ? PP_SHELL_POSIX : PP_SHELL_POWERSHELL;
    char *p[6];
    char *buf = fuzz_split(data + 1, size - 1, '\x01', p, 6);
    const char *vals[4] = {p[1], p[2], p[3], p[4]};
    struct pp_subst s;
    s.server = vals[0];
    s.pool = vals[1];
    s.domain = vals[2];
    s.backup_pool = vals[3];
    char err[512];
    char *out = remote_expand(p[0], &s, shell, err, sizeof err);
    if (out) {
        for (int f = 0; f < 4; f++) {
            if (!vals[f][0] || valid(f, vals[f]))
                continue;
            struct pp_subst t = s;
            const char **slot = f == 0 ? &t.server : f == 1 ? &t.pool : f == 2 ? &t.domain
                                                                            : &t.backup_pool;
            *slot = NULL;
            char err2[512];
            char *without = remote_expand(p[0], &t, shell, err2, sizeof err2);
            if (!without)
                fuzz_fail("invalid value \"%s\" (field %d) went into the command: %s", vals[f], f,
                          out);
            free(without);
        }
        char *w = remote_wrap(out, shell);
        if (!w)
            fuzz_fail("remote_wrap failed");
        free(w);
        char *e = remote_encode_ps(out);
        if (!e)
            fuzz_fail("remote_encode_ps failed");
        free(e);
        free(out);
    } else if (!memchr(err, 0, sizeof err) || !err[0]) {
        fuzz_fail("expansion failed without a message");
    }
    char detail[128];
    enum pp_result res = remote_marker(p[5], strlen(p[5]), detail, sizeof detail);
    if (res != PP_RES_OK && res != PP_RES_FAILED && res != PP_RES_NONE)
        fuzz_fail("marker result %d", res);
    if (!memchr(detail, 0, sizeof detail))
        fuzz_fail("marker detail not terminated");
    free(buf);
    return 0;
}
