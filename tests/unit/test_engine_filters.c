/*
 * test_engine_filters.c - the `filters` query parameter in the Engine's
 * own form, and URL escaping, pinned byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "swarm/swarm.h"

static void test_label_name_id(void **state)
{
    json_t *f = NULL;
    char *q;
    struct dcs_error err;

    (void)state;
    assert_int_equal(dcs_filters_add(&f, "name", "web", &err), DCS_OK);
    assert_int_equal(dcs_filters_add(&f, "label", "dcswarm.uuid=3f2a", &err),
                     DCS_OK);
    assert_int_equal(dcs_filters_add(&f, "label", "dcswarm.namespace", &err),
                     DCS_OK);
    assert_int_equal(dcs_filters_add(&f, "id", "1lje", &err), DCS_OK);
    q = dcs_filters_query(f, &err);
    assert_non_null(q);
    /* {"id":{"1lje":true},"label":{"dcswarm.namespace":true,
     *  "dcswarm.uuid=3f2a":true},"name":{"web":true}} */
    assert_string_equal(q,
                        "filters=%7B%22id%22%3A%7B%221lje%22%3Atrue%7D%2C"
                        "%22label%22%3A%7B%22dcswarm.namespace%22%3Atrue%2C"
                        "%22dcswarm.uuid%3D3f2a%22%3Atrue%7D%2C%22name%22%3A"
                        "%7B%22web%22%3Atrue%7D%7D");
    free(q);
    json_decref(f);
}

static void test_no_filters(void **state)
{
    json_t *empty = json_object();
    char *q;
    struct dcs_error err;

    (void)state;
    q = dcs_filters_query(NULL, &err);
    assert_string_equal(q, "");
    free(q);
    q = dcs_filters_query(empty, &err);
    assert_string_equal(q, "");
    free(q);
    json_decref(empty);
}

static void test_same_value_twice(void **state)
{
    json_t *f = NULL;
    char *q;
    struct dcs_error err;

    (void)state;
    assert_int_equal(dcs_filters_add(&f, "type", "service", &err), DCS_OK);
    assert_int_equal(dcs_filters_add(&f, "type", "service", &err), DCS_OK);
    q = dcs_filters_query(f, &err);
    assert_string_equal(q, "filters=%7B%22type%22%3A%7B%22service%22%3Atrue"
                           "%7D%7D");
    free(q);
    json_decref(f);
}

static void test_wrong_shape(void **state)
{
    json_t *f = json_pack("{s:[s]}", "label", "a");
    struct dcs_error err;

    (void)state;
    assert_int_equal(dcs_filters_add(&f, "label", "b", &err), DCS_ERR);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.path, "label");
    json_decref(f);
}

static void test_url_escape(void **state)
{
    char *s;
    struct dcs_error err;

    (void)state;
    s = dcs_url_escape("a-Z_0.9~ /?&=%+\xc3\xa9", &err);
    assert_string_equal(s, "a-Z_0.9~%20%2F%3F%26%3D%25%2B%C3%A9");
    free(s);
    s = dcs_url_escape("", &err);
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_name_id),
        cmocka_unit_test(test_no_filters),
        cmocka_unit_test(test_same_value_twice),
        cmocka_unit_test(test_wrong_shape),
        cmocka_unit_test(test_url_escape),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
