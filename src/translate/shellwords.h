/*
 * shellwords.h - POSIX shell word splitting for Docker Cloud's string
 * `entrypoint` / `run_command`, which swarm wants as argv arrays.
 *
 * Splitting follows the POSIX shell's quoting rules (XCU 2.2 and 2.6.5 with
 * the default IFS), with no expansion: unquoted backslash escapes the next
 * character (and backslash-newline is removed); '...' is literal;
 * "..." keeps everything but \$ \` \" \\ \newline, which lose the backslash.
 * Blanks are space, tab and newline.  As there is no shell, `#`, `;`, `|`,
 * `&`, `<`, `>`, `$`, `*` and `~` are ordinary characters (no comments, no
 * operators, no expansion).  An unterminated quote or a trailing lone
 * backslash is an error whose text gives the character position (1-based).
 * "" (or only blanks) gives an empty array.
 *
 * dcs_shell_join() is the inverse: words are separated by one space, and
 * words that need quoting (any character outside [A-Za-z0-9@%+=:,./_-], or
 * the empty word) are single-quoted ('it'\''s'), so that
 * dcs_shell_split(dcs_shell_join(a)) equals a.  It returns NULL when argv
 * is not an array of strings, or a string holds a NUL.
 *
 * Ownership: dcs_shell_split returns a new JSON array of strings;
 * dcs_shell_join returns a malloc'd string.  Both NULL on error.
 */
#ifndef DCS_SHELLWORDS_H
#define DCS_SHELLWORDS_H

#include <jansson.h>

#include "util/error.h"

json_t *dcs_shell_split(const char *s, struct dcs_error *err);
/* What dcs_shell_split refuses, without making the words. */
int dcs_shell_check(const char *s, struct dcs_error *err);
char *dcs_shell_join(const json_t *argv);

#endif
