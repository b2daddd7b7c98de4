/* The direct YAML writer (translate/yaml_emit.c) writes what libyaml's
 * emitter writes, byte for byte: hand-picked shapes and strings, then
 * thousands of random documents built from them, at indent 0 and 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "translate/yaml_emit.h"

/* Strings that take each path: plain, quoted for YAML's sake, escapes
 * (named, \x, \u, \U), characters libyaml leaves alone, breaks. */
static const char *const words[] = {
    "web", "/data", "_x", "a.b/c@d-e=f", "", "yes", "No", "on", "~", "null", "80:80",
    "1", "0x1F", "-dash", "with space", " lead", "trail ", "a: b", "#c", "x #y",
    "tab\there", "line\nbreak", "cr\rlf", "quote\"s", "back\\slash", "bell\a",
    "nul-free \x1b esc", "\x7f del", "caf\xc3\xa9", "nbsp\xc2\xa0", "nel\xc2\x85",
    "c1\xc2\x9f", "ls\xe2\x80\xa8ps\xe2\x80\xa9", "bom\xef\xbb\xbf", "fffe\xef\xbf\xbe",
    "emoji\xf0\x9f\x98\x80", "cjk\xe4\xb8\xad", "surr\xed\x9f\xbf", "priv\xee\x80\x80",
    "{flow}", "[seq]", "*alias", "&anchor", "!tag", "%dir", "@at", "`tick", "'single'",
    "- item", "? q", "| lit", "> fold", ",comma", "\\", "\"", "\n", " "};

#define N_WORDS (sizeof(words) / sizeof(words[0]))

static uint32_t next(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

static json_t *random_value(uint32_t *seed, int depth);

static json_t *random_collection(uint32_t *seed, int depth, int object)
{
    json_t *c = object ? json_object() : json_array();
    unsigned n = next(seed) % 4;

    for (unsigned i = 0; i < n; i++) {
        json_t *v = random_value(seed, depth + 1);
        if (object)
            json_object_set_new(c, words[next(seed) % N_WORDS], v);
        else
            json_array_append_new(c, v);
    }
    return c;
}

static json_t *random_value(uint32_t *seed, int depth)
{
    switch (next(seed) % (depth > 3 ? 5 : 8)) {
    case 0: return json_string(words[next(seed) % N_WORDS]);
    case 1: return json_integer((json_int_t)next(seed) - 4000000);
    case 2: return json_real((double)next(seed) / 7.0);
    case 3: return json_boolean(next(seed) % 2);
    case 4: return json_null();
    case 5:
    case 6: return random_collection(seed, depth, 1);
    default: return random_collection(seed, depth, 0);
    }
}

/* libyaml's text, every line that has any indented by `indent`. */
static char *reference(const json_t *doc, int indent)
{
    char *text = dcs_yaml_emit_libyaml(doc, NULL), *out, *o;

    assert_non_null(text);
    out = o = malloc(strlen(text) * (size_t)(indent + 1) + 1);
    for (const char *p = text; *p; p++) {
        if ((p == text || p[-1] == '\n') && *p != '\n')
            for (int i = 0; i < indent; i++)
                *o++ = ' ';
        *o++ = *p;
    }
    *o = '\0';
    free(text);
    return out;
}

static void assert_same(const json_t *doc)
{
    char *want = reference(doc, 0), *got = dcs_yaml_emit(doc, NULL);
    struct dcs_strbuf b = {0};

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
    free(want);
    want = reference(doc, 2);
    assert_int_equal(dcs_yaml_write(&b, doc, 2, NULL), DCS_OK);
    assert_string_equal(b.data ? b.data : "", want);
    dcs_strbuf_release(&b);
    free(want);
}

static void test_shapes(void **state)
{
    static const char *const docs[] = {
        "{}", "[]", "{\"a\": {}}", "{\"a\": []}", "{\"a\": [[]]}", "[{}]", "[[1, [2, {}]]]",
        "{\"s\": {\"web\": {\"image\": \"busybox\", \"ports\": [\"80:80\"], "
        "\"deploy\": {\"mode\": \"replicated\", \"replicas\": 2, \"labels\": {\"k\": \"v\"}}}}}",
        "[{\"a\": 1, \"b\": [1, 2], \"c\": {\"d\": [{\"e\": null}]}}, [{\"x\": true}]]",
        "{\"a\": [{\"b\": [{\"c\": []}]}]}", "{\"r\": 0.1, \"i\": -3, \"f\": false}"};
    json_t *doc;

    (void)state;
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        doc = json_loads(docs[i], 0, NULL);
        assert_non_null(doc);
        assert_same(doc);
        json_decref(doc);
    }
}

/* A key with a line break would hand the whole document to libyaml. */
static int has_break(const char *s)
{
    return strpbrk(s, "\r\n") || strstr(s, "\xc2\x85") || strstr(s, "\xe2\x80\xa8") ||
           strstr(s, "\xe2\x80\xa9");
}

static void test_every_word_as_key_and_value(void **state)
{
    json_t *doc = json_object(), *list = json_array();

    (void)state;
    for (size_t i = 0; i < N_WORDS; i++) {
        if (!has_break(words[i]))
            json_object_set_new(doc, words[i], json_string(words[i]));
        json_array_append_new(list, json_string(words[i]));
    }
    json_object_set_new(doc, "list", list);
    assert_same(doc);
    json_decref(doc);
}

/* Both writers ask one function whether a scalar may go plain: what it
 * answers, held here on its own.  YAML 1.1's words for booleans and null,
 * in any case, are quoted; a longer word that starts like one is not. */
static void test_plain_or_quoted(void **state)
{
    static const struct {
        const char *s, *yaml;
    } cases[] = {
        {"yes", "\"yes\""},     {"YES", "\"YES\""},   {"n", "\"n\""},
        {"On", "\"On\""},       {"off", "\"off\""},   {"true", "\"true\""},
        {"False", "\"False\""}, {"NULL", "\"NULL\""}, {"~", "\"~\""},
        {"falsey", "falsey"},   {"nulls", "nulls"},   {"yes1", "yes1"},
        {"a.b/c@d-e=f", "a.b/c@d-e=f"}, {"_x", "_x"}, {"/data", "/data"},
        {"1x", "\"1x\""},       {"a b", "\"a b\""},   {"a:b", "\"a:b\""},
        {"\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\""},
        {"tab\t\"q\"\\", "\"tab\\t\\\"q\\\"\\\\\""},
    };
    char want[128], *got;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *doc = json_pack("{s:s}", "k", cases[i].s);
        got = dcs_yaml_emit(doc, NULL);
        snprintf(want, sizeof(want), "k: %s\n", cases[i].yaml);
        assert_non_null(got);
        assert_string_equal(got, want);
        free(got);
        json_decref(doc);
    }
}

/* Keys libyaml writes as "? key": the whole document is libyaml's. */
static void test_complex_keys(void **state)
{
    char long_key[200];
    json_t *doc = json_pack("{s:{s:s, s:[i]}}", "outer", "k", "v", "line\nkey", 1);

    (void)state;
    assert_same(doc);
    memset(long_key, 'k', 129);
    long_key[129] = '\0';
    json_object_set_new(json_object_get(doc, "outer"), long_key, json_integer(2));
    assert_same(doc);
    long_key[128] = '\0'; /* 128 bytes: still a simple key */
    json_decref(doc);
    doc = json_pack("{s:{s:s}}", "outer", long_key, "v");
    assert_same(doc);
    json_decref(doc);
}

static void test_random_documents(void **state)
{
    uint32_t seed = 24;

    (void)state;
    for (int i = 0; i < 5000; i++) {
        json_t *doc = random_collection(&seed, 0, i % 3 != 0);
        assert_same(doc);
        json_decref(doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_every_word_as_key_and_value),
        cmocka_unit_test(test_plain_or_quoted),
        cmocka_unit_test(test_complex_keys),
        cmocka_unit_test(test_random_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
