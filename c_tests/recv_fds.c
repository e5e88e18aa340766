/*
 * rmsg_recv_fds, the seed's recv_fds helper: data plus at most maxfds
 * descriptors, with a control buffer of CMSG_LEN(maxfds * sizeof(int));
 * unrelated control messages ignored; nothing left open beyond what the
 * caller receives.
 */
#include "helpers.h"

/* n fresh pipes; fds[2i], fds[2i+1] are the ends of pipe i. */
static void make_pipes(int *fds, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) make_pipe(&fds[2 * i]);
}

static void close_all(const int *fds, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) close(fds[i]);
}

static void test_data_and_fds(int type) {
    int sv[2], p[4], got[8], flags = -1;
    size_t i, nbytes = 99, nfds = 99;
    char buf[32];
    int before;
    unix_pair(type, sv);
    make_pipes(p, 2);
    for (i = 0; i < 8; i++) got[i] = -7;
    send_with_fds(sv[0], "hello", 5, p, 3);
    before = open_fd_count();
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 8, 0, &nbytes,
                           &nfds, &flags));
    CHECK_BYTES(buf, nbytes, "hello", 5);
    CHECK(nfds == 3);
    CHECK(flags == 0);
    CHECK(open_fd_count() == before + 3);
    for (i = 0; i < 3; i++) {
        CHECK(same_file(got[i], p[i]));
        CHECK(got[i] != p[i]);
        /* Default options: close-on-exec. */
        CHECK(fd_is_cloexec(got[i]));
    }
    for (i = 3; i < 8; i++) CHECK(got[i] == -7);
    /* The received write end of the first pipe is the real thing. */
    CHECK(write(got[1], "z", 1) == 1);
    CHECK(read(p[0], buf, 1) == 1 && buf[0] == 'z');
    close_all(got, 3);
    close_all(p, 4);
    close_pair(sv);
}

static void test_data_and_fds_stream(void) { test_data_and_fds(SOCK_STREAM); }

static void test_data_and_fds_dgram(void) { test_data_and_fds(SOCK_DGRAM); }

/* More descriptors sent than maxfds: the caller gets the first maxfds, in
 * order; the rest are never left open (the buffer only has room for
 * maxfds, so the kernel does not install them) and MSG_CTRUNC says so. */
static void test_more_fds_than_maxfds(void) {
    int sv[2], p[6], got[2] = {-7, -7}, flags = 0;
    size_t nbytes = 0, nfds = 0;
    char buf[8];
    int before;
    unix_pair(SOCK_DGRAM, sv);
    make_pipes(p, 3);
    send_with_fds(sv[0], "m", 1, p, 6);
    before = open_fd_count();
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 2, 0, &nbytes, &nfds,
                           &flags));
    CHECK(nbytes == 1 && buf[0] == 'm');
    CHECK(nfds == 2);
    CHECK((flags & MSG_CTRUNC) != 0);
    CHECK(open_fd_count() == before + 2);
    CHECK(same_file(got[0], p[0]) && same_file(got[1], p[1]));
    close_all(got, 2);
    CHECK(open_fd_count() == before);
    close_all(p, 6);
    close_pair(sv);
}

/* Fewer descriptors sent than maxfds, and none at all. */
static void test_fewer_fds_than_maxfds(void) {
    int sv[2], p[2], got[4] = {-7, -7, -7, -7}, flags = -1;
    size_t nbytes = 0, nfds = 99;
    char buf[8];
    int before;
    unix_pair(SOCK_STREAM, sv);
    make_pipe(p);
    CHECK(send(sv[0], "none", 4, 0) == 4);
    before = open_fd_count();
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 4, 0, &nbytes, &nfds,
                           &flags));
    CHECK(nbytes == 4 && nfds == 0 && flags == 0);
    CHECK(got[0] == -7);
    CHECK(open_fd_count() == before);
    send_with_fds(sv[0], "one", 3, &p[1], 1);
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 4, 0, &nbytes, &nfds,
                           &flags));
    CHECK(nbytes == 3 && nfds == 1 && flags == 0);
    CHECK(same_file(got[0], p[1]));
    CHECK(got[1] == -7);
    close(got[0]);
    close_pair(p);
    close_pair(sv);
}

/* SO_PASSCRED adds an SCM_CREDENTIALS item, which recv_fds ignores. As in
 * the seed's helper, the control buffer is sized for the descriptors only
 * (CMSG_LEN(maxfds * sizeof(int))), so the credentials take room from it:
 * with maxfds 2 the credentials fill it and no descriptor is installed
 * (MSG_CTRUNC); with a larger maxfds the descriptors that fit after the
 * credentials arrive. In every case nothing is left open. */
static void test_unrelated_items_ignored(void) {
    int sv[2], p[4], got[16], flags = 0;
    size_t i, nbytes = 0, nfds = 99;
    char buf[8];
    int before;
    passcred_pair(sv);
    make_pipes(p, 2);
    for (i = 0; i < 16; i++) got[i] = -7;
    before = open_fd_count();

    send_with_fds(sv[0], "u", 1, p, 2);
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 2, 0, &nbytes, &nfds,
                           &flags));
    CHECK(nbytes == 1 && nfds == 0);
    CHECK((flags & MSG_CTRUNC) != 0);
    CHECK(got[0] == -7);
    CHECK(open_fd_count() == before);

    /* CMSG_LEN(16 * 4) leaves room for the credentials and then some. */
    send_with_fds(sv[0], "v", 1, p, 3);
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 16, 0, &nbytes, &nfds,
                           &flags));
    CHECK(nbytes == 1 && buf[0] == 'v');
    CHECK(nfds == 3);
    CHECK((flags & MSG_CTRUNC) == 0);
    for (i = 0; i < 3; i++) CHECK(same_file(got[i], p[i]));
    for (i = 3; i < 16; i++) CHECK(got[i] == -7);
    CHECK(open_fd_count() == before + 3);
    close_all(got, 3);

    /* Credentials alone (no descriptors sent). */
    CHECK(send(sv[0], "w", 1, 0) == 1);
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 16, 0, &nbytes, &nfds,
                           &flags));
    CHECK(nbytes == 1 && nfds == 0 && (flags & MSG_CTRUNC) == 0);
    CHECK(open_fd_count() == before);
    close_all(p, 4);
    close_pair(sv);
}

/* maxfds 0: fds may be NULL; a header-only buffer installs nothing. */
static void test_maxfds_zero(void) {
    int sv[2], p[2], flags = 0;
    size_t nbytes = 0, nfds = 99;
    char buf[8];
    int before;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "zero", 4, p, 2);
    before = open_fd_count();
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, NULL, 0, 0, &nbytes, &nfds,
                           &flags));
    CHECK_BYTES(buf, nbytes, "zero", 4);
    CHECK(nfds == 0);
    CHECK((flags & MSG_CTRUNC) != 0);
    CHECK(open_fd_count() == before);
    /* Without descriptors there is nothing to cut. */
    CHECK(send(sv[0], "ok", 2, 0) == 2);
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, NULL, 0, 0, &nbytes, &nfds,
                           &flags));
    CHECK(nbytes == 2 && nfds == 0 && flags == 0);
    close_pair(p);
    close_pair(sv);
}

static void test_msg_flags_out_may_be_null(void) {
    int sv[2], p[2], got[2] = {-1, -1};
    size_t nbytes = 0, nfds = 0;
    char buf[8];
    unix_pair(SOCK_STREAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "n", 1, p, 2);
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 2, 0, &nbytes, &nfds,
                           NULL));
    CHECK(nbytes == 1 && nfds == 2);
    close_all(got, 2);
    close_pair(p);
    close_pair(sv);
}

/* A datagram longer than the buffer: MSG_TRUNC; with MSG_TRUNC in the flags
 * argument nbytes is the full length. Descriptors still arrive. A NULL
 * buffer of length 0 receives descriptors only. */
static void test_data_truncation_and_empty_buffer(void) {
    int sv[2], p[2], got[2] = {-1, -1}, flags = 0;
    size_t nbytes = 0, nfds = 0;
    char buf[4];
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "0123456789", 10, p, 1);
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 2, 0, &nbytes, &nfds,
                           &flags));
    CHECK_BYTES(buf, nbytes, "0123", 4);
    CHECK((flags & MSG_TRUNC) != 0);
    CHECK(nfds == 1);
    close(got[0]);
    send_with_fds(sv[0], "0123456789", 10, p, 1);
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 2, MSG_TRUNC, &nbytes,
                           &nfds, &flags));
    CHECK(nbytes == 10);
    CHECK(nfds == 1);
    close(got[0]);
    send_with_fds(sv[0], "abc", 3, p, 2);
    CHECK_OK(rmsg_recv_fds(sv[1], NULL, 0, got, 2, 0, &nbytes, &nfds, &flags));
    CHECK(nbytes == 0);
    CHECK((flags & MSG_TRUNC) != 0);
    CHECK(nfds == 2);
    CHECK(same_file(got[0], p[0]) && same_file(got[1], p[1]));
    close_all(got, 2);
    close_pair(p);
    close_pair(sv);
}

/* MSG_PEEK through recv_fds: the caller owns the peeked copies too. */
static void test_peek(void) {
    int sv[2], p[2], a[2] = {-1, -1}, b[2] = {-1, -1};
    size_t nbytes = 0, nfds = 0;
    char buf[8];
    int before;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "pk", 2, p, 2);
    before = open_fd_count();
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, a, 2, MSG_PEEK, &nbytes, &nfds,
                           NULL));
    CHECK(nbytes == 2 && nfds == 2);
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, b, 2, 0, &nbytes, &nfds, NULL));
    CHECK(nbytes == 2 && nfds == 2);
    CHECK(a[0] != b[0] && same_file(a[0], b[0]));
    CHECK(open_fd_count() == before + 4);
    close_all(a, 2);
    close_all(b, 2);
    close_pair(p);
    close_pair(sv);
}

/* Missing outputs are refused before anything is received: the message is
 * still there afterwards and nothing was written. */
static void test_bad_arguments(void) {
    int sv[2], p[2], got[2] = {-7, -7}, flags = 77;
    size_t nbytes = 99, nfds = 99;
    char buf[8];
    int before;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    send_with_fds(sv[0], "b", 1, p, 2);
    before = open_fd_count();
    errno = 0;
    CHECK_STATUS(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 2, 0, NULL, &nfds,
                               &flags),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK(errno == EINVAL && rmsg_last_errno() == EINVAL);
    CHECK_STATUS(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 2, 0, &nbytes, NULL,
                               &flags),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, NULL, 2, 0, &nbytes,
                               &nfds, &flags),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_recv_fds(sv[1], NULL, 4, got, 2, 0, &nbytes, &nfds, &flags),
                 RMSG_ERR_NULL_ARGUMENT);
    CHECK(nbytes == 99 && nfds == 99 && flags == 77);
    CHECK(got[0] == -7 && got[1] == -7);
    CHECK(open_fd_count() == before);
    /* Bad descriptors. */
    CHECK_STATUS(rmsg_recv_fds(-1, (uint8_t *)buf, sizeof buf, got, 2, 0, &nbytes, &nfds,
                               &flags),
                 RMSG_ERR_BAD_FD);
    CHECK_STATUS(rmsg_recv_fds(p[0], (uint8_t *)buf, sizeof buf, got, 2, 0, &nbytes, &nfds,
                               &flags),
                 RMSG_ERR_NOT_A_SOCKET);
    CHECK(errno == ENOTSOCK && rmsg_last_errno() == ENOTSOCK);
    CHECK(nbytes == 99 && nfds == 99 && flags == 77 && got[0] == -7);
    /* A maxfds no array can have (what a binding's -1 turns into) is a
     * status, not a crash: rmsg must not even form a slice that long. */
    CHECK_STATUS(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, (size_t)-1, 0,
                               &nbytes, &nfds, &flags),
                 RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, (size_t)-1 / 2, 0,
                               &nbytes, &nfds, &flags),
                 RMSG_ERR_TOO_LARGE);
    CHECK(errno == EOVERFLOW && rmsg_last_errno() == EOVERFLOW);
    CHECK(nbytes == 99 && nfds == 99 && flags == 77 && got[0] == -7);
    /* The message was not consumed. */
    CHECK_OK(rmsg_recv_fds(sv[1], (uint8_t *)buf, sizeof buf, got, 2, 0, &nbytes, &nfds,
                           &flags));
    CHECK(nbytes == 1 && buf[0] == 'b' && nfds == 2);
    close_all(got, 2);
    close_pair(p);
    close_pair(sv);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_data_and_fds_stream);
    RUN(test_data_and_fds_dgram);
    RUN(test_more_fds_than_maxfds);
    RUN(test_fewer_fds_than_maxfds);
    RUN(test_unrelated_items_ignored);
    RUN(test_maxfds_zero);
    RUN(test_msg_flags_out_may_be_null);
    RUN(test_data_truncation_and_empty_buffer);
    RUN(test_peek);
    RUN(test_bad_arguments);
    TEST_END();
}
