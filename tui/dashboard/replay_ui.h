/* `poolpilot --replay JOURNAL` (tui/replay_ui.c). */
#ifndef PP_TUI_REPLAY_UI_H
#define PP_TUI_REPLAY_UI_H

#include <stdbool.h>

#include "config/config.h"

/* Opens the journal read-only and shows it: the dashboard stepping through
 * it, or (headless) the whole timeline on stdout, with the debrief when it
 * is a training journal.  cfg (may be NULL) gives the pool's topology.
 * Returns the exit code: 0, or 2 when the journal cannot be read. */
int replay_main(const char *path, const struct pp_config *cfg, bool headless);

#endif
