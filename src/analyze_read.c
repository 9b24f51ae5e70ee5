/* analyze_read.c: the single streaming pass of log analysis: open each file (gzip detected by
 * its magic number, zlib streaming so memory stays flat), detect its format, split large plain
 * files into chunks, run the parsers on worker threads with one aggregation state each, and
 * merge. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze_internal.h"
#include "analyze_zlib.h"

#define ANA_BUF (4 * 1024 * 1024)      /* one read buffer: bigger than the longest line */
#define ANA_HEAD (64 * 1024)           /* bytes looked at to detect the format */
#define ANA_CHUNK (16 * 1024 * 1024)   /* plain files are split into chunks this large */
#define ANA_MAX_THREADS 8

static const char *const format_names[] = {
#define ANA_X_NAME(id, name, text) name,
    ANALYZE_FORMAT_LIST(ANA_X_NAME)
#undef ANA_X_NAME
};

const char *analyze_format_name(enum analyze_format f)
{
    if (f < 0 || f >= ANALYZE_FORMAT_COUNT)
        return "auto";
    return format_names[f];
}

int analyze_format_parse(const char *name)
{
    if (strcmp(name, "auto") == 0)
        return ANALYZE_FORMAT_AUTO;
    for (int i = 0; i < ANALYZE_FORMAT_COUNT; i++)
        if (strcmp(name, format_names[i]) == 0)
            return i;
    return -2;
}

const char *analyze_format_list(void)
{
    return "cloudwatch (the JSON of `aws logs filter-log-events`), s3 (CloudWatch Logs export "
           "lines: TIMESTAMP MESSAGE), jsonl (JSON lines), alb (ALB access logs); any of them "
           "may be gzipped";
}

const char *analyze_series_name(enum analyze_series s)
{
    switch (s) {
    case ANA_SERIES_ERROR_RATE: return "error_rate";
    case ANA_SERIES_P99: return "p99_ms";
    case ANA_SERIES_REQUESTS: return "requests";
    case ANA_SERIES_COUNT: break;
    }
    return "?";
}

const char *analyze_series_title(enum analyze_series s)
{
    switch (s) {
    case ANA_SERIES_ERROR_RATE: return "error rate";
    case ANA_SERIES_P99: return "p99 latency";
    case ANA_SERIES_REQUESTS: return "requests per minute";
    case ANA_SERIES_COUNT: break;
    }
    return "?";
}

/* ---- byte sources: a plain file (from an offset), standard input, or gzip over either ---- */

struct source {
    int fd;
    bool seekable;
    off_t off;             /* next offset to pread (seekable) */
    const unsigned char *prefix; /* bytes already read from a pipe, served first */
    size_t prefix_len, prefix_pos;
    bool gz;
    z_stream z;
    bool z_init, z_end, z_eof_in;
    unsigned char *zin;
    uint64_t out_total;    /* decompressed bytes produced */
    int gz_problem;        /* 0, 1: truncated, 2: corrupt */
    int io_errno;
};

static ssize_t raw_read(struct source *s, unsigned char *buf, size_t cap)
{
    if (s->prefix_pos < s->prefix_len) {
        size_t n = s->prefix_len - s->prefix_pos;
        if (n > cap)
            n = cap;
        memcpy(buf, s->prefix + s->prefix_pos, n);
        s->prefix_pos += n;
        return (ssize_t)n;
    }
    if (s->fd < 0)
        return 0; /* a head-only source: nothing past the prefix */
    for (;;) {
        ssize_t n = s->seekable ? pread(s->fd, buf, cap, s->off) : read(s->fd, buf, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            s->io_errno = errno;
            return -1;
        }
        if (s->seekable)
            s->off += n;
        return n;
    }
}

#define ZIN 262144

/* Read up to cap decompressed (or plain) bytes. 0 at the end; -1 on a read error. */
static ssize_t source_read(struct source *s, char *buf, size_t cap)
{
    if (!s->gz)
        return raw_read(s, (unsigned char *)buf, cap);
    if (s->z_end)
        return 0;
    const struct ana_zlib *zl = ana_zlib_get(NULL);
    if (!zl)
        return -1; /* open_job reported it */
    if (!s->z_init) {
        memset(&s->z, 0, sizeof s->z);
        if (zl->inflateInit2_(&s->z, 16 + MAX_WBITS, ZLIB_VERSION, (int)sizeof s->z) != Z_OK)
            return -1;
        s->z_init = true;
        if (!s->zin && !(s->zin = malloc(ZIN)))
            return -1;
    }
    s->z.next_out = (unsigned char *)buf;
    s->z.avail_out = (uInt)cap;
    while (s->z.avail_out == cap) {
        if (s->z.avail_in == 0) {
            if (s->z_eof_in) {
                s->gz_problem = 1;
                s->z_end = true;
                break;
            }
            ssize_t n = raw_read(s, s->zin, ZIN);
            if (n < 0)
                return -1;
            if (n == 0) {
                s->z_eof_in = true;
                continue;
            }
            s->z.next_in = s->zin;
            s->z.avail_in = (uInt)n;
        }
        int zr = zl->inflate(&s->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            /* concatenated members are one stream (gzip -c a b > c) */
            if (s->z.avail_in == 0) {
                ssize_t n = raw_read(s, s->zin, ZIN);
                if (n < 0)
                    return -1;
                if (n == 0) {
                    s->z_end = true;
                    break;
                }
                s->z.next_in = s->zin;
                s->z.avail_in = (uInt)n;
            }
            if (s->z.avail_in >= 2 && s->z.next_in[0] == 0x1f && s->z.next_in[1] == 0x8b) {
                zl->inflateReset(&s->z);
                continue;
            }
            s->z_end = true; /* trailing garbage after the last member is ignored */
            break;
        }
        if (zr == Z_BUF_ERROR && s->z.avail_in == 0)
            continue;
        if (zr != Z_OK) {
            s->gz_problem = 2;
            s->z_end = true;
            break;
        }
    }
    size_t got = cap - s->z.avail_out;
    s->out_total += got;
    return (ssize_t)got;
}

static void source_close(struct source *s)
{
    if (s->z_init)
        ana_zlib_get(NULL)->inflateEnd(&s->z);
    free(s->zin);
    s->zin = NULL;
    s->z_init = false;
}

/* ---- gzip on its own thread: inflating and parsing one file use two cores ---- */

#define GZ_PIPE_N 4
#define GZ_PIPE_BUF (1024 * 1024)

struct gz_pipe {
    struct source *src;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *buf[GZ_PIPE_N];
    size_t len[GZ_PIPE_N];
    size_t head, tail, off; /* buffers produced, consumed; offset in the current one */
    bool done, failed, stop, running;
};

static void *pipe_main(void *arg)
{
    struct gz_pipe *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->head - p->tail == GZ_PIPE_N && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        bool stop = p->stop;
        size_t slot = p->head % GZ_PIPE_N;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        ssize_t n = source_read(p->src, p->buf[slot], GZ_PIPE_BUF);
        pthread_mutex_lock(&p->mu);
        if (n <= 0) {
            p->done = true;
            p->failed = n < 0;
        } else {
            p->len[slot] = (size_t)n;
            p->head++;
        }
        pthread_cond_broadcast(&p->cv);
        bool end = p->done;
        pthread_mutex_unlock(&p->mu);
        if (end)
            break;
    }
    return NULL;
}

/* Start inflating src on a thread; false when that is not possible (the caller then reads
 * src itself). */
static bool pipe_start(struct gz_pipe *p, struct source *src)
{
    memset(p, 0, sizeof *p);
    p->src = src;
    for (int i = 0; i < GZ_PIPE_N; i++)
        if (!(p->buf[i] = malloc(GZ_PIPE_BUF))) {
            for (int k = 0; k < i; k++)
                free(p->buf[k]);
            return false;
        }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, pipe_main, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        for (int i = 0; i < GZ_PIPE_N; i++)
            free(p->buf[i]);
        return false;
    }
    p->running = true;
    return true;
}

static ssize_t pipe_read(struct gz_pipe *p, char *dst, size_t cap)
{
    pthread_mutex_lock(&p->mu);
    while (p->tail == p->head && !p->done)
        pthread_cond_wait(&p->cv, &p->mu);
    ssize_t n = 0;
    if (p->tail == p->head) {
        n = p->failed ? -1 : 0;
    } else {
        size_t slot = p->tail % GZ_PIPE_N;
        size_t k = p->len[slot] - p->off;
        if (k > cap)
            k = cap;
        /* copy outside the lock: the producer never touches a buffer not yet consumed */
        pthread_mutex_unlock(&p->mu);
        memcpy(dst, p->buf[slot] + p->off, k);
        pthread_mutex_lock(&p->mu);
        p->off += k;
        if (p->off == p->len[slot]) {
            p->off = 0;
            p->tail++;
            pthread_cond_broadcast(&p->cv);
        }
        n = (ssize_t)k;
    }
    pthread_mutex_unlock(&p->mu);
    return n;
}

static void pipe_stop(struct gz_pipe *p)
{
    if (!p->running)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    for (int i = 0; i < GZ_PIPE_N; i++)
        free(p->buf[i]);
    p->running = false;
}

/* What the parsers read from: the source itself, or its inflating thread. */
struct reader {
    struct source *src;
    struct gz_pipe pipe;
    bool piped;
};

static void reader_open(struct reader *rd, struct source *src, bool threads)
{
    rd->src = src;
    rd->piped = src->gz && threads && pipe_start(&rd->pipe, src);
}

static ssize_t reader_read(struct reader *rd, char *buf, size_t cap)
{
    return rd->piped ? pipe_read(&rd->pipe, buf, cap) : source_read(rd->src, buf, cap);
}

/* Stop the thread (the source's counters are final after this) and close the source. */
static void reader_close(struct reader *rd)
{
    if (rd->piped)
        pipe_stop(&rd->pipe);
    source_close(rd->src);
}

/* ---- files and work items ---- */

struct file_job {
    const char *path;   /* as given ("-" for stdin) */
    int fd;
    bool seekable, gz, empty;
    off_t size;
    enum analyze_format fmt;
    unsigned char *prefix; /* pipe: raw bytes read during detection */
    size_t prefix_len;
    size_t nchunks;
    uint64_t *chunk_lines; /* lines seen per chunk, for absolute line numbers */
    uint64_t lines, malformed;
    char *warning;
    bool failed;
    struct wr_error err;
};

struct item {
    size_t file, chunk;
    off_t start, end; /* plain chunk range; end -1: to the end */
};

struct run {
    const struct analyze_options *opt;
    struct file_job *files;
    size_t nfiles;
    struct item *items;
    size_t nitems, next;
    int threads; /* cores to use: > 1 lets a gzip file inflate on its own thread */
    pthread_mutex_t lock;
};

struct worker {
    struct run *run;
    struct ana_agg agg;
    char *buf;      /* bufcap + 1 bytes: ANA_BUF, or less for a small plain file */
    size_t bufcap;
    char *scratch;  /* ANA_LINE_MAX + 8, allocated for the first CloudWatch file */
    char *capture;  /* CloudWatch events, likewise */
    pthread_t thread;
};

static void job_warn(struct run *run, struct file_job *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void job_warn(struct run *run, struct file_job *f, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&run->lock);
    if (!f->warning)
        f->warning = strdup(msg);
    pthread_mutex_unlock(&run->lock);
}

/* A read error ends the file's analysis; the first error is the one reported. */
static void job_read_failed(struct run *run, struct file_job *f, int io_errno)
{
    pthread_mutex_lock(&run->lock);
    if (!f->failed)
        wr_fail(&f->err, WR_E_IO, "%s: cannot read: %s", f->path,
                strerror(io_errno ? io_errno : EIO));
    f->failed = true;
    pthread_mutex_unlock(&run->lock);
}

/* The descriptor an item reads: a pipe's (or standard input's) own, kept open since detection;
 * a regular file is opened again here, so that no more files are open than items being read (an
 * S3 export is thousands of objects, more than `ulimit -n`). -1 after recording the failure. */
static int item_open(struct run *run, struct file_job *f)
{
    if (f->fd >= 0)
        return f->fd;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        pthread_mutex_lock(&run->lock);
        if (!f->failed)
            wr_fail(&f->err, WR_E_IO, "%s: cannot open: %s; check the path and its permissions",
                    f->path, strerror(e));
        f->failed = true;
        pthread_mutex_unlock(&run->lock);
    }
    return fd;
}

static void item_close(const struct file_job *f, int fd)
{
    if (fd >= 0 && fd != f->fd)
        close(fd);
}

/* Make the worker's buffer hold at least `want` bytes (plus a NUL). */
static int worker_buf(struct worker *w, size_t want)
{
    if (w->bufcap >= want)
        return 0;
    char *b = realloc(w->buf, want + 1);
    if (!b)
        return -1;
    w->buf = b;
    w->bufcap = want;
    return 0;
}

/* A whole small plain file fits in a buffer of its size; anything else streams through the
 * full-size one (a gzip file's size says nothing about its text). */
static size_t item_buffer_size(const struct file_job *f)
{
    if (!f->gz && f->seekable && f->nchunks == 1 && f->size >= 0 &&
        (uint64_t)f->size + 64 < ANA_BUF)
        return (size_t)f->size + 64;
    return ANA_BUF;
}

static void fail_nomem(struct worker *w, struct file_job *f)
{
    pthread_mutex_lock(&w->run->lock);
    if (!f->failed)
        wr_fail(&f->err, WR_E_NOMEM, "%s: out of memory reading it", f->path);
    f->failed = true;
    pthread_mutex_unlock(&w->run->lock);
}

/* Parse one line of a line format into the worker's state. */
static void handle_line(struct worker *w, struct file_job *f, size_t fi, size_t chunk,
                        uint64_t lineno, const char *p, size_t n, uint64_t *lines,
                        uint64_t *malformed)
{
    struct ana_record r;
    ana_record_reset(&r);
    const char *why = "malformed";
    enum ana_line_status st;
    switch (f->fmt) {
    case ANALYZE_FORMAT_S3: st = ana_parse_s3(&w->run->opt->map, p, n, &r, NULL, &why); break;
    case ANALYZE_FORMAT_ALB: st = ana_parse_alb(p, n, &r, &why); break;
    default: st = ana_parse_jsonl(&w->run->opt->map, p, n, &r, &why); break;
    }
    if (st == ANA_LINE_BLANK)
        return;
    (*lines)++;
    w->agg.lines++;
    if (st == ANA_LINE_MALFORMED) {
        (*malformed)++;
        ana_agg_malformed(&w->agg, fi, chunk, lineno, why);
        return;
    }
    ana_agg_add(&w->agg, &r);
}

/* A line format over one item: the whole stream, or a chunk [start, end) of a plain file that
 * starts after the first newline at or after start (unless start is 0) and takes the lines
 * that start before end. */
static int run_lines(struct worker *w, struct file_job *f, const struct item *it)
{
    int fd = item_open(w->run, f);
    if (fd < 0)
        return -1;
    struct source src = {.fd = fd, .seekable = f->seekable, .gz = f->gz,
                         .prefix = f->prefix, .prefix_len = f->prefix_len};
    struct reader rd;
    reader_open(&rd, &src, w->run->threads > 1);
    uint64_t lineno = 0, lines = 0, malformed = 0;
    off_t pos = it->start; /* offset of buf[0] in the (plain) file */
    bool skip_first = false;
    if (!f->gz && f->seekable && it->start > 0) {
        src.off = it->start - 1;
        pos = it->start - 1;
        skip_first = true;
    }
    size_t have = 0;
    bool eof = false, skipping = false, done = false;
    int rc = 0;
    if (worker_buf(w, item_buffer_size(f)) != 0) {
        fail_nomem(w, f);
        reader_close(&rd);
        item_close(f, fd);
        return -1;
    }
    while (!done) {
        if (!eof && have < w->bufcap) {
            ssize_t n = reader_read(&rd, w->buf + have, w->bufcap - have);
            if (n < 0) {
                job_read_failed(w->run, f, src.io_errno);
                rc = -1;
                break;
            }
            if (n == 0)
                eof = true;
            have += (size_t)n;
        }
        size_t at = 0;
        for (;;) {
            char *nl = memchr(w->buf + at, '\n', have - at);
            if (!nl) {
                if (!eof)
                    break;
                if (at == have) {
                    done = true;
                    break;
                }
                nl = w->buf + have; /* last line without a newline */
            }
            size_t len = (size_t)(nl - (w->buf + at));
            off_t line_start = pos + (off_t)at;
            if (skip_first) {
                skip_first = false;
                at += len + 1;
                if (at > have)
                    at = have;
                continue;
            }
            if (it->end >= 0 && line_start >= it->end) {
                done = true;
                break;
            }
            lineno++;
            if (skipping) {
                skipping = false; /* the tail of an over-long line */
            } else if (len > ANA_LINE_MAX) {
                /* whole in the buffer but over the limit: the same verdict as a longer one */
                lines++;
                w->agg.lines++;
                malformed++;
                ana_agg_malformed(&w->agg, it->file, it->chunk, lineno, "line longer than 1 MiB");
            } else if (line_start == 0 && len >= 3 && memcmp(w->buf + at, "\xef\xbb\xbf", 3) == 0) {
                /* a UTF-8 byte order mark (Windows tools write one) is not part of the line */
                handle_line(w, f, it->file, it->chunk, lineno, w->buf + at + 3, len - 3, &lines,
                            &malformed);
            } else {
                handle_line(w, f, it->file, it->chunk, lineno, w->buf + at, len, &lines, &malformed);
            }
            at += len + 1;
            if (at > have)
                at = have;
            if (nl == w->buf + have) {
                done = true;
                break;
            }
        }
        if (done)
            break;
        /* keep the partial line; one longer than the limit is counted and skipped */
        size_t left = have - at;
        if (left > ANA_LINE_MAX) {
            /* the previous chunk's last line (skip_first) is that chunk's to count */
            if (!skipping && !skip_first) {
                lineno++;
                lines++;
                w->agg.lines++;
                malformed++;
                ana_agg_malformed(&w->agg, it->file, it->chunk, lineno, "line longer than 1 MiB");
                lineno--; /* counted again when its end is reached */
            }
            skipping = !skip_first;
            pos += (off_t)have;
            have = 0;
            continue;
        }
        memmove(w->buf, w->buf + at, left);
        pos += (off_t)at;
        have = left;
        if (eof && have == 0)
            break;
        /* a small file's buffer is full of one partial line: the file grew; take the full size */
        if (have == w->bufcap && worker_buf(w, ANA_BUF) != 0) {
            fail_nomem(w, f);
            rc = -1;
            break;
        }
    }
    reader_close(&rd);
    item_close(f, fd);
    if (src.gz_problem && rc == 0)
        job_warn(w->run, f, "%s: the gzip stream %s after %llu bytes of text; the lines before "
                 "were analysed", f->path, src.gz_problem == 1 ? "ends early (truncated?)" :
                 "is corrupt", (unsigned long long)src.out_total);
    pthread_mutex_lock(&w->run->lock);
    f->lines += lines;
    f->malformed += malformed;
    f->chunk_lines[it->chunk] = lineno;
    pthread_mutex_unlock(&w->run->lock);
    return rc;
}

/* The CloudWatch document: a structural scan that cuts out each element of "events" (or of a
 * top-level array) and parses it; several documents may follow each other. */
static int run_cloudwatch(struct worker *w, struct file_job *f, const struct item *it)
{
    struct source src = {.fd = -1, .seekable = f->seekable, .gz = f->gz,
                         .prefix = f->prefix, .prefix_len = f->prefix_len};
    int depth = 0, events_depth = -1;
    bool in_str = false, esc = false, capturing = false, overflow = false;
    char key[24];
    size_t keylen = 0;
    bool key_ok = false;
    size_t caplen = 0;
    uint64_t line = 1, event_line = 0, lines = 0, malformed = 0;
    int rc = 0;
    if (worker_buf(w, item_buffer_size(f)) != 0 ||
        (!w->capture && !(w->capture = malloc(ANA_LINE_MAX + 8))) ||
        (!w->scratch && !(w->scratch = malloc(ANA_LINE_MAX + 8)))) {
        fail_nomem(w, f);
        return -1;
    }
    if ((src.fd = item_open(w->run, f)) < 0)
        return -1;
    struct reader rd;
    reader_open(&rd, &src, w->run->threads > 1);
    for (;;) {
        ssize_t n = reader_read(&rd, w->buf, w->bufcap);
        if (n < 0) {
            job_read_failed(w->run, f, src.io_errno);
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            char c = w->buf[i];
            if (c == '\n')
                line++;
            if (capturing) {
                if (caplen < ANA_LINE_MAX)
                    w->capture[caplen++] = c;
                else
                    overflow = true;
            }
            if (in_str) {
                if (esc)
                    esc = false;
                else if (c == '\\')
                    esc = true;
                else if (c == '"')
                    in_str = false;
                else if (depth == 1 && !capturing && keylen < sizeof key)
                    key[keylen++] = c;
                continue;
            }
            switch (c) {
            case '"':
                in_str = true;
                if (depth == 1 && !capturing)
                    keylen = 0;
                break;
            case '{':
                if (!capturing && depth == events_depth) {
                    capturing = true;
                    overflow = false;
                    caplen = 0;
                    w->capture[caplen++] = c;
                    event_line = line;
                }
                depth++;
                break;
            case '[':
                if (depth == 0)
                    events_depth = 1; /* a bare array of events */
                else if (depth == 1 && key_ok)
                    events_depth = 2;
                depth++;
                break;
            case '}':
            case ']':
                depth--;
                if (capturing && c == '}' && depth == events_depth) {
                    capturing = false;
                    lines++;
                    w->agg.lines++;
                    const char *why = "malformed event";
                    struct ana_record r;
                    ana_record_reset(&r);
                    if (overflow) {
                        malformed++;
                        ana_agg_malformed(&w->agg, it->file, 0, event_line, "event over 1 MiB");
                    } else if (ana_parse_cw_event(&w->run->opt->map, w->capture, caplen, &r,
                                                  w->scratch, &why) != ANA_LINE_OK) {
                        malformed++;
                        ana_agg_malformed(&w->agg, it->file, 0, event_line, why);
                    } else {
                        ana_agg_add(&w->agg, &r);
                    }
                }
                if (depth <= 0) {
                    depth = 0;
                    events_depth = -1;
                } else if (depth < events_depth) {
                    events_depth = -1;
                }
                break;
            case ':':
                if (depth == 1)
                    key_ok = keylen == 6 && memcmp(key, "events", 6) == 0;
                break;
            default:
                break;
            }
        }
    }
    reader_close(&rd);
    item_close(f, src.fd);
    if (rc == 0 && (depth != 0 || in_str || capturing)) {
        if (capturing) {
            lines++;
            w->agg.lines++;
            malformed++;
            ana_agg_malformed(&w->agg, it->file, 0, event_line, "event cut off at the end of the file");
        }
        job_warn(w->run, f, "%s: the JSON document ends early (truncated?); the events before "
                 "were analysed", f->path);
    }
    if (src.gz_problem && rc == 0)
        job_warn(w->run, f, "%s: the gzip stream %s after %llu bytes of text; the events before "
                 "were analysed", f->path, src.gz_problem == 1 ? "ends early (truncated?)" :
                 "is corrupt", (unsigned long long)src.out_total);
    pthread_mutex_lock(&w->run->lock);
    f->lines += lines;
    f->malformed += malformed;
    f->chunk_lines[0] = line;
    pthread_mutex_unlock(&w->run->lock);
    return rc;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *run = w->run;
    for (;;) {
        pthread_mutex_lock(&run->lock);
        size_t k = run->next < run->nitems ? run->next++ : SIZE_MAX;
        pthread_mutex_unlock(&run->lock);
        if (k == SIZE_MAX)
            break;
        const struct item *it = &run->items[k];
        struct file_job *f = &run->files[it->file];
        if (f->failed)
            continue;
        if (f->fmt == ANALYZE_FORMAT_CLOUDWATCH)
            run_cloudwatch(w, f, it);
        else
            run_lines(w, f, it);
    }
    return NULL;
}

/* ---- opening and detecting ---- */

static int open_job(const struct analyze_options *opt, struct file_job *f, struct wr_error *err)
{
    f->fd = -1;
    if (strcmp(f->path, "-") == 0) {
        f->fd = dup(0);
        f->seekable = false;
    } else {
        f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (f->fd < 0)
            return wr_fail(err, WR_E_IO, "%s: cannot open: %s; check the path and its permissions",
                           f->path, strerror(errno));
    }
    if (f->fd < 0)
        return wr_fail(err, WR_E_IO, "standard input: %s", strerror(errno));
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return wr_fail(err, WR_E_IO, "%s: %s", f->path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return wr_fail(err, WR_E_IO, "%s is a directory; pass the files in it (DIR/*)", f->path);
    f->seekable = S_ISREG(st.st_mode);
    f->size = st.st_size;
    /* the head: raw bytes, kept for a pipe so that the pass starts from the beginning */
    unsigned char *head = malloc(ANA_HEAD);
    if (!head)
        return wr_fail(err, WR_E_NOMEM, "out of memory");
    size_t hl = 0;
    while (hl < ANA_HEAD) {
        ssize_t n = f->seekable ? pread(f->fd, head + hl, ANA_HEAD - hl, (off_t)hl)
                                : read(f->fd, head + hl, ANA_HEAD - hl);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(head);
            return wr_fail(err, WR_E_IO, "%s: cannot read: %s", f->path, strerror(errno));
        }
        if (n == 0)
            break;
        hl += (size_t)n;
    }
    if (!f->seekable) {
        f->prefix = head;
        f->prefix_len = hl;
    }
    f->gz = hl >= 2 && head[0] == 0x1f && head[1] == 0x8b;
    if (f->gz && !ana_zlib_get(err)) {
        if (f->seekable)
            free(head);
        return -1;
    }
    /* the text head: gunzipped when needed */
    char *text = malloc(ANA_HEAD);
    if (!text) {
        if (f->seekable)
            free(head);
        return wr_fail(err, WR_E_NOMEM, "out of memory");
    }
    size_t tl = 0;
    if (f->gz) {
        struct source s = {.fd = -1, .gz = true, .prefix = head, .prefix_len = hl};
        for (;;) {
            ssize_t n = source_read(&s, text + tl, ANA_HEAD - tl);
            if (n <= 0)
                break;
            tl += (size_t)n;
            if (tl == ANA_HEAD)
                break;
        }
        source_close(&s);
        /* nothing came out: say why rather than call the file empty */
        if (tl == 0 && (s.gz_problem == 2 || (s.gz_problem == 1 && hl < ANA_HEAD))) {
            if (f->seekable)
                free(head);
            free(text);
            return wr_fail(err, WR_E_INPUT, "%s: the gzip data is %s before any text; nothing "
                           "can be read from it", f->path,
                           s.gz_problem == 2 ? "corrupt" : "cut off");
        }
    } else {
        memcpy(text, head, hl);
        tl = hl;
    }
    if (f->seekable)
        free(head);
    /* a regular file is opened again by the item that reads it (item_open); standard input
     * cannot be, even when it is a file */
    if (f->seekable && strcmp(f->path, "-") != 0) {
        close(f->fd);
        f->fd = -1;
    }
    size_t ws = 0;
    while (ws < tl && (text[ws] == ' ' || text[ws] == '\n' || text[ws] == '\r' || text[ws] == '\t'))
        ws++;
    if (ws == tl) {
        f->empty = true;
        free(text);
        return 0;
    }
    enum analyze_format fmt = opt->format != ANALYZE_FORMAT_AUTO ? opt->format
                                                                 : ana_detect(text, tl);
    if (fmt == ANALYZE_FORMAT_AUTO) {
        char shown[48];
        size_t k = 0;
        for (size_t i = ws; i < tl && k < 24; i++)
            shown[k++] = (text[i] >= 0x20 && text[i] < 0x7f && text[i] != '"') ? text[i] : '?';
        shown[k] = '\0';
        free(text);
        return wr_fail(err, WR_E_INPUT, "%s: not a log format warroom reads (it starts with "
                       "\"%s\"); formats: %s; force one with --format", f->path, shown,
                       analyze_format_list());
    }
    free(text);
    f->fmt = fmt;
    return 0;
}

static int worker_init(struct worker *w, struct run *run)
{
    w->run = run;
    ana_agg_init(&w->agg, run->opt);
    return 0; /* buffers come with the first item, sized for it */
}

static void worker_free(struct worker *w)
{
    ana_agg_free(&w->agg);
    free(w->buf);
    free(w->scratch);
    free(w->capture);
}

static int add_warning(struct analyze_result *r, const char *msg)
{
    char **w = realloc(r->warnings, (r->nwarnings + 1) * sizeof *w);
    if (!w)
        return -1;
    r->warnings = w;
    if (!(w[r->nwarnings] = strdup(msg)))
        return -1;
    r->nwarnings++;
    return 0;
}

int analyze_run(const struct analyze_options *opt, struct analyze_result **out,
                struct wr_error *err)
{
    struct run run = {.opt = opt};
    struct worker *workers = NULL;
    size_t nworkers = 0;
    struct analyze_result *r = NULL;
    int rc = -1;
    *out = NULL;
    pthread_mutex_init(&run.lock, NULL);
    if (opt->npaths == 0) {
        wr_fail(err, WR_E_USAGE, "no log files given; pass FILE... or - for standard input");
        goto out;
    }
    if (!(run.files = calloc(opt->npaths, sizeof *run.files)))
        goto nomem;
    for (size_t i = 0; i < opt->npaths; i++) {
        run.files[i].path = opt->paths[i];
        run.files[i].fd = -1;
    }
    run.nfiles = opt->npaths;
    int threads = opt->threads;
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    if (threads > ANA_MAX_THREADS)
        threads = ANA_MAX_THREADS;
    run.threads = threads;
    size_t cap_items = 0;
    for (size_t i = 0; i < run.nfiles; i++) {
        struct file_job *f = &run.files[i];
        if (open_job(opt, f, err) != 0)
            goto out;
        f->nchunks = 1;
        if (!f->empty && !f->gz && f->seekable && f->fmt != ANALYZE_FORMAT_CLOUDWATCH &&
            threads > 1 && f->size > ANA_CHUNK)
            f->nchunks = (size_t)((f->size + ANA_CHUNK - 1) / ANA_CHUNK);
        if (!(f->chunk_lines = calloc(f->nchunks, sizeof *f->chunk_lines)))
            goto nomem;
        cap_items += f->empty ? 0 : f->nchunks;
    }
    if (cap_items && !(run.items = calloc(cap_items, sizeof *run.items)))
        goto nomem;
    for (size_t i = 0; i < run.nfiles; i++) {
        struct file_job *f = &run.files[i];
        if (f->empty)
            continue;
        for (size_t c = 0; c < f->nchunks; c++) {
            struct item *it = &run.items[run.nitems++];
            it->file = i;
            it->chunk = c;
            it->start = f->nchunks > 1 ? (off_t)c * ANA_CHUNK : 0;
            it->end = f->nchunks > 1 && c + 1 < f->nchunks ? (off_t)(c + 1) * ANA_CHUNK : -1;
        }
    }
    nworkers = (size_t)threads < run.nitems ? (size_t)threads : run.nitems;
    if (nworkers == 0)
        nworkers = 1;
    if (!(workers = calloc(nworkers, sizeof *workers)))
        goto nomem;
    for (size_t i = 0; i < nworkers; i++)
        if (worker_init(&workers[i], &run) != 0)
            goto nomem;
    size_t started = 0;
    for (size_t i = 1; i < nworkers; i++) {
        if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]) != 0)
            break;
        started = i;
    }
    worker_main(&workers[0]);
    for (size_t i = 1; i <= started; i++)
        pthread_join(workers[i].thread, NULL);
    for (size_t i = 0; i < run.nfiles; i++)
        if (run.files[i].failed) {
            *err = run.files[i].err;
            goto out;
        }
    for (size_t i = 1; i < nworkers; i++)
        if (ana_agg_merge(&workers[0].agg, &workers[i].agg) != 0)
            goto nomem;
    struct ana_agg *a = &workers[0].agg;
    if (a->oom)
        goto nomem;
    if (!(r = calloc(1, sizeof *r)))
        goto nomem;
    r->anomaly = opt->anomaly;
    r->target = opt->target;
    if (!(r->files = calloc(run.nfiles, sizeof *r->files)))
        goto nomem;
    for (size_t i = 0; i < run.nfiles; i++) {
        struct file_job *f = &run.files[i];
        struct analyze_file *o = &r->files[r->nfiles++];
        /* a path is shown in reports and on terminals: no control characters, valid UTF-8 */
        if (!(o->path = wr_text_sanitize(strcmp(f->path, "-") == 0 ? "(standard input)" : f->path,
                                         true)))
            goto nomem;
        o->format = f->empty ? "empty" : analyze_format_name(f->fmt);
        o->gzip = f->gz;
        o->lines = f->lines;
        o->malformed = f->malformed;
        if (f->empty) {
            char msg[600];
            snprintf(msg, sizeof msg, "%s: empty file, skipped", o->path);
            if (add_warning(r, msg) != 0)
                goto nomem;
        }
        if (f->warning && add_warning(r, f->warning) != 0)
            goto nomem;
    }
    if (ana_agg_finish(a, r, err) != 0)
        goto out;
    /* malformed samples with absolute line numbers */
    if (a->nsamples && !(r->samples = calloc(a->nsamples, sizeof *r->samples)))
        goto nomem;
    for (size_t i = 0; i < a->nsamples; i++) {
        const struct ana_sample_acc *s = &a->samples[i];
        const struct file_job *f = &run.files[s->file];
        uint64_t line = s->line;
        for (size_t c = 0; c < s->chunk && c < f->nchunks; c++)
            line += f->chunk_lines[c];
        struct analyze_sample *o = &r->samples[r->nsamples++];
        o->file = strdup(r->files[s->file].path);
        o->reason = strdup(s->why);
        o->line = line;
        if (!o->file || !o->reason)
            goto nomem;
    }
    /* a field that --map names but no JSON line had is a mistake worth stopping for */
    static const char *const field_names[] = {
#define ANA_X_NAME(id, name) [id] = name,
        ANALYZE_FIELD_LIST(ANA_X_NAME)
#undef ANA_X_NAME
    };
    if (a->json_records) {
        for (size_t i = 0; i < opt->map.count && i < 64; i++) {
            const struct analyze_map_name *nm = &opt->map.names[i];
            if (nm->user && !(a->names_seen & (1ull << i))) {
                wr_fail(err, WR_E_INPUT,
                        "the field \"%s\" mapped to %s is in none of the %llu "
                        "JSON lines read; check the name (--map or the config's analyze.map)",
                        nm->name,
                        (unsigned)nm->field < ANA_F_COUNT ? field_names[nm->field] : "a field",
                        (unsigned long long)a->json_records);
                goto out;
            }
        }
    }
    {
        bool any = false;
        for (size_t i = 0; i < run.nfiles; i++)
            any |= !run.files[i].empty;
        if (!any) {
            wr_fail(err, WR_E_INPUT, "%s: nothing to analyse: %s empty",
                    run.nfiles == 1 ? run.files[0].path : "every file",
                    run.nfiles == 1 ? "the file is" : "they are");
            goto out;
        }
    }
    /* Two ways to get an empty report without a mistake showing: a window that misses the logs
     * (HH:MM is today, the logs are last week's) and field names warroom does not know. */
    if (r->filtered_out && r->first_ms == WR_TIME_NONE && a->out_first_ms != WR_TIME_NONE) {
        char msg[400], t1[40], t2[40], t3[40];
        snprintf(msg, sizeof msg, "every line is outside --from/--to: the logs run from %s to %s "
                 "UTC; give times with their date (a time alone is today's), e.g. --from %.16sZ",
                 wr_time_fmt(a->out_first_ms, true, "%Y-%m-%d %H:%M:%S", t1, sizeof t1),
                 wr_time_fmt(a->out_last_ms, true, "%Y-%m-%d %H:%M:%S", t2, sizeof t2),
                 wr_time_iso(a->out_first_ms, t3, sizeof t3));
        if (add_warning(r, msg) != 0)
            goto nomem;
    } else if (r->requests == 0 && r->health_excluded == 0 && a->json_records) {
        if (add_warning(r, "no line has an HTTP status (http_status or status), so there are no "
                        "request figures; if your logs name it otherwise, map it: --map "
                        "status=NAME (and duration=NAME:UNIT, path=NAME, method=NAME)") != 0)
            goto nomem;
    }
    if (r->overflow_keys) {
        char msg[300];
        snprintf(msg, sizeof msg, "%llu lines went past the limits (%d endpoints, %d error types, "
                 "%d minutes) and were counted under \"(other)\"",
                 (unsigned long long)r->overflow_keys, ANA_MAX_ENDPOINTS, ANA_MAX_ETYPES,
                 ANA_MAX_MINUTES);
        if (add_warning(r, msg) != 0)
            goto nomem;
    }
    if (ana_detect_anomalies(r, err) != 0 || ana_recommend(r, err) != 0)
        goto out;
    *out = r;
    r = NULL;
    rc = 0;
    goto out;
nomem:
    wr_fail(err, WR_E_NOMEM, "out of memory analysing the logs");
out:
    for (size_t i = 0; i < nworkers; i++)
        worker_free(&workers[i]);
    free(workers);
    for (size_t i = 0; i < run.nfiles; i++) {
        if (run.files[i].fd >= 0)
            close(run.files[i].fd);
        free(run.files[i].prefix);
        free(run.files[i].chunk_lines);
        free(run.files[i].warning);
    }
    free(run.files);
    free(run.items);
    pthread_mutex_destroy(&run.lock);
    analyze_result_free(&r);
    return rc;
}

void analyze_result_free(struct analyze_result **rp)
{
    struct analyze_result *r = rp ? *rp : NULL;
    if (!r)
        return;
    for (size_t i = 0; i < r->nfiles; i++)
        free(r->files[i].path);
    free(r->files);
    for (size_t i = 0; i < r->nsamples; i++) {
        free(r->samples[i].file);
        free(r->samples[i].reason);
    }
    free(r->samples);
    for (size_t i = 0; i < r->nendpoints; i++)
        free(r->endpoints[i].name);
    free(r->endpoints);
    for (size_t i = 0; i < r->nerror_types; i++) {
        free(r->error_types[i].type);
        free(r->error_types[i].dependency);
    }
    free(r->error_types);
    free(r->minutes);
    free(r->anomalies);
    for (size_t i = 0; i < r->nrecommendations; i++) {
        free(r->recommendations[i].rule);
        free(r->recommendations[i].finding);
        free(r->recommendations[i].action);
    }
    free(r->recommendations);
    for (size_t i = 0; i < r->nwarnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    free(r->cells);
    free(r);
    *rp = NULL;
}
