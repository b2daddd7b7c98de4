/*
 * links.c - Docker Cloud links on swarm: every service of a stack joins one
 * overlay network, a link name becomes a network alias of the target, and
 * the client gets Docker Cloud's link environment variables (docs/design.md §3).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
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

/* The variables of one link as (name, value) pairs in one buffer: a large
 * stack sets some forty per link, too many for a JSON object each. */
struct lvar {
    size_t key, value; /* offsets of NUL-terminated text in text */
    size_t seq;        /* the order they were set in: the last one wins */
};

struct lvars {
    struct dcs_strbuf text; /* every key and value, each ended by a NUL */
    struct lvar *v;
    size_t n, vcap;
    bool failed;
    bool key_has_eq; /* a name holds '=' (see add_link_env) */
};

/* Room for n more bytes of text and one more variable. */
static bool lvars_room(struct lvars *l, size_t n)
{
    if (l->failed || !dcs_strbuf_reserve(&l->text, n))
        return !(l->failed = true);
    if (l->n == l->vcap) {
        size_t cap = l->vcap ? 2 * l->vcap : 64;
        struct lvar *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return !(l->failed = true);
        l->v = v;
        l->vcap = cap;
    }
    return true;
}

/* Text given in pieces: names and values are built from a few. */
struct piece {
    const char *s;
    size_t n;
};

/* The pieces, cut at max bytes; how many were written. */
static size_t put_pieces(char *out, const struct piece *p, size_t count, size_t max)
{
    size_t len = 0;

    for (size_t i = 0; i < count; i++) {
        size_t n = p[i].n < max - len ? p[i].n : max - len;
        memcpy(out + len, p[i].s, n);
        len += n;
    }
    out[len] = 0;
    return len;
}

static size_t pieces_length(const struct piece *p, size_t count)
{
    size_t len = 0;

    for (size_t i = 0; i < count; i++)
        len += p[i].n;
    return len;
}

/* name = value, the name cut at VAR_MAX bytes and the value at vmax; a cut
 * inside a character drops the variable, as jansson refuses such text. */
static void lvars_set(struct lvars *l, const struct piece *name, size_t nn,
                      const struct piece *value, size_t nv, size_t vmax)
{
    size_t klen = pieces_length(name, nn), vlen = pieces_length(value, nv);
    size_t at = l->text.len, k, v;
    char *t;

    if (!lvars_room(l, klen + vlen + 2))
        return;
    t = l->text.data + at;
    k = put_pieces(t, name, nn, VAR_MAX);
    v = put_pieces(t + k + 1, value, nv, vmax);
    if ((klen > k && !dcs_utf8_valid(t, k)) || (vlen > v && !dcs_utf8_valid(t + k + 1, v)))
        return;
    l->text.len += k + v + 2;
    l->text.data[l->text.len] = '\0';
    l->key_has_eq |= memchr(t, '=', k) != NULL;
    l->v[l->n] = (struct lvar){at, at + k + 1, l->n};
    l->n++;
}

/* prefix_<p1><p2> = value (a whole string). */
static void lvars_set_text(struct lvars *l, const struct piece *prefix,
                           const char *p1, size_t len1, const char *p2, size_t len2,
                           const char *value, size_t vlen)
{
    struct piece name[] = {*prefix, {"_", 1}, {p1, len1}, {p2, len2}};
    struct piece val = {value, vlen};

    if (value)
        lvars_set(l, name, 4, &val, 1, vlen);
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
    dcs_strbuf_release(&l->text);
    free(l->v);
}

/* What the variables of one port are made of, whatever the prefix. */
struct port_text {
    const char *proto;
    char head[48]; /* PORT_<port>_<PROTO> */
    char num[24];
    size_t head_len, num_len;
    long long port;
    bool udp;
};

/* TCP before UDP, then by port: the order the Engine's links use. */
static int port_cmp(const void *a, const void *b)
{
    const struct port_text *x = a, *y = b;

    if (x->udp != y->udp)
        return x->udp - y->udp;
    return (x->port > y->port) - (x->port < y->port);
}

static void port_text(struct port_text *t, const json_t *port)
{
    long long n = json_integer_value(json_object_get(port, "inner_port"));
    char upper[8];
    size_t k;

    t->proto = json_string_value(json_object_get(port, "protocol"));
    t->port = n;
    t->udp = !strcmp(t->proto, "udp");
    for (k = 0; t->proto[k] && k < sizeof(upper) - 1; k++)
        upper[k] = (char)toupper((unsigned char)t->proto[k]);
    upper[k] = 0;
    t->num_len = (size_t)snprintf(t->num, sizeof(t->num), "%lld", n);
    t->head_len = (size_t)snprintf(t->head, sizeof(t->head), "PORT_%s_%s", t->num, upper);
}

/* host_ok: an alias cut short inside a character cannot be a value. */
static void port_vars(struct lvars *l, const char *prefix, const char *host,
                      bool host_ok, const struct port_text *ports, size_t n)
{
    struct piece pre = {prefix, strlen(prefix)};
    size_t hlen = strlen(host);

    for (size_t i = 0; i < n; i++) {
        const struct port_text *t = &ports[i];
        struct piece name[] = {pre, {"_", 1}, {t->head, t->head_len}};
        struct piece url[] = {{t->proto, strlen(t->proto)}, {"://", 3}, {host, hlen},
                              {":", 1}, {t->num, t->num_len}};
        if (i == 0 && host_ok)
            lvars_set(l, (struct piece[]){pre, {"_PORT", 5}}, 2, url, 5, URL_MAX);
        if (host_ok) {
            lvars_set(l, name, 3, url, 5, URL_MAX);
            lvars_set_text(l, &pre, t->head, t->head_len, "_ADDR", 5, host, hlen);
        }
        lvars_set_text(l, &pre, t->head, t->head_len, "_PORT", 5, t->num, t->num_len);
        lvars_set_text(l, &pre, t->head, t->head_len, "_PROTO", 6, t->proto,
                       strlen(t->proto));
    }
}

static void env_vars(struct lvars *l, const char *prefix, const json_t *envvars)
{
    struct piece pre = {prefix, strlen(prefix)};
    const json_t *e;
    size_t i;

    json_array_foreach(envvars, i, e) {
        const char *k = json_string_value(json_object_get(e, "key"));
        const char *value = json_string_value(json_object_get(e, "value"));
        if (!strcmp(k, "HOME") || !strcmp(k, "PATH"))
            continue; /* as the Engine's links skip them */
        lvars_set_text(l, &pre, "ENV_", 4, k, strlen(k), value,
                       value ? strlen(value) : 0);
    }
}

/* The ports in the Engine's order, their texts made once for both sets. */
static struct port_text *port_texts(const json_t *ports, size_t *n)
{
    struct port_text *texts;

    *n = json_array_size(ports);
    if (!(texts = malloc((*n ? *n : 1) * sizeof(*texts))))
        return NULL;
    for (size_t i = 0; i < *n; i++)
        port_text(&texts[i], json_array_get(ports, i));
    qsort(texts, *n, sizeof(*texts), port_cmp);
    return texts;
}

bool dcs_container_hostnames(const json_t *svc)
{
    const char *name = json_string_value(json_object_get(svc, "name"));
    const char *host = json_string_value(json_object_get(svc, "hostname"));
    const char *strategy = json_string_value(json_object_get(svc, "deployment_strategy"));

    /* A global service's tasks have no slot to tell them apart by. */
    return name && strlen(name) <= DCS_HOSTNAME_NAME_MAX && (!host || !*host) &&
           !(strategy && !strcmp(strategy, "EVERY_NODE"));
}

/* The containers of target that get variables of their own: one per
 * container when they answer to <name>-<n>, else one set at the alias. */
static size_t per_container(const json_t *target)
{
    json_int_t n = json_integer_value(json_object_get(target, "target_num_containers"));

    if (!dcs_container_hostnames(target))
        return 0;
    return n < 1 ? 1 : n > DCS_LINK_CONTAINERS_MAX ? DCS_LINK_CONTAINERS_MAX : (size_t)n;
}

/* The variables in the order they are set; a name may come twice.  Docker
 * Cloud gave both the un-indexed set, at the alias (which names the
 * service on the network), and one set per container, at its hostname. */
static void link_vars(struct lvars *l, const char *alias, const json_t *target)
{
    const json_t *envvars = json_object_get(target, "container_envvars");
    const char *name = json_string_value(json_object_get(target, "name"));
    char base[PREFIX_MAX + 1], indexed[PREFIX_MAX + 24], host[DCS_HOSTNAME_NAME_MAX + 24];
    bool host_ok = dcs_utf8_valid(alias, strlen(alias));
    size_t n, each = per_container(target), k;
    struct port_text *ports = port_texts(json_object_get(target, "container_ports"), &n);

    if (!ports) {
        l->failed = true;
        return;
    }
    env_prefix(alias, base);
    port_vars(l, base, alias, host_ok, ports, n);
    for (k = 1; k <= (each ? each : 1); k++) {
        snprintf(indexed, sizeof(indexed), "%s_%zu", base, k);
        snprintf(host, sizeof(host), "%s-%zu", each ? name : alias, k);
        port_vars(l, indexed, each ? host : alias, each || host_ok, ports, n);
    }
    env_vars(l, base, envvars);
    for (k = 1; k <= (each ? each : 1); k++) {
        snprintf(indexed, sizeof(indexed), "%s_%zu", base, k);
        env_vars(l, indexed, envvars);
    }
    free(ports);
}

json_t *dcs_link_variables(const char *alias, const json_t *target)
{
    struct lvars l = {0};
    json_t *vars = json_object();

    link_vars(&l, alias, target);
    for (size_t i = 0; i < l.n && !l.failed; i++)
        json_object_set_new(vars, lvar_key(&l, i), json_string(lvar_value(&l, i)));
    lvars_release(&l);
    return vars;
}

static int lvar_cmp(const void *a, const void *b, void *text);

/* Sorted, each name once (the value set last), as an object of them would
 * be written: some forty variables a link, made as text, not values. */
void dcs_link_variables_write(struct dcs_strbuf *b, const char *alias, const json_t *target,
                              int indent, int depth, int base)
{
    struct lvars l = {0};
    size_t i, written = 0;
    const char *key, *value;

    link_vars(&l, alias, target);
    if (!l.failed && l.n)
        qsort_r(l.v, l.n, sizeof(*l.v), lvar_cmp, l.text.data);
    dcs_strbuf_append(b, "{", 1);
    for (i = 0; i < l.n && !l.failed; i++) {
        key = lvar_key(&l, i);
        if (i + 1 < l.n && !strcmp(key, lvar_key(&l, i + 1)))
            continue; /* set again later: that value counts */
        value = lvar_value(&l, i);
        if (written++)
            dcs_strbuf_append(b, ",", 1);
        dcs_json_newline(b, indent, depth + 1, base);
        dcs_json_write_string(b, key, strlen(key));
        dcs_strbuf_append(b, ": ", indent ? 2 : 1);
        dcs_json_write_string(b, value, strlen(value));
    }
    if (written)
        dcs_json_newline(b, indent, depth, base);
    dcs_strbuf_append(b, "}", 1);
    lvars_release(&l);
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

/* Eight bytes at a step: link variable names are long and alike
 * ("DB_1_PORT_5432_TCP_ADDR"), and every one is looked up. */
static size_t name_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u ^ n, w;

    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15u;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0x9E3779B97F4A7C15u;
    return (size_t)(h ^ (h >> 32));
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

/* Appended after the user's variables, sorted, never overriding them.
 * A variable added here can only hide a later one (they come sorted, each
 * name once) whose name holds '=': only then do the added ones join the
 * set of names already in Env. */
static void add_link_env(struct fwd *f, struct lvars *l)
{
    json_t *env = json_object_get(dcs_cs(f), "Env"), *kv;
    struct nameset names = {0};
    struct dcs_strbuf line = {0};
    size_t i;

    if (l->failed || !l->n)
        return;
    if (!env)
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
        dcs_strbuf_append(&line, key, klen);
        dcs_strbuf_append(&line, "=", 1);
        dcs_strbuf_append(&line, value, strlen(value));
        /* Both halves are valid UTF-8, and so the whole. */
        if (line.failed || !(kv = json_stringn_nocheck(line.data, line.len)) ||
            json_array_append_new(env, kv) ||
            (l->key_has_eq && nameset_add_entry(&names, json_string_value(kv))))
            break;
        dcs_strbuf_append(&f->injected, f->injected.len ? "," : "[", 1);
        dcs_json_write_string(&f->injected, key, klen);
    }
out:
    dcs_strbuf_release(&line);
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
        if (json_integer_value(json_object_get(peer, "target_num_containers")) >
            DCS_LINK_CONTAINERS_MAX)
            dcs_fwd_warn(f, "linked_to_service", "approximate", "link to \"%s\": only its "
                         "first %d containers get variables of their own", to,
                         DCS_LINK_CONTAINERS_MAX);
        multi |= !dcs_container_hostnames(peer);
    }
    if (json_array_size(v))
        dcs_fwd_warn(f, "linked_to_service", "approximate", "links become network "
                     "aliases on the shared overlay network and Docker Cloud's "
                     "link variables: <ALIAS>_PORT_... at the alias, <ALIAS>_<n>_... at "
                     "each container's hostname <service>-<n> (Docker Cloud's were "
                     "<alias>-<n>)%s",
                     multi ? "; a target with its own hostname or on every node has no "
                             "per-container names: one set, <ALIAS>_1_..., at the alias" : "");
    return DCS_OK;
}

void dcs_rev_links(struct rev *r, const char *field)
{
    json_t *out = json_array(), *l;
    const json_t *from = dcs_rev_get(r, "resource_uri");
    size_t i;
    char buf[256];

    json_array_foreach(dcs_kept(r, field), i, l)
        json_array_append_new(out, json_pack("{s:O, s:s, s:O}", "from_service",
                                             from ? from : json_null(), "name",
                                             link_alias(l, buf, sizeof(buf)),
                                             "to_service",
                                             json_object_get(l, "to_service")));
    dcs_rev_set(r, field, out);
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
