/*
 * normalize.h - bring one service, as the user wrote it, to the canonical
 * Docker Cloud API form that forward.c translates and that the dcswarm.spec
 * label stores: API field names, ints for numbers and ports, booleans,
 * "tags" as [{"name"}], "image" tagged, upper-case enums, no nulls (an
 * absent key means "not set").  Validation against schemas/ happens here,
 * so every error names the field as the user spelled it.
 *
 * Ownership: results are new references; arguments borrowed.
 */
#ifndef DCS_NORMALIZE_H
#define DCS_NORMALIZE_H

#include <jansson.h>

#include "util/error.h"

enum dcs_api_kind { DCS_API_CREATE, DCS_API_PATCH, DCS_API_OBJECT };

/*
 * An API body (create, PATCH) or a service object.  For objects, the
 * read-only attributes (uuid, state, ...) are moved into a new object stored
 * in *readonly (when readonly is non-NULL).  For create and objects a
 * missing "name" defaults to the image's name.
 */
json_t *dcs_normalize_api(const json_t *raw, enum dcs_api_kind kind,
                          json_t **readonly, struct dcs_error *err);

/*
 * One stackfile service named `name`.  `env` (object or NULL) fills bare
 * environment names as the docker-cloud CLI did.  *spelling (when non-NULL)
 * receives a new object mapping canonical field -> the key the user wrote
 * (e.g. "memory" -> "mem_limit"), for messages.
 */
json_t *dcs_normalize_stackfile(const char *name, const json_t *raw,
                                const json_t *env, json_t **spelling,
                                json_t *warnings, struct dcs_error *err);

/* The user's spelling of canonical `field` (from a spelling map, or its
 * packed form, or itself). */
const char *dcs_spelling(const json_t *spelling, const char *field);

/* A spelling map packed into one string of "field\0key\0" pairs (new; NULL
 * when out of memory): a large stack keeps one per service, and a JSON
 * object of ten members is ten times the size. */
json_t *dcs_spelling_pack(const json_t *spelling);

#endif
