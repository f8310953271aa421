/*
 * cfloor cold|warm N TREEGEN SNAPSHOT: the treekill agent's algorithm in plain C, as a floor for what a
 * tree kill can cost on this machine. Starts "TREEGEN N 300 SNAPSHOT" as its child, waits for "ready",
 * then (at once for cold, 300 ms later for warm, like the other harnesses) measures:
 *   1. SIGSTOP the root, then scan /proc and SIGSTOP every new descendant, parents first; rescan until
 *      a scan finds nobody new (a stopped process cannot fork, so the tree is closed);
 *   2. SIGKILL every member;
 *   3. poll /proc with a short back-off until every member is gone or a zombie (a zombie has released
 *      everything but its exit status).
 * Prints "result mode=c-floor n=N ms=... survivors=K" and the time of each phase, then kills any
 * survivor and waits (bounded) until the tree's pids are reaped, so that the next run starts with a
 * clean /proc.
 *
 * Unlike the agent it pins nothing with pidfds: between a scan and a signal a pid could be reused.
 * Harmless in a benchmark; the agent must not take that shortcut.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proctree.h"

#define WAIT_LIMIT_NS (30 * 1000000000LL)

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ns(long long ns)
{
    struct timespec ts = {ns / 1000000000LL, ns % 1000000000LL};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Starts "treegen n 300 snapshot" with its stdout on a pipe and returns once it printed "ready". */
static pid_t start_tree(const char *treegen, const char *n, const char *snapshot)
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(2);
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(treegen, treegen, n, "300", snapshot, (char *)NULL);
        perror(treegen);
        _exit(127);
    }
    close(fds[1]);
    FILE *out = fdopen(fds[0], "r");
    char line[64];
    if (pid < 0 || out == NULL || fgets(line, sizeof line, out) == NULL || strcmp(line, "ready\n") != 0) {
        fprintf(stderr, "cfloor: %s did not print ready\n", treegen);
        exit(2);
    }
    fclose(out);
    return pid;
}

/* Moves the processes of m[0..n) still alive (not gone, not zombie) to the front; returns how many. */
static size_t compact_alive(struct proc_stat *m, size_t n)
{
    size_t alive = 0;
    for (size_t i = 0; i < n; i++)
        if (proc_alive(m[i].pid, m[i].start))
            m[alive++] = m[i];
    return alive;
}

/* Phase end times (ns), for the breakdown printed after the result. */
static long long frozen_at, killed_at;

/* The measured algorithm; gives up waiting after WAIT_LIMIT_NS (the survivors count then says so). */
static void kill_tree(pid_t root)
{
    struct tree t;
    if (tree_init(&t, root) != 0)
        return;
    kill(root, SIGSTOP);
    for (;;) {
        struct proc_stat *all;
        size_t n = proc_scan(&all);
        size_t first = t.len;
        size_t added = tree_grow(&t, all, n);
        free(all);
        if (added == 0)
            break;
        for (size_t i = first; i < t.len; i++)
            kill(t.member[i].pid, SIGSTOP);
    }
    frozen_at = now_ns();
    for (size_t i = 0; i < t.len; i++)
        kill(t.member[i].pid, SIGKILL);
    killed_at = now_ns();

    long long deadline = now_ns() + WAIT_LIMIT_NS, backoff = 50000; /* 50 us, doubling up to 1 ms */
    size_t left = t.len;
    while ((left = compact_alive(t.member, left)) > 0 && now_ns() < deadline) {
        sleep_ns(backoff);
        backoff = backoff < 1000000 ? 2 * backoff : 1000000;
    }
    tree_free(&t);
}

/* The survivor snapshot treegen wrote before "ready": "pid starttime" lines. */
static void read_snapshot(const char *path, struct tree *snap)
{
    FILE *f = fopen(path, "r");
    int pid;
    unsigned long long start;
    snap->len = 0;
    snap->cap = 1024;
    snap->member = malloc(snap->cap * sizeof *snap->member);
    snap->in_tree = NULL;
    if (f == NULL || snap->member == NULL) {
        perror("cfloor: snapshot");
        exit(2);
    }
    while (fscanf(f, "%d %llu", &pid, &start) == 2) {
        if (snap->len == snap->cap && (snap->member = realloc(snap->member, (snap->cap *= 2) * sizeof *snap->member)) == NULL) {
            perror("cfloor: snapshot");
            exit(2);
        }
        snap->member[snap->len].pid = pid;
        snap->member[snap->len++].start = start;
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[1], "cold") != 0 && strcmp(argv[1], "warm") != 0)) {
        fprintf(stderr, "usage: cfloor cold|warm N TREEGEN SNAPSHOT\n");
        return 2;
    }
    pid_t root = start_tree(argv[3], argv[2], argv[4]);
    if (strcmp(argv[1], "warm") == 0)
        sleep_ns(300000000LL); /* the same pause as the other harnesses' warm kill */

    long long t0 = now_ns();
    kill_tree(root);
    long long t1 = now_ns();

    struct tree snap;
    read_snapshot(argv[4], &snap);

    size_t survivors = 0;
    for (size_t i = 0; i < snap.len; i++)
        survivors += proc_alive(snap.member[i].pid, snap.member[i].start);
    printf("result mode=c-floor when=%s n=%s ms=%.3f survivors=%zu freeze_ms=%.3f kill_ms=%.3f wait_ms=%.3f\n", argv[1], argv[2],
           (t1 - t0) / 1e6, survivors, (frozen_at - t0) / 1e6, (killed_at - frozen_at) / 1e6, (t1 - killed_at) / 1e6);
    fflush(stdout);

    /* Clean up: kill what is left (pid + start time checked), reap the root, wait for the reaping of
     * the orphans by PID 1 (lazy on some machines), at most 15 s. */
    for (size_t i = 0; i < snap.len; i++)
        if (proc_alive(snap.member[i].pid, snap.member[i].start))
            kill(snap.member[i].pid, SIGKILL);
    waitpid(root, NULL, 0);
    long long settle_end = now_ns() + 15 * 1000000000LL;
    for (size_t i = 0; i < snap.len; i++) {
        struct proc_stat st;
        while (proc_read(snap.member[i].pid, &st) == 0 && st.start == snap.member[i].start && now_ns() < settle_end)
            sleep_ns(10000000LL);
    }
    tree_free(&snap);
    return 0;
}
