/* cli_sli.c: `warroom sli`: evaluate the configured SLIs once and print values, states, burns. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "model.h"
#include "sli.h"
#include "sli_fetch.h"

#define SLI_USAGE "[ID] [--once] [--at TIME] [--json]"

static void sli_print_text(FILE *out, const struct sli_set *set, const char *only)
{
    int64_t now = wr_mono_ms();
    char val[64], state[SLI_ERROR_MAX + 64], d1[32], d2[32];
    for (size_t i = 0; i < set->count; i++) {
        const struct sli *s = &set->slis[i];
        const struct cfg_sli *c = s->cfg;
        if (only && strcmp(c->id, only) != 0)
            continue;
        char *safe_name = wr_text_sanitize(c->name, true);
        char *safe_state = wr_text_sanitize(sli_state_text(s, now, state, sizeof state), true);
        sli_format_value(s, val, sizeof val);
        fprintf(out, "[%-6s] %s (%s/%s): %s", sli_state_marker(s->state),
                safe_name ? safe_name : c->id, c->service, c->id, val);
        if (!isnan(c->target))
            fprintf(out, "  objective %.4g %% over %s", c->target * 100,
                    config_prom_duration(c->window_ms, d1, sizeof d1));
        if (!isnan(c->threshold_ms))
            fprintf(out, "  threshold %g ms", c->threshold_ms);
        if (!isnan(c->min))
            fprintf(out, "  min %g", c->min);
        if (!isnan(c->max))
            fprintf(out, "  max %g", c->max);
        fprintf(out, "\n    %s\n", safe_state ? safe_state : "");
        if (s->has_budget)
            fprintf(out, "    budget remaining %.1f %%\n", s->budget_remaining * 100);
        if (!isnan(c->target) && s->has_value) {
            for (size_t k = 0; k < c->nrules; k++) {
                const struct sli_burn *b = &s->burns[k];
                fprintf(out, "    burn %-6s %5gx: %s ", c->rules[k].name, c->rules[k].factor,
                        config_prom_duration(c->rules[k].long_ms, d1, sizeof d1));
                if (b->long_ok)
                    fprintf(out, "%.2fx", b->long_burn);
                else
                    fprintf(out, "n/a");
                fprintf(out, ", %s ", config_prom_duration(c->rules[k].short_ms, d2, sizeof d2));
                if (b->short_ok)
                    fprintf(out, "%.2fx", b->short_burn);
                else
                    fprintf(out, "n/a");
                fprintf(out, "%s\n", b->firing ? "  FIRING" : "");
            }
        }
        if (s->warnings[0]) {
            char *w = wr_text_sanitize(s->warnings, true);
            fprintf(out, "    warnings: %s\n", w ? w : "");
            free(w);
        }
        free(safe_name);
        free(safe_state);
    }
}

static int cmd_sli(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *id = NULL, *at_text = NULL;
    struct config *config = NULL;
    struct sli_set *set = NULL;
    struct sli_fetch *fetch = NULL;
    char pathbuf[4096];
    int rc = -1;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0)
            continue;
        if (strcmp(argv[i], "--at") == 0) {
            if (i + 1 >= argc) {
                wr_fail(&ctx->err, WR_E_USAGE, "--at needs a time; usage: warroom sli %s",
                        SLI_USAGE);
                goto out;
            }
            at_text = argv[++i];
        } else if (strncmp(argv[i], "--at=", 5) == 0) {
            at_text = argv[i] + 5;
        } else if (argv[i][0] == '-' || id) {
            wr_fail(&ctx->err, WR_E_USAGE, "unexpected argument '%s'; usage: warroom sli %s",
                    argv[i], SLI_USAGE);
            goto out;
        } else {
            id = argv[i];
        }
    }
    int64_t at = wr_now_ms();
    if (at_text && wr_time_parse(at_text, at, &at, &ctx->err) != 0)
        goto out;
    const char *path = ctx->config_path;
    if (!path && !(path = config_default_path(pathbuf, sizeof pathbuf))) {
        wr_fail(&ctx->err, WR_E_CONFIG, "no configuration: pass --config FILE or set "
                "XDG_CONFIG_HOME/HOME (example: data/example-config.json)");
        goto out;
    }
    if (config_load(path, &config, &ctx->err) != 0) {
        if (ctx->err.code == WR_E_IO && !ctx->config_path) {
            char msg[sizeof ctx->err.msg];
            snprintf(msg, sizeof msg, "%s", ctx->err.msg);
            wr_fail(&ctx->err, WR_E_CONFIG, "%.400s; create it (see data/example-config.json) "
                    "or pass --config FILE", msg);
        }
        goto out;
    }
    if (id && !config_find_sli(config, id)) {
        wr_fail(&ctx->err, WR_E_NOT_FOUND, "no SLI \"%s\" in %s", id, path);
        goto out;
    }
    if (sli_set_new(config, &set, &ctx->err) != 0 ||
        sli_fetch_new(set, NULL, &fetch, &ctx->err) != 0)
        goto out;
    if (at_text)
        sli_fetch_set_time(fetch, at);
    if (sli_fetch_run_once(fetch, id, &ctx->err) != 0)
        goto out;
    if (ctx->json) {
        char *text = sli_set_json(set, id, at, wr_mono_ms());
        if (!text) {
            wr_fail(&ctx->err, WR_E_NOMEM, "out of memory printing the SLIs");
            goto out;
        }
        fprintf(ctx->out, "%s\n", text);
        free(text);
    } else
        sli_print_text(ctx->out, set, id);
    rc = 0;
out:
    sli_fetch_free(&fetch);
    sli_set_free(&set);
    config_free(&config);
    return rc == 0 ? 0 : (int)ctx->err.code;
}

int cli_sli_snapshot(struct cli_ctx *ctx, long long incident_id, int64_t at, const char *reason)
{
    struct wr_error err;
    struct config *config = NULL;
    struct sli_set *set = NULL;
    struct sli_fetch *fetch = NULL;
    char pathbuf[4096], *json = NULL, *summary = NULL;
    struct wr_buf text = {0};
    int rc = -1;
    wr_error_clear(&err);
    const char *path = ctx->config_path;
    if (!path && (!(path = config_default_path(pathbuf, sizeof pathbuf)) || access(path, F_OK) != 0))
        return 0; /* no config, no SLIs: nothing to record */
    if (config_load(path, &config, &err) != 0)
        goto out;
    if (config->nslis == 0) {
        rc = 0;
        goto out;
    }
    if (sli_set_new(config, &set, &err) != 0 || sli_fetch_new(set, NULL, &fetch, &err) != 0)
        goto out;
    sli_fetch_set_time(fetch, at);
    if (sli_fetch_run_once(fetch, NULL, &err) != 0)
        goto out;
    int64_t now = wr_mono_ms();
    json = sli_set_json(set, NULL, at, now);
    summary = sli_set_summary(set, now);
    if (!json || !summary) {
        wr_fail(&err, WR_E_NOMEM, "out of memory");
        goto out;
    }
    wr_buf_printf(&text, "%s [%s]", summary, reason);
    int64_t entry = 0;
    if (!cli_store(ctx)) {
        snprintf(err.msg, sizeof err.msg, "%s", ctx->err.msg);
        goto out;
    }
    if (store_entry_append_data(ctx->store, incident_id, KIND_SLI, at, model_author(ctx->author),
                                text.data ? text.data : summary, json, &entry, &err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0) {
        char *safe = wr_text_sanitize(err.msg, true);
        fprintf(ctx->errf, "warroom: note: no SLI snapshot stored: %s\n", safe ? safe : "");
        free(safe);
    }
    wr_buf_free(&text);
    free(json);
    free(summary);
    sli_fetch_free(&fetch);
    sli_set_free(&set);
    config_free(&config);
    return rc;
}

const struct cli_command cli_sli_commands[] = {
    {"sli", SLI_USAGE, "evaluate the configured SLIs once: values, states, burn rates",
     "Reads --config FILE or $XDG_CONFIG_HOME/warroom/config.json. --at TIME evaluates at a past\n"
     "time (Prometheus queries get time=, replay sources are read at that time). --json prints\n"
     "one object per SLI for scripts. Exit status 0 even when an SLI is in error: read \"state\".",
     cmd_sli},
    {NULL, NULL, NULL, NULL, NULL},
};
