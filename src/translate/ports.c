/* ports.c - container_ports <-> EndpointSpec.Ports. */
#include <stdio.h>
#include <string.h>

#include "translate/fields.h"
#include "util/strmap.h"

static bool host_net(const struct fwd *f)
{
    const char *net = json_string_value(json_object_get(f->svc, "net"));
    return net && !strcmp(net, "host");
}

/* The outer port canonical port p publishes on, or NULL: not published,
 * or on a dynamic port (what dcs_fwd_ports gives a PublishedPort). */
static const json_t *fixed_outer(const json_t *p)
{
    const json_t *outer = json_object_get(p, "outer_port");

    /* Most ports have none: that is looked at first. */
    if (!json_is_integer(outer) || !json_is_true(json_object_get(p, "published")) ||
        !json_object_get(p, "protocol") || !json_object_get(p, "inner_port"))
        return NULL;
    return outer;
}

/* {"Protocol", "TargetPort", "PublishMode"}, or NULL when the port lacks
 * one of them. */
static json_t *swarm_port(const json_t *p, const char *mode)
{
    json_t *proto = json_object_get(p, "protocol"), *target = json_object_get(p, "inner_port");
    json_t *q;

    if (!proto || !target || !(q = json_object()))
        return NULL;
    json_object_set_nocheck(q, "Protocol", proto);
    json_object_set_nocheck(q, "TargetPort", target);
    json_object_set_new_nocheck(q, "PublishMode", json_string_nocheck(mode));
    return q;
}

/* An outer port that the service publishes twice (same protocol). */
int dcs_check_ports(const struct fwd *f, const json_t *v, struct dcs_error *err)
{
    const json_t *p, *outer, *before;
    size_t i, j;

    json_array_foreach(v, i, p) {
        if (!(outer = fixed_outer(p)))
            continue;
        for (j = 0; j < i; j++) {
            before = json_array_get(v, j);
            if (!json_equal(fixed_outer(before), outer) ||
                !json_equal(json_object_get(before, "protocol"),
                            json_object_get(p, "protocol")))
                continue;
            dcs_error_set(err, NULL, "outer port %lld/%s is published twice",
                          (long long)json_integer_value(outer),
                          json_string_value(json_object_get(p, "protocol")));
            snprintf(err->path, sizeof(err->path), "%s[%zu]",
                     dcs_spelling(f->spelling, "container_ports"), i);
            return DCS_ERR;
        }
    }
    return DCS_OK;
}

/* Another service of the input publishes port p too (f->shared_ports). */
static bool shared_port(const struct fwd *f, const json_t *p)
{
    const json_t *outer = fixed_outer(p);
    const char *at, *end;
    struct dcs_strbuf key = {0};
    bool hit = false;

    if (!outer || !f->shared_ports)
        return false;
    dcs_port_key(&key, json_integer_value(outer),
                 json_string_value(json_object_get(p, "protocol")));
    at = json_string_value(f->shared_ports);
    end = at + json_string_length(f->shared_ports);
    for (; at < end && !key.failed && !hit; at += strlen(at) + 1)
        hit = !strcmp(at, key.data);
    dcs_strbuf_release(&key);
    return hit;
}

int dcs_fwd_ports(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    json_t *ports, *p, *q;
    size_t i;
    bool shared;

    if (dcs_check_ports(f, v, err))
        return DCS_ERR;
    ports = json_array();
    json_array_foreach(v, i, p) {
        const json_t *outer = json_object_get(p, "outer_port");
        if (!json_is_true(json_object_get(p, "published")))
            continue; /* kept in dcswarm.spec: link variables use it */
        if ((shared = shared_port(f, p)))
            dcs_fwd_warn(f, "container_ports", "approximate", "port %lld/%s is published by "
                         "another service of this input too: both publish it in host mode, "
                         "on the node each container runs on, as Docker Cloud did, and swarm "
                         "runs at most one container publishing it per node",
                         (long long)json_integer_value(outer),
                         json_string_value(json_object_get(p, "protocol")));
        q = swarm_port(p, host_net(f) || shared ? "host" : "ingress");
        if (!q)
            continue;
        if (json_is_integer(outer))
            json_object_set_nocheck(q, "PublishedPort", (json_t *)outer);
        json_array_append_new(ports, q);
    }
    if (json_array_size(ports))
        json_object_set_nocheck(dcs_obj(f->spec, "EndpointSpec"), "Ports", ports);
    json_decref(ports);
    return DCS_OK;
}

void dcs_port_key(struct dcs_strbuf *keys, long long port, const char *protocol)
{
    char key[64];

    /* Cut short, if ever, the same way wherever it is made. */
    snprintf(key, sizeof(key), "%lld/%s", port, protocol);
    dcs_strbuf_append(keys, key, strlen(key) + 1);
}

void dcs_port_keys(struct dcs_strbuf *keys, const json_t *container_ports, char tag)
{
    const json_t *p, *outer;
    size_t i;

    json_array_foreach(container_ports, i, p) {
        if (!(outer = fixed_outer(p)))
            continue;
        dcs_strbuf_append(keys, &tag, 1);
        dcs_port_key(keys, json_integer_value(outer),
                     json_string_value(json_object_get(p, "protocol")));
    }
}

static bool port_matches(const json_t *kept, const json_t *sw)
{
    return json_integer_value(json_object_get(kept, "inner_port")) ==
               json_integer_value(json_object_get(sw, "TargetPort")) &&
           !strcmp(json_string_value(json_object_get(kept, "protocol")),
                   json_string_value(json_object_get(sw, "Protocol"))
                   ? json_string_value(json_object_get(sw, "Protocol")) : "tcp");
}

/* The port the engine really published (dynamic ones are in Endpoint). */
static json_t *published_port(const struct rev *r, const json_t *sw)
{
    const json_t *actual = json_object_get(json_object_get(r->service, "Endpoint"),
                                           "Ports");
    const json_t *p;
    size_t i;

    if (json_integer_value(json_object_get(sw, "PublishedPort")) > 0)
        return json_integer(json_integer_value(json_object_get(sw, "PublishedPort")));
    json_array_foreach(actual, i, p)
        if (json_equal(json_object_get(p, "TargetPort"), json_object_get(sw, "TargetPort")) &&
            json_equal(json_object_get(p, "Protocol"), json_object_get(sw, "Protocol")) &&
            json_integer_value(json_object_get(p, "PublishedPort")) > 0)
            return json_integer(json_integer_value(json_object_get(p, "PublishedPort")));
    return json_null();
}

static json_t *dc_port(const struct rev *r, const json_t *sw)
{
    const char *proto = json_string_value(json_object_get(sw, "Protocol"));
    json_t *p = json_object();

    /* Made member by member: json_pack's format was most of the cost. */
    json_object_set_new_nocheck(p, "protocol", json_string(proto ? proto : "tcp"));
    json_object_set_new_nocheck(p, "inner_port",
                                json_integer(json_integer_value(json_object_get(sw,
                                                                                "TargetPort"))));
    json_object_set_new_nocheck(p, "outer_port", published_port(r, sw));
    json_object_set_new_nocheck(p, "published", json_true());
    return p;
}

/* Kept order and unpublished ports from dcswarm.spec; published ones as
 * swarm has them now. */
void dcs_rev_ports(struct rev *r, const char *field)
{
    const json_t *sw = json_object_get(json_object_get(r->spec, "EndpointSpec"), "Ports");
    json_t *out = json_array(), *k, *s;
    json_t *used = json_array();
    size_t i, j;

    for (i = 0; i < json_array_size(sw); i++)
        json_array_append_new(used, json_false());

    json_array_foreach(dcs_kept(r, field), i, k) {
        if (!json_is_true(json_object_get(k, "published"))) {
            json_array_append(out, k);
            continue;
        }
        json_array_foreach(sw, j, s)
            if (!json_is_true(json_array_get(used, j)) && port_matches(k, s)) {
                json_array_append_new(out, dc_port(r, s));
                json_array_set_new(used, j, json_true());
                break;
            }
    }
    json_array_foreach(sw, j, s)
        if (!json_is_true(json_array_get(used, j)))
            json_array_append_new(out, dc_port(r, s));
    json_decref(used);
    dcs_rev_set(r, field, out);
}
