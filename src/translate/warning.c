#include "translate/translate.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/jsonw.h"

/* Messages are capped as they always were: a longer one is cut. */
#define MESSAGE_MAX 1024

/* As printf's %s would print it. */
static void put_str(struct dcs_strbuf *b, const char *s)
{
    if (!s)
        s = "(null)";
    dcs_strbuf_append(b, s, strlen(s));
}

/* A checked string: NULL when it is not valid UTF-8. */
static json_t *checked(const char *s)
{
    size_t n = strlen(s);

    return dcs_utf8_valid(s, n) ? json_stringn_nocheck(s, n) : NULL;
}

static void add_warning(json_t *warnings, const char *service, const char *field,
                        const char *class_, const char *msg)
{
    /* Checked as json_pack checked them: a message cut inside a character
     * is dropped, as it always was. */
    json_t *w = json_object(), *s = checked(service), *f = checked(field);
    json_t *c = checked(class_), *m = checked(msg);

    if (!w || !s || !f || !c || !m) {
        json_decref(w);
        json_decref(s);
        json_decref(f);
        json_decref(c);
        json_decref(m);
        return;
    }
    json_object_set_new_nocheck(w, "service", s);
    json_object_set_new_nocheck(w, "field", f);
    json_object_set_new_nocheck(w, "class", c);
    json_object_set_new_nocheck(w, "message", m);
    json_array_append_new(warnings, w);
}

/* The message as fmt makes it, cut at MESSAGE_MAX bytes. */
static void format_message(char msg[MESSAGE_MAX], const char *fmt, va_list ap)
{
    if (!strcmp(fmt, "%s")) {
        /* Most messages are one fixed text: copied, cut as printf would. */
        const char *text = va_arg(ap, const char *);
        size_t n;
        if (!text)
            text = "(null)";
        n = strnlen(text, MESSAGE_MAX - 1);
        memcpy(msg, text, n);
        msg[n] = 0;
    } else {
        vsnprintf(msg, MESSAGE_MAX, fmt, ap);
    }
}

void dcs_vwarn(json_t *warnings, const char *service, const char *field,
               const char *class_, const char *fmt, va_list ap)
{
    char msg[MESSAGE_MAX];

    if (!warnings)
        return;
    format_message(msg, fmt, ap);
    add_warning(warnings, service ? service : "", field ? field : "", class_, msg);
}

static bool valid_text(const char *s)
{
    return dcs_utf8_valid(s, strlen(s));
}

void dcs_vwarn_line(struct dcs_strbuf *b, const char *source, const char *service,
                    const char *field, const char *class_, const char *fmt, va_list ap)
{
    char msg[MESSAGE_MAX];

    format_message(msg, fmt, ap);
    service = service ? service : "";
    field = field ? field : "";
    /* Dropped where add_warning drops it. */
    if (!valid_text(service) || !valid_text(field) || !valid_text(class_) ||
        !valid_text(msg))
        return;
    put_str(b, source);
    put_str(b, ":");
    put_str(b, service);
    put_str(b, ":");
    put_str(b, field);
    put_str(b, ": ");
    put_str(b, msg);
    put_str(b, "\n");
}

void dcs_warn(json_t *warnings, const char *service, const char *field,
              const char *class_, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    dcs_vwarn(warnings, service, field, class_, fmt, ap);
    va_end(ap);
}

void dcs_warning_lines(struct dcs_strbuf *b, const char *source, const json_t *warnings)
{
    const json_t *w;
    size_t i;

    json_array_foreach(warnings, i, w) {
        put_str(b, source);
        put_str(b, ":");
        put_str(b, json_string_value(json_object_get(w, "service")));
        put_str(b, ":");
        put_str(b, json_string_value(json_object_get(w, "field")));
        put_str(b, ": ");
        put_str(b, json_string_value(json_object_get(w, "message")));
        put_str(b, "\n");
    }
}

/* 8-4-4-4-12 lower-case hex digits of md[0..16), by hand: once per service. */
static void uuid_text(const unsigned char *md, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    char *p = out;

    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[md[i] >> 4];
        *p++ = hex[md[i] & 15];
    }
    *p = 0;
}

/* Fetched once: EVP_sha256() makes EVP_Digest look the algorithm up in
 * the provider store (a lock) on every call. */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void dcs_uuid_for(const char *namespace_, const char *stack, const char *name,
                  char out[37])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char key[1024];
    int n;

    n = snprintf(key, sizeof(key), "dcswarm\n%s\n%s\n%s", namespace_ ? namespace_ : "",
                 stack ? stack : "", name ? name : "");
    if (n < 0 || (size_t)n >= sizeof(key))
        n = (int)sizeof(key) - 1;
    pthread_once(&sha256_once, sha256_fetch);
    EVP_Digest(key, (size_t)n, md, &mdlen, sha256 ? sha256 : EVP_sha256(), NULL);
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x40); /* version 4 */
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    uuid_text(md, out);
}
