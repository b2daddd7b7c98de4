/* ctx.c - a request and what a handler holds while it answers it: freed
 * in one place, and values kept until the answer is sent (dcs_ctx_later). */
#include <stdlib.h>

#include "http/api.h"

void dcs_req_free(struct dcs_req *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->query);
    free(r->auth);
    free(r->content_type);
    free(r->body);
    free(r->warnings);
    free(r->answer_text);
    free(r->www_auth);
    free(r->ws_key);
    if (r->stream && r->stream_free)
        r->stream_free(r->stream);
    json_decref(r->params);
    json_decref(r->grants);
    json_decref(r->json);
    json_decref(r->answer);
    free(r);
}

void dcs_ctx_later(struct dcs_ctx *c, json_t *v)
{
    if (!v)
        return;
    if (!c->later)
        c->later = json_array();
    if (!c->later || json_array_append_new(c->later, v))
        json_decref(v);
}
