/*
 * stackwrite.c - creating, updating, starting, stopping, redeploying,
 * terminating and exporting stacks: what `docker-cloud stack create|up|
 * update|start|stop|redeploy|terminate|export`, tutum-cli and
 * go-dockercloud send.
 *
 * A stack made here is the stack `dcswarm apply --stack NAME --namespace
 * NS` makes (the same translation, plan and run: apply.h), so either tool
 * manages it afterwards.  What the REST API adds, as Docker Cloud did:
 *  - created stacks do not run: each service is created Not running, and
 *    `start` runs them (`stack up` = create + start);
 *  - an update keeps what the lifecycle decided (replicas, stopped) and
 *    adds new services Not running; services the body lacks stay;
 *  - stack names are swarm-wide (services are "<stack>_<name>", as apply
 *    names them): a name another namespace uses is a 409;
 *  - an action on a stack is one action whose state follows its services.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "http/resources.h"
#include "swarm/swarm.h"
#include "translate/translate.h"
#include "util/datetime.h"

static const char *svc_name(const json_t *svc)
{
    return json_string_value(json_object_get(json_object_get(svc, "Spec"), "Name"));
}

/* The Engine services named by the specs of forward that exist on the
 * swarm, whoever owns them (name -> service); NULL on error. */
static json_t *existing_by_name(struct dcs_ctx *c, const json_t *forward,
                                struct dcs_error *err)
{
    json_t *all = dcs_service_list(c->eng, NULL, err), *by, *s;
    const json_t *spec;
    size_t i;

    if (!all)
        return NULL;
    by = json_object();
    json_array_foreach(all, i, s)
        if (svc_name(s))
            json_object_set(by, svc_name(s), s);
    json_decref(all);
    s = json_object();
    json_array_foreach(json_object_get(forward, "services"), i, spec) {
        const char *name = json_string_value(json_object_get(spec, "Name"));
        if (name && json_object_get(by, name))
            json_object_set(s, name, json_object_get(by, name));
    }
    json_decref(by);
    return s;
}

static bool valid_stack_name(const char *s)
{
    if (!s || !*s || strlen(s) > 48)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return false;
    return true;
}

/* The body's services translated as stack `name` of the request's
 * namespace, uuids kept for the services it has (`uuids`, may be NULL),
 * new random ones for the others.  No interpolation: the clients did it. */
static json_t *translate_body(struct dcs_ctx *c, const char *name, const json_t *uuids_in,
                              struct dcs_error *err)
{
    struct dcs_translate_opts o = {0};
    json_t *body = json_deep_copy(c->req->json), *entries = NULL, *uuids, *e, *fwd = NULL;
    char *text;
    size_t i;

    o.format = DCS_INPUT_STACK;
    o.stack = name;
    o.namespace_ = c->req->ns;
    json_object_set_new(body, "name", json_string(name));
    if (!json_object_get(body, "services"))
        json_object_set_new(body, "services", json_array());
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    entries = text ? dcs_load_services(text, strlen(text), &o, NULL, err) : NULL;
    free(text);
    if (!entries)
        return NULL;
    uuids = uuids_in ? json_deep_copy(uuids_in) : json_object();
    json_array_foreach(entries, i, e) {
        const char *n = json_string_value(json_object_get(e, "name"));
        char uuid[37];
        if (!n || json_object_get(uuids, n))
            continue;
        dcs_uuid_random(uuid);
        json_object_set_new(uuids, n, json_string(uuid));
    }
    fwd = dcs_forward(entries, &o, uuids, NULL, err);
    json_decref(uuids);
    json_decref(entries);
    return fwd;
}

/* What the lifecycle decided stays: the replicas and the stop constraint
 * of the service as it is; a new one is created Not running. */
static void keep_lifecycle(json_t *spec, const json_t *have)
{
    const json_t *mode = json_object_get(json_object_get(have, "Spec"), "Mode");
    const json_t *cons = json_object_get(json_object_get(json_object_get(
        json_object_get(have, "Spec"), "TaskTemplate"), "Placement"), "Constraints"), *c;
    size_t i;
    json_t *lc;

    if (!have) {
        lc = json_pack("{s:s}", "state", "not-started");
        dcs_lifecycle_set(spec, lc);
        json_decref(lc);
        dcs_spec_not_started(spec);
        return;
    }
    if (json_object_get(mode, "Replicated") && json_object_get(json_object_get(spec, "Mode"),
                                                               "Replicated"))
        json_object_set_new(spec, "Mode", json_deep_copy(mode));
    json_array_foreach(cons, i, c)
        if (!strcmp(json_string_value(c) ? json_string_value(c) : "", DCS_STOP_CONSTRAINT) &&
            json_object_get(json_object_get(spec, "Mode"), "Global")) {
            dcs_spec_not_started(spec);
            break;
        }
}

/* Bring the swarm to the stack `name` the body describes. */
static int write_stack(struct dcs_ctx *c, const char *name, bool create, struct dcs_error *err)
{
    struct dcs_apply_opts ao = {name, false};
    json_t *uuids = NULL, *fwd = NULL, *have = NULL, *plan = NULL, *spec;
    size_t i;
    int rc = DCS_ERR;

    if (!(uuids = dcs_apply_existing_uuids(c->eng, name, err)) ||
        !(fwd = translate_body(c, name, uuids, err)) || !(have = existing_by_name(c, fwd, err)))
        goto out;
    json_array_foreach(json_object_get(fwd, "services"), i, spec) {
        const char *n = json_string_value(json_object_get(spec, "Name"));
        const json_t *s = json_object_get(have, n);
        const char *ns = s ? dcs_label(s, DCS_LABEL_NAMESPACE) : NULL;
        const char *stack = s ? dcs_label(s, DCS_LABEL_STACK) : NULL;
        if (s && (create || !ns || strcmp(ns, c->req->ns) || !stack || strcmp(stack, name))) {
            dcs_error_status(err, 409, "name", "a service named \"%s\" already exists on the "
                             "swarm: stack names are shared by all namespaces", n);
            goto out;
        }
        keep_lifecycle(spec, s);
        if (dcs_container_env(c, spec, err))
            goto out;
    }
    if ((plan = dcs_apply_plan(c->eng, fwd, &ao, err)) &&
        dcs_apply_run(c->eng, plan, NULL, NULL, err) == DCS_OK)
        rc = DCS_OK;
out:
    json_decref(uuids);
    json_decref(fwd);
    json_decref(have);
    json_decref(plan);
    return rc;
}

/* ---------------- answers ---------------- */

/* The stack object of `name` as the swarm now has it (new), or NULL. */
static json_t *stack_now(struct dcs_ctx *c, const char *name, struct dcs_error *err)
{
    char uuid[37];
    json_t *all = json_array(), *o, *hit = NULL;
    size_t i;

    dcs_stack_uuid(c->req->ns, name, uuid);
    if (dcs_stacks_collect(c, all, err) == DCS_OK)
        json_array_foreach(all, i, o)
            if (!strcmp(json_string_value(json_object_get(o, "uuid")), uuid))
                hit = json_incref(o);
    json_decref(all);
    if (!hit && !err->status)
        dcs_error_status(err, 500, NULL, "stack %s not found after the change", name);
    return hit;
}

/* The stack's service uuids (its "services" are resource URIs). */
static json_t *member_uuids(const json_t *stack)
{
    json_t *out = json_array(), *u;
    size_t i;

    json_array_foreach(json_object_get(stack, "services"), i, u) {
        const char *at = strstr(json_string_value(u), "/service/");
        if (at && strlen(at + 9) >= 36)
            json_array_append_new(out, json_stringn(at + 9, 36));
    }
    return out;
}

static int answer(struct dcs_ctx *c, const char *name, const char *kind, int status,
                  const char *state, struct dcs_error *err)
{
    json_t *obj = stack_now(c, name, err);

    if (!obj)
        return DCS_ERR;
    if (kind) {
        json_t *extra = json_pack("{s:o}", "services", member_uuids(obj));
        dcs_action_record(c, kind, json_string_value(json_object_get(obj, "uuid")),
                          json_string_value(json_object_get(obj, "resource_uri")), extra);
        json_decref(extra);
    }
    if (state)
        json_object_set_new(obj, "state", json_string(state));
    return dcs_reply(c->req, status, obj);
}

/* ---------------- the operations ---------------- */

static int create(struct dcs_ctx *c, struct dcs_error *err)
{
    const char *name = json_string_value(json_object_get(c->req->json, "name"));
    json_t *all, *o;
    size_t i;
    int rc;

    if (!valid_stack_name(name))
        return dcs_error_status(err, 400, "name", "expected a stack name (letters, digits, "
                                "- and _, at most 48)");
    if (!json_array_size(json_object_get(c->req->json, "services")))
        return dcs_error_status(err, 400, "services", "expected a non-empty list of services");
    all = json_array();
    rc = dcs_stacks_collect(c, all, err);
    /* A terminated one (still readable) leaves its name free at once. */
    json_array_foreach(all, i, o)
        if (!strcmp(json_string_value(json_object_get(o, "name")), name) &&
            strcmp(json_string_value(json_object_get(o, "state")), "Terminated"))
            rc = dcs_error_status(err, 409, "name", "a stack named \"%s\" already exists", name);
    json_decref(all);
    if (rc || write_stack(c, name, true, err))
        return DCS_ERR;
    return answer(c, name, "create", 201, NULL, err);
}

/* Each service of the stack whose state allows verb gets it; none: 400. */
static int each_service(struct dcs_ctx *c, const json_t *stack, const char *verb,
                        struct dcs_error *err)
{
    struct dcs_view v = {0};
    const json_t *s;
    size_t i, done = 0;
    int rc = DCS_ERR;

    if (dcs_view_load(c, &v, true, false, err))
        return DCS_ERR;
    json_array_foreach(v.services, i, s) {
        const char *st = dcs_label(s, DCS_LABEL_STACK);
        json_t *obj;
        struct dcs_error no = {0};
        if (!st || strcmp(st, json_string_value(json_object_get(stack, "name"))))
            continue;
        if (!(obj = dcs_service_object(c, &v, s, err)))
            goto out;
        if (!dcs_lifecycle_allowed(verb, json_string_value(json_object_get(obj, "state")), &no)) {
            if (!strcmp(verb, "terminate") ? dcs_service_terminate(c, &v, s, NULL, err)
                                           : dcs_lifecycle_apply(c, s, verb, err)) {
                json_decref(obj);
                goto out;
            }
            done++;
        }
        json_decref(obj);
    }
    rc = done ? DCS_OK
              : dcs_error_status(err, 400, NULL, "cannot %s a stack in state %s", verb,
                                 json_string_value(json_object_get(stack, "state")));
out:
    dcs_view_release(&v);
    return rc;
}

/* The stack as it reads once its services are gone (docs/design.md §6):
 * kept on the swarm for --retention like its terminated services, so that
 * GET, lists and ?state=Terminated show it whatever server answers. */
static void remember_terminated(struct dcs_ctx *c, const json_t *stack)
{
    json_t *rec = json_deep_copy(stack), *labels;
    const char *uuid = json_string_value(json_object_get(stack, "uuid"));
    char when[64], name[128];
    struct dcs_error e = {0};

    dcs_datetime_format(c->now, when);
    json_object_set_new(rec, "state", json_string("Terminated"));
    json_object_set_new(rec, "destroyed_datetime", json_string(when));
    json_object_set_new(rec, "synchronized", json_true());
    json_object_set_new(rec, "_destroyed_at", json_integer((json_int_t)c->now));
    /* URIs are written in the family of whoever reads it (stack_model.c). */
    json_object_set_new(rec, "_services", member_uuids(stack));
    labels = json_pack("{s:s, s:s, s:s}", DCS_LABEL_KIND, DCS_KIND_TERMINATED_STACK,
                       DCS_LABEL_NAMESPACE, c->req->ns, DCS_LABEL_UUID, uuid);
    snprintf(name, sizeof(name), "dcswarm-stack-%s-%lld", uuid, (long long)c->now);
    if (dcs_record_put(c, name, labels, rec, &e))
        dcs_http_log("stack %s: its terminated record not kept: %s", uuid, e.text);
    json_decref(rec);
}

static int terminate(struct dcs_ctx *c, const json_t *stack, struct dcs_error *err)
{
    const char *name = json_string_value(json_object_get(stack, "name"));
    json_t *obj = json_deep_copy(stack);
    char net[256];
    struct dcs_error ignored = {0};
    json_t *extra;

    if (each_service(c, stack, "terminate", err)) {
        json_decref(obj);
        return DCS_ERR;
    }
    /* Busy until the tasks are gone: then the action removes it (actions.c). */
    snprintf(net, sizeof(net), "%s_default", name);
    dcs_network_remove(c->eng, net, &ignored);
    extra = json_pack("{s:o, s:s}", "services", member_uuids(stack), "network", net);
    dcs_action_record(c, "terminate", json_string_value(json_object_get(obj, "uuid")),
                      json_string_value(json_object_get(obj, "resource_uri")), extra);
    json_decref(extra);
    remember_terminated(c, obj);
    json_object_set_new(obj, "state", json_string("Terminating"));
    return dcs_reply(c->req, 202, obj);
}

int dcs_stack_write(struct dcs_ctx *c, const json_t *stack, struct dcs_error *err)
{
    const char *m = c->req->method, *verb = c->req->rt.verb;
    const char *name = json_string_value(json_object_get(stack, "name"));

    if (!stack)
        return create(c, err);
    if (!strcmp(verb, "export"))
        return dcs_stack_export(c, stack, err);
    if (!strcmp(m, "PATCH") && !*verb)
        return write_stack(c, name, false, err) ? DCS_ERR
                                                : answer(c, name, "update", 200, NULL, err);
    if (!strcmp(m, "DELETE") && !*verb)
        return terminate(c, stack, err);
    if (!strcmp(m, "POST") && (!strcmp(verb, "start") || !strcmp(verb, "stop") ||
                               !strcmp(verb, "redeploy")))
        return each_service(c, stack, verb, err) ? DCS_ERR
                                                 : answer(c, name, verb, 202, NULL, err);
    return dcs_error_status(err, 404, NULL, "not found");
}
