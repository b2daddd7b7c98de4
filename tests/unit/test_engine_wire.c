/*
 * test_engine_wire.c - the engine client against a fake engine: a thread
 * serving HTTP/1.1 on a private unix socket, recording every request and
 * answering from a per-test handler.  It pins what goes on the wire
 * (method, path, ?version=, body) and drives the cases a real engine will
 * not produce on demand: negotiation with other versions, a worker or a
 * non-swarm engine, hangs, answers cut short, stale versions, a dropped
 * event stream.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "swarm/swarm.h"

/* ==================== the fake engine ==================== */

#define MAXLOG 128

struct request {
    char method[8];
    char target[1024];
    char *body;
};

struct fake;
/* Answer req on fd; return 1 to keep the connection open, 0 to close it. */
typedef int (*fake_handler)(struct fake *f, int fd, const struct request *req);

struct fake {
    char dir[64];
    char sock[128];
    char host[160];
    int lfd;
    pthread_t thread;
    fake_handler handler;
    void *ctx;
    pthread_mutex_t mu;
    struct request log[MAXLOG];
    int nlog;
    int accepts;
    int calls;              /* for handlers that change answers over time */
    atomic_int stop;
};

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);

        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void reply(int fd, int status, const char *body)
{
    char head[256];

    snprintf(head, sizeof(head),
             "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
             "Api-Version: 1.41\r\nContent-Length: %zu\r\n\r\n", status,
             strlen(body));
    write_all(fd, head, strlen(head));
    write_all(fd, body, strlen(body));
}

static void stream_head(int fd, const char *extra)
{
    char head[256];

    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\nDate: Mon, 23 Nov 2026 18:25:00 GMT\r\n%s"
             "Transfer-Encoding: chunked\r\n\r\n", extra);
    write_all(fd, head, strlen(head));
}

static void chunk(int fd, const void *data, size_t len)
{
    char size[32];

    snprintf(size, sizeof(size), "%zx\r\n", len);
    write_all(fd, size, strlen(size));
    write_all(fd, data, len);
    write_all(fd, "\r\n", 2);
}

/* Wait until the client goes away (or the test ends). */
static int hang(struct fake *f, int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int waited = 0;

    while (!atomic_load(&f->stop) && waited < 10000) {
        if (poll(&p, 1, 50) > 0)
            break;
        waited += 50;
    }
    return 0;
}

/* Read into buf until it holds n bytes; 0 on EOF or stop. */
static int fill(struct fake *f, int fd, char *buf, size_t *have, size_t cap,
                size_t n)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };

    while (*have < n) {
        ssize_t r;

        if (atomic_load(&f->stop) || *have >= cap)
            return 0;
        if (poll(&p, 1, 50) <= 0)
            continue;
        r = read(fd, buf + *have, cap - *have);
        if (r <= 0)
            return 0;
        *have += (size_t)r;
    }
    return 1;
}

static int read_request(struct fake *f, int fd, char *buf, size_t *have,
                        size_t cap, struct request *req, size_t *used)
{
    char *end, *cl;
    size_t head, body = 0;

    while (!(end = memmem(buf, *have, "\r\n\r\n", 4))) {
        if (!fill(f, fd, buf, have, cap, *have + 1))
            return 0;
    }
    head = (size_t)(end - buf) + 4;
    *end = '\0';
    cl = strcasestr(buf, "\r\nContent-Length:");
    if (cl)
        body = strtoul(cl + 17, NULL, 10);
    if (sscanf(buf, "%7s %1023s", req->method, req->target) != 2)
        return 0;
    if (!fill(f, fd, buf, have, cap, head + body))
        return 0;
    req->body = strndup(buf + head, body);
    *used = head + body;
    return 1;
}

static void serve_connection(struct fake *f, int fd)
{
    static char buf[1 << 16];
    size_t have = 0, used;

    for (;;) {
        struct request req = { 0 };
        int keep;

        if (!read_request(f, fd, buf, &have, sizeof(buf), &req, &used))
            return;
        pthread_mutex_lock(&f->mu);
        if (f->nlog < MAXLOG)
            f->log[f->nlog++] = req;
        else
            free(req.body);
        pthread_mutex_unlock(&f->mu);
        keep = f->handler(f, fd, &req);
        memmove(buf, buf + used, have - used);
        have -= used;
        if (!keep)
            return;
    }
}

static void *serve(void *p)
{
    struct fake *f = p;
    struct pollfd pl = { .fd = f->lfd, .events = POLLIN };

    while (!atomic_load(&f->stop)) {
        int fd;

        if (poll(&pl, 1, 50) <= 0)
            continue;
        fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        f->accepts++;
        serve_connection(f, fd);
        close(fd);
    }
    return NULL;
}

static struct fake *fake_start(fake_handler handler, void *ctx)
{
    struct fake *f = calloc(1, sizeof(*f));
    struct sockaddr_un sun = { .sun_family = AF_UNIX };

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/dcs-fake-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof(f->sock), "%s/e.sock", f->dir);
    snprintf(f->host, sizeof(f->host), "unix://%s", f->sock);
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->sock);
    f->handler = handler;
    f->ctx = ctx;
    pthread_mutex_init(&f->mu, NULL);
    f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(f->lfd >= 0);
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    assert_int_equal(listen(f->lfd, 8), 0);
    assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
    return f;
}

static void fake_stop(struct fake *f)
{
    int i;

    atomic_store(&f->stop, 1);
    pthread_join(f->thread, NULL);
    close(f->lfd);
    unlink(f->sock);
    rmdir(f->dir);
    for (i = 0; i < f->nlog; i++)
        free(f->log[i].body);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

/* "GET /v1.41/services" of the i-th request. */
static const char *logged(struct fake *f, int i)
{
    static char line[1100];

    assert_true(i < f->nlog);
    snprintf(line, sizeof(line), "%s %s", f->log[i].method, f->log[i].target);
    return line;
}

static struct dcs_engine *engine_for(struct fake *f, long timeout_ms)
{
    struct dcs_engine_config cfg;
    struct dcs_error err;
    struct dcs_engine *eng;

    dcs_engine_config_init(&cfg);
    assert_int_equal(dcs_engine_config_set_host(&cfg, f->host, 0, NULL, &err),
                     DCS_OK);
    if (timeout_ms)
        cfg.timeout_ms = timeout_ms;
    cfg.update_attempts = 3;
    eng = dcs_engine_new(&cfg, &err);
    assert_non_null(eng);
    return eng;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ==================== connecting ==================== */

struct versions {
    const char *version;
    const char *info;
};

static int answer_handshake(struct fake *f, int fd, const struct request *req)
{
    const struct versions *v = f->ctx;

    if (!strcmp(req->target, "/version"))
        reply(fd, 200, v->version);
    else if (strstr(req->target, "/info"))
        reply(fd, 200, v->info);
    else if (!strcmp(req->target, "/v1.41/services"))
        reply(fd, 200, "[]");
    else
        reply(fd, 404, "{\"message\":\"page not found\"}");
    return 1;
}

#define MANAGER "{\"Swarm\":{\"LocalNodeState\":\"active\"," \
                "\"ControlAvailable\":true}}"

static struct dcs_engine *open_fake(struct fake *f, struct dcs_error *err)
{
    struct dcs_engine_config cfg;

    dcs_engine_config_init(&cfg);
    assert_int_equal(dcs_engine_config_set_host(&cfg, f->host, 0, NULL, err),
                     DCS_OK);
    return dcs_engine_open(&cfg, err);
}

static void test_negotiate_down_and_reuse(void **state)
{
    struct versions v = { "{\"ApiVersion\":\"1.43\",\"MinAPIVersion\":\"1.12\"}",
                          MANAGER };
    struct fake *f = fake_start(answer_handshake, &v);
    struct dcs_error err;
    struct dcs_engine *eng = open_fake(f, &err);
    json_t *list;
    int i;

    (void)state;
    assert_non_null(eng);
    assert_string_equal(dcs_engine_api_version(eng), "1.41");
    assert_string_equal(logged(f, 0), "GET /version");
    assert_string_equal(logged(f, 1), "GET /v1.41/info");
    for (i = 0; i < 50; i++) {
        list = dcs_service_list(eng, NULL, &err);
        assert_non_null(list);
        json_decref(list);
    }
    assert_string_equal(logged(f, 51), "GET /v1.41/services");
    /* One connection for all 52 requests. */
    assert_int_equal(f->accepts, 1);
    dcs_engine_free(eng);
    fake_stop(f);
}

static void test_older_engine_version_is_used(void **state)
{
    struct versions v = { "{\"ApiVersion\":\"1.35\"}", MANAGER };
    struct fake *f = fake_start(answer_handshake, &v);
    struct dcs_error err;
    struct dcs_engine *eng = open_fake(f, &err), *clone;

    (void)state;
    assert_non_null(eng);
    assert_string_equal(logged(f, 1), "GET /v1.35/info");
    clone = dcs_engine_clone(eng, &err);
    assert_non_null(clone);
    assert_string_equal(dcs_engine_api_version(clone), "1.35");
    /* A clone asks nothing: no second handshake. */
    assert_int_equal(f->nlog, 2);
    dcs_engine_free(clone);
    dcs_engine_free(eng);
    fake_stop(f);
}

static void check_refused(const char *version, const char *info, int status,
                          const char *text_after_host)
{
    struct versions v = { version, info };
    struct fake *f = fake_start(answer_handshake, &v);
    struct dcs_error err;
    char want[512];

    assert_null(open_fake(f, &err));
    assert_int_equal(err.status, status);
    snprintf(want, sizeof(want), "the Docker engine at %s %s", f->host,
             text_after_host);
    assert_string_equal(err.text, want);
    fake_stop(f);
}

static void test_not_swarm_worker_too_old(void **state)
{
    (void)state;
    check_refused("{\"ApiVersion\":\"1.41\"}",
                  "{\"Swarm\":{\"LocalNodeState\":\"inactive\"}}", 503,
                  "is not in swarm mode (run 'docker swarm init')");
    check_refused("{\"ApiVersion\":\"1.41\"}",
                  "{\"Swarm\":{\"LocalNodeState\":\"active\","
                  "\"ControlAvailable\":false}}", 503,
                  "is a swarm worker, not a manager");
    check_refused("{\"ApiVersion\":\"1.26\"}", MANAGER, 501,
                  "speaks API 1.26, too old for swarm services (1.30 or newer "
                  "is needed)");
}

static int answer_not_docker(struct fake *f, int fd, const struct request *req)
{
    (void)f;
    (void)req;
    reply(fd, 404, "<html>nothing here</html>");
    return 1;
}

static void test_not_a_docker_engine(void **state)
{
    struct fake *f = fake_start(answer_not_docker, NULL);
    struct dcs_error err;
    char want[300];

    (void)state;
    assert_null(open_fake(f, &err));
    assert_int_equal(err.status, 502);
    snprintf(want, sizeof(want), "%s does not look like a Docker engine: GET "
             "/version answered 404 (<html>nothing here</html>)", f->host);
    assert_string_equal(err.text, want);
    fake_stop(f);
}

static int answer_tls_only(struct fake *f, int fd, const struct request *req)
{
    static const char go[] = "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an "
                             "HTTP request to an HTTPS server.\n";

    (void)f;
    (void)req;
    write_all(fd, go, sizeof(go) - 1);
    return 0;
}

static void test_plain_http_to_a_tls_engine(void **state)
{
    struct fake *f = fake_start(answer_tls_only, NULL);
    struct dcs_error err;
    char want[300];

    (void)state;
    assert_null(open_fake(f, &err));
    assert_int_equal(err.status, 400);
    snprintf(want, sizeof(want), "the Docker engine at %s expects TLS (set "
             "DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)", f->host);
    assert_string_equal(err.text, want);
    fake_stop(f);
}

static void test_unreachable(void **state)
{
    struct dcs_engine_config cfg;
    struct dcs_error err;
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    char dir[] = "/tmp/dcs-dead-XXXXXX", host[200], want[300];
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/e.sock", dir);
    snprintf(host, sizeof(host), "unix://%s", sun.sun_path);
    dcs_engine_config_init(&cfg);
    assert_int_equal(dcs_engine_config_set_host(&cfg, host, 0, NULL, &err),
                     DCS_OK);

    /* No socket file at all. */
    assert_null(dcs_engine_open(&cfg, &err));
    assert_int_equal(err.status, 502);
    snprintf(want, sizeof(want), "cannot reach the Docker engine at %s: no "
             "such file or directory", host);
    assert_string_equal(err.text, want);

    /* A socket file nobody listens on: a stopped engine. */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    close(fd);
    assert_null(dcs_engine_open(&cfg, &err));
    assert_int_equal(err.status, 502);
    snprintf(want, sizeof(want), "cannot reach the Docker engine at %s: "
             "connection refused", host);
    assert_string_equal(err.text, want);
    unlink(sun.sun_path);
    rmdir(dir);
}

/* ==================== failures of a request ==================== */

static int answer_hang(struct fake *f, int fd, const struct request *req)
{
    (void)req;
    return hang(f, fd);
}

static void test_timeout_is_an_error_not_a_hang(void **state)
{
    struct fake *f = fake_start(answer_hang, NULL);
    struct dcs_engine *eng = engine_for(f, 300);
    struct dcs_error err;
    double t0 = now_s();
    char want[300];

    (void)state;
    assert_null(dcs_service_list(eng, NULL, &err));
    assert_true(now_s() - t0 < 3.0);
    assert_int_equal(err.status, 504);
    snprintf(want, sizeof(want), "the Docker engine at %s did not answer "
             "within 300 ms", f->host);
    assert_string_equal(err.text, want);
    dcs_engine_free(eng);
    fake_stop(f);
}

static int answer_cut(struct fake *f, int fd, const struct request *req)
{
    static const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
                               "[{\"ID\":";

    (void)f;
    (void)req;
    write_all(fd, part, sizeof(part) - 1);
    return 0;
}

static void test_broken_connection(void **state)
{
    struct fake *f = fake_start(answer_cut, NULL);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_error err;
    char want[300];

    (void)state;
    assert_null(dcs_service_list(eng, NULL, &err));
    assert_int_equal(err.status, 502);
    snprintf(want, sizeof(want), "lost the connection to the Docker engine at "
             "%s: ", f->host);
    assert_memory_equal(err.text, want, strlen(want));
    dcs_engine_free(eng);
    fake_stop(f);
}

static int answer_errors(struct fake *f, int fd, const struct request *req)
{
    (void)f;
    if (strstr(req->target, "/services/nope"))
        reply(fd, 404, "{\"message\":\"service nope not found\"}\n");
    else if (strstr(req->target, "/services/create"))
        reply(fd, 409, "{\"message\":\"rpc error: code = AlreadyExists desc = "
                       "name conflicts with an existing object: service web "
                       "already exists\"}");
    else if (strstr(req->target, "/networks/create"))
        reply(fd, 400, "{\"message\":\"rpc error: code = InvalidArgument desc "
                       "= ContainerSpec: image reference must be provided\"}");
    else
        reply(fd, 500, "oops\n");
    return 1;
}

static void test_engine_errors_pass_through(void **state)
{
    struct fake *f = fake_start(answer_errors, NULL);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_error err;
    json_t *spec = json_pack("{s:s}", "Name", "web");

    (void)state;
    assert_null(dcs_service_inspect(eng, "nope", &err));
    assert_int_equal(err.status, 404);
    assert_int_equal(err.code, DCS_E_NOT_FOUND);
    assert_string_equal(err.text, "service nope not found");
    assert_null(dcs_service_create(eng, spec, NULL, &err));
    assert_int_equal(err.status, 409);
    assert_int_equal(err.code, DCS_E_CONFLICT);
    assert_string_equal(err.text, "name conflicts with an existing object: "
                                  "service web already exists");
    assert_null(dcs_network_create(eng, spec, &err));
    assert_int_equal(err.status, 400);
    assert_string_equal(err.text, "ContainerSpec: image reference must be "
                                  "provided");
    assert_int_equal(dcs_config_remove(eng, "x", &err), DCS_ERR);
    assert_int_equal(err.status, 500);
    assert_int_equal(err.code, DCS_E_NONE);
    assert_string_equal(err.text, "oops");
    json_decref(spec);
    dcs_engine_free(eng);
    fake_stop(f);
}

static void test_cancelled_request(void **state)
{
    struct fake *f = fake_start(answer_hang, NULL);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_error err;

    (void)state;
    dcs_engine_cancel(eng);
    assert_null(dcs_service_list(eng, NULL, &err));
    assert_int_equal(err.status, 499);
    dcs_engine_free(eng);
    fake_stop(f);
}

/* ==================== several reads at once ==================== */

/* The fake serves one connection at a time: closing after each answer
 * lets it reach the reads waiting on the other connections. */
static int answer_reads(struct fake *f, int fd, const struct request *req)
{
    (void)f;
    if (!strncmp(req->target, "/v1.41/services?", 16))
        reply(fd, 200, "[{\"ID\":\"s1\"}]");
    else if (!strcmp(req->target, "/v1.41/tasks"))
        reply(fd, 200, "[{\"ID\":\"t1\"},{\"ID\":\"t2\"}]");
    else if (!strcmp(req->target, "/v1.41/services/s1"))
        reply(fd, 200, "{\"ID\":\"s1\"}");
    else if (!strcmp(req->target, "/v1.41/nodes"))
        reply(fd, 200, "{\"not\":\"a list\"}");
    else if (!strcmp(req->method, "POST") && !strcmp(req->target, "/v1.41/configs/create"))
        reply(fd, 201, "{\"ID\":\"c1\"}");
    else
        reply(fd, 404, "{\"message\":\"config nope not found\"}");
    return 0;
}

static void test_get_all(void **state)
{
    struct fake *f = fake_start(answer_reads, NULL);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_error err;
    json_t *filters = NULL;
    struct dcs_get ok[3] = {{.prefix = "/services"}, {.prefix = "/tasks"},
                            {.prefix = "/services", .id = "s1"}};
    struct dcs_get bad[3] = {{.prefix = "/tasks"}, {.prefix = "/configs", .id = "nope"},
                             {.prefix = "/nodes"}};

    (void)state;
    assert_int_equal(dcs_filters_add(&filters, "label", "a=b", &err), DCS_OK);
    ok[0].filters = filters;
    assert_int_equal(dcs_engine_get_all(eng, ok, 3, &err), DCS_OK);
    assert_int_equal(json_array_size(ok[0].out), 1);
    assert_int_equal(json_array_size(ok[1].out), 2);
    assert_string_equal(json_string_value(json_object_get(ok[2].out, "ID")), "s1");
    assert_int_equal(f->accepts, 3);
    for (int i = 0; i < 3; i++)
        json_decref(ok[i].out);
    /* Each read says how it went; the batch fails with the first failure. */
    assert_int_equal(dcs_engine_get_all(eng, bad, 3, &err), DCS_ERR);
    assert_int_equal(err.status, 404);
    assert_string_equal(err.text, "config nope not found");
    assert_int_equal(json_array_size(bad[0].out), 2);
    assert_int_equal(bad[0].err.status, 0);
    assert_null(bad[1].out);
    assert_null(bad[2].out);
    assert_int_equal(bad[2].err.status, 502);
    json_decref(bad[0].out);
    /* A create alongside reads. */
    {
        json_t *spec = json_pack("{s:s}", "Name", "rec");
        struct dcs_get mixed[2] = {{.prefix = "/tasks"}, {.prefix = "/configs/create", .post = spec}};
        int posts = 0;
        assert_int_equal(dcs_engine_get_all(eng, mixed, 2, &err), DCS_OK);
        assert_string_equal(json_string_value(json_object_get(mixed[1].out, "ID")), "c1");
        for (int i = 0; i < f->nlog; i++)
            if (!strcmp(logged(f, i), "POST /v1.41/configs/create")) {
                assert_string_equal(f->log[i].body, "{\"Name\":\"rec\"}");
                posts++;
            }
        assert_int_equal(posts, 1);
        json_decref(mixed[0].out);
        json_decref(mixed[1].out);
        json_decref(spec);
    }
    /* One read goes on the handle's own connection. */
    assert_int_equal(dcs_engine_get_all(eng, ok + 1, 1, &err), DCS_OK);
    assert_int_equal(json_array_size(ok[1].out), 2);
    json_decref(ok[1].out);
    assert_int_equal(dcs_engine_get_all(eng, ok, DCS_GET_MAX + 1, &err), DCS_ERR);
    assert_int_equal(err.status, 500);
    json_decref(filters);
    dcs_engine_free(eng);
    fake_stop(f);
}

/* ==================== what is sent ==================== */

static int answer_creates(struct fake *f, int fd, const struct request *req)
{
    (void)f;
    if (!strcmp(req->target, "/v1.41/services/create"))
        reply(fd, 201, "{\"ID\":\"svc1\",\"Warnings\":[\"w one\"]}");
    else if (!strcmp(req->target, "/v1.41/networks/create"))
        reply(fd, 201, "{\"Id\":\"net1\",\"Warning\":\"\"}");
    else if (!strcmp(req->target, "/v1.41/configs/create"))
        reply(fd, 201, "{\"ID\":\"cfg1\"}");
    else if (!strcmp(req->method, "DELETE"))
        reply(fd, 204, "");
    else if (strstr(req->target, "/update?"))
        reply(fd, 200, "{}");
    else
        reply(fd, 200, "[]");
    return 1;
}

static void test_requests_on_the_wire(void **state)
{
    struct fake *f = fake_start(answer_creates, NULL);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_error err;
    json_t *spec = json_pack("{s:s,s:{s:s}}", "Name", "web", "Labels", "a",
                             "b"), *warnings = NULL, *filters = NULL, *l;
    char *id;

    (void)state;
    id = dcs_service_create(eng, spec, &warnings, &err);
    assert_string_equal(id, "svc1");
    free(id);
    assert_int_equal(json_array_size(warnings), 1);
    assert_string_equal(json_string_value(json_array_get(warnings, 0)),
                        "w one");
    json_decref(warnings);
    assert_string_equal(logged(f, 0), "POST /v1.41/services/create");
    assert_string_equal(f->log[0].body,
                        "{\"Name\":\"web\",\"Labels\":{\"a\":\"b\"}}");

    id = dcs_network_create(eng, spec, &err);
    assert_string_equal(id, "net1");
    free(id);
    assert_string_equal(f->log[1].body, "{\"Name\":\"web\",\"Labels\":{\"a\":"
                                        "\"b\"},\"CheckDuplicate\":true}");
    id = dcs_config_create(eng, spec, &err);
    assert_string_equal(id, "cfg1");
    free(id);

    assert_int_equal(dcs_service_remove(eng, "web/x", &err), DCS_OK);
    assert_string_equal(logged(f, 3), "DELETE /v1.41/services/web%2Fx");
    assert_int_equal(dcs_filters_add(&filters, "label", "dcswarm.uuid=u1",
                                     &err), DCS_OK);
    l = dcs_task_list(eng, filters, &err);
    assert_non_null(l);
    json_decref(l);
    assert_string_equal(logged(f, 4), "GET /v1.41/tasks?filters=%7B%22label%22"
                        "%3A%7B%22dcswarm.uuid%3Du1%22%3Atrue%7D%7D");
    assert_int_equal(dcs_service_update(eng, "svc1", 42, spec, &warnings,
                                        &err), DCS_OK);
    assert_int_equal(json_array_size(warnings), 0);
    json_decref(warnings);
    assert_string_equal(logged(f, 5), "POST /v1.41/services/svc1/update"
                                      "?version=42");
    json_decref(filters);
    json_decref(spec);
    dcs_engine_free(eng);
    fake_stop(f);
}

/* ==================== update_with ==================== */

/* A service whose version moves; `races` updates are beaten by another
 * writer, who adds the label other=<n> and bumps the version first. */
struct svc_state {
    json_t *spec;
    unsigned long long index;
    int races;
    int posts;
};

static void send_service(int fd, struct svc_state *s)
{
    json_t *svc = json_pack("{s:s,s:{s:I},s:O}", "ID", "sid", "Version",
                            "Index", (json_int_t)s->index, "Spec", s->spec);
    char *text = json_dumps(svc, JSON_COMPACT);

    reply(fd, 200, text);
    free(text);
    json_decref(svc);
}

static int answer_service(struct fake *f, int fd, const struct request *req)
{
    struct svc_state *s = f->ctx;
    unsigned long long version;
    char other[16];

    if (!strcmp(req->method, "GET")) {
        send_service(fd, s);
        return 1;
    }
    s->posts++;
    version = strtoull(strstr(req->target, "version=") + 8, NULL, 10);
    if (s->races > 0) {
        s->races--;
        snprintf(other, sizeof(other), "%d", s->posts);
        json_object_set_new(json_object_get(s->spec, "Labels"), "other",
                            json_string(other));
        s->index++;
    }
    if (version != s->index) {
        reply(fd, 500, "{\"message\":\"rpc error: code = Unknown desc = update "
                       "out of sequence\"}");
        return 1;
    }
    json_decref(s->spec);
    s->spec = json_loads(req->body, 0, NULL);
    s->index++;
    reply(fd, 200, "{\"Warnings\":[\"image could not be accessed\"]}");
    return 1;
}

static int add_label(json_t *spec, const json_t *service, void *ctx,
                     struct dcs_error *err)
{
    (void)service;
    (void)err;
    return json_object_set_new(json_object_get(spec, "Labels"),
                               (const char *)ctx, json_string("1"));
}

static int change_image(json_t *spec, const json_t *service, void *ctx,
                        struct dcs_error *err)
{
    (void)service;
    (void)ctx;
    (void)err;
    /* Replace TaskTemplate wholesale, dropping ForceUpdate. */
    return json_object_set_new(spec, "TaskTemplate",
                               json_pack("{s:{s:s}}", "ContainerSpec", "Image",
                                         "busybox:2"));
}

static int refuse(json_t *spec, const json_t *service, void *ctx,
                  struct dcs_error *err)
{
    (void)spec;
    (void)service;
    (void)ctx;
    return dcs_error_status(err, 409, "state", "service is stopping");
}

static struct svc_state *new_service(int races)
{
    static struct svc_state s;

    s.spec = json_pack("{s:s,s:{},s:{s:{s:s},s:i}}", "Name", "web", "Labels",
                       "TaskTemplate", "ContainerSpec", "Image", "busybox",
                       "ForceUpdate", 3);
    s.index = 10;
    s.races = races;
    s.posts = 0;
    return &s;
}

static void test_update_with_reapplies_after_a_race(void **state)
{
    struct svc_state *s = new_service(2);
    struct fake *f = fake_start(answer_service, s);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_error err;
    json_t *labels;

    (void)state;
    assert_int_equal(dcs_service_update_with(eng, "web", add_label, "mine",
                                             &err), DCS_OK);
    assert_string_equal(logged(f, 0), "GET /v1.41/services/web");
    assert_string_equal(logged(f, 1), "POST /v1.41/services/sid/update"
                                      "?version=10");
    assert_string_equal(logged(f, 2), "GET /v1.41/services/web");
    assert_string_equal(logged(f, 3), "POST /v1.41/services/sid/update"
                                      "?version=11");
    assert_string_equal(logged(f, 5), "POST /v1.41/services/sid/update"
                                      "?version=12");
    assert_int_equal(f->nlog, 6);
    labels = json_object_get(s->spec, "Labels");
    assert_string_equal(json_string_value(json_object_get(labels, "mine")), "1");
    assert_string_equal(json_string_value(json_object_get(labels, "other")),
                        "2");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(s->spec, "TaskTemplate"),
                         "ForceUpdate")), 3);
    assert_string_equal(json_string_value(json_array_get(
                            dcs_engine_last_warnings(eng), 0)),
                        "image could not be accessed");
    json_decref(s->spec);
    dcs_engine_free(eng);
    fake_stop(f);
}

static void test_update_with_gives_up_with_409(void **state)
{
    struct svc_state *s = new_service(1000);
    struct fake *f = fake_start(answer_service, s);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_error err;

    (void)state;
    assert_int_equal(dcs_service_update_with(eng, "web", add_label, "mine",
                                             &err), DCS_ERR);
    assert_int_equal(err.status, 409);
    assert_string_equal(err.text, "service 'web' was changed by someone else 3 "
                                  "times in a row; the update was not applied");
    assert_int_equal(s->posts, 3);
    json_decref(s->spec);
    dcs_engine_free(eng);
    fake_stop(f);
}

static void test_update_with_keeps_force_update(void **state)
{
    struct svc_state *s = new_service(0);
    struct fake *f = fake_start(answer_service, s);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_error err;
    json_t *tt;

    (void)state;
    assert_int_equal(dcs_service_update_with(eng, "web", change_image, NULL,
                                             &err), DCS_OK);
    tt = json_object_get(s->spec, "TaskTemplate");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(tt, "ContainerSpec"), "Image")),
                        "busybox:2");
    assert_int_equal(json_integer_value(json_object_get(tt, "ForceUpdate")), 3);
    json_decref(s->spec);
    dcs_engine_free(eng);
    fake_stop(f);
}

static void test_update_with_no_change_or_refusal_posts_nothing(void **state)
{
    struct svc_state *s = new_service(0);
    struct fake *f = fake_start(answer_service, s);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_error err;

    (void)state;
    /* The label is there already: nothing to post. */
    json_object_set_new(json_object_get(s->spec, "Labels"), "mine",
                        json_string("1"));
    assert_int_equal(dcs_service_update_with(eng, "web", add_label, "mine",
                                             &err), DCS_OK);
    assert_int_equal(dcs_service_update_with(eng, "web", refuse, NULL, &err),
                     DCS_ERR);
    assert_int_equal(err.status, 409);
    assert_string_equal(err.path, "state");
    assert_int_equal(s->posts, 0);
    json_decref(s->spec);
    dcs_engine_free(eng);
    fake_stop(f);
}

/* ==================== logs ==================== */

static int answer_logs(struct fake *f, int fd, const struct request *req)
{
    static const unsigned char mux[] =
        "\001\0\0\0\0\0\0\045" "2026-11-23T18:25:27.204107764Z hello\n"
        "\002\0\0\0\0\0\0\045" "2026-11-23T18:25:27.204220659Z oops!\n";
    static const char raw[] = "2026-11-23T18:25:27.204107764Z tty line\r\n";
    int tty = f->ctx != NULL;

    if (!strstr(req->target, "/logs")) {
        reply(fd, 200, tty ? "{\"ID\":\"sid\",\"Spec\":{\"TaskTemplate\":"
                             "{\"ContainerSpec\":{\"TTY\":true}}}}"
                           : "{\"ID\":\"sid\",\"Spec\":{\"TaskTemplate\":"
                             "{\"ContainerSpec\":{}}}}");
        return 1;
    }
    stream_head(fd, "");
    if (tty) {
        chunk(fd, raw, 10);
        chunk(fd, raw + 10, sizeof(raw) - 11);
    } else {
        chunk(fd, mux, 5);
        chunk(fd, mux + 5, sizeof(mux) - 6);
    }
    chunk(fd, "", 0);
    return 1;
}

struct lines {
    int n;
    char text[4][64];
    enum dcs_log_stream stream[4];
};

static int keep_line(const struct dcs_log_record *rec, void *ctx)
{
    struct lines *l = ctx;

    assert_true(l->n < 4);
    snprintf(l->text[l->n], sizeof(l->text[0]), "%s %.*s", rec->timestamp,
             (int)rec->len, rec->line);
    l->stream[l->n++] = rec->stream;
    return 0;
}

static void test_service_logs(void **state)
{
    struct fake *f = fake_start(answer_logs, NULL);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_logs_opts opts = { .timestamps = 1, .tail = "10",
                                  .since = "1795458000.5" };
    struct lines l = { 0 };
    struct dcs_error err;

    (void)state;
    assert_int_equal(dcs_service_logs(eng, "web", &opts, keep_line, &l, &err),
                     DCS_OK);
    assert_string_equal(logged(f, 1), "GET /v1.41/services/sid/logs?stdout=1"
                        "&stderr=1&timestamps=1&tail=10&since=1795458000.5");
    assert_int_equal(l.n, 2);
    assert_string_equal(l.text[0], "2026-11-23T18:25:27.204107764Z hello");
    assert_int_equal(l.stream[0], DCS_LOG_STDOUT);
    assert_string_equal(l.text[1], "2026-11-23T18:25:27.204220659Z oops!");
    assert_int_equal(l.stream[1], DCS_LOG_STDERR);
    dcs_engine_free(eng);
    fake_stop(f);
}

static void test_tty_service_logs(void **state)
{
    struct fake *f = fake_start(answer_logs, "tty");
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_logs_opts opts = { .timestamps = 1, .follow = 1 };
    struct lines l = { 0 };
    struct dcs_error err;

    (void)state;
    assert_int_equal(dcs_service_logs(eng, "web", &opts, keep_line, &l, &err),
                     DCS_OK);
    assert_string_equal(logged(f, 1), "GET /v1.41/services/sid/logs?stdout=1"
                                      "&stderr=1&follow=1&timestamps=1");
    assert_int_equal(l.n, 1);
    assert_string_equal(l.text[0], "2026-11-23T18:25:27.204107764Z tty line");
    dcs_engine_free(eng);
    fake_stop(f);
}

/* ==================== events ==================== */

#define EV(action, ns) "{\"Type\":\"service\",\"Action\":\"" action "\"," \
    "\"Actor\":{\"ID\":\"sid\"},\"time\":1795458322,\"timeNano\":" ns "}\n"
#define E1 EV("create", "1795458322100000000")
#define E2 EV("update", "1795458322600000000")
#define E3 EV("remove", "1795458323000000000")

static int answer_events(struct fake *f, int fd, const struct request *req)
{
    (void)req;
    stream_head(fd, "");
    if (f->calls++ == 0) {
        chunk(fd, E1, strlen(E1));
        chunk(fd, E2, 10);
        chunk(fd, E2 + 10, strlen(E2) - 10);
        /* Dropped without the closing chunk, by us or by the client. */
        return f->ctx ? hang(f, fd) : 0;
    }
    /* The replay from `since`, then something new. */
    chunk(fd, E1 E2, strlen(E1 E2));
    chunk(fd, E3, strlen(E3));
    return hang(f, fd);
}

struct got_events {
    int n;
    char action[8][16];
    struct dcs_engine *drop;    /* drop its connection at the 2nd event */
};

static int keep_event(json_t *ev, void *ctx)
{
    struct got_events *g = ctx;

    snprintf(g->action[g->n], sizeof(g->action[0]), "%s",
             json_string_value(json_object_get(ev, "Action")));
    if (++g->n == 2 && g->drop)
        dcs_engine_drop_connection(g->drop);
    return g->n == 3;
}

static void test_events_reconnect_without_loss(void **state)
{
    struct fake *f = fake_start(answer_events, NULL);
    struct dcs_engine *eng = engine_for(f, 0);
    struct got_events g = { 0 };
    struct dcs_error err;

    (void)state;
    assert_int_equal(dcs_events_follow(eng, NULL, keep_event, &g, &err),
                     DCS_STOP);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.action[0], "create");
    assert_string_equal(g.action[1], "update");
    assert_string_equal(g.action[2], "remove");
    assert_string_equal(logged(f, 0), "GET /v1.41/events?filters=%7B%22type%22"
                        "%3A%7B%22container%22%3Atrue%2C%22node%22%3Atrue%2C"
                        "%22service%22%3Atrue%7D%7D");
    /* From one second before the last event seen. */
    assert_non_null(strstr(logged(f, 1), "&since=1795458321.600000000"));
    assert_int_equal(f->accepts, 2);
    dcs_engine_free(eng);
    fake_stop(f);
}

/* The test hook breaks a stream the engine keeps open. */
static void test_events_drop_connection_reconnects(void **state)
{
    struct fake *f = fake_start(answer_events, "hang");
    struct dcs_engine *eng = engine_for(f, 0);
    struct got_events g = { .drop = eng };
    struct dcs_error err;
    double t0 = now_s();

    (void)state;
    assert_int_equal(dcs_events_follow(eng, NULL, keep_event, &g, &err),
                     DCS_STOP);
    /* Not the fake giving up after 10 s: the hook broke the stream. */
    assert_true(now_s() - t0 < 3.0);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.action[2], "remove");
    assert_int_equal(f->accepts, 2);
    assert_non_null(strstr(logged(f, 1), "&since=1795458321.600000000"));
    dcs_engine_free(eng);
    fake_stop(f);
}

static int answer_empty_stream(struct fake *f, int fd,
                               const struct request *req)
{
    (void)f;
    (void)req;
    stream_head(fd, "");
    chunk(fd, "", 0);
    return 1;
}

/* An engine that ends every event stream at once: bounded retries. */
static void test_events_stream_keeps_ending(void **state)
{
    struct fake *f = fake_start(answer_empty_stream, NULL);
    struct dcs_engine *eng = engine_for(f, 0);
    struct dcs_events_opts opts = { .max_retries = 2 };
    struct got_events g = { 0 };
    struct dcs_error err;
    char want[300];

    (void)state;
    assert_int_equal(dcs_events_follow(eng, &opts, keep_event, &g, &err),
                     DCS_ERR);
    assert_int_equal(err.status, 502);
    snprintf(want, sizeof(want), "the Docker engine at %s keeps closing the "
             "event stream", f->host);
    assert_string_equal(err.text, want);
    assert_int_equal(f->nlog, 3);
    dcs_engine_free(eng);
    fake_stop(f);
}

static int answer_quiet_stream(struct fake *f, int fd, const struct request *req)
{
    (void)req;
    stream_head(fd, "");
    return hang(f, fd);
}

static void *cancel_later(void *p)
{
    struct timespec ts = { 0, 200000000 };

    nanosleep(&ts, NULL);
    dcs_engine_cancel(p);
    return NULL;
}

static void test_events_cancel_from_another_thread(void **state)
{
    struct fake *f = fake_start(answer_quiet_stream, NULL);
    struct dcs_engine *eng = engine_for(f, 0);
    struct got_events g = { 0 };
    struct dcs_error err;
    pthread_t t;
    double t0 = now_s();

    (void)state;
    assert_int_equal(pthread_create(&t, NULL, cancel_later, eng), 0);
    assert_int_equal(dcs_events_follow(eng, NULL, keep_event, &g, &err),
                     DCS_STOP);
    pthread_join(t, NULL);
    assert_true(now_s() - t0 < 2.5);
    assert_int_equal(g.n, 0);
    dcs_engine_free(eng);
    fake_stop(f);
}

static void test_events_engine_gone(void **state)
{
    struct dcs_engine_config cfg;
    struct dcs_events_opts opts = { .max_retries = 2 };
    struct dcs_engine *eng;
    struct got_events g = { 0 };
    struct dcs_error err;

    (void)state;
    dcs_engine_config_init(&cfg);
    assert_int_equal(dcs_engine_config_set_host(&cfg,
                     "unix:///nonexistent-dcswarm/e.sock", 0, NULL, &err),
                     DCS_OK);
    eng = dcs_engine_new(&cfg, &err);
    assert_non_null(eng);
    assert_int_equal(dcs_events_follow(eng, &opts, keep_event, &g, &err),
                     DCS_ERR);
    assert_int_equal(err.status, 502);
    assert_string_equal(err.text, "cannot reach the Docker engine at "
                        "unix:///nonexistent-dcswarm/e.sock: no such file or "
                        "directory");
    dcs_engine_free(eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_negotiate_down_and_reuse),
        cmocka_unit_test(test_older_engine_version_is_used),
        cmocka_unit_test(test_not_swarm_worker_too_old),
        cmocka_unit_test(test_not_a_docker_engine),
        cmocka_unit_test(test_plain_http_to_a_tls_engine),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_timeout_is_an_error_not_a_hang),
        cmocka_unit_test(test_broken_connection),
        cmocka_unit_test(test_engine_errors_pass_through),
        cmocka_unit_test(test_cancelled_request),
        cmocka_unit_test(test_requests_on_the_wire),
        cmocka_unit_test(test_update_with_reapplies_after_a_race),
        cmocka_unit_test(test_update_with_gives_up_with_409),
        cmocka_unit_test(test_update_with_keeps_force_update),
        cmocka_unit_test(test_update_with_no_change_or_refusal_posts_nothing),
        cmocka_unit_test(test_service_logs),
        cmocka_unit_test(test_tty_service_logs),
        cmocka_unit_test(test_events_reconnect_without_loss),
        cmocka_unit_test(test_events_drop_connection_reconnects),
        cmocka_unit_test(test_events_stream_keeps_ending),
        cmocka_unit_test(test_events_cancel_from_another_thread),
        cmocka_unit_test(test_events_engine_gone),
        cmocka_unit_test(test_get_all),
    };

    /* As dcswarm's main: a peer that hangs up (the fake engine dropping a
     * connection, or the client in a test of that) is an error to see,
     * not a SIGPIPE that ends the run (it did once, under load). */
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
