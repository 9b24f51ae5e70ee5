/* paths.c: locate the shipped data and templates relative to the running binary. */
#include "paths.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set by the build (CMakeLists.txt): the source tree's directories, and the installed data
 * directory relative to the installed binary's directory ("../share/warroom"). */
#ifndef WARROOM_DATA_DIR
#define WARROOM_DATA_DIR "data"
#endif
#ifndef WARROOM_TEMPLATE_DIR
#define WARROOM_TEMPLATE_DIR "templates"
#endif
#ifndef WARROOM_BIN_TO_DATA
#define WARROOM_BIN_TO_DATA "../share/warroom"
#endif

static bool installed_checked;
static char installed_data[PATH_MAX];      /* "" when not installed */
static char installed_templates[PATH_MAX]; /* "" when not installed */

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Resolve PREFIX/share/warroom from /proc/self/exe once. The environment is read on every call
 * instead, because tests and scripts set it at run time. */
static void find_installed(void)
{
    if (installed_checked)
        return;
    installed_checked = true;
    char exe[PATH_MAX], probe[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    char joined[PATH_MAX];
    if (snprintf(joined, sizeof joined, "%s/%s", exe, WARROOM_BIN_TO_DATA) >= (int)sizeof joined)
        return;
    /* realpath gives messages a clean /usr/share/warroom instead of /usr/bin/../share/warroom. */
    char real[PATH_MAX];
    if (!realpath(joined, real))
        return;
    snprintf(probe, sizeof probe, "%s/severity.json", real);
    if (!is_file(probe))
        return;
    snprintf(installed_data, sizeof installed_data, "%s", real);
    if (snprintf(installed_templates, sizeof installed_templates, "%s/templates", real) >=
        (int)sizeof installed_templates)
        installed_templates[0] = '\0';
}

static const char *env_dir(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

const char *paths_data_dir(void)
{
    const char *env = env_dir("WARROOM_DATA_DIR");
    if (env)
        return env;
    find_installed();
    return installed_data[0] ? installed_data : WARROOM_DATA_DIR;
}

const char *paths_template_dir(void)
{
    const char *env = env_dir("WARROOM_TEMPLATE_DIR");
    if (!env)
        env = env_dir("WARROOM_TEMPLATES_DIR");
    if (env)
        return env;
    find_installed();
    return installed_templates[0] ? installed_templates : WARROOM_TEMPLATE_DIR;
}
