/* export.c: export from the cockpit: the postmortem (Markdown and SVG graphs) and the incident
 * JSON, measured to the cockpit's own clock, written by a thread of its own so the cockpit keeps
 * drawing and taking keys, and a status line saying where they went. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "exchange.h"
#include "lint.h"
#include "paths.h"
#include "postmortem.h"
#include "tz.h"

/*
 * One export at a time (t->export_job). The thread has its own database connection (on the
 * cockpit's, the cockpit's own queries would wait behind the export's; in team mode it is this
 * laptop's replica, never the server) and its own time zone (tz_use is per thread). It reads the
 * cockpit's severity policy and SLI configuration: both are loaded once at start, kept across
 * incident switches, and freed only after tui_export_stop. Everything else it owns.
 */
struct export_job {
    pthread_t thread;
    int done[2]; /* the thread writes one byte when finished; the loop watches done[0] */
    char target[PATH_MAX];
    char dir[PATH_MAX];
    char lint_path[PATH_MAX];
    int64_t incident_id;
    int64_t now_ms;
    const struct sev_policy *policy;
    const struct config *sli;
    /* The thread's results, read by the UI after it joined. */
    int rc;
    struct wr_error err;
    size_t findings;
};

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
static int write_json(struct store *s, int64_t id, const char *dir, struct wr_error *err)
{
    char path[PATH_MAX + 32], tmp[PATH_MAX + 48];
    snprintf(path, sizeof path, "%s/incident.json", dir);
    snprintf(tmp, sizeof tmp, "%s/.incident.json.tmp.%ld", dir, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return wr_fail(err, WR_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    int rc = exchange_write(s, id, EXCHANGE_FULL, f, err);
    if (fclose(f) != 0 && rc == 0)
        rc = wr_fail(err, WR_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (rc == 0 && rename(tmp, path) != 0)
        rc = wr_fail(err, WR_E_IO, "cannot write %s: %s", path, strerror(errno));
    if (rc != 0)
        unlink(tmp);
    return rc;
}

static void *export_main(void *arg)
{
    struct export_job *j = arg;
    struct store *s = NULL;
    struct lint_rules *lint = NULL;
    struct lint_report rep = {0};
    j->rc = -1;
    wr_error_clear(&j->err);
    /* The blameless check is a help, not a gate: without its word list the export goes on. */
    if (lint_rules_load(j->lint_path, &lint, NULL) != 0)
        lint = NULL;
    /* "Now" is the cockpit's clock: in the demo, the replay's virtual time, so an incident that
     * is not resolved yet is measured to where the demo stands, not to the wall clock. */
    struct pm_options opt = {j->policy, j->sli, lint, NULL, j->now_ms};
    /* One snapshot: an entry typed during the export is in both files or in neither. */
    if (store_open(j->target, &s, &j->err) == 0 && store_snapshot_begin(s, &j->err) == 0 &&
        pm_export(s, j->incident_id, &opt, j->dir, lint ? &rep : NULL, &j->err) == 0 &&
        write_json(s, j->incident_id, j->dir, &j->err) == 0) {
        j->rc = 0;
        j->findings = rep.count;
    }
    if (s)
        store_snapshot_end(s);
    lint_report_clear(&rep);
    lint_rules_free(&lint);
    store_close(&s);
    tz_use("", NULL); /* frees the zone pm_export loaded for this thread */
    char one = 1;
    ssize_t w;
    do
        w = write(j->done[1], &one, 1);
    while (w < 0 && errno == EINTR);
    return NULL;
}

/* Join the thread and free the job; the results stay in *out when given. */
static void export_reap(struct tui *t, struct export_job *out)
{
    struct export_job *j = t->export_job;
    t->export_job = NULL;
    pthread_join(j->thread, NULL);
    loop_del_fd(t->loop, j->done[0]);
    close(j->done[0]);
    close(j->done[1]);
    if (out)
        *out = *j;
    free(j);
}

static void on_export_done(struct loop *l, int fd, short revents, void *ctx)
{
    (void)l;
    (void)fd;
    (void)revents;
    struct tui *t = ctx;
    struct export_job r;
    if (!t->export_job)
        return;
    export_reap(t, &r);
    if (r.rc != 0)
        tui_message(t, true, "Export of INC-%" PRId64 " failed: %s", r.incident_id, r.err.msg);
    else if (r.findings)
        tui_message(t, false,
                    "Exported to %s: postmortem.md, graphs, incident.json (blameless check: %zu "
                    "finding%s; warroom lint %s/postmortem.md lists them)",
                    r.dir, r.findings, r.findings == 1 ? "" : "s", r.dir);
    else
        tui_message(t, false, "Exported to %s: postmortem.md, graphs, incident.json", r.dir);
    fprintf(stderr, "warroom: export of INC-%" PRId64 " to %s: %s\n", r.incident_id, r.dir,
            r.rc ? r.err.msg : "done");
    tui_dirty(t);
}

void tui_export(struct tui *t)
{
    struct wr_error err;
    wr_error_clear(&err);
    if (t->inc.id == 0) {
        tui_message(t, true, "No incident is open: o picks one");
        return;
    }
    if (t->export_job) {
        tui_message(t, false, "An export of INC-%" PRId64 " is still being written to %s",
                    t->export_job->incident_id, t->export_job->dir);
        return;
    }
    struct export_job *j = calloc(1, sizeof *j);
    if (!j) {
        tui_message(t, true, "Export failed: out of memory");
        return;
    }
    j->done[0] = j->done[1] = -1;
    /* The cockpit's own connection is a SQLite file: the database itself, or in team mode this
     * laptop's replica (which holds the entries still waiting for the server). Never the
     * server: an export must work offline and must not wait on the network. */
    snprintf(j->target, sizeof j->target, "%s", store_target(t->store));
    if (store_target_is_remote(j->target)) {
        tui_message(t, true, "Export failed: the cockpit has no local copy of INC-%" PRId64
                             " to read; use warroom export",
                    t->inc.id);
        goto fail;
    }
    if (export_dir(t, j->dir, sizeof j->dir, &err) != 0) {
        tui_message(t, true, "%s", err.msg);
        goto fail;
    }
    snprintf(j->lint_path, sizeof j->lint_path, "%s/blameless.json", paths_data_dir());
    j->incident_id = t->inc.id;
    j->now_ms = wr_now_ms();
    j->policy = t->policy_ok ? &t->policy : NULL;
    j->sli = tui_sli_config(t);
    if (pipe(j->done) != 0) {
        j->done[0] = j->done[1] = -1;
        tui_message(t, true, "Export failed: cannot create a pipe (%s); close some files and "
                             "press F10 again",
                    strerror(errno));
        goto fail;
    }
    for (int i = 0; i < 2; i++) /* not inherited by what the cockpit starts */
        fcntl(j->done[i], F_SETFD, FD_CLOEXEC);
    if (loop_add_fd(t->loop, j->done[0], POLLIN, on_export_done, t) != 0) {
        tui_message(t, true, "Export failed: the event loop is full; press F10 again");
        goto fail;
    }
    /* Signals belong to the UI thread (its loop turns them into flags): block them here. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&j->thread, NULL, export_main, j);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        loop_del_fd(t->loop, j->done[0]);
        tui_message(t, true, "Export failed: cannot start its thread (%s); press F10 again",
                    strerror(rc));
        goto fail;
    }
    t->export_job = j;
    tui_message(t, false, "Exporting INC-%" PRId64 " to %s ...", j->incident_id, j->dir);
    return;
fail:
    for (int i = 0; i < 2; i++)
        if (j->done[i] >= 0)
            close(j->done[i]);
    free(j);
}

bool tui_export_running(const struct tui *t)
{
    return t->export_job != NULL;
}

void tui_export_stop(struct tui *t)
{
    if (t->export_job)
        export_reap(t, NULL); /* a local write: let it finish rather than leave a temp file */
}
