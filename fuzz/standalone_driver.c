// SPDX-License-Identifier: Apache-2.0
// Replays fuzz inputs through a target's LLVMFuzzerTestOneInput without libFuzzer, so that
// gcc builds and every ctest run exercise the corpora (docs/c-style.md T10). It does not
// mutate or search; crashes and sanitizer reports surface as a failing test.
//
// Usage: fuzz_replay_<target> PATH...   where each PATH is an input file or a directory whose
// files (recursively, in name order) are inputs. Arguments starting with '-' are ignored, so
// a libFuzzer command line (-runs=..., -max_len=...) can be replayed unchanged.
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

// The driver calls libc's allocator directly, not tby__malloc: a target may install its own
// tby_allocator (to fail allocations, say), and the driver's buffers must not count there.

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

typedef struct replay {
    long input_count; /* inputs passed to the target so far */
    int error_count;  /* paths that could not be read */
} replay;

static void replay_path(replay *state, const char *path);

/*
 * Reads the whole file into a buffer of exactly its size, so that ASan flags a target reading
 * one byte past its input, and passes it to the target.
 */
static void replay_file(replay *state, const char *path)
{
    FILE *file = fopen(path, "rb");
    unsigned char *data = NULL;
    size_t size = 0;
    if (!file)
        goto fail;
    for (;;) {
        unsigned char chunk[65536];
        size_t got = fread(chunk, 1, sizeof(chunk), file);
        if (got == 0)
            break;
        unsigned char *grown = realloc(data, size + got);
        if (!grown)
            goto fail;
        data = grown;
        memcpy(data + size, chunk, got);
        size += got;
    }
    if (ferror(file))
        goto fail;
    fclose(file);
    /* A 0-byte input still gets a valid pointer, as libFuzzer gives it. */
    static const uint8_t empty[1];
    LLVMFuzzerTestOneInput(data ? data : empty, size);
    state->input_count++;
    free(data);
    return;
fail:
    fprintf(stderr, "fuzz replay: cannot read '%s'\n", path);
    state->error_count++;
    if (file)
        fclose(file);
    free(data);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every entry of a directory except dot files, sorted so runs are repeatable. */
static void replay_dir(replay *state, const char *path)
{
    DIR *dir = opendir(path);
    char **names = NULL;
    size_t name_count = 0;
    if (!dir) {
        fprintf(stderr, "fuzz replay: cannot open directory '%s'\n", path);
        state->error_count++;
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        size_t len = strlen(path) + 1 + strlen(entry->d_name) + 1;
        char *full = malloc(len);
        char **grown = realloc(names, (name_count + 1) * sizeof(*names));
        if (!full || !grown) {
            fprintf(stderr, "fuzz replay: out of memory listing '%s'\n", path);
            state->error_count++;
            free(full);
            if (grown)
                names = grown;
            break;
        }
        names = grown;
        snprintf(full, len, "%s/%s", path, entry->d_name);
        names[name_count++] = full;
    }
    closedir(dir);
    if (name_count)
        qsort(names, name_count, sizeof(*names), compare_names);
    for (size_t i = 0; i < name_count; i++) {
        replay_path(state, names[i]);
        free(names[i]);
    }
    free(names);
}

static void replay_path(replay *state, const char *path)
{
    struct stat info;
    if (stat(path, &info) != 0) {
        fprintf(stderr, "fuzz replay: no such file or directory '%s'\n", path);
        state->error_count++;
    } else if (S_ISDIR(info.st_mode)) {
        replay_dir(state, path);
    } else {
        replay_file(state, path);
    }
}

int main(int argc, char **argv)
{
    replay state = {0, 0};
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        replay_path(&state, argv[i]);
    }
    printf("fuzz replay: %ld inputs, %d unreadable\n", state.input_count, state.error_count);
    if (state.input_count == 0 && state.error_count == 0)
        fprintf(stderr, "fuzz replay: warning: no inputs found\n");
    return state.error_count ? 1 : 0;
}
