/*
 * Typed accessors for SOL_SOCKET control messages, each checked against
 * what this kernel sends: credentials, pidfd, timestamps in all their
 * layouts, transmit timestamps from the error queue, OPT_STATS, receive
 * queue overflow, marks. SCM_SECURITY and SCM_TIMESTAMPING_PKTINFO are
 * tested with crafted bytes where the kernel cannot produce them here.
 */
#include "net_helpers.h"

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/tcp.h>

static void test_credentials(void) {
    int sv[2];
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_credentials c;
    int32_t ttl = 0;
    passcred_pair(sv);
    CHECK(send(sv[0], "x", 1, 0) == 1);
    m = recv_sized(sv[1], 16, 0);
    it = find_item(m, SOL_SOCKET, SCM_CREDENTIALS);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "SOL_SOCKET/SCM_CREDENTIALS") == 0);
    CHECK_OK(rmsg_item_credentials(it, &c));
    CHECK(c.pid == getpid());
    CHECK(c.uid == getuid());
    CHECK(c.gid == getgid());
    /* Another kind's accessor refuses it, and writes nothing. */
    CHECK_STATUS(rmsg_item_ip_ttl(it, &ttl), RMSG_ERR_WRONG_KIND);
    CHECK(ttl == 0);
    CHECK_STATUS(rmsg_item_credentials(it, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_item_credentials(NULL, &c), RMSG_ERR_NULL_ARGUMENT);
    rmsg_message_free(m);
    close_pair(sv);
}

/* Reads the Pid: line of /proc/self/fdinfo/<fd> (a pidfd shows the pid it
 * refers to). */
static int pidfd_pid(int fd) {
    char path[64], line[256];
    int pid = -1;
    FILE *f;
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    f = fopen(path, "r");
    CHECK(f != NULL);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "Pid:", 4) == 0) pid = atoi(line + 4);
    }
    fclose(f);
    return pid;
}

static void test_pidfd(void) {
    int sv[2], fd = -1, taken[1];
    size_t idx, n = 0;
    rmsg_message *m;
    pid_t child;
    unix_pair(SOCK_DGRAM, sv);
    set_int(sv[1], SOL_SOCKET, SO_PASSPIDFD, 1);
    /* The sender is a child process, so that the pidfd names another pid. */
    fflush(stdout);
    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        close(sv[1]);
        _exit(send(sv[0], "p", 1, 0) == 1 ? 0 : 1);
    }
    m = recv_sized(sv[1], 16, 0);
    idx = find_index(m, SOL_SOCKET, SCM_PIDFD);
    CHECK(idx != (size_t)-1);
    CHECK(strcmp(rmsg_item_name(rmsg_message_item(m, idx)),
                 "SOL_SOCKET/SCM_PIDFD") == 0);
    CHECK_OK(rmsg_item_pidfd(rmsg_message_item(m, idx), &fd));
    CHECK(fd >= 0 && fd_is_open(fd));
    CHECK(fd_is_cloexec(fd));
    /* Checked before reaping the child: fdinfo shows -1 once it is reaped. */
    CHECK(pidfd_pid(fd) == child);
    reap(child);
    CHECK_OK(rmsg_message_take_item_fds(m, idx, taken, 1, &n));
    CHECK(n == 1 && taken[0] == fd);
    rmsg_message_free(m);
    CHECK(fd_is_open(fd)); /* taken: the message no longer closes it */
    close(fd);

    /* From this process: the pidfd refers to us. Not taken: freeing the
     * message closes it (RUN checks no descriptor is left open). */
    CHECK(send(sv[0], "q", 1, 0) == 1);
    m = recv_sized(sv[1], 16, 0);
    CHECK_OK(rmsg_item_pidfd(find_item(m, SOL_SOCKET, SCM_PIDFD), &fd));
    CHECK(pidfd_pid(fd) == getpid());
    rmsg_message_free(m);
    CHECK(!fd_is_open(fd));
    close_pair(sv);
}

static void test_security(void) {
    int sv[2];
    rmsg_message *m;
    const rmsg_item *it;
    const uint8_t *label = NULL;
    size_t len = 0;
    craft_buf b;
    rmsg_control *c;
    static const char crafted[] = "system_u:system_r:unconfined_t:s0";
    unix_pair(SOCK_DGRAM, sv);
    set_int(sv[1], SOL_SOCKET, SO_PASSSEC, 1);
    CHECK(send(sv[0], "s", 1, 0) == 1);
    m = recv_sized(sv[1], 16, 0);
    it = find_item(m, SOL_SOCKET, RMSG_SCM_SECURITY);
    if (it != NULL) {
        CHECK_OK(rmsg_item_security(it, &label, &len));
        CHECK(len > 0 && label != NULL);
        printf("real: SCM_SECURITY label of %zu bytes\n", len);
    }
    rmsg_message_free(m);
    close_pair(sv);
    /* No security module is active in this sandbox (the kernel sends no
     * SCM_SECURITY item then), so the decoder is tested on crafted bytes. */
    CRAFTED("SCM_SECURITY", "no security module active, kernel sends no label");
    c = parse_one(&b, SOL_SOCKET, RMSG_SCM_SECURITY, crafted, sizeof crafted);
    it = rmsg_control_item(c, 0);
    CHECK(strcmp(rmsg_item_name(it), "SOL_SOCKET/SCM_SECURITY") == 0);
    CHECK_OK(rmsg_item_security(it, &label, &len));
    CHECK_BYTES(label, len, crafted, sizeof crafted);
    rmsg_control_free(c);
}

/* One receive timestamp of the given option and item type, on UDP. */
static void rx_stamp(int option, int type, const char *name, int64_t slack) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_timestamp t;
    int64_t before, after;
    set_int(r, SOL_SOCKET, option, 1);
    before = realtime_ns();
    send_to(s, &a, "t", 1);
    m = recv_sized(r, 16, 0);
    after = realtime_ns();
    it = find_item(m, SOL_SOCKET, type);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), name) == 0);
    CHECK_OK(rmsg_item_timestamp(it, &t));
    check_between(t, before, after, slack);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_so_timestamp(void) {
    rx_stamp(SO_TIMESTAMP, SO_TIMESTAMP, "SOL_SOCKET/SO_TIMESTAMP", 1000);
}

static void test_so_timestamp_new(void) {
    rx_stamp(SO_TIMESTAMP_NEW, SO_TIMESTAMP_NEW, "SOL_SOCKET/SO_TIMESTAMP_NEW",
             1000);
}

static void test_so_timestampns(void) {
    rx_stamp(SO_TIMESTAMPNS, SO_TIMESTAMPNS, "SOL_SOCKET/SO_TIMESTAMPNS", 0);
}

static void test_so_timestampns_new(void) {
    rx_stamp(SO_TIMESTAMPNS_NEW, SO_TIMESTAMPNS_NEW,
             "SOL_SOCKET/SO_TIMESTAMPNS_NEW", 0);
}

static void rx_timestamping(int option, int type) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_timestamping t;
    int64_t before, after;
    int tries;
    set_int(r, SOL_SOCKET, option,
            SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE);
    /* Enabling receive stamps turns on packet stamping through deferred
     * work, so the first packets may arrive unstamped (and then carry no
     * item): retry until one is stamped. */
    for (tries = 0;; tries++) {
        before = realtime_ns();
        send_to(s, &a, "t", 1);
        m = recv_sized(r, 16, 0);
        after = realtime_ns();
        it = find_item(m, SOL_SOCKET, type);
        if (it != NULL) break;
        CHECK(tries < 500);
        rmsg_message_free(m);
        usleep(10000);
    }
    CHECK_OK(rmsg_item_timestamping(it, &t));
    check_between(t.software, before, after, 0);
    CHECK(t.hardware.sec == 0 && t.hardware.nsec == 0);
    /* The single-stamp accessor refuses the three-stamp kind. */
    {
        rmsg_timestamp one;
        CHECK_STATUS(rmsg_item_timestamp(it, &one), RMSG_ERR_WRONG_KIND);
    }
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_so_timestamping_rx(void) {
    rx_timestamping(SO_TIMESTAMPING, SO_TIMESTAMPING);
}

static void test_so_timestamping_new_rx(void) {
    rx_timestamping(SO_TIMESTAMPING_NEW, SO_TIMESTAMPING_NEW);
}

/* Transmit software stamp from the error queue: an SO_TIMESTAMPING item
 * and an IP_RECVERR item with origin SO_EE_ORIGIN_TIMESTAMPING. */
static void test_tx_timestamping_errqueue(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    rmsg_timestamping t;
    rmsg_extended_error e;
    int64_t before, after;
    set_int(s, SOL_SOCKET, SO_TIMESTAMPING,
            SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
                SOF_TIMESTAMPING_OPT_TSONLY | SOF_TIMESTAMPING_OPT_ID);
    before = realtime_ns();
    send_to(s, &a, "tx", 2);
    wait_errqueue(s);
    m = recv_sized(s, 64, MSG_ERRQUEUE);
    after = realtime_ns();
    CHECK((rmsg_message_flags(m) & MSG_ERRQUEUE) != 0);
    it = find_item(m, SOL_SOCKET, SO_TIMESTAMPING);
    CHECK(it != NULL);
    CHECK_OK(rmsg_item_timestamping(it, &t));
    check_between(t.software, before, after, 0);
    it = find_item(m, IPPROTO_IP, IP_RECVERR);
    CHECK(it != NULL);
    CHECK_OK(rmsg_item_recverr(it, &e));
    CHECK(e.ee_errno == ENOMSG);
    CHECK(e.ee_origin == SO_EE_ORIGIN_TIMESTAMPING);
    CHECK(e.ee_info == SCM_TSTAMP_SND);
    CHECK(e.ee_data == 0); /* OPT_ID: the first send has key 0 */
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* SCM_TIMESTAMPING_OPT_STATS: TCP statistics with a transmit stamp. */
static void test_timestamping_opt_stats(void) {
    int sv[2];
    rmsg_message *m;
    const rmsg_item *it;
    const uint8_t *attrs = NULL;
    size_t len = 0, off;
    unsigned attr_count = 0;
    rmsg_timestamping t;
    tcp_loopback_pair(sv);
    set_int(sv[0], SOL_SOCKET, SO_TIMESTAMPING,
            SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
                SOF_TIMESTAMPING_OPT_TSONLY | SOF_TIMESTAMPING_OPT_STATS |
                SOF_TIMESTAMPING_OPT_ID);
    CHECK(send(sv[0], "stats", 5, 0) == 5);
    wait_errqueue(sv[0]);
    m = recv_sized(sv[0], 64, MSG_ERRQUEUE);
    it = find_item(m, SOL_SOCKET, SCM_TIMESTAMPING_OPT_STATS);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it),
                 "SOL_SOCKET/SCM_TIMESTAMPING_OPT_STATS") == 0);
    CHECK_OK(rmsg_item_ts_opt_stats(it, &attrs, &len));
    CHECK(len > 4 && attrs == rmsg_item_data(it));
    /* The attributes are well-formed netlink attributes filling the item. */
    for (off = 0; off + 4 <= len;) {
        uint16_t alen16;
        memcpy(&alen16, attrs + off, 2);
        CHECK(alen16 >= 4);
        off += (alen16 + 3u) & ~3u;
        attr_count++;
    }
    CHECK(off == len && attr_count > 3);
    CHECK_OK(rmsg_item_timestamping(find_item(m, SOL_SOCKET, SO_TIMESTAMPING), &t));
    CHECK(t.software.sec > 0);
    rmsg_message_free(m);
    close_pair(sv);
}

static void test_ts_pktinfo_crafted(void) {
    /* struct scm_ts_pktinfo { __u32 if_index; __u32 pkt_length; __u32 reserved[2]; } */
    uint32_t raw[4] = {3, 1514, 0, 0};
    craft_buf b;
    rmsg_control *c;
    rmsg_ts_pktinfo p;
    CRAFTED("SCM_TIMESTAMPING_PKTINFO",
            "sent only with hardware receive stamps, no such NIC here");
    c = parse_one(&b, SOL_SOCKET, SCM_TIMESTAMPING_PKTINFO, raw, sizeof raw);
    CHECK_OK(rmsg_item_ts_pktinfo(rmsg_control_item(c, 0), &p));
    CHECK(p.ifindex == 3 && p.pkt_length == 1514);
    rmsg_control_free(c);
    c = parse_one(&b, SOL_SOCKET, SCM_TIMESTAMPING_PKTINFO, raw, 7);
    CHECK_STATUS(rmsg_item_ts_pktinfo(rmsg_control_item(c, 0), &p),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
}

static void test_rxq_ovfl(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    char payload[1024];
    rmsg_message *m;
    const rmsg_item *it;
    uint32_t drops = 0;
    int i;
    set_int(r, SOL_SOCKET, SO_RCVBUF, 1);  /* the kernel's minimum */
    set_int(r, SOL_SOCKET, SO_RXQ_OVFL, 1);
    memset(payload, 'o', sizeof payload);
    for (i = 0; i < 200; i++)
        send_to(s, &a, payload, sizeof payload);
    /* Drain what was queued; then one more carries the drop count. */
    while (rmsg_recvmsg_with(r, 0, 0, MSG_DONTWAIT, NULL, &m) == RMSG_OK)
        rmsg_message_free(m);
    send_to(s, &a, "last", 4);
    m = recv_sized(r, 16, 0);
    it = find_item(m, SOL_SOCKET, SO_RXQ_OVFL);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "SOL_SOCKET/SO_RXQ_OVFL") == 0);
    CHECK_OK(rmsg_item_rxq_ovfl(it, &drops));
    CHECK(drops > 0 && drops < 200);
    rmsg_message_free(m);
    close(r);
    close(s);
}

static void test_rcvmark(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_message *m;
    const rmsg_item *it;
    uint32_t mark = 0;
    set_int(s, SOL_SOCKET, SO_MARK, 0x5a17); /* needs CAP_NET_ADMIN (root) */
    set_int(r, SOL_SOCKET, SO_RCVMARK, 1);
    send_to(s, &a, "m", 1);
    m = recv_sized(r, 16, 0);
    /* The kernel sends the mark with type SO_MARK, not SO_RCVMARK. */
    CHECK(find_item(m, SOL_SOCKET, SO_RCVMARK) == NULL);
    it = find_item(m, SOL_SOCKET, SO_MARK);
    CHECK(it != NULL);
    CHECK(strcmp(rmsg_item_name(it), "SOL_SOCKET/SO_MARK") == 0);
    CHECK_OK(rmsg_item_mark(it, &mark));
    CHECK(mark == 0x5a17);
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* Short items of every SOL_SOCKET kind give RMSG_ERR_SHORT_ITEM. */
static void test_short_items(void) {
    uint8_t zero[64];
    craft_buf b;
    rmsg_control *c;
    rmsg_credentials cr;
    rmsg_timestamp t;
    rmsg_timestamping ts;
    uint32_t u;
    int fd;
    memset(zero, 0, sizeof zero);
    c = parse_one(&b, SOL_SOCKET, SCM_CREDENTIALS, zero, 11);
    CHECK_STATUS(rmsg_item_credentials(rmsg_control_item(c, 0), &cr),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
    c = parse_one(&b, SOL_SOCKET, SO_TIMESTAMPNS_NEW, zero, 15);
    CHECK_STATUS(rmsg_item_timestamp(rmsg_control_item(c, 0), &t),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
    c = parse_one(&b, SOL_SOCKET, SO_TIMESTAMPING_NEW, zero, 47);
    CHECK_STATUS(rmsg_item_timestamping(rmsg_control_item(c, 0), &ts),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
    c = parse_one(&b, SOL_SOCKET, SO_RXQ_OVFL, zero, 3);
    CHECK_STATUS(rmsg_item_rxq_ovfl(rmsg_control_item(c, 0), &u),
                 RMSG_ERR_SHORT_ITEM);
    CHECK_STATUS(rmsg_item_mark(rmsg_control_item(c, 0), &u),
                 RMSG_ERR_WRONG_KIND);
    rmsg_control_free(c);
    c = parse_one(&b, SOL_SOCKET, SCM_PIDFD, zero, 2);
    CHECK_STATUS(rmsg_item_pidfd(rmsg_control_item(c, 0), &fd),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_credentials);
    RUN(test_pidfd);
    RUN(test_security);
    RUN(test_so_timestamp);
    RUN(test_so_timestamp_new);
    RUN(test_so_timestampns);
    RUN(test_so_timestampns_new);
    RUN(test_so_timestamping_rx);
    RUN(test_so_timestamping_new_rx);
    RUN(test_tx_timestamping_errqueue);
    RUN(test_timestamping_opt_stats);
    RUN(test_ts_pktinfo_crafted);
    RUN(test_rxq_ovfl);
    RUN(test_rcvmark);
    RUN(test_short_items);
    TEST_END();
}
