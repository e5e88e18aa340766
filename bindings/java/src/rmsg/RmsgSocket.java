package rmsg;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.util.Objects;

/**
 * A socket this module made (or adopted), which owns its descriptor:
 * {@link #close} closes it, and one that becomes unreachable unclosed is
 * closed by a {@link java.lang.ref.Cleaner}. Every socket is made
 * close-on-exec.
 *
 * <pre>{@code
 * try (RmsgSocket udp = RmsgSocket.udp(StandardProtocolFamily.INET)) { ... }
 * try (SocketPair pair = RmsgSocket.pair(SocketType.DATAGRAM)) { ... }
 * }</pre>
 */
public final class RmsgSocket extends MessageSocket {
    RmsgSocket(int fd, int domain, int type) {
        super(fd, domain, type, true);
    }

    private static int domainOf(ProtocolFamily family) {
        Objects.requireNonNull(family, "family");
        if (family == StandardProtocolFamily.UNIX) {
            return Addresses.AF_UNIX;
        }
        if (family == StandardProtocolFamily.INET) {
            return Addresses.AF_INET;
        }
        if (family == StandardProtocolFamily.INET6) {
            return Addresses.AF_INET6;
        }
        throw new IllegalArgumentException("unsupported protocol family: " + family);
    }

    /**
     * A new socket of the family ({@code UNIX}, {@code INET}, {@code INET6})
     * and type: Unix stream, datagram or seqpacket; UDP; TCP.
     */
    public static RmsgSocket open(ProtocolFamily family, SocketType type) throws IOException {
        int domain = domainOf(family);
        Objects.requireNonNull(type, "type");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.callState(a);
            int fd = Native.socket(st, domain, type.value | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw Errors.os("socket(" + family + ", " + type + ")", Native.errno(st));
            }
            return new RmsgSocket(fd, domain, type.value);
        }
    }

    /** A new UDP socket ({@code INET} or {@code INET6}). */
    public static RmsgSocket udp(StandardProtocolFamily family) throws IOException {
        if (family == StandardProtocolFamily.UNIX) {
            throw new IllegalArgumentException("UDP is INET or INET6, not UNIX");
        }
        return open(family, SocketType.DATAGRAM);
    }

    /** A new, unbound Unix socket of the type. */
    public static RmsgSocket unix(SocketType type) throws IOException {
        return open(StandardProtocolFamily.UNIX, type);
    }

    /** Two connected Unix sockets of the type ({@code socketpair(2)}). */
    public static SocketPair pair(SocketType type) throws IOException {
        Objects.requireNonNull(type, "type");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = Native.callState(a);
            MemorySegment fds = a.allocate(JAVA_INT, 2);
            if (Native.socketpair(st, Addresses.AF_UNIX, type.value | SOCK_CLOEXEC, 0, fds) != 0) {
                throw Errors.os("socketpair(" + type + ")", Native.errno(st));
            }
            return new SocketPair(new RmsgSocket(fds.getAtIndex(JAVA_INT, 0), Addresses.AF_UNIX, type.value),
                    new RmsgSocket(fds.getAtIndex(JAVA_INT, 1), Addresses.AF_UNIX, type.value));
        }
    }

    /**
     * Takes ownership of a socket descriptor held by {@code fd} (one
     * received in a message, say): the {@code Fd} is detached and the
     * returned socket closes the descriptor. If it is not a socket, the
     * {@code Fd} keeps it and an {@link RmsgException} says why.
     */
    public static RmsgSocket adopt(Fd fd) throws IOException {
        Objects.requireNonNull(fd, "fd");
        int[] dt = describe(fd.value());
        return new RmsgSocket(fd.detach(), dt[0], dt[1]);
    }
}
