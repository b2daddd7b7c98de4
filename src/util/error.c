#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dcs_error_clear(struct dcs_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
}

static int error_vset(struct dcs_error *err, int status, const char *path,
                      const char *fmt, va_list ap)
{
    if (!err)
        return DCS_ERR;
    err->status = status;
    err->code = DCS_E_NONE;
    err->line = 0;
    err->column = 0;
    snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    return DCS_ERR;
}

int dcs_error_set(struct dcs_error *err, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, 400, path, fmt, ap);
    va_end(ap);
    return DCS_ERR;
}

int dcs_error_status(struct dcs_error *err, int status, const char *path,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, status, path, fmt, ap);
    va_end(ap);
    return DCS_ERR;
}

void dcs_error_prefix_path(struct dcs_error *err, const char *prefix)
{
    char joined[DCS_ERROR_PATH_LEN];

    if (!err || !prefix || !*prefix)
        return;
    if (!err->path[0])
        snprintf(joined, sizeof(joined), "%s", prefix);
    else if (err->path[0] == '[')
        snprintf(joined, sizeof(joined), "%s%s", prefix, err->path);
    else
        snprintf(joined, sizeof(joined), "%s.%s", prefix, err->path);
    memcpy(err->path, joined, sizeof(err->path));
}

const char *dcs_error_format(const struct dcs_error *err, char *buf, size_t len)
{
    if (err->path[0])
        snprintf(buf, len, "%s: %s", err->path, err->text);
    else
        snprintf(buf, len, "%s", err->text);
    return buf;
}
