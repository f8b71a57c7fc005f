/* Fuzzes a whole journal as --status and --report read it: the file reader
 * (torn and corrupt lines, seq rules) feeding the checklist, then the
 * status text and the three report formats.  The file lives in a memfd.
 * Properties: reading never changes the file; no output has a control
 * character (C0 but '\n', DEL, C1) or invalid UTF-8, and the ASCII status
 * has no byte >= 0x80 ("control characters never reach the terminal",
 * report.h); CSV rows end in CRLF and no field starts a formula. */
#include "tests/fuzz/fuzz_util.h"

#include <sys/mman.h>
#include <unistd.h>

#include "backend/journal/checklist.h"
#include "backend/journal/journal.h"
#include "backend/history/report.h"
#include "backend/journal/journal_eta.h"

static char *render(int what, const struct pp_checklist *c, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    char err[256];
    if (!f)
        abort();
    if (what == 0)
        status_print(f, c, false);
    else if (what == 1)
        status_print(f, c, true);
    else
        report_write(f, (enum pp_report_fmt)(what - 2), c, err, sizeof err);
    fclose(f);
    return buf;
}

/* What may never appear in an output: C0 controls but '\n' (and '\r' where
 * allowed), DEL and C1 controls where a terminal shows it (term), invalid
 * UTF-8, and in ASCII mode any byte >= 0x80. */
static void check_text(const char *what, const char *s, size_t n, bool ascii, bool cr_ok,
                       bool term)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 && ch != '\n' && !(cr_ok && ch == '\r'))
            fuzz_fail("%s: control byte 0x%02x at %zu", what, ch, i);
        if (term && ch == 0x7f)
            fuzz_fail("%s: DEL at %zu", what, i);
        if (ascii && ch >= 0x80)
            fuzz_fail("%s: byte 0x%02x in ASCII mode at %zu", what, ch, i);
        if (term && ch == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9F)
            fuzz_fail("%s: C1 control U+%04X at %zu", what, (unsigned char)s[i + 1], i);
    }
    if (!fuzz_utf8_valid(s, n))
        fuzz_fail("%s: not valid UTF-8", what);
}

/* RFC 4180: every record ends in CRLF, quoted fields double their quotes,
 * and (report.h) no field starts with = + - @ TAB or CR. */
static void check_csv(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* one field */
        size_t start = i;
        char first;
        if (s[i] == '"') {
            i++;
            /* the content's first character ('"' also for an empty field:
             * not a formula character either way) */
            first = i < n ? s[i] : 0;
            for (;;) {
                if (i >= n)
                    fuzz_fail("CSV: unterminated quoted field at %zu", start);
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                i++;
            }
        } else {
            first = s[i];
            while (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n') {
                if (s[i] == '"')
                    fuzz_fail("CSV: a quote inside an unquoted field at %zu", i);
                i++;
            }
            if (i == start)
                first = 0;
        }
        if (first && strchr("=+-@\t\r", first))
            fuzz_fail("CSV: a field starts with 0x%02x at %zu", (unsigned char)first, start);
        if (i < n && s[i] == ',') {
            i++;
            continue;
        }
        if (i + 1 < n && s[i] == '\r' && s[i + 1] == '\n') {
            i += 2;
            continue;
        }
        fuzz_fail("CSV: record not ended by CRLF at %zu", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("journal", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64], warn[600], err[600];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct pp_checklist *c = checklist_new();
    checklist_set_pool(c, "pool01.contoso.com");
    if (journal_read_file(path, checklist_add_cb, c, warn, sizeof warn, err, sizeof err) == 0) {
        checklist_finish(c, false);
        for (int what = 0; what < 5; what++) {
            size_t n = 0;
            char *out = render(what, c, &n);
            if (what <= 1)
                check_text(what ? "status (UTF-8)" : "status (ASCII)", out, n, what == 0, false,
                           true);
            else if (what == 2 + PP_REPORT_CSV) {
                check_text("CSV report", out, n, false, true, false);
                check_csv(out, n);
            } else
                check_text(what == 2 + PP_REPORT_JSON ? "JSON report" : "markdown report", out, n,
                           false, false, false);
            free(out);
        }
    }
    /* the window's estimate takes any journal as history: whatever it
     * holds, an estimate is never negative and its range never inverted */
    struct pp_eta *eta = eta_new();
    if (eta && eta_add_file(eta, path) == 0) {
        static const char *const names[2] = {"fe01.contoso.com", "fe02.contoso.com"};
        struct pp_eta_server sv[2] = {{.name = names[0], .domain = 0, .running = 5000},
                                      {.name = names[1], .domain = 1, .running = -1}};
        bool done[2] = {false, false};
        struct pp_eta_in in = {.servers = sv, .nservers = 2, .domain_done = done, .ndomains = 2,
                               .active_domain = 0, .in_gap = -1, .settle = 1000, .parallel = 1};
        struct pp_eta_out out;
        eta_estimate(eta, &in, &out);
        if (out.known && (out.lo < 0 || out.hi < out.lo))
            fuzz_fail("estimate %lld..%lld", (long long)out.lo, (long long)out.hi);
        (void)eta_plan_domain(eta, names, 2, 0);
    }
    eta_free(eta);
    /* the readers never write */
    off_t end = lseek(fd, 0, SEEK_END);
    if (end != (off_t)size)
        fuzz_fail("reading changed the journal's size: %zu -> %lld", size, (long long)end);
    char *back = malloc(size ? size : 1);
    if (pread(fd, back, size, 0) != (ssize_t)size || memcmp(back, data, size))
        fuzz_fail("reading changed the journal's bytes");
    free(back);
    checklist_free(c);
    close(fd);
    return 0;
}
