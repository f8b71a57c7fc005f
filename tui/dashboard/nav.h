/* Moving the selection and scrolling the panes (pure, no curses).  Uses the
 * layout of the last rendered frame (panels per row, page heights). */
#ifndef PP_TUI_NAV_H
#define PP_TUI_NAV_H

#include "tui/dashboard/render.h"

/* Applies a movement action (UP ... BOTTOM, NEXT_PANE, PREV_PANE) to the
 * focused pane.  Returns true when the view changed. */
bool nav_apply(struct rd_view *v, const struct rd_source *src, enum act_id a);

void nav_select_pool(struct rd_view *v);
void nav_select_domain(struct rd_view *v, int panel);
void nav_select_server(struct rd_view *v, const struct pp_model *m, int server);
void nav_focus(struct rd_view *v, enum rd_pane p);

/* A click on the last frame's cell (tags from the canvas).  Returns true
 * when something was selected or focused. */
bool nav_click(struct rd_view *v, const struct rd_source *src, const struct rd_canvas *cv,
               int y, int x);

#endif
