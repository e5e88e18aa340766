package rmsg;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns one received {@code rmsg_message} into a {@link Message}, in one of
 * two ways that give the same records. {@link #decode}: one {@code
 * rmsg_message_summarize} (data, flags, counts, source), one {@code
 * rmsg_message_items} (every item's level, type and bytes), then per item
 * its typed decoder, or the take of its descriptors. {@link #decodeView},
 * for a receive that handed out the message's {@code rmsg_view}: the
 * counts, data and source, and the values of the kinds the view decodes,
 * are read from the view; {@code rmsg_message_items} still gives the order
 * of the items (the view does not say it) unless the message has at most
 * one item, and only the items the view does not hold go the per-item way.
 * The kind of each {@code (level, type)} pair is asked of the library once
 * per JVM.
 *
 * <p>Descriptors: those taken from the message belong to {@link Fd} objects
 * at once; if anything fails before the {@link Message} is returned, they
 * are closed, and those not yet taken stay with the library's message,
 * which closes them when it is freed or received into again.
 *
 * <p>Not thread-safe: each receiver, batch or one-shot receive has its own,
 * with its scratch memory in the owner's arena (so it lives as long as the
 * owner).
 */
final class Decoder {
    /** Linux's {@code SCM_MAX_FD}: the most descriptors one message carries. */
    static final int SCM_MAX_FD = 253;

    // Offsets in the decoders' structs, from the checked layouts.
    private static final long PKT_SPEC_DST = Layouts.offset(Layouts.IP_PKTINFO, "spec_dst");
    private static final long PKT_ADDR = Layouts.offset(Layouts.IP_PKTINFO, "addr");
    private static final long PKT6_ADDR = Layouts.offset(Layouts.IPV6_PKTINFO, "addr");
    private static final long TS_LEGACY = Layouts.offset(Layouts.TIMESTAMPING, "legacy");
    private static final long TS_HARDWARE = Layouts.offset(Layouts.TIMESTAMPING, "hardware");
    private static final long TC_DSCP = Layouts.offset(Layouts.TRAFFIC_CLASS, "dscp");
    private static final long TC_ECN = Layouts.offset(Layouts.TRAFFIC_CLASS, "ecn");
    private static final long CRED_UID = Layouts.offset(Layouts.CREDENTIALS, "uid");
    private static final long CRED_GID = Layouts.offset(Layouts.CREDENTIALS, "gid");
    private static final long MTU = Layouts.offset(Layouts.IPV6_MTUINFO, "mtu");
    private static final StructLayout EE = Layouts.EXTENDED_ERROR;
    private static final long EE_ORIGIN = Layouts.offset(EE, "ee_origin");
    private static final long EE_TYPE = Layouts.offset(EE, "ee_type");
    private static final long EE_CODE = Layouts.offset(EE, "ee_code");
    private static final long EE_INFO = Layouts.offset(EE, "ee_info");
    private static final long EE_DATA = Layouts.offset(EE, "ee_data");
    private static final long EE_FAMILY = Layouts.offset(EE, "offender_family");
    private static final long EE_OFFENDER = Layouts.offset(EE, "offender");
    private static final long EE_OFFENDER6 = Layouts.offset(EE, "offender6");
    private static final long VIEW_SIZE = Layouts.ITEM_VIEW.byteSize();
    /** The bytes of {@code rmsg_view} this binding reads (and passes as {@code view_size}). */
    static final long VIEW_BYTES = Layouts.VIEW.byteSize();

    /**
     * {@code rmsg_item_kind} by {@code (level, type)}, plus one (0: not yet
     * asked), for the levels items come at and types below 256. The kind is
     * a function of the pair, so racing writers store the same value.
     */
    private static final byte[] KINDS = new byte[5 * 256];

    private static int kindSlot(int level, int type) {
        if (type < 0 || type > 255) {
            return -1;
        }
        int row = switch (level) {
            case 0 -> 0; // IPPROTO_IP
            case 1 -> 1; // SOL_SOCKET
            case 17 -> 2; // SOL_UDP
            case 41 -> 3; // IPPROTO_IPV6
            case 282 -> 4; // SOL_TLS
            default -> -1;
        };
        return row < 0 ? -1 : row * 256 + type;
    }

    private final Arena arena;
    private final MemorySegment info;
    private final MemorySegment scratch;
    private final MemorySegment count;
    private MemorySegment views;
    private long viewCapacity;
    /** The kinds of the items of the message being decoded (as long as {@code views}). */
    private int[] kinds = new int[0];
    private MemorySegment fdsOut;
    private long fdCapacity;
    /** The descriptors taken while decoding one message (empty between calls). */
    private final List<Fd> taken = new ArrayList<>();

    // The last source address and IPv4 address decoded: a server hears
    // from the same peers again and again, and these objects are immutable.
    private MemorySegment lastSource;
    private SocketAddress lastSourceAddress;
    private boolean haveV4;
    private int lastV4Key;
    private InetAddress lastV4;

    Decoder(Arena arena) {
        this.arena = arena;
        info = arena.allocate(Layouts.MESSAGE_INFO);
        scratch = arena.allocate(Layouts.DECODE_SCRATCH, 8);
        count = arena.allocate(JAVA_LONG);
    }

    /**
     * The {@link Message} of {@code message}. Its data is copied to
     * {@code dst} at {@code offset} (the caller made sure it fits), unless
     * {@code inPlace} is not negative: then the data is already there
     * ({@code rmsg_recvmsg_into}) and {@code inPlace} is the byte count
     * received.
     */
    Message decode(MemorySegment message, MemorySegment dst, long offset, long inPlace) {
        int status = Native.messageSummarize(message, info);
        if (status != Errors.OK) {
            throw new IllegalStateException("rmsg_message_summarize: " + Native.statusName(status));
        }
        long nbytes = info.get(JAVA_LONG, Layouts.INFO_NBYTES);
        MemorySegment data;
        if (inPlace >= 0) {
            data = dst.asSlice(offset, Math.min(inPlace, dst.byteSize() - offset));
        } else {
            long len = info.get(JAVA_LONG, Layouts.INFO_DATA_LEN);
            if (len > 0) {
                MemorySegment.copy(info.get(ADDRESS, Layouts.INFO_DATA).reinterpret(len), 0, dst, offset, len);
            }
            data = dst.asSlice(offset, len);
        }
        int flags = info.get(JAVA_INT, Layouts.INFO_FLAGS);
        boolean malformed = info.get(JAVA_BOOLEAN, Layouts.INFO_MALFORMED);
        long addressLen = info.get(JAVA_LONG, Layouts.INFO_ADDRESS_LEN);
        SocketAddress source = addressLen == 0 ? null
                : source(info.get(ADDRESS, Layouts.INFO_ADDRESS).reinterpret(addressLen));
        long items = info.get(JAVA_LONG, Layouts.INFO_ITEM_COUNT);
        if (items == 0) {
            return new Message(data, nbytes, flags, malformed, source, List.of(), Descriptors.NONE);
        }
        return withItems(message, items, null, 0, data, nbytes, flags, malformed, source);
    }

    /**
     * The {@link Message} of the message whose {@code rmsg_view} is at
     * {@code view} (from {@code rmsg_receiver_recv_view} or {@code
     * rmsg_batch_recv_views}); its data is copied to {@code dst} at {@code
     * offset} (the caller made sure it fits). The same message as {@link
     * #decode} makes, read with fewer calls: the counts, data and source
     * come from the view; an item of a kind the view decodes, when it is
     * the only item of its kind, is made from the view's field; a message
     * whose one item is such an item needs no call at all. Other items
     * (descriptors, kinds the view has no field for, repeated kinds, items
     * the view could not decode) go the per-item way, and
     * {@code rmsg_message_items} gives the order the items came in.
     */
    Message decodeView(MemorySegment view, MemorySegment dst, long offset) {
        MemorySegment v = view.reinterpret(VIEW_BYTES);
        long nbytes = v.get(JAVA_LONG, Layouts.MV_NBYTES);
        long len = v.get(JAVA_LONG, Layouts.MV_DATA_LEN);
        if (len > 0) {
            MemorySegment.copy(v.get(ADDRESS, Layouts.MV_DATA).reinterpret(len), 0, dst, offset, len);
        }
        MemorySegment data = dst.asSlice(offset, len);
        int flags = v.get(JAVA_INT, Layouts.MV_FLAGS);
        boolean malformed = v.get(JAVA_BOOLEAN, Layouts.MV_MALFORMED);
        long addressLen = v.get(JAVA_LONG, Layouts.MV_ADDRESS_LEN);
        SocketAddress source = addressLen == 0 ? null
                : source(v.get(ADDRESS, Layouts.MV_ADDRESS).reinterpret(addressLen));
        long items = v.get(JAVA_LONG, Layouts.MV_ITEM_COUNT);
        if (items == 0) {
            return new Message(data, nbytes, flags, malformed, source, List.of(), Descriptors.NONE);
        }
        long present = v.get(JAVA_LONG, Layouts.MV_PRESENT);
        if (items == 1 && Long.bitCount(present) == 1) {
            // A bit is set only by an item of its kind that decoded: with
            // one item, it is that item, and the view holds its value.
            int kind = Long.numberOfTrailingZeros(present);
            long field = kind < Layouts.VIEW_FIELD.length ? Layouts.VIEW_FIELD[kind] : -1;
            ControlItem only = field < 0 ? null : typed(kind, v, field);
            if (only != null) {
                return new Message(data, nbytes, flags, malformed, source, List.of(only), Descriptors.NONE);
            }
        }
        return withItems(v.get(ADDRESS, Layouts.MV_MESSAGE), items, v, present, data, nbytes, flags, malformed,
                source);
    }

    /** The message with its {@code items} items, its descriptors taken (and closed again if anything fails). */
    private Message withItems(MemorySegment message, long items, MemorySegment view, long present,
            MemorySegment data, long nbytes, int flags, boolean malformed, SocketAddress source) {
        taken.clear();
        try {
            List<ControlItem> decoded = items(message, items, view, present);
            Descriptors fds = taken.isEmpty() ? Descriptors.NONE : new Descriptors(taken);
            return new Message(data, nbytes, flags, malformed, source, decoded, fds);
        } catch (Throwable t) {
            for (Fd f : taken) {
                f.close();
            }
            throw t;
        } finally {
            taken.clear();
        }
    }

    private SocketAddress source(MemorySegment raw) {
        long len = raw.byteSize();
        if (lastSource != null && lastSource.byteSize() == len
                && MemorySegment.mismatch(lastSource, 0, len, raw, 0, len) == -1) {
            return lastSourceAddress;
        }
        SocketAddress a = Addresses.fromSockaddr(raw);
        MemorySegment copy = MemorySegment.ofArray(new byte[(int) len]);
        copy.copyFrom(raw);
        lastSource = copy;
        lastSourceAddress = a;
        return a;
    }

    /**
     * The items of {@code message}, in the order they came. With a {@code
     * view} (else null) whose {@code present} bits are set, an item whose
     * bit is set and that is the only one of its kind is read from the
     * view's field: the view holds the first item of each kind that
     * decoded, so with one item of the kind that is this one.
     */
    private List<ControlItem> items(MemorySegment message, long n, MemorySegment view, long present) {
        if (n > viewCapacity) {
            viewCapacity = Math.max(n, Math.max(8, viewCapacity * 2));
            views = arena.allocate(Layouts.ITEM_VIEW, viewCapacity);
            kinds = new int[(int) viewCapacity];
        }
        int status = Native.messageItems(message, views, viewCapacity, count);
        if (status != Errors.OK) {
            throw new IllegalStateException("rmsg_message_items: " + Native.statusName(status));
        }
        n = Math.min(n, count.get(JAVA_LONG, 0));
        long fromView = 0;
        boolean kindsKnown = false;
        if (view != null && Long.bitCount(present) == n) {
            // As many bits as items: every item is of a kind the view
            // holds, one of each (a repeated kind or any other item would
            // leave fewer bits than items).
            fromView = present;
        } else if (view != null && present != 0) {
            kindsKnown = true;
            long seen = 0;
            long repeated = 0;
            for (int i = 0; i < n; i++) {
                long base = i * VIEW_SIZE;
                int kind = kindOf(message, i, views.get(JAVA_INT, base + Layouts.VIEW_LEVEL),
                        views.get(JAVA_INT, base + Layouts.VIEW_TYPE));
                kinds[i] = kind;
                long bit = kind >= 0 && kind < 64 ? 1L << kind : 0;
                repeated |= seen & bit;
                seen |= bit;
            }
            fromView = present & ~repeated;
        }
        ControlItem[] out = new ControlItem[(int) n];
        for (int i = 0; i < n; i++) {
            long base = i * VIEW_SIZE;
            int level = views.get(JAVA_INT, base + Layouts.VIEW_LEVEL);
            int type = views.get(JAVA_INT, base + Layouts.VIEW_TYPE);
            int kind = kindsKnown ? kinds[i] : kindOf(message, i, level, type);
            ControlItem decoded = null;
            if (kind >= 0 && kind < 64 && (fromView & (1L << kind)) != 0) {
                decoded = typed(kind, view, Layouts.VIEW_FIELD[kind]);
            } else {
                long fdCount = views.get(JAVA_LONG, base + Layouts.VIEW_FD_COUNT);
                if ((kind == Kind.RIGHTS || kind == Kind.PIDFD) && fdCount > 0) {
                    List<Fd> fds = take(message, i, fdCount);
                    decoded = kind == Kind.PIDFD && fds.size() == 1
                            ? new ControlItem.PidFd(fds.get(0))
                            : new ControlItem.Rights(fds);
                } else if (Native.decodes(kind)) {
                    if (Native.decode(kind, Native.messageItem(message, i), scratch) == Errors.OK) {
                        decoded = typed(kind, scratch, 0);
                    }
                }
            }
            if (decoded == null) {
                long len = views.get(JAVA_LONG, base + Layouts.VIEW_DATA_LEN);
                byte[] bytes = len == 0 ? new byte[0]
                        : views.get(ADDRESS, base + Layouts.VIEW_DATA).reinterpret(len).toArray(JAVA_BYTE);
                decoded = new ControlItem.Raw(level, type, bytes,
                        views.get(JAVA_BOOLEAN, base + Layouts.VIEW_TRUNCATED));
            }
            out[i] = decoded;
        }
        return switch (out.length) {
            case 1 -> List.of(out[0]);
            case 2 -> List.of(out[0], out[1]);
            default -> List.of(out);
        };
    }

    /** The {@code rmsg_item_kind} of item {@code index}, {@code (level, type)}: asked of the library once per pair. */
    private static int kindOf(MemorySegment message, int index, int level, int type) {
        int slot = kindSlot(level, type);
        int kind = slot < 0 ? -1 : KINDS[slot] - 1;
        if (kind < 0) {
            kind = Native.itemKind(Native.messageItem(message, index));
            if (slot >= 0) {
                KINDS[slot] = (byte) (kind + 1);
            }
        }
        return kind;
    }

    /** Takes the descriptors of item {@code index}; each is in {@code taken} as soon as it is an {@link Fd}. */
    private List<Fd> take(MemorySegment message, int index, long fdCount) {
        if (fdCount > fdCapacity) {
            fdCapacity = Math.max(fdCount, SCM_MAX_FD);
            fdsOut = arena.allocate(JAVA_INT, fdCapacity);
        }
        int status = Native.messageTakeItemFds(message, index, fdsOut, fdCapacity, count);
        if (status != Errors.OK) {
            throw new IllegalStateException("rmsg_message_take_item_fds: " + Native.statusName(status));
        }
        int got = (int) count.get(JAVA_LONG, 0);
        List<Fd> fds = new ArrayList<>(got);
        int i = 0;
        try {
            for (; i < got; i++) {
                Fd f = Fd.adopt(fdsOut.getAtIndex(JAVA_INT, i));
                taken.add(f);
                fds.add(f);
            }
        } catch (Throwable t) {
            // Taken from the message but not yet an Fd: ours to close.
            for (int j = fds.size(); j < got; j++) {
                Native.closeQuietly(fdsOut.getAtIndex(JAVA_INT, j));
            }
            throw t;
        }
        return fds;
    }

    /**
     * The record of a decoder's output at {@code b} in {@code s} (a
     * decoder's scratch, or a view's field of the kind), or null to keep
     * the item raw.
     */
    private ControlItem typed(int kind, MemorySegment s, long b) {
        try {
            return switch (kind) {
                case Kind.CREDENTIALS -> new ControlItem.Credentials(s.get(JAVA_INT, b), s.get(JAVA_INT, b + CRED_UID),
                        s.get(JAVA_INT, b + CRED_GID));
                case Kind.TIMESTAMP -> new ControlItem.Timestamp(instant(s, b));
                case Kind.TIMESTAMPING -> new ControlItem.Timestamping(instant(s, b), instant(s, b + TS_LEGACY),
                        instant(s, b + TS_HARDWARE));
                case Kind.RXQ_OVFL -> new ControlItem.RxqOverflow(Integer.toUnsignedLong(s.get(JAVA_INT, b)));
                case Kind.MARK -> new ControlItem.Mark(Integer.toUnsignedLong(s.get(JAVA_INT, b)));
                case Kind.IP_PKTINFO -> new ControlItem.IpPacketInfo(s.get(JAVA_INT, b), v4(s, b + PKT_SPEC_DST),
                        v4(s, b + PKT_ADDR));
                case Kind.IP_TTL, Kind.IPV6_HOPLIMIT -> new ControlItem.Ttl(s.get(JAVA_INT, b));
                case Kind.IP_TOS, Kind.IPV6_TCLASS -> {
                    int value = Byte.toUnsignedInt(s.get(JAVA_BYTE, b));
                    yield new ControlItem.TrafficClass(value, Byte.toUnsignedInt(s.get(JAVA_BYTE, b + TC_DSCP)),
                            Ecn.of(s.get(JAVA_BYTE, b + TC_ECN)));
                }
                case Kind.RECVERR -> extendedError(s, b);
                case Kind.IP_ORIGDSTADDR -> new ControlItem.OriginalDestination(Addresses.inetSocket(s, b));
                case Kind.FRAGSIZE -> new ControlItem.FragmentSize(s.get(JAVA_INT, b));
                case Kind.IPV6_PKTINFO -> new ControlItem.Ipv6PacketInfo(s.get(JAVA_INT, b),
                        Addresses.inet6(s, b + PKT6_ADDR, 0));
                case Kind.IPV6_ORIGDSTADDR -> new ControlItem.OriginalDestination(Addresses.inet6Socket(s, b));
                case Kind.IPV6_PATHMTU -> new ControlItem.PathMtu(Addresses.inet6Socket(s, b), s.get(JAVA_INT, b + MTU));
                case Kind.UDP_GRO -> new ControlItem.UdpGro(s.get(JAVA_INT, b));
                case Kind.TLS_RECORD_TYPE -> new ControlItem.TlsRecordType(Byte.toUnsignedInt(s.get(JAVA_BYTE, b)));
                default -> null;
            };
        } catch (DateTimeException e) {
            return null; // a stamp outside Instant's range: kept raw
        }
    }

    private static Instant instant(MemorySegment s, long offset) {
        return Instant.ofEpochSecond(s.get(JAVA_LONG, offset), s.get(JAVA_LONG, offset + 8));
    }

    private InetAddress v4(MemorySegment s, long offset) {
        int key = s.get(JAVA_INT_UNALIGNED, offset);
        if (!haveV4 || key != lastV4Key) {
            lastV4 = Addresses.inet4(s, offset);
            lastV4Key = key;
            haveV4 = true;
        }
        return lastV4;
    }

    private static ControlItem extendedError(MemorySegment s, long b) {
        int family = s.get(JAVA_INT, b + EE_FAMILY);
        InetSocketAddress offender = switch (family) {
            case Addresses.AF_INET -> Addresses.inetSocket(s, b + EE_OFFENDER);
            case Addresses.AF_INET6 -> Addresses.inet6Socket(s, b + EE_OFFENDER6);
            default -> null;
        };
        return new ControlItem.ExtendedError(s.get(JAVA_INT, b), Byte.toUnsignedInt(s.get(JAVA_BYTE, b + EE_ORIGIN)),
                Byte.toUnsignedInt(s.get(JAVA_BYTE, b + EE_TYPE)), Byte.toUnsignedInt(s.get(JAVA_BYTE, b + EE_CODE)),
                s.get(JAVA_INT, b + EE_INFO), s.get(JAVA_INT, b + EE_DATA), offender);
    }
}
