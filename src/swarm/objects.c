/*
 * objects.c - what every object file needs: the engine's error answers,
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
    return dcs_error_status(err, (int)status, NULL, "%s", text);
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
