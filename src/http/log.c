/* log.c - the server's log: one line on stderr per event, stamped in UTC,
 * whole lines from any thread. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "http/api.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void dcs_http_log(const char *fmt, ...)
{
    va_list ap;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "dcswarm: %s ", stamp);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    pthread_mutex_unlock(&log_lock);
}
