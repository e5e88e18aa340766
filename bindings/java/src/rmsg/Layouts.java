package rmsg;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * The C structs of {@code include/rmsg.h} that the binding reads or
 * writes, field for field under the header's names (padding spelled out as
 * the x86_64 and aarch64 Linux ABIs lay it). The tests compile a C program
 * against the header and compare every size and field offset with these
 * ({@link #ALL}).
 */
final class Layouts {
    private Layouts() {}

    static final StructLayout RECV_OPTIONS = structLayout(
            JAVA_INT.withName("wait"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("timeout_ns")).withName("rmsg_recv_options");

    static final StructLayout SEND_OPTIONS = structLayout(
            JAVA_INT.withName("wait"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("timeout_ns")).withName("rmsg_send_options");

    static final StructLayout IOVEC = structLayout(
            ADDRESS.withName("base"),
            JAVA_LONG.withName("len")).withName("rmsg_iovec");

    static final StructLayout MESSAGE_INFO = structLayout(
            ADDRESS.withName("data"),
            JAVA_LONG.withName("data_len"),
            JAVA_LONG.withName("nbytes"),
            JAVA_INT.withName("flags"),
            JAVA_BOOLEAN.withName("malformed"),
            paddingLayout(3),
            JAVA_LONG.withName("item_count"),
            JAVA_LONG.withName("fd_count"),
            ADDRESS.withName("address"),
            JAVA_LONG.withName("address_len")).withName("rmsg_message_info");

    static final StructLayout ITEM_VIEW = structLayout(
            JAVA_INT.withName("cmsg_level"),
            JAVA_INT.withName("cmsg_type"),
            ADDRESS.withName("data"),
            JAVA_LONG.withName("data_len"),
            JAVA_BOOLEAN.withName("truncated"),
            paddingLayout(7),
            JAVA_LONG.withName("fd_count")).withName("rmsg_item_view");

    static final StructLayout INET_ADDRESS = structLayout(
            sequenceLayout(4, JAVA_BYTE).withName("addr"),
            JAVA_SHORT.withName("port")).withName("rmsg_inet_address");

    static final StructLayout INET6_ADDRESS = structLayout(
            sequenceLayout(16, JAVA_BYTE).withName("addr"),
            JAVA_SHORT.withName("port"),
            paddingLayout(2),
            JAVA_INT.withName("flowinfo"),
            JAVA_INT.withName("scope_id")).withName("rmsg_inet6_address");

    static final StructLayout CREDENTIALS = structLayout(
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("uid"),
            JAVA_INT.withName("gid")).withName("rmsg_credentials");

    static final StructLayout TIMESTAMP = structLayout(
            JAVA_LONG.withName("sec"),
            JAVA_LONG.withName("nsec")).withName("rmsg_timestamp");

    static final StructLayout TIMESTAMPING = structLayout(
            TIMESTAMP.withName("software"),
            TIMESTAMP.withName("legacy"),
            TIMESTAMP.withName("hardware")).withName("rmsg_timestamping");

    static final StructLayout IP_PKTINFO = structLayout(
            JAVA_INT.withName("ifindex"),
            INET_ADDRESS.withName("spec_dst"),
            INET_ADDRESS.withName("addr")).withName("rmsg_ip_pktinfo");

    static final StructLayout TRAFFIC_CLASS = structLayout(
            JAVA_BYTE.withName("value"),
            JAVA_BYTE.withName("dscp"),
            JAVA_BYTE.withName("ecn")).withName("rmsg_traffic_class");

    static final StructLayout EXTENDED_ERROR = structLayout(
            JAVA_INT.withName("ee_errno"),
            JAVA_BYTE.withName("ee_origin"),
            JAVA_BYTE.withName("ee_type"),
            JAVA_BYTE.withName("ee_code"),
            paddingLayout(1),
            JAVA_INT.withName("ee_info"),
            JAVA_INT.withName("ee_data"),
            JAVA_INT.withName("offender_family"),
            INET_ADDRESS.withName("offender"),
            paddingLayout(2),
            INET6_ADDRESS.withName("offender6")).withName("rmsg_extended_error");

    static final StructLayout IPV6_PKTINFO = structLayout(
            JAVA_INT.withName("ifindex"),
            INET6_ADDRESS.withName("addr")).withName("rmsg_ipv6_pktinfo");

    static final StructLayout IPV6_MTUINFO = structLayout(
            INET6_ADDRESS.withName("addr"),
            JAVA_INT.withName("mtu")).withName("rmsg_ipv6_mtuinfo");

    /**
     * The per-message view, as this binding was written against it: the
     * {@code view_size} it passes is this layout's size (later libraries
     * only append fields).
     */
    static final StructLayout VIEW = structLayout(
            ADDRESS.withName("message"),
            ADDRESS.withName("data"),
            JAVA_LONG.withName("data_len"),
            JAVA_LONG.withName("nbytes"),
            ADDRESS.withName("address"),
            JAVA_LONG.withName("address_len"),
            JAVA_LONG.withName("item_count"),
            JAVA_LONG.withName("fd_count"),
            JAVA_LONG.withName("present"),
            JAVA_INT.withName("flags"),
            JAVA_BOOLEAN.withName("malformed"),
            paddingLayout(3),
            JAVA_INT.withName("ip_ttl"),
            JAVA_INT.withName("ipv6_hoplimit"),
            JAVA_INT.withName("udp_gro"),
            JAVA_INT.withName("rxq_ovfl"),
            JAVA_INT.withName("mark"),
            TRAFFIC_CLASS.withName("ip_tos"),
            TRAFFIC_CLASS.withName("ipv6_tclass"),
            paddingLayout(2),
            CREDENTIALS.withName("credentials"),
            IP_PKTINFO.withName("ip_pktinfo"),
            IPV6_PKTINFO.withName("ipv6_pktinfo"),
            INET_ADDRESS.withName("ip_origdstaddr"),
            paddingLayout(2),
            INET6_ADDRESS.withName("ipv6_origdstaddr"),
            paddingLayout(4),
            TIMESTAMP.withName("timestamp"),
            TIMESTAMPING.withName("timestamping")).withName("rmsg_view");

    /** Every layout above, for the test that compares them with the header. */
    static final List<StructLayout> ALL = List.of(
            RECV_OPTIONS, SEND_OPTIONS, IOVEC, MESSAGE_INFO, ITEM_VIEW, INET_ADDRESS, INET6_ADDRESS,
            CREDENTIALS, TIMESTAMP, TIMESTAMPING, IP_PKTINFO, TRAFFIC_CLASS, EXTENDED_ERROR,
            IPV6_PKTINFO, IPV6_MTUINFO, VIEW);

    /** The scratch room one typed decoder writes into: the largest struct a decoder writes. */
    static final long DECODE_SCRATCH = ALL.stream().filter(l -> l != VIEW)
            .mapToLong(StructLayout::byteSize).max().orElseThrow();

    static long offset(StructLayout layout, String... path) {
        PathElement[] p = new PathElement[path.length];
        for (int i = 0; i < path.length; i++) {
            p[i] = PathElement.groupElement(path[i]);
        }
        return layout.byteOffset(p);
    }

    // Offsets the hot paths read, computed once.
    static final long INFO_DATA = offset(MESSAGE_INFO, "data");
    static final long INFO_DATA_LEN = offset(MESSAGE_INFO, "data_len");
    static final long INFO_NBYTES = offset(MESSAGE_INFO, "nbytes");
    static final long INFO_FLAGS = offset(MESSAGE_INFO, "flags");
    static final long INFO_MALFORMED = offset(MESSAGE_INFO, "malformed");
    static final long INFO_ITEM_COUNT = offset(MESSAGE_INFO, "item_count");
    static final long INFO_FD_COUNT = offset(MESSAGE_INFO, "fd_count");
    static final long INFO_ADDRESS = offset(MESSAGE_INFO, "address");
    static final long INFO_ADDRESS_LEN = offset(MESSAGE_INFO, "address_len");
    static final long VIEW_LEVEL = offset(ITEM_VIEW, "cmsg_level");
    static final long VIEW_TYPE = offset(ITEM_VIEW, "cmsg_type");
    static final long VIEW_DATA = offset(ITEM_VIEW, "data");
    static final long VIEW_DATA_LEN = offset(ITEM_VIEW, "data_len");
    static final long VIEW_TRUNCATED = offset(ITEM_VIEW, "truncated");
    static final long VIEW_FD_COUNT = offset(ITEM_VIEW, "fd_count");
    static final long MV_MESSAGE = offset(VIEW, "message");
    static final long MV_DATA = offset(VIEW, "data");
    static final long MV_DATA_LEN = offset(VIEW, "data_len");
    static final long MV_NBYTES = offset(VIEW, "nbytes");
    static final long MV_ADDRESS = offset(VIEW, "address");
    static final long MV_ADDRESS_LEN = offset(VIEW, "address_len");
    static final long MV_ITEM_COUNT = offset(VIEW, "item_count");
    static final long MV_PRESENT = offset(VIEW, "present");
    static final long MV_FLAGS = offset(VIEW, "flags");
    static final long MV_MALFORMED = offset(VIEW, "malformed");

    /**
     * Where the view keeps the decoded value of each kind (by {@code
     * rmsg_kind}; -1 for the kinds it has no field for): the field is laid
     * out as that kind's typed decoder writes its value, so the same code
     * reads either.
     */
    static final long[] VIEW_FIELD = viewFields();

    private static long[] viewFields() {
        long[] f = new long[Kind.COUNT];
        java.util.Arrays.fill(f, -1);
        f[Kind.CREDENTIALS] = offset(VIEW, "credentials");
        f[Kind.TIMESTAMP] = offset(VIEW, "timestamp");
        f[Kind.TIMESTAMPING] = offset(VIEW, "timestamping");
        f[Kind.RXQ_OVFL] = offset(VIEW, "rxq_ovfl");
        f[Kind.MARK] = offset(VIEW, "mark");
        f[Kind.IP_PKTINFO] = offset(VIEW, "ip_pktinfo");
        f[Kind.IP_TTL] = offset(VIEW, "ip_ttl");
        f[Kind.IP_TOS] = offset(VIEW, "ip_tos");
        f[Kind.IP_ORIGDSTADDR] = offset(VIEW, "ip_origdstaddr");
        f[Kind.IPV6_PKTINFO] = offset(VIEW, "ipv6_pktinfo");
        f[Kind.IPV6_HOPLIMIT] = offset(VIEW, "ipv6_hoplimit");
        f[Kind.IPV6_TCLASS] = offset(VIEW, "ipv6_tclass");
        f[Kind.IPV6_ORIGDSTADDR] = offset(VIEW, "ipv6_origdstaddr");
        f[Kind.UDP_GRO] = offset(VIEW, "udp_gro");
        return f;
    }
}
