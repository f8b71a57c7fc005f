/* The pool's Front Ends in topology order, as the `topology` command prints
 * them, and how that order compares with the config's [servers].
 *
 * The quorum rule of an 8-12 server pool counts "the first 7" / "the first
 * 9" servers (model.c quorum_ok_without): the first in topology order, and
 * poolpilot takes that order from [servers].  Microsoft's "Front End Pool
 * high availability and management" says Get-CsComputer lists a pool's
 * servers in topology order, the first ones at the top; the profiles'
 * `topology` template prints that list (docs/POWERSHELL.md says what is
 * documented and what is only believed).
 *
 * The answer's lines (anything else, verbose or warning text, is ignored):
 *   pp-topology-begin N
 *   pp-topology fe01.contoso.com       one per computer, in the pool's order
 *   pp-topology-end N
 * Read defensively: a UTF-8 BOM, CRLF, blank lines, surrounding blanks and
 * one trailing dot are tolerated, markers in any letter case; no begin, no
 * end (the output was cut), counts that disagree, a name that is not a DNS
 * host name, a name listed twice, no name or more than PP_TOPO_MAX names
 * make the answer Unknown, never a match. */
#ifndef PP_POOL_TOPOLOGY_H
#define PP_POOL_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>

#include "backend/core/types.h"

struct pp_model;

/* A pool has at most 12 Front Ends (16 on SfB 2019): room to spare, so a
 * longer list is another pool's answer, not one cut short here. */
#define PP_TOPO_MAX 32

struct pp_topology {
    bool known;                          /* false: Unknown, why says why */
    int n;
    char names[PP_TOPO_MAX][PP_NAME_MAX];
    char why[PP_REASON_MAX];
};

/* Fills t from a command's output; returns t->known. */
bool topology_parse(const char *out, size_t len, struct pp_topology *t);

enum pp_topo_diff {
    PP_TOPO_SAME,       /* the same servers in the same order */
    PP_TOPO_ORDER,      /* the same servers, another order */
    PP_TOPO_MISSING,    /* a configured server the pool does not list */
    PP_TOPO_EXTRA       /* a server of the pool the config does not list */
};

/* Compares a known answer with the model's servers (the config's [servers]
 * order); DNS names compare without regard to case.  why (English, for the
 * journal) names the first difference: the first server missing, else the
 * first extra one, else the first position where the orders part.  *where
 * (may be NULL) gets that server's index in the model (missing), in the
 * answer (extra) or the position (order); -1 when the same. */
enum pp_topo_diff topology_compare(const struct pp_topology *t, const struct pp_model *m,
                                   char *why, size_t n, int *where);

/* The answer's names joined with ", " (as much as fits). */
void topology_join(const struct pp_topology *t, char *buf, size_t n);

#endif
