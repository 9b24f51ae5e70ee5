/* cli_sync.c: `warroom sync`: send what this laptop's cockpit wrote while the team server was
 * unreachable (its journal), and bring this laptop's copy up to date, without opening the
 * cockpit (after a crash, before a flight, from a script). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "store_sync.h"
#include "sync.h"

#define SYNC_USAGE "[ID...]"

static int cmd_sync(struct cli_ctx *ctx, int argc, char **argv)
{
    char target[PATH_MAX], replica[PATH_MAX];
    int64_t *ids = calloc((size_t)argc + 1, sizeof *ids);
    size_t n = 0;
    int rc = -1;
    if (!ids)
        return wr_fail(&ctx->err, WR_E_NOMEM, "out of memory");
    for (int i = 0; i < argc; i++) {
        const char *p = strncasecmp(argv[i], "INC-", 4) == 0 ? argv[i] + 4 : argv[i];
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (errno || end == p || *end || v <= 0) {
            wr_fail(&ctx->err, WR_E_USAGE, "sync: %s is not an incident id (12 or INC-12)",
                    argv[i]);
            goto out;
        }
        ids[n++] = v;
    }
    if (ctx->db_path)
        snprintf(target, sizeof target, "%s", ctx->db_path);
    else if (store_default_path(target, sizeof target, false, &ctx->err) != 0)
        goto out;
    if (!store_target_is_remote(target)) {
        wr_fail(&ctx->err, WR_E_USAGE,
                "sync: %s is a local SQLite file; sync is for a PostgreSQL team database "
                "(--db postgresql://...)",
                target);
        goto out;
    }
    if (sync_replica_path(target, replica, sizeof replica, &ctx->err) != 0)
        goto out;
    struct sync_report r;
    if (sync_run_once(target, replica, ids, n, &r, &ctx->err) != 0)
        goto out;
    if (ctx->json)
        fprintf(ctx->out,
                "{\"sent\": %" PRId64 ", \"refused\": %" PRId64 ", \"pending\": %" PRId64
                ", \"copied\": %" PRId64 "}\n",
                r.sent, r.refused, r.left, r.copied);
    else
        fprintf(ctx->out,
                "sent %" PRId64 " change%s to the server, %" PRId64 " refused, %" PRId64
                " still pending; copied %" PRId64 " entr%s to this laptop\n",
                r.sent, r.sent == 1 ? "" : "s", r.refused, r.left, r.copied,
                r.copied == 1 ? "y" : "ies");
    if (r.refused > 0)
        fprintf(ctx->errf, "warroom: the server refused %" PRId64 " change%s made here; the "
                           "cockpit's log says why (they stay in the local journal)\n",
                r.refused, r.refused == 1 ? "" : "s");
    rc = 0;
out:
    free(ids);
    return rc;
}

void cli_sync_flush(struct cli_ctx *ctx)
{
    char target[PATH_MAX], replica[PATH_MAX];
    struct wr_error err;
    struct store *r = NULL;
    int64_t pending = 0, failed = 0;
    if (ctx->db_path)
        snprintf(target, sizeof target, "%s", ctx->db_path);
    else if (store_default_path(target, sizeof target, false, &err) != 0)
        return;
    /* Only where a cockpit has left a journal: a plain command makes no local copy. */
    if (!store_target_is_remote(target) ||
        sync_replica_path(target, replica, sizeof replica, &err) != 0 ||
        access(replica, F_OK) != 0)
        return;
    if (store_open(replica, &r, &err) == 0 && store_replica_setup(r, &err) == 0)
        store_journal_counts(r, &pending, &failed, &err);
    store_close(&r);
    if (pending == 0)
        return;
    struct sync_report rep;
    if (sync_send_pending(target, replica, &rep, &err) != 0) {
        fprintf(ctx->errf, "warroom: note: %" PRId64 " change%s the cockpit saved on this laptop "
                           "still wait%s for the server: %s\n",
                pending, pending == 1 ? "" : "s", pending == 1 ? "s" : "", err.msg);
        return;
    }
    fprintf(ctx->errf, "warroom: note: sent %" PRId64 " change%s the cockpit had saved on this "
                       "laptop while the server was unreachable%s\n",
            rep.sent, rep.sent == 1 ? "" : "s",
            rep.refused > 0 ? " (some were refused: warroom sync says more)" : "");
}

const struct cli_command cli_sync_commands[] = {
    {"sync", SYNC_USAGE,
     "team mode: send what the cockpit saved on this laptop while the server was unreachable",
     "The cockpit on a PostgreSQL database (--db postgresql://...) saves every entry and change\n"
     "in a local copy first and sends it to the server when it answers (exactly once). This\n"
     "sends whatever is still waiting (after a crash, or before the laptop goes offline again)\n"
     "and updates the local copy of the listed incidents (default: those copied before).",
     cmd_sync},
    {NULL, NULL, NULL, NULL, NULL},
};
