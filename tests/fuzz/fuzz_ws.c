/* The WebSocket frame reader (http/ws.c on libwslay): what a client sends
 * on an upgraded stream, in pieces as the socket delivers them, with the
 * server's own messages going out between them; and the log message and
 * JSON string writers on the same bytes. */
#include <event2/buffer.h>

#include "fuzz.h"
#include "http/streams.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct evbuffer *in = evbuffer_new(), *out = evbuffer_new();
    struct dcs_ws *w = in && out ? dcs_ws_new(in, out, 65536) : NULL;
    struct dcs_strbuf b = {0};
    size_t at = 0, step;

    while (w && at < size) {
        step = 1 + data[at] % 64;
        if (step > size - at)
            step = size - at;
        evbuffer_add(in, data + at, step);
        at += step;
        if (!dcs_ws_io(w))
            break;
        dcs_ws_text(w, "{\"type\":\"log\"}", 14);
        evbuffer_drain(out, evbuffer_get_length(out));
    }
    struct dcs_log_record rec = {DCS_LOG_STDOUT, "", 0, "", (const char *)data, size, 0};

    dcs_log_message(&b, "web-1", &rec, 1);
    dcs_json_string(&b, (const char *)data, size);
    dcs_strbuf_release(&b);
    if (w)
        dcs_ws_free(w);
    if (in)
        evbuffer_free(in);
    if (out)
        evbuffer_free(out);
    return 0;
}
