package rmsg;

import java.io.IOException;

/**
 * A socket descriptor that the caller owns and keeps owning (one inherited
 * from a service manager, or made by other code): this object receives and
 * sends on it, and its {@link #close} only stops that; it never closes,
 * shuts down or changes the descriptor. Close the descriptor yourself after
 * closing this object.
 */
public final class FdSocket extends MessageSocket {
    private FdSocket(int fd, int domain, int type) {
        super(fd, domain, type, false);
    }

    /**
     * Wraps socket descriptor {@code fd}; its family and type are asked of
     * the kernel.
     *
     * @throws IllegalArgumentException if {@code fd} is negative
     * @throws RmsgException if it is not an open socket ({@code EBADF},
     *     {@code ENOTSOCK})
     */
    public static FdSocket of(int fd) throws IOException {
        if (fd < 0) {
            throw new IllegalArgumentException("a file descriptor is not negative: " + fd);
        }
        int[] dt = describe(fd);
        return new FdSocket(fd, dt[0], dt[1]);
    }
}
