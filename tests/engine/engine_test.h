/*
 * engine_test.h - helpers shared by the tests that run against a real
 * swarm manager (DOCKER_HOST).  Each test binary is one .c file, so these
 * are static inline.
 *
 * Every object a test creates is named dcst-<pid>-... and labelled
 * dcswarm.test=<pid>, so et_cleanup() removes exactly this run's objects.
 */
#ifndef DCS_ENGINE_TEST_H
#define DCS_ENGINE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "swarm/swarm.h"

#define ET_LABEL "dcswarm.test"

static inline const char *et_image(void)
{
    const char *image = getenv("DCS_TEST_IMAGE");

    return image && *image ? image : "dcswarm-test/busybox:latest";
}

static inline double et_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void et_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* "dcst-<pid>-<what>" */
static inline const char *et_name(char *buf, size_t len, const char *what)
{
    snprintf(buf, len, "dcst-%ld-%s", (long)getpid(), what);
    return buf;
}

static inline const char *et_run_id(void)
{
    static char id[32];

    snprintf(id, sizeof(id), "%ld", (long)getpid());
    return id;
}

/* Open the engine DOCKER_HOST names; the test fails when it is unset. */
static inline struct dcs_engine *et_open(void)
{
    struct dcs_engine_config cfg;
    struct dcs_engine *eng;
    struct dcs_error err;
    const char *host = getenv("DOCKER_HOST");

    if (!host || !*host)
        fail_msg("DOCKER_HOST is not set: the engine tests need a swarm "
                 "manager (see tests/lab)");
    if (dcs_engine_config_from_env(&cfg, NULL, getenv, &err) != DCS_OK)
        fail_msg("DOCKER_HOST: %s", err.text);
    eng = dcs_engine_open(&cfg, &err);
    if (!eng)
        fail_msg("%s (status %d)", err.text, err.status);
    return eng;
}

/* A service spec running `script` in the test image under sh -c. */
static inline json_t *et_spec(const char *name, const char *script,
                              int replicas, int tty)
{
    json_t *spec = json_pack(
        "{s:s, s:{s:s}, s:{s:{s:s, s:[s,s,s], s:b}, s:{s:s}}, "
        "s:{s:{s:i}}}",
        "Name", name,
        "Labels", ET_LABEL, et_run_id(),
        "TaskTemplate",
            "ContainerSpec", "Image", et_image(), "Command", "sh", "-c",
                script, "TTY", tty,
            "RestartPolicy", "Condition", "none",
        "Mode", "Replicated", "Replicas", replicas);

    assert_non_null(spec);
    return spec;
}

static inline char *et_create(struct dcs_engine *eng, json_t *spec_new)
{
    struct dcs_error err;
    char *id = dcs_service_create(eng, spec_new, NULL, &err);

    json_decref(spec_new);
    if (!id)
        fail_msg("create: %s (status %d)", err.text, err.status);
    return id;
}

static inline void et_remove_listed(struct dcs_engine *eng, json_t *list,
                                    int (*rm)(struct dcs_engine *,
                                              const char *, struct dcs_error *),
                                    const char *id_key)
{
    struct dcs_error err;
    json_t *o;
    size_t i;

    json_array_foreach(list, i, o)
        rm(eng, json_string_value(json_object_get(o, id_key)), &err);
    json_decref(list);
}

/* Remove every service, config and network of this run. */
static inline void et_cleanup(struct dcs_engine *eng)
{
    char label[64];
    json_t *filters = NULL;
    struct dcs_error err;

    snprintf(label, sizeof(label), "%s=%s", ET_LABEL, et_run_id());
    if (dcs_filters_add(&filters, "label", label, &err) != DCS_OK)
        return;
    et_remove_listed(eng, dcs_service_list(eng, filters, &err),
                     dcs_service_remove, "ID");
    et_remove_listed(eng, dcs_config_list(eng, filters, &err),
                     dcs_config_remove, "ID");
    et_remove_listed(eng, dcs_network_list(eng, filters, &err),
                     dcs_network_remove, "Id");
    json_decref(filters);
}

/* Tasks of service_id whose Status.State is `state` (e.g. "running"). */
static inline int et_count_tasks(struct dcs_engine *eng, const char *service_id,
                                 const char *state)
{
    json_t *filters = NULL, *tasks, *t;
    struct dcs_error err;
    size_t i;
    int n = 0;

    assert_int_equal(dcs_filters_add(&filters, "service", service_id, &err),
                     DCS_OK);
    tasks = dcs_task_list(eng, filters, &err);
    json_decref(filters);
    if (!tasks)
        fail_msg("tasks: %s", err.text);
    json_array_foreach(tasks, i, t) {
        const char *s = json_string_value(json_object_get(
            json_object_get(t, "Status"), "State"));

        n += s && !strcmp(s, state);
    }
    json_decref(tasks);
    return n;
}

/* Wait up to `seconds` for n tasks in `state`. */
static inline void et_wait_tasks(struct dcs_engine *eng, const char *service_id,
                                 const char *state, int n, int seconds)
{
    double until = et_now() + seconds;

    while (et_count_tasks(eng, service_id, state) < n) {
        if (et_now() > until)
            fail_msg("service %s: no %d task(s) %s after %d s", service_id, n,
                     state, seconds);
        et_sleep_ms(200);
    }
}

#endif
