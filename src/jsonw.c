#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dcs_jbuf_append(struct dcs_jbuf *b, const char *s, size_t n)
{
    size_t cap;
    char *p;

    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (!(p = realloc(b->data, cap))) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void dcs_jbuf_release(struct dcs_jbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static void put(struct dcs_jbuf *b, const char *s)
{
    dcs_jbuf_append(b, s, strlen(s));
}

static void newline(struct dcs_jbuf *b, int indent, int depth, int base)
{
    static const char spaces[] = "                                ";
    int n = indent * depth + base;

    dcs_jbuf_append(b, "\n", 1);
    while (n > 0) {
        int k = n < (int)sizeof(spaces) - 1 ? n : (int)sizeof(spaces) - 1;
        dcs_jbuf_append(b, spaces, (size_t)k);
        n -= k;
    }
}

/* Runs of characters that need no escape are copied at once. */
static void write_string(struct dcs_jbuf *b, const char *s, size_t n)
{
    size_t start = 0, i;
    char esc[8];

    dcs_jbuf_append(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        dcs_jbuf_append(b, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': put(b, "\\\""); break;
        case '\\': put(b, "\\\\"); break;
        case '\b': put(b, "\\b"); break;
        case '\f': put(b, "\\f"); break;
        case '\n': put(b, "\\n"); break;
        case '\r': put(b, "\\r"); break;
        case '\t': put(b, "\\t"); break;
        default:
            snprintf(esc, sizeof(esc), "\\u%04X", c);
            put(b, esc);
        }
    }
    dcs_jbuf_append(b, s + start, n - start);
    dcs_jbuf_append(b, "\"", 1);
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void write_value(struct dcs_jbuf *b, const json_t *v, int indent, int depth, int base);

static void write_object(struct dcs_jbuf *b, const json_t *v, int indent, int depth,
                         int base)
{
    size_t n = json_object_size(v), i = 0;
    const char *stack_keys[32], **keys = stack_keys, *k;
    json_t *item;

    if (n == 0) {
        put(b, "{}");
        return;
    }
    if (n > 32 && !(keys = malloc(n * sizeof(*keys)))) {
        b->failed = 1;
        return;
    }
    json_object_foreach((json_t *)v, k, item)
        keys[i++] = k;
    qsort(keys, n, sizeof(*keys), key_cmp);
    put(b, "{");
    for (i = 0; i < n; i++) {
        if (i)
            put(b, ",");
        if (indent)
            newline(b, indent, depth + 1, base);
        write_string(b, keys[i], strlen(keys[i]));
        put(b, indent ? ": " : ":");
        write_value(b, json_object_get(v, keys[i]), indent, depth + 1, base);
    }
    if (indent)
        newline(b, indent, depth, base);
    put(b, "}");
    if (keys != stack_keys)
        free(keys);
}

static void write_array(struct dcs_jbuf *b, const json_t *v, int indent, int depth,
                        int base)
{
    size_t i, n = json_array_size(v);

    if (n == 0) {
        put(b, "[]");
        return;
    }
    put(b, "[");
    for (i = 0; i < n; i++) {
        if (i)
            put(b, ",");
        if (indent)
            newline(b, indent, depth + 1, base);
        write_value(b, json_array_get(v, i), indent, depth + 1, base);
    }
    if (indent)
        newline(b, indent, depth, base);
    put(b, "]");
}

static void write_value(struct dcs_jbuf *b, const json_t *v, int indent, int depth, int base)
{
    char num[64];

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        write_object(b, v, indent, depth, base);
        break;
    case JSON_ARRAY:
        write_array(b, v, indent, depth, base);
        break;
    case JSON_STRING:
        write_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        put(b, num);
        break;
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        if (!strpbrk(num, ".eE"))
            strcat(num, ".0");
        put(b, num);
        break;
    case JSON_TRUE:
        put(b, "true");
        break;
    case JSON_FALSE:
        put(b, "false");
        break;
    default:
        put(b, "null");
    }
}

void dcs_json_write(struct dcs_jbuf *b, const json_t *v, int indent, int base)
{
    write_value(b, v, indent, 0, base);
}

char *dcs_json_compact(const json_t *v)
{
    struct dcs_jbuf b = {0};

    dcs_json_write(&b, v, 0, 0);
    if (b.failed) {
        dcs_jbuf_release(&b);
        return NULL;
    }
    return b.data ? b.data : strdup("");
}
