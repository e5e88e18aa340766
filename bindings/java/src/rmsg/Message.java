package rmsg;

import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One received message: what {@code recvmsg(2)} gave, decoded.
 *
 * @param data where the data landed: a slice of the destination the caller
 *     passed ({@link java.nio.ByteBuffer} or {@link MemorySegment}); not a copy
 * @param nbytes what the kernel returned: the data length, or the datagram's
 *     full length when {@code MSG_TRUNC} was passed in the flags
 * @param flags {@code msg_flags} as the kernel returned them ({@link MsgFlags})
 * @param malformed the walk over the control bytes stopped at a malformed header
 * @param source the sender's address, or null when the kernel gave none
 *     (a connected stream); see {@link MessageSocket} for the types
 * @param items the control items, in the order the kernel wrote them
 * @param fds the descriptors the message brought, owned by the caller
 */
public record Message(MemorySegment data, long nbytes, int flags, boolean malformed, SocketAddress source,
        List<ControlItem> items, Descriptors fds) implements AutoCloseable {

    public Message {
        items = List.copyOf(items);
    }

    /** The number of data bytes received ({@code data().byteSize()}). */
    public int length() {
        return (int) data.byteSize();
    }

    /** A copy of the data. */
    public byte[] bytes() {
        return data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    /** {@code MSG_TRUNC}: the datagram was longer than the buffer, and its end is lost. */
    public boolean truncated() {
        return (flags & MsgFlags.MSG_TRUNC) != 0;
    }

    /**
     * {@code MSG_CTRUNC}: control data did not fit (or descriptors could
     * not be installed); what arrived is still here and owned.
     */
    public boolean controlTruncated() {
        return (flags & MsgFlags.MSG_CTRUNC) != 0;
    }

    /** The first item of the given type. */
    public <T extends ControlItem> Optional<T> item(Class<T> type) {
        for (ControlItem i : items) {
            if (type.isInstance(i)) {
                return Optional.of(type.cast(i));
            }
        }
        return Optional.empty();
    }

    /**
     * The datagrams of a coalesced UDP receive ({@code UDP_GRO}): slices of
     * {@link #data} of the item's segment size, the last possibly shorter;
     * the whole data as one segment when the message has no such item.
     */
    public List<MemorySegment> segments() {
        int size = item(ControlItem.UdpGro.class).map(ControlItem.UdpGro::segmentSize).orElse(0);
        long len = data.byteSize();
        if (size <= 0 || len == 0) {
            return List.of(data);
        }
        List<MemorySegment> out = new ArrayList<>((int) ((len + size - 1) / size));
        for (long off = 0; off < len; off += size) {
            out.add(data.asSlice(off, Math.min(size, len - off)));
        }
        return out;
    }

    @Override
    public String toString() {
        return "Message[" + length() + " bytes" + (nbytes != length() ? " of " + nbytes : "")
                + ", flags 0x" + Integer.toHexString(flags) + (malformed ? ", malformed" : "")
                + ", from " + source + ", items " + items + (fds.isEmpty() ? "" : ", " + fds) + "]";
    }

    /** Closes every received descriptor not detached. */
    @Override
    public void close() {
        fds.close();
    }
}
