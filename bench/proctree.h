/* proctree: the small /proc reader shared by cfloor.c and treegen.c. */
#ifndef PROCTREE_H
#define PROCTREE_H

#include <stddef.h>
#include <sys/types.h>

struct proc_stat {
    pid_t pid;
    pid_t ppid;
    char state;                /* R, S, D, T, Z, X, ... */
    unsigned long long start;  /* starttime in clock ticks: with the pid, it names one process (pid reuse) */
};

/* Reads /proc/<pid>/stat. Returns 0, or -1 when the process is gone (or unreadable). */
int proc_read(pid_t pid, struct proc_stat *st);

/* Reads every process in /proc into a malloc'd array (*out, caller frees); returns how many. */
size_t proc_scan(struct proc_stat **out);

/* 1 when the process (pid, start) still exists and is neither a zombie nor dead. */
int proc_alive(pid_t pid, unsigned long long start);

/* A process tree, parents before children. */
struct tree {
    struct proc_stat *member;
    size_t len, cap;
    unsigned char *in_tree;    /* one byte per possible pid */
};

/* Starts a tree holding only root (re-read from /proc). Returns -1 when root is gone. */
int tree_init(struct tree *t, pid_t root);

/* Adds every process of all[0..n) that descends from a member and is not one yet, parents first;
 * returns how many were added (they are t->member[old len .. t->len)). */
size_t tree_grow(struct tree *t, const struct proc_stat *all, size_t n);

void tree_free(struct tree *t);

#endif
