#include "util/jsonw.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence byte c starts (jansson's rules), 0 if none. */
static size_t utf8_first(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0; /* a continuation byte, or an overlong ASCII */
    if (c < 0xE0)
        return 2;
    if (c < 0xF0)
        return 3;
    return c < 0xF5 ? 4 : 0;
}

/* One multi-byte sequence of n bytes: continuations, no overlong form,
 * no surrogate, at most U+10FFFF. */
static int utf8_sequence(const unsigned char *s, size_t n)
{
    static const unsigned lowest[] = {0, 0, 0x80, 0x800, 0x10000};
    unsigned v = s[0] & (0x7F >> n);

    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    return v >= lowest[n] && v <= 0x10FFFF && (v < 0xD800 || v > 0xDFFF);
}

void dcs_utf8_trim(char *s)
{
    size_t n = strlen(s), p = n, want;
    unsigned char lead;

    while (p > 0 && n - p < 4 && ((unsigned char)s[p - 1] & 0xC0) == 0x80)
        p--;
    if (p == 0)
        return;
    lead = (unsigned char)s[p - 1];
    if (lead < 0xC0)
        return;
    want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (n - (p - 1) < want)
        s[p - 1] = '\0';
}

int dcs_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void dcs_json_add_unique(json_t *list, const char *s)
{
    const json_t *v;
    size_t i;

    if (!s)
        return;
    json_array_foreach(list, i, v)
        if (json_string_value(v) && !strcmp(json_string_value(v), s))
            return;
    json_array_append_new(list, json_string(s));
}

int dcs_utf8_valid(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, k;

    while (i < n) {
        uint64_t word;
        /* ASCII eight bytes at a time: almost every byte is ASCII. */
        if (n - i >= 8) {
            memcpy(&word, s + i, 8);
            if (!(word & 0x8080808080808080u)) {
                i += 8;
                continue;
            }
        }
        k = utf8_first(s[i]);
        if (!k || k > n - i || (k > 1 && !utf8_sequence(s + i, k)))
            return 0;
        i += k;
    }
    return 1;
}

/* A string literal, without strlen. */
#define PUT(b, lit) dcs_strbuf_append((b), (lit), sizeof(lit) - 1)

static void put_char(struct dcs_strbuf *b, char c)
{
    if (!dcs_strbuf_reserve(b, 1))
        return;
    b->data[b->len++] = c;
    b->data[b->len] = 0;
}

static void newline(struct dcs_strbuf *b, int indent, int depth, int base)
{
    int n = indent * depth + base;

    if (n < 0)
        n = 0;
    if (!dcs_strbuf_reserve(b, 1 + (size_t)n))
        return;
    b->data[b->len++] = '\n';
    memset(b->data + b->len, ' ', (size_t)n);
    b->len += (size_t)n;
    b->data[b->len] = 0;
}

/* The escape each byte needs: 0 none, 'u' \u00XX, else the letter after \. */
static const char escapes[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    ['"'] = '"', ['\\'] = '\\',
};

/* Does any of the eight bytes in w need an escape (below 0x20, '"', '\\')?
 * The classic "has a byte less than n" word tests, exact for any byte. */
static int word_needs_escape(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');

    return (((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
            ((backslash - ones) & ~backslash)) & highs ? 1 : 0;
}

/* Write byte c, escaped as it needs. */
static char *put_escaped(char *p, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    char e = escapes[c];

    if (!e) {
        *p++ = (char)c;
        return p;
    }
    *p++ = '\\';
    if (e != 'u') {
        *p++ = e;
        return p;
    }
    memcpy(p, "u00", 3);
    p[3] = hex[c >> 4];
    p[4] = hex[c & 15];
    return p + 5;
}

size_t dcs_json_plain_prefix(const char *s, size_t n)
{
    size_t i = 0;
    uint64_t w;

    for (; n - i >= 8; i += 8) {
        memcpy(&w, s + i, 8);
        if (word_needs_escape(w))
            break;
    }
    while (i < n && !escapes[(unsigned char)s[i]])
        i++;
    return i;
}

/* Eight bytes at a time while none needs an escape, else byte by byte for
 * the next eight; the worst case (every byte a \u00XX) is reserved up
 * front, so nothing is checked per byte. */
static void write_string(struct dcs_strbuf *b, const char *s, size_t n)
{
    size_t i = 0, stop;
    uint64_t w;
    char *p;

    if (!dcs_strbuf_reserve(b, 6 * n + 2))
        return;
    p = b->data + b->len;
    *p++ = '"';
    while (i < n) {
        if (n - i >= 8) {
            memcpy(&w, s + i, 8);
            if (!word_needs_escape(w)) {
                memcpy(p, &w, 8);
                p += 8;
                i += 8;
                continue;
            }
        }
        for (stop = n - i > 8 ? i + 8 : n; i < stop; i++)
            p = put_escaped(p, (unsigned char)s[i]);
    }
    *p++ = '"';
    b->len = (size_t)(p - b->data);
    b->data[b->len] = 0;
}

static void write_integer(struct dcs_strbuf *b, json_int_t v)
{
    char num[24], *p = num + sizeof(num);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    dcs_strbuf_append(b, p, (size_t)(num + sizeof(num) - p));
}

static int member_cmp(const void *a, const void *b)
{
    return strcmp(((const struct dcs_json_member *)a)->key,
                  ((const struct dcs_json_member *)b)->key);
}

/* m[0..n), the first `sorted` in order already: each member's place found
 * by halving, the rest moved up at once, without qsort's call per
 * comparison (a third of its cost measured there). */
static void insertion_sort(struct dcs_json_member *m, size_t n, size_t sorted)
{
    for (size_t i = sorted; i < n; i++) {
        struct dcs_json_member t = m[i];
        size_t lo = 0, hi = i, mid;
        while (lo < hi) {
            mid = lo + (hi - lo) / 2;
            if (strcmp(m[mid].key, t.key) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        memmove(m + lo + 1, m + lo, (i - lo) * sizeof(*m));
        m[lo] = t;
    }
}

/* Up to 128 members: placed by their first byte, then each run of one
 * first byte sorted, so a key is compared only with those that share it
 * (a Docker Cloud service's sixty begin with some twenty letters). */
static void sort_by_first_byte(struct dcs_json_member *m, size_t n)
{
    struct dcs_json_member out[128];
    unsigned char at[257] = {0}; /* where each first byte's run begins */
    size_t i, start = 0;

    for (i = 0; i < n; i++)
        at[(unsigned char)m[i].key[0] + 1]++;
    for (i = 1; i < 257; i++)
        at[i] = (unsigned char)(at[i] + at[i - 1]);
    for (i = 0; i < n; i++)
        out[at[(unsigned char)m[i].key[0]]++] = m[i];
    memcpy(m, out, n * sizeof(*m));
    for (i = 1; i <= n; i++)
        if (i == n || m[i].key[0] != m[start].key[0]) {
            insertion_sort(m + start, i - start, 1);
            start = i;
        }
}

/* Keys are unique, so any sort gives the same order. */
static void sort_members(struct dcs_json_member *m, size_t n)
{
    size_t sorted = 1;

    /* Often built in order already: then n-1 comparisons are all. */
    while (sorted < n && strcmp(m[sorted - 1].key, m[sorted].key) < 0)
        sorted++;
    if (sorted == n)
        return;
    if (n > 128)
        qsort(m, n, sizeof(*m), member_cmp);
    else if (n > 24)
        sort_by_first_byte(m, n);
    else
        insertion_sort(m, n, sorted);
}

struct style {
    int indent; /* 0: compact; 2: JSON_INDENT(2) */
    int base;   /* spaces added to every line after the first */
};

static void write_value(struct dcs_strbuf *b, const json_t *v, const struct style *st,
                        int depth);

/* Keys as C strings, as jansson's own dumper takes them: the keys dcswarm
 * writes come from C strings and hold no NUL. */
static void write_members(struct dcs_strbuf *b, const struct dcs_json_member *m, size_t n,
                          const struct style *st, int depth)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            put_char(b, ',');
        if (st->indent)
            newline(b, st->indent, depth + 1, st->base);
        write_string(b, m[i].key, strlen(m[i].key));
        if (st->indent)
            PUT(b, ": ");
        else
            put_char(b, ':');
        if (m[i].text)
            dcs_strbuf_append(b, m[i].text, m[i].len);
        else
            write_value(b, m[i].value, st, depth + 1);
    }
}

static void write_sorted(struct dcs_strbuf *b, struct dcs_json_member *m, size_t n,
                         const struct style *st, int depth)
{
    if (n == 0) {
        PUT(b, "{}");
        return;
    }
    sort_members(m, n);
    put_char(b, '{');
    write_members(b, m, n, st, depth);
    if (st->indent)
        newline(b, st->indent, depth, st->base);
    put_char(b, '}');
}

static void write_object(struct dcs_strbuf *b, const json_t *v, const struct style *st,
                         int depth)
{
    size_t n = json_object_size(v), i = 0;
    struct dcs_json_member stack_members[32], *m = stack_members;
    void *it;

    if (n > 32 && !(m = malloc(n * sizeof(*m)))) {
        b->failed = 1;
        return;
    }
    for (it = json_object_iter((json_t *)v); it && i < n;
         it = json_object_iter_next((json_t *)v, it))
        m[i++] = (struct dcs_json_member){json_object_iter_key(it),
                                          json_object_iter_value(it), NULL, 0};
    write_sorted(b, m, i, st, depth);
    if (m != stack_members)
        free(m);
}

static void write_array(struct dcs_strbuf *b, const json_t *v, const struct style *st,
                        int depth)
{
    size_t i, n = json_array_size(v);

    if (n == 0) {
        PUT(b, "[]");
        return;
    }
    put_char(b, '[');
    for (i = 0; i < n; i++) {
        if (i)
            put_char(b, ',');
        if (st->indent)
            newline(b, st->indent, depth + 1, st->base);
        write_value(b, json_array_get(v, i), st, depth + 1);
    }
    if (st->indent)
        newline(b, st->indent, depth, st->base);
    put_char(b, ']');
}

static void write_real(struct dcs_strbuf *b, double d)
{
    char num[64];
    int n = snprintf(num, sizeof(num), "%.17g", d);

    if (n > 0 && !strpbrk(num, ".eE"))
        strcat(num, ".0");
    dcs_strbuf_append(b, num, strlen(num));
}

static void write_value(struct dcs_strbuf *b, const json_t *v, const struct style *st,
                        int depth)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        write_object(b, v, st, depth);
        break;
    case JSON_ARRAY:
        write_array(b, v, st, depth);
        break;
    case JSON_STRING:
        write_string(b, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        write_integer(b, json_integer_value(v));
        break;
    case JSON_REAL:
        write_real(b, json_real_value(v));
        break;
    case JSON_TRUE:
        PUT(b, "true");
        break;
    case JSON_FALSE:
        PUT(b, "false");
        break;
    default:
        PUT(b, "null");
    }
}

void dcs_json_write_string(struct dcs_strbuf *b, const char *s, size_t n)
{
    write_string(b, s, n);
}

void dcs_json_write(struct dcs_strbuf *b, const json_t *v, int indent, int base)
{
    struct style st = {indent, base};

    write_value(b, v, &st, 0);
}

void dcs_json_write_members(struct dcs_strbuf *b, struct dcs_json_member *m, size_t n,
                            int indent, int base)
{
    struct style st = {indent, base};

    write_sorted(b, m, n, &st, 0);
}

void dcs_json_newline(struct dcs_strbuf *b, int indent, int depth, int base)
{
    if (indent)
        newline(b, indent, depth, base);
}

char *dcs_json_compact(const json_t *v)
{
    struct dcs_strbuf b = {0};
    struct style st = {0, 0};

    write_value(&b, v, &st, 0);
    if (b.failed) {
        dcs_strbuf_release(&b);
        return NULL;
    }
    return b.data ? b.data : strdup("");
}

char *dcs_json_dumps(const json_t *v, size_t flags)
{
    char *text = json_dumps(v, flags), *copy;
    json_malloc_t jmalloc;
    json_free_t jfree;

    if (!text)
        return NULL;
    copy = strdup(text);
    json_get_alloc_funcs(&jmalloc, &jfree);
    jfree(text);
    return copy;
}

/* ---- reading back ----------------------------------------------------- */

struct reader {
    const char *p, *end;
    int depth;
};

#define READ_MAX_DEPTH 2048

static json_t *read_value(struct reader *r);

static int read_hex4(struct reader *r, unsigned *out)
{
    unsigned u = 0;

    if (r->end - r->p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        int d = dcs_hex_digit(r->p[i]);
        if (d < 0)
            return -1;
        u = u << 4 | (unsigned)d;
    }
    r->p += 4;
    *out = u;
    return 0;
}

static size_t utf8_put(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One escape after the backslash, decoded into out; its length, or 0. */
static size_t read_escape(struct reader *r, char *out)
{
    static const char plain[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
    const char *at;
    unsigned cp, lo;

    if (r->p >= r->end)
        return 0;
    if (*r->p != 'u') {
        if (!(at = strchr(plain, *r->p)) || !*r->p)
            return 0;
        r->p++;
        *out = decoded[at - plain];
        return 1;
    }
    r->p++;
    if (read_hex4(r, &cp))
        return 0;
    if (cp >= 0xD800 && cp < 0xDC00) {
        if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
            return 0;
        r->p += 2;
        if (read_hex4(r, &lo) || lo < 0xDC00 || lo >= 0xE000)
            return 0;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp < 0xE000) {
        return 0;
    }
    return utf8_put(out, cp);
}

/* The end of the string at r->p (after its opening quote): its closing
 * quote, or NULL. */
static const char *string_end(const struct reader *r)
{
    const char *q = r->p, *b;

    while ((q = memchr(q, '"', (size_t)(r->end - q)))) {
        /* Escaped when an odd number of backslashes precede it. */
        for (b = q; b > r->p && b[-1] == '\\'; b--)
            ;
        if ((q - b) % 2 == 0)
            return q;
        q++;
    }
    return NULL;
}

/* A string at r->p (after its opening quote): *s and *len point into the
 * input when it has no escape, else into *owned (malloc'd, decoded). */
static int read_text(struct reader *r, const char **s, size_t *len, char **owned)
{
    const char *q = memchr(r->p, '"', (size_t)(r->end - r->p));
    char *o;

    *owned = NULL;
    if (q && !memchr(r->p, '\\', (size_t)(q - r->p))) {
        *s = r->p;
        *len = (size_t)(q - r->p);
        r->p = q + 1;
        return 1;
    }
    /* Escapes only shorten the text. */
    if (!(q = string_end(r)) || !(o = *owned = malloc((size_t)(q - r->p) + 1)))
        return 0;
    while (r->p < q) {
        size_t n;
        if (*r->p != '\\') {
            *o++ = *r->p++;
            continue;
        }
        r->p++;
        if (!(n = read_escape(r, o))) {
            free(*owned);
            *owned = NULL;
            return 0;
        }
        o += n;
    }
    r->p = q + 1;
    *s = *owned;
    *len = (size_t)(o - *owned);
    return 1;
}

static json_t *read_string(struct reader *r)
{
    const char *s;
    size_t len;
    char *owned;
    json_t *v;

    if (!read_text(r, &s, &len, &owned))
        return NULL;
    /* What dcs_json_write wrote came from valid UTF-8. */
    v = json_stringn_nocheck(s, len);
    free(owned);
    return v;
}

static json_t *read_number(struct reader *r)
{
    const char *start = r->p;
    char buf[64], *end;
    int real = 0;
    size_t n;

    while (r->p < r->end && strchr("+-0123456789.eE", *r->p) && *r->p) {
        real |= *r->p == '.' || *r->p == 'e' || *r->p == 'E';
        r->p++;
    }
    n = (size_t)(r->p - start);
    if (n == 0 || n >= sizeof(buf))
        return NULL;
    memcpy(buf, start, n);
    buf[n] = 0;
    errno = 0;
    if (real) {
        double d = strtod(buf, &end);
        return *end ? NULL : json_real(d);
    }
    long long i = strtoll(buf, &end, 10);
    return *end || errno ? NULL : json_integer((json_int_t)i);
}

static int read_literal(struct reader *r, const char *word)
{
    size_t n = strlen(word);

    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
        return 0;
    r->p += n;
    return 1;
}

static json_t *read_array(struct reader *r)
{
    json_t *a = json_array(), *v;

    if (!a)
        return NULL;
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return a;
    }
    for (;;) {
        if (!(v = read_value(r)) || json_array_append_new(a, v))
            break;
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            return a;
        }
        break;
    }
    json_decref(a);
    return NULL;
}

/* One "key":value member into o. */
static int read_member(struct reader *r, json_t *o)
{
    const char *key;
    size_t len;
    char *owned;
    json_t *v = NULL;
    int ok = 0;

    if (r->p >= r->end || *r->p++ != '"' || !read_text(r, &key, &len, &owned))
        return 0;
    if (r->p < r->end && *r->p == ':') {
        r->p++;
        v = read_value(r);
    }
    if (v)
        ok = !json_object_setn_new_nocheck(o, key, len, v);
    free(owned);
    return ok;
}

static json_t *read_object(struct reader *r)
{
    json_t *o = json_object();

    if (!o)
        return NULL;
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return o;
    }
    while (read_member(r, o)) {
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            return o;
        }
        break;
    }
    json_decref(o);
    return NULL;
}

static json_t *read_value(struct reader *r)
{
    json_t *v = NULL;

    if (r->p >= r->end || ++r->depth > READ_MAX_DEPTH)
        return NULL;
    switch (*r->p) {
    case '{':
        r->p++;
        v = read_object(r);
        break;
    case '[':
        r->p++;
        v = read_array(r);
        break;
    case '"':
        r->p++;
        v = read_string(r);
        break;
    case 't':
        v = read_literal(r, "true") ? json_true() : NULL;
        break;
    case 'f':
        v = read_literal(r, "false") ? json_false() : NULL;
        break;
    case 'n':
        v = read_literal(r, "null") ? json_null() : NULL;
        break;
    default:
        v = read_number(r);
    }
    r->depth--;
    return v;
}

json_t *dcs_json_read_compact(const char *text, size_t len)
{
    struct reader r = {text, text + len, 0};
    json_t *v = read_value(&r);

    if (v && r.p != r.end) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* Step over one value without building it: 0 when it is malformed. */
static int skip_value(struct reader *r)
{
    int depth = 0;

    while (r->p < r->end) {
        char c = *r->p++;
        if (c == '"') {
            const char *q = string_end(r);
            if (!q)
                return 0;
            r->p = q + 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth < 0)
                return 0;
        }
        if (depth == 0 && (r->p >= r->end || *r->p == ',' || *r->p == '}' ||
                           *r->p == ']'))
            return 1;
    }
    return 0;
}

static int wanted(const char *key, size_t len, const char *const *keys)
{
    for (; *keys; keys++)
        if (strlen(*keys) == len && !memcmp(*keys, key, len))
            return 1;
    return 0;
}

/* One member: into o when its key is wanted, else stepped over. */
static int read_member_if(struct reader *r, json_t *o, const char *const *keys)
{
    const char *key, *at = r->p;
    size_t len;
    char *owned;
    int want;

    if (r->p >= r->end || *r->p++ != '"' || !read_text(r, &key, &len, &owned))
        return 0;
    want = wanted(key, len, keys);
    free(owned);
    if (want) {
        r->p = at;
        return read_member(r, o);
    }
    return r->p < r->end && *r->p++ == ':' && skip_value(r);
}

json_t *dcs_json_read_compact_keys(const char *text, size_t len,
                                   const char *const *keys)
{
    struct reader r = {text, text + len, 0};
    json_t *o = json_object();

    if (!o || r.p >= r.end || *r.p++ != '{')
        goto fail;
    if (r.p < r.end && *r.p == '}')
        return o;
    while (read_member_if(&r, o, keys)) {
        if (r.p < r.end && *r.p == '}')
            return o;
        if (r.p >= r.end || *r.p++ != ',')
            break;
    }
fail:
    json_decref(o);
    return NULL;
}
