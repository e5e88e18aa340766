package rmsg;

/** The socket types the module creates. */
public enum SocketType {
    /** {@code SOCK_STREAM}: a byte stream (Unix stream, TCP). */
    STREAM(1),
    /** {@code SOCK_DGRAM}: datagrams (Unix datagram, UDP). */
    DATAGRAM(2),
    /** {@code SOCK_SEQPACKET}: a connection of records (Unix only). */
    SEQPACKET(5);

    final int value;

    SocketType(int value) {
        this.value = value;
    }

    static SocketType of(int value) {
        for (SocketType t : values()) {
            if (t.value == value) {
                return t;
            }
        }
        return null;
    }
}
