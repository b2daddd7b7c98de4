/*
 * test_engine_scale.c - 500 services (DCS_SCALE_SERVICES to change it):
 * listing them all, or a label-filtered set, must stay fast, and so must
 * one request per service on one reused connection.  Prints the figures.
 */
#include <pthread.h>

#include "engine_test.h"

#define CREATORS 4
#define LIST_LIMIT_S 2.0

struct creator {
    struct dcs_engine *eng;
    int first;
    int count;
    int failed;
    struct dcs_error err;
};

static int services(void)
{
    const char *n = getenv("DCS_SCALE_SERVICES");

    return n && atoi(n) > 0 ? atoi(n) : 500;
}

static void *create_some(void *p)
{
    struct creator *c = p;
    char name[64], what[16];
    int i;

    for (i = c->first; i < c->first + c->count && !c->failed; i++) {
        json_t *spec;
        char *id;

        snprintf(what, sizeof(what), "s%04d", i);
        spec = et_spec(et_name(name, sizeof(name), what), "true", 0, 0);
        json_object_set_new(json_object_get(spec, "Labels"), "dcst.half",
                            json_string(i % 2 ? "odd" : "even"));
        id = dcs_service_create(c->eng, spec, NULL, &c->err);
        c->failed = !id;
        free(id);
        json_decref(spec);
    }
    return NULL;
}

static int setup(void **state)
{
    struct dcs_engine *eng = et_open();
    struct creator c[CREATORS];
    pthread_t t[CREATORS];
    int n = services(), i, per = (n + CREATORS - 1) / CREATORS;
    double t0 = et_now();

    *state = eng;
    for (i = 0; i < CREATORS; i++) {
        c[i] = (struct creator){ .first = i * per };
        c[i].count = i * per + per > n ? n - i * per : per;
        c[i].eng = dcs_engine_clone(eng, &c[i].err);
        pthread_create(&t[i], NULL, create_some, &c[i]);
    }
    for (i = 0; i < CREATORS; i++) {
        pthread_join(t[i], NULL);
        dcs_engine_free(c[i].eng);
        if (c[i].failed) {
            fprintf(stderr, "create: %s\n", c[i].err.text);
            return -1;
        }
    }
    printf("# created %d services in %.2f s (%d threads)\n", n, et_now() - t0,
           CREATORS);
    return 0;
}

static int teardown(void **state)
{
    double t0 = et_now();

    et_cleanup(*state);
    printf("# removed them in %.2f s\n", et_now() - t0);
    dcs_engine_free(*state);
    return 0;
}

static json_t *run_filter(void)
{
    char label[64];
    json_t *filters = NULL;
    struct dcs_error err;

    snprintf(label, sizeof(label), "%s=%s", ET_LABEL, et_run_id());
    assert_int_equal(dcs_filters_add(&filters, "label", label, &err), DCS_OK);
    return filters;
}

static void test_list_all(void **state)
{
    struct dcs_engine *eng = *state;
    struct dcs_error err;
    json_t *filters = run_filter(), *list;
    double t0 = et_now(), dt;
    int i, rounds = 5;

    for (i = 0; i < rounds; i++) {
        list = dcs_service_list(eng, filters, &err);
        assert_non_null(list);
        assert_int_equal(json_array_size(list), services());
        json_decref(list);
    }
    dt = (et_now() - t0) / rounds;
    printf("# list of %d services: %.1f ms\n", services(), dt * 1000);
    assert_true(dt < LIST_LIMIT_S);

    t0 = et_now();
    list = dcs_service_list(eng, NULL, &err);
    assert_true(json_array_size(list) >= (size_t)services());
    json_decref(list);
    printf("# unfiltered list: %.1f ms\n", (et_now() - t0) * 1000);
    json_decref(filters);
}

static void test_list_half_by_label(void **state)
{
    struct dcs_engine *eng = *state;
    struct dcs_error err;
    json_t *filters = run_filter(), *list;
    double t0;

    assert_int_equal(dcs_filters_add(&filters, "label", "dcst.half=odd", &err),
                     DCS_OK);
    t0 = et_now();
    list = dcs_service_list(eng, filters, &err);
    printf("# label-filtered list (%zu): %.1f ms\n", json_array_size(list),
           (et_now() - t0) * 1000);
    assert_int_equal(json_array_size(list), services() / 2);
    json_decref(list);
    json_decref(filters);
}

static void test_inspect_each(void **state)
{
    struct dcs_engine *eng = *state;
    struct dcs_error err;
    json_t *filters = run_filter(), *list, *svc;
    double t0, dt;
    size_t i;

    list = dcs_service_list(eng, filters, &err);
    t0 = et_now();
    json_array_foreach(list, i, svc) {
        json_t *one = dcs_service_inspect(eng, json_string_value(
            json_object_get(svc, "ID")), &err);

        assert_non_null(one);
        json_decref(one);
    }
    dt = et_now() - t0;
    printf("# %zu inspects on one handle: %.1f ms (%.2f ms each)\n",
           json_array_size(list), dt * 1000, dt * 1000 / (double)i);
    json_decref(list);
    json_decref(filters);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_all),
        cmocka_unit_test(test_list_half_by_label),
        cmocka_unit_test(test_inspect_each),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
