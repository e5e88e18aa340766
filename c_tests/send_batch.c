/*
 * Batch send (rmsg_sendmmsg): several messages in one call, each with its
 * own buffers, control messages and destination; byte counts per message;
 * a partly sent batch reports how many went; GSO through UDP_SEGMENT;
 * every item checked before anything is sent.
 */
#include "send_helpers.h"

/* Three datagrams to three receivers, each with its own TTL, gathered
 * from two buffers each. */
static void test_batch_to_several_destinations(void) {
    int rx[3], tx = socket(AF_INET, SOCK_DGRAM, 0);
    rmsg_address *dest[3];
    rmsg_cmsg_builder *cb[3];
    rmsg_iovec iov[3][2];
    rmsg_send_item items[3];
    char head[3][8];
    size_t sent = 99, i;
    CHECK(tx >= 0);
    memset(items, 0, sizeof items);
    for (i = 0; i < 3; i++) {
        rx[i] = udp_loopback_address(AF_INET, &dest[i]);
        set_int(rx[i], IPPROTO_IP, IP_RECVTTL, 1);
        CHECK_OK(rmsg_cmsg_builder_new(&cb[i]));
        CHECK_OK(rmsg_cmsg_builder_add_ip_ttl(cb[i], (int)(10 + i)));
        snprintf(head[i], sizeof head[i], "msg%u-", (unsigned)i);
        iov[i][0] = iov_of(head[i], strlen(head[i]));
        iov[i][1] = iov_of("tail", 4);
        items[i].buffers = iov[i];
        items[i].buffer_count = 2;
        items[i].control = cb[i];
        items[i].address = dest[i];
        items[i].nbytes = 12345;
    }
    CHECK_OK(rmsg_sendmmsg(tx, items, 3, 0, NULL, &sent));
    CHECK(sent == 3);
    for (i = 0; i < 3; i++) {
        rmsg_message *m = recv_one(rx[i], 64, 64);
        char want[16];
        int32_t ttl = 0;
        snprintf(want, sizeof want, "msg%u-tail", (unsigned)i);
        CHECK(items[i].nbytes == strlen(want));
        CHECK_DATA(m, want, strlen(want));
        CHECK_OK(rmsg_item_ip_ttl(find_item(m, IPPROTO_IP, IP_TTL), &ttl));
        CHECK(ttl == (int32_t)(10 + i));
        rmsg_message_free(m);
        rmsg_address_free(dest[i]);
        rmsg_cmsg_builder_free(cb[i]);
        close(rx[i]);
    }
    close(tx);
}

/* A non-blocking batch on a socket with room for only some: RMSG_OK with
 * fewer sent, byte counts for exactly those; with no room at all,
 * RMSG_ERR_WOULD_BLOCK. Longer than one kernel call's worth (64). */
static void test_partial_batch(void) {
    int sv[2], small = 4096;
    static char payload[1000];
    enum { N = 300 };
    static rmsg_send_item items[N];
    rmsg_iovec iov = iov_of(payload, sizeof payload);
    rmsg_send_options nb;
    size_t sent = 0, i, more = 99;
    unix_pair(SOCK_DGRAM, sv);
    CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small) == 0);
    memset(&nb, 0, sizeof nb);
    nb.wait = RMSG_WAIT_NONBLOCK;
    memset(items, 0, sizeof items);
    for (i = 0; i < N; i++) {
        items[i].buffers = &iov;
        items[i].buffer_count = 1;
        items[i].nbytes = 7;
    }
    CHECK_OK(rmsg_sendmmsg(sv[0], items, N, 0, &nb, &sent));
    CHECK(sent > 0 && sent < N);
    for (i = 0; i < N; i++) CHECK(items[i].nbytes == (i < sent ? sizeof payload : 7u));
    CHECK_STATUS(rmsg_sendmmsg(sv[0], items + sent, N - sent, 0, &nb, &more),
                 RMSG_ERR_WOULD_BLOCK);
    CHECK(more == 99);
    /* Everything sent arrived, in order, whole. */
    for (i = 0; i < sent; i++) {
        char buf[2000];
        CHECK(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == (ssize_t)sizeof payload);
    }
    CHECK(recv(sv[1], payload, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN);
    close_pair(sv);
}

/* UDP_SEGMENT: one item, one sendmmsg entry, several datagrams on the wire. */
static void test_gso_in_a_batch(void) {
    rmsg_address *dest;
    int rx = udp_loopback_address(AF_INET, &dest), tx = socket(AF_INET, SOCK_DGRAM, 0);
    static char payload[2500];
    rmsg_cmsg_builder *cb = NULL;
    rmsg_iovec iov = iov_of(payload, sizeof payload);
    rmsg_send_item item;
    size_t sent, i;
    CHECK(tx >= 0);
    memset(payload, 's', sizeof payload);
    CHECK_OK(rmsg_cmsg_builder_new(&cb));
    CHECK_OK(rmsg_cmsg_builder_add_udp_segment(cb, 1000));
    memset(&item, 0, sizeof item);
    item.buffers = &iov;
    item.buffer_count = 1;
    item.control = cb;
    item.address = dest;
    CHECK_OK(rmsg_sendmmsg(tx, &item, 1, 0, NULL, &sent));
    CHECK(sent == 1 && item.nbytes == sizeof payload);
    for (i = 0; i < 3; i++) {
        rmsg_message *m = recv_one(rx, 2000, 0);
        CHECK(rmsg_message_data_len(m) == (i < 2 ? 1000u : 500u));
        rmsg_message_free(m);
    }
    rmsg_cmsg_builder_free(cb);
    rmsg_address_free(dest);
    close(tx);
    close(rx);
}

/* Bad items are refused before anything is sent. */
static void test_bad_items_send_nothing(void) {
    int sv[2];
    rmsg_iovec ok = iov_of("ok", 2), null_base = iov_of(NULL, 5);
    rmsg_send_item items[2];
    size_t sent = 99;
    char c;
    unix_pair(SOCK_DGRAM, sv);
    memset(items, 0, sizeof items);
    items[0].buffers = &ok;
    items[0].buffer_count = 1;
    items[1].buffers = &null_base;
    items[1].buffer_count = 1;
    CHECK_STATUS(rmsg_sendmmsg(sv[0], items, 2, 0, NULL, &sent), RMSG_ERR_NULL_ARGUMENT);
    items[1].buffers = NULL;
    items[1].buffer_count = 3;
    CHECK_STATUS(rmsg_sendmmsg(sv[0], items, 2, 0, NULL, &sent), RMSG_ERR_NULL_ARGUMENT);
    CHECK(sent == 99);
    CHECK(recv(sv[1], &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN);
    CHECK_STATUS(rmsg_sendmmsg(sv[0], items, 1, 0, NULL, NULL), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_sendmmsg(sv[0], NULL, 1, 0, NULL, &sent), RMSG_ERR_NULL_ARGUMENT);
    CHECK_STATUS(rmsg_sendmmsg(-1, items, 1, 0, NULL, &sent), RMSG_ERR_BAD_FD);
    CHECK_OK(rmsg_sendmmsg(sv[0], NULL, 0, 0, NULL, &sent));
    CHECK(sent == 0);
    close_pair(sv);
}

int main(void) {
    TEST_BEGIN();
    RUN(test_batch_to_several_destinations);
    RUN(test_partial_batch);
    RUN(test_gso_in_a_batch);
    RUN(test_bad_items_send_nothing);
    TEST_END();
}
