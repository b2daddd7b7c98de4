/*
 * logs.c - service and task logs: the request, the choice between the
 * multiplexed and the raw (TTY) format, and the demux decoder fed with the
 * transfer's bytes.
 *
 * Engine 20.10 sends no Content-Type with logs, and engines from API 1.42
 * send "raw-stream" to clients speaking older versions even for multiplexed
 * logs.  So the format comes from the object's ContainerSpec.TTY, which is
 * what the engine itself decides by; only an explicit "multiplexed-stream"
 * Content-Type (or "raw-stream" at API 1.42 and later) overrides it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swarm/engine_int.h"
#include "swarm/swarm.h"
#include "util/jsonw.h"

#define MUX_TYPE "application/vnd.docker.multiplexed-stream"
#define RAW_TYPE "application/vnd.docker.raw-stream"

struct logs_run {
    struct dcs_engine *eng;
    struct dcs_logdemux demux;
    int tty;
    unsigned flags;
    dcs_log_fn fn;
    void *ctx;
    int started;
};

static int logs_open(const struct dcs_stream_head *head, void *p,
                     struct dcs_error *err)
{
    struct logs_run *run = p;
    enum dcs_log_format format = run->tty ? DCS_LOG_RAW : DCS_LOG_MULTIPLEXED;

    (void)err;
    if (strstr(head->content_type, MUX_TYPE))
        format = DCS_LOG_MULTIPLEXED;
    else if (strstr(head->content_type, RAW_TYPE) &&
             sw_api_at_least(run->eng, 1, 42))
        format = DCS_LOG_RAW;
    dcs_logdemux_init(&run->demux, format, run->flags, run->fn, run->ctx);
    run->started = 1;
    return DCS_OK;
}

static int logs_data(const char *buf, size_t len, void *p,
                     struct dcs_error *err)
{
    struct logs_run *run = p;

    return dcs_logdemux_feed(&run->demux, buf, len, err);
}

/* Append "&name=value" (value escaped) to *query. */
static int add_param(char **query, const char *name, const char *value,
                     struct dcs_error *err)
{
    char *escaped = dcs_url_escape(value, err), *joined = NULL;

    if (!escaped)
        return DCS_ERR;
    if (asprintf(&joined, "%s%s%s=%s", *query, **query ? "&" : "?", name,
                 escaped) < 0) {
        free(escaped);
        return sw_oom(err);
    }
    free(escaped);
    free(*query);
    *query = joined;
    return DCS_OK;
}

static char *logs_query(const struct dcs_logs_opts *o, struct dcs_error *err)
{
    char *q = strdup("");
    int bad;

    if (!q) {
        sw_oom(err);
        return NULL;
    }
    bad = add_param(&q, "stdout", o->no_stdout ? "0" : "1", err) ||
          add_param(&q, "stderr", o->no_stderr ? "0" : "1", err) ||
          (o->follow && add_param(&q, "follow", "1", err)) ||
          (o->timestamps && add_param(&q, "timestamps", "1", err)) ||
          (o->details && add_param(&q, "details", "1", err)) ||
          (o->tail && add_param(&q, "tail", o->tail, err)) ||
          (o->since && add_param(&q, "since", o->since, err));
    if (bad) {
        free(q);
        return NULL;
    }
    return q;
}

static int run_logs(struct dcs_engine *eng, const char *kind, const char *id,
                    int tty, const struct dcs_logs_opts *opts, dcs_log_fn fn,
                    void *ctx, struct dcs_error *err)
{
    struct logs_run run = { .eng = eng, .tty = tty, .fn = fn, .ctx = ctx };
    struct dcs_stream_handler h = { logs_open, logs_data, &run };
    char *query = logs_query(opts, err), *suffix = NULL, *path = NULL;
    int rc = DCS_ERR;

    run.flags = (opts->timestamps ? DCS_LOG_TIMESTAMPS : 0) |
                (opts->details ? DCS_LOG_DETAILS : 0);
    if (!query)
        goto out;
    if (asprintf(&suffix, "/logs%s", query) < 0) {
        suffix = NULL;
        sw_oom(err);
        goto out;
    }
    path = sw_object_path(kind, id, suffix, err);
    if (!path)
        goto out;
    rc = dcs_engine_stream(eng, path, opts->follow, &h, err);
    if (rc == DCS_OK && run.started)
        rc = dcs_logdemux_finish(&run.demux, err);
out:
    if (run.started)
        dcs_logdemux_release(&run.demux);
    free(query);
    free(suffix);
    free(path);
    return rc;
}

static const struct dcs_logs_opts no_opts;

int dcs_service_logs(struct dcs_engine *eng, const char *id,
                     const struct dcs_logs_opts *opts, dcs_log_fn fn,
                     void *ctx, struct dcs_error *err)
{
    json_t *service = dcs_service_inspect(eng, id, err);
    json_t *spec;
    const char *sid;
    int tty, rc;

    if (!service)
        return DCS_ERR;
    spec = json_object_get(json_object_get(json_object_get(service, "Spec"),
                                           "TaskTemplate"), "ContainerSpec");
    tty = json_is_true(json_object_get(spec, "TTY"));
    /* Ask by ID: the one whose TTY setting was just read. */
    sid = json_string_value(json_object_get(service, "ID"));
    rc = run_logs(eng, "/services", sid ? sid : id, tty,
                  opts ? opts : &no_opts, fn, ctx, err);
    json_decref(service);
    return rc;
}

int dcs_task_logs(struct dcs_engine *eng, const char *id,
                  const struct dcs_logs_opts *opts, dcs_log_fn fn, void *ctx,
                  struct dcs_error *err)
{
    json_t *task = dcs_task_inspect(eng, id, err);
    json_t *spec;
    int tty, rc;

    if (!task)
        return DCS_ERR;
    spec = json_object_get(json_object_get(task, "Spec"), "ContainerSpec");
    tty = json_is_true(json_object_get(spec, "TTY"));
    rc = run_logs(eng, "/tasks", id, tty, opts ? opts : &no_opts, fn, ctx,
                  err);
    json_decref(task);
    return rc;
}

/* Undo Go's url.QueryEscape of s[0..n) into out. */
static int unescape(const char *s, size_t n, char *out, size_t outlen)
{
    size_t i, j = 0;

    for (i = 0; i < n; i++) {
        char c = s[i];

        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < n && dcs_hex_digit(s[i + 1]) >= 0 &&
                   dcs_hex_digit(s[i + 2]) >= 0) {
            c = (char)(dcs_hex_digit(s[i + 1]) * 16 + dcs_hex_digit(s[i + 2]));
            i += 2;
        }
        if (j + 1 >= outlen)
            return DCS_ERR;
        out[j++] = c;
    }
    out[j] = '\0';
    return DCS_OK;
}

int dcs_log_detail(const char *details, const char *key, char *out,
                   size_t outlen)
{
    size_t klen = strlen(key);
    const char *p = details;

    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n > klen && !strncmp(p, key, klen) && p[klen] == '=')
            return unescape(p + klen + 1, n - klen - 1, out, outlen);
        p = end ? end + 1 : NULL;
    }
    return DCS_ERR;
}
