/* Modal dialogs.  The override wizard makes an override deliberate: pick
 * what to do, type the target's name back exactly, give a reason for the
 * journal.  Secrets typed into a prompt are never drawn and are wiped with
 * explicit_bzero as soon as they have been handed over. */
#include "tui/dashboard/dialog.h"

#include <stdio.h>
#include <string.h>

#include "tui/keymap.h"
#include "backend/core/i18n.h"
#include "backend/core/utf8.h"

static const char ov_keys[PP_OV_COUNT] = {'f', 'r', 's', 'd', 'p'};

/* The pool's overrides say what they mean for the pool. */
static const char *override_help_for(const struct dlg *g, enum pp_override o)
{
    if (g->tkind != DLG_T_POOL)
        return dlg_override_help(o);
    switch (o) {
    case PP_OV_RETRY: return _("run the failover or failback again");
    case PP_OV_SKIP: return _("it did not take effect: do not run it again");
    case PP_OV_DONE: return _("it took effect (the pool's state says so)");
    default: return dlg_override_help(o);
    }
}

const char *dlg_override_help(enum pp_override o)
{
    switch (o) {
    case PP_OV_FORCE: return _("stop its overrunning drain at once (open sessions are dropped)");
    case PP_OV_RETRY: return _("run the failed or lost step again");
    case PP_OV_SKIP: return _("leave it out of this run");
    case PP_OV_DONE: return _("mark it done by hand (the work was done outside poolpilot)");
    case PP_OV_PROCEED: return _("go past the gate that holds it back");
    default: return "";
    }
}

static void input_clear(struct dlg_input *in)
{
    explicit_bzero(in->buf, sizeof in->buf);
    in->len = 0;
}

void dlg_wipe(struct dlg *g)
{
    input_clear(&g->in);
    explicit_bzero(g->text, sizeof g->text);
    g->kind = DLG_NONE;
}

static void open_common(struct dlg *g, enum dlg_kind k)
{
    dlg_wipe(g);
    memset(g, 0, sizeof *g);
    g->kind = k;
}

/* The first override that applies: retry, then force, then in order. */
static void pick_default(struct dlg *g)
{
    g->ov = PP_OV_COUNT;
    if (g->allowed[PP_OV_RETRY])
        g->ov = PP_OV_RETRY;
    else if (g->allowed[PP_OV_FORCE])
        g->ov = PP_OV_FORCE;
    for (int i = 0; g->ov == PP_OV_COUNT && i < PP_OV_COUNT; i++)
        if (g->allowed[i])
            g->ov = (enum pp_override)i;
}

void dlg_open_override(struct dlg *g, enum dlg_target k, int index, const char *name,
                       enum pp_srv_state st, bool drain_running)
{
    open_common(g, DLG_OVERRIDE);
    g->stage = DLG_ST_CHOOSE;
    g->tkind = k;
    g->tindex = index;
    snprintf(g->target, sizeof g->target, "%s", name ? name : "");
    switch (k) {
    case DLG_T_SERVER:
        g->allowed[PP_OV_FORCE] = drain_running;
        g->allowed[PP_OV_RETRY] = st == PP_SRV_FAILED || st == PP_SRV_LOST;
        g->allowed[PP_OV_SKIP] = st != PP_SRV_VERIFIED && st != PP_SRV_SKIPPED &&
                                 st != PP_SRV_MARKED_DONE;
        g->allowed[PP_OV_DONE] = st != PP_SRV_VERIFIED && st != PP_SRV_MARKED_DONE;
        break;
    case DLG_T_DOMAIN:
        g->allowed[PP_OV_DONE] = true;
        g->allowed[PP_OV_PROCEED] = true;
        break;
    case DLG_T_POOL:
        g->allowed[PP_OV_PROCEED] = true;
        break;
    }
    pick_default(g);
}

void dlg_open_pool_override(struct dlg *g, const char *name, bool unsure, bool retry)
{
    dlg_open_override(g, DLG_T_POOL, -1, name, PP_SRV_PENDING, false);
    /* a failover / failback whose outcome is not known: the operator says
     * what is true (done / skip) or runs it again (retry) */
    g->allowed[PP_OV_RETRY] = unsure || retry;
    g->allowed[PP_OV_DONE] = g->allowed[PP_OV_SKIP] = unsure;
    pick_default(g);
}

bool dlg_server_overridable(enum pp_srv_state st, bool drain_running)
{
    struct dlg g;
    memset(&g, 0, sizeof g);
    dlg_open_override(&g, DLG_T_SERVER, 0, "", st, drain_running);
    bool any = g.ov != PP_OV_COUNT;
    dlg_wipe(&g);
    return any;
}

void dlg_open_prompt(struct dlg *g, uint64_t id, enum pp_prompt_kind p, bool echo,
                     const char *host, const char *text)
{
    open_common(g, DLG_PROMPT);
    g->prompt_id = id;
    g->prompt = p;
    g->echo = echo;
    g->in.hidden = !(p == PP_PROMPT_KBDINT && echo);
    snprintf(g->host, sizeof g->host, "%s", host ? host : "");
    snprintf(g->text, sizeof g->text, "%s", text ? text : "");
}

void dlg_open_quit(struct dlg *g, int running)
{
    open_common(g, DLG_QUIT);
    g->running = running;
}

void dlg_open_info(struct dlg *g, const char *text)
{
    open_common(g, DLG_INFO);
    snprintf(g->info, sizeof g->info, "%s", text);
}

void dlg_open_ask(struct dlg *g, enum dlg_ask what, const char *title, const char *question)
{
    open_common(g, DLG_ASK);
    g->ask = what;
    snprintf(g->text, sizeof g->text, "%s", title);
    snprintf(g->info, sizeof g->info, "%s", question);
}

void dlg_open_search(struct dlg *g, const char *current)
{
    open_common(g, DLG_SEARCH);
    (void)current;   /* a new search starts empty, like less */
}

/* Text editing shared by every input; returns true when the key was used. */
static bool input_key(struct dlg_input *in, int key)
{
    if (key == PPK_BACKSPACE || key == PPK_DEL) {
        if (!in->len)
            return true;
        size_t i = in->len - 1;
        while (i > 0 && ((unsigned char)in->buf[i] & 0xc0) == 0x80)
            i--;
        explicit_bzero(in->buf + i, in->len - i);
        in->len = i;
        return true;
    }
    if (key == PPK_CTRL('u')) {
        input_clear(in);
        return true;
    }
    if (key >= 0x20 && key < PPK_BASE && key != 0x7f && !(key >= 0x80 && key < 0xa0)) {
        char u[4];
        int l = utf8_encode((uint32_t)key, u);
        if (in->len + (size_t)l < sizeof in->buf) {
            memcpy(in->buf + in->len, u, (size_t)l);
            in->len += (size_t)l;
            in->buf[in->len] = 0;
        }
        return true;
    }
    return false;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ')
            return false;
    return true;
}

static enum dlg_result close_with(struct dlg *g, enum dlg_result r)
{
    g->kind = DLG_NONE;
    return r;
}

static enum dlg_result override_key(struct dlg *g, int key)
{
    if (key == PPK_ESC)
        return close_with(g, DLG_R_CANCEL);
    switch (g->stage) {
    case DLG_ST_CHOOSE: {
        int dir = 0;
        if (key == PPK_UP || key == 'k' || key == PPK_BTAB)
            dir = -1;
        else if (key == PPK_DOWN || key == 'j' || key == PPK_TAB)
            dir = 1;
        if (dir) {
            for (int i = 1; i <= PP_OV_COUNT; i++) {
                int o = (((int)g->ov + dir * i) % PP_OV_COUNT + PP_OV_COUNT) % PP_OV_COUNT;
                if (g->allowed[o]) {
                    g->ov = (enum pp_override)o;
                    break;
                }
            }
            return DLG_R_NONE;
        }
        for (int o = 0; o < PP_OV_COUNT; o++)
            if (key == ov_keys[o]) {
                if (!g->allowed[o]) {
                    snprintf(g->error, sizeof g->error, _("%s does not apply here"),
                             engine_override_name((enum pp_override)o));
                    return DLG_R_NONE;
                }
                g->ov = (enum pp_override)o;
                key = PPK_ENTER;
            }
        if (key == PPK_ENTER && g->ov < PP_OV_COUNT && g->allowed[g->ov]) {
            g->stage = DLG_ST_NAME;
            g->error[0] = 0;
            input_clear(&g->in);
        }
        return DLG_R_NONE;
    }
    case DLG_ST_NAME:
        if (key == PPK_ENTER) {
            if (strcmp(g->in.buf, g->target) != 0) {
                snprintf(g->error, sizeof g->error,
                         "%s", _("that is not the name: type it exactly as shown"));
                return DLG_R_NONE;
            }
            g->stage = DLG_ST_REASON;
            g->error[0] = 0;
            input_clear(&g->in);
            return DLG_R_NONE;
        }
        if (input_key(&g->in, key))
            g->error[0] = 0;
        return DLG_R_NONE;
    case DLG_ST_REASON:
        if (key == PPK_ENTER) {
            if (blank(g->in.buf)) {
                snprintf(g->error, sizeof g->error, "%s", _("a reason is required: it goes into the journal"));
                return DLG_R_NONE;
            }
            return close_with(g, DLG_R_OVERRIDE);
        }
        if (input_key(&g->in, key))
            g->error[0] = 0;
        return DLG_R_NONE;
    }
    return DLG_R_NONE;
}

enum dlg_result dlg_key(struct dlg *g, int key)
{
    switch (g->kind) {
    case DLG_NONE:
        return DLG_R_NONE;
    case DLG_OVERRIDE:
        return override_key(g, key);
    case DLG_PROMPT:
        if (g->prompt == PP_PROMPT_HOSTKEY) {
            /* never Enter: accepting a host key must be a deliberate "y" */
            if (key == 'y' || key == 'Y') {
                g->accept = true;
                return close_with(g, DLG_R_ANSWER);
            }
            if (key == 'n' || key == 'N' || key == PPK_ESC) {
                g->accept = false;
                return close_with(g, DLG_R_ANSWER);
            }
            return DLG_R_NONE;
        }
        if (key == PPK_ESC) {
            g->accept = false;
            input_clear(&g->in);
            return close_with(g, DLG_R_ANSWER);
        }
        if (key == PPK_ENTER) {
            g->accept = true;
            return close_with(g, DLG_R_ANSWER);
        }
        if (key == PPK_TAB) {
            g->remember = !g->remember;
            return DLG_R_NONE;
        }
        input_key(&g->in, key);
        return DLG_R_NONE;
    case DLG_QUIT:
        if (key == 'y' || key == 'Y')
            return close_with(g, DLG_R_QUIT);
        if (key == 'n' || key == 'N' || key == PPK_ESC || key == PPK_ENTER || key == 'q')
            return close_with(g, DLG_R_CANCEL);
        return DLG_R_NONE;
    case DLG_INFO:
        if (key == PPK_ENTER || key == PPK_ESC || key == 'q')
            return close_with(g, DLG_R_CANCEL);
        return DLG_R_NONE;
    case DLG_ASK:
        /* Enter is no: a question that copies gigabytes wants a deliberate y */
        if (key == 'y' || key == 'Y')
            return close_with(g, DLG_R_YES);
        if (key == 'n' || key == 'N' || key == PPK_ESC || key == PPK_ENTER || key == 'q')
            return close_with(g, DLG_R_CANCEL);
        return DLG_R_NONE;
    case DLG_SEARCH:
        if (key == PPK_ESC)
            return close_with(g, DLG_R_CANCEL);
        if (key == PPK_ENTER)
            return close_with(g, DLG_R_SEARCH);
        input_key(&g->in, key);
        return DLG_R_NONE;
    }
    return DLG_R_NONE;
}

/* ---- drawing ---- */

static void draw_input(struct rd_canvas *cv, int y, int x, int w, const struct dlg_input *in)
{
    canvas_fill(cv, y, x, w, ' ', RD_INPUT);
    if (in->hidden) {
        canvas_put(cv, y, x, w, RD_INPUT, _("(what you type is not shown)"));
        return;
    }
    const char *s = in->buf;
    while (*s && utf8_width(s) > w - 1) {   /* show the end that is being typed */
        uint32_t cp;
        s += utf8_decode(s, strlen(s), &cp);
    }
    int n = canvas_put(cv, y, x, w - 1, RD_INPUT, s);
    canvas_put(cv, y, x + n, 1, RD_INPUT, cv->utf8 ? "▏" : "_");
}

/* A dialog is as wide as the screen allows (up to 110 columns): at 120
 * columns a 74-column box cut the override help ("open sessions are dr…")
 * although the room was there. */
static int box_width(const struct rd_canvas *cv)
{
    int w = cv->w - 4;
    return w < 110 ? w : 110;
}

struct box {
    int y, x, w, h, line;
};

static struct box open_box(struct rd_canvas *cv, int lines, const char *title)
{
    struct box b;
    b.w = box_width(cv);
    if (b.w < 10)
        b.w = cv->w;
    b.h = lines + 2;
    if (b.h > cv->h)
        b.h = cv->h;
    b.x = (cv->w - b.w) / 2;
    b.y = (cv->h - b.h) / 2;
    canvas_fill_rect(cv, b.y, b.x, b.h, b.w, RD_NORMAL);
    canvas_box(cv, b.y, b.x, b.h, b.w, RD_BORDER_FOCUS);
    canvas_put(cv, b.y, b.x + 2, 1, RD_BORDER_FOCUS, " ");
    int n = canvas_put_ell(cv, b.y, b.x + 3, b.w - 6, RD_HEADER, title);
    canvas_put(cv, b.y, b.x + 3 + n, 1, RD_BORDER_FOCUS, " ");
    b.line = b.y + 1;
    return b;
}

static void box_text(struct rd_canvas *cv, struct box *b, enum rd_role role, const char *t)
{
    int room = b->y + b->h - 1 - b->line;
    if (room <= 0)
        return;
    b->line += canvas_wrap(cv, b->line, b->x + 2, b->w - 4, room, role, t);
}

static void box_input(struct rd_canvas *cv, struct box *b, const struct dlg_input *in)
{
    if (b->line >= b->y + b->h - 1)
        return;
    draw_input(cv, b->line++, b->x + 2, b->w - 4, in);
}

static int text_lines(const struct rd_canvas *cv, const char *t)
{
    int w = box_width(cv) - 4;
    int n = canvas_wrap_count(t, w);
    return n ? n : 1;
}

static const char *target_word(enum dlg_target k)
{
    return k == DLG_T_SERVER ? _("server") : k == DLG_T_DOMAIN ? _("domain") : _("pool");
}

static void render_override(const struct dlg *g, struct rd_canvas *cv)
{
    char title[PP_NAME_MAX + 40], t[PP_NAME_MAX + 200];
    snprintf(title, sizeof title, _("Override %s %s"), target_word(g->tkind), g->target);
    if (g->stage == DLG_ST_CHOOSE) {
        struct box b = open_box(cv, PP_OV_COUNT + 4, title);
        box_text(cv, &b, RD_NORMAL, _("What should happen?"));
        for (int o = 0; o < PP_OV_COUNT; o++) {
            bool cur = g->ov == (enum pp_override)o;
            snprintf(t, sizeof t, "%s %c %-8s %s", cur ? (cv->utf8 ? "▸" : ">") : " ", ov_keys[o],
                     engine_override_name((enum pp_override)o),
                     g->allowed[o] ? override_help_for(g, (enum pp_override)o) : _("(does not apply)"));
            canvas_put_ell(cv, b.line, b.x + 2, b.w - 4, g->allowed[o] ? RD_NORMAL : RD_DIM, t);
            if (cur)
                canvas_flag(cv, b.line, b.x + 2, b.w - 4, RD_F_SEL);
            b.line++;
        }
        if (g->error[0])
            box_text(cv, &b, RD_FAILED, g->error);
        b.line = b.y + b.h - 2;
        box_text(cv, &b, RD_DIM, _("Up/Down or a letter to choose, Enter next, Esc cancel"));
        return;
    }
    snprintf(t, sizeof t, "%s: %s", engine_override_name(g->ov), override_help_for(g, g->ov));
    if (g->stage == DLG_ST_NAME) {
        char q[PP_NAME_MAX + 80];
        snprintf(q, sizeof q, _("Type the %s's name to confirm:  %s"), target_word(g->tkind),
                 g->target);
        struct box b = open_box(cv, text_lines(cv, t) + text_lines(cv, q) + 4, title);
        box_text(cv, &b, RD_WARNING, t);
        box_text(cv, &b, RD_NORMAL, q);
        box_input(cv, &b, &g->in);
        if (g->error[0])
            box_text(cv, &b, RD_FAILED, g->error);
        b.line = b.y + b.h - 2;
        box_text(cv, &b, RD_DIM, _("Enter next, Esc cancel"));
        return;
    }
    struct box b = open_box(cv, text_lines(cv, t) + 5, title);
    box_text(cv, &b, RD_WARNING, t);
    box_text(cv, &b, RD_NORMAL, _("Reason (written to the journal):"));
    box_input(cv, &b, &g->in);
    if (g->error[0])
        box_text(cv, &b, RD_FAILED, g->error);
    b.line = b.y + b.h - 2;
    box_text(cv, &b, RD_DIM, _("Enter override, Esc cancel"));
}

static void render_prompt(const struct dlg *g, struct rd_canvas *cv)
{
    char title[PP_NAME_MAX + 40];
    if (g->prompt == PP_PROMPT_HOSTKEY) {
        snprintf(title, sizeof title, _("Unknown host key: %s"), g->host);
        struct box b = open_box(cv, text_lines(cv, g->text) + 4, title);
        box_text(cv, &b, RD_NORMAL, g->text);
        box_text(cv, &b, RD_WARNING, _("Check the fingerprint with the server's administrator."));
        b.line = b.y + b.h - 2;
        box_text(cv, &b, RD_NORMAL, _("y accept and remember the key, n refuse"));
        return;
    }
    const char *what = g->prompt == PP_PROMPT_PASSWORD     ? _("Password")
                       : g->prompt == PP_PROMPT_PASSPHRASE ? _("Key passphrase")
                                                           : _("Question");
    snprintf(title, sizeof title, _("%s for %s"), what, g->host);
    struct box b = open_box(cv, text_lines(cv, g->text) + 5, title);
    box_text(cv, &b, RD_NORMAL, g->text[0] ? g->text : what);
    box_input(cv, &b, &g->in);
    box_text(cv, &b, RD_NORMAL,
             g->remember ? _("[x] use for every server (Tab)") : _("[ ] use for every server (Tab)"));
    b.line = b.y + b.h - 2;
    box_text(cv, &b, RD_DIM, _("Enter send, Esc refuse"));
}

static void render_quit(const struct dlg *g, struct rd_canvas *cv)
{
    char t[200];
    if (g->running > 0)
        snprintf(t, sizeof t,
                 P_("Steps are running on %d server; they will finish and be journaled. Quit?",
                    "Steps are running on %d servers; they will finish and be journaled. Quit?",
                    g->running),
                 g->running);
    else
        snprintf(t, sizeof t, "%s", _("Quit? The journal keeps the progress; run again to resume."));
    struct box b = open_box(cv, text_lines(cv, t) + 2, _("Quit"));
    box_text(cv, &b, RD_WARNING, t);
    b.line = b.y + b.h - 2;
    box_text(cv, &b, RD_NORMAL, _("y quit, n or Esc stay"));
}

static void render_info(const struct dlg *g, struct rd_canvas *cv)
{
    struct box b = open_box(cv, text_lines(cv, g->info) + 2, _("Resumed: how the last console stopped"));
    box_text(cv, &b, RD_NORMAL, g->info);
    b.line = b.y + b.h - 2;
    box_text(cv, &b, RD_DIM, _("Enter or Esc: go on"));
}

static void render_ask(const struct dlg *g, struct rd_canvas *cv)
{
    struct box b = open_box(cv, text_lines(cv, g->info) + 2, g->text);
    box_text(cv, &b, RD_WARNING, g->info);
    b.line = b.y + b.h - 2;
    box_text(cv, &b, RD_NORMAL, _("y yes, n or Esc no"));
}

void dlg_render(const struct dlg *g, struct rd_canvas *cv, int search_row)
{
    switch (g->kind) {
    case DLG_NONE:
        return;
    case DLG_OVERRIDE:
        render_override(g, cv);
        return;
    case DLG_PROMPT:
        render_prompt(g, cv);
        return;
    case DLG_QUIT:
        render_quit(g, cv);
        return;
    case DLG_INFO:
        render_info(g, cv);
        return;
    case DLG_ASK:
        render_ask(g, cv);
        return;
    case DLG_SEARCH:
        canvas_fill(cv, search_row, 0, cv->w, ' ', RD_NORMAL);
        canvas_put(cv, search_row, 0, 1, RD_KEY, "/");
        draw_input(cv, search_row, 1, cv->w - 1, &g->in);
        return;
    }
}
