/* The inject menu: one line per fault with its key and, for the target as
 * it stands now, the plan's own words ("the connection to fe03 drops
 * during its upgrade (now)"), so the trainer knows what the trainee will
 * meet before choosing. */
#include "tui/dashboard/inject_menu.h"

#include <stdio.h>
#include <string.h>

#include "backend/core/i18n.h"
#include "tui/keymap.h"
#include "backend/core/utf8.h"

static const char keys[PP_INJ_COUNT] = {'b', 'n', 'd', 'h', 'f', 'x'};

void inject_menu_open(struct inject_menu *im, const struct pp_model *m, int server)
{
    memset(im, 0, sizeof *im);
    im->open = true;
    if (server >= 0 && server < m->nservers)
        snprintf(im->server, sizeof im->server, "%s", m->servers[server].name);
}

int inject_menu_key(struct inject_menu *im, int key)
{
    if (!im->open)
        return INJ_MENU_NONE;
    if (key == PPK_ESC || key == 'q') {
        im->open = false;
        return INJ_MENU_CANCEL;
    }
    if (key == PPK_UP || key == 'k')
        im->sel = (im->sel + PP_INJ_COUNT - 1) % PP_INJ_COUNT;
    else if (key == PPK_DOWN || key == 'j')
        im->sel = (im->sel + 1) % PP_INJ_COUNT;
    else if (key == PPK_ENTER) {
        im->open = false;
        return im->sel;
    }
    for (int k = 0; k < PP_INJ_COUNT; k++)
        if (key == keys[k]) {
            im->open = false;
            im->sel = k;
            return k;
        }
    return INJ_MENU_NONE;
}

void inject_menu_render(const struct inject_menu *im, struct rd_canvas *cv,
                        const struct pp_model *m)
{
    if (!im->open)
        return;
    int w = cv->w - 4 < 96 ? cv->w - 4 : 96, h = PP_INJ_COUNT + 4;
    if (h > cv->h)
        h = cv->h;
    int x = (cv->w - w) / 2, y = (cv->h - h) / 2;
    canvas_fill_rect(cv, y, x, h, w, RD_NORMAL);
    canvas_box(cv, y, x, h, w, RD_BORDER_FOCUS);
    char t[PP_NAME_MAX + 96];
    snprintf(t, sizeof t, " %s ", _("Inject a fault now (trainer)"));
    canvas_put(cv, y, x + 2, w - 4, RD_HEADER, t);
    if (im->server[0])
        snprintf(t, sizeof t, _("Target: %s (the selected server)"), im->server);
    else
        snprintf(t, sizeof t, _("Target: the server at work, else the next domain's first "
                                "(select a server to choose)"));
    canvas_put_ell(cv, y + 1, x + 2, w - 4, RD_DIM, t);
    for (int k = 0; k < PP_INJ_COUNT && 2 + k < h - 2; k++) {
        int ly = y + 2 + k;
        struct pp_inject_plan p;
        char why[PP_REASON_MAX], line[PP_REASON_MAX + 64];
        const char *what = trainer_plan(m, (enum pp_inject)k, k == PP_INJ_BUSY ? NULL : im->server,
                                        NULL, &p, why, sizeof why) == 0
                               ? p.text
                               : why;
        char kc[2] = {keys[k], 0};
        int cx = x + 2;
        cx += canvas_put(cv, ly, cx, 2, RD_KEY, kc);
        cx += 1;
        canvas_put_ell(cv, ly, cx, 14, RD_NORMAL, trainer_inject_name((enum pp_inject)k));
        cx = x + 2 + 2 + 15;   /* the descriptions start in one column */
        snprintf(line, sizeof line, "%s", what);
        canvas_put_ell(cv, ly, cx, x + w - 2 - cx, RD_NORMAL, line);
        if (k == im->sel)
            canvas_flag(cv, ly, x + 1, w - 2, RD_F_SEL);
    }
    canvas_put_ell(cv, y + h - 2, x + 2, w - 4, RD_DIM,
                   _("A letter or Enter injects (journaled as the trainer's); Esc cancels."));
}
