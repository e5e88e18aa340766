/*
 * Typed accessors for IPPROTO_IPV6 control messages on ::1 UDP:
 * IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS, IPV6_RECVERR (ICMPv6 port
 * unreachable from the error queue), IPV6_ORIGDSTADDR. IPV6_PATHMTU and
 * IPV6_RECVFRAGSIZE need a small MTU: see decode_misc.c.
 */
#include "net_helpers.h"

#include <linux/errqueue.h>

static void test_pktinfo6(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET6, &a, NULL), s = socket(AF_INET6, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_ipv6_pktinfo p;
    set_int(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    send_to(s, &a, "pi6", 3);
    m = recv_sized(r, 16, 0);
    it = find_item(m, IPPROTO_IPV6, IPV6_PKTINFO);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "IPPROTO_IPV6/IPV6_PKTINFO") == 0);
    CHECK_OK(rmsg_item_ipv6_pktinfo(it, &p));
    CHECK(p.ifindex == (int32_t)if_nametoindex("lo"));
    CHECK(memcmp(p.addr.addr, &in6addr_loopback, 16) == 0);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_hoplimit(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET6, &a, NULL), s = socket(AF_INET6, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    int32_t hops = 0;
    set_int(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 17);
    set_int(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
    send_to(s, &a, "hl", 2);
    m = recv_sized(r, 16, 0);
    it = find_item(m, IPPROTO_IPV6, IPV6_HOPLIMIT);
    CHECK(it != NULL);
    CHECK(rmsg_item_data_len(it) == sizeof(int));
    CHECK_OK(rmsg_item_ipv6_hoplimit(it, &hops));
    CHECK(hops == 17);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_tclass(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET6, &a, NULL), s = socket(AF_INET6, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_traffic_class tc;
    set_int(s, IPPROTO_IPV6, IPV6_TCLASS, 0x2a); /* DSCP 10 (AF11), ECT(0) */
    set_int(r, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
    send_to(s, &a, "tc", 2);
    m = recv_sized(r, 16, 0);
    it = find_item(m, IPPROTO_IPV6, IPV6_TCLASS);
    CHECK(it != NULL);
    CHECK(rmsg_item_data_len(it) == sizeof(int)); /* an int, unlike IP_TOS */
    CHECK_OK(rmsg_item_ipv6_tclass(it, &tc));
    CHECK(tc.value == 0x2a && tc.dscp == 10 && tc.ecn == 2);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_recverr6(void) {
    struct sockaddr_storage a;
    int gone = udp_loopback(AF_INET6, &a, NULL), s = socket(AF_INET6, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_extended_error e;
    close(gone);
    set_int(s, IPPROTO_IPV6, IPV6_RECVERR, 1);
    CHECK(connect(s, (struct sockaddr *)&a, inet_name_len(&a)) == 0);
    CHECK(send(s, "anyone?", 7, 0) == 7);
    wait_errqueue(s);
    m = recv_sized(s, 64, MSG_ERRQUEUE);
    it = find_item(m, IPPROTO_IPV6, IPV6_RECVERR);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "IPPROTO_IPV6/IPV6_RECVERR") == 0);
    CHECK_OK(rmsg_item_recverr(it, &e));
    CHECK(e.ee_errno == ECONNREFUSED);
    CHECK(e.ee_origin == SO_EE_ORIGIN_ICMP6);
    CHECK(e.ee_type == 1 && e.ee_code == 4); /* dest unreachable / port */
    CHECK(e.offender_family == AF_INET6);
    CHECK(memcmp(e.offender6.addr, &in6addr_loopback, 16) == 0);
    rmsg_message_free(m);
    close(s);
}

static void test_origdstaddr6(void) {
    struct sockaddr_storage a;
    uint16_t port;
    int r = udp_loopback(AF_INET6, &a, &port), s = socket(AF_INET6, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_inet6_address d;
    set_int(r, IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, 1);
    send_to(s, &a, "od6", 3);
    m = recv_sized(r, 16, 0);
    it = find_item(m, IPPROTO_IPV6, IPV6_ORIGDSTADDR);
    CHECK(it != NULL);
    CHECK_OK(rmsg_item_ipv6_origdstaddr(it, &d));
    CHECK(memcmp(d.addr, &in6addr_loopback, 16) == 0);
    CHECK(d.port == port);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_short_ipv6_items(void) {
    uint8_t zero[64];
    craft_buf b;
    rmsg_control *c;
    rmsg_ipv6_pktinfo p;
    rmsg_ipv6_mtuinfo mt;
    rmsg_traffic_class tc;
    memset(zero, 0, sizeof zero);
    c = parse_one(&b, IPPROTO_IPV6, IPV6_PKTINFO, zero, 19);
    CHECK_STATUS(rmsg_item_ipv6_pktinfo(rmsg_control_item(c, 0), &p),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
    c = parse_one(&b, IPPROTO_IPV6, IPV6_PATHMTU, zero, 31);
    CHECK_STATUS(rmsg_item_ipv6_pathmtu(rmsg_control_item(c, 0), &mt),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
    /* A one-byte traffic class (the IPv4 width) is accepted too. */
    zero[0] = 0xff;
    c = parse_one(&b, IPPROTO_IPV6, IPV6_TCLASS, zero, 1);
    CHECK_OK(rmsg_item_ipv6_tclass(rmsg_control_item(c, 0), &tc));
    CHECK(tc.value == 0xff && tc.dscp == 63 && tc.ecn == 3);
    CHECK_STATUS(rmsg_item_ip_tos(rmsg_control_item(c, 0), &tc),
                 RMSG_ERR_WRONG_KIND);
    rmsg_control_free(c);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_pktinfo6);
    RUN(test_hoplimit);
    RUN(test_tclass);
    RUN(test_recverr6);
    RUN(test_origdstaddr6);
    RUN(test_short_ipv6_items);
    TEST_END();
}
