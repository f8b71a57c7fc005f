/* The trainer's inject menu (key i in training): pick a fault for the
 * selected server (or let poolpilot pick the server at work), see exactly
 * what it will do, and inject it.  Pure: keys in, a choice out; the
 * dashboard journals and injects (backend/trainer.c). */
#ifndef PP_TUI_INJECT_MENU_H
#define PP_TUI_INJECT_MENU_H

#include <stdbool.h>

#include "backend/pool/model.h"
#include "backend/training/trainer.h"
#include "tui/dashboard/canvas.h"

#define INJ_MENU_NONE (-1)     /* still open, nothing chosen */
#define INJ_MENU_CANCEL (-2)   /* closed without a fault */

struct inject_menu {
    bool open;
    int sel;                          /* highlighted kind */
    char server[PP_NAME_MAX];         /* the target; "" = poolpilot's default */
};

/* server: the selected server's index, or -1 for the default target. */
void inject_menu_open(struct inject_menu *im, const struct pp_model *m, int server);
/* Returns a pp_inject kind when one is chosen (the menu closes), or
 * INJ_MENU_NONE / INJ_MENU_CANCEL. */
int inject_menu_key(struct inject_menu *im, int key);
void inject_menu_render(const struct inject_menu *im, struct rd_canvas *cv,
                        const struct pp_model *m);

#endif
