package dev.treekill.mbeans;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.mbeans.JmxFixture.Via;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.Notification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The reap-timeout notification as listeners see it, in-process and remote. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TreeKillerBeanNotificationTest {
    private final BlockingQueue<Notification> received = new LinkedBlockingQueue<>();
    @RegisterExtension
    final JmxFixture jmx = new JmxFixture();

    private void listen(Via via) throws Exception {
        jmx.connection(via).addNotificationListener(TreeKillerBean.objectName(),
                (notification, handback) -> received.add(notification), null, null);
    }

    private Notification next() throws InterruptedException {
        Notification notification = received.poll(20, TimeUnit.SECONDS);
        assertNotNull(notification, "no notification arrived");
        return notification;
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void aTimedOutJmxKillNotifiesWithTheObjectNameAsSourceAndTheSurvivors(Via via) throws Exception {
        listen(via);
        jmx.backend.timeOutNextKill(4243, 4244);
        assertTrue(jmx.proxy(via).killTree(4242, 200).isTimedOut());

        Notification notification = next();
        assertEquals("dev.treekill.reap.timeout", notification.getType());
        assertEquals(TreeKillerBean.objectName(), notification.getSource());
        assertEquals("tree of pid 4242: 2 processes still alive after 200 ms", notification.getMessage());
        assertArrayEquals(new long[] {4243, 4244}, (long[]) notification.getUserData());
        assertEquals(1, notification.getSequenceNumber());
    }

    @Test
    void theSourceIsTheObjectNameEvenBeforeTheMBeanServerSeesTheNotification() throws Exception {
        // The server rewrites a source that is the bean object for its own listeners; a listener on
        // the bean itself shows what was really sent.
        jmx.bean.addNotificationListener((notification, handback) -> received.add(notification), null, null);
        jmx.backend.instrumentedKillTimesOut(77, 78, 79);
        Notification notification = next();
        assertEquals(TreeKillerBean.objectName(), notification.getSource());
        assertEquals("tree of pid 77: 2 processes still alive after 30000 ms", notification.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void onlyTimedOutKillsNotifyWhateverTheirTriggerWithIncreasingSequenceNumbers(Via via) throws Exception {
        listen(via);
        jmx.proxy(via).killTree(4242, 200);
        jmx.backend.instrumentedKillTimesOut(77, 78);
        jmx.backend.timeOutNextKill(91);
        jmx.proxy(via).killDescendants(300);

        Notification instrumented = next();
        assertEquals("tree of pid 77: 1 process still alive after 30000 ms", instrumented.getMessage());
        assertEquals(1, instrumented.getSequenceNumber(), "the kill that did not time out sent nothing");
        Notification jmxKill = next();
        assertArrayEquals(new long[] {91}, (long[]) jmxKill.getUserData());
        assertEquals(2, jmxKill.getSequenceNumber());
        assertNull(received.poll(200, TimeUnit.MILLISECONDS), "one notification per timed-out kill");
    }
}
