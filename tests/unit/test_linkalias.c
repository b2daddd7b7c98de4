/* The aliases a service answers to, from its stack and from REST links
 * (link_aliases.c): apply keeps what REST links gave, serve keeps what the
 * stack gave. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "apply/link_aliases.h"

#define LINKED "[{\"from\":\"u1\",\"name\":\"database\"},{\"from\":\"u2\",\"name\":\"pg\"}]"

/* A spec on one network with aliases (a JSON array text) and labels. */
static json_t *spec(const char *aliases, const char *linked, const char *stack_aliases)
{
    json_t *s = json_pack("{s:{s:s}, s:{s:[{s:s}, {s:s}]}}", "Labels", "dcswarm.stack", "st",
                          "TaskTemplate", "Networks", "Target", "host", "Target", "st_default");
    json_t *labels = json_object_get(s, "Labels");

    if (aliases)
        json_object_set_new(dcs_own_attachment(s), "Aliases", json_loads(aliases, 0, NULL));
    if (linked)
        json_object_set_new(labels, DCS_LABEL_LINKED_FROM, json_string(linked));
    if (stack_aliases)
        json_object_set_new(labels, DCS_LABEL_STACK_ALIASES, json_string(stack_aliases));
    return s;
}

static void assert_json(const json_t *got, const char *want)
{
    json_t *w = json_loads(want, 0, NULL);
    char *text = json_dumps(got, JSON_COMPACT);

    if (!json_equal(w, got))
        fail_msg("got %s, expected %s", text ? text : "NULL", want);
    free(text);
    json_decref(w);
}

static void test_apply_keeps_rest_links(void **state)
{
    json_t *want = spec("[\"db\",\"postgres\"]", NULL, NULL);
    json_t *have = spec("[\"db\",\"postgres\",\"database\",\"pg\"]", LINKED, NULL);
    json_t *fresher = spec("[\"db\",\"postgres\",\"pg\"]",
                           "[{\"from\":\"u2\",\"name\":\"pg\"}]", NULL);

    (void)state;
    dcs_keep_rest_links(want, have);
    assert_json(json_object_get(dcs_own_attachment(want), "Aliases"),
                "[\"db\",\"postgres\",\"database\",\"pg\"]");
    assert_string_equal(json_string_value(json_object_get(json_object_get(want, "Labels"),
                                                          DCS_LABEL_STACK_ALIASES)),
                        "[\"db\",\"postgres\"]");
    /* Again with the service as re-read: a link dropped since is gone. */
    dcs_keep_rest_links(want, fresher);
    assert_json(json_object_get(dcs_own_attachment(want), "Aliases"),
                "[\"db\",\"postgres\",\"pg\"]");
    /* No REST links: the stack's aliases only, no label. */
    dcs_keep_rest_links(want, NULL);
    assert_json(json_object_get(dcs_own_attachment(want), "Aliases"), "[\"db\",\"postgres\"]");
    assert_null(json_object_get(json_object_get(want, "Labels"), DCS_LABEL_LINKED_FROM));
    json_decref(want);
    json_decref(have);
    json_decref(fresher);
}

static void test_no_aliases_stay_absent(void **state)
{
    json_t *want = spec(NULL, NULL, NULL), *have = spec(NULL, "[]", NULL);

    (void)state;
    dcs_keep_rest_links(want, have);
    /* The engine drops an empty list: an empty one would never compare equal. */
    assert_null(json_object_get(dcs_own_attachment(want), "Aliases"));
    json_decref(want);
    json_decref(have);
}

static void test_base_aliases(void **state)
{
    json_t *labelled = spec("[\"db\",\"database\"]", LINKED, "[\"db\",\"database\"]");
    json_t *old = spec("[\"db\",\"postgres\",\"database\"]", LINKED, NULL);
    json_t *rest = json_pack("{s:{}}", "Labels"), *got;

    (void)state;
    /* A stack alias that is also a REST link's name stays the stack's. */
    got = dcs_base_aliases(labelled, "db");
    assert_json(got, "[\"db\",\"database\"]");
    json_decref(got);
    /* Applied before the label: what the REST links did not add. */
    got = dcs_base_aliases(old, "db");
    assert_json(got, "[\"db\",\"postgres\"]");
    json_decref(got);
    got = dcs_base_aliases(rest, "web");
    assert_json(got, "[\"web\"]");
    json_decref(got);
    got = dcs_linked_from_names(old);
    assert_json(got, "[\"database\",\"pg\"]");
    json_decref(got);
    json_decref(labelled);
    json_decref(old);
    json_decref(rest);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_keeps_rest_links),
        cmocka_unit_test(test_no_aliases_stay_absent),
        cmocka_unit_test(test_base_aliases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
