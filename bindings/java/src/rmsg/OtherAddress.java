package rmsg;

import java.net.SocketAddress;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A source address of a family the binding has no Java type for
 * ({@code AF_NETLINK}, {@code AF_PACKET} ...): the family number and the
 * raw {@code sockaddr} bytes the kernel returned, so that nothing is lost.
 */
public final class OtherAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;

    private final int family;
    private final byte[] bytes;

    OtherAddress(int family, byte[] bytes) {
        this.family = family;
        this.bytes = bytes;
    }

    /** The address family ({@code sa_family}). */
    public int family() {
        return family;
    }

    /** The whole {@code sockaddr} (family included), a copy. */
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OtherAddress a && family == a.family && Arrays.equals(bytes, a.bytes);
    }

    @Override
    public int hashCode() {
        return 31 * family + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "<family " + family + ">:" + HexFormat.of().formatHex(bytes);
    }
}
