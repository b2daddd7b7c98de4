/* schema_data.h - the JSON Schemas of schemas/, compiled in (build/gen/schemas.c). */
#ifndef DCS_SCHEMA_DATA_H
#define DCS_SCHEMA_DATA_H

struct dcs_schema_text {
    const char *name; /* file name without .json, e.g. "service-create" */
    const char *text; /* the file's bytes, NUL-terminated */
};

/* Terminated by {NULL, NULL}. */
extern const struct dcs_schema_text dcs_schema_texts[];

#endif
