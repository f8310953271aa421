/*
 * treegen N [lifetime_s]: builds a wide process tree of N processes: this root plus N-1 children,
 * each blocked in pause(). Prints "ready" on stdout once every child exists, then reaps children
 * (like a shell waiting for its jobs) until none is left.
 *
 * Safety net against leaks if a harness dies: every process arms alarm(lifetime_s) (default 300 s),
 * and SIGALRM's default action ends it. The children's stdio goes to /dev/null, so a leaked child
 * never holds a harness's pipe open.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: treegen N [lifetime_s]\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    unsigned lifetime = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 300;
    if (n < 1 || n > 100000 || lifetime == 0) {
        fprintf(stderr, "treegen: bad N or lifetime\n");
        return 2;
    }
    int devnull = open("/dev/null", O_RDWR);
    pid_t *kids = calloc((size_t)n, sizeof *kids);
    if (devnull < 0 || kids == NULL) {
        perror("treegen");
        return 2;
    }
    alarm(lifetime);
    for (long i = 0; i < n - 1; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            alarm(lifetime); /* alarms are not inherited across fork */
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
            for (;;)
                pause();
        }
        if (pid < 0) {
            perror("treegen: fork");
            for (long j = 0; j < i; j++)
                kill(kids[j], SIGKILL);
            return 1;
        }
        kids[i] = pid;
    }
    printf("ready\n");
    fflush(stdout);
    while (wait(NULL) > 0 || errno == EINTR)
        ;
    return 0;
}
