/* export.c: export from the cockpit: the postmortem (Markdown and SVG graphs) and the incident
 * JSON, measured to the cockpit's own clock, and a status line saying where they went. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "exchange.h"
#include "lint.h"
#include "paths.h"
#include "postmortem.h"

/* The export directory: ./INC-<id>-export when the current directory takes it, else
 * $HOME/warroom-exports/INC-<id>-export. Absolute, so the message names it unambiguously. */
static int export_dir(struct tui *t, char *dir, size_t n, struct wr_error *err)
{
    char cwd[PATH_MAX - 64];
    if (getcwd(cwd, sizeof cwd)) {
        snprintf(dir, n, "%s/INC-%" PRId64 "-export", cwd, t->inc.id);
        if (wr_mkdirs(dir, 0755, NULL) == 0 && access(dir, W_OK) == 0)
            return 0;
    }
    const char *home = getenv("HOME");
    if (!home || !*home)
        return wr_fail(err, WR_E_IO, "cannot write INC-%" PRId64 "-export here and HOME is not "
                                     "set; start warroom in a writable directory",
                       t->inc.id);
    snprintf(dir, n, "%.*s/warroom-exports/INC-%" PRId64 "-export", PATH_MAX - 128, home, t->inc.id);
    return wr_mkdirs(dir, 0755, err);
}

/* incident.json through a temporary file, so a failed export leaves no half file. */
static int write_json(struct tui *t, const char *dir, struct wr_error *err)
{
    char path[PATH_MAX + 32], tmp[PATH_MAX + 48];
    snprintf(path, sizeof path, "%s/incident.json", dir);
    snprintf(tmp, sizeof tmp, "%s/.incident.json.tmp.%ld", dir, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return wr_fail(err, WR_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    int rc = exchange_write(t->store, t->inc.id, EXCHANGE_FULL, f, err);
    if (fclose(f) != 0 && rc == 0)
        rc = wr_fail(err, WR_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = wr_fail(err, WR_E_IO, "cannot write %s: %s", path, strerror(errno));
    if (rc != 0)
        unlink(tmp);
    return rc;
}

void tui_export(struct tui *t)
{
    struct wr_error err;
    struct lint_rules *lint = NULL;
    struct lint_report rep = {0};
    char dir[PATH_MAX], lpath[PATH_MAX];
    wr_error_clear(&err);
    if (t->inc.id == 0) {
        tui_message(t, true, "No incident is open: o picks one");
        return;
    }
    if (export_dir(t, dir, sizeof dir, &err) != 0) {
        tui_message(t, true, "%s", err.msg);
        return;
    }
    /* The blameless check is a help, not a gate: without its word list the export goes on. */
    snprintf(lpath, sizeof lpath, "%s/blameless.json", paths_data_dir());
    if (lint_rules_load(lpath, &lint, NULL) != 0)
        lint = NULL;
    /* "Now" is the cockpit's clock: in the demo, the replay's virtual time, so an incident that is
     * not resolved yet is measured to where the demo stands, not to the wall clock. */
    struct pm_options opt = {t->policy_ok ? &t->policy : NULL, tui_sli_config(t), lint, NULL,
                             wr_now_ms()};
    if (pm_export(t->store, t->inc.id, &opt, dir, lint ? &rep : NULL, &err) != 0 ||
        write_json(t, dir, &err) != 0) {
        tui_message(t, true, "Export failed: %s", err.msg);
    } else if (rep.count) {
        tui_message(t, false, "Exported to %s: postmortem.md, graphs, incident.json (blameless "
                              "check: %zu finding%s, see warroom lint)",
                    dir, rep.count, rep.count == 1 ? "" : "s");
    } else {
        tui_message(t, false, "Exported to %s: postmortem.md, graphs, incident.json", dir);
    }
    fprintf(stderr, "warroom: exported INC-%" PRId64 " to %s\n", t->inc.id, dir);
    lint_report_clear(&rep);
    lint_rules_free(&lint);
}
