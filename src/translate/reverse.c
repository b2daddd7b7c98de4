/*
 * reverse.c - an Engine service (+ its tasks) -> the Docker Cloud service
 * object with every attribute of the reference, typed as documented.
 * Mapped fields come from what swarm runs; kept ones from dcswarm.spec.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/datetime.h"
#include "translate/fields.h"

static json_t *parse_label(const json_t *labels, const char *key, json_t *dflt)
{
    const char *text = json_string_value(json_object_get(labels, key));
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;

    if (!v || json_typeof(v) != json_typeof(dflt)) {
        json_decref(v);
        return dflt;
    }
    json_decref(dflt);
    return v;
}

static void set_resource_uri(struct rev *r, const char *uuid)
{
    const struct dcs_reverse_ctx *c = r->ctx;
    char uri[512];

    if (!uuid) {
        dcs_rev_set(r, "resource_uri", json_null());
        return;
    }
    snprintf(uri, sizeof(uri), "%s%s%sservice/%s/",
             c->api_prefix ? c->api_prefix : "/api/app/v1/",
             c->namespace_ ? c->namespace_ : "", c->namespace_ ? "/" : "", uuid);
    dcs_rev_set(r, "resource_uri", json_string(uri));
}

static const json_t *lifecycle_get(const json_t *lc, const char *key)
{
    return json_object_get(lc, key);
}

static void set_datetime(struct rev *r, const char *field, const json_t *lc, const char *key)
{
    const char *v = json_string_value(lifecycle_get(lc, key));
    char buf[DCS_DATETIME_LEN];

    if (v && dcs_datetime_from_engine(v, buf))
        dcs_rev_set(r, field, json_string(buf));
    else
        dcs_rev_set(r, field, json_null());
}

/* Task counts: current = not shut down; running; stopped = exited. */
struct counts {
    long long current, running, stopped;
};

static struct counts count_tasks(const json_t *tasks)
{
    struct counts c = {0, 0, 0};
    const json_t *t;
    size_t i;

    json_array_foreach(tasks, i, t) {
        const char *desired = json_string_value(json_object_get(t, "DesiredState"));
        const char *state = json_string_value(json_object_get(json_object_get(t, "Status"), "State"));
        if (!desired || strcmp(desired, "running"))
            continue;
        c.current++;
        if (state && !strcmp(state, "running"))
            c.running++;
        else if (state && (!strcmp(state, "complete") || !strcmp(state, "failed") ||
                           !strcmp(state, "shutdown")))
            c.stopped++;
    }
    return c;
}

static long long desired_count(const struct rev *r, const struct counts *c)
{
    const json_t *mode = json_object_get(r->spec, "Mode");

    if (json_object_get(mode, "Global"))
        return c->current;
    return json_integer_value(json_object_get(json_object_get(mode, "Replicated"),
                                              "Replicas"));
}

static const char *compute_state(const struct rev *r, const json_t *lc,
                                 const struct counts *c)
{
    const char *phase = json_string_value(lifecycle_get(lc, "state"));
    const char *update = json_string_value(json_object_get(
        json_object_get(r->service, "UpdateStatus"), "State"));
    long long want = desired_count(r, c);

    if (phase && !strcmp(phase, "terminated"))
        return "Terminated";
    if (!r->ctx->tasks)
        return phase && !strcmp(phase, "stopped") ? "Stopped" : "Not running";
    if (update && (!strcmp(update, "updating") || !strcmp(update, "rollback_started")))
        return "Redeploying";
    if (want == 0)
        return c->running ? "Stopping"
               : phase && !strcmp(phase, "stopped") ? "Stopped" : "Not running";
    if (c->running >= want)
        return "Running";
    if (c->running == 0)
        return "Starting";
    return "Partly running";
}

static void set_containers(struct rev *r)
{
    json_t *list = json_array();
    const json_t *t;
    size_t i;
    char uuid[37], uri[512];

    json_array_foreach(r->ctx->tasks, i, t) {
        const char *desired = json_string_value(json_object_get(t, "DesiredState"));
        if (!desired || strcmp(desired, "running"))
            continue;
        dcs_uuid_for("task", NULL, json_string_value(json_object_get(t, "ID")), uuid);
        snprintf(uri, sizeof(uri), "%s%s%scontainer/%s/",
                 r->ctx->api_prefix ? r->ctx->api_prefix : "/api/app/v1/",
                 r->ctx->namespace_ ? r->ctx->namespace_ : "",
                 r->ctx->namespace_ ? "/" : "", uuid);
        json_array_append_new(list, json_string(uri));
    }
    dcs_rev_set(r, "containers", list);
}

static void set_public_dns(struct rev *r)
{
    const char *name = json_string_value(dcs_rev_get(r, "name"));
    const char *dom = r->ctx->public_domain;
    char dns[512];

    if (!dom || !name) {
        dcs_rev_set(r, "public_dns", json_null());
        return;
    }
    snprintf(dns, sizeof(dns), "%s.%s%ssvc.%s", name,
             r->ctx->namespace_ ? r->ctx->namespace_ : "",
             r->ctx->namespace_ ? "." : "", dom);
    dcs_rev_set(r, "public_dns", json_string(dns));
}

/* Well-known names for the ports people publish most. */
static const char *port_name(long long port)
{
    static const struct { long long port; const char *name; } known[] = {
        {21, "ftp"}, {22, "ssh"}, {25, "smtp"}, {53, "domain"}, {80, "http"},
        {443, "https"}, {3306, "mysql"}, {5432, "postgresql"}, {6379, "redis"},
        {27017, "mongodb"}, {5672, "amqp"}, {11211, "memcache"}, {8080, "http-alt"}};

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i].port == port)
            return known[i].name;
    return "";
}

static void decorate_ports(struct rev *r)
{
    const char *dns = json_string_value(dcs_rev_get(r, "public_dns"));
    json_t *p;
    size_t i;
    char uri[600];

    json_array_foreach(dcs_rev_get(r, "container_ports"), i, p) {
        long long inner = json_integer_value(json_object_get(p, "inner_port"));
        const json_t *outer = json_object_get(p, "outer_port");
        const char *name = port_name(inner);
        const char *scheme = !strcmp(name, "http") ? "http" : !strcmp(name, "https")
                             ? "https" : json_string_value(json_object_get(p, "protocol"));
        json_object_set_new(p, "port_name", json_string(name));
        if (dns && json_is_integer(outer)) {
            snprintf(uri, sizeof(uri), "%s://%s:%lld/", scheme, dns,
                     (long long)json_integer_value(outer));
            json_object_set_new(p, "endpoint_uri", json_string(uri));
        } else {
            json_object_set_new(p, "endpoint_uri", json_null());
        }
    }
}

/* Env's own strings are valid UTF-8, and cut at '=' they stay so; the
 * origin, one string for all (a service has some forty of these). */
static json_t *envvar_new(const char *key, size_t klen, const char *value, json_t *origin)
{
    json_t *e = json_object();

    json_object_set_new_nocheck(e, "key", json_stringn_nocheck(key, klen));
    json_object_set_new_nocheck(e, "value", json_string_nocheck(value));
    json_object_set_nocheck(e, "origin", origin);
    return e;
}

static json_t *calculated_envvars(const struct rev *r)
{
    json_t *out = json_array(), *e, *v, *user = json_string_nocheck("user"),
           *tutum = json_string_nocheck("tutum");
    size_t i;

    json_array_foreach(dcs_rev_get(r, "container_envvars"), i, e) {
        v = json_object();
        json_object_set_nocheck(v, "key", json_object_get(e, "key"));
        json_object_set_nocheck(v, "value", json_object_get(e, "value"));
        json_object_set_nocheck(v, "origin", user);
        json_array_append_new(out, v);
    }
    for (i = 0; i < r->n_env; i++)
        if (r->env[i].injected)
            json_array_append_new(out, envvar_new(r->env[i].key, r->env[i].klen,
                                                  r->env[i].value, tutum));
    json_decref(user);
    json_decref(tutum);
    return out;
}

/* Text around an entry's key and value, e.g. ",\n<spaces>\"value\": ". */
struct rev_piece {
    char s[64];
    size_t len;
};

/* dcs_reverse_write: the two largest members, as text (some eighty
 * variables a service, each a string or an object of three). */
struct rev_views {
    struct dcs_strbuf calculated, links;
    int indent, base;
    /* What an entry of calculated_envvars is made of, for this indentation. */
    struct rev_piece open, key, origin_user, origin_tutum, value, close;
    bool pieces;  /* made (indentation of at most 40 spaces) */
};

/* head, a line break and n spaces when indented, tail. */
static void piece(struct rev_piece *p, const char *head, int indent, int n, const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);

    memcpy(p->s, head, h);
    if (indent) {
        p->s[h++] = '\n';
        memset(p->s + h, ' ', (size_t)n);
        h += (size_t)n;
    }
    memcpy(p->s + h, tail, t + 1);
    p->len = h + t;
}

static void views_init(struct rev_views *t, int indent, int base)
{
    int n2 = indent ? 2 * indent + base : 0, n3 = indent ? 3 * indent + base : 0;
    bool in = indent != 0;

    *t = (struct rev_views){.indent = indent, .base = base, .pieces = n3 <= 40};
    if (!t->pieces)
        return;
    piece(&t->open, "", indent, n2, "{");
    piece(&t->key, "", indent, n3, in ? "\"key\": " : "\"key\":");
    piece(&t->origin_user, ",", indent, n3, in ? "\"origin\": \"user\"" : "\"origin\":\"user\"");
    piece(&t->origin_tutum, ",", indent, n3,
          in ? "\"origin\": \"tutum\"" : "\"origin\":\"tutum\"");
    piece(&t->value, ",", indent, n3, in ? "\"value\": " : "\"value\":");
    piece(&t->close, "", indent, n2, "}");
}

static void put(struct dcs_strbuf *b, const struct rev_piece *p)
{
    dcs_strbuf_append(b, p->s, p->len);
}

/* One member of an entry of calculated_envvars: `v`, or else s[0..n). */
static void put_envvar_member(struct dcs_strbuf *b, const struct rev_views *t, bool first,
                              const char *name, const json_t *v, const char *s, size_t n)
{
    if (!v && !s)
        return; /* as json_object_set_nocheck leaves a NULL value out */
    if (!first)
        dcs_strbuf_append(b, ",", 1);
    dcs_json_newline(b, t->indent, 3, t->base);
    dcs_json_write_string(b, name, strlen(name));
    dcs_strbuf_append(b, ": ", t->indent ? 2 : 1);
    if (v)
        dcs_json_write(b, v, t->indent, t->base + 3 * t->indent);
    else
        dcs_json_write_string(b, s, n);
}

/* An entry {key, origin, value}, its members in key order: key and value
 * strings (always, but for a container_envvars entry of another shape)
 * between the pieces views_init made. */
static void put_envvar(struct rev_views *t, size_t at, const json_t *key, const json_t *value,
                       const char *k, size_t klen, const char *val, const char *origin)
{
    struct dcs_strbuf *b = &t->calculated;
    bool user = !strcmp(origin, "user");

    if (at)
        dcs_strbuf_append(b, ",", 1);
    if (!t->pieces) {
        dcs_json_newline(b, t->indent, 2, t->base);
        dcs_strbuf_append(b, "{", 1);
    } else {
        put(b, &t->open);
    }
    if (t->pieces && (!key || json_is_string(key)) && (!value || json_is_string(value)) &&
        (key || k) && (value || val)) {
        put(b, &t->key);
        if (key)
            dcs_json_write_string(b, json_string_value(key), json_string_length(key));
        else
            dcs_json_write_string(b, k, klen);
        put(b, user ? &t->origin_user : &t->origin_tutum);
        put(b, &t->value);
        if (value)
            dcs_json_write_string(b, json_string_value(value), json_string_length(value));
        else
            dcs_json_write_string(b, val, strlen(val));
    } else {
        put_envvar_member(b, t, true, "key", key, k, klen);
        put_envvar_member(b, t, !key && !k, "origin", NULL, origin, strlen(origin));
        put_envvar_member(b, t, false, "value", value, val, val ? strlen(val) : 0);
    }
    if (!t->pieces) {
        dcs_json_newline(b, t->indent, 2, t->base);
        dcs_strbuf_append(b, "}", 1);
    } else {
        put(b, &t->close);
    }
}

/* calculated_envvars as calculated_envvars() makes it, as text. */
static void write_calculated_envvars(const struct rev *r, struct rev_views *t)
{
    const json_t *e;
    size_t i, n = 0;

    dcs_strbuf_append(&t->calculated, "[", 1);
    json_array_foreach(dcs_rev_get(r, "container_envvars"), i, e)
        put_envvar(t, n++, json_object_get(e, "key"), json_object_get(e, "value"), NULL, 0,
                   NULL, "user");
    for (i = 0; i < r->n_env; i++)
        if (r->env[i].injected)
            put_envvar(t, n++, NULL, NULL, r->env[i].key, r->env[i].klen, r->env[i].value,
                       "tutum");
    if (n)
        dcs_json_newline(&t->calculated, t->indent, 1, t->base);
    dcs_strbuf_append(&t->calculated, "]", 1);
}

static void set_readonly(struct rev *r, const json_t *lc)
{
    struct counts c = count_tasks(r->ctx->tasks);

    dcs_rev_set(r, "state", json_string(compute_state(r, lc, &c)));
    dcs_rev_set(r, "synchronized", json_true());
    dcs_rev_set(r, "current_num_containers", json_integer(c.current));
    dcs_rev_set(r, "running_num_containers", json_integer(c.running));
    dcs_rev_set(r, "stopped_num_containers", json_integer(c.stopped));
    set_datetime(r, "deployed_datetime", lc, "deployed");
    set_datetime(r, "started_datetime", lc, "started");
    set_datetime(r, "stopped_datetime", lc, "stopped");
    set_datetime(r, "destroyed_datetime", lc, "destroyed");
    dcs_rev_set(r, "stack", json_incref(r->ctx->stack_uri ? (json_t *)r->ctx->stack_uri
                                                       : json_null()));
    set_containers(r);
    set_public_dns(r);
    decorate_ports(r);
    dcs_rev_set(r, "linked_from_service", json_array());
}

/* r->out: every member but link_variables and calculated_envvars, made from
 * what the others hold.  rev_release(r) after, whatever the outcome. */
static int reverse_build(struct rev *r, const json_t *engine_service,
                         const struct dcs_reverse_ctx *ctx, struct dcs_error *err)
{
    const json_t *spec = json_object_get(engine_service, "Spec");
    const json_t *labels = json_object_get(spec, "Labels");
    const json_t *uuid = json_object_get(labels, DCS_LABEL_UUID);
    json_t *lc;

    if (!json_is_object(spec))
        return dcs_error_set(err, "Spec", "expected an Engine service with a Spec");
    r->service = engine_service;
    r->spec = spec;
    r->ctx = ctx;
    r->kept = ctx->kept ? json_incref((json_t *)ctx->kept)
                        : parse_label(labels, DCS_LABEL_SPEC, json_object());
    if (dcs_rev_env_load(r, json_string_value(json_object_get(labels, DCS_LABEL_LINKENV))) !=
        DCS_OK)
        return dcs_error_status(err, 500, NULL, "out of memory");
    lc = parse_label(labels, DCS_LABEL_LIFECYCLE, json_object());
    dcs_rev_set(r, "uuid", json_incref(uuid ? (json_t *)uuid : json_null()));
    set_resource_uri(r, json_string_value(uuid));
    for (const struct dcs_field *row = dcs_fields; row->api; row++)
        row->rev(r, row->api);
    set_readonly(r, lc);
    json_decref(lc);
    if (r->out_full)
        return dcs_error_status(err, 500, NULL, "a service object of more than %d fields",
                                DCS_REV_MEMBERS);
    return DCS_OK;
}

static void rev_release(struct rev *r)
{
    for (size_t i = 0; i < r->n_out; i++)
        json_decref((json_t *)r->out[i].value);
    free(r->env);
    json_decref((json_t *)r->kept);
    json_decref(r->injected);
}

json_t *dcs_reverse(const json_t *engine_service,
                    const struct dcs_reverse_ctx *ctx, struct dcs_error *err)
{
    struct dcs_json_member m[DCS_REV_MEMBERS];
    struct rev r = {.out = m};
    json_t *obj = NULL;
    const char *name;

    if (reverse_build(&r, engine_service, ctx, err) == DCS_OK && !(obj = json_object())) {
        dcs_error_status(err, 500, NULL, "out of memory");
    } else if (obj) {
        for (size_t i = 0; i < r.n_out; i++)
            json_object_set_nocheck(obj, m[i].key, (json_t *)m[i].value);
        name = json_string_value(json_object_get(obj, "name"));
        /* A spec without a name (a PATCH body's fragment) has no link name. */
        json_object_set_new(obj, "link_variables",
                            name ? dcs_link_variables(name, obj) : json_object());
        json_object_set_new(obj, "calculated_envvars", calculated_envvars(&r));
    }
    rev_release(&r);
    return obj;
}

/* What link_variables is made of (dcs_link_variables' target): the
 * members of r->out that link_vars reads, borrowed.  dcs_reverse gives it
 * the whole object; test_roundtrip holds the two to the same result. */
static json_t *link_target(const struct rev *r)
{
    static const char *const reads[] = {"name", "hostname", "deployment_strategy",
                                        "target_num_containers", "container_ports",
                                        "container_envvars"};
    json_t *t = json_object();

    for (size_t i = 0; t && i < sizeof(reads) / sizeof(reads[0]); i++)
        json_object_set_nocheck(t, reads[i], dcs_rev_get(r, reads[i]));
    return t;
}

/* link_variables and calculated_envvars as text, into views. */
static int write_env_views(const struct rev *r, struct rev_views *views,
                           struct dcs_error *err)
{
    const char *name = json_string_value(dcs_rev_get(r, "name"));
    json_t *target = name ? link_target(r) : NULL;

    if (target)
        dcs_link_variables_write(&views->links, name, target, views->indent, 1, views->base);
    else
        dcs_strbuf_append(&views->links, "{}", 2);
    json_decref(target);
    write_calculated_envvars(r, views);
    if (views->calculated.failed || views->links.failed || (name && !target))
        return dcs_error_status(err, 500, NULL, "out of memory");
    return DCS_OK;
}

/* The object as text: its members as they are, and the two largest, some
 * eighty variables a service, written where they are made. */
int dcs_reverse_write(struct dcs_strbuf *b, const json_t *engine_service,
                      const struct dcs_reverse_ctx *ctx, int indent, int base,
                      struct dcs_error *err)
{
    struct dcs_json_member m[DCS_REV_MEMBERS + 2];
    struct rev r = {.out = m};
    struct rev_views views;
    int rc;

    views_init(&views, indent, base);
    rc = reverse_build(&r, engine_service, ctx, err);
    if (rc == DCS_OK)
        rc = write_env_views(&r, &views, err);
    if (rc == DCS_OK) {
        m[r.n_out++] = (struct dcs_json_member){"calculated_envvars", NULL,
                                                views.calculated.data, views.calculated.len};
        m[r.n_out++] = (struct dcs_json_member){"link_variables", NULL, views.links.data,
                                                views.links.len};
        /* Sorted in place: counted in n_out, rev_release finds every value. */
        dcs_json_write_members(b, m, r.n_out, indent, base);
    }
    rev_release(&r);
    dcs_strbuf_release(&views.calculated);
    dcs_strbuf_release(&views.links);
    return rc;
}
