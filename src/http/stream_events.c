/*
 * stream_events.c - Docker Cloud events for every events client of a server,
 * from one engine event stream.
 *
 * The hub thread follows GET /events (service, node, container and config
 * events; events.c reconnects without losing or repeating any), looks up
 * what an engine event leaves out (a service's namespace and uuid, an
 * action's object) on a second engine handle, turns it into Docker Cloud
 * events (stream_event_map.c) and pushes each to the clients of its namespace.  So
 * 50 events clients cost one engine connection, not 50.
 *
 *   engine service create/update/remove  -> service create/update/delete,
 *       state as the REST API computes it
 *   engine container create/start/kill/die/destroy (tasks of the manager's
 *       own node: the engine reports no others) -> container events, and a
 *       service update whenever that changes the service's state
 *   engine node events -> node events, for every namespace
 *   config "dcswarm-action-<uuid>" created by a REST call -> action
 *       create ("In progress"); its "-done" record -> action update
 *
 * Actions end when someone settles them (actions.c): a settler thread does
 * so every SETTLE_MS for the actions this hub announced, so that clients
 * see them end without polling the REST API.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/streams.h"
#include "swarm/swarm.h"
#include "translate/translate.h"

#define SETTLE_MS 250
/* An action not settled after this long is forgotten (actions.c fails it
 * after 600 s). */
#define PENDING_MAX_S 700
#define PENDING_MAX 1024
#define WATCH_S 30

struct sub {
    struct dcs_sconn *s;
    char ns[DCS_ROUTE_LEN];
    json_t *filter;
    bool tutum;       /* connected on a Tutum path: URIs in Tutum form */
    struct sub *next;
};

struct dcs_eventhub {
    const struct dcs_serve_config *cfg;
    const struct dcs_engine *proto;
    pthread_mutex_t lock;
    pthread_cond_t tick;
    struct sub *subs;
    bool started, stopping;
    pthread_t thread, settler;
    struct dcs_engine *eng;      /* the event stream */
    struct dcs_engine *lookup;   /* the hub thread's look-ups */
    struct dcs_engine *settle;   /* the settler's */
    /* hub thread only */
    json_t *services;            /* engine service ID -> {uuid, ns, state} */
    char since[32];              /* the first follow replays from the start */
    /* under lock */
    json_t *pending;             /* action uuid -> {ns, since} */
    json_t *watched;             /* service uuid -> {ns, until} */
    json_t *states;              /* service uuid -> the state last announced */
};

/* ==================== clients ==================== */

/* Each client gets the event with the URIs of the path family it
 * connected on (made once per family), and filters on those. */
static void broadcast(struct dcs_eventhub *h, json_t *ev, const char *ns)
{
    char *text = json_dumps(ev, JSON_COMPACT), *tutum_text = NULL;
    json_t *tutum = NULL;
    struct sub *u;

    if (!text)
        return;
    pthread_mutex_lock(&h->lock);
    for (u = h->subs; u; u = u->next) {
        if (!u->tutum) {
            if (dcs_event_match(ev, ns, u->ns, u->filter))
                dcs_sconn_push(u->s, text, strlen(text));
            continue;
        }
        if (!tutum && (tutum = dcs_event_tutum(ev)))
            tutum_text = json_dumps(tutum, JSON_COMPACT);
        if (tutum_text && dcs_event_match(tutum, ns, u->ns, u->filter))
            dcs_sconn_push(u->s, tutum_text, strlen(tutum_text));
    }
    pthread_mutex_unlock(&h->lock);
    free(text);
    free(tutum_text);
    json_decref(tutum);
}

static void emit(struct dcs_eventhub *h, const struct dcs_evinfo *in)
{
    char uuid[37];
    json_t *ev;

    dcs_uuid_random(uuid);
    ev = dcs_event_object(in, uuid);
    if (ev)
        broadcast(h, ev, in->ns);
    json_decref(ev);
}

/* ==================== look-ups ==================== */

/* A request context as a worker would have it, acting in namespace ns. */
static void fake_ctx(struct dcs_eventhub *h, struct dcs_engine *eng, struct dcs_req *r,
                     struct dcs_ctx *c, const char *ns)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->method, sizeof(r->method), "GET");
    r->rt.family = DCS_FAM_APP;
    snprintf(r->ns, sizeof(r->ns), "%s", ns);
    snprintf(r->user, sizeof(r->user), "%s", ns);
    memset(c, 0, sizeof(*c));
    c->eng = eng;
    c->cfg = h->cfg;
    c->req = r;
    c->now = time(NULL);
}

/* The Docker Cloud state of service uuid (into state) and its parents
 * (new), read on eng; DCS_ERR when it cannot be read. */
static int service_state(struct dcs_eventhub *h, struct dcs_engine *eng, const char *ns,
                         const char *uuid, char *state, size_t len, json_t **parents,
                         json_t **tasks)
{
    struct dcs_req r;
    struct dcs_ctx c;
    struct dcs_view v = {0};
    struct dcs_error err = {0};
    const json_t *svc;
    json_t *obj = NULL, *stack;
    bool terminated;
    int rc = DCS_ERR;

    *tasks = NULL;
    fake_ctx(h, eng, &r, &c, ns);
    r.grants = json_pack("[s]", ns);
    *parents = json_array();
    if (dcs_view_load_one(&c, &v, uuid, &err))
        goto out;
    svc = dcs_view_find(&v, uuid, &terminated, &err);
    obj = svc ? dcs_service_object(&c, &v, svc, &err) : NULL;
    if (!obj)
        goto out;
    snprintf(state, len, "%s", json_string_value(json_object_get(obj, "state")) ?: "");
    *tasks = json_incref(json_object_get(v.tasks, json_string_value(json_object_get(svc, "ID"))));
    stack = json_object_get(obj, "stack");
    if (json_is_string(stack))
        json_array_append(*parents, stack);
    rc = DCS_OK;
out:
    json_decref(obj);
    dcs_view_release(&v);
    json_decref(r.grants);
    return rc;
}

/* {uuid, ns} of a dcswarm service by engine ID, remembered; NULL for a
 * service that is not one (borrowed). */
static json_t *service_info(struct dcs_eventhub *h, const char *id)
{
    json_t *info = json_object_get(h->services, id), *svc;
    struct dcs_error err = {0};
    const char *ns, *uuid;

    if (info)
        return json_is_object(info) ? info : NULL;
    svc = dcs_service_inspect(h->lookup, id, &err);
    if (!svc)
        return NULL;
    ns = dcs_label(svc, DCS_LABEL_NAMESPACE);
    uuid = dcs_label(svc, DCS_LABEL_UUID);
    info = ns && uuid ? json_pack("{s:s, s:s}", "uuid", uuid, "ns", ns) : json_null();
    json_object_set_new(h->services, id, info);
    json_decref(svc);
    return json_is_object(info) ? info : NULL;
}

/* Record state as the last announced for uuid; true when it changed. */
static bool state_changed(struct dcs_eventhub *h, const char *uuid, const char *state,
                          bool *known)
{
    const char *last;
    bool changed;

    pthread_mutex_lock(&h->lock);
    last = json_string_value(json_object_get(h->states, uuid));
    if (known)
        *known = last != NULL;
    changed = !last || strcmp(last, state);
    if (changed)
        json_object_set_new(h->states, uuid, json_string(state));
    pthread_mutex_unlock(&h->lock);
    return changed;
}

/* A container event for task tid of service svc_uuid, unless its state is
 * the one last announced (the manager's container events and the tasks the
 * settler reads both report each change). */
static void container_event(struct dcs_eventhub *h, const char *ns, const char *svc_uuid,
                            const char *tid, const char *nid, const char *state,
                            const char *action, long long time_ns, bool history_too)
{
    struct dcs_evinfo in = {.type = "container", .action = action, .ns = ns, .state = state,
                            .time_ns = time_ns};
    char uuid[37], nuuid[37], uri[512];
    json_t *parents;
    bool known;

    dcs_uuid_for("task", NULL, tid, uuid);
    if (!state_changed(h, uuid, state, &known))
        return;
    /* A task seen first as ended is history, not news. */
    if (!known && !history_too && !strcmp(state, "Stopped"))
        return;
    in.uuid = uuid;
    if (!action)
        in.action = known ? "update" : "create";
    parents = json_array();
    dcs_event_uri("service", ns, svc_uuid, uri, sizeof(uri));
    json_array_append_new(parents, json_string(uri));
    if (nid) {
        dcs_uuid_for("node", NULL, nid, nuuid);
        dcs_event_uri("node", NULL, nuuid, uri, sizeof(uri));
        json_array_append_new(parents, json_string(uri));
    }
    in.parents = parents;
    emit(h, &in);
    json_decref(parents);
}

/* The containers of a service whose state changed, from its tasks. */
static void task_events(struct dcs_eventhub *h, const char *ns, const char *svc_uuid,
                        const json_t *tasks, long long time_ns)
{
    const json_t *t;
    size_t i;

    json_array_foreach(tasks, i, t) {
        const char *tid = json_string_value(json_object_get(t, "ID"));
        if (tid)
            container_event(h, ns, svc_uuid, tid,
                            json_string_value(json_object_get(t, "NodeID")),
                            dcs_container_state(t), NULL, time_ns, false);
    }
}

/* A service event with the state the service has now; unless forced,
 * only when that is not the state last announced (from either thread). */
static void publish_service(struct dcs_eventhub *h, struct dcs_engine *eng, const char *ns,
                            const char *uuid, const char *action, long long time_ns, bool force)
{
    struct dcs_evinfo in = {.type = "service", .action = action, .ns = ns, .uuid = uuid,
                            .time_ns = time_ns};
    json_t *parents = NULL, *tasks = NULL;
    char state[64];
    bool changed;

    if (service_state(h, eng, ns, uuid, state, sizeof(state), &parents, &tasks)) {
        json_decref(parents);
        return;
    }
    task_events(h, ns, uuid, tasks, time_ns);
    changed = state_changed(h, uuid, state, NULL);
    if (force || changed) {
        in.state = state;
        in.parents = parents;
        emit(h, &in);
    }
    json_decref(parents);
    json_decref(tasks);
}

/* Tasks converge after the events that moved them: the settler looks at
 * the service's state again each tick for WATCH_S. */
static void watch(struct dcs_eventhub *h, const char *ns, const char *uuid)
{
    pthread_mutex_lock(&h->lock);
    if (json_object_size(h->watched) < PENDING_MAX)
        json_object_set_new(h->watched, uuid, json_pack("{s:s, s:I}", "ns", ns, "until",
                                                        (json_int_t)time(NULL) + WATCH_S));
    pthread_cond_broadcast(&h->tick);
    pthread_mutex_unlock(&h->lock);
}

static void service_event(struct dcs_eventhub *h, json_t *info, const char *action,
                          long long time_ns, bool force)
{
    const char *ns = json_string_value(json_object_get(info, "ns"));
    const char *uuid = json_string_value(json_object_get(info, "uuid"));

    publish_service(h, h->lookup, ns, uuid, action, time_ns, force);
    watch(h, ns, uuid);
}

/* ==================== engine events ==================== */

static void on_service(struct dcs_eventhub *h, const char *id, const char *action,
                       long long time_ns)
{
    json_t *info;

    if (!strcmp(action, "delete")) {
        struct dcs_evinfo in = {.type = "service", .action = action, .state = "Terminated",
                                .time_ns = time_ns};
        info = json_object_get(h->services, id);
        if (!json_is_object(info))
            return;
        in.ns = json_string_value(json_object_get(info, "ns"));
        in.uuid = json_string_value(json_object_get(info, "uuid"));
        emit(h, &in);
        pthread_mutex_lock(&h->lock);
        json_object_del(h->watched, in.uuid);
        json_object_del(h->states, in.uuid);
        pthread_mutex_unlock(&h->lock);
        json_object_del(h->services, id);
        return;
    }
    /* A create's labels are final; an update may have added them. */
    if (json_is_null(json_object_get(h->services, id)))
        json_object_del(h->services, id);
    info = service_info(h, id);
    if (info)
        service_event(h, info, action, time_ns, true);
}

static void on_container(struct dcs_eventhub *h, const json_t *attrs, const char *engine_action,
                         const char *action, long long time_ns)
{
    const char *sid = json_string_value(json_object_get(attrs, "com.docker.swarm.service.id"));
    const char *tid = json_string_value(json_object_get(attrs, "com.docker.swarm.task.id"));
    const char *nid = json_string_value(json_object_get(attrs, "com.docker.swarm.node.id"));
    json_t *info = sid && tid ? service_info(h, sid) : NULL;

    if (!info)
        return;
    container_event(h, json_string_value(json_object_get(info, "ns")),
                    json_string_value(json_object_get(info, "uuid")), tid, nid,
                    dcs_event_container_state(engine_action), action, time_ns, true);
    service_event(h, info, "update", time_ns, false);
}

static void on_node(struct dcs_eventhub *h, const char *id, const json_t *attrs,
                    const char *action, long long time_ns)
{
    struct dcs_evinfo in = {.type = "node", .action = action, .time_ns = time_ns};
    char uuid[37];

    dcs_uuid_for("node", NULL, id, uuid);
    in.uuid = uuid;
    in.state = !strcmp(action, "delete") ? "Terminated" : dcs_event_node_state(attrs);
    emit(h, &in);
}

static void remember_pending(struct dcs_eventhub *h, const char *uuid, const char *ns)
{
    pthread_mutex_lock(&h->lock);
    if (json_object_size(h->pending) < PENDING_MAX)
        json_object_set_new(h->pending, uuid, json_pack("{s:s, s:I}", "ns", ns, "since",
                                                        (json_int_t)time(NULL)));
    pthread_cond_broadcast(&h->tick);
    pthread_mutex_unlock(&h->lock);
}

/* An action that ended lets its services settle (Starting -> Stopped,
 * say): clients see their new state. */
static void watch_settling(struct dcs_eventhub *h, const char *ns, const json_t *act)
{
    const json_t *members = json_object_get(act, "services"), *m;
    const char *one = json_string_value(json_object_get(act, "object_uuid"));
    size_t i;

    if (!json_is_array(members)) {
        if (one)
            watch(h, ns, one);
        return;
    }
    json_array_foreach(members, i, m)
        if (json_string_value(m))
            watch(h, ns, json_string_value(m));
}

/* An action record: "dcswarm-action-<uuid>" or "...-done". */
static void on_config(struct dcs_eventhub *h, const char *id, const char *name,
                      long long time_ns)
{
    struct dcs_evinfo in = {.type = "action", .time_ns = time_ns};
    struct dcs_error err = {0};
    json_t *cfg, *data = NULL, *parents = json_array();
    const char *kind, *ns, *uuid, *object;

    if (!name || strncmp(name, "dcswarm-action-", 15))
        goto out;
    cfg = dcs_config_inspect(h->lookup, id, &err);
    data = cfg ? dcs_record_decode(cfg) : NULL;
    kind = dcs_label(cfg, DCS_LABEL_KIND);
    ns = dcs_label(cfg, DCS_LABEL_NAMESPACE);
    uuid = json_string_value(json_object_get(data, "uuid"));
    object = json_string_value(json_object_get(data, "object"));
    if (kind && ns && uuid) {
        bool done = !strcmp(kind, DCS_KIND_ACTION_DONE);
        in.ns = ns;
        in.uuid = uuid;
        in.action = done ? "update" : "create";
        in.state = done ? json_string_value(json_object_get(data, "state")) : "In progress";
        if (object) { /* as the request that made it wrote it: any family */
            char uri[512];
            dcs_event_canonical_uri(object, ns, uri, sizeof(uri));
            json_array_append_new(parents, json_string(uri));
        }
        in.parents = parents;
        emit(h, &in);
        if (!done)
            remember_pending(h, uuid, ns);
        else
            watch_settling(h, ns, data);
    }
    json_decref(cfg);
out:
    json_decref(data);
    json_decref(parents);
}

static int on_engine_event(json_t *e, void *arg)
{
    struct dcs_eventhub *h = arg;
    const char *type = json_string_value(json_object_get(e, "Type"));
    const char *engine_action = json_string_value(json_object_get(e, "Action"));
    const char *action = dcs_event_action(type, engine_action);
    const json_t *actor = json_object_get(e, "Actor");
    const char *id = json_string_value(json_object_get(actor, "ID"));
    const json_t *attrs = json_object_get(actor, "Attributes");
    long long ns = json_integer_value(json_object_get(e, "timeNano"));
    bool stopping;

    if (!ns)
        ns = json_integer_value(json_object_get(e, "time")) * 1000000000LL;
    if (action && id) {
        if (!strcmp(type, "service"))
            on_service(h, id, action, ns);
        else if (!strcmp(type, "container"))
            on_container(h, attrs, engine_action, action, ns);
        else if (!strcmp(type, "node"))
            on_node(h, id, attrs, action, ns);
        else if (!strcmp(type, "config"))
            on_config(h, id, json_string_value(json_object_get(attrs, "name")), ns);
    }
    pthread_mutex_lock(&h->lock);
    stopping = h->stopping;
    pthread_mutex_unlock(&h->lock);
    return stopping;
}

/* ==================== threads ==================== */

static bool stopping(struct dcs_eventhub *h)
{
    bool s;

    pthread_mutex_lock(&h->lock);
    s = h->stopping;
    pthread_mutex_unlock(&h->lock);
    return s;
}

/* Know every dcswarm service before its first event, so that the removal
 * of one never seen since the start is still announced. */
static void prime(struct dcs_eventhub *h)
{
    struct dcs_error err = {0};
    json_t *filters = NULL, *list, *svc;
    size_t i;

    dcs_filters_add(&filters, "label", DCS_LABEL_NAMESPACE, &err);
    list = dcs_service_list(h->lookup, filters, &err);
    json_array_foreach(list, i, svc) {
        const char *id = json_string_value(json_object_get(svc, "ID"));
        const char *ns = dcs_label(svc, DCS_LABEL_NAMESPACE);
        const char *uuid = dcs_label(svc, DCS_LABEL_UUID);
        if (id && ns && uuid)
            json_object_set_new(h->services, id, json_pack("{s:s, s:s}", "uuid", uuid,
                                                           "ns", ns));
    }
    json_decref(list);
    json_decref(filters);
}

static void *hub_main(void *arg)
{
    struct dcs_eventhub *h = arg;
    struct dcs_events_opts o = {.max_retries = 1000000};
    json_t *filters = NULL;
    struct dcs_error err = {0};

    dcs_filters_add(&filters, "type", "service", &err);
    dcs_filters_add(&filters, "type", "node", &err);
    dcs_filters_add(&filters, "type", "container", &err);
    dcs_filters_add(&filters, "type", "config", &err);
    o.filters = filters;
    o.since = h->since;
    prime(h);
    while (!stopping(h)) {
        if ((h->proto || !dcs_engine_connect(h->eng, &err)) &&
            dcs_events_follow(h->eng, &o, on_engine_event, h, &err) == DCS_ERR)
            dcs_http_log("events: %s (following again in 1 s)", err.text);
        o.since = NULL;
        pthread_mutex_lock(&h->lock);
        if (!h->stopping) {
            struct timespec t;
            clock_gettime(CLOCK_REALTIME, &t);
            t.tv_sec += 1;
            pthread_cond_timedwait(&h->tick, &h->lock, &t);
        }
        pthread_mutex_unlock(&h->lock);
    }
    json_decref(filters);
    return NULL;
}

/* Settle each announced action once; forget the ended and the stale. */
static void settle_round(struct dcs_eventhub *h, json_t *pending)
{
    const char *uuid;
    json_t *p;
    char state[32];

    json_object_foreach(pending, uuid, p) {
        struct dcs_req r;
        struct dcs_ctx c;
        struct dcs_error err = {0};
        const char *ns = json_string_value(json_object_get(p, "ns"));
        bool forget;

        fake_ctx(h, h->settle, &r, &c, ns);
        r.grants = json_pack("[s]", ns);
        state[0] = '\0';
        forget = dcs_action_settle(&c, uuid, state, sizeof(state), &err) == DCS_OK &&
                 strcmp(state, "In progress");
        forget |= time(NULL) - json_integer_value(json_object_get(p, "since")) > PENDING_MAX_S;
        json_decref(r.grants);
        if (forget) {
            pthread_mutex_lock(&h->lock);
            json_object_del(h->pending, uuid);
            pthread_mutex_unlock(&h->lock);
        }
    }
}

/* Announce the watched services' states that changed; forget the old. */
static void watch_round(struct dcs_eventhub *h, json_t *watched)
{
    const char *uuid;
    json_t *w;
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    json_object_foreach(watched, uuid, w) {
        if (now.tv_sec > json_integer_value(json_object_get(w, "until"))) {
            pthread_mutex_lock(&h->lock);
            json_object_del(h->watched, uuid);
            pthread_mutex_unlock(&h->lock);
            continue;
        }
        publish_service(h, h->settle, json_string_value(json_object_get(w, "ns")), uuid,
                        "update", (long long)now.tv_sec * 1000000000LL + now.tv_nsec, false);
    }
}

static void *settler_main(void *arg)
{
    struct dcs_eventhub *h = arg;

    pthread_mutex_lock(&h->lock);
    while (!h->stopping) {
        struct timespec t;
        json_t *pending = json_object_size(h->pending) ? json_deep_copy(h->pending) : NULL;
        json_t *watched = json_object_size(h->watched) ? json_deep_copy(h->watched) : NULL;

        pthread_mutex_unlock(&h->lock);
        if (pending)
            settle_round(h, pending);
        if (watched)
            watch_round(h, watched);
        json_decref(pending);
        json_decref(watched);
        pthread_mutex_lock(&h->lock);
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += SETTLE_MS * 1000000L;
        t.tv_sec += t.tv_nsec / 1000000000L;
        t.tv_nsec %= 1000000000L;
        if (!h->stopping)
            pthread_cond_timedwait(&h->tick, &h->lock, &t);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static struct dcs_engine *handle(struct dcs_eventhub *h)
{
    struct dcs_error err = {0};

    return h->proto ? dcs_engine_clone(h->proto, &err) : dcs_engine_new(&h->cfg->engine, &err);
}

static int start(struct dcs_eventhub *h)
{
    struct dcs_error err = {0};

    snprintf(h->since, sizeof(h->since), "%lld", (long long)time(NULL));
    h->eng = handle(h);
    h->lookup = handle(h);
    h->settle = handle(h);
    if (!h->eng || !h->lookup || !h->settle)
        return DCS_ERR;
    if (!h->proto && (dcs_engine_connect(h->lookup, &err) || dcs_engine_connect(h->settle, &err)))
        dcs_http_log("events: %s", err.text);
    if (pthread_create(&h->thread, NULL, hub_main, h))
        return DCS_ERR;
    if (pthread_create(&h->settler, NULL, settler_main, h)) {
        h->stopping = true;
        dcs_engine_cancel(h->eng);
        pthread_join(h->thread, NULL);
        return DCS_ERR;
    }
    h->started = true;
    return DCS_OK;
}

struct dcs_eventhub *dcs_eventhub_new(const struct dcs_serve_config *cfg,
                                      const struct dcs_engine *proto)
{
    struct dcs_eventhub *h = calloc(1, sizeof(*h));

    if (!h)
        return NULL;
    h->cfg = cfg;
    h->proto = proto;
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->tick, NULL);
    h->services = json_object();
    h->pending = json_object();
    h->watched = json_object();
    h->states = json_object();
    return h;
}

int dcs_eventhub_add(struct dcs_eventhub *h, struct dcs_sconn *s, const char *ns,
                     json_t *filter_new, bool tutum)
{
    struct sub *u = calloc(1, sizeof(*u));

    if (!u) {
        json_decref(filter_new);
        return DCS_ERR;
    }
    u->s = s;
    snprintf(u->ns, sizeof(u->ns), "%s", ns);
    u->filter = filter_new;
    u->tutum = tutum;
    /* Started on the loop thread, which alone adds clients. */
    if (!h->started && !h->stopping && start(h)) {
        json_decref(u->filter);
        free(u);
        return DCS_ERR;
    }
    pthread_mutex_lock(&h->lock);
    u->next = h->subs;
    h->subs = u;
    pthread_mutex_unlock(&h->lock);
    return DCS_OK;
}

void dcs_eventhub_remove(struct dcs_eventhub *h, struct dcs_sconn *s)
{
    struct sub **pp, *u = NULL;

    pthread_mutex_lock(&h->lock);
    for (pp = &h->subs; *pp; pp = &(*pp)->next) {
        if ((*pp)->s == s) {
            u = *pp;
            *pp = u->next;
            break;
        }
    }
    pthread_mutex_unlock(&h->lock);
    if (u) {
        json_decref(u->filter);
        free(u);
    }
}

void dcs_eventhub_free(struct dcs_eventhub *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    pthread_cond_broadcast(&h->tick);
    pthread_mutex_unlock(&h->lock);
    if (h->started) {
        dcs_engine_cancel(h->eng);
        dcs_engine_cancel(h->lookup);
        dcs_engine_cancel(h->settle);
        pthread_join(h->thread, NULL);
        pthread_join(h->settler, NULL);
    }
    while (h->subs)
        dcs_eventhub_remove(h, h->subs->s);
    dcs_engine_free(h->eng);
    dcs_engine_free(h->lookup);
    dcs_engine_free(h->settle);
    json_decref(h->services);
    json_decref(h->pending);
    json_decref(h->watched);
    json_decref(h->states);
    pthread_cond_destroy(&h->tick);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
