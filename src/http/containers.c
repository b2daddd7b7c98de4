/*
 * containers.c - /api/app/v1/[ns/]container/: one container per swarm task
 * of the namespace's services, read-only.  A container's uuid is derived
 * from its task's ID (as the service's "containers" list derives it), its
 * node is the resource URI of the swarm node it runs on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/resources.h"
#include "swarm/swarm.h"
#include "util/datetime.h"
#include "translate/translate.h"

static const char *task_state(const json_t *t)
{
    const char *s = json_string_value(json_object_get(json_object_get(t, "Status"), "State"));
    return s ? s : "";
}

static const char *container_state(const json_t *t)
{
    static const char *const starting[] = {"new", "pending", "assigned", "accepted",
                                           "preparing", "ready", "starting", NULL};
    const char *s = task_state(t);
    const char *desired = json_string_value(json_object_get(t, "DesiredState"));
    bool wanted = desired && !strcmp(desired, "running");

    if (!strcmp(s, "running"))
        return wanted ? "Running" : "Stopping";
    for (const char *const *a = starting; *a; a++)
        if (!strcmp(s, *a))
            return wanted ? "Starting" : "Stopping";
    return "Stopped";
}

static bool listed(const json_t *t)
{
    const char *desired = json_string_value(json_object_get(t, "DesiredState"));
    return (desired && !strcmp(desired, "running")) || !strcmp(container_state(t), "Stopping");
}

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

static json_t *container_object(struct dcs_ctx *c, const json_t *t, const json_t *svc_obj)
{
    const char *tid = json_string_value(json_object_get(t, "ID"));
    const char *node = json_string_value(json_object_get(t, "NodeID"));
    const json_t *cst = json_object_get(json_object_get(t, "Status"), "ContainerStatus");
    const json_t *exit_code = json_object_get(cst, "ExitCode");
    const char *state = container_state(t);
    const char *stamp = json_string_value(json_object_get(json_object_get(t, "Status"), "Timestamp"));
    json_t *obj = json_object();
    char uuid[37], nuuid[37], uri[512], name[300];
    long long slot = json_integer_value(json_object_get(t, "Slot"));

    for (const char *const *f = inherited; *f; f++) {
        json_t *v = json_object_get(svc_obj, *f);
        json_object_set(obj, *f, v ? v : json_null());
    }
    dcs_uuid_for("task", NULL, tid, uuid);
    dcs_uri(c, "container", uuid, uri, sizeof(uri));
    json_object_set_new(obj, "uuid", json_string(uuid));
    json_object_set_new(obj, "resource_uri", json_string(uri));
    if (!slot)
        slot = 1;
    snprintf(name, sizeof(name), "%s-%lld", json_string_value(json_object_get(svc_obj, "name")),
             slot);
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
    json_object_set_new(obj, "private_ip", json_null());
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

/* id (a uuid, or the task ID DOCKERCLOUD_CONTAINER_API_URI names a
 * container by, swarm's template knowing no uuid): that one alone. */
static int collect(struct dcs_ctx *c, json_t *out, const char *id, struct dcs_error *err)
{
    struct dcs_view v = {0};
    const json_t *s, *t;
    size_t i, j;
    int rc = DCS_ERR;

    if (dcs_view_load(c, &v, true, false, err))
        goto done;
    json_array_foreach(v.services, i, s) {
        const json_t *tasks = json_object_get(v.tasks, json_string_value(json_object_get(s, "ID")));
        json_t *svc_obj;
        if (!json_array_size(tasks))
            continue;
        svc_obj = dcs_service_object(c, &v, s, err);
        if (!svc_obj)
            goto done;
        json_array_foreach(tasks, j, t) {
            json_t *obj;
            if (!listed(t))
                continue;
            obj = container_object(c, t, svc_obj);
            const char *tid = json_string_value(json_object_get(t, "ID"));
            if ((!id || (tid && !strcmp(id, tid)) ||
                 !strcmp(id, json_string_value(json_object_get(obj, "uuid")))) &&
                matches(c, obj, dcs_label(s, DCS_LABEL_STACK)))
                json_array_append(out, obj);
            json_decref(obj);
        }
        json_decref(svc_obj);
    }
    rc = DCS_OK;
done:
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
