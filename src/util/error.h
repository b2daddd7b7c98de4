/*
 * error.h - the one error convention of dcswarm.
 *
 * Functions that can fail take a caller-allocated `struct dcs_error *err`
 * (which may be NULL) as their last argument, and
 *   - return DCS_OK (0) / DCS_ERR (-1) when they return int,
 *   - return NULL when they return a pointer,
 * filling *err on failure.  The struct is fixed-size and never freed, in the
 * manner of jansson's json_error_t.
 *
 * `path` names the offending field in the user's own vocabulary
 * (e.g. "web.container_ports[1].inner_port"); `text` says what was expected
 * and what was found, lower-case, without a full stop.  `line`/`column` are
 * 1-based positions in a text input (0 when unknown).  `status` is an HTTP
 * status that fits the failure (400 for bad input, 404, 409, 502, ...), so
 * that the REST front end and the CLI exit codes derive from one place.
 */
#ifndef DCS_ERROR_H
#define DCS_ERROR_H

#include <stddef.h>

#define DCS_OK 0
#define DCS_ERR (-1)

#define DCS_ERROR_PATH_LEN 256
#define DCS_ERROR_TEXT_LEN 1024

/* What a caller may act on, so that none reads `text` to decide: set
 * where an error enters from outside (the engine's answers: swarm/
 * response.c), DCS_E_NONE everywhere else. */
enum dcs_errc {
    DCS_E_NONE = 0,
    DCS_E_NOT_FOUND,          /* the engine has no such object (404) */
    DCS_E_CONFLICT,           /* a name or object exists already (409) */
    DCS_E_OUT_OF_SEQUENCE,    /* an update with a stale version index */
    DCS_E_NETWORK_NOT_FOUND,  /* a service names a network that is gone */
    DCS_E_TLS_EXPECTED        /* plain HTTP sent to a TLS engine */
};

struct dcs_error {
    int status;
    enum dcs_errc code;
    int line;
    int column;
    char path[DCS_ERROR_PATH_LEN];
    char text[DCS_ERROR_TEXT_LEN];
};

/* Reset *err to "no error" (status 0, empty strings).  NULL is accepted. */
void dcs_error_clear(struct dcs_error *err);

/*
 * Fill *err (when non-NULL) with status 400, the given path (may be NULL)
 * and a printf-formatted text.  Returns DCS_ERR so that callers can write
 * `return dcs_error_set(err, path, "...")`.
 */
int dcs_error_set(struct dcs_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As dcs_error_set, with an explicit HTTP-like status. */
int dcs_error_status(struct dcs_error *err, int status, const char *path,
                     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefix err->path with `prefix` (joined with '.' unless path starts with
 * '['), so that a nested failure reports its full location. */
void dcs_error_prefix_path(struct dcs_error *err, const char *prefix);

/* "path: text" (or just text), written into buf; returns buf. */
const char *dcs_error_format(const struct dcs_error *err, char *buf, size_t len);

#endif
