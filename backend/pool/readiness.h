/* Parsing the pool readiness check's answer (Get-CsPoolUpgradeReadinessState,
 * Get-CsUpgradeDomainInfo, or a custom command printing the same JSON).
 *
 * Accepted: the JSON ConvertTo-Json writes (names matched case-insensitively,
 * aliases ReadyforUpgrade / IsReadyForUpgrade), and the default Format-List
 * text (CRLF or LF).  Anything truncated ("..."), unparseable or incomplete
 * reads as PP_READY_UNKNOWN with a reason: never as Ready. */
#ifndef PP_READINESS_H
#define PP_READINESS_H

#include "backend/core/types.h"

#define PP_READINESS_MAX_DOMAINS 256
#define PP_READINESS_MAX_FE 64

struct pp_ready_domain {
    char name[PP_DOMAIN_NAME_MAX];
    char (*fronts)[PP_NAME_MAX];   /* heap array of names */
    int nfronts;
    int ready;                     /* -1 unknown, 0 False, 1 True */
};

struct pp_readiness {
    enum pp_ready state;
    int total_fe, active_fe;       /* -1 when absent */
    struct pp_ready_domain *domains; /* heap */
    int ndomains;
    char why[256];                 /* for UNKNOWN: what was wrong */
};

/* Parses text (any mix of JSON / list form is detected).  Always fills r;
 * returns 0 when the state is known, -1 when it is UNKNOWN.  Names in the
 * answer that are not valid DNS names / domain names make it UNKNOWN. */
int readiness_parse(const char *text, size_t len, struct pp_readiness *r);
void readiness_free(struct pp_readiness *r);

/* Writes the canonical JSON (the shape the README documents) into a heap
 * string; used by the simulator and tests. */
char *readiness_to_json(const struct pp_readiness *r);

#endif
