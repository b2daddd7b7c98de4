/*
 * compose.c - the forward result as a compose file (version 3.8) that
 * `docker stack deploy` turns into the same services: built from the
 * ServiceSpecs, so both outputs say the same thing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translate/translate.h"
#include "translate/yaml_emit.h"
#include "util/strmap.h"

#define MIB (1024LL * 1024LL)

static const json_t *path(const json_t *v, const char *a, const char *b)
{
    v = json_object_get(v, a);
    return b ? json_object_get(v, b) : v;
}

static void copy_if(json_t *out, const char *key, const json_t *v)
{
    if (v && !json_is_false(v))
        json_object_set(out, key, (json_t *)v);
}

static json_t *compose_ports(const json_t *ports)
{
    json_t *out = json_array(), *p, *q;
    size_t i;

    json_array_foreach(ports, i, p) {
        q = json_pack("{s:O}", "target", json_object_get(p, "TargetPort"));
        copy_if(q, "published", json_object_get(p, "PublishedPort"));
        json_object_set(q, "protocol", json_object_get(p, "Protocol"));
        json_object_set(q, "mode", json_object_get(p, "PublishMode"));
        json_array_append_new(out, q);
    }
    return out;
}

static json_t *compose_volumes(const json_t *mounts, json_t *top_volumes)
{
    json_t *out = json_array(), *m, *v;
    size_t i;

    json_array_foreach(mounts, i, m) {
        const json_t *src = json_object_get(m, "Source");
        const char *type = json_string_value(json_object_get(m, "Type"));
        v = json_pack("{s:s}", "type", type);
        if (src) {
            json_object_set(v, "source", (json_t *)src);
            /* Pin named volumes to their swarm name (no stack prefix). */
            if (!strcmp(type, "volume"))
                json_object_set_new(top_volumes, json_string_value(src),
                                    json_pack("{s:O}", "name", src));
        }
        json_object_set(v, "target", json_object_get(m, "Target"));
        copy_if(v, "read_only", json_object_get(m, "ReadOnly"));
        json_array_append_new(out, v);
    }
    return out;
}

static json_t *compose_networks(const json_t *nets, json_t *top_networks,
                                const char *default_net)
{
    json_t *out = json_object(), *n;
    size_t i;

    json_array_foreach(nets, i, n) {
        const char *target = json_string_value(json_object_get(n, "Target"));
        if (!strcmp(target, "host")) {
            json_object_set_new(out, "hostnet", json_object());
            json_object_set_new(top_networks, "hostnet",
                                json_pack("{s:b, s:s}", "external", 1, "name", "host"));
            continue;
        }
        json_object_set_new(out, "default",
                            json_object_get(n, "Aliases")
                            ? json_pack("{s:O}", "aliases", json_object_get(n, "Aliases"))
                            : json_object());
        if (!json_object_get(top_networks, "default"))
            json_object_set_new(top_networks, "default",
                                json_pack("{s:s, s:b, s:s}", "driver", "overlay",
                                          "attachable", 1, "name", default_net));
    }
    return out;
}

/* Service labels without the ones docker stack deploy sets itself. */
static json_t *own_labels(const json_t *labels)
{
    json_t *out = json_deep_copy(labels);

    if (!out)
        return json_object();
    json_object_del(out, DCS_LABEL_STACK_NS);
    json_object_del(out, "com.docker.stack.image");
    return out;
}

static json_t *compose_deploy(const json_t *spec)
{
    json_t *d = json_object();
    const json_t *task = json_object_get(spec, "TaskTemplate");
    const json_t *mem = path(path(task, "Resources", "Limits"), "MemoryBytes", NULL);
    const json_t *upd = json_object_get(spec, "UpdateConfig");
    char buf[64];

    if (path(spec, "Mode", "Global")) {
        json_object_set_new(d, "mode", json_string("global"));
    } else {
        json_object_set_new(d, "mode", json_string("replicated"));
        json_object_set(d, "replicas", (json_t *)path(path(spec, "Mode", "Replicated"),
                                                      "Replicas", NULL));
    }
    json_object_set_new(d, "restart_policy",
                        json_pack("{s:O}", "condition",
                                  path(path(task, "RestartPolicy", NULL), "Condition", NULL)));
    if (mem) {
        snprintf(buf, sizeof(buf), "%lldM", (long long)(json_integer_value(mem) / MIB));
        json_object_set_new(d, "resources", json_pack("{s:{s:s}}", "limits", "memory", buf));
    }
    if (path(task, "Placement", "Constraints"))
        json_object_set_new(d, "placement", json_pack("{s:O}", "constraints",
                                                      path(task, "Placement", "Constraints")));
    if (upd)
        json_object_set_new(d, "update_config",
                            json_pack("{s:O, s:O, s:O}", "parallelism",
                                      json_object_get(upd, "Parallelism"),
                                      "failure_action", json_object_get(upd, "FailureAction"),
                                      "order", json_object_get(upd, "Order")));
    json_object_set_new(d, "labels", own_labels(json_object_get(spec, "Labels")));
    return d;
}

static json_t *compose_env(const json_t *env)
{
    return json_deep_copy(env);
}

static json_t *compose_service(const json_t *spec, json_t *top, const char *default_net)
{
    const json_t *cs = path(spec, "TaskTemplate", "ContainerSpec");
    const json_t *dns = json_object_get(cs, "DNSConfig");
    json_t *s = json_object(), *labels, *h;
    size_t i;

    json_object_set(s, "image", json_object_get(cs, "Image"));
    copy_if(s, "entrypoint", json_object_get(cs, "Command"));
    copy_if(s, "command", json_object_get(cs, "Args"));
    copy_if(s, "hostname", json_object_get(cs, "Hostname"));
    copy_if(s, "working_dir", json_object_get(cs, "Dir"));
    copy_if(s, "user", json_object_get(cs, "User"));
    copy_if(s, "tty", json_object_get(cs, "TTY"));
    copy_if(s, "stdin_open", json_object_get(cs, "OpenStdin"));
    copy_if(s, "read_only", json_object_get(cs, "ReadOnly"));
    if (json_object_get(cs, "Env"))
        json_object_set_new(s, "environment", compose_env(json_object_get(cs, "Env")));
    labels = own_labels(json_object_get(cs, "Labels"));
    if (json_object_size(labels))
        json_object_set(s, "labels", labels);
    json_decref(labels);
    copy_if(s, "cap_add", json_object_get(cs, "CapabilityAdd"));
    copy_if(s, "cap_drop", json_object_get(cs, "CapabilityDrop"));
    copy_if(s, "dns", json_object_get(dns, "Nameservers"));
    copy_if(s, "dns_search", json_object_get(dns, "Search"));
    if (json_object_get(cs, "Hosts")) {
        json_t *hosts = json_array();
        json_array_foreach(json_object_get(cs, "Hosts"), i, h) {
            const char *line = json_string_value(h), *sp = strchr(line, ' ');
            char *entry;
            if (sp && asprintf(&entry, "%s:%.*s", sp + 1, (int)(sp - line), line) >= 0) {
                json_array_append_new(hosts, json_string(entry));
                free(entry);
            }
        }
        json_object_set_new(s, "extra_hosts", hosts);
    }
    if (path(spec, "EndpointSpec", "Ports"))
        json_object_set_new(s, "ports", compose_ports(path(spec, "EndpointSpec", "Ports")));
    if (json_object_get(cs, "Mounts"))
        json_object_set_new(s, "volumes", compose_volumes(json_object_get(cs, "Mounts"),
                                                          json_object_get(top, "volumes")));
    json_object_set_new(s, "networks",
                        compose_networks(path(spec, "TaskTemplate", "Networks"),
                                         json_object_get(top, "networks"), default_net));
    json_object_set_new(s, "deploy", compose_deploy(spec));
    return s;
}

void dcs_compose_default_network(const char *stack, char *out, size_t len)
{
    snprintf(out, len, "%s%s", stack ? stack : DCS_DEFAULT_NETWORK, stack ? "_default" : "");
}

#define TAIL_PARTS 2
static const char *const tail_part[TAIL_PARTS] = {"networks", "volumes"};

/* What the file's end needs of one service, in the order of first use, for
 * dcs_compose_tail_add, as records one after the other: the part ('0'
 * networks, '1' volumes), the member's name and NUL, its YAML as it reads
 * under the part and NUL (a NUL in a value is written escaped).  Made here,
 * on the thread that made the service. */
static int put_tail_records(struct dcs_strbuf *extra, const json_t *top, struct dcs_error *err)
{
    const char *key;
    json_t *v, *doc;
    int rc = DCS_OK;

    for (size_t part = 0; part < TAIL_PARTS && !rc; part++)
        json_object_foreach(json_object_get(top, tail_part[part]), key, v) {
            dcs_strbuf_append(extra, part ? "1" : "0", 1);
            dcs_strbuf_append(extra, key, strlen(key) + 1);
            if (!(doc = json_pack("{s:O}", key, v)))
                return dcs_error_status(err, 500, NULL, "out of memory");
            rc = dcs_yaml_write(extra, doc, 2, err);
            json_decref(doc);
            dcs_strbuf_append(extra, "", 1); /* its NUL */
            if (rc)
                break;
        }
    return rc;
}

int dcs_compose_render(const json_t *spec, const json_t *service, struct dcs_strbuf *text,
                       struct dcs_strbuf *extra, void *default_net, struct dcs_error *err)
{
    const char *name = json_string_value(path(spec, "Labels", DCS_LABEL_NAME));
    json_t *top = json_pack("{s:{}, s:{}}", "networks", "volumes"), *doc;
    int rc;

    (void)service;
    if (!name) { /* a PATCH body's fragment: no service to write */
        json_decref(top);
        return DCS_OK;
    }
    doc = json_pack("{s:o}", name, compose_service(spec, top, default_net));
    /* Indented by two: the service as it reads under "services:". */
    rc = doc ? dcs_yaml_write(text, doc, 2, err)
             : dcs_error_status(err, 500, NULL, "out of memory");
    if (!rc)
        rc = put_tail_records(extra, top, err);
    json_decref(doc);
    json_decref(top);
    if (rc)
        return DCS_ERR;
    return extra->failed ? dcs_error_status(err, 500, NULL, "out of memory") : DCS_OK;
}

/* Each network and volume kept once, as the YAML it is written as: a
 * stack of 100,000 services names 100,000 volumes, which as JSON values
 * would weigh more than everything else translating holds. */
struct dcs_compose_tail {
    struct dcs_strmap seen[TAIL_PARTS];
    struct dcs_strbuf yaml[TAIL_PARTS];
};

struct dcs_compose_tail *dcs_compose_tail_new(void)
{
    return calloc(1, sizeof(struct dcs_compose_tail));
}

/* The records of one service (put_tail_records): each member not seen
 * before is kept (its value is a function of its name: the first is the
 * one). */
int dcs_compose_tail_add(struct dcs_compose_tail *t, const char *extra, size_t len,
                         struct dcs_error *err)
{
    const char *p = extra, *end = extra + len, *key, *yaml;
    size_t part, n;

    while (p < end) {
        part = *p == '1';
        key = p + 1;
        yaml = key + strlen(key) + 1;
        n = strlen(yaml);
        p = yaml + n + 1;
        if (dcs_strmap_get(&t->seen[part], key))
            continue;
        if (dcs_strmap_add(&t->seen[part], key, t) ||
            dcs_strbuf_append(&t->yaml[part], yaml, n))
            return dcs_error_status(err, 500, NULL, "out of memory");
    }
    return DCS_OK;
}

/* Handed over in pieces of this many bytes at most, so that the caller's
 * output buffer does not grow to hold a copy of the whole. */
#define TAIL_PIECE ((size_t)64 << 10)

int dcs_compose_tail_write(const struct dcs_compose_tail *t, dcs_text_fn put, void *ctx,
                           struct dcs_error *err)
{
    const struct dcs_strbuf *y;

    for (size_t part = 0; part < TAIL_PARTS; part++) {
        if (t->yaml[part].failed)
            return dcs_error_status(err, 500, NULL, "out of memory");
        if (!(y = &t->yaml[part])->len)
            continue;
        put(ctx, tail_part[part], strlen(tail_part[part]));
        put(ctx, ":\n", 2);
        for (size_t at = 0; at < y->len; at += TAIL_PIECE)
            put(ctx, y->data + at, y->len - at < TAIL_PIECE ? y->len - at : TAIL_PIECE);
    }
    return DCS_OK;
}

void dcs_compose_tail_free(struct dcs_compose_tail *t)
{
    if (!t)
        return;
    for (size_t part = 0; part < TAIL_PARTS; part++) {
        dcs_strmap_release(&t->seen[part]);
        dcs_strbuf_release(&t->yaml[part]);
    }
    free(t);
}

char *dcs_compose_yaml(const json_t *forward_result, const char *stack,
                       struct dcs_error *err)
{
    json_t *top = json_pack("{s:s, s:{}, s:{}, s:{}}", "version", "3.8",
                            "services", "networks", "volumes");
    const json_t *spec;
    size_t i;
    char default_net[256], *text;

    dcs_compose_default_network(stack, default_net, sizeof(default_net));
    json_array_foreach(json_object_get(forward_result, "services"), i, spec) {
        const char *name = json_string_value(path(spec, "Labels", DCS_LABEL_NAME));
        json_object_set_new(json_object_get(top, "services"), name,
                            compose_service(spec, top, default_net));
    }
    if (!json_object_size(json_object_get(top, "networks")))
        json_object_del(top, "networks");
    if (!json_object_size(json_object_get(top, "volumes")))
        json_object_del(top, "volumes");
    text = dcs_yaml_emit(top, err);
    json_decref(top);
    return text;
}
