package rmsg;

import java.util.Iterator;
import java.util.List;

/**
 * Every descriptor one received message brought ({@code SCM_RIGHTS} items
 * and {@code SCM_PIDFD}), in the order the kernel wrote them: the caller
 * owns them. {@link #close} closes those not detached; a {@link Message}'s
 * {@code close} does the same. The {@link Fd} objects are the ones the
 * message's {@link ControlItem.Rights} and {@link ControlItem.PidFd} items
 * hold.
 */
public final class Descriptors implements AutoCloseable, Iterable<Fd> {
    static final Descriptors NONE = new Descriptors(List.of());

    private final List<Fd> fds;

    Descriptors(List<Fd> fds) {
        this.fds = List.copyOf(fds);
    }

    /** How many descriptors the message brought (closed ones included). */
    public int size() {
        return fds.size();
    }

    public boolean isEmpty() {
        return fds.isEmpty();
    }

    /** Descriptor {@code i}, in kernel order. */
    public Fd get(int i) {
        return fds.get(i);
    }

    /** The descriptors as a list (unmodifiable). */
    public List<Fd> asList() {
        return fds;
    }

    @Override
    public Iterator<Fd> iterator() {
        return fds.iterator();
    }

    /**
     * Detaches every descriptor still open and returns their numbers, which
     * the caller must close.
     */
    public int[] detachAll() {
        return fds.stream().filter(Fd::isOpen).mapToInt(Fd::detach).toArray();
    }

    /** Closes every descriptor not detached. */
    @Override
    public void close() {
        for (Fd f : fds) {
            f.close();
        }
    }

    @Override
    public String toString() {
        return "Descriptors" + fds;
    }
}
