package rmsg;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * What {@link Receiver} and {@link BatchReceiver} share: the library's
 * handle, made once and freed once, and the scratch memory of its decoder
 * and options, in a shared {@link Arena} that lives as long as the handle
 * (until {@code close}, or until the object is unreachable if it is never
 * closed); and the way a receive runs: one at a time on the object, the
 * socket held open for it, the socket's timeout passed in.
 */
abstract sealed class NativeReceiver implements AutoCloseable permits Receiver, BatchReceiver {
    /** Makes the library's handle: writes it to {@code out}, returns the status. */
    interface Maker {
        int make(MemorySegment options, MemorySegment out);
    }

    private record Release(Arena arena, MemorySegment handle, Consumer<MemorySegment> free) implements Runnable {
        @Override
        public void run() {
            free.accept(handle); // closes descriptors never taken
            arena.close();
        }
    }

    final MessageSocket socket;
    final MemorySegment handle;
    final MemorySegment options;
    final Arena arena;
    final Decoder decoder;
    /**
     * Receives hand out the messages' views ({@code rmsg_*_recv_view*}) and
     * are decoded from them (true, always, but for the tests: false takes
     * the plain receive and the per-item decode, which they compare with).
     */
    boolean viaView = true;
    private final Exclusive guard;

    /**
     * @param operation the maker's C name, for errors
     * @param free the library function that frees the handle
     * @param what the object's name, for the closed message
     */
    NativeReceiver(MessageSocket socket, String operation, Maker maker, Consumer<MemorySegment> free, String what)
            throws IOException {
        this.socket = socket;
        Arena a = Arena.ofShared();
        try {
            MemorySegment out = a.allocate(ADDRESS);
            int s = maker.make(MemorySegment.NULL, out);
            if (s != Errors.OK) {
                throw Errors.status(operation, s);
            }
            handle = out.get(ADDRESS, 0);
            options = a.allocate(Layouts.RECV_OPTIONS);
            decoder = new Decoder(a);
        } catch (Throwable t) {
            a.close();
            throw t;
        }
        arena = a;
        guard = new Exclusive(this, new Release(a, handle, free), what);
    }

    /** A receive call on the library's handle: {@code options} hold the socket's timeout. */
    interface Receive<T> {
        T run() throws IOException;
    }

    /** Runs {@code receive} with the object to itself and the socket held open. */
    final <T> T receiving(MemorySegment dst, long room, Receive<T> receive) throws IOException {
        MessageSocket.checkDestination(dst, room);
        return guard.run(this, () -> socket.using(() -> {
            socket.writeReceiveWait(options);
            return receive.run();
        }));
    }

    /** Frees the native memory, closing descriptors never taken (after the receive in progress, if any). */
    @Override
    public void close() {
        guard.close();
    }
}
