/*
 * action_model.c - Docker Cloud actions on swarm.
 *
 * An action is a swarm config (immutable) written when the request that
 * made it succeeded: "dcswarm-action-<uuid>".  Its state is not stored but
 * computed when read, from the swarm converging: tasks running, update
 * completed or paused, service gone (outcome.c).  The first reader that
 * sees it end writes "dcswarm-action-<uuid>-done" with the end date and
 * the outcome, so that every server answers the same from then on, and
 * removes the first.  `docker-cloud ... --sync` polls until Success or
 * Failed.  The resource is actions.c; the log, stream_action_logs.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/model.h"
#include "swarm/swarm.h"
#include "util/datetime.h"
#include "translate/translate.h"

static const char *action_name(const char *kind)
{
    static const struct { const char *kind, *name; } names[] = {
        {"create", "Service Create"}, {"update", "Service Update"},
        {"start", "Service Start"}, {"stop", "Service Stop"}, {"scale", "Service Scale"},
        {"redeploy", "Service Redeploy"}, {"terminate", "Service Terminate"}};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(names[i].kind, kind))
            return names[i].name;
    return kind;
}

json_t *dcs_action_config(struct dcs_ctx *c, const char *kind, const char *object_uuid,
                          const char *object_uri, json_t *extra, char uuid[37])
{
    struct dcs_req *r = c->req;
    char name[128], now[40];
    json_t *data, *labels, *spec;

    dcs_uuid_random(uuid);
    dcs_engine_time(c->now, now);
    data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "uuid", uuid, "kind",
                     kind, "action", action_name(kind), "method", r->method, "path", r->path,
                     "object", object_uri, "object_uuid", object_uuid, "ip", r->peer, "user",
                     r->user, "start", now);
    json_object_set_new(data, "body", json_stringn(r->body ? r->body : "", r->body_len));
    if (json_object_get(extra, "services")) {
        char stack_action[64];
        snprintf(stack_action, sizeof(stack_action), "Stack %s", action_name(kind) + 8);
        json_object_set_new(data, "action", json_string(stack_action));
    }
    if (extra)
        json_object_update(data, extra);
    labels = json_pack("{s:s, s:s, s:s, s:s}", DCS_LABEL_KIND, DCS_KIND_ACTION, DCS_LABEL_UUID,
                       uuid, DCS_LABEL_NAMESPACE, r->ns, DCS_LABEL_OBJECT, object_uuid);
    snprintf(name, sizeof(name), "dcswarm-action-%s", uuid);
    spec = dcs_record_spec(name, labels, data);
    json_decref(data);
    return spec;
}

void dcs_action_recorded(struct dcs_ctx *c, const char *kind, const char *object_uuid,
                         const char *uuid, const struct dcs_error *err)
{
    struct dcs_req *r = c->req;

    if (err->status) {
        dcs_http_log("action %s of %s not recorded: %s", kind, object_uuid, err->text);
        return;
    }
    snprintf(r->action_uuid, sizeof(r->action_uuid), "%s", uuid);
    if (r->rt.family == DCS_FAM_TUTUM)
        snprintf(r->action_uri, sizeof(r->action_uri), "/api/v1/action/%s/", uuid);
    else
        snprintf(r->action_uri, sizeof(r->action_uri), "/api/audit/v1/action/%s/", uuid);
}

void dcs_action_record(struct dcs_ctx *c, const char *kind, const char *object_uuid,
                       const char *object_uri, json_t *extra)
{
    char uuid[37];
    json_t *spec = dcs_action_config(c, kind, object_uuid, object_uri, extra, uuid);
    struct dcs_error err = {0};
    char *id = NULL;

    if (!spec)
        dcs_error_status(&err, 500, NULL, "out of memory");
    else
        id = dcs_config_create(c->eng, spec, &err);
    dcs_action_recorded(c, kind, object_uuid, uuid, &err);
    free(id);
    json_decref(spec);
}

/* ---------------- convergence ---------------- */

/* Why the action failed, in "reasons": kept with the action because swarm
 * reaps the tasks that said it. */
static void add_note(json_t *act, const char *key, const char *text)
{
    json_t *reasons = json_object_get(act, key), *r;
    size_t i;

    if (!json_is_array(reasons)) {
        reasons = json_array();
        json_object_set_new(act, key, reasons);
    }
    json_array_foreach(reasons, i, r)
        if (!strcmp(json_string_value(r), text))
            return;
    json_array_append_new(reasons, json_string(text));
}

static void add_reason(json_t *act, const char *text)
{
    add_note(act, "reasons", text);
}

static bool kind_is(const char *kind, const char *a, const char *b)
{
    return !strcmp(kind, a) || (b && !strcmp(kind, b));
}

/* Was the action overridden by a stop of svc made after it?  Start and
 * redeploy leave the service started, so a stopped one was stopped since;
 * scale and update do not, so the stop's date must be later. */
static bool stopped_since(const json_t *act, const char *kind, const json_t *svc)
{
    json_t *lc = dcs_lifecycle_get(svc);
    const char *phase = json_string_value(json_object_get(lc, "state"));
    time_t started = 0, stopped = 0;
    bool since = false;

    if (phase && !strcmp(phase, "stopped")) {
        dcs_engine_time_parse(json_string_value(json_object_get(act, "start")), &started);
        dcs_engine_time_parse(json_string_value(json_object_get(lc, "stopped")), &stopped);
        since = kind_is(kind, "start", "redeploy") || stopped > started;
    }
    json_decref(lc);
    return since;
}

/* The state of the action on svc (NULL: gone), given its tasks and the
 * nodes; a failure's reasons go to act. */
static const char *converged(json_t *act, const json_t *svc, const json_t *tasks,
                             const json_t *nodes, time_t now)
{
    const char *kind = json_string_value(json_object_get(act, "kind")) ?: "create";
    struct dcs_outcome_in in = {act, svc, tasks, nodes, svc ? dcs_label(svc, DCS_LABEL_NAME) : NULL,
                                now, json_is_true(json_object_get(act, "_overridden"))};
    json_t *reasons = json_array();
    const char *state;
    const json_t *r;
    size_t i;

    if (svc && (kind_is(kind, "start", "redeploy") || kind_is(kind, "scale", "update")) &&
        stopped_since(act, kind, svc)) {
        add_reason(act, "interrupted by stop");
        json_decref(reasons);
        return "Failed";
    }
    state = dcs_action_outcome(&in, reasons);
    /* What holds an action up is shown while it is in progress ("pending",
     * never kept); why it ended is kept with it ("reasons"). */
    json_array_foreach(reasons, i, r)
        add_note(act, strcmp(state, "In progress") ? "reasons" : "pending",
                 json_string_value(r));
    json_decref(reasons);
    return state;
}

/* The service `uuid` (json null: gone), its tasks and the swarm's nodes. */
static json_t *service_of(struct dcs_ctx *c, const char *uuid, json_t **tasks, json_t **nodes,
                          struct dcs_error *err)
{
    json_t *filters = NULL, *list, *svc = NULL;
    char kv[128];

    *tasks = *nodes = NULL;
    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_UUID, uuid);
    dcs_filters_add(&filters, "label", kv, err);
    list = dcs_service_list(c->eng, filters, err);
    json_decref(filters);
    if (!list)
        return NULL;
    svc = json_incref(json_array_get(list, 0));
    json_decref(list);
    if (!svc)
        return json_null();
    filters = NULL;
    dcs_filters_add(&filters, "service", json_string_value(json_object_get(svc, "ID")), err);
    *tasks = dcs_task_list(c->eng, filters, err);
    json_decref(filters);
    *nodes = *tasks ? dcs_node_list(c->eng, NULL, err) : NULL;
    if (!*nodes) {
        json_decref(*tasks);
        *tasks = NULL;
        json_decref(svc);
        return NULL;
    }
    return svc;
}

/* The state of the action on the service `uuid`, or NULL on error. */
static const char *state_of(struct dcs_ctx *c, json_t *act, const char *uuid,
                            struct dcs_error *err)
{
    json_t *tasks, *nodes, *svc = service_of(c, uuid, &tasks, &nodes, err);
    const char *state;

    if (!svc)
        return NULL;
    state = converged(act, json_is_null(svc) ? NULL : svc, tasks, nodes, c->now);
    json_decref(svc);
    json_decref(tasks);
    json_decref(nodes);
    return state;
}

/* A stack's action is on its services (recorded in "services"): done when
 * each one is, failed when one failed. */
static const char *action_state(struct dcs_ctx *c, json_t *act, struct dcs_error *err)
{
    const json_t *members = json_object_get(act, "services"), *m;
    const char *state = "Success", *one;
    size_t i;

    if (!json_is_array(members))
        return state_of(c, act, json_string_value(json_object_get(act, "object_uuid")), err);
    json_array_foreach(members, i, m) {
        if (!(one = state_of(c, act, json_string_value(m), err)))
            return NULL;
        if (!strcmp(one, "Failed"))
            return one;
        if (!strcmp(one, "In progress"))
            state = one;
    }
    return state;
}

/* Write the done record of act, which has its final state: the first
 * record written wins, so every server answers the same from then on. */
static void finish(struct dcs_ctx *c, json_t *act)
{
    const char *uuid = json_string_value(json_object_get(act, "uuid"));
    json_t *labels;
    char name[128], now[40];
    struct dcs_error e = {0};

    dcs_engine_time(c->now, now);
    /* A create is done when it answered, however much later it is read. */
    if (!strcmp(json_string_value(json_object_get(act, "kind")) ?: "", "create"))
        json_object_set(act, "end", json_object_get(act, "start"));
    else
        json_object_set_new(act, "end", json_string(now));
    labels = json_pack("{s:s, s:s, s:s, s:O}", DCS_LABEL_KIND, DCS_KIND_ACTION_DONE,
                       DCS_LABEL_UUID, uuid, DCS_LABEL_NAMESPACE,
                       json_string_value(json_object_get(act, "namespace")) ?
                           json_string_value(json_object_get(act, "namespace")) : "",
                       DCS_LABEL_OBJECT, json_object_get(act, "object_uuid"));
    snprintf(name, sizeof(name), "dcswarm-action-%s-done", uuid);
    {
        json_t *data = json_deep_copy(act);
        json_object_del(data, "_config_id");
        json_object_del(data, "_overridden");
        if (!dcs_record_put(c, name, labels, data, &e) || e.status == 409)
            dcs_config_remove(c->eng, json_string_value(json_object_get(act, "_config_id")), &e);
        json_decref(data);
    }
}

/* Settle a pending action: compute its state, and if it ended, write the
 * done record (another server may have done so: its record wins). */
static int settle(struct dcs_ctx *c, json_t *act, struct dcs_error *err)
{
    const char *state = action_state(c, act, err);
    struct dcs_error e = {0};

    if (!state)
        return DCS_ERR;
    json_object_set_new(act, "state", json_string(state));
    /* A terminated stack's network is free once its tasks are gone. */
    if (!strcmp(state, "Success") && json_string_value(json_object_get(act, "network")))
        dcs_network_remove(c->eng, json_string_value(json_object_get(act, "network")), &e);
    if (!strcmp(state, "In progress"))
        return DCS_OK;
    json_object_del(act, "pending");
    dcs_metrics_action(json_string_value(json_object_get(act, "action")), state);
    finish(c, act);
    return DCS_OK;
}

static bool concerns(const json_t *act, const char *service_uuid)
{
    const json_t *m;
    size_t i;

    if (!strcmp(json_string_value(json_object_get(act, "object_uuid")) ?: "", service_uuid))
        return true;
    json_array_foreach(json_object_get(act, "services"), i, m)
        if (!strcmp(json_string_value(m) ?: "", service_uuid))
            return true;
    return false;
}

json_t *dcs_actions_pending(struct dcs_ctx *c, const char *service_uuid)
{
    struct dcs_error err = {0};
    json_t *out = json_array(), *list, *act;
    size_t i;

    if (!service_uuid)
        return out;
    if (!(list = dcs_records(c, DCS_KIND_ACTION, c->req->ns, NULL, &err)))
        dcs_http_log("actions on %s not settled: %s", service_uuid, err.text);
    json_array_foreach(list, i, act) {
        const char *kind = json_string_value(json_object_get(act, "kind"));
        if (!kind || !strcmp(kind, "create") || !concerns(act, service_uuid))
            continue;
        json_object_set_new(act, "namespace", json_string(c->req->ns));
        /* Judged as it stands, without waiting for containers to prove
         * stable: a start whose containers run when stop comes succeeded. */
        json_object_set_new(act, "_overridden", json_true());
        if (settle(c, act, &err))
            dcs_http_log("action %s not settled: %s",
                         json_string_value(json_object_get(act, "uuid")), err.text);
        else if (!strcmp(json_string_value(json_object_get(act, "state")), "In progress"))
            json_array_append(out, act);
    }
    json_decref(list);
    return out;
}

void dcs_actions_interrupt(struct dcs_ctx *c, json_t *pending, const char *verb)
{
    char reason[64];
    json_t *act;
    size_t i;

    snprintf(reason, sizeof(reason), "interrupted by %s", verb);
    json_array_foreach(pending, i, act) {
        json_object_set_new(act, "state", json_string("Failed"));
        add_reason(act, reason);
        finish(c, act);
    }
}

/* Every action this caller may see: done records override pending ones. */
json_t *dcs_actions_load(struct dcs_ctx *c, const char *uuid, struct dcs_error *err)
{
    json_t *out = json_array(), *seen = json_object(), *a;
    const json_t *g;
    size_t i, j;

    json_array_foreach(c->req->grants, i, g) {
        const char *kinds[2] = {DCS_KIND_ACTION_DONE, DCS_KIND_ACTION};
        for (int k = 0; k < 2; k++) {
            json_t *list = dcs_records(c, kinds[k], json_string_value(g), uuid, err);
            if (!list) {
                json_decref(out);
                json_decref(seen);
                return NULL;
            }
            json_array_foreach(list, j, a) {
                const char *u = json_string_value(json_object_get(a, "uuid"));
                if (!u || json_object_get(seen, u))
                    continue;
                json_object_set_new(seen, u, json_true());
                json_object_set_new(a, "namespace", json_incref((json_t *)g));
                if (k == 1 && settle(c, a, err)) {
                    json_decref(list);
                    json_decref(out);
                    json_decref(seen);
                    return NULL;
                }
                json_array_append(out, a);
            }
            json_decref(list);
        }
    }
    json_decref(seen);
    return out;
}

int dcs_action_settle(struct dcs_ctx *c, const char *uuid, char *state, size_t len,
                      struct dcs_error *err)
{
    json_t *acts = dcs_actions_load(c, uuid, err);
    const char *st;

    if (!acts)
        return DCS_ERR;
    st = json_string_value(json_object_get(json_array_get(acts, 0), "state"));
    if (state)
        snprintf(state, len, "%s", st ? st : "");
    json_decref(acts);
    return DCS_OK;
}

json_t *dcs_action_log_lines(struct dcs_ctx *c, const char *uuid, char *name, size_t name_len,
                             bool *final, struct dcs_error *err)
{
    json_t *acts = dcs_actions_load(c, uuid, err), *act, *lines;
    const char *state;

    if (!acts)
        return NULL;
    if (!(act = json_array_get(acts, 0))) {
        json_decref(acts);
        dcs_error_status(err, 404, NULL, "no action with uuid %s", uuid);
        return NULL;
    }
    state = json_string_value(json_object_get(act, "state")) ?: "In progress";
    *final = strcmp(state, "In progress") != 0;
    snprintf(name, name_len, "%s", json_string_value(json_object_get(act, "action")) ?: "");
    lines = json_deep_copy(json_object_get(act, *final ? "reasons" : "pending"));
    json_decref(acts);
    return json_is_array(lines) ? lines : (json_decref(lines), json_array());
}
