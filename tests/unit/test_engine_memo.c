/*
 * test_engine_memo.c - list answers parsed element by element (list_cache.c):
 * the same value as a whole parse, elements with the same bytes shared,
 * any changed byte parsed anew, and what is not a well-formed array left
 * to the whole parse (request.c parses it whole for the error).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "swarm/engine_int.h"

static json_t *parse(struct sw_memo *m, const char *text)
{
    return sw_memo_parse_array(m, text, strlen(text));
}

/* The memo's answer equals jansson's for the whole text. */
static void check_same(struct sw_memo *m, const char *text)
{
    json_t *a = parse(m, text), *b = json_loads(text, 0, NULL);

    assert_non_null(a);
    assert_non_null(b);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
}

static void test_same_as_whole_parse(void **state)
{
    struct sw_memo *m = sw_memo_new();

    (void)state;
    check_same(m, "[]");
    check_same(m, " [ ] \n");
    check_same(m, "[{\"ID\":\"a\"}]");
    check_same(m, "[1, \"two\", null, true, 3.5, [], {}]");
    /* Brackets, commas and escaped quotes inside strings. */
    check_same(m, "[{\"a\":\"],[{\\\"\",\"b\":[1,{\"c\":\"}\"}]},\n"
                  "  {\"d\":\"\\\\\"} ,\"x,y\"\r\n]");
    check_same(m, "[\"\\u005d\", {\"k\": \"v\\\\\"}]");
    sw_memo_free(m);
}

static void test_elements_shared_until_changed(void **state)
{
    struct sw_memo *m = sw_memo_new();
    json_t *a = parse(m, "[{\"ID\":\"a\",\"V\":1},{\"ID\":\"b\",\"V\":1}]");
    json_t *b = parse(m, "[{\"ID\":\"b\",\"V\":1},{\"ID\":\"a\",\"V\":2}]");

    (void)state;
    /* b's element is the same text: the same value; a's changed. */
    assert_ptr_equal(json_array_get(a, 1), json_array_get(b, 0));
    assert_ptr_not_equal(json_array_get(a, 0), json_array_get(b, 1));
    assert_int_equal(json_integer_value(json_object_get(json_array_get(b, 1), "V")), 2);
    /* The arrays themselves are new each time. */
    assert_ptr_not_equal(a, b);
    json_decref(a);
    json_decref(b);
    sw_memo_free(m);
}

static void test_not_an_array(void **state)
{
    struct sw_memo *m = sw_memo_new();
    static const char *const bad[] = {
        "", "{\"a\":1}", "[1,", "[1 2]", "[1,]", "[{\"a\":}]", "[1] x", "[\"open]", "[]]", NULL,
    };

    (void)state;
    /* Left to the whole parse, which says why. */
    for (const char *const *b = bad; *b; b++)
        assert_null(parse(m, *b));
    sw_memo_free(m);
}

static void test_many_reads(void **state)
{
    struct sw_memo *m = sw_memo_new();
    char text[64];

    (void)state;
    /* Old elements age out; every answer stays right. */
    for (int i = 0; i < 500; i++) {
        json_t *v;
        snprintf(text, sizeof(text), "[{\"n\":%d},{\"n\":0}]", i);
        v = parse(m, text);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(v, 0), "n")), i);
        json_decref(v);
    }
    sw_memo_free(m);
}

/* A list larger than the memo holds is still parsed right, every time. */
static void test_too_large_to_keep(void **state)
{
    struct sw_memo *m = sw_memo_new();
    size_t n = 60000, len = 0;
    char *text = malloc(n * 100 + 16);
    json_t *v;

    (void)state;
    text[len++] = '[';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, 100, "%s{\"n\":%zu,\"pad\":\"%060d\"}", i ? "," : "",
                                i, 0);
    text[len++] = ']';
    for (int round = 0; round < 2; round++) {
        v = sw_memo_parse_array(m, text, len);
        assert_int_equal(json_array_size(v), n);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(v, n - 1), "n")),
                         (json_int_t)(n - 1));
        json_decref(v);
    }
    free(text);
    sw_memo_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_whole_parse),
        cmocka_unit_test(test_elements_shared_until_changed),
        cmocka_unit_test(test_not_an_array),
        cmocka_unit_test(test_many_reads),
        cmocka_unit_test(test_too_large_to_keep),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
