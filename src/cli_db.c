/* cli_db.c: `warroom db`: what database this is, and copying incidents between databases of
 * either engine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "cli.h"

#define DB_USAGE "info | copy [--from DB] --to DB [ID...]"

/* "12" or "INC-12" into *id; -1 with ctx->err when it is neither. */
static int parse_incident_id(struct cli_ctx *ctx, const char *arg, int64_t *id)
{
    const char *p = strncasecmp(arg, "INC-", 4) == 0 ? arg + 4 : arg;
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (errno || end == p || *end || v <= 0)
        return wr_fail(&ctx->err, WR_E_USAGE, "db copy: %s is not an incident id (12 or INC-12)",
                       arg);
    *id = v;
    return 0;
}

static int db_copy(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *from = NULL, *to = NULL;
    int64_t *ids = calloc((size_t)argc + 1, sizeof *ids);
    size_t n = 0;
    struct store *src = NULL, *dst = NULL;
    int rc = -1;
    if (!ids)
        return wr_fail(&ctx->err, WR_E_NOMEM, "out of memory");
    for (int i = 0; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--from") == 0 ? &from
                            : strcmp(argv[i], "--to") == 0 ? &to
                                                           : NULL;
        if (slot) {
            if (i + 1 >= argc) {
                wr_fail(&ctx->err, WR_E_USAGE, "db copy: %s needs a database (a path or a "
                                               "postgresql:// URL)", argv[i]);
                goto out;
            }
            *slot = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            wr_fail(&ctx->err, WR_E_USAGE, "db copy: unknown option %s; usage: warroom db %s",
                    argv[i], DB_USAGE);
            goto out;
        } else if (parse_incident_id(ctx, argv[i], &ids[n++]) != 0) {
            goto out;
        }
    }
    if (!to) {
        wr_fail(&ctx->err, WR_E_USAGE, "db copy needs --to DB (where to copy); usage: warroom db %s",
                DB_USAGE);
        goto out;
    }
    /* --from defaults to the database every other command uses (--db, WARROOM_DB, default). */
    if (from) {
        if (store_open(from, &src, &ctx->err) != 0)
            goto out;
    } else if (!(src = cli_store(ctx))) {
        goto out;
    }
    if (store_open(to, &dst, &ctx->err) != 0)
        goto out;
    struct store_copy_result res;
    if (store_copy(src, dst, ids, n, &res, &ctx->err) != 0)
        goto out;
    if (ctx->json)
        fprintf(ctx->out, "{\"incidents\": %lld, \"entries\": %lld}\n", (long long)res.incidents,
                (long long)res.entries);
    else
        fprintf(ctx->out, "copied %lld incident%s (%lld entr%s) from %s to %s\n",
                (long long)res.incidents, res.incidents == 1 ? "" : "s", (long long)res.entries,
                res.entries == 1 ? "y" : "ies", store_path(src), store_path(dst));
    rc = 0;
out:
    if (src && src != ctx->store)
        store_close(&src);
    store_close(&dst);
    free(ids);
    return rc == 0 ? 0 : (int)ctx->err.code;
}

static int db_info(struct cli_ctx *ctx, int argc, char **argv)
{
    (void)argv;
    if (argc != 0) {
        wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom db info");
        return (int)ctx->err.code;
    }
    struct store *s = cli_store(ctx);
    if (!s)
        return (int)ctx->err.code;
    int version;
    const char *engine;
    if (store_schema_info(s, &version, &engine, &ctx->err) != 0)
        return (int)ctx->err.code;
    if (ctx->json) {
        /* The name as shown everywhere (password masked), escaped: a path may hold anything. */
        cJSON *o = cJSON_CreateObject();
        char *text = NULL;
        if (o && cJSON_AddStringToObject(o, "database", store_path(s)) &&
            cJSON_AddStringToObject(o, "engine", engine) &&
            cJSON_AddNumberToObject(o, "schema_version", version))
            text = cJSON_Print(o);
        cJSON_Delete(o);
        if (!text) {
            wr_fail(&ctx->err, WR_E_NOMEM, "out of memory");
            return (int)ctx->err.code;
        }
        fprintf(ctx->out, "%s\n", text);
        free(text);
    } else
        fprintf(ctx->out, "database %s\nengine %s, schema version %d\n", store_path(s), engine,
                version);
    return 0;
}

static int cmd_db(struct cli_ctx *ctx, int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "copy") == 0)
        return db_copy(ctx, argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "info") == 0)
        return db_info(ctx, argc - 1, argv + 1);
    wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom db %s", DB_USAGE);
    return (int)ctx->err.code;
}

const struct cli_command cli_db_commands[] = {
    {"db", DB_USAGE, "the database: its engine and schema; copy incidents between databases",
     "info: the database (password masked), its engine and schema version.\n"
     "copy: every incident (or the listed IDs) from --from (default: the current database) into\n"
     "--to, between SQLite files and PostgreSQL (postgresql://..., service=NAME) in any\n"
     "direction; all or nothing; uids, history, worksheet, action items and outbox included.",
     cmd_db},
    {NULL, NULL, NULL, NULL, NULL},
};
