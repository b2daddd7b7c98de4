/*
 * connections.c - at most --max-connections client connections open at once.
 *
 * At the limit the listeners stop accepting, and the kernel queues the
 * clients that come next (its listen backlog) until a connection closes:
 * an HTTP client waits rather than meeting a reset, and no descriptor or
 * buffer is spent on it meanwhile.  An accept that fails for want of
 * descriptors (EMFILE) stops the listeners for a second instead of failing
 * again at once, which would spin the loop.
 *
 * libevent 2.1 has no connection count of its own (2.2's
 * evhttp_set_max_connections), so it is kept here with public calls only:
 * evhttp asks us for each new connection's bufferevent (evhttp_set_bevcb),
 * and, once it has set the bufferevent's callbacks with its connection as
 * their argument, we ask that connection to tell us when it closes.  That
 * second step runs at once after the accept, from an event made active by
 * it; the bufferevent is held by a reference meanwhile, so that one freed
 * in between (callbacks cleared) is seen as closed, never read freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "http/pool.h"

#define CONNS_MAX_LISTENERS 4

struct dcs_conns {
    struct event_base *base;
    size_t max;
    size_t open;
    bool paused;      /* at the limit */
    bool starved;     /* out of descriptors: a second's pause */
    bool told;        /* that it was starved, since the last accept */
    bool stopped;     /* shutting down: the listeners are gone */
    struct evconnlistener *listener[CONNS_MAX_LISTENERS];
    int listeners;
    struct bufferevent **pending; /* accepted, not yet adopted */
    size_t n_pending, cap_pending;
    struct event *adopt;
    struct event *retry;
};

static void set_accepting(struct dcs_conns *c)
{
    bool on = !c->stopped && !c->starved && c->open < c->max;

    if (c->stopped)
        return;
    for (int i = 0; i < c->listeners; i++)
        on ? evconnlistener_enable(c->listener[i]) : evconnlistener_disable(c->listener[i]);
    if (!on && !c->paused && !c->starved)
        dcs_http_log("%zu connections open (--max-connections): new ones wait", c->open);
    c->paused = !on;
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
    struct dcs_conns *c = arg;

    (void)evcon;
    c->open--;
    if (c->paused)
        set_accepting(c);
}

static void adopt_all(evutil_socket_t fd, short what, void *arg)
{
    struct dcs_conns *c = arg;
    bufferevent_data_cb read_cb;
    void *evcon;

    (void)fd;
    (void)what;
    for (size_t i = 0; i < c->n_pending; i++) {
        bufferevent_getcb(c->pending[i], &read_cb, NULL, NULL, &evcon);
        if (read_cb && evcon)
            evhttp_connection_set_closecb(evcon, on_close, c);
        else
            c->open--; /* gone already */
        bufferevent_decref(c->pending[i]);
    }
    c->n_pending = 0;
    if (c->paused)
        set_accepting(c);
}

static struct bufferevent *on_accept(struct event_base *base, void *arg)
{
    struct dcs_conns *c = arg;
    struct bufferevent *bev;
    struct bufferevent **p;

    if (c->n_pending == c->cap_pending) {
        size_t cap = c->cap_pending ? c->cap_pending * 2 : 16;
        if (!(p = realloc(c->pending, cap * sizeof(*p))))
            return NULL; /* evhttp makes its own: this one is not counted */
        c->pending = p;
        c->cap_pending = cap;
    }
    if (!(bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)))
        return NULL;
    bufferevent_incref(bev);
    c->told = false;
    c->pending[c->n_pending++] = bev;
    c->open++;
    event_active(c->adopt, EV_TIMEOUT, 0);
    if (c->open >= c->max)
        set_accepting(c);
    return bev;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    struct dcs_conns *c = arg;

    (void)fd;
    (void)what;
    c->starved = false;
    set_accepting(c);
}

/* A listener's error callback gets the listener's argument, which is
 * evhttp's: the conns watching it are found here (one loop thread). */
static struct {
    struct evconnlistener *lev;
    struct dcs_conns *c;
} watching[CONNS_MAX_LISTENERS];

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
    struct dcs_conns *c = NULL;
    struct timeval second = {1, 0};
    int e = EVUTIL_SOCKET_ERROR();

    (void)arg;
    for (int i = 0; i < CONNS_MAX_LISTENERS; i++)
        if (watching[i].lev == lev)
            c = watching[i].c;
    if (!c || c->stopped)
        return;
    if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM)
        return;
    if (!c->told)
        dcs_http_log("cannot accept a connection (%s, %zu open): accepting again in 1 s",
                     strerror(e), c->open);
    c->starved = c->told = true;
    set_accepting(c);
    evtimer_add(c->retry, &second);
}

struct dcs_conns *dcs_conns_new(struct event_base *base, size_t max)
{
    struct dcs_conns *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->base = base;
    c->max = max;
    c->adopt = event_new(base, -1, 0, adopt_all, c);
    c->retry = evtimer_new(base, on_retry, c);
    if (!c->adopt || !c->retry) {
        dcs_conns_free(c);
        return NULL;
    }
    return c;
}

int dcs_conns_watch(struct dcs_conns *c, struct evhttp *http, struct evhttp_bound_socket *sock)
{
    struct evconnlistener *lev = evhttp_bound_socket_get_listener(sock);

    if (!lev || c->listeners == CONNS_MAX_LISTENERS)
        return DCS_ERR;
    for (int i = 0; i < CONNS_MAX_LISTENERS; i++)
        if (!watching[i].lev) {
            watching[i].lev = lev;
            watching[i].c = c;
            evconnlistener_set_error_cb(lev, on_accept_error);
            break;
        }
    c->listener[c->listeners++] = lev;
    evhttp_set_bevcb(http, on_accept, c);
    return DCS_OK;
}

size_t dcs_conns_open(const struct dcs_conns *c)
{
    return c ? c->open : 0;
}

static void forget(struct dcs_conns *c)
{
    for (int i = 0; i < CONNS_MAX_LISTENERS; i++)
        if (watching[i].c == c)
            watching[i].lev = NULL, watching[i].c = NULL;
}

void dcs_conns_stop(struct dcs_conns *c)
{
    if (!c)
        return;
    c->stopped = true;
    forget(c);
}

void dcs_conns_free(struct dcs_conns *c)
{
    if (!c)
        return;
    forget(c);
    for (size_t i = 0; i < c->n_pending; i++)
        bufferevent_decref(c->pending[i]);
    free(c->pending);
    if (c->adopt)
        event_free(c->adopt);
    if (c->retry)
        event_free(c->retry);
    free(c);
}
