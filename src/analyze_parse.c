/* analyze_parse.c: the byte-level parsers of log analysis: a field scanner for JSON objects
 * (no allocation, bounded), ISO 8601 times, the four line formats, format detection, path
 * normalisation and error classification. Everything here reads untrusted bytes: every read
 * is bounded by an explicit end, never by a NUL. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analyze_internal.h"

void ana_record_reset(struct ana_record *r)
{
    memset(r->f, 0, sizeof r->f);
    memset(r->prio, 255, sizeof r->prio);
    for (int i = 0; i < ANA_F_COUNT; i++)
        r->num[i] = NAN;
    r->scale = 1;
    r->env_ts_ms = WR_TIME_NONE;
    r->status = -1;
    r->duration_ms = NAN;
    r->is_json = false;
    r->names_hit = 0;
}

/* ---- JSON ---- */

#define ANA_JSON_DEPTH 64

struct scan {
    const char *p, *end;
    const struct analyze_map *map;
    struct ana_record *r;
    char path[ANALYZE_NAME_MAX + 1];
    size_t plen;
};

static inline void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* At '"': find the closing quote. The content is [*start, *start + *n). */
static int scan_string(struct scan *s, const char **start, size_t *n, bool *esc)
{
    const char *st = ++s->p;
    const char *q = st;
    for (;;) {
        q = memchr(q, '"', (size_t)(s->end - q));
        if (!q)
            return -1;
        size_t bs = 0;
        for (const char *b = q - 1; b >= st && *b == '\\'; b--)
            bs++;
        if (bs % 2 == 0)
            break;
        q++;
    }
    *start = st;
    *n = (size_t)(q - st);
    *esc = memchr(st, '\\', *n) != NULL;
    s->p = q + 1;
    return 0;
}

/* A JSON number at s->p; *v gets its value. */
static int scan_number(struct scan *s, double *v)
{
    const char *p = s->p, *e = s->end;
    bool neg = false;
    if (p < e && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= e || !isdigit((unsigned char)*p))
        return -1;
    double x = 0;
    if (*p == '0')
        p++;
    else
        while (p < e && isdigit((unsigned char)*p))
            x = x * 10 + (*p++ - '0');
    if (p < e && *p == '.') {
        p++;
        if (p >= e || !isdigit((unsigned char)*p))
            return -1;
        double f = 0.1;
        while (p < e && isdigit((unsigned char)*p)) {
            x += (*p++ - '0') * f;
            f *= 0.1;
        }
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p >= e || !isdigit((unsigned char)*p))
            return -1;
        int ex = 0;
        while (p < e && isdigit((unsigned char)*p)) {
            if (ex < 10000)
                ex = ex * 10 + (*p - '0');
            p++;
        }
        /* 0 and infinity stay what they are: 0 x 1e99999 and inf x 1e-99999 would be NaN,
         * which passes every range check (an ALB status of "0E095651" did) */
        if (x != 0 && !isinf(x))
            x *= pow(10.0, eneg ? -ex : ex);
    }
    *v = neg ? -x : x;
    s->p = p;
    return 0;
}

static int scan_literal(struct scan *s, const char *lit, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n) != 0)
        return -1;
    s->p += n;
    return 0;
}

static int scan_value(struct scan *s, int depth, int field_name);
static int scan_object(struct scan *s, int depth);

/* Which map name matches the current path + key; -1 when none. */
static int match_name(struct scan *s, const char *k, size_t kn)
{
    const struct analyze_map *m = s->map;
    size_t total = s->plen + kn;
    for (size_t i = 0; i < m->count; i++) {
        const struct analyze_map_name *nm = &m->names[i];
        if (nm->len != total)
            continue;
        if (s->plen && memcmp(nm->name, s->path, s->plen) != 0)
            continue;
        if (memcmp(nm->name + s->plen, k, kn) == 0)
            return (int)i;
    }
    return -1;
}

/* True when some nested name starts with path + key + ".". */
static bool wants_inside(struct scan *s, const char *k, size_t kn)
{
    const struct analyze_map *m = s->map;
    if (!m->nested)
        return false;
    size_t total = s->plen + kn;
    for (size_t i = 0; i < m->count; i++) {
        const struct analyze_map_name *nm = &m->names[i];
        if (nm->len > total && nm->name[total] == '.' &&
            (s->plen == 0 || memcmp(nm->name, s->path, s->plen) == 0) &&
            memcmp(nm->name + s->plen, k, kn) == 0)
            return true;
    }
    return false;
}

static void assign(struct scan *s, int name, const char *p, size_t n, bool esc, double num)
{
    const struct analyze_map_name *nm = &s->map->names[name];
    struct ana_record *r = s->r;
    if (name < 64)
        r->names_hit |= 1ull << name;
    if (nm->prio >= r->prio[nm->field])
        return;
    r->prio[nm->field] = nm->prio;
    r->f[nm->field] = (struct ana_str){p, n, esc};
    r->num[nm->field] = num;
    if (nm->field == ANA_F_DURATION)
        r->scale = nm->scale;
}

static int scan_value(struct scan *s, int depth, int name)
{
    if (depth > ANA_JSON_DEPTH)
        return -1;
    skip_ws(s);
    if (s->p >= s->end)
        return -1;
    char c = *s->p;
    if (c == '"') {
        const char *st;
        size_t n;
        bool esc;
        if (scan_string(s, &st, &n, &esc) != 0)
            return -1;
        if (name >= 0)
            assign(s, name, st, n, esc, NAN);
        return 0;
    }
    if (c == '{')
        return scan_object(s, depth + 1);
    if (c == '[') {
        s->p++;
        skip_ws(s);
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            return 0;
        }
        size_t saved = s->plen;
        s->plen = 0; /* names never reach into arrays: skip with an empty path that matches */
        const struct analyze_map *m = s->map;
        static const struct analyze_map none = {.count = 0};
        s->map = &none;
        int rc = 0;
        for (;;) {
            if (scan_value(s, depth + 1, -1) != 0) {
                rc = -1;
                break;
            }
            skip_ws(s);
            if (s->p >= s->end) {
                rc = -1;
                break;
            }
            if (*s->p == ',') {
                s->p++;
                continue;
            }
            if (*s->p == ']') {
                s->p++;
                break;
            }
            rc = -1;
            break;
        }
        s->map = m;
        s->plen = saved;
        return rc;
    }
    if (c == 't')
        return scan_literal(s, "true", 4);
    if (c == 'f')
        return scan_literal(s, "false", 5);
    if (c == 'n')
        return scan_literal(s, "null", 4);
    const char *st = s->p;
    double v;
    if (scan_number(s, &v) != 0)
        return -1;
    if (name >= 0)
        assign(s, name, st, (size_t)(s->p - st), false, v);
    return 0;
}

/* At '{'. */
static int scan_object(struct scan *s, int depth)
{
    if (depth > ANA_JSON_DEPTH)
        return -1;
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    for (;;) {
        skip_ws(s);
        if (s->p >= s->end || *s->p != '"')
            return -1;
        const char *k;
        size_t kn;
        bool kesc;
        if (scan_string(s, &k, &kn, &kesc) != 0)
            return -1;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return -1;
        s->p++;
        skip_ws(s);
        if (s->p >= s->end)
            return -1;
        int name = kesc ? -1 : match_name(s, k, kn);
        if (*s->p == '{' && name < 0 && !kesc && wants_inside(s, k, kn) &&
            s->plen + kn + 1 <= ANALYZE_NAME_MAX) {
            size_t saved = s->plen;
            memcpy(s->path + s->plen, k, kn);
            s->path[s->plen + kn] = '.';
            s->plen += kn + 1;
            int rc = scan_object(s, depth + 1);
            s->plen = saved;
            if (rc != 0)
                return -1;
        } else if (scan_value(s, depth, name) != 0) {
            return -1;
        }
        skip_ws(s);
        if (s->p >= s->end)
            return -1;
        if (*s->p == ',') {
            s->p++;
            continue;
        }
        if (*s->p == '}') {
            s->p++;
            return 0;
        }
        return -1;
    }
}

int ana_json_scan(const struct analyze_map *map, const char *p, const char *end,
                  struct ana_record *r)
{
    struct scan s = {.p = p, .end = end, .map = map, .r = r};
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{')
        return -1;
    if (scan_object(&s, 1) != 0)
        return -1;
    skip_ws(&s);
    return s.p == s.end ? 0 : -1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int hex4(const char *p, size_t left)
{
    if (left < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static size_t put_utf8(char *o, size_t cap, size_t len, unsigned cp)
{
    char t[4];
    size_t n;
    if (cp < 0x80) {
        t[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        t[0] = (char)(0xC0 | (cp >> 6));
        t[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        t[0] = (char)(0xE0 | (cp >> 12));
        t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        t[0] = (char)(0xF0 | (cp >> 18));
        t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        t[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (len + n > cap)
        return len;
    memcpy(o + len, t, n);
    return len + n;
}

size_t ana_json_unescape(const char *p, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    const char *e = p + n;
    while (p < e && o < cap) {
        const char *bs = memchr(p, '\\', (size_t)(e - p));
        size_t run = bs ? (size_t)(bs - p) : (size_t)(e - p);
        if (run > cap - o)
            run = cap - o;
        memcpy(buf + o, p, run);
        o += run;
        p += run;
        if (!bs || p != bs)
            break;
        p++;
        if (p >= e)
            break;
        char c = *p++;
        switch (c) {
        case 'n': buf[o++] = '\n'; break;
        case 't': buf[o++] = '\t'; break;
        case 'r': buf[o++] = '\r'; break;
        case 'b': buf[o++] = '\b'; break;
        case 'f': buf[o++] = '\f'; break;
        case '/': buf[o++] = '/'; break;
        case '\\': buf[o++] = '\\'; break;
        case '"': buf[o++] = '"'; break;
        case 'u': {
            int v = hex4(p, (size_t)(e - p));
            unsigned cp = 0xFFFD;
            if (v >= 0) {
                p += 4;
                cp = (unsigned)v;
                if (cp >= 0xD800 && cp < 0xDC00) {
                    int lo = (e - p >= 6 && p[0] == '\\' && p[1] == 'u') ? hex4(p + 2, (size_t)(e - p - 2)) : -1;
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
                        p += 6;
                    } else {
                        cp = 0xFFFD;
                    }
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    cp = 0xFFFD;
                }
            }
            o = put_utf8(buf, cap, o, cp);
            break;
        }
        default: o = put_utf8(buf, cap, o, 0xFFFD); break;
        }
    }
    return o;
}

/* ---- time ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *p, const char *e, int n, int *v)
{
    if (e - p < n)
        return -1;
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return -1;
        x = x * 10 + (p[i] - '0');
    }
    *v = x;
    return 0;
}

int ana_time_parse(const char *s, size_t n, int64_t *ms, size_t *used)
{
    const char *p = s, *e = s + n;
    int y, mo, d, h, mi, sec = 0;
    if (digits(p, e, 4, &y) || e - p < 16 || p[4] != '-' || digits(p + 5, e, 2, &mo) ||
        p[7] != '-' || digits(p + 8, e, 2, &d) || (p[10] != 'T' && p[10] != ' ' && p[10] != 't') ||
        digits(p + 11, e, 2, &h) || p[13] != ':' || digits(p + 14, e, 2, &mi))
        return -1;
    p += 16;
    double frac = 0;
    if (p < e && *p == ':') {
        if (digits(p + 1, e, 2, &sec))
            return -1;
        p += 3;
        if (p < e && (*p == '.' || *p == ',')) {
            p++;
            double f = 0.1;
            if (p >= e || !isdigit((unsigned char)*p))
                return -1;
            while (p < e && isdigit((unsigned char)*p)) {
                frac += (*p++ - '0') * f;
                f *= 0.1;
            }
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    int64_t off = 0;
    if (p < e && (*p == 'Z' || *p == 'z')) {
        p++;
    } else if (p < e && (*p == '+' || *p == '-')) {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        if (digits(p + 1, e, 2, &oh))
            return -1;
        p += 3;
        if (p < e && *p == ':')
            p++;
        if (p + 2 <= e && isdigit((unsigned char)p[0]) && !digits(p, e, 2, &om))
            p += 2;
        if (oh > 23 || om > 59)
            return -1;
        off = sign * ((int64_t)oh * 3600 + om * 60);
    }
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off;
    *ms = secs * 1000 + (int64_t)floor(frac * 1000 + 1e-6);
    if (used)
        *used = (size_t)(p - s);
    return 0;
}

/* ---- formats ---- */

static void trim(const char **p, size_t *n)
{
    while (*n && ((*p)[*n - 1] == '\r' || (*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' ||
                  (*p)[*n - 1] == '\n'))
        (*n)--;
    while (*n && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
}

/* Case-insensitive ASCII search. */
static const char *find_ci(const char *h, size_t hn, const char *needle)
{
    size_t nn = strlen(needle);
    if (nn == 0 || hn < nn)
        return NULL;
    for (size_t i = 0; i + nn <= hn; i++) {
        if (tolower((unsigned char)h[i]) != needle[0])
            continue;
        size_t k = 1;
        while (k < nn && tolower((unsigned char)h[i + k]) == needle[k])
            k++;
        if (k == nn)
            return h + i;
    }
    return NULL;
}

/* A plain-text message: the whole text is the message; a level word near the start marks an
 * error ("ERROR", "FATAL", "CRITICAL", "level=error"). */
static void plain_text(struct ana_record *r, const char *p, size_t n)
{
    r->f[ANA_F_MESSAGE] = (struct ana_str){p, n, false};
    r->prio[ANA_F_MESSAGE] = 0;
    size_t head = n < 96 ? n : 96;
    static const char *const words[] = {"error", "fatal", "critical", "panic"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const char *hit = find_ci(p, head, words[i]);
        if (!hit)
            continue;
        /* a whole word, upper case or after "level=" */
        size_t wl = strlen(words[i]);
        bool upper = isupper((unsigned char)hit[0]) && isupper((unsigned char)hit[1]);
        bool after_eq = hit > p && (hit[-1] == '=' || hit[-1] == '[');
        bool left = hit == p || !isalnum((unsigned char)hit[-1]);
        bool right = hit + wl == p + head || !isalnum((unsigned char)hit[wl]);
        if (left && right && (upper || after_eq)) {
            r->f[ANA_F_LEVEL] = (struct ana_str){"error", 5, false};
            r->prio[ANA_F_LEVEL] = 0;
            return;
        }
    }
}

enum ana_line_status ana_parse_jsonl(const struct analyze_map *map, const char *p, size_t n,
                                     struct ana_record *r, const char **why)
{
    trim(&p, &n);
    if (n == 0)
        return ANA_LINE_BLANK;
    if (*p != '{') {
        *why = "not a JSON object";
        return ANA_LINE_MALFORMED;
    }
    if (ana_json_scan(map, p, p + n, r) != 0) {
        *why = "invalid or truncated JSON";
        return ANA_LINE_MALFORMED;
    }
    r->is_json = true;
    return ANA_LINE_OK;
}

/* The message part of an S3 or CloudWatch line: JSON object or plain text. */
static enum ana_line_status message_part(const struct analyze_map *map, const char *p, size_t n,
                                         struct ana_record *r, const char **why)
{
    trim(&p, &n);
    if (n && *p == '{') {
        if (ana_json_scan(map, p, p + n, r) != 0) {
            *why = "the message starts like JSON but is invalid or truncated";
            return ANA_LINE_MALFORMED;
        }
        r->is_json = true;
        return ANA_LINE_OK;
    }
    plain_text(r, p, n);
    return ANA_LINE_OK;
}

enum ana_line_status ana_parse_s3(const struct analyze_map *map, const char *p, size_t n,
                                  struct ana_record *r, char *scratch, const char **why)
{
    (void)scratch;
    trim(&p, &n);
    if (n == 0)
        return ANA_LINE_BLANK;
    size_t used;
    int64_t t;
    if (ana_time_parse(p, n, &t, &used) != 0 || used >= n || p[used] != ' ') {
        *why = "no ISO 8601 timestamp and space at the start";
        return ANA_LINE_MALFORMED;
    }
    r->env_ts_ms = t;
    return message_part(map, p + used + 1, n - used - 1, r, why);
}

/* The envelope of a CloudWatch event: its own timestamp (ms) and message. */
static const struct analyze_map *cw_envelope_map(void)
{
    static struct analyze_map m;
    static int done;
    if (!done) {
        memset(&m, 0, sizeof m);
        snprintf(m.names[0].name, sizeof m.names[0].name, "timestamp");
        m.names[0].len = 9;
        m.names[0].field = ANA_F_TIMESTAMP;
        snprintf(m.names[1].name, sizeof m.names[1].name, "message");
        m.names[1].len = 7;
        m.names[1].field = ANA_F_MESSAGE;
        m.names[0].scale = m.names[1].scale = 1;
        m.count = 2;
        done = 1;
    }
    return &m;
}

enum ana_line_status ana_parse_cw_event(const struct analyze_map *map, const char *p, size_t n,
                                        struct ana_record *r, char *scratch, const char **why)
{
    struct ana_record env;
    ana_record_reset(&env);
    if (ana_json_scan(cw_envelope_map(), p, p + n, &env) != 0) {
        *why = "invalid or truncated event object";
        return ANA_LINE_MALFORMED;
    }
    if (isnan(env.num[ANA_F_TIMESTAMP]) || !env.f[ANA_F_MESSAGE].p) {
        *why = "event without a numeric timestamp or a message";
        return ANA_LINE_MALFORMED;
    }
    /* milliseconds since the epoch; a number no clock writes must not overflow the cast */
    double ts = env.num[ANA_F_TIMESTAMP];
    if (!(ts >= 0 && ts < 253402300800000.0)) {
        *why = "event timestamp out of range (milliseconds since 1970 expected)";
        return ANA_LINE_MALFORMED;
    }
    r->env_ts_ms = (int64_t)ts;
    const struct ana_str *m = &env.f[ANA_F_MESSAGE];
    size_t len = m->esc ? ana_json_unescape(m->p, m->n, scratch, ANA_LINE_MAX) : m->n;
    const char *text = m->esc ? scratch : m->p;
    if (!m->esc && m->n > ANA_LINE_MAX)
        len = ANA_LINE_MAX;
    return message_part(map, text, len, r, why);
}

/* Next space-separated token of an ALB line; quoted tokens lose their quotes. */
static int alb_token(const char **p, const char *e, const char **tok, size_t *tn)
{
    while (*p < e && **p == ' ')
        (*p)++;
    if (*p >= e)
        return -1;
    if (**p == '"') {
        const char *st = ++(*p);
        while (*p < e && **p != '"') {
            if (**p == '\\' && *p + 1 < e)
                (*p)++;
            (*p)++;
        }
        if (*p >= e)
            return -1;
        *tok = st;
        *tn = (size_t)(*p - st);
        (*p)++;
        return 0;
    }
    *tok = *p;
    while (*p < e && **p != ' ')
        (*p)++;
    *tn = (size_t)(*p - *tok);
    return 0;
}

static bool parse_seconds(const char *p, size_t n, double *v)
{
    struct scan s = {.p = p, .end = p + n};
    return n && scan_number(&s, v) == 0 && s.p == p + n;
}

enum ana_line_status ana_parse_alb(const char *p, size_t n, struct ana_record *r,
                                   const char **why)
{
    trim(&p, &n);
    if (n == 0)
        return ANA_LINE_BLANK;
    const char *e = p + n;
    const char *tok[30];
    size_t tn[30];
    size_t nt = 0;
    while (nt < 30 && alb_token(&p, e, &tok[nt], &tn[nt]) == 0)
        nt++;
    int64_t t;
    size_t used;
    if (nt < 13 || ana_time_parse(tok[1], tn[1], &t, &used) != 0 || used != tn[1]) {
        *why = "not an ALB access log line (too few fields or no time in field 2)";
        return ANA_LINE_MALFORMED;
    }
    r->env_ts_ms = t;
    double status;
    if (tn[8] == 1 && tok[8][0] == '-')
        return ANA_LINE_OK; /* the client left before a response: a line, not a request */
    if (!parse_seconds(tok[8], tn[8], &status) || !(status >= 100 && status <= 599)) {
        *why = "ALB line without an HTTP status in field 9";
        return ANA_LINE_MALFORMED;
    }
    r->status = (int)status;
    /* request: "GET https://host:443/path?q HTTP/1.1" */
    const char *rq = tok[12], *re = tok[12] + tn[12];
    const char *sp = memchr(rq, ' ', tn[12]);
    if (sp) {
        r->f[ANA_F_METHOD] = (struct ana_str){rq, (size_t)(sp - rq), false};
        const char *u = sp + 1;
        const char *sp2 = memchr(u, ' ', (size_t)(re - u));
        r->f[ANA_F_PATH] = (struct ana_str){u, (size_t)((sp2 ? sp2 : re) - u), false};
    }
    /* duration: response time minus request creation time when both are there, else the sum
     * of the three processing times (-1 means the stage did not happen) */
    int64_t created;
    if (nt > 21 && ana_time_parse(tok[21], tn[21], &created, &used) == 0 && used == tn[21] &&
        t >= created) {
        double a, b, c;
        /* the times carry microseconds: recompute with them for sub-ms precision */
        r->duration_ms = (double)(t - created);
        if (parse_seconds(tok[5], tn[5], &a) && parse_seconds(tok[6], tn[6], &b) &&
            parse_seconds(tok[7], tn[7], &c) && a >= 0 && b >= 0 && c >= 0)
            r->duration_ms = (a + b + c) * 1000.0;
    } else {
        double sum = 0, v;
        bool any = false;
        for (int k = 5; k <= 7; k++)
            if (parse_seconds(tok[k], tn[k], &v) && v >= 0) {
                sum += v;
                any = true;
            }
        if (any)
            r->duration_ms = sum * 1000.0;
    }
    if (r->status >= 500) {
        bool target_answered = !(tn[9] == 1 && tok[9][0] == '-');
        if (nt > 24 && !(tn[24] == 1 && tok[24][0] == '-') && tn[24]) {
            r->f[ANA_F_ERROR_TYPE] = (struct ana_str){tok[24], tn[24], false};
        } else if (!target_answered) {
            static const char *const t502 = "ALB 502: target connection failed",
                                     *const t503 = "ALB 503: no healthy target",
                                     *const t504 = "ALB 504: target timeout";
            const char *ty = r->status == 504 ? t504 : r->status == 503 ? t503
                             : r->status == 502 ? t502 : NULL;
            if (ty)
                r->f[ANA_F_ERROR_TYPE] = (struct ana_str){ty, strlen(ty), false};
        }
        if (!target_answered && nt > 16) {
            /* the target group's name: arn:...:targetgroup/NAME/id */
            const char *tg = tok[16], *te = tok[16] + tn[16];
            const char *slash = memchr(tg, '/', tn[16]);
            if (slash) {
                const char *s2 = memchr(slash + 1, '/', (size_t)(te - slash - 1));
                r->f[ANA_F_DEPENDENCY] = (struct ana_str){slash + 1,
                                                          (size_t)((s2 ? s2 : te) - slash - 1), false};
            } else if (!(tn[4] == 1 && tok[4][0] == '-')) {
                r->f[ANA_F_DEPENDENCY] = (struct ana_str){tok[4], tn[4], false};
            }
        }
    }
    return ANA_LINE_OK;
}

enum analyze_format ana_detect(const char *p, size_t n)
{
    const char *e = p + n;
    if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3;
    while (p < e && isspace((unsigned char)*p))
        p++;
    if (p >= e)
        return ANALYZE_FORMAT_AUTO;
    if (*p == '[')
        return ANALYZE_FORMAT_CLOUDWATCH;
    if (*p == '{') {
        const char *q = p + 1;
        while (q < e && isspace((unsigned char)*q))
            q++;
        static const char *const keys[] = {"\"events\"", "\"searchedLogStreams\"",
                                           "\"nextToken\""};
        for (size_t i = 0; i < 3; i++) {
            size_t kl = strlen(keys[i]);
            if ((size_t)(e - q) >= kl && memcmp(q, keys[i], kl) == 0)
                return ANALYZE_FORMAT_CLOUDWATCH;
        }
        return ANALYZE_FORMAT_JSONL;
    }
    int64_t t;
    size_t used;
    if (isdigit((unsigned char)*p)) {
        if (ana_time_parse(p, (size_t)(e - p), &t, &used) == 0 && p + used < e && p[used] == ' ')
            return ANALYZE_FORMAT_S3;
        return ANALYZE_FORMAT_AUTO;
    }
    static const char *const types[] = {"http ", "https ", "h2 ", "grpcs ", "ws ", "wss "};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t tl = strlen(types[i]);
        if ((size_t)(e - p) > tl && memcmp(p, types[i], tl) == 0 &&
            ana_time_parse(p + tl, (size_t)(e - p) - tl, &t, &used) == 0)
            return ANALYZE_FORMAT_ALB;
    }
    return ANALYZE_FORMAT_AUTO;
}

/* ---- paths ---- */

static bool all_hex(const char *s, size_t n, bool *digit)
{
    *digit = false;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return false;
        *digit |= isdigit((unsigned char)s[i]) != 0;
    }
    return true;
}

static bool is_id_segment(const char *s, size_t n)
{
    if (n == 0)
        return false;
    size_t d = 0, alpha = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c))
            d++;
        else if (isalpha(c))
            alpha++;
        else if (c != '-' && c != '_')
            other++;
    }
    if (d == n)
        return true; /* 123 */
    if (n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-') {
        bool dg;
        if (all_hex(s, 8, &dg) && all_hex(s + 9, 4, &dg) && all_hex(s + 14, 4, &dg) &&
            all_hex(s + 19, 4, &dg) && all_hex(s + 24, 12, &dg))
            return true; /* UUID */
    }
    bool dg;
    if (n >= 12 && all_hex(s, n, &dg) && dg)
        return true; /* long hex */
    if (other)
        return false;
    size_t tail = 0;
    while (tail < n && isdigit((unsigned char)s[n - 1 - tail]))
        tail++;
    if (tail >= 4)
        return true; /* cust_8817, INC-1234 */
    if (n >= 20 && d && alpha)
        return true; /* opaque tokens */
    return false;
}

size_t ana_path_normalise(const char *p, size_t n, char *buf, size_t cap)
{
    const char *e = p + n;
    /* absolute URL: keep the path */
    const char *colon = n > 3 ? memchr(p, ':', n < 16 ? n : 16) : NULL;
    if (colon && e - colon > 3 && colon[1] == '/' && colon[2] == '/') {
        const char *slash = memchr(colon + 3, '/', (size_t)(e - colon - 3));
        p = slash ? slash : e;
    }
    const char *q = memchr(p, '?', (size_t)(e - p));
    if (q)
        e = q;
    q = memchr(p, '#', (size_t)(e - p));
    if (q)
        e = q;
    size_t o = 0;
    if (cap < 2)
        return 0;
    while (p < e) {
        while (p < e && *p == '/')
            p++;
        if (p >= e)
            break;
        const char *s = p;
        while (p < e && *p != '/')
            p++;
        size_t sn = (size_t)(p - s);
        const char *out = s;
        if (is_id_segment(s, sn)) {
            out = "{id}";
            sn = 4;
        }
        if (o + 1 + sn >= cap)
            break;
        buf[o++] = '/';
        memcpy(buf + o, out, sn);
        o += sn;
    }
    if (o == 0)
        buf[o++] = '/';
    buf[o] = '\0';
    return o;
}

/* ---- errors ---- */

const char *analyze_error_class_name(enum analyze_error_class c)
{
    switch (c) {
    case ANA_CLASS_TIMEOUT: return "timeout";
    case ANA_CLASS_CONNECTION: return "connection";
    case ANA_CLASS_POOL: return "pool";
    case ANA_CLASS_OTHER: break;
    }
    return "other";
}

static enum analyze_error_class class_of(const char *s, size_t n, const char **what)
{
    static const struct {
        const char *needle;
        enum analyze_error_class cls;
        const char *what;
    } rules[] = {
        {"pool exhausted", ANA_CLASS_POOL, "connection pool exhausted"},
        {"pool is exhausted", ANA_CLASS_POOL, "connection pool exhausted"},
        {"connection is not available", ANA_CLASS_POOL, "connection pool exhausted"},
        {"acquiring connection", ANA_CLASS_POOL, "connection pool exhausted"},
        {"acquire connection", ANA_CLASS_POOL, "connection pool exhausted"},
        {"too many connections", ANA_CLASS_POOL, "too many connections"},
        {"remaining connection slots", ANA_CLASS_POOL, "too many connections"},
        {"connection refused", ANA_CLASS_CONNECTION, "connection refused"},
        {"econnrefused", ANA_CLASS_CONNECTION, "connection refused"},
        {"connection reset", ANA_CLASS_CONNECTION, "connection reset"},
        {"econnreset", ANA_CLASS_CONNECTION, "connection reset"},
        {"reset by peer", ANA_CLASS_CONNECTION, "connection reset"},
        {"broken pipe", ANA_CLASS_CONNECTION, "connection reset"},
        {"could not connect", ANA_CLASS_CONNECTION, "connection failed"},
        {"connection closed", ANA_CLASS_CONNECTION, "connection closed"},
        {"connection terminated", ANA_CLASS_CONNECTION, "connection closed"},
        {"connectexception", ANA_CLASS_CONNECTION, "connection failed"},
        {"connection error", ANA_CLASS_CONNECTION, "connection failed"},
        {"timed out", ANA_CLASS_TIMEOUT, "timeout"},
        {"timeout", ANA_CLASS_TIMEOUT, "timeout"},
        {"deadline exceeded", ANA_CLASS_TIMEOUT, "timeout"},
        {"etimedout", ANA_CLASS_TIMEOUT, "timeout"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (find_ci(s, n, rules[i].needle)) {
            *what = rules[i].what;
            return rules[i].cls;
        }
    *what = NULL;
    return ANA_CLASS_OTHER;
}

static bool host_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* A host or service named in a message: URL host, host:port, or the word after "to ",
 * "calling ", "from ", "host=", "dependency=". */
static size_t find_dependency(const char *m, size_t n, char *dep, size_t cap)
{
    const char *e = m + n;
    const char *hit = find_ci(m, n, "://");
    const char *st = NULL;
    if (hit) {
        st = hit + 3;
        /* "https://user:secret@host/": the dependency is the host, never the credentials */
        for (const char *c = st; c < e && *c != '/' && *c != '?' && *c != '#' &&
                                 !isspace((unsigned char)*c) && *c != '"';
             c++)
            if (*c == '@')
                st = c + 1;
    } else {
        static const char *const lead[] = {"host=", "dependency=", "calling ", " to ", "from ",
                                           "dial tcp "};
        for (size_t i = 0; i < sizeof lead / sizeof lead[0] && !st; i++) {
            const char *h = find_ci(m, n, lead[i]);
            while (h) {
                const char *c = h + strlen(lead[i]);
                const char *ce = c;
                while (ce < e && host_char(*ce))
                    ce++;
                /* a name with a dot, dash or port: not an ordinary word */
                bool named = ce - c >= 3 && (memchr(c, '.', (size_t)(ce - c)) ||
                                             memchr(c, '-', (size_t)(ce - c)) ||
                                             (ce < e && *ce == ':'));
                if (named) {
                    st = c;
                    break;
                }
                h = find_ci(ce, (size_t)(e - ce), lead[i]);
            }
        }
    }
    if (!st) {
        /* host:port anywhere */
        for (const char *c = m; c < e; c++) {
            if (*c != ':' || c + 1 >= e || !isdigit((unsigned char)c[1]))
                continue;
            const char *b = c;
            while (b > m && host_char(b[-1]))
                b--;
            if (c - b >= 3 && memchr(b, '.', (size_t)(c - b))) {
                st = b;
                break;
            }
        }
    }
    if (!st)
        return 0;
    const char *ce = st;
    while (ce < e && host_char(*ce))
        ce++;
    while (ce > st && (ce[-1] == '.' || ce[-1] == '-'))
        ce--;
    size_t l = (size_t)(ce - st);
    if (l == 0 || l + 1 > cap)
        return 0;
    memcpy(dep, st, l);
    dep[l] = '\0';
    return l;
}

void ana_classify(const char *error_type, size_t tn, const char *msg, size_t mn, int status,
                  char *type, size_t type_cap, char *dep, size_t dep_cap,
                  enum analyze_error_class *cls)
{
    const char *what = NULL;
    enum analyze_error_class c = ANA_CLASS_OTHER;
    if (tn)
        c = class_of(error_type, tn, &what);
    if (c == ANA_CLASS_OTHER && mn)
        c = class_of(msg, mn, &what);
    *cls = c;
    if (tn) {
        size_t l = tn < type_cap - 1 ? tn : type_cap - 1;
        memcpy(type, error_type, l);
        type[l] = '\0';
    } else if (what) {
        snprintf(type, type_cap, "%s", what);
    } else if (status >= 500) {
        snprintf(type, type_cap, "HTTP %d", status);
    } else {
        snprintf(type, type_cap, "unclassified error");
    }
    if (dep[0] == '\0' && mn)
        find_dependency(msg, mn, dep, dep_cap);
}
