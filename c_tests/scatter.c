/*
 * rmsg_recvmsg_into: data scattered over the caller's buffers in order,
 * descriptors owned by the message, an empty buffer list, argument checks,
 * and the receive options.
 */
#include "helpers.h"

#include <limits.h>
#include <stdint.h>
#include <sys/uio.h>
#include <sys/un.h>

/* A datagram is written across the buffers in order; bytes past the end of
 * the data are left alone. */
static void test_datagram_split_across_buffers(void) {
    int sv[2];
    char a[3], b[4], c[8];
    rmsg_iovec iov[3];
    size_t n = 0;
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    memset(a, '.', sizeof a);
    memset(b, '.', sizeof b);
    memset(c, '.', sizeof c);
    iov[0] = iov_of(a, sizeof a);
    iov[1] = iov_of(b, sizeof b);
    iov[2] = iov_of(c, sizeof c);
    CHECK(send(sv[0], "abcdefghij", 10, 0) == 10);
    CHECK_OK(rmsg_recvmsg_into(sv[1], iov, 3, 0, 0, NULL, &n, &m));
    CHECK(n == 10);
    CHECK(memcmp(a, "abc", 3) == 0);
    CHECK(memcmp(b, "defg", 4) == 0);
    CHECK(memcmp(c, "hij.....", 8) == 0);
    CHECK(rmsg_message_nbytes(m) == 10);
    CHECK(rmsg_message_data_len(m) == 0);
    CHECK(rmsg_message_flags(m) == 0);
    CHECK(rmsg_message_item_count(m) == 0);
    rmsg_message_free(m);
    close_pair(sv);
}

/* Zero-length buffers in the list are skipped. */
static void test_zero_length_buffers_are_skipped(void) {
    int sv[2];
    char a[2], b[1], c[4];
    rmsg_iovec iov[4];
    size_t n = 0;
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    memset(b, '#', sizeof b);
    iov[0] = iov_of(a, sizeof a);
    iov[1] = iov_of(b, 0);
    iov[2] = iov_of(NULL, 0);
    iov[3] = iov_of(c, sizeof c);
    CHECK(send(sv[0], "123456", 6, 0) == 6);
    CHECK_OK(rmsg_recvmsg_into(sv[1], iov, 4, 0, 0, NULL, &n, &m));
    CHECK(n == 6);
    CHECK(memcmp(a, "12", 2) == 0);
    CHECK(b[0] == '#');
    CHECK(memcmp(c, "3456", 4) == 0);
    rmsg_message_free(m);
    close_pair(sv);
}

/* Buffers shorter than the datagram: the rest is cut off, MSG_TRUNC set,
 * nbytes is what was written. */
static void test_short_buffers_truncate_datagram(void) {
    int sv[2];
    char a[2], b[3];
    rmsg_iovec iov[2];
    size_t n = 0;
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    iov[0] = iov_of(a, sizeof a);
    iov[1] = iov_of(b, sizeof b);
    CHECK(send(sv[0], "0123456789", 10, 0) == 10);
    CHECK_OK(rmsg_recvmsg_into(sv[1], iov, 2, 0, 0, NULL, &n, &m));
    CHECK(n == 5);
    CHECK(memcmp(a, "01", 2) == 0);
    CHECK(memcmp(b, "234", 3) == 0);
    CHECK((rmsg_message_flags(m) & MSG_TRUNC) != 0);
    rmsg_message_free(m);
    /* With MSG_TRUNC in the flags the kernel reports the full length. */
    CHECK(send(sv[0], "0123456789", 10, 0) == 10);
    CHECK_OK(rmsg_recvmsg_into(sv[1], iov, 2, 0, MSG_TRUNC, NULL, &n, &m));
    CHECK(n == 10);
    CHECK(rmsg_message_nbytes(m) == 10);
    rmsg_message_free(m);
    close_pair(sv);
}

/* On a stream, two sends are read in order across the buffers; what does
 * not fit stays queued for the next call. */
static void test_stream_split_and_remainder(void) {
    int sv[2];
    char a[4], b[4];
    rmsg_iovec iov[2];
    size_t n = 0;
    rmsg_message *m = NULL;
    unix_pair(SOCK_STREAM, sv);
    iov[0] = iov_of(a, sizeof a);
    iov[1] = iov_of(b, sizeof b);
    CHECK(send(sv[0], "hello", 5, 0) == 5);
    CHECK(send(sv[0], "world", 5, 0) == 5);
    CHECK_OK(rmsg_recvmsg_into(sv[1], iov, 2, 0, MSG_WAITALL, NULL, &n, &m));
    CHECK(n == 8);
    CHECK(memcmp(a, "hell", 4) == 0);
    CHECK(memcmp(b, "owor", 4) == 0);
    CHECK(rmsg_message_address(m) == NULL);
    rmsg_message_free(m);
    CHECK_OK(rmsg_recvmsg_into(sv[1], iov, 2, 0, 0, NULL, &n, &m));
    CHECK(n == 2);
    CHECK(memcmp(a, "ld", 2) == 0);
    rmsg_message_free(m);
    close_pair(sv);
}

/* MSG_PEEK leaves the data queued; the next call reads the same bytes. */
static void test_peek_then_read(void) {
    int sv[2];
    char a[8], b[8];
    rmsg_iovec iov;
    size_t n = 0;
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "peekaboo", 8, 0) == 8);
    iov = iov_of(a, sizeof a);
    CHECK_OK(rmsg_recvmsg_into(sv[1], &iov, 1, 0, MSG_PEEK, NULL, &n, &m));
    CHECK(n == 8);
    rmsg_message_free(m);
    iov = iov_of(b, sizeof b);
    CHECK_OK(rmsg_recvmsg_into(sv[1], &iov, 1, 0, 0, NULL, &n, &m));
    CHECK(n == 8);
    CHECK(memcmp(a, b, 8) == 0);
    CHECK(memcmp(b, "peekaboo", 8) == 0);
    rmsg_message_free(m);
    close_pair(sv);
}

/* Descriptors received with scattered data belong to the message: open
 * and close-on-exec while it lives, closed when it is freed. */
static void test_fds_are_owned_by_the_message(void) {
    int sv[2], p[2], fds[2];
    char a[2], b[8];
    rmsg_iovec iov[2];
    size_t n = 0, space = 0;
    const rmsg_item *it;
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "fds!", 4, p, 2);
    close_pair(p);
    iov[0] = iov_of(a, sizeof a);
    iov[1] = iov_of(b, sizeof b);
    CHECK_OK(rmsg_cmsg_space(2 * sizeof(int), &space));
    CHECK_OK(rmsg_recvmsg_into(sv[1], iov, 2, space, 0, NULL, &n, &m));
    CHECK(n == 4);
    CHECK(memcmp(a, "fd", 2) == 0);
    CHECK(memcmp(b, "s!", 2) == 0);
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) == 0);
    CHECK(rmsg_message_item_count(m) == 1);
    it = rmsg_message_item(m, 0);
    CHECK(rmsg_item_level(it) == SOL_SOCKET);
    CHECK(rmsg_item_type(it) == SCM_RIGHTS);
    CHECK(rmsg_item_fd_count(it) == 2);
    CHECK(rmsg_message_fd_count(m) == 2);
    fds[0] = rmsg_item_fd(it, 0);
    fds[1] = rmsg_item_fd(it, 1);
    CHECK(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1]);
    CHECK(fd_is_open(fds[0]) && fd_is_open(fds[1]));
    CHECK(fd_is_cloexec(fds[0]) && fd_is_cloexec(fds[1]));
    /* The pipe still works through the received ends. */
    CHECK(write(fds[1], "z", 1) == 1);
    CHECK(read(fds[0], a, 1) == 1 && a[0] == 'z');
    rmsg_message_free(m);
    CHECK(!fd_is_open(fds[0]));
    CHECK(!fd_is_open(fds[1]));
    close_pair(sv);
}

/* Taken descriptors are the caller's: freeing the message leaves them. */
static void test_taken_fds_survive_free(void) {
    int sv[2], p[2], got[2];
    char a[8];
    rmsg_iovec iov;
    size_t n = 0, count = 0;
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "t", 1, p, 2);
    close_pair(p);
    iov = iov_of(a, sizeof a);
    CHECK_OK(rmsg_recvmsg_into(sv[1], &iov, 1, 64, 0, NULL, &n, &m));
    CHECK(n == 1);
    CHECK_OK(rmsg_message_take_fds(m, got, 2, &count));
    CHECK(count == 2);
    CHECK(rmsg_message_fd_count(m) == 0);
    rmsg_message_free(m);
    CHECK(fd_is_open(got[0]) && fd_is_open(got[1]));
    close_pair(got);
    close_pair(sv);
}

/* RMSG_RECV_NO_CLOEXEC reaches the scatter form too. */
static void test_no_cloexec_option(void) {
    int sv[2], p[2], fd;
    char a[4];
    rmsg_iovec iov;
    size_t n = 0;
    rmsg_recv_options o = recv_options(RMSG_WAIT_BLOCK, RMSG_RECV_NO_CLOEXEC, 0);
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "i", 1, p, 1);
    close_pair(p);
    iov = iov_of(a, sizeof a);
    CHECK_OK(rmsg_recvmsg_into(sv[1], &iov, 1, 64, 0, &o, &n, &m));
    CHECK(rmsg_message_fd_count(m) == 1);
    fd = rmsg_item_fd(rmsg_message_item(m, 0), 0);
    CHECK(fd >= 0);
    CHECK(!fd_is_cloexec(fd));
    /* The flags are those of the call: no MSG_CMSG_CLOEXEC was asked for
     * and none is reported. */
    CHECK((rmsg_message_flags(m) & MSG_CMSG_CLOEXEC) == 0);
    rmsg_message_free(m);
    CHECK(!fd_is_open(fd));
    close_pair(sv);
}

/* No buffers at all (count 0, NULL pointer): the datagram's data is
 * dropped (MSG_TRUNC), nbytes is 0, and its descriptors still arrive and
 * are owned by the message. */
static void test_empty_buffer_list(void) {
    int sv[2], p[2], fd;
    size_t n = 99;
    rmsg_message *m = NULL;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "gone", 4, 0) == 4);
    CHECK_OK(rmsg_recvmsg_into(sv[1], NULL, 0, 0, 0, NULL, &n, &m));
    CHECK(n == 0);
    CHECK(rmsg_message_nbytes(m) == 0);
    CHECK((rmsg_message_flags(m) & MSG_TRUNC) != 0);
    rmsg_message_free(m);
    /* The datagram was consumed. */
    CHECK_STATUS(rmsg_recvmsg(sv[1], 16, 0, MSG_DONTWAIT, &m), RMSG_ERR_WOULD_BLOCK);

    make_pipe(p);
    send_with_fds(sv[0], "with fd", 7, p, 1);
    close_pair(p);
    n = 99;
    m = NULL;
    CHECK_OK(rmsg_recvmsg_into(sv[1], NULL, 0, 64, 0, NULL, &n, &m));
    CHECK(n == 0);
    CHECK((rmsg_message_flags(m) & MSG_TRUNC) != 0);
    CHECK(rmsg_message_fd_count(m) == 1);
    fd = rmsg_item_fd(rmsg_message_item(m, 0), 0);
    CHECK(fd_is_open(fd));
    rmsg_message_free(m);
    CHECK(!fd_is_open(fd));
    close_pair(sv);
}

/* NULL buffers with a count > 0, and NULL outputs, are rejected before any
 * receive: nothing is written and the message stays queued. */
static void test_null_arguments(void) {
    int sv[2];
    char a[8];
    rmsg_iovec iov;
    size_t n = 4242;
    rmsg_message *m = UNTOUCHED;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "still here", 10, 0) == 10);
    iov = iov_of(a, sizeof a);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], NULL, 1, 0, 0, NULL, &n, &m),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK(rmsg_last_errno() == EINVAL);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], NULL, 3, 64, 0, NULL, &n, &m),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], &iov, 1, 0, 0, NULL, NULL, &m),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], &iov, 1, 0, 0, NULL, &n, NULL),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK(n == 4242);
    CHECK(m == UNTOUCHED);
    m = NULL;
    CHECK_OK(rmsg_recvmsg(sv[1], 16, 0, MSG_DONTWAIT, &m));
    CHECK_DATA(m, "still here", 10);
    rmsg_message_free(m);
    close_pair(sv);
}

/* Bad descriptors: negative, closed, not a socket. */
static void test_bad_descriptors(void) {
    char a[4] = {0};
    rmsg_iovec iov = iov_of(a, sizeof a);
    size_t n = 7;
    int p[2];
    rmsg_message *m = UNTOUCHED;
    CHECK_STATUS(rmsg_recvmsg_into(-1, &iov, 1, 0, 0, NULL, &n, &m), RMSG_ERR_BAD_FD);
    make_pipe(p);
    CHECK_STATUS(rmsg_recvmsg_into(p[0], &iov, 1, 0, 0, NULL, &n, &m), RMSG_ERR_NOT_A_SOCKET);
    close_pair(p);
    CHECK_STATUS(rmsg_recvmsg_into(p[0], &iov, 1, 0, 0, NULL, &n, &m), RMSG_ERR_BAD_FD);
    CHECK(n == 7);
    CHECK(m == UNTOUCHED);
}

/* More buffers than the kernel takes (IOV_MAX): recvmsg(2) fails with
 * EMSGSIZE, reported as RMSG_ERR_OS with that errno (as Python's
 * recvmsg_into raises OSError(EMSGSIZE)); nothing is consumed. */
static void test_more_buffers_than_iov_max(void) {
    enum { COUNT = IOV_MAX + 1 };
    static rmsg_iovec iov[COUNT];
    static char bytes[COUNT];
    int sv[2];
    size_t i, n = 31;
    rmsg_message *m = UNTOUCHED;
    for (i = 0; i < COUNT; i++) iov[i] = iov_of(bytes + i, 1);
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "many", 4, 0) == 4);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], iov, COUNT, 0, 0, NULL, &n, &m), RMSG_ERR_OS);
    CHECK(rmsg_last_errno() == EMSGSIZE);
    CHECK(n == 31);
    CHECK(m == UNTOUCHED);
    /* IOV_MAX buffers are accepted, one byte each. */
    m = NULL;
    CHECK_OK(rmsg_recvmsg_into(sv[1], iov, IOV_MAX, 0, 0, NULL, &n, &m));
    CHECK(n == 4);
    CHECK(memcmp(bytes, "many", 4) == 0);
    rmsg_message_free(m);
    close_pair(sv);
}

/* Options: non-blocking on an empty socket would block; a deadline times
 * out on an empty socket and returns queued data; bad options are
 * rejected. The caller's buffers are not written on failure. */
static void test_options_are_honoured(void) {
    int sv[2];
    char a[8];
    rmsg_iovec iov;
    size_t n = 55;
    rmsg_recv_options o;
    rmsg_message *m = UNTOUCHED;
    unix_pair(SOCK_DGRAM, sv);
    memset(a, '.', sizeof a);
    iov = iov_of(a, sizeof a);

    o = recv_options(RMSG_WAIT_NONBLOCK, 0, 0);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], &iov, 1, 0, 0, &o, &n, &m), RMSG_ERR_WOULD_BLOCK);
    CHECK(rmsg_last_errno() == EAGAIN);

    o = recv_options(RMSG_WAIT_DEADLINE, 0, 50u * 1000000u);
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], &iov, 1, 0, 0, &o, &n, &m), RMSG_ERR_TIMED_OUT);

    memset(&o, 0, sizeof o);
    o.wait = 99;
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], &iov, 1, 0, 0, &o, &n, &m),
                 RMSG_ERR_INVALID_ARGUMENT);
    CHECK(n == 55);
    CHECK(m == UNTOUCHED);
    CHECK(memcmp(a, "........", 8) == 0);

    /* The same non-blocking options succeed once data is queued. */
    CHECK(send(sv[0], "go", 2, 0) == 2);
    o = recv_options(RMSG_WAIT_NONBLOCK, 0, 0);
    m = NULL;
    CHECK_OK(rmsg_recvmsg_into(sv[1], &iov, 1, 0, 0, &o, &n, &m));
    CHECK(n == 2);
    CHECK(memcmp(a, "go", 2) == 0);
    rmsg_message_free(m);
    close_pair(sv);
}

/* The message of the scatter form also carries the source address. */
static void test_address_is_kept(void) {
    struct sockaddr_un ra, sa;
    socklen_t rlen, slen;
    char a[4] = {0};
    rmsg_iovec iov = iov_of(a, sizeof a);
    size_t n = 0, len = 0;
    const uint8_t *name = NULL;
    rmsg_message *m = NULL;
    const rmsg_address *addr;
    int r = unix_abstract(SOCK_DGRAM, "rmsg-scatter-r", &ra, &rlen);
    int s = unix_abstract(SOCK_DGRAM, "rmsg-scatter-s", &sa, &slen);
    CHECK(sendto(s, "addr", 4, 0, (struct sockaddr *)&ra, rlen) == 4);
    CHECK_OK(rmsg_recvmsg_into(r, &iov, 1, 0, 0, NULL, &n, &m));
    CHECK(n == 4);
    addr = rmsg_message_address(m);
    CHECK(addr != NULL);
    CHECK(rmsg_address_kind(addr) == RMSG_ADDRESS_UNIX_ABSTRACT);
    CHECK_OK(rmsg_address_unix(addr, &name, &len));
    CHECK_BYTES(name, len, sa.sun_path, slen - offsetof(struct sockaddr_un, sun_path));
    rmsg_message_free(m);
    close(r);
    close(s);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_datagram_split_across_buffers);
    RUN(test_zero_length_buffers_are_skipped);
    RUN(test_short_buffers_truncate_datagram);
    RUN(test_stream_split_and_remainder);
    RUN(test_peek_then_read);
    RUN(test_fds_are_owned_by_the_message);
    RUN(test_taken_fds_survive_free);
    RUN(test_no_cloexec_option);
    RUN(test_empty_buffer_list);
    RUN(test_null_arguments);
    RUN(test_bad_descriptors);
    RUN(test_more_buffers_than_iov_max);
    RUN(test_options_are_honoured);
    RUN(test_address_is_kept);
    TEST_END();
}
