/*
 * request.c - one request or stream on the handle's curl easy handle.
 *
 * The easy handle is curl_easy_reset() before each transfer, which keeps
 * its live connection: a handle connects once and then reuses the
 * connection, with nothing renegotiated per request.  Every failure of the
 * transfer itself becomes one sentence naming the engine (502/504/499).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/strbuf.h"
#include "swarm/engine.h"
#include "swarm/engine_int.h"

#ifndef DCS_VERSION
#define DCS_VERSION "0"
#endif

/* What one curl_easy_perform() collects. */
struct transfer {
    struct dcs_engine *eng;
    struct dcs_strbuf body;        /* a normal answer, or any error answer */
    char content_type[128];
    time_t date;
    const struct dcs_stream_handler *handler;   /* NULL: normal request */
    struct dcs_error *err;
    int opened;                 /* handler->on_open has run */
    int stopped;                /* a handler callback returned DCS_STOP */
    int failed;                 /* a handler callback failed, err is set */
    int refused;                /* the answer did not fit: errno of why */
};

/* ==================== curl callbacks ==================== */

static int stream_open(struct transfer *t)
{
    struct dcs_stream_head head = { t->content_type, t->date };
    int rc;

    t->opened = 1;
    if (!t->handler->on_open)
        return DCS_OK;
    rc = t->handler->on_open(&head, t->handler->ctx, t->err);
    if (rc == DCS_STOP)
        t->stopped = 1;
    else if (rc != DCS_OK)
        t->failed = 1;
    return rc;
}

static long response_code(struct transfer *t)
{
    long status = 0;

    curl_easy_getinfo(t->eng->curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

/* Copy the value of header `name` from line into out when it is that one. */
static void header_value(const char *line, size_t len, const char *name,
                         char *out, size_t outlen)
{
    size_t n = strlen(name), v;

    if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
        return;
    line += n + 1;
    len -= n + 1;
    while (len && (*line == ' ' || *line == '\t')) {
        line++;
        len--;
    }
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
                   line[len - 1] == ' '))
        len--;
    v = len < outlen ? len : outlen - 1;
    memcpy(out, line, v);
    out[v] = '\0';
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *p)
{
    struct transfer *t = p;
    size_t len = size * nitems;
    char date[64] = "";
    long status;

    if (len >= 5 && !strncmp(buf, "HTTP/", 5)) {
        t->content_type[0] = '\0';
        t->date = 0;
        return len;
    }
    header_value(buf, len, "Content-Type", t->content_type,
                 sizeof(t->content_type));
    header_value(buf, len, "Date", date, sizeof(date));
    if (*date) {
        time_t d = curl_getdate(date, NULL);

        t->date = d > 0 ? d : 0;
    }
    /* The blank line ends the headers: a stream is open from here, which
     * tells an event follower it is connected before any event comes. */
    if (len <= 2 && t->handler && !t->opened) {
        status = response_code(t);
        if (status >= 200 && status <= 299 && stream_open(t) != DCS_OK)
            return 0;
    }
    return len;
}

static size_t keep_body(struct transfer *t, const char *buf, size_t len)
{
    if (dcs_strbuf_append(&t->body, buf, len) == DCS_OK)
        return len;
    t->refused = errno;
    return 0;
}

static size_t on_write(char *buf, size_t size, size_t nmemb, void *p)
{
    struct transfer *t = p;
    size_t len = size * nmemb;
    long status;
    int rc;

    if (!t->handler)
        return keep_body(t, buf, len);
    status = response_code(t);
    if (status < 200 || status > 299)
        return keep_body(t, buf, len);
    if (!t->opened && stream_open(t) != DCS_OK)
        return 0;
    rc = t->handler->on_data(buf, len, t->handler->ctx, t->err);
    if (rc == DCS_OK)
        return len;
    if (rc == DCS_STOP)
        t->stopped = 1;
    else
        t->failed = 1;
    return 0;
}

/* The socket of the handle's connection is known from its creation to its
 * close (CURLINFO_ACTIVESOCKET says nothing while a transfer runs), for
 * dcs_engine_drop_connection(). */
static int on_socket(void *p, curl_socket_t fd, curlsocktype purpose)
{
    struct dcs_engine *eng = p;

    if (purpose == CURLSOCKTYPE_IPCXN) {
        pthread_mutex_lock(&eng->sock_lock);
        eng->sockfd = fd;
        pthread_mutex_unlock(&eng->sock_lock);
    }
    return CURL_SOCKOPT_OK;
}

static int on_close_socket(void *p, curl_socket_t fd)
{
    struct dcs_engine *eng = p;

    pthread_mutex_lock(&eng->sock_lock);
    if (eng->sockfd == fd)
        eng->sockfd = CURL_SOCKET_BAD;
    pthread_mutex_unlock(&eng->sock_lock);
    return close(fd);
}

/* A helper handle of a concurrent read is cancelled with its parent. */
static atomic_int *cancel_flag(struct dcs_engine *eng)
{
    return eng->parent ? &eng->parent->cancel : &eng->cancel;
}

static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    struct transfer *t = p;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return atomic_load(cancel_flag(t->eng)) ? 1 : 0;
}

/* ==================== setup and errors ==================== */

static int set_method(CURL *c, struct dcs_engine *eng, const char *method,
                      const char *body)
{
    int bad = 0;

    if (!strcmp(method, "POST")) {
        bad |= curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "") !=
               CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
                                (long)(body ? strlen(body) : 0)) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, eng->json_headers) !=
               CURLE_OK;
    } else if (strcmp(method, "GET")) {
        bad |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK;
    }
    return bad ? DCS_ERR : DCS_OK;
}

static int set_tls(CURL *c, const struct dcs_engine_config *cfg)
{
    int bad = 0;

    if (!cfg->tls)
        return DCS_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSLCERT, cfg->cert_file) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSLKEY, cfg->key_file) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    return bad ? DCS_ERR : DCS_OK;
}

/* Timeouts: a whole normal request is bounded; a stream without follow must
 * keep moving; a followed stream may be idle for ever, so only TCP
 * keepalive (and cancellation) guards it. */
static int set_limits(CURL *c, const struct dcs_engine_config *cfg,
                      int stream, int follow)
{
    int bad = 0;

    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                            cfg->connect_timeout_ms) != CURLE_OK;
    if (!stream) {
        bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, cfg->timeout_ms) !=
               CURLE_OK;
    } else if (!follow) {
        bad |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                                (cfg->timeout_ms + 999) / 1000) != CURLE_OK;
    }
    bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 30L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 10L) != CURLE_OK;
    return bad ? DCS_ERR : DCS_OK;
}

static int set_callbacks(CURL *c, struct dcs_engine *eng, struct transfer *t)
{
    int bad = 0;

    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, eng->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "dcswarm/" DCS_VERSION) !=
           CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERDATA, t) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, t) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) !=
           CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, t) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SOCKOPTFUNCTION, on_socket) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SOCKOPTDATA, eng) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket) !=
           CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CLOSESOCKETDATA, eng) != CURLE_OK;
    return bad ? DCS_ERR : DCS_OK;
}

static int setup(struct dcs_engine *eng, struct transfer *t, const char *url,
                 const char *method, const char *body, int follow)
{
    CURL *c = eng->curl;

    curl_easy_reset(c);
    eng->errbuf[0] = '\0';
    if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
        (eng->cfg.socket_path[0] &&
         curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH,
                          eng->cfg.socket_path) != CURLE_OK) ||
        set_tls(c, &eng->cfg) != DCS_OK ||
        set_limits(c, &eng->cfg, t->handler != NULL, follow) != DCS_OK ||
        set_callbacks(c, eng, t) != DCS_OK ||
        set_method(c, eng, method, body) != DCS_OK)
        return sw_oom(t->err);
    return DCS_OK;
}

/* Why the transfer failed, in lower case: the system's word when there is
 * one ("connection refused"), else curl's. */
static void failure_reason(struct dcs_engine *eng, CURLcode rc, char *out,
                           size_t len)
{
    long oserr = 0;
    size_t n;

    curl_easy_getinfo(eng->curl, CURLINFO_OS_ERRNO, &oserr);
    if (oserr && (rc == CURLE_COULDNT_CONNECT || rc == CURLE_RECV_ERROR ||
                  rc == CURLE_SEND_ERROR))
        sw_os_reason((int)oserr, out, len);
    else if (eng->errbuf[0])
        snprintf(out, len, "%s", eng->errbuf);
    else
        snprintf(out, len, "%s", curl_easy_strerror(rc));
    n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '.'))
        out[--n] = '\0';
    sw_lower_first(out);
}

static int is_connect_failure(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
        return 1;
    default:
        return 0;
    }
}

static int transport_error(struct dcs_engine *eng, CURLcode rc,
                           struct dcs_error *err)
{
    const char *host = eng->cfg.host;
    curl_off_t pretransfer = 0;
    char why[CURL_ERROR_SIZE + 64];

    if (rc == CURLE_OUT_OF_MEMORY)
        return sw_oom(err);
    failure_reason(eng, rc, why, sizeof(why));
    /* No pretransfer time: the connection was never made. */
    curl_easy_getinfo(eng->curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    if (rc == CURLE_OPERATION_TIMEDOUT && pretransfer == 0)
        return dcs_error_status(err, 502, NULL,
                                "cannot reach the Docker engine at %s: no "
                                "connection within %ld ms", host,
                                eng->cfg.connect_timeout_ms);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return dcs_error_status(err, 504, NULL,
                                "the Docker engine at %s did not answer "
                                "within %ld ms", host, eng->cfg.timeout_ms);
    if (is_connect_failure(rc))
        return dcs_error_status(err, 502, NULL,
                                "cannot reach the Docker engine at %s: %s",
                                host, why);
    return dcs_error_status(err, 502, NULL,
                            "lost the connection to the Docker engine at %s: "
                            "%s", host, why);
}

/* ==================== perform ==================== */

/* What the transfer that ended with rc came to.  DCS_OK with the answer in
 * t, DCS_STOP, or DCS_ERR with t->err set.  The cancel flag is consumed,
 * except a parent's, which sw_request_all() resets once all its reads
 * ended. */
static int finish(struct dcs_engine *eng, struct transfer *t, CURLcode rc)
{
    int cancelled;

    if (t->failed)
        return DCS_ERR;
    if (t->stopped)
        return DCS_STOP;
    /* Cancelled: by the progress callback, or by the socket shut down
     * under the transfer (dcs_engine_cancel), which curl sees as a
     * broken connection.  A helper handle of a concurrent read leaves the
     * flag to its parent, which consumes it. */
    cancelled = rc != CURLE_OK &&
                (eng->parent ? atomic_load(cancel_flag(eng))
                             : atomic_exchange(&eng->cancel, 0));
    if (cancelled) {
        if (t->handler)
            return DCS_STOP;
        return dcs_error_status(t->err, 499, NULL,
                                "the request to the Docker engine at %s was "
                                "cancelled", eng->cfg.host);
    }
    if (rc == CURLE_WRITE_ERROR && t->refused == EFBIG)
        return dcs_error_status(t->err, 502, NULL,
                                "the Docker engine at %s sent an answer larger "
                                "than %zu bytes", eng->cfg.host, t->body.max);
    if (rc == CURLE_WRITE_ERROR && t->refused)
        return sw_oom(t->err);
    if (rc != CURLE_OK)
        return transport_error(eng, rc, t->err);
    return DCS_OK;
}

/* Run the prepared transfer on eng's own connection. */
static int perform(struct dcs_engine *eng, struct transfer *t)
{
    return finish(eng, t, curl_easy_perform(eng->curl));
}

static char *make_url(struct dcs_engine *eng, const char *path, int versioned,
                      struct dcs_error *err)
{
    char *url = NULL;
    int n;

    if (versioned)
        n = asprintf(&url, "%s/v%s%s", eng->cfg.url, eng->api_version, path);
    else
        n = asprintf(&url, "%s%s", eng->cfg.url, path);
    if (n < 0) {
        sw_oom(err);
        return NULL;
    }
    return url;
}

/* The answer in t parsed into *out; through memo (may be NULL) when the
 * answer is an array. */
static int parse_answer(struct dcs_engine *eng, struct transfer *t,
                        struct sw_memo *memo, json_t **out)
{
    json_error_t jerr;

    if (!out)
        return DCS_OK;
    *out = NULL;
    if (t->body.len == 0)
        return DCS_OK;
    if (memo)
        *out = sw_memo_parse_array(memo, t->body.data, t->body.len);
    if (!*out)
        *out = json_loadb(t->body.data, t->body.len, 0, &jerr);
    if (!*out)
        return dcs_error_status(t->err, 502, NULL,
                                "the Docker engine at %s sent invalid JSON: "
                                "%s", eng->cfg.host, jerr.text);
    return DCS_OK;
}

/* The answer of a request whose transfer ended with rc: a 2xx status,
 * its body parsed into *out. */
static int complete(struct dcs_engine *eng, struct transfer *t, CURLcode rc,
                    struct sw_memo *memo, json_t **out)
{
    long status;

    if (finish(eng, t, rc) != DCS_OK)
        return DCS_ERR;
    status = response_code(t);
    if (status < 200 || status > 299)
        return sw_engine_error(t->err, status, t->body.data, t->body.len);
    return parse_answer(eng, t, memo, out);
}

/* The memo of eng (the parent's for a helper handle), made on first use;
 * NULL without memory, which only means parsing everything. */
static struct sw_memo *memo_of(struct dcs_engine *eng)
{
    struct dcs_engine *owner = eng->parent ? eng->parent : eng;

    if (!owner->memo)
        owner->memo = sw_memo_new();
    return owner->memo;
}

static _Atomic(dcs_engine_observer) observer;

void dcs_engine_observe(dcs_engine_observer fn)
{
    atomic_store(&observer, fn);
}

static double since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int request(struct dcs_engine *eng, const char *method, const char *path,
                   int versioned, const json_t *body, int shared, json_t **out,
                   struct dcs_error *err)
{
    struct transfer t = { .eng = eng, .err = err };
    char *url = NULL, *text = NULL;
    int rc = DCS_ERR;
    dcs_engine_observer seen = atomic_load(&observer);
    struct timespec t0;
    long status = 0;

    if (out)
        *out = NULL;
    dcs_strbuf_init(&t.body, SW_MAX_BODY);
    url = make_url(eng, path, versioned, err);
    if (!url)
        goto out;
    if (body) {
        text = json_dumps(body, JSON_COMPACT);
        if (!text) {
            sw_oom(err);
            goto out;
        }
    }
    if (setup(eng, &t, url, method, text, 0) != DCS_OK)
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = complete(eng, &t, curl_easy_perform(eng->curl),
                  shared ? memo_of(eng) : NULL, out);
    if (seen) {
        curl_easy_getinfo(eng->curl, CURLINFO_RESPONSE_CODE, &status);
        seen(method, path, status, since(&t0));
    }
out:
    free(url);
    free(text);
    dcs_strbuf_release(&t.body);
    return rc;
}

int sw_request(struct dcs_engine *eng, const char *method, const char *path,
               int versioned, const json_t *body, json_t **out,
               struct dcs_error *err)
{
    return request(eng, method, path, versioned, body, 0, out, err);
}

int sw_get(struct dcs_engine *eng, const char *path, int shared, json_t **out,
           struct dcs_error *err)
{
    return request(eng, "GET", path, 1, NULL, shared, out, err);
}

/* ==================== concurrent reads ==================== */

/* The i-th helper handle of eng, made on first use, speaking eng's API
 * version; NULL and err set when out of memory. */
static struct dcs_engine *helper(struct dcs_engine *eng, size_t i,
                                 struct dcs_error *err)
{
    if (!eng->multi) {
        eng->multi = curl_multi_init();
        if (!eng->multi ||
            curl_multi_setopt(eng->multi, CURLMOPT_MAXCONNECTS,
                              (long)SW_PAR_MAX) != CURLM_OK) {
            sw_oom(err);
            return NULL;
        }
    }
    if (!eng->par[i]) {
        eng->par[i] = dcs_engine_clone(eng, err);
        if (!eng->par[i])
            return NULL;
        eng->par[i]->parent = eng;
    }
    memcpy(eng->par[i]->api_version, eng->api_version, sizeof(eng->api_version));
    return eng->par[i];
}

/* Start request i of a batch (a GET, or a POST of text): its transfer set
 * up and added to the multi. */
static int start_read(struct dcs_engine *eng, size_t i, const char *path,
                      const char *text, struct transfer *t, char **url)
{
    struct dcs_engine *h = helper(eng, i, t->err);

    if (!h)
        return DCS_ERR;
    t->eng = h;
    *url = make_url(h, path, 1, t->err);
    if (!*url || setup(h, t, *url, text ? "POST" : "GET", text, 0) != DCS_OK)
        return DCS_ERR;
    if (curl_multi_add_handle(eng->multi, h->curl) != CURLM_OK)
        return sw_oom(t->err);
    return DCS_OK;
}

/* Complete the reads that ended; each is parsed as soon as it is in, while
 * the others are still on their way. */
static int collect(struct dcs_engine *eng, size_t n, struct transfer *t,
                   int *running, const int *shared, json_t **outs)
{
    CURLMsg *m;
    int left, rc = DCS_OK;

    while ((m = curl_multi_info_read(eng->multi, &left))) {
        CURL *easy = m->easy_handle;
        CURLcode result = m->data.result;
        if (m->msg != CURLMSG_DONE)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (!running[i] || t[i].eng->curl != easy)
                continue;
            curl_multi_remove_handle(eng->multi, easy);
            running[i] = 0;
            if (complete(t[i].eng, &t[i], result,
                         shared && shared[i] ? memo_of(eng) : NULL,
                         &outs[i]) != DCS_OK)
                rc = DCS_ERR;
        }
    }
    return rc;
}

int sw_request_all(struct dcs_engine *eng, size_t n, const char *const *paths,
                   const json_t *const *posts, const int *shared, json_t **outs,
                   struct dcs_error *errs)
{
    struct transfer t[SW_PAR_MAX];
    char *urls[SW_PAR_MAX] = {0}, *texts[SW_PAR_MAX] = {0};
    int running[SW_PAR_MAX] = {0}, still = 0, rc = DCS_OK;
    CURLMcode mc = CURLM_OK;

    if (n > SW_PAR_MAX)
        return dcs_error_status(&errs[0], 500, NULL, "%zu concurrent reads "
                                "asked for, at most %d", n, SW_PAR_MAX);
    for (size_t i = 0; i < n; i++) {
        dcs_error_clear(&errs[i]);
        t[i] = (struct transfer){ .eng = eng, .err = &errs[i] };
        outs[i] = NULL;
        dcs_strbuf_init(&t[i].body, SW_MAX_BODY);
        if (posts && posts[i] && !(texts[i] = json_dumps(posts[i], JSON_COMPACT))) {
            rc = sw_oom(&errs[i]);
            continue;
        }
        if (start_read(eng, i, paths[i], texts[i], &t[i], &urls[i]) != DCS_OK)
            rc = DCS_ERR;
        else
            running[i] = 1;
    }
    do {
        mc = curl_multi_perform(eng->multi, &still);
        if (collect(eng, n, t, running, shared, outs) != DCS_OK)
            rc = DCS_ERR;
        if (mc == CURLM_OK && still)
            mc = curl_multi_poll(eng->multi, NULL, 0, 1000, NULL);
    } while (mc == CURLM_OK && still);
    for (size_t i = 0; i < n; i++) {
        if (running[i]) {
            curl_multi_remove_handle(eng->multi, t[i].eng->curl);
            dcs_error_status(&errs[i], 502, NULL, "lost the connection to "
                             "the Docker engine at %s: %s", eng->cfg.host,
                             curl_multi_strerror(mc));
            rc = DCS_ERR;
        }
        free(urls[i]);
        free(texts[i]);
        dcs_strbuf_release(&t[i].body);
    }
    for (size_t i = 0; i < n; i++)
        if (errs[i].status == 499)
            atomic_store(&eng->cancel, 0);
    return rc;
}

int dcs_engine_request(struct dcs_engine *eng, const char *method,
                       const char *path, const json_t *body, json_t **out,
                       struct dcs_error *err)
{
    return sw_request(eng, method, path, 1, body, out, err);
}

int dcs_engine_stream(struct dcs_engine *eng, const char *path, int follow,
                      const struct dcs_stream_handler *handler,
                      struct dcs_error *err)
{
    struct transfer t = { .eng = eng, .err = err, .handler = handler };
    char *url = NULL;
    long status;
    int rc = DCS_ERR;

    dcs_strbuf_init(&t.body, 1024 * 1024);
    url = make_url(eng, path, 1, err);
    if (!url || setup(eng, &t, url, "GET", NULL, follow) != DCS_OK)
        goto out;
    rc = perform(eng, &t);
    if (rc != DCS_OK)
        goto out;
    status = response_code(&t);
    if (status < 200 || status > 299) {
        rc = sw_engine_error(err, status, t.body.data, t.body.len);
        goto out;
    }
    if (!t.opened)
        rc = stream_open(&t);
out:
    free(url);
    dcs_strbuf_release(&t.body);
    return rc;
}

