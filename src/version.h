/* version.h: the release and the git commit this binary was built from (version.c is generated
 * at build time by src/gen_version.cmake). */
#ifndef WARROOM_VERSION_H
#define WARROOM_VERSION_H

/* The release, "0.1.0" (project() in CMakeLists.txt). */
extern const char wr_version[];
/* The commit: 12 hex digits, "-dirty" appended when tracked files had changes, or what the
 * WARROOM_GIT_COMMIT cache variable says when building outside git ("unknown" by default). */
extern const char wr_version_commit[];

#endif
