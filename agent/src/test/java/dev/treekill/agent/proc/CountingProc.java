package dev.treekill.agent.proc;

import java.util.HashMap;

/** The fake /proc, counting every environment and uid read. */
public class CountingProc extends ForwardingProc {
    public final java.util.Map<Integer, Integer> environReads = new HashMap<>();
    public final java.util.Map<Integer, Integer> uidReads = new HashMap<>();

    public CountingProc(FakeProc fake) {
        super(fake);
    }

    @Override
    public int uid(int pid) {
        uidReads.merge(pid, 1, Integer::sum);
        return super.uid(pid);
    }

    @Override
    public String environ(int pid) {
        environReads.merge(pid, 1, Integer::sum);
        return super.environ(pid);
    }
}
