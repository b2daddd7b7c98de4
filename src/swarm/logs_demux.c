/*
 * logs_demux.c - the push decoder for service and task logs.
 *
 * A multiplexed stream is a run of frames: 8 header bytes (stream type,
 * three zeros, payload size as a big-endian uint32) and the payload.  The
 * engine writes one log message per frame: "[timestamp ][details ]text",
 * the text ending in "\n" unless the log driver split a long line.  A TTY
 * service's stream has no frames: the same messages one after another, the
 * TTY's "\r\n" ending each line.
 */
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "swarm/stream.h"

/* No log message is this large (the log drivers split lines at 16 KiB);
 * a bigger frame means the stream is not what we think. */
#define FRAME_MAX (4u * 1024u * 1024u)
/* A raw line longer than this is delivered in pieces marked partial. */
#define RAW_LINE_MAX (1024u * 1024u)

struct prefix {
    const char *timestamp;
    long long time_ns;
    const char *details;
};

void dcs_logdemux_init(struct dcs_logdemux *d, enum dcs_log_format format,
                       unsigned flags, dcs_log_fn fn, void *ctx)
{
    memset(d, 0, sizeof(*d));
    d->format = format;
    d->flags = flags;
    d->fn = fn;
    d->ctx = ctx;
    dcs_strbuf_init(&d->pending, FRAME_MAX);
}

void dcs_logdemux_reset(struct dcs_logdemux *d)
{
    d->head_len = 0;
    d->frame_left = 0;
    dcs_strbuf_clear(&d->pending);
}

void dcs_logdemux_release(struct dcs_logdemux *d)
{
    dcs_strbuf_release(&d->pending);
}

/* Digits of s[0..n) as a number, or -1. */
static long digits(const char *s, size_t n)
{
    long v = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int parse_zone(const char *s, size_t len, long *offset_s)
{
    long hh, mm;

    if (len == 1 && (*s == 'Z' || *s == 'z')) {
        *offset_s = 0;
        return DCS_OK;
    }
    if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
        return DCS_ERR;
    hh = digits(s + 1, 2);
    mm = digits(s + 4, 2);
    if (hh < 0 || mm < 0)
        return DCS_ERR;
    *offset_s = (hh * 3600 + mm * 60) * (s[0] == '-' ? -1 : 1);
    return DCS_OK;
}

int dcs_parse_rfc3339_ns(const char *s, size_t len, long long *ns)
{
    struct tm tm = { 0 };
    long frac = 0, scale = 1000000000L, offset;
    size_t i = 19;
    time_t secs;

    if (len < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' &&
        s[10] != 't') || s[13] != ':' || s[16] != ':')
        return DCS_ERR;
    tm.tm_year = (int)digits(s, 4) - 1900;
    tm.tm_mon = (int)digits(s + 5, 2) - 1;
    tm.tm_mday = (int)digits(s + 8, 2);
    tm.tm_hour = (int)digits(s + 11, 2);
    tm.tm_min = (int)digits(s + 14, 2);
    tm.tm_sec = (int)digits(s + 17, 2);
    if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
        tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 ||
        tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
        return DCS_ERR;
    if (s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (scale > 1) {
                scale /= 10;
                frac += (s[i] - '0') * scale;
            }
        }
    }
    if (parse_zone(s + i, len - i, &offset) != DCS_OK)
        return DCS_ERR;
    secs = timegm(&tm);
    /* Nanoseconds since 1970 in 64 bits end in 2262. */
    if (secs == (time_t)-1 || (long long)secs - offset > (LLONG_MAX - frac) / 1000000000LL)
        return DCS_ERR;
    *ns = ((long long)secs - offset) * 1000000000LL + frac;
    return DCS_OK;
}

/* Cut the word at *p (up to a space) off in place and return it. */
static const char *take_word(char **p, char *end)
{
    char *word = *p, *sp = memchr(word, ' ', (size_t)(end - word));

    if (!sp) {
        *p = end;
        return word;
    }
    *sp = '\0';
    *p = sp + 1;
    return word;
}

/* Read the "[timestamp ][details ]" the engine was asked to prefix. */
static char *take_prefix(const struct dcs_logdemux *d, char *p, char *end,
                         struct prefix *px)
{
    px->timestamp = "";
    px->time_ns = 0;
    px->details = "";
    if (p == end)
        return p;
    if (d->flags & DCS_LOG_TIMESTAMPS) {
        px->timestamp = take_word(&p, end);
        if (dcs_parse_rfc3339_ns(px->timestamp, strlen(px->timestamp),
                                 &px->time_ns) != DCS_OK)
            px->time_ns = 0;
    }
    if ((d->flags & DCS_LOG_DETAILS) && p < end)
        px->details = take_word(&p, end);
    return p;
}

static int deliver(struct dcs_logdemux *d, enum dcs_log_stream stream,
                   const struct prefix *px, const char *line, size_t len,
                   int partial)
{
    struct dcs_log_record rec = {
        .stream = stream,
        .timestamp = px->timestamp,
        .time_ns = px->time_ns,
        .details = px->details,
        .line = line,
        .len = len,
        .partial = partial,
    };

    if (d->fn(&rec, d->ctx) != 0) {
        d->stopped = 1;
        return DCS_STOP;
    }
    return DCS_OK;
}

/* One whole frame is in d->pending: deliver its line(s). */
static int frame_done(struct dcs_logdemux *d)
{
    static char empty[1];
    char *p = d->pending.data ? d->pending.data : empty;
    char *end = p + d->pending.len;
    struct prefix px = { "", 0, "" };
    int rc = DCS_OK;

    /* The engine's own errors ("Error grabbing logs") carry no prefix. */
    if (d->frame_stream != DCS_LOG_SYSTEM)
        p = take_prefix(d, p, end, &px);
    while (p < end && rc == DCS_OK) {
        char *nl = memchr(p, '\n', (size_t)(end - p));

        if (!nl) {
            rc = deliver(d, d->frame_stream, &px, p, (size_t)(end - p), 1);
            break;
        }
        *nl = '\0';
        rc = deliver(d, d->frame_stream, &px, p, (size_t)(nl - p), 0);
        p = nl + 1;
    }
    dcs_strbuf_clear(&d->pending);
    return rc;
}

static int bad_header(const unsigned char *h, struct dcs_error *err)
{
    return dcs_error_status(err, 502, NULL,
                            "the log stream is not multiplexed as expected "
                            "(header %02x %02x %02x %02x %02x %02x %02x %02x)",
                            h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
}

static int header_done(struct dcs_logdemux *d, struct dcs_error *err)
{
    const unsigned char *h = d->head;
    uint32_t size = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
                    (uint32_t)h[6] << 8 | (uint32_t)h[7];

    if (h[0] > DCS_LOG_SYSTEM || h[1] || h[2] || h[3] || size > FRAME_MAX)
        return bad_header(h, err);
    d->frame_stream = (enum dcs_log_stream)h[0];
    d->frame_left = size;
    if (size == 0)
        d->head_len = 0;
    return DCS_OK;
}

static int feed_mux(struct dcs_logdemux *d, const unsigned char *p, size_t len,
                    struct dcs_error *err)
{
    while (len) {
        size_t take;

        if (d->head_len < sizeof(d->head)) {
            take = sizeof(d->head) - d->head_len;
            take = take < len ? take : len;
            memcpy(d->head + d->head_len, p, take);
            d->head_len += take;
            if (d->head_len == sizeof(d->head) &&
                header_done(d, err) != DCS_OK)
                return DCS_ERR;
        } else {
            take = d->frame_left < len ? d->frame_left : len;
            if (dcs_strbuf_append(&d->pending, p, take) != DCS_OK)
                return dcs_error_status(err, 500, NULL, "out of memory");
            d->frame_left -= take;
            if (d->frame_left == 0) {
                d->head_len = 0;
                if (frame_done(d) == DCS_STOP)
                    return DCS_STOP;
            }
        }
        p += take;
        len -= take;
    }
    return DCS_OK;
}

/* The raw stream's line in d->pending is complete (or too long). */
static int raw_line_done(struct dcs_logdemux *d, int partial)
{
    char *p = d->pending.data, *end = p + d->pending.len;
    struct prefix px;
    int rc;

    if (!partial && end > p && end[-1] == '\r')
        *--end = '\0';
    p = take_prefix(d, p, end, &px);
    rc = deliver(d, DCS_LOG_STDOUT, &px, p, (size_t)(end - p), partial);
    dcs_strbuf_clear(&d->pending);
    return rc;
}

static int feed_raw(struct dcs_logdemux *d, const char *p, size_t len,
                    struct dcs_error *err)
{
    while (len) {
        const char *nl = memchr(p, '\n', len);
        size_t take = nl ? (size_t)(nl - p) : len;
        size_t room = RAW_LINE_MAX - d->pending.len;
        int full = take >= room;

        if (full)
            take = room;
        if (dcs_strbuf_append(&d->pending, p, take) != DCS_OK)
            return dcs_error_status(err, 500, NULL, "out of memory");
        p += take;
        len -= take;
        if (!full && !nl)
            break;
        if (!full) {
            p++;        /* the newline */
            len--;
        }
        if (raw_line_done(d, full) == DCS_STOP)
            return DCS_STOP;
    }
    return DCS_OK;
}

int dcs_logdemux_feed(struct dcs_logdemux *d, const void *buf, size_t len,
                      struct dcs_error *err)
{
    if (d->stopped)
        return DCS_STOP;
    if (d->format == DCS_LOG_RAW)
        return feed_raw(d, buf, len, err);
    return feed_mux(d, buf, len, err);
}

int dcs_logdemux_finish(struct dcs_logdemux *d, struct dcs_error *err)
{
    if (d->stopped)
        return DCS_STOP;
    if (d->format == DCS_LOG_RAW) {
        if (d->pending.len == 0)
            return DCS_OK;
        return raw_line_done(d, 1) == DCS_STOP ? DCS_STOP : DCS_OK;
    }
    if (d->head_len || d->frame_left)
        return dcs_error_status(err, 502, NULL,
                                "the log stream ended inside a frame");
    return DCS_OK;
}
