package rmsg;

import java.net.SocketAddress;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An {@code AF_UNIX} address in Linux's abstract namespace: a name that is
 * not a file. {@link java.net.UnixDomainSocketAddress} cannot hold one (its
 * name starts with a NUL byte), so the binding gives and takes this type.
 * The name is held without the leading NUL, byte for byte (any values, at
 * most 107 bytes).
 */
public final class UnixAbstractAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;

    private final byte[] name;

    private UnixAbstractAddress(byte[] name) {
        this.name = name;
    }

    /**
     * The address named by {@code name} (without the leading NUL).
     *
     * @throws IllegalArgumentException if it is longer than 107 bytes
     */
    public static UnixAbstractAddress of(byte[] name) {
        if (name.length > 107) {
            throw new IllegalArgumentException("an abstract AF_UNIX name has at most 107 bytes, not "
                    + name.length);
        }
        return new UnixAbstractAddress(name.clone());
    }

    /** The address named by the UTF-8 bytes of {@code name}. */
    public static UnixAbstractAddress of(String name) {
        return of(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The name's bytes (a copy), without the leading NUL. */
    public byte[] name() {
        return name.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnixAbstractAddress a && Arrays.equals(name, a.name);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name);
    }

    /** {@code @name}, as {@code rmsg_address_format} writes it, with non-printable bytes in hex. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("@");
        for (byte x : name) {
            if (x >= 0x20 && x < 0x7f && x != '\\') {
                b.append((char) x);
            } else {
                b.append("\\x").append(HexFormat.of().toHexDigits(x));
            }
        }
        return b.toString();
    }
}
