/*
 * datetime.h - Docker Cloud's datetimes: exactly "Mon, 13 Oct 2014 11:01:43
 * +0000" (English names, UTC), never ISO 8601, which crashes the CLI's
 * listings.  Pure: the time is always an argument.
 */
#ifndef DCS_DATETIME_H
#define DCS_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define DCS_DATETIME_LEN 64

/* Format t (UTC) into out (at least DCS_DATETIME_LEN bytes). */
void dcs_datetime_format(time_t t, char *out);

/* Parse an Engine timestamp ("2024-01-02T03:04:05.123456789Z" or with a
 * +hh:mm offset) into seconds since the epoch; false if malformed. */
bool dcs_engine_time_parse(const char *s, time_t *t);

/* t as an Engine timestamp "2024-01-02T03:04:05Z" into out. */
void dcs_engine_time(time_t t, char out[40]);

/* The Engine timestamp as a Docker Cloud datetime; false if malformed. */
bool dcs_datetime_from_engine(const char *s, char *out);

#endif
