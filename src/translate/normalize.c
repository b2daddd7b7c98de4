#include "translate/normalize.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "translate/interp.h"
#include "translate/schema.h"
#include "translate/shellwords.h"
#include "translate/syntax.h"
#include "translate/translate.h"

#define MIB (1024LL * 1024LL)

/* Attributes of a service object that are computed, never written. */
static const char *const readonly_fields[] = {
    "uuid", "resource_uri", "public_dns", "state", "synchronized",
    "deployed_datetime", "started_datetime", "stopped_datetime",
    "destroyed_datetime", "current_num_containers", "running_num_containers",
    "stopped_num_containers", "stack", "containers", "link_variables",
    "linked_from_service", "calculated_envvars", "cgroup_name", NULL};

static const char *const bool_fields[] = {
    "tty", "stdin_open", "sequential_deployment", "privileged", "read_only",
    "autoredeploy", NULL};

/* Optional values for which null and "" both mean "not set". */
static const char *const unset_if_empty[] = {
    "entrypoint", "run_command", "nickname", "working_dir", "user",
    "hostname", "domainname", "mac_address", "cgroup_parent", "cpuset",
    "memory", "memory_swap", "cpu_shares", NULL};

static bool in_list(const char *const *list, const char *key)
{
    for (; *list; list++)
        if (!strcmp(*list, key))
            return true;
    return false;
}

const char *dcs_spelling(const json_t *spelling, const char *field)
{
    const char *s, *end;

    if (!json_is_string(spelling)) {
        s = json_string_value(json_object_get(spelling, field));
        return s ? s : field;
    }
    /* The packed form (dcs_spelling_pack): "field\0key\0" pairs. */
    s = json_string_value(spelling);
    end = s + json_string_length(spelling);
    while (s < end) {
        const char *key = s + strlen(s) + 1;
        if (!strcmp(s, field))
            return key;
        s = key + strlen(key) + 1;
    }
    return field;
}

json_t *dcs_spelling_pack(const json_t *spelling)
{
    struct dcs_strbuf b = {0};
    const char *field;
    const json_t *key;
    json_t *packed;

    json_object_foreach((json_t *)spelling, field, key) {
        dcs_strbuf_append(&b, field, strlen(field) + 1);
        dcs_strbuf_append(&b, json_string_value(key), json_string_length(key) + 1);
    }
    /* Keys and field names are valid UTF-8, and NUL is a character. */
    packed = b.failed ? NULL : json_stringn_nocheck(b.data ? b.data : "", b.len);
    dcs_strbuf_release(&b);
    return packed;
}

/* true / "true" / "True" (the schema already limited the forms). */
static bool truthy(const json_t *v)
{
    if (json_is_boolean(v))
        return json_is_true(v);
    return json_is_string(v) && !strcasecmp(json_string_value(v), "true");
}

static int set_image(json_t *out, const char *image, struct dcs_error *err)
{
    char *tagged = dcs_image_with_tag(image);

    if (!tagged)
        return dcs_error_set(err, "image", "out of memory");
    json_object_set_new(out, "image", json_string(tagged));
    free(tagged);
    return DCS_OK;
}

/* Tutum's image_tag URI "/api/v1/image/<repo>/tag/<tag>/" -> "<repo>:<tag>". */
static int image_from_tag_uri(json_t *out, const char *uri, struct dcs_error *err)
{
    const char *start = uri + strlen("/api/v1/image/");
    const char *mark = strstr(start, "/tag/");
    char image[1024];
    size_t taglen;

    if (!mark)
        return dcs_error_set(err, "image_tag", "expected image tag resource URI");
    taglen = strlen(mark + 5);
    if (taglen && mark[5 + taglen - 1] == '/')
        taglen--;
    snprintf(image, sizeof(image), "%.*s:%.*s", (int)(mark - start), start,
             (int)taglen, mark + 5);
    return set_image(out, image, err);
}

static json_t *norm_port(const json_t *p)
{
    long long inner = 0, outer = 0;
    const json_t *o = json_object_get(p, "outer_port");
    const json_t *pub = json_object_get(p, "published");
    const char *proto = json_string_value(json_object_get(p, "protocol"));
    bool published;
    json_t *out;

    dcs_json_uint(json_object_get(p, "inner_port"), &inner);
    if (o && !json_is_null(o))
        dcs_json_uint(o, &outer);
    /* The Go client has no "published": a non-zero outer port asks for it. */
    published = pub ? truthy(pub) : outer > 0;
    out = json_object();
    /* Strings taken from the input's (valid) strings: no UTF-8 check. */
    json_object_set_new_nocheck(out, "protocol", json_string_nocheck(proto ? proto : "tcp"));
    json_object_set_new_nocheck(out, "inner_port", json_integer((json_int_t)inner));
    json_object_set_new_nocheck(out, "outer_port", outer > 0 && published
                                ? json_integer(outer) : json_null());
    json_object_set_new_nocheck(out, "published", json_boolean(published));
    return out;
}

/* A string of the input, or null when absent or empty. */
static json_t *string_or_null(const char *s)
{
    return s && *s ? json_string_nocheck(s) : json_null();
}

static json_t *norm_binding(const json_t *b)
{
    const char *host = json_string_value(json_object_get(b, "host_path"));
    const char *ctr = json_string_value(json_object_get(b, "container_path"));
    const char *from = json_string_value(json_object_get(b, "volumes_from"));
    const json_t *rw = json_object_get(b, "rewritable");
    json_t *out = json_object();

    json_object_set_new_nocheck(out, "host_path", string_or_null(host));
    json_object_set_new_nocheck(out, "container_path", string_or_null(ctr));
    json_object_set_new_nocheck(out, "rewritable", json_boolean(rw ? truthy(rw) : true));
    json_object_set_new_nocheck(out, "volumes_from", string_or_null(from));
    return out;
}

/* {key: value}, value shared; NULL without a value. */
static json_t *object_of(const char *key, const json_t *value)
{
    json_t *out;

    if (!value || !(out = json_object()))
        return NULL;
    json_object_set_nocheck(out, key, (json_t *)value);
    return out;
}

static json_t *norm_tag(const json_t *t)
{
    return object_of("name", json_is_object(t) ? json_object_get(t, "name") : t);
}

static json_t *norm_link(const json_t *l)
{
    json_t *out = object_of("to_service", json_object_get(l, "to_service"));
    const char *name = json_string_value(json_object_get(l, "name"));

    if (name && *name)
        json_object_set_new_nocheck(out, "name", json_string_nocheck(name));
    return out;
}

static json_t *norm_envvar(const json_t *e)
{
    const char *value = json_string_value(json_object_get(e, "value"));
    json_t *out = object_of("key", json_object_get(e, "key"));

    json_object_set_new_nocheck(out, "value", json_string_nocheck(value ? value : ""));
    return out;
}

static json_t *map_array(const json_t *in, json_t *(*fn)(const json_t *))
{
    json_t *out = json_array(), *v;
    size_t i;

    json_array_foreach(in, i, v)
        json_array_append_new(out, fn(v));
    return out;
}

/* One API key -> its canonical value in out (absent when "not set"). */
static int norm_api_field(json_t *out, const char *key, const json_t *v,
                          struct dcs_error *err)
{
    long long n;

    /* The Python clients send null for every option the user did not give. */
    if (json_is_null(v))
        return DCS_OK;
    if (in_list(unset_if_empty, key) &&
        (json_is_null(v) || (json_is_string(v) && !*json_string_value(v))))
        return DCS_OK;
    if (json_is_null(v) && (!strcmp(key, "port_name")))
        return DCS_OK;
    if (!strcmp(key, "image") || !strcmp(key, "image_name"))
        return set_image(out, json_string_value(v), err);
    if (!strcmp(key, "image_tag"))
        return json_object_get(out, "image") ? DCS_OK
               : image_from_tag_uri(out, json_string_value(v), err);
    if (!strcmp(key, "network"))
        key = "net";
    if (in_list(bool_fields, key))
        return json_object_set_new_nocheck(out, key, json_boolean(truthy(v)));
    if (!strcmp(key, "target_num_containers")) {
        dcs_json_uint(v, &n);
        return json_object_set_new_nocheck(out, key, json_integer(n));
    }
    if (!strcmp(key, "container_ports"))
        return json_object_set_new_nocheck(out, key, map_array(v, norm_port));
    if (!strcmp(key, "bindings"))
        return json_object_set_new_nocheck(out, key, map_array(v, norm_binding));
    if (!strcmp(key, "tags"))
        return json_object_set_new_nocheck(out, key, map_array(v, norm_tag));
    if (!strcmp(key, "linked_to_service"))
        return json_object_set_new_nocheck(out, key, map_array(v, norm_link));
    if (!strcmp(key, "container_envvars"))
        return json_object_set_new_nocheck(out, key, map_array(v, norm_envvar));
    if (!strcmp(key, "labels")) {
        json_t *labels = json_object(), *lv;
        const char *lk;
        json_object_foreach((json_t *)v, lk, lv)
            json_object_set_new_nocheck(labels, lk, json_string_nocheck(
                json_is_string(lv) ? json_string_value(lv) : ""));
        return json_object_set_new_nocheck(out, key, labels);
    }
    return json_object_set_nocheck(out, key, (json_t *)v);
}

static int default_name(json_t *out, struct dcs_error *err)
{
    const char *image = json_string_value(json_object_get(out, "image"));
    char *name;

    if (json_object_get(out, "name") || !image)
        return DCS_OK;
    name = dcs_image_default_name(image);
    if (!name)
        return dcs_error_set(err, "name", "out of memory");
    json_object_set_new(out, "name", json_string(name));
    free(name);
    return DCS_OK;
}

static const char *api_schema_name(enum dcs_api_kind kind)
{
    switch (kind) {
    case DCS_API_CREATE: return "service-create";
    case DCS_API_PATCH: return "service-patch";
    default: return "service-object";
    }
}

json_t *dcs_normalize_api(const json_t *raw, enum dcs_api_kind kind,
                          json_t **readonly, struct dcs_error *err)
{
    json_t *out, *ro, *v;
    const char *key;

    if (dcs_schema_check(api_schema_name(kind), raw, "", err))
        return NULL;
    out = json_object();
    ro = json_object();
    json_object_foreach((json_t *)raw, key, v) {
        if (in_list(readonly_fields, key)) {
            json_object_set(ro, key, v);
            continue;
        }
        if (!strcmp(key, "port_name"))
            continue;
        if (norm_api_field(out, key, v, err))
            goto fail;
    }
    if (kind != DCS_API_PATCH && default_name(out, err))
        goto fail;
    if (readonly)
        *readonly = ro;
    else
        json_decref(ro);
    return out;
fail:
    if (!err->path[0])
        snprintf(err->path, sizeof(err->path), "%s", key);
    json_decref(out);
    json_decref(ro);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Stackfiles                                                          */

/* Keys and strings below come from the input's (valid UTF-8) keys and
 * strings, or are ASCII: they go in unchecked, except a name cut short. */

struct sf_ctx {
    const char *name;
    const json_t *env;
    json_t *out;
    json_t *spelling;
    json_t *warnings;
};

typedef int (*sf_fn)(struct sf_ctx *c, const char *key, const json_t *v,
                     struct dcs_error *err);

static void spell(struct sf_ctx *c, const char *field, const char *key)
{
    if (strcmp(field, key) && !json_object_get(c->spelling, field))
        json_object_set_new_nocheck(c->spelling, field, json_string_nocheck(key));
}

static json_t *out_array(struct sf_ctx *c, const char *field)
{
    json_t *a = json_object_get(c->out, field);

    if (!a) {
        a = json_array();
        json_object_set_new_nocheck(c->out, field, a);
    }
    return a;
}

static int sf_copy(struct sf_ctx *c, const char *key, const json_t *v,
                   struct dcs_error *err)
{
    (void)err;
    if (json_is_string(v) && !*json_string_value(v) && in_list(unset_if_empty, key))
        return DCS_OK;
    return json_object_set_nocheck(c->out, key, (json_t *)v);
}

static int sf_image(struct sf_ctx *c, const char *key, const json_t *v,
                    struct dcs_error *err)
{
    (void)key;
    return set_image(c->out, json_string_value(v), err);
}

static int sf_net(struct sf_ctx *c, const char *key, const json_t *v,
                  struct dcs_error *err)
{
    (void)err;
    spell(c, "net", key);
    return json_object_set_nocheck(c->out, "net", (json_t *)v);
}

static int sf_command(struct sf_ctx *c, const char *key, const json_t *v,
                      struct dcs_error *err)
{
    const char *field = !strcmp(key, "command") ? "run_command" : "entrypoint";
    char *joined;

    spell(c, field, key);
    if (json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
        return DCS_OK;
    if (json_is_string(v))
        return json_object_set_nocheck(c->out, field, (json_t *)v);
    /* A compose-style argv list: Docker Cloud keeps commands as strings. */
    joined = dcs_shell_join(v);
    if (!joined)
        return dcs_error_set(err, key, "out of memory");
    json_object_set_new(c->out, field, json_string(joined));
    free(joined);
    return DCS_OK;
}

/* no / on-failure / always, in any case, '-' or '_', Tutum's OFF etc. */
static const char *restart_enum(const json_t *v)
{
    const char *s = json_is_string(v) ? json_string_value(v) : "no";

    if (!strcasecmp(s, "no") || !strcasecmp(s, "off"))
        return "OFF";
    if (!strcasecmp(s, "on-failure") || !strcasecmp(s, "on_failure"))
        return "ON_FAILURE";
    if (!strcasecmp(s, "on-success") || !strcasecmp(s, "on_success"))
        return "ON_SUCCESS";
    return "ALWAYS";
}

static int sf_restart(struct sf_ctx *c, const char *key, const json_t *v,
                      struct dcs_error *err)
{
    if (json_object_get(c->out, "autorestart"))
        return dcs_error_set(err, key, "\"restart\" and \"autorestart\" are the "
                             "same setting; give only one");
    spell(c, "autorestart", key);
    return json_object_set_new_nocheck(c->out, "autorestart",
                                       json_string_nocheck(restart_enum(v)));
}

static int sf_autodestroy(struct sf_ctx *c, const char *key, const json_t *v,
                          struct dcs_error *err)
{
    (void)err;
    return json_object_set_new_nocheck(c->out, key, json_string_nocheck(restart_enum(v)));
}

static int sf_strategy(struct sf_ctx *c, const char *key, const json_t *v,
                       struct dcs_error *err)
{
    char buf[64];
    size_t i;
    const char *s = json_string_value(v);

    for (i = 0; s[i] && i < sizeof(buf) - 1; i++)
        buf[i] = s[i] == '-' ? '_' : (char)toupper((unsigned char)s[i]);
    buf[i] = 0;
    if (strcmp(buf, "EMPTIEST_NODE") && strcmp(buf, "HIGH_AVAILABILITY") &&
        strcmp(buf, "EVERY_NODE"))
        return dcs_error_set(err, key, "expected one of \"emptiest_node\", "
                             "\"high_availability\", \"every_node\", got \"%s\"", s);
    return json_object_set_new_nocheck(c->out, key, json_string_nocheck(buf));
}

static int sf_str_list(struct sf_ctx *c, const char *key, const json_t *v,
                       struct dcs_error *err)
{
    json_t *list;

    (void)err;
    if (!json_is_string(v))
        return json_object_set_nocheck(c->out, key, (json_t *)v);
    list = json_array();
    json_array_append(list, (json_t *)v);
    return json_object_set_new_nocheck(c->out, key, list);
}

/* A scalar of an environment or labels mapping, as a string. */
static char *scalar_text(const json_t *v)
{
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_true(v))
        return strdup("true");
    if (json_is_false(v))
        return strdup("false");
    if (json_is_null(v))
        return strdup("");
    return dcs_json_dumps(v, JSON_ENCODE_ANY);
}

/* The name is checked: a long one was cut short, maybe inside a character
 * (then the variable is dropped); values are whole strings of the input. */
static int add_envvar(struct sf_ctx *c, const char *key, const char *value)
{
    json_t *k = json_string(key), *e;

    if (!k)
        return DCS_ERR;
    e = json_object();
    json_object_set_new_nocheck(e, "key", k);
    json_object_set_new_nocheck(e, "value", json_string_nocheck(value));
    return json_array_append_new(out_array(c, "container_envvars"), e);
}

/* A bare name takes its value from the caller's environment (docker-cloud CLI). */
static int add_bare_envvar(struct sf_ctx *c, const char *name)
{
    const char *value = json_string_value(json_object_get(c->env, name));

    if (!value) {
        dcs_warn(c->warnings, c->name, "environment", "input",
                 "%s has no value here and is not set in the environment; "
                 "it is set to \"\"", name);
        value = "";
    }
    return add_envvar(c, name, value);
}

static int sf_environment(struct sf_ctx *c, const char *key, const json_t *v,
                          struct dcs_error *err)
{
    const char *k, *eq;
    json_t *item;
    size_t i;
    char *text, name[4096];

    (void)err;
    spell(c, "container_envvars", key);
    out_array(c, "container_envvars");
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, item) {
            if (json_is_null(item)) {
                add_bare_envvar(c, k);
                continue;
            }
            text = scalar_text(item);
            add_envvar(c, k, text ? text : "");
            free(text);
        }
        return DCS_OK;
    }
    json_array_foreach(v, i, item) {
        k = json_string_value(item);
        eq = strchr(k, '=');
        if (!eq) {
            add_bare_envvar(c, k);
            continue;
        }
        snprintf(name, sizeof(name), "%.*s", (int)(eq - k), k);
        add_envvar(c, name, eq + 1);
    }
    return DCS_OK;
}

static int sf_labels(struct sf_ctx *c, const char *key, const json_t *v,
                     struct dcs_error *err)
{
    json_t *labels = json_object(), *item;
    const char *k, *eq;
    char *text, name[4096];
    size_t i;

    (void)err;
    json_object_set_new_nocheck(c->out, key, labels);
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, item) {
            text = scalar_text(item);
            json_object_set_new_nocheck(labels, k, json_string_nocheck(text ? text : ""));
            free(text);
        }
        return DCS_OK;
    }
    json_array_foreach(v, i, item) {
        k = json_string_value(item);
        eq = strchr(k, '=');
        if (!eq) {
            json_object_set_new_nocheck(labels, k, json_string_nocheck(""));
            continue;
        }
        snprintf(name, sizeof(name), "%.*s", (int)(eq - k), k);
        /* The name may have been cut short: checked. */
        json_object_set_new(labels, name, json_string_nocheck(eq + 1));
    }
    return DCS_OK;
}

static int sf_ports(struct sf_ctx *c, const char *key, const json_t *v,
                    struct dcs_error *err)
{
    bool published = !strcmp(key, "ports");
    json_t *ports = out_array(c, "container_ports"), *item, *p;
    size_t i;
    char path[64];

    spell(c, "container_ports", key);
    json_array_foreach(v, i, item) {
        p = dcs_parse_port(item, published, err);
        if (!p) {
            snprintf(path, sizeof(path), "%s[%zu]", key, i);
            dcs_error_prefix_path(err, path);
            return DCS_ERR;
        }
        json_array_append_new(ports, p);
    }
    return DCS_OK;
}

static int sf_bindings(struct sf_ctx *c, const char *key, const json_t *v,
                       struct dcs_error *err)
{
    json_t *bindings = out_array(c, "bindings"), *item, *b;
    bool from = !strcmp(key, "volumes_from");
    size_t i;
    char path[64];

    spell(c, "bindings", key);
    json_array_foreach(v, i, item) {
        b = from ? dcs_parse_volumes_from(json_string_value(item), err)
                 : dcs_parse_volume(json_string_value(item), err);
        if (!b) {
            snprintf(path, sizeof(path), "%s[%zu]", key, i);
            dcs_error_prefix_path(err, path);
            return DCS_ERR;
        }
        json_array_append_new(bindings, b);
    }
    return DCS_OK;
}

static int sf_links(struct sf_ctx *c, const char *key, const json_t *v,
                    struct dcs_error *err)
{
    json_t *links = out_array(c, "linked_to_service"), *item, *l;
    size_t i;
    char path[64];

    spell(c, "linked_to_service", key);
    json_array_foreach(v, i, item) {
        l = dcs_parse_link(json_string_value(item), err);
        if (!l) {
            snprintf(path, sizeof(path), "%s[%zu]", key, i);
            dcs_error_prefix_path(err, path);
            return DCS_ERR;
        }
        json_array_append_new(links, l);
    }
    return DCS_OK;
}

static int sf_tags(struct sf_ctx *c, const char *key, const json_t *v,
                   struct dcs_error *err)
{
    (void)err;
    return json_object_set_new_nocheck(c->out, key, map_array(v, norm_tag));
}

static int sf_memory(struct sf_ctx *c, const char *key, const json_t *v,
                     struct dcs_error *err)
{
    const char *field = !strcmp(key, "mem_limit") ? "memory" : "memory_swap";
    long long bytes = 0, mb;

    spell(c, field, key);
    if (dcs_parse_memory(v, &bytes, err))
        return dcs_error_prefix_path(err, key), DCS_ERR;
    mb = (bytes + MIB - 1) / MIB;
    if (mb * MIB != bytes)
        dcs_warn(c->warnings, c->name, key, "approximate",
                 "Docker Cloud counts memory in whole MB: %lld bytes rounded "
                 "up to %lld MB", bytes, mb);
    if (mb == 0)
        return DCS_OK;
    return json_object_set_new_nocheck(c->out, field, json_integer(mb));
}

static int sf_cpuset(struct sf_ctx *c, const char *key, const json_t *v,
                     struct dcs_error *err)
{
    char *text = scalar_text(v);

    (void)err;
    json_object_set_new_nocheck(c->out, key, json_string_nocheck(text ? text : ""));
    free(text);
    return DCS_OK;
}

/* Sorted by key (strcmp): looked up by binary search for every key of
 * every service. */
static const struct sf_key {
    const char *key;
    sf_fn fn;
} stackfile_keys[] = {
    {"autodestroy", sf_autodestroy}, {"autoredeploy", sf_copy},
    {"autorestart", sf_restart},     {"cap_add", sf_copy},
    {"cap_drop", sf_copy},           {"cgroup_parent", sf_copy},
    {"command", sf_command},         {"cpu_shares", sf_copy},
    {"cpuset", sf_cpuset},           {"deployment_strategy", sf_strategy},
    {"devices", sf_copy},            {"dns", sf_str_list},
    {"dns_search", sf_str_list},     {"domainname", sf_copy},
    {"entrypoint", sf_command},      {"environment", sf_environment},
    {"expose", sf_ports},            {"extra_hosts", sf_copy},
    {"hostname", sf_copy},           {"image", sf_image},
    {"labels", sf_labels},           {"links", sf_links},
    {"mac_address", sf_copy},        {"mem_limit", sf_memory},
    {"memswap_limit", sf_memory},    {"name", sf_copy},
    {"net", sf_net},                 {"network", sf_net},
    {"nickname", sf_copy},           {"pid", sf_copy},
    {"ports", sf_ports},             {"privileged", sf_copy},
    {"read_only", sf_copy},          {"restart", sf_restart},
    {"roles", sf_copy},              {"security_opt", sf_copy},
    {"sequential_deployment", sf_copy}, {"stdin_open", sf_copy},
    {"tags", sf_tags},               {"target_num_containers", sf_copy},
    {"tty", sf_copy},                {"user", sf_copy},
    {"volumes", sf_bindings},        {"volumes_from", sf_bindings},
    {"working_dir", sf_copy},
};

/* Keys Docker Cloud stackfiles never supported: its own wording. */
static const char *const unsupported_keys[] = {"build", "external_links",
                                               "env_file", NULL};

static int sf_key_cmp(const void *key, const void *entry)
{
    return strcmp(key, ((const struct sf_key *)entry)->key);
}

static sf_fn stackfile_fn(const char *key)
{
    const struct sf_key *k = bsearch(key, stackfile_keys,
                                     sizeof(stackfile_keys) / sizeof(stackfile_keys[0]),
                                     sizeof(stackfile_keys[0]), sf_key_cmp);

    return k ? k->fn : NULL;
}

/* volumes before volumes_from, ports before expose: stable canonical order. */
static const char *const ordered_keys[] = {"volumes", "ports", NULL};

static int apply_key(struct sf_ctx *c, const char *key, const json_t *v,
                     struct dcs_error *err)
{
    sf_fn fn = stackfile_fn(key);

    if (fn(c, key, v, err)) {
        if (!err->path[0])
            snprintf(err->path, sizeof(err->path), "%s", key);
        return DCS_ERR;
    }
    return DCS_OK;
}

json_t *dcs_normalize_stackfile(const char *name, const json_t *raw,
                                const json_t *env, json_t **spelling,
                                json_t *warnings, struct dcs_error *err)
{
    struct sf_ctx c = {name, env, json_object(), json_object(), warnings};
    const char *key;
    json_t *v;

    for (const char *const *k = unsupported_keys; *k; k++)
        if (json_object_get(raw, *k)) {
            dcs_error_set(err, *k, "\"%s\" is not supported in Docker Cloud "
                          "stackfiles", *k);
            goto fail;
        }
    if (dcs_schema_check("stackfile-service", raw, "", err))
        goto fail;
    for (const char *const *k = ordered_keys; *k; k++)
        if ((v = json_object_get(raw, *k)) && apply_key(&c, *k, v, err))
            goto fail;
    json_object_foreach((json_t *)raw, key, v) {
        if (in_list(ordered_keys, key))
            continue;
        if (apply_key(&c, key, v, err))
            goto fail;
    }
    if (!json_object_get(c.out, "name"))
        json_object_set_new_nocheck(c.out, "name", json_string_nocheck(name));
    if (spelling)
        *spelling = c.spelling;
    else
        json_decref(c.spelling);
    return c.out;
fail:
    json_decref(c.out);
    json_decref(c.spelling);
    return NULL;
}
