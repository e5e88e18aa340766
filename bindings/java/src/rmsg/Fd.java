package rmsg;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file descriptor that this object owns: one received in a message
 * ({@code SCM_RIGHTS}, {@code SCM_PIDFD}), or one handed to it with
 * {@link #adopt}. {@link #close} closes it (once; later calls do nothing),
 * {@link #detach} hands the number to the caller, who must then close it.
 *
 * <p>An {@code Fd} that becomes unreachable while it still owns its
 * descriptor has it closed by a {@link Cleaner}, so a forgotten one does
 * not leak; close or detach explicitly all the same, and keep the object
 * reachable while using the number from {@link #value}.
 */
public final class Fd implements AutoCloseable {
    /** The number, or -1 once closed or detached; closes it when run. */
    private static final class Owned implements Runnable {
        final AtomicInteger fd;

        Owned(int fd) {
            this.fd = new AtomicInteger(fd);
        }

        @Override
        public void run() {
            int f = fd.getAndSet(-1);
            if (f >= 0) {
                Native.closeQuietly(f);
            }
        }
    }

    private final Owned owned;
    private final Cleaner.Cleanable cleanable;

    private Fd(int fd) {
        owned = new Owned(fd);
        cleanable = Exclusive.CLEANER.register(this, owned);
    }

    /**
     * Takes ownership of descriptor {@code fd}: the returned object closes
     * it.
     *
     * @throws IllegalArgumentException if {@code fd} is negative
     */
    public static Fd adopt(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("a file descriptor is not negative: " + fd);
        }
        return new Fd(fd);
    }

    /**
     * The descriptor number, still owned by this object.
     *
     * @throws IllegalStateException once closed or detached
     */
    public int value() {
        int f = owned.fd.get();
        if (f < 0) {
            throw new IllegalStateException("the Fd is closed or detached");
        }
        return f;
    }

    /**
     * Gives up ownership and returns the number, which the caller must
     * close. The object is then closed.
     *
     * @throws IllegalStateException once closed or detached
     */
    public int detach() {
        int f = owned.fd.getAndSet(-1);
        if (f < 0) {
            throw new IllegalStateException("the Fd is closed or detached");
        }
        cleanable.clean(); // nothing left to close: only unregisters
        return f;
    }

    /** True until closed or detached. */
    public boolean isOpen() {
        return owned.fd.get() >= 0;
    }

    /** Closes the descriptor if this object still owns it. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        int f = owned.fd.get();
        return f < 0 ? "Fd[closed]" : "Fd[" + f + "]";
    }
}
