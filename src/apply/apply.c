/* apply.c - plan and carry out the changes that make a swarm match a stack. */
#include "apply/apply.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "apply/link_aliases.h"
#include "translate/translate.h"

#define IMAGE_PATH "TaskTemplate.ContainerSpec.Image"

/* ---------------------------------------------------------------- compare */

static void join_path(char *out, size_t len, const char *base, const char *key)
{
    snprintf(out, len, "%s%s%s", base, *base ? "." : "", key);
}

/* The engine pins the digest it resolved: "img:tag@sha256:..." is "img:tag". */
static bool same_image(const json_t *want, const json_t *have)
{
    const char *w = json_string_value(want), *h = json_string_value(have);
    size_t n = w ? strlen(w) : 0;

    return w && h && (!strcmp(w, h) || (!strncmp(w, h, n) && h[n] == '@'));
}

static bool subset(const json_t *want, const json_t *have, const char *path)
{
    const char *k;
    json_t *v;
    size_t i;
    char sub[512];

    if (!strcmp(path, IMAGE_PATH))
        return same_image(want, have);
    if (json_is_object(want)) {
        if (!json_is_object(have))
            return false;
        json_object_foreach((json_t *)want, k, v) {
            join_path(sub, sizeof(sub), path, k);
            if (!subset(v, json_object_get(have, k), sub))
                return false;
        }
        return true;
    }
    if (json_is_array(want)) {
        if (!json_is_array(have) || json_array_size(want) != json_array_size(have))
            return false;
        json_array_foreach(want, i, v)
            if (!subset(v, json_array_get(have, i), path))
                return false;
        return true;
    }
    /* The engine writes back booleans and numbers we set as they were. */
    return json_equal(want, have);
}

/* The desired spec with network names replaced by the IDs the engine keeps. */
static json_t *with_network_ids(const json_t *want, const json_t *networks)
{
    json_t *copy = json_deep_copy(want), *n;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(copy, "TaskTemplate"), "Networks"),
                       i, n) {
        const json_t *id = json_object_get(networks, json_string_value(
            json_object_get(n, "Target")));
        if (id)
            json_object_set(n, "Target", (json_t *)id);
    }
    return copy;
}

bool dcs_spec_matches(const json_t *want, const json_t *have, const json_t *networks)
{
    json_t *w = with_network_ids(want, networks);
    bool same = subset(w, have, "");

    json_decref(w);
    return same;
}

static void add_change(json_t *changes, const char *path, const json_t *from,
                       const json_t *to)
{
    json_array_append_new(changes, json_pack("{s:s, s:O, s:O}", "path", path, "from",
                                             from ? from : json_null(), "to", to));
}

static void diff(json_t *changes, const json_t *want, const json_t *have, const char *path)
{
    const char *k;
    json_t *v;
    char sub[512];

    if (subset(want, have, path))
        return;
    if (!json_is_object(want) || !json_is_object(have)) {
        add_change(changes, path, have, want);
        return;
    }
    json_object_foreach((json_t *)want, k, v) {
        if (!strcmp(path, "Labels") && !strncmp(k, "dcswarm.", 8))
            continue; /* they change with the fields they record */
        join_path(sub, sizeof(sub), path, k);
        diff(changes, v, json_object_get(have, k), sub);
    }
}

json_t *dcs_spec_changes(const json_t *want, const json_t *have, const json_t *networks)
{
    json_t *w = with_network_ids(want, networks), *changes = json_array();

    diff(changes, w, have, "");
    json_decref(w);
    return changes;
}

void dcs_spec_stamp(json_t *spec)
{
    json_t *labels = json_object_get(spec, "Labels");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[33], *text;

    if (!labels) {
        labels = json_object();
        json_object_set_new(spec, "Labels", labels);
    }
    json_object_del(labels, DCS_LABEL_APPLIED);
    text = dcs_json_compact(spec);
    if (!text)
        return;
    EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
    free(text);
    for (unsigned i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    json_object_set_new(labels, DCS_LABEL_APPLIED, json_string(hex));
}

/* ------------------------------------------------------------------- plan */

static const char *label(const json_t *service, const char *key)
{
    return json_string_value(json_object_get(json_object_get(json_object_get(service, "Spec"),
                                                              "Labels"), key));
}

static json_t *index_by_name(const json_t *list, bool services)
{
    json_t *by = json_object(), *item;
    size_t i;

    json_array_foreach(list, i, item) {
        const json_t *name = services ? json_object_get(json_object_get(item, "Spec"), "Name")
                                      : json_object_get(item, "Name");
        if (json_is_string(name))
            json_object_set(by, json_string_value(name), item);
    }
    return by;
}

json_t *dcs_apply_existing_uuids(struct dcs_engine *eng, const char *stack,
                                 struct dcs_error *err)
{
    json_t *filters = NULL, *list, *uuids, *s;
    char kv[512];
    size_t i;

    /* A stack's services, or every service dcswarm named. */
    if (stack)
        snprintf(kv, sizeof(kv), "%s=%s", DCS_LABEL_STACK, stack);
    else
        snprintf(kv, sizeof(kv), "%s", DCS_LABEL_NAME);
    if (dcs_filters_add(&filters, "label", kv, err))
        return NULL;
    list = dcs_service_list(eng, filters, err);
    json_decref(filters);
    if (!list)
        return NULL;
    uuids = json_object();
    json_array_foreach(list, i, s) {
        const char *name = label(s, DCS_LABEL_NAME), *uuid = label(s, DCS_LABEL_UUID);
        if (name && uuid && (stack || !label(s, DCS_LABEL_STACK)))
            json_object_set_new(uuids, name, json_string(uuid));
    }
    json_decref(list);
    return uuids;
}

/* Swarm's own "host" network is kept in specs under a swarm-scoped ID that
 * GET /networks does not list: learn the names of such IDs by inspecting. */
static void learn_network_ids(struct dcs_engine *eng, const json_t *have, json_t *net_ids)
{
    const json_t *n;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(have, "TaskTemplate"), "Networks"),
                       i, n) {
        const json_t *id = json_object_get(n, "Target"), *v;
        const char *key;
        bool known = false;
        json_object_foreach((json_t *)net_ids, key, v)
            known |= json_equal(v, id);
        json_t *info = known ? NULL : dcs_network_inspect(eng, json_string_value(id), NULL);
        const char *name = json_string_value(json_object_get(info, "Name"));
        if (name)
            json_object_set(net_ids, name, (json_t *)id);
        json_decref(info);
    }
}

/* A service applied before dcswarm.stack-aliases was recorded is not
 * changed by that label alone: "nothing to change" stays true (serve
 * reads its aliases the older way then: link_aliases.h). */
static bool applied_before_stack_aliases(const json_t *want, const json_t *have,
                                         const json_t *net_ids)
{
    json_t *w;
    bool same;

    if (json_object_get(json_object_get(have, "Labels"), DCS_LABEL_STACK_ALIASES) ||
        !json_object_get(json_object_get(want, "Labels"), DCS_LABEL_STACK_ALIASES))
        return false;
    w = json_deep_copy(want);
    json_object_del(json_object_get(w, "Labels"), DCS_LABEL_STACK_ALIASES);
    same = dcs_spec_matches(w, have, net_ids);
    json_decref(w);
    return same;
}

static json_t *plan_service(struct dcs_engine *eng, const json_t *spec,
                            const json_t *existing, json_t *net_ids)
{
    json_t *want = json_deep_copy(spec), *item;
    const json_t *have = json_object_get(existing, "Spec");
    const char *lifecycle = label(existing, DCS_LABEL_LIFECYCLE);
    bool same;

    /* What dcswarm serve recorded about the service's life stays. */
    if (lifecycle)
        json_object_set_new(json_object_get(want, "Labels"), DCS_LABEL_LIFECYCLE,
                            json_string(lifecycle));
    dcs_spec_stamp(want);
    /* After the stamp: what REST links gave changes no stack's digest. */
    dcs_keep_rest_links(want, have);
    item = json_pack("{s:s, s:O, s:o}", "action", "create", "name",
                     json_object_get(spec, "Name"), "spec", want);
    if (!existing)
        return item;
    learn_network_ids(eng, have, net_ids);
    same = dcs_spec_matches(want, have, net_ids) || applied_before_stack_aliases(want, have,
                                                                                  net_ids);
    json_object_set_new(item, "action", json_string(same ? "unchanged" : "update"));
    json_object_set(item, "id", json_object_get(existing, "ID"));
    json_object_set(item, "version", json_object_get(json_object_get(existing, "Version"),
                                                     "Index"));
    if (!same)
        json_object_set_new(item, "changes", dcs_spec_changes(want, have, net_ids));
    return item;
}

static bool in_stack(const json_t *service, const char *stack)
{
    const char *a = label(service, DCS_LABEL_STACK), *b = label(service, DCS_LABEL_STACK_NS);
    return (a && !strcmp(a, stack)) || (b && !strcmp(b, stack));
}

static void plan_prune(json_t *items, const json_t *running, const json_t *wanted,
                       const char *stack)
{
    json_t *s;
    size_t i;

    json_array_foreach(running, i, s) {
        const char *name = json_string_value(json_object_get(json_object_get(s, "Spec"), "Name"));
        if (!name || json_object_get(wanted, name) || !in_stack(s, stack))
            continue;
        json_array_append_new(items, json_pack("{s:s, s:s, s:O}", "action", "remove",
                                               "name", name, "id",
                                               json_object_get(s, "ID")));
    }
}

static json_t *plan_networks(const json_t *forward, const json_t *by_name)
{
    json_t *out = json_array(), *n;
    size_t i;

    json_array_foreach(json_object_get(forward, "networks"), i, n) {
        const char *name = json_string_value(json_object_get(n, "Name"));
        json_array_append_new(out, json_pack("{s:s, s:s, s:O}", "action",
                                             json_object_get(by_name, name) ? "exists" : "create",
                                             "name", name, "spec", n));
    }
    return out;
}

static json_t *network_ids(const json_t *by_name)
{
    json_t *ids = json_object(), *n;
    const char *name;

    json_object_foreach((json_t *)by_name, name, n)
        json_object_set(ids, name, json_object_get(n, "Id"));
    return ids;
}

json_t *dcs_apply_plan(struct dcs_engine *eng, const json_t *forward,
                       const struct dcs_apply_opts *opts, struct dcs_error *err)
{
    json_t *running = NULL, *nets = NULL, *svc_by = NULL, *net_by = NULL, *ids = NULL;
    json_t *items, *wanted, *spec, *plan = NULL;
    size_t i;

    if (!(running = dcs_service_list(eng, NULL, err)) ||
        !(nets = dcs_network_list(eng, NULL, err)))
        goto out;
    svc_by = index_by_name(running, true);
    net_by = index_by_name(nets, false);
    ids = network_ids(net_by);
    items = json_array();
    wanted = json_object();
    json_array_foreach(json_object_get(forward, "services"), i, spec) {
        const char *name = json_string_value(json_object_get(spec, "Name"));
        json_array_append_new(items, plan_service(eng, spec, json_object_get(svc_by, name),
                                                  ids));
        json_object_set_new(wanted, name, json_true());
    }
    if (opts->prune && opts->stack)
        plan_prune(items, running, wanted, opts->stack);
    json_decref(wanted);
    plan = json_pack("{s:o, s:o}", "networks", plan_networks(forward, net_by),
                     "services", items);
out:
    json_decref(running);
    json_decref(nets);
    json_decref(svc_by);
    json_decref(net_by);
    json_decref(ids);
    return plan;
}

/* -------------------------------------------------------------------- run */

/* The planned spec, with what REST links gave the service as it is now:
 * a link made since the plan was read (or during a retry) is kept. */
static int replace_spec(json_t *spec, const json_t *service, void *ctx,
                        struct dcs_error *err)
{
    json_t *want = json_deep_copy((json_t *)ctx);
    int rc;

    (void)err;
    dcs_keep_rest_links(want, json_object_get(service, "Spec"));
    json_object_clear(spec);
    rc = json_object_update(spec, want) ? DCS_ERR : DCS_OK;
    json_decref(want);
    return rc;
}

static int run_service(struct dcs_engine *eng, json_t *item, struct dcs_error *err)
{
    const char *action = json_string_value(json_object_get(item, "action"));
    const char *id = json_string_value(json_object_get(item, "id"));
    char *new_id;

    if (!strcmp(action, "create")) {
        if (!(new_id = dcs_service_create(eng, json_object_get(item, "spec"), NULL, err)))
            return DCS_ERR;
        json_object_set_new(item, "id", json_string(new_id));
        free(new_id);
        return DCS_OK;
    }
    if (!strcmp(action, "update"))
        return dcs_service_update_with(eng, id, replace_spec,
                                       json_object_get(item, "spec"), err);
    if (!strcmp(action, "remove"))
        return dcs_service_remove(eng, id, err);
    return DCS_OK;
}

static bool engine_gone(const struct dcs_error *e)
{
    return e->status == 502 || e->status == 503 || e->status == 504 ||
           e->status == 499;
}

static int run_networks(struct dcs_engine *eng, const json_t *plan, struct dcs_error *err)
{
    json_t *n;
    size_t i;
    char *id;

    json_array_foreach(json_object_get(plan, "networks"), i, n) {
        if (strcmp(json_string_value(json_object_get(n, "action")), "create"))
            continue;
        id = dcs_network_create(eng, json_object_get(n, "spec"), err);
        if (!id && err->status != 409) /* 409: another apply created it */
            return DCS_ERR;
        free(id);
    }
    return DCS_OK;
}

int dcs_apply_run(struct dcs_engine *eng, json_t *plan, dcs_apply_progress_fn fn,
                  void *ctx, struct dcs_error *err)
{
    json_t *items = json_object_get(plan, "services"), *item;
    size_t i, total = json_array_size(items);
    struct dcs_error one;
    int rc = DCS_OK;

    if (run_networks(eng, plan, err))
        return DCS_ERR;
    json_array_foreach(items, i, item) {
        if (fn)
            fn(DCS_APPLY_START, item, i, total, NULL, ctx);
        dcs_error_clear(&one);
        if (run_service(eng, item, &one) == DCS_OK) {
            if (fn)
                fn(DCS_APPLY_DONE, item, i, total, NULL, ctx);
            continue;
        }
        if (fn)
            fn(DCS_APPLY_FAILED, item, i, total, &one, ctx);
        if (rc == DCS_OK && err)
            *err = one;
        rc = DCS_ERR;
        if (engine_gone(&one))
            break;
    }
    return rc;
}
