/* Fuzzes the readiness answer parser (JSON and Format-List text).
 * Properties: the return value agrees with the state (0 = known, -1 =
 * Unknown); a known answer names only valid domains and Front Ends; the
 * canonical JSON of a parsed answer parses back to the same answer. */
#include "tests/fuzz/fuzz_util.h"

#include "backend/pool/readiness.h"
#include "backend/pool/remote.h"
#include "config/config.h"

static void same(const struct pp_readiness *a, const struct pp_readiness *b, const char *json)
{
    if (a->state != b->state || a->ndomains != b->ndomains || a->total_fe != b->total_fe ||
        a->active_fe != b->active_fe)
        fuzz_fail("round trip changed the answer (state %d/%d, domains %d/%d, fe %d/%d %d/%d): %s",
                  a->state, b->state, a->ndomains, b->ndomains, a->total_fe, b->total_fe,
                  a->active_fe, b->active_fe, json);
    for (int i = 0; i < a->ndomains; i++) {
        const struct pp_ready_domain *x = &a->domains[i], *y = &b->domains[i];
        if (strcmp(x->name, y->name) || x->ready != y->ready || x->nfronts != y->nfronts)
            fuzz_fail("round trip changed domain %d (%s/%s): %s", i, x->name, y->name, json);
        for (int k = 0; k < x->nfronts; k++)
            if (strcmp(x->fronts[k], y->fronts[k]))
                fuzz_fail("round trip changed a Front End of %s: %s", x->name, json);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exactly size bytes, no NUL after them: an over-read is an ASan error */
    char *text = malloc(size ? size : 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    struct pp_readiness r;
    memset(&r, 0, sizeof r);
    int rc = readiness_parse(text, size, &r);
    if ((rc == 0) != (r.state != PP_READY_UNKNOWN))
        fuzz_fail("returned %d with state %d", rc, r.state);
    if (!memchr(r.why, 0, sizeof r.why))
        fuzz_fail("why is not terminated");
    if (r.ndomains < 0 || r.ndomains > PP_READINESS_MAX_DOMAINS)
        fuzz_fail("%d domains", r.ndomains);
    if (rc == 0) {
        for (int i = 0; i < r.ndomains; i++) {
            if (!names_valid_domain(r.domains[i].name))
                fuzz_fail("known answer with a bad domain name \"%s\"", r.domains[i].name);
            if (r.domains[i].nfronts < 0 || r.domains[i].nfronts > PP_READINESS_MAX_FE)
                fuzz_fail("%d Front Ends", r.domains[i].nfronts);
            for (int k = 0; k < r.domains[i].nfronts; k++)
                if (!names_valid_host(r.domains[i].fronts[k]))
                    fuzz_fail("known answer with a bad Front End \"%s\"", r.domains[i].fronts[k]);
        }
        char *json = readiness_to_json(&r);
        if (!json)
            fuzz_fail("readiness_to_json failed");
        struct pp_readiness again;
        memset(&again, 0, sizeof again);
        if (readiness_parse(json, strlen(json), &again) != 0)
            fuzz_fail("canonical JSON does not parse (%s): %s", again.why, json);
        same(&r, &again, json);
        readiness_free(&again);
        free(json);
    }
    readiness_free(&r);
    free(text);
    return 0;
}
