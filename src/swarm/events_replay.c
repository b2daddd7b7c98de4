/*
 * events_replay.c - which events were already delivered, so that the replay after
 * a reconnect (GET /events?since=...) repeats none of them.
 *
 * The engine replays every buffered event with timeNano >= since.  We ask
 * from one second before the newest event delivered, and remember each
 * event of that last second by its canonical JSON text.  The second of
 * margin matters: swarm events are stamped with the object's own update
 * time, so one can arrive after another that has a later stamp; asking
 * from exactly the newest stamp would lose it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swarm/stream.h"

void dcs_event_dedupe_init(struct dcs_event_dedupe *d)
{
    memset(d, 0, sizeof(*d));
}

void dcs_event_dedupe_release(struct dcs_event_dedupe *d)
{
    size_t i;

    for (i = 0; i < d->n; i++)
        free(d->seen[i].key);
    free(d->seen);
    dcs_event_dedupe_init(d);
}

static long long event_ns(const json_t *event)
{
    json_t *ns = json_object_get(event, "timeNano");
    json_t *s = json_object_get(event, "time");

    if (json_is_integer(ns))
        return (long long)json_integer_value(ns);
    if (json_is_integer(s))
        return (long long)json_integer_value(s) * 1000000000LL;
    return 0;
}

/* Forget what is older than the margin: it will not be replayed. */
static void forget_old(struct dcs_event_dedupe *d)
{
    long long horizon = d->max_ns - DCS_EVENT_DEDUPE_MARGIN_NS;
    size_t i, kept = 0;

    for (i = 0; i < d->n; i++) {
        if (d->seen[i].ns >= horizon)
            d->seen[kept++] = d->seen[i];
        else
            free(d->seen[i].key);
    }
    d->n = kept;
}

static int seen_before(const struct dcs_event_dedupe *d, long long ns,
                       const char *key)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        if (d->seen[i].ns == ns && !strcmp(d->seen[i].key, key))
            return 1;
    }
    return 0;
}

static int remember(struct dcs_event_dedupe *d, long long ns, char *key)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct dcs_event_seen *p = realloc(d->seen, cap * sizeof(*p));

        if (!p)
            return DCS_ERR;
        d->seen = p;
        d->cap = cap;
    }
    d->seen[d->n].ns = ns;
    d->seen[d->n].key = key;
    d->n++;
    if (ns > d->max_ns) {
        d->max_ns = ns;
        forget_old(d);
    }
    return DCS_OK;
}

int dcs_event_dedupe_admit(struct dcs_event_dedupe *d, const json_t *event)
{
    long long ns = event_ns(event);
    char *key;

    /* Older than anything that can be replayed: new by definition. */
    if (d->max_ns && ns < d->max_ns - DCS_EVENT_DEDUPE_MARGIN_NS)
        return 1;
    key = json_dumps(event, JSON_COMPACT | JSON_SORT_KEYS);
    if (!key)
        return DCS_ERR;
    if (seen_before(d, ns, key)) {
        free(key);
        return 0;
    }
    if (remember(d, ns, key) != DCS_OK) {
        free(key);
        return DCS_ERR;
    }
    return 1;
}

void dcs_event_dedupe_since(const struct dcs_event_dedupe *d, char *buf,
                            size_t len)
{
    long long from = d->max_ns - DCS_EVENT_DEDUPE_MARGIN_NS;

    if (!d->max_ns) {
        snprintf(buf, len, "%s", "");
        return;
    }
    if (from < 0)
        from = 0;
    snprintf(buf, len, "%lld.%09lld", from / 1000000000LL,
             from % 1000000000LL);
}
