package rmsg;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A socket that receives and sends whole messages with their control data
 * through librmsg: {@link RmsgSocket} (made by this module, owns its
 * descriptor) or {@link FdSocket} (wraps a descriptor number the caller
 * keeps owning).
 *
 * <h2>Receiving</h2>
 * {@link #receive(ByteBuffer)} receives one message with
 * {@code rmsg_recvmsg_into} into memory of the call's own, copied to the
 * buffer; the control items come back decoded, the descriptors owned
 * ({@link Message#fds}). For
 * a receive loop, {@link #receiver} and {@link #batchReceiver} make objects
 * that hold their native buffers for their whole life and receive with no
 * allocation on the C side ({@code rmsg_receiver_recv},
 * {@code rmsg_batch_recv}, one {@code recvmmsg(2)} for many messages).
 *
 * <p>The control buffer is sized by librmsg for the receive options
 * enabled on the socket ({@code rmsg_control_space_for_socket}, plus room
 * for 253 descriptors on a Unix socket). It is computed when first needed
 * and again after every {@link #setOption}; options set by other code on a
 * wrapped descriptor are not seen until then: pass the size yourself to
 * {@link #receiver(int, int)} in that case.
 *
 * <h2>Waiting</h2>
 * A receive or send blocks until it can go on, unless a timeout is set
 * ({@link #setReceiveTimeout}, {@link #setSendTimeout}): a positive one
 * bounds the whole call ({@link TimedOutException}), a zero one makes it
 * never wait ({@link WouldBlockException}). Interrupted system calls are
 * retried. A blocking call keeps its (platform or carrier) thread in the
 * kernel; with virtual threads, set a timeout.
 *
 * <h2>Threads and closing</h2>
 * Any number of threads may use one socket at once. {@link #close} does not
 * wait: a call in progress finishes with the descriptor still open (an
 * owned socket is shut down to wake a blocked call), and the descriptor is
 * closed when the last one returns, so its number is never reused under a
 * call. Calls after close throw {@link ClosedChannelException}.
 *
 * <h2>Addresses</h2>
 * Addresses are {@link java.net.InetSocketAddress} (IPv4 and IPv6 with
 * scope id), {@link java.net.UnixDomainSocketAddress} (a path; the empty
 * path is an unnamed socket), {@link UnixAbstractAddress} (Linux's abstract
 * names) and, for sources of other families, {@link OtherAddress}.
 */
public abstract sealed class MessageSocket implements AutoCloseable permits RmsgSocket, FdSocket {
    private static final int CLOSED = 1 << 30;
    static final int SOCK_CLOEXEC = 0x80000;
    private static final int SO_TYPE = 3;
    private static final int SO_DOMAIN = 39;
    private static final int EINTR = 4;

    /**
     * The most bytes one {@link #receive(MemorySegment, int)} takes (4 MiB,
     * more than any datagram a default socket buffer holds): its staging
     * memory is this size at most, whatever the destination's.
     */
    public static final long MAX_STAGED = 4 << 20;

    /** How a call waits: an {@code RMSG_WAIT_*} mode and its timeout. */
    record Wait(int mode, long nanos) {
        static final Wait BLOCK = new Wait(0, 0);
        static final Wait NONBLOCK = new Wait(1, 0);

        static Wait of(Duration timeout) {
            if (timeout == null) {
                return BLOCK;
            }
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("a timeout is not negative: " + timeout);
            }
            if (timeout.isZero()) {
                return NONBLOCK;
            }
            long ns;
            try {
                ns = timeout.toNanos();
            } catch (ArithmeticException e) {
                ns = Long.MAX_VALUE;
            }
            return new Wait(2, ns);
        }

        Duration duration() {
            return switch (mode) {
                case 0 -> null;
                case 1 -> Duration.ZERO;
                default -> Duration.ofNanos(nanos);
            };
        }

        /** Writes an {@code rmsg_recv_options} or {@code rmsg_send_options} (same layout). */
        void write(MemorySegment options) {
            options.set(JAVA_INT, 0, mode);
            options.set(JAVA_INT, 4, 0);
            options.set(JAVA_LONG, 8, nanos);
        }
    }

    /** Closes an owned descriptor, once. */
    private record Closer(int fd) implements Runnable {
        @Override
        public void run() {
            Native.closeQuietly(fd);
        }
    }

    final int fd;
    final int domain;
    final int type;
    private final boolean owned;
    /** Calls in progress, plus {@link #CLOSED} once closed. */
    private final AtomicInteger state = new AtomicInteger();
    private final Cleaner.Cleanable closer;
    private volatile Wait receiveWait = Wait.BLOCK;
    private volatile Wait sendWait = Wait.BLOCK;
    /** The default control-buffer size, or -1 until computed. */
    private volatile long controlSpace = -1;

    MessageSocket(int fd, int domain, int type, boolean owned) {
        this.fd = fd;
        this.domain = domain;
        this.type = type;
        this.owned = owned;
        this.closer = Exclusive.CLEANER.register(this, owned ? new Closer(fd) : () -> {});
    }

    /** {@code {domain, type}} of descriptor {@code fd}, asked of the kernel. */
    static int[] describe(int fd) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.callState(a);
            MemorySegment value = a.allocate(JAVA_INT);
            MemorySegment len = a.allocate(JAVA_INT);
            int[] out = new int[2];
            int[] names = {SO_DOMAIN, SO_TYPE};
            for (int i = 0; i < 2; i++) {
                len.set(JAVA_INT, 0, 4);
                if (Native.getsockopt(st, fd, RmsgOptions.SOL_SOCKET, names[i], value, len) != 0) {
                    throw Errors.os("getsockopt(" + fd + ")", Native.errno(st));
                }
                out[i] = value.get(JAVA_INT, 0);
            }
            return out;
        }
    }

    // --- life --------------------------------------------------------------------------

    /** Starts a call on the descriptor. */
    final void acquire() throws ClosedChannelException {
        for (;;) {
            int s = state.get();
            if ((s & CLOSED) != 0) {
                throw new ClosedChannelException();
            }
            if (state.compareAndSet(s, s + 1)) {
                return;
            }
        }
    }

    /** Ends a call started by {@link #acquire}; the last one after a close closes. */
    final void release() {
        if (state.decrementAndGet() == CLOSED) {
            closer.clean();
        }
        Reference.reachabilityFence(this);
    }

    /** Runs {@code call} on the descriptor, between {@link #acquire} and {@link #release}. */
    final <T, X extends Throwable> T using(Exclusive.Call<T, X> call) throws X, ClosedChannelException {
        acquire();
        try {
            return call.run();
        } finally {
            release();
        }
    }

    /** True until {@link #close}. */
    public final boolean isOpen() {
        return (state.get() & CLOSED) == 0;
    }

    /**
     * Closes the socket: an {@link RmsgSocket} closes its descriptor (once
     * no call is using it), an {@link FdSocket} only stops using it.
     */
    @Override
    public final void close() {
        int s;
        do {
            s = state.get();
            if ((s & CLOSED) != 0) {
                return;
            }
            // With calls in progress, hold the descriptor open for the
            // shutdown below as a call would.
        } while (!state.compareAndSet(s, s == 0 ? CLOSED : (s | CLOSED) + 1));
        if (s == 0) {
            closer.clean();
            return;
        }
        try {
            if (owned) {
                try (Arena a = Arena.ofConfined()) {
                    Native.shutdown(Native.callState(a), fd, 2); // SHUT_RDWR: wakes blocked calls
                }
            }
        } finally {
            release();
        }
    }

    // --- what it is ----------------------------------------------------------------

    /** The descriptor number (owned by this object for an {@link RmsgSocket}). */
    public final int fd() {
        return fd;
    }

    /** {@code UNIX}, {@code INET} or {@code INET6}; null for another family. */
    public final ProtocolFamily family() {
        return switch (domain) {
            case Addresses.AF_UNIX -> StandardProtocolFamily.UNIX;
            case Addresses.AF_INET -> StandardProtocolFamily.INET;
            case Addresses.AF_INET6 -> StandardProtocolFamily.INET6;
            default -> null;
        };
    }

    /** The socket type, or null for one this module does not name ({@code SOCK_RAW} ...). */
    public final SocketType type() {
        return SocketType.of(type);
    }

    // --- addresses and connections --------------------------------------------------------

    /** {@code bind(2)}. */
    public final MessageSocket bind(SocketAddress local) throws IOException {
        return withAddress("bind", local, Native::bind);
    }

    /** {@code connect(2)}: a stream connects, a datagram socket sets its default peer. */
    public final MessageSocket connect(SocketAddress remote) throws IOException {
        return withAddress("connect", remote, Native::connect);
    }

    /** A libc call that takes the descriptor and a {@code sockaddr}. */
    private interface AddressCall {
        int call(MemorySegment state, int fd, MemorySegment sockaddr, int len);
    }

    private MessageSocket withAddress(String operation, SocketAddress address, AddressCall call)
            throws IOException {
        Objects.requireNonNull(address, "address");
        acquire();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.callState(a);
            MemorySegment sa = Addresses.sockaddr(address, a);
            if (call.call(st, fd, sa, (int) sa.byteSize()) != 0) {
                throw Errors.os(operation + "(" + address + ")", Native.errno(st));
            }
            return this;
        } finally {
            release();
        }
    }

    /** {@code listen(2)}, for a stream or seqpacket socket. */
    public final MessageSocket listen(int backlog) throws IOException {
        acquire();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.callState(a);
            if (Native.listen(st, fd, backlog) != 0) {
                throw Errors.os("listen", Native.errno(st));
            }
            return this;
        } finally {
            release();
        }
    }

    /**
     * {@code accept(2)}: the next connection, as a socket this module owns.
     * Waits as the receive timeout says.
     */
    public final RmsgSocket accept() throws IOException {
        acquire();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.callState(a);
            awaitReadable(a, receiveWait);
            for (;;) {
                int r = Native.accept4(st, fd, SOCK_CLOEXEC);
                if (r >= 0) {
                    return new RmsgSocket(r, domain, type);
                }
                int e = Native.errno(st);
                if (e != EINTR) {
                    throw Errors.os("accept", e);
                }
            }
        } finally {
            release();
        }
    }

    /** Waits with {@code poll(2)} until the socket is readable, for calls librmsg does not make. */
    private void awaitReadable(Arena a, Wait wait) throws IOException {
        if (wait.mode() == 0) {
            return;
        }
        MemorySegment st = Native.callState(a);
        MemorySegment pfd = a.allocate(8, 4);
        long deadline = System.nanoTime() + wait.nanos();
        for (;;) {
            long left = wait.mode() == 1 ? 0 : Math.max(0, deadline - System.nanoTime());
            int ms = (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, (short) 1); // POLLIN
            pfd.set(JAVA_SHORT, 6, (short) 0);
            int r = Native.poll(st, pfd, 1, ms);
            if (r > 0) {
                return;
            }
            if (r < 0 && Native.errno(st) != EINTR) {
                throw Errors.os("poll", Native.errno(st));
            }
            if (r == 0 && (wait.mode() == 1 || System.nanoTime() - deadline >= 0)) {
                throw wait.mode() == 1 ? Errors.os("accept", 11) : Errors.os("accept", 110);
            }
        }
    }

    /** The address the socket is bound to ({@code getsockname(2)}). */
    public final SocketAddress localAddress() throws IOException {
        return name(true);
    }

    /** The connected peer's address ({@code getpeername(2)}). */
    public final SocketAddress remoteAddress() throws IOException {
        return name(false);
    }

    private SocketAddress name(boolean local) throws IOException {
        acquire();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.callState(a);
            MemorySegment sa = a.allocate(128, 8); // sockaddr_storage
            MemorySegment len = a.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 128);
            int r = local ? Native.getsockname(st, fd, sa, len) : Native.getpeername(st, fd, sa, len);
            if (r != 0) {
                throw Errors.os(local ? "getsockname" : "getpeername", Native.errno(st));
            }
            return Addresses.fromSockaddr(sa.asSlice(0, Math.min(128, len.get(JAVA_INT, 0))));
        } finally {
            release();
        }
    }

    // --- options and timeouts ---------------------------------------------------------------

    /** {@code {level, number}} of an option this socket takes. */
    private int[] option(SocketOption<?> name) {
        if (name instanceof RmsgOptions.Option<?> o) {
            return new int[] {o.level(), o.number()};
        }
        if (name == StandardSocketOptions.SO_RCVBUF) {
            return new int[] {RmsgOptions.SOL_SOCKET, 8};
        }
        if (name == StandardSocketOptions.SO_SNDBUF) {
            return new int[] {RmsgOptions.SOL_SOCKET, 7};
        }
        if (name == StandardSocketOptions.SO_REUSEADDR) {
            return new int[] {RmsgOptions.SOL_SOCKET, 2};
        }
        if (name == StandardSocketOptions.SO_BROADCAST) {
            return new int[] {RmsgOptions.SOL_SOCKET, 6};
        }
        if (name == StandardSocketOptions.IP_TOS) {
            return domain == Addresses.AF_INET6
                    ? new int[] {RmsgOptions.IPPROTO_IPV6, 67} // IPV6_TCLASS
                    : new int[] {RmsgOptions.IPPROTO_IP, 1};
        }
        throw new UnsupportedOperationException("option not supported: " + name);
    }

    /**
     * Sets an option ({@link RmsgOptions}, or one of the
     * {@link StandardSocketOptions} listed there) with {@code setsockopt(2)}.
     */
    public final <T> MessageSocket setOption(SocketOption<T> name, T value) throws IOException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        int[] lv = option(name);
        Object v = name.type().cast(value);
        int number = v instanceof Boolean b ? (b ? 1 : 0) : (Integer) v;
        acquire();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.callState(a);
            MemorySegment val = a.allocateFrom(JAVA_INT, number);
            if (Native.setsockopt(st, fd, lv[0], lv[1], val, 4) != 0) {
                throw Errors.os("setsockopt(" + name + ")", Native.errno(st));
            }
            controlSpace = -1;
            return this;
        } finally {
            release();
        }
    }

    /** Reads an option with {@code getsockopt(2)}. */
    public final <T> T getOption(SocketOption<T> name) throws IOException {
        Objects.requireNonNull(name, "name");
        int[] lv = option(name);
        acquire();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.callState(a);
            MemorySegment val = a.allocate(JAVA_INT);
            MemorySegment len = a.allocateFrom(JAVA_INT, 4);
            if (Native.getsockopt(st, fd, lv[0], lv[1], val, len) != 0) {
                throw Errors.os("getsockopt(" + name + ")", Native.errno(st));
            }
            int v = val.get(JAVA_INT, 0);
            return name.type().cast(name.type() == Boolean.class ? (Object) (v != 0) : (Object) v);
        } finally {
            release();
        }
    }

    /**
     * How long a receive (or {@link #accept}) may wait: null to block (the
     * default), zero never to wait, a positive duration to bound the whole
     * call.
     *
     * @throws IllegalArgumentException for a negative duration
     */
    public final void setReceiveTimeout(Duration timeout) {
        receiveWait = Wait.of(timeout);
    }

    /** The receive timeout; null when receives block. */
    public final Duration getReceiveTimeout() {
        return receiveWait.duration();
    }

    /** As {@link #setReceiveTimeout}, for sends. */
    public final void setSendTimeout(Duration timeout) {
        sendWait = Wait.of(timeout);
    }

    /** The send timeout; null when sends block. */
    public final Duration getSendTimeout() {
        return sendWait.duration();
    }

    final void writeReceiveWait(MemorySegment options) {
        receiveWait.write(options);
    }

    /**
     * The control-buffer size for the receive options enabled on the
     * socket now, asked of the kernel ({@code rmsg_control_space_for_socket};
     * on a Unix socket plus room for 253 descriptors).
     */
    public final long controlSpace() throws IOException {
        acquire();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            int maxFds = domain == Addresses.AF_UNIX ? Decoder.SCM_MAX_FD : 0;
            int s = Native.controlSpaceForSocket(fd, maxFds, out);
            if (s != Errors.OK) {
                throw Errors.status("rmsg_control_space_for_socket", s);
            }
            return out.get(JAVA_LONG, 0);
        } finally {
            release();
        }
    }

    /** {@link #controlSpace}, computed once until the next {@link #setOption}. */
    final long defaultControlSpace() throws IOException {
        long s = controlSpace;
        if (s < 0) {
            s = controlSpace();
            controlSpace = s;
        }
        return s;
    }

    // --- receiving ------------------------------------------------------------------------

    /** {@link #receive(ByteBuffer, int)} with no flags. */
    public final Message receive(ByteBuffer dst) throws IOException {
        return receive(dst, 0);
    }

    /**
     * Receives one message into the buffer's remaining room, from its
     * position, which then moves past the data (as
     * {@link java.nio.channels.DatagramChannel#receive} does). A datagram
     * longer than the room is cut and has {@link Message#truncated}.
     *
     * @param flags {@link MsgFlags}: {@code MSG_PEEK}, {@code MSG_ERRQUEUE},
     *     {@code MSG_TRUNC}, {@code MSG_WAITALL} ...
     * @throws ReadOnlyBufferException for a read-only buffer
     */
    public final Message receive(ByteBuffer dst, int flags) throws IOException {
        Message m = receive(segmentOf(dst), flags);
        dst.position(dst.position() + m.length());
        return m;
    }

    /** The remaining room of a buffer to receive into, as a segment. */
    static MemorySegment segmentOf(ByteBuffer dst) {
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        return MemorySegment.ofBuffer(dst);
    }

    /**
     * Refuses a destination before anything is received (so that no
     * message is lost to it): null, read-only, smaller than {@code room},
     * of a closed arena, or confined to another thread.
     */
    static void checkDestination(MemorySegment dst, long room) {
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly() || dst.byteSize() < room) {
            throw new IllegalArgumentException("the destination must be writable and hold " + room
                    + " bytes; it " + (dst.isReadOnly() ? "is read-only" : "holds " + dst.byteSize()));
        }
        if (!dst.scope().isAlive()) {
            throw new IllegalStateException("the destination segment's arena is closed");
        }
        if (!dst.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("the destination segment is confined to another thread");
        }
    }

    /** {@link #receive(MemorySegment, int)} with no flags. */
    public final Message receive(MemorySegment dst) throws IOException {
        return receive(dst, 0);
    }

    /**
     * Receives one message into {@code dst}, from its start; the message's
     * {@link Message#data} is the slice that was filled (at most
     * {@link #MAX_STAGED} bytes).
     *
     * <p>The kernel writes into memory of the call's own (a confined arena
     * closed when it returns), which is then copied to {@code dst}: so no
     * caller memory is ever handed to native code, and a segment of a
     * closed arena, or of a confined one from another thread, is refused by
     * the FFM API ({@link IllegalStateException},
     * {@link WrongThreadException}) rather than written to.
     *
     * @throws IllegalArgumentException for a read-only segment
     */
    public final Message receive(MemorySegment dst, int flags) throws IOException {
        checkDestination(dst, 0);
        long ancbufsize = defaultControlSpace();
        acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment target = arena.allocate(Math.min(dst.byteSize(), MAX_STAGED));
            MemorySegment iov = arena.allocate(Layouts.IOVEC);
            iov.set(ADDRESS, 0, target);
            iov.set(JAVA_LONG, 8, target.byteSize());
            MemorySegment options = arena.allocate(Layouts.RECV_OPTIONS);
            receiveWait.write(options);
            MemorySegment nbytes = arena.allocate(JAVA_LONG);
            MemorySegment out = arena.allocate(ADDRESS);
            int s = Native.recvmsgInto(fd, iov, 1, ancbufsize, flags, options, nbytes, out);
            if (s != Errors.OK) {
                throw Errors.status("rmsg_recvmsg_into", s);
            }
            MemorySegment message = out.get(ADDRESS, 0);
            try {
                long n = nbytes.get(JAVA_LONG, 0);
                MemorySegment.copy(target, 0, dst, 0, Math.min(n, target.byteSize()));
                return new Decoder(arena).decode(message, dst, 0, Math.min(n, target.byteSize()));
            } finally {
                Native.messageFree(message); // closes any descriptor not taken
            }
        } finally {
            release();
        }
    }

    /**
     * A receiver for this socket: one message of up to {@code bufsize} data
     * bytes, its native buffers allocated once and received into again and
     * again. The control buffer is sized for the options enabled now.
     */
    public final Receiver receiver(int bufsize) throws IOException {
        return receiver(bufsize, (int) Math.min(Integer.MAX_VALUE, defaultControlSpace()));
    }

    /** A receiver with a control buffer of {@code ancbufsize} bytes (0: no control data). */
    public final Receiver receiver(int bufsize, int ancbufsize) throws IOException {
        return new Receiver(this, bufsize, ancbufsize);
    }

    /**
     * A batch receiver for this socket: up to {@code count} messages (1 to
     * 1024) of up to {@code bufsize} bytes each per {@code recvmmsg(2)}.
     */
    public final BatchReceiver batchReceiver(int count, int bufsize) throws IOException {
        return batchReceiver(count, bufsize, (int) Math.min(Integer.MAX_VALUE, defaultControlSpace()));
    }

    /** A batch receiver with {@code ancbufsize} control bytes per message. */
    public final BatchReceiver batchReceiver(int count, int bufsize, int ancbufsize) throws IOException {
        return new BatchReceiver(this, count, bufsize, ancbufsize);
    }

    // --- sending ------------------------------------------------------------------------

    /** Sends the buffer's remaining bytes on a connected socket. */
    public final int send(ByteBuffer src) throws IOException {
        return send(src, null, null, 0);
    }

    /** Sends the buffer's remaining bytes with the given control messages (null for none). */
    public final int send(ByteBuffer src, ControlMessages control) throws IOException {
        return send(src, null, control, 0);
    }

    /** Sends the buffer's remaining bytes to {@code target} (null when connected). */
    public final int send(ByteBuffer src, SocketAddress target, ControlMessages control) throws IOException {
        return send(src, target, control, 0);
    }

    /**
     * Sends the buffer's remaining bytes in one message, and moves its
     * position past the bytes sent (a stream may take fewer).
     *
     * @param target the destination, or null on a connected socket
     * @param control control messages to send with it, or null
     * @param flags {@link MsgFlags} for {@code sendmsg(2)};
     *     {@code MSG_NOSIGNAL} is always added (a gone peer is an
     *     {@link RmsgException} with {@code EPIPE}, never a signal)
     * @return the bytes the kernel took
     */
    public final int send(ByteBuffer src, SocketAddress target, ControlMessages control, int flags)
            throws IOException {
        Objects.requireNonNull(src, "src");
        long n = send(MemorySegment.ofBuffer(src), target, control, flags);
        src.position(src.position() + (int) n);
        return (int) n;
    }

    /**
     * As {@link #send(ByteBuffer, SocketAddress, ControlMessages, int)}, the
     * whole segment. As for a receive, the bytes are copied to memory of the
     * call's own first: no caller memory is handed to native code.
     */
    public final long send(MemorySegment src, SocketAddress target, ControlMessages control, int flags)
            throws IOException {
        Objects.requireNonNull(src, "src");
        acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(src.byteSize());
            MemorySegment.copy(src, 0, data, 0, src.byteSize());
            MemorySegment iov = arena.allocate(Layouts.IOVEC);
            iov.set(ADDRESS, 0, data);
            iov.set(JAVA_LONG, 8, data.byteSize());
            MemorySegment address = target == null ? MemorySegment.NULL : Addresses.toNative(target, arena);
            MemorySegment options = arena.allocate(Layouts.SEND_OPTIONS);
            sendWait.write(options);
            MemorySegment nbytes = arena.allocate(JAVA_LONG);
            int s = control == null
                    ? Native.sendmsg(fd, iov, 1, MemorySegment.NULL, address, flags, options, nbytes)
                    : control.send(fd, iov, address, flags, options, nbytes);
            if (s != Errors.OK) {
                throw Errors.status("rmsg_sendmsg", s);
            }
            return nbytes.get(JAVA_LONG, 0);
        } finally {
            release();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[fd " + fd + (isOpen() ? "" : ", closed") + "]";
    }
}
