/*
 * engine_int.h - what the files of src/swarm share and nobody else sees:
 * the engine handle's insides and small request helpers.
 */
#ifndef DCS_SWARM_ENGINE_INT_H
#define DCS_SWARM_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <curl/curl.h>
#include <jansson.h>

#include "util/error.h"
#include "swarm/engine.h"

/* A response body larger than this is refused (500 services are ~2 MB). */
#define SW_MAX_BODY (256u * 1024u * 1024u)

/* The most reads one dcs_engine_get_all() batch runs at once. */
#define SW_PAR_MAX 4

struct dcs_engine {
    struct dcs_engine_config cfg;
    CURL *curl;
    struct curl_slist *json_headers;
    char api_version[16];
    char errbuf[CURL_ERROR_SIZE];
    atomic_int cancel;
    curl_socket_t sockfd;       /* the live connection's socket, or BAD */
    /* Guards sockfd between curl's thread (open, close) and a canceller's
     * shutdown(), so that a closed and reused descriptor is never shut. */
    pthread_mutex_t sock_lock;
    unsigned int seed;          /* rand_r() state for backoff jitter */
    json_t *last_warnings;
    /* Concurrent reads (sw_request_all): handles of their own, made on
     * first use, whose connections the multi handle keeps between batches;
     * a helper handle's parent is the handle it reads for (its cancel
     * flag is the parent's). */
    CURLM *multi;
    struct dcs_engine *par[SW_PAR_MAX];
    struct dcs_engine *parent;
    struct sw_memo *memo;       /* shared reads (list_cache.c), made on first use */
};

/* ==================== list_cache.c ==================== */

struct sw_memo;

struct sw_memo *sw_memo_new(void);
void sw_memo_free(struct sw_memo *m);

/* The JSON array text s[0..n) parsed, each element the value remembered
 * for the same bytes if there is one (shared: read only), new reference;
 * NULL when s is not a JSON array. */
json_t *sw_memo_parse_array(struct sw_memo *m, const char *s, size_t n);

/* dcs_engine_request(), with or without the /vX.Y prefix (GET /version is
 * asked before a version is chosen). */
int sw_request(struct dcs_engine *eng, const char *method, const char *path,
               int versioned, const json_t *body, json_t **out,
               struct dcs_error *err);

/* GET each of paths[0..n-1] (n <= SW_PAR_MAX; POST posts[i] instead where
 * posts and posts[i] are not NULL) at the same time, each on a connection
 * of its own: outs[i] and errs[i] as dcs_engine_request() would give them
 * (parsed through the memo where shared[i]).  DCS_OK when every request
 * succeeded. */
int sw_request_all(struct dcs_engine *eng, size_t n, const char *const *paths,
                   const json_t *const *posts, const int *shared, json_t **outs,
                   struct dcs_error *errs);

/* GET path (versioned); with shared, an array answer is parsed through
 * eng's memo (sw_memo_parse_array). */
int sw_get(struct dcs_engine *eng, const char *path, int shared, json_t **out,
           struct dcs_error *err);

/* Lower-case the first letter of a sentence unless it starts an acronym. */
void sw_lower_first(char *s);

/* strerror(3) in lower case, as error texts are; thread-safe. */
void sw_os_reason(int errnum, char *out, size_t len);

/* dcs_error_status(err, 500, ...) for a failed allocation. */
int sw_oom(struct dcs_error *err);

/* Report a non-2xx answer: the engine's message from body (JSON
 * {"message": ...} or text), without the gRPC prefix. */
int sw_engine_error(struct dcs_error *err, long status, const char *body,
                    size_t len);

/* "<prefix>/<escaped id><suffix>", malloc'd. */
char *sw_object_path(const char *prefix, const char *id, const char *suffix,
                     struct dcs_error *err);

/* GET prefix[?filters=...], the answer an array; new reference. */
json_t *sw_get_list(struct dcs_engine *eng, const char *prefix,
                    const json_t *filters, struct dcs_error *err);

/* GET/DELETE prefix/<escaped id>; *out as in dcs_engine_request(). */
int sw_object_request(struct dcs_engine *eng, const char *method,
                      const char *prefix, const char *id, json_t **out,
                      struct dcs_error *err);

/* The string member key of an object answer, copied; 502 when missing. */
char *sw_take_id(struct dcs_engine *eng, const json_t *answer, const char *key,
                 struct dcs_error *err);

/* Warnings of a create/update answer ("Warnings" array and/or "Warning"
 * string) as a new array; stored in eng->last_warnings too. */
json_t *sw_collect_warnings(struct dcs_engine *eng, const json_t *answer,
                            struct dcs_error *err);

/* Sleep about ms milliseconds, ending early if eng is cancelled.  Returns
 * DCS_STOP when cancelled (the flag is consumed). */
int sw_sleep(struct dcs_engine *eng, long ms);

/* 1 if the API version in use is at least major.minor. */
int sw_api_at_least(const struct dcs_engine *eng, int major, int minor);

#endif
