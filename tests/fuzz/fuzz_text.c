/* Fuzzes remote-text cleaning as the transport sees it: the same bytes in
 * random chunks (sizes drawn from the input's first 4 bytes), through
 * text_clean with a carried state and through outbuf_feed.
 * Properties: output is valid UTF-8 with no ESC, no C0 control but '\n',
 * no DEL and no C1 control; cleaning in chunks gives exactly the one-shot
 * result (plus U+FFFD for a character still pending at the end); outbuf
 * keeps at most its capacity, and its lines are clean with no '\n'. */
#include "tests/fuzz/fuzz_util.h"

#include "backend/core/outbuf.h"
#include "backend/core/text.h"

static void check_clean(const char *what, const char *s, size_t n, bool nl_ok)
{
    if (!fuzz_utf8_valid(s, n))
        fuzz_fail("%s: not valid UTF-8", what);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && !(nl_ok && c == '\n')) || c == 0x7f)
            fuzz_fail("%s: control byte 0x%02x at %zu", what, c, i);
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9F)
            fuzz_fail("%s: C1 control U+%04X at %zu", what, (unsigned char)s[i + 1], i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t seed = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                    (uint32_t)data[3] << 24;
    seed |= 1;
    const char *in = (const char *)data + 4;
    size_t len = size - 4;
    size_t cap = 3 * len + 8;   /* every byte may become U+FFFD (3 bytes) */
    char *one = malloc(cap), *streamed = malloc(cap + 4), *chunk = malloc(cap);
    if (!one || !streamed || !chunk)
        abort();
    size_t n1 = text_clean(NULL, in, len, one, cap);
    if (n1 >= cap || one[n1] != 0)
        fuzz_fail("one-shot result not terminated");
    check_clean("one-shot", one, n1, true);

    struct text_clean_state st = {0};
    struct pp_outbuf ob;
    outbuf_init(&ob, 4);
    size_t n2 = 0;
    for (size_t i = 0; i < len;) {
        size_t k = 1 + fuzz_rand(&seed) % 17;
        if (fuzz_rand(&seed) % 8 == 0)
            k = 0;   /* an empty read now and then */
        if (k > len - i)
            k = len - i;
        size_t m = text_clean(&st, in + i, k, chunk, cap);
        memcpy(streamed + n2, chunk, m);
        n2 += m;
        outbuf_feed(&ob, in + i, k);
        i += k;
    }
    if (st.npend > 0) {
        memcpy(streamed + n2, "\xEF\xBF\xBD", 3);
        n2 += 3;
    }
    if (n2 != n1 || memcmp(one, streamed, n1))
        fuzz_fail("chunked cleaning differs from one-shot (%zu vs %zu bytes)", n2, n1);

    if (outbuf_count(&ob) > 4)
        fuzz_fail("outbuf holds %d lines with capacity 4", outbuf_count(&ob));
    for (int i = 0; i < outbuf_count(&ob); i++) {
        const char *l = outbuf_line(&ob, i);
        check_clean("outbuf line", l, strlen(l), false);
    }
    const char *last = outbuf_last(&ob);
    check_clean("outbuf last", last, strlen(last), false);
    outbuf_free(&ob);
    free(one);
    free(streamed);
    free(chunk);
    return 0;
}
