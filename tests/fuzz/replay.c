/*
 * replay.c - a main() for a fuzz target without libFuzzer: every file named
 * (or in a folder named) goes through LLVMFuzzerTestOneInput once.  `make
 * test` replays the seeds and the regressions this way (tests/fuzz/run.sh),
 * under ASan/UBSan in `make check`; a crash is the test failing.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;

    if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
        !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        if (f)
            fclose(f);
        free(buf);
        return 1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    return 0;
}

static int replay(const char *path, size_t *count)
{
    struct stat st;
    struct dirent **names;
    int n, bad = 0;
    char sub[4096];

    if (stat(path, &st))
        return 0; /* a folder of regressions not made yet */
    if (!S_ISDIR(st.st_mode)) {
        ++*count;
        return replay_file(path);
    }
    n = scandir(path, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
            bad |= replay(sub, count);
        }
        free(names[i]);
    }
    free(n >= 0 ? names : NULL);
    return bad;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int bad = 0;

    for (int i = 1; i < argc; i++)
        bad |= replay(argv[i], &count);
    printf("%zu inputs\n", count);
    return bad;
}
