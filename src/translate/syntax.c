#include "translate/syntax.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool dcs_json_uint(const json_t *v, long long *out)
{
    const char *s;
    char *end;
    long long n;

    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return *out >= 0;
    }
    if (!json_is_string(v))
        return false;
    s = json_string_value(v);
    if (!*s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    n = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = n;
    return true;
}

static bool parse_port_number(const char *s, size_t len, long long *out)
{
    long long n = 0;

    if (len == 0 || len > 5)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        n = n * 10 + (s[i] - '0');
    }
    *out = n;
    return n >= 1 && n <= 65535;
}

/* The objects below are built member by member, not by json_pack: they
 * are made for every port, volume and link of every service, and their
 * strings are ASCII or cut from valid UTF-8 at ASCII separators. */
static json_t *port_object(const char *proto, long long inner, long long outer,
                           bool published)
{
    json_t *o = json_object();

    json_object_set_new_nocheck(o, "protocol", json_string_nocheck(proto));
    json_object_set_new_nocheck(o, "inner_port", json_integer((json_int_t)inner));
    json_object_set_new_nocheck(o, "outer_port",
                                outer > 0 ? json_integer(outer) : json_null());
    json_object_set_new_nocheck(o, "published", json_boolean(published));
    return o;
}

/* {"host_path", "container_path", "rewritable", "volumes_from"}; a NULL
 * string is null. */
static json_t *binding_object(const char *host, const char *container, bool rw,
                              const char *from)
{
    json_t *o = json_object();

    json_object_set_new_nocheck(o, "host_path",
                                host ? json_string_nocheck(host) : json_null());
    json_object_set_new_nocheck(o, "container_path", container
                                ? json_string_nocheck(container) : json_null());
    json_object_set_new_nocheck(o, "rewritable", json_boolean(rw));
    json_object_set_new_nocheck(o, "volumes_from",
                                from ? json_string_nocheck(from) : json_null());
    return o;
}

static json_t *link_object(const char *target, const char *name)
{
    json_t *o = json_object();

    json_object_set_new_nocheck(o, "to_service", json_string_nocheck(target));
    json_object_set_new_nocheck(o, "name", json_string_nocheck(name));
    return o;
}

json_t *dcs_parse_port(const json_t *spec, bool published, struct dcs_error *err)
{
    const char *s, *slash, *colon, *proto = "tcp";
    long long inner, outer = 0;
    char text[64];

    if (json_is_integer(spec)) {
        inner = json_integer_value(spec);
        if (inner < 1 || inner > 65535)
            return dcs_error_set(err, NULL, "expected port 1-65535, got %lld", inner),
                   NULL;
        return port_object("tcp", inner, 0, published);
    }
    if (!json_is_string(spec)) {
        dcs_error_set(err, NULL, "expected port like \"80\", \"8080:80\" or \"53/udp\"");
        return NULL;
    }
    s = json_string_value(spec);
    snprintf(text, sizeof(text), "%s", s);
    slash = strchr(s, '/');
    if (slash) {
        if (!strcasecmp(slash + 1, "tcp"))
            proto = "tcp";
        else if (!strcasecmp(slash + 1, "udp"))
            proto = "udp";
        else
            goto bad;
    }
    colon = strchr(s, ':');
    if (colon && (!slash || colon < slash)) {
        if (!published) {
            dcs_error_set(err, NULL, "expected a container port (expose cannot "
                          "publish a host port), got \"%s\"", text);
            return NULL;
        }
        if (!parse_port_number(s, (size_t)(colon - s), &outer))
            goto bad;
        s = colon + 1;
    }
    if (!parse_port_number(s, slash ? (size_t)(slash - s) : strlen(s), &inner))
        goto bad;
    return port_object(proto, inner, outer, published);
bad:
    dcs_error_set(err, NULL, "expected port like \"80\", \"8080:80\" or \"53/udp\" "
                  "(ports 1-65535), got \"%s\"", text);
    return NULL;
}

json_t *dcs_parse_volume(const char *spec, struct dcs_error *err)
{
    char *copy = strdup(spec), *parts[3] = {0}, *p, *save = NULL;
    int n = 0;
    bool rw = true;
    json_t *out = NULL;

    if (!copy)
        return dcs_error_set(err, NULL, "out of memory"), NULL;
    for (p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
        if (n == 3)
            goto bad;
        parts[n++] = p;
    }
    if (n == 3) {
        if (!strcmp(parts[2], "ro"))
            rw = false;
        else if (strcmp(parts[2], "rw"))
            goto bad;
    } else if (n == 2 && parts[1][0] != '/' &&
               (!strcmp(parts[1], "ro") || !strcmp(parts[1], "rw"))) {
        /* "/data:ro": an anonymous volume with a mode. */
        rw = strcmp(parts[1], "ro") != 0;
        n = 1;
    }
    if (n == 0)
        goto bad;
    if (n == 1) {
        if (parts[0][0] != '/')
            goto bad;
        out = binding_object(NULL, parts[0], rw, NULL);
    } else {
        /* Docker Cloud bound host paths only: no named volumes. */
        if (parts[0][0] != '/' || parts[1][0] != '/')
            goto bad;
        out = binding_object(parts[0], parts[1], rw, NULL);
    }
    free(copy);
    return out;
bad:
    free(copy);
    dcs_error_set(err, NULL, "expected \"/path\", \"/host/path:/path\" or "
                  "\"/host/path:/path:ro\" (absolute paths), got \"%s\"", spec);
    return NULL;
}

static bool is_name_char(int c)
{
    return isalnum(c) || c == '_' || c == '-';
}

/* Length of a run of service-name characters at s. */
static size_t name_span(const char *s)
{
    size_t n = 0;
    while (is_name_char((unsigned char)s[n]))
        n++;
    return n;
}

json_t *dcs_parse_volumes_from(const char *spec, struct dcs_error *err)
{
    size_t n = name_span(spec), m = 0;
    const char *rest = spec + n;
    bool rw = true;
    char target[512];

    if (n == 0)
        goto bad;
    if (*rest == '.') {
        m = name_span(rest + 1);
        if (m == 0)
            goto bad;
        rest += 1 + m;
    }
    if (*rest == ':') {
        if (!strcmp(rest + 1, "ro"))
            rw = false;
        else if (strcmp(rest + 1, "rw"))
            goto bad;
    } else if (*rest) {
        goto bad;
    }
    snprintf(target, sizeof(target), "%.*s", (int)(n + (m ? m + 1 : 0)), spec);
    return binding_object(NULL, NULL, rw, target);
bad:
    dcs_error_set(err, NULL, "expected \"service\" or \"service.stack\" "
                  "(optionally :ro), got \"%s\"", spec);
    return NULL;
}

json_t *dcs_parse_link(const char *spec, struct dcs_error *err)
{
    size_t n = name_span(spec), m = 0;
    const char *rest = spec + n, *alias;
    char target[512];

    if (n == 0)
        goto bad;
    if (*rest == '.') {
        m = name_span(rest + 1);
        if (m == 0)
            goto bad;
        rest += 1 + m;
    }
    snprintf(target, sizeof(target), "%.*s", (int)(n + (m ? m + 1 : 0)), spec);
    if (*rest == ':') {
        alias = rest + 1;
        if (!*alias || alias[name_span(alias)])
            goto bad;
    } else if (*rest) {
        goto bad;
    } else {
        alias = NULL;
    }
    if (!alias) {
        char name[256];
        snprintf(name, sizeof(name), "%.*s", (int)n, spec);
        return link_object(target, name);
    }
    return link_object(target, alias);
bad:
    dcs_error_set(err, NULL, "expected \"service\", \"service:alias\" or "
                  "\"service.stack:alias\", got \"%s\"", spec);
    return NULL;
}

int dcs_parse_memory(const json_t *spec, long long *bytes, struct dcs_error *err)
{
    const char *s;
    char *end;
    double n, mult = 1;

    if (json_is_integer(spec)) {
        if (json_integer_value(spec) < 0)
            return dcs_error_set(err, NULL, "expected memory like 512m, 1g or "
                                 "a number of bytes, got %lld",
                                 (long long)json_integer_value(spec));
        *bytes = json_integer_value(spec);
        return DCS_OK;
    }
    if (!json_is_string(spec))
        return dcs_error_set(err, NULL, "expected memory like 512m, 1g or a "
                             "number of bytes");
    s = json_string_value(spec);
    errno = 0;
    n = strtod(s, &end);
    if (end == s || errno || n < 0 || !isfinite(n) || !isdigit((unsigned char)*s))
        goto bad;
    while (*end == ' ')
        end++;
    switch (tolower((unsigned char)*end)) {
    case 'b': mult = 1; end++; break;
    case 'k': mult = 1024.0; end++; break;
    case 'm': mult = 1024.0 * 1024; end++; break;
    case 'g': mult = 1024.0 * 1024 * 1024; end++; break;
    case 0: break;
    default: goto bad;
    }
    if (mult > 1 && tolower((unsigned char)*end) == 'b')
        end++;
    if (*end || n * mult > 4398046511104.0) /* 4 TiB */
        goto bad;
    *bytes = (long long)(n * mult);
    return DCS_OK;
bad:
    return dcs_error_set(err, NULL, "expected memory like 512m, 1g or a number "
                         "of bytes (at most 4 TiB), got \"%s\"", s);
}

bool dcs_image_has_tag(const char *image)
{
    const char *slash = strrchr(image, '/');
    const char *last = slash ? slash + 1 : image;

    return strchr(image, '@') || strchr(last, ':');
}

char *dcs_image_with_tag(const char *image)
{
    size_t len = strlen(image);
    char *out;

    if (dcs_image_has_tag(image))
        return strdup(image);
    out = malloc(len + sizeof(":latest"));
    if (!out)
        return NULL;
    memcpy(out, image, len);
    memcpy(out + len, ":latest", sizeof(":latest"));
    return out;
}

char *dcs_image_default_name(const char *image)
{
    const char *slash = strrchr(image, '/');
    const char *last = slash ? slash + 1 : image;
    size_t len = strcspn(last, ":@");
    char *out;

    if (len > 63)
        len = 63;
    out = strndup(last, len);
    if (!out)
        return NULL;
    for (char *p = out; *p; p++)
        if (!is_name_char((unsigned char)*p))
            *p = '-';
    return out;
}

/* Upper-case and CAP_-prefix one capability name; "ALL" stays bare. */
static json_t *cap_normal(const char *name)
{
    char buf[128];
    size_t i, off = 0;

    if (strncasecmp(name, "CAP_", 4) && strcasecmp(name, "ALL") &&
        strcasecmp(name, "RESET")) {
        memcpy(buf, "CAP_", 4);
        off = 4;
    }
    for (i = 0; name[i] && off + i < sizeof(buf) - 1; i++)
        buf[off + i] = (char)toupper((unsigned char)name[i]);
    buf[off + i] = 0;
    return json_string(buf);
}

static bool list_has(const json_t *list, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach(list, i, v)
        if (!strcmp(json_string_value(v), s))
            return true;
    return false;
}

int dcs_caps_check(const json_t *cap_add, const json_t *cap_drop, struct dcs_error *err)
{
    const json_t *lists[] = {cap_add, cap_drop}, *v;
    size_t i;

    for (size_t l = 0; l < 2; l++)
        json_array_foreach(lists[l], i, v)
            if (!json_is_string(v))
                return dcs_error_set(err, NULL, "expected capability names");
    return DCS_OK;
}

/* Normalise one list (checked): no duplicates, RESET dropped, ALL alone. */
static json_t *caps_list(const json_t *in)
{
    json_t *out = json_array(), *c, *v;
    size_t i;

    json_array_foreach(in, i, v) {
        c = cap_normal(json_string_value(v));
        if (!strcmp(json_string_value(c), "RESET") ||
            list_has(out, json_string_value(c))) {
            json_decref(c);
            continue;
        }
        json_array_append_new(out, c);
    }
    if (list_has(out, "ALL")) {
        json_array_clear(out);
        json_array_append_new(out, json_string("ALL"));
    }
    return out;
}

int dcs_caps_normalize(const json_t *cap_add, const json_t *cap_drop,
                       json_t **add, json_t **drop, struct dcs_error *err)
{
    json_t *a, *d, *kept, *v;
    size_t i;

    if (dcs_caps_check(cap_add, cap_drop, err))
        return DCS_ERR;
    a = caps_list(cap_add); /* NULL lists are empty */
    d = caps_list(cap_drop);
    if (!a || !d) {
        json_decref(a);
        json_decref(d);
        return dcs_error_status(err, 500, NULL, "out of memory");
    }
    if (list_has(a, "ALL")) {
        json_array_clear(d); /* adding all trumps any drop */
    } else {
        kept = json_array();
        json_array_foreach(d, i, v)
            if (!list_has(a, json_string_value(v)))
                json_array_append(kept, v);
        json_decref(d);
        d = kept;
    }
    *add = a;
    *drop = d;
    return DCS_OK;
}

bool dcs_is_ip(const char *s)
{
    unsigned char buf[16];

    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}
