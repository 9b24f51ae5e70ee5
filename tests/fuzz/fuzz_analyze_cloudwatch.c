/* fuzz_analyze_cloudwatch.c: log analysis of cloudwatch input (see fuzz_analyze.h). */
#define FUZZ_ANALYZE_FORMAT ANALYZE_FORMAT_CLOUDWATCH
#include "fuzz_analyze.h"
