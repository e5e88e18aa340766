package rmsg;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Receives up to {@link #capacity} messages with one {@code recvmmsg(2)}
 * ({@code rmsg_batch_*}), into native buffers allocated once. Made by
 * {@link MessageSocket#batchReceiver}.
 *
 * <p>A receive waits as the socket's receive timeout says for the first
 * message only, then takes what else is queued. Each message is complete
 * on its own: data, flags ({@code MSG_TRUNC}, {@code MSG_CTRUNC}), source,
 * items and descriptors. The receive hands out every message's view in
 * the same call ({@code rmsg_batch_recv_views}), from which the common
 * kinds are read without a call per item (see {@code Decoder}).
 *
 * <p>Memory, threads and closing: as for {@link Receiver}.
 */
public final class BatchReceiver extends NativeReceiver {
    private final int capacity;
    private final int bufsize;
    private final MemorySegment count;
    /** Where {@code rmsg_batch_recv_views} writes its array of view pointers. */
    private final MemorySegment views;

    BatchReceiver(MessageSocket socket, int capacity, int bufsize, int ancbufsize) throws IOException {
        super(socket, "rmsg_batch_new", (options, out) -> Native.batchNew(checked(capacity, bufsize, ancbufsize),
                bufsize, ancbufsize, options, out), Native::batchFree, "the batch receiver");
        this.capacity = capacity;
        this.bufsize = bufsize;
        this.count = arena.allocate(JAVA_LONG);
        this.views = arena.allocate(ADDRESS);
    }

    private static long checked(int capacity, int bufsize, int ancbufsize) {
        if (capacity < 1 || capacity > 1024 || bufsize < 0 || ancbufsize < 0) {
            throw new IllegalArgumentException("a batch has 1 to 1024 messages and sizes that are not negative: "
                    + "count " + capacity + ", bufsize " + bufsize + ", ancbufsize " + ancbufsize);
        }
        return capacity;
    }

    /** The most messages one receive brings. */
    public int capacity() {
        return capacity;
    }

    /** The most data bytes of one message. */
    public int bufferSize() {
        return bufsize;
    }

    /** The room a destination needs: {@code capacity() * bufferSize()} bytes. */
    public long room() {
        return (long) capacity * bufsize;
    }

    /** {@link #receive(ByteBuffer, int)} with no flags. */
    public List<Message> receive(ByteBuffer dst) throws IOException {
        return receive(dst, 0);
    }

    /**
     * Receives up to {@link #capacity} messages (at least one); their data
     * is copied one after the other to the buffer from its position, which
     * moves past them.
     *
     * @throws IllegalArgumentException if the buffer has less room than {@link #room}
     */
    public List<Message> receive(ByteBuffer dst, int flags) throws IOException {
        List<Message> got = receive(MessageSocket.segmentOf(dst), flags);
        long used = 0;
        for (Message m : got) {
            used += m.length();
        }
        dst.position(dst.position() + (int) used);
        return got;
    }

    /** {@link #receive(MemorySegment, int)} with no flags. */
    public List<Message> receive(MemorySegment dst) throws IOException {
        return receive(dst, 0);
    }

    /**
     * Receives up to {@link #capacity} messages (at least one); their data
     * is copied one after the other to {@code dst} from its start.
     *
     * @throws IllegalArgumentException if {@code dst} is read-only or
     *     smaller than {@link #room}
     */
    public List<Message> receive(MemorySegment dst, int flags) throws IOException {
        return receiving(dst, room(), () -> {
            int s = viaView
                    ? Native.batchRecvViews(handle, socket.fd, flags, options, Decoder.VIEW_BYTES, views, count)
                    : Native.batchRecv(handle, socket.fd, flags, options, count);
            if (s != Errors.OK) {
                throw Errors.status(viaView ? "rmsg_batch_recv_views" : "rmsg_batch_recv", s);
            }
            int n = (int) count.get(JAVA_LONG, 0);
            MemorySegment array = viaView ? views.get(ADDRESS, 0).reinterpret((long) n * ADDRESS.byteSize()) : null;
            List<Message> out = new ArrayList<>(n);
            long offset = 0;
            try {
                for (int i = 0; i < n; i++) {
                    Message m = array != null ? decoder.decodeView(array.getAtIndex(ADDRESS, i), dst, offset)
                            : decoder.decode(Native.batchMessage(handle, i), dst, offset, -1);
                    out.add(m);
                    offset += m.length();
                }
            } catch (Throwable t) {
                // Descriptors already taken are closed here; the rest stay
                // with the batch, which closes them.
                for (Message m : out) {
                    m.close();
                }
                throw t;
            }
            return out;
        });
    }
}
