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

/* Skips the running test for a reason outside the program (not root, no
 * seccomp...), visibly: the message goes out with "SKIP:" and the program's
 * exit status becomes TEST_SKIPPED through test_exit(), which ctest reports
 * as Skipped (SKIP_RETURN_CODE in tests/CMakeLists.txt).  cmocka's own
 * skip() alone exits 0: the test would pass without testing anything.  A
 * missing tool that bootstrap.sh installs is a failure, never a skip.
 * Use inside a test function of a file that includes cmocka.h. */
#define TEST_SKIPPED 77
extern int test_skipped;
#define test_skip(...)                                                                      \
    do {                                                                                    \
        print_message("SKIP: " __VA_ARGS__);                                                \
        print_message("\n");                                                                \
        test_skipped++;                                                                     \
        skip();                                                                             \
    } while (0)
/* main's exit status: cmocka's failure count if any failed, else
 * TEST_SKIPPED if anything was skipped, else 0. */
int test_exit(int failed);

#endif
