package dev.treekill.internal;

/**
 * The treekill agent is not active in this JVM and could not be installed into it (no attach support, a
 * JVM started with {@code -XX:+DisableAttachMechanism}, an agent jar that cannot be found). The message says
 * why and what to do instead: add {@code -javaagent:treekill-agent.jar} to the JVM's command line.
 */
public final class AgentUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    AgentUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
