/*
 * The raw parse API: a control buffer from the caller's own recvmsg gives
 * the same items and decoded values as the receive path on the same
 * message; descriptors are owned only with RMSG_PARSE_OWN_FDS; malformed
 * buffers are walked safely.
 */
#include "net_helpers.h"

typedef union {
    uint8_t bytes[1024];
    struct cmsghdr align;
} ctl_buf;

/* recvmsg(2) by hand into `ctl`; returns msg_controllen. */
static size_t raw_recv(int s, int flags, uint8_t *ctl, size_t cap) {
    char data[256];
    struct iovec iov;
    struct msghdr mh;
    iov.iov_base = data;
    iov.iov_len = sizeof data;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl;
    mh.msg_controllen = cap;
    CHECK(recvmsg(s, &mh, flags | MSG_CMSG_CLOEXEC) >= 0);
    CHECK((mh.msg_flags & MSG_CTRUNC) == 0);
    return mh.msg_controllen;
}

/* Items of a message and of a parsed buffer agree: kind, bytes, and every
 * decoded value. */
static void check_same_items(const rmsg_message *m, const rmsg_control *c) {
    size_t i, n = rmsg_message_item_count(m);
    CHECK(n > 0);
    CHECK(rmsg_control_item_count(c) == n);
    CHECK(rmsg_control_item(c, n) == NULL);
    for (i = 0; i < n; i++) {
        const rmsg_item *a = rmsg_message_item(m, i);
        const rmsg_item *b = rmsg_control_item(c, i);
        CHECK(rmsg_item_level(a) == rmsg_item_level(b));
        CHECK(rmsg_item_type(a) == rmsg_item_type(b));
        CHECK(strcmp(rmsg_item_name(a), rmsg_item_name(b)) == 0);
        CHECK_BYTES(rmsg_item_data(a), rmsg_item_data_len(a), rmsg_item_data(b),
                    rmsg_item_data_len(b));
        CHECK(rmsg_item_truncated(a) == rmsg_item_truncated(b));
        {
            rmsg_ip_pktinfo pa, pb;
            int32_t ta, tb;
            rmsg_traffic_class ca, cb;
            rmsg_inet_address oa, ob;
            rmsg_timestamp sa, sb;
            rmsg_credentials ra, rb;
            uint32_t sta = rmsg_item_ip_pktinfo(a, &pa);
            CHECK(sta == rmsg_item_ip_pktinfo(b, &pb));
            if (sta == RMSG_OK) CHECK(memcmp(&pa, &pb, sizeof pa) == 0);
            sta = rmsg_item_ip_ttl(a, &ta);
            CHECK(sta == rmsg_item_ip_ttl(b, &tb));
            if (sta == RMSG_OK) CHECK(ta == tb);
            sta = rmsg_item_ip_tos(a, &ca);
            CHECK(sta == rmsg_item_ip_tos(b, &cb));
            if (sta == RMSG_OK) CHECK(memcmp(&ca, &cb, sizeof ca) == 0);
            sta = rmsg_item_ip_origdstaddr(a, &oa);
            CHECK(sta == rmsg_item_ip_origdstaddr(b, &ob));
            if (sta == RMSG_OK) CHECK(memcmp(&oa, &ob, sizeof oa) == 0);
            sta = rmsg_item_timestamp(a, &sa);
            CHECK(sta == rmsg_item_timestamp(b, &sb));
            if (sta == RMSG_OK) CHECK(sa.sec == sb.sec && sa.nsec == sb.nsec);
            sta = rmsg_item_credentials(a, &ra);
            CHECK(sta == rmsg_item_credentials(b, &rb));
            if (sta == RMSG_OK) CHECK(memcmp(&ra, &rb, sizeof ra) == 0);
        }
    }
}

/* The same datagram read twice: first peeked with a raw recvmsg, then
 * received with rmsg. The parsed raw buffer and the message agree, also
 * when the raw bytes are parsed from an unaligned address. */
static void test_parse_equals_receive(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL), s = socket(AF_INET, SOCK_DGRAM, 0);
    ctl_buf raw;
    static uint8_t shifted[1025];
    size_t len, space;
    rmsg_message *m;
    rmsg_control *c;
    set_int(s, IPPROTO_IP, IP_TTL, 21);
    set_int(s, IPPROTO_IP, IP_TOS, 0x10);
    set_int(r, IPPROTO_IP, IP_PKTINFO, 1);
    set_int(r, IPPROTO_IP, IP_RECVTTL, 1);
    set_int(r, IPPROTO_IP, IP_RECVTOS, 1);
    set_int(r, IPPROTO_IP, IP_RECVORIGDSTADDR, 1);
    set_int(r, SOL_SOCKET, SO_TIMESTAMPNS, 1);
    send_to(s, &a, "same", 4);
    CHECK_OK(rmsg_control_space_for_socket(r, 0, &space));
    CHECK(space <= sizeof raw.bytes);
    len = raw_recv(r, MSG_PEEK, raw.bytes, space);
    m = recv_sized(r, 16, 0);
    CHECK(rmsg_message_item_count(m) == 5);
    CHECK_OK(rmsg_control_parse(raw.bytes, len, 0, &c));
    CHECK(!rmsg_control_malformed(c));
    check_same_items(m, c);
    rmsg_control_free(c);
    memcpy(shifted + 1, raw.bytes, len);
    CHECK_OK(rmsg_control_parse(shifted + 1, len, 0, &c));
    check_same_items(m, c);
    rmsg_control_free(c);
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* The descriptors of the parsed buffer's item that holds two: 2 when there
 * is one (its descriptors are then in fds), else 0. */
static size_t two_fds_of(const rmsg_control *c, int fds[2]) {
    size_t i, n = 0;
    for (i = 0; i < rmsg_control_item_count(c); i++) {
        const rmsg_item *b = rmsg_control_item(c, i);
        if (rmsg_item_fd_count(b) == 2) {
            fds[0] = rmsg_item_fd(b, 0);
            fds[1] = rmsg_item_fd(b, 1);
            n = 2;
        }
    }
    return n;
}

/* Descriptors and credentials over AF_UNIX: receive path and parse path
 * give the same kinds and credentials; RMSG_PARSE_OWN_FDS owns the fds. */
static void test_parse_scm_rights(void) {
    int sv[2], p[2], fds[2], taken[2];
    ctl_buf raw;
    size_t len, n, i;
    rmsg_message *m;
    rmsg_control *c;
    passcred_pair(sv);
    make_pipe(p);

    /* Receive path. */
    send_with_fds(sv[0], "f", 1, p, 2);
    CHECK_OK(rmsg_recvmsg(sv[1], 16, sizeof raw.bytes, 0, &m));
    /* Parse path, owning: take the fds of the SCM_RIGHTS item. */
    send_with_fds(sv[0], "f", 1, p, 2);
    len = raw_recv(sv[1], 0, raw.bytes, sizeof raw.bytes);
    CHECK_OK(rmsg_control_parse(raw.bytes, len, RMSG_PARSE_OWN_FDS, &c));
    CHECK(rmsg_control_item_count(c) == rmsg_message_item_count(m));
    for (i = 0; i < rmsg_message_item_count(m); i++) {
        const rmsg_item *a = rmsg_message_item(m, i);
        const rmsg_item *b = rmsg_control_item(c, i);
        CHECK(rmsg_item_level(a) == rmsg_item_level(b));
        CHECK(rmsg_item_type(a) == rmsg_item_type(b));
        CHECK(rmsg_item_fd_count(a) == rmsg_item_fd_count(b));
        if (rmsg_item_type(a) == SCM_CREDENTIALS) {
            rmsg_credentials ca, cb;
            CHECK_OK(rmsg_item_credentials(a, &ca));
            CHECK_OK(rmsg_item_credentials(b, &cb));
            CHECK(memcmp(&ca, &cb, sizeof ca) == 0);
        }
        if (rmsg_item_type(a) == SCM_RIGHTS) {
            CHECK_STATUS(rmsg_control_take_item_fds(c, i, taken, 1, &n),
                         RMSG_ERR_BUFFER_TOO_SMALL);
            CHECK_OK(rmsg_control_take_item_fds(c, i, taken, 2, &n));
            CHECK(n == 2);
            CHECK(taken[0] == rmsg_item_fd(b, 0) && taken[1] == rmsg_item_fd(b, 1));
        } else {
            CHECK_STATUS(rmsg_control_take_item_fds(c, i, taken, 2, &n),
                         RMSG_ERR_WRONG_KIND);
        }
    }
    CHECK_STATUS(rmsg_control_take_item_fds(c, 99, taken, 2, &n),
                 RMSG_ERR_INVALID_ARGUMENT);
    rmsg_control_free(c);
    rmsg_message_free(m);
    /* Taken: still open, ours to close. */
    CHECK(fd_is_open(taken[0]) && fd_is_open(taken[1]));
    close_pair(taken);

    /* Owning, not taken: freeing closes them. */
    send_with_fds(sv[0], "f", 1, p, 2);
    len = raw_recv(sv[1], 0, raw.bytes, sizeof raw.bytes);
    CHECK_OK(rmsg_control_parse(raw.bytes, len, RMSG_PARSE_OWN_FDS, &c));
    n = two_fds_of(c, fds);
    CHECK(n == 2 && fd_is_open(fds[0]) && fd_is_open(fds[1]));
    rmsg_control_free(c);
    CHECK(!fd_is_open(fds[0]) && !fd_is_open(fds[1]));

    /* Not owning (flags 0): freeing closes nothing. */
    send_with_fds(sv[0], "f", 1, p, 2);
    len = raw_recv(sv[1], 0, raw.bytes, sizeof raw.bytes);
    CHECK_OK(rmsg_control_parse(raw.bytes, len, 0, &c));
    n = two_fds_of(c, fds);
    CHECK(n == 2);
    rmsg_control_free(c);
    CHECK(fd_is_open(fds[0]) && fd_is_open(fds[1]));
    close_pair(fds);

    close_pair(p);
    close_pair(sv);
}

static void put_hdr(uint8_t *at, size_t len, int level, int type) {
    struct cmsghdr h;
    memset(&h, 0, sizeof h);
    h.cmsg_len = len;
    h.cmsg_level = level;
    h.cmsg_type = type;
    memcpy(at, &h, sizeof h);
}

static void test_malformed(void) {
    static uint8_t buf[257];
    rmsg_control *c = NULL;
    int32_t ttl;
    size_t lens[] = {0, 1, sizeof(struct cmsghdr) - 1, (size_t)-1,
                     (size_t)-1 - 7, sizeof(struct cmsghdr) + 200};
    size_t i, off;
    /* Arguments. */
    CHECK_OK(rmsg_control_parse(NULL, 0, 0, &c));
    CHECK(rmsg_control_item_count(c) == 0 && !rmsg_control_malformed(c));
    rmsg_control_free(c);
    CHECK_STATUS(rmsg_control_parse(NULL, 4, 0, &c), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_control_parse(buf, 4, 0, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_control_parse(buf, 4, 0x80, &c), RMSG_ERR_INVALID_ARGUMENT);
    rmsg_control_free(NULL);
    CHECK(rmsg_control_item(NULL, 0) == NULL);
    CHECK(rmsg_control_item_count(NULL) == 0);
    /* Hostile lengths, at aligned and unaligned offsets: never a crash, a
     * loop or a read outside the buffer (ASan and valgrind watch). */
    for (off = 0; off < 2; off++) {
        for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
            memset(buf, 0xab, sizeof buf);
            put_hdr(buf + off, lens[i], IPPROTO_IP, IP_TTL);
            CHECK_OK(rmsg_control_parse(buf + off, 64, RMSG_PARSE_OWN_FDS, &c));
            if (lens[i] < sizeof(struct cmsghdr)) {
                CHECK(rmsg_control_item_count(c) == 0);
                CHECK(rmsg_control_malformed(c));
            } else {
                const rmsg_item *it = rmsg_control_item(c, 0);
                CHECK(rmsg_control_item_count(c) == 1);
                CHECK(rmsg_item_truncated(it));
                CHECK(rmsg_item_data_len(it) == 64 - sizeof(struct cmsghdr));
                CHECK_OK(rmsg_item_ip_ttl(it, &ttl));
            }
            rmsg_control_free(c);
        }
    }
    /* A header cut short by the end of the buffer: no item. */
    put_hdr(buf, CMSG_LEN(4), IPPROTO_IP, IP_TTL);
    CHECK_OK(rmsg_control_parse(buf, sizeof(struct cmsghdr) - 1, 0, &c));
    CHECK(rmsg_control_item_count(c) == 0);
    rmsg_control_free(c);
    /* Header only, claiming data: an empty truncated item, too short. */
    CHECK_OK(rmsg_control_parse(buf, sizeof(struct cmsghdr), 0, &c));
    CHECK(rmsg_control_item_count(c) == 1);
    CHECK_STATUS(rmsg_item_ip_ttl(rmsg_control_item(c, 0), &ttl),
                 RMSG_ERR_SHORT_ITEM);
    rmsg_control_free(c);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_parse_equals_receive);
    RUN(test_parse_scm_rights);
    RUN(test_malformed);
    TEST_END();
}
