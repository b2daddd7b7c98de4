/*
 * test_engine_events.c - the event stream of a real swarm: create, update
 * and remove of a service are seen; a connection broken mid-stream (the
 * test hook shuts the socket down) while the service changes loses and
 * repeats nothing; since/until replays and ends.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "engine_test.h"

#define MAXEV 64

struct follower {
    struct dcs_engine *eng;         /* the follower's own handle */
    struct dcs_engine *gap;         /* changes the service mid-stream */
    char name[64];
    char since[40];
    int break_on_create;
    atomic_int gap_done;
    atomic_int finished;
    int rc;
    struct dcs_error err;
    int n;
    char action[MAXEV][16];
    long long ns[MAXEV];
};

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

/* The engine's clock as "seconds.nanoseconds", for since/until. */
static void engine_time(struct dcs_engine *eng, char *buf, size_t len)
{
    struct dcs_error err;
    json_t *info = NULL;
    const char *t;
    long long ns;

    assert_int_equal(dcs_engine_request(eng, "GET", "/info", NULL, &info, &err),
                     DCS_OK);
    t = json_string_value(json_object_get(info, "SystemTime"));
    assert_non_null(t);
    assert_int_equal(dcs_parse_rfc3339_ns(t, strlen(t), &ns), DCS_OK);
    snprintf(buf, len, "%lld.%09lld", ns / 1000000000LL, ns % 1000000000LL);
    json_decref(info);
}

static int add_label(json_t *spec, const json_t *service, void *ctx,
                     struct dcs_error *err)
{
    (void)service;
    (void)err;
    return json_object_set_new(json_object_get(spec, "Labels"), ctx,
                               json_string("1"));
}

static int on_event(json_t *ev, void *ctx)
{
    struct follower *f = ctx;
    const char *action = json_string_value(json_object_get(ev, "Action"));
    struct dcs_error err;

    if (f->n < MAXEV) {
        snprintf(f->action[f->n], sizeof(f->action[0]), "%s", action);
        f->ns[f->n] = (long long)json_integer_value(json_object_get(ev,
                                                                    "timeNano"));
        f->n++;
    }
    if (f->break_on_create && !strcmp(action, "create")) {
        f->break_on_create = 0;
        /* Break the stream, then change the service while it is down. */
        dcs_engine_drop_connection(f->eng);
        assert_int_equal(dcs_service_update_with(f->gap, f->name, add_label,
                                                 "dcst.gap1", &err), DCS_OK);
        assert_int_equal(dcs_service_update_with(f->gap, f->name, add_label,
                                                 "dcst.gap2", &err), DCS_OK);
        atomic_store(&f->gap_done, 1);
    }
    return !strcmp(action, "remove");
}

static void *follow(void *p)
{
    struct follower *f = p;
    json_t *filters = NULL;
    struct dcs_events_opts opts = { .since = f->since };

    assert_int_equal(dcs_filters_add(&filters, "type", "service", &f->err),
                     DCS_OK);
    assert_int_equal(dcs_filters_add(&filters, "service", f->name, &f->err),
                     DCS_OK);
    opts.filters = filters;
    f->rc = dcs_events_follow(f->eng, &opts, on_event, f, &f->err);
    json_decref(filters);
    atomic_store(&f->finished, 1);
    return NULL;
}

static void start(struct dcs_engine *eng, struct follower *f, const char *what,
                  pthread_t *t)
{
    struct dcs_error err;

    memset(f, 0, sizeof(*f));
    et_name(f->name, sizeof(f->name), what);
    engine_time(eng, f->since, sizeof(f->since));
    f->eng = dcs_engine_clone(eng, &err);
    f->gap = dcs_engine_clone(eng, &err);
    assert_non_null(f->eng);
    assert_non_null(f->gap);
    assert_int_equal(pthread_create(t, NULL, follow, f), 0);
}

/* Wait for the follower to end by itself (up to 20 s), else cancel it. */
static void finish(struct follower *f, pthread_t t)
{
    double until = et_now() + 20;

    while (!atomic_load(&f->finished) && et_now() < until)
        et_sleep_ms(50);
    if (!atomic_load(&f->finished))
        dcs_engine_cancel(f->eng);
    pthread_join(t, NULL);
    dcs_engine_free(f->eng);
    dcs_engine_free(f->gap);
}

static int count(const struct follower *f, const char *action)
{
    int i, n = 0;

    for (i = 0; i < f->n; i++)
        n += !strcmp(f->action[i], action);
    return n;
}

static void assert_no_repeats(const struct follower *f)
{
    int i, j;

    for (i = 0; i < f->n; i++) {
        for (j = i + 1; j < f->n; j++) {
            if (f->ns[i] == f->ns[j] && !strcmp(f->action[i], f->action[j]))
                fail_msg("event %s at %lld delivered twice", f->action[i],
                         f->ns[i]);
        }
    }
}

static void test_create_update_remove(void **state)
{
    struct dcs_engine *eng = *state;
    struct follower f;
    struct dcs_error err;
    pthread_t t;
    char *id;

    start(eng, &f, "events", &t);
    id = et_create(eng, et_spec(f.name, "true", 0, 0));
    assert_int_equal(dcs_service_update_with(eng, id, add_label, "dcst.x",
                                             &err), DCS_OK);
    assert_int_equal(dcs_service_remove(eng, id, &err), DCS_OK);
    finish(&f, t);
    assert_int_equal(f.rc, DCS_STOP);
    assert_true(f.n >= 3);
    assert_string_equal(f.action[0], "create");
    assert_true(count(&f, "update") >= 1);
    assert_string_equal(f.action[f.n - 1], "remove");
    assert_no_repeats(&f);
    free(id);
}

static void test_reconnect_loses_and_repeats_nothing(void **state)
{
    struct dcs_engine *eng = *state;
    struct follower f;
    struct dcs_error err;
    double until;
    pthread_t t;
    char *id;

    start(eng, &f, "reconnect", &t);
    f.break_on_create = 1;
    id = et_create(eng, et_spec(f.name, "true", 0, 0));
    until = et_now() + 20;
    while (!atomic_load(&f.gap_done) && et_now() < until)
        et_sleep_ms(50);
    assert_true(atomic_load(&f.gap_done));
    assert_int_equal(dcs_service_remove(eng, id, &err), DCS_OK);
    finish(&f, t);
    if (f.rc != DCS_STOP)
        fail_msg("follow ended with %d: %s", f.rc, f.err.text);
    /* The create was replayed after the reconnect and skipped; the two
     * updates made while the stream was down came through the replay. */
    assert_int_equal(count(&f, "create"), 1);
    assert_true(count(&f, "update") >= 2);
    assert_int_equal(count(&f, "remove"), 1);
    assert_no_repeats(&f);
    free(id);
}

static int keep_all(json_t *ev, void *ctx)
{
    struct follower *f = ctx;

    if (f->n < MAXEV)
        snprintf(f->action[f->n++], sizeof(f->action[0]), "%s",
                 json_string_value(json_object_get(ev, "Action")));
    return 0;
}

static void test_since_until_replays_and_ends(void **state)
{
    struct dcs_engine *eng = *state;
    struct follower f = { 0 };
    struct dcs_events_opts opts = { 0 };
    struct dcs_error err;
    char since[40], until[40];
    json_t *filters = NULL;
    char *id;

    et_name(f.name, sizeof(f.name), "until");
    engine_time(eng, since, sizeof(since));
    id = et_create(eng, et_spec(f.name, "true", 0, 0));
    assert_int_equal(dcs_service_remove(eng, id, &err), DCS_OK);
    /* The daemon publishes swarm events from its watch of the cluster, a
     * moment after the API call returns: let the remove event be logged
     * before taking `until`. */
    et_sleep_ms(1500);
    engine_time(eng, until, sizeof(until));
    assert_int_equal(dcs_filters_add(&filters, "service", f.name, &err),
                     DCS_OK);
    opts.filters = filters;
    opts.since = since;
    opts.until = until;
    assert_int_equal(dcs_events_follow(eng, &opts, keep_all, &f, &err), DCS_OK);
    if (f.n != 2)
        fail_msg("%d events between since and until, first '%s'", f.n,
                 f.n ? f.action[0] : "");
    assert_string_equal(f.action[0], "create");
    assert_string_equal(f.action[1], "remove");
    json_decref(filters);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_update_remove),
        cmocka_unit_test(test_reconnect_loses_and_repeats_nothing),
        cmocka_unit_test(test_since_until_replays_and_ends),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
