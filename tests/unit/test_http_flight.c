/* dcswarm serve: requests for the same namespace that arrive while it is
 * being read share the next read (view.c), never one that started before
 * they arrived. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "http/model.h"

static atomic_int reads;
static atomic_int reading;      /* a read is under way */

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* A read that takes 400 ms; its answer says which read it was. */
static int slow_read(struct dcs_ctx *c, struct dcs_view *v, void *arg, struct dcs_error *err)
{
    int n = atomic_fetch_add(&reads, 1) + 1;

    (void)c;
    (void)arg;
    (void)err;
    atomic_store(&reading, 1);
    sleep_ms(400);
    v->services = json_integer(n);
    return DCS_OK;
}

struct caller {
    pthread_t thread;
    const char *key;
    int rc, got;
};

static void *call(void *p)
{
    struct caller *k = p;
    struct dcs_ctx c = {0};
    struct dcs_view v;
    struct dcs_error err = {0};

    /* cmocka's asserts belong to the main thread. */
    k->rc = dcs_view_read_shared(&c, k->key, slow_read, NULL, &v, &err);
    k->got = (int)json_integer_value(v.services);
    dcs_view_release(&v);
    return NULL;
}

/* k[0] first; the others once its read is under way. */
static void run(struct caller *k, size_t n)
{
    atomic_store(&reading, 0);
    for (size_t i = 0; i < n; i++) {
        while (i == 1 && !atomic_load(&reading))
            sleep_ms(1);
        assert_int_equal(pthread_create(&k[i].thread, NULL, call, &k[i]), 0);
    }
    for (size_t i = 0; i < n; i++) {
        pthread_join(k[i].thread, NULL);
        assert_int_equal(k[i].rc, DCS_OK);
    }
}

static void test_late_callers_share_the_next_read(void **state)
{
    struct caller k[] = {{.key = "alice/11"}, {.key = "alice/11"}, {.key = "alice/11"},
                         {.key = "alice/11"}, {.key = "bob/11"}};

    (void)state;
    atomic_store(&reads, 0);
    run(k, sizeof(k) / sizeof(k[0]));
    /* The first reads at once; the three that came during its read share
     * one read started after it; another namespace reads on its own. */
    assert_int_equal(atomic_load(&reads), 3);
    assert_int_not_equal(k[1].got, k[0].got);
    assert_int_equal(k[2].got, k[1].got);
    assert_int_equal(k[3].got, k[1].got);
    assert_int_not_equal(k[4].got, k[0].got);
    assert_int_not_equal(k[4].got, k[1].got);
}

static void test_one_caller_reads_at_once(void **state)
{
    struct caller k[] = {{.key = "alice/11"}};

    (void)state;
    atomic_store(&reads, 0);
    run(k, 1);
    run(k, 1);
    assert_int_equal(atomic_load(&reads), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_late_callers_share_the_next_read),
        cmocka_unit_test(test_one_caller_reads_at_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
