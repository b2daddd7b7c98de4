/* Unit tests for src/translate/interp.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "translate/interp.h"

static json_t *test_env(void)
{
    json_t *env = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "USER", "jenny",
                            "FOO", "bar", "EMPTY", "", "DOLLAR", "$HOME",
                            "lower_1", "x", "NUM", 8080);
    assert_non_null(env);
    return env;
}

static const struct {
    const char *in;
    const char *out;
    const char *missing; /* compact JSON array of missing names */
} strings[] = {
    {"", "", "[]"},
    {"plain text", "plain text", "[]"},
    {"$USER", "jenny", "[]"},
    {"${USER}", "jenny", "[]"},
    {"example:${USER}", "example:jenny", "[]"},
    {"$FOO:/target", "bar:/target", "[]"},
    {"$USER$FOO", "jennybar", "[]"},
    {"${USER}_x", "jenny_x", "[]"},
    {"$USER_x", "", "[\"USER_x\"]"},
    {"$USER-x", "jenny-x", "[]"},
    {"$USER.x", "jenny.x", "[]"},
    {"$lower_1", "x", "[]"},
    {"$$", "$", "[]"},
    {"$$USER", "$USER", "[]"},
    {"$$$USER", "$jenny", "[]"},
    {"a $$ b", "a $ b", "[]"},
    {"$$$$", "$$", "[]"},
    {"${EMPTY}", "", "[]"},
    {"$DOLLAR", "$HOME", "[]"},  /* values are not interpolated again */
    {"$NUM", "8080", "[]"},      /* non-string env value: its JSON text */
    {"$UNSET", "", "[\"UNSET\"]"},
    {"a${UNSET}b$UNSET${OTHER}", "ab", "[\"UNSET\",\"OTHER\"]"},
    {"$user", "", "[\"user\"]"}, /* names are case-sensitive */
    {"$_", "", "[\"_\"]"},
    {"\xc3\xa9$FOO\xc3\xa9", "\xc3\xa9" "bar\xc3\xa9", "[]"},
    {"echo '$FOO' \"$FOO\"", "echo 'bar' \"bar\"", "[]"},
};

static void test_strings(void **state)
{
    json_t *env = test_env();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        struct dcs_error err;
        json_t *missing = json_array();
        char *out, *names;

        dcs_error_clear(&err);
        out = dcs_interpolate_string(strings[i].in, env, missing, &err);
        if (!out)
            fail_msg("%s: unexpected error %s", strings[i].in, err.text);
        names = json_dumps(missing, JSON_COMPACT);
        if (strcmp(out, strings[i].out) || strcmp(names, strings[i].missing))
            fail_msg("%s\n  got  \"%s\" %s\n  want \"%s\" %s", strings[i].in, out,
                     names, strings[i].out, strings[i].missing);
        free(names);
        free(out);
        json_decref(missing);
    }
    json_decref(env);
}

static void test_string_without_env_or_missing(void **state)
{
    struct dcs_error err;
    char *out;

    (void)state;
    out = dcs_interpolate_string("a$X${Y}$$", NULL, NULL, &err);
    assert_non_null(out);
    assert_string_equal(out, "a$");
    free(out);
}

static const char *const malformed[] = {
    "${", "${}", "${A B}", "${A", "${A:-x}", "${A-x}", "${A:?err}", "$5",
    "$", "trailing $", "$ x", "$-", "${1A}", "$(cmd)", "$\xc3\xa9", "${A}}$",
    "a$$$",
};

static void test_malformed(void **state)
{
    json_t *env = test_env();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        struct dcs_error err;
        char want[256];
        char *out;

        dcs_error_clear(&err);
        out = dcs_interpolate_string(malformed[i], env, NULL, &err);
        if (out)
            fail_msg("%s: expected an error, got \"%s\"", malformed[i], out);
        snprintf(want, sizeof(want),
                 "invalid interpolation format in \"%s\" (use $NAME, ${NAME}, "
                 "or $$ for a literal $)",
                 malformed[i]);
        assert_string_equal(err.text, want);
        assert_string_equal(err.path, "");
        assert_int_equal(err.status, 400);
    }
    json_decref(env);
}

static void test_malformed_long_value(void **state)
{
    char in[200];
    struct dcs_error err;
    size_t i;

    (void)state;
    /* 56 ASCII bytes then "é" (2 bytes) straddling the cut at 57 */
    for (i = 0; i < 56; i++)
        in[i] = 'a';
    memcpy(in + 56, "\xc3\xa9 and then a bad ${X Y} further on", 36);
    in[92] = '\0';
    assert_null(dcs_interpolate_string(in, NULL, NULL, &err));
    assert_string_equal(err.text,
                        "invalid interpolation format in "
                        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\" "
                        "(use $NAME, ${NAME}, or $$ for a literal $)");
}

static void test_document(void **state)
{
    json_t *env = test_env();
    json_t *warnings = json_array();
    struct dcs_error err;
    json_t *doc = json_loads(
        "{\"image\": \"example:${USER}\", \"volumes\": [\"$FOO:/target\"],"
        " \"target_num_containers\": 3, \"privileged\": true, \"x\": null,"
        " \"environment\": {\"$FOO\": \"$UNSET\", \"B\": \"${UNSET}-$OTHER\"},"
        " \"labels\": [{\"k\": \"$$\"}], \"cmd\": \"$UNSET\"}",
        0, NULL);
    json_t *want = json_loads(
        "{\"image\": \"example:jenny\", \"volumes\": [\"bar:/target\"],"
        " \"target_num_containers\": 3, \"privileged\": true, \"x\": null,"
        " \"environment\": {\"$FOO\": \"\", \"B\": \"-\"},"
        " \"labels\": [{\"k\": \"$\"}], \"cmd\": \"\"}",
        0, NULL);
    json_t *want_warnings = json_loads(
        "[{\"service\": \"web\", \"field\": \"environment.$FOO\","
        "  \"class\": \"input\", \"message\": \"UNSET is not set in the "
        "environment; it is interpolated as \\\"\\\"\"},"
        " {\"service\": \"web\", \"field\": \"environment.B\","
        "  \"class\": \"input\", \"message\": \"OTHER is not set in the "
        "environment; it is interpolated as \\\"\\\"\"}]",
        0, NULL);

    (void)state;
    assert_non_null(doc);
    assert_non_null(want);
    assert_non_null(want_warnings);
    assert_int_equal(dcs_interpolate(doc, env, "web", "", warnings, &err), DCS_OK);
    assert_true(json_equal(doc, want));
    if (!json_equal(warnings, want_warnings))
        fail_msg("warnings: %s", json_dumps(warnings, JSON_COMPACT));

    /* the same service does not warn twice about a name; another does */
    json_decref(doc);
    doc = json_pack("{s:s}", "again", "$UNSET");
    assert_int_equal(dcs_interpolate(doc, env, "web", "", warnings, &err), DCS_OK);
    assert_int_equal(json_array_size(warnings), 2);
    json_object_set_new(doc, "again", json_string("$UNSET"));
    assert_int_equal(dcs_interpolate(doc, env, "db", "svc", warnings, &err),
                     DCS_OK);
    assert_int_equal(json_array_size(warnings), 3);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(warnings, 2), "field")),
        "svc.again");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(warnings, 2), "service")),
        "db");

    json_decref(doc);
    json_decref(want);
    json_decref(want_warnings);
    json_decref(warnings);
    json_decref(env);
}

static void test_document_errors(void **state)
{
    struct dcs_error err;
    json_t *doc = json_loads("{\"environment\": [\"A=1\", \"B=${B C}\"]}", 0, NULL);

    (void)state;
    assert_non_null(doc);
    dcs_error_clear(&err);
    assert_int_equal(dcs_interpolate(doc, NULL, "web", "", NULL, &err), DCS_ERR);
    assert_string_equal(err.path, "environment[1]");
    assert_string_equal(err.text,
                        "invalid interpolation format in \"B=${B C}\" (use $NAME, "
                        "${NAME}, or $$ for a literal $)");
    dcs_error_clear(&err);
    assert_int_equal(dcs_interpolate(doc, NULL, NULL, "services.web", NULL, &err),
                     DCS_ERR);
    assert_string_equal(err.path, "services.web.environment[1]");
    /* a top-level string, NULL err */
    json_decref(doc);
    doc = json_string("$");
    assert_int_equal(dcs_interpolate(doc, NULL, "web", NULL, NULL, NULL), DCS_ERR);
    assert_string_equal(json_string_value(doc), "$");
    json_decref(doc);
}

static void test_long_path_stays_utf8(void **state)
{
    char key[400];
    struct dcs_error err;
    json_t *doc, *check;
    size_t i;

    (void)state;
    key[0] = 'x';
    key[1] = 'y';
    for (i = 0; i < 150; i++)
        memcpy(key + 2 + 2 * i, "\xc3\xa9", 2);
    key[302] = '\0';
    doc = json_pack("{s:s}", key, "${");
    assert_int_equal(dcs_interpolate(doc, NULL, "web", "", NULL, &err), DCS_ERR);
    /* 255 bytes would end in half an "é" */
    assert_int_equal(strlen(err.path), DCS_ERROR_PATH_LEN - 2);
    check = json_pack("[s]", err.path);
    assert_non_null(check);
    json_decref(check);
    json_decref(doc);
}

static void test_document_without_warnings(void **state)
{
    struct dcs_error err;
    json_t *doc = json_pack("[s, s, i]", "$A", "$$", 5);

    (void)state;
    assert_non_null(doc);
    assert_int_equal(dcs_interpolate(doc, NULL, "", "", NULL, &err), DCS_OK);
    assert_string_equal(json_string_value(json_array_get(doc, 0)), "");
    assert_string_equal(json_string_value(json_array_get(doc, 1)), "$");
    assert_int_equal(json_integer_value(json_array_get(doc, 2)), 5);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_string_without_env_or_missing),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_malformed_long_value),
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_document_errors),
        cmocka_unit_test(test_long_path_stays_utf8),
        cmocka_unit_test(test_document_without_warnings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
