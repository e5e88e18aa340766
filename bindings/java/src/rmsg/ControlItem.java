package rmsg;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;

/**
 * One control message (ancillary item) of a received message, decoded by
 * librmsg's typed decoders into one of the records here. An item of a
 * kind the binding does not decode, or one too short to decode (cut by a
 * small control buffer), is a {@link Raw} item with its level, type and
 * bytes.
 *
 * <p>Switch over them with patterns:
 * <pre>{@code
 * switch (item) {
 *     case ControlItem.Ttl(int ttl) -> ...
 *     case ControlItem.IpPacketInfo p -> ...
 *     default -> {}
 * }
 * }</pre>
 */
public sealed interface ControlItem {

    /**
     * {@code SCM_RIGHTS}: the descriptors it carried, owned by the caller
     * through the message's {@link Descriptors}.
     */
    record Rights(List<Fd> fds) implements ControlItem {
        public Rights {
            fds = List.copyOf(fds);
        }
    }

    /** {@code SCM_PIDFD} ({@code SO_PASSPIDFD}): the sender's pidfd, owned like any received descriptor. */
    record PidFd(Fd fd) implements ControlItem {}

    /** {@code SCM_CREDENTIALS} ({@code SO_PASSCRED}): the sender's ids; uid and gid are unsigned. */
    record Credentials(int pid, int uid, int gid) implements ControlItem {}

    /** {@code SO_TIMESTAMP}, {@code SO_TIMESTAMPNS} and their {@code _NEW} forms: when the packet arrived. */
    record Timestamp(Instant time) implements ControlItem {}

    /**
     * {@code SO_TIMESTAMPING}: the software, legacy and raw hardware stamps
     * ({@link Instant#EPOCH} for a stamp the kernel did not take).
     */
    record Timestamping(Instant software, Instant legacy, Instant hardware) implements ControlItem {}

    /**
     * {@code IP_PKTINFO}: the interface the packet came in on, the local
     * address a reply would be sent from ({@code ipi_spec_dst}) and the
     * destination address in the packet's header.
     */
    record IpPacketInfo(int ifindex, InetAddress localAddress, InetAddress destination) implements ControlItem {}

    /** {@code IPV6_PKTINFO}: the interface the packet came in on and its destination address. */
    record Ipv6PacketInfo(int ifindex, InetAddress destination) implements ControlItem {}

    /** {@code IP_TTL} ({@code IP_RECVTTL}) or {@code IPV6_HOPLIMIT} ({@code IPV6_RECVHOPLIMIT}). */
    record Ttl(int value) implements ControlItem {}

    /**
     * {@code IP_TOS} ({@code IP_RECVTOS}) or {@code IPV6_TCLASS}
     * ({@code IPV6_RECVTCLASS}): the whole byte, its DSCP ({@code value >> 2})
     * and its ECN codepoint.
     */
    record TrafficClass(int value, int dscp, Ecn ecn) implements ControlItem {}

    /**
     * {@code IP_RECVERR} / {@code IPV6_RECVERR}, read with
     * {@code MSG_ERRQUEUE}: {@code struct sock_extended_err} and the node
     * that reported the error (null when there is none).
     */
    record ExtendedError(int errno, int origin, int type, int code, int info, int data,
            InetSocketAddress offender) implements ControlItem {}

    /** {@code UDP_GRO}: the size of each segment of a coalesced datagram (see {@link Message#segments}). */
    record UdpGro(int segmentSize) implements ControlItem {}

    /** {@code SO_RXQ_OVFL}: packets the socket dropped so far (unsigned 32-bit). */
    record RxqOverflow(long drops) implements ControlItem {}

    /** The {@code SO_RCVMARK} item: the packet's mark (unsigned 32-bit). */
    record Mark(long mark) implements ControlItem {}

    /** {@code IP_ORIGDSTADDR} / {@code IPV6_ORIGDSTADDR}: the original destination. */
    record OriginalDestination(InetSocketAddress address) implements ControlItem {}

    /** {@code IP_RECVFRAGSIZE} / {@code IPV6_RECVFRAGSIZE}: the largest fragment's size. */
    record FragmentSize(int size) implements ControlItem {}

    /** {@code IPV6_PATHMTU}: a destination and its new path MTU. */
    record PathMtu(InetSocketAddress address, int mtu) implements ControlItem {}

    /** {@code TLS_GET_RECORD_TYPE} on a kernel TLS socket. */
    record TlsRecordType(int recordType) implements ControlItem {}

    /**
     * Any other item, or one too short for its decoder: {@code cmsg_level},
     * {@code cmsg_type}, a copy of its data, and whether its header claimed
     * more bytes than the control buffer held.
     */
    record Raw(int level, int type, byte[] data, boolean truncated) implements ControlItem {
        /** librmsg's name of the pair ({@code "SOL_SOCKET/SCM_SECURITY"}). */
        public String name() {
            return Native.kindName(level, type);
        }

        @Override
        public String toString() {
            return "Raw[" + name() + ", " + data.length + " bytes" + (truncated ? ", truncated" : "") + "]";
        }
    }
}
