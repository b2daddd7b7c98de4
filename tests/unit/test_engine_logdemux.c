/*
 * test_engine_logdemux.c - the log push decoder: 8-byte frame headers split
 * anywhere across feeds, stdout/stderr/system streams, timestamps and
 * details prefixes, lines without a newline, and raw (TTY) streams.  The
 * byte layouts are those Engine 20.10 sends (checked with curl).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "swarm/swarm.h"

#define MAXREC 16

struct got {
    int n;
    int stop_after;     /* stop when n reaches this; 0: never */
    enum dcs_log_stream stream[MAXREC];
    char ts[MAXREC][40];
    long long ns[MAXREC];
    char details[MAXREC][200];
    char line[MAXREC][100];
    int partial[MAXREC];
};

static int collect(const struct dcs_log_record *rec, void *ctx)
{
    struct got *g = ctx;

    assert_true(g->n < MAXREC);
    assert_int_equal(rec->line[rec->len], '\0');
    g->stream[g->n] = rec->stream;
    snprintf(g->ts[g->n], sizeof(g->ts[0]), "%s", rec->timestamp);
    g->ns[g->n] = rec->time_ns;
    snprintf(g->details[g->n], sizeof(g->details[0]), "%s", rec->details);
    snprintf(g->line[g->n], sizeof(g->line[0]), "%.*s", (int)rec->len,
             rec->line);
    g->partial[g->n] = rec->partial;
    g->n++;
    return g->stop_after && g->n >= g->stop_after;
}

/* Append one frame (header + payload) to buf at *len. */
static void frame(unsigned char *buf, size_t *len, int stream,
                  const char *payload)
{
    size_t n = strlen(payload);

    buf[(*len)++] = (unsigned char)stream;
    buf[(*len)++] = 0;
    buf[(*len)++] = 0;
    buf[(*len)++] = 0;
    buf[(*len)++] = (unsigned char)(n >> 24);
    buf[(*len)++] = (unsigned char)(n >> 16);
    buf[(*len)++] = (unsigned char)(n >> 8);
    buf[(*len)++] = (unsigned char)n;
    memcpy(buf + *len, payload, n);
    *len += n;
}

/* Feed buf in pieces of `step` bytes, then finish. */
static int run(enum dcs_log_format fmt, unsigned flags, const void *buf,
               size_t len, size_t step, struct got *g, struct dcs_error *err)
{
    struct dcs_logdemux d;
    const char *p = buf;
    size_t off;
    int rc = DCS_OK;

    dcs_logdemux_init(&d, fmt, flags, collect, g);
    for (off = 0; off < len && rc == DCS_OK; off += step)
        rc = dcs_logdemux_feed(&d, p + off, len - off < step ? len - off : step,
                               err);
    if (rc == DCS_OK)
        rc = dcs_logdemux_finish(&d, err);
    dcs_logdemux_release(&d);
    return rc;
}

static void test_stdout_and_stderr(void **state)
{
    unsigned char buf[256];
    size_t len = 0;
    struct got g = { 0 };
    struct dcs_error err;

    (void)state;
    frame(buf, &len, 1, "out one\n");
    frame(buf, &len, 2, "err one\n");
    frame(buf, &len, 1, "out two\n");
    assert_int_equal(run(DCS_LOG_MULTIPLEXED, 0, buf, len, len, &g, &err),
                     DCS_OK);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.stream[0], DCS_LOG_STDOUT);
    assert_string_equal(g.line[0], "out one");
    assert_int_equal(g.stream[1], DCS_LOG_STDERR);
    assert_string_equal(g.line[1], "err one");
    assert_string_equal(g.line[2], "out two");
    assert_string_equal(g.ts[0], "");
    assert_int_equal(g.partial[0], 0);
}

/* Every split point, down to one byte a feed, gives the same records. */
static void test_split_anywhere(void **state)
{
    unsigned char buf[256];
    size_t len = 0, step;
    struct dcs_error err;

    (void)state;
    frame(buf, &len, 1, "alpha\n");
    frame(buf, &len, 2, "beta\n");
    frame(buf, &len, 1, "");
    frame(buf, &len, 1, "gamma\n");
    for (step = 1; step <= len; step++) {
        struct got g = { 0 };

        assert_int_equal(run(DCS_LOG_MULTIPLEXED, 0, buf, len, step, &g, &err),
                         DCS_OK);
        assert_int_equal(g.n, 3);
        assert_string_equal(g.line[0], "alpha");
        assert_int_equal(g.stream[1], DCS_LOG_STDERR);
        assert_string_equal(g.line[1], "beta");
        assert_string_equal(g.line[2], "gamma");
    }
}

static void test_timestamps(void **state)
{
    unsigned char buf[256];
    size_t len = 0;
    struct got g = { 0 };
    struct dcs_error err;

    (void)state;
    frame(buf, &len, 2, "2026-11-23T18:25:27.204107764Z err\n");
    frame(buf, &len, 1, "2026-11-23T18:25:27.204220659Z out with  spaces\n");
    assert_int_equal(run(DCS_LOG_MULTIPLEXED, DCS_LOG_TIMESTAMPS, buf, len, 5,
                         &g, &err), DCS_OK);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.ts[0], "2026-11-23T18:25:27.204107764Z");
    assert_true(g.ns[0] == 1795458327204107764LL);
    assert_string_equal(g.line[0], "err");
    assert_string_equal(g.line[1], "out with  spaces");
}

static void test_details(void **state)
{
    unsigned char buf[512];
    size_t len = 0;
    struct got g = { 0 };
    struct dcs_error err;
    char task[64];

    (void)state;
    frame(buf, &len, 1, "2026-11-23T18:27:09.882753587Z "
          "com.docker.swarm.node.id=qbtoge1,com.docker.swarm.service.id=1lje,"
          "com.docker.swarm.task.id=a2b0bh0v out\n");
    assert_int_equal(run(DCS_LOG_MULTIPLEXED,
                         DCS_LOG_TIMESTAMPS | DCS_LOG_DETAILS, buf, len, 3, &g,
                         &err), DCS_OK);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.line[0], "out");
    assert_int_equal(dcs_log_detail(g.details[0], "com.docker.swarm.task.id",
                                    task, sizeof(task)), DCS_OK);
    assert_string_equal(task, "a2b0bh0v");
    assert_int_equal(dcs_log_detail(g.details[0], "com.docker.swarm.node.id",
                                    task, sizeof(task)), DCS_OK);
    assert_string_equal(task, "qbtoge1");
    assert_int_equal(dcs_log_detail(g.details[0], "nope", task, sizeof(task)),
                     DCS_ERR);
    assert_int_equal(dcs_log_detail("k=a%2Cb+c", "k", task, sizeof(task)),
                     DCS_OK);
    assert_string_equal(task, "a,b c");
    assert_int_equal(dcs_log_detail("k=abcdef", "k", task, 4), DCS_ERR);
}

static void test_partial_lines(void **state)
{
    unsigned char buf[256];
    size_t len = 0;
    struct got g = { 0 };
    struct dcs_error err;

    (void)state;
    /* A long line the log driver split, and output that ended unfinished. */
    frame(buf, &len, 1, "2026-11-23T18:00:00Z first half ");
    frame(buf, &len, 1, "2026-11-23T18:00:00.5Z second half\n");
    frame(buf, &len, 2, "2026-11-23T18:00:01Z no newline");
    assert_int_equal(run(DCS_LOG_MULTIPLEXED, DCS_LOG_TIMESTAMPS, buf, len, 7,
                         &g, &err), DCS_OK);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.line[0], "first half ");
    assert_int_equal(g.partial[0], 1);
    assert_string_equal(g.line[1], "second half");
    assert_int_equal(g.partial[1], 0);
    assert_true(g.ns[1] == 1795456800500000000LL);
    assert_string_equal(g.line[2], "no newline");
    assert_int_equal(g.partial[2], 1);
}

static void test_several_lines_one_frame(void **state)
{
    unsigned char buf[256];
    size_t len = 0;
    struct got g = { 0 };
    struct dcs_error err;

    (void)state;
    frame(buf, &len, 1, "2026-11-23T18:00:00Z a\n\nb\n");
    assert_int_equal(run(DCS_LOG_MULTIPLEXED, DCS_LOG_TIMESTAMPS, buf, len,
                         len, &g, &err), DCS_OK);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.line[0], "a");
    assert_string_equal(g.line[1], "");
    assert_string_equal(g.line[2], "b");
    assert_string_equal(g.ts[2], "2026-11-23T18:00:00Z");
}

static void test_system_stream_has_no_prefix(void **state)
{
    unsigned char buf[256];
    size_t len = 0;
    struct got g = { 0 };
    struct dcs_error err;

    (void)state;
    frame(buf, &len, 3, "Error grabbing logs: log driver broke\n");
    assert_int_equal(run(DCS_LOG_MULTIPLEXED, DCS_LOG_TIMESTAMPS, buf, len,
                         len, &g, &err), DCS_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.stream[0], DCS_LOG_SYSTEM);
    assert_string_equal(g.line[0], "Error grabbing logs: log driver broke");
    assert_string_equal(g.ts[0], "");
}

static void test_raw_tty_stream(void **state)
{
    static const char raw[] =
        "2026-11-23T18:25:36.625747000Z out\r\n"
        "2026-11-23T18:25:36.625977057Z err\r\n"
        "2026-11-23T18:25:37.629858278Z tail";
    size_t step;
    struct dcs_error err;

    (void)state;
    for (step = 1; step <= sizeof(raw) - 1; step++) {
        struct got g = { 0 };

        assert_int_equal(run(DCS_LOG_RAW, DCS_LOG_TIMESTAMPS, raw,
                             sizeof(raw) - 1, step, &g, &err), DCS_OK);
        assert_int_equal(g.n, 3);
        assert_int_equal(g.stream[0], DCS_LOG_STDOUT);
        assert_int_equal(g.stream[1], DCS_LOG_STDOUT);
        assert_string_equal(g.line[0], "out");
        assert_string_equal(g.line[1], "err");
        assert_string_equal(g.ts[1], "2026-11-23T18:25:36.625977057Z");
        assert_string_equal(g.line[2], "tail");
        assert_int_equal(g.partial[2], 1);
        assert_int_equal(g.partial[0], 0);
    }
}

static void test_raw_bytes_are_not_frames(void **state)
{
    static const char raw[] = "plain text\n";
    struct got g = { 0 };
    struct dcs_error err;

    (void)state;
    /* A TTY stream read as multiplexed: a clear error, not garbage. */
    assert_int_equal(run(DCS_LOG_MULTIPLEXED, 0, raw, sizeof(raw) - 1, 4, &g,
                         &err), DCS_ERR);
    assert_int_equal(err.status, 502);
    assert_non_null(strstr(err.text, "not multiplexed as expected"));
    assert_int_equal(g.n, 0);
}

static void test_cut_frame(void **state)
{
    unsigned char buf[64];
    size_t len = 0;
    struct got g = { 0 };
    struct dcs_error err;

    (void)state;
    frame(buf, &len, 1, "complete\n");
    frame(buf, &len, 1, "cut short\n");
    assert_int_equal(run(DCS_LOG_MULTIPLEXED, 0, buf, len - 3, 4, &g, &err),
                     DCS_ERR);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.text, "the log stream ended inside a frame");
    assert_int_equal(g.n, 1);
}

static void test_stop(void **state)
{
    unsigned char buf[128];
    size_t len = 0;
    struct got g = { .stop_after = 1 };
    struct dcs_logdemux d;
    struct dcs_error err;

    (void)state;
    frame(buf, &len, 1, "one\n");
    frame(buf, &len, 1, "two\n");
    dcs_logdemux_init(&d, DCS_LOG_MULTIPLEXED, 0, collect, &g);
    assert_int_equal(dcs_logdemux_feed(&d, buf, len, &err), DCS_STOP);
    assert_int_equal(dcs_logdemux_feed(&d, buf, len, &err), DCS_STOP);
    assert_int_equal(dcs_logdemux_finish(&d, &err), DCS_STOP);
    dcs_logdemux_release(&d);
    assert_int_equal(g.n, 1);
}

static void test_reset_forgets_half_frame(void **state)
{
    unsigned char buf[128];
    size_t len = 0;
    struct got g = { 0 };
    struct dcs_logdemux d;
    struct dcs_error err;

    (void)state;
    frame(buf, &len, 1, "whole\n");
    dcs_logdemux_init(&d, DCS_LOG_MULTIPLEXED, 0, collect, &g);
    assert_int_equal(dcs_logdemux_feed(&d, buf, 10, &err), DCS_OK);
    dcs_logdemux_reset(&d);
    assert_int_equal(dcs_logdemux_feed(&d, buf, len, &err), DCS_OK);
    assert_int_equal(dcs_logdemux_finish(&d, &err), DCS_OK);
    dcs_logdemux_release(&d);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.line[0], "whole");
}

static void test_rfc3339(void **state)
{
    long long ns;

    (void)state;
    assert_int_equal(dcs_parse_rfc3339_ns("1970-01-01T00:00:01Z", 20, &ns),
                     DCS_OK);
    assert_true(ns == 1000000000LL);
    assert_int_equal(dcs_parse_rfc3339_ns("1970-01-01T01:00:00.25+01:00", 28,
                                          &ns), DCS_OK);
    assert_true(ns == 250000000LL);
    assert_int_equal(dcs_parse_rfc3339_ns("not a time at all", 17, &ns),
                     DCS_ERR);
    assert_int_equal(dcs_parse_rfc3339_ns("2026-11-23T18:25:27", 19, &ns),
                     DCS_ERR);
    assert_int_equal(dcs_parse_rfc3339_ns("2026-11-23T18:25:27.5", 21, &ns),
                     DCS_ERR);
    /* Found by fuzz_logs: nanoseconds since 1970 do not fit 64 bits past
     * 2262, and fields out of range are no time. */
    assert_int_equal(dcs_parse_rfc3339_ns("9573-12-07T00:00:00Z", 20, &ns), DCS_ERR);
    assert_int_equal(dcs_parse_rfc3339_ns("2262-04-11T23:47:16Z", 20, &ns), DCS_OK);
    assert_int_equal(dcs_parse_rfc3339_ns("2262-04-11T23:47:17Z", 20, &ns), DCS_ERR);
    assert_int_equal(dcs_parse_rfc3339_ns("2026-13-01T00:00:00Z", 20, &ns), DCS_ERR);
    assert_int_equal(dcs_parse_rfc3339_ns("2026-12-01T24:00:00Z", 20, &ns), DCS_ERR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stdout_and_stderr),
        cmocka_unit_test(test_split_anywhere),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_details),
        cmocka_unit_test(test_partial_lines),
        cmocka_unit_test(test_several_lines_one_frame),
        cmocka_unit_test(test_system_stream_has_no_prefix),
        cmocka_unit_test(test_raw_tty_stream),
        cmocka_unit_test(test_raw_bytes_are_not_frames),
        cmocka_unit_test(test_cut_frame),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_reset_forgets_half_frame),
        cmocka_unit_test(test_rfc3339),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
