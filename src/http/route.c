/*
 * route.c - which object a path names.  The clients build paths every way:
 * go-dockercloud sends "//api/...", the Python ones always end in "/", the
 * namespace comes after the version or not at all.  Never redirect: answer
 * every spelling in place.
 */
#include <stdio.h>
#include <string.h>

#include "http/api.h"

#define MAX_SEGS 12

static const char *const app_types[] = {"service", "container", "stack", NULL};
static const char *const infra_types[] = {"node", "nodecluster", NULL};
static const char *const tutum_types[] = {"service", "container", "stack", "node",
                                          "nodecluster", "action", "auth", "events", NULL};

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

/* Split on '/', dropping empty segments (which collapses "//"). */
static int split(const char *path, char segs[MAX_SEGS][DCS_ROUTE_LEN])
{
    int n = 0;

    while (*path) {
        size_t len = strcspn(path, "/");
        if (len) {
            if (n == MAX_SEGS || len >= DCS_ROUTE_LEN)
                return -1;
            memcpy(segs[n], path, len);
            segs[n++][len] = '\0';
        }
        path += len;
        path += *path == '/';
    }
    return n;
}

static int not_found(struct dcs_error *err)
{
    return dcs_error_status(err, 404, NULL, "not found");
}

static void copy(char *dst, size_t len, const char *src)
{
    snprintf(dst, len, "%s", src);
}

/* segs[i..] = [ns/]type[/id[/verb[/...]]] */
static int parse_tail(char segs[MAX_SEGS][DCS_ROUTE_LEN], int i, int n,
                      const char *const *types, bool namespaced,
                      struct dcs_route *rt, struct dcs_error *err)
{
    if (i < n && namespaced && !in_list(segs[i], types) && i + 1 < n &&
        in_list(segs[i + 1], types))
        copy(rt->ns, sizeof(rt->ns), segs[i++]);
    if (i >= n || !in_list(segs[i], types))
        return not_found(err);
    copy(rt->type, sizeof(rt->type), segs[i++]);
    if (i < n)
        copy(rt->id, sizeof(rt->id), segs[i++]);
    if (i < n)
        copy(rt->verb, sizeof(rt->verb), segs[i++]);
    /* A service's triggers: trigger/[uuid/[call/[count/]]]. */
    if (!strcmp(rt->verb, "trigger") && !strcmp(rt->type, "service")) {
        if (i < n)
            copy(rt->sub_id, sizeof(rt->sub_id), segs[i++]);
        if (i < n)
            copy(rt->sub_verb, sizeof(rt->sub_verb), segs[i++]);
        if (i < n && !strcmp(rt->sub_verb, "call"))
            copy(rt->sub_arg, sizeof(rt->sub_arg), segs[i++]);
    }
    return i == n ? DCS_OK : not_found(err);
}

int dcs_route_parse(const char *path, struct dcs_route *rt, struct dcs_error *err)
{
    char segs[MAX_SEGS][DCS_ROUTE_LEN];
    int n = split(path, segs);

    memset(rt, 0, sizeof(*rt));
    if (n < 0)
        return not_found(err);
    /* Readiness: the engine answers (/_ping, as before /_ready existed). */
    if (n == 1 && (!strcmp(segs[0], "_ping") || !strcmp(segs[0], "_ready"))) {
        rt->family = DCS_FAM_PING;
        return DCS_OK;
    }
    if (n == 2 && !strcmp(segs[0], "_registry") && !strcmp(segs[1], "notifications")) {
        rt->family = DCS_FAM_REGISTRY;
        return DCS_OK;
    }
    /* The Tutum stream host's paths: /v1/service/<uuid>/logs/, /v1/events. */
    if (n >= 2 && !strcmp(segs[0], "v1")) {
        rt->family = DCS_FAM_TUTUM;
        return parse_tail(segs, 1, n, tutum_types, false, rt, err);
    }
    if (n < 3 || strcmp(segs[0], "api"))
        return not_found(err);
    if (!strcmp(segs[1], "v1")) {
        rt->family = DCS_FAM_TUTUM;
        return parse_tail(segs, 2, n, tutum_types, false, rt, err);
    }
    if (n < 4 || strcmp(segs[2], "v1"))
        return not_found(err);
    if (!strcmp(segs[1], "app")) {
        rt->family = DCS_FAM_APP;
        return parse_tail(segs, 3, n, app_types, true, rt, err);
    }
    if (!strcmp(segs[1], "infra")) {
        rt->family = DCS_FAM_INFRA;
        return parse_tail(segs, 3, n, infra_types, true, rt, err);
    }
    if (!strcmp(segs[1], "audit")) {
        /* Events and action logs carry the namespace (docs/design.md §8). */
        static const char *const audit[] = {"action", "events", NULL};
        rt->family = DCS_FAM_AUDIT;
        return parse_tail(segs, 3, n, audit, true, rt, err);
    }
    return not_found(err);
}

void dcs_route_template(const struct dcs_route *rt, int status, char *out, size_t size)
{
    /* A path that named nothing says nothing more: its words are the
     * client's, and would make a label value of each. */
    if (status == 404 || rt->family == DCS_FAM_NONE || !rt->type[0]) {
        snprintf(out, size, rt->family == DCS_FAM_PING ? "/_ready"
                            : rt->family == DCS_FAM_REGISTRY && status != 404
                                ? "/_registry/notifications" : "unknown");
        return;
    }
    snprintf(out, size, "%s%s%s/%s%s%s%s%s%s%s", dcs_route_prefix(rt, rt->type),
             rt->ns[0] ? "{namespace}/" : "", rt->type, rt->id[0] ? "{id}/" : "", rt->verb,
             rt->verb[0] ? "/" : "", rt->sub_id[0] ? "{trigger}/" : "", rt->sub_verb,
             rt->sub_verb[0] ? "/" : "", rt->sub_arg[0] ? "{count}/" : "");
}

const char *dcs_route_prefix(const struct dcs_route *rt, const char *type)
{
    if (rt->family == DCS_FAM_TUTUM)
        return "/api/v1/";
    if (!strcmp(type, "node") || !strcmp(type, "nodecluster"))
        return "/api/infra/v1/";
    if (!strcmp(type, "action"))
        return "/api/audit/v1/";
    return "/api/app/v1/";
}
