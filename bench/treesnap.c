/*
 * treesnap ROOT: prints "pid starttime" for ROOT and each of its descendants (parents first), from
 * one scan of /proc. The Java and Python harnesses take their survivor snapshot with it, so that the
 * snapshot neither warms up nor shares code with the kill path they measure.
 */
#include <stdio.h>
#include <stdlib.h>

#include "proctree.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: treesnap ROOT\n");
        return 2;
    }
    struct tree t;
    if (tree_init(&t, (pid_t)atoi(argv[1])) != 0) {
        fprintf(stderr, "treesnap: no process %s\n", argv[1]);
        return 1;
    }
    struct proc_stat *all;
    size_t n = proc_scan(&all);
    tree_grow(&t, all, n);
    for (size_t i = 0; i < t.len; i++)
        printf("%d %llu\n", (int)t.member[i].pid, t.member[i].start);
    free(all);
    tree_free(&t);
    return 0;
}
