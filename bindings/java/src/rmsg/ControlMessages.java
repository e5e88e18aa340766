package rmsg;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.Objects;
import java.util.function.Function;

/**
 * Control messages to send with a message, built by librmsg
 * ({@code rmsg_cmsg_builder_*}); pass them to
 * {@link MessageSocket#send(java.nio.ByteBuffer, java.net.SocketAddress, ControlMessages, int)}.
 * One object serves any number of messages; {@link #clear} empties it.
 *
 * <pre>{@code
 * try (ControlMessages cm = new ControlMessages().fds(pipe).ttl(5).tos(0x02)) {
 *     socket.send(data, peer, cm);
 * }
 * }</pre>
 *
 * <p>Descriptors are added by number: the builder does not own, duplicate
 * or close them, and they must stay open until the message is sent (the
 * receiver gets its own copies). Every value is checked when added: one
 * the kernel would refuse is an {@link IllegalArgumentException} and
 * leaves the builder as it was.
 *
 * <p>Memory: the library's builder lives until {@link #close}, or until
 * the object is unreachable if it is never closed. Threads: calls (sends
 * included) take the builder in turn; {@code close} does not wait.
 */
public final class ControlMessages implements AutoCloseable {
    private static final int OUT_OF_MEMORY = 8;

    private record Release(MemorySegment builder) implements Runnable {
        @Override
        public void run() {
            Native.builderFree(builder);
        }
    }

    private final MemorySegment builder;
    private final Exclusive guard;

    /** An empty builder. */
    public ControlMessages() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check(Native.builderNew(out), "rmsg_cmsg_builder_new");
            builder = out.get(ADDRESS, 0);
        }
        guard = new Exclusive(this, new Release(builder), "the control messages");
    }

    private static void check(int status, String operation) {
        if (status == Errors.OK) {
            return;
        }
        if (status == OUT_OF_MEMORY) {
            throw new OutOfMemoryError(operation + ": out of memory");
        }
        throw Errors.argument(operation, status);
    }

    /** Runs {@code add} on the builder, in a confined arena for its arguments. */
    private ControlMessages add(String operation, Function<Arena, Integer> add) {
        return guard.run(this, () -> {
            try (Arena a = Arena.ofConfined()) {
                check(add.apply(a), operation);
                return this;
            }
        });
    }

    /**
     * Adds an {@code SCM_RIGHTS} item carrying descriptors (Unix sockets;
     * at most 253 per message over all items).
     *
     * @throws IllegalArgumentException for a negative descriptor or more than 253
     */
    public ControlMessages fds(int... fds) {
        Objects.requireNonNull(fds, "fds");
        for (int fd : fds) {
            if (fd < 0) {
                throw new IllegalArgumentException("a file descriptor is not negative: " + fd);
            }
        }
        return add("rmsg_cmsg_builder_add_fds",
                a -> Native.addFds(builder, a.allocateFrom(JAVA_INT, fds), fds.length));
    }

    /** {@link #fds(int...)} with the numbers of open {@link Fd}s (which keep owning them). */
    public ControlMessages fds(Fd... fds) {
        Objects.requireNonNull(fds, "fds");
        int[] numbers = new int[fds.length];
        for (int i = 0; i < fds.length; i++) {
            numbers[i] = Objects.requireNonNull(fds[i], "fds[" + i + "]").value();
        }
        return fds(numbers);
    }

    /**
     * Adds {@code SCM_CREDENTIALS} (Unix sockets; the receiver needs
     * {@link RmsgOptions#SO_PASSCRED}). The kernel lets a process send its
     * own ids, and others only with privileges.
     */
    public ControlMessages credentials(int pid, int uid, int gid) {
        return add("rmsg_cmsg_builder_add_credentials", a -> Native.addCredentials(builder, pid, uid, gid));
    }

    /** {@link #credentials} of this process: its pid, uid and gid. */
    public ControlMessages ownCredentials() {
        return credentials((int) ProcessHandle.current().pid(), Native.getuid(), Native.getgid());
    }

    /** Adds {@code IP_TTL}, 1 to 255 (IPv4). */
    public ControlMessages ttl(int ttl) {
        return add("rmsg_cmsg_builder_add_ip_ttl", a -> Native.IntItem.TTL.add(builder, ttl));
    }

    /** Adds {@code IP_TOS}, 0 to 255; the low two bits are the ECN codepoint (IPv4). */
    public ControlMessages tos(int tos) {
        return add("rmsg_cmsg_builder_add_ip_tos", a -> Native.IntItem.TOS.add(builder, tos));
    }

    /** Adds {@code IPV6_HOPLIMIT}, 0 to 255, or -1 for the default (IPv6). */
    public ControlMessages hopLimit(int hopLimit) {
        return add("rmsg_cmsg_builder_add_ipv6_hoplimit", a -> Native.IntItem.HOPLIMIT.add(builder, hopLimit));
    }

    /** Adds {@code IPV6_TCLASS}, 0 to 255, or -1 for the default; ECN in the low bits (IPv6). */
    public ControlMessages trafficClass(int trafficClass) {
        return add("rmsg_cmsg_builder_add_ipv6_tclass", a -> Native.IntItem.TCLASS.add(builder, trafficClass));
    }

    /**
     * Adds {@code IP_PKTINFO}: send from interface {@code ifindex} (0: any)
     * with source address {@code source} (null: the routing default).
     */
    public ControlMessages ipPacketInfo(int ifindex, Inet4Address source) {
        checkIfindex(ifindex);
        byte[] addr = source == null ? new byte[0] : source.getAddress();
        return add("rmsg_cmsg_builder_add_ip_pktinfo", a -> Native.addIpPktinfo(builder, ifindex,
                addr.length == 0 ? MemorySegment.NULL : a.allocateFrom(JAVA_BYTE, addr), addr.length));
    }

    /** Adds {@code IPV6_PKTINFO}: interface {@code ifindex} (0: any), source {@code source} (null: default). */
    public ControlMessages ipv6PacketInfo(int ifindex, Inet6Address source) {
        checkIfindex(ifindex);
        byte[] addr = source == null ? new byte[0] : source.getAddress();
        return add("rmsg_cmsg_builder_add_ipv6_pktinfo", a -> Native.addIpv6Pktinfo(builder, ifindex,
                addr.length == 0 ? MemorySegment.NULL : a.allocateFrom(JAVA_BYTE, addr), addr.length));
    }

    private static void checkIfindex(int ifindex) {
        if (ifindex < 0) {
            throw new IllegalArgumentException("an interface index is not negative: " + ifindex);
        }
    }

    /**
     * Adds {@code UDP_SEGMENT} (UDP GSO): the kernel sends the data as
     * datagrams of {@code size} bytes, the last possibly shorter.
     *
     * @throws IllegalArgumentException unless 1 to 65535
     */
    public ControlMessages udpSegment(int size) {
        if (size < 1 || size > 0xffff) {
            throw new IllegalArgumentException("a UDP segment size is 1 to 65535, not " + size);
        }
        return add("rmsg_cmsg_builder_add_udp_segment", a -> Native.addUdpSegment(builder, (short) size));
    }

    /** Adds {@code SCM_TXTIME}: when to transmit, in nanoseconds (the socket needs {@code SO_TXTIME}). */
    public ControlMessages txTime(long nanos) {
        return add("rmsg_cmsg_builder_add_txtime", a -> Native.addTxtime(builder, nanos));
    }

    /** Adds any control message: level, type and data bytes as the kernel takes them. */
    public ControlMessages raw(int level, int type, byte[] data) {
        Objects.requireNonNull(data, "data");
        return add("rmsg_cmsg_builder_add_raw", a -> Native.addRaw(builder, level, type,
                data.length == 0 ? MemorySegment.NULL : a.allocateFrom(JAVA_BYTE, data), data.length));
    }

    /** Removes every item, keeping the memory for the next message. */
    public ControlMessages clear() {
        return guard.run(this, () -> {
            Native.builderReset(builder);
            return this;
        });
    }

    /** {@code rmsg_sendmsg} with this builder, which is held for the call. */
    int send(int fd, MemorySegment iov, MemorySegment address, int flags, MemorySegment options,
            MemorySegment nbytes) {
        return guard.run(this, () -> Native.sendmsg(fd, iov, 1, builder, address, flags, options, nbytes));
    }

    /** Frees the builder (it never owned the descriptors added). */
    @Override
    public void close() {
        guard.close();
    }
}
