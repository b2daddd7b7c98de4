/*
 * cli.h - the dcswarm commands.  One file per command (cmd_<name>.c), each
 * exporting a `const struct dcs_cmd`; main.c holds the table.
 *
 * Exit statuses shared by all commands.
 */
#ifndef DCS_CLI_H
#define DCS_CLI_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

enum {
    DCS_EXIT_OK = 0,
    DCS_EXIT_INVALID = 1,   /* invalid input, or an operation failed */
    DCS_EXIT_USAGE = 2,     /* bad command line */
    DCS_EXIT_STRICT = 3,    /* --strict refused a lossy field */
    DCS_EXIT_ENGINE = 4,    /* the engine is unreachable */
    DCS_EXIT_NOT_MANAGER = 5 /* the engine is not a swarm manager */
};

struct dcs_cmd {
    const char *name;
    const char *summary;
    const char *usage; /* full help text */
    int (*run)(int argc, char **argv);
};

extern const struct dcs_cmd dcs_cmd_translate;
extern const struct dcs_cmd dcs_cmd_fields;

/* Read a whole file ("-" = stdin) into a malloc'd NUL-terminated buffer. */
char *dcs_read_file(const char *path, size_t *len, struct dcs_error *err);

/* The process environment as a JSON object (for stackfile interpolation). */
json_t *dcs_environ_json(void);

/* Print "dcswarm: <source>:<where>: <text>" for an error. */
void dcs_print_error(const char *source, const struct dcs_error *err);

/* Print warnings as "<source>:<service>:<field>: <message>" lines, or as
 * one JSON document when as_json. */
void dcs_print_warnings(const char *source, const json_t *warnings, int as_json);

/* Is argv[i] "--help" or "-h"? */
int dcs_wants_help(int argc, char **argv);

#endif
