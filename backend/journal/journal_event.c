/* The journal's event names: see PP_JOURNAL_EVENTS in journal.h. */
#include "backend/journal/journal.h"

#include <string.h>

static const char *const names[PP_JEV_COUNT] = {
    [PP_JEV_OTHER] = "",
#define PP_JEV_NAME(id, name) [PP_JEV_##id] = name,
    PP_JOURNAL_EVENTS(PP_JEV_NAME)
#undef PP_JEV_NAME
};

const char *journal_event_name(enum pp_jev ev)
{
    return (unsigned)ev < PP_JEV_COUNT ? names[ev] : "";
}

/* Called once per record on resume, replay and every report: a million
 * records must fold in well under a second, so a name is compared in full
 * only with the few names that share its first letter. */
enum pp_jev journal_event_parse(const char *name)
{
    if (!name || !name[0])
        return PP_JEV_OTHER;
    for (int ev = 1; ev < PP_JEV_COUNT; ev++)
        if (names[ev][0] == name[0] && strcmp(name, names[ev]) == 0)
            return (enum pp_jev)ev;
    return PP_JEV_OTHER;
}
