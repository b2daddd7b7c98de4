/* The Stream API's pure parts: the WebSocket upgrade check and accept key,
 * the wslay glue (pings, closes, text frames) over evbuffers, log messages,
 * engine events as Docker Cloud events (the stream routes are in
 * test_http_route_auth.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "http/streams.h"

/* ==================== handshake ==================== */

static void test_accept_key(void **state)
{
    char out[29];

    (void)state;
    /* RFC 6455 §1.3's example. */
    dcs_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_upgrade_check(void **state)
{
    struct dcs_error err = {0};
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";

    (void)state;
    assert_int_equal(dcs_ws_check("GET", NULL, NULL, NULL, NULL, &err), 0);
    assert_int_equal(dcs_ws_check("GET", "h2c", "Upgrade", "13", key, &err), 0);
    /* websocket-client's spelling, and a browser's "keep-alive, Upgrade". */
    assert_int_equal(dcs_ws_check("GET", "websocket", "Upgrade", "13", key, &err), 1);
    assert_int_equal(dcs_ws_check("GET", "WebSocket", "keep-alive, Upgrade", "13", key, &err), 1);
    assert_int_equal(dcs_ws_check("GET", "websocket", "keep-alive", "13", key, &err), DCS_ERR);
    assert_int_equal(err.status, 400);
    assert_int_equal(dcs_ws_check("GET", "websocket", "Upgrade", "8", key, &err), DCS_ERR);
    assert_int_equal(err.status, 426);
    assert_int_equal(dcs_ws_check("GET", "websocket", "Upgrade", "13", "short", &err), DCS_ERR);
    assert_int_equal(err.status, 400);
    assert_int_equal(dcs_ws_check("POST", "websocket", "Upgrade", "13", key, &err), DCS_ERR);
    assert_true(dcs_header_has_token(" a ,Upgrade ", "upgrade"));
    assert_false(dcs_header_has_token("upgrades", "upgrade"));
}

static void test_handshake_answer(void **state)
{
    struct evbuffer *out = evbuffer_new();
    char text[256] = "";

    (void)state;
    assert_int_equal(dcs_ws_handshake(out, "dGhlIHNhbXBsZSBub25jZQ=="), DCS_OK);
    evbuffer_copyout(out, text, sizeof(text) - 1);
    assert_string_equal(text, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    evbuffer_free(out);
}

/* ==================== frames ==================== */

/* A client frame: FIN, opcode, masked payload. */
static void client_frame(struct evbuffer *in, int opcode, const void *payload, size_t len)
{
    unsigned char head[2] = {(unsigned char)(0x80 | opcode), (unsigned char)(0x80 | len)};
    unsigned char mask[4] = {0x11, 0x22, 0x33, 0x44}, body[125];

    assert_true(len <= 125);
    for (size_t i = 0; i < len; i++)
        body[i] = ((const unsigned char *)payload)[i] ^ mask[i % 4];
    evbuffer_add(in, head, 2);
    evbuffer_add(in, mask, 4);
    evbuffer_add(in, body, len);
}

static size_t take(struct evbuffer *out, unsigned char *buf, size_t max)
{
    int n = evbuffer_remove(out, buf, max);
    return n > 0 ? (size_t)n : 0;
}

static void test_ping_text_close(void **state)
{
    struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
    struct dcs_ws *w = dcs_ws_new(in, out, 65536);
    unsigned char buf[256];
    size_t n;

    (void)state;
    /* A ping in two pieces: answered once whole, payload echoed, unmasked. */
    {
        struct evbuffer *tmp = evbuffer_new();
        client_frame(tmp, 0x9, "hi", 2);
        evbuffer_remove_buffer(tmp, in, 3);
        assert_int_equal(dcs_ws_io(w), 1);
        assert_int_equal(evbuffer_get_length(out), 0);
        evbuffer_add_buffer(in, tmp);
        evbuffer_free(tmp);
    }
    assert_int_equal(dcs_ws_io(w), 1);
    n = take(out, buf, sizeof(buf));
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "\x8a\x02hi", 4);
    /* An empty ping (python-dockercloud's). */
    client_frame(in, 0x9, "", 0);
    assert_int_equal(dcs_ws_io(w), 1);
    assert_int_equal(take(out, buf, sizeof(buf)), 2);
    assert_memory_equal(buf, "\x8a\x00", 2);
    /* A text message goes out as one unmasked text frame. */
    assert_int_equal(dcs_ws_text(w, "{\"a\":1}", 7), DCS_OK);
    assert_int_equal(take(out, buf, sizeof(buf)), 9);
    assert_memory_equal(buf, "\x81\x07{\"a\":1}", 9);
    /* The client closes: we answer with a close and are done. */
    client_frame(in, 0x8, "\x03\xe8", 2);
    assert_int_equal(dcs_ws_io(w), 0);
    n = take(out, buf, sizeof(buf));
    assert_true(n >= 2);
    assert_int_equal(buf[0], 0x88);
    dcs_ws_free(w);
    evbuffer_free(in);
    evbuffer_free(out);
}

static void test_server_close(void **state)
{
    struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
    struct dcs_ws *w = dcs_ws_new(in, out, 65536);
    unsigned char buf[64];

    (void)state;
    assert_int_equal(dcs_ws_close(w, 1000), DCS_OK);
    assert_int_equal(take(out, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "\x88\x02\x03\xe8", 4);
    /* Still open until the client's close comes back. */
    assert_int_equal(dcs_ws_io(w), 1);
    client_frame(in, 0x8, "\x03\xe8", 2);
    assert_int_equal(dcs_ws_io(w), 0);
    /* An unmasked client frame breaks the protocol: done. */
    dcs_ws_free(w);
    w = dcs_ws_new(in, out, 65536);
    evbuffer_add(in, "\x81\x01x", 3);
    assert_int_equal(dcs_ws_io(w), 0);
    dcs_ws_free(w);
    evbuffer_free(in);
    evbuffer_free(out);
}

/* ==================== log messages ==================== */

static char *message(const char *source, enum dcs_log_stream st, const char *line, size_t len,
                     long long time_ns, int partial)
{
    struct dcs_strbuf b = {0};
    struct dcs_log_record rec = {.stream = st, .line = line, .len = len, .time_ns = time_ns,
                                 .partial = partial};
    char *s;

    dcs_log_message(&b, source, &rec, 42);
    assert_false(b.failed);
    s = strndup(b.data, b.len);
    dcs_strbuf_release(&b);
    return s;
}

static void test_log_message(void **state)
{
    char *m;
    json_t *v;

    (void)state;
    m = message("web-1", DCS_LOG_STDOUT, "hi 1", 4, 1795456961123456789LL, 0);
    assert_string_equal(m, "{\"type\":\"log\",\"source\":\"web-1\",\"log\":\"hi 1\\n\","
                           "\"streamType\":\"stdout\",\"timestamp\":1795456961}");
    free(m);
    m = message("web-2", DCS_LOG_STDERR, "oops", 4, 0, 0);
    assert_string_equal(m, "{\"type\":\"log\",\"source\":\"web-2\",\"log\":\"oops\\n\","
                           "\"streamType\":\"stderr\",\"timestamp\":42}");
    free(m);
    /* A partial line keeps no newline; quotes, controls escaped. */
    m = message("a\"b", DCS_LOG_STDOUT, "x\t\"\\\x01", 5, 0, 1);
    assert_string_equal(m, "{\"type\":\"log\",\"source\":\"a\\\"b\",\"log\":\"x\\t\\\"\\\\\\u0001\","
                           "\"streamType\":\"stdout\",\"timestamp\":42}");
    free(m);
    /* Invalid UTF-8 becomes U+FFFD; valid multi-byte text passes; JSON
     * parsers take the result. */
    m = message("w", DCS_LOG_STDOUT, "\xc3\xa9\xff\xe2\x82", 5, 0, 0);
    v = json_loads(m, 0, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "log")),
                        "\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n");
    assert_true(json_is_integer(json_object_get(v, "timestamp")));
    json_decref(v);
    free(m);
}

static void test_drop_notice(void **state)
{
    struct dcs_strbuf b = {0};
    json_t *v;

    (void)state;
    dcs_log_drop_notice(&b, 17, 7);
    v = json_loadb(b.data, b.len, 0, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "source")), "dcswarm");
    assert_string_equal(json_string_value(json_object_get(v, "streamType")), "stderr");
    assert_non_null(strstr(json_string_value(json_object_get(v, "log")), "17 log line(s) dropped"));
    json_decref(v);
    dcs_strbuf_release(&b);
    v = dcs_event_drop_notice(3, 0);
    assert_string_equal(json_string_value(json_object_get(v, "type")), "error");
    assert_true(json_is_object(json_object_get(v, "data")));
    json_decref(v);
}

/* ==================== events ==================== */

static void test_event_object(void **state)
{
    json_t *parents = json_pack("[s]", "/api/app/v1/alice/service/u1/");
    struct dcs_evinfo in = {.type = "container", .action = "update", .ns = "alice",
                            .uuid = "c1", .state = "Running", .parents = parents,
                            .time_ns = 1454345248123456789LL};
    json_t *ev = dcs_event_object(&in, "e1");
    char *text = json_dumps(ev, JSON_COMPACT);

    (void)state;
    assert_string_equal(text, "{\"type\":\"container\",\"action\":\"update\",\"parents\":"
                              "[\"/api/app/v1/alice/service/u1/\"],\"resource_uri\":"
                              "\"/api/app/v1/alice/container/c1/\",\"state\":\"Running\","
                              "\"uuid\":\"e1\",\"datetime\":\"2016-02-01T16:47:28Z\"}");
    free(text);
    json_decref(ev);
    json_decref(parents);
    in.type = "action";
    in.parents = NULL;
    ev = dcs_event_object(&in, "e2");
    assert_string_equal(json_string_value(json_object_get(ev, "resource_uri")),
                        "/api/audit/v1/action/c1/");
    assert_int_equal(json_array_size(json_object_get(ev, "parents")), 0);
    json_decref(ev);
}

static void test_event_mapping(void **state)
{
    json_t *attrs = json_pack("{s:s}", "state.new", "down");

    (void)state;
    assert_string_equal(dcs_event_action("service", "create"), "create");
    assert_string_equal(dcs_event_action("service", "remove"), "delete");
    assert_string_equal(dcs_event_action("container", "die"), "update");
    assert_string_equal(dcs_event_action("config", "create"), "create");
    assert_null(dcs_event_action("container", "exec_start"));
    assert_null(dcs_event_action("network", "create"));
    assert_string_equal(dcs_event_container_state("start"), "Running");
    assert_string_equal(dcs_event_container_state("die"), "Stopped");
    assert_string_equal(dcs_event_container_state("destroy"), "Terminated");
    {
        json_t *t = json_pack("{s:{s:s}, s:s}", "Status", "State", "running", "DesiredState",
                              "running");
        assert_string_equal(dcs_container_state(t), "Running");
        json_object_set_new(t, "DesiredState", json_string("shutdown"));
        assert_string_equal(dcs_container_state(t), "Stopping");
        json_object_set_new(t, "Status", json_pack("{s:s}", "State", "preparing"));
        assert_string_equal(dcs_container_state(t), "Stopping");
        json_object_set_new(t, "DesiredState", json_string("running"));
        assert_string_equal(dcs_container_state(t), "Starting");
        json_object_set_new(t, "Status", json_pack("{s:s}", "State", "complete"));
        assert_string_equal(dcs_container_state(t), "Stopped");
        /* Listed while wanted or still stopping; numbered by slot, or by node. */
        assert_true(dcs_container_listed(t));
        json_object_set_new(t, "DesiredState", json_string("shutdown"));
        assert_false(dcs_container_listed(t));
        json_decref(t);
    }
    {
        json_t *tasks = json_pack("[{s:s, s:s, s:i}, {s:s, s:s, s:i}, {s:s, s:s, s:i}]",
                                  "NodeID", "b", "DesiredState", "running", "Slot", 0,
                                  "NodeID", "a", "DesiredState", "running", "Slot", 0,
                                  "NodeID", "0", "DesiredState", "shutdown", "Slot", 0);
        assert_int_equal(dcs_container_number(json_array_get(tasks, 0), tasks), 2);
        assert_int_equal(dcs_container_number(json_array_get(tasks, 1), tasks), 1);
        assert_int_equal(dcs_container_number(json_array_get(tasks, 0), NULL), 1);
        json_object_set_new(json_array_get(tasks, 0), "Slot", json_integer(7));
        assert_int_equal(dcs_container_number(json_array_get(tasks, 0), tasks), 7);
        json_decref(tasks);
    }
    assert_string_equal(dcs_event_node_state(attrs), "Unreachable");
    assert_string_equal(dcs_event_node_state(NULL), "Deployed");
    json_decref(attrs);
}

static void test_event_match(void **state)
{
    json_t *parents = json_pack("[s, s]", "/api/app/v1/alice/service/u1/", "/n/");
    struct dcs_evinfo in = {.type = "container", .action = "update", .ns = "alice",
                            .uuid = "c1", .state = "Running", .parents = parents};
    json_t *ev = dcs_event_object(&in, "e1");
    json_t *f = json_object();

    (void)state;
    assert_true(dcs_event_match(ev, "alice", "alice", NULL));
    /* Another namespace's events never reach a client. */
    assert_false(dcs_event_match(ev, "alice", "bob", NULL));
    /* Node events (no namespace) reach everyone. */
    assert_true(dcs_event_match(ev, NULL, "bob", NULL));
    json_object_set_new(f, "type", json_string("service,container"));
    assert_true(dcs_event_match(ev, "alice", "alice", f));
    json_object_set_new(f, "type", json_string("action"));
    assert_false(dcs_event_match(ev, "alice", "alice", f));
    json_object_clear(f);
    json_object_set_new(f, "parents", json_string("/x/,/api/app/v1/alice/service/u1/"));
    assert_true(dcs_event_match(ev, "alice", "alice", f));
    json_object_set_new(f, "object", json_string("/api/app/v1/alice/container/c2/"));
    assert_false(dcs_event_match(ev, "alice", "alice", f));
    json_decref(f);
    json_decref(ev);
    json_decref(parents);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_key),
        cmocka_unit_test(test_upgrade_check),
        cmocka_unit_test(test_handshake_answer),
        cmocka_unit_test(test_ping_text_close),
        cmocka_unit_test(test_server_close),
        cmocka_unit_test(test_log_message),
        cmocka_unit_test(test_drop_notice),
        cmocka_unit_test(test_event_object),
        cmocka_unit_test(test_event_mapping),
        cmocka_unit_test(test_event_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
