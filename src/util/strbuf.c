/* strbuf.c - the growable byte buffer of strbuf.h. */
#include "util/strbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

/* Large enough that writing a service's spec rarely grows it twice. */
#define STRBUF_FIRST 4096

void dcs_strbuf_init(struct dcs_strbuf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
    b->failed = 0;
}

bool dcs_strbuf_grow(struct dcs_strbuf *b, size_t n)
{
    size_t cap = b->cap ? b->cap : STRBUF_FIRST;
    char *p;

    if (b->failed)
        return false;
    if (b->max && (n > b->max || b->len > b->max - n)) {
        errno = EFBIG;
        b->failed = 1;
        return false;
    }
    if (b->len + n + 1 <= b->cap)
        return true;
    while (cap < b->len + n + 1)
        cap *= 2;
    if (!(p = realloc(b->data, cap))) {
        errno = ENOMEM;
        b->failed = 1;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

int dcs_strbuf_append(struct dcs_strbuf *b, const void *p, size_t n)
{
    if (b->max && (n > b->max || b->len > b->max - n)) {
        errno = EFBIG;
        b->failed = 1;
        return DCS_ERR;
    }
    if (!dcs_strbuf_reserve(b, n))
        return DCS_ERR;
    if (n) /* p may be NULL then: memcpy must not see it */
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return DCS_OK;
}

void dcs_strbuf_consume(struct dcs_strbuf *b, size_t n)
{
    if (n >= b->len) {
        dcs_strbuf_clear(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void dcs_strbuf_clear(struct dcs_strbuf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data)
        b->data[0] = '\0';
}

void dcs_strbuf_release(struct dcs_strbuf *b)
{
    free(b->data);
    dcs_strbuf_init(b, b->max);
}
