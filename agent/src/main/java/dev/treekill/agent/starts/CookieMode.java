package dev.treekill.agent.starts;

/** Whether the processes the JDK starts carry cookies ({@code cookie=true}, the default). */
public enum CookieMode {
    /** Every start gets its own {@code TREEKILL_COOKIE}; escapees are found by it. */
    ON,
    /** No cookie is added; escapees are found only as adopted orphans, where this JVM adopts them. */
    OFF;

    public boolean on() {
        return this == ON;
    }

    public static CookieMode of(boolean on) {
        return on ? ON : OFF;
    }
}
