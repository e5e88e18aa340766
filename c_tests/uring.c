/*
 * io_uring receive completions made into messages, on the real kernel
 * (linked with liburing): multishot IORING_OP_RECVMSG into a provided
 * buffer ring, read with rmsg_message_from_multishot, on UDP loopback with
 * IP_PKTINFO and TTL, on AF_UNIX SOCK_DGRAM with SCM_RIGHTS (descriptors
 * owned, closed when not taken, close-on-exec when the request asked), on
 * stream sockets where the kernel adds SCM_INQ items, with the name, the
 * control data and the payload cut short; a single-shot IORING_OP_RECVMSG
 * read with rmsg_message_from_recvmsg; buffers that do not fit the
 * request's layout refused. Every real buffer is also parsed from a heap
 * copy of exactly cqe->res bytes, so that ASan and valgrind would catch a
 * read past it.
 *
 * Valgrind runs it too: it knows the io_uring system calls, but not that
 * the kernel writes into the buffers it was given, so every buffer the
 * kernel fills is initialised (or anonymously mapped) beforehand.
 *
 * When the kernel refuses io_uring (the kernel.io_uring_disabled sysctl,
 * or no io_uring at all) the program says so and exits 0.
 */
#include "net_helpers.h"

#include <netinet/tcp.h>
#include <sys/mman.h>

#include <liburing.h>

#ifndef SO_INQ
#define SO_INQ 84
#endif

#define BGID 5
#define NBUFS 16
#define BUF_SIZE 512

typedef struct {
    struct io_uring ring;
    struct io_uring_buf_ring *br;
    uint8_t *bufs;
} uring_t;

static uring_t u;

/* Why io_uring cannot be used here, or NULL when it can. */
static const char *uring_refused(void) {
    static char why[160];
    FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
    int disabled = 0, r;
    struct io_uring probe;
    if (f != NULL) {
        if (fscanf(f, "%d", &disabled) != 1) disabled = 0;
        fclose(f);
    }
    if (disabled == 2) return "kernel.io_uring_disabled is 2: io_uring is off for every process";
    r = io_uring_queue_init(4, &probe, 0);
    if (r < 0) {
        snprintf(why, sizeof why, "io_uring_queue_init: %s (kernel.io_uring_disabled is %d)",
                 strerror(-r), disabled);
        return why;
    }
    io_uring_queue_exit(&probe);
    return NULL;
}

/* Hands buffer `bid` (back) to the kernel. */
static void buf_give(unsigned bid) {
    io_uring_buf_ring_add(u.br, u.bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(NBUFS), 0);
    io_uring_buf_ring_advance(u.br, 1);
}

/* A ring and a provided buffer ring of NBUFS buffers of BUF_SIZE bytes,
 * all of it in anonymous mappings (which valgrind sees as initialised, as
 * it cannot see the kernel write them). */
static void uring_open(void) {
    struct io_uring_buf_reg reg;
    unsigned i;
    CHECK(io_uring_queue_init(64, &u.ring, 0) == 0);
    u.br = mmap(NULL, NBUFS * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    u.bufs = mmap(NULL, (size_t)NBUFS * BUF_SIZE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(u.br != MAP_FAILED && u.bufs != MAP_FAILED);
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (uint64_t)(uintptr_t)u.br;
    reg.ring_entries = NBUFS;
    reg.bgid = BGID;
    CHECK(io_uring_register_buf_ring(&u.ring, &reg, 0) == 0);
    io_uring_buf_ring_init(u.br);
    for (i = 0; i < NBUFS; i++) buf_give(i);
}

static void uring_close(void) {
    CHECK(io_uring_unregister_buf_ring(&u.ring, BGID) == 0);
    munmap(u.br, NBUFS * sizeof(struct io_uring_buf));
    munmap(u.bufs, (size_t)NBUFS * BUF_SIZE);
    io_uring_queue_exit(&u.ring);
}

/* Submits a multishot recvmsg on `fd` taking buffers from the ring, with
 * the name and control sizes of `mh` (which stays alive meanwhile). */
static void submit_multishot(int fd, struct msghdr *mh, unsigned flags, uint64_t tag) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u.ring);
    CHECK(sqe != NULL);
    io_uring_prep_recvmsg_multishot(sqe, fd, mh, flags);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = BGID;
    io_uring_sqe_set_data64(sqe, tag);
    CHECK(io_uring_submit(&u.ring) == 1);
}

/* The next completion (waiting 2 s at most), copied out of the ring. */
static struct io_uring_cqe next_cqe(void) {
    struct io_uring_cqe *c = NULL, copy;
    struct __kernel_timespec ts;
    ts.tv_sec = 2;
    ts.tv_nsec = 0;
    CHECK(io_uring_wait_cqe_timeout(&u.ring, &c, &ts) == 0);
    copy.user_data = c->user_data;
    copy.res = c->res;
    copy.flags = c->flags;
    io_uring_cqe_seen(&u.ring, c);
    return copy;
}

/* Cancels multishot request `tag` and checks that it ends the way every
 * such request ends: with a completion without IORING_CQE_F_MORE. */
static void cancel_multishot(uint64_t tag) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u.ring);
    int ended = 0, cancel_done = 0;
    CHECK(sqe != NULL);
    io_uring_prep_cancel64(sqe, tag, 0);
    io_uring_sqe_set_data64(sqe, tag + 1000);
    CHECK(io_uring_submit(&u.ring) == 1);
    while (!ended || !cancel_done) {
        struct io_uring_cqe c = next_cqe();
        if (c.user_data == tag + 1000) {
            CHECK(c.res == 0);
            cancel_done = 1;
        } else {
            CHECK(c.user_data == tag);
            CHECK(c.res == -ECANCELED);
            CHECK((c.flags & IORING_CQE_F_MORE) == 0);
            CHECK((c.flags & IORING_CQE_F_BUFFER) == 0);
            ended = 1;
        }
    }
}

/* A msghdr for a multishot request: only the sizes of the name and control
 * regions count (the kernel lays them out in each provided buffer). */
static struct msghdr layout(size_t name_size, size_t control_size) {
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_namelen = (socklen_t)name_size;
    mh.msg_controllen = control_size;
    return mh;
}

/* Two messages agree on everything but descriptor ownership. */
static void check_same_message(const rmsg_message *a, const rmsg_message *b) {
    size_t i;
    CHECK_BYTES(rmsg_message_data(a), rmsg_message_data_len(a), rmsg_message_data(b),
                rmsg_message_data_len(b));
    CHECK(rmsg_message_nbytes(a) == rmsg_message_nbytes(b));
    CHECK(rmsg_message_flags(a) == rmsg_message_flags(b));
    CHECK(rmsg_message_name_len(a) == rmsg_message_name_len(b));
    CHECK((rmsg_message_address(a) == NULL) == (rmsg_message_address(b) == NULL));
    CHECK(rmsg_message_item_count(a) == rmsg_message_item_count(b));
    for (i = 0; i < rmsg_message_item_count(a); i++) {
        const rmsg_item *x = rmsg_message_item(a, i), *y = rmsg_message_item(b, i);
        CHECK(rmsg_item_level(x) == rmsg_item_level(y));
        CHECK(rmsg_item_type(x) == rmsg_item_type(y));
        CHECK(rmsg_item_truncated(x) == rmsg_item_truncated(y));
        CHECK_BYTES(rmsg_item_data(x), rmsg_item_data_len(x), rmsg_item_data(y),
                    rmsg_item_data_len(y));
    }
}

/* Makes a message of multishot completion `c` (its buffer goes back to the
 * ring): with `flags` from the ring's buffer itself, checked against
 * liburing's own view of the buffer and against a parse (owning nothing)
 * of an exact-size heap copy. */
static rmsg_message *from_cqe(const struct io_uring_cqe *c, struct msghdr *mh, uint32_t flags) {
    unsigned bid;
    uint8_t *buf, *copy;
    struct io_uring_recvmsg_out *o;
    rmsg_message *m = NULL, *check = NULL;
    size_t present;
    CHECK(c->res >= 0);
    CHECK((c->flags & IORING_CQE_F_BUFFER) != 0);
    CHECK((c->flags & IORING_CQE_F_MORE) != 0);
    bid = c->flags >> IORING_CQE_BUFFER_SHIFT;
    CHECK(bid < NBUFS);
    buf = u.bufs + (size_t)bid * BUF_SIZE;
    o = io_uring_recvmsg_validate(buf, c->res, mh);
    CHECK(o != NULL);
    copy = malloc((size_t)c->res);
    CHECK(copy != NULL);
    memcpy(copy, buf, (size_t)c->res);
    CHECK_OK(rmsg_message_from_multishot(copy, (size_t)c->res, mh->msg_namelen,
                                         mh->msg_controllen, 0, &check));
    free(copy);
    CHECK_OK(rmsg_message_from_multishot(buf, (size_t)c->res, mh->msg_namelen,
                                         mh->msg_controllen, flags, &m));
    /* liburing's helpers find the same payload and lengths. */
    present = io_uring_recvmsg_payload_length(o, c->res, mh);
    if (present > o->payloadlen) present = o->payloadlen;
    CHECK_BYTES(rmsg_message_data(m), rmsg_message_data_len(m),
                io_uring_recvmsg_payload(o, mh), present);
    CHECK(rmsg_message_nbytes(m) == o->payloadlen);
    CHECK(rmsg_message_name_len(m) == o->namelen);
    CHECK((rmsg_message_flags(m) & ~(MSG_TRUNC | MSG_CTRUNC)) ==
          ((int)o->flags & ~(MSG_TRUNC | MSG_CTRUNC)));
    check_same_message(m, check);
    rmsg_message_free(check);
    buf_give(bid);
    return m;
}

/* The next completion of request `tag`, made into a message. */
static rmsg_message *next_message(uint64_t tag, struct msghdr *mh, uint32_t flags) {
    struct io_uring_cqe c = next_cqe();
    CHECK(c.user_data == tag);
    return from_cqe(&c, mh, flags);
}

static void check_inet_source(const rmsg_message *m, const struct sockaddr_storage *from) {
    rmsg_inet_address a;
    const struct sockaddr_in *sin = (const struct sockaddr_in *)from;
    CHECK_OK(rmsg_address_inet(rmsg_message_address(m), &a));
    CHECK(a.port == ntohs(sin->sin_port));
    CHECK(memcmp(a.addr, &sin->sin_addr, 4) == 0);
}

/* A UDP receiver with IP_PKTINFO and IP_RECVTTL, and a sender bound to
 * loopback whose datagrams carry TTL 33. */
static void udp_pair(int *r, int *s, struct sockaddr_storage *to, struct sockaddr_storage *from) {
    *r = udp_loopback(AF_INET, to, NULL);
    *s = udp_loopback(AF_INET, from, NULL);
    set_int(*r, IPPROTO_IP, IP_PKTINFO, 1);
    set_int(*r, IPPROTO_IP, IP_RECVTTL, 1);
    set_int(*s, IPPROTO_IP, IP_TTL, 33);
}

/* Datagrams with IP_PKTINFO and TTL: data, source address, both items
 * decoded, one completion each with IORING_CQE_F_MORE; cancelling ends
 * the request. */
static void test_udp_pktinfo_ttl(void) {
    const char *words[3] = {"one", "two", "three"};
    struct sockaddr_storage to, from;
    int r, s, i;
    size_t space;
    struct msghdr mh;
    udp_pair(&r, &s, &to, &from);
    CHECK_OK(rmsg_control_space_for_socket(r, 0, &space));
    mh = layout(sizeof(struct sockaddr_in), space);
    submit_multishot(r, &mh, 0, 1);
    for (i = 0; i < 3; i++) send_to(s, &to, words[i], strlen(words[i]));
    for (i = 0; i < 3; i++) {
        rmsg_message *m = next_message(1, &mh, RMSG_PARSE_OWN_FDS);
        rmsg_ip_pktinfo pi;
        int32_t ttl = 0;
        CHECK_DATA(m, words[i], strlen(words[i]));
        CHECK(rmsg_message_nbytes(m) == strlen(words[i]));
        CHECK(rmsg_message_flags(m) == 0);
        CHECK(rmsg_message_name_len(m) == sizeof(struct sockaddr_in));
        check_inet_source(m, &from);
        CHECK(rmsg_message_item_count(m) == 2);
        CHECK(rmsg_item_kind(find_item(m, IPPROTO_IP, IP_PKTINFO)) == RMSG_KIND_IP_PKTINFO);
        CHECK_OK(rmsg_item_ip_pktinfo(find_item(m, IPPROTO_IP, IP_PKTINFO), &pi));
        CHECK(pi.ifindex > 0);
        CHECK(memcmp(pi.addr.addr, &((struct sockaddr_in *)&to)->sin_addr, 4) == 0);
        CHECK_OK(rmsg_item_ip_ttl(find_item(m, IPPROTO_IP, IP_TTL), &ttl));
        CHECK(ttl == 33);
        CHECK(rmsg_message_fd_count(m) == 0);
        rmsg_message_free(m);
    }
    cancel_multishot(1);
    close(r);
    close(s);
}

/* Name, control data and payload cut short by small regions and a small
 * buffer: each cut is visible and nothing is read past the buffer. */
static void test_udp_truncation(void) {
    static char big[700];
    struct sockaddr_storage to, from;
    int r, s;
    struct msghdr small_name, small_control, cut_item, no_name;
    rmsg_message *m;
    const uint8_t *raw;
    size_t raw_len, room;
    rmsg_ip_pktinfo pi;
    int32_t ttl;
    memset(big, 'b', sizeof big);
    udp_pair(&r, &s, &to, &from);

    /* A name region of 4 bytes: the address is its first 4 bytes, the
     * reported length the whole sockaddr_in. */
    small_name = layout(4, 64);
    submit_multishot(r, &small_name, 0, 10);
    send_to(s, &to, "name", 4);
    m = next_message(10, &small_name, RMSG_PARSE_OWN_FDS);
    CHECK_DATA(m, "name", 4);
    CHECK(rmsg_message_name_len(m) == sizeof(struct sockaddr_in));
    CHECK_OK(rmsg_address_raw(rmsg_message_address(m), &raw, &raw_len));
    CHECK(raw_len == 4);
    CHECK(rmsg_address_inet(rmsg_message_address(m), &pi.addr) ==
          RMSG_ERR_WRONG_FAMILY);
    CHECK(rmsg_message_item_count(m) == 2);
    rmsg_message_free(m);
    cancel_multishot(10);

    /* No name region: no address, length 0. */
    no_name = layout(0, 64);
    submit_multishot(r, &no_name, 0, 11);
    send_to(s, &to, "anon", 4);
    m = next_message(11, &no_name, RMSG_PARSE_OWN_FDS);
    CHECK_DATA(m, "anon", 4);
    CHECK(rmsg_message_address(m) == NULL);
    CHECK(rmsg_message_name_len(m) == 0);
    rmsg_message_free(m);
    cancel_multishot(11);

    /* Room for IP_PKTINFO only: TTL does not fit, MSG_CTRUNC. */
    small_control = layout(sizeof(struct sockaddr_in), CMSG_SPACE(sizeof(struct in_pktinfo)));
    submit_multishot(r, &small_control, 0, 12);
    send_to(s, &to, "ctl", 3);
    m = next_message(12, &small_control, RMSG_PARSE_OWN_FDS);
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) != 0);
    CHECK(rmsg_message_item_count(m) == 1);
    CHECK_OK(rmsg_item_ip_pktinfo(rmsg_message_item(m, 0), &pi));
    rmsg_message_free(m);
    cancel_multishot(12);

    /* 24 control bytes: the kernel cuts IP_PKTINFO itself, the item is
     * short and its decoder says so. */
    cut_item = layout(sizeof(struct sockaddr_in), 24);
    submit_multishot(r, &cut_item, 0, 13);
    send_to(s, &to, "cut", 3);
    m = next_message(13, &cut_item, RMSG_PARSE_OWN_FDS);
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) != 0);
    CHECK(rmsg_message_item_count(m) == 1);
    CHECK(rmsg_item_data_len(rmsg_message_item(m, 0)) < sizeof(struct in_pktinfo));
    CHECK_STATUS(rmsg_item_ip_pktinfo(rmsg_message_item(m, 0), &pi), RMSG_ERR_SHORT_ITEM);
    rmsg_message_free(m);
    cancel_multishot(13);

    /* A datagram larger than the buffer's payload room: MSG_TRUNC, the
     * data is the part that fitted; with MSG_TRUNC in the request the
     * kernel reports the datagram's whole length. */
    small_control = layout(sizeof(struct sockaddr_in), 64);
    room = BUF_SIZE - 16 - sizeof(struct sockaddr_in) - 64;
    submit_multishot(r, &small_control, 0, 14);
    send_to(s, &to, big, sizeof big);
    m = next_message(14, &small_control, RMSG_PARSE_OWN_FDS);
    CHECK((rmsg_message_flags(m) & MSG_TRUNC) != 0);
    CHECK_DATA(m, big, room);
    CHECK(rmsg_message_nbytes(m) == room);
    CHECK_OK(rmsg_item_ip_ttl(find_item(m, IPPROTO_IP, IP_TTL), &ttl));
    rmsg_message_free(m);
    cancel_multishot(14);
    submit_multishot(r, &small_control, MSG_TRUNC, 15);
    send_to(s, &to, big, sizeof big);
    m = next_message(15, &small_control, RMSG_PARSE_OWN_FDS);
    CHECK((rmsg_message_flags(m) & MSG_TRUNC) != 0);
    CHECK_DATA(m, big, room);
    CHECK(rmsg_message_nbytes(m) == sizeof big);
    rmsg_message_free(m);
    cancel_multishot(15);
    close(r);
    close(s);
}

/* Descriptors over AF_UNIX SOCK_DGRAM: owned by the message, closed when
 * not taken, close-on-exec exactly when the request asked; without
 * RMSG_PARSE_OWN_FDS none is closed; a control region too small for them
 * all (the kernel installs those that fit, MSG_CTRUNC) leaks nothing. */
static void test_unix_rights(void) {
    int sv[2], p[2], q[2], fds[4];
    size_t n, pass;
    struct msghdr mh, tight;
    rmsg_message *m;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    make_pipe(q);
    mh = layout(sizeof(struct sockaddr_un), CMSG_SPACE(4 * sizeof(int)));
    for (pass = 0; pass < 2; pass++) {
        unsigned req_flags = pass == 0 ? MSG_CMSG_CLOEXEC : 0;
        uint64_t tag = 20 + pass;
        int kept;
        submit_multishot(sv[1], &mh, req_flags, tag);
        send_with_fds(sv[0], "ab", 2, p, 2);
        send_with_fds(sv[0], "c", 1, q, 1);

        /* Taken: the caller owns them, the same files as sent. */
        m = next_message(tag, &mh, RMSG_PARSE_OWN_FDS);
        CHECK_DATA(m, "ab", 2);
        CHECK(rmsg_message_fd_count(m) == 2);
        CHECK(rmsg_item_fd_count(find_item(m, SOL_SOCKET, SCM_RIGHTS)) == 2);
        CHECK_OK(rmsg_message_take_fds(m, fds, 4, &n));
        CHECK(n == 2);
        rmsg_message_free(m);
        CHECK(fd_is_open(fds[0]) && fd_is_open(fds[1]));
        CHECK(same_file(fds[0], p[0]) && same_file(fds[1], p[1]));
        CHECK(fd_is_cloexec(fds[0]) == (pass == 0));
        CHECK(fd_is_cloexec(fds[1]) == (pass == 0));
        close(fds[0]);
        close(fds[1]);

        /* Not taken: freeing the message closes it. */
        m = next_message(tag, &mh, RMSG_PARSE_OWN_FDS);
        CHECK_DATA(m, "c", 1);
        kept = rmsg_item_fd(find_item(m, SOL_SOCKET, SCM_RIGHTS), 0);
        CHECK(kept >= 0 && fd_is_open(kept));
        CHECK(same_file(kept, q[0]));
        CHECK(fd_is_cloexec(kept) == (pass == 0));
        rmsg_message_free(m);
        CHECK(!fd_is_open(kept));
        cancel_multishot(tag);
    }

    /* Without RMSG_PARSE_OWN_FDS the message closes nothing. */
    submit_multishot(sv[1], &mh, MSG_CMSG_CLOEXEC, 22);
    send_with_fds(sv[0], "d", 1, q, 2);
    m = next_message(22, &mh, 0);
    fds[0] = rmsg_item_fd(rmsg_message_item(m, 0), 0);
    fds[1] = rmsg_item_fd(rmsg_message_item(m, 0), 1);
    rmsg_message_free(m);
    CHECK(fd_is_open(fds[0]) && fd_is_open(fds[1]));
    close(fds[0]);
    close(fds[1]);
    cancel_multishot(22);

    /* Four descriptors, room for two: MSG_CTRUNC, the two that arrived are
     * owned and closed with the message. */
    tight = layout(0, CMSG_SPACE(2 * sizeof(int)));
    submit_multishot(sv[1], &tight, MSG_CMSG_CLOEXEC, 23);
    {
        int four[4];
        four[0] = p[0];
        four[1] = p[1];
        four[2] = q[0];
        four[3] = q[1];
        send_with_fds(sv[0], "e", 1, four, 4);
    }
    m = next_message(23, &tight, RMSG_PARSE_OWN_FDS);
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) != 0);
    CHECK(rmsg_message_fd_count(m) == 2);
    fds[0] = rmsg_item_fd(rmsg_message_item(m, 0), 0);
    fds[1] = rmsg_item_fd(rmsg_message_item(m, 0), 1);
    rmsg_message_free(m);
    CHECK(!fd_is_open(fds[0]) && !fd_is_open(fds[1]));
    cancel_multishot(23);
    close_pair(p);
    close_pair(q);
    close_pair(sv);
}

/* Stream sockets: the kernel may add SCM_INQ items nobody asked for (on
 * AF_UNIX, liburing issue 1509), and TCP adds TCP_CM_INQ when TCP_INQ is
 * on; either is decoded by rmsg_item_inq. The bytes all arrive in order. */
static void stream_case(int tx, int rx, int inq_level, int inq_type, int must_have_inq,
                        uint64_t tag) {
    struct msghdr mh = layout(sizeof(struct sockaddr_storage), 64);
    char got[16];
    size_t have = 0, inq_items = 0, i;
    submit_multishot(rx, &mh, 0, tag);
    CHECK(write(tx, "abc", 3) == 3);
    CHECK(write(tx, "def", 3) == 3);
    while (have < 6) {
        rmsg_message *m = next_message(tag, &mh, RMSG_PARSE_OWN_FDS);
        CHECK(have + rmsg_message_data_len(m) <= sizeof got);
        memcpy(got + have, rmsg_message_data(m), rmsg_message_data_len(m));
        have += rmsg_message_data_len(m);
        for (i = 0; i < rmsg_message_item_count(m); i++) {
            const rmsg_item *it = rmsg_message_item(m, i);
            CHECK(rmsg_item_level(it) == inq_level && rmsg_item_type(it) == inq_type);
            CHECK(rmsg_item_data_len(it) == sizeof(int));
            {
                uint32_t left = 0;
                CHECK(rmsg_item_kind(it) == RMSG_KIND_INQ);
                CHECK_OK(rmsg_item_inq(it, &left));
                CHECK(left <= 6);
            }
            inq_items++;
        }
        rmsg_message_free(m);
    }
    CHECK_BYTES(got, have, "abcdef", 6);
    CHECK(!must_have_inq || inq_items > 0);
    printf("  stream level %d: %zu inq item(s) in the completions\n", inq_level, inq_items);
    cancel_multishot(tag);
}

static void test_stream_inq_items(void) {
    int sv[2];
    int one = 1, asked;
    unix_pair(SOCK_STREAM, sv);
    stream_case(sv[0], sv[1], SOL_SOCKET, SO_INQ, 0, 30);
    close_pair(sv);
    /* Asked for (kernels with SO_INQ on AF_UNIX): items in every completion. */
    unix_pair(SOCK_STREAM, sv);
    asked = setsockopt(sv[1], SOL_SOCKET, SO_INQ, &one, sizeof one) == 0;
    stream_case(sv[0], sv[1], SOL_SOCKET, SO_INQ, asked, 32);
    close_pair(sv);
    tcp_loopback_pair(sv);
    set_int(sv[1], IPPROTO_TCP, TCP_INQ, 1);
    stream_case(sv[0], sv[1], IPPROTO_TCP, TCP_INQ, 1, 31);
    close_pair(sv);
}

/* A single-shot IORING_OP_RECVMSG into the caller's own msghdr, made into
 * a message from its pieces: the same data, address and items as the
 * multishot form; a name buffer too small shows a cut name. */
static void single_shot(int r, void *name, size_t name_size, const char *word,
                        rmsg_message **out, uint32_t flags) {
    union {
        uint8_t b[256];
        struct cmsghdr align;
    } ctl;
    char data[64];
    struct iovec iov;
    struct msghdr mh;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u.ring);
    struct io_uring_cqe c;
    rmsg_recvmsg_parts parts;
    memset(&ctl, 0, sizeof ctl);
    memset(data, 0, sizeof data);
    iov.iov_base = data;
    iov.iov_len = sizeof data;
    memset(&mh, 0, sizeof mh);
    mh.msg_name = name;
    mh.msg_namelen = (socklen_t)name_size;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.b;
    mh.msg_controllen = sizeof ctl.b;
    CHECK(sqe != NULL);
    io_uring_prep_recvmsg(sqe, r, &mh, MSG_CMSG_CLOEXEC);
    io_uring_sqe_set_data64(sqe, 40);
    CHECK(io_uring_submit(&u.ring) == 1);
    c = next_cqe();
    CHECK(c.user_data == 40);
    CHECK(c.res == (int)strlen(word));
    CHECK((c.flags & IORING_CQE_F_MORE) == 0);
    memset(&parts, 0, sizeof parts);
    parts.data = (const uint8_t *)data;
    parts.data_len = sizeof data;
    parts.nbytes = (size_t)c.res;
    parts.name = (const uint8_t *)name;
    parts.name_size = name_size;
    parts.name_len = mh.msg_namelen;
    parts.control = ctl.b;
    parts.control_len = mh.msg_controllen;
    parts.msg_flags = mh.msg_flags;
    CHECK_OK(rmsg_message_from_recvmsg(&parts, flags, out));
    CHECK_DATA(*out, word, strlen(word));
}

static void test_single_shot(void) {
    struct sockaddr_storage to, from, name;
    int r, s, sv[2], p[2], fd;
    int32_t ttl;
    rmsg_message *m;
    rmsg_recvmsg_parts bad;
    /* Valgrind cannot see io_uring's kernel write memory: what the kernel
     * fills is initialised first (the buffer ring is an anonymous
     * mapping for the same reason). */
    memset(&name, 0, sizeof name);
    udp_pair(&r, &s, &to, &from);
    send_to(s, &to, "single", 6);
    single_shot(r, &name, sizeof name, "single", &m, RMSG_PARSE_OWN_FDS);
    CHECK(rmsg_message_nbytes(m) == 6);
    CHECK(rmsg_message_name_len(m) == sizeof(struct sockaddr_in));
    check_inet_source(m, &from);
    CHECK(rmsg_message_item_count(m) == 2);
    CHECK_OK(rmsg_item_ip_ttl(find_item(m, IPPROTO_IP, IP_TTL), &ttl));
    CHECK(ttl == 33);
    rmsg_message_free(m);
    /* A name buffer of 6 bytes: msg_namelen says 16. */
    send_to(s, &to, "short", 5);
    single_shot(r, &name, 6, "short", &m, RMSG_PARSE_OWN_FDS);
    CHECK(rmsg_message_name_len(m) == sizeof(struct sockaddr_in));
    {
        const uint8_t *raw;
        size_t raw_len;
        CHECK_OK(rmsg_address_raw(rmsg_message_address(m), &raw, &raw_len));
        CHECK(raw_len == 6);
    }
    rmsg_message_free(m);
    close(r);
    close(s);

    /* Descriptors, owned and close-on-exec (the request asked). */
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "fd", 2, p, 1);
    single_shot(sv[1], NULL, 0, "fd", &m, RMSG_PARSE_OWN_FDS);
    CHECK(rmsg_message_address(m) == NULL);
    fd = rmsg_item_fd(find_item(m, SOL_SOCKET, SCM_RIGHTS), 0);
    CHECK(fd >= 0 && fd_is_cloexec(fd) && same_file(fd, p[0]));
    rmsg_message_free(m);
    CHECK(!fd_is_open(fd));
    close_pair(p);
    close_pair(sv);

    /* Bad pieces: a status, nothing written. */
    memset(&bad, 0, sizeof bad);
    m = UNTOUCHED;
    CHECK_STATUS(rmsg_message_from_recvmsg(NULL, 0, &m), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_from_recvmsg(&bad, 0, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_from_recvmsg(&bad, 2, &m), RMSG_ERR_INVALID_ARGUMENT);
    bad.control_len = 8;
    CHECK_STATUS(rmsg_message_from_recvmsg(&bad, 0, &m), RMSG_ERR_NULL_ARGUMENT);
    CHECK(m == UNTOUCHED);
    bad.control_len = 0;
    CHECK_OK(rmsg_message_from_recvmsg(&bad, 0, &m));
    CHECK(rmsg_message_data_len(m) == 0 && rmsg_message_item_count(m) == 0);
    CHECK(rmsg_message_address(m) == NULL);
    rmsg_message_free(m);
}

/* Buffers that do not fit the request's layout are refused before
 * anything is read; headers that claim more than their regions hold are
 * cut to them, in a heap block of exactly the given length. */
static void test_malformed_buffers(void) {
    uint32_t hdr[4];
    uint8_t *b;
    size_t n, name_size = 16, control_size = 32, total = 16 + 16 + 32;
    rmsg_message *m = UNTOUCHED;
    for (n = 0; n < total; n++) {
        b = malloc(n ? n : 1);
        CHECK(b != NULL);
        memset(b, 0xff, n);
        CHECK_STATUS(rmsg_message_from_multishot(b, n, name_size, control_size, 0, &m),
                     RMSG_ERR_INVALID_ARGUMENT);
        free(b);
    }
    CHECK_STATUS(rmsg_message_from_multishot(NULL, 0, 0, 0, 0, &m), RMSG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(rmsg_message_from_multishot(NULL, 20, 0, 0, 0, &m), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_from_multishot((const uint8_t *)hdr, 16, SIZE_MAX, 1, 0, &m),
                 RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_message_from_multishot((const uint8_t *)hdr, 16, 8, SIZE_MAX - 16, 0, &m),
                 RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_message_from_multishot((const uint8_t *)hdr, SIZE_MAX, 0, 0, 0, &m),
                 RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_message_from_multishot((const uint8_t *)hdr, 16, 0, 0, 4, &m),
                 RMSG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(rmsg_message_from_multishot((const uint8_t *)hdr, 16, 0, 0, 0, NULL),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK(m == UNTOUCHED);

    /* Every length in the header past its region: namelen, controllen and
     * payloadlen all 0xffffffff, 5 payload bytes present. */
    b = malloc(total + 5);
    CHECK(b != NULL);
    memset(b, 0, total + 5);
    hdr[0] = hdr[1] = hdr[2] = 0xffffffffu;
    hdr[3] = 0;
    memcpy(b, hdr, sizeof hdr);
    memcpy(b + total, "hello", 5);
    CHECK_OK(rmsg_message_from_multishot(b, total + 5, name_size, control_size,
                                         RMSG_PARSE_OWN_FDS, &m));
    CHECK_DATA(m, "hello", 5);
    CHECK(rmsg_message_nbytes(m) == 0xffffffffu);
    CHECK(rmsg_message_flags(m) == (MSG_TRUNC | MSG_CTRUNC));
    CHECK(rmsg_message_name_len(m) == 0xffffffffu);
    /* The zeroed control region holds a header of length 0: malformed,
     * no item. */
    CHECK(rmsg_message_item_count(m) == 0);
    CHECK(rmsg_message_malformed(m));
    rmsg_message_free(m);

    /* An item whose cmsg_len runs into the payload is cut at the control
     * region's end (the walk never reads payload bytes as control). */
    {
        struct cmsghdr ch;
        memset(b, 0, total + 5);
        hdr[0] = 0;
        hdr[1] = (uint32_t)control_size;
        hdr[2] = 5;
        memcpy(b, hdr, sizeof hdr);
        memset(&ch, 0, sizeof ch);
        ch.cmsg_len = CMSG_LEN(64);
        ch.cmsg_level = IPPROTO_IP;
        ch.cmsg_type = IP_TTL;
        memcpy(b + 16 + name_size, &ch, sizeof ch);
        memcpy(b + total, "hello", 5);
        CHECK_OK(rmsg_message_from_multishot(b, total + 5, name_size, control_size, 0, &m));
        CHECK(rmsg_message_item_count(m) == 1);
        CHECK(rmsg_item_truncated(rmsg_message_item(m, 0)));
        CHECK(rmsg_item_data_len(rmsg_message_item(m, 0)) == control_size - sizeof ch);
        CHECK(rmsg_message_address(m) == NULL);
        rmsg_message_free(m);
    }
    free(b);
}

int main(void) {
    const char *why;
    TEST_BEGIN();
    why = uring_refused();
    if (why != NULL) {
        printf("skipped: io_uring is refused here: %s\n", why);
        return 0;
    }
    uring_open();
    RUN(test_udp_pktinfo_ttl);
    RUN(test_udp_truncation);
    RUN(test_unix_rights);
    RUN(test_stream_inq_items);
    RUN(test_single_shot);
    RUN(test_malformed_buffers);
    uring_close();
    TEST_END();
}
