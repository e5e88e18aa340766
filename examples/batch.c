/*
 * High-rate UDP with rmsg: 64 datagrams sent with one rmsg_sendmmsg call
 * (each with its own TTL), received with rmsg_batch_recv (up to 32 per
 * recvmmsg call), each message with its source address, destination
 * (IP_PKTINFO) and TTL decoded.
 *
 * Build against a checkout: cc examples/batch.c -Iinclude -Ltarget/release -lrmsg
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rmsg.h"

#define COUNT 64

static int fail(const char *what, rmsg_status s) {
    fprintf(stderr, "%s: %s (errno %d)\n", what, rmsg_status_describe(s), rmsg_last_errno());
    return 1;
}

int main(void) {
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
    rmsg_cmsg_builder *ttl[COUNT];
    rmsg_send_item items[COUNT];
    rmsg_iovec iov = {(uint8_t *)"ping", 4};
    rmsg_cmsg_kind kinds[2] = {{IPPROTO_IP, IP_PKTINFO}, {IPPROTO_IP, IP_TTL}};
    rmsg_batch *batch = NULL;
    size_t space, sent = 0, got = 0, total = 0, i;
    rmsg_status s;

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(rx, (struct sockaddr *)&a, &alen) != 0 ||
        connect(tx, (struct sockaddr *)&a, sizeof a) != 0 ||
        setsockopt(rx, IPPROTO_IP, IP_PKTINFO, &one, sizeof one) != 0 ||
        setsockopt(rx, IPPROTO_IP, IP_RECVTTL, &one, sizeof one) != 0) {
        perror("socket setup");
        return 1;
    }

    /* Send: one item per datagram, each with its own control messages. */
    memset(items, 0, sizeof items);
    for (i = 0; i < COUNT; i++) {
        if ((s = rmsg_cmsg_builder_new(&ttl[i])) != RMSG_OK ||
            (s = rmsg_cmsg_builder_add_ip_ttl(ttl[i], (int)(1 + i))) != RMSG_OK)
            return fail("builder", s);
        items[i].buffers = &iov;
        items[i].buffer_count = 1;
        items[i].control = ttl[i];
    }
    if ((s = rmsg_sendmmsg(tx, items, COUNT, 0, NULL, &sent)) != RMSG_OK)
        return fail("rmsg_sendmmsg", s);

    /* Receive: a batch of 32 slots, made once, used again and again. */
    if ((s = rmsg_control_space(kinds, 2, 0, &space)) != RMSG_OK ||
        (s = rmsg_batch_new(32, 2048, space, NULL, &batch)) != RMSG_OK)
        return fail("batch", s);
    while (total < sent) {
        if ((s = rmsg_batch_recv(batch, rx, 0, NULL, &got)) != RMSG_OK)
            return fail("rmsg_batch_recv", s);
        for (i = 0; i < got; i++) {
            const rmsg_message *m = rmsg_batch_message(batch, i);
            size_t k, n = rmsg_message_item_count(m);
            int32_t hops = 0;
            rmsg_ip_pktinfo pi;
            rmsg_inet_address from;
            memset(&pi, 0, sizeof pi);
            for (k = 0; k < n; k++) {
                const rmsg_item *it = rmsg_message_item(m, k);
                switch (rmsg_item_kind(it)) {
                case RMSG_KIND_IP_TTL: rmsg_item_ip_ttl(it, &hops); break;
                case RMSG_KIND_IP_PKTINFO: rmsg_item_ip_pktinfo(it, &pi); break;
                default: break;
                }
            }
            rmsg_address_inet(rmsg_message_address(m), &from);
            if (total + i < 3 || total + i == sent - 1)
                printf("datagram %zu: %zu bytes from port %u to %u.%u.%u.%u, TTL %d\n",
                       total + i, rmsg_message_data_len(m), (unsigned)from.port,
                       pi.addr.addr[0], pi.addr.addr[1], pi.addr.addr[2], pi.addr.addr[3],
                       (int)hops);
        }
        total += got;
    }
    printf("%zu datagrams sent in one call, received in batches of up to 32\n", total);
    rmsg_batch_free(batch);
    for (i = 0; i < COUNT; i++) rmsg_cmsg_builder_free(ttl[i]);
    close(tx);
    close(rx);
    return 0;
}
