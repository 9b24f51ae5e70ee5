/* tz.h: an incident's own time zone: checking it, the creator's default, and making it the
 * zone "local time" means, for the calling thread, while that incident is shown, rendered or
 * parsed. */
#ifndef WARROOM_TZ_H
#define WARROOM_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

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
 * Make `zone` (tz_check's stored form) the local time zone of the calling thread:
 * wr_time_fmt(.., false, ..), wr_time_parse's local forms, tz_localtime, tz_mktime and tz_label
 * all follow it until the thread's next call. "" goes back to the process's own zone (the C
 * library's local time). Nothing else changes: not the environment, not the C library's zone.
 * warroom reads the zone database itself (TZif files and their POSIX rule), because switching
 * TZ with setenv while another thread calls getenv (the team-mode worker through libpq and
 * libcurl) is a data race, and because two threads may show two incidents in two zones.
 * A zone this machine does not know falls back to the process's own zone and returns -1 with
 * err saying so (the caller shows it). A thread that called tz_use with a zone calls
 * tz_use("", NULL) before it ends, to free what the zone loaded.
 */
int tz_use(const char *zone, struct wr_error *err);

/* The calling thread's zone, as tz_use was last given it ("" for the process's own). */
const char *tz_current(void);

/* Unix time t (seconds) broken down in the calling thread's zone, like localtime_r: tm_gmtoff,
 * tm_isdst and tm_zone (valid until the thread's next call) are set. NULL only when t is out of
 * the C library's range. */
struct tm *tz_localtime(int64_t t, struct tm *out);

/* The Unix time (seconds) of a wall-clock time in the calling thread's zone. Fields may run
 * over (day 0 is the last day of the month before). A time that happens twice (clocks going
 * back) reads as the first; one that never happens (clocks going forward) reads with the offset
 * in force before the change, so 02:30 in a 02:00 -> 03:00 gap is 03:30 daylight time. */
int64_t tz_mktime(int y, int mo, int d, int h, int mi, int s);

/* "UTC", "UTC-3", "UTC+5:30": the calling thread's zone's offset at instant ms. Returns buf. */
char *tz_label(int64_t ms, char *buf, size_t n);

#endif
