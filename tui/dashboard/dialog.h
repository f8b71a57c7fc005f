/* Modal dialogs: the override wizard (choose → type the target's name back →
 * reason), transport prompts (host key yes/no, secrets without echo), the
 * quit question and the search line.  Pure: keys in, a result out; the
 * dashboard acts on the result (runner_operator / runner_answer). */
#ifndef PP_TUI_DIALOG_H
#define PP_TUI_DIALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/engine/engine.h"
#include "backend/runner/transport.h"
#include "tui/dashboard/canvas.h"

enum dlg_kind { DLG_NONE, DLG_OVERRIDE, DLG_PROMPT, DLG_QUIT, DLG_SEARCH, DLG_INFO, DLG_ASK };
/* What a yes to DLG_ASK does (the dashboard acts on it). */
enum dlg_ask { DLG_ASK_STAGE, DLG_ASK_STAGE_CANCEL };
enum dlg_stage { DLG_ST_CHOOSE, DLG_ST_NAME, DLG_ST_REASON };
enum dlg_target { DLG_T_POOL, DLG_T_DOMAIN, DLG_T_SERVER };

enum dlg_result {
    DLG_R_NONE,      /* still open */
    DLG_R_CANCEL,    /* closed without effect (a prompt: answer "no") */
    DLG_R_OVERRIDE,  /* ov, target, input.buf = reason */
    DLG_R_ANSWER,    /* prompt answered: accept (+ input.buf as the secret) */
    DLG_R_QUIT,      /* yes, quit */
    DLG_R_SEARCH,    /* input.buf = the pattern ("" clears) */
    DLG_R_YES        /* yes to a DLG_ASK question (ask says which) */
};

struct dlg_input {
    char buf[PP_REASON_MAX];
    size_t len;
    bool hidden;       /* secrets: never drawn, wiped after use */
};

struct dlg {
    enum dlg_kind kind;
    struct dlg_input in;
    char error[200];                 /* shown inside the dialog */

    /* override */
    enum dlg_stage stage;
    enum dlg_target tkind;
    int tindex;
    char target[PP_NAME_MAX];        /* the name that must be typed back */
    bool allowed[PP_OV_COUNT];
    enum pp_override ov;             /* highlighted / chosen */

    /* prompt */
    uint64_t prompt_id;
    enum pp_prompt_kind prompt;
    bool echo;
    bool accept;
    bool remember;
    char text[PP_REASON_MAX];        /* the question / fingerprint */
    char host[PP_NAME_MAX];

    /* quit */
    int running;                     /* servers with a step running */

    /* info: a statement to read before going on (a resumed run's start);
     * ask: the yes/no question (title in text) */
    char info[1200];
    enum dlg_ask ask;
};

/* Opens the override wizard for a target; which overrides are offered
 * depends on the target kind (and the server's state for the default). */
void dlg_open_override(struct dlg *g, enum dlg_target k, int index, const char *name,
                       enum pp_srv_state st, bool drain_running);
/* The pool's override wizard: proceed always; retry when the pool command
 * can be run again (unsure, or retry: the engine offers it); done and skip
 * when a failover / failback's outcome waits for the operator's word. */
void dlg_open_pool_override(struct dlg *g, const char *name, bool unsure, bool retry);
/* Does any override apply to a server in state st (a verified or
 * hand-marked server has none)?  The same rule dlg_open_override offers by. */
bool dlg_server_overridable(enum pp_srv_state st, bool drain_running);
void dlg_open_prompt(struct dlg *g, uint64_t id, enum pp_prompt_kind p, bool echo,
                     const char *host, const char *text);
void dlg_open_quit(struct dlg *g, int running);
/* A statement the operator reads first; Enter, Esc or q closes it. */
void dlg_open_info(struct dlg *g, const char *text);
/* A yes/no question of the dashboard's own (y yes; n, Esc, q no). */
void dlg_open_ask(struct dlg *g, enum dlg_ask what, const char *title, const char *question);
void dlg_open_search(struct dlg *g, const char *current);

/* A key (keymap.h codes).  Returns what happened; DLG_R_NONE keeps it open.
 * After any other result the dialog is closed (kind = DLG_NONE) but its
 * fields stay readable until dlg_wipe(). */
enum dlg_result dlg_key(struct dlg *g, int key);
/* Forgets everything typed (secrets are overwritten, not just dropped). */
void dlg_wipe(struct dlg *g);

/* Draws the dialog over the canvas (centred box; the search line on row y). */
void dlg_render(const struct dlg *g, struct rd_canvas *cv, int search_row);

const char *dlg_override_help(enum pp_override o);

#endif
