/* tz.h: an incident's own time zone: checking it, the creator's default, and making it the
 * zone "local time" means while that incident is shown, rendered or parsed. */
#ifndef WARROOM_TZ_H
#define WARROOM_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Longest zone text stored ("America/Argentina/ComodRivadavia" is 32). */
#define TZ_NAME_MAX 64

/*
 * Check a zone as a user gives it and write its stored form into out (n >= TZ_NAME_MAX):
 *   ""                                   the viewer's own zone (nothing set)
 *   "UTC", "Z", "+00:00"                 "UTC"
 *   "-3", "-03", "-0300", "-03:00", "UTC-3", "UTC+05:30"   "-03:00", "+05:30" (fixed offsets)
 *   "America/Argentina/Buenos_Aires"     kept as is, when the zone database has it
 * Returns 0, or -1 with err (WR_E_INPUT) saying what is accepted.
 */
int tz_check(const char *zone, char *out, size_t n, struct wr_error *err);

/* The zone of whoever runs warroom, in tz_check's stored form: $TZ, else /etc/timezone, else the
 * /etc/localtime link, else the current UTC offset as "-03:00". Never fails; "UTC" at worst. */
char *tz_default(char *buf, size_t n);

/*
 * Make `zone` (tz_check's stored form) the process's local time zone: wr_time_fmt(.., false, ..),
 * wr_time_parse's local forms and tz_label all follow it until the next call. "" goes back to
 * the zone the process started with. warroom is single-threaded, and the C library's own
 * localtime/mktime are the only complete reader of the zone database it has, which is why the
 * zone is switched rather than passed around. A zone this machine does not know falls back to
 * the process's own zone and returns -1 with err saying so (the caller shows it).
 */
int tz_use(const char *zone, struct wr_error *err);

/* The zone in use now, as tz_use was last given it ("" for the process's own). */
const char *tz_current(void);

/* "UTC", "UTC-3", "UTC+5:30": the local zone's offset at instant ms. Returns buf. */
char *tz_label(int64_t ms, char *buf, size_t n);

#endif
