/*
 * objects.c - reading a namespace off the swarm (services, their tasks,
 * the records of terminated services) and the Docker Cloud service object
 * of each, in the caller's URL family.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "http/http.h"
#include "translate/datetime.h"
#include "swarm/swarm.h"
#include "translate/translate.h"

const char *dcs_label(const json_t *obj, const char *key)
{
    const json_t *spec = json_object_get(obj, "Spec");
    return json_string_value(json_object_get(json_object_get(spec ? spec : obj, "Labels"), key));
}

void dcs_uri(const struct dcs_ctx *c, const char *type, const char *uuid, char *out,
             size_t len)
{
    const struct dcs_route *rt = &c->req->rt;
    bool tutum = rt->family == DCS_FAM_TUTUM;
    bool audit = !strcmp(type, "action");

    snprintf(out, len, "%s%s%s%s/%s/", dcs_route_prefix(rt, type),
             tutum || audit ? "" : c->req->ns, tutum || audit ? "" : "/", type, uuid);
}

void dcs_stack_uuid(const char *ns, const char *name, char out[37])
{
    dcs_uuid_for(ns, "dcswarm.stack", name, out);
}

json_t *dcs_record_decode(const json_t *config)
{
    const char *b64 = json_string_value(json_object_get(json_object_get(config, "Spec"), "Data"));
    size_t n = b64 ? strlen(b64) : 0;
    unsigned char *buf = malloc(n + 4);
    int got;
    json_t *v = NULL;

    if (!buf)
        return NULL;
    got = n ? EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n) : -1;
    while (got > 0 && n && b64[n - 1] == '=') {
        n--;
        got--;
    }
    if (got > 0)
        v = json_loadb((const char *)buf, (size_t)got, 0, NULL);
    free(buf);
    return v;
}

/* Records older than the retention go, by whichever server sees them. */
static bool expired(struct dcs_ctx *c, const json_t *config)
{
    time_t t;
    const char *created = json_string_value(json_object_get(config, "CreatedAt"));

    return created && dcs_engine_time_parse(created, &t) && c->now - t > c->cfg->retention;
}

/* The label filters of the records of kind (in ns, with uuid: either may be
 * NULL), new. */
static json_t *records_filters(const char *kind, const char *ns, const char *uuid,
                               struct dcs_error *err)
{
    json_t *filters = NULL;
    char kv[300];

    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_KIND, kind);
    dcs_filters_add(&filters, "label", kv, err);
    if (ns) {
        snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_NAMESPACE, ns);
        dcs_filters_add(&filters, "label", kv, err);
    }
    if (uuid) {
        snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_UUID, uuid);
        dcs_filters_add(&filters, "label", kv, err);
    }
    return filters;
}

/* The records in list (the configs read with records_filters(), stolen);
 * expired ones are removed from the swarm. */
static json_t *records_of(struct dcs_ctx *c, const char *kind, json_t *list)
{
    json_t *out = json_array(), *cfg;
    size_t i;


    json_array_foreach(list, i, cfg) {
        json_t *data;
        if (strcmp(kind, DCS_KIND_TOKEN_KEY) && expired(c, cfg)) {
            struct dcs_error ignored = {0};
            dcs_config_remove(c->eng, json_string_value(json_object_get(cfg, "ID")), &ignored);
            continue;
        }
        data = dcs_record_decode(cfg);
        if (data && json_is_object(data)) {
            json_object_set(data, "_config_id", json_object_get(cfg, "ID"));
            json_array_append(out, data);
        }
        json_decref(data);
    }
    json_decref(list);
    return out;
}

json_t *dcs_records(struct dcs_ctx *c, const char *kind, const char *ns, const char *uuid,
                    struct dcs_error *err)
{
    json_t *filters = records_filters(kind, ns, uuid, err);
    json_t *list = dcs_config_list(c->eng, filters, err);

    json_decref(filters);
    return list ? records_of(c, kind, list) : NULL;
}

json_t *dcs_record_spec(const char *name, json_t *labels_new, const json_t *data)
{
    char *text = json_dumps(data, JSON_COMPACT);
    size_t n = text ? strlen(text) : 0;
    char *b64 = malloc(4 * ((n + 2) / 3) + 1);
    json_t *spec = NULL;

    if (text && b64) {
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)text, (int)n);
        spec = json_pack("{s:s, s:o, s:s}", "Name", name, "Labels", labels_new, "Data", b64);
        labels_new = NULL;
    }
    json_decref(labels_new);
    free(text);
    free(b64);
    return spec;
}

int dcs_record_put(struct dcs_ctx *c, const char *name, json_t *labels_new,
                   const json_t *data, struct dcs_error *err)
{
    json_t *spec = dcs_record_spec(name, labels_new, data);
    char *id;

    if (!spec)
        return dcs_error_status(err, 500, NULL, "out of memory");
    id = dcs_config_create(c->eng, spec, err);
    json_decref(spec);
    free(id);
    return id ? DCS_OK : DCS_ERR;
}

static int by_created(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    const char *cx = json_string_value(json_object_get(x, "CreatedAt"));
    const char *cy = json_string_value(json_object_get(y, "CreatedAt"));
    int d = strcmp(cx ? cx : "", cy ? cy : "");

    return d ? d : strcmp(dcs_label(x, DCS_LABEL_UUID) ? dcs_label(x, DCS_LABEL_UUID) : "",
                          dcs_label(y, DCS_LABEL_UUID) ? dcs_label(y, DCS_LABEL_UUID) : "");
}

/* Oldest first, as Docker Cloud listed them; Engine timestamps sort as text
 * only when they have the same length, so compare parsed times. */
static void sort_services(json_t *arr)
{
    size_t n = json_array_size(arr);
    json_t **v = malloc((n ? n : 1) * sizeof(*v));

    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(arr, i));
    qsort(v, n, sizeof(*v), by_created);
    json_array_clear(arr);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, v[i]);
    free(v);
}

static json_t *group_tasks(json_t *tasks)
{
    json_t *by = json_object(), *t;
    size_t i;

    json_array_foreach(tasks, i, t) {
        const char *sid = json_string_value(json_object_get(t, "ServiceID"));
        json_t *list;
        if (!sid)
            continue;
        list = json_object_get(by, sid);
        if (!list) {
            list = json_array();
            json_object_set_new(by, sid, list);
        }
        json_array_append(list, t);
    }
    return by;
}

struct view_parts {
    bool tasks, records;
};

/* The services, tasks and Terminated records of the namespace are read at
 * the same time, each on an engine connection of its own. */
static int read_view(struct dcs_ctx *c, struct dcs_view *v, void *arg, struct dcs_error *err)
{
    const struct view_parts *parts = arg;
    bool tasks = parts->tasks, records = parts->records;
    struct dcs_get gets[3] = {{.prefix = "/services", .shared = 1}};
    json_t *svc_filters = NULL, *rec_filters = NULL;
    size_t n = 1, t_at = 0, r_at = 0;
    char kv[300];
    int rc;

    memset(v, 0, sizeof(*v));
    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_NAMESPACE, c->req->ns);
    dcs_filters_add(&svc_filters, "label", kv, err);
    gets[0].filters = svc_filters;
    if (tasks) {
        t_at = n++;
        gets[t_at].prefix = "/tasks";
        gets[t_at].shared = 1;
    }
    if (records) {
        rec_filters = records_filters(DCS_KIND_TERMINATED, c->req->ns, NULL, err);
        r_at = n++;
        gets[r_at].prefix = "/configs";
        gets[r_at].filters = rec_filters;
    }
    rc = dcs_engine_get_all(c->eng, gets, n, err);
    json_decref(svc_filters);
    json_decref(rec_filters);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            json_decref(gets[i].out);
        return DCS_ERR;
    }
    v->services = gets[0].out;
    sort_services(v->services);
    v->with_tasks = tasks;
    if (tasks) {
        v->tasks = group_tasks(gets[t_at].out);
        json_decref(gets[t_at].out);
    }
    if (records) {
        v->records = records_of(c, DCS_KIND_TERMINATED, gets[r_at].out);
        sort_services(v->records);
    }
    return DCS_OK;
}

/* Concurrent requests for the same namespace share the next read. */
int dcs_view_load(struct dcs_ctx *c, struct dcs_view *v, bool tasks, bool records,
                  struct dcs_error *err)
{
    struct view_parts parts = {tasks, records};
    char key[DCS_ROUTE_LEN + 16];

    snprintf(key, sizeof(key), "%s/%d%d", c->req->ns, tasks, records);
    return dcs_view_read_shared(c, key, read_view, &parts, v, err);
}

/* ---------------- the service IDs of uuids ----------------
 *
 * Which swarm service carries a uuid never changes while the service
 * lives, so the ID found by the label filter is remembered; a read by
 * uuid then inspects that ID and lists its tasks at the same time, and
 * uses the answer only if the service still has the uuid and namespace
 * labels (if not, or if it is gone, the label filter decides again).
 * Nothing is answered from memory: the engine is asked every time. */

#define ID_CACHE_MAX 4096

static pthread_mutex_t ids_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *ids;     /* uuid -> service ID */

static bool id_of(const char *uuid, char *out, size_t len)
{
    const char *id;

    pthread_mutex_lock(&ids_lock);
    id = json_string_value(json_object_get(ids, uuid));
    if (id)
        snprintf(out, len, "%s", id);
    pthread_mutex_unlock(&ids_lock);
    return id != NULL;
}

void dcs_view_id_seen(const char *uuid, const char *id)
{
    pthread_mutex_lock(&ids_lock);
    if (!ids || json_object_size(ids) >= ID_CACHE_MAX) {
        json_decref(ids);
        ids = json_object();
    }
    if (id)
        json_object_set_new(ids, uuid, json_string(id));
    else
        json_object_del(ids, uuid);
    pthread_mutex_unlock(&ids_lock);
}

/* A config to create while reading (an action record) and how that went. */
struct post {
    const json_t *config;       /* NULL: none */
    struct dcs_error *err;
    bool done;
};

/* Create p's config, if it was not already. */
static void post_now(struct dcs_ctx *c, struct post *p)
{
    char *id;

    if (!p->config || p->done)
        return;
    id = dcs_config_create(c->eng, p->config, p->err);
    free(id);
    p->done = true;
}

/* The service with ID id, if it is still uuid's in the request's namespace,
 * and its tasks: read at once, with p's config created meanwhile.  false
 * when the ID no longer answers for uuid (gone, relabelled) or the engine
 * failed: the caller asks again. */
static bool load_by_id(struct dcs_ctx *c, struct dcs_view *v, const char *uuid,
                       const char *id, struct post *p)
{
    struct dcs_get gets[3] = {{.prefix = "/services", .id = id}, {.prefix = "/tasks"},
                              {.prefix = "/configs/create", .post = p->config}};
    struct dcs_error e = {0};
    json_t *filters = NULL;
    const char *ns, *u;
    bool ok;

    dcs_filters_add(&filters, "service", id, &e);
    gets[1].filters = filters;
    dcs_engine_get_all(c->eng, gets, p->config && !p->done ? 3 : 2, &e);
    json_decref(filters);
    if (p->config && !p->done) {
        p->done = true;
        *p->err = gets[2].err;
        json_decref(gets[2].out);
    }
    ns = dcs_label(gets[0].out, DCS_LABEL_NAMESPACE);
    u = dcs_label(gets[0].out, DCS_LABEL_UUID);
    ok = gets[0].out && gets[1].out && ns && u && !strcmp(ns, c->req->ns) && !strcmp(u, uuid);
    if (ok) {
        v->services = json_pack("[o]", gets[0].out);
        v->records = json_array();
        v->tasks = json_pack("{s:o}", id, gets[1].out);
        return v->services && v->records && v->tasks;
    }
    if (!gets[0].out || !ns || !u || strcmp(ns, c->req->ns) || strcmp(u, uuid))
        dcs_view_id_seen(uuid, NULL);
    json_decref(gets[0].out);
    json_decref(gets[1].out);
    return false;
}

/* One service and its tasks by label and service filters: no scan of the
 * namespace, unless the service has no dcswarm.linked-from label (made by
 * dcswarm apply), whose linked_from_service needs the others. */
static int load_one(struct dcs_ctx *c, struct dcs_view *v, const char *uuid, struct post *p,
                    struct dcs_error *err)
{
    json_t *filters = NULL;
    const json_t *svc;
    char kv[300], id[128];

    memset(v, 0, sizeof(*v));
    v->with_tasks = true;
    v->one = true;
    if (id_of(uuid, id, sizeof(id))) {
        if (load_by_id(c, v, uuid, id, p))
            return DCS_OK;
        dcs_view_release(v);
        v->with_tasks = true;
        v->one = true;
    }
    post_now(c, p);
    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_NAMESPACE, c->req->ns);
    dcs_filters_add(&filters, "label", kv, err);
    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_UUID, uuid);
    dcs_filters_add(&filters, "label", kv, err);
    v->services = dcs_service_list(c->eng, filters, err);
    json_decref(filters);
    filters = NULL;
    if (!v->services)
        return DCS_ERR;
    svc = json_array_get(v->services, 0);
    v->tasks = json_object();
    if (!svc) {
        v->records = dcs_records(c, DCS_KIND_TERMINATED, c->req->ns, uuid, err);
        return v->records ? DCS_OK : DCS_ERR;
    }
    v->records = json_array();
    /* The uuid of one service only is remembered. */
    dcs_view_id_seen(uuid, json_array_size(v->services) == 1
                          ? json_string_value(json_object_get(svc, "ID")) : NULL);
    dcs_filters_add(&filters, "service", json_string_value(json_object_get(svc, "ID")), err);
    {
        json_t *tasks = dcs_task_list(c->eng, filters, err);
        json_decref(filters);
        if (!tasks)
            return DCS_ERR;
        json_object_set_new(v->tasks, json_string_value(json_object_get(svc, "ID")), tasks);
    }
    return DCS_OK;
}

int dcs_view_load_named(struct dcs_ctx *c, struct dcs_view *v, const char *name,
                        struct dcs_error *err)
{
    json_t *filters = NULL;
    char kv[300];

    memset(v, 0, sizeof(*v));
    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_NAMESPACE, c->req->ns);
    dcs_filters_add(&filters, "label", kv, err);
    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_NAME, name);
    dcs_filters_add(&filters, "label", kv, err);
    v->services = dcs_service_list(c->eng, filters, err);
    json_decref(filters);
    return v->services ? DCS_OK : DCS_ERR;
}

int dcs_view_load_one_posting(struct dcs_ctx *c, struct dcs_view *v, const char *uuid,
                              const json_t *config, struct dcs_error *config_err,
                              struct dcs_error *err)
{
    struct post p = {config, config_err, false};
    const json_t *svc;
    int rc = load_one(c, v, uuid, &p, err);

    post_now(c, &p);
    if (rc)
        return DCS_ERR;
    svc = json_array_get(v->services, 0);
    if (!svc || dcs_label(svc, DCS_LABEL_LINKED_FROM))
        return DCS_OK;
    dcs_view_release(v);
    return dcs_view_load(c, v, true, true, err);
}

int dcs_view_load_one(struct dcs_ctx *c, struct dcs_view *v, const char *uuid,
                      struct dcs_error *err)
{
    return dcs_view_load_one_posting(c, v, uuid, NULL, NULL, err);
}

void dcs_view_release_later(struct dcs_ctx *c, struct dcs_view *v)
{
    dcs_ctx_later(c, v->services);
    dcs_ctx_later(c, v->tasks);
    dcs_ctx_later(c, v->records);
    memset(v, 0, sizeof(*v));
}

void dcs_view_release(struct dcs_view *v)
{
    json_decref(v->services);
    json_decref(v->tasks);
    json_decref(v->records);
    memset(v, 0, sizeof(*v));
}

const json_t *dcs_view_find(const struct dcs_view *v, const char *uuid, bool *terminated,
                            struct dcs_error *err)
{
    const json_t *s;
    size_t i;

    *terminated = false;
    json_array_foreach(v->services, i, s) {
        const char *u = dcs_label(s, DCS_LABEL_UUID);
        if (u && !strcmp(u, uuid))
            return s;
    }
    json_array_foreach(v->records, i, s) {
        const char *u = dcs_label(s, DCS_LABEL_UUID);
        if (u && !strcmp(u, uuid)) {
            *terminated = true;
            return s;
        }
    }
    dcs_error_status(err, 404, NULL, "no service with uuid %s", uuid);
    return NULL;
}

/* The image's own variables first, as Docker Cloud listed them, unless the
 * user's or dcswarm's set the same key. */
static void add_image_env(struct dcs_ctx *c, json_t *obj)
{
    json_t *calc = json_object_get(obj, "calculated_envvars");
    json_t *img = dcs_image_env(c, json_string_value(json_object_get(obj, "image_name")));
    json_t *out = json_array(), *e, *f;
    size_t i, j;

    json_array_foreach(img, i, e) {
        bool shadowed = false;
        json_array_foreach(calc, j, f)
            shadowed |= json_equal(json_object_get(e, "key"), json_object_get(f, "key"));
        if (!shadowed)
            json_array_append(out, e);
    }
    json_array_extend(out, calc);
    json_object_set_new(obj, "calculated_envvars", out);
    json_decref(img);
}

/* linked_from_service from the label a REST service carries (netnames.c). */
static void linked_from_label(struct dcs_ctx *c, const char *text, json_t *obj)
{
    json_t *label = json_loads(text, 0, NULL), *from = json_array(), *f;
    size_t i;
    char buf[512];

    json_array_foreach(label, i, f) {
        const char *uuid = json_string_value(json_object_get(f, "from"));
        if (!uuid)
            continue;
        dcs_uri(c, "service", uuid, buf, sizeof(buf));
        json_array_append_new(from, json_pack("{s:s, s:O, s:O}", "from_service", buf, "name",
                                              json_object_get(f, "name"), "to_service",
                                              json_object_get(obj, "resource_uri")));
    }
    json_decref(label);
    json_object_set_new(obj, "linked_from_service", from);
}

/* linked_from_service: the links of the other services of the view that
 * point at this one, by resource URI. */
static void add_linked_from(const struct dcs_view *v, json_t *obj)
{
    const json_t *uri = json_object_get(obj, "resource_uri"), *s, *l;
    json_t *from = json_array();
    size_t i, j;
    char buf[512];

    json_array_foreach(v->services, i, s) {
        const char *spec = dcs_label(s, DCS_LABEL_SPEC), *uuid = dcs_label(s, DCS_LABEL_UUID);
        json_t *canon = spec ? json_loads(spec, 0, NULL) : NULL;
        json_array_foreach(json_object_get(canon, "linked_to_service"), j, l) {
            const char *to = json_string_value(json_object_get(l, "to_service"));
            const char *at = to ? strstr(to, "/service/") : NULL;
            const char *mine = json_string_value(uri);
            const char *mine_at = mine ? strstr(mine, "/service/") : NULL;
            if (!at || !mine_at || strcmp(at, mine_at) || !uuid)
                continue;
            snprintf(buf, sizeof(buf), "%.*sservice/%s/", (int)(mine_at - mine + 1), mine,
                     uuid);
            json_array_append_new(from, json_pack("{s:s, s:O, s:O}", "from_service", buf,
                                                  "name", json_object_get(l, "name"),
                                                  "to_service", uri));
        }
        json_decref(canon);
    }
    json_object_set_new(obj, "linked_from_service", from);
}

json_t *dcs_service_object(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                           struct dcs_error *err)
{
    struct dcs_reverse_ctx rc = {0};
    const char *id = json_string_value(json_object_get(svc, "ID"));
    const char *stack = dcs_label(svc, DCS_LABEL_STACK);
    json_t *tasks = v->tasks && id ? json_object_get(v->tasks, id) : NULL;
    json_t *empty = json_array(), *stack_uri = NULL, *obj;
    bool live = !dcs_label(svc, "dcswarm.terminated");
    char uri[512], suuid[37];

    rc.api_prefix = dcs_route_prefix(&c->req->rt, "service");
    rc.namespace_ = c->req->rt.family == DCS_FAM_TUTUM ? NULL : c->req->ns;
    rc.public_domain = c->cfg->public_domain[0] ? c->cfg->public_domain : NULL;
    rc.tasks = live && v->with_tasks ? (tasks ? tasks : empty) : NULL;
    if (stack) {
        dcs_stack_uuid(c->req->ns, stack, suuid);
        dcs_uri(c, "stack", suuid, uri, sizeof(uri));
        stack_uri = json_string(uri);
    }
    rc.stack_uri = stack_uri;
    obj = dcs_reverse(svc, &rc, err);
    if (obj) {
        struct dcs_error ignored = {0};
        json_t *nodes = rc.tasks && dcs_lifecycle_needs_nodes(svc, c->now)
                            ? dcs_node_list(c->eng, NULL, &ignored) : NULL;
        dcs_lifecycle_fix(obj, svc, rc.tasks, nodes, c->now);
        json_decref(nodes);
        add_image_env(c, obj);
        if (dcs_label(svc, DCS_LABEL_LINKED_FROM))
            linked_from_label(c, dcs_label(svc, DCS_LABEL_LINKED_FROM), obj);
        else
            add_linked_from(v, obj);
    }
    json_decref(stack_uri);
    json_decref(empty);
    return obj;
}
