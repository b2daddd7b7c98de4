/*
 * edge.c - what the HTTP edge refuses before a route sees a request, said
 * in JSON like every other error of the API.
 *
 * Two kinds:
 *  - what dcswarm checks itself (dcs_edge_refusal): a URL or a header
 *    block over the documented limits (414, 431), a method evhttp knows
 *    but the API does not serve (405);
 *  - what libevent refuses while reading (a request line or header it
 *    cannot parse, an unknown method, a request over the hard caps of
 *    http_settings): libevent 2.1 answers those itself through
 *    evhttp_send_error, with an HTML page, and has no hook to change it
 *    (evhttp_set_errorcb came in 2.2).  evhttp_send_error is defined here
 *    instead: libevent's own calls reach it through the dynamic linker as
 *    ours do (tests/lab/test_serve_edge.py sends such requests and expects
 *    JSON, so a libevent that stopped taking it would be seen).
 */
#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "http/api.h"

/* What libevent's own refusals mean, by the status it gives them. */
static const char *edge_text(int status)
{
    switch (status) {
    case 400:
        return "the request could not be read: a malformed request line or header, or a "
               "request line and headers over " DCS_EDGE_HARD_HEADERS_TEXT;
    case 413:
        return "request body too large";
    case 501:
        return "method not implemented: dcswarm answers GET, POST, PUT, PATCH, DELETE, "
               "HEAD and OPTIONS";
    case 503:
        return "the server cannot take the request now";
    default:
        return "the request could not be answered";
    }
}

void evhttp_send_error(struct evhttp_request *req, int error, const char *reason)
{
    struct evbuffer *body = evbuffer_new();
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);

    (void)reason; /* libevent's phrase for the status line; evhttp finds its own */
    if (!body)
        return;
    /* A request line that did not parse left no version to answer in. */
    if (!req->major && !req->minor) {
        req->major = 1;
        req->minor = 1;
    }
    evhttp_clear_headers(out);
    evhttp_add_header(out, "Content-Type", "application/json");
    evhttp_add_header(out, "Connection", "close");
    evbuffer_add_printf(body, "{\"error\": \"%s\"}", edge_text(error));
    evhttp_send_reply(req, error, NULL, body);
    evbuffer_free(body);
}

static size_t header_bytes(struct evhttp_request *ev)
{
    const struct evkeyval *h;
    size_t n = 0;

    TAILQ_FOREACH(h, evhttp_request_get_input_headers(ev), next)
        n += strlen(h->key) + strlen(h->value) + 4; /* ": " and CRLF */
    return n;
}

int dcs_edge_refusal(struct evhttp_request *ev, char *text, size_t len)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(ev);
    size_t uri = strlen(evhttp_request_get_uri(ev)), headers = header_bytes(ev);

    if (cmd == EVHTTP_REQ_TRACE || cmd == EVHTTP_REQ_CONNECT) {
        snprintf(text, len, "method %s not allowed: dcswarm answers GET, POST, PUT, PATCH, "
                 "DELETE, HEAD and OPTIONS", cmd == EVHTTP_REQ_TRACE ? "TRACE" : "CONNECT");
        return 405;
    }
    if (uri > DCS_EDGE_MAX_URI) {
        snprintf(text, len, "URL too long: %zu bytes, at most %d", uri, DCS_EDGE_MAX_URI);
        return 414;
    }
    if (headers > DCS_EDGE_MAX_HEADERS) {
        snprintf(text, len, "request headers too large: %zu bytes, at most %d", headers,
                 DCS_EDGE_MAX_HEADERS);
        return 431;
    }
    return 0;
}
