/* Internal to the readiness parser (readiness.c, readiness_json.c,
 * readiness_list.c): the two readers fill a struct pp_readiness through
 * these helpers, which check every value as it arrives; readiness.c then
 * checks the whole.  Not a contract header. */
#ifndef PP_READINESS_INT_H
#define PP_READINESS_INT_H

#include "backend/pool/readiness.h"

#define RD_MAX_INPUT (1u << 20)   /* a readiness answer is a few KiB */
#define RD_MAX_DEPTH 32           /* the real shape nests 4 deep */

/* The properties we understand, matched case-insensitively with aliases. */
enum readiness_prop {
    RD_P_OTHER,
    RD_P_STATE,      /* PoolUpgradeState */
    RD_P_TOTAL,      /* TotalFrontEnds */
    RD_P_ACTIVE,     /* TotalActiveFrontEnds */
    RD_P_DOMAINS,    /* UpgradeDomains */
    RD_P_DOMAIN,     /* UpgradeDomain (a domain's name) */
    RD_P_FRONTS,     /* FrontEnds */
    RD_P_READY,      /* ReadyForUpgrade, ReadyforUpgrade, IsReadyForUpgrade */
    RD_P_COUNT
};
enum readiness_prop readiness_prop_lookup(const char *name, size_t n);
const char *readiness_prop_name(enum readiness_prop p);

/* Records the first problem in r->why (later ones are consequences);
 * returns -1. */
int readiness_fail(struct pp_readiness *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A value for a message: printable ASCII, others as '?', at most ~48 bytes. */
void readiness_shown(char *dst, size_t n, const char *s, size_t len);

int readiness_set_state(struct pp_readiness *r, const char *s, size_t n);
/* Sets *out from decimal digits (surrounding blanks allowed). */
int readiness_set_count(struct pp_readiness *r, enum readiness_prop which, const char *s, size_t n, int *out);
/* Appends an empty domain; NULL (and r->why set) past the limit. */
struct pp_ready_domain *readiness_domain_add(struct pp_readiness *r);
bool readiness_type_name(const char *s, size_t n);
int readiness_domain_name(struct pp_readiness *r, struct pp_ready_domain *d, const char *s, size_t n);
int readiness_front_add(struct pp_readiness *r, struct pp_ready_domain *d, const char *s, size_t n);
/* "True"/"False" in any letter case; -1 (and why) otherwise. */
int readiness_bool_word(struct pp_readiness *r, const struct pp_ready_domain *d, const char *s,
                 size_t n);
/* How messages name a domain: its name, or its position until it has one. */
const char *readiness_domain_label(const struct pp_readiness *r, const struct pp_ready_domain *d,
                            char *buf, size_t n);

/* The readers.  Each returns 1 when it found an answer of its form (r is
 * then filled, perhaps with a problem in why), 0 when the text holds none
 * (r untouched; `note` says why, for the final message). */
int readiness_json_read(const char *text, size_t len, struct pp_readiness *r, char *note, size_t nn);
int readiness_list_read(const char *text, size_t len, struct pp_readiness *r);

#endif
