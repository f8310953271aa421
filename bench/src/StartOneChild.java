/** Start-up probe: a JVM that starts one child process (the agent's hooks load with the first one). */
public final class StartOneChild {
    public static void main(String[] args) throws Exception {
        new ProcessBuilder("/bin/true").start().waitFor();
    }
}
