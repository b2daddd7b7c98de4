/*
 * test_engine_services.c - services on a real swarm: create, inspect,
 * list with filters, update by version, update_with, remove; the engine's
 * errors (404, 409 name conflict, 400 bad spec, stale version); and 20
 * threads updating one service at once, every change landing.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "engine_test.h"

static int setup(void **state)
{
    *state = et_open();
    return 0;
}

static int teardown(void **state)
{
    et_cleanup(*state);
    dcs_engine_free(*state);
    return 0;
}

static void test_create_inspect_list_remove(void **state)
{
    struct dcs_engine *eng = *state;
    char name[64], label[80];
    json_t *warnings = NULL, *svc, *list, *filters = NULL, *spec;
    struct dcs_error err;
    char *id;

    et_name(name, sizeof(name), "crud");
    spec = et_spec(name, "true", 0, 0);
    id = dcs_service_create(eng, spec, &warnings, &err);
    json_decref(spec);
    assert_non_null(id);
    assert_true(json_is_array(warnings));
    json_decref(warnings);

    svc = dcs_service_inspect(eng, name, &err);
    assert_non_null(svc);
    assert_string_equal(json_string_value(json_object_get(svc, "ID")), id);
    json_decref(svc);

    snprintf(label, sizeof(label), "%s=%s", ET_LABEL, et_run_id());
    assert_int_equal(dcs_filters_add(&filters, "label", label, &err), DCS_OK);
    assert_int_equal(dcs_filters_add(&filters, "name", name, &err), DCS_OK);
    list = dcs_service_list(eng, filters, &err);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    json_decref(filters);
    filters = NULL;
    assert_int_equal(dcs_filters_add(&filters, "id", id, &err), DCS_OK);
    list = dcs_service_list(eng, filters, &err);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    json_decref(filters);
    filters = NULL;
    assert_int_equal(dcs_filters_add(&filters, "label", "dcst.no-such-label",
                                     &err), DCS_OK);
    list = dcs_service_list(eng, filters, &err);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
    json_decref(filters);

    assert_int_equal(dcs_service_remove(eng, id, &err), DCS_OK);
    assert_null(dcs_service_inspect(eng, id, &err));
    assert_int_equal(err.status, 404);
    free(id);
}

static void test_engine_errors(void **state)
{
    struct dcs_engine *eng = *state;
    char name[64], want[200];
    json_t *bad;
    struct dcs_error err;
    char *id;

    et_name(name, sizeof(name), "errors");
    assert_null(dcs_service_inspect(eng, name, &err));
    assert_int_equal(err.status, 404);
    snprintf(want, sizeof(want), "service %s not found", name);
    assert_string_equal(err.text, want);
    assert_int_equal(dcs_service_remove(eng, name, &err), DCS_ERR);
    assert_int_equal(err.status, 404);

    id = et_create(eng, et_spec(name, "true", 0, 0));
    bad = et_spec(name, "true", 0, 0);
    assert_null(dcs_service_create(eng, bad, NULL, &err));
    json_decref(bad);
    assert_int_equal(err.status, 409);
    snprintf(want, sizeof(want), "name conflicts with an existing object: "
             "service %s already exists", name);
    assert_string_equal(err.text, want);

    bad = json_pack("{s:s,s:{s:{}}}", "Name", "dcst-bad", "TaskTemplate",
                    "ContainerSpec");
    assert_null(dcs_service_create(eng, bad, NULL, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.text, "ContainerSpec: image reference must be "
                                  "provided");
    json_decref(bad);
    free(id);
}

static void test_update_by_version(void **state)
{
    struct dcs_engine *eng = *state;
    char name[64];
    json_t *svc, *spec;
    struct dcs_error err;
    unsigned long long version;
    char *id;

    et_name(name, sizeof(name), "version");
    id = et_create(eng, et_spec(name, "true", 0, 0));
    svc = dcs_service_inspect(eng, id, &err);
    version = (unsigned long long)json_integer_value(json_object_get(
        json_object_get(svc, "Version"), "Index"));
    spec = json_deep_copy(json_object_get(svc, "Spec"));
    json_object_set_new(json_object_get(spec, "Labels"), "dcst.step",
                        json_string("1"));
    assert_int_equal(dcs_service_update(eng, id, version, spec, NULL, &err),
                     DCS_OK);
    /* The same version again is stale now: the engine's own answer. */
    assert_int_equal(dcs_service_update(eng, id, version, spec, NULL, &err),
                     DCS_ERR);
    assert_int_equal(err.status, 500);
    assert_string_equal(err.text, "update out of sequence");
    printf("# stale version: HTTP %d \"%s\"\n", err.status, err.text);
    json_decref(spec);
    json_decref(svc);
    free(id);
}

static int set_label(json_t *spec, const json_t *service, void *ctx,
                     struct dcs_error *err)
{
    (void)service;
    (void)err;
    return json_object_set_new(json_object_get(spec, "Labels"), ctx,
                               json_string("yes"));
}

static int replace_task_template(json_t *spec, const json_t *service,
                                 void *ctx, struct dcs_error *err)
{
    json_t *tt = json_deep_copy(json_object_get(spec, "TaskTemplate"));

    (void)service;
    (void)ctx;
    (void)err;
    json_object_del(tt, "ForceUpdate");
    json_object_set_new(json_object_get(tt, "ContainerSpec"), "Env",
                        json_pack("[s]", "A=1"));
    return json_object_set_new(spec, "TaskTemplate", tt);
}

static json_int_t force_update(struct dcs_engine *eng, const char *id)
{
    struct dcs_error err;
    json_t *svc = dcs_service_inspect(eng, id, &err);
    json_int_t n = json_integer_value(json_object_get(json_object_get(
        json_object_get(svc, "Spec"), "TaskTemplate"), "ForceUpdate"));

    json_decref(svc);
    return n;
}

static void test_update_with(void **state)
{
    struct dcs_engine *eng = *state;
    char name[64];
    json_t *spec, *svc;
    struct dcs_error err;
    char *id;

    et_name(name, sizeof(name), "with");
    spec = et_spec(name, "true", 0, 0);
    json_object_set_new(json_object_get(spec, "TaskTemplate"), "ForceUpdate",
                        json_integer(2));
    id = et_create(eng, spec);
    assert_int_equal(dcs_service_update_with(eng, name, set_label, "dcst.a",
                                             &err), DCS_OK);
    assert_true(json_is_array(dcs_engine_last_warnings(eng)));
    assert_int_equal(dcs_service_update_with(eng, id, replace_task_template,
                                             NULL, &err), DCS_OK);
    assert_int_equal(force_update(eng, id), 2);
    svc = dcs_service_inspect(eng, id, &err);
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        json_object_get(svc, "Spec"), "Labels"), "dcst.a")), "yes");
    json_decref(svc);
    assert_int_equal(dcs_service_update_with(eng, "dcst-no-such-service",
                                             set_label, "x", &err), DCS_ERR);
    assert_int_equal(err.status, 404);
    free(id);
}

/* ==================== 20 writers at once ==================== */

#define WRITERS 20

struct writer {
    struct dcs_engine *eng;
    const char *service;
    char label[32];
    atomic_int *calls;
    int mine;               /* attempts of this writer */
    struct dcs_error err;
    int rc;
};

static int count_and_label(json_t *spec, const json_t *service, void *ctx,
                           struct dcs_error *err)
{
    struct writer *w = ctx;

    atomic_fetch_add(w->calls, 1);
    w->mine++;
    return set_label(spec, service, w->label, err);
}

static void *write_one(void *p)
{
    struct writer *w = p;

    w->rc = dcs_service_update_with(w->eng, w->service, count_and_label, w,
                                    &w->err);
    return NULL;
}

static void test_concurrent_updates_all_land(void **state)
{
    struct dcs_engine *eng = *state;
    struct writer w[WRITERS];
    pthread_t t[WRITERS];
    atomic_int calls;
    char name[64];
    json_t *svc, *labels;
    struct dcs_error err;
    double t0;
    char *id;
    int i, most = 0;

    atomic_init(&calls, 0);
    et_name(name, sizeof(name), "race");
    id = et_create(eng, et_spec(name, "true", 0, 0));
    for (i = 0; i < WRITERS; i++) {
        w[i].eng = dcs_engine_clone(eng, &err);
        assert_non_null(w[i].eng);
        w[i].service = id;
        w[i].calls = &calls;
        w[i].mine = 0;
        snprintf(w[i].label, sizeof(w[i].label), "dcst.writer.%02d", i);
    }
    t0 = et_now();
    for (i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, write_one, &w[i]), 0);
    for (i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        if (w[i].rc != DCS_OK)
            fail_msg("writer %d: %s (%d)", i, w[i].err.text, w[i].err.status);
        dcs_engine_free(w[i].eng);
        most = w[i].mine > most ? w[i].mine : most;
    }
    printf("# %d concurrent update_with: %.2f s, %d attempts, at most %d "
           "for one writer\n", WRITERS, et_now() - t0, atomic_load(&calls),
           most);
    svc = dcs_service_inspect(eng, id, &err);
    labels = json_object_get(json_object_get(svc, "Spec"), "Labels");
    for (i = 0; i < WRITERS; i++)
        assert_non_null(json_object_get(labels, w[i].label));
    json_decref(svc);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_inspect_list_remove),
        cmocka_unit_test(test_engine_errors),
        cmocka_unit_test(test_update_by_version),
        cmocka_unit_test(test_update_with),
        cmocka_unit_test(test_concurrent_updates_all_land),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
