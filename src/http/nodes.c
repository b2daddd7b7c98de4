/*
 * nodes.c - /api/infra/v1/[ns/]node/: the swarm's nodes as Docker Cloud
 * nodes, read-only.  A node's uuid is derived from its swarm ID.  Node
 * clusters do not exist on swarm: the list is empty, node_cluster null.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/resources.h"
#include "swarm/swarm.h"
#include "util/datetime.h"
#include "translate/translate.h"

static void datetime(json_t *obj, const char *field, const json_t *engine_time)
{
    char buf[DCS_DATETIME_LEN];
    const char *s = json_string_value(engine_time);

    json_object_set_new(obj, field, s && dcs_datetime_from_engine(s, buf) ? json_string(buf)
                                                                          : json_null());
}

static json_t *node_tags(const json_t *labels)
{
    json_t *tags = json_array(), *v;
    const char *key;

    json_object_foreach((json_t *)labels, key, v)
        if (!strcmp(json_string_value(v) ? json_string_value(v) : "", "true"))
            json_array_append_new(tags, json_pack("{s:s}", "name", key));
    return tags;
}

static json_t *node_object(struct dcs_ctx *c, const json_t *n, const json_t *tasks)
{
    const json_t *desc = json_object_get(n, "Description");
    const json_t *status = json_object_get(n, "Status"), *t;
    const char *id = json_string_value(json_object_get(n, "ID"));
    const char *st = json_string_value(json_object_get(status, "State"));
    long long running = 0;
    json_int_t cpu = json_integer_value(json_object_get(json_object_get(desc, "Resources"),
                                                        "NanoCPUs")) / 1000000000;
    json_int_t mem = json_integer_value(json_object_get(json_object_get(desc, "Resources"),
                                                        "MemoryBytes")) / (1024 * 1024);
    char uuid[37], uri[256];
    json_t *obj;
    size_t i;

    json_array_foreach(tasks, i, t)
        running += !strcmp(json_string_value(json_object_get(t, "NodeID")) ?
                           json_string_value(json_object_get(t, "NodeID")) : "", id) &&
                   !strcmp(json_string_value(json_object_get(json_object_get(t, "Status"),
                                                             "State")) ?: "", "running");
    dcs_uuid_for("node", NULL, id, uuid);
    snprintf(uri, sizeof(uri), "%snode/%s/", dcs_route_prefix(&c->req->rt, "node"), uuid);
    obj = json_pack("{s:s, s:s, s:O, s:O, s:s, s:n, s:O, s:I, s:I, s:I, s:o, s:O, s:n, s:n, "
                    "s:n, s:n, s:[], s:{}}",
                    "uuid", uuid, "resource_uri", uri, "external_fqdn",
                    json_object_get(desc, "Hostname"), "nickname",
                    json_object_get(desc, "Hostname"), "state",
                    st && !strcmp(st, "ready") ? "Deployed" : "Unreachable", "node_cluster",
                    "docker_version", json_object_get(json_object_get(desc, "Engine"),
                                                      "EngineVersion"),
                    "cpu", cpu, "memory", mem, "current_num_containers", (json_int_t)running,
                    "tags", node_tags(json_object_get(json_object_get(n, "Spec"), "Labels")),
                    "public_ip", json_object_get(status, "Addr"), "region", "node_type",
                    "availability_zone", "destroyed_datetime", "private_ips", "last_metric");
    datetime(obj, "deployed_datetime", json_object_get(n, "CreatedAt"));
    datetime(obj, "last_seen", json_object_get(n, "UpdatedAt"));
    json_object_set_new(obj, "disk", json_integer(0));
    return obj;
}

static int nodes(struct dcs_ctx *c, json_t *out, struct dcs_error *err)
{
    json_t *list = dcs_node_list(c->eng, NULL, err), *tasks, *n;
    const char *prefix = dcs_param(c->req, "uuid__startswith");
    const char *uuid = c->req->rt.id[0] ? c->req->rt.id : dcs_param(c->req, "uuid");
    const char *state = dcs_param(c->req, "state");
    size_t i;

    if (!list)
        return DCS_ERR;
    tasks = dcs_task_list(c->eng, NULL, err);
    if (!tasks) {
        json_decref(list);
        return DCS_ERR;
    }
    json_array_foreach(list, i, n) {
        json_t *obj = node_object(c, n, tasks);
        const char *u = json_string_value(json_object_get(obj, "uuid"));
        /* By path, the swarm ID too: DOCKERCLOUD_NODE_API_URI is a template. */
        const char *id = json_string_value(json_object_get(n, "ID"));
        bool named = !uuid || !strcmp(u, uuid) || (c->req->rt.id[0] && id && !strcmp(id, uuid));
        if ((!prefix || !strncasecmp(u, prefix, strlen(prefix))) && named &&
            (!state || !strcmp(state, json_string_value(json_object_get(obj, "state")))))
            json_array_append(out, obj);
        json_decref(obj);
    }
    json_decref(tasks);
    json_decref(list);
    return DCS_OK;
}

int dcs_nodes_route(struct dcs_ctx *c, struct dcs_error *err)
{
    static const char *const allowed[] = {"uuid", "uuid__startswith", "state", NULL};
    struct dcs_req *r = c->req;
    json_t *all;
    int rc = DCS_ERR;

    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
        snprintf(r->allow, sizeof(r->allow), "GET");
        return dcs_error_status(err, 405, NULL, "nodes are read-only here (allowed: GET)");
    }
    if (r->rt.verb[0])
        return dcs_error_status(err, 404, NULL, "not found");
    if (!strcmp(r->rt.type, "nodecluster")) {
        all = json_array();
        rc = r->rt.id[0] ? dcs_error_status(err, 404, NULL, "swarm has no node clusters")
                         : dcs_reply_list(r, all, err);
        json_decref(all);
        return rc;
    }
    if (!r->rt.id[0] && dcs_check_params(r, allowed, err))
        return DCS_ERR;
    all = json_array();
    if (nodes(c, all, err))
        goto out;
    if (!r->rt.id[0])
        rc = dcs_reply_list(r, all, err);
    else if (!json_array_size(all))
        rc = dcs_error_status(err, 404, NULL, "no node with uuid %s", r->rt.id);
    else
        rc = dcs_reply(r, 200, json_incref(json_array_get(all, 0)));
out:
    json_decref(all);
    return rc;
}
