/* The one event loop: poll() over operator input, the transport's wake-up
 * fd and a signal self-pipe; timers come from the runner; redraws capped. */
#ifndef PP_LOOP_H
#define PP_LOOP_H

#include "tui/ui.h"

/* Runs until the run is over.  Returns the exit code (0 done, 1 stopped).
 * linger: once it is over, keep the screen until the operator's input
 * says so (the dashboard's summary), instead of leaving at once. */
int loop_run(struct pp_ui *ui, struct pp_runner *r, bool yes, bool linger);

#endif
