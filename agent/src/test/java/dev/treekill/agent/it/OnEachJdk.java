package dev.treekill.agent.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JDK matrix of an integration test: it runs once per JDK of {@link Jdk#all()}, named by the JDK ({@code jdk17},
 * {@code jdk25}), and takes that {@link Jdk} as its first parameter, already known to be installed: on a machine
 * without it the run is skipped (reported, not failed) before the test's body (see {@link InstalledJdkOnly}).
 * A test whose matrix has more dimensions keeps its own {@code @ParameterizedTest @MethodSource} (built on
 * {@code Jdk.all()}) and adds {@code @ExtendWith(InstalledJdkOnly.class)}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@MethodSource("dev.treekill.agent.it.Jdk#all")
@ExtendWith(InstalledJdkOnly.class)
public @interface OnEachJdk {
}
