/* gendoc.c: build-time generator of warroom(1) and the bash/zsh completions from the command
 * tables that drive --help (cli_command_tables, cli_global_options) and the exit codes
 * (WR_ERROR_LIST), so none of them can drift from the binary.
 *
 *   gendoc man  TEMPLATE OUTPUT DATE   warroom.1.in -> warroom.1
 *   gendoc bash TEMPLATE OUTPUT        warroom.bash.in -> warroom (bash-completion)
 *   gendoc zsh  TEMPLATE OUTPUT        warroom.zsh.in -> _warroom
 *
 * A template is copied line by line; a line that is exactly a marker (@COMMANDS@,
 * @GLOBAL_OPTIONS@, @EXIT_STATUS@, @COMMAND_SPEC@) is replaced by generated text, and @VERSION@
 * and @DATE@ are substituted anywhere. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "cli.h"
#include "model.h"
#include "severity.h"
#include "util.h"
#include "version.h"

/* ---- roff ---- */

/* Write text for roff: backslashes and hyphens escaped (\- is a real minus, so options copied
 * from the page work), and a line starting with '.' or '\'' protected from being a request. */
static void roff_text(FILE *f, const char *s, size_t n)
{
    bool line_start = true;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (line_start && (c == '.' || c == '\''))
            fputs("\\&", f);
        if (c == '\\')
            fputs("\\e", f);
        else if (c == '-')
            fputs("\\-", f);
        else
            fputc(c, f);
        line_start = c == '\n';
    }
}

static void roff_puts(FILE *f, const char *s)
{
    roff_text(f, s, strlen(s));
}

static void man_global_options(FILE *f)
{
    for (const struct cli_global_option *g = cli_global_options; g->name; g++) {
        fputs(".TP\n\\fB", f);
        roff_puts(f, g->name);
        fputs("\\fR", f);
        if (g->value) {
            fputs(" \\fI", f);
            roff_puts(f, g->value);
            fputs("\\fR", f);
        }
        fputc('\n', f);
        roff_puts(f, g->summary);
        fputs(".\n", f);
    }
}

/* A command's help text, filled to the page's width. An aligned list in it ("  --to DEST    a
 * destination ...", continued on lines that start with spaces) becomes tagged paragraphs, so
 * it stays readable in 80 columns; other lines are prose. */
static void man_help(FILE *f, const char *help)
{
    bool in_list = false;
    for (const char *line = help; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        size_t lead = 0;
        while (lead < n && line[lead] == ' ')
            lead++;
        const char *gap = NULL;
        if (lead > 0 && lead < n) {
            for (size_t i = lead; i + 1 < n && !gap; i++)
                if (line[i] == ' ' && line[i + 1] == ' ')
                    gap = line + i;
        }
        if (lead > 0 && gap && lead < 4) {
            /* "  TAG   description": a new item */
            const char *desc = gap;
            while (*desc == ' ')
                desc++;
            fputs(".TP\n\\fB", f);
            roff_text(f, line + lead, (size_t)(gap - line - lead));
            fputs("\\fR\n", f);
            roff_text(f, desc, n - (size_t)(desc - line));
            in_list = true;
        } else if (lead > 0 && in_list) {
            roff_text(f, line + lead, n - lead); /* the item's text goes on */
        } else {
            if (in_list)
                fputs(".PP\n", f);
            in_list = false;
            roff_text(f, line + lead, n - lead);
        }
        fputc('\n', f);
        line += n + (end ? 1 : 0);
    }
}

/* One subsection per command: the usage line, the summary, then the help text, filled so the
 * page fits 80 columns. */
static void man_commands(FILE *f)
{
    size_t nt;
    const struct cli_command *const *tables = cli_command_tables(&nt);
    for (size_t t = 0; t < nt; t++)
        for (const struct cli_command *c = tables[t]; c->name; c++) {
            fputs(".SS ", f);
            roff_puts(f, c->name);
            fputs("\n\\fBwarroom ", f);
            roff_puts(f, c->name);
            fputs("\\fR ", f);
            roff_puts(f, c->usage);
            fputs("\n.br\n", f);
            roff_puts(f, c->summary);
            fputs(".\n", f);
            if (c->help) {
                fputs(".PP\n", f);
                man_help(f, c->help);
            }
        }
}

static void man_exit_status(FILE *f)
{
#define GEN_EXIT(name, code, text) {code, text},
    static const struct {
        int code;
        const char *text;
    } codes[] = {WR_ERROR_LIST(GEN_EXIT)};
#undef GEN_EXIT
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        fprintf(f, ".TP\n.B %d\n", codes[i].code);
        roff_puts(f, codes[i].text);
        fputs(".\n", f);
    }
}

/* ---- shell completion data ---- */

/* What the word after an option, or a positional argument, is. The shells map these to
 * candidates: incident ids from `warroom list --json`, templates from `warroom comms --list`,
 * destinations from `warroom comms --destinations`, files, directories, or fixed words. */
enum arg_kind { ARG_NONE, ARG_TEXT, ARG_FILE, ARG_DIR, ARG_ID, ARG_TEMPLATE, ARG_DEST, ARG_CHOICE };

static const char *const arg_kind_names[] = {"", "text", "file", "dir", "id", "template", "dest",
                                             "choice"};

/* Append NAME to the "a|b" list in out (cap bytes). */
static void choice_add(char *out, size_t cap, const char *name)
{
    size_t l = strlen(out);
    snprintf(out + l, cap - l, "%s%s", l ? "|" : "", name);
}

/*
 * The values a placeholder stands for when the engine has a fixed list of them: phases, roles,
 * milestones, the severity matrix's rows, columns and triggers, the kinds a scribe may type,
 * the log formats. Taken from the engine's own tables, so a new phase or format is offered
 * without touching this file. Returns false (out empty) for free text such as TITLE or NAME.
 */
static bool placeholder_values(const char *w, size_t n, const char *cmd, char *out, size_t cap)
{
#define IS(lit) (n == strlen(lit) && memcmp(w, lit, n) == 0)
    out[0] = '\0';
    if (IS("PHASE"))
        for (int i = 0; i < PHASE_COUNT; i++)
            choice_add(out, cap, phase_name((enum phase)i));
    else if (IS("ROLE"))
        for (int i = 0; i < ROLE_COUNT; i++)
            choice_add(out, cap, role_key((enum role)i));
    else if (IS("NAME") && strcmp(cmd, "milestone") == 0)
        for (int i = 0; i < MS_COUNT; i++)
            choice_add(out, cap, milestone_name((enum milestone)i));
    else if (IS("ROW"))
        for (int i = 0; i < SEV_ROWS; i++)
            choice_add(out, cap, sev_row_key(i));
    else if (IS("COL"))
        for (int i = 0; i < SEV_COLS; i++)
            choice_add(out, cap, sev_col_key(i));
    else if (IS("T") && strcmp(cmd, "sev") == 0)
        for (int i = 0; i < SEV_TRIGGER_COUNT; i++)
            choice_add(out, cap, sev_trigger_key(i));
    else if (IS("SEVn"))
        for (int i = 1; i <= 4; i++)
            choice_add(out, cap, sev_name(i));
    else if (IS("K"))
        for (int i = 0; i < KIND_COUNT; i++) {
            if (kind_typeable((enum entry_kind)i))
                choice_add(out, cap, kind_name((enum entry_kind)i));
        }
    else if (IS("F") && strcmp(cmd, "analyze") == 0)
        for (int i = 0; i < ANALYZE_FORMAT_COUNT; i++)
            choice_add(out, cap, analyze_format_name((enum analyze_format)i));
#undef IS
    return out[0] != '\0';
}

/*
 * Classify a placeholder from a usage string: "FILE", "DIR", "ID|FILE", "json|md", "PHASE"...
 * A trailing "..." (FILE..., ID...) is the same kind, repeated. choices (cap bytes) gets the
 * "a|b" list of an ARG_CHOICE.
 */
static enum arg_kind classify(const char *w, size_t n, const char *cmd, char *choices, size_t cap)
{
    choices[0] = '\0';
    if (n > 3 && memcmp(w + n - 3, "...", 3) == 0)
        n -= 3;
#define IS(lit) (n == strlen(lit) && memcmp(w, lit, n) == 0)
    if (IS("FILE") || IS("FILE.json") || IS("OUT.json") || IS("PATH"))
        return ARG_FILE;
    if (IS("DIR"))
        return ARG_DIR;
    if (IS("ID") || IS("ID|FILE"))
        return ARG_ID;
    if (IS("DEST"))
        return ARG_DEST;
    if (IS("TEMPLATE"))
        return strcmp(cmd, "template") == 0 ? ARG_FILE : ARG_TEMPLATE;
#undef IS
    if (placeholder_values(w, n, cmd, choices, cap))
        return ARG_CHOICE;
    if (islower((unsigned char)w[0])) {
        /* "json|md", or a literal word such as "render" or "retry" */
        snprintf(choices, cap, "%.*s", (int)n, w);
        return ARG_CHOICE;
    }
    return ARG_TEXT;
}

struct opt_seen {
    char name[32];
    enum arg_kind kind;
    char choices[256];
};

static size_t word_len(const char *p)
{
    size_t n = 0;
    while (p[n] && !isspace((unsigned char)p[n]) && p[n] != ']' && p[n] != '[' && p[n] != ')' &&
           p[n] != ',' && p[n] != ';' && p[n] != ':')
        n++;
    return n;
}

/* Collect the options a command documents in its usage and help: "--name" or "-o" at a word
 * start, taking a value when the next word is a placeholder (uppercase, or choices a|b). */
static size_t scan_options(const char *text, const char *cmd, struct opt_seen *opts, size_t nopts,
                           size_t max)
{
    for (const char *p = text; p && *p; p++) {
        bool start = p == text || strchr(" [(|\n", p[-1]);
        if (!start || p[0] != '-')
            continue;
        bool lng = p[1] == '-' && islower((unsigned char)p[2]);
        bool shrt = islower((unsigned char)p[1]) && (p[2] == ' ' || p[2] == ']');
        if (!lng && !shrt)
            continue;
        size_t n = 1;
        while (p[n] && (islower((unsigned char)p[n]) || isdigit((unsigned char)p[n]) || p[n] == '-'))
            n++;
        if (n >= sizeof opts[0].name)
            continue;
        struct opt_seen *o = NULL;
        for (size_t i = 0; i < nopts; i++)
            if (strlen(opts[i].name) == n && memcmp(opts[i].name, p, n) == 0)
                o = &opts[i];
        if (!o) {
            if (nopts == max)
                break;
            o = &opts[nopts++];
            memset(o, 0, sizeof *o);
            memcpy(o->name, p, n);
        }
        const char *v = p + n;
        if (*v == ' ' && v[1] && v[1] != '-' && v[1] != '[' && v[1] != '(' && v[1] != '|') {
            v++;
            size_t vn = word_len(v);
            bool placeholder = isupper((unsigned char)v[0]) || memchr(v, '|', vn) ||
                               (v[vn] == ']' && vn > 0);
            if (placeholder && o->kind == ARG_NONE) {
                o->kind = classify(v, vn, cmd, o->choices, sizeof o->choices);
                if (o->kind == ARG_CHOICE && !strchr(o->choices, '|') &&
                    !placeholder_values(v, vn, cmd, o->choices, sizeof o->choices)) {
                    o->kind = ARG_TEXT; /* "[--since 30d]": an example, not the only value */
                    o->choices[0] = '\0';
                }
            }
        }
        p += n - 1;
    }
    return nopts;
}

/* The positional arguments of the first form of a usage string ("ID TEMPLATE [--to DEST]... |
 * ID --list"): words outside option brackets; "[ID]" counts, "[FIELD [TEXT]]" too. */
static void spec_positionals(FILE *f, const char *usage, const char *cmd)
{
    const char *end = strstr(usage, " | ");
    if (!end)
        end = usage + strlen(usage);
    int depth = 0, paren = 0;
    bool option_group[16] = {false};
    bool first = true, after_option = false;
    for (const char *p = usage; p < end;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        if (*p == '[' && depth < 15) {
            depth++;
            option_group[depth] = p[1] == '-';
            p++;
            continue;
        }
        if (*p == ']') {
            if (depth > 0)
                depth--;
            p++;
            continue;
        }
        if (*p == '(') {
            paren++; /* "(SEV1..SEV4 | --impact ...)": alternatives we do not complete */
            p++;
            continue;
        }
        if (*p == ')') {
            paren--;
            p++;
            continue;
        }
        size_t n = 0;
        while (p + n < end && p[n] != ' ' && p[n] != ']' && p[n] != '[')
            n++;
        bool in_option = after_option && isupper((unsigned char)p[0]); /* "--data FILE" */
        for (int d = 1; d <= depth; d++)
            in_option |= option_group[d];
        after_option = p[0] == '-';
        if (p[0] != '-' && !in_option && !paren && !(n == 3 && memcmp(p, "...", 3) == 0)) {
            char choices[256];
            enum arg_kind k = classify(p, n, cmd, choices, sizeof choices);
            /* "info | copy ...": the first words of the other forms are choices here too */
            if (k == ARG_CHOICE && first && p == usage && !strchr(choices, '|'))
                for (const char *alt = strstr(end, " | "); alt; alt = strstr(alt + 3, " | ")) {
                    const char *wd = alt + 3;
                    size_t wn = strcspn(wd, " |[]");
                    if (wn && islower((unsigned char)wd[0]) && wn < 64) {
                        char one[64];
                        snprintf(one, sizeof one, "%.*s", (int)wn, wd);
                        choice_add(choices, sizeof choices, one);
                    }
                }
            fprintf(f, "%s%s", first ? "" : " ", arg_kind_names[k]);
            if (k == ARG_CHOICE) {
                fputc(':', f);
                for (const char *c = choices; *c; c++)
                    fputc(*c == '|' ? ',' : *c, f);
            }
            /* FILE...: this kind again for every further word (the completion repeats it) */
            if (n > 3 && memcmp(p + n - 3, "...", 3) == 0)
                fputs("...", f);
            first = false;
        }
        p += n;
    }
}

/*
 * Shell data, the same text for bash and zsh (both read POSIX `case`):
 *   _warroom_commands='new list ...'
 *   _warroom_describe NAME -> REPLY: the command's summary
 *   _warroom_spec NAME -> _wr_opts ("--at --pin"), _wr_optkinds ("--at=text --pin="),
 *                         _wr_choices ("--escape=html,none"), _wr_pos ("id text")
 */
static void spec(FILE *f)
{
    char choices[256];
    size_t nt;
    const struct cli_command *const *tables = cli_command_tables(&nt);
    fputs("_warroom_global_opts='", f);
    for (const struct cli_global_option *g = cli_global_options; g->name; g++)
        fprintf(f, "%s%s", g == cli_global_options ? "" : " ", g->name);
    fputs("'\n_warroom_global_optkinds='", f);
    for (const struct cli_global_option *g = cli_global_options; g->name; g++)
        fprintf(f, "%s%s=%s", g == cli_global_options ? "" : " ", g->name,
                g->value ? arg_kind_names[classify(g->value, strlen(g->value), "", choices,
                                                   sizeof choices)]
                         : "");
    fputs("'\n_warroom_commands='", f);
    bool first = true;
    for (size_t t = 0; t < nt; t++)
        for (const struct cli_command *c = tables[t]; c->name; c++) {
            fprintf(f, "%s%s", first ? "" : " ", c->name);
            first = false;
        }
    fputs("'\n_warroom_describe() {\n  case $1 in\n", f);
    for (size_t t = 0; t < nt; t++)
        for (const struct cli_command *c = tables[t]; c->name; c++) {
            fprintf(f, "    %s) REPLY='", c->name);
            for (const char *s = c->summary; *s; s++) {
                if (*s == '\'')
                    fputs("'\\''", f); /* close, escaped quote, reopen */
                else
                    fputc(*s, f);
            }
            fputs("' ;;\n", f);
        }
    fputs("    *) REPLY='' ;;\n  esac\n}\n_warroom_spec() {\n  case $1 in\n", f);
    for (size_t t = 0; t < nt; t++)
        for (const struct cli_command *c = tables[t]; c->name; c++) {
            struct opt_seen opts[32];
            size_t n = scan_options(c->usage, c->name, opts, 0, 32);
            if (c->help)
                n = scan_options(c->help, c->name, opts, n, 32);
            fprintf(f, "    %s)\n      _wr_opts='", c->name);
            for (size_t i = 0; i < n; i++)
                fprintf(f, "%s%s", i ? " " : "", opts[i].name);
            fputs("'\n      _wr_optkinds='", f);
            for (size_t i = 0; i < n; i++)
                fprintf(f, "%s%s=%s", i ? " " : "", opts[i].name, arg_kind_names[opts[i].kind]);
            fputs("'\n      _wr_choices='", f);
            bool any = false;
            for (size_t i = 0; i < n; i++)
                if (opts[i].kind == ARG_CHOICE) {
                    fprintf(f, "%s%s=", any ? " " : "", opts[i].name);
                    for (const char *s = opts[i].choices; *s; s++)
                        fputc(*s == '|' ? ',' : *s, f);
                    any = true;
                }
            fputs("'\n      _wr_pos='", f);
            spec_positionals(f, c->usage, c->name);
            fputs("' ;;\n", f);
        }
    fputs("    *) _wr_opts=''; _wr_optkinds=''; _wr_choices=''; _wr_pos='' ;;\n  esac\n}\n", f);
}

/* ---- template expansion ---- */

static void put_substituted(FILE *f, const char *line, const char *date, const char *datadir)
{
    for (const char *p = line; *p;) {
        if (strncmp(p, "@VERSION@", 9) == 0) {
            fputs(wr_version, f);
            p += 9;
        } else if (strncmp(p, "@DATE@", 6) == 0) {
            fputs(date, f);
            p += 6;
        } else if (strncmp(p, "@DATADIR@", 9) == 0) {
            roff_puts(f, datadir);
            p += 9;
        } else {
            fputc(*p++, f);
        }
    }
}

/* Copy the file named by "@INCLUDE NAME@" (beside the template) into out. */
static int put_include(FILE *out, const char *template_path, const char *line)
{
    char path[4096];
    const char *name = line + strlen("@INCLUDE ");
    size_t n = strcspn(name, "@");
    const char *slash = strrchr(template_path, '/');
    int dirlen = slash ? (int)(slash - template_path) + 1 : 0;
    snprintf(path, sizeof path, "%.*s%.*s", dirlen, template_path, (int)n, name);
    FILE *in = fopen(path, "r");
    if (!in) {
        perror(path);
        return -1;
    }
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, got, out);
    fclose(in);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4 || (strcmp(argv[1], "man") == 0 && argc < 6)) {
        fprintf(stderr, "usage: gendoc man TEMPLATE OUTPUT DATE DATADIR\n"
                        "       gendoc bash|zsh TEMPLATE OUTPUT\n");
        return 2;
    }
    const char *mode = argv[1], *date = argc > 4 ? argv[4] : "", *datadir = argc > 5 ? argv[5] : "";
    FILE *in = fopen(argv[2], "r");
    if (!in) {
        perror(argv[2]);
        return 1;
    }
    /* Write beside and rename, so a failed run never leaves a half page installed. */
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[3]);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        perror(tmp);
        fclose(in);
        return 1;
    }
    char line[4096];
    int rc = 0;
    bool man = strcmp(mode, "man") == 0;
    while (rc == 0 && fgets(line, sizeof line, in)) {
        if (man && strcmp(line, "@COMMANDS@\n") == 0)
            man_commands(out);
        else if (man && strcmp(line, "@GLOBAL_OPTIONS@\n") == 0)
            man_global_options(out);
        else if (man && strcmp(line, "@EXIT_STATUS@\n") == 0)
            man_exit_status(out);
        else if (!man && strcmp(line, "@COMMAND_SPEC@\n") == 0)
            spec(out);
        else if (strncmp(line, "@INCLUDE ", 9) == 0)
            rc = put_include(out, argv[2], line);
        else
            put_substituted(out, line, date, datadir);
    }
    if (rc != 0) {
        fclose(in);
        fclose(out);
        remove(tmp);
        return 1;
    }
    fclose(in);
    if (fclose(out) != 0 || rename(tmp, argv[3]) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
