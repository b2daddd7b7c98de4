/*
 * links.c - Docker Cloud links on swarm: every service of a stack joins one
 * overlay network, a link name becomes a network alias of the target, and
 * the client gets Docker Cloud's link environment variables (DESIGN.md §3).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translate/fields.h"

static void env_prefix(const char *alias, char *out, size_t len)
{
    size_t i;

    for (i = 0; alias[i] && i + 1 < len; i++)
        out[i] = isalnum((unsigned char)alias[i]) ? (char)toupper((unsigned char)alias[i])
                                                  : '_';
    out[i] = 0;
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

static void set_var(json_t *vars, const char *prefix, const char *suffix,
                    const char *value)
{
    char key[1024];

    snprintf(key, sizeof(key), "%s_%s", prefix, suffix);
    json_object_set_new(vars, key, json_string(value));
}

static void port_vars(json_t *vars, const char *prefix, const char *host,
                      const json_t *ports)
{
    char suffix[128], value[1024];
    size_t n = json_array_size(ports);
    const json_t *p;

    for (size_t i = 0; i < n; i++) {
        p = json_array_get(ports, i);
        const char *proto = json_string_value(json_object_get(p, "protocol"));
        long long port = json_integer_value(json_object_get(p, "inner_port"));
        char upper[8];
        snprintf(upper, sizeof(upper), "%s", proto);
        for (char *c = upper; *c; c++)
            *c = (char)toupper((unsigned char)*c);
        snprintf(value, sizeof(value), "%s://%s:%lld", proto, host, port);
        if (i == 0)
            set_var(vars, prefix, "PORT", value);
        snprintf(suffix, sizeof(suffix), "PORT_%lld_%s", port, upper);
        set_var(vars, prefix, suffix, value);
        snprintf(suffix, sizeof(suffix), "PORT_%lld_%s_ADDR", port, upper);
        set_var(vars, prefix, suffix, host);
        snprintf(suffix, sizeof(suffix), "PORT_%lld_%s_PORT", port, upper);
        snprintf(value, sizeof(value), "%lld", port);
        set_var(vars, prefix, suffix, value);
        snprintf(suffix, sizeof(suffix), "PORT_%lld_%s_PROTO", port, upper);
        set_var(vars, prefix, suffix, proto);
    }
}

static void env_vars(json_t *vars, const char *prefix, const json_t *envvars)
{
    const json_t *e;
    size_t i;
    char suffix[1024];

    json_array_foreach(envvars, i, e) {
        const char *k = json_string_value(json_object_get(e, "key"));
        if (!strcmp(k, "HOME") || !strcmp(k, "PATH"))
            continue; /* as the Engine's links skip them */
        snprintf(suffix, sizeof(suffix), "ENV_%s", k);
        set_var(vars, prefix, suffix,
                json_string_value(json_object_get(e, "value")));
    }
}

json_t *dcs_link_variables(const char *alias, const json_t *target)
{
    json_t *vars = json_object();
    const json_t *ports = json_object_get(target, "container_ports");
    size_t n = json_array_size(ports);
    json_t **sorted = calloc(n ? n : 1, sizeof(*sorted));
    json_t *ordered = json_array();
    char base[256], indexed[300];

    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(ports, i);
    qsort(sorted, n, sizeof(*sorted), port_cmp);
    for (size_t i = 0; i < n; i++)
        json_array_append(ordered, sorted[i]);
    free(sorted);
    env_prefix(alias, base, sizeof(base));
    snprintf(indexed, sizeof(indexed), "%s_1", base);
    /* Docker Cloud gave both the un-indexed set and one set per container;
     * the address is the alias, which names the service on the network. */
    port_vars(vars, base, alias, ordered);
    port_vars(vars, indexed, alias, ordered);
    env_vars(vars, base, json_object_get(target, "container_envvars"));
    env_vars(vars, indexed, json_object_get(target, "container_envvars"));
    json_decref(ordered);
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

static bool env_has(const json_t *env, const char *key)
{
    size_t klen = strlen(key), i;
    const json_t *v;

    json_array_foreach(env, i, v) {
        const char *s = json_string_value(v);
        if (!strncmp(s, key, klen) && (s[klen] == '=' || !s[klen]))
            return true;
    }
    return false;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appended after the user's variables, sorted, never overriding them. */
static void add_link_env(struct fwd *f, const json_t *vars)
{
    json_t *env = json_object_get(dcs_cs(f), "Env"), *v;
    size_t n = json_object_size(vars), i = 0;
    const char **keys = calloc(n ? n : 1, sizeof(*keys));
    const char *k;
    char *kv;

    if (!keys)
        return;
    if (n && !env)
        env = dcs_arr(dcs_cs(f), "Env");
    json_object_foreach((json_t *)vars, k, v)
        keys[i++] = k;
    qsort(keys, n, sizeof(*keys), str_cmp);
    for (i = 0; i < n; i++) {
        if (env_has(env, keys[i]))
            continue;
        if (asprintf(&kv, "%s=%s", keys[i],
                     json_string_value(json_object_get(vars, keys[i]))) < 0)
            break;
        json_array_append_new(env, json_string(kv));
        json_array_append_new(f->injected, json_string(keys[i]));
        free(kv);
    }
    free(keys);
}

int dcs_fwd_links(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    const json_t *l, *peer;
    json_t *vars;
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
        vars = dcs_link_variables(alias, peer);
        add_link_env(f, vars);
        json_decref(vars);
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
                              json_pack("{s:s}", "Target", "host"));
        return DCS_OK;
    }
    if (f->opts->stack)
        snprintf(name, sizeof(name), "%s_default", f->opts->stack);
    else
        snprintf(name, sizeof(name), "%s", DCS_DEFAULT_NETWORK);
    attach = json_pack("{s:s}", "Target", name);
    if (json_array_size(f->aliases))
        json_object_set(attach, "Aliases", (json_t *)f->aliases);
    json_array_append_new(dcs_arr(dcs_task(f), "Networks"), attach);
    return DCS_OK;
}
