/*
 * rmsg_sendmsg and rmsg_send_fds: gather, options, partial sends on a
 * stream, MSG_NOSIGNAL, descriptors passed both ways between two processes,
 * replying to a received address.
 */
#include <signal.h>

#include "send_helpers.h"

static void test_gather(void) {
    int sv[2];
    rmsg_iovec iov[3];
    rmsg_message *m;
    size_t n = 0;
    unix_pair(SOCK_DGRAM, sv);
    iov[0] = iov_of("ab", 2);
    iov[1] = iov_of(NULL, 0);
    iov[2] = iov_of("cdef", 4);
    CHECK_OK(rmsg_sendmsg(sv[0], iov, 3, NULL, NULL, 0, NULL, &n));
    CHECK(n == 6);
    m = recv_one(sv[1], 64, 0);
    CHECK_DATA(m, "abcdef", 6);
    rmsg_message_free(m);
    /* No buffers at all: an empty datagram. */
    CHECK_OK(rmsg_sendmsg(sv[0], NULL, 0, NULL, NULL, 0, NULL, &n));
    CHECK(n == 0);
    m = recv_one(sv[1], 64, 0);
    CHECK(rmsg_message_data_len(m) == 0);
    rmsg_message_free(m);
    close_pair(sv);
}

static void test_bad_arguments(void) {
    int sv[2], p[2];
    rmsg_iovec iov;
    rmsg_send_options o;
    size_t n = 77;
    unix_pair(SOCK_DGRAM, sv);
    make_pipe(p);
    iov = iov_of("x", 1);
    memset(&o, 0, sizeof o);
    CHECK_STATUS(rmsg_sendmsg(sv[0], &iov, 1, NULL, NULL, 0, NULL, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_sendmsg(sv[0], NULL, 1, NULL, NULL, 0, NULL, &n), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_sendmsg(-1, &iov, 1, NULL, NULL, 0, NULL, &n), RMSG_ERR_BAD_FD);
    CHECK_STATUS(rmsg_sendmsg(p[1], &iov, 1, NULL, NULL, 0, NULL, &n), RMSG_ERR_NOT_A_SOCKET);
    o.flags = 1u << 30;
    CHECK_STATUS(rmsg_sendmsg(sv[0], &iov, 1, NULL, NULL, 0, &o, &n), RMSG_ERR_INVALID_ARGUMENT);
    o.flags = 0;
    o.wait = 42;
    CHECK_STATUS(rmsg_sendmsg(sv[0], &iov, 1, NULL, NULL, 0, &o, &n), RMSG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(rmsg_send_fds(sv[0], NULL, 1, NULL, 0, 0, &n), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_send_fds(sv[0], (const uint8_t *)"x", 1, NULL, 1, 0, &n), RMSG_ERR_NULL_ARGUMENT);
    CHECK(n == 77);
    close_pair(p);
    close_pair(sv);
}

/* On a stream with a small send buffer, a non-blocking send of 1 MiB sends
 * part and says how much; the next one would block; a deadline times out. */
static void test_partial_send_on_stream(void) {
    int sv[2];
    size_t total = 1 << 20, n = 0, got = 0;
    uint8_t *big = malloc(total), *back = malloc(total);
    rmsg_iovec iov;
    rmsg_send_options o;
    CHECK(big != NULL && back != NULL);
    memset(big, 'z', total);
    unix_pair(SOCK_STREAM, sv);
    set_int(sv[0], SOL_SOCKET, SO_SNDBUF, 4096);
    set_int(sv[1], SOL_SOCKET, SO_RCVBUF, 4096);
    iov = iov_of(big, total);
    memset(&o, 0, sizeof o);
    o.wait = RMSG_WAIT_NONBLOCK;
    CHECK_OK(rmsg_sendmsg(sv[0], &iov, 1, NULL, NULL, 0, &o, &n));
    CHECK(n > 0 && n < total);
    CHECK_STATUS(rmsg_sendmsg(sv[0], &iov, 1, NULL, NULL, 0, &o, &n), RMSG_ERR_WOULD_BLOCK);
    CHECK(rmsg_last_errno() == EAGAIN);
    o.wait = RMSG_WAIT_DEADLINE;
    o.timeout_ns = 20000000; /* 20 ms */
    CHECK_STATUS(rmsg_sendmsg(sv[0], &iov, 1, NULL, NULL, 0, &o, &n), RMSG_ERR_TIMED_OUT);
    /* What was reported sent is exactly what arrives. */
    for (;;) {
        ssize_t r = recv(sv[1], back + got, total - got, MSG_DONTWAIT);
        if (r <= 0) break;
        got += (size_t)r;
    }
    CHECK(got == n);
    free(big);
    free(back);
    close_pair(sv);
}

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig) {
    (void)sig;
    sigpipes++;
}

/* Writing to a stream whose peer closed: RMSG_ERR_BROKEN_PIPE with EPIPE,
 * and no SIGPIPE (MSG_NOSIGNAL by default). With RMSG_SEND_ALLOW_SIGPIPE
 * the signal is raised as plain sendmsg would. */
static void test_broken_pipe_without_sigpipe(void) {
    int sv[2];
    rmsg_iovec iov;
    rmsg_send_options o;
    size_t n = 5;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigpipe;
    CHECK(sigaction(SIGPIPE, &sa, &old) == 0);
    unix_pair(SOCK_STREAM, sv);
    close(sv[1]);
    iov = iov_of("late", 4);
    sigpipes = 0;
    CHECK_STATUS(rmsg_sendmsg(sv[0], &iov, 1, NULL, NULL, 0, NULL, &n), RMSG_ERR_BROKEN_PIPE);
    CHECK(rmsg_last_errno() == EPIPE);
    CHECK(errno == EPIPE);
    CHECK(n == 5);
    CHECK(sigpipes == 0);
    CHECK_STATUS(rmsg_send_fds(sv[0], (const uint8_t *)"x", 1, NULL, 0, 0, &n), RMSG_ERR_BROKEN_PIPE);
    CHECK(sigpipes == 0);
    memset(&o, 0, sizeof o);
    o.flags = RMSG_SEND_ALLOW_SIGPIPE;
    CHECK_STATUS(rmsg_sendmsg(sv[0], &iov, 1, NULL, NULL, 0, &o, &n), RMSG_ERR_BROKEN_PIPE);
    CHECK(sigpipes == 1);
    CHECK(sigaction(SIGPIPE, &old, NULL) == 0);
    close(sv[0]);
}

/* Descriptors travel both ways between two processes using only rmsg: the
 * child sends the write end of its pipe with rmsg_send_fds, the parent gets
 * it with rmsg_recv_fds and writes through it; the parent sends the write
 * end of its own pipe with a builder and rmsg_sendmsg, the child gets it
 * with rmsg_recvmsg and writes back through it. */
static void child_side(int sock) {
    int p[2], w = -1;
    size_t n, count = 0;
    char buf[32];
    rmsg_message *m;
    make_pipe(p);
    CHECK_OK(rmsg_send_fds(sock, (const uint8_t *)"c2p", 3, &p[1], 1, 0, &n));
    CHECK(n == 3);
    close(p[1]);
    CHECK(read(p[0], buf, sizeof buf) == 11);
    CHECK(memcmp(buf, "from-parent", 11) == 0);
    close(p[0]);
    CHECK_OK(rmsg_recvmsg(sock, 16, CMSG_SPACE(sizeof(int)), 0, &m));
    CHECK_DATA(m, "p2c", 3);
    CHECK_OK(rmsg_message_take_fds(m, &w, 1, &count));
    CHECK(count == 1);
    rmsg_message_free(m);
    CHECK(write(w, "from-child", 10) == 10);
    close(w);
    close(sock);
}

static void test_fd_passing_between_processes(void) {
    int sv[2], q[2], w = -1;
    size_t n = 0, nfds = 0;
    uint8_t buf[16];
    char text[32];
    rmsg_cmsg_builder *b = NULL;
    rmsg_iovec iov;
    pid_t pid;
    unix_pair(SOCK_STREAM, sv);
    fflush(stdout); /* or the child would print the lines buffered so far again */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        close(sv[0]);
        child_side(sv[1]);
        exit(0);
    }
    close(sv[1]);
    CHECK_OK(rmsg_recv_fds(sv[0], buf, sizeof buf, &w, 1, 0, &n, &nfds, NULL));
    CHECK_BYTES(buf, n, "c2p", 3);
    CHECK(nfds == 1 && w >= 0 && fd_is_cloexec(w));
    CHECK(write(w, "from-parent", 11) == 11);
    close(w);

    make_pipe(q);
    CHECK_OK(rmsg_cmsg_builder_new(&b));
    CHECK_OK(rmsg_cmsg_builder_add_fds(b, &q[1], 1));
    iov = iov_of("p2c", 3);
    CHECK_OK(rmsg_sendmsg(sv[0], &iov, 1, b, NULL, 0, NULL, &n));
    CHECK(n == 3);
    rmsg_cmsg_builder_free(b);
    close(q[1]);
    CHECK(read(q[0], text, sizeof text) == 10);
    CHECK(memcmp(text, "from-child", 10) == 0);
    close(q[0]);
    reap(pid);
    close(sv[0]);
}

/* A UDP server replies to the address a request came from, borrowed from
 * the received message. */
static void test_reply_to_received_address(void) {
    rmsg_address *server_addr = NULL;
    int server = udp_loopback_address(AF_INET, &server_addr);
    int client = udp_loopback(AF_INET, NULL, NULL);
    rmsg_message *req, *resp;
    send_one(client, "ping", 4, NULL, server_addr);
    req = recv_one(server, 16, 0);
    CHECK(rmsg_message_address(req) != NULL);
    send_one(server, "pong", 4, NULL, rmsg_message_address(req));
    rmsg_message_free(req);
    resp = recv_one(client, 16, 0);
    CHECK_DATA(resp, "pong", 4);
    rmsg_message_free(resp);
    rmsg_address_free(server_addr);
    close(server);
    close(client);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_gather);
    RUN(test_bad_arguments);
    RUN(test_partial_send_on_stream);
    RUN(test_broken_pipe_without_sigpipe);
    RUN(test_fd_passing_between_processes);
    RUN(test_reply_to_received_address);
    TEST_END();
}
