/*
 * names.c - what a REST-created service is called on the swarm and on
 * its network, and the link aliases its link targets answer to.
 *
 * Decisions (README, serve section):
 *  - the swarm name of a service created through the API is
 *    "<namespace>_<name>", so `web` in two namespaces never collides; the
 *    Docker Cloud name stays in the dcswarm.name label, and every lookup
 *    goes by the dcswarm.* labels, never by the swarm name;
 *  - each namespace has its own overlay network "dcswarm_<namespace>":
 *    namespaces do not even share a network, and on it a service answers
 *    to its Docker Cloud name and to every link name given to it;
 *  - a link target gets the link name as an alias when the linking service
 *    is created, PATCHed or terminated (the target is updated through the
 *    version index), as the batch translator does for a stack; the aliases
 *    the target's stack gave it stay (link_aliases.h);
 *  - a service linking to a service of a stack joins the stack's network
 *    too, where the alias is (docs/design.md §3);
 *  - each REST service carries dcswarm.linked-from (the links to it, as
 *    [{"from": uuid, "name": alias}]), so reading one service needs no scan
 *    of its namespace.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/model.h"
#include "swarm/swarm.h"
#include "translate/translate.h"
#include "util/jsonw.h"

int dcs_swarm_name(const char *ns, const char *name, char *out, size_t len,
                   struct dcs_error *err)
{
    if (strlen(ns) + 1 + strlen(name) > DCS_SWARM_NAME_MAX)
        return dcs_error_status(err, 400, "name", "\"%s\" is too long: in namespace %s the "
                                "service is \"%s_%s\" on the swarm, over the %d characters "
                                "swarm allows", name, ns, ns, name, DCS_SWARM_NAME_MAX);
    snprintf(out, len, "%s_%s", ns, name);
    return DCS_OK;
}

void dcs_ns_network(const char *ns, char *out, size_t len)
{
    snprintf(out, len, "dcswarm_%s", ns);
}

/* The uuid a resource URI ".../service/<uuid>/" names, or NULL. */
static const char *uri_uuid(const char *uri, char out[37])
{
    const char *at = uri ? strstr(uri, "/service/") : NULL;

    if (!at || strlen(at + 9) < 36)
        return NULL;
    snprintf(out, 37, "%.36s", at + 9);
    return out;
}

/* Add to `from` the links of canon (the service from_uuid) to target. */
static void links_of(const json_t *canon, const char *from_uuid, const char *target,
                     json_t *from)
{
    const json_t *l;
    size_t i;
    char u[37];

    json_array_foreach(json_object_get(canon, "linked_to_service"), i, l) {
        const char *to = uri_uuid(json_string_value(json_object_get(l, "to_service")), u);
        const char *name = json_string_value(json_object_get(l, "name"));
        if (to && name && !strcmp(to, target))
            json_array_append_new(from, json_pack("{s:s, s:s}", "from", from_uuid,
                                                  "name", name));
    }
}

json_t *dcs_links_to(const json_t *services, const char *target, const char *self_uuid,
                     const json_t *self_canon)
{
    json_t *from = json_array();
    const json_t *s;
    size_t i;

    json_array_foreach(services, i, s) {
        const char *uuid = dcs_label(s, DCS_LABEL_UUID), *text = dcs_label(s, DCS_LABEL_SPEC);
        json_t *canon;
        if (!uuid || !text || (self_uuid && !strcmp(uuid, self_uuid)))
            continue;
        canon = json_loads(text, 0, NULL);
        links_of(canon, uuid, target, from);
        json_decref(canon);
    }
    if (self_uuid && self_canon)
        links_of(self_canon, self_uuid, target, from);
    return from;
}

json_t *dcs_aliases(const json_t *spec, const char *name, const json_t *from)
{
    json_t *aliases = dcs_base_aliases(spec, name), *f;
    size_t i;

    json_array_foreach(from, i, f)
        dcs_json_add_unique(aliases, json_string_value(json_object_get(f, "name")));
    return aliases;
}

void dcs_spec_network(json_t *spec, const char *ns, const json_t *aliases,
                      const json_t *from)
{
    /* Only its own network: the others are the link targets' (below). */
    json_t *n = dcs_own_attachment(spec);
    char net[300];

    dcs_ns_network(ns, net, sizeof(net));
    if (n && !dcs_label(spec, DCS_LABEL_STACK))
        json_object_set_new(n, "Target", json_string(net));
    if (n && json_array_size(aliases))
        json_object_set_new(n, "Aliases", json_deep_copy(aliases));
    else if (n)
        json_object_del(n, "Aliases");
    if (from) {
        char *text = json_dumps(from, JSON_COMPACT);
        if (text)
            json_object_set_new(json_object_get(spec, "Labels"), DCS_LABEL_LINKED_FROM,
                                json_string(text));
        free(text);
    }
}

/* ---------------- updating link targets ---------------- */

struct target_change {
    const char *ns;
    json_t *from;
};

/* The aliases from the spec as it is now: what a stack gave it stays. */
static int retarget(json_t *spec, const json_t *svc, void *arg, struct dcs_error *err)
{
    struct target_change *t = arg;
    json_t *aliases = dcs_aliases(spec, dcs_label(svc, DCS_LABEL_NAME), t->from);

    (void)err;
    dcs_spec_network(spec, t->ns, aliases, t->from);
    json_decref(aliases);
    return DCS_OK;
}

/* The uuids canon links to, added to set (object uuid -> true). */
static void targets_of(const json_t *canon, json_t *set)
{
    const json_t *l;
    size_t i;
    char u[37];

    json_array_foreach(json_object_get(canon, "linked_to_service"), i, l)
        if (uri_uuid(json_string_value(json_object_get(l, "to_service")), u))
            json_object_set_new(set, u, json_true());
}

static const json_t *by_uuid(const json_t *services, const char *uuid)
{
    const json_t *s;
    size_t i;

    json_array_foreach(services, i, s)
        if (dcs_label(s, DCS_LABEL_UUID) && !strcmp(dcs_label(s, DCS_LABEL_UUID), uuid))
            return s;
    return NULL;
}

int dcs_update_link_targets(struct dcs_ctx *c, const json_t *services, const char *self_uuid,
                            const json_t *old_canon, const json_t *new_canon,
                            struct dcs_error *err)
{
    json_t *set = json_object(), *v;
    const char *uuid;
    int rc = DCS_OK;

    targets_of(old_canon, set);
    targets_of(new_canon, set);
    json_object_foreach(set, uuid, v) {
        const json_t *t = by_uuid(services, uuid);
        struct target_change ch = {c->req->ns, NULL};
        if (!t || !strcmp(uuid, self_uuid))
            continue;
        ch.from = dcs_links_to(services, uuid, self_uuid, new_canon);
        rc = dcs_service_update_with(c->eng, json_string_value(json_object_get(t, "ID")),
                                     retarget, &ch, err);
        json_decref(ch.from);
        if (rc)
            break;
    }
    json_decref(set);
    return rc;
}

/* ---------------- the networks of link targets ---------------- */

static bool attached(const json_t *spec, const json_t *target)
{
    const json_t *n;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(spec, "TaskTemplate"), "Networks"), i, n)
        if (json_equal(json_object_get(n, "Target"), target))
            return true;
    return false;
}

static void attach(json_t *spec, const json_t *target)
{
    json_t *tt = json_object_get(spec, "TaskTemplate"), *nets;

    if (!json_is_string(target) || attached(spec, target))
        return;
    if (!(nets = json_object_get(tt, "Networks")))
        json_object_set_new(tt, "Networks", nets = json_array());
    json_array_append_new(nets, json_pack("{s:O}", "Target", target));
}

void dcs_link_networks(json_t *spec, const json_t *services, const json_t *canon)
{
    const char *stack = dcs_label(spec, DCS_LABEL_STACK);
    const json_t *l, *t;
    size_t i;
    char u[37];

    if (!dcs_own_attachment(spec))
        return; /* net: host has no network to reach others by */
    json_array_foreach(json_object_get(canon, "linked_to_service"), i, l) {
        const char *to = uri_uuid(json_string_value(json_object_get(l, "to_service")), u);
        const char *its = NULL;
        if (!to || !(t = by_uuid(services, to)) || !(its = dcs_label(t, DCS_LABEL_STACK)))
            continue; /* a REST target is on the namespace's network already */
        if (stack && !strcmp(stack, its))
            continue;
        attach(spec, json_object_get(dcs_own_attachment(json_object_get(t, "Spec")),
                                     "Target"));
    }
}

void dcs_keep_link_networks(json_t *spec, const json_t *old)
{
    const json_t *own = dcs_own_attachment(old), *n;
    size_t i;

    if (!dcs_own_attachment(spec))
        return;
    json_array_foreach(json_object_get(json_object_get(old, "TaskTemplate"), "Networks"), i, n) {
        const char *target = json_string_value(json_object_get(n, "Target"));
        if (n != own && target && strcmp(target, "host"))
            attach(spec, json_object_get(n, "Target"));
    }
}

/* ---------------- networks known to exist ---------------- */

/* The namespace networks inspected lately, so that each create or PATCH
 * does not ask again.  A cache of what the engine said, as for image
 * environments: a network removed by hand is found again within
 * DCS_NETWORK_TTL seconds (until then a create that needs it fails). */
#define DCS_NETWORK_TTL 30
#define DCS_NETWORK_SLOTS 64

static pthread_mutex_t net_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char name[128];
    time_t at;
} net_seen[DCS_NETWORK_SLOTS];

static size_t net_slot(const char *name)
{
    size_t h = 5381;

    for (const char *p = name; *p; p++)
        h = h * 33 + (unsigned char)*p;
    return h % DCS_NETWORK_SLOTS;
}

bool dcs_network_known(const char *name, time_t now)
{
    size_t i = net_slot(name);
    bool known;

    pthread_mutex_lock(&net_lock);
    known = !strcmp(net_seen[i].name, name) && now - net_seen[i].at < DCS_NETWORK_TTL;
    pthread_mutex_unlock(&net_lock);
    return known;
}

void dcs_network_seen(const char *name, time_t now)
{
    size_t i = net_slot(name);

    pthread_mutex_lock(&net_lock);
    snprintf(net_seen[i].name, sizeof(net_seen[i].name), "%s", name);
    net_seen[i].at = now;
    pthread_mutex_unlock(&net_lock);
}
