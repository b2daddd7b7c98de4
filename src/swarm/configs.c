/* configs.c - swarm configs: create, list, inspect, remove. */
#include "swarm/engine_int.h"
#include "swarm/swarm.h"

char *dcs_config_create(struct dcs_engine *eng, const json_t *spec,
                        struct dcs_error *err)
{
    json_t *answer = NULL;
    char *id = NULL;

    if (dcs_engine_request(eng, "POST", "/configs/create", spec, &answer,
                           err) == DCS_OK)
        id = sw_take_id(eng, answer, "ID", err);
    json_decref(answer);
    return id;
}

json_t *dcs_config_list(struct dcs_engine *eng, const json_t *filters,
                        struct dcs_error *err)
{
    return sw_get_list(eng, "/configs", filters, err);
}

json_t *dcs_config_inspect(struct dcs_engine *eng, const char *id,
                           struct dcs_error *err)
{
    json_t *config = NULL;

    if (sw_object_request(eng, "GET", "/configs", id, &config, err) != DCS_OK)
        return NULL;
    return config;
}

int dcs_config_remove(struct dcs_engine *eng, const char *id,
                      struct dcs_error *err)
{
    return sw_object_request(eng, "DELETE", "/configs", id, NULL, err);
}
