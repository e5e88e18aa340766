import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;

import rmsg.ControlMessages;
import rmsg.Fd;
import rmsg.FdSocket;
import rmsg.Receiver;
import rmsg.RmsgOptions;
import rmsg.RmsgSocket;
import rmsg.SocketPair;
import rmsg.SocketType;
import rmsg.UnixAbstractAddress;

/**
 * Bad arguments are IllegalArgumentException or NullPointerException (or
 * the JDK's own exception where it has one), thrown before anything is
 * sent, received or closed; a closed object says so. The JVM survives
 * every one (this class runs to its end).
 */
final class ArgumentTests {
    private ArgumentTests() {}

    static void iae(RmsgTests.Body b) {
        RmsgTests.expect(IllegalArgumentException.class, b);
    }

    static void npe(RmsgTests.Body b) {
        RmsgTests.expect(NullPointerException.class, b);
    }

    @RmsgTests.Test
    static void nulls() throws Exception {
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM);
             ControlMessages cm = new ControlMessages();
             Receiver r = pair.second().receiver(16)) {
            var s = pair.first();
            npe(() -> s.receive((ByteBuffer) null));
            npe(() -> s.receive((MemorySegment) null));
            npe(() -> r.receive((ByteBuffer) null));
            npe(() -> s.send((ByteBuffer) null));
            npe(() -> s.send((MemorySegment) null, null, null, 0));
            npe(() -> s.bind(null));
            npe(() -> s.connect(null));
            npe(() -> s.setOption(null, 1));
            npe(() -> s.setOption(RmsgOptions.IP_TTL, null));
            npe(() -> s.getOption(null));
            npe(() -> cm.fds((int[]) null));
            npe(() -> cm.fds((Fd) null));
            npe(() -> cm.raw(1, 1, null));
            npe(() -> RmsgSocket.open(null, SocketType.DATAGRAM));
            npe(() -> RmsgSocket.open(StandardProtocolFamily.UNIX, null));
            npe(() -> RmsgSocket.pair(null));
            npe(() -> RmsgSocket.adopt(null));
        }
    }

    @RmsgTests.Test
    static void valuesOutOfRange() throws Exception {
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM);
             ControlMessages cm = new ControlMessages();
             RmsgSocket udp = RmsgSocket.udp(StandardProtocolFamily.INET)) {
            var s = pair.first();
            iae(() -> Fd.adopt(-1));
            iae(() -> FdSocket.of(-1));
            iae(() -> cm.fds(-1));
            iae(() -> cm.fds(new int[254]));
            iae(() -> cm.ttl(0));
            iae(() -> cm.ttl(256));
            iae(() -> cm.tos(-1));
            iae(() -> cm.tos(256));
            iae(() -> cm.hopLimit(256));
            iae(() -> cm.trafficClass(-2));
            iae(() -> cm.udpSegment(0));
            iae(() -> cm.udpSegment(70_000));
            iae(() -> cm.ipPacketInfo(-1, null));
            iae(() -> cm.ipv6PacketInfo(Integer.MIN_VALUE, null));
            iae(() -> s.receiver(-1));
            iae(() -> s.receiver(16, -1));
            iae(() -> s.batchReceiver(0, 16));
            iae(() -> s.batchReceiver(1025, 16));
            iae(() -> s.batchReceiver(4, -16));
            iae(() -> s.setReceiveTimeout(Duration.ofSeconds(-1)));
            iae(() -> s.setSendTimeout(Duration.ofNanos(-1)));
            iae(() -> UnixAbstractAddress.of(new byte[108]));
            iae(() -> RmsgSocket.udp(StandardProtocolFamily.UNIX));
            // Addresses librmsg refuses, and ones no socket takes.
            iae(() -> s.bind(UnixDomainSocketAddress.of("/tmp/" + "x".repeat(200))));
            iae(() -> udp.send(ByteBuffer.allocate(1), InetSocketAddress.createUnresolved("example.invalid", 53), null));
            iae(() -> udp.send(ByteBuffer.allocate(1), new java.net.SocketAddress() {
                private static final long serialVersionUID = 1L;
            }, null));
            // Destinations too small, or read-only.
            try (Receiver r = pair.second().receiver(64); var b = pair.second().batchReceiver(4, 64)) {
                iae(() -> r.receive(ByteBuffer.allocate(63)));
                iae(() -> b.receive(ByteBuffer.allocate(255)));
                iae(() -> r.receive(MemorySegment.ofArray(new byte[64]).asReadOnly()));
                RmsgTests.expect(ReadOnlyBufferException.class, () -> r.receive(ByteBuffer.allocate(64).asReadOnlyBuffer()));
                RmsgTests.expect(ReadOnlyBufferException.class, () -> s.receive(ByteBuffer.allocate(64).asReadOnlyBuffer()));
            }
            RmsgTests.expect(UnsupportedOperationException.class,
                    () -> s.setOption(StandardSocketOptions.TCP_NODELAY, true));
            // After a refusal the builder is as it was: it still sends.
            cm.ttl(3);
            RmsgTests.eq(0, cm.clear().getClass() == ControlMessages.class ? 0 : 1, "clear returns the builder");
        }
    }

    @RmsgTests.Test
    static void closedObjects() throws Exception {
        SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM);
        Receiver r = pair.second().receiver(16);
        var b = pair.second().batchReceiver(2, 16);
        ControlMessages cm = new ControlMessages();
        int[] p = Libc.pipe();
        Fd fd = Fd.adopt(p[0]);
        Libc.close(p[1]);
        r.close();
        b.close();
        cm.close();
        fd.close();
        r.close(); // twice is fine
        fd.close();
        RmsgTests.expect(IllegalStateException.class, () -> r.receive(ByteBuffer.allocate(16)));
        RmsgTests.expect(IllegalStateException.class, () -> b.receive(ByteBuffer.allocate(32)));
        RmsgTests.expect(IllegalStateException.class, () -> cm.ttl(5));
        RmsgTests.expect(IllegalStateException.class, fd::value);
        RmsgTests.expect(IllegalStateException.class, fd::detach);
        pair.close();
        pair.close();
        RmsgTests.check(!pair.first().isOpen(), "closed");
        for (RmsgTests.Body call : List.<RmsgTests.Body>of(() -> pair.first().send(ByteBuffer.allocate(1)),
                () -> pair.first().receive(ByteBuffer.allocate(1)), () -> pair.first().localAddress(),
                () -> pair.first().setOption(RmsgOptions.SO_PASSCRED, true), () -> pair.first().receiver(8))) {
            RmsgTests.expect(ClosedChannelException.class, call);
        }
        // Memory from a closed arena is refused by the FFM API, never read.
        MemorySegment gone;
        try (Arena a = Arena.ofConfined()) {
            gone = a.allocate(16);
        }
        try (SocketPair live = RmsgSocket.pair(SocketType.DATAGRAM); Arena shared = Arena.ofShared()) {
            MemorySegment g = gone;
            RmsgTests.expect(IllegalStateException.class, () -> live.first().send(g, null, null, 0));
            RmsgTests.expect(IllegalStateException.class, () -> live.second().receive(g));
            // A confined segment from another thread: refused, not written.
            MemorySegment mine = Arena.ofConfined().allocate(16);
            live.first().send(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            Throwable[] other = new Throwable[1];
            Thread t = new Thread(() -> other[0] = RmsgTests.expect(WrongThreadException.class,
                    () -> live.second().receive(mine)));
            t.start();
            t.join();
            RmsgTests.check(other[0] instanceof WrongThreadException, "refused on another thread: " + other[0]);
            // A segment of a shared arena is copied, never handed to the kernel;
            // the message refused above is still there.
            MemorySegment s = shared.allocate(16);
            try (var m = live.second().receive(s)) {
                RmsgTests.eq(3, m.length(), "the message is received, not lost to the refusal");
            }
        }
    }
}
