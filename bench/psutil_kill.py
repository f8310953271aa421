#!/usr/bin/python3
"""psutil_kill.py cold|warm N TREEGEN SNAPSHOT: one tree-kill measurement with the usual psutil teardown code.

Starts "TREEGEN N 300 SNAPSHOT" as our child (as a JVM would; treegen writes the tree's pids and start
times to SNAPSHOT for counting survivors), waits for "ready", then (at once for cold, 300 ms later for
warm) times psutil's documented
kill_proc_tree recipe: children(recursive=True), kill() each, the root last. psutil.wait_procs() would
wait for zombies until they are reaped (their pid still exists), so, as teardown code usually does,
poll every 100 ms until every process is gone or a zombie.

Prints "result mode=psutil n=N ms=... survivors=K", then kills the survivors and waits (bounded) until
the tree is reaped, so that no run leaks processes into the next.
"""
import os
import signal
import subprocess
import sys
import time

import psutil

WAIT_SECONDS = 30


def stat(pid):
    """(state, starttime) from /proc/pid/stat, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(b")") + 2:].split()  # the command name may hold spaces and ')'
    return fields[0].decode(), int(fields[19])  # fields 3 (state) and 22 (starttime)


def is_alive(pid, start):
    st = stat(pid)
    return st is not None and st[1] == start and st[0] not in ("Z", "X")


def running(proc):
    """The teardown test: alive unless gone or a zombie."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def kill_tree(root_pid):
    parent = psutil.Process(root_pid)
    procs = parent.children(recursive=True)  # before the kill: afterwards the orphans are re-parented
    procs.append(parent)
    for p in procs:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    deadline = time.monotonic() + WAIT_SECONDS
    while procs and time.monotonic() < deadline:
        procs = [p for p in procs if running(p)]
        if procs:
            time.sleep(0.1)


def main():
    when, n, treegen, snapshot = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    root = subprocess.Popen([treegen, str(n), "300", snapshot], stdout=subprocess.PIPE)
    if root.stdout.readline() != b"ready\n":
        sys.exit("psutil_kill: treegen did not print ready")
    if when == "warm":
        time.sleep(0.3)

    t0 = time.perf_counter_ns()
    kill_tree(root.pid)
    t1 = time.perf_counter_ns()

    with open(snapshot) as f:
        tree = [tuple(map(int, line.split())) for line in f]
    if len(tree) != n:
        print(f"psutil_kill: expected {n} processes in the tree, found {len(tree)}", file=sys.stderr)

    survivors = sum(is_alive(pid, start) for pid, start in tree)
    print(f"result mode=psutil when={when} n={n} ms={(t1 - t0) / 1e6:.3f} survivors={survivors}", flush=True)

    # Clean up: kill what is left (start time checked first), reap the root, then wait at most 15 s
    # until PID 1 has reaped the orphans.
    for pid, start in tree:
        if is_alive(pid, start):
            os.kill(pid, signal.SIGKILL)
    root.wait(timeout=WAIT_SECONDS)
    end = time.monotonic() + 15
    for pid, start in tree:
        while (st := stat(pid)) is not None and st[1] == start and time.monotonic() < end:
            time.sleep(0.01)


if __name__ == "__main__":
    main()
