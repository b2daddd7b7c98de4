/*
 * stream_event_map.c - engine events as Docker Cloud events (docs/design.md §7):
 * which engine events make one, the object, its URIs and its state, and
 * which clients get it.  Pure: the hub (stream_events.c) does the look-ups.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/streams.h"

void dcs_event_uri(const char *type, const char *ns, const char *uuid, char *out,
                   size_t len)
{
    if (!strcmp(type, "node"))
        snprintf(out, len, "/api/infra/v1/node/%s/", uuid);
    else if (!strcmp(type, "action"))
        snprintf(out, len, "/api/audit/v1/action/%s/", uuid);
    else
        snprintf(out, len, "/api/app/v1/%s/%s/%s/", ns ? ns : "", type, uuid);
}

/* The last two segments of a resource URI: its type and its uuid. */
static bool uri_object(const char *uri, char *type, size_t tlen, char *uuid, size_t ulen)
{
    size_t n = strlen(uri), end, mid, start;

    while (n && uri[n - 1] == '/')
        n--;
    for (end = n; n && uri[n - 1] != '/'; n--)
        ;
    if (!n || n == end)
        return false;
    mid = n - 1;
    for (start = mid; start && uri[start - 1] != '/'; start--)
        ;
    if (start == mid || end - n >= ulen || mid - start >= tlen)
        return false;
    snprintf(uuid, ulen, "%.*s", (int)(end - n), uri + n);
    snprintf(type, tlen, "%.*s", (int)(mid - start), uri + start);
    return true;
}

void dcs_event_canonical_uri(const char *uri, const char *ns, char *out, size_t len)
{
    char type[32], uuid[DCS_ROUTE_LEN];

    if (uri_object(uri, type, sizeof(type), uuid, sizeof(uuid)))
        dcs_event_uri(type, ns, uuid, out, len);
    else
        snprintf(out, len, "%s", uri);
}

static json_t *tutum_uri(const json_t *uri)
{
    char type[32], uuid[DCS_ROUTE_LEN], out[512];
    const char *s = json_string_value(uri);

    if (!s || !uri_object(s, type, sizeof(type), uuid, sizeof(uuid)))
        return json_incref((json_t *)uri);
    snprintf(out, sizeof(out), "/api/v1/%s/%s/", type, uuid);
    return json_string(out);
}

json_t *dcs_event_tutum(const json_t *event)
{
    json_t *ev = json_copy((json_t *)event), *parents = json_array();
    const json_t *p;
    size_t i;

    if (!ev || !parents) {
        json_decref(ev);
        json_decref(parents);
        return NULL;
    }
    json_array_foreach(json_object_get(event, "parents"), i, p)
        json_array_append_new(parents, tutum_uri(p));
    json_object_set_new(ev, "parents", parents);
    json_object_set_new(ev, "resource_uri", tutum_uri(json_object_get(event, "resource_uri")));
    return ev;
}

json_t *dcs_event_object(const struct dcs_evinfo *in, const char *event_uuid)
{
    char uri[512], when[32];
    time_t t = (time_t)(in->time_ns / 1000000000LL);
    struct tm tm;
    json_t *parents = in->parents ? json_incref((json_t *)in->parents) : json_array();

    dcs_event_uri(in->type, in->ns, in->uuid, uri, sizeof(uri));
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s}", "type", in->type, "action",
                     in->action, "parents", parents,
                     "resource_uri", uri, "state", in->state ? in->state : "", "uuid",
                     event_uuid, "datetime", when);
}

const char *dcs_event_action(const char *type, const char *action)
{
    static const struct { const char *type, *action, *dc; } map[] = {
        {"service", "create", "create"}, {"service", "update", "update"},
        {"service", "remove", "delete"},
        {"node", "create", "create"}, {"node", "update", "update"},
        {"node", "remove", "delete"},
        {"container", "create", "create"}, {"container", "start", "update"},
        {"container", "die", "update"}, {"container", "kill", "update"},
        {"container", "destroy", "delete"},
        {"config", "create", "create"},
    };

    if (!type || !action)
        return NULL;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(map[i].type, type) && !strcmp(map[i].action, action))
            return map[i].dc;
    return NULL;
}

const char *dcs_event_container_state(const char *action)
{
    if (!strcmp(action, "create"))
        return "Starting";
    if (!strcmp(action, "start"))
        return "Running";
    if (!strcmp(action, "kill"))
        return "Stopping";
    if (!strcmp(action, "destroy"))
        return "Terminated";
    return "Stopped";
}

const char *dcs_event_node_state(const json_t *attributes)
{
    const char *s = json_string_value(json_object_get(attributes, "state.new"));

    return s && strcmp(s, "ready") ? "Unreachable" : "Deployed";
}

/* Is one of the comma-separated values of list equal to s[0..n)? */
static bool in_csv(const char *list, const char *s)
{
    size_t n = strlen(s);

    while (*list) {
        size_t len = strcspn(list, ",");
        if (len == n && !strncmp(list, s, n))
            return true;
        list += len + (list[len] == ',');
    }
    return false;
}

static bool parents_match(const json_t *parents, const char *want)
{
    const json_t *p;
    size_t i;

    json_array_foreach(parents, i, p)
        if (in_csv(want, json_string_value(p)))
            return true;
    return false;
}

bool dcs_event_match(const json_t *event, const char *ev_ns, const char *ns,
                     const json_t *filter)
{
    const char *type = json_string_value(json_object_get(filter, "type"));
    const char *object = json_string_value(json_object_get(filter, "object"));
    const char *parents = json_string_value(json_object_get(filter, "parents"));

    if (!parents)
        parents = json_string_value(json_object_get(filter, "parent"));
    if (ev_ns && strcmp(ev_ns, ns))
        return false;
    if (type && *type && !in_csv(type, json_string_value(json_object_get(event, "type"))))
        return false;
    if (object && *object &&
        strcmp(object, json_string_value(json_object_get(event, "resource_uri"))))
        return false;
    return !parents || !*parents || parents_match(json_object_get(event, "parents"), parents);
}

json_t *dcs_event_drop_notice(size_t dropped, long long now_ns)
{
    struct dcs_evinfo in = {.type = "error", .action = "update", .uuid = "", .state = "",
                            .time_ns = now_ns};
    json_t *ev = dcs_event_object(&in, "");
    char text[160];

    snprintf(text, sizeof(text), "%zu event(s) dropped: this client reads more slowly than "
             "events come", dropped);
    json_object_set_new(ev, "resource_uri", json_string(""));
    json_object_set_new(ev, "data", json_pack("{s:s}", "errorMessage", text));
    return ev;
}
