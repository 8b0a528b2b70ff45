// copy_file SRC DST: copies SRC to DST inside a preopened directory, then
// lists the directory and shows that paths outside it are refused.
// Exercises path_open, fd_read/fd_write, fd_seek, fd_filestat_get,
// fd_readdir, path_unlink_file and the sandbox.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int copy(const char *src, const char *dst) {
    FILE *in = fopen(src, "rb");
    if (!in) {
        printf("cannot open %s: %s\n", src, strerror(errno));
        return -1;
    }
    FILE *out = fopen(dst, "wb");
    if (!out) {
        printf("cannot create %s: %s\n", dst, strerror(errno));
        fclose(in);
        return -1;
    }
    char buf[4096];
    long total = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        fwrite(buf, 1, n, out);
        total += (long)n;
    }
    fclose(in);
    fclose(out);
    return (int)total;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        printf("cannot list %s: %s\n", dir, strerror(errno));
        return;
    }
    char *names[64];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL && count < 64) {
        if (entry->d_name[0] != '.') {
            names[count++] = strdup(entry->d_name);
        }
    }
    closedir(d);
    qsort(names, count, sizeof names[0], compare_names);
    for (int i = 0; i < count; i++) {
        struct stat st;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (stat(path, &st) == 0) {
            printf("  %s %lld bytes\n", names[i], (long long)st.st_size);
        }
        free(names[i]);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s SRC DST\n", argv[0]);
        return 2;
    }
    int copied = copy(argv[1], argv[2]);
    if (copied < 0) {
        return 1;
    }
    printf("copied %d bytes from %s to %s\n", copied, argv[1], argv[2]);
    char *slash = strrchr(argv[2], '/');
    if (slash) {
        *slash = '\0';
        printf("%s:\n", argv[2]);
        list(argv[2]);
    }
    FILE *escape = fopen("/etc/passwd", "r");
    printf("open /etc/passwd: %s\n", escape ? "opened (sandbox broken!)" : strerror(errno));
    escape = fopen("../outside.txt", "w");
    printf("open ../outside.txt: %s\n", escape ? "opened (sandbox broken!)" : strerror(errno));
    return 0;
}
