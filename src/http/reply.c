/*
 * reply.c - what the clients parse: every 2xx but 204 a JSON object,
 * errors {"error": "..."}, lists {"meta", "objects"} with next/previous as
 * paths starting with /api/ (go-dockercloud follows them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "http/api.h"

int dcs_reply(struct dcs_req *r, int status, json_t *obj_new)
{
    r->status = status;
    json_decref(r->answer);
    r->answer = obj_new;
    return DCS_OK;
}

void dcs_reply_error(struct dcs_req *r, const struct dcs_error *err)
{
    char text[DCS_ERROR_PATH_LEN + DCS_ERROR_TEXT_LEN + 8];
    int status = err->status >= 400 && err->status < 600 ? err->status : 500;

    /* The engine's own codes that mean "the engine is not there". */
    if (status == 499 || status == 504)
        status = 503;
    if (status == 501)
        status = 502;
    dcs_error_format(err, text, sizeof(text));
    dcs_reply(r, status, json_pack("{s:s}", "error", text));
}

void dcs_uri(const struct dcs_ctx *c, const char *type, const char *uuid, char *out,
             size_t len)
{
    const struct dcs_route *rt = &c->req->rt;
    bool tutum = rt->family == DCS_FAM_TUTUM;
    bool audit = !strcmp(type, "action");

    snprintf(out, len, "%s%s%s%s/%s/", dcs_route_prefix(rt, type),
             tutum || audit ? "" : c->req->ns, tutum || audit ? "" : "/", type, uuid);
}

const char *dcs_param(const struct dcs_req *r, const char *name)
{
    return json_string_value(json_object_get(r->params, name));
}

int dcs_check_params(const struct dcs_req *r, const char *const *allowed,
                     struct dcs_error *err)
{
    const char *key;
    json_t *v;

    json_object_foreach(r->params, key, v) {
        const char *const *a = allowed;
        if (!strcmp(key, "limit") || !strcmp(key, "offset"))
            continue;
        while (a && *a && strcmp(*a, key))
            a++;
        if (!a || !*a)
            return dcs_error_status(err, 400, key, "unknown filter");
    }
    return DCS_OK;
}

const char *const dcs_service_states[] = {
    "Not running", "Starting", "Running", "Partly running", "Scaling", "Redeploying",
    "Stopping", "Stopped", "Terminating", "Terminated", NULL};
const char *const dcs_stack_states[] = {
    "Not running", "Starting", "Running", "Partly running", "Redeploying", "Stopping",
    "Stopped", "Terminating", "Terminated", NULL};
const char *const dcs_container_states[] = {
    "Starting", "Running", "Stopping", "Stopped", "Terminating", "Terminated", NULL};

int dcs_check_state_param(const struct dcs_req *r, const char *const *states,
                          struct dcs_error *err)
{
    const char *want = dcs_param(r, "state");
    char all[256] = "";
    size_t n = 0;

    if (!want)
        return DCS_OK;
    for (const char *const *s = states; *s; s++) {
        if (!strcmp(*s, want))
            return DCS_OK;
        n += (size_t)snprintf(all + n, n < sizeof(all) ? sizeof(all) - n : 0, "%s\"%s\"",
                              s == states ? "" : ", ", *s);
    }
    return dcs_error_status(err, 400, "state", "expected one of %s, got \"%.64s\"", all, want);
}

static int number_param(const struct dcs_req *r, const char *name, long dflt,
                        long min, long *out, struct dcs_error *err)
{
    const char *s = dcs_param(r, name);
    char *end;

    *out = dflt;
    if (!s)
        return DCS_OK;
    *out = strtol(s, &end, 10);
    if (!*s || *end || *out < min || *out > 1000000)
        return dcs_error_status(err, 400, name, "expected an integer >= %ld, got \"%s\"",
                                min, s);
    return DCS_OK;
}

int dcs_page_params(const struct dcs_req *r, long *limit, long *offset,
                    struct dcs_error *err)
{
    if (number_param(r, "limit", DCS_HTTP_PAGE, 1, limit, err) ||
        number_param(r, "offset", 0, 0, offset, err))
        return DCS_ERR;
    /* The Python clients page by offset+limit: never more than 1000 at once. */
    if (*limit > 1000)
        *limit = 1000;
    return DCS_OK;
}

/* path?<the other parameters>&limit=L&offset=O */
static json_t *page_uri(const struct dcs_req *r, long limit, long offset)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *key;
    json_t *v, *out;

    if (!f)
        return json_null();
    fprintf(f, "%s?", r->path);
    json_object_foreach(r->params, key, v) {
        char *k, *val;
        if (!strcmp(key, "limit") || !strcmp(key, "offset"))
            continue;
        k = evhttp_encode_uri(key);
        val = evhttp_encode_uri(json_string_value(v));
        fprintf(f, "%s=%s&", k ? k : "", val ? val : "");
        free(k);
        free(val);
    }
    fprintf(f, "limit=%ld&offset=%ld", limit, offset);
    fclose(f);
    out = json_string(buf);
    free(buf);
    return out;
}

int dcs_reply_list(struct dcs_req *r, const json_t *all, struct dcs_error *err)
{
    long limit, offset, total = (long)json_array_size(all);
    json_t *objects;

    if (dcs_page_params(r, &limit, &offset, err))
        return DCS_ERR;
    objects = json_array();
    for (long i = offset; i < total && i < offset + limit; i++)
        json_array_append(objects, json_array_get(all, (size_t)i));
    return dcs_reply_page(r, objects, total, limit, offset);
}

int dcs_reply_page(struct dcs_req *r, json_t *objects, long total, long limit, long offset)
{
    json_t *meta = json_pack("{s:I, s:o, s:I, s:o, s:I}", "limit", (json_int_t)limit, "next",
                     offset + limit < total ? page_uri(r, limit, offset + limit)
                                            : json_null(),
                     "offset", (json_int_t)offset, "previous",
                     offset > 0 ? page_uri(r, limit, offset > limit ? offset - limit : 0)
                                : json_null(),
                     "total_count", (json_int_t)total);
    return dcs_reply(r, 200, json_pack("{s:o, s:o}", "meta", meta, "objects", objects));
}

int dcs_method_not_allowed(struct dcs_req *r, const char *allow, struct dcs_error *err)
{
    snprintf(r->allow, sizeof(r->allow), "%s", allow);
    return dcs_error_status(err, 405, NULL, "method %s not allowed here (allowed: %s)", r->method,
                            allow);
}
