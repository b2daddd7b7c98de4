/*
 * registry.c - autoredeploy: POST /_registry/notifications takes a Docker
 * Registry's notification envelope (distribution's
 * application/vnd.docker.distribution.events.v1+json) and redeploys every
 * service with autoredeploy whose image is the repository and tag pushed,
 * onto the pushed digest (repo:tag@sha256:...), so that every node runs
 * what was pushed whatever it has under that tag.
 *
 * The registry authenticates with the shared secret of --registry-secret in
 * its Authorization header (endpoint headers in its config); without a
 * secret configured the endpoint does not exist.  An event is acted on once:
 * a registry retries what it thinks was not delivered, so event ids seen are
 * remembered (the last SEEN_MAX, by this server).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "http/resources.h"
#include "swarm/swarm.h"
#include "translate/translate.h"

#define SEEN_MAX 4096

static struct {
    pthread_mutex_t lock;
    char id[SEEN_MAX][64];
    size_t next;
} seen = {PTHREAD_MUTEX_INITIALIZER, {{0}}, 0};

/* Was this event id acted on already?  Remembers it either way. */
static bool seen_before(const char *id)
{
    bool found = false;

    pthread_mutex_lock(&seen.lock);
    for (size_t i = 0; i < SEEN_MAX && !found; i++)
        found = seen.id[i][0] && !strcmp(seen.id[i], id);
    if (!found)
        snprintf(seen.id[seen.next++ % SEEN_MAX], 64, "%s", id);
    pthread_mutex_unlock(&seen.lock);
    return found;
}

static bool authorized(const struct dcs_ctx *c)
{
    const char *secret = c->cfg->registry_secret, *h = c->req->auth;
    char want[300];

    if (!h)
        return false;
    snprintf(want, sizeof(want), "Bearer %s", secret);
    return strlen(h) == strlen(want) && !CRYPTO_memcmp(h, want, strlen(want));
}

/* "host/repo:tag" of an image reference, the way a push names it: Docker
 * Hub's implicit host and library/ spelled out, the default tag :latest. */
static void image_key(const char *image, char *out, size_t len)
{
    size_t n = strcspn(image, "@"), first = strcspn(image, "/");
    bool slash = first < n;
    bool host = slash && (memchr(image, '.', first) || memchr(image, ':', first) ||
                          (first == 9 && !strncmp(image, "localhost", 9)));
    const char *name = image + n;
    bool tagged;

    while (name > image && name[-1] != '/')
        name--;
    tagged = memchr(name, ':', (size_t)(image + n - name)) != NULL;
    snprintf(out, len, "%s%s%.*s%s", host ? "" : "docker.io/", slash ? "" : "library/", (int)n,
             image, tagged ? "" : ":latest");
}

/* The pushed manifest of an event as "host/repo:tag" and its digest. */
static bool pushed(const json_t *ev, char *key, size_t len, const char **digest)
{
    const json_t *t = json_object_get(ev, "target");
    const char *repo = json_string_value(json_object_get(t, "repository"));
    const char *tag = json_string_value(json_object_get(t, "tag"));
    const char *host = json_string_value(json_object_get(json_object_get(ev, "request"), "host"));
    const char *type = json_string_value(json_object_get(t, "mediaType"));
    char ref[600];

    *digest = json_string_value(json_object_get(t, "digest"));
    if (!repo || !tag || !*tag || !*digest || !host ||
        !json_string_value(json_object_get(ev, "action")) ||
        strcmp(json_string_value(json_object_get(ev, "action")), "push") ||
        (type && !strstr(type, "manifest")))
        return false;
    snprintf(ref, sizeof(ref), "%s/%s:%s", host, repo, tag);
    image_key(ref, key, len);
    return true;
}

/* The services with autoredeploy whose image is `key`. */
static json_t *watching(struct dcs_ctx *c, const char *key, struct dcs_error *err)
{
    json_t *filters = NULL, *all, *out = json_array(), *svc, *kept;
    char kv[64], mine[600];
    size_t i;

    snprintf(kv, sizeof(kv), "%s", DCS_LABEL_UUID);
    dcs_filters_add(&filters, "label", kv, err);
    all = dcs_service_list(c->eng, filters, err);
    json_decref(filters);
    if (!all) {
        json_decref(out);
        return NULL;
    }
    json_array_foreach(all, i, svc) {
        const char *text = dcs_label(svc, DCS_LABEL_SPEC);
        kept = text ? json_loads(text, 0, NULL) : NULL;
        if (json_is_true(json_object_get(kept, "autoredeploy")) &&
            json_string_value(json_object_get(kept, "image"))) {
            image_key(json_string_value(json_object_get(kept, "image")), mine, sizeof(mine));
            if (!strcmp(mine, key))
                json_array_append(out, svc);
        }
        json_decref(kept);
    }
    json_decref(all);
    return out;
}

static json_t *redeploy_all(struct dcs_ctx *c, const json_t *ev, const char *key,
                            const char *digest, struct dcs_error *err)
{
    json_t *services = watching(c, key, err), *done = json_array(), *svc;
    const char *repo_tag = key;
    char image[700], action[DCS_ROUTE_LEN];
    size_t i;

    (void)ev;
    if (!services)
        return NULL;
    json_array_foreach(services, i, svc) {
        const char *ns = dcs_label(svc, DCS_LABEL_NAMESPACE);
        const char *kept_image = NULL;
        json_t *kept = json_loads(dcs_label(svc, DCS_LABEL_SPEC), 0, NULL);
        struct dcs_error e = {0};
        kept_image = json_string_value(json_object_get(kept, "image"));
        /* The service's own spelling of the image, pinned to the push. */
        snprintf(image, sizeof(image), "%.*s@%s",
                 (int)strcspn(kept_image ? kept_image : repo_tag, "@"),
                 kept_image ? kept_image : repo_tag, digest);
        json_decref(kept);
        snprintf(c->req->ns, sizeof(c->req->ns), "%s", ns ? ns : "");
        c->req->action_uri[0] = 0;
        if (dcs_service_redeploy_to(c, svc, image, action, sizeof(action), &e)) {
            dcs_http_log("autoredeploy of service %s onto %s failed: %s",
                         dcs_label(svc, DCS_LABEL_UUID), image, e.text);
            continue;
        }
        dcs_http_log("autoredeploy: %s pushed, service %s redeployed onto %s, action %s", key,
                     dcs_label(svc, DCS_LABEL_UUID), image, action);
        json_array_append_new(done, json_pack("{s:s, s:s, s:s}", "service",
                                              dcs_label(svc, DCS_LABEL_UUID), "image", image,
                                              "action", action));
    }
    json_decref(services);
    return done;
}

int dcs_registry_route(struct dcs_ctx *c, struct dcs_error *err)
{
    struct dcs_req *r = c->req;
    const json_t *events = json_object_get(r->json, "events"), *ev;
    json_t *done = json_array(), *some;
    const char *digest, *id;
    char key[600];
    size_t i, skipped = 0;

    if (!c->cfg->registry_secret[0])
        return dcs_error_status(err, 404, NULL, "not found: no --registry-secret is set");
    if (strcmp(r->method, "POST"))
        return dcs_method_not_allowed(r, "POST", err);
    if (!authorized(c))
        return dcs_error_status(err, 401, NULL, "expected Authorization: Bearer <the "
                                "--registry-secret>");
    if (!json_is_array(events))
        return dcs_error_status(err, 400, "events", "expected a list of registry events");
    json_array_foreach(events, i, ev) {
        id = json_string_value(json_object_get(ev, "id"));
        if (!pushed(ev, key, sizeof(key), &digest) || (id && seen_before(id))) {
            skipped++;
            continue;
        }
        if ((some = redeploy_all(c, ev, key, digest, err)))
            json_array_extend(done, some);
        json_decref(some);
    }
    r->action_uri[0] = 0; /* several, or none: in the body */
    return dcs_reply(r, 200, json_pack("{s:o, s:I}", "redeployed", done, "skipped",
                                       (json_int_t)skipped));
}
