package rmsg;

/**
 * Two connected Unix sockets from {@code socketpair(2)}; closing the pair
 * closes both.
 */
public record SocketPair(RmsgSocket first, RmsgSocket second) implements AutoCloseable {
    @Override
    public void close() {
        try {
            first.close();
        } finally {
            second.close();
        }
    }
}
