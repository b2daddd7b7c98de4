/*
 * fields.c - the field table and the converters of the simple fields.
 * Ports, bindings and links have files of their own (ports.c, mounts.c,
 * links.c).  Each converter maps one Docker Cloud field; rows are in the
 * order of the Docker Cloud reference.
 */
#include "translate/fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translate/normalize.h"
#include "translate/shellwords.h"
#include "translate/syntax.h"

#define MIB (1024LL * 1024LL)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Keys here are the spec's own ASCII names: no UTF-8 check. */
json_t *dcs_obj(json_t *parent, const char *key)
{
    json_t *o = json_object_get(parent, key);

    if (!o) {
        o = json_object();
        json_object_set_new_nocheck(parent, key, o);
    }
    return o;
}

json_t *dcs_arr(json_t *parent, const char *key)
{
    json_t *a = json_object_get(parent, key);

    if (!a) {
        a = json_array();
        json_object_set_new_nocheck(parent, key, a);
    }
    return a;
}

json_t *dcs_task(struct fwd *f)
{
    return dcs_obj(f->spec, "TaskTemplate");
}

json_t *dcs_cs(struct fwd *f)
{
    return dcs_obj(dcs_task(f), "ContainerSpec");
}

const json_t *dcs_rev_cs(const struct rev *r)
{
    return json_object_get(json_object_get(r->spec, "TaskTemplate"), "ContainerSpec");
}

/* The object's members in an array, not a jansson object: translate writes
 * them at once, and hashing some sixty keys into an object cost more than
 * the rest of writing them.  A key is looked for among those of its first
 * letter (a handful), not all. */
static struct dcs_json_member *rev_member(const struct rev *r, const char *key)
{
    for (unsigned i = r->by_letter[(unsigned char)key[0] & 127]; i; i = r->before[i - 1])
        if (!strcmp(r->out[i - 1].key, key))
            return &r->out[i - 1];
    return NULL;
}

void dcs_rev_set(struct rev *r, const char *key, json_t *value)
{
    struct dcs_json_member *m = value ? rev_member(r, key) : NULL;
    unsigned char *first = &r->by_letter[(unsigned char)key[0] & 127];

    if (m) {
        json_decref((json_t *)m->value);
        m->value = value;
    } else if (value && r->n_out == DCS_REV_MEMBERS) {
        json_decref(value);
        r->out_full = true;
    } else if (value) {
        r->out[r->n_out] = (struct dcs_json_member){key, value, NULL, 0};
        r->before[r->n_out] = *first;
        *first = (unsigned char)++r->n_out;
    }
}

json_t *dcs_rev_get(const struct rev *r, const char *key)
{
    const struct dcs_json_member *m = rev_member(r, key);

    return m ? (json_t *)m->value : NULL;
}

const json_t *dcs_kept(const struct rev *r, const char *field)
{
    return json_object_get(r->kept, field);
}

void dcs_fwd_warn(struct fwd *f, const char *field, const char *class_,
                  const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (f->lines)
        dcs_vwarn_line(f->lines, f->lines_source, f->name,
                       dcs_spelling(f->spelling, field), class_, fmt, ap);
    else
        dcs_vwarn(f->warnings, f->name, dcs_spelling(f->spelling, field), class_, fmt, ap);
    va_end(ap);
}

const json_t *dcs_peer(const struct fwd *f, const char *ident)
{
    const json_t *p = ident ? json_object_get(f->peers, ident) : NULL;

    return p ? dcs_svc_cache_get(f->cache, p, f->opts) : NULL;
}

/* The value the field has in the reverse output when nothing set it. */
static void rev_default(struct rev *r, const char *field, json_t *dflt)
{
    const json_t *k = dcs_kept(r, field);

    if (k)
        dcs_rev_set(r, field, json_incref((json_t *)k));
    else
        dcs_rev_set(r, field, json_incref(dflt));
    json_decref(dflt);
}

/* ------------------------------------------------------------------ */
/* Kept fields: no swarm equivalent; stored in dcswarm.spec, warned     */

static bool is_default(const json_t *v)
{
    if (!v || json_is_null(v) || json_is_false(v))
        return true;
    if (json_is_string(v))
        return !*json_string_value(v);
    if (json_is_array(v))
        return json_array_size(v) == 0;
    if (json_is_integer(v))
        return json_integer_value(v) == 0;
    return false;
}

struct kept_note {
    const char *field;
    const char *dflt; /* a value that is the Docker Cloud default (no warning) */
    const char *why;
};

static const struct kept_note kept_notes[] = {
    {"nickname", NULL, "swarm has no display name; it is stored in the "
     "dcswarm.spec label and returned by the API"},
    {"domainname", NULL, "swarm services have no domain name setting; "
     "containers do not get it"},
    {"mac_address", NULL, "swarm cannot fix a MAC address (each task gets "
     "its own); containers do not get it"},
    {"cgroup_parent", NULL, "swarm services cannot set a parent cgroup; "
     "containers do not get it"},
    {"devices", NULL, "swarm services cannot map devices (moby/moby#30846); "
     "containers do not get them"},
    {"cpu_shares", NULL, "a relative CPU weight has no swarm equivalent "
     "(swarm limits CPUs in NanoCPUs); not applied"},
    {"cpuset", NULL, "swarm services cannot pin CPUs; not applied"},
    {"memory_swap", NULL, "swarm services cannot limit swap; not applied"},
    {"autodestroy", "OFF", "swarm keeps exited task containers per its task "
     "history limit; they are not destroyed, and their data is not removed"},
    {"roles", NULL, "only 'dcswarm serve' gives containers DOCKERCLOUD_AUTH "
     "(a key scoped to the namespace); translate and apply do not"},
    {"privileged", NULL, "swarm services cannot run privileged containers; "
     "they run unprivileged (add the capabilities they need with cap_add)"},
    {"autoredeploy", NULL, "swarm does not watch registries; redeploy with "
     "'docker service update --force' or a registry webhook"},
    {"pid", "none", "swarm services cannot share the host PID namespace; "
     "not applied"},
    {NULL, NULL, NULL},
};

static const struct kept_note *kept_note(const char *field)
{
    for (size_t i = 0; kept_notes[i].why; i++)
        if (!strcmp(kept_notes[i].field, field))
            return &kept_notes[i];
    return NULL;
}

/* Warn only for values that differ from Docker Cloud's defaults: the CLI
 * sends privileged: false and empty lists on every create. */
static int fwd_kept_field(struct fwd *f, const char *field, const json_t *v)
{
    const struct kept_note *n = kept_note(field);

    if (is_default(v))
        return DCS_OK;
    if (n->dflt && json_is_string(v) && !strcmp(n->dflt, json_string_value(v)))
        return DCS_OK;
    if (!strcmp(field, "nickname") &&
        json_equal(v, json_object_get(f->svc, "name")))
        return DCS_OK;
    dcs_fwd_warn(f, field, "kept", "%s", n->why);
    return DCS_OK;
}

#define KEPT_FWD(fn, field)                                                    \
    static int fn(struct fwd *f, const json_t *v, struct dcs_error *err)      \
    {                                                                          \
        (void)err;                                                             \
        return fwd_kept_field(f, field, v);                                    \
    }
KEPT_FWD(fwd_nickname, "nickname")
KEPT_FWD(fwd_domainname, "domainname")
KEPT_FWD(fwd_mac_address, "mac_address")
KEPT_FWD(fwd_cgroup_parent, "cgroup_parent")
KEPT_FWD(fwd_devices, "devices")
KEPT_FWD(fwd_cpu_shares, "cpu_shares")
KEPT_FWD(fwd_cpuset, "cpuset")
KEPT_FWD(fwd_memory_swap, "memory_swap")
KEPT_FWD(fwd_autodestroy, "autodestroy")
KEPT_FWD(fwd_roles, "roles")
KEPT_FWD(fwd_privileged, "privileged")
KEPT_FWD(fwd_autoredeploy, "autoredeploy")
KEPT_FWD(fwd_pid, "pid")

static void rev_kept_string(struct rev *r, const char *field)
{
    rev_default(r, field, json_string(""));
}

static void rev_kept_null(struct rev *r, const char *field)
{
    rev_default(r, field, json_null());
}

static void rev_kept_list(struct rev *r, const char *field)
{
    rev_default(r, field, json_array());
}

static void rev_kept_false(struct rev *r, const char *field)
{
    rev_default(r, field, json_false());
}

static void rev_autodestroy(struct rev *r, const char *field)
{
    rev_default(r, field, json_string("OFF"));
}

static void rev_pid(struct rev *r, const char *field)
{
    rev_default(r, field, json_string("none"));
}

/* ------------------------------------------------------------------ */
/* Exact fields                                                        */

static int fwd_image(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    (void)err;
    json_object_set_nocheck(dcs_cs(f), "Image", (json_t *)v);
    if (f->opts->stack)
        json_object_set_nocheck(dcs_obj(f->spec, "Labels"), "com.docker.stack.image",
                        (json_t *)v);
    return DCS_OK;
}

static void rev_image(struct rev *r, const char *field)
{
    const char *image = json_string_value(json_object_get(dcs_rev_cs(r), "Image"));
    const char *kept = json_string_value(dcs_kept(r, "image"));
    const char *at = image ? strchr(image, '@') : NULL;

    (void)field;
    /* The engine pins the digest it resolved: show the tag that was asked. */
    if (at && kept && !strncmp(image, kept, (size_t)(at - image)) &&
        !kept[at - image])
        image = kept;
    dcs_rev_set(r, "image_name", json_string(image ? image : ""));
}

static int fwd_name(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    (void)v;
    (void)err;
    if (f->partial)
        return DCS_OK;
    json_object_set_new(f->spec, "Name", json_string(f->swarm_name));
    return DCS_OK;
}

static void rev_name(struct rev *r, const char *field)
{
    const json_t *labels = json_object_get(r->spec, "Labels");
    const json_t *name = json_object_get(labels, DCS_LABEL_NAME);

    dcs_rev_set(r, field, json_incref((json_t *)(name ? name : json_object_get(r->spec, "Name"))));
}

static void rev_nickname(struct rev *r, const char *field)
{
    const json_t *k = dcs_kept(r, field);
    dcs_rev_set(r, field, json_incref((json_t *)(k ? k : dcs_rev_get(r, "name"))));
}

static bool every_node(const struct fwd *f)
{
    const char *s = json_string_value(json_object_get(f->svc, "deployment_strategy"));
    return s && !strcmp(s, "EVERY_NODE");
}

static int fwd_target(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    json_t *mode;

    (void)err;
    if (f->partial && !v)
        return DCS_OK;
    mode = dcs_obj(f->spec, "Mode");
    if (every_node(f)) {
        if (v)
            dcs_fwd_warn(f, "target_num_containers", "approximate",
                         "ignored: an every_node service runs one container on "
                         "each node (swarm global mode)");
        json_object_set_new_nocheck(mode, "Global", json_object());
        return DCS_OK;
    }
    json_object_set_new_nocheck(dcs_obj(mode, "Replicated"), "Replicas",
                        json_integer(v ? json_integer_value(v) : 1));
    return DCS_OK;
}

static void rev_target(struct rev *r, const char *field)
{
    const json_t *rep = json_object_get(json_object_get(json_object_get(r->spec, "Mode"),
                                                        "Replicated"), "Replicas");
    const json_t *k = dcs_kept(r, field);

    if (rep)
        dcs_rev_set(r, field, json_incref((json_t *)rep));
    else
        dcs_rev_set(r, field, json_integer(k ? json_integer_value(k) : 1));
}

/* Split as a shell would: an unterminated quote is an error. */
static int check_argv(const struct fwd *f, const char *field, const json_t *v,
                      struct dcs_error *err)
{
    if (dcs_shell_check(json_string_value(v), err))
        return dcs_error_prefix_path(err, dcs_spelling(f->spelling, field)), DCS_ERR;
    return DCS_OK;
}

static int check_run_command(const struct fwd *f, const json_t *v, struct dcs_error *err)
{
    return check_argv(f, "run_command", v, err);
}

static int check_entrypoint(const struct fwd *f, const json_t *v, struct dcs_error *err)
{
    return check_argv(f, "entrypoint", v, err);
}

static int fwd_argv(struct fwd *f, const char *field, const char *key,
                    const json_t *v, struct dcs_error *err)
{
    json_t *argv = dcs_shell_split(json_string_value(v), err);

    if (!argv)
        return dcs_error_prefix_path(err, dcs_spelling(f->spelling, field)), DCS_ERR;
    if (json_array_size(argv))
        json_object_set_new_nocheck(dcs_cs(f), key, argv);
    else
        json_decref(argv);
    return DCS_OK;
}

static int fwd_run_command(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    return fwd_argv(f, "run_command", "Args", v, err);
}

static int fwd_entrypoint(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    return fwd_argv(f, "entrypoint", "Command", v, err);
}

/* The string as the user wrote it while it still splits to what runs. */
static void rev_argv(struct rev *r, const char *field, const char *key)
{
    const json_t *argv = json_object_get(dcs_rev_cs(r), key);
    const json_t *kept = dcs_kept(r, field);
    json_t *split;
    char *joined;

    if (kept && (split = dcs_shell_split(json_string_value(kept), NULL))) {
        bool same = argv ? json_equal(split, argv) : json_array_size(split) == 0;
        json_decref(split);
        if (same) {
            dcs_rev_set(r, field, json_incref((json_t *)kept));
            return;
        }
    }
    joined = argv ? dcs_shell_join(argv) : NULL;
    dcs_rev_set(r, field, json_string(joined ? joined : ""));
    free(joined);
}

static void rev_run_command(struct rev *r, const char *field)
{
    rev_argv(r, field, "Args");
}

static void rev_entrypoint(struct rev *r, const char *field)
{
    rev_argv(r, field, "Command");
}

static int fwd_envvars(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    json_t *env = dcs_arr(dcs_cs(f), "Env"), *e;
    size_t i;
    char *kv;

    (void)err;
    json_array_foreach(v, i, e) {
        const char *k = json_string_value(json_object_get(e, "key"));
        const char *val = json_string_value(json_object_get(e, "value"));
        if (asprintf(&kv, "%s=%s", k, val ? val : "") < 0)
            return dcs_error_set(err, "container_envvars", "out of memory");
        json_array_append_new(env, json_string(kv));
        free(kv);
    }
    return DCS_OK;
}

/* The names dcswarm put in Env come in Env's order (forward appends them):
 * a walk with a hint looks once per name; a name of the user's is looked
 * for through the whole list, as C strings rather than jansson calls. */
struct env_name {
    const char *s;
    size_t n;
};

static bool env_injected(const struct env_name *inj, size_t n, const char *key, size_t klen,
                         size_t *hint)
{
    if (*hint < n && inj[*hint].n == klen && !memcmp(inj[*hint].s, key, klen)) {
        ++*hint;
        return true;
    }
    for (size_t i = 0; i < n; i++)
        if (inj[i].n == klen && !memcmp(inj[i].s, key, klen)) {
            *hint = i + 1;
            return true;
        }
    return false;
}

/* The names of a link-env label of len bytes as dcswarm writes it,
 * ["A","B"] with no escape, pointed at in place in out; -1 if it reads
 * otherwise (an escape, or a control character: not JSON, jansson refuses). */
static long plain_names(const char *s, size_t len, struct env_name *out)
{
    const char *end = s + len, *q;
    long n = 0;

    if (!len || *s++ != '[')
        return -1;
    if (*s == ']')
        return s + 1 == end ? 0 : -1;
    for (;;) {
        if (*s++ != '"')
            return -1;
        q = s + dcs_json_plain_prefix(s, (size_t)(end - s));
        if (q == end || *q != '"')
            return -1;
        out[n++] = (struct env_name){s, (size_t)(q - s)};
        s = q + 1;
        if (*s == ']')
            return s + 1 == end ? n : -1;
        if (*s++ != ',')
            return -1;
    }
}

/* The label's names: in place, or from the label parsed (r->injected).  A
 * name takes three bytes at least ("",), in any spelling of the array. */
static struct env_name *label_names(struct rev *r, const char *label, size_t *n)
{
    size_t len = label ? strlen(label) : 0, i;
    struct env_name *names = malloc((len / 3 + 1) * sizeof(*names));
    long plain = names && label ? plain_names(label, len, names) : 0;
    const json_t *v;

    *n = plain > 0 ? (size_t)plain : 0;
    if (!names || plain >= 0)
        return names;
    r->injected = json_loads(label, 0, NULL);
    json_array_foreach(r->injected, i, v)
        if (json_is_string(v))
            names[(*n)++] = (struct env_name){json_string_value(v), json_string_length(v)};
    return names;
}

int dcs_rev_env_load(struct rev *r, const char *link_env)
{
    const json_t *env = json_object_get(dcs_rev_cs(r), "Env"), *v;
    size_t n = json_array_size(env), n_inj, i, hint = 0;
    struct env_name *inj;

    r->n_env = 0;
    if (!n)
        return DCS_OK;
    inj = label_names(r, link_env, &n_inj);
    r->env = malloc(n * sizeof(*r->env));
    if (!inj || !r->env) {
        free(inj);
        return DCS_ERR;
    }
    json_array_foreach(env, i, v) {
        const char *kv = json_string_value(v), *eq = kv ? strchr(kv, '=') : NULL;
        struct rev_env *e = &r->env[r->n_env];
        if (!kv)
            continue;
        *e = (struct rev_env){kv, eq ? eq + 1 : "", eq ? (size_t)(eq - kv) : strlen(kv), false};
        e->injected = env_injected(inj, n_inj, kv, e->klen, &hint);
        r->n_env++;
    }
    free(inj);
    return DCS_OK;
}

static void rev_envvars(struct rev *r, const char *field)
{
    json_t *out = json_array(), *e;

    for (size_t i = 0; i < r->n_env; i++) {
        const struct rev_env *v = &r->env[i];
        if (v->injected)
            continue;
        /* Env's own strings, cut at '=': valid UTF-8 (json_pack's format
         * and checks were a third of this field's cost). */
        e = json_object();
        json_object_set_new_nocheck(e, "key", json_stringn_nocheck(v->key, v->klen));
        json_object_set_new_nocheck(e, "value", json_string_nocheck(v->value));
        json_array_append_new(out, e);
    }
    dcs_rev_set(r, field, out);
}

static int fwd_labels(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    (void)err;
    json_object_update(dcs_obj(dcs_cs(f), "Labels"), (json_t *)v);
    return DCS_OK;
}

static void rev_labels(struct rev *r, const char *field)
{
    json_t *labels = json_deep_copy(json_object_get(dcs_rev_cs(r), "Labels"));

    if (!labels)
        labels = json_object();
    json_object_del(labels, DCS_LABEL_STACK_NS);
    dcs_rev_set(r, field, labels);
}

/* A ContainerSpec string or bool field copied as is. */
struct cs_scalar {
    const char *field, *key, *dflt;
};

static const struct cs_scalar cs_scalars[] = {
    {"working_dir", "Dir", "/"},      {"user", "User", "root"},
    {"tty", "TTY", NULL},
    {"stdin_open", "OpenStdin", NULL}, {"read_only", "ReadOnly", NULL},
    {NULL, NULL, NULL},
};

static const struct cs_scalar *cs_scalar(const char *field)
{
    for (size_t i = 0; cs_scalars[i].field; i++)
        if (!strcmp(cs_scalars[i].field, field))
            return &cs_scalars[i];
    return NULL;
}

#define CS_FWD(fn, field)                                                      \
    static int fn(struct fwd *f, const json_t *v, struct dcs_error *err)      \
    {                                                                          \
        (void)err;                                                             \
        if (json_is_true(v) || (json_is_string(v) && *json_string_value(v)))   \
            json_object_set_nocheck(dcs_cs(f), cs_scalar(field)->key,          \
                                    (json_t *)v);                              \
        return DCS_OK;                                                         \
    }
CS_FWD(fwd_working_dir, "working_dir")
CS_FWD(fwd_user, "user")

/* A container's hostname is Docker Cloud's container name, <name>-<n>,
 * unless the service sets one (links.c, dcs_container_hostnames). */
static int fwd_hostname(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    char host[DCS_HOSTNAME_NAME_MAX + sizeof(DCS_HOSTNAME_SLOT)];

    (void)err;
    if (json_is_string(v) && *json_string_value(v)) {
        json_object_set_nocheck(dcs_cs(f), "Hostname", (json_t *)v);
    } else if (!f->partial && dcs_container_hostnames(f->svc)) {
        snprintf(host, sizeof(host), "%s" DCS_HOSTNAME_SLOT, f->name);
        json_object_set_new_nocheck(dcs_cs(f), "Hostname", json_string(host));
    }
    return DCS_OK;
}
CS_FWD(fwd_tty, "tty")
CS_FWD(fwd_stdin_open, "stdin_open")
CS_FWD(fwd_read_only, "read_only")

static void rev_cs_scalar(struct rev *r, const char *field)
{
    const struct cs_scalar *s = cs_scalar(field);
    const json_t *v = json_object_get(dcs_rev_cs(r), s->key);

    if (s->dflt)
        dcs_rev_set(r, field,
                            json_string(json_string_value(v) && *json_string_value(v)
                                        ? json_string_value(v) : s->dflt));
    else
        dcs_rev_set(r, field, json_boolean(json_is_true(v)));
}

/* The hostname dcswarm gave (fwd_hostname) is none the user set. */
static void rev_hostname(struct rev *r, const char *field)
{
    const char *v = json_string_value(json_object_get(dcs_rev_cs(r), "Hostname"));
    const char *name = json_string_value(dcs_rev_get(r, "name"));
    size_t n = name ? strlen(name) : 0;

    if (v && name && !strncmp(v, name, n) && !strcmp(v + n, DCS_HOSTNAME_SLOT))
        v = NULL;
    dcs_rev_set(r, field, json_string(v ? v : ""));
}

static int check_dns(const struct fwd *f, const json_t *v, struct dcs_error *err)
{
    const json_t *ip;
    size_t i;

    json_array_foreach(v, i, ip)
        if (!dcs_is_ip(json_string_value(ip))) {
            dcs_error_set(err, NULL, "expected an IP address, got \"%s\"",
                          json_string_value(ip));
            snprintf(err->path, sizeof(err->path), "%s[%zu]",
                     dcs_spelling(f->spelling, "dns"), i);
            return DCS_ERR;
        }
    return DCS_OK;
}

static int fwd_dns(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    json_t *ns, *ip;
    size_t i;

    if (check_dns(f, v, err))
        return DCS_ERR;
    ns = dcs_arr(dcs_obj(dcs_cs(f), "DNSConfig"), "Nameservers");
    json_array_foreach(v, i, ip)
        json_array_append(ns, ip);
    return DCS_OK;
}

static int fwd_dns_search(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    (void)err;
    json_array_extend(dcs_arr(dcs_obj(dcs_cs(f), "DNSConfig"), "Search"), (json_t *)v);
    return DCS_OK;
}

static void rev_dns_list(struct rev *r, const char *field, const char *key)
{
    const json_t *l = json_object_get(json_object_get(dcs_rev_cs(r), "DNSConfig"), key);
    dcs_rev_set(r, field, l ? json_deep_copy(l) : json_array());
}

static void rev_dns(struct rev *r, const char *field)
{
    rev_dns_list(r, field, "Nameservers");
}

static void rev_dns_search(struct rev *r, const char *field)
{
    rev_dns_list(r, field, "Search");
}

static int check_caps(const struct fwd *f, const json_t *v, struct dcs_error *err)
{
    (void)v;
    return dcs_caps_check(json_object_get(f->svc, "cap_add"),
                          json_object_get(f->svc, "cap_drop"), err);
}

/* cap_add and cap_drop are normalised together (add wins over drop). */
static int fwd_caps(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    json_t *add, *drop;

    (void)v;
    if (dcs_caps_normalize(json_object_get(f->svc, "cap_add"),
                           json_object_get(f->svc, "cap_drop"), &add, &drop, err))
        return DCS_ERR;
    if (json_array_size(add))
        json_object_set_nocheck(dcs_cs(f), "CapabilityAdd", add);
    if (json_array_size(drop))
        json_object_set_nocheck(dcs_cs(f), "CapabilityDrop", drop);
    json_decref(add);
    json_decref(drop);
    return DCS_OK;
}

/* The user's spelling while it normalises to what swarm has. */
static void rev_caps(struct rev *r, const char *field)
{
    const char *key = !strcmp(field, "cap_add") ? "CapabilityAdd" : "CapabilityDrop";
    const json_t *have = json_object_get(dcs_rev_cs(r), key);
    json_t *add = NULL, *drop = NULL;

    if (dcs_kept(r, field) &&
        !dcs_caps_normalize(dcs_kept(r, "cap_add"), dcs_kept(r, "cap_drop"), &add,
                            &drop, NULL)) {
        json_t *mine = !strcmp(field, "cap_add") ? add : drop;
        bool same = have ? json_equal(mine, have) : json_array_size(mine) == 0;
        json_decref(add);
        json_decref(drop);
        if (same) {
            dcs_rev_set(r, field, json_incref((json_t *)dcs_kept(r, field)));
            return;
        }
    }
    dcs_rev_set(r, field, have ? json_deep_copy(have) : json_array());
}

static int fwd_extra_hosts(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    json_t *hosts = dcs_arr(dcs_cs(f), "Hosts"), *h;
    size_t i;
    char *line;

    json_array_foreach(v, i, h) {
        const char *s = json_string_value(h), *colon = strchr(s, ':');
        if (asprintf(&line, "%s %.*s", colon + 1, (int)(colon - s), s) < 0)
            return dcs_error_set(err, "extra_hosts", "out of memory");
        json_array_append_new(hosts, json_string(line));
        free(line);
    }
    return DCS_OK;
}

static void rev_extra_hosts(struct rev *r, const char *field)
{
    json_t *out = json_array(), *h;
    size_t i;
    char *line;

    json_array_foreach(json_object_get(dcs_rev_cs(r), "Hosts"), i, h) {
        const char *s = json_string_value(h), *sp = strchr(s, ' ');
        if (!sp || asprintf(&line, "%s:%.*s", sp + 1, (int)(sp - s), s) < 0)
            continue;
        json_array_append_new(out, json_string(line));
        free(line);
    }
    dcs_rev_set(r, field, out);
}

/* label:user:U, label=role:R, label:disable -> SELinuxContext. */
static bool selinux_option(json_t *ctx, const char *opt)
{
    static const struct { const char *word, *key; } parts[] = {
        {"user:", "User"}, {"role:", "Role"}, {"type:", "Type"},
        {"level:", "Level"}};

    if (strncmp(opt, "label", 5) || (opt[5] != ':' && opt[5] != '='))
        return false;
    opt += 6;
    if (!strcmp(opt, "disable")) {
        json_object_set_new(ctx, "Disable", json_true());
        return true;
    }
    for (size_t i = 0; i < 4; i++)
        if (!strncmp(opt, parts[i].word, strlen(parts[i].word))) {
            json_object_set_new(ctx, parts[i].key,
                                json_string(opt + strlen(parts[i].word)));
            return true;
        }
    return false;
}

static int fwd_security_opt(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    json_t *ctx = json_object(), *o;
    size_t i;

    (void)err;
    json_array_foreach(v, i, o)
        if (!selinux_option(ctx, json_string_value(o)))
            dcs_fwd_warn(f, "security_opt", "approximate",
                         "\"%s\" has no swarm equivalent in Engine API 1.41 "
                         "(only label: options map, to SELinuxContext); not applied",
                         json_string_value(o));
    if (json_object_size(ctx))
        json_object_set_new_nocheck(dcs_obj(dcs_cs(f), "Privileges"), "SELinuxContext", ctx);
    else
        json_decref(ctx);
    return DCS_OK;
}

static void rev_security_opt(struct rev *r, const char *field)
{
    rev_kept_list(r, field);
}

static int fwd_sequential(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    json_t *update;

    (void)err;
    if (!json_is_true(v))
        return DCS_OK;
    update = json_object();
    json_object_set_new_nocheck(update, "Parallelism", json_integer(1));
    json_object_set_new_nocheck(update, "FailureAction", json_string_nocheck("pause"));
    json_object_set_new_nocheck(update, "Order", json_string_nocheck("stop-first"));
    json_object_set_new_nocheck(f->spec, "UpdateConfig", update);
    dcs_fwd_warn(f, "sequential_deployment", "approximate",
                 "updates replace one container at a time (UpdateConfig."
                 "Parallelism 1), but swarm starts the first deployment in "
                 "parallel and does not link each container to the previous ones");
    return DCS_OK;
}

static int fwd_memory(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    (void)err;
    if (json_integer_value(v) > 0)
        json_object_set_new_nocheck(dcs_obj(dcs_obj(dcs_task(f), "Resources"), "Limits"),
                            "MemoryBytes", json_integer(json_integer_value(v) * MIB));
    return DCS_OK;
}

static void rev_memory(struct rev *r, const char *field)
{
    const json_t *b = json_object_get(json_object_get(json_object_get(json_object_get(
        r->spec, "TaskTemplate"), "Resources"), "Limits"), "MemoryBytes");

    dcs_rev_set(r, field, b ? json_integer(json_integer_value(b) / MIB)
                                         : json_null());
}

static const char *restart_condition(const char *autorestart)
{
    if (!strcmp(autorestart, "ALWAYS"))
        return "any";
    if (!strcmp(autorestart, "ON_FAILURE"))
        return "on-failure";
    return "none";
}

/* Always emitted: swarm's default is "any", Docker Cloud's is OFF (moby#32623). */
static int fwd_autorestart(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    (void)err;
    if (f->partial && !v)
        return DCS_OK;
    json_object_set_new_nocheck(dcs_obj(dcs_task(f), "RestartPolicy"), "Condition",
                                json_string_nocheck(restart_condition(
                                    v ? json_string_value(v) : "OFF")));
    return DCS_OK;
}

static void rev_autorestart(struct rev *r, const char *field)
{
    const char *c = json_string_value(json_object_get(json_object_get(
        json_object_get(r->spec, "TaskTemplate"), "RestartPolicy"), "Condition"));
    const char *word = "ALWAYS"; /* swarm's default when none is set */

    if (c && !strcmp(c, "none"))
        word = "OFF";
    else if (c && !strcmp(c, "on-failure"))
        word = "ON_FAILURE";
    dcs_rev_set(r, field, json_string(word));
}

static int fwd_strategy(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    (void)err;
    (void)f;
    (void)v;
    /* EVERY_NODE is global mode (see fwd_target); HIGH_AVAILABILITY is what
     * swarm's scheduler does: fewest tasks of the service first.
     * EMPTIEST_NODE, Docker Cloud's default, is approximated by the same
     * spread (fewest containers in all is only swarm's tie-break); like
     * every default it is not warned about, docs/mapping.md says it. */
    return DCS_OK;
}

static void rev_strategy(struct rev *r, const char *field)
{
    const json_t *mode = json_object_get(r->spec, "Mode");
    const char *k = json_string_value(dcs_kept(r, field));

    if (json_object_get(mode, "Global"))
        dcs_rev_set(r, field, json_string("EVERY_NODE"));
    else
        dcs_rev_set(r, field,
                            json_string(k && strcmp(k, "EVERY_NODE") ? k : "EMPTIEST_NODE"));
}

static int fwd_tags(struct fwd *f, const json_t *v, struct dcs_error *err)
{
    json_t *cons, *t;
    size_t i;
    char *c;

    if (!json_array_size(v))
        return DCS_OK;
    cons = dcs_arr(dcs_obj(dcs_task(f), "Placement"), "Constraints");
    json_array_foreach(v, i, t) {
        const char *name = json_string_value(json_object_get(t, "name"));
        if (asprintf(&c, "node.labels.%s==true", name) < 0)
            return dcs_error_set(err, "tags", "out of memory");
        json_array_append_new(cons, json_string(c));
        free(c);
    }
    dcs_fwd_warn(f, "tags", "approximate",
                 "placed on nodes labelled <tag>=true for every tag (docker node "
                 "update --label-add <tag>=true NODE); Docker Cloud's automatic "
                 "provider, region and node cluster tags do not exist on swarm");
    return DCS_OK;
}

static void rev_tags(struct rev *r, const char *field)
{
    json_t *out = json_array(), *c;
    const json_t *cons = json_object_get(json_object_get(json_object_get(
        r->spec, "TaskTemplate"), "Placement"), "Constraints");
    size_t i;
    const size_t plen = strlen("node.labels.");
    const size_t slen = strlen("==true");

    json_array_foreach(cons, i, c) {
        const char *s = json_string_value(c);
        size_t len = strlen(s);
        if (len > plen + slen && !strncmp(s, "node.labels.", plen) &&
            !strcmp(s + len - slen, "==true"))
            json_array_append_new(out, json_pack("{s:s%}", "name", s + plen,
                                                 len - plen - slen));
    }
    dcs_rev_set(r, field, out);
}

static void rev_net(struct rev *r, const char *field)
{
    json_t *n;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(r->spec, "TaskTemplate"),
                                       "Networks"), i, n)
        if (!strcmp(json_string_value(json_object_get(n, "Target")), "host")) {
            dcs_rev_set(r, field, json_string("host"));
            return;
        }
    dcs_rev_set(r, field, json_string("bridge"));
}

/* ------------------------------------------------------------------ */
/* The table                                                           */

#define ROW(api_, sf_, class__, swarm_, note_, always_, fwd_, rev_) \
    {api_, sf_, class__, swarm_, note_, always_, fwd_, rev_, NULL}
/* A row whose converter can refuse the value: `check_` says whether. */
#define CHECKED_ROW(api_, sf_, class__, swarm_, note_, always_, fwd_, rev_, check_) \
    {api_, sf_, class__, swarm_, note_, always_, fwd_, rev_, check_}

const struct dcs_field dcs_fields[] = {
    ROW("image", "image", "exact", "TaskTemplate.ContainerSpec.Image",
        "an untagged image gets :latest; Tutum's image_tag URI is accepted",
        true, fwd_image, rev_image),
    ROW("name", "(service key)", "exact", "Name",
        "<stack>_<name> with --stack (as docker stack deploy names it), else "
        "<name>; the Docker Cloud name is in the dcswarm.name label; default: "
        "the image name", true, fwd_name, rev_name),
    ROW("nickname", "nickname", "kept", "dcswarm.spec label",
        "no swarm display name", false, fwd_nickname, rev_nickname),
    ROW("target_num_containers", "target_num_containers", "exact",
        "Mode.Replicated.Replicas", "default 1; ignored for every_node (global)",
        true, fwd_target, rev_target),
    CHECKED_ROW("run_command", "command", "exact", "TaskTemplate.ContainerSpec.Args",
        "POSIX shell word splitting; an unterminated quote is an error",
        false, fwd_run_command, rev_run_command, check_run_command),
    CHECKED_ROW("entrypoint", "entrypoint", "exact", "TaskTemplate.ContainerSpec.Command",
        "POSIX shell word splitting", false, fwd_entrypoint, rev_entrypoint,
        check_entrypoint),
    CHECKED_ROW("container_ports", "ports, expose", "exact", "EndpointSpec.Ports",
        "published ports go to the ingress routing mesh (outer_port null = "
        "dynamic); unpublished ones are kept for link variables; net: host "
        "publishes in host mode", false, dcs_fwd_ports, dcs_rev_ports, dcs_check_ports),
    ROW("container_envvars", "environment", "exact",
        "TaskTemplate.ContainerSpec.Env", "\"KEY=value\", in order; stackfile "
        "bare names take the caller's environment", false, fwd_envvars, rev_envvars),
    ROW("labels", "labels", "exact", "TaskTemplate.ContainerSpec.Labels",
        "container labels, as Docker Cloud set them", false, fwd_labels, rev_labels),
    ROW("working_dir", "working_dir", "exact", "TaskTemplate.ContainerSpec.Dir",
        "default / (the image's)", false, fwd_working_dir, rev_cs_scalar),
    ROW("user", "user", "exact", "TaskTemplate.ContainerSpec.User",
        "default: the image's user (root)", false, fwd_user, rev_cs_scalar),
    ROW("hostname", "hostname", "exact", "TaskTemplate.ContainerSpec.Hostname",
        "unset: <name>-{{.Task.Slot}}, Docker Cloud's container name, which swarm's "
        "DNS answers for (not on every node, nor past 57 characters of name)", true,
        fwd_hostname, rev_hostname),
    ROW("domainname", "domainname", "kept", "dcswarm.spec label",
        "no swarm equivalent", false, fwd_domainname, rev_kept_string),
    ROW("mac_address", "mac_address", "kept", "dcswarm.spec label",
        "no swarm equivalent", false, fwd_mac_address, rev_kept_string),
    ROW("cgroup_parent", "cgroup_parent", "kept", "dcswarm.spec label",
        "no swarm equivalent", false, fwd_cgroup_parent, rev_kept_string),
    ROW("tty", "tty", "exact", "TaskTemplate.ContainerSpec.TTY", "", false,
        fwd_tty, rev_cs_scalar),
    ROW("stdin_open", "stdin_open", "exact", "TaskTemplate.ContainerSpec.OpenStdin",
        "", false, fwd_stdin_open, rev_cs_scalar),
    CHECKED_ROW("dns", "dns", "exact", "TaskTemplate.ContainerSpec.DNSConfig.Nameservers",
        "IP addresses only (an invalid one is an error, not dropped)", false,
        fwd_dns, rev_dns, check_dns),
    ROW("dns_search", "dns_search", "exact",
        "TaskTemplate.ContainerSpec.DNSConfig.Search", "", false, fwd_dns_search,
        rev_dns_search),
    CHECKED_ROW("cap_add", "cap_add", "exact", "TaskTemplate.ContainerSpec.CapabilityAdd",
        "normalised as docker/cli does: CAP_ prefix, upper case, ALL alone, "
        "add wins over drop", false, fwd_caps, rev_caps, check_caps),
    CHECKED_ROW("cap_drop", "cap_drop", "exact",
        "TaskTemplate.ContainerSpec.CapabilityDrop", "as cap_add", false, fwd_caps,
        rev_caps, check_caps),
    ROW("devices", "devices", "kept", "dcswarm.spec label",
        "no swarm equivalent (moby/moby#30846)", false, fwd_devices, rev_kept_list),
    ROW("extra_hosts", "extra_hosts", "exact", "TaskTemplate.ContainerSpec.Hosts",
        "\"host:ip\" becomes \"ip host\"", false, fwd_extra_hosts, rev_extra_hosts),
    ROW("security_opt", "security_opt", "approximate",
        "TaskTemplate.ContainerSpec.Privileges.SELinuxContext",
        "label: options map; others (apparmor, seccomp, no-new-privileges) "
        "have no API 1.41 field and are warned", false, fwd_security_opt,
        rev_security_opt),
    ROW("sequential_deployment", "sequential_deployment", "approximate",
        "UpdateConfig", "Parallelism 1, stop-first: updates are sequential, "
        "the first deployment is not", false, fwd_sequential, rev_kept_false),
    ROW("cpu_shares", "cpu_shares", "kept", "dcswarm.spec label",
        "a relative weight; swarm has NanoCPUs limits only", false,
        fwd_cpu_shares, rev_kept_null),
    ROW("cpuset", "cpuset", "kept", "dcswarm.spec label", "no swarm equivalent",
        false, fwd_cpuset, rev_kept_string),
    ROW("memory", "mem_limit", "exact",
        "TaskTemplate.Resources.Limits.MemoryBytes",
        "MB x 1048576; stackfile units (512m, 1g) accepted", false, fwd_memory,
        rev_memory),
    ROW("memory_swap", "memswap_limit", "kept", "dcswarm.spec label",
        "no swarm equivalent", false, fwd_memory_swap, rev_kept_null),
    ROW("linked_to_service", "links", "approximate",
        "TaskTemplate.Networks[].Aliases + ContainerSpec.Env",
        "a shared overlay network, the link name as a network alias of the "
        "target, and Docker Cloud's link variables: <ALIAS>_... at the alias, "
        "<ALIAS>_<n>_... at each container's hostname <service>-<n> (Docker "
        "Cloud's were <alias>-<n>); ports are the container ports",
        false, dcs_fwd_links, dcs_rev_links),
    /* dcs_fwd_bindings refuses a container path mounted twice, where the
     * paths of other services count too (volumes_from): dcs_forward_check
     * tests that once all are loaded, after what the rows above refuse
     * (dcs_check_service); no row below refuses anything. */
    ROW("bindings", "volumes, volumes_from", "approximate",
        "TaskTemplate.ContainerSpec.Mounts",
        "host_path: a bind mount (the path must exist on the node); "
        "container_path only: a volume per task; volumes_from: the target's "
        "mounts, with its anonymous volumes made named volumes (approximate)",
        false, dcs_fwd_bindings, dcs_rev_bindings),
    ROW("autorestart", "restart, autorestart", "exact",
        "TaskTemplate.RestartPolicy.Condition",
        "OFF none, ON_FAILURE on-failure, ALWAYS any; always emitted because "
        "swarm's default is any", true, fwd_autorestart, rev_autorestart),
    ROW("autodestroy", "autodestroy", "kept", "dcswarm.spec label",
        "swarm keeps exited tasks by its history limit", false, fwd_autodestroy,
        rev_autodestroy),
    ROW("roles", "roles", "kept", "dcswarm.spec label",
        "'dcswarm serve' injects DOCKERCLOUD_AUTH for global", false, fwd_roles,
        rev_kept_list),
    ROW("privileged", "privileged", "kept", "dcswarm.spec label",
        "swarm services cannot be privileged", false, fwd_privileged,
        rev_kept_false),
    ROW("read_only", "read_only", "exact", "TaskTemplate.ContainerSpec.ReadOnly",
        "", false, fwd_read_only, rev_cs_scalar),
    ROW("deployment_strategy", "deployment_strategy", "approximate",
        "Mode.Global / swarm's scheduler",
        "EVERY_NODE is global mode, HIGH_AVAILABILITY is swarm's spread; "
        "EMPTIEST_NODE is approximated by it", false, fwd_strategy, rev_strategy),
    ROW("tags", "tags", "approximate", "TaskTemplate.Placement.Constraints",
        "node.labels.<tag>==true for every tag; nodes must be labelled",
        false, fwd_tags, rev_tags),
    ROW("autoredeploy", "autoredeploy", "kept", "dcswarm.spec label",
        "swarm does not watch registries", false, fwd_autoredeploy, rev_kept_false),
    ROW("net", "net, network", "approximate", "TaskTemplate.Networks",
        "bridge: the stack's overlay network; host: swarm's host network "
        "(ports published in host mode, no aliases)", true, dcs_fwd_net, rev_net),
    ROW("pid", "pid", "kept", "dcswarm.spec label", "no swarm equivalent",
        false, fwd_pid, rev_pid),
    ROW(NULL, NULL, NULL, NULL, NULL, false, NULL, NULL),
};
