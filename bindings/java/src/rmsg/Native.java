package rmsg;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The binding's one copy of the C declarations it uses, written by hand from
 * {@code include/rmsg.h} (and from libc for the socket calls): a method
 * handle and a Java method per function, in the header's order. C's
 * {@code size_t} and {@code uint64_t} are Java {@code long}, {@code int},
 * {@code uint32_t} and {@code rmsg_status} are {@code int}, pointers are
 * {@link MemorySegment}s. The struct layouts are in {@link Layouts}
 * (checked against the header by the tests).
 *
 * <p>Functions that never block are linked {@code critical}: the call skips
 * the JVM's thread-state change, which costs more than most of them do.
 * The receive and send calls, which may block, are linked normally. The
 * libc calls capture {@code errno} as the call returns.
 */
final class Native {
    private Native() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final ValueLayout I = JAVA_INT;
    private static final ValueLayout L = JAVA_LONG; // size_t, uint64_t
    private static final ValueLayout P = ADDRESS;

    static {
        // size_t must be what this file says it is.
        if (LINKER.canonicalLayouts().get("size_t").byteSize() != 8) {
            throw new UnsupportedOperationException("rmsg's Java binding needs a 64-bit platform");
        }
    }

    private static MethodHandle fn(boolean critical, String name, ValueLayout ret, ValueLayout... args) {
        MemorySegment address = Library.LOOKUP.find(name).orElseThrow(() ->
                new UnsatisfiedLinkError("rmsg: " + Library.PATH + " has no function " + name
                        + " (a library older than this binding?)"));
        FunctionDescriptor d = ret == null ? FunctionDescriptor.ofVoid(args) : FunctionDescriptor.of(ret, args);
        return critical ? LINKER.downcallHandle(address, d, CRITICAL) : LINKER.downcallHandle(address, d);
    }

    private static MethodHandle libc(String name, ValueLayout ret, ValueLayout... args) {
        MemorySegment address = LINKER.defaultLookup().find(name).orElseThrow();
        return LINKER.downcallHandle(address, FunctionDescriptor.of(ret, args), ERRNO);
    }

    /** An exception from invokeExact that cannot happen (the types are exact). */
    private static AssertionError broken(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new AssertionError("rmsg: a native call failed unexpectedly", t);
    }

    // --- statuses and versions ------------------------------------------------------

    private static final MethodHandle STATUS_NAME = fn(true, "rmsg_status_name", P, I);
    private static final MethodHandle STATUS_DESCRIBE = fn(true, "rmsg_status_describe", P, I);
    private static final MethodHandle LAST_ERRNO = fn(true, "rmsg_last_errno", I);
    private static final MethodHandle VERSION = fn(true, "rmsg_version", P);
    private static final MethodHandle KIND_NAME = fn(true, "rmsg_kind_name", P, I, I);

    /** A static NUL-terminated string the library returned. */
    private static String staticString(MemorySegment p) {
        return p.equals(MemorySegment.NULL) ? "" : p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    static String statusName(int status) {
        try {
            return staticString((MemorySegment) STATUS_NAME.invokeExact(status));
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static String statusDescribe(int status) {
        try {
            return staticString((MemorySegment) STATUS_DESCRIBE.invokeExact(status));
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int lastErrno() {
        try {
            return (int) LAST_ERRNO.invokeExact();
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static String version() {
        try {
            return staticString((MemorySegment) VERSION.invokeExact());
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static String kindName(int level, int type) {
        try {
            return staticString((MemorySegment) KIND_NAME.invokeExact(level, type));
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    // --- addresses ----------------------------------------------------------------

    private static final MethodHandle ADDRESS_FROM_INET = fn(true, "rmsg_address_from_inet", I, P, P);
    private static final MethodHandle ADDRESS_FROM_INET6 = fn(true, "rmsg_address_from_inet6", I, P, P);
    private static final MethodHandle ADDRESS_FROM_UNIX_PATH =
            fn(true, "rmsg_address_from_unix_path", I, P, L, P);
    private static final MethodHandle ADDRESS_FROM_UNIX_ABSTRACT =
            fn(true, "rmsg_address_from_unix_abstract", I, P, L, P);
    private static final MethodHandle ADDRESS_RAW = fn(true, "rmsg_address_raw", I, P, P, P);
    private static final MethodHandle ADDRESS_FREE = fn(true, "rmsg_address_free", null, P);

    static int addressFromInet(MemorySegment inet, MemorySegment out) {
        try {
            return (int) ADDRESS_FROM_INET.invokeExact(inet, out);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int addressFromInet6(MemorySegment inet6, MemorySegment out) {
        try {
            return (int) ADDRESS_FROM_INET6.invokeExact(inet6, out);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int addressFromUnixPath(MemorySegment path, long len, MemorySegment out) {
        try {
            return (int) ADDRESS_FROM_UNIX_PATH.invokeExact(path, len, out);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int addressFromUnixAbstract(MemorySegment name, long len, MemorySegment out) {
        try {
            return (int) ADDRESS_FROM_UNIX_ABSTRACT.invokeExact(name, len, out);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int addressRaw(MemorySegment address, MemorySegment bytesOut, MemorySegment lenOut) {
        try {
            return (int) ADDRESS_RAW.invokeExact(address, bytesOut, lenOut);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static void addressFree(MemorySegment address) {
        try {
            ADDRESS_FREE.invokeExact(address);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    // --- the control-message builder --------------------------------------------------

    private static final MethodHandle BUILDER_NEW = fn(true, "rmsg_cmsg_builder_new", I, P);
    private static final MethodHandle BUILDER_FREE = fn(true, "rmsg_cmsg_builder_free", null, P);
    private static final MethodHandle BUILDER_RESET = fn(true, "rmsg_cmsg_builder_reset", null, P);
    private static final MethodHandle ADD_FDS = fn(true, "rmsg_cmsg_builder_add_fds", I, P, P, L);
    private static final MethodHandle ADD_CREDENTIALS =
            fn(true, "rmsg_cmsg_builder_add_credentials", I, P, I, I, I);
    private static final MethodHandle ADD_IP_PKTINFO = fn(true, "rmsg_cmsg_builder_add_ip_pktinfo", I, P, I, P, L);
    private static final MethodHandle ADD_IPV6_PKTINFO =
            fn(true, "rmsg_cmsg_builder_add_ipv6_pktinfo", I, P, I, P, L);
    private static final MethodHandle ADD_IP_TOS = fn(true, "rmsg_cmsg_builder_add_ip_tos", I, P, I);
    private static final MethodHandle ADD_IP_TTL = fn(true, "rmsg_cmsg_builder_add_ip_ttl", I, P, I);
    private static final MethodHandle ADD_IPV6_TCLASS = fn(true, "rmsg_cmsg_builder_add_ipv6_tclass", I, P, I);
    private static final MethodHandle ADD_IPV6_HOPLIMIT = fn(true, "rmsg_cmsg_builder_add_ipv6_hoplimit", I, P, I);
    private static final MethodHandle ADD_UDP_SEGMENT =
            fn(true, "rmsg_cmsg_builder_add_udp_segment", I, P, JAVA_SHORT);
    private static final MethodHandle ADD_TXTIME = fn(true, "rmsg_cmsg_builder_add_txtime", I, P, L);
    private static final MethodHandle ADD_RAW = fn(true, "rmsg_cmsg_builder_add_raw", I, P, I, I, P, L);

    static int builderNew(MemorySegment out) {
        try {
            return (int) BUILDER_NEW.invokeExact(out);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static void builderFree(MemorySegment builder) {
        try {
            BUILDER_FREE.invokeExact(builder);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static void builderReset(MemorySegment builder) {
        try {
            BUILDER_RESET.invokeExact(builder);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int addFds(MemorySegment builder, MemorySegment fds, long count) {
        try {
            return (int) ADD_FDS.invokeExact(builder, fds, count);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int addCredentials(MemorySegment builder, int pid, int uid, int gid) {
        try {
            return (int) ADD_CREDENTIALS.invokeExact(builder, pid, uid, gid);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int addIpPktinfo(MemorySegment builder, int ifindex, MemorySegment addr, long len) {
        try {
            return (int) ADD_IP_PKTINFO.invokeExact(builder, ifindex, addr, len);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int addIpv6Pktinfo(MemorySegment builder, int ifindex, MemorySegment addr, long len) {
        try {
            return (int) ADD_IPV6_PKTINFO.invokeExact(builder, ifindex, addr, len);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /** The builder functions that take one {@code int}, by name. */
    enum IntItem {
        TOS(ADD_IP_TOS),
        TTL(ADD_IP_TTL),
        TCLASS(ADD_IPV6_TCLASS),
        HOPLIMIT(ADD_IPV6_HOPLIMIT);

        private final MethodHandle handle;

        IntItem(MethodHandle handle) {
            this.handle = handle;
        }

        int add(MemorySegment builder, int value) {
            try {
                return (int) handle.invokeExact(builder, value);
            } catch (Throwable t) {
                throw broken(t);
            }
        }
    }

    static int addUdpSegment(MemorySegment builder, short size) {
        try {
            return (int) ADD_UDP_SEGMENT.invokeExact(builder, size);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int addTxtime(MemorySegment builder, long ns) {
        try {
            return (int) ADD_TXTIME.invokeExact(builder, ns);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int addRaw(MemorySegment builder, int level, int type, MemorySegment data, long len) {
        try {
            return (int) ADD_RAW.invokeExact(builder, level, type, data, len);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    // --- items ----------------------------------------------------------------------

    private static final MethodHandle ITEM_KIND = fn(true, "rmsg_item_kind", I, P);

    static int itemKind(MemorySegment item) {
        try {
            return (int) ITEM_KIND.invokeExact(item);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /**
     * The typed decoders, indexed by {@code rmsg_kind}: every one is
     * {@code rmsg_status f(const rmsg_item *, T *value_out)}. Null where
     * the binding keeps the item raw (or takes its descriptors instead).
     */
    private static final MethodHandle[] DECODERS = new MethodHandle[Kind.COUNT];

    private static void decoder(int kind, String name) {
        DECODERS[kind] = fn(true, name, I, P, P);
    }

    static {
        decoder(Kind.CREDENTIALS, "rmsg_item_credentials");
        decoder(Kind.TIMESTAMP, "rmsg_item_timestamp");
        decoder(Kind.TIMESTAMPING, "rmsg_item_timestamping");
        decoder(Kind.RXQ_OVFL, "rmsg_item_rxq_ovfl");
        decoder(Kind.MARK, "rmsg_item_mark");
        decoder(Kind.IP_PKTINFO, "rmsg_item_ip_pktinfo");
        decoder(Kind.IP_TTL, "rmsg_item_ip_ttl");
        decoder(Kind.IP_TOS, "rmsg_item_ip_tos");
        decoder(Kind.RECVERR, "rmsg_item_recverr");
        decoder(Kind.IP_ORIGDSTADDR, "rmsg_item_ip_origdstaddr");
        decoder(Kind.FRAGSIZE, "rmsg_item_fragsize");
        decoder(Kind.IPV6_PKTINFO, "rmsg_item_ipv6_pktinfo");
        decoder(Kind.IPV6_HOPLIMIT, "rmsg_item_ipv6_hoplimit");
        decoder(Kind.IPV6_TCLASS, "rmsg_item_ipv6_tclass");
        decoder(Kind.IPV6_ORIGDSTADDR, "rmsg_item_ipv6_origdstaddr");
        decoder(Kind.IPV6_PATHMTU, "rmsg_item_ipv6_pathmtu");
        decoder(Kind.UDP_GRO, "rmsg_item_udp_gro");
        decoder(Kind.TLS_RECORD_TYPE, "rmsg_item_tls_record_type");
    }

    /** Whether {@link #decode} has a decoder for the kind. */
    static boolean decodes(int kind) {
        return kind >= 0 && kind < DECODERS.length && DECODERS[kind] != null;
    }

    static int decode(int kind, MemorySegment item, MemorySegment out) {
        try {
            return (int) DECODERS[kind].invokeExact(item, out);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    // --- messages, receivers, batches -----------------------------------------------

    private static final MethodHandle RECVMSG_INTO = fn(false, "rmsg_recvmsg_into", I, I, P, L, L, I, P, P, P);
    private static final MethodHandle MESSAGE_FREE = fn(true, "rmsg_message_free", null, P);
    private static final MethodHandle MESSAGE_ITEM = fn(true, "rmsg_message_item", P, P, L);
    private static final MethodHandle MESSAGE_TAKE_ITEM_FDS =
            fn(true, "rmsg_message_take_item_fds", I, P, L, P, L, P);
    private static final MethodHandle MESSAGE_SUMMARIZE = fn(true, "rmsg_message_summarize", I, P, P);
    private static final MethodHandle MESSAGE_ITEMS = fn(true, "rmsg_message_items", I, P, P, L, P);
    private static final MethodHandle RECEIVER_NEW = fn(true, "rmsg_receiver_new", I, L, L, P, P);
    private static final MethodHandle RECEIVER_RECV = fn(false, "rmsg_receiver_recv", I, P, I, I, P, P);
    private static final MethodHandle RECEIVER_RECV_VIEW =
            fn(false, "rmsg_receiver_recv_view", I, P, I, I, P, L, P);
    private static final MethodHandle RECEIVER_FREE = fn(true, "rmsg_receiver_free", null, P);
    private static final MethodHandle BATCH_NEW = fn(true, "rmsg_batch_new", I, L, L, L, P, P);
    private static final MethodHandle BATCH_RECV = fn(false, "rmsg_batch_recv", I, P, I, I, P, P);
    private static final MethodHandle BATCH_RECV_VIEWS = fn(false, "rmsg_batch_recv_views", I, P, I, I, P, L, P, P);
    private static final MethodHandle BATCH_MESSAGE = fn(true, "rmsg_batch_message", P, P, L);
    private static final MethodHandle BATCH_FREE = fn(true, "rmsg_batch_free", null, P);
    private static final MethodHandle SENDMSG = fn(false, "rmsg_sendmsg", I, I, P, L, P, P, I, P, P);
    private static final MethodHandle CONTROL_SPACE_FOR_SOCKET =
            fn(true, "rmsg_control_space_for_socket", I, I, L, P);

    static int recvmsgInto(int fd, MemorySegment iov, long iovCount, long ancbufsize, int flags,
            MemorySegment options, MemorySegment nbytesOut, MemorySegment messageOut) {
        try {
            return (int) RECVMSG_INTO.invokeExact(fd, iov, iovCount, ancbufsize, flags, options, nbytesOut,
                    messageOut);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static void messageFree(MemorySegment message) {
        try {
            MESSAGE_FREE.invokeExact(message);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static MemorySegment messageItem(MemorySegment message, long index) {
        try {
            return (MemorySegment) MESSAGE_ITEM.invokeExact(message, index);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int messageTakeItemFds(MemorySegment message, long index, MemorySegment fds, long len,
            MemorySegment countOut) {
        try {
            return (int) MESSAGE_TAKE_ITEM_FDS.invokeExact(message, index, fds, len, countOut);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int messageSummarize(MemorySegment message, MemorySegment info) {
        try {
            return (int) MESSAGE_SUMMARIZE.invokeExact(message, info);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int messageItems(MemorySegment message, MemorySegment views, long len, MemorySegment countOut) {
        try {
            return (int) MESSAGE_ITEMS.invokeExact(message, views, len, countOut);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int receiverNew(long bufsize, long ancbufsize, MemorySegment options, MemorySegment out) {
        try {
            return (int) RECEIVER_NEW.invokeExact(bufsize, ancbufsize, options, out);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int receiverRecv(MemorySegment receiver, int fd, int flags, MemorySegment options,
            MemorySegment messageOut) {
        try {
            return (int) RECEIVER_RECV.invokeExact(receiver, fd, flags, options, messageOut);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int receiverRecvView(MemorySegment receiver, int fd, int flags, MemorySegment options, long viewSize,
            MemorySegment viewOut) {
        try {
            return (int) RECEIVER_RECV_VIEW.invokeExact(receiver, fd, flags, options, viewSize, viewOut);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static void receiverFree(MemorySegment receiver) {
        try {
            RECEIVER_FREE.invokeExact(receiver);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int batchNew(long count, long bufsize, long ancbufsize, MemorySegment options, MemorySegment out) {
        try {
            return (int) BATCH_NEW.invokeExact(count, bufsize, ancbufsize, options, out);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int batchRecv(MemorySegment batch, int fd, int flags, MemorySegment options, MemorySegment countOut) {
        try {
            return (int) BATCH_RECV.invokeExact(batch, fd, flags, options, countOut);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int batchRecvViews(MemorySegment batch, int fd, int flags, MemorySegment options, long viewSize,
            MemorySegment viewsOut, MemorySegment countOut) {
        try {
            return (int) BATCH_RECV_VIEWS.invokeExact(batch, fd, flags, options, viewSize, viewsOut, countOut);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static MemorySegment batchMessage(MemorySegment batch, long index) {
        try {
            return (MemorySegment) BATCH_MESSAGE.invokeExact(batch, index);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static void batchFree(MemorySegment batch) {
        try {
            BATCH_FREE.invokeExact(batch);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int sendmsg(int fd, MemorySegment iov, long iovCount, MemorySegment control, MemorySegment address,
            int flags, MemorySegment options, MemorySegment nbytesOut) {
        try {
            return (int) SENDMSG.invokeExact(fd, iov, iovCount, control, address, flags, options, nbytesOut);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int controlSpaceForSocket(int fd, long maxFds, MemorySegment out) {
        try {
            return (int) CONTROL_SPACE_FOR_SOCKET.invokeExact(fd, maxFds, out);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    // --- libc: the socket calls rmsg does not make ------------------------------------

    private static final MethodHandle SOCKET = libc("socket", I, I, I, I);
    private static final MethodHandle SOCKETPAIR = libc("socketpair", I, I, I, I, P);
    private static final MethodHandle BIND = libc("bind", I, I, P, I);
    private static final MethodHandle CONNECT = libc("connect", I, I, P, I);
    private static final MethodHandle LISTEN = libc("listen", I, I, I);
    private static final MethodHandle ACCEPT4 = libc("accept4", I, I, P, P, I);
    private static final MethodHandle GETSOCKNAME = libc("getsockname", I, I, P, P);
    private static final MethodHandle GETPEERNAME = libc("getpeername", I, I, P, P);
    private static final MethodHandle GETSOCKOPT = libc("getsockopt", I, I, I, I, P, P);
    private static final MethodHandle SETSOCKOPT = libc("setsockopt", I, I, I, I, P, I);
    private static final MethodHandle SHUTDOWN = libc("shutdown", I, I, I);
    private static final MethodHandle CLOSE = libc("close", I, I);
    private static final MethodHandle POLL = libc("poll", I, P, L, I);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(), FunctionDescriptor.of(P, I));

    /**
     * Room for {@code errno} as a libc call leaves it: every libc wrapper
     * below takes one (from the caller's arena) and returns the call's
     * result; {@link #errno} reads it.
     */
    static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO_VALUE.get(state, 0L);
    }

    static String strerror(int errno) {
        try {
            return staticString((MemorySegment) STRERROR.invokeExact(errno));
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int socket(MemorySegment state, int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(state, domain, type, protocol);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int socketpair(MemorySegment state, int domain, int type, int protocol, MemorySegment fds) {
        try {
            return (int) SOCKETPAIR.invokeExact(state, domain, type, protocol, fds);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int bind(MemorySegment state, int fd, MemorySegment addr, int len) {
        try {
            return (int) BIND.invokeExact(state, fd, addr, len);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int connect(MemorySegment state, int fd, MemorySegment addr, int len) {
        try {
            return (int) CONNECT.invokeExact(state, fd, addr, len);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int listen(MemorySegment state, int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(state, fd, backlog);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int accept4(MemorySegment state, int fd, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL, flags);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int getsockname(MemorySegment state, int fd, MemorySegment addr, MemorySegment len) {
        try {
            return (int) GETSOCKNAME.invokeExact(state, fd, addr, len);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int getpeername(MemorySegment state, int fd, MemorySegment addr, MemorySegment len) {
        try {
            return (int) GETPEERNAME.invokeExact(state, fd, addr, len);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int getsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value,
            MemorySegment len) {
        try {
            return (int) GETSOCKOPT.invokeExact(state, fd, level, name, value, len);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int setsockopt(MemorySegment state, int fd, int level, int name, MemorySegment value, int len) {
        try {
            return (int) SETSOCKOPT.invokeExact(state, fd, level, name, value, len);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int shutdown(MemorySegment state, int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(state, fd, how);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int close(MemorySegment state, int fd) {
        try {
            return (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int poll(MemorySegment state, MemorySegment fds, long count, int timeoutMs) {
        try {
            return (int) POLL.invokeExact(state, fds, count, timeoutMs);
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    private static final MethodHandle GETUID = LINKER.downcallHandle(
            LINKER.defaultLookup().find("getuid").orElseThrow(), FunctionDescriptor.of(I));
    private static final MethodHandle GETGID = LINKER.downcallHandle(
            LINKER.defaultLookup().find("getgid").orElseThrow(), FunctionDescriptor.of(I));

    static int getuid() {
        try {
            return (int) GETUID.invokeExact();
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    static int getgid() {
        try {
            return (int) GETGID.invokeExact();
        } catch (Throwable t) {
            throw broken(t);
        }
    }

    /**
     * Closes a descriptor, ignoring the result: on Linux the number is
     * released whatever close(2) returns (EINTR included), and a received
     * descriptor's close has nothing to report.
     */
    static void closeQuietly(int fd) {
        try (Arena a = Arena.ofConfined()) {
            close(callState(a), fd);
        }
    }
}
