/* strmap.c - strings to pointers in one table (strmap.h). */
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* FNV-1a. */
static size_t key_hash(const char *s)
{
    size_t h = 1469598103934665603u;

    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

/* The slot of key, or the free one where it would go. */
static struct dcs_strmap_slot *find(const struct dcs_strmap *m, const char *key)
{
    size_t i = key_hash(key) & (m->cap - 1);

    while (m->slot[i].key && strcmp(m->keys.data + m->slot[i].key - 1, key))
        i = (i + 1) & (m->cap - 1);
    return &m->slot[i];
}

const void *dcs_strmap_get(const struct dcs_strmap *m, const char *key)
{
    return m->cap ? find(m, key)->value : NULL;
}

/* Twice the slots, the keys where they go in the new table. */
static int grow(struct dcs_strmap *m)
{
    struct dcs_strmap bigger = {m->keys, NULL, m->cap ? 2 * m->cap : 64, m->used};

    if (!(bigger.slot = calloc(bigger.cap, sizeof(*bigger.slot))))
        return DCS_ERR;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slot[i].key)
            *find(&bigger, m->keys.data + m->slot[i].key - 1) = m->slot[i];
    free(m->slot);
    *m = bigger;
    return DCS_OK;
}

int dcs_strmap_add(struct dcs_strmap *m, const char *key, const void *value)
{
    struct dcs_strmap_slot *s;
    size_t at = m->keys.len, len = strlen(key) + 1;

    if (2 * (m->used + 1) > m->cap && grow(m))
        return DCS_ERR;
    if ((s = find(m, key))->key)
        return DCS_OK;
    dcs_strbuf_append(&m->keys, key, len);
    if (m->keys.failed)
        return DCS_ERR;
    s->key = at + 1;
    s->value = value;
    m->used++;
    return DCS_OK;
}

void dcs_strmap_release(struct dcs_strmap *m)
{
    dcs_strbuf_release(&m->keys);
    free(m->slot);
    memset(m, 0, sizeof(*m));
}
