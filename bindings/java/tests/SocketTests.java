import static java.nio.charset.StandardCharsets.UTF_8;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import rmsg.BatchReceiver;
import rmsg.ControlItem;
import rmsg.ControlMessages;
import rmsg.Fd;
import rmsg.FdSocket;
import rmsg.Message;
import rmsg.MsgFlags;
import rmsg.Receiver;
import rmsg.RmsgException;
import rmsg.RmsgOptions;
import rmsg.RmsgSocket;
import rmsg.SocketPair;
import rmsg.SocketType;
import rmsg.TimedOutException;
import rmsg.UnixAbstractAddress;
import rmsg.WouldBlockException;

/** Unix sockets: descriptors Java to Java, credentials, timestamps, truncation, timeouts, errors, closing. */
final class SocketTests {
    private SocketTests() {}

    static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(UTF_8));
    }

    static String text(Message m) {
        return new String(m.bytes(), UTF_8);
    }

    static ControlItem.Rights rights(Message m) {
        return m.item(ControlItem.Rights.class).orElseThrow(() -> new AssertionError("no SCM_RIGHTS in " + m));
    }

    /** Passes a pipe's write end over a datagram pair; the receiver writes through its copy. */
    @RmsgTests.Test
    static void descriptorsJavaToJava() throws Exception {
        int[] p = Libc.pipe();
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM);
             ControlMessages cm = new ControlMessages().fds(p[1])) {
            RmsgTests.eq(5, pair.first().send(text("hello"), cm), "bytes sent");
            Libc.close(p[1]);
            ByteBuffer dst = ByteBuffer.allocateDirect(64);
            try (Message m = pair.second().receive(dst)) {
                RmsgTests.eq("hello", text(m), "data");
                RmsgTests.eq(5, dst.position(), "buffer position");
                RmsgTests.check(m.source() == null, "an unnamed peer has no address: " + m.source());
                List<Fd> fds = rights(m).fds();
                RmsgTests.eq(1, fds.size(), "descriptors");
                RmsgTests.eq(fds, m.fds().asList(), "the message's descriptors are the item's");
                Libc.write(fds.get(0).value(), "through the copy");
            }
            // The message closed its copy: the pipe's only write end is gone.
            RmsgTests.eq("through the copy", Libc.readAll(p[0]), "read from the pipe");
        } finally {
            Libc.close(p[0]);
        }
    }

    /** Stream and seqpacket connections: listen, connect, accept, descriptors both ways. */
    @RmsgTests.Test
    static void streamAndSeqpacketConnections() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("rmsg.test.work")), "unix");
        try {
            UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("s"));
            UnixAbstractAddress abs = UnixAbstractAddress.of("rmsg-java-" + ProcessHandle.current().pid());
            for (var local : List.<java.net.SocketAddress>of(path, abs)) {
                SocketType type = local == path ? SocketType.STREAM : SocketType.SEQPACKET;
                try (RmsgSocket listener = RmsgSocket.unix(type)) {
                    listener.bind(local).listen(4);
                    RmsgTests.eq(local, listener.localAddress(), "bound address");
                    try (RmsgSocket client = RmsgSocket.unix(type)) {
                        client.connect(local);
                        try (RmsgSocket server = listener.accept()) {
                            RmsgTests.eq(type, server.type(), "accepted type");
                            RmsgTests.eq(local, client.remoteAddress(), "peer address");
                            int[] p = Libc.pipe();
                            try (ControlMessages cm = new ControlMessages().fds(p[0], p[1])) {
                                client.send(text("two"), cm);
                                server.send(text("back"), cm);
                            }
                            Libc.close(p[0]);
                            Libc.close(p[1]);
                            ByteBuffer buf = ByteBuffer.allocate(64);
                            try (Message m = server.receive(buf); Message n = client.receive(buf)) {
                                RmsgTests.eq("two", text(m), "client to server");
                                RmsgTests.eq("back", text(n), "server to client");
                                RmsgTests.eq(2, m.fds().size(), "descriptors to the server");
                                RmsgTests.eq(2, n.fds().size(), "descriptors to the client");
                                Libc.write(n.fds().get(1).value(), type.toString());
                                n.fds().get(1).close();
                                m.fds().get(1).close();
                                RmsgTests.eq(type.toString(), Libc.readAll(m.fds().get(0).value()), "through the pipe");
                            }
                        }
                    }
                }
            }
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Unix datagram sockets bound to an abstract name and a path report them as sources. */
    @RmsgTests.Test
    static void unixSourceAddresses() throws Exception {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("rmsg.test.work")), "unix");
        UnixAbstractAddress a = UnixAbstractAddress.of(("rmsg\0java-" + ProcessHandle.current().pid()).getBytes(UTF_8));
        UnixDomainSocketAddress b = UnixDomainSocketAddress.of(dir.resolve("b"));
        try (RmsgSocket sa = RmsgSocket.unix(SocketType.DATAGRAM); RmsgSocket sb = RmsgSocket.unix(SocketType.DATAGRAM)) {
            sa.bind(a);
            sb.bind(b);
            sa.send(text("from a"), b, null);
            sb.send(text("from b"), a, null);
            ByteBuffer buf = ByteBuffer.allocateDirect(64);
            try (Message m = sb.receive(buf); Message n = sa.receive(buf)) {
                RmsgTests.eq(a, m.source(), "abstract source (a NUL inside the name)");
                RmsgTests.eq(b, n.source(), "path source");
                RmsgTests.eq("from b", text(n), "data");
            }
        } finally {
            Files.deleteIfExists(dir.resolve("b"));
            Files.delete(dir);
        }
    }

    /** One recvmmsg: each message has its own data, descriptors and flags. */
    @RmsgTests.Test
    static void batchKeepsMessagesApart() throws Exception {
        int[] p = Libc.pipe();
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM)) {
            BatchReceiver batch = pair.second().batchReceiver(8, 16);
            for (int i = 0; i < 4; i++) {
                int[] fds = new int[i];
                java.util.Arrays.fill(fds, p[1]);
                try (ControlMessages cm = new ControlMessages().fds(fds)) {
                    pair.first().send(text("message " + i + (i == 3 ? " is longer than sixteen" : "")), cm);
                }
            }
            ByteBuffer dst = ByteBuffer.allocateDirect((int) batch.room());
            List<Message> got = batch.receive(dst);
            try {
                RmsgTests.eq(4, got.size(), "messages in one batch");
                for (int i = 0; i < 4; i++) {
                    Message m = got.get(i);
                    RmsgTests.eq(i, m.fds().size(), "descriptors of message " + i);
                    RmsgTests.eq(i == 3, m.truncated(), "MSG_TRUNC of message " + i);
                }
                RmsgTests.eq("message 0", text(got.get(0)), "first data");
                RmsgTests.eq("message 3 is lon", text(got.get(3)), "cut data");
                RmsgTests.eq(9 * 3 + 16, dst.position(), "data laid one after the other");
                batch.close();
                RmsgTests.check(got.get(3).fds().get(2).isOpen(), "taken descriptors outlive the batch");
            } finally {
                for (Message m : got) {
                    m.close();
                }
            }
            RmsgTests.check(got.get(3).fds().get(2).toString().contains("closed"), "closed with its message");
            RmsgTests.expect(IllegalStateException.class, () -> batch.receive(ByteBuffer.allocate((int) batch.room())));
        } finally {
            Libc.close(p[0]);
            Libc.close(p[1]);
        }
    }

    /** A receiver is received into again and again; descriptors not detached are closed with their message. */
    @RmsgTests.Test
    static void receiverAgainAndAgain() throws Exception {
        int[] p = Libc.pipe();
        try (SocketPair pair = RmsgSocket.pair(SocketType.SEQPACKET);
             ControlMessages cm = new ControlMessages().fds(p[1]);
             Receiver r = pair.second().receiver(32)) {
            List<Integer> detached = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pair.first().send(text("round " + i), cm);
                MemorySegment dst = Arena.ofAuto().allocate(32);
                try (Message m = r.receive(dst)) {
                    RmsgTests.eq("round " + i, text(m), "data");
                    if (i == 1) {
                        detached.addAll(java.util.Arrays.stream(m.fds().detachAll()).boxed().toList());
                    }
                }
            }
            RmsgTests.eq(1, detached.size(), "detached descriptors");
            RmsgTests.check(Libc.isOpen(detached.get(0)), "a detached descriptor stays open");
            Libc.close(detached.get(0));
            // The peek's copies are owned too.
            pair.first().send(text("peek"), cm);
            try (Message peeked = r.receive(ByteBuffer.allocate(32), MsgFlags.MSG_PEEK);
                 Message m = r.receive(ByteBuffer.allocate(32))) {
                RmsgTests.eq("peek", text(peeked), "peeked data");
                RmsgTests.check(peeked.fds().get(0).value() != m.fds().get(0).value(),
                        "MSG_PEEK installs the descriptors again");
            }
        } finally {
            Libc.close(p[0]);
            Libc.close(p[1]);
        }
    }

    @RmsgTests.Test
    static void credentialsAndTimestamps() throws Exception {
        Instant start = Instant.now();
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM);
             ControlMessages creds = new ControlMessages().ownCredentials()) {
            pair.second().setOption(RmsgOptions.SO_PASSCRED, true).setOption(RmsgOptions.SO_TIMESTAMPNS, true);
            RmsgTests.eq(true, pair.second().getOption(RmsgOptions.SO_PASSCRED), "SO_PASSCRED read back");
            pair.first().send(text("explicit"), creds);
            pair.first().send(text("implicit"));
            for (String which : List.of("explicit", "implicit")) {
                try (Message m = pair.second().receive(ByteBuffer.allocate(64))) {
                    RmsgTests.eq(which, text(m), "data");
                    var c = m.item(ControlItem.Credentials.class).orElseThrow();
                    RmsgTests.eq(new ControlItem.Credentials((int) ProcessHandle.current().pid(), Libc.getuid(),
                            Libc.getgid()), c, "credentials");
                    Instant t = m.item(ControlItem.Timestamp.class).orElseThrow().time();
                    RmsgTests.check(!t.isBefore(start.minusSeconds(60)) && !t.isAfter(Instant.now().plusSeconds(60)),
                            "the kernel's receive time " + t + " is about now");
                }
            }
        }
    }

    /** MSG_TRUNC for a cut datagram, MSG_CTRUNC for cut control data; no descriptor leaks either way. */
    @RmsgTests.Test
    static void truncationFlags() throws Exception {
        int[] p = Libc.pipe();
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM);
             ControlMessages three = new ControlMessages().fds(p[0], p[1], p[1]);
             Receiver small = pair.second().receiver(10, 20)) {
            pair.first().send(ByteBuffer.allocate(100));
            try (Message m = small.receive(ByteBuffer.allocate(10))) {
                RmsgTests.check(m.truncated() && !m.controlTruncated(), "MSG_TRUNC alone: " + m.flags());
                RmsgTests.eq(10, m.length(), "bytes kept");
                RmsgTests.eq(10L, m.nbytes(), "recvmsg's count");
            }
            pair.first().send(ByteBuffer.allocate(100));
            try (Message m = pair.second().receive(ByteBuffer.allocate(10), MsgFlags.MSG_TRUNC)) {
                RmsgTests.eq(100L, m.nbytes(), "the datagram's length, with MSG_TRUNC passed");
                RmsgTests.eq(10, m.length(), "bytes kept");
            }
            // CMSG_LEN(4) bytes of control room: one descriptor of three arrives.
            pair.first().send(text("fds"), three);
            try (Message m = small.receive(ByteBuffer.allocate(10))) {
                RmsgTests.check(m.controlTruncated() && !m.truncated(), "MSG_CTRUNC alone: " + m.flags());
                RmsgTests.check(m.fds().size() >= 1 && m.fds().size() < 3, "some descriptors: " + m.fds());
            }
        } finally {
            Libc.close(p[0]);
            Libc.close(p[1]);
        }
    }

    @RmsgTests.Test
    static void timeouts() throws Exception {
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM);
             Receiver r = pair.second().receiver(64);
             BatchReceiver b = pair.second().batchReceiver(4, 64);
             RmsgSocket listener = RmsgSocket.unix(SocketType.SEQPACKET)) {
            var s = pair.second();
            ByteBuffer buf = ByteBuffer.allocate(256);
            s.setReceiveTimeout(Duration.ofMillis(20));
            RmsgTests.eq(Duration.ofMillis(20), s.getReceiveTimeout(), "timeout read back");
            for (RmsgTests.Body call : List.<RmsgTests.Body>of(() -> s.receive(buf), () -> r.receive(buf),
                    () -> b.receive(buf))) {
                TimedOutException e = RmsgTests.expect(TimedOutException.class, call);
                RmsgTests.eq(110, e.errno(), "ETIMEDOUT");
                RmsgTests.eq("RMSG_ERR_TIMED_OUT", e.statusName(), "status name");
                RmsgTests.eq(3, e.status(), "status");
            }
            s.setReceiveTimeout(Duration.ZERO);
            for (RmsgTests.Body call : List.<RmsgTests.Body>of(() -> s.receive(buf), () -> r.receive(buf),
                    () -> b.receive(buf))) {
                WouldBlockException e = RmsgTests.expect(WouldBlockException.class, call);
                RmsgTests.eq(11, e.errno(), "EAGAIN");
                RmsgTests.eq("RMSG_ERR_WOULD_BLOCK", e.statusName(), "status name");
            }
            s.setReceiveTimeout(null);
            RmsgTests.eq(null, s.getReceiveTimeout(), "blocking again");

            listener.bind(UnixAbstractAddress.of("rmsg-java-accept-" + ProcessHandle.current().pid())).listen(1);
            listener.setReceiveTimeout(Duration.ofMillis(20));
            RmsgTests.expect(TimedOutException.class, listener::accept);
            listener.setReceiveTimeout(Duration.ZERO);
            RmsgTests.expect(WouldBlockException.class, listener::accept);

            // Nobody reads: the sender's queue fills.
            var f = pair.first();
            f.setSendTimeout(Duration.ZERO);
            WouldBlockException full = null;
            for (int i = 0; i < 100_000 && full == null; i++) {
                try {
                    f.send(ByteBuffer.allocate(1000));
                } catch (WouldBlockException e) {
                    full = e;
                }
            }
            RmsgTests.check(full != null, "a full queue gives WouldBlockException");
            f.setSendTimeout(Duration.ofMillis(20));
            RmsgTests.expect(TimedOutException.class, () -> f.send(ByteBuffer.allocate(1000)));
        }
    }

    /** Failed calls are RmsgExceptions with the errno and the status name. */
    @RmsgTests.Test
    static void errorsCarryErrnoAndStatus() throws Exception {
        int[] p = Libc.pipe();
        Libc.close(p[1]);
        RmsgException notSocket = RmsgTests.expect(RmsgException.class, () -> FdSocket.of(p[0]));
        RmsgTests.eq(88, notSocket.errno(), "ENOTSOCK");
        RmsgTests.eq("RMSG_ERR_OS", notSocket.statusName(), "status name");
        Libc.close(p[0]);
        RmsgException badFd = RmsgTests.expect(RmsgException.class, () -> FdSocket.of(p[0]));
        RmsgTests.eq(9, badFd.errno(), "EBADF");

        try (SocketPair pair = RmsgSocket.pair(SocketType.STREAM)) {
            pair.second().close();
            RmsgException gone = RmsgTests.expect(RmsgException.class, () -> pair.first().send(text("x")));
            RmsgTests.eq(32, gone.errno(), "EPIPE");
            RmsgTests.eq("RMSG_ERR_BROKEN_PIPE", gone.statusName(), "status name");
            RmsgTests.check(gone.getMessage().contains("rmsg_sendmsg"), "message names the call: " + gone);
        }
        try (RmsgSocket s = RmsgSocket.unix(SocketType.DATAGRAM)) {
            var nowhere = UnixDomainSocketAddress.of("/nonexistent/rmsg-java-test");
            RmsgException e = RmsgTests.expect(RmsgException.class, () -> s.send(text("x"), nowhere, null));
            RmsgTests.eq(2, e.errno(), "ENOENT");
            RmsgException c = RmsgTests.expect(RmsgException.class, () -> s.connect(nowhere));
            RmsgTests.eq(2, c.errno(), "ENOENT from connect");
        }
    }

    /** A wrapped descriptor stays the caller's; an adopted one becomes the socket's. */
    @RmsgTests.Test
    static void wrapAndAdopt() throws Exception {
        try (SocketPair carrier = RmsgSocket.pair(SocketType.DATAGRAM);
             SocketPair other = RmsgSocket.pair(SocketType.DATAGRAM)) {
            try (FdSocket wrapped = FdSocket.of(carrier.first().fd())) {
                RmsgTests.eq(SocketType.DATAGRAM, wrapped.type(), "type asked of the kernel");
                RmsgTests.eq(java.net.StandardProtocolFamily.UNIX, wrapped.family(), "family");
                try (ControlMessages cm = new ControlMessages().fds(other.second().fd())) {
                    wrapped.send(text("a socket"), cm);
                }
            }
            RmsgTests.check(Libc.isOpen(carrier.first().fd()), "closing the wrapper left the descriptor open");
            try (Message m = carrier.second().receive(ByteBuffer.allocate(64))) {
                try (RmsgSocket adopted = RmsgSocket.adopt(m.fds().get(0))) {
                    RmsgTests.check(!m.fds().get(0).isOpen(), "the Fd gave its descriptor away");
                    adopted.send(text("via the copy"));
                }
            }
            try (Message m = other.first().receive(ByteBuffer.allocate(64))) {
                RmsgTests.eq("via the copy", text(m), "sent through the adopted socket");
            }
            carrier.first().send(text("still works"));
            try (Message m = carrier.second().receive(ByteBuffer.allocate(64))) {
                RmsgTests.eq("still works", text(m), "the wrapped descriptor works after the wrapper closed");
            }
        }
    }

    /** Closing a socket wakes a receive blocked on it, and the descriptor is closed after it returns. */
    @RmsgTests.Test
    static void closeWakesABlockedReceive() throws Exception {
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM)) {
            RmsgSocket s = pair.second();
            int fd = s.fd();
            AtomicReference<Object> result = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try (Receiver r = s.receiver(64); Message m = r.receive(ByteBuffer.allocate(64))) {
                    result.set(m.length());
                } catch (Throwable e) {
                    result.set(e);
                }
            });
            t.start();
            while (t.getState() != Thread.State.RUNNABLE || !Libc.isOpen(fd)) {
                Thread.onSpinWait();
            }
            Thread.sleep(100); // lets it enter recvmsg; not a timing assertion
            s.close();
            t.join(30_000);
            RmsgTests.check(!t.isAlive(), "the blocked receive returned after close");
            RmsgTests.check(result.get() instanceof Integer n && n == 0
                    || result.get() instanceof java.nio.channels.ClosedChannelException,
                    "an empty read or a closed channel: " + result.get());
            RmsgTests.check(!Libc.isOpen(fd), "the descriptor was closed once the call returned");
            RmsgTests.expect(java.nio.channels.ClosedChannelException.class, () -> s.receive(ByteBuffer.allocate(8)));
        }
    }

    /**
     * A failure after the kernel installed descriptors leaves none open:
     * the destination's arena is closed while a receive waits, so that
     * copying the data out fails after the syscall. The message's
     * descriptors stay with the receiver, which closes them (the runner's
     * descriptor count checks it).
     */
    @RmsgTests.Test
    static void descriptorsClosedWhenAFailureFollowsTheReceive() throws Exception {
        int[] p = Libc.pipe();
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM);
             ControlMessages cm = new ControlMessages().fds(p[0], p[1])) {
            for (int attempt = 0; attempt < 20; attempt++) {
                Arena shared = Arena.ofShared();
                MemorySegment dst = shared.allocate(64);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                try (Receiver r = pair.second().receiver(64)) {
                    Thread t = new Thread(() -> {
                        try (Message m = r.receive(dst)) {
                            failure.set(new AssertionError("received into a closed arena: " + m));
                        } catch (Throwable e) {
                            failure.set(e);
                        }
                    });
                    t.start();
                    Thread.sleep(100); // lets it wait in recvmsg; retried below if it did not
                    shared.close();
                    pair.first().send(text("fds"), cm);
                    t.join(30_000);
                    RmsgTests.check(!t.isAlive(), "the receive returned");
                }
                RmsgTests.check(failure.get() instanceof IllegalStateException, "refused: " + failure.get());
                // If the arena closed before the receive began, the message is still queued: try again.
                pair.second().setReceiveTimeout(Duration.ZERO);
                try (Message m = pair.second().receive(ByteBuffer.allocate(64))) {
                    RmsgTests.eq(2, m.fds().size(), "the queued message");
                    continue;
                } catch (WouldBlockException e) {
                    return; // consumed by the failed receive, and its descriptors are closed
                } finally {
                    pair.second().setReceiveTimeout(null);
                }
            }
            throw new AssertionError("the arena never closed while the receive waited");
        } finally {
            Libc.close(p[0]);
            Libc.close(p[1]);
        }
    }

    /** Heap buffers and segments work as destinations and sources, through a copy. */
    @RmsgTests.Test
    static void heapAndNativeMemory() throws Exception {
        try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM); Arena arena = Arena.ofConfined()) {
            MemorySegment heap = MemorySegment.ofArray(new byte[64]);
            MemorySegment nat = arena.allocate(64);
            pair.first().send(MemorySegment.ofArray("heap source".getBytes(UTF_8)), null, null, 0);
            pair.first().send(arena.allocateFrom("native source"), null, null, 0);
            try (Message a = pair.second().receive(heap); Message b = pair.second().receive(nat)) {
                RmsgTests.eq("heap source", text(a), "into a heap segment");
                RmsgTests.eq("native source\0", text(b), "into a native segment (C string with its NUL)");
                RmsgTests.check(a.data().isNative() == false && b.data().isNative(), "data is a slice of the destination");
            }
        }
    }
}
