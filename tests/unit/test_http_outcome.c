/* dcswarm serve: when an action ends and why (outcome.c), on swarm task
 * lists as the Engine gives them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/model.h"
#include "util/datetime.h"

/* The action started at T0; times are seconds after it. */
#define T0 "2026-12-06T10:00:00Z"

static time_t t0(void)
{
    time_t t;

    dcs_engine_time_parse(T0, &t);
    return t;
}

static void at(int s, char out[40])
{
    dcs_engine_time(t0() + s, out);
}

static json_t *act(const char *kind)
{
    return json_pack("{s:s, s:s}", "kind", kind, "start", T0);
}

static json_t *service(int replicas, const char *restart)
{
    return json_pack("{s:s, s:{s:{s:{s:i}}, s:{s:{s:s, s:i}}}}", "ID", "svc1", "Spec", "Mode",
                     "Replicated", "Replicas", replicas, "TaskTemplate", "RestartPolicy",
                     "Condition", restart, "Delay", 5000000000);
}

static json_t *global_service(void)
{
    return json_pack("{s:s, s:{s:{s:{}}}}", "ID", "svc1", "Spec", "Mode", "Global");
}

/* A task of slot, created at `created`, observed `state` since `since`. */
static json_t *task(int slot, const char *desired, const char *state, int created, int since,
                    const char *err)
{
    char c[40], s[40];
    json_t *t;

    at(created, c);
    at(since, s);
    t = json_pack("{s:i, s:s, s:s, s:s, s:{s:s, s:s}}", "Slot", slot, "NodeID", "node1",
                  "DesiredState", desired, "CreatedAt", c, "Status", "State", state,
                  "Timestamp", s);
    if (err)
        json_object_set_new(json_object_get(t, "Status"), "Err", json_string(err));
    return t;
}

struct run {
    const char *state;
    json_t *reasons;
};

static struct run judge(json_t *a, json_t *svc, json_t *tasks, json_t *nodes, int now)
{
    struct dcs_outcome_in in = {a, svc, tasks, nodes, "web", t0() + now, false};
    struct run r = {NULL, json_array()};

    r.state = dcs_action_outcome(&in, r.reasons);
    json_decref(a);
    json_decref(svc);
    json_decref(tasks);
    json_decref(nodes);
    return r;
}

static void expect(struct run r, const char *state, const char *reason)
{
    assert_string_equal(r.state, state);
    if (reason) {
        assert_int_equal(json_array_size(r.reasons), 1);
        assert_string_equal(json_string_value(json_array_get(r.reasons, 0)), reason);
    } else {
        assert_int_equal(json_array_size(r.reasons), 0);
    }
    json_decref(r.reasons);
}

#define UNPLACED "no suitable node (scheduling constraints not satisfied on 3 nodes)"

static void test_unplaced_fails_after_t_place(void **state)
{
    (void)state;
    expect(judge(act("start"), service(1, "none"),
                 json_pack("[o]", task(1, "running", "pending", 1, 20, UNPLACED)), NULL,
                 DCS_T_PLACE),
           "In progress", "web-1: " UNPLACED);
    expect(judge(act("start"), service(1, "none"),
                 json_pack("[o]", task(1, "running", "pending", 1, 20, UNPLACED)), NULL,
                 DCS_T_PLACE + 1),
           "Failed", "web-1: " UNPLACED);
}

static void test_stable_running_is_success(void **state)
{
    (void)state;
    expect(judge(act("start"), service(1, "any"),
                 json_pack("[o]", task(1, "running", "running", 1, 2, NULL)), NULL, 6),
           "In progress", NULL);
    expect(judge(act("start"), service(1, "any"),
                 json_pack("[o]", task(1, "running", "running", 1, 2, NULL)), NULL,
                 2 + DCS_T_STABLE),
           "Success", NULL);
    /* A later action judges it as it stands: running is enough. */
    {
        json_t *a = act("start"), *svc = service(1, "any");
        json_t *tasks = json_pack("[o]", task(1, "running", "running", 1, 2, NULL));
        struct dcs_outcome_in in = {a, svc, tasks, NULL, "web", t0() + 3, true};
        json_t *reasons = json_array();
        assert_string_equal(dcs_action_outcome(&in, reasons), "Success");
        json_decref(reasons);
        json_decref(tasks);
        json_decref(svc);
        json_decref(a);
    }
    /* One of two is not enough. */
    expect(judge(act("start"), service(2, "any"),
                 json_pack("[o]", task(1, "running", "running", 1, 2, NULL)), NULL, 20),
           "In progress", NULL);
}

static void test_dead_slot_under_none(void **state)
{
    (void)state;
    expect(judge(act("start"), service(1, "none"),
                 json_pack("[o]", task(1, "shutdown", "failed", 1, 2,
                                       "task: non-zero exit (1)")),
                 NULL, 3),
           "Failed", "web-1: task: non-zero exit (1)");
    /* A failure from before the action is history. */
    expect(judge(act("start"), service(1, "none"),
                 json_pack("[o, o]", task(1, "shutdown", "failed", -50, -40, "old"),
                           task(1, "running", "starting", 1, 1, NULL)),
                 NULL, 3),
           "In progress", NULL);
}

static void test_restart_loop_under_any(void **state)
{
    (void)state;
    expect(judge(act("start"), service(1, "any"),
                 json_pack("[o, o, o]",
                           task(1, "shutdown", "failed", 1, 1, "task: non-zero exit (4)"),
                           task(1, "shutdown", "failed", 6, 6, "task: non-zero exit (4)"),
                           task(1, "ready", "ready", 7, 7, NULL)),
                 NULL, 8),
           "In progress", "web-1: task: non-zero exit (4)");
    expect(judge(act("start"), service(1, "any"),
                 json_pack("[o, o, o, o]",
                           task(1, "shutdown", "failed", 1, 1, "task: non-zero exit (4)"),
                           task(1, "shutdown", "failed", 6, 6, "task: non-zero exit (4)"),
                           task(1, "shutdown", "rejected", 12, 12, "No such image: x"),
                           task(1, "ready", "ready", 13, 13, NULL)),
                 NULL, 14),
           "Failed", "web-1: No such image: x (restarted 3 times)");
}

/* A node drained under autorestart OFF: swarm shuts the container down
 * and restarts nothing, so the slot stays empty. */
static void test_drained_slot_under_none(void **state)
{
    (void)state;
    expect(judge(act("scale"), service(2, "none"),
                 json_pack("[o, o]", task(1, "shutdown", "shutdown", -60, 2, NULL),
                           task(2, "running", "running", -60, -50, NULL)),
                 NULL, 4),
           "In progress", NULL);
    expect(judge(act("scale"), service(2, "none"),
                 json_pack("[o, o]", task(1, "shutdown", "shutdown", -60, 2, NULL),
                           task(2, "running", "running", -60, -50, NULL)),
                 NULL, 2 + DCS_T_STABLE),
           "Failed", "web-1: shut down by swarm (its node drained?), not restarted: "
                     "autorestart is OFF");
    /* Shut down before the action (a stop, then a start): history. */
    expect(judge(act("start"), service(1, "none"),
                 json_pack("[o]", task(1, "shutdown", "shutdown", -60, -10, NULL)), NULL, 20),
           "In progress", NULL);
}

static void test_one_shot_and_zero(void **state)
{
    (void)state;
    expect(judge(act("start"), service(1, "none"),
                 json_pack("[o]", task(1, "shutdown", "complete", 1, 2, NULL)), NULL, 3),
           "Success", NULL);
    expect(judge(act("start"), service(0, "none"), json_array(), NULL, 0), "Success", NULL);
}

static void test_global_without_node(void **state)
{
    (void)state;
    expect(judge(act("start"), global_service(), json_array(), NULL, DCS_T_PLACE - 1),
           "In progress", NULL);
    expect(judge(act("start"), global_service(), json_array(), NULL, DCS_T_PLACE),
           "Failed", "no node satisfies the placement constraints");
}

static void test_stop(void **state)
{
    (void)state;
    expect(judge(act("stop"), service(0, "any"),
                 json_pack("[o]", task(1, "shutdown", "running", -60, -50, NULL)), NULL, 2),
           "In progress", NULL);
    expect(judge(act("stop"), service(0, "any"),
                 json_pack("[o]", task(1, "shutdown", "shutdown", -60, 1, NULL)), NULL, 2),
           "Success", NULL);
    expect(judge(act("stop"), service(0, "any"),
                 json_pack("[o]", task(1, "shutdown", "running", -60, -50, NULL)), NULL,
                 DCS_T_STOP + 1),
           "Success", "web-1: still running after 60 s");
    /* A container on a node that is down does not hold a stop up. */
    expect(judge(act("stop"), service(0, "any"),
                 json_pack("[o]", task(1, "shutdown", "running", -60, -50, NULL)),
                 json_pack("[{s:s, s:{s:s}}]", "ID", "node1", "Status", "State", "down"), 2),
           "Success", NULL);
}

static void test_update_paused_and_gone(void **state)
{
    json_t *svc = service(1, "any");
    char started[40];

    (void)state;
    at(1, started);
    json_object_set_new(svc, "UpdateStatus",
                        json_pack("{s:s, s:s, s:s}", "State", "paused", "StartedAt", started,
                                  "Message", "update paused due to failure"));
    expect(judge(act("redeploy"), svc, json_array(), NULL, 3), "Failed",
           "update paused due to failure");
    expect(judge(act("start"), NULL, NULL, NULL, 3), "Failed", "service was removed");
    expect(judge(act("stop"), NULL, NULL, NULL, 3), "Success", NULL);
    expect(judge(act("terminate"), NULL, NULL, NULL, 3), "Success", NULL);
}

static void test_nothing_outlasts_t_max(void **state)
{
    (void)state;
    expect(judge(act("start"), service(1, "any"),
                 json_pack("[o]", task(1, "running", "preparing", 1, 1, NULL)), NULL,
                 DCS_T_MAX + 1),
           "Failed", "not running after 600 s: 0/1 running");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unplaced_fails_after_t_place),
        cmocka_unit_test(test_stable_running_is_success),
        cmocka_unit_test(test_dead_slot_under_none),
        cmocka_unit_test(test_restart_loop_under_any),
        cmocka_unit_test(test_drained_slot_under_none),
        cmocka_unit_test(test_one_shot_and_zero),
        cmocka_unit_test(test_global_without_node),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_update_paused_and_gone),
        cmocka_unit_test(test_nothing_outlasts_t_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
