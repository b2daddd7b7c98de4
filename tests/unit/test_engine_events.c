/*
 * test_engine_events.c - splitting the event stream into JSON objects
 * across arbitrary chunk boundaries, and the de-duplication that makes a
 * reconnect lose and repeat nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "swarm/swarm.h"

/* Two events as Engine 20.10 writes them (one object and "\n" each). */
static const char STREAM[] =
    "{\"Type\":\"service\",\"Action\":\"create\",\"Actor\":{\"ID\":\"1lje\","
    "\"Attributes\":{\"name\":\"pro}be\"}},\"scope\":\"swarm\",\"time\":"
    "1795458322,\"timeNano\":1795458322520888508}\n"
    "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"c1\","
    "\"Attributes\":{\"q\":\"say \\\"{hi}\\\" \\\\\"}},\"time\":1795458332,"
    "\"timeNano\":1795458332923439200}\n";

struct seen {
    int n;
    int stop_after;
    char type[8][16];
    long long ns[8];
};

static int collect(json_t *v, void *ctx)
{
    struct seen *s = ctx;

    assert_true(s->n < 8);
    snprintf(s->type[s->n], sizeof(s->type[0]), "%s",
             json_string_value(json_object_get(v, "Type")));
    s->ns[s->n] = (long long)json_integer_value(json_object_get(v, "timeNano"));
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static int split(const char *text, size_t len, size_t step, struct seen *s,
                 struct dcs_error *err)
{
    struct dcs_jsonsplit js;
    size_t off;
    int rc = DCS_OK;

    dcs_jsonsplit_init(&js, collect, s);
    for (off = 0; off < len && rc == DCS_OK; off += step)
        rc = dcs_jsonsplit_feed(&js, text + off,
                                len - off < step ? len - off : step, err);
    if (rc == DCS_OK)
        rc = dcs_jsonsplit_finish(&js, err);
    dcs_jsonsplit_release(&js);
    return rc;
}

static void test_split_at_every_byte(void **state)
{
    size_t step;
    struct dcs_error err;

    (void)state;
    for (step = 1; step <= sizeof(STREAM) - 1; step++) {
        struct seen s = { 0 };

        assert_int_equal(split(STREAM, sizeof(STREAM) - 1, step, &s, &err),
                         DCS_OK);
        assert_int_equal(s.n, 2);
        assert_string_equal(s.type[0], "service");
        assert_string_equal(s.type[1], "container");
        assert_true(s.ns[1] == 1795458332923439200LL);
    }
}

static void test_no_newlines_needed(void **state)
{
    static const char text[] = " {\"Type\":\"a\"}{\"Type\":\"b\"}\r\n[1,{}]";
    struct seen s = { 0 };
    struct dcs_error err;

    (void)state;
    assert_int_equal(split(text, sizeof(text) - 1, 3, &s, &err), DCS_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.type[1], "b");
}

static void test_garbage_between_values(void **state)
{
    static const char text[] = "{\"Type\":\"a\"} x";
    struct seen s = { 0 };
    struct dcs_error err;

    (void)state;
    assert_int_equal(split(text, sizeof(text) - 1, 100, &s, &err), DCS_ERR);
    assert_int_equal(err.status, 502);
    assert_int_equal(s.n, 1);
}

static void test_invalid_json_inside(void **state)
{
    static const char text[] = "{\"Type\": nope}";
    struct seen s = { 0 };
    struct dcs_error err;

    (void)state;
    assert_int_equal(split(text, sizeof(text) - 1, 100, &s, &err), DCS_ERR);
    assert_int_equal(err.status, 502);
    assert_non_null(strstr(err.text, "invalid JSON"));
}

static void test_cut_value(void **state)
{
    struct seen s = { 0 };
    struct dcs_error err;

    (void)state;
    assert_int_equal(split(STREAM, sizeof(STREAM) - 10, 7, &s, &err), DCS_ERR);
    assert_string_equal(err.text, "the stream ended inside a JSON value");
    assert_int_equal(s.n, 1);
}

static void test_stop_and_reset(void **state)
{
    struct seen s = { .stop_after = 1 };
    struct dcs_jsonsplit js;
    struct dcs_error err;

    (void)state;
    dcs_jsonsplit_init(&js, collect, &s);
    assert_int_equal(dcs_jsonsplit_feed(&js, STREAM, sizeof(STREAM) - 1, &err),
                     DCS_STOP);
    assert_int_equal(s.n, 1);
    dcs_jsonsplit_release(&js);

    s.n = 0;
    s.stop_after = 0;
    dcs_jsonsplit_init(&js, collect, &s);
    assert_int_equal(dcs_jsonsplit_feed(&js, STREAM, 30, &err), DCS_OK);
    dcs_jsonsplit_reset(&js);
    assert_int_equal(dcs_jsonsplit_feed(&js, STREAM, sizeof(STREAM) - 1, &err),
                     DCS_OK);
    assert_int_equal(dcs_jsonsplit_finish(&js, &err), DCS_OK);
    dcs_jsonsplit_release(&js);
    assert_int_equal(s.n, 2);
}

static json_t *event(const char *action, long long ns)
{
    json_t *e = json_pack("{s:s, s:s, s:{s:s}, s:I, s:I}", "Type", "service",
                          "Action", action, "Actor", "ID", "svc", "time",
                          (json_int_t)(ns / 1000000000LL), "timeNano",
                          (json_int_t)ns);

    assert_non_null(e);
    return e;
}

static int admit(struct dcs_event_dedupe *d, const char *action, long long ns)
{
    json_t *e = event(action, ns);
    int rc = dcs_event_dedupe_admit(d, e);

    json_decref(e);
    return rc;
}

static void test_dedupe_replay(void **state)
{
    struct dcs_event_dedupe d;
    char since[64];
    const long long t = 1795458322000000000LL;

    (void)state;
    dcs_event_dedupe_init(&d);
    dcs_event_dedupe_since(&d, since, sizeof(since));
    assert_string_equal(since, "");
    assert_int_equal(admit(&d, "create", t + 100), 1);
    assert_int_equal(admit(&d, "update", t + 900000000), 1);
    /* Same time, other event: both are delivered. */
    assert_int_equal(admit(&d, "remove", t + 900000000), 1);
    dcs_event_dedupe_since(&d, since, sizeof(since));
    assert_string_equal(since, "1795458321.900000000");
    /* The reconnect replays from `since`: all three were delivered. */
    assert_int_equal(admit(&d, "create", t + 100), 0);
    assert_int_equal(admit(&d, "update", t + 900000000), 0);
    assert_int_equal(admit(&d, "remove", t + 900000000), 0);
    /* What happened during the gap is new. */
    assert_int_equal(admit(&d, "update", t + 1500000000), 1);
    dcs_event_dedupe_release(&d);
}

static void test_dedupe_out_of_order(void **state)
{
    struct dcs_event_dedupe d;
    const long long t = 1795458322000000000LL;

    (void)state;
    dcs_event_dedupe_init(&d);
    assert_int_equal(admit(&d, "update", t), 1);
    /* Swarm events carry the object's time and may come a little late:
     * an older stamp is not a duplicate. */
    assert_int_equal(admit(&d, "create", t - 300000000), 1);
    assert_int_equal(admit(&d, "create", t - 300000000), 0);
    /* Long before the margin: never replayed, so simply new. */
    assert_int_equal(admit(&d, "old", t - 5000000000LL), 1);
    /* Moving on forgets what cannot be replayed any more. */
    assert_int_equal(admit(&d, "later", t + 10000000000LL), 1);
    assert_int_equal(d.n, 1);
    dcs_event_dedupe_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_at_every_byte),
        cmocka_unit_test(test_no_newlines_needed),
        cmocka_unit_test(test_garbage_between_values),
        cmocka_unit_test(test_invalid_json_inside),
        cmocka_unit_test(test_cut_value),
        cmocka_unit_test(test_stop_and_reset),
        cmocka_unit_test(test_dedupe_replay),
        cmocka_unit_test(test_dedupe_out_of_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
