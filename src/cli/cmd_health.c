/* cmd_health.c - dcswarm health: a HEALTHCHECK for images without curl. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli/cli.h"

static const char usage_text[] =
    "usage: dcswarm health [--url URL] [--ready] [--timeout SECONDS]\n"
    "\n"
    "Ask a running 'dcswarm serve' whether it is alive (GET /_health: its loop\n"
    "answers), or with --ready whether it can serve (GET /_ready: the engine\n"
    "answers).  URL defaults to http://<DCSWARM_LISTEN>, else\n"
    "http://127.0.0.1:8080.  Prints the answer; exit status 0 when it is 200,\n"
    "1 otherwise (no answer, another status), 2 usage.\n";

static size_t keep(char *data, size_t size, size_t n, void *arg)
{
    struct dcs_strbuf *b = arg;

    dcs_strbuf_append(b, data, size * n);
    return size * n;
}

static int ask(const char *url, long timeout, struct dcs_strbuf *body, long *status,
               char *why, size_t why_len)
{
    CURL *c = curl_easy_init();
    CURLcode rc;

    if (!c) {
        snprintf(why, why_len, "cannot start libcurl");
        return DCS_ERR;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    else
        snprintf(why, why_len, "%s", curl_easy_strerror(rc));
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? DCS_OK : DCS_ERR;
}

static int run_health(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"url", required_argument, NULL, 'u'},
        {"ready", no_argument, NULL, 'r'},
        {"timeout", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0}};
    const char *listen = getenv("DCSWARM_LISTEN"), *base = NULL;
    struct dcs_strbuf body = {0};
    char root[1024], url[1100], why[256] = "";
    long status = 0, timeout = 5;
    bool ready = false;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'u': base = optarg; break;
        case 'r': ready = true; break;
        case 't': timeout = atol(optarg); break;
        default:
            fputs(usage_text, stderr);
            return DCS_EXIT_USAGE;
        }
    }
    if (optind < argc || timeout < 1) {
        fputs(usage_text, stderr);
        return DCS_EXIT_USAGE;
    }
    if (base)
        snprintf(root, sizeof(root), "%.*s", (int)strcspn(base, "?"), base);
    else
        snprintf(root, sizeof(root), "http://%s", listen && *listen ? listen : "127.0.0.1:8080");
    for (size_t n = strlen(root); n > 0 && root[n - 1] == '/'; n--)
        root[n - 1] = 0;
    snprintf(url, sizeof(url), "%s%s", root, ready ? "/_ready" : "/_health");
    if (ask(url, timeout, &body, &status, why, sizeof(why))) {
        fprintf(stderr, "dcswarm health: %s: %s\n", url, why);
        dcs_strbuf_release(&body);
        return DCS_EXIT_INVALID;
    }
    printf("%ld %.*s\n", status, (int)body.len, body.data ? body.data : "");
    dcs_strbuf_release(&body);
    return status == 200 ? DCS_EXIT_OK : DCS_EXIT_INVALID;
}

const struct dcs_cmd dcs_cmd_health = {
    .name = "health",
    .summary = "ask a running serve whether it is alive (or --ready)",
    .usage = usage_text,
    .run = run_health,
};
