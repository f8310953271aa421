/** Start-up probe: a JVM that does nothing. */
public final class StartNone {
    public static void main(String[] args) {
    }
}
