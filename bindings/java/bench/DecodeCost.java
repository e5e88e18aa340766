import static java.lang.foreign.ValueLayout.ADDRESS;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import rmsg.ControlMessages;
import rmsg.Message;
import rmsg.Receiver;
import rmsg.RmsgOptions;
import rmsg.RmsgSocket;

/**
 * What the binding's decode costs, without the receive: one UDP datagram
 * over 127.0.0.1 is received by a Receiver, then the very same library
 * message is turned into a Message again and again, hot, both ways the
 * binding has: per item (rmsg_message_summarize, rmsg_message_items, per
 * item rmsg_message_item and its decoder) and through the message's
 * rmsg_view (what Receiver and BatchReceiver do). The receive is left out
 * because the kernel's share of it is large and noisy on a shared machine;
 * this is the part the binding controls. The two ways are reached by
 * reflection (package-private), so the program runs with --add-opens
 * rmsg/rmsg (build.sh decode-cost does).
 *
 * Each round times CALLS decodes of each way (the order alternates); after
 * WARMUP rounds, ROUNDS are counted. The report gives the median ns per
 * message with the lowest..highest round.
 *
 *   bash bindings/java/build.sh decode-cost [ROUNDS [CALLS [WARMUP]]]
 *   defaults: 15 rounds, 200000 calls, 5 warm-up rounds
 */
public final class DecodeCost {
    record Case(String name, boolean pktinfo, boolean tos) {}

    static long checksum; // keeps what the loops read alive

    public static void main(String[] args) throws Throwable {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        System.out.printf(Locale.ROOT, "decode of one 64-byte UDP datagram, hot, %d rounds of %d (%d warm-up); "
                + "Java %s, rmsg %s%n", rounds, calls, warmup, Runtime.version(), rmsg.Rmsg.version());
        for (Case c : List.of(new Case("IP_TTL", false, false), new Case("IP_PKTINFO + IP_TTL", true, false),
                new Case("IP_PKTINFO + IP_TTL + IP_TOS", true, true))) {
            run(c, rounds, calls, warmup);
        }
        System.out.println("(checksum " + (checksum & 1) + ")");
    }

    static void run(Case c, int rounds, int calls, int warmup) throws Throwable {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (RmsgSocket rx = RmsgSocket.udp(StandardProtocolFamily.INET);
             RmsgSocket tx = RmsgSocket.udp(StandardProtocolFamily.INET);
             ControlMessages tos = new ControlMessages().tos(0xb8 | 2)) {
            rx.bind(new InetSocketAddress(lo, 0)).setOption(RmsgOptions.IP_RECVTTL, true)
                    .setOption(RmsgOptions.IP_PKTINFO, c.pktinfo()).setOption(RmsgOptions.IP_RECVTOS, c.tos());
            tx.bind(new InetSocketAddress(lo, 0));
            try (Receiver r = rx.receiver(64); Arena arena = Arena.ofConfined()) {
                tx.send(ByteBuffer.allocateDirect(64), rx.localAddress(), tos);
                int items;
                try (Message m = r.receive(ByteBuffer.allocateDirect(64))) {
                    items = m.items().size();
                }
                Field out = Receiver.class.getDeclaredField("out");
                out.setAccessible(true);
                MemorySegment view = ((MemorySegment) out.get(r)).get(ADDRESS, 0);
                MemorySegment message = view.reinterpret(8).get(ADDRESS, 0); // rmsg_view.message
                Field decoderField = Class.forName("rmsg.NativeReceiver").getDeclaredField("decoder");
                decoderField.setAccessible(true);
                Object decoder = decoderField.get(r);
                Class<?> type = Class.forName("rmsg.Decoder");
                Method perItem = type.getDeclaredMethod("decode", MemorySegment.class, MemorySegment.class,
                        long.class, long.class);
                Method viaView = type.getDeclaredMethod("decodeView", MemorySegment.class, MemorySegment.class,
                        long.class);
                perItem.setAccessible(true);
                viaView.setAccessible(true);
                MethodHandle a = MethodHandles.lookup().unreflect(perItem).bindTo(decoder);
                MethodHandle b = MethodHandles.lookup().unreflect(viaView).bindTo(decoder);
                MemorySegment dst = arena.allocate(64);
                double[] ta = new double[rounds];
                double[] tb = new double[rounds];
                for (int round = -warmup; round < rounds; round++) {
                    double x;
                    double y;
                    if ((round & 1) == 0) {
                        x = timePerItem(a, message, dst, calls);
                        y = timeView(b, view, dst, calls);
                    } else {
                        y = timeView(b, view, dst, calls);
                        x = timePerItem(a, message, dst, calls);
                    }
                    if (round >= 0) {
                        ta[round] = x;
                        tb[round] = y;
                    }
                }
                System.out.printf(Locale.ROOT, "%-30s (%d item%s): per item %.0f ns (%.0f..%.0f), "
                        + "through the view %.0f ns (%.0f..%.0f)%n", c.name(), items, items == 1 ? "" : "s", median(ta), min(ta), max(ta),
                        median(tb), min(tb), max(tb));
            }
        }
    }

    static double timePerItem(MethodHandle h, MemorySegment message, MemorySegment dst, int calls) throws Throwable {
        long t = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            Message m = (Message) h.invokeExact(message, dst, 0L, -1L);
            checksum += m.items().size() + m.length();
        }
        return (System.nanoTime() - t) / (double) calls;
    }

    static double timeView(MethodHandle h, MemorySegment view, MemorySegment dst, int calls) throws Throwable {
        long t = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            Message m = (Message) h.invokeExact(view, dst, 0L);
            checksum += m.items().size() + m.length();
        }
        return (System.nanoTime() - t) / (double) calls;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double min(double[] v) {
        return Arrays.stream(v).min().orElse(0);
    }

    static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
