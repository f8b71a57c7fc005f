/* Internal to config/: the parsed INI document, the value checkers and the
 * loader state shared by the files of this module.  Nothing outside config/
 * includes this header. */
#ifndef PP_CONFIG_INT_H
#define PP_CONFIG_INT_H

#include "config/config.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest physical line we accept (bytes, without the line end).  inih's
 * buffer (ini_max_line) is raised above it while we parse, so inih never
 * truncates a line: we refuse long lines ourselves, at their real line. */
#define CFG_MAX_LINE 4000
#define CFG_INI_BUFFER 8192
#define CFG_MAX_FILE (4 * 1024 * 1024)
#define CFG_SECTION_MAX 128

/* One key of an INI text; continuation lines already joined. */
struct cfg_entry {
    char *section;   /* as written (trimmed), e.g. "pool", "fault.drain1" */
    char *key;
    char *value;
    int line;        /* physical line of the key */
    int sect_line;   /* physical line of its [section] header (0 = none) */
    int backup_line; /* first line using {backup_pool}, 0 = none */
};

struct cfg_section {
    char *name;
    int line;
};

/* A parsed INI text: entries and section headers in file order. */
struct cfg_doc {
    const char *file; /* name used in messages (not owned) */
    struct cfg_entry *e;
    int n, cap;
    struct cfg_section *s;
    int ns, scap;
};

/* reader.c: parses `text` (len bytes, may hold NULs: they are reported).
 * Every problem goes to diag with `file` and the physical line; returns the
 * number of problems found. */
int cfg_doc_parse(struct cfg_doc *doc, const char *file, const char *text, size_t len,
                  struct pp_diag *diag);
void cfg_doc_free(struct cfg_doc *doc);

/* diag.c */
void cfg_diag_sort(struct pp_diag *d, int from, const char *file);

/* values.c */
bool cfg_is_bare_number(const char *s);
/* Strict decimal without sign; false when not a number or > 10^15. */
bool cfg_parse_uint(const char *s, long long *out);
/* Case-insensitive lookup in names[0..n); -1 when absent. */
int cfg_lookup(const char *s, const char *const *names, int n);
/* A short printable rendering of user text for messages (cut at ~60
 * characters, on a UTF-8 boundary). */
const char *cfg_show(char *buf, size_t n, const char *s);
/* Checks {placeholders} in one line of a command template with the rules
 * of remote_expand(); calls back with a message for each problem and sets
 * *uses_backup when {backup_pool} appears. */
typedef void (*cfg_bad_placeholder_fn)(void *ctx, const char *message);
void cfg_scan_placeholders(const char *s, bool *uses_backup, cfg_bad_placeholder_fn bad,
                           void *ctx);
/* Formats name number i with a generate_pattern checked by
 * cfg_pattern_check; false when the result does not fit. */
bool cfg_pattern_check(const char *pattern, char *why, size_t whyn);
bool cfg_pattern_format(const char *pattern, long i, char *out, size_t n);

/* profiles.c: built-in INI texts. */
#define CFG_PROFILE_COUNT 5
#define CFG_PROFILE_CUSTOM 4      /* the last one: custom */
/* Lync / SfB profiles: lync2013, sfb2015, sfb2019 (indices 0-2) */
#define CFG_PROFILE_IS_LYNC(i) ((i) >= 0 && (i) <= 2)
extern const char *const cfg_profile_names[CFG_PROFILE_COUNT];
const char *cfg_defaults_text(void);
const char *cfg_sim_defaults_text(void);
const char *cfg_profile_text(int profile); /* index into cfg_profile_names */

/* Where each fault section's keys were, for messages after the whole file
 * is read (a fault may name a server listed further down). */
struct cfg_fault_src {
    char name[64];
    int sect_line, kind_line, server_line, step_line;
    bool has_kind;
};

/* Loader state: the config being filled, and the line of every key that a
 * later cross-check may need to point at (0 = not set in the user's file). */
struct cfg_loader {
    struct pp_config *cfg;
    struct pp_diag *diag;
    const char *file;        /* the user's file name, for messages */
    const char *cur_file;    /* file of the document being applied */
    bool user;               /* applying the user's document */
    bool scenario;           /* [scenario] [sim] [fault.*] allowed */
    int profile;             /* index, -1 unknown */
    int cap_servers;
    int servers_declared;    /* [servers] lines seen, valid or not */
    int pool_line, servers_line, profile_line, fqdn_line, backup_line, failover_on_line;
    int backend_line;
    bool backup_bad;         /* backup_pool was given but refused */
    int quorum_line, scenario_line, sim_line;
    int parallel_line, procedure_line;   /* the user's [pool] parallel / procedure */
    int persistent_shell_line;   /* [ssh] persistent_shell = yes in the user's file */
    int commands_from;       /* profile index whose commands a custom pool takes, -1 none */
    int commands_from_line;
    /* the safety timings as the user's file wrote them (line 0 = not set):
     * a Lync / SfB profile refuses less than Microsoft's numbers */
    int settle_line, busy_retry_line, busy_strikes_line;
    char settle_text[72], busy_retry_text[72], busy_strikes_text[72];   /* cfg_show: 64+ */
    int title_line, goal_line, expect_line;
    int cmd_line[PP_CMD_COUNT];
    int cmd_backup_line[PP_CMD_COUNT];
    long long gen_servers, gen_domains;
    char gen_pattern[256];
    int gen_servers_line, gen_domains_line, gen_pattern_line;
    struct cfg_fault_src fsrc[PP_MAX_FAULTS];
};

/* apply.c */
void cfg_apply_doc(struct cfg_loader *L, const struct cfg_doc *doc, bool user);
void cfg_check_sections(struct cfg_loader *L, const struct cfg_doc *doc);
void cfg_check_duplicates(struct cfg_loader *L, const struct cfg_doc *doc);

/* validate.c */
void cfg_generate_servers(struct cfg_loader *L);
void cfg_validate(struct cfg_loader *L);

#endif
