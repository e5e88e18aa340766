package rmsg;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;

/**
 * Receives message after message from one socket into native buffers
 * allocated once ({@code rmsg_receiver_*}): no allocation on the C side per
 * message. Made by {@link MessageSocket#receiver}.
 *
 * <p>Memory: the library's receiver and this object's scratch memory (a
 * shared {@link Arena}) live until {@link #close}, or until the object is
 * unreachable if it is never closed. The {@link Message}s it returns do not
 * point into them: their data is in the caller's destination, their items
 * are Java objects, their descriptors are owned by their {@link Fd}s.
 *
 * <p>Threads: calls take the receiver in turn (a second thread waits for
 * the first's receive to return); {@code close} does not wait.
 */
public final class Receiver implements AutoCloseable {
    private record Release(Arena arena, MemorySegment receiver) implements Runnable {
        @Override
        public void run() {
            Native.receiverFree(receiver); // closes descriptors never taken
            arena.close();
        }
    }

    private final MessageSocket socket;
    private final int bufsize;
    private final MemorySegment receiver;
    private final MemorySegment options;
    private final MemorySegment out;
    private final Decoder decoder;
    private final Exclusive guard;

    Receiver(MessageSocket socket, int bufsize, int ancbufsize) throws IOException {
        if (bufsize < 0 || ancbufsize < 0) {
            throw new IllegalArgumentException("sizes are not negative: bufsize " + bufsize
                    + ", ancbufsize " + ancbufsize);
        }
        this.socket = socket;
        this.bufsize = bufsize;
        Arena arena = Arena.ofShared();
        try {
            out = arena.allocate(ADDRESS);
            options = arena.allocate(Layouts.RECV_OPTIONS);
            int s = Native.receiverNew(bufsize, ancbufsize, MemorySegment.NULL, out);
            if (s != Errors.OK) {
                throw Errors.status("rmsg_receiver_new", s);
            }
            receiver = out.get(ADDRESS, 0);
            decoder = new Decoder(arena);
        } catch (Throwable t) {
            arena.close();
            throw t;
        }
        guard = new Exclusive(this, new Release(arena, receiver), "the receiver");
    }

    /** The most data bytes one message brings. */
    public int bufferSize() {
        return bufsize;
    }

    /** {@link #receive(ByteBuffer, int)} with no flags. */
    public Message receive(ByteBuffer dst) throws IOException {
        return receive(dst, 0);
    }

    /**
     * Receives one message; its data is copied to the buffer at its
     * position, which moves past it.
     *
     * @throws IllegalArgumentException if the buffer has less room than
     *     {@link #bufferSize}
     */
    public Message receive(ByteBuffer dst, int flags) throws IOException {
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        Message m = receive(MemorySegment.ofBuffer(dst), flags);
        dst.position(dst.position() + m.length());
        return m;
    }

    /** {@link #receive(MemorySegment, int)} with no flags. */
    public Message receive(MemorySegment dst) throws IOException {
        return receive(dst, 0);
    }

    /**
     * Receives one message; its data is copied to the start of {@code dst}.
     *
     * @throws IllegalArgumentException if {@code dst} is read-only or
     *     smaller than {@link #bufferSize}
     */
    public Message receive(MemorySegment dst, int flags) throws IOException {
        MessageSocket.checkDestination(dst, bufsize);
        guard.enter();
        try {
            socket.acquire();
            try {
                socket.writeReceiveWait(options);
                int s = Native.receiverRecv(receiver, socket.fd, flags, options, out);
                if (s != Errors.OK) {
                    throw Errors.status("rmsg_receiver_recv", s);
                }
                return decoder.decode(out.get(ADDRESS, 0), dst, 0, -1);
            } finally {
                socket.release();
            }
        } finally {
            guard.exit();
            Reference.reachabilityFence(this);
        }
    }

    /** Frees the native buffers (closing descriptors of the last message never taken). */
    @Override
    public void close() {
        guard.close();
    }
}
