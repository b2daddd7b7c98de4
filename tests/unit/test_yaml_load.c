/* Unit tests for src/translate/yaml_load.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "translate/yaml_load.h"

static json_t *load(const char *yaml, struct dcs_error *err)
{
    dcs_error_clear(err);
    return dcs_yaml_load(yaml, strlen(yaml), NULL, err);
}

/* The loaded document, dumped compactly with keys in document order. */
static void expect_json(const char *yaml, const char *want)
{
    struct dcs_error err;
    json_t *doc = load(yaml, &err);
    char *got;

    if (!doc)
        fail_msg("%s: unexpected error %d:%d [%s] %s", yaml, err.line,
                 err.column, err.path, err.text);
    got = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n  got  %s\n  want %s", yaml, got, want);
    free(got);
    json_decref(doc);
}

static void expect_error(const char *yaml, size_t len, int line, int column,
                         const char *path, const char *text)
{
    struct dcs_error err;
    json_t *doc;

    dcs_error_clear(&err);
    doc = dcs_yaml_load(yaml, len, NULL, &err);
    if (doc) {
        char *s = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
        fail_msg("%s: expected an error, got %s", yaml, s);
    }
    if (err.line != line || err.column != column || strcmp(err.path, path) ||
        strcmp(err.text, text))
        fail_msg("%s\n  got  %d:%d [%s] %s\n  want %d:%d [%s] %s", yaml,
                 err.line, err.column, err.path, err.text, line, column, path,
                 text);
    assert_int_equal(err.status, 400);
}

static void error_at(const char *yaml, int line, int column, const char *path,
                     const char *text)
{
    expect_error(yaml, strlen(yaml), line, column, path, text);
}

/* ---- scalar resolution ------------------------------------------------- */

static const struct {
    const char *yaml;
    const char *json;
} scalars[] = {
    /* null */
    {"~", "null"}, {"null", "null"}, {"Null", "null"}, {"NULL", "null"},
    {"", "null"}, {"nULL", "\"nULL\""}, {"'~'", "\"~\""}, {"''", "\"\""},
    /* bool, in the three spellings PyYAML knows and no other */
    {"true", "true"}, {"True", "true"}, {"TRUE", "true"}, {"tRUE", "\"tRUE\""},
    {"false", "false"}, {"False", "false"}, {"FALSE", "false"},
    {"yes", "true"}, {"Yes", "true"}, {"YES", "true"}, {"yEs", "\"yEs\""},
    {"no", "false"}, {"No", "false"}, {"NO", "false"},
    {"on", "true"}, {"On", "true"}, {"ON", "true"},
    {"off", "false"}, {"Off", "false"}, {"OFF", "false"},
    {"y", "\"y\""}, {"n", "\"n\""}, {"'yes'", "\"yes\""}, {"\"no\"", "\"no\""},
    /* int */
    {"0", "0"}, {"-0", "0"}, {"+0", "0"}, {"42", "42"}, {"+12", "12"},
    {"-17", "-17"}, {"1_000", "1000"}, {"1__0_", "10"}, {"012", "10"},
    {"0_7", "7"}, {"0_", "0"}, {"08", "\"08\""}, {"0x1F", "31"},
    {"0x_1f", "31"}, {"-0x10", "-16"}, {"0b101", "5"}, {"-0b1_1", "-3"},
    {"0o17", "\"0o17\""}, {"0b", "\"0b\""}, {"0x", "\"0x\""},
    {"_1", "\"_1\""}, {"1_", "1"},
    {"9223372036854775807", "9223372036854775807"},
    {"-9223372036854775808", "-9223372036854775808"},
    {"0x7fffffffffffffff", "9223372036854775807"},
    /* base 60 stays a string (deliberately, unlike PyYAML) */
    {"22:22", "\"22:22\""}, {"190:20:30", "\"190:20:30\""},
    {"1:20.5", "\"1:20.5\""}, {"8080:80", "\"8080:80\""},
    {"1:60", "\"1:60\""},
    /* float */
    {"1.5", "1.5"}, {"-1.5", "-1.5"}, {"+1.5", "1.5"}, {"1.", "1.0"},
    {"0.", "0.0"}, {".5", "0.5"}, {"1_0.5", "10.5"}, {"1.0e+3", "1000.0"},
    {"1.e-2", "0.01"}, {"1.5E+2", "150.0"}, {"1e5", "\"1e5\""},
    {"1.5e3", "\"1.5e3\""}, {"-.5", "\"-.5\""}, {"+.5", "\"+.5\""},
    {"._5", "\"._5\""}, {"1.0e-400", "0.0"}, {".", "\".\""},
    /* strings */
    {"hello world", "\"hello world\""}, {"'80'", "\"80\""},
    {"\"1.5\"", "\"1.5\""}, {"|\n  80\n", "\"80\\n\""},
    {">-\n  yes\n", "\"yes\""}, {"+", "\"+\""},
    {"1.2.3", "\"1.2.3\""}, {"2001-12-14", "\"2001-12-14\""},
    {"\"\\u00e9\\t\"", "\"\xc3\xa9\\t\""},
    /* explicit tags */
    {"!!str 12", "\"12\""}, {"!!int '12'", "12"}, {"!!float 1", "1.0"},
    {"!!float '2.5'", "2.5"}, {"!!bool 'yes'", "true"}, {"!!null ''", "null"},
    {"! 12", "12"}, {"! '12'", "12"}, {"!!map {a: 1}", "{\"a\":1}"}, {"!!seq [1]", "[1]"},
};

static void test_scalars(void **state)
{
    char yaml[128], want[128];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
        snprintf(yaml, sizeof(yaml), "v: %s", scalars[i].yaml);
        snprintf(want, sizeof(want), "{\"v\":%s}", scalars[i].json);
        expect_json(yaml, want);
    }
}

static void test_scalar_errors(void **state)
{
    (void)state;
    error_at("a: 9223372036854775808", 1, 4, "a",
             "integer out of range (more than 64 bits): 9223372036854775808");
    error_at("a:\n  - -9223372036854775809", 2, 5, "a[0]",
             "integer out of range (more than 64 bits): -9223372036854775809");
    error_at("a: 0x1_0000_0000_0000_0000", 1, 4, "a",
             "integer out of range (more than 64 bits): 0x1_0000_0000_0000_0000");
    error_at("a: 0x_", 1, 4, "a", "invalid integer \"0x_\"");
    error_at("a: .inf", 1, 4, "a",
             "\".inf\" is not a finite number and JSON cannot hold it "
             "(quote it to make it a string)");
    error_at("a: [-.Inf]", 1, 5, "a[0]",
             "\"-.Inf\" is not a finite number and JSON cannot hold it "
             "(quote it to make it a string)");
    error_at("a: .NaN", 1, 4, "a",
             "\".NaN\" is not a finite number and JSON cannot hold it "
             "(quote it to make it a string)");
    error_at("a: 1.0e+400", 1, 4, "a", "number out of range: 1.0e+400");
    error_at("a: !!int abc", 1, 4, "a", "invalid !!int value \"abc\"");
    error_at("a: !!bool maybe", 1, 4, "a", "invalid !!bool value \"maybe\"");
    error_at("a: !!binary aGk=", 1, 4, "a", "unsupported tag \"!!binary\"");
    error_at("a: !Ref x", 1, 4, "a", "unsupported tag \"!Ref\"");
    error_at("a: !!set {x}", 1, 4, "a",
             "unsupported tag \"tag:yaml.org,2002:set\"");
}

/* ---- documents --------------------------------------------------------- */

static void test_documents(void **state)
{
    struct dcs_error err;
    json_t *doc;

    (void)state;
    expect_json("", "null");
    expect_json("# only a comment\n", "null");
    expect_json("---\n", "null");
    expect_json("--- \n...\n", "null");
    expect_json("--- a\n", "\"a\"");
    expect_json("%YAML 1.1\n---\nx: 1\n", "{\"x\":1}");
    expect_json("[1, two, {three: 3}]", "[1,\"two\",{\"three\":3}]");
    expect_json("a:\n- 1\n- - 2\n  - 3\n", "{\"a\":[1,[2,3]]}");
    expect_json("? a\n: 1\n", "{\"a\":1}");
    expect_json("{a, b: }", "{\"a\":null,\"b\":null}");
    expect_json("z: 1\na: 2\nm: 3\n", "{\"z\":1,\"a\":2,\"m\":3}");
    expect_json("a: 'it''s'\nb: \"q\\\"\"\n", "{\"a\":\"it's\",\"b\":\"q\\\"\"}");
    expect_json("a: |\n  x\n   y\n\nb: >\n  p\n  q\n",
                "{\"a\":\"x\\n y\\n\",\"b\":\"p q\\n\"}");
    expect_json("a: b # comment\n# c: d\n", "{\"a\":\"b\"}");
    expect_json("\xef\xbb\xbf" "a: 1\n", "{\"a\":1}");
    /* A NUL no Docker field can hold: refused where it is, not cut off. */
    expect_error("a: \"x\\0\"", 8, 1, 4, "a", "a NUL character (\\0) cannot be in a value");

    dcs_error_clear(&err);
    doc = dcs_yaml_load(NULL, 0, NULL, &err);
    assert_true(json_is_null(doc));
    json_decref(doc);
}

static void test_more_than_one_document(void **state)
{
    (void)state;
    error_at("a: 1\n---\nb: 2\n", 2, 1, "",
             "more than one document (a stackfile is one YAML document)");
    error_at("a: 1\n...\n---\nb: 2\n", 3, 1, "",
             "more than one document (a stackfile is one YAML document)");
    error_at("---\n---\n", 2, 1, "",
             "more than one document (a stackfile is one YAML document)");
}

static void test_crlf(void **state)
{
    (void)state;
    expect_json("a: 1\r\nb: |\r\n  x\r\n  y\r\nc: [1,\r\n 2]\r\nd: 'p\r\n  q'\r\n",
                "{\"a\":1,\"b\":\"x\\ny\\n\",\"c\":[1,2],\"d\":\"p q\"}");
    expect_json("web:\r\n  image: nginx\r\n  ports:\r\n    - \"80:80\"\r\n",
                "{\"web\":{\"image\":\"nginx\",\"ports\":[\"80:80\"]}}");
    error_at("a: 1\r\nb: 2\r\na: 3\r\n", 3, 1, "a", "duplicate key \"a\"");
}

/* ---- keys ---------------------------------------------------------------- */

static void test_keys(void **state)
{
    (void)state;
    expect_json("{80: a, yes: b, 1.5: c, 0x10: d, off: e, '~': f}",
                "{\"80\":\"a\",\"true\":\"b\",\"1.5\":\"c\",\"16\":\"d\","
                "\"false\":\"e\",\"~\":\"f\"}");
    expect_json("a: &k name\n*k : v\n", "{\"a\":\"name\",\"name\":\"v\"}");
    expect_json("&k x: 1\ny: *k\n", "{\"x\":1,\"y\":\"x\"}");
    error_at("~: 1", 1, 1, "", "mapping key must be a string, got null");
    error_at("a:\n  ? \n  : 1\n", 2, 4, "a",
             "mapping key must be a string, got null");
    error_at("{? : 1}", 1, 4, "", "mapping key must be a string, got null");
    error_at("? [a]\n: 1\n", 1, 3, "", "mapping key must be a string, got a list");
    error_at("{? {a: 1} : 1}", 1, 4, "",
             "mapping key must be a string, got a mapping");
    error_at("l: &l [1]\n*l : 1\n", 2, 1, "",
             "mapping key must be a string, got a list");
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    error_at("web:\n  image: x\n  autorestart: always\n  autorestart: no\n", 4, 3,
             "web.autorestart", "duplicate key \"autorestart\"");
    error_at("a:\n  b: [1, {c: 2, c: 3}]\n", 2, 17, "a.b[1].c",
             "duplicate key \"c\"");
    error_at("a: 1\n'a': 2\n", 2, 1, "a", "duplicate key \"a\"");
    error_at("80: 1\n0x50: 2\n", 2, 1, "80", "duplicate key \"80\"");
    /* keys brought in by a merge are not duplicates */
    expect_json("b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n",
                "{\"b\":{\"x\":1},\"c\":{\"x\":2}}");
}

/* ---- anchors, aliases, merge keys ------------------------------------- */

/* A message cut to fit never ends inside a UTF-8 character. */
static void test_long_key_messages(void **state)
{
    char yaml[2048];
    struct dcs_error err;
    json_t *check;
    size_t i, n = 0;

    (void)state;
    for (i = 0; i < 301; i++) /* "xy" then 300 two-byte characters */
        n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "%s", i ? "\xc3\xa9" : "xy");
    memcpy(yaml + n, ": 1\n", 4);
    memcpy(yaml + n + 4, yaml, n);
    memcpy(yaml + 2 * n + 4, ": 2\n", 5);
    assert_null(load(yaml, &err));
    assert_int_equal(err.line, 2);
    assert_int_equal(strncmp(err.text, "duplicate key \"xy\xc3\xa9", 18), 0);
    check = json_pack("[s, s]", err.path, err.text);
    assert_non_null(check);
    json_decref(check);
    /* 255 bytes would end in half an "é" */
    assert_int_equal(strlen(err.path), DCS_ERROR_PATH_LEN - 2);
}

static void test_anchors(void **state)
{
    struct dcs_error err;
    json_t *doc;

    (void)state;
    expect_json("a: &x [1, 2]\nb: *x\n", "{\"a\":[1,2],\"b\":[1,2]}");
    expect_json("a: &x 5\nb: [*x, *x]\n", "{\"a\":5,\"b\":[5,5]}");
    expect_json("a: &x 1\nb: &x 2\nc: *x\n", "{\"a\":1,\"b\":2,\"c\":2}");
    expect_json("a: &x {p: &y q}\nb: *y\n",
                "{\"a\":{\"p\":\"q\"},\"b\":\"q\"}");

    /* an alias is a copy: changing one place leaves the other alone */
    doc = load("a: &x {k: [1]}\nb: *x\n", &err);
    assert_non_null(doc);
    json_array_append_new(json_object_get(json_object_get(doc, "a"), "k"),
                          json_integer(2));
    assert_int_equal(json_array_size(json_object_get(
                         json_object_get(doc, "b"), "k")),
                     1);
    assert_ptr_not_equal(json_object_get(doc, "a"), json_object_get(doc, "b"));
    json_decref(doc);

    error_at("a: *nope\n", 1, 4, "a", "unknown alias \"nope\"");
    error_at("b: *x\na: &x 1\n", 1, 4, "b", "unknown alias \"x\"");
    error_at("a: &x [1, *x]\n", 1, 11, "a[1]",
             "alias \"x\" refers to a node that contains it");
    error_at("a: &x {b: {c: *x}}\n", 1, 15, "a.b.c",
             "alias \"x\" refers to a node that contains it");
}

static void test_merge_keys(void **state)
{
    (void)state;
    /* a list of aliases: the earlier wins; own keys win over all */
    expect_json("a: &a {x: 1, y: 2}\nb: &b {x: 3, z: 4}\nc:\n  <<: [*a, *b]\n"
                "  w: 5\n",
                "{\"a\":{\"x\":1,\"y\":2},\"b\":{\"x\":3,\"z\":4},"
                "\"c\":{\"x\":1,\"z\":4,\"y\":2,\"w\":5}}");
    /* own keys win wherever they stand; merged keys come first, as PyYAML */
    expect_json("a: &a {x: 1, y: 2}\nc:\n  w: 5\n  <<: *a\n  x: 9\n",
                "{\"a\":{\"x\":1,\"y\":2},\"c\":{\"x\":9,\"y\":2,\"w\":5}}");
    /* an inline mapping, and two merge keys (the later wins) */
    expect_json("c:\n  <<: {x: 1, y: 1}\n  <<: {y: 2}\n",
                "{\"c\":{\"x\":1,\"y\":2}}");
    /* a merged-into anchor carries its merged keys */
    expect_json("base: &base {image: nginx, restart: always}\n"
                "web: &web\n  <<: *base\n  restart: no\n"
                "api:\n  <<: *web\n  image: api\n",
                "{\"base\":{\"image\":\"nginx\",\"restart\":\"always\"},"
                "\"web\":{\"image\":\"nginx\",\"restart\":false},"
                "\"api\":{\"image\":\"api\",\"restart\":false}}");
    /* a quoted "<<" is an ordinary key */
    expect_json("'<<': 1\n", "{\"<<\":1}");
    error_at("a:\n  <<: 1\n", 2, 7, "a.<<",
             "merge key \"<<\" needs a mapping or a list of mappings, got a scalar");
    error_at("x: &x [1]\na:\n  <<: *x\n", 3, 7, "a.<<",
             "merge key \"<<\" needs a mapping or a list of mappings, got a list "
             "holding a scalar");
    error_at("a:\n  <<: [{b: 1}, 2]\n", 2, 7, "a.<<",
             "merge key \"<<\" needs a mapping or a list of mappings, got a list "
             "holding a scalar");
}

/* ---- hostile and broken input ------------------------------------------ */

static void test_alias_bomb(void **state)
{
    static const char bomb[] =
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
        "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
        "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
        "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    struct dcs_error err;
    json_t *doc;

    (void)state;
    dcs_error_clear(&err);
    doc = load(bomb, &err);
    assert_null(doc);
    assert_string_equal(err.text, "aliases copy more than 1000000 values (the limit; "
                                  "--max-alias-nodes raises it)");
    /* a..e copy 123,440 nodes; each *e in f adds 111,111 more */
    assert_int_equal(err.line, 6);
    assert_int_equal(err.column, 36);
    assert_string_equal(err.path, "f[7]");
    /* far below the limit, aliases of aliases are fine */
    doc = load("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", &err);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "c")), 2);
    json_decref(doc);
}

static void test_deep_nesting(void **state)
{
    size_t n = 1001, i;
    char *deep = malloc(2 * n + 1);
    struct dcs_error err;
    json_t *doc;

    (void)state;
    assert_non_null(deep);
    for (i = 0; i < n; i++) {
        deep[i] = '[';
        deep[n + i] = ']';
    }
    deep[2 * n] = '\0';
    doc = load(deep, &err);
    assert_null(doc);
    assert_string_equal(err.text, "nesting deeper than 1000 levels (the limit; --max-depth "
                                  "raises it)");
    assert_int_equal(err.column, 1001);
    deep[n - 1] = ' ';
    deep[n] = ' ';
    doc = load(deep, &err);
    assert_non_null(doc);
    json_decref(doc);
    free(deep);
}

/* Every limit of struct dcs_input_limits, one past it and at it. */
static void test_limits(void **state)
{
    struct dcs_input_limits lim = dcs_input_limits_default;
    struct dcs_error err;
    json_t *doc;
    static const char copies[] = "a: &a abcdefghij\nb: [*a, *a, *a]\n";

    (void)state;
    lim.string_bytes = 4;
    doc = dcs_yaml_load("k: abcde\n", 9, &lim, &err);
    assert_null(doc);
    assert_string_equal(err.text, "a value of 5 bytes, more than 4 (the limit; --max-string "
                                  "raises it)");
    assert_string_equal(err.path, "k");
    doc = dcs_yaml_load("abcde: 1\n", 9, &lim, &err);
    assert_null(doc);
    assert_int_equal(err.line, 1);
    doc = dcs_yaml_load("k: abcd\n", 8, &lim, &err);
    assert_non_null(doc);
    json_decref(doc);

    lim = dcs_input_limits_default;
    lim.depth = 2;
    doc = dcs_yaml_load("a: [[1]]\n", 9, &lim, &err);
    assert_null(doc);
    assert_string_equal(err.text, "nesting deeper than 2 levels (the limit; --max-depth "
                                  "raises it)");
    doc = dcs_yaml_load("a: [1]\n", 7, &lim, &err);
    assert_non_null(doc);
    json_decref(doc);

    /* Aliases copy text: 30 bytes on top of the 33 of the input. */
    lim = dcs_input_limits_default;
    lim.input_bytes = 62;
    doc = dcs_yaml_load(copies, strlen(copies), &lim, &err);
    assert_null(doc);
    assert_string_equal(err.text, "aliases expand the text beyond 62 bytes (the input limit; "
                                  "--max-input raises it)");
    assert_string_equal(err.path, "b[2]");
    lim.input_bytes = 63;
    doc = dcs_yaml_load(copies, strlen(copies), &lim, &err);
    assert_non_null(doc);
    json_decref(doc);
    lim.input_bytes = 32;
    doc = dcs_yaml_load(copies, strlen(copies), &lim, &err);
    assert_null(doc);
    assert_string_equal(err.text, "the text is 33 bytes, more than 32 (the limit; "
                                  "--max-input raises it)");

    lim = dcs_input_limits_default;
    lim.alias_nodes = 2;
    doc = dcs_yaml_load(copies, strlen(copies), &lim, &err);
    assert_null(doc);
    assert_string_equal(err.path, "b[2]");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    error_at("a: \xff\n", 1, 4, "", "invalid UTF-8: byte 0xff cannot start a character");
    error_at("a: 1\nb: x\xff\n", 2, 5, "",
             "invalid UTF-8: byte 0xff cannot start a character");
    error_at("a: 1\r\nb: \xc3\xa9\xc3\xa9\xfe\r\n", 2, 6, "",
             "invalid UTF-8: byte 0xfe cannot start a character");
    error_at("a: \"\xc3\"", 1, 6, "",
             "invalid UTF-8: a multi-byte character is cut short (byte 0x22 "
             "cannot continue it)");
    error_at("a: \xc3", 1, 4, "",
             "invalid UTF-8: incomplete character at the end of the input");
    error_at("a: \xc0\xaf", 1, 4, "", "invalid UTF-8: overlong encoding");
    error_at("a: \xed\xa0\x80", 1, 4, "",
             "invalid UTF-8: code point U+D800 is not a character");
    error_at("a: x\x01y\n", 1, 5, "",
             "control character U+0001 is not allowed in YAML");
    expect_error("a: x\0y", 6, 1, 5, "",
                 "control character U+0000 is not allowed in YAML");
    /* valid multi-byte text counts as one column per character */
    error_at("\xc3\xa9\xc3\xa9: [\xe2\x82\xac, *z]\n", 1, 9, "\xc3\xa9\xc3\xa9[1]",
             "unknown alias \"z\"");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    error_at("a: \"abc\n", 1, 4, "",
             "unterminated quoted string (no closing quote before the end of "
             "the input)");
    error_at("a: 1\nb: 'abc\n  def", 2, 4, "",
             "unterminated quoted string (no closing quote before the end of "
             "the input)");
    error_at("a: b: c\n", 1, 5, "", "mapping values are not allowed in this context");
    error_at("a: [1, 2\n", 2, 1, "",
             "did not find expected ',' or ']' while parsing a flow sequence "
             "started at line 1, column 4");
    error_at("a:\n  b: 1\n c: 2\n", 3, 2, "",
             "did not find expected key while parsing a block mapping started "
             "at line 1, column 1");
    error_at("a: 1\n\tb: 2\n", 2, 1, "",
             "found a tab character that violates indentation while scanning a "
             "plain scalar started at line 1, column 4");
    error_at("a: @x\n", 1, 4, "",
             "found character that cannot start any token while scanning for "
             "the next token");
}

static void test_big_string(void **state)
{
    size_t n = 1024 * 1024, i;
    char *yaml = malloc(n + 16);
    struct dcs_error err;
    json_t *doc;
    const json_t *v;

    (void)state;
    assert_non_null(yaml);
    memcpy(yaml, "v: \"", 4);
    for (i = 0; i < n; i++)
        yaml[4 + i] = (char)('a' + i % 26);
    memcpy(yaml + 4 + n, "\"\n", 3);
    doc = load(yaml, &err);
    assert_non_null(doc);
    v = json_object_get(doc, "v");
    assert_int_equal(json_string_length(v), n);
    assert_memory_equal(json_string_value(v), yaml + 4, n);
    json_decref(doc);
    free(yaml);
}

/* A stackfile of 10,000 services parses completely and in document order. */
static void test_many_services(void **state)
{
    size_t count = 10000, i, len = 0, cap = count * 200;
    char *yaml = malloc(cap);
    struct dcs_error err;
    json_t *doc;
    const char *key, *last = NULL;
    json_t *v;

    (void)state;
    assert_non_null(yaml);
    len += (size_t)snprintf(yaml + len, cap - len,
                            "base: &base\n  autorestart: ALWAYS\n  tags: [a, b]\n");
    for (i = 0; i < count; i++)
        len += (size_t)snprintf(yaml + len, cap - len,
                                "web%zu:\n  <<: *base\n  image: 'nginx:%zu'\n"
                                "  ports: ['80:80']\n  environment: [A=1, B=2]\n",
                                i, i % 10);
    doc = dcs_yaml_load(yaml, len, NULL, &err);
    assert_non_null(doc);
    assert_int_equal(json_object_size(doc), count + 1);
    i = 0;
    json_object_foreach(doc, key, v) {
        last = key;
        if (i++ == 0)
            continue;
        assert_string_equal(json_string_value(json_object_get(v, "autorestart")),
                            "ALWAYS");
    }
    assert_string_equal(last, "web9999");
    json_decref(doc);
    free(yaml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_scalar_errors),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_more_than_one_document),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_long_key_messages),
        cmocka_unit_test(test_anchors),
        cmocka_unit_test(test_merge_keys),
        cmocka_unit_test(test_alias_bomb),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_big_string),
        cmocka_unit_test(test_many_services),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
