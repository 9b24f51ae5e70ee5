/* cli_comms.c: `warroom comms` (render, queue and deliver a stakeholder message) and
 * `warroom outbox` (list and retry the outbox). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "comms.h"
#include "config.h"
#include "deliver.h"
#include "paths.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

#define COMMS_USAGE "ID TEMPLATE [--to DEST]... [--dry-run] | ID --list | ID --due | --destinations"
#define COMMS_MAX_DESTS 32

static int comms_load_policy(struct sev_policy *p, struct wr_error *err)
{
    char user[PATH_MAX] = "", def[PATH_MAX];
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        snprintf(user, sizeof user, "%s/warroom/severity.json", xdg);
    else if (home && *home)
        snprintf(user, sizeof user, "%s/.config/warroom/severity.json", home);
    snprintf(def, sizeof def, "%s/severity.json", paths_data_dir());
    return sev_policy_load(p, def, *user && access(user, F_OK) == 0 ? user : NULL, err);
}

static int comms_load_config(struct cli_ctx *ctx, struct comms_config **cfg)
{
    char buf[PATH_MAX];
    const char *path = ctx->config_path;
    if (!path)
        path = config_default_path(buf, sizeof buf);
    return comms_config_load(path, cfg, &ctx->err);
}

struct cli_report {
    struct cli_ctx *ctx;
    int sent, failed;
};

static void cli_report(void *p, const struct outbox_msg *m, bool ok, const char *detail)
{
    struct cli_report *r = p;
    if (ok)
        r->sent++;
    else
        r->failed++;
    fprintf(ok ? r->ctx->out : r->ctx->errf, "%s %s (outbox #%lld): %s\n", ok ? "sent" : "failed",
            m->destination, (long long)m->id, detail ? detail : "");
    if (!ok)
        fprintf(r->ctx->errf, "  kept in the outbox; `warroom outbox retry` sends it again\n");
}

/* Deliver every due message in the foreground, printing one line per destination. */
static int comms_deliver_now(struct cli_ctx *ctx, const struct comms_config *cfg,
                             struct cli_report *rep)
{
    struct deliver *d = NULL;
    struct deliver_hooks hooks = {.report = cli_report, .ctx = rep};
    if (deliver_new(ctx->store, cfg, &hooks, &d, &ctx->err) != 0)
        return -1;
    int rc = deliver_run_once(d, &ctx->err);
    deliver_free(&d);
    return rc;
}

static void print_due(struct cli_ctx *ctx, const struct comms_due *due, int64_t now)
{
    char t[64], dur[32];
    if (!due->scheduled) {
        fprintf(ctx->out, "no update is due (resolved, or no cadence for this severity)\n");
        return;
    }
    wr_time_fmt(due->due_ms, false, "%Y-%m-%d %H:%M", t, sizeof t);
    if (due->overdue_ms > 0)
        fprintf(ctx->out, "next update was due %s: OVERDUE by %s\n", t,
                wr_duration_fmt(due->overdue_ms, dur, sizeof dur));
    else
        fprintf(ctx->out, "next update due %s (in %s)\n", t,
                wr_duration_fmt(due->due_ms - now, dur, sizeof dur));
}

static int cmd_comms(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *id_arg = NULL, *tpl_name = NULL;
    const char *dests[COMMS_MAX_DESTS];
    size_t ndests = 0;
    bool dry = false, list = false, due_only = false, list_dests = false;
    struct comms_config *cfg = NULL;
    struct sev_policy policy;
    struct incident inc;
    cJSON *data = NULL;
    int rc = -1;
    long long id;
    incident_init(&inc);
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--to") == 0 || strncmp(argv[i], "--to=", 5) == 0) {
            const char *v = argv[i][4] == '=' ? argv[i] + 5 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v || ndests == COMMS_MAX_DESTS) {
                wr_fail(&ctx->err, WR_E_USAGE, "--to needs a destination name; usage: warroom comms %s",
                        COMMS_USAGE);
                goto out;
            }
            dests[ndests++] = v;
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            dry = true;
        } else if (strcmp(argv[i], "--list") == 0) {
            list = true;
        } else if (strcmp(argv[i], "--due") == 0) {
            due_only = true;
        } else if (strcmp(argv[i], "--destinations") == 0) {
            list_dests = true;
        } else if (strcmp(argv[i], "--json") == 0) {
        } else if (argv[i][0] == '-' && argv[i][1]) {
            wr_fail(&ctx->err, WR_E_USAGE, "unknown option '%s'; usage: warroom comms %s", argv[i],
                    COMMS_USAGE);
            goto out;
        } else if (!id_arg) {
            id_arg = argv[i];
        } else if (!tpl_name) {
            tpl_name = argv[i];
        } else {
            wr_fail(&ctx->err, WR_E_USAGE, "unexpected argument '%s'; usage: warroom comms %s",
                    argv[i], COMMS_USAGE);
            goto out;
        }
    }
    if (list && !id_arg)
        id_arg = NULL;
    if (list) {
        struct comms_template *all = NULL;
        size_t n = 0;
        if (comms_templates_list(&all, &n, &ctx->err) != 0)
            goto out;
        for (size_t k = 0; k < n; k++)
            fprintf(ctx->out, "%-24s %s%s\n", all[k].name, all[k].user ? "(user) " : "",
                    all[k].path);
        free(all);
        rc = 0;
        goto out;
    }
    if (list_dests) {
        /* Names, types and defaults from the config, never a secret (shell completion and
         * "where would --to go" read this). */
        if (comms_load_config(ctx, &cfg) != 0)
            goto out;
        for (size_t k = 0; k < cfg->n; k++)
            fprintf(ctx->out, "%-24s %s%s\n", cfg->dests[k].name,
                    comms_dest_type_name(cfg->dests[k].type),
                    cfg->dests[k].is_default ? " (default)" : "");
        rc = 0;
        goto out;
    }
    if (!id_arg || (!tpl_name && !due_only)) {
        wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom comms %s", COMMS_USAGE);
        goto out;
    }
    if (cli_incident_arg(ctx, id_arg, &id) != 0 || !cli_store(ctx))
        goto out;
    if (store_incident_get(ctx->store, id, &inc, &ctx->err) != 0)
        goto out;
    if (comms_load_policy(&policy, &ctx->err) != 0)
        goto out;
    int64_t now = wr_now_ms();
    if (due_only) {
        struct comms_due due;
        bool recorded = false;
        if (comms_due_get(ctx->store, &inc, &policy, now, &due, &ctx->err) != 0 ||
            comms_record_overdue(ctx->store, &inc, &policy, now, model_author(ctx->author),
                                 &recorded, &ctx->err) != 0)
            goto out;
        print_due(ctx, &due, now);
        if (recorded)
            fprintf(ctx->out, "recorded on the timeline as an alert\n");
        rc = 0;
        goto out;
    }
    struct comms_template t;
    if (comms_template_find(tpl_name, &t, &ctx->err) != 0 || comms_load_config(ctx, &cfg) != 0)
        goto out;
    if (ndests == 0)
        for (size_t k = 0; k < cfg->n && ndests < COMMS_MAX_DESTS; k++)
            if (cfg->dests[k].is_default)
                dests[ndests++] = cfg->dests[k].name;
    if (!(data = comms_data_build(ctx->store, &inc, &policy, now, &ctx->err)))
        goto out;
    if (dry) {
        if (ndests == 0) {
            char *text = NULL;
            if (comms_render(&t, data, TPL_ESCAPE_NONE, &text, &ctx->err) != 0)
                goto out;
            fputs(text, ctx->out);
            free(text);
        }
        for (size_t k = 0; k < ndests; k++) {
            const struct comms_dest *d = comms_dest_find(cfg, dests[k]);
            char *text = NULL;
            if (!d) {
                wr_fail(&ctx->err, WR_E_CONFIG, "no destination named '%s' in the config file",
                        dests[k]);
                goto out;
            }
            if (comms_render(&t, data, d->escape, &text, &ctx->err) != 0)
                goto out;
            fprintf(ctx->out, "=== %s (%s, escape %s) ===\n%s", d->name,
                    comms_dest_type_name(d->type), tpl_escape_name(d->escape), text);
            free(text);
        }
        rc = 0;
        goto out;
    }
    if (ndests == 0) {
        wr_fail(&ctx->err, WR_E_USAGE,
                "no destination: name one with --to DEST or mark one \"default\": true in the "
                "config file's \"destinations\"");
        goto out;
    }
    if (comms_queue(ctx->store, &inc, &t, data, NULL, cfg, dests, ndests,
                    model_author(ctx->author), NULL, &ctx->err) != 0)
        goto out;
    struct cli_report rep = {.ctx = ctx};
    if (comms_deliver_now(ctx, cfg, &rep) != 0)
        goto out;
    if (rep.failed) {
        wr_fail(&ctx->err, WR_E_NETWORK,
                "%d of %d messages not delivered yet; they stay queued (see `warroom outbox`)",
                rep.failed, rep.failed + rep.sent);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(data);
    comms_config_free(&cfg);
    incident_clear(&inc);
    return rc == 0 ? 0 : (int)ctx->err.code;
}

static int cmd_outbox(struct cli_ctx *ctx, int argc, char **argv)
{
    struct comms_config *cfg = NULL;
    struct outbox_msg *msgs = NULL;
    size_t n = 0;
    int rc = -1;
    bool retry = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "retry") == 0)
            retry = true;
        else if (strcmp(argv[i], "--json") != 0) {
            wr_fail(&ctx->err, WR_E_USAGE, "unexpected '%s'; usage: warroom outbox [retry] [--json]",
                    argv[i]);
            goto out;
        }
    }
    if (!cli_store(ctx))
        goto out;
    if (retry) {
        int64_t count = 0;
        if (comms_load_config(ctx, &cfg) != 0 ||
            store_outbox_retry_now(ctx->store, &count, &ctx->err) != 0)
            goto out;
        struct cli_report rep = {.ctx = ctx};
        if (comms_deliver_now(ctx, cfg, &rep) != 0)
            goto out;
        fprintf(ctx->out, "%d sent, %d failed\n", rep.sent, rep.failed);
        if (rep.failed) {
            wr_fail(&ctx->err, WR_E_NETWORK, "%d messages still not delivered", rep.failed);
            goto out;
        }
        rc = 0;
        goto out;
    }
    if (store_outbox_list(ctx->store, 0, &msgs, &n, &ctx->err) != 0)
        goto out;
    if (ctx->json) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t k = 0; k < n; k++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddNumberToObject(o, "id", (double)msgs[k].id);
            cJSON_AddNumberToObject(o, "incident_id", (double)msgs[k].incident_id);
            cJSON_AddStringToObject(o, "destination", msgs[k].destination);
            cJSON_AddStringToObject(o, "template", msgs[k].template_name);
            cJSON_AddStringToObject(o, "subject", msgs[k].subject);
            cJSON_AddStringToObject(o, "status", msgs[k].status);
            cJSON_AddNumberToObject(o, "attempts", msgs[k].attempts);
            cJSON_AddStringToObject(o, "idempotency_key", msgs[k].idempotency_key);
            cJSON_AddStringToObject(o, "last_error", msgs[k].last_error);
            cJSON_AddNumberToObject(o, "created_ms", (double)msgs[k].created_ms);
            if (msgs[k].sent_ms)
                cJSON_AddNumberToObject(o, "sent_ms", (double)msgs[k].sent_ms);
            else
                cJSON_AddNullToObject(o, "sent_ms");
            cJSON_AddItemToArray(arr, o);
        }
        char *s = cJSON_Print(arr);
        cJSON_Delete(arr);
        if (s)
            fprintf(ctx->out, "%s\n", s);
        free(s);
    } else {
        if (n == 0)
            fprintf(ctx->out, "the outbox is empty\n");
        for (size_t k = 0; k < n; k++) {
            char t[32];
            fprintf(ctx->out, "#%-4lld INC-%-4lld %-8s %-14s %-24s %s%s%s\n",
                    (long long)msgs[k].id, (long long)msgs[k].incident_id, msgs[k].status,
                    msgs[k].destination, msgs[k].template_name,
                    wr_time_fmt(msgs[k].sent_ms ? msgs[k].sent_ms : msgs[k].created_ms, false,
                                "%m-%d %H:%M", t, sizeof t),
                    msgs[k].last_error[0] ? "  " : "", msgs[k].last_error);
        }
    }
    rc = 0;
out:
    store_outbox_free(&msgs, n);
    comms_config_free(&cfg);
    return rc == 0 ? 0 : (int)ctx->err.code;
}

const struct cli_command cli_comms_commands[] = {
    {"comms", COMMS_USAGE, "render a stakeholder message, queue it and deliver it",
     "  --to DEST     a destination from the config file (repeatable; default: those marked\n"
     "                \"default\": true)\n"
     "  --dry-run     print the rendered message for each destination; queue nothing\n"
     "  --list        list the templates (user templates override built-ins)\n"
     "  --due         when the next stakeholder update is due (records an overdue alert)\n"
     "  --destinations  list the destinations in the config: name, type, (default)",
     cmd_comms},
    {"outbox", "[retry] [--json]", "list the outbox of messages, or retry undelivered ones now",
     NULL, cmd_outbox},
    {NULL, NULL, NULL, NULL, NULL},
};
