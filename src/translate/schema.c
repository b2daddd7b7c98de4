/*
 * schema.c - JSON Schema (draft 7 subset) validation over jansson.
 *
 * A schema is first compiled: every keyword is checked (an unknown one is
 * an error, so a typo in a schema cannot switch a check off), $refs are
 * resolved, patterns are compiled, and the result is a tree of struct
 * cnode.  Validation then walks that tree with no keyword look-ups, which
 * keeps a 10,000-service stackfile cheap.  The embedded schemas are compiled
 * once per process; a schema passed in by the caller is compiled per call.
 *
 * An error is first recorded as a struct verr (kind, location, the schema
 * node that words it, the value found) and turned into text only when it is
 * the one reported: anyOf/oneOf try branches whose errors are mostly thrown
 * away.
 */
#include "translate/schema.h"

#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
#include "translate/schema_data.h"

#define FOUND_MAX 60         /* bytes of a found value quoted in a message */
#define MAX_LEVEL 512        /* schema recursion: only a $ref loop gets here */
#define KNOWN_LIST_MAX 8     /* list the allowed fields when this few */
#define DESCRIBE_DEPTH 6     /* nesting of wording for combined schemas */

/* ---- arena: compiled schemas are freed all at once ------------------- */

struct block {
    struct block *next;
    size_t used;
    size_t cap;
    max_align_t data[];
};

struct arena {
    struct block *head;
};

static void *arena_alloc(struct arena *a, size_t size)
{
    size_t align = sizeof(max_align_t);
    struct block *b = a->head;
    void *p;

    size = (size + align - 1) / align * align;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > 16384 ? size : 16384;
        b = malloc(sizeof(*b) + cap);
        if (!b)
            return NULL;
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

static void arena_free(struct arena *a)
{
    while (a->head) {
        struct block *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

/* ---- regex cache, keyed by pattern text -------------------------------- */

struct regex_entry {
    char *pattern;
    regex_t re;
    size_t id;      /* its place in each thread's copies */
    int ok;
    char problem[128];
};

static pthread_mutex_t regex_lock = PTHREAD_MUTEX_INITIALIZER;
static struct regex_entry **regex_slots;
static size_t regex_cap;
static size_t regex_count;

static size_t hash_string(const char *s)
{
    size_t h = 1469598103934665603u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

static int regex_grow(void)
{
    size_t cap = regex_cap ? regex_cap * 2 : 64;
    struct regex_entry **slots = calloc(cap, sizeof(*slots));
    size_t i, j;

    if (!slots)
        return DCS_ERR;
    for (i = 0; i < regex_cap; i++) {
        if (!regex_slots[i])
            continue;
        for (j = hash_string(regex_slots[i]->pattern) & (cap - 1); slots[j];
             j = (j + 1) & (cap - 1))
            ;
        slots[j] = regex_slots[i];
    }
    free(regex_slots);
    regex_slots = slots;
    regex_cap = cap;
    return DCS_OK;
}

/* GNU regcomp quietly reads \d as "d"; schema authors must write [0-9]. */
static const char *non_ere_escape(const char *pattern)
{
    const char *p;

    for (p = pattern; *p; p++) {
        if (*p != '\\' || !p[1])
            continue;
        if (p[1] == 'd' || p[1] == 'D')
            return "\\d is not POSIX ERE; write [0-9]";
        p++;
    }
    return NULL;
}

static struct regex_entry *regex_new(const char *pattern)
{
    struct regex_entry *e = calloc(1, sizeof(*e));
    const char *problem;
    int rc;

    if (!e || !(e->pattern = strdup(pattern))) {
        free(e);
        return NULL;
    }
    problem = non_ere_escape(pattern);
    if (problem) {
        snprintf(e->problem, sizeof(e->problem), "%s", problem);
        return e;
    }
    rc = regcomp(&e->re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc != 0)
        regerror(rc, &e->re, e->problem, sizeof(e->problem));
    else
        e->ok = 1;
    return e;
}

/* The compiled pattern (shared, never freed), or NULL with *problem set
 * (to NULL itself when memory ran out). */
static const regex_t *regex_get(const char *pattern, const char **problem)
{
    struct regex_entry *e = NULL;
    size_t i;

    pthread_mutex_lock(&regex_lock);
    *problem = NULL;
    if ((regex_count + 1) * 2 > regex_cap && regex_grow())
        goto out;
    for (i = hash_string(pattern) & (regex_cap - 1); regex_slots[i];
         i = (i + 1) & (regex_cap - 1)) {
        if (strcmp(regex_slots[i]->pattern, pattern) == 0) {
            e = regex_slots[i];
            break;
        }
    }
    if (!e) {
        e = regex_new(pattern);
        if (!e)
            goto out;
        e->id = regex_count;
        regex_slots[i] = e;
        regex_count++;
    }
    if (!e->ok)
        *problem = e->problem;
out:
    pthread_mutex_unlock(&regex_lock);
    return e && e->ok ? &e->re : NULL;
}

/* glibc's regexec takes a lock inside the regex_t, so threads matching
 * with one pattern wait for each other and pass its cache line to and fro.
 * Each thread matches with copies of its own, compiled on first use (a
 * copy that cannot be made: the shared one). */
struct regex_copies {
    regex_t **re;   /* by regex_entry.id; NULL: not made yet */
    size_t cap;
};

/* The answers of recent matches of short strings, by this thread: most
 * values of a large stack repeat ("production", "8.8.8.8", "/app"), and a
 * hash costs little next to regexec.  Direct-mapped, overwritten. */
#define MEMO_SLOTS 1024
#define MEMO_TEXT 48

struct regex_memo {
    const struct regex_entry *e;  /* NULL: empty */
    size_t hash;
    unsigned char len;
    bool matched;
    char text[MEMO_TEXT];
};

static _Thread_local struct regex_memo *memo;

static _Thread_local struct regex_copies copies;
static pthread_key_t copies_key;
static pthread_once_t copies_once = PTHREAD_ONCE_INIT;
static bool copies_key_ok;

static void copies_free(void *unused)
{
    (void)unused;
    free(memo);
    memo = NULL;
    for (size_t i = 0; i < copies.cap; i++)
        if (copies.re[i]) {
            regfree(copies.re[i]);
            free(copies.re[i]);
        }
    free(copies.re);
    copies = (struct regex_copies){0};
}

static void copies_init(void)
{
    copies_key_ok = !pthread_key_create(&copies_key, copies_free);
}

static regex_t *regex_copy(const struct regex_entry *e)
{
    regex_t *re;

    if (e->id >= copies.cap) {
        size_t cap = e->id + 16;
        regex_t **grown = realloc(copies.re, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        memset(grown + copies.cap, 0, (cap - copies.cap) * sizeof(*grown));
        if (!copies.re && (pthread_once(&copies_once, copies_init) || !copies_key_ok ||
                           pthread_setspecific(copies_key, &copies))) {
            free(grown);
            return NULL;
        }
        copies.re = grown;
        copies.cap = cap;
    }
    if (!copies.re[e->id] && (re = malloc(sizeof(*re)))) {
        if (regcomp(re, e->pattern, REG_EXTENDED | REG_NOSUB)) {
            free(re);
            return NULL;
        }
        copies.re[e->id] = re;
    }
    return copies.re[e->id];
}

static size_t hash_bytes(const char *s, size_t n, size_t h)
{
    while (n--)
        h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

/* regexec (0 on a match) with this thread's copy of `shared` (from
 * regex_get), or the answer it gave before. */
static int regex_match(const regex_t *shared, const char *s)
{
    const struct regex_entry *e =
        (const void *)((const char *)shared - offsetof(struct regex_entry, re));
    size_t n = strlen(s), h = hash_bytes(s, n, 1469598103934665603u + e->id);
    struct regex_memo *m = NULL;
    const regex_t *mine;
    int rc;

    if (n < MEMO_TEXT && (memo || (memo = calloc(MEMO_SLOTS, sizeof(*memo))))) {
        m = &memo[h & (MEMO_SLOTS - 1)];
        if (m->e == e && m->hash == h && m->len == n && !memcmp(m->text, s, n))
            return m->matched ? 0 : REG_NOMATCH;
    }
    mine = regex_copy(e);
    rc = regexec(mine ? mine : shared, s, 0, NULL, 0);
    if (m) {
        *m = (struct regex_memo){e, h, (unsigned char)n, rc == 0, {0}};
        memcpy(m->text, s, n);
    }
    return rc;
}

/* ---- compiled schemas -------------------------------------------------- */

enum {
    T_NULL = 1,
    T_BOOLEAN = 2,
    T_INTEGER = 4,
    T_NUMBER = 8,
    T_STRING = 16,
    T_ARRAY = 32,
    T_OBJECT = 64,
};

static const struct { const char *name; unsigned bit; } type_names[] = {
    {"null", T_NULL},     {"boolean", T_BOOLEAN}, {"integer", T_INTEGER},
    {"number", T_NUMBER}, {"string", T_STRING},   {"array", T_ARRAY},
    {"object", T_OBJECT},
};

struct cnode;

struct cprop {
    const char *name;
    struct cnode *schema;
};

struct cpattern {
    const char *source;
    const regex_t *re;
    struct cnode *schema;
};

struct clist {
    struct cnode **items;
    size_t n;
};

struct cnode {
    int boolean; /* 1: true schema, 0: false schema, -1: an object schema */
    unsigned types; /* T_* bits; 0 when "type" is absent */
    const char *expected; /* x-expected */
    struct cnode *ref;
    const json_t *enum_values;
    const json_t *const_value;
    const json_t *minimum, *maximum, *exclusive_minimum, *exclusive_maximum;
    json_int_t min_length, max_length, min_items, max_items; /* -1: absent */
    const char *pattern_source;
    const regex_t *pattern;
    int unique_items;
    struct cnode *items;
    struct cprop *props; /* sorted by name */
    size_t n_props;
    struct cpattern *pattern_props;
    size_t n_pattern_props;
    struct cnode *additional; /* NULL: any additional property is fine */
    struct cnode *property_names;
    const json_t *required;
    struct clist any_of, one_of, all_of;
    struct cnode *not_;
};

struct compiled {
    struct arena arena;
    struct cnode *root;
};

/* ---- compiling (and checking) a schema --------------------------------- */

struct memo_slot {
    const json_t *json;
    struct cnode *node;
};

struct compiler {
    const char *name;
    const json_t *root;
    struct arena *arena;
    struct memo_slot *memo; /* json node -> compiled node, so $ref cycles end */
    size_t memo_cap, memo_count;
    char where[512];        /* JSON pointer of the keyword being compiled */
    size_t where_len;
    struct dcs_error *err;
};

static int schema_fail(struct compiler *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int schema_fail(struct compiler *c, const char *fmt, ...)
{
    char text[DCS_ERROR_TEXT_LEN / 2];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return dcs_error_status(c->err, 500, NULL, "schema %s: %s at %s", c->name,
                            text, c->where_len ? c->where : "#");
}

static int compile_oom(struct compiler *c)
{
    return dcs_error_status(c->err, 500, NULL, "out of memory");
}

static size_t where_push(struct compiler *c, const char *segment)
{
    size_t len = c->where_len;
    int n;

    if (!len)
        c->where[c->where_len++] = '#', c->where[c->where_len] = '\0';
    n = snprintf(c->where + c->where_len, sizeof(c->where) - c->where_len,
                 "/%s", segment);
    if (n > 0)
        c->where_len += (size_t)n;
    if (c->where_len >= sizeof(c->where))
        c->where_len = sizeof(c->where) - 1;
    return len;
}

static void where_pop(struct compiler *c, size_t len)
{
    c->where_len = len;
    c->where[len] = '\0';
}

static size_t hash_pointer(const void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15u);
}

static struct cnode **memo_find(struct compiler *c, const json_t *json)
{
    size_t i;

    for (i = hash_pointer(json) & (c->memo_cap - 1); c->memo[i].json;
         i = (i + 1) & (c->memo_cap - 1))
        if (c->memo[i].json == json)
            return &c->memo[i].node;
    return NULL;
}

static int memo_add(struct compiler *c, const json_t *json, struct cnode *node)
{
    size_t i;

    if ((c->memo_count + 1) * 2 > c->memo_cap) {
        size_t cap = c->memo_cap ? c->memo_cap * 2 : 256;
        struct memo_slot *m = calloc(cap, sizeof(*m));
        if (!m)
            return DCS_ERR;
        for (i = 0; i < c->memo_cap; i++) {
            size_t j;
            if (!c->memo[i].json)
                continue;
            for (j = hash_pointer(c->memo[i].json) & (cap - 1); m[j].json;
                 j = (j + 1) & (cap - 1))
                ;
            m[j] = c->memo[i];
        }
        free(c->memo);
        c->memo = m;
        c->memo_cap = cap;
    }
    for (i = hash_pointer(json) & (c->memo_cap - 1); c->memo[i].json;
         i = (i + 1) & (c->memo_cap - 1))
        ;
    c->memo[i].json = json;
    c->memo[i].node = node;
    c->memo_count++;
    return DCS_OK;
}

static struct cnode *compile_node(struct compiler *c, const json_t *s);

enum kw {
    KW_ANNOTATION, KW_EXPECTED, KW_TYPE, KW_ENUM, KW_CONST, KW_PROPERTIES,
    KW_REQUIRED, KW_ADDITIONAL, KW_PATTERN_PROPS, KW_PROPERTY_NAMES, KW_ITEMS,
    KW_MIN_ITEMS, KW_MAX_ITEMS, KW_UNIQUE, KW_MINIMUM, KW_MAXIMUM, KW_XMINIMUM,
    KW_XMAXIMUM, KW_MIN_LENGTH, KW_MAX_LENGTH, KW_PATTERN, KW_ANY_OF, KW_ONE_OF,
    KW_ALL_OF, KW_NOT, KW_REF, KW_DEFINITIONS, KW_UNKNOWN,
};

static const struct { const char *name; enum kw kw; } keywords[] = {
    {"$comment", KW_ANNOTATION},
    {"$id", KW_ANNOTATION},
    {"$ref", KW_REF},
    {"$schema", KW_ANNOTATION},
    {"additionalProperties", KW_ADDITIONAL},
    {"allOf", KW_ALL_OF},
    {"anyOf", KW_ANY_OF},
    {"const", KW_CONST},
    {"default", KW_ANNOTATION},
    {"definitions", KW_DEFINITIONS},
    {"description", KW_ANNOTATION},
    {"enum", KW_ENUM},
    {"examples", KW_ANNOTATION},
    {"exclusiveMaximum", KW_XMAXIMUM},
    {"exclusiveMinimum", KW_XMINIMUM},
    {"items", KW_ITEMS},
    {"maxItems", KW_MAX_ITEMS},
    {"maxLength", KW_MAX_LENGTH},
    {"maximum", KW_MAXIMUM},
    {"minItems", KW_MIN_ITEMS},
    {"minLength", KW_MIN_LENGTH},
    {"minimum", KW_MINIMUM},
    {"not", KW_NOT},
    {"oneOf", KW_ONE_OF},
    {"pattern", KW_PATTERN},
    {"patternProperties", KW_PATTERN_PROPS},
    {"properties", KW_PROPERTIES},
    {"propertyNames", KW_PROPERTY_NAMES},
    {"required", KW_REQUIRED},
    {"title", KW_ANNOTATION},
    {"type", KW_TYPE},
    {"uniqueItems", KW_UNIQUE},
    {"x-expected", KW_EXPECTED},
};

static enum kw keyword_of(const char *name)
{
    size_t lo = 0, hi = sizeof(keywords) / sizeof(keywords[0]);

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int cmp = strcmp(name, keywords[mid].name);
        if (cmp == 0)
            return keywords[mid].kw;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return KW_UNKNOWN;
}

static int compile_type(struct compiler *c, struct cnode *n, const json_t *v)
{
    size_t i, j;

    if (json_is_string(v) || (json_is_array(v) && json_array_size(v) > 0)) {
        for (i = 0; i < (json_is_string(v) ? 1 : json_array_size(v)); i++) {
            const json_t *t = json_is_string(v) ? v : json_array_get(v, i);
            unsigned bit = 0;
            for (j = 0; j < sizeof(type_names) / sizeof(type_names[0]); j++)
                if (json_is_string(t) &&
                    strcmp(json_string_value(t), type_names[j].name) == 0)
                    bit = type_names[j].bit;
            if (!bit)
                return schema_fail(c, "unknown type %s",
                                   json_is_string(t) ? json_string_value(t)
                                                     : "(not a string)");
            n->types |= bit;
        }
        return DCS_OK;
    }
    return schema_fail(c, "\"type\" must be a type name or a list of them");
}

static int compile_count(struct compiler *c, json_int_t *out, const json_t *v,
                         const char *key)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return schema_fail(c, "\"%s\" must be a non-negative integer", key);
    *out = json_integer_value(v);
    return DCS_OK;
}

static int compile_number(struct compiler *c, const json_t **out,
                          const json_t *v, const char *key)
{
    if (!json_is_number(v))
        return schema_fail(c, "\"%s\" must be a number", key);
    *out = v;
    return DCS_OK;
}

static const regex_t *compile_regex(struct compiler *c, const char *pattern)
{
    const char *problem;
    const regex_t *re = regex_get(pattern, &problem);

    if (!re) {
        if (problem)
            schema_fail(c, "invalid pattern \"%s\": %s", pattern, problem);
        else
            compile_oom(c);
    }
    return re;
}

static int compile_list(struct compiler *c, struct clist *l, const json_t *v,
                        const char *key)
{
    size_t i;

    if (!json_is_array(v) || json_array_size(v) == 0)
        return schema_fail(c, "\"%s\" must be a non-empty list of schemas", key);
    l->n = json_array_size(v);
    l->items = arena_alloc(c->arena, l->n * sizeof(*l->items));
    if (!l->items)
        return compile_oom(c);
    for (i = 0; i < l->n; i++) {
        char index[32];
        size_t mark;
        snprintf(index, sizeof(index), "%zu", i);
        mark = where_push(c, index);
        l->items[i] = compile_node(c, json_array_get(v, i));
        where_pop(c, mark);
        if (!l->items[i])
            return DCS_ERR;
    }
    return DCS_OK;
}

static int prop_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cprop *)a)->name, ((const struct cprop *)b)->name);
}

/* "properties", "patternProperties" and "definitions": maps of schemas. */
static int compile_map(struct compiler *c, struct cnode *n, enum kw kw,
                       const json_t *v, const char *key)
{
    const char *name;
    const json_t *sub;
    size_t i = 0, count = json_object_size(v);

    if (!json_is_object(v))
        return schema_fail(c, "\"%s\" must be an object of schemas", key);
    if (kw == KW_PROPERTIES && count &&
        !(n->props = arena_alloc(c->arena, count * sizeof(*n->props))))
        return compile_oom(c);
    if (kw == KW_PATTERN_PROPS && count &&
        !(n->pattern_props = arena_alloc(c->arena, count * sizeof(*n->pattern_props))))
        return compile_oom(c);
    json_object_foreach((json_t *)v, name, sub) {
        size_t mark = where_push(c, name);
        struct cnode *child = compile_node(c, sub);
        const regex_t *re = NULL;
        if (child && kw == KW_PATTERN_PROPS)
            re = compile_regex(c, name);
        where_pop(c, mark);
        if (!child || (kw == KW_PATTERN_PROPS && !re))
            return DCS_ERR;
        if (kw == KW_PROPERTIES)
            n->props[i] = (struct cprop){name, child};
        else if (kw == KW_PATTERN_PROPS)
            n->pattern_props[i] = (struct cpattern){name, re, child};
        i++;
    }
    if (kw == KW_PROPERTIES) {
        n->n_props = count;
        qsort(n->props, count, sizeof(*n->props), prop_cmp);
    } else if (kw == KW_PATTERN_PROPS) {
        n->n_pattern_props = count;
    }
    return DCS_OK;
}

static int compile_required(struct compiler *c, struct cnode *n, const json_t *v)
{
    size_t i;
    const json_t *f;

    if (!json_is_array(v))
        return schema_fail(c, "\"required\" must be a list of field names");
    json_array_foreach(v, i, f) {
        if (!json_is_string(f))
            return schema_fail(c, "\"required\" must be a list of field names");
    }
    n->required = v;
    return DCS_OK;
}

/* "#", "#/definitions/port", with ~0 and ~1 escapes. */
static const json_t *resolve_pointer(const json_t *root, const char *ref)
{
    const json_t *at = root;
    char token[256];

    if (ref[0] != '#')
        return NULL;
    ref++;
    while (*ref == '/') {
        size_t n = 0;
        for (ref++; *ref && *ref != '/'; ref++) {
            char ch = *ref;
            if (ch == '~' && (ref[1] == '0' || ref[1] == '1'))
                ch = *++ref == '0' ? '~' : '/';
            if (n + 1 >= sizeof(token))
                return NULL;
            token[n++] = ch;
        }
        token[n] = '\0';
        if (json_is_object(at)) {
            at = json_object_get(at, token);
        } else if (json_is_array(at)) {
            char *end;
            unsigned long index = strtoul(token, &end, 10);
            at = *token && !*end ? json_array_get(at, index) : NULL;
        } else {
            at = NULL;
        }
        if (!at)
            return NULL;
    }
    return *ref ? NULL : at;
}

static int compile_ref(struct compiler *c, struct cnode *n, const json_t *s,
                       const json_t *v)
{
    const char *key;
    const json_t *sub, *target;
    char saved[sizeof(c->where)];
    size_t saved_len = c->where_len;

    if (!json_is_string(v))
        return schema_fail(c, "\"$ref\" must be a string");
    /* Draft 7 ignores everything beside $ref; we refuse rather than ignore. */
    json_object_foreach((json_t *)s, key, sub) {
        enum kw kw = keyword_of(key);
        if (kw != KW_REF && kw != KW_ANNOTATION && kw != KW_EXPECTED &&
            kw != KW_DEFINITIONS)
            return schema_fail(c, "\"%s\" beside \"$ref\" would be ignored "
                                  "(use allOf)", key);
    }
    target = resolve_pointer(c->root, json_string_value(v));
    if (!target)
        return schema_fail(c, "unresolvable $ref \"%s\" (only \"#/...\" "
                              "pointers into the same schema are supported)",
                           json_string_value(v));
    memcpy(saved, c->where, sizeof(saved));
    snprintf(c->where, sizeof(c->where), "%s", json_string_value(v));
    c->where_len = strlen(c->where);
    n->ref = compile_node(c, target);
    memcpy(c->where, saved, sizeof(saved));
    c->where_len = saved_len;
    return n->ref ? DCS_OK : DCS_ERR;
}

static int compile_schema_kw(struct compiler *c, struct cnode **out,
                             const json_t *v, const char *key)
{
    if (!json_is_object(v) && !json_is_boolean(v))
        return schema_fail(c, "\"%s\" must be a schema%s", key,
                           json_is_array(v) ? " (the list form is not supported)"
                                            : "");
    *out = compile_node(c, v);
    return *out ? DCS_OK : DCS_ERR;
}

static int compile_simple(struct compiler *c, struct cnode *n, enum kw kw,
                          const json_t *v, const char *key)
{
    switch (kw) {
    case KW_ANNOTATION:
        return DCS_OK;
    case KW_EXPECTED:
        if (!json_is_string(v))
            return schema_fail(c, "\"x-expected\" must be a string");
        n->expected = json_string_value(v);
        return DCS_OK;
    case KW_ENUM:
        if (!json_is_array(v) || json_array_size(v) == 0)
            return schema_fail(c, "\"enum\" must be a non-empty list");
        n->enum_values = v;
        return DCS_OK;
    case KW_CONST:
        n->const_value = v;
        return DCS_OK;
    case KW_UNIQUE:
        if (!json_is_boolean(v))
            return schema_fail(c, "\"uniqueItems\" must be true or false");
        n->unique_items = json_is_true(v);
        return DCS_OK;
    case KW_PATTERN:
        if (!json_is_string(v))
            return schema_fail(c, "\"pattern\" must be a string");
        n->pattern_source = json_string_value(v);
        n->pattern = compile_regex(c, n->pattern_source);
        return n->pattern ? DCS_OK : DCS_ERR;
    default:
        return schema_fail(c, "unknown keyword \"%s\"", key);
    }
}

static int compile_keyword(struct compiler *c, struct cnode *n, const json_t *s,
                           const char *key, const json_t *v)
{
    enum kw kw = keyword_of(key);

    switch (kw) {
    case KW_TYPE:            return compile_type(c, n, v);
    case KW_PROPERTIES:
    case KW_PATTERN_PROPS:
    case KW_DEFINITIONS:     return compile_map(c, n, kw, v, key);
    case KW_REQUIRED:        return compile_required(c, n, v);
    case KW_ADDITIONAL:      return compile_schema_kw(c, &n->additional, v, key);
    case KW_PROPERTY_NAMES:  return compile_schema_kw(c, &n->property_names, v, key);
    case KW_ITEMS:           return compile_schema_kw(c, &n->items, v, key);
    case KW_NOT:             return compile_schema_kw(c, &n->not_, v, key);
    case KW_MIN_ITEMS:       return compile_count(c, &n->min_items, v, key);
    case KW_MAX_ITEMS:       return compile_count(c, &n->max_items, v, key);
    case KW_MIN_LENGTH:      return compile_count(c, &n->min_length, v, key);
    case KW_MAX_LENGTH:      return compile_count(c, &n->max_length, v, key);
    case KW_MINIMUM:         return compile_number(c, &n->minimum, v, key);
    case KW_MAXIMUM:         return compile_number(c, &n->maximum, v, key);
    case KW_XMINIMUM:        return compile_number(c, &n->exclusive_minimum, v, key);
    case KW_XMAXIMUM:        return compile_number(c, &n->exclusive_maximum, v, key);
    case KW_ANY_OF:          return compile_list(c, &n->any_of, v, key);
    case KW_ONE_OF:          return compile_list(c, &n->one_of, v, key);
    case KW_ALL_OF:          return compile_list(c, &n->all_of, v, key);
    case KW_REF:             return compile_ref(c, n, s, v);
    default:                 return compile_simple(c, n, kw, v, key);
    }
}

static struct cnode *compile_node(struct compiler *c, const json_t *s)
{
    struct cnode **known = c->memo_cap ? memo_find(c, s) : NULL;
    struct cnode *n;
    const char *key;
    const json_t *v;

    if (known)
        return *known;
    n = arena_alloc(c->arena, sizeof(*n));
    if (!n || memo_add(c, s, n)) {
        compile_oom(c);
        return NULL;
    }
    n->boolean = json_is_boolean(s) ? json_is_true(s) : -1;
    n->min_length = n->max_length = n->min_items = n->max_items = -1;
    if (json_is_boolean(s))
        return n;
    if (!json_is_object(s)) {
        schema_fail(c, "expected a schema (an object or true/false)");
        return NULL;
    }
    json_object_foreach((json_t *)s, key, v) {
        size_t mark = where_push(c, key);
        int rc = compile_keyword(c, n, s, key, v);
        where_pop(c, mark);
        if (rc)
            return NULL;
    }
    return n;
}

static struct compiled *compile_schema(const char *name, const json_t *schema,
                                       struct dcs_error *err)
{
    struct compiled *cs = calloc(1, sizeof(*cs));
    struct compiler c;

    if (!cs) {
        dcs_error_status(err, 500, NULL, "out of memory");
        return NULL;
    }
    memset(&c, 0, sizeof(c));
    c.name = name;
    c.root = schema;
    c.arena = &cs->arena;
    c.err = err;
    cs->root = compile_node(&c, schema);
    free(c.memo);
    if (!cs->root) {
        arena_free(&cs->arena);
        free(cs);
        return NULL;
    }
    return cs;
}

static void compiled_free(struct compiled *cs)
{
    if (!cs)
        return;
    arena_free(&cs->arena);
    free(cs);
}

/* ---- the embedded schemas -------------------------------------------- */

struct loaded {
    const char *name;
    json_t *json;
    struct compiled *compiled;
    struct dcs_error err; /* why json or compiled is NULL */
};

static pthread_once_t table_once = PTHREAD_ONCE_INIT;
static struct loaded *table;
static size_t table_len;

static void load_one(struct loaded *l, const struct dcs_schema_text *t)
{
    json_error_t je;

    l->name = t->name;
    l->json = json_loads(t->text, JSON_REJECT_DUPLICATES, &je);
    if (!l->json) {
        dcs_error_status(&l->err, 500, NULL,
                         "schema %s: invalid JSON at line %d: %s", t->name,
                         je.line, je.text);
        return;
    }
    l->compiled = compile_schema(t->name, l->json, &l->err);
}

static void table_load(void)
{
    size_t i, n = 0;

    while (dcs_schema_texts[n].name)
        n++;
    table = calloc(n ? n : 1, sizeof(*table));
    if (!table)
        return;
    for (i = 0; i < n; i++)
        load_one(&table[i], &dcs_schema_texts[i]);
    table_len = n;
}

static const struct loaded *table_find(const char *name, struct dcs_error *err)
{
    size_t i;

    pthread_once(&table_once, table_load);
    if (!table) {
        dcs_error_status(err, 500, NULL, "out of memory");
        return NULL;
    }
    for (i = 0; i < table_len; i++) {
        if (strcmp(table[i].name, name) != 0)
            continue;
        if (!table[i].compiled) {
            if (err)
                *err = table[i].err;
            return NULL;
        }
        return &table[i];
    }
    dcs_error_status(err, 500, NULL, "no schema named \"%s\"", name);
    return NULL;
}

const json_t *dcs_schema_get(const char *name, struct dcs_error *err)
{
    const struct loaded *l = table_find(name, err);
    return l ? l->json : NULL;
}

static const struct compiled *table_compiled(const json_t *schema)
{
    size_t i;

    pthread_once(&table_once, table_load);
    for (i = 0; table && i < table_len; i++)
        if (table[i].json == schema)
            return table[i].compiled;
    return NULL;
}

/* ---- validation -------------------------------------------------------- */

enum ekind {
    E_TYPE,      /* wrong type: "expected <wording>, got <v>" */
    E_VALUE,     /* right type, wrong value: same form */
    E_ANY,       /* no alternative of anyOf/oneOf fits at this level */
    E_ONE_MANY,  /* several alternatives of oneOf fit */
    E_NOT,       /* matches what "not" forbids */
    E_FALSE,     /* the false schema */
    E_REQUIRED,  /* missing required field */
    E_UNKNOWN,   /* additionalProperties false */
    E_DUPLICATE, /* uniqueItems */
    E_NAME,      /* propertyNames */
    E_LIMIT,     /* schema recursion too deep */
    E_OOM,
};

struct verr {
    enum ekind kind;
    int depth;                 /* path segments below the validation root */
    const struct cnode *node;  /* the schema that words the error */
    const char *expected;      /* x-expected overriding that wording */
    const json_t *found;
    const char *field;         /* E_REQUIRED: the field; E_NAME, E_UNKNOWN:
                                  the key */
    size_t index;              /* E_DUPLICATE: the earlier equal item */
    char path[DCS_ERROR_PATH_LEN];
};

struct vctx {
    char path[DCS_ERROR_PATH_LEN];
    size_t len;
    int depth;
    int level;
};

/* Append n bytes, cut to what fits, as snprintf would. */
static void path_add(struct vctx *x, const char *s, size_t n)
{
    size_t room = sizeof(x->path) - 1 - x->len;

    if (n > room)
        n = room;
    memcpy(x->path + x->len, s, n);
    x->len += n;
    x->path[x->len] = '\0';
}

/* The path one level down is built by hand, not by printf: validation
 * walks every field of every service. */
static size_t push_index(struct vctx *x, size_t i)
{
    char num[24], *p = num + sizeof(num);
    size_t len = x->len;

    *--p = ']';
    do
        *--p = (char)('0' + i % 10);
    while (i /= 10);
    *--p = '[';
    path_add(x, p, (size_t)(num + sizeof(num) - p));
    x->depth++;
    return len;
}

static void path_pop(struct vctx *x, size_t len)
{
    x->len = len;
    x->path[len] = '\0';
    x->depth--;
}

static size_t push_key(struct vctx *x, const char *key)
{
    size_t len = x->len;

    if (x->len)
        path_add(x, ".", 1);
    path_add(x, key, strlen(key));
    x->depth++;
    return len;
}

static int fail(struct vctx *x, struct verr *e, enum ekind kind,
                const struct cnode *node, const json_t *found)
{
    e->kind = kind;
    e->depth = x->depth;
    e->node = node;
    e->expected = NULL;
    e->found = found;
    e->field = NULL;
    e->index = 0;
    memcpy(e->path, x->path, x->len + 1);
    return DCS_ERR;
}

static unsigned type_of(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:    return T_NULL;
    case JSON_TRUE:
    case JSON_FALSE:   return T_BOOLEAN;
    /* Integers are numbers; reals are never integers (see schema.h). */
    case JSON_INTEGER: return T_INTEGER | T_NUMBER;
    case JSON_REAL:    return T_NUMBER;
    case JSON_STRING:  return T_STRING;
    case JSON_ARRAY:   return T_ARRAY;
    default:           return T_OBJECT;
    }
}

static int num_cmp(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return (x > y) - (x < y);
    } else {
        double x = json_number_value(a), y = json_number_value(b);
        return (x > y) - (x < y);
    }
}

static size_t utf8_length(const char *s, size_t n)
{
    size_t i, chars = 0;

    for (i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            chars++;
    return chars;
}

static int in_enum(const json_t *values, const json_t *v)
{
    size_t i;
    const json_t *e;

    json_array_foreach(values, i, e) {
        if (json_equal(e, v))
            return 1;
    }
    return 0;
}

static int check_scalar(struct vctx *x, const struct cnode *n,
                        const json_t *inst, struct verr *e)
{
    if (n->enum_values && !in_enum(n->enum_values, inst))
        return fail(x, e, E_VALUE, n, inst);
    if (n->const_value && !json_equal(n->const_value, inst))
        return fail(x, e, E_VALUE, n, inst);
    if (json_is_number(inst) &&
        ((n->minimum && num_cmp(inst, n->minimum) < 0) ||
         (n->maximum && num_cmp(inst, n->maximum) > 0) ||
         (n->exclusive_minimum && num_cmp(inst, n->exclusive_minimum) <= 0) ||
         (n->exclusive_maximum && num_cmp(inst, n->exclusive_maximum) >= 0)))
        return fail(x, e, E_VALUE, n, inst);
    if (json_is_string(inst)) {
        size_t chars = n->min_length >= 0 || n->max_length >= 0
                           ? utf8_length(json_string_value(inst),
                                         json_string_length(inst))
                           : 0;
        if ((n->min_length >= 0 && chars < (size_t)n->min_length) ||
            (n->max_length >= 0 && chars > (size_t)n->max_length))
            return fail(x, e, E_VALUE, n, inst);
        if (n->pattern &&
            regex_match(n->pattern, json_string_value(inst)) != 0)
            return fail(x, e, E_VALUE, n, inst);
    }
    return DCS_OK;
}

static int validate(struct vctx *x, const struct cnode *n, const json_t *inst,
                    struct verr *e);

static int check_array(struct vctx *x, const struct cnode *n,
                       const json_t *inst, struct verr *e)
{
    size_t size = json_array_size(inst);
    size_t i, j;

    if ((n->min_items >= 0 && size < (size_t)n->min_items) ||
        (n->max_items >= 0 && size > (size_t)n->max_items))
        return fail(x, e, E_VALUE, n, inst);
    for (i = 0; n->unique_items && i < size; i++) {
        for (j = 0; j < i; j++) {
            if (json_equal(json_array_get(inst, i), json_array_get(inst, j))) {
                size_t mark = push_index(x, i);
                fail(x, e, E_DUPLICATE, n, json_array_get(inst, i));
                e->index = j;
                path_pop(x, mark);
                return DCS_ERR;
            }
        }
    }
    for (i = 0; n->items && i < size; i++) {
        size_t mark = push_index(x, i);
        int rc = validate(x, n->items, json_array_get(inst, i), e);
        path_pop(x, mark);
        if (rc)
            return DCS_ERR;
    }
    return DCS_OK;
}

static const struct cnode *property(const struct cnode *n, const char *key)
{
    struct cprop probe = {key, NULL};
    const struct cprop *p;

    if (!n->n_props)
        return NULL;
    p = bsearch(&probe, n->props, n->n_props, sizeof(*n->props), prop_cmp);
    return p ? p->schema : NULL;
}

static int check_name(struct vctx *x, const struct cnode *n, const char *key,
                      struct verr *e)
{
    json_t *name = json_string(key);
    int rc;

    if (!name)
        return fail(x, e, E_OOM, n, NULL);
    rc = validate(x, n->property_names, name, e);
    json_decref(name);
    if (rc && e->kind != E_LIMIT && e->kind != E_OOM) {
        /* The key as a string is gone; the message quotes the key itself. */
        e->kind = E_NAME;
        e->found = NULL;
        e->field = key;
    }
    return rc;
}

/* One field of an object; the path already names it. */
static int check_field(struct vctx *x, const struct cnode *n, const char *key,
                       const json_t *value, struct verr *e)
{
    const struct cnode *sub = property(n, key);
    int matched = sub != NULL;
    size_t i;

    if (n->property_names && check_name(x, n, key, e))
        return DCS_ERR;
    if (sub && validate(x, sub, value, e))
        return DCS_ERR;
    for (i = 0; i < n->n_pattern_props; i++) {
        if (regex_match(n->pattern_props[i].re, key) != 0)
            continue;
        matched = 1;
        if (validate(x, n->pattern_props[i].schema, value, e))
            return DCS_ERR;
    }
    if (matched || !n->additional)
        return DCS_OK;
    if (n->additional->boolean == 0) {
        fail(x, e, E_UNKNOWN, n, value);
        e->field = key;
        return DCS_ERR;
    }
    return validate(x, n->additional, value, e);
}

static int check_object(struct vctx *x, const struct cnode *n,
                        const json_t *inst, struct verr *e)
{
    const char *key;
    const json_t *value;
    size_t i;

    if (n->n_props || n->n_pattern_props || n->additional || n->property_names) {
        json_object_foreach((json_t *)inst, key, value) {
            size_t mark = push_key(x, key);
            int rc = check_field(x, n, key, value, e);
            path_pop(x, mark);
            if (rc)
                return DCS_ERR;
        }
    }
    for (i = 0; i < json_array_size(n->required); i++) {
        const char *field = json_string_value(json_array_get(n->required, i));
        if (!json_object_get(inst, field)) {
            fail(x, e, E_REQUIRED, n, inst);
            e->field = field;
            return DCS_ERR;
        }
    }
    return DCS_OK;
}

static int is_typeish(enum ekind k)
{
    return k == E_TYPE || k == E_ANY || k == E_FALSE;
}

/* Which failed alternative says most: the one that got deepest into the
 * value, and at equal depth one that at least had the right type. */
static int score(const struct verr *e)
{
    return e->depth * 2 + !is_typeish(e->kind);
}

/* anyOf (one_only == 0) or oneOf (1) over list l. */
static int check_alternatives(struct vctx *x, const struct cnode *n,
                              const struct clist *l, int one_only,
                              const json_t *inst, struct verr *e)
{
    struct verr best, attempt;
    size_t i, matches = 0;

    best.kind = E_LIMIT;
    best.depth = -1;
    for (i = 0; i < l->n; i++) {
        if (validate(x, l->items[i], inst, &attempt) == DCS_OK) {
            if (!one_only || ++matches > 1)
                break;
            continue;
        }
        if (attempt.kind == E_LIMIT || attempt.kind == E_OOM) {
            *e = attempt;
            return DCS_ERR;
        }
        if (best.depth < 0 || score(&attempt) > score(&best))
            best = attempt;
    }
    if (matches > 1)
        return fail(x, e, E_ONE_MANY, n, inst);
    if (matches == 1 || (!one_only && i < l->n))
        return DCS_OK;
    if (best.depth > x->depth || !is_typeish(best.kind)) {
        *e = best;
        return DCS_ERR;
    }
    return fail(x, e, E_ANY, n, inst);
}

static int check_combinators(struct vctx *x, const struct cnode *n,
                             const json_t *inst, struct verr *e)
{
    size_t i;

    for (i = 0; i < n->all_of.n; i++)
        if (validate(x, n->all_of.items[i], inst, e))
            return DCS_ERR;
    if (n->any_of.n && check_alternatives(x, n, &n->any_of, 0, inst, e))
        return DCS_ERR;
    if (n->one_of.n && check_alternatives(x, n, &n->one_of, 1, inst, e))
        return DCS_ERR;
    if (n->not_) {
        struct verr ignored;
        int rc = validate(x, n->not_, inst, &ignored);
        if (rc && (ignored.kind == E_LIMIT || ignored.kind == E_OOM)) {
            *e = ignored;
            return DCS_ERR;
        }
        if (rc == DCS_OK)
            return fail(x, e, E_NOT, n->not_, inst);
    }
    return DCS_OK;
}

static int validate_here(struct vctx *x, const struct cnode *n,
                         const json_t *inst, struct verr *e)
{
    if (n->ref)
        return validate(x, n->ref, inst, e);
    if (n->types && !(n->types & type_of(inst)))
        return fail(x, e, E_TYPE, n, inst);
    if (check_scalar(x, n, inst, e))
        return DCS_ERR;
    if (json_is_array(inst) && check_array(x, n, inst, e))
        return DCS_ERR;
    if (json_is_object(inst) && check_object(x, n, inst, e))
        return DCS_ERR;
    return check_combinators(x, n, inst, e);
}

static int validate(struct vctx *x, const struct cnode *n, const json_t *inst,
                    struct verr *e)
{
    int rc;

    if (n->boolean >= 0)
        return n->boolean ? DCS_OK : fail(x, e, E_FALSE, n, inst);
    if (x->level >= MAX_LEVEL)
        return fail(x, e, E_LIMIT, n, inst);
    x->level++;
    rc = validate_here(x, n, inst, e);
    x->level--;
    /* x-expected words any failure of this very value, not of its parts. */
    if (rc && n->expected && e->depth == x->depth &&
        (e->kind == E_TYPE || e->kind == E_VALUE || e->kind == E_ANY ||
         e->kind == E_ONE_MANY || e->kind == E_NOT))
        e->expected = n->expected;
    return rc;
}

/* ---- wording ----------------------------------------------------------- */

struct text {
    char buf[DCS_ERROR_TEXT_LEN];
    size_t len;
};

static void put(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->len >= sizeof(t->buf) - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
    if (t->len >= sizeof(t->buf))
        t->len = sizeof(t->buf) - 1;
}

/* Compact JSON of v, cut to about FOUND_MAX bytes on a character boundary. */
static void put_value(struct text *t, const json_t *v)
{
    char *s = dcs_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    size_t n;

    if (!s) {
        put(t, "(a value)");
        return;
    }
    n = strlen(s);
    if (n > FOUND_MAX) {
        n = FOUND_MAX - 3;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        put(t, "%.*s...", (int)n, s);
    } else {
        put(t, "%s", s);
    }
    free(s);
}

static void put_number(struct text *t, const json_t *v)
{
    if (json_is_integer(v))
        put(t, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        put(t, "%g", json_real_value(v));
}

static void put_count(struct text *t, json_int_t lo, json_int_t hi,
                      const char *unit)
{
    json_int_t shown = hi >= 0 ? hi : lo;

    if (lo >= 0 && hi >= 0 && lo == hi)
        put(t, " of %" JSON_INTEGER_FORMAT, lo);
    else if (lo >= 0 && hi >= 0)
        put(t, " of %" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT, lo, hi);
    else if (lo >= 0)
        put(t, " of at least %" JSON_INTEGER_FORMAT, lo);
    else
        put(t, " of at most %" JSON_INTEGER_FORMAT, hi);
    put(t, " %s%s", unit, shown == 1 && (lo == hi || lo < 0 || hi < 0) ? "" : "s");
}

static void put_range(struct text *t, const struct cnode *n)
{
    const json_t *lo = n->minimum ? n->minimum : n->exclusive_minimum;
    const json_t *hi = n->maximum ? n->maximum : n->exclusive_maximum;

    if (n->minimum && n->maximum && json_number_value(n->minimum) >= 0) {
        put(t, " ");
        put_number(t, lo);
        put(t, "-");
        put_number(t, hi);
        return;
    }
    if (lo) {
        put(t, n->minimum ? " >= " : " > ");
        put_number(t, lo);
    }
    if (hi) {
        put(t, lo ? (n->maximum ? " and <= " : " and < ")
                  : (n->maximum ? " <= " : " < "));
        put_number(t, hi);
    }
}

static void put_string_shape(struct text *t, const struct cnode *n)
{
    if (n->min_length == 1 && n->max_length < 0)
        put(t, "non-empty string");
    else if (n->min_length >= 0 || n->max_length >= 0) {
        put(t, "string");
        put_count(t, n->min_length, n->max_length, "character");
    } else {
        put(t, "string");
    }
    if (n->pattern_source)
        put(t, " matching %s", n->pattern_source);
}

static void put_array_shape(struct text *t, const struct cnode *n)
{
    if (n->min_items == 1 && n->max_items < 0)
        put(t, "non-empty array");
    else if (n->min_items >= 0 || n->max_items >= 0) {
        put(t, "array");
        put_count(t, n->min_items, n->max_items, "item");
    } else {
        put(t, "array");
    }
    if (n->unique_items)
        put(t, " of unique items");
}

static unsigned implied_types(const struct cnode *n)
{
    unsigned types = n->types;

    if (types)
        return types;
    if (n->pattern || n->min_length >= 0 || n->max_length >= 0)
        types |= T_STRING;
    if (n->minimum || n->maximum || n->exclusive_minimum || n->exclusive_maximum)
        types |= T_NUMBER;
    if (n->min_items >= 0 || n->max_items >= 0 || n->items || n->unique_items)
        types |= T_ARRAY;
    if (n->n_props || n->required || n->additional || n->n_pattern_props ||
        n->property_names)
        types |= T_OBJECT;
    return types;
}

static void put_shape(struct text *t, const struct cnode *n, unsigned types)
{
    size_t i;
    int first = 1;

    /* "integer or number" says no more than "number". */
    if ((types & T_INTEGER) && (types & T_NUMBER))
        types &= ~(unsigned)T_INTEGER;
    for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
        unsigned bit = type_names[i].bit;
        if (!(types & bit))
            continue;
        put(t, "%s", first ? "" : " or ");
        first = 0;
        if (bit == T_STRING)
            put_string_shape(t, n);
        else if (bit == T_ARRAY)
            put_array_shape(t, n);
        else
            put(t, "%s", type_names[i].name);
        if (bit == T_INTEGER || bit == T_NUMBER)
            put_range(t, n);
    }
}

static void put_list(struct text *t, const json_t *values)
{
    size_t i;
    const json_t *v;

    json_array_foreach(values, i, v) {
        if (t->len > sizeof(t->buf) / 2) {
            put(t, ", ...");
            return;
        }
        put(t, "%s", i ? ", " : "");
        put_value(t, v);
    }
}

static void describe(struct text *t, const struct cnode *n, int depth);

static void describe_each(struct text *t, const struct clist *l,
                          const char *joint, int depth)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        put(t, "%s", i ? joint : "");
        describe(t, l->items[i], depth + 1);
    }
}

/* What a schema accepts, in words: "integer 1-65535", "one of "A", "B"". */
static void describe(struct text *t, const struct cnode *n, int depth)
{
    unsigned types = implied_types(n);

    if (depth > DESCRIBE_DEPTH)
        put(t, "a valid value");
    else if (n->boolean >= 0)
        put(t, "%s", n->boolean ? "anything" : "nothing");
    else if (n->expected)
        put(t, "%s", n->expected);
    else if (n->ref)
        describe(t, n->ref, depth + 1);
    else if (n->enum_values && json_array_size(n->enum_values) == 1)
        put_value(t, json_array_get(n->enum_values, 0));
    else if (n->enum_values) {
        put(t, "one of ");
        put_list(t, n->enum_values);
    } else if (n->const_value)
        put_value(t, n->const_value);
    else if (types)
        put_shape(t, n, types);
    else if (n->any_of.n)
        describe_each(t, &n->any_of, " or ", depth);
    else if (n->one_of.n)
        describe_each(t, &n->one_of, " or ", depth);
    else if (n->all_of.n)
        describe_each(t, &n->all_of, " and ", depth);
    else if (n->not_) {
        put(t, "anything but ");
        describe(t, n->not_, depth + 1);
    } else
        put(t, "a valid value");
}

static void describe_alternatives(struct text *t, const struct cnode *n)
{
    if (n->expected)
        put(t, "%s", n->expected);
    else
        describe_each(t, n->any_of.n ? &n->any_of : &n->one_of, " or ", 0);
}

/* Edits (insert, delete, substitute, swap two neighbours) from a to b. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    size_t rows[3][65];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

    if (la > 64 || lb > 64)
        return (size_t)-1;
    for (j = 0; j <= lb; j++)
        prev[j] = j;
    for (i = 1; i <= la; i++) {
        size_t *t;
        cur[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        t = prev2, prev2 = prev, prev = cur, cur = t;
    }
    return prev[lb];
}

/* "unknown field", with a likely intended name or the short list. */
static void put_unknown(struct text *t, const struct cnode *n, const char *key)
{
    const char *close = NULL;
    size_t i, best = 3;

    put(t, "unknown field");
    for (i = 0; i < n->n_props; i++) {
        size_t d = edit_distance(key, n->props[i].name);
        if (d < best && d * 3 <= strlen(n->props[i].name)) {
            best = d;
            close = n->props[i].name;
        }
    }
    if (close) {
        put(t, " (did you mean \"%s\"?)", close);
    } else if (n->n_props && n->n_props <= KNOWN_LIST_MAX) {
        put(t, " (allowed: ");
        for (i = 0; i < n->n_props; i++)
            put(t, "%s\"%s\"", i ? ", " : "", n->props[i].name);
        put(t, ")");
    }
}

static void put_expected(struct text *t, const struct verr *e)
{
    if (e->expected)
        put(t, "%s", e->expected);
    else if (e->kind == E_ANY || e->kind == E_ONE_MANY)
        describe_alternatives(t, e->node);
    else
        describe(t, e->node, 0);
}

static void word_error(struct text *t, const struct verr *e)
{
    switch (e->kind) {
    case E_REQUIRED:
        put(t, "missing required field \"%s\"", e->field);
        return;
    case E_UNKNOWN:
        put_unknown(t, e->node, e->field);
        return;
    case E_FALSE:
        put(t, "not allowed here");
        return;
    case E_DUPLICATE:
        put(t, "expected unique items, got ");
        put_value(t, e->found);
        put(t, " again (first at [%zu])", e->index);
        return;
    case E_NAME:
        put(t, "invalid field name: expected ");
        put_expected(t, e);
        put(t, ", got \"%s\"", e->field);
        return;
    case E_NOT:
        put(t, "expected ");
        if (e->expected)
            put(t, "%s", e->expected);
        else {
            put(t, "anything but ");
            describe(t, e->node, 0);
        }
        break;
    default:
        put(t, "expected ");
        put_expected(t, e);
        break;
    }
    put(t, ", got ");
    put_value(t, e->found);
    if (e->kind == E_ONE_MANY)
        put(t, ", which matches more than one of them");
}

static int report(const struct verr *e, struct dcs_error *err)
{
    struct text t;

    if (e->kind == E_LIMIT)
        return dcs_error_status(err, 500, e->path,
                                "schema nests more than %d levels deep "
                                "(a $ref loop?)",
                                MAX_LEVEL);
    if (e->kind == E_OOM)
        return dcs_error_status(err, 500, NULL, "out of memory");
    t.len = 0;
    t.buf[0] = '\0';
    word_error(&t, e);
    dcs_error_set(err, e->path, "%s", t.buf);
    if (err) {
        dcs_utf8_trim(err->path);
        dcs_utf8_trim(err->text);
    }
    return DCS_ERR;
}

static int run(const struct compiled *cs, const json_t *instance,
               const char *path, struct dcs_error *err)
{
    struct vctx x;
    struct verr e;

    memset(&x, 0, sizeof(x));
    if (path && *path) {
        snprintf(x.path, sizeof(x.path), "%s", path);
        x.len = strlen(x.path);
    }
    if (validate(&x, cs->root, instance, &e) == DCS_OK)
        return DCS_OK;
    return report(&e, err);
}

int dcs_schema_validate(const json_t *schema, const json_t *instance,
                        const char *path, struct dcs_error *err)
{
    const struct compiled *known;
    struct compiled *cs;
    const char *id;
    int rc;

    if (!schema || !instance)
        return dcs_error_status(err, 500, NULL, "no schema or no instance");
    known = table_compiled(schema);
    if (known)
        return run(known, instance, path, err);
    id = json_string_value(json_object_get(schema, "$id"));
    cs = compile_schema(id ? id : "(inline)", schema, err);
    if (!cs)
        return DCS_ERR;
    rc = run(cs, instance, path, err);
    compiled_free(cs);
    return rc;
}

int dcs_schema_check(const char *name, const json_t *instance,
                     const char *path, struct dcs_error *err)
{
    const struct loaded *l = table_find(name, err);

    if (!l)
        return DCS_ERR;
    if (!instance)
        return dcs_error_status(err, 500, NULL, "no instance");
    return run(l->compiled, instance, path, err);
}
