/* Fuzzes key-binding specs ([keys] values).  Properties: a spec that parses
 * names a key, and the key's own name parses back to the same key. */
#include "tests/fuzz/fuzz_util.h"

#include "tui/keymap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = fuzz_strndup(data, size);
    int key = keymap_parse_spec(spec);
    if (key != PPK_NONE) {
        char name[64], pretty[64];
        keymap_key_name(key, false, name, sizeof name);
        keymap_key_name(key, true, pretty, sizeof pretty);
        if (!name[0])
            fuzz_fail("key %d from \"%s\" has no name", key, spec);
        int again = keymap_parse_spec(name);
        if (again != key)
            fuzz_fail("\"%s\" -> key %d -> \"%s\" -> key %d", spec, key, name, again);
    }
    free(spec);
    return 0;
}
