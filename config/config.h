/* The pool's configuration: one INI file describes one pool.
 *
 * Loading order (tig's built-in tigrc idea): the built-in defaults INI text,
 * then the chosen profile's INI text, then the user's file.  Scenario files
 * for training are the same format plus [scenario], [sim] and [fault.N].
 * Only config/ includes <ini.h>; everything else sees this struct. */
#ifndef PP_CONFIG_H
#define PP_CONFIG_H

#include "backend/core/names.h"
#include "backend/core/types.h"

#define PP_PATH_MAX 1024
#define PP_MAX_SERVERS 4096
#define PP_MAX_FAULTS 64
#define PP_MAX_KEYBINDS 64

/* Every problem found, each already formatted "FILE:LINE: message". */
struct pp_diag {
    char **msgs;
    int n, cap;
};
void diag_add(struct pp_diag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_free(struct pp_diag *d);

enum pp_auth { PP_AUTH_AUTO, PP_AUTH_KEY, PP_AUTH_PASSWORD, PP_AUTH_GSSAPI };
enum pp_shell { PP_SHELL_POSIX, PP_SHELL_POWERSHELL };

/* What backend/pool/remote.c puts around a PowerShell script (its prologue
 * and result-marker epilogue, in characters; remote.c checks the number at
 * compile time) and the command line it sends: --check-config computes the
 * length of every command before anything runs. */
#define PP_PS_WRAP_CHARS 425
#define PP_PS_PREFIX "powershell -NoProfile -NonInteractive -EncodedCommand "
/* Win32-OpenSSH runs a command through the user's default shell, cmd.exe
 * unless DefaultShell says otherwise ("OpenSSH Server configuration for
 * Windows"), and cmd.exe takes at most 8191 characters ("Command prompt
 * (Cmd.exe) command-line string limitation", Microsoft Learn). */
#define PP_PS_CMDLINE_MAX 8191

struct pp_server_cfg {
    char name[PP_NAME_MAX];            /* FQDN, validated as a DNS name */
    char domain[PP_DOMAIN_NAME_MAX];   /* "" = discover from the readiness check */
    int line;                          /* where it was declared, for messages */
};

struct pp_ssh_cfg {
    char user[PP_OPERATOR_MAX];        /* "" = ssh_config or the local user */
    int port;                          /* 0 = ssh_config or 22 */
    char identity[PP_PATH_MAX];
    char known_hosts[PP_PATH_MAX];     /* "" = ~/.ssh/known_hosts */
    char config[PP_PATH_MAX];          /* "" = ~/.ssh/config */
    enum pp_auth auth;
    pp_ms connect_timeout;             /* [ssh] connect_timeout, default 15s */
    pp_ms keepalive;                   /* [ssh] keepalive, default 15s */
    /* [ssh] persistent_shell, default no: POSIX steps run in one long-lived
     * sh per connection (backend/transport/ssh/ssh_shell.c), not a session
     * channel each.  shell = posix only (docs/POWERSHELL.md says why). */
    bool persistent_shell;
};

struct pp_timing {
    pp_ms busy_retry;                  /* 10m */
    int busy_strikes;                  /* 3 */
    pp_ms settle;                      /* 20m */
    pp_ms step_timeout[PP_STEP_COUNT]; /* drain_timeout, upgrade_timeout, ... */
    pp_ms readiness_timeout;           /* 10m: SfB 2015's plain check can block */
    pp_ms failover_timeout;            /* 60m */
    pp_ms probe_timeout;               /* 2m */
};

enum pp_fault_kind {
    PP_FAULT_FAIL,           /* the step ends with failed */
    PP_FAULT_HANG,           /* the step never ends (stuck drain) */
    PP_FAULT_DROP,           /* the connection drops mid-step: outcome lost */
    PP_FAULT_NEVER_RETURNS,  /* restart: the server never comes back */
    PP_FAULT_NOT_READY,      /* the server's domain reports ReadyForUpgrade False */
    PP_FAULT_BUSY            /* readiness answers Busy (times = how many checks) */
};

struct pp_fault {
    enum pp_fault_kind kind;
    char server[PP_NAME_MAX];   /* "" for pool-wide faults (busy) */
    enum pp_step step;          /* PP_STEP_NONE when not tied to a step */
    int times;                  /* how many times it fires; default 1 */
    int after_domains;          /* fires only once this many domains are done */
    int line;
};

/* Present when the file is a training scenario. */
struct pp_sim_cfg {
    bool present;
    char name[64];
    char title[160];
    char goal[PP_REASON_MAX];
    char expect[PP_REASON_MAX];
    /* title[LANG] = ... and the like, kept when LANG is the language of the
     * message catalogue in use (its "Language:" header): what a person
     * reads.  Empty when the scenario has none; reports keep the English. */
    char title_local[160];
    char goal_local[PP_REASON_MAX];
    char expect_local[PP_REASON_MAX];
    pp_ms step_time[PP_STEP_COUNT];   /* [sim] drain, upgrade, restart, verify */
    pp_ms readiness_time;             /* [sim] readiness */
    pp_ms failover_time;              /* [sim] failover */
    int busy_first;                   /* first N readiness checks answer Busy */
    bool insufficient;                /* answers InsufficientActiveFrontEnds */
    unsigned seed;
    struct pp_fault faults[PP_MAX_FAULTS];
    int nfaults;
};

/* [update]: the update package staged on every server before the window
 * (poolpilot --stage, backend/runner/stage.c). */
#define PP_SHA256_HEX 64
struct pp_update_cfg {
    char package[PP_PATH_MAX];         /* the file on the jump box; "" = nothing to stage */
    char remote_path[PP_PATH_MAX];     /* where it goes; {server} and {file} may appear */
    char sha256[PP_SHA256_HEX + 1];    /* "" = take the local file as it is */
    int stage_parallel;                /* servers copied to at once */
    long long stage_rate;              /* bytes per second for the whole pool; 0 = no cap */
    char *hash_command;                /* prints the SHA-256 of {path} on the server (heap) */
    int package_line;                  /* where package was set, for messages */
};

struct pp_keybind {
    char action[32];
    char keys[64];
    int line;
};

struct pp_config {
    char path[PP_PATH_MAX];            /* the user's file, or "scenario:NAME" */

    /* [pool] */
    char fqdn[PP_NAME_MAX];
    char profile[16];                  /* lync2013 sfb2015 sfb2019 linux-systemd custom */
    char commands_from[16];            /* custom only: the built-in profile whose shell,
                                        * quorum rule and [commands] it starts from; "" none */
    enum pp_shell shell;               /* from the profile; [pool] shell overrides */
    enum pp_mode mode;
    char backup_pool[PP_NAME_MAX];     /* "" = not paired for disaster recovery */
    char failover_on[PP_NAME_MAX];     /* a Front End of the backup pool */
    char backend[PP_NAME_MAX];         /* the Back End's SQL Server FQDN ({backend}); "" =
                                        * poolpilot does not update the Back End */
    enum pp_confirm confirm;
    int parallel;                      /* servers of a domain at once; 0 = all */
    enum pp_procedure procedure;       /* from the profile; [pool] procedure overrides */
    enum pp_quorum quorum;

    /* [servers], in topology order */
    struct pp_server_cfg *servers;
    int nservers;

    struct pp_ssh_cfg ssh;
    struct pp_timing timing;

    /* [commands]: one template per command kind, heap strings, "" = none
     * (an empty fabric or probe template skips that check). */
    char *commands[PP_CMD_COUNT];

    struct pp_update_cfg update;

    struct pp_keybind keys[PP_MAX_KEYBINDS];
    int nkeys;

    struct pp_sim_cfg sim;
};

/* Loads defaults + profile + the file at `path`.  Returns 0 when the
 * configuration is valid; otherwise -1 with every problem in `diag`
 * (the struct is still freed by config_free). */
int config_load_file(struct pp_config *cfg, const char *path, struct pp_diag *diag);
/* The same for text in memory; `name` is what messages call the file. */
int config_load_string(struct pp_config *cfg, const char *name, const char *text,
                       struct pp_diag *diag);
void config_free(struct pp_config *cfg);

/* -c FILE, else $POOLPILOT_CONFIG, else $XDG_CONFIG_HOME/poolpilot/pool.ini
 * (or ~/.config/...).  Writes into buf; returns buf. */
const char *config_default_path(const char *cli, char *buf, size_t n);


/* Parses "90s", "10m", "1h30m", "250ms", "2h"; -1 when invalid. */
pp_ms config_parse_duration(const char *s);

/* Built-in training scenarios (every config/scenarios/NAME.ini, compiled in). */
struct pp_scenario_info {
    const char *name;
    const char *text;     /* the whole INI text */
};
int scenario_count(void);
const struct pp_scenario_info *scenario_at(int i);
const struct pp_scenario_info *scenario_find(const char *name);
/* Loads a built-in scenario by name, or a scenario file by path. */
int config_load_scenario(struct pp_config *cfg, const char *name_or_path,
                         struct pp_diag *diag);

#endif
