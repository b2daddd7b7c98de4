/* log.c - the server's log: one line on stderr per event, stamped in UTC,
 * whole lines from any thread; as text, or as one JSON object per line
 * (--log-format json) for a log collector. */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "http/api.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static bool as_json; /* set once, before any thread logs */

void dcs_http_log_json(bool json)
{
    as_json = json;
}

static void stamp(char out[32])
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One JSON line: obj (consumed) with the time first. */
static void put_json(json_t *obj)
{
    char when[32], *text;
    json_t *line = json_object();

    stamp(when);
    json_object_set_new(line, "time", json_string(when));
    json_object_update(line, obj);
    json_decref(obj);
    text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (!text)
        return;
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s\n", text);
    pthread_mutex_unlock(&log_lock);
    free(text);
}

void dcs_http_log(const char *fmt, ...)
{
    va_list ap;
    char when[32], msg[1024];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (as_json) {
        put_json(json_pack("{s:s}", "msg", msg));
        return;
    }
    stamp(when);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "dcswarm: %s %s\n", when, msg);
    pthread_mutex_unlock(&log_lock);
}

void dcs_http_log_request(const char *method, const char *path, int status, double ms,
                          const char *user, const char *action_uuid, const char *note)
{
    json_t *obj;

    if (!as_json) {
        dcs_http_log("%s %s %d %.1f ms%s%s%s%s", method, path, status, ms,
                     action_uuid && *action_uuid ? " action " : "",
                     action_uuid ? action_uuid : "", note ? " " : "", note ? note : "");
        return;
    }
    obj = json_pack("{s:s, s:s, s:s, s:i, s:f}", "msg", "request", "method", method, "path",
                    path, "status", status, "ms", ms);
    if (user && *user)
        json_object_set_new(obj, "user", json_string(user));
    if (action_uuid && *action_uuid)
        json_object_set_new(obj, "action", json_string(action_uuid));
    if (note)
        json_object_set_new(obj, "stream", json_string(note));
    put_json(obj);
}
