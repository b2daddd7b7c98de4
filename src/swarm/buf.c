/* buf.c - the capped growable buffer of buf.h. */
#include "swarm/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"

void dcs_buf_init(struct dcs_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static int buf_grow(struct dcs_buf *b, size_t need)
{
    size_t cap = b->cap ? b->cap : 256;
    char *p;

    while (cap < need + 1)
        cap *= 2;
    p = realloc(b->data, cap);
    if (!p) {
        errno = ENOMEM;
        return DCS_ERR;
    }
    b->data = p;
    b->cap = cap;
    return DCS_OK;
}

int dcs_buf_append(struct dcs_buf *b, const void *p, size_t n)
{
    if (n > b->max || b->len > b->max - n) {
        errno = EFBIG;
        return DCS_ERR;
    }
    if (b->len + n + 1 > b->cap && buf_grow(b, b->len + n) != DCS_OK)
        return DCS_ERR;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return DCS_OK;
}

void dcs_buf_consume(struct dcs_buf *b, size_t n)
{
    if (n >= b->len) {
        dcs_buf_clear(b);
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    b->data[b->len] = '\0';
}

void dcs_buf_clear(struct dcs_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void dcs_buf_release(struct dcs_buf *b)
{
    free(b->data);
    dcs_buf_init(b, b->max);
}
