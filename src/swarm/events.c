/*
 * events.c - GET /events followed for as long as the caller wants, through
 * broken connections: each reconnect asks the engine to replay from just
 * before the last event delivered (events_replay.c) and skips what was delivered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "swarm/engine_int.h"
#include "swarm/swarm.h"

#define DEFAULT_RETRIES 5
#define BACKOFF_FIRST_MS 100
#define BACKOFF_CAP_MS 5000
/* A connection that lived this long, or brought events, was a success:
 * the count of failures in a row starts again after it. */
#define HEALTHY_S 10

struct events_run {
    struct dcs_jsonsplit split;
    struct dcs_event_dedupe dedupe;
    dcs_json_fn fn;
    void *ctx;
    const struct dcs_events_opts *opts;
    long long floor_ns;     /* never ask for events before this, 0: unset */
    int connected;          /* the engine answered 2xx in this round */
    int delivered;          /* events given to fn in this round */
    int oom;
};

static int on_event(json_t *event, void *p)
{
    struct events_run *run = p;
    int rc = dcs_event_dedupe_admit(&run->dedupe, event);

    if (rc == 0)
        return 0;
    if (rc < 0) {
        run->oom = 1;
        return 1;
    }
    run->delivered++;
    return run->fn(event, run->ctx);
}

/* "seconds[.nanoseconds]" -> ns; 0 when it is not that. */
static long long since_ns(const char *s)
{
    long long sec = 0, frac = 0, scale = 1000000000LL;

    for (; *s >= '0' && *s <= '9'; s++)
        sec = sec * 10 + (*s - '0');
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++) {
            scale /= 10;
            frac += (*s - '0') * scale;
        }
    }
    return *s ? 0 : sec * 1000000000LL + frac;
}

static int events_open(const struct dcs_stream_head *head, void *p,
                       struct dcs_error *err)
{
    struct events_run *run = p;

    (void)err;
    run->connected = 1;
    if (run->floor_ns)
        return DCS_OK;
    /* The engine's clock, not ours: what it stamps events with. */
    if (run->opts->since)
        run->floor_ns = since_ns(run->opts->since);
    else
        run->floor_ns = (long long)(head->date ? head->date : time(NULL)) *
                        1000000000LL;
    return DCS_OK;
}

static int events_data(const char *buf, size_t len, void *p,
                       struct dcs_error *err)
{
    struct events_run *run = p;

    return dcs_jsonsplit_feed(&run->split, buf, len, err);
}

/* since= for the next connection: from before the last event delivered,
 * but never before what was asked for. */
static void next_since(const struct events_run *run, char *buf, size_t len)
{
    long long from = run->dedupe.max_ns - DCS_EVENT_DEDUPE_MARGIN_NS;

    if (!run->dedupe.max_ns || from < run->floor_ns)
        from = run->floor_ns;
    if (from > 0)
        snprintf(buf, len, "%lld.%09lld", from / 1000000000LL,
                 from % 1000000000LL);
    else
        snprintf(buf, len, "%s", run->opts->since ? run->opts->since : "");
}

static int add(char **path, const char *name, const char *value,
               struct dcs_error *err)
{
    char *escaped, *joined = NULL;

    if (!value || !*value)
        return DCS_OK;
    escaped = dcs_url_escape(value, err);
    if (!escaped)
        return DCS_ERR;
    if (asprintf(&joined, "%s&%s=%s", *path, name, escaped) < 0)
        joined = NULL;
    free(escaped);
    if (!joined)
        return sw_oom(err);
    free(*path);
    *path = joined;
    return DCS_OK;
}

static char *events_path(const json_t *filters, const char *since,
                         const char *until, struct dcs_error *err)
{
    char *query = dcs_filters_query(filters, err), *path = NULL;

    if (!query)
        return NULL;
    if (asprintf(&path, "/events?%s", query) < 0) {
        path = NULL;
        sw_oom(err);
    }
    free(query);
    if (path && (add(&path, "since", since, err) != DCS_OK ||
                 add(&path, "until", until, err) != DCS_OK)) {
        free(path);
        path = NULL;
    }
    return path;
}

static json_t *default_filters(struct dcs_error *err)
{
    json_t *f = NULL;

    if (dcs_filters_add(&f, "type", "service", err) != DCS_OK ||
        dcs_filters_add(&f, "type", "node", err) != DCS_OK ||
        dcs_filters_add(&f, "type", "container", err) != DCS_OK) {
        json_decref(f);
        return NULL;
    }
    return f;
}

/* What one connection came to, besides DCS_STOP and DCS_ERR. */
#define ROUND_RETRY 2     /* broke, or the engine closed it: reconnect */
#define ROUND_UNTIL 3     /* the engine ended it at `until`: done */

static int one_round(struct dcs_engine *eng, struct events_run *run,
                     const json_t *filters, const char *since,
                     struct dcs_error *last, struct dcs_error *err)
{
    struct dcs_stream_handler h = { events_open, events_data, run };
    char *path = events_path(filters, since, run->opts->until, err);
    int rc;

    if (!path)
        return DCS_ERR;
    run->connected = 0;
    run->delivered = 0;
    dcs_error_clear(last);
    rc = dcs_engine_stream(eng, path, 1, &h, last);
    free(path);
    if (run->oom)
        return sw_oom(err);
    if (rc == DCS_STOP)
        return DCS_STOP;
    if (rc == DCS_OK)
        return run->opts->until ? ROUND_UNTIL : ROUND_RETRY;
    /* Only a failed or broken connection is worth another try. */
    if (last->status == 502 || last->status == 504)
        return ROUND_RETRY;
    if (err)
        *err = *last;
    return DCS_ERR;
}

static int give_up(struct dcs_engine *eng, const struct dcs_error *last,
                   struct dcs_error *err)
{
    if (!last->status)
        return dcs_error_status(err, 502, NULL,
                                "the Docker engine at %s keeps closing the "
                                "event stream", eng->cfg.host);
    if (err)
        *err = *last;
    return DCS_ERR;
}

static int follow(struct dcs_engine *eng, struct events_run *run,
                  const json_t *filters, struct dcs_error *err)
{
    const struct dcs_events_opts *o = run->opts;
    int max = o->max_retries > 0 ? o->max_retries : DEFAULT_RETRIES;
    int failures = 0, rc;
    struct dcs_error last;
    char since[64];
    time_t began;
    long wait;

    snprintf(since, sizeof(since), "%s", o->since ? o->since : "");
    for (;;) {
        began = time(NULL);
        rc = one_round(eng, run, filters, since, &last, err);
        if (rc == ROUND_UNTIL)
            return DCS_OK;
        if (rc != ROUND_RETRY)
            return rc;
        if (run->connected &&
            (run->delivered || time(NULL) - began >= HEALTHY_S))
            failures = 0;
        if (++failures > max)
            return give_up(eng, &last, err);
        dcs_jsonsplit_reset(&run->split);
        next_since(run, since, sizeof(since));
        wait = BACKOFF_FIRST_MS << (failures < 7 ? failures - 1 : 6);
        if (sw_sleep(eng, wait < BACKOFF_CAP_MS ? wait : BACKOFF_CAP_MS) ==
            DCS_STOP)
            return DCS_STOP;
    }
}

int dcs_events_follow(struct dcs_engine *eng, const struct dcs_events_opts *opts,
                      dcs_json_fn fn, void *ctx, struct dcs_error *err)
{
    static const struct dcs_events_opts none;
    struct events_run run = { .fn = fn, .ctx = ctx };
    json_t *owned = NULL;
    const json_t *filters;
    int rc = DCS_ERR;

    run.opts = opts ? opts : &none;
    filters = run.opts->filters;
    if (!filters) {
        owned = default_filters(err);
        if (!owned)
            return DCS_ERR;
        filters = owned;
    }
    dcs_jsonsplit_init(&run.split, on_event, &run);
    dcs_event_dedupe_init(&run.dedupe);
    rc = follow(eng, &run, filters, err);
    dcs_jsonsplit_release(&run.split);
    dcs_event_dedupe_release(&run.dedupe);
    json_decref(owned);
    return rc;
}
