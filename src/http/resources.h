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
/* The verb `verb` (redeploy, scale) on svc (obj its Docker Cloud object,
 * from view v), answered as the verbs are; scale with more > 0 first
 * raises target_num_containers by more (a SCALEUP trigger). */
int dcs_service_run(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                    const json_t *obj, const char *verb, int more, struct dcs_error *err);
/* Redeploy svc onto image (a pushed digest), recorded as a Service
 * Redeploy action of c->req->ns, its URI into action_uri. */
int dcs_service_redeploy_to(struct dcs_ctx *c, const json_t *svc, const char *image,
                            char *action_uri, size_t len, struct dcs_error *err);
/* POST /_registry/notifications (registry.c). */
int dcs_registry_route(struct dcs_ctx *c, struct dcs_error *err);
/* .../service/<uuid>/trigger/... of svc (triggers.c). */
int dcs_triggers_route(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                       const json_t *obj, struct dcs_error *err);
/* Revoke every trigger of svc (it is terminated); failures are logged. */
void dcs_triggers_remove(struct dcs_ctx *c, const json_t *svc);
/* The namespace of the service a trigger call names, into c->req->ns (the
 * call has no key to tell it). */
int dcs_trigger_call_namespace(struct dcs_ctx *c, struct dcs_error *err);
int dcs_containers_route(struct dcs_ctx *c, struct dcs_error *err);
int dcs_nodes_route(struct dcs_ctx *c, struct dcs_error *err);
int dcs_stacks_route(struct dcs_ctx *c, struct dcs_error *err);
int dcs_actions_route(struct dcs_ctx *c, struct dcs_error *err);

#endif
