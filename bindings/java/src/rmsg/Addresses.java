package rmsg;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Socket addresses between Java and C. Java to C goes through librmsg's
 * constructors ({@code rmsg_address_from_*}), which check what they are
 * given; C to Java reads a {@code sockaddr} as the kernel wrote it
 * (received source addresses, {@code getsockname}).
 *
 * <p>The Java types: {@link InetSocketAddress} for {@code AF_INET} and
 * {@code AF_INET6} (an {@link Inet6Address} keeps its scope id; the flow
 * information is not kept), {@link UnixDomainSocketAddress} for a path
 * (the empty path for an unnamed socket), {@link UnixAbstractAddress} for an
 * abstract name, {@link OtherAddress} for anything else.
 */
final class Addresses {
    private Addresses() {}

    static final int AF_UNIX = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;

    // A sockaddr the kernel wrote is read at any alignment.
    private static final ValueLayout.OfShort PORT = JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    /** The charset of file names, as the JDK's own Unix-domain sockets use. */
    static final Charset PATHS = pathCharset();

    private static Charset pathCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /**
     * An owned {@code rmsg_address *} for {@code a}, freed with
     * {@code rmsg_address_free} when {@code arena} closes.
     *
     * @throws IllegalArgumentException for an unresolved or unsupported address
     */
    static MemorySegment toNative(SocketAddress a, Arena arena) {
        Objects.requireNonNull(a, "address");
        MemorySegment out = arena.allocate(ADDRESS);
        int status;
        String op;
        switch (a) {
            case InetSocketAddress isa -> {
                if (isa.isUnresolved()) {
                    throw new IllegalArgumentException("unresolved address: " + isa);
                }
                InetAddress ia = isa.getAddress();
                if (ia instanceof Inet4Address) {
                    MemorySegment s = arena.allocate(Layouts.INET_ADDRESS);
                    MemorySegment.copy(ia.getAddress(), 0, s, JAVA_BYTE, 0, 4);
                    s.set(JAVA_SHORT, 4, (short) isa.getPort());
                    status = Native.addressFromInet(s, out);
                    op = "rmsg_address_from_inet";
                } else {
                    Inet6Address i6 = (Inet6Address) ia;
                    MemorySegment s = arena.allocate(Layouts.INET6_ADDRESS);
                    MemorySegment.copy(i6.getAddress(), 0, s, JAVA_BYTE, 0, 16);
                    s.set(JAVA_SHORT, 16, (short) isa.getPort());
                    s.set(JAVA_INT, 24, i6.getScopeId());
                    status = Native.addressFromInet6(s, out);
                    op = "rmsg_address_from_inet6";
                }
            }
            case UnixDomainSocketAddress u -> {
                byte[] path = u.getPath().toString().getBytes(PATHS);
                MemorySegment s = arena.allocateFrom(JAVA_BYTE, path);
                status = Native.addressFromUnixPath(s, path.length, out);
                op = "rmsg_address_from_unix_path";
            }
            case UnixAbstractAddress abs -> {
                byte[] name = abs.name();
                MemorySegment s = arena.allocateFrom(JAVA_BYTE, name);
                status = Native.addressFromUnixAbstract(s, name.length, out);
                op = "rmsg_address_from_unix_abstract";
            }
            default -> throw new IllegalArgumentException(
                    "unsupported address type " + a.getClass().getName() + ": " + a);
        }
        if (status != Errors.OK) {
            throw Errors.argument(op + " (" + a + ")", status);
        }
        return out.get(ADDRESS, 0).reinterpret(arena, Native::addressFree);
    }

    /** The {@code sockaddr} bytes of {@code a}, in {@code arena}. */
    static MemorySegment sockaddr(SocketAddress a, Arena arena) {
        MemorySegment address = toNative(a, arena);
        MemorySegment bytes = arena.allocate(ADDRESS);
        MemorySegment len = arena.allocate(JAVA_LONG);
        int status = Native.addressRaw(address, bytes, len);
        if (status != Errors.OK) {
            throw Errors.argument("rmsg_address_raw", status);
        }
        return bytes.get(ADDRESS, 0).reinterpret(len.get(JAVA_LONG, 0));
    }

    /** The Java form of the {@code sockaddr} in {@code raw} (its whole length). */
    static SocketAddress fromSockaddr(MemorySegment raw) {
        long len = raw.byteSize();
        if (len < 2) {
            return null;
        }
        int family = Short.toUnsignedInt(raw.get(JAVA_SHORT_UNALIGNED, 0));
        try {
            if (family == AF_INET && len >= 8) {
                byte[] a = raw.asSlice(4, 4).toArray(JAVA_BYTE);
                return new InetSocketAddress(InetAddress.getByAddress(a), Short.toUnsignedInt(raw.get(PORT, 2)));
            }
            if (family == AF_INET6 && len >= 24) {
                byte[] a = raw.asSlice(8, 16).toArray(JAVA_BYTE);
                int scope = len >= 28 ? raw.get(JAVA_INT_UNALIGNED, 24) : 0;
                InetAddress ia = Inet6Address.getByAddress(null, a, scope == 0 ? -1 : scope);
                return new InetSocketAddress(ia, Short.toUnsignedInt(raw.get(PORT, 2)));
            }
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // the lengths are right
        }
        if (family == AF_UNIX) {
            if (len == 2) {
                return UnixDomainSocketAddress.of("");
            }
            byte[] name = raw.asSlice(2, len - 2).toArray(JAVA_BYTE);
            if (name[0] == 0) {
                return UnixAbstractAddress.of(java.util.Arrays.copyOfRange(name, 1, name.length));
            }
            int end = 0;
            while (end < name.length && name[end] != 0) {
                end++;
            }
            return UnixDomainSocketAddress.of(new String(name, 0, end, PATHS));
        }
        return new OtherAddress(family, raw.toArray(JAVA_BYTE));
    }

    /** An IPv4 address from 4 bytes at {@code offset}. */
    static InetAddress inet4(MemorySegment s, long offset) {
        try {
            return InetAddress.getByAddress(s.asSlice(offset, 4).toArray(JAVA_BYTE));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** An IPv6 address from 16 bytes at {@code offset}, as an {@link Inet6Address} even when v4-mapped. */
    static InetAddress inet6(MemorySegment s, long offset, int scope) {
        try {
            return Inet6Address.getByAddress(null, s.asSlice(offset, 16).toArray(JAVA_BYTE), scope == 0 ? -1 : scope);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** An {@code rmsg_inet_address} at {@code offset} as a socket address. */
    static InetSocketAddress inetSocket(MemorySegment s, long offset) {
        return new InetSocketAddress(inet4(s, offset), Short.toUnsignedInt(s.get(JAVA_SHORT, offset + 4)));
    }

    /** An {@code rmsg_inet6_address} at {@code offset} as a socket address. */
    static InetSocketAddress inet6Socket(MemorySegment s, long offset) {
        int scope = s.get(JAVA_INT, offset + 24);
        return new InetSocketAddress(inet6(s, offset, scope), Short.toUnsignedInt(s.get(JAVA_SHORT, offset + 16)));
    }
}
