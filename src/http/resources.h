/*
 * resources.h - dcswarm serve, the resources (L3, see api.h): one handler
 * per Docker Cloud object type, called by dispatch.c.
 */
#ifndef DCS_RESOURCES_H
#define DCS_RESOURCES_H

#include "http/model.h"

/* POST (stack NULL), PATCH, DELETE, start/stop/redeploy and export of
 * the stack object `stack` (stackwrite.c). */
int dcs_stack_write(struct dcs_ctx *c, const json_t *stack, struct dcs_error *err);
/* GET .../stack/<uuid>/export/: the stack as a stackfile (stackexport.c). */
int dcs_stack_export(struct dcs_ctx *c, const json_t *stack, struct dcs_error *err);

int dcs_services_route(struct dcs_ctx *c, struct dcs_error *err);
int dcs_containers_route(struct dcs_ctx *c, struct dcs_error *err);
int dcs_nodes_route(struct dcs_ctx *c, struct dcs_error *err);
int dcs_stacks_route(struct dcs_ctx *c, struct dcs_error *err);
int dcs_actions_route(struct dcs_ctx *c, struct dcs_error *err);

#endif
