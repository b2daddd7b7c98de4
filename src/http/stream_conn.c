/*
 * stream_conn.c - stream connections: the one place where a connection leaves
 * evhttp (libevent 2.1 has no WebSocket server).
 *
 * Hand-over: once a worker has accepted a stream request (auth, namespace,
 * object found), the loop thread takes the request's bufferevent from its
 * evhttp connection, puts its own callbacks on it and writes the 101 (or a
 * chunked 200) itself.  evhttp keeps owning the connection object, idle,
 * until evhttp_connection_free() here closes it; a client that left before
 * the hand-over has no connection any more, and its request is freed by an
 * evhttp_send_reply() that sends nothing.
 *
 * Producers push whole messages into a queue under a mutex and wake the
 * loop; the loop frames them into the socket's buffer only while that
 * holds less than DCS_SCONN_OUT_HIGH bytes, so a slow reader fills the
 * queue, and a full queue drops (streams.h).  A connection is freed when
 * both sides are done with it: the client gone or the stream ended, and the
 * producer stopped.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>

#include "http/streams.h"

struct msg {
    struct msg *next;
    size_t len;
    char data[];
};

struct dcs_streams {
    struct event_base *base;
    const struct dcs_serve_config *cfg;
    const struct dcs_engine *proto;
    struct dcs_sconn *list;
    long n;
    struct dcs_eventhub *hub;
    void (*on_empty)(void *);
    void *on_empty_arg;
    bool shutting;
};

struct dcs_sconn {
    struct dcs_streams *ss;
    struct dcs_sconn *prev, *next;
    /* loop thread only */
    struct evhttp_connection *evcon;   /* NULL once closed */
    struct bufferevent *bev;
    struct dcs_ws *ws;                 /* NULL: NDJSON */
    bool chunked;                      /* NDJSON in chunks, else until close */
    bool ending;                       /* the end is queued: close frame, last chunk */
    bool flushing;                     /* close once the output is written */
    struct event *wake, *timer;
    enum dcs_stream_kind kind;
    void *producer;                    /* the log thread's, while !done */
    char path[256];
    struct timespec t0;
    size_t sent;
    /* shared, under lock */
    pthread_mutex_t lock;
    struct msg *head, *tail;
    size_t queued, dropped, dropped_total;
    bool woken, done, cancelled;
};

/* ==================== the queue (any thread) ==================== */

static int enqueue(struct dcs_sconn *s, const char *data, size_t len)
{
    struct msg *m = malloc(sizeof(*m) + len);

    if (!m)
        return DCS_ERR;
    m->next = NULL;
    m->len = len;
    memcpy(m->data, data, len);
    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    s->queued += len;
    return DCS_OK;
}

static void wake_locked(struct dcs_sconn *s)
{
    if (!s->woken) {
        s->woken = true;
        event_active(s->wake, EV_READ, 0);
    }
}

/* The notice of what was dropped, once the reader has caught up. */
static void notice_locked(struct dcs_sconn *s)
{
    struct dcs_strbuf b = {0};
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    if (s->kind == DCS_STREAM_LOGS) {
        dcs_log_drop_notice(&b, s->dropped, (long long)now.tv_sec);
    } else {
        json_t *ev = dcs_event_drop_notice(s->dropped, (long long)now.tv_sec * 1000000000LL);
        char *text = json_dumps(ev, JSON_COMPACT);
        if (text)
            dcs_strbuf_append(&b, text, strlen(text));
        free(text);
        json_decref(ev);
    }
    if (!b.failed && b.len && !enqueue(s, b.data, b.len))
        s->dropped = 0;
    dcs_strbuf_release(&b);
}

int dcs_sconn_push(struct dcs_sconn *s, const char *msg, size_t len)
{
    int rc = DCS_OK;

    pthread_mutex_lock(&s->lock);
    if (s->cancelled) {
        rc = DCS_STOP;
    } else {
        if (s->dropped && s->queued < s->ss->cfg->max_stream_buffer / 2)
            notice_locked(s);
        if (s->queued + len > s->ss->cfg->max_stream_buffer || enqueue(s, msg, len)) {
            s->dropped++;
            s->dropped_total++;
        }
        wake_locked(s);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void dcs_sconn_producer_done(struct dcs_sconn *s, const char *last_msg)
{
    pthread_mutex_lock(&s->lock);
    if (last_msg && !s->cancelled)
        enqueue(s, last_msg, strlen(last_msg));
    s->done = true;
    wake_locked(s);
    pthread_mutex_unlock(&s->lock);
}

void dcs_sconn_set_producer(struct dcs_sconn *s, void *producer)
{
    pthread_mutex_lock(&s->lock);
    s->producer = producer;
    pthread_mutex_unlock(&s->lock);
}

bool dcs_sconn_cancelled(struct dcs_sconn *s)
{
    bool c;

    pthread_mutex_lock(&s->lock);
    c = s->cancelled;
    pthread_mutex_unlock(&s->lock);
    return c;
}

static struct msg *pop(struct dcs_sconn *s, bool *done)
{
    struct msg *m;

    pthread_mutex_lock(&s->lock);
    m = s->head;
    if (m) {
        s->head = m->next;
        if (!s->head)
            s->tail = NULL;
        s->queued -= m->len;
    }
    *done = s->done;
    pthread_mutex_unlock(&s->lock);
    return m;
}

/* ==================== the loop side ==================== */

static double elapsed_s(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void sconn_free(struct dcs_sconn *s)
{
    struct dcs_streams *ss = s->ss;
    struct msg *m;

    dcs_http_log("stream %s ended after %.1f s: %zu message(s) sent, %zu dropped", s->path,
                 elapsed_s(&s->t0), s->sent, s->dropped_total);
    while ((m = s->head)) {
        s->head = m->next;
        free(m);
    }
    if (s->wake)
        event_free(s->wake);
    if (s->timer)
        event_free(s->timer);
    pthread_mutex_destroy(&s->lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        ss->list = s->next;
    if (s->next)
        s->next->prev = s->prev;
    free(s);
    if (--ss->n == 0 && ss->on_empty)
        ss->on_empty(ss->on_empty_arg);
}

static void maybe_free(struct dcs_sconn *s)
{
    bool done;

    pthread_mutex_lock(&s->lock);
    done = s->done;
    pthread_mutex_unlock(&s->lock);
    if (!s->evcon && done)
        sconn_free(s);
}

/* Stop the producer: the log thread's engine transfer is shut down at
 * once; an events client leaves the hub, which then never pushes to it. */
static void stop_producer(struct dcs_sconn *s)
{
    bool hub = false;

    pthread_mutex_lock(&s->lock);
    if (!s->cancelled) {
        s->cancelled = true;
        if (s->kind == DCS_STREAM_LOGS && !s->done && s->producer)
            dcs_logs_cancel(s->producer);
        hub = s->kind == DCS_STREAM_EVENTS && !s->done;
    }
    pthread_mutex_unlock(&s->lock);
    if (hub) {
        dcs_eventhub_remove(s->ss->hub, s);
        pthread_mutex_lock(&s->lock);
        s->done = true;
        pthread_mutex_unlock(&s->lock);
    }
}

/* Close the connection (the client left, or the end was written). */
static void teardown(struct dcs_sconn *s)
{
    if (s->evcon) {
        evhttp_connection_free(s->evcon);
        s->evcon = NULL;
        s->bev = NULL;
    }
    dcs_ws_free(s->ws);
    s->ws = NULL;
    if (s->timer)
        event_del(s->timer);
    stop_producer(s);
    maybe_free(s);
}

static void close_when_flushed(struct dcs_sconn *s)
{
    s->flushing = true;
    bufferevent_disable(s->bev, EV_READ);
    if (!evbuffer_get_length(bufferevent_get_output(s->bev)))
        teardown(s);
}

/* Write the end: a close frame (then wait for the client's, briefly), or
 * the last chunk. */
static void end_stream(struct dcs_sconn *s, int code)
{
    struct timeval wait = {DCS_SCONN_CLOSE_WAIT, 0};

    if (s->ending || !s->bev)
        return;
    s->ending = true;
    if (s->ws) {
        dcs_ws_close(s->ws, code);
        evtimer_add(s->timer, &wait);
        return;
    }
    if (s->chunked)
        evbuffer_add(bufferevent_get_output(s->bev), "0\r\n\r\n", 5);
    close_when_flushed(s);
}

static void write_msg(struct dcs_sconn *s, const struct msg *m)
{
    struct evbuffer *out = bufferevent_get_output(s->bev);

    if (s->ws) {
        dcs_ws_text(s->ws, m->data, m->len);
    } else if (s->chunked) {
        evbuffer_add_printf(out, "%zx\r\n", m->len + 1);
        evbuffer_add(out, m->data, m->len);
        evbuffer_add(out, "\n\r\n", 3);
    } else {
        evbuffer_add(out, m->data, m->len);
        evbuffer_add(out, "\n", 1);
    }
    s->sent++;
}

/* Move queued messages into the socket's buffer while it is short. */
static void pump(struct dcs_sconn *s)
{
    bool done = false;

    while (s->bev && !s->ending && !s->flushing &&
           evbuffer_get_length(bufferevent_get_output(s->bev)) < DCS_SCONN_OUT_HIGH) {
        struct msg *m = pop(s, &done);
        if (!m) {
            if (done)
                end_stream(s, 1000);
            break;
        }
        write_msg(s, m);
        free(m);
    }
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    struct dcs_sconn *s = arg;

    (void)fd;
    (void)what;
    pthread_mutex_lock(&s->lock);
    s->woken = false;
    pthread_mutex_unlock(&s->lock);
    if (!s->evcon) {
        maybe_free(s);
        return;
    }
    pump(s);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct dcs_sconn *s = arg;

    if (!s->ws) {
        /* Nothing is expected from an NDJSON client. */
        evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
        return;
    }
    if (!dcs_ws_io(s->ws))
        close_when_flushed(s);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    struct dcs_sconn *s = arg;

    (void)bev;
    if (s->flushing) {
        teardown(s);
        return;
    }
    pump(s);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct dcs_sconn *s = arg;

    (void)bev;
    (void)what;
    teardown(s);
}

/* The client did not answer our close frame in time. */
static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    teardown(arg);
}

/* ==================== start ==================== */

static int write_head(struct dcs_sconn *s, struct evhttp_request *ev,
                      const struct dcs_stream_plan *p)
{
    struct evbuffer *out = bufferevent_get_output(s->bev);
    static const char ndjson[] = "Content-Type: application/x-ndjson\r\n"
                                 "Cache-Control: no-cache\r\nConnection: close\r\n";

    if (p->ws) {
        s->ws = dcs_ws_new(bufferevent_get_input(s->bev), out, s->ss->cfg->max_ws_message);
        return s->ws ? dcs_ws_handshake(out, p->ws_key) : DCS_ERR;
    }
    s->chunked = ev->major == 1 && ev->minor >= 1;
    if (s->chunked)
        return evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n%sTransfer-Encoding: chunked\r\n\r\n",
                                   ndjson) < 0 ? DCS_ERR : DCS_OK;
    return evbuffer_add_printf(out, "HTTP/1.0 200 OK\r\n%s\r\n", ndjson) < 0 ? DCS_ERR : DCS_OK;
}

static struct dcs_sconn *sconn_new(struct dcs_streams *ss, struct evhttp_connection *evcon,
                                   const struct dcs_req *r)
{
    struct dcs_sconn *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->ss = ss;
    s->evcon = evcon;
    s->bev = evhttp_connection_get_bufferevent(evcon);
    s->kind = r->stream->kind;
    snprintf(s->path, sizeof(s->path), "%s", r->path);
    clock_gettime(CLOCK_MONOTONIC, &s->t0);
    s->wake = event_new(ss->base, -1, 0, on_wake, s);
    s->timer = evtimer_new(ss->base, on_timer, s);
    s->next = ss->list;
    if (ss->list)
        ss->list->prev = s;
    ss->list = s;
    ss->n++;
    if (!s->wake || !s->timer) {
        s->evcon = NULL;
        s->done = true;
        sconn_free(s);
        return NULL;
    }
    return s;
}

/* The producer of s: a log thread, or the event hub. */
static int start_producer(struct dcs_sconn *s, struct dcs_req *r)
{
    struct dcs_streams *ss = s->ss;
    struct dcs_stream_plan *p = r->stream;
    json_t *filter = p->filter;

    r->stream = NULL;
    if (p->kind == DCS_STREAM_LOGS)
        return dcs_logs_start(s, p, ss->proto, ss->cfg);
    p->filter = NULL;
    if (!ss->hub)
        ss->hub = dcs_eventhub_new(ss->cfg, ss->proto);
    if (!ss->hub || dcs_eventhub_add(ss->hub, s, p->ns, filter,
                                          r->rt.family == DCS_FAM_TUTUM)) {
        dcs_stream_plan_free(p);
        return DCS_ERR;
    }
    dcs_stream_plan_free(p);
    return DCS_OK;
}

void dcs_streams_start(struct dcs_streams *ss, struct evhttp_request *ev, struct dcs_req *r)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(ev);
    struct dcs_sconn *s;

    if (!evcon || ss->shutting) {
        /* Gone already (evhttp keeps the request for this reply), or the
         * server is stopping. */
        evhttp_send_reply(ev, 503, "Service Unavailable", NULL);
        dcs_req_free(r);
        return;
    }
    s = sconn_new(ss, evcon, r);
    if (!s) {
        evhttp_send_error(ev, 500, "out of memory");
        dcs_req_free(r);
        return;
    }
    bufferevent_setcb(s->bev, on_read, on_write, on_event, s);
    bufferevent_set_timeouts(s->bev, NULL, NULL);
    bufferevent_setwatermark(s->bev, EV_READ | EV_WRITE, 0, 0);
    bufferevent_enable(s->bev, EV_READ | EV_WRITE);
    dcs_http_log_request("GET", r->path, r->stream->ws ? 101 : 200, 0, r->user, NULL,
                         r->stream->kind == DCS_STREAM_LOGS ? "(logs stream)"
                                                            : "(events stream)");
    if (write_head(s, ev, r->stream) || start_producer(s, r)) {
        s->done = true;
        teardown(s);
    } else if (evbuffer_get_length(bufferevent_get_input(s->bev))) {
        on_read(s->bev, s);
    }
    dcs_req_free(r);
}

/* ==================== the set ==================== */

struct dcs_streams *dcs_streams_new(struct event_base *base, const struct dcs_serve_config *cfg,
                                    const struct dcs_engine *proto)
{
    struct dcs_streams *ss = calloc(1, sizeof(*ss));

    if (!ss)
        return NULL;
    ss->base = base;
    ss->cfg = cfg;
    ss->proto = proto;
    return ss;
}

long dcs_streams_count(const struct dcs_streams *ss)
{
    return ss ? ss->n : 0;
}

void dcs_streams_shutdown(struct dcs_streams *ss, void (*on_empty)(void *), void *arg)
{
    struct dcs_sconn *s, *next;

    ss->shutting = true;
    ss->on_empty = on_empty;
    ss->on_empty_arg = arg;
    if (!ss->n) {
        on_empty(arg);
        return;
    }
    for (s = ss->list; s; s = next) {
        next = s->next;
        stop_producer(s);
        end_stream(s, 1001);
    }
}

void dcs_streams_free(struct dcs_streams *ss)
{
    if (!ss)
        return;
    ss->on_empty = NULL;
    /* The loop is over: close what is left, wait for the producers. */
    for (int i = 0; ss->list && i < 500; i++) {
        struct dcs_sconn *s, *next;
        for (s = ss->list; s; s = next) {
            next = s->next;
            if (s->evcon)
                teardown(s);
            else
                maybe_free(s);
        }
        if (ss->list)
            usleep(10000);
    }
    dcs_eventhub_free(ss->hub);
    free(ss);
}
