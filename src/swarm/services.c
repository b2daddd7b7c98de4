/*
 * services.c - swarm services: list, inspect, create, update, remove.
 * The retrying read-modify-write is in update.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "swarm/engine_int.h"
#include "swarm/swarm.h"

json_t *dcs_service_list(struct dcs_engine *eng, const json_t *filters,
                         struct dcs_error *err)
{
    return sw_get_list(eng, "/services", filters, err);
}

json_t *dcs_service_inspect(struct dcs_engine *eng, const char *id,
                            struct dcs_error *err)
{
    json_t *service = NULL;

    if (sw_object_request(eng, "GET", "/services", id, &service, err) !=
        DCS_OK)
        return NULL;
    if (!json_is_object(service)) {
        json_decref(service);
        dcs_error_status(err, 502, NULL,
                         "the Docker engine at %s sent no service object",
                         eng->cfg.host);
        return NULL;
    }
    return service;
}

char *dcs_service_create(struct dcs_engine *eng, const json_t *spec,
                         json_t **warnings, struct dcs_error *err)
{
    json_t *answer = NULL, *list = NULL;
    char *id = NULL;

    if (warnings)
        *warnings = NULL;
    if (dcs_engine_request(eng, "POST", "/services/create", spec, &answer,
                           err) != DCS_OK)
        goto out;
    list = sw_collect_warnings(eng, answer, err);
    if (!list)
        goto out;
    id = sw_take_id(eng, answer, "ID", err);
    if (id && warnings)
        *warnings = json_incref(list);
out:
    json_decref(list);
    json_decref(answer);
    return id;
}

int dcs_service_update(struct dcs_engine *eng, const char *id,
                       unsigned long long version, const json_t *spec,
                       json_t **warnings, struct dcs_error *err)
{
    char suffix[48];
    char *path;
    json_t *answer = NULL, *list = NULL;
    int rc = DCS_ERR;

    if (warnings)
        *warnings = NULL;
    snprintf(suffix, sizeof(suffix), "/update?version=%llu", version);
    path = sw_object_path("/services", id, suffix, err);
    if (!path)
        return DCS_ERR;
    if (dcs_engine_request(eng, "POST", path, spec, &answer, err) != DCS_OK)
        goto out;
    list = sw_collect_warnings(eng, answer, err);
    if (!list)
        goto out;
    if (warnings)
        *warnings = json_incref(list);
    rc = DCS_OK;
out:
    json_decref(list);
    json_decref(answer);
    free(path);
    return rc;
}

int dcs_service_remove(struct dcs_engine *eng, const char *id,
                       struct dcs_error *err)
{
    return sw_object_request(eng, "DELETE", "/services", id, NULL, err);
}
