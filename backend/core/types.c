/* Stable English names for the shared enums: the journal and reports use
 * them, so they never change with the UI language. */
#include "backend/core/types.h"

#include <strings.h>

static const char *const step_names[PP_STEP_COUNT] = {"drain", "upgrade", "restart", "verify"};
static const char *const kind_names[PP_CMD_COUNT] = {
    "readiness", "drain", "drain_now", "upgrade", "restart",
    "verify", "probe", "fabric", "failover", "failback"};
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
