/*
 * test_engine_negotiate.c - the API version chosen from GET /version and
 * the swarm check on GET /info, as pure functions on the engine's JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "swarm/engine.h"

#define HOST "unix:///var/run/docker.sock"

static int negotiate(const char *json, char *out, size_t len,
                     struct dcs_error *err)
{
    json_t *v = json_loads(json, 0, NULL);
    int rc;

    assert_non_null(v);
    dcs_error_clear(err);
    rc = dcs_engine_negotiate(v, HOST, out, len, err);
    json_decref(v);
    return rc;
}

static void test_newer_engine_is_capped(void **state)
{
    char v[16];
    struct dcs_error err;

    (void)state;
    assert_int_equal(negotiate("{\"ApiVersion\":\"1.43\",\"MinAPIVersion\":"
                               "\"1.12\"}", v, sizeof(v), &err), DCS_OK);
    assert_string_equal(v, "1.41");
    assert_int_equal(negotiate("{\"ApiVersion\":\"1.100\"}", v, sizeof(v),
                               &err), DCS_OK);
    assert_string_equal(v, "1.41");
}

static void test_older_engine_is_followed(void **state)
{
    char v[16];
    struct dcs_error err;

    (void)state;
    assert_int_equal(negotiate("{\"ApiVersion\":\"1.41\"}", v, sizeof(v), &err),
                     DCS_OK);
    assert_string_equal(v, "1.41");
    assert_int_equal(negotiate("{\"ApiVersion\":\"1.35\"}", v, sizeof(v), &err),
                     DCS_OK);
    assert_string_equal(v, "1.35");
    assert_int_equal(negotiate("{\"ApiVersion\":\"1.30\"}", v, sizeof(v), &err),
                     DCS_OK);
    assert_string_equal(v, "1.30");
}

static void test_too_old(void **state)
{
    char v[16];
    struct dcs_error err;

    (void)state;
    assert_int_equal(negotiate("{\"ApiVersion\":\"1.29\"}", v, sizeof(v), &err),
                     DCS_ERR);
    assert_int_equal(err.status, 501);
    assert_string_equal(err.text,
                        "the Docker engine at " HOST " speaks API 1.29, too "
                        "old for swarm services (1.30 or newer is needed)");
    /* No ApiVersion at all: older than 1.25, as docker/cli assumes. */
    assert_int_equal(negotiate("{\"Version\":\"1.12.0\"}", v, sizeof(v), &err),
                     DCS_ERR);
    assert_int_equal(err.status, 501);
    assert_non_null(strstr(err.text, "speaks API 1.24"));
}

static void test_engine_dropped_our_version(void **state)
{
    char v[16];
    struct dcs_error err;

    (void)state;
    assert_int_equal(negotiate("{\"ApiVersion\":\"1.60\",\"MinAPIVersion\":"
                               "\"1.44\"}", v, sizeof(v), &err), DCS_ERR);
    assert_int_equal(err.status, 501);
    assert_string_equal(err.text, "the Docker engine at " HOST " no longer "
                        "speaks API 1.41 (its oldest is 1.44)");
}

static void test_not_a_version(void **state)
{
    char v[16];
    struct dcs_error err;

    (void)state;
    assert_int_equal(negotiate("{\"ApiVersion\":\"one\"}", v, sizeof(v), &err),
                     DCS_ERR);
    assert_int_equal(err.status, 502);
    assert_int_equal(negotiate("[]", v, sizeof(v), &err), DCS_ERR);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.text, "the Docker engine at " HOST " sent no "
                        "version information");
}

static int check(const char *json, struct dcs_error *err)
{
    json_t *info = json_loads(json, 0, NULL);
    int rc;

    assert_non_null(info);
    dcs_error_clear(err);
    rc = dcs_engine_check_swarm(info, HOST, err);
    json_decref(info);
    return rc;
}

static void test_manager_passes(void **state)
{
    struct dcs_error err;

    (void)state;
    assert_int_equal(check("{\"Swarm\":{\"LocalNodeState\":\"active\","
                           "\"ControlAvailable\":true}}", &err), DCS_OK);
}

static void test_swarm_states(void **state)
{
    struct dcs_error err;

    (void)state;
    assert_int_equal(check("{\"Swarm\":{\"LocalNodeState\":\"active\","
                           "\"ControlAvailable\":false}}", &err), DCS_ERR);
    assert_int_equal(err.status, 503);
    assert_string_equal(err.text, "the Docker engine at " HOST " is a swarm "
                        "worker, not a manager");
    assert_int_equal(check("{\"Swarm\":{\"LocalNodeState\":\"inactive\"}}",
                           &err), DCS_ERR);
    assert_int_equal(err.status, 503);
    assert_string_equal(err.text, "the Docker engine at " HOST " is not in "
                        "swarm mode (run 'docker swarm init')");
    assert_int_equal(check("{}", &err), DCS_ERR);
    assert_int_equal(err.status, 503);
    assert_non_null(strstr(err.text, "is not in swarm mode"));
    assert_int_equal(check("{\"Swarm\":{\"LocalNodeState\":\"locked\"}}",
                           &err), DCS_ERR);
    assert_non_null(strstr(err.text, "docker swarm unlock"));
    assert_int_equal(check("{\"Swarm\":{\"LocalNodeState\":\"pending\"}}",
                           &err), DCS_ERR);
    assert_non_null(strstr(err.text, "still joining a swarm"));
    assert_int_equal(check("{\"Swarm\":{\"LocalNodeState\":\"error\","
                           "\"Error\":\"raft broke\"}}", &err), DCS_ERR);
    assert_string_equal(err.text, "the Docker engine at " HOST " has a swarm "
                        "error: raft broke");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newer_engine_is_capped),
        cmocka_unit_test(test_older_engine_is_followed),
        cmocka_unit_test(test_too_old),
        cmocka_unit_test(test_engine_dropped_our_version),
        cmocka_unit_test(test_not_a_version),
        cmocka_unit_test(test_manager_passes),
        cmocka_unit_test(test_swarm_states),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
