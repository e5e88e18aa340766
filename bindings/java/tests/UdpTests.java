import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

import rmsg.ControlItem;
import rmsg.ControlMessages;
import rmsg.Ecn;
import rmsg.Message;
import rmsg.MsgFlags;
import rmsg.Receiver;
import rmsg.RmsgException;
import rmsg.RmsgOptions;
import rmsg.RmsgSocket;
import rmsg.WouldBlockException;

/** UDP over 127.0.0.1 and ::1: packet info, TTL and hop limit, TOS and traffic class with ECN, GRO, errors. */
final class UdpTests {
    private UdpTests() {}

    static <T extends ControlItem> T item(Message m, Class<T> type) {
        return m.item(type).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " in " + m));
    }

    @RmsgTests.Test
    static void ipv4PacketInfoTtlAndEcn() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (RmsgSocket rx = RmsgSocket.udp(StandardProtocolFamily.INET);
             RmsgSocket tx = RmsgSocket.udp(StandardProtocolFamily.INET);
             Receiver r = rx.bind(new InetSocketAddress(lo, 0))
                     .setOption(RmsgOptions.IP_PKTINFO, true)
                     .setOption(RmsgOptions.IP_RECVTTL, true)
                     .setOption(RmsgOptions.IP_RECVTOS, true)
                     .receiver(64)) {
            tx.bind(new InetSocketAddress(lo, 0));
            SocketAddress to = rx.localAddress();
            record Case(int ttl, int tos, Ecn ecn, boolean pktinfo) {}
            for (Case c : List.of(new Case(7, 0xb8 | 2, Ecn.ECT_0, false), new Case(200, 3, Ecn.CE, true),
                    new Case(1, 1, Ecn.ECT_1, false))) {
                try (ControlMessages cm = new ControlMessages().ttl(c.ttl()).tos(c.tos())) {
                    if (c.pktinfo()) {
                        cm.ipPacketInfo(0, (Inet4Address) lo);
                    }
                    tx.send(SocketTests.text("ttl " + c.ttl()), to, cm);
                }
                try (Message m = r.receive(ByteBuffer.allocate(64))) {
                    RmsgTests.eq("ttl " + c.ttl(), SocketTests.text(m), "data");
                    RmsgTests.eq(tx.localAddress(), m.source(), "source");
                    RmsgTests.eq(new ControlItem.Ttl(c.ttl()), item(m, ControlItem.Ttl.class), "TTL");
                    RmsgTests.eq(new ControlItem.TrafficClass(c.tos(), c.tos() >> 2, c.ecn()),
                            item(m, ControlItem.TrafficClass.class), "TOS");
                    var p = item(m, ControlItem.IpPacketInfo.class);
                    RmsgTests.eq(lo, p.destination(), "destination");
                    RmsgTests.eq(lo, p.localAddress(), "local address");
                    RmsgTests.check(p.ifindex() > 0, "an interface index");
                    RmsgTests.eq(3, m.items().size(), "items: " + m.items());
                }
            }
            // Options on the sender instead of control messages.
            tx.setOption(RmsgOptions.IP_TTL, 33).setOption(java.net.StandardSocketOptions.IP_TOS, 0x10 | 2);
            RmsgTests.eq(33, tx.getOption(RmsgOptions.IP_TTL), "IP_TTL read back");
            tx.send(SocketTests.text("defaults"), to, null);
            try (Message m = r.receive(ByteBuffer.allocate(64))) {
                RmsgTests.eq(33, item(m, ControlItem.Ttl.class).value(), "TTL from IP_TTL");
                RmsgTests.eq(Ecn.ECT_0, item(m, ControlItem.TrafficClass.class).ecn(), "ECN from IP_TOS");
            }
        }
    }

    @RmsgTests.Test
    static void ipv6PacketInfoHopLimitAndEcn() throws Exception {
        InetAddress lo6 = InetAddress.getByName("::1");
        try (RmsgSocket rx = RmsgSocket.udp(StandardProtocolFamily.INET6);
             RmsgSocket tx = RmsgSocket.udp(StandardProtocolFamily.INET6)) {
            try {
                rx.bind(new InetSocketAddress(lo6, 0));
            } catch (RmsgException e) {
                throw new RmsgTests.Skip("no IPv6 loopback here (bind [::1]: " + e.getMessage() + ")");
            }
            rx.setOption(RmsgOptions.IPV6_RECVPKTINFO, true)
                    .setOption(RmsgOptions.IPV6_RECVHOPLIMIT, true)
                    .setOption(RmsgOptions.IPV6_RECVTCLASS, true);
            tx.bind(new InetSocketAddress(lo6, 0));
            try (ControlMessages cm = new ControlMessages().hopLimit(9).trafficClass((10 << 2) | 1)
                    .ipv6PacketInfo(0, (Inet6Address) lo6)) {
                tx.send(SocketTests.text("six"), rx.localAddress(), cm);
            }
            try (Message m = rx.receive(ByteBuffer.allocateDirect(64))) {
                RmsgTests.eq("six", SocketTests.text(m), "data");
                RmsgTests.eq(tx.localAddress(), m.source(), "source");
                RmsgTests.check(((InetSocketAddress) m.source()).getAddress() instanceof Inet6Address, "an IPv6 source");
                RmsgTests.eq(new ControlItem.Ttl(9), item(m, ControlItem.Ttl.class), "hop limit");
                RmsgTests.eq(new ControlItem.TrafficClass((10 << 2) | 1, 10, Ecn.ECT_1),
                        item(m, ControlItem.TrafficClass.class), "traffic class");
                var p = item(m, ControlItem.Ipv6PacketInfo.class);
                RmsgTests.eq(lo6, p.destination(), "destination");
                RmsgTests.check(p.ifindex() > 0, "an interface index");
            }
        }
    }

    /** A UDP_SEGMENT sender, a UDP_GRO receiver: one coalesced datagram whose segments are walked. */
    @RmsgTests.Test
    static void gsoAndGroSegments() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (RmsgSocket rx = RmsgSocket.udp(StandardProtocolFamily.INET);
             RmsgSocket tx = RmsgSocket.udp(StandardProtocolFamily.INET);
             ControlMessages gso = new ControlMessages().udpSegment(1000)) {
            rx.bind(new InetSocketAddress(lo, 0)).setOption(RmsgOptions.UDP_GRO, true);
            byte[] data = new byte[3500];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i / 1000);
            }
            RmsgTests.eq(3500, tx.send(ByteBuffer.wrap(data), rx.localAddress(), gso), "bytes sent");
            try (Receiver r = rx.receiver(65535); Message m = r.receive(ByteBuffer.allocateDirect(65535))) {
                RmsgTests.eq(new ControlItem.UdpGro(1000), item(m, ControlItem.UdpGro.class), "segment size");
                var segments = m.segments();
                RmsgTests.eq(List.of(1000L, 1000L, 1000L, 500L),
                        segments.stream().map(s -> s.byteSize()).toList(), "segment sizes");
                for (int i = 0; i < 4; i++) {
                    RmsgTests.eq((byte) i, segments.get(i).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0),
                            "segment " + i + " data");
                }
            }
        }
    }

    /** IP_RECVERR: an ICMP port unreachable comes back on the error queue, decoded. */
    @RmsgTests.Test
    static void errorQueue() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        SocketAddress closed;
        try (RmsgSocket gone = RmsgSocket.udp(StandardProtocolFamily.INET)) {
            closed = gone.bind(new InetSocketAddress(lo, 0)).localAddress();
        }
        try (RmsgSocket tx = RmsgSocket.udp(StandardProtocolFamily.INET)) {
            tx.setOption(RmsgOptions.IP_RECVERR, true);
            tx.send(SocketTests.text("nobody"), closed, null);
            tx.setReceiveTimeout(Duration.ZERO);
            Message m = null;
            // The error queue is not waited on by recvmsg: try until the ICMP error is there.
            for (int i = 0; i < 500 && m == null; i++) {
                try {
                    m = tx.receive(ByteBuffer.allocate(64), MsgFlags.MSG_ERRQUEUE);
                } catch (WouldBlockException e) {
                    Thread.sleep(10);
                }
            }
            RmsgTests.check(m != null, "an error arrived");
            try (Message e = m) {
                RmsgTests.check((e.flags() & MsgFlags.MSG_ERRQUEUE) != 0, "MSG_ERRQUEUE in the flags");
                RmsgTests.eq("nobody", SocketTests.text(e), "the datagram that failed");
                var err = item(e, ControlItem.ExtendedError.class);
                RmsgTests.eq(111, err.errno(), "ECONNREFUSED");
                RmsgTests.eq(2, err.origin(), "SO_EE_ORIGIN_ICMP");
                RmsgTests.eq(3, err.type(), "ICMP destination unreachable");
                RmsgTests.eq(3, err.code(), "port unreachable");
                RmsgTests.eq(new InetSocketAddress(lo, 0), err.offender(), "offender");
            }
        }
    }
}
