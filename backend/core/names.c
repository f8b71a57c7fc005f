/* Name rules: see names.h.  Locale-free on purpose: isalnum() under a
 * Latin-1 locale would let bytes >= 0x80 through. */
#include "backend/core/names.h"

#include <string.h>

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool names_valid_host(const char *s)
{
    if (!s)
        return false;
    size_t len = strlen(s);
    if (len == 0 || len > 253)
        return false;
    size_t label = 0;
    char prev = 0;
    for (size_t i = 0; i <= len; i++) {
        char c = s[i];
        if (c == '.' || c == 0) {
            if (label == 0 || label > 63 || prev == '-')
                return false;
            label = 0;
        } else if (is_alnum(c) || c == '-') {
            if (label == 0 && c == '-')
                return false;
            label++;
        } else {
            return false;
        }
        prev = c;
    }
    return true;
}

bool names_valid_domain(const char *s)
{
    if (!s || *s == '-' || *s == '.')
        return false;
    size_t len = strlen(s);
    if (len == 0 || len > 63)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}
