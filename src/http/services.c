/*
 * services.c - /api/app/v1/[ns/]service/ and /api/v1/service/: list with
 * filters and pages, create (not started), get, PATCH, the actions, and
 * terminate (DELETE), which keeps a record so the service reads as
 * Terminated for a while.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/resources.h"
#include "swarm/swarm.h"
#include "translate/normalize.h"
#include "translate/translate.h"

static bool starts_with(const char *s, const char *prefix)
{
    return s && !strncasecmp(s, prefix, strlen(prefix));
}

/* ---------------- listing ---------------- */

static bool label_is(const json_t *svc, const char *key, const char *want)
{
    const char *v = dcs_label(svc, key);
    return !want || (v && !strcmp(v, want));
}

/* The filters of a list request that labels answer, read once. */
struct list_filter {
    const char *uuid, *prefix, *name, *stack_name, *stack_uri;
};

static void list_filter_init(struct list_filter *f, const struct dcs_req *r)
{
    f->uuid = dcs_param(r, "uuid");
    f->prefix = dcs_param(r, "uuid__startswith");
    f->name = dcs_param(r, "name");
    f->stack_name = dcs_param(r, "stack__name");
    f->stack_uri = dcs_param(r, "stack");
}

static bool is(const char *have, const char *want)
{
    return !want || (have && !strcmp(have, want));
}

/* The filters that labels answer, before any object is built. */
static bool matches(struct dcs_ctx *c, const struct list_filter *f, const json_t *svc)
{
    const json_t *spec = json_object_get(svc, "Spec");
    const json_t *labels = json_object_get(spec ? spec : svc, "Labels");
    const char *uuid = json_string_value(json_object_get(labels, DCS_LABEL_UUID));
    const char *stack;

    if (!uuid || !is(uuid, f->uuid) || (f->prefix && !starts_with(uuid, f->prefix)))
        return false;
    if (f->name && !is(json_string_value(json_object_get(labels, DCS_LABEL_NAME)), f->name))
        return false;
    if (!f->stack_name && !f->stack_uri)
        return true;
    stack = json_string_value(json_object_get(labels, DCS_LABEL_STACK));
    if (!is(stack, f->stack_name))
        return false;
    if (f->stack_uri) {
        char suuid[37];
        if (!stack)
            return false;
        dcs_stack_uuid(c->req->ns, stack, suuid);
        /* The clients send the URI as they got it; the uuid identifies it. */
        if (!strstr(f->stack_uri, suuid))
            return false;
    }
    return true;
}

static int list(struct dcs_ctx *c, struct dcs_error *err)
{
    static const char *const allowed[] = {"uuid", "uuid__startswith", "name", "state", "stack",
                                          "stack__name", NULL};
    const char *state = dcs_param(c->req, "state");
    struct list_filter filter;
    struct dcs_view v = {0};
    json_t *cands = json_array(), *objects = json_array(), *s;
    long limit, offset, total;
    size_t i;
    int rc = DCS_ERR;

    if (dcs_check_params(c->req, allowed, err) ||
        dcs_check_state_param(c->req, dcs_service_states, err) ||
        dcs_page_params(c->req, &limit, &offset, err) ||
        dcs_view_load(c, &v, true, true, err))
        goto out;
    list_filter_init(&filter, c->req);
    json_array_foreach(v.services, i, s)
        if (matches(c, &filter, s))
            json_array_append(cands, s);
    json_array_foreach(v.records, i, s)
        if (matches(c, &filter, s))
            json_array_append(cands, s);
    /* Without a state filter only the page is built. */
    json_array_foreach(cands, i, s) {
        json_t *obj;
        if (!state && ((long)i < offset || (long)i >= offset + limit))
            continue;
        obj = dcs_service_object(c, &v, s, err);
        if (!obj)
            goto out;
        if (state && strcmp(state, json_string_value(json_object_get(obj, "state")))) {
            json_decref(obj);
            continue;
        }
        json_array_append_new(objects, obj);
    }
    total = state ? (long)json_array_size(objects) : (long)json_array_size(cands);
    if (state) {
        json_t *page = json_array();
        for (long k = offset; k < total && k < offset + limit; k++)
            json_array_append(page, json_array_get(objects, (size_t)k));
        json_decref(objects);
        objects = page;
    }
    rc = dcs_reply_page(c->req, objects, total, limit, offset);
    objects = NULL;
out:
    json_decref(objects);
    dcs_ctx_later(c, cands);
    dcs_view_release_later(c, &v);
    return rc;
}

/* ---------------- references between services ---------------- */

/* A service of the view by name, "name.stack", uuid or resource URI. */
static const json_t *resolve(struct dcs_ctx *c, const struct dcs_view *v, const char *ident)
{
    const json_t *s;
    size_t i;
    const char *dot = strchr(ident, '.');

    json_array_foreach(v->services, i, s) {
        const char *uuid = dcs_label(s, DCS_LABEL_UUID), *name = dcs_label(s, DCS_LABEL_NAME);
        const char *stack = dcs_label(s, DCS_LABEL_STACK);
        const char *at = strstr(ident, "/service/");
        if (!uuid || !name)
            continue;
        if (!strcmp(ident, uuid) || (at && !strncmp(at + 9, uuid, 36) && at[45] == '/'))
            return s;
        if (!strcmp(ident, name) && !stack)
            return s;
        if (dot && stack && !strcmp(dot + 1, stack) && strlen(name) == (size_t)(dot - ident) &&
            !strncmp(ident, name, (size_t)(dot - ident)))
            return s;
    }
    (void)c;
    return NULL;
}

static int rewrite_refs(struct dcs_ctx *c, const struct dcs_view *v, json_t *body,
                        const char *list_key, const char *key, const char *self,
                        json_t *peers, struct dcs_error *err)
{
    json_t *e;
    size_t i;
    char uri[512], path[128];

    json_array_foreach(json_object_get(body, list_key), i, e) {
        const char *ident = json_string_value(json_object_get(e, key));
        const json_t *s;
        json_t *canon;
        if (!ident)
            continue;
        s = resolve(c, v, ident);
        snprintf(path, sizeof(path), "%s[%zu].%s", list_key, i, key);
        if (!s)
            return dcs_error_status(err, 400, path, "no service \"%s\" in namespace %s",
                                    ident, c->req->ns);
        if (self && dcs_label(s, DCS_LABEL_UUID) && !strcmp(dcs_label(s, DCS_LABEL_UUID), self))
            return dcs_error_status(err, 400, path, strcmp(key, "to_service")
                                    ? "a service cannot take volumes from itself"
                                    : "a service cannot link to itself");
        snprintf(uri, sizeof(uri), "/api/app/v1/%s/service/%s/", c->req->ns,
                 dcs_label(s, DCS_LABEL_UUID));
        json_object_set_new(e, key, json_string(uri));
        /* Docker Cloud's default link name is the target's name. */
        if (!strcmp(key, "to_service") && !json_string_value(json_object_get(e, "name")))
            json_object_set_new(e, "name", json_string(dcs_label(s, DCS_LABEL_NAME)));
        canon = dcs_label(s, DCS_LABEL_SPEC) ? json_loads(dcs_label(s, DCS_LABEL_SPEC), 0, NULL)
                                             : NULL;
        if (canon)
            json_object_set_new(peers, uri, canon);
    }
    return DCS_OK;
}

/* The services canon (links and volumes_from already resource URIs) names,
 * added to peers by URI, as rewrite_refs adds those of a body. */
static void add_peers(struct dcs_ctx *c, const struct dcs_view *v, const json_t *canon,
                      json_t *peers)
{
    static const char *const lists[][2] = {{"linked_to_service", "to_service"},
                                           {"bindings", "volumes_from"}};
    const json_t *e, *s;
    size_t i, k;

    for (k = 0; k < 2; k++)
        json_array_foreach(json_object_get(canon, lists[k][0]), i, e) {
            const char *uri = json_string_value(json_object_get(e, lists[k][1]));
            const char *text;
            if (!uri || json_object_get(peers, uri) || !(s = resolve(c, v, uri)) ||
                !(text = dcs_label(s, DCS_LABEL_SPEC)))
                continue;
            json_object_set_new(peers, uri, json_loads(text, 0, NULL));
        }
}

/* Bodies as the clients send them: tags as strings or {"name"}, Go's
 * "outer_port": 0 meaning unset, null meaning absent. */
static json_t *client_body(const json_t *raw, struct dcs_error *err)
{
    json_t *b, *p;
    size_t i;
    const char *key;
    json_t *val;
    void *tmp;

    if (!json_is_object(raw)) {
        dcs_error_status(err, 400, NULL, "expected a JSON object");
        return NULL;
    }
    b = json_deep_copy(raw);
    json_object_foreach_safe(b, tmp, key, val)
        if (json_is_null(val))
            json_object_del(b, key);
    json_array_foreach(json_object_get(b, "container_ports"), i, p) {
        json_t *o = json_object_get(p, "outer_port");
        if ((json_is_integer(o) && !json_integer_value(o)) ||
            (json_is_string(o) && !*json_string_value(o)) || json_is_null(o))
            json_object_del(p, "outer_port");
    }
    return b;
}

/* ---------------- writing services ---------------- */

/* The namespace's network, created on first use; the others a service is
 * attached to (its stack's, its link targets') exist already. */
static int ensure_network(struct dcs_ctx *c, const json_t *spec, const char *stack,
                          struct dcs_error *err)
{
    const json_t *n;
    size_t i;
    char ns_net[300];

    dcs_ns_network(c->req->ns, ns_net, sizeof(ns_net));
    json_array_foreach(json_object_get(json_object_get(spec, "TaskTemplate"), "Networks"), i, n) {
        const char *target = json_string_value(json_object_get(n, "Target"));
        json_t *got, *body;
        struct dcs_error e = {0};
        char *id;
        if (!target || strcmp(target, ns_net) || stack || dcs_network_known(target, c->now))
            continue;
        got = dcs_network_inspect(c->eng, target, &e);
        if (got) {
            json_decref(got);
            dcs_network_seen(target, c->now);
            continue;
        }
        body = json_pack("{s:s, s:s, s:b, s:b, s:{s:s, s:s}}", "Name", target, "Driver",
                         "overlay", "Attachable", 1, "CheckDuplicate", 1, "Labels",
                         "dcswarm.network", "namespace", DCS_LABEL_NAMESPACE, c->req->ns);
        id = dcs_network_create(c->eng, body, err);
        json_decref(body);
        if (!id && err->status != 409)
            return DCS_ERR;
        free(id);
        dcs_network_seen(target, c->now);
    }
    return DCS_OK;
}

#define NETWORK_GONE_WAIT_S 20

/* A removed overlay network lingers on the manager while its last
 * containers stop (up to their stop grace): its name still resolves, to an
 * ID swarm no longer knows.  Wait, bounded, until the name is free. */
static void await_network_gone(struct dcs_ctx *c, const char *why)
{
    struct timespec step = {0, 250 * 1000000L};
    char net[300];

    dcs_ns_network(c->req->ns, net, sizeof(net));
    if (!strstr(why, net))
        return;
    for (int i = 0; i < NETWORK_GONE_WAIT_S * 4; i++) {
        struct dcs_error e = {0};
        json_t *got = dcs_network_inspect(c->eng, net, &e);
        json_decref(got);
        if (!got)
            return;
        nanosleep(&step, NULL);
    }
}

static void forget_networks(const json_t *spec, time_t now)
{
    const json_t *n;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(spec, "TaskTemplate"), "Networks"), i, n)
        if (json_string_value(json_object_get(n, "Target")))
            dcs_network_seen(json_string_value(json_object_get(n, "Target")),
                             now - 2 * 3600);
}

/* Record the action `kind` of the service and answer with the service as
 * the swarm now has it: the record is written while the service is read. */
static int answer_service(struct dcs_ctx *c, const char *kind, const char *uuid, int status,
                          struct dcs_error *err)
{
    struct dcs_view v = {0};
    struct dcs_error aerr = {0};
    const json_t *s;
    json_t *obj = NULL, *action;
    char uri[512], auuid[37];
    bool term;
    int rc;

    dcs_uri(c, "service", uuid, uri, sizeof(uri));
    action = dcs_action_config(c, kind, uuid, uri, NULL, auuid);
    if (!action)
        dcs_error_status(&aerr, 500, NULL, "out of memory");
    rc = dcs_view_load_one_posting(c, &v, uuid, action, &aerr, err);
    json_decref(action);
    dcs_action_recorded(c, kind, uuid, auuid, &aerr);
    if (rc)
        goto out;
    s = dcs_view_find(&v, uuid, &term, err);
    if (s)
        obj = dcs_service_object(c, &v, s, err);
out:
    dcs_view_release_later(c, &v);
    return obj ? dcs_reply(c->req, status, obj) : DCS_ERR;
}

static void set_warnings(struct dcs_req *r, const json_t *warnings)
{
    if (json_array_size(warnings))
        r->warnings = json_dumps(warnings, JSON_COMPACT | JSON_ENSURE_ASCII);
}

/* Does a body name other services (links, volumes_from)?  Only then is
 * the whole namespace read to resolve them. */
static bool names_others(const json_t *body)
{
    return json_array_size(json_object_get(body, "linked_to_service")) ||
           json_array_size(json_object_get(body, "bindings"));
}

/* "<ns>_<name>" on the swarm, on the namespace's network, answering to
 * its Docker Cloud name there (names.c). */
static int name_and_network(struct dcs_ctx *c, json_t *spec, const char *name,
                            struct dcs_error *err)
{
    char swarm_name[DCS_SWARM_NAME_MAX + 64];
    json_t *aliases, *from = json_array();

    if (!name)
        name = "";
    if (dcs_swarm_name(c->req->ns, name, swarm_name, sizeof(swarm_name), err)) {
        json_decref(from);
        return DCS_ERR;
    }
    json_object_set_new(spec, "Name", json_string(swarm_name));
    aliases = dcs_aliases(NULL, name, from);
    dcs_spec_network(spec, c->req->ns, aliases, from);
    json_decref(aliases);
    json_decref(from);
    return DCS_OK;
}

static int create(struct dcs_ctx *c, struct dcs_error *err)
{
    struct dcs_view v = {0};
    struct dcs_translate_opts o = {0};
    json_t *body = NULL, *canon = NULL, *spec = NULL, *peers = NULL;
    json_t *warnings = json_array(), *lc;
    const json_t *s;
    const char *name;
    char uuid[37], *id = NULL;
    size_t i;
    int rc = DCS_ERR;

    if (names_others(c->req->json) || !json_string_value(json_object_get(c->req->json, "name"))
            ? dcs_view_load(c, &v, false, false, err)
            : dcs_view_load_named(c, &v, json_string_value(json_object_get(c->req->json, "name")),
                                  err))
        goto out;
    peers = json_object();
    body = client_body(c->req->json, err);
    if (!body || rewrite_refs(c, &v, body, "linked_to_service", "to_service", NULL, peers, err) ||
        rewrite_refs(c, &v, body, "bindings", "volumes_from", NULL, peers, err))
        goto out;
    canon = dcs_normalize_api(body, DCS_API_CREATE, NULL, err);
    if (!canon)
        goto out;
    name = json_string_value(json_object_get(canon, "name"));
    json_array_foreach(v.services, i, s)
        if (name && label_is(s, DCS_LABEL_NAME, name) && !dcs_label(s, DCS_LABEL_STACK)) {
            dcs_error_status(err, 409, "name", "a service named \"%s\" already exists", name);
            goto out;
        }
    dcs_uuid_random(uuid);
    o.format = DCS_INPUT_CREATE;
    o.namespace_ = c->req->ns;
    json_object_set(peers, uuid, canon);
    spec = dcs_forward_service(canon, peers, &o, uuid, warnings, err);
    if (!spec)
        goto out;
    lc = json_pack("{s:s}", "state", "not-started");
    dcs_lifecycle_set(spec, lc);
    json_decref(lc);
    dcs_spec_not_started(spec);
    if (name_and_network(c, spec, name, err) || dcs_container_env(c, spec, err) ||
        ensure_network(c, spec, NULL, err))
        goto out;
    dcs_link_networks(spec, v.services, canon);
    id = dcs_service_create(c->eng, spec, NULL, err);
    if (!id && err->code == DCS_E_NETWORK_NOT_FOUND) {
        /* The network was removed since ensure_network saw it (its cache
         * keeps a name DCS_NETWORK_TTL seconds), or is being removed: make
         * it again, once the old one is gone. */
        forget_networks(spec, c->now);
        await_network_gone(c, err->text);
        if (!ensure_network(c, spec, NULL, err))
            id = dcs_service_create(c->eng, spec, NULL, err);
    }
    if (!id) {
        if (err->status == 409)
            dcs_error_status(err, 409, "name", "a service named \"%s\" already exists on the "
                             "swarm", name ? name : "");
        goto out;
    }
    if (dcs_update_link_targets(c, v.services, uuid, NULL, canon, err)) {
        struct dcs_error ignored = {0};
        dcs_service_remove(c->eng, id, &ignored);
        goto out;
    }
    set_warnings(c->req, warnings);
    dcs_view_id_seen(uuid, id);
    rc = answer_service(c, "create", uuid, 201, err);
out:
    free(id);
    json_decref(body);
    json_decref(canon);
    json_decref(spec);
    json_decref(peers);
    json_decref(warnings);
    dcs_view_release(&v);
    return rc;
}

/* ---------------- PATCH ---------------- */

struct patch {
    const json_t *new_spec;
    bool labels_only;   /* what the tasks run is unchanged: keep it as is */
};

/* The whole Spec from the merged canonical service; what the lifecycle
 * decides (replicas, the stop constraint, lifecycle label) is kept. */
static int replace_spec(json_t *spec, const json_t *svc, void *arg, struct dcs_error *err)
{
    struct patch *p = arg;
    json_t *old_labels = json_deep_copy(json_object_get(spec, "Labels"));
    json_t *old_mode = json_deep_copy(json_object_get(spec, "Mode"));
    json_t *old_cons = json_deep_copy(json_object_get(json_object_get(
        json_object_get(spec, "TaskTemplate"), "Placement"), "Constraints"));
    json_t *force = json_object_get(json_object_get(spec, "TaskTemplate"), "ForceUpdate");
    json_t *ff = json_incref(force);
    const char *key;
    json_t *val, *labels, *c;
    size_t i;

    (void)svc;
    (void)err;
    if (p->labels_only) {
        json_object_set(spec, "Labels", json_object_get(p->new_spec, "Labels"));
        json_object_foreach(old_labels, key, val)
            if (!json_object_get(json_object_get(spec, "Labels"), key) &&
                strcmp(key, DCS_LABEL_LINKENV))
                json_object_set(json_object_get(spec, "Labels"), key, val);
        json_decref(ff);
        json_decref(old_labels);
        json_decref(old_mode);
        json_decref(old_cons);
        return DCS_OK;
    }
    json_object_clear(spec);
    {
        json_t *copy = json_deep_copy(p->new_spec);
        json_object_update(spec, copy);
        json_decref(copy);
    }
    labels = json_object_get(spec, "Labels");
    json_object_foreach(old_labels, key, val)
        if (!json_object_get(labels, key) && strcmp(key, DCS_LABEL_LINKENV))
            json_object_set(labels, key, val);
    if (json_object_get(old_mode, "Replicated") && json_object_get(spec, "Mode"))
        json_object_set(spec, "Mode", old_mode);
    json_array_foreach(old_cons, i, c)
        if (!strcmp(json_string_value(c), DCS_STOP_CONSTRAINT) &&
            json_object_get(json_object_get(spec, "Mode"), "Global")) {
            json_t *tt = json_object_get(spec, "TaskTemplate"), *pl = json_object_get(tt, "Placement");
            if (!pl) {
                pl = json_object();
                json_object_set_new(tt, "Placement", pl);
            }
            if (!json_object_get(pl, "Constraints"))
                json_object_set_new(pl, "Constraints", json_array());
            json_array_append(json_object_get(pl, "Constraints"), c);
        }
    if (ff)
        json_object_set(json_object_get(spec, "TaskTemplate"), "ForceUpdate", ff);
    json_decref(ff);
    json_decref(old_labels);
    json_decref(old_mode);
    json_decref(old_cons);
    return DCS_OK;
}

static bool same_tasks(const json_t *a, const json_t *b)
{
    static const char *const keys[] = {"TaskTemplate", "EndpointSpec", "Name", NULL};

    for (const char *const *k = keys; *k; k++)
        if (!json_equal(json_object_get(a, *k), json_object_get(b, *k)))
            return false;
    return json_equal(json_object_get(json_object_get(a, "Mode"), "Global"),
                      json_object_get(json_object_get(b, "Mode"), "Global"));
}

static bool every_node(const json_t *canon)
{
    const char *s = json_string_value(json_object_get(canon, "deployment_strategy"));
    return s && !strcmp(s, "EVERY_NODE");
}

/* The translator gives a service the aliases of the peers it was handed;
 * its own name and the links of the whole namespace decide them here, for
 * both versions, so that comparing them sees only real changes. */
static void own_network(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                        const json_t *before, const json_t *canon, json_t *spec,
                        json_t *old_spec)
{
    const char *uuid = dcs_label(svc, DCS_LABEL_UUID);
    const char *label = dcs_label(svc, DCS_LABEL_LINKED_FROM);
    const json_t *now = json_object_get(svc, "Spec");
    /* A view of the service alone has its label to go by. */
    json_t *from = v->one && label ? json_loads(label, 0, NULL)
                                   : dcs_links_to(v->services, uuid, uuid, canon);
    /* What its stack gave it stays (link_aliases.h). */
    json_t *aliases = dcs_aliases(now, dcs_label(svc, DCS_LABEL_NAME), from);

    dcs_spec_network(spec, c->req->ns, aliases, from);
    if (v->one)
        dcs_keep_link_networks(spec, now);
    else
        dcs_link_networks(spec, v->services, canon);
    if (old_spec) {
        dcs_spec_network(old_spec, c->req->ns, aliases, from);
        if (v->one)
            dcs_keep_link_networks(old_spec, now);
        else
            dcs_link_networks(old_spec, v->services, before);
        json_object_set(old_spec, "Name", json_object_get(spec, "Name"));
    }
    json_decref(aliases);
    json_decref(from);
}

static int patch(struct dcs_ctx *c, struct dcs_view *v, const json_t *svc, struct dcs_error *err)
{
    struct dcs_translate_opts o = {0};
    json_t *body = NULL, *delta = NULL, *canon = NULL, *spec = NULL, *peers = json_object();
    json_t *warnings = json_array(), *val, *before = NULL, *old_spec = NULL;
    const char *key, *uuid = dcs_label(svc, DCS_LABEL_UUID);
    const char *text = dcs_label(svc, DCS_LABEL_SPEC);
    int rc = DCS_ERR;

    body = client_body(c->req->json, err);
    if (!body || rewrite_refs(c, v, body, "linked_to_service", "to_service", uuid, peers, err) ||
        rewrite_refs(c, v, body, "bindings", "volumes_from", uuid, peers, err))
        goto out;
    delta = dcs_normalize_api(body, DCS_API_PATCH, NULL, err);
    canon = text ? json_loads(text, 0, NULL) : NULL;
    if (!delta || !canon) {
        if (delta)
            dcs_error_status(err, 400, NULL, "this service has no dcswarm.spec label: "
                             "update it with docker service update");
        goto out;
    }
    if (json_object_get(delta, "deployment_strategy") && every_node(delta) != every_node(canon)) {
        dcs_error_status(err, 400, "deployment_strategy", "a service cannot be updated to or "
                         "from a deployment strategy of EVERY_NODE");
        goto out;
    }
    if (json_object_get(delta, "name") && !json_equal(json_object_get(delta, "name"),
                                                      json_object_get(canon, "name"))) {
        dcs_error_status(err, 400, "name", "a service cannot be renamed");
        goto out;
    }
    before = json_deep_copy(canon);
    json_object_foreach(delta, key, val)
        json_object_set(canon, key, val);
    add_peers(c, v, canon, peers);
    add_peers(c, v, before, peers);
    o.format = DCS_INPUT_CREATE;
    o.namespace_ = c->req->ns;
    o.stack = dcs_label(svc, DCS_LABEL_STACK);
    json_object_set(peers, uuid, canon);
    spec = dcs_forward_service(canon, peers, &o, uuid, warnings, err);
    if (!spec || dcs_container_env(c, spec, err))
        goto out;
    if (!o.stack || strcmp(json_string_value(json_object_get(spec, "Name")),
                           json_string_value(json_object_get(json_object_get(svc, "Spec"), "Name"))))
        json_object_set(spec, "Name", json_object_get(json_object_get(svc, "Spec"), "Name"));
    /* A change of kept fields or of the target only must not restart the
     * containers: compare what both versions of the service translate to. */
    old_spec = dcs_forward_service(before, peers, &o, uuid, NULL, err);
    if (old_spec && dcs_container_env(c, old_spec, err))
        goto out;
    own_network(c, v, svc, before, canon, spec, old_spec);
    if (ensure_network(c, spec, o.stack, err))
        goto out;
    {
        struct patch p = {spec, old_spec && same_tasks(old_spec, spec)};
        if (dcs_service_update_with(c->eng, json_string_value(json_object_get(svc, "ID")),
                                    replace_spec, &p, err))
            goto out;
    }
    /* Links the body does not mention are unchanged, and so their targets. */
    if (json_object_get(c->req->json, "linked_to_service") &&
        dcs_update_link_targets(c, v->services, uuid, before, canon, err))
        goto out;
    set_warnings(c->req, warnings);
    rc = answer_service(c, "update", uuid, 200, err);
out:
    json_decref(body);
    json_decref(delta);
    json_decref(canon);
    json_decref(before);
    json_decref(old_spec);
    json_decref(spec);
    json_decref(peers);
    json_decref(warnings);
    return rc;
}

static int terminate(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                     struct dcs_error *err)
{
    struct dcs_view none = {0};
    json_t *rec = NULL, *obj;
    int rc = DCS_ERR;

    if (dcs_service_terminate(c, v, svc, &rec, err))
        return DCS_ERR;
    dcs_triggers_remove(c, svc);
    obj = dcs_service_object(c, &none, rec, err);
    if (obj) {
        json_object_set_new(obj, "state", json_string("Terminating"));
        rc = dcs_reply(c->req, 202, obj);
    }
    json_decref(rec);
    return rc;
}

/* ---------------- actions ---------------- */

static int check_reuse_volumes(struct dcs_ctx *c, struct dcs_error *err)
{
    static const char *const ok[] = {"True", "true", "False", "false", "1", "0", NULL};
    const char *v = dcs_param(c->req, "reuse_volumes");

    if (!v)
        return DCS_OK;
    for (const char *const *o = ok; *o; o++)
        if (!strcmp(v, *o))
            return DCS_OK;
    return dcs_error_status(err, 400, "reuse_volumes", "expected true or false, got \"%s\"", v);
}

static int act(struct dcs_ctx *c, const json_t *svc, const char *verb, struct dcs_error *err)
{
    const char *uuid = dcs_label(svc, DCS_LABEL_UUID);

    if (!strcmp(verb, "redeploy") && check_reuse_volumes(c, err))
        return DCS_ERR;
    if (dcs_lifecycle_apply(c, svc, verb, err))
        return DCS_ERR;
    return answer_service(c, verb, uuid, 202, err);
}

int dcs_service_redeploy_to(struct dcs_ctx *c, const json_t *svc, const char *image,
                            char *action_uri, size_t len, struct dcs_error *err)
{
    const char *uuid = dcs_label(svc, DCS_LABEL_UUID);
    struct dcs_view v = {0};
    struct dcs_error aerr = {0};
    json_t *action;
    char uri[512], auuid[37];
    int rc;

    if (dcs_lifecycle_apply_image(c, svc, "redeploy", image, err))
        return DCS_ERR;
    dcs_uri(c, "service", uuid, uri, sizeof(uri));
    action = dcs_action_config(c, "redeploy", uuid, uri, NULL, auuid);
    if (!action)
        dcs_error_status(&aerr, 500, NULL, "out of memory");
    rc = dcs_view_load_one_posting(c, &v, uuid, action, &aerr, err);
    json_decref(action);
    dcs_action_recorded(c, "redeploy", uuid, auuid, &aerr);
    dcs_view_release(&v);
    snprintf(action_uri, len, "%s", c->req->action_uri);
    return rc;
}

int dcs_service_run(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                    const json_t *obj, const char *verb, int more, struct dcs_error *err)
{
    const char *state = json_string_value(json_object_get(obj, "state"));
    json_int_t target = json_integer_value(json_object_get(obj, "target_num_containers"));
    struct dcs_view all = {0};
    const json_t *in_all;
    json_t *asked = c->req->json;
    bool term;
    int rc;

    if (more > 0) {
        /* An update of target_num_containers first, as a PATCH makes it
         * (with the namespace: the links are translated again). */
        if (dcs_lifecycle_allowed("update", state, err) ||
            dcs_view_load(c, &all, true, true, err))
            return DCS_ERR;
        in_all = dcs_view_find(&all, dcs_label(svc, DCS_LABEL_UUID), &term, err);
        c->req->json = json_pack("{s:I}", "target_num_containers", target + more);
        rc = in_all ? patch(c, &all, in_all, err) : DCS_ERR;
        json_decref(c->req->json);
        c->req->json = asked;
        dcs_view_release(&all);
        if (rc)
            return DCS_ERR;
        json_decref(c->req->answer); /* the scale's answer follows */
        c->req->answer = NULL;
    }
    (void)v;
    if (dcs_lifecycle_allowed(verb, state, err))
        return DCS_ERR;
    return act(c, svc, verb, err);
}

/* ---------------- routing ---------------- */


/* Reading one service and its actions need only the service (view.c);
 * a PATCH or DELETE needs the namespace when links change or must be
 * undone, or when the service has no label of the links to it. */
static bool needs_namespace(const struct dcs_req *r, const json_t *svc)
{
    const char *text = dcs_label(svc, DCS_LABEL_SPEC);
    json_t *canon;
    bool links;

    if (strcmp(r->method, "PATCH") && strcmp(r->method, "DELETE"))
        return false;
    if (!dcs_label(svc, DCS_LABEL_LINKED_FROM))
        return true;
    canon = text ? json_loads(text, 0, NULL) : NULL;
    /* A PATCH translates the service again: the services it links to or
     * mounts volumes from give it variables and mounts. */
    if (!strcmp(r->method, "PATCH"))
        links = names_others(r->json) || json_object_get(r->json, "linked_to_service") ||
                names_others(canon);
    else
        links = json_array_size(json_object_get(canon, "linked_to_service")) > 0;
    json_decref(canon);
    return links;
}

static int one(struct dcs_ctx *c, struct dcs_error *err)
{
    struct dcs_req *r = c->req;
    const char *verb = r->rt.verb;
    struct dcs_view v = {0};
    const json_t *svc;
    json_t *obj = NULL;
    bool term;
    int rc = DCS_ERR;
    bool is_get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");

    bool trigger = !strcmp(verb, "trigger");

    if (*verb && strcmp(verb, "start") && strcmp(verb, "stop") && strcmp(verb, "scale") &&
        strcmp(verb, "redeploy") && !trigger)
        return dcs_error_status(err, 404, NULL, "not found");
    if (*verb && !trigger && strcmp(r->method, "POST"))
        return dcs_method_not_allowed(r, "POST", err);
    if (!*verb && !is_get && strcmp(r->method, "PATCH") && strcmp(r->method, "DELETE"))
        return dcs_method_not_allowed(r, "GET, PATCH, DELETE", err);
    if (dcs_view_load_one(c, &v, r->rt.id, err))
        goto out;
    svc = dcs_view_find(&v, r->rt.id, &term, err);
    if (svc && needs_namespace(r, svc)) {
        dcs_view_release(&v);
        if (dcs_view_load(c, &v, true, true, err))
            goto out;
        svc = dcs_view_find(&v, r->rt.id, &term, err);
    }
    if (!svc)
        goto out;
    obj = dcs_service_object(c, &v, svc, err);
    if (!obj)
        goto out;
    if (is_get && !*verb) {
        rc = dcs_reply(r, 200, obj);
        obj = NULL;
        goto out;
    }
    if (trigger) {
        rc = dcs_triggers_route(c, &v, svc, obj, err);
        goto out;
    }
    {
        const char *state = json_string_value(json_object_get(obj, "state"));
        const char *what = *verb ? verb : !strcmp(r->method, "PATCH") ? "update" : "terminate";
        if (dcs_lifecycle_allowed(what, state, err))
            goto out;
        if (!strcmp(what, "update"))
            rc = patch(c, &v, svc, err);
        else if (!strcmp(what, "terminate"))
            rc = terminate(c, &v, svc, err);
        else
            rc = act(c, svc, what, err);
    }
out:
    json_decref(obj);
    dcs_view_release_later(c, &v);
    return rc;
}

int dcs_services_route(struct dcs_ctx *c, struct dcs_error *err)
{
    struct dcs_req *r = c->req;

    if (r->rt.id[0])
        return one(c, err);
    if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))
        return list(c, err);
    if (!strcmp(r->method, "POST"))
        return create(c, err);
    return dcs_method_not_allowed(r, "GET, POST", err);
}
