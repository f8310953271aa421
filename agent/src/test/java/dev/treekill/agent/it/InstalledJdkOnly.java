package dev.treekill.agent.it;

import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * Skips a parameterized run whose {@link Jdk} argument is not installed on this machine, before the test's body:
 * the run is reported as skipped with where the JDK was looked for, never failed, and never half run.
 */
public final class InstalledJdkOnly implements InvocationInterceptor {
    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
            ReflectiveInvocationContext<Method> invocationContext, ExtensionContext extensionContext) throws Throwable {
        for (Object argument : invocationContext.getArguments()) {
            if (argument instanceof Jdk && !((Jdk) argument).installed()) {
                invocation.skip(); // JUnit wants every invocation either run or skipped
                ((Jdk) argument).assumeInstalled(); // throws TestAbortedException: a skipped run
            }
        }
        invocation.proceed();
    }
}
