/* paths.h: where warroom finds the files it ships (data/ and templates/): overridden by the
 * environment, installed under the prefix, or in the source tree for a build-tree binary. */
#ifndef WARROOM_PATHS_H
#define WARROOM_PATHS_H

/*
 * The directory of the shipped data (severity.json, blameless.json, example-config.json, demo/):
 *   1. $WARROOM_DATA_DIR when set and not empty;
 *   2. PREFIX/share/warroom when the running binary is PREFIX/bin/warroom and that directory
 *      holds severity.json (an installed warroom, wherever the prefix was moved);
 *   3. the source tree's data/ (a binary run from its build tree).
 * Never NULL. The string is static or the environment's: do not free it.
 */
const char *paths_data_dir(void);

/* The built-in templates, found the same way: $WARROOM_TEMPLATE_DIR (or the older spelling
 * $WARROOM_TEMPLATES_DIR), else PREFIX/share/warroom/templates, else the source tree's
 * templates/. Never NULL; do not free. */
const char *paths_template_dir(void);

#endif
