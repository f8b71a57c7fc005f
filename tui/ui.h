/* What the event loop needs from a front end: the curses dashboard and the
 * headless line mode both implement it.  Only tui/ includes curses. */
#ifndef PP_UI_H
#define PP_UI_H

#include <stdio.h>

#include "backend/runner/runner.h"

struct pp_ui;
struct pp_ui_ops {
    /* Called once the runner exists; returns 0 or -1 (message printed). */
    int (*init)(struct pp_ui *u, struct pp_runner *r);
    /* Every runner notice, as it happens (the UI marks itself dirty). */
    void (*notice)(struct pp_ui *u, const struct pp_notice *n);
    /* The fd to poll for operator input, -1 when input has ended. */
    int (*input_fd)(struct pp_ui *u);
    /* Input is readable: read it and act (runner_operator / runner_answer).
     * Returns 0, or -1 when the operator is gone (EOF). */
    int (*on_input)(struct pp_ui *u);
    /* Redraw what changed; called at most ~30 times a second. */
    void (*render)(struct pp_ui *u);
    /* Terminal resize / SIGWINCH, SIGHUP (terminal lost), SIGCONT. */
    void (*on_signal)(struct pp_ui *u, int sig);
    /* Restore the terminal; safe to call twice. */
    void (*fini)(struct pp_ui *u);
    void (*free)(struct pp_ui *u);
};
struct pp_ui { const struct pp_ui_ops *ops; };

struct pp_ui *headless_new(FILE *out, FILE *in, bool yes);
struct pp_ui *dashboard_new(const struct pp_config *cfg);   /* curses */

#endif
