/*
 * triggers.c - a service's triggers, as Docker Cloud had them:
 * GET/POST .../service/<uuid>/trigger/, GET/DELETE .../trigger/<uuid>/ and
 * POST .../trigger/<uuid>/call/[<n>/], which needs no key: the trigger's
 * uuid in the URL is the credential.
 *
 * The swarm keeps a record per trigger (a config, like actions) holding a
 * random id, never the uuid: the uuid is an HMAC of that id under the
 * secret every dcswarm server of the swarm shares (the token secret of
 * image_env.c), so any server can show it to the namespace's users (the
 * CLI's `trigger ls` prints the URLs) and check a call, and the records
 * alone let nobody call one.  Deleting the record revokes it.
 *
 * A call is rate-limited per trigger (RATE_BURST at once, then one every
 * RATE_EVERY seconds: a retrying CI job cannot redeploy in a loop) and
 * logged; it answers 202 with the action's URI, as the verbs do.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "http/resources.h"
#include "swarm/swarm.h"
#include "translate/translate.h"
#include "util/ids.h"

#define RATE_BURST 5
#define RATE_EVERY 12.0   /* seconds a call is given back */
#define RATE_SLOTS 1024
#define SCALEUP_MAX 100   /* containers one call may add */

/* The uuid of the trigger whose record id is `id`. */
static void trigger_uuid(const char *secret, const char *id, char out[37])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char msg[128];

    snprintf(msg, sizeof(msg), "trigger:%s", id);
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), mac,
         &n);
    dcs_uuid_of_bytes(mac, out);
}

static json_t *trigger_object(const char *service_uri, const json_t *rec, const char *uuid)
{
    char uri[600], url[640];

    snprintf(uri, sizeof(uri), "%strigger/%s/", service_uri, uuid);
    snprintf(url, sizeof(url), "%scall/", uri);
    return json_pack("{s:s, s:O, s:O, s:s, s:s}", "uuid", uuid, "name",
                     json_object_get(rec, "name"), "operation", json_object_get(rec, "operation"),
                     "url", url, "resource_uri", uri);
}

/* The records of svc's triggers, and the secret their uuids come from. */
static json_t *records_of(struct dcs_ctx *c, const json_t *svc, char secret[128],
                          struct dcs_error *err)
{
    const char *ns = dcs_label(svc, DCS_LABEL_NAMESPACE);

    if (dcs_token_secret(c, secret, 128, err))
        return NULL;
    return dcs_records(c, DCS_KIND_TRIGGER, ns, dcs_label(svc, DCS_LABEL_UUID), err);
}

/* The record of the trigger with this uuid in recs, or NULL (404). */
static const json_t *find(const json_t *recs, const char *secret, const char *uuid,
                          struct dcs_error *err)
{
    const json_t *rec, *found = NULL;
    char mine[37];
    size_t i;

    json_array_foreach(recs, i, rec) {
        trigger_uuid(secret, json_string_value(json_object_get(rec, "id")), mine);
        /* Compared in constant time: the uuid is the credential. */
        if (strlen(uuid) == 36 && !CRYPTO_memcmp(mine, uuid, 36))
            found = rec;
    }
    if (!found)
        dcs_error_status(err, 404, NULL, "no trigger with uuid %s", uuid);
    return found;
}

/* ---- the rate of calls -------------------------------------------------- */

static struct {
    pthread_mutex_t lock;
    struct slot {
        char id[40];
        double tokens;
        struct timespec at;
    } slot[RATE_SLOTS];
} rate = {PTHREAD_MUTEX_INITIALIZER, {{"", 0, {0, 0}}}};

/* May trigger `id` be called now?  Else the seconds until it may. */
static double rate_wait(const char *id)
{
    struct timespec now;
    struct slot *s = NULL, *oldest = &rate.slot[0];
    double wait = 0;

    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&rate.lock);
    for (int i = 0; i < RATE_SLOTS && !s; i++) {
        if (!strcmp(rate.slot[i].id, id))
            s = &rate.slot[i];
        else if (rate.slot[i].at.tv_sec < oldest->at.tv_sec)
            oldest = &rate.slot[i];
    }
    if (!s) { /* a new one takes the place of the longest unused */
        s = oldest;
        snprintf(s->id, sizeof(s->id), "%s", id);
        s->tokens = RATE_BURST;
        s->at = now;
    }
    s->tokens += ((double)(now.tv_sec - s->at.tv_sec) +
                  (double)(now.tv_nsec - s->at.tv_nsec) / 1e9) / RATE_EVERY;
    if (s->tokens > RATE_BURST)
        s->tokens = RATE_BURST;
    s->at = now;
    if (s->tokens >= 1)
        s->tokens -= 1;
    else
        wait = (1 - s->tokens) * RATE_EVERY;
    pthread_mutex_unlock(&rate.lock);
    return wait;
}

/* ---- the verbs ---------------------------------------------------------- */

static int list(struct dcs_ctx *c, const json_t *svc, const char *uri, struct dcs_error *err)
{
    char secret[128], uuid[37];
    json_t *recs = records_of(c, svc, secret, err), *all, *rec;
    size_t i;
    int rc;

    if (!recs)
        return DCS_ERR;
    all = json_array();
    json_array_foreach(recs, i, rec) {
        trigger_uuid(secret, json_string_value(json_object_get(rec, "id")), uuid);
        json_array_append_new(all, trigger_object(uri, rec, uuid));
    }
    rc = dcs_reply_list(c->req, all, err);
    json_decref(all);
    json_decref(recs);
    return rc;
}

static int create(struct dcs_ctx *c, const json_t *svc, const char *uri, struct dcs_error *err)
{
    const json_t *body = c->req->json;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *op = json_string_value(json_object_get(body, "operation"));
    char secret[128], id[37], uuid[37], when[32], cfg[64];
    json_t *data, *labels;
    time_t now = time(NULL);
    struct tm tm;

    if (json_object_get(body, "name") && !json_is_string(json_object_get(body, "name")))
        return dcs_error_status(err, 400, "name", "expected a string");
    if (json_object_get(body, "operation") && (!op || (strcmp(op, "REDEPLOY") &&
                                                       strcmp(op, "SCALEUP"))))
        return dcs_error_status(err, 400, "operation", "expected \"REDEPLOY\" or \"SCALEUP\"");
    if (name && strlen(name) > 255)
        return dcs_error_status(err, 400, "name", "expected at most 255 characters");
    if (dcs_token_secret(c, secret, sizeof(secret), err))
        return DCS_ERR;
    dcs_uuid_random(id);
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    data = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "name", name ? name : "", "operation",
                     op ? op : "REDEPLOY", "created", when);
    labels = json_pack("{s:s, s:s, s:s}", DCS_LABEL_KIND, DCS_KIND_TRIGGER,
                       DCS_LABEL_NAMESPACE, dcs_label(svc, DCS_LABEL_NAMESPACE), DCS_LABEL_UUID,
                       dcs_label(svc, DCS_LABEL_UUID));
    snprintf(cfg, sizeof(cfg), "dcswarm-trigger-%s", id);
    if (!data || !labels || dcs_record_put(c, cfg, labels, data, err)) {
        json_decref(data);
        return DCS_ERR;
    }
    trigger_uuid(secret, id, uuid);
    dcs_http_log("trigger %s (%s) of service %s made by %s", uuid, op ? op : "REDEPLOY",
                 dcs_label(svc, DCS_LABEL_UUID), c->req->user);
    dcs_reply(c->req, 201, trigger_object(uri, data, uuid));
    json_decref(data);
    return DCS_OK;
}

/* How many containers a SCALEUP call adds: .../call/<n>/, else 1. */
static int scale_more(const char *arg, struct dcs_error *err)
{
    char *end;
    long n = *arg ? strtol(arg, &end, 10) : 1;

    if (*arg && (*end || n < 1 || n > SCALEUP_MAX)) {
        dcs_error_status(err, 400, NULL, "expected a number of containers from 1 to %d after "
                         "call/, got \"%s\"", SCALEUP_MAX, arg);
        return -1;
    }
    return (int)n;
}

static int call(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                const json_t *obj, const json_t *rec, struct dcs_error *err)
{
    const char *op = json_string_value(json_object_get(rec, "operation"));
    const char *id = json_string_value(json_object_get(rec, "id"));
    bool up = op && !strcmp(op, "SCALEUP");
    int more = up ? scale_more(c->req->rt.sub_arg, err) : 0;
    double wait;

    if (more < 0)
        return DCS_ERR;
    if (!up && c->req->rt.sub_arg[0])
        return dcs_error_status(err, 404, NULL, "not found");
    if ((wait = rate_wait(id)) > 0) {
        snprintf(c->req->retry_after, sizeof(c->req->retry_after), "%.0f", ceil(wait));
        return dcs_error_status(err, 429, NULL, "trigger called too often: at most %d calls "
                                "at once, then one every %.0f s; again in %.0f s", RATE_BURST,
                                RATE_EVERY, ceil(wait));
    }
    if (dcs_service_run(c, v, svc, obj, up ? "scale" : "redeploy", more, err))
        return DCS_ERR;
    dcs_http_log("trigger %s of service %s called: %s%s%s, action %s",
                 json_string_value(json_object_get(rec, "name")),
                 dcs_label(svc, DCS_LABEL_UUID), up ? "scale up" : "redeploy",
                 up ? " by " : "", up ? c->req->rt.sub_arg[0] ? c->req->rt.sub_arg : "1" : "",
                 c->req->action_uri);
    return DCS_OK;
}

int dcs_triggers_route(struct dcs_ctx *c, const struct dcs_view *v, const json_t *svc,
                       const json_t *obj, struct dcs_error *err)
{
    struct dcs_req *r = c->req;
    const char *uri = json_string_value(json_object_get(obj, "resource_uri"));
    char secret[128];
    const json_t *rec;
    json_t *recs;
    int rc = DCS_ERR;

    if (!r->rt.sub_id[0]) {
        if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD"))
            return list(c, svc, uri, err);
        if (!strcmp(r->method, "POST"))
            return create(c, svc, uri, err);
        return dcs_method_not_allowed(r, "GET, POST", err);
    }
    if (r->rt.sub_verb[0] && strcmp(r->rt.sub_verb, "call"))
        return dcs_error_status(err, 404, NULL, "not found");
    if (r->rt.sub_verb[0] && strcmp(r->method, "POST"))
        return dcs_method_not_allowed(r, "POST", err);
    if (!r->rt.sub_verb[0] && strcmp(r->method, "GET") && strcmp(r->method, "HEAD") &&
        strcmp(r->method, "DELETE"))
        return dcs_method_not_allowed(r, "GET, DELETE", err);
    if (!(recs = records_of(c, svc, secret, err)))
        return DCS_ERR;
    if (!(rec = find(recs, secret, r->rt.sub_id, err)))
        goto out;
    if (r->rt.sub_verb[0])
        rc = call(c, v, svc, obj, rec, err);
    else if (!strcmp(r->method, "DELETE"))
        rc = dcs_config_remove(c->eng, json_string_value(json_object_get(rec, "_config_id")),
                               err) ? DCS_ERR : dcs_reply(r, 204, NULL);
    else
        rc = dcs_reply(r, 200, trigger_object(uri, rec, r->rt.sub_id));
out:
    json_decref(recs);
    return rc;
}

int dcs_trigger_call_namespace(struct dcs_ctx *c, struct dcs_error *err)
{
    struct dcs_req *r = c->req;
    json_t *filters = NULL, *list;
    const char *ns;
    char kv[300];

    snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_UUID, r->rt.id);
    dcs_filters_add(&filters, "label", kv, err);
    list = dcs_service_list(c->eng, filters, err);
    json_decref(filters);
    if (!list)
        return DCS_ERR;
    ns = dcs_label(json_array_get(list, 0), DCS_LABEL_NAMESPACE);
    if (ns)
        snprintf(r->ns, sizeof(r->ns), "%s", ns);
    json_decref(list);
    return ns ? DCS_OK : dcs_error_status(err, 404, NULL, "no trigger with uuid %s", r->rt.sub_id);
}

void dcs_triggers_remove(struct dcs_ctx *c, const json_t *svc)
{
    struct dcs_error e = {0};
    json_t *recs = dcs_records(c, DCS_KIND_TRIGGER, dcs_label(svc, DCS_LABEL_NAMESPACE),
                               dcs_label(svc, DCS_LABEL_UUID), &e), *rec;
    size_t i;

    json_array_foreach(recs, i, rec)
        if (dcs_config_remove(c->eng, json_string_value(json_object_get(rec, "_config_id")), &e))
            dcs_http_log("a trigger of service %s not removed: %s",
                         dcs_label(svc, DCS_LABEL_UUID), e.text);
    json_decref(recs);
}
