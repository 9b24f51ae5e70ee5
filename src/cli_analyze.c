/* cli_analyze.c: `warroom analyze`: log analysis from the command line, its reports, the
 * replay file, and attaching the findings to an incident. */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "analyze_attach.h"
#include "cli.h"
#include "config.h"

#define ANALYZE_USAGE                                                                          \
    "FILE... [--json] [-o DIR] [--from TIME] [--to TIME] [--format F] [--map FIELD=NAME]... "  \
    "[--attach ID] [--replay OUT.json] [--threads N]"

/* Paths given, with quoted globs expanded (the shell expands unquoted ones). */
struct path_list {
    char **v;
    size_t n, cap;
};

static int path_push(struct path_list *l, const char *p)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, nc * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = nc;
    }
    if (!(l->v[l->n] = strdup(p)))
        return -1;
    l->n++;
    return 0;
}

static int path_add(struct cli_ctx *ctx, struct path_list *l, const char *arg)
{
    struct stat st;
    if (strcmp(arg, "-") == 0)
        for (size_t i = 0; i < l->n; i++)
            if (strcmp(l->v[i], "-") == 0)
                return wr_fail(&ctx->err, WR_E_USAGE, "- (standard input) is given twice; it "
                               "can be read once: pass it once");
    if (strcmp(arg, "-") != 0 && strpbrk(arg, "*?[") && stat(arg, &st) != 0) {
        glob_t g;
        int gr = glob(arg, 0, NULL, &g);
        if (gr == GLOB_NOMATCH)
            return wr_fail(&ctx->err, WR_E_IO, "%s: no file matches this pattern", arg);
        if (gr != 0)
            return wr_fail(&ctx->err, WR_E_IO, "%s: cannot expand the pattern", arg);
        for (size_t i = 0; i < g.gl_pathc; i++)
            if (path_push(l, g.gl_pathv[i]) != 0) {
                globfree(&g);
                return wr_fail(&ctx->err, WR_E_NOMEM, "out of memory");
            }
        globfree(&g);
        return 0;
    }
    if (path_push(l, arg) != 0)
        return wr_fail(&ctx->err, WR_E_NOMEM, "out of memory");
    return 0;
}

/* The config's "analyze" section, when a config is given or exists at the default path. */
static int apply_config(struct cli_ctx *ctx, struct analyze_options *o, struct config **cfg)
{
    char buf[PATH_MAX];
    const char *path = ctx->config_path;
    if (!path) {
        path = config_default_path(buf, sizeof buf);
        if (!path || access(path, F_OK) != 0)
            return 0;
    }
    if (config_load(path, cfg, &ctx->err) != 0)
        return -1;
    const struct cfg_analyze *a = &(*cfg)->analyze;
    if (!a->present)
        return 0;
    char where[PATH_MAX + 32];
    snprintf(where, sizeof where, "%s: analyze.map:", path);
    for (size_t i = 0; i < a->nmap; i++)
        if (analyze_map_apply(&o->map, a->map[i], where, &ctx->err) != 0) {
            ctx->err.code = WR_E_CONFIG;
            return -1;
        }
    if (a->has_health) {
        o->nhealth = 0;
        for (size_t i = 0; i < a->nhealth && i < ANALYZE_MAX_HEALTH; i++)
            o->health[o->nhealth++] = a->health[i];
    }
    if (!isnan(a->target))
        o->target = a->target;
    if (!isnan(a->threshold))
        o->anomaly.threshold = a->threshold;
    if (a->baseline_minutes >= 0)
        o->anomaly.baseline_minutes = a->baseline_minutes;
    if (a->warmup_minutes >= 0)
        o->anomaly.warmup_minutes = a->warmup_minutes;
    if (a->min_requests >= 0)
        o->anomaly.min_requests = a->min_requests;
    if (a->min_episode_minutes >= 0)
        o->anomaly.min_episode_minutes = a->min_episode_minutes;
    if (a->merge_gap_minutes >= 0)
        o->anomaly.merge_gap_minutes = a->merge_gap_minutes;
    return 0;
}

/* Malformed lines are counted in the report, which often goes to a pipe or a file: say so on
 * stderr too, one line per file, with the first place and reason. When a forced --format fits
 * none of a file's lines, that is the likelier mistake than the file. */
static void warn_malformed(struct cli_ctx *ctx, const struct analyze_result *r, bool forced)
{
    for (size_t i = 0; i < r->nfiles; i++) {
        const struct analyze_file *f = &r->files[i];
        if (!f->malformed)
            continue;
        const struct analyze_sample *s = NULL;
        for (size_t k = 0; k < r->nsamples && !s; k++)
            if (strcmp(r->samples[k].file, f->path) == 0)
                s = &r->samples[k];
        char *why = s ? wr_text_sanitize(s->reason, true) : NULL;
        char first[400] = "";
        if (s)
            snprintf(first, sizeof first, " (first: line %llu: %s)", (unsigned long long)s->line,
                     why ? why : "");
        free(why);
        fprintf(ctx->errf, "warroom: warning: %s: %llu of %llu lines malformed, skipped%s%s%s%s\n",
                f->path, (unsigned long long)f->malformed, (unsigned long long)f->lines, first,
                forced && f->malformed == f->lines ? "; --format " : "",
                forced && f->malformed == f->lines ? f->format : "",
                forced && f->malformed == f->lines
                    ? " does not fit this file (without --format it is detected)"
                    : "");
    }
}

static int cmd_analyze(struct cli_ctx *ctx, int argc, char **argv)
{
    struct analyze_options o;
    analyze_options_init(&o);
    struct path_list paths = {0};
    struct config *cfg = NULL;
    struct analyze_result *r = NULL;
    const char *dir = NULL, *from = NULL, *to = NULL, *format = NULL, *attach = NULL,
               *replay = NULL, *threads = NULL;
    const char *maps[ANALYZE_MAX_NAMES];
    size_t nmaps = 0;
    bool only_files = false;
    int rc = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
            if (path_add(ctx, &paths, a) != 0)
                goto out;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_files = true;
            continue;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            slot = &dir;
        else if (strcmp(a, "--from") == 0)
            slot = &from;
        else if (strcmp(a, "--to") == 0)
            slot = &to;
        else if (strcmp(a, "--format") == 0)
            slot = &format;
        else if (strcmp(a, "--attach") == 0)
            slot = &attach;
        else if (strcmp(a, "--replay") == 0)
            slot = &replay;
        else if (strcmp(a, "--threads") == 0)
            slot = &threads;
        if (!slot && strcmp(a, "--map") != 0) {
            wr_fail(&ctx->err, WR_E_USAGE, "analyze: unknown option %s; usage: warroom analyze %s",
                    a, ANALYZE_USAGE);
            goto out;
        }
        if (i + 1 >= argc) {
            wr_fail(&ctx->err, WR_E_USAGE, "analyze: %s needs a value; see `warroom analyze --help`", a);
            goto out;
        }
        if (slot) {
            *slot = argv[++i];
        } else {
            if (nmaps == ANALYZE_MAX_NAMES) {
                wr_fail(&ctx->err, WR_E_USAGE, "analyze: too many --map rules");
                goto out;
            }
            maps[nmaps++] = argv[++i];
        }
    }
    if (paths.n == 0) {
        wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom analyze %s", ANALYZE_USAGE);
        goto out;
    }
    if (apply_config(ctx, &o, &cfg) != 0)
        goto out;
    for (size_t i = 0; i < nmaps; i++)
        if (analyze_map_apply(&o.map, maps[i], "--map", &ctx->err) != 0)
            goto out;
    if (format) {
        int f = analyze_format_parse(format);
        if (f == -2) {
            wr_fail(&ctx->err, WR_E_USAGE, "--format %s: unknown; formats: auto, %s", format,
                    analyze_format_list());
            goto out;
        }
        o.format = (enum analyze_format)f;
    }
    int64_t now = wr_now_ms();
    if (from && wr_time_parse(from, now, &o.from_ms, &ctx->err) != 0)
        goto out;
    if (to && wr_time_parse(to, now, &o.to_ms, &ctx->err) != 0)
        goto out;
    if (from && to && o.to_ms <= o.from_ms) {
        wr_fail(&ctx->err, WR_E_USAGE, "--to must be after --from");
        goto out;
    }
    if (threads) {
        char *end;
        long t = strtol(threads, &end, 10);
        if (*end || t < 1 || t > 64) {
            wr_fail(&ctx->err, WR_E_USAGE, "--threads %s: expected a number from 1 to 64", threads);
            goto out;
        }
        o.threads = (int)t;
    }
    long long incident = 0;
    if (attach && cli_incident_arg(ctx, attach, &incident) != 0)
        goto out;
    o.paths = (const char *const *)paths.v;
    o.npaths = paths.n;
    if (analyze_run(&o, &r, &ctx->err) != 0)
        goto out;
    for (size_t i = 0; i < r->nwarnings; i++) {
        char *w = wr_text_sanitize(r->warnings[i], true);
        fprintf(ctx->errf, "warroom: warning: %s\n", w ? w : "");
        free(w);
    }
    warn_malformed(ctx, r, o.format != ANALYZE_FORMAT_AUTO);
    if (replay && analyze_write_replay(r, replay, &ctx->err) != 0)
        goto out;
    if (dir && analyze_report_dir(r, dir, &ctx->err) != 0)
        goto out;
    if (attach) {
        size_t added = 0, total = 0;
        if (analyze_attach(cli_store(ctx), incident, r, model_author(ctx->author), &added, &total,
                           &ctx->err) != 0)
            goto out;
        fprintf(ctx->errf, "warroom: attached to INC-%lld: %zu new timeline entr%s (%zu already "
                "there)\n", incident, added, added == 1 ? "y" : "ies", total - added);
    }
    if (ctx->json) {
        char *s = analyze_report_json(r);
        if (!s) {
            wr_fail(&ctx->err, WR_E_NOMEM, "out of memory writing the JSON report");
            goto out;
        }
        fprintf(ctx->out, "%s\n", s);
        free(s);
    } else if (dir) {
        char *shown = wr_text_sanitize(dir, true);
        size_t n = shown ? strlen(shown) : 0;
        fprintf(ctx->out, "%s%sanalysis.md\n", shown ? shown : "",
                n && shown[n - 1] == '/' ? "" : "/");
        free(shown);
    } else {
        struct wr_buf b = {0};
        if (analyze_report_markdown(r, NULL, &b) != 0) {
            wr_buf_free(&b);
            wr_fail(&ctx->err, WR_E_NOMEM, "out of memory writing the report");
            goto out;
        }
        fwrite(b.data, 1, b.len, ctx->out);
        wr_buf_free(&b);
    }
    rc = 0;
out:
    analyze_result_free(&r);
    config_free(&cfg);
    for (size_t i = 0; i < paths.n; i++)
        free(paths.v[i]);
    free(paths.v);
    return rc;
}

const struct cli_command cli_analyze_commands[] = {
    {"analyze", ANALYZE_USAGE,
     "analyse CloudWatch/ALB/JSON-lines logs: availability, latency, errors, anomalies",
     "FILE: a log file (gzip or not; - for standard input; quoted globs are expanded).\n"
     "Formats, detected per file: cloudwatch (aws logs filter-log-events JSON), s3 (CloudWatch\n"
     "Logs export lines), jsonl (JSON lines), alb (ALB access logs); --format forces one.\n"
     "--json: the report as JSON on stdout; -o DIR: DIR/analysis.md and SVG charts;\n"
     "--from/--to TIME: keep lines in [from, to); --map FIELD=NAME[:UNIT]: your field names\n"
     "(status=statusCode, duration=latency:s; dots reach nested keys); --attach ID: add the\n"
     "anomaly episodes and a summary to the incident's timeline (idempotent); --replay FILE:\n"
     "write the per-minute series as an SLI replay file; --threads N: worker threads.\n"
     "The config's \"analyze\" section sets the map, health-check paths, objective and the\n"
     "anomaly parameters (README \"Log analysis\").",
     cmd_analyze},
    {NULL, NULL, NULL, NULL, NULL},
};
