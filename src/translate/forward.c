/* forward.c - canonical Docker Cloud services -> Engine ServiceSpecs. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "translate/fields.h"
#include "translate/normalize.h"
#include "util/strmap.h"

static const char *target_name(const char *name, const char *to, char *buf, size_t len)
{
    if (name && *name)
        return name;
    snprintf(buf, len, "%.*s", (int)strcspn(to, "."), to);
    return buf;
}

static const char *link_target_name(const json_t *link, char *buf, size_t len)
{
    return target_name(json_string_value(json_object_get(link, "name")),
                       json_string_value(json_object_get(link, "to_service")), buf, len);
}

/* Read back from its text, a service's labels come in sorted order: put
 * them back in the order they were written (the entry's "label_order"). */
static void restore_label_order(json_t *svc, const json_t *order)
{
    json_t *labels = json_object_get(svc, "labels"), *v;
    const json_t *k;
    size_t i;

    json_array_foreach(order, i, k) {
        const char *key = json_string_value(k);
        if ((v = json_incref(json_object_get(labels, key)))) {
            json_object_del(labels, key); /* set again: last in the order */
            json_object_set_new_nocheck(labels, key, v);
        }
    }
}

/* The members `keys` of canonical service p: p itself, or read from its
 * text (a lean entry) without building the rest, or from the text it is
 * loaded again as (ranged: opts->text_source).  A new reference; NULL if it
 * cannot be read. */
static json_t *service_view(const json_t *p, const char *const *keys,
                            const struct dcs_translate_opts *opts)
{
    json_t *again, *view;
    struct dcs_error err;

    if (json_is_integer(p)) {
        dcs_error_clear(&err);
        again = opts ? dcs_service_reload(p, opts, &err) : NULL;
        view = again ? service_view(json_object_get(again, "service"), keys, NULL) : NULL;
        json_decref(again);
        return view;
    }
    if (!json_is_string(p))
        return json_incref((json_t *)p);
    return dcs_json_read_compact_keys(json_string_value(p), json_string_length(p),
                                      keys);
}

const json_t *dcs_svc_cache_get(struct dcs_svc_cache *c, const json_t *v,
                                const struct dcs_translate_opts *opts)
{
    json_t *svc, *again = NULL, *text = (json_t *)v;
    struct dcs_error err;
    size_t i;

    if (!json_is_string(v) && !json_is_integer(v))
        return v;
    for (i = 0; i < DCS_SVC_CACHE_SLOTS; i++)
        if (c->text[i] == v)
            return c->svc[i];
    if (json_is_integer(v)) {
        dcs_error_clear(&err);
        if (!(again = dcs_service_reload(v, opts, &err))) {
            if (!c->failed)
                c->err = err;
            c->failed = true;
            return NULL;
        }
        text = json_object_get(again, "service");
    }
    svc = dcs_json_read_compact(json_string_value(text), json_string_length(text));
    if (!svc) {
        json_decref(again);
        return NULL;
    }
    if (again) /* in the order written, as dcs_forward_entry puts a lean one */
        restore_label_order(svc, json_object_get(again, "label_order"));
    json_decref(c->svc[c->next]);
    json_decref(c->again[c->next]);
    c->text[c->next] = v;
    c->svc[c->next] = svc;
    c->again[c->next] = again;
    c->next = (c->next + 1) % DCS_SVC_CACHE_SLOTS;
    return svc;
}

const json_t *dcs_svc_cache_again(const struct dcs_svc_cache *c, const json_t *v)
{
    for (size_t i = 0; i < DCS_SVC_CACHE_SLOTS; i++)
        if (c->text[i] == v)
            return c->again[i];
    return NULL;
}

void dcs_svc_cache_release(struct dcs_svc_cache *c)
{
    for (size_t i = 0; i < DCS_SVC_CACHE_SLOTS; i++) {
        json_decref(c->svc[i]);
        json_decref(c->again[i]);
    }
    memset(c, 0, sizeof(*c));
}

/* What a service needs because of the others, keyed by name: one packed
 * string (a large stack has one per service): "S" when others mount its
 * volumes, "-" when not, then the link names others give it, each ended
 * by NUL, each once.  `ident` found target among the peers: a target given
 * as text or where its text is is an entry of dcs_forward_each, where
 * identifiers are names. */
static json_t *need_of(json_t *needs, const json_t *target, const char *ident)
{
    const char *name = !json_is_object(target) ? ident
                       : json_string_value(json_object_get(target, "name"));
    json_t *n = NULL;

    if (name && !(n = json_object_get(needs, name))) {
        n = json_stringn_nocheck("-", 1);
        json_object_set_new(needs, name, n);
    }
    return n;
}

static bool need_shared(const json_t *need)
{
    return need && json_string_value(need)[0] == 'S';
}

static void need_set_shared(json_t *need)
{
    size_t len = json_string_length(need);
    char *copy = malloc(len);

    if (!copy)
        return;
    memcpy(copy, json_string_value(need), len);
    copy[0] = 'S';
    json_string_setn_nocheck(need, copy, len);
    free(copy);
}

/* The next alias of a packed need after `at` (NULL: the first); NULL at
 * the end. */
static const char *need_alias(const json_t *need, const char *at)
{
    const char *end = json_string_value(need) + json_string_length(need);

    at = at ? at + strlen(at) + 1 : json_string_value(need) + 1;
    return at < end ? at : NULL;
}

static void need_add_alias(json_t *need, const char *alias)
{
    size_t len = json_string_length(need), n = strlen(alias) + 1;
    char *grown;

    for (const char *a = need_alias(need, NULL); a; a = need_alias(need, a))
        if (!strcmp(a, alias))
            return;
    if (!(grown = malloc(len + n)))
        return;
    memcpy(grown, json_string_value(need), len);
    memcpy(grown + len, alias, n);
    /* Valid UTF-8 pieces, and NUL is a character. */
    json_string_setn_nocheck(need, grown, len + n);
    free(grown);
}

/* What service p (maybe text) makes the others need. */
static void add_needs_of(json_t *needs, const json_t *peers, const json_t *p)
{
    static const char *const keys[] = {"linked_to_service", "bindings", NULL};
    json_t *view = service_view(p, keys, NULL), *l, *n;
    const json_t *t;
    const char *ident;
    size_t i;
    char buf[256];

    json_array_foreach(json_object_get(view, "linked_to_service"), i, l) {
        ident = json_string_value(json_object_get(l, "to_service"));
        t = json_object_get(peers, ident);
        if (t && (n = need_of(needs, t, ident)))
            need_add_alias(n, link_target_name(l, buf, sizeof(buf)));
    }
    json_array_foreach(json_object_get(view, "bindings"), i, l) {
        ident = json_string_value(json_object_get(l, "volumes_from"));
        t = json_object_get(peers, ident);
        if (t && (n = need_of(needs, t, ident)))
            need_set_shared(n);
    }
    json_decref(view);
}

/* One pass over every link and volumes_from of the stack. */
static json_t *index_needs(const json_t *peers)
{
    json_t *needs = json_object(), *seen = json_object(), *p;
    const char *key;
    char addr[32];

    json_object_foreach((json_t *)peers, key, p) {
        snprintf(addr, sizeof(addr), "%p", (void *)p);
        if (json_object_get(seen, addr))
            continue; /* one service under several identifiers */
        json_object_set_new(seen, addr, json_true());
        add_needs_of(needs, peers, p);
    }
    json_decref(seen);
    return needs;
}

/* ---- refs: what is needed of every service before translating any ---
 * Packed in one string per entry while the service is loaded, so that
 * neither the needs of the others (links, volumes_from) nor the checks
 * across services (dcs_forward_check) read the text of every service once
 * more.  Records, one after the other, a kind and NUL-terminated strings:
 *   N name              its name, first (a service may have none)
 *   L to_service name   a link ("" for no name)
 *   V service index     volumes_from, its index in bindings
 *   T path              a container path the service mounts, its own
 *   t path              one only those taking its volumes_from mount
 *   P port/protocol     an outer port it publishes (dcs_port_key)
 *   ! ""                translating it alone would refuse it
 *                       (dcs_check_service) */

struct ref {
    char kind;
    const char *a, *b; /* b: the link name of an L, the index of a V, else NULL */
};

static void ref_put(struct dcs_strbuf *b, char kind, const char *a, const char *name)
{
    dcs_strbuf_append(b, &kind, 1);
    dcs_strbuf_append(b, a, strlen(a) + 1);
    if (name)
        dcs_strbuf_append(b, name, strlen(name) + 1);
}

int dcs_refs_pack(const json_t *service, const json_t *spelling,
                  const struct dcs_translate_opts *opts, json_t **refs)
{
    const json_t *l, *to, *from, *bindings = json_object_get(service, "bindings");
    const char *name, *target;
    enum dcs_mount_kind kind;
    struct dcs_strbuf b = {0};
    struct dcs_error why;
    size_t i;
    int rc;

    dcs_error_clear(&why);
    if ((name = json_string_value(json_object_get(service, "name"))))
        ref_put(&b, 'N', name, NULL);
    /* Found while the service is in hand; reported by dcs_forward_check,
     * which checks it again for the error: loading goes on, as an error
     * loading a later service finds is the one reported. */
    if (dcs_check_service(service, spelling, opts, &why))
        ref_put(&b, '!', "", NULL);
    json_array_foreach(json_object_get(service, "linked_to_service"), i, l)
        if (json_is_string(to = json_object_get(l, "to_service"))) {
            name = json_string_value(json_object_get(l, "name"));
            ref_put(&b, 'L', json_string_value(to), name ? name : "");
        }
    json_array_foreach(bindings, i, l) {
        if (json_is_string(from = json_object_get(l, "volumes_from"))) {
            char at[24];
            snprintf(at, sizeof(at), "%zu", i);
            ref_put(&b, 'V', json_string_value(from), at);
        }
        if ((kind = dcs_binding_mount(l, &target)))
            ref_put(&b, kind == DCS_MOUNT_OWN ? 'T' : 't', target, NULL);
    }
    dcs_port_keys(&b, json_object_get(service, "container_ports"), 'P');
    /* Valid UTF-8 pieces, and NUL is a character. */
    *refs = b.len && !b.failed ? json_stringn_nocheck(b.data, b.len) : NULL;
    rc = b.failed || (b.len && !*refs) ? DCS_ERR : DCS_OK;
    dcs_strbuf_release(&b);
    return rc;
}

/* Reads the records of one refs string (refs_read), one after the other. */
struct refs_reader {
    const char *at, *end; /* NULL: no refs */
};

static struct refs_reader refs_read(const json_t *refs)
{
    const char *s = json_string_value(refs);

    return (struct refs_reader){s, s ? s + json_string_length(refs) : NULL};
}

/* The next record into *r; false at the end. */
static bool ref_next(struct refs_reader *rd, struct ref *r)
{
    if (!rd->at || rd->at >= rd->end)
        return false;
    r->kind = *rd->at++;
    r->a = rd->at;
    rd->at += strlen(rd->at) + 1;
    r->b = NULL;
    if (r->kind == 'L' || r->kind == 'V') {
        r->b = rd->at;
        rd->at += strlen(rd->at) + 1;
    }
    return true;
}

/* What the packed refs of an entry make the others need. */
static void add_needs_of_refs(json_t *needs, const json_t *peers, const json_t *refs)
{
    struct refs_reader rd = refs_read(refs);
    const json_t *t;
    json_t *n;
    struct ref r;
    char buf[256];

    while (ref_next(&rd, &r)) {
        if ((r.kind != 'L' && r.kind != 'V') || !(t = json_object_get(peers, r.a)) ||
            !(n = need_of(needs, t, r.a)))
            continue;
        if (r.kind == 'L')
            need_add_alias(n, target_name(r.b, r.a, buf, sizeof(buf)));
        else
            need_set_shared(n);
    }
}

/* ---- outer ports several services publish --------------------------
 * Docker Cloud bound a published port on the node of each container, so
 * two services of a stack could publish the same one, kept on different
 * nodes.  Swarm's routing mesh publishes a port once for the whole swarm;
 * host mode is Docker Cloud's way, and swarm then keeps the containers
 * that publish a port apart, one per node.  Such ports (dcs_port_key),
 * packed one after the other, are needs[DCS_NEEDS_SHARED_PORTS]. */

struct port_owners {
    struct dcs_strmap owner;  /* key -> the first entry publishing it */
    struct dcs_strmap shared; /* key -> (any): published by another too */
    struct dcs_strbuf packed;
};

static void port_owned(struct port_owners *po, const char *key, const void *me)
{
    const void *first = dcs_strmap_get(&po->owner, key);

    if (!first) {
        dcs_strmap_add(&po->owner, key, me);
    } else if (first != me && !dcs_strmap_get(&po->shared, key)) {
        dcs_strmap_add(&po->shared, key, me);
        dcs_strbuf_append(&po->packed, key, strlen(key) + 1);
    }
}

/* The ports of an entry: from its refs, or its service when it has none. */
static void entry_ports(struct port_owners *po, const json_t *e, const void *me,
                        struct dcs_strbuf *tmp)
{
    static const char *const keys[] = {"container_ports", NULL};
    const json_t *refs = dcs_entry_refs(e);
    struct refs_reader rd;
    struct ref r;
    json_t *view;

    if (refs) {
        for (rd = refs_read(refs); ref_next(&rd, &r);)
            if (r.kind == 'P')
                port_owned(po, r.a, me);
        return;
    }
    view = service_view(dcs_entry_service(e), keys, NULL);
    tmp->len = 0;
    dcs_port_keys(tmp, json_object_get(view, "container_ports"), 'P');
    json_decref(view);
    for (size_t at = 0; at < tmp->len && !tmp->failed;) {
        const char *key = tmp->data + at + 1; /* after its tag */
        port_owned(po, key, me);
        at += strlen(key) + 2;
    }
}

static void add_shared_ports(json_t *needs, const json_t *entries)
{
    struct port_owners po = {0};
    struct dcs_strbuf tmp = {0};
    const json_t *e;
    size_t i;

    json_array_foreach(entries, i, e)
        entry_ports(&po, e, e, &tmp);
    if (po.packed.len && !po.packed.failed)
        json_object_set_new_nocheck(needs, DCS_NEEDS_SHARED_PORTS,
                                    json_stringn_nocheck(po.packed.data, po.packed.len));
    dcs_strbuf_release(&tmp);
    dcs_strbuf_release(&po.packed);
    dcs_strmap_release(&po.owner);
    dcs_strmap_release(&po.shared);
}

/* index_needs from the entries of dcs_load_services: an entry has the
 * links and volumes_from of its service packed in "refs" (none: no such
 * member), so that the text of every service is not read once more. */
json_t *dcs_index_needs_of_entries(const json_t *entries, const json_t *peers)
{
    json_t *needs = json_object(), *e, *service, *refs;
    size_t i;

    json_array_foreach(entries, i, e) {
        if (!dcs_entry_name(e))
            continue; /* not among the peers */
        service = (json_t *)dcs_entry_service(e);
        if ((refs = (json_t *)dcs_entry_refs(e)))
            add_needs_of_refs(needs, peers, refs);
        else if (!json_is_string(service))
            add_needs_of(needs, peers, service);
    }
    add_shared_ports(needs, entries);
    return needs;
}

/* Network aliases: the short name in a stack (<stack>_<name> must answer
 * to <name>, as docker stack deploy arranges), then the link names. */
static json_t *aliases_for(const json_t *svc, const json_t *need,
                           const struct dcs_translate_opts *opts)
{
    const char *name = json_string_value(json_object_get(svc, "name"));
    json_t *aliases = json_array();

    if (opts->stack && name)
        dcs_json_add_unique(aliases, name);
    for (const char *a = need ? need_alias(need, NULL) : NULL; a; a = need_alias(need, a))
        if (!name || strcmp(a, name))
            dcs_json_add_unique(aliases, a);
    return aliases;
}

/* A value that is not valid UTF-8 (--stack is any bytes) is left out. */
static void set_label(json_t *spec, const char *key, const char *value)
{
    json_t *labels;
    size_t n;

    if (!value)
        return;
    labels = dcs_obj(spec, "Labels");
    if (dcs_utf8_valid(value, n = strlen(value)))
        json_object_set_new_nocheck(labels, key, json_stringn_nocheck(value, n));
}

/* A value dcs_json_write made of JSON values: valid UTF-8 already. */
static void set_json_label(json_t *spec, const char *key, const char *json, size_t n)
{
    json_object_set_new_nocheck(dcs_obj(spec, "Labels"), key, json_stringn_nocheck(json, n));
}

static void add_labels(struct fwd *f, const char *uuid)
{
    char *made = f->text ? NULL : dcs_json_compact(f->svc);
    const char *canonical = f->text ? f->text : made;

    set_label(f->spec, DCS_LABEL_NAME, f->name);
    set_label(f->spec, DCS_LABEL_UUID, uuid);
    set_label(f->spec, DCS_LABEL_NAMESPACE, f->opts->namespace_);
    if (canonical)
        set_json_label(f->spec, DCS_LABEL_SPEC, canonical, strlen(canonical));
    if (f->opts->stack) {
        set_label(f->spec, DCS_LABEL_STACK, f->opts->stack);
        set_label(f->spec, DCS_LABEL_STACK_NS, f->opts->stack);
        json_object_set_new(dcs_obj(dcs_cs(f), "Labels"), DCS_LABEL_STACK_NS,
                            json_string(f->opts->stack));
    }
    if (f->injected.len) {
        dcs_strbuf_append(&f->injected, "]", 1);
        if (!f->injected.failed)
            set_json_label(f->spec, DCS_LABEL_LINKENV, f->injected.data, f->injected.len);
    }
    free(made);
}

/* The engine drops empty lists and maps from a spec it stores: leave them
 * out, so the spec is what the engine will show (Mode.Global {} stays: it
 * means global mode). */
static void prune_empty(json_t *v)
{
    const char *k;
    json_t *item;
    void *tmp;

    json_object_foreach_safe(v, tmp, k, item) {
        if (json_is_object(item) && strcmp(k, "Global"))
            prune_empty(item);
        if ((json_is_array(item) && !json_array_size(item)) ||
            (json_is_object(item) && !json_object_size(item) && strcmp(k, "Global")))
            json_object_del(v, k);
    }
}

/* Row failed: the field as the user spelled it, unless a path is named. */
static int row_failed(const struct fwd *f, const struct dcs_field *row,
                      struct dcs_error *err)
{
    if (!err->path[0])
        snprintf(err->path, sizeof(err->path), "%s", dcs_spelling(f->spelling, row->api));
    return DCS_ERR;
}

static int run_rows(struct fwd *f, struct dcs_error *err)
{
    const struct dcs_field *row;
    const json_t *v;

    for (row = dcs_fields; row->api; row++) {
        v = json_object_get(f->svc, row->api);
        if (!v && !row->always)
            continue;
        if (row->fwd(f, v, err))
            return row_failed(f, row, err);
    }
    return DCS_OK;
}

/* <stack>_<name> (or <name>) into buf; refused as swarm would refuse it. */
static int swarm_name_of(char *buf, size_t len, const char *name,
                         const struct dcs_translate_opts *opts, struct dcs_error *err)
{
    if (opts->stack && name)
        snprintf(buf, len, "%s_%s", opts->stack, name);
    else
        snprintf(buf, len, "%s", name ? name : "");
    if (name && strlen(buf) > 63)
        return dcs_error_set(err, "name", "\"%s\" is longer than the 63 characters "
                             "swarm allows in a service name", buf);
    return DCS_OK;
}

/* What forward_one refuses before its rows, and then their checks, in
 * the order it meets them. */
int dcs_check_service(const json_t *service, const json_t *spelling,
                      const struct dcs_translate_opts *opts, struct dcs_error *err)
{
    const char *name = json_string_value(json_object_get(service, "name"));
    struct fwd f = {.name = name ? name : "", .svc = service, .spelling = spelling,
                    .opts = opts, .partial = !json_object_get(service, "image")};
    const struct dcs_field *row;
    const json_t *v;
    char swarm_name[160];

    if (swarm_name_of(swarm_name, sizeof(swarm_name), name, opts, err))
        return DCS_ERR;
    f.swarm_name = swarm_name;
    for (row = dcs_fields; row->api; row++) {
        if (!row->check || (!(v = json_object_get(service, row->api)) && !row->always))
            continue;
        if (row->check(&f, v, err))
            return row_failed(&f, row, err);
    }
    return DCS_OK;
}

/* One service to translate. */
struct fwd_in {
    const json_t *service;  /* canonical */
    const char *text;       /* its compact text with sorted keys, or NULL */
    const json_t *spelling;
    const char *uuid;
    struct dcs_strbuf *lines; /* non-NULL: the warnings as lines, here */
    const char *lines_source;
    bool in_stack; /* its links and volumes_from name the peers (references.c) */
};

static json_t *forward_one(const struct fwd_in *in, const json_t *peers,
                           struct dcs_svc_cache *cache, const json_t *needs,
                           const struct dcs_translate_opts *opts, json_t *warnings,
                           struct dcs_error *err)
{
    const json_t *service = in->service;
    const char *name = json_string_value(json_object_get(service, "name"));
    char swarm_name[160];
    struct fwd f = {0};

    if ((in->in_stack && dcs_check_references(service, in->spelling, peers, err)) ||
        swarm_name_of(swarm_name, sizeof(swarm_name), name, opts, err))
        return NULL;
    f.name = name ? name : "";
    f.swarm_name = swarm_name;
    f.svc = service;
    f.text = in->text;
    f.spelling = in->spelling;
    f.opts = opts;
    f.peers = peers;
    f.cache = cache;
    f.partial = !json_object_get(service, "image");
    f.spec = json_object();
    f.warnings = warnings;
    f.lines = in->lines;
    f.lines_source = in->lines_source;
    const json_t *need = name ? json_object_get(needs, name) : NULL;
    f.aliases = aliases_for(service, need, opts);
    f.shared_volumes = need_shared(need);
    f.shared_ports = json_object_get(needs, DCS_NEEDS_SHARED_PORTS);
    if (run_rows(&f, err)) {
        json_decref(f.spec);
        f.spec = NULL;
    } else {
        prune_empty(f.spec);
        if (!f.partial)
            add_labels(&f, in->uuid);
    }
    json_decref((json_t *)f.aliases);
    dcs_strbuf_release(&f.injected);
    return f.spec;
}

json_t *dcs_forward_service(const json_t *service, const json_t *peers,
                            const struct dcs_translate_opts *opts,
                            const char *uuid, json_t *warnings,
                            struct dcs_error *err)
{
    json_t *needs = index_needs(peers), *spec;
    struct dcs_svc_cache cache = {0};
    struct fwd_in in = {service, NULL, NULL, uuid, NULL, NULL, false};

    spec = forward_one(&in, peers, &cache, needs, opts, warnings, err);
    dcs_svc_cache_release(&cache);
    json_decref(needs);
    return spec;
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

json_t *dcs_forward_networks(const json_t *entries, const struct dcs_translate_opts *opts)
{
    static const char *const keys[] = {"image", "net", NULL};
    json_t *nets = json_array(), *e, *svc;
    const char *net;
    size_t i;
    bool needed;

    json_array_foreach(entries, i, e) {
        svc = service_view(dcs_entry_service(e), keys, opts);
        net = json_string_value(json_object_get(svc, "net"));
        needed = json_object_get(svc, "image") && (!net || strcmp(net, "host"));
        json_decref(svc);
        if (needed) {
            json_array_append_new(nets, network_for(opts));
            break;
        }
    }
    return nets;
}

void dcs_prefix_service(struct dcs_error *err, const char *name)
{
    char joined[DCS_ERROR_PATH_LEN];

    if (!err)
        return;
    snprintf(joined, sizeof(joined), "%s:%s", name, err->path);
    memcpy(err->path, joined, sizeof(joined));
}

/* ---- what translating would refuse, found before it ------------------
 * dcs_forward_each_text writes each spec as soon as it is handed over, so
 * an error found while translating would come after the specs of the
 * services before it.  What each service alone would be refused for is
 * found while it is loaded (dcs_refs_pack: a "!" record), and the rest,
 * which takes other services, here from the refs: without translating,
 * reading back the text of every service, nor looking at more of each
 * entry than its name and refs. */

/* The name and refs of an entry. */
struct checked {
    const char *name;
    const json_t *refs;
};

/* Append r.a, NUL-terminated, to b. */
static void put_a(struct dcs_strbuf *b, const struct ref *r)
{
    dcs_strbuf_append(b, r->a, strlen(r->a) + 1);
}

/* What the checks need of an entry, from its refs: the container paths it
 * mounts, as dcs_fwd_bindings makes its mounts (its own, then those of
 * each service it takes volumes_from; `names`: name -> refs), and whether
 * it alone is refused. */
static bool entry_mounts(const json_t *refs, const struct dcs_strmap *names,
                         struct dcs_strbuf *targets)
{
    struct refs_reader rd = refs_read(refs), peer;
    struct ref r, pr;
    bool from = false, refused = false;

    while (ref_next(&rd, &r)) {
        if (r.kind == 'T')
            put_a(targets, &r);
        from |= r.kind == 'V';
        refused |= r.kind == '!';
    }
    for (rd = refs_read(from ? refs : NULL); ref_next(&rd, &r);)
        for (peer = refs_read(r.kind == 'V' ? dcs_strmap_get(names, r.a) : NULL);
             ref_next(&peer, &pr);)
            if (pr.kind == 'T' || pr.kind == 't')
                put_a(targets, &pr);
    return refused;
}

/* A refused entry's service checked again for the error: the one service
 * read back from its text. */
static int entry_refused(const json_t *e, const struct dcs_translate_opts *opts,
                         struct dcs_error *err)
{
    const json_t *stored = dcs_entry_service(e);
    json_t *svc;
    int rc;

    if (json_is_integer(stored)) /* ranged: checked again loaded (check_again) */
        return DCS_ERR;
    svc = json_is_string(stored)
          ? dcs_json_read_compact(json_string_value(stored), json_string_length(stored))
          : json_incref((json_t *)stored);
    if (!svc)
        return dcs_error_status(err, 500, NULL, "out of memory");
    rc = dcs_check_service(svc, json_object_get(e, "spelling"), opts, err);
    json_decref(svc);
    return rc;
}

static bool name_known(const void *names, const char *name)
{
    return dcs_strmap_get(names, name) != NULL;
}

/* What the links and volumes_from of a stack's entry name (references.c),
 * read from its refs. */
static int check_entry_references(const json_t *e, const struct checked *c,
                                  const struct dcs_strmap *names, struct dcs_error *err)
{
    struct refs_reader rd = refs_read(c->refs);
    struct dcs_reference ref = {0};
    const json_t *spelling = NULL;
    size_t links = 0, froms = 0;
    struct ref r;

    while (ref_next(&rd, &r)) {
        if (r.kind != 'L' && r.kind != 'V')
            continue;
        if (!spelling) { /* looked up only for a service that names others */
            if (!dcs_entry_in_stack(e))
                return DCS_OK;
            spelling = json_object_get(e, "spelling");
        }
        ref.kind = r.kind;
        ref.target = r.a;
        ref.at = r.kind == 'L' ? links++ : strtoul(r.b, NULL, 10);
        ref.nth = r.kind == 'V' ? froms++ : 0;
        if (dcs_check_reference(c->name, &ref, spelling, name_known, names, err))
            return DCS_ERR;
    }
    return DCS_OK;
}

/* Entry e (c: its name and refs): what forward_one would refuse.  `t` is
 * any. */
static int check_entry(const json_t *e, const struct checked *c,
                       const struct dcs_strmap *names, const struct dcs_translate_opts *opts,
                       struct dcs_strbuf *t, struct dcs_error *err)
{
    const char *name = c->name ? c->name : "";
    bool refused;
    int rc = DCS_OK;

    if (check_entry_references(e, c, names, err)) {
        dcs_prefix_service(err, name);
        return DCS_ERR;
    }
    t->len = 0;
    refused = entry_mounts(c->refs, names, t);
    if (t->failed)
        return dcs_error_status(err, 500, NULL, "out of memory");
    if (refused)
        rc = entry_refused(e, opts, err);
    if (!rc && (rc = dcs_check_targets(t, err))) /* named as run_rows names it */
        snprintf(err->path, sizeof(err->path), "%s",
                 dcs_spelling(json_object_get(e, "spelling"), "bindings"));
    if (rc) {
        dcs_prefix_service(err, name);
        return DCS_ERR;
    }
    return DCS_OK;
}

/* A ranged entry refused: checked again loaded, for the error as its
 * spelling says it (a ranged entry keeps none). */
static int check_again(const json_t *e, const struct checked *c,
                       const struct dcs_strmap *names, const struct dcs_translate_opts *opts,
                       struct dcs_strbuf *t, struct dcs_error *err)
{
    json_t *again = dcs_service_reload(dcs_entry_service(e), opts, err);
    int rc;

    if (!again)
        return DCS_ERR;
    rc = check_entry(again, c, names, opts, t, err);
    json_decref(again);
    return rc;
}

int dcs_forward_check(const json_t *entries, const struct dcs_translate_opts *opts,
                      struct dcs_error *err)
{
    size_t n = json_array_size(entries), i;
    struct checked *c = calloc(n ? n : 1, sizeof(*c));
    struct dcs_strmap names = {0};
    struct dcs_strbuf targets = {0};
    struct dcs_error none;
    const json_t *e;
    int rc = DCS_OK;

    dcs_error_clear(&none);
    if (!err)
        err = &none;
    if (!c)
        rc = dcs_error_status(err, 500, NULL, "out of memory");
    /* Each entry looked at once, for its refs alone: entries are many, far
     * apart in memory, and each member is one more lookup. */
    for (i = 0; i < n && !rc; i++) {
        struct refs_reader rd;
        struct ref r;
        e = json_array_get(entries, i);
        rd = refs_read(c[i].refs = dcs_entry_refs(e));
        if (ref_next(&rd, &r) && r.kind == 'N' &&
            dcs_strmap_add(&names, c[i].name = r.a, c[i].refs))
            rc = dcs_error_status(err, 500, NULL, "out of memory");
    }
    for (i = 0; i < n && !rc; i++)
        if ((rc = check_entry(e = json_array_get(entries, i), &c[i], &names, opts, &targets,
                              err)) && json_is_integer(dcs_entry_service(e)))
            rc = check_again(e, &c[i], &names, opts, &targets, err);
    dcs_strbuf_release(&targets);
    dcs_strmap_release(&names);
    free(c);
    return rc;
}

/* One entry: its service read back first if it is text (lean), and held
 * while the peers it links to come and go from the cache. */
json_t *dcs_forward_entry(const json_t *e, const json_t *peers,
                             struct dcs_svc_cache *cache, const json_t *needs,
                             const struct dcs_translate_opts *opts,
                             const json_t *uuids, const struct dcs_fwd_sink *sink,
                             json_t **service, struct dcs_error *err)
{
    const char *name = dcs_entry_name(e);
    const json_t *stored = dcs_entry_service(e);
    struct fwd_in in = {NULL, json_string_value(stored), json_object_get(e, "spelling"),
                        json_string_value(json_object_get(uuids, name)), sink->lines,
                        sink->lines_source, dcs_entry_in_stack(e)};
    json_t *svc, *spec, *again;
    char uuid[37];

    if (!in.uuid)
        in.uuid = json_string_value(json_object_get(json_object_get(e, "readonly"), "uuid"));
    if (!in.uuid) {
        dcs_uuid_for(opts->namespace_, opts->stack, name, uuid);
        in.uuid = uuid;
    }
    in.service = svc = json_incref((json_t *)dcs_svc_cache_get(cache, stored, opts));
    if (!svc) {
        if (cache->failed)
            *err = cache->err;
        else
            dcs_error_status(err, 500, NULL, "out of memory");
        return NULL;
    }
    /* Loaded again (ranged), it comes with its text and spelling. */
    if ((again = json_incref((json_t *)dcs_svc_cache_again(cache, stored))) &&
        (!name || !dcs_entry_name(again) || strcmp(name, dcs_entry_name(again)))) {
        json_decref(svc);
        json_decref(again);
        dcs_error_set(err, NULL, "the input changed while it was translated: service %s "
                      "is no longer where it was", name ? name : "");
        return NULL;
    }
    if (again) {
        in.text = json_string_value(json_object_get(again, "service"));
        in.spelling = json_object_get(again, "spelling");
    } else {
        restore_label_order(svc, json_object_get(e, "label_order"));
    }
    spec = forward_one(&in, peers, cache, needs, opts, sink->warnings, err);
    if (spec && cache->failed) { /* a peer could not be loaded again */
        json_decref(spec);
        spec = NULL;
        *err = cache->err;
    }
    if (spec && service)
        *service = json_incref(svc);
    json_decref(svc);
    json_decref(again);
    return spec;
}

int dcs_forward_each(const json_t *entries, const struct dcs_translate_opts *opts,
                     const json_t *uuids, json_t *warnings, dcs_spec_fn emit,
                     void *ctx, struct dcs_error *err)
{
    json_t *peers = json_object(), *needs, *e, *spec;
    struct dcs_svc_cache cache = {0};
    size_t i;
    int rc = DCS_OK;

    json_array_foreach(entries, i, e)
        json_object_set(peers, dcs_entry_name(e),
                        (json_t *)dcs_entry_service(e));
    needs = dcs_index_needs_of_entries(entries, peers);
    json_array_foreach(entries, i, e) {
        const char *name = dcs_entry_name(e);
        struct dcs_fwd_sink sink = {warnings, NULL, NULL};
        spec = dcs_forward_entry(e, peers, &cache, needs, opts, uuids, &sink, NULL, err);
        if (!spec) {
            dcs_prefix_service(err, name ? name : "");
            rc = DCS_ERR;
            break;
        }
        rc = emit(spec, i, ctx);
        json_decref(spec);
        if (rc)
            break;
    }
    dcs_svc_cache_release(&cache);
    json_decref(needs);
    json_decref(peers);
    return rc;
}

static int append_spec(json_t *spec, size_t index, void *ctx)
{
    (void)index;
    return json_array_append((json_t *)ctx, spec);
}

json_t *dcs_forward(const json_t *entries, const struct dcs_translate_opts *opts,
                    const json_t *uuids, json_t *warnings, struct dcs_error *err)
{
    json_t *specs = json_array();

    if (dcs_forward_each(entries, opts, uuids, warnings, append_spec, specs, err)) {
        json_decref(specs);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "networks", dcs_forward_networks(entries, opts),
                     "services", specs);
}
