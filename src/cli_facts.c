/* cli_facts.c: `warroom set`: show and set the incident's live facts and its time zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "facts.h"
#include "tz.h"

#define SET_USAGE "ID [FIELD [TEXT]] [--accept] [--confirm | --unconfirm] [--json]"

static const char *source_name(enum fact_source s)
{
    return s == FACT_SOURCE_FIELD ? "field" : s == FACT_SOURCE_PROPOSAL ? "proposal" : NULL;
}

static int print_facts(struct cli_ctx *ctx, long long id)
{
    struct incident inc;
    struct incident_facts fs;
    char tb[64], zone[32];
    int64_t now = wr_now_ms();
    if (store_incident_get(ctx->store, id, &inc, &ctx->err) != 0)
        return -1;
    if (facts_load(ctx->store, &inc, now, &fs, &ctx->err) != 0) {
        incident_clear(&inc);
        return -1;
    }
    if (ctx->json) {
        cJSON *root = cJSON_CreateObject(), *o = cJSON_AddObjectToObject(root, "facts");
        for (int f = 0; f < FACT_COUNT; f++) {
            const struct fact_value *v = &fs.f[f];
            cJSON *j = cJSON_AddObjectToObject(o, fact_key(f));
            const char *src = source_name(v->source);
            if (v->value)
                cJSON_AddStringToObject(j, "value", v->value);
            else
                cJSON_AddNullToObject(j, "value");
            if (src)
                cJSON_AddStringToObject(j, "source", src);
            else
                cJSON_AddNullToObject(j, "source");
            if (v->source == FACT_SOURCE_FIELD && v->at_ms > 0)
                cJSON_AddStringToObject(j, "updated", wr_time_iso(v->at_ms, tb, sizeof tb));
            if (v->proposal)
                cJSON_AddStringToObject(j, "proposal", v->proposal);
            else
                cJSON_AddNullToObject(j, "proposal");
        }
        cJSON_AddBoolToObject(root, "cause_confirmed", fs.cause_confirmed);
        cJSON_AddStringToObject(root, "tz", inc.tz);
        char *text = cJSON_Print(root);
        if (text)
            fprintf(ctx->out, "%s\n", text);
        free(text);
        cJSON_Delete(root);
    } else {
        fprintf(ctx->out, "INC-%lld facts (the field, else warroom's proposal from the timeline, "
                          "else not known yet):\n",
                id);
        for (int f = 0; f < FACT_COUNT; f++) {
            const struct fact_value *v = &fs.f[f];
            char *safe = wr_text_sanitize(v->value ? v->value : "", true);
            if (v->source == FACT_SOURCE_FIELD)
                fprintf(ctx->out, "  %-17s %s%s\n", fact_key(f), safe ? safe : "",
                        f == FACT_CAUSE ? (fs.cause_confirmed ? " (confirmed)" : " (not confirmed)")
                                        : "");
            else if (v->source == FACT_SOURCE_PROPOSAL) {
                /* Name every entry it is drawn from: the mitigation joins several. */
                char from[96], tf[32];
                if (v->proposal_from_ms != v->proposal_at_ms)
                    snprintf(from, sizeof from, "the entries of %s to %s",
                             wr_time_fmt(v->proposal_from_ms, false, "%H:%M", tf, sizeof tf),
                             wr_time_fmt(v->proposal_at_ms, false, "%H:%M", tb, sizeof tb));
                else
                    snprintf(from, sizeof from, "the %s entry",
                             wr_time_fmt(v->proposal_at_ms, false, "%H:%M", tb, sizeof tb));
                fprintf(ctx->out, "  %-17s proposed from %s: %s (accept: warroom set %lld %s "
                                  "--accept)\n",
                        fact_key(f), from, safe ? safe : "", id, fact_key(f));
            }
            else
                fprintf(ctx->out, "  %-17s not known yet\n", fact_key(f));
            free(safe);
        }
        fprintf(ctx->out, "  %-17s %s (%s now)\n", "tz", inc.tz[0] ? inc.tz : "(viewer's zone)",
                tz_label(now, zone, sizeof zone));
    }
    facts_clear(&fs);
    incident_clear(&inc);
    return 0;
}

/* The proposal for fact f as it stands now; WR_E_NOT_FOUND when there is none. */
static int proposal_of(struct cli_ctx *ctx, long long id, enum fact_id f, char **out)
{
    struct incident inc;
    struct incident_facts fs;
    *out = NULL;
    if (store_incident_get(ctx->store, id, &inc, &ctx->err) != 0)
        return -1;
    int rc = facts_load(ctx->store, &inc, wr_now_ms(), &fs, &ctx->err);
    incident_clear(&inc);
    if (rc != 0)
        return -1;
    if (fs.f[f].proposal)
        *out = strdup(fs.f[f].proposal);
    else
        wr_fail(&ctx->err, WR_E_NOT_FOUND,
                "warroom has no proposal for the %s: %s; write it instead (warroom set %lld %s "
                "TEXT)",
                fact_key(f),
                f == FACT_CAUSE ? "no pinned note, hypothesis or alert in RESPOND"
                : f == FACT_MITIGATION
                    ? "no decision or action logged in MITIGATE"
                    : "it is not drawn from the timeline",
                id, fact_key(f));
    facts_clear(&fs);
    return *out ? 0 : -1;
}

static int cmd_set(struct cli_ctx *ctx, int argc, char **argv)
{
    bool accept = false, confirm = false, unconfirm = false, dashdash = false;
    char *pos[3];
    int npos = 0;
    long long id;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!dashdash && strcmp(a, "--") == 0)
            dashdash = true;
        else if (!dashdash && strcmp(a, "--accept") == 0)
            accept = true;
        else if (!dashdash && (strcmp(a, "--confirm") == 0 || strcmp(a, "--confirmed") == 0))
            confirm = true;
        else if (!dashdash && strcmp(a, "--unconfirm") == 0)
            unconfirm = true;
        else if (!dashdash && a[0] == '-' && a[1] == '-')
            return wr_fail(&ctx->err, WR_E_USAGE, "set: unknown option %s; see `warroom set "
                                                  "--help`",
                           a);
        else if (npos < 3)
            pos[npos++] = argv[i];
        else
            return wr_fail(&ctx->err, WR_E_USAGE, "set: too many arguments; quote TEXT that has "
                                                  "spaces");
    }
    if (npos < 1)
        return wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom set " SET_USAGE);
    if (cli_incident_arg(ctx, pos[0], &id) != 0)
        return -1;
    if (npos == 1) {
        if (accept || confirm || unconfirm)
            return wr_fail(&ctx->err, WR_E_USAGE, "set: name the field (warroom set %lld FIELD "
                                                  "...); `warroom set %lld` lists them",
                           id, id);
        return print_facts(ctx, id);
    }
    const char *author = model_author(ctx->author);
    if (wr_streq_ci(pos[1], "tz")) {
        if (npos != 3 || accept || confirm || unconfirm)
            return wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom set %lld tz ZONE (an IANA name "
                                                  "such as America/Argentina/Buenos_Aires, or "
                                                  "-03:00; \"\" for the viewer's zone)",
                           id);
        return facts_set_tz(ctx->store, id, pos[2], author, &ctx->err);
    }
    int f = fact_from_key(pos[1]);
    if (f < 0) {
        struct wr_buf names = {0};
        for (int k = 0; k < FACT_COUNT; k++)
            wr_buf_printf(&names, "%s%s", k ? ", " : "", fact_key(k));
        wr_fail(&ctx->err, WR_E_INPUT, "'%s' is not an incident fact; use %s or tz", pos[1],
                names.data ? names.data : "");
        wr_buf_free(&names);
        return -1;
    }
    if ((confirm || unconfirm) && f != FACT_CAUSE)
        return wr_fail(&ctx->err, WR_E_USAGE, "--confirm and --unconfirm apply to the cause only");
    if (confirm && unconfirm)
        return wr_fail(&ctx->err, WR_E_USAGE, "--confirm or --unconfirm, not both");
    if (accept && npos == 3)
        return wr_fail(&ctx->err, WR_E_USAGE, "--accept takes warroom's proposal: give no TEXT");
    if (npos == 2 && !accept && !confirm && !unconfirm)
        return wr_fail(&ctx->err, WR_E_USAGE,
                       "set %s: give the TEXT (\"\" clears it), or --accept warroom's proposal",
                       fact_key(f));
    char *text = NULL;
    if (accept && proposal_of(ctx, id, (enum fact_id)f, &text) != 0)
        return -1;
    int rc = 0;
    if (text || npos == 3)
        rc = facts_set(ctx->store, id, (enum fact_id)f, text ? text : pos[2], author, &ctx->err);
    free(text);
    if (rc == 0 && (confirm || unconfirm))
        rc = facts_confirm_cause(ctx->store, id, confirm, author, &ctx->err);
    return rc;
}

const struct cli_command cli_facts_commands[] = {
    {"set", SET_USAGE, "show or set the incident's live facts (summary, symptom, cause, ...)",
     "Without FIELD: every fact, with where its value comes from: the field, else warroom's\n"
     "proposal from the timeline (cause: the newest pinned note, hypothesis or alert of RESPOND;\n"
     "mitigation: the decisions and actions of MITIGATE), else \"not known yet\".\n"
     "FIELD: summary, impact, customer_service, symptom, customer_impact, cause, mitigation,\n"
     "next_step, or tz (the incident's time zone). TEXT \"\" clears a field. --accept takes the\n"
     "proposal; --confirm / --unconfirm mark the cause. Every change is a timeline entry.",
     cmd_set},
    {NULL, NULL, NULL, NULL, NULL},
};
