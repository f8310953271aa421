package dev.treekill.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sweep finds by the tag alone and kills only what carries it; it runs as root, so this is its guard test. */
@Timeout(60)
class TaggedProcessesTest {
    @Test
    void theSweepKillsWhatCarriesTheTagAndNothingElse() throws Exception {
        TaggedProcesses mine = new TaggedProcesses();
        TaggedProcesses other = new TaggedProcesses(); // another test's tag: not ours to sweep
        Process tagged = mine.shell("sleep 120 & wait");
        Process notOurs = other.shell("sleep 120 & wait");
        try {
            TaggedProcesses.awaitDescendants(tagged, 1);
            TaggedProcesses.awaitDescendants(notOurs, 1);
            List<Long> grandchild = TaggedProcesses.liveDescendants(tagged.pid());
            assertTrue(mine.survivors().contains(tagged.pid()), "found by its tag: " + mine.survivors());
            assertTrue(mine.survivors().containsAll(grandchild), "and what it started: " + mine.survivors());
            assertFalse(mine.survivors().contains(notOurs.pid()), "another tag is not ours");

            mine.afterEach(null);

            assertTrue(tagged.waitFor(30, TimeUnit.SECONDS), "the tagged shell is killed");
            TaggedProcesses.await("the tagged grandchild to die", Duration.ofSeconds(30),
                    () -> grandchild.stream().noneMatch(TaggedProcesses::isLive));
            assertTrue(notOurs.isAlive(), "another tag's process is left alone");
            assertEquals(List.of(), mine.survivors());
        } finally {
            other.afterEach(null);
        }
        assertTrue(notOurs.waitFor(30, TimeUnit.SECONDS));
    }
}
