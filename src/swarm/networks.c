/* networks.c - swarm networks: list, inspect, create, remove. */
#include "swarm/engine_int.h"
#include "swarm/swarm.h"

json_t *dcs_network_list(struct dcs_engine *eng, const json_t *filters,
                         struct dcs_error *err)
{
    return sw_get_list(eng, "/networks", filters, err);
}

json_t *dcs_network_inspect(struct dcs_engine *eng, const char *id,
                            struct dcs_error *err)
{
    json_t *network = NULL;

    if (sw_object_request(eng, "GET", "/networks", id, &network, err) !=
        DCS_OK)
        return NULL;
    return network;
}

char *dcs_network_create(struct dcs_engine *eng, const json_t *spec,
                         struct dcs_error *err)
{
    json_t *body = json_deep_copy(spec), *answer = NULL;
    char *id = NULL;

    if (!body) {
        sw_oom(err);
        return NULL;
    }
    /* Without CheckDuplicate the engine happily makes a second overlay
     * network of the same name; with it, a taken name is a 409. */
    if (!json_object_get(body, "CheckDuplicate") &&
        json_object_set_new(body, "CheckDuplicate", json_true()) != 0) {
        sw_oom(err);
        goto out;
    }
    if (dcs_engine_request(eng, "POST", "/networks/create", body, &answer,
                           err) == DCS_OK)
        id = sw_take_id(eng, answer, "Id", err);
out:
    json_decref(answer);
    json_decref(body);
    return id;
}

int dcs_network_remove(struct dcs_engine *eng, const char *id,
                       struct dcs_error *err)
{
    return sw_object_request(eng, "DELETE", "/networks", id, NULL, err);
}
