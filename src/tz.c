/* tz.c: an incident's own time zone: checking it, the creator's default, and local time in it
 * for the calling thread, read from the zone database without touching the environment. */
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

/* ---- a zone in memory: the transitions of a TZif file and the rule after them ---- */

/* One end of daylight time in a POSIX TZ rule: the day (Jn, n or Mm.w.d) and the local time of
 * day of the change, in seconds (may be negative or past 24 h: RFC 8536's extension). */
struct tz_change {
    char form; /* 'J' (1..365, no Feb 29), 'D' (0..365), 'M' (month.week.weekday) */
    int n, m, w, d;
    int32_t secs;
};

/* The POSIX TZ string at the end of a TZif file: the zone's rule after its last transition. */
struct tz_rule {
    int32_t std_off, dst_off; /* seconds east of UTC */
    bool has_dst;
    struct tz_change start, end;
    char std_abbr[16], dst_abbr[16];
};

struct tz_type {
    int32_t off; /* seconds east of UTC */
    bool dst;
    char abbr[16];
};

struct tz_data {
    int64_t *at;    /* transitions, UTC seconds, ascending */
    uint8_t *type;  /* the type in force from at[i] */
    size_t n;
    struct tz_type types[256];
    size_t ntypes;
    bool has_rule; /* the footer's rule governs after the last transition */
    struct tz_rule rule;
};

static void tz_data_free(struct tz_data **dp)
{
    if (!*dp)
        return;
    free((*dp)->at);
    free((*dp)->type);
    free(*dp);
    *dp = NULL;
}

/*
 * The calling thread's zone. Per thread, so a thread that renders another incident (an export
 * running beside the cockpit) never changes what the cockpit's thread shows, and nothing here
 * writes the environment: setenv("TZ") while the team-mode worker reads it through libpq or
 * libcurl (getenv) is a data race in the C library.
 */
enum tz_kind { TZ_OWN, TZ_FIXED, TZ_DATA };
static _Thread_local struct {
    char current[TZ_NAME_MAX];
    enum tz_kind kind;
    int32_t fixed;   /* TZ_FIXED: seconds east */
    char fixed_abbr[16];
    struct tz_data *data; /* TZ_DATA */
} tz_tls;

/* The process's own TZ as it started (read once, before any thread exists: tz_default). */
static struct {
    bool saved, had_tz;
    char own[256];
} tz_proc;

static void tz_remember(void)
{
    if (tz_proc.saved)
        return;
    const char *v = getenv("TZ");
    tz_proc.had_tz = v != NULL;
    snprintf(tz_proc.own, sizeof tz_proc.own, "%s", v ? v : "");
    tz_proc.saved = true;
}

/* ---- POSIX TZ rules (the TZif footer) ---- */

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* [+-]hh[:mm[:ss]], hours up to max_h; seconds in *out (sign as written). */
static const char *rule_time(const char *p, int max_h, int32_t *out)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p))
        return NULL;
    long h = 0, m = 0, s = 0;
    while (isdigit((unsigned char)*p) && h <= max_h)
        h = h * 10 + (*p++ - '0');
    if (h > max_h)
        return NULL;
    if (*p == ':') {
        p++;
        if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
            return NULL;
        m = (p[0] - '0') * 10 + (p[1] - '0');
        p += 2;
        if (*p == ':') {
            p++;
            if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
                return NULL;
            s = (p[0] - '0') * 10 + (p[1] - '0');
            p += 2;
        }
    }
    if (m > 59 || s > 59)
        return NULL;
    *out = (int32_t)(sign * (h * 3600 + m * 60 + s));
    return p;
}

/* A zone abbreviation: <...> quoted, or three or more letters. */
static const char *rule_name(const char *p, char *out, size_t n)
{
    const char *b = p, *e;
    if (*p == '<') {
        b = ++p;
        while (*p && *p != '>')
            p++;
        if (*p != '>')
            return NULL;
        e = p++;
    } else {
        while (isalpha((unsigned char)*p))
            p++;
        e = p;
    }
    if (e - b < 3)
        return NULL;
    snprintf(out, n, "%.*s", (int)(e - b), b);
    return p;
}

static int rule_number(const char **pp, int lo, int hi)
{
    const char *p = *pp;
    if (!isdigit((unsigned char)*p))
        return -1;
    int v = 0;
    while (isdigit((unsigned char)*p) && v <= hi)
        v = v * 10 + (*p++ - '0');
    *pp = p;
    return v < lo || v > hi ? -1 : v;
}

static const char *rule_change(const char *p, struct tz_change *c)
{
    if (*p == 'J') {
        p++;
        c->form = 'J';
        if ((c->n = rule_number(&p, 1, 365)) < 0)
            return NULL;
    } else if (*p == 'M') {
        p++;
        c->form = 'M';
        if ((c->m = rule_number(&p, 1, 12)) < 0 || *p++ != '.' ||
            (c->w = rule_number(&p, 1, 5)) < 0 || *p++ != '.' ||
            (c->d = rule_number(&p, 0, 6)) < 0)
            return NULL;
    } else {
        c->form = 'D';
        if ((c->n = rule_number(&p, 0, 365)) < 0)
            return NULL;
    }
    c->secs = 2 * 3600;
    if (*p == '/')
        p = rule_time(p + 1, 167, &c->secs);
    return p;
}

/* Parse a POSIX TZ string ("<-03>3", "CET-1CEST,M3.5.0,M10.5.0/3"). False when it is not one. */
static bool rule_parse(const char *p, struct tz_rule *r)
{
    memset(r, 0, sizeof *r);
    int32_t off;
    if (!(p = rule_name(p, r->std_abbr, sizeof r->std_abbr)) || !(p = rule_time(p, 24, &off)))
        return false;
    r->std_off = -off; /* POSIX counts west of UTC */
    if (!*p)
        return true;
    r->has_dst = true;
    if (!(p = rule_name(p, r->dst_abbr, sizeof r->dst_abbr)))
        return false;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = rule_time(p, 24, &off)))
            return false;
        r->dst_off = -off;
    }
    if (!*p) /* POSIX leaves the default rule to the implementation: the US one, as glibc */
        p = ",M3.2.0,M11.1.0";
    if (*p++ != ',' || !(p = rule_change(p, &r->start)) || *p++ != ',' ||
        !(p = rule_change(p, &r->end)))
        return false;
    return *p == '\0';
}

/* UTC seconds of a change in `year`, whose local time of day is read at offset `off`. */
static int64_t rule_change_utc(const struct tz_change *c, int64_t year, int32_t off)
{
    int64_t day = wr_days_from_civil((int)year, 1, 1);
    if (c->form == 'J')
        day += c->n - 1 + (is_leap(year) && c->n >= 60);
    else if (c->form == 'D')
        day += c->n;
    else {
        static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int len = dim[c->m - 1] + (c->m == 2 && is_leap(year));
        int64_t first = wr_days_from_civil((int)year, c->m, 1);
        int wday = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
        int64_t d = first + (c->d - wday + 7) % 7 + (int64_t)(c->w - 1) * 7;
        while (d >= first + len)
            d -= 7;
        day = d;
    }
    return day * 86400 + c->secs - off;
}

/* The rule's offset at UTC second t. */
static const struct tz_type *rule_at(const struct tz_rule *r, int64_t t, struct tz_type *out)
{
    out->off = r->std_off;
    out->dst = false;
    snprintf(out->abbr, sizeof out->abbr, "%s", r->std_abbr);
    if (!r->has_dst)
        return out;
    int64_t local = t + r->std_off;
    int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    time_t mid = (time_t)(days * 86400);
    struct tm tm;
    gmtime_r(&mid, &tm);
    int64_t year = (int64_t)tm.tm_year + 1900;
    /* The start is given in standard time, the end in daylight time. */
    int64_t start = rule_change_utc(&r->start, year, r->std_off);
    int64_t end = rule_change_utc(&r->end, year, r->dst_off);
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    if (dst) {
        out->off = r->dst_off;
        out->dst = true;
        snprintf(out->abbr, sizeof out->abbr, "%s", r->dst_abbr);
    }
    return out;
}

/* ---- TZif files (RFC 8536) ---- */

static int64_t be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    if (bytes == 4)
        return (int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* Parse a TZif file into *d. -1 when it is not one (or uses leap seconds: the "right/" zones
 * count time differently from everything warroom stores). */
static int tzif_parse(const unsigned char *b, size_t len, struct tz_data *d)
{
    if (len < 44 || memcmp(b, "TZif", 4) != 0)
        return -1;
    int tsize = 4;
    const unsigned char *h = b, *end = b + len;
    size_t cnt[6];
    for (int pass = 0;; pass++) {
        for (int i = 0; i < 6; i++)
            cnt[i] = (size_t)(uint32_t)be(h + 20 + 4 * i, 4);
        size_t isut = cnt[0], isstd = cnt[1], leap = cnt[2], timecnt = cnt[3], typecnt = cnt[4],
               charcnt = cnt[5];
        if (timecnt > 100000 || typecnt == 0 || typecnt > 256 || charcnt > 4096 || leap > 10000 ||
            isut > 256 || isstd > 256)
            return -1;
        size_t block = timecnt * (size_t)tsize + timecnt + typecnt * 6 + charcnt +
                       leap * (size_t)(tsize + 4) + isstd + isut;
        if ((size_t)(end - (h + 44)) < block)
            return -1;
        if (pass == 0 && h[4] >= '2') { /* skip the 32-bit data: the 64-bit copy follows */
            h += 44 + block;
            if ((size_t)(end - h) < 44 || memcmp(h, "TZif", 4) != 0)
                return -1;
            tsize = 8;
            continue;
        }
        if (leap > 0)
            return -1;
        const unsigned char *p = h + 44;
        d->n = timecnt;
        d->at = calloc(timecnt ? timecnt : 1, sizeof *d->at);
        d->type = calloc(timecnt ? timecnt : 1, 1);
        if (!d->at || !d->type)
            return -1;
        for (size_t i = 0; i < timecnt; i++, p += tsize) {
            d->at[i] = be(p, tsize);
            if (i && d->at[i] <= d->at[i - 1])
                return -1;
        }
        for (size_t i = 0; i < timecnt; i++, p++) {
            if (*p >= typecnt)
                return -1;
            d->type[i] = *p;
        }
        const unsigned char *chars = p + typecnt * 6;
        d->ntypes = typecnt;
        for (size_t i = 0; i < typecnt; i++, p += 6) {
            d->types[i].off = (int32_t)be(p, 4);
            d->types[i].dst = p[4] != 0;
            size_t ai = p[5];
            if (ai >= charcnt || d->types[i].off < -25 * 3600 || d->types[i].off > 26 * 3600)
                return -1;
            size_t an = strnlen((const char *)chars + ai, charcnt - ai);
            snprintf(d->types[i].abbr, sizeof d->types[i].abbr, "%.*s", (int)an, chars + ai);
        }
        p = h + 44 + block;
        if (tsize == 8 && p < end && *p == '\n') {
            const unsigned char *nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
            if (!nl)
                return -1;
            char footer[128];
            size_t fn = (size_t)(nl - p - 1);
            if (fn > 0) {
                if (fn >= sizeof footer)
                    return -1;
                memcpy(footer, p + 1, fn);
                footer[fn] = '\0';
                if (!rule_parse(footer, &d->rule))
                    return -1;
                d->has_rule = true;
            }
        }
        return 0;
    }
}

/* The type in force at UTC second t. */
static const struct tz_type *data_at(const struct tz_data *d, int64_t t, struct tz_type *buf)
{
    if (d->n == 0 || t >= d->at[d->n - 1]) {
        if (d->has_rule)
            return rule_at(&d->rule, t, buf);
        return d->n ? &d->types[d->type[d->n - 1]] : &d->types[0];
    }
    if (t < d->at[0])
        return &d->types[0]; /* RFC 8536: before the first transition, type 0 */
    size_t lo = 0, hi = d->n - 1; /* at[lo] <= t < at[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->at[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return &d->types[d->type[lo]];
}

/* ---- names and files ---- */

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

/* Load zone `name` from the database: NULL when it is not a zone file warroom can read. */
static struct tz_data *tz_load(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= TZ_NAME_MAX || name[0] == '/' || strstr(name, ".."))
        return NULL;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_+-/", *p))
            return NULL;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", tz_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = malloc(256 * 1024);
    struct tz_data *d = calloc(1, sizeof *d);
    size_t n = buf ? fread(buf, 1, 256 * 1024, f) : 0;
    fclose(f);
    if (!buf || !d || n == 256 * 1024 || tzif_parse(buf, n, d) != 0)
        tz_data_free(&d);
    free(buf);
    return d;
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
    struct tz_data *d = tz_load(t);
    if (!d)
        return tz_reject(err, t);
    tz_data_free(&d);
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
    if (tz_proc.had_tz && tz_proc.own[0] &&
        tz_check(tz_strip_path(tz_proc.own), buf, n, NULL) == 0)
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
    /* Only an offset is left: the one in force now in the process's own zone (the C library's
     * local time, which tz_use never changes). */
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    long off = tm.tm_gmtoff / 60;
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
    if (strcmp(z, tz_tls.current) == 0)
        return 0;
    int rc = 0, minutes;
    struct tz_data *d = NULL;
    enum tz_kind kind = TZ_OWN;
    int32_t fixed = 0;
    if (!*z) {
        kind = TZ_OWN;
    } else if (strcmp(z, "UTC") == 0) {
        kind = TZ_FIXED;
    } else if (tz_parse_offset(z, &minutes)) {
        kind = TZ_FIXED;
        fixed = minutes * 60;
    } else if ((d = tz_load(z)) != NULL) {
        kind = TZ_DATA;
    } else {
        rc = wr_fail(err, WR_E_INPUT,
                     "the incident's time zone '%.80s' is unknown on this machine (install "
                     "tzdata); local times are shown in this machine's zone",
                     z);
        z = "";
    }
    tz_data_free(&tz_tls.data);
    tz_tls.kind = kind;
    tz_tls.fixed = fixed;
    tz_tls.data = d;
    if (fixed == 0)
        snprintf(tz_tls.fixed_abbr, sizeof tz_tls.fixed_abbr, "UTC");
    else if (fixed % 3600)
        snprintf(tz_tls.fixed_abbr, sizeof tz_tls.fixed_abbr, "%c%02d%02d", fixed < 0 ? '-' : '+',
                 abs(fixed) / 3600, abs(fixed) / 60 % 60);
    else
        snprintf(tz_tls.fixed_abbr, sizeof tz_tls.fixed_abbr, "%c%02d", fixed < 0 ? '-' : '+',
                 abs(fixed) / 3600);
    snprintf(tz_tls.current, sizeof tz_tls.current, "%s", z);
    return rc;
}

const char *tz_current(void) { return tz_tls.current; }

/* This thread's zone at UTC second t; NULL for the process's own zone (the C library's). */
static const struct tz_type *tz_at(int64_t t, struct tz_type *buf)
{
    switch (tz_tls.kind) {
    case TZ_FIXED:
        buf->off = tz_tls.fixed;
        buf->dst = false;
        snprintf(buf->abbr, sizeof buf->abbr, "%s", tz_tls.fixed_abbr);
        return buf;
    case TZ_DATA:
        return data_at(tz_tls.data, t, buf);
    case TZ_OWN:
        break;
    }
    return NULL;
}

struct tm *tz_localtime(int64_t t, struct tm *out)
{
    struct tz_type buf;
    const struct tz_type *ty = tz_at(t, &buf);
    time_t tt = (time_t)t;
    if (!ty)
        return localtime_r(&tt, out);
    tt = (time_t)(t + ty->off);
    if (!gmtime_r(&tt, out))
        return NULL;
    out->tm_isdst = ty->dst;
    out->tm_gmtoff = ty->off;
    /* tm_zone must outlive the call: the thread's own copy of the last abbreviation given. */
    static _Thread_local char abbr[16];
    snprintf(abbr, sizeof abbr, "%s", ty->abbr);
    out->tm_zone = abbr;
    return out;
}

int64_t tz_mktime(int y, int mo, int d, int h, int mi, int s)
{
    struct tz_type buf;
    if (!tz_at(0, &buf)) {
        struct tm tm = {0};
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = s;
        tm.tm_isdst = -1;
        return (int64_t)mktime(&tm);
    }
    int64_t local = wr_days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + s;
    /* The offsets in force around that wall-clock time: a day either side covers every change
     * (none moves the clock by more than a day). A time that happens twice reads as the first;
     * one skipped by a change forward reads with the offset from before the change. */
    int32_t guess = tz_at(local, &buf)->off;
    int32_t before = tz_at(local - guess - 86400, &buf)->off;
    int32_t at = tz_at(local - guess, &buf)->off;
    int32_t after = tz_at(local - guess + 86400, &buf)->off;
    const int32_t cand[] = {before, at, after};
    bool found = false;
    int64_t best = 0;
    for (size_t i = 0; i < 3; i++) {
        int64_t u = local - cand[i];
        if (tz_at(u, &buf)->off == cand[i] && (!found || u < best)) {
            best = u;
            found = true;
        }
    }
    return found ? best : local - before;
}

char *tz_label(int64_t ms, char *buf, size_t n)
{
    int64_t t = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    struct tm tm;
    if (!tz_localtime(t, &tm))
        tm.tm_gmtoff = 0;
    long off = tm.tm_gmtoff / 60;
    if (off == 0)
        snprintf(buf, n, "UTC");
    else if (labs(off) % 60)
        snprintf(buf, n, "UTC%c%ld:%02ld", off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
    else
        snprintf(buf, n, "UTC%c%ld", off < 0 ? '-' : '+', labs(off) / 60);
    return buf;
}
