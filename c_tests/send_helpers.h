/*
 * Helpers shared by the send-side C tests: the loopback UDP socket of
 * helpers.h with its name as an rmsg_address, reading ints out of item
 * bytes, sending with rmsg_sendmsg, receiving with a time limit.
 */
#ifndef RMSG_SEND_HELPERS_H
#define RMSG_SEND_HELPERS_H

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>

#include "helpers.h"

/* A UDP socket of udp_loopback (bound to 127.0.0.1 or ::1), with its bound
 * name as an rmsg_address to send to, owned by the caller, in *addr_out. */
static inline int udp_loopback_address(int family, rmsg_address **addr_out) {
    uint16_t port;
    int s = udp_loopback(family, NULL, &port);
    if (family == AF_INET) {
        static const uint8_t lo[4] = {127, 0, 0, 1};
        rmsg_inet_address ia;
        memset(&ia, 0, sizeof ia);
        memcpy(ia.addr, lo, 4);
        ia.port = port;
        CHECK_OK(rmsg_address_from_inet(&ia, addr_out));
    } else {
        rmsg_inet6_address ia;
        memset(&ia, 0, sizeof ia);
        memcpy(ia.addr, &in6addr_loopback, 16);
        ia.port = port;
        CHECK_OK(rmsg_address_from_inet6(&ia, addr_out));
    }
    return s;
}

/* The item's data as an int (memcpy: the bytes are not aligned). */
static inline int item_int(const rmsg_item *it) {
    int v;
    CHECK(it != NULL);
    CHECK(rmsg_item_data_len(it) == sizeof v);
    memcpy(&v, rmsg_item_data(it), sizeof v);
    return v;
}

/* Sends `len` bytes of `data` with the builder's items to `to`. */
static inline void send_one(int s, const void *data, size_t len,
                            const rmsg_cmsg_builder *b, const rmsg_address *to) {
    rmsg_iovec iov = iov_of(data, len);
    size_t n = 0;
    CHECK_OK(rmsg_sendmsg(s, &iov, 1, b, to, 0, NULL, &n));
    CHECK(n == len);
}

/* Receives one message, waiting at most 5 s (so a lost datagram fails the
 * test instead of hanging it). */
static inline rmsg_message *recv_one(int s, size_t bufsize, size_t ancbufsize) {
    rmsg_recv_options o = recv_options(RMSG_WAIT_DEADLINE, 0, 5000000000ull);
    rmsg_message *m = NULL;
    CHECK_OK(rmsg_recvmsg_with(s, bufsize, ancbufsize, 0, &o, &m));
    return m;
}

#endif
