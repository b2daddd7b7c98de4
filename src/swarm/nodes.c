/* nodes.c - swarm nodes (read only). */
#include "swarm/engine_int.h"
#include "swarm/swarm.h"

json_t *dcs_node_list(struct dcs_engine *eng, const json_t *filters,
                      struct dcs_error *err)
{
    return sw_get_list(eng, "/nodes", filters, err);
}
