/*
 * response.c - what every object file needs: the engine's error answers,
 * object paths, list calls and the IDs and warnings of create answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swarm/engine_int.h"
#include "swarm/swarm.h"

#define GRPC_PREFIX "rpc error: code = "
#define GRPC_DESC " desc = "

/* Skip "rpc error: code = Unknown desc = ": the meaning is after it. */
static const char *strip_grpc(const char *msg)
{
    while (!strncmp(msg, GRPC_PREFIX, strlen(GRPC_PREFIX))) {
        const char *desc = strstr(msg, GRPC_DESC);

        if (!desc)
            break;
        msg = desc + strlen(GRPC_DESC);
    }
    return msg;
}

/* What the engine's answer means for a caller that acts on it; the one
 * place its words are read. */
static enum dcs_errc engine_code(long status, const char *text)
{
    if (strstr(text, "update out of sequence"))
        return DCS_E_OUT_OF_SEQUENCE;
    if (strstr(text, "network") && strstr(text, "not found"))
        return DCS_E_NETWORK_NOT_FOUND;
    if (status == 400 && strstr(text, "HTTPS server")) /* Go's answer on a TLS port */
        return DCS_E_TLS_EXPECTED;
    if (status == 404)
        return DCS_E_NOT_FOUND;
    if (status == 409)
        return DCS_E_CONFLICT;
    return DCS_E_NONE;
}

int sw_engine_error(struct dcs_error *err, long status, const char *body,
                    size_t len)
{
    json_t *answer = NULL;
    const char *msg = NULL;
    char text[DCS_ERROR_TEXT_LEN];
    size_t n;

    if (len)
        answer = json_loadb(body, len, 0, NULL);
    msg = json_string_value(json_object_get(answer, "message"));
    if (!msg && len)
        msg = body;
    if (msg && *msg)
        snprintf(text, sizeof(text), "%s", strip_grpc(msg));
    else
        snprintf(text, sizeof(text), "the engine answered %ld, without a "
                 "message", status);
    n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' ||
                 text[n - 1] == ' '))
        text[--n] = '\0';
    json_decref(answer);
    dcs_error_status(err, (int)status, NULL, "%s", text);
    if (err)
        err->code = engine_code(status, text);
    return DCS_ERR;
}

char *sw_object_path(const char *prefix, const char *id, const char *suffix,
                     struct dcs_error *err)
{
    char *escaped, *path = NULL;

    if (!id || !*id) {
        dcs_error_status(err, 400, NULL, "an object ID or name is needed");
        return NULL;
    }
    escaped = dcs_url_escape(id, err);
    if (!escaped)
        return NULL;
    if (asprintf(&path, "%s/%s%s", prefix, escaped, suffix) < 0) {
        path = NULL;
        sw_oom(err);
    }
    free(escaped);
    return path;
}

json_t *sw_get_list(struct dcs_engine *eng, const char *prefix,
                    const json_t *filters, struct dcs_error *err)
{
    char *query = dcs_filters_query(filters, err), *path = NULL;
    json_t *list = NULL;

    if (!query)
        return NULL;
    if (asprintf(&path, "%s%s%s", prefix, *query ? "?" : "", query) < 0) {
        path = NULL;
        sw_oom(err);
        goto out;
    }
    if (dcs_engine_request(eng, "GET", path, NULL, &list, err) != DCS_OK)
        goto out;
    if (!json_is_array(list)) {
        json_decref(list);
        list = NULL;
        dcs_error_status(err, 502, NULL,
                         "the Docker engine at %s answered GET %s with "
                         "something other than a list", eng->cfg.host, prefix);
    }
out:
    free(query);
    free(path);
    return list;
}

/* The path of a read: prefix/<id>, or prefix?filters=... */
static char *get_path(const struct dcs_get *g, struct dcs_error *err)
{
    char *query, *path = NULL;

    if (g->post) {
        path = strdup(g->prefix);
        if (!path)
            sw_oom(err);
        return path;
    }
    if (g->id)
        return sw_object_path(g->prefix, g->id, "", err);
    query = dcs_filters_query(g->filters, err);
    if (!query)
        return NULL;
    if (asprintf(&path, "%s%s%s", g->prefix, *query ? "?" : "", query) < 0) {
        path = NULL;
        sw_oom(err);
    }
    free(query);
    return path;
}

int dcs_engine_get_all(struct dcs_engine *eng, struct dcs_get *gets, size_t n,
                       struct dcs_error *err)
{
    char *paths[DCS_GET_MAX] = {0};
    const json_t *posts[DCS_GET_MAX] = {0};
    int shared[DCS_GET_MAX] = {0};
    json_t *outs[DCS_GET_MAX] = {0};
    struct dcs_error errs[DCS_GET_MAX];
    size_t i;
    int rc = DCS_OK;

    if (n > DCS_GET_MAX || n > SW_PAR_MAX)
        return dcs_error_status(err, 500, NULL, "%zu concurrent reads asked "
                                "for, at most %d", n, DCS_GET_MAX);
    for (i = 0; i < n; i++) {
        gets[i].out = NULL;
        dcs_error_clear(&gets[i].err);
        paths[i] = get_path(&gets[i], &gets[i].err);
        shared[i] = gets[i].shared && !gets[i].id && !gets[i].post;
        posts[i] = gets[i].post;
        if (!paths[i])
            rc = DCS_ERR;
    }
    if (rc == DCS_OK && n == 1) {
        /* One request: on the handle's own connection. */
        rc = posts[0] ? dcs_engine_request(eng, "POST", paths[0], posts[0], &gets[0].out,
                                           &gets[0].err)
                      : sw_get(eng, paths[0], shared[0], &gets[0].out, &gets[0].err);
    } else if (rc == DCS_OK) {
        rc = sw_request_all(eng, n, (const char *const *)paths, posts, shared, outs, errs);
        for (i = 0; i < n; i++) {
            gets[i].out = outs[i];
            gets[i].err = errs[i];
        }
    }
    for (i = 0; i < n; i++) {
        int want_list = !gets[i].id && !gets[i].post;
        free(paths[i]);
        if (gets[i].out && (want_list ? !json_is_array(gets[i].out)
                                      : !json_is_object(gets[i].out))) {
            json_decref(gets[i].out);
            gets[i].out = NULL;
            dcs_error_status(&gets[i].err, 502, NULL, "the Docker engine at "
                             "%s answered %s %s with something other than "
                             "%s", eng->cfg.host, gets[i].post ? "POST" : "GET",
                             gets[i].prefix, want_list ? "a list" : "an object");
            rc = DCS_ERR;
        }
    }
    for (i = 0; i < n; i++)
        if (gets[i].err.status) {
            *err = gets[i].err;
            break;
        }
    return rc;
}

int sw_object_request(struct dcs_engine *eng, const char *method,
                      const char *prefix, const char *id, json_t **out,
                      struct dcs_error *err)
{
    char *path = sw_object_path(prefix, id, "", err);
    int rc;

    if (!path)
        return DCS_ERR;
    rc = dcs_engine_request(eng, method, path, NULL, out, err);
    free(path);
    return rc;
}

char *sw_take_id(struct dcs_engine *eng, const json_t *answer, const char *key,
                 struct dcs_error *err)
{
    const char *id = json_string_value(json_object_get(answer, key));
    char *copy;

    if (!id || !*id) {
        dcs_error_status(err, 502, NULL,
                         "the Docker engine at %s did not say the new "
                         "object's %s", eng->cfg.host, key);
        return NULL;
    }
    copy = strdup(id);
    if (!copy)
        sw_oom(err);
    return copy;
}

json_t *sw_collect_warnings(struct dcs_engine *eng, const json_t *answer,
                            struct dcs_error *err)
{
    json_t *list = json_array(), *w;
    const char *one = json_string_value(json_object_get(answer, "Warning"));
    size_t i;
    int bad = !list;

    json_array_foreach(json_object_get(answer, "Warnings"), i, w) {
        if (json_is_string(w) && !bad)
            bad = json_array_append(list, w) != 0;
    }
    if (one && *one && !bad)
        bad = json_array_append_new(list, json_string(one)) != 0;
    if (bad) {
        json_decref(list);
        sw_oom(err);
        return NULL;
    }
    json_decref(eng->last_warnings);
    eng->last_warnings = json_incref(list);
    return list;
}
