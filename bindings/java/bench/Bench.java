import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import rmsg.BatchReceiver;
import rmsg.ControlItem;
import rmsg.ControlMessages;
import rmsg.Message;
import rmsg.Receiver;
import rmsg.RmsgOptions;
import rmsg.RmsgSocket;

/**
 * Messages per second of rmsg's Java receive against the JDK's
 * DatagramChannel.receive, on the same traffic in the same run: 64-byte UDP
 * datagrams over 127.0.0.1.
 *
 * Scenario "plain": a DatagramChannel sends single datagrams. rmsg's socket
 * has IP_PKTINFO and IP_RECVTTL on, and every message's packet info and TTL
 * are decoded and read; the DatagramChannel's socket has neither (it cannot
 * give them) and receives the data and the source address only. Receivers:
 * DatagramChannel.receive (the baseline), rmsg's Receiver (one recvmsg per
 * message) and BatchReceiver (one recvmmsg per 32).
 *
 * Scenario "gso": the same 64-byte datagrams, sent 64 at a time by an rmsg
 * socket with UDP_SEGMENT (GSO), as QUIC servers send. The DatagramChannel
 * gets them one by one (the kernel splits them for a socket without
 * UDP_GRO); rmsg's socket has UDP_GRO on and receives each send as one
 * coalesced message, whose segments (Message.segments) are counted and
 * checked as datagrams, with the packet info and TTL decoded. On a real
 * network the NIC's GRO coalesces a plain sender's datagrams for such a
 * socket; loopback has no GRO engine, so the GSO sender stands in for it.
 *
 * Each round queues QUEUE datagrams on a receiver's socket and times how
 * long it takes to drain them, FILLS times, for each receiver in turn (the
 * order rotates between rounds); sending is not timed. After WARMUP rounds
 * that are not counted (the JIT compiles the loops), ROUNDS rounds are. The
 * report gives each receiver's median rate with the spread (lowest and
 * highest round), and the median over rounds of its ratio to
 * DatagramChannel.receive in the same round (above 1 is faster).
 *
 *   bash bindings/java/build.sh bench [ROUNDS [FILLS [QUEUE [WARMUP]]]]
 *   defaults: 15 rounds, 16 fills, 256 datagrams, 5 warm-up rounds
 */
public final class Bench {
    static final int SIZE = 64;
    static final int BATCH = 32;
    static final int SEGMENTS = 64; // datagrams per GSO send
    static final InetAddress LO = InetAddress.getLoopbackAddress();

    interface Drain {
        /** Receives until {@code n} datagrams came; returns how many were as expected. */
        int drain(int n) throws IOException;
    }

    interface Fill {
        void fill(int n) throws IOException;
    }

    record Method(String name, Drain drain, Fill fill) {}

    static long checksum; // keeps what the loops read alive

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int fills = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int queue = args.length > 2 ? Integer.parseInt(args[2]) : 256;
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        queue = Math.max(SEGMENTS, queue - queue % SEGMENTS);
        System.out.printf(Locale.ROOT, "%d-byte UDP datagrams over 127.0.0.1; %d rounds of %d x %d datagrams "
                + "per receiver (%d warm-up rounds); Java %s, rmsg %s%n", SIZE, rounds, fills, queue, warmup,
                Runtime.version(), rmsg.Rmsg.version());

        try (DatagramChannel tx = DatagramChannel.open(StandardProtocolFamily.INET);
             RmsgSocket gsoTx = RmsgSocket.udp(StandardProtocolFamily.INET);
             ControlMessages gso = new ControlMessages().udpSegment(SIZE);
             DatagramChannel dc = channel();
             RmsgSocket rx = rmsgSocket(false);
             RmsgSocket rxGro = rmsgSocket(true);
             Receiver single = rx.receiver(2048);
             BatchReceiver batch = rx.batchReceiver(BATCH, 2048);
             BatchReceiver groBatch = rxGro.batchReceiver(BATCH, SIZE * SEGMENTS)) {
            tx.bind(new InetSocketAddress(LO, 0));
            gsoTx.bind(new InetSocketAddress(LO, 0));
            SocketAddress dcAddr = dc.getLocalAddress();
            SocketAddress rxAddr = rx.localAddress();
            SocketAddress groAddr = rxGro.localAddress();
            ByteBuffer payload = ByteBuffer.allocateDirect(SIZE);
            ByteBuffer gsoPayload = ByteBuffer.allocateDirect(SIZE * SEGMENTS);
            Fill plainToDc = n -> send(tx, payload, dcAddr, n);
            Fill plainToRx = n -> send(tx, payload, rxAddr, n);
            Fill gsoToDc = n -> sendGso(gsoTx, gsoPayload, gso, dcAddr, n);
            Fill gsoToRx = n -> sendGso(gsoTx, gsoPayload, gso, groAddr, n);

            ByteBuffer dcBuf = ByteBuffer.allocateDirect(2048);
            Drain channel = n -> {
                for (int i = 0; i < n; i++) {
                    dcBuf.clear();
                    SocketAddress from = dc.receive(dcBuf);
                    checksum += dcBuf.position() + from.hashCode();
                }
                return n;
            };
            ByteBuffer one = ByteBuffer.allocateDirect(single.bufferSize());
            ByteBuffer many = ByteBuffer.allocateDirect((int) batch.room());
            ByteBuffer coalesced = ByteBuffer.allocateDirect((int) groBatch.room());

            scenario("plain: single datagrams; rmsg decodes IP_PKTINFO and IP_TTL of each", rounds, fills, queue,
                    warmup, List.of(
                            new Method("DatagramChannel.receive", channel, plainToDc),
                            new Method("rmsg Receiver.receive", n -> {
                                int ok = 0;
                                for (int i = 0; i < n; i++) {
                                    one.clear();
                                    ok += check(single.receive(one));
                                }
                                return ok;
                            }, plainToRx),
                            new Method("rmsg BatchReceiver.receive(" + BATCH + ")", n -> {
                                int got = 0;
                                int ok = 0;
                                while (got < n) {
                                    many.clear();
                                    for (Message m : batch.receive(many)) {
                                        got++;
                                        ok += check(m);
                                    }
                                }
                                return ok;
                            }, plainToRx)));

            scenario("gso: " + SEGMENTS + " datagrams per UDP_SEGMENT send; rmsg with UDP_GRO, decodes segments, "
                    + "IP_PKTINFO and IP_TTL", rounds, fills, queue, warmup, List.of(
                            new Method("DatagramChannel.receive", channel, gsoToDc),
                            new Method("rmsg BatchReceiver.receive(" + BATCH + ") + UDP_GRO", n -> {
                                int got = 0;
                                int ok = 0;
                                while (got < n) {
                                    coalesced.clear();
                                    for (Message m : batch(groBatch, coalesced)) {
                                        int good = check(m);
                                        for (var segment : m.segments()) {
                                            got++;
                                            ok += segment.byteSize() == SIZE ? good : 0;
                                        }
                                    }
                                }
                                return ok;
                            }, gsoToRx)));
            System.out.println("(checksum " + (checksum & 0xff) + ")");
        }
    }

    static List<Message> batch(BatchReceiver b, ByteBuffer dst) throws IOException {
        return b.receive(dst);
    }

    static DatagramChannel channel() throws IOException {
        DatagramChannel dc = DatagramChannel.open(StandardProtocolFamily.INET);
        dc.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        dc.bind(new InetSocketAddress(LO, 0));
        return dc;
    }

    static RmsgSocket rmsgSocket(boolean gro) throws IOException {
        RmsgSocket s = RmsgSocket.udp(StandardProtocolFamily.INET);
        s.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        s.bind(new InetSocketAddress(LO, 0));
        s.setOption(RmsgOptions.IP_PKTINFO, true);
        s.setOption(RmsgOptions.IP_RECVTTL, true);
        if (gro) {
            s.setOption(RmsgOptions.UDP_GRO, true);
        }
        // A lost datagram would hang a drain: fail instead.
        s.setReceiveTimeout(Duration.ofSeconds(5));
        return s;
    }

    static void scenario(String title, int rounds, int fills, int queue, int warmup, List<Method> methods)
            throws IOException {
        System.out.println();
        System.out.println(title);
        double[][] rates = new double[methods.size()][rounds];
        for (int r = -warmup; r < rounds; r++) {
            for (int k = 0; k < methods.size(); k++) {
                int idx = Math.floorMod(k + r, methods.size());
                Method m = methods.get(idx);
                long spent = 0;
                for (int f = 0; f < fills; f++) {
                    m.fill().fill(queue);
                    long t0 = System.nanoTime();
                    int ok = m.drain().drain(queue);
                    spent += System.nanoTime() - t0;
                    if (ok != queue) {
                        throw new IllegalStateException(m.name() + ": " + ok + " of " + queue
                                + " datagrams received as expected");
                    }
                }
                if (r >= 0) {
                    rates[idx][r] = (double) fills * queue / (spent / 1e9);
                }
            }
            if (r >= 0) {
                System.out.printf(Locale.ROOT, "round %2d:", r + 1);
                for (int k = 0; k < methods.size(); k++) {
                    System.out.printf(Locale.ROOT, " %9.0f", rates[k][r]);
                }
                System.out.print("  ratios");
                for (int k = 1; k < methods.size(); k++) {
                    System.out.printf(Locale.ROOT, " %.2f", rates[k][r] / rates[0][r]);
                }
                System.out.println();
            }
        }
        System.out.println("messages/s: median (lowest..highest round); ratio to " + methods.get(0).name()
                + " in the same round: median (lowest..highest)");
        for (int k = 0; k < methods.size(); k++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = rates[k][r] / rates[0][r];
            }
            System.out.printf(Locale.ROOT, "  %-40s %9.0f (%.0f..%.0f)  ratio %.2f (%.2f..%.2f)%n",
                    methods.get(k).name(), median(rates[k]), min(rates[k]), max(rates[k]),
                    median(ratio), min(ratio), max(ratio));
        }
    }

    /** 1 when the message has the packet info and TTL that loopback gives. */
    static int check(Message m) {
        int ttl = -1;
        boolean dest = false;
        for (ControlItem item : m.items()) {
            switch (item) {
                case ControlItem.Ttl(int value) -> ttl = value;
                case ControlItem.IpPacketInfo p -> dest = p.destination().equals(LO);
                default -> {}
            }
        }
        checksum += m.source().hashCode();
        return m.length() % SIZE == 0 && ttl == 64 && dest ? 1 : 0;
    }

    static void send(DatagramChannel tx, ByteBuffer payload, SocketAddress to, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            payload.clear();
            tx.send(payload, to);
        }
    }

    static void sendGso(RmsgSocket tx, ByteBuffer payload, ControlMessages gso, SocketAddress to, int n)
            throws IOException {
        for (int i = 0; i < n; i += SEGMENTS) {
            payload.clear();
            tx.send(payload, to, gso);
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
