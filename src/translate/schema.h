/*
 * schema.h - a JSON Schema (draft 7 subset) validator over jansson.
 *
 * Keywords: type (string or array), enum, const, properties, required,
 * additionalProperties (bool or schema), patternProperties, propertyNames,
 * items (one schema; the tuple form is refused), minItems, maxItems,
 * uniqueItems, minimum, maximum, exclusiveMinimum, exclusiveMaximum (draft 7
 * numbers), minLength, maxLength (in characters), pattern (POSIX ERE,
 * unanchored as in JSON Schema), anyOf, oneOf, allOf, not, $ref
 * ("#/definitions/..." or any "#/..." pointer into the same schema),
 * definitions, boolean schemas, and the annotations description, title,
 * $schema, $id, $comment, default, examples (ignored).
 *
 * A schema is checked whole before use: an unknown keyword, a keyword with
 * a wrong argument, an unresolvable $ref, a pattern regcomp refuses or that
 * uses \d (GNU ERE would read it as "d": write [0-9]), or a keyword beside
 * $ref (draft 7 would ignore it) fails dcs_schema_get / dcs_schema_check /
 * dcs_schema_validate with status 500 and a text such as
 *   schema service-create: unknown keyword "minimun" at #/properties/port
 * so that a schema can never silently stop checking something.
 *
 * Deliberate difference from draft 7: "integer" accepts JSON integers only,
 * not 80.0 (callers read values with json_integer_value()).
 *
 * Messages (status 400) name the JSON path of the instance -- `path` as a
 * prefix, then dotted keys and [i] indices -- and say what was expected and
 * what was found, as compact JSON cut to about 60 bytes with "...":
 *   container_ports[1].inner_port: expected integer 1-65535, got "80a"
 *   autorestart: expected one of "OFF", "ON_FAILURE", "ALWAYS", got "X"
 *   web: missing required field "image"          (path = the object)
 *   web.imgae: unknown field (did you mean "image"?)   (path = the key;
 *         otherwise "(allowed: ...)" when the schema has at most 8 fields)
 *   tags[2]: expected unique items, got "a" again (first at [0])
 *   web.Bad: invalid field name: expected ..., got "Bad"   (propertyNames)
 * The extension keyword "x-expected" (ignored by other validators) gives
 * the human wording of "expected ..." for a subschema, used when that
 * subschema's own value fails (not when a part inside it does); without it
 * the wording is derived from type, bounds, pattern and enum.  When every
 * alternative of anyOf/oneOf fails, the error of the alternative that got
 * deepest into the value is reported (at equal depth, one whose type
 * matched); if all fail on their type, "expected A or B, got ...".
 * Where several things are wrong, object fields are checked in the
 * instance's order (unknown fields as they come), then "required".
 *
 * Ownership and threads: the embedded schemas are parsed and compiled once
 * (pthread_once) and kept for the life of the process; callers never free
 * them, and any thread may validate concurrently.  A schema that is not one
 * of them (dcs_schema_validate with a caller's json_t) is compiled per call.
 */
#ifndef DCS_SCHEMA_H
#define DCS_SCHEMA_H

#include <jansson.h>

#include "util/error.h"

/* The parsed schema named `name` (e.g. "service-create"), borrowed; NULL
 * with err set if no such schema or it does not parse. */
const json_t *dcs_schema_get(const char *name, struct dcs_error *err);

/* Validate `instance` against `schema` (borrowed).  `path` prefixes the
 * reported JSON path (may be "" or NULL).  DCS_OK or DCS_ERR (err set). */
int dcs_schema_validate(const json_t *schema, const json_t *instance,
                        const char *path, struct dcs_error *err);

/* dcs_schema_get + dcs_schema_validate. */
int dcs_schema_check(const char *name, const json_t *instance,
                     const char *path, struct dcs_error *err);

#endif
