/*
 * image_env.c - what the engine says that does not change between requests:
 * the environment of an image's config (calculated_envvars with origin
 * "image"), and the secret service tokens are signed with.  Caches only:
 * losing them loses nothing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "http/model.h"
#include "swarm/swarm.h"

#define IMAGE_TTL 300

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *images;     /* image -> {"env": [...], "at": time} */

static json_t *env_of(const json_t *inspect)
{
    json_t *out = json_array(), *e;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(inspect, "Config"), "Env"), i, e) {
        const char *kv = json_string_value(e), *eq = kv ? strchr(kv, '=') : NULL;
        if (eq)
            json_array_append_new(out, json_pack("{s:s%, s:s, s:s}", "key", kv,
                                                 (size_t)(eq - kv), "value", eq + 1,
                                                 "origin", "image"));
    }
    return out;
}

json_t *dcs_image_env(struct dcs_ctx *c, const char *image)
{
    json_t *hit, *inspect = NULL, *env;
    struct dcs_error e = {0};
    char *esc, path[1200];

    if (!image)
        return json_array();
    pthread_mutex_lock(&lock);
    if (!images)
        images = json_object();
    hit = json_object_get(images, image);
    if (hit && c->now - json_integer_value(json_object_get(hit, "at")) < IMAGE_TTL) {
        env = json_incref(json_object_get(hit, "env"));
        pthread_mutex_unlock(&lock);
        return env;
    }
    pthread_mutex_unlock(&lock);
    esc = dcs_url_escape(image, &e);
    snprintf(path, sizeof(path), "/images/%s/json", esc ? esc : "");
    free(esc);
    /* An image this engine has not pulled has no known environment. */
    dcs_engine_request(c->eng, "GET", path, NULL, &inspect, &e);
    env = env_of(inspect);
    json_decref(inspect);
    pthread_mutex_lock(&lock);
    json_object_set_new(images, image, json_pack("{s:O, s:I}", "env", env, "at",
                                                 (json_int_t)c->now));
    pthread_mutex_unlock(&lock);
    return env;
}

int dcs_token_secret(struct dcs_ctx *c, char *out, size_t len, struct dcs_error *err)
{
    json_t *recs = dcs_records(c, DCS_KIND_TOKEN_KEY, NULL, NULL, err), *data;
    unsigned char b[32];
    char hex[65];

    if (!recs)
        return DCS_ERR;
    if (!json_array_size(recs)) {
        if (RAND_bytes(b, sizeof(b)) != 1) {
            json_decref(recs);
            return dcs_error_status(err, 500, NULL, "no randomness for the token secret");
        }
        for (size_t i = 0; i < sizeof(b); i++)
            snprintf(hex + 2 * i, 3, "%02x", b[i]);
        data = json_pack("{s:s}", "secret", hex);
        /* Two servers racing: the name is fixed, one create wins (409). */
        dcs_record_put(c, "dcswarm-token-key", json_pack("{s:s}", DCS_LABEL_KIND,
                                                         DCS_KIND_TOKEN_KEY), data, err);
        json_decref(data);
        json_decref(recs);
        recs = dcs_records(c, DCS_KIND_TOKEN_KEY, NULL, NULL, err);
        if (!recs)
            return DCS_ERR;
    }
    data = json_array_get(recs, 0);
    if (!json_string_value(json_object_get(data, "secret"))) {
        json_decref(recs);
        return dcs_error_status(err, 500, NULL, "the dcswarm-token-key config is unreadable");
    }
    snprintf(out, len, "%s", json_string_value(json_object_get(data, "secret")));
    dcs_auth_set_secret(out);
    json_decref(recs);
    return DCS_OK;
}
