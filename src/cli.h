/* cli.h: the command-line interface: global options, the subcommand table, the entry point. */
#ifndef WARROOM_CLI_H
#define WARROOM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"
#include "util.h"

/* What the terminal front gives the CLI, so the engine never includes curses.
 * A NULL run_tui means "built without a TUI" (tests link the CLI alone). */
struct tui_request {
    const char *db_path;      /* database to open */
    long long incident_id;    /* 0: show the incident picker */
    const char *author;       /* --as NAME, or NULL for $USER */
    const char *config_path;  /* --config PATH or NULL */
    bool demo;                /* demo mode: temporary database, virtual clock */
    int max_frames;           /* > 0: exit after this many frames (headless smoke runs) */
};
struct cli_frontend {
    int (*run_tui)(const struct tui_request *req, struct wr_error *err);
};

/* State every subcommand receives: parsed global options and lazily-opened store. */
struct cli_ctx {
    const char *db_path;  /* --db or NULL */
    const char *author;   /* --as or NULL */
    const char *config_path;
    bool json;            /* --json seen anywhere */
    FILE *out;            /* stdout */
    FILE *errf;           /* stderr */
    const struct cli_frontend *frontend;
    struct store *store;  /* opened by cli_store() */
    struct wr_error err;  /* the failure to report */
};

/* Open the database named by --db / WARROOM_DB / the default path (once). NULL on failure
 * with ctx->err set. */
struct store *cli_store(struct cli_ctx *ctx);

/* One subcommand. run() returns 0 or a wr_code (ctx->err holds the message). */
struct cli_command {
    const char *name;
    const char *usage;   /* "ID TEXT [--at TIME] [--kind K] [--pin]" */
    const char *summary; /* one line for the command list */
    const char *help;    /* further lines for `warroom CMD --help` (may be NULL) */
    int (*run)(struct cli_ctx *ctx, int argc, char **argv);
};

/* Subcommand tables contributed by each CLI module (cli.c, cli_*.c). NULL-name terminated. */
extern const struct cli_command cli_core_commands[];
extern const struct cli_command cli_template_commands[]; /* cli_template.c */
extern const struct cli_command cli_sli_commands[];      /* cli_sli.c */
extern const struct cli_command cli_comms_commands[];    /* cli_comms.c */
extern const struct cli_command cli_postmortem_commands[]; /* cli_postmortem.c */
extern const struct cli_command cli_facts_commands[];      /* cli_facts.c */
extern const struct cli_command cli_analyze_commands[];  /* cli_analyze.c */
extern const struct cli_command cli_sync_commands[];     /* cli_sync.c */
/* Team mode: after a command on a PostgreSQL database, send what a cockpit on this laptop left in
 * its journal (a note on stderr says so; a failure only notes it). Nothing without a journal. */
void cli_sync_flush(struct cli_ctx *ctx);
extern const struct cli_command cli_db_commands[];       /* cli_db.c */
/* Every subcommand table, in --help order (cli_core_commands first); *n gets their number. The
 * man page and the shell completions are generated from these (src/doc/gendoc.c), so a table
 * added here appears in --help, warroom(1) and the completions at once. */
const struct cli_command *const *cli_command_tables(size_t *n);

/* The options every command accepts (parsed by cli_main before dispatch). */
struct cli_global_option {
    const char *name;    /* "--db" */
    const char *value;   /* placeholder of its value ("PATH"), NULL for a flag */
    bool in_usage;       /* shown in the usage line of --help */
    const char *summary; /* one line for warroom(1) */
};
extern const struct cli_global_option cli_global_options[]; /* NULL-name terminated */

/* `export --format md`: write DIR/postmortem.md and its graphs (cli_postmortem.c). */
int cli_postmortem_export(struct cli_ctx *ctx, long long id, const char *dir);

/* After a milestone (cli_sli.c): evaluate the configured SLIs once at `at` and store a
 * snapshot entry (KIND_SLI, JSON payload) noting `reason`. Best effort: without a config it
 * does nothing; a failure prints a note to ctx->errf and returns -1 (never fails the caller). */
int cli_sli_snapshot(struct cli_ctx *ctx, long long incident_id, int64_t at, const char *reason);

/* Parse an incident id ("12" or "INC-12") and check it exists. 0 or -1 with ctx->err. */
int cli_incident_arg(struct cli_ctx *ctx, const char *arg, long long *id);

/* Entry point: parse global options, dispatch, print the one-line error, return the exit
 * status documented in README.md. */
int cli_main(int argc, char **argv, const struct cli_frontend *frontend);

#endif
