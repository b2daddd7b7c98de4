/*
 * server.c - the evhttp front end: listener, loop, signals, graceful
 * shutdown, one log line per request.
 *
 * The loop thread only reads requests and writes answers; the work is done
 * by the pool (worker.c).  A Stream API request (logs, events) goes through
 * the pool like any other (auth, namespace, the object looked up); when the
 * worker accepted it, deliver() hands its connection to stream_conn.c instead of
 * answering.  --stream-listen adds a listener that serves only those.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

#include "http/pool.h"
#include "http/streams.h"
#include "swarm/swarm.h"
#include "util/sd_notify.h"

/* How long a shutdown waits for answers to be written out. */
#define DCS_HTTP_DRAIN_SECONDS 60

struct server {
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct evhttp *stream_http;        /* --stream-listen, or NULL */
    struct evhttp_bound_socket *stream_sock;
    struct dcs_streams *streams;
    struct dcs_pool *pool;
    struct dcs_conns *conns;
    const struct dcs_serve_config *cfg;
    long in_flight;
    bool draining;
    struct timespec t_start;
};

static const char *method_name(enum evhttp_cmd_type t)
{
    switch (t) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_PATCH: return "PATCH";
    default: return "OTHER";
    }
}

static char *header_dup(struct evhttp_request *ev, const char *name)
{
    const char *v = evhttp_find_header(evhttp_request_get_input_headers(ev), name);
    return v ? strdup(v) : NULL;
}

static struct dcs_req *read_request(struct evhttp_request *ev, size_t max_body)
{
    struct dcs_req *r = calloc(1, sizeof(*r));
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    struct evbuffer *in = evhttp_request_get_input_buffer(ev);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    size_t len = evbuffer_get_length(in);
    char *host = NULL;
    ev_uint16_t port = 0;

    if (!r)
        return NULL;
    snprintf(r->method, sizeof(r->method), "%s", method_name(evhttp_request_get_command(ev)));
    /* "//api/..." parses as an authority: take the path from the raw URI. */
    if (!path || !*path || !strncmp(evhttp_request_get_uri(ev), "//", 2)) {
        const char *raw = evhttp_request_get_uri(ev);
        size_t plen = strcspn(raw, "?");
        r->path = strndup(raw, plen);
        query = raw[plen] ? raw + plen + 1 : NULL;
    } else {
        r->path = strdup(path);
    }
    r->query = query ? strdup(query) : NULL;
    r->auth = header_dup(ev, "Authorization");
    r->ws_key = header_dup(ev, "Sec-WebSocket-Key");
    r->content_type = header_dup(ev, "Content-Type");
    r->body_too_large = len > max_body;
    r->body_len = r->body_too_large ? 0 : len;
    r->body = malloc(r->body_len + 1);
    if (r->body) {
        evbuffer_copyout(in, r->body, r->body_len);
        r->body[r->body_len] = '\0';
    }
    evhttp_connection_get_peer(evhttp_request_get_connection(ev), &host, &port);
    snprintf(r->peer, sizeof(r->peer), "%s", host ? host : "");
    if (!r->path || !r->body) {
        dcs_req_free(r);
        return NULL;
    }
    return r;
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 426: return "Upgrade Required";
    case 415: return "Unsupported Media Type";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "Internal Server Error" : "Error";
    }
}

static void free_text(const void *data, size_t len, void *arg)
{
    (void)data;
    (void)len;
    free(arg);
}

static void send_answer(struct evhttp_request *ev, struct dcs_req *r)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(ev);
    struct evbuffer *out = evbuffer_new();

    if (r->allow[0])
        evhttp_add_header(h, "Allow", r->allow);
    if (r->www_auth)
        evhttp_add_header(h, "WWW-Authenticate", r->www_auth);
    if (r->status == 426)
        evhttp_add_header(h, "Sec-WebSocket-Version", "13");
    /* The engine is away (502, 504) or not a manager now (503): the same
     * request may work later, and a client that reads this waits a bit. */
    if (r->status == 502 || r->status == 503 || r->status == 504)
        evhttp_add_header(h, "Retry-After", DCS_RETRY_AFTER);
    else if (r->status == 429 && r->retry_after[0])
        evhttp_add_header(h, "Retry-After", r->retry_after);
    if (r->warnings)
        evhttp_add_header(h, "X-DCSwarm-Warnings", r->warnings);
    if (r->action_uri[0]) {
        evhttp_add_header(h, "X-DockerCloud-Action-URI", r->action_uri);
        if (r->tutum_header)
            evhttp_add_header(h, "X-Tutum-Action-URI", r->action_uri);
    }
    if ((r->answer || r->answer_text) && out) {
        char *text = r->answer_text ? r->answer_text : json_dumps(r->answer, JSON_COMPACT);
        r->answer_text = NULL;
        evhttp_add_header(h, "Content-Type", "application/json");
        if (text)
            evbuffer_add_reference(out, text, strlen(text), free_text, text);
    }
    evhttp_send_reply(ev, r->status ? r->status : 500, reason(r->status), out);
    if (out)
        evbuffer_free(out);
}

static void maybe_exit(struct server *s)
{
    if (s->draining && !s->in_flight && !dcs_streams_count(s->streams))
        event_base_loopexit(s->base, NULL);
}

static void on_streams_empty(void *arg)
{
    maybe_exit(arg);
}

/* A stream over --max-streams is refused before its first byte: a 503 a
 * WebSocket client reads as a failed handshake, with the reason. */
static void refuse_stream(struct server *s, struct dcs_req *r)
{
    char text[160];

    snprintf(text, sizeof(text), "too many streams: %ld open, at most %zu (--max-streams)",
             dcs_streams_count(s->streams), s->cfg->max_streams);
    json_decref(r->answer);
    r->answer = json_pack("{s:s}", "error", text);
    r->status = 503;
}

/* One more request for /metrics, by its route template. */
static void count(const struct dcs_req *r, int status, const struct timespec *t0)
{
    char route[160];

    dcs_route_template(&r->rt, status, route, sizeof(route));
    dcs_metrics_request(r->method, route, status, elapsed_ms(t0) / 1000);
}

static void deliver(struct dcs_job *j, void *arg)
{
    struct server *s = arg;
    struct dcs_req *r = j->req;

    if (r->stream && r->status < 300 &&
        (size_t)dcs_streams_count(s->streams) >= s->cfg->max_streams)
        refuse_stream(s, r);
    if (r->stream && r->status < 300) {
        /* The connection leaves evhttp: no answer completes it. */
        evhttp_request_set_on_complete_cb(j->ev, NULL, NULL);
        s->in_flight--;
        count(r, r->stream->ws ? 101 : 200, &j->t0);
        dcs_streams_start(s->streams, j->ev, r);
        free(j);
        maybe_exit(s);
        return;
    }
    send_answer(j->ev, r);
    count(r, r->status ? r->status : 500, &j->t0);
    dcs_http_log_request(r->method, r->path, r->status, elapsed_ms(&j->t0), r->user,
                         r->action_uri[0] ? r->action_uuid : NULL, NULL);
    dcs_req_free(r);
    free(j);
}

/* A request counts as in flight until its answer is written out: leaving
 * the loop as soon as the answer is queued would close the connection
 * with the answer still in its buffer. */
static void on_complete(struct evhttp_request *ev, void *arg)
{
    struct server *s = arg;

    (void)ev;
    s->in_flight--;
    maybe_exit(s);
}

/* Refused before a route (the edge, a shutdown): counted as "edge". */
static void reply_now(struct evhttp_request *ev, int status, const char *text)
{
    struct dcs_req r = {0};

    dcs_metrics_request(method_name(evhttp_request_get_command(ev)), "edge", status, 0);
    r.status = status;
    r.answer = json_pack("{s:s}", "error", text);
    send_answer(ev, &r);
    json_decref(r.answer);
}

/* evhttp writes the head and the body of an answer apart: with Nagle on,
 * the body waits for the client's delayed ACK of the head (40 ms on Linux)
 * on every keep-alive request but the first. */
static void no_delay(struct evhttp_request *ev)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(ev);
    struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    int one = 1;

    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* A WebSocket asked for wrongly is refused here, before any work. */
static int check_upgrade(struct evhttp_request *ev, struct dcs_req *r)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(ev);
    struct dcs_error err = {0};
    int rc = dcs_ws_check(r->method, evhttp_find_header(h, "Upgrade"),
                          evhttp_find_header(h, "Connection"),
                          evhttp_find_header(h, "Sec-WebSocket-Version"), r->ws_key, &err);

    if (rc == 1)
        return DCS_OK;
    free(r->ws_key);
    r->ws_key = NULL;
    if (rc == 0)
        return DCS_OK;
    r->status = err.status;
    r->answer = json_pack("{s:s}", "error", err.text);
    send_answer(ev, r);
    return DCS_ERR;
}

/* Is the path of ev's URI this one (with or without its trailing slash)? */
static bool path_is(struct evhttp_request *ev, const char *path)
{
    const char *uri = evhttp_request_get_uri(ev);
    size_t n = strcspn(uri, "?"), len = strlen(path);

    return (n == len || (n == len + 1 && uri[len] == '/')) && !strncmp(uri, path, len);
}

/* GET /metrics, by the loop thread: Prometheus text, no credentials (no
 * name, uuid or secret is in it). */
static bool metrics(struct evhttp_request *ev, struct server *s)
{
    struct evbuffer *out;
    char *text;

    if (!path_is(ev, "/metrics"))
        return false;
    dcs_metrics_request(method_name(evhttp_request_get_command(ev)), "/metrics", 200, 0);
    text = dcs_metrics_text(dcs_streams_count(s->streams), (long)dcs_conns_open(s->conns));
    if (!text || !(out = evbuffer_new())) {
        free(text);
        reply_now(ev, 500, "out of memory");
        return true;
    }
    evbuffer_add_reference(out, text, strlen(text), free_text, text);
    evhttp_add_header(evhttp_request_get_output_headers(ev), "Content-Type",
                      "text/plain; version=0.0.4; charset=utf-8");
    evhttp_send_reply(ev, 200, "OK", out);
    evbuffer_free(out);
    return true;
}

/* Liveness (GET /_health): answered by the loop thread itself, so that it
 * says the loop runs whatever the engine and the workers are doing; 503
 * once shutting down.  No credentials, as /_ping. */
static bool health(struct evhttp_request *ev, struct server *s)
{
    struct timespec now;
    struct dcs_req r = {0};
    char text[160];

    if (!path_is(ev, "/_health"))
        return false;
    dcs_metrics_request(method_name(evhttp_request_get_command(ev)), "/_health",
                        s->draining ? 503 : 200, 0);
    clock_gettime(CLOCK_MONOTONIC, &now);
    snprintf(text, sizeof(text), "{\"status\":\"%s\",\"version\":\"%s\",\"uptime_seconds\":%lld,"
             "\"streams\":%ld}", s->draining ? "shutting down" : "ok", DCS_VERSION,
             (long long)(now.tv_sec - s->t_start.tv_sec), dcs_streams_count(s->streams));
    r.status = s->draining ? 503 : 200;
    r.answer_text = strdup(text); /* send_answer's to free */
    send_answer(ev, &r);
    return true;
}

static void take_request(struct evhttp_request *ev, struct server *s, bool stream_only)
{
    struct dcs_job *j;

    char why[160];
    int refused;

    if (health(ev, s) || metrics(ev, s))
        return;
    if (s->draining) {
        reply_now(ev, 503, "the server is shutting down");
        return;
    }
    if ((refused = dcs_edge_refusal(ev, why, sizeof(why)))) {
        /* libevent sends no length after a CONNECT: the close ends it. */
        evhttp_add_header(evhttp_request_get_output_headers(ev), "Connection", "close");
        reply_now(ev, refused, why);
        return;
    }
    j = calloc(1, sizeof(*j));
    if (j)
        j->req = read_request(ev, s->cfg->max_body);
    if (!j || !j->req) {
        free(j);
        reply_now(ev, 500, "out of memory");
        return;
    }
    j->req->stream_only = stream_only;
    if (check_upgrade(ev, j->req)) {
        dcs_req_free(j->req);
        free(j);
        return;
    }
    j->ev = ev;
    no_delay(ev);
    clock_gettime(CLOCK_MONOTONIC, &j->t0);
    s->in_flight++;
    evhttp_request_set_on_complete_cb(ev, on_complete, s);
    dcs_pool_submit(s->pool, j);
}

static void on_request(struct evhttp_request *ev, void *arg)
{
    take_request(ev, arg, false);
}

static void on_stream_request(struct evhttp_request *ev, void *arg)
{
    take_request(ev, arg, true);
}

/* systemd (Type=notify) is told of a reload, with the time it began. */
static void notify_reloading(void)
{
    struct timespec now;
    char state[96];

    clock_gettime(CLOCK_MONOTONIC, &now);
    snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)now.tv_sec * 1000000ULL + (unsigned long long)now.tv_nsec / 1000);
    dcs_sd_notify(state);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct server *s = arg;
    struct dcs_error err = {0};
    char text[DCS_ERROR_PATH_LEN + DCS_ERROR_TEXT_LEN + 4];

    (void)what;
    if (sig == SIGHUP) {
        if (!s->cfg->keys_file[0])
            return;
        notify_reloading();
        /* All or nothing: a file half written or with a typo must neither
         * lock everyone out nor drop a line silently (README). */
        if (dcs_http_reload_auth(s->cfg->keys_file, &err))
            dcs_http_log("keys file not reloaded, the keys in force stay: %s",
                         dcs_error_format(&err, text, sizeof(text)));
        else
            dcs_http_log("keys file %s reloaded", s->cfg->keys_file);
        dcs_sd_notify("READY=1");
        return;
    }
    if (s->draining)
        return;
    /* Stop accepting; answer what is in flight, then leave the loop. */
    dcs_http_log("shutting down: %ld request(s) in flight", s->in_flight);
    dcs_sd_notify("STOPPING=1");
    s->draining = true;
    dcs_conns_stop(s->conns);
    if (s->sock)
        evhttp_del_accept_socket(s->http, s->sock);
    s->sock = NULL;
    if (s->stream_sock)
        evhttp_del_accept_socket(s->stream_http, s->stream_sock);
    s->stream_sock = NULL;
    {
        /* A client that vanished never completes its answer: a bound. */
        struct timeval bound = {DCS_HTTP_DRAIN_SECONDS, 0};
        event_base_loopexit(s->base, &bound);
    }
    dcs_streams_shutdown(s->streams, on_streams_empty, s);
}

static void http_settings(struct server *s, struct evhttp *http)
{
    /* Over the limit, the request is still read (up to a hard cap) so that
     * the answer is our JSON 413, not libevent's page. */
    evhttp_set_max_body_size(http, (ev_ssize_t)(s->cfg->max_body * 4 + 65536));
    /* Above our own limits (edge.c), so that a request between the two
     * gets our 414 or 431; past this one libevent stops reading. */
    evhttp_set_max_headers_size(http, DCS_EDGE_HARD_HEADERS);
    /* Every method libevent knows reaches us, for a JSON 405. */
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                     EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
                                     EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS |
                                     EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
    evhttp_set_timeout(http, 120);
}

/* --stream-listen: a listener of its own, for the Stream API only. */
static int setup_stream(struct server *s, struct dcs_error *err)
{
    if (!s->cfg->stream_host[0])
        return DCS_OK;
    s->stream_http = evhttp_new(s->base);
    if (!s->stream_http)
        return dcs_error_status(err, 500, NULL, "cannot create the event loop");
    http_settings(s, s->stream_http);
    evhttp_set_gencb(s->stream_http, on_stream_request, s);
    s->stream_sock = evhttp_bind_socket_with_handle(s->stream_http, s->cfg->stream_host,
                                                    (ev_uint16_t)s->cfg->stream_port);
    if (!s->stream_sock)
        return dcs_error_status(err, 400, "--stream-listen", "cannot listen on %s:%d",
                                s->cfg->stream_host, s->cfg->stream_port);
    if (dcs_conns_watch(s->conns, s->stream_http, s->stream_sock))
        return dcs_error_status(err, 500, NULL, "cannot watch the stream listener");
    return DCS_OK;
}

/* Each connection is a descriptor, and a stream's one more to the engine:
 * the soft limit (often 1024) raised toward the hard one to hold them. */
static void fd_room(const struct dcs_serve_config *cfg)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)cfg->max_connections * 2 + 64;

    if (getrlimit(RLIMIT_NOFILE, &rl))
        return;
    if (rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < want)
        dcs_http_log("%llu file descriptors (ulimit -n): --max-connections %zu may run out "
                     "of them first (accepting then pauses a second at a time)",
                     (unsigned long long)rl.rlim_cur, cfg->max_connections);
}

static int setup(struct server *s, struct dcs_engine *proto, struct dcs_error *err)
{
    fd_room(s->cfg);
    clock_gettime(CLOCK_MONOTONIC, &s->t_start);
    s->base = event_base_new();
    s->http = s->base ? evhttp_new(s->base) : NULL;
    if (!s->http)
        return dcs_error_status(err, 500, NULL, "cannot create the event loop");
    http_settings(s, s->http);
    evhttp_set_gencb(s->http, on_request, s);
    s->sock = evhttp_bind_socket_with_handle(s->http, s->cfg->host, (ev_uint16_t)s->cfg->port);
    if (!s->sock)
        return dcs_error_status(err, 400, "--listen", "cannot listen on %s:%d",
                                s->cfg->host, s->cfg->port);
    s->conns = dcs_conns_new(s->base, s->cfg->max_connections);
    if (!s->conns || dcs_conns_watch(s->conns, s->http, s->sock))
        return dcs_error_status(err, 500, NULL, "cannot count connections");
    if (setup_stream(s, err))
        return DCS_ERR;
    s->streams = dcs_streams_new(s->base, s->cfg, proto);
    s->pool = s->streams ? dcs_pool_new(s->base, s->cfg, proto, deliver, s) : NULL;
    if (!s->pool)
        return dcs_error_status(err, 500, NULL, "cannot start the worker threads");
    return DCS_OK;
}

int dcs_http_serve(const struct dcs_serve_config *cfg, struct dcs_error *err)
{
    struct server s = {0};
    struct dcs_engine *proto;
    struct dcs_error e = {0};
    struct event *sigs[3] = {0};
    const int signums[3] = {SIGTERM, SIGINT, SIGHUP};
    int rc;

    evthread_use_pthreads();
    dcs_http_log_json(cfg->log_json);
    dcs_metrics_start();
    s.cfg = cfg;
    proto = dcs_engine_open(&cfg->engine, &e);
    if (!proto)
        dcs_http_log("engine: %s (serving anyway: 503 until it answers)", e.text);
    rc = setup(&s, proto, err);
    for (int i = 0; !rc && i < 3; i++) {
        sigs[i] = evsignal_new(s.base, signums[i], on_signal, &s);
        evsignal_add(sigs[i], NULL);
    }
    if (!rc) {
        dcs_http_log("listening on http://%s:%d/ (engine %s, %d workers%s)", cfg->host,
                     cfg->port, cfg->engine.host, cfg->workers,
                     cfg->insecure ? ", NO AUTHENTICATION" : "");
        if (cfg->stream_host[0])
            dcs_http_log("stream API also on ws://%s:%d/", cfg->stream_host,
                         cfg->stream_port);
        /* Listening: clients may come (systemd's Type=notify). */
        dcs_sd_notify("READY=1\nSTATUS=serving the Docker Cloud API");
        event_base_dispatch(s.base);
        dcs_http_log("stopped");
    }
    dcs_pool_free(s.pool);
    /* Before evhttp_free: stream connections are evhttp connections. */
    dcs_streams_free(s.streams);
    for (int i = 0; i < 3; i++)
        if (sigs[i])
            event_free(sigs[i]);
    if (s.http)
        evhttp_free(s.http);
    if (s.stream_http)
        evhttp_free(s.stream_http);
    dcs_conns_free(s.conns);
    if (s.base)
        event_base_free(s.base);
    dcs_engine_free(proto);
    return rc;
}
