/* cmd_serve.c - dcswarm serve (the Docker Cloud REST API) and dcswarm keys. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "cli/cli.h"
#include "http/serve.h"
#include "util/ids.h"

static const char serve_usage[] =
    "usage: dcswarm serve [--listen HOST:PORT] [--stream-listen HOST:PORT]\n"
    "                     [--engine URL] [--keys FILE]\n"
    "                     [--public-domain DOMAIN] [--public-url URL] [--workers N]\n"
    "                     [--max-body BYTES] [--max-connections N] [--max-streams N]\n"
    "                     [--max-stream-buffer BYTES] [--max-ws-message BYTES]\n"
    "                     [--retention SECONDS] [--log-format text|json]\n"
    "                     [--registry-secret SECRET]\n"
    "                     [--insecure-no-auth]\n"
    "\n"
    "Serve Docker Cloud's REST API (services, containers, stacks, nodes, actions)\n"
    "and its Stream API (logs, events: WebSocket, or chunked JSON lines without\n"
    "an upgrade) on this swarm, for the docker-cloud CLI, python-dockercloud,\n"
    "go-dockercloud and curl.  Everything lives on the swarm: servers can be restarted or run\n"
    "side by side.  Each setting also comes from a DCSWARM_* variable (the flag\n"
    "wins):\n"
    "\n"
    "  --listen HOST:PORT    DCSWARM_LISTEN        default 127.0.0.1:8080\n"
    "  --stream-listen H:P   DCSWARM_STREAM_LISTEN a listener of its own for the\n"
    "                                              Stream API (it is served on\n"
    "                                              --listen too)\n"
    "  --engine URL          DCSWARM_ENGINE        default DOCKER_HOST, else\n"
    "                                              unix:///var/run/docker.sock\n"
    "  --keys FILE           DCSWARM_KEYS          USER:KEY[:NS,...] per line (KEY or\n"
    "                                              sha256:<hex>); re-read on SIGHUP\n"
    "  --public-domain D     DCSWARM_PUBLIC_DOMAIN public_dns = <name>.<ns>.svc.D\n"
    "  --public-url URL      DCSWARM_PUBLIC_URL    how containers reach this server\n"
    "                                              (DOCKERCLOUD_*_API_URL, and\n"
    "                                              DOCKERCLOUD_REST_HOST of services\n"
    "                                              with the global role)\n"
    "  --workers N           DCSWARM_WORKERS       engine requests at once (default 8)\n"
    "  --max-body BYTES      DCSWARM_MAX_BODY      larger bodies get 413 (default 1 MB)\n"
    "  --max-connections N   DCSWARM_MAX_CONNECTIONS  open at once; more wait to be\n"
    "                                              accepted (default 1024)\n"
    "  --max-streams N       DCSWARM_MAX_STREAMS   logs and events clients at once;\n"
    "                                              more get 503 (default 512)\n"
    "  --max-stream-buffer B DCSWARM_MAX_STREAM_BUFFER  held for a slow stream\n"
    "                                              reader; more is dropped (256 KiB)\n"
    "  --max-ws-message B    DCSWARM_MAX_WS_MESSAGE  a bigger WebSocket message from\n"
    "                                              a client closes it (64 KiB)\n"
    "  --retention SECONDS   DCSWARM_RETENTION     how long terminated services and\n"
    "                                              actions stay readable (default 3600)\n"
    "  --log-format F        DCSWARM_LOG_FORMAT    text (default), or json: one object\n"
    "                                              per line, a request's with its user\n"
    "                                              and action uuid\n"
    "  --registry-secret S   DCSWARM_REGISTRY_SECRET (or _FILE: a file holding it)\n"
    "                                              a registry's notifications to\n"
    "                                              /_registry/notifications with\n"
    "                                              Authorization: Bearer S redeploy\n"
    "                                              services with autoredeploy\n"
    "  --insecure-no-auth    DCSWARM_INSECURE_NO_AUTH=1  no keys, loopback only\n"
    "\n"
    "One line per request goes to stderr.  SIGTERM/SIGINT: finish the requests in\n"
    "flight, then exit.  Exit status: 0 after a signal, 1 bad settings or keys\n"
    "file, 2 usage.\n";

static const char keys_usage[] =
    "usage: dcswarm keys add USER [--namespace NS[,NS...]] [-f FILE]\n"
    "\n"
    "Make a random API key for USER, print it once on stdout, and append\n"
    "USER:sha256:<hash>[:NS,...] to FILE (default: DCSWARM_KEYS), so that the\n"
    "file never holds the key itself.  Send SIGHUP to dcswarm serve to load it.\n";

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

static int parse_listen(const char *s, char *host, size_t hostlen, int *portp)
{
    const char *colon = strrchr(s, ':');
    char *end;
    long port;

    if (!colon)
        return DCS_ERR;
    port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || colon == s)
        return DCS_ERR;
    snprintf(host, hostlen, "%.*s", (int)(colon - s), s);
    if (host[0] == '[') { /* [::1]:8080 */
        memmove(host, host + 1, strlen(host));
        host[strcspn(host, "]")] = '\0';
    }
    *portp = (int)port;
    return DCS_OK;
}

static int positive(const char *s, long max, long *out)
{
    char *end;

    *out = strtol(s, &end, 10);
    return *s && !*end && *out > 0 && *out <= max ? DCS_OK : DCS_ERR;
}

static bool loopback(const char *host)
{
    return !strcmp(host, "127.0.0.1") || !strcmp(host, "::1") || !strcmp(host, "localhost");
}

enum { OPT_LISTEN = 256, OPT_ENGINE, OPT_KEYS, OPT_DOMAIN, OPT_URL, OPT_WORKERS,
       OPT_MAXBODY, OPT_RETENTION, OPT_INSECURE, OPT_STREAM, OPT_MAXCONN, OPT_MAXSTREAMS,
       OPT_MAXSBUF, OPT_MAXWS, OPT_LOGFORMAT, OPT_REGISTRY };

struct settings {
    const char *listen, *stream, *engine, *keys, *domain, *url, *workers, *max_body, *retention;
    const char *max_conns, *max_streams, *max_sbuf, *max_ws, *log_format, *registry;
    bool insecure;
};

static int read_flags(int argc, char **argv, struct settings *s)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"stream-listen", required_argument, NULL, OPT_STREAM},
        {"engine", required_argument, NULL, OPT_ENGINE},
        {"keys", required_argument, NULL, OPT_KEYS},
        {"public-domain", required_argument, NULL, OPT_DOMAIN},
        {"public-url", required_argument, NULL, OPT_URL},
        {"workers", required_argument, NULL, OPT_WORKERS},
        {"max-body", required_argument, NULL, OPT_MAXBODY},
        {"max-connections", required_argument, NULL, OPT_MAXCONN},
        {"max-streams", required_argument, NULL, OPT_MAXSTREAMS},
        {"max-stream-buffer", required_argument, NULL, OPT_MAXSBUF},
        {"max-ws-message", required_argument, NULL, OPT_MAXWS},
        {"log-format", required_argument, NULL, OPT_LOGFORMAT},
        {"registry-secret", required_argument, NULL, OPT_REGISTRY},
        {"retention", required_argument, NULL, OPT_RETENTION},
        {"insecure-no-auth", no_argument, NULL, OPT_INSECURE},
        {NULL, 0, NULL, 0}};
    int c;

    s->listen = env_or("DCSWARM_LISTEN", "127.0.0.1:8080");
    s->stream = env_or("DCSWARM_STREAM_LISTEN", NULL);
    s->engine = env_or("DCSWARM_ENGINE", NULL);
    s->keys = env_or("DCSWARM_KEYS", NULL);
    s->domain = env_or("DCSWARM_PUBLIC_DOMAIN", "");
    s->url = env_or("DCSWARM_PUBLIC_URL", NULL);
    s->workers = env_or("DCSWARM_WORKERS", "8");
    s->max_body = env_or("DCSWARM_MAX_BODY", "1048576");
    s->retention = env_or("DCSWARM_RETENTION", "3600");
    s->max_conns = env_or("DCSWARM_MAX_CONNECTIONS", "1024");
    s->max_streams = env_or("DCSWARM_MAX_STREAMS", "512");
    s->max_sbuf = env_or("DCSWARM_MAX_STREAM_BUFFER", "262144");
    s->max_ws = env_or("DCSWARM_MAX_WS_MESSAGE", "65536");
    s->log_format = env_or("DCSWARM_LOG_FORMAT", "text");
    s->registry = env_or("DCSWARM_REGISTRY_SECRET", NULL);
    s->insecure = !strcmp(env_or("DCSWARM_INSECURE_NO_AUTH", "0"), "1");
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case OPT_LISTEN: s->listen = optarg; break;
        case OPT_STREAM: s->stream = optarg; break;
        case OPT_ENGINE: s->engine = optarg; break;
        case OPT_KEYS: s->keys = optarg; break;
        case OPT_DOMAIN: s->domain = optarg; break;
        case OPT_URL: s->url = optarg; break;
        case OPT_WORKERS: s->workers = optarg; break;
        case OPT_MAXBODY: s->max_body = optarg; break;
        case OPT_RETENTION: s->retention = optarg; break;
        case OPT_MAXCONN: s->max_conns = optarg; break;
        case OPT_MAXSTREAMS: s->max_streams = optarg; break;
        case OPT_MAXSBUF: s->max_sbuf = optarg; break;
        case OPT_MAXWS: s->max_ws = optarg; break;
        case OPT_LOGFORMAT: s->log_format = optarg; break;
        case OPT_REGISTRY: s->registry = optarg; break;
        case OPT_INSECURE: s->insecure = true; break;
        default: return DCS_ERR;
        }
    }
    return optind == argc ? DCS_OK : DCS_ERR;
}

/* --registry-secret, or the first line of $DCSWARM_REGISTRY_SECRET_FILE (a
 * swarm secret's path): a secret is better not in the environment. */
static int registry_secret(const char *given, char *out, size_t len, struct dcs_error *err)
{
    const char *file = env_or("DCSWARM_REGISTRY_SECRET_FILE", NULL);
    FILE *f;

    out[0] = 0;
    if (given) {
        snprintf(out, len, "%s", given);
    } else if (file) {
        if (!(f = fopen(file, "r")))
            return dcs_error_set(err, "DCSWARM_REGISTRY_SECRET_FILE", "cannot read '%s': %s",
                                 file, strerror(errno));
        if (!fgets(out, (int)len, f))
            out[0] = 0;
        fclose(f);
        out[strcspn(out, "\r\n")] = 0;
    }
    if ((given || file) && strlen(out) < 16)
        return dcs_error_set(err, "--registry-secret", "expected at least 16 characters");
    return DCS_OK;
}

static int configure(const struct settings *s, struct dcs_serve_config *cfg,
                     struct dcs_error *err)
{
    long n;

    memset(cfg, 0, sizeof(*cfg));
    if (parse_listen(s->listen, cfg->host, sizeof(cfg->host), &cfg->port))
        return dcs_error_set(err, "--listen", "expected HOST:PORT, got \"%s\"", s->listen);
    if (s->stream && parse_listen(s->stream, cfg->stream_host, sizeof(cfg->stream_host),
                                  &cfg->stream_port))
        return dcs_error_set(err, "--stream-listen", "expected HOST:PORT, got \"%s\"",
                             s->stream);
    if (positive(s->workers, 256, &n))
        return dcs_error_set(err, "--workers", "expected 1-256, got \"%s\"", s->workers);
    cfg->workers = (int)n;
    if (positive(s->max_body, 1L << 30, &n))
        return dcs_error_set(err, "--max-body", "expected a size in bytes, got \"%s\"",
                             s->max_body);
    cfg->max_body = (size_t)n;
    if (positive(s->max_conns, 1L << 20, &n))
        return dcs_error_set(err, "--max-connections", "expected 1-1048576, got \"%s\"",
                             s->max_conns);
    cfg->max_connections = (size_t)n;
    if (positive(s->max_streams, 1L << 20, &n))
        return dcs_error_set(err, "--max-streams", "expected 1-1048576, got \"%s\"",
                             s->max_streams);
    cfg->max_streams = (size_t)n;
    if (positive(s->max_sbuf, 1L << 30, &n) || n < 4096)
        return dcs_error_set(err, "--max-stream-buffer", "expected a size in bytes from "
                             "4096, got \"%s\"", s->max_sbuf);
    cfg->max_stream_buffer = (size_t)n;
    if (positive(s->max_ws, 1L << 30, &n) || n < 125)
        return dcs_error_set(err, "--max-ws-message", "expected a size in bytes from 125 "
                             "(a control frame), got \"%s\"", s->max_ws);
    cfg->max_ws_message = (size_t)n;
    if (strcmp(s->log_format, "text") && strcmp(s->log_format, "json"))
        return dcs_error_set(err, "--log-format", "expected text or json, got \"%s\"",
                             s->log_format);
    cfg->log_json = !strcmp(s->log_format, "json");
    if (registry_secret(s->registry, cfg->registry_secret, sizeof(cfg->registry_secret), err))
        return DCS_ERR;
    if (positive(s->retention, 1L << 30, &n))
        return dcs_error_set(err, "--retention", "expected seconds, got \"%s\"", s->retention);
    cfg->retention = (int)n;
    if (!s->keys && !s->insecure)
        return dcs_error_set(err, "--keys", "no keys file: give --keys FILE (or, for a "
                             "loopback test only, --insecure-no-auth)");
    if (s->insecure && (!loopback(cfg->host) || (s->stream && !loopback(cfg->stream_host))))
        return dcs_error_set(err, "--insecure-no-auth", "only on a loopback address, not %s",
                             cfg->host);
    cfg->insecure = s->insecure && !s->keys;
    snprintf(cfg->keys_file, sizeof(cfg->keys_file), "%s", s->keys ? s->keys : "");
    snprintf(cfg->public_domain, sizeof(cfg->public_domain), "%s", s->domain);
    if (s->url)
        snprintf(cfg->public_url, sizeof(cfg->public_url), "%s", s->url);
    else
        snprintf(cfg->public_url, sizeof(cfg->public_url), "http://%s:%d", cfg->host, cfg->port);
    cfg->public_url[strcspn(cfg->public_url, "\n")] = '\0';
    /* DOCKERCLOUD_STREAM_HOST of services with the global role. */
    if (s->stream && !s->url)
        snprintf(cfg->stream_url, sizeof(cfg->stream_url), "ws://%s:%d", cfg->stream_host,
                 cfg->stream_port);
    else if (!strncmp(cfg->public_url, "https://", 8))
        snprintf(cfg->stream_url, sizeof(cfg->stream_url), "wss://%s", cfg->public_url + 8);
    else
        snprintf(cfg->stream_url, sizeof(cfg->stream_url), "ws://%s",
                 cfg->public_url + (strncmp(cfg->public_url, "http://", 7) ? 0 : 7));
    return dcs_engine_config_from_env(&cfg->engine, s->engine, getenv, err);
}

static int run_serve(int argc, char **argv)
{
    struct settings s;
    struct dcs_serve_config *cfg = calloc(1, sizeof(*cfg));
    struct dcs_error err = {0};
    int rc = DCS_EXIT_INVALID;

    if (!cfg)
        return DCS_EXIT_INVALID;
    if (read_flags(argc, argv, &s)) {
        fputs(serve_usage, stderr);
        free(cfg);
        return DCS_EXIT_USAGE;
    }
    if (configure(&s, cfg, &err)) {
        dcs_print_error("serve", &err);
        goto out;
    }
    if (cfg->keys_file[0]) {
        struct dcs_auth *a = dcs_auth_load(cfg->keys_file, &err);
        char text[DCS_ERROR_PATH_LEN + DCS_ERROR_TEXT_LEN + 4];
        if (!a) {
            /* "FILE:LINE: what is wrong", as the reload on SIGHUP logs it. */
            fprintf(stderr, "dcswarm: serve: %s\n", dcs_error_format(&err, text, sizeof(text)));
            goto out;
        }
        dcs_http_set_auth(a);
    }
    if (dcs_http_serve(cfg, &err)) {
        dcs_print_error("serve", &err);
        goto out;
    }
    rc = DCS_EXIT_OK;
out:
    dcs_http_set_auth(NULL);
    free(cfg);
    return rc;
}

const struct dcs_cmd dcs_cmd_serve = {
    "serve", "serve the Docker Cloud REST API on this swarm", serve_usage, run_serve,
};

/* ---------------- dcswarm keys add ---------------- */

static int append_key(const char *file, const char *line, struct dcs_error *err)
{
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT, 0600);
    ssize_t n;

    if (fd < 0)
        return dcs_error_set(err, file, "cannot open: %s", strerror(errno));
    n = write(fd, line, strlen(line));
    close(fd);
    if (n != (ssize_t)strlen(line))
        return dcs_error_set(err, file, "cannot write");
    return DCS_OK;
}

static int run_keys(int argc, char **argv)
{
    static const struct option opts[] = {{"namespace", required_argument, NULL, 'n'},
                                         {"file", required_argument, NULL, 'f'},
                                         {NULL, 0, NULL, 0}};
    const char *file = getenv("DCSWARM_KEYS"), *ns = NULL, *user;
    unsigned char b[24];
    char key[64], hash[65], line[1024];
    struct dcs_error err = {0};
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
        if (c == 'n')
            ns = optarg;
        else if (c == 'f')
            file = optarg;
        else
            return fputs(keys_usage, stderr), DCS_EXIT_USAGE;
    }
    if (argc - optind != 2 || strcmp(argv[optind], "add") || !file || !*file)
        return fputs(keys_usage, stderr), DCS_EXIT_USAGE;
    user = argv[optind + 1];
    if (!*user || strpbrk(user, ": \t\n") || (ns && strpbrk(ns, ": \t\n")))
        return fputs(keys_usage, stderr), DCS_EXIT_USAGE;
    if (RAND_bytes(b, sizeof(b)) != 1)
        return DCS_EXIT_INVALID;
    for (size_t i = 0; i < sizeof(b); i++)
        snprintf(key + 2 * i, 3, "%02x", b[i]);
    dcs_sha256_hex(key, strlen(key), hash);
    snprintf(line, sizeof(line), "%s:sha256:%s%s%s\n", user, hash, ns ? ":" : "", ns ? ns : "");
    if (append_key(file, line, &err)) {
        dcs_print_error("keys", &err);
        return DCS_EXIT_INVALID;
    }
    printf("%s\n", key);
    return DCS_EXIT_OK;
}

const struct dcs_cmd dcs_cmd_keys = {
    "keys", "make API keys for dcswarm serve", keys_usage, run_keys,
};
