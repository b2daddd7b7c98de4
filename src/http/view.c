/*
 * view.c - a namespace as the swarm has it now: its services, their tasks
 * and the records of its terminated services, read once per request (or
 * one service by uuid, or by name), shared by concurrent requests.
 *
 * Shared reads: while a read of a namespace is under way, the requests for
 * the same namespace that arrive meanwhile do not start reads of their
 * own: they wait together for the next one, which starts when the current
 * one ends, and all take its answer.  The read a request gets always
 * starts after the request arrived, so it sees what a read of its own
 * would have seen (a change answered before the request was sent is in
 * it); only the engine's work is shared.  Without concurrent requests
 * every request reads at once.  A view so shared is read by several worker
 * threads: like a view of one request, it is read only (jansson's
 * reference counts are atomic).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/model.h"
#include "swarm/swarm.h"
#include "translate/translate.h"

/* ---------------- shared reads ---------------- */

enum { WAITING, RUNNING, LANDED };

struct flight {
    char key[DCS_ROUTE_LEN + 16];
    int state;
    int users;                  /* the reader and those waiting for it */
    struct dcs_view view;       /* the answer once LANDED */
    int rc;
    struct dcs_error err;
    struct flight *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t landed = PTHREAD_COND_INITIALIZER;
static struct flight *flights;  /* RUNNING and WAITING ones; at most one each per key */

static struct flight *find(const char *key, int state)
{
    struct flight *f;

    for (f = flights; f; f = f->next)
        if (f->state == state && !strcmp(f->key, key))
            return f;
    return NULL;
}

static struct flight *add(const char *key, int state)
{
    struct flight *f = calloc(1, sizeof(*f));

    if (!f)
        return NULL;
    snprintf(f->key, sizeof(f->key), "%s", key);
    f->state = state;
    f->users = 1;
    f->next = flights;
    flights = f;
    return f;
}

static void unlink_flight(struct flight *f)
{
    struct flight **p;

    for (p = &flights; *p; p = &(*p)->next)
        if (*p == f) {
            *p = f->next;
            return;
        }
}

/* Drop a user (lock held); the last one frees the flight. */
static void leave(struct flight *f)
{
    if (--f->users)
        return;
    dcs_view_release(&f->view);
    free(f);
}

static void share(const struct dcs_view *from, struct dcs_view *to)
{
    *to = *from;
    json_incref(to->services);
    json_incref(to->tasks);
    json_incref(to->records);
}

/* Read, then hand the answer to those waiting and let the next read go. */
static int fly(struct dcs_ctx *c, struct flight *f, dcs_view_read_fn read, void *arg,
               struct dcs_view *v, struct dcs_error *err)
{
    struct flight *next;
    int rc = read(c, v, arg, err);

    pthread_mutex_lock(&lock);
    unlink_flight(f);
    f->state = LANDED;
    f->rc = rc;
    if (rc)
        f->err = *err;
    else
        share(v, &f->view);
    next = find(f->key, WAITING);
    if (next)
        next->state = RUNNING;
    pthread_cond_broadcast(&landed);
    leave(f);
    pthread_mutex_unlock(&lock);
    return rc;
}

int dcs_view_read_shared(struct dcs_ctx *c, const char *key, dcs_view_read_fn read, void *arg,
                         struct dcs_view *v, struct dcs_error *err)
{
    struct flight *f;
    int rc;

    memset(v, 0, sizeof(*v));
    pthread_mutex_lock(&lock);
    f = find(key, RUNNING) ? find(key, WAITING) : NULL;
    if (f) {
        /* Wait for the read that starts next, with the others. */
        f->users++;
        while (f->state != LANDED)
            pthread_cond_wait(&landed, &lock);
        rc = f->rc;
        if (rc)
            *err = f->err;
        else
            share(&f->view, v);
        leave(f);
        pthread_mutex_unlock(&lock);
        return rc;
    }
    f = add(key, find(key, RUNNING) ? WAITING : RUNNING);
    while (f && f->state == WAITING)
        pthread_cond_wait(&landed, &lock);
    pthread_mutex_unlock(&lock);
    if (!f)
        return read(c, v, arg, err);
    return fly(c, f, read, arg, v, err);
}

/* ---------------- reading a namespace ---------------- */

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
        rec_filters = dcs_records_filters(DCS_KIND_TERMINATED, c->req->ns, NULL, err);
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
        v->records = dcs_records_of(c, DCS_KIND_TERMINATED, gets[r_at].out);
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
