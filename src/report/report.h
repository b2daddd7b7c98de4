/*
 * report.h - the migration report of a set of stackfiles (dcswarm report):
 * for every service, every field it sets, what that field becomes on swarm
 * (exact, approximate, kept), why, and what the operator should do; per
 * stackfile and overall a verdict.  Pure: texts in, JSON (the
 * dcswarm.report/v1 document, schemas/report.json) and HTML out.
 *
 * Verdicts, from best to worst: "ready" (every field exact), "review"
 * (approximations), "attention" (fields kept that swarm will not enforce),
 * "refused" (the stackfile cannot be translated; the reason is kept).
 *
 * Ownership: dcs_report_json and dcs_report_html return new values the
 * caller frees (json_decref, free); the report keeps nothing it was given.
 */
#ifndef DCS_REPORT_H
#define DCS_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "translate/translate.h"

#define DCS_REPORT_SCHEMA "dcswarm.report/v1"

struct dcs_report;

/* version: dcswarm's; generated: an RFC 3339 time written as given. */
struct dcs_report *dcs_report_new(const char *version, const char *generated);
void dcs_report_free(struct dcs_report *r);

/* One stackfile (or Docker Cloud JSON export), `len` bytes of `text` read
 * from `file` (the name the report shows).  A stackfile that cannot be
 * translated is recorded as refused with the reason, not returned as an
 * error: DCS_ERR only when out of memory.  opts: format, namespace, limits
 * (stack is the file's own name when NULL). */
int dcs_report_add(struct dcs_report *r, const char *file, const char *text, size_t len,
                   const struct dcs_translate_opts *opts, struct dcs_error *err);

/* A file that could not be read: refused with `why`. */
int dcs_report_add_unread(struct dcs_report *r, const char *file, const char *why);

/* The whole document: header, totals, verdict, differences, stackfiles. */
json_t *dcs_report_json(const struct dcs_report *r);

/* The document as one self-contained HTML page (inline CSS, no script). */
char *dcs_report_html(const json_t *report);

/* Exit status for a CI job: 0 ready, 2 review, 3 attention or refused;
 * strict: review is 3 too. */
int dcs_report_status(const json_t *report, bool strict);

/* What the operator should do about a field of class approximate or kept
 * (its Docker Cloud API name); NULL for none known. */
const char *dcs_report_advice(const char *api);

#endif
