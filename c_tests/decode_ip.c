/*
 * Typed accessors for IPPROTO_IP control messages on loopback UDP:
 * IP_PKTINFO, IP_TTL, IP_TOS, IP_RECVERR (ICMP port unreachable from the
 * error queue), IP_ORIGDSTADDR, IP_RETOPTS. IP_RECVFRAGSIZE needs
 * fragmentation, so it is in decode_misc.c (private network namespace).
 */
#include "net_helpers.h"

#include <linux/errqueue.h>

static void test_pktinfo(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_ip_pktinfo p;
    static const uint8_t lo[4] = {127, 0, 0, 1};
    set_int(r, IPPROTO_IP, IP_PKTINFO, 1);
    send_to(s, &a, "pi", 2);
    m = recv_sized(r, 16, 0);
    it = find_item(m, IPPROTO_IP, IP_PKTINFO);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "IPPROTO_IP/IP_PKTINFO") == 0);
    CHECK_OK(rmsg_item_ip_pktinfo(it, &p));
    CHECK(p.ifindex == (int32_t)if_nametoindex("lo"));
    CHECK(memcmp(p.addr.addr, lo, 4) == 0);
    CHECK(memcmp(p.spec_dst.addr, lo, 4) == 0);
    CHECK(p.addr.port == 0 && p.spec_dst.port == 0);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_ttl(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    int32_t ttl = 0;
    set_int(s, IPPROTO_IP, IP_TTL, 33);
    set_int(r, IPPROTO_IP, IP_RECVTTL, 1);
    send_to(s, &a, "ttl", 3);
    m = recv_sized(r, 16, 0);
    it = find_item(m, IPPROTO_IP, IP_TTL);
    CHECK(it != NULL);
    CHECK(rmsg_item_data_len(it) == sizeof(int)); /* an int on Linux */
    CHECK(strcmp(rmsg_item_name(it), "IPPROTO_IP/IP_TTL") == 0);
    CHECK_OK(rmsg_item_ip_ttl(it, &ttl));
    CHECK(ttl == 33);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_tos(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_traffic_class tc;
    /* DSCP 46 (EF) with ECN ECT(1). */
    set_int(s, IPPROTO_IP, IP_TOS, 0xb9);
    set_int(r, IPPROTO_IP, IP_RECVTOS, 1);
    send_to(s, &a, "tos", 3);
    m = recv_sized(r, 16, 0);
    it = find_item(m, IPPROTO_IP, IP_TOS);
    CHECK(it != NULL);
    CHECK(rmsg_item_data_len(it) == 1); /* a byte on Linux */
    CHECK_OK(rmsg_item_ip_tos(it, &tc));
    CHECK(tc.value == 0xb9 && tc.dscp == 46 && tc.ecn == 1);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_recverr_port_unreachable(void) {
    struct sockaddr_storage a;
    int gone = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_extended_error e;
    static const uint8_t lo[4] = {127, 0, 0, 1};
    close(gone); /* nothing listens on a's port now */
    set_int(s, IPPROTO_IP, IP_RECVERR, 1);
    CHECK(connect(s, (struct sockaddr *)&a, inet_name_len(&a)) == 0);
    CHECK(send(s, "hello?", 6, 0) == 6);
    wait_errqueue(s);
    m = recv_sized(s, 64, MSG_ERRQUEUE);
    CHECK((rmsg_message_flags(m) & MSG_ERRQUEUE) != 0);
    CHECK(rmsg_message_data_len(m) == 6); /* the offending datagram */
    it = find_item(m, IPPROTO_IP, IP_RECVERR);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "IPPROTO_IP/IP_RECVERR") == 0);
    CHECK_OK(rmsg_item_recverr(it, &e));
    CHECK(e.ee_errno == ECONNREFUSED);
    CHECK(e.ee_origin == SO_EE_ORIGIN_ICMP);
    CHECK(e.ee_type == 3 && e.ee_code == 3); /* dest unreachable / port */
    CHECK(e.offender_family == AF_INET);
    CHECK(memcmp(e.offender.addr, lo, 4) == 0);
    rmsg_message_free(m);
    close(s);
}

static void test_origdstaddr(void) {
    struct sockaddr_storage a;
    uint16_t port;
    int r = udp_loopback(AF_INET, &a, &port), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_inet_address d;
    rmsg_inet6_address d6;
    static const uint8_t lo[4] = {127, 0, 0, 1};
    set_int(r, IPPROTO_IP, IP_RECVORIGDSTADDR, 1);
    send_to(s, &a, "od", 2);
    m = recv_sized(r, 16, 0);
    it = find_item(m, IPPROTO_IP, IP_ORIGDSTADDR);
    CHECK(it != NULL);
    CHECK_OK(rmsg_item_ip_origdstaddr(it, &d));
    CHECK(memcmp(d.addr, lo, 4) == 0);
    CHECK(d.port == port);
    CHECK_STATUS(rmsg_item_ipv6_origdstaddr(it, &d6), RMSG_ERR_WRONG_KIND);
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* IP_RETOPTS: the sender adds a Record Route option; the receiver asks for
 * the options reversed for a reply. */
static void test_retopts(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    const uint8_t *opt = NULL;
    size_t len = 0;
    /* Record Route (7), length 7, pointer 4, room for one address, END. */
    uint8_t rr[8] = {7, 7, 4, 0, 0, 0, 0, 0};
    CHECK(setsockopt(s, IPPROTO_IP, IP_OPTIONS, rr, sizeof rr) == 0);
    set_int(r, IPPROTO_IP, IP_RECVRETOPTS, 1);
    send_to(s, &a, "ro", 2);
    m = recv_sized(r, 16, 0);
    it = find_item(m, IPPROTO_IP, IP_RETOPTS);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "IPPROTO_IP/IP_RETOPTS") == 0);
    CHECK_OK(rmsg_item_ip_options(it, &opt, &len));
    CHECK(len >= 7 && len <= 40);
    CHECK(opt[0] == 7); /* still a Record Route option */
    CHECK(opt == rmsg_item_data(it));
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* All enabled at once, sized by rmsg_control_space_for_socket: every item
 * arrives and decodes. */
static void test_all_together(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    rmsg_ip_pktinfo p;
    int32_t ttl;
    rmsg_traffic_class tc;
    rmsg_inet_address d;
    set_int(s, IPPROTO_IP, IP_TTL, 9);
    set_int(r, IPPROTO_IP, IP_PKTINFO, 1);
    set_int(r, IPPROTO_IP, IP_RECVTTL, 1);
    set_int(r, IPPROTO_IP, IP_RECVTOS, 1);
    set_int(r, IPPROTO_IP, IP_RECVORIGDSTADDR, 1);
    send_to(s, &a, "all", 3);
    m = recv_sized(r, 16, 0);
    CHECK(rmsg_message_item_count(m) == 4);
    CHECK_OK(rmsg_item_ip_pktinfo(find_item(m, IPPROTO_IP, IP_PKTINFO), &p));
    CHECK_OK(rmsg_item_ip_ttl(find_item(m, IPPROTO_IP, IP_TTL), &ttl));
    CHECK(ttl == 9);
    CHECK_OK(rmsg_item_ip_tos(find_item(m, IPPROTO_IP, IP_TOS), &tc));
    CHECK_OK(rmsg_item_ip_origdstaddr(find_item(m, IPPROTO_IP, IP_ORIGDSTADDR),
                                      &d));
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_short_ip_items(void) {
    uint8_t zero[64];
    craft_buf b;
    rmsg_control *c;
    rmsg_ip_pktinfo p;
    rmsg_extended_error e;
    rmsg_inet_address d;
    int32_t ttl;
    memset(zero, 0, sizeof zero);
    c = parse_one(&b, IPPROTO_IP, IP_PKTINFO, zero, 11);
    CHECK_STATUS(rmsg_item_ip_pktinfo(rmsg_control_item(c, 0), &p),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
    c = parse_one(&b, IPPROTO_IP, IP_RECVERR, zero, 15);
    CHECK_STATUS(rmsg_item_recverr(rmsg_control_item(c, 0), &e),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
    /* A bare sock_extended_err: decoded, no offender. */
    c = parse_one(&b, IPPROTO_IP, IP_RECVERR, zero, 16);
    CHECK_OK(rmsg_item_recverr(rmsg_control_item(c, 0), &e));
    CHECK(e.offender_family == 0);
    rmsg_control_free(c);
    c = parse_one(&b, IPPROTO_IP, IP_ORIGDSTADDR, zero, 15);
    CHECK_STATUS(rmsg_item_ip_origdstaddr(rmsg_control_item(c, 0), &d),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
    /* Right length, wrong family (zero bytes: AF_UNSPEC). */
    c = parse_one(&b, IPPROTO_IP, IP_ORIGDSTADDR, zero, 16);
    CHECK_STATUS(rmsg_item_ip_origdstaddr(rmsg_control_item(c, 0), &d),
                 RMSG_ERR_WRONG_FAMILY);
    rmsg_control_free(c);
    /* TTL as a single byte (other systems' width) is accepted; 2 bytes not. */
    zero[0] = 64;
    c = parse_one(&b, IPPROTO_IP, IP_TTL, zero, 1);
    CHECK_OK(rmsg_item_ip_ttl(rmsg_control_item(c, 0), &ttl));
    CHECK(ttl == 64);
    rmsg_control_free(c);
    c = parse_one(&b, IPPROTO_IP, IP_TTL, zero, 2);
    CHECK_STATUS(rmsg_item_ip_ttl(rmsg_control_item(c, 0), &ttl),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_pktinfo);
    RUN(test_ttl);
    RUN(test_tos);
    RUN(test_recverr_port_unreachable);
    RUN(test_origdstaddr);
    RUN(test_retopts);
    RUN(test_all_together);
    RUN(test_short_ip_items);
    TEST_END();
}
