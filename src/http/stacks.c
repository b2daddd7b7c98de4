/*
 * stacks.c - /api/app/v1/[ns/]stack/: lists and reads stacks (the stack
 * object: stack_model.c) and hands writes and actions to stackwrite.c.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/resources.h"
#include "swarm/swarm.h"
#include "translate/translate.h"

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
                                              strcmp(r->method, "POST")))
        return dcs_method_not_allowed(r, !strcmp(verb, "export") ? "GET" : "POST", err);
    if (!*verb && !get && strcmp(r->method, "PATCH") && strcmp(r->method, "DELETE"))
        return dcs_method_not_allowed(r, "GET, PATCH, DELETE", err);
    if (!(stack = find(c, err)))
        return DCS_ERR;
    if (get && !*verb)
        return dcs_reply(r, 200, stack);
    if (!strcmp(verb, "export") &&
        !strcmp(json_string_value(json_object_get(stack, "state")), "Terminated")) {
        json_decref(stack);
        return dcs_error_status(err, 400, NULL, "cannot export a stack in state Terminated: its "
                                "services are gone");
    }
    if (strcmp(verb, "export")) {
        /* The reference's table of what each state allows (docs/design.md §6). */
        const char *what = *verb ? verb : !strcmp(r->method, "PATCH") ? "update" : "terminate";
        const char *state = json_string_value(json_object_get(stack, "state"));
        if (!strcmp(what, "update") ? !strcmp(state, "Terminating") || !strcmp(state, "Terminated")
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
    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
        return dcs_method_not_allowed(r, "GET, POST", err);
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
