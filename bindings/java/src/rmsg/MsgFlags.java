package rmsg;

/**
 * Linux's {@code MSG_*} flags, for the {@code flags} argument of the
 * receive and send calls and for {@link Message#flags}.
 */
public final class MsgFlags {
    private MsgFlags() {}

    public static final int MSG_OOB = 0x1;
    public static final int MSG_PEEK = 0x2;
    public static final int MSG_DONTROUTE = 0x4;
    /** Control data was cut (returned in {@link Message#flags}). */
    public static final int MSG_CTRUNC = 0x8;
    /**
     * Returned: the datagram was cut. Passed to a receive: report the
     * datagram's full length in {@link Message#nbytes}.
     */
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_EOR = 0x80;
    public static final int MSG_WAITALL = 0x100;
    public static final int MSG_CONFIRM = 0x800;
    /** Receive from the socket's error queue ({@code IP_RECVERR}, transmit timestamps). */
    public static final int MSG_ERRQUEUE = 0x2000;
    public static final int MSG_MORE = 0x8000;
}
