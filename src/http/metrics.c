/*
 * metrics.c - what GET /metrics tells Prometheus (text format 0.0.4),
 * written directly: requests by method, route template and status, and
 * their durations; engine calls by operation and status, and theirs;
 * actions by kind and final state; open streams and connections; build.
 *
 * Every label value comes from a bounded set (a route template, never a
 * uuid; an engine operation with its ids replaced), so the series stay few:
 * they are kept in one table under one lock, taken once per request.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/api.h"
#include "swarm/engine.h"

#define N_BUCKETS 12
static const double bucket_le[N_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                            0.5,   1,    2.5,   5,    10,  30};

enum family { REQUESTS, ENGINE, ACTIONS, N_FAMILIES };

struct series {
    enum family family;
    char labels[192];           /* name="value",... as written */
    char timing[160];           /* the labels of its duration histogram */
    unsigned long long count;
    unsigned long long bucket[N_BUCKETS];
    double sum;
};

static struct {
    pthread_mutex_t lock;
    struct series *s;
    size_t n, cap;
    time_t started;
} reg = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0};

/* A label value as the format wants it: \ " and newlines escaped. */
static void label_value(char *out, size_t size, const char *v)
{
    size_t o = 0;

    for (; v && *v && o + 3 < size; v++) {
        if (*v == '\\' || *v == '"' || *v == '\n') {
            out[o++] = '\\';
            out[o++] = *v == '\n' ? 'n' : *v;
        } else {
            out[o++] = *v;
        }
    }
    out[o] = 0;
}

/* The series of these labels, made on first use; lock held. */
static struct series *series_of(enum family f, const char *labels, const char *timing)
{
    struct series *s;

    for (size_t i = 0; i < reg.n; i++)
        if (reg.s[i].family == f && !strcmp(reg.s[i].labels, labels))
            return &reg.s[i];
    if (reg.n == reg.cap) {
        size_t cap = reg.cap ? reg.cap * 2 : 64;
        if (!(s = realloc(reg.s, cap * sizeof(*s))))
            return NULL;
        reg.s = s;
        reg.cap = cap;
    }
    s = &reg.s[reg.n++];
    memset(s, 0, sizeof(*s));
    s->family = f;
    snprintf(s->labels, sizeof(s->labels), "%s", labels);
    snprintf(s->timing, sizeof(s->timing), "%s", timing ? timing : "");
    return s;
}

static void observe(enum family f, const char *labels, const char *timing, double seconds)
{
    struct series *s;

    pthread_mutex_lock(&reg.lock);
    if ((s = series_of(f, labels, timing))) {
        s->count++;
        s->sum += seconds;
        for (int i = 0; i < N_BUCKETS; i++)
            s->bucket[i] += seconds <= bucket_le[i];
    }
    pthread_mutex_unlock(&reg.lock);
}

void dcs_metrics_request(const char *method, const char *route, int status, double seconds)
{
    char m[16], r[128], labels[192], timing[160];

    label_value(m, sizeof(m), method);
    label_value(r, sizeof(r), route);
    snprintf(labels, sizeof(labels), "method=\"%s\",route=\"%s\",status=\"%d\"", m, r, status);
    snprintf(timing, sizeof(timing), "method=\"%s\",route=\"%s\"", m, r);
    observe(REQUESTS, labels, timing, seconds);
}

/* The words of Engine API paths; any other segment is a name or an id. */
static bool engine_word(const char *seg, size_t n)
{
    static const char *const words[] = {
        "services", "tasks", "nodes", "networks", "configs", "secrets", "containers",
        "images", "volumes", "plugins", "distribution", "swarm", "system", "version", "info",
        "events", "_ping", "update", "logs", "json", "create", "inspect", "start", "stop",
        "kill", "remove", "delete", "prune", "connect", "disconnect", "exec", "df", NULL};

    for (int i = 0; words[i]; i++)
        if (strlen(words[i]) == n && !strncmp(words[i], seg, n))
            return true;
    return false;
}

/* An engine path with its ids, names and query taken out:
 * "POST /services/{id}/update". */
static void operation(char *out, size_t size, const char *method, const char *path)
{
    size_t o = (size_t)snprintf(out, size, "%s ", method), n;
    const char *p = path;

    if (!strncmp(p, "/v1.", 4) && strchr(p + 1, '/'))
        p = strchr(p + 1, '/');
    while (*p == '/' && o + 8 < size) {
        n = strcspn(p + 1, "/?");
        if (engine_word(p + 1, n))
            o += (size_t)snprintf(out + o, size - o, "/%.*s", (int)n, p + 1);
        else if (o < 6 || strcmp(out + o - 5, "/{id}"))
            o += (size_t)snprintf(out + o, size - o, "/{id}");
        p += n + 1;
    }
    out[o < size ? o : size - 1] = 0;
}

static void on_engine_call(const char *method, const char *path, long status, double seconds)
{
    char op[128], v[128], labels[192], timing[160], st[16];

    operation(op, sizeof(op), method, path);
    label_value(v, sizeof(v), op);
    if (status > 0)
        snprintf(st, sizeof(st), "%ld", status);
    else
        snprintf(st, sizeof(st), "error");
    snprintf(labels, sizeof(labels), "operation=\"%s\",status=\"%s\"", v, st);
    snprintf(timing, sizeof(timing), "operation=\"%s\"", v);
    observe(ENGINE, labels, timing, seconds);
}

void dcs_metrics_action(const char *action, const char *state)
{
    char a[64], s[32], labels[192];

    label_value(a, sizeof(a), action);
    label_value(s, sizeof(s), state);
    snprintf(labels, sizeof(labels), "action=\"%s\",state=\"%s\"", a, s);
    observe(ACTIONS, labels, NULL, 0);
}

void dcs_metrics_start(void)
{
    reg.started = time(NULL);
    dcs_engine_observe(on_engine_call);
}

/* ---- the text ---------------------------------------------------------- */

static const struct {
    const char *name, *help;
    bool histogram;
} family_of[N_FAMILIES] = {
    {"dcswarm_http_requests", "HTTP requests answered, by method, route template and status",
     true},
    {"dcswarm_engine_requests", "Docker Engine API calls, by operation and status", true},
    {"dcswarm_actions", "Docker Cloud actions this server saw end, by action and final state",
     false},
};

static void counters(struct dcs_strbuf *b, enum family f)
{
    char line[400];

    snprintf(line, sizeof(line), "# HELP %s_total %s\n# TYPE %s_total counter\n",
             family_of[f].name, family_of[f].help, family_of[f].name);
    dcs_strbuf_append(b, line, strlen(line));
    for (size_t i = 0; i < reg.n; i++)
        if (reg.s[i].family == f) {
            snprintf(line, sizeof(line), "%s_total{%s} %llu\n", family_of[f].name,
                     reg.s[i].labels, reg.s[i].count);
            dcs_strbuf_append(b, line, strlen(line));
        }
}

/* One histogram per timing label set: the series of its statuses summed. */
static void histograms(struct dcs_strbuf *b, enum family f)
{
    char line[400];
    const char *name = f == REQUESTS ? "dcswarm_http_request_duration_seconds"
                                     : "dcswarm_engine_request_duration_seconds";

    snprintf(line, sizeof(line), "# HELP %s How long they took\n# TYPE %s histogram\n", name,
             name);
    dcs_strbuf_append(b, line, strlen(line));
    for (size_t i = 0; i < reg.n; i++) {
        unsigned long long bucket[N_BUCKETS] = {0}, count = 0;
        double sum = 0;
        bool first = true;
        if (reg.s[i].family != f)
            continue;
        for (size_t j = 0; j < reg.n && first; j++)
            first = !(j < i && reg.s[j].family == f && !strcmp(reg.s[j].timing, reg.s[i].timing));
        if (!first)
            continue;
        for (size_t j = i; j < reg.n; j++) {
            if (reg.s[j].family != f || strcmp(reg.s[j].timing, reg.s[i].timing))
                continue;
            for (int k = 0; k < N_BUCKETS; k++)
                bucket[k] += reg.s[j].bucket[k];
            count += reg.s[j].count;
            sum += reg.s[j].sum;
        }
        for (int k = 0; k < N_BUCKETS; k++) {
            snprintf(line, sizeof(line), "%s_bucket{%s,le=\"%g\"} %llu\n", name,
                     reg.s[i].timing, bucket_le[k], bucket[k]);
            dcs_strbuf_append(b, line, strlen(line));
        }
        snprintf(line, sizeof(line), "%s_bucket{%s,le=\"+Inf\"} %llu\n%s_sum{%s} %.6f\n"
                 "%s_count{%s} %llu\n", name, reg.s[i].timing, count, name, reg.s[i].timing,
                 sum, name, reg.s[i].timing, count);
        dcs_strbuf_append(b, line, strlen(line));
    }
}

char *dcs_metrics_text(long streams, long connections)
{
    struct dcs_strbuf b = {0};
    char line[600];

    pthread_mutex_lock(&reg.lock);
    for (int f = 0; f < N_FAMILIES; f++) {
        counters(&b, (enum family)f);
        if (family_of[f].histogram)
            histograms(&b, (enum family)f);
    }
    pthread_mutex_unlock(&reg.lock);
    snprintf(line, sizeof(line),
             "# HELP dcswarm_stream_clients Logs and events streams open\n"
             "# TYPE dcswarm_stream_clients gauge\ndcswarm_stream_clients %ld\n"
             "# HELP dcswarm_connections Client connections open\n"
             "# TYPE dcswarm_connections gauge\ndcswarm_connections %ld\n"
             "# HELP dcswarm_start_time_seconds When this server started (Unix time)\n"
             "# TYPE dcswarm_start_time_seconds gauge\ndcswarm_start_time_seconds %lld\n"
             "# HELP dcswarm_build_info The running dcswarm\n# TYPE dcswarm_build_info gauge\n"
             "dcswarm_build_info{version=\"%s\",engine_api=\"1.41\"} 1\n",
             streams, connections, (long long)reg.started, DCS_VERSION);
    dcs_strbuf_append(&b, line, strlen(line));
    if (b.failed) {
        dcs_strbuf_release(&b);
        return NULL;
    }
    return b.data;
}
