package dev.treekill.agent.guard;

import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.NativeAccess;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.Pipe;
import java.nio.channels.spi.SelectorProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The guard's pipe made with the JDK alone (its default provider's {@code openPipe}: pipe(2) on Linux), so that it exists at the first
 * process start without waiting for the native calls (JNA takes 0.1-2 s to load on a busy machine). Both ends are
 * non-blocking: nothing waits, and, non-blocking, a channel used on an interrupted application thread is neither
 * closed nor disturbs it. Descriptor numbers come from the JDK's own accessor ({@code sun.nio.ch.SelChImpl.getFDVal},
 * its package exported to the agent alone). The JDK makes them without close-on-exec (its own starts close every
 * descriptor above 2 in the child); they are marked close-on-exec once the native calls are loaded (see
 * {@link #closeOnExec}), so that a child that native code forks and execs outside the JDK does not keep the pipe.
 */
final class NioPipeCalls implements PipeCalls {
    private static final String CHANNEL_PACKAGE = "sun.nio.ch";
    /** Reads of {@link #buffer} that empty a pipe of the largest capacity (1 MiB by default, fs.pipe-max-size). */
    private static final int MAX_DRAIN_READS = (1 << 20) / 256 + 1;
    /** The descriptor number of one end of a pipe. */
    interface Descriptors {
        int of(Channel end) throws IOException;
    }

    private final SelectorProvider provider;
    private final Descriptors descriptors;
    private final Map<Integer, Channel> open = new ConcurrentHashMap<>();
    /** Direct, so that a write copies nothing into the JDK's per-thread buffer cache; guarded by itself. */
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(256);

    NioPipeCalls(SelectorProvider provider, Descriptors descriptors) {
        this.provider = provider;
        this.descriptors = descriptors;
    }

    /**
     * With the JDK's own provider and accessor; {@code exporter} exports a package of java.base to the agent. The
     * provider is the platform's default one ({@code sun.nio.ch.DefaultSelectorProvider.get()}), not
     * {@code SelectorProvider.provider()}: that one first looks for providers as services over the application's
     * whole class path, 10-20 ms of the first start on a busy machine.
     *
     * @throws ReflectiveOperationException on a JDK without them
     */
    static NioPipeCalls create(Consumer<String> exporter) throws ReflectiveOperationException {
        exporter.accept(CHANNEL_PACKAGE);
        SelectorProvider provider = (SelectorProvider) Class.forName(CHANNEL_PACKAGE + ".DefaultSelectorProvider", true, null)
                .getMethod("get").invoke(null);
        Method fdVal = Class.forName(CHANNEL_PACKAGE + ".SelChImpl", false, null).getMethod("getFDVal");
        return new NioPipeCalls(provider, new Descriptors() {
            @Override
            public int of(Channel end) throws IOException {
                try {
                    return (Integer) fdVal.invoke(end);
                } catch (IllegalAccessException | InvocationTargetException | ClassCastException e) {
                    throw new IOException("no descriptor number for " + end.getClass().getName(), e);
                }
            }
        });
    }

    @Override
    public int[] openPipe() throws IOException {
        Pipe pipe = provider.openPipe();
        try {
            pipe.sink().configureBlocking(false);
            pipe.source().configureBlocking(false);
            int read = descriptors.of(pipe.source());
            int write = descriptors.of(pipe.sink());
            open.put(read, pipe.source());
            open.put(write, pipe.sink());
            return new int[] {read, write};
        } catch (IOException | RuntimeException e) {
            pipe.source().close();
            pipe.sink().close();
            throw e;
        }
    }

    @Override
    public int write(int fd, byte[] bytes) throws IOException {
        Channel c = open.get(fd);
        if (!(c instanceof Pipe.SinkChannel)) {
            throw new IOException("descriptor " + fd + " is no write end of a pipe of ours");
        }
        synchronized (buffer) {
            if (bytes.length > buffer.capacity()) {
                throw new IOException("line too long for the guard's pipe: " + bytes.length + " bytes");
            }
            buffer.clear();
            buffer.put(bytes).flip();
            return ((Pipe.SinkChannel) c).write(buffer);
        }
    }

    @Override
    public int drain(int fd) throws IOException {
        Channel c = open.get(fd);
        if (!(c instanceof Pipe.SourceChannel)) {
            throw new IOException("descriptor " + fd + " is no read end of a pipe of ours");
        }
        int total = 0;
        synchronized (buffer) {
            for (int n = 1, reads = 0; n > 0 && reads < MAX_DRAIN_READS; reads++) {
                buffer.clear();
                n = ((Pipe.SourceChannel) c).read(buffer);
                total += Math.max(n, 0);
            }
        }
        return total;
    }

    @Override
    public void loadNative() throws IOException {
        try {
            NativeAccess.syscalls();
        } catch (RuntimeException e) {
            throw new IOException("no native calls", e);
        }
    }

    @Override
    public void closeOnExec(int fd) throws IOException {
        try {
            NativeAccess.syscalls().closeOnExec(fd);
        } catch (ErrnoException | RuntimeException e) {
            throw new IOException("cannot make descriptor " + fd + " close-on-exec", e);
        }
    }

    @Override
    public void close(int fd) {
        Channel c = open.remove(fd);
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // closed anyway: close(2) releases the descriptor whatever it reports
            }
        }
    }

    @Override
    public void forget(int fd) {
        open.remove(fd);
    }
}
