/*
 * stacks.c - /api/app/v1/[ns/]stack/: a stack is the services applied with
 * the same --stack (label dcswarm.stack) or created through the API
 * together (stackwrite.c writes, this file reads).  Its uuid is derived
 * from namespace and name, so every server gives the same one and a
 * service's "stack" is byte-identical to the stack's resource_uri.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "swarm/swarm.h"
#include "translate/translate.h"

/* One state for the services' states (lifecycle-anchors.md §6): a stack
 * follows its services on every read.  A stack has no Scaling. */
static const char *stack_state(const json_t *states)
{
    static const char *const moving[] = {"Terminating", "Starting", "Redeploying", "Stopping",
                                         "Scaling", NULL};
    size_t n = json_array_size(states), running = 0, stopped = 0, idle = 0, i;
    const json_t *s;

    if (!n)
        return "Not running";
    for (const char *const *m = moving; *m; m++)
        json_array_foreach(states, i, s)
            if (!strcmp(json_string_value(s), *m))
                return strcmp(*m, "Scaling") ? *m : "Partly running";
    json_array_foreach(states, i, s) {
        const char *v = json_string_value(s);
        running += !strcmp(v, "Running");
        stopped += !strcmp(v, "Stopped");
        idle += !strcmp(v, "Not running");
    }
    if (running == n)
        return "Running";
    if (stopped + idle == n)
        return stopped ? "Stopped" : "Not running";
    if (!running && !stopped && !idle)
        return json_string_value(json_array_get(states, 0));  /* all Terminated */
    return "Partly running";
}

static json_t *stack_object(struct dcs_ctx *c, const char *name, json_t *services,
                            json_t *states, json_t *deployed, bool synced)
{
    char uuid[37], uri[512];
    json_t *obj;

    dcs_stack_uuid(c->req->ns, name, uuid);
    dcs_uri(c, "stack", uuid, uri, sizeof(uri));
    obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:n, s:b}", "uuid", uuid,
                    "resource_uri", uri, "name", name, "nickname", name, "state",
                    stack_state(states), "services", services, "deployed_datetime",
                    deployed ? deployed : json_null(), "destroyed_datetime", "synchronized",
                    synced);
    return obj;
}

int dcs_stacks_collect(struct dcs_ctx *c, json_t *out, struct dcs_error *err)
{
    struct dcs_view v = {0};
    json_t *by = json_object(), *g, *obj;
    const json_t *s;
    const char *name;
    size_t i;
    int rc = DCS_ERR;

    if (dcs_view_load(c, &v, true, false, err))
        goto done;
    json_array_foreach(v.services, i, s) {
        const char *stack = dcs_label(s, DCS_LABEL_STACK);
        if (!stack)
            continue;
        g = json_object_get(by, stack);
        if (!g) {
            g = json_pack("{s:[], s:[], s:n, s:b}", "services", "states", "deployed", "synced", 1);
            json_object_set_new(by, stack, g);
        }
        obj = dcs_service_object(c, &v, s, err);
        if (!obj)
            goto done;
        json_array_append(json_object_get(g, "services"), json_object_get(obj, "resource_uri"));
        json_array_append(json_object_get(g, "states"), json_object_get(obj, "state"));
        if (json_is_string(json_object_get(obj, "deployed_datetime")))
            json_object_set(g, "deployed", json_object_get(obj, "deployed_datetime"));
        if (!json_is_true(json_object_get(obj, "synchronized")))
            json_object_set_new(g, "synced", json_false());
        json_decref(obj);
    }
    json_object_foreach(by, name, g)
        json_array_append_new(out, stack_object(c, name, json_object_get(g, "services"),
                                                json_object_get(g, "states"),
                                                json_is_string(json_object_get(g, "deployed"))
                                                    ? json_object_get(g, "deployed") : NULL,
                                                json_is_true(json_object_get(g, "synced"))));
    rc = DCS_OK;
done:
    json_decref(by);
    dcs_view_release_later(c, &v);
    return rc;
}

static bool matches(struct dcs_ctx *c, const json_t *obj)
{
    const char *prefix = dcs_param(c->req, "uuid__startswith");
    const char *fields[] = {"uuid", "name", "state"};

    for (size_t i = 0; i < 3; i++) {
        const char *want = dcs_param(c->req, fields[i]);
        if (want && strcmp(want, json_string_value(json_object_get(obj, fields[i]))))
            return false;
    }
    return !prefix || !strncasecmp(json_string_value(json_object_get(obj, "uuid")), prefix,
                                   strlen(prefix));
}

/* The stack rt.id names (new), or NULL and 404. */
static json_t *find(struct dcs_ctx *c, struct dcs_error *err)
{
    json_t *all = json_array(), *o, *hit = NULL;
    size_t i;

    if (dcs_stacks_collect(c, all, err) == DCS_OK) {
        json_array_foreach(all, i, o)
            if (!strcmp(json_string_value(json_object_get(o, "uuid")), c->req->rt.id))
                hit = json_incref(o);
        if (!hit)
            dcs_error_status(err, 404, NULL, "no stack with uuid %s", c->req->rt.id);
    }
    json_decref(all);
    return hit;
}

static int one(struct dcs_ctx *c, struct dcs_error *err)
{
    struct dcs_req *r = c->req;
    bool get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
    const char *verb = r->rt.verb;
    json_t *stack;
    int rc;

    if (*verb && strcmp(verb, "export") && strcmp(verb, "start") && strcmp(verb, "stop") &&
        strcmp(verb, "redeploy"))
        return dcs_error_status(err, 404, NULL, "not found");
    if ((!strcmp(verb, "export") && !get) || (*verb && strcmp(verb, "export") &&
                                              strcmp(r->method, "POST"))) {
        snprintf(r->allow, sizeof(r->allow), "%s", !strcmp(verb, "export") ? "GET" : "POST");
        return dcs_error_status(err, 405, NULL, "method %s not allowed here (allowed: %s)",
                                r->method, r->allow);
    }
    if (!*verb && !get && strcmp(r->method, "PATCH") && strcmp(r->method, "DELETE")) {
        snprintf(r->allow, sizeof(r->allow), "GET, PATCH, DELETE");
        return dcs_error_status(err, 405, NULL, "method %s not allowed here (allowed: %s)",
                                r->method, r->allow);
    }
    if (!(stack = find(c, err)))
        return DCS_ERR;
    if (get && !*verb)
        return dcs_reply(r, 200, stack);
    if (strcmp(verb, "export")) {
        /* The reference's table of what each state allows (stack.md). */
        const char *what = *verb ? verb : !strcmp(r->method, "PATCH") ? "update" : "terminate";
        const char *state = json_string_value(json_object_get(stack, "state"));
        if (!strcmp(what, "update") ? !strcmp(state, "Terminating")
                                    : dcs_stack_allowed(what, state, err) != DCS_OK) {
            if (!err->status)
                dcs_error_status(err, 400, NULL, "cannot update a stack in state %s", state);
            json_decref(stack);
            return DCS_ERR;
        }
    }
    rc = dcs_stack_write(c, stack, err);
    json_decref(stack);
    return rc;
}

int dcs_stacks_route(struct dcs_ctx *c, struct dcs_error *err)
{
    static const char *const allowed[] = {"uuid", "uuid__startswith", "name", "state", NULL};
    struct dcs_req *r = c->req;
    json_t *all, *hits, *o;
    size_t i;
    int rc = DCS_ERR;

    if (r->rt.id[0])
        return one(c, err);
    if (!strcmp(r->method, "POST"))
        return dcs_stack_write(c, NULL, err);
    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
        snprintf(r->allow, sizeof(r->allow), "GET, POST");
        return dcs_error_status(err, 405, NULL, "method %s not allowed here (allowed: GET, "
                                "POST)", r->method);
    }
    if (dcs_check_params(r, allowed, err) || dcs_check_state_param(r, dcs_stack_states, err))
        return DCS_ERR;
    all = json_array();
    hits = json_array();
    if (dcs_stacks_collect(c, all, err))
        goto out;
    json_array_foreach(all, i, o)
        if (matches(c, o))
            json_array_append(hits, o);
    rc = dcs_reply_list(r, hits, err);
out:
    json_decref(all);
    json_decref(hits);
    return rc;
}
