/*
 * The remaining kinds: UDP_GRO from a UDP_SEGMENT sender on loopback;
 * IP_RECVFRAGSIZE, IPV6_RECVFRAGSIZE and IPV6_PATHMTU in a child process
 * with its own network namespace whose loopback has a 1280-byte MTU (so
 * that datagrams fragment, without touching the host's interfaces);
 * TLS_GET_RECORD_TYPE with crafted bytes (no kernel TLS here); the names
 * of kinds.
 */
#include "net_helpers.h"

#include <sched.h>
#include <sys/ioctl.h>

static void test_udp_gro(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    static char payload[3000];
    rmsg_message *m;
    const rmsg_item *it;
    uint32_t seg = 0;
    set_int(r, SOL_UDP, UDP_GRO, 1);
    set_int(s, SOL_UDP, UDP_SEGMENT, 1000);
    memset(payload, 'g', sizeof payload);
    send_to(s, &a, payload, sizeof payload);
    m = recv_sized(r, 65536, 0);
    /* Loopback delivers the GSO datagram whole to a GRO socket. */
    CHECK(rmsg_message_data_len(m) == sizeof payload);
    it = find_item(m, SOL_UDP, UDP_GRO);
    CHECK(it != NULL);
    CHECK(rmsg_item_data_len(it) == sizeof(int)); /* an int on receive */
    CHECK(strcmp(rmsg_item_name(it), "SOL_UDP/UDP_GRO") == 0);
    CHECK_OK(rmsg_item_udp_gro(it, &seg));
    CHECK(seg == 1000);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_tls_record_type_crafted(void) {
    uint8_t type = 22; /* handshake */
    uint8_t got = 0;
    craft_buf b;
    rmsg_control *c;
    CRAFTED("TLS_GET_RECORD_TYPE", "kernel TLS (the tls module) is not available");
    c = parse_one(&b, RMSG_SOL_TLS, RMSG_TLS_GET_RECORD_TYPE, &type, 1);
    CHECK(strcmp(rmsg_item_name(rmsg_control_item(c, 0)),
                 "SOL_TLS/TLS_GET_RECORD_TYPE") == 0);
    CHECK_OK(rmsg_item_tls_record_type(rmsg_control_item(c, 0), &got));
    CHECK(got == 22);
    rmsg_control_free(c);
    c = parse_one(&b, RMSG_SOL_TLS, RMSG_TLS_GET_RECORD_TYPE, &type, 0);
    CHECK_STATUS(rmsg_item_tls_record_type(rmsg_control_item(c, 0), &got),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
}

/* Brings up the namespace's loopback with the given MTU. */
static void lo_up(int mtu) {
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    CHECK(ioctl(s, SIOCGIFFLAGS, &ifr) == 0);
    ifr.ifr_flags |= IFF_UP;
    CHECK(ioctl(s, SIOCSIFFLAGS, &ifr) == 0);
    ifr.ifr_mtu = mtu;
    CHECK(ioctl(s, SIOCSIFMTU, &ifr) == 0);
    close(s);
}

static void fragsize4(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    static char payload[3000];
    rmsg_message *m;
    const rmsg_item *it;
    uint32_t frag = 0;
    set_int(s, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT);
    set_int(r, IPPROTO_IP, IP_RECVFRAGSIZE, 1);
    memset(payload, 'f', sizeof payload);
    send_to(s, &a, payload, sizeof payload);
    m = recv_sized(r, 4096, 0);
    CHECK(rmsg_message_data_len(m) == sizeof payload);
    it = find_item(m, IPPROTO_IP, IP_RECVFRAGSIZE);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "IPPROTO_IP/IP_RECVFRAGSIZE") == 0);
    CHECK_OK(rmsg_item_fragsize(it, &frag));
    /* The largest fragment fits the MTU and is more than a header. */
    CHECK(frag > 576 && frag <= 1280);
    printf("real: IP_RECVFRAGSIZE %u\n", frag);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void fragsize6(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET6, &a, NULL), s = socket(AF_INET6, SOCK_DGRAM, 0);
    static char payload[3000];
    rmsg_message *m;
    const rmsg_item *it;
    uint32_t frag = 0;
    set_int(r, IPPROTO_IPV6, IPV6_RECVFRAGSIZE, 1);
    memset(payload, 'f', sizeof payload);
    send_to(s, &a, payload, sizeof payload);
    m = recv_sized(r, 4096, 0);
    CHECK(rmsg_message_data_len(m) == sizeof payload);
    it = find_item(m, IPPROTO_IPV6, IPV6_RECVFRAGSIZE);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "IPPROTO_IPV6/IPV6_RECVFRAGSIZE") == 0);
    CHECK_OK(rmsg_item_fragsize(it, &frag));
    CHECK(frag > 576 && frag <= 1280);
    printf("real: IPV6_RECVFRAGSIZE %u\n", frag);
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* IPV6_PATHMTU: a don't-fragment datagram larger than the path MTU fails
 * with EMSGSIZE and queues the MTU for a socket with IPV6_RECVPATHMTU. */
static void pathmtu6(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET6, &a, NULL), s = socket(AF_INET6, SOCK_DGRAM, 0);
    static char payload[2000];
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_ipv6_mtuinfo mi;
    set_int(s, IPPROTO_IPV6, IPV6_RECVPATHMTU, 1);
    set_int(s, IPPROTO_IPV6, IPV6_DONTFRAG, 1);
    CHECK(connect(s, (struct sockaddr *)&a, inet_name_len(&a)) == 0);
    CHECK(send(s, payload, sizeof payload, 0) < 0 && errno == EMSGSIZE);
    m = recv_sized(s, 4096, MSG_DONTWAIT);
    it = find_item(m, IPPROTO_IPV6, IPV6_PATHMTU);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "IPPROTO_IPV6/IPV6_PATHMTU") == 0);
    CHECK_OK(rmsg_item_ipv6_pathmtu(it, &mi));
    CHECK(mi.mtu == 1280);
    CHECK(memcmp(mi.addr.addr, &in6addr_loopback, 16) == 0);
    printf("real: IPV6_PATHMTU %u\n", mi.mtu);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void crafted_fragsize_and_pathmtu(void) {
    int v = 1276;
    uint32_t frag = 0;
    craft_buf b;
    rmsg_control *c;
    struct {
        struct sockaddr_in6 addr;
        uint32_t mtu;
    } mi;
    rmsg_ipv6_mtuinfo out;
    CRAFTED("IP_RECVFRAGSIZE/IPV6_RECVFRAGSIZE/IPV6_PATHMTU",
            "no private network namespace available");
    c = parse_one(&b, IPPROTO_IP, IP_RECVFRAGSIZE, &v, sizeof v);
    CHECK_OK(rmsg_item_fragsize(rmsg_control_item(c, 0), &frag));
    CHECK(frag == 1276);
    rmsg_control_free(c);
    c = parse_one(&b, IPPROTO_IPV6, IPV6_RECVFRAGSIZE, &v, sizeof v);
    CHECK_OK(rmsg_item_fragsize(rmsg_control_item(c, 0), &frag));
    rmsg_control_free(c);
    memset(&mi, 0, sizeof mi);
    mi.addr.sin6_family = AF_INET6;
    mi.addr.sin6_addr = in6addr_loopback;
    mi.mtu = 1280;
    c = parse_one(&b, IPPROTO_IPV6, IPV6_PATHMTU, &mi, sizeof mi);
    CHECK_OK(rmsg_item_ipv6_pathmtu(rmsg_control_item(c, 0), &out));
    CHECK(out.mtu == 1280);
    rmsg_control_free(c);
}

/* Runs the small-MTU tests in a child with its own network namespace. */
static void test_small_mtu_namespace(void) {
    int status;
    pid_t child;
    fflush(stdout);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        if (unshare(CLONE_NEWNET) != 0) _exit(77);
        lo_up(1280);
        fragsize4();
        fragsize6();
        pathmtu6();
        fflush(stdout);
        _exit(0);
    }
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        crafted_fragsize_and_pathmtu();
        return;
    }
    CHECK(WEXITSTATUS(status) == 0);
}

static void test_names(void) {
    CHECK(strcmp(rmsg_kind_name(SOL_SOCKET, SCM_RIGHTS),
                 "SOL_SOCKET/SCM_RIGHTS") == 0);
    CHECK(strcmp(rmsg_kind_name(IPPROTO_IP, IP_TTL), "IPPROTO_IP/IP_TTL") == 0);
    CHECK(strcmp(rmsg_kind_name(IPPROTO_IPV6, IPV6_HOPLIMIT),
                 "IPPROTO_IPV6/IPV6_HOPLIMIT") == 0);
    CHECK(strcmp(rmsg_kind_name(SOL_SOCKET, SO_TIMESTAMPING_NEW),
                 "SOL_SOCKET/SO_TIMESTAMPING_NEW") == 0);
    CHECK(strcmp(rmsg_kind_name(IPPROTO_IP, 9999), "IPPROTO_IP/unknown") == 0);
    CHECK(strcmp(rmsg_kind_name(12345, 1), "unknown/unknown") == 0);
    CHECK(strcmp(rmsg_item_name(NULL), "unknown/unknown") == 0);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_udp_gro);
    RUN(test_tls_record_type_crafted);
    RUN(test_small_mtu_namespace);
    RUN(test_names);
    TEST_END();
}
