/*
 * model.h - dcswarm serve, the model layer (L2, see api.h): a namespace
 * read off the swarm (view.c), the records kept as configs (records.c),
 * the lifecycle and actions of services, names and networks, and the
 * Docker Cloud objects made of them.
 */
#ifndef DCS_MODEL_H
#define DCS_MODEL_H

#include "http/api.h"
#include "apply/link_aliases.h"

/* Labels and names of the records dcswarm keeps on the swarm as configs. */
#define DCS_LABEL_KIND "dcswarm.kind"
#define DCS_LABEL_OBJECT "dcswarm.object"
#define DCS_KIND_ACTION "action"
#define DCS_KIND_ACTION_DONE "action-done"
#define DCS_KIND_TERMINATED "terminated-service"
#define DCS_KIND_TOKEN_KEY "token-key"
#define DCS_KIND_TERMINATED_STACK "terminated-stack"
#define DCS_KIND_TRIGGER "trigger"        /* kept until deleted (triggers.c) */
/* A constraint no node satisfies: how a global service is stopped. */
#define DCS_STOP_CONSTRAINT "node.id==dcswarm-stopped"

/* ==================== the objects ==================== */

/* A snapshot of one namespace on the swarm, read once per request.  Its
 * services and tasks may be shared with the views of later requests on
 * the same worker (dcs_get.shared): read them, never change them; copy
 * what must change (json_deep_copy). */
struct dcs_view {
    json_t *services;   /* Engine services of the namespace (array) */
    json_t *tasks;      /* Engine tasks of those services, by ServiceID */
    json_t *records;    /* Terminated records (Engine-shaped services) */
    bool with_tasks;
    bool one;           /* only the service asked for (dcs_view_load_one) */
};

int dcs_view_load(struct dcs_ctx *c, struct dcs_view *v, bool tasks, bool records,
                  struct dcs_error *err);
/* A view for one service (uuid): itself, its tasks, or its Terminated
 * record, read by label and service filters. */
int dcs_view_load_one(struct dcs_ctx *c, struct dcs_view *v, const char *uuid,
                      struct dcs_error *err);
/* dcs_view_load_one(), creating config (a POST /configs/create body; an
 * action record) while it reads: *config_err tells how that went, whatever
 * the read did. */
int dcs_view_load_one_posting(struct dcs_ctx *c, struct dcs_view *v, const char *uuid,
                              const json_t *config, struct dcs_error *config_err,
                              struct dcs_error *err);
/* The service with uuid is the swarm service id (NULL: forget it), as
 * learnt when creating it; dcs_view_load_one() checks it when it reads. */
void dcs_view_id_seen(const char *uuid, const char *id);
/* The services of the namespace named `name` only (the name check of a
 * create that names no other service). */
int dcs_view_load_named(struct dcs_ctx *c, struct dcs_view *v, const char *name,
                        struct dcs_error *err);
void dcs_view_release(struct dcs_view *v);
/* dcs_view_release(), the freeing left to dcs_ctx_later(). */
void dcs_view_release_later(struct dcs_ctx *c, struct dcs_view *v);

/* A read of a view (arg as the caller of dcs_view_read_shared() gave it). */
typedef int (*dcs_view_read_fn)(struct dcs_ctx *c, struct dcs_view *v, void *arg,
                                struct dcs_error *err);
/* read(c, v, arg, err), or, while a read of the same key is under way, the
 * answer of the read that starts next, shared with the requests that wait
 * for it too (view.c): never one that started before this call. */
int dcs_view_read_shared(struct dcs_ctx *c, const char *key, dcs_view_read_fn read, void *arg,
                         struct dcs_view *v, struct dcs_error *err);

/* A stack's uuid: derived from namespace and name, so every server agrees. */
void dcs_stack_uuid(const char *ns, const char *name, char out[37]);

/* The Docker Cloud service object of an Engine service (new). */
json_t *dcs_service_object(struct dcs_ctx *c, const struct dcs_view *v,
                           const json_t *svc, struct dcs_error *err);
/* The Engine service with this Docker Cloud uuid in the view (borrowed),
 * or the Terminated record; NULL and 404 otherwise. */
const json_t *dcs_view_find(const struct dcs_view *v, const char *uuid,
                            bool *terminated, struct dcs_error *err);

/* Created, not started (docs/design.md §3): 0 replicas, or for a global service
 * a constraint no node satisfies. */
void dcs_spec_not_started(json_t *spec);
/* Terminate the Engine service svc of view v: its Terminated record first
 * (into *rec_out, new, when rec_out is not NULL), then the service; the
 * targets of its links lose their aliases; an action is recorded. */
int dcs_service_terminate(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                          json_t **rec_out, struct dcs_error *err);
/* Every stack of the request's namespace, as objects appended to out. */
int dcs_stacks_collect(struct dcs_ctx *c, json_t *out, struct dcs_error *err);
/* Does the stack state table (docs/design.md §6) allow verb (start, stop, redeploy,
 * terminate) in state?  Otherwise 400 naming the state. */
int dcs_stack_allowed(const char *verb, const char *state, struct dcs_error *err);
/* ==================== lifecycle ==================== */

/* The lifecycle label of an Engine service, parsed (new object). */
json_t *dcs_lifecycle_get(const json_t *svc);
/* Set lifecycle fields on spec's labels (state and datetimes). */
void dcs_lifecycle_set(json_t *spec, const json_t *lc);
/* Adjust what dcs_reverse computed with what only the HTTP layer knows:
 * the state (from the containers, transitional only while the service's
 * last action is in progress), target, synchronized.  nodes: the swarm's
 * nodes, or NULL. */
void dcs_lifecycle_fix(json_t *obj, const json_t *svc, const json_t *tasks, const json_t *nodes,
                       time_t now);
/* Does dcs_lifecycle_fix() need the swarm's nodes (NULL otherwise)?  Only
 * while a stop may wait on a container of a node that is down. */
bool dcs_lifecycle_needs_nodes(const json_t *svc, time_t now);
/* Is `verb` (start, stop, scale, redeploy, terminate, update) allowed in
 * `state`?  Otherwise 400 naming the state. */
int dcs_lifecycle_allowed(const char *verb, const char *state, struct dcs_error *err);
/* Carry out a lifecycle verb on an Engine service (start, stop, scale,
 * redeploy); the update goes through the version index. */
int dcs_lifecycle_apply(struct dcs_ctx *c, const json_t *svc, const char *verb,
                        struct dcs_error *err);
/* The same, a redeploy onto `image` (repo:tag@digest: what a registry says
 * was pushed) when not NULL. */
int dcs_lifecycle_apply_image(struct dcs_ctx *c, const json_t *svc, const char *verb,
                              const char *image, struct dcs_error *err);

/* ==================== actions ==================== */

/* The bounds of an action (outcome.c; docs/design.md §5).  Running
 * containers count once they ran T_STABLE seconds (or the service's
 * UpdateConfig.Monitor); a task swarm cannot place fails it after T_PLACE;
 * N_LOOP failures of one container fail it; nothing lasts past T_MAX; a
 * stop is done after T_STOP even if an unreachable node keeps a container. */
#define DCS_T_STABLE 5
#define DCS_T_PLACE 30
#define DCS_N_LOOP 3
#define DCS_T_MAX 600
#define DCS_T_STOP 60

/* One read of the swarm, for one action on one service. */
struct dcs_outcome_in {
    const json_t *act;      /* the action record: "kind", "start" */
    const json_t *svc;      /* the Engine service; NULL once it is gone */
    const json_t *tasks;    /* its tasks */
    const json_t *nodes;    /* the swarm's nodes (tasks on down ones are left out); or NULL */
    const char *name;       /* the Docker Cloud name, for reasons */
    time_t now;
    bool overridden;        /* judged as a later action overrides it: running
                             * containers count without the T_STABLE wait */
};

/* "In progress", "Success" or "Failed" (pure).  reasons (an array) gets one
 * line per container that fails or holds the action up, swarm's Status.Err
 * verbatim ("web-1: no suitable node (...)"), or the bound that ended it. */
const char *dcs_action_outcome(const struct dcs_outcome_in *in, json_t *reasons);

/* Record an action on the swarm for the object (a resource URI) and set
 * r->action_uri.  kind: create, update, start, stop, scale, redeploy,
 * terminate.  Never fails the request: a failed record is logged. */
void dcs_action_record(struct dcs_ctx *c, const char *kind, const char *object_uuid,
                       const char *object_uri, json_t *extra);
/* Every action with uuid (NULL: every one) the caller may see, in its
 * grants: done records override pending ones, and each pending one is
 * settled as it stands (new array), or NULL. */
json_t *dcs_actions_load(struct dcs_ctx *c, const char *uuid, struct dcs_error *err);
/* Settle the action uuid as a reader of it would (in c->req->grants):
 * once it has ended, its done record is written.  *state (may be NULL)
 * gets "In progress", "Success", "Failed", or "" when there is none. */
int dcs_action_settle(struct dcs_ctx *c, const char *uuid, char *state, size_t len,
                      struct dcs_error *err);
/* The lines of the log of the action uuid (in c->req->grants), settling it
 * as any reader does: why it ended once it has (swarm's reasons, one per
 * container), what holds it up while it is in progress.  *final: it has
 * ended; name gets its name ("Service Start").  New array, or NULL (404
 * when there is no such action). */
json_t *dcs_action_log_lines(struct dcs_ctx *c, const char *uuid, char *name, size_t name_len,
                             bool *final, struct dcs_error *err);
/* A later action overrides the ones in progress on a service, its own and
 * its stack's.  Before it is applied, dcs_actions_pending() settles them as
 * they stand and returns those still in progress (new array, never NULL);
 * once applied, dcs_actions_interrupt() ends those Failed "interrupted by
 * <verb>": Canceled would keep `docker-cloud --sync` polling.  Neither
 * fails the request: an error is logged. */
json_t *dcs_actions_pending(struct dcs_ctx *c, const char *service_uuid);
void dcs_actions_interrupt(struct dcs_ctx *c, json_t *pending, const char *verb);
/* dcs_action_record() in two steps, for a caller that creates the config
 * itself (alongside other requests): the POST /configs/create body (new;
 * NULL without memory) with the action's uuid into uuid, then, once the
 * create answered (err->status 0) or failed, the action URI or a log line. */
json_t *dcs_action_config(struct dcs_ctx *c, const char *kind, const char *object_uuid,
                          const char *object_uri, json_t *extra, char uuid[37]);
void dcs_action_recorded(struct dcs_ctx *c, const char *kind, const char *object_uuid,
                         const char *uuid, const struct dcs_error *err);

/* ==================== image environments ==================== */

/* The Env of an image's config as [{"key","value","origin":"image"}]
 * (new), cached. */
json_t *dcs_image_env(struct dcs_ctx *c, const char *image);

/* The server secret for service tokens, created on the swarm on first use. */
int dcs_token_secret(struct dcs_ctx *c, char *out, size_t len, struct dcs_error *err);

/* ==================== containers (container_model.c) ==================== */

/* A task's Docker Cloud container state: Starting, Running, Stopping,
 * Stopped. */
const char *dcs_container_state(const json_t *task);
/* Does /container/ list it: wanted running, or still stopping. */
bool dcs_container_listed(const json_t *task);
/* Its number in its service, the n of its name "<service>-<n>": its slot;
 * a global service's tasks have none, and are numbered in the order of
 * their nodes among the listed ones of `tasks` (the service's; NULL: 1). */
long long dcs_container_number(const json_t *task, const json_t *tasks);
/* Its name, "<service>-<n>", into out (len bytes): the same in /container/,
 * in events and in log sources. */
void dcs_container_name(const char *service, const json_t *task, const json_t *tasks,
                        char *out, size_t len);

/* ==================== the environment of a container ==================== */

/* Into spec (a ServiceSpec dcs_forward made, with its dcswarm labels) the
 * DOCKERCLOUD_* variables Docker Cloud gave each container of the service,
 * in c's namespace (container_env.c); their names join the
 * dcswarm.link-env label.  A service with the global role also gets the
 * API's address and a token.  DCS_ERR only when the token secret cannot
 * be read or made. */
int dcs_container_env(struct dcs_ctx *c, json_t *spec, struct dcs_error *err);


/* ==================== records on the swarm ==================== */

/* The label filters that select records of `kind` (of namespace ns, of
 * uuid: each may be NULL), for a list of /configs; NULL on error. */
json_t *dcs_records_filters(const char *kind, const char *ns, const char *uuid,
                            struct dcs_error *err);
/* The records in `list` (configs read with dcs_records_filters, stolen),
 * decoded, expired ones removed from the swarm on the way. */
json_t *dcs_records_of(struct dcs_ctx *c, const char *kind, json_t *list);
/* The Data (parsed, with "_config_id") of every dcswarm config of `kind`,
 * in namespace ns and with uuid when given; expired ones are removed. */
json_t *dcs_records(struct dcs_ctx *c, const char *kind, const char *ns, const char *uuid,
                    struct dcs_error *err);
/* The Data of a dcswarm config (an Engine Config object), parsed (new), or
 * NULL. */
json_t *dcs_record_decode(const json_t *config);
/* Create the config `name` with labels (stolen) and data as its content. */
int dcs_record_put(struct dcs_ctx *c, const char *name, json_t *labels_new,
                   const json_t *data, struct dcs_error *err);
/* The POST /configs/create body of that config (new), NULL without memory;
 * labels are stolen either way. */
json_t *dcs_record_spec(const char *name, json_t *labels_new, const json_t *data);
/* ==================== names and networks (names.c) ==================== */

#define DCS_SWARM_NAME_MAX 63

/* The swarm name of a REST-created service, "<ns>_<name>"; 400 naming the
 * field when it is over swarm's 63 characters. */
int dcs_swarm_name(const char *ns, const char *name, char *out, size_t len,
                   struct dcs_error *err);
/* The overlay network of a namespace, "dcswarm_<ns>". */
void dcs_ns_network(const char *ns, char *out, size_t len);
/* The links to the service `target` (uuid) among services (Engine
 * services, borrowed), self_uuid's links read from self_canon instead of
 * its label: [{"from", "name"}] (new). */
json_t *dcs_links_to(const json_t *services, const char *target, const char *self_uuid,
                     const json_t *self_canon);
/* A service's network aliases: what its spec (the Engine's, may be NULL)
 * has from its stack, else its name; then the link names in from. */
json_t *dcs_aliases(const json_t *spec, const char *name, const json_t *from);
/* Put spec's own attachment on the namespace network (unless it is in a
 * stack) with aliases, and record from (may be NULL) as its label. */
void dcs_spec_network(json_t *spec, const char *ns, const json_t *aliases,
                      const json_t *from);
/* Give the targets of old_canon's and new_canon's links (the service
 * self_uuid before and after a change; either may be NULL) the aliases
 * they now need, through the version index. */
int dcs_update_link_targets(struct dcs_ctx *c, const json_t *services, const char *self_uuid,
                            const json_t *old_canon, const json_t *new_canon,
                            struct dcs_error *err);

/* A service linking to a service of another network (a stack's) joins that
 * network too, so that the link alias resolves (docs/design.md §3): attach spec
 * to the own network of each of canon's link targets in a stack (Engine
 * services of the namespace, borrowed) that spec is not on. */
void dcs_link_networks(json_t *spec, const json_t *services, const json_t *canon);
/* Attach spec to the networks old (the Engine's spec of the same service)
 * has besides its own: its links are unchanged and the targets not read. */
void dcs_keep_link_networks(json_t *spec, const json_t *old);

/* Was the network `name` seen on the swarm lately (a cache of inspects)? */
bool dcs_network_known(const char *name, time_t now);
void dcs_network_seen(const char *name, time_t now);

#endif
