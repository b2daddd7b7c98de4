/*
 * stack_model.c - what a stack is, for the reads (stacks.c) and the writes
 * (stackwrite.c): the services applied with the same --stack (label
 * dcswarm.stack) or created through the API together.  Its uuid is derived
 * from namespace and name, so every server gives the same one and a
 * service's "stack" is byte-identical to the stack's resource_uri; its
 * state follows its services' on every read; a table says which actions
 * each state takes.
 */
#include <stdio.h>
#include <string.h>

#include "http/model.h"
#include "swarm/swarm.h"
#include "translate/translate.h"

void dcs_stack_uuid(const char *ns, const char *name, char out[37])
{
    dcs_uuid_for(ns, "dcswarm.stack", name, out);
}

/* One state for the services' states (docs/design.md §6): a stack
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

/* Is a stack with this uuid in list already? */
static bool listed(const json_t *list, const char *uuid)
{
    const json_t *o;
    size_t i;

    json_array_foreach(list, i, o)
        if (!strcmp(json_string_value(json_object_get(o, "uuid")), uuid))
            return true;
    return false;
}

/* The terminated stacks still kept (stackwrite.c), the last one of each
 * uuid; one of the same name made again since is the stack of that uuid
 * now. */
static int add_terminated(struct dcs_ctx *c, json_t *out, struct dcs_error *err)
{
    json_t *recs = dcs_records(c, DCS_KIND_TERMINATED_STACK, c->req->ns, NULL, err), *rec;
    json_t *last = json_object(), *prev;
    const char *uuid;
    size_t i;

    if (!recs)
        return DCS_ERR;
    json_array_foreach(recs, i, rec) {
        uuid = json_string_value(json_object_get(rec, "uuid"));
        if (!uuid || listed(out, uuid))
            continue;
        prev = json_object_get(last, uuid);
        if (!prev || json_integer_value(json_object_get(prev, "_destroyed_at")) <
                         json_integer_value(json_object_get(rec, "_destroyed_at")))
            json_object_set(last, uuid, rec);
    }
    json_object_foreach(last, uuid, rec) {
        json_t *uris = json_array(), *m;
        char uri[512];
        json_array_foreach(json_object_get(rec, "_services"), i, m) {
            dcs_uri(c, "service", json_string_value(m), uri, sizeof(uri));
            json_array_append_new(uris, json_string(uri));
        }
        json_object_set_new(rec, "services", uris);
        dcs_uri(c, "stack", uuid, uri, sizeof(uri));
        json_object_set_new(rec, "resource_uri", json_string(uri));
        json_object_del(rec, "_config_id");
        json_object_del(rec, "_destroyed_at");
        json_object_del(rec, "_services");
        json_array_append(out, rec);
    }
    json_decref(last);
    json_decref(recs);
    return DCS_OK;
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
    rc = add_terminated(c, out, err);
done:
    json_decref(by);
    dcs_view_release_later(c, &v);
    return rc;
}

/* docs/design.md §6, lenient as the service table is (lifecycle.c):
 * stop and terminate in every state but Terminated, start and redeploy also
 * after a failed action left the stack Starting or Redeploying.  Stop is
 * missing from the reference's Running row, but the clients send it there. */
int dcs_stack_allowed(const char *verb, const char *state, struct dcs_error *err)
{
    static const struct {
        const char *verb;
        const char *states[9];
    } table[] = {
        {"start", {"Not running", "Stopped", "Partly running", "Starting", "Redeploying"}},
        {"stop", {"Not running", "Starting", "Running", "Partly running", "Redeploying",
                  "Stopping", "Stopped", "Terminating"}},
        {"redeploy", {"Running", "Partly running", "Stopped", "Starting", "Redeploying"}},
        {"terminate", {"Not running", "Starting", "Running", "Partly running", "Redeploying",
                       "Stopping", "Stopped", "Terminating"}},
    };

    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        for (size_t j = 0; state && !strcmp(table[i].verb, verb) && j < 9 && table[i].states[j];
             j++)
            if (!strcmp(table[i].states[j], state))
                return DCS_OK;
    return dcs_error_status(err, 400, NULL, "cannot %s a stack in state %s", verb,
                            state ? state : "unknown");
}
