/* proctree: see proctree.h. */
#include "proctree.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Linux's hard upper bound for pid_max on 64-bit (PID_MAX_LIMIT). */
#define PID_LIMIT (4 * 1024 * 1024)

int proc_read(pid_t pid, struct proc_stat *st)
{
    char path[32], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* comm may contain spaces and ')': the fields start after the LAST ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    int ppid;
    unsigned long long start;
    /* fields 3 (state), 4 (ppid), 5..21 skipped (17 of them), 22 (starttime) */
    if (sscanf(p + 2, "%c %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
               &st->state, &ppid, &start) != 3)
        return -1;
    st->pid = pid;
    st->ppid = ppid;
    st->start = start;
    return 0;
}

size_t proc_scan(struct proc_stat **out)
{
    size_t n = 0, cap = 1024;
    struct proc_stat *all = malloc(cap * sizeof *all);
    DIR *dir = opendir("/proc");
    if (all == NULL || dir == NULL) {
        perror("proc_scan");
        exit(2);
    }
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        if (n == cap && (all = realloc(all, (cap *= 2) * sizeof *all)) == NULL) {
            perror("proc_scan");
            exit(2);
        }
        if (proc_read(atoi(e->d_name), &all[n]) == 0)
            n++;
    }
    closedir(dir);
    *out = all;
    return n;
}

int proc_alive(pid_t pid, unsigned long long start)
{
    struct proc_stat st;
    return proc_read(pid, &st) == 0 && st.start == start && st.state != 'Z' && st.state != 'X';
}

static void tree_add(struct tree *t, const struct proc_stat *p)
{
    if (t->len == t->cap && (t->member = realloc(t->member, (t->cap = t->cap ? 2 * t->cap : 256) * sizeof *t->member)) == NULL) {
        perror("tree_add");
        exit(2);
    }
    t->member[t->len++] = *p;
    t->in_tree[p->pid] = 1;
}

int tree_init(struct tree *t, pid_t root)
{
    struct proc_stat st;
    memset(t, 0, sizeof *t);
    if ((t->in_tree = calloc(PID_LIMIT, 1)) == NULL) {
        perror("tree_init");
        exit(2);
    }
    if (proc_read(root, &st) != 0)
        return -1;
    tree_add(t, &st);
    return 0;
}

size_t tree_grow(struct tree *t, const struct proc_stat *all, size_t n)
{
    size_t added = 0, pass;
    /* One pass finds every process whose parent is already a member. Usually one pass is enough (a
     * child has a higher pid than its parent); after a pid wrap-around the next pass finds the rest. */
    do {
        pass = 0;
        for (size_t i = 0; i < n; i++) {
            const struct proc_stat *p = &all[i];
            if (!t->in_tree[p->pid] && p->ppid > 0 && t->in_tree[p->ppid]) {
                tree_add(t, p);
                pass++;
            }
        }
        added += pass;
    } while (pass > 0);
    return added;
}

void tree_free(struct tree *t)
{
    free(t->member);
    free(t->in_tree);
    memset(t, 0, sizeof *t);
}
