/*
 * engine.c - the engine handle: creation, clones, cancellation, the test
 * hook.  One curl easy handle per engine handle, so each handle keeps one
 * connection for all its requests (request.c), plus, once concurrent
 * reads were asked for, a few more under a multi handle.
 */
#include "swarm/engine.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "swarm/engine_int.h"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int sw_oom(struct dcs_error *err)
{
    return dcs_error_status(err, 500, NULL, "out of memory");
}

/* ==================== handle ==================== */

void sw_lower_first(char *s)
{
    /* "Connection refused" -> "connection refused", but "SSL ..." stays. */
    if (isupper((unsigned char)s[0]) && !isupper((unsigned char)s[1]))
        s[0] = (char)tolower((unsigned char)s[0]);
}

void sw_os_reason(int errnum, char *out, size_t len)
{
    char buf[128];

    snprintf(out, len, "%s", strerror_r(errnum, buf, sizeof(buf)));
    sw_lower_first(out);
}

static int check_tls_file(const char *path, struct dcs_error *err)
{
    char why[128];

    if (access(path, R_OK) == 0)
        return DCS_OK;
    sw_os_reason(errno, why, sizeof(why));
    return dcs_error_status(err, 400, NULL,
                            "cannot read the TLS file '%s': %s", path, why);
}

static struct dcs_engine *engine_alloc(const struct dcs_engine_config *cfg,
                                       struct dcs_error *err)
{
    struct dcs_engine *eng = calloc(1, sizeof(*eng));
    struct curl_slist *h;

    if (!eng) {
        sw_oom(err);
        return NULL;
    }
    eng->cfg = *cfg;
    atomic_init(&eng->cancel, 0);
    eng->sockfd = CURL_SOCKET_BAD;
    pthread_mutex_init(&eng->sock_lock, NULL);
    eng->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)eng ^
                (unsigned)getpid();
    snprintf(eng->api_version, sizeof(eng->api_version), "%s",
             DCS_ENGINE_API_MAX);
    eng->curl = curl_easy_init();
    h = curl_slist_append(NULL, "Content-Type: application/json");
    /* No "Expect: 100-continue" round trip before a large spec. */
    eng->json_headers = h ? curl_slist_append(h, "Expect:") : NULL;
    if (!eng->json_headers)
        curl_slist_free_all(h);
    eng->last_warnings = json_array();
    if (!eng->curl || !eng->json_headers || !eng->last_warnings) {
        dcs_engine_free(eng);
        sw_oom(err);
        return NULL;
    }
    return eng;
}

struct dcs_engine *dcs_engine_new(const struct dcs_engine_config *cfg,
                                  struct dcs_error *err)
{
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        dcs_error_status(err, 500, NULL, "cannot initialise libcurl: %s",
                         curl_easy_strerror(global_rc));
        return NULL;
    }
    if (cfg->tls && (check_tls_file(cfg->ca_file, err) != DCS_OK ||
                     check_tls_file(cfg->cert_file, err) != DCS_OK ||
                     check_tls_file(cfg->key_file, err) != DCS_OK))
        return NULL;
    return engine_alloc(cfg, err);
}

struct dcs_engine *dcs_engine_open(const struct dcs_engine_config *cfg,
                                   struct dcs_error *err)
{
    struct dcs_engine *eng = dcs_engine_new(cfg, err);

    if (eng && dcs_engine_connect(eng, err) != DCS_OK) {
        dcs_engine_free(eng);
        return NULL;
    }
    return eng;
}

struct dcs_engine *dcs_engine_clone(const struct dcs_engine *eng,
                                    struct dcs_error *err)
{
    struct dcs_engine *copy = engine_alloc(&eng->cfg, err);

    if (copy)
        memcpy(copy->api_version, eng->api_version, sizeof(copy->api_version));
    return copy;
}

void dcs_engine_free(struct dcs_engine *eng)
{
    if (!eng)
        return;
    /* The multi handle's connections first: closing them calls back into
     * the helper handles that opened them. */
    if (eng->multi)
        curl_multi_cleanup(eng->multi);
    for (size_t i = 0; i < SW_PAR_MAX; i++)
        dcs_engine_free(eng->par[i]);
    sw_memo_free(eng->memo);
    if (eng->curl)
        curl_easy_cleanup(eng->curl);
    curl_slist_free_all(eng->json_headers);
    json_decref(eng->last_warnings);
    pthread_mutex_destroy(&eng->sock_lock);
    free(eng);
}

const char *dcs_engine_host(const struct dcs_engine *eng)
{
    return eng->cfg.host;
}

const char *dcs_engine_api_version(const struct dcs_engine *eng)
{
    return eng->api_version;
}

/* The flag alone is seen by curl's progress callback, which an idle
 * stream calls about once a second; shutting the socket down wakes the
 * transfer at once, so that a followed stream whose client left does not
 * keep the engine busy. */
void dcs_engine_cancel(struct dcs_engine *eng)
{
    atomic_store(&eng->cancel, 1);
    pthread_mutex_lock(&eng->sock_lock);
    if (eng->sockfd != CURL_SOCKET_BAD)
        shutdown(eng->sockfd, SHUT_RDWR);
    pthread_mutex_unlock(&eng->sock_lock);
}

void dcs_engine_drop_connection(struct dcs_engine *eng)
{
    if (eng->sockfd != CURL_SOCKET_BAD)
        shutdown(eng->sockfd, SHUT_RDWR);
}

const json_t *dcs_engine_last_warnings(const struct dcs_engine *eng)
{
    return eng->last_warnings;
}

/* ==================== shared helpers ==================== */

int sw_sleep(struct dcs_engine *eng, long ms)
{
    struct timespec slice = { 0, 0 };

    while (ms > 0) {
        long step = ms < 50 ? ms : 50;

        if (atomic_exchange(&eng->cancel, 0))
            return DCS_STOP;
        slice.tv_nsec = step * 1000000L;
        nanosleep(&slice, NULL);
        ms -= step;
    }
    return DCS_OK;
}
