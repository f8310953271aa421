package dev.treekill.internal;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Paths;

/**
 * Where the agent jar to attach is: the {@code treekill.agentJar} system property if set, else the
 * treekill-agent jar on the class path (a dependency of treekill-library), found through one of its
 * resources without loading any of its classes here.
 */
final class AgentJar {
    static final String PROPERTY = "treekill.agentJar";
    /** A resource only the agent jar has; read as a resource, never loaded as a class from here. */
    private static final String MARKER = "dev/treekill/agent/TreeKillAgent.class";

    private AgentJar() {
    }

    /** The jar file; throws IllegalStateException saying where it looked. */
    static File locate() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isEmpty()) {
            File jar = new File(configured);
            if (!jar.isFile()) {
                throw new IllegalStateException(PROPERTY + "=" + configured + " is not a file");
            }
            return jar;
        }
        ClassLoader loader = AgentJar.class.getClassLoader();
        URL marker = loader == null ? ClassLoader.getSystemResource(MARKER) : loader.getResource(MARKER);
        if (marker == null) {
            throw new IllegalStateException("treekill-agent is not on the class path (it is a dependency of "
                    + "treekill-library) and " + PROPERTY + " is not set");
        }
        String url = marker.toString();
        if (!url.startsWith("jar:file:")) {
            throw new IllegalStateException("treekill-agent is on the class path as " + url + ", not as its jar "
                    + "(a reactor build before `package`?); build the jar or set " + PROPERTY);
        }
        try {
            return Paths.get(new URL(url.substring("jar:".length(), url.indexOf("!/"))).toURI()).toFile();
        } catch (java.net.MalformedURLException | URISyntaxException e) {
            throw new IllegalStateException("cannot make a file of " + url, e);
        }
    }
}
