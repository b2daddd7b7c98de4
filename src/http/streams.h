/*
 * streams.h - the Stream API of dcswarm serve: service and container logs
 * and Docker Cloud events, over WebSocket (RFC 6455, framed by wslay) or,
 * without an upgrade, as chunked newline-delimited JSON.
 *
 *   ws.c                  pure pieces: the upgrade check, Sec-WebSocket-Accept,
 *                         the wslay glue over two evbuffers, log messages
 *   stream_conn.c         the connection taken over from evhttp (the one
 *                         hand-over point), on the loop thread: the 101 or
 *                         chunked head, the bounded queue producers push
 *                         into, close, shutdown
 *   stream_logs.c         logs: resolved on a worker, then read by one thread
 *                         per stream from the engine's log stream
 *   stream_action_logs.c  an action's log, re-settled while it is followed
 *   stream_event_map.c    engine events -> Docker Cloud event objects (pure)
 *   stream_events.c       one engine event stream shared by every events
 *                         client
 *
 * Threads: a stream connection (struct dcs_sconn) belongs to the loop
 * thread; its producer (a log thread, or the event hub) only pushes
 * messages into it with dcs_sconn_push(), from any thread.
 *
 * Slow readers: each connection holds at most cfg->max_stream_buffer bytes of
 * messages not yet written to its socket (plus about DCS_SCONN_OUT_HIGH in
 * the socket's buffer).  Past that, new messages are DROPPED and counted;
 * once the reader catches up it gets one notice saying how many were lost
 * (a log message from source "dcswarm" on stderr, or an event of type
 * "error").  A stream is never disconnected for being slow, and memory
 * never grows with it.
 *
 * Ownership as in jansson: json_t * arguments are borrowed unless a name
 * says _new (stolen); returned json_t * are new references.
 */
#ifndef DCS_HTTP_STREAMS_H
#define DCS_HTTP_STREAMS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "util/error.h"
#include "http/model.h"
#include "util/jsonw.h"
#include "swarm/stream.h"

#define DCS_SCONN_OUT_HIGH (64 * 1024)
/* How long a server-initiated close waits for the client's close frame. */
#define DCS_SCONN_CLOSE_WAIT 5
/* The tail when the client gives none, as Docker Cloud documented. */
#define DCS_LOGS_DEFAULT_TAIL "300"

struct evbuffer;
struct event_base;
struct evhttp_request;

/* ==================== the handshake (ws.c, pure) ==================== */

/* Is token one of the comma-separated tokens of value (case-insensitive)?
 * NULL value: false. */
bool dcs_header_has_token(const char *value, const char *token);

/*
 * Does the request ask for a WebSocket, and may it have one?  0: no upgrade
 * asked (answer as chunked JSON); 1: a valid RFC 6455 upgrade; DCS_ERR: an
 * upgrade asked wrongly (400; 426 for another Sec-WebSocket-Version).
 */
int dcs_ws_check(const char *method, const char *upgrade, const char *connection,
                 const char *version, const char *key, struct dcs_error *err);

/* Sec-WebSocket-Accept for key: base64(SHA-1(key + GUID)), 28 chars. */
void dcs_ws_accept(const char *key, char out[29]);

/* Write the 101 answer for key into out. */
int dcs_ws_handshake(struct evbuffer *out, const char *key);

/* ==================== frames (ws.c) ==================== */

/* A server-side WebSocket over two evbuffers: in holds bytes from the
 * client, out receives bytes for it (both borrowed, outliving w). */
struct dcs_ws;

/* A client's message over max_message bytes closes the connection (1009). */
struct dcs_ws *dcs_ws_new(struct evbuffer *in, struct evbuffer *out, size_t max_message);
void dcs_ws_free(struct dcs_ws *w);
/* Queue one text message (copied) and frame it into out. */
int dcs_ws_text(struct dcs_ws *w, const char *msg, size_t len);
/* Queue a close frame with code (1000 done, 1001 going away). */
int dcs_ws_close(struct dcs_ws *w, int code);
/*
 * Read every frame in `in` (pings are answered with pongs, a close with a
 * close; text from the client is ignored), then frame what is queued into
 * out.  Returns 1 while the connection is open, 0 once the close handshake
 * is over or the client broke the protocol: then close the socket.
 */
int dcs_ws_io(struct dcs_ws *w);

/* ==================== messages (ws.c, pure) ==================== */

/* s[0..n) as a JSON string (with its quotes), invalid UTF-8 bytes replaced
 * by U+FFFD so that every frame is valid text. */
void dcs_json_string(struct dcs_strbuf *b, const char *s, size_t n);

/*
 * One log message, exactly
 *   {"type":"log","source":S,"log":L,"streamType":T,"timestamp":N}
 * L being the line with its "\n" (none for a partial line), T "stderr" for
 * the engine's stderr and its own messages, else "stdout", N integer
 * seconds (the record's engine time, else now_s).
 */
void dcs_log_message(struct dcs_strbuf *b, const char *source,
                     const struct dcs_log_record *rec, long long now_s);

/* The notice a log stream gets after dropped lines. */
void dcs_log_drop_notice(struct dcs_strbuf *b, size_t dropped, long long now_s);

/* ==================== events (stream_event_map.c, pure) ==================== */

/* What the hub learned about one engine event, to make one Docker Cloud
 * event of. */
struct dcs_evinfo {
    const char *type;       /* service, container, node, action */
    const char *action;     /* create, update, delete */
    const char *ns;         /* owning namespace; NULL: every one (nodes) */
    const char *uuid;       /* the object's Docker Cloud uuid */
    const char *state;      /* its Docker Cloud state */
    const json_t *parents;  /* resource URIs (array), or NULL for [] */
    long long time_ns;      /* the engine event's time */
};

/* resource_uri of a Docker Cloud object: /api/app/v1/<ns>/service/<u>/,
 * /api/infra/v1/node/<u>/, /api/audit/v1/action/<u>/. */
void dcs_event_uri(const char *type, const char *ns, const char *uuid, char *out,
                   size_t len);

/* Any resource URI of an object (/api/v1/service/<u>/, /api/app/v1/[ns/]
 * service/<u>/, ...) in the form events carry (dcs_event_uri) of
 * namespace ns, into out; uri itself when it names no object. */
void dcs_event_canonical_uri(const char *uri, const char *ns, char *out, size_t len);

/* The event as a client of the Tutum paths (/v1/events, /api/v1/...) sees
 * it: resource_uri and parents as its REST API writes them,
 * /api/v1/<type>/<uuid>/ (new). */
json_t *dcs_event_tutum(const json_t *event);

/* {"type","action","parents","resource_uri","state","uuid","datetime"}:
 * every key in every event (go-dockercloud reuses one struct), datetime
 * ISO 8601 with seconds. */
json_t *dcs_event_object(const struct dcs_evinfo *in, const char *event_uuid);

/* The Docker Cloud action (create, update, delete) of an engine event
 * (Type, Action), or NULL for one that makes no event. */
const char *dcs_event_action(const char *type, const char *action);

/* A container's Docker Cloud state after an engine container event. */
const char *dcs_event_container_state(const char *action);


/* A node's state from its event's attributes ("state.new"). */
const char *dcs_event_node_state(const json_t *attributes);

/*
 * Does event (an object made by dcs_event_object, owned by namespace
 * ev_ns, NULL: everyone's) go to a client of namespace ns with filter
 * (the query: {"type": "a,b", "object": uri, "parents"/"parent": "a,b"};
 * may be NULL)?
 */
bool dcs_event_match(const json_t *event, const char *ev_ns, const char *ns,
                     const json_t *filter);

/* The event of type "error" a client gets after dropped events. */
json_t *dcs_event_drop_notice(size_t dropped, long long now_ns);

/* ==================== stream connections (stream_conn.c) ==================== */

struct dcs_sconn;
struct dcs_streams;

/* What a worker decided for a stream request (dcs_req.stream). */
enum dcs_stream_kind { DCS_STREAM_LOGS = 1, DCS_STREAM_EVENTS };

struct dcs_stream_plan {
    enum dcs_stream_kind kind;
    bool ws;                    /* WebSocket, else chunked NDJSON */
    char ws_key[64];
    /* logs */
    bool task;                  /* container logs: target is a task ID */
    char target[128];           /* engine service or task ID; "" = none */
    char svc_name[256];         /* Docker Cloud name, for new tasks */
    bool follow;
    char tail[32];              /* "" = all */
    char since[64];             /* "" = none */
    json_t *names;              /* task ID -> container name */
    /* an action's log (stream_action_logs.c): target is the action's uuid */
    bool action;
    json_t *grants;             /* the namespaces the caller may reach */
    char user[DCS_ROUTE_LEN];
    /* events */
    char ns[DCS_ROUTE_LEN];
    json_t *filter;             /* the query, or NULL */
};

void dcs_stream_plan_free(struct dcs_stream_plan *p);

/* Every stream connection of a server; loop thread only.  proto (may be
 * NULL) is the connected engine handle producers clone. */
struct dcs_streams *dcs_streams_new(struct event_base *base,
                                    const struct dcs_serve_config *cfg,
                                    const struct dcs_engine *proto);
/* Take the connection of ev over and start the stream r->stream plans
 * (r is freed).  A client that already left is only cleaned up. */
void dcs_streams_start(struct dcs_streams *ss, struct evhttp_request *ev,
                       struct dcs_req *r);
long dcs_streams_count(const struct dcs_streams *ss);
/* Close every stream (WebSocket code 1001); on_empty runs on the loop
 * thread once none is left (at once if none is). */
void dcs_streams_shutdown(struct dcs_streams *ss, void (*on_empty)(void *), void *arg);
/* After the loop: stops the event hub, frees.  NULL is accepted. */
void dcs_streams_free(struct dcs_streams *ss);

/* For producers, any thread.  DCS_OK: queued (or dropped, counted: the
 * reader is slow); DCS_STOP: the client is gone, stop producing. */
int dcs_sconn_push(struct dcs_sconn *s, const char *msg, size_t len);
/* The producer has ended (follow=false: the tail is all sent; or it failed
 * with text, sent as a last message when not NULL).  It must not touch s
 * afterwards. */
void dcs_sconn_producer_done(struct dcs_sconn *s, const char *last_msg);
/* The engine handle (struct dcs_engine *) of a log producer, which
 * dcs_logs_cancel() cancels when the loop stops the stream. */
void dcs_sconn_set_producer(struct dcs_sconn *s, void *producer);
/* Has the loop asked the producer to stop? */
bool dcs_sconn_cancelled(struct dcs_sconn *s);

/* ==================== producers ==================== */

/* On a worker: check and resolve a logs request, filling r->stream. */
int dcs_stream_logs_route(struct dcs_ctx *c, struct dcs_error *err);
/* On a worker: check an events request, filling r->stream. */
int dcs_stream_events_route(struct dcs_ctx *c, struct dcs_error *err);

/* On a worker: check an action logs request, filling r->stream. */
int dcs_stream_action_logs_route(struct dcs_ctx *c, struct dcs_stream_plan *p,
                                 struct dcs_error *err);
/* Start the thread that writes an action's log to s (loop thread): the
 * lines it has, then, following, each new one until the action ends.
 * plan is stolen. */
int dcs_action_logs_start(struct dcs_sconn *s, struct dcs_stream_plan *plan,
                          const struct dcs_engine *proto, const struct dcs_serve_config *cfg);
/* Start the log thread of s (loop thread).  plan is stolen. */
int dcs_logs_start(struct dcs_sconn *s, struct dcs_stream_plan *plan,
                   const struct dcs_engine *proto, const struct dcs_serve_config *cfg);
/* Start fn(arg) on a detached thread with a small stack: a producer only
 * waits on sockets, and 200 of them stay light. */
int dcs_producer_thread(void *(*fn)(void *), void *arg);
/* Ask a log thread to stop at once (any thread): producer is the engine
 * handle it set with dcs_sconn_set_producer(). */
void dcs_logs_cancel(void *producer);

struct dcs_eventhub;
struct dcs_eventhub *dcs_eventhub_new(const struct dcs_serve_config *cfg,
                                      const struct dcs_engine *proto);
/* Add s as a client of namespace ns with filter (stolen), connected on a
 * Tutum path or not (the URIs it gets, dcs_event_tutum); starts the engine
 * event stream with the first client. */
int dcs_eventhub_add(struct dcs_eventhub *h, struct dcs_sconn *s, const char *ns,
                     json_t *filter_new, bool tutum);
/* Remove s: no push to it happens after this returns. */
void dcs_eventhub_remove(struct dcs_eventhub *h, struct dcs_sconn *s);
void dcs_eventhub_free(struct dcs_eventhub *h);

#endif
