/* tasks.c - swarm tasks (read only): a service's containers. */
#include "swarm/engine_int.h"
#include "swarm/swarm.h"

json_t *dcs_task_list(struct dcs_engine *eng, const json_t *filters,
                      struct dcs_error *err)
{
    return sw_get_list(eng, "/tasks", filters, err);
}

json_t *dcs_task_inspect(struct dcs_engine *eng, const char *id,
                         struct dcs_error *err)
{
    json_t *task = NULL;

    if (sw_object_request(eng, "GET", "/tasks", id, &task, err) != DCS_OK)
        return NULL;
    return task;
}
