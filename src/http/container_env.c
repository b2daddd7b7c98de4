/*
 * container_env.c - what every container of a service is told about itself,
 * as Docker Cloud told it (docs/serve.md, "The environment of a container"):
 * DOCKERCLOUD_SERVICE_*, DOCKERCLOUD_CONTAINER_*, DOCKERCLOUD_NODE_*, and to a
 * service with the global role the API's address and a token.
 *
 * What differs from one container to the next is left to swarm's templates
 * ({{.Task.ID}}, {{.Task.Slot}}, {{.Node.ID}}, {{.Node.Hostname}}), expanded
 * when the task is made: the container route answers to a task ID, the node
 * route to a swarm node ID, so the URIs resolve.  The names go into the
 * dcswarm.link-env label beside the link variables: they are not the user's
 * container_envvars.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "http/model.h"
#include "translate/translate.h"
#include "util/jsonw.h"

struct env_out {
    json_t *env;   /* the spec's ContainerSpec.Env */
    json_t *names; /* the dcswarm.link-env label's names */
};

static void put(struct env_out *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* key=value, replacing what an earlier write of the service set. */
static void put(struct env_out *o, const char *key, const char *fmt, ...)
{
    char value[1024], *kv = NULL;
    size_t klen = strlen(key), i;
    const json_t *e;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    if (asprintf(&kv, "%s=%s", key, value) < 0)
        return;
    json_array_foreach(o->env, i, e)
        if (!strncmp(json_string_value(e), key, klen) && json_string_value(e)[klen] == '=') {
            json_array_set_new(o->env, i, json_string(kv));
            free(kv);
            return;
        }
    json_array_append_new(o->env, json_string(kv));
    dcs_json_add_unique(o->names, key);
    free(kv);
}

static bool has_global_role(const json_t *canon)
{
    const json_t *r;
    size_t i;

    json_array_foreach(json_object_get(canon, "roles"), i, r)
        if (json_string_value(r) && !strcmp(json_string_value(r), "global"))
            return true;
    return false;
}

/* The Authorization header a service's containers send: its namespace's
 * service key, valid as long as the server secret on the swarm. */
static int service_auth(struct dcs_ctx *c, const char *ns, char *out, size_t len,
                        struct dcs_error *err)
{
    char secret[128], key[256], plain[400];
    unsigned char b64[4 * (sizeof(plain) + 2) / 3 + 1];

    if (dcs_token_secret(c, secret, sizeof(secret), err))
        return DCS_ERR;
    dcs_auth_service_key(secret, ns, key, sizeof(key));
    snprintf(plain, sizeof(plain), "%s:%s", DCS_SERVICE_USER, key);
    EVP_EncodeBlock(b64, (const unsigned char *)plain, (int)strlen(plain));
    snprintf(out, len, "Basic %s", (const char *)b64);
    return DCS_OK;
}

static void put_identity(struct env_out *o, const struct dcs_serve_config *cfg, const char *ns,
                         const char *name, const char *uuid, bool global)
{
    const char *url = cfg->public_url;

    put(o, "DOCKERCLOUD_SERVICE_API_URI", "/api/app/v1/%s/service/%s/", ns, uuid);
    put(o, "DOCKERCLOUD_SERVICE_API_URL", "%s/api/app/v1/%s/service/%s/", url, ns, uuid);
    put(o, "DOCKERCLOUD_SERVICE_HOSTNAME", "%s", name);
    put(o, "DOCKERCLOUD_CONTAINER_API_URI", "/api/app/v1/%s/container/{{.Task.ID}}/", ns);
    put(o, "DOCKERCLOUD_CONTAINER_API_URL", "%s/api/app/v1/%s/container/{{.Task.ID}}/", url, ns);
    /* A global service's tasks have no slot (swarm puts the node ID there):
     * they are told apart by their node. */
    if (global)
        put(o, "DOCKERCLOUD_CONTAINER_HOSTNAME", "%s-{{.Node.Hostname}}", name);
    else
        put(o, "DOCKERCLOUD_CONTAINER_HOSTNAME", "%s" DCS_HOSTNAME_SLOT, name);
    put(o, "DOCKERCLOUD_NODE_API_URI", "/api/infra/v1/node/{{.Node.ID}}/");
    put(o, "DOCKERCLOUD_NODE_API_URL", "%s/api/infra/v1/node/{{.Node.ID}}/", url);
    put(o, "DOCKERCLOUD_NODE_HOSTNAME", "{{.Node.Hostname}}");
}

int dcs_container_env(struct dcs_ctx *c, json_t *spec, struct dcs_error *err)
{
    json_t *labels = json_object_get(spec, "Labels");
    json_t *cs = json_object_get(json_object_get(spec, "TaskTemplate"), "ContainerSpec");
    const char *uuid = json_string_value(json_object_get(labels, DCS_LABEL_UUID));
    const char *name = json_string_value(json_object_get(labels, DCS_LABEL_NAME));
    const char *injected = json_string_value(json_object_get(labels, DCS_LABEL_LINKENV));
    const char *kept = json_string_value(json_object_get(labels, DCS_LABEL_SPEC));
    json_t *canon = kept ? json_loads(kept, 0, NULL) : NULL;
    struct env_out o = {json_object_get(cs, "Env"), NULL};
    bool role_global = has_global_role(canon);
    char auth[600], *text;
    int rc = DCS_OK;

    json_decref(canon);
    if (!uuid || !name || !json_is_object(cs))
        return DCS_OK; /* not a service of ours: nothing to say about it */
    if (!o.env) {
        o.env = json_array();
        json_object_set_new(cs, "Env", o.env);
    }
    o.names = injected ? json_loads(injected, 0, NULL) : NULL;
    if (!json_is_array(o.names)) {
        json_decref(o.names);
        o.names = json_array();
    }
    put_identity(&o, c->cfg, c->req->ns, name, uuid,
                 json_object_get(json_object_get(spec, "Mode"), "Global") != NULL);
    if (role_global && !(rc = service_auth(c, c->req->ns, auth, sizeof(auth), err))) {
        put(&o, "DOCKERCLOUD_AUTH", "%s", auth);
        put(&o, "DOCKERCLOUD_REST_HOST", "%s", c->cfg->public_url);
        put(&o, "DOCKERCLOUD_STREAM_HOST", "%s", c->cfg->stream_url);
    }
    if ((text = dcs_json_compact(o.names)))
        json_object_set_new(labels, DCS_LABEL_LINKENV, json_string(text));
    free(text);
    json_decref(o.names);
    return rc;
}
