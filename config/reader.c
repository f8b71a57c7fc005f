/* Reading INI text with Debian's inih, without its pitfalls (ENGINEERING.md
 * section 5): inih gets its lines from our own reader, which counts
 * physical lines, refuses over-long lines, NUL bytes, control characters
 * and invalid UTF-8 at their real line instead of letting inih truncate
 * or renumber them, strips the UTF-8 BOM and CRLF line ends, and mirrors
 * inih's line classification so that syntax errors and surprising
 * continuation lines get a precise message.  The handler only collects
 * (section, key, value, line) entries; meaning is given in apply.c. */
#include "config/config_internal.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct rd {
    const char *p, *end;
    const char *file;
    struct pp_diag *diag;
    struct cfg_doc *doc;
    int problems;
    int lineno;            /* physical line just handed to inih */
    bool cont;             /* that line continues the previous key */
    bool have_prev;        /* mirrors inih's prev_name: a key was seen in this section */
    char section[CFG_SECTION_MAX];
    int sect_line;
    int last;              /* entry continuation lines append to, -1 = none */
};

#define RD_ERR(r, ...)                                        \
    do {                                                      \
        diag_add((r)->diag, (r)->file, (r)->lineno, __VA_ARGS__); \
        (r)->problems++;                                      \
    } while (0)

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* inih's find_chars_or_comment(): the first char of `chars`, or a ';' that
 * follows whitespace (an inline comment), or the end. */
static const char *find_chars_or_comment(const char *s, const char *e, const char *chars)
{
    bool was_space = false;
    for (; s < e; s++) {
        if (chars && strchr(chars, *s))
            return s;
        if (was_space && *s == ';')
            return s;
        was_space = is_space(*s);
    }
    return e;
}

/* Length of a valid UTF-8 sequence at s (max n bytes), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    unsigned cp = c & (0x7F >> need);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

/* Refuses bytes that have no business in a configuration: they would reach
 * a terminal or a remote shell. */
static bool line_bytes_ok(struct rd *r, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (u[i] == 0) {
            RD_ERR(r, "the line contains a NUL byte");
            return false;
        }
        if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7F) {
            RD_ERR(r, "the line contains control character 0x%02x (only tab is allowed)", u[i]);
            return false;
        }
        size_t k = utf8_len(u + i, len - i);
        if (!k) {
            RD_ERR(r, "the line is not valid UTF-8 (save the file as UTF-8)");
            return false;
        }
        i += k;
    }
    return true;
}

static bool sect_is(const char *sect, const char *name) { return strcasecmp(sect, name) == 0; }

/* Continuation lines make sense for scripts and free text only. */
static bool sect_allows_continuation(const char *sect)
{
    return sect_is(sect, "commands") || sect_is(sect, "scenario");
}

/* "drain = x" indented under another command would silently become part
 * of that command's script: catch the lines that look like a new key. */
static bool looks_like_command_key(const char *t, const char *e)
{
    for (int k = 0; k < PP_CMD_COUNT; k++) {
        const char *name = pp_cmd_kind_name((enum pp_cmd_kind)k);
        size_t nl = strlen(name);
        if ((size_t)(e - t) <= nl || strncasecmp(t, name, nl) != 0)
            continue;
        const char *q = t + nl;
        while (q < e && is_space(*q))
            q++;
        if (q < e && (*q == '=' || *q == ':'))
            return true;
    }
    return false;
}

/* In [commands] a " ;" would start an INI inline comment and cut the
 * script there without a word: refuse it instead. */
static bool commands_semicolon_ok(struct rd *r, const char *t, const char *e)
{
    const char *c = find_chars_or_comment(t, e, NULL);
    if (c < e) {
        RD_ERR(r, "in [commands] a ';' after a space starts an INI comment and would cut the "
                  "command here; remove the space before ';' or put the next statement on its "
                  "own indented line");
        return false;
    }
    return true;
}

/* Classifies the line as inih will and keeps our mirror of its state.
 * Returns false when the line must not reach inih. */
static bool classify(struct rd *r, const char *s, size_t len)
{
    const char *e = s + len;
    while (e > s && is_space(e[-1]))
        e--;
    const char *t = s;
    while (t < e && is_space(*t))
        t++;
    r->cont = false;
    if (t == e || *t == ';' || *t == '#')
        return true; /* blank or comment: inih ignores it */

    if (r->have_prev && t > s) {
        /* inih: an indented line after a key continues that key. */
        if (!sect_allows_continuation(r->section)) {
            const char *prev = r->last >= 0 ? r->doc->e[r->last].key : "";
            char b[96];
            if (*t == '[')
                RD_ERR(r, "an indented section header is read as a continuation of '%s'; "
                          "section headers must start at the beginning of the line",
                       cfg_show(b, sizeof b, prev));
            else
                RD_ERR(r, "this indented line would continue the value of '%s'; remove the "
                          "indentation (only [commands] and [scenario] values may span lines)",
                       cfg_show(b, sizeof b, prev));
            return false;
        }
        if (sect_is(r->section, "commands")) {
            if (looks_like_command_key(t, e)) {
                char b[96];
                RD_ERR(r, "this indented line looks like a new key but would continue the "
                          "command '%s'; remove the indentation",
                       cfg_show(b, sizeof b, r->last >= 0 ? r->doc->e[r->last].key : ""));
                return false;
            }
            if (!commands_semicolon_ok(r, t, e))
                return false;
        }
        r->cont = true;
        return true;
    }

    if (*t == '[') {
        const char *close = find_chars_or_comment(t + 1, e, "]");
        if (close >= e || *close != ']') {
            RD_ERR(r, "section header without a closing ']'");
            return false;
        }
        const char *after = close + 1;
        while (after < e && is_space(*after))
            after++;
        if (after < e && *after != ';' && *after != '#') {
            RD_ERR(r, "unexpected text after the section header");
            return false;
        }
        const char *n0 = t + 1, *n1 = close;
        while (n0 < n1 && is_space(*n0))
            n0++;
        while (n1 > n0 && is_space(n1[-1]))
            n1--;
        /* inih keeps 49 characters of a section name; we keep the whole
         * name and refuse long ones rather than confuse two sections. */
        if ((size_t)(n1 - n0) >= 50 || (size_t)(n1 - n0) >= sizeof r->section) {
            RD_ERR(r, "section name is too long (49 characters at most)");
            return false;
        }
        memcpy(r->section, n0, (size_t)(n1 - n0));
        r->section[n1 - n0] = 0;
        r->sect_line = r->lineno;
        r->have_prev = false;
        r->last = -1;
        struct cfg_doc *d = r->doc;
        if (d->ns == d->scap) {
            int cap = d->scap ? d->scap * 2 : 8;
            struct cfg_section *ns = realloc(d->s, (size_t)cap * sizeof *ns);
            if (!ns)
                return false;
            d->s = ns;
            d->scap = cap;
        }
        d->s[d->ns].name = strdup(r->section);
        d->s[d->ns].line = r->lineno;
        if (d->s[d->ns].name)
            d->ns++;
        return true;
    }

    const char *sep = find_chars_or_comment(t, e, "=:");
    if (sep >= e || (*sep != '=' && *sep != ':')) {
        RD_ERR(r, "expected 'key = value' or a [section] header");
        return false;
    }
    const char *k1 = sep;
    while (k1 > t && is_space(k1[-1]))
        k1--;
    if (k1 == t) {
        RD_ERR(r, "a key name is missing before '%c'", *sep);
        return false;
    }
    if (sect_is(r->section, "commands") && !commands_semicolon_ok(r, sep + 1, e))
        return false;
    r->have_prev = true;
    return true;
}

/* ini_reader: hands inih one physical line at a time.  Lines we refuse
 * become empty lines, which inih ignores, so numbering stays exact. */
static char *rd_line(char *str, int num, void *stream)
{
    struct rd *r = stream;
    if (r->p >= r->end || num < 3)
        return NULL;
    const char *s = r->p;
    const char *nl = memchr(s, '\n', (size_t)(r->end - s));
    const char *e = nl ? nl : r->end;
    r->p = nl ? nl + 1 : r->end;
    r->lineno++;
    size_t len = (size_t)(e - s);
    if (len && s[len - 1] == '\r')
        len--;
    if (r->lineno == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        len -= 3;
    }
    bool ok;
    if (len > CFG_MAX_LINE || len + 3 > (size_t)num) {
        RD_ERR(r, "the line is longer than %d characters", CFG_MAX_LINE);
        ok = false;
    } else {
        ok = line_bytes_ok(r, s, len) && classify(r, s, len);
    }
    if (!ok) {
        r->cont = false;
        len = 0;
    }
    memcpy(str, s, len);
    str[len] = '\n';
    str[len + 1] = 0;
    return str;
}

static char *join(const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *out = malloc(la + ls + lb + 1);
    if (!out)
        return NULL;
    memcpy(out, a, la);
    memcpy(out + la, sep, ls);
    memcpy(out + la + ls, b, lb + 1);
    return out;
}

struct ph_ctx {
    struct rd *r;
};

static void bad_placeholder(void *ctx, const char *message)
{
    struct rd *r = ((struct ph_ctx *)ctx)->r;
    RD_ERR(r, "%s", message);
}

static void check_line_placeholders(struct rd *r, struct cfg_entry *en, const char *text)
{
    if (!sect_is(r->section, "commands"))
        return;
    bool backup = false;
    struct ph_ctx c = {r};
    cfg_scan_placeholders(text, &backup, bad_placeholder, &c);
    if (backup && !en->backup_line)
        en->backup_line = r->lineno;
}

static int rd_handler(void *user, const char *section, const char *name, const char *value)
{
    struct rd *r = user;
    struct cfg_doc *d = r->doc;
    (void)section; /* ours is the same, without inih's 49-character cut */
    if (!value)
        value = "";
    if (r->cont) {
        if (r->last < 0)
            return 1;
        struct cfg_entry *en = &d->e[r->last];
        /* Scripts keep their lines; free text becomes one paragraph. */
        const char *sep = sect_is(r->section, "commands") ? "\n" : " ";
        char *v = *en->value ? join(en->value, sep, value) : strdup(value);
        if (v) {
            free(en->value);
            en->value = v;
        }
        check_line_placeholders(r, en, value);
        return 1;
    }
    if (d->n == d->cap) {
        int cap = d->cap ? d->cap * 2 : 32;
        struct cfg_entry *ne = realloc(d->e, (size_t)cap * sizeof *ne);
        if (!ne)
            return 1;
        d->e = ne;
        d->cap = cap;
    }
    struct cfg_entry *en = &d->e[d->n];
    memset(en, 0, sizeof *en);
    en->section = strdup(r->section);
    en->key = strdup(name);
    en->value = strdup(value);
    en->line = r->lineno;
    en->sect_line = r->sect_line;
    if (!en->section || !en->key || !en->value) {
        free(en->section);
        free(en->key);
        free(en->value);
        return 1;
    }
    r->last = d->n++;
    check_line_placeholders(r, en, value);
    return 1;
}

int cfg_doc_parse(struct cfg_doc *doc, const char *file, const char *text, size_t len,
                  struct pp_diag *diag)
{
    memset(doc, 0, sizeof *doc);
    doc->file = file;
    struct rd r = {.p = text, .end = text + len, .file = file, .diag = diag, .doc = doc,
                   .last = -1};
    /* Debian's inih reads lines into a buffer of ini_max_line bytes (200 by
     * default).  Raise it above our own limit so it never truncates. */
    if (ini_max_line < CFG_INI_BUFFER)
        ini_max_line = CFG_INI_BUFFER;
    int rc = ini_parse_stream(rd_line, &r, rd_handler, &r);
    if (rc < 0) {
        diag_add(diag, file, 0, "cannot parse the file (out of memory)");
        r.problems++;
    } else if (rc > 0 && r.problems == 0) {
        /* inih saw an error our mirror did not: still never silent. */
        diag_add(diag, file, rc, "syntax error");
        r.problems++;
    }
    return r.problems;
}

void cfg_doc_free(struct cfg_doc *doc)
{
    for (int i = 0; i < doc->n; i++) {
        free(doc->e[i].section);
        free(doc->e[i].key);
        free(doc->e[i].value);
    }
    for (int i = 0; i < doc->ns; i++)
        free(doc->s[i].name);
    free(doc->e);
    free(doc->s);
    memset(doc, 0, sizeof *doc);
}
