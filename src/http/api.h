/*
 * api.h - dcswarm serve, the Docker Cloud REST API on swarm: the front
 * layer (routes, auth, requests, replies) every other layer builds on.
 *
 * src/http is layered; a file includes the headers of its own layer and
 * of the layers below, never one above (tests/http-layers.sh checks it):
 *   L0 serve.h      the settings and entry points (cmd_serve.c)
 *   L1 api.h        route.c auth.c reply.c ctx.c log.c edge.c metrics.c
 *   L2 model.h      view.c records.c lifecycle.c outcome.c action_model.c
 *                   names.c image_env.c service_object.c stack_model.c
 *                   container_env.c container_model.c
 *   L3 resources.h  services.c triggers.c registry.c containers.c nodes.c stacks.c stackwrite.c
 *                   stackexport.c actions.c
 *   L4 streams.h    ws.c stream_conn.c stream_logs.c stream_events.c
 *                   stream_event_map.c stream_action_logs.c
 *   L5 pool.h       dispatch.c worker.c server.c connections.c
 * A call goes down the same way: a model file never calls a resource,
 * a resource never a stream; the server reaches the resources and the
 * streams through dispatch.c.
 *
 * The shape of one request:
 *   server.c   the evhttp loop thread: reads the request into a struct
 *              dcs_req, hands it to a worker, later sends what it computed
 *   worker.c   the pool: each worker has its own engine handle
 *   route.c    path -> family, namespace, type, id, verb
 *   auth.c     keys file, Basic/ApiKey, namespaces
 *   dispatch.c auth + route -> the handler of the type; ctx.c the request
 *   services.c, containers.c, nodes.c, stacks.c (+ stackwrite.c,
 *              stackexport.c), actions.c: the resources
 *   reply.c    JSON answers, {"error"}, lists and paging, resource URIs
 * and the model they share:
 *   view.c     a namespace as the swarm has it, read once and shared by the
 *              requests that arrive while it is being read
 *   records.c  terminated services and actions, kept as swarm configs
 *   service_object.c, stack_model.c  the Docker Cloud objects
 *   lifecycle.c  states, what each state takes, starting and terminating
 *   log.c      the server's log lines
 * Nothing is kept between requests but the keys and caches of what the
 * engine said (image environments), the service ID a uuid was last found
 * at (checked on every read) and the parsed elements of list answers (used
 * only for the same bytes, swarm/list_cache.c): the swarm is the only store.
 *
 * Library code: never prints except through dcs_http_log (stderr, one line
 * per request, never a key).  Ownership as in jansson.
 */
#ifndef DCS_API_H
#define DCS_API_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util/error.h"
#include "http/serve.h"
#include "swarm/swarm.h"
#include "util/ids.h"

#define DCS_HTTP_PAGE 25
/* Seconds a client is told to wait when the engine is away (Retry-After). */
#define DCS_RETRY_AFTER "5"


#define DCS_SERVICE_USER "dcswarm-service"

/* The HTTP edge (edge.c): a URL and a header block dcswarm reads, and the
 * cap past which libevent stops reading a request at all. */
#define DCS_EDGE_MAX_URI 16384
#define DCS_EDGE_MAX_HEADERS 65536
#define DCS_EDGE_HARD_HEADERS (256 * 1024)
#define DCS_EDGE_HARD_HEADERS_TEXT "256 KB"
struct evhttp_request;
/* The status (414, 431, 405) and text (into text, len bytes) of what the
 * edge refuses in request ev before any route; 0 when nothing. */
int dcs_edge_refusal(struct evhttp_request *ev, char *text, size_t len);
/* ==================== routes ==================== */

enum dcs_family {
    DCS_FAM_NONE = 0,
    DCS_FAM_APP,   /* /api/app/v1/[ns/]service|container|stack/ */
    DCS_FAM_INFRA, /* /api/infra/v1/[ns/]node|nodecluster/ */
    DCS_FAM_AUDIT, /* /api/audit/v1/action/ */
    DCS_FAM_TUTUM, /* /api/v1/<type>/ */
    DCS_FAM_PING,  /* /_ping, /_ready: does the engine answer */
    DCS_FAM_REGISTRY, /* /_registry/notifications (registry.c) */
};

#define DCS_ROUTE_LEN 128

struct dcs_route {
    enum dcs_family family;
    char ns[DCS_ROUTE_LEN];   /* namespace written in the path, or "" */
    char type[32];            /* service, container, stack, node, action, auth */
    char id[DCS_ROUTE_LEN];   /* object id, "" for the collection */
    char verb[32];            /* start, stop, scale, redeploy, ... or "" */
    /* service/<id>/trigger/<sub_id>/<sub_verb>/<sub_arg>/ (each may be "") */
    char sub_id[DCS_ROUTE_LEN];
    char sub_verb[32];        /* "call" */
    char sub_arg[32];         /* how many more containers a SCALEUP call adds */
};

/* Parse a path (query already cut off).  Repeated slashes collapse, the
 * trailing slash is optional.  404 for a path that names nothing. */
int dcs_route_parse(const char *path, struct dcs_route *rt, struct dcs_error *err);

/* The route as a metric label: "/api/app/v1/{namespace}/service/{id}/start/",
 * "/_ready", or "unknown" (a path that named nothing, status 404). */
void dcs_route_template(const struct dcs_route *rt, int status, char *out, size_t size);

/* The prefix resource URIs of rt's family carry, e.g. "/api/app/v1/" or
 * "/api/v1/". */
const char *dcs_route_prefix(const struct dcs_route *rt, const char *type);

/* ==================== auth ==================== */

/* Who an Authorization header is: user name into user, the namespaces it
 * may reach into grants (a JSON array, new).  401 when unknown. */
int dcs_auth_check(const struct dcs_auth *a, const char *header, char *user,
                   size_t userlen, json_t **grants, struct dcs_error *err);

/* The key of a token for the services of a namespace (issued to services
 * with the global role) under secret: hex HMAC-SHA256 of the namespace. */
void dcs_auth_service_key(const char *secret, const char *ns, char *out, size_t len);

/* Set the secret service tokens are checked with (once known). */
void dcs_auth_set_secret(const char *secret);

/* Is header a service token while no secret is known yet? */
bool dcs_auth_token_like(const char *header);

/* ==================== requests ==================== */

struct dcs_worker;

struct dcs_req {
    /* read by the loop thread */
    char method[8];
    char *path;               /* as sent, without the query */
    char *query;              /* raw query string, or NULL */
    char *auth;               /* Authorization header, or NULL */
    char *content_type;       /* or NULL */
    char *body;               /* NUL-terminated copy */
    size_t body_len;
    bool body_too_large;
    char peer[64];
    bool tutum_header;        /* answer X-Tutum-Action-URI too */

    /* filled while handling */
    struct dcs_route rt;
    json_t *params;           /* query: object name -> string */
    char user[DCS_ROUTE_LEN];
    char ns[DCS_ROUTE_LEN];   /* namespace the request acts in */
    json_t *grants;           /* namespaces the user may reach */
    json_t *json;             /* parsed body, {} when empty */

    /* the answer */
    int status;
    json_t *answer;           /* object, or NULL (204 / error text) */
    char *answer_text;        /* answer as compact JSON, once made (worker.c) */
    char allow[64];           /* for 405 */
    char retry_after[16];     /* Retry-After of a 429, seconds */
    char action_uri[DCS_ROUTE_LEN];
    char action_uuid[37];     /* of action_uri, for the log */
    char *warnings;           /* X-DCSwarm-Warnings, compact JSON */
    char *www_auth;

    /* the Stream API (streams.h) */
    char *ws_key;             /* Sec-WebSocket-Key of a valid upgrade, or NULL */
    bool stream_only;         /* came to the --stream-listen listener */
    struct dcs_stream_plan *stream;   /* set when the stream is accepted, */
    void (*stream_free)(struct dcs_stream_plan *); /* by whoever sets it */
};

void dcs_req_free(struct dcs_req *r);

/* What a worker hands each handler. */
struct dcs_ctx {
    struct dcs_engine *eng;
    const struct dcs_serve_config *cfg;
    struct dcs_req *req;
    time_t now;
    json_t *later;            /* freed once the answer is handed over */
};

/* Free v (stolen) after the answer is handed to the loop thread: the
 * engine's lists take a while to free, and the client need not wait. */
void dcs_ctx_later(struct dcs_ctx *c, json_t *v);

/* ==================== replies ==================== */

/* Set the answer: status and object (stolen). */
int dcs_reply(struct dcs_req *r, int status, json_t *obj_new);
/* {"error": text} with err->status (500 if unset). */
void dcs_reply_error(struct dcs_req *r, const struct dcs_error *err);
/* A page of `all` (array, borrowed) as {"meta", "objects"}: limit/offset
 * from the query, next/previous as paths starting with /api/. */
int dcs_reply_list(struct dcs_req *r, const json_t *all, struct dcs_error *err);
/* 405 with Allow: allow ("GET, POST"). */
int dcs_method_not_allowed(struct dcs_req *r, const char *allow, struct dcs_error *err);
/* limit and offset of the request (defaults 25 and 0); 400 if bad. */
int dcs_page_params(const struct dcs_req *r, long *limit, long *offset,
                    struct dcs_error *err);
/* Fail with 400 unless every query parameter is in `allowed` (NULL-ended)
 * or is limit/offset. */
int dcs_check_params(const struct dcs_req *r, const char *const *allowed,
                     struct dcs_error *err);
/* Refuse a `state` filter that is none of `states` (NULL-terminated): a
 * typo would otherwise read as an empty list. */
int dcs_check_state_param(const struct dcs_req *r, const char *const *states,
                          struct dcs_error *err);
/* The states a service, a stack and a container can be in. */
extern const char *const dcs_service_states[], *const dcs_stack_states[],
    *const dcs_container_states[];
const char *dcs_param(const struct dcs_req *r, const char *name);

/* A page already cut: objects (stolen), total before paging. */
int dcs_reply_page(struct dcs_req *r, json_t *objects_new, long total, long limit,
                   long offset);


/* The canonical resource URI of a service/container/stack in c's family
 * and namespace. */
void dcs_uri(const struct dcs_ctx *c, const char *type, const char *uuid,
             char *out, size_t len);

/* One log line (stderr). */
void dcs_http_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The line of one answered request: "<method> <path> <status> <ms> ms
 * [action <uuid>] [note]", or with dcs_http_log_json(true) (--log-format
 * json, set before any thread logs) one JSON object per line:
 * {"time", "msg": "request", "method", "path", "status", "ms", "user",
 * "action", "stream"}; other lines {"time", "msg"}. */
void dcs_http_log_json(bool json);
void dcs_http_log_request(const char *method, const char *path, int status, double ms,
                          const char *user, const char *action_uuid, const char *note);

/* GET /metrics (metrics.c): counted from any thread.  dcs_metrics_start
 * counts engine calls too (dcs_engine_observe); dcs_metrics_text is the
 * Prometheus text (a new string, NULL when out of memory). */
void dcs_metrics_start(void);
void dcs_metrics_request(const char *method, const char *route, int status, double seconds);
void dcs_metrics_action(const char *action, const char *state);
char *dcs_metrics_text(long streams, long connections);

#endif
