package dev.treekill.demo;

/** What one destroyForcibly() did to the demo tree, as the single line the demo ends with. */
final class DemoResult {
    private final int treeSize;
    private final int survivors;
    private final boolean portFree;
    private final long elapsedMillis;
    private final boolean agentOn;

    DemoResult(int treeSize, int survivors, boolean portFree, long elapsedMillis, boolean agentOn) {
        this.treeSize = treeSize;
        this.survivors = survivors;
        this.portFree = portFree;
        this.elapsedMillis = elapsedMillis;
        this.agentOn = agentOn;
    }

    String line() {
        return "treekill-demo: tree=" + treeSize
                + " survivors=" + survivors
                + " port_free=" + portFree
                + " elapsed_ms=" + elapsedMillis
                + " agent=" + (agentOn ? "on" : "off");
    }
}
