/*
 * The reusable receiver and batch receive: messages received into memory
 * allocated once, nothing carried over from one receive to the next,
 * descriptors owned per message and closed at the next receive, MSG_TRUNC
 * and MSG_CTRUNC per slot, source addresses and IP_PKTINFO per message
 * from several senders, UDP GRO segments, waiting (non-blocking, deadline,
 * a signal storm during a blocking receive), and a failure after the
 * syscall closing every descriptor of the batch.
 */
#include "net_helpers.h"
#include "testing.h"

#include <pthread.h>
#include <signal.h>

/* A pipe whose write end is passed around: once every copy of the write
 * end is closed, the read end sees end-of-file. */
typedef struct {
    int r, w;
} watch;

static watch watch_new(void) {
    int p[2];
    watch w;
    make_pipe(p);
    set_nonblocking(p[0]);
    w.r = p[0];
    w.w = p[1];
    return w;
}

/* True when no copy of the watch's write end is open any more. */
static int watch_gone(const watch *w) {
    char c;
    ssize_t n = read(w->r, &c, 1);
    if (n == 0) return 1;
    CHECK(n < 0 && errno == EAGAIN);
    return 0;
}

/* Sends `data` with the write end of each watch, then closes our copies. */
static void send_watches(int sock, const char *data, watch *w, size_t n) {
    int fds[8];
    size_t i;
    CHECK(n <= 8);
    for (i = 0; i < n; i++) fds[i] = w[i].w;
    send_with_fds(sock, data, strlen(data), fds, n);
    for (i = 0; i < n; i++) {
        close(w[i].w);
        w[i].w = -1;
    }
}

static void close_watches(watch *w, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        close(w[i].r);
        if (w[i].w >= 0) close(w[i].w);
    }
}

/* A datagram pair whose sender has a name, so that the receiver sees a
 * source address: sv[0] sends to sv[1]. */
static void named_pair(int sv[2]) {
    struct sockaddr_un rx;
    socklen_t len;
    sv[1] = unix_abstract(SOCK_DGRAM, "rmsg-batch-rx", &rx, &len);
    sv[0] = unix_abstract(SOCK_DGRAM, "rmsg-batch-tx", NULL, NULL);
    CHECK(connect(sv[0], (struct sockaddr *)&rx, len) == 0);
}

static void send_text(int sock, const char *data) {
    CHECK(send(sock, data, strlen(data), 0) == (ssize_t)strlen(data));
}

/* ---- The receiver ----------------------------------------------------- */

/* Control data, none, then control data again: nothing of one message is
 * carried into the next (a reused header must not keep a stale
 * msg_controllen), and descriptors not taken are closed at the next
 * receive. */
static void test_receiver_reuse_carries_nothing_over(void) {
    int sv[2], kept, got[1];
    size_t n, space;
    watch w[2];
    rmsg_receiver *r = NULL;
    rmsg_message *m = NULL, *first;
    unix_pair(SOCK_DGRAM, sv);
    w[0] = watch_new();
    w[1] = watch_new();
    CHECK_OK(rmsg_cmsg_space(4 * sizeof(int), &space));
    CHECK_OK(rmsg_receiver_new(64, space, NULL, &r));

    send_watches(sv[0], "one", &w[0], 1);
    CHECK_OK(rmsg_receiver_recv(r, sv[1], 0, NULL, &m));
    first = m;
    CHECK_DATA(m, "one", 3);
    CHECK(rmsg_message_item_count(m) == 1 && rmsg_message_fd_count(m) == 1);
    CHECK(!watch_gone(&w[0]));

    send_text(sv[0], "two, longer");
    CHECK_OK(rmsg_receiver_recv(r, sv[1], 0, NULL, &m));
    CHECK(m == first); /* the same message, filled again */
    CHECK(watch_gone(&w[0])); /* the descriptor not taken was closed */
    CHECK_DATA(m, "two, longer", 11);
    CHECK(rmsg_message_item_count(m) == 0 && rmsg_message_fd_count(m) == 0);
    CHECK((rmsg_message_flags(m) & (MSG_CTRUNC | MSG_TRUNC)) == 0);
    CHECK(rmsg_message_address(m) == NULL); /* an unbound peer has no name */

    send_watches(sv[0], "3", &w[1], 1);
    CHECK_OK(rmsg_receiver_recv(r, sv[1], 0, NULL, &m));
    CHECK_DATA(m, "3", 1);
    CHECK(rmsg_message_item_count(m) == 1);
    CHECK_OK(rmsg_message_take_fds(m, got, 1, &n));
    CHECK(n == 1);
    kept = got[0];
    /* rmsg_message_free leaves a receiver's message alone. */
    rmsg_message_free(m);
    CHECK(rmsg_message_item_count(m) == 1);
    rmsg_receiver_free(r);
    CHECK(!watch_gone(&w[1])); /* taken: ours now */
    close(kept);
    CHECK(watch_gone(&w[1]));
    close_watches(w, 2);
    close_pair(sv);
}

/* Options: the receiver's own for calls that pass none, a call's own
 * otherwise (non-blocking, no address, a deadline). */
static void test_receiver_options(void) {
    int sv[2];
    rmsg_receiver *r = NULL;
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options nb = recv_options(RMSG_WAIT_NONBLOCK, 0, 0);
    rmsg_recv_options noaddr = recv_options(RMSG_WAIT_NONBLOCK, RMSG_RECV_NO_ADDRESS, 0);
    rmsg_recv_options dl = recv_options(RMSG_WAIT_DEADLINE, 0, 30 * 1000000ull);
    uint64_t t0;
    named_pair(sv);
    CHECK_OK(rmsg_receiver_new(32, 0, &nb, &r));
    CHECK_STATUS(rmsg_receiver_recv(r, sv[1], 0, NULL, &m), RMSG_ERR_WOULD_BLOCK);
    CHECK(m == UNTOUCHED);
    t0 = now_ns();
    CHECK_STATUS(rmsg_receiver_recv(r, sv[1], 0, &dl, &m), RMSG_ERR_TIMED_OUT);
    CHECK(now_ns() - t0 >= 30 * 1000000ull);
    send_text(sv[0], "a");
    CHECK_OK(rmsg_receiver_recv(r, sv[1], 0, &noaddr, &m));
    CHECK(rmsg_message_address(m) == NULL);
    send_text(sv[0], "b");
    CHECK_OK(rmsg_receiver_recv(r, sv[1], 0, NULL, &m));
    CHECK(rmsg_message_address(m) != NULL);
    CHECK_DATA(m, "b", 1);
    /* MSG_PEEK leaves it queued, and its flags reach the kernel. */
    send_text(sv[0], "peeked");
    CHECK_OK(rmsg_receiver_recv(r, sv[1], MSG_PEEK, NULL, &m));
    CHECK_OK(rmsg_receiver_recv(r, sv[1], 0, NULL, &m));
    CHECK_DATA(m, "peeked", 6);
    rmsg_receiver_free(r);
    close_pair(sv);
}

static void test_receiver_bad_arguments(void) {
    int sv[2];
    rmsg_receiver *r = NULL;
    rmsg_message *m = UNTOUCHED;
    rmsg_recv_options bad = recv_options(9, 0, 0);
    unix_pair(SOCK_DGRAM, sv);
    CHECK_STATUS(rmsg_receiver_new(16, 0, NULL, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_receiver_new(16, 0, &bad, &r), RMSG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(rmsg_receiver_new(16, (size_t)1 << 33, NULL, &r), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_receiver_new(SIZE_MAX, 0, NULL, &r), RMSG_ERR_TOO_LARGE);
    CHECK(r == NULL);
    CHECK_OK(rmsg_receiver_new(16, 0, NULL, &r));
    CHECK_STATUS(rmsg_receiver_recv(NULL, sv[1], 0, NULL, &m), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_receiver_recv(r, sv[1], 0, NULL, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_receiver_recv(r, -1, 0, NULL, &m), RMSG_ERR_BAD_FD);
    CHECK_STATUS(rmsg_receiver_recv(r, sv[1], 0, &bad, &m), RMSG_ERR_INVALID_ARGUMENT);
    CHECK(m == UNTOUCHED);
    rmsg_receiver_free(r);
    rmsg_receiver_free(NULL);
    close_pair(sv);
}

/* ---- The batch -------------------------------------------------------- */

/* Descriptors per message: taken from one, left in another, cut by a
 * control buffer too small for them in a third (MSG_CTRUNC, and only the
 * descriptors that fit arrive); those not taken are closed at the next
 * receive. */
static void test_batch_descriptors(void) {
    int sv[2], got[4];
    size_t n, count, space;
    watch w[5];
    rmsg_batch *b = NULL;
    rmsg_message *m;
    size_t i;
    unix_pair(SOCK_DGRAM, sv);
    for (i = 0; i < 5; i++) w[i] = watch_new();
    CHECK_OK(rmsg_cmsg_space(2 * sizeof(int), &space));
    CHECK_OK(rmsg_batch_new(8, 32, space, NULL, &b));
    CHECK(rmsg_batch_count(b) == 0 && rmsg_batch_message(b, 0) == NULL);
    send_watches(sv[0], "taken", &w[0], 1);
    send_watches(sv[0], "left", &w[1], 1);
    send_watches(sv[0], "cut", &w[2], 3); /* two fit */
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, NULL, &count));
    CHECK(count == 3 && rmsg_batch_count(b) == 3);
    CHECK(rmsg_batch_message(b, 3) == NULL);
    m = rmsg_batch_message(b, 0);
    CHECK_DATA(m, "taken", 5);
    CHECK_OK(rmsg_message_take_fds(m, got, 4, &n));
    CHECK(n == 1);
    m = rmsg_batch_message(b, 1);
    CHECK_DATA(m, "left", 4);
    CHECK(rmsg_message_fd_count(m) == 1);
    CHECK((rmsg_message_flags(m) & MSG_CTRUNC) == 0);
    m = rmsg_batch_message(b, 2);
    CHECK_DATA(m, "cut", 3);
    CHECK(rmsg_message_flags(m) & MSG_CTRUNC);
    CHECK(rmsg_message_fd_count(m) == 2);
    CHECK(watch_gone(&w[4])); /* the kernel closed the one that did not fit */
    /* rmsg_message_free leaves a batch's message alone. */
    rmsg_message_free(m);
    CHECK(rmsg_message_fd_count(m) == 2);
    CHECK(!watch_gone(&w[1]) && !watch_gone(&w[2]) && !watch_gone(&w[3]));
    /* The next receive forgets the last batch: its descriptors not taken
     * are closed, the taken one stays ours. */
    send_text(sv[0], "next");
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, NULL, &count));
    CHECK(count == 1);
    CHECK_DATA(rmsg_batch_message(b, 0), "next", 4);
    CHECK(rmsg_message_item_count(rmsg_batch_message(b, 0)) == 0);
    CHECK((rmsg_message_flags(rmsg_batch_message(b, 0)) & MSG_CTRUNC) == 0);
    CHECK(watch_gone(&w[1]) && watch_gone(&w[2]) && watch_gone(&w[3]));
    CHECK(!watch_gone(&w[0]));
    close(got[0]);
    CHECK(watch_gone(&w[0]));
    /* Freeing the batch closes what its messages still own. */
    close(w[0].r);
    w[0] = watch_new();
    send_watches(sv[0], "at free", &w[0], 1);
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, NULL, &count));
    rmsg_batch_free(b);
    CHECK(watch_gone(&w[0]));
    close_watches(w, 5);
    close_pair(sv);
}

/* Each slot reports its own MSG_TRUNC, and a later, larger batch rearms
 * every slot: slots used before and slots never used alike. */
static void test_batch_truncation_per_slot(void) {
    int sv[2];
    size_t count, i;
    static char big[100];
    rmsg_batch *b = NULL;
    unix_pair(SOCK_DGRAM, sv);
    memset(big, 'x', sizeof big);
    CHECK_OK(rmsg_batch_new(4, 50, 0, NULL, &b));
    send_text(sv[0], "short");
    CHECK(send(sv[0], big, sizeof big, 0) == (ssize_t)sizeof big);
    send_text(sv[0], "end");
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, NULL, &count));
    CHECK(count == 3);
    CHECK((rmsg_message_flags(rmsg_batch_message(b, 0)) & MSG_TRUNC) == 0);
    CHECK(rmsg_message_flags(rmsg_batch_message(b, 1)) & MSG_TRUNC);
    CHECK(rmsg_message_data_len(rmsg_batch_message(b, 1)) == 50);
    CHECK((rmsg_message_flags(rmsg_batch_message(b, 2)) & MSG_TRUNC) == 0);
    CHECK_DATA(rmsg_batch_message(b, 2), "end", 3);
    for (i = 0; i < 4; i++) send_text(sv[0], "full");
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, NULL, &count));
    CHECK(count == 4);
    for (i = 0; i < 4; i++) {
        CHECK_DATA(rmsg_batch_message(b, i), "full", 4);
        CHECK(rmsg_message_flags(rmsg_batch_message(b, i)) == 0);
    }
    /* MSG_TRUNC in the flags argument: the full length of each datagram. */
    CHECK(send(sv[0], big, sizeof big, 0) == (ssize_t)sizeof big);
    CHECK_OK(rmsg_batch_recv(b, sv[1], MSG_TRUNC, NULL, &count));
    CHECK(count == 1 && rmsg_message_nbytes(rmsg_batch_message(b, 0)) == 100);
    CHECK(rmsg_message_data_len(rmsg_batch_message(b, 0)) == 50);
    rmsg_batch_free(b);
    close_pair(sv);
}

/* Datagrams from four senders on one UDP socket: each message has its own
 * source address and its own IP_PKTINFO destination. */
static void test_batch_mixed_udp_senders(void) {
    struct sockaddr_storage to;
    int rx = udp_loopback(AF_INET, &to, NULL), tx[4];
    uint16_t port[4];
    size_t count, i;
    rmsg_batch *b = NULL;
    size_t space;
    rmsg_cmsg_kind k = {IPPROTO_IP, IP_PKTINFO};
    set_int(rx, IPPROTO_IP, IP_PKTINFO, 1);
    CHECK_OK(rmsg_control_space(&k, 1, 0, &space));
    CHECK_OK(rmsg_batch_new(16, 64, space, NULL, &b));
    for (i = 0; i < 4; i++) {
        char text[16];
        tx[i] = udp_loopback(AF_INET, NULL, &port[i]);
        snprintf(text, sizeof text, "from %u", (unsigned)i);
        send_to(tx[i], &to, text, strlen(text));
    }
    CHECK_OK(rmsg_batch_recv(b, rx, 0, NULL, &count));
    CHECK(count == 4);
    for (i = 0; i < 4; i++) {
        rmsg_message *m = rmsg_batch_message(b, i);
        rmsg_inet_address src;
        rmsg_ip_pktinfo pi;
        char text[16];
        const rmsg_item *it = find_item(m, IPPROTO_IP, IP_PKTINFO);
        snprintf(text, sizeof text, "from %u", (unsigned)i);
        CHECK_DATA(m, text, strlen(text));
        CHECK_OK(rmsg_address_inet(rmsg_message_address(m), &src));
        CHECK(src.port == port[i] && src.addr[0] == 127 && src.addr[3] == 1);
        CHECK(it != NULL && rmsg_message_item_count(m) == 1);
        CHECK_OK(rmsg_item_ip_pktinfo(it, &pi));
        CHECK(pi.addr.addr[0] == 127 && pi.addr.addr[3] == 1 && pi.ifindex > 0);
        CHECK(rmsg_item_kind(it) == RMSG_KIND_IP_PKTINFO);
        close(tx[i]);
    }
    rmsg_batch_free(b);
    close(rx);
}

/* A pending socket error (an ICMP "port unreachable" on a UDP socket)
 * while datagrams are queued: Linux reports the error first, as the
 * status, and the queued messages stay for the next receive. (An error met
 * after some messages of one call arrived is returned with the next call,
 * as recvmmsg(2) does; that order cannot be forced from a test.) */
static void test_batch_pending_error(void) {
    struct sockaddr_storage rx_name, dead;
    int rx = udp_loopback(AF_INET, &rx_name, NULL), tx = udp_loopback(AF_INET, NULL, NULL);
    int closed = udp_loopback(AF_INET, &dead, NULL);
    size_t count = 0, i;
    rmsg_batch *b = NULL;
    rmsg_recv_options nb = recv_options(RMSG_WAIT_NONBLOCK, 0, 0);
    close(closed); /* nothing listens on `dead` now */
    for (i = 0; i < 3; i++) send_to(tx, &rx_name, "queued", 6);
    /* rx provokes an ICMP error: sk_err is set while datagrams are queued. */
    CHECK(connect(rx, (struct sockaddr *)&dead, inet_name_len(&dead)) == 0);
    CHECK(send(rx, "x", 1, 0) == 1);
    sleep_ms(20);
    CHECK_OK(rmsg_batch_new(8, 16, 0, &nb, &b));
    CHECK_STATUS(rmsg_batch_recv(b, rx, 0, NULL, &count), RMSG_ERR_OS);
    CHECK(rmsg_last_errno() == ECONNREFUSED);
    CHECK(count == 0 && rmsg_batch_count(b) == 0);
    CHECK_OK(rmsg_batch_recv(b, rx, 0, NULL, &count));
    CHECK(count == 3);
    for (i = 0; i < 3; i++) CHECK_DATA(rmsg_batch_message(b, i), "queued", 6);
    CHECK_STATUS(rmsg_batch_recv(b, rx, 0, NULL, &count), RMSG_ERR_WOULD_BLOCK);
    rmsg_batch_free(b);
    close(tx);
    close(rx);
}

/* Without addresses (RMSG_RECV_NO_ADDRESS), then with them again: every
 * slot is re-aimed. */
static void test_batch_address_switch(void) {
    int sv[2];
    size_t count, i;
    rmsg_batch *b = NULL;
    rmsg_recv_options noaddr = recv_options(RMSG_WAIT_BLOCK, RMSG_RECV_NO_ADDRESS, 0);
    named_pair(sv);
    CHECK_OK(rmsg_batch_new(3, 16, 0, &noaddr, &b));
    for (i = 0; i < 3; i++) send_text(sv[0], "x");
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, NULL, &count));
    CHECK(count == 3);
    for (i = 0; i < 3; i++) CHECK(rmsg_message_address(rmsg_batch_message(b, i)) == NULL);
    for (i = 0; i < 3; i++) send_text(sv[0], "y");
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, &(rmsg_recv_options){0, 0, 0}, &count));
    CHECK(count == 3);
    for (i = 0; i < 3; i++) CHECK(rmsg_message_address(rmsg_batch_message(b, i)) != NULL);
    rmsg_batch_free(b);
    close_pair(sv);
}

/* A UDP_SEGMENT sender and a UDP_GRO receiver on loopback: one coalesced
 * datagram, whose segments can be walked; a buffer too small for it cuts
 * it, visibly (MSG_TRUNC). */
static void test_gro_segments(void) {
    struct sockaddr_storage to;
    int rx = udp_loopback(AF_INET, &to, NULL), tx = socket(AF_INET, SOCK_DGRAM, 0);
    static char payload[4500];
    rmsg_cmsg_builder *cb = NULL;
    rmsg_address *dest = NULL;
    rmsg_iovec iov = iov_of(payload, sizeof payload);
    rmsg_receiver *r = NULL;
    rmsg_message *m;
    size_t sent, i, space, len;
    const uint8_t *seg;
    rmsg_cmsg_kind k = {SOL_UDP, UDP_GRO};
    CHECK(tx >= 0);
    for (i = 0; i < sizeof payload; i++) payload[i] = (char)('a' + i / 1000);
    set_int(rx, SOL_UDP, UDP_GRO, 1);
    CHECK_OK(rmsg_control_space(&k, 1, 0, &space));
    CHECK_OK(rmsg_receiver_new(65536, space, NULL, &r));
    CHECK_OK(rmsg_cmsg_builder_new(&cb));
    CHECK_OK(rmsg_cmsg_builder_add_udp_segment(cb, 1000));
    CHECK_OK(rmsg_address_from_inet(&(rmsg_inet_address){{127, 0, 0, 1},
                                                        ntohs(((struct sockaddr_in *)&to)->sin_port)},
                                    &dest));
    CHECK_OK(rmsg_sendmsg(tx, &iov, 1, cb, dest, 0, NULL, &sent));
    CHECK(sent == sizeof payload);
    CHECK_OK(rmsg_receiver_recv(r, rx, 0, NULL, &m));
    CHECK(rmsg_message_data_len(m) == sizeof payload);
    CHECK(rmsg_message_segment_size(m) == 1000);
    CHECK(rmsg_message_segment_count(m) == 5);
    for (i = 0; i < 5; i++) {
        CHECK_OK(rmsg_message_segment(m, i, &seg, &len));
        CHECK(len == (i < 4 ? 1000u : 500u));
        CHECK(seg[0] == 'a' + i && seg[len - 1] == 'a' + i);
    }
    CHECK_STATUS(rmsg_message_segment(m, 5, &seg, &len), RMSG_ERR_INVALID_ARGUMENT);
    rmsg_receiver_free(r);
    /* Too small a buffer: MSG_TRUNC, and the segments end where the data does. */
    CHECK_OK(rmsg_receiver_new(2500, space, NULL, &r));
    CHECK_OK(rmsg_sendmsg(tx, &iov, 1, cb, dest, 0, NULL, &sent));
    CHECK_OK(rmsg_receiver_recv(r, rx, 0, NULL, &m));
    CHECK(rmsg_message_flags(m) & MSG_TRUNC);
    CHECK(rmsg_message_data_len(m) == 2500);
    CHECK(rmsg_message_segment_count(m) == 3);
    CHECK_OK(rmsg_message_segment(m, 2, &seg, &len));
    CHECK(len == 500);
    rmsg_receiver_free(r);
    /* Without a UDP_GRO item, the data is one segment. */
    CHECK_OK(rmsg_receiver_new(64, 0, NULL, &r));
    send_to(tx, &to, "plain", 5);
    CHECK_OK(rmsg_receiver_recv(r, rx, 0, NULL, &m));
    CHECK(rmsg_message_segment_size(m) == 0 && rmsg_message_segment_count(m) == 1);
    CHECK_OK(rmsg_message_segment(m, 0, &seg, &len));
    CHECK(len == 5 && memcmp(seg, "plain", 5) == 0);
    CHECK(rmsg_message_segment_count(NULL) == 0);
    rmsg_receiver_free(r);
    rmsg_address_free(dest);
    rmsg_cmsg_builder_free(cb);
    close(tx);
    close(rx);
}

/* Non-blocking and deadline receives of an empty socket. */
static void test_batch_waiting(void) {
    int sv[2];
    size_t count = 77;
    uint64_t t0;
    rmsg_batch *b = NULL;
    rmsg_recv_options nb = recv_options(RMSG_WAIT_NONBLOCK, 0, 0);
    rmsg_recv_options dl = recv_options(RMSG_WAIT_DEADLINE, 0, 40 * 1000000ull);
    unix_pair(SOCK_DGRAM, sv);
    CHECK_OK(rmsg_batch_new(8, 16, 0, NULL, &b));
    CHECK_STATUS(rmsg_batch_recv(b, sv[1], 0, &nb, &count), RMSG_ERR_WOULD_BLOCK);
    CHECK_STATUS(rmsg_batch_recv(b, sv[1], MSG_DONTWAIT, NULL, &count), RMSG_ERR_WOULD_BLOCK);
    t0 = now_ns();
    CHECK_STATUS(rmsg_batch_recv(b, sv[1], 0, &dl, &count), RMSG_ERR_TIMED_OUT);
    CHECK(now_ns() - t0 >= 40 * 1000000ull);
    CHECK(count == 77 && rmsg_batch_count(b) == 0);
    /* A deadline wait returns as soon as something arrives. */
    send_text(sv[0], "now");
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, &dl, &count));
    CHECK(count == 1);
    rmsg_batch_free(b);
    close_pair(sv);
}

static volatile sig_atomic_t signals_seen;
static void on_signal(int sig) {
    (void)sig;
    signals_seen++;
}

typedef struct {
    pthread_t target;
    int sock;
} storm_args;

/* Interrupts the receiving thread again and again, then sends. */
static void *storm(void *p) {
    storm_args *a = p;
    int i;
    for (i = 0; i < 200; i++) {
        pthread_kill(a->target, SIGUSR1);
        sleep_us(500);
    }
    send_text(a->sock, "after the storm");
    send_text(a->sock, "and one more");
    return NULL;
}

/* A blocking batch receive under a signal storm: every EINTR is retried
 * (handlers without SA_RESTART), and the messages arrive. */
static void test_batch_signal_storm(void) {
    int sv[2];
    size_t count = 0;
    struct sigaction sa, old;
    pthread_t t;
    storm_args a;
    rmsg_batch *b = NULL;
    unix_pair(SOCK_DGRAM, sv);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, &old) == 0);
    signals_seen = 0;
    CHECK_OK(rmsg_batch_new(8, 32, 0, NULL, &b));
    a.target = pthread_self();
    a.sock = sv[0];
    CHECK(pthread_create(&t, NULL, storm, &a) == 0);
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, NULL, &count));
    CHECK(count >= 1);
    CHECK_DATA(rmsg_batch_message(b, 0), "after the storm", 15);
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(signals_seen > 0);
    rmsg_batch_free(b);
    CHECK(sigaction(SIGUSR1, &old, NULL) == 0);
    close_pair(sv);
}

/* An allocation failure while decoding the first message of a batch of
 * three: the status says so and no descriptor of the batch stays open,
 * also those of the messages after it, which were never decoded. */
static void test_batch_failure_closes_every_descriptor(void) {
    int sv[2];
    size_t count = 77, i, space;
    watch w[3];
    rmsg_batch *b = NULL;
    if (!have_testing_hook()) {
        printf("skip %s: release build of librmsg (no testing hook)\n", __func__);
        return;
    }
    unix_pair(SOCK_DGRAM, sv);
    for (i = 0; i < 3; i++) w[i] = watch_new();
    CHECK_OK(rmsg_cmsg_space(sizeof(int), &space));
    CHECK_OK(rmsg_batch_new(4, 16, space, NULL, &b));
    for (i = 0; i < 3; i++) send_watches(sv[0], "fd", &w[i], 1);
    rmsg_testing_fail_after_syscall(1);
    CHECK_STATUS(rmsg_batch_recv(b, sv[1], 0, NULL, &count), RMSG_ERR_OUT_OF_MEMORY);
    CHECK(count == 77 && rmsg_batch_count(b) == 0);
    for (i = 0; i < 3; i++) CHECK(watch_gone(&w[i]));
    /* The batch works again. */
    send_text(sv[0], "ok");
    CHECK_OK(rmsg_batch_recv(b, sv[1], 0, NULL, &count));
    CHECK(count == 1);
    rmsg_batch_free(b);
    close_watches(w, 3);
    close_pair(sv);
}

static void test_batch_bad_arguments(void) {
    int sv[2];
    size_t count = 77;
    rmsg_batch *b = NULL;
    unix_pair(SOCK_DGRAM, sv);
    CHECK_STATUS(rmsg_batch_new(0, 16, 0, NULL, &b), RMSG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(rmsg_batch_new(RMSG_BATCH_MAX + 1, 16, 0, NULL, &b), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_batch_new(2, SIZE_MAX, 0, NULL, &b), RMSG_ERR_TOO_LARGE);
    CHECK_STATUS(rmsg_batch_new(2, 16, 0, NULL, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK(b == NULL);
    CHECK_OK(rmsg_batch_new(RMSG_BATCH_MAX, 16, 0, NULL, &b));
    CHECK_STATUS(rmsg_batch_recv(b, -1, 0, NULL, &count), RMSG_ERR_BAD_FD);
    CHECK_STATUS(rmsg_batch_recv(b, sv[1], 0, NULL, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_batch_recv(NULL, sv[1], 0, NULL, &count), RMSG_ERR_NULL_ARGUMENT);
    CHECK(count == 77);
    CHECK(rmsg_batch_count(NULL) == 0 && rmsg_batch_message(NULL, 0) == NULL);
    rmsg_batch_free(b);
    rmsg_batch_free(NULL);
    close_pair(sv);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_receiver_reuse_carries_nothing_over);
    RUN(test_receiver_options);
    RUN(test_receiver_bad_arguments);
    RUN(test_batch_descriptors);
    RUN(test_batch_truncation_per_slot);
    RUN(test_batch_mixed_udp_senders);
    RUN(test_batch_pending_error);
    RUN(test_batch_address_switch);
    RUN(test_gro_segments);
    RUN(test_batch_waiting);
    RUN(test_batch_signal_storm);
    RUN(test_batch_failure_closes_every_descriptor);
    RUN(test_batch_bad_arguments);
    TEST_END();
}
