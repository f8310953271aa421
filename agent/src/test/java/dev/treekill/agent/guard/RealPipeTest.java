package dev.treekill.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.FakeProc;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The guard's pipe for real, as the JDK makes it ({@link NioPipeCalls}): what a guard reads through
 * {@code /proc/self/fd/<read end>} (how its launcher gets it); a full pipe never blocks a start, and the stand-down
 * still gets through; an interrupted application thread neither loses the pipe nor its interrupt. The descriptor
 * numbers come from /proc/self/fd here (the agent's accessor needs the export only an agent can make; the ITs run it).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RealPipeTest {
    /**
     * The pipe descriptors that did not name what they name now when this was made (a number may come back for
     * another file), told apart by fdinfo's access mode.
     */
    private static final class NewDescriptors implements NioPipeCalls.Descriptors {
        private final Set<String> before = listed();

        @Override
        public int of(Channel end) throws IOException {
            boolean wantWrite = end instanceof Pipe.SinkChannel;
            for (String named : listed()) {
                String fd = named.substring(0, named.indexOf(' '));
                if (!before.contains(named) && target(fd).startsWith("pipe:") && isWriteOnly(fd) == wantWrite) {
                    return Integer.parseInt(fd);
                }
            }
            throw new IOException("no new pipe descriptor");
        }

        /** {@code <fd> <what it names>} for every open descriptor. */
        private static Set<String> listed() {
            String[] fds = new java.io.File("/proc/self/fd").list();
            Set<String> named = new HashSet<>();
            for (String fd : fds == null ? new String[0] : fds) {
                named.add(fd + " " + target(fd));
            }
            return named;
        }

        private static String target(String fd) {
            try {
                return Files.readSymbolicLink(Paths.get("/proc/self/fd", fd)).toString();
            } catch (IOException e) {
                return "";
            }
        }

        private static boolean isWriteOnly(String fd) throws IOException {
            for (String line : Files.readAllLines(Paths.get("/proc/self/fdinfo", fd))) {
                if (line.startsWith("flags:")) {
                    return (Integer.parseInt(line.substring("flags:".length()).trim(), 8) & 3) == 1;
                }
            }
            throw new IOException("no flags in fdinfo " + fd);
        }
    }

    @Test
    void theGuardReadsRootsThenDoneBeforeEndOfFile() throws Exception {
        GuardPipe pipe = GuardPipe.open(new NioPipeCalls(java.nio.channels.spi.SelectorProvider.provider(), new NewDescriptors()));
        try (InputStream guardsStdin = new FileInputStream("/proc/self/fd/" + pipe.readFd())) {
            assertTrue(pipe.tell(new Roots.Root(2001, 61).line()));
            assertTrue(pipe.standDown(JvmDeathGuard.STAND_DOWN));
            pipe.close(); // what the kernel does when the JVM halts
            Roots roots = new Roots(new FakeProc(), 8);
            assertFalse(Guard.awaitEndOfPipe(guardsStdin, roots, new SparedCookies()), "the guard stands down instead of killing");
            assertEquals("[2001@61]", roots.all().toString());
        }
        assertFalse(pipe.tell(JvmDeathGuard.STAND_DOWN), "closed: nothing written any more");
    }

    @Test
    void aDeadJvmsPipeEndsAfterItsRoots() throws Exception {
        GuardPipe pipe = GuardPipe.open(new NioPipeCalls(java.nio.channels.spi.SelectorProvider.provider(), new NewDescriptors()));
        try (InputStream guardsStdin = new FileInputStream("/proc/self/fd/" + pipe.readFd())) {
            assertTrue(pipe.tell(new Roots.Root(2001, 61).line()));
            pipe.close(); // the JVM died before the guard read anything: the lines wait, then end-of-file
            Roots roots = new Roots(new FakeProc(), 8);
            assertTrue(Guard.awaitEndOfPipe(guardsStdin, roots, new SparedCookies()));
            assertEquals("[2001@61]", roots.all().toString());
        }
    }

    @Test
    void aFullPipeNeverBlocksAndTheStandDownStillGetsThrough() throws Exception {
        GuardPipe pipe = GuardPipe.open(new NioPipeCalls(java.nio.channels.spi.SelectorProvider.provider(), new NewDescriptors()));
        try (InputStream guardsStdin = new FileInputStream("/proc/self/fd/" + pipe.readFd())) {
            int told = 0;
            while (pipe.tell(new Roots.Root(100_000 + told, 1_000_000).line())) { // no guard reads yet
                told++;
                assertTrue(told < 1_000_000, "a pipe holds at most 1 MiB");
            }
            assertTrue(told > 0);
            guardsStdin.read(new byte[7]); // the guard got the first piece of a line, then the JVM exits
            assertTrue(pipe.standDown(JvmDeathGuard.STAND_DOWN), "emptied, then told");
            pipe.close();
            assertFalse(Guard.awaitEndOfPipe(guardsStdin, new Roots(new FakeProc(), 8), new SparedCookies()), "the guard stands down");
        }
    }

    @Test
    void anInterruptedThreadKeepsThePipeAndItsInterrupt() throws Exception {
        GuardPipe pipe = GuardPipe.open(new NioPipeCalls(java.nio.channels.spi.SelectorProvider.provider(), new NewDescriptors()));
        try (InputStream guardsStdin = new FileInputStream("/proc/self/fd/" + pipe.readFd())) {
            Thread.currentThread().interrupt(); // the application's start ran on an interrupted thread
            boolean told = pipe.tell(new Roots.Root(2001, 61).line());
            assertTrue(Thread.interrupted(), "the application's interrupt is still there");
            assertTrue(told);
            assertTrue(pipe.tell(new Roots.Root(2002, 62).line()), "the pipe is still open");
            pipe.close();
            Roots roots = new Roots(new FakeProc(), 8);
            assertTrue(Guard.awaitEndOfPipe(guardsStdin, roots, new SparedCookies()));
            assertEquals("[2001@61, 2002@62]", roots.all().toString());
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void bothEndsBecomeCloseOnExec() throws Exception {
        GuardPipe pipe = GuardPipe.open(new NioPipeCalls(java.nio.channels.spi.SelectorProvider.provider(), new NewDescriptors()));
        try {
            assertFalse(closeOnExec(pipe.readFd()), "the JDK makes its pipes inheritable");
            pipe.closeOnExec();
            assertTrue(closeOnExec(pipe.readFd()), "the read end");
            assertTrue(closeOnExec(writeEndOf(pipe.readFd())), "the write end");
        } finally {
            pipe.close();
        }
    }

    /** O_CLOEXEC (02000000) in /proc/self/fdinfo's flags. */
    private static boolean closeOnExec(int fd) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/fdinfo", Integer.toString(fd)))) {
            if (line.startsWith("flags:")) {
                return (Integer.parseInt(line.substring("flags:".length()).trim(), 8) & 02000000) != 0;
            }
        }
        throw new IOException("no flags in fdinfo " + fd);
    }

    /** The other descriptor naming the same pipe as {@code readFd}. */
    private static int writeEndOf(int readFd) throws IOException {
        String pipe = Files.readSymbolicLink(Paths.get("/proc/self/fd", Integer.toString(readFd))).toString();
        for (String fd : new java.io.File("/proc/self/fd").list()) {
            try {
                if (!fd.equals(Integer.toString(readFd))
                        && Files.readSymbolicLink(Paths.get("/proc/self/fd", fd)).toString().equals(pipe)) {
                    return Integer.parseInt(fd);
                }
            } catch (IOException gone) {
                // the listing's own descriptor
            }
        }
        throw new IOException("no write end of " + pipe);
    }
}
