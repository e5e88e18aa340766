/*
 * Control-buffer sizing: from a list of kinds (the sum of CMSG_SPACE), and
 * from the options enabled on a socket (receiving with that size never
 * gives MSG_CTRUNC).
 */
#include "net_helpers.h"

#include <linux/in6.h> /* IPV6_FLOWINFO */
#include <linux/net_tstamp.h>

static void test_space_for_kinds(void) {
    rmsg_cmsg_kind k[4];
    size_t space = 0;
    k[0].cmsg_level = IPPROTO_IP;
    k[0].cmsg_type = IP_PKTINFO;
    k[1].cmsg_level = IPPROTO_IP;
    k[1].cmsg_type = IP_TTL;
    k[2].cmsg_level = IPPROTO_IP;
    k[2].cmsg_type = IP_TOS;
    k[3].cmsg_level = SOL_SOCKET;
    k[3].cmsg_type = SO_TIMESTAMP; /* sized for SO_TIMESTAMP_NEW too */
    CHECK_OK(rmsg_control_space(k, 4, 0, &space));
    CHECK(space == CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(int)) +
                       CMSG_SPACE(1) + CMSG_SPACE(16));
    CHECK_OK(rmsg_control_space(k, 4, 3, &space));
    CHECK(space == CMSG_SPACE(sizeof(struct in_pktinfo)) + CMSG_SPACE(sizeof(int)) +
                       CMSG_SPACE(1) + CMSG_SPACE(16) + CMSG_SPACE(3 * sizeof(int)));
    CHECK_OK(rmsg_control_space(NULL, 0, 0, &space));
    CHECK(space == 0);
    k[0].cmsg_level = 4242;
    space = 7;
    CHECK_STATUS(rmsg_control_space(k, 1, 0, &space), RMSG_ERR_UNKNOWN_KIND);
    CHECK(space == 7);
    CHECK_STATUS(rmsg_control_space(NULL, 1, 0, &space), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_control_space(NULL, 0, (size_t)-1 / 2, &space),
                 RMSG_ERR_TOO_LARGE);
    CHECK(strcmp(rmsg_status_name(RMSG_ERR_UNKNOWN_KIND), "RMSG_ERR_UNKNOWN_KIND") == 0);
}

/* Sum of CMSG_SPACE over the items received: what the kernel used. */
static size_t used_space(const rmsg_message *m) {
    size_t i, total = 0;
    for (i = 0; i < rmsg_message_item_count(m); i++)
        total += CMSG_SPACE(rmsg_item_data_len(rmsg_message_item(m, i)));
    return total;
}

static void test_space_for_udp4_socket(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    size_t space = 1;
    rmsg_message *m;
    CHECK_OK(rmsg_control_space_for_socket(r, 0, &space));
    CHECK(space == 0); /* nothing enabled, nothing to receive */
    set_int(r, IPPROTO_IP, IP_PKTINFO, 1);
    set_int(r, IPPROTO_IP, IP_RECVTTL, 1);
    set_int(r, IPPROTO_IP, IP_RECVTOS, 1);
    set_int(r, IPPROTO_IP, IP_RECVORIGDSTADDR, 1);
    set_int(r, SOL_SOCKET, SO_TIMESTAMPNS, 1);
    set_int(r, SOL_SOCKET, SO_RCVMARK, 1);
    CHECK_OK(rmsg_control_space_for_socket(r, 0, &space));
    send_to(s, &a, "z", 1);
    CHECK_OK(rmsg_recvmsg(r, 16, space, 0, &m));
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) == 0);
    CHECK(rmsg_message_item_count(m) == 6);
    /* Exact for these kinds: the size is what the kernel used. */
    CHECK(used_space(m) == space);
    rmsg_message_free(m);
    /* One byte less than the kernel needs for all but the last item's
     * padding truncates: the size is not generous by accident. */
    send_to(s, &a, "z", 1);
    CHECK_OK(rmsg_recvmsg(r, 16, space - CMSG_SPACE(16), 0, &m));
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) != 0);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_space_for_udp6_socket(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET6, &a, NULL), s = socket(AF_INET6, SOCK_DGRAM, 0);
    size_t space = 0;
    rmsg_message *m;
    set_int(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    set_int(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
    set_int(r, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
    set_int(r, IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, 1);
    set_int(r, IPPROTO_IPV6, IPV6_RECVFRAGSIZE, 1);
    set_int(r, SOL_UDP, UDP_GRO, 1);
    set_int(r, SOL_SOCKET, SO_TIMESTAMPING,
            SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE);
    set_int(r, SOL_SOCKET, SO_RXQ_OVFL, 1);
    CHECK_OK(rmsg_control_space_for_socket(r, 0, &space));
    CHECK(space >= CMSG_SPACE(20) + 2 * CMSG_SPACE(4) + CMSG_SPACE(28));
    send_to(s, &a, "z", 1);
    CHECK_OK(rmsg_recvmsg(r, 16, space, 0, &m));
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) == 0);
    CHECK(rmsg_message_item_count(m) >= 4);
    CHECK(used_space(m) <= space);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_space_for_unix_socket(void) {
    int sv[2], p[2];
    size_t space = 0;
    rmsg_message *m;
    passcred_pair(sv);
    make_pipe(p);
    set_int(sv[1], SOL_SOCKET, SO_PASSPIDFD, 1);
    CHECK_OK(rmsg_control_space_for_socket(sv[1], 2, &space));
    CHECK(space == CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int)) +
                       CMSG_SPACE(2 * sizeof(int)));
    send_with_fds(sv[0], "u", 1, p, 2);
    CHECK_OK(rmsg_recvmsg(sv[1], 16, space, 0, &m));
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) == 0);
    CHECK(rmsg_message_item_count(m) == 3);
    CHECK(rmsg_message_fd_count(m) == 2);
    rmsg_message_free(m); /* closes the two fds and the pidfd */
    close_pair(p);
    close_pair(sv);
}

static void test_space_errors(void) {
    int p[2];
    size_t space = 5;
    CHECK_STATUS(rmsg_control_space_for_socket(-1, 0, &space), RMSG_ERR_BAD_FD);
    make_pipe(p);
    CHECK_STATUS(rmsg_control_space_for_socket(p[0], 0, &space),
                 RMSG_ERR_NOT_A_SOCKET);
    CHECK(space == 5);
    CHECK_STATUS(rmsg_control_space_for_socket(p[0], 0, NULL),
                 RMSG_ERR_NULL_ARGUMENT);
    close_pair(p);
}

/* Kinds handed out raw are sized too when their option is on: the flow
 * label, the IPv6 extension headers (64 bytes reserved each), the wifi
 * status, IPv4's checksum. A hop-by-hop header sent for real arrives whole
 * in that room. */
static void test_space_for_raw_kinds(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET6, &a, NULL), s = socket(AF_INET6, SOCK_DGRAM, 0);
    int r4 = socket(AF_INET, SOCK_DGRAM, 0);
    /* Next header (the kernel fills it), length 0 (8 bytes), PadN of 4. */
    const unsigned char hop[8] = {0, 0, 1, 4, 0, 0, 0, 0};
    size_t space = 0;
    rmsg_message *m;
    const rmsg_item *it;
    set_int(r, IPPROTO_IPV6, IPV6_FLOWINFO, 1);
    set_int(r, IPPROTO_IPV6, IPV6_RECVHOPOPTS, 1);
    set_int(r, IPPROTO_IPV6, IPV6_RECVRTHDR, 1);
    set_int(r, IPPROTO_IPV6, IPV6_RECVDSTOPTS, 1);
    set_int(r, SOL_SOCKET, SO_WIFI_STATUS, 1);
    CHECK_OK(rmsg_control_space_for_socket(r, 0, &space));
    CHECK(space == 2 * CMSG_SPACE(4) + 3 * CMSG_SPACE(64));
    set_int(r4, IPPROTO_IP, IP_CHECKSUM, 1);
    CHECK_OK(rmsg_control_space_for_socket(r4, 0, &space));
    CHECK(space == CMSG_SPACE(4));
    /* Setting a hop-by-hop header to send needs CAP_NET_RAW. */
    if (setsockopt(s, IPPROTO_IPV6, IPV6_HOPOPTS, hop, sizeof hop) != 0) {
        CHECK(errno == EPERM);
        printf("  (no CAP_NET_RAW: the hop-by-hop header is not sent)\n");
    } else {
        CHECK_OK(rmsg_control_space_for_socket(r, 0, &space));
        send_to(s, &a, "h", 1);
        CHECK_OK(rmsg_recvmsg(r, 16, space, 0, &m));
        CHECK((rmsg_message_flags(m) & MSG_CTRUNC) == 0);
        it = find_item(m, IPPROTO_IPV6, IPV6_HOPOPTS);
        CHECK(it != NULL);
        CHECK(rmsg_item_kind(it) == RMSG_KIND_RAW);
        CHECK(rmsg_item_data_len(it) == sizeof hop);
        CHECK(memcmp(rmsg_item_data(it) + 1, hop + 1, sizeof hop - 1) == 0);
        rmsg_message_free(m);
    }
    close(r4);
    close(r);
    close(s);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_space_for_kinds);
    RUN(test_space_for_udp4_socket);
    RUN(test_space_for_udp6_socket);
    RUN(test_space_for_unix_socket);
    RUN(test_space_for_raw_kinds);
    RUN(test_space_errors);
    TEST_END();
}
