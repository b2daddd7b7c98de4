/*
 * json_pool.h - a pool allocator for jansson, for one large translation.
 *
 * A large stack makes and frees tens of millions of small JSON values, and
 * glibc's malloc and free took a quarter of the time for them.  Between
 * dcs_json_pool_begin and dcs_json_pool_end, jansson allocates from this
 * pool (json_set_alloc_funcs, which is process-wide: nothing else may use
 * jansson meanwhile but the command that began it, on any of its threads).
 * Sanitizer builds keep malloc, so that they still see every JSON value.
 */
#ifndef DCS_JSON_POOL_H
#define DCS_JSON_POOL_H

void dcs_json_pool_begin(void);

/* Is jansson allocating from the pool (not in sanitizer builds)?  A command
 * about to end may then leave its values unfreed: they stay reachable from
 * the pool, and the process frees them all at once. */
int dcs_json_pool_active(void);

/* Back to malloc; the pool's memory is released unless a value made from it
 * is still alive.  Every thread that used the pool must have ended. */
void dcs_json_pool_end(void);

#endif
