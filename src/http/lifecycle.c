/*
 * lifecycle.c - Docker Cloud's service state machine on swarm (docs/design.md §3, §6).
 *
 * What swarm does not record lives in the dcswarm.lifecycle label, written
 * in the same update as the change it describes:
 *   {"state": "not-started"|"started"|"stopped"|"terminated",
 *    "started"|"stopped"|"deployed"|"destroyed": Engine-style time}
 * Create does not start (0 replicas); start scales to target_num_containers
 * (kept in dcswarm.spec); stop scales to 0, a global service gets a
 * placement constraint no node satisfies; redeploy is ForceUpdate + 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/model.h"
#include "util/datetime.h"
#include "swarm/swarm.h"
#include "translate/translate.h"

json_t *dcs_lifecycle_get(const json_t *svc)
{
    const char *text = dcs_label(svc, DCS_LABEL_LIFECYCLE);
    json_t *lc = text ? json_loads(text, 0, NULL) : NULL;

    if (!json_is_object(lc)) {
        json_decref(lc);
        /* A service applied as a stack (or made by hand) runs from the start. */
        lc = json_pack("{s:s}", "state", "started");
    }
    return lc;
}

void dcs_lifecycle_set(json_t *spec, const json_t *lc)
{
    char *text = json_dumps(lc, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *labels = json_object_get(spec, "Labels");

    if (!labels) {
        labels = json_object();
        json_object_set_new(spec, "Labels", labels);
    }
    if (text)
        json_object_set_new(labels, DCS_LABEL_LIFECYCLE, json_string(text));
    free(text);
}

static const char *task_state(const json_t *t)
{
    const char *s = json_string_value(json_object_get(json_object_get(t, "Status"), "State"));
    return s ? s : "";
}

/* A container is still there until its task reached a final state. */
static bool task_alive(const json_t *t)
{
    static const char *const alive[] = {"assigned", "accepted", "preparing", "ready",
                                        "starting", "running", NULL};
    const char *s = task_state(t);

    for (const char *const *a = alive; *a; a++)
        if (!strcmp(s, *a))
            return true;
    return false;
}

static long long kept_target(const json_t *svc)
{
    const char *text = dcs_label(svc, DCS_LABEL_SPEC);
    json_t *canon = text ? json_loads(text, 0, NULL) : NULL;
    const json_t *t = json_object_get(canon, "target_num_containers");
    long long n = json_is_integer(t) ? json_integer_value(t) : 1;

    json_decref(canon);
    return n;
}

/* Do the running containers run what the service now says? */
static bool synchronized(const json_t *svc, const json_t *tasks)
{
    const json_t *spec = json_object_get(svc, "Spec"), *t;
    const json_t *want = json_object_get(json_object_get(spec, "TaskTemplate"), "ContainerSpec");
    const char *update = json_string_value(json_object_get(
        json_object_get(svc, "UpdateStatus"), "State"));
    size_t i;

    if (update && (!strcmp(update, "updating") || !strcmp(update, "paused") ||
                   !strcmp(update, "rollback_started")))
        return false;
    json_array_foreach(tasks, i, t) {
        const char *desired = json_string_value(json_object_get(t, "DesiredState"));
        const json_t *have = json_object_get(json_object_get(t, "Spec"), "ContainerSpec");
        if (desired && !strcmp(desired, "running") && task_alive(t) && !json_equal(want, have))
            return false;
    }
    return true;
}

/* The state an action of the service holds it in while it is in progress
 * (judged as its action record is: outcome.c), or a rolling update made
 * outside dcswarm; NULL when none does. */
static const char *in_transition(const json_t *svc, const json_t *tasks, const json_t *nodes,
                                 const json_t *lc, time_t now)
{
    static const char *const states[][2] = {{"start", "Starting"}, {"scale", "Scaling"},
                                            {"redeploy", "Redeploying"}, {"stop", "Stopping"}};
    const char *verb = json_string_value(json_object_get(lc, "action"));
    const json_t *us = json_object_get(svc, "UpdateStatus");
    const char *update = json_string_value(json_object_get(us, "State"));
    time_t since = 0;

    dcs_engine_time_parse(json_string_value(json_object_get(lc, "acted")), &since);
    /* The action is judged as it stands (no stability wait), and only while
     * it can last: a container that crashes or moves later is not a new
     * Starting. */
    for (size_t i = 0; verb && now - since <= DCS_T_MAX && i < sizeof(states) / sizeof(states[0]);
         i++) {
        json_t *act, *reasons;
        const char *out;
        if (strcmp(states[i][0], verb))
            continue;
        act = json_pack("{s:s, s:O}", "kind", verb, "start", json_object_get(lc, "acted"));
        reasons = json_array();
        struct dcs_outcome_in in = {act, svc, tasks, nodes, NULL, now, true};
        out = dcs_action_outcome(&in, reasons);
        json_decref(reasons);
        json_decref(act);
        if (!strcmp(out, "In progress"))
            return states[i][1];
    }
    since = 0;
    dcs_engine_time_parse(json_string_value(json_object_get(us, "StartedAt")), &since);
    if (update && (!strcmp(update, "updating") || !strcmp(update, "rollback_started")) &&
        now - since <= DCS_T_MAX)
        return "Redeploying";
    return NULL;
}

/* The state no action holds: read from the containers, against what the
 * user wants running (nothing once stopped). */
static const char *settled(const json_t *obj, const json_t *svc, const char *phase)
{
    const json_t *mode = json_object_get(json_object_get(svc, "Spec"), "Mode");
    bool ever = phase && strcmp(phase, "not-started");
    long long running = json_integer_value(json_object_get(obj, "running_num_containers"));
    long long want = json_integer_value(json_object_get(json_object_get(mode, "Replicated"),
                                                        "Replicas"));

    if (json_object_get(mode, "Global"))
        want = json_integer_value(json_object_get(obj, "current_num_containers"));
    if ((phase && !strcmp(phase, "stopped")) || want == 0 || running == 0)
        return ever ? "Stopped" : "Not running";
    return running >= want ? "Running" : "Partly running";
}

bool dcs_lifecycle_needs_nodes(const json_t *svc, time_t now)
{
    json_t *lc = dcs_lifecycle_get(svc);
    const char *verb = json_string_value(json_object_get(lc, "action"));
    time_t acted = 0;
    bool needs;

    dcs_engine_time_parse(json_string_value(json_object_get(lc, "acted")), &acted);
    needs = verb && !strcmp(verb, "stop") && now - acted <= DCS_T_STOP + 1;
    json_decref(lc);
    return needs;
}

void dcs_lifecycle_fix(json_t *obj, const json_t *svc, const json_t *tasks, const json_t *nodes,
                       time_t now)
{
    json_t *lc = dcs_lifecycle_get(svc);
    const char *phase = json_string_value(json_object_get(lc, "state"));
    bool replicated = !json_object_get(json_object_get(json_object_get(svc, "Spec"), "Mode"),
                                       "Global");

    /* Derived on every read (docs/design.md §6): transitional only
     * while an action is in progress, and every action ends. */
    if (tasks && !(phase && !strcmp(phase, "terminated"))) {
        const char *state = in_transition(svc, tasks, nodes, lc, now);
        json_object_set_new(obj, "state", json_string(state ? state : settled(obj, svc, phase)));
    }
    /* The target is what the user last set (PATCH before scale), unless
     * swarm runs another count than dcswarm last applied (scaled by hand). */
    if (replicated && (!phase || strcmp(phase, "started") ||
                       json_equal(json_object_get(lc, "replicas"), json_object_get(json_object_get(
                           json_object_get(json_object_get(svc, "Spec"), "Mode"), "Replicated"),
                           "Replicas"))))
        json_object_set_new(obj, "target_num_containers", json_integer(kept_target(svc)));
    if (tasks)
        json_object_set_new(obj, "synchronized", json_boolean(synchronized(svc, tasks)));
    json_decref(lc);
}

struct allowed {
    const char *verb;
    const char *states[10];
};

/* The reference's table (service.md "Service states"), made lenient where a
 * deploy went wrong (issue 13): a swarm task that cannot be placed or keeps
 * failing leaves a service Starting or Redeploying, and the user must be able
 * to get out.  So stop and terminate are taken in every state but Terminated
 * (cancelling what was in progress), and start, redeploy and scale also in
 * the transitional states a failed action leaves behind.  Scale is not in
 * the reference's table; it records the target while the service does not
 * run. */
#define EVERY_LIVE_STATE                                                                         \
    "Not running", "Starting", "Running", "Partly running", "Scaling", "Redeploying",            \
        "Stopping", "Stopped", "Terminating"
static const struct allowed table[] = {
    {"start", {"Not running", "Stopped", "Starting", "Redeploying"}},
    {"stop", {EVERY_LIVE_STATE}},
    {"redeploy", {"Running", "Partly running", "Stopped", "Starting", "Redeploying"}},
    {"terminate", {EVERY_LIVE_STATE}},
    {"scale", {"Not running", "Running", "Partly running", "Stopped", "Starting", "Redeploying",
               "Scaling"}},
    {"update", {"Not running", "Running", "Partly running", "Stopped", "Starting",
                "Redeploying"}},
    {NULL, {NULL}},
};

int dcs_lifecycle_allowed(const char *verb, const char *state, struct dcs_error *err)
{
    for (const struct allowed *a = table; a->verb; a++) {
        if (strcmp(a->verb, verb))
            continue;
        for (size_t i = 0; i < sizeof(a->states) / sizeof(a->states[0]) && a->states[i]; i++)
            if (state && !strcmp(a->states[i], state))
                return DCS_OK;
        break;
    }
    return dcs_error_status(err, 400, NULL, "cannot %s a service in state %s", verb,
                            state ? state : "unknown");
}

/* ---- the changes, applied through the version index ---- */

struct change {
    const char *verb;
    char now[40];
    const char *image;  /* redeploy onto this image (a pushed digest), or NULL */
};

static void set_replicas(json_t *spec, long long n)
{
    json_t *rep = json_object_get(json_object_get(spec, "Mode"), "Replicated");

    if (rep)
        json_object_set_new(rep, "Replicas", json_integer(n));
}

static json_t *constraints(json_t *spec)
{
    json_t *tt = json_object_get(spec, "TaskTemplate"), *pl, *cons;

    if (!tt) {
        tt = json_object();
        json_object_set_new(spec, "TaskTemplate", tt);
    }
    pl = json_object_get(tt, "Placement");
    if (!pl) {
        pl = json_object();
        json_object_set_new(tt, "Placement", pl);
    }
    cons = json_object_get(pl, "Constraints");
    if (!cons) {
        cons = json_array();
        json_object_set_new(pl, "Constraints", cons);
    }
    return cons;
}

static void set_global_stopped(json_t *spec, bool stopped)
{
    json_t *cons, *c;
    size_t i;

    if (!json_object_get(json_object_get(spec, "Mode"), "Global"))
        return;
    cons = constraints(spec);
    json_array_foreach(cons, i, c)
        if (!strcmp(json_string_value(c), DCS_STOP_CONSTRAINT)) {
            json_array_remove(cons, i);
            break;
        }
    if (stopped)
        json_array_append_new(cons, json_string(DCS_STOP_CONSTRAINT));
}

static void run(json_t *spec, const json_t *svc, json_t *lc)
{
    set_replicas(spec, kept_target(svc));
    json_object_set_new(lc, "replicas", json_integer(kept_target(svc)));
    set_global_stopped(spec, false);
}

static int change(json_t *spec, const json_t *svc, void *arg, struct dcs_error *err)
{
    struct change *ch = arg;
    json_t *lc = dcs_lifecycle_get(svc);
    const char *phase = json_string_value(json_object_get(lc, "state"));
    bool started = phase && !strcmp(phase, "started");
    json_t *tt = json_object_get(spec, "TaskTemplate");

    (void)err;
    if (!strcmp(ch->verb, "start") || (!strcmp(ch->verb, "redeploy") && !started)) {
        run(spec, svc, lc);
        json_object_set_new(lc, "state", json_string("started"));
        json_object_set_new(lc, "started", json_string(ch->now));
        json_object_set_new(lc, "deployed", json_string(ch->now));
    } else if (!strcmp(ch->verb, "stop")) {
        set_replicas(spec, 0);
        set_global_stopped(spec, true);
        json_object_set_new(lc, "state", json_string("stopped"));
        json_object_set_new(lc, "stopped", json_string(ch->now));
    } else if (!strcmp(ch->verb, "scale") && started) {
        set_replicas(spec, kept_target(svc));
        json_object_set_new(lc, "replicas", json_integer(kept_target(svc)));
    }
    if (!strcmp(ch->verb, "redeploy")) {
        json_object_set_new(tt, "ForceUpdate", json_integer(json_integer_value(
            json_object_get(tt, "ForceUpdate")) + 1));
        if (ch->image)
            json_object_set_new(json_object_get(tt, "ContainerSpec"), "Image",
                                json_string(ch->image));
        json_object_set_new(lc, "deployed", json_string(ch->now));
    }
    /* What holds the service in transition until it ends (in_transition). */
    json_object_set_new(lc, "action", json_string(ch->verb));
    json_object_set_new(lc, "acted", json_string(ch->now));
    dcs_lifecycle_set(spec, lc);
    json_decref(lc);
    return DCS_OK;
}

int dcs_lifecycle_apply(struct dcs_ctx *c, const json_t *svc, const char *verb,
                        struct dcs_error *err)
{
    return dcs_lifecycle_apply_image(c, svc, verb, NULL, err);
}

int dcs_lifecycle_apply_image(struct dcs_ctx *c, const json_t *svc, const char *verb,
                              const char *image, struct dcs_error *err)
{
    struct change ch = {verb, "", image};
    json_t *pending = dcs_actions_pending(c, dcs_label(svc, DCS_LABEL_UUID));
    int rc;

    dcs_engine_time(c->now, ch.now);
    rc = dcs_service_update_with(c->eng, json_string_value(json_object_get(svc, "ID")), change,
                                 &ch, err);
    if (!rc)
        dcs_actions_interrupt(c, pending, verb);
    json_decref(pending);
    return rc;
}

void dcs_spec_not_started(json_t *spec)
{
    json_t *mode = json_object_get(spec, "Mode");
    json_t *tt = json_object_get(spec, "TaskTemplate"), *pl;

    if (!json_object_get(mode, "Global")) {
        json_object_set_new(json_object_get(mode, "Replicated"), "Replicas", json_integer(0));
        return;
    }
    pl = json_object_get(tt, "Placement");
    if (!pl) {
        pl = json_object();
        json_object_set_new(tt, "Placement", pl);
    }
    if (!json_object_get(pl, "Constraints"))
        json_object_set_new(pl, "Constraints", json_array());
    json_array_append_new(json_object_get(pl, "Constraints"), json_string(DCS_STOP_CONSTRAINT));
}

/* ---------------- terminating ---------------- */

/* The targets of a terminated service's links lose their aliases; the
 * service is gone already, so a failure is only logged. */
static void unlink_targets(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc)
{
    const char *text = dcs_label(svc, DCS_LABEL_SPEC);
    json_t *canon = text ? json_loads(text, 0, NULL) : NULL;
    struct dcs_error e = {0};

    if (canon && dcs_update_link_targets(c, v->services, dcs_label(svc, DCS_LABEL_UUID), canon,
                                         NULL, &e))
        dcs_http_log("terminate: link targets of %s keep their aliases: %s",
                     dcs_label(svc, DCS_LABEL_UUID), e.text);
    json_decref(canon);
}

/* ---------------- terminate ---------------- */

int dcs_service_terminate(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                          json_t **rec_out, struct dcs_error *err)
{
    const char *uuid = dcs_label(svc, DCS_LABEL_UUID);
    json_t *rec = json_pack("{s:O, s:O, s:O}", "ID", json_object_get(svc, "ID"), "CreatedAt",
                            json_object_get(svc, "CreatedAt"), "Spec",
                            json_object_get(svc, "Spec"));
    json_t *spec = json_deep_copy(json_object_get(rec, "Spec")), *lc = dcs_lifecycle_get(svc);
    json_t *labels, *pending;
    char now[40], name[128], uri[512];

    dcs_engine_time(c->now, now);
    json_object_set_new(lc, "state", json_string("terminated"));
    json_object_set_new(lc, "destroyed", json_string(now));
    dcs_lifecycle_set(spec, lc);
    json_object_set_new(json_object_get(spec, "Labels"), "dcswarm.terminated", json_string("1"));
    json_object_set_new(rec, "Spec", spec);
    json_decref(lc);
    labels = json_pack("{s:s, s:s, s:s, s:s}", DCS_LABEL_KIND, DCS_KIND_TERMINATED,
                       DCS_LABEL_UUID, uuid, DCS_LABEL_NAMESPACE, c->req->ns, DCS_LABEL_NAME,
                       dcs_label(svc, DCS_LABEL_NAME) ? dcs_label(svc, DCS_LABEL_NAME) : "");
    snprintf(name, sizeof(name), "dcswarm-terminated-%s", uuid);
    /* The record first: if removing fails, it goes again and nothing changed. */
    if (dcs_record_put(c, name, labels, rec, err)) {
        json_decref(rec);
        return DCS_ERR;
    }
    pending = dcs_actions_pending(c, uuid);
    if (dcs_service_remove(c->eng, json_string_value(json_object_get(svc, "ID")), err)) {
        struct dcs_error ignored = {0};
        dcs_config_remove(c->eng, name, &ignored);
        json_decref(pending);
        json_decref(rec);
        return DCS_ERR;
    }
    dcs_actions_interrupt(c, pending, "terminate");
    json_decref(pending);
    unlink_targets(c, v, svc);
    dcs_uri(c, "service", uuid, uri, sizeof(uri));
    dcs_action_record(c, "terminate", uuid, uri, NULL);
    if (rec_out)
        *rec_out = rec;
    else
        json_decref(rec);
    return DCS_OK;
}
