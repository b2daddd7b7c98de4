/* forward.c - canonical Docker Cloud services -> Engine ServiceSpecs. */
#include <stdio.h>
#include <string.h>

#include "translate/fields.h"
#include "translate/normalize.h"

static const char *link_target_name(const json_t *link, char *buf, size_t len)
{
    const char *name = json_string_value(json_object_get(link, "name"));
    const char *to = json_string_value(json_object_get(link, "to_service"));

    if (name && *name)
        return name;
    snprintf(buf, len, "%.*s", (int)strcspn(to, "."), to);
    return buf;
}

static bool names_me(const json_t *peers, const char *ident, const json_t *me)
{
    const json_t *p = json_object_get(peers, ident);

    return p == me ||
           (p && json_equal(json_object_get(p, "name"), json_object_get(me, "name")));
}

static void add_unique(json_t *list, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach(list, i, v)
        if (!strcmp(json_string_value(v), s))
            return;
    json_array_append_new(list, json_string(s));
}

/* Aliases others need for this service, and whether they mount its volumes. */
static json_t *peer_needs(const json_t *svc, const json_t *peers,
                          const struct dcs_translate_opts *opts, bool *shared)
{
    json_t *aliases = json_array(), *p, *l;
    const char *key, *name = json_string_value(json_object_get(svc, "name"));
    size_t i;
    char buf[256];

    if (opts->stack && name)
        add_unique(aliases, name); /* <stack>_<name> must answer to <name> */
    *shared = false;
    json_object_foreach((json_t *)peers, key, p) {
        json_array_foreach(json_object_get(p, "linked_to_service"), i, l) {
            const char *to = json_string_value(json_object_get(l, "to_service"));
            const char *alias = link_target_name(l, buf, sizeof(buf));
            if (names_me(peers, to, svc) && strcmp(alias, name ? name : ""))
                add_unique(aliases, alias);
        }
        json_array_foreach(json_object_get(p, "bindings"), i, l) {
            const char *from = json_string_value(json_object_get(l, "volumes_from"));
            if (from && names_me(peers, from, svc))
                *shared = true;
        }
    }
    return aliases;
}

static void set_label(json_t *spec, const char *key, const char *value)
{
    if (value)
        json_object_set_new(dcs_obj(spec, "Labels"), key, json_string(value));
}

static void add_labels(struct fwd *f, const char *uuid)
{
    char *canonical = json_dumps(f->svc, JSON_COMPACT | JSON_SORT_KEYS);
    char *injected = NULL;

    set_label(f->spec, DCS_LABEL_NAME, f->name);
    set_label(f->spec, DCS_LABEL_UUID, uuid);
    set_label(f->spec, DCS_LABEL_NAMESPACE, f->opts->namespace_);
    set_label(f->spec, DCS_LABEL_SPEC, canonical);
    if (f->opts->stack) {
        set_label(f->spec, DCS_LABEL_STACK, f->opts->stack);
        set_label(f->spec, DCS_LABEL_STACK_NS, f->opts->stack);
        json_object_set_new(dcs_obj(dcs_cs(f), "Labels"), DCS_LABEL_STACK_NS,
                            json_string(f->opts->stack));
    }
    if (json_array_size(f->injected)) {
        injected = json_dumps(f->injected, JSON_COMPACT);
        set_label(f->spec, DCS_LABEL_LINKENV, injected);
    }
    free(canonical);
    free(injected);
}

static int run_rows(struct fwd *f, struct dcs_error *err)
{
    const struct dcs_field *row;
    const json_t *v;

    for (row = dcs_fields; row->api; row++) {
        v = json_object_get(f->svc, row->api);
        if (!v && !row->always)
            continue;
        if (row->fwd(f, v, err)) {
            if (!err->path[0])
                snprintf(err->path, sizeof(err->path), "%s",
                         dcs_spelling(f->spelling, row->api));
            return DCS_ERR;
        }
    }
    return DCS_OK;
}

static json_t *forward_one(const json_t *service, const json_t *spelling,
                           const json_t *peers, const struct dcs_translate_opts *opts,
                           const char *uuid, json_t *warnings, struct dcs_error *err)
{
    const char *name = json_string_value(json_object_get(service, "name"));
    char swarm_name[160];
    struct fwd f = {0};

    if (opts->stack && name)
        snprintf(swarm_name, sizeof(swarm_name), "%s_%s", opts->stack, name);
    else
        snprintf(swarm_name, sizeof(swarm_name), "%s", name ? name : "");
    if (name && strlen(swarm_name) > 63) {
        dcs_error_set(err, "name", "\"%s\" is longer than the 63 characters "
                      "swarm allows in a service name", swarm_name);
        return NULL;
    }
    f.name = name ? name : "";
    f.swarm_name = swarm_name;
    f.svc = service;
    f.spelling = spelling;
    f.opts = opts;
    f.peers = peers;
    f.partial = !json_object_get(service, "image");
    f.spec = json_object();
    f.injected = json_array();
    f.warnings = warnings;
    f.aliases = peer_needs(service, peers, opts, &f.shared_volumes);
    if (run_rows(&f, err)) {
        json_decref(f.spec);
        f.spec = NULL;
    } else if (!f.partial) {
        add_labels(&f, uuid);
    }
    json_decref((json_t *)f.aliases);
    json_decref(f.injected);
    return f.spec;
}

json_t *dcs_forward_service(const json_t *service, const json_t *peers,
                            const struct dcs_translate_opts *opts,
                            const char *uuid, json_t *warnings,
                            struct dcs_error *err)
{
    return forward_one(service, NULL, peers, opts, uuid, warnings, err);
}

static json_t *network_for(const struct dcs_translate_opts *opts)
{
    char name[256];

    if (!opts->stack)
        return json_pack("{s:s, s:s, s:b, s:b, s:{s:s}}", "Name", DCS_DEFAULT_NETWORK,
                         "Driver", "overlay", "Attachable", 1, "CheckDuplicate", 1,
                         "Labels", "dcswarm.network", "default");
    snprintf(name, sizeof(name), "%s_default", opts->stack);
    return json_pack("{s:s, s:s, s:b, s:b, s:{s:s, s:s}}", "Name", name, "Driver",
                     "overlay", "Attachable", 1, "CheckDuplicate", 1, "Labels",
                     DCS_LABEL_STACK_NS, opts->stack, DCS_LABEL_STACK, opts->stack);
}

static bool uses_network(const json_t *spec)
{
    const json_t *nets = json_object_get(json_object_get(spec, "TaskTemplate"), "Networks");
    const json_t *n;
    size_t i;

    json_array_foreach(nets, i, n)
        if (strcmp(json_string_value(json_object_get(n, "Target")), "host"))
            return true;
    return false;
}

/* Swarm publishes a port once for the whole swarm (ingress). */
static int check_port_conflicts(const json_t *specs, const json_t *entries,
                                struct dcs_error *err)
{
    json_t *seen = json_object(), *spec, *p;
    size_t i, j;
    char key[64];
    int rc = DCS_OK;

    json_array_foreach(specs, i, spec) {
        json_array_foreach(json_object_get(json_object_get(spec, "EndpointSpec"),
                                           "Ports"), j, p) {
            const char *me = json_string_value(json_object_get(
                json_array_get(entries, i), "name"));
            if (!json_object_get(p, "PublishedPort"))
                continue;
            snprintf(key, sizeof(key), "%lld/%s",
                     (long long)json_integer_value(json_object_get(p, "PublishedPort")),
                     json_string_value(json_object_get(p, "Protocol")));
            if (json_object_get(seen, key)) {
                rc = dcs_error_set(err, NULL, "port %s is already published by "
                                   "service \"%s\"; swarm publishes a port once for "
                                   "the whole swarm: give one of them another "
                                   "outer port", key,
                                   json_string_value(json_object_get(seen, key)));
                snprintf(err->path, sizeof(err->path), "%s:ports", me);
                goto out;
            }
            json_object_set_new(seen, key, json_string(me));
        }
    }
out:
    json_decref(seen);
    return rc;
}

static void prefix_service(struct dcs_error *err, const char *name)
{
    char joined[DCS_ERROR_PATH_LEN];

    if (!err)
        return;
    snprintf(joined, sizeof(joined), "%s:%s", name, err->path);
    memcpy(err->path, joined, sizeof(joined));
}

json_t *dcs_forward(const json_t *entries, const struct dcs_translate_opts *opts,
                    const json_t *uuids, json_t *warnings, struct dcs_error *err)
{
    json_t *peers = json_object(), *specs = json_array(), *e, *spec, *result = NULL;
    bool network = false;
    size_t i;
    char uuid[37];

    json_array_foreach(entries, i, e)
        json_object_set(peers, json_string_value(json_object_get(e, "name")),
                        json_object_get(e, "service"));
    json_array_foreach(entries, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const char *given = json_string_value(json_object_get(uuids, name));
        if (!given)
            given = json_string_value(json_object_get(json_object_get(e, "readonly"), "uuid"));
        if (!given)
            dcs_uuid_for(opts->namespace_, opts->stack, name, uuid);
        spec = forward_one(json_object_get(e, "service"), json_object_get(e, "spelling"),
                           peers, opts, given ? given : uuid, warnings, err);
        if (!spec) {
            prefix_service(err, name ? name : "");
            goto out;
        }
        network |= uses_network(spec);
        json_array_append_new(specs, spec);
    }
    if (check_port_conflicts(specs, entries, err))
        goto out;
    result = json_pack("{s:[], s:O}", "networks", "services", specs);
    if (network)
        json_array_append_new(json_object_get(result, "networks"), network_for(opts));
out:
    json_decref(peers);
    json_decref(specs);
    return result;
}
