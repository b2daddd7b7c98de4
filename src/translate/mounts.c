/* mounts.c - bindings (volumes, volumes_from) <-> ContainerSpec.Mounts. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "translate/fields.h"

void dcs_path_slug(const char *path, char *out, size_t len)
{
    size_t n = 0;
    bool sep = true; /* drop leading and repeated separators */

    for (; *path && n + 1 < len; path++) {
        if (isalnum((unsigned char)*path) || *path == '-' || *path == '.') {
            out[n++] = *path;
            sep = false;
        } else if (!sep) {
            out[n++] = '_';
            sep = true;
        }
    }
    while (n > 0 && out[n - 1] == '_')
        n--;
    if (n == 0 && len > 4) {
        memcpy(out, "root", 4);
        n = 4;
    }
    out[n] = 0;
}

/* One binding of the service's own (not volumes_from). `shared`: another
 * service mounts this one's volumes, so anonymous volumes need names. */
static json_t *mount_for(const json_t *b, const char *swarm_name, bool shared)
{
    const char *host = json_string_value(json_object_get(b, "host_path"));
    const char *target = json_string_value(json_object_get(b, "container_path"));
    bool ro = !json_is_true(json_object_get(b, "rewritable"));
    json_t *m = json_object();
    char slug[256], name[512];

    /* Paths are the service's own (valid) strings; the volume name may be
     * cut short, so it is checked. */
    json_object_set_new_nocheck(m, "Type", json_string_nocheck(host ? "bind" : "volume"));
    json_object_set_new_nocheck(m, "Target", json_string_nocheck(target));
    if (host) {
        json_object_set_new_nocheck(m, "Source", json_string_nocheck(host));
    } else if (shared) {
        dcs_path_slug(target, slug, sizeof(slug));
        snprintf(name, sizeof(name), "%s_%s", swarm_name, slug);
        json_object_set_new_nocheck(m, "Source", json_string(name));
    }
    if (ro)
        json_object_set_new_nocheck(m, "ReadOnly", json_true());
    return m;
}

/* A binding with volumes_from stands for the other service's mounts, not
 * one of its own service's; as a binding of that other service, though,
 * its container path is mounted too (add_volumes_from). */
enum dcs_mount_kind dcs_binding_mount(const json_t *b, const char **target)
{
    const json_t *path = json_object_get(b, "container_path");

    if (!json_is_string(path))
        return DCS_MOUNT_NONE;
    *target = json_string_value(path);
    return json_is_string(json_object_get(b, "volumes_from")) ? DCS_MOUNT_LENT
                                                              : DCS_MOUNT_OWN;
}

json_t *dcs_mounts_for(const json_t *bindings, const char *swarm_name,
                       bool shared, const json_t *unused)
{
    json_t *out = json_array(), *b;
    const char *target;
    size_t i;

    (void)unused;
    json_array_foreach(bindings, i, b)
        if (dcs_binding_mount(b, &target) == DCS_MOUNT_OWN)
            json_array_append_new(out, mount_for(b, swarm_name, shared));
    return out;
}

static void target_swarm_name(const struct fwd *f, const json_t *peer,
                              char *out, size_t len)
{
    const char *name = json_string_value(json_object_get(peer, "name"));

    if (f->opts->stack)
        snprintf(out, len, "%s_%s", f->opts->stack, name);
    else
        snprintf(out, len, "%s", name);
}

/* volumes_from: the target's own bindings, mounted here too. */
static void add_volumes_from(struct fwd *f, json_t *mounts, const json_t *b)
{
    const char *from = json_string_value(json_object_get(b, "volumes_from"));
    const json_t *peer = dcs_peer(f, from), *tb;
    bool ro = !json_is_true(json_object_get(b, "rewritable"));
    const char *target;
    char tname[256];
    json_t *m;
    size_t i;

    if (!peer) {
        dcs_fwd_warn(f, "bindings", "kept", "volumes_from \"%s\": that service "
                     "is not in this input, so its volumes are not mounted "
                     "(swarm has no volumes_from)", from);
        return;
    }
    target_swarm_name(f, peer, tname, sizeof(tname));
    json_array_foreach(json_object_get(peer, "bindings"), i, tb) {
        if (!dcs_binding_mount(tb, &target))
            continue; /* volumes_from is not transitive */
        m = mount_for(tb, tname, true);
        if (ro)
            json_object_set_new_nocheck(m, "ReadOnly", json_true());
        json_array_append_new(mounts, m);
    }
    dcs_fwd_warn(f, "bindings", "approximate", "volumes_from \"%s\": its host "
                 "paths are bind-mounted here too, and its anonymous volumes "
                 "become named volumes, shared only by tasks on the same node", from);
}

int dcs_check_targets(const struct dcs_strbuf *targets, struct dcs_error *err)
{
    const char *a, *b, *end;

    if (!targets->data) /* nothing mounted (and no pointer to add 0 to) */
        return DCS_OK;
    end = targets->data + targets->len;
    for (a = targets->data; a < end; a += strlen(a) + 1)
        for (b = a + strlen(a) + 1; b < end; b += strlen(b) + 1)
            if (!strcmp(a, b))
                return dcs_error_set(err, NULL, "container path \"%s\" is mounted twice",
                                     a);
    return DCS_OK;
}

/* The paths of `mounts` as dcs_check_targets takes them; the error is
 * named after the row (run_rows). */
static int check_mounts(const json_t *mounts, struct dcs_error *err)
{
    struct dcs_strbuf targets = {0};
    const json_t *m;
    size_t i;
    int rc;

    json_array_foreach(mounts, i, m) {
        const char *t = json_string_value(json_object_get(m, "Target"));
        dcs_strbuf_append(&targets, t, strlen(t) + 1);
    }
    rc = targets.failed ? dcs_error_status(err, 500, NULL, "out of memory")
                        : dcs_check_targets(&targets, err);
    dcs_strbuf_release(&targets);
    return rc;
}

static void warn_host_paths(struct fwd *f, const json_t *mounts)
{
    char paths[512] = "";
    size_t i, n = 0, used = 0;
    const json_t *m;

    json_array_foreach(mounts, i, m) {
        if (strcmp(json_string_value(json_object_get(m, "Type")), "bind"))
            continue;
        n++;
        if (used < sizeof(paths) - 1)
            used += (size_t)snprintf(paths + used, sizeof(paths) - used, "%s%s",
                                     n > 1 ? ", " : "",
                                     json_string_value(json_object_get(m, "Source")));
    }
    if (n)
        dcs_fwd_warn(f, "bindings", "approximate", "swarm does not create "
                     "missing host paths for bind mounts: %s must exist on every "
                     "node that may run this service", paths);
}

int dcs_fwd_bindings(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    json_t *mounts = dcs_mounts_for(v, f->swarm_name, f->shared_volumes, NULL);
    const json_t *b;
    size_t i;

    json_array_foreach(v, i, b)
        if (json_is_string(json_object_get(b, "volumes_from")))
            add_volumes_from(f, mounts, b);
    /* Here, after the warnings of volumes_from: it is what the mounts
     * take from the other services that may clash (dcs_forward_check
     * finds it before any spec is written). */
    if (check_mounts(mounts, err)) {
        json_decref(mounts);
        return DCS_ERR;
    }
    warn_host_paths(f, mounts);
    if (json_array_size(mounts))
        json_object_set_nocheck(dcs_cs(f), "Mounts", mounts);
    json_decref(mounts);
    return DCS_OK;
}

static bool has_mount(const json_t *mounts, const json_t *want)
{
    const json_t *m;
    size_t i;

    json_array_foreach(mounts, i, m)
        if (json_equal(json_object_get(m, "Target"), json_object_get(want, "Target")) &&
            json_equal(json_object_get(m, "Type"), json_object_get(want, "Type")) &&
            (strcmp(json_string_value(json_object_get(want, "Type")), "bind") ||
             json_equal(json_object_get(m, "Source"), json_object_get(want, "Source"))))
            return true;
    return false;
}

static json_t *binding_from_mount(const json_t *m)
{
    bool bind = !strcmp(json_string_value(json_object_get(m, "Type")), "bind");
    const char *source = json_string_value(json_object_get(m, "Source"));

    return json_pack("{s:o, s:O, s:b, s:n}", "host_path",
                     bind && source ? json_string(source) : json_null(),
                     "container_path", json_object_get(m, "Target"), "rewritable",
                     !json_is_true(json_object_get(m, "ReadOnly")), "volumes_from");
}

/* The bindings as written while swarm still has their mounts; otherwise
 * what swarm has. */
void dcs_rev_bindings(struct rev *r, const char *field)
{
    const json_t *mounts = json_object_get(dcs_rev_cs(r), "Mounts");
    const json_t *kept = dcs_kept(r, field);
    json_t *own = dcs_mounts_for(kept, "", false, NULL), *out, *m;
    bool same = true;
    size_t i;

    json_array_foreach(own, i, m)
        if (!has_mount(mounts, m))
            same = false;
    json_decref(own);
    if (kept && same) {
        dcs_rev_set(r, field, json_incref((json_t *)kept));
        return;
    }
    out = json_array();
    json_array_foreach(mounts, i, m)
        json_array_append_new(out, binding_from_mount(m));
    dcs_rev_set(r, field, out);
}
