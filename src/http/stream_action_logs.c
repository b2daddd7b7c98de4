/*
 * stream_action_logs.c - an action's log on the Stream API:
 * /api/audit/v1/[ns/]action/<uuid>/logs/ and the Tutum /v1/action/<uuid>/logs/,
 * WebSocket or chunked like service logs (stream_logs.c).
 *
 * Its lines are why the action failed (swarm's Status.Err per container,
 * kept with the action when it ended) or, while it is in progress, what
 * holds it up.  They are log frames, never a REST "logs" key: that would
 * shadow the Python SDK's Action.logs() method.  With follow=false the
 * stream closes after the lines there are; following, a thread settles the
 * action every ACTION_POLL_MS as any reader does, sends each new line, and
 * closes once the action has ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/streams.h"
#include "swarm/swarm.h"

#define ACTION_POLL_MS 2000

struct actionrun {
    struct dcs_sconn *s;
    struct dcs_stream_plan *plan;
    struct dcs_engine *eng;
    const struct dcs_serve_config *cfg;
    bool connect;                 /* eng still has to negotiate (no proto) */
    json_t *sent;                 /* line -> true */
    char name[128];               /* "Service Start": the lines' source */
    struct dcs_strbuf msg;
};

/* ==================== the request (worker) ==================== */

int dcs_stream_action_logs_route(struct dcs_ctx *c, struct dcs_stream_plan *p,
                                 struct dcs_error *err)
{
    char name[128];
    bool final;
    json_t *lines = dcs_action_log_lines(c, c->req->rt.id, name, sizeof(name), &final, err);

    if (!lines)
        return DCS_ERR;
    json_decref(lines);
    p->action = true;
    snprintf(p->target, sizeof(p->target), "%s", c->req->rt.id);
    snprintf(p->user, sizeof(p->user), "%s", c->req->user);
    p->grants = json_deep_copy(c->req->grants);
    return p->grants ? DCS_OK : dcs_error_status(err, 500, NULL, "out of memory");
}

/* ==================== the thread ==================== */

/* The action's lines now, read as a request of the caller would. */
static json_t *read_lines(struct actionrun *run, bool *final, struct dcs_error *err)
{
    struct dcs_req req = {.grants = run->plan->grants};
    struct dcs_ctx c = {.eng = run->eng, .cfg = run->cfg, .req = &req, .now = time(NULL)};
    json_t *lines;

    snprintf(req.ns, sizeof(req.ns), "%s", run->plan->ns);
    snprintf(req.user, sizeof(req.user), "%s", run->plan->user);
    lines = dcs_action_log_lines(&c, run->plan->target, run->name, sizeof(run->name), final, err);
    json_decref(c.later);
    return lines;
}

/* Send the lines not sent yet; DCS_STOP once the client is gone. */
static int send_new(struct actionrun *run, const json_t *lines)
{
    const json_t *l;
    size_t i;

    json_array_foreach(lines, i, l) {
        const char *text = json_string_value(l);
        struct dcs_log_record rec = {.stream = DCS_LOG_STDOUT, .timestamp = ""};
        if (!text || json_object_get(run->sent, text))
            continue;
        json_object_set_new(run->sent, text, json_true());
        rec.line = text;
        rec.len = strlen(text);
        rec.details = "";
        run->msg.len = 0;
        dcs_log_message(&run->msg, run->name, &rec, (long long)time(NULL));
        if (!run->msg.failed && dcs_sconn_push(run->s, run->msg.data, run->msg.len) == DCS_STOP)
            return DCS_STOP;
    }
    return DCS_OK;
}

/* Wait ACTION_POLL_MS, or less if the stream is stopped meanwhile. */
static bool wait_poll(struct actionrun *run)
{
    struct timespec step = {0, 100 * 1000000L};

    for (int waited = 0; waited < ACTION_POLL_MS; waited += 100) {
        if (dcs_sconn_cancelled(run->s))
            return false;
        nanosleep(&step, NULL);
    }
    return !dcs_sconn_cancelled(run->s);
}

static void *action_main(void *arg)
{
    struct actionrun *run = arg;
    struct dcs_error err = {0};
    bool final = false;
    int rc = run->connect ? dcs_engine_connect(run->eng, &err) : DCS_OK;

    while (!rc) {
        json_t *lines = read_lines(run, &final, &err);
        /* The engine may be away for a while: the action is still there;
         * an action gone (its record expired) has nothing more to say. */
        if ((lines && send_new(run, lines) == DCS_STOP) || err.status == 404)
            final = true;
        json_decref(lines);
        if (final || !run->plan->follow || !wait_poll(run))
            break;
        err.status = 0;
    }
    dcs_sconn_producer_done(run->s, NULL);
    dcs_engine_free(run->eng);
    json_decref(run->sent);
    dcs_strbuf_release(&run->msg);
    dcs_stream_plan_free(run->plan);
    free(run);
    return NULL;
}

int dcs_action_logs_start(struct dcs_sconn *s, struct dcs_stream_plan *plan,
                          const struct dcs_engine *proto, const struct dcs_serve_config *cfg)
{
    struct actionrun *run = calloc(1, sizeof(*run));
    struct dcs_error err = {0};

    if (run) {
        run->eng = proto ? dcs_engine_clone(proto, &err) : dcs_engine_new(&cfg->engine, &err);
        run->sent = json_object();
    }
    if (!run || !run->eng || !run->sent) {
        if (run) {
            dcs_engine_free(run->eng);
            json_decref(run->sent);
        }
        free(run);
        dcs_stream_plan_free(plan);
        return DCS_ERR;
    }
    run->s = s;
    run->plan = plan;
    run->cfg = cfg;
    run->connect = !proto;
    dcs_sconn_set_producer(s, run->eng);
    if (dcs_producer_thread(action_main, run)) {
        dcs_sconn_set_producer(s, NULL);
        dcs_engine_free(run->eng);
        json_decref(run->sent);
        dcs_stream_plan_free(plan);
        free(run);
        return DCS_ERR;
    }
    return DCS_OK;
}
