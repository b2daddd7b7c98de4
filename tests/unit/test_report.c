/* dcswarm report's data and page: every field swarm does not carry exactly
 * has advice; classes come from what translating warned; verdicts and exit
 * statuses; a refusal keeps its reason; the page escapes what it shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report/report.h"
#include "translate/fields.h"

static json_t *report_of(const char *file, const char *text)
{
    struct dcs_translate_opts o = {0};
    struct dcs_report *r = dcs_report_new("test", "1970-01-01T00:00:00Z");
    json_t *doc;

    assert_non_null(r);
    assert_int_equal(dcs_report_add(r, file, text, strlen(text), &o, NULL), DCS_OK);
    doc = dcs_report_json(r);
    dcs_report_free(r);
    assert_non_null(doc);
    return doc;
}

static const json_t *field_of(const json_t *doc, const char *service, const char *key)
{
    const json_t *st = json_array_get(json_object_get(doc, "stackfiles"), 0), *s, *f;
    size_t i, j;

    json_array_foreach(json_object_get(st, "services"), i, s)
        if (!strcmp(json_string_value(json_object_get(s, "name")), service))
            json_array_foreach(json_object_get(s, "fields"), j, f)
                if (!strcmp(json_string_value(json_object_get(f, "key")), key))
                    return f;
    return NULL;
}

static const char *cls(const json_t *doc, const char *service, const char *key)
{
    const json_t *f = field_of(doc, service, key);
    return f ? json_string_value(json_object_get(f, "class")) : "(absent)";
}

static void test_every_lossy_field_has_advice(void **state)
{
    (void)state;
    for (const struct dcs_field *f = dcs_fields; f->api; f++)
        if (strcmp(f->class_, "exact"))
            assert_non_null(dcs_report_advice(f->api));
    assert_null(dcs_report_advice("image"));
}

static void test_classes_from_warnings(void **state)
{
    json_t *doc = report_of("a.yml", "web:\n  image: nginx\n  autoredeploy: true\n"
                                     "  links: [db]\n  sequential_deployment: false\n"
                                     "db:\n  image: postgres\n  autoredeploy: false\n");
    const json_t *f;

    (void)state;
    assert_string_equal(cls(doc, "web", "image"), "exact");
    assert_string_equal(cls(doc, "web", "autoredeploy"), "kept");
    assert_string_equal(cls(doc, "web", "links"), "approximate");
    /* Set to its default: no warning, nothing differs. */
    assert_string_equal(cls(doc, "web", "sequential_deployment"), "exact");
    assert_string_equal(cls(doc, "db", "autoredeploy"), "exact");
    f = field_of(doc, "web", "autoredeploy");
    assert_string_equal(json_string_value(json_object_get(f, "field")), "autoredeploy");
    assert_string_equal(json_string_value(json_object_get(f, "doc")),
                        "docs/mapping.md#autoredeploy");
    assert_non_null(json_string_value(json_object_get(f, "advice")));
    assert_true(json_is_true(json_object_get(f, "value")));
    /* Kept fields first in a service's list. */
    f = json_array_get(json_object_get(json_array_get(json_object_get(json_array_get(
            json_object_get(doc, "stackfiles"), 0), "services"), 0), "fields"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "class")), "kept");
    assert_string_equal(json_string_value(json_object_get(doc, "verdict")), "attention");
    assert_int_equal(dcs_report_status(doc, false), 3);
    json_decref(doc);
}

static void test_verdicts_and_status(void **state)
{
    json_t *ready = report_of("r.yml", "web:\n  image: nginx\n  ports: [\"80:80\"]\n");
    json_t *review = report_of("v.yml", "web:\n  image: nginx\n  tags: [a]\n");

    (void)state;
    assert_string_equal(json_string_value(json_object_get(ready, "verdict")), "ready");
    assert_int_equal(dcs_report_status(ready, true), 0);
    assert_string_equal(json_string_value(json_object_get(review, "verdict")), "review");
    assert_int_equal(dcs_report_status(review, false), 2);
    assert_int_equal(dcs_report_status(review, true), 3);
    assert_int_equal(json_array_size(json_object_get(review, "differences")), 1);
    json_decref(ready);
    json_decref(review);
}

static void test_refused_keeps_the_reason(void **state)
{
    json_t *doc = report_of("x.yml", "web:\n  image: nginx\n  links: [nosuch]\n");
    const json_t *st = json_array_get(json_object_get(doc, "stackfiles"), 0);
    const json_t *why = json_object_get(st, "refused");

    (void)state;
    assert_string_equal(json_string_value(json_object_get(st, "verdict")), "refused");
    assert_string_equal(json_string_value(json_object_get(why, "field")), "web:links[0]");
    assert_non_null(strstr(json_string_value(json_object_get(why, "message")), "nosuch"));
    assert_int_equal(json_array_size(json_object_get(st, "services")), 0);
    assert_int_equal(dcs_report_status(doc, false), 3);
    json_decref(doc);
}

static void test_page_escapes(void **state)
{
    json_t *doc = report_of("<b>.yml", "web:\n  image: nginx\n  environment:\n"
                                       "    X: \"<script>alert(1)</script>\"\n");
    char *html = dcs_report_html(doc);

    (void)state;
    assert_non_null(html);
    assert_null(strstr(html, "<script>"));
    assert_null(strstr(html, "<b>.yml"));
    assert_non_null(strstr(html, "&lt;script&gt;"));
    assert_non_null(strstr(html, "&lt;b&gt;.yml"));
    assert_non_null(strstr(html, "id=\"field-container_envvars\""));
    free(html);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_lossy_field_has_advice),
        cmocka_unit_test(test_classes_from_warnings),
        cmocka_unit_test(test_verdicts_and_status),
        cmocka_unit_test(test_refused_keeps_the_reason),
        cmocka_unit_test(test_page_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
