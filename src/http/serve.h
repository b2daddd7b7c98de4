/*
 * serve.h - dcswarm serve as the command sees it: the settings and the
 * entry points.  Every layer of src/http reads the settings (api.h
 * includes this header); nothing here calls into the layers.
 */
#ifndef DCS_SERVE_H
#define DCS_SERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "swarm/engine.h"

#define DCS_HTTP_DEFAULT_PORT 8080
#define DCS_HTTP_DEFAULT_MAX_BODY (1024 * 1024)
#define DCS_HTTP_DEFAULT_WORKERS 8
#define DCS_HTTP_DEFAULT_RETENTION 3600
#define DCS_HTTP_DEFAULT_MAX_CONNECTIONS 1024
#define DCS_HTTP_DEFAULT_MAX_STREAMS 512
#define DCS_HTTP_DEFAULT_MAX_STREAM_BUFFER (256 * 1024)
#define DCS_HTTP_DEFAULT_MAX_WS_MESSAGE (64 * 1024)

struct dcs_serve_config {
    char host[256];                 /* --listen host */
    int port;                       /* --listen port */
    char stream_host[256];          /* --stream-listen host, "" for none */
    int stream_port;
    struct dcs_engine_config engine;
    char keys_file[1024];           /* "" with insecure */
    bool insecure;                  /* --insecure-no-auth */
    char public_domain[256];        /* "" for none */
    char public_url[512];           /* how containers reach this server */
    char stream_url[512];
    int workers;
    size_t max_body;
    size_t max_connections;         /* open at once; more wait (docs/limits.md) */
    size_t max_streams;             /* logs and events clients at once; more: 503 */
    size_t max_stream_buffer;       /* bytes held for a slow stream reader */
    size_t max_ws_message;          /* a WebSocket message from a client */
    int retention;                  /* seconds Terminated records stay */
    bool log_json;                  /* --log-format json */
    char registry_secret[256];      /* --registry-secret, "" for none */
};

struct dcs_auth;

/* Load the keys file (docs/design.md §4); a malformed line fails with its
 * number.  secret (may be NULL) checks tokens issued to global services. */
struct dcs_auth *dcs_auth_load(const char *path, struct dcs_error *err);
void dcs_auth_free(struct dcs_auth *a);

int dcs_http_serve(const struct dcs_serve_config *cfg, struct dcs_error *err);
/* The auth state shared by the workers, replaced on SIGHUP. */
void dcs_http_set_auth(struct dcs_auth *a);
/* Re-read the keys file; keeps the old keys on error. */
int dcs_http_reload_auth(const char *path, struct dcs_error *err);

#endif
