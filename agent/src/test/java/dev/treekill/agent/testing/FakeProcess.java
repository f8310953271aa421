package dev.treekill.agent.testing;

import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.starts.StartedProcesses;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A Process as the JDK returns it, without a real child. Process.toHandle() throws for a subclass, so it hands
 * out a {@link FakeHandle}. {@link #exit()} is "the JDK reaped it": the process's /proc entry goes, which is
 * where the start registry reads liveness from (a record is unreaped while /proc shows that very process), and
 * onExit() completes. Liveness must never come from isAlive(), which on a real Process takes its lock: any call
 * of isAlive() is counted and fails.
 */
public final class FakeProcess extends Process {
    private final long pid;
    private final FakeHandle handle;
    /** Where the JDK's reaping shows, as the process's entry going away; null: nowhere. */
    private final FakeProc proc;
    /** The start registry that notices the reaping at once, as a reaper pass at that tick would; null: none. */
    private final StartedProcesses registry;
    public final java.util.concurrent.CompletableFuture<ProcessHandle> exited = new java.util.concurrent.CompletableFuture<>();
    public final java.util.concurrent.atomic.AtomicInteger isAliveCalls = new java.util.concurrent.atomic.AtomicInteger();

    /** A process outside any scripted /proc: {@link #exit()} only completes onExit(). */
    public FakeProcess(long pid) {
        this(pid, null, null);
    }

    /**
     * A process of the test's scripted world: {@link #exit()} also removes its entry from {@code proc} and has
     * {@code registry} notice that at once.
     */
    public FakeProcess(long pid, FakeProc proc, StartedProcesses registry) {
        this.pid = pid;
        this.handle = new FakeHandle(this);
        this.proc = proc;
        this.registry = registry;
    }

    /** The JDK's reaper collected its exit status: its /proc entry is gone, and onExit() completes. */
    public void exit() {
        if (proc != null) {
            proc.remove((int) pid());
        }
        if (registry != null) {
            registry.refresh();
        }
        exited.complete(handle);
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public ProcessHandle toHandle() {
        return handle;
    }

    @Override
    public java.util.concurrent.CompletableFuture<Process> onExit() {
        return exited.thenApply(h -> this);
    }

    @Override
    public boolean isAlive() {
        isAliveCalls.incrementAndGet();
        throw new AssertionError("Process.isAlive() of " + pid + " called: it takes the Process's lock");
    }

    /** Run on every hashCode(): lets a test look into the moment the Process is put in a map. */
    public volatile Runnable onHashCode;

    @Override
    public int hashCode() {
        Runnable probe = onHashCode;
        if (probe != null) {
            probe.run();
        }
        return Long.hashCode(pid);
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public OutputStream getOutputStream() {
        return OutputStream.nullOutputStream();
    }

    @Override
    public InputStream getInputStream() {
        return InputStream.nullInputStream();
    }

    @Override
    public InputStream getErrorStream() {
        return InputStream.nullInputStream();
    }

    @Override
    public int waitFor() {
        exited.join();
        return 0;
    }

    @Override
    public int exitValue() {
        if (!exited.isDone()) {
            throw new IllegalThreadStateException("alive");
        }
        return 0;
    }

    @Override
    public void destroy() {
    }

    /** The ProcessHandle of a {@link FakeProcess}: onExit() is the test's future; nothing else is real. */
    public static final class FakeHandle implements ProcessHandle {
        private final FakeProcess process;

        FakeHandle(FakeProcess process) {
            this.process = process;
        }

        @Override
        public long pid() {
            return process.pid;
        }

        @Override
        public java.util.concurrent.CompletableFuture<ProcessHandle> onExit() {
            return process.exited;
        }

        @Override
        public boolean isAlive() {
            process.isAliveCalls.incrementAndGet();
            throw new AssertionError("ProcessHandle.isAlive() of " + process.pid + " called: liveness comes from /proc");
        }

        @Override
        public java.util.Optional<ProcessHandle> parent() {
            return java.util.Optional.empty();
        }

        @Override
        public java.util.stream.Stream<ProcessHandle> children() {
            return java.util.stream.Stream.empty();
        }

        @Override
        public java.util.stream.Stream<ProcessHandle> descendants() {
            return java.util.stream.Stream.empty();
        }

        @Override
        public Info info() {
            throw new UnsupportedOperationException("a fake process has no info");
        }

        @Override
        public boolean supportsNormalTermination() {
            return true;
        }

        @Override
        public boolean destroy() {
            return false;
        }

        @Override
        public boolean destroyForcibly() {
            return false;
        }

        @Override
        public int compareTo(ProcessHandle other) {
            return Long.compare(pid(), other.pid());
        }
    }
}
