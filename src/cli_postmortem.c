/* cli_postmortem.c: `warroom pm`, `action`, `lint`, `report`, `search` and the Markdown export. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "config.h"
#include "lint.h"
#include "paths.h"
#include "postmortem.h"
#include "severity.h"
#include "template.h"

static const char *data_dir(void)
{
    return paths_data_dir();
}

/* The value after option argv[*i] (advancing *i), or NULL with ctx->err set. */
static const char *opt_value(struct cli_ctx *ctx, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        wr_fail(&ctx->err, WR_E_USAGE, "%s needs a value; see warroom --help", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int load_lint(struct cli_ctx *ctx, struct lint_rules **r)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/blameless.json", data_dir());
    return lint_rules_load(path, r, &ctx->err);
}

static void print_findings(FILE *f, const char *name, const struct lint_report *rep)
{
    for (size_t i = 0; i < rep->count; i++)
        fprintf(f, "%s:%d: blame: \"%s\": %s\n", name, rep->items[i].line, rep->items[i].match,
                rep->items[i].suggestion);
}

/* Add the incident's responders (role holders and authors) as names the lint ties to blame. */
static void lint_add_people(struct store *s, int64_t id, struct lint_rules *r)
{
    struct role_assignment *ra = NULL;
    size_t n = 0;
    struct wr_error e;
    if (store_role_history(s, id, &ra, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++) {
            lint_rules_add_name(r, ra[i].name);
            char *first = wr_strdup(ra[i].name);
            if (first) {
                char *sp = strchr(first, ' ');
                if (sp) {
                    *sp = '\0';
                    lint_rules_add_name(r, first);
                }
            }
            free(first);
        }
        store_role_history_free(&ra, n);
    }
}

/* Called by cmd_export for --format md. */
int cli_postmortem_export(struct cli_ctx *ctx, long long id, const char *dir)
{
    int rc = -1;
    struct sev_policy policy;
    struct config *config = NULL;
    struct lint_rules *lint = NULL;
    struct lint_report rep = {0};
    char def[PATH_MAX], user[PATH_MAX] = "", cpath[PATH_MAX];
    bool have_policy;
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        snprintf(user, sizeof user, "%s/warroom/severity.json", xdg);
    else if (home && *home)
        snprintf(user, sizeof user, "%s/.config/warroom/severity.json", home);
    snprintf(def, sizeof def, "%s/severity.json", data_dir());
    memset(&policy, 0, sizeof policy);
    struct wr_error perr;
    have_policy = sev_policy_load(&policy, def, *user && access(user, F_OK) == 0 ? user : NULL,
                                  &perr) == 0;
    const char *cp = ctx->config_path;
    if (!cp && (cp = config_default_path(cpath, sizeof cpath)) && access(cp, F_OK) != 0)
        cp = NULL;
    if (cp && config_load(cp, &config, &ctx->err) != 0)
        goto out;
    if (load_lint(ctx, &lint) != 0)
        goto out;
    lint_add_people(ctx->store, id, lint);
    struct pm_options opt = {have_policy ? &policy : NULL, config, lint, NULL, wr_now_ms()};
    if (pm_export(ctx->store, id, &opt, dir ? dir : ".", &rep, &ctx->err) != 0)
        goto out;
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s/postmortem.md", dir ? dir : ".");
    if (rep.count) {
        fprintf(ctx->errf, "blameless check: %zu finding%s in %s\n", rep.count,
                rep.count == 1 ? "" : "s", name);
        print_findings(ctx->errf, name, &rep);
    } else {
        fprintf(ctx->errf, "blameless check: no findings in %s\n", name);
    }
    fprintf(ctx->out, "%s\n", name);
    rc = 0;
out:
    lint_report_clear(&rep);
    lint_rules_free(&lint);
    config_free(&config);
    return rc;
}

static int cmd_pm(struct cli_ctx *ctx, int argc, char **argv)
{
    long long id;
    if (argc < 1)
        return wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom pm ID [FIELD [TEXT]]");
    if (cli_incident_arg(ctx, argv[0], &id) != 0)
        return -1;
    if (argc == 1) {
        for (int f = 0; f < PM_FIELD_COUNT; f++) {
            char *v = NULL;
            if (store_pm_field_get(ctx->store, id, pm_field_key(f), &v, &ctx->err) != 0)
                return -1;
            fprintf(ctx->out, "%-20s %s\n", pm_field_key(f), *v ? v : "(empty)");
            free(v);
        }
        return 0;
    }
    int f = pm_field_from_key(argv[1]);
    if (f < 0) {
        struct wr_buf b = {0};
        for (int k = 0; k < PM_FIELD_COUNT; k++)
            wr_buf_printf(&b, "%s%s", k ? " " : "", pm_field_key(k));
        wr_fail(&ctx->err, WR_E_USAGE, "unknown postmortem field '%s'; fields: %s", argv[1],
                b.data ? b.data : "");
        wr_buf_free(&b);
        return -1;
    }
    if (argc == 2) {
        char *v = NULL;
        if (store_pm_field_get(ctx->store, id, pm_field_key(f), &v, &ctx->err) != 0)
            return -1;
        fprintf(ctx->out, "%s\n", v);
        free(v);
        return 0;
    }
    struct wr_buf b = {0};
    for (int i = 2; i < argc; i++)
        wr_buf_printf(&b, "%s%s", i > 2 ? " " : "", argv[i]);
    int rc = store_pm_field_set(ctx->store, id, pm_field_key(f), b.data ? b.data : "",
                                model_author(ctx->author), &ctx->err);
    wr_buf_free(&b);
    return rc;
}

static int parse_action_opts(struct cli_ctx *ctx, int argc, char **argv, int first,
                             struct action_item *a, char **text)
{
    for (int i = first; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--type") == 0 || strcmp(argv[i], "--owner") == 0 ||
            strcmp(argv[i], "--priority") == 0 || strcmp(argv[i], "--deadline") == 0 ||
            strcmp(argv[i], "--ticket") == 0 || strcmp(argv[i], "--status") == 0) {
            const char *o = argv[i];
            if (!(v = opt_value(ctx, argc, argv, &i)))
                return -1;
            if (strcmp(o, "--type") == 0) {
                if (strcmp(v, "prevent") && strcmp(v, "detect") && strcmp(v, "mitigate") &&
                    strcmp(v, "process"))
                    return wr_fail(&ctx->err, WR_E_USAGE,
                                   "--type %s: expected prevent, detect, mitigate or process", v);
                snprintf(a->type, sizeof a->type, "%s", v);
            } else if (strcmp(o, "--priority") == 0) {
                if (strlen(v) != 2 || (v[0] != 'P' && v[0] != 'p') || v[1] < '0' || v[1] > '2')
                    return wr_fail(&ctx->err, WR_E_USAGE, "--priority %s: expected P0, P1 or P2",
                                   v);
                snprintf(a->priority, sizeof a->priority, "P%c", v[1]);
            } else if (strcmp(o, "--status") == 0) {
                if (strcmp(v, "open") && strcmp(v, "done"))
                    return wr_fail(&ctx->err, WR_E_USAGE, "--status %s: expected open or done", v);
                snprintf(a->status, sizeof a->status, "%s", v);
            } else if (strcmp(o, "--deadline") == 0) {
                char iso[64];
                snprintf(iso, sizeof iso, strlen(v) == 10 ? "%sT00:00Z" : "%s", v);
                if (wr_time_parse(iso, wr_now_ms(), &a->deadline_ms, &ctx->err) != 0)
                    return -1;
            } else {
                char **dst = strcmp(o, "--owner") == 0 ? &a->owner : &a->ticket;
                free(*dst);
                if (!(*dst = strdup(v)))
                    return wr_fail(&ctx->err, WR_E_NOMEM, "out of memory");
            }
        } else if (text && !*text) {
            *text = argv[i];
        } else {
            return wr_fail(&ctx->err, WR_E_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    return 0;
}

static void action_json(cJSON *arr, const struct action_item *a, size_t n)
{
    char tb[40];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n", (double)n);
    cJSON_AddNumberToObject(o, "incident", (double)a->incident_id);
    cJSON_AddStringToObject(o, "type", a->type);
    cJSON_AddStringToObject(o, "description", a->description);
    cJSON_AddStringToObject(o, "owner", a->owner);
    cJSON_AddStringToObject(o, "priority", a->priority);
    if (a->deadline_ms == WR_TIME_NONE)
        cJSON_AddNullToObject(o, "deadline");
    else
        cJSON_AddStringToObject(o, "deadline", wr_time_iso(a->deadline_ms, tb, sizeof tb));
    cJSON_AddStringToObject(o, "status", a->status);
    cJSON_AddStringToObject(o, "ticket", a->ticket);
    cJSON_AddItemToArray(arr, o);
}

static int print_json(struct cli_ctx *ctx, cJSON *root)
{
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    if (!s)
        return wr_fail(&ctx->err, WR_E_NOMEM, "out of memory");
    fprintf(ctx->out, "%s\n", s);
    free(s);
    return 0;
}

static int cmd_action(struct cli_ctx *ctx, int argc, char **argv)
{
    static const char usage[] =
        "usage: warroom action ID add TEXT [--type T] [--owner O] [--priority P0..P2] "
        "[--deadline DATE] [--ticket URL] | edit N [TEXT] [options] | done N | list [--json]";
    long long id;
    if (argc < 2)
        return wr_fail(&ctx->err, WR_E_USAGE, "%s", usage);
    if (cli_incident_arg(ctx, argv[0], &id) != 0)
        return -1;
    const char *verb = argv[1];
    int rc = -1;
    struct action_item *list = NULL;
    size_t n = 0;
    if (strcmp(verb, "add") == 0) {
        struct action_item a = {.incident_id = id, .deadline_ms = WR_TIME_NONE};
        char *text = NULL;
        if (parse_action_opts(ctx, argc, argv, 2, &a, &text) == 0) {
            if (!text)
                wr_fail(&ctx->err, WR_E_USAGE, "action add needs the TEXT; %s", usage);
            else if ((a.description = strdup(text)) &&
                     store_action_add(ctx->store, &a, &ctx->err) == 0 &&
                     store_action_list(ctx->store, id, &list, &n, &ctx->err) == 0) {
                fprintf(ctx->out, "%zu\n", n);
                rc = 0;
            }
        }
        action_item_clear(&a);
        store_actions_free(&list, n);
        return rc;
    }
    if (store_action_list(ctx->store, id, &list, &n, &ctx->err) != 0)
        return -1;
    if (strcmp(verb, "list") == 0) {
        if (ctx->json) {
            cJSON *arr = cJSON_CreateArray();
            for (size_t i = 0; i < n; i++)
                action_json(arr, &list[i], i + 1);
            rc = print_json(ctx, arr);
        } else {
            char tb[40];
            for (size_t i = 0; i < n; i++)
                fprintf(ctx->out, "%zu. [%s] %s %s: %s (owner %s, deadline %s%s%s)\n", i + 1,
                        list[i].status, list[i].priority, list[i].type, list[i].description,
                        list[i].owner[0] ? list[i].owner : "unassigned",
                        list[i].deadline_ms == WR_TIME_NONE
                            ? "none"
                            : wr_time_fmt(list[i].deadline_ms, true, "%Y-%m-%d", tb, sizeof tb),
                        list[i].ticket[0] ? ", " : "", list[i].ticket);
            rc = 0;
        }
    } else if (strcmp(verb, "edit") == 0 || strcmp(verb, "done") == 0) {
        char *end = NULL;
        long k = argc > 2 ? strtol(argv[2], &end, 10) : 0;
        if (argc < 3 || !end || *end || k < 1 || (size_t)k > n) {
            wr_fail(&ctx->err, WR_E_USAGE,
                    "action %s needs the item number N (1..%zu, see `warroom action %lld list`)",
                    verb, n, id);
        } else {
            struct action_item *a = &list[k - 1];
            char *text = NULL;
            if (strcmp(verb, "done") == 0) {
                snprintf(a->status, sizeof a->status, "done");
                rc = argc == 3 ? store_action_update(ctx->store, a, &ctx->err)
                               : wr_fail(&ctx->err, WR_E_USAGE, "%s", usage);
            } else if (parse_action_opts(ctx, argc, argv, 3, a, &text) == 0) {
                if (text) {
                    free(a->description);
                    a->description = strdup(text);
                }
                rc = store_action_update(ctx->store, a, &ctx->err);
            }
        }
    } else {
        wr_fail(&ctx->err, WR_E_USAGE, "unknown action verb '%s'; %s", verb, usage);
    }
    store_actions_free(&list, n);
    return rc;
}

static int cmd_lint(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc != 1)
        return wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom lint ID|FILE");
    struct lint_rules *rules = NULL;
    struct lint_report rep = {0};
    int rc = -1;
    if (load_lint(ctx, &rules) != 0)
        return -1;
    if (access(argv[0], F_OK) == 0) {
        char *text = wr_read_file(argv[0], NULL, &ctx->err);
        if (!text)
            goto out;
        lint_feed(rules, text, strlen(text), &rep);
        free(text);
        print_findings(ctx->out, argv[0], &rep);
    } else {
        long long id;
        if (cli_incident_arg(ctx, argv[0], &id) != 0)
            goto out;
        lint_add_people(ctx->store, id, rules);
        /* the worksheet, field by field, then the timeline's texts */
        for (int f = 0; f < PM_FIELD_COUNT; f++) {
            char *v = NULL;
            if (store_pm_field_get(ctx->store, id, pm_field_key(f), &v, &ctx->err) != 0)
                goto out;
            struct lint_report one = {0};
            lint_feed(rules, v, strlen(v), &one);
            for (size_t i = 0; i < one.count; i++)
                fprintf(ctx->out, "pm %s:%d: blame: \"%s\": %s\n", pm_field_key(f),
                        one.items[i].line, one.items[i].match, one.items[i].suggestion);
            rep.count += one.count;
            lint_report_clear(&one);
            free(v);
        }
        struct entry *ents = NULL;
        size_t n = 0;
        struct entry_filter flt = {0};
        if (store_entry_page(ctx->store, id, &flt, INT64_MIN, 0, true, 1000000, &ents, &n,
                             &ctx->err) != 0)
            goto out;
        size_t total = rep.count;
        for (size_t i = 0; i < n; i++) {
            struct lint_report one = {0};
            lint_feed(rules, ents[i].text, strlen(ents[i].text), &one);
            for (size_t k = 0; k < one.count; k++)
                fprintf(ctx->out, "entry %lld:%d: blame: \"%s\": %s\n", (long long)ents[i].id,
                        one.items[k].line, one.items[k].match, one.items[k].suggestion);
            total += one.count;
            lint_report_clear(&one);
        }
        store_entries_free(&ents, n);
        lint_report_clear(&rep);
        rep.count = total;
    }
    fprintf(ctx->errf, "blameless check: %zu finding%s\n", rep.count, rep.count == 1 ? "" : "s");
    rc = rep.count ? WR_E_FAIL : 0;
    if (rc)
        wr_fail(&ctx->err, WR_E_FAIL, "blameless check found %zu phrase%s to reword", rep.count,
                rep.count == 1 ? "" : "s");
out:
    if (rep.items)
        lint_report_clear(&rep);
    lint_rules_free(&rules);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void add_stat(cJSON *o, const char *name, int64_t *v, size_t n)
{
    cJSON *s = cJSON_AddObjectToObject(o, name);
    cJSON_AddNumberToObject(s, "count", (double)n);
    if (!n) {
        cJSON_AddNullToObject(s, "median_ms");
        cJSON_AddNullToObject(s, "worst_ms");
        return;
    }
    qsort(v, n, sizeof *v, cmp_i64);
    double med = n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2.0;
    cJSON_AddNumberToObject(s, "median_ms", floor(med));
    cJSON_AddNumberToObject(s, "worst_ms", (double)v[n - 1]);
}

static void add_counts(cJSON *dst, const char *list)
{
    const char *p = list ? list : "";
    while (*p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char *w = strndup(p, l);
        if (w && *wr_trim(w)) {
            cJSON *c = cJSON_GetObjectItemCaseSensitive(dst, w);
            if (c)
                cJSON_SetNumberValue(c, c->valuedouble + 1);
            else
                cJSON_AddNumberToObject(dst, w, 1);
        }
        free(w);
        p += l;
        if (*p == ',')
            p++;
    }
}

static int cmd_report(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *since = "30d";
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--since") == 0) {
            if (!(since = opt_value(ctx, argc, argv, &i)))
                return -1;
        } else if (strcmp(argv[i], "--json") != 0) {
            return wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom report [--since 30d] [--json]");
        }
    }
    int64_t now = wr_now_ms(), from;
    char rel[64];
    snprintf(rel, sizeof rel, "%s%s", since[0] == '-' ? "" : "-", since);
    if (wr_time_parse(rel, now, &from, &ctx->err) != 0)
        return -1;
    if (!cli_store(ctx))
        return -1;
    struct incident *incs = NULL;
    size_t ni = 0;
    struct action_item *acts = NULL;
    size_t na = 0;
    int rc = -1;
    if (store_incident_list(ctx->store, true, &incs, &ni, &ctx->err) != 0 ||
        store_action_list(ctx->store, 0, &acts, &na, &ctx->err) != 0)
        goto out;
    cJSON *root = cJSON_CreateObject();
    char tb[40];
    cJSON_AddStringToObject(root, "since", wr_time_iso(from, tb, sizeof tb));
    cJSON *bysev = cJSON_AddObjectToObject(root, "by_severity");
    cJSON *services = cJSON_AddObjectToObject(root, "services");
    cJSON *tags = cJSON_AddObjectToObject(root, "tags");
    size_t count = 0;
    for (int sev = 0; sev <= 4; sev++) {
        int64_t *ttd = calloc(ni + 1, sizeof *ttd), *ttr = calloc(ni + 1, sizeof *ttr);
        size_t nd = 0, nr = 0, nsev = 0;
        for (size_t i = 0; ttd && ttr && i < ni; i++) {
            int64_t start = incs[i].milestones[MS_STARTED] != WR_TIME_NONE
                                ? incs[i].milestones[MS_STARTED]
                                : incs[i].created_ms;
            if (start < from || (incs[i].severity >= 1 ? incs[i].severity : 0) != sev)
                continue;
            nsev++;
            struct incident_durations d;
            incident_durations(&incs[i], now, &d);
            if (d.to_detect != WR_TIME_NONE)
                ttd[nd++] = d.to_detect;
            if (d.to_resolve != WR_TIME_NONE)
                ttr[nr++] = d.to_resolve;
            add_counts(services, incs[i].services);
            add_counts(tags, incs[i].tags);
        }
        count += nsev;
        if (nsev) {
            cJSON *o = cJSON_AddObjectToObject(bysev, sev ? sev_name(sev) : "unclassified");
            cJSON_AddNumberToObject(o, "incidents", (double)nsev);
            add_stat(o, "mttd", ttd, nd);
            add_stat(o, "mttr", ttr, nr);
        }
        free(ttd);
        free(ttr);
    }
    cJSON_AddNumberToObject(root, "incidents", (double)count);
    cJSON *repeat = cJSON_AddArrayToObject(root, "repeats");
    const cJSON *groups[2] = {services, tags};
    for (int g = 0; g < 2; g++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, groups[g]) if (it->valuedouble >= 2)
        {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, g ? "tag" : "service", it->string);
            cJSON_AddNumberToObject(o, "incidents", it->valuedouble);
            cJSON_AddItemToArray(repeat, o);
        }
    }
    cJSON_DeleteItemFromObject(root, "services");
    cJSON_DeleteItemFromObject(root, "tags");
    cJSON *open = cJSON_AddArrayToObject(root, "open_actions");
    size_t nopen = 0, nover = 0;
    for (size_t i = 0; i < na; i++) {
        if (strcmp(acts[i].status, "done") == 0)
            continue;
        nopen++;
        bool over = acts[i].deadline_ms != WR_TIME_NONE && acts[i].deadline_ms < now;
        nover += over;
        action_json(open, &acts[i], i + 1);
        cJSON_AddBoolToObject(cJSON_GetArrayItem(open, cJSON_GetArraySize(open) - 1), "overdue",
                              over);
    }
    cJSON_AddNumberToObject(root, "open_action_count", (double)nopen);
    cJSON_AddNumberToObject(root, "overdue_action_count", (double)nover);
    if (ctx->json) {
        rc = print_json(ctx, root);
        goto out;
    }
    fprintf(ctx->out, "Incidents since %s: %zu\n", tb, count);
    const cJSON *it;
    cJSON_ArrayForEach(it, bysev)
    {
        char a[32] = "n/a", b[32] = "n/a", c[32] = "n/a", d[32] = "n/a";
        const cJSON *mttd = cJSON_GetObjectItem(it, "mttd"), *mttr = cJSON_GetObjectItem(it, "mttr");
        const cJSON *v;
        if (cJSON_IsNumber(v = cJSON_GetObjectItem(mttd, "median_ms")))
            wr_duration_fmt((int64_t)v->valuedouble, a, sizeof a);
        if (cJSON_IsNumber(v = cJSON_GetObjectItem(mttd, "worst_ms")))
            wr_duration_fmt((int64_t)v->valuedouble, b, sizeof b);
        if (cJSON_IsNumber(v = cJSON_GetObjectItem(mttr, "median_ms")))
            wr_duration_fmt((int64_t)v->valuedouble, c, sizeof c);
        if (cJSON_IsNumber(v = cJSON_GetObjectItem(mttr, "worst_ms")))
            wr_duration_fmt((int64_t)v->valuedouble, d, sizeof d);
        fprintf(ctx->out, "  %-13s %3d incidents  MTTD median %s worst %s  MTTR median %s worst %s\n",
                it->string, (int)cJSON_GetObjectItem(it, "incidents")->valuedouble, a, b, c, d);
    }
    cJSON_ArrayForEach(it, repeat)
    {
        const cJSON *sv = cJSON_GetObjectItem(it, "service");
        fprintf(ctx->out, "  repeat %s %s: %d incidents\n", sv ? "service" : "tag",
                sv ? sv->valuestring : cJSON_GetObjectItem(it, "tag")->valuestring,
                (int)cJSON_GetObjectItem(it, "incidents")->valuedouble);
    }
    fprintf(ctx->out, "Open action items: %zu (%zu overdue)\n", nopen, nover);
    cJSON_Delete(root);
    rc = 0;
out:
    store_incidents_free(&incs, ni);
    store_actions_free(&acts, na);
    return rc;
}

static int cmd_search(struct cli_ctx *ctx, int argc, char **argv)
{
    struct wr_buf q = {0};
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--json") != 0)
            wr_buf_printf(&q, "%s%s", q.len ? " " : "", argv[i]);
    if (!q.data) {
        wr_buf_free(&q);
        return wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom search QUERY [--json]");
    }
    struct store_search_hit *hits = NULL;
    size_t n = 0;
    int rc = -1;
    if (!cli_store(ctx) || store_search(ctx->store, q.data, 50, &hits, &n, &ctx->err) != 0)
        goto out;
    char tb[40];
    if (ctx->json) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "incident", (double)hits[i].incident_id);
            if (hits[i].entry_id)
                cJSON_AddNumberToObject(o, "entry", (double)hits[i].entry_id);
            cJSON_AddStringToObject(o, "at", wr_time_iso(hits[i].at_ms, tb, sizeof tb));
            cJSON_AddStringToObject(o, "where", hits[i].where);
            cJSON_AddStringToObject(o, "snippet", hits[i].snippet);
            cJSON_AddItemToArray(arr, o);
        }
        rc = print_json(ctx, arr);
    } else {
        for (size_t i = 0; i < n; i++) {
            char *safe = wr_text_sanitize(hits[i].snippet, true);
            fprintf(ctx->out, "INC-%lld  %s  %-12s %s\n", (long long)hits[i].incident_id,
                    wr_time_fmt(hits[i].at_ms, true, "%Y-%m-%d %H:%M", tb, sizeof tb),
                    hits[i].where, safe ? safe : "");
            free(safe);
        }
        rc = 0;
    }
out:
    wr_buf_free(&q);
    store_search_free(&hits, n);
    return rc;
}

const struct cli_command cli_postmortem_commands[] = {
    {"pm", "ID [FIELD [TEXT]]", "show or fill the postmortem worksheet",
     "Fields: summary impact root_causes trigger resolution detection five_whys factors_trigger\n"
     "factors_propagation factors_detection factors_resolution factors_process went_well\n"
     "went_wrong got_lucky. An empty TEXT (\"\") clears a field.",
     cmd_pm},
    {"action", "ID add|edit|done|list ...", "manage the incident's action items",
     "add TEXT [--type prevent|detect|mitigate|process] [--owner O] [--priority P0..P2]\n"
     "    [--deadline DATE] [--ticket URL]; edit N [TEXT] [same options, --status open|done];\n"
     "done N; list [--json]. N is the item's number in `list`.",
     cmd_action},
    {"lint", "ID|FILE", "blameless check of a postmortem (word lists in data/blameless.json)",
     NULL, cmd_lint},
    {"report", "[--since 30d] [--json]", "incidents, MTTD/MTTR, repeats and open action items",
     NULL, cmd_report},
    {"search", "QUERY [--json]", "full-text search over timelines and postmortems", NULL,
     cmd_search},
    {NULL, NULL, NULL, NULL, NULL},
};
