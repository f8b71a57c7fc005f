/* Stable English names for the shared enums: the journal and reports use
 * them, so they never change with the UI language. */
#include "backend/core/types.h"

#include <string.h>
#include <strings.h>

#include "backend/core/i18n.h"

static const char *const step_names[PP_STEP_COUNT] = {"drain", "upgrade", "restart", "verify"};
static const char *const kind_names[PP_CMD_COUNT] = {
    "readiness", "drain", "drain_now", "upgrade", "restart",
    "verify", "probe", "pool_state", "fabric", "failover", "failback", "backend", "topology"};
static const char *const result_names[] = {"", "ok", "failed", "timeout", "lost", "cancelled"};
static const char *const ready_names[] = {"Unknown", "Ready", "Busy", "InsufficientActiveFrontEnds"};

static int lookup(const char *const *names, int n, const char *s, int from)
{
    if (!s)
        return -1;
    for (int i = from; i < n; i++)
        if (strcasecmp(names[i], s) == 0)
            return i;
    return -1;
}

const char *pp_step_name(enum pp_step s)
{
    return (s >= 0 && s < PP_STEP_COUNT) ? step_names[s] : "";
}

int pp_step_parse(const char *s) { return lookup(step_names, PP_STEP_COUNT, s, 0); }

const char *pp_cmd_kind_name(enum pp_cmd_kind k)
{
    return (k >= 0 && k < PP_CMD_COUNT) ? kind_names[k] : "";
}

int pp_cmd_kind_parse(const char *s) { return lookup(kind_names, PP_CMD_COUNT, s, 0); }

const char *pp_result_name(enum pp_result r)
{
    return (r >= PP_RES_NONE && r <= PP_RES_CANCELLED) ? result_names[r] : "";
}

int pp_result_parse(const char *s) { return lookup(result_names, 6, s, 1); }

const char *pp_ready_name(enum pp_ready r)
{
    return (r >= PP_READY_UNKNOWN && r <= PP_READY_INSUFFICIENT) ? ready_names[r] : "Unknown";
}

int pp_ready_parse(const char *s) { return lookup(ready_names, 4, s, 0); }

/* The words of a journal record as a person reads them.  Command names the
 * operator types (force, retry, skip, done, proceed) and the cmdlet's own
 * values (Ready, Busy, ...) are not among them: they stay as written. */
static const char *const labels[] = {
    /* steps and command kinds */
    N_("drain"), N_("upgrade"), N_("restart"), N_("verify"), N_("readiness"),
    N_("drain_now"), N_("probe"), N_("pool_state"), N_("fabric"), N_("failover"), N_("failback"),
    /* TRANSLATORS: the Back End databases' update (a journal event) */
    N_("backend"),
    /* TRANSLATORS: the read of the pool's Front Ends in topology order (a command and a
       journal event) */
    N_("topology"),
    /* results */
    N_("ok"), N_("failed"), N_("timeout"), N_("lost"), N_("cancelled"),
    /* TRANSLATORS: journal event names, shown at the start of an event line */
    N_("start"), N_("resume"), N_("wait"), N_("pool-problem"), N_("confirm"), N_("decline"),
    N_("override"), N_("choose"), N_("domain-start"), N_("step-start"), N_("step-end"),
    N_("domain-done"), N_("complete"), N_("stop"), N_("note"),
    /* what a confirmation was for, a domain's state, a fabric check's moment */
    N_("domain"), N_("server"), N_("step"), N_("rerun"), N_("pool"), N_("inject"),
    N_("waiting"), N_("ready"), N_("not-ready"), N_("in-progress"), N_("done"),
    N_("done-with-exceptions"), N_("before"), N_("after"),
    /* a run's phase and a server's state (headless status) */
    N_("checking"), N_("busy-wait"), N_("problem"), N_("settle"), N_("failback-ask"),
    N_("stopped"), N_("pending"), N_("queued"), N_("running"), N_("verified"), N_("skipped"),
    N_("marked-done"),
    /* TRANSLATORS: a backend record's state: the Back End update is left to the operator */
    N_("open"),
    /* TRANSLATORS: a topology record's state: the pool's order and the config's agree,
       differ, could not be read; or the operator accepted the config's order */
    N_("match"), N_("differs"), N_("unknown"), N_("accepted")};

const char *pp_label(const char *name)
{
    if (!name || !*name)
        return name;
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++)
        if (strcmp(labels[i], name) == 0)
            return _(labels[i]);
    return name;
}

const char *pp_step_label(enum pp_step s) { return pp_label(pp_step_name(s)); }

const char *pp_result_label(enum pp_result r) { return pp_label(pp_result_name(r)); }
