/*
 * events_decode.c - the push decoder for a stream of JSON values (GET /events).
 *
 * The engine writes one object and a newline per event, but a chunk of the
 * transfer may end anywhere, so values are found by tracking nesting depth
 * and strings rather than by waiting for newlines.
 */
#include <string.h>

#include "swarm/stream.h"

/* No event is this large; beyond it the stream is not events. */
#define VALUE_MAX (1024u * 1024u)

void dcs_jsonsplit_init(struct dcs_jsonsplit *s, dcs_json_fn fn, void *ctx)
{
    memset(s, 0, sizeof(*s));
    s->fn = fn;
    s->ctx = ctx;
    dcs_strbuf_init(&s->value, VALUE_MAX);
}

void dcs_jsonsplit_reset(struct dcs_jsonsplit *s)
{
    dcs_strbuf_clear(&s->value);
    s->depth = 0;
    s->in_string = 0;
    s->escape = 0;
}

void dcs_jsonsplit_release(struct dcs_jsonsplit *s)
{
    dcs_strbuf_release(&s->value);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Advance the scanner over one byte inside a value; 1 when it closed the
 * outermost bracket. */
static int scan(struct dcs_jsonsplit *s, char c)
{
    if (s->in_string) {
        if (s->escape)
            s->escape = 0;
        else if (c == '\\')
            s->escape = 1;
        else if (c == '"')
            s->in_string = 0;
        return 0;
    }
    if (c == '"')
        s->in_string = 1;
    else if (c == '{' || c == '[')
        s->depth++;
    else if (c == '}' || c == ']')
        return --s->depth == 0;
    return 0;
}

static int value_done(struct dcs_jsonsplit *s, struct dcs_error *err)
{
    json_error_t jerr;
    json_t *v = json_loadb(s->value.data, s->value.len, 0, &jerr);
    int stop;

    dcs_strbuf_clear(&s->value);
    if (!v)
        return dcs_error_status(err, 502, NULL,
                                "the engine sent invalid JSON in a stream: %s",
                                jerr.text);
    stop = s->fn(v, s->ctx);
    json_decref(v);
    if (stop) {
        s->stopped = 1;
        return DCS_STOP;
    }
    return DCS_OK;
}

static int append(struct dcs_jsonsplit *s, const char *p, size_t n,
                  struct dcs_error *err)
{
    if (dcs_strbuf_append(&s->value, p, n) == DCS_OK)
        return DCS_OK;
    if (s->value.len + n > s->value.max)
        return dcs_error_status(err, 502, NULL,
                                "a JSON value in the stream is larger than "
                                "%u bytes", VALUE_MAX);
    return dcs_error_status(err, 500, NULL, "out of memory");
}

int dcs_jsonsplit_feed(struct dcs_jsonsplit *s, const void *buf, size_t len,
                       struct dcs_error *err)
{
    const char *p = buf;
    size_t i = 0, start = 0;
    int rc;

    if (s->stopped)
        return DCS_STOP;
    while (i < len) {
        if (s->depth == 0) {
            if (is_space(p[i])) {
                start = ++i;
                continue;
            }
            if (p[i] != '{' && p[i] != '[')
                return dcs_error_status(err, 502, NULL,
                                        "unexpected '%c' between JSON values "
                                        "in a stream", p[i]);
        }
        if (!scan(s, p[i++]))
            continue;
        rc = append(s, p + start, i - start, err);
        if (rc == DCS_OK)
            rc = value_done(s, err);
        if (rc != DCS_OK)
            return rc;
        start = i;
    }
    return s->depth ? append(s, p + start, len - start, err) : DCS_OK;
}

int dcs_jsonsplit_finish(struct dcs_jsonsplit *s, struct dcs_error *err)
{
    if (s->stopped)
        return DCS_STOP;
    if (s->depth)
        return dcs_error_status(err, 502, NULL,
                                "the stream ended inside a JSON value");
    return DCS_OK;
}
