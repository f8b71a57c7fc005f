/* Fuzzes one journal line: jrec_parse, then jrec_format of what it read.
 * Properties: a parsed record formats to one line ending in '\n' (no other
 * newline, valid UTF-8, no raw control character), that line parses back to
 * the same record, and formatting is a fixed point. */
#include "tests/fuzz/fuzz_util.h"

#include "backend/journal/journal.h"

static void same(const struct pp_jrec *a, const struct pp_jrec *b, const char *line)
{
#define F(x) \
    if (strcmp(a->x, b->x)) fuzz_fail("field " #x " changed: \"%s\" / \"%s\" in %s", a->x, b->x, line)
    if (a->seq != b->seq)
        fuzz_fail("seq changed: %lld / %lld", a->seq, b->seq);
    F(ts); F(operator_); F(event); F(domain); F(server); F(step); F(result); F(state);
    F(action); F(reason); F(detail);
#undef F
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size ? size : 1);   /* no NUL after: over-reads show */
    if (!line)
        abort();
    memcpy(line, data, size);
    struct pp_jrec r, back;
    char err[256];
    memset(&r, 0, sizeof r);
    if (jrec_parse(line, size, &r, err, sizeof err) == 0) {
        static char out[1 << 16], out2[1 << 16];
        int n = jrec_format(&r, out, sizeof out);
        if (n > 0) {
            if ((size_t)n >= sizeof out || out[n] != 0 || out[n - 1] != '\n')
                fuzz_fail("formatted record is not one terminated line");
            if (memchr(out, '\n', (size_t)n - 1))
                fuzz_fail("a newline inside the record: %s", out);
            for (int i = 0; i < n - 1; i++)
                if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
                    fuzz_fail("raw control byte 0x%02x in %s", (unsigned char)out[i], out);
            if (!fuzz_utf8_valid(out, (size_t)n))
                fuzz_fail("formatted record is not UTF-8: %s", out);
            memset(&back, 0, sizeof back);
            if (jrec_parse(out, (size_t)n - 1, &back, err, sizeof err) != 0)
                fuzz_fail("formatted record does not parse (%s): %s", err, out);
            same(&r, &back, out);
            int n2 = jrec_format(&back, out2, sizeof out2);
            if (n2 != n || memcmp(out, out2, (size_t)n))
                fuzz_fail("formatting is not a fixed point: %s / %s", out, out2);
        }
    }
    free(line);
    return 0;
}
