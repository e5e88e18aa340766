/*
 * Source addresses, one family at a time: AF_UNIX path, abstract and
 * autobound names; AF_INET; AF_INET6 (also v4-mapped); no address on a
 * connected stream; another family (AF_NETLINK) as number and raw bytes.
 * Every raw address is compared with what a plain recvmsg(2) with MSG_PEEK
 * gets from the kernel for the same message, and the accessors of the
 * wrong family must fail with RMSG_ERR_WRONG_FAMILY and write nothing.
 */
#include "helpers.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include <linux/in6.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* The name the kernel gives for the next message on `fd`, from a plain
 * recvmsg(2) with MSG_PEEK (the message stays queued). */
static socklen_t peek_name(int fd, struct sockaddr_storage *ss) {
    struct msghdr mh;
    struct iovec iov;
    char byte;
    memset(&mh, 0, sizeof mh);
    memset(ss, 0, sizeof *ss);
    iov.iov_base = &byte;
    iov.iov_len = 1;
    mh.msg_name = ss;
    mh.msg_namelen = sizeof *ss;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    CHECK(recvmsg(fd, &mh, MSG_PEEK) >= 0);
    return mh.msg_namelen;
}

/* rmsg_address_raw gives exactly the `len` bytes at `want`. */
static void check_raw(const rmsg_address *a, const void *want, size_t len) {
    const uint8_t *bytes = NULL;
    size_t n = 0;
    CHECK_OK(rmsg_address_raw(a, &bytes, &n));
    CHECK(bytes != NULL);
    CHECK_BYTES(bytes, n, want, len);
}

/* Each accessor that does not decode `a`'s family fails with
 * RMSG_ERR_WRONG_FAMILY and leaves its outputs as they were. */
static void check_wrong_families(const rmsg_address *a, int unix_ok, int inet_ok,
                                 int inet6_ok) {
    const uint8_t *const name_sentinel = (const uint8_t *)(uintptr_t)0x1;
    const uint8_t *name = name_sentinel;
    size_t len = 4242;
    rmsg_inet_address in4, in4_before;
    rmsg_inet6_address in6, in6_before;
    memset(&in4, 0xA5, sizeof in4);
    memset(&in6, 0x5A, sizeof in6);
    in4_before = in4;
    in6_before = in6;
    if (!unix_ok) {
        CHECK_STATUS(rmsg_address_unix(a, &name, &len), RMSG_ERR_WRONG_FAMILY);
        CHECK(name == name_sentinel);
        CHECK(len == 4242);
    }
    if (!inet_ok) {
        CHECK_STATUS(rmsg_address_inet(a, &in4), RMSG_ERR_WRONG_FAMILY);
        CHECK(memcmp(&in4, &in4_before, sizeof in4) == 0);
    }
    if (!inet6_ok) {
        CHECK_STATUS(rmsg_address_inet6(a, &in6), RMSG_ERR_WRONG_FAMILY);
        CHECK(memcmp(&in6, &in6_before, sizeof in6) == 0);
    }
}

/* Receives one message of up to `bufsize` bytes on `fd` and checks that it
 * came from an AF_UNIX address of `kind` named by the `want_len` bytes at
 * `want`. Returns the message (the caller frees it); `*a_out` (if not
 * NULL) is its address. */
static rmsg_message *recv_from_unix(int fd, size_t bufsize, rmsg_addr_kind kind,
                                    const void *want, size_t want_len,
                                    const rmsg_address **a_out) {
    rmsg_message *m = NULL;
    const rmsg_address *a;
    const uint8_t *name = NULL;
    size_t len = 0;
    CHECK_OK(rmsg_recvmsg(fd, bufsize, 0, 0, &m));
    a = rmsg_message_address(m);
    CHECK(a != NULL);
    CHECK(rmsg_address_family(a) == AF_UNIX);
    CHECK(rmsg_address_kind(a) == kind);
    CHECK_OK(rmsg_address_unix(a, &name, &len));
    CHECK_BYTES(name, len, want, want_len);
    if (a_out) *a_out = a;
    return m;
}

/* Removes the two socket files of a path test and their directory. */
static void remove_socket_dir(const char *dir, const char *rpath, const char *spath) {
    CHECK(unlink(rpath) == 0);
    CHECK(unlink(spath) == 0);
    CHECK(rmdir(dir) == 0);
}

static void test_unix_path(void) {
    char dir[] = "/tmp/rmsg-addresses-XXXXXX";
    char rpath[64], spath[64];
    struct sockaddr_un ra, sa;
    struct sockaddr_storage peeked, self;
    socklen_t peek_len, self_len = sizeof self;
    rmsg_message *m = NULL;
    const rmsg_address *a;
    int r, s;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(rpath, sizeof rpath, "%s/recv.sock", dir);
    snprintf(spath, sizeof spath, "%s/send.sock", dir);
    memset(&ra, 0, sizeof ra);
    ra.sun_family = AF_UNIX;
    memcpy(ra.sun_path, rpath, strlen(rpath) + 1);
    sa = ra;
    memcpy(sa.sun_path, spath, strlen(spath) + 1);
    r = socket(AF_UNIX, SOCK_DGRAM, 0);
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(r >= 0 && s >= 0);
    CHECK(bind(r, (struct sockaddr *)&ra, sizeof ra) == 0);
    CHECK(bind(s, (struct sockaddr *)&sa, sizeof sa) == 0);
    CHECK(getsockname(s, (struct sockaddr *)&self, &self_len) == 0);
    CHECK(sendto(s, "p", 1, 0, (struct sockaddr *)&ra, sizeof ra) == 1);
    peek_len = peek_name(r, &peeked);
    m = recv_from_unix(r, 16, RMSG_ADDRESS_UNIX_PATH, spath, strlen(spath), &a);
    /* The raw bytes are what the kernel returned, and match the sender's
     * own name. */
    check_raw(a, &peeked, peek_len);
    CHECK_BYTES(&peeked, peek_len, &self, self_len);
    check_wrong_families(a, 1, 0, 0);
    rmsg_message_free(m);
    close(r);
    close(s);
    remove_socket_dir(dir, rpath, spath);
}

/* A path that fills all of sun_path, with no NUL: bound with the full
 * sizeof(struct sockaddr_un). Linux returns it with a NUL after it (one
 * byte past sun_path, so the length is more than sizeof(sockaddr_un));
 * the decoded path is all 108 bytes and the raw bytes are what the kernel
 * wrote. */
static void test_unix_path_filling_sun_path(void) {
    char dir[] = "/tmp/rmsg-addresses-XXXXXX";
    char rpath[64];
    char spath[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
    const size_t max = sizeof(((struct sockaddr_un *)0)->sun_path);
    struct sockaddr_un ra;
    /* The sender's address sits in zeroed, larger storage: valgrind reads
     * an AF_UNIX path given to bind() up to its NUL, past sun_path here. */
    union {
        struct sockaddr_un un;
        struct sockaddr_storage ss;
    } sa;
    struct sockaddr_storage peeked;
    socklen_t peek_len;
    rmsg_message *m = NULL;
    const rmsg_address *a;
    size_t used;
    int r, s;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(rpath, sizeof rpath, "%s/r", dir);
    used = (size_t)snprintf(spath, sizeof spath, "%s/", dir);
    memset(spath + used, 's', max - used);
    spath[max] = '\0';
    CHECK(strlen(spath) == max);
    memset(&ra, 0, sizeof ra);
    ra.sun_family = AF_UNIX;
    memcpy(ra.sun_path, rpath, strlen(rpath) + 1);
    memset(&sa, 0, sizeof sa);
    sa.un.sun_family = AF_UNIX;
    memcpy(sa.un.sun_path, spath, max); /* no terminator */
    r = socket(AF_UNIX, SOCK_DGRAM, 0);
    s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(r >= 0 && s >= 0);
    CHECK(bind(r, (struct sockaddr *)&ra, sizeof ra) == 0);
    CHECK(bind(s, (struct sockaddr *)&sa.un, sizeof sa.un) == 0);
    CHECK(sendto(s, "L", 1, 0, (struct sockaddr *)&ra, sizeof ra) == 1);
    peek_len = peek_name(r, &peeked);
    m = recv_from_unix(r, 16, RMSG_ADDRESS_UNIX_PATH, spath, max, &a);
    check_raw(a, &peeked, peek_len);
    rmsg_message_free(m);
    close(r);
    close(s);
    remove_socket_dir(dir, rpath, spath);
}

/* An abstract name with bytes after an inner NUL and no terminator: the
 * name is returned exactly, leading NUL included. */
static void test_unix_abstract(void) {
    struct sockaddr_un ra, sa;
    struct sockaddr_storage peeked;
    socklen_t peek_len, rlen, slen;
    char sname[48];
    size_t sn;
    rmsg_message *m = NULL;
    const rmsg_address *a;
    int r = unix_abstract(SOCK_DGRAM, "rmsg-addr-r", &ra, &rlen);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    sn = 1 + (size_t)snprintf(sname + 1, sizeof sname - 1, "rmsg-addr-s-%ld", (long)getpid());
    sname[0] = '\0';
    sname[sn++] = '\0'; /* an inner NUL ... */
    sname[sn++] = 'z';  /* ... and a byte after it */
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, sname, sn);
    slen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sn);
    CHECK(bind(s, (struct sockaddr *)&sa, slen) == 0);
    CHECK(sendto(s, "q", 1, 0, (struct sockaddr *)&ra, rlen) == 1);
    peek_len = peek_name(r, &peeked);
    CHECK(peek_len == slen);
    /* The name comes back exactly, its leading NUL included (sname[0]). */
    m = recv_from_unix(r, 16, RMSG_ADDRESS_UNIX_ABSTRACT, sname, sn, &a);
    check_raw(a, &peeked, peek_len);
    check_wrong_families(a, 1, 0, 0);
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* bind() with only the family autobinds to a kernel-chosen abstract name
 * (a NUL and five hex digits on Linux): it is decoded like any other. */
static void test_unix_autobind(void) {
    struct sockaddr_un ra, sa;
    struct sockaddr_un self;
    socklen_t self_len = sizeof self, rlen;
    rmsg_message *m = NULL;
    const rmsg_address *a;
    int r = unix_abstract(SOCK_DGRAM, "rmsg-addr-auto", &ra, &rlen);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    CHECK(bind(s, (struct sockaddr *)&sa, sizeof(sa_family_t)) == 0);
    CHECK(getsockname(s, (struct sockaddr *)&self, &self_len) == 0);
    CHECK(self_len > offsetof(struct sockaddr_un, sun_path));
    CHECK(self.sun_path[0] == '\0');
    CHECK(sendto(s, "a", 1, 0, (struct sockaddr *)&ra, rlen) == 1);
    m = recv_from_unix(r, 16, RMSG_ADDRESS_UNIX_ABSTRACT, self.sun_path,
                       self_len - offsetof(struct sockaddr_un, sun_path), &a);
    check_raw(a, &self, self_len);
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* A datagram from an unbound AF_UNIX socket: Linux returns msg_namelen 0,
 * so there is no address (as for a socketpair peer). */
static void test_unix_unbound_sender_has_no_address(void) {
    struct sockaddr_un ra;
    struct sockaddr_storage peeked;
    socklen_t rlen;
    rmsg_message *m = NULL;
    int r = unix_abstract(SOCK_DGRAM, "rmsg-addr-unb", &ra, &rlen);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    CHECK(sendto(s, "u", 1, 0, (struct sockaddr *)&ra, rlen) == 1);
    CHECK(peek_name(r, &peeked) == 0);
    CHECK_OK(rmsg_recvmsg(r, 16, 0, 0, &m));
    CHECK(rmsg_message_address(m) == NULL);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_inet(void) {
    struct sockaddr_storage rname, sname, peeked;
    uint16_t rport, sport;
    socklen_t peek_len;
    rmsg_message *m = NULL;
    rmsg_inet_address in4;
    const rmsg_address *a;
    int r = udp_loopback(AF_INET, &rname, &rport);
    int s = udp_loopback(AF_INET, &sname, &sport);
    CHECK(rport != 0 && sport != 0 && rport != sport);
    send_to(s, &rname, "v4", 2);
    peek_len = peek_name(r, &peeked);
    CHECK(peek_len == sizeof(struct sockaddr_in));
    CHECK_OK(rmsg_recvmsg(r, 16, 0, 0, &m));
    CHECK(rmsg_message_data_len(m) == 2);
    a = rmsg_message_address(m);
    CHECK(a != NULL);
    CHECK(rmsg_address_family(a) == AF_INET);
    CHECK(rmsg_address_kind(a) == RMSG_ADDRESS_INET);
    memset(&in4, 0, sizeof in4);
    CHECK_OK(rmsg_address_inet(a, &in4));
    CHECK(in4.addr[0] == 127 && in4.addr[1] == 0 && in4.addr[2] == 0 && in4.addr[3] == 1);
    CHECK(in4.port == sport);
    CHECK(memcmp(in4.addr, &((struct sockaddr_in *)&sname)->sin_addr, 4) == 0);
    check_raw(a, &peeked, peek_len);
    /* The sender's own name, byte for byte (sin_zero included). */
    check_raw(a, &sname, sizeof(struct sockaddr_in));
    check_wrong_families(a, 0, 1, 0);
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* Asks for flow label `label` to `dst` on `s` and turns on sending it.
 * Returns 0 when the kernel refused (then nothing was changed). The label
 * is shared with anyone (IPV6_FL_S_ANY): a released label lingers in the
 * kernel for a few seconds, and an exclusive one would then be refused
 * (EPERM) to the next run of this program. */
static int use_flow_label(int s, const struct in6_addr *dst, uint32_t label) {
    struct in6_flowlabel_req fr;
    memset(&fr, 0, sizeof fr);
    fr.flr_dst = *dst;
    fr.flr_label = htonl(label);
    fr.flr_action = IPV6_FL_A_GET;
    fr.flr_share = IPV6_FL_S_ANY;
    fr.flr_flags = IPV6_FL_F_CREATE;
    if (setsockopt(s, IPPROTO_IPV6, IPV6_FLOWLABEL_MGR, &fr, sizeof fr) != 0) return 0;
    set_int(s, IPPROTO_IPV6, IPV6_FLOWINFO_SEND, 1);
    return 1;
}

/* AF_INET6 from ::1. The datagram is sent with flow label 0x12345 (and the
 * receiver asks for it as an IPV6_FLOWINFO item, which shows it arrived),
 * but Linux's UDPv6 recvmsg always writes sin6_flowinfo = 0 into the source
 * address: the decoded flowinfo is 0, as the raw bytes say. scope_id is 0
 * for ::1. */
static void test_inet6(void) {
    struct sockaddr_storage rname, peeked;
    struct sockaddr_in6 dst;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&peeked;
    const uint32_t label = 0x12345;
    uint16_t sport;
    socklen_t peek_len;
    rmsg_message *m = NULL;
    rmsg_inet6_address in6;
    const rmsg_address *a;
    int labelled;
    int r = udp_loopback(AF_INET6, &rname, NULL);
    int s = udp_loopback(AF_INET6, NULL, &sport);
    set_int(r, IPPROTO_IPV6, IPV6_FLOWINFO, 1);
    dst = *(struct sockaddr_in6 *)&rname;
    labelled = use_flow_label(s, &dst.sin6_addr, label);
    if (labelled) {
        dst.sin6_flowinfo = htonl(label);
    } else {
        printf("note: the kernel refused flow label 0x%x (errno %d); sending without\n",
               (unsigned)label, errno);
    }
    CHECK(sendto(s, "v6", 2, 0, (struct sockaddr *)&dst, sizeof dst) == 2);
    peek_len = peek_name(r, &peeked);
    CHECK(peek_len == sizeof(struct sockaddr_in6));
    CHECK_OK(rmsg_recvmsg(r, 16, 256, 0, &m));
    a = rmsg_message_address(m);
    CHECK(a != NULL);
    CHECK(rmsg_address_family(a) == AF_INET6);
    CHECK(rmsg_address_kind(a) == RMSG_ADDRESS_INET6);
    memset(&in6, 0xEE, sizeof in6);
    CHECK_OK(rmsg_address_inet6(a, &in6));
    CHECK(memcmp(in6.addr, &in6addr_loopback, 16) == 0);
    CHECK(in6.port == sport);
    CHECK(in6.scope_id == 0);
    /* What the kernel put in the address, decoded; observed: 0. */
    CHECK(in6.flowinfo == ntohl(sin6->sin6_flowinfo));
    CHECK(in6.flowinfo == 0);
    check_raw(a, &peeked, peek_len);
    check_wrong_families(a, 0, 0, 1);
    if (labelled) {
        uint32_t fi;
        const rmsg_item *it;
        it = find_item(m, IPPROTO_IPV6, IPV6_FLOWINFO);
        CHECK(it != NULL);
        CHECK(rmsg_item_data_len(it) == sizeof fi);
        memcpy(&fi, rmsg_item_data(it), sizeof fi);
        CHECK((ntohl(fi) & 0xFFFFFu) == label);
    }
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* A dual-stack AF_INET6 socket receiving from an AF_INET sender gets an
 * IPv4-mapped address (::ffff:127.0.0.1). */
static void test_inet6_v4_mapped(void) {
    struct sockaddr_in6 ra;
    struct sockaddr_in dst;
    struct sockaddr_storage peeked;
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    socklen_t len = sizeof ra, peek_len;
    uint16_t sport;
    rmsg_message *m = NULL;
    rmsg_inet6_address in6;
    const rmsg_address *a;
    int r = socket(AF_INET6, SOCK_DGRAM, 0);
    int s = udp_loopback(AF_INET, NULL, &sport);
    CHECK(r >= 0);
    set_int(r, IPPROTO_IPV6, IPV6_V6ONLY, 0);
    memset(&ra, 0, sizeof ra);
    ra.sin6_family = AF_INET6;
    ra.sin6_addr = in6addr_any;
    CHECK(bind(r, (struct sockaddr *)&ra, sizeof ra) == 0);
    CHECK(getsockname(r, (struct sockaddr *)&ra, &len) == 0);
    memset(&dst, 0, sizeof dst);
    dst.sin_family = AF_INET;
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    dst.sin_port = ra.sin6_port;
    CHECK(sendto(s, "m", 1, 0, (struct sockaddr *)&dst, sizeof dst) == 1);
    peek_len = peek_name(r, &peeked);
    CHECK_OK(rmsg_recvmsg(r, 16, 0, 0, &m));
    a = rmsg_message_address(m);
    CHECK(a != NULL);
    CHECK(rmsg_address_kind(a) == RMSG_ADDRESS_INET6);
    CHECK_OK(rmsg_address_inet6(a, &in6));
    CHECK(memcmp(in6.addr, mapped, 16) == 0);
    CHECK(in6.port == sport);
    CHECK(in6.flowinfo == 0);
    CHECK(in6.scope_id == 0);
    check_raw(a, &peeked, peek_len);
    check_wrong_families(a, 0, 0, 1);
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* A link-local IPv6 address of this machine (fe80::/10) with its
 * interface index as scope id, or 0 when there is none. */
static int find_link_local(struct sockaddr_in6 *out) {
    struct ifaddrs *list, *i;
    int found = 0;
    CHECK(getifaddrs(&list) == 0);
    for (i = list; i != NULL && !found; i = i->ifa_next) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)i->ifa_addr;
        if (a == NULL || a->sin6_family != AF_INET6) continue;
        if (!IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr) || a->sin6_scope_id == 0) continue;
        *out = *a;
        out->sin6_port = 0;
        found = 1;
    }
    freeifaddrs(list);
    return found;
}

/* From a link-local address the scope id is the interface index. Needs a
 * link-local address (skipped, with a note, without one). */
static void test_inet6_link_local_scope_id(void) {
    struct sockaddr_in6 ll, ra, sa;
    struct sockaddr_storage peeked;
    socklen_t len, peek_len;
    rmsg_message *m = NULL;
    rmsg_inet6_address in6;
    const rmsg_address *a;
    int r, s;
    if (!find_link_local(&ll)) {
        printf("note: no IPv6 link-local address; scope id test skipped\n");
        return;
    }
    r = socket(AF_INET6, SOCK_DGRAM, 0);
    s = socket(AF_INET6, SOCK_DGRAM, 0);
    CHECK(r >= 0 && s >= 0);
    ra = ll;
    sa = ll;
    if (bind(r, (struct sockaddr *)&ra, sizeof ra) != 0 ||
        bind(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
        /* For example a tentative address (duplicate detection running). */
        printf("note: cannot bind the link-local address (errno %d); skipped\n", errno);
        close(r);
        close(s);
        return;
    }
    len = sizeof ra;
    CHECK(getsockname(r, (struct sockaddr *)&ra, &len) == 0);
    len = sizeof sa;
    CHECK(getsockname(s, (struct sockaddr *)&sa, &len) == 0);
    CHECK(sendto(s, "ll", 2, 0, (struct sockaddr *)&ra, sizeof ra) == 2);
    peek_len = peek_name(r, &peeked);
    CHECK_OK(rmsg_recvmsg(r, 16, 0, 0, &m));
    a = rmsg_message_address(m);
    CHECK(a != NULL);
    CHECK_OK(rmsg_address_inet6(a, &in6));
    CHECK(memcmp(in6.addr, &ll.sin6_addr, 16) == 0);
    CHECK(in6.port == ntohs(sa.sin6_port));
    CHECK(in6.scope_id == ll.sin6_scope_id);
    CHECK(in6.scope_id != 0);
    check_raw(a, &peeked, peek_len);
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* AF_UNIX streams are different from TCP: Linux gives the name of the
 * sending socket when it has one. Over a connection from a bound client,
 * the server reads the client's name, and the client reads the name of the
 * accepted socket, which is the listener's. Observed, not chosen by rmsg;
 * an unbound peer gives no address (see recv_basic for a socketpair). */
static void test_unix_stream_carries_bound_peer_name(void) {
    struct sockaddr_un la, ca;
    socklen_t llen, clen;
    rmsg_message *m = NULL;
    int l, c, acc;
    l = unix_abstract(SOCK_STREAM, "rmsg-addr-listen", &la, &llen);
    CHECK(listen(l, 1) == 0);
    c = unix_abstract(SOCK_STREAM, "rmsg-addr-client", &ca, &clen);
    CHECK(connect(c, (struct sockaddr *)&la, llen) == 0);
    acc = accept(l, NULL, NULL);
    CHECK(acc >= 0);
    CHECK(send(c, "up", 2, 0) == 2);
    CHECK(send(acc, "down", 4, 0) == 4);
    m = recv_from_unix(acc, 2, RMSG_ADDRESS_UNIX_ABSTRACT, ca.sun_path,
                       clen - offsetof(struct sockaddr_un, sun_path), NULL);
    rmsg_message_free(m);
    m = recv_from_unix(c, 4, RMSG_ADDRESS_UNIX_ABSTRACT, la.sun_path,
                       llen - offsetof(struct sockaddr_un, sun_path), NULL);
    rmsg_message_free(m);
    close(acc);
    close(c);
    close(l);
}

/* A connected TCP stream: the kernel returns no name, so no address. */
static void test_connected_stream_has_no_address(void) {
    int sv[2];
    rmsg_message *m = NULL;
    tcp_loopback_pair(sv);
    CHECK(send(sv[0], "tcp", 3, 0) == 3);
    CHECK_OK(rmsg_recvmsg(sv[1], 3, 0, MSG_WAITALL, &m));
    CHECK(rmsg_message_data_len(m) == 3);
    CHECK(rmsg_message_address(m) == NULL);
    rmsg_message_free(m);
    close_pair(sv);
}

/* Another family: AF_NETLINK (NETLINK_ROUTE). The reply to an RTM_GETLINK
 * dump comes from the kernel, nl_pid 0; rmsg gives the family number and
 * the raw sockaddr_nl the kernel wrote. (Since 0.2 its kind is
 * RMSG_ADDRESS_NETLINK, decoded in addr_families.c; it was OTHER.) */
static void test_netlink_is_other_with_raw_bytes(void) {
    struct {
        struct nlmsghdr nh;
        struct ifinfomsg ifm;
    } req;
    struct sockaddr_nl kernel, got;
    struct sockaddr_storage peeked;
    struct nlmsghdr reply;
    socklen_t peek_len;
    rmsg_message *m = NULL;
    const rmsg_address *a;
    const uint8_t *bytes = NULL;
    size_t n = 0;
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    CHECK(s >= 0);
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_len = sizeof req;
    req.nh.nlmsg_type = RTM_GETLINK;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nh.nlmsg_seq = 4242;
    req.ifm.ifi_family = AF_UNSPEC;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    CHECK(sendto(s, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) ==
          (ssize_t)sizeof req);
    peek_len = peek_name(s, &peeked);
    CHECK(peek_len == sizeof(struct sockaddr_nl));
    CHECK_OK(rmsg_recvmsg(s, 65536, 0, 0, &m));
    CHECK(rmsg_message_data_len(m) >= sizeof reply);
    memcpy(&reply, rmsg_message_data(m), sizeof reply);
    CHECK(reply.nlmsg_seq == 4242);
    CHECK(reply.nlmsg_type == RTM_NEWLINK || reply.nlmsg_type == NLMSG_DONE);
    a = rmsg_message_address(m);
    CHECK(a != NULL);
    CHECK(rmsg_address_family(a) == AF_NETLINK);
    CHECK(rmsg_address_kind(a) == RMSG_ADDRESS_NETLINK);
    CHECK_OK(rmsg_address_raw(a, &bytes, &n));
    CHECK_BYTES(bytes, n, &peeked, peek_len);
    memcpy(&got, bytes, sizeof got);
    CHECK(got.nl_family == AF_NETLINK);
    CHECK(got.nl_pid == 0);
    CHECK(got.nl_groups == 0);
    check_wrong_families(a, 0, 0, 0);
    rmsg_message_free(m);
    close(s);
}

/* NULL handles and NULL outputs. */
static void test_null_arguments(void) {
    struct sockaddr_storage rname;
    rmsg_message *m = NULL;
    const rmsg_address *a;
    const uint8_t *bytes = NULL;
    size_t n = 99;
    rmsg_inet_address in4;
    rmsg_inet6_address in6;
    int r = udp_loopback(AF_INET, &rname, NULL);
    int s = udp_loopback(AF_INET, NULL, NULL);
    CHECK(rmsg_address_family(NULL) == AF_UNSPEC);
    CHECK(rmsg_address_kind(NULL) == RMSG_ADDRESS_OTHER);
    CHECK_STATUS(rmsg_address_raw(NULL, &bytes, &n), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_unix(NULL, &bytes, &n), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_inet(NULL, &in4), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_inet6(NULL, &in6), RMSG_ERR_NULL_ARGUMENT);
    CHECK(bytes == NULL && n == 99);
    CHECK(rmsg_message_address(NULL) == NULL);
    send_to(s, &rname, "n", 1);
    CHECK_OK(rmsg_recvmsg(r, 16, 0, 0, &m));
    a = rmsg_message_address(m);
    CHECK(a != NULL);
    CHECK_STATUS(rmsg_address_raw(a, NULL, &n), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_raw(a, &bytes, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK(bytes == NULL && n == 99);
    CHECK_STATUS(rmsg_address_inet(a, NULL), RMSG_ERR_NULL_ARGUMENT);
    rmsg_message_free(m);
    close(r);
    close(s);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_unix_path);
    RUN(test_unix_path_filling_sun_path);
    RUN(test_unix_abstract);
    RUN(test_unix_autobind);
    RUN(test_unix_unbound_sender_has_no_address);
    RUN(test_inet);
    RUN(test_inet6);
    RUN(test_inet6_v4_mapped);
    RUN(test_inet6_link_local_scope_id);
    RUN(test_unix_stream_carries_bound_peer_name);
    RUN(test_connected_stream_has_no_address);
    RUN(test_netlink_is_other_with_raw_bytes);
    RUN(test_null_arguments);
    TEST_END();
}
