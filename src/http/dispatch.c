/*
 * dispatch.c - one request, on a worker thread: the path, the caller, the
 * namespace, the body, then the handler of the object type.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "http/pool.h"
#include "http/resources.h"
#include "util/jsonw.h"
#include "http/streams.h"
#include "swarm/swarm.h"
#include "translate/translate.h"

static pthread_rwlock_t auth_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct dcs_auth *auth_keys;

void dcs_http_set_auth(struct dcs_auth *a)
{
    struct dcs_auth *old;

    pthread_rwlock_wrlock(&auth_lock);
    old = auth_keys;
    auth_keys = a;
    pthread_rwlock_unlock(&auth_lock);
    dcs_auth_free(old);
}

int dcs_http_reload_auth(const char *path, struct dcs_error *err)
{
    struct dcs_auth *a = dcs_auth_load(path, err);

    if (!a)
        return DCS_ERR;
    dcs_http_set_auth(a);
    return DCS_OK;
}

/* "/api//app/v1/service" -> "/api/app/v1/service/": one spelling for the
 * paths we build from it (list pages). */
static void normalize_path(struct dcs_req *r)
{
    size_t n = strlen(r->path), j = 0;
    char *out = malloc(n + 2);

    if (!out)
        return;
    for (size_t i = 0; i < n; i++)
        if (r->path[i] != '/' || !j || out[j - 1] != '/')
            out[j++] = r->path[i];
    if (!j || out[j - 1] != '/')
        out[j++] = '/';
    out[j] = '\0';
    free(r->path);
    r->path = out;
}

/* The key of the query segment at seg (up to '=' or '&'), for a message:
 * at most 40 bytes, and only if they are printable ASCII. */
static void segment_key(const char *seg, char *out, size_t size)
{
    size_t n = strcspn(seg, "=&"), i;

    if (n > 40)
        n = 40;
    for (i = 0; i < n && i + 1 < size; i++)
        out[i] = seg[i] >= 0x20 && seg[i] < 0x7f ? seg[i] : '?';
    out[i] = 0;
}

/* evhttp leaves "%ZZ" as it is and ends a value at "%00"; a value that
 * is not UTF-8 cannot be a JSON string: each would drop or change a
 * filter without a word, so each is refused, naming the parameter. */
static int check_query(const char *query, struct dcs_error *err)
{
    const char *seg = query, *p;
    char key[48];

    for (p = query; *p; p++) {
        if (*p == '&')
            seg = p + 1;
        if (*p != '%')
            continue;
        segment_key(seg, key, sizeof(key));
        if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
            return dcs_error_status(err, 400, key, "invalid percent-encoding in the query: "
                                    "expected %%XX, two hexadecimal digits");
        if (p[1] == '0' && p[2] == '0')
            return dcs_error_status(err, 400, key, "a NUL character (%%00) cannot be in "
                                    "the query");
    }
    return DCS_OK;
}

static int parse_query(struct dcs_req *r, struct dcs_error *err)
{
    struct evkeyvalq q = {0};
    struct evkeyval *kv;
    int rc = DCS_OK;

    r->params = json_object();
    if (!r->query || !*r->query)
        return DCS_OK;
    if (check_query(r->query, err))
        return DCS_ERR;
    /* evhttp_parse_query_str decodes '+' as a space ("state=Not+running"). */
    if (evhttp_parse_query_str(r->query, &q))
        return dcs_error_status(err, 400, NULL, "malformed query string");
    for (kv = q.tqh_first; kv && !rc; kv = kv->next.tqe_next) {
        if (!*kv->key)
            continue;
        if (!dcs_utf8_valid(kv->key, strlen(kv->key)) ||
            !dcs_utf8_valid(kv->value, strlen(kv->value))) {
            char key[48];
            segment_key(kv->key, key, sizeof(key));
            rc = dcs_error_status(err, 400, key, "a query parameter must be UTF-8 "
                                  "(percent-encoded)");
        } else {
            json_object_set_new(r->params, kv->key, json_string(kv->value));
        }
    }
    evhttp_clear_headers(&q);
    return rc;
}

/* The media types a body is read as JSON under: JSON's own (with or
 * without parameters, and +json), none at all (go-dockercloud sends no
 * Content-Type), and form-urlencoded, what `curl -d '{...}'` declares
 * when a script does not say -H 'Content-Type: application/json'. */
static bool json_media_type(const char *ct)
{
    size_t n = strcspn(ct, ";");

    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    return !n || (n == 16 && !strncasecmp(ct, "application/json", 16)) ||
           (n > 17 && !strncasecmp(ct, "application/", 12) && !strncasecmp(ct + n - 5, "+json", 5)) ||
           (n == 33 && !strncasecmp(ct, "application/x-www-form-urlencoded", 33));
}

/* JSON iff the body is not empty; a body declared as something that is
 * not JSON is a 415. */
static int parse_body(struct dcs_req *r, struct dcs_error *err)
{
    const char *ct = r->content_type;

    if (r->body_too_large)
        return dcs_error_status(err, 413, NULL, "request body too large");
    r->json = NULL;
    if (!r->body_len) {
        r->json = json_object();
        return DCS_OK;
    }
    if (ct && !json_media_type(ct))
        return dcs_error_status(err, 415, "Content-Type", "unsupported media type \"%.100s\": "
                                "send application/json", ct);
    r->json = dcs_json_parse(r->body, r->body_len, 0, err);
    if (!r->json) {
        size_t n = strlen(err->text);
        snprintf(err->text + n, sizeof(err->text) - n, " (the body's line %d, column %d)",
                 err->line, err->column);
        err->status = 400;
        return DCS_ERR;
    }
    return DCS_OK;
}

static bool granted(const json_t *grants, const char *ns)
{
    const json_t *g;
    size_t i;

    json_array_foreach(grants, i, g)
        if (!strcmp(json_string_value(g), ns))
            return true;
    return false;
}

static int authenticate(struct dcs_ctx *c, struct dcs_error *err)
{
    struct dcs_req *r = c->req;
    int rc;

    if (c->cfg->insecure) {
        const char *ns = r->rt.ns[0] ? r->rt.ns : "default";
        snprintf(r->user, sizeof(r->user), "%s", ns);
        r->grants = json_pack("[s]", ns);
        return DCS_OK;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        pthread_rwlock_rdlock(&auth_lock);
        rc = dcs_auth_check(auth_keys, r->auth, r->user, sizeof(r->user), &r->grants, err);
        pthread_rwlock_unlock(&auth_lock);
        /* A service token, and this server has not read the secret yet. */
        if (!rc || attempt || !r->auth || !strstr(r->auth, " ") || !dcs_auth_token_like(r->auth))
            break;
        {
            char secret[128];
            struct dcs_error e = {0};
            if (dcs_token_secret(c, secret, sizeof(secret), &e))
                break;
        }
    }
    if (rc)
        r->www_auth = strdup("Basic realm=\"dcswarm\"");
    return rc;
}

/* Another namespace's objects do not exist for this caller: 404, as for
 * an unknown object, so that names do not leak. */
static int choose_namespace(struct dcs_req *r, struct dcs_error *err)
{
    const char *ns = r->rt.ns[0] ? r->rt.ns : json_string_value(json_array_get(r->grants, 0));

    if (!ns || !granted(r->grants, ns))
        return dcs_error_status(err, 404, NULL, "not found");
    snprintf(r->ns, sizeof(r->ns), "%s", ns);
    return DCS_OK;
}

static int ping(struct dcs_ctx *c)
{
    json_t *info = NULL;
    struct dcs_error e = {0};
    int up = !dcs_engine_request(c->eng, "GET", "/version", NULL, &info, &e);

    json_decref(info);
    return dcs_reply(c->req, up ? 200 : 503,
                     json_pack("{s:s, s:b, s:s, s:s}", "status", up ? "ok" : "engine unavailable",
                               "engine", up, "engine_host", dcs_engine_host(c->eng),
                               "version", DCS_VERSION));
}

static int tutum_auth(struct dcs_ctx *c)
{
    json_t *obj = json_pack("{s:s, s:O}", "username", c->req->user, "namespaces",
                            c->req->grants);
    json_t *all = json_pack("[o]", obj);
    struct dcs_error e = {0};
    int rc = dcs_reply_list(c->req, all, &e);

    json_decref(all);
    return rc;
}

static bool is_stream(const struct dcs_route *rt)
{
    return !strcmp(rt->type, "events") ||
           (!strcmp(rt->verb, "logs") &&
            (!strcmp(rt->type, "service") || !strcmp(rt->type, "container") ||
             !strcmp(rt->type, "action")));
}

static int route(struct dcs_ctx *c, struct dcs_error *err)
{
    const char *type = c->req->rt.type;

    if (c->req->rt.family == DCS_FAM_REGISTRY)
        return dcs_registry_route(c, err);
    if (is_stream(&c->req->rt))
        return !strcmp(type, "events") ? dcs_stream_events_route(c, err)
                                       : dcs_stream_logs_route(c, err);
    if (c->req->stream_only || c->req->ws_key)
        return dcs_error_status(err, 404, NULL, "not a stream: the Stream API serves "
                                "logs and events only");

    if (!strcmp(type, "service"))
        return dcs_services_route(c, err);
    if (!strcmp(type, "container"))
        return dcs_containers_route(c, err);
    if (!strcmp(type, "stack"))
        return dcs_stacks_route(c, err);
    if (!strcmp(type, "node") || !strcmp(type, "nodecluster"))
        return dcs_nodes_route(c, err);
    if (!strcmp(type, "action"))
        return dcs_actions_route(c, err);
    if (!strcmp(type, "auth"))
        return tutum_auth(c);
    return dcs_error_status(err, 404, NULL, "not found");
}

/* POST .../service/<uuid>/trigger/<uuid>/call/: the URL is the credential
 * (triggers.c checks it), so no key is asked for. */
static bool trigger_call(const struct dcs_route *rt)
{
    return !strcmp(rt->type, "service") && !strcmp(rt->verb, "trigger") &&
           !strcmp(rt->sub_verb, "call");
}

int dcs_http_prepare(struct dcs_ctx *c, struct dcs_error *err)
{
    struct dcs_req *r = c->req;
    int rc;

    normalize_path(r);
    rc = dcs_route_parse(r->path, &r->rt, err);
    if (rc || r->rt.family == DCS_FAM_PING)
        return rc;
    r->tutum_header = r->rt.family == DCS_FAM_TUTUM;
    if (r->rt.family == DCS_FAM_REGISTRY) {
        /* The registry's shared secret is checked by registry.c. */
        snprintf(r->user, sizeof(r->user), "registry");
    } else if (trigger_call(&r->rt)) {
        snprintf(r->user, sizeof(r->user), "trigger");
        snprintf(r->ns, sizeof(r->ns), "%s", r->rt.ns);
        r->grants = json_pack("[s]", r->ns);
    } else {
        rc = authenticate(c, err);
        if (!rc)
            rc = choose_namespace(r, err);
    }
    if (!rc)
        rc = parse_query(r, err);
    if (!rc)
        rc = parse_body(r, err);
    return rc;
}

void dcs_http_handle(struct dcs_ctx *c)
{
    struct dcs_req *r = c->req;
    struct dcs_error err = {0};
    int rc = dcs_http_prepare(c, &err);

    if (!rc && r->rt.family == DCS_FAM_PING) {
        ping(c);
        return;
    }
    /* A trigger's URL without the namespace: the service's. */
    if (!rc && trigger_call(&r->rt) && !r->ns[0] && !(rc = dcs_trigger_call_namespace(c, &err)))
        json_array_set_new(r->grants, 0, json_string(r->ns));
    if (!rc)
        rc = route(c, &err);
    if (rc) {
        dcs_reply_error(r, &err);
        return;
    }
    if (r->status == 200 && !r->answer)
        r->status = 204;
}
