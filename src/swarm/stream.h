/*
 * stream.h - push decoders for the Engine's streamed answers: service and
 * task logs, and the JSON event stream.
 *
 * They know nothing of sockets or curl: feed them bytes as they arrive, in
 * pieces of any size, from a blocking transfer or from an event loop.  Each
 * decoder is a caller-allocated struct: _init, then _feed as often as
 * needed, _finish at the end of the input, _release always.
 *
 * Return values of _feed and _finish: DCS_OK; DCS_STOP when the callback
 * asked to stop (later feeds are ignored); DCS_ERR with err filled (status
 * 502: the engine sent something malformed; 500: out of memory).
 *
 * Pointers passed to callbacks are borrowed and valid during the call only.
 */
#ifndef DCS_SWARM_STREAM_H
#define DCS_SWARM_STREAM_H

#include <stddef.h>

#include <jansson.h>

#include "util/error.h"
#include "util/strbuf.h"

/* Returned by streams, decoders and callbacks: stop, without an error. */
#define DCS_STOP 1

/* ==================== logs ==================== */

/* The stream byte of the 8-byte frame header; raw (TTY) logs are STDOUT. */
enum dcs_log_stream {
    DCS_LOG_STDIN = 0,
    DCS_LOG_STDOUT = 1,
    DCS_LOG_STDERR = 2,
    DCS_LOG_SYSTEM = 3     /* the engine's own "Error grabbing logs: ..." */
};

struct dcs_log_record {
    enum dcs_log_stream stream;
    const char *timestamp;  /* RFC 3339 as the engine wrote it, or "" */
    long long time_ns;      /* the same in ns since the epoch, 0 if none */
    const char *details;    /* "k=v,k=v" (URL-escaped) when asked, or "" */
    const char *line;       /* the text, without "\n" (nor "\r\n" if raw) */
    size_t len;
    /* The engine's message did not end the line: a line over 16 KiB split
     * by the log driver, or output that ended without a newline. */
    int partial;
};

/* Return 0 to go on, non-zero to stop. */
typedef int (*dcs_log_fn)(const struct dcs_log_record *rec, void *ctx);

enum dcs_log_format {
    DCS_LOG_MULTIPLEXED,   /* 8-byte headers: stream, 0, 0, 0, size (BE32) */
    DCS_LOG_RAW            /* a TTY service: plain bytes, all stdout */
};

/* What the engine was asked to prefix each message with. */
#define DCS_LOG_TIMESTAMPS 0x1u
#define DCS_LOG_DETAILS    0x2u

struct dcs_logdemux {
    enum dcs_log_format format;
    unsigned flags;
    dcs_log_fn fn;
    void *ctx;
    unsigned char head[8];
    size_t head_len;        /* bytes of the current header seen */
    size_t frame_left;      /* payload bytes of the current frame to come */
    enum dcs_log_stream frame_stream;
    struct dcs_strbuf pending; /* the current frame, or the raw stream's line */
    int stopped;
};

void dcs_logdemux_init(struct dcs_logdemux *d, enum dcs_log_format format,
                       unsigned flags, dcs_log_fn fn, void *ctx);
int dcs_logdemux_feed(struct dcs_logdemux *d, const void *buf, size_t len,
                      struct dcs_error *err);
/* End of input: a raw stream's last line is delivered (partial); a frame
 * cut short is an error. */
int dcs_logdemux_finish(struct dcs_logdemux *d, struct dcs_error *err);
/* Forget a half-read frame or line (after a reconnect); keeps the settings. */
void dcs_logdemux_reset(struct dcs_logdemux *d);
void dcs_logdemux_release(struct dcs_logdemux *d);

/* Parse "2026-11-23T18:25:27.204107764Z" (or +hh:mm) to ns since the epoch.
 * Returns DCS_ERR when s is not such a time. */
int dcs_parse_rfc3339_ns(const char *s, size_t len, long long *ns);

/* ==================== JSON values one after another ==================== */

/* value is borrowed.  Return 0 to go on, non-zero to stop. */
typedef int (*dcs_json_fn)(json_t *value, void *ctx);

/* Splits a byte stream of concatenated (usually newline-separated) JSON
 * objects or arrays, without relying on the newlines. */
struct dcs_jsonsplit {
    dcs_json_fn fn;
    void *ctx;
    struct dcs_strbuf value;   /* the value read so far */
    int depth;
    int in_string;
    int escape;
    int stopped;
};

void dcs_jsonsplit_init(struct dcs_jsonsplit *s, dcs_json_fn fn, void *ctx);
int dcs_jsonsplit_feed(struct dcs_jsonsplit *s, const void *buf, size_t len,
                       struct dcs_error *err);
/* End of input: a value cut short is an error. */
int dcs_jsonsplit_finish(struct dcs_jsonsplit *s, struct dcs_error *err);
void dcs_jsonsplit_reset(struct dcs_jsonsplit *s);
void dcs_jsonsplit_release(struct dcs_jsonsplit *s);

/* ==================== event de-duplication ==================== */

/*
 * Remembers the events delivered in the last second of event time, so that
 * after a reconnect with since = dcs_event_dedupe_since() the events the
 * engine replays can be told from new ones.  The margin of one second
 * covers swarm events, whose timeNano is the object's own timestamp and may
 * arrive a little out of order.
 */
struct dcs_event_seen {
    long long ns;
    char *key;              /* the event as compact JSON with sorted keys */
};

struct dcs_event_dedupe {
    long long max_ns;       /* newest timeNano delivered, 0 if none */
    struct dcs_event_seen *seen;
    size_t n;
    size_t cap;
};

#define DCS_EVENT_DEDUPE_MARGIN_NS 1000000000LL

void dcs_event_dedupe_init(struct dcs_event_dedupe *d);
/* 1: a new event, now remembered; 0: delivered before; DCS_ERR: no memory. */
int dcs_event_dedupe_admit(struct dcs_event_dedupe *d, const json_t *event);
/* The since= value to reconnect with ("seconds.nanoseconds"), or "" when no
 * event has been delivered. */
void dcs_event_dedupe_since(const struct dcs_event_dedupe *d, char *buf,
                            size_t len);
void dcs_event_dedupe_release(struct dcs_event_dedupe *d);

#endif
