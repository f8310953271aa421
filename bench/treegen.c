/*
 * treegen N [lifetime_s [snapshot_file]]: builds a wide process tree of N processes: this root plus N-1
 * children, each blocked in pause(). Once every child exists it writes "pid starttime" of the root and
 * each child to snapshot_file (if given), prints "ready" on stdout, then reaps children (like a shell
 * waiting for its jobs) until none is left. The snapshot lets a harness kill the moment "ready" arrives
 * and count survivors afterwards, without touching /proc (or warming up anything) before its clock.
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

#include "proctree.h"

/* Writes "pid starttime" of the root and its children; a harness counts survivors from it. */
static int write_snapshot(const char *path, const pid_t *kids, long n)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    struct proc_stat st;
    for (long i = -1; i < n - 1; i++)
        if (proc_read(i < 0 ? getpid() : kids[i], &st) == 0)
            fprintf(f, "%d %llu\n", (int)st.pid, st.start);
    return fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: treegen N [lifetime_s [snapshot_file]]\n");
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
    if (argc > 3 && write_snapshot(argv[3], kids, n) != 0) {
        perror("treegen: snapshot");
        for (long j = 0; j < n - 1; j++)
            kill(kids[j], SIGKILL);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    while (wait(NULL) > 0 || errno == EINTR)
        ;
    return 0;
}
