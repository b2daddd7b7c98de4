/*
 * translate.h - Docker Cloud services <-> Docker Engine swarm ServiceSpecs
 * (Engine API v1.41).  Pure: no I/O, no clock, no randomness, no process
 * environment.  Everything the outside world would supply (the caller's
 * environment for stackfile interpolation, the namespace, uuids, the time,
 * the tasks of a running service) is an argument.
 *
 * The pipeline (one file per step):
 *   input.c      detect and load: create/PATCH body, service object, list
 *                export, stack body, stackfile YAML  -> raw service entries
 *   normalize.c  validate against schemas/ and bring every spelling (stackfile
 *                short syntaxes, Tutum names) to the canonical Docker Cloud
 *                API form
 *   fields.c     the field table: one row per Docker Cloud field, each with
 *                its class and a forward and a reverse converter
 *   forward.c    canonical service -> ServiceSpec (+ networks, warnings);
 *                what services need of each other (refs), and what
 *                translating would refuse, checked before any spec
 *   pipeline.c   a stack's services on several threads, specs handed over
 *                as text in input order
 *   reverse.c    ServiceSpec (+ tasks, labels) -> Docker Cloud service object
 *   links.c      link aliases and link environment variables
 *   compose.c    ServiceSpecs -> a compose 3.8 document for docker stack deploy
 *
 * Warnings are data: a JSON array of {"service", "field", "class",
 * "message"} objects; `field` is spelled as the user wrote it (stackfile
 * `mem_limit`, API `memory`).  Classes: "exact", "approximate", "kept".
 *
 * Ownership: every function returning json_t * returns a new reference;
 * json_t * arguments are borrowed unless the name ends in _new.
 */
#ifndef DCS_TRANSLATE_H
#define DCS_TRANSLATE_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "util/strbuf.h"

/* Labels dcswarm keeps on swarm services (docs/design.md §1). */
#define DCS_LABEL_UUID "dcswarm.uuid"
#define DCS_LABEL_NAMESPACE "dcswarm.namespace"
#define DCS_LABEL_SPEC "dcswarm.spec"
#define DCS_LABEL_NAME "dcswarm.name"
#define DCS_LABEL_STACK "dcswarm.stack"
#define DCS_LABEL_LINKENV "dcswarm.link-env"
#define DCS_LABEL_LIFECYCLE "dcswarm.lifecycle"
#define DCS_LABEL_STACK_NS "com.docker.stack.namespace"
#define DCS_DEFAULT_NETWORK "dcswarm_default"
/* After a service's name, the hostname a container of it gets when the
 * service sets none (replicated mode), <name>-<slot>: Docker Cloud's
 * container name, which swarm's DNS answers for on its networks, and what
 * serve tells it as DOCKERCLOUD_CONTAINER_HOSTNAME. */
#define DCS_HOSTNAME_SLOT "-{{.Task.Slot}}"

enum dcs_input_format {
    DCS_INPUT_AUTO = 0,
    DCS_INPUT_STACKFILE, /* docker-cloud.yml / tutum.yml / stackfile.yml */
    DCS_INPUT_CREATE,    /* POST .../service/ body */
    DCS_INPUT_PATCH,     /* PATCH .../service/<uuid>/ body */
    DCS_INPUT_SERVICE,   /* a service object as GET returns it */
    DCS_INPUT_LIST,      /* {"meta": ..., "objects": [...]} */
    DCS_INPUT_STACK      /* {"name": ..., "services": [...]} stack body */
};

/* Parse a --input-format word; -1 if unknown. */
int dcs_input_format_parse(const char *word);
const char *dcs_input_format_name(enum dcs_input_format f);

/*
 * How much an input may hold (docs/limits.md).  Past any of them the input
 * is refused (400) with a message naming the limit and the flag that
 * raises it, before memory grows with it: each is checked as the input is
 * read, never after.
 */
struct dcs_input_limits {
    size_t input_bytes;  /* --max-input: the text, aliases expanded */
    size_t services;     /* --max-services: services in one input */
    size_t string_bytes; /* --max-string: one key or value */
    size_t depth;        /* --max-depth: mappings and lists in each other */
    size_t alias_nodes;  /* --max-alias-nodes: values copied by aliases */
};

#define DCS_DEFAULT_MAX_INPUT ((size_t)256 << 20)
#define DCS_DEFAULT_MAX_SERVICES 100000
#define DCS_DEFAULT_MAX_STRING ((size_t)1 << 20)
#define DCS_DEFAULT_MAX_DEPTH 1000
#define DCS_DEFAULT_MAX_ALIAS_NODES 1000000

/* The defaults above. */
extern const struct dcs_input_limits dcs_input_limits_default;

/* Set the limit named by `flag` ("--max-services", ...) from a decimal
 * `value` (1 to 2^40).  0 when taken, 1 when flag is not a limit, -1 on a
 * bad value (err says which and what was expected). */
int dcs_input_limit_set(struct dcs_input_limits *lim, const char *flag, const char *value,
                        struct dcs_error *err);

/*
 * The input as its caller reads it, again and again: a file.  With
 * opts->text_source, dcs_load_services_source keeps of a stackfile's services
 * only where each one's text is (and what is checked across services),
 * never the whole text nor the services, and the dcs_forward functions
 * read and load a service again when they translate it: memory then does
 * not grow with the text of the services.  `read` may be called from
 * several threads at once; the text must not change meanwhile (a service
 * whose text changed is an error, found by a checksum).
 */
struct dcs_text_source {
    size_t len;
    /* Read `len` bytes at `at` into `into`: 0, or -1 with err set. */
    int (*read)(void *ctx, size_t at, size_t len, char *into, struct dcs_error *err);
    void *ctx;
};

struct dcs_translate_opts {
    enum dcs_input_format format;
    const char *source;    /* file name for messages ("-" for stdin) */
    const char *stack;     /* --stack NAME, or NULL */
    const char *namespace_; /* owning namespace, or NULL */
    const json_t *env;     /* interpolation environment (object), or NULL */
    /* dcs_load_services keeps each service as compact JSON text with its
     * keys sorted (a string in the entry's "service"), a tenth of the
     * memory of the object; the dcs_forward functions read it back one
     * service at a time, keys then in sorted order.  For large stacks
     * (10,000 services are 160 MB as objects) whose specs are written with
     * sorted keys: the compose output follows the order of labels. */
    int lean;
    /* Threads dcs_forward_each_text and dcs_load_services may use, the
     * caller's included (0 or 1: the caller's alone). */
    int threads;
    /* What the input may hold; NULL: dcs_input_limits_default. */
    const struct dcs_input_limits *limits;
    /* Where dcs_load_services_source reads the input, and the dcs_forward
     * functions its services again; NULL: the text given in memory. */
    const struct dcs_text_source *text_source;
};

/* The most threads opts->threads may ask for. */
#define DCS_MAX_THREADS 16

/*
 * Load `text` and bring every service in it to the canonical Docker Cloud
 * API form.  Returns a new array of entries
 *   {"name": <Docker Cloud name>, "format": "stackfile"|"api",
 *    "service": <canonical writable fields>, "readonly": <uuid, ... if the
 *    input was a service object>, and members of dcswarm's own}
 * ("service" is that object's compact text with opts->lean, "readonly"
 * then absent when empty).
 * Warnings produced while loading (interpolation, units) are appended to
 * `warnings`.  NULL on invalid input, err naming the field, and on input
 * that translating the entries (with the same opts) would refuse: what
 * dcs_forward_check finds.
 */
json_t *dcs_load_services(const char *text, size_t len,
                          const struct dcs_translate_opts *opts,
                          json_t *warnings, struct dcs_error *err);

/* dcs_load_services_unchecked of the text opts->text_source reads.  A plain
 * stackfile (what a part of it could not read differently alone: see
 * input.c) is read a part at a time, and each service is then kept as
 * where its text is in the input; anything else is read whole and loaded
 * as dcs_load_services_unchecked does. */
/* A stackfile's service kept as where its text is is an entry of its own
 * kind: the array [refs, where its text is (an integer)], read through
 * dcs_entry_name, dcs_entry_refs and dcs_entry_service (fields.h). */
json_t *dcs_load_services_source(const struct dcs_translate_opts *opts, json_t *warnings,
                                 struct dcs_error *err);

/* dcs_load_services but for its last step, dcs_forward_check: for a caller
 * that wants the warnings translating makes up to such an error. */
json_t *dcs_load_services_unchecked(const char *text, size_t len,
                                    const struct dcs_translate_opts *opts,
                                    json_t *warnings, struct dcs_error *err);

/* The first error translating the entries of dcs_load_services_unchecked
 * (dcs_forward, dcs_forward_each, dcs_forward_each_text, same opts) would
 * meet, in input order, found without translating them: DCS_ERR and err as
 * translating would report it, before any spec is made. */
int dcs_forward_check(const json_t *entries, const struct dcs_translate_opts *opts,
                      struct dcs_error *err);

/*
 * Forward: the loaded entries -> {"networks": [NetworkCreate bodies],
 * "services": [ServiceSpec]} in input order.  `uuids` (object name -> uuid,
 * may be NULL) overrides the uuid of a service; without one, a service that
 * came with a uuid keeps it and the others get dcs_uuid_for(stack, name).
 */
json_t *dcs_forward(const json_t *entries, const struct dcs_translate_opts *opts,
                    const json_t *uuids, json_t *warnings,
                    struct dcs_error *err);

/* Called with each ServiceSpec (borrowed; incref to keep it) and its index
 * in the input; a non-zero return stops the walk and is returned. */
typedef int (*dcs_spec_fn)(json_t *spec, size_t index, void *ctx);

/* dcs_forward, one service at a time, so a large stack never has all its
 * specs in memory at once.  The networks come from dcs_forward_networks. */
int dcs_forward_each(const json_t *entries, const struct dcs_translate_opts *opts,
                     const json_t *uuids, json_t *warnings, dcs_spec_fn emit,
                     void *ctx, struct dcs_error *err);

/* A spec dcs_forward_each_text made, handed over in input order. */
struct dcs_spec_text {
    const char *text;           /* as dcs_json_write(b, spec, 2, base) wrote,
                                   or how->render */
    size_t len;                 /* it: len bytes, not NUL-terminated */
    const char *warning_lines;  /* with lines_source: the service's warnings */
    size_t warning_len;
    size_t index;               /* in the input */
    const char *extra;          /* what how->render put aside, or "" */
    size_t extra_len;
};

/* The text of one spec in another form (a compose service, a Docker Cloud
 * object) into text, and what the whole document needs of it into extra;
 * run on the thread that made the spec.  `service` is the canonical
 * service it was made from (what its dcswarm.spec label holds), borrowed,
 * read-only. */
typedef int (*dcs_spec_render_fn)(const json_t *spec, const json_t *service,
                                  struct dcs_strbuf *text, struct dcs_strbuf *extra, void *ctx,
                                  struct dcs_error *err);

/* A non-zero return stops the walk and is returned. */
typedef int (*dcs_spec_text_fn)(const struct dcs_spec_text *spec, void *ctx);

struct dcs_each_text {
    int base;
    /* Non-NULL: the warnings of each service that translated come as lines
     * (dcs_warning_lines with this source) in spec->warning_lines, made on
     * the thread that translated it, and are not appended to `warnings`. */
    const char *lines_source;
    dcs_spec_text_fn emit;
    void *ctx;
    /* Non-NULL: run on a thread of its own while the others get ready and
     * start translating; nothing is handed over unless it returns DCS_OK,
     * else its error is what dcs_forward_each_text returns (gate_failed
     * set).  For checks that must pass before the first spec is written
     * (dcs_forward_check), at no cost in time. */
    int (*gate)(void *gate_ctx, struct dcs_error *err);
    void *gate_ctx;
    bool gate_failed;
    /* Non-NULL: each spec is handed over as render makes it, not as JSON. */
    dcs_spec_render_fn render;
    void *render_ctx;
};

/* dcs_forward_each, the specs as text, made on opts->threads threads:
 * warnings are appended to `warnings` (or given as lines) and the first
 * error (in input order) reported as dcs_forward_each would, with the
 * warnings of the service that failed appended to `warnings`. */
int dcs_forward_each_text(const json_t *entries, const struct dcs_translate_opts *opts,
                          const json_t *uuids, json_t *warnings,
                          struct dcs_each_text *how, struct dcs_error *err);

/* The NetworkCreate bodies the services of `entries` need (new array). */
json_t *dcs_forward_networks(const json_t *entries, const struct dcs_translate_opts *opts);

/* Forward one canonical service (as normalize produced it).  `peers` maps
 * every identifier a link or volumes_from may use (name, "name.stack", uuid,
 * resource URI) to the canonical service it names, this service included;
 * the network aliases this service needs (its own name in a stack, the link
 * names others give it) and whether others mount its volumes are read from
 * there.  May be NULL.  A body without "image" (PATCH) gives the spec
 * fragment of exactly the fields it has. */
json_t *dcs_forward_service(const json_t *service, const json_t *peers,
                            const struct dcs_translate_opts *opts,
                            const char *uuid, json_t *warnings,
                            struct dcs_error *err);

struct dcs_reverse_ctx {
    const char *api_prefix;    /* "/api/app/v1/" or "/api/v1/" */
    const char *namespace_;    /* namespace for resource URIs, or NULL */
    const char *public_domain; /* for public_dns / endpoint_uri, or NULL */
    const json_t *tasks;       /* the service's tasks (Engine JSON), or NULL */
    const json_t *stack_uri;   /* stack resource URI string, or NULL */
    /* The dcswarm.spec label already read (an object; borrowed, not
     * changed), or NULL: read from the label. */
    const json_t *kept;
};

/* Reverse: an Engine service (the object GET /services/{id} returns, or a
 * bare {"Spec": ServiceSpec}) -> the Docker Cloud service object with every
 * attribute of the reference, typed as documented. */
json_t *dcs_reverse(const json_t *engine_service,
                    const struct dcs_reverse_ctx *ctx, struct dcs_error *err);

/* The same object written into b, as dcs_json_write(b, object, indent,
 * base) writes it, its two largest members (calculated_envvars,
 * link_variables: some eighty variables) made as text, not values: for
 * translate -o cloud.  DCS_OK, or DCS_ERR with err. */
int dcs_reverse_write(struct dcs_strbuf *b, const json_t *engine_service,
                      const struct dcs_reverse_ctx *ctx, int indent, int base,
                      struct dcs_error *err);

/* Compose file (version 3.8) for `docker stack deploy`, from the forward
 * result; a new YAML text (malloc'd) or NULL. */
char *dcs_compose_yaml(const json_t *forward_result, const char *stack,
                       struct dcs_error *err);
/* The network of a compose file's services (out: len bytes). */
void dcs_compose_default_network(const char *stack, char *out, size_t len);
/* A dcs_spec_render_fn (default_net: dcs_compose_default_network's): the
 * service of spec as dcs_compose_yaml writes it under "services:", and, in
 * extra, the networks and volumes it adds to the end of the file, already
 * as YAML, in the order of first use (for dcs_compose_tail_add). */
int dcs_compose_render(const json_t *spec, const json_t *service, struct dcs_strbuf *text,
                       struct dcs_strbuf *extra, void *default_net, struct dcs_error *err);
/* What follows the services of a compose file, gathered from the extra of
 * each service dcs_compose_render wrote, in input order: the networks and
 * volumes they use, each once, in the order of first use. */
struct dcs_compose_tail;
struct dcs_compose_tail *dcs_compose_tail_new(void);
int dcs_compose_tail_add(struct dcs_compose_tail *t, const char *extra, size_t len,
                         struct dcs_error *err);
/* "networks" and "volumes" (those not empty) as YAML, handed to `put` a
 * piece at a time (nothing for none): DCS_OK, or DCS_ERR with err. */
typedef void (*dcs_text_fn)(void *ctx, const char *text, size_t len);
int dcs_compose_tail_write(const struct dcs_compose_tail *t, dcs_text_fn put, void *ctx,
                           struct dcs_error *err);
void dcs_compose_tail_free(struct dcs_compose_tail *t);

/* The uuid dcswarm gives a service that came without one: RFC 4122 shaped,
 * version 4 bits, derived from (namespace, stack, name) so that translating
 * the same file twice gives the same bytes.  Writes 37 bytes into out. */
void dcs_uuid_for(const char *namespace_, const char *stack, const char *name,
                  char out[37]);

/* Append `warnings` to b as lines "SOURCE:SERVICE:FIELD: MESSAGE\n". */
struct dcs_strbuf;
void dcs_warning_lines(struct dcs_strbuf *b, const char *source, const json_t *warnings);

/* The line dcs_warning_lines would write for the warning dcs_vwarn would
 * add, appended to b without making the warning object (none, where
 * dcs_vwarn would add none). */
void dcs_vwarn_line(struct dcs_strbuf *b, const char *source, const char *service,
                    const char *field, const char *class_, const char *fmt, va_list ap);

/* Append a warning object to `warnings` (may be NULL). */
void dcs_warn(json_t *warnings, const char *service, const char *field,
              const char *class_, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void dcs_vwarn(json_t *warnings, const char *service, const char *field,
               const char *class_, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/*
 * The field at a position of a text, for what the parsers report by
 * position alone (locate.c): "a.b[2].c" into out (size bytes, "" at the
 * top), valid UTF-8.  JSON: the byte offset the parser stopped at; YAML:
 * the 1-based line and column of the error.
 */
void dcs_json_path_at(const char *text, size_t len, size_t offset, char *out, size_t size);
void dcs_yaml_path_at(const char *text, size_t len, size_t line, size_t column, char *out,
                      size_t size);
/* json_loadb with duplicate keys refused, and a refusal told as the rest
 * of dcswarm tells it: err->path the field, err->text what was wrong in
 * our words, err->line and err->column where.  A new reference or NULL. */
json_t *dcs_json_parse(const char *text, size_t len, size_t flags, struct dcs_error *err);

#endif
