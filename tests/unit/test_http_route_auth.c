/* dcswarm serve: path routing (every spelling the clients send) and the
 * keys file / Authorization header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "http/api.h"

static void route_ok(const char *path, enum dcs_family fam, const char *ns, const char *type,
                     const char *id, const char *verb)
{
    struct dcs_route rt;
    struct dcs_error err = {0};

    assert_int_equal(dcs_route_parse(path, &rt, &err), DCS_OK);
    assert_int_equal(rt.family, fam);
    assert_string_equal(rt.ns, ns);
    assert_string_equal(rt.type, type);
    assert_string_equal(rt.id, id);
    assert_string_equal(rt.verb, verb);
}

static void test_routes(void **state)
{
    struct dcs_route rt;
    struct dcs_error err = {0};
    const char *u = "7eaf7fff-882c-4f3d-9a8f-a22317ac00ce";

    (void)state;
    route_ok("/api/app/v1/service/", DCS_FAM_APP, "", "service", "", "");
    route_ok("/api/app/v1/service", DCS_FAM_APP, "", "service", "", "");
    route_ok("//api/app/v1//service/", DCS_FAM_APP, "", "service", "", "");
    route_ok("/api/app/v1/alice/service/7eaf7fff-882c-4f3d-9a8f-a22317ac00ce/start/",
             DCS_FAM_APP, "alice", "service", u, "start");
    route_ok("/api/v1/service/7eaf7fff-882c-4f3d-9a8f-a22317ac00ce/", DCS_FAM_TUTUM, "",
             "service", u, "");
    route_ok("/api/v1/auth/", DCS_FAM_TUTUM, "", "auth", "", "");
    route_ok("/api/audit/v1/action/", DCS_FAM_AUDIT, "", "action", "", "");
    route_ok("/api/infra/v1/org/node/", DCS_FAM_INFRA, "org", "node", "", "");
    route_ok("/_ping", DCS_FAM_PING, "", "", "", "");
    assert_int_equal(dcs_route_parse("/api/app/v1/bogus/", &rt, &err), DCS_ERR);
    assert_int_equal(err.status, 404);
    assert_int_equal(dcs_route_parse("/api/app/v1/service/a/b/c/", &rt, &err), DCS_ERR);
    assert_int_equal(dcs_route_parse("/", &rt, &err), DCS_ERR);
}

static struct dcs_auth *load(const char *text, struct dcs_error *err)
{
    char path[] = "/tmp/dcs-keys-XXXXXX";
    int fd = mkstemp(path);
    struct dcs_auth *a;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);
    a = dcs_auth_load(path, err);
    unlink(path);
    return a;
}

/* The Stream API paths: logs, events, Tutum's spellings. */
static void test_stream_routes(void **state)
{
    const char *u = "7eaf7fff-882c-4f3d-9a8f-a22317ac00ce";
    char p[256];

    (void)state;
    snprintf(p, sizeof(p), "/api/app/v1/service/%s/logs/", u);
    route_ok(p, DCS_FAM_APP, "", "service", u, "logs");
    snprintf(p, sizeof(p), "/api/app/v1/myorg/container/%s/logs/", u);
    route_ok(p, DCS_FAM_APP, "myorg", "container", u, "logs");
    route_ok("/api/audit/v1/events", DCS_FAM_AUDIT, "", "events", "", "");
    route_ok("/api/audit/v1/events/", DCS_FAM_AUDIT, "", "events", "", "");
    route_ok("/api/audit/v1/myorg/events", DCS_FAM_AUDIT, "myorg", "events", "", "");
    snprintf(p, sizeof(p), "/v1/service/%s/logs/", u);
    route_ok(p, DCS_FAM_TUTUM, "", "service", u, "logs");
    snprintf(p, sizeof(p), "/v1/container/%s/logs/", u);
    route_ok(p, DCS_FAM_TUTUM, "", "container", u, "logs");
    route_ok("/v1/events", DCS_FAM_TUTUM, "", "events", "", "");
    route_ok("/v1/events/", DCS_FAM_TUTUM, "", "events", "", "");
    route_ok("/api/audit/v1/action/", DCS_FAM_AUDIT, "", "action", "", "");
}

static void test_keys(void **state)
{
    struct dcs_error err = {0};
    char user[DCS_ROUTE_LEN], hash[65], text[256];
    json_t *grants = NULL;
    struct dcs_auth *a;

    (void)state;
    dcs_sha256_hex("s3cret", 6, hash);
    snprintf(text, sizeof(text), "# keys\n\nalice:key-alice-1\nbob:sha256:%s:org1,org2\n", hash);
    a = load(text, &err);
    assert_non_null(a);
    /* "alice:key-alice-1" in base64 */
    assert_int_equal(dcs_auth_check(a, "Basic YWxpY2U6a2V5LWFsaWNlLTE=", user, sizeof(user),
                                    &grants, &err), DCS_OK);
    assert_string_equal(user, "alice");
    assert_int_equal(json_array_size(grants), 1);
    json_decref(grants);
    assert_int_equal(dcs_auth_check(a, "apikey bob:s3cret", user, sizeof(user), &grants, &err),
                     DCS_OK);
    assert_string_equal(json_string_value(json_array_get(grants, 2)), "org2");
    json_decref(grants);
    assert_int_equal(dcs_auth_check(a, "ApiKey bob:wrong", user, sizeof(user), &grants, &err),
                     DCS_ERR);
    assert_int_equal(err.status, 401);
    assert_int_equal(dcs_auth_check(a, NULL, user, sizeof(user), &grants, &err), DCS_ERR);
    assert_int_equal(dcs_auth_check(a, "ApiKey alice:s3cret", user, sizeof(user), &grants, &err),
                     DCS_ERR);
    dcs_auth_free(a);
    assert_null(load("alice:k\nno-key-here\n", &err));
    assert_int_equal(err.line, 2);
}

static void test_uuid_v4(void **state)
{
    char u[37];

    (void)state;
    dcs_uuid_random(u);
    assert_int_equal(strlen(u), 36);
    assert_int_equal(u[14], '4');
    assert_non_null(strchr("89ab", u[19]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_stream_routes),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_uuid_v4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
