import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import rmsg.BatchReceiver;
import rmsg.ControlItem;
import rmsg.ControlMessages;
import rmsg.Message;
import rmsg.MessageSocket;
import rmsg.Receiver;
import rmsg.RmsgException;
import rmsg.RmsgOptions;
import rmsg.RmsgSocket;
import rmsg.SocketPair;
import rmsg.SocketType;

/**
 * Receiver and BatchReceiver decode through the per-message view
 * (rmsg_view): these tests decode the very same library message again the
 * per-item way (the binding's Decoder.decode, found by reflection: the
 * tests run with --add-opens rmsg/rmsg) and require the same Message, item
 * for item in the same order, on real traffic: IPv4 and IPv6 with packet
 * info, TTL or hop limit, TOS or traffic class, original destination,
 * timestamps and marks; a message with an item the view has no field for
 * (IP options); credentials on AF_UNIX. Messages that carry descriptors
 * cannot be decoded twice (the first decode takes them): those are sent
 * twice, to a receiver decoding through the view and to one decoding per
 * item, and compared.
 */
final class ViewTests {
    private ViewTests() {}

    // Linux option numbers the binding has no RmsgOptions constant for.
    static final int IPPROTO_IP = 0;
    static final int IPPROTO_IPV6 = 41;
    static final int SOL_SOCKET = 1;
    static final int IP_OPTIONS = 4;
    static final int IP_RECVOPTS = 6;
    static final int IP_RECVORIGDSTADDR = 20;
    static final int IPV6_RECVORIGDSTADDR = 74;
    static final int SO_MARK = 36;
    static final int SO_RCVMARK = 75;

    /** The per-item decode of {@code message} (an {@code rmsg_message *}), by a decoder of its own. */
    static Message perItem(MemorySegment message, Arena arena) throws Exception {
        Class<?> decoder = Class.forName("rmsg.Decoder");
        Constructor<?> make = decoder.getDeclaredConstructor(Arena.class);
        make.setAccessible(true);
        Method decode = decoder.getDeclaredMethod("decode", MemorySegment.class, MemorySegment.class, long.class,
                long.class);
        decode.setAccessible(true);
        MemorySegment dst = arena.allocate(65536);
        try {
            return (Message) decode.invoke(make.newInstance(arena), message, dst, 0L, -1L);
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    private static Object field(Object o, Class<?> c, String name) throws Exception {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    /** The message the receiver's last receive gave a view of. */
    static MemorySegment lastMessage(Receiver r) throws Exception {
        MemorySegment view = ((MemorySegment) field(r, Receiver.class, "out")).get(ADDRESS, 0);
        return view.reinterpret(8).get(ADDRESS, 0); // rmsg_view.message
    }

    /** The messages of the batch's last receive, through the views it handed out. */
    static List<MemorySegment> lastMessages(BatchReceiver b) throws Exception {
        long n = ((MemorySegment) field(b, BatchReceiver.class, "count")).get(JAVA_LONG, 0);
        MemorySegment array = ((MemorySegment) field(b, BatchReceiver.class, "views")).get(ADDRESS, 0)
                .reinterpret(n * ADDRESS.byteSize());
        List<MemorySegment> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(array.getAtIndex(ADDRESS, i).reinterpret(8).get(ADDRESS, 0));
        }
        return out;
    }

    /** Makes a receiver decode through the view (the default) or per item. */
    static void viaView(Object receiver, boolean on) throws Exception {
        Field f = Class.forName("rmsg.NativeReceiver").getDeclaredField("viaView");
        f.setAccessible(true);
        f.setBoolean(receiver, on);
    }

    static boolean sameItem(ControlItem a, ControlItem b) {
        if (a instanceof ControlItem.Raw x && b instanceof ControlItem.Raw y) {
            return x.level() == y.level() && x.type() == y.type() && x.truncated() == y.truncated()
                    && Arrays.equals(x.data(), y.data());
        }
        if (a instanceof ControlItem.Rights x && b instanceof ControlItem.Rights y) {
            return x.fds().size() == y.fds().size(); // other descriptors, the same count
        }
        return a.equals(b);
    }

    /** Everything a Message says, item by item in order. */
    static void same(Message view, Message perItem, String what) {
        RmsgTests.check(Arrays.equals(view.bytes(), perItem.bytes()), what + ": data");
        RmsgTests.eq(perItem.nbytes(), view.nbytes(), what + ": nbytes");
        RmsgTests.eq(perItem.flags(), view.flags(), what + ": flags");
        RmsgTests.eq(perItem.malformed(), view.malformed(), what + ": malformed");
        RmsgTests.eq(perItem.source(), view.source(), what + ": source");
        RmsgTests.eq(perItem.items().size(), view.items().size(), what + ": items " + view.items() + " against "
                + perItem.items());
        for (int i = 0; i < view.items().size(); i++) {
            RmsgTests.check(sameItem(view.items().get(i), perItem.items().get(i)), what + ": item " + i + " "
                    + view.items().get(i) + " through the view, " + perItem.items().get(i) + " per item");
        }
        RmsgTests.eq(perItem.fds().size(), view.fds().size(), what + ": descriptors");
    }

    static List<Class<?>> kinds(Message m) {
        return m.items().stream().<Class<?>>map(Object::getClass).toList();
    }

    /** Receives one message through the view and decodes the same message per item: they must agree. */
    static Message check(Receiver r, String what) throws Exception {
        Message m = r.receive(ByteBuffer.allocateDirect(r.bufferSize()));
        try (Arena a = Arena.ofConfined(); Message again = perItem(lastMessage(r), a)) {
            same(m, again, what);
        }
        return m;
    }

    /** Receives a batch through the views and decodes each of its messages per item: they must agree. */
    static List<Message> check(BatchReceiver b, int expected, String what) throws Exception {
        List<Message> got = b.receive(ByteBuffer.allocateDirect((int) b.room()));
        RmsgTests.eq(expected, got.size(), what + ": messages in the batch");
        List<MemorySegment> messages = lastMessages(b);
        try (Arena a = Arena.ofConfined()) {
            for (int i = 0; i < got.size(); i++) {
                try (Message again = perItem(messages.get(i), a)) {
                    same(got.get(i), again, what + " " + i);
                }
            }
        }
        return got;
    }

    static void send(RmsgSocket tx, String text, java.net.SocketAddress to, int ttl, int tos) throws Exception {
        try (ControlMessages cm = new ControlMessages().ttl(ttl).tos(tos)) {
            tx.send(SocketTests.text(text), to, cm);
        }
    }

    /** IPv4: packet info, TTL, TOS with ECN, original destination, timestamp (and mark where allowed). */
    @RmsgTests.Test
    static void ipv4ViewMatchesPerItem() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (RmsgSocket rx = RmsgSocket.udp(StandardProtocolFamily.INET);
             RmsgSocket tx = RmsgSocket.udp(StandardProtocolFamily.INET)) {
            rx.bind(new InetSocketAddress(lo, 0))
                    .setOption(RmsgOptions.IP_PKTINFO, true)
                    .setOption(RmsgOptions.IP_RECVTTL, true)
                    .setOption(RmsgOptions.IP_RECVTOS, true)
                    .setOption(RmsgOptions.SO_TIMESTAMPNS, true);
            RmsgTests.check(Libc.setsockopt(rx.fd(), IPPROTO_IP, IP_RECVORIGDSTADDR, 1), "IP_RECVORIGDSTADDR");
            // A mark needs CAP_NET_ADMIN on the sender and Linux 5.19 on the receiver: checked where both hold.
            boolean marks = Libc.setsockopt(tx.fd(), SOL_SOCKET, SO_MARK, 0x2a)
                    && Libc.setsockopt(rx.fd(), SOL_SOCKET, SO_RCVMARK, 1);
            tx.bind(new InetSocketAddress(lo, 0));
            try (Receiver r = rx.receiver(64); BatchReceiver b = rx.batchReceiver(4, 64)) {
                int[][] cases = {{7, 0xb8 | 2}, {200, 3}, {1, 1}};
                for (int[] c : cases) {
                    send(tx, "ttl " + c[0], rx.localAddress(), c[0], c[1]);
                    try (Message m = check(r, "ttl " + c[0])) {
                        RmsgTests.eq(new ControlItem.Ttl(c[0]), UdpTests.item(m, ControlItem.Ttl.class), "TTL");
                        RmsgTests.eq(c[1], UdpTests.item(m, ControlItem.TrafficClass.class).value(), "TOS");
                        RmsgTests.eq(rx.localAddress(),
                                UdpTests.item(m, ControlItem.OriginalDestination.class).address(), "orig dst");
                        UdpTests.item(m, ControlItem.IpPacketInfo.class);
                        UdpTests.item(m, ControlItem.Timestamp.class);
                        if (marks) {
                            RmsgTests.eq(new ControlItem.Mark(0x2a), UdpTests.item(m, ControlItem.Mark.class), "mark");
                        }
                        RmsgTests.eq(marks ? 6 : 5, m.items().size(), "items: " + m.items());
                    }
                }
                for (int[] c : cases) {
                    send(tx, "batch ttl " + c[0], rx.localAddress(), c[0], c[1]);
                }
                List<Message> got = check(b, cases.length, "batch");
                for (int i = 0; i < got.size(); i++) {
                    try (Message m = got.get(i)) {
                        RmsgTests.eq(cases[i][0], UdpTests.item(m, ControlItem.Ttl.class).value(), "batch TTL " + i);
                    }
                }
            }
        }
    }

    /** One item, of a kind the view decodes: the message is made from the view alone. */
    @RmsgTests.Test
    static void singleItemFromTheView() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (RmsgSocket rx = RmsgSocket.udp(StandardProtocolFamily.INET);
             RmsgSocket tx = RmsgSocket.udp(StandardProtocolFamily.INET)) {
            rx.bind(new InetSocketAddress(lo, 0)).setOption(RmsgOptions.IP_RECVTTL, true);
            tx.bind(new InetSocketAddress(lo, 0));
            try (Receiver r = rx.receiver(64); BatchReceiver b = rx.batchReceiver(8, 64)) {
                send(tx, "one", rx.localAddress(), 17, 0);
                try (Message m = check(r, "one item")) {
                    RmsgTests.eq(List.of(new ControlItem.Ttl(17)), m.items(), "the TTL alone");
                    RmsgTests.eq(tx.localAddress(), m.source(), "source");
                    RmsgTests.eq("one", SocketTests.text(m), "data");
                }
                for (int i = 0; i < 5; i++) {
                    send(tx, "b" + i, rx.localAddress(), 30 + i, 0);
                }
                List<Message> got = check(b, 5, "one item, batch");
                for (int i = 0; i < 5; i++) {
                    try (Message m = got.get(i)) {
                        RmsgTests.eq(List.of(new ControlItem.Ttl(30 + i)), m.items(), "TTL of " + i);
                    }
                }
            }
        }
    }

    /**
     * IP options (IP_RECVOPTS; four NOPs set with IP_OPTIONS on the sender):
     * an item the view has no field for, between items it has. It goes the
     * per-item way; the others still come from the view, in the kernel's order.
     */
    @RmsgTests.Test
    static void itemTheViewLacks() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        try (RmsgSocket rx = RmsgSocket.udp(StandardProtocolFamily.INET);
             RmsgSocket tx = RmsgSocket.udp(StandardProtocolFamily.INET)) {
            rx.bind(new InetSocketAddress(lo, 0))
                    .setOption(RmsgOptions.IP_PKTINFO, true)
                    .setOption(RmsgOptions.IP_RECVTTL, true)
                    .setOption(RmsgOptions.IP_RECVTOS, true);
            RmsgTests.check(Libc.setsockopt(rx.fd(), IPPROTO_IP, IP_RECVOPTS, 1), "IP_RECVOPTS");
            RmsgTests.check(Libc.setsockopt(rx.fd(), IPPROTO_IP, IP_RECVORIGDSTADDR, 1), "IP_RECVORIGDSTADDR");
            RmsgTests.check(Libc.setsockopt(tx.fd(), IPPROTO_IP, IP_OPTIONS, new byte[] {1, 1, 1, 1}), "IP_OPTIONS");
            tx.bind(new InetSocketAddress(lo, 0));
            try (Receiver r = rx.receiver(64); BatchReceiver b = rx.batchReceiver(4, 64)) {
                send(tx, "options", rx.localAddress(), 9, 2);
                try (Message m = check(r, "IP options")) {
                    ControlItem.Raw raw = UdpTests.item(m, ControlItem.Raw.class);
                    RmsgTests.eq(IPPROTO_IP, raw.level(), "IP options' level");
                    RmsgTests.eq(IP_RECVOPTS, raw.type(), "IP options' type (the cmsg is IP_RECVOPTS)");
                    RmsgTests.check(Arrays.equals(new byte[] {1, 1, 1, 1}, raw.data()), "the four NOPs");
                    RmsgTests.eq(5, m.items().size(), "items: " + m.items());
                    RmsgTests.eq(new ControlItem.Ttl(9), UdpTests.item(m, ControlItem.Ttl.class), "TTL");
                }
                send(tx, "options 1", rx.localAddress(), 10, 1);
                send(tx, "options 2", rx.localAddress(), 11, 3);
                for (Message m : check(b, 2, "IP options, batch")) {
                    m.close();
                }
            }
        }
    }

    /** IPv6: packet info, hop limit, traffic class with ECN, original destination. */
    @RmsgTests.Test
    static void ipv6ViewMatchesPerItem() throws Exception {
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
            RmsgTests.check(Libc.setsockopt(rx.fd(), IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, 1), "IPV6_RECVORIGDSTADDR");
            tx.bind(new InetSocketAddress(lo6, 0));
            try (Receiver r = rx.receiver(64); BatchReceiver b = rx.batchReceiver(4, 64)) {
                for (int i = 0; i < 3; i++) {
                    try (ControlMessages cm = new ControlMessages().hopLimit(9 + i).trafficClass((10 << 2) | i)
                            .ipv6PacketInfo(0, (Inet6Address) lo6)) {
                        tx.send(SocketTests.text("six " + i), rx.localAddress(), cm);
                    }
                }
                for (int i = 0; i < 2; i++) {
                    try (Message m = check(r, "six " + i)) {
                        RmsgTests.eq(new ControlItem.Ttl(9 + i), UdpTests.item(m, ControlItem.Ttl.class), "hop limit");
                        RmsgTests.eq((10 << 2) | i, UdpTests.item(m, ControlItem.TrafficClass.class).value(), "tclass");
                        RmsgTests.eq(lo6, UdpTests.item(m, ControlItem.Ipv6PacketInfo.class).destination(), "dst");
                        RmsgTests.eq(rx.localAddress(),
                                UdpTests.item(m, ControlItem.OriginalDestination.class).address(), "orig dst");
                        RmsgTests.eq(4, m.items().size(), "items: " + m.items());
                    }
                }
                for (Message m : check(b, 1, "six, batch")) {
                    m.close();
                }
            }
        }
    }

    /** AF_UNIX: credentials (alone, with a timestamp), and with descriptors, which the view does not hold. */
    @RmsgTests.Test
    static void unixCredentialsAndDescriptors() throws Exception {
        int[] p = Libc.pipe();
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM)) {
            MessageSocket rx = pair.second();
            rx.setOption(RmsgOptions.SO_PASSCRED, true);
            ControlItem.Credentials me = new ControlItem.Credentials((int) ProcessHandle.current().pid(),
                    Libc.getuid(), Libc.getgid());
            try (Receiver r = rx.receiver(64); BatchReceiver b = rx.batchReceiver(4, 64)) {
                pair.first().send(SocketTests.text("creds"));
                try (Message m = check(r, "credentials alone")) {
                    RmsgTests.eq(List.of(me), m.items(), "the credentials alone");
                }
                rx.setOption(RmsgOptions.SO_TIMESTAMPNS, true);
                pair.first().send(SocketTests.text("creds and time"));
                try (Message m = check(r, "credentials and timestamp")) {
                    RmsgTests.eq(me, UdpTests.item(m, ControlItem.Credentials.class), "credentials");
                    UdpTests.item(m, ControlItem.Timestamp.class);
                }
                pair.first().send(SocketTests.text("b0"));
                pair.first().send(SocketTests.text("b1"));
                for (Message m : check(b, 2, "credentials, batch")) {
                    m.close();
                }
                // Descriptors: the same message twice, through the view and per item.
                List<Message> seen = new ArrayList<>();
                try {
                    for (boolean on : new boolean[] {true, false}) {
                        viaView(r, on);
                        viaView(b, on);
                        try (ControlMessages cm = new ControlMessages().fds(p[0], p[1])) {
                            pair.first().send(SocketTests.text("fds"), cm);
                            pair.first().send(SocketTests.text("fds"), cm);
                        }
                        seen.add(r.receive(ByteBuffer.allocate(64)));
                        seen.addAll(b.receive(ByteBuffer.allocate((int) b.room())));
                    }
                    RmsgTests.eq(4, seen.size(), "messages");
                    for (int i = 0; i < 2; i++) {
                        Message v = seen.get(i);
                        Message q = seen.get(i + 2);
                        RmsgTests.eq(2, v.fds().size(), "descriptors through the view");
                        RmsgTests.eq(3, v.items().size(), "rights, credentials, timestamp: " + v.items());
                        RmsgTests.eq(kinds(q), kinds(v), "the same items in the same order");
                        RmsgTests.eq(me, UdpTests.item(v, ControlItem.Credentials.class), "credentials");
                        RmsgTests.check(v.fds().get(0).isOpen(), "a descriptor taken through the view is open");
                    }
                } finally {
                    for (Message m : seen) {
                        m.close();
                    }
                }
            }
        } finally {
            Libc.close(p[0]);
            Libc.close(p[1]);
        }
    }
}
