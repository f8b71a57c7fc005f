#include "tests/unit/helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int test_skipped;

int test_exit(int failed)
{
    if (failed)
        return failed;
    if (test_skipped) {
        fprintf(stderr, "%d test(s) skipped: exit %d (ctest: Skipped, not Passed)\n",
                test_skipped, TEST_SKIPPED);
        return TEST_SKIPPED;
    }
    return 0;
}

const char *test_src_path(const char *rel)
{
    static char buf[8][4096];
    static int k;
    const char *root = getenv("PP_SOURCE_DIR");
    if (!root)
        root = PP_SOURCE_DIR;
    char *b = buf[k++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s", root, rel);
    return b;
}

char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *p = malloc(cap);
    size_t got;
    while (p && (got = fread(p + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            char *q = realloc(p, cap *= 2);
            if (!q) {
                free(p);
                p = NULL;
            } else
                p = q;
        }
    }
    fclose(f);
    if (p) {
        p[n] = 0;
        if (len)
            *len = n;
    }
    return p;
}

static char made[64][512];
static int nmade;

const char *test_tmpdir(void)
{
    static char buf[8][512];
    static int k;
    char *b = buf[k++ % 8];
    const char *t = getenv("TMPDIR");
    snprintf(b, sizeof buf[0], "%s/pptest.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(b))
        return NULL;
    if (nmade < 64)
        snprintf(made[nmade++], sizeof made[0], "%s", b);
    return b;
}

int test_tmpdirs_remove(void **state)
{
    (void)state;
    for (int i = 0; i < nmade; i++) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf -- '%s'", made[i]);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", made[i]);
    }
    nmade = 0;
    return 0;
}
