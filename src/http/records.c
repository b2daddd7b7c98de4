/*
 * records.c - what swarm does not keep but Docker Cloud showed: the
 * records of terminated services and of actions, stored as swarm configs
 * (labels say the kind, namespace and uuid; the data is JSON), read back
 * by kind and dropped after --retention.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "http/model.h"
#include "swarm/swarm.h"
#include "util/datetime.h"
#include "translate/translate.h"

json_t *dcs_record_decode(const json_t *config)
{
    const char *b64 = json_string_value(json_object_get(json_object_get(config, "Spec"), "Data"));
    size_t n = b64 ? strlen(b64) : 0;
    unsigned char *buf = malloc(n + 4);
    int got;
    json_t *v = NULL;

    if (!buf)
        return NULL;
    got = n ? EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n) : -1;
    while (got > 0 && n && b64[n - 1] == '=') {
        n--;
        got--;
    }
    if (got > 0)
        v = json_loadb((const char *)buf, (size_t)got, 0, NULL);
    free(buf);
    return v;
}

/* Records older than the retention go, by whichever server sees them. */
static bool expired(struct dcs_ctx *c, const json_t *config)
{
    time_t t;
    const char *created = json_string_value(json_object_get(config, "CreatedAt"));

    return created && dcs_engine_time_parse(created, &t) && c->now - t > c->cfg->retention;
}

/* The label filters of the records of kind (in ns, with uuid: either may be
 * NULL), new. */
json_t *dcs_records_filters(const char *kind, const char *ns, const char *uuid,
                            struct dcs_error *err)
{
    json_t *filters = NULL;
    char kv[300];

    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_KIND, kind);
    dcs_filters_add(&filters, "label", kv, err);
    if (ns) {
        snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_NAMESPACE, ns);
        dcs_filters_add(&filters, "label", kv, err);
    }
    if (uuid) {
        snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_UUID, uuid);
        dcs_filters_add(&filters, "label", kv, err);
    }
    return filters;
}

/* The records in list (the configs read with dcs_records_filters(), stolen);
 * expired ones are removed from the swarm. */
json_t *dcs_records_of(struct dcs_ctx *c, const char *kind, json_t *list)
{
    json_t *out = json_array(), *cfg;
    size_t i;


    json_array_foreach(list, i, cfg) {
        json_t *data;
        if (strcmp(kind, DCS_KIND_TOKEN_KEY) && strcmp(kind, DCS_KIND_TRIGGER) &&
            expired(c, cfg)) {
            struct dcs_error ignored = {0};
            dcs_config_remove(c->eng, json_string_value(json_object_get(cfg, "ID")), &ignored);
            continue;
        }
        data = dcs_record_decode(cfg);
        if (data && json_is_object(data)) {
            json_object_set(data, "_config_id", json_object_get(cfg, "ID"));
            json_array_append(out, data);
        }
        json_decref(data);
    }
    json_decref(list);
    return out;
}

json_t *dcs_records(struct dcs_ctx *c, const char *kind, const char *ns, const char *uuid,
                    struct dcs_error *err)
{
    json_t *filters = dcs_records_filters(kind, ns, uuid, err);
    json_t *list = dcs_config_list(c->eng, filters, err);

    json_decref(filters);
    return list ? dcs_records_of(c, kind, list) : NULL;
}

json_t *dcs_record_spec(const char *name, json_t *labels_new, const json_t *data)
{
    char *text = json_dumps(data, JSON_COMPACT);
    size_t n = text ? strlen(text) : 0;
    char *b64 = malloc(4 * ((n + 2) / 3) + 1);
    json_t *spec = NULL;

    if (text && b64) {
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)text, (int)n);
        spec = json_pack("{s:s, s:o, s:s}", "Name", name, "Labels", labels_new, "Data", b64);
        labels_new = NULL;
    }
    json_decref(labels_new);
    free(text);
    free(b64);
    return spec;
}

int dcs_record_put(struct dcs_ctx *c, const char *name, json_t *labels_new,
                   const json_t *data, struct dcs_error *err)
{
    json_t *spec = dcs_record_spec(name, labels_new, data);
    char *id;

    if (!spec)
        return dcs_error_status(err, 500, NULL, "out of memory");
    id = dcs_config_create(c->eng, spec, err);
    json_decref(spec);
    free(id);
    return id ? DCS_OK : DCS_ERR;
}
