/*
 * engine.h - one connection to a Docker Engine (API v1.30 to v1.41), on libcurl.
 *
 * Ownership, in jansson's words: a json_t * returned to the caller is a new
 * reference (json_decref() it); json_t * arguments are borrowed.  A char *
 * returned is malloc'd and the caller free()s it.
 *
 * Threading: a struct dcs_engine is used by one thread at a time.  Give each
 * worker thread its own handle with dcs_engine_clone(), which does no I/O
 * and no version negotiation.  The only call any thread may make on a handle
 * that another thread is using is dcs_engine_cancel().
 *
 * The environment is read in one place only: dcs_engine_config_from_env(),
 * through the getenv-like function it is given.
 *
 * err->status (see error.h) is the engine's own HTTP status when the engine
 * answered (400 invalid spec, 404 not found, 409 name conflict, 500, 503 not
 * a swarm manager, ...), and otherwise:
 *   400  bad DOCKER_HOST / engine URL / TLS files, or plain HTTP sent to
 *        an engine that expects TLS
 *   499  the request was cancelled with dcs_engine_cancel()
 *   500  out of memory
 *   501  the engine's API is too old (or too new) for this code
 *   502  the engine cannot be reached, the connection broke, or the engine
 *        sent something that is not its API
 *   503  the engine is not in swarm mode, or is a worker, not a manager
 *   504  the engine accepted the request but did not answer in time
 */
#ifndef DCS_SWARM_ENGINE_H
#define DCS_SWARM_ENGINE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "util/error.h"
#include "swarm/stream.h"   /* DCS_STOP */

/* The newest Engine API this code knows; a newer engine is spoken to in it. */
#define DCS_ENGINE_API_MAX "1.41"
/* The oldest we accept: service and node events and configs came in 1.30. */
#define DCS_ENGINE_API_MIN "1.30"

#define DCS_ENGINE_DEFAULT_SOCKET "/var/run/docker.sock"
#define DCS_ENGINE_STR_LEN 1024

struct dcs_engine_config {
    /* As the user would write it, for messages: unix:///p, tcp://h:p[/base]. */
    char host[DCS_ENGINE_STR_LEN];
    /* What curl is given: http://localhost, http://h:p or https://h:p[/base]. */
    char url[DCS_ENGINE_STR_LEN];
    /* The unix socket, or "" for tcp. */
    char socket_path[DCS_ENGINE_STR_LEN];
    /* 1: TLS, the peer checked against ca_file, cert_file/key_file presented. */
    int tls;
    char ca_file[DCS_ENGINE_STR_LEN];
    char cert_file[DCS_ENGINE_STR_LEN];
    char key_file[DCS_ENGINE_STR_LEN];
    long connect_timeout_ms;   /* default 10000 */
    long timeout_ms;           /* whole request, not streams; default 60000 */
    int update_attempts;       /* dcs_service_update_with(); default 40 */
};

/* The shape of getenv(3), so that getenv itself can be passed. */
typedef char *(*dcs_getenv_fn)(const char *name);

/* Defaults: unix:///var/run/docker.sock, no TLS, the timeouts above. */
void dcs_engine_config_init(struct dcs_engine_config *cfg);

/*
 * Parse a Docker host the way the docker CLI parses -H / DOCKER_HOST:
 * unix:///path (empty path: the default socket), tcp://host[:port][/base]
 * (port 2375 when omitted, host "localhost" when empty), a bare host:port
 * meaning tcp; http:// and https:// are accepted as tcp without and with
 * TLS.  NULL or "" means the default: unix:///var/run/docker.sock, or
 * tcp://localhost:2376 when tls is set.  With tls, cert_dir holds ca.pem,
 * cert.pem and key.pem.  No I/O: the files are checked by dcs_engine_new().
 */
int dcs_engine_config_set_host(struct dcs_engine_config *cfg, const char *host,
                               int tls, const char *cert_dir,
                               struct dcs_error *err);

/*
 * Fill *cfg as the docker CLI would: engine_url (the --engine argument, may
 * be NULL) wins over DOCKER_HOST; DOCKER_TLS_VERIFY set to any non-empty
 * value turns TLS on; DOCKER_CERT_PATH, else $DOCKER_CONFIG, else
 * $HOME/.docker holds the TLS files.  Every variable is read through
 * getenv_fn (pass getenv, or a fake in tests).
 */
int dcs_engine_config_from_env(struct dcs_engine_config *cfg,
                               const char *engine_url, dcs_getenv_fn getenv_fn,
                               struct dcs_error *err);

struct dcs_engine;

/* A handle for cfg (copied), speaking DCS_ENGINE_API_MAX until connected.
 * Checks that the TLS files are readable; no network I/O. */
struct dcs_engine *dcs_engine_new(const struct dcs_engine_config *cfg,
                                  struct dcs_error *err);

/* GET /version to choose the API version, then GET /info to check that the
 * engine is an active swarm manager.  Fails with one sentence naming the
 * engine and what is wrong (502, 501 or 503). */
int dcs_engine_connect(struct dcs_engine *eng, struct dcs_error *err);

/* dcs_engine_new() + dcs_engine_connect(). */
struct dcs_engine *dcs_engine_open(const struct dcs_engine_config *cfg,
                                   struct dcs_error *err);

/* A new handle to the same engine, with the version already negotiated;
 * no I/O.  For one handle per worker thread. */
struct dcs_engine *dcs_engine_clone(const struct dcs_engine *eng,
                                    struct dcs_error *err);

/* Close the connection and free.  NULL is accepted. */
void dcs_engine_free(struct dcs_engine *eng);

/* "unix:///var/run/docker.sock", as used in messages (borrowed). */
const char *dcs_engine_host(const struct dcs_engine *eng);

/* Called after each request/answer call to the engine (not streams), on
 * the thread that made it: the method, the path as sent (with its query),
 * the HTTP status (0: no answer) and how long it took.  One observer per
 * process (dcswarm serve's metrics); NULL: none. */
typedef void (*dcs_engine_observer)(const char *method, const char *path, long status,
                                    double seconds);
void dcs_engine_observe(dcs_engine_observer fn);

/* "1.41" (borrowed). */
const char *dcs_engine_api_version(const struct dcs_engine *eng);

/*
 * Make the transfer running on eng (or, if none runs, the next one) end
 * at once: its connection is shut down under it.  Any thread may call this.  A stream so ended
 * returns DCS_STOP; a normal request fails with status 499.
 */
void dcs_engine_cancel(struct dcs_engine *eng);

/*
 * Test hook: shut down the socket of the transfer in progress, as a network
 * failure would.  Call it only from a callback running on eng's own thread
 * (a stream or log or event callback).
 */
void dcs_engine_drop_connection(struct dcs_engine *eng);

/* The Warnings array of the last service create/update this handle made
 * (borrowed, valid until the next request on eng; an empty array if none). */
const json_t *dcs_engine_last_warnings(const struct dcs_engine *eng);

/*
 * Choose the API version from a GET /version answer: the engine's
 * ApiVersion capped at DCS_ENGINE_API_MAX.  Fails with 501 when it is below
 * DCS_ENGINE_API_MIN or the engine's MinAPIVersion is above the max.  host
 * is used in the message only.  Writes "1.41" to out.  Pure.
 */
int dcs_engine_negotiate(const json_t *version, const char *host, char *out,
                         size_t outlen, struct dcs_error *err);

/* Check a GET /info answer: Swarm.LocalNodeState "active" and
 * Swarm.ControlAvailable.  Fails with 503 and one sentence.  Pure. */
int dcs_engine_check_swarm(const json_t *info, const char *host,
                           struct dcs_error *err);

/*
 * One request to the engine.  path is under the version prefix and already
 * escaped ("/services?filters=..."); method is "GET", "POST" or "DELETE";
 * body (borrowed, may be NULL) is sent as JSON.  On a 2xx answer *out (when
 * out is not NULL) receives the parsed body, or NULL when it is empty.  Any
 * other answer fails with the engine's status and message.
 */
int dcs_engine_request(struct dcs_engine *eng, const char *method,
                       const char *path, const json_t *body, json_t **out,
                       struct dcs_error *err);

/* What a stream's on_open callback learns from the answer's headers. */
struct dcs_stream_head {
    const char *content_type;   /* "" when the engine sent none */
    time_t date;                /* the engine's Date header, 0 if none */
};

struct dcs_stream_handler {
    /* Called once on a 2xx answer, before any data.  May be NULL. */
    int (*on_open)(const struct dcs_stream_head *head, void *ctx,
                   struct dcs_error *err);
    /* Body bytes as they arrive: DCS_OK, DCS_STOP, or DCS_ERR with err set. */
    int (*on_data)(const char *buf, size_t len, void *ctx,
                   struct dcs_error *err);
    void *ctx;
};

/*
 * GET path as a stream.  With follow, no total timeout applies (TCP
 * keepalive guards tcp connections); without it, a transfer that stalls for
 * timeout_ms fails.  Returns DCS_OK when the engine ended the body, DCS_STOP
 * when a callback stopped it or it was cancelled, DCS_ERR otherwise (a
 * broken connection is 502).  A non-2xx answer fails with the engine's
 * status and message, without calling the handler.
 */
int dcs_engine_stream(struct dcs_engine *eng, const char *path, int follow,
                      const struct dcs_stream_handler *handler,
                      struct dcs_error *err);

#endif
