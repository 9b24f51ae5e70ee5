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

#define SYNC_USAGE "[ID...] | --refused | --dismiss"

/* List (and with dismiss, forget) the changes the server refused, kept in the local journal. */
static int refused(struct cli_ctx *ctx, const char *replica, bool dismiss)
{
    struct store *r = NULL;
    int rc = -1;
    int64_t after = 0, count = 0;
    if (access(replica, F_OK) != 0) {
        fprintf(ctx->out, "no cockpit has run on this laptop for that database\n");
        return 0;
    }
    if (store_open(replica, &r, &ctx->err) != 0 || store_replica_setup(r, &ctx->err) != 0)
        goto out;
    for (;;) {
        struct store_journal_op op;
        bool found = false;
        if (store_journal_next_refused(r, after, &op, &found, &ctx->err) != 0)
            goto out;
        if (!found)
            break;
        after = op.seq;
        struct sync_op o;
        void *doc = NULL;
        char when[40];
        bool entries = sync_op_parse(op.op, &o, &doc, &ctx->err) == 0 && o.kind == SYNC_OP_ENTRIES;
        char *reason = wr_text_sanitize(op.reason, true);
        fprintf(ctx->out, "INC-%" PRId64 "  %s  %s: %s\n", op.incident_id,
                wr_time_iso(op.created_ms, when, sizeof when),
                doc ? sync_op_what(o.kind) : "a change", reason ? reason : "");
        free(reason);
        for (size_t i = 0; i < op.n_entries; i++) {
            struct entry e;
            struct wr_error lerr;
            if (store_entry_original(r, op.entry_uids[i], &e, &lerr) != 0)
                continue;
            char *text = wr_text_sanitize(e.text, true);
            fprintf(ctx->out, "    %s %s\n", kind_name(e.kind), text ? text : "");
            free(text);
            entry_clear(&e);
        }
        sync_op_doc_free(&doc);
        count++;
        if (dismiss) {
            /* Refused entries were never on the server: their local copies go too, so this
             * laptop's copy matches the server's again. */
            int d = store_begin(r, &ctx->err) != 0 ||
                    (entries && store_entries_forget(r, op.entry_uids, op.n_entries, &ctx->err) != 0) ||
                    store_journal_done(r, op.seq, &ctx->err) != 0;
            if (d) {
                store_rollback(r);
                store_journal_op_clear(&op);
                goto out;
            }
            if (store_commit(r, &ctx->err) != 0) {
                store_journal_op_clear(&op);
                goto out;
            }
        }
        store_journal_op_clear(&op);
    }
    if (count == 0)
        fprintf(ctx->out, "the server refused nothing made on this laptop\n");
    else if (dismiss)
        fprintf(ctx->out, "dismissed %" PRId64 " refused change%s\n", count, count == 1 ? "" : "s");
    else
        fprintf(ctx->out, "%" PRId64 " refused change%s kept here; warroom sync --dismiss forgets "
                          "them\n",
                count, count == 1 ? "" : "s");
    rc = 0;
out:
    store_close(&r);
    return rc;
}

static int cmd_sync(struct cli_ctx *ctx, int argc, char **argv)
{
    char target[PATH_MAX], replica[PATH_MAX];
    int64_t *ids = calloc((size_t)argc + 1, sizeof *ids);
    size_t n = 0;
    int rc = -1;
    int list = 0; /* 1: --refused, 2: --dismiss */
    if (!ids)
        return wr_fail(&ctx->err, WR_E_NOMEM, "out of memory");
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--refused") == 0 || strcmp(argv[i], "--dismiss") == 0) {
            list = argv[i][2] == 'r' ? 1 : 2;
            continue;
        }
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
    if (list) {
        if (n > 0) {
            wr_fail(&ctx->err, WR_E_USAGE, "usage: warroom sync %s", SYNC_USAGE);
            goto out;
        }
        rc = refused(ctx, replica, list == 2);
        goto out;
    }
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
        fprintf(ctx->errf, "warroom: the server refused %" PRId64 " change%s made here; warroom "
                           "sync --refused says why (they stay in the local journal)\n",
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
            rep.refused > 0 ? " (some were refused: warroom sync --refused lists them)" : "");
}

const struct cli_command cli_sync_commands[] = {
    {"sync", SYNC_USAGE,
     "team mode: send what the cockpit saved on this laptop while the server was unreachable",
     "The cockpit on a PostgreSQL database (--db postgresql://...) saves every entry and change\n"
     "in a local copy first and sends it to the server when it answers (exactly once). This\n"
     "sends whatever is still waiting (after a crash, or before the laptop goes offline again)\n"
     "and updates the local copy of the listed incidents (default: those copied before).\n"
     "--refused lists the changes the server refused (kept on this laptop, with its reason);\n"
     "--dismiss lists and forgets them.",
     cmd_sync},
    {NULL, NULL, NULL, NULL, NULL},
};
