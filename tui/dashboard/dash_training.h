/* The dashboard's training pieces, which need none of its private state:
 * the debrief as lines, the trainer's fault injection with its feedback,
 * and the keys of the full-screen debrief. */
#ifndef PP_TUI_DASH_TRAINING_H
#define PP_TUI_DASH_TRAINING_H

#include <stddef.h>

#include "backend/runner/runner.h"
#include "tui/dashboard/render.h"

/* The debrief of the runner's journal as heap lines (*out, freed with
 * dash_lines_free); returns how many.  Nothing without a journal (dry
 * run); one line saying why when the journal cannot be read. */
int dash_debrief_lines(struct pp_runner *r, const struct pp_config *cfg, char ***out);
void dash_lines_free(char **lines, int n);

/* Plans and injects fault `kind` (enum pp_inject) on `server` ("" or NULL:
 * poolpilot's default target); msg gets what happened, for the message
 * line.  Returns 0, or -1 when it was refused. */
int dash_inject(struct pp_runner *r, int kind, const char *server, char *msg, size_t n);

/* A key while the full-screen debrief is open: scroll, or close it. */
void dash_debrief_key(struct rd_view *v, int key, enum act_id a);

#endif
