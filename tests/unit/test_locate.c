/* The field at a position of a JSON or YAML text (locate.c), and JSON
 * refusals told in dcswarm's words with that field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "translate/translate.h"

static const char *json_at(const char *text, const char *marker)
{
    static char out[256];

    dcs_json_path_at(text, strlen(text), (size_t)(strstr(text, marker) - text), out,
                     sizeof(out));
    return out;
}

static void test_json_paths(void **state)
{
    const char *doc = "{\"a\": 1, \"b\": [10, {\"c\": \"X\"}, [1, 2, \"Y\"]], \"d\": {\"e\": \"Z\"}}";

    (void)state;
    assert_string_equal(json_at(doc, "1,"), "a");
    assert_string_equal(json_at(doc, "10"), "b[0]");
    assert_string_equal(json_at(doc, "X"), "b[1].c");
    assert_string_equal(json_at(doc, "Y"), "b[2][2]");
    assert_string_equal(json_at(doc, "Z"), "d.e");
    assert_string_equal(json_at(doc, "{"), "");
    /* Braces and commas inside strings are text, not structure. */
    assert_string_equal(json_at("{\"k,}\": [\"a]\", \"b\\\"{\", \"HERE\"]}", "HERE"), "k,}[2]");
}

static void test_json_path_of_a_bad_key_is_named_safely(void **state)
{
    (void)state;
    /* A key that is not UTF-8 must not make the message invalid. */
    assert_string_equal(json_at("{\"a\xff\": {\"b\": HERE}}", "HERE"), "?.b");
}

/* Found by fuzz_http: a path longer than its buffer was read past the
 * buffer's end, and cut inside a character. */
static void test_json_path_cut_to_its_buffer(void **state)
{
    char doc[400], out[16];
    size_t n = 0;

    (void)state;
    n += (size_t)snprintf(doc + n, sizeof(doc) - n, "{\"services\": {\"");
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(doc + n, sizeof(doc) - n, "l");
    snprintf(doc + n, sizeof(doc) - n, "\": {\"\xc3\xa9\xc3\xa9\": HERE}}}");
    dcs_json_path_at(doc, strlen(doc), (size_t)(strstr(doc, "HERE") - doc), out, sizeof(out));
    assert_string_equal(out, "services.llllll");
    dcs_json_path_at(doc, strlen(doc), (size_t)(strstr(doc, "HERE") - doc), out, 11);
    assert_string_equal(out, "services.l");
    snprintf(doc, sizeof(doc), "{\"ab\xc3\xa9\": HERE}");
    dcs_json_path_at(doc, strlen(doc), (size_t)(strstr(doc, "HERE") - doc), out, 4);
    assert_string_equal(out, "ab"); /* "ab" and half an e-acute: the half goes */
}

static void refused(const char *text, const char *path, const char *message)
{
    struct dcs_error err;

    dcs_error_clear(&err);
    assert_null(dcs_json_parse(text, strlen(text), 0, &err));
    assert_string_equal(err.path, path);
    assert_string_equal(err.text, message);
    assert_int_equal(err.status, 400);
    assert_true(err.line > 0 && err.column > 0);
}

static void test_json_refusals_name_the_field(void **state)
{
    (void)state;
    refused("{\"n\": 99999999999999999999}", "n",
            "integer out of range (more than 64 bits): 99999999999999999999");
    refused("{\"n\": -99999999999999999999}", "n", "integer out of range (more than 64 bits)");
    refused("{\"x\": [1, {\"s\": \"a\\u0000b\"}]}", "x[1].s",
            "a NUL character (\\u0000) cannot be in a value");
    refused("{\"image\": \"a\", \"image\": \"b\"}", "image", "duplicate key \"image\"");
    refused("{\"cmd\": \"\xc3\"}", "cmd", "invalid UTF-8: byte 0xc3 cannot be read");
    refused("{\"r\": 1e999}", "r", "number out of range: 1e999");
    refused("{\"a\": }", "a", "invalid JSON: unexpected token near '}'");
}

static const char *yaml_at(const char *text, size_t line, size_t column)
{
    static char out[256];

    dcs_yaml_path_at(text, strlen(text), line, column, out, sizeof(out));
    return out;
}

static void test_yaml_paths(void **state)
{
    const char *doc = "web:\n"
                      "  image: nginx\n"
                      "  environment:\n"
                      "    - A=1\n"
                      "    - B=\xff\n"
                      "  labels: {x: \"1\", y: \"\x01\"}\n"
                      "db:\n"
                      "  image: redis\n";

    (void)state;
    assert_string_equal(yaml_at(doc, 2, 10), "web.image");
    assert_string_equal(yaml_at(doc, 4, 7), "web.environment[0]");
    assert_string_equal(yaml_at(doc, 5, 9), "web.environment[1]");
    assert_string_equal(yaml_at(doc, 6, 24), "web.labels.y");
    assert_string_equal(yaml_at(doc, 8, 10), "db.image");
    assert_string_equal(yaml_at(doc, 1, 1), "web"); /* on the key itself */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_paths),
        cmocka_unit_test(test_json_path_of_a_bad_key_is_named_safely),
        cmocka_unit_test(test_json_path_cut_to_its_buffer),
        cmocka_unit_test(test_json_refusals_name_the_field),
        cmocka_unit_test(test_yaml_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
