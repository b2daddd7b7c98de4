/*
 * test_engine_connect.c - connecting to the real engine (DOCKER_HOST):
 * version negotiation and the swarm check pass, clones work, and an engine
 * that is gone, stopped or stuck gives one clear sentence, fast.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "engine_test.h"

static void test_open_negotiates_and_checks_swarm(void **state)
{
    struct dcs_engine *eng = et_open(), *clone;
    struct dcs_error err;
    json_t *version = NULL, *info = NULL, *nodes;

    (void)state;
    assert_string_equal(dcs_engine_host(eng), getenv("DOCKER_HOST"));
    /* Engine 20.10 speaks 1.41, newer ones are capped at 1.41. */
    assert_string_equal(dcs_engine_api_version(eng), DCS_ENGINE_API_MAX);
    assert_int_equal(dcs_engine_request(eng, "GET", "/version", NULL, &version,
                                        &err), DCS_OK);
    assert_non_null(json_object_get(version, "ApiVersion"));
    assert_int_equal(dcs_engine_request(eng, "GET", "/info", NULL, &info,
                                        &err), DCS_OK);
    assert_int_equal(dcs_engine_check_swarm(info, "x", &err), DCS_OK);
    clone = dcs_engine_clone(eng, &err);
    assert_non_null(clone);
    nodes = dcs_node_list(clone, NULL, &err);
    assert_non_null(nodes);
    assert_true(json_array_size(nodes) >= 1);
    json_decref(nodes);
    json_decref(version);
    json_decref(info);
    dcs_engine_free(clone);
    dcs_engine_free(eng);
}

static struct dcs_engine *open_at(const char *host, long timeout_ms,
                                  struct dcs_error *err)
{
    struct dcs_engine_config cfg;

    dcs_engine_config_init(&cfg);
    assert_int_equal(dcs_engine_config_set_host(&cfg, host, 0, NULL, err),
                     DCS_OK);
    cfg.timeout_ms = timeout_ms;
    cfg.connect_timeout_ms = timeout_ms;
    return dcs_engine_open(&cfg, err);
}

static void test_no_engine_there(void **state)
{
    struct dcs_error err;
    double t0 = et_now();

    (void)state;
    assert_null(open_at("unix:///nonexistent-dcswarm/docker.sock", 1000, &err));
    assert_int_equal(err.status, 502);
    assert_string_equal(err.text, "cannot reach the Docker engine at "
                        "unix:///nonexistent-dcswarm/docker.sock: no such file "
                        "or directory");
    /* Nothing listens on this loopback port. */
    assert_null(open_at("tcp://127.0.0.1:9", 1000, &err));
    assert_int_equal(err.status, 502);
    assert_string_equal(err.text, "cannot reach the Docker engine at "
                        "tcp://127.0.0.1:9: connection refused");
    assert_true(et_now() - t0 < 3.0);
}

/* A stopped engine leaves its socket file behind: connection refused. */
static void test_stopped_engine(void **state)
{
    char dir[] = "/tmp/dcst-stopped-XXXXXX", host[200], want[300];
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct dcs_error err;
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/docker.sock", dir);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    close(fd);
    snprintf(host, sizeof(host), "unix://%s", sun.sun_path);
    assert_null(open_at(host, 1000, &err));
    assert_int_equal(err.status, 502);
    snprintf(want, sizeof(want), "cannot reach the Docker engine at %s: "
             "connection refused", host);
    assert_string_equal(err.text, want);
    unlink(sun.sun_path);
    rmdir(dir);
}

/* The lab's node 2 and up are workers (DCS_LAB_NODE<i>_HOST). */
static void test_worker_is_refused(void **state)
{
    char var[64], want[300];
    const char *host;
    struct dcs_error err;
    int i, seen = 0;

    (void)state;
    for (i = 2; i < 10; i++) {
        snprintf(var, sizeof(var), "DCS_LAB_NODE%d_HOST", i);
        host = getenv(var);
        if (!host)
            break;
        assert_null(open_at(host, 5000, &err));
        assert_int_equal(err.status, 503);
        snprintf(want, sizeof(want), "the Docker engine at %s is a swarm "
                 "worker, not a manager", host);
        assert_string_equal(err.text, want);
        seen++;
    }
    if (!seen)
        printf("# no worker node in this lab: worker refusal not checked\n");
}

struct mute {
    int lfd;
    atomic_int stop;
};

/* Accept and never answer: an engine that is wedged. */
static void *mute_server(void *p)
{
    struct mute *m = p;
    struct pollfd pl = { .fd = m->lfd, .events = POLLIN };
    int held[8], n = 0;

    while (!atomic_load(&m->stop)) {
        if (poll(&pl, 1, 50) > 0 && n < 8)
            held[n++] = accept(m->lfd, NULL, NULL);
    }
    while (n--)
        close(held[n]);
    return NULL;
}

static void test_wedged_engine_times_out(void **state)
{
    char dir[] = "/tmp/dcst-mute-XXXXXX", host[200], want[300];
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct mute m = { 0 };
    struct dcs_error err;
    pthread_t t;
    double t0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/docker.sock", dir);
    m.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(m.lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    assert_int_equal(listen(m.lfd, 8), 0);
    assert_int_equal(pthread_create(&t, NULL, mute_server, &m), 0);
    snprintf(host, sizeof(host), "unix://%s", sun.sun_path);
    t0 = et_now();
    assert_null(open_at(host, 500, &err));
    assert_true(et_now() - t0 < 3.0);
    assert_int_equal(err.status, 504);
    snprintf(want, sizeof(want), "the Docker engine at %s did not answer "
             "within 500 ms", host);
    assert_string_equal(err.text, want);
    atomic_store(&m.stop, 1);
    pthread_join(t, NULL);
    close(m.lfd);
    unlink(sun.sun_path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_negotiates_and_checks_swarm),
        cmocka_unit_test(test_no_engine_there),
        cmocka_unit_test(test_stopped_engine),
        cmocka_unit_test(test_worker_is_refused),
        cmocka_unit_test(test_wedged_engine_times_out),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
