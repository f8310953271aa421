package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.treekill.mbeans.KillReport;
import dev.treekill.mbeans.TreeKillerMXBean;
import dev.treekill.testing.TaggedProcesses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.Notification;
import javax.management.NotificationListener;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reap-timeout notification through a real remote JMX connection to a JVM with the agent: a listener
 * hears of a wait that timed out, for real.
 */
@Timeout(150)
class JmxNotificationIT {
    /** A tree whose dd holds 256 MB: see {@link #aTimedOutWaitSendsTheReapTimeoutNotification}. */
    private static final String HEAVY = "heavy256";
    /** Measured: 60 of 60 first attempts timed out here (20 of them with both cores busy); each attempt is a fresh tree. */
    private static final int MAX_TIMEOUT_ATTEMPTS = 4;

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    /**
     * A wait that times out, for real: timeoutMillis=1 on a tree with a process holding 256 MB, which takes
     * tens of ms to exit after SIGKILL while the kernel frees its memory (measured: ~50 ms on 2 cores; a tree of
     * sleeps alone is not reliable, it often exits within the 1 ms). Should a kill still finish in time, a fresh
     * tree is tried (a bounded number of times).
     */
    @OnEachJdk
    void aTimedOutWaitSendsTheReapTimeoutNotification(Jdk jdk) throws Exception {
        Served app = Served.trees(JvmRunner.on(jdk, tagged).agent(null), HEAVY);
        try {
            long root = app.root;
            try (JmxClient jmx = JmxClient.connect(app.pid)) {
                TreeKillerMXBean bean = jmx.proxy();
                BlockingQueue<Notification> received = new LinkedBlockingQueue<>();
                NotificationListener listener = (n, handback) -> received.add(n);
                jmx.server.addNotificationListener(JmxClient.NAME, listener, null, "handback");
                List<String> attempts = new ArrayList<>();
                for (int attempt = 1; ; attempt++) {
                    Set<Long> tree = new HashSet<>(TaggedProcesses.liveDescendants(root));
                    tree.add(root);
                    assertEquals(3, tree.size(), "sh, dd, sleep");
                    long dd = tree.stream().filter(p -> ProcessHandle.of(p).flatMap(h -> h.info().command())
                            .map(c -> c.endsWith("/dd")).orElse(false)).findFirst().orElseThrow();
                    KillReport report = bean.killTree(root, 1);
                    attempts.add(report.toString());
                    if (report.isTimedOut()) {
                        System.out.println(jdk + ": reap timeout forced on attempt " + attempt + ", " + report.getSurvivors().length
                                + " of " + report.getSignalled() + " processes still exiting");
                        assertTrue(Arrays.stream(report.getSurvivors()).anyMatch(p -> p == dd), () -> "dd survives the 1 ms: " + report);
                        Notification n = received.poll(30, TimeUnit.SECONDS);
                        assertNotNull(n, "no notification within 30 s after " + report);
                        assertEquals(TreeKillerMXBean.REAP_TIMEOUT_NOTIFICATION, n.getType());
                        assertEquals(JmxClient.NAME, n.getSource());
                        long[] pids = assertInstanceOf(long[].class, n.getUserData());
                        assertArrayEquals(report.getSurvivors(), pids, "userData: the pids still alive");
                        for (long p : pids) {
                            assertTrue(tree.contains(p), () -> p + " is not in the tree");
                        }
                        assertTrue(n.getMessage().contains("tree of pid " + root), n.getMessage());
                        assertEquals(1L, bean.getReapTimeouts(), "ReapTimeouts");
                        assertEquals((long) attempt, bean.getTreesKilled());
                        // SIGKILL was sent: the stragglers still go, the wait was only too short.
                        TaggedProcesses.await("the timed-out tree to be gone", Duration.ofSeconds(30),
                                () -> tree.stream().noneMatch(TaggedProcesses::isLive));
                        assertNull(received.poll(), "one notification per timed-out wait");
                        break;
                    }
                    assertNull(received.poll(), "a wait that did not time out sends no notification");
                    if (attempt == MAX_TIMEOUT_ATTEMPTS) {
                        fail("could not force a reap timeout in " + attempt + " attempts: " + attempts);
                    }
                    app.app.send(HEAVY);
                    root = Served.nextRoot(app.app);
                }
                jmx.server.removeNotificationListener(JmxClient.NAME, listener);
            }
        } finally {
            app.app.kill();
        }
    }
}
