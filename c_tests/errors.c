/*
 * Error paths: descriptors closed when an error follows the syscall, and
 * every bad input answered with a clear status, errno to match, no crash
 * and no partial output.
 */
#include "helpers.h"
#include "testing.h"

#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>

/* Under ASan the huge-but-representable allocation below must fail the way
 * malloc normally does (NULL) rather than abort the process: rmsg is meant
 * to turn it into RMSG_ERR_OUT_OF_MEMORY. Ignored without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

/* A recognisable non-NULL value for outputs that must stay untouched. */
static long long sentinel_storage;
#define SENTINEL_MSG ((rmsg_message *)(void *)&sentinel_storage)

/* True when the socket has nothing queued (rmsg itself asks, without
 * blocking; a message found is freed, and the answer is false). */
static int socket_is_empty(int sock) {
    rmsg_recv_options o = recv_options(RMSG_WAIT_NONBLOCK, 0, 0);
    rmsg_message *m = NULL;
    uint32_t st;
    st = rmsg_recvmsg_with(sock, 64, 256, MSG_PEEK, &o, &m);
    if (st == RMSG_OK) {
        rmsg_message_free(m);
        return 0;
    }
    CHECK(st == RMSG_ERR_WOULD_BLOCK);
    return 1;
}

/* `sock` holds exactly one message, and its data is `data`. */
static void expect_one_message(int sock, const char *data) {
    rmsg_message *m = NULL;
    CHECK_OK(rmsg_recvmsg(sock, 64, 256, 0, &m));
    CHECK_DATA(m, data, strlen(data));
    rmsg_message_free(m);
    CHECK(socket_is_empty(sock));
}

/* A pipe whose read end is non-blocking: once every copy of the write end is
 * closed, reading gives 0 (end of file) instead of EAGAIN. Sending the write
 * end and closing ours lets a test see whether a received copy survived. */
static void watch_pipe(int p[2]) {
    make_pipe(p);
    set_nonblocking(p[0]);
}

static int write_end_gone(int r) {
    char c;
    ssize_t n = read(r, &c, 1);
    if (n == 0) return 1;
    CHECK(n < 0 && errno == EAGAIN);
    return 0;
}

/* ---- Failures after the syscall ------------------------------------- */

static void fail_after_syscall_recvmsg(int type) {
    int sv[2], p[2], sent[2];
    rmsg_message *m = SENTINEL_MSG;
    int before;
    unix_pair(type, sv);
    watch_pipe(p);
    sent[0] = p[1];
    sent[1] = p[1];
    send_with_fds(sv[0], "oom", 3, sent, 2);
    close(p[1]);
    CHECK(!write_end_gone(p[0]));
    before = open_fd_count();
    rmsg_testing_fail_after_syscall(1);
    errno = 0;
    CHECK_STATUS(rmsg_recvmsg(sv[1], 16, CMSG_SPACE(2 * sizeof(int)), 0, &m),
                 RMSG_ERR_OUT_OF_MEMORY);
    CHECK(errno == ENOMEM && rmsg_last_errno() == ENOMEM);
    CHECK(m == SENTINEL_MSG);
    /* No new descriptor: the two the kernel installed were closed ... */
    CHECK(open_fd_count() == before);
    /* ... and they were the last copies of the write end. */
    CHECK(write_end_gone(p[0]));
    /* The message was consumed by the syscall. */
    CHECK(socket_is_empty(sv[1]));
    /* The injected failure was used up: the next receive works. */
    send_with_fds(sv[0], "next", 4, &p[0], 1);
    CHECK_OK(rmsg_recvmsg(sv[1], 16, CMSG_SPACE(sizeof(int)), 0, &m));
    CHECK(m != SENTINEL_MSG);
    CHECK(rmsg_message_fd_count(m) == 1);
    rmsg_message_free(m);
    close(p[0]);
    close_pair(sv);
}

static void test_fail_after_syscall_dgram(void) { fail_after_syscall_recvmsg(SOCK_DGRAM); }

static void test_fail_after_syscall_stream(void) { fail_after_syscall_recvmsg(SOCK_STREAM); }

static void test_fail_after_syscall_recv_fds(void) {
    int sv[2], p[2], got[4] = {-7, -7, -7, -7}, flags = 77;
    size_t nbytes = 99, nfds = 99;
    char buf[8] = {0};
    int before;
    unix_pair(SOCK_DGRAM, sv);
    watch_pipe(p);
    send_with_fds(sv[0], "fds", 3, &p[1], 1);
    close(p[1]);
    before = open_fd_count();
    rmsg_testing_fail_after_syscall(1);
    errno = 0;
    CHECK_STATUS(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 4, 0, &nbytes, &nfds,
                               &flags),
                 RMSG_ERR_OUT_OF_MEMORY);
    CHECK(errno == ENOMEM && rmsg_last_errno() == ENOMEM);
    CHECK(nbytes == 99 && nfds == 99 && flags == 77);
    CHECK(got[0] == -7 && got[1] == -7 && got[2] == -7 && got[3] == -7);
    CHECK(open_fd_count() == before);
    CHECK(write_end_gone(p[0]));
    CHECK(socket_is_empty(sv[1]));
    close(p[0]);
    close_pair(sv);
}

static void test_fail_after_syscall_recvmsg_into(void) {
    int sv[2], p[2];
    size_t nbytes = 99;
    char buf[8];
    rmsg_iovec iov;
    rmsg_message *m = SENTINEL_MSG;
    int before;
    unix_pair(SOCK_SEQPACKET, sv);
    watch_pipe(p);
    send_with_fds(sv[0], "into", 4, &p[1], 1);
    close(p[1]);
    iov.base = (uint8_t *)buf;
    iov.len = sizeof buf;
    before = open_fd_count();
    rmsg_testing_fail_after_syscall(1);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], &iov, 1, CMSG_SPACE(sizeof(int)), 0, NULL, &nbytes,
                                   &m),
                 RMSG_ERR_OUT_OF_MEMORY);
    CHECK(nbytes == 99 && m == SENTINEL_MSG);
    CHECK(open_fd_count() == before);
    CHECK(write_end_gone(p[0]));
    CHECK(socket_is_empty(sv[1]));
    close(p[0]);
    close_pair(sv);
}

/* A failing MSG_PEEK closes its installed copies and leaves the message
 * queued; arming two failures fails exactly two calls. */
static void test_fail_after_peek_and_count(void) {
    int sv[2], p[2];
    rmsg_message *m = SENTINEL_MSG;
    int before;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "pk", 2, p, 2);
    before = open_fd_count();
    rmsg_testing_fail_after_syscall(2);
    CHECK_STATUS(rmsg_recvmsg(sv[1], 16, CMSG_SPACE(2 * sizeof(int)), MSG_PEEK, &m),
                 RMSG_ERR_OUT_OF_MEMORY);
    CHECK(open_fd_count() == before);
    CHECK_STATUS(rmsg_recvmsg(sv[1], 16, CMSG_SPACE(2 * sizeof(int)), MSG_PEEK, &m),
                 RMSG_ERR_OUT_OF_MEMORY);
    CHECK(open_fd_count() == before);
    CHECK(m == SENTINEL_MSG);
    CHECK_OK(rmsg_recvmsg(sv[1], 16, CMSG_SPACE(2 * sizeof(int)), 0, &m));
    CHECK(rmsg_message_data_len(m) == 2);
    CHECK(rmsg_message_fd_count(m) == 2);
    CHECK(open_fd_count() == before + 2);
    rmsg_message_free(m);
    CHECK(open_fd_count() == before);
    /* Disarming works. */
    rmsg_testing_fail_after_syscall(5);
    rmsg_testing_fail_after_syscall(0);
    CHECK(send(sv[0], "ok", 2, 0) == 2);
    expect_one_message(sv[1], "ok");
    close_pair(p);
    close_pair(sv);
}

/* ---- Bad receive arguments ------------------------------------------ */

/* Checks one failing receive: the status, errno and rmsg_last_errno, that
 * the output was not written, and that the queued message is still there. */
#define CHECK_RECV_FAILS(sock, bufsize, ancbufsize, flags, opts, want, want_errno)   \
    do {                                                                           \
        rmsg_message *m_ = SENTINEL_MSG;                                           \
        errno = 0;                                                                 \
        CHECK_STATUS(rmsg_recvmsg_with((sock), (bufsize), (ancbufsize), (flags),  \
                                       (opts), &m_),                               \
                     (want));                                                      \
        CHECK(errno == (want_errno));                                              \
        CHECK(rmsg_last_errno() == (want_errno));                                  \
        CHECK(m_ == SENTINEL_MSG);                                                 \
    } while (0)

static void test_null_message_out(void) {
    int sv[2];
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "keep", 4, 0) == 4);
    errno = 0;
    CHECK_STATUS(rmsg_recvmsg(sv[1], 16, 0, 0, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK(errno == EINVAL && rmsg_last_errno() == EINVAL);
    CHECK_STATUS(rmsg_recvmsg_with(sv[1], 16, 0, 0, NULL, NULL), RMSG_ERR_NULL_ARGUMENT);
    expect_one_message(sv[1], "keep");
    close_pair(sv);
}

static void test_bad_descriptors(void) {
    int p[2], closed;
    CHECK_RECV_FAILS(-1, 16, 0, 0, NULL, RMSG_ERR_BAD_FD, EBADF);
    CHECK_RECV_FAILS(-12345, 16, 64, 0, NULL, RMSG_ERR_BAD_FD, EBADF);
    CHECK_RECV_FAILS(INT_MIN, 16, 64, 0, NULL, RMSG_ERR_BAD_FD, EBADF);
    /* A number that was a descriptor a moment ago. */
    make_pipe(p);
    closed = p[0];
    close_pair(p);
    CHECK(!fd_is_open(closed));
    CHECK_RECV_FAILS(closed, 16, 64, 0, NULL, RMSG_ERR_BAD_FD, EBADF);
    /* Not a socket: a pipe and a character device. */
    make_pipe(p);
    CHECK_RECV_FAILS(p[0], 16, 64, 0, NULL, RMSG_ERR_NOT_A_SOCKET, ENOTSOCK);
    CHECK_RECV_FAILS(p[1], 16, 64, 0, NULL, RMSG_ERR_NOT_A_SOCKET, ENOTSOCK);
    close_pair(p);
    p[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(p[0] >= 0);
    CHECK_RECV_FAILS(p[0], 16, 64, 0, NULL, RMSG_ERR_NOT_A_SOCKET, ENOTSOCK);
    close(p[0]);
    /* The same through the other entry points. */
    {
        size_t nbytes = 99, nfds = 99;
        int fds[1] = {-7};
        char buf[4];
        rmsg_message *m = SENTINEL_MSG;
        CHECK_STATUS(rmsg_recv_fds(closed, (uint8_t *)buf, 4, fds, 1, 0, &nbytes, &nfds, NULL),
                     RMSG_ERR_BAD_FD);
        CHECK_STATUS(rmsg_recvmsg_into(-1, NULL, 0, 0, 0, NULL, &nbytes, &m), RMSG_ERR_BAD_FD);
        CHECK(nbytes == 99 && nfds == 99 && fds[0] == -7 && m == SENTINEL_MSG);
    }
}

/* OS errors keep their number: RMSG_ERR_OS with the kernel's errno, and the
 * classified ones with theirs. */
static void test_os_errors_keep_their_errno(void) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int u = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int sv[2];
    rmsg_recv_options o;
    CHECK(s >= 0 && u >= 0);
    /* An unconnected TCP socket: ENOTCONN, which has no status of its own. */
    CHECK_RECV_FAILS(s, 16, 0, 0, NULL, RMSG_ERR_OS, ENOTCONN);
    /* An unconnected AF_UNIX stream socket: the kernel says EINVAL. */
    CHECK_RECV_FAILS(u, 16, 0, 0, NULL, RMSG_ERR_INVALID_ARGUMENT, EINVAL);
    /* Nothing queued, non-blocking. */
    unix_pair(SOCK_DGRAM, sv);
    o = recv_options(RMSG_WAIT_NONBLOCK, 0, 0);
    CHECK_RECV_FAILS(sv[1], 16, 0, 0, &o, RMSG_ERR_WOULD_BLOCK, EAGAIN);
    CHECK_RECV_FAILS(sv[1], 16, 0, MSG_DONTWAIT, NULL, RMSG_ERR_WOULD_BLOCK, EAGAIN);
    /* A successful call leaves rmsg_last_errno as it was. */
    CHECK(send(sv[0], "x", 1, 0) == 1);
    expect_one_message(sv[1], "x");
    CHECK(rmsg_last_errno() == EAGAIN);
    close(s);
    close(u);
    close_pair(sv);
}

static void test_sizes_too_large(void) {
    int sv[2];
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "big", 3, 0) == 3);
#if SIZE_MAX > UINT32_MAX
    /* A control buffer larger than socklen_t can describe. */
    CHECK_RECV_FAILS(sv[1], 16, (size_t)UINT32_MAX + 1, 0, NULL, RMSG_ERR_TOO_LARGE,
                     EOVERFLOW);
#endif
    CHECK_RECV_FAILS(sv[1], 16, SIZE_MAX, 0, NULL, RMSG_ERR_TOO_LARGE, EOVERFLOW);
    /* A data size no buffer can have. */
    CHECK_RECV_FAILS(sv[1], SIZE_MAX, 0, 0, NULL, RMSG_ERR_TOO_LARGE, EOVERFLOW);
    CHECK_RECV_FAILS(sv[1], SIZE_MAX - 7, 64, 0, NULL, RMSG_ERR_TOO_LARGE, EOVERFLOW);
    /* Nothing was received by any of them. */
    expect_one_message(sv[1], "big");
    close_pair(sv);
}

/* An absurd but representable data size: the allocation fails (or rmsg
 * refuses the size outright); either way a status, and nothing received. */
static void test_absurd_bufsize(void) {
    int sv[2];
    rmsg_message *m = SENTINEL_MSG;
    uint32_t st;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "huge", 4, 0) == 4);
    errno = 0;
    st = rmsg_recvmsg(sv[1], (size_t)1 << 46, 0, 0, &m);
    if (st == RMSG_ERR_OUT_OF_MEMORY) {
        CHECK(errno == ENOMEM && rmsg_last_errno() == ENOMEM);
    } else if (st == RMSG_ERR_TOO_LARGE) {
        CHECK(errno == EOVERFLOW && rmsg_last_errno() == EOVERFLOW);
    } else {
        fprintf(stderr, "bufsize 1<<46 gave %s\n", rmsg_status_name(st));
        exit(1);
    }
    CHECK(m == SENTINEL_MSG);
    expect_one_message(sv[1], "huge");
    close_pair(sv);
}

static void test_bad_options(void) {
    int sv[2];
    rmsg_recv_options o;
    uint32_t bad_flags[3];
    uint32_t bad_waits[3];
    size_t i;
    bad_flags[0] = 8;
    bad_flags[1] = 1u << 31;
    bad_flags[2] = RMSG_RECV_NO_CLOEXEC | RMSG_RECV_RETURN_EINTR | RMSG_RECV_NO_ADDRESS | 16;
    bad_waits[0] = 3;
    bad_waits[1] = 1000;
    bad_waits[2] = UINT32_MAX;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "opt", 3, 0) == 3);
    for (i = 0; i < 3; i++) {
        memset(&o, 0, sizeof o);
        o.flags = bad_flags[i];
        CHECK_RECV_FAILS(sv[1], 16, 64, 0, &o, RMSG_ERR_INVALID_ARGUMENT, EINVAL);
        memset(&o, 0, sizeof o);
        o.wait = bad_waits[i];
        CHECK_RECV_FAILS(sv[1], 16, 64, 0, &o, RMSG_ERR_INVALID_ARGUMENT, EINVAL);
    }
    /* The same options through recvmsg_into. */
    {
        size_t nbytes = 99;
        rmsg_message *m = SENTINEL_MSG;
        memset(&o, 0, sizeof o);
        o.flags = 1u << 31;
        CHECK_STATUS(rmsg_recvmsg_into(sv[1], NULL, 0, 0, 0, &o, &nbytes, &m),
                     RMSG_ERR_INVALID_ARGUMENT);
        CHECK(nbytes == 99 && m == SENTINEL_MSG);
    }
    expect_one_message(sv[1], "opt");
    close_pair(sv);
}

static void test_recvmsg_into_bad_arguments(void) {
    int sv[2];
    size_t nbytes = 99;
    char buf[8];
    rmsg_iovec iov;
    rmsg_message *m = SENTINEL_MSG;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "into", 4, 0) == 4);
    iov = iov_of(buf, sizeof buf);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], &iov, 1, 0, 0, NULL, NULL, &m),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], &iov, 1, 0, 0, NULL, &nbytes, NULL),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], NULL, 1, 0, 0, NULL, &nbytes, &m),
                 RMSG_ERR_NULL_ARGUMENT);
    /* A count no array can have (a binding's -1). */
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], &iov, SIZE_MAX, 0, 0, NULL, &nbytes, &m),
                 RMSG_ERR_TOO_LARGE);
    CHECK(nbytes == 99 && m == SENTINEL_MSG);
    expect_one_message(sv[1], "into");
    close_pair(sv);
}

/* ---- NULL handles and the take functions ---------------------------- */

static void test_null_handles_give_neutral_values(void) {
    const uint8_t *bytes = (const uint8_t *)"x";
    size_t len = 99;
    rmsg_inet_address in4;
    rmsg_inet6_address in6;
    rmsg_message_free(NULL);
    CHECK(rmsg_message_data(NULL) == NULL);
    CHECK(rmsg_message_data_len(NULL) == 0);
    CHECK(rmsg_message_nbytes(NULL) == 0);
    CHECK(rmsg_message_flags(NULL) == 0);
    CHECK(rmsg_message_malformed(NULL) == false);
    CHECK(rmsg_message_item_count(NULL) == 0);
    CHECK(rmsg_message_item(NULL, 0) == NULL);
    CHECK(rmsg_message_address(NULL) == NULL);
    CHECK(rmsg_message_fd_count(NULL) == 0);
    CHECK(rmsg_item_level(NULL) == -1);
    CHECK(rmsg_item_type(NULL) == -1);
    CHECK(rmsg_item_data(NULL) == NULL);
    CHECK(rmsg_item_data_len(NULL) == 0);
    CHECK(rmsg_item_truncated(NULL) == false);
    CHECK(rmsg_item_fd_count(NULL) == 0);
    CHECK(rmsg_item_fd(NULL, 0) == -1);
    CHECK(rmsg_address_family(NULL) == AF_UNSPEC);
    CHECK(rmsg_address_kind(NULL) == RMSG_ADDRESS_OTHER);
    CHECK_STATUS(rmsg_address_raw(NULL, &bytes, &len), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_unix(NULL, &bytes, &len), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_inet(NULL, &in4), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_inet6(NULL, &in6), RMSG_ERR_NULL_ARGUMENT);
    CHECK(len == 99 && bytes[0] == 'x');
}

/* Address accessors on a real IPv4 address: missing outputs and the wrong
 * family are statuses, and nothing is written. */
static void test_address_accessor_errors(void) {
    struct sockaddr_storage a;
    int r = udp_loopback(AF_INET, &a, NULL);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    rmsg_message *m = NULL;
    const rmsg_address *addr;
    const uint8_t *bytes = NULL;
    size_t len = 99;
    rmsg_inet_address in4;
    rmsg_inet6_address in6;
    CHECK(s >= 0);
    send_to(s, &a, "u", 1);
    CHECK_OK(rmsg_recvmsg(r, 4, 0, 0, &m));
    addr = rmsg_message_address(m);
    CHECK(addr != NULL);
    CHECK(rmsg_address_family(addr) == AF_INET);
    CHECK_STATUS(rmsg_address_raw(addr, NULL, &len), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_raw(addr, &bytes, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_address_unix(addr, &bytes, &len), RMSG_ERR_WRONG_FAMILY);
    CHECK(rmsg_last_errno() == EINVAL);
    memset(&in6, 0xAB, sizeof in6);
    CHECK_STATUS(rmsg_address_inet6(addr, &in6), RMSG_ERR_WRONG_FAMILY);
    CHECK(in6.port == 0xABAB && in6.scope_id == 0xABABABABu);
    CHECK_STATUS(rmsg_address_inet(addr, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK(bytes == NULL && len == 99);
    CHECK_OK(rmsg_address_inet(addr, &in4));
    CHECK(in4.addr[0] == 127 && in4.addr[3] == 1);
    rmsg_message_free(m);
    close(r);
    close(s);
}

/* Take functions with missing arguments take nothing; out-of-range and
 * wrong-kind items are refused. */
static void test_take_functions_reject_bad_arguments(void) {
    int sv[2], p[2], got[4] = {-7, -7, -7, -7};
    size_t count = 99, i;
    rmsg_message *m = NULL;
    int before;
    passcred_pair(sv);
    make_pipe(p);
    send_with_fds(sv[0], "t", 1, p, 2);
    before = open_fd_count();
    CHECK_OK(rmsg_recvmsg(sv[1], 4, 256, 0, &m));
    CHECK(open_fd_count() == before + 2);
    /* Item 0: SCM_CREDENTIALS; item 1: SCM_RIGHTS. */
    CHECK(rmsg_message_item_count(m) == 2);
    CHECK(rmsg_item_type(rmsg_message_item(m, 0)) == SCM_CREDENTIALS);
    CHECK(rmsg_item_type(rmsg_message_item(m, 1)) == SCM_RIGHTS);
    CHECK(rmsg_message_item(m, 2) == NULL);
    CHECK(rmsg_message_item(m, SIZE_MAX) == NULL);
    CHECK(rmsg_item_fd(rmsg_message_item(m, 1), SIZE_MAX) == -1);

    CHECK_STATUS(rmsg_message_take_fds(NULL, got, 4, &count), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_take_fds(m, got, 4, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_take_fds(m, NULL, 4, &count), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_take_fds(m, got, SIZE_MAX, &count), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_message_take_item_fds(NULL, 1, got, 4, &count),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_take_item_fds(m, 1, got, 4, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_take_item_fds(m, 1, NULL, 4, &count), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_message_take_item_fds(m, 2, got, 4, &count),
                 RMSG_ERR_INVALID_ARGUMENT);
    CHECK(rmsg_last_errno() == EINVAL);
    CHECK_STATUS(rmsg_message_take_item_fds(m, SIZE_MAX, got, 4, &count),
                 RMSG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(rmsg_message_take_item_fds(m, 0, got, 4, &count), RMSG_ERR_WRONG_KIND);
    CHECK_STATUS(rmsg_message_take_item_fds(m, 0, NULL, 0, &count), RMSG_ERR_WRONG_KIND);
    /* None of that wrote anything or moved a descriptor. */
    CHECK(count == 99);
    for (i = 0; i < 4; i++) CHECK(got[i] == -7);
    CHECK(rmsg_message_fd_count(m) == 2);
    CHECK(rmsg_item_fd_count(rmsg_message_item(m, 1)) == 2);
    CHECK(open_fd_count() == before + 2);
    /* Freeing closes both. */
    rmsg_message_free(m);
    CHECK(open_fd_count() == before);
    close_pair(p);
    close_pair(sv);
}

static void test_every_status_has_a_name(void) {
    static const uint32_t all[] = {
        RMSG_OK, RMSG_ERR_OS, RMSG_ERR_WOULD_BLOCK, RMSG_ERR_TIMED_OUT, RMSG_ERR_INTERRUPTED,
        RMSG_ERR_NULL_ARGUMENT, RMSG_ERR_INVALID_ARGUMENT, RMSG_ERR_TOO_LARGE,
        RMSG_ERR_OUT_OF_MEMORY, RMSG_ERR_BAD_FD, RMSG_ERR_NOT_A_SOCKET,
        RMSG_ERR_BUFFER_TOO_SMALL, RMSG_ERR_WRONG_KIND, RMSG_ERR_SHORT_ITEM,
        RMSG_ERR_WRONG_FAMILY, RMSG_ERR_UNKNOWN_KIND, RMSG_ERR_TOO_MANY_FDS,
        RMSG_ERR_INVALID_ADDRESS, RMSG_ERR_BROKEN_PIPE, RMSG_ERR_PANIC,
    };
    size_t i;
    for (i = 0; i < sizeof all / sizeof all[0]; i++) {
        CHECK(strncmp(rmsg_status_name(all[i]), "RMSG_", 5) == 0);
        CHECK(strcmp(rmsg_status_name(all[i]), "RMSG_UNKNOWN_STATUS") != 0);
        CHECK(strlen(rmsg_status_describe(all[i])) > 0);
    }
    CHECK(strcmp(rmsg_status_name(RMSG_ERR_NOT_A_SOCKET), "RMSG_ERR_NOT_A_SOCKET") == 0);
    CHECK(strcmp(rmsg_status_name(UINT32_MAX), "RMSG_UNKNOWN_STATUS") == 0);
}

int main(void) {
    TEST_BEGIN();
    if (have_testing_hook()) {
        RUN(test_fail_after_syscall_dgram);
        RUN(test_fail_after_syscall_stream);
        RUN(test_fail_after_syscall_recv_fds);
        RUN(test_fail_after_syscall_recvmsg_into);
        RUN(test_fail_after_peek_and_count);
    } else {
        printf("skip failures after the syscall: this is a release build of librmsg, "
               "which has no rmsg_testing_fail_after_syscall hook\n");
    }
    RUN(test_null_message_out);
    RUN(test_bad_descriptors);
    RUN(test_os_errors_keep_their_errno);
    RUN(test_sizes_too_large);
    RUN(test_absurd_bufsize);
    RUN(test_bad_options);
    RUN(test_recvmsg_into_bad_arguments);
    RUN(test_null_handles_give_neutral_values);
    RUN(test_address_accessor_errors);
    RUN(test_take_functions_reject_bad_arguments);
    RUN(test_every_status_has_a_name);
    TEST_END();
}
