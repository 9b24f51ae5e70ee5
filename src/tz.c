/* tz.c: an incident's own time zone: checking it, the creator's default, and switching the
 * process's local zone to it. */
#include "tz.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static struct {
    bool saved;        /* the process's own TZ was remembered */
    bool had_tz;       /* ... and it was set */
    char own[256];     /* its value */
    char current[TZ_NAME_MAX];
} tz_state;

static void tz_remember(void)
{
    if (tz_state.saved)
        return;
    const char *v = getenv("TZ");
    tz_state.had_tz = v != NULL;
    snprintf(tz_state.own, sizeof tz_state.own, "%s", v ? v : "");
    tz_state.saved = true;
}

static int tz_reject(struct wr_error *err, const char *zone)
{
    return wr_fail(err, WR_E_INPUT,
                   "time zone '%.80s' is unknown here: use an IANA name such as "
                   "America/Argentina/Buenos_Aires, an offset such as -03:00, or UTC",
                   zone);
}

/* Parse a fixed offset ("-3", "-03", "-0300", "-03:00", with an optional UTC/GMT prefix) into
 * minutes east of UTC. False when it is not one. */
static bool tz_parse_offset(const char *z, int *minutes)
{
    if (strncasecmp(z, "UTC", 3) == 0 || strncasecmp(z, "GMT", 3) == 0)
        z += 3;
    if (*z != '+' && *z != '-')
        return false;
    int sign = *z == '-' ? -1 : 1, h = 0, m = 0, digits = 0;
    z++;
    while (isdigit((unsigned char)*z) && digits < 2)
        h = h * 10 + (*z++ - '0'), digits++;
    if (digits == 0)
        return false;
    if (*z == ':')
        z++;
    if (*z) {
        if (!isdigit((unsigned char)z[0]) || !isdigit((unsigned char)z[1]) || z[2])
            return false;
        m = (z[0] - '0') * 10 + (z[1] - '0');
    }
    if (h > 14 || m > 59 || (h == 14 && m > 0))
        return false;
    *minutes = sign * (h * 60 + m);
    return true;
}

/* The zone database directory: $TZDIR or the system's. */
static const char *tz_dir(void)
{
    const char *d = getenv("TZDIR");
    return d && *d ? d : "/usr/share/zoneinfo";
}

/* True when `name` is a zone file of the database (a TZif file under tz_dir()). */
static bool tz_known_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= TZ_NAME_MAX || name[0] == '/' || strstr(name, ".."))
        return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_+-/", *p))
            return false;
    char path[PATH_MAX], magic[4];
    snprintf(path, sizeof path, "%s/%s", tz_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
    fclose(f);
    return ok;
}

int tz_check(const char *zone, char *out, size_t n, struct wr_error *err)
{
    char z[TZ_NAME_MAX * 2];
    snprintf(z, sizeof z, "%s", zone ? zone : "");
    char *t = wr_trim(z);
    int minutes;
    if (!*t) {
        snprintf(out, n, "%s", "");
        return 0;
    }
    if (wr_streq_ci(t, "UTC") || wr_streq_ci(t, "Z") || wr_streq_ci(t, "GMT")) {
        snprintf(out, n, "UTC");
        return 0;
    }
    if (tz_parse_offset(t, &minutes)) {
        if (minutes == 0)
            snprintf(out, n, "UTC");
        else
            snprintf(out, n, "%c%02d:%02d", minutes < 0 ? '-' : '+', abs(minutes) / 60,
                     abs(minutes) % 60);
        return 0;
    }
    if (!tz_known_name(t))
        return tz_reject(err, t);
    snprintf(out, n, "%s", t);
    return 0;
}

/* A zone file name out of a TZ value or a /etc/localtime link ("/usr/share/zoneinfo/X" -> X). */
static const char *tz_strip_path(const char *v)
{
    if (*v == ':')
        v++;
    const char *z = strstr(v, "zoneinfo/");
    return z ? z + strlen("zoneinfo/") : v;
}

char *tz_default(char *buf, size_t n)
{
    tz_remember();
    if (tz_state.had_tz && tz_state.own[0] &&
        tz_check(tz_strip_path(tz_state.own), buf, n, NULL) == 0)
        return buf;
    char line[256];
    FILE *f = fopen("/etc/timezone", "r");
    if (f) {
        bool got = fgets(line, sizeof line, f) != NULL;
        fclose(f);
        if (got && tz_check(line, buf, n, NULL) == 0 && buf[0])
            return buf;
    }
    ssize_t len = readlink("/etc/localtime", line, sizeof line - 1);
    if (len > 0) {
        line[len] = '\0';
        if (tz_check(tz_strip_path(line), buf, n, NULL) == 0 && buf[0])
            return buf;
    }
    /* Only an offset is left: the one in force now in the process's own zone. */
    char cur[TZ_NAME_MAX];
    snprintf(cur, sizeof cur, "%s", tz_state.current);
    tz_use("", NULL);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    long off = tm.tm_gmtoff / 60;
    tz_use(cur, NULL);
    char spec[48];
    snprintf(spec, sizeof spec, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 60,
             labs(off) % 60);
    if (tz_check(spec, buf, n, NULL) != 0)
        snprintf(buf, n, "UTC");
    return buf;
}

int tz_use(const char *zone, struct wr_error *err)
{
    tz_remember();
    const char *z = zone ? zone : "";
    if (strcmp(z, tz_state.current) == 0)
        return 0;
    int rc = 0, minutes;
    char posix[TZ_NAME_MAX + 8];
    if (!*z) {
        if (tz_state.had_tz)
            setenv("TZ", tz_state.own, 1);
        else
            unsetenv("TZ");
    } else if (strcmp(z, "UTC") == 0) {
        setenv("TZ", "UTC0", 1);
    } else if (tz_parse_offset(z, &minutes)) {
        /* POSIX counts hours west of UTC: -03:00 is "<-0300>3:00". */
        snprintf(posix, sizeof posix, "<%c%02d%02d>%s%d:%02d", minutes < 0 ? '-' : '+',
                 abs(minutes) / 60, abs(minutes) % 60, minutes > 0 ? "-" : "", abs(minutes) / 60,
                 abs(minutes) % 60);
        setenv("TZ", posix, 1);
    } else if (tz_known_name(z)) {
        snprintf(posix, sizeof posix, ":%s", z);
        setenv("TZ", posix, 1);
    } else {
        rc = wr_fail(err, WR_E_INPUT,
                     "the incident's time zone '%.80s' is unknown on this machine (install "
                     "tzdata); local times are shown in this machine's zone",
                     z);
        z = "";
        if (tz_state.had_tz)
            setenv("TZ", tz_state.own, 1);
        else
            unsetenv("TZ");
    }
    tzset();
    snprintf(tz_state.current, sizeof tz_state.current, "%s", z);
    return rc;
}

const char *tz_current(void) { return tz_state.current; }

char *tz_label(int64_t ms, char *buf, size_t n)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    long off = tm.tm_gmtoff / 60;
    if (off == 0)
        snprintf(buf, n, "UTC");
    else if (labs(off) % 60)
        snprintf(buf, n, "UTC%c%ld:%02ld", off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
    else
        snprintf(buf, n, "UTC%c%ld", off < 0 ? '-' : '+', labs(off) / 60);
    return buf;
}
