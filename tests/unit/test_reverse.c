/* Reverse mapping: the service object has every attribute of the reference
 * example, typed as documented; state and counts come from the tasks;
 * datetimes are RFC 2822 in English; link variables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/datetime.h"
#include "translate/fields.h"
#include "translate/translate.h"

#define EXAMPLE "tests/golden/api-service-md-example/input.json"

static json_t *translate_one(const char *text, const char *stack)
{
    struct dcs_translate_opts o = {0};
    json_t *entries, *result, *spec;

    o.stack = stack;
    entries = dcs_load_services(text, strlen(text), &o, NULL, NULL);
    assert_non_null(entries);
    result = dcs_forward(entries, &o, NULL, NULL, NULL);
    assert_non_null(result);
    spec = json_incref(json_array_get(json_object_get(result, "services"), 0));
    json_decref(result);
    json_decref(entries);
    return spec;
}

static void test_every_example_attribute_typed(void **state)
{
    json_t *example = json_load_file(EXAMPLE, 0, NULL), *spec, *eng, *obj, *v;
    struct dcs_reverse_ctx ctx = {"/api/app/v1/", "user_namespace", "dockerapp.io", NULL, NULL,
                                  NULL};
    char *text;
    const char *key;

    (void)state;
    assert_non_null(example);
    text = json_dumps(example, 0);
    spec = translate_one(text, NULL);
    eng = json_pack("{s:o}", "Spec", spec);
    obj = dcs_reverse(eng, &ctx, NULL);
    assert_non_null(obj);
    json_object_foreach(example, key, v) {
        json_t *got = json_object_get(obj, key);
        if (!got)
            fail_msg("attribute %s missing", key);
        if (json_is_null(v) || json_is_null(got))
            continue; /* documented as "or null" */
        if (json_typeof(got) != json_typeof(v) &&
            !(json_is_boolean(got) && json_is_boolean(v)))
            fail_msg("attribute %s has the wrong type", key);
    }
    /* Never keys that crash or shadow the SDK (clients.md §4). */
    assert_null(json_object_get(obj, "pk"));
    assert_null(json_object_get(obj, "logs"));
    assert_string_equal(json_string_value(json_object_get(obj, "resource_uri")),
                        "/api/app/v1/user_namespace/service/09cbcf8d-a727-40d9-b420-c8e18b7fa55b/");
    assert_string_equal(json_string_value(json_object_get(obj, "public_dns")),
                        "wordpress-stackable.user_namespace.svc.dockerapp.io");
    json_decref(obj);
    json_decref(eng);
    json_decref(example);
    free(text);
}

static json_t *task(const char *id, const char *desired, const char *state_)
{
    return json_pack("{s:s, s:s, s:{s:s}}", "ID", id, "DesiredState", desired,
                     "Status", "State", state_);
}

static const char *state_with(const char *svc_json, json_t *tasks, const char *update)
{
    static char out[64];
    json_t *spec = translate_one(svc_json, NULL), *eng, *obj;
    struct dcs_reverse_ctx ctx = {"/api/app/v1/", NULL, NULL, tasks, NULL, NULL};

    eng = json_pack("{s:o}", "Spec", spec);
    if (update)
        json_object_set_new(eng, "UpdateStatus", json_pack("{s:s}", "State", update));
    obj = dcs_reverse(eng, &ctx, NULL);
    snprintf(out, sizeof(out), "%s %lld/%lld", json_string_value(json_object_get(obj, "state")),
             (long long)json_integer_value(json_object_get(obj, "running_num_containers")),
             (long long)json_integer_value(json_object_get(obj, "current_num_containers")));
    json_decref(obj);
    json_decref(eng);
    return out;
}

static void test_state_from_tasks(void **state)
{
    const char *two = "{\"image\": \"busybox\", \"target_num_containers\": 2}";
    json_t *none = json_array();
    json_t *one = json_pack("[o,o]", task("a", "running", "running"),
                            task("b", "running", "preparing"));
    json_t *both = json_pack("[o,o,o]", task("a", "running", "running"),
                             task("b", "running", "running"), task("c", "shutdown", "complete"));
    (void)state;
    assert_string_equal(state_with(two, NULL, NULL), "Not running 0/0");
    assert_string_equal(state_with(two, none, NULL), "Starting 0/0");
    assert_string_equal(state_with(two, one, NULL), "Partly running 1/2");
    assert_string_equal(state_with(two, both, NULL), "Running 2/2");
    assert_string_equal(state_with(two, both, "updating"), "Redeploying 2/2");
    json_decref(none);
    json_decref(one);
    json_decref(both);
}

static void test_datetimes(void **state)
{
    char buf[DCS_DATETIME_LEN];
    time_t t;
    (void)state;
    dcs_datetime_format(1413198103, buf);
    assert_string_equal(buf, "Mon, 13 Oct 2014 11:01:43 +0000");
    assert_true(dcs_engine_time_parse("2014-10-13T11:01:43.123456789Z", &t));
    assert_int_equal(t, 1413198103);
    assert_true(dcs_engine_time_parse("2014-10-13T13:01:43+02:00", &t));
    assert_int_equal(t, 1413198103);
    assert_true(dcs_datetime_from_engine("2015-04-24T16:30:47Z", buf));
    assert_string_equal(buf, "Fri, 24 Apr 2015 16:30:47 +0000");
    assert_false(dcs_datetime_from_engine("0001-01-01T00:00:00Z", buf));
    assert_false(dcs_datetime_from_engine("yesterday", buf));
}

static void test_link_variables(void **state)
{
    json_t *target = json_loads(
        "{\"name\":\"wordpress-stackable\",\"container_ports\":[{\"protocol\":\"udp\",\"inner_port\":53},"
        "{\"protocol\":\"tcp\",\"inner_port\":80}],\"container_envvars\":[{\"key\":\"DB_NAME\","
        "\"value\":\"wordpress\"},{\"key\":\"HOME\",\"value\":\"/\"},{\"key\":\"PATH\",\"value\":\"/bin\"}]}",
        0, NULL);
    json_t *v = dcs_link_variables("wordpress-stackable", target);
    (void)state;
    assert_string_equal(json_string_value(json_object_get(v, "WORDPRESS_STACKABLE_PORT")),
                        "tcp://wordpress-stackable:80"); /* TCP first */
    /* Each container at its hostname, Docker Cloud's container name. */
    assert_string_equal(json_string_value(json_object_get(v, "WORDPRESS_STACKABLE_1_PORT_80_TCP_ADDR")),
                        "wordpress-stackable-1");
    assert_string_equal(json_string_value(json_object_get(v, "WORDPRESS_STACKABLE_PORT_53_UDP")),
                        "udp://wordpress-stackable:53");
    assert_string_equal(json_string_value(json_object_get(v, "WORDPRESS_STACKABLE_PORT_80_TCP_PORT")), "80");
    assert_string_equal(json_string_value(json_object_get(v, "WORDPRESS_STACKABLE_1_ENV_DB_NAME")), "wordpress");
    assert_null(json_object_get(v, "WORDPRESS_STACKABLE_ENV_HOME"));
    assert_null(json_object_get(v, "WORDPRESS_STACKABLE_1_ENV_PATH"));
    assert_int_equal(json_object_size(v), 2 * (1 + 2 * 4 + 1));
    json_decref(v);
    /* A set per container; none of their own for a target that sets its
     * own hostname or runs on every node: one set at the alias. */
    json_object_set_new(target, "target_num_containers", json_integer(3));
    v = dcs_link_variables("wp", target);
    assert_string_equal(json_string_value(json_object_get(v, "WP_3_PORT")),
                        "tcp://wordpress-stackable-3:80");
    assert_null(json_object_get(v, "WP_4_PORT"));
    assert_int_equal(json_object_size(v), 4 * (1 + 2 * 4 + 1));
    json_decref(v);
    json_object_set_new(target, "hostname", json_string("fixed"));
    v = dcs_link_variables("wp", target);
    assert_string_equal(json_string_value(json_object_get(v, "WP_1_PORT")), "tcp://wp:80");
    assert_null(json_object_get(v, "WP_2_PORT"));
    json_decref(v);
    json_object_del(target, "hostname");
    json_object_set_new(target, "deployment_strategy", json_string("EVERY_NODE"));
    v = dcs_link_variables("wp", target);
    assert_string_equal(json_string_value(json_object_get(v, "WP_1_PORT")), "tcp://wp:80");
    assert_null(json_object_get(v, "WP_2_PORT"));
    json_decref(v);
    json_decref(target);
}

/* A PATCH body's fragment has no name: read back, it has no link
 * variables (it used to crash -o cloud). */
static void test_fragment_without_name(void **state)
{
    struct dcs_reverse_ctx ctx = {"/api/app/v1/", NULL, NULL, NULL, NULL, NULL};
    json_t *svc = json_pack("{s:{s:{s:{s:i}}}}", "Spec", "Mode", "Replicated", "Replicas", 3);
    struct dcs_error err;
    json_t *obj;

    (void)state;
    obj = dcs_reverse(svc, &ctx, &err);
    assert_non_null(obj);
    assert_int_equal(json_object_size(json_object_get(obj, "link_variables")), 0);
    assert_int_equal(json_integer_value(json_object_get(obj, "target_num_containers")), 3);
    json_decref(obj);
    json_decref(svc);
}

static void test_link_env_injected_and_not_user(void **state)
{
    const char *stack = "web:\n  image: nginx\n  environment:\n    DB_PORT: mine\n  links:\n    - db\n"
                        "db:\n  image: mysql\n  expose:\n    - \"3306\"\n";
    struct dcs_translate_opts o = {0};
    json_t *entries = dcs_load_services(stack, strlen(stack), &o, NULL, NULL);
    json_t *result = dcs_forward(entries, &o, NULL, NULL, NULL);
    json_t *web = json_array_get(json_object_get(result, "services"), 0);
    struct dcs_reverse_ctx ctx = {"/api/app/v1/", NULL, NULL, NULL, NULL, NULL};
    json_t *eng = json_pack("{s:O}", "Spec", web), *obj = dcs_reverse(eng, &ctx, NULL);
    const json_t *env = json_object_get(obj, "container_envvars");
    (void)state;
    /* The user's variables only; link variables are "tutum" in calculated_envvars. */
    assert_int_equal(json_array_size(env), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(env, 0), "key")), "DB_PORT");
    assert_true(json_array_size(json_object_get(obj, "calculated_envvars")) > 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(
                            json_object_get(obj, "calculated_envvars"), 1), "origin")), "tutum");
    json_decref(obj);
    json_decref(eng);
    json_decref(result);
    json_decref(entries);
}

/* The link-env label read in place as dcswarm writes it, and any other
 * spelling of the same JSON read as JSON; a label that is not JSON names
 * nothing. */
static void test_link_env_label_spellings(void **state)
{
    static const struct {
        const char *label, *user;  /* the user's variables left */
    } cases[] = {
        {"[\"B_C\"]", "A D"},       {"[ \"B_C\" ]", "A D"},
        {"[\"B\\u005fC\"]", "A D"}, {"[\"A\",\"D\"]", "B_C"},
        {"[\"D\",\"A\"]", "B_C"},   {"[]", "A B_C D"},
        {"[\"B_C\"", "A B_C D"},    {"[\"B_C\"]x", "A B_C D"},
        {"{\"B_C\": 1}", "A B_C D"}, {NULL, "A B_C D"},
        {"[\"D\",\"x\ty\"]", "A B_C D"}, /* a raw tab: not JSON */
    };
    struct dcs_reverse_ctx ctx = {"/api/app/v1/", NULL, NULL, NULL, NULL, NULL};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *eng = json_pack("{s:{s:s, s:{s:{s:s, s:[sss]}}, s:{}}}", "Spec", "Name", "x",
                                "TaskTemplate", "ContainerSpec", "Image", "busybox", "Env",
                                "A=1", "B_C=2", "D", "Labels");
        json_t *obj, *e;
        char user[64] = "";
        size_t k;
        if (cases[i].label)
            json_object_set_new(json_object_get(json_object_get(eng, "Spec"), "Labels"),
                                DCS_LABEL_LINKENV, json_string(cases[i].label));
        obj = dcs_reverse(eng, &ctx, NULL);
        assert_non_null(obj);
        json_array_foreach(json_object_get(obj, "container_envvars"), k, e)
            snprintf(user + strlen(user), sizeof(user) - strlen(user), "%s%s", k ? " " : "",
                     json_string_value(json_object_get(e, "key")));
        if (strcmp(user, cases[i].user))
            fail_msg("label %s: user variables \"%s\", expected \"%s\"", cases[i].label,
                     user, cases[i].user);
        json_decref(obj);
        json_decref(eng);
    }
}

/* r->out: a key set again keeps its place and takes the new value (as a
 * jansson object would); keys of one first letter are told apart; NULL
 * sets nothing; past DCS_REV_MEMBERS the build is marked, nothing lost. */
static void test_members_set_get(void **state)
{
    struct dcs_json_member m[DCS_REV_MEMBERS];
    struct rev r = {.out = m};
    static char keys[DCS_REV_MEMBERS + 1][8];

    (void)state;
    dcs_rev_set(&r, "cpu_shares", json_integer(1));
    dcs_rev_set(&r, "command", json_string("a"));
    dcs_rev_set(&r, "cap_add", json_array());
    dcs_rev_set(&r, "command", json_string("b"));
    dcs_rev_set(&r, "name", NULL);
    assert_int_equal(r.n_out, 3);
    assert_string_equal(m[1].key, "command");
    assert_string_equal(json_string_value(m[1].value), "b");
    assert_int_equal(json_integer_value(dcs_rev_get(&r, "cpu_shares")), 1);
    assert_true(json_is_array(dcs_rev_get(&r, "cap_add")));
    assert_null(dcs_rev_get(&r, "cap_drop"));
    assert_null(dcs_rev_get(&r, "name"));
    for (int i = 3; i <= DCS_REV_MEMBERS; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        dcs_rev_set(&r, keys[i], json_integer(i));
    }
    assert_int_equal(r.n_out, DCS_REV_MEMBERS);
    assert_true(r.out_full);
    assert_int_equal(json_integer_value(dcs_rev_get(&r, "k127")), 127);
    assert_null(dcs_rev_get(&r, "k128"));
    for (size_t i = 0; i < r.n_out; i++)
        json_decref((json_t *)m[i].value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_example_attribute_typed),
        cmocka_unit_test(test_state_from_tasks),
        cmocka_unit_test(test_datetimes),
        cmocka_unit_test(test_fragment_without_name),
        cmocka_unit_test(test_link_variables),
        cmocka_unit_test(test_link_env_injected_and_not_user),
        cmocka_unit_test(test_link_env_label_spellings),
        cmocka_unit_test(test_members_set_get),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
