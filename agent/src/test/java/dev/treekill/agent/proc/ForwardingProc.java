package dev.treekill.agent.proc;

/** A {@link ProcSource} that hands every call to another one: tests override the calls they script. */
public class ForwardingProc implements ProcSource {
    private final ProcSource to;

    public ForwardingProc(ProcSource to) {
        this.to = to;
    }

    @Override
    public int[] pids() {
        return to.pids();
    }

    @Override
    public String stat(int pid) {
        return to.stat(pid);
    }

    @Override
    public boolean hasChildrenFiles() {
        return to.hasChildrenFiles();
    }

    @Override
    public int[] children(int pid, boolean allThreads) {
        return to.children(pid, allThreads);
    }

    @Override
    public String threadStates(int pid) {
        return to.threadStates(pid);
    }

    @Override
    public String wchan(int pid) {
        return to.wchan(pid);
    }

    @Override
    public long openFilesLimit() {
        return to.openFilesLimit();
    }

    @Override
    public int uid(int pid) {
        return to.uid(pid);
    }

    @Override
    public int tgid(int pid) {
        return to.tgid(pid);
    }

    @Override
    public String environ(int pid) {
        return to.environ(pid);
    }

    @Override
    public long ticksSinceBoot() {
        return to.ticksSinceBoot();
    }
}
