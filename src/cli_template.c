/* cli_template.c: `warroom template render`: render a Mustache file with JSON data to stdout. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "template.h"

#define TEMPLATE_USAGE                                                                             \
    "render TEMPLATE --data FILE.json [--partials DIR] [--escape html|none|markdown|slack] "       \
    "[--strict]"

/* The value of "--name VALUE" or "--name=VALUE" at argv[*i]; NULL when argv[*i] is not it. */
static const char *template_option(struct cli_ctx *ctx, int argc, char **argv, int *i,
                                   const char *name, bool *missing)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, n) != 0)
        return NULL;
    if (arg[n] == '=')
        return arg + n + 1;
    if (arg[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        wr_fail(&ctx->err, WR_E_USAGE, "%s needs a value; usage: warroom template %s", name,
                TEMPLATE_USAGE);
        return NULL;
    }
    return argv[++*i];
}

static int template_render_cmd(struct cli_ctx *ctx, int argc, char **argv)
{
    const char *template_path = NULL, *data_path = NULL, *partials_dir = NULL;
    struct tpl_options opt = {.escape = TPL_ESCAPE_HTML};
    char *out = NULL;
    bool missing = false, options_done = false;

    /* Accept argv with or without the command name in front. */
    if (argc > 0 && strcmp(argv[0], "template") == 0) {
        argc--;
        argv++;
    }
    if (argc == 0 || strcmp(argv[0], "render") != 0) {
        wr_fail(&ctx->err, WR_E_USAGE, "unknown template action '%s'; usage: warroom template %s",
                argc ? argv[0] : "", TEMPLATE_USAGE);
        return WR_E_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (options_done || strcmp(argv[i], "--") == 0 || argv[i][0] != '-' || argv[i][1] == '\0') {
            if (!options_done && strcmp(argv[i], "--") == 0) {
                options_done = true;
            } else if (!template_path) {
                template_path = argv[i];
            } else {
                wr_fail(&ctx->err, WR_E_USAGE,
                        "unexpected argument '%s': only one TEMPLATE file; usage: warroom "
                        "template %s",
                        argv[i], TEMPLATE_USAGE);
                return WR_E_USAGE;
            }
        } else if ((v = template_option(ctx, argc, argv, &i, "--data", &missing))) {
            data_path = v;
        } else if ((v = template_option(ctx, argc, argv, &i, "--partials", &missing))) {
            partials_dir = v;
        } else if ((v = template_option(ctx, argc, argv, &i, "--escape", &missing))) {
            if (tpl_escape_parse(v, &opt.escape, &ctx->err) < 0)
                return WR_E_USAGE;
        } else if (missing) {
            return WR_E_USAGE;
        } else if (strcmp(argv[i], "--strict") == 0) {
            opt.strict = true;
        } else if (strcmp(argv[i], "--json") == 0) {
            /* global option: nothing is listed here, so it changes nothing */
        } else {
            wr_fail(&ctx->err, WR_E_USAGE, "unknown option '%s'; usage: warroom template %s",
                    argv[i], TEMPLATE_USAGE);
            return WR_E_USAGE;
        }
    }
    if (!template_path || !data_path) {
        wr_fail(&ctx->err, WR_E_USAGE, "missing %s; usage: warroom template %s",
                !template_path ? "the TEMPLATE file" : "--data FILE.json", TEMPLATE_USAGE);
        return WR_E_USAGE;
    }
    if (tpl_render_files(template_path, data_path, partials_dir, &opt, &out, &ctx->err) < 0)
        return ctx->err.code != WR_OK ? (int)ctx->err.code : WR_E_FAIL;
    fputs(out, ctx->out);
    free(out);
    if (fflush(ctx->out) != 0) {
        wr_fail(&ctx->err, WR_E_IO, "cannot write the rendered text to standard output");
        return WR_E_IO;
    }
    return 0;
}

const struct cli_command cli_template_commands[] = {
    {
        .name = "template",
        .usage = TEMPLATE_USAGE,
        .summary = "render a Mustache template with JSON data",
        .help = "Prints the rendered text. Partials {{> NAME}} are read from DIR/NAME.mustache\n"
                "(default: the template's directory). --escape picks how {{x}} is escaped\n"
                "(default html; {{{x}}} is never escaped). --strict makes an unknown name or\n"
                "partial an error naming its line.",
        .run = template_render_cmd,
    },
    {.name = NULL},
};
