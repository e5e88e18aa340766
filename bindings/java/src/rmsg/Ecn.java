package rmsg;

/** The two ECN bits of a TOS byte or IPv6 traffic class (RFC 3168). */
public enum Ecn {
    /** 0: the transport is not ECN-capable. */
    NOT_ECT,
    /** 1: ECN-capable transport, ECT(1) (L4S). */
    ECT_1,
    /** 2: ECN-capable transport, ECT(0). */
    ECT_0,
    /** 3: congestion experienced. */
    CE;

    private static final Ecn[] BY_BITS = values();

    /** The codepoint of the low two bits of {@code trafficClass}. */
    public static Ecn of(int trafficClass) {
        return BY_BITS[trafficClass & 3];
    }

    /** The two bits' value, 0 to 3. */
    public int bits() {
        return ordinal();
    }
}
