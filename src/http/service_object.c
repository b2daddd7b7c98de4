/*
 * service_object.c - the Docker Cloud service object of a swarm service
 * (or of the record of a terminated one), in the caller's URL family: the
 * translation back (translate/reverse.c), then what only the server knows
 * (the image's variables, who links to it, its stack, its state).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "http/model.h"
#include "swarm/swarm.h"
#include "util/datetime.h"
#include "translate/translate.h"

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

/* linked_from_service from the label a REST service carries (names.c). */
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

/* Does a link written in service s's stack as `to` ("db", "db.other")
 * name the service svc? */
static bool names_by_name(const char *to, const json_t *s, const json_t *svc)
{
    const char *dot = strchr(to, '.'), *name = dcs_label(svc, DCS_LABEL_NAME);
    const char *stack = dot ? dot + 1 : dcs_label(s, DCS_LABEL_STACK);
    size_t n = dot ? (size_t)(dot - to) : strlen(to);

    return !strchr(to, '/') && name && strlen(name) == n && !strncmp(name, to, n) && stack &&
           dcs_label(svc, DCS_LABEL_STACK) && !strcmp(stack, dcs_label(svc, DCS_LABEL_STACK));
}

/* linked_from_service: the links of the other services of the view that
 * point at this one, by resource URI or by name in a stack. */
static void add_linked_from(const struct dcs_view *v, const json_t *svc, json_t *obj)
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
            if (!uuid || !mine_at ||
                !(at ? !strcmp(at, mine_at) : to && names_by_name(to, s, svc)))
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

/* The service of namespace c's named `name` in stack `stack`: from the
 * view when it has it, else asked of the engine (a view of one service). */
static char *stack_member_uuid(struct dcs_ctx *c, const struct dcs_view *v, const char *name,
                               const char *stack)
{
    struct dcs_error e = {0};
    json_t *filters = NULL, *found;
    const json_t *s;
    char kv[600], *uuid = NULL;
    size_t i;

    json_array_foreach(v->services, i, s)
        if (dcs_label(s, DCS_LABEL_NAME) && !strcmp(dcs_label(s, DCS_LABEL_NAME), name) &&
            dcs_label(s, DCS_LABEL_STACK) && !strcmp(dcs_label(s, DCS_LABEL_STACK), stack))
            return dcs_label(s, DCS_LABEL_UUID) ? strdup(dcs_label(s, DCS_LABEL_UUID)) : NULL;
    if (!v->one)
        return NULL;
    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_NAMESPACE, c->req->ns);
    dcs_filters_add(&filters, "label", kv, &e);
    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_STACK, stack);
    dcs_filters_add(&filters, "label", kv, &e);
    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_NAME, name);
    dcs_filters_add(&filters, "label", kv, &e);
    found = e.status ? NULL : dcs_service_list(c->eng, filters, &e);
    if ((s = json_array_get(found, 0)) && dcs_label(s, DCS_LABEL_UUID))
        uuid = strdup(dcs_label(s, DCS_LABEL_UUID));
    json_decref(found);
    json_decref(filters);
    return uuid;
}

/* A stackfile's link names a service of its stack ("db") or of another
 * ("db.other"): to_service is that service's resource URI, as Docker Cloud
 * gave it and as the clients compare it (dockercloud-haproxy, --sync). */
static void resolve_link_names(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                               json_t *obj)
{
    const char *own_stack = dcs_label(svc, DCS_LABEL_STACK);
    json_t *l;
    size_t i;
    char name[256], uri[512], *uuid;

    json_array_foreach(json_object_get(obj, "linked_to_service"), i, l) {
        const char *to = json_string_value(json_object_get(l, "to_service")), *dot;
        if (!to || strchr(to, '/'))
            continue;
        dot = strchr(to, '.');
        snprintf(name, sizeof(name), "%.*s", (int)(dot ? (size_t)(dot - to) : strlen(to)), to);
        if (!(dot || own_stack) ||
            !(uuid = stack_member_uuid(c, v, name, dot ? dot + 1 : own_stack)))
            continue;
        dcs_uri(c, "service", uuid, uri, sizeof(uri));
        json_object_set_new(l, "to_service", json_string(uri));
        free(uuid);
    }
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
        resolve_link_names(c, v, svc, obj);
        if (dcs_label(svc, DCS_LABEL_LINKED_FROM))
            linked_from_label(c, dcs_label(svc, DCS_LABEL_LINKED_FROM), obj);
        else
            add_linked_from(v, svc, obj);
    }
    json_decref(stack_uri);
    json_decref(empty);
    return obj;
}
