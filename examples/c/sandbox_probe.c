// sandbox_probe: tries path operations inside and outside its directory
// (run with `--dir D::.`, where D holds sub/file and the symlinks that
// tier/tests/c_programs.rs creates) and prints what each returns: the
// errno names must be those wasmtime gives.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(const char *what, long rc) {
    printf("%-22s %s\n", what, rc < 0 ? strerror(errno) : "ok");
    errno = 0;
}

static long opened(int fd) {
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return -1;
}

int main(void) {
    struct stat st;
    char buf[64];
    report("open sub/file", opened(open("sub/file", O_RDONLY)));
    report("open via good", opened(open("good", O_RDONLY)));
    report("open good nofollow", opened(open("good", O_RDONLY | O_NOFOLLOW)));
    report("open up (../secret)", opened(open("up", O_RDONLY)));
    report("open abs (/...)", opened(open("abs", O_RDONLY)));
    report("open loop", opened(open("loop", O_RDONLY)));
    report("open sub/../../x", opened(open("sub/../../x", O_RDONLY)));
    report("open missing", opened(open("missing", O_RDONLY)));
    report("open sub/file/x", opened(open("sub/file/x", O_RDONLY)));
    report("create excl existing", opened(open("sub/file", O_CREAT | O_EXCL | O_WRONLY, 0644)));
    report("open dir for write", opened(open("sub", O_WRONLY)));
    report("open file as dir", opened(open("sub/file", O_RDONLY | O_DIRECTORY)));
    report("stat sub/file/", stat("sub/file/", &st));
    report("lstat up", lstat("up", &st));
    report("stat up", stat("up", &st));
    report("mkdir sub", mkdir("sub", 0755));
    report("mkdir ../x", mkdir("../x", 0755));
    report("rmdir sub", rmdir("sub"));
    report("rmdir sub/file", rmdir("sub/file"));
    report("rmdir .", rmdir("."));
    report("unlink sub", unlink("sub"));
    report("unlink missing", unlink("missing"));
    report("rename missing", rename("missing", "x"));
    report("rename to ../file", rename("sub/file", "../file"));
    report("symlink to /etc", symlink("/etc", "etc"));
    report("readlink up", readlink("up", buf, sizeof buf));
    report("readlink sub/file", readlink("sub/file", buf, sizeof buf));
    report("link sub (a dir)", link("sub", "sublink"));
    int fd = open("sub/file", O_RDONLY);
    report("lseek to -1", lseek(fd, -1, SEEK_SET));
    report("write read-only fd", write(fd, "x", 1));
    report("ftruncate read-only", ftruncate(fd, 0));
    close(fd);
    report("lseek stdout", lseek(1, 0, SEEK_CUR));
    return 0;
}
