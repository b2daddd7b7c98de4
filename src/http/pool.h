/*
 * pool.h - the front end's own parts: the worker threads of dcswarm serve
 * (worker.c) and the connection limit (connections.c).
 */
#ifndef DCS_HTTP_POOL_H
#define DCS_HTTP_POOL_H

#include <time.h>

#include <event2/event.h>
#include <event2/http.h>

#include "http/api.h"

struct dcs_job {
    struct evhttp_request *ev;  /* loop thread only */
    struct dcs_req *req;        /* the worker's while it is queued */
    struct timespec t0;
    struct dcs_job *next;
};

typedef void (*dcs_job_fn)(struct dcs_job *j, void *ctx);

struct dcs_pool;

/* cfg->workers threads; proto (a connected engine, or NULL when the engine
 * did not answer at start) is cloned for each.  deliver runs on the loop
 * thread of base for each finished job. */
struct dcs_pool *dcs_pool_new(struct event_base *base, const struct dcs_serve_config *cfg,
                              const struct dcs_engine *proto, dcs_job_fn deliver,
                              void *ctx);
void dcs_pool_submit(struct dcs_pool *p, struct dcs_job *j);
/* Finish the queued jobs, stop the threads, free. */
void dcs_pool_free(struct dcs_pool *p);

/* Handle one request completely (auth, route, handler, answer fields of
 * req).  Runs on a worker thread. */
void dcs_http_handle(struct dcs_ctx *c);
/* Its first half, everything a request is checked for before a handler
 * reads the swarm: path, route, credentials, namespace, query, body. */
int dcs_http_prepare(struct dcs_ctx *c, struct dcs_error *err);


/* At most `max` client connections open on the listeners watched; the
 * loop thread of base only.  Free after evhttp_free (its connections
 * report their close here) and before event_base_free. */
struct dcs_conns;
struct dcs_conns *dcs_conns_new(struct event_base *base, size_t max);
int dcs_conns_watch(struct dcs_conns *c, struct evhttp *http,
                    struct evhttp_bound_socket *sock);
size_t dcs_conns_open(const struct dcs_conns *c);
/* Before the listeners are deleted: never touch them again. */
void dcs_conns_stop(struct dcs_conns *c);
void dcs_conns_free(struct dcs_conns *c);

#endif
