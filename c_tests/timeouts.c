/*
 * Waiting: RMSG_WAIT_DEADLINE (timed out, immediate data, data arriving in
 * time, a zero timeout polls), RMSG_WAIT_NONBLOCK, O_NONBLOCK sockets,
 * MSG_DONTWAIT, EOF on a stream, and a deadline receive of the error queue.
 *
 * Time is only checked loosely: a timed-out call took at least its timeout
 * (CLOCK_MONOTONIC); there is no upper bound.
 */
#include "helpers.h"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdint.h>
#include <time.h>

#define MS 1000000ull

/* Child: sleeps `ms`, then sends `data` on `sock`. */
static pid_t spawn_delayed_send(int sock, long ms, const char *data) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        sleep_ms(ms);
        if (send(sock, data, strlen(data), 0) != (ssize_t)strlen(data)) _exit(3);
        _exit(0);
    }
    return pid;
}

static void test_deadline_on_empty_socket_times_out(void) {
    int sv[2];
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, 200 * MS);
    uint64_t t0, t1;
    uint32_t st;
    int saved_errno;
    unix_pair(SOCK_DGRAM, sv);
    t0 = now_ns();
    st = rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m);
    saved_errno = errno;
    t1 = now_ns();
    CHECK_STATUS(st, RMSG_ERR_TIMED_OUT);
    CHECK(saved_errno == ETIMEDOUT);
    CHECK(rmsg_last_errno() == ETIMEDOUT);
    CHECK(m == UNTOUCHED);
    CHECK(t1 - t0 >= 200 * MS);
    close_pair(sv);
}

/* The scatter form honours the deadline the same way. */
static void test_deadline_on_empty_socket_times_out_into(void) {
    int sv[2];
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, 100 * MS);
    char buf[8];
    rmsg_iovec iov;
    size_t n = 777;
    uint64_t t0, t1;
    unix_pair(SOCK_STREAM, sv);
    iov = iov_of(buf, sizeof buf);
    t0 = now_ns();
    CHECK_STATUS(rmsg_recvmsg_into(sv[1], &iov, 1, 0, 0, &o, &n, &m), RMSG_ERR_TIMED_OUT);
    t1 = now_ns();
    CHECK(m == UNTOUCHED);
    CHECK(n == 777);
    CHECK(t1 - t0 >= 100 * MS);
    close_pair(sv);
}

/* A zero timeout on an empty socket is a poll: it times out at once. */
static void test_zero_timeout_on_empty_socket_times_out(void) {
    int sv[2];
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, 0);
    unix_pair(SOCK_DGRAM, sv);
    CHECK_STATUS(rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m), RMSG_ERR_TIMED_OUT);
    CHECK(rmsg_last_errno() == ETIMEDOUT);
    CHECK(m == UNTOUCHED);
    close_pair(sv);
}

/* Data already queued is returned even with a zero timeout. */
static void test_queued_data_with_zero_timeout(void) {
    int sv[2];
    rmsg_message *m = NULL;
    rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, 0);
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "ready", 5, 0) == 5);
    CHECK_OK(rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m));
    CHECK_DATA(m, "ready", 5);
    CHECK(rmsg_message_flags(m) == 0);
    rmsg_message_free(m);
    close_pair(sv);
}

/* Data that arrives while the call waits ends the wait with RMSG_OK. */
static void test_data_arriving_before_deadline(void) {
    int sv[2];
    rmsg_message *m = NULL;
    rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, 30000 * MS);
    pid_t child;
    unix_pair(SOCK_DGRAM, sv);
    child = spawn_delayed_send(sv[0], 50, "in time");
    CHECK_OK(rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m));
    CHECK_DATA(m, "in time", 7);
    rmsg_message_free(m);
    reap(child);
    close_pair(sv);
}

/* A deadline also waits on an O_NONBLOCK socket (as a Python socket with a
 * timeout does): the socket's mode does not turn the wait into EAGAIN. */
static void test_deadline_waits_on_nonblocking_socket(void) {
    int sv[2];
    rmsg_message *m = NULL;
    rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, 30000 * MS);
    pid_t child;
    unix_pair(SOCK_DGRAM, sv);
    set_nonblocking(sv[1]);
    child = spawn_delayed_send(sv[0], 50, "later");
    CHECK_OK(rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m));
    CHECK_DATA(m, "later", 5);
    rmsg_message_free(m);
    reap(child);
    close_pair(sv);
}

/* A timeout too long to represent as a deadline waits as a blocking call. */
static void test_huge_timeout_receives_queued_data(void) {
    int sv[2];
    rmsg_message *m = NULL;
    rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, UINT64_MAX);
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "x", 1, 0) == 1);
    CHECK_OK(rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m));
    CHECK(rmsg_message_data_len(m) == 1);
    rmsg_message_free(m);
    close_pair(sv);
}

static void test_nonblock_on_empty_socket_would_block(void) {
    int sv[2];
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options o = recv_options(RMSG_WAIT_NONBLOCK, 0, 0);
    uint32_t st;
    int saved_errno;
    unix_pair(SOCK_DGRAM, sv);
    st = rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m);
    saved_errno = errno;
    CHECK_STATUS(st, RMSG_ERR_WOULD_BLOCK);
    CHECK(saved_errno == EAGAIN);
    CHECK(rmsg_last_errno() == EAGAIN);
    CHECK(m == UNTOUCHED);
    /* The socket itself stays blocking. */
    CHECK((fcntl(sv[1], F_GETFL) & O_NONBLOCK) == 0);
    /* With data queued the same options succeed. */
    CHECK(send(sv[0], "now", 3, 0) == 3);
    CHECK_OK(rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m));
    CHECK(rmsg_message_data_len(m) == 3);
    rmsg_message_free(m);
    close_pair(sv);
}

/* RMSG_WAIT_NONBLOCK ignores timeout_ns. */
static void test_nonblock_ignores_timeout(void) {
    int sv[2];
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options o = recv_options(RMSG_WAIT_NONBLOCK, 0, 30000 * MS);
    unix_pair(SOCK_DGRAM, sv);
    CHECK_STATUS(rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m), RMSG_ERR_WOULD_BLOCK);
    CHECK(m == UNTOUCHED);
    close_pair(sv);
}

static void test_o_nonblock_socket_with_default_options_would_block(void) {
    int sv[2];
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options zero;
    memset(&zero, 0, sizeof zero);
    unix_pair(SOCK_DGRAM, sv);
    set_nonblocking(sv[1]);
    CHECK_STATUS(rmsg_recvmsg(sv[1], 64, 0, 0, &m), RMSG_ERR_WOULD_BLOCK);
    CHECK(rmsg_last_errno() == EAGAIN);
    CHECK(m == UNTOUCHED);
    CHECK_STATUS(rmsg_recvmsg_with(sv[1], 64, 0, 0, NULL, &m), RMSG_ERR_WOULD_BLOCK);
    CHECK_STATUS(rmsg_recvmsg_with(sv[1], 64, 0, 0, &zero, &m), RMSG_ERR_WOULD_BLOCK);
    CHECK(m == UNTOUCHED);
    close_pair(sv);
}

static void test_msg_dontwait_would_block(void) {
    int sv[2];
    rmsg_message *m = UNTOUCHED;
    unix_pair(SOCK_STREAM, sv);
    CHECK_STATUS(rmsg_recvmsg(sv[1], 64, 0, MSG_DONTWAIT, &m), RMSG_ERR_WOULD_BLOCK);
    CHECK(rmsg_last_errno() == EAGAIN);
    CHECK(m == UNTOUCHED);
    close_pair(sv);
}

/* A stream whose peer closed gives end of file: RMSG_OK with 0 bytes, in
 * every wait mode (EOF is not "would block"). */
static void test_stream_eof_is_ok_with_zero_bytes(void) {
    int sv[2];
    rmsg_message *m = NULL;
    rmsg_recv_options nb = recv_options(RMSG_WAIT_NONBLOCK, 0, 0);
    rmsg_recv_options dl = recv_options(RMSG_WAIT_DEADLINE, 0, 30000 * MS);
    unix_pair(SOCK_STREAM, sv);
    CHECK(send(sv[0], "last", 4, 0) == 4);
    close(sv[0]);
    CHECK_OK(rmsg_recvmsg(sv[1], 64, 0, 0, &m));
    CHECK(rmsg_message_data_len(m) == 4);
    rmsg_message_free(m);
    m = NULL;
    CHECK_OK(rmsg_recvmsg(sv[1], 64, 0, 0, &m));
    CHECK(m != NULL);
    CHECK(rmsg_message_data_len(m) == 0);
    CHECK(rmsg_message_nbytes(m) == 0);
    CHECK(rmsg_message_item_count(m) == 0);
    rmsg_message_free(m);
    m = NULL;
    CHECK_OK(rmsg_recvmsg_with(sv[1], 64, 0, 0, &nb, &m));
    CHECK(rmsg_message_nbytes(m) == 0);
    rmsg_message_free(m);
    m = NULL;
    CHECK_OK(rmsg_recvmsg_with(sv[1], 64, 0, 0, &dl, &m));
    CHECK(rmsg_message_nbytes(m) == 0);
    rmsg_message_free(m);
    close(sv[1]);
}

/* Unknown wait modes and option bits are rejected before any receive. */
static void test_invalid_options_are_rejected(void) {
    int sv[2];
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options o;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(send(sv[0], "kept", 4, 0) == 4);
    memset(&o, 0, sizeof o);
    o.wait = 3;
    CHECK_STATUS(rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m), RMSG_ERR_INVALID_ARGUMENT);
    CHECK(rmsg_last_errno() == EINVAL);
    memset(&o, 0, sizeof o);
    o.flags = 0x80000000u;
    CHECK_STATUS(rmsg_recvmsg_with(sv[1], 64, 0, 0, &o, &m), RMSG_ERR_INVALID_ARGUMENT);
    CHECK(m == UNTOUCHED);
    /* Nothing was consumed. */
    CHECK_OK(rmsg_recvmsg(sv[1], 64, 0, MSG_DONTWAIT, &m));
    CHECK(rmsg_message_data_len(m) == 4);
    rmsg_message_free(m);
    close_pair(sv);
}

/* MSG_ERRQUEUE with a deadline: the ICMP port-unreachable for a datagram
 * sent to a closed loopback port lands on the error queue (IP_RECVERR), and
 * a deadline receive with MSG_ERRQUEUE returns it (the wait sees POLLERR). */
static void test_deadline_receive_of_error_queue(void) {
    struct sockaddr_storage dst;
    struct sock_extended_err ee;
    rmsg_message *m = NULL;
    rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, 30000 * MS);
    rmsg_inet_address ia;
    const rmsg_item *it;
    const rmsg_address *addr;
    uint16_t port;
    size_t i, found = 0;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    set_int(s, IPPROTO_IP, IP_RECVERR, 1);
    /* A port on 127.0.0.1 that nobody listens on: bound, read, closed. */
    close(udp_loopback(AF_INET, &dst, &port));
    CHECK(connect(s, (struct sockaddr *)&dst, inet_name_len(&dst)) == 0);
    CHECK(send(s, "ping", 4, 0) == 4);
    CHECK_OK(rmsg_recvmsg_with(s, 64, 512, MSG_ERRQUEUE, &o, &m));
    CHECK((rmsg_message_flags(m) & MSG_ERRQUEUE) != 0);
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) == 0);
    /* The data is the payload of the datagram that bounced. */
    CHECK_DATA(m, "ping", 4);
    /* The address is where it was sent. */
    addr = rmsg_message_address(m);
    CHECK(addr != NULL);
    CHECK_OK(rmsg_address_inet(addr, &ia));
    CHECK(ia.addr[0] == 127 && ia.addr[1] == 0 && ia.addr[2] == 0 && ia.addr[3] == 1);
    CHECK(ia.port == port);
    for (i = 0; i < rmsg_message_item_count(m); i++) {
        it = rmsg_message_item(m, i);
        if (rmsg_item_level(it) != IPPROTO_IP || rmsg_item_type(it) != IP_RECVERR) continue;
        found++;
        CHECK(!rmsg_item_truncated(it));
        CHECK(rmsg_item_data_len(it) >= sizeof ee);
        memcpy(&ee, rmsg_item_data(it), sizeof ee);
        CHECK(ee.ee_errno == ECONNREFUSED);
        CHECK(ee.ee_origin == SO_EE_ORIGIN_ICMP);
    }
    CHECK(found == 1);
    rmsg_message_free(m);
    /* The queue is now empty: a zero-timeout poll of it times out. */
    o = recv_options(RMSG_WAIT_DEADLINE, 0, 0);
    m = UNTOUCHED;
    CHECK_STATUS(rmsg_recvmsg_with(s, 64, 512, MSG_ERRQUEUE, &o, &m), RMSG_ERR_TIMED_OUT);
    CHECK(m == UNTOUCHED);
    close(s);
}

/* The same, but the datagram is sent (by a child, on the shared socket)
 * only after the receive has found the error queue empty and is waiting:
 * the wait must end when the error is queued, well before the deadline. */
static void test_deadline_receive_waits_for_error_queue(void) {
    struct sockaddr_storage dst;
    struct sock_extended_err ee;
    rmsg_message *m = NULL;
    rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, 30000 * MS);
    const rmsg_item *it;
    pid_t child;
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(s >= 0);
    set_int(s, IPPROTO_IP, IP_RECVERR, 1);
    close(udp_loopback(AF_INET, &dst, NULL)); /* a closed port, as above */
    CHECK(connect(s, (struct sockaddr *)&dst, inet_name_len(&dst)) == 0);
    child = spawn_delayed_send(s, 50, "late ping");
    CHECK_OK(rmsg_recvmsg_with(s, 64, 512, MSG_ERRQUEUE, &o, &m));
    reap(child);
    CHECK((rmsg_message_flags(m) & MSG_ERRQUEUE) != 0);
    CHECK_DATA(m, "late ping", 9);
    CHECK(rmsg_message_item_count(m) == 1);
    it = rmsg_message_item(m, 0);
    CHECK(rmsg_item_level(it) == IPPROTO_IP);
    CHECK(rmsg_item_type(it) == IP_RECVERR);
    CHECK(rmsg_item_data_len(it) >= sizeof ee);
    memcpy(&ee, rmsg_item_data(it), sizeof ee);
    CHECK(ee.ee_errno == ECONNREFUSED);
    CHECK(ee.ee_origin == SO_EE_ORIGIN_ICMP);
    rmsg_message_free(m);
    close(s);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_deadline_on_empty_socket_times_out);
    RUN(test_deadline_on_empty_socket_times_out_into);
    RUN(test_zero_timeout_on_empty_socket_times_out);
    RUN(test_queued_data_with_zero_timeout);
    RUN(test_data_arriving_before_deadline);
    RUN(test_deadline_waits_on_nonblocking_socket);
    RUN(test_huge_timeout_receives_queued_data);
    RUN(test_nonblock_on_empty_socket_would_block);
    RUN(test_nonblock_ignores_timeout);
    RUN(test_o_nonblock_socket_with_default_options_would_block);
    RUN(test_msg_dontwait_would_block);
    RUN(test_stream_eof_is_ok_with_zero_bytes);
    RUN(test_invalid_options_are_rejected);
    RUN(test_deadline_receive_of_error_queue);
    RUN(test_deadline_receive_waits_for_error_queue);
    TEST_END();
}
