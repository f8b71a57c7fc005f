/* Fuzzes the INI config reader (config_load_string, then keymap_check as
 * --check-config does).  Properties: every problem is reported as
 * "fuzz.ini:..." (FILE:LINE: message, or FILE: message for whole-file
 * problems); a config that loads has only valid names in every field that
 * reaches a command line (pool, backup pool, failover host, servers,
 * domains). */
#include "tests/fuzz/fuzz_util.h"

#include "backend/pool/remote.h"
#include "config/config.h"
#include "tui/keymap.h"

static void check_name(const char *what, const char *s, bool domain)
{
    if (!*s)
        return;
    if (domain ? !names_valid_domain(s) : !names_valid_host(s))
        fuzz_fail("a loaded config has an invalid %s: \"%s\"", what, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    struct pp_config cfg;
    struct pp_diag d = {0};
    memset(&cfg, 0, sizeof cfg);
    int rc = config_load_string(&cfg, "fuzz.ini", text, &d);
    if (rc == 0)
        keymap_check(&cfg, &d);
    for (int i = 0; i < d.n; i++)
        if (strncmp(d.msgs[i], "fuzz.ini:", 9) != 0)
            fuzz_fail("a problem not reported as FILE:LINE: \"%s\"", d.msgs[i]);
    if (rc == 0) {
        if (cfg.nservers < 1)
            fuzz_fail("loaded without servers");
        check_name("fqdn", cfg.fqdn, false);
        if (!cfg.fqdn[0])
            fuzz_fail("loaded without a pool fqdn");
        check_name("backup_pool", cfg.backup_pool, false);
        check_name("failover_on", cfg.failover_on, false);
        for (int i = 0; i < cfg.nservers; i++) {
            check_name("server", cfg.servers[i].name, false);
            check_name("domain", cfg.servers[i].domain, true);
        }
    }
    config_free(&cfg);
    diag_free(&d);
    free(text);
    return 0;
}
