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

#include "error.h"
#include "jsonw.h"
#include "translate/normalize.h"
#include "translate/translate.h"

/* Canonical services read back from their text (lean entries, see
 * dcs_translate_opts): the last few are kept, as a peer is often the
 * service translated just before (forward.c). */
#define DCS_SVC_CACHE_SLOTS 8
struct dcs_svc_cache {
    const json_t *text[DCS_SVC_CACHE_SLOTS];
    json_t *svc[DCS_SVC_CACHE_SLOTS];
    size_t next;
};

/* v (a canonical service, or its text) as an object, borrowed: valid until
 * DCS_SVC_CACHE_SLOTS more texts are read.  NULL if the text is unreadable. */
const json_t *dcs_svc_cache_get(struct dcs_svc_cache *c, const json_t *v);
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
    bool partial;             /* a PATCH body: no defaults, no name */
    json_t *spec;             /* the ServiceSpec being built */
    struct dcs_jbuf injected; /* names of env vars dcswarm added (links),
                                 as a compact JSON array without its "]" */
    json_t *warnings;
    struct dcs_jbuf *lines;   /* non-NULL: warnings go here as lines of */
    const char *lines_source; /* dcs_warning_lines instead */
};

/* Reverse state for one service. */
struct rev {
    const json_t *service;    /* the Engine service (ID, Spec, Endpoint...) */
    const json_t *spec;       /* its Spec */
    const json_t *kept;       /* dcswarm.spec label, parsed (object) */
    const json_t *injected;   /* dcswarm.link-env label, parsed (array) */
    const struct dcs_reverse_ctx *ctx;
    json_t *out;              /* the Docker Cloud object being built */
};

typedef int (*dcs_fwd_fn)(struct fwd *f, const json_t *value,
                          struct dcs_error *err);
typedef void (*dcs_rev_fn)(struct rev *r, const char *field);

struct dcs_field {
    const char *api;         /* Docker Cloud API name */
    const char *stackfile;   /* stackfile key(s), or NULL */
    const char *class_;      /* "exact", "approximate", "kept" */
    const char *swarm;       /* ServiceSpec path (or "dcswarm.spec label") */
    const char *note;        /* how it maps / what differs */
    bool always;             /* forward runs even when the field is absent */
    dcs_fwd_fn fwd;
    dcs_rev_fn rev;
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
void dcs_fwd_warn(struct fwd *f, const char *field, const char *class_,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const json_t *dcs_peer(const struct fwd *f, const char *ident);

/* ports.c, mounts.c, links.c */
int dcs_fwd_ports(struct fwd *f, const json_t *v, struct dcs_error *err);
void dcs_rev_ports(struct rev *r, const char *field);
int dcs_fwd_bindings(struct fwd *f, const json_t *v, struct dcs_error *err);
void dcs_rev_bindings(struct rev *r, const char *field);
json_t *dcs_mounts_for(const json_t *bindings, const char *swarm_name,
                       bool shared, const json_t *peers_or_null);
int dcs_fwd_links(struct fwd *f, const json_t *v, struct dcs_error *err);
void dcs_rev_links(struct rev *r, const char *field);
int dcs_fwd_net(struct fwd *f, const json_t *v, struct dcs_error *err);

/* Link variables a client linking to `target` under `alias` gets, as an
 * object name -> value (links.c). */
json_t *dcs_link_variables(const char *alias, const json_t *target);

/* "/var/lib/mysql" -> "var_lib_mysql": volume name part for a path. */
void dcs_path_slug(const char *path, char *out, size_t len);

#endif
