/*
 * The address families beyond IP and AF_UNIX: AF_PACKET (struct
 * sockaddr_ll), AF_NETLINK (struct sockaddr_nl) and AF_VSOCK (struct
 * sockaddr_vm), as received source addresses, as send destinations, from
 * their parts and as text. AF_PACKET needs root (CAP_NET_RAW), which the
 * test machines have; AF_VSOCK needs a vsock transport (vsock_loopback for
 * VMADDR_CID_LOCAL), tried and replaced by crafted bytes when refused.
 */
#include "net_helpers.h"
#include "send_helpers.h"

#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/vm_sockets.h>

/* An EtherType for local experiments (IEEE 802 local experimental 2), so
 * that nothing else on lo is seen by the packet sockets here. */
#define TEST_ETHERTYPE 0x88b6

/* A per-run tag in every frame, so that frames of another process on lo
 * using the same EtherType are skipped. */
static char tag[32];

/* Text of an address, checked to fit. */
static const char *text_of(const rmsg_address *a, char *buf, size_t len) {
    size_t n = 0;
    CHECK_OK(rmsg_address_format(a, buf, len, &n));
    CHECK(n == strlen(buf));
    return buf;
}

/* A packet socket on lo for TEST_ETHERTYPE, bound, non-blocking reads
 * bounded by recv deadlines. */
static int packet_socket(int type, unsigned lo) {
    struct sockaddr_ll sll;
    int s = socket(AF_PACKET, type, htons(TEST_ETHERTYPE));
    CHECK(s >= 0);
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(TEST_ETHERTYPE);
    sll.sll_ifindex = (int)lo;
    CHECK(bind(s, (struct sockaddr *)&sll, sizeof sll) == 0);
    return s;
}

/* Receives frames until one carries this run's tag (at most 5 s); the
 * receive uses the default options, which add MSG_CMSG_CLOEXEC: Linux's
 * AF_PACKET refuses that flag with EINVAL, and rmsg tries again without
 * it. */
static rmsg_message *recv_tagged(int s) {
    int i;
    for (i = 0; i < 100; i++) {
        rmsg_message *m = recv_one(s, 256, 0);
        if (rmsg_message_data_len(m) == strlen(tag) &&
            memcmp(rmsg_message_data(m), tag, strlen(tag)) == 0)
            return m;
        rmsg_message_free(m);
    }
    CHECK(!"no tagged frame");
    return NULL;
}

/* AF_PACKET: a SOCK_DGRAM packet socket sends to a packet address built
 * from parts (lo, the EtherType, a zero hardware address); another one on
 * lo receives the frame, whose source is a sockaddr_ll naming lo, the
 * protocol, ARPHRD_LOOPBACK and a 6-byte hardware address. */
static void test_packet(void) {
    unsigned lo = if_nametoindex("lo");
    int r, s;
    rmsg_packet_address pa, got;
    rmsg_address *to = NULL, *parsed = NULL;
    const rmsg_address *from;
    rmsg_message *m;
    char text[128];
    size_t rawlen;
    const uint8_t *raw;
    CHECK(lo > 0);
    r = packet_socket(SOCK_DGRAM, lo);
    s = packet_socket(SOCK_DGRAM, lo);
    snprintf(tag, sizeof tag, "rmsg-pkt-%ld", (long)getpid());

    memset(&pa, 0, sizeof pa);
    pa.ifindex = (int)lo;
    pa.protocol = TEST_ETHERTYPE;
    pa.halen = 6;
    CHECK_OK(rmsg_address_from_packet(&pa, &to));
    CHECK(rmsg_address_family(to) == AF_PACKET);
    CHECK(rmsg_address_kind(to) == RMSG_ADDRESS_PACKET);
    CHECK_OK(rmsg_address_raw(to, &raw, &rawlen));
    CHECK(rawlen == sizeof(struct sockaddr_ll));
    send_one(s, tag, strlen(tag), NULL, to);

    /* The receiver sees it come in on lo (PACKET_HOST; the outgoing copy
     * goes only to ETH_P_ALL sockets). */
    m = recv_tagged(r);
    from = rmsg_message_address(m);
    CHECK(from != NULL);
    CHECK(rmsg_address_kind(from) == RMSG_ADDRESS_PACKET);
    CHECK_OK(rmsg_address_raw(from, &raw, &rawlen));
    CHECK(rawlen >= offsetof(struct sockaddr_ll, sll_addr) + 6);
    CHECK(rawlen <= sizeof(struct sockaddr_ll));
    CHECK_OK(rmsg_address_packet(from, &got));
    CHECK(got.ifindex == (int)lo);
    CHECK(got.protocol == TEST_ETHERTYPE);
    CHECK(got.hatype == ARPHRD_LOOPBACK);
    CHECK(got.pkttype == PACKET_HOST);
    CHECK(got.halen == 6);
    CHECK(memcmp(got.addr, "\0\0\0\0\0\0\0\0", 8) == 0);
    snprintf(text, sizeof text, "packet:%u:0x88b6:00:00:00:00:00:00", lo);
    CHECK(strcmp(text_of(from, text + 64, 64), text) == 0);
    /* Other accessors refuse it. */
    {
        rmsg_inet_address ia;
        rmsg_netlink_address na;
        CHECK_STATUS(rmsg_address_inet(from, &ia), RMSG_ERR_WRONG_FAMILY);
        CHECK_STATUS(rmsg_address_netlink(from, &na), RMSG_ERR_WRONG_FAMILY);
    }
    rmsg_message_free(m);

    /* The text form (interface by name) is a destination too. */
    CHECK_OK(rmsg_address_parse("packet:lo:0x88b6:00:00:00:00:00:00", 34, &parsed));
    CHECK_OK(rmsg_address_packet(parsed, &got));
    CHECK(got.ifindex == (int)lo && got.protocol == TEST_ETHERTYPE && got.halen == 6);
    send_one(s, tag, strlen(tag), NULL, parsed);
    rmsg_message_free(recv_tagged(r));

    /* A receiver and a batch receive on the packet socket as well (both
     * add MSG_CMSG_CLOEXEC by default). */
    {
        rmsg_receiver *rc = NULL;
        rmsg_batch *b = NULL;
        rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, 5000000000ull);
        size_t count = 0;
        CHECK_OK(rmsg_receiver_new(256, 0, &o, &rc));
        send_one(s, tag, strlen(tag), NULL, to);
        CHECK_OK(rmsg_receiver_recv(rc, r, 0, NULL, &m));
        CHECK(rmsg_address_kind(rmsg_message_address(m)) == RMSG_ADDRESS_PACKET);
        rmsg_receiver_free(rc);
        CHECK_OK(rmsg_batch_new(4, 256, 0, &o, &b));
        send_one(s, tag, strlen(tag), NULL, to);
        CHECK_OK(rmsg_batch_recv(b, r, 0, NULL, &count));
        CHECK(count >= 1);
        CHECK_OK(rmsg_address_packet(rmsg_message_address(rmsg_batch_message(b, 0)), &got));
        CHECK(got.ifindex == (int)lo);
        rmsg_batch_free(b);
        /* Drain what is left of the copies. */
        while (rmsg_recvmsg(r, 256, 0, MSG_DONTWAIT, &m) == RMSG_OK) rmsg_message_free(m);
    }

    /* A halen above 8 is refused. */
    pa.halen = 9;
    CHECK_STATUS(rmsg_address_from_packet(&pa, &parsed), RMSG_ERR_INVALID_ADDRESS);
    CHECK_STATUS(rmsg_address_from_packet(NULL, &parsed), RMSG_ERR_NULL_ARGUMENT);
    rmsg_address_free(parsed);
    rmsg_address_free(to);
    close(s);
    close(r);
}

/* A crafted short sockaddr_ll (older kernels returned offsetof(sll_addr)
 * + sll_halen bytes; this one returns the whole struct) through
 * rmsg_message_from_recvmsg: the hardware address is what was given. And
 * one shorter than offsetof(sll_addr) is RMSG_ADDRESS_OTHER. */
static void test_packet_crafted_lengths(void) {
    struct sockaddr_ll sll;
    rmsg_recvmsg_parts parts;
    rmsg_message *m = NULL;
    rmsg_packet_address got;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_IP);
    sll.sll_ifindex = 3;
    sll.sll_hatype = ARPHRD_ETHER;
    sll.sll_pkttype = PACKET_BROADCAST;
    sll.sll_halen = 6;
    memcpy(sll.sll_addr, "\x02\x11\x22\x33\x44\x55\x66\x77", 8);
    memset(&parts, 0, sizeof parts);
    parts.name = (const uint8_t *)&sll;
    parts.name_size = sizeof sll;
    parts.name_len = offsetof(struct sockaddr_ll, sll_addr) + 4; /* cut short */
    CHECK_OK(rmsg_message_from_recvmsg(&parts, 0, &m));
    CHECK_OK(rmsg_address_packet(rmsg_message_address(m), &got));
    CHECK(got.ifindex == 3 && got.protocol == ETH_P_IP && got.hatype == ARPHRD_ETHER);
    CHECK(got.pkttype == PACKET_BROADCAST && got.halen == 6);
    CHECK(memcmp(got.addr, "\x02\x11\x22\x33\0\0\0\0", 8) == 0);
    rmsg_message_free(m);
    parts.name_len = offsetof(struct sockaddr_ll, sll_addr) - 1;
    CHECK_OK(rmsg_message_from_recvmsg(&parts, 0, &m));
    CHECK(rmsg_address_kind(rmsg_message_address(m)) == RMSG_ADDRESS_OTHER);
    CHECK_STATUS(rmsg_address_packet(rmsg_message_address(m), &got), RMSG_ERR_WRONG_FAMILY);
    rmsg_message_free(m);
}

/* AF_NETLINK: an RTM_GETLINK request for lo sent to the kernel (pid 0) as
 * the destination address; the reply's source is netlink pid 0. */
static void test_netlink(void) {
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    struct {
        struct nlmsghdr h;
        struct ifinfomsg i;
    } req;
    rmsg_netlink_address kernel = {0, 0}, got;
    rmsg_address *to = NULL, *parsed = NULL;
    rmsg_message *m;
    struct nlmsghdr reply;
    char text[64];
    unsigned lo = if_nametoindex("lo");
    CHECK(s >= 0);
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = RTM_GETLINK;
    req.h.nlmsg_flags = NLM_F_REQUEST;
    req.h.nlmsg_seq = 4242;
    req.i.ifi_family = AF_UNSPEC;
    req.i.ifi_index = (int)lo;
    CHECK_OK(rmsg_address_from_netlink(&kernel, &to));
    CHECK(rmsg_address_kind(to) == RMSG_ADDRESS_NETLINK);
    CHECK(strcmp(text_of(to, text, sizeof text), "netlink:0:0") == 0);
    send_one(s, &req, sizeof req, NULL, to);
    m = recv_one(s, 65536, 0);
    CHECK(rmsg_message_data_len(m) >= sizeof reply);
    memcpy(&reply, rmsg_message_data(m), sizeof reply);
    CHECK(reply.nlmsg_type == RTM_NEWLINK);
    CHECK(reply.nlmsg_seq == 4242);
    CHECK(rmsg_address_kind(rmsg_message_address(m)) == RMSG_ADDRESS_NETLINK);
    got.pid = 99;
    got.groups = 99;
    CHECK_OK(rmsg_address_netlink(rmsg_message_address(m), &got));
    CHECK(got.pid == 0 && got.groups == 0);
    CHECK(strcmp(text_of(rmsg_message_address(m), text, sizeof text), "netlink:0:0") == 0);
    rmsg_message_free(m);

    /* Text forms, both ways. */
    CHECK_OK(rmsg_address_parse("netlink:4294967295:5", 20, &parsed));
    CHECK_OK(rmsg_address_netlink(parsed, &got));
    CHECK(got.pid == 4294967295u && got.groups == 5);
    CHECK(strcmp(text_of(parsed, text, sizeof text), "netlink:4294967295:5") == 0);
    rmsg_address_free(parsed);
    CHECK_STATUS(rmsg_address_parse("netlink:1", 9, &parsed), RMSG_ERR_INVALID_ADDRESS);
    CHECK_STATUS(rmsg_address_netlink(NULL, &got), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_netlink(to, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_from_netlink(NULL, &parsed), RMSG_ERR_NULL_ARGUMENT);
    rmsg_address_free(to);
    close(s);
}

/* AF_VSOCK with VMADDR_CID_LOCAL needs the vsock_loopback transport. When
 * the socket can be made, the address built by rmsg is bound and the
 * kernel's own name for the socket decodes to it; otherwise (here:
 * socket(AF_VSOCK) fails, no vsock module) crafted sockaddr_vm bytes are
 * decoded and compared with what rmsg builds. */
static void test_vsock(void) {
    rmsg_vsock_address va = {VMADDR_CID_LOCAL, 5005, 0}, got;
    rmsg_address *a = NULL, *parsed = NULL;
    struct sockaddr_vm vm;
    rmsg_recvmsg_parts parts;
    rmsg_message *m = NULL;
    const uint8_t *raw;
    size_t rawlen;
    char text[64];
    int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK_OK(rmsg_address_from_vsock(&va, &a));
    CHECK(rmsg_address_kind(a) == RMSG_ADDRESS_VSOCK);
    CHECK_OK(rmsg_address_raw(a, &raw, &rawlen));
    CHECK(rawlen == sizeof vm);
    memset(&vm, 0, sizeof vm);
    if (s >= 0 && bind(s, (const struct sockaddr *)raw, (socklen_t)rawlen) == 0) {
        socklen_t len = sizeof vm;
        CHECK(getsockname(s, (struct sockaddr *)&vm, &len) == 0);
        CHECK(len == sizeof vm);
    } else {
        printf("vsock refused: %s\n", strerror(errno));
        CRAFTED("AF_VSOCK address", "no vsock transport here (socket or bind refused)");
        vm.svm_family = AF_VSOCK;
        vm.svm_cid = VMADDR_CID_LOCAL;
        vm.svm_port = 5005;
    }
    if (s >= 0) close(s);
    CHECK_BYTES(raw, rawlen, &vm, sizeof vm);
    memset(&parts, 0, sizeof parts);
    parts.name = (const uint8_t *)&vm;
    parts.name_size = sizeof vm;
    parts.name_len = sizeof vm;
    CHECK_OK(rmsg_message_from_recvmsg(&parts, 0, &m));
    CHECK(rmsg_address_kind(rmsg_message_address(m)) == RMSG_ADDRESS_VSOCK);
    CHECK_OK(rmsg_address_vsock(rmsg_message_address(m), &got));
    CHECK(got.cid == VMADDR_CID_LOCAL && got.port == 5005 && got.flags == 0);
    CHECK(strcmp(text_of(rmsg_message_address(m), text, sizeof text), "vsock:1:5005") == 0);
    rmsg_message_free(m);
    /* Short: another family's kind. */
    parts.name_len = sizeof vm - 1;
    CHECK_OK(rmsg_message_from_recvmsg(&parts, 0, &m));
    CHECK(rmsg_address_kind(rmsg_message_address(m)) == RMSG_ADDRESS_OTHER);
    rmsg_message_free(m);

    CHECK_OK(rmsg_address_parse("vsock:2:4294967295", 18, &parsed));
    CHECK_OK(rmsg_address_vsock(parsed, &got));
    CHECK(got.cid == 2 && got.port == 4294967295u);
    rmsg_address_free(parsed);
    CHECK_STATUS(rmsg_address_vsock(a, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_from_vsock(NULL, &parsed), RMSG_ERR_NULL_ARGUMENT);
    {
        rmsg_packet_address pa;
        CHECK_STATUS(rmsg_address_packet(a, &pa), RMSG_ERR_WRONG_FAMILY);
    }
    rmsg_address_free(a);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_packet);
    RUN(test_packet_crafted_lengths);
    RUN(test_netlink);
    RUN(test_vsock);
    TEST_END();
}
