/* fuzz_analyze_s3.c: log analysis of s3 input (see fuzz_analyze.h). */
#define FUZZ_ANALYZE_FORMAT ANALYZE_FORMAT_S3
#include "fuzz_analyze.h"
