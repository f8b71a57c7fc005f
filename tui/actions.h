/* The one table of the dashboard's named actions (tig's idea).
 *
 * It generates the action enum, the names accepted in the config's [keys]
 * section, the default key bindings, the `?` help screen and the Markdown key
 * table of the README and man page (`poolpilot --keys-markdown`).  Adding an
 * action here is the whole job of documenting it.
 *
 * X(ID, "name", "default keys", context, "help text")
 * Default keys use the [keys] spec syntax (see keymap.h), separated by spaces.
 * Contexts: a key is looked up in the focused pane's context first, then in
 * the global one, so one key may mean different things in different panes
 * (`n` declines a question, but finds the next match in the output pane).
 * Replay keys (--replay) come first while a journal is replayed. */
#ifndef PP_TUI_ACTIONS_H
#define PP_TUI_ACTIONS_H

enum act_ctx {
    ACT_CTX_GLOBAL,     /* anywhere */
    ACT_CTX_OUTPUT,     /* the output pane has the focus */
    ACT_CTX_TRAINING,   /* anywhere, only in training mode */
    ACT_CTX_REPLAY,     /* only in a replay (--replay) */
    ACT_CTX_COUNT
};

#define PP_ACTIONS(X)                                                                   \
    X(CONFIRM, "confirm", "Enter", ACT_CTX_GLOBAL,                                         \
      "Answer yes to the question bar (start the domain, fail over, ...)")                 \
    X(DECLINE, "decline", "n", ACT_CTX_GLOBAL,                                             \
      "Answer no to the question bar")                                                     \
    X(BACK, "back", "Esc", ACT_CTX_GLOBAL,                                                 \
      "Leave the innermost mode (a search, a menu, the help); never answers a question")   \
    X(RECHECK, "recheck", "r", ACT_CTX_GLOBAL,                                             \
      "Run the pool readiness check now")                                                  \
    X(CHOOSE, "choose", "c", ACT_CTX_GLOBAL,                                               \
      "Upgrade the selected domain next")                                                  \
    X(OVERRIDE, "override", "o", ACT_CTX_GLOBAL,                                           \
      "Override for the selection: force, retry, skip, done or proceed; "                  \
      "asks to type its name back and a reason (journaled)")                               \
    X(UP, "up", "Up k", ACT_CTX_GLOBAL, "Select the server above; scroll up")              \
    X(DOWN, "down", "Down j", ACT_CTX_GLOBAL, "Select the server below; scroll down")      \
    X(LEFT, "left", "Left h", ACT_CTX_GLOBAL, "Select the domain on the left")             \
    X(RIGHT, "right", "Right l", ACT_CTX_GLOBAL, "Select the domain on the right")         \
    X(PAGE_UP, "page-up", "PgUp C-b", ACT_CTX_GLOBAL, "Scroll one page up")                \
    X(PAGE_DOWN, "page-down", "PgDn C-f", ACT_CTX_GLOBAL, "Scroll one page down")          \
    X(TOP, "top", "Home g", ACT_CTX_GLOBAL, "Go to the first line / the pool")             \
    X(BOTTOM, "bottom", "End G", ACT_CTX_GLOBAL,                                           \
      "Go to the last line (the output pane follows new lines again)")                     \
    X(NEXT_PANE, "next-pane", "Tab", ACT_CTX_GLOBAL,                                       \
      "Next pane: domains, checklist, output")                                             \
    X(PREV_PANE, "prev-pane", "S-Tab", ACT_CTX_GLOBAL, "Previous pane")                    \
    X(SEARCH, "search", "/", ACT_CTX_GLOBAL, "Search the output pane")                     \
    X(SEARCH_NEXT, "search-next", "n", ACT_CTX_OUTPUT, "Next match")                       \
    X(SEARCH_PREV, "search-prev", "N", ACT_CTX_OUTPUT, "Previous match")                   \
    X(DISMISS, "dismiss", "x", ACT_CTX_GLOBAL, "Dismiss the error message")                \
    X(PAUSE, "pause", "Space", ACT_CTX_TRAINING, "Pause or resume the clock")              \
    X(FASTER, "faster", "+ =", ACT_CTX_TRAINING, "Make the clock faster")                  \
    X(SLOWER, "slower", "-", ACT_CTX_TRAINING, "Make the clock slower")                    \
    X(INJECT, "inject", "i", ACT_CTX_TRAINING,                                             \
      "Inject a fault now: pool Busy, not ready, a connection drop, a hung step, a failed "     \
      "step, a server that never returns (journaled as the trainer's)")                        \
    X(STAGE, "stage", "S", ACT_CTX_GLOBAL,                                                 \
      "Stage the update package ([update] package) on every server before the first "         \
      "domain: copied over SFTP, verified on the server (asks first); while it runs: cancel it") \
    X(WALKTHROUGH, "walkthrough", "w", ACT_CTX_GLOBAL,                                     \
      "Show or hide the walkthrough: what happens now and why; after a training run, "         \
      "the debrief")                                                                           \
    X(REPLAY_NEXT, "replay-next", ".", ACT_CTX_REPLAY, "Next journal record")               \
    X(REPLAY_PREV, "replay-prev", ",", ACT_CTX_REPLAY, "Previous journal record")           \
    X(REPLAY_NEXT_DECISION, "replay-next-decision", "] d", ACT_CTX_REPLAY,                \
      "Jump to the next decision (confirm, decline, override, choose, pool problem)")          \
    X(REPLAY_PREV_DECISION, "replay-prev-decision", "[ D", ACT_CTX_REPLAY,              \
      "Jump back to the previous decision")                                                    \
    X(REPLAY_FIRST, "replay-first", "<", ACT_CTX_REPLAY, "Jump to the first record")         \
    X(REPLAY_LAST, "replay-last", ">", ACT_CTX_REPLAY, "Jump to the last record")            \
    X(REDRAW, "redraw", "C-l", ACT_CTX_GLOBAL, "Redraw the whole screen")                  \
    X(HELP, "help", "? F1", ACT_CTX_GLOBAL, "Show this help")                              \
    X(QUIT, "quit", "q", ACT_CTX_GLOBAL,                                                   \
      "Quit; asks first while steps are running (they finish and are journaled)")

enum act_id {
#define X(id, name, keys, ctx, help) ACT_##id,
    PP_ACTIONS(X)
#undef X
    ACT_COUNT,
    ACT_NONE = -1
};

struct act_info {
    const char *name;
    const char *keys;     /* default key specs */
    enum act_ctx ctx;
    const char *help;
};

/* The table above as data (index = enum act_id). */
const struct act_info *act_info(enum act_id a);
/* The action called `name` ([keys] spelling), or ACT_NONE. */
enum act_id act_parse(const char *name);

#endif
