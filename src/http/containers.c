/*
 * containers.c - /api/app/v1/[ns/]container/: one container per swarm task
 * of the namespace's services, read-only.  A container's uuid is derived
 * from its task's ID (as the service's "containers" list derives it), its
 * node is the resource URI of the swarm node it runs on, its private_ip
 * its address on its service's network, and its links are to and from the
 * running containers of the services its service links with (what
 * dockercloud-haproxy builds its backends from).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/resources.h"
#include "swarm/swarm.h"
#include "util/datetime.h"
#include "translate/translate.h"

static void datetime(json_t *obj, const char *field, const char *engine_time)
{
    char buf[DCS_DATETIME_LEN];

    if (engine_time && dcs_datetime_from_engine(engine_time, buf))
        json_object_set_new(obj, field, json_string(buf));
    else
        json_object_set_new(obj, field, json_null());
}

/* Fields a container shares with its service. */
static const char *const inherited[] = {
    "autodestroy", "autorestart", "bindings", "cap_add", "cap_drop", "cgroup_parent",
    "container_envvars", "calculated_envvars", "container_ports", "cpu_shares", "cpuset",
    "devices", "dns", "dns_search", "entrypoint", "extra_hosts", "hostname", "image_name",
    "labels", "link_variables", "mac_address", "memory", "memory_swap", "net", "pid",
    "privileged", "read_only", "roles", "run_command", "security_opt", "stdin_open", "tty",
    "user", "working_dir", "public_dns", "synchronized", NULL};

static bool on_network(const json_t *attachment, const json_t *ids)
{
    const char *id = json_string_value(json_object_get(json_object_get(attachment, "Network"),
                                                       "ID"));
    const json_t *v;
    size_t i;

    json_array_foreach(ids, i, v)
        if (id && !strcmp(id, json_string_value(v)))
            return true;
    return false;
}

/* The task's address (without its prefix length) on a network of `ids`
 * (NULL: any), never the ingress network; "" when it has none yet. */
static void task_address(const json_t *t, const json_t *ids, char *out, size_t len)
{
    const json_t *a;
    size_t i;

    *out = '\0';
    json_array_foreach(json_object_get(t, "NetworksAttachments"), i, a) {
        const json_t *spec = json_object_get(json_object_get(a, "Network"), "Spec");
        const char *addr = json_string_value(json_array_get(json_object_get(a, "Addresses"), 0));
        if (!addr || json_is_true(json_object_get(spec, "Ingress")) ||
            (ids && !on_network(a, ids)))
            continue;
        snprintf(out, len, "%.*s", (int)strcspn(addr, "/"), addr);
        return;
    }
}

/* The IDs of the networks the task is attached to (new array). */
static json_t *task_networks(const json_t *t)
{
    json_t *ids = json_array();
    const json_t *a;
    size_t i;

    json_array_foreach(json_object_get(t, "NetworksAttachments"), i, a) {
        const json_t *id = json_object_get(json_object_get(a, "Network"), "ID");
        if (json_is_string(id))
            json_array_append(ids, (json_t *)id);
    }
    return ids;
}

static json_t *container_object(struct dcs_ctx *c, const json_t *t, const json_t *svc_obj,
                                const json_t *tasks)
{
    const char *tid = json_string_value(json_object_get(t, "ID"));
    const char *node = json_string_value(json_object_get(t, "NodeID"));
    const json_t *cst = json_object_get(json_object_get(t, "Status"), "ContainerStatus");
    const json_t *exit_code = json_object_get(cst, "ExitCode");
    const char *state = dcs_container_state(t);
    const char *stamp = json_string_value(json_object_get(json_object_get(t, "Status"), "Timestamp"));
    json_t *obj = json_object();
    char uuid[37], nuuid[37], uri[512], name[300], ip[64];

    for (const char *const *f = inherited; *f; f++) {
        json_t *v = json_object_get(svc_obj, *f);
        json_object_set(obj, *f, v ? v : json_null());
    }
    dcs_uuid_for("task", NULL, tid, uuid);
    dcs_uri(c, "container", uuid, uri, sizeof(uri));
    json_object_set_new(obj, "uuid", json_string(uuid));
    json_object_set_new(obj, "resource_uri", json_string(uri));
    dcs_container_name(json_string_value(json_object_get(svc_obj, "name")), t, tasks, name,
                       sizeof(name));
    json_object_set_new(obj, "name", json_string(name));
    json_object_set_new(obj, "state", json_string(state));
    json_object_set_new(obj, "exit_code", json_is_integer(exit_code) && !strcmp(state, "Stopped")
                                              ? json_incref((json_t *)exit_code) : json_null());
    json_object_set_new(obj, "exit_code_msg", json_null());
    json_object_set(obj, "service", json_object_get(svc_obj, "resource_uri"));
    if (node) {
        dcs_uuid_for("node", NULL, node, nuuid);
        snprintf(uri, sizeof(uri), "%snode/%s/", c->req->rt.family == DCS_FAM_TUTUM
                 ? "/api/v1/" : "/api/infra/v1/", nuuid);
        json_object_set_new(obj, "node", json_string(uri));
    } else {
        json_object_set_new(obj, "node", json_null());
    }
    datetime(obj, "deployed_datetime", json_string_value(json_object_get(t, "CreatedAt")));
    datetime(obj, "started_datetime", !strcmp(state, "Running") ? stamp : NULL);
    datetime(obj, "stopped_datetime", !strcmp(state, "Stopped") ? stamp : NULL);
    json_object_set_new(obj, "destroyed_datetime", json_null());
    json_object_set_new(obj, "linked_to_container", json_array());
    json_object_set_new(obj, "linked_from_container", json_array());
    task_address(t, NULL, ip, sizeof(ip));
    json_object_set_new(obj, "private_ip", *ip ? json_string(ip) : json_null());
    json_object_set_new(obj, "nickname", json_string(name));
    return obj;
}

static bool matches(struct dcs_ctx *c, const json_t *obj, const char *stack)
{
    static const char *const exact[] = {"uuid", "name", "state", "service", NULL};
    const char *prefix = dcs_param(c->req, "uuid__startswith");
    const char *sstack = dcs_param(c->req, "service__stack__name");

    for (const char *const *f = exact; *f; f++) {
        const char *want = dcs_param(c->req, *f);
        if (want && strcmp(want, json_string_value(json_object_get(obj, *f))
                                     ? json_string_value(json_object_get(obj, *f)) : ""))
            return false;
    }
    if (prefix && strncasecmp(json_string_value(json_object_get(obj, "uuid")), prefix,
                              strlen(prefix)))
        return false;
    return !sstack || (stack && !strcmp(stack, sstack));
}

/* A container made, with what linking it needs. */
struct made {
    json_t *obj;
    const json_t *task, *svc_obj;
    const char *stack;
    long long number;
};

static bool running(const struct made *m)
{
    return !strcmp(json_string_value(json_object_get(m->obj, "state")), "Running");
}

/* What a container of `to` offers the container `from` links from: every
 * port of its service at its address on a network they share. */
static json_t *endpoints(const struct made *to, const json_t *from_networks)
{
    json_t *out = json_object();
    const json_t *p;
    size_t i;
    char ip[64], key[64], url[160];

    task_address(to->task, from_networks, ip, sizeof(ip));
    if (!*ip)
        task_address(to->task, NULL, ip, sizeof(ip));
    json_array_foreach(json_object_get(to->svc_obj, "container_ports"), i, p) {
        const char *proto = json_string_value(json_object_get(p, "protocol"));
        long long port = json_integer_value(json_object_get(p, "inner_port"));
        proto = proto ? proto : "tcp";
        snprintf(key, sizeof(key), "%lld/%s", port, proto);
        snprintf(url, sizeof(url), "%s://%s:%lld", proto, ip, port);
        if (*ip)
            json_object_set_new(out, key, json_string(url));
    }
    return out;
}

/* One link from container a to the running containers of the service its
 * link l names, recorded on both sides. */
static void link_one(struct made *m, size_t n, struct made *a, const json_t *l)
{
    const char *to = json_string_value(json_object_get(l, "to_service"));
    const char *alias = json_string_value(json_object_get(l, "name"));
    json_t *nets = task_networks(a->task), *entry;
    char name[300];

    for (size_t k = 0; to && k < n; k++) {
        struct made *b = &m[k];
        const char *uri = json_string_value(json_object_get(b->svc_obj, "resource_uri"));
        if (!uri || strcmp(uri, to) || !running(b))
            continue;
        snprintf(name, sizeof(name), "%s-%lld", alias && *alias ? alias
                 : json_string_value(json_object_get(b->svc_obj, "name")), b->number);
        entry = json_pack("{s:s, s:O, s:O, s:o}", "name", name, "from_container",
                          json_object_get(a->obj, "resource_uri"), "to_container",
                          json_object_get(b->obj, "resource_uri"), "endpoints",
                          endpoints(b, nets));
        if (!entry)
            continue;
        json_array_append(json_object_get(a->obj, "linked_to_container"), entry);
        json_array_append_new(json_object_get(b->obj, "linked_from_container"), entry);
    }
    json_decref(nets);
}

/* Docker Cloud's container links: one per running container of every
 * service a running container's service links to. */
static void link_containers(struct made *m, size_t n)
{
    const json_t *l;
    size_t i;

    for (size_t k = 0; k < n; k++)
        if (running(&m[k]))
            json_array_foreach(json_object_get(m[k].svc_obj, "linked_to_service"), i, l)
                link_one(m, n, &m[k], l);
}

static bool grow(struct made **m, size_t n, size_t *cap)
{
    size_t want = *cap ? 2 * *cap : 16;
    struct made *grown;

    if (n < *cap)
        return true;
    if (!(grown = realloc(*m, want * sizeof(**m))))
        return false;
    *m = grown;
    *cap = want;
    return true;
}

/* Every listed task of the view's services as a container, into *out
 * (*n of them, made even when it fails: the caller frees them). */
static int make_all(struct dcs_ctx *c, struct dcs_view *v, json_t *svc_objs, struct made **out,
                    size_t *n, struct dcs_error *err)
{
    const json_t *s, *t;
    size_t i, j, cap = 0;
    json_t *svc_obj;

    json_array_foreach(v->services, i, s) {
        const json_t *tasks = json_object_get(v->tasks, json_string_value(json_object_get(s, "ID")));
        if (!json_array_size(tasks))
            continue;
        if (!(svc_obj = dcs_service_object(c, v, s, err)))
            return DCS_ERR;
        json_array_append_new(svc_objs, svc_obj);
        json_array_foreach(tasks, j, t) {
            if (!dcs_container_listed(t))
                continue;
            if (!grow(out, *n, &cap))
                return dcs_error_status(err, 500, NULL, "out of memory");
            (*out)[(*n)++] = (struct made){container_object(c, t, svc_obj, tasks), t, svc_obj,
                                           dcs_label(s, DCS_LABEL_STACK),
                                           dcs_container_number(t, tasks)};
        }
    }
    return DCS_OK;
}

/* id (a uuid, or the task ID DOCKERCLOUD_CONTAINER_API_URI names a
 * container by, swarm's template knowing no uuid): that one alone. */
static int collect(struct dcs_ctx *c, json_t *out, const char *id, struct dcs_error *err)
{
    struct dcs_view v = {0};
    json_t *svc_objs = json_array();
    struct made *m = NULL;
    size_t n = 0;
    int rc = DCS_ERR;

    if (dcs_view_load(c, &v, true, false, err) || make_all(c, &v, svc_objs, &m, &n, err))
        goto done;
    link_containers(m, n);
    for (size_t k = 0; k < n; k++) {
        const char *tid = json_string_value(json_object_get(m[k].task, "ID"));
        if ((!id || (tid && !strcmp(id, tid)) ||
             !strcmp(id, json_string_value(json_object_get(m[k].obj, "uuid")))) &&
            matches(c, m[k].obj, m[k].stack))
            json_array_append(out, m[k].obj);
    }
    rc = DCS_OK;
done:
    for (size_t k = 0; k < n; k++)
        json_decref(m[k].obj);
    free(m);
    json_decref(svc_objs);
    dcs_view_release_later(c, &v);
    return rc;
}

int dcs_containers_route(struct dcs_ctx *c, struct dcs_error *err)
{
    static const char *const allowed[] = {"uuid", "uuid__startswith", "name", "state", "service",
                                          "service__stack__name", NULL};
    struct dcs_req *r = c->req;
    json_t *all;
    int rc = DCS_ERR;

    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
        snprintf(r->allow, sizeof(r->allow), "GET");
        return dcs_error_status(err, 405, NULL, "containers are read-only here: act on their "
                                "service (allowed: GET)");
    }
    if (r->rt.verb[0])
        return dcs_error_status(err, 404, NULL, "not found");
    if (r->rt.id[0]) {
        json_object_clear(r->params);
    } else if (dcs_check_params(r, allowed, err) ||
               dcs_check_state_param(r, dcs_container_states, err)) {
        return DCS_ERR;
    }
    all = json_array();
    if (collect(c, all, r->rt.id[0] ? r->rt.id : NULL, err))
        goto out;
    if (!r->rt.id[0]) {
        rc = dcs_reply_list(r, all, err);
    } else if (!json_array_size(all)) {
        rc = dcs_error_status(err, 404, NULL, "no container with uuid %s", r->rt.id);
    } else {
        rc = dcs_reply(r, 200, json_incref(json_array_get(all, 0)));
    }
out:
    json_decref(all);
    return rc;
}
