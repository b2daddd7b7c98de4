/*
 * stackexport.c - GET .../stack/<uuid>/export/: the stack as a stackfile
 * ({"<service>": {stackfile keys}}), which the CLIs write out as YAML and
 * `stack create -f` takes back.  Built from each service's dcswarm.spec
 * (the Docker Cloud fields as last applied), so what swarm has no field
 * for (tags, roles, autodestroy, ...) comes back too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/resources.h"
#include "translate/translate.h"

/* Fields whose stackfile key is their API name, value unchanged. */
static const char *const same[] = {
    "image", "nickname", "target_num_containers", "entrypoint", "labels", "working_dir",
    "user", "hostname", "domainname", "mac_address", "cgroup_parent", "tty", "stdin_open",
    "dns", "dns_search", "cap_add", "cap_drop", "devices", "extra_hosts", "security_opt",
    "sequential_deployment", "cpu_shares", "cpuset", "autorestart", "autodestroy", "roles",
    "privileged", "read_only", "deployment_strategy", "autoredeploy", "net", "pid", NULL};

static void append(json_t *out, const char *key, json_t *item_new)
{
    json_t *list = json_object_get(out, key);

    if (!list)
        json_object_set_new(out, key, list = json_array());
    json_array_append_new(list, item_new);
}

static void ports(const json_t *canon, json_t *out)
{
    const json_t *p;
    size_t i;

    json_array_foreach(json_object_get(canon, "container_ports"), i, p) {
        json_int_t in = json_integer_value(json_object_get(p, "inner_port"));
        const json_t *outer = json_object_get(p, "outer_port");
        const char *proto = json_string_value(json_object_get(p, "protocol"));
        const char *udp = proto && !strcmp(proto, "udp") ? "/udp" : "";
        char s[64];
        if (json_is_integer(outer))
            snprintf(s, sizeof(s), "%lld:%lld%s", (long long)json_integer_value(outer),
                     (long long)in, udp);
        else
            snprintf(s, sizeof(s), "%lld%s", (long long)in, udp);
        append(out, json_is_false(json_object_get(p, "published")) ? "expose" : "ports",
               json_string(s));
    }
}

static void envvars_links_tags(const json_t *canon, json_t *out)
{
    const json_t *e;
    size_t i;
    char *s = NULL;

    json_array_foreach(json_object_get(canon, "container_envvars"), i, e)
        if (asprintf(&s, "%s=%s", json_string_value(json_object_get(e, "key")),
                     json_string_value(json_object_get(e, "value")) ?
                         json_string_value(json_object_get(e, "value")) : "") >= 0) {
            append(out, "environment", json_string(s));
            free(s);
        }
    json_array_foreach(json_object_get(canon, "linked_to_service"), i, e) {
        const char *to = json_string_value(json_object_get(e, "to_service"));
        const char *name = json_string_value(json_object_get(e, "name"));
        if (!to)
            continue;
        if (asprintf(&s, "%s%s%s", to, name && strcmp(name, to) ? ":" : "",
                     name && strcmp(name, to) ? name : "") >= 0) {
            append(out, "links", json_string(s));
            free(s);
        }
    }
    json_array_foreach(json_object_get(canon, "tags"), i, e) {
        const char *t = json_is_string(e) ? json_string_value(e)
                                          : json_string_value(json_object_get(e, "name"));
        if (t)
            append(out, "tags", json_string(t));
    }
}

static void bindings(const json_t *canon, json_t *out)
{
    const json_t *b;
    size_t i;
    char *s = NULL;

    json_array_foreach(json_object_get(canon, "bindings"), i, b) {
        const char *from = json_string_value(json_object_get(b, "volumes_from"));
        const char *host = json_string_value(json_object_get(b, "host_path"));
        const char *path = json_string_value(json_object_get(b, "container_path"));
        bool ro = json_is_false(json_object_get(b, "rewritable"));
        if (from) {
            append(out, "volumes_from", json_string(from));
            continue;
        }
        if (!path || asprintf(&s, "%s%s%s%s", host ? host : "", host ? ":" : "", path,
                              ro ? ":ro" : "") < 0)
            continue;
        append(out, "volumes", json_string(s));
        free(s);
    }
}

static void memory(const json_t *canon, json_t *out, const char *field, const char *key)
{
    const json_t *m = json_object_get(canon, field);
    char s[32];

    if (!json_is_integer(m))
        return;
    snprintf(s, sizeof(s), "%lldm", (long long)json_integer_value(m));
    json_object_set_new(out, key, json_string(s));
}

/* One service's stackfile entry (new) from its canonical fields. */
static json_t *entry(const json_t *canon)
{
    json_t *out = json_object(), *v;

    for (const char *const *k = same; *k; k++)
        if ((v = json_object_get(canon, *k)) && !json_is_null(v))
            json_object_set(out, *k, v);
    if ((v = json_object_get(canon, "run_command")) && json_is_string(v))
        json_object_set(out, "command", v);
    ports(canon, out);
    envvars_links_tags(canon, out);
    bindings(canon, out);
    memory(canon, out, "memory", "mem_limit");
    memory(canon, out, "memory_swap", "memswap_limit");
    return out;
}

int dcs_stack_export(struct dcs_ctx *c, const json_t *stack, struct dcs_error *err)
{
    struct dcs_view v = {0};
    const char *name = json_string_value(json_object_get(stack, "name"));
    json_t *out = json_object();
    const json_t *s;
    size_t i;

    if (dcs_view_load(c, &v, false, false, err)) {
        json_decref(out);
        return DCS_ERR;
    }
    json_array_foreach(v.services, i, s) {
        const char *st = dcs_label(s, DCS_LABEL_STACK), *text = dcs_label(s, DCS_LABEL_SPEC);
        json_t *canon;
        if (!st || strcmp(st, name) || !text || !dcs_label(s, DCS_LABEL_NAME))
            continue;
        if ((canon = json_loads(text, 0, NULL)))
            json_object_set_new(out, dcs_label(s, DCS_LABEL_NAME), entry(canon));
        json_decref(canon);
    }
    dcs_view_release(&v);
    return dcs_reply(c->req, 200, out);
}
