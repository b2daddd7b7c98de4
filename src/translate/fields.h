/*
 * fields.h - the field table: one row per Docker Cloud service field, with
 * its class, where it lands in the ServiceSpec, and a forward and a reverse
 * converter.  Adding a field is adding a row here (fields.c), a converter
 * pair, and a golden case; docs/mapping.md is generated from this table and
 * checked against it by a test (`dcswarm fields`).
 *
 * Internal to src/translate.
 */
#ifndef DCS_FIELDS_H
#define DCS_FIELDS_H

#include <jansson.h>
#include <stdbool.h>

#include "util/error.h"
#include "util/jsonw.h"
#include "translate/normalize.h"
#include "translate/translate.h"

/* Canonical services read back from their text (lean entries, see
 * dcs_translate_opts) or loaded again from the input (ranged entries, see
 * dcs_text_source): the last few are kept, as a peer is often the service
 * translated just before (forward.c). */
#define DCS_SVC_CACHE_SLOTS 8
struct dcs_svc_cache {
    const json_t *text[DCS_SVC_CACHE_SLOTS];  /* the entry's "service" */
    json_t *svc[DCS_SVC_CACHE_SLOTS];
    json_t *again[DCS_SVC_CACHE_SLOTS];       /* ranged: its lean entry */
    size_t next;
    bool failed;           /* a service could not be loaded again: */
    struct dcs_error err;  /* why (the first time) */
};

/* v (a canonical service, its text, or where its text is in opts->text_source)
 * as an object, borrowed: valid until DCS_SVC_CACHE_SLOTS more are read.
 * NULL if it cannot be read (c->failed says why, if not out of memory). */
const json_t *dcs_svc_cache_get(struct dcs_svc_cache *c, const json_t *v,
                                const struct dcs_translate_opts *opts);
/* The lean entry a ranged v was loaded again as, after dcs_svc_cache_get
 * (borrowed, as the object), or NULL. */
const json_t *dcs_svc_cache_again(const struct dcs_svc_cache *c, const json_t *v);
void dcs_svc_cache_release(struct dcs_svc_cache *c);

/* Forward state for one service. */
struct fwd {
    const char *name;         /* Docker Cloud name, for warnings */
    const char *swarm_name;   /* <stack>_<name> or <name> */
    const json_t *svc;        /* canonical service (normalize.h) */
    const char *text;         /* svc as compact text, keys sorted (what the
                                 dcswarm.spec label holds), or NULL */
    const json_t *spelling;   /* canonical field -> user's key */
    const struct dcs_translate_opts *opts;
    const json_t *peers;      /* identifier -> canonical service (or its
                                 text), or NULL */
    struct dcs_svc_cache *cache; /* for peers given as text */
    const json_t *aliases;    /* extra network aliases for this service */
    bool shared_volumes;      /* another service mounts our volumes */
    const json_t *shared_ports; /* outer ports other services of the input
                                   publish too (DCS_NEEDS_SHARED_PORTS), or NULL */
    bool partial;             /* a PATCH body: no defaults, no name */
    json_t *spec;             /* the ServiceSpec being built */
    struct dcs_strbuf injected; /* names of env vars dcswarm added (links),
                                 as a compact JSON array without its "]" */
    json_t *warnings;
    struct dcs_strbuf *lines;   /* non-NULL: warnings go here as lines of */
    const char *lines_source; /* dcs_warning_lines instead */
};

/* An entry of ContainerSpec.Env, cut at its first '=' (no '=': an empty
 * value), and whether dcswarm put it there for a link. */
struct rev_env {
    const char *key, *value;  /* borrowed from the Env string */
    size_t klen;
    bool injected;
};

/* Members of the object being built (r->out): the most a service has
 * (some sixty now); an index + 1 fits an unsigned char. */
#define DCS_REV_MEMBERS 128

/* Reverse state for one service. */
struct rev {
    const json_t *service;    /* the Engine service (ID, Spec, Endpoint...) */
    const json_t *spec;       /* its Spec */
    const json_t *kept;       /* dcswarm.spec label, parsed (object) */
    json_t *injected;         /* dcswarm.link-env label parsed, when it is
                                 not as dcswarm writes it; else NULL */
    const struct dcs_reverse_ctx *ctx;
    struct dcs_json_member *out; /* the Docker Cloud object being built:
                                    its members, values owned (dcs_rev_set) */
    size_t n_out;
    unsigned char by_letter[128]; /* out's members by their key's first
                                     letter: 1 + the last one's index, */
    unsigned char before[DCS_REV_MEMBERS]; /* 1 + the one set before it */
    bool out_full;            /* a member found no room in out */
    struct rev_env *env;      /* Env's string entries, in order (two
                                 fields read them: cut and looked up once) */
    size_t n_env;
};

typedef int (*dcs_fwd_fn)(struct fwd *f, const json_t *value,
                          struct dcs_error *err);
typedef void (*dcs_rev_fn)(struct rev *r, const char *field);
/* What a converter refuses, tested alone, on the canonical service while
 * it is loaded (dcs_check_service): no spec of a stack may be written
 * before an error in a later service is found.  The converter refuses the
 * same through the same code.  Uses only f->svc, f->spelling and f->opts. */
typedef int (*dcs_check_fn)(const struct fwd *f, const json_t *value,
                            struct dcs_error *err);

struct dcs_field {
    const char *api;         /* Docker Cloud API name */
    const char *stackfile;   /* stackfile key(s), or NULL */
    const char *class_;      /* "exact", "approximate", "kept" */
    const char *swarm;       /* ServiceSpec path (or "dcswarm.spec label") */
    const char *note;        /* how it maps / what differs */
    bool always;             /* forward runs even when the field is absent */
    dcs_fwd_fn fwd;
    dcs_rev_fn rev;
    dcs_check_fn check;      /* what fwd refuses, or NULL: nothing the value
                                alone makes it refuse */
};

/* The table, terminated by a row with api == NULL. */
extern const struct dcs_field dcs_fields[];

/* Helpers shared by the converter files. */
json_t *dcs_obj(json_t *parent, const char *key);   /* get or create object */
json_t *dcs_arr(json_t *parent, const char *key);   /* get or create array */
json_t *dcs_cs(struct fwd *f);                      /* TaskTemplate.ContainerSpec */
json_t *dcs_task(struct fwd *f);                    /* TaskTemplate */
const json_t *dcs_rev_cs(const struct rev *r);
const json_t *dcs_kept(const struct rev *r, const char *field);
/* Set member key to value (stolen; NULL sets nothing, as json_object_set_new).
 * key outlives r: a row's api or a literal. */
void dcs_rev_set(struct rev *r, const char *key, json_t *value);
/* Member key's value (borrowed), or NULL. */
json_t *dcs_rev_get(const struct rev *r, const char *key);
/* r->env from the ContainerSpec and link_env, the dcswarm.link-env label's
 * text (or NULL: none); free(r->env) and json_decref(r->injected) after.
 * DCS_ERR only out of memory. */
int dcs_rev_env_load(struct rev *r, const char *link_env);
void dcs_fwd_warn(struct fwd *f, const char *field, const char *class_,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const json_t *dcs_peer(const struct fwd *f, const char *ident);

/* ports.c, mounts.c, links.c */
int dcs_fwd_ports(struct fwd *f, const json_t *v, struct dcs_error *err);
int dcs_check_ports(const struct fwd *f, const json_t *v, struct dcs_error *err);
void dcs_rev_ports(struct rev *r, const char *field);
int dcs_fwd_bindings(struct fwd *f, const json_t *v, struct dcs_error *err);
void dcs_rev_bindings(struct rev *r, const char *field);
json_t *dcs_mounts_for(const json_t *bindings, const char *swarm_name,
                       bool shared, const json_t *peers_or_null);

/* Swarm publishes a port once for the whole swarm: "port/protocol" keys.
 * The key of a port published on `port` (NUL-terminated) appended to keys. */
void dcs_port_key(struct dcs_strbuf *keys, long long port, const char *protocol);
/* The keys of the canonical container_ports that publish a fixed outer
 * port, appended to keys, each after the byte `tag`. */
void dcs_port_keys(struct dcs_strbuf *keys, const json_t *container_ports, char tag);

/* What binding b mounts (its container path, *target): a mount of its
 * service's own, one only those that take its service's volumes_from
 * mount (b is a volumes_from that has a container path too), or nothing. */
enum dcs_mount_kind { DCS_MOUNT_NONE, DCS_MOUNT_OWN, DCS_MOUNT_LENT };
enum dcs_mount_kind dcs_binding_mount(const json_t *b, const char **target);
/* Refuse a container path that `targets` (NUL-terminated paths, the mounts
 * of one service in order) holds twice; err->path is left to the caller
 * (the bindings, as the user spelled them). */
int dcs_check_targets(const struct dcs_strbuf *targets, struct dcs_error *err);
int dcs_fwd_links(struct fwd *f, const json_t *v, struct dcs_error *err);
void dcs_rev_links(struct rev *r, const char *field);
int dcs_fwd_net(struct fwd *f, const json_t *v, struct dcs_error *err);

/* What translating canonical `service` alone would refuse (forward.c):
 * its swarm name, then the check of each row, in forward's order.  The
 * load phase runs it on every service; `spelling` as dcs_spelling takes. */
int dcs_check_service(const json_t *service, const json_t *spelling,
                      const struct dcs_translate_opts *opts, struct dcs_error *err);

/* What is needed of `service` before any service is translated, packed in
 * one string (*refs, new; NULL when there is nothing) for the entry's
 * "refs": its links, volumes_from, mounts and published ports, and whether
 * dcs_check_service refuses it (forward.c).  DCS_ERR when out of memory. */
int dcs_refs_pack(const json_t *service, const json_t *spelling,
                  const struct dcs_translate_opts *opts, json_t **refs);

/* A link ('L') or volumes_from ('V') of a stack's service (references.c):
 * its target as written, its index in linked_to_service or bindings (at),
 * and, for a volumes_from, its index among them (nth). */
struct dcs_reference {
    char kind;
    const char *target;
    size_t at, nth;
};
/* Refuse r, of the service named `own` (may be NULL), when it names the
 * service itself or, written as a plain name, no service `has` finds in
 * `names`; err->path as the user spelled the field. */
int dcs_check_reference(const char *own, const struct dcs_reference *r,
                        const json_t *spelling, bool (*has)(const void *names, const char *),
                        const void *names, struct dcs_error *err);
/* Entry e of dcs_load_services is a service of a stack (a stackfile's, or
 * a stack body's): what its links and volumes_from name is checked. */
bool dcs_entry_in_stack(const json_t *e);
/* Entry e's "name" (that of its service), or NULL; its "refs" and its
 * "service" (the service, its text, or where its text is): a ranged entry
 * is the array [refs, where], its name the first record of its refs. */
const char *dcs_entry_name(const json_t *e);
const json_t *dcs_entry_refs(const json_t *e);
const json_t *dcs_entry_service(const json_t *e);
/* dcs_check_reference on every link and volumes_from of canonical svc,
 * `peers` the stack's services by name. */
int dcs_check_references(const json_t *svc, const json_t *spelling, const json_t *peers,
                         struct dcs_error *err);

/* The longest name that leaves room for "-<slot>" in a 63-byte hostname. */
#define DCS_HOSTNAME_NAME_MAX 57
/* Containers of a link target that get link variables of their own
 * (<ALIAS>_<n>_...): each is some forty variables. */
#define DCS_LINK_CONTAINERS_MAX 32
/* Does canonical service svc give its containers such hostnames?  Then
 * <name>-1 ... <name>-<target_num_containers> answer for them. */
bool dcs_container_hostnames(const json_t *svc);

/* Link variables a client linking to `target` under `alias` gets, as an
 * object name -> value (links.c). */
json_t *dcs_link_variables(const char *alias, const json_t *target);
/* The same object as text, as dcs_json_write would write it at `depth`. */
void dcs_link_variables_write(struct dcs_strbuf *b, const char *alias, const json_t *target,
                              int indent, int depth, int base);

/* "/var/lib/mysql" -> "var_lib_mysql": volume name part for a path. */
void dcs_path_slug(const char *path, char *out, size_t len);

/* ---- forward.c, for pipeline.c ---------------------------------------- */

/* Where the warnings of one service go: objects appended to `warnings`,
 * or, with lines, lines appended there. */
struct dcs_fwd_sink {
    json_t *warnings;
    struct dcs_strbuf *lines;
    const char *lines_source;
};

/* Translate entry e of dcs_load_services (its service read back from its
 * text when lean) with its uuid; warnings to sink.  With `service`, a new
 * reference to the canonical service it translated is stored there (to be
 * read, not changed: the cache may hold it). */
/* A ranged entry's service (its "service" member: where its text is in
 * opts->text_source) loaded again: the lean entry dcs_load_services would have
 * made of it (a new reference), or NULL with err (the text changed, or
 * cannot be read). */
json_t *dcs_service_reload(const json_t *stored, const struct dcs_translate_opts *opts,
                           struct dcs_error *err);

json_t *dcs_forward_entry(const json_t *e, const json_t *peers,
                          struct dcs_svc_cache *cache, const json_t *needs,
                          const struct dcs_translate_opts *opts, const json_t *uuids,
                          const struct dcs_fwd_sink *sink, json_t **service,
                          struct dcs_error *err);

/* The member of the needs (dcs_index_needs_of_entries) that holds the
 * outer ports more than one service publishes (dcs_port_key, one after
 * the other): they are published in host mode (forward.c).  No service
 * name has a control character. */
#define DCS_NEEDS_SHARED_PORTS "\001ports"

/* What every entry needs of the others (aliases, shared volumes, shared
 * ports), by name. */
json_t *dcs_index_needs_of_entries(const json_t *entries, const json_t *peers);

/* err->path becomes "<name>:<path>". */
void dcs_prefix_service(struct dcs_error *err, const char *name);

#endif
