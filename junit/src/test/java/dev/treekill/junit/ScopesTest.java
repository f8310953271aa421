package dev.treekill.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which scope a start belongs to, by the thread that made it. */
class ScopesTest {
    private final Scopes scopes = new Scopes();

    @Test
    void theInnermostOpenScopeOfTheStartingThreadTakesIt() {
        Scope cls = scopes.push("Cls", null);
        Scope test = scopes.push("Cls.test()", cls);
        Process inTest = new Dummy();
        scopes.accept(inTest);
        scopes.pop(test);
        Process inClass = new Dummy();
        scopes.accept(inClass);
        scopes.pop(cls);

        assertEquals(List.of(inTest), owned(test));
        assertEquals(List.of(inClass), owned(cls));
    }

    @Test
    void aThreadCreatedDuringATestStartsForItThenForTheClassThenForTheRun() throws Exception {
        Scope cls = scopes.push("Cls", null);
        Scope test = scopes.push("Cls.test()", cls);
        ExecutorService executor = Executors.newSingleThreadExecutor(); // its thread is created at the first submit
        try {
            Process duringTest = startOn(executor);
            scopes.pop(test);
            List<Process> testOwned = owned(test);
            Process afterTest = startOn(executor);
            scopes.pop(cls);
            List<Process> classOwned = owned(cls);
            Process afterClass = startOn(executor);

            assertEquals(List.of(duringTest), testOwned);
            assertEquals(List.of(afterTest), classOwned);
            assertEquals(List.of(afterClass), owned(scopes.suite()));
        } finally {
            executor.shutdownNow();
        }
    }

    /** A JUnit worker waiting inside class B runs a test of class A: afterwards A owns that test's leftovers. */
    @Test
    void aTestRunOnAWorkerInsideAnotherClassLeavesItsThreadsToItsOwnClass() throws Exception {
        Scope classA = scopes.push("A", null);
        scopes.pop(classA); // A runs on another worker; this one goes on with B
        Scope classB = scopes.push("B", null);
        Scope testOfA = scopes.push("A.test()", classA);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Process duringTest = startOn(executor);
            scopes.pop(testOfA);
            List<Process> testOwned = owned(testOfA);
            Process afterTest = startOn(executor);
            Process onWorker = new Dummy();
            scopes.accept(onWorker);

            assertEquals(List.of(duringTest), testOwned);
            assertEquals(List.of(afterTest), owned(classA));
            assertEquals(List.of(onWorker), owned(classB), "the worker is back in B");
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void aThreadThatNeverHadAScopeStartsForTheRun() throws Exception {
        Scope test = scopes.push("Cls.test()", null);
        Process p = new Dummy();
        scopes.pop(test);
        Thread stranger = new Thread(() -> scopes.accept(p)); // created outside any scope
        stranger.start();
        stranger.join();

        assertEquals(List.of(), owned(test));
        assertEquals(List.of(p), owned(scopes.suite()));
    }

    @Test
    void aNewRunGetsANewSuiteScope() {
        Scope first = scopes.suite();
        assertEquals(first, scopes.newSuite());
        Process p = new Dummy();
        scopes.accept(p);
        assertEquals(List.of(), owned(first));
        assertEquals(List.of(p), owned(scopes.suite()));
    }

    private Process startOn(ExecutorService executor) throws Exception {
        Process p = new Dummy();
        executor.submit(() -> scopes.accept(p)).get(10, TimeUnit.SECONDS);
        return p;
    }

    /** A value standing for a started process: attribution never calls it. */
    private static final class Dummy extends Process {
        @Override
        public OutputStream getOutputStream() {
            throw new UnsupportedOperationException();
        }

        @Override
        public InputStream getInputStream() {
            throw new UnsupportedOperationException();
        }

        @Override
        public InputStream getErrorStream() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int waitFor() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int exitValue() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void destroy() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void aStartRemembersTheThreadThatMadeIt() throws Exception {
        Scope test = scopes.push("Cls.test()", null);
        Process p = new Dummy();
        Thread starter = new Thread(() -> scopes.accept(p), "starter");
        starter.start();
        starter.join();
        assertEquals(java.util.Map.of(p, "starter"), test.close());
    }

    /** What the scope owned, in start order. */
    private static List<Process> owned(Scope scope) {
        return new java.util.ArrayList<>(scope.close().keySet());
    }
}
