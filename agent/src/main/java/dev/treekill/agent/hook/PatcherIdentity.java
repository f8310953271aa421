package dev.treekill.agent.hook;

/**
 * Which patching code a cached patch came from (see {@link PatchCache}): a digest of the sources that decide
 * what a patched JDK class contains and what it calls ({@link ProcessClassRewriter}, {@link Hooks}, and for
 * ManagementFactory jmx's PlatformServerRewriter and PlatformRegistration).
 * PatcherIdentityTest fails, naming the new value, when one of them changed and this did not: a patch made by
 * another version of the agent is then never used.
 */
final class PatcherIdentity {
    static final String ID = "50026cbc6fd007df";

    private PatcherIdentity() {
    }
}
