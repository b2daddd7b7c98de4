/*
 * links.c - Docker Cloud links on swarm: every service of a stack joins one
 * overlay network, a link name becomes a network alias of the target, and
 * the client gets Docker Cloud's link environment variables (DESIGN.md §3).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "translate/fields.h"

/* Bytes of a variable name, of a prefix, of a "proto://host:port" value:
 * the bounds the Docker Cloud names were built with. */
#define VAR_MAX 1023
#define PREFIX_MAX 255
#define URL_MAX 1023

static size_t env_prefix(const char *alias, char *out)
{
    size_t i;

    for (i = 0; alias[i] && i < PREFIX_MAX; i++)
        out[i] = isalnum((unsigned char)alias[i]) ? (char)toupper((unsigned char)alias[i])
                                                  : '_';
    out[i] = 0;
    return i;
}

/* TCP before UDP, then by port: the order the Engine's links use. */
static int port_cmp(const void *a, const void *b)
{
    const json_t *pa = *(json_t *const *)a, *pb = *(json_t *const *)b;
    int ua = !strcmp(json_string_value(json_object_get(pa, "protocol")), "udp");
    int ub = !strcmp(json_string_value(json_object_get(pb, "protocol")), "udp");

    if (ua != ub)
        return ua - ub;
    return (int)(json_integer_value(json_object_get(pa, "inner_port")) -
                 json_integer_value(json_object_get(pb, "inner_port")));
}

/* The variables of one link as (name, value) pairs in one buffer: a large
 * stack sets some forty per link, too many for a JSON object each. */
struct lvar {
    size_t key, value; /* offsets of NUL-terminated text in vars->text */
    size_t seq;        /* the order they were set in: the last one wins */
};

struct lvars {
    struct dcs_jbuf text;
    struct lvar *v;
    size_t n, cap;
};

static bool valid_utf8(const char *s, size_t n)
{
    return dcs_utf8_valid(s, n);
}

/* Text appended as one NUL-terminated piece; its offset. */
static size_t lvars_text(struct lvars *l, const char *const *parts,
                         const size_t *lens, size_t max)
{
    size_t at = l->text.len, used = 0;

    for (; *parts; parts++, lens++) {
        size_t n = *lens < max - used ? *lens : max - used;
        dcs_jbuf_append(&l->text, *parts, n);
        used += n;
    }
    dcs_jbuf_append(&l->text, "", 1);
    return at;
}

/* prefix_suffix = value, names cut at VAR_MAX bytes (dropped when that
 * cuts a character in two, as jansson refuses such a name). */
static void lvars_set(struct lvars *l, const char *prefix, const char *s1,
                      const char *s2, const char *value, size_t vlen)
{
    const char *parts[] = {prefix, "_", s1, s2, NULL};
    size_t lens[] = {strlen(prefix), 1, strlen(s1), strlen(s2)};
    size_t total = lens[0] + 1 + lens[2] + lens[3], key, val;
    struct lvar *v;

    if (!value || (vlen == URL_MAX && !valid_utf8(value, vlen)))
        return;
    key = lvars_text(l, parts, lens, VAR_MAX);
    if (total > VAR_MAX && !valid_utf8(l->text.data + key, VAR_MAX))
        return;
    val = lvars_text(l, (const char *const[]){value, NULL}, &vlen, vlen);
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        if (!(v = realloc(l->v, cap * sizeof(*v)))) {
            l->text.failed = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = (struct lvar){key, val, l->n};
    l->n++;
}

static const char *lvar_key(const struct lvars *l, size_t i)
{
    return l->text.data + l->v[i].key;
}

static const char *lvar_value(const struct lvars *l, size_t i)
{
    return l->text.data + l->v[i].value;
}

static void lvars_release(struct lvars *l)
{
    dcs_jbuf_release(&l->text);
    free(l->v);
}

/* host_ok: an alias cut short inside a character cannot be a value. */
static void port_vars(struct lvars *l, const char *prefix, const char *host,
                      bool host_ok, json_t *const *ports, size_t n)
{
    char head[64], url[URL_MAX + 1], num[32], upper[8];

    for (size_t i = 0; i < n; i++) {
        const char *proto = json_string_value(json_object_get(ports[i], "protocol"));
        long long port = json_integer_value(json_object_get(ports[i], "inner_port"));
        size_t k, ulen;
        for (k = 0; proto[k] && k < sizeof(upper) - 1; k++)
            upper[k] = (char)toupper((unsigned char)proto[k]);
        upper[k] = 0;
        ulen = (size_t)snprintf(url, sizeof(url), "%s://%s:%lld", proto, host, port);
        ulen = ulen < URL_MAX ? ulen : URL_MAX;
        snprintf(num, sizeof(num), "%lld", port);
        snprintf(head, sizeof(head), "PORT_%s_%s", num, upper);
        if (i == 0 && host_ok)
            lvars_set(l, prefix, "PORT", "", url, ulen);
        if (host_ok)
            lvars_set(l, prefix, head, "", url, ulen);
        if (host_ok)
            lvars_set(l, prefix, head, "_ADDR", host, strlen(host));
        lvars_set(l, prefix, head, "_PORT", num, strlen(num));
        lvars_set(l, prefix, head, "_PROTO", proto, strlen(proto));
    }
}

static void env_vars(struct lvars *l, const char *prefix, const json_t *envvars)
{
    const json_t *e;
    size_t i;

    json_array_foreach(envvars, i, e) {
        const char *k = json_string_value(json_object_get(e, "key"));
        const char *value = json_string_value(json_object_get(e, "value"));
        if (!strcmp(k, "HOME") || !strcmp(k, "PATH"))
            continue; /* as the Engine's links skip them */
        lvars_set(l, prefix, "ENV_", k, value, value ? strlen(value) : 0);
    }
}

/* The variables in the order they are set; a name may come twice. */
static void link_vars(struct lvars *l, const char *alias, const json_t *target)
{
    const json_t *ports = json_object_get(target, "container_ports");
    const json_t *envvars = json_object_get(target, "container_envvars");
    size_t n = json_array_size(ports);
    json_t **sorted = calloc(n ? n : 1, sizeof(*sorted));
    char base[PREFIX_MAX + 1], indexed[PREFIX_MAX + 3];
    bool host_ok = valid_utf8(alias, strlen(alias));

    if (!sorted) {
        l->text.failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(ports, i);
    qsort(sorted, n, sizeof(*sorted), port_cmp);
    memcpy(indexed, base, env_prefix(alias, base));
    strcpy(indexed + strlen(base), "_1");
    /* Docker Cloud gave both the un-indexed set and one set per container;
     * the address is the alias, which names the service on the network. */
    port_vars(l, base, alias, host_ok, sorted, n);
    port_vars(l, indexed, alias, host_ok, sorted, n);
    env_vars(l, base, envvars);
    env_vars(l, indexed, envvars);
    free(sorted);
}

json_t *dcs_link_variables(const char *alias, const json_t *target)
{
    struct lvars l = {0};
    json_t *vars = json_object();

    link_vars(&l, alias, target);
    for (size_t i = 0; i < l.n && !l.text.failed; i++)
        json_object_set_new(vars, lvar_key(&l, i), json_string(lvar_value(&l, i)));
    lvars_release(&l);
    return vars;
}

static const char *link_alias(const json_t *link, char *buf, size_t len)
{
    const char *name = json_string_value(json_object_get(link, "name"));
    const char *to = json_string_value(json_object_get(link, "to_service"));
    const char *slash;

    if (name && *name)
        return name;
    /* A resource URI ".../service/<uuid>/" has no name to offer. */
    slash = strrchr(to, '/');
    if (slash && !slash[1])
        return to;
    snprintf(buf, len, "%.*s", (int)strcspn(to, "."), to);
    return buf;
}

/* ---- names already in Env ---------------------------------------------- */

/* Every name an Env entry answers to: "K=V" answers to K, and to each
 * longer prefix that ends before an '=' or at the end (what a prefix test
 * against each entry would accept), kept in an open-addressing set. */
struct nameset {
    struct { const char *s; size_t n; } *slot;
    size_t cap, used;
};

static size_t name_hash(const char *s, size_t n)
{
    size_t h = 1469598103934665603u;

    while (n--)
        h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

static bool nameset_has(const struct nameset *set, const char *s, size_t n)
{
    size_t i;

    if (!set->cap)
        return false;
    for (i = name_hash(s, n) & (set->cap - 1); set->slot[i].s; i = (i + 1) & (set->cap - 1))
        if (set->slot[i].n == n && !memcmp(set->slot[i].s, s, n))
            return true;
    return false;
}

static int nameset_put(struct nameset *set, const char *s, size_t n);

static int nameset_grow(struct nameset *set)
{
    struct nameset bigger = {NULL, set->cap ? 2 * set->cap : 64, 0};

    if (!(bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot))))
        return DCS_ERR;
    for (size_t i = 0; i < set->cap; i++)
        if (set->slot[i].s)
            nameset_put(&bigger, set->slot[i].s, set->slot[i].n);
    free(set->slot);
    *set = bigger;
    return DCS_OK;
}

static int nameset_put(struct nameset *set, const char *s, size_t n)
{
    size_t i;

    if (2 * (set->used + 1) > set->cap && nameset_grow(set))
        return DCS_ERR;
    for (i = name_hash(s, n) & (set->cap - 1); set->slot[i].s; i = (i + 1) & (set->cap - 1))
        if (set->slot[i].n == n && !memcmp(set->slot[i].s, s, n))
            return DCS_OK;
    set->slot[i].s = s;
    set->slot[i].n = n;
    set->used++;
    return DCS_OK;
}

static int nameset_add_entry(struct nameset *set, const char *entry)
{
    const char *eq;

    for (eq = strchr(entry, '='); eq; eq = strchr(eq + 1, '='))
        if (nameset_put(set, entry, (size_t)(eq - entry)))
            return DCS_ERR;
    return nameset_put(set, entry, strlen(entry));
}

static int lvar_cmp(const void *a, const void *b, void *text)
{
    const struct lvar *x = a, *y = b;
    int c = strcmp((const char *)text + x->key, (const char *)text + y->key);

    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Appended after the user's variables, sorted, never overriding them. */
static void add_link_env(struct fwd *f, struct lvars *l)
{
    json_t *env = json_object_get(dcs_cs(f), "Env"), *kv;
    struct nameset names = {0};
    struct dcs_jbuf line = {0};
    size_t i;

    if (l->text.failed)
        return;
    if (l->n && !env)
        env = dcs_arr(dcs_cs(f), "Env");
    for (i = 0; i < json_array_size(env); i++)
        if (nameset_add_entry(&names, json_string_value(json_array_get(env, i))))
            goto out;
    if (l->n) /* qsort of NULL, 0 is undefined behaviour */
        qsort_r(l->v, l->n, sizeof(*l->v), lvar_cmp, l->text.data);
    for (i = 0; i < l->n; i++) {
        const char *key = lvar_key(l, i), *value;
        size_t klen = strlen(key);
        if (i + 1 < l->n && !strcmp(key, lvar_key(l, i + 1)))
            continue; /* set again later: that value counts */
        if (nameset_has(&names, key, klen))
            continue;
        value = lvar_value(l, i);
        line.len = 0;
        dcs_jbuf_append(&line, key, klen);
        dcs_jbuf_append(&line, "=", 1);
        dcs_jbuf_append(&line, value, strlen(value));
        /* Both halves are valid UTF-8, and so the whole. */
        if (line.failed || !(kv = json_stringn_nocheck(line.data, line.len)) ||
            json_array_append_new(env, kv) || nameset_add_entry(&names, json_string_value(kv)))
            break;
        json_array_append_new(f->injected, json_stringn_nocheck(key, klen));
    }
out:
    dcs_jbuf_release(&line);
    free(names.slot);
}

int dcs_fwd_links(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    const json_t *l, *peer;
    size_t i;
    char buf[256];
    bool multi = false;

    (void)err;
    json_array_foreach(v, i, l) {
        const char *to = json_string_value(json_object_get(l, "to_service"));
        const char *alias = link_alias(l, buf, sizeof(buf));
        peer = dcs_peer(f, to);
        if (!peer) {
            dcs_fwd_warn(f, "linked_to_service", "approximate", "link to \"%s\": "
                         "that service is not in this input, so no link "
                         "variables are set and \"%s\" is not added as an alias",
                         to, alias);
            continue;
        }
        struct lvars vars = {0};
        link_vars(&vars, alias, peer);
        add_link_env(f, &vars);
        lvars_release(&vars);
        multi |= json_integer_value(json_object_get(peer, "target_num_containers")) > 1;
    }
    if (json_array_size(v))
        dcs_fwd_warn(f, "linked_to_service", "approximate", "links become network "
                     "aliases on the shared overlay network and Docker Cloud's "
                     "link variables, with the alias as the address%s; there are "
                     "no per-container names (<alias>-1)",
                     multi ? " (one virtual IP for all of a target's containers: "
                             "no _2_, _3_ variables)" : "");
    return DCS_OK;
}

void dcs_rev_links(struct rev *r, const char *field)
{
    json_t *out = json_array(), *l;
    const json_t *from = json_object_get(r->out, "resource_uri");
    size_t i;
    char buf[256];

    json_array_foreach(dcs_kept(r, field), i, l)
        json_array_append_new(out, json_pack("{s:O, s:s, s:O}", "from_service",
                                             from ? from : json_null(), "name",
                                             link_alias(l, buf, sizeof(buf)),
                                             "to_service",
                                             json_object_get(l, "to_service")));
    json_object_set_new(r->out, field, out);
}

/* {"Target": target} (consumed), or NULL without a target. */
static json_t *object_with_target(json_t *target)
{
    json_t *o;

    if (!target || !(o = json_object())) {
        json_decref(target);
        return NULL;
    }
    json_object_set_new_nocheck(o, "Target", target);
    return o;
}

int dcs_fwd_net(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    const char *net = v ? json_string_value(v) : "bridge";
    json_t *attach;
    char name[256];

    (void)err;
    if (f->partial && !v)
        return DCS_OK;
    if (!strcmp(net, "host")) {
        dcs_fwd_warn(f, "net", "approximate", "the tasks join swarm's host "
                     "network: published ports are bound in host mode on the "
                     "node that runs a task, and link aliases do not apply");
        json_array_append_new(dcs_arr(dcs_task(f), "Networks"),
                              object_with_target(json_string_nocheck("host")));
        return DCS_OK;
    }
    if (f->opts->stack)
        snprintf(name, sizeof(name), "%s_default", f->opts->stack);
    else
        snprintf(name, sizeof(name), "%s", DCS_DEFAULT_NETWORK);
    /* The name is checked: --stack is any bytes, and may have been cut. */
    attach = object_with_target(json_string(name));
    if (json_array_size(f->aliases))
        json_object_set_nocheck(attach, "Aliases", (json_t *)f->aliases);
    json_array_append_new(dcs_arr(dcs_task(f), "Networks"), attach);
    return DCS_OK;
}
