package rmsg;

import java.lang.ref.Cleaner;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The life of an object that holds native memory used by one call at a
 * time (a receiver, a batch, a control-message builder): calls take it in
 * turn, and its memory is released exactly once, when it is closed and no
 * call is using it, or when the garbage collector finds the owner
 * unreachable and it was never closed.
 *
 * <p>{@link #close} never waits for a call in progress (which may be
 * blocked in the kernel): it marks the object closed, and the call
 * releases the memory as it leaves. Calls after {@code close} throw
 * {@link IllegalStateException}.
 */
final class Exclusive {
    static final Cleaner CLEANER = Cleaner.create();

    private final ReentrantLock lock = new ReentrantLock();
    private final Cleaner.Cleanable release;
    private final String what;
    private volatile boolean closed;

    /**
     * @param owner the object whose reachability bounds the memory's life
     * @param release frees the memory; must not refer to {@code owner}
     * @param what the object's name, for the closed message
     */
    Exclusive(Object owner, Runnable release, String what) {
        this.release = CLEANER.register(owner, release);
        this.what = what;
    }

    /** Starts a call: waits for the call before it, fails when closed. */
    void enter() {
        lock.lock();
        if (closed) {
            lock.unlock();
            throw new IllegalStateException(what + " is closed");
        }
    }

    /** Ends a call started by {@link #enter}. */
    void exit() {
        try {
            if (closed) {
                release.clean();
            }
        } finally {
            lock.unlock();
        }
        // A close that came while this call held the lock could not
        // release; closed is volatile and was written before that close
        // tried the lock, so it is seen here.
        if (closed && lock.tryLock()) {
            try {
                release.clean();
            } finally {
                lock.unlock();
            }
        }
    }

    /** A call that returns a value and may throw {@code X}. */
    interface Call<T, X extends Throwable> {
        T run() throws X;
    }

    /**
     * Runs {@code call} between {@link #enter} and {@link #exit}, with
     * {@code owner} kept reachable to the end (so that the cleaner cannot
     * release the memory the call uses while it runs).
     */
    <T, X extends Throwable> T run(Object owner, Call<T, X> call) throws X {
        enter();
        try {
            return call.run();
        } finally {
            exit();
            java.lang.ref.Reference.reachabilityFence(owner);
        }
    }

    void close() {
        closed = true;
        if (lock.tryLock()) {
            try {
                release.clean();
            } finally {
                lock.unlock();
            }
        }
    }

    boolean isClosed() {
        return closed;
    }
}
