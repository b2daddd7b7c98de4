/*
 * swarm.h - the swarm objects dcswarm uses, over a struct dcs_engine:
 * services, tasks, nodes, networks, configs, service/task logs and events.
 *
 * Every call blocks until the engine has answered (streams: until they end
 * or are stopped).  The rules of engine.h hold: json_t * results are new
 * references, json_t * arguments are borrowed, char * results are free()d
 * by the caller, errors carry the engine's status and message (the gRPC
 * prefix "rpc error: code = X desc = " removed), one thread per handle.
 *
 * id arguments are an object's ID or name, as the Engine accepts them.
 * filters arguments are a JSON object as built by dcs_filters_add(), or NULL
 * for none.  The engine matches the id and name filters of services, tasks,
 * nodes and configs as prefixes, and a network's name filter as a
 * substring: to find one object by exact name, inspect it.  Label filters
 * are "key" or "key=value".
 */
#ifndef DCS_SWARM_SWARM_H
#define DCS_SWARM_SWARM_H

#include <jansson.h>

#include "util/error.h"
#include "swarm/engine.h"
#include "swarm/stream.h"

/* ==================== filters and paths ==================== */

/* Add key=value to *filters, creating the object when *filters is NULL, in
 * the Engine's form {"label": {"a=b": true}}. */
int dcs_filters_add(json_t **filters, const char *key, const char *value,
                    struct dcs_error *err);

/* "filters=<escaped compact JSON, sorted keys>", or "" for NULL or {}. */
char *dcs_filters_query(const json_t *filters, struct dcs_error *err);

/* s with every byte but RFC 3986 unreserved ones %-escaped. */
char *dcs_url_escape(const char *s, struct dcs_error *err);

/* ==================== several reads at once ==================== */

/* One read of a dcs_engine_get_all() batch: the list at prefix ("/services",
 * "/tasks", "/configs", ...) with filters, or, with id, the object
 * prefix/<id>; or, with post, a create that need not wait for the reads
 * (POST post to prefix, e.g. "/configs/create": the answer object). */
struct dcs_get {
    const char *prefix;
    const json_t *filters;      /* borrowed, or NULL */
    const char *id;             /* inspect this object instead, or NULL */
    const json_t *post;         /* POST this body instead (borrowed), or NULL */
    /* A list whose elements the caller only reads: an element with the
     * same text as one the handle read lately is that value again, shared
     * (parsed once; the engine is still asked every time). */
    int shared;
    json_t *out;                /* the answer (new reference), or NULL */
    struct dcs_error err;       /* why this read failed */
};

#define DCS_GET_MAX 4

/*
 * Make the n (at most DCS_GET_MAX) reads at the same time, each on an
 * engine connection of its own (kept for the next batch), and wait for all.
 * A list answer must be an array, an object answer an object.  DCS_OK when
 * every read succeeded; otherwise DCS_ERR with *err the first failure in
 * order.  Either way each get's out and err say how it went, and the caller
 * json_decref()s the outs.
 */
int dcs_engine_get_all(struct dcs_engine *eng, struct dcs_get *gets, size_t n,
                       struct dcs_error *err);

/* ==================== services ==================== */

/* GET /services: an array of Service objects. */
json_t *dcs_service_list(struct dcs_engine *eng, const json_t *filters,
                         struct dcs_error *err);

/* GET /services/{id}: the Service object. */
json_t *dcs_service_inspect(struct dcs_engine *eng, const char *id,
                            struct dcs_error *err);

/* POST /services/create.  Returns the new service's ID; *warnings (when
 * warnings is not NULL) gets the engine's warnings, an array, maybe empty. */
char *dcs_service_create(struct dcs_engine *eng, const json_t *spec,
                         json_t **warnings, struct dcs_error *err);

/* POST /services/{id}/update?version=version, spec being the whole new
 * ServiceSpec.  A stale version fails with the engine's answer (status 500,
 * "update out of sequence" on Engine 20.10). */
int dcs_service_update(struct dcs_engine *eng, const char *id,
                       unsigned long long version, const json_t *spec,
                       json_t **warnings, struct dcs_error *err);

/*
 * Changes spec (a private copy of the service's Spec) in place.  service is
 * the whole Service object read (borrowed, read-only).  Return DCS_OK to
 * post the change, DCS_ERR with err set to give up.  It runs once per
 * attempt, each time on a fresh copy, so it must derive the change from ctx
 * and its arguments only.
 */
typedef int (*dcs_service_change_fn)(json_t *spec, const json_t *service,
                                     void *ctx, struct dcs_error *err);

/*
 * Read-modify-write that never loses a change: read the service, apply
 * change_fn to a copy of its Spec, post it with ?version=Version.Index; when
 * another writer got there first ("update out of sequence"), read again and
 * re-apply, up to cfg.update_attempts times with a jittered backoff, then
 * fail with 409.  TaskTemplate.ForceUpdate is kept unless change_fn sets it.
 * A change that leaves the Spec as it was is not posted.  The engine's
 * warnings are in dcs_engine_last_warnings() afterwards.
 */
int dcs_service_update_with(struct dcs_engine *eng, const char *id,
                            dcs_service_change_fn change_fn, void *ctx,
                            struct dcs_error *err);

/* DELETE /services/{id}. */
int dcs_service_remove(struct dcs_engine *eng, const char *id,
                       struct dcs_error *err);

/* ==================== logs ==================== */

/* Zero-initialised options (or NULL) mean: both streams, all lines, no
 * follow, no timestamps. */
struct dcs_logs_opts {
    int follow;
    int timestamps;
    int details;            /* prefix task/node/service IDs (record.details) */
    int no_stdout;
    int no_stderr;
    const char *tail;       /* "N" lines from the end; NULL: all */
    const char *since;      /* UNIX time, "seconds[.nanoseconds]"; NULL: all */
};

/*
 * GET /services/{id}/logs, decoded into records given to fn as they come.
 * A TTY service's logs are not multiplexed (all stdout): which one this is
 * comes from the service's ContainerSpec.TTY, as the engine decides it
 * itself (Engine 20.10 sends no Content-Type; from API 1.42 a
 * "multiplexed-stream" Content-Type is trusted).  Returns DCS_OK at the end
 * of the logs, DCS_STOP when fn stopped it or it was cancelled.
 */
int dcs_service_logs(struct dcs_engine *eng, const char *id,
                     const struct dcs_logs_opts *opts, dcs_log_fn fn,
                     void *ctx, struct dcs_error *err);

/* The same for one task (GET /tasks/{id}/logs). */
int dcs_task_logs(struct dcs_engine *eng, const char *id,
                  const struct dcs_logs_opts *opts, dcs_log_fn fn, void *ctx,
                  struct dcs_error *err);

/* The value of key in a record's details ("k=v,k=v", URL-escaped), unescaped
 * into out.  DCS_ERR when absent or too long for out. */
int dcs_log_detail(const char *details, const char *key, char *out,
                   size_t outlen);

/* ==================== tasks, nodes ==================== */

/* GET /tasks: an array of Task objects (filters: service, node, label,
 * desired-state, id, name). */
json_t *dcs_task_list(struct dcs_engine *eng, const json_t *filters,
                      struct dcs_error *err);

/* GET /tasks/{id}. */
json_t *dcs_task_inspect(struct dcs_engine *eng, const char *id,
                         struct dcs_error *err);

/* GET /nodes: an array of Node objects. */
json_t *dcs_node_list(struct dcs_engine *eng, const json_t *filters,
                      struct dcs_error *err);

/* ==================== networks ==================== */

json_t *dcs_network_list(struct dcs_engine *eng, const json_t *filters,
                         struct dcs_error *err);
json_t *dcs_network_inspect(struct dcs_engine *eng, const char *id,
                            struct dcs_error *err);
/* POST /networks/create; returns the ID.  CheckDuplicate is set to true
 * unless spec says otherwise, so that a taken name is a 409. */
char *dcs_network_create(struct dcs_engine *eng, const json_t *spec,
                         struct dcs_error *err);
int dcs_network_remove(struct dcs_engine *eng, const char *id,
                       struct dcs_error *err);

/* ==================== configs ==================== */

/* POST /configs/create (spec: Name, Labels, Data in base64); returns ID. */
char *dcs_config_create(struct dcs_engine *eng, const json_t *spec,
                        struct dcs_error *err);
json_t *dcs_config_list(struct dcs_engine *eng, const json_t *filters,
                        struct dcs_error *err);
json_t *dcs_config_inspect(struct dcs_engine *eng, const char *id,
                           struct dcs_error *err);
int dcs_config_remove(struct dcs_engine *eng, const char *id,
                      struct dcs_error *err);

/* ==================== events ==================== */

struct dcs_events_opts {
    /* NULL: {"type": service, node, container}. */
    const json_t *filters;
    const char *since;      /* replay from; NULL: from now */
    const char *until;      /* stop at; NULL: follow for ever */
    /* Reconnections in a row that may fail before giving up; 0 means 5. */
    int max_retries;
};

/*
 * GET /events, each event given to fn as a parsed object (borrowed).  When
 * the connection breaks, reconnect with since= just before the last event
 * seen and skip the events already delivered, so none is lost or repeated
 * (within the engine's replay buffer of 256 events).  Returns DCS_STOP when
 * fn returned non-zero or the handle was cancelled, DCS_OK when until was
 * reached, DCS_ERR after max_retries failed reconnections or on an answer
 * other than 2xx.
 */
int dcs_events_follow(struct dcs_engine *eng, const struct dcs_events_opts *opts,
                      dcs_json_fn fn, void *ctx, struct dcs_error *err);

/* The label `key` of a swarm object (a service, network, config: its
 * Spec.Labels) or of a spec itself (its Labels); NULL when it has none. */
const char *dcs_label(const json_t *obj, const char *key);

#endif
