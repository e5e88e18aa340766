/*
 * The receive-side kinds of other families and protocols, from the real
 * kernel: TCP_CM_INQ (TCP_INQ) on loopback TCP; SCM_INQ (SO_INQ) on an
 * AF_UNIX stream pair; PACKET_AUXDATA on an AF_PACKET socket bound to lo
 * reading a loopback UDP datagram; NETLINK_PKTINFO on a route socket
 * joined to RTNLGRP_LINK, and NETLINK_LISTEN_ALL_NSID hearing a second
 * network namespace that has an id. The netlink tests run in a child with
 * its own network namespaces (so the host's interfaces are not touched);
 * where a step is refused (no privilege for namespaces or AF_PACKET) the
 * kind is checked with crafted bytes and the reason printed.
 */
#include "net_helpers.h"

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sched.h>
#include <sys/ioctl.h>

#ifndef SOL_TCP
#define SOL_TCP 6
#endif
#ifndef TCP_INQ
#define TCP_INQ 36
#endif
#ifndef TCP_CM_INQ
#define TCP_CM_INQ TCP_INQ
#endif
#ifndef SOL_PACKET
#define SOL_PACKET RMSG_SOL_PACKET
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK RMSG_SOL_NETLINK
#endif
#ifndef NETLINK_LISTEN_ALL_NSID
#define NETLINK_LISTEN_ALL_NSID RMSG_NETLINK_LISTEN_ALL_NSID
#endif
#ifndef TP_STATUS_VLAN_TPID_VALID
#define TP_STATUS_VLAN_TPID_VALID (1 << 6)
#endif

/* The room one int item takes. */
#define INT_SPACE ((size_t)CMSG_SPACE(sizeof(int)))

static size_t space_of(int s) {
    size_t space = 0;
    CHECK_OK(rmsg_control_space_for_socket(s, 0, &space));
    return space;
}

static void test_tcp_inq(void) {
    int sv[2];
    rmsg_message *m;
    const rmsg_item *it;
    uint32_t inq = 99;
    size_t before;
    tcp_loopback_pair(sv);
    before = space_of(sv[1]);
    set_int(sv[1], SOL_TCP, TCP_INQ, 1);
    CHECK(space_of(sv[1]) == before + INT_SPACE);
    CHECK(send(sv[0], "hello world", 11, 0) == 11);
    /* Loopback queues the segment before send returns; read 4 of 11. */
    m = recv_sized(sv[1], 4, 0);
    CHECK(rmsg_message_data_len(m) == 4);
    it = find_item(m, SOL_TCP, TCP_CM_INQ);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "SOL_TCP/TCP_CM_INQ") == 0);
    CHECK(rmsg_item_kind(it) == RMSG_KIND_INQ);
    CHECK_OK(rmsg_item_inq(it, &inq));
    CHECK(inq == 7);
    printf("real: TCP_CM_INQ %u\n", inq);
    rmsg_message_free(m);
    m = recv_sized(sv[1], 64, 0);
    CHECK(rmsg_message_data_len(m) == 7);
    CHECK_OK(rmsg_item_inq(find_item(m, SOL_TCP, TCP_CM_INQ), &inq));
    CHECK(inq == 0);
    rmsg_message_free(m);
    close_pair(sv);
}

static void crafted_inq(const char *why) {
    int v = 7;
    uint32_t inq = 0;
    craft_buf b;
    rmsg_control *c;
    CRAFTED("SCM_INQ", why);
    c = parse_one(&b, SOL_SOCKET, RMSG_SO_INQ, &v, sizeof v);
    CHECK(strcmp(rmsg_item_name(rmsg_control_item(c, 0)), "SOL_SOCKET/SCM_INQ") == 0);
    CHECK_OK(rmsg_item_inq(rmsg_control_item(c, 0), &inq));
    CHECK(inq == 7);
    rmsg_control_free(c);
}

static void test_unix_inq(void) {
    int sv[2], one = 1;
    rmsg_message *m;
    const rmsg_item *it;
    uint32_t inq = 99;
    unix_pair(SOCK_STREAM, sv);
    if (setsockopt(sv[1], SOL_SOCKET, RMSG_SO_INQ, &one, sizeof one) != 0) {
        /* SO_INQ came with Linux 6.18. */
        CHECK(errno == ENOPROTOOPT);
        close_pair(sv);
        crafted_inq("this kernel has no SO_INQ for AF_UNIX (ENOPROTOOPT)");
        return;
    }
    /* Sized whether or not getsockopt can read SO_INQ back (6.18 cannot). */
    CHECK(space_of(sv[1]) >= INT_SPACE);
    CHECK(send(sv[0], "hello world", 11, 0) == 11);
    m = recv_sized(sv[1], 4, 0);
    CHECK(rmsg_message_data_len(m) == 4);
    it = find_item(m, SOL_SOCKET, RMSG_SO_INQ);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "SOL_SOCKET/SCM_INQ") == 0);
    CHECK_OK(rmsg_item_inq(it, &inq));
    CHECK(inq == 7);
    printf("real: SCM_INQ %u\n", inq);
    rmsg_message_free(m);
    close_pair(sv);
}

static void crafted_auxdata(const char *why) {
    struct tpacket_auxdata a;
    rmsg_packet_auxdata got;
    craft_buf b;
    rmsg_control *c;
    CRAFTED("PACKET_AUXDATA", why);
    memset(&a, 0, sizeof a);
    a.tp_status = TP_STATUS_USER | TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID;
    a.tp_len = 60;
    a.tp_snaplen = 60;
    a.tp_net = 14;
    a.tp_vlan_tci = 0x2005;
    a.tp_vlan_tpid = 0x8100;
    c = parse_one(&b, SOL_PACKET, PACKET_AUXDATA, &a, sizeof a);
    CHECK_OK(rmsg_item_packet_auxdata(rmsg_control_item(c, 0), &got));
    CHECK(got.status == a.tp_status && got.len == 60 && got.snaplen == 60);
    CHECK(got.net == 14 && got.vlan_tci == 0x2005 && got.vlan_tpid == 0x8100);
    rmsg_control_free(c);
}

/* Receives one frame from the packet socket `p`: through rmsg, or, when
 * this kernel's AF_PACKET refuses MSG_CMSG_CLOEXEC (EINVAL), with a raw
 * recvmsg(2) whose pieces rmsg turns into a message. */
static rmsg_message *recv_frame(int p) {
    static uint8_t data[2048];
    union {
        uint8_t bytes[256];
        struct cmsghdr align;
    } control;
    struct sockaddr_ll from;
    struct iovec iov;
    struct msghdr mh;
    rmsg_recvmsg_parts parts;
    rmsg_message *m = NULL;
    ssize_t n;
    size_t space = space_of(p);
    rmsg_status st = rmsg_recvmsg(p, sizeof data, space, MSG_DONTWAIT, &m);
    if (st == RMSG_OK) return m;
    if (st == RMSG_ERR_WOULD_BLOCK) return NULL;
    CHECK(rmsg_last_errno() == EINVAL);
    printf("AF_PACKET refused MSG_CMSG_CLOEXEC: raw recvmsg(2)\n");
    /* Until the CLOEXEC retry lands: AF_PACKET refuses MSG_CMSG_CLOEXEC
     * (no descriptors travel there), so receive without it here. */
    iov.iov_base = data;
    iov.iov_len = sizeof data;
    memset(&mh, 0, sizeof mh);
    mh.msg_name = &from;
    mh.msg_namelen = sizeof from;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control.bytes;
    mh.msg_controllen = space;
    CHECK(space <= sizeof control.bytes);
    n = recvmsg(p, &mh, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return NULL;
    CHECK(n >= 0);
    memset(&parts, 0, sizeof parts);
    parts.data = data;
    parts.data_len = sizeof data;
    parts.nbytes = (size_t)n;
    parts.name = (const uint8_t *)&from;
    parts.name_size = sizeof from;
    parts.name_len = mh.msg_namelen;
    parts.control = control.bytes;
    parts.control_len = mh.msg_controllen;
    parts.msg_flags = mh.msg_flags;
    CHECK_OK(rmsg_message_from_recvmsg(&parts, 0, &m));
    return m;
}

/* Whether a SOCK_DGRAM frame (from the IP header on) is our UDP datagram
 * to `port` carrying `payload`. */
static int is_ours(const uint8_t *f, size_t len, uint16_t port, const char *payload) {
    struct iphdr ip;
    struct udphdr udp;
    size_t plen = strlen(payload);
    if (len < sizeof ip) return 0;
    memcpy(&ip, f, sizeof ip);
    if (ip.version != 4 || ip.protocol != IPPROTO_UDP) return 0;
    if (len != (size_t)ip.ihl * 4 + sizeof udp + plen) return 0;
    memcpy(&udp, f + ip.ihl * 4, sizeof udp);
    return ntohs(udp.dest) == port && memcmp(f + ip.ihl * 4 + sizeof udp, payload, plen) == 0;
}

static void test_packet_auxdata(void) {
    static const char payload[] = "auxdata probe";
    struct sockaddr_ll ll;
    struct sockaddr_storage to;
    uint16_t port = 0;
    int p, r, s, seen = 0, tries;
    size_t want = sizeof(struct iphdr) + sizeof(struct udphdr) + strlen(payload);
    p = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
    if (p < 0) {
        CHECK(errno == EPERM || errno == EACCES || errno == EAFNOSUPPORT);
        crafted_auxdata("AF_PACKET sockets are refused here (no CAP_NET_RAW)");
        return;
    }
    memset(&ll, 0, sizeof ll);
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_IP);
    ll.sll_ifindex = (int)if_nametoindex("lo");
    CHECK(ll.sll_ifindex > 0);
    CHECK(bind(p, (struct sockaddr *)&ll, sizeof ll) == 0);
    CHECK(space_of(p) == 0);
    set_int(p, SOL_PACKET, PACKET_AUXDATA, 1);
    CHECK(space_of(p) == CMSG_SPACE(sizeof(struct tpacket_auxdata)));
    r = udp_loopback(AF_INET, &to, &port);
    s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    send_to(s, &to, payload, strlen(payload));
    /* lo shows the datagram twice (leaving and arriving); other traffic on
     * lo may come between: look at what is queued for ours. */
    for (tries = 0; tries < 64; tries++) {
        rmsg_message *m = recv_frame(p);
        const rmsg_item *it;
        rmsg_packet_auxdata a;
        if (!m) break;
        if (!is_ours(rmsg_message_data(m), rmsg_message_data_len(m), port, payload)) {
            rmsg_message_free(m);
            continue;
        }
        it = find_item(m, SOL_PACKET, PACKET_AUXDATA);
        CHECK(it != NULL);
        CHECK(strcmp(rmsg_item_name(it), "SOL_PACKET/PACKET_AUXDATA") == 0);
        CHECK(rmsg_item_kind(it) == RMSG_KIND_PACKET_AUXDATA);
        CHECK_OK(rmsg_item_packet_auxdata(it, &a));
        printf("real: PACKET_AUXDATA status %#x len %u snaplen %u mac %u net %u "
               "vlan %#x/%#x\n",
               a.status, a.len, a.snaplen, a.mac, a.net, a.vlan_tci, a.vlan_tpid);
        CHECK(a.status & TP_STATUS_USER);
        CHECK((a.status & (TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID)) == 0);
        CHECK(a.vlan_tci == 0 && a.vlan_tpid == 0);
        CHECK(a.len == want && a.snaplen == want);
        CHECK(a.mac == 0 && a.net == 0); /* SOCK_DGRAM: no link header */
        seen++;
        rmsg_message_free(m);
    }
    CHECK(seen >= 1);
    close(p);
    close(r);
    close(s);
}

/* --- netlink, in a child with its own network namespaces --- */

static int rtnl_socket(int groups_on, int pktinfo, int all_nsid) {
    struct sockaddr_nl a;
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    CHECK(s >= 0);
    memset(&a, 0, sizeof a);
    a.nl_family = AF_NETLINK;
    CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0);
    if (groups_on) set_int(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, RTNLGRP_LINK);
    if (pktinfo) set_int(s, SOL_NETLINK, NETLINK_PKTINFO, 1);
    if (all_nsid) set_int(s, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, 1);
    return s;
}

/* Brings the loopback of the calling thread's network namespace up. */
static void lo_up(void) {
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CHECK(s >= 0);
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    CHECK(ioctl(s, SIOCGIFFLAGS, &ifr) == 0);
    ifr.ifr_flags |= IFF_UP;
    CHECK(ioctl(s, SIOCSIFFLAGS, &ifr) == 0);
    close(s);
}

/* Receives messages from `s` until one carries the wanted items (or none
 * is left): returns the group of NETLINK_PKTINFO and the nsid of
 * NETLINK_LISTEN_ALL_NSID (-1000 when absent) of the first RTM_NEWLINK. */
static int wait_newlink(int s, uint32_t *group_out, int32_t *nsid_out) {
    int tries;
    for (tries = 0; tries < 32; tries++) {
        struct pollfd pf;
        rmsg_message *m = NULL;
        const rmsg_item *it;
        struct nlmsghdr h;
        pf.fd = s;
        pf.events = POLLIN;
        pf.revents = 0;
        if (poll(&pf, 1, 2000) != 1) return 0;
        m = recv_sized(s, 16384, 0);
        CHECK(rmsg_message_data_len(m) >= sizeof h);
        memcpy(&h, rmsg_message_data(m), sizeof h);
        if (h.nlmsg_type != RTM_NEWLINK) {
            rmsg_message_free(m);
            continue;
        }
        *group_out = 0;
        *nsid_out = -1000;
        it = find_item(m, SOL_NETLINK, NETLINK_PKTINFO);
        CHECK(it != NULL);
        CHECK(strcmp(rmsg_item_name(it), "SOL_NETLINK/NETLINK_PKTINFO") == 0);
        CHECK(rmsg_item_kind(it) == RMSG_KIND_NETLINK_PKTINFO);
        CHECK_OK(rmsg_item_netlink_pktinfo(it, group_out));
        it = find_item(m, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID);
        if (it) {
            CHECK(strcmp(rmsg_item_name(it), "SOL_NETLINK/NETLINK_LISTEN_ALL_NSID") == 0);
            CHECK(rmsg_item_kind(it) == RMSG_KIND_NETLINK_NSID);
            CHECK_OK(rmsg_item_netlink_nsid(it, nsid_out));
        }
        rmsg_message_free(m);
        return 1;
    }
    return 0;
}

/* Gives the namespace open as `ns_fd` the id `nsid` in the caller's
 * namespace (RTM_NEWNSID), and checks the kernel's acknowledgement. */
static void set_nsid(int ns_fd, int nsid) {
    struct {
        struct nlmsghdr h;
        struct rtgenmsg g;
        uint8_t pad[3];
        struct nlattr a1;
        uint32_t v1;
        struct nlattr a2;
        uint32_t v2;
    } req;
    union {
        uint8_t bytes[1024];
        struct nlmsghdr h;
    } ack;
    struct nlmsgerr e;
    int s = rtnl_socket(0, 0, 0);
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = RTM_NEWNSID;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.h.nlmsg_seq = 1;
    req.g.rtgen_family = AF_UNSPEC;
    req.a1.nla_len = sizeof req.a1 + sizeof req.v1;
    req.a1.nla_type = NETNSA_NSID;
    req.v1 = (uint32_t)nsid;
    req.a2.nla_len = sizeof req.a2 + sizeof req.v2;
    req.a2.nla_type = NETNSA_FD;
    req.v2 = (uint32_t)ns_fd;
    CHECK(send(s, &req, sizeof req, 0) == (ssize_t)sizeof req);
    CHECK(recv(s, ack.bytes, sizeof ack.bytes, 0) >= (ssize_t)(sizeof ack.h + sizeof e));
    CHECK(ack.h.nlmsg_type == NLMSG_ERROR);
    memcpy(&e, ack.bytes + NLMSG_HDRLEN, sizeof e);
    CHECK(e.error == 0);
    close(s);
}

/* In the child: exit 77 when namespaces are refused. */
static void netlink_child(void) {
    int mine, other, listen_all, plain;
    uint32_t group = 0;
    int32_t nsid = 0;
    if (unshare(CLONE_NEWNET) != 0) _exit(77);
    mine = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    CHECK(mine >= 0);
    listen_all = rtnl_socket(1, 1, 1);
    plain = rtnl_socket(1, 1, 0);
    /* Sized for what each has set: the group, and the namespace id. */
    CHECK(space_of(plain) == INT_SPACE);
    CHECK(space_of(listen_all) == 2 * INT_SPACE);

    /* NETLINK_PKTINFO: our own lo going up is an RTM_NEWLINK to
     * RTNLGRP_LINK, from our own namespace (no nsid item). */
    lo_up();
    CHECK(wait_newlink(plain, &group, &nsid));
    CHECK(group == RTNLGRP_LINK && nsid == -1000);
    printf("real: NETLINK_PKTINFO group %u\n", group);
    CHECK(wait_newlink(listen_all, &group, &nsid));
    CHECK(group == RTNLGRP_LINK);

    /* NETLINK_LISTEN_ALL_NSID: a second namespace with id 5 in ours; its
     * lo going up reaches listen_all (with the id) and not plain. */
    CHECK(unshare(CLONE_NEWNET) == 0);
    other = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    CHECK(other >= 0);
    CHECK(setns(mine, CLONE_NEWNET) == 0);
    set_nsid(other, 5);
    CHECK(setns(other, CLONE_NEWNET) == 0);
    lo_up();
    CHECK(setns(mine, CLONE_NEWNET) == 0);
    CHECK(wait_newlink(listen_all, &group, &nsid));
    CHECK(group == RTNLGRP_LINK);
    CHECK(nsid == 5);
    printf("real: NETLINK_LISTEN_ALL_NSID nsid %d\n", nsid);
    {
        struct pollfd pf;
        pf.fd = plain;
        pf.events = POLLIN;
        pf.revents = 0;
        CHECK(poll(&pf, 1, 200) == 0); /* not heard without the option */
    }
    close(other);
    close(plain);
    close(listen_all);
    close(mine);
}

static void crafted_netlink(void) {
    uint32_t group = RTNLGRP_LINK, g = 0;
    int32_t id = 5, n = 0;
    craft_buf b;
    rmsg_control *c;
    CRAFTED("NETLINK_PKTINFO/NETLINK_LISTEN_ALL_NSID",
            "no private network namespace available");
    c = parse_one(&b, SOL_NETLINK, NETLINK_PKTINFO, &group, sizeof group);
    CHECK_OK(rmsg_item_netlink_pktinfo(rmsg_control_item(c, 0), &g));
    CHECK(g == RTNLGRP_LINK);
    rmsg_control_free(c);
    c = parse_one(&b, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &id, sizeof id);
    CHECK_OK(rmsg_item_netlink_nsid(rmsg_control_item(c, 0), &n));
    CHECK(n == 5);
    rmsg_control_free(c);
}

static void test_netlink(void) {
    int status;
    pid_t child;
    fflush(stdout);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        int before = open_fd_count();
        netlink_child();
        CHECK(open_fd_count() == before);
        fflush(stdout);
        _exit(0);
    }
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        crafted_netlink();
        return;
    }
    CHECK(WEXITSTATUS(status) == 0);
}

/* Sizing and accessors of the new kinds on crafted bytes: short items,
 * wrong kinds. */
static void test_short_and_wrong(void) {
    uint8_t three[3] = {1, 2, 3};
    uint32_t u = 0;
    int32_t i = 0;
    rmsg_packet_auxdata a;
    rmsg_cmsg_kind kinds[2];
    size_t space = 0;
    craft_buf b;
    rmsg_control *c = parse_one(&b, SOL_TCP, TCP_CM_INQ, three, sizeof three);
    CHECK_STATUS(rmsg_item_inq(rmsg_control_item(c, 0), &u), RMSG_ERR_SHORT_ITEM);
    CHECK_STATUS(rmsg_item_netlink_nsid(rmsg_control_item(c, 0), &i), RMSG_ERR_WRONG_KIND);
    CHECK_STATUS(rmsg_item_netlink_pktinfo(rmsg_control_item(c, 0), &u),
                 RMSG_ERR_WRONG_KIND);
    CHECK_STATUS(rmsg_item_packet_auxdata(rmsg_control_item(c, 0), &a),
                 RMSG_ERR_WRONG_KIND);
    rmsg_control_free(c);
    c = parse_one(&b, SOL_PACKET, PACKET_AUXDATA, three, sizeof three);
    CHECK_STATUS(rmsg_item_packet_auxdata(rmsg_control_item(c, 0), &a),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
    CHECK(strcmp(rmsg_kind_name(SOL_TCP, 99), "SOL_TCP/unknown") == 0);
    CHECK(strcmp(rmsg_kind_name(SOL_PACKET, 99), "SOL_PACKET/unknown") == 0);
    CHECK(strcmp(rmsg_kind_name(SOL_NETLINK, 99), "SOL_NETLINK/unknown") == 0);
    kinds[0].cmsg_level = SOL_PACKET;
    kinds[0].cmsg_type = PACKET_AUXDATA;
    kinds[1].cmsg_level = SOL_NETLINK;
    kinds[1].cmsg_type = NETLINK_LISTEN_ALL_NSID;
    CHECK_OK(rmsg_control_space(kinds, 2, 0, &space));
    CHECK(space == CMSG_SPACE(sizeof(struct tpacket_auxdata)) + INT_SPACE);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_tcp_inq);
    RUN(test_unix_inq);
    RUN(test_packet_auxdata);
    RUN(test_netlink);
    RUN(test_short_and_wrong);
    TEST_END();
}
