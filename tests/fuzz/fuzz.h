/* fuzz.h: what every libFuzzer target in tests/fuzz shares. */
#ifndef WARROOM_FUZZ_H
#define WARROOM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's entry points (declared here because -Wmissing-prototypes is on). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-11-21T10:05:00Z: a fixed now keeps every run reproducible. */
#define FUZZ_NOW ((int64_t)1795255500000)

/* The input as a C string (files and HTTP bodies reach the parsers NUL-terminated; an embedded
 * NUL ends the text, as it would for them). Caller frees; NULL when out of memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return NULL;
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A failed check: libFuzzer records the input that got here as a crash. */
#define FUZZ_CHECK(cond)                                                                       \
    do {                                                                                       \
        if (!(cond))                                                                           \
            abort();                                                                           \
    } while (0)

#endif
