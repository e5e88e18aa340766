package rmsg;

/**
 * The {@code rmsg_kind} values ({@code RMSG_KIND_<NAME>} in the header):
 * which typed decoder reads an item. The tests check every constant here
 * against the header.
 */
final class Kind {
    private Kind() {}

    static final int RAW = 0;
    static final int RIGHTS = 1;
    static final int CREDENTIALS = 2;
    static final int PIDFD = 3;
    static final int SECURITY = 4;
    static final int TIMESTAMP = 5;
    static final int TIMESTAMPING = 6;
    static final int RXQ_OVFL = 7;
    static final int MARK = 8;
    static final int TS_PKTINFO = 9;
    static final int TS_OPT_STATS = 10;
    static final int IP_PKTINFO = 11;
    static final int IP_TTL = 12;
    static final int IP_TOS = 13;
    static final int RECVERR = 14;
    static final int IP_ORIGDSTADDR = 15;
    static final int FRAGSIZE = 16;
    static final int IP_OPTIONS = 17;
    static final int IPV6_PKTINFO = 18;
    static final int IPV6_HOPLIMIT = 19;
    static final int IPV6_TCLASS = 20;
    static final int IPV6_ORIGDSTADDR = 21;
    static final int IPV6_PATHMTU = 22;
    static final int UDP_GRO = 23;
    static final int TLS_RECORD_TYPE = 24;
    /** One more than the largest kind. */
    static final int COUNT = 25;
}
