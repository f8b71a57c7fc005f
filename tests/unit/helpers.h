/* Small helpers shared by the unit tests. */
#ifndef PP_TEST_HELPERS_H
#define PP_TEST_HELPERS_H

#include <stddef.h>

/* Absolute path of a file in the source tree (PP_SOURCE_DIR + "/" + rel). */
const char *test_src_path(const char *rel);
/* Reads a whole file into a heap buffer (NUL-terminated); *len gets the size. */
char *test_read_file(const char *path, size_t *len);
/* A fresh empty temporary directory (mkdtemp under $TMPDIR or /tmp),
 * remembered so that test_tmpdirs_remove() removes it. */
const char *test_tmpdir(void);
/* Removes every directory test_tmpdir() made; has the signature of a cmocka
 * group teardown so it can be one. */
int test_tmpdirs_remove(void **state);

#endif
