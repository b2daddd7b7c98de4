/*
 * actions.c - /api/audit/v1/action/ (Tutum: /api/v1/action/): lists and
 * reads the actions of the caller's namespaces (action_model.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/resources.h"
#include "util/datetime.h"

static void datetime(json_t *obj, const char *field, const json_t *engine_time)
{
    char buf[DCS_DATETIME_LEN];
    const char *s = json_string_value(engine_time);

    if (s && dcs_datetime_from_engine(s, buf))
        json_object_set_new(obj, field, json_string(buf));
    else
        json_object_set_new(obj, field, json_null());
}

/* The Docker Cloud action object (no "logs": it is an SDK method). */
static json_t *action_object(struct dcs_ctx *c, const json_t *act)
{
    char uri[256];
    json_t *obj;
    const json_t *state = json_object_get(act, "state");

    snprintf(uri, sizeof(uri), "%s%s/",
             c->req->rt.family == DCS_FAM_TUTUM ? "/api/v1/action/" : "/api/audit/v1/action/",
             json_string_value(json_object_get(act, "uuid")));
    obj = json_pack("{s:O, s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:s, s:s, s:s, s:b, s:b, s:b}",
                    "uuid", json_object_get(act, "uuid"), "resource_uri", uri, "object",
                    json_object_get(act, "object"), "action", json_object_get(act, "action"),
                    "method", json_object_get(act, "method"), "path",
                    json_object_get(act, "path"), "user", json_object_get(act, "user"), "ip",
                    json_object_get(act, "ip"), "location", "", "user_agent", "", "state",
                    json_string_value(state) ? json_string_value(state) : "In progress",
                    "is_user_action", 1, "can_be_canceled", 0, "can_be_retried", 0);
    json_object_set(obj, "body", json_object_get(act, "body"));
    datetime(obj, "start_date", json_object_get(act, "start"));
    datetime(obj, "end_date", json_object_get(act, "end"));
    return obj;
}

static int newest_first(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(const json_t *const *)a, "start"));
    const char *y = json_string_value(json_object_get(*(const json_t *const *)b, "start"));
    int d = strcmp(y ? y : "", x ? x : "");

    return d ? d : strcmp(json_string_value(json_object_get(*(const json_t *const *)b, "uuid")),
                          json_string_value(json_object_get(*(const json_t *const *)a, "uuid")));
}

static int list(struct dcs_ctx *c, struct dcs_error *err)
{
    static const char *const allowed[] = {"uuid", "uuid__startswith", "object", NULL};
    const char *prefix = dcs_param(c->req, "uuid__startswith"), *object = dcs_param(c->req, "object");
    json_t *acts, *objs, *a;
    size_t i, n;
    json_t **v;
    int rc;

    if (dcs_check_params(c->req, allowed, err))
        return DCS_ERR;
    acts = dcs_actions_load(c, dcs_param(c->req, "uuid"), err);
    if (!acts)
        return DCS_ERR;
    n = json_array_size(acts);
    v = malloc((n ? n : 1) * sizeof(*v));
    for (i = 0; v && i < n; i++)
        v[i] = json_array_get(acts, i);
    if (v)
        qsort(v, n, sizeof(*v), newest_first);
    objs = json_array();
    for (i = 0; v && i < n; i++) {
        a = v[i];
        if (prefix && strncmp(json_string_value(json_object_get(a, "uuid")), prefix, strlen(prefix)))
            continue;
        if (object && strcmp(json_string_value(json_object_get(a, "object")), object))
            continue;
        json_array_append_new(objs, action_object(c, a));
    }
    free(v);
    rc = dcs_reply_list(c->req, objs, err);
    json_decref(objs);
    json_decref(acts);
    return rc;
}

int dcs_actions_route(struct dcs_ctx *c, struct dcs_error *err)
{
    struct dcs_req *r = c->req;
    json_t *acts;
    int rc;

    if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
        return dcs_method_not_allowed(r, "GET", err);
    }
    if (r->rt.verb[0])
        return dcs_error_status(err, 404, NULL, "not found");
    if (!r->rt.id[0])
        return list(c, err);
    acts = dcs_actions_load(c, r->rt.id, err);
    if (!acts)
        return DCS_ERR;
    if (!json_array_size(acts)) {
        json_decref(acts);
        return dcs_error_status(err, 404, NULL, "no action with uuid %s", r->rt.id);
    }
    rc = dcs_reply(r, 200, action_object(c, json_array_get(acts, 0)));
    json_decref(acts);
    return rc;
}
