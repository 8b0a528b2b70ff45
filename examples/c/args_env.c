// Prints its arguments and its environment, one per line, then exits with
// the code in $EXIT_CODE (0 when unset). Exercises args_*, environ_*,
// fd_write and proc_exit.
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 0; i < argc; i++) {
        printf("argv[%d]=%s\n", i, argv[i]);
    }
    int count = 0;
    for (char **env = environ; *env != NULL; env++) {
        printf("env[%d]=%s\n", count++, *env);
    }
    printf("envc=%d\n", count);
    const char *code = getenv("EXIT_CODE");
    fprintf(stderr, "exiting with %s\n", code ? code : "0");
    return code ? atoi(code) : 0;
}
