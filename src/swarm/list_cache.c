/*
 * list_cache.c - list answers parsed element by element, each element text
 * parsed once: an element whose bytes are exactly those of an element seen
 * lately is the value parsed then (shared, read only), so that re-reading
 * 200 unchanged services costs a scan and a memcmp, not a parse.
 *
 * Nothing is answered from memory: the engine's answer is read every time
 * and every byte of each element is compared; parsing is a pure function of
 * those bytes.  The table belongs to one engine handle, so to one thread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "swarm/engine_int.h"

/* Entries not used by the last SW_MEMO_AGE parses are dropped; beyond
 * SW_MEMO_BYTES of text (the values take ~6 times that), everything not
 * used by the current parse, and if that is still too much, everything:
 * each worker keeps at most that, and a swarm whose lists are larger is
 * parsed in full every time, as without the memo. */
#define SW_MEMO_AGE 32
#define SW_MEMO_BYTES (4u * 1024u * 1024u)
#define SW_MEMO_SLOTS 1024u

struct memo_entry {
    uint64_t hash;
    size_t len;
    char *text;
    json_t *value;
    unsigned long used;         /* the parse that last used it */
    struct memo_entry *next;
};

struct sw_memo {
    struct memo_entry *slot[SW_MEMO_SLOTS];
    size_t bytes;
    unsigned long clock;
};

struct sw_memo *sw_memo_new(void)
{
    return calloc(1, sizeof(struct sw_memo));
}

static void entry_free(struct memo_entry *e)
{
    json_decref(e->value);
    free(e->text);
    free(e);
}

/* Drop the entries last used before `before`. */
static void sweep(struct sw_memo *m, unsigned long before)
{
    for (size_t i = 0; i < SW_MEMO_SLOTS; i++) {
        struct memo_entry **p = &m->slot[i];
        while (*p) {
            struct memo_entry *e = *p;
            if (e->used >= before) {
                p = &e->next;
                continue;
            }
            *p = e->next;
            m->bytes -= e->len;
            entry_free(e);
        }
    }
}

void sw_memo_free(struct sw_memo *m)
{
    if (!m)
        return;
    sweep(m, (unsigned long)-1);
    free(m);
}

/* 64-bit FNV-1a over 8-byte words (the tail a byte at a time). */
static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u, w;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0x100000001b3u;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h;
}

/* The value of the element text s[0..n), new reference: the one parsed
 * before for the same bytes, or parsed now.  NULL when s is not JSON. */
static json_t *element(struct sw_memo *m, const char *s, size_t n)
{
    uint64_t h = hash(s, n);
    struct memo_entry **head = &m->slot[h % SW_MEMO_SLOTS], *e;
    json_t *v;

    for (e = *head; e; e = e->next)
        if (e->hash == h && e->len == n && !memcmp(e->text, s, n)) {
            e->used = m->clock;
            return json_incref(e->value);
        }
    v = json_loadb(s, n, JSON_DECODE_ANY, NULL);
    if (!v)
        return NULL;
    e = calloc(1, sizeof(*e));
    if (e)
        e->text = malloc(n);
    if (!e || !e->text) {
        free(e);
        return v;               /* not remembered: still right */
    }
    memcpy(e->text, s, n);
    e->hash = h;
    e->len = n;
    e->value = json_incref(v);
    e->used = m->clock;
    e->next = *head;
    *head = e;
    m->bytes += n;
    return v;
}

static size_t skip_space(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* The end of the element starting at s[i]: the ',' or ']' after it at
 * depth 0, outside strings; n if there is none. */
static size_t element_end(const char *s, size_t i, size_t n)
{
    int depth = 0, in_string = 0;

    for (; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return i;
            depth--;
        } else if (c == ',' && depth == 0) {
            return i;
        }
    }
    return n;
}

/* Parse the array text s[0..n) element by element into a new array;
 * NULL when it is not a well-formed array (the caller then parses it whole
 * for the error). */
static json_t *split_parse(struct sw_memo *m, const char *s, size_t n)
{
    json_t *arr = json_array();
    size_t i = skip_space(s, 0, n);

    if (!arr || i >= n || s[i] != '[')
        goto bad;
    i = skip_space(s, i + 1, n);
    if (i < n && s[i] == ']') {
        if (skip_space(s, i + 1, n) != n)
            goto bad;
        return arr;
    }
    while (i < n) {
        size_t end = element_end(s, i, n), last = end;
        json_t *v;
        if (end >= n)
            goto bad;
        while (last > i && (s[last - 1] == ' ' || s[last - 1] == '\t' ||
                            s[last - 1] == '\n' || s[last - 1] == '\r'))
            last--;
        v = element(m, s + i, last - i);
        if (!v || json_array_append_new(arr, v))
            goto bad;
        if (s[end] == ']') {
            if (skip_space(s, end + 1, n) != n)
                goto bad;
            return arr;
        }
        i = skip_space(s, end + 1, n);
    }
bad:
    json_decref(arr);
    return NULL;
}

json_t *sw_memo_parse_array(struct sw_memo *m, const char *s, size_t n)
{
    json_t *arr;

    m->clock++;
    arr = split_parse(m, s, n);
    if (m->clock % 8 == 0)
        sweep(m, m->clock > SW_MEMO_AGE ? m->clock - SW_MEMO_AGE : 0);
    if (m->bytes > SW_MEMO_BYTES)
        sweep(m, m->clock);
    if (m->bytes > SW_MEMO_BYTES)
        sweep(m, (unsigned long)-1);
    return arr;
}
