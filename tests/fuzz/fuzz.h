/*
 * fuzz.h - the fuzz targets of dcswarm (tests/fuzz/README.md).  Each file
 * defines the libFuzzer entry point for one parser; `make fuzz` links them
 * with libFuzzer (clang), replay.c with a main() that feeds files to them
 * (what `make test` runs on the seeds and the regressions).
 */
#ifndef DCS_FUZZ_H
#define DCS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
