import java.lang.instrument.Instrumentation;

/** The baseline for the agent's start-up cost: a -javaagent that does nothing. */
public final class EmptyAgent {
    public static void premain(String options, Instrumentation inst) {
    }
}
