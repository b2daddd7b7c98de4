/*
 * ws.c - the WebSocket pieces that need no socket: the upgrade check and
 * Sec-WebSocket-Accept (RFC 6455 §4.2), wslay's event API glued to two
 * evbuffers, and the Stream API's log messages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <wslay/wslay.h>

#include "http/streams.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define APPEND_LIT(b, lit) dcs_strbuf_append((b), (lit), sizeof(lit) - 1)

/* ==================== the handshake ==================== */

bool dcs_header_has_token(const char *value, const char *token)
{
    size_t n = strlen(token);

    while (value && *value) {
        size_t len;
        value += strspn(value, " \t,");
        len = strcspn(value, ",");
        while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
            len--;
        if (len == n && !strncasecmp(value, token, n))
            return true;
        value += strcspn(value, ",");
    }
    return false;
}

/* A key is 16 random bytes in base64: 24 characters ending in "==". */
static bool key_ok(const char *key)
{
    unsigned char raw[32];

    return key && strlen(key) == 24 && key[22] == '=' && key[23] == '=' &&
           EVP_DecodeBlock(raw, (const unsigned char *)key, 24) == 18;
}

int dcs_ws_check(const char *method, const char *upgrade, const char *connection,
                 const char *version, const char *key, struct dcs_error *err)
{
    if (!dcs_header_has_token(upgrade, "websocket"))
        return 0;
    if (strcmp(method, "GET"))
        return dcs_error_status(err, 400, NULL, "a WebSocket upgrade must be a GET");
    if (!dcs_header_has_token(connection, "upgrade"))
        return dcs_error_status(err, 400, NULL, "'Connection' must include \"Upgrade\"");
    if (!version || strcmp(version, "13"))
        return dcs_error_status(err, 426, NULL, "'Sec-WebSocket-Version': expected 13, got "
                                "\"%s\"", version ? version : "");
    if (!key_ok(key))
        return dcs_error_status(err, 400, NULL, "'Sec-WebSocket-Key': expected 16 bytes in "
                                "base64");
    return 1;
}

void dcs_ws_accept(const char *key, char out[29])
{
    unsigned char digest[SHA_DIGEST_LENGTH];
    char joined[128];
    int n = snprintf(joined, sizeof(joined), "%s%s", key, WS_GUID);

    SHA1((const unsigned char *)joined, (size_t)n, digest);
    EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH);
}

int dcs_ws_handshake(struct evbuffer *out, const char *key)
{
    char accept[29];

    dcs_ws_accept(key, accept);
    return evbuffer_add_printf(out, "HTTP/1.1 101 Switching Protocols\r\n"
                               "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: %s\r\n\r\n", accept) < 0
               ? DCS_ERR : DCS_OK;
}

/* ==================== frames ==================== */

struct dcs_ws {
    wslay_event_context_ptr ctx;
    struct evbuffer *in, *out;
};

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
                       void *arg)
{
    struct dcs_ws *w = arg;
    int n = evbuffer_remove(w->in, buf, len);

    (void)flags;
    if (n <= 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    return n;
}

/* The output buffer takes everything: what bounds it is that messages are
 * framed only while it is short (stream_conn.c). */
static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
                       int flags, void *arg)
{
    struct dcs_ws *w = arg;

    (void)flags;
    if (evbuffer_add(w->out, data, len)) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

/* Clients send nothing but pings and closes: a big message is abuse. */
struct dcs_ws *dcs_ws_new(struct evbuffer *in, struct evbuffer *out, size_t max_message)
{
    static const struct wslay_event_callbacks cb = {
        .recv_callback = on_recv, .send_callback = on_send};
    struct dcs_ws *w = calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->in = in;
    w->out = out;
    if (wslay_event_context_server_init(&w->ctx, &cb, w)) {
        free(w);
        return NULL;
    }
    wslay_event_config_set_max_recv_msg_length(w->ctx, max_message);
    return w;
}

void dcs_ws_free(struct dcs_ws *w)
{
    if (!w)
        return;
    wslay_event_context_free(w->ctx);
    free(w);
}

int dcs_ws_text(struct dcs_ws *w, const char *msg, size_t len)
{
    struct wslay_event_msg m = {WSLAY_TEXT_FRAME, (const uint8_t *)msg, len};

    if (wslay_event_queue_msg(w->ctx, &m))
        return DCS_ERR;
    return wslay_event_send(w->ctx) ? DCS_ERR : DCS_OK;
}

int dcs_ws_close(struct dcs_ws *w, int code)
{
    if (wslay_event_queue_close(w->ctx, (uint16_t)code, NULL, 0))
        return DCS_ERR;
    return wslay_event_send(w->ctx) ? DCS_ERR : DCS_OK;
}

int dcs_ws_io(struct dcs_ws *w)
{
    /* wslay queues the pong of a ping and the close answering a close
     * itself; the send below writes them out. */
    if (wslay_event_recv(w->ctx) || wslay_event_send(w->ctx))
        return 0;
    return wslay_event_want_read(w->ctx) || wslay_event_want_write(w->ctx);
}

/* ==================== messages ==================== */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len, i;
    unsigned cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, cp = s[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates, past U+10FFFF. */
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void dcs_json_string(struct dcs_strbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    dcs_strbuf_append(b, "\"", 1);
    while (i < n) {
        unsigned char c = p[i];
        size_t len = c >= 0x20 && c != '"' && c != '\\' ? utf8_len(p + i, n - i) : 0;
        char esc[8] = "\\u00";

        if (len) {
            run += len;
            i += len;
            continue;
        }
        dcs_strbuf_append(b, s + i - run, run);
        run = 0;
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            dcs_strbuf_append(b, esc, 2);
        } else if (c == '\n' || c == '\r' || c == '\t') {
            esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            dcs_strbuf_append(b, esc, 2);
        } else if (c < 0x20) {
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            dcs_strbuf_append(b, esc, 6);
        } else {
            dcs_strbuf_append(b, "\\ufffd", 6);
        }
        i++;
    }
    dcs_strbuf_append(b, s + i - run, run);
    dcs_strbuf_append(b, "\"", 1);
}

static void append_int(struct dcs_strbuf *b, long long v)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "%lld", v);

    dcs_strbuf_append(b, num, (size_t)n);
}

void dcs_log_message(struct dcs_strbuf *b, const char *source,
                     const struct dcs_log_record *rec, long long now_s)
{
    bool err = rec->stream == DCS_LOG_STDERR || rec->stream == DCS_LOG_SYSTEM;
    char *line = NULL;

    APPEND_LIT(b, "{\"type\":\"log\",\"source\":");
    dcs_json_string(b, source, strlen(source));
    APPEND_LIT(b, ",\"log\":");
    if (rec->partial) {
        dcs_json_string(b, rec->line, rec->len);
    } else {
        /* The line with its newline, as one JSON string. */
        line = malloc(rec->len + 1);
        if (line) {
            memcpy(line, rec->line, rec->len);
            line[rec->len] = '\n';
            dcs_json_string(b, line, rec->len + 1);
            free(line);
        } else {
            b->failed = 1;
        }
    }
    if (err)
        APPEND_LIT(b, ",\"streamType\":\"stderr\",\"timestamp\":");
    else
        APPEND_LIT(b, ",\"streamType\":\"stdout\",\"timestamp\":");
    append_int(b, rec->time_ns > 0 ? rec->time_ns / 1000000000LL : now_s);
    dcs_strbuf_append(b, "}", 1);
}

void dcs_log_drop_notice(struct dcs_strbuf *b, size_t dropped, long long now_s)
{
    char text[160];
    struct dcs_log_record rec = {.stream = DCS_LOG_STDERR, .line = text};

    rec.len = (size_t)snprintf(text, sizeof(text), "dcswarm: %zu log line(s) dropped: this "
                               "client reads more slowly than the containers write", dropped);
    dcs_log_message(b, "dcswarm", &rec, now_s);
}
