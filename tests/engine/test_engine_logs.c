/*
 * test_engine_logs.c - service logs from a real swarm: a busybox service
 * prints known lines on stdout and stderr; the records come back with the
 * right content, order, stream and timestamps; details name the task;
 * follow can be stopped by the callback or cancelled from another thread;
 * a TTY service's raw stream is decoded too.
 */
#include <pthread.h>

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

#define MAXLINES 32

struct lines {
    int n;
    int stop_after;
    char text[MAXLINES][64];
    char details[MAXLINES][256];
    enum dcs_log_stream stream[MAXLINES];
    long long ns[MAXLINES];
};

static int keep(const struct dcs_log_record *rec, void *ctx)
{
    struct lines *l = ctx;

    if (l->n < MAXLINES) {
        snprintf(l->text[l->n], sizeof(l->text[0]), "%.*s", (int)rec->len,
                 rec->line);
        snprintf(l->details[l->n], sizeof(l->details[0]), "%s", rec->details);
        l->stream[l->n] = rec->stream;
        l->ns[l->n] = rec->time_ns;
        l->n++;
    }
    return l->stop_after && l->n >= l->stop_after;
}

static void test_stdout_stderr_in_order(void **state)
{
    struct dcs_engine *eng = *state;
    struct dcs_logs_opts opts = { .timestamps = 1, .details = 1 };
    struct lines l = { 0 };
    struct dcs_error err;
    char name[64], task[64];
    json_t *filters = NULL, *tasks;
    char *id;
    int i;

    et_name(name, sizeof(name), "logs");
    id = et_create(eng, et_spec(name,
                                "echo out one; sleep 0.3; echo err one >&2; "
                                "sleep 0.3; echo out two; sleep 0.3; "
                                "echo err two >&2", 1, 0));
    et_wait_tasks(eng, id, "complete", 1, 60);
    assert_int_equal(dcs_service_logs(eng, name, &opts, keep, &l, &err),
                     DCS_OK);
    assert_int_equal(l.n, 4);
    assert_string_equal(l.text[0], "out one");
    assert_int_equal(l.stream[0], DCS_LOG_STDOUT);
    assert_string_equal(l.text[1], "err one");
    assert_int_equal(l.stream[1], DCS_LOG_STDERR);
    assert_string_equal(l.text[2], "out two");
    assert_int_equal(l.stream[2], DCS_LOG_STDOUT);
    assert_string_equal(l.text[3], "err two");
    assert_int_equal(l.stream[3], DCS_LOG_STDERR);
    for (i = 1; i < 4; i++)
        assert_true(l.ns[i] > l.ns[i - 1]);

    assert_int_equal(dcs_filters_add(&filters, "service", id, &err), DCS_OK);
    tasks = dcs_task_list(eng, filters, &err);
    assert_int_equal(dcs_log_detail(l.details[0], "com.docker.swarm.task.id",
                                    task, sizeof(task)), DCS_OK);
    assert_string_equal(task, json_string_value(json_object_get(
        json_array_get(tasks, 0), "ID")));
    json_decref(tasks);
    json_decref(filters);

    /* tail: the last line only; and one stream only. */
    memset(&l, 0, sizeof(l));
    opts = (struct dcs_logs_opts){ .tail = "1" };
    assert_int_equal(dcs_service_logs(eng, id, &opts, keep, &l, &err), DCS_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.text[0], "err two");
    memset(&l, 0, sizeof(l));
    opts = (struct dcs_logs_opts){ .no_stderr = 1 };
    assert_int_equal(dcs_service_logs(eng, id, &opts, keep, &l, &err), DCS_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.text[1], "out two");
    free(id);
}

static void test_tty_service(void **state)
{
    struct dcs_engine *eng = *state;
    struct lines l = { 0 };
    struct dcs_logs_opts opts = { .timestamps = 1 };
    struct dcs_error err;
    char name[64];
    char *id;

    et_name(name, sizeof(name), "tty");
    id = et_create(eng, et_spec(name, "echo tty one; sleep 0.3; "
                                      "echo tty two >&2", 1, 1));
    et_wait_tasks(eng, id, "complete", 1, 60);
    assert_int_equal(dcs_service_logs(eng, id, &opts, keep, &l, &err), DCS_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.text[0], "tty one");
    assert_string_equal(l.text[1], "tty two");
    /* A TTY has one stream: both lines are stdout. */
    assert_int_equal(l.stream[1], DCS_LOG_STDOUT);
    assert_true(l.ns[0] > 0);
    free(id);
}

static char *chatty_service(struct dcs_engine *eng, const char *what)
{
    char name[64];

    et_name(name, sizeof(name), what);
    return et_create(eng, et_spec(name, "i=0; while true; do i=$((i+1)); "
                                        "echo line $i; sleep 0.2; done", 1, 0));
}

static void test_follow_until_enough(void **state)
{
    struct dcs_engine *eng = *state;
    struct lines l = { .stop_after = 8 };
    struct dcs_logs_opts opts = { .follow = 1 };
    struct dcs_error err;
    char *id = chatty_service(eng, "follow");
    double t0;

    et_wait_tasks(eng, id, "running", 1, 60);
    t0 = et_now();
    assert_int_equal(dcs_service_logs(eng, id, &opts, keep, &l, &err),
                     DCS_STOP);
    assert_int_equal(l.n, 8);
    assert_string_equal(l.text[7], "line 8");
    assert_true(et_now() - t0 < 10.0);
    free(id);
}

static void *cancel_later(void *eng)
{
    et_sleep_ms(500);
    dcs_engine_cancel(eng);
    return NULL;
}

static void test_follow_cancelled(void **state)
{
    struct dcs_engine *eng = *state;
    struct lines l = { 0 };
    struct dcs_logs_opts opts = { .follow = 1, .tail = "0" };
    struct dcs_error err;
    char *id = chatty_service(eng, "cancel");
    pthread_t t;
    double t0;

    et_wait_tasks(eng, id, "running", 1, 60);
    t0 = et_now();
    assert_int_equal(pthread_create(&t, NULL, cancel_later, eng), 0);
    assert_int_equal(dcs_service_logs(eng, id, &opts, keep, &l, &err),
                     DCS_STOP);
    pthread_join(t, NULL);
    assert_true(et_now() - t0 < 3.0);
    assert_true(l.n >= 1);
    free(id);
}

static void test_no_such_service(void **state)
{
    struct dcs_engine *eng = *state;
    struct lines l = { 0 };
    struct dcs_error err;

    assert_int_equal(dcs_service_logs(eng, "dcst-no-such-service", NULL, keep,
                                      &l, &err), DCS_ERR);
    assert_int_equal(err.status, 404);
    assert_string_equal(err.text, "service dcst-no-such-service not found");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdout_stderr_in_order),
        cmocka_unit_test(test_tty_service),
        cmocka_unit_test(test_follow_until_enough),
        cmocka_unit_test(test_follow_cancelled),
        cmocka_unit_test(test_no_such_service),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
