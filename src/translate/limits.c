/* limits.c - what an input may hold (struct dcs_input_limits). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "translate/translate.h"

const struct dcs_input_limits dcs_input_limits_default = {
    DCS_DEFAULT_MAX_INPUT, DCS_DEFAULT_MAX_SERVICES, DCS_DEFAULT_MAX_STRING,
    DCS_DEFAULT_MAX_DEPTH, DCS_DEFAULT_MAX_ALIAS_NODES,
};

#define LIMIT_MAX ((unsigned long long)1 << 40)

int dcs_input_limit_set(struct dcs_input_limits *lim, const char *flag, const char *value,
                        struct dcs_error *err)
{
    static const struct { const char *flag; size_t offset; } rows[] = {
        {"--max-input", offsetof(struct dcs_input_limits, input_bytes)},
        {"--max-services", offsetof(struct dcs_input_limits, services)},
        {"--max-string", offsetof(struct dcs_input_limits, string_bytes)},
        {"--max-depth", offsetof(struct dcs_input_limits, depth)},
        {"--max-alias-nodes", offsetof(struct dcs_input_limits, alias_nodes)},
    };
    unsigned long long n;
    char *end;

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (strcmp(flag, rows[i].flag))
            continue;
        errno = 0;
        n = strtoull(value, &end, 10);
        if (!*value || *end || errno || n < 1 || n > LIMIT_MAX || *value == '-') {
            dcs_error_set(err, flag, "expected a whole number from 1 to %llu, got \"%s\"",
                          LIMIT_MAX, value);
            return -1;
        }
        *(size_t *)((char *)lim + rows[i].offset) = (size_t)n;
        return 0;
    }
    return 1;
}
