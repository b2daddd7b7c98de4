/*
 * test_engine_objects.c - tasks, nodes, networks and configs on a real
 * swarm, with the engine's 404 and 409 answers.
 */
#include "engine_test.h"

static int setup(void **state)
{
    *state = et_open();
    return 0;
}

static int teardown(void **state)
{
    et_cleanup(*state);
    dcs_engine_free(*state);
    return 0;
}

static void test_tasks_of_a_service(void **state)
{
    struct dcs_engine *eng = *state;
    char name[64];
    json_t *filters = NULL, *tasks, *task;
    struct dcs_error err;
    const char *task_id;
    char *id;

    et_name(name, sizeof(name), "tasks");
    id = et_create(eng, et_spec(name, "sleep 600", 2, 0));
    et_wait_tasks(eng, id, "running", 2, 60);
    assert_int_equal(dcs_filters_add(&filters, "service", id, &err), DCS_OK);
    assert_int_equal(dcs_filters_add(&filters, "desired-state", "running",
                                     &err), DCS_OK);
    tasks = dcs_task_list(eng, filters, &err);
    assert_int_equal(json_array_size(tasks), 2);
    task_id = json_string_value(json_object_get(json_array_get(tasks, 0),
                                                "ID"));
    task = dcs_task_inspect(eng, task_id, &err);
    assert_non_null(task);
    assert_string_equal(json_string_value(json_object_get(task, "ServiceID")),
                        id);
    json_decref(task);
    json_decref(tasks);
    json_decref(filters);
    assert_null(dcs_task_inspect(eng, "dcstnosuchtask", &err));
    assert_int_equal(err.status, 404);
    free(id);
}

static void test_nodes(void **state)
{
    struct dcs_engine *eng = *state;
    json_t *filters = NULL, *nodes;
    struct dcs_error err;

    assert_int_equal(dcs_filters_add(&filters, "role", "manager", &err),
                     DCS_OK);
    nodes = dcs_node_list(eng, filters, &err);
    assert_non_null(nodes);
    assert_true(json_array_size(nodes) >= 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        json_array_get(nodes, 0), "Spec"), "Role")), "manager");
    json_decref(nodes);
    json_decref(filters);
}

static void test_networks(void **state)
{
    struct dcs_engine *eng = *state;
    char name[64], want[160];
    json_t *spec, *net, *filters = NULL, *list;
    struct dcs_error err;
    char *id;

    et_name(name, sizeof(name), "net");
    spec = json_pack("{s:s,s:s,s:b,s:{s:s}}", "Name", name, "Driver",
                     "overlay", "Attachable", 1, "Labels", ET_LABEL,
                     et_run_id());
    id = dcs_network_create(eng, spec, &err);
    assert_non_null(id);
    net = dcs_network_inspect(eng, name, &err);
    assert_string_equal(json_string_value(json_object_get(net, "Id")), id);
    assert_string_equal(json_string_value(json_object_get(net, "Scope")),
                        "swarm");
    json_decref(net);

    assert_int_equal(dcs_filters_add(&filters, "name", name, &err), DCS_OK);
    list = dcs_network_list(eng, filters, &err);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);

    assert_null(dcs_network_create(eng, spec, &err));
    assert_int_equal(err.status, 409);
    snprintf(want, sizeof(want), "network with name %s already exists", name);
    assert_string_equal(err.text, want);

    assert_int_equal(dcs_network_remove(eng, id, &err), DCS_OK);
    assert_null(dcs_network_inspect(eng, id, &err));
    assert_int_equal(err.status, 404);
    json_decref(filters);
    json_decref(spec);
    free(id);
}

static void test_configs(void **state)
{
    struct dcs_engine *eng = *state;
    char name[64], want[160], label[80];
    json_t *spec, *cfg, *filters = NULL, *list;
    struct dcs_error err;
    char *id;

    et_name(name, sizeof(name), "cfg");
    spec = json_pack("{s:s,s:s,s:{s:s}}", "Name", name, "Data", "aGVsbG8=",
                     "Labels", ET_LABEL, et_run_id());
    id = dcs_config_create(eng, spec, &err);
    assert_non_null(id);
    cfg = dcs_config_inspect(eng, name, &err);
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        cfg, "Spec"), "Data")), "aGVsbG8=");
    json_decref(cfg);

    snprintf(label, sizeof(label), "%s=%s", ET_LABEL, et_run_id());
    assert_int_equal(dcs_filters_add(&filters, "label", label, &err), DCS_OK);
    list = dcs_config_list(eng, filters, &err);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);

    assert_null(dcs_config_create(eng, spec, &err));
    assert_int_equal(err.status, 409);
    snprintf(want, sizeof(want), "config %s already exists", name);
    assert_string_equal(err.text, want);

    assert_int_equal(dcs_config_remove(eng, id, &err), DCS_OK);
    assert_int_equal(dcs_config_remove(eng, id, &err), DCS_ERR);
    assert_int_equal(err.status, 404);
    json_decref(filters);
    json_decref(spec);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tasks_of_a_service),
        cmocka_unit_test(test_nodes),
        cmocka_unit_test(test_networks),
        cmocka_unit_test(test_configs),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
