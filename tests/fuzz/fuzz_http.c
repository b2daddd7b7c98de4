/* A request as the server reads it, up to the handler (http/dispatch.c
 * dcs_http_prepare): path, route, credentials, namespace, query, body;
 * then the JSON error it would answer.  Input: method, path?query,
 * Authorization and Content-Type on the first four lines, the body after. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "http/pool.h"
#include "http/serve.h"

static struct dcs_serve_config cfg;
static struct dcs_engine *eng;

/* The keys the requests are checked against, and an engine that is not
 * there (a token's secret is looked up there): once. */
static void setup(void)
{
    static const char keys[] = "alice:key-alice:other\nbob:sha256:"
        "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\n";
    struct dcs_engine_config ec;
    struct dcs_error err = {0};
    char path[] = "/tmp/dcs-fuzz-keys-XXXXXX";
    int fd = mkstemp(path);

    if (fd >= 0) {
        if (write(fd, keys, sizeof(keys) - 1) == (ssize_t)(sizeof(keys) - 1))
            dcs_http_set_auth(dcs_auth_load(path, &err));
        close(fd);
        unlink(path);
    }
    dcs_engine_config_init(&ec);
    dcs_engine_config_set_host(&ec, "unix:///nonexistent/dcs-fuzz.sock", 0, NULL, &err);
    ec.connect_timeout_ms = 100;
    eng = dcs_engine_new(&ec, &err);
    snprintf(cfg.public_url, sizeof(cfg.public_url), "http://127.0.0.1:8080");
}

/* The next line of the input (a new string), or NULL at its end. */
static char *line(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl;
    char *s;

    if (*p >= end)
        return NULL;
    nl = memchr(*p, '\n', (size_t)(end - *p));
    s = strndup((const char *)*p, (size_t)((nl ? nl : end) - *p));
    *p = nl ? nl + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    struct dcs_req *r = calloc(1, sizeof(*r));
    struct dcs_ctx c = {0};
    struct dcs_error err = {0};
    char *method = line(&p, end), *target = line(&p, end), *q;

    if (!eng)
        setup();
    if (!r) {
        free(method);
        free(target);
        return 0;
    }
    snprintf(r->method, sizeof(r->method), "%s", method ? method : "GET");
    free(method);
    r->path = target ? target : strdup("/");
    if (r->path && (q = strchr(r->path, '?'))) {
        *q = '\0';
        r->query = strdup(q + 1);
    }
    r->auth = line(&p, end);
    r->content_type = line(&p, end);
    r->body = strndup((const char *)p, p < end ? (size_t)(end - p) : 0);
    r->body_len = r->body ? strlen(r->body) : 0;
    c.eng = eng;
    c.cfg = &cfg;
    c.req = r;
    c.now = 1800000000;
    if (r->path && dcs_http_prepare(&c, &err))
        dcs_reply_error(r, &err);
    dcs_req_free(r);
    return 0;
}
