/*
 * filters.c - the Engine's `filters` query parameter and URL escaping.
 * Pure: the query strings are pinned by unit tests.
 */
#include <stdlib.h>
#include <string.h>

#include "swarm/engine_int.h"
#include "swarm/swarm.h"

int dcs_filters_add(json_t **filters, const char *key, const char *value,
                    struct dcs_error *err)
{
    json_t *values;

    if (!*filters)
        *filters = json_object();
    if (!*filters)
        return sw_oom(err);
    values = json_object_get(*filters, key);
    if (!values) {
        values = json_object();
        if (json_object_set_new(*filters, key, values) != 0)
            return sw_oom(err);
    }
    if (!json_is_object(values))
        return dcs_error_status(err, 400, key,
                                "expected an object of filter values");
    /* The Engine's own form (filters.Args): {"label": {"a=b": true}}. */
    if (json_object_set_new(values, value, json_true()) != 0)
        return sw_oom(err);
    return DCS_OK;
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

char *dcs_url_escape(const char *s, struct dcs_error *err)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), i, j = 0;
    char *out = malloc(n * 3 + 1);

    if (!out) {
        sw_oom(err);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (unreserved(c)) {
            out[j++] = (char)c;
        } else {
            out[j++] = '%';
            out[j++] = hex[c >> 4];
            out[j++] = hex[c & 15];
        }
    }
    out[j] = '\0';
    return out;
}

char *dcs_filters_query(const json_t *filters, struct dcs_error *err)
{
    char *text = NULL, *escaped = NULL, *query = NULL;

    if (!filters || json_object_size(filters) == 0) {
        query = strdup("");
        goto out;
    }
    text = json_dumps(filters, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        goto out;
    escaped = dcs_url_escape(text, err);
    if (!escaped)
        goto out;
    if (asprintf(&query, "filters=%s", escaped) < 0)
        query = NULL;
out:
    if (!query)
        sw_oom(err);
    free(text);
    free(escaped);
    return query;
}
