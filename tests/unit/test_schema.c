/* Unit tests for src/translate/schema.c, on schemas written here. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "translate/schema.h"

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

    if (!v)
        fail_msg("bad JSON in test: %s: %s", text, je.text);
    return v;
}

/* Validate instance text against schema text: "" when valid, else
 * "path: text". */
static char *check(const char *schema_text, const char *instance_text,
                   const char *prefix, int *status)
{
    static char out[2 * DCS_ERROR_TEXT_LEN];
    json_t *schema = parse(schema_text);
    json_t *instance = parse(instance_text);
    struct dcs_error err;

    dcs_error_clear(&err);
    if (dcs_schema_validate(schema, instance, prefix, &err) == DCS_OK) {
        out[0] = '\0';
        assert_int_equal(err.status, 0);
    } else {
        dcs_error_format(&err, out, sizeof(out));
    }
    if (status)
        *status = err.status;
    json_decref(schema);
    json_decref(instance);
    return out;
}

struct row {
    const char *schema;
    const char *instance;
    const char *want; /* "" = valid */
};

static void run_rows(const struct row *rows, size_t n, const char *prefix)
{
    size_t i;

    for (i = 0; i < n; i++) {
        int status;
        const char *got = check(rows[i].schema, rows[i].instance, prefix, &status);
        if (strcmp(got, rows[i].want) != 0)
            fail_msg("schema %s\n  instance %s\n  got  %s\n  want %s",
                     rows[i].schema, rows[i].instance, got, rows[i].want);
        assert_int_equal(status, rows[i].want[0] ? 400 : 0);
    }
}

#define RUN(rows, prefix) run_rows(rows, sizeof(rows) / sizeof(rows[0]), prefix)

/* ---- keywords and their wording --------------------------------------- */

#define PORT "{\"type\": \"integer\", \"minimum\": 1, \"maximum\": 65535}"

static const struct row types[] = {
    {"{\"type\": \"string\"}", "\"x\"", ""},
    {"{\"type\": \"string\"}", "5", "expected string, got 5"},
    {"{\"type\": \"integer\"}", "5", ""},
    {"{\"type\": \"integer\"}", "5.0", "expected integer, got 5.0"},
    {"{\"type\": \"integer\"}", "\"5\"", "expected integer, got \"5\""},
    {"{\"type\": \"number\"}", "5", ""},
    {"{\"type\": \"number\"}", "5.5", ""},
    {"{\"type\": \"number\"}", "null", "expected number, got null"},
    {"{\"type\": \"boolean\"}", "false", ""},
    {"{\"type\": \"boolean\"}", "\"true\"", "expected boolean, got \"true\""},
    {"{\"type\": \"null\"}", "null", ""},
    {"{\"type\": \"object\"}", "[]", "expected object, got []"},
    {"{\"type\": \"array\"}", "{}", "expected array, got {}"},
    {"{\"type\": [\"integer\", \"string\"]}", "\"a\"", ""},
    {"{\"type\": [\"integer\", \"string\"]}", "true",
     "expected integer or string, got true"},
    {"{\"type\": [\"integer\", \"number\"]}", "true", "expected number, got true"},
    {"{}", "{\"anything\": [1]}", ""},
    {"true", "1", ""},
    {"false", "1", "not allowed here"},
};

static void test_types(void **state)
{
    (void)state;
    RUN(types, NULL);
}

static const struct row numbers[] = {
    {PORT, "80", ""},
    {PORT, "1", ""},
    {PORT, "65535", ""},
    {PORT, "0", "expected integer 1-65535, got 0"},
    {PORT, "65536", "expected integer 1-65535, got 65536"},
    {PORT, "\"80a\"", "expected integer 1-65535, got \"80a\""},
    {"{\"type\": \"integer\", \"minimum\": 0}", "-1", "expected integer >= 0, got -1"},
    {"{\"type\": \"integer\", \"maximum\": 10}", "11", "expected integer <= 10, got 11"},
    {"{\"type\": \"integer\", \"minimum\": -5, \"maximum\": 5}", "6",
     "expected integer >= -5 and <= 5, got 6"},
    {"{\"type\": \"number\", \"exclusiveMinimum\": 0}", "0",
     "expected number > 0, got 0"},
    {"{\"type\": \"number\", \"exclusiveMinimum\": 0}", "0.001", ""},
    {"{\"type\": \"number\", \"exclusiveMinimum\": 0, \"maximum\": 1.5}", "2",
     "expected number > 0 and <= 1.5, got 2"},
    {"{\"type\": \"number\", \"exclusiveMaximum\": 1}", "1",
     "expected number < 1, got 1"},
    {"{\"minimum\": 2}", "\"not a number\"", ""},
    {"{\"minimum\": 2}", "1.5", "expected number >= 2, got 1.5"},
    {"{\"type\": \"integer\", \"maximum\": 9223372036854775807}",
     "9223372036854775807", ""},
};

static void test_numbers(void **state)
{
    (void)state;
    RUN(numbers, NULL);
}

static const struct row strings[] = {
    {"{\"type\": \"string\", \"minLength\": 1}", "\"\"",
     "expected non-empty string, got \"\""},
    {"{\"type\": \"string\", \"maxLength\": 3}", "\"abcd\"",
     "expected string of at most 3 characters, got \"abcd\""},
    /* lengths count characters: "ééé" is 6 bytes */
    {"{\"type\": \"string\", \"maxLength\": 3}", "\"\xc3\xa9\xc3\xa9\xc3\xa9\"", ""},
    {"{\"type\": \"string\", \"minLength\": 4}", "\"\xc3\xa9\xc3\xa9\xc3\xa9\"",
     "expected string of at least 4 characters, got \"\xc3\xa9\xc3\xa9\xc3\xa9\""},
    {"{\"type\": \"string\", \"minLength\": 2, \"maxLength\": 2}", "\"a\"",
     "expected string of 2 characters, got \"a\""},
    {"{\"type\": \"string\", \"minLength\": 1, \"maxLength\": 63}", "\"\"",
     "expected string of 1-63 characters, got \"\""},
    {"{\"type\": \"string\", \"maxLength\": 1}", "\"ab\"",
     "expected string of at most 1 character, got \"ab\""},
    {"{\"type\": \"string\", \"pattern\": \"^[a-z][a-z0-9-]*$\"}", "\"web-1\"", ""},
    {"{\"type\": \"string\", \"pattern\": \"^[a-z][a-z0-9-]*$\"}", "\"Web\"",
     "expected string matching ^[a-z][a-z0-9-]*$, got \"Web\""},
    /* unanchored, as JSON Schema says */
    {"{\"pattern\": \"[0-9]+\"}", "\"port 80\"", ""},
    {"{\"pattern\": \"[0-9]+\"}", "80", ""},
    {"{\"type\": \"string\", \"minLength\": 1, \"pattern\": \"^/\"}", "\"tmp\"",
     "expected non-empty string matching ^/, got \"tmp\""},
};

static void test_strings(void **state)
{
    (void)state;
    RUN(strings, NULL);
}

static const struct row enums[] = {
    {"{\"enum\": [\"OFF\", \"ON_FAILURE\", \"ALWAYS\"]}", "\"ALWAYS\"", ""},
    {"{\"enum\": [\"OFF\", \"ON_FAILURE\", \"ALWAYS\"]}", "\"SOMETIMES\"",
     "expected one of \"OFF\", \"ON_FAILURE\", \"ALWAYS\", got \"SOMETIMES\""},
    {"{\"type\": \"string\", \"enum\": [\"a\", \"b\"]}", "1",
     "expected one of \"a\", \"b\", got 1"},
    {"{\"enum\": [1, null, [1]]}", "[1]", ""},
    {"{\"enum\": [1, null, [1]]}", "2", "expected one of 1, null, [1], got 2"},
    {"{\"enum\": [\"only\"]}", "\"x\"", "expected \"only\", got \"x\""},
    {"{\"const\": \"v2\"}", "\"v2\"", ""},
    {"{\"const\": \"v2\"}", "\"v3\"", "expected \"v2\", got \"v3\""},
    {"{\"const\": {\"a\": 1}}", "{\"a\": 1}", ""},
};

static void test_enum_const(void **state)
{
    (void)state;
    RUN(enums, NULL);
}

/* ---- objects ------------------------------------------------------------ */

#define SERVICE                                                              \
    "{\"type\": \"object\", \"required\": [\"image\"],"                      \
    " \"additionalProperties\": false,"                                      \
    " \"properties\": {"                                                     \
    "  \"image\": {\"type\": \"string\", \"minLength\": 1},"                 \
    "  \"autorestart\": {\"enum\": [\"OFF\", \"ON_FAILURE\", \"ALWAYS\"]},"  \
    "  \"container_ports\": {\"type\": \"array\", \"items\": {"              \
    "    \"type\": \"object\", \"required\": [\"inner_port\"],"              \
    "    \"properties\": {\"inner_port\": " PORT ","                         \
    "                     \"protocol\": {\"enum\": [\"tcp\", \"udp\"]}}}}}}"

static const struct row objects[] = {
    {SERVICE, "{\"image\": \"nginx\"}", ""},
    {SERVICE, "{}", "missing required field \"image\""},
    {SERVICE, "{\"image\": \"\"}", "image: expected non-empty string, got \"\""},
    {SERVICE, "{\"image\": \"x\", \"container_ports\": [{\"inner_port\": 80},"
              " {\"inner_port\": \"80a\"}]}",
     "container_ports[1].inner_port: expected integer 1-65535, got \"80a\""},
    {SERVICE, "{\"image\": \"x\", \"container_ports\": [{\"protocol\": \"tcp\"}]}",
     "container_ports[0]: missing required field \"inner_port\""},
    {SERVICE, "{\"image\": \"x\", \"autorestart\": \"SOMETIMES\"}",
     "autorestart: expected one of \"OFF\", \"ON_FAILURE\", \"ALWAYS\", "
     "got \"SOMETIMES\""},
    /* an unknown field: a close known name is suggested ... */
    {SERVICE, "{\"imgae\": \"x\"}", "imgae: unknown field (did you mean \"image\"?)"},
    {SERVICE, "{\"image\": \"x\", \"autorestrat\": \"OFF\"}",
     "autorestrat: unknown field (did you mean \"autorestart\"?)"},
    /* ... else the short list of known ones */
    {SERVICE, "{\"image\": \"x\", \"cpu\": 1}",
     "cpu: unknown field (allowed: \"autorestart\", \"container_ports\", \"image\")"},
    /* errors come in the instance's order; required last */
    {SERVICE, "{\"autorestart\": 1, \"bogus\": 2}",
     "autorestart: expected one of \"OFF\", \"ON_FAILURE\", \"ALWAYS\", got 1"},
    {SERVICE, "{\"bogus\": 2, \"autorestart\": 1}",
     "bogus: unknown field (allowed: \"autorestart\", \"container_ports\", \"image\")"},
    {"{\"additionalProperties\": false}", "{\"a\": 1}", "a: unknown field"},
    {"{\"additionalProperties\": {\"type\": \"string\"}}", "{\"a\": \"x\", \"b\": 2}",
     "b: expected string, got 2"},
    {"{\"properties\": {\"a\": false}}", "{\"a\": 1}", "a: not allowed here"},
    {"{\"required\": [\"a\"]}", "[]", ""},
    {"{\"patternProperties\": {\"^x-\": {\"type\": \"string\"}},"
     " \"additionalProperties\": false}",
     "{\"x-a\": \"1\", \"x-b\": 2}", "x-b: expected string, got 2"},
    {"{\"patternProperties\": {\"^x-\": {\"type\": \"string\"}},"
     " \"additionalProperties\": false}",
     "{\"x-a\": \"1\", \"y\": 2}", "y: unknown field"},
    /* a key can match properties and patternProperties: both apply */
    {"{\"properties\": {\"x-a\": {\"type\": \"string\"}},"
     " \"patternProperties\": {\"a$\": {\"maxLength\": 1}}}",
     "{\"x-a\": \"long\"}", "x-a: expected string of at most 1 character, got \"long\""},
    {"{\"propertyNames\": {\"pattern\": \"^[A-Z_]+$\"}}", "{\"OK\": 1, \"bad\": 2}",
     "bad: invalid field name: expected string matching ^[A-Z_]+$, got \"bad\""},
    {"{\"propertyNames\": {\"x-expected\": \"an upper-case name\","
     " \"pattern\": \"^[A-Z]+$\"}}", "{\"bad\": 2}",
     "bad: invalid field name: expected an upper-case name, got \"bad\""},
};

static void test_objects(void **state)
{
    (void)state;
    RUN(objects, NULL);
}

static void test_path_prefix(void **state)
{
    (void)state;
    assert_string_equal(check(SERVICE, "{\"image\": \"x\", \"container_ports\": "
                                       "[{\"inner_port\": 0}]}",
                              "web", NULL),
                        "web.container_ports[0].inner_port: expected integer "
                        "1-65535, got 0");
    assert_string_equal(check(SERVICE, "{}", "web", NULL),
                        "web: missing required field \"image\"");
    assert_string_equal(check("{\"items\": {\"type\": \"string\"}}", "[\"a\", 1]",
                              "services[3].tags", NULL),
                        "services[3].tags[1]: expected string, got 1");
    assert_string_equal(check("{\"items\": {\"type\": \"string\"}}", "[1]", "", NULL),
                        "[0]: expected string, got 1");
}

/* ---- arrays ------------------------------------------------------------- */

static const struct row arrays[] = {
    {"{\"type\": \"array\", \"minItems\": 1}", "[]", "expected non-empty array, got []"},
    {"{\"type\": \"array\", \"maxItems\": 2}", "[1, 2, 3]",
     "expected array of at most 2 items, got [1,2,3]"},
    {"{\"type\": \"array\", \"minItems\": 2, \"maxItems\": 3}", "[1]",
     "expected array of 2-3 items, got [1]"},
    {"{\"uniqueItems\": true}", "[\"a\", \"b\", \"a\"]",
     "[2]: expected unique items, got \"a\" again (first at [0])"},
    {"{\"uniqueItems\": true}", "[{\"a\": [1]}, {\"a\": [1]}]",
     "[1]: expected unique items, got {\"a\":[1]} again (first at [0])"},
    {"{\"uniqueItems\": true}", "[1, \"1\", true]", ""},
    {"{\"uniqueItems\": false}", "[1, 1]", ""},
    {"{\"items\": {\"type\": \"integer\"}}", "[1, 2, \"3\"]",
     "[2]: expected integer, got \"3\""},
    {"{\"items\": false}", "[]", ""},
    {"{\"items\": false}", "[1]", "[0]: not allowed here"},
};

static void test_arrays(void **state)
{
    (void)state;
    RUN(arrays, NULL);
}

/* ---- combinators ------------------------------------------------------- */

#define PORT_OR_STRING                                                   \
    "{\"anyOf\": [" PORT ", {\"type\": \"string\", \"pattern\": \"^[0-9]+$\"}]}"

static const struct row combinators[] = {
    {PORT_OR_STRING, "80", ""},
    {PORT_OR_STRING, "\"80\"", ""},
    /* all alternatives fail on their type: both are named */
    {PORT_OR_STRING, "true",
     "expected integer 1-65535 or string matching ^[0-9]+$, got true"},
    /* the alternative whose type matched says more */
    {PORT_OR_STRING, "\"80a\"", "expected string matching ^[0-9]+$, got \"80a\""},
    {PORT_OR_STRING, "0", "expected integer 1-65535, got 0"},
    /* x-expected words the failure of the whole */
    {"{\"x-expected\": \"a port (1-65535, number or string)\", \"anyOf\": ["
     PORT ", {\"type\": \"string\", \"pattern\": \"^[0-9]+$\"}]}",
     "\"80a\"", "expected a port (1-65535, number or string), got \"80a\""},
    /* the alternative that got deepest wins over x-expected */
    {"{\"x-expected\": \"a name or a port mapping\", \"anyOf\": ["
     "{\"type\": \"string\"},"
     "{\"type\": \"object\", \"properties\": {\"inner_port\": " PORT "}}]}",
     "{\"inner_port\": -1}", "inner_port: expected integer 1-65535, got -1"},
    {"{\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"object\","
     " \"required\": [\"a\"]}]}",
     "{}", "missing required field \"a\""},
    {"{\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"object\","
     " \"required\": [\"a\"]}]}",
     "5", "expected string or object, got 5"},
    {"{\"oneOf\": [{\"type\": \"integer\"}, {\"type\": \"number\"}]}", "1.5", ""},
    {"{\"oneOf\": [{\"type\": \"integer\"}, {\"type\": \"number\"}]}", "1",
     "expected integer or number, got 1, which matches more than one of them"},
    {"{\"oneOf\": [{\"type\": \"integer\"}, {\"type\": \"string\"}]}", "null",
     "expected integer or string, got null"},
    {"{\"allOf\": [{\"type\": \"string\"}, {\"maxLength\": 2}]}", "\"ab\"", ""},
    {"{\"allOf\": [{\"type\": \"string\"}, {\"maxLength\": 2}]}", "\"abc\"",
     "expected string of at most 2 characters, got \"abc\""},
    {"{\"not\": {\"type\": \"null\"}}", "1", ""},
    {"{\"not\": {\"type\": \"null\"}}", "null", "expected anything but null, got null"},
    {"{\"x-expected\": \"a value\", \"not\": {\"enum\": [\"latest\"]}}",
     "\"latest\"", "expected a value, got \"latest\""},
    /* nested anyOf reports its own combined wording up */
    {"{\"anyOf\": [{\"type\": \"null\"}, {\"anyOf\": [{\"type\": \"integer\"},"
     " {\"type\": \"string\"}]}]}",
     "[]", "expected null or integer or string, got []"},
};

static void test_combinators(void **state)
{
    (void)state;
    RUN(combinators, NULL);
}

/* ---- $ref and x-expected ---------------------------------------------- */

#define WITH_DEFS(body)                                                     \
    "{\"definitions\": {"                                                   \
    "  \"port\": {\"x-expected\": \"a port number 1-65535\","               \
    "             \"type\": \"integer\", \"minimum\": 1, \"maximum\": 65535}," \
    "  \"tree\": {\"type\": \"object\", \"properties\": {"                  \
    "     \"name\": {\"type\": \"string\"},"                                \
    "     \"children\": {\"type\": \"array\","                              \
    "                    \"items\": {\"$ref\": \"#/definitions/tree\"}}}}"  \
    "}, " body "}"

static const struct row refs[] = {
    {WITH_DEFS("\"properties\": {\"p\": {\"$ref\": \"#/definitions/port\"}}"),
     "{\"p\": 80}", ""},
    {WITH_DEFS("\"properties\": {\"p\": {\"$ref\": \"#/definitions/port\"}}"),
     "{\"p\": \"http\"}", "p: expected a port number 1-65535, got \"http\""},
    {WITH_DEFS("\"properties\": {\"p\": {\"$ref\": \"#/definitions/port\","
               " \"x-expected\": \"the port\"}}"),
     "{\"p\": 0}", "p: expected the port, got 0"},
    {WITH_DEFS("\"$ref\": \"#/definitions/tree\""),
     "{\"name\": \"a\", \"children\": [{\"name\": \"b\", \"children\": "
     "[{\"name\": 3}]}]}",
     "children[0].children[0].name: expected string, got 3"},
    {"{\"properties\": {\"a\": {\"type\": \"integer\"},"
     " \"b\": {\"$ref\": \"#/properties/a\"}}}",
     "{\"b\": \"x\"}", "b: expected integer, got \"x\""},
    {"{\"items\": [{\"$ref\": \"#/definitions/x\"}]}", "[]", ""},
};

static void test_refs(void **state)
{
    (void)state;
    /* the last row holds a tuple "items": refused like any bad schema */
    run_rows(refs, sizeof(refs) / sizeof(refs[0]) - 1, NULL);
}

static void test_x_expected_scope(void **state)
{
    (void)state;
    /* x-expected of an object does not hide what is wrong inside it */
    assert_string_equal(check("{\"x-expected\": \"a service\", \"type\": \"object\","
                              " \"properties\": {\"a\": {\"type\": \"integer\"}}}",
                              "{\"a\": \"x\"}", NULL, NULL),
                        "a: expected integer, got \"x\"");
    assert_string_equal(check("{\"x-expected\": \"a service\", \"type\": \"object\"}",
                              "[]", NULL, NULL),
                        "expected a service, got []");
    /* nor a missing field */
    assert_string_equal(check("{\"x-expected\": \"a service\", \"required\": [\"a\"]}",
                              "{}", NULL, NULL),
                        "missing required field \"a\"");
}

static void test_found_truncated(void **state)
{
    char instance[400];
    const char *got;
    size_t i;

    (void)state;
    instance[0] = '"';
    for (i = 1; i < 200; i++)
        instance[i] = (char)('a' + i % 26);
    memcpy(instance + 200, "\"", 2);
    got = check("{\"type\": \"integer\"}", instance, NULL, NULL);
    assert_string_equal(got, "expected integer, got "
                             "\"bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcde...");
    /* a cut never splits a UTF-8 character: 56 ASCII bytes, then "é" */
    instance[0] = '"';
    for (i = 1; i < 56; i++)
        instance[i] = 'x';
    memcpy(instance + 56, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", 10);
    got = check("{\"type\": \"integer\"}", instance, NULL, NULL);
    assert_string_equal(got, "expected integer, got "
                             "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...");
    got = check("{\"type\": \"string\"}", "{\"a\": [1, 2, 3], \"b\": {\"c\": null}}",
                NULL, NULL);
    assert_string_equal(got, "expected string, got {\"a\":[1,2,3],\"b\":{\"c\":null}}");
}

static void test_long_path_stays_utf8(void **state)
{
    char prefix[400];
    json_t *schema = parse("{\"type\": \"string\"}");
    json_t *instance = json_integer(1);
    struct dcs_error err;
    json_t *check;
    size_t i;

    (void)state;
    prefix[0] = 'x';
    prefix[1] = 'y';
    for (i = 0; i < 150; i++)
        memcpy(prefix + 2 + 2 * i, "\xc3\xa9", 2);
    prefix[302] = '\0';
    assert_int_equal(dcs_schema_validate(schema, instance, prefix, &err), DCS_ERR);
    check = json_pack("[s, s]", err.path, err.text);
    assert_non_null(check);
    /* 255 bytes would end in half an "é" */
    assert_int_equal(strlen(err.path), DCS_ERROR_PATH_LEN - 2);
    json_decref(check);
    json_decref(instance);
    json_decref(schema);
}

/* ---- bad schemas fail loudly ------------------------------------------- */

static const struct {
    const char *schema;
    const char *text;
} bad_schemas[] = {
    {"{\"type\": \"string\", \"minimun\": 1}",
     "schema (inline): unknown keyword \"minimun\" at #/minimun"},
    {"{\"properties\": {\"port\": {\"maxium\": 2}}}",
     "schema (inline): unknown keyword \"maxium\" at #/properties/port/maxium"},
    {"{\"$id\": \"svc\", \"definitions\": {\"unused\": {\"format\": \"uri\"}}}",
     "schema svc: unknown keyword \"format\" at #/definitions/unused/format"},
    {"{\"anyOf\": [{\"type\": \"string\"}, {\"if\": {}}]}",
     "schema (inline): unknown keyword \"if\" at #/anyOf/1/if"},
    {"{\"type\": \"strnig\"}", "schema (inline): unknown type strnig at #/type"},
    {"{\"type\": []}",
     "schema (inline): \"type\" must be a type name or a list of them at #/type"},
    {"{\"minLength\": -1}",
     "schema (inline): \"minLength\" must be a non-negative integer at #/minLength"},
    {"{\"maxItems\": 1.5}",
     "schema (inline): \"maxItems\" must be a non-negative integer at #/maxItems"},
    {"{\"minimum\": \"1\"}", "schema (inline): \"minimum\" must be a number at #/minimum"},
    {"{\"enum\": []}", "schema (inline): \"enum\" must be a non-empty list at #/enum"},
    {"{\"required\": [\"a\", 1]}",
     "schema (inline): \"required\" must be a list of field names at #/required"},
    {"{\"anyOf\": []}",
     "schema (inline): \"anyOf\" must be a non-empty list of schemas at #/anyOf"},
    {"{\"items\": [{}]}",
     "schema (inline): \"items\" must be a schema (the list form is not "
     "supported) at #/items"},
    {"{\"properties\": {\"a\": 1}}",
     "schema (inline): expected a schema (an object or true/false) at "
     "#/properties/a"},
    {"{\"pattern\": \"[0-9\"}",
     "schema (inline): invalid pattern \"[0-9\": Unmatched [, [^, [:, [., or [= "
     "at #/pattern"},
    {"{\"pattern\": \"^\\\\d+$\"}",
     "schema (inline): invalid pattern \"^\\d+$\": \\d is not POSIX ERE; write "
     "[0-9] at #/pattern"},
    {"{\"patternProperties\": {\"(\": {}}}",
     "schema (inline): invalid pattern \"(\": Unmatched ( or \\( at "
     "#/patternProperties/("},
    {"{\"$ref\": \"#/definitions/nope\"}",
     "schema (inline): unresolvable $ref \"#/definitions/nope\" (only \"#/...\" "
     "pointers into the same schema are supported) at #/$ref"},
    {"{\"$ref\": \"other.json#/x\"}",
     "schema (inline): unresolvable $ref \"other.json#/x\" (only \"#/...\" "
     "pointers into the same schema are supported) at #/$ref"},
    {"{\"definitions\": {\"a\": {}}, \"$ref\": \"#/definitions/a\","
     " \"type\": \"string\"}",
     "schema (inline): \"type\" beside \"$ref\" would be ignored (use allOf) "
     "at #/$ref"},
    {"{\"definitions\": {\"a\": {\"$ref\": \"#/definitions/b\"},"
     " \"b\": {\"maximum\": null}}}",
     "schema (inline): \"maximum\" must be a number at #/definitions/b/maximum"},
    {"{\"x-expected\": 5}",
     "schema (inline): \"x-expected\" must be a string at #/x-expected"},
    {"{\"uniqueItems\": 1}",
     "schema (inline): \"uniqueItems\" must be true or false at #/uniqueItems"},
    {"[]", "schema (inline): expected a schema (an object or true/false) at #"},
};

static void test_bad_schemas(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad_schemas) / sizeof(bad_schemas[0]); i++) {
        json_t *schema = parse(bad_schemas[i].schema);
        json_t *instance = json_null();
        struct dcs_error err;

        dcs_error_clear(&err);
        assert_int_equal(dcs_schema_validate(schema, instance, NULL, &err), DCS_ERR);
        if (strcmp(err.text, bad_schemas[i].text) != 0)
            fail_msg("%s\n  got  %s\n  want %s", bad_schemas[i].schema, err.text,
                     bad_schemas[i].text);
        assert_int_equal(err.status, 500);
        json_decref(schema);
    }
    /* the tuple form of items, from the $ref table */
    assert_int_equal(strncmp(check(refs[5].schema, refs[5].instance, NULL, NULL),
                             "schema (inline): \"items\" must be a schema", 41),
                     0);
}

static void test_annotations_ignored(void **state)
{
    (void)state;
    assert_string_equal(
        check("{\"$schema\": \"http://json-schema.org/draft-07/schema#\","
              " \"$id\": \"x\", \"$comment\": \"c\", \"title\": \"t\","
              " \"description\": \"d\", \"default\": 1, \"examples\": [1],"
              " \"type\": \"integer\"}",
              "1", NULL, NULL),
        "");
}

static void test_ref_loop(void **state)
{
    int status;

    (void)state;
    assert_string_equal(check("{\"definitions\": {\"a\": {\"$ref\": \"#/definitions/a\"}},"
                              " \"$ref\": \"#/definitions/a\"}",
                              "1", "x", &status),
                        "x: schema nests more than 512 levels deep (a $ref loop?)");
    assert_int_equal(status, 500);
}

/* ---- embedded schemas --------------------------------------------------- */

static void test_embedded_lookup(void **state)
{
    struct dcs_error err;
    json_t *instance = json_object();

    (void)state;
    dcs_error_clear(&err);
    assert_null(dcs_schema_get("no-such-schema", &err));
    assert_string_equal(err.text, "no schema named \"no-such-schema\"");
    assert_int_equal(err.status, 500);
    dcs_error_clear(&err);
    assert_int_equal(dcs_schema_check("no-such-schema", instance, "", &err), DCS_ERR);
    assert_string_equal(err.text, "no schema named \"no-such-schema\"");
    assert_null(dcs_schema_get("no-such-schema", NULL));
    assert_int_equal(dcs_schema_validate(NULL, instance, NULL, NULL), DCS_ERR);
    json_decref(instance);
}

/* ---- scale and threads ------------------------------------------------ */

#define STACK_SCHEMA                                                         \
    "{\"type\": \"object\", \"additionalProperties\": " SERVICE_WITH_PATTERNS "}"
#define SERVICE_WITH_PATTERNS                                                \
    "{\"type\": \"object\", \"required\": [\"image\"],"                      \
    " \"additionalProperties\": false, \"properties\": {"                    \
    "  \"image\": {\"type\": \"string\", \"pattern\": \"^[a-z0-9./:-]+$\"}," \
    "  \"ports\": {\"type\": \"array\", \"items\": {\"anyOf\": [" PORT ","   \
    "     {\"type\": \"string\", \"pattern\": \"^[0-9]+(:[0-9]+)?$\"}]}},"   \
    "  \"environment\": {\"type\": \"object\","                              \
    "     \"propertyNames\": {\"pattern\": \"^[A-Za-z_][A-Za-z0-9_]*$\"},"   \
    "     \"additionalProperties\": {\"type\": \"string\"}},"                \
    "  \"autorestart\": {\"enum\": [\"OFF\", \"ON_FAILURE\", \"ALWAYS\"]}}}"

static json_t *big_stack(size_t count)
{
    json_t *stack = json_object();
    size_t i;

    for (i = 0; i < count; i++) {
        char name[32];
        json_t *svc = json_pack(
            "{s:s, s:[i, s, s], s:{s:s, s:s, s:s}, s:s}", "image",
            "registry.example.com/team/app:1.2", "ports", 80, "443", "8080:80",
            "environment", "A", "1", "DB_HOST", "db", "_X", "y", "autorestart",
            "ALWAYS");
        assert_non_null(svc);
        snprintf(name, sizeof(name), "web%zu", i);
        json_object_set_new(stack, name, svc);
    }
    return stack;
}

static void test_many_services(void **state)
{
    json_t *schema = parse(STACK_SCHEMA);
    json_t *stack = big_stack(10000);
    struct dcs_error err;

    (void)state;
    assert_int_equal(dcs_schema_validate(schema, stack, "", &err), DCS_OK);
    json_object_set_new(json_object_get(stack, "web9999"), "autorestart",
                        json_string("NEVER"));
    assert_int_equal(dcs_schema_validate(schema, stack, "", &err), DCS_ERR);
    assert_string_equal(err.path, "web9999.autorestart");
    json_decref(stack);
    json_decref(schema);
}

struct job {
    const json_t *schema;
    const json_t *stack;
    int failures;
};

static void *validate_job(void *arg)
{
    struct job *job = arg;
    int i;

    for (i = 0; i < 20; i++) {
        struct dcs_error err;
        /* compiling per call exercises the shared regex cache */
        if (dcs_schema_validate(job->schema, job->stack, "", &err) != DCS_OK)
            job->failures++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    json_t *schema = parse(STACK_SCHEMA);
    json_t *stack = big_stack(50);
    pthread_t threads[4];
    struct job jobs[4];
    size_t i;

    (void)state;
    for (i = 0; i < 4; i++) {
        jobs[i] = (struct job){schema, stack, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, validate_job, &jobs[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(jobs[i].failures, 0);
    }
    json_decref(stack);
    json_decref(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_enum_const),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_path_prefix),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_combinators),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_x_expected_scope),
        cmocka_unit_test(test_found_truncated),
        cmocka_unit_test(test_long_path_stays_utf8),
        cmocka_unit_test(test_bad_schemas),
        cmocka_unit_test(test_annotations_ignored),
        cmocka_unit_test(test_ref_loop),
        cmocka_unit_test(test_embedded_lookup),
        cmocka_unit_test(test_many_services),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
