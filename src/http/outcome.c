/*
 * outcome.c - when an action on a service ends, and why it failed
 * (docs/design.md §5).  Pure: judged from one read
 * of the service, its tasks and the nodes, at a given time.
 *
 * Swarm never fails a deployment by itself: an unplaceable task stays
 * pending for ever, a crashing one is restarted for ever.  So every action
 * gets bounds (DCS_T_* in model.h), and its reason is swarm's own Status.Err,
 * one line per container: "web-1: no suitable node (...)".
 *
 * The slot view is the docker CLI's: per slot (per node for a global
 * service) the task with the lowest desired state, then the lowest observed
 * one; tasks on nodes that are down are left out.  "Current" tasks are those
 * created since the action started: older failures are history.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/model.h"
#include "util/datetime.h"
#include "translate/translate.h"

struct slot {
    const json_t *chosen;     /* the task the slot is judged by */
    const json_t *failed;     /* its latest current task that failed */
    time_t failed_at;
    int failures;             /* current tasks that failed or were rejected */
    long long num;            /* the slot number (1 for a global task) */
};

struct judge {
    const struct dcs_outcome_in *in;
    json_t *reasons;
    time_t started;
    time_t stable;            /* T_STABLE: UpdateConfig.Monitor or 5 s */
    const char *restart;      /* none, on-failure, any */
    time_t delay;             /* the restart delay */
    struct slot *slots;
    size_t nslots;
};

/* swarmkit's TaskState order (api/types.proto); unknown: past every one. */
static int rank(const char *state)
{
    static const char *const order[] = {"new", "pending", "allocated", "assigned", "accepted",
                                        "preparing", "ready", "starting", "running", "complete",
                                        "shutdown", "failed", "rejected", "remove", "orphaned",
                                        NULL};

    for (int i = 0; state && order[i]; i++)
        if (!strcmp(order[i], state))
            return i;
    return 99;
}

static const char *observed(const json_t *t)
{
    const char *s = json_string_value(json_object_get(json_object_get(t, "Status"), "State"));
    return s ? s : "";
}

static const char *desired(const json_t *t)
{
    const char *s = json_string_value(json_object_get(t, "DesiredState"));
    return s ? s : "";
}

static const char *task_err(const json_t *t)
{
    return json_string_value(json_object_get(json_object_get(t, "Status"), "Err"));
}

static time_t when(const json_t *obj, const char *field)
{
    time_t t = 0;

    dcs_engine_time_parse(json_string_value(json_object_get(obj, field)), &t);
    return t;
}

static time_t status_time(const json_t *t)
{
    return when(json_object_get(t, "Status"), "Timestamp");
}

static bool alive(const json_t *t)
{
    return rank(observed(t)) >= rank("assigned") && rank(observed(t)) <= rank("running");
}

static bool ended_badly(const json_t *t)
{
    return !strcmp(observed(t), "failed") || !strcmp(observed(t), "rejected");
}

static bool on_down_node(const struct dcs_outcome_in *in, const json_t *t)
{
    const char *node = json_string_value(json_object_get(t, "NodeID"));
    const json_t *n;
    size_t i;

    json_array_foreach(in->nodes, i, n)
        if (node && !strcmp(json_string_value(json_object_get(n, "ID")) ?: "", node))
            return !strcmp(json_string_value(json_object_get(json_object_get(n, "Status"),
                                                             "State")) ?: "", "down");
    return false;
}

static bool is_global(const json_t *svc)
{
    return json_object_get(json_object_get(json_object_get(svc, "Spec"), "Mode"), "Global");
}

/* "<name>-<slot>: text", added once. */
static void reason(struct judge *j, const struct slot *s, const char *text)
{
    char line[1024];
    const json_t *r;
    size_t i;

    if (s)
        snprintf(line, sizeof(line), "%s-%lld: %s", j->in->name ? j->in->name : "service",
                 s->num, text);
    else
        snprintf(line, sizeof(line), "%s", text);
    json_array_foreach(j->reasons, i, r)
        if (!strcmp(json_string_value(r), line))
            return;
    json_array_append_new(j->reasons, json_string(line));
}

/* ---- the slot view ---- */

static bool better(const json_t *a, const json_t *b)
{
    int da = rank(desired(a)), db = rank(desired(b));

    return da != db ? da < db : rank(observed(a)) < rank(observed(b));
}

static struct slot *slot_of(struct judge *j, json_t *keys, const json_t *t)
{
    char key[160];
    const json_t *at;
    long long num = json_integer_value(json_object_get(t, "Slot"));

    if (is_global(j->in->svc))
        snprintf(key, sizeof(key), "n%s", json_string_value(json_object_get(t, "NodeID")) ?: "");
    else
        snprintf(key, sizeof(key), "s%lld", num);
    at = json_object_get(keys, key);
    if (at)
        return &j->slots[json_integer_value(at)];
    json_object_set_new(keys, key, json_integer((json_int_t)j->nslots));
    j->slots[j->nslots].num = num ? num : 1;
    return &j->slots[j->nslots++];
}

static int build_slots(struct judge *j)
{
    const json_t *t;
    json_t *keys = json_object();
    size_t i;

    j->slots = calloc(json_array_size(j->in->tasks) + 1, sizeof(*j->slots));
    if (!j->slots || !keys) {
        json_decref(keys);
        return DCS_ERR;
    }
    json_array_foreach(j->in->tasks, i, t) {
        struct slot *s;
        if (on_down_node(j->in, t))
            continue;
        s = slot_of(j, keys, t);
        if (!s->chosen || better(t, s->chosen))
            s->chosen = t;
        if (when(t, "CreatedAt") < j->started || !ended_badly(t))
            continue;
        s->failures++;
        if (!s->failed || status_time(t) >= s->failed_at) {
            s->failed = t;
            s->failed_at = status_time(t);
        }
    }
    json_decref(keys);
    return DCS_OK;
}

/* ---- the rules ---- */

static void read_policy(struct judge *j)
{
    const json_t *spec = json_object_get(j->in->svc, "Spec");
    const json_t *rp = json_object_get(json_object_get(spec, "TaskTemplate"), "RestartPolicy");
    const json_t *monitor = json_object_get(json_object_get(spec, "UpdateConfig"), "Monitor");
    const json_t *delay = json_object_get(rp, "Delay");

    j->restart = json_string_value(json_object_get(rp, "Condition")) ?: "any";
    j->delay = json_is_integer(delay) ? (time_t)(json_integer_value(delay) / 1000000000) : 5;
    j->stable = json_integer_value(monitor) > 0
                    ? (time_t)(json_integer_value(monitor) / 1000000000)
                    : DCS_T_STABLE;
    if (j->in->overridden)
        j->stable = 0;
    dcs_engine_time_parse(json_string_value(json_object_get(j->in->act, "start")), &j->started);
}

/* Rule 2: an update of the spec that swarm paused or rolled back. */
static const char *update_outcome(struct judge *j)
{
    const json_t *us = json_object_get(j->in->svc, "UpdateStatus");
    const char *state = json_string_value(json_object_get(us, "State"));
    const char *msg = json_string_value(json_object_get(us, "Message")) ?: "";
    char text[768];

    if (!state || when(us, "StartedAt") < j->started)
        return NULL;
    if (!strcmp(state, "paused") || !strcmp(state, "rollback_paused")) {
        reason(j, NULL, msg);
        return "Failed";
    }
    if (!strcmp(state, "rollback_completed")) {
        snprintf(text, sizeof(text), "rolled back: %s", msg);
        reason(j, NULL, text);
        return "Failed";
    }
    if (!strcmp(state, "updating") || !strcmp(state, "rollback_started"))
        return "In progress";
    return NULL;
}

struct tally {
    long long want, stable, running, live, done;
};

static struct tally count(struct judge *j)
{
    const json_t *mode = json_object_get(json_object_get(j->in->svc, "Spec"), "Mode");
    struct tally n = {0, 0, 0, 0, 0};
    bool one_shot = strcmp(j->restart, "any") != 0;

    n.want = json_integer_value(json_object_get(json_object_get(mode, "Replicated"), "Replicas"));
    for (size_t i = 0; i < j->nslots; i++) {
        const json_t *t = j->slots[i].chosen;
        bool wanted = !strcmp(desired(t), "running") || !strcmp(desired(t), "ready");
        if (is_global(j->in->svc) && wanted)
            n.want++;
        if (wanted && alive(t))
            n.live++;
        if (!strcmp(desired(t), "running") && !strcmp(observed(t), "running")) {
            n.running++;
            n.stable += j->in->now - status_time(t) >= j->stable;
        }
        if (one_shot && !strcmp(observed(t), "complete") && when(t, "CreatedAt") >= j->started)
            n.done++;
    }
    return n;
}

/* Rule 4: a task swarm cannot place, for T_PLACE. */
static bool unplaced(struct judge *j)
{
    bool any = false;

    for (size_t i = 0; i < j->nslots; i++) {
        const json_t *t = j->slots[i].chosen;
        time_t since = when(t, "CreatedAt");
        if (rank(observed(t)) > rank("allocated") || !task_err(t) || !*task_err(t))
            continue;
        reason(j, &j->slots[i], task_err(t));
        any |= j->in->now - (since > j->started ? since : j->started) >= DCS_T_PLACE;
    }
    return any;
}

/* Rules 5 and 6: a slot that will not run again, or keeps failing. */
/* A wanted slot whose container swarm shut down since the action started
 * (its node drained) and does not replace: under autorestart OFF swarm
 * restarts nothing, so the slot stays empty. */
static bool shut_down(struct judge *j, const struct slot *s, long long want)
{
    const json_t *t = s->chosen;

    if (is_global(j->in->svc) || s->num > want || strcmp(observed(t), "shutdown") ||
        !strcmp(desired(t), "running") || !strcmp(desired(t), "ready") ||
        status_time(t) < j->started)
        return false;
    return !strcmp(j->restart, "none") ? j->in->now - status_time(t) >= j->stable
                                       : j->in->now - status_time(t) > j->delay + j->stable;
}

static bool dead_or_looping(struct judge *j, long long want)
{
    char text[900];
    bool dead = false;

    for (size_t i = 0; i < j->nslots; i++) {
        struct slot *s = &j->slots[i];
        const char *err;
        if (shut_down(j, s, want)) {
            reason(j, s, !strcmp(j->restart, "none")
                             ? "shut down by swarm (its node drained?), not restarted: "
                               "autorestart is OFF"
                             : "shut down by swarm, not replaced");
            dead = true;
            continue;
        }
        if (!s->failed)
            continue;
        err = task_err(s->failed) ?: observed(s->failed);
        if (s->chosen == s->failed &&
            (!strcmp(j->restart, "none") || j->in->now - s->failed_at > j->delay + j->stable)) {
            reason(j, s, err);
            dead = true;
        } else if (s->failures >= DCS_N_LOOP) {
            snprintf(text, sizeof(text), "%s (restarted %d times)", err, s->failures);
            reason(j, s, text);
            dead = true;
        } else {
            reason(j, s, err);
        }
    }
    return dead;
}

static const char *too_long(struct judge *j, const struct tally *n)
{
    char text[900];

    if (j->in->now - j->started <= DCS_T_MAX)
        return "In progress";
    if (json_array_size(j->reasons))
        snprintf(text, sizeof(text), "not running after %d s: %s", DCS_T_MAX,
                 json_string_value(json_array_get(j->reasons, json_array_size(j->reasons) - 1)));
    else
        snprintf(text, sizeof(text), "not running after %d s: %lld/%lld running", DCS_T_MAX,
                 n->running, n->want);
    json_array_clear(j->reasons);
    reason(j, NULL, text);
    return "Failed";
}

/* start, scale, redeploy: every wanted slot runs, stably. */
static const char *run_outcome(struct judge *j)
{
    struct tally n = count(j);

    if (n.stable + n.done >= n.want && n.live <= n.want &&
        (n.want > 0 || !is_global(j->in->svc)))
        return "Success";
    if (unplaced(j)) {
        dead_or_looping(j, n.want);
        return "Failed";
    }
    if (is_global(j->in->svc) && n.want == 0 && j->in->now - j->started >= DCS_T_PLACE) {
        reason(j, NULL, "no node satisfies the placement constraints");
        return "Failed";
    }
    if (dead_or_looping(j, n.want))
        return "Failed";
    return too_long(j, &n);
}

/* stop: no container left on a node that answers, bounded by T_STOP. */
static const char *stop_outcome(struct judge *j)
{
    char text[200];
    const json_t *t;
    size_t i;
    bool live = false;

    json_array_foreach(j->in->tasks, i, t) {
        if (!alive(t) || on_down_node(j->in, t))
            continue;
        live = true;
        if (j->in->now - j->started > DCS_T_STOP) {
            struct slot s = {.num = json_integer_value(json_object_get(t, "Slot")) ?: 1};
            snprintf(text, sizeof(text), "still %s after %d s", observed(t), DCS_T_STOP);
            reason(j, &s, text);
        }
    }
    return live && j->in->now - j->started <= DCS_T_STOP ? "In progress" : "Success";
}

const char *dcs_action_outcome(const struct dcs_outcome_in *in, json_t *reasons)
{
    const char *kind = json_string_value(json_object_get(in->act, "kind")) ?: "create";
    struct judge j = {.in = in, .reasons = reasons};
    const char *out;

    if (!strcmp(kind, "create"))
        return "Success";
    if (!in->svc) {
        if (!strcmp(kind, "stop") || !strcmp(kind, "terminate"))
            return "Success";
        reason(&j, NULL, "service was removed");
        return "Failed";
    }
    if (!strcmp(kind, "terminate"))
        return "In progress";
    read_policy(&j);
    if ((out = update_outcome(&j)))
        return out;
    if (!strcmp(kind, "update"))
        return "Success";
    if (build_slots(&j)) {
        free(j.slots);
        return "In progress";
    }
    out = !strcmp(kind, "stop") ? stop_outcome(&j) : run_outcome(&j);
    free(j.slots);
    return out;
}
