/* The dashboard as a pure function: the model (plus the UI's own view state)
 * rendered into a canvas of role-tagged cells.  No curses and no runner:
 * everything render reads comes in through struct rd_source, so the unit
 * tests and the benchmark can build a model by hand and look at the rows.
 *
 * Screen, top to bottom:
 *   title line         pool, profile, mode, TRAINING, elapsed
 *   pool lines (2)     readiness, active/total, quorum + margin, busy
 *                      strikes + countdown, settle countdown, DR, phase
 *   domain panels      one box per upgrade domain, side by side, wrapping,
 *                      scrolled to keep the selection visible
 *   checklist │ output the ticks; the selected server's output (or a
 *                      domain's outputs grouped, outliers marked)
 *   question bar       model->ask, with "N of M stay up; quorum needs K"
 *   message line       an error (stays until dismissed) or the last event
 *   key line           the keys that matter now */
#ifndef PP_TUI_RENDER_H
#define PP_TUI_RENDER_H

#include "backend/pool/model.h"
#include "backend/core/outbuf.h"
#include "config/config.h"
#include "tui/dashboard/canvas.h"
#include "tui/dashboard/dialog.h"
#include "tui/keymap.h"

#define RD_MIN_W 80
#define RD_MIN_H 24

struct rd_source {
    const struct pp_model *m;
    const struct pp_config *cfg;
    pp_ms now;                  /* runner time */
    int64_t wall_offset;        /* wall-clock ms = runner ms + wall_offset */
    bool paused;                /* training clock */
    double scale;               /* training clock speed, 0 = max */
    /* may be NULL: no output available */
    const struct pp_outbuf *(*output)(void *ctx, int server);
    const char *(*last_command)(void *ctx, int server);
    void *ctx;
    const char *eta;            /* "ends about 03:40 (...)"; NULL or "" = none */
    /* may be NULL: a server's staging text for its panel row (a progress
     * bar while staging runs, else staged / not staged; "" nothing);
     * *warn set when it is bad news (failed, not staged) */
    const char *(*stage_text)(void *ctx, int server, bool utf8, char *buf, size_t n,
                              bool *warn);
};

enum rd_pane { RD_PANE_DOMAINS, RD_PANE_CHECKLIST, RD_PANE_OUTPUT, RD_PANE_COUNT };
enum rd_sel { RD_SEL_POOL, RD_SEL_DOMAIN, RD_SEL_SERVER };

/* One line of the output pane (a server's line, or a group header). */
struct rd_oline {
    const char *text;
    uint8_t role;
};

/* Where the last frame put things; input handling (page sizes, mouse,
 * moving between panel rows) reads it. */
struct rd_layout {
    bool too_small;
    int dom_y, dom_h;           /* domain area */
    int dom_cols, panel_w;      /* panels per row, width of one */
    int dom_virtual_h;          /* all panel rows stacked */
    int low_y, low_h;           /* checklist and output */
    int chk_x, chk_w, out_x, out_w;
    int out_y, out_h;           /* the output pane (below the walkthrough, if shown) */
    int wk_y, wk_h;             /* the walkthrough pane, 0 high when hidden */
    int ask_y, ask_h;
    int msg_y, keys_y;
};

/* The UI's own state: focus, selection, scrolling, dialogs, messages.
 * Owned by the dashboard; render reads it and adjusts scroll offsets so the
 * selection stays visible. */
struct rd_view {
    enum rd_pane focus;
    enum rd_sel sel;
    int sel_domain;             /* panel index (== ndomains: unassigned servers) */
    int sel_server;             /* server index when sel == RD_SEL_SERVER */

    int dom_scroll;             /* first virtual line of the domain area */
    int chk_scroll;
    bool chk_follow;            /* keep the active domain in view */
    int out_scroll;             /* first line shown */
    bool out_follow;            /* show the newest lines */
    char search[128];
    int search_hit;             /* output line index of the current match, -1 */

    char event[PP_REASON_MAX];  /* the last event line */
    char error[PP_REASON_MAX];  /* the oldest undismissed error */
    int nerrors;                /* how many are waiting (the first shown) */
    char note[200];             /* short-lived feedback ("nothing to confirm") */
    char stage[200];            /* staging's pool progress, or the offer to stage ("") */

    struct dlg dlg;
    int prompts_waiting;
    bool help;
    int help_scroll;
    bool summary;               /* the run is over: the summary box */
    bool ended;
    pp_ms ended_at;             /* runner time the run ended (-1 not yet): elapsed stops there */
    int exit_code;
    char exit_text[PP_REASON_MAX];
    bool gone;                  /* the terminal hung up */

    const struct keymap *km;
    bool training;

    /* the walkthrough pane and the training debrief (pane_walkthrough.c) */
    bool walk;                  /* shown: on by default in training */
    char **debrief;             /* debrief lines, owned by the front end; NULL = none */
    int ndebrief;
    bool debrief_open;          /* the full-screen debrief */
    int debrief_scroll;
    /* a replayed journal (--replay): the title's badge, replay keys */
    bool replay;
    char replay_badge[64];

    struct rd_layout lay;
    /* caches, owned by the view (freed by rd_view_free) */
    struct rd_oline *olines;
    int nolines, colines;
    char (*ohdr)[160];
    int cohdr;
    int *unassigned;
    int nunassigned, cunassigned;
};

/* What `key` does now on the main screen: the focused pane's binding
 * first, then the global one; next/prev match only while a search is
 * active (else `n` declines).  The key line uses it too, so it never offers
 * a key that does something else now. */
enum act_id render_key_action(const struct rd_view *v, int key);

/* Run time so far: from the first start to now, or to the end once the
 * run is over (the summary and the debrief then agree). */
pp_ms render_elapsed(const struct rd_view *v, const struct rd_source *src);

/* Does an override apply to what is selected now?  (The key line offers
 * `o` only then; a verified server has none.) */
bool render_override_applies(const struct rd_view *v, const struct pp_model *m);

void rd_view_init(struct rd_view *v, const struct keymap *km, bool training);
void rd_view_free(struct rd_view *v);

/* Renders the whole screen into cv (sized by the caller). */
void render_screen(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src);

/* Pieces, also used by input handling. */
int render_panel_count(const struct rd_view *v, const struct pp_model *m);
/* Members of panel p (a domain, or the unassigned servers). */
const int *render_panel_members(const struct rd_view *v, const struct pp_model *m, int p,
                                int *n);
/* Refreshes the cached list of servers without a domain. */
void render_update_unassigned(struct rd_view *v, const struct pp_model *m);
/* Builds the output pane's lines for the current selection into v->olines. */
int render_output_lines(struct rd_view *v, const struct rd_source *src);
/* Which server's output the pane shows (-1 the pool; -2 a domain's group). */
int render_output_server(const struct rd_view *v);

/* Words and glyphs for a server's state, shared by panels and checklist. */
struct rd_state_look {
    const char *glyph;          /* "◐" or ASCII fallback */
    const char *word;           /* "draining", "failed", "verified" ... */
    enum rd_role role;
};
struct rd_state_look render_server_look(const struct pp_server *s, bool utf8);
bool render_server_down(const struct pp_server *s);   /* intentionally down now */

/* "04:12" under an hour, "1:02:03" above; "--" for negative. */
const char *render_duration(pp_ms ms, char *buf, size_t n);

/* Steps running now (for the quit question). */
int render_running_count(const struct pp_model *m);

/* Panel internals (panel_domain.c), checklist and output panes. */
void panel_render_area(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src);
int panel_layout_height(struct rd_view *v, const struct pp_model *m, int width);
/* Virtual line range of the selection in the domain area (for scrolling). */
void panel_selection_span(struct rd_view *v, const struct pp_model *m, int *top, int *bottom);
void checklist_render(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src);
int checklist_line_count(const struct rd_view *v, const struct pp_model *m);
void output_render(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src);
/* Search: moves v->search_hit to the next (dir 1) / previous (-1) match,
 * starting after `from` (-1 = from the top of the visible page).  Returns
 * false when there is none. */
bool output_search(struct rd_view *v, const struct rd_source *src, int dir);

/* The message line and the key line (status_line.c). */
void status_render_message(struct rd_canvas *cv, const struct rd_view *v);
void status_render_keys(struct rd_canvas *cv, const struct rd_view *v,
                        const struct rd_source *src);

/* The walkthrough pane (wk_y/wk_h of the layout) and the full-screen
 * debrief (pane_walkthrough.c).  walk_pane_height is the height the text
 * wants at width w, title line included. */
int walk_pane_height(const struct rd_view *v, const struct rd_source *src, int w);
void walk_render(struct rd_canvas *cv, struct rd_view *v, const struct rd_source *src);
void debrief_render(struct rd_canvas *cv, struct rd_view *v);

/* The `?` screen and the summary box. */
void help_render(struct rd_canvas *cv, struct rd_view *v);
int help_line_count(const struct rd_view *v);
void summary_render(struct rd_canvas *cv, const struct rd_view *v, const struct rd_source *src);

#endif
