/* cli.c: the command-line entry point, global options, and the core subcommands. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "exchange.h"
#include "input.h"
#include "model.h"
#include "paths.h"
#include "severity.h"
#include "version.h"
#include "tz.h"

/* ---- option parsing shared by the subcommands ---- */

#define CLI_MAX_POS 16 /* positional arguments a subcommand accepts at most */

/* One option of a subcommand. Exactly one of value/flag is set. */
struct cli_opt {
    const char *name; /* "--at" */
    const char **value;
    bool *flag;
};

/*
 * Split argv into options (from opts) and positionals. "--" ends options. An unknown option or a
 * missing value is a usage error naming it. positional must hold argc entries.
 */
static int parse_opts(struct cli_ctx *ctx, const char *cmd, int argc, char **argv,
                      const struct cli_opt *opts, char **positional, int *npos)
{
    *npos = 0;
    bool only_positional = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (only_positional || a[0] != '-' || a[1] == '\0' ||
            (a[1] != '-' && (a[1] < 'a' || a[1] > 'z'))) {
            /* "-15m" style values and "-" are positional, not options */
            if (*npos >= CLI_MAX_POS)
                return wr_fail(&ctx->err, WR_E_USAGE, "%s: too many arguments; quote text that "
                               "has spaces", cmd);
            positional[(*npos)++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positional = true;
            continue;
        }
        const struct cli_opt *o = opts;
        for (; o && o->name; o++)
            if (strcmp(o->name, a) == 0)
                break;
        if (!o || !o->name)
            return wr_fail(&ctx->err, WR_E_USAGE, "%s: unknown option %s; see `warroom %s --help`",
                           cmd, a, cmd);
        if (o->flag) {
            *o->flag = true;
        } else {
            if (i + 1 >= argc)
                return wr_fail(&ctx->err, WR_E_USAGE, "%s: %s needs a value; see `warroom %s --help`",
                               cmd, a, cmd);
            *o->value = argv[++i];
        }
    }
    return 0;
}

static int want_positionals(struct cli_ctx *ctx, const char *cmd, int npos, int min, int max,
                            const char *usage)
{
    if (npos < min || npos > max)
        return wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom %s %s", cmd, usage);
    return 0;
}

struct store *cli_store(struct cli_ctx *ctx)
{
    if (ctx->store)
        return ctx->store;
    char path[PATH_MAX];
    if (ctx->db_path) {
        snprintf(path, sizeof path, "%s", ctx->db_path);
    } else if (store_default_path(path, sizeof path, true, &ctx->err) != 0) {
        return NULL;
    }
    if (store_open(path, &ctx->store, &ctx->err) != 0)
        return NULL;
    return ctx->store;
}

static int parse_id(const char *arg, long long *id)
{
    const char *p = arg;
    if (strncasecmp(p, "INC-", 4) == 0)
        p += 4;
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (*p == '\0' || *end || errno || v <= 0)
        return -1;
    *id = v;
    return 0;
}

int cli_incident_arg(struct cli_ctx *ctx, const char *arg, long long *id)
{
    if (parse_id(arg, id) != 0)
        return wr_fail(&ctx->err, WR_E_USAGE,
                       "'%s' is not an incident id; use the number `warroom list` shows (12 or "
                       "INC-12)",
                       arg);
    struct store *s = cli_store(ctx);
    if (!s)
        return -1;
    struct incident inc;
    if (store_incident_get(s, *id, &inc, &ctx->err) != 0)
        return -1;
    /* Local times read and written for this incident are in its own zone. */
    struct wr_error zerr;
    if (tz_use(inc.tz, &zerr) != 0)
        fprintf(ctx->errf, "warroom: note: %s\n", zerr.msg);
    incident_clear(&inc);
    return 0;
}

static int entry_arg(struct cli_ctx *ctx, const char *arg, long long *id)
{
    if (parse_id(arg, id) != 0)
        return wr_fail(&ctx->err, WR_E_USAGE,
                       "'%s' is not an entry id; `warroom show ID` lists entry ids", arg);
    return 0;
}

static int time_arg(struct cli_ctx *ctx, const char *text, int64_t *out)
{
    return wr_time_parse(text, wr_now_ms(), out, &ctx->err);
}

/* Reject text that is not valid UTF-8 or too long before it reaches the store. */
static int text_arg(struct cli_ctx *ctx, const char *text, const char *what)
{
    size_t len = strlen(text);
    if (len > WR_TEXT_MAX)
        return wr_fail(&ctx->err, WR_E_INPUT, "%s is %zu bytes, over the %d KiB limit; shorten it",
                       what, len, WR_TEXT_MAX / 1024);
    if (!wr_utf8_valid(text, len))
        return wr_fail(&ctx->err, WR_E_INPUT,
                       "%s is not valid UTF-8; check the terminal's encoding (LANG)", what);
    return 0;
}

/* ---- new, list, show ---- */

static int cmd_new(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *service = NULL, *started = NULL, *severity = NULL, *tags = NULL, *zone = NULL;
    struct cli_opt opts[] = {{"--service", &service, NULL}, {"--started", &started, NULL},
                             {"--sev", &severity, NULL},     {"--tags", &tags, NULL},
                             {"--tz", &zone, NULL},          {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    if (parse_opts(ctx, "new", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "new", npos, 1, 1, "TITLE [--service S] [--started TIME]") != 0)
        return -1;
    char *title = strdup(pos[0]);
    if (!title)
        return wr_fail(&ctx->err, WR_E_NOMEM, "out of memory");
    wr_trim(title);
    int rc = -1;
    struct incident inc;
    incident_init(&inc);
    if (!*title) {
        wr_fail(&ctx->err, WR_E_INPUT, "the title is empty; say what is broken, e.g. "
                                       "\"/loan/apply slow and failing\"");
        goto out;
    }
    if (text_arg(ctx, title, "the title") != 0)
        goto out;
    int sev = SEV_NONE;
    if (severity && (sev = sev_parse(severity)) < 0) {
        wr_fail(&ctx->err, WR_E_INPUT, "--sev %s: expected SEV1, SEV2, SEV3 or SEV4", severity);
        goto out;
    }
    /* The incident keeps its creator's zone (or --tz): local times in its messages, its
     * postmortem and on every screen that shows it are in that zone, beside UTC. */
    if (zone ? tz_check(zone, inc.tz, sizeof inc.tz, &ctx->err) != 0
             : !tz_default(inc.tz, sizeof inc.tz))
        goto out;
    tz_use(inc.tz, NULL);
    int64_t now = wr_now_ms();
    inc.milestones[MS_STARTED] = now;
    if (started && time_arg(ctx, started, &inc.milestones[MS_STARTED]) != 0)
        goto out;
    inc.title = title;
    inc.services = (char *)(service ? service : "");
    inc.tags = (char *)(tags ? tags : "");
    struct store *s = cli_store(ctx);
    if (!s)
        goto out;
    int64_t id;
    const char *author = model_author(ctx->author);
    if (store_incident_open(s, &inc, author, &id, &ctx->err) != 0)
        goto out;
    if (sev > 0 && store_severity_set(s, id, sev, "set when the incident was opened", now, author,
                                      &ctx->err) != 0)
        goto out;
    fprintf(ctx->out, "%lld\n", (long long)id);
    rc = 0;
out:
    inc.title = inc.services = inc.tags = NULL;
    incident_clear(&inc);
    free(title);
    return rc;
}

static void print_incident_line(struct cli_ctx *ctx, const struct incident *inc)
{
    char started[32] = "-", sev[8] = "-";
    if (inc->milestones[MS_STARTED] != WR_TIME_NONE)
        wr_time_fmt(inc->milestones[MS_STARTED], false, "%Y-%m-%d %H:%M", started,
                    sizeof started);
    if (inc->severity)
        snprintf(sev, sizeof sev, "SEV%d", inc->severity);
    char *title = wr_text_sanitize(inc->title, true);
    fprintf(ctx->out, "%-6lld %-5s %-9s %-7s %-16s %s\n", (long long)inc->id, sev,
            phase_name(inc->phase), incident_is_open(inc) ? "open" : "closed", started,
            title ? title : "");
    free(title);
}

static int cmd_list(struct cli_ctx *ctx, int argc, char **argv)
{
    bool all = false;
    struct cli_opt opts[] = {{"--all", NULL, &all}, {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    if (parse_opts(ctx, "list", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "list", npos, 0, 0, "[--all] [--json]") != 0)
        return -1;
    struct store *s = cli_store(ctx);
    if (!s)
        return -1;
    struct incident *arr;
    size_t n;
    if (store_incident_list(s, all, &arr, &n, &ctx->err) != 0)
        return -1;
    if (ctx->json) {
        cJSON *list = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            char t[40];
            cJSON_AddNumberToObject(o, "id", (double)arr[i].id);
            cJSON_AddStringToObject(o, "uid", arr[i].uid);
            cJSON_AddStringToObject(o, "title", arr[i].title);
            cJSON_AddNumberToObject(o, "severity", arr[i].severity);
            cJSON_AddStringToObject(o, "phase", phase_name(arr[i].phase));
            cJSON_AddStringToObject(o, "status", incident_is_open(&arr[i]) ? "open" : "closed");
            if (arr[i].milestones[MS_STARTED] != WR_TIME_NONE)
                cJSON_AddStringToObject(o, "started",
                                        wr_time_iso(arr[i].milestones[MS_STARTED], t, sizeof t));
            cJSON_AddItemToArray(list, o);
        }
        char *text = cJSON_Print(list);
        if (text)
            fprintf(ctx->out, "%s\n", text);
        free(text);
        cJSON_Delete(list);
    } else {
        if (n == 0)
            fprintf(ctx->out, "no %sincidents; `warroom new TITLE` opens one\n", all ? "" : "open ");
        else
            fprintf(ctx->out, "%-6s %-5s %-9s %-7s %-16s %s\n", "ID", "SEV", "PHASE", "STATUS",
                    "STARTED", "TITLE");
        for (size_t i = 0; i < n; i++)
            print_incident_line(ctx, &arr[i]);
    }
    store_incidents_free(&arr, n);
    return 0;
}

static int print_entry_line(const struct entry *e, void *ctxp)
{
    struct cli_ctx *ctx = ctxp;
    if (e->deleted)
        return 0;
    char t[16];
    char *text = wr_text_sanitize(e->text, true);
    char *author = wr_text_sanitize(e->author, true);
    fprintf(ctx->out, "  #%-6lld %s %c%c %-10s %s%s\n", (long long)e->id,
            wr_time_fmt(e->at_ms, false, "%H:%M:%S", t, sizeof t), kind_glyph(e->kind),
            e->pinned ? '*' : ' ', author ? author : "", text ? text : "",
            e->rev > 1 ? " (edited)" : "");
    free(text);
    free(author);
    return 0;
}

static int cmd_show(struct cli_ctx *ctx, int argc, char **argv)
{
    char *pos[CLI_MAX_POS];
    int npos;
    long long id;
    if (parse_opts(ctx, "show", argc, argv, NULL, pos, &npos) != 0 ||
        want_positionals(ctx, "show", npos, 1, 1, "ID [--json]") != 0 ||
        cli_incident_arg(ctx, pos[0], &id) != 0)
        return -1;
    struct store *s = ctx->store;
    if (ctx->json)
        return exchange_write(s, id, EXCHANGE_SHOW, ctx->out, &ctx->err);
    struct incident inc;
    if (store_incident_get(s, id, &inc, &ctx->err) != 0)
        return -1;
    print_incident_line(ctx, &inc);
    for (int m = 0; m < MS_COUNT; m++) {
        if (inc.milestones[m] == WR_TIME_NONE)
            continue;
        char t[40];
        fprintf(ctx->out, "  %-10s %s\n", milestone_name((enum milestone)m),
                wr_time_fmt(inc.milestones[m], false, "%Y-%m-%d %H:%M:%S %Z", t, sizeof t));
    }
    for (int r = 0; r < ROLE_COUNT; r++) {
        char who[512];
        if (store_role_holder(s, id, (enum role)r, who, sizeof who, &ctx->err) != 0) {
            incident_clear(&inc);
            return -1;
        }
        if (*who) {
            char *safe = wr_text_sanitize(who, true);
            fprintf(ctx->out, "  %-22s %s\n", role_title((enum role)r), safe ? safe : "");
            free(safe);
        }
    }
    incident_clear(&inc);
    char zone[32];
    fprintf(ctx->out, "timeline (local times %s):\n", tz_label(wr_now_ms(), zone, sizeof zone));
    return store_entry_each(s, id, print_entry_line, ctx, &ctx->err);
}

/* ---- log, edit, rm ---- */

static int cmd_log(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *at = NULL, *kind = NULL;
    bool pin = false;
    struct cli_opt opts[] = {{"--at", &at, NULL}, {"--kind", &kind, NULL}, {"--pin", NULL, &pin},
                             {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    long long id;
    if (parse_opts(ctx, "log", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "log", npos, 2, 2, "ID TEXT [--at TIME] [--kind K] [--pin]") != 0)
        return -1;
    if (text_arg(ctx, pos[1], "the entry") != 0 || cli_incident_arg(ctx, pos[0], &id) != 0)
        return -1;
    int64_t now = wr_now_ms();
    struct input_result in;
    if (input_parse(pos[1], now, &in, &ctx->err) != 0)
        return -1;
    int rc = -1;
    if (kind && in.kind != KIND_NOTE) {
        wr_fail(&ctx->err, WR_E_INPUT, "two kinds given: --kind %s and the text's %s prefix; keep "
                "one (or start the text with \\)", kind, kind_name(in.kind));
        goto out;
    }
    if (at && in.backdated) {
        wr_fail(&ctx->err, WR_E_INPUT, "two times given: --at %s and the text's @ prefix; keep "
                "one", at);
        goto out;
    }
    if (kind) {
        int k = kind_from_name(kind);
        if (k < 0 || !kind_typeable((enum entry_kind)k)) {
            wr_fail(&ctx->err, WR_E_INPUT,
                    "--kind %s: expected note, action, decision, hypothesis, todo, comms or alert",
                    kind);
            goto out;
        }
        in.kind = (enum entry_kind)k;
    }
    if (at) {
        if (time_arg(ctx, at, &in.at_ms) != 0)
            goto out;
        if (in.at_ms > now + 60000) {
            wr_fail(&ctx->err, WR_E_INPUT, "--at %s is in the future; log what already happened",
                    at);
            goto out;
        }
    }
    struct entry e = {.incident_id = id, .at_ms = in.at_ms, .kind = in.kind,
                      .author = (char *)model_author(ctx->author), .text = in.text,
                      .pinned = in.pinned || pin};
    if (store_entry_append(ctx->store, &e, &ctx->err) != 0)
        goto out;
    /* Printed only now: the entry is committed (synchronous=FULL) when the id appears. */
    fprintf(ctx->out, "%lld\n", (long long)e.id);
    rc = 0;
out:
    input_result_clear(&in);
    return rc;
}

static int cmd_edit(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *kind = NULL, *at = NULL;
    struct cli_opt opts[] = {{"--kind", &kind, NULL}, {"--at", &at, NULL}, {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    long long id = 0, entry = 0;
    if (parse_opts(ctx, "edit", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "edit", npos, 2, 3, "ID ENTRY [TEXT] [--kind K] [--at TIME]") != 0 ||
        entry_arg(ctx, pos[1], &entry) != 0 ||
        (npos == 3 && text_arg(ctx, pos[2], "the new text") != 0) ||
        cli_incident_arg(ctx, pos[0], &id) != 0)
        return -1;
    if (npos == 2 && !kind && !at)
        return wr_fail(&ctx->err, WR_E_USAGE, "edit: give the new TEXT, --kind K or --at TIME");
    int k = -1;
    int64_t when = 0;
    if (kind && ((k = kind_from_name(kind)) < 0 || !kind_typeable((enum entry_kind)k)))
        return wr_fail(&ctx->err, WR_E_INPUT, "--kind %s: expected note, action, decision, "
                                              "hypothesis, todo, comms or alert", kind);
    /* After the incident: a local --at is read in its zone. */
    if (at && time_arg(ctx, at, &when) != 0)
        return -1;
    const char *author = model_author(ctx->author);
    /* One revision per change, as the cockpit's keys make them, all in one transaction: a
     * refused --at leaves the text unchanged too. */
    if (store_begin(ctx->store, &ctx->err) != 0)
        return -1;
    int rc = 0;
    if (npos == 3) {
        char *text = strdup(pos[2]);
        if (!text)
            rc = wr_fail(&ctx->err, WR_E_NOMEM, "out of memory");
        else {
            wr_trim(text);
            rc = store_entry_edit(ctx->store, id, entry, text, author, &ctx->err);
            free(text);
        }
    }
    if (rc == 0 && k >= 0)
        rc = store_entry_set_kind(ctx->store, id, entry, (enum entry_kind)k, author, &ctx->err);
    if (rc == 0 && at)
        rc = store_entry_set_at(ctx->store, id, entry, when, author, &ctx->err);
    if (rc != 0) {
        store_rollback(ctx->store);
        return -1;
    }
    if (store_commit(ctx->store, &ctx->err) != 0)
        return -1;
    fprintf(ctx->out, "%lld\n", entry);
    return 0;
}

static int cmd_rm(struct cli_ctx *ctx, int argc, char **argv)
{
    char *pos[CLI_MAX_POS];
    int npos;
    long long id = 0, entry = 0;
    if (parse_opts(ctx, "rm", argc, argv, NULL, pos, &npos) != 0 ||
        want_positionals(ctx, "rm", npos, 2, 2, "ID ENTRY") != 0 ||
        entry_arg(ctx, pos[1], &entry) != 0 || cli_incident_arg(ctx, pos[0], &id) != 0)
        return -1;
    if (store_entry_delete(ctx->store, id, entry, model_author(ctx->author), &ctx->err) != 0)
        return -1;
    fprintf(ctx->out, "%lld\n", entry);
    return 0;
}

static int cmd_pin(struct cli_ctx *ctx, int argc, char **argv)
{
    bool off = false;
    struct cli_opt opts[] = {{"--off", NULL, &off}, {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    long long id = 0, entry = 0;
    if (parse_opts(ctx, "pin", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "pin", npos, 2, 2, "ID ENTRY [--off]") != 0 ||
        entry_arg(ctx, pos[1], &entry) != 0 || cli_incident_arg(ctx, pos[0], &id) != 0)
        return -1;
    if (store_entry_pin(ctx->store, id, entry, !off, model_author(ctx->author), &ctx->err) != 0)
        return -1;
    fprintf(ctx->out, "%lld\n", entry);
    return 0;
}

static int cmd_history(struct cli_ctx *ctx, int argc, char **argv)
{
    char *pos[CLI_MAX_POS];
    int npos;
    long long entry = 0;
    if (parse_opts(ctx, "history", argc, argv, NULL, pos, &npos) != 0 ||
        want_positionals(ctx, "history", npos, 1, 1, "ENTRY [--json]") != 0 ||
        entry_arg(ctx, pos[0], &entry) != 0 || !cli_store(ctx))
        return -1;
    struct entry_revision *revs;
    size_t n;
    if (store_entry_history(ctx->store, entry, &revs, &n, &ctx->err) != 0)
        return -1;
    cJSON *arr = ctx->json ? cJSON_CreateArray() : NULL;
    for (size_t i = 0; i < n; i++) {
        char t[40], at[40];
        wr_time_iso(revs[i].changed_ms, t, sizeof t);
        wr_time_iso(revs[i].at_ms, at, sizeof at);
        if (arr) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "rev", revs[i].rev);
            cJSON_AddStringToObject(o, "changed", t);
            cJSON_AddStringToObject(o, "author", revs[i].author);
            cJSON_AddStringToObject(o, "kind", kind_name(revs[i].kind));
            cJSON_AddStringToObject(o, "at", at);
            cJSON_AddStringToObject(o, "text", revs[i].text);
            cJSON_AddBoolToObject(o, "pinned", revs[i].pinned);
            cJSON_AddBoolToObject(o, "deleted", revs[i].deleted);
            cJSON_AddItemToArray(arr, o);
        } else {
            char *text = wr_text_sanitize(revs[i].text, true);
            char *author = wr_text_sanitize(revs[i].author, true);
            /* Every field a revision can change, so a pin, a kind or a time change shows. */
            fprintf(ctx->out, "rev %d  %s  %s  %s at %s%s%s  %s\n", revs[i].rev, t,
                    author ? author : "", kind_name(revs[i].kind), at,
                    revs[i].pinned ? "  pinned" : "", revs[i].deleted ? "  [deleted]" : "",
                    text ? text : "");
            free(text);
            free(author);
        }
    }
    if (arr) {
        char *text = cJSON_Print(arr);
        if (text)
            fprintf(ctx->out, "%s\n", text);
        free(text);
        cJSON_Delete(arr);
    }
    store_revisions_free(&revs, n);
    return 0;
}

/* ---- export, import ---- */

static int cmd_export(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *format = "json", *output = NULL;
    struct cli_opt opts[] = {{"--format", &format, NULL}, {"-o", &output, NULL},
                             {"--output", &output, NULL}, {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    long long id;
    if (parse_opts(ctx, "export", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "export", npos, 1, 1, "ID [--format json|md] [-o FILE]") != 0)
        return -1;
    if (strcmp(format, "json") != 0 && strcmp(format, "md") != 0)
        return wr_fail(&ctx->err, WR_E_USAGE, "--format %s: expected json or md", format);
    if (cli_incident_arg(ctx, pos[0], &id) != 0)
        return -1;
    if (strcmp(format, "md") == 0)
        return cli_postmortem_export(ctx, id, output);
    if (!output)
        return exchange_write(ctx->store, id, EXCHANGE_FULL, ctx->out, &ctx->err);
    /* Write beside the target and rename, so a failed export never leaves half a file. */
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", output, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return wr_fail(&ctx->err, WR_E_IO, "cannot write %s: %s", output, strerror(errno));
    int rc = exchange_write(ctx->store, id, EXCHANGE_FULL, f, &ctx->err);
    if (fclose(f) != 0 && rc == 0)
        rc = wr_fail(&ctx->err, WR_E_IO, "cannot write %s: %s", output, strerror(errno));
    if (rc == 0 && rename(tmp, output) != 0)
        rc = wr_fail(&ctx->err, WR_E_IO, "cannot write %s: %s", output, strerror(errno));
    if (rc != 0)
        unlink(tmp);
    return rc;
}

static int cmd_import(struct cli_ctx *ctx, int argc, char **argv)
{
    bool new_uid = false;
    struct cli_opt opts[] = {{"--new", NULL, &new_uid}, {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    if (parse_opts(ctx, "import", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "import", npos, 1, 1, "FILE [--new]") != 0)
        return -1;
    char *text = wr_read_file(pos[0], NULL, &ctx->err);
    if (!text)
        return -1;
    int rc = -1;
    int64_t id;
    if (cli_store(ctx) && exchange_import(ctx->store, text, new_uid, &id, &ctx->err) == 0) {
        fprintf(ctx->out, "%lld\n", (long long)id);
        rc = 0;
    }
    free(text);
    return rc;
}

/* ---- state: sev, role, phase, milestone ---- */

/* Load the severity policy: data/severity.json, overridden by the user's severity.json. */
static int load_policy(struct cli_ctx *ctx, struct sev_policy *p)
{
    char user[PATH_MAX] = "";
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        snprintf(user, sizeof user, "%s/warroom/severity.json", xdg);
    else if (home && *home)
        snprintf(user, sizeof user, "%s/.config/warroom/severity.json", home);
    char def[PATH_MAX];
    snprintf(def, sizeof def, "%s/severity.json", paths_data_dir());
    return sev_policy_load(p, def, *user && access(user, F_OK) == 0 ? user : NULL, &ctx->err);
}

static int cmd_sev(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *why = NULL, *at = NULL, *impact = NULL, *scope = NULL;
    const char *trig[SEV_TRIGGER_COUNT + 1] = {NULL};
    struct cli_opt opts[] = {{"--why", &why, NULL},       {"--at", &at, NULL},
                             {"--impact", &impact, NULL}, {"--scope", &scope, NULL},
                             {"--trigger", &trig[0], NULL}, {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    long long id;
    /* --trigger may repeat: collect each occurrence before the generic parser sees it. */
    unsigned triggers = 0;
    char *rest[CLI_MAX_POS * 2];
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--trigger") == 0 && i + 1 < argc) {
            int t = sev_trigger_from_key(argv[++i]);
            if (t < 0)
                return wr_fail(&ctx->err, WR_E_INPUT, "--trigger %s: expected data_loss, "
                               "pii_breach, revenue or sla_imminent", argv[i]);
            triggers |= SEV_TRIGGER_BIT(t);
        } else if (nrest < CLI_MAX_POS * 2) {
            rest[nrest++] = argv[i];
        }
    }
    if (parse_opts(ctx, "sev", nrest, rest, opts, pos, &npos) != 0)
        return -1;
    bool by_matrix = impact || scope;
    const char *usage = "ID (SEV1..SEV4 | --impact ROW --scope COL [--trigger T]...) [--why TEXT]";
    if (want_positionals(ctx, "sev", npos, by_matrix ? 1 : 2, by_matrix ? 1 : 2, usage) != 0)
        return -1;
    int sev;
    struct wr_buf rationale = {0};
    int rc = -1;
    if (by_matrix) {
        struct sev_policy policy;
        struct sev_result res;
        int row = impact ? sev_row_from_key(impact) : -1;
        int col = scope ? sev_col_from_key(scope) : -1;
        if (row < 0 || col < 0) {
            wr_fail(&ctx->err, WR_E_INPUT, "--impact takes core_down, degraded, noncore_down or "
                    "cosmetic and --scope takes one, lt25, gt25 or all (both are needed)");
            goto out;
        }
        if (load_policy(ctx, &policy) != 0 ||
            sev_classify(&policy, row, col, triggers, &res) != 0) {
            if (ctx->err.code == WR_OK)
                wr_fail(&ctx->err, WR_E_INPUT, "cannot classify that cell");
            goto out;
        }
        sev = res.severity;
        wr_buf_puts(&rationale, res.rationale);
    } else {
        sev = sev_parse(pos[1]);
        if (sev < 0) {
            wr_fail(&ctx->err, WR_E_INPUT, "'%s' is not a severity; use SEV1, SEV2, SEV3 or SEV4",
                    pos[1]);
            goto out;
        }
        if (triggers) {
            wr_fail(&ctx->err, WR_E_USAGE, "--trigger goes with --impact and --scope");
            goto out;
        }
    }
    if (why) {
        if (text_arg(ctx, why, "--why") != 0)
            goto out;
        wr_buf_printf(&rationale, "%s%s", rationale.len ? "; " : "", why);
    }
    int64_t when = wr_now_ms();
    /* The incident first: its time zone is what a local --at time means. */
    if (cli_incident_arg(ctx, pos[0], &id) != 0 || (at && time_arg(ctx, at, &when) != 0))
        goto out;
    if (store_severity_set(ctx->store, id, sev, rationale.data ? rationale.data : "", when,
                           model_author(ctx->author), &ctx->err) != 0)
        goto out;
    fprintf(ctx->out, "SEV%d%s%s\n", sev, rationale.len ? "  " : "",
            rationale.data ? rationale.data : "");
    rc = 0;
out:
    wr_buf_free(&rationale);
    return rc;
}

static int cmd_role(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *note = NULL, *at = NULL;
    struct cli_opt opts[] = {{"--note", &note, NULL}, {"--at", &at, NULL}, {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    long long id;
    if (parse_opts(ctx, "role", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "role", npos, 2, 3, "ID ROLE [NAME] [--note TEXT] [--at TIME]") != 0)
        return -1;
    int role = role_from_name(pos[1]);
    if (role < 0)
        return wr_fail(&ctx->err, WR_E_INPUT,
                       "'%s' is not a role; use ic, comms, ops, sme or scribe", pos[1]);
    const char *name = npos == 3 ? pos[2] : "";
    int64_t when = wr_now_ms();
    if (text_arg(ctx, name, "the name") != 0 || (note && text_arg(ctx, note, "--note") != 0) ||
        cli_incident_arg(ctx, pos[0], &id) != 0 || (at && time_arg(ctx, at, &when) != 0))
        return -1;
    return store_role_assign(ctx->store, id, (enum role)role, name, note, when,
                             model_author(ctx->author), &ctx->err);
}

static int cmd_phase(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *at = NULL;
    struct cli_opt opts[] = {{"--at", &at, NULL}, {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    long long id;
    if (parse_opts(ctx, "phase", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "phase", npos, 2, 2, "ID PHASE [--at TIME]") != 0)
        return -1;
    int phase = phase_from_name(pos[1]);
    if (phase < 0)
        return wr_fail(&ctx->err, WR_E_INPUT, "'%s' is not a phase; use DETECT, TRIAGE, RESPOND, "
                                              "MITIGATE, RESOLVE or REVIEW", pos[1]);
    int64_t when = wr_now_ms();
    if (cli_incident_arg(ctx, pos[0], &id) != 0 || (at && time_arg(ctx, at, &when) != 0))
        return -1;
    return store_phase_set(ctx->store, id, (enum phase)phase, when, model_author(ctx->author),
                           &ctx->err);
}

static int cmd_milestone(struct cli_ctx *ctx, int argc, char **argv)
{
    char *pos[CLI_MAX_POS];
    int npos;
    long long id;
    if (parse_opts(ctx, "milestone", argc, argv, NULL, pos, &npos) != 0 ||
        want_positionals(ctx, "milestone", npos, 2, 3, "ID NAME [TIME]") != 0)
        return -1;
    int m = milestone_from_name(pos[1]);
    if (m < 0)
        return wr_fail(&ctx->err, WR_E_INPUT, "'%s' is not a milestone; use started, detected, "
                                              "declared, mitigated, resolved or closed", pos[1]);
    int64_t when = wr_now_ms();
    if (cli_incident_arg(ctx, pos[0], &id) != 0 || (npos == 3 && time_arg(ctx, pos[2], &when) != 0))
        return -1;
    if (store_milestone_set(ctx->store, id, (enum milestone)m, when, model_author(ctx->author),
                            &ctx->err) != 0)
        return -1;
    char reason[64];
    snprintf(reason, sizeof reason, "milestone %s", milestone_name((enum milestone)m));
    cli_sli_snapshot(ctx, id, when, reason); /* evidence; never fails the milestone */
    return 0;
}

static int cmd_reopen(struct cli_ctx *ctx, int argc, char **argv)
{
    char *pos[CLI_MAX_POS];
    int npos;
    long long id;
    if (parse_opts(ctx, "reopen", argc, argv, NULL, pos, &npos) != 0 ||
        want_positionals(ctx, "reopen", npos, 1, 1, "ID") != 0 ||
        cli_incident_arg(ctx, pos[0], &id) != 0)
        return -1;
    return store_incident_reopen(ctx->store, id, model_author(ctx->author), &ctx->err);
}

/* ---- tui, demo ---- */

static int run_tui(struct cli_ctx *ctx, struct tui_request *req)
{
    if (!ctx->frontend || !ctx->frontend->run_tui)
        return wr_fail(&ctx->err, WR_E_USAGE, "this build has no terminal interface");
    if (req->max_frames <= 0 && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
        return wr_fail(&ctx->err, WR_E_USAGE,
                       "the cockpit needs a terminal; run it in one, or use the subcommands "
                       "(`warroom --help`) from scripts");
    req->author = ctx->author;
    req->config_path = ctx->config_path;
    /* The TUI opens its own connection; ours would only hold a second file handle. */
    store_close(&ctx->store);
    return ctx->frontend->run_tui(req, &ctx->err);
}

static int cmd_tui(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *frames = NULL;
    struct cli_opt opts[] = {{"--frames", &frames, NULL}, {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    long long id = 0;
    char path[PATH_MAX];
    if (parse_opts(ctx, "tui", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "tui", npos, 0, 1, "[ID] [--frames N]") != 0)
        return -1;
    /* Team mode starts without the server (this laptop's copy and journal): the cockpit
     * connects in the background and checks the id against its copy. */
    if (ctx->db_path)
        snprintf(path, sizeof path, "%s", ctx->db_path);
    else if (store_default_path(path, sizeof path, false, &ctx->err) != 0)
        return -1;
    if (store_target_is_remote(path)) {
        if (npos == 1 && parse_id(pos[0], &id) != 0)
            return wr_fail(&ctx->err, WR_E_USAGE,
                           "'%s' is not an incident id; use the number `warroom list` shows (12 "
                           "or INC-12)",
                           pos[0]);
        struct tui_request req = {.db_path = path, .incident_id = id,
                                  .max_frames = frames ? atoi(frames) : 0};
        return run_tui(ctx, &req);
    }
    if (npos == 1 && cli_incident_arg(ctx, pos[0], &id) != 0)
        return -1;
    if (!cli_store(ctx)) /* creates the database and reports problems before curses starts */
        return -1;
    /* The target itself (a PostgreSQL URL may carry a password): store_path is only for show. */
    struct tui_request req = {.db_path = store_target(ctx->store), .incident_id = id,
                              .max_frames = frames ? atoi(frames) : 0};
    snprintf(path, sizeof path, "%s", req.db_path);
    req.db_path = path;
    return run_tui(ctx, &req);
}

/* Import the demo incident into a fresh temporary database; writes its path and id. */
static int demo_prepare(struct cli_ctx *ctx, char *dir, size_t dirn, char *path, size_t pathn,
                        int64_t *id, int64_t *clock_start)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, dirn, "%s/warroom-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return wr_fail(&ctx->err, WR_E_IO, "cannot create a temporary directory for the demo: %s",
                       strerror(errno));
    if ((size_t)snprintf(path, pathn, "%.*s/demo.db", (int)(pathn > 16 ? pathn - 16 : 0), dir) >=
        pathn)
        return wr_fail(&ctx->err, WR_E_IO, "the temporary directory path is too long");
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/demo/incident.json", paths_data_dir());
    char *text = wr_read_file(file, NULL, &ctx->err);
    if (!text)
        return -1;
    int rc = -1;
    if (store_open(path, &ctx->store, &ctx->err) == 0 &&
        exchange_import(ctx->store, text, false, id, &ctx->err) == 0) {
        struct incident inc;
        if (store_incident_get(ctx->store, *id, &inc, &ctx->err) == 0) {
            /* The demo clock starts just after the last recorded milestone. */
            int64_t start = inc.milestones[MS_STARTED];
            for (int m = 0; m < MS_COUNT; m++)
                if (inc.milestones[m] != WR_TIME_NONE && inc.milestones[m] > start)
                    start = inc.milestones[m];
            *clock_start = start + 60000;
            incident_clear(&inc);
            rc = 0;
        }
    }
    free(text);
    return rc;
}

static void demo_cleanup(const char *dir, const char *path)
{
    char f[PATH_MAX + 8];
    unlink(path);
    snprintf(f, sizeof f, "%s-wal", path);
    unlink(f);
    snprintf(f, sizeof f, "%s-shm", path);
    unlink(f);
    rmdir(dir);
}

/* Shell-quote s when it holds anything but [A-Za-z0-9/._-]: a path for a command line shown. */
static void demo_quote(const char *s, char *out, size_t n)
{
    if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-") ==
        strlen(s)) {
        snprintf(out, n, "%s", s);
        return;
    }
    size_t k = 0;
    if (k + 1 < n)
        out[k++] = '\'';
    for (; *s && k + 5 < n; s++) {
        if (*s == '\'') {
            memcpy(out + k, "'\\''", 4);
            k += 4;
        } else {
            out[k++] = *s;
        }
    }
    if (k + 1 < n)
        out[k++] = '\'';
    out[k] = '\0';
}

/* After --keep: the kept incident is not resolved, so an export measures it to "now"; from the
 * CLI that is today, months after the demo's morning. Say how to export it as it stood when the
 * demo stopped (its virtual clock), with the demo's SLIs. */
static void demo_export_hint(struct cli_ctx *ctx, const char *path)
{
    char iso[64], local[32], zone[32], qdb[2 * PATH_MAX], qcfg[2 * PATH_MAX], cfg[PATH_MAX];
    int64_t now = wr_now_ms();
    now -= now % 1000;
    snprintf(cfg, sizeof cfg, "%s/demo/config.json", paths_data_dir());
    demo_quote(path, qdb, sizeof qdb);
    demo_quote(cfg, qcfg, sizeof qcfg);
    wr_time_fmt(now, true, "%Y-%m-%dT%H:%M:%SZ", iso, sizeof iso);
    fprintf(ctx->errf,
            "the demo's clock stopped at %s %s; to export the incident as it stood then, with the "
            "demo's SLIs:\n  WARROOM_NOW=%s warroom --db %s --config %s export 1 --format md\n",
            wr_time_fmt(now, false, "%H:%M", local, sizeof local), tz_label(now, zone, sizeof zone),
            iso, qdb, qcfg);
}

static int cmd_demo(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *frames = NULL, *speed = NULL;
    bool keep = false, print = false;
    struct cli_opt opts[] = {{"--frames", &frames, NULL}, {"--speed", &speed, NULL},
                             {"--keep", NULL, &keep},     {"--print", NULL, &print},
                             {NULL, NULL, NULL}};
    char *pos[CLI_MAX_POS];
    int npos;
    if (parse_opts(ctx, "demo", argc, argv, opts, pos, &npos) != 0 ||
        want_positionals(ctx, "demo", npos, 0, 0, "[--speed N] [--frames N] [--keep] [--print]"))
        return -1;
    double factor = speed ? atof(speed) : 60.0;
    if (factor <= 0 || factor > 100000)
        return wr_fail(&ctx->err, WR_E_USAGE, "--speed %s: expected a number above 0 (60 = an "
                                              "hour a minute)", speed ? speed : "");
    char dir[PATH_MAX], path[PATH_MAX];
    int64_t id = 0, start = 0;
    int rc = -1;
    bool broken_pipe = false;
    dir[0] = path[0] = '\0';
    if (demo_prepare(ctx, dir, sizeof dir, path, sizeof path, &id, &start) != 0)
        goto out;
    if (print) {
        /* No terminal needed: show what the demo holds (used by scripts and CI). A reader that
         * stops early (`| head`, `| grep -q`) would kill the demo by SIGPIPE before it removed
         * its database: the broken pipe is taken as a write error instead, the directory
         * removed, and the process then ends by SIGPIPE as any command would. */
        struct sigaction ign = {.sa_handler = SIG_IGN};
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
        char sid[32];
        snprintf(sid, sizeof sid, "%lld", (long long)id);
        char *show_argv[] = {sid, NULL};
        rc = cmd_show(ctx, 1, show_argv);
        broken_pipe = (fflush(stdout) != 0 || ferror(stdout)) && errno == EPIPE;
        goto out;
    }
    /* The demo's SLI panels replay the recorded incident unless the user gave --config. */
    char demo_config[PATH_MAX];
    if (!ctx->config_path) {
        snprintf(demo_config, sizeof demo_config, "%s/demo/config.json", paths_data_dir());
        ctx->config_path = demo_config;
    }
    wr_clock_set_virtual(start, factor);
    struct tui_request req = {.db_path = path, .incident_id = id, .demo = true,
                              .max_frames = frames ? atoi(frames) : 0};
    rc = run_tui(ctx, &req);
    if (ctx->config_path == demo_config)
        ctx->config_path = NULL; /* the buffer ends with this function */
out:
    store_close(&ctx->store);
    if (keep) {
        fprintf(ctx->errf, "demo database kept at %s\n", path);
        if (start && !print)
            demo_export_hint(ctx, path);
    } else if (*dir)
        demo_cleanup(dir, path);
    if (broken_pipe) {
        signal(SIGPIPE, SIG_DFL);
        raise(SIGPIPE);
    }
    return rc;
}

const struct cli_command cli_core_commands[] = {
    {"new", "TITLE [--service S] [--started TIME] [--sev SEVn] [--tags a,b] [--tz ZONE]",
     "open an incident and print its id",
     "--tz: the incident's time zone (IANA name such as America/Argentina/Buenos_Aires, or an\n"
     "offset such as -03:00); default the creator's. Local times everywhere use it, beside UTC.",
     cmd_new},
    {"list", "[--all] [--json]", "list open incidents (--all: closed ones too)", NULL, cmd_list},
    {"show", "ID [--json]", "show an incident: milestones, roles, timeline",
     "--json adds severity history, roles, milestones and durations", cmd_show},
    {"log", "ID TEXT [--at TIME] [--kind K] [--pin]",
     "append a timeline entry; prints its id once it is durably saved",
     "TEXT follows the input-line grammar (README: \"The input line\"): ! decision, > action,\n"
     "? hypothesis, + or TODO: todo, ~ comms, # alert, * pin, @TIME backdate.",
     cmd_log},
    {"edit", "ID ENTRY [TEXT] [--kind K] [--at TIME]",
     "change an entry's text, kind or time (the old ones are kept in its history)",
     "--kind: note, action, decision, hypothesis, todo, comms or alert (a todo becomes an action\n"
     "item). --at: when it happened (backdate or correct). Entries warroom records itself keep\n"
     "their kind and time. Each change is one revision, as the cockpit's e, K and @ keys make.",
     cmd_edit},
    {"rm", "ID ENTRY", "delete an entry (soft: it stays in its history)", NULL, cmd_rm},
    {"pin", "ID ENTRY [--off]", "mark an entry as a key event (--off unpins; kept in history)",
     NULL, cmd_pin},
    {"history", "ENTRY [--json]", "show every revision of an entry", NULL, cmd_history},
    {"sev", "ID (SEV1..SEV4 | --impact ROW --scope COL [--trigger T]...) [--why TEXT] [--at TIME]",
     "record the severity, set directly or classified by the matrix",
     "ROW: core_down, degraded, noncore_down, cosmetic. COL: one, lt25, gt25, all.\n"
     "T (repeatable): data_loss, pii_breach, revenue, sla_imminent. The rationale names the rule.",
     cmd_sev},
    {"role", "ID ROLE [NAME] [--note TEXT]",
     "assign or hand off a role (ic, comms, ops, sme, scribe); no NAME releases it", NULL,
     cmd_role},
    {"phase", "ID PHASE [--at TIME]",
     "move to DETECT, TRIAGE, RESPOND, MITIGATE, RESOLVE or REVIEW", NULL, cmd_phase},
    {"milestone", "ID NAME [TIME]",
     "set started, detected, declared, mitigated, resolved or closed (default now)", NULL,
     cmd_milestone},
    {"reopen", "ID", "reopen a closed incident (clears its closed milestone, logged)", NULL,
     cmd_reopen},
    {"export", "ID [--format json|md] [-o FILE]", "write the incident as versioned JSON",
     "--format md writes the postmortem draft instead: -o DIR gets postmortem.md and one SVG\n"
     "graph per SLI (README: \"Postmortem\").",
     cmd_export},
    {"import", "FILE [--new]", "import an exported incident (all or nothing); prints its id",
     "--new imports a copy under a new uid when the incident is already here", cmd_import},
    {"tui", "[ID] [--frames N]", "open the cockpit (the incident picker without ID)", NULL,
     cmd_tui},
    {"demo", "[--speed N] [--print] [--keep]",
     "open the demo incident on a temporary database (no network, no config)",
     "--speed: replay clock factor (default 60); --print: print it instead of opening the TUI",
     cmd_demo},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- dispatch ---- */

static const struct cli_command *const command_tables[] = {
    cli_core_commands,
    cli_template_commands,
    cli_sli_commands,
    cli_comms_commands,
    cli_postmortem_commands,
    cli_facts_commands,
    cli_analyze_commands,
    cli_db_commands,
    cli_sync_commands,
};

const struct cli_command *const *cli_command_tables(size_t *n)
{
    *n = sizeof command_tables / sizeof command_tables[0];
    return command_tables;
}

const struct cli_global_option cli_global_options[] = {
    {"--db", "PATH", true, "the database; else $WARROOM_DB, else $XDG_DATA_HOME/warroom/warroom.db"},
    {"--as", "NAME", true, "the author of what this command records; else $WARROOM_AS, else $USER"},
    {"--config", "PATH", true,
     "the configuration file; else $XDG_CONFIG_HOME/warroom/config.json"},
    {"--json", NULL, true, "machine-readable output where a command prints records"},
    {"--help", NULL, false, "the commands, or with a command its usage (also -h)"},
    {"--version", NULL, false, "the release, the git commit, and the data and template directories"},
    {NULL, NULL, false, NULL},
};

static const struct cli_command *find_command(const char *name)
{
    for (size_t t = 0; t < sizeof command_tables / sizeof command_tables[0]; t++)
        for (const struct cli_command *c = command_tables[t]; c->name; c++)
            if (strcmp(c->name, name) == 0)
                return c;
    return NULL;
}

static void print_usage(FILE *f)
{
    /* The usage line comes from the same table as the man page's GLOBAL OPTIONS. */
    fprintf(f, "usage: warroom");
    for (const struct cli_global_option *g = cli_global_options; g->name; g++)
        if (g->in_usage)
            fprintf(f, g->value ? " [%s %s]" : " [%s]", g->name, g->value);
    fprintf(f, " COMMAND [ARGS]\n"
               "       warroom            open the cockpit (incident picker)\n\ncommands:\n");
    for (size_t t = 0; t < sizeof command_tables / sizeof command_tables[0]; t++)
        for (const struct cli_command *c = command_tables[t]; c->name; c++)
            fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "\nTimes: 2026-11-21T09:15Z (or +02:00), HH:MM[:SS] (local, today), -15m, -2h.\n"
               "Database: --db PATH, else $WARROOM_DB, else $XDG_DATA_HOME/warroom/warroom.db;\n"
               "a postgresql:// URL or service=NAME selects PostgreSQL (team mode).\n"
               "Exit codes: 0 ok, 1 failure, 2 usage, 3 invalid input, 4 not found, 5 conflict,\n"
               "6 database, 7 database too new, 8 file, 9 memory, 10 config, 11 network.\n");
}

static void print_command_help(FILE *f, const struct cli_command *c)
{
    fprintf(f, "usage: warroom %s %s\n%s\n", c->name, c->usage, c->summary);
    if (c->help)
        fprintf(f, "%s\n", c->help);
}

int cli_main(int argc, char **argv, const struct cli_frontend *frontend)
{
    struct cli_ctx ctx = {.out = stdout, .errf = stderr, .frontend = frontend};
    const char *env_author = getenv("WARROOM_AS");
    ctx.author = env_author && *env_author ? env_author : NULL;
    /* Global options may stand anywhere before "--"; pull them out of argv. */
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest) {
        fprintf(stderr, "warroom: out of memory\n");
        return wr_code_exit(WR_E_NOMEM);
    }
    int nrest = 0;
    bool help = false, dashdash = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!dashdash && strcmp(a, "--db") == 0)
            slot = &ctx.db_path;
        else if (!dashdash && strcmp(a, "--as") == 0)
            slot = &ctx.author;
        else if (!dashdash && strcmp(a, "--config") == 0)
            slot = &ctx.config_path;
        if (slot) {
            if (i + 1 >= argc) {
                fprintf(stderr, "warroom: %s needs a value\n", a);
                free(rest);
                return wr_code_exit(WR_E_USAGE);
            }
            *slot = argv[++i];
            continue;
        }
        if (!dashdash && strcmp(a, "--json") == 0) {
            ctx.json = true;
            continue;
        }
        if (!dashdash && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            help = true;
            continue;
        }
        if (!dashdash && strcmp(a, "--version") == 0) {
            /* The commit says exactly what is running; the directories, which data and
             * templates it reads (installed, build tree, or the environment's override). */
            printf("warroom %s (git %s)\ndata: %s\ntemplates: %s\n", wr_version,
                   wr_version_commit, paths_data_dir(), paths_template_dir());
            free(rest);
            return 0;
        }
        if (strcmp(a, "--") == 0)
            dashdash = true;
        rest[nrest++] = argv[i];
    }
    int status = 0;
    const struct cli_command *cmd = NULL;
    if (nrest == 0) {
        if (help) {
            print_usage(stdout);
            goto done;
        }
        cmd = find_command("tui");
    } else {
        cmd = find_command(rest[0]);
        if (!cmd) {
            wr_fail(&ctx.err, WR_E_USAGE, "unknown command '%s'; `warroom --help` lists them",
                    rest[0]);
            goto fail;
        }
        if (help) {
            print_command_help(stdout, cmd);
            goto done;
        }
    }
    if (cmd->run(&ctx, nrest ? nrest - 1 : 0, nrest ? rest + 1 : rest) != 0)
        goto fail;
    /* Team mode: a command that reached the server also sends what a cockpit on this laptop
     * left unsent (the cockpit and `warroom sync` do it themselves). */
    if (ctx.store && store_is_remote(ctx.store)) {
        store_close(&ctx.store);
        cli_sync_flush(&ctx);
    }
    if (fflush(stdout) != 0) {
        wr_fail(&ctx.err, WR_E_IO, "cannot write the output: %s", strerror(errno));
        goto fail;
    }
    goto done;
fail:
    if (ctx.err.code == WR_OK)
        wr_fail(&ctx.err, WR_E_FAIL, "%s", wr_code_text(WR_E_FAIL));
    {
        /* Messages quote what the user gave (file names, ids, text): a name holding escape
         * sequences must not drive the terminal, and the error stays one line. */
        char *line = wr_text_sanitize(ctx.err.msg[0] ? ctx.err.msg : wr_code_text(ctx.err.code),
                                      true);
        fprintf(stderr, "warroom: %s\n", line ? line : wr_code_text(ctx.err.code));
        free(line);
    }
    status = wr_code_exit(ctx.err.code);
done:
    store_close(&ctx.store);
    free(rest);
    return status;
}
