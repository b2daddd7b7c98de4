/*
 * stream_logs.c - service and container logs on the Stream API.
 *
 * A worker checks the request and finds the object in the caller's
 * namespace (a refusal is an ordinary HTTP answer: 401, 404); the loop
 * then hands the connection over (stream_conn.c) and starts one thread per
 * stream, which reads the engine's log stream (GET /services/{id}/logs or
 * /tasks/{id}/logs with timestamps and details) and pushes one message
 * per line.  A thread is idle while its engine stream is; a client that
 * leaves shuts its engine connection down at once (dcs_engine_cancel).
 *
 * The source of a line is the Docker Cloud name of its container,
 * "<service>-<slot>" as /container/ lists it, from the task ID the engine
 * gives in the line's details; a task born while following is looked up
 * once on a second engine handle.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/streams.h"
#include "swarm/swarm.h"
#include "translate/translate.h"

/* Log threads only wait on sockets: a small stack keeps 200 of them light. */
#define LOG_THREAD_STACK (256 * 1024)

struct logrun {
    struct dcs_sconn *s;
    struct dcs_stream_plan *plan;
    struct dcs_engine *eng;       /* the stream's own, cancelled from the loop */
    struct dcs_engine *lookup;    /* tasks born while following */
    bool connect;                 /* eng still has to negotiate (no proto) */
    struct dcs_strbuf msg;
};

void dcs_stream_plan_free(struct dcs_stream_plan *p)
{
    if (!p)
        return;
    json_decref(p->names);
    json_decref(p->grants);
    json_decref(p->filter);
    free(p);
}

/* ==================== the request (worker) ==================== */

static const char *svc_name(const json_t *svc)
{
    const char *n = dcs_label(svc, DCS_LABEL_NAME);

    return n ? n : json_string_value(json_object_get(json_object_get(svc, "Spec"), "Name"));
}

static void add_task_names(json_t *names, const char *service, const json_t *tasks)
{
    const json_t *t;
    size_t i;
    char name[320];

    json_array_foreach(tasks, i, t) {
        const char *id = json_string_value(json_object_get(t, "ID"));
        if (!id)
            continue;
        dcs_container_name(service, t, tasks, name, sizeof(name));
        json_object_set_new(names, id, json_string(name));
    }
}

static bool is_number(const char *s, bool frac)
{
    size_t n = strspn(s, "0123456789");

    if (!n)
        return false;
    if (frac && s[n] == '.' && s[n + 1])
        n += 1 + strspn(s + n + 1, "0123456789");
    return !s[n];
}

static int read_params(struct dcs_req *r, struct dcs_stream_plan *p, struct dcs_error *err)
{
    static const char *const allowed[] = {"tail", "follow", "since", "service", NULL};
    const char *tail = dcs_param(r, "tail"), *follow = dcs_param(r, "follow");
    const char *since = dcs_param(r, "since");

    if (dcs_check_params(r, allowed, err))
        return DCS_ERR;
    if (!tail)
        tail = DCS_LOGS_DEFAULT_TAIL;
    if (strcmp(tail, "all") && !is_number(tail, false))
        return dcs_error_status(err, 400, "tail", "expected a number of lines or \"all\", "
                                "got \"%s\"", tail);
    snprintf(p->tail, sizeof(p->tail), "%s", strcmp(tail, "all") ? tail : "");
    p->follow = true;
    if (follow && (!strcasecmp(follow, "false") || !strcmp(follow, "0")))
        p->follow = false;
    else if (follow && strcasecmp(follow, "true") && strcmp(follow, "1"))
        return dcs_error_status(err, 400, "follow", "expected true or false, got \"%s\"",
                                follow);
    if (since && !is_number(since, true))
        return dcs_error_status(err, 400, "since", "expected a UNIX time in seconds, got "
                                "\"%s\"", since);
    snprintf(p->since, sizeof(p->since), "%s", since ? since : "");
    return DCS_OK;
}

static int find_service(struct dcs_ctx *c, struct dcs_stream_plan *p, struct dcs_error *err)
{
    struct dcs_view v = {0};
    const json_t *svc;
    bool terminated;
    int rc = DCS_ERR;

    if (dcs_view_load_one(c, &v, c->req->rt.id, err))
        goto out;
    svc = dcs_view_find(&v, c->req->rt.id, &terminated, err);
    if (!svc)
        goto out;
    snprintf(p->svc_name, sizeof(p->svc_name), "%s", svc_name(svc));
    /* A Terminated service's tasks are gone with it: an empty stream. */
    if (!terminated) {
        const char *id = json_string_value(json_object_get(svc, "ID"));
        snprintf(p->target, sizeof(p->target), "%s", id ? id : "");
        add_task_names(p->names, p->svc_name, json_object_get(v.tasks, p->target));
    }
    rc = DCS_OK;
out:
    dcs_view_release(&v);
    return rc;
}

static int find_container(struct dcs_ctx *c, struct dcs_stream_plan *p, struct dcs_error *err)
{
    struct dcs_view v = {0};
    const json_t *s, *t;
    size_t i, j;
    char uuid[37];
    int rc = DCS_ERR;

    if (dcs_view_load(c, &v, true, false, err))
        goto out;
    json_array_foreach(v.services, i, s) {
        const json_t *tasks = json_object_get(v.tasks, json_string_value(json_object_get(s, "ID")));
        json_array_foreach(tasks, j, t) {
            const char *tid = json_string_value(json_object_get(t, "ID"));
            if (!tid)
                continue;
            dcs_uuid_for("task", NULL, tid, uuid);
            if (strcasecmp(uuid, c->req->rt.id))
                continue;
            p->task = true;
            snprintf(p->target, sizeof(p->target), "%s", tid);
            snprintf(p->svc_name, sizeof(p->svc_name), "%s", svc_name(s));
            {
                json_t *one = json_pack("[O]", t);
                add_task_names(p->names, p->svc_name, one);
                json_decref(one);
            }
            rc = DCS_OK;
            goto out;
        }
    }
    dcs_error_status(err, 404, NULL, "no container with uuid %s", c->req->rt.id);
out:
    dcs_view_release(&v);
    return rc;
}

static struct dcs_stream_plan *plan_new(struct dcs_req *r, enum dcs_stream_kind kind)
{
    struct dcs_stream_plan *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->kind = kind;
    p->ws = r->ws_key != NULL;
    snprintf(p->ws_key, sizeof(p->ws_key), "%s", r->ws_key ? r->ws_key : "");
    snprintf(p->ns, sizeof(p->ns), "%s", r->ns);
    return p;
}

static int get_only(struct dcs_req *r, struct dcs_error *err)
{
    if (!strcmp(r->method, "GET"))
        return DCS_OK;
    snprintf(r->allow, sizeof(r->allow), "GET");
    return dcs_error_status(err, 405, NULL, "method %s not allowed on a stream (allowed: GET)",
                            r->method);
}

int dcs_stream_logs_route(struct dcs_ctx *c, struct dcs_error *err)
{
    struct dcs_req *r = c->req;
    struct dcs_stream_plan *p;
    int rc;

    if (get_only(r, err))
        return DCS_ERR;
    p = plan_new(r, DCS_STREAM_LOGS);
    if (!p)
        return dcs_error_status(err, 500, NULL, "out of memory");
    p->names = json_object();
    rc = read_params(r, p, err);
    if (!rc && !strcmp(r->rt.type, "action"))
        rc = dcs_stream_action_logs_route(c, p, err);
    else if (!rc)
        rc = !strcmp(r->rt.type, "service") ? find_service(c, p, err) : find_container(c, p, err);
    if (rc) {
        dcs_stream_plan_free(p);
        return DCS_ERR;
    }
    r->stream = p;
    r->stream_free = dcs_stream_plan_free;
    r->status = p->ws ? 101 : 200;
    return DCS_OK;
}

int dcs_stream_events_route(struct dcs_ctx *c, struct dcs_error *err)
{
    static const char *const allowed[] = {"type", "object", "parents", "parent", "user",
                                          "token", NULL};
    struct dcs_req *r = c->req;
    struct dcs_stream_plan *p;

    if (get_only(r, err))
        return DCS_ERR;
    if (r->rt.id[0])
        return dcs_error_status(err, 404, NULL, "not found");
    if (dcs_check_params(r, allowed, err))
        return DCS_ERR;
    p = plan_new(r, DCS_STREAM_EVENTS);
    if (!p)
        return dcs_error_status(err, 500, NULL, "out of memory");
    p->filter = json_deep_copy(r->params);
    r->stream = p;
    r->stream_free = dcs_stream_plan_free;
    r->status = p->ws ? 101 : 200;
    return DCS_OK;
}

/* ==================== the thread ==================== */

/* The container a line comes from, looking a new task up once. */
static const char *source_of(struct logrun *run, const struct dcs_log_record *rec)
{
    struct dcs_stream_plan *p = run->plan;
    struct dcs_error err = {0};
    char tid[128], name[320];
    const char *known;
    json_t *task;

    if (p->task)
        return json_string_value(json_object_get(p->names, p->target));
    if (dcs_log_detail(rec->details, "com.docker.swarm.task.id", tid, sizeof(tid)))
        return p->svc_name;
    known = json_string_value(json_object_get(p->names, tid));
    if (known)
        return known;
    if (!run->lookup)
        run->lookup = dcs_engine_clone(run->eng, &err);
    task = run->lookup ? dcs_task_inspect(run->lookup, tid, &err) : NULL;
    if (task && !json_integer_value(json_object_get(task, "Slot"))) {
        /* A global service's: numbered among its service's tasks. */
        json_t *filters = NULL, *tasks = NULL;
        if (!dcs_filters_add(&filters, "service", json_string_value(json_object_get(
                task, "ServiceID")), &err))
            tasks = dcs_task_list(run->lookup, filters, &err);
        dcs_container_name(p->svc_name, task, tasks, name, sizeof(name));
        json_decref(tasks);
        json_decref(filters);
    } else {
        dcs_container_name(p->svc_name, task, NULL, name, sizeof(name));
    }
    json_decref(task);
    json_object_set_new(p->names, tid, json_string(name));
    return json_string_value(json_object_get(p->names, tid));
}

static int on_record(const struct dcs_log_record *rec, void *arg)
{
    struct logrun *run = arg;
    const char *source = source_of(run, rec);

    run->msg.len = 0;
    dcs_log_message(&run->msg, source ? source : run->plan->svc_name, rec, (long long)time(NULL));
    if (run->msg.failed)
        return 0;
    return dcs_sconn_push(run->s, run->msg.data, run->msg.len) == DCS_STOP;
}

/* What a stream that failed on the engine's side says before it closes. */
static char *failure_message(struct logrun *run, const struct dcs_error *err)
{
    struct dcs_log_record rec = {.stream = DCS_LOG_SYSTEM};
    char text[DCS_ERROR_TEXT_LEN + 32];
    char *out;

    rec.len = (size_t)snprintf(text, sizeof(text), "dcswarm: %s", err->text);
    rec.line = text;
    run->msg.len = 0;
    dcs_log_message(&run->msg, "dcswarm", &rec, (long long)time(NULL));
    out = run->msg.failed ? NULL : strndup(run->msg.data, run->msg.len);
    return out;
}

static void *log_main(void *arg)
{
    struct logrun *run = arg;
    struct dcs_stream_plan *p = run->plan;
    struct dcs_logs_opts o = {.follow = p->follow, .timestamps = 1, .details = !p->task};
    struct dcs_error err = {0};
    char *last = NULL;
    int rc = DCS_OK;

    o.tail = p->tail[0] ? p->tail : NULL;
    o.since = p->since[0] ? p->since : NULL;
    if (run->connect)
        rc = dcs_engine_connect(run->eng, &err);
    if (!rc && p->target[0])
        rc = p->task ? dcs_task_logs(run->eng, p->target, &o, on_record, run, &err)
                     : dcs_service_logs(run->eng, p->target, &o, on_record, run, &err);
    if (rc == DCS_ERR && !dcs_sconn_cancelled(run->s))
        last = failure_message(run, &err);
    /* From here on the loop may free run->s: cancelling run->eng is no
     * longer possible once done is set, so it is freed after. */
    dcs_sconn_producer_done(run->s, last);
    free(last);
    dcs_engine_free(run->eng);
    dcs_engine_free(run->lookup);
    dcs_strbuf_release(&run->msg);
    dcs_stream_plan_free(p);
    free(run);
    return NULL;
}

int dcs_producer_thread(void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_t tid;
    int rc;

    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, LOG_THREAD_STACK);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&tid, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    return rc ? DCS_ERR : DCS_OK;
}

void dcs_logs_cancel(void *producer)
{
    dcs_engine_cancel(producer);
}

int dcs_logs_start(struct dcs_sconn *s, struct dcs_stream_plan *plan,
                   const struct dcs_engine *proto, const struct dcs_serve_config *cfg)
{
    struct logrun *run;
    struct dcs_error err = {0};

    if (plan->action)
        return dcs_action_logs_start(s, plan, proto, cfg);
    if (!(run = calloc(1, sizeof(*run)))) {
        dcs_stream_plan_free(plan);
        return DCS_ERR;
    }
    run->s = s;
    run->plan = plan;
    run->eng = proto ? dcs_engine_clone(proto, &err) : dcs_engine_new(&cfg->engine, &err);
    run->connect = !proto;
    if (!run->eng) {
        dcs_stream_plan_free(plan);
        free(run);
        return DCS_ERR;
    }
    dcs_sconn_set_producer(s, run->eng);
    if (dcs_producer_thread(log_main, run)) {
        dcs_sconn_set_producer(s, NULL);
        dcs_engine_free(run->eng);
        dcs_stream_plan_free(plan);
        free(run);
        return DCS_ERR;
    }
    return DCS_OK;
}
