/*
 * docker_host.c - where the engine is: DOCKER_HOST and the TLS variables parsed
 * as the docker CLI parses them (docker/cli opts.ParseHost).  Pure apart
 * from the one getenv-like function dcs_engine_config_from_env() is given.
 */
#include "swarm/engine.h"

#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#define DEFAULT_TCP_PORT "2375"
#define DEFAULT_TLS_PORT "2376"

void dcs_engine_config_init(struct dcs_engine_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->host, sizeof(cfg->host), "unix://%s",
             DCS_ENGINE_DEFAULT_SOCKET);
    snprintf(cfg->url, sizeof(cfg->url), "http://localhost");
    snprintf(cfg->socket_path, sizeof(cfg->socket_path), "%s",
             DCS_ENGINE_DEFAULT_SOCKET);
    cfg->connect_timeout_ms = 10000;
    cfg->timeout_ms = 60000;
    cfg->update_attempts = 40;
}

/* snprintf into a config field, failing (400) rather than truncating. */
static int put(char *dst, size_t len, struct dcs_error *err, const char *what,
               const char *a, const char *b, const char *c)
{
    int n = snprintf(dst, len, "%s%s%s", a, b, c);

    if (n < 0 || (size_t)n >= len)
        return dcs_error_status(err, 400, NULL, "%s is too long", what);
    return DCS_OK;
}

static int parse_unix(struct dcs_engine_config *cfg, const char *given,
                      const char *path, struct dcs_error *err)
{
    struct sockaddr_un sun;

    if (strstr(path, "://"))
        return dcs_error_status(err, 400, NULL,
                                "invalid Docker host '%s'", given);
    if (!*path)
        path = DCS_ENGINE_DEFAULT_SOCKET;
    if (strlen(path) >= sizeof(sun.sun_path))
        return dcs_error_status(err, 400, NULL,
                                "the socket path in '%s' is longer than %zu "
                                "bytes", given, sizeof(sun.sun_path) - 1);
    cfg->tls = 0;
    if (put(cfg->socket_path, sizeof(cfg->socket_path), err, "the socket path",
            path, "", "") != DCS_OK ||
        put(cfg->host, sizeof(cfg->host), err, "the Docker host", "unix://",
            path, "") != DCS_OK)
        return DCS_ERR;
    return put(cfg->url, sizeof(cfg->url), err, "the URL", "http://localhost",
               "", "");
}

static int valid_port(const char *p, size_t n)
{
    unsigned long v = 0;
    size_t i;

    if (n == 0 || n > 5)
        return 0;
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

/* Split "host[:port]" or "[v6][:port]" of length n; host may be empty. */
static int split_authority(const char *a, size_t n, char *host, size_t hlen,
                           char *port, size_t plen)
{
    const char *colon;
    size_t h;

    if (n && a[0] == '[') {
        const char *close = memchr(a, ']', n);

        if (!close)
            return DCS_ERR;
        h = (size_t)(close - a) + 1;
        colon = (h < n) ? a + h : NULL;
        if (colon && *colon != ':')
            return DCS_ERR;
    } else {
        colon = memchr(a, ':', n);
        h = colon ? (size_t)(colon - a) : n;
        if (colon && memchr(colon + 1, ':', n - h - 1))
            return DCS_ERR;
    }
    if (h >= hlen)
        return DCS_ERR;
    memcpy(host, a, h);
    host[h] = '\0';
    port[0] = '\0';
    if (colon) {
        size_t p = n - h - 1;

        if (!valid_port(colon + 1, p) || p >= plen)
            return DCS_ERR;
        memcpy(port, colon + 1, p);
        port[p] = '\0';
    }
    return DCS_OK;
}

static int parse_tcp(struct dcs_engine_config *cfg, const char *given,
                     const char *scheme, const char *rest,
                     const char *default_port, struct dcs_error *err)
{
    char host[256], port[8], base[DCS_ENGINE_STR_LEN], authority[300];
    const char *slash = strchr(rest, '/');
    size_t alen = slash ? (size_t)(slash - rest) : strlen(rest);
    size_t blen;

    if (strstr(rest, "://") || strpbrk(rest, "?#@ ") ||
        split_authority(rest, alen, host, sizeof(host), port,
                        sizeof(port)) != DCS_OK)
        return dcs_error_status(err, 400, NULL,
                                "invalid Docker host '%s'", given);
    snprintf(base, sizeof(base), "%s", slash ? slash : "");
    blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        base[--blen] = '\0';
    snprintf(authority, sizeof(authority), "%s:%s",
             *host ? host : "localhost", *port ? port : default_port);
    cfg->socket_path[0] = '\0';
    if (put(cfg->host, sizeof(cfg->host), err, "the Docker host", scheme,
            authority, base) != DCS_OK)
        return DCS_ERR;
    return put(cfg->url, sizeof(cfg->url), err, "the URL",
               cfg->tls ? "https://" : "http://", authority, base);
}

static int set_tls_files(struct dcs_engine_config *cfg, const char *cert_dir,
                         struct dcs_error *err)
{
    if (!cert_dir || !*cert_dir)
        return dcs_error_status(err, 400, NULL,
                                "TLS is on for '%s' but no certificate "
                                "directory is known (set DOCKER_CERT_PATH)",
                                cfg->host);
    if (put(cfg->ca_file, sizeof(cfg->ca_file), err, "DOCKER_CERT_PATH",
            cert_dir, "/", "ca.pem") != DCS_OK ||
        put(cfg->cert_file, sizeof(cfg->cert_file), err, "DOCKER_CERT_PATH",
            cert_dir, "/", "cert.pem") != DCS_OK)
        return DCS_ERR;
    return put(cfg->key_file, sizeof(cfg->key_file), err, "DOCKER_CERT_PATH",
               cert_dir, "/", "key.pem");
}

static int parse_host(struct dcs_engine_config *cfg, const char *host,
                      struct dcs_error *err)
{
    const char *sep = strstr(host, "://");

    if (!sep)
        return parse_tcp(cfg, host, "tcp://", host, DEFAULT_TCP_PORT, err);
    if (!strncmp(host, "unix://", 7))
        return parse_unix(cfg, host, sep + 3, err);
    if (!strncmp(host, "tcp://", 6))
        return parse_tcp(cfg, host, "tcp://", sep + 3, DEFAULT_TCP_PORT, err);
    if (!strncmp(host, "http://", 7))
        return parse_tcp(cfg, host, "http://", sep + 3, DEFAULT_TCP_PORT, err);
    if (!strncmp(host, "https://", 8))
        return parse_tcp(cfg, host, "https://", sep + 3, DEFAULT_TLS_PORT,
                         err);
    return dcs_error_status(err, 400, NULL,
                            "unsupported Docker host '%s': expected "
                            "unix://PATH or tcp://HOST:PORT", host);
}

int dcs_engine_config_set_host(struct dcs_engine_config *cfg, const char *host,
                               int tls, const char *cert_dir,
                               struct dcs_error *err)
{
    if (!host || !*host)
        host = tls ? "tcp://localhost:" DEFAULT_TLS_PORT
                   : "unix://" DCS_ENGINE_DEFAULT_SOCKET;
    cfg->tls = tls || !strncmp(host, "https://", 8);
    cfg->ca_file[0] = cfg->cert_file[0] = cfg->key_file[0] = '\0';
    if (parse_host(cfg, host, err) != DCS_OK)
        return DCS_ERR;
    if (!cfg->tls)
        return DCS_OK;
    return set_tls_files(cfg, cert_dir, err);
}

static const char *env(dcs_getenv_fn getenv_fn, const char *name)
{
    const char *v = getenv_fn(name);

    return v ? v : "";
}

int dcs_engine_config_from_env(struct dcs_engine_config *cfg,
                               const char *engine_url, dcs_getenv_fn getenv_fn,
                               struct dcs_error *err)
{
    const char *host = engine_url && *engine_url
                           ? engine_url : env(getenv_fn, "DOCKER_HOST");
    /* As in docker/cli: any non-empty value, even "0", turns TLS on. */
    int tls = *env(getenv_fn, "DOCKER_TLS_VERIFY") != '\0';
    char home_dir[DCS_ENGINE_STR_LEN];
    const char *cert_dir = env(getenv_fn, "DOCKER_CERT_PATH");

    dcs_engine_config_init(cfg);
    if (!*cert_dir)
        cert_dir = env(getenv_fn, "DOCKER_CONFIG");
    if (!*cert_dir && *env(getenv_fn, "HOME")) {
        if (put(home_dir, sizeof(home_dir), err, "HOME",
                env(getenv_fn, "HOME"), "/.docker", "") != DCS_OK)
            return DCS_ERR;
        cert_dir = home_dir;
    }
    return dcs_engine_config_set_host(cfg, host, tls, cert_dir, err);
}
