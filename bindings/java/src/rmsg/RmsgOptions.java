package rmsg;

import java.net.SocketOption;

/**
 * Socket options that ask the kernel for control data, and a few others
 * the JDK has no name for, for {@link MessageSocket#setOption} and
 * {@link MessageSocket#getOption}. Those sockets also take
 * {@link java.net.StandardSocketOptions#SO_RCVBUF}, {@code SO_SNDBUF},
 * {@code SO_REUSEADDR}, {@code SO_BROADCAST} and {@code IP_TOS} (the
 * traffic class on an IPv6 socket).
 */
public final class RmsgOptions {
    private RmsgOptions() {}

    /** One option: its level and number for {@code setsockopt(2)}. */
    record Option<T>(String name, Class<T> type, int level, int number) implements SocketOption<T> {
        @Override
        public String toString() {
            return name;
        }
    }

    static final int SOL_SOCKET = 1;
    static final int IPPROTO_IP = 0;
    static final int IPPROTO_IPV6 = 41;
    static final int SOL_UDP = 17;

    /** {@code SO_PASSCRED}: receive the sender's {@link ControlItem.Credentials} (Unix sockets). */
    public static final SocketOption<Boolean> SO_PASSCRED = new Option<>("SO_PASSCRED", Boolean.class, SOL_SOCKET, 16);
    /** {@code SO_TIMESTAMPNS}: receive a {@link ControlItem.Timestamp} in nanoseconds. */
    public static final SocketOption<Boolean> SO_TIMESTAMPNS =
            new Option<>("SO_TIMESTAMPNS", Boolean.class, SOL_SOCKET, 35);
    /** {@code SO_RXQ_OVFL}: receive the drop count ({@link ControlItem.RxqOverflow}). */
    public static final SocketOption<Boolean> SO_RXQ_OVFL = new Option<>("SO_RXQ_OVFL", Boolean.class, SOL_SOCKET, 40);
    /** {@code SO_RCVBUFFORCE}: {@code SO_RCVBUF} past {@code rmem_max} (needs {@code CAP_NET_ADMIN}). */
    public static final SocketOption<Integer> SO_RCVBUFFORCE =
            new Option<>("SO_RCVBUFFORCE", Integer.class, SOL_SOCKET, 33);

    /** {@code IP_PKTINFO}: receive {@link ControlItem.IpPacketInfo}. */
    public static final SocketOption<Boolean> IP_PKTINFO = new Option<>("IP_PKTINFO", Boolean.class, IPPROTO_IP, 8);
    /** {@code IP_RECVTTL}: receive the {@link ControlItem.Ttl}. */
    public static final SocketOption<Boolean> IP_RECVTTL = new Option<>("IP_RECVTTL", Boolean.class, IPPROTO_IP, 12);
    /** {@code IP_RECVTOS}: receive the TOS byte with its ECN bits ({@link ControlItem.TrafficClass}). */
    public static final SocketOption<Boolean> IP_RECVTOS = new Option<>("IP_RECVTOS", Boolean.class, IPPROTO_IP, 13);
    /** {@code IP_RECVERR}: queue errors, read with {@link MsgFlags#MSG_ERRQUEUE} ({@link ControlItem.ExtendedError}). */
    public static final SocketOption<Boolean> IP_RECVERR = new Option<>("IP_RECVERR", Boolean.class, IPPROTO_IP, 11);
    /** {@code IP_TTL}: the TTL of packets sent. */
    public static final SocketOption<Integer> IP_TTL = new Option<>("IP_TTL", Integer.class, IPPROTO_IP, 2);

    /** {@code IPV6_RECVPKTINFO}: receive {@link ControlItem.Ipv6PacketInfo}. */
    public static final SocketOption<Boolean> IPV6_RECVPKTINFO =
            new Option<>("IPV6_RECVPKTINFO", Boolean.class, IPPROTO_IPV6, 49);
    /** {@code IPV6_RECVHOPLIMIT}: receive the hop limit ({@link ControlItem.Ttl}). */
    public static final SocketOption<Boolean> IPV6_RECVHOPLIMIT =
            new Option<>("IPV6_RECVHOPLIMIT", Boolean.class, IPPROTO_IPV6, 51);
    /** {@code IPV6_RECVTCLASS}: receive the traffic class with its ECN bits. */
    public static final SocketOption<Boolean> IPV6_RECVTCLASS =
            new Option<>("IPV6_RECVTCLASS", Boolean.class, IPPROTO_IPV6, 66);
    /** {@code IPV6_RECVERR}: queue errors, read with {@link MsgFlags#MSG_ERRQUEUE}. */
    public static final SocketOption<Boolean> IPV6_RECVERR =
            new Option<>("IPV6_RECVERR", Boolean.class, IPPROTO_IPV6, 25);
    /** {@code IPV6_V6ONLY}: an IPv6 socket that takes no IPv4-mapped traffic. */
    public static final SocketOption<Boolean> IPV6_V6ONLY = new Option<>("IPV6_V6ONLY", Boolean.class, IPPROTO_IPV6, 26);
    /** {@code IPV6_UNICAST_HOPS}: the hop limit of packets sent. */
    public static final SocketOption<Integer> IPV6_UNICAST_HOPS =
            new Option<>("IPV6_UNICAST_HOPS", Integer.class, IPPROTO_IPV6, 16);

    /** {@code UDP_GRO}: let the kernel coalesce datagrams ({@link ControlItem.UdpGro}, {@link Message#segments}). */
    public static final SocketOption<Boolean> UDP_GRO = new Option<>("UDP_GRO", Boolean.class, SOL_UDP, 104);
}
