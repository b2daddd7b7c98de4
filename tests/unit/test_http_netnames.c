/* dcswarm serve: swarm names and link aliases of REST services
 * (names.c), and the tokens of services with the global role. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http/model.h"
#include "translate/translate.h"

static void test_swarm_name(void **state)
{
    char out[128], name[64];
    struct dcs_error err = {0};

    (void)state;
    assert_int_equal(dcs_swarm_name("alice", "web", out, sizeof(out), &err), DCS_OK);
    assert_string_equal(out, "alice_web");
    memset(name, 'n', 57);
    name[57] = '\0'; /* alice_ + 57 = 63: the most swarm takes */
    assert_int_equal(dcs_swarm_name("alice", name, out, sizeof(out), &err), DCS_OK);
    assert_int_equal(strlen(out), 63);
    name[57] = 'n';
    name[58] = '\0';
    assert_int_equal(dcs_swarm_name("alice", name, out, sizeof(out), &err), DCS_ERR);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.path, "name");
    assert_non_null(strstr(err.text, "63"));
    dcs_ns_network("bob", out, sizeof(out));
    assert_string_equal(out, "dcswarm_bob");
}

/* An Engine service as the REST layer made it: labels only. */
static json_t *engine_service(const char *uuid, const char *name, const char *links_to,
                              const char *alias)
{
    json_t *canon = json_pack("{s:s, s:[]}", "name", name, "linked_to_service");
    json_t *svc;
    char uri[200], *text;

    if (links_to) {
        snprintf(uri, sizeof(uri), "/api/app/v1/alice/service/%s/", links_to);
        json_array_append_new(json_object_get(canon, "linked_to_service"),
                              json_pack("{s:s, s:s}", "to_service", uri, "name", alias));
    }
    text = json_dumps(canon, JSON_COMPACT);
    svc = json_pack("{s:s, s:{s:{s:s, s:s, s:s}}}", "ID", uuid, "Spec", "Labels",
                    DCS_LABEL_UUID, uuid, DCS_LABEL_NAME, name, DCS_LABEL_SPEC, text);
    free(text);
    json_decref(canon);
    return svc;
}

#define DB "11111111-1111-4111-8111-111111111111"
#define WEB "22222222-2222-4222-8222-222222222222"
#define API "33333333-3333-4333-8333-333333333333"

static void test_links_and_aliases(void **state)
{
    json_t *svcs = json_array(), *from, *aliases, *spec, *nets;
    json_t *api_canon;

    (void)state;
    json_array_append_new(svcs, engine_service(DB, "db", NULL, NULL));
    json_array_append_new(svcs, engine_service(WEB, "web", DB, "database"));
    /* api is being created: its links come from its new canonical form. */
    api_canon = json_pack("{s:s, s:[{s:s, s:s}]}", "name", "api", "linked_to_service",
                          "to_service", "/api/app/v1/alice/service/" DB "/", "name", "pg");
    from = dcs_links_to(svcs, DB, API, api_canon);
    assert_int_equal(json_array_size(from), 2);
    aliases = dcs_aliases(NULL, "db", from);
    assert_int_equal(json_array_size(aliases), 3);
    assert_string_equal(json_string_value(json_array_get(aliases, 0)), "db");
    assert_string_equal(json_string_value(json_array_get(aliases, 1)), "database");
    assert_string_equal(json_string_value(json_array_get(aliases, 2)), "pg");

    spec = json_pack("{s:{}, s:{s:[{s:s}]}}", "Labels", "TaskTemplate", "Networks", "Target",
                     "dcswarm_default");
    dcs_spec_network(spec, "alice", aliases, from);
    nets = json_object_get(json_object_get(spec, "TaskTemplate"), "Networks");
    assert_string_equal(json_string_value(json_object_get(json_array_get(nets, 0), "Target")),
                        "dcswarm_alice");
    assert_true(json_equal(json_object_get(json_array_get(nets, 0), "Aliases"), aliases));
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(spec, "Labels"),
                                                             DCS_LABEL_LINKED_FROM)),
                           "\"from\":\"" WEB "\""));
    json_decref(from);
    /* Without api's new form, web's link is the only one left. */
    from = dcs_links_to(svcs, DB, API, NULL);
    assert_int_equal(json_array_size(from), 1);
    json_decref(from);
    json_decref(aliases);
    json_decref(spec);
    json_decref(api_canon);
    json_decref(svcs);
}

/* A token issued to a global service authenticates as its namespace only
 * (it used to be checked with the namespace and the expected key in one
 * buffer, and never matched). */
static void test_service_token(void **state)
{
    char key[256], header[400], user[DCS_ROUTE_LEN];
    json_t *grants = NULL;
    struct dcs_error err = {0};

    (void)state;
    dcs_auth_set_secret("a-secret-of-the-swarm");
    dcs_auth_service_key("a-secret-of-the-swarm", "alice", key, sizeof(key));
    snprintf(header, sizeof(header), "ApiKey %s:%s", DCS_SERVICE_USER, key);
    assert_int_equal(dcs_auth_check(NULL, header, user, sizeof(user), &grants, &err), DCS_OK);
    assert_string_equal(user, "alice");
    assert_int_equal(json_array_size(grants), 1);
    assert_string_equal(json_string_value(json_array_get(grants, 0)), "alice");
    json_decref(grants);
    grants = NULL;
    key[strlen(key) - 1] = key[strlen(key) - 1] == '0' ? '1' : '0';
    snprintf(header, sizeof(header), "ApiKey %s:%s", DCS_SERVICE_USER, key);
    assert_int_equal(dcs_auth_check(NULL, header, user, sizeof(user), &grants, &err), DCS_ERR);
    assert_int_equal(err.status, 401);
    json_decref(grants);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swarm_name),
        cmocka_unit_test(test_links_and_aliases),
        cmocka_unit_test(test_service_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
