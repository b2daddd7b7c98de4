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
#include <stdio.h>
#include <sys/stat.h>

#include "util/error.h"
#include "util/jsonw.h"
#include "translate/translate.h"

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
extern const struct dcs_cmd dcs_cmd_apply, dcs_cmd_report;
extern const struct dcs_cmd dcs_cmd_serve, dcs_cmd_keys, dcs_cmd_health;

/* Read a whole file ("-" = stdin) into a malloc'd NUL-terminated buffer;
 * more than max bytes is an error (a file's size is checked first). */
char *dcs_read_file(const char *path, size_t max, size_t *len, struct dcs_error *err);

/* A file read where translating asks (struct dcs_text_source), instead of
 * held whole: for inputs of DCS_REREAD_BYTES or more. */
struct dcs_file_source {
    struct dcs_text_source source;
    const char *path;
    int fd;
    size_t base;         /* where the text starts in it (standard input) */
    struct stat st;      /* as it was opened */
};

/* Inputs this large or larger are read again rather than held (the
 * environment's DCS_REREAD_BYTES, if set, instead). */
#define DCS_REREAD_BYTES ((size_t)32 << 20)

/* Open `path` ("-": standard input) as a source: 1 when it is a regular
 * file of at least DCS_REREAD_BYTES bytes, 0 when it is not to be read that
 * way (a pipe, a smaller file: use dcs_read_file), -1 with err. */
int dcs_file_source_open(struct dcs_file_source *fs, const char *path, size_t max,
                         struct dcs_error *err);

/* Was the file left as it was opened (size and time of its last change)?
 * DCS_OK, or DCS_ERR with err saying it changed. */
int dcs_file_source_unchanged(const struct dcs_file_source *fs, struct dcs_error *err);
void dcs_file_source_close(struct dcs_file_source *fs);

/* The process environment as a JSON object (for stackfile interpolation). */
json_t *dcs_environ_json(void);

/* Print "dcswarm: <source>:<where>: <text>" for an error. */
void dcs_print_error(const char *source, const struct dcs_error *err);

/* Print warnings as "<source>:<service>:<field>: <message>" lines, or as
 * one JSON document when as_json. */
void dcs_print_warnings(const char *source, const json_t *warnings, int as_json);

/*
 * A buffered writer for large outputs: JSON is dumped through jansson's
 * callback into the buffer (not one fwrite per token), and the buffer goes
 * to `to` whenever it passes 1 MB, or only at dcs_out_flush when hold is set
 * (--strict must see every warning before anything is written): held, it
 * goes to a temporary file instead (unlinked at once, in $TMPDIR or /tmp),
 * so that the output of 100,000 services is not in memory; in memory only
 * if no such file can be made.
 */
struct dcs_out {
    FILE *to;
    int hold;
    int failed;
    struct dcs_strbuf buf;
    FILE *held;      /* what hold kept so far, or NULL */
};

void dcs_out_write(struct dcs_out *o, const char *data, size_t len);
void dcs_out_puts(struct dcs_out *o, const char *s);
/* Dump v (JSON_INDENT(2) | JSON_SORT_KEYS), every line after the first
 * indented by `indent` more spaces, as if v sat that deep in a document. */
void dcs_out_json(struct dcs_out *o, const json_t *v, int indent);
/* Append JSON text as dcs_out_json would have written it. */
void dcs_out_text(struct dcs_out *o, const char *text, size_t len);
int dcs_out_flush(struct dcs_out *o);
void dcs_out_release(struct dcs_out *o);

/* Is any warning of class "approximate" or "kept" (what --strict refuses)? */
int dcs_warnings_lossy(const json_t *warnings);

/* What translate and apply share: the stack they read and how.  Their
 * getopt_long rows start with DCS_STACK_OPTIONS, and each option of them
 * goes to dcs_stack_option. */
struct dcs_stack_args {
    const char *file;
    int strict, no_interpolate;
    struct dcs_translate_opts opts;  /* opts.limits: &limits */
    struct dcs_input_limits limits;
};
/* Before dcs_stack_option: the defaults (the limits from DCSWARM_MAX_*). */
int dcs_stack_args_init(const char *cmd, struct dcs_stack_args *a);
#define DCS_OPT_LIMIT 0x100 /* --max-...: one of dcs_input_limit_set's */
#define DCS_STACK_OPTIONS                                                           \
    {"file", required_argument, NULL, 'f'}, {"stack", required_argument, NULL, 's'}, \
    {"strict", no_argument, NULL, 'S'}, {"namespace", required_argument, NULL, 'n'}, \
    {"input-format", required_argument, NULL, 'i'},                                  \
    {"no-interpolate", no_argument, NULL, 'I'},                                      \
    {"max-input", required_argument, NULL, DCS_OPT_LIMIT},                           \
    {"max-services", required_argument, NULL, DCS_OPT_LIMIT + 1},                    \
    {"max-string", required_argument, NULL, DCS_OPT_LIMIT + 2},                      \
    {"max-depth", required_argument, NULL, DCS_OPT_LIMIT + 3},                       \
    {"max-alias-nodes", required_argument, NULL, DCS_OPT_LIMIT + 4}
/* The help lines of the limits, for the commands' usage texts. */
#define DCS_LIMITS_USAGE                                                            \
    "      --max-input BYTES  input larger than this is refused (default 256 MiB)\n" \
    "      --max-services N   services in one input (default 100000)\n"             \
    "      --max-string BYTES one key or value (default 1 MiB)\n"                   \
    "      --max-depth N      mappings and lists within each other (default 1000)\n" \
    "      --max-alias-nodes N  values YAML aliases may copy (default 1000000)\n"    \
    "  (each also from DCSWARM_MAX_INPUT, DCSWARM_MAX_SERVICES, ...; the flag wins)\n"
/* Option c (its argument arg) of DCS_STACK_OPTIONS into a: 1 when taken,
 * 0 when c is not one of them, -1 on a bad value (said on stderr as
 * "dcswarm <cmd>: ..."). */
int dcs_stack_option(const char *cmd, int c, const char *arg, struct dcs_stack_args *a);

/* Is argv[i] "--help" or "-h"? */
int dcs_wants_help(int argc, char **argv);

#endif
