/* The short syntaxes: ports, volumes, links, volumes_from, memory units,
 * image defaulting, capabilities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "translate/syntax.h"

static void assert_json(const json_t *got, const char *want_text)
{
    json_t *want = json_loads(want_text, 0, NULL);
    char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);

    assert_non_null(want);
    if (!json_equal(want, got))
        fail_msg("got %s, want %s", g ? g : "NULL", want_text);
    free(g);
    json_decref(want);
}

static void test_ports(void **state)
{
    static const struct { const char *in; bool pub; const char *out; } ok[] = {
        {"\"80\"", true, "{\"protocol\":\"tcp\",\"inner_port\":80,\"outer_port\":null,\"published\":true}"},
        {"\"443:443\"", true, "{\"protocol\":\"tcp\",\"inner_port\":443,\"outer_port\":443,\"published\":true}"},
        {"\"500/udp\"", true, "{\"protocol\":\"udp\",\"inner_port\":500,\"outer_port\":null,\"published\":true}"},
        {"\"4500:4500/udp\"", true, "{\"protocol\":\"udp\",\"inner_port\":4500,\"outer_port\":4500,\"published\":true}"},
        {"\"49022:22\"", true, "{\"protocol\":\"tcp\",\"inner_port\":22,\"outer_port\":49022,\"published\":true}"},
        {"8080", true, "{\"protocol\":\"tcp\",\"inner_port\":8080,\"outer_port\":null,\"published\":true}"},
        {"\"90/UDP\"", false, "{\"protocol\":\"udp\",\"inner_port\":90,\"outer_port\":null,\"published\":false}"},
        {"\"65535\"", false, "{\"protocol\":\"tcp\",\"inner_port\":65535,\"outer_port\":null,\"published\":false}"},
    };
    static const struct { const char *in; bool pub; const char *msg; } bad[] = {
        {"\"80a\"", true, "got \"80a\""},
        {"\"0\"", true, "ports 1-65535"},
        {"\"65536\"", true, "ports 1-65535"},
        {"\"70000:80\"", true, "got \"70000:80\""},
        {"\"80/sctp\"", true, "got \"80/sctp\""},
        {"\"80:80\"", false, "expose cannot publish"},
        {"\"\"", true, "expected port"},
        {"0", true, "expected port 1-65535"},
        {"true", true, "expected port"},
    };
    struct dcs_error err;
    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        json_t *in = json_loads(ok[i].in, JSON_DECODE_ANY, NULL);
        json_t *p = dcs_parse_port(in, ok[i].pub, &err);
        assert_non_null(p);
        assert_json(p, ok[i].out);
        json_decref(p);
        json_decref(in);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *in = json_loads(bad[i].in, JSON_DECODE_ANY, NULL);
        dcs_error_clear(&err);
        assert_null(dcs_parse_port(in, bad[i].pub, &err));
        if (!strstr(err.text, bad[i].msg))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].in, err.text, bad[i].msg);
        json_decref(in);
    }
}

static void test_volumes(void **state)
{
    static const struct { const char *in, *out; } ok[] = {
        {"/etc/mysql", "{\"host_path\":null,\"container_path\":\"/etc/mysql\",\"rewritable\":true,\"volumes_from\":null}"},
        {"/sys:/sys", "{\"host_path\":\"/sys\",\"container_path\":\"/sys\",\"rewritable\":true,\"volumes_from\":null}"},
        {"/etc:/etc:ro", "{\"host_path\":\"/etc\",\"container_path\":\"/etc\",\"rewritable\":false,\"volumes_from\":null}"},
        {"/etc:/etc:rw", "{\"host_path\":\"/etc\",\"container_path\":\"/etc\",\"rewritable\":true,\"volumes_from\":null}"},
        {"/cache:ro", "{\"host_path\":null,\"container_path\":\"/cache\",\"rewritable\":false,\"volumes_from\":null}"},
    };
    static const char *const bad[] = {"relative", "/a:relative", "/a:/b:rx", "/a:/b:ro:x", "", ":",
                                     "named:/data", "./data:/data"};
    struct dcs_error err;
    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        json_t *b = dcs_parse_volume(ok[i].in, &err);
        assert_non_null(b);
        assert_json(b, ok[i].out);
        json_decref(b);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(dcs_parse_volume(bad[i], &err));
        assert_non_null(strstr(err.text, "expected \"/path\""));
    }
}

static void test_links_and_volumes_from(void **state)
{
    struct dcs_error err;
    json_t *l;
    (void)state;
    l = dcs_parse_link("mysql", &err);
    assert_json(l, "{\"to_service\":\"mysql\",\"name\":\"mysql\"}");
    json_decref(l);
    l = dcs_parse_link("redis:cache", &err);
    assert_json(l, "{\"to_service\":\"redis\",\"name\":\"cache\"}");
    json_decref(l);
    l = dcs_parse_link("amqp.staging:amqp", &err);
    assert_json(l, "{\"to_service\":\"amqp.staging\",\"name\":\"amqp\"}");
    json_decref(l);
    l = dcs_parse_link("amqp.staging", &err);
    assert_json(l, "{\"to_service\":\"amqp.staging\",\"name\":\"amqp\"}");
    json_decref(l);
    assert_null(dcs_parse_link("bad link", &err));
    assert_null(dcs_parse_link("a:", &err));
    assert_null(dcs_parse_link("a.b.c:x", &err));
    assert_null(dcs_parse_link(":x", &err));
    l = dcs_parse_volumes_from("secrets:ro", &err);
    assert_json(l, "{\"host_path\":null,\"container_path\":null,\"rewritable\":false,\"volumes_from\":\"secrets\"}");
    json_decref(l);
    l = dcs_parse_volumes_from("serviceB.stack1", &err);
    assert_json(l, "{\"host_path\":null,\"container_path\":null,\"rewritable\":true,\"volumes_from\":\"serviceB.stack1\"}");
    json_decref(l);
    assert_null(dcs_parse_volumes_from("a:rx", &err));
    assert_null(dcs_parse_volumes_from("/path", &err));
}

static void test_memory(void **state)
{
    static const struct { const char *in; long long bytes; } ok[] = {
        {"\"512m\"", 512LL << 20}, {"\"1g\"", 1LL << 30}, {"\"100000m\"", 100000LL << 20},
        {"\"1.5g\"", 3LL << 29}, {"\"64k\"", 65536}, {"\"10b\"", 10}, {"\"2GB\"", 2LL << 30},
        {"\"300 M\"", 300LL << 20}, {"1000000", 1000000}, {"\"7\"", 7}, {"0", 0},
    };
    static const char *const bad[] = {"\"12q\"", "\"-1m\"", "\"m\"", "\"1.5.5g\"", "-5",
                                      "\"5000g\"", "true", "\"1gg\""};
    struct dcs_error err;
    long long b;
    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        json_t *in = json_loads(ok[i].in, JSON_DECODE_ANY, NULL);
        assert_int_equal(dcs_parse_memory(in, &b, &err), DCS_OK);
        assert_int_equal(b, ok[i].bytes);
        json_decref(in);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *in = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        if (dcs_parse_memory(in, &b, &err) != DCS_ERR)
            fail_msg("%s accepted as %lld", bad[i], b);
        json_decref(in);
    }
}

static void test_images(void **state)
{
    static const struct { const char *in, *tagged, *name; } cases[] = {
        {"tutum/hello-world", "tutum/hello-world:latest", "hello-world"},
        {"tutum/hello-world:v2", "tutum/hello-world:v2", "hello-world"},
        {"redis", "redis:latest", "redis"},
        {"my.registry.com:5000/team/redis", "my.registry.com:5000/team/redis:latest", "redis"},
        {"localhost:5000/app:1.0", "localhost:5000/app:1.0", "app"},
        {"redis@sha256:abcd", "redis@sha256:abcd", "redis"},
        {"foo.bar/baz.qux", "foo.bar/baz.qux:latest", "baz-qux"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *t = dcs_image_with_tag(cases[i].in), *n = dcs_image_default_name(cases[i].in);
        assert_string_equal(t, cases[i].tagged);
        assert_string_equal(n, cases[i].name);
        free(t);
        free(n);
    }
}

static void test_caps(void **state)
{
    static const struct { const char *add, *drop, *want_add, *want_drop; } cases[] = {
        {"[\"net_admin\",\"CAP_SYS_TIME\",\"SYS_TIME\"]", "[\"NET_ADMIN\",\"MKNOD\"]",
         "[\"CAP_NET_ADMIN\",\"CAP_SYS_TIME\"]", "[\"CAP_MKNOD\"]"},
        {"[\"ALL\",\"NET_ADMIN\"]", "[\"SYS_ADMIN\"]", "[\"ALL\"]", "[]"},
        {"[]", "[\"all\",\"chown\"]", "[]", "[\"ALL\"]"},
        {"[\"RESET\",\"chown\"]", "[]", "[\"CAP_CHOWN\"]", "[]"},
    };
    json_t *a, *d;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *in_a = json_loads(cases[i].add, 0, NULL), *in_d = json_loads(cases[i].drop, 0, NULL);
        assert_int_equal(dcs_caps_normalize(in_a, in_d, &a, &d, NULL), DCS_OK);
        assert_json(a, cases[i].want_add);
        assert_json(d, cases[i].want_drop);
        json_decref(a);
        json_decref(d);
        json_decref(in_a);
        json_decref(in_d);
    }
}

static void test_ip(void **state)
{
    (void)state;
    assert_true(dcs_is_ip("8.8.8.8"));
    assert_true(dcs_is_ip("2001:4860:4860::8888"));
    assert_false(dcs_is_ip("not-an-ip"));
    assert_false(dcs_is_ip("8.8.8"));
    assert_false(dcs_is_ip(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports),      cmocka_unit_test(test_volumes),
        cmocka_unit_test(test_links_and_volumes_from), cmocka_unit_test(test_memory),
        cmocka_unit_test(test_images),     cmocka_unit_test(test_caps),
        cmocka_unit_test(test_ip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
