package rmsg;

import static java.lang.foreign.ValueLayout.ADDRESS;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Receives message after message from one socket into native buffers
 * allocated once ({@code rmsg_receiver_*}): no allocation on the C side per
 * message. Made by {@link MessageSocket#receiver}. Each receive hands out
 * the message's view ({@code rmsg_receiver_recv_view}), from which the
 * common kinds are read without a call per item (see {@code Decoder}).
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
public final class Receiver extends NativeReceiver {
    private final int bufsize;
    private final MemorySegment out;

    Receiver(MessageSocket socket, int bufsize, int ancbufsize) throws IOException {
        super(socket, "rmsg_receiver_new", (options, out) -> Native.receiverNew(checked(bufsize, ancbufsize),
                ancbufsize, options, out), Native::receiverFree, "the receiver");
        this.bufsize = bufsize;
        this.out = arena.allocate(ADDRESS);
    }

    private static long checked(int bufsize, int ancbufsize) {
        if (bufsize < 0 || ancbufsize < 0) {
            throw new IllegalArgumentException("sizes are not negative: bufsize " + bufsize
                    + ", ancbufsize " + ancbufsize);
        }
        return bufsize;
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
        Message m = receive(MessageSocket.segmentOf(dst), flags);
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
        return receiving(dst, bufsize, () -> {
            if (viaView) {
                int s = Native.receiverRecvView(handle, socket.fd, flags, options, Decoder.VIEW_BYTES, out);
                if (s != Errors.OK) {
                    throw Errors.status("rmsg_receiver_recv_view", s);
                }
                return decoder.decodeView(out.get(ADDRESS, 0), dst, 0);
            }
            int s = Native.receiverRecv(handle, socket.fd, flags, options, out);
            if (s != Errors.OK) {
                throw Errors.status("rmsg_receiver_recv", s);
            }
            return decoder.decode(out.get(ADDRESS, 0), dst, 0, -1);
        });
    }
}
